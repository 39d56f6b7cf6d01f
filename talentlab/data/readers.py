"""Reading a college's files as they come: encodings, delimiters, workbooks and missing markers.

Shared by :mod:`talentlab.data.io` (``validate``/``process``) and :mod:`talentlab.data.importer`
(``talentlab import``), so every loader detects encodings and reads cells the same way.

Encodings
    CSV/TXT exports from Chinese systems come as UTF-8 (with or without BOM), UTF-16 (Excel's
    "Unicode text") or GB18030 (GBK, what Chinese Excel writes by default). :func:`detect_encoding`
    accepts exactly these automatically: BOMs first, then strict UTF-8, then UTF-16 without BOM,
    then the maintained detector `charset-normalizer` plus a round-trip check. Big5 (traditional
    characters) also decodes as GB18030 without error but becomes mojibake, so a file the detector
    calls Big5 — or whose GB18030 reading is mostly outside the simplified GB2312 repertoire while it
    reads cleanly as Big5 — is refused with a message; ``explicit="big5"`` reads it deliberately.

Missing values
    One list, :data:`MISSING_VALUES`, the contract's ``missingValues`` of the record tables (empty,
    ``-``, ``—``, ``/``, ``无``, ``#N/A``, ``NA``, ``(跳过)`` …). ``无`` ("none") is always *missing*, never
    "no": a boolean written ``无`` is an unknown, not a ``False``.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io as _io
import math
import os
import unicodedata
from collections import Counter
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
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


class EncodingError(ValueError):
    """A text file whose encoding cannot be determined safely (or does not decode)."""


def _label(source) -> str:
    return Path(source).name if isinstance(source, (str, os.PathLike)) else "<bytes>"


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
    """
    for i, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum("\u4e00" <= ch <= "\u9fff" for ch in decoded) >= 2:
            return i
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
    if explicit:
        return _check_explicit(data, explicit, label)
    enc = _unicode_encoding(data, label)
    if enc is not None:
        return enc
    return _gb18030_or_refuse(data, label)


def _check_explicit(data: bytes, explicit: str, label: str) -> str:
    """``explicit`` if it is a known codec that decodes the whole file, else the error."""
    try:
        codecs.lookup(explicit)
    except LookupError:
        raise EncodingError(f"{label}: unknown encoding {explicit!r}") from None
    try:
        data.decode(explicit)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{label}: does not decode as {explicit} (byte {exc.start}: "
            f"{data[exc.start:exc.start + 4]!r}); check --encoding") from None
    return explicit


def _unicode_encoding(data: bytes, label: str) -> str | None:
    """A Unicode encoding (byte-order mark, UTF-16 without one, plain UTF-8) or ``None``."""
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
            data.decode(enc)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"{label}: starts with a {enc} byte-order mark but does not "
                                f"decode as {enc} (byte {exc.start})") from None
        return enc
    if b"\x00" in data[:4000]:
        enc = _looks_utf16_without_bom(data)
        if enc is None:
            raise EncodingError(f"{label}: contains NUL bytes: not a text (CSV) file")
        try:
            data.decode(enc)
        except UnicodeDecodeError:
            raise EncodingError(f"{label}: looks like UTF-16 without a byte-order mark but does "
                                "not decode; re-save it as UTF-8 CSV") from None
        return enc
    try:
        data.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        return None


def _gb18030_or_refuse(data: bytes, label: str) -> str:
    """``gb18030`` for a simplified-Chinese legacy file; refuses mixed encodings, Big5 and
    anything the detector names that GB18030 would turn into mojibake."""
    line = _utf8_line_in_non_utf8(data)
    if line is not None:
        raise EncodingError(
            f"{label}, line {line}: the file mixes encodings (this line is UTF-8 Chinese, "
            "other lines are not UTF-8): reading it as GB18030 would turn these lines into "
            "mojibake. Re-save the whole file in one encoding (UTF-8)")

    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
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
    return "gb18030"


def decode_file(path: str | os.PathLike, explicit: str | None = None) -> tuple[str, str]:
    """Text of a file and the encoding used (see :func:`detect_encoding`)."""
    data = Path(path).read_bytes()
    try:
        enc = detect_encoding(data, explicit)
    except EncodingError as exc:
        raise EncodingError(str(exc).replace("<bytes>", Path(path).name, 1)) from None
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:  # pragma: no cover - detect_encoding checked it
        raise EncodingError(f"{Path(path).name}: does not decode as {enc}") from exc
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc


#: Delimiters :func:`sniff_delimiter` chooses between, in the order that breaks ties.
DELIMITERS = (",", "\t", ";")
#: How many non-empty records :func:`sniff_delimiter` looks at.
SNIFF_RECORDS = 20


def _fields_per_record(text: str, delimiter: str) -> list[int]:
    """Number of fields of the first non-empty records, parsed with the csv module (so delimiters
    inside quoted fields do not count)."""
    counts: list[int] = []
    reader = csv.reader(_io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            if any(c.strip() for c in row):
                counts.append(len(row))
                if len(counts) >= SNIFF_RECORDS:
                    break
    except csv.Error:  # e.g. a field beyond the csv module's size limit: judge what was read
        pass
    return counts


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


def read_text_grid(path: str | os.PathLike, encoding: str | None = None
                   ) -> tuple[list[list[str]], str, str]:
    """Rows of a CSV/TXT file as lists of cell texts, the encoding and the delimiter.

    Row ``i`` of the result is line ``i + 1`` a person sees (records with embedded line breaks
    count as one row, as in a spreadsheet).
    """
    text, enc = decode_file(path, encoding)
    delim = sniff_delimiter(text)
    rows = list(csv.reader(_io.StringIO(text, newline=""), delimiter=delim))
    return rows, enc, delim


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person sees: ``4`` not ``4.0``, ISO dates, '' for empty.

    Examples
    --------
    >>> cell_text(4.0), cell_text(4.25), cell_text(None), cell_text(True)
    ('4', '4.25', '', 'true')
    >>> import datetime
    >>> cell_text(datetime.datetime(2020, 6, 30))
    '2020-06-30'
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
    return str(value)


def read_workbook(path: str | os.PathLike) -> list[tuple[str, list[list[str]]]]:
    """Every sheet of an Excel workbook as ``(sheet name, rows of cell texts)``, in tab order.

    ``.xlsx``/``.xlsm`` are read with openpyxl, ``.xls`` (Excel 97–2003) with xlrd. A file whose
    content does not match its suffix (an ``.xls`` renamed ``.xlsx``) is a clear ``ValueError``.
    Merged cells keep their value in the top-left cell only, as Excel stores them.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    head = path.read_bytes()[:8]
    is_zip = head.startswith(b"PK\x03\x04")
    is_ole = head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")
    if suffix in (".xlsx", ".xlsm") and not is_zip:
        kind = "an old .xls workbook" if is_ole else "not an Excel workbook"
        raise ValueError(f"{path.name}: the file is {kind} despite its {suffix} suffix; "
                         "open it in Excel and save it as .xlsx (or rename it .xls)")
    if suffix == ".xls" and not is_ole:
        kind = "an .xlsx workbook" if is_zip else "not an Excel workbook"
        raise ValueError(f"{path.name}: the file is {kind} despite its .xls suffix")
    sheets: list[tuple[str, list[list[str]]]] = []
    if suffix == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(path), on_demand=True)
        for sh in book.sheets():
            rows = []
            for r in range(sh.nrows):
                row = []
                for c in range(sh.ncols):
                    cell = sh.cell(r, c)
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        row.append(cell_text(xlrd.xldate.xldate_as_datetime(cell.value,
                                                                            book.datemode)))
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        row.append(cell_text(bool(cell.value)))
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                        row.append("")
                    elif cell.ctype == xlrd.XL_CELL_ERROR:
                        row.append(xlrd.error_text_from_code.get(cell.value, "#N/A"))
                    else:
                        row.append(cell_text(cell.value))
                rows.append(row)
            sheets.append((sh.name, rows))
        return sheets
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for broken files
        raise ValueError(f"{path.name}: cannot be read as an Excel workbook ({exc})") from None
    try:
        for ws in book.worksheets:
            rows = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            sheets.append((ws.title, rows))
    finally:
        book.close()
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
