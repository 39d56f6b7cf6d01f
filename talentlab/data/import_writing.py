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
from talentlab.data.import_columns import codes_and_values, column_texts, take_values
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

    Each distinct text of a column is encoded once and the rows joined in C: writing 100,000
    rows with ``csv.writer`` took longer than converting them.

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
    fields = _joined_fields([_csv_codes(df[c]) for c in df.columns], len(df))
    body = "\n".join(map(",".join, zip(*fields, strict=True))) if len(fields) > 1 else \
        "\n".join(fields[0])
    return (buf.getvalue() + body + ("\n" if len(df) else "")).encode("utf-8")


#: A field the csv module writes as it is (no delimiter, quote or line break in it).
_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``(codes, fields)``: a column's distinct texts as CSV fields of a row of several and,
    per row, the position of its field (code -1: an empty field)."""
    codes, values = codes_and_values(column)
    if not _CSV_SPECIAL.search("".join(values)):  # the usual case: no text needs quoting
        return codes, values
    encoded = []
    for v in values:
        if _CSV_SPECIAL.search(v):
            one = _io.StringIO()
            csv.writer(one, lineterminator="\n").writerow([v, ""])
            v = one.getvalue()[:-2]  # the field without the ",\n" of the empty second field
        encoded.append(v)
    return codes, encoded


def _joined_fields(columns: list[tuple[np.ndarray, list[str]]], n_rows: int) -> list[list[str]]:
    """The rows' fields with each run of neighbouring repetitive columns joined into one
    (``a,b,c``): the distinct combinations of the run are joined once and taken per row, so
    the rows are joined from a few fields instead of one per column (most columns of an export
    hold a few texts; identifiers and names stay fields of their own).

    A column is repetitive when it has at most a quarter as many texts as rows; a run whose
    combinations are more than half the rows is written column by column. Either way the
    text is the same.
    """
    out: list[list[str]] = []
    run: list[tuple[np.ndarray, list[str]]] = []

    def flush() -> None:
        if len(run) < 2:
            out.extend(take_values(values, codes).tolist() for codes, values in run)
        else:
            out.extend(_run_fields(run, n_rows))
        run.clear()

    for codes, values in columns:
        if 4 * (len(values) + 1) <= n_rows:
            run.append((codes, values))
            continue
        flush()
        out.append(take_values(values, codes).tolist())
    flush()
    return out


def _run_fields(run: list[tuple[np.ndarray, list[str]]], n_rows: int) -> list[list[str]]:
    """One run of :func:`_joined_fields`: ``[joined fields]``, or the columns' own fields when
    the combinations are too many to gain anything."""
    key = np.zeros(n_rows, dtype=np.int64)
    size = 1
    for codes, values in run:  # mixed radix; codes -1 (empty) become the last digit
        k = len(values) + 1
        if size * k >= 2 ** 62:
            key, uniques = pd.factorize(key)
            size = len(uniques)
        key = key * k + np.where(codes < 0, len(values), codes)
        size *= k
    combo, uniques = pd.factorize(key)
    if 2 * len(uniques) > n_rows:
        return [take_values(values, codes).tolist() for codes, values in run]
    first = np.empty(len(uniques), dtype=np.intp)  # a row of each combination
    first[combo[::-1]] = np.arange(n_rows - 1, -1, -1, dtype=np.intp)
    parts = [take_values(values, codes[first]).tolist() for codes, values in run]
    joined = list(map(",".join, zip(*parts, strict=True)))
    return [take_values(joined, combo).tolist()]


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
