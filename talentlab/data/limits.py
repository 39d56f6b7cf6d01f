"""The readers' input limits and safe file checks (输入限制).

Every reader refuses input beyond a documented limit (:data:`MAX_FILE_BYTES`, :data:`MAX_ROWS`,
:data:`MAX_COLUMNS`, :data:`MAX_CELL_CHARS`, :data:`MAX_CELLS` and the zip limits of a workbook;
the table is in :mod:`talentlab.data.readers`) with a :class:`LimitError` naming the file and the
limit, and reads a data file only when it is a regular file inside the folder named
(:func:`check_regular_file`). :func:`printable` escapes what a message quotes from the data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

#: Bytes in a mebibyte (the unit the limits are stated in).
MIB = 2**20
#: Largest CSV/TXT or workbook file read, in bytes.
MAX_FILE_BYTES = 256 * MIB
#: Most rows in one sheet or CSV/TXT file (Excel's own sheet height).
MAX_ROWS = 1_048_576
#: Most columns in one row (Excel's own sheet width, column ``XFD``).
MAX_COLUMNS = 16_384
#: Most characters in one cell (Excel's own limit).
MAX_CELL_CHARS = 32_767
#: Most cells in one workbook: the sum over its sheets of rows x columns counted from ``A1`` (the
#: grid the reader fills), and separately the cells its XML writes.
MAX_CELLS = 25_000_000
#: Most parts (zip entries) in a zip-based workbook.
MAX_ZIP_ENTRIES = 10_000
#: Largest part of a zip-based workbook, decompressed.
MAX_ZIP_ENTRY_BYTES = 1024 * MIB
#: All parts of a zip-based workbook together, decompressed.
MAX_ZIP_TOTAL_BYTES = 2048 * MIB
#: Largest shared-strings part (``xl/sharedStrings.xml``), decompressed.
MAX_SHARED_STRINGS_BYTES = 256 * MIB
#: Largest ``content.xml`` of an ``.ods`` file, decompressed.
MAX_ODS_CONTENT_BYTES = 256 * MIB
#: Most error cells (``#N/A``, ``#DIV/0!`` …) in one workbook (their texts are kept aside).
MAX_ERROR_CELLS = 1_048_576


class LimitError(ValueError):
    """An input beyond one of the documented limits (``MAX_*`` of this module)."""


def limit_error(label: str, what: str, what_zh: str, found: str, limit: str) -> LimitError:
    """The :class:`LimitError` naming ``label`` (file, sheet, row or cell), what was measured
    (in English and Chinese), what was found and the limit.

    Examples
    --------
    >>> print(limit_error("g.csv", "the number of rows", "行数", "2,000,000", "1,048,576"))
    g.csv: the number of rows (2,000,000) exceeds the limit of 1,048,576; talentlab does not read inputs this large / 行数（2,000,000）超过上限 1,048,576，不予读取
    """
    return LimitError(f"{label}: {what} ({found}) exceeds the limit of {limit}; talentlab does not "
                      f"read inputs this large / {what_zh}（{found}）超过上限 {limit}，不予读取")


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069"
                          "\ufeff\ufff9-\ufffb]")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` with control and invisible formatting characters escaped, for echoing data safely.

    A value quoted in a message must not move the terminal's cursor, change its colours, hide text
    (zero-width and bidirectional controls) or break the message into lines: each such character
    is shown as ``\\xNN`` or ``\\uNNNN``. Everything else, Chinese included, is kept.

    Examples
    --------
    >>> print(printable("S001\\x1b[31m"))
    S001\\x1b[31m
    >>> print(printable("line\\nbreak\\t和\\u202eevil"))
    line\\x0abreak\\x09和\\u202eevil
    >>> printable("合成数据示例院校")
    '合成数据示例院校'
    """
    text = str(text)
    return _UNPRINTABLE.sub(_escape_char, text) if _UNPRINTABLE.search(text) else text


def file_label(source) -> str:
    """The file a message names: its name made :func:`printable`, or ``<bytes>`` for data
    handed over as bytes.

    Examples
    --------
    >>> file_label("/data/export/去向\\x1b.csv"), file_label(b"a,b")
    ('去向\\\\x1b.csv', '<bytes>')
    """
    return printable(Path(source).name) if isinstance(source, (str, os.PathLike)) else "<bytes>"


def size_text(n: int) -> str:
    """A size in a message: MiB with one decimal from 1 MiB, else bytes.

    Examples
    --------
    >>> size_text(3 * MIB // 2), size_text(1234)
    ('1.5 MiB', '1,234 bytes')
    """
    return f"{n / MIB:,.1f} MiB" if n >= MIB else f"{n:,} bytes"


def check_file_size(path: str | os.PathLike) -> int:
    """The size of ``path`` in bytes, or a :class:`LimitError` beyond :data:`MAX_FILE_BYTES`.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "big.csv"
    >>> with open(p, "wb") as f:
    ...     _ = f.truncate(MAX_FILE_BYTES + 1)
    >>> check_file_size(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.limits.LimitError: big.csv: the file size (256.0 MiB) exceeds the limit of 256 MiB; ...
    """
    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        raise limit_error(file_label(path), "the file size", "文件大小", size_text(size),
                           f"{MAX_FILE_BYTES // MIB} MiB")
    return size


def check_link_inside(path: str | os.PathLike, folder: str | os.PathLike) -> None:
    """Refuse a symbolic link that leads nowhere or out of ``folder`` (a ``ValueError`` naming it).

    Nothing outside the folder a user names is read through a link in it: a link to ``/dev/zero``
    would be an endless file, a link elsewhere reads data the user did not put there.
    """
    path = Path(path)
    if not path.is_symlink():
        return
    try:
        target = path.resolve()
    except (OSError, RuntimeError):  # a loop of links
        raise ValueError(f"{path.name}: a symbolic link that loops back on itself / "
                         "符号链接循环指向自身") from None
    if not target.exists():
        raise ValueError(f"{path.name}: a symbolic link to {os.readlink(path)}, which does not "
                         "exist / 符号链接指向的文件不存在")
    if not target.is_relative_to(Path(folder).resolve()):
        raise ValueError(f"{path.name}: a symbolic link to a file outside the data folder "
                         f"({os.readlink(path)}); copy the file into the folder instead / "
                         "符号链接指向数据文件夹以外的文件，请将文件复制到文件夹中")


def check_regular_file(path: str | os.PathLike, folder: str | os.PathLike) -> Path:
    """``path`` if it may be read as a data file of ``folder``, else a ``ValueError`` naming it.

    The rules, shared by the loaders (:func:`talentlab.data.io.find_table_file`) and
    ``talentlab import``: a link must lead to an existing file inside ``folder``
    (:func:`check_link_inside`), and the file must be a regular file — a folder, a named pipe (FIFO),
    a device or a socket would fail, block the reader forever or never end.

    Examples
    --------
    >>> import os, tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> os.symlink("/dev/zero", d / "graduates.csv")
    >>> check_regular_file(d / "graduates.csv", d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: graduates.csv: a symbolic link to a file outside the data folder (/dev/zero); ...
    >>> os.mkfifo(d / "pipe.csv")
    >>> check_regular_file(d / "pipe.csv", d)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: pipe.csv: not a regular file (a folder, named pipe, device or socket) / ...
    """
    path = Path(path)
    check_link_inside(path, folder)
    if not path.is_file():
        raise ValueError(f"{path.name}: not a regular file (a folder, named pipe, device or "
                         "socket) / 不是普通文件（文件夹、命名管道、设备或套接字）")
    return path
