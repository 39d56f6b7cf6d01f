"""SMMR case selection for sufficiency against SetMethods 4.0 ``smmr`` on SCHF: single cases
(``match = FALSE, cases = 1, 3, 4, 5``) and pairs (``match = TRUE, cases = 3, 4``); values made by
tests/reference/setmethods/make_diagnostics_reference.R."""

import importlib
import json

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError, minimize
from talentlab.qca.smmr import CASE_TYPES, smmr, smmr_necessity, smmr_pairs

CONDITIONS = ["EMP", "BARGAIN", "UNI", "OCCUP", "STOCK", "MA"]


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "setmethods" / "diagnostics_reference.json")
                      .read_text(encoding="utf-8"))["smmr"]


@pytest.fixture(scope="module")
def solution(reference_dir):
    data = pd.read_csv(reference_dir / "setmethods" / "diag_SCHF.csv", index_col="case")
    return minimize(data, outcome="EXPORT", conditions=CONDITIONS, incl_cut=0.9, include="?",
                    directional=["~" + c for c in CONDITIONS])


@pytest.mark.parametrize("kind, most", [("typical", "MostTyp"),
                                        ("deviant_consistency", "MostDCONS")])
def test_term_case_types_match_setmethods(ref, solution, kind, most):
    ours = smmr(solution, kind)
    theirs = pd.DataFrame(ref[kind]).rename(columns={"Cases": "Case"})
    assert solution.solutions[0] == ref["model"]
    assert len(ours) == len(theirs)
    # SetMethods sorts terms by name in R's locale; within a term the order is its ranking
    for term in ref["model"]:
        a, b = ours[ours["term"] == term], theirs[theirs["Term"] == term]
        assert a["case"].tolist() == b["Case"].tolist()
        assert a["most"].tolist() == b[most].tolist()
        np.testing.assert_allclose(a["best"], b["Best"], atol=1e-12)
        np.testing.assert_allclose(a["membership"], b["TermMemb"], atol=1e-12)
        if kind == "typical":
            assert a["unique_coverage"].tolist() == b["UniqCov"].tolist()


@pytest.mark.parametrize("kind", ["deviant_coverage", "irrelevant"])
def test_row_case_types_match_setmethods(ref, solution, kind):
    ours = smmr(solution, kind)
    theirs = pd.DataFrame(ref[kind])
    assert ours["case"].tolist() == theirs["Case"].tolist()
    cols = [f"TT_{c}" for c in CONDITIONS]
    np.testing.assert_array_equal(ours[cols].to_numpy(), theirs[cols].to_numpy())
    np.testing.assert_allclose(ours["tt_row"], theirs["TT_row"], atol=1e-12)
    np.testing.assert_allclose(ours["membership"], theirs["Sol"], atol=1e-12)
    if kind == "deviant_coverage":
        assert ours["most"].tolist() == theirs["MostDCOV"].tolist()
        assert ours["tt_below_outcome"].tolist() == theirs["TT<=Y"].tolist()
        np.testing.assert_allclose(ours["best"], theirs["Best"], atol=1e-12)


def test_smmr_refuses_unknown_types_and_models(solution):
    assert len(CASE_TYPES) == 4
    with pytest.raises(QCAError, match="cases must be one of"):
        smmr(solution, "deviant")
    with pytest.raises(QCAError, match="model 7 does not exist"):
        smmr(solution, "typical", model=7)


def test_typical_deviant_consistency_pairs_match_setmethods(ref, solution):
    pairs = smmr_pairs(solution, "typical_deviant_consistency", max_pairs=5)
    for block in ref["match_typical_deviant_consistency"]:
        ours = pairs[pairs["term"] == block["term"]]
        theirs = pd.DataFrame(block["pairs"])
        if theirs.empty:
            assert ours.empty
            continue
        assert ours["typical"].tolist() == theirs["TYP"].tolist()
        assert ours["deviant"].tolist() == theirs["DCONS"].tolist()
        assert ours["most_typical"].tolist() == theirs["MostTypTerm"].tolist()
        assert ours["most_deviant"].tolist() == theirs["MostDCONS"].tolist()
        np.testing.assert_allclose(ours["best"], theirs["Best"], atol=1e-12)


def test_deviant_coverage_irrelevant_pairs_match_setmethods(ref, solution):
    ours = smmr_pairs(solution, "deviant_coverage_irrelevant", max_pairs=5)
    theirs = pd.DataFrame(ref["match_deviant_coverage_irrelevant"])
    assert ours["deviant_coverage"].tolist() == theirs["DCOV"].tolist()
    assert ours["irrelevant"].tolist() == theirs["IIR"].tolist()
    assert ours["tt_below_outcome"].tolist() == theirs["TT_DCV<=Y"].tolist()
    cols = [f"TT_{c}" for c in CONDITIONS]
    np.testing.assert_array_equal(ours[cols].to_numpy(), theirs[cols].to_numpy())
    np.testing.assert_allclose(ours["best"], theirs["Best"], atol=1e-12)
    assert ours.groupby(cols).size().max() <= 5
    with pytest.raises(QCAError, match="max_pairs"):
        smmr_pairs(solution, "deviant_coverage_irrelevant", max_pairs=0)


def test_pairs_refuse_more_candidates_than_the_limit(monkeypatch, solution):
    # talentlab.qca.smmr is also the function's name in the package: take the module itself
    smmr_module = importlib.import_module("talentlab.qca.smmr")
    monkeypatch.setattr(smmr_module, "MAX_CANDIDATE_PAIRS", 10)
    with pytest.raises(QCAError, match="candidate pairs"):
        smmr_pairs(solution, "deviant_coverage_irrelevant")


@pytest.mark.parametrize("necessary", ["STOCK", "STOCK+MA"])
def test_necessity_cases_match_setmethods(ref, solution, necessary):
    expected = ref["necessity"][necessary]
    ours = smmr_necessity(solution, necessary, "deviant_consistency")
    theirs = pd.DataFrame(expected["deviant_consistency"])
    assert ours["case"].tolist() == theirs["Case"].tolist()
    assert ours["most"].tolist() == theirs["MostDCONS"].tolist()
    assert ours["tt_below_outcome"].tolist() == theirs["TT<=Y"].tolist()
    np.testing.assert_allclose(ours["best"], theirs["Best"], atol=1e-12)
    np.testing.assert_allclose(ours["membership"], theirs["NecCond"], atol=1e-12)
    ours = smmr_necessity(solution.tt, necessary, "deviant_relevance")
    theirs = pd.DataFrame(expected["deviant_relevance"])
    assert ours["case"].tolist() == theirs["Case"].tolist()
    assert ours["most"].tolist() == theirs["MostDREL"].tolist()
    np.testing.assert_allclose(ours["best"], theirs["Best"], atol=1e-12)
    with pytest.raises(QCAError, match="cases must be one of"):
        smmr_necessity(solution, necessary, "typical")
