"""Workbooks read with python-calamine, every cell as the text a person sees.

:func:`read_workbook` scans a workbook first (:func:`talentlab.data.workbook_scan.scan_workbook`)
and then reads every sheet with python-calamine; :func:`cell_text` gives a cell's text (``4``
not ``4.0``, ISO dates, durations as Excel shows ``[h]:mm:ss``, error cells as their text).
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from pathlib import Path

from talentlab.data.limits import (
    MAX_CELL_CHARS,
    check_file_size,
    file_label,
    limit_error,
    printable,
)
from talentlab.data.workbook_scan import (
    SheetScan,
    cell_name,
    column_letters,
    damaged_error,
    scan_workbook,
)


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


#: Types whose values equal only values of their own type with the same text (a date never
#: equals a datetime), so a value of them can key :class:`CellTexts`.
_SELF_EQUAL_TYPES = (str, _dt.datetime, _dt.date, _dt.time, _dt.timedelta)


class UnreadableCellText(Exception):
    """Raised by :class:`CellTexts` for a text that no cell may hold (a NUL byte, more than
    :data:`~talentlab.data.limits.MAX_CELL_CHARS` characters); the reader then names its cell."""


class CellTexts(dict):
    """Calamine values to cell texts for one workbook, converted once per distinct value.

    Indexing gives a value's :func:`cell_text`: a value seen before is found by the dictionary
    itself (``list(map(texts.__getitem__, row))`` converts a row without a Python call per cell),
    a new one goes to ``__missing__``. Equal texts share one object (memory), and most cells of
    an export repeat a few values. Keys are only values that equal nothing with another text:
    strings, dates and times, and numbers other than 0 and 1 (``False`` and ``True`` equal them
    but read ``false`` and ``true``), NaN (never equal to itself) and whole numbers beyond 1e15
    (a float reads ``1e+16``, an equal ``int`` with all its digits); every other value is
    converted each time it is met. A text with a NUL byte or longer than
    :data:`~talentlab.data.limits.MAX_CELL_CHARS` raises :class:`UnreadableCellText`.

    Examples
    --------
    >>> texts = CellTexts()
    >>> texts.row([2021.0, "G1", None, True, 1.0], [""])
    ['', '2021', 'G1', '', 'true', '1']
    >>> list(map(texts.__getitem__, [2021.0, True]))
    ['2021', 'true']
    """

    def __init__(self):
        super().__init__({"": "", None: ""})

    def __missing__(self, value: object) -> str:
        kind = type(value)
        if kind is str:
            if "\x00" in value or len(value) > MAX_CELL_CHARS:
                raise UnreadableCellText(value[:20])
            self[value] = value
            return value
        if kind is float:
            # cell_text's rule for a number, without its type tests
            if not value.is_integer():  # NaN and infinities too
                text = cell_text(value)
                if value == value:  # NaN never finds itself
                    self[value] = text
                return text
            if -1e15 < value < 1e15:
                text = str(int(value))
                if value != 0.0 and value != 1.0:
                    self[value] = text
                return text
            return cell_text(value)
        if kind is int:
            text = str(value)
            if value != 0 and value != 1 and -1e15 < value < 1e15:
                self[value] = text
            return text
        text = cell_text(value)
        if "\x00" in text or len(text) > MAX_CELL_CHARS:
            raise UnreadableCellText(text[:20])
        if kind in _SELF_EQUAL_TYPES:
            self[value] = text
        return text

    def row(self, row: list, pad: list[str]) -> list[str]:
        """One row of calamine values as cell texts, after ``pad`` (columns left of the first)."""
        texts = list(map(self.__getitem__, row))
        return pad + texts if pad else texts


def _check_row(texts: list[str], where: str, row0: int) -> None:
    joined = "".join(texts)
    if "\x00" in joined:
        col0 = next(j for j, t in enumerate(texts) if "\x00" in t)
        raise ValueError(f"{where}, row {row0 + 1}, column {column_letters(col0)} (cell "
                         f"{cell_name(row0, col0)}): contains a NUL byte (binary data, not text) "
                         "/ 含有 NUL 字节（二进制数据而非文本）")
    if len(joined) > MAX_CELL_CHARS:
        for j, t in enumerate(texts):
            if len(t) > MAX_CELL_CHARS:
                raise limit_error(f"{where}, cell {cell_name(row0, j)}", "a cell", "单元格长度",
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
    label = file_label(path)
    check_file_size(path)
    kind, scans, by_name = scan_workbook(path, label)
    return _read_with_calamine(path, label, kind, scans, by_name)


def _read_with_calamine(path: Path, label: str, kind: str, scans: list[SheetScan],
                        by_name: dict[str, SheetScan]) -> list[tuple[str, list[list[str]]]]:
    import python_calamine as calamine

    widest = SheetScan("", rows=max((s.rows for s in scans), default=0),
                        columns=max((s.columns for s in scans), default=0))
    try:
        book = calamine.CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # CalamineError, XmlError, ZipError, PasswordError ...
        raise damaged_error(label, exc) from None
    sheets: list[tuple[str, list[list[str]]]] = []
    text_of = CellTexts().__getitem__
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
                    try:
                        texts = list(map(text_of, row))
                    except UnreadableCellText:
                        texts = None
                    if texts is None:  # the row's texts one by one, to name the cell
                        texts = [cell_text(v) for v in row]
                        _check_row(pad + texts, where, row0)
                    rows.append(pad + texts if pad else texts)
            except ValueError:
                raise
            except Exception as exc:
                raise damaged_error(where, exc) from None
            if len(rows) > max(scan.rows, 1) or (rows and len(rows[0]) > max(scan.columns, 1)):
                # the scan is the bound the limits were checked against: never exceed it silently
                raise ValueError(f"{where}: the sheet holds more than its XML was measured to "
                                 "hold; the file is damaged or unusual / 工作表内容超出预检范围")
            for (row0, col0), text in scan.errors.items():  # calamine reads them as '' or 0
                if row0 < len(rows) and col0 < len(rows[row0]):
                    rows[row0][col0] = text
            sheets.append((name, rows))
    return sheets
