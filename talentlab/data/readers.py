"""Reading a college's files as they come: encodings, delimiters, workbooks and missing markers.

Shared by :mod:`talentlab.data.io` (``validate``/``process``) and :mod:`talentlab.data.importer`
(``talentlab import``), so every loader detects encodings and reads cells the same way.

Encodings
    CSV/TXT exports from Chinese systems come as UTF-8 (with or without BOM), UTF-16 (Excel's
    "Unicode text") or GB18030 (GBK, what Chinese Excel writes by default). :func:`detect_encoding`
    accepts exactly these automatically: BOMs first, then strict UTF-8, then UTF-16 without BOM,
    then the maintained detector `charset-normalizer` on the first :data:`DETECT_SAMPLE_BYTES`
    and a strict GB18030 decode of the whole file, which is lossless (the mixed-encoding and
    Big5 checks read the whole file too; the decode that verifies the encoding is the text
    :func:`decode_file` returns, so a file is decoded once). Big5 (traditional
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

Modules
    The readers live in modules by concern, every public name importable from here:
    :mod:`~talentlab.data.limits` (the limits, :class:`LimitError`, safe file checks),
    :mod:`~talentlab.data.text_encodings` (:func:`detect_encoding`, :func:`decode_file`),
    :mod:`~talentlab.data.csv_files` (:func:`sniff_delimiter`, :func:`parse_csv`,
    :func:`parse_csv_grid`, :func:`read_text_grid`), :mod:`~talentlab.data.workbook_scan` (a
    workbook measured before it is read, its cells counted by
    :mod:`~talentlab.data.sheet_cells`), :mod:`~talentlab.data.workbooks`
    (:func:`read_workbook`, :func:`cell_text`) and :mod:`~talentlab.data.text_grid`
    (:class:`TextGrid`, the grid the importer reads).
"""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

from talentlab.data.csv_files import (
    DELIMITERS,
    SNIFF_RECORDS,
    parse_csv,
    parse_csv_grid,
    read_text_grid,
    sniff_delimiter,
)
from talentlab.data.descriptor import RECORD_TABLES, missing_values
from talentlab.data.limits import (
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ERROR_CELLS,
    MAX_FILE_BYTES,
    MAX_ODS_CONTENT_BYTES,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_ENTRY_BYTES,
    MAX_ZIP_TOTAL_BYTES,
    LimitError,
    check_file_size,
    check_link_inside,
    check_regular_file,
    printable,
)
from talentlab.data.text_encodings import (
    DETECT_SAMPLE_BYTES,
    EncodingError,
    decode_file,
    detect_encoding,
)
from talentlab.data.text_grid import TextGrid
from talentlab.data.workbook_scan import column_letters
from talentlab.data.workbooks import cell_text, read_workbook

#: the readers' public names, most of them defined in the modules named above
__all__ = ["MISSING_VALUES", "TEXT_SUFFIXES", "WORKBOOK_SUFFIXES", "is_missing", "read_grids",
           "DELIMITERS", "SNIFF_RECORDS", "parse_csv", "parse_csv_grid", "read_text_grid", "TextGrid",
           "sniff_delimiter", "MAX_CELL_CHARS", "MAX_CELLS", "MAX_COLUMNS",
           "MAX_ERROR_CELLS", "MAX_FILE_BYTES", "MAX_ODS_CONTENT_BYTES", "MAX_ROWS",
           "MAX_SHARED_STRINGS_BYTES", "MAX_ZIP_ENTRIES", "MAX_ZIP_ENTRY_BYTES",
           "MAX_ZIP_TOTAL_BYTES", "LimitError", "check_file_size", "check_link_inside",
           "check_regular_file", "printable", "DETECT_SAMPLE_BYTES", "EncodingError",
           "decode_file", "detect_encoding", "column_letters", "cell_text",
           "read_workbook"]

#: Missing-value markers, as written by Chinese exports and questionnaire platforms (one list, the
#: contract's ``missingValues`` of the record tables; see ``data/raw/README.md``).
MISSING_VALUES: tuple[str, ...] = tuple(missing_values(RECORD_TABLES[0]))
#: File types read as delimited text (:func:`read_text_grid`) and as workbooks
#: (:func:`read_workbook`) by :func:`read_grids`.
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


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


def read_grids(path: str | os.PathLike, encoding: str | None = None
               ) -> tuple[list[tuple[str | None, TextGrid]], dict]:
    """The grids of one file: ``[(sheet or None, grid)]`` plus facts (encoding, delimiter).

    Each grid (:class:`~talentlab.data.text_grid.TextGrid`) is a sequence of rows padded with
    ``''`` to the widest, within :data:`MAX_CELLS` cells.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        grid, enc, delim = read_text_grid(path, encoding)
        return [(None, grid)], {"encoding": enc, "delimiter": delim}
    if suffix in WORKBOOK_SUFFIXES:
        label = printable(path.name)
        sheets, grids = read_workbook(path), []
        sheets.reverse()
        while sheets:  # each sheet's row lists freed once its grid is made
            sheet, rows = sheets.pop()
            grids.append((sheet, TextGrid.from_rows(rows, f"{label} [{printable(sheet)}]")))
            del rows
        return grids, {}
    raise ValueError(f"{path.name}: unsupported file type {suffix!r} "
                     f"(use {', '.join(TEXT_SUFFIXES + WORKBOOK_SUFFIXES)})")
