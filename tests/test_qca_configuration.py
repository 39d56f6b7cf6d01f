"""Configuration chart (talentlab.qca.configuration_table) against R QCA 3.25.1's solutions of the
fuzzy Lipset data LF (outcome SURV, incl.cut 0.8) in tests/reference/qca/."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from talentlab.qca import GLYPHS, QCAError, configuration_table, minimize, truth_table
from talentlab.qca.configuration import parse_glyph
from talentlab.qca.expressions import parse_expression

DIR_EXP = ["DEV", "URB", "LIT", "IND", "STB"]


@pytest.fixture(scope="module")
def lf(reference_dir):
    base = reference_dir / "qca"
    data = pd.read_csv(base / "LF.csv", index_col=0)
    data.index = data.index.astype(str)
    ref = json.loads((base / "fs_LF_SURV.json").read_text())["results"]
    tt = truth_table(data, "SURV", incl_cut=0.8)
    return tt, ref


def _literals(term, conds):
    return {(lit.condition, lit.negated) for lit in parse_expression(term, conds)[0]}


def _expected_cells(term, p_terms, conds):
    """Core = literals of the R parsimonious terms nested in the R intermediate term."""
    lits = _literals(term, conds)
    core = set().union(*[_literals(p, conds) for p in p_terms if _literals(p, conds) <= lits])
    cells = {c: "" for c in conds}
    for c, neg in lits:
        cells[c] = GLYPHS[("absent" if neg else "present", "core" if (c, neg) in core
                           else "peripheral")]
    return cells


def test_lf_intermediate_chart_matches_r(lf):
    tt, ref = lf
    res = minimize(tt, include="?", directional=DIR_EXP)
    chart = configuration_table(res)
    inter = ref["intermediate"]["intermediate"]["C1P1"]
    r_terms = inter["solutions"][0]
    r_pars = ref["parsimonious"]["solutions"][0]
    conds = tt.conditions
    assert chart.attrs["terms"] == r_terms
    assert chart.attrs["parsimonious_terms"] == r_pars
    ic = {t["_row"]: t for t in inter["IC"]["terms"]}
    for k, term in enumerate(r_terms):
        col = chart[str(k + 1)]
        expected = _expected_cells(term, r_pars, conds)
        assert col.loc["condition"].to_dict() == expected
        assert col.loc[("configuration", "consistency")] == pytest.approx(ic[term]["inclS"], abs=1e-9)
        assert col.loc[("configuration", "PRI")] == pytest.approx(ic[term]["PRI"], abs=1e-9)
        assert col.loc[("configuration", "raw coverage")] == pytest.approx(ic[term]["covS"], abs=1e-9)
        assert col.loc[("configuration", "unique coverage")] == pytest.approx(
            ic[term]["covU"], abs=1e-9)
        assert col.loc[("configuration", "cases")].replace("; ", ",") == ic[term]["cases"]
        sol = inter["IC"]["solution"][0]
        assert col.loc[("solution", "consistency")] == pytest.approx(sol["inclS"], abs=1e-9)
        assert col.loc[("solution", "coverage")] == pytest.approx(sol["covS"], abs=1e-9)
    # the published reading of this chart: URB*STB and DEV*~IND are the cores
    assert chart.attrs["core"] == ["URB*STB", "DEV*~IND"]
    cells = chart.loc["condition"]
    assert [parse_glyph(v)[1] for v in cells["1"] if v] == ["peripheral", "core", "peripheral",
                                                             "core"]


def test_lf_parsimonious_and_conservative_charts(lf):
    tt, ref = lf
    pars = minimize(tt, include="?")
    chart = configuration_table(pars)
    r_pars = ref["parsimonious"]["solutions"][0]
    assert chart.attrs["terms"] == r_pars
    roles = {parse_glyph(v)[1] for v in chart.loc["condition"].to_numpy().ravel() if v}
    assert roles == {"core"}
    ic = {t["_row"]: t for t in ref["parsimonious"]["IC"]["terms"]}
    assert chart.loc[("configuration", "raw coverage")].tolist() == pytest.approx(
        [ic[t]["covS"] for t in r_pars])
    cons = minimize(tt)
    with pytest.raises(QCAError, match="parsimonious"):
        configuration_table(cons)
    chart = configuration_table(cons, parsimonious=pars)
    r_cons = ref["conservative"]["solutions"][0]
    assert chart.attrs["terms"] == r_cons
    for k, term in enumerate(r_cons):
        assert chart[str(k + 1)].loc["condition"].to_dict() == _expected_cells(term, r_pars,
                                                                               tt.conditions)
    # the same from a written parsimonious expression
    again = configuration_table(cons, parsimonious=" + ".join(r_pars))
    pd.testing.assert_frame_equal(chart, again)


def test_multivalue_chart_and_errors():
    d = pd.DataFrame({"A": [0, 1, 2, 2, 1, 0], "B": [0, 1, 1, 0, 0, 1], "Y": [0, 0, 1, 1, 0, 0]})
    res = minimize(truth_table(d, "Y"), include="?")
    chart = configuration_table(res)
    assert chart.attrs["terms"] == ["A[2]"]
    assert chart.loc[("condition", "A"), "1"] == "●[2]"
    assert parse_glyph("●[2]") == ("present", "core", "2")
    with pytest.raises(QCAError, match="model 3"):
        configuration_table(res, model=3)
    with pytest.raises(QCAError, match="minimize"):
        configuration_table("A*B")
