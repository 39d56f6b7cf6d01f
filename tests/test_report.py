"""Report plumbing: normalised notebooks, offline HTML, manifest and verification, ledger, privacy scan."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from talentlab import report
from talentlab.report.notebook_runner import execute_notebook


def _tiny_notebook(path):
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    params = new_code_cell("output_dir = '.'\nx = 1")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [new_markdown_cell("# Tiny"), params,
                new_code_cell("import matplotlib.pyplot as plt\nimport talentlab.report.plotting as tp\n"
                              "tp.setup()\nfig, ax = plt.subplots(figsize=(2, 1))\n"
                              "ax.set_title('专业对口率')\nprint(output_dir, x)")]
    nbformat.write(nb, path)


@pytest.mark.slow
def test_executed_notebook_normalises_to_identical_bytes(tmp_path):
    pytest.importorskip("papermill")
    src = tmp_path / "tiny.ipynb"
    _tiny_notebook(src)
    outputs = []
    for run in ("a", "b"):
        out_dir = tmp_path / run
        out_dir.mkdir()
        raw = out_dir / "tiny.run.ipynb"
        execute_notebook(str(src), str(raw), parameters={"output_dir": str(out_dir)},
                                   kernel_name="python3", progress_bar=False)
        final = report.finalize_notebook(raw, out_dir / "tiny.ipynb")
        outputs.append((final.read_bytes(), final.with_suffix(".html").read_bytes()))
    assert outputs[0][0] == outputs[1][0]
    assert outputs[0][1] == outputs[1][1]
    text = outputs[0][0].decode()
    assert str(tmp_path) not in text and "<output_dir>" in text
    assert '"start_time"' not in text and '"duration"' not in text
    html = outputs[0][1].decode()
    assert "cdnjs" not in html and 'src="http' not in html and "image/png;base64" in html


def test_manifest_and_verify_report_differences(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    for d in (a, b):
        (d / "nb").mkdir(parents=True)
        (d / "nb" / "results.json").write_text('{"x": 1}\n')
        (d / "index.html").write_text("<html></html>\n")
    report.write_manifest(a)
    assert report.verify_reports(a, b) == []
    (b / "nb" / "results.json").write_text('{"x": 2}\n')
    (b / "extra.csv").write_text("a\n1\n")
    (a / "index.html").unlink()
    diffs = report.verify_reports(a, b)
    assert "differs: nb/results.json" in diffs
    assert "not in manifest: extra.csv" in diffs


def test_ledger_marks_unjudged_claims_not_testable():
    claims = pd.DataFrame({"claim_id": ["A", "B"], "section": ["5.3.1", "5.3.3"],
                           "quote": ["q1", "q2"], "indicator": ["x", None],
                           "testable_with": ["records", "adoption records of other colleges"]})
    verdicts = [pd.DataFrame({"claim_id": ["A"], "estimate": [0.1], "ci_low": [0.05],
                              "ci_high": [0.15], "verdict": ["supported"],
                              "verdict_reason": ["interval above zero"]})]
    ledger = report.findings_ledger(claims, verdicts)
    assert ledger.set_index("claim_id").loc["A", "verdict"] == "supported"
    assert ledger.set_index("claim_id").loc["B", "verdict"] == "not testable"
    assert "adoption records" in ledger.set_index("claim_id").loc["B", "verdict_reason"]


def test_identifier_scan_finds_leaks(tmp_path):
    tables = {"graduates": pd.DataFrame({"student_id": ["S-abc123", "S-def456"],
                                         "employer_id": ["E-77", None]})}
    (tmp_path / "ok.csv").write_text("major,n\nIC,40\n")
    assert report.scan_for_identifiers(tmp_path, tables) == []
    (tmp_path / "leak.csv").write_text("student_id,score\nS-abc123,90\n")
    (tmp_path / "page.html").write_text("<p>graduate E-77 did well</p>")
    leaks = report.scan_for_identifiers(tmp_path, tables)
    assert any("leak.csv: identifier column" in x for x in leaks)
    assert any("page.html: identifier value" in x for x in leaks)


def test_verdict_order_covers_every_verdict_the_rules_can_give():
    from talentlab import claims as claims_mod
    from talentlab import report

    assert set(claims_mod.VERDICTS) <= set(report.VERDICT_ORDER)


def test_rules_summary_states_the_bound_and_adjustment_the_ledger_was_judged_by():
    import pandas as pd

    from talentlab import report

    ledger = pd.DataFrame({"rm_mbar": [0.5, None], "adjustment": ["bh", None]})
    text = report.verdict_rules_summary(ledger)
    assert "Mbar = 0.5" in text and "(bh)" in text
    assert "does not reject at 10%" not in text
    assert "primary estimates by" not in text  # no methods in the ledger: none named


def test_rules_summary_names_the_inference_of_the_primary_estimates():
    import pandas as pd

    from talentlab import report

    ledger = pd.DataFrame({"result_method": [
        "TWFE OLS; CR3 leave-one-cluster-out jackknife, t(G-1); (G-1)/G scaling",
        "Cox PH (lifelines, Efron ties); CR3 leave-one-cluster-out jackknife clustered by major",
        "TWFE OLS; wild cluster restricted bootstrap-t, Webb weights", None]})
    text = report.verdict_rules_summary(ledger)
    assert ("primary estimates by CR3 jackknife with t(G-1), wild cluster restricted "
            "bootstrap-t, see result_method") in text


def test_report_package_re_exports_its_split_modules():
    """report/__init__ only re-exports: each public name is the object of the module doing the job."""
    from talentlab.report import build, export, identifiers, ledger, manifest, notebooks

    pairs = {"build_report": build, "software_versions": build, "findings_ledger": ledger,
             "render_index": ledger, "verdict_rules_summary": ledger, "VERDICT_ORDER": ledger,
             "write_manifest": manifest, "verify_reports": manifest, "result_files": manifest,
             "scan_for_identifiers": identifiers, "normalize_notebook": notebooks,
             "finalize_notebook": notebooks, "notebook_to_html": notebooks,
             "write_results": export, "write_table": export, "publish_results": export}
    for name, module in pairs.items():
        assert getattr(report, name) is getattr(module, name), name
    from talentlab.report import figures, publish

    assert figures.write_table is export.write_table  # old import path still works
    assert hasattr(publish, "check_report")  # the submodule, not shadowed by a function


def test_publish_results_writes_the_result_objects_dictionary(tmp_path):
    """publish_results(result) writes result.to_results() plus what the notebook adds, with the
    same bytes as the hand-built dictionary it replaces."""
    class Origin:
        origin = {"data_origin": "synthetic", "scenario": "s", "checksums": {"a": "b"}}

    class Result:
        def to_results(self):
            return {"effects": pd.DataFrame({"outcome": ["x"], "estimate": [0.5]}), "notes": []}

    path = report.publish_results(Result(), tmp_path / "a", notebook="nb", data=Origin(),
                                  extra={"key_figures": [{"path": "f.png"}]})
    by_hand = report.write_results(tmp_path / "b", {
        "notebook": "nb", "data_origin": {"data_origin": "synthetic", "scenario": "s"},
        "effects": pd.DataFrame({"outcome": ["x"], "estimate": [0.5]}), "notes": [],
        "key_figures": [{"path": "f.png"}]})
    assert path.read_bytes() == by_hand.read_bytes()
    assert b"checksums" not in path.read_bytes()


def test_ledger_markdown_and_csv_columns_follow_the_verdict_tables():
    claims = pd.DataFrame({"claim_id": ["C1", "C2"], "section": ["5.3", "6.1"],
                           "quote": ["a | b", "c"], "indicator": ["i", None],
                           "testable_with": ["", "data"]})
    verdict = pd.DataFrame({"claim_id": ["C1"], "estimate": [0.1], "ci_low": [0.0],
                            "ci_high": [0.2], "scale": ["share"], "verdict": ["supported"],
                            "verdict_reason": ["r"], "evidence_link": ["x.html#a"],
                            "p_raw": [0.01]})
    ledger = report.findings_ledger(claims, [verdict])
    from talentlab.report.ledger import findings_markdown, ledger_columns

    assert ledger_columns(ledger, claims) == [
        "claim_id", "section", "quote", "indicator", "estimate", "ci_low", "ci_high",
        "interval_kind", "scale", "p_raw", "verdict", "verdict_reason", "evidence_link"]
    # findings.csv says what each interval is; a QCA range over recodings is no confidence interval
    assert ledger["interval_kind"].tolist() == ["ci95", ""]
    qca = verdict.assign(claim_id="C2", verdict_reason="ranges 0.3–0.8 (ci_low/ci_high are this "
                         "range, not a confidence interval)")
    both = report.findings_ledger(claims, [verdict, qca])
    assert both["interval_kind"].tolist() == ["ci95", "recoding_range"]
    md = findings_markdown(ledger, {"data_origin": "synthetic"}, [], {"g.csv": "00"}, {"x": "1"})
    assert "“a \\| b”" in md and "0.1 [0, 0.2] (95% confidence interval; scale: share)" in md
    assert "estimate [95% CI]" not in md and "](index.html)" in md
    md_qca = findings_markdown(both, {"data_origin": "synthetic"}, [], {"g.csv": "00"},
                               {"x": "1"})
    assert "0.1 [0, 0.2] (range over recodings of the paper's silent cells (not a confidence " \
           "interval); scale: share)" in md_qca
    assert "**Verdicts:** 1 supported, 1 not testable." in md


def test_a_failing_check_leaves_the_earlier_report(tmp_path):
    """Issue 21: any check of the finished folder that fails (here a dead link on a notebook
    page, found only after the build's own files are written) leaves the earlier index.html,
    findings.* and manifest as they were, and creates none that was not there."""
    from talentlab.report.publish import PublicationError

    reports = tmp_path / "reports"
    (reports / "10_nb").mkdir(parents=True)
    (reports / "10_nb" / "10_nb.html").write_text('<a href="missing.html">x</a>', encoding="utf-8")
    (reports / "index.html").write_text("<p>earlier report</p>", encoding="utf-8")
    (reports / "MANIFEST.sha256").write_text("earlier manifest\n", encoding="utf-8")
    processed = tmp_path / "processed"
    processed.mkdir()
    (processed / "manifest.json").write_text(json.dumps({
        "origin": {"data_origin": "synthetic", "scenario": "s", "seed": 1},
        "raw_sha256": {"g.csv": "0" * 64}, "tables_absent": []}), encoding="utf-8")
    with pytest.raises(PublicationError, match="missing.html"):
        report.build_report(reports, processed, check_privacy=False)
    assert (reports / "index.html").read_text(encoding="utf-8") == "<p>earlier report</p>"
    assert (reports / "MANIFEST.sha256").read_text(encoding="utf-8") == "earlier manifest\n"
    assert not (reports / "findings.md").exists() and not (reports / "findings.csv").exists()
    assert sorted(p.name for p in reports.iterdir()) == ["10_nb", "MANIFEST.sha256", "index.html"]
