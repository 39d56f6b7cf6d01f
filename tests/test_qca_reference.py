"""talentlab.qca reproduces every R QCA 3.25.1 reference in tests/reference/qca/ (data sets, R code,
R's results and printed output; source and licence in its README).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import (
    calibrate,
    fit,
    minimize,
    necessity,
    sufficiency_parameters,
    superset_subset,
    truth_table,
)

TOL = 1e-6
DIR_EXP = ["DEV", "URB", "LIT", "IND", "STB"]


@cache
def _json(path: str) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))["results"]


@cache
def _csv(path: str) -> pd.DataFrame:
    d = pd.read_csv(path, index_col=0)
    d.index = d.index.astype(str)
    return d


@pytest.fixture(scope="module")
def ref(reference_dir):
    base = reference_dir / "qca"

    def get(name: str) -> dict:
        return _json(str(base / f"{name}.json"))

    return get


@pytest.fixture(scope="module")
def data(reference_dir):
    base = reference_dir / "qca"

    def get(name: str) -> pd.DataFrame:
        return _csv(str(base / f"{name}.csv"))

    return get


def _calibrated_lr(data, ref):
    lr = data("LR")
    th = ref("fs_LR_calibration")["thresholds"]
    return pd.DataFrame({v: calibrate(lr[v], t) for v, t in th.items()}, index=lr.index)


# (json file, truth-table key, data set, outcome, incl_cut)
TT_CASES = [
    ("cs_LC_SURV", "truth_table", "LC", "SURV", 1, DIR_EXP),
    ("fs_LF_SURV", "truth_table", "LF", "SURV", 0.8, None),
    ("extra_small", "Quine_truth_table", "Quine", "OUT", 1, None),
    ("extra_small", "HC_truth_table", "HC", "VOTE", 0.8, None),
    ("extra_small", "NF_truth_table", "NF", "W", 0.8, None),
    ("extra_small", "urban_truth_table", "d.urban", "RT", 1, None),
    ("fs_LR_calibration", "truth_table", "LR*", "SURV", 0.8, None),
]


def _make_tt(data, ref, ds, outcome, incl_cut, conditions=None, complete=True):
    d = _calibrated_lr(data, ref) if ds == "LR*" else data(ds)
    return truth_table(d, outcome, conditions, incl_cut=incl_cut, complete=complete)


# ------------------------------------------------------------------------- calibration
def test_calibration_direct_matches_r(data, ref):
    r = ref("fs_LR_calibration")
    lr = data("LR")
    expected = pd.DataFrame(r["calibrated"]).set_index("_row")
    for var, th in r["thresholds"].items():
        got = calibrate(lr[var], th)
        assert isinstance(got, pd.Series) and list(got.index) == list(lr.index)
        np.testing.assert_allclose(got.to_numpy(), expected[var].to_numpy(), atol=1e-12)


def test_calibration_reproduces_lf_after_rounding(data, ref):
    r = ref("fs_LR_calibration")
    cal = _calibrated_lr(data, ref)
    lf = data("LF")
    for var, expected in r["max_abs_diff_vs_LF_after_round2"].items():
        got = float((cal[var].round(2) - lf[var]).abs().max())
        assert got == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    "key, column, kwargs",
    [
        ("linear_DEV", "DEV", dict(thresholds="e=400, c=550, i=900", logistic=False)),
        ("crisp_DEV", "DEV", dict(thresholds=550, method="crisp")),
        ("multivalue_DEV", "DEV", dict(thresholds="550, 850", method="crisp")),
        ("idm99_DEV", "DEV", dict(thresholds="e=400, c=550, i=900", idm=0.99)),
        ("bell_LIT", "LIT", dict(thresholds="e1=50, c1=65, i1=80, i2=90, c2=95, e2=99")),
    ],
)
def test_calibration_variants_match_r(data, ref, key, column, kwargs):
    expected = ref("fs_LR_calibration")["variants"][key]["values"]
    got = calibrate(data("LR")[column], **kwargs)
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected, atol=1e-12)


def test_calibration_decreasing_given_either_way(data):
    stb = data("LR")["STB"]
    a = calibrate(stb, "i=5, c=9.5, e=15")
    b = calibrate(stb, {"e": 15, "c": 9.5, "i": 5})
    np.testing.assert_allclose(a, b)
    assert a.loc["NL"] > 0.95 and a.loc["PL"] < 0.05  # low instability = high stability


# ------------------------------------------------------------------------- truth tables
@pytest.mark.parametrize("jfile, key, ds, outcome, incl_cut, _dir", TT_CASES)
def test_truth_table_matches_r(data, ref, jfile, key, ds, outcome, incl_cut, _dir):
    r = ref(jfile)[key]
    tt = _make_tt(data, ref, ds, outcome, incl_cut, r["conditions"])
    assert tt.conditions == r["conditions"]
    assert tt.noflevels == r["noflevels"]
    assert tt.fuzzy == r["fuzzy"]
    table = tt.table
    assert list(table.index) == [row["row"] for row in r["rows_all"]]
    for row in r["rows_all"]:
        got = table.loc[row["row"]]
        for c in r["conditions"]:
            assert got[c] == row[c]
        assert got["OUT"] == row["OUT"], row
        assert got["n"] == row["n"], row
        assert got["cases"] == row["cases"], row
        if row["OUT"] != "?":
            assert got["incl"] == pytest.approx(row["incl"], abs=1e-12)
            assert got["PRI"] == pytest.approx(row["PRI"], abs=1e-12)
    observed = truth_table(tt.data, outcome, r["conditions"], incl_cut=incl_cut)
    assert list(observed.table.index) == r["observed_rows"]


def test_case_row_membership_matches_r(data, ref):
    r = ref("fs_LF_SURV")["truth_table"]["case_row_membership"]
    tt = truth_table(data("LF"), "SURV", incl_cut=0.8)
    got = tt.case_row_membership
    assert list(got.columns) == r["colnames"] and list(got.index) == r["rownames"]
    np.testing.assert_allclose(got.to_numpy(), np.asarray(r["values"]), atol=1e-12)


# ------------------------------------------------------------------------- minimisation
# (json file, minimisation key, truth-table case index, include, directional)
MIN_CASES = [
    ("cs_LC_SURV", "conservative", 0, None, None),
    ("cs_LC_SURV", "parsimonious", 0, "?", None),
    ("cs_LC_SURV", "intermediate", 0, "?", DIR_EXP),
    ("fs_LF_SURV", "conservative", 1, None, None),
    ("fs_LF_SURV", "parsimonious", 1, "?", None),
    ("fs_LF_SURV", "intermediate", 1, "?", DIR_EXP),
    ("fs_LF_SURV", "intermediate_conjunctural", 1, "?", ["DEV", "STB", "~LIT*IND"]),
    ("extra_small", "Quine_conservative", 2, None, None),
    ("extra_small", "HC_parsimonious", 3, "?", None),
    ("extra_small", "NF_conservative", 4, None, None),
    ("extra_small", "NF_parsimonious", 4, "?", None),
    ("extra_small", "urban_parsimonious", 5, "?", None),
    ("fs_LR_calibration", "parsimonious", 6, "?", None),
]


def _check_ic(sol, ic, chart_cases=True):
    """Compare a talentlab Solution's fit with R's IC object."""
    fitdf = sol.fit
    terms = fitdf.loc[fitdf["kind"] == "term"]
    models = fitdf.loc[fitdf["kind"] == "model"]
    ref_terms = ic["overall_terms"] if ic["multiple_models"] else ic["terms"]
    assert list(terms.index) == [t["_row"] for t in ref_terms]
    for t in ref_terms:
        got = terms.loc[t["_row"]]
        for p in ("inclS", "PRI", "covS"):
            assert got[p] == pytest.approx(t[p], abs=TOL), (t["_row"], p)
        if t["covU"] is None:
            assert np.isnan(got["covU"])
        else:
            assert got["covU"] == pytest.approx(t["covU"], abs=TOL), t["_row"]
        if chart_cases:
            assert got["cases"] == t["cases"]
    if ic["multiple_models"]:
        for k, m in enumerate(ic["models"]):
            mf = sol.model_fits[k]
            for t in m["terms"]:
                for p in ("inclS", "PRI", "covS", "covU"):
                    assert mf.loc[t["_row"], p] == pytest.approx(t[p], abs=TOL)
                assert terms.loc[t["_row"], f"(M{k + 1})"] == pytest.approx(t["covU"], abs=TOL)
            s = m["solution"][0]
            for p in ("inclS", "PRI", "covS"):
                assert models.loc[f"M{k + 1}", p] == pytest.approx(s[p], abs=TOL)
    else:
        s = ic["solution"][0]
        for p in ("inclS", "PRI", "covS"):
            assert models.loc["M1", p] == pytest.approx(s[p], abs=TOL)


def _check_solution(sol, r):
    assert sol.solutions == r["solutions"]
    assert sol.essential == r["essential"]
    chart = r["PIchart"]
    pic = sol.pi_chart
    assert list(pic.index) == chart["rownames"]
    assert list(pic.columns) == chart["colnames"]
    np.testing.assert_array_equal(pic.to_numpy(), np.asarray(chart["values"], dtype=bool))
    _check_ic(sol, r["IC"])


@pytest.mark.parametrize("jfile, key, tt_idx, include, directional", MIN_CASES)
def test_minimize_matches_r(data, ref, jfile, key, tt_idx, include, directional):
    r = ref(jfile)[key]
    _, _, ds, outcome, incl_cut, _ = TT_CASES[tt_idx]
    tt = _make_tt(data, ref, ds, outcome, incl_cut)
    res = minimize(tt, include=include, directional=directional)
    top = res.parsimonious if directional else res.solution  # R's top level
    _check_solution(top, r)
    assert top.prime_implicants == r["PIchart"]["rownames"]
    coded = r["prime_implicants_coded"]
    used = sorted({i for m in top.models for i in m})
    assert [list(top.implicants[i]) for i in used] == coded["values"]
    assert res.numbers == r["numbers"]
    sa = r["simplifying_assumptions"]
    if sa is not None:
        got_sa = top.simplifying_assumptions
        assert list(got_sa) == list(sa)
        for m, rows in sa.items():
            assert [str(i) for i in got_sa[m].index] == [row["_row"] for row in rows]
    if directional:
        assert res.kind == "intermediate"
        for name, br in r["intermediate"].items():
            got = res.branches[name]
            assert got.c_sol == br["c.sol"] and got.p_sol == br["p.sol"]
            assert [str(i) for i in got.easy_counterfactuals.index] == [
                e["_row"] for e in br["easy_counterfactuals"]
            ]
            dc = br["difficult_counterfactuals"]
            dc_rows = dc["rownames"] if isinstance(dc, dict) else [e["_row"] for e in dc]
            assert [str(i) for i in got.difficult_counterfactuals.index] == dc_rows
            _check_solution(got.solution, br)
        assert res.solutions == r["intermediate"]["C1P1"]["solutions"]


def test_conservative_initials_are_positive_rows(data, ref):
    r = ref("cs_LC_SURV")["conservative"]
    tt = truth_table(data("LC"), "SURV", incl_cut=1)
    res = minimize(tt)
    assert list(res.pi_chart.columns) == r["PIchart"]["colnames"]
    # R's "initials" are the positive rows written as terms
    from talentlab.qca.expressions import write_implicant

    pos = tt.all_rows.loc[tt.all_rows["OUT"] == "1", tt.conditions].to_numpy() + 1
    assert [write_implicant(p, tt.conditions, False) for p in pos] == r["initials"]


# ------------------------------------------------------------------------- necessity & pof
def _assert_params(df: pd.DataFrame, rows: list[dict], params):
    assert list(df.index) == [row["_row"] for row in rows]
    for row in rows:
        for p in params:
            if row.get(p) is None:
                assert np.isnan(df.loc[row["_row"], p])
            else:
                assert df.loc[row["_row"], p] == pytest.approx(row[p], abs=TOL), (row, p)


def test_necessity_conditions_and_negations_match_r(data, ref):
    r = ref("nec_LF")
    nec = necessity(data("LF"), "SURV")
    _assert_params(nec.iloc[:5], r["pof_necessity"]["terms"], ("inclN", "RoN", "covN"))
    _assert_params(
        nec.iloc[5:], r["pof_necessity_negated_conditions"]["terms"], ("inclN", "RoN", "covN")
    )
    negout = necessity(data("LF"), "~SURV", negations=False)
    _assert_params(
        negout, r["pof_necessity_negated_outcome"]["terms"], ("inclN", "RoN", "covN")
    )


def test_sufficiency_of_single_conditions_matches_r(data, ref):
    lf = data("LF")
    conds = ["DEV", "URB", "LIT", "IND", "STB"]
    got = sufficiency_parameters(lf[conds], lf["SURV"])
    _assert_params(got, ref("nec_LF")["pof_sufficiency"]["terms"], ("inclS", "PRI", "covS", "covU"))


@pytest.mark.parametrize("outcome, key", [("SURV", "superSubset_SURV"),
                                          ("~SURV", "superSubset_negSURV")])
def test_superset_subset_matches_r(data, ref, outcome, key):
    r = ref("nec_LF")[key]
    got = superset_subset(data("LF"), outcome, incl_cut=0.9, cov_cut=0.6)
    _assert_params(got, r["incl.cov"], ("inclN", "RoN", "covN"))


def test_fit_of_expressions_matches_r(data, ref):
    r = ref("nec_LF")
    lf = data("LF")
    suf = fit(lf, "DEV*~IND + URB*STB -> SURV")
    _assert_params(
        suf, r["pof_expression_sufficiency"]["terms"], ("inclS", "PRI", "covS", "covU")
    )
    nec = fit(lf, "STB + LIT <- SURV")
    _assert_params(nec, r["pof_expression_necessity"]["terms"], ("inclN", "RoN", "covN"))
    # same numbers with explicit arguments and lower-case negation
    alt = fit(lf, "DEV*ind + URB*STB", "SURV", lowercase_negation=True)
    np.testing.assert_allclose(alt["inclS"].to_numpy(), suf["inclS"].to_numpy())
