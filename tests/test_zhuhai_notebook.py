"""The Zhuhai notebook on the three shipped scenarios, run through papermill.

The verdicts follow the rule of :mod:`talentlab.claims` (Holm across the impact claims; supported
only if the conclusion survives the relative-magnitudes bound Mbar = 1; activity claims judged
descriptively). On ``null`` no impact claim is supported and the activity claims (the reform's own
outputs, carried out in every scenario) read "reported"; on ``paper_claims`` the main claims are
significant by CR3 (but not after Holm's adjustment of the larger of CR3's and the exact
randomization p-value, which cannot go below 1/56 with 3 of 8 majors reformed), the intervals
cover the effects in ``truth.json``, and a claim is supported only when significant and its
breakdown value reaches the bound; on ``pretrend`` the breakdown
analysis flags the biased claims (Mbar* < 1) so none is supported. (The data are the shipped files
with fixed seeds, so these outcomes are deterministic; benchmarks/sim_study_verdicts.py measures
the rates.)
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT

papermill = pytest.importorskip("papermill")

NOTEBOOK = PROJECT_ROOT / "notebooks" / "10_zhuhai_case_evaluation.ipynb"
PROGRAMME_OUTCOMES = {"technical_service_projects", "sme_employees_trained"}
ACTIVITY_CLAIMS = {"C5.3.2a", "C5.3.2b"}
MAIN_CLAIMS = {"C5.3.1b": "job_related_to_major", "C5.3.1d": "recognition_score",
               "C5.3.1g": "employer_in_cluster", "C5.3.1f": "retraining_hours"}


def results_truth(out):
    scenario = json.loads((out / "results.json").read_text())["data_origin"]["scenario"]
    truth = PROJECT_ROOT / "data" / "raw" / "synthetic" / scenario / "truth.json"
    return json.loads(truth.read_text())


@pytest.fixture(scope="module", params=["paper_claims", "null", "pretrend"])
def run(request, tmp_path_factory):
    scenario = request.param
    out = tmp_path_factory.mktemp(f"zhuhai_{scenario}")
    papermill.execute_notebook(
        str(NOTEBOOK), str(out / "executed.ipynb"), kernel_name="python3",
        parameters={"data_dir": str(PROJECT_ROOT / "data" / "raw" / "synthetic" / scenario),
                    "output_dir": str(out), "n_bootstrap": 999},
        cwd=str(NOTEBOOK.parent), progress_bar=False)
    claims = pd.read_csv(out / "zhuhai_claims.csv").set_index("claim_id")
    results = json.loads((out / "results.json").read_text())
    return scenario, claims, results, out


@pytest.mark.slow
def test_verdicts_follow_the_planted_truth(run):
    scenario, claims, results, out = run
    assert results["data_origin"]["data_origin"] == "synthetic"
    assert (out / "figures" / "effects.png").exists()
    assert (out / "parallel_trends_sensitivity.csv").exists()
    for col in ("claim_kind", "p_raw", "p_adjusted", "adjustment", "breakdown_mbar",
                "rm_ci_low", "rm_ci_high", "verdict_rule"):
        assert col in claims.columns, col
    impact = claims[(claims["claim_kind"] == "impact") & claims["p_raw"].notna()]
    assert (impact["adjustment"] == "holm").all()
    assert (impact["p_adjusted"] >= impact["p_raw"] - 1e-12).all()
    activity = claims.loc[sorted(ACTIVITY_CLAIMS)]
    truth = results_truth(out)
    # the reform's own outputs happen in every scenario: reported, never "supported"
    assert (activity["verdict"] == "reported").all(), activity[["verdict", "verdict_reason"]]
    for outcome in PROGRAMME_OUTCOMES:
        assert truth["effects"][outcome]["implemented"] is True
    assert not (claims["verdict"] == "supported").any() or scenario == "paper_claims"
    main = claims.loc[list(MAIN_CLAIMS)]
    if scenario == "paper_claims":
        # the model-based (CR3) test rejects for every main claim; the verdict reads the larger
        # of it and the exact randomization p-value, which cannot go below 1/56 with 3 of 8
        # majors reformed, so Holm's adjustment over the family keeps it above 0.05 (issue 22)
        assert (main["p_model"] < 0.05).all(), main[["p_model", "p_randomization"]]
        assert (main["p_randomization_min"] - 1 / 56).abs().max() < 1e-6  # CSV rounding
        assert (main["p_raw"] >= main["p_randomization"]).all()
        coverage = pd.DataFrame(results["truth_coverage"])
        coverage = coverage[coverage["kind"] == "impact"]  # activities are judged descriptively
        assert len(coverage) >= 6 and coverage["covered"].all(), coverage
        # supported only when significant after adjustment and robust at the stated bound
        sig, robust = main["p_adjusted"] < 0.05, main["breakdown_mbar"] >= 1.0
        assert ((main["verdict"] == "supported") == (sig & robust)).all(), main[
            ["verdict", "p_adjusted", "breakdown_mbar"]]
        assert set(main.loc[sig & ~robust, "verdict"]) <= {"not robust at Mbar = 1",
                                                           "pre-trend violation detected"}
    elif scenario == "null":
        assert not (impact["verdict"] == "supported").any(), impact["verdict"]
        assert "implemented" in truth["scenario_description"]
        judged = claims[claims["verdict"] == "not supported"]
        assert judged["mde"].notna().all()  # "not supported" always carries its MDE
    else:
        # a naive DiD finds "effects"; the breakdown analysis flags them
        assert (main["breakdown_mbar"] < 1.0).all(), main["breakdown_mbar"]
        assert not (main["verdict"] == "supported").any(), main["verdict"]


@pytest.mark.slow
def test_untestable_claims_say_so(run):
    _, claims, _, _ = run
    assert claims.loc["C5.3.3b", "verdict"] == "not testable"


@pytest.mark.slow
def test_published_outputs_hold_no_identifier_and_no_small_cell(run):
    from tests.test_notebooks import assert_publishable

    *_, out = run
    assert_publishable(out)


@pytest.mark.slow
def test_tables_show_no_raw_missing_value_and_no_cut_text(run):
    import re

    from tests.test_notebooks import raw_missing_in_tables

    *_, out = run
    assert raw_missing_in_tables(out / "executed.ipynb") == []
    # pandas cuts a cell longer than display.max_colwidth with "...": quotes are shown whole
    html = (out / "executed.ipynb").read_text(encoding="utf-8")
    assert not re.findall(r"\.\.\.</td>", html), re.findall(r".{60}\.\.\.</td>", html)[:3]


@pytest.mark.slow
def test_staggered_scenario_runs_the_whole_notebook(tmp_path):
    """Several colleges reforming in different years: the notebook describes the staggered design,
    draws its event studies and judges the claims on it (it stopped with a KeyError on the
    one-date design's keys and columns before)."""
    out = tmp_path / "zhuhai_staggered"
    out.mkdir()
    papermill.execute_notebook(
        str(NOTEBOOK), str(out / "executed.ipynb"), kernel_name="python3",
        parameters={"data_dir": str(PROJECT_ROOT / "data" / "raw" / "synthetic" / "staggered"),
                    "output_dir": str(out), "n_bootstrap": 99},
        cwd=str(NOTEBOOK.parent), progress_bar=False)
    results = json.loads((out / "results.json").read_text())
    assert results["design"]["design"] == "staggered"
    claims = pd.read_csv(out / "zhuhai_claims.csv").set_index("claim_id")
    assert claims.loc["C5.3.1b", "verdict"]
    assert (out / "figures" / "event_study_job_related_to_major.png").is_file()
    text = (out / "executed.ipynb").read_text(encoding="utf-8")
    assert "Staggered reforms:" in text
