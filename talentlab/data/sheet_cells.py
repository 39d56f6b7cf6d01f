"""The cell elements of a worksheet's XML measured with numpy: how many, and how far they reach.

:func:`measure_cells` gives :class:`talentlab.data.workbook_scan.SheetScan` the counts and the
extent that ``bytes.count`` and a regular expression gave it, in a few array passes over the
bytes instead of one regular-expression step per cell (a sheet of 100,000 rows and 20 columns
holds two million cells).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_LT, _GT, _QUOTE, _SLASH, _SPACE = (np.uint8(ord(c)) for c in '<>"/ ')
_C, _F, _R, _EQUALS = (np.uint8(ord(c)) for c in "cfr=")
#: zero bytes after the text, so reading a few bytes past any position stays inside the array
_PAD = 32
#: a reference of more letters or digits is beyond Excel's grid (XFD, 1,048,576): the caller
#: measures such a text by regular expression, which names it exactly
_MAX_LETTERS, _MAX_DIGITS = 3, 7


@dataclass(frozen=True)
class CellMeasure:
    """What :func:`measure_cells` found in a piece of ``<sheetData>``.

    Attributes
    ----------
    cells : int
        Occurrences of ``<c`` (cell elements; also ``<color``, ``<charset`` of rich text, which
        can only overstate).
    unreferenced : int
        Those not followed by `` r="`` (a cell placed by order rather than by reference).
    rows, columns : int
        The extent given, grown to every referenced cell that may hold a value (not
        self-closing): 1 + its largest 0-based row and column.
    formulas : bool
        Whether ``<f`` occurs (a formula element; the caller looks at each).
    """

    cells: int
    unreferenced: int
    rows: int
    columns: int
    formulas: bool


def measure_cells(xml: bytes, rows: int, columns: int) -> CellMeasure | None:
    """Count the cell elements of ``xml`` and grow the extent ``rows`` x ``columns`` to them.

    ``xml`` is a piece of a sheet's ``<sheetData>`` written without a namespace prefix. A cell
    counts towards the extent as in ``<c r="B7" ...>``: a reference of letters and digits in
    double quotes right after ``<c``, and a start tag that does not close itself (``<c r="B7"
    s="1"/>`` holds no value). References that are not letters then digits are passed over.

    Returns
    -------
    CellMeasure or None
        None when a reference has more than 3 letters or 7 digits (beyond Excel's grid): the
        caller measures the text another way.

    Examples
    --------
    >>> m = measure_cells(b'<row r="1"><c r="A1" t="s"><v>0</v></c><c r="C4"><v>2</v></c>'
    ...                   b'<c r="Z9" s="1"/><c t="s"><v>1</v></c></row>', rows=0, columns=0)
    >>> m.cells, m.unreferenced, m.rows, m.columns, m.formulas
    (4, 1, 4, 3, False)
    >>> measure_cells(b'<c r="AAAA1"><v>1</v></c>', 0, 0) is None
    True
    """
    size = len(xml)
    text = np.frombuffer(xml + bytes(_PAD), np.uint8)
    opening, after = text[:size] == _LT, text[1:size + 1]
    starts = np.flatnonzero(opening & (after == _C))
    formulas = bool(np.any(opening & (after == _F)))
    del opening
    referenced = ((text[starts + 2] == _SPACE) & (text[starts + 3] == _R)
                  & (text[starts + 4] == _EQUALS) & (text[starts + 5] == _QUOTE))
    ref = starts[referenced] + 6
    cells, unreferenced = int(starts.size), int(starts.size - ref.size)
    del starts, referenced

    # column letters (either case) as a 1-based column number, then the row's digits, then
    # the closing quote; `at` walks along each reference (arrays updated in place)
    at = ref.copy()
    column = _positional_number(text, at, np.ones(ref.size, bool), 26, ord("a"), 1, 32,
                                _MAX_LETTERS)
    if column is None:
        return None
    digits_at = at.copy()
    row = _positional_number(text, at, at > ref, 10, ord("0"), 0, 0, _MAX_DIGITS)  # a letter first
    if row is None:
        return None
    quote = at
    valid = (at > digits_at) & (text[quote] == _QUOTE)
    beyond = valid & ((row > rows) | (column > columns))
    if beyond.any():
        quote = quote[beyond]
        rows = max(rows, _largest_holding(row[beyond], quote, xml, text))
        columns = max(columns, _largest_holding(column[beyond], quote, xml, text))
    return CellMeasure(cells, unreferenced, rows, columns, formulas)


def _positional_number(text: np.ndarray, at: np.ndarray, going: np.ndarray, radix: int,
                       first: int, bias: int, fold: int, most: int) -> np.ndarray | None:
    """Per position ``at``, the number its run of symbols writes in base ``radix``: a symbol is
    a byte ``b`` with ``0 <= (b | fold) - first < radix`` worth that plus ``bias`` (column
    letters of either case: ``fold`` 32, ``bias`` 1; digits: 0 and 0). Only positions
    ``going`` start one; ``at`` is moved past the run, in place. ``None`` when a run is longer
    than ``most`` symbols."""
    value = np.zeros(at.size, np.int64)
    for k in range(most + 1):
        offset = (text[at] | np.uint8(fold)) - np.uint8(first)  # wraps below ``first``
        is_symbol = going & (offset < radix)
        if not is_symbol.any():
            break
        if k == most:
            return None
        np.multiply(value, radix, out=value, where=is_symbol)
        np.add(value, offset + np.int64(bias), out=value, where=is_symbol)
        at += is_symbol
        going = is_symbol
    return value


def _largest_holding(values: np.ndarray, quotes: np.ndarray, xml: bytes, text: np.ndarray) -> int:
    """The largest of ``values`` whose cell may hold a value (0 if none); ``quotes`` are the
    positions of the cells' reference's closing quotes.

    The cells of the largest value are looked at first, a few one by one (the first usually
    holds), then all at once; after three values all cells left at once. So a sheet of many
    empty cells costs a few array passes, never a Python step per cell.
    """
    for _ in range(3):
        if not values.size:
            return 0
        top = values.max()
        tied = np.flatnonzero(values == top)
        for q in quotes[tied[:8]].tolist():
            end = xml.find(b">", q + 1)
            if end > 0 and xml[end - 1] != 0x2F:  # not '/>'
                return int(top)
        if tied.size > 8 and _holding(quotes[tied[8:]], text, len(xml)).any():
            return int(top)
        keep = values != top
        values, quotes = values[keep], quotes[keep]
    holds = _holding(quotes, text, len(xml))
    return int(values[holds].max()) if holds.any() else 0


def _holding(quotes: np.ndarray, text: np.ndarray, size: int) -> np.ndarray:
    """Whether each cell may hold a value: the first ``>`` after its reference's closing quote
    (at ``quotes``) ends its start tag, and ``/>`` closes an empty cell."""
    closing = np.flatnonzero(text[:size] == _GT)
    if not closing.size:
        return np.zeros(quotes.size, bool)
    at = np.searchsorted(closing, quotes + 1)
    end = closing[np.minimum(at, closing.size - 1)]
    return (at < closing.size) & (text[end - 1] != _SLASH)
