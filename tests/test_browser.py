"""What a reviewer's browser shows: headless Chromium (Debian's ``chromium`` package) opens the
report's pages offline at 1024 and 1400 px; screenshots are taken and a measuring script, injected
into a copy of each page (the published pages carry none), checks the rendered layout.

* :func:`layout_report`: every number token outside ``<pre>`` must sit on one line (a token whose
  text range has client rectangles on two lines is broken, e.g. ``0.04|45``); no table cell's,
  heading's, paragraph's, list item's or navigation bar's content may overflow its box (it would
  be drawn over its neighbour or cut at the window's edge); no two boxes (images,
  headings, paragraphs, captions, summaries, navigation) may overlap; the tables of index.html
  fit the window (no sideways scrolling to reach a verdict).
* Chromium gets the CJK font shipped by ``mplfonts`` through a private fontconfig file, so Chinese
  renders in the screenshots on a machine without system CJK fonts.

Skips with a message where Chromium is not installed (``apt-get install chromium``) or where
``reports/`` has not been built; ``test_small_report_reads_well_at_both_widths`` builds a small
report of its own and always runs where Chromium is.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run",
                  "--hide-scrollbars", "--mute-audio"]
NOTEBOOK_PAGE = "00_data_overview/00_data_overview.html"
WIDTHS = (1024, 1400)

#: Injected into a copy of a page: measures the layout after load and writes the result, as JSON,
#: into the ``data-tl-layout`` attribute of ``<body>`` (read back from ``--dump-dom``).
LAYOUT_SCRIPT = r"""
<script>
window.addEventListener("load", function () {
  // a number token: a sign only where it is a sign (not the hyphen of "G-1" or "2019-06")
  var NUM = /(?<![\w.)\]\u2212-])[-+\u2212]?\d[\d.,]*(?:[eE][-+]?\d+)?%?/g;
  var broken = [], overflowing = [], overlaps = [], numbers = 0;
  // what a closed <details> folds away is not drawn (Chromium still lays it out)
  function folded(el) {
    for (var d = el.closest("details:not([open])"); d; d = d.parentElement.closest(
        "details:not([open])")) {
      var s = el.closest("summary");
      if (!(s && s.parentElement === d)) return true;
    }
    return false;
  }
  function lines(rects) {
    var tops = [];
    for (var i = 0; i < rects.length; i++) {
      var r = rects[i];
      if (r.width < 0.5 || r.height < 0.5) continue;
      if (!tops.some(function (t) { return Math.abs(t - r.top) < 2; })) tops.push(r.top);
    }
    return tops.length;
  }
  var walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, null);
  var node;
  while ((node = walker.nextNode())) {
    if (!node.parentElement || node.parentElement.closest("pre, script, style")
        || folded(node.parentElement)) continue;
    var text = node.nodeValue, m;
    NUM.lastIndex = 0;
    while ((m = NUM.exec(text)) !== null) {
      if (m[0].length < 2) continue;
      var range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      var n = lines(range.getClientRects());
      if (n === 0) continue;
      numbers++;
      if (n > 1) broken.push(m[0] + " in <" + node.parentElement.tagName.toLowerCase() + "> "
                             + JSON.stringify(text.trim().slice(0, 60)));
    }
  }
  var cells = document.querySelectorAll("td, th, nav, h1, h2, h3, p, li, figcaption, summary");
  for (var i = 0; i < cells.length; i++) {
    var c = cells[i];
    if (c.getClientRects().length === 0 || folded(c)) continue;
    if (c.scrollWidth > c.clientWidth + 1) {
      overflowing.push("<" + c.tagName.toLowerCase() + "> " + JSON.stringify(
        c.textContent.trim().slice(0, 60)) + ": content " + c.scrollWidth + " px in a box of "
        + c.clientWidth + " px");
    }
  }
  var boxes = [];
  document.querySelectorAll("img, h1, h2, h3, p, figcaption, summary, nav, table, li").forEach(
    function (el) {
      var r = el.getBoundingClientRect();
      if (r.width > 0.5 && r.height > 0.5 && !folded(el)) boxes.push([el, r]);
    });
  for (var a = 0; a < boxes.length; a++) {
    for (var b = a + 1; b < boxes.length; b++) {
      var ea = boxes[a][0], eb = boxes[b][0], ra = boxes[a][1], rb = boxes[b][1];
      if (ea.contains(eb) || eb.contains(ea)) continue;
      var w = Math.min(ra.right, rb.right) - Math.max(ra.left, rb.left);
      var h = Math.min(ra.bottom, rb.bottom) - Math.max(ra.top, rb.top);
      if (w > 1 && h > 1) {
        overlaps.push("<" + ea.tagName.toLowerCase() + "> " + JSON.stringify(
          ea.textContent.trim().slice(0, 40)) + " and <" + eb.tagName.toLowerCase() + "> "
          + JSON.stringify(eb.textContent.trim().slice(0, 40)));
      }
    }
  }
  document.body.setAttribute("data-tl-layout", JSON.stringify({
    numbers: numbers, broken: broken, overflowing: overflowing, overlaps: overlaps,
    width: document.documentElement.clientWidth,
    wide_tables: Array.from(document.querySelectorAll("table")).filter(function (t) {
      return !folded(t) && t.getClientRects().length && t.scrollWidth > t.parentElement.clientWidth + 1;
    }).map(function (t) {
      return (t.id || "table") + ": " + t.scrollWidth + " px in " + t.parentElement.clientWidth + " px";
    })}));
});
</script>
"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists()
                                      else None)
        if path:
            return path
    return None


def chromium() -> str:
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install chromium); "
                    "browser check skipped")
    return path


def _fontconfig(folder: str) -> dict[str, str]:
    """Environment giving Chromium the system fonts and the CJK font of ``mplfonts``."""
    from talentlab.report.plotting import cjk_font_path

    conf = Path(folder) / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
                    '<fontconfig>\n<include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                    f"<dir>{html.escape(str(cjk_font_path().parent))}</dir>\n"
                    f"<cachedir>{html.escape(folder)}/fontcache</cachedir>\n</fontconfig>\n",
                    encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def run_chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="talentlab-chromium-") as profile:
        return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout,
                              env=_fontconfig(profile))


def dump_dom(page: Path, *args: str) -> str:
    done = run_chromium(*args, "--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(page: Path, out: Path, size: str = "1280,2400") -> Path:
    done = run_chromium(f"--window-size={size}", f"--screenshot={out}", page.resolve().as_uri())
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    return out


def layout_report(page: Path, width: int, height: int = 2400,
                  shot: Path | None = None) -> dict:
    """The layout of ``page`` at ``width`` px as Chromium renders it: number tokens counted and
    broken, boxes whose content overflows, overlapping boxes (:data:`LAYOUT_SCRIPT`); with
    ``shot``, the same Chromium run saves a screenshot of the window there.

    The script goes into a copy of the page beside it (so relative links and images resolve),
    removed afterwards; it only writes an attribute, so the screenshot shows the page as is.
    """
    text = page.read_text(encoding="utf-8")
    assert "</body>" in text, f"{page}: no </body>"
    probe = page.with_name(f".layout-probe-{width}-{page.name}")
    probe.write_text(text.replace("</body>", LAYOUT_SCRIPT + "</body>", 1), encoding="utf-8")
    try:
        dom = dump_dom(probe, f"--window-size={width},{height}", "--virtual-time-budget=10000",
                       "--run-all-compositor-stages-before-draw",
                       *([f"--screenshot={shot}"] if shot else []))
    finally:
        probe.unlink(missing_ok=True)
    if shot is not None:
        assert shot.exists(), f"{page.name}: no screenshot at {width} px"
    found = re.search(r'data-tl-layout="([^"]*)"', dom)
    assert found, f"{page.name}: the layout probe did not run"
    return json.loads(html.unescape(found.group(1)))


def report_pages(report_dir: Path) -> list[Path]:
    """index.html and every notebook page of a report folder."""
    return [report_dir / "index.html", *sorted(report_dir.glob("[0-9][0-9]_*/*.html"))]


def check_pages_at_both_widths(report_dir: Path, shots: Path) -> dict[str, dict]:
    """Screenshots of every page at :data:`WIDTHS` and the layout check of each; fails naming
    the page, the width and what is wrong."""
    shots.mkdir(parents=True, exist_ok=True)
    seen, problems = {}, []
    for page in report_pages(report_dir):
        rel = page.relative_to(report_dir).as_posix()
        for width in WIDTHS:
            lay = layout_report(page, width, shot=shots / f"{page.stem}-{width}.png")
            seen[f"{rel}@{width}"] = {"numbers": lay["numbers"], "broken": len(lay["broken"]),
                                      "wide_tables": len(lay["wide_tables"]),
                                      "overflowing": len(lay["overflowing"]),
                                      "overlaps": len(lay["overlaps"])}
            problems += [f"{rel} at {width} px: broken number {b}" for b in lay["broken"]]
            problems += [f"{rel} at {width} px: {o}" for o in lay["overflowing"]]
            problems += [f"{rel} at {width} px: overlap of {o}" for o in lay["overlaps"]]
            if page.name == "index.html":  # the claims fit the window (notebook tables may scroll)
                problems += [f"{rel} at {width} px: wider than the page: {t}"
                             for t in lay["wide_tables"]]
            assert lay["numbers"] > 0, f"{rel} at {width} px: no number measured"
    assert not problems, "\n".join(problems[:40])
    return seen


def colourful_share(png: Path) -> float:
    """Share of pixels with a clear colour (figures), as opposed to text greys and white."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(png).convert("RGB"), dtype=float) / 255
    sat = rgb.max(axis=2) - rgb.min(axis=2)
    return float((sat > 0.25).mean())


def browser_check(report_dir: Path, shots: Path) -> dict:
    """DOM and screenshot checks of ``index.html`` and one notebook page, and the layout of
    every page at both widths (:func:`check_pages_at_both_widths`); returns what was seen."""
    index = report_dir / "index.html"
    dom = dump_dom(index)
    # the page leads with the summary by section, then the testable claims, the rest folded
    heads = re.findall(r"<h2 id=\"([a-z-]+)\"", dom)
    assert heads[:2] == ["summary", "testable"], heads
    summary_rows = re.search(r'<table id="summary-table">(.*?)</table>', dom, re.S).group(1)
    testable_rows = re.search(r'<table id="testable-table">(.*?)</table>', dom, re.S).group(1)
    assert summary_rows.count("<tr") >= 3 and testable_rows.count("<tr") >= 2
    assert '<details class="section" id="not-testable">' in dom
    assert "<script" not in dom
    assert 'href="findings.md"' in dom and "分节汇总" in dom
    page = report_dir / NOTEBOOK_PAGE
    nb_dom = dump_dom(page)
    n_img = len(re.findall(r'<img[^>]+src="data:image/png;base64,', nb_dom))
    assert n_img >= 4, f"{page.name}: {n_img} figures in the rendered page"
    assert "PosixPath(" not in nb_dom
    assert 'href="../index.html"' in nb_dom and "<summary>code · 代码</summary>" in nb_dom
    shots.mkdir(parents=True, exist_ok=True)
    shot_index = screenshot(index, shots / "index.png")
    shot_nb = screenshot(page, shots / "00_data_overview.png", size="1280,4000")
    seen = {"index_colour": colourful_share(shot_index),
            "notebook_colour": colourful_share(shot_nb), "notebook_figures": n_img}
    # a page whose figures do not load is text on white: a few coloured pixels at most
    assert seen["notebook_colour"] > 0.02, seen
    seen["layout"] = check_pages_at_both_widths(report_dir, shots)
    return seen


def test_browser_shows_the_shipped_report(tmp_path):
    chromium()
    reports = PROJECT_ROOT / "reports"
    if not (reports / "index.html").exists() or not (reports / NOTEBOOK_PAGE).exists():
        pytest.skip("reports/ is not built (run make reproduce); browser check skipped")
    seen = browser_check(reports, tmp_path / "shots")
    print(seen)


# ------------------------------------------------------------------------------------------------
# the layout probe itself, and a small report built here
# ------------------------------------------------------------------------------------------------
def test_layout_probe_finds_a_broken_number_an_overflow_and_an_overlap(tmp_path):
    """The probe can fail: a number in a narrow cell that may break anywhere (the old index.html
    style), a nowrap number wider than its fixed-width cell, and a heading drawn over a
    paragraph are each reported."""
    chromium()
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><style>'
        "td{border:1px solid #ccc}td.any{width:30px;overflow-wrap:anywhere}"
        "table.fixed{table-layout:fixed;width:60px}td.nw{white-space:nowrap;overflow:hidden}"
        "h2{position:relative;top:30px}</style></head><body>"
        '<table><tr><td class="any">0.0445123</td><td>text</td></tr></table>'
        '<table class="fixed"><tr><td class="nw">123456789.123456</td></tr></table>'
        "<h2>Heading</h2><p>A paragraph under the heading</p></body></html>", encoding="utf-8")
    lay = layout_report(page, 1024)
    assert any(b.startswith("0.0445123") for b in lay["broken"]), lay
    assert any("123456789.123456" in o for o in lay["overflowing"]), lay
    assert any(o.startswith("<h2>") for o in lay["overlaps"]), lay
    good = tmp_path / "good.html"
    good.write_text('<!DOCTYPE html><html><body><table><tr><td style="white-space:nowrap">'
                    "0.0445123</td></tr></table><p>12 and 34</p></body></html>", encoding="utf-8")
    lay = layout_report(good, 1024)
    assert lay["numbers"] == 3 and not (lay["broken"] or lay["overflowing"] or lay["overlaps"])


def _small_report(root: Path) -> Path:
    """A report folder built by the report's own code: one notebook page (a table with long
    numbers and missing values, a 600-character name, a figure) and a ledger judging a QCA and an
    impact claim."""
    import nbformat
    import numpy as np
    import pandas as pd
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

    from talentlab.report import build_report, finalize_notebook
    from talentlab.report import plotting as tp
    from talentlab.report.figures import plot_destinations

    reports, name = root / "reports", "10_small"
    out = reports / name
    (out / "figures").mkdir(parents=True)
    rng = np.random.default_rng(1)
    graduates = pd.DataFrame({"cohort": rng.integers(2019, 2024, 400),
                              "destination": rng.choice(["employed_full_time", "further_study",
                                                         "unemployed"], 400)})
    fig = plot_destinations(graduates, synthetic=True)
    png = tp.savefig(fig, out / "figures" / "destinations.png").read_bytes()
    table = pd.DataFrame({"indicator": ["counterpart_employment_rate", "local_employment_rate"],
                          "estimate": [0.0445123456, -0.00711234], "ci_low": [np.nan, -0.0711],
                          "ci_high": [0.23005123, 0.096019], "p_value": [0.0178571, None],
                          "group": ["reformed majors 改革专业", pd.NA]})
    long_name = "Very long major name 超长专业名称 " + "x" * 600  # as the hostile scenario's
    nb = new_notebook(cells=[
        new_markdown_cell("# A small evaluation"), new_markdown_cell("## necessity"),
        new_markdown_cell("## local"),
        new_code_cell("table", execution_count=1, outputs=[new_output(
            "execute_result", execution_count=1,
            data={"text/html": table.to_html(), "text/plain": table.to_string()})]),
        new_code_cell("display(Markdown(majors))", execution_count=3, outputs=[new_output(
            "display_data", data={"text/markdown": f"**Reformed majors:** {long_name}, IC Design",
                                  "text/plain": "<Markdown>"})]),
        new_code_cell("show(fig)", execution_count=2, outputs=[new_output(
            "display_data", data={"image/png": __import__("base64").b64encode(png).decode(),
                                  "text/plain": "<Figure>"})]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, out / f"{name}.run.ipynb")
    finalize_notebook(out / f"{name}.run.ipynb", out / f"{name}.ipynb")
    claims = pd.DataFrame({
        "claim_id": ["C3.1.1e", "C5.3.1c"], "estimate": [0.37, 0.0444536],
        "ci_low": [0.332222, -0.00711123], "ci_high": [0.847411, 0.0960187],
        "scale": ["consistency (0–1)", "share (percentage points / 100)"],
        "p_raw": [np.nan, 0.0178571], "p_adjusted": [np.nan, 0.107143],
        "verdict": ["not supported", "not supported"],
        "verdict_reason": ["inclN ranges 0.33–0.85 (ci_low/ci_high are this range, not a "
                           "confidence interval)", "not significant after adjustment"],
        "evidence_link": ["#necessity", "#local"]})
    claims.to_csv(out / "small_claims.csv", index=False)
    (out / "results.json").write_text(json.dumps({"notebook": name, "key_figures": [
        {"path": "figures/destinations.png", "caption": "Destinations"}]}), encoding="utf-8")
    processed = root / "processed"
    processed.mkdir()
    (processed / "manifest.json").write_text(json.dumps({
        "origin": {"data_origin": "synthetic", "scenario": "small", "seed": 1},
        "raw_sha256": {"graduates.csv": "0" * 64}, "tables_absent": []}), encoding="utf-8")
    build_report(reports, processed, check_privacy=False)
    return reports


def test_small_report_reads_well_at_both_widths(tmp_path):
    """index.html and the notebook page of a report built here, at 1024 and 1400 px: no number
    broken across lines, no cell overflowing, no overlap; links both ways; code folded; no raw
    NaN; QCA ranges not called confidence intervals; CSVs with a BOM; both languages."""
    chromium()
    reports = _small_report(tmp_path)
    index = (reports / "index.html").read_text(encoding="utf-8")
    page = (reports / "10_small" / "10_small.html").read_text(encoding="utf-8")
    findings = (reports / "findings.md").read_text(encoding="utf-8")
    assert 'href="findings.md"' in index and 'href="10_small/10_small.html"' in index
    assert page.count('href="../index.html"') == 2 and 'href="../findings.md"' in page
    assert "](index.html)" in findings and "](10_small/10_small.html)" in findings
    assert "<summary>code · 代码</summary>" in page
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", page)
    assert not {"NaN", "&lt;NA&gt;", "None", "<NA>"} & set(cells) and "—" in cells
    assert "estimate [95% CI]" not in index and "95% confidence interval" in index
    qca_row = re.search(r'<tr id="claim-C3.1.1e".*?</tr>', index, re.S).group(0)
    assert "range over recodings" in qca_row and "95% confidence" not in qca_row
    assert "分节汇总" in index and "可检验的论断" in index
    for csv in reports.rglob("*.csv"):
        assert csv.read_bytes().startswith(b"\xef\xbb\xbf") or csv.name == "small_claims.csv", csv
    seen = check_pages_at_both_widths(reports, tmp_path / "shots")
    print(seen)
