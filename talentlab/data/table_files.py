"""Finding and reading the file of one contract table, every cell as text.

A table file is ``<table>.csv``, ``.xlsx`` or ``.parquet`` in a data folder
(:func:`find_table_file`). CSV files may be UTF-8, UTF-8 with BOM or GB18030 as Chinese Excel
exports write them (the encoding is detected, not asked for); a workbook holds its table on one
sheet. :func:`read_table_text` keeps every cell as the text a person sees and the row number
they see it on, so validation (:mod:`talentlab.data.validation`) can quote a value exactly as
typed. The readers' limits apply (:mod:`talentlab.data.readers`).
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data import readers
from talentlab.data.csv_files import fields_per_record
from talentlab.data.text_grid import TextGrid
from talentlab.data.validation import RawTable

#: The file types a table is read from, in the order a folder is searched.
SUFFIXES = (".csv", ".xlsx", ".parquet")


def _csv_grid(path: Path, encoding: str | None) -> tuple[TextGrid, int]:
    """The grid of a CSV file (one row of cell texts per record, as a spreadsheet shows them)
    and the number of fields of its first record (the header's, before the grid's padding).

    The encoding is detected (:func:`talentlab.data.readers.detect_encoding`) or given; a lone CR
    (old Mac line ends) counts as a line break; an unclosed quote is an error, not a swallowed rest.
    The readers' limits apply (file size, rows, columns, cell length:
    :func:`talentlab.data.readers.parse_csv_grid`).
    """
    text, _enc = readers.decode_file(path, encoding)  # refuses a file mixing encodings, too
    if text.count("\r") != text.count("\r\n"):
        text = re.sub(r"\r(?!\n)", "\n", text)
    first_line = text.lstrip("\ufeff").split("\n", 1)[0]
    # the contract's CSV is comma-separated; sniff only when the header has no comma at all
    delimiter = "," if "," in first_line else readers.sniff_delimiter(text)
    grid = readers.parse_csv_grid(text, delimiter, path.name, strict=True)
    header_fields = fields_per_record(text, delimiter)[:1]  # the csv module's count
    return grid, header_fields[0] if header_fields else grid.width


def _workbook_grid(path: Path) -> tuple[TextGrid, str, int]:
    """The one sheet holding data in a contract workbook, the label naming it and the number of
    cells of its first row.

    Every sheet is looked at: a workbook whose data are on more than one sheet is an error naming
    the sheets (nothing is silently left out); empty sheets carry nothing and are passed over.
    """
    sheets = [(title, TextGrid.from_rows(rows, f"{readers.printable(path.name)} "
                                                f"[{readers.printable(title)}]"),
               len(rows[0]) if rows else 0)
              for title, rows in readers.read_workbook(path)]
    filled = [(title, grid, first) for title, grid, first in sheets if grid.filled().any()]
    if not filled:
        names = ", ".join(repr(t) for t, _, _ in sheets)
        raise ValueError(f"{readers.printable(path.name)}: no sheet holds any data (sheets: "
                         f"{readers.printable(names)})")
    if len(filled) > 1:
        names = ", ".join(f"'{readers.printable(t)}' ({int(grid.filled().sum())} rows)"
                          for t, grid, _ in filled)
        raise ValueError(
            f"{path.name}: data on {len(filled)} sheets: {names}. A table file holds one table "
            "on one sheet: put all rows on one sheet, or run `talentlab import`, which reads "
            "every sheet")
    title, grid, first = filled[0]
    # formulas without a calculated value are refused by read_workbook itself (both paths)
    label = path.name if len(sheets) == 1 else f"{path.name} [sheet '{readers.printable(title)}']"
    return grid, label, first


def _grid_to_table(grid: TextGrid | list[list[str]], name: str, label: str,
                   header_fields: int | None = None) -> RawTable:
    """A RawTable from a grid of cell texts whose first row is the header, which had
    ``header_fields`` cells before the grid padded it (all of the first row when ``None``).

    Entirely empty rows are not records (spreadsheets leave them) and are skipped; every other
    row keeps the number a person sees. Duplicate header names are kept (the contract check
    reports them). A cell beyond the header's width is an error. The checks run column by
    column over the grid, never cell by cell in Python.
    """
    grid = TextGrid.from_rows(grid, label)
    if not len(grid) or not any(c.strip() for c in grid[0]):
        what = "the file is empty" if not grid.filled().any() else \
            "row 1 is empty: the header must be the first row"
        raise ValueError(f"{label}: {what} (expected a header row with the columns of '{name}')")
    header = [unicodedata.normalize("NFC", c).strip().lstrip("\ufeff") for c in grid[0]]
    body = grid[1:]
    keep = np.flatnonzero(body.filled())  # row keep[k] + 2 is the k-th record
    records = body.take(keep)
    width = len(header) if header_fields is None else min(header_fields, len(header))
    header = header[:width]
    while width and not header[width - 1] and not _holds_text(records.cells[:, width - 1]):
        width -= 1  # trailing empty header cells over empty columns (a spreadsheet's ragged edge)
    header = header[:width]
    cells = records.columns(width)
    # a NUL byte never gets here: the CSV reader and read_workbook name its row and column
    beyond = (np.flatnonzero(TextGrid(records.cells[:, width:]).filled())
              if records.width > width else [])
    if len(beyond):
        row = records[int(beyond[0])]
        n_cells = 1 + max(j for j, c in enumerate(row) if c.strip())
        value = next(c for c in row[width:] if c.strip())
        raise ValueError(f"{label}, row {keep[beyond[0]] + 2}: {n_cells} cells but the header "
                         f"has {width} (value {value[:60]!r} has no column); an unquoted delimiter "
                         "inside a value?")
    for j, h in enumerate(header):
        if not h:
            raise ValueError(f"{label}, row 1, column {j + 1}: the header cell is empty but the "
                             "column holds data (a title row above the header? The header must "
                             "be row 1; `talentlab import` finds it below a title)")
    text = pd.DataFrame(cells, columns=header, dtype="object")
    return RawTable(name=name, file=label, text=text, rows=keep + 2)


def _holds_text(column: np.ndarray) -> bool:
    """Whether a column of cell texts has a cell that is not blank."""
    return bool(len(column)) and TextGrid(column.reshape(-1, 1)).filled().any()


def read_table_text(path: str | os.PathLike, name: str, encoding: str | None = None) -> RawTable:
    """Read a table file with every cell as text, remembering the row numbers a person sees.

    ``encoding`` names a CSV file's encoding (``--encoding``); by default it is detected and a file
    that cannot be read safely (e.g. Big5 that would turn into GB18030 mojibake) is refused. Any
    file that cannot be read is a ``ValueError`` naming it.
    """
    path = Path(path)
    label = path.name
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            grid, header_fields = _csv_grid(path, encoding)
            return _grid_to_table(grid, name, label, header_fields)
        if suffix == ".xlsx":
            grid, label, header_fields = _workbook_grid(path)
            return _grid_to_table(grid, name, label, header_fields)
        if suffix == ".parquet":
            try:
                typed = pd.read_parquet(path)
            except OSError:
                raise
            except Exception as exc:  # pyarrow raises several types for a broken file
                raise ValueError(f"{label}: cannot be read as Parquet ({type(exc).__name__}: "
                                 f"{str(exc)[:200]})") from None
            text = pd.DataFrame({c: _to_text(typed[c]) for c in typed.columns})
            text.columns = [str(c).strip() for c in text.columns]
            rows = np.arange(len(text)) + 1  # parquet has no header line: records from 1
            return RawTable(name=name, file=label, text=text, rows=rows)
    except ValueError:
        raise
    except OSError as exc:
        raise ValueError(f"{label}: cannot be read ({exc.strerror or exc})") from None
    raise ValueError(f"{label}: unsupported file type {suffix!r} (use .csv, .xlsx or .parquet)")


def _to_text(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        out = col.map({True: "true", False: "false"})
    elif pd.api.types.is_float_dtype(col):
        out = col.map(lambda v: repr(float(v)) if pd.notna(v) else "")
    else:
        out = col.astype("string")
    return out.astype("string").fillna("")


def find_table_file(data_dir: str | os.PathLike, name: str) -> Path:
    """The file holding table ``name`` in ``data_dir`` (``name.csv``, ``.xlsx`` or ``.parquet``)."""
    data_dir = Path(data_dir)
    found = [data_dir / f"{name}{s}" for s in SUFFIXES
             if (data_dir / f"{name}{s}").exists() or (data_dir / f"{name}{s}").is_symlink()]
    if not found:
        raise FileNotFoundError(
            f"{data_dir}: no file for table '{name}' (expected {name}.csv, {name}.xlsx or "
            f"{name}.parquet)"
        )
    if len(found) > 1:
        raise ValueError(f"{data_dir}: table '{name}' is given twice: "
                         + ", ".join(p.name for p in found))
    return readers.check_regular_file(found[0], data_dir)  # links inside, regular files only


def sha256_file(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes as hex, read in 1 MiB pieces (a large file is never held
    in memory whole).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = path.write_bytes(b"abc")
    >>> sha256_file(path)[:16]
    'ba7816bf8f01cfea'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
