"""Atomic writes: a file, or a whole folder, appears complete or not at all.

Every file talentlab writes goes through one of these:

* :func:`atomic_write_bytes` / :func:`atomic_write_text` — one file, through a temporary file
  beside it and an atomic rename (``os.replace``); readable by others (``0644``).
* :func:`write_folder_atomically` — ``write_folder_atomically(target, write_fn, *,
  replace=False) -> Path``: ``write_fn(stage)`` writes the folder's files into a temporary
  folder beside ``target`` (``.<name>.XXXX.tmp``, mode ``0755``); only when it returns are they
  moved into place. If ``write_fn`` raises, the temporary folder is removed and ``target`` is
  untouched. Two ways of moving into place:

  - ``replace=False`` (merge; :func:`talentlab.simulate.generate`, :func:`talentlab.data.io.process`,
    :func:`talentlab.data.examples.write_college_export`): a new ``target`` is the temporary folder
    renamed in one step; into an existing ``target`` each written file is moved by ``os.replace``
    (atomic per file) and files of ``target`` that ``write_fn`` did not write stay.
  - ``replace=True`` (:func:`talentlab.data.importer.import_records`): an existing ``target`` is
    moved aside, the temporary folder renamed into its place and the old folder deleted, so no
    file of a previous run survives.

This module does file I/O only; what is written, and the checks on where, belong to the callers.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["atomic_write_bytes", "atomic_write_text", "write_folder_atomically"]


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


def write_folder_atomically(target: str | os.PathLike, write_fn: Callable[[Path], object], *,
                            replace: bool = False) -> Path:
    """Write a folder through a temporary folder beside it; return ``target`` as a Path.

    Parameters
    ----------
    target : path
        The folder to write; its parent is created.
    write_fn : callable
        Called once with the temporary folder; writes the files there (its return value is
        ignored). Anything it raises propagates after the temporary folder is removed.
    replace : bool
        ``False``: merge into an existing ``target`` file by file (other files stay);
        ``True``: swap the whole folder (nothing of the old one stays). See the module docstring.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> def write(stage):
    ...     _ = (stage / "a.csv").write_text("x\\n")
    >>> out = write_folder_atomically(d / "out", write)
    >>> _ = (out / "old.txt").write_text("kept when merging")
    >>> _ = write_folder_atomically(out, write)
    >>> sorted(p.name for p in out.iterdir()), oct(out.stat().st_mode & 0o777)
    (['a.csv', 'old.txt'], '0o755')
    >>> _ = write_folder_atomically(out, write, replace=True)
    >>> sorted(p.name for p in out.iterdir()), sorted(p.name for p in d.iterdir())
    (['a.csv'], ['out'])
    >>> def broken(stage):
    ...     _ = (stage / "a.csv").write_text("half")
    ...     raise RuntimeError("failed half-way")
    >>> write_folder_atomically(out, broken)
    Traceback (most recent call last):
    ...
    RuntimeError: failed half-way
    >>> (out / "a.csv").read_text(), sorted(p.name for p in d.iterdir())
    ('x\\n', ['out'])
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        os.chmod(stage, 0o755)                       # mkdtemp makes 0700; a data folder is public
        write_fn(stage)
        if not target.exists():
            os.replace(stage, target)
        elif replace:
            _swap_folder(stage, target)
        else:
            for item in sorted(stage.iterdir()):
                os.replace(item, target / item.name)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return target


def _swap_folder(stage: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``stage``: the old one is moved aside, then deleted."""
    old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
    os.replace(target, old / "previous")
    os.replace(stage, target)
    shutil.rmtree(old, ignore_errors=True)
