"""The single-college path: no comparison majors → interrupted time series (issue 12, item 5).

The shipped synthetic scenarios reduced to the reformed majors only (every record of a comparison
major dropped, as a college with one reformed programme group would supply) must be detected as an
ITS design; the ITS level changes must cover the effects planted in ``truth.json`` under
``paper_claims`` and zero under ``null``; and the Zhuhai notebook must take the ITS path on such a
folder and say so.
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import talentlab
from talentlab.cases import zhuhai
from talentlab.evaluation import EvaluationInputError
from talentlab.evaluation.its import interrupted_time_series
from tests.conftest import PROJECT_ROOT

SYNTHETIC = PROJECT_ROOT / "data" / "raw" / "synthetic"
SHARES = {"job_related_to_major", "employer_in_cluster", "local_work"}


def reduce_to_reformed(scenario: str, dest):
    """Copy a shipped scenario keeping only the reformed majors' records (CSV, same columns)."""
    src = SYNTHETIC / scenario
    grads = pd.read_csv(src / "graduates.csv", dtype=str, keep_default_na=False)
    keep = grads["treated_major"].str.lower().isin(["true", "1"])
    majors, ids = set(grads.loc[keep, "major"]), set(grads.loc[keep, "student_id"])
    dest.mkdir(parents=True, exist_ok=True)
    grads[keep].to_csv(dest / "graduates.csv", index=False)
    for name, col, allowed in (("employer_ratings", "student_id", ids),
                               ("evaluations", "student_id", ids),
                               ("programmes", "major", majors)):
        table = pd.read_csv(src / f"{name}.csv", dtype=str, keep_default_na=False)
        table[table[col].isin(allowed)].to_csv(dest / f"{name}.csv", index=False)
    for extra in ("datapackage.json", "truth.json"):
        if (src / extra).exists():
            shutil.copy(src / extra, dest / extra)
    return dest


@pytest.fixture(scope="module")
def reduced(tmp_path_factory):
    base = tmp_path_factory.mktemp("reformed_only")
    return {s: reduce_to_reformed(s, base / s) for s in ("paper_claims", "null")}


def test_detects_its_design_when_no_comparison_majors(reduced):
    data = talentlab.load_all(reduced["paper_claims"])
    choice = zhuhai.choose_design(data.graduates)
    assert choice["design"] == "its"
    assert choice["n_comparison_majors"] == 0 and choice["n_treated_majors"] == 3
    assert "interrupted time series" in choice["reason"]
    full = talentlab.load_all(SYNTHETIC / "paper_claims")
    assert zhuhai.choose_design(full.graduates)["design"] == "did"


def _truth_value(truth, outcome):
    att = truth["effects"][outcome]["att"]
    return att / 100 if outcome in SHARES else att


@pytest.mark.parametrize("scenario", ["paper_claims", "null"])
def test_its_level_change_covers_planted_effect(reduced, scenario):
    data = talentlab.load_all(reduced[scenario])
    truth = json.loads((reduced[scenario] / "truth.json").read_text(encoding="utf-8"))
    res = zhuhai.its_evaluation(data)
    level = res[res["primary"]].set_index("outcome")
    assert (res["design"] == "its").all()
    checked = 0
    for outcome in ("job_related_to_major", "employer_in_cluster", "retraining_hours"):
        planted = _truth_value(truth, outcome)
        if scenario == "null":
            assert planted == 0
        row = level.loc[outcome]
        assert row["ci_low"] <= planted <= row["ci_high"], (scenario, outcome, planted)
        assert "no comparison majors" in row["method"]
        checked += 1
    assert checked == 3
    if scenario == "paper_claims":  # the large planted effects are detected
        assert level.loc["employer_in_cluster", "p_value"] < 0.05
        assert level.loc["retraining_hours", "p_value"] < 0.05


def test_its_evaluation_is_segmented_regression_of_cohort_means(reduced):
    data = talentlab.load_all(reduced["paper_claims"])
    res = zhuhai.its_evaluation(data, outcomes=["local_work"])
    frame = zhuhai.outcome_frame(data, "local_work")
    means = (frame.assign(cohort=frame["cohort"].astype(int)).groupby("cohort")["local_work"]
             .mean().reset_index())
    direct = interrupted_time_series(means, "local_work", "cohort", 2022, family="ols")
    assert res["estimate"].iloc[0] == pytest.approx(direct["estimate"].iloc[0], rel=1e-12)
    assert res["n_time_points"].iloc[0] == 9 and res["n"].iloc[0] == len(frame)
    with pytest.raises(ValueError, match="not graduate-level outcomes"):
        zhuhai.its_evaluation(data, outcomes=["adaptation_months"])


@pytest.mark.slow
def test_notebook_takes_the_its_path(reduced, tmp_path):
    """Without comparison majors notebook 10 skips its sections naming notebook 11 (no input
    hook: every later cell runs and says why it is skipped), and notebook 11 is the evaluation."""
    papermill = pytest.importorskip("papermill")
    runs = {}
    for name in ("10_zhuhai_case_evaluation", "11_zhuhai_interrupted_time_series"):
        notebook, out = PROJECT_ROOT / "notebooks" / f"{name}.ipynb", tmp_path / name
        out.mkdir()
        papermill.execute_notebook(
            str(notebook), str(out / "executed.ipynb"), kernel_name="python3",
            parameters={"data_dir": str(reduced["paper_claims"]), "output_dir": str(out),
                        **({"n_bootstrap": 99} if name.startswith("10") else {})},
            cwd=str(notebook.parent), progress_bar=False)
        runs[name] = out
    did_text = (runs["10_zhuhai_case_evaluation"] / "executed.ipynb").read_text(encoding="utf-8")
    assert did_text.count("Skipped: this section needs comparison majors; without them the "
                          "evaluation is notebook 11") >= 8
    assert not (runs["10_zhuhai_case_evaluation"] / "zhuhai_claims.csv").exists()
    tmp_path = runs["11_zhuhai_interrupted_time_series"]
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["design"]["design"] == "its"
    effects = pd.DataFrame(results["its_effects"])
    assert set(effects["outcome"]) >= {"job_related_to_major", "employer_in_cluster"}
    assert np.isfinite(effects["estimate"]).all()
    assert (tmp_path / "its_effects.csv").exists()
    text = (tmp_path / "executed.ipynb").read_text(encoding="utf-8")
    assert "interrupted time series" in text.lower()
    # the synthetic truth is checked on the ITS path too
    assert pd.DataFrame(results["truth_coverage"])["covered"].all()
    # what it publishes passes the report's disclosure check (n counts graduates, not cohorts)
    from talentlab.report import publish

    problems, _ = publish.disclosure_problems(tmp_path)
    assert not problems, problems


def test_evaluate_takes_the_its_design_without_comparison_majors(reduced):
    """zhuhai.evaluate used to crash on data with reformed majors only; it now runs the ITS."""
    from talentlab.claims import load_claims

    data = talentlab.load_all(reduced["paper_claims"])
    result = zhuhai.evaluate(data, load_claims(), zhuhai.ZhuhaiSettings(n_bootstrap=99))
    assert result.is_its and result.design["design"] == "its"
    assert result.design["n_comparison_majors"] == 0
    expected = zhuhai.its_evaluation(data)
    pd.testing.assert_frame_equal(result.effects, expected, check_exact=True)
    assert result.verdicts.empty and result.notes == [zhuhai.ITS_NOTE]
    published = result.to_results()
    assert set(published) == {"design", "its_effects", "its_method", "notes"}
    assert "method" not in published["its_effects"] and "label_zh" not in published["its_effects"]


def test_evaluate_takes_the_claims_table_and_opens_no_file():
    from talentlab.claims import load_claims

    data = talentlab.load_all(SYNTHETIC / "paper_claims")
    with pytest.raises(TypeError):
        zhuhai.evaluate(data)
    for bad in (None, "data/raw/claims.csv"):
        with pytest.raises(EvaluationInputError, match="claims must be the claims table"):
            zhuhai.evaluate(data, bad,
                            zhuhai.ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99))
    explicit = zhuhai.evaluate(data, load_claims(),
                               zhuhai.ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99))
    published = explicit.to_results()
    assert set(published) == {"design", "effects", "pretrend", "sensitivity", "activity", "mde",
                              "claims", "notes"}
    pd.testing.assert_frame_equal(published["claims"], zhuhai.claims_table(explicit))
