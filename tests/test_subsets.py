"""Any subset of the record tables reaches a report (issue 20 items 1 and 5).

An employment office often holds one table, its destination export (a graduates table). Such a
folder must validate, process, go through the Zhuhai evaluation and the findings ledger, and the
ledger must say which claims are not testable and why ("no <table> supplied"). The folders are
built from the shipped scenario ``data/raw/synthetic/paper_claims``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import warnings

import pandas as pd
import pytest

import talentlab
from talentlab.cases import zhuhai
from talentlab.claims import judge
from talentlab.data import io as tio
from talentlab.data.paper import load_claims
from talentlab.report.ledger import findings_ledger, findings_markdown, render_index
from tests.conftest import PROJECT_ROOT

SCENARIO = PROJECT_ROOT / "data" / "raw" / "synthetic" / "paper_claims"
RECORD_TABLES = ("graduates", "employer_ratings", "evaluations", "programmes")
#: Zhuhai claims on outcomes a graduates table alone carries, and those needing another table
GRADUATE_CLAIMS = {"C5.3.1b", "C5.3.1c", "C5.3.1e", "C5.3.1f", "C5.3.1g"}
NEEDS_OTHER_TABLE = {"C5.3.1a": "no evaluations supplied",
                     "C5.3.1d": "no employer_ratings supplied",
                     "C5.3.1h": "no employer_ratings supplied",
                     "C5.3.2a": "no programmes supplied", "C5.3.2b": "no programmes supplied"}


def subset_folder(folder, *tables):
    """A data folder holding ``tables`` of the shipped scenario and its provenance files
    (datapackage.json: synthetic origin; truth.json: the planted effects)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in (*[f"{t}.csv" for t in tables], "datapackage.json", "truth.json"):
        shutil.copy(SCENARIO / name, folder / name)
    return folder


@pytest.fixture(scope="module")
def graduates_only(tmp_path_factory):
    return subset_folder(tmp_path_factory.mktemp("subset") / "graduates_only", "graduates")


@pytest.fixture(scope="module")
def claims():
    return load_claims()


@pytest.fixture(scope="module")
def graduates_result(graduates_only, claims):
    return zhuhai.evaluate(talentlab.load_all(graduates_only), claims,
                           zhuhai.ZhuhaiSettings(n_bootstrap=99))


# ---- loading and validation -------------------------------------------------------------------
def test_graduates_only_loads_what_it_holds(graduates_only):
    data = talentlab.load_all(graduates_only)
    assert data.supplied == ("graduates",)
    assert data.missing == ("employer_ratings", "evaluations", "programmes")
    assert list(data.tables()) == ["graduates"] and data.employer_ratings is None
    full = talentlab.load_all(SCENARIO)
    pd.testing.assert_frame_equal(data.graduates, full.graduates)
    assert data.is_synthetic and "not supplied: employer_ratings" in data.describe_origin()
    with pytest.raises(tio.TableNotSupplied, match="no employer_ratings supplied"):
        data.require("employer_ratings", what="recognition")
    with pytest.raises(tio.TableNotSupplied, match="no programmes supplied"):
        data["programmes"]


@pytest.mark.parametrize("table", ["employer_ratings", "programmes", "evaluations"])
def test_one_other_table_alone_validates(tmp_path, table):
    folder = subset_folder(tmp_path / table, table)
    data = talentlab.load_all(folder)
    assert data.supplied == (table,)
    run = subprocess.run([sys.executable, "-m", "talentlab.cli", "validate", str(folder)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "valid" in run.stdout and "not supplied: graduates" in run.stdout
    if table != "programmes":  # its rule against graduates could not run, and validate says so
        assert f"{table}.student_id must exist in graduates" in run.stdout
    assert f"make reproduce DATA={folder}" in run.stdout


def test_cross_table_rule_runs_where_both_tables_are_present(tmp_path):
    folder = subset_folder(tmp_path / "two", "graduates", "employer_ratings")
    ratings = (folder / "employer_ratings.csv").read_text(encoding="utf-8-sig").splitlines()
    header = ratings[0].split(",")
    cells = ratings[1].split(",")
    cells[header.index("student_id")] = "NOBODY"
    ratings[1] = ",".join(cells)
    (folder / "employer_ratings.csv").write_text("\n".join(ratings) + "\n", encoding="utf-8")
    with pytest.raises(talentlab.DataValidationError, match="must exist in graduates"):
        talentlab.load_all(folder)
    (folder / "graduates.csv").unlink()  # the same ratings alone: the rule cannot run
    assert talentlab.load_all(folder).supplied == ("employer_ratings",)


def test_a_folder_without_any_table_names_the_expected_files(tmp_path):
    (tmp_path / "毕业去向.xlsx").write_bytes(b"an export")
    with pytest.raises(talentlab.DataValidationError) as err:
        talentlab.load_all(tmp_path)
    text = str(err.value)
    assert "no record table found" in text and "graduates.csv" in text
    assert "毕业去向.xlsx" in text and "talentlab import" in text


def test_process_writes_only_the_supplied_tables(graduates_only, tmp_path):
    out = talentlab.process(graduates_only, tmp_path / "processed")
    assert sorted(p.name for p in out.iterdir()) == ["graduates.parquet", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["tables_absent"] == ["employer_ratings", "evaluations", "programmes"]
    assert list(manifest["rows"]) == ["graduates"]
    processed = talentlab.load_all(out)
    assert processed.supplied == ("graduates",) and processed.is_synthetic


def test_make_takes_a_subset_folder_as_data_not_as_exports_to_import(tmp_path):
    """A folder with employer_ratings.csv only used to be taken for a folder of exports (the
    Makefile looked for graduates.* alone) and sent through `talentlab import`."""
    folder = subset_folder(tmp_path / "ratings", "employer_ratings")
    dry = subprocess.run(["make", "-n", "--no-print-directory", "reports/datasets/ratings/index.html",
                          f"DATA={folder}"], cwd=PROJECT_ROOT, capture_output=True, text=True,
                         timeout=60)
    assert f"talentlab.cli process {folder} --out data/processed/ratings" in dry.stdout, dry.stdout
    assert "talentlab.cli import" not in dry.stdout


# ---- verdicts: claims needing an absent table are not testable, with the reason -------------
def test_zhuhai_on_graduates_only_judges_what_graduates_carry(graduates_result):
    verdicts = zhuhai.claims_table(graduates_result).set_index("claim_id")
    for claim, reason in NEEDS_OTHER_TABLE.items():
        assert verdicts.loc[claim, "verdict"] == "not testable", claim
        assert verdicts.loc[claim, "verdict_reason"] == reason, claim
        assert pd.isna(verdicts.loc[claim, "estimate"])
    judged = verdicts.loc[sorted(GRADUATE_CLAIMS)]
    assert (judged["verdict"] != "not testable").all(), judged[["verdict", "verdict_reason"]]
    assert judged["estimate"].notna().all() and judged["p_adjusted"].notna().all()
    assert (judged["family_size"] == len(GRADUATE_CLAIMS)).all()  # the family is what was tested
    assert graduates_result.unavailable == {
        "evaluation_score": "no evaluations supplied",
        "recognition_score": "no employer_ratings supplied",
        "technical_service_projects": "no programmes supplied",
        "sme_employees_trained": "no programmes supplied"}
    assert "recognition_score: not analysed: no employer_ratings supplied" in graduates_result.notes


def test_graduate_outcomes_estimate_the_same_as_on_the_full_data(graduates_only, claims):
    """Leaving out the other tables changes nothing in what graduates alone carry."""
    subset = zhuhai.evaluate(talentlab.load_all(graduates_only), claims,
                             zhuhai.ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99))
    full = zhuhai.evaluate(talentlab.load_all(SCENARIO), claims,
                           zhuhai.ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99))
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    pd.testing.assert_frame_equal(subset.primary_effects()[cols], full.primary_effects()[cols])


@pytest.mark.parametrize("table", ["employer_ratings", "programmes"])
def test_zhuhai_without_graduates_makes_every_judged_claim_not_testable(tmp_path, claims, table):
    data = talentlab.load_all(subset_folder(tmp_path / table, table))
    result = zhuhai.evaluate(data, claims)
    assert result.design["design"] == "none" and not result.has_estimates
    verdicts = zhuhai.claims_table(result).set_index("claim_id")
    judged = verdicts.loc[sorted(GRADUATE_CLAIMS | set(NEEDS_OTHER_TABLE))]
    assert (judged["verdict"] == "not testable").all()
    assert judged["verdict_reason"].str.startswith("no graduates supplied").all()
    other = {"employer_ratings": "C5.3.2a", "programmes": "C5.3.1d"}[table]
    assert verdicts.loc[other, "verdict_reason"] == (
        "no graduates supplied and no " + ("programmes" if table == "employer_ratings"
                                           else "employer_ratings") + " supplied")
    assert set(result.to_results()) == {"design", "claims", "notes"}


def test_an_activity_claim_without_its_table_is_not_testable_never_not_observed(claims):
    """Without the programmes table the activity claims used to read 'not observed' (no records
    of the activity), which says the reform's output was absent: nothing was looked at."""
    activity = claims[claims["claim_id"] == "C5.3.2a"]
    verdict = judge(activity, pd.DataFrame(),
                    unavailable={"technical_service_projects": "no programmes supplied"})
    assert verdict.loc[0, "verdict"] == "not testable"
    assert verdict.loc[0, "verdict_reason"] == "no programmes supplied"
    assert judge(activity, pd.DataFrame()).loc[0, "verdict"] == "not observed"  # the rule itself


def test_outcome_frame_refuses_an_outcome_whose_table_is_absent(graduates_only):
    data = talentlab.load_all(graduates_only)
    with pytest.raises(ValueError, match="no employer_ratings supplied"):
        zhuhai.outcome_frame(data, "recognition_score")
    assert len(zhuhai.outcome_frame(data, "local_work"))


# ---- the ledger ---------------------------------------------------------------------------------
def test_ledger_of_graduates_only_states_what_is_not_testable_and_why(graduates_result, claims):
    ledger = findings_ledger(claims, [zhuhai.claims_table(graduates_result)]).set_index(
        "claim_id")
    for claim, reason in NEEDS_OTHER_TABLE.items():
        assert ledger.loc[claim, "verdict"] == "not testable"
        assert ledger.loc[claim, "verdict_reason"] == reason
    absent = ["employer_ratings", "evaluations", "programmes"]
    md = findings_markdown(ledger.reset_index(), {"data_origin": "user", "name": "office"}, [],
                           {}, {}, absent_tables=absent)
    assert "Tables not supplied: employer_ratings, evaluations, programmes" in md
    assert "**not testable** — no employer_ratings supplied" in md
    page = render_index(ledger.reset_index(), claims, [], {"data_origin": "user", "name": "office"},
                        {}, {}, {"threshold": 10, "checked_tables": 0, "checked_cells": 0, "exempt": {}},
                        absent_tables=absent)
    assert "Tables not supplied: employer_ratings, evaluations, programmes" in page
    assert "no programmes supplied" in page


@pytest.mark.parametrize("table", ["employer_ratings", "programmes"])
def test_ledger_of_a_table_without_graduates(tmp_path, claims, table):
    result = zhuhai.evaluate(talentlab.load_all(subset_folder(tmp_path / table, table)), claims)
    ledger = findings_ledger(claims, [zhuhai.claims_table(result)]).set_index("claim_id")
    zhuhai_judged = sorted(GRADUATE_CLAIMS | set(NEEDS_OTHER_TABLE))
    assert (ledger.loc[zhuhai_judged, "verdict"] == "not testable").all()
    assert ledger.loc[zhuhai_judged, "verdict_reason"].str.contains("no graduates supplied").all()


# ---- end to end: notebooks and the report on a graduates-only folder --------------------------
@pytest.mark.slow
def test_graduates_only_reaches_a_report(graduates_only, tmp_path):
    """process -> the data overview and Zhuhai notebooks (papermill) -> the report build."""
    pytest.importorskip("papermill")
    from talentlab.report import build_report, finalize_notebook
    from talentlab.report.notebook_runner import execute_notebook

    processed = talentlab.process(graduates_only, tmp_path / "processed")
    reports = tmp_path / "reports"
    for name, params in (("00_data_overview", {}),
                         ("10_zhuhai_case_evaluation", {"n_bootstrap": 99})):
        out = reports / name
        out.mkdir(parents=True)
        execute_notebook(PROJECT_ROOT / "notebooks" / f"{name}.ipynb", out / f"{name}.run.ipynb",
                         kernel_name="python3", cwd=str(PROJECT_ROOT / "notebooks"),
                         progress_bar=False,
                         parameters={"data_dir": str(processed), "output_dir": str(out), **params})
        finalize_notebook(out / f"{name}.run.ipynb", out / f"{name}.ipynb")
    overview = (reports / "00_data_overview" / "00_data_overview.ipynb").read_text("utf-8")
    assert "Skipped: this section needs employer_ratings; no employer_ratings supplied" in overview
    assert "Traceback" not in overview
    assert (reports / "00_data_overview" / "figures" / "destinations_by_cohort.png").exists()
    zhuhai_nb = (reports / "10_zhuhai_case_evaluation" /
                 "10_zhuhai_case_evaluation.ipynb").read_text("utf-8")
    assert "Not analysed: Enterprise recognition score (recognition_score): no employer_ratings" \
           in zhuhai_nb
    assert "Skipped: this section needs evaluations; no evaluations supplied" in zhuhai_nb
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        index = build_report(reports, processed)
    assert index.exists()
    findings = (reports / "findings.md").read_text(encoding="utf-8")
    assert "Tables not supplied: employer_ratings, evaluations, programmes" in findings
    ledger = pd.read_csv(reports / "findings.csv").set_index("claim_id")
    for claim, reason in NEEDS_OTHER_TABLE.items():
        assert ledger.loc[claim, "verdict"] == "not testable"
        assert ledger.loc[claim, "verdict_reason"] == reason
    assert (ledger.loc[sorted(GRADUATE_CLAIMS), "verdict"] != "not testable").all()
    assert (reports / "MANIFEST.sha256").exists()


@pytest.mark.slow
def test_employer_ratings_only_reaches_a_report(tmp_path):
    """Without graduates the Zhuhai notebook estimates nothing: it says why, skips every section
    without a traceback, and still writes the claims, each not testable."""
    pytest.importorskip("papermill")
    from talentlab.report import build_report, finalize_notebook
    from talentlab.report.notebook_runner import execute_notebook

    folder = subset_folder(tmp_path / "ratings", "employer_ratings")
    processed = talentlab.process(folder, tmp_path / "processed")
    reports = tmp_path / "reports"
    for name in ("00_data_overview", "10_zhuhai_case_evaluation"):
        out = reports / name
        out.mkdir(parents=True)
        execute_notebook(PROJECT_ROOT / "notebooks" / f"{name}.ipynb", out / f"{name}.run.ipynb",
                         kernel_name="python3", cwd=str(PROJECT_ROOT / "notebooks"),
                         progress_bar=False,
                         parameters={"data_dir": str(processed), "output_dir": str(out)})
        finalize_notebook(out / f"{name}.run.ipynb", out / f"{name}.ipynb")
        text = (out / f"{name}.ipynb").read_text(encoding="utf-8")
        assert "Traceback" not in text and "Skipped: this section needs graduates" in text
    assert (reports / "00_data_overview" / "figures" / "rating_items.png").exists()
    results = json.loads((reports / "10_zhuhai_case_evaluation" / "results.json").read_text())
    assert results["design"]["design"] == "none"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        build_report(reports, processed)
    ledger = pd.read_csv(reports / "findings.csv").set_index("claim_id")
    judged = ledger.loc[sorted(GRADUATE_CLAIMS | set(NEEDS_OTHER_TABLE))]
    assert (judged["verdict"] == "not testable").all()
    assert judged["verdict_reason"].str.startswith("no graduates supplied").all()
    assert "Tables not supplied: graduates, evaluations, programmes" in (
        reports / "findings.md").read_text(encoding="utf-8")


@pytest.mark.slow
def test_quickstart_analyses_the_folder_it_is_given(tmp_path):
    """The quickstart imported and analysed its shipped example even when given data_dir."""
    pytest.importorskip("papermill")
    from talentlab.report.notebook_runner import execute_notebook

    folder = tmp_path / "four_majors"
    folder.mkdir()
    grads = pd.read_csv(SCENARIO / "graduates.csv", dtype=str, keep_default_na=False)
    majors = sorted(grads["major"].unique())
    treated = sorted(grads.loc[grads["treated_major"].str.lower() == "true", "major"].unique())
    keep = sorted({*treated[:2], *[m for m in majors if m not in treated][:2]})
    grads[grads["major"].isin(keep)].to_csv(folder / "graduates.csv", index=False)
    out = tmp_path / "out"
    nb = PROJECT_ROOT / "notebooks" / "00_quickstart.ipynb"
    execute_notebook(nb, tmp_path / "quickstart.ipynb", kernel_name="python3",
                     cwd=str(nb.parent), progress_bar=False,
                     parameters={"data_dir": str(folder), "output_dir": str(out)})
    table = pd.read_csv(out / "indicators_by_major.csv")
    assert sorted(table["major"]) == keep  # the given folder's majors, not the example's
    text = (tmp_path / "quickstart.ipynb").read_text(encoding="utf-8")
    assert "Step 0 skipped" in text and "Imported `synthetic_college_export`" not in text
    assert list((out / "figures").glob("*.png"))
