"""``talentlab import``: writing the output folder, or a failed import's report beside it.

The tables are written as CSV (UTF-8, ``\\n``, minimal quoting; :func:`csv_bytes`) with
``datapackage.json`` and the reports, through a temporary folder swapped in as one step
(:func:`write_import`): a failed or interrupted import leaves nothing half-way, and re-running on
the same input gives identical bytes. Part of :mod:`talentlab.data.importer`.
"""

from __future__ import annotations

import csv
import io as _io
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data.atomic import atomic_write_text, write_folder_atomically
from talentlab.data.descriptor import write_datapackage
from talentlab.data.import_columns import codes_and_values, column_texts, object_array
from talentlab.data.import_report import failure_report_paths
from talentlab.data.mappings import IMPORT_TABLES


def write_failure_report(out: Path, report: dict, md: str) -> Path | None:
    """Write a failed import's report beside ``out`` (:func:`failure_report_paths`); ``None``
    when the folder above ``out`` cannot be written (the message still lists the problems).

    Parameters
    ----------
    out : Path
        The output folder the import would have written (left untouched).
    report : dict
        The import report, written as JSON.
    md : str
        The report as Markdown.

    Returns
    -------
    Path or None
        The Markdown report written, or ``None``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> write_failure_report(out, {"problems": []}, "# report\\n").name, out.exists()
    ('out.import_report.md', False)
    """
    md_path, json_path = failure_report_paths(out)
    try:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(json_path, json.dumps(report, ensure_ascii=False, indent=2,
                                                sort_keys=True) + "\n")
        atomic_write_text(md_path, md)
    except OSError:
        return None
    return md_path


def csv_bytes(df: pd.DataFrame) -> bytes:
    """A table as CSV (UTF-8, ``\\n``), quoted as :mod:`csv` quotes (minimal quoting).

    Each distinct text of a column is quoted and encoded once, with the comma before it, and
    the rows are put together from these bytes in C: writing 100,000 rows with ``csv.writer``
    took longer than converting them, and encoding the finished text once more cost a fifth of
    the writing.

    Examples
    --------
    >>> import pandas as pd
    >>> csv_bytes(pd.DataFrame({"major": ["IC", "a,b"], "n": ["1", ""]}))
    b'major,n\\nIC,1\\n"a,b",\\n'
    """
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    if len(df.columns) < 2:  # a row of one empty field is written '""': left to the module
        w.writerows(zip(*(column_texts(df[c]) for c in df.columns), strict=True))
        return buf.getvalue().encode("utf-8")
    n_rows = len(df)
    fields = _joined_fields([_csv_codes(df[c], after_comma=j > 0)
                             for j, c in enumerate(df.columns)], n_rows)
    # every piece in one list, row after row (its fields, then the line break), joined once
    width = len(fields) + 1
    pieces = [b"\n"] * (width * n_rows + 1)
    pieces[0] = buf.getvalue().encode("utf-8")
    for j, row_fields in enumerate(fields):
        pieces[1 + j::width] = row_fields
    return b"".join(pieces)


#: A field the csv module writes as it is (no delimiter, quote or line break in it).
_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_codes(column: pd.Series, after_comma: bool) -> tuple[np.ndarray, list[bytes]]:
    """``(codes, fields)``: a column's distinct texts as the UTF-8 bytes of its CSV fields in a
    row of several (each after a comma when ``after_comma``), the empty field last, and per
    row the position of its field."""
    codes, values = codes_and_values(column)
    if _CSV_SPECIAL.search("".join(values)):  # a text to quote: quoted as csv.writer quotes
        values = [_quoted(v) if _CSV_SPECIAL.search(v) else v for v in values]
    if after_comma:
        values = list(map(",".__add__, values))
    fields = list(map(str.encode, values))  # UTF-8
    fields.append(b"," if after_comma else b"")
    return np.where(codes < 0, len(values), codes), fields


def _quoted(text: str) -> str:
    """``text`` as :mod:`csv` writes it as a field of a row of several."""
    one = _io.StringIO()
    csv.writer(one, lineterminator="\n").writerow([text, ""])
    return one.getvalue()[:-2]  # the field without the ",\n" of the empty second field


def _pick(fields: list[bytes], codes: np.ndarray) -> list[bytes]:
    """``fields[codes[k]]`` for every row ``k``."""
    return object_array(fields)[codes].tolist()


def _joined_fields(columns: list[tuple[np.ndarray, list[bytes]]], n_rows: int
                   ) -> list[list[bytes]]:
    """The rows' fields with each run of neighbouring repetitive columns joined into one
    (``a,b,c``): the distinct combinations of the run are joined once and taken per row, so
    the rows are put together from a few fields instead of one per column (most columns of an
    export hold a few texts; identifiers and names stay fields of their own).

    ``columns`` are given by :func:`_csv_codes` (codes without -1). A column is repetitive
    when it has at most a quarter as many texts as rows; a run whose combinations are more
    than half the rows is written column by column. Either way the bytes are the same.
    """
    out: list[list[bytes]] = []
    run: list[tuple[np.ndarray, list[bytes]]] = []

    def flush() -> None:
        if len(run) < 2:
            out.extend(_pick(fields, codes) for codes, fields in run)
        else:
            out.extend(_run_fields(run, n_rows))
        run.clear()

    for codes, fields in columns:
        if 4 * len(fields) <= n_rows:
            run.append((codes, fields))
            continue
        flush()
        out.append(_pick(fields, codes))
    flush()
    return out


def _run_fields(run: list[tuple[np.ndarray, list[bytes]]], n_rows: int) -> list[list[bytes]]:
    """One run of :func:`_joined_fields`: ``[joined fields]``, or the columns' own fields when
    the combinations are too many to gain anything."""
    key = np.zeros(n_rows, dtype=np.int64)
    size = 1
    for codes, fields in run:  # mixed radix
        k = len(fields)
        if size * k >= 2 ** 62:
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key = key * k + codes
        size *= k
    combo, uniques = pd.factorize(key)
    if 2 * len(uniques) > n_rows:
        return [_pick(fields, codes) for codes, fields in run]
    first = np.empty(len(uniques), dtype=np.intp)  # a row of each combination
    first[combo[::-1]] = np.arange(n_rows - 1, -1, -1, dtype=np.intp)
    parts = [_pick(fields, codes[first]) for codes, fields in run]
    joined = list(map(b"".join, zip(*parts, strict=True)))  # the commas are in the fields
    return [_pick(joined, combo)]


def write_import(out: Path, tables: dict[str, pd.DataFrame], dataset: dict, report: dict,
                 md: str) -> None:
    """Write the tables, ``datapackage.json`` and the reports; a previous import at ``out`` is
    replaced as a whole (:func:`talentlab.data.atomic.write_folder_atomically`), any other
    non-empty folder refused.

    Parameters
    ----------
    out : Path
        The output folder.
    tables : dict of str to DataFrame
        The tables as contract text, written as ``<table>.csv`` (:func:`csv_bytes`).
    dataset : dict
        The data set's keys for ``datapackage.json`` (origin, what was imported from where).
    report : dict
        The import report, written as ``import_report.json``.
    md : str
        The report as Markdown, written as ``import_report.md``.

    Raises
    ------
    ValueError
        ``out`` is neither empty nor a previous import.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out"
    >>> write_import(out, {"programmes": pd.DataFrame({"college": ["A"]})},
    ...              {"data_origin": "user"}, {}, "# report\\n")
    >>> sorted(p.name for p in out.iterdir())
    ['datapackage.json', 'import_report.json', 'import_report.md', 'programmes.csv']
    """
    if out.exists() and any(out.iterdir()) and not (out / "import_report.json").exists():
        raise ValueError(f"{out} is not empty and is not a previous import: refusing to overwrite")

    def write(stage: Path) -> None:
        for t, df in tables.items():
            (stage / f"{t}.csv").write_bytes(csv_bytes(df))
        write_datapackage(stage, dataset, tables=[t for t in IMPORT_TABLES if t in tables])
        atomic_write_text(stage / "import_report.json",
                          json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        atomic_write_text(stage / "import_report.md", md)

    write_folder_atomically(out, write, replace=True)
