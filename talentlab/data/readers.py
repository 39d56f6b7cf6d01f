"""Reading a college's files as they come: encodings, delimiters, workbooks and missing markers.

Shared by :mod:`talentlab.data.io` (``validate``/``process``) and :mod:`talentlab.data.importer`
(``talentlab import``), so every loader detects encodings and reads cells the same way.

Encodings
    CSV/TXT exports from Chinese systems come as UTF-8 (with or without BOM), UTF-16 (Excel's
    "Unicode text") or GB18030 (GBK, what Chinese Excel writes by default). :func:`detect_encoding`
    accepts exactly these automatically: BOMs first, then strict UTF-8, then UTF-16 without BOM,
    then the maintained detector `charset-normalizer` on the first :data:`DETECT_SAMPLE_BYTES`
    plus a round-trip check of the whole file (the mixed-encoding and Big5 checks read the whole
    file too; the decode that verifies the encoding is the text :func:`decode_file` returns, so a
    file is decoded once). Big5 (traditional
    characters) also decodes as GB18030 without error but becomes mojibake, so a file the detector
    calls Big5 — or whose GB18030 reading is mostly outside the simplified GB2312 repertoire while it
    reads cleanly as Big5 — is refused with a message; ``explicit="big5"`` reads it deliberately.

Missing values
    One list, :data:`MISSING_VALUES`, the contract's ``missingValues`` of the record tables (empty,
    ``-``, ``—``, ``/``, ``无``, ``#N/A``, ``NA``, ``(跳过)`` …). ``无`` ("none") is always *missing*, never
    "no": a boolean written ``无`` is an unknown, not a ``False``.

Workbooks
    ``.xlsx``/``.xlsm``, ``.xls`` (Excel 97–2003) and ``.ods`` are read with python-calamine, which
    finds every cell whatever the sheet's ``<dimension>`` tag claims (streaming writers understate
    it; openpyxl's read-only mode trusted it and lost rows). Cells read as a person sees them
    (:func:`cell_text`): ``4`` not ``4.0``, ISO dates, ``true``/``false``, durations as Excel shows
    ``[h]:mm:ss``, error cells as their text (``#N/A``, ``#DIV/0!``). A formula without a calculated
    value (a file written by a program and never saved by Excel) is an error naming file, sheet,
    cell and formula; so is a NUL byte in a cell. A damaged workbook is an error naming the file.

Limits / 输入限制
    Every reader refuses, with a :class:`LimitError` naming the file and the limit, input beyond:

    ================================  ===================  ==========================================
    constant                          value                what
    ================================  ===================  ==========================================
    :data:`MAX_FILE_BYTES`            256 MiB              size of one CSV/TXT or workbook file
    :data:`MAX_ROWS`                  1,048,576            rows of one sheet or CSV file (Excel's own)
    :data:`MAX_COLUMNS`               16,384               columns of one row (Excel's own, ``XFD``)
    :data:`MAX_CELL_CHARS`            32,767               characters in one cell (Excel's own)
    :data:`MAX_CELLS`                 25,000,000           cells of a workbook: every sheet's rows x
                                                           columns from ``A1`` (the grid the reader
                                                           fills), and cells written in its XML
    :data:`MAX_ZIP_ENTRIES`           10,000               parts of a zip-based workbook
    :data:`MAX_ZIP_ENTRY_BYTES`       1 GiB                one part, decompressed
    :data:`MAX_ZIP_TOTAL_BYTES`       2 GiB                all parts, decompressed
    :data:`MAX_SHARED_STRINGS_BYTES`  256 MiB              ``xl/sharedStrings.xml``, decompressed
    :data:`MAX_ODS_CONTENT_BYTES`     256 MiB              an ``.ods`` file's ``content.xml``
    :data:`MAX_ERROR_CELLS`           1,048,576            error cells (``#N/A`` …) of a workbook
    ================================  ===================  ==========================================

    Decompressed sizes are measured by decompressing (the sizes a zip declares can lie), and a
    workbook's extent is measured from the cell references in its XML (or the records of an
    ``.xls``) before any grid is allocated, so a 5 KB file claiming ``A1:XFD1048576``, a zip bomb
    or one 400 MiB shared string is refused in seconds. Refusals run within 30 s and 1 GiB
    (``tests/test_readers_limits.py``). A workbook within the limits costs about 70 bytes per grid
    cell while python-calamine reads a sheet (a million rows of 20 columns: about 1.4 GiB, see
    ``benchmarks/README.md``), and its cell texts are shared between equal cells.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import html
import io as _io
import math
import os
import re
import struct
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from talentlab.data.schema import RECORD_TABLES, missing_values

#: Missing-value markers, as written by Chinese exports and questionnaire platforms (one list, the
#: contract's ``missingValues`` of the record tables; see ``data/raw/README.md``).
MISSING_VALUES: tuple[str, ...] = tuple(missing_values(RECORD_TABLES[0]))

#: Encodings accepted without being named (anything else needs ``explicit=``).
AUTO_ENCODINGS = ("utf-8-sig", "utf-16", "utf-32", "gb18030")
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}

TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")

_MiB = 2**20
#: Largest CSV/TXT or workbook file read, in bytes.
MAX_FILE_BYTES = 256 * _MiB
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
MAX_ZIP_ENTRY_BYTES = 1024 * _MiB
#: All parts of a zip-based workbook together, decompressed.
MAX_ZIP_TOTAL_BYTES = 2048 * _MiB
#: Largest shared-strings part (``xl/sharedStrings.xml``), decompressed.
MAX_SHARED_STRINGS_BYTES = 256 * _MiB
#: Largest ``content.xml`` of an ``.ods`` file, decompressed.
MAX_ODS_CONTENT_BYTES = 256 * _MiB
#: Most error cells (``#N/A``, ``#DIV/0!`` …) in one workbook (their texts are kept aside).
MAX_ERROR_CELLS = 1_048_576


class EncodingError(ValueError):
    """A text file whose encoding cannot be determined safely (or does not decode)."""


class LimitError(ValueError):
    """An input beyond one of the documented limits (``MAX_*`` of this module)."""


def _limit_error(label: str, what: str, what_zh: str, found: str, limit: str) -> LimitError:
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


def _label(source) -> str:
    return printable(Path(source).name) if isinstance(source, (str, os.PathLike)) else "<bytes>"


def _size_mib(n: int) -> str:
    return f"{n / _MiB:,.1f} MiB" if n >= _MiB else f"{n:,} bytes"


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
    talentlab.data.readers.LimitError: big.csv: the file size (256.0 MiB) exceeds the limit of 256 MiB; ...
    """
    size = Path(path).stat().st_size
    if size > MAX_FILE_BYTES:
        raise _limit_error(_label(path), "the file size", "文件大小", _size_mib(size),
                           f"{MAX_FILE_BYTES // _MiB} MiB")
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


def is_missing(text: str) -> bool:
    """True when a cell's text is one of the missing-value markers (after trimming spaces).

    Examples
    --------
    >>> is_missing(" - "), is_missing("无"), is_missing("0")
    (True, True, False)
    """
    t = unicodedata.normalize("NFKC", str(text)).strip()
    return t in _MISSING_NORMALISED


_MISSING_NORMALISED = {unicodedata.normalize("NFKC", m).strip() for m in MISSING_VALUES}


def _gb2312_share(text: str) -> float:
    cjk = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not cjk:
        return 1.0
    ok = 0
    for c in cjk:
        try:
            c.encode("gb2312")
            ok += 1
        except UnicodeEncodeError:
            pass
    return ok / len(cjk)


def _looks_utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nul = sample[0::2].count(0) / (len(sample) / 2)
    odd_nul = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


def _utf8_line_in_non_utf8(data: bytes) -> int | None:
    """The first line holding UTF-8 Chinese in a file that is not UTF-8 as a whole, else None.

    GB18030 decodes most UTF-8 bytes without error (as mojibake), so a file concatenated from a
    UTF-8 part and a GB18030 part can pass every whole-file check; its UTF-8 lines give it away.
    Only called on data that do not decode as UTF-8 as a whole.

    A line with two Chinese characters (U+4E00-U+9FFF) in valid UTF-8 holds two byte triples
    ``E4-E9 80-BF 80-BF``; only the lines that do are decoded (found with numpy over the whole
    file: decoding every line of a 100,000-line GB18030 file took a tenth of a second).
    """
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    if len(arr) < 6:  # too short for two triples after the first line: decode each line
        pieces = data.split(b"\n")
        return _utf8_line_decoded(pieces, range(len(pieces)))
    continuation = (arr & 0xC0) == 0x80
    triple = (arr[:-2] >= 0xE4) & (arr[:-2] <= 0xE9) & continuation[1:-1] & continuation[2:]
    at = np.flatnonzero(triple)
    if len(at) < 2:
        return None
    breaks = np.flatnonzero(arr == 0x0A)
    line_of = np.searchsorted(breaks, at)  # line index (from 0) of each triple
    lines, counts = np.unique(line_of, return_counts=True)
    candidates = lines[counts >= 2]
    if not len(candidates):
        return None
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(arr)]))
    pieces = (data[starts[i]:ends[i]] for i in candidates)
    return _utf8_line_decoded(pieces, candidates.tolist())


def _utf8_line_decoded(lines, numbers) -> int | None:
    """The line number (from 1) of the first of ``lines`` that decodes as UTF-8 with two or
    more Chinese characters; ``numbers`` are the lines' indexes (from 0)."""
    for i, line in zip(numbers, lines):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum("\u4e00" <= ch <= "\u9fff" for ch in decoded) >= 2:
            return int(i) + 1
    return None


def detect_encoding(source: str | os.PathLike | bytes, explicit: str | None = None) -> str:
    """The encoding of a text (CSV/TXT) file, or a clear error.

    Parameters
    ----------
    source : path or bytes
    explicit : str, optional
        An encoding the user names (``--encoding``); it must decode the whole file.

    Returns
    -------
    str
        A Python codec name: ``utf-8-sig``, ``utf-16``, ``utf-16-le``/``-be``, ``utf-32``,
        ``gb18030`` or ``explicit``.

    Raises
    ------
    EncodingError
        Naming the file, what was found and what to do (re-save as UTF-8 or pass ``--encoding``).

    Examples
    --------
    >>> detect_encoding("学号,专业\\n".encode("gb18030"))
    'gb18030'
    >>> detect_encoding("学号,专业\\n".encode("utf-16"))
    'utf-16'
    >>> detect_encoding("學號,專業,畢業去向,積體電路設計\\n".encode("big5"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.readers.EncodingError: <bytes>: looks like Big5 (traditional Chinese) ...

    A file whose lines are in two encodings (a UTF-8 part and a GB18030 part pasted together)
    is refused, naming the first UTF-8 line:

    >>> detect_encoding("学号\\n".encode("gb18030") + "软件技术\\n".encode())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.readers.EncodingError: <bytes>, line 2: the file mixes encodings ...
    """
    label = _label(source)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return _detect_and_decode(data, explicit, label)[0]


def _detect_and_decode(data: bytes, explicit: str | None, label: str) -> tuple[str, str]:
    """The encoding of ``data`` (as :func:`detect_encoding` decides it) and the text decoded with
    it: the decode that verifies the encoding is the one kept, so a file is decoded once."""
    if explicit:
        return _check_explicit(data, explicit, label)
    found = _unicode_encoding(data, label)
    if found is not None:
        return found
    return _gb18030_or_refuse(data, label)


def _check_explicit(data: bytes, explicit: str, label: str) -> tuple[str, str]:
    """``explicit`` and the text if it is a known codec that decodes the whole file, else the
    error."""
    try:
        codecs.lookup(explicit)
    except LookupError:
        raise EncodingError(f"{label}: unknown encoding {explicit!r}") from None
    try:
        text = data.decode(explicit)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{label}: does not decode as {explicit} (byte {exc.start}: "
            f"{data[exc.start:exc.start + 4]!r}); check --encoding") from None
    return explicit, text


def _unicode_encoding(data: bytes, label: str) -> tuple[str, str] | None:
    """A Unicode encoding (byte-order mark, UTF-16 without one, plain UTF-8) and the text, or
    ``None``."""
    if data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        enc = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        enc = None
    if enc is not None:
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"{label}: starts with a {enc} byte-order mark but does not "
                                f"decode as {enc} (byte {exc.start})") from None
    if b"\x00" in data[:4000]:
        enc = _looks_utf16_without_bom(data)
        if enc is None:
            raise EncodingError(f"{label}: contains NUL bytes: not a text (CSV) file")
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError:
            raise EncodingError(f"{label}: looks like UTF-16 without a byte-order mark but does "
                                "not decode; re-save it as UTF-8 CSV") from None
    try:
        return "utf-8-sig", data.decode("utf-8")
    except UnicodeDecodeError:
        return None


#: Bytes of a legacy-encoded file the detector (charset-normalizer) judges: the start of the
#: file, cut at a line break. The whole file is still decoded, round-tripped and searched for
#: UTF-8 lines; only the detector's guess (Big5 or another legacy encoding?) comes from the sample.
DETECT_SAMPLE_BYTES = 1 * _MiB


def _detector_sample(data: bytes) -> bytes:
    """The start of ``data`` the detector judges: at most :data:`DETECT_SAMPLE_BYTES`, ending
    at a line break (LF is never part of a GB18030 or Big5 character) when there is one."""
    if len(data) <= DETECT_SAMPLE_BYTES:
        return data
    cut = data.rfind(b"\n", 0, DETECT_SAMPLE_BYTES)
    return data[:cut + 1] if cut > 0 else data[:DETECT_SAMPLE_BYTES]


def _gb18030_or_refuse(data: bytes, label: str) -> tuple[str, str]:
    """``gb18030`` for a simplified-Chinese legacy file; refuses mixed encodings, Big5 and
    anything the detector names that GB18030 would turn into mojibake."""
    line = _utf8_line_in_non_utf8(data)
    if line is not None:
        raise EncodingError(
            f"{label}, line {line}: the file mixes encodings (this line is UTF-8 Chinese, "
            "other lines are not UTF-8): reading it as GB18030 would turn these lines into "
            "mojibake. Re-save the whole file in one encoding (UTF-8)")

    from charset_normalizer import from_bytes

    best = from_bytes(_detector_sample(data)).best()
    guess = best.encoding.lower().replace("_", "") if best is not None else None
    big5_clean = True
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        big5_clean = False
    refusal = (f"{label}: looks like Big5 (traditional Chinese) — reading it as GB18030 would "
               "store mojibake. Re-save the file as UTF-8, or pass --encoding big5 if Big5 is "
               "what it is")
    if guess in _BIG5_FAMILY:
        raise EncodingError(refusal)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{label}: cannot decode the file as UTF-8, UTF-16 or GB18030 (detector: "
            f"{guess or 'unknown'}; byte {exc.start}); re-save it as UTF-8 CSV or pass --encoding"
        ) from None
    if text.encode("gb18030") != data:  # round trip: GB18030 covers every byte it decoded
        raise EncodingError(f"{label}: GB18030 reading does not round-trip; pass --encoding")
    if big5_clean and _gb2312_share(text) < 0.8:
        raise EncodingError(refusal)
    if guess is not None and guess not in _GB_FAMILY and _gb2312_share(text) < 0.8:
        raise EncodingError(
            f"{label}: the detector says {guess}, not UTF-8, UTF-16 or GB18030; re-save it as "
            "UTF-8 CSV or pass --encoding")
    return "gb18030", text


def decode_file(path: str | os.PathLike, explicit: str | None = None) -> tuple[str, str]:
    """Text of a file and the encoding used (see :func:`detect_encoding`); a file beyond
    :data:`MAX_FILE_BYTES` is a :class:`LimitError`."""
    check_file_size(path)
    data = Path(path).read_bytes()
    try:
        enc, text = _detect_and_decode(data, explicit, "<bytes>")
    except EncodingError as exc:
        raise EncodingError(str(exc).replace("<bytes>", _label(path), 1)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc


#: Delimiters :func:`sniff_delimiter` chooses between, in the order that breaks ties.
DELIMITERS = (",", "\t", ";")
#: How many non-empty records :func:`sniff_delimiter` looks at.
SNIFF_RECORDS = 20


#: Characters of the text :func:`sniff_delimiter` parses first (cut at a line break); the whole
#: text only when the first records are not all complete within them.
_SNIFF_SAMPLE_CHARS = 64 * 1024


def _fields_per_record(text: str, delimiter: str) -> list[int]:
    """Number of fields of the first non-empty records, parsed with the csv module (so delimiters
    inside quoted fields do not count).

    The start of the text is parsed first; its counts stand when the :data:`SNIFF_RECORDS`-th
    record ended before the sample did (a record the reader returned with lines of the sample
    still unread ended at a line break outside quotes, exactly as in the whole text), else the
    whole text is parsed."""
    if len(text) > _SNIFF_SAMPLE_CHARS:
        cut = max(text.rfind("\n", 0, _SNIFF_SAMPLE_CHARS), text.rfind("\r", 0, _SNIFF_SAMPLE_CHARS))
        if cut > 0:
            lines = _io.StringIO(text[:cut + 1], newline="").readlines()
            consumed = 0

            def counted():
                nonlocal consumed
                for line in lines:
                    consumed += 1
                    yield line

            counts, complete = _count_fields(counted(), delimiter)
            if complete and consumed < len(lines):
                return counts
    return _count_fields(_io.StringIO(text, newline=""), delimiter)[0]


def _count_fields(lines, delimiter: str) -> tuple[list[int], bool]:
    """Fields per non-empty record of ``lines`` (up to :data:`SNIFF_RECORDS`) and whether that
    many were found."""
    counts: list[int] = []
    reader = csv.reader(lines, delimiter=delimiter)
    try:
        for row in reader:
            if any(c.strip() for c in row):
                counts.append(len(row))
                if len(counts) >= SNIFF_RECORDS:
                    return counts, True
    except csv.Error:  # e.g. a field beyond the csv module's size limit: judge what was read
        pass
    return counts, False


def sniff_delimiter(text: str) -> str:
    """``,``, tab or ``;``: the delimiter that splits the first records most consistently.

    Each candidate parses the first :data:`SNIFF_RECORDS` non-empty records with the csv module,
    so a delimiter inside a quoted field does not count. A candidate must split the records into
    two or more fields; the winner is the one whose most common number of fields is shared by the
    largest share of records, then the one with more fields (a ``;`` file with decimal commas
    ``3,5`` in every row), then comma before tab before semicolon.

    Examples
    --------
    >>> sniff_delimiter('id,note\\n1,"a; b; c"\\n2,"d; e"\\n')
    ','
    >>> sniff_delimiter("学号;满意度\\nG1;3,5\\nG2;4,0\\n")
    ';'
    >>> sniff_delimiter("学号\\tnote\\nG1\\ta, b\\n")
    '\\t'
    """
    best, best_key = ",", None
    for rank, d in enumerate(DELIMITERS):
        counts = _fields_per_record(text, d)
        if not counts:
            continue
        mode, n_mode = Counter(counts).most_common(1)[0]
        if mode < 2:
            continue
        key = (n_mode / len(counts), mode, -rank)
        if best_key is None or key > best_key:
            best, best_key = d, key
    return best


#: The csv module's own field limit while reading: fields up to it are parsed and then checked
#: against :data:`MAX_CELL_CHARS` with their column named; longer ones stop the parser at once.
_CSV_FIELD_LIMIT = 32 * MAX_CELL_CHARS


@contextlib.contextmanager
def _csv_cell_limit():
    """The csv module's field size limit set to ``_CSV_FIELD_LIMIT`` while reading (it is
    process-wide, so the previous value is restored)."""
    previous = csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _count_records(text: str, delimiter: str) -> int:
    """Number of CSV records in ``text`` (read without keeping them: bounded memory)."""
    n = 0
    with _csv_cell_limit(), contextlib.suppress(csv.Error):  # the real read reports it, at its row
        for _ in csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter):
            n += 1
    return n


def parse_csv(text: str, delimiter: str, label: str, strict: bool = False) -> list[list[str]]:
    """Rows of a decoded CSV/TXT text, within :data:`MAX_ROWS`, :data:`MAX_COLUMNS` and
    :data:`MAX_CELL_CHARS` (each a :class:`LimitError` naming the file and row).

    ``strict`` makes a stray quote an error (the contract loaders); the importer reads leniently.
    Row ``i`` of the result is record ``i + 1`` (a record with embedded line breaks is one row,
    as in a spreadsheet). A NUL byte in a cell is an error naming row and column.

    Examples
    --------
    >>> parse_csv('id,note\\nG1,"a, b"\\n', ",", "g.csv")
    [['id', 'note'], ['G1', 'a, b']]
    >>> parse_csv("id\\n" + "x" * (MAX_CELL_CHARS + 1) + "\\n", ",", "g.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.readers.LimitError: g.csv, row 2, column 1 ('id'): a cell (32,768 characters) exceeds ...
    """
    label = printable(label)
    # a cheap bound first: no more line breaks than the limit means no more records
    breaks = _LineBreaks(text.count("\n"), text.count("\r"), text.count("\r\n"))
    if breaks.lf + breaks.cr - breaks.crlf + 1 > MAX_ROWS:
        n = _count_records(text, delimiter)
        if n > MAX_ROWS:
            raise _limit_error(label, "the number of rows", "行数", f"{n:,}", f"{MAX_ROWS:,}")
    rows, longest_record = (_split_unquoted_rows(text, delimiter, label, breaks)
                            if '"' not in text else (None, len(text)))
    if rows is None:
        rows = _parse_with_csv_module(text, delimiter, label, strict)
    header = rows[0] if rows else []

    def column(j: int) -> str:
        name = printable(header[j].strip())[:60] if j < len(header) else ""
        return f"column {j + 1}" + (f" ('{name}')" if name else "")

    if "\x00" in text:
        i, j = next(((i, j) for i, row in enumerate(rows, start=1)
                     for j, c in enumerate(row) if "\x00" in c), (0, 0))
        raise ValueError(f"{label}, row {i}, {column(j)}: contains a NUL byte (binary data, not "
                         "text) / 含有 NUL 字节（二进制数据而非文本）")
    # else no cell can be longer (a cell is never longer than its record's line, which the
    # split measured); the rows' lengths are measured at C speed first
    if longest_record > MAX_CELL_CHARS and max(map(len, map("".join, rows)), default=0) > \
            MAX_CELL_CHARS:
        for i, row in enumerate(rows, start=1):
            if len("".join(row)) > MAX_CELL_CHARS:
                for j, c in enumerate(row):
                    if len(c) > MAX_CELL_CHARS:
                        raise _limit_error(f"{label}, row {i}, {column(j)}", "a cell",
                                           "单元格长度", f"{len(c):,} characters",
                                           f"{MAX_CELL_CHARS:,} characters")
    return rows


#: Line breaks ending a CSV record outside quotes, as the csv module reads them.
_RECORD_END = re.compile("\r\n|\r|\n")


@dataclass(frozen=True)
class _LineBreaks:
    """How many LF, CR and CRLF a text holds (counted once, used by the row limit and the split)."""

    lf: int
    cr: int
    crlf: int


def _record_lines(text: str, breaks: _LineBreaks | None = None) -> list[str]:
    """``text`` split at CR, LF and CRLF (:data:`_RECORD_END`); a text with one kind of line
    break only (LF, or CRLF throughout) is split by ``str.split``, four times as fast as the
    regular expression, with the same pieces."""
    if breaks is None:
        breaks = _LineBreaks(text.count("\n"), text.count("\r"), text.count("\r\n"))
    if not breaks.cr:
        return text.split("\n")
    if breaks.crlf == breaks.cr and breaks.crlf == breaks.lf:
        return text.split("\r\n")
    return _RECORD_END.split(text)


def _split_unquoted(text: str, delimiter: str, label: str) -> list[list[str]] | None:
    """The rows of a text without a quote character, split at C speed, exactly as the csv module
    reads it (a record per line, fields between delimiters, an empty line an empty row); or
    ``None`` when a line could hold a field beyond the csv module's limit (the module's parse
    then names its row)."""
    return _split_unquoted_rows(text, delimiter, label)[0]


def _split_unquoted_rows(text: str, delimiter: str, label: str,
                         breaks: _LineBreaks | None = None) -> tuple[list[list[str]] | None, int]:
    """``(rows as _split_unquoted gives them, the length of the longest line)``."""
    lines = _record_lines(text, breaks)
    if lines and not lines[-1]:
        lines.pop()  # the text ends with a line break: no record after it
    longest = max(map(len, lines), default=0)
    if longest > _CSV_FIELD_LIMIT:
        return None, longest
    # equal texts share one object, as in a workbook's grid: less memory, and the importer's
    # factorising of each column compares equal cells by identity
    share = {}.setdefault
    rows = [[share(cell, cell) for cell in line.split(delimiter)] if line else []
            for line in lines]
    if rows and max(map(len, rows)) > MAX_COLUMNS:
        i = next(i for i, row in enumerate(rows, start=1) if len(row) > MAX_COLUMNS)
        raise _limit_error(f"{label}, row {i}", "the number of columns", "列数",
                           f"{len(rows[i - 1]):,}", f"{MAX_COLUMNS:,}")
    return rows, longest


def _parse_with_csv_module(text: str, delimiter: str, label: str,
                           strict: bool) -> list[list[str]]:
    """The rows of ``text`` as the csv module parses them, within the column and cell limits."""
    rows: list[list[str]] = []
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter, strict=strict)
    with _csv_cell_limit():
        try:
            for row in reader:
                if len(row) > MAX_COLUMNS:
                    raise _limit_error(f"{label}, row {len(rows) + 1}", "the number of columns",
                                       "列数", f"{len(row):,}", f"{MAX_COLUMNS:,}")
                rows.append(row)
        except csv.Error as exc:
            where = f"{label}, row {len(rows) + 1}"
            if "field larger than field limit" in str(exc):
                raise _limit_error(where, "a cell", "单元格长度",
                                   f"more than {_CSV_FIELD_LIMIT:,} characters",
                                   f"{MAX_CELL_CHARS:,} characters") from None
            raise ValueError(f"{where}: the CSV cannot be parsed ({exc}); an unclosed quote or a "
                             "stray quote character? / CSV 无法解析（引号未闭合或多余的引号？）"
                             ) from None
    return rows


def read_text_grid(path: str | os.PathLike, encoding: str | None = None
                   ) -> tuple[list[list[str]], str, str]:
    """Rows of a CSV/TXT file as lists of cell texts, the encoding and the delimiter.

    Row ``i`` of the result is line ``i + 1`` a person sees (records with embedded line breaks
    count as one row, as in a spreadsheet). The limits of :func:`parse_csv` and
    :data:`MAX_FILE_BYTES` apply.
    """
    text, enc = decode_file(path, encoding)
    delim = sniff_delimiter(text)
    return parse_csv(text, delim, _label(path)), enc, delim


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees: ``4`` not ``4.0``, ISO dates, '' for empty.

    Examples
    --------
    >>> cell_text(4.0), cell_text(4.25), cell_text(None), cell_text(True)
    ('4', '4.25', '', 'true')
    >>> import datetime
    >>> cell_text(datetime.datetime(2020, 6, 30))
    '2020-06-30'
    >>> cell_text(datetime.timedelta(hours=30, minutes=5))  # a duration, as Excel shows [h]:mm:ss
    '30:05:00'
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, _dt.datetime):
        if value.time() == _dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (_dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, _dt.timedelta):
        return _duration_text(value)
    return str(value)


def _duration_text(value: _dt.timedelta) -> str:
    """A duration as Excel shows ``[h]:mm:ss`` (``30:05:00``), with a sign when negative."""
    micro = round(value / _dt.timedelta(microseconds=1))
    sign, micro = ("-", -micro) if micro < 0 else ("", micro)
    seconds, micro = divmod(micro, 1_000_000)
    minutes, sec = divmod(seconds, 60)
    hours, minute = divmod(minutes, 60)
    frac = f".{micro:06d}".rstrip("0") if micro else ""
    return f"{sign}{hours}:{minute:02d}:{sec:02d}{frac}"


# ---- workbooks --------------------------------------------------------------------------------
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Decompressed bytes handed to the sheet scanner at a time.
_CHUNK = 16 * _MiB
#: A piece of XML without any ``>`` longer than this is malformed (no tag is this long).
_MAX_TAG_BYTES = 64 * _MiB


def column_letters(index: int) -> str:
    """The spreadsheet name of 0-based column ``index``.

    Examples
    --------
    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _column_index(letters: bytes | str) -> int:
    """0-based index of column ``letters`` (case-insensitive, as Excel and calamine read them)."""
    index = 0
    for ch in (letters.decode("ascii") if isinstance(letters, bytes) else letters).upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def _cell_name(row0: int, col0: int) -> str:
    return f"{column_letters(col0)}{row0 + 1}"


@dataclass
class _SheetScan:
    """What one sheet's XML (or ``.xls`` records) holds, measured before the sheet is read."""

    name: str
    rows: int = 0  # height of the grid from A1: 1 + the largest 0-based row holding a cell
    columns: int = 0  # width of the grid from A1
    cells: int = 0  # cell elements (or records) written
    errors: dict = field(default_factory=dict)  # (row0, col0) -> error text such as "#N/A"
    uncalculated: list = field(default_factory=list)  # (cell name, formula text), the first few
    uncalculated_count: int = 0

    def grow(self, row0: int, col0: int) -> None:
        self.rows = max(self.rows, row0 + 1)
        self.columns = max(self.columns, col0 + 1)

    def error_cell(self, row0: int, col0: int, text: str, label: str) -> None:
        if len(self.errors) >= MAX_ERROR_CELLS and (row0, col0) not in self.errors:
            raise _limit_error(label, "the number of error cells (#N/A, #DIV/0! ...)",
                               "错误值单元格数", f"more than {MAX_ERROR_CELLS:,}",
                               f"{MAX_ERROR_CELLS:,}")
        self.errors[(row0, col0)] = text

    def formula_without_value(self, row0: int, col0: int, formula: str) -> None:
        self.uncalculated_count += 1
        if len(self.uncalculated) < 10:
            self.uncalculated.append((_cell_name(row0, col0), formula))


def _greater_letters(count: int) -> bytes:
    """A regex for column letters naming a column beyond the first ``count`` (any case)."""
    if count <= 0:
        return rb"[A-Za-z]+"
    letters = column_letters(count - 1)
    alternatives = [rb"[A-Za-z]{%d,}" % (len(letters) + 1)]
    for i, ch in enumerate(letters):
        prefix = b"".join(b"[%s%s]" % (c.encode(), c.lower().encode()) for c in letters[:i])
        if ch != "Z":
            nxt = chr(ord(ch) + 1)
            higher = b"[%s-Z%s-z]" % (nxt.encode(), nxt.lower().encode())
            rest = rb"[A-Za-z]{%d}" % (len(letters) - i - 1)
            alternatives.append(prefix + higher + rest)
    return b"(?:" + b"|".join(alternatives) + b")"


def _greater_number(number: int) -> bytes:
    """A regex for decimal numbers greater than ``number`` (leading zeros count as digits, which
    can only overstate: safe for a bound)."""
    if number <= 0:
        return rb"[0-9]+"
    digits = str(number)
    alternatives = [rb"[0-9]{%d,}" % (len(digits) + 1)]
    for i, d in enumerate(digits):
        if d != "9":
            alternatives.append(digits[:i].encode() + b"[%d-9]" % (int(d) + 1)
                                + rb"[0-9]{%d}" % (len(digits) - i - 1))
    return b"(?:" + b"|".join(alternatives) + b")"


#: An ``&`` that starts no XML entity: calamine drops such a value silently (a cell read empty).
_BAD_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")


def _check_entities(buf: bytes, label: str) -> None:
    bad = _BAD_ENTITY.search(buf)
    if bad is not None:
        snippet = printable(buf[bad.start():bad.start() + 20].decode("utf-8", "replace"))
        raise ValueError(f"{label}: the workbook is damaged: malformed XML ({snippet!r} is not an "
                         "XML entity), a value would be lost; open it in Excel and save it again "
                         "/ 工作簿已损坏：XML 格式错误，将丢失数据；请用 Excel 打开后重新保存")


class _EntityChecker:
    """Checks a part (the shared strings) for ampersands that start no entity, piece by piece
    (cut after a ``>``, so no entity is split)."""

    def __init__(self, label: str):
        self.label, self.tail = label, b""

    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self.tail + data
        cut = len(buf) if final else buf.rfind(b">") + 1
        if cut <= 0 and len(buf) > _MAX_TAG_BYTES:
            cut = len(buf) - 16  # a huge text: keep only what could be an entity's start
        buf, self.tail = buf[:cut], buf[cut:]
        _check_entities(buf, self.label)


_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")
_ROW_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([0-9]+)["']""")
_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*["']([A-Za-z]+)["']""")


class _XlsxSheetScanner:
    """Measures one worksheet's XML as it is decompressed, in bounded memory.

    Fast path (every cell element written ``<c r="...``, as Excel and the common writers do): the
    extent is the largest column and row named by a cell that may hold a value (self-closing
    cells are empty and calamine skips them), found by searching for a reference beyond the
    current maximum, so the XML is passed over once at C speed. Otherwise (cells without a
    reference, placed one after another as calamine places them) every tag is followed.
    Formulas (``<f>``) and error cells (``t="e"``) are rare: each is looked at.
    """

    def __init__(self, scan: _SheetScan, label: str, slow: bool = False):
        self.scan, self.label, self.slow = scan, label, slow
        self.prefix: bytes | None = None  # namespace prefix of the sheet's elements (b"" or b"x:")
        self.in_data = False  # inside <sheetData>
        self.done = False
        self.tail = b""
        self.unreferenced = 0  # cell elements not starting with r="..."
        self.row0, self.col0 = -1, 0  # the slow path's position (calamine's rule)
        self._pattern: re.Pattern | None = None

    # -- feeding ------------------------------------------------------------------------------
    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self.tail + data
        if self.done:
            self.tail = b""
            return
        if not final:
            cut = buf.rfind(b"</" + (self.prefix or b"") + b"c>") if self.prefix is not None \
                else -1
            cut = cut + 4 + len(self.prefix or b"") if cut >= 0 else buf.rfind(b">") + 1
            if cut <= 0:
                if len(buf) > _MAX_TAG_BYTES:
                    raise ValueError(f"{self.label}: malformed sheet XML (no tag ends within "
                                     f"{_MAX_TAG_BYTES // _MiB} MiB) / 工作表 XML 格式错误")
                self.tail = buf
                return
            buf, self.tail = buf[:cut], buf[cut:]
        else:
            self.tail = b""
        self._scan(buf)

    def _scan(self, buf: bytes) -> None:
        if not self.in_data:
            m = re.search(rb"<([A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>", buf)
            if m is None:
                return
            self.prefix = m.group(1) or b""
            if m.group(2):  # <sheetData/>: no cells
                self.done = True
                return
            self.in_data = True
            buf = buf[m.end():]
        end = buf.find(b"</" + self.prefix + b"sheetData>")
        if end >= 0:
            buf, self.done = buf[:end], True
        _check_entities(buf, self.label)
        p = self.prefix
        cells = buf.count(b"<" + p + b"c")  # also <color>, <charset> of rich text: overstates
        self.scan.cells += cells
        if self.slow:
            self._follow_tags(buf)
        else:
            self.unreferenced += cells - buf.count(b"<" + p + b'c r="')
            self._extent(buf)
            self._special_cells(buf)

    # -- fast path ----------------------------------------------------------------------------
    def _extent(self, buf: bytes) -> None:
        p = self.prefix
        last = buf.rfind(b"<" + p + b'c r="')
        if last >= 0:
            m = re.match(rb'<' + re.escape(p) + rb'c r="[A-Za-z]+([0-9]+)"', buf[last:last + 40])
            if m:  # the last cell's row: the largest in a file written in order
                self.scan.rows = max(self.scan.rows, int(m.group(1)))
        pos = 0
        while True:
            if self._pattern is None:
                self._pattern = re.compile(
                    rb"<" + re.escape(p) + rb'c r="(?:' + _greater_letters(self.scan.columns)
                    + rb"[0-9]+|[A-Za-z]+" + _greater_number(self.scan.rows)
                    + rb')"[^>]*(?<!/)>')
            m = self._pattern.search(buf, pos)
            if m is None:
                return
            ref = re.match(rb'<(?:[\w.-]+:)?c r="([A-Za-z]+)([0-9]+)"', m.group())
            self.scan.grow(int(ref.group(2)) - 1, _column_index(ref.group(1)))
            self._pattern = None
            pos = m.start() + 1

    def _cell_around(self, buf: bytes, hit: int) -> tuple[int, int]:
        """Start and end of the cell element holding position ``hit``."""
        p = self.prefix
        start = hit
        while True:
            start = buf.rfind(b"<" + p + b"c", 0, start)
            if start < 0 or buf[start + 2 + len(p):start + 3 + len(p)] in (b" ", b">", b"\t",
                                                                            b"\n", b"\r", b"/"):
                break
        end = buf.find(b"</" + p + b"c>", hit)
        return max(start, 0), (len(buf) if end < 0 else end)

    def _special_cells(self, buf: bytes) -> None:
        p = self.prefix
        seen = set()
        for needle in (b"<" + p + b"f", b't="e"', b"t='e'"):
            pos = buf.find(needle)
            while pos >= 0:
                if needle[-1:] == b"f" and buf[pos + len(needle):pos + len(needle) + 1] not in (
                        b" ", b">", b"/", b"\t", b"\n", b"\r"):
                    pos = buf.find(needle, pos + 1)
                    continue
                start, end = self._cell_around(buf, pos)
                if start not in seen:
                    seen.add(start)
                    tag_end = buf.find(b">", start)
                    ref = _REF.search(buf, start + 2, tag_end)
                    if ref is None:
                        self.unreferenced += 1  # placed by order: the slow path finds it
                    else:
                        row0, col0 = int(ref.group(2)) - 1, _column_index(ref.group(1))
                        self._inspect_cell(buf[start:tag_end + 1], buf[tag_end + 1:end],
                                           row0, col0)
                pos = buf.find(needle, max(end, pos + 1))

    # -- slow path ----------------------------------------------------------------------------
    def _follow_tags(self, buf: bytes) -> None:
        p = re.escape(self.prefix)
        for m in re.finditer(rb"<" + p + rb"(row|c)(?=[\s/>])([^>]*?)(/?)>", buf):
            attrs = m.group(2)
            if m.group(1) == b"row":
                ref = _ROW_REF.search(attrs)
                self.row0 = int(ref.group(1)) - 1 if ref else self.row0 + 1
                self.col0 = 0
                continue
            ref = _REF.search(attrs)
            if ref:
                row0, col0 = int(ref.group(2)) - 1, _column_index(ref.group(1))
            else:
                row0, col0 = max(self.row0, 0), self.col0
            self.col0 = col0 + 1
            if m.group(3):  # self-closing: no value
                continue
            self.scan.grow(row0, col0)
            end = buf.find(b"</" + self.prefix + b"c>", m.end())
            content = buf[m.end():len(buf) if end < 0 else end]
            kind = _TYPE.search(attrs)
            if b"<" + self.prefix + b"f" in content or (kind is not None and kind.group(1) == b"e"):
                self._inspect_cell(m.group(), content, row0, col0)

    # -- one formula or error cell ------------------------------------------------------------
    def _inspect_cell(self, tag: bytes, content: bytes, row0: int, col0: int) -> None:
        p = re.escape(self.prefix)
        kind = _TYPE.search(tag)
        kind = kind.group(1) if kind else b"n"
        value = re.search(rb"<" + p + rb"v(?:\s[^>]*)?>([^<]*)</" + p + rb"v>", content)
        value_text = html.unescape(value.group(1).decode("utf-8", "replace")) if value else ""
        if kind == b"e" and value_text:
            self.scan.error_cell(row0, col0, value_text, self.label)
        formula = re.search(rb"<" + p + rb"f(?:\s[^>]*)?(?:/>|>([^<]*)</" + p + rb"f>)", content)
        if formula is None:
            return
        calculated = value is not None and (value_text != "" or kind == b"str")
        if not calculated:
            text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
            self.scan.formula_without_value(row0, col0,
                                            "=" + text if text else "(shared formula)")


def _zip_entry_count(path: Path, label: str) -> int:
    """The number of entries a zip declares in its end record, read before zipfile parses the
    central directory (which costs memory per entry)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ValueError(f"{label}: the workbook is damaged: not a complete zip archive (cut off "
                         "during a download or copy?) / 工作簿已损坏：不是完整的 zip 文件（下载或复制"
                         "时被截断？）")
    entries, cd_size = struct.unpack_from("<HL", tail, at + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the count is in the zip64 record
        loc = tail.rfind(b"PK\x06\x07", 0, at)
        if loc >= 0:
            (offset,) = struct.unpack_from("<Q", tail, loc + 8)
            with open(path, "rb") as f:
                f.seek(offset)
                rec = f.read(56)
            if rec[:4] == b"PK\x06\x06" and len(rec) == 56:
                entries = struct.unpack_from("<Q", rec, 32)[0]
    return entries


_WORKBOOK_SHEET = re.compile(r"""<(?:[\w.-]+:)?sheet\b[^>]*>""")


def _xlsx_sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from ``xl/workbook.xml`` and its relationships (parts not
    named there keep their part name)."""
    names: dict[str, str] = {}
    try:
        book = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return names
    targets = {}
    for m in re.finditer(r"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels):
        rid = re.search(r"""\bId\s*=\s*["']([^"']*)["']""", m.group())
        target = re.search(r"""\bTarget\s*=\s*["']([^"']*)["']""", m.group())
        if rid and target:
            t = html.unescape(target.group(1))
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    for m in _WORKBOOK_SHEET.finditer(book):
        name = re.search(r"""\bname\s*=\s*["']([^"']*)["']""", m.group())
        rid = re.search(r"""\br:id\s*=\s*["']([^"']*)["']""", m.group()) or \
            re.search(r"""\b[\w.-]+:id\s*=\s*["']([^"']*)["']""", m.group())
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = html.unescape(name.group(1))
    return names


def _damaged(label: str, exc: BaseException) -> ValueError:
    detail = printable(str(exc))[:200] or type(exc).__name__
    return ValueError(f"{label}: the workbook is damaged and cannot be read ({detail}); open it "
                      "in Excel and save it again / 工作簿已损坏，无法读取；请用 Excel 打开后重新保存")


def _scan_zip_workbook(path: Path, label: str, suffix: str) -> dict[str, _SheetScan]:
    """Decompress every part of a zip-based workbook under the limits and measure its sheets.

    Returns sheet name -> scan for ``.xlsx``/``.xlsm`` (worksheets) and ``.ods`` (tables).
    """
    entries = _zip_entry_count(path, label)
    if entries > MAX_ZIP_ENTRIES:
        raise _limit_error(label, "the number of parts in the zip", "zip 内文件数",
                           f"{entries:,}", f"{MAX_ZIP_ENTRIES:,}")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise _limit_error(label, "the number of parts in the zip", "zip 内文件数",
                                   f"{len(infos):,}", f"{MAX_ZIP_ENTRIES:,}")
            is_ods = suffix == ".ods"
            parts = {} if is_ods else _xlsx_sheet_parts(z)
            return _scan_zip_parts(z, infos, parts, label, is_ods)
    except (LimitError, ValueError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            RuntimeError, struct.error) as exc:
        raise _damaged(label, exc) from None
    except Exception as exc:  # zlib.error and the like: a damaged archive
        raise _damaged(label, exc) from None


def _part_cap(name: str, is_ods: bool) -> tuple[int, str, str]:
    if not is_ods and name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_BYTES, "the shared strings (xl/sharedStrings.xml)", "共享字符串"
    if is_ods and name == "content.xml":
        return MAX_ODS_CONTENT_BYTES, "content.xml", "content.xml"
    return MAX_ZIP_ENTRY_BYTES, f"the part {printable(name)[:100]}", f"zip 内文件 {name[:100]}"


def _scan_zip_parts(z: zipfile.ZipFile, infos, parts: dict[str, str], label: str,
                    is_ods: bool) -> dict[str, _SheetScan]:
    scans: dict[str, _SheetScan] = {}
    total = 0
    for info in infos:
        cap, what, what_zh = _part_cap(info.filename, is_ods)
        if info.file_size > cap:  # a declared size beyond the cap is refused without reading
            raise _limit_error(label, f"{what}, decompressed,", f"{what_zh}解压后大小",
                               _size_mib(info.file_size), f"{cap // _MiB} MiB")
        is_sheet = (not is_ods and info.filename.startswith("xl/worksheets/")
                    and info.filename.endswith(".xml")) or info.filename in parts
        if is_ods and info.filename == "content.xml":
            consumer = _OdsScanner(scans, label)
        elif not is_ods and info.filename == "xl/sharedStrings.xml":
            consumer = _EntityChecker(f"{label} (xl/sharedStrings.xml)")
        elif is_sheet:
            name = parts.get(info.filename, info.filename)
            scan = scans[name] = _SheetScan(name)
            consumer = _XlsxSheetScanner(scan, f"{label} [sheet '{printable(name)}']")
        else:
            consumer = None
        size = 0
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                size += len(chunk)
                total += len(chunk)
                if size > cap:
                    raise _limit_error(label, f"{what}, decompressed,", f"{what_zh}解压后大小",
                                       f"more than {cap // _MiB} MiB", f"{cap // _MiB} MiB")
                if total > MAX_ZIP_TOTAL_BYTES:
                    raise _limit_error(label, "the workbook, decompressed,", "工作簿解压后大小",
                                       f"more than {MAX_ZIP_TOTAL_BYTES // _MiB} MiB",
                                       f"{MAX_ZIP_TOTAL_BYTES // _MiB} MiB")
                if consumer is not None:
                    consumer.feed(chunk)
        if consumer is not None:
            consumer.feed(b"", final=True)
            if isinstance(consumer, _XlsxSheetScanner) and consumer.unreferenced > 0:
                # cells placed by order, not by reference: follow every tag (a second pass)
                scan = scans[name] = _SheetScan(name)
                slow = _XlsxSheetScanner(scan, consumer.label, slow=True)
                with z.open(info) as f:
                    while chunk := f.read(_CHUNK):
                        slow.feed(chunk)
                slow.feed(b"", final=True)
    return scans


class _OdsScanner:
    """Measures the tables of an ``.ods`` ``content.xml``: rows and cells with their repeat
    counts (``table:number-rows-repeated`` …), error cells and formulas without a value."""

    _TAG = re.compile(rb"<(/?)([\w.-]+):(table|table-row|table-cell|covered-table-cell)"
                      rb"(?=[\s/>])([^>]*?)(/?)>")

    def __init__(self, scans: dict[str, _SheetScan], label: str):
        self.scans, self.label = scans, label
        self.tail = b""
        self.scan: _SheetScan | None = None
        self.row0 = 0  # next row position
        self.row_repeat = 1
        self.col0 = 0
        self.cell: tuple | None = None  # (row0, col0, attrs, repeat) of the open cell
        self.cell_buf = b""

    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self.tail + data
        cut = len(buf) if final else buf.rfind(b">") + 1
        if cut <= 0 and len(buf) > _MAX_TAG_BYTES:
            raise ValueError(f"{self.label}: malformed content.xml / content.xml 格式错误")
        buf, self.tail = buf[:cut], buf[cut:]
        pos = 0
        for m in self._TAG.finditer(buf):
            if self.cell is not None:
                self.cell_buf += buf[pos:m.start()]
            pos = m.end()
            self._tag(m)
        if self.cell is not None:
            self.cell_buf += buf[pos:]
            if len(self.cell_buf) > _MAX_TAG_BYTES:
                raise ValueError(f"{self.label}: malformed content.xml (a cell of more than "
                                 f"{_MAX_TAG_BYTES // _MiB} MiB) / content.xml 格式错误")

    @staticmethod
    def _attr(attrs: bytes, name: bytes) -> bytes | None:
        m = re.search(rb"(?:^|\s)[\w.-]+:" + name + rb"""\s*=\s*["']([^"']*)["']""", attrs)
        return m.group(1) if m else None

    def _tag(self, m: re.Match) -> None:
        closing, element, attrs, selfclose = m.group(1), m.group(3), m.group(4), m.group(5)
        if element == b"table":
            if not closing:
                name = html.unescape((self._attr(attrs, b"name") or b"").decode("utf-8",
                                                                               "replace"))
                self.scan = self.scans.setdefault(name, _SheetScan(name))
                self.row0 = 0
            return
        if self.scan is None:
            return
        if element == b"table-row":
            if closing:
                self.row0 += self.row_repeat
            else:
                self.row_repeat = int(self._attr(attrs, b"number-rows-repeated") or 1)
                self.col0 = 0
                if selfclose:
                    self.row0 += self.row_repeat
            return
        if closing:  # </table:table-cell>
            if self.cell is not None:
                self._finish_cell(*self.cell, self.cell_buf)
                self.cell, self.cell_buf = None, b""
            return
        repeat = int(self._attr(attrs, b"number-columns-repeated") or 1)
        self.scan.cells += 1
        if selfclose:
            self._finish_cell(self.row0, self.col0, attrs, repeat, b"")
        else:
            self.cell, self.cell_buf = (self.row0, self.col0, attrs, repeat), b""
        self.col0 += repeat

    def _finish_cell(self, row0: int, col0: int, attrs: bytes, repeat: int,
                     content: bytes) -> None:
        value_type = self._attr(attrs, b"value-type")
        valued = value_type is not None or b":p" in content
        formula = self._attr(attrs, b"formula")
        if formula is not None and not valued:
            self.scan.formula_without_value(row0, col0,
                                            html.unescape(formula.decode("utf-8", "replace")))
        if not valued:
            return
        self.scan.grow(row0 + self.row_repeat - 1, col0 + repeat - 1)
        if value_type == b"error" or re.search(rb"""value-type\s*=\s*["']error""", attrs):
            text = html.unescape(re.sub(rb"<[^>]*>", b"", content).decode("utf-8", "replace"))
            for r in range(row0, row0 + min(self.row_repeat, MAX_ROWS + 1)):
                for c in range(col0, col0 + min(repeat, MAX_COLUMNS + 1)):
                    self.scan.error_cell(r, c, text.strip() or "#VALUE!", self.label)


# .xls (BIFF): the records holding a cell start with its row and column (two 16-bit numbers)
_BIFF_VALUE_RECORDS = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406}
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
                0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _biff_sheet_name(data: bytes, number: int) -> str:
    """The sheet name of a BOUNDSHEET record: BIFF8 writes length, flags, then Latin-1 or UTF-16
    text; BIFF5 length and 8-bit text."""
    count = data[0] if data else 0
    if len(data) == 1 + count:
        return data[1:].decode("latin-1") or f"#{number}"
    flags = data[1] if len(data) > 1 else 0
    text = data[2:2 + count * 2] if flags & 1 else data[2:2 + count]
    return text.decode("utf-16-le" if flags & 1 else "latin-1", "replace") or f"#{number}"


def _scan_xls(path: Path, label: str) -> list[_SheetScan]:
    """Measure the sheets of an ``.xls`` from its records (cell positions and error cells), in
    the order of its sheet list, before any grid is allocated."""
    from xlrd.compdoc import CompDoc, CompDocError

    try:
        doc = CompDoc(path.read_bytes(), logfile=_io.StringIO())
        stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except (CompDocError, Exception) as exc:  # xlrd raises several types for broken files
        raise _damaged(label, exc) from None
    if not stream:
        raise ValueError(f"{label}: an OLE file without a workbook stream (a password-protected "
                         "or non-Excel file?) / 不是 Excel 工作簿（或已加密）")
    sheet_offsets: list[int] = []
    by_offset: dict[int, _SheetScan] = {}
    scan: _SheetScan | None = None
    pos, end = 0, len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, length = unpack("<HH", stream, pos)
        data_at = pos + 4
        if rtype in (0x0809, 0x0409, 0x0209, 0x0009):  # BOF: a sheet's records start here
            scan = by_offset.get(pos)
        elif rtype == 0x0085 and length >= 8:  # BOUNDSHEET: a sheet's name and BOF offset
            sheet_offsets.append(unpack("<L", stream, data_at)[0])
            by_offset[sheet_offsets[-1]] = _SheetScan(
                _biff_sheet_name(stream[data_at + 6:data_at + length], len(sheet_offsets)))
        elif scan is not None and length >= 4:
            if rtype in _BIFF_VALUE_RECORDS:
                row0, col0 = unpack("<HH", stream, data_at)
                scan.cells += 1
                scan.grow(row0, col0)
                if rtype == 0x0205 and length >= 8 and stream[data_at + 7] == 1:
                    scan.error_cell(row0, col0, _BIFF_ERRORS.get(stream[data_at + 6], "#N/A"),
                                    label)
                elif (rtype == 0x0006 and length >= 14 and stream[data_at + 6] == 2
                      and stream[data_at + 12:data_at + 14] == b"\xff\xff"):
                    scan.error_cell(row0, col0, _BIFF_ERRORS.get(stream[data_at + 8], "#N/A"),
                                    label)
            elif rtype == 0x00BD and length >= 6:  # MULRK: several numbers in one row
                row0, first = unpack("<HH", stream, data_at)
                (last,) = unpack("<H", stream, data_at + length - 2)
                scan.cells += max(0, last - first + 1)
                scan.grow(row0, max(first, last))
        pos = data_at + length
    return [by_offset[o] for o in sheet_offsets]


def _check_extent(scans: list[_SheetScan], label: str) -> None:
    """Refuse sheets beyond :data:`MAX_ROWS`/:data:`MAX_COLUMNS` and workbooks beyond
    :data:`MAX_CELLS`, before anything is allocated for them."""
    grid = written = 0
    for scan in scans:
        where = f"{label} [sheet '{printable(scan.name)}']"
        if scan.rows > MAX_ROWS:
            raise _limit_error(where, "the number of rows", "行数", f"{scan.rows:,}",
                               f"{MAX_ROWS:,}")
        if scan.columns > MAX_COLUMNS:
            raise _limit_error(where, "the number of columns", "列数", f"{scan.columns:,}",
                               f"{MAX_COLUMNS:,}")
        grid += scan.rows * scan.columns
        written += scan.cells
    if grid > MAX_CELLS:
        raise _limit_error(label, "the number of cells (rows x columns from A1, all sheets)",
                           "单元格数（各工作表自 A1 起的行数×列数之和）", f"{grid:,}",
                           f"{MAX_CELLS:,}")
    if written > MAX_CELLS:
        raise _limit_error(label, "the number of cells written in the file", "文件中写入的单元格数",
                           f"{written:,}", f"{MAX_CELLS:,}")


def _check_formulas(scans: list[_SheetScan], label: str) -> None:
    for scan in scans:
        if scan.uncalculated:
            cell, formula = scan.uncalculated[0]
            more = (f" (and {scan.uncalculated_count - 1:,} more)"
                    if scan.uncalculated_count > 1 else "")
            raise ValueError(
                f"{label} [sheet '{printable(scan.name)}'], cell {cell}: a formula "
                f"({printable(formula)[:60]}) without a calculated value{more}: the file was "
                "written by a program and never saved by Excel, so the value is unknown; open "
                "and save it in Excel, or type the values / 公式没有计算结果（文件由程序生成且未经 "
                "Excel 保存），其值未知；请在 Excel 中打开并保存，或直接填写数值")


def _workbook_kind(path: Path, label: str) -> str:
    """``"zip"`` or ``"ole"``: what the file is, checked against its suffix."""
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(8)
    is_zip, is_ole = head.startswith(_ZIP_MAGIC), head.startswith(_OLE_MAGIC)
    if suffix in (".xlsx", ".xlsm", ".ods") and not is_zip:
        if not head:
            raise ValueError(f"{label}: the file is empty (0 bytes) / 文件为空")
        kind = "an old .xls workbook (or a password-protected one)" if is_ole else \
            "not an OpenDocument spreadsheet" if suffix == ".ods" else "not an Excel workbook"
        raise ValueError(f"{label}: the file is {kind} despite its {suffix} suffix; open it in "
                         "Excel and save it as .xlsx (or rename it .xls) / 文件内容与扩展名不符")
    if suffix == ".xls" and not is_ole:
        kind = "an .xlsx workbook" if is_zip else "not an Excel workbook"
        raise ValueError(f"{label}: the file is {kind} despite its .xls suffix / 文件内容与扩展名不符")
    return "zip" if is_zip else "ole"


class _CellTexts:
    """Calamine values to cell texts for one workbook: equal texts share one object (memory),
    and each distinct number is converted once (most cells of an export repeat a few values)."""

    def __init__(self):
        self.shared: dict[str, str] = {"": ""}
        # keyed by float only: 1.0, 1 and True are equal keys but read "1", "1" and "true"
        self.float_texts: dict[float, str] = {}

    def _other(self, value: object) -> str:
        if type(value) is float:
            text = self.float_texts.get(value)
            if text is None:
                # cell_text's rule for a whole number, without its type tests (row numbers and
                # ids are distinct floats); NaN and infinities are not whole and go to cell_text
                text = (str(int(value)) if value.is_integer() and -1e15 < value < 1e15
                        else cell_text(value))
                if value == value:  # NaN never finds itself in a dict: not kept
                    self.float_texts[value] = text
            return text
        text = cell_text(value)
        return self.shared.setdefault(text, text)

    def row(self, row: list, pad: list[str]) -> list[str]:
        """One row of calamine values as cell texts, after ``pad`` (columns left of the first)."""
        share, other = self.shared.setdefault, self._other
        texts = [share(v, v) if type(v) is str else other(v) for v in row]
        return pad + texts if pad else texts


def _check_row(texts: list[str], where: str, row0: int) -> None:
    joined = "".join(texts)
    if "\x00" in joined:
        col0 = next(j for j, t in enumerate(texts) if "\x00" in t)
        raise ValueError(f"{where}, row {row0 + 1}, column {column_letters(col0)} (cell "
                         f"{_cell_name(row0, col0)}): contains a NUL byte (binary data, not text) "
                         "/ 含有 NUL 字节（二进制数据而非文本）")
    if len(joined) > MAX_CELL_CHARS:
        for j, t in enumerate(texts):
            if len(t) > MAX_CELL_CHARS:
                raise _limit_error(f"{where}, cell {_cell_name(row0, j)}", "a cell", "单元格长度",
                                   f"{len(t):,} characters", f"{MAX_CELL_CHARS:,} characters")


def read_workbook(path: str | os.PathLike) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of a workbook as ``(sheet name, rows of cell texts)``, in tab order.

    ``.xlsx``/``.xlsm``, ``.xls`` and ``.ods`` are read with python-calamine, whatever the
    sheet's ``<dimension>`` tag claims. Row ``i`` of a sheet is its spreadsheet row ``i + 1`` and
    column ``j`` its column ``j + 1`` (from ``A1``); cells read as :func:`cell_text` shows them,
    error cells as their text (``#N/A``). Merged cells keep their value in the top-left cell only,
    as Excel stores them; chart sheets are left out.

    Raises
    ------
    LimitError
        Beyond a limit of this module (file size, zip parts and decompressed sizes, rows, columns,
        cells, cell length), measured before the sheet is read.
    ValueError
        A file whose content does not match its suffix, a damaged workbook, a formula without a
        calculated value, a NUL byte in a cell: each naming the file (and sheet and cell).

    Examples
    --------
    >>> import tempfile, openpyxl, datetime
    >>> p = Path(tempfile.mkdtemp()) / "g.xlsx"
    >>> wb = openpyxl.Workbook()
    >>> wb.active.title = "2021届"
    >>> wb.active.append(["学号", "届别", "毕业日期", "平均分"])
    >>> wb.active.append(["G1", 2021.0, datetime.date(2021, 6, 30), 81.5])
    >>> wb.save(p)
    >>> read_workbook(p)
    [('2021届', [['学号', '届别', '毕业日期', '平均分'], ['G1', '2021', '2021-06-30', '81.5']])]
    >>> wb.active["B3"] = "=B2+1"  # written by a program: no calculated value
    >>> wb.save(p)
    >>> read_workbook(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: g.xlsx [sheet '2021届'], cell B3: a formula (=B2+1) without a calculated value: ...
    """
    path = Path(path)
    label = _label(path)
    check_file_size(path)
    kind = _workbook_kind(path, label)
    if kind == "zip":
        by_name = _scan_zip_workbook(path, label, path.suffix.lower())
        scans = list(by_name.values())
    else:
        scans = _scan_xls(path, label)
        by_name = {}
    _check_extent(scans, label)
    _check_formulas(scans, label)
    return _read_with_calamine(path, label, kind, scans, by_name)


def _read_with_calamine(path: Path, label: str, kind: str, scans: list[_SheetScan],
                        by_name: dict[str, _SheetScan]) -> list[tuple[str, list[list[str]]]]:
    import python_calamine as calamine

    widest = _SheetScan("", rows=max((s.rows for s in scans), default=0),
                        columns=max((s.columns for s in scans), default=0))
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # CalamineError, XmlError, ZipError, PasswordError ...
        raise _damaged(label, exc) from None
    sheets: list[tuple[str, list[list[str]]]] = []
    texts_of = _CellTexts()
    with book:
        worksheets = [(i, meta.name) for i, meta in enumerate(book.sheets_metadata)
                      if meta.typ != calamine.SheetTypeEnum.ChartSheet]
        for n, (i, name) in enumerate(worksheets):
            # the scan of this sheet bounds what calamine allocates for it; a sheet the scan
            # could not name is bounded by the widest sheet measured
            scan = by_name.get(name) if kind == "zip" else (scans[n] if n < len(scans) else None)
            scan = scan or widest
            where = f"{label} [sheet '{printable(name)}']"
            try:
                sheet = book.get_sheet_by_index(i)
                start = sheet.start
                rows_iter = sheet.iter_rows()
                pad = [""] * (start[1] if start else 0)
                rows = []
                for row0, row in enumerate(rows_iter):
                    texts = texts_of.row(row, pad)
                    _check_row(texts, where, row0)
                    rows.append(texts)
            except ValueError:
                raise
            except Exception as exc:
                raise _damaged(where, exc) from None
            if len(rows) > max(scan.rows, 1) or (rows and len(rows[0]) > max(scan.columns, 1)):
                # the scan is the bound the limits were checked against: never exceed it silently
                raise ValueError(f"{where}: the sheet holds more than its XML was measured to "
                                 "hold; the file is damaged or unusual / 工作表内容超出预检范围")
            for (row0, col0), text in scan.errors.items():  # calamine reads them as '' or 0
                if row0 < len(rows) and col0 < len(rows[row0]):
                    rows[row0][col0] = text
            sheets.append((name, rows))
    return sheets


def read_grids(path: str | os.PathLike, encoding: str | None = None
               ) -> tuple[list[tuple[str | None, list[list[str]]]], dict]:
    """The grids of one file: ``[(sheet or None, rows)]`` plus facts (encoding, delimiter)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        rows, enc, delim = read_text_grid(path, encoding)
        return [(None, rows)], {"encoding": enc, "delimiter": delim}
    if suffix in WORKBOOK_SUFFIXES:
        return list(read_workbook(path)), {}
    raise ValueError(f"{path.name}: unsupported file type {suffix!r} "
                     f"(use {', '.join(TEXT_SUFFIXES + WORKBOOK_SUFFIXES)})")
