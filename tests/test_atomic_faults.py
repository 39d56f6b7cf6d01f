"""Kill ``import``, ``process`` and ``pseudonymise`` at deterministic moments, or fill the disk under
them: the output folder is always exactly the old one or exactly the new one.

How. For each command a driver process (``python -c``, started once per command) imports
talentlab and then runs every trial in a forked child, which installs a fault hook and calls
``talentlab.cli.main``. The hook (:func:`_install_faults`) numbers the child's file-system
operations on the test's folder — opens, writes, renames, removals, folder listings, fsyncs
(``sys.addaudithook`` events plus wrappers of ``open``/``os.fsync``) and the ``renameat2`` exchange
(a wrapper of the ``ctypes`` function) — and either SIGKILLs the child just before operation *k* or makes every
write from the *k*-th on (or the *k*-th fsync) fail with ``ENOSPC``, as a full disk does.

For each command: the old state (the command run on input A) and the new state (on input B) are
file names + bytes; a counting run gives the number of operations; then

* kill trials at 50 pseudo-random operations (``random.Random(SEED)``; every operation when a run
  has fewer; in ``make test`` a seeded :data:`KILL_PER_PHASE` of each phase instead: before the
  first rename, between the renames, after the last) plus every rename window (just before and just after each rename or exchange): after
  the kill the folder is the old or the new state, and the next normal run succeeds, gives the new
  state and leaves no leftover (when the kill left exactly the old state and nothing beside it, the
  next run would repeat the counting run, already checked, and is not run again);
* full-disk trials at writes and fsyncs: the command fails, the folder is exactly the old state,
  nothing is left beside it, and the next normal run gives the new state;
* the two-rename scheme (the exchange switched off, as on a system without it): kill trials in
  the swap's windows; :func:`talentlab.data.atomic.recover_folder` (what the next run does first)
  then gives the old or new state, and the next normal run the new one.

Every trial must hold (100 %). The three commands' drivers run side by side; forking from a warm
driver saves the interpreter start, and the run itself (validation of two small tables) is most of
a trial: about 80 s of CPU for all trials of the three commands, so ``make test`` runs the
phase sample (:func:`test_old_or_new_after_kills_in_each_phase_and_full_disk`, about half) and
the full set is marked slow (:func:`test_old_or_new_after_every_kill_and_full_disk`).

Against the code before the atomic swap the same test finds what issue 21 reported: ``import``
killed between its two renames leaves no output folder, ``process`` killed between its per-file
renames leaves new parquet beside the old manifest, and the hidden leftovers are never cleaned.
"""

from __future__ import annotations

import errno
import io
import json
import os
import random
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

SEED = 20240611
KILL_TRIALS = 50
#: kill moments per phase (before the first rename, between the renames, after the last) in the
#: quick test; the rename windows are always all tried
KILL_PER_PHASE = 3
COMMANDS = ("import", "process", "pseudonymise")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork") or not sys.platform.startswith("linux"),
                                reason="fault injection forks children and reads /proc (Linux)")


# --------------------------------------------------------------------------------------------
# the fault hook (installed in a forked child only)
# --------------------------------------------------------------------------------------------
#: audit events that touch the file system; counted when their path lies in the test's folder
_PATH_EVENTS = {"open", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.chmod",
                "os.scandir", "os.listdir", "shutil.rmtree", "shutil.copyfile",
                "tempfile.mkdtemp", "tempfile.mkstemp"}


def _install_faults(root: str, mode: str, n: int, log: list[str]) -> None:
    """Number the operations on ``root``; at number ``n`` kill (``kill``), or fail the writes
    from the ``n``-th on (``enospc``) or the ``n``-th fsync (``fsync``); ``count`` only logs."""
    import builtins

    from talentlab.data import atomic

    root_s, root_b = root.rstrip("/") + "/", os.fsencode(root.rstrip("/") + "/")
    state = {"writes": 0, "fsyncs": 0, "full": False}

    def inside(value) -> bool:
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        if isinstance(value, str):
            return value.startswith(root_s)
        if isinstance(value, bytes):
            return value.startswith(root_b)
        if isinstance(value, int) and value >= 0:     # an open file descriptor
            try:
                return os.readlink(f"/proc/self/fd/{value}").startswith(root_s)
            except OSError:
                return False
        return False

    def tick(kind: str) -> None:
        log.append(kind)
        if mode == "kill" and len(log) == n:
            os.kill(os.getpid(), signal.SIGKILL)

    def full_disk() -> OSError:
        state["full"] = True
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def hook(event: str, args: tuple) -> None:
        if event in _PATH_EVENTS:
            if (args and inside(args[0])) or (
                    event in ("os.remove", "os.rmdir") and len(args) > 1 and args[1] is not None):
                tick(event)                            # (rmtree removes by name relative to a fd)

    class FaultFile:
        """A file opened for writing whose ``write`` counts and may find the disk full."""

        def __init__(self, fh):
            self._fh = fh

        def write(self, data):
            tick("write")
            state["writes"] += 1
            if state["full"] or (mode == "enospc" and state["writes"] >= n):
                raise full_disk()
            return self._fh.write(data)

        def writelines(self, lines):
            for line in lines:
                self.write(line)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

        def __iter__(self):
            return iter(self._fh)

        def __getattr__(self, name):
            return getattr(self._fh, name)

    real_open, real_fsync = io.open, os.fsync

    def fault_open(file, mode_="r", *args, **kwargs):
        fh = real_open(file, mode_, *args, **kwargs)
        if any(c in mode_ for c in "wax+") and inside(file):
            return FaultFile(fh)
        return fh

    def fault_fsync(fd):
        if inside(fd):
            tick("fsync")
            state["fsyncs"] += 1
            if state["full"] or (mode == "fsync" and state["fsyncs"] == n):
                raise full_disk()
        return real_fsync(fd)

    io.open = builtins.open = fault_open
    os.fsync = fault_fsync
    sys.addaudithook(hook)
    exchange = atomic.renameat2              # a foreign function call raises no audit event
    if exchange is not None:
        def counted_exchange(*args):
            tick("exchange")
            return exchange(*args)

        atomic.renameat2 = counted_exchange


# --------------------------------------------------------------------------------------------
# the driver (one process per command; every trial a forked child)
# --------------------------------------------------------------------------------------------
def _snapshot(folder: Path) -> dict[str, bytes] | None:
    """File names (relative) and bytes of a folder; None when it does not exist."""
    if not folder.exists():
        return None
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


class Driver:
    """Runs the trials of one command (see the module docstring). ``entry`` is what a trial
    calls with the argv of ``spec["inputs"]``, returning the exit code: ``talentlab.cli.main``
    when None (tests/test_report_kill.py passes the report's write step)."""

    def __init__(self, spec: dict, entry=None):
        self.entry = entry
        self.root = Path(spec["root"])
        self.command = spec["command"]
        self.out = Path(spec["out"])
        self.area = spec["area"]               # the folder whose operations are numbered
        self.inputs = spec["inputs"]           # "old" / "new" -> argv
        self.kill_per_phase = spec.get("kill_per_phase")   # None: KILL_TRIALS over the whole run
        self.failures: list[str] = []
        self.figures: dict[str, int] = {"next_runs": 0, "next_runs_as_the_counting_run": 0}

    def run(self, which: str, mode: str = "none", n: int = 0, no_exchange: bool = False,
            recover_only: bool = False) -> tuple[int, list[str]]:
        """Run the command in a forked child: (exit code or -signal, operation log)."""
        log_path = self.root / "oplog.json"
        log_path.unlink(missing_ok=True)
        pid = os.fork()
        if pid == 0:                                  # the child
            code = 70
            try:
                devnull = os.open(os.devnull, os.O_WRONLY)
                err = os.open(self.root / "stderr.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(devnull, 1)
                os.dup2(err, 2)
                from talentlab import cli
                from talentlab.data import atomic

                if no_exchange:
                    atomic.renameat2 = None          # as on a system without RENAME_EXCHANGE
                log: list[str] = []
                _install_faults(self.area, mode, n, log)
                if recover_only:
                    atomic.recover_folder(self.out)
                    code = 0
                else:
                    code = (self.entry or cli.main)(self.inputs[which])
                if mode == "count":
                    with open(log_path, "w", encoding="utf-8") as fh:
                        json.dump(log, fh)
            except BaseException as exc:  # noqa: BLE001 - the child reports and exits
                print(f"child: {type(exc).__name__}: {exc}", file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        _, status = os.waitpid(pid, 0)
        code = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
        log = json.loads(log_path.read_text(encoding="utf-8")) if log_path.exists() else []
        return code, log

    def stderr(self) -> str:
        path = self.root / "stderr.txt"
        return path.read_text(encoding="utf-8", errors="replace")[-600:] if path.exists() else ""

    def leftovers(self) -> list[str]:
        return sorted(p.name for p in self.out.parent.iterdir() if p.name != self.out.name)

    def restore_old(self) -> None:
        shutil.rmtree(self.out.parent)
        self.out.parent.mkdir()
        shutil.copytree(self.root / "old_copy", self.out)

    def fail(self, trial: str, message: str) -> None:
        self.failures.append(f"{self.command} {trial}: {message} | {self.stderr()}")

    def next_run_gives_new(self, trial: str) -> None:
        if _snapshot(self.out) == self.old and not self.leftovers():
            # exactly the state the counting run started from: that run, already checked to
            # give the new state, is what the next run would repeat
            self.figures["next_runs_as_the_counting_run"] += 1
            return
        self.figures["next_runs"] += 1
        code, _ = self.run("new")
        if code != 0:
            self.fail(trial, f"the next normal run failed (exit {code})")
        elif _snapshot(self.out) != self.new:
            self.fail(trial, "the next normal run did not give the new state")
        elif self.leftovers():
            self.fail(trial, f"leftovers after the next normal run: {self.leftovers()}")

    def main(self) -> dict:
        self.out.parent.mkdir(parents=True, exist_ok=True)
        code, _ = self.run("old")
        assert code == 0, f"the old run failed: {self.stderr()}"
        self.old = _snapshot(self.out)
        shutil.copytree(self.out, self.root / "old_copy")
        code, log = self.run("new", mode="count")
        assert code == 0, f"the new run failed: {self.stderr()}"
        self.new = _snapshot(self.out)
        assert self.old != self.new and self.old and self.new
        self.kill_trials(log)
        self.full_disk_trials(log)
        self.two_rename_trials()
        return {"failures": self.failures, "figures": self.figures}

    def kill_trials(self, log: list[str]) -> None:
        total = len(log)
        renames = [i + 1 for i, kind in enumerate(log) if kind in ("os.rename", "exchange")]
        windows = {k for i in renames for k in (i, i + 1) if k <= total}
        rng = random.Random(SEED)
        if self.kill_per_phase is None:
            picked = set(rng.sample(range(1, total + 1), min(KILL_TRIALS, total)))
            phases = {}
        else:
            first, last = min(renames), max(renames)
            phases = {"before": range(1, first), "between": range(first + 1, last),
                      "after": range(last + 1, total + 1)}
            phases = {name: [k for k in moments if k not in renames]
                      for name, moments in phases.items()}
            picked = set()
            for moments in phases.values():
                picked |= set(rng.sample(moments, min(self.kill_per_phase, len(moments))))
        self.figures.update(operations=total, renames=len(renames),
                            kill_trials=len(picked | windows), rename_windows=len(windows),
                            phase_moments={name: len(m) for name, m in phases.items()},
                            phase_trials={name: len(picked.intersection(m))
                                          for name, m in phases.items()})
        for k in sorted(picked | windows):
            self.restore_old()
            code, _ = self.run("new", mode="kill", n=k)
            state = _snapshot(self.out)
            if code != -signal.SIGKILL:
                self.fail(f"kill@{k}/{total}", f"the child was not killed (exit {code})")
            elif state not in (self.old, self.new):
                what = "missing" if state is None else "a mix of old and new"
                self.fail(f"kill@{k}/{total} ({log[k - 1]})", f"the folder is {what}")
            self.next_run_gives_new(f"kill@{k}")

    def full_disk_trials(self, log: list[str]) -> None:
        writes, fsyncs = log.count("write"), log.count("fsync")
        trials = [("enospc", j) for j in range(1, writes + 1)] + \
                 [("fsync", j) for j in range(1, fsyncs + 1)]
        self.figures.update(writes=writes, fsyncs=fsyncs, full_disk_trials=len(trials))
        for mode, j in trials:
            self.restore_old()
            code, _ = self.run("new", mode=mode, n=j)
            # a failed fsync after the swap (of the parent folder) finds the new state in place
            expected = self.new if code == 0 and mode == "fsync" else self.old
            if code < 0 or (code == 0 and mode == "enospc"):
                self.fail(f"{mode}@{j}", f"a full disk did not fail the command (exit {code})")
            elif "Traceback" in self.stderr():
                self.fail(f"{mode}@{j}", "a traceback instead of one message")
            elif _snapshot(self.out) != expected:
                self.fail(f"{mode}@{j}", "the folder is neither the old state (failed) nor the "
                          "new one (succeeded)")
            elif self.leftovers():
                self.fail(f"{mode}@{j}", f"leftovers: {self.leftovers()}")
            self.next_run_gives_new(f"{mode}@{j}")

    def two_rename_trials(self) -> None:
        self.restore_old()
        code, log = self.run("new", mode="count", no_exchange=True)
        assert code == 0, f"the two-rename run failed: {self.stderr()}"
        assert _snapshot(self.out) == self.new
        renames = [i + 1 for i, kind in enumerate(log) if kind == "os.rename"]
        assert "exchange" not in log and len(renames) >= 2
        windows = sorted({k for i in renames for k in (i, i + 1) if k <= len(log)})
        self.figures["two_rename_trials"] = len(windows)
        for k in windows:
            self.restore_old()
            code, _ = self.run("new", mode="kill", n=k, no_exchange=True)
            if code != -signal.SIGKILL:
                self.fail(f"two-rename kill@{k}", f"the child was not killed (exit {code})")
                continue
            code, _ = self.run("new", recover_only=True)
            state = _snapshot(self.out)
            if code != 0 or state not in (self.old, self.new):
                self.fail(f"two-rename kill@{k} ({log[k - 1]})",
                          "after recovery the folder is " + (
                              "missing" if state is None else "neither old nor new"))
            self.next_run_gives_new(f"two-rename kill@{k}")


def _driver_main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    # warm the modules the children use, so each fork starts ready
    import time

    import talentlab.cli  # noqa: F401
    import talentlab.data.importer  # noqa: F401
    import talentlab.data.privacy  # noqa: F401

    start = time.perf_counter()
    result = Driver(spec).main()
    result["figures"]["seconds"] = round(time.perf_counter() - start, 1)
    Path(spec["result"]).write_text(json.dumps(result), encoding="utf-8")


# --------------------------------------------------------------------------------------------
# the test
# --------------------------------------------------------------------------------------------
def _inputs(root: Path, command: str) -> dict:
    """Two valid small data folders (old, new: graduates and their employers' ratings) and the
    command lines writing ``root/o/out``."""
    from tests.test_hostile_inputs import TABLES

    folders = {}
    for which, college in (("old", "珠海示例学院"), ("new", "横琴示例学院")):
        folder = root / f"in_{which}"
        folder.mkdir()
        for name in ("graduates", "employer_ratings"):   # two linked tables: quick to validate
            text = TABLES[name]
            (folder / f"{name}.csv").write_text(text.replace("珠海示例学院", college),
                                                encoding="utf-8")
        folders[which] = folder
    out = root / "o" / "out"
    key = root / "secret.key"
    key.write_text("0123456789abcdef" * 4, encoding="utf-8")
    argv = {
        "import": lambda src: ["import", str(src), str(out)],
        "process": lambda src: ["process", str(src), "--out", str(out)],
        "pseudonymise": lambda src: ["pseudonymise", str(src), str(out), "--key-file", str(key)],
    }[command]
    return {"out": str(out), "inputs": {w: argv(f) for w, f in folders.items()}}


def _run_drivers(tmp_path: Path, kill_per_phase: int | None) -> list[dict]:
    """Run the three commands' drivers side by side (three processes); assert the trials were
    run; return each command's figures and failures."""
    running = {}
    for command in COMMANDS:
        root = (tmp_path / command).resolve()
        area = root / "area"                   # inputs, key and output: every operation counted
        area.mkdir(parents=True)
        spec = {"root": str(root), "area": str(area), "command": command,
                "result": str(root / "result.json"), "kill_per_phase": kill_per_phase,
                **_inputs(area, command)}
        (root / "spec.json").write_text(json.dumps(spec), encoding="utf-8")
        running[command] = subprocess.Popen(
            [sys.executable, "-c",
             "from tests.test_atomic_faults import _driver_main; _driver_main()",
             str(root / "spec.json")], cwd=PROJECT_ROOT, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
    results = []
    for command, proc in running.items():
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, f"{command} driver: {err[-3000:]}"
        result = json.loads((tmp_path / command / "result.json").read_text(encoding="utf-8"))
        figures = result["figures"]
        print(command, figures)
        assert figures["rename_windows"] >= 2 and figures["full_disk_trials"] >= 2
        assert figures["two_rename_trials"] >= 4
        results.append(result)
    return results


@pytest.mark.slow
def test_old_or_new_after_every_kill_and_full_disk(tmp_path):
    """Every trial: 50 seeded kill moments of each command (about 80 s of CPU; the phase sample
    below runs in ``make test``)."""
    results = _run_drivers(tmp_path, kill_per_phase=None)
    for result in results:
        figures = result["figures"]
        assert figures["kill_trials"] >= min(KILL_TRIALS, figures["operations"])
    failures = [f for result in results for f in result["failures"]]
    assert failures == [], "\n".join(failures[:20])


def test_old_or_new_after_kills_in_each_phase_and_full_disk(tmp_path):
    """The same trials with :data:`KILL_PER_PHASE` seeded kill moments in each phase of each
    command (before the first rename, between the renames, after the last) besides every rename
    window, every full-disk trial and every two-rename trial."""
    results = _run_drivers(tmp_path, kill_per_phase=KILL_PER_PHASE)
    for result in results:
        figures = result["figures"]
        assert set(figures["phase_moments"]) == {"before", "between", "after"}
        for phase, moments in figures["phase_moments"].items():
            assert figures["phase_trials"][phase] == min(KILL_PER_PHASE, moments)
        assert figures["phase_trials"]["before"] >= 1 and figures["phase_trials"]["after"] >= 1
    failures = [f for result in results for f in result["failures"]]
    assert failures == [], "\n".join(failures[:20])
