"""CSV/TXT text to rows of cells: the delimiter sniffed, records parsed within the limits.

:func:`sniff_delimiter` chooses ``,``, tab or ``;`` from the first records; :func:`parse_csv`
splits a text without quotes at C speed exactly as the csv module would, and hands any other to
the csv module, within :data:`~talentlab.data.limits.MAX_ROWS`,
:data:`~talentlab.data.limits.MAX_COLUMNS` and :data:`~talentlab.data.limits.MAX_CELL_CHARS`;
:func:`parse_csv_grid` gives the same cells as one rectangle (a
:class:`~talentlab.data.text_grid.TextGrid`), a large text without quotes split by pandas' C
parser straight into columns; :func:`read_text_grid` does this for a file.
"""

from __future__ import annotations

import contextlib
import csv
import io as _io
import itertools
import os
import re
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np

from talentlab.data.limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    file_label,
    limit_error,
    printable,
)
from talentlab.data.text_encodings import (
    decode_file,
)
from talentlab.data.text_grid import TextGrid, check_grid_size

#: Delimiters :func:`sniff_delimiter` chooses between, in the order that breaks ties.
DELIMITERS = (",", "\t", ";")
#: How many non-empty records :func:`sniff_delimiter` looks at.
SNIFF_RECORDS = 20
#: Characters of the text :func:`sniff_delimiter` parses first (cut at a line break); the whole
#: text only when the first records are not all complete within them. :func:`parse_csv_grid`
#: takes its first guess of the widest record from the same characters.
SNIFF_SAMPLE_CHARS = 64 * 1024


def fields_per_record(text: str, delimiter: str) -> list[int]:
    """Number of fields of the first non-empty records, parsed with the csv module (so delimiters
    inside quoted fields do not count).

    The start of the text is parsed first; its counts stand when the :data:`SNIFF_RECORDS`-th
    record ended before the sample did (a record the reader returned with lines of the sample
    still unread ended at a line break outside quotes, exactly as in the whole text), else the
    whole text is parsed.

    Examples
    --------
    >>> fields_per_record('id,note\\n1,"a, b"\\n', ",")
    [2, 2]
    """
    if len(text) > SNIFF_SAMPLE_CHARS:
        cut = max(text.rfind("\n", 0, SNIFF_SAMPLE_CHARS), text.rfind("\r", 0, SNIFF_SAMPLE_CHARS))
        if cut > 0:
            lines = _io.StringIO(text[:cut + 1], newline="").readlines()
            consumed = 0

            def counted():
                nonlocal consumed
                for line in lines:
                    consumed += 1
                    yield line

            counts, complete = count_fields(counted(), delimiter)
            if complete and consumed < len(lines):
                return counts
    return count_fields(_io.StringIO(text, newline=""), delimiter)[0]


def count_fields(lines, delimiter: str) -> tuple[list[int], bool]:
    """Fields per non-empty record of ``lines`` (up to :data:`SNIFF_RECORDS`) and whether that
    many were found.

    Examples
    --------
    >>> count_fields(["a,b\\n", "\\n", '1,"x,y"\\n'], ",")
    ([2, 2], False)
    """
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
        counts = fields_per_record(text, d)
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
    talentlab.data.limits.LimitError: g.csv, row 2, column 1 ('id'): a cell (32,768 characters) exceeds ...
    """
    label = printable(label)
    # a cheap bound first: no more line breaks than the limit means no more records
    breaks = LineBreaks(text.count("\n"), text.count("\r"), text.count("\r\n"))
    if breaks.lf + breaks.cr - breaks.crlf + 1 > MAX_ROWS:
        n = _count_records(text, delimiter)
        if n > MAX_ROWS:
            raise limit_error(label, "the number of rows", "行数", f"{n:,}", f"{MAX_ROWS:,}")
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
                        raise limit_error(f"{label}, row {i}, {column(j)}", "a cell",
                                           "单元格长度", f"{len(c):,} characters",
                                           f"{MAX_CELL_CHARS:,} characters")
    return rows


#: Line breaks ending a CSV record outside quotes, as the csv module reads them.
RECORD_END = re.compile("\r\n|\r|\n")


@dataclass(frozen=True)
class LineBreaks:
    """How many LF, CR and CRLF a text holds (counted once, used by the row limit and the split).

    Examples
    --------
    >>> text = "a\\r\\nb\\n"
    >>> LineBreaks(text.count("\\n"), text.count("\\r"), text.count("\\r\\n"))
    LineBreaks(lf=2, cr=1, crlf=1)
    """

    lf: int
    cr: int
    crlf: int


def record_lines(text: str, breaks: LineBreaks | None = None) -> list[str]:
    """``text`` split at CR, LF and CRLF (:data:`RECORD_END`); a text with one kind of line
    break only (LF, or CRLF throughout) is split by ``str.split``, four times as fast as the
    regular expression, with the same pieces.

    Examples
    --------
    >>> record_lines("a\\r\\nb\\nc"), record_lines("a\\nb\\n")
    (['a', 'b', 'c'], ['a', 'b', ''])
    """
    if breaks is None:
        breaks = LineBreaks(text.count("\n"), text.count("\r"), text.count("\r\n"))
    if not breaks.cr:
        return text.split("\n")
    if breaks.crlf == breaks.cr and breaks.crlf == breaks.lf:
        return text.split("\r\n")
    return RECORD_END.split(text)


def split_unquoted(text: str, delimiter: str, label: str) -> list[list[str]] | None:
    """The rows of a text without a quote character, split at C speed, exactly as the csv module
    reads it (a record per line, fields between delimiters, an empty line an empty row); or
    ``None`` when a line could hold a field beyond the csv module's limit (the module's parse
    then names its row).

    Examples
    --------
    >>> split_unquoted("id;major\\r\\n\\nG1;IC\\n", ";", "g.csv")
    [['id', 'major'], [], ['G1', 'IC']]
    """
    return _split_unquoted_rows(text, delimiter, label)[0]


def _split_unquoted_rows(text: str, delimiter: str, label: str,
                         breaks: LineBreaks | None = None) -> tuple[list[list[str]] | None, int]:
    """``(rows as split_unquoted gives them, the length of the longest line)``."""
    lines = record_lines(text, breaks)
    if lines and not lines[-1]:
        lines.pop()  # the text ends with a line break: no record after it
    longest = max(map(len, lines), default=0)
    if longest > _CSV_FIELD_LIMIT:
        return None, longest
    # equal texts share one object, as in a workbook's grid: less memory, and the importer's
    # factorising of each column compares equal cells by identity
    share = {}.setdefault
    rows = [list(map(share, cells, cells))
            for cells in map(str.split, lines, itertools.repeat(delimiter, len(lines)))]
    if not all(lines):  # an empty line is an empty row, as the csv module reads it
        rows = [row if line else [] for row, line in zip(rows, lines, strict=True)]
    if rows and max(map(len, rows)) > MAX_COLUMNS:
        i = next(i for i, row in enumerate(rows, start=1) if len(row) > MAX_COLUMNS)
        raise limit_error(f"{label}, row {i}", "the number of columns", "列数",
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
                    raise limit_error(f"{label}, row {len(rows) + 1}", "the number of columns",
                                       "列数", f"{len(row):,}", f"{MAX_COLUMNS:,}")
                rows.append(row)
        except csv.Error as exc:
            where = f"{label}, row {len(rows) + 1}"
            if "field larger than field limit" in str(exc):
                raise limit_error(where, "a cell", "单元格长度",
                                   f"more than {_CSV_FIELD_LIMIT:,} characters",
                                   f"{MAX_CELL_CHARS:,} characters") from None
            raise ValueError(f"{where}: the CSV cannot be parsed ({exc}); an unclosed quote or a "
                             "stray quote character? / CSV 无法解析（引号未闭合或多余的引号？）"
                             ) from None
    return rows


def read_text_grid(path: str | os.PathLike, encoding: str | None = None
                   ) -> tuple[TextGrid, str, str]:
    """The grid of a CSV/TXT file (:func:`parse_csv_grid`), the encoding and the delimiter.

    Row ``i`` of the grid is line ``i + 1`` a person sees (records with embedded line breaks
    count as one row, as in a spreadsheet); rows are padded with ``''`` to the widest. The
    limits of :func:`parse_csv_grid` and :data:`MAX_FILE_BYTES` apply.
    """
    text, enc = decode_file(path, encoding)
    delim = sniff_delimiter(text)
    return parse_csv_grid(text, delim, file_label(path)), enc, delim


#: Texts of at least this many characters are read by pandas' C parser (:func:`parse_csv_grid`);
#: a shorter one by ``str.split`` or the csv module, which cost less than starting the parser.
C_PARSER_MIN_CHARS = 64 * 1024
#: How often :func:`parse_csv_grid` widens its grid when the C parser meets a longer record
#: before it leaves the text to the exact way (a file whose records keep growing).
C_PARSER_RETRIES = 4
_SAW_FIELDS = re.compile(r"saw (\d+)")


def parse_csv_grid(text: str, delimiter: str, label: str, strict: bool = False) -> TextGrid:
    """The cells of a decoded CSV/TXT text as one :class:`~talentlab.data.text_grid.TextGrid`:
    the rows of :func:`parse_csv`, padded with ``''`` to the widest, within the same limits and
    :data:`~talentlab.data.limits.MAX_CELLS` cells (rows x widest row).

    A text of :data:`C_PARSER_MIN_CHARS` or more without a NUL or a leading byte-order mark is
    read by pandas' C parser, which hands over columns (equal texts of a column sharing one
    object) instead of one Python list per row; quotes are read as the csv module reads them
    (``strict`` texts with quotes go to the csv module, which names a stray quote's row). Any
    text the parser might read differently (a cell beyond the cell limit, more lines than the row
    limit, an unclosed quote or another parser error) goes the exact way of :func:`parse_csv`,
    which also names the row of any limit broken.

    Examples
    --------
    >>> grid = parse_csv_grid("学号,专业\\nG1\\n", ",", "g.csv")
    >>> grid.tolist()
    [['学号', '专业'], ['G1', '']]
    """
    label = printable(label)
    quoted = '"' in text
    if (len(text) >= C_PARSER_MIN_CHARS and not (strict and quoted) and "\x00" not in text
            and not text.startswith("\ufeff")):  # the C parser drops a leading mark
        grid = _c_parser_grid(text, delimiter, label, quoted)
        if grid is not None:
            return grid
    return TextGrid.from_rows(parse_csv(text, delimiter, label, strict), label)


def _c_parser_grid(text: str, delimiter: str, label: str, quoted: bool) -> TextGrid | None:
    """The grid of a text read by pandas' C parser, or ``None`` where the exact way must read
    it (see :func:`parse_csv_grid`)."""
    import pandas as pd

    if not text.strip("\r\n"):  # empty records only: the csv module's rows have no cell
        return None
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: left to the exact split
        return None
    # records: one per line break outside quotes, so at most one per line break (counted in
    # the UTF-8 bytes, where CR and LF are never part of another character)
    n_lines = (data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")
               + (not text.endswith(("\n", "\r"))))
    if n_lines > MAX_ROWS:
        return None
    # no line longer than a cell may be means no cell is (bytes >= characters); a quoted cell
    # can span lines, so a quoted text has its cells measured after the parse
    if not quoted and longest_line_bytes(data) > MAX_CELL_CHARS:
        return None
    width = first_records_width(text, delimiter, quoted)
    if width is None:
        return None
    for _ in range(C_PARSER_RETRIES + 1):
        if width > MAX_COLUMNS:
            return None
        if quoted and n_lines * width > MAX_CELLS:  # records unknown yet: the exact way counts
            return None
        check_grid_size(label, n_lines, width)  # unquoted: one record per line
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a warning means a different reading: not ours
                frame = pd.read_csv(
                    _io.BytesIO(data), sep=delimiter, header=None, names=range(width),
                    index_col=False, dtype=object, na_filter=False, keep_default_na=False,
                    skip_blank_lines=False, engine="c", encoding="utf-8",
                    quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE, quotechar='"',
                    doublequote=True)
        except pd.errors.ParserError as exc:  # a longer record than the grid: widen, once more
            saw = _SAW_FIELDS.search(str(exc))
            if saw is None or int(saw.group(1)) <= width:
                return None
            width = int(saw.group(1))
            continue
        except (ValueError, Warning):
            return None
        if frame.shape[1] != width or (not quoted and len(frame) != n_lines):
            return None
        del data  # read: its bytes are not needed beside the frame and its array
        cells = frame.to_numpy(dtype=object)
        del frame
        if quoted and len(text) > MAX_CELL_CHARS and any(
                max(map(len, cells[:, j]), default=0) > MAX_CELL_CHARS for j in range(width)):
            return None
        return TextGrid(cells)
    return None


def first_records_width(text: str, delimiter: str, quoted: bool) -> int | None:
    """The most fields of a record among those within the first :data:`SNIFF_SAMPLE_CHARS`
    characters (cut at a line break), the first record always among them; ``None`` when the
    sample does not hold the first record whole.

    The C parser is given this many columns to start with. It must never be fewer than the
    first record's fields: pandas drops one trailing empty field of a first record that is one
    field too long without a word, where the csv module keeps it.

    Examples
    --------
    >>> first_records_width("a,b\\n,,\\n", ",", False), first_records_width('"x,y",z\\n', ",", True)
    (3, 2)
    """
    if len(text) <= SNIFF_SAMPLE_CHARS:
        head = text
    else:
        cut = max(text.rfind("\n", 0, SNIFF_SAMPLE_CHARS), text.rfind("\r", 0, SNIFF_SAMPLE_CHARS))
        if cut < 0:
            return None
        head = text[:cut + 1]
    if not quoted:  # a record per line, its delimiters all real
        return 1 + max(map(str.count, record_lines(head), itertools.repeat(delimiter)), default=0)
    widths: list[int] = []
    with contextlib.suppress(csv.Error):  # the sample may end inside a quoted field
        for row in csv.reader(_io.StringIO(head, newline=""), delimiter=delimiter):
            widths.append(len(row))
    # a second record read means the first one ended inside the sample
    return max(widths) if len(widths) >= 2 or (widths and head is text) else None


#: Bytes :func:`longest_line_bytes` looks at in one step (its numpy temporaries stay this size).
LINE_SCAN_BLOCK_BYTES = 8 * 2**20


def longest_line_bytes(data: bytes) -> int:
    """The length in bytes of the longest line of ``data`` (lines end at CR or LF), measured
    block by block with numpy.

    Examples
    --------
    >>> longest_line_bytes(b"ab\\r\\ncde\\rf"), longest_line_bytes(b""), longest_line_bytes(b"xyz")
    (3, 0, 3)
    """
    longest, last_break = 0, -1
    for start in range(0, len(data), LINE_SCAN_BLOCK_BYTES):
        block = np.frombuffer(data, dtype=np.uint8,
                              count=min(LINE_SCAN_BLOCK_BYTES, len(data) - start), offset=start)
        low = np.flatnonzero(block <= 13)  # CR (13) and LF (10) are among the few low bytes
        breaks = low[(block[low] == 10) | (block[low] == 13)] + start
        if len(breaks):
            gaps = np.diff(breaks, prepend=last_break)
            longest = max(longest, int(gaps.max()) - 1)
            last_break = int(breaks[-1])
    return max(longest, len(data) - last_break - 1)
