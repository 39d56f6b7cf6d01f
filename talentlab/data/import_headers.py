"""``talentlab import``: finding the tables of an export, files to sheets to header row to records.

Every file and sheet is read (:func:`talentlab.data.readers.read_grids`); the header row of each
table is found among the first :data:`HEADER_SCAN_ROWS` rows through the contract's aliases, its
columns are matched to fields (ties are problems), the mapping file's ``derive`` rules combine
columns, a wide three-party evaluation becomes one record per score, and each sheet holding a
table becomes a :class:`Piece` (:func:`find_tables`). Part of :mod:`talentlab.data.importer`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data import progress, readers
from talentlab.data.import_columns import (
    clean_text,
    contract_fields,
    convert_number,
    object_array,
    take_values,
)
from talentlab.data.mappings import (
    DERIVE_JOIN,
    IMPORT_TABLES,
    USER_SOURCE,
    DerivedField,
    Mappings,
    header_keys,
    unmapped_hint,
)
from talentlab.data.problems import Problem
from talentlab.data.template import is_template_readme
from talentlab.data.text_grid import TextGrid

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SCAN_ROWS = 30
#: A header row must name at least this many fields of one table.
MIN_HEADER_FIELDS = 2
#: Fields a questionnaire's response number (序号) may fill, and the prefix it gets.
RESPONSE_NUMBER_IDS = {"rating_id": "Q"}


@dataclass
class Piece:
    """One sheet (or CSV) holding one table, its records column by column.

    Attributes
    ----------
    file, sheet : str
        Where the table was found (``sheet`` is ``None`` for a CSV/TXT file).
    table : str
        The contract table it holds.
    header_row : int
        The sheet row of the header (from 1).
    columns : dict of int to str
        Column index -> field, in the order of ``cells``.
    headers : dict of str to str
        Field -> the header as written (shown beside the field in problems).
    cells : list
        One array of cell texts per field, in the order of ``columns``.
    rows : list of int
        The sheet row of each record.

    Examples
    --------
    >>> Piece("export.xlsx", "2021届", "graduates", 3, {0: "student_id"}, {"student_id": "学号"},
    ...       [["G1"]], [4]).label
    'export.xlsx [2021届]'
    """

    file: str
    sheet: str | None
    table: str
    header_row: int
    columns: dict[int, str]              # column index -> field
    headers: dict[str, str]              # field -> header as written
    #: the records column by column, in the order of ``columns``: one list of cell texts per
    #: field (converting a column at a time, by its distinct values, is what makes a 100,000-row
    #: export fast; a list per record cost a Python step per cell)
    cells: list[list[str]]
    rows: list[int]

    @property
    def label(self) -> str:
        """``file`` or ``file [sheet]``, as problems name the piece."""
        return self.file if self.sheet is None else f"{self.file} [{self.sheet}]"


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class FoundTables:
    """The tables found in the source files, before their values are mapped.

    Attributes
    ----------
    pieces : list of Piece
        Every sheet (or CSV) holding a table, in the order read.
    file_problems : list of Problem
        Files that cannot be read, headers that tie, assigned sheets without a known header.
    source_sha : dict of str to str
        SHA-256 of every source file, by name.
    id_conversions : dict
        (table, field) -> questionnaire response numbers turned into ids.
    """

    pieces: list[Piece] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    source_sha: dict[str, str] = field(default_factory=dict)
    #: (table, field) -> questionnaire response numbers turned into ids
    id_conversions: dict[tuple[str, str], int] = field(default_factory=dict)


def find_tables(files: list[Path], m: Mappings, encoding: str | None, report: dict) -> FoundTables:
    """Read every file and sheet; each sheet holding a table becomes a :class:`Piece`.

    Every sheet looked at is listed in ``report["files"]`` with its status; columns, unmapped
    columns and their hints go to the report too. A file that cannot be read is a problem.

    Parameters
    ----------
    files : list of Path
        The data files of the source.
    m : Mappings
        Aliases and value maps (:func:`talentlab.data.mappings.build_mappings`).
    encoding : str or None
        The encoding of every CSV/TXT file, or ``None`` to detect it.
    report : dict
        The import report; its ``files``, ``columns`` and ``unmapped_headers`` lists are
        appended to.

    Returns
    -------
    FoundTables

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from talentlab.data.mappings import build_mappings
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "去向.csv"
    >>> _ = path.write_text("标题\\n学号,专业,毕业去向\\nG1,软件技术,升学\\n", encoding="utf-8")
    >>> report = {"files": [], "columns": [], "unmapped_headers": []}
    >>> piece = find_tables([path], build_mappings(None), None, report).pieces[0]
    >>> piece.table, piece.header_row, piece.rows
    ('graduates', 2, [3])
    """
    found = FoundTables()
    for path in files:
        found.source_sha[path.name] = _sha256(path)
        try:
            with progress.reading(path, "import"):  # a line on a terminal for a large file
                grids, facts = readers.read_grids(path, encoding)
        except ValueError as exc:  # EncodingError included
            found.file_problems.append(Problem(path.name, None, None, None, str(exc)))
            continue
        for sheet, rows in grids:
            entry = {"file": path.name, "sheet": sheet, **facts}
            report["files"].append(entry)
            piece = _read_sheet(m, path.name, sheet, rows, entry, report, found)
            if piece is not None:
                found.pieces.append(piece)
    return found


def _locate_header(m: Mappings, file: str, sheet: str | None, rows: list[list[str]],
                   entry: dict, problems: list[Problem]) -> tuple[str, dict[int, tuple], int] | None:
    """``(table, header hits, header row index)`` of a sheet, or ``None`` with the reason
    (ignored, empty, template README, no header) in ``entry["status"]``.

    A sheet the mapping file assigns to a table in which no header names any of its fields is a
    problem, not a warning: the user said the table is there (a questionnaire sheet assigned to
    ``employer_ratings`` whose headers nothing recognises must not vanish or come out empty)."""
    forced = m.table_for(file, sheet)
    if forced == "ignore":
        entry["status"] = "ignored (mapping file)"
        return None
    if not any(any(c.strip() for c in r) for r in rows):
        entry["status"] = "empty, nothing to import"
        return None
    if forced is None and is_template_readme(sheet, rows):
        entry["status"] = "skipped: template README"  # notes, not data: no warning
        return None
    found = _find_header(rows, m, forced)
    if found is None and forced is not None:
        entry["status"] = (f"NOT IMPORTED: assigned to {forced} in the mapping file, but no row "
                           f"among the first {HEADER_SCAN_ROWS} names any of its fields")
        label = file if sheet is None else f"{file} [{sheet}]"
        problems.append(Problem(label, None, None, None, (
            f"the mapping file assigns this sheet to {forced} (`tables`), but no row among the "
            f"first {HEADER_SCAN_ROWS} names any of its fields ({', '.join(contract_fields(forced))}): "
            f"add the headers as aliases under `aliases: {forced}:` in mapping.yaml / 映射文件"
            f"将此表指定为 {forced}，但前 {HEADER_SCAN_ROWS} 行中没有任何可识别的字段列名")))
        return None
    if found is None:
        entry["status"] = ("NOT IMPORTED: no row among the first "
                           f"{HEADER_SCAN_ROWS} names {MIN_HEADER_FIELDS} or more known "
                           "columns (assign it in mapping.yaml `tables`, or ignore it)")
        return None
    _, table, hits, hrow = found
    return table, hits, hrow


def _read_sheet(m: Mappings, file: str, sheet: str | None, rows: list[list[str]], entry: dict,
                report: dict, found: FoundTables) -> Piece | None:
    """The table of one sheet (or CSV) as a :class:`Piece`, or ``None`` (status in ``entry``);
    header problems (ties, an assigned sheet with no known header, an incomplete ``derive``)
    go to ``found.file_problems``."""
    located = _locate_header(m, file, sheet, rows, entry, found.file_problems)
    if located is None:
        return None
    table, hits, hrow = located
    header = rows[hrow]
    derived, hits = _derived_columns(m, table, header, hits, file, sheet, report,
                                     found.file_problems)
    columns, headers, problems, tied = _map_header(table, hits, header, file, sheet, report)
    found.file_problems += problems
    body = TextGrid.from_rows(rows)[hrow + 1:]  # row i of body is sheet row hrow + 2 + i
    ncols = max(body.width, len(header))
    sources = {j for _, js in derived for j in js}
    wide = _wide_dimension_columns(m, table, header, {**columns, **dict.fromkeys(sources, "")})
    _report_unmapped_columns(report, file, sheet, header, body, ncols,
                             set(columns) | set(wide) | sources | tied)
    entry.update({"table": table, "header_row": hrow + 1,
                  "title_rows": [" ".join(c.strip() for c in rows[i] if c.strip())
                                 for i in range(hrow) if any(c.strip() for c in rows[i])]})
    cells, rownos, blank, empty_scores = _sheet_records(body, hrow + 2, columns, wide, derived)
    if wide:
        entry["layout"] = ("wide: one column per dimension ("
                           + ", ".join(f"{header[j].strip()} → {d}" for j, d in wide.items())
                           + f"), {empty_scores} empty score cells skipped")
    _response_numbers_to_ids(cells, table, columns, hits, found.id_conversions)
    entry["records"] = len(rownos)
    entry["blank_rows"] = blank
    entry["status"] = "imported"
    ordered = {j: columns[j] for j in sorted(columns)}
    for k, (name, js) in enumerate(derived):  # appended after the columns, in this order
        ordered[ncols + 1 + k] = name
        headers[name] = DERIVE_JOIN.join(header[j].strip() for j in js)
    if wide:
        ordered.update({ncols + len(derived) + 1: "dimension", ncols + len(derived) + 2: "score"})
        headers["dimension"] = " / ".join(header[j].strip() for j in wide)
        headers["score"] = "(the cells under " + headers["dimension"] + ")"
    return Piece(file, sheet, table, hrow + 1, ordered, headers, cells, rownos)


def _score_row(row: list[str], m: Mappings, tables) -> tuple[int, str | None, dict[int, tuple]]:
    best = (0, None, {})
    for table in tables:
        hits: dict[int, tuple] = {}
        for j, cell in enumerate(row):
            if cell.strip():
                hit = m.match_header(table, cell)
                if hit is not None:
                    hits[j] = hit
        n = len({h[0] for h in hits.values()})
        if n > best[0]:
            best = (n, table, hits)
    return best


def _find_header(rows: list[list[str]], m: Mappings, forced: str | None):
    tables = (forced,) if forced else IMPORT_TABLES
    best = (0, None, {}, -1)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        n, table, hits = _score_row(row, m, tables)
        if n > best[0]:
            best = (n, table, hits, i)
    if best[0] < (1 if forced else MIN_HEADER_FIELDS):
        return None
    return best


def _wide_dimension_columns(m: Mappings, table: str, header: list[str],
                            columns: dict[int, str]) -> dict[int, str]:
    """Columns of a wide three-party evaluation (one column per dimension): index -> dimension.

    Only for ``evaluations`` without ``dimension``/``score`` columns: a header that the dimension
    value map knows (实践技能, 职业素养 …, or a dimension name already in use) becomes a dimension.
    """
    if table != "evaluations" or {"dimension", "score"} & set(columns.values()):
        return {}
    from talentlab.data.mappings import QUESTION_NUMBER, UNIT_SUFFIX

    out = {}
    for j, cell in enumerate(header):
        if j in columns or not cell.strip():
            continue
        text = UNIT_SUFFIX.sub("", QUESTION_NUMBER.sub("", clean_text(cell)))
        hit = m.map_value(table, "dimension", text)
        if hit is not None:
            out[j] = hit.target
        elif re.fullmatch(r"[a-z]+(_[a-z]+)+", text):
            out[j] = text
    return out


def _derived_columns(m: Mappings, table: str, header: list[str], hits: dict[int, tuple],
                     file: str, sheet: str | None, report: dict, problems: list[Problem]
                     ) -> tuple[list[tuple[str, list[int]]], dict[int, tuple]]:
    """``([(field, source column indexes)], the other header hits)`` for the mapping file's
    ``derive`` rules of ``table`` in one header row.

    The source columns (目标, 状态) are consumed; a column that an alias maps to a derived field
    yields to the derivation and is listed as not imported. A sheet holding only some of a
    rule's columns is a problem naming the missing ones.
    """
    specs = m.derived.get(table, {})
    if not specs:
        return [], hits
    label = file if sheet is None else f"{file} [{sheet}]"
    keys = {j: header_keys(cell)[0] for j, cell in enumerate(header) if header_keys(cell)}
    derived = []
    for name, spec in specs.items():
        where = [[j for j, k in keys.items() if k == key] for key in spec.keys]
        if not any(where):
            continue
        missing = [c for c, js in zip(spec.columns, where, strict=True) if not js]
        twice = [c for c, js in zip(spec.columns, where, strict=True) if len(js) > 1]
        if missing or twice:
            problems.append(Problem(label, None, name, None, (
                f"derive.{table}.{name} combines the columns {', '.join(spec.columns)}; "
                + (f"not in this sheet: {', '.join(missing)}" if missing else
                   f"more than one column is headed {', '.join(twice)}")
                + " / 映射文件 derive 所需的列缺失或重复")))
            continue
        derived.append((name, [js[0] for js in where]))
    sources = {j for _, js in derived for j in js}
    names = {name: DERIVE_JOIN.join(specs[name].columns) for name, _ in derived}
    kept = {}
    for j, hit in hits.items():
        if j in sources:
            continue
        if hit[0] in names:
            report["unmapped_headers"].append({
                "file": file, "sheet": sheet, "column": _col_letter(j), "header": header[j],
                "hint": f"{table}.{hit[0]} is derived from {names[hit[0]]} (mapping file "
                        "`derive`)"})
            continue
        kept[j] = hit
    for name, js in derived:
        report["columns"].append({"file": file, "sheet": sheet,
                                  "column": "+".join(_col_letter(j) for j in js),
                                  "header": names[name], "table": table, "field": name,
                                  "alias_source": f"{USER_SOURCE} (derive)"})
    return derived, kept


def _map_header(table: str, hits: dict[int, tuple], header: list[str], file: str,
                sheet: str | None, report: dict) -> tuple[dict[int, str], dict[str, str],
                                                          list[Problem], set[int]]:
    """``(column index -> field, field -> header as written, problems, tied columns)``.

    When several columns match one field, an exact match beats a normalised one (a header that
    matches only once a bracketed tail is dropped), then the better-ranked alias wins (the user's
    aliases in the order listed, then the contract's in its order); each other column is listed
    in ``report["unmapped_headers"]``. Columns that tie on both are a problem naming them all:
    which one is meant cannot be told, and taking the first silently imported the wrong
    sub-question (第6题(运动) for an alias of 第6题(阅读)). Every column used goes to
    ``report["columns"]``.
    """
    by_field: dict[str, list[int]] = {}
    for j, hit in sorted(hits.items()):
        by_field.setdefault(hit[0], []).append(j)
    columns, headers, problems, tied_cols = {}, {}, [], set()
    label = file if sheet is None else f"{file} [{sheet}]"

    def strength(j: int) -> tuple[bool, int]:
        return (not hits[j][3], hits[j][2])

    for name, js in by_field.items():
        ranked = sorted(js, key=lambda j: (strength(j), j))
        tied = [j for j in ranked if strength(j) == strength(ranked[0])]
        if len(tied) > 1:
            tied_cols.update(tied)
            how = "exactly" if hits[tied[0]][3] else "only after dropping a bracketed tail"
            problems.append(Problem(label, None, name, None, (
                "columns " + ", ".join(f"{_col_letter(j)} '{header[j].strip()}'" for j in tied)
                + f" all match {table}.{name} {how}, so which one is meant cannot be told: give "
                "the one you mean exactly as an alias (mapping.yaml `aliases`), or rename the "
                "other in a copy of the file / 多列同等匹配同一字段，无法判断应使用哪一列："
                "请在 mapping.yaml 的 aliases 中写出所需列的完整列名")))
            continue
        best = ranked[0]
        columns[best] = name
        headers[name] = header[best].strip()
        for j in ranked[1:]:
            why = "an exact match" if hits[best][3] and not hits[j][3] else "a better-ranked alias"
            report["unmapped_headers"].append({
                "file": file, "sheet": sheet, "column": _col_letter(j),
                "header": header[j], "hint": f"also matches {table}.{name}; the column "
                f"'{headers[name]}' is used ({why})"})
    for j, name in sorted(columns.items()):
        report["columns"].append({"file": file, "sheet": sheet,
                                  "column": _col_letter(j), "header": header[j].strip(),
                                  "table": table, "field": name,
                                  "alias_source": hits[j][1]})
    return columns, headers, problems, tied_cols


def _report_unmapped_columns(report: dict, file: str, sheet: str | None, header: list[str],
                             body: TextGrid, ncols: int, used: set[int]) -> None:
    """List every column not imported (with a header or with values) and a hint for it."""
    unused = [j for j in range(ncols) if j not in used]
    grid = body.columns(max(unused, default=-1) + 1)
    for j in unused:
        htext = header[j].strip() if j < len(header) else ""
        cells = grid[:, j].tolist()
        # blank: empty or white space only, counted at C speed (a column of names has a
        # distinct text per row, so factorising it first cost more than looking at each cell)
        with_values = len(cells) - cells.count("") - sum(map(str.isspace, cells))
        if not htext and not with_values:
            continue
        report["unmapped_headers"].append({
            "file": file, "sheet": sheet, "column": _col_letter(j),
            "header": htext or "(no header)", "rows_with_values": with_values,
            "hint": unmapped_hint(htext) if htext else "values under an empty header"})


def _sheet_records(body: TextGrid, first_row: int, columns: dict[int, str],
                   wide: dict[int, str], derived: list[tuple[str, list[int]]] = ()
                   ) -> tuple[list[np.ndarray], list[int], int, int]:
    """``(records column by column, their row numbers, blank rows, empty score cells)``.

    ``body`` holds the rows below the header, ``first_row`` the sheet row number of its first.
    The columns come in the order of ``columns`` (by index), then one per derived field (its
    combination ``就业 + 已落实``; empty when every part is missing), then, for a wide
    evaluation (one column per dimension), the dimension and the score: one record per
    non-empty score, in row order and then column order.
    """
    filled = body.filled()
    keep = np.flatnonzero(filled)
    blank = len(body) - len(keep)
    rows = body if not blank else body.take(keep)
    used = set(columns) | set(wide) | {j for _, js in derived for j in js}
    grid = rows.columns(max(used, default=-1) + 1)
    cols = [grid[:, j] for j in sorted(columns)]
    for _name, js in derived:
        cols.append(_derived_cells([grid[:, j].tolist() for j in js]))
    rownos = (keep + first_row).tolist()
    if not wide:
        return cols, rownos, blank, 0
    take, dims, scores, empty_scores = [], [], [], 0
    by_dimension = [(dim, grid[:, j].tolist()) for j, dim in wide.items()]
    missing = _missing_lookup()
    for k in range(len(rows)):
        for dim, col in by_dimension:  # one column per dimension: one record per score
            cell = col[k]
            if missing(cell):
                empty_scores += 1
                continue
            take.append(k)
            dims.append(dim)
            scores.append(cell)
    at = np.asarray(take, dtype=np.intp)
    cols = [c[at] for c in cols] + [object_array(dims), object_array(scores)]
    return cols, [rownos[k] for k in take], blank, empty_scores


def _missing_lookup():
    """:func:`talentlab.data.readers.is_missing`, computed once per distinct text."""
    memo: dict[str, bool] = {}

    def missing(text: str) -> bool:
        hit = memo.get(text)
        if hit is None:
            hit = memo[text] = readers.is_missing(text)
        return hit

    return missing


def _derived_cells(parts: list[list[str]]) -> np.ndarray:
    """The combination of a derived field's source cells, row by row (``就业 + 已落实``;
    empty when every part is missing)."""
    missing = _missing_lookup()
    memo: dict[tuple[str, ...], str] = {}
    out = []
    for combo in zip(*parts, strict=True):
        text = memo.get(combo)
        if text is None:
            cleaned = ["" if missing(c) else c.strip() for c in combo]
            text = memo[combo] = DerivedField.combine(cleaned) if any(cleaned) else ""
        out.append(text)
    return object_array(out)


def _response_numbers_to_ids(cells: list[np.ndarray], table: str, columns: dict[int, str],
                             hits: dict[int, tuple], id_conversions: dict) -> None:
    """A questionnaire's response number (序号) becomes an identifier-like ``rating_id``.

    Bare numbers could not be told apart from counts when reports are checked for ids.
    ``cells`` (column by column) is changed in place; the count per (table, field) is added to
    ``id_conversions``.
    """
    for j, name in sorted(columns.items()):
        if hits[j][1] == "questionnaire" and name in RESPONSE_NUMBER_IDS:
            k = sorted(columns).index(j)
            codes, values = pd.factorize(cells[k])
            ids = []
            for text in values:  # each distinct number once
                num = convert_number(text)
                ids.append(f"{RESPONSE_NUMBER_IDS[name]}{int(num):05d}"
                           if num is not None and re.fullmatch(r"\d+", num) else text)
            converted = np.array([i != v for i, v in zip(ids, values, strict=True)] + [False])
            n_conv = int(converted[codes].sum())
            cells[k] = take_values(ids, codes)
            if n_conv:
                id_conversions[(table, name)] = id_conversions.get((table, name), 0) + n_conv
