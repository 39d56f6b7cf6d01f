"""`make reproduce` as a user meets it: the data folder each step is given, a mistyped DATA, the
progress bar, the report command's arguments (issue 23 items 4 and 6).

The fast tests read what make would run (``make -n``: recipes printed, not run; only the
recursive ``$(MAKE)`` line of ``reproduce`` is followed) or stop while make reads the Makefile.
The slow test runs notebook 10's rule itself.
"""

from __future__ import annotations

import json
import os
import pty
import shlex
import shutil
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="GNU make is not installed")
SCENARIOS = sorted(p.name for p in (PROJECT_ROOT / "data" / "raw" / "synthetic").iterdir()
                   if (p / "graduates.csv").is_file())
RECORD_NOTEBOOKS = ("00_data_overview", "10_zhuhai_case_evaluation",
                    "11_zhuhai_interrupted_time_series")


def make(*args, stderr=subprocess.PIPE, timeout=60):
    """Run make in the project with ``args``; returns the completed process (text)."""
    return subprocess.run([MAKE, "--no-print-directory", *args], cwd=PROJECT_ROOT, text=True,
                          stdout=subprocess.PIPE, stderr=stderr, timeout=timeout,
                          env={**os.environ, "MAKEFLAGS": ""})


def planned_commands(tmp_path, *args, stderr=subprocess.PIPE):
    """The commands ``make reproduce`` would run into ``tmp_path`` (one string per command,
    continuation lines joined)."""
    run = make("-n", "reproduce", f"REPORT_DIR={tmp_path / 'reports'}",
               f"PROCESSED={tmp_path / 'processed'}", *args, stderr=stderr)
    assert run.returncode == 0, run.stderr
    return run.stdout.replace("\\\n", " ").splitlines()


def notebook_command(commands, name):
    """The papermill command of notebook ``name`` as a list of arguments."""
    hits = [shlex.split(c) for c in commands
            if "talentlab.report.notebook_runner" in c and f"notebooks/{name}.ipynb" in c]
    assert len(hits) == 1, (name, commands)
    return hits[0]


def parameter(argv, name):
    values = [argv[i + 2] for i in range(len(argv) - 2) if argv[i] == "-p" and argv[i + 1] == name]
    assert len(values) == 1, (name, argv)
    return values[0]


def test_record_notebooks_get_the_data_folder_with_its_truth(tmp_path):
    """data_dir means one thing: the folder `talentlab validate` takes (here the shipped
    scenario, truth.json included), never make's processed copy; the report command has no
    --raw; notebook 11 runs and the report waits for it."""
    commands = planned_commands(tmp_path)
    scenario = PROJECT_ROOT / "data" / "raw" / "synthetic" / "paper_claims"
    for name in RECORD_NOTEBOOKS:
        data_dir = parameter(notebook_command(commands, name), "data_dir")
        assert data_dir == str(scenario), (name, data_dir)
        assert (scenario / "truth.json").is_file()
    process = [c for c in commands if " talentlab.cli process " in f" {c} "]
    assert process == [f".venv/bin/python -m talentlab.cli process data/raw/synthetic/paper_claims "
                       f"--out {tmp_path / 'processed'}"]
    report = [shlex.split(c) for c in commands if "talentlab.cli report" in c]
    assert len(report) == 1 and "--raw" not in report[0], report
    assert report[0][report[0].index("--processed") + 1] == str(tmp_path / "processed")
    # the six-case notebook reads the paper's codings; the paper's text only when given
    six_case = notebook_command(commands, "20_six_case_comparison")
    assert parameter(six_case, "codings_dir") == str(PROJECT_ROOT / "data" / "raw")
    assert "paper_file" not in six_case
    text = tmp_path / "paper.txt"
    given = notebook_command(planned_commands(tmp_path, f"PAPER_TEXT={text}"),
                             "20_six_case_comparison")
    assert parameter(given, "paper_file") == str(text)


def test_report_command_has_no_raw_option():
    from talentlab.cli import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["report", "--reports", "r", "--processed", "p", "--raw", "x"])
    args = build_parser().parse_args(["report", "--reports", "r", "--processed", "p"])
    assert not hasattr(args, "raw")


def test_mistyped_data_fails_at_once_listing_the_scenarios():
    name = "paper_claim"
    report_dir = PROJECT_ROOT / "reports" / "datasets" / name
    processed = PROJECT_ROOT / "data" / "processed" / name
    assert not report_dir.exists() and not processed.exists()
    start = time.monotonic()
    run = make("reproduce", f"DATA={name}")
    elapsed = time.monotonic() - start
    assert run.returncode != 0
    assert elapsed < 15, elapsed  # read the Makefile, stop: no environment, no analysis
    assert run.stdout == ""  # no recipe ran
    assert f"DATA={name} is not a data set" in run.stderr
    for scenario in SCENARIOS:
        assert scenario in run.stderr, (scenario, run.stderr)
    for form in ("a shipped scenario", "a folder of record tables", "a folder of exports",
                 "Nothing was run or written", "内置情景"):
        assert form in run.stderr, form
    assert not report_dir.exists() and not processed.exists()


def test_data_check_spares_existing_folders_and_data_free_targets(tmp_path):
    # an existing folder goes on to validation, which lists what is wrong with it
    run = make("-n", "process", f"DATA={tmp_path}", f"PROCESSED={tmp_path / 'out'}")
    assert run.returncode == 0, run.stderr
    assert f"talentlab.cli process {tmp_path}" in run.stdout
    # targets that never read DATA do not care about it
    run = make("-n", "lint", "DATA=paper_claim")
    assert run.returncode == 0, run.stderr


def test_progress_bar_only_on_a_terminal(tmp_path):
    piped = planned_commands(tmp_path)
    for name in RECORD_NOTEBOOKS:
        argv = notebook_command(piped, name)
        assert "--no-progress-bar" in argv and "--progress-bar" not in argv
    leader, follower = pty.openpty()
    try:
        on_terminal = planned_commands(tmp_path, stderr=follower)
    finally:
        os.close(follower)
        os.close(leader)
    for name in RECORD_NOTEBOOKS:
        argv = notebook_command(on_terminal, name)
        assert "--progress-bar" in argv and "--no-progress-bar" not in argv


def test_progress_bar_is_named_after_the_notebook():
    from talentlab.report.notebook_runner import progress_label

    assert progress_label("/r/11_zhuhai_interrupted_time_series/"
                          "11_zhuhai_interrupted_time_series.run.ipynb") == (
        "11_zhuhai_interrupted_time_series")


@pytest.mark.slow
def test_reproduced_zhuhai_page_carries_the_truth_coverage(tmp_path):
    """Notebook 10 run by its Makefile rule (the bootstrap shortened) checks the planted truth:
    results.json's truth_coverage is filled and every impact interval covers its effect."""
    stamps = sorted((PROJECT_ROOT / ".venv").glob(".installed-*"))
    if not stamps:
        pytest.skip("no .venv made by `make setup`")
    target = tmp_path / "reports" / "10_zhuhai_case_evaluation" / "10_zhuhai_case_evaluation.ipynb"
    run = make(str(target), f"REPORT_DIR={tmp_path / 'reports'}",
               f"PROCESSED={tmp_path / 'processed'}", "N_BOOTSTRAP=99",
               f"SETUP={stamps[0]}", timeout=1200)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads((target.parent / "results.json").read_text(encoding="utf-8"))
    coverage = pd.DataFrame(results["truth_coverage"])
    impact = coverage[coverage["kind"] == "impact"]
    assert len(impact) >= 6 and impact["covered"].all(), impact


@pytest.mark.slow  # a kernel start: 10-30 s on a loaded machine
def test_runner_names_the_progress_bar_after_the_notebook(tmp_path):
    """papermill's bar, asked for as make asks on a terminal, carries the notebook's name."""
    nbformat = pytest.importorskip("nbformat")
    pytest.importorskip("papermill")
    source = tmp_path / "42_tiny.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")]), source)
    run = subprocess.run(
        [sys.executable, "-m", "talentlab.report.notebook_runner", "--kernel", "python3",
         "--progress-bar", "--log-level", "WARNING", str(source),
         str(tmp_path / "42_tiny.run.ipynb")],
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "42_tiny: 100%" in run.stderr, run.stderr[-2000:]


def test_a_folder_of_published_rates_is_analysed_as_it_is(tmp_path):
    """A folder holding only a published_rates table is a contract folder: make validates it and
    gives it to the notebooks, never re-imports it as a college export."""
    folder = tmp_path / "published"
    folder.mkdir()
    (folder / "published_rates.csv").write_text(
        "group,indicator,rate,n\n专科,employment_rate,95.3,1234\n", encoding="utf-8")
    commands = planned_commands(tmp_path, f"DATA={folder}")
    assert not [c for c in commands if "talentlab.cli import" in c], commands
    for name in RECORD_NOTEBOOKS:
        assert parameter(notebook_command(commands, name), "data_dir") == str(folder)
