"""A progress line on stderr while a large file is read or checked (import, validate, process).

Reading and validating a national-scale export takes tens of seconds; without a sign of life a
user cannot tell work from a hang. :func:`status` shows one line on stderr, ``<what> <elapsed>``,
refreshed twice a second by tqdm while its block runs, and leaves it with the time taken. It is
shown only when stderr is a terminal and the input is large (:data:`MIN_BYTES`): logs, CI, pipes
and notebooks (whose stderr is not a terminal) stay clean, and small files are not announced.
Without tqdm (it comes with the ``notebooks`` extra) the same line is written once at the start
and once at the end.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

#: Inputs smaller than this (bytes) are read without a progress line: they take a second or two.
MIN_BYTES = 16 * 1024 * 1024

#: Seconds between two refreshes of the elapsed time.
REFRESH_SECONDS = 0.5


def size_text(nbytes: int) -> str:
    """A file size for people: ``"3.2 MiB"``.

    Examples
    --------
    >>> size_text(512), size_text(3_355_443), size_text(5 * 1024 ** 3)
    ('512 B', '3.2 MiB', '5.0 GiB')
    """
    size = float(nbytes)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{int(size)} B" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def shows_progress(nbytes: int, stream: TextIO | None = None, min_bytes: int | None = None
                   ) -> bool:
    """True when a progress line is shown: ``stream`` (default stderr) is a terminal and the
    input holds at least ``min_bytes`` (default :data:`MIN_BYTES`).

    Examples
    --------
    >>> import io
    >>> shows_progress(10 ** 9, io.StringIO())   # not a terminal: never
    False
    """
    stream = sys.stderr if stream is None else stream
    min_bytes = MIN_BYTES if min_bytes is None else min_bytes
    isatty = getattr(stream, "isatty", None)
    try:
        return nbytes >= min_bytes and bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def file_size(path: str | os.PathLike) -> int:
    """The size of ``path`` in bytes, 0 when it cannot be read (the reader reports why)."""
    try:
        return Path(path).stat().st_size
    except OSError:
        return 0


@contextmanager
def status(text: str, nbytes: int, stream: TextIO | None = None,
           min_bytes: int | None = None) -> Iterator[None]:
    """Show ``text`` and the elapsed time on ``stream`` (default stderr) while the block runs.

    Nothing is shown unless :func:`shows_progress` (a terminal, at least ``min_bytes``). The
    line stays when the block ends, with the time it took; an exception in the block is not
    caught.

    Parameters
    ----------
    text : str
        What is being done, e.g. ``"validate: reading graduates.csv (180.2 MiB)"``.
    nbytes : int
        The size of the input, compared with ``min_bytes``.
    stream : file, optional
        Where the line goes (default ``sys.stderr``).
    min_bytes : int, optional
        Smaller inputs are not announced (default :data:`MIN_BYTES`).

    Examples
    --------
    >>> import io
    >>> class Terminal(io.StringIO):
    ...     def isatty(self):
    ...         return True
    >>> screen = Terminal()
    >>> with status("validate: checking the rules", 10, stream=screen, min_bytes=0):
    ...     pass
    >>> "validate: checking the rules" in screen.getvalue()
    True
    >>> with status("hidden", 10, stream=io.StringIO(), min_bytes=0):   # not a terminal
    ...     pass
    """
    stream = sys.stderr if stream is None else stream
    if not shows_progress(nbytes, stream, min_bytes):
        yield
        return
    try:
        from tqdm import tqdm
    except ImportError:  # without tqdm: the line at the start and at the end
        start = time.monotonic()
        print(f"{text} …", file=stream, flush=True)
        try:
            yield
        finally:
            print(f"{text}: {time.monotonic() - start:.1f} s", file=stream, flush=True)
        return
    bar = tqdm(total=None, desc=text, bar_format="{desc} {elapsed}", file=stream, leave=True,
               mininterval=REFRESH_SECONDS)
    stop = threading.Event()

    def refresh() -> None:  # tqdm redraws only when told: the clock ticks here
        while not stop.wait(REFRESH_SECONDS):
            bar.refresh()

    ticker = threading.Thread(target=refresh, name="talentlab-progress", daemon=True)
    ticker.start()
    try:
        yield
    finally:
        stop.set()
        ticker.join()
        bar.close()


@contextmanager
def reading(path: str | os.PathLike, action: str, stream: TextIO | None = None,
            min_bytes: int | None = None) -> Iterator[None]:
    """:func:`status` while the file ``path`` is read: ``"<action>: reading <name> (<size>)"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "graduates.csv"
    >>> _ = path.write_text("student_id\\n1\\n")
    >>> with reading(path, "validate"):   # a small file: no line
    ...     text = path.read_text()
    """
    nbytes = file_size(path)
    with status(f"{action}: reading {Path(path).name} ({size_text(nbytes)})", nbytes,
                stream=stream, min_bytes=min_bytes):
        yield
