"""Theory evaluation against SetMethods 4.0 ``theory.evaluation`` on its help-page example (SCHF,
theory ~EMP*MA; values made by tests/reference/setmethods/make_diagnostics_reference.R)."""

import json

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError, compute, minimize
from talentlab.qca.theory import INTERSECTIONS, boolean_minimum, theory_evaluation
from talentlab.qca.truth_table import all_configurations

CONDITIONS = ["EMP", "BARGAIN", "UNI", "OCCUP", "STOCK", "MA"]
#: SetMethods' names of the eight cells, in INTERSECTIONS order
CELL_KEYS = ["TSY", "~TSY", "T~SY", "~T~SY", "TS~Y", "~TS~Y", "T~S~Y", "~T~S~Y"]


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "setmethods" / "diagnostics_reference.json")
                      .read_text(encoding="utf-8"))["theory_evaluation"]


@pytest.fixture(scope="module")
def evaluation(reference_dir, ref):
    data = pd.read_csv(reference_dir / "setmethods" / "diag_SCHF.csv", index_col="case")
    sol = minimize(data, outcome="EXPORT", conditions=CONDITIONS, incl_cut=0.9, include="?",
                   directional=["~" + c for c in CONDITIONS])
    return theory_evaluation(ref["theory"], sol)


def test_fit_matches_setmethods(evaluation, ref):
    assert evaluation.model == ref["model"]
    fit = evaluation.fit.loc[ref["fit"]["row"]]
    # SetMethods rounds its fit table to 3 decimals
    for ours, theirs in [("inclS", "inclS"), ("covS", "covS"), ("PRI", "PRI")]:
        np.testing.assert_allclose(fit[ours], ref["fit"][theirs], atol=5e-4 + 1e-12)


def test_intersections_are_setmethods_expressions(evaluation, ref):
    configs = pd.DataFrame(all_configurations([2] * 6), columns=CONDITIONS)
    ours = evaluation.intersections.drop_duplicates("intersection").set_index("intersection")
    for key, cell in zip(["TE", "tE", "Te", "te"], ["T*S", "~T*S", "T*~S", "~T*~S"],
                         strict=True):
        np.testing.assert_array_equal(compute(ours.at[cell, "expression"], configs),
                                      compute(ref["intersections"][key], configs))


def test_cases_of_each_cell_match_setmethods(evaluation, ref):
    table = evaluation.intersections
    assert list(zip(table["intersection"], table["outcome"], table["label"], strict=True)) == \
        INTERSECTIONS
    for key, (_, row) in zip(CELL_KEYS, table.iterrows(), strict=True):
        names = row["cases"].split(", ") if row["cases"] else []
        assert row["n"] == len(names)
        if key == "TS~Y":
            # SetMethods 4.0 reads a column 'T*E' that does not exist and lists no case here
            assert ref["cases"][key] == []
            cases = evaluation.cases
            expected = cases.index[(cases["intersection"] == "T*S") & (cases["Y"] < 0.5)]
            assert names == expected.tolist() and len(names) == 4
        else:
            assert names == ref["cases"][key]


def test_boolean_minimum_and_errors():
    assert boolean_minimum(np.zeros(4), ["A", "B"]) == ""
    assert boolean_minimum(np.ones(4), ["A", "B"]) == "1"
    assert boolean_minimum(np.array([0, 0, 0, 1]), ["A", "B"]) == "A*B"
    with pytest.raises(QCAError, match="model 9 does not exist"):
        theory_evaluation("EMP", _solution(), model=9)
    with pytest.raises(QCAError, match="minimize"):
        theory_evaluation("EMP", "EMP*MA")


def _solution():
    d = pd.DataFrame({"EMP": [1, 1, 0, 0], "MA": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    return minimize(d, outcome="Y", include="?")


def test_boolean_expressions_are_bounded():
    names = [f"C{i}" for i in range(11)]
    rng = np.random.default_rng(3)
    d = pd.DataFrame(rng.integers(0, 2, (6, 11)), columns=names)
    d["Y"] = [1, 1, 1, 0, 0, 0]
    sol = minimize(d, outcome="Y")
    with pytest.raises(QCAError, match="boolean=False"):
        theory_evaluation("C0", sol)
    ev = theory_evaluation("C0", sol, boolean=False)
    assert (ev.intersections["expression"] == "").all()
    assert ev.intersections["n"].sum() <= len(d)


def test_negated_outcome_matches_setmethods(reference_dir):
    ref = json.loads((reference_dir / "setmethods" / "diagnostics_reference.json")
                     .read_text(encoding="utf-8"))["theory_evaluation_negated"]
    data = pd.read_csv(reference_dir / "setmethods" / "diag_SCHF.csv", index_col="case")
    sol = minimize(data, outcome="~EXPORT", conditions=CONDITIONS, incl_cut=0.8, include="?")
    assert sol.solutions[0] == ref["model"]
    fit = theory_evaluation(ref["theory"], sol).fit.loc[ref["fit"]["row"]]
    for column in ("inclS", "covS", "PRI"):
        np.testing.assert_allclose(fit[column], ref["fit"][column], atol=5e-4 + 1e-12)
    from talentlab.qca.smmr import smmr

    typical = smmr(sol, "typical")
    theirs = pd.DataFrame(ref["typical"])
    for term in ref["model"]:
        assert (typical.loc[typical["term"] == term, "case"].tolist()
                == theirs.loc[theirs["Term"] == term, "Case"].tolist())
