"""Atomic writes: a file, or a whole folder, appears complete or not at all.

Every file talentlab writes goes through one of these:

* :func:`atomic_write_bytes` / :func:`atomic_write_text` — one file, through a temporary file
  beside it and an atomic rename (``os.replace``); readable by others (``0644``).
* :func:`write_folder_atomically` — ``write_folder_atomically(target, write_fn, *,
  replace=False) -> Path``: ``write_fn(stage)`` writes the folder's files into a staging folder
  beside ``target``; only when it returns (and the files are flushed to disk) are they moved into
  place. If ``write_fn`` raises — a validation error, a full disk — the staging folder is removed
  and ``target`` is untouched. Two ways of moving into place:

  - ``replace=True`` (``talentlab import``, ``process`` and ``pseudonymise``): the whole folder is
    swapped, so nothing of a previous run survives and a kill at any moment leaves the old folder
    or the new one, never a mix and never neither. On Linux one ``renameat2(RENAME_EXCHANGE)``
    (through :mod:`ctypes`) exchanges the staging folder and ``target`` in a single atomic step;
    the old folder, now at the staging path, is then deleted. Where the exchange is not available
    (another OS, a file system without it), two renames: ``target`` to ``.<name>.<pid>-<x>.old``,
    then the staging folder to ``target``, then the old copy is deleted. A kill between those two
    renames leaves no ``target`` until the next write of it, which restores the old copy first
    (:func:`recover_folder`).
  - ``replace=False`` (merge; :func:`talentlab.simulate.generate`,
    :func:`talentlab.data.examples.write_college_export`): into an existing ``target`` each written
    file is moved by ``os.replace`` (atomic per file) and files ``write_fn`` did not write stay.

  A new ``target`` is always the staging folder renamed in one step (``os.rename``).

Leftovers. The staging folder is ``.<name>.<pid>-<random>.tmp`` (mode ``0755``) and the old copy
of the two-rename scheme ``.<name>.<pid>-<random>.old``, both beside ``target``; ``<pid>`` is the
writing process. A killed run leaves them behind; the next :func:`write_folder_atomically` of the
same ``target`` first calls :func:`recover_folder`, which restores the old copy when ``target`` is
missing and deletes every other leftover whose process is gone (those of a run still going are
left alone). Hidden folders of the 0.1 layout (``.<name>.<random>.tmp`` and
``.<name>.<random>.old/previous``) are recovered the same way. Recovery and the swap itself run
under an exclusive ``flock`` on the parent folder where the system has one, so two runs writing
the same ``target`` cannot interleave their renames.

This module does file I/O only; what is written, and the checks on where, belong to the callers.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import re
import secrets
import shutil
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX (Windows): no lock, renames only
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_write_bytes", "atomic_write_text", "exchange_folders", "recover_folder",
           "write_folder_atomically"]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
#: errno values meaning "this kernel or file system cannot exchange": fall back to two renames
_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM}
#: fsync is not possible here (a folder on some file systems; a read-only handle on Windows):
#: nothing to report
_NO_SYNC = {errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EBADF, errno.EACCES,
            errno.EISDIR, errno.EPERM}
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


def _load_renameat2():
    """glibc's ``renameat2`` (Linux 3.15+, glibc 2.28+), or None where there is none."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


#: glibc's ``renameat2`` as a ctypes function (``None`` off Linux or without it), the system call
#: behind :func:`exchange_folders`. Public so that tests can count or withhold the exchange
#: (set it to ``None`` to run the two-rename fallback, as on a system without it).
renameat2 = _load_renameat2()

#: staging folders this process is writing now (its own pid on a leftover does not mean "gone")
_LIVE: set[str] = set()
_LIVE_LOCK = threading.Lock()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and an atomic rename.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "sub" / "a.txt"
    >>> atomic_write_bytes(p, b"x\\n")
    >>> p.read_bytes(), oct(p.stat().st_mode & 0o777), sorted(q.name for q in p.parent.iterdir())
    (b'x\\n', '0o644', ['a.txt'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; results are meant to be read by others
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically (:func:`atomic_write_bytes`)."""
    atomic_write_bytes(path, text.encode("utf-8"))


def exchange_folders(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Exchange two existing paths in one atomic step; False where that is not possible.

    Linux ``renameat2(..., RENAME_EXCHANGE)``: after it, ``a`` holds what ``b`` held and the other
    way round, and no moment exists at which either path is missing. Returns False (and changes
    nothing) on another OS or a file system without the exchange; other errors raise ``OSError``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "a").mkdir(), (d / "b").mkdir(), (d / "a" / "1").write_text("")
    >>> if exchange_folders(d / "a", d / "b"):
    ...     assert sorted(p.name for p in (d / "b").iterdir()) == ["1"]
    """
    if renameat2 is None:
        return False
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), os.fspath(a), None, os.fspath(b))


def write_folder_atomically(target: str | os.PathLike, write_fn: Callable[[Path], object], *,
                            replace: bool = False) -> Path:
    """Write a folder through a staging folder beside it; return ``target`` as a Path.

    Parameters
    ----------
    target : path
        The folder to write; its parent is created. A symbolic link is followed: the folder it
        leads to is the one written. An existing file that is not a folder is refused.
    write_fn : callable
        Called once with the staging folder; writes the files there (its return value is
        ignored). Anything it raises propagates after the staging folder is removed.
    replace : bool
        ``True``: swap the whole folder in one atomic step (nothing of the old one stays);
        ``False``: merge into an existing ``target`` file by file (other files stay). See the
        module docstring, which also describes the leftovers of a killed run and their recovery.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> def write(stage):
    ...     _ = (stage / "a.csv").write_text("x\\n")
    >>> out = write_folder_atomically(d / "out", write, replace=True)
    >>> _ = (out / "old.txt").write_text("gone after the next swap")
    >>> _ = write_folder_atomically(out, write, replace=True)
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in d.iterdir())
    (['a.csv'], ['out'])
    >>> _ = (out / "old.txt").write_text("kept when merging")
    >>> _ = write_folder_atomically(out, write)
    >>> sorted(p.name for p in out.iterdir()), oct(out.stat().st_mode & 0o777)
    (['a.csv', 'old.txt'], '0o755')
    >>> def broken(stage):
    ...     _ = (stage / "a.csv").write_text("half")
    ...     raise RuntimeError("failed half-way")
    >>> write_folder_atomically(out, broken, replace=True)
    Traceback (most recent call last):
    ...
    RuntimeError: failed half-way
    >>> (out / "a.csv").read_text(), sorted(p.name for p in d.iterdir())
    ('x\\n', ['out'])
    """
    target = Path(os.path.abspath(target))           # "out/.", "./out": the folder's own name
    if target.is_symlink():
        target = Path(os.path.realpath(target))
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder / 已存在且不是文件夹",
                                 os.fspath(target))
    parent = target.parent
    parent.mkdir(parents=True, exist_ok=True)
    recover_folder(target)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.{os.getpid()}-", suffix=".tmp",
                                  dir=parent))
    with _LIVE_LOCK:
        _LIVE.add(os.fspath(stage))
    try:
        os.chmod(stage, 0o755)                       # mkdtemp makes 0700; a data folder is public
        write_fn(stage)
        _sync_tree(stage)                            # the files are on disk before they count
        with _parent_locked(parent):
            if not (target.exists() or target.is_symlink()):
                os.rename(stage, target)
            elif replace:
                _swap_folder(stage, target)
            else:
                for item in sorted(stage.iterdir()):
                    os.replace(item, target / item.name)
        _sync_dir(parent)
    finally:
        # after an exchange the staging path holds the old folder; after a failure, the half-written
        # new one: either way it goes
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
        with _LIVE_LOCK:
            _LIVE.discard(os.fspath(stage))
    return target


def _swap_folder(stage: Path, target: Path) -> None:
    """Put ``stage`` at ``target``: one exchange, else two renames (the module docstring)."""
    if exchange_folders(stage, target):
        return                                       # the old folder is now at ``stage``
    old = _unused(target, "old")
    os.rename(target, old)
    os.rename(stage, target)                         # a kill before this: recover_folder restores
    shutil.rmtree(old, ignore_errors=True)


def _unused(target: Path, kind: str) -> Path:
    """A leftover-pattern name beside ``target`` that does not exist yet."""
    while True:
        path = target.parent / f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.{kind}"
        if not (path.exists() or path.is_symlink()):
            return path


def recover_folder(target: str | os.PathLike) -> list[str]:
    """Undo what a killed write of ``target`` left beside it; return what was done.

    When ``target`` is missing and the old copy of an interrupted two-rename swap is there, that
    copy is renamed back to ``target`` (the old state). Every other leftover
    (``.<name>.<pid>-<random>.tmp`` / ``.old``, and the 0.1 layout's ``.<name>.<random>.tmp`` /
    ``.old``) whose process has ended is deleted. :func:`write_folder_atomically` calls it first.

    Raises
    ------
    FileExistsError
        When ``target`` is missing and more than one old copy could be it (nothing is guessed).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / ".out.999999999-abcd1234.old").mkdir()      # killed between the two renames
    >>> _ = (d / ".out.999999999-abcd1234.old" / "a.csv").write_text("old")
    >>> (d / ".out.999999999-ffff0000.tmp").mkdir()      # its complete, never moved new folder
    >>> [n.split(":")[0] for n in recover_folder(d / "out")]
    ['restored', 'deleted']
    >>> sorted(p.name for p in d.iterdir()), (d / "out" / "a.csv").read_text()
    (['out'], 'old')
    """
    target = Path(os.path.abspath(target))
    parent = target.parent
    if not parent.is_dir():
        return []
    with _parent_locked(parent):
        return _recover(target)


def _recover(target: Path) -> list[str]:
    done: list[str] = []
    stale = [(path, kind, legacy) for path, kind, legacy, pid in _leftovers(target)
             if not _running(pid, path)]
    if not (target.exists() or target.is_symlink()):
        olds = [(p, legacy) for p, kind, legacy in stale if kind == "old"
                and (not legacy or (p / "previous").is_dir())]
        if len(olds) > 1:
            raise FileExistsError(
                f"{target} is missing and {len(olds)} old copies of it are beside it ("
                + ", ".join(p.name for p, _ in olds) + "): rename the one to keep to "
                f"{target.name} / {target.name} 不存在且有多个旧副本，请保留其一并改名")
        if olds:
            old, legacy = olds[0]
            os.rename(old / "previous" if legacy else old, target)
            done.append(f"restored: {old.name} -> {target.name}")
            _sync_dir(target.parent)
    for path, _kind, _legacy in stale:
        if path.is_symlink() or path.is_file():
            path.unlink(missing_ok=True)
        elif path.exists():
            shutil.rmtree(path, ignore_errors=True)
        else:
            continue
        done.append(f"deleted: {path.name}")
    return done


def _leftovers(target: Path) -> Iterator[tuple[Path, str, bool, int | None]]:
    """``(path, "tmp"/"old", is the 0.1 layout, pid or None)`` beside ``target``."""
    name = re.escape(target.name)
    current = re.compile(rf"\.{name}\.(\d+)-[a-z0-9_]{{8}}\.(tmp|old)")
    legacy = re.compile(rf"\.{name}\.[a-z0-9_]{{8}}\.(tmp|old)")
    try:
        entries = sorted(os.scandir(target.parent), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if m := current.fullmatch(entry.name):
            yield Path(entry.path), m.group(2), False, int(m.group(1))
        elif m := legacy.fullmatch(entry.name):
            yield Path(entry.path), m.group(1), True, None


def _running(pid: int | None, path: Path) -> bool:
    """Is the process that made a leftover still running (so the leftover is its work)?"""
    if pid is None:
        return False                                 # 0.1 layout: no run of that version is live
    if pid == os.getpid():
        with _LIVE_LOCK:
            return os.fspath(path) in _LIVE
    if os.name != "posix":                           # pragma: no cover - os.kill(pid, 0) is no probe
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True                                  # someone else's live process
    try:                                             # a killed child not yet reaped is a zombie
        with open(f"/proc/{pid}/stat", "rb") as fh:
            return fh.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


@contextlib.contextmanager
def _parent_locked(parent: Path) -> Iterator[None]:
    """An exclusive ``flock`` on the folder ``parent`` (nothing where locks are unavailable)."""
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    try:
        fd = os.open(parent, _OPEN_FLAGS | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        yield
        return
    try:
        with contextlib.suppress(OSError):           # a file system without locks: go on unlocked
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)                                 # closing releases the lock


def _sync_tree(root: Path) -> None:
    """fsync every file and folder under ``root`` (a full disk or I/O error surfaces here)."""
    for folder, _dirs, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            if stat.S_ISREG(os.lstat(path).st_mode):
                _fsync(path, strict=True)
        _fsync(folder, strict=True, folder=True)


def _sync_dir(folder: Path) -> None:
    """fsync a folder after the swap, so the new entry is durable; the new folder is already in
    place, so a failure here is no reason to report the write as failed."""
    _fsync(folder, strict=False, folder=True)


def _fsync(path: str | os.PathLike, strict: bool, folder: bool = False) -> None:
    """fsync one file or folder. ``strict``: a real failure (ENOSPC, EIO) raises; where fsync is
    not possible at all (a folder that cannot be opened, :data:`_NO_SYNC`) nothing happens."""
    try:
        fd = os.open(path, _OPEN_FLAGS | (getattr(os, "O_DIRECTORY", 0) if folder else 0))
    except OSError:
        if folder:
            return                                   # e.g. Windows cannot open a folder
        raise
    try:
        os.fsync(fd)
    except OSError as exc:
        if strict and exc.errno not in _NO_SYNC:
            raise
    finally:
        os.close(fd)
