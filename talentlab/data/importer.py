"""``talentlab import``: a college's exports in, a contract-conformant data folder out.

:func:`import_records` reads every CSV/TXT/XLSX/XLS file of ``SRC`` (a file or a folder) and every
sheet of every workbook, finds the header row of each table (title rows above it are skipped and
reported), recognises each header through the contract's aliases (:mod:`talentlab.data.mappings`),
re-codes values through the value maps (ministry destination categories and codes, 是/否, Likert
labels …), converts numbers and years stored as text (``2017届``, ``2014-2015学年``, ``134小时``),
turns the missing-value markers into empty cells, and validates the result against the contract.

It writes ``OUT/<table>.csv`` (UTF-8), ``OUT/datapackage.json``, ``OUT/import_report.md`` and
``OUT/import_report.json``. Nothing is lost silently:

* every source column is either mapped to a field or listed as unmapped (with a hint for personal
  data such as 姓名, which is never imported);
* every value map applied is listed with its count; where a value was re-coded to a contract level,
  the original stays in ``<field>_original``;
* a row that cannot be imported (an unmapped destination, a broken number …) is an error naming file,
  sheet, row, column and value — unless ``allow_dropped_rows=True``, which drops such rows (and the
  rows of other tables that refer to them) and lists each of them in the report;
* optional fields the files do not have are left empty and named in the report; when two columns
  match one field, the first is used and the other is listed.

Two layouts are reshaped: a questionnaire's response number (序号) becomes ``rating_id``
``Q00001``; a three-party evaluation with one column per dimension (实践技能, 职业素养 …), assigned to
``evaluations`` in the mapping file, becomes one record per score.

SRC is only read; OUT is written through a temporary folder and moved into place, so a failed import
leaves nothing half-way; re-running on the same input gives identical bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data import readers
from talentlab.data.mappings import MappingError, Mappings, build_mappings, unmapped_hint
from talentlab.data.schema import (
    FALSE_TOKENS,
    ORIGINAL_SUFFIX,
    RECORD_TABLES,
    TRUE_TOKENS,
    Problem,
    RawTable,
    atomic_write_text,
    fields,
    validate_tables,
    write_datapackage,
)
from talentlab.data.template import is_template_readme

__all__ = ["import_records", "ImportFailed", "ImportResult", "MappingError", "HEADER_SCAN_ROWS"]

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SCAN_ROWS = 30
_FIELDS: dict[str, dict] = {}
#: A header row must name at least this many fields of one table.
MIN_HEADER_FIELDS = 2
#: Fields a questionnaire's response number (序号) may fill, and the prefix it gets.
RESPONSE_NUMBER_IDS = {"rating_id": "Q"}
MAPPING_NAMES = ("mapping.yaml", "mapping.yml", "mapping.toml")
REPORT_FILES = ("import_report.md", "import_report.json")


class ImportFailed(ValueError):
    """The import found problems; nothing was written. ``problems`` lists them, ``report`` is the
    Markdown report that would have been written."""

    def __init__(self, message: str, problems: list[Problem] | None = None, report: str = ""):
        super().__init__(message)
        self.problems = problems or []
        self.report = report


@dataclass
class ImportResult:
    out: Path
    tables: dict[str, int]
    report: dict
    dropped: int = 0


@dataclass
class _Piece:
    """One sheet (or CSV) holding one table."""

    file: str
    sheet: str | None
    table: str
    header_row: int
    columns: dict[int, str]              # column index -> field
    headers: dict[str, str]              # field -> header as written
    records: list[list[str]]
    rows: list[int]

    @property
    def label(self) -> str:
        return self.file if self.sheet is None else f"{self.file} [{self.sheet}]"


def _fields(table: str) -> dict[str, dict]:
    """The contract's fields of a table (cached: :func:`talentlab.data.schema.fields` copies)."""
    if table not in _FIELDS:
        _FIELDS[table] = fields(table)
    return _FIELDS[table]


def _col_letter(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------
# cells
# --------------------------------------------------------------------------------------------
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)
_UNITS = ("人次", "学时", "小时", "个月", "月", "人", "门", "项", "个", "分", "h", "小时数")
_YEAR = re.compile(r"((?:19|20)\d{2})(?:\s*(?:届|年|级|学年|年度)?|(?:\s*[-/.年—~至]\s*\d{1,4}.*))")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def convert_number(text: str, year: bool = False) -> str | None:
    """Text of a number stored as text, or ``None`` when it is not one.

    Full-width digits, thousands separators and a trailing unit (人, 门, 小时, 个月, 分 …) are
    accepted; with ``year=True`` also ``2017届``, ``2017年``, ``2014-2015学年`` and dates.

    Examples
    --------
    >>> convert_number("１,234人"), convert_number("4.20"), convert_number("三")
    ('1234', '4.20', None)
    >>> convert_number("2017届", year=True), convert_number("2014-2015学年", year=True)
    ('2017', '2014')
    >>> convert_number("2020-06-30", year=True)
    '2020'
    """
    t = _clean(text).replace(" ", "")
    if year:
        m = _YEAR.fullmatch(t)
        if m:
            return m.group(1)
    for unit in _UNITS:
        if t.lower().endswith(unit) and len(t) > len(unit):
            t = t[: -len(unit)]
            break
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    if _NUMBER.fullmatch(t):
        return t
    return None


def _wide_dimension_columns(m: Mappings, table: str, header: list[str],
                            columns: dict[int, str]) -> dict[int, str]:
    """Columns of a wide three-party evaluation (one column per dimension): index -> dimension.

    Only for ``evaluations`` without ``dimension``/``score`` columns: a header that the dimension
    value map knows (实践技能, 职业素养 …, or a dimension name already in use) becomes a dimension.
    """
    if table != "evaluations" or {"dimension", "score"} & set(columns.values()):
        return {}
    from talentlab.data.mappings import _QUESTION_NO, _UNIT_TAIL

    out = {}
    for j, cell in enumerate(header):
        if j in columns or not cell.strip():
            continue
        text = _UNIT_TAIL.sub("", _QUESTION_NO.sub("", _clean(cell)))
        hit = m.map_value(table, "dimension", text)
        if hit is not None:
            out[j] = hit.target
        elif re.fullmatch(r"[a-z]+(_[a-z]+)+", text):
            out[j] = text
    return out


def _convert_cell(m: Mappings, table: str, fdesc: dict, raw_text: str) -> tuple[str, tuple | None]:
    """``(contract text, event)`` of one cell; event: ``("map", source, is_enum)``,
    ``("conv", rule)``, ``("unmapped",)`` or ``None`` (taken as it is)."""
    t = raw_text.strip()
    if readers.is_missing(t):
        return "", None
    name, ftype = fdesc["name"], fdesc["type"]
    enum = fdesc.get("constraints", {}).get("enum")
    if enum is not None:
        if t in enum:
            return t, None
        hit = m.map_value(table, name, t)
        return (hit.target, ("map", hit.source, True)) if hit else (t, ("unmapped",))
    if ftype == "boolean":
        low = _clean(t).lower()
        if low in TRUE_TOKENS or low in FALSE_TOKENS:
            out = "true" if low in TRUE_TOKENS else "false"
            return out, (None if t == out else ("map", "contract", False))
        hit = m.map_value(table, name, t)
        return (hit.target, ("map", hit.source, False)) if hit else (t, ("unmapped",))
    if ftype in ("integer", "number"):
        hit = m.map_value(table, name, t)
        if hit is not None:
            return hit.target, ("map", hit.source, False)
        year = fdesc.get("unit") == "year"
        num = convert_number(t, year=year)
        if num is None:
            return t, ("unmapped",)
        if num == t:
            return t, None
        return num, ("conv", "year from text" if year else "number stored as text")
    hit = m.map_value(table, name, t)  # free text with an optional map (evaluation dimensions)
    if hit is not None and hit.target != t:
        return hit.target, ("map", hit.source, False)
    return t, None


# --------------------------------------------------------------------------------------------
# finding tables
# --------------------------------------------------------------------------------------------
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
    tables = (forced,) if forced else RECORD_TABLES
    best = (0, None, {}, -1)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        n, table, hits = _score_row(row, m, tables)
        if n > best[0]:
            best = (n, table, hits, i)
    if best[0] < (1 if forced else MIN_HEADER_FIELDS):
        return None
    return best


# --------------------------------------------------------------------------------------------
# the import
# --------------------------------------------------------------------------------------------
def _source_files(src: Path) -> tuple[list[Path], list[str], Path | None]:
    """The data files of ``src``, the other files (named in the report) and a mapping file.

    Every entry of the folder is checked before anything is read (the loaders' rules,
    :func:`talentlab.data.readers.check_regular_file`): a link must lead to a file inside ``src``, and a
    file must be a regular file — a named pipe or a link to ``/dev/zero`` would hang the import.
    Sub-folders (and links to folders inside ``src``) are not read; hidden files are passed over.
    """
    if src.is_symlink() or src.exists():
        if not src.is_dir():
            return [readers.check_regular_file(src, src.resolve().parent)], [], None
    else:
        raise FileNotFoundError(f"{src} does not exist")
    data, skipped, mapping = [], [], None
    refused: list[Problem] = []
    for p in sorted(src.iterdir(), key=lambda q: q.name):
        if p.name.startswith((".", "~$")):
            continue
        try:
            readers.check_link_inside(p, src)
            if p.is_dir():
                continue
            readers.check_regular_file(p, src)
        except ValueError as exc:
            rule = str(exc).removeprefix(f"{p.name}: ")
            refused.append(Problem(p.name, None, None, None, rule))
            continue
        if p.name in MAPPING_NAMES:
            mapping = mapping or p
        elif p.suffix.lower() in readers.TEXT_SUFFIXES + readers.WORKBOOK_SUFFIXES:
            data.append(p)
        else:
            skipped.append(p.name)
    if refused:
        listed = "\n".join(f"  - {p.file}: {p.rule}" for p in refused)
        raise ImportFailed(
            f"{len(refused)} problem(s) importing {src.name}: {src} may hold only regular files "
            f"(and links to files inside it) / 源文件夹中只能包含普通文件（及指向文件夹内文件的链接）:"
            f"\n{listed}\nNothing was written / 未写入任何文件. Remove these entries or copy the "
            "files themselves into the folder.", problems=refused)
    if not data:
        raise ImportFailed(_no_table_message(src, [], skipped))
    return data, skipped, mapping


_STATUS_ZH = (
    ("NOT IMPORTED", f"未导入：前 {HEADER_SCAN_ROWS} 行中没有一行包含 {MIN_HEADER_FIELDS} 个或以上的已知列名"
                     "（可在 mapping.yaml 的 tables 中指定表，或忽略该表）"),
    ("empty", "空表，无可导入内容"),
    ("ignored", "已按映射文件忽略"),
    ("skipped: template README", "模板自带的说明页，不是数据"),
)


def _no_table_message(src: Path, entries: list[dict], skipped: list[str]) -> str:
    """The error for a source in which no table was recognised: every file and sheet looked at,
    and why each was not taken, in English and Chinese."""
    lines = []
    for e in entries:
        where = e["file"] + (f" [{e['sheet']}]" if e.get("sheet") else "")
        status = e.get("status", "")
        zh = next((z for k, z in _STATUS_ZH if status.startswith(k)), "")
        lines.append(f"  - {where}: {status}" + (f" / {zh}" if zh else ""))
    exts = ", ".join(readers.TEXT_SUFFIXES + readers.WORKBOOK_SUFFIXES)
    lines += [f"  - {name}: not read (unsupported file type; talentlab import reads {exts}) / "
              "未读取（不支持的文件类型）" for name in skipped]
    if not lines:
        lines.append("  (the folder holds no file / 文件夹中没有文件)")
    return (f"no recognisable table in {src} / 在 {src} 中未找到可识别的数据表 "
            "(graduates, employer_ratings, evaluations, programmes).\n"
            "Files looked at / 已检查的文件:\n" + "\n".join(lines) + "\n"
            "Nothing was written / 未写入任何文件. A table is recognised by a header row naming at "
            f"least {MIN_HEADER_FIELDS} known columns (学号, 专业, 毕业去向 …) among the first "
            f"{HEADER_SCAN_ROWS} rows; add your headers as aliases in mapping.yaml, or assign the "
            "sheet in its `tables` section / 表头行须包含至少 "
            f"{MIN_HEADER_FIELDS} 个已知列名；可在 mapping.yaml 中添加表头别名或指定表。")


def import_records(src: str | os.PathLike, out: str | os.PathLike,
                   mapping: str | os.PathLike | dict | None = None, encoding: str | None = None,
                   allow_dropped_rows: bool = False, origin: dict | None = None) -> ImportResult:
    """Import a college's exports into a contract-conformant data folder.

    Parameters
    ----------
    src : path
        A file or a folder of ``.csv``/``.txt``/``.xlsx``/``.xls`` files. A ``mapping.yaml`` in
        the folder is used when ``mapping`` is not given.
    out : path
        The folder to write (created; a previous import there is replaced; any other non-empty
        folder is refused). Must not be inside ``src``.
    mapping : path or dict, optional
        Extra aliases, value maps, constants, table assignments and the data set's origin
        (see ``data/raw/README.md``).
    encoding : str, optional
        The encoding of every CSV/TXT file, when detection is not wanted.
    allow_dropped_rows : bool
        Drop rows that cannot be imported (each listed in the report) instead of failing.
    origin : dict, optional
        Origin keys for ``datapackage.json`` (override the mapping file's ``dataset``).

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFailed
        Listing every problem (file, sheet, row, column, value, rule); nothing is written.
    MappingError
        A mapping file that cannot be used.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "export").mkdir()
    >>> header = ("院校,专业,学年,专任教师数,双师型教师数,企业兼职教师数,课程总数,校企合作开发课程数,"
    ...           "在校生数,订单班学生数,技术服务项目数,培训中小企业员工数\\n")
    >>> _ = (d / "export" / "专业建设.csv").write_text(
    ...     header + "示例院校,软件技术,2020-2021学年,12,6,3,30,5,200,20,1,-\\n", encoding="gb18030")
    >>> import_records(d / "export", d / "out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.importer.ImportFailed: 1 problem(s) importing export:
      - 专业建设.csv, row 2, column 'sme_employees_trained' (original header '培训中小企业员工数'), value '-': required value is missing / 必填值缺失...
    >>> _ = (d / "export" / "专业建设.csv").write_text(
    ...     header + "示例院校,软件技术,2020-2021学年,12,6,3,30,5,200,20,1,0\\n", encoding="gb18030")
    >>> import_records(d / "export", d / "out").tables
    {'programmes': 1}
    >>> print((d / "out" / "programmes.csv").read_text().splitlines()[1])
    示例院校,软件技术,2020,12,6,3,30,5,200,20,1,0
    """
    src, out = Path(src), Path(out)
    if out.resolve() == src.resolve() or src.resolve() in out.resolve().parents:
        raise ValueError(f"the output folder {out} must not be inside the source {src} "
                         "(the source is never modified)")
    files, skipped, found_mapping = _source_files(src)
    if mapping is None and found_mapping is not None:
        mapping = found_mapping
    m = build_mappings(mapping)
    mapping_name = m.mapping_file

    report: dict = {"source": src.name, "mapping": mapping_name, "files": [], "columns": [],
                    "unmapped_headers": [], "value_mappings": [], "conversions": [],
                    "unmapped_values": [], "problems": [], "dropped_rows": [], "tables": {},
                    "skipped_files": skipped}
    pieces: list[_Piece] = []
    id_conversions: dict[tuple[str, str], int] = {}
    file_problems: list[Problem] = []
    source_sha = {}
    for path in files:
        source_sha[path.name] = _sha256(path)
        try:
            grids, facts = readers.read_grids(path, encoding)
        except ValueError as exc:  # EncodingError included
            file_problems.append(Problem(path.name, None, None, None, str(exc)))
            continue
        for sheet, rows in grids:
            entry = {"file": path.name, "sheet": sheet, **facts}
            report["files"].append(entry)
            nonempty = [i for i, r in enumerate(rows) if any(c.strip() for c in r)]
            forced = m.table_for(path.name, sheet)
            if forced == "ignore":
                entry["status"] = "ignored (mapping file)"
                continue
            if not nonempty:
                entry["status"] = "empty, nothing to import"
                continue
            if forced is None and is_template_readme(sheet, rows):
                entry["status"] = "skipped: template README"  # notes, not data: no warning
                continue
            found = _find_header(rows, m, forced)
            if found is None:
                entry["status"] = ("NOT IMPORTED: no row among the first "
                                   f"{HEADER_SCAN_ROWS} names {MIN_HEADER_FIELDS} or more known "
                                   "columns (assign it in mapping.yaml `tables`, or ignore it)")
                continue
            _, table, hits, hrow = found
            header = rows[hrow]
            columns, headers, used_rank = {}, {}, {}
            for j, (name, _source, rank) in sorted(hits.items()):
                if name in used_rank and used_rank[name][1] <= rank:
                    report["unmapped_headers"].append({
                        "file": path.name, "sheet": sheet, "column": _col_letter(j),
                        "header": header[j], "hint": f"also matches {table}.{name}; the column "
                        f"'{headers[name]}' is used"})
                    continue
                if name in used_rank:  # a better alias: the earlier one becomes the duplicate
                    j_old = used_rank[name][0]
                    report["unmapped_headers"].append({
                        "file": path.name, "sheet": sheet, "column": _col_letter(j_old),
                        "header": header[j_old], "hint": f"also matches {table}.{name}; the "
                        f"column '{header[j]}' is used"})
                    columns.pop(j_old)
                columns[j] = name
                headers[name] = header[j].strip()
                used_rank[name] = (j, rank)
            for j, name in sorted(columns.items()):
                report["columns"].append({"file": path.name, "sheet": sheet,
                                          "column": _col_letter(j), "header": header[j].strip(),
                                          "table": table, "field": name,
                                          "alias_source": hits[j][1]})
            data_rows = [(i, rows[i]) for i in range(hrow + 1, len(rows))]
            width = max((len(r) for _, r in data_rows), default=len(header))
            wide = _wide_dimension_columns(m, table, header, columns)
            for j in range(max(width, len(header))):
                if j in columns or j in wide:
                    continue
                htext = header[j].strip() if j < len(header) else ""
                with_values = sum(1 for _, r in data_rows if j < len(r) and r[j].strip())
                if not htext and not with_values:
                    continue
                report["unmapped_headers"].append({
                    "file": path.name, "sheet": sheet, "column": _col_letter(j),
                    "header": htext or "(no header)", "rows_with_values": with_values,
                    "hint": unmapped_hint(htext) if htext else "values under an empty header"})
            entry.update({"table": table, "header_row": hrow + 1,
                          "title_rows": [" ".join(c.strip() for c in rows[i] if c.strip())
                                         for i in range(hrow) if i in set(nonempty)]})
            records, rownos, blank = [], [], []
            empty_scores = 0
            for i, r in data_rows:
                if not any(c.strip() for c in r):
                    blank.append(i + 1)
                    continue
                base = [r[j] if j < len(r) else "" for j in sorted(columns)]
                if not wide:
                    records.append(base)
                    rownos.append(i + 1)
                    continue
                for j, dim in wide.items():  # one column per dimension: one record per score
                    cell = r[j] if j < len(r) else ""
                    if readers.is_missing(cell):
                        empty_scores += 1
                        continue
                    records.append(base + [dim, cell])
                    rownos.append(i + 1)
            if wide:
                entry["layout"] = ("wide: one column per dimension ("
                                   + ", ".join(f"{header[j].strip()} → {d}" for j, d in wide.items())
                                   + f"), {empty_scores} empty score cells skipped")
            # a questionnaire's response number (序号) becomes an identifier-like rating_id
            # (bare numbers could not be told apart from counts when reports are checked for ids)
            for j, name in sorted(columns.items()):
                if hits[j][1] == "questionnaire" and name in RESPONSE_NUMBER_IDS:
                    k = sorted(columns).index(j)
                    n_conv = 0
                    for rec in records:
                        num = convert_number(rec[k])
                        if num is not None and re.fullmatch(r"\d+", num):
                            rec[k] = f"{RESPONSE_NUMBER_IDS[name]}{int(num):05d}"
                            n_conv += 1
                    if n_conv:
                        id_conversions[(table, name)] = id_conversions.get((table, name), 0) + n_conv
            entry["records"] = len(records)
            entry["blank_rows"] = len(blank)
            entry["status"] = "imported"
            ordered = {j: columns[j] for j in sorted(columns)}
            if wide:
                big = max(width, len(header)) + 1
                ordered.update({big: "dimension", big + 1: "score"})
                headers["dimension"] = " / ".join(header[j].strip() for j in wide)
                headers["score"] = "(the cells under " + headers["dimension"] + ")"
            pieces.append(_Piece(path.name, sheet, table, hrow + 1, ordered, headers, records,
                                 rownos))

    if not pieces and not file_problems:
        raise ImportFailed(_no_table_message(src, report["files"], skipped))
    not_imported = [f"{e['file']}" + (f" [{e['sheet']}]" if e["sheet"] else "") + f": {e['status']}"
                    for e in report["files"] if e.get("status", "").startswith("NOT IMPORTED")]
    report["warnings"] = not_imported

    # ---- per table: map values, convert, validate -------------------------------------------
    by_table: dict[str, list[_Piece]] = {}
    for p in pieces:
        by_table.setdefault(p.table, []).append(p)
    texts, originals, locs, raws = {}, {}, {}, {}
    unmapped_probs: list[_Located] = []
    value_counts: Counter = Counter()
    conv_counts: Counter = Counter()
    conv_examples: dict = {}
    for (t, n), c in id_conversions.items():
        rule = f"questionnaire response number → {n} {RESPONSE_NUMBER_IDS[n]}00001 …"
        conv_counts[(t, n, rule)] += c
        conv_examples[(t, n, rule)] = {f"1 → {RESPONSE_NUMBER_IDS[n]}00001"}
    unmapped: dict = {}
    empty_fields: dict[str, list[str]] = {}
    for table, plist in by_table.items():
        spec = _fields(table)
        names = list(spec)
        loc = [(p, r) for p in plist for r in p.rows]
        cols = {n: [] for n in names}
        orig = {n: [] for n in names}
        present = set()
        for p in plist:
            idx = {name: k for k, name in enumerate(p.columns.values())}
            present |= set(idx)
            for rec in p.records:
                for n in names:
                    if n in idx:
                        orig[n].append(rec[idx[n]])
                    elif n in m.constants.get(table, {}):
                        orig[n].append(m.constants[table][n])
                    else:
                        orig[n].append(None)  # column absent in this piece
        present |= set(m.constants.get(table, {}))
        left_empty = [n for n in names if n not in present
                      and not spec[n].get("constraints", {}).get("required")]
        for n in left_empty:  # an optional field the export does not have: empty, and reported
            present.add(n)
            orig[n] = [None] * len(loc)
        empty_fields[table] = left_empty
        changed_enum = set()
        for n in names:
            memo: dict[str, tuple] = {}
            for k, raw_text in enumerate(orig[n]):
                if raw_text is None:
                    cols[n].append("")
                    continue
                if raw_text not in memo:
                    memo[raw_text] = _convert_cell(m, table, spec[n], raw_text)
                out_text, event = memo[raw_text]
                cols[n].append(out_text)
                if event is None:
                    continue
                kind, t = event[0], raw_text.strip()
                if kind == "map":
                    value_counts[(table, n, t, out_text, event[1])] += 1
                    if event[2]:
                        changed_enum.add(n)
                elif kind == "conv":
                    conv_counts[(table, n, event[1])] += 1
                    ex = conv_examples.setdefault((table, n, event[1]), set())
                    if len(ex) < 3:
                        ex.add(f"{t} → {out_text}")
                else:
                    unmapped.setdefault((table, n, t), []).append(k)
        text = pd.DataFrame({n: cols[n] for n in names if n in present}, dtype=object)
        for n in names:
            if n in changed_enum:
                text[n + ORIGINAL_SUFFIX] = [("" if v is None or readers.is_missing(v) else
                                              v.strip()) for v in orig[n]]
        texts[table] = text
        originals[table] = orig
        locs[table] = loc
    for (table, n, value), ks in sorted(unmapped.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                           kv[1][0])):
        rows_ = []
        for k in ks:
            p, r = locs[table][k]
            rows_.append({"file": p.file, "sheet": p.sheet, "row": r})
            unmapped_probs.append(_Located(Problem(p.label, r, n, value,
                                                   _unmapped_rule(_fields(table)[n]),
                                                   header=p.headers.get(n)), table, k))
        report["unmapped_values"].append({"table": table, "field": n, "value": value,
                                          "count": len(ks), "rows": rows_})

    # validation with row positions, translated back to file/sheet/row; dropping if allowed
    keep = {t: np.ones(len(texts[t]), dtype=bool) for t in texts}
    unmapped_at = {(lp.problem.file, lp.problem.row, lp.problem.column) for lp in unmapped_probs}
    dropped: dict[tuple[str, int], list[str]] = {}
    for _round in range(8):
        raws = {}
        for t, text in texts.items():
            pos = np.flatnonzero(keep[t])
            sub = text.iloc[pos].reset_index(drop=True)
            raws[t] = RawTable(name=t, file=t, text=sub.astype("string"), rows=pos)
        _typed, vprobs = validate_tables(raws)
        row_probs: list[_Located] = []
        table_probs: list[Problem] = []
        for p in vprobs:
            if p.file in texts and p.row is not None:
                k = int(p.row)
                piece, r = locs[p.file][k]
                value = p.value
                if p.column in _fields(p.file):
                    o = originals[p.file][p.column][k]
                    value = o.strip() if isinstance(o, str) else value
                if (piece.label, r, p.column) in unmapped_at:
                    continue
                row_probs.append(_Located(Problem(piece.label, r, p.column, value, p.rule,
                                                  header=piece.headers.get(p.column)), p.file, k))
            elif p.file in texts:
                labels = ", ".join(sorted({pc.label for pc in by_table[p.file]}))
                table_probs.append(Problem(labels, None, p.column, p.value, p.rule))
            else:
                table_probs.append(p)
        all_row = [lp for lp in unmapped_probs if keep[lp.table][lp.pos]] + row_probs
        if table_probs or file_problems or not all_row or not allow_dropped_rows:
            break
        for lp in all_row:
            keep[lp.table][lp.pos] = False
            dropped.setdefault((lp.problem.file, lp.problem.row), []).append(str(lp.problem))
    problems = file_problems + table_probs + [lp.problem for lp in all_row]
    problems = sorted(dict.fromkeys(problems), key=_problem_order)
    report["problems"] = [_problem_dict(p) for p in problems]
    report["dropped_rows"] = [{"file_sheet": f, "row": r, "reasons": rs}
                              for (f, r), rs in sorted(dropped.items())]
    report["value_mappings"] = [
        {"table": t, "field": n, "from": v, "to": to, "source": s, "count": c}
        for (t, n, v, to, s), c in sorted(value_counts.items())]
    report["conversions"] = [
        {"table": t, "field": n, "rule": rule, "count": c,
         "examples": sorted(conv_examples[(t, n, rule)])}
        for (t, n, rule), c in sorted(conv_counts.items())]
    final = {t: texts[t].iloc[np.flatnonzero(keep[t])].reset_index(drop=True) for t in texts}
    report["tables"] = {
        t: {"rows": int(len(final[t])),
            "sources": [p.label for p in by_table[t]],
            "columns_kept_original": [c for c in final[t].columns if c.endswith(ORIGINAL_SUFFIX)],
            "optional_fields_not_in_the_files": empty_fields.get(t, [])}
        for t in RECORD_TABLES if t in final}
    report["tables_not_found"] = [t for t in RECORD_TABLES if t not in final]
    md = render_report(report)
    if problems:
        n = len(problems)
        listed = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {n - 50} more" if n > 50 else ""
        hint = ("" if allow_dropped_rows else
                "\nNothing was written. Fix the file or the mapping (mapping.yaml: aliases/values), "
                "or pass --allow-dropped-rows to drop the rows listed (they are named in the report).")
        summary = ""
        if len(report["unmapped_values"]) > 1 or n > 50:
            summary = "\nValues no mapping knows (add them under `values` in mapping.yaml):\n" + \
                "\n".join(f"  - {u['table']}.{u['field']} = '{u['value']}': {u['count']} row(s)"
                          for u in report["unmapped_values"][:30])
        raise ImportFailed(f"{n} problem(s) importing {src.name}:\n{listed}"
                           f"{more}{summary}{hint}", problems=problems, report=md)

    # ---- write -----------------------------------------------------------------------------
    dataset = {**m.dataset, **(origin or {})}
    dataset.setdefault("data_origin", "user")
    dataset.setdefault("name", _slug(out.name))
    dataset["imported_from"] = {
        "source": src.name, "mapping": mapping_name,
        "source_sha256": dict(sorted(source_sha.items())),
        "columns": {t: {pc.label: pc.headers for pc in by_table[t]} for t in final},
    }
    _write_atomically(out, final, dataset, report, md)
    return ImportResult(out=out, tables={t: int(len(df)) for t, df in final.items()},
                        report=report, dropped=len(dropped))


@dataclass(frozen=True)
class _Located:
    problem: Problem
    table: str
    pos: int


def _unmapped_rule(fdesc: dict) -> str:
    enum = fdesc.get("constraints", {}).get("enum")
    if enum is not None:
        return ("value is not a contract level and no value map knows it (levels: "
                + ", ".join(enum) + "); add it under `values` in mapping.yaml")
    if fdesc["type"] == "boolean":
        return "not a yes/no value (是/否, true/false …); add it under `values` in mapping.yaml"
    return f"not a {'whole number' if fdesc['type'] == 'integer' else 'number'}"


def _problem_order(p: Problem):
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.rule)


def _problem_dict(p: Problem) -> dict:
    from talentlab.data.schema import as_typed, rule_zh

    return {"file": p.file, "row": p.row, "column": p.column, "header": p.header,
            "value": None if p.value is None else as_typed(p.value), "rule": p.rule,
            "rule_zh": rule_zh(p.rule)}


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", unicodedata.normalize("NFKC", name)).strip("-.")
    return s or "imported"


def _csv_bytes(df: pd.DataFrame) -> bytes:
    import csv
    import io as _io

    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False):
        w.writerow(["" if v is None else str(v) for v in row])
    return buf.getvalue().encode("utf-8")


def _write_atomically(out: Path, tables: dict[str, pd.DataFrame], dataset: dict, report: dict,
                      md: str) -> None:
    if out.exists() and any(out.iterdir()) and not (out / "import_report.json").exists():
        raise ValueError(f"{out} is not empty and is not a previous import: refusing to overwrite")
    out.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    try:
        os.chmod(stage, 0o755)
        for t, df in tables.items():
            (stage / f"{t}.csv").write_bytes(_csv_bytes(df))
        write_datapackage(stage, dataset, tables=[t for t in RECORD_TABLES if t in tables])
        atomic_write_text(stage / "import_report.json",
                          json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        atomic_write_text(stage / "import_report.md", md)
        old = None
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".old", dir=out.parent))
            os.replace(out, old / "previous")
        os.replace(stage, out)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------
def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_report(r: dict) -> str:
    """``import_report.md`` from the report dictionary (also written as JSON)."""
    out = [f"# Import report / 导入报告: `{_md(r['source'])}`\n",
           f"Mapping file: {'`' + r['mapping'] + '`' if r['mapping'] else 'none (contract aliases only)'}.\n"]
    status = "FAILED — nothing written / 导入失败，未写入任何文件" if r["problems"] else "imported / 已导入"
    out.append(f"**Status:** {status}. Tables: " + (", ".join(
        f"`{t}` {v['rows']} rows" for t, v in r["tables"].items()) or "none") + ".")
    for t, v in r["tables"].items():
        if v.get("optional_fields_not_in_the_files"):
            out.append(f" `{t}`: optional fields not in the files, left empty: "
                       + ", ".join(f"`{f}`" for f in v["optional_fields_not_in_the_files"]) + ".")
    if r.get("tables_not_found"):
        out.append(f" Not found: {', '.join(f'`{t}`' for t in r['tables_not_found'])}.")
    out.append("\n")
    if r.get("warnings"):
        out.append("## Warnings / 警告\n")
        out += [f"- {_md(w)}" for w in r["warnings"]]
        out.append("")
    out.append("## Files and sheets / 文件与工作表\n")
    out.append("| file | sheet | encoding | table | header row | title rows above | records | blank rows | status |")
    out.append("|---|---|---|---|---|---|---|---|---|")
    for f in r["files"]:
        out.append(f"| {_md(f['file'])} | {_md(f['sheet'] or '')} | {f.get('encoding', '')} | "
                   f"{f.get('table', '')} | {f.get('header_row', '')} | "
                   f"{_md(' / '.join(f.get('title_rows', [])))} | {f.get('records', '')} | "
                   f"{f.get('blank_rows', '')} | "
                   f"{_md(f.get('status', '') + ('; ' + f['layout'] if f.get('layout') else ''))} |")
    if r["skipped_files"]:
        out.append(f"\nOther files, not read: {', '.join(r['skipped_files'])}.")
    out.append("\n## Columns / 列映射\n")
    out.append("| file | sheet | column | header | → table.field | alias source |")
    out.append("|---|---|---|---|---|---|")
    for c in r["columns"]:
        out.append(f"| {_md(c['file'])} | {_md(c['sheet'] or '')} | {c['column']} | {_md(c['header'])} | "
                   f"`{c['table']}.{c['field']}` | `{c['alias_source']}` |")
    out.append("\n## Unmapped columns (not imported) / 未映射的列\n")
    if r["unmapped_headers"]:
        out.append("| file | sheet | column | header | rows with values | note |")
        out.append("|---|---|---|---|---|---|")
        for u in r["unmapped_headers"]:
            out.append(f"| {_md(u['file'])} | {_md(u['sheet'] or '')} | {u['column']} | {_md(u['header'])} | "
                       f"{u.get('rows_with_values', '')} | {_md(u.get('hint') or '')} |")
    else:
        out.append("None.")
    out.append("\n## Value mappings applied / 取值映射\n")
    if r["value_mappings"]:
        out.append("| table.field | value in the file | → contract value | source | rows |")
        out.append("|---|---|---|---|---|")
        for v in r["value_mappings"]:
            out.append(f"| `{v['table']}.{v['field']}` | {_md(v['from'])} | `{v['to']}` | "
                       f"`{v['source']}` | {v['count']} |")
    else:
        out.append("None.")
    out.append("\n## Conversions / 类型转换\n")
    if r["conversions"]:
        out += [f"- `{c['table']}.{c['field']}`: {c['rule']}, {c['count']} cells (e.g. "
                f"{_md('; '.join(c['examples']))})" for c in r["conversions"]]
    else:
        out.append("None.")
    out.append("\n## Unmapped values / 未映射的取值\n")
    if r["unmapped_values"]:
        for u in r["unmapped_values"]:
            rows = ", ".join(f"{x['file']}{' [' + x['sheet'] + ']' if x['sheet'] else ''} row {x['row']}"
                             for x in u["rows"][:20])
            more = f" … and {len(u['rows']) - 20} more" if len(u["rows"]) > 20 else ""
            out.append(f"- `{u['table']}.{u['field']}` = {_md(u['value'])!s}: {u['count']} rows ({_md(rows)}{more})")
    else:
        out.append("None.")
    out.append("\n## Dropped rows / 删除的行\n")
    if r["dropped_rows"]:
        out += [f"- {_md(d['file_sheet'])} row {d['row']}: {_md('; '.join(d['reasons']))}"
                for d in r["dropped_rows"]]
    else:
        out.append("None: every record was imported.")
    if r["problems"]:
        out.append("\n## Problems / 问题\n")
        for p in r["problems"]:
            where = f"{p['file']}, " + (f"row {p['row']}" if p["row"] is not None else "header")
            col = "" if p["column"] is None else f", column '{p['column']}'" + (
                f" ('{p['header']}')" if p["header"] and p["header"] != p["column"] else "")
            val = "" if p["value"] is None else f", value '{p['value']}'"
            out.append(f"- {_md(where + col + val)}: {_md(p['rule'])}"
                       + (f" / {_md(p['rule_zh'])}" if p["rule_zh"] else ""))
    return "\n".join(out) + "\n"
