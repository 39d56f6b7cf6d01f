"""What a reviewer's browser shows: headless Chromium (Debian's ``chromium`` package) opens
``reports/index.html`` and a notebook page offline, and the rendered DOM and screenshots are checked.

Skips with a message where Chromium is not installed (``apt-get install chromium``) or where
``reports/`` has not been built; the hostile-names test (``test_report_pages``) runs the same check
on the report it builds.
"""

from __future__ import annotations

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


def run_chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix="talentlab-chromium-") as profile:
        return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
                              capture_output=True, text=True, timeout=timeout)


def dump_dom(page: Path) -> str:
    done = run_chromium("--dump-dom", page.resolve().as_uri())
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def screenshot(page: Path, out: Path, size: str = "1280,2400") -> Path:
    done = run_chromium(f"--window-size={size}", f"--screenshot={out}", page.resolve().as_uri())
    assert done.returncode == 0 and out.exists(), done.stderr[-2000:]
    return out


def colourful_share(png: Path) -> float:
    """Share of pixels with a clear colour (figures), as opposed to text greys and white."""
    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(png).convert("RGB"), dtype=float) / 255
    sat = rgb.max(axis=2) - rgb.min(axis=2)
    return float((sat > 0.25).mean())


def browser_check(report_dir: Path, shots: Path) -> dict:
    """DOM and screenshot checks of ``index.html`` and one notebook page; returns what was seen."""
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
    page = report_dir / NOTEBOOK_PAGE
    nb_dom = dump_dom(page)
    n_img = len(re.findall(r'<img[^>]+src="data:image/png;base64,', nb_dom))
    assert n_img >= 4, f"{page.name}: {n_img} figures in the rendered page"
    assert "PosixPath(" not in nb_dom
    shots.mkdir(parents=True, exist_ok=True)
    shot_index = screenshot(index, shots / "index.png")
    shot_nb = screenshot(page, shots / "00_data_overview.png", size="1280,4000")
    seen = {"index_colour": colourful_share(shot_index),
            "notebook_colour": colourful_share(shot_nb), "notebook_figures": n_img}
    # a page whose figures do not load is text on white: a few coloured pixels at most
    assert seen["notebook_colour"] > 0.02, seen
    return seen


def test_browser_shows_the_shipped_report(tmp_path):
    chromium()
    reports = PROJECT_ROOT / "reports"
    if not (reports / "index.html").exists() or not (reports / NOTEBOOK_PAGE).exists():
        pytest.skip("reports/ is not built (run make reproduce); browser check skipped")
    seen = browser_check(reports, tmp_path / "shots")
    print(seen)
