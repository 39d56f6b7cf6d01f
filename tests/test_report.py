"""Report plumbing: normalised notebooks, offline HTML, manifest and verification, ledger, privacy scan."""

from __future__ import annotations

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
