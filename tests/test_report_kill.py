"""Kill ``talentlab report`` at deterministic moments, or fill the disk under it: the report folder
is always exactly the earlier report or exactly the new one (issue 21, item 3).

The same fault injection as the command-level tests of ``import``, ``process`` and
``pseudonymise`` (:class:`tests.test_atomic_faults.Driver`): a driver process imports talentlab's
report modules once and runs every trial in a forked child. The child writes a report's own
files as ``talentlab report`` does once its checks have passed
(:func:`talentlab.report.build.write_staged_report`; the build before it only reads), and its
file-system operations on the test's folder are numbered: it is SIGKILLed just before operation
*k*, or every write from the *k*-th on (or the *k*-th fsync) fails with ``ENOSPC``. After each
kill the report folder must be the old or the new state (file names and bytes, the files the
report does not own included), and the next normal run must give the new state and leave
nothing beside the folder. A full disk must fail the write with one message and leave the old
state. The two-rename swap (as on a system without ``renameat2``) is killed in each of its
windows and recovered as the next run does.

The report folder is tiny: an executed notebook's folder (its page and ``results.json``), a file
of the user's (``notes.txt``) and the report of another data set (``datasets/other/``), none of
which the report writes. The old state is a report of ``index.html``, ``findings.*`` and
``MANIFEST.sha256``; the new one changes them and adds ``published_rates.csv``.

The write has 164 numbered operations (6 renames, 5 writes, 14 fsyncs). ``make test`` runs one
seeded kill moment per phase, the 12 rename windows, the 19 full-disk moments and the 13 windows
of the two-rename swap (about 6 s of CPU); the 50-moment set is marked slow (about 11 s). Against
the code that wrote the report's files one by one into the folder (restoring them only when a
check failed) the quick test finds 55 failures in 25 trials: the new ``findings.*`` beside the
old ``index.html`` and ``MANIFEST.sha256``, half-written ``.index.html.*.tmp`` files left in the
folder for good, and a full disk that also defeats the restore.

The unit tests below check what the swap must keep: the entries the report does not own (folder
modes, symbolic links, a report folder reached through a link), a folder another run changes
meanwhile (not swapped), and the folders that cannot be renamed (written in place).
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT
from tests.test_atomic_faults import KILL_TRIALS, Driver

#: seeded kill moments per phase of the write (before the first rename, between the renames,
#: after the last) in ``make test``; every rename window and full-disk moment is always tried
KILL_PER_PHASE = 1

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"),
                                reason="fault injection forks children and reads /proc (Linux)")

NOTEBOOK_PAGE = """<html><body><h1 id="top">10 notebook</h1>
<p><a href="../index.html">report</a> <a href="#top">top</a></p></body></html>
"""


def _staged(which: str) -> dict[str, str]:
    """The report's own files of one run (name -> text), as ``build_report`` hands them to
    ``write_staged_report``: the new run also writes a file the old one did not."""
    verdict = {"old": "supported", "new": "not supported"}[which]
    staged = {
        "index.html": f'<html><body><h1>Report ({which})</h1><p><a href="10_nb/10_nb.html#top">'
                      f'notebook</a> <a href="findings.md">findings</a> '
                      f'<a href="findings.csv">table</a></p></body></html>\n',
        "findings.md": f"# Findings ({which})\n\n| claim | verdict |\n|---|---|\n"
                       f"| C1 | {verdict} |\n",
        "findings.csv": f"\ufeffclaim_id,verdict,estimate\nC1,{verdict},0.25\n",
    }
    if which == "new":
        staged["published_rates.csv"] = "\ufeffmajor,rate_published\n电子商务,95.3\n"
    return staged


def _report_area(area: Path) -> dict:
    """A report folder holding what the report does not own: an executed notebook's folder,
    a file of the user's and another data set's report."""
    reports = area / "o" / "reports"
    (reports / "10_nb").mkdir(parents=True)
    (reports / "10_nb" / "10_nb.html").write_text(NOTEBOOK_PAGE, encoding="utf-8")
    (reports / "10_nb" / "results.json").write_text('{"notebook": "10_nb"}\n', encoding="utf-8")
    (reports / "notes.txt").write_text("the user's own file: not the report's\n",
                                       encoding="utf-8")
    (reports / "datasets" / "other").mkdir(parents=True)
    (reports / "datasets" / "other" / "index.html").write_text("<p>another data set</p>\n",
                                                                encoding="utf-8")
    return {"out": str(reports),
            "inputs": {which: [which, str(reports)] for which in ("old", "new")}}


def write_report(argv: list[str]) -> int:
    """A trial: write the ``argv[0]`` run's files into the report folder ``argv[1]`` as
    ``talentlab report`` does after its checks (:func:`talentlab.report.build.write_staged_report`); a failure is
    one message and exit code, as the command gives."""
    from talentlab.data.disclosure import MIN_CELL
    from talentlab.report.build import write_staged_report
    from talentlab.report.publish import PublicationError

    try:
        write_staged_report(argv[1], _staged(argv[0]), MIN_CELL)
    except (OSError, PublicationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


def report_driver_main() -> None:
    """The driver process: warm the report's modules, set up the area, run every trial."""
    import time

    import talentlab.report.build  # noqa: F401
    import talentlab.report.publish  # noqa: F401

    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    spec.update(_report_area(Path(spec["area"])))
    start = time.perf_counter()
    result = Driver(spec, entry=write_report).main()
    result["figures"]["seconds"] = round(time.perf_counter() - start, 1)
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")


def _run_driver(tmp_path: Path, kill_per_phase: int | None) -> dict:
    """Run the report's driver; assert the trials were run; return its figures and failures."""
    root = tmp_path.resolve()
    area = root / "area"                       # the report folder's operations are counted
    area.mkdir()
    spec = {"root": str(root), "area": str(area), "command": "report",
            "result": str(root / "result.json"), "kill_per_phase": kill_per_phase}
    (root / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c",
         "from tests.test_report_kill import report_driver_main; report_driver_main()",
         str(root / "spec.json")], cwd=PROJECT_ROOT, capture_output=True, text=True,
        timeout=600)
    assert proc.returncode == 0, f"report driver: {proc.stderr[-3000:]}"
    result = json.loads((root / "result.json").read_text(encoding="utf-8"))
    figures = result["figures"]
    print("report", figures)
    assert figures["rename_windows"] >= 2 and figures["full_disk_trials"] >= 2
    assert figures["two_rename_trials"] >= 4
    return result


def test_report_is_old_or_new_after_kills_in_each_phase_and_full_disk(tmp_path):
    """A seeded kill moment in each phase of the report write (before the first rename, between
    the renames, after the last), every rename window, every full-disk moment (each write and
    each fsync) and every window of the two-rename swap: old or new state, 100 %."""
    result = _run_driver(tmp_path, kill_per_phase=KILL_PER_PHASE)
    figures = result["figures"]
    assert set(figures["phase_moments"]) == {"before", "between", "after"}
    for phase, moments in figures["phase_moments"].items():
        assert figures["phase_trials"][phase] == min(KILL_PER_PHASE, moments)
    assert result["failures"] == [], "\n".join(result["failures"][:20])
    assert figures["phase_trials"]["before"] == 1 and figures["phase_trials"]["after"] == 1


@pytest.mark.slow
def test_report_is_old_or_new_after_every_kill_and_full_disk(tmp_path):
    """The same with 50 seeded kill moments over the whole write."""
    result = _run_driver(tmp_path, kill_per_phase=None)
    figures = result["figures"]
    assert figures["kill_trials"] >= min(KILL_TRIALS, figures["operations"])
    assert result["failures"] == [], "\n".join(result["failures"][:20])


# --------------------------------------------------------------------------------------------
# the swap keeps what the report does not own
# --------------------------------------------------------------------------------------------
def _folder_state(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: (kind, mode, bytes or link target)."""
    state = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[rel] = ("link", os.readlink(path))
        elif path.is_dir():
            state[rel] = ("dir", oct(path.stat().st_mode & 0o7777))
        else:
            state[rel] = ("file", oct(path.stat().st_mode & 0o7777), path.read_bytes())
    return state


def test_the_swap_keeps_what_the_report_does_not_own(tmp_path):
    """The new folder holds every entry of the old one the report does not write, as it was:
    folders with their modes, symbolic links as links (a folder they lead to untouched), a
    report folder reached through a link written where the link leads; the temporary files a
    killed in-place write of an earlier version left are dropped; nothing stays beside."""
    from talentlab.data.disclosure import MIN_CELL
    from talentlab.report.build import write_staged_report

    real = tmp_path / "real_reports"
    (real / "10_nb").mkdir(parents=True)
    (real / "10_nb" / "10_nb.html").write_text(NOTEBOOK_PAGE, encoding="utf-8")
    (real / "notes.txt").write_text("mine\n", encoding="utf-8")
    os.chmod(real / "notes.txt", 0o600)
    os.chmod(real / "10_nb", 0o750)
    os.chmod(real, 0o2775)                                 # a group's shared folder
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "index.html").write_text("<p>kept outside</p>\n", encoding="utf-8")
    (real / "datasets").symlink_to(elsewhere, target_is_directory=True)
    (real / ".findings.md.ab12cd34.tmp").write_text("half of a killed write", encoding="utf-8")
    (real / ".mine.ab12cd34.tmp").write_text("not the report's", encoding="utf-8")
    reports = tmp_path / "reports"
    reports.symlink_to(real, target_is_directory=True)
    kept = {k: v for k, v in _folder_state(real).items() if k != ".findings.md.ab12cd34.tmp"}
    outside = _folder_state(elsewhere)

    write_staged_report(reports, _staged("new"), MIN_CELL)

    assert reports.is_symlink() and os.readlink(reports) == str(real)
    state = _folder_state(real)
    assert {k: state[k] for k in kept} == kept
    assert set(state) - set(kept) == {*_staged("new"), "MANIFEST.sha256"}
    assert oct(real.stat().st_mode & 0o7777) == "0o2775"
    assert _folder_state(elsewhere) == outside
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "real_reports", "reports"]


def test_a_folder_changed_during_the_write_is_not_swapped(tmp_path, monkeypatch):
    """Another run writing into the report folder while the report is made: its file would
    be lost in the swap, so nothing is replaced and the error says to run again."""
    from talentlab.data.disclosure import MIN_CELL
    from talentlab.report import publish
    from talentlab.report.build import write_staged_report

    reports = Path(_report_area(tmp_path)["out"])
    write_staged_report(reports, _staged("old"), MIN_CELL)
    earlier = _folder_state(reports)
    check = publish.check_report

    def check_while_another_run_writes(folder, min_cell):
        (reports / "10_nb" / "figure.png").write_bytes(b"written meanwhile")
        return check(folder, min_cell)

    monkeypatch.setattr(publish, "check_report", check_while_another_run_writes)
    with pytest.raises(OSError, match="changed while the report was written") as caught:
        write_staged_report(reports, _staged("new"), MIN_CELL)
    assert caught.value.errno == errno.EBUSY
    assert _folder_state(reports) == {**earlier, "10_nb/figure.png": (
        "file", oct((reports / "10_nb" / "figure.png").stat().st_mode & 0o7777),
        b"written meanwhile")}
    assert sorted(p.name for p in reports.parent.iterdir()) == ["reports"]


def test_a_folder_that_cannot_be_renamed_is_written_in_place(tmp_path, monkeypatch):
    """A mount point (or a folder whose parent may not be written) is written file by file:
    a failing check still gives the earlier files back and removes the created ones."""
    from talentlab.data.disclosure import MIN_CELL
    from talentlab.report import build
    from talentlab.report.publish import PublicationError

    reports = Path(_report_area(tmp_path)["out"])
    build.write_staged_report(reports, _staged("old"), MIN_CELL)
    earlier = _folder_state(reports)
    inode = reports.stat().st_ino
    monkeypatch.setattr(build, "folder_can_be_swapped", lambda folder: False)
    broken = {**_staged("new"), "index.html": '<a href="gone.html">x</a>'}
    with pytest.raises(PublicationError, match="gone.html"):
        build.write_staged_report(reports, broken, MIN_CELL)
    assert _folder_state(reports) == earlier
    build.write_staged_report(reports, _staged("new"), MIN_CELL)
    assert reports.stat().st_ino == inode                  # the same folder, not a swapped one
    assert (reports / "published_rates.csv").exists()


def test_a_refused_swap_falls_back_to_the_write_in_place(tmp_path, monkeypatch):
    """A bind mount on the same file system is no mount point to ``os.path.ismount``: the
    exchange is refused (EBUSY) after the new report was made whole; it is then written in
    place, as before the swap, instead of failing the build."""
    from talentlab.data import atomic
    from talentlab.data.disclosure import MIN_CELL
    from talentlab.report import build

    reports = Path(_report_area(tmp_path)["out"])
    build.write_staged_report(reports, _staged("old"), MIN_CELL)
    inode = reports.stat().st_ino

    def refused(a, b):
        raise OSError(errno.EBUSY, os.strerror(errno.EBUSY), os.fspath(a))

    monkeypatch.setattr(atomic, "exchange_folders", refused)
    build.write_staged_report(reports, _staged("new"), MIN_CELL)
    assert reports.stat().st_ino == inode
    assert (reports / "findings.md").read_text(encoding="utf-8") == _staged("new")["findings.md"]
    assert sorted(p.name for p in reports.parent.iterdir()) == ["reports"]
