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
  rows of other tables that refer to them) and lists each of them in the report. Dropping is
  refused when every problem sits in one column or is one unknown value (the fix is a mapping),
  when more than ``max_dropped_share`` (5 %) of a table's rows would go, or when none would be
  left; a failure offers the option only where dropping rows can help;
* optional fields the files do not have are left empty and named in the report; when two columns
  match one field, an exact header match beats one found by dropping a bracketed tail, then the
  better-ranked alias wins and the other column is listed; columns that tie are an error naming
  them all; a sheet assigned to a table in mapping.yaml with no header recognised is an error;
* identifiers never leave in clear: with ``key_file`` they are written as keyed pseudonyms
  (:func:`talentlab.data.privacy.pseudonymise_frame`); without one, values shaped like real
  student numbers are refused unless ``keep_identifiers=True``.

On failure nothing is written to ``OUT``; the report goes beside it, ``<OUT>.import_report.md``
and ``.json`` (:func:`failure_report_paths`), and the message gives the summary (values no map
knows, columns no alias knows, problems per column) before a few example rows.

Two layouts are reshaped: a questionnaire's response number (序号) becomes ``rating_id``
``Q00001``; a three-party evaluation with one column per dimension (实践技能, 职业素养 …), assigned to
``evaluations`` in the mapping file, becomes one record per score; a field the mapping file derives
from several columns (``derive``: destination from 目标 + 状态) is computed per row by its rules.

SRC is only read; OUT is written through a temporary folder and moved into place, so a failed import
leaves nothing half-way; re-running on the same input gives identical bytes.
"""

from __future__ import annotations

import csv
import functools
import gc
import hashlib
import io as _io
import json
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data import progress, readers
from talentlab.data.atomic import atomic_write_text, write_folder_atomically
from talentlab.data.mappings import (
    DERIVE_JOIN,
    IMPORT_TABLES,
    PUBLISHED_RATES,
    USER_SOURCE,
    DerivedField,
    MappingError,
    Mappings,
    build_mappings,
    header_keys,
    unmapped_hint,
)
from talentlab.data.schema import (
    FALSE_TOKENS,
    ORIGINAL_SUFFIX,
    RECORD_TABLES,
    TRUE_TOKENS,
    Problem,
    RawTable,
    fields,
    validate_tables,
    write_datapackage,
)
from talentlab.data.template import is_template_readme

__all__ = ["import_records", "ImportFailed", "ImportResult", "MappingError", "HEADER_SCAN_ROWS",
           "DEFAULT_MAX_DROPPED_SHARE", "failure_report_paths", "looks_like_real_id"]

#: How many rows from the top of a sheet are searched for the header row.
HEADER_SCAN_ROWS = 30
_FIELDS: dict[str, dict] = {}
#: A header row must name at least this many fields of one table.
MIN_HEADER_FIELDS = 2
#: Fields a questionnaire's response number (序号) may fill, and the prefix it gets.
RESPONSE_NUMBER_IDS = {"rating_id": "Q"}
MAPPING_NAMES = ("mapping.yaml", "mapping.yml", "mapping.toml")
REPORT_FILES = ("import_report.md", "import_report.json")
#: The largest share of a table's rows ``--allow-dropped-rows`` may drop unless told otherwise.
DEFAULT_MAX_DROPPED_SHARE = 0.05


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
    #: the records column by column, in the order of ``columns``: one list of cell texts per
    #: field (converting a column at a time, by its distinct values, is what makes a 100,000-row
    #: export fast; a list per record cost a Python step per cell)
    cells: list[list[str]]
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
#: A date written as digits only, YYYYMM or YYYYMMDD (毕业时间 ``201807`` in a 就业方案 export).
_YEAR_MONTH = re.compile(r"((?:19|20)\d{2})(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])?")


def _clean(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def convert_number(text: str, year: bool = False) -> str | None:
    """Text of a number stored as text, or ``None`` when it is not one.

    Full-width digits, thousands separators and a trailing unit (人, 门, 小时, 个月, 分 …) are
    accepted; with ``year=True`` also ``2017届``, ``2017年``, ``2014-2015学年``, dates, and
    dates written as digits only, ``YYYYMM`` or ``YYYYMMDD`` (the 就业方案 export's 毕业时间
    ``201807``; a month 13 or day 32 is not a date and stays a number, which the year range
    then refuses).

    Examples
    --------
    >>> convert_number("１,234人"), convert_number("4.20"), convert_number("三")
    ('1234', '4.20', None)
    >>> convert_number("2017届", year=True), convert_number("2014-2015学年", year=True)
    ('2017', '2014')
    >>> convert_number("2020-06-30", year=True)
    '2020'
    >>> convert_number("201807", year=True), convert_number("20180630", year=True)
    ('2018', '2018')
    >>> convert_number("201813", year=True)
    '201813'
    """
    t = _clean(text).replace(" ", "")
    if year:
        m = _YEAR.fullmatch(t) or _YEAR_MONTH.fullmatch(t)
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
    from talentlab.data.mappings import QUESTION_NUMBER, UNIT_SUFFIX

    out = {}
    for j, cell in enumerate(header):
        if j in columns or not cell.strip():
            continue
        text = UNIT_SUFFIX.sub("", QUESTION_NUMBER.sub("", _clean(cell)))
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
        rule = "number stored as text"
        if year:
            rule = ("year from a YYYYMM / YYYYMMDD date" if _YEAR_MONTH.fullmatch(_clean(t))
                    else "year from text")
        return num, ("conv", rule)
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
    tables = (forced,) if forced else IMPORT_TABLES
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


def _cyclic_gc_paused(func):
    """Run ``func`` with Python's cyclic garbage collector paused (and restored after).

    An import holds a sheet as one list per row; each new object then set off collections
    that walked all of them again: building 100,000 small tuples took 0.24 s instead of
    0.01 s. The import makes no reference cycles per row, so pausing costs no memory that
    grows with the input; reference counting frees everything as before.
    """
    @functools.wraps(func)
    def run(*args, **kwargs):
        enabled = gc.isenabled()
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            if enabled:
                gc.enable()

    return run


@_cyclic_gc_paused
def import_records(src: str | os.PathLike, out: str | os.PathLike,
                   mapping: str | os.PathLike | dict | None = None, encoding: str | None = None,
                   allow_dropped_rows: bool = False, origin: dict | None = None,
                   max_dropped_share: float = DEFAULT_MAX_DROPPED_SHARE,
                   key_file: str | os.PathLike | None = None,
                   keep_identifiers: bool = False) -> ImportResult:
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
        Refused (an :class:`ImportFailed` saying why) when every problem sits in one column or
        is one unknown value (the fix is then a mapping), when more than ``max_dropped_share``
        of a table's rows would go, or when no row would be left.
    origin : dict, optional
        Origin keys for ``datapackage.json`` (override the mapping file's ``dataset``).
    max_dropped_share : float
        The largest share of a table's rows ``allow_dropped_rows`` may drop (default 0.05).
    key_file : path, optional
        A secret key (:func:`talentlab.data.privacy.read_key`): identifier columns (student,
        employer, rater, evaluator and rating ids) are written as keyed pseudonyms, the same as
        ``talentlab pseudonymise`` gives.
    keep_identifiers : bool
        Without a key, identifiers that look like real student numbers (:func:`looks_like_real_id`:
        8 or more digits, an 18-character ID-card number) are refused unless this is true.

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFailed
        Listing every problem (file, sheet, row, column, value, rule); nothing is written to
        ``out``, the report goes beside it (:func:`failure_report_paths`).
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
    talentlab.data.importer.ImportFailed: 1 problem(s) importing export. Nothing was written / 导入失败，未写入任何文件.
    Problems / 问题:
      - 专业建设.csv, row 2, column 'sme_employees_trained' (original header '培训中小企业员工数'), value '-': required value is missing / 必填值缺失
    Report with every row / 完整报告: .../out.import_report.md (and .json)
    ...
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
    if not 0 <= max_dropped_share < 1:
        raise ValueError(f"max_dropped_share must be at least 0 and below 1, not "
                         f"{max_dropped_share}")
    key = None
    if key_file is not None:  # a bad key fails before any work
        from talentlab.data.privacy import read_key

        key = read_key(key_file, forbidden_roots=(src, out))
    files, skipped, found_mapping = _source_files(src)
    if mapping is None and found_mapping is not None:
        mapping = found_mapping
    m = build_mappings(mapping)
    report: dict = {"source": src.name, "mapping": m.mapping_file, "files": [], "columns": [],
                    "unmapped_headers": [], "value_mappings": [], "conversions": [],
                    "unmapped_values": [], "problems": [], "dropped_rows": [], "tables": {},
                    "skipped_files": skipped}
    found = _find_tables(files, m, encoding, report)
    if not found.pieces and not found.file_problems:
        raise ImportFailed(_no_table_message(src, report["files"], skipped))
    report["warnings"] = [
        f"{e['file']}" + (f" [{e['sheet']}]" if e["sheet"] else "") + f": {e['status']}"
        for e in report["files"] if e.get("status", "").startswith("NOT IMPORTED")]

    with progress.status(f"import: mapping and checking {src.name}",
                         sum(map(progress.file_size, files))):
        mapped = _map_tables(found, m, report)
        checked = _validate_dropping(mapped, found.file_problems + mapped.column_problems,
                                     allow_dropped_rows, max_dropped_share)
    final = _finish_report(report, mapped, checked)
    if not checked.problems:
        if key is not None:
            final = _pseudonymise_tables(final, key, report)
        elif not keep_identifiers:
            checked.problems = _real_identifier_problems(final, mapped)
            checked.drop_refusal = "the problem is the identifiers, not rows"
            report["problems"] = [_problem_dict(p) for p in checked.problems]
    md = render_report(report)
    if checked.problems:
        written = _write_failure_report(out, report, md)
        raise ImportFailed(_failure_message(src, checked.problems, report, allow_dropped_rows,
                                            checked.drop_refusal, written),
                           problems=checked.problems, report=md)
    dataset = _dataset_descriptor(m, origin, src, out, found, mapped.by_table, final)
    _write_import(out, final, dataset, report, md)
    for stale in failure_report_paths(out):  # an earlier failure's report would now mislead
        stale.unlink(missing_ok=True)
    return ImportResult(out=out, tables={t: int(len(df)) for t, df in final.items()},
                        report=report, dropped=len(checked.dropped))


def _write_failure_report(out: Path, report: dict, md: str) -> Path | None:
    """Write a failed import's report beside ``out`` (:func:`failure_report_paths`); ``None``
    when the folder above ``out`` cannot be written (the message still lists the problems)."""
    md_path, json_path = failure_report_paths(out)
    try:
        md_path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(json_path, json.dumps(report, ensure_ascii=False, indent=2,
                                                sort_keys=True) + "\n")
        atomic_write_text(md_path, md)
    except OSError:
        return None
    return md_path


# ---- identifiers: pseudonymised with a key, refused in clear ------------------------------
#: Identifier columns (as ``talentlab pseudonymise`` treats them: privacy.ID_COLUMNS).
IDENTIFIER_FIELDS = ("student_id", "employer_id", "rater_id", "evaluator_id", "rating_id")
#: What a real student number looks like: at least this many digits and nothing else (学号 of
#: 8-13 digits, the 14-digit 考生号), or an 18-character ID-card number (身份证号: 17 digits and X).
REAL_ID_MIN_DIGITS = 8


def looks_like_real_id(text: str) -> bool:
    """Whether an identifier looks like a real student number, exam number or ID-card number.

    Only digits, at least :data:`REAL_ID_MIN_DIGITS` of them (full-width digits count), or 17
    digits and an X. ``str.isdecimal`` rather than a regular expression: it runs once per
    identifier of every import, a million of them in under a second.

    Examples
    --------
    >>> [looks_like_real_id(v) for v in ("20190101234", "S0001", "44010619900101123X", "Q00001")]
    [True, False, True, False]
    """
    t = str(text).strip()
    return len(t) >= REAL_ID_MIN_DIGITS and (
        t.isdecimal() or (len(t) == 18 and t[:17].isdecimal() and t[17] in "Xx"))


def real_id_flags(values: list) -> np.ndarray:
    """:func:`looks_like_real_id` of each value, as a boolean array (``None`` and ``""``: False).

    The same rule applied column-wise with C-speed string methods: an import checks every
    distinct identifier, and a call per value cost a tenth of a 100,000-row import.

    Examples
    --------
    >>> real_id_flags(["20190101234", "S0001", " 44010619900101123x ", None, ""]).tolist()
    [True, False, True, False, False]
    """
    texts = [v if isinstance(v, str) else ("" if v is None else str(v)) for v in values]
    stripped = list(map(str.strip, texts))
    lengths = np.fromiter(map(len, stripped), dtype=np.int64, count=len(stripped))
    decimal = np.fromiter(map(str.isdecimal, stripped), dtype=bool, count=len(stripped))
    flags = (lengths >= REAL_ID_MIN_DIGITS) & decimal
    for i in np.flatnonzero((lengths == 18) & ~decimal):  # ID-card numbers ending in X
        t = stripped[i]
        flags[i] = t[:17].isdecimal() and t[17] in "Xx"
    return flags


def mask_id(text: str) -> str:
    """An identifier shown in a message without giving it away: ``20*******34``.

    Examples
    --------
    >>> mask_id("20190101234"), mask_id("S01")
    ('20*******34', 'S01')
    """
    t = str(text)
    return t[:2] + "*" * (len(t) - 4) + t[-2:] if looks_like_real_id(t) else t


def _real_identifier_problems(final: dict[str, pd.DataFrame], mapped: _Mapped) -> list[Problem]:
    """One problem per identifier column holding values shaped like real student numbers."""
    problems = []
    for t, df in final.items():
        for name in IDENTIFIER_FIELDS:
            if name not in df.columns:
                continue
            codes, values = _codes_and_values(df[name])  # each distinct identifier once
            real = np.append(real_id_flags(values), False)
            at = np.flatnonzero(real[codes])
            if not len(at):
                continue
            hits = (len(at), values[codes[at[0]]])
            labels = ", ".join(sorted({pc.label for pc in mapped.by_table[t]}))
            header = next((pc.headers[name] for pc in mapped.by_table[t] if name in pc.headers),
                          None)
            problems.append(Problem(labels, None, name, None, (
                f"{hits[0]} of {len(df)} values look like real student numbers (e.g. "
                f"{mask_id(hits[1])}: 8 or more digits, or an ID-card number), and identifiers "
                "never leave an import in clear. Make a key once and keep it outside the "
                "project and the shared folder: `python -c \"import secrets; "
                "print(secrets.token_hex(32))\" > ~/talentlab.key`, then import with "
                "`--key-file ~/talentlab.key` (keyed pseudonyms, the same as `talentlab "
                "pseudonymise`); or pass --keep-identifiers if they are not real numbers / "
                "标识列中含有疑似真实学号：请用 --key-file 生成匿名编号"), header=header))
    return problems


def _pseudonymise_tables(final: dict[str, pd.DataFrame], key: bytes, report: dict
                         ) -> dict[str, pd.DataFrame]:
    """Identifier columns as keyed pseudonyms (``talentlab pseudonymise``'s own function, so an
    import with a key equals an import without one followed by ``pseudonymise``)."""
    from talentlab.data.privacy import ID_COLUMNS, pseudonymise_frame

    out, done = {}, {}
    for t, df in final.items():
        pseudo = pseudonymise_frame(df, key, table=t)
        ids = [c for c in df.columns if c.removesuffix(ORIGINAL_SUFFIX) in ID_COLUMNS]
        out[t] = pd.DataFrame({c: pseudo[c].astype(object).where(pseudo[c].notna(), "")
                               if c in ids else df[c] for c in df.columns}, dtype=object)
        if ids:
            done[t] = ids
    report["identifiers_pseudonymised"] = done
    return out


# ---- finding the tables: files -> sheets -> header row -> columns -> records ----------------
@dataclass
class _Found:
    """The tables found in the source files, before their values are mapped."""

    pieces: list[_Piece] = field(default_factory=list)
    file_problems: list[Problem] = field(default_factory=list)
    source_sha: dict[str, str] = field(default_factory=dict)
    #: (table, field) -> questionnaire response numbers turned into ids
    id_conversions: dict[tuple[str, str], int] = field(default_factory=dict)


def _find_tables(files: list[Path], m: Mappings, encoding: str | None, report: dict) -> _Found:
    """Read every file and sheet; each sheet holding a table becomes a :class:`_Piece`.

    Every sheet looked at is listed in ``report["files"]`` with its status; columns, unmapped
    columns and their hints go to the report too. A file that cannot be read is a problem.
    """
    found = _Found()
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
            f"first {HEADER_SCAN_ROWS} names any of its fields ({', '.join(_fields(forced))}): "
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
                report: dict, found: _Found) -> _Piece | None:
    """The table of one sheet (or CSV) as a :class:`_Piece`, or ``None`` (status in ``entry``);
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
    body = rows[hrow + 1:]  # row i of body is sheet row hrow + 2 + i
    width = max(map(len, body), default=len(header))
    ncols = max(width, len(header))
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
    return _Piece(file, sheet, table, hrow + 1, ordered, headers, cells, rownos)


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
                             body: list[list[str]], ncols: int, used: set[int]) -> None:
    """List every column not imported (with a header or with values) and a hint for it."""
    unused = [j for j in range(ncols) if j not in used]
    grid = _grid(body, max(unused, default=-1) + 1)
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


def _grid(rows: list[list[str]], width: int) -> np.ndarray:
    """``rows`` as a ``(len(rows), width)`` object matrix of cell texts, '' where a row is
    shorter (a row's cells beyond ``width`` left out).

    One pass in C over the row lists (pandas' ``to_object_array``): picking a column out of
    100,000 row lists in Python cost more than all that follows with it.
    """
    if not rows or width <= 0:
        return np.empty((len(rows), max(width, 0)), dtype=object)
    lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
    grid = _to_object_array(rows, width)[:, :width]
    if lengths.min() < width:  # the cells a short row lacks are empty, not None
        grid[np.arange(width) >= lengths[:, None]] = ""
    return grid


def _to_object_array(rows: list[list[str]], width: int) -> np.ndarray:
    try:
        from pandas._libs.lib import to_object_array
    except ImportError:  # pragma: no cover - a pandas without it: the same, in Python
        return np.array([(r + [""] * (width - len(r)))[:width] for r in rows], dtype=object)
    return to_object_array(rows, min_width=width)


def _is_filled(row: list[str]) -> bool:
    """Whether a row has a cell that is not blank (``"".join`` is blank only when every cell
    is: one string operation per row instead of one per cell)."""
    return bool(row and (row[0].strip() or "".join(row).strip()))


def _sheet_records(body: list[list[str]], first_row: int, columns: dict[int, str],
                   wide: dict[int, str], derived: list[tuple[str, list[int]]] = ()
                   ) -> tuple[list[np.ndarray], list[int], int, int]:
    """``(records column by column, their row numbers, blank rows, empty score cells)``.

    ``body`` holds the rows below the header, ``first_row`` the sheet row number of its first.
    The columns come in the order of ``columns`` (by index), then one per derived field (its
    combination ``就业 + 已落实``; empty when every part is missing), then, for a wide
    evaluation (one column per dimension), the dimension and the score: one record per
    non-empty score, in row order and then column order.
    """
    keep = [i for i, r in enumerate(body) if _is_filled(r)]
    blank = len(body) - len(keep)
    rows = body if not blank else [body[i] for i in keep]
    used = set(columns) | set(wide) | {j for _, js in derived for j in js}
    grid = _grid(rows, max(used, default=-1) + 1)
    cols = [grid[:, j] for j in sorted(columns)]
    for _name, js in derived:
        cols.append(_derived_cells([grid[:, j].tolist() for j in js]))
    rownos = [first_row + i for i in keep]
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
    cols = [c[at] for c in cols] + [_object_array(dims), _object_array(scores)]
    return cols, [rownos[k] for k in take], blank, empty_scores


def _object_array(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (never a 2-d one, whatever the values are)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


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
    return _object_array(out)


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
            cells[k] = _take(ids, codes)
            if n_conv:
                id_conversions[(table, name)] = id_conversions.get((table, name), 0) + n_conv


# ---- mapping values and converting types, per table ----------------------------------------
@dataclass
class _Tally:
    """What the value step did, for the report."""

    value_counts: Counter = field(default_factory=Counter)  # (table, field, from, to, source)
    conv_counts: Counter = field(default_factory=Counter)   # (table, field, rule)
    conv_examples: dict = field(default_factory=dict)       # (table, field, rule) -> examples
    unmapped: dict = field(default_factory=dict)            # (table, field, value) -> positions
    #: rate columns mixing percentages and proportions: (table, field, {kind: (text, position)})
    rate_mixes: list = field(default_factory=list)


@dataclass
class _Mapped:
    """The record tables as contract text, and where each record came from."""

    by_table: dict[str, list[_Piece]]
    texts: dict[str, pd.DataFrame]
    originals: dict[str, dict[str, list]]                    # table -> field -> cells as read
    locs: dict[str, list[tuple[_Piece, int]]]                # table -> (piece, row) per record
    empty_fields: dict[str, list[str]]
    unmapped_probs: list[_Located]
    tally: _Tally
    derived_fields: set[tuple[str, str]] = field(default_factory=set)  # (table, field)
    #: problems of a whole column that no row can fix (a rate column mixing % and proportions)
    column_problems: list[Problem] = field(default_factory=list)


def _map_tables(found: _Found, m: Mappings, report: dict) -> _Mapped:
    """Join the pieces of each table, map and convert their values; unmapped values are listed
    in ``report["unmapped_values"]`` and become problems."""
    by_table: dict[str, list[_Piece]] = {}
    for p in found.pieces:
        by_table.setdefault(p.table, []).append(p)
    tally = _Tally()
    for (t, n), c in found.id_conversions.items():
        rule = f"questionnaire response number → {n} {RESPONSE_NUMBER_IDS[n]}00001 …"
        tally.conv_counts[(t, n, rule)] += c
        tally.conv_examples[(t, n, rule)] = {f"1 → {RESPONSE_NUMBER_IDS[n]}00001"}
    mapped = _Mapped(by_table, {}, {}, {}, {}, [], tally,
                     {(t, n) for t, per in m.derived.items() for n in per})
    for table, plist in by_table.items():
        orig, present, left_empty = _gather_fields(table, plist, m)
        mapped.locs[table] = [(p, r) for p in plist for r in p.rows]
        mapped.empty_fields[table] = left_empty
        mapped.originals[table] = orig
        mapped.texts[table] = _convert_table(m, table, orig, present, tally)
    mapped.column_problems = _rate_mix_problems(tally.rate_mixes, mapped.locs)
    mapped.unmapped_probs = _unmapped_value_problems(tally.unmapped, mapped.locs, report)
    return mapped


def _gather_fields(table: str, plist: list[_Piece], m: Mappings
                   ) -> tuple[dict[str, np.ndarray], set[str], list[str]]:
    """``(field -> cells as read, fields present, optional fields left empty)`` of a table.

    A cell is ``None`` where its piece has no such column; the mapping file's constants fill
    theirs; an optional field no file has is left empty (and reported).
    """
    spec = _fields(table)
    names = list(spec)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    present: set[str] = set()
    for p in plist:
        idx = {name: k for k, name in enumerate(p.columns.values())}
        present |= set(idx)
        n_rows = len(p.rows)
        for n in names:
            if n in idx:
                parts[n].append(p.cells[idx[n]])
            elif n in m.constants.get(table, {}):
                parts[n].append(_object_array([m.constants[table][n]] * n_rows))
            else:
                parts[n].append(np.full(n_rows, None, dtype=object))  # absent in this piece
    orig = {n: ps[0] if len(ps) == 1 else np.concatenate(ps) if ps else
            np.empty(0, dtype=object) for n, ps in parts.items()}
    present |= set(m.constants.get(table, {}))
    # a column the contract lets a table leave out (``count``: one graduate per row; student_id
    # beside a count) stays out rather than empty
    absent_ok = {n for n in names if n not in present and (
        spec[n].get("optional_column") or spec[n].get("optional_when_column") in present)}
    for n in absent_ok:
        orig.pop(n)
    names = [n for n in names if n not in absent_ok]
    left_empty = [n for n in names if n not in present
                  and not spec[n].get("constraints", {}).get("required")]
    n_records = sum(len(p.rows) for p in plist)
    for n in left_empty:  # an optional field the export does not have: empty, and reported
        present.add(n)
        orig[n] = np.full(n_records, None, dtype=object)
    return orig, present, left_empty


def _convert_table(m: Mappings, table: str, orig: dict[str, list], present: set[str],
                   tally: _Tally) -> pd.DataFrame:
    """The table as contract text; a field re-coded to a contract level keeps
    ``<field>_original``."""
    spec = _fields(table)
    names = [n for n in spec if n in orig]
    cols, changed_enum, distinct = {}, set(), {}
    for n in names:
        distinct[n] = _distinct(orig[n])
        cols[n], changed = _convert_column(m, table, spec[n], distinct[n], tally)
        if changed:
            changed_enum.add(n)
    text = pd.DataFrame({n: cols[n] for n in names if n in present})
    for n in names:
        if n in changed_enum:
            codes, values = distinct[n]
            text[n + ORIGINAL_SUFFIX] = _text_column([
                "" if readers.is_missing(v) else v.strip() for v in values], codes)
    return text


def _distinct(cells: np.ndarray) -> tuple[np.ndarray, list]:
    """``(codes, distinct values)`` of a column: ``values[codes[k]]`` is cell ``k`` (code -1 for
    ``None``, a column absent in the piece), the values in order of first appearance.

    An export has few distinct values in most columns (a destination, a major, 是/否), so
    each is converted once and mapped back, instead of one Python step per cell.
    """
    codes, uniques = pd.factorize(cells)
    return codes, list(uniques)


def _text_column(values: list[str], codes: np.ndarray) -> pd.Categorical:
    """The column ``values[codes[k]]`` ('' where the code is -1) as a categorical of its
    distinct texts: the steps after conversion (validation, dropping rows, writing) then work
    on codes and on each distinct text once, never on 100,000 separate strings."""
    texts = [*values, ""]  # '' last: the code -1 cells
    if len(set(texts)) == len(texts):  # distinct already (identifiers): nothing to merge
        remap = np.arange(len(texts), dtype=np.intp)
    else:
        remap, texts = pd.factorize(_object_array(texts))
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(texts, dtype=object))


def _codes_and_values(column: pd.Series) -> tuple[np.ndarray, list]:
    """``(codes, distinct values)`` of a text column (code -1: ``None``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), list(column.cat.categories)
    codes, uniques = pd.factorize(np.asarray(_texts(column), dtype=object))
    return codes, list(uniques)


def _take(values: list, codes: np.ndarray) -> np.ndarray:
    """The column ``values[codes[k]]`` ('' where the code is -1)."""
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = ""
    return table[codes]


def _convert_column(m: Mappings, table: str, fdesc: dict, distinct: tuple[np.ndarray, list],
                    tally: _Tally) -> tuple[pd.Categorical, bool]:
    """``(converted cells, whether a value was re-coded to a contract level)`` of a column given
    by :func:`_distinct`; each map, conversion and unmapped value is counted in ``tally``.

    Each distinct text is converted once (:func:`_convert_cell`) and counted by how many cells
    hold it; the conversion examples are the first three in the order of the cells, and an
    unmapped value lists its record positions in order."""
    n = fdesc["name"]
    codes, values = distinct
    if table == PUBLISHED_RATES and n == "rate":
        return _convert_rates(m, table, fdesc, distinct, tally), False
    if _text_without_maps(m, table, fdesc):  # identifiers, names: often one value per record
        return _text_column(_trimmed_texts(values), codes), False
    changed_enum = False
    counts = np.bincount(codes + 1, minlength=len(values) + 1)[1:]
    converted, unmapped = [], []
    for u, (raw_text, count) in enumerate(zip(values, counts.tolist(), strict=True)):
        out_text, event = _convert_cell(m, table, fdesc, raw_text)
        converted.append(out_text)
        if event is None:
            continue
        kind, t = event[0], raw_text.strip()
        if kind == "map":
            tally.value_counts[(table, n, t, out_text, event[1])] += count
            changed_enum = changed_enum or event[2]
        elif kind == "conv":
            tally.conv_counts[(table, n, event[1])] += count
            ex = tally.conv_examples.setdefault((table, n, event[1]), set())
            if len(ex) < 3:
                ex.add(f"{t} → {out_text}")
        else:
            unmapped.append(u)
    if unmapped:
        _positions_of_unmapped(table, n, codes, values, unmapped, tally)
    return _text_column(converted, codes), changed_enum


def _convert_rates(m: Mappings, table: str, fdesc: dict, distinct: tuple[np.ndarray, list],
                   tally: _Tally) -> pd.Categorical:
    """A published rate column as the contract writes it: in percent, decimals as published.

    A rate is written three ways: ``95.30%`` (the sign is dropped: ``95.30``), ``95.3`` (percent
    already) or ``0.953`` (a proportion: a workbook cell formatted as a percentage is read as
    one). A column whose every number is at most 1 holds proportions, each turned into percent by
    moving the decimal point, exactly and keeping what the rounding says (``0.953`` -> ``95.3``,
    1 decimal). A column holding proportions beside percentages (``0.953`` next to ``95.30%`` or
    ``93.1``) is refused (:func:`_rate_mix_problems`): ``0.95`` could be either 0.95 % or 95 %,
    and guessing per cell would publish one of them wrong. 0 is the same on both scales.
    """
    n = fdesc["name"]
    codes, values = distinct
    counts = np.bincount(codes + 1, minlength=len(values) + 1)[1:]
    converted: list[str] = []
    numbers: dict[int, tuple[str, str]] = {}  # distinct value -> (kind, number as written)
    unmapped: list[int] = []
    for u, raw_text in enumerate(values):
        t = raw_text.strip()
        hit = None if readers.is_missing(t) else m.map_value(table, n, t)
        if readers.is_missing(t) or hit is not None:
            converted.append("" if hit is None else hit.target)
            if hit is not None:
                tally.value_counts[(table, n, t, hit.target, hit.source)] += int(counts[u])
            continue
        c = _clean(t).replace(" ", "")
        percent = c.endswith("%")
        num = convert_number(c[:-1] if percent else c)
        if num is None:
            converted.append(t)
            unmapped.append(u)
            continue
        x = float(num)
        kind = ("percent" if percent else "zero" if x == 0 else
                "proportion" if x <= 1 else "percent without %")
        numbers[u] = (kind, num)
        converted.append(num)
    kinds = {k for k, _ in numbers.values()}
    first = {}
    for u, (kind, _) in numbers.items():  # values come in order of first appearance
        first.setdefault(kind, u)
    if "proportion" in kinds and kinds & {"percent", "percent without %"}:
        where = {k: (values[u].strip(), int(np.flatnonzero(codes == u)[0]))
                 for k, u in first.items() if k != "zero"}
        tally.rate_mixes.append((table, n, where))
    for u, (kind, num) in numbers.items():
        if kind == "percent":
            rule = "percent sign dropped (the contract's rate is in percent)"
        elif kind == "proportion" and "proportion" in kinds and not kinds & {
                "percent", "percent without %"}:
            rule = "proportion → percent (the column's numbers are all at most 1)"
            converted[u] = percent_from_proportion(num)
        else:
            continue
        tally.conv_counts[(table, n, rule)] += int(counts[u])
        ex = tally.conv_examples.setdefault((table, n, rule), set())
        if len(ex) < 3:
            ex.add(f"{values[u].strip()} → {converted[u]}")
    if unmapped:
        _positions_of_unmapped(table, n, codes, values, unmapped, tally)
    return _text_column(converted, codes)


def percent_from_proportion(text: str) -> str:
    """A proportion written as text, in percent: the decimal point moved two places, exactly,
    with two decimals fewer (none fewer than 0), so the rounding it was published with is kept.

    Examples
    --------
    >>> percent_from_proportion("0.953"), percent_from_proportion("0.9530")
    ('95.3', '95.30')
    >>> percent_from_proportion("1"), percent_from_proportion(".5")
    ('100', '50')
    """
    from decimal import Decimal

    d = Decimal(text)
    decimals = max(-d.as_tuple().exponent, 0)
    return f"{d.scaleb(2):.{max(decimals - 2, 0)}f}"


def _rate_mix_problems(mixes: list, locs: dict[str, list[tuple[_Piece, int]]]) -> list[Problem]:
    """One problem per rate column that mixes proportions with percentages, naming the first
    cell of each kind (file, sheet, row, value). Not a row problem: dropping rows cannot say
    which scale the column is on."""
    problems = []
    for table, n, where in mixes:
        shown = [(kind, text, *locs[table][pos]) for kind, (text, pos) in where.items()]
        listed = " and ".join(f"{kind} '{text}' ({piece.label} row {row})"
                           for kind, text, piece, row in shown)
        kind, text, piece, row = next(x for x in shown if x[0] == "proportion")
        problems.append(Problem(piece.label, row, n, text, (
            f"the column mixes proportions and percentages ({listed}): a rate column holds one "
            "scale, either every rate in percent (95.3 or 95.3%) or every rate as a proportion "
            "(0.953); write it one way in the file / 同一列中比例(0.953)与百分数(95.3%)混用，"
            "请统一为一种写法"), header=piece.headers.get(n)))
    return problems


#: The missing-value markers as :func:`talentlab.data.readers.is_missing` compares them.
_MISSING_NORMALISED = frozenset(unicodedata.normalize("NFKC", m).strip()
                                for m in readers.MISSING_VALUES)


def _is_missing_trimmed(text: str) -> bool:
    """:func:`talentlab.data.readers.is_missing` of a trimmed text; an ASCII text is its own
    NFKC form, so it is looked up without normalising (an identifier column of 100,000
    distinct values)."""
    return text in _MISSING_NORMALISED if text.isascii() else readers.is_missing(text)


def _trimmed_texts(values: list[str]) -> list[str]:
    """Each text trimmed, a missing marker as ''; the per-text steps run at C speed (``map``),
    and only a text that is not ASCII or is a marker as written is looked at in Python (an
    identifier column has as many texts as records)."""
    trimmed = list(map(str.strip, values))
    n = len(trimmed)
    ascii_ = np.fromiter(map(str.isascii, trimmed), dtype=bool, count=n)
    marker = np.fromiter(map(_MISSING_NORMALISED.__contains__, trimmed), dtype=bool, count=n)
    for i in np.flatnonzero(marker | ~ascii_).tolist():
        if _is_missing_trimmed(trimmed[i]):
            trimmed[i] = ""
    return trimmed


def _text_without_maps(m: Mappings, table: str, fdesc: dict) -> bool:
    """Whether :func:`_convert_cell` can only trim a field's text (or empty a missing marker):
    free text (no levels, not a number or yes/no) with no value map, derive rule or yes/no
    word that :meth:`Mappings.map_value` could apply."""
    name = fdesc["name"]
    return (fdesc["type"] not in ("boolean", "integer", "number")
            and fdesc.get("constraints", {}).get("enum") is None
            and not m.values.get(table, {}).get(name)
            and name not in m.derived.get(table, {}))


def _positions_of_unmapped(table: str, n: str, codes: np.ndarray, values: list,
                           unmapped: list[int], tally: _Tally) -> None:
    """Record positions of the unmapped values, by value as written (trimmed), in order."""
    is_unmapped = np.zeros(len(values), dtype=bool)
    is_unmapped[unmapped] = True
    pos = np.flatnonzero(is_unmapped[codes] & (codes >= 0))
    order = np.argsort(codes[pos], kind="stable")
    sorted_codes = codes[pos][order]
    bounds = np.flatnonzero(np.diff(sorted_codes)) + 1
    groups = np.split(pos[order], bounds)
    by_code = {int(sorted_codes[g0]): grp for g0, grp in
               zip(np.r_[0, bounds].astype(int).tolist(), groups, strict=True)}
    merged: set[tuple] = set()
    for u in unmapped:  # in order of first appearance, as the cells come
        key = (table, n, values[u].strip())
        if key in tally.unmapped:
            merged.add(key)  # two texts trimmed to one value: their positions interleave
        tally.unmapped.setdefault(key, []).extend(by_code[u].tolist())
    for key in merged:
        tally.unmapped[key].sort()


def _unmapped_value_problems(unmapped: dict, locs: dict, report: dict) -> list[_Located]:
    """One problem per cell no value map knows; each value listed in
    ``report["unmapped_values"]`` with its rows."""
    problems = []
    for (table, n, value), ks in sorted(unmapped.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                           kv[1][0])):
        rows_ = []
        for k in ks:
            p, r = locs[table][k]
            rows_.append({"file": p.file, "sheet": p.sheet, "row": r})
            rule = _unmapped_rule(_fields(table)[n])
            if DERIVE_JOIN in value or (value and n in p.headers
                                        and DERIVE_JOIN in p.headers[n]):
                rule = rule.replace("add it under `values`",
                                    f"add the combination under `derive: {table}: {n}: values`")
            problems.append(_Located(Problem(p.label, r, n, value, rule,
                                             header=p.headers.get(n)), table, k))
        report["unmapped_values"].append({"table": table, "field": n, "value": value,
                                          "count": len(ks), "rows": rows_})
    return problems


# ---- validation, translated back to file/sheet/row; dropping rows if allowed -------------
@dataclass
class _Checked:
    problems: list[Problem]
    dropped: dict[tuple[str, int], list[str]]                 # (file [sheet], row) -> reasons
    keep: dict[str, np.ndarray]                               # table -> records kept
    #: why dropping rows cannot be the fix (``None``: it can, and the hint is offered)
    drop_refusal: str | None = None


def _validate_kept(mapped: _Mapped, keep: dict[str, np.ndarray], unmapped_at: set
                   ) -> tuple[list[_Located], list[Problem]]:
    """``(row problems, table problems)`` of the records kept."""
    raws = {}
    for t, text in mapped.texts.items():
        pos = np.flatnonzero(keep[t])
        sub = text if len(pos) == len(text) else text.iloc[pos].reset_index(drop=True)
        # categoricals of the texts: validation checks each distinct text once
        # (schema._distinct_texts), so they are not turned into 100,000 strings first
        raws[t] = RawTable(name=t, file=t, text=sub, rows=pos)
    _typed, vprobs = validate_tables(raws)
    row_probs, table_probs = _locate_problems(vprobs, mapped, unmapped_at)
    return [lp for lp in mapped.unmapped_probs if keep[lp.table][lp.pos]] + row_probs, table_probs


def _validate_dropping(mapped: _Mapped, file_problems: list[Problem], allow_dropped_rows: bool,
                       max_dropped_share: float = DEFAULT_MAX_DROPPED_SHARE) -> _Checked:
    """Validate the tables against the contract; work out what dropping the rows with problems
    would do, and do it when ``allow_dropped_rows`` and :func:`_drop_refusal` finds no reason not
    to (up to 8 rounds: dropping a row can orphan rows of other tables)."""
    keep = {t: np.ones(len(mapped.texts[t]), dtype=bool) for t in mapped.texts}
    unmapped_at = {(lp.problem.file, lp.problem.row, lp.problem.column)
                   for lp in mapped.unmapped_probs}
    causes, table_probs = _validate_kept(mapped, keep, unmapped_at)
    problems = sorted(dict.fromkeys(file_problems + table_probs + [lp.problem for lp in causes]),
                      key=_problem_order)
    if not problems:
        return _Checked([], {}, keep)
    if file_problems or table_probs:
        return _Checked(problems, {}, keep, (
            "some problems are not in rows (a file, a header, a missing column or a whole "
            "table), so dropping rows cannot fix them"))
    kept = {t: k.copy() for t, k in keep.items()}
    dropped: dict[tuple[str, int], list[str]] = {}
    row_probs, left = causes, []
    for _round in range(8):
        for lp in row_probs:
            kept[lp.table][lp.pos] = False
            dropped.setdefault((lp.problem.file, lp.problem.row), []).append(str(lp.problem))
        row_probs, left = _validate_kept(mapped, kept, unmapped_at)
        if left or not row_probs:
            break
    left = left + [lp.problem for lp in row_probs]
    refusal = _drop_refusal(mapped, causes, kept, left, max_dropped_share)
    if allow_dropped_rows and refusal is None:
        return _Checked([], dropped, kept)
    return _Checked(problems, {}, keep, refusal)


def _drop_refusal(mapped: _Mapped, causes: list[_Located], kept: dict[str, np.ndarray],
                  left: list[Problem], max_share: float) -> str | None:
    """Why dropping the rows with problems is not the fix, or ``None``.

    Dropping rows is for scattered bad records. When every problem sits in one column (one
    unknown value above all) the fix is a mapping: dropping kept 2,318 of 7,738 rows, all
    ``further_study``, on a real export. Neither may it take more than ``max_share`` of a
    table's rows, nor every row, nor leave problems behind.
    """
    if left:
        return ("dropping the rows would still leave problems: "
                + "; ".join(str(p) for p in left[:3]))
    columns = Counter((lp.table, lp.problem.column) for lp in causes)
    if len(columns) == 1:
        (table, name), n = columns.most_common(1)[0]
        values = Counter(str(lp.problem.value) for lp in causes)
        listed = ", ".join(f"'{v}' ({c} row{'s' * (c > 1)})" for v, c in values.most_common(8))
        more = f" and {len(values) - 8} more" if len(values) > 8 else ""
        unmapped = {id(lp) for lp in mapped.unmapped_probs}
        all_unmapped = all(id(lp) in unmapped for lp in causes)
        header = next((lp.problem.header for lp in causes if lp.problem.header), None)
        where = f"{table}.{name}" + (f" ('{header}')" if header and header != name else "")
        if all_unmapped and len(values) == 1:
            lead = f"every row to drop has one unknown value in {where}: {listed}"
        else:
            lead = f"every row to drop has its problem in one column, {where}: {listed}{more}"
        return (f"{lead}. That is a mapping to add, not rows to drop: map the value(s) under "
                f"`{_map_section(mapped, table, name)}` in mapping.yaml (or correct the "
                "column) / 所有问题都在同一列：请在 mapping.yaml 中添加取值映射，而不是删除行")
    for t, k in kept.items():
        total, n_kept = len(k), int(k.sum())
        if total and n_kept == 0:
            return f"dropping the rows would leave no row of {t} / 删除后 {t} 表不剩任何行"
        if total and (total - n_kept) / total > max_share:
            return (f"dropping the rows would take {total - n_kept} of {total} rows of {t} "
                    f"({(total - n_kept) / total:.1%}), more than the {max_share:.0%} allowed "
                    "(--max-dropped-share) / 删除的行超过允许比例")
    return None


def _map_section(mapped: _Mapped, table: str, name: str) -> str:
    """Where the mapping file maps a field's values: ``values`` or its ``derive`` rules."""
    return f"derive: {table}: {name}: values" if (table, name) in mapped.derived_fields else \
        f"values: {table}: {name}"


def _locate_problems(vprobs: list[Problem], mapped: _Mapped, unmapped_at: set
                     ) -> tuple[list[_Located], list[Problem]]:
    """The contract's problems (rows are record positions) as ``(row problems at file, sheet and
    row with the value as read, table problems)``; a cell already reported unmapped is not
    repeated."""
    row_probs: list[_Located] = []
    table_probs: list[Problem] = []
    for p in vprobs:
        if p.file in mapped.texts and p.row is not None:
            k = int(p.row)
            piece, r = mapped.locs[p.file][k]
            value = p.value
            if p.column in _fields(p.file):
                o = mapped.originals[p.file][p.column][k]
                value = o.strip() if isinstance(o, str) else value
            if (piece.label, r, p.column) in unmapped_at:
                continue
            if p.column in IDENTIFIER_FIELDS and isinstance(value, str):
                value = mask_id(value)  # a real student number never goes into a message
            row_probs.append(_Located(Problem(piece.label, r, p.column, value, p.rule,
                                              header=piece.headers.get(p.column)), p.file, k))
        elif p.file in mapped.texts:
            labels = ", ".join(sorted({pc.label for pc in mapped.by_table[p.file]}))
            table_probs.append(Problem(labels, None, p.column, p.value, p.rule))
        else:
            table_probs.append(p)
    return row_probs, table_probs


# ---- the report's remaining parts, the failure, the output --------------------------------
def _finish_report(report: dict, mapped: _Mapped, checked: _Checked) -> dict[str, pd.DataFrame]:
    """Fill problems, dropped rows, value maps, conversions and tables into ``report``; return
    the tables to write (the rows kept)."""
    tally = mapped.tally
    report["problems"] = [_problem_dict(p) for p in checked.problems]
    report["dropped_rows"] = [{"file_sheet": f, "row": r, "reasons": rs}
                              for (f, r), rs in sorted(checked.dropped.items())]
    report["value_mappings"] = [
        {"table": t, "field": n, "from": v, "to": to, "source": s, "count": c}
        for (t, n, v, to, s), c in sorted(tally.value_counts.items())]
    report["conversions"] = [
        {"table": t, "field": n, "rule": rule, "count": c,
         "examples": sorted(tally.conv_examples[(t, n, rule)])}
        for (t, n, rule), c in sorted(tally.conv_counts.items())]
    final = {t: text if checked.keep[t].all() else
             text.iloc[np.flatnonzero(checked.keep[t])].reset_index(drop=True)
             for t, text in mapped.texts.items()}
    report["tables"] = {
        t: {"rows": int(len(final[t])),
            "sources": [p.label for p in mapped.by_table[t]],
            "columns_kept_original": [c for c in final[t].columns if c.endswith(ORIGINAL_SUFFIX)],
            "optional_fields_not_in_the_files": mapped.empty_fields.get(t, [])}
        for t in IMPORT_TABLES if t in final}
    # the record tables only: a published rate table is an extra, never "missing"
    report["tables_not_found"] = [t for t in RECORD_TABLES if t not in final]
    return final


#: Example problem lines a failure message shows after its summary (the report has them all).
FAILURE_EXAMPLES = 5


def failure_report_paths(out: str | os.PathLike) -> tuple[Path, Path]:
    """Where a failed import writes its report: beside ``OUT``, never inside it
    (``<OUT>.import_report.md`` and ``.json``), so the output folder stays untouched."""
    out = Path(out)
    return (out.parent / f"{out.name}.import_report.md",
            out.parent / f"{out.name}.import_report.json")


def _failure_message(src: Path, problems: list[Problem], report: dict, allow_dropped_rows: bool,
                     refusal: str | None, report_md: Path | None) -> str:
    """The :class:`ImportFailed` message, summary first: the values no map knows, the columns
    not imported, the problems counted by column and rule; then a few example rows, where the
    report is, and the fix (``--allow-dropped-rows`` only where dropping rows can help)."""
    n = len(problems)
    out = [f"{n} problem(s) importing {src.name}. Nothing was written / 导入失败，未写入任何文件."]
    if allow_dropped_rows and refusal is not None:
        out.append(f"--allow-dropped-rows refused / 拒绝删除行: {refusal}.")
    if report["unmapped_values"]:
        out.append("Values no mapping knows / 未映射的取值 (add them under `values` in "
                   "mapping.yaml):")
        for u in report["unmapped_values"][:15]:
            first = u["rows"][0]
            out.append(f"  - {u['table']}.{u['field']} = '{u['value']}': {u['count']} row(s), "
                       f"first {first['file']}" + (f" [{first['sheet']}]" if first["sheet"] else "")
                       + f" row {first['row']}")
        if len(report["unmapped_values"]) > 15:
            out.append(f"  ... and {len(report['unmapped_values']) - 15} more values (report)")
    unknown = [u for u in report["unmapped_headers"] if not u.get("hint")]
    if unknown:
        out.append("Columns no alias knows, not imported / 未识别的列 (add them under `aliases` "
                   "in mapping.yaml if they hold a field):")
        by_file: dict[str, list[str]] = {}
        for u in unknown:
            where = u["file"] + (f" [{u['sheet']}]" if u["sheet"] else "")
            by_file.setdefault(where, []).append(f"{u['header']} ({u['column']})")
        for where, cols in list(by_file.items())[:10]:
            out.append(f"  - {where}: " + ", ".join(cols[:12]) + (" …" if len(cols) > 12 else ""))
    kinds = Counter((p.column or "(table)", _rule_kind(p.rule)) for p in problems)
    if len(kinds) > 1 or n > FAILURE_EXAMPLES:
        out.append("Problems by column / 按列汇总:")
        for (column, rule), c in kinds.most_common(12):
            out.append(f"  - {column}: {rule} — {c} row(s)" if c > 1 else f"  - {column}: {rule}")
    shown = problems[:FAILURE_EXAMPLES]
    out.append(("Examples / 示例" if n > len(shown) else "Problems / 问题")
               + (f" (first {len(shown)} of {n}):" if n > len(shown) else ":"))
    out += [f"  - {p}" for p in shown]
    if report_md is not None:
        out.append(f"Report with every row / 完整报告: {report_md} (and .json)")
    fix = "Fix the file or mapping.yaml (aliases, values, derive)"
    if refusal is None and not allow_dropped_rows:
        fix += (", or pass --allow-dropped-rows to drop the rows with problems (each listed in "
                "the report; at most --max-dropped-share of a table)")
    out.append(fix + ". / 请修改文件或 mapping.yaml。")
    return "\n".join(out)


def _rule_kind(rule: str) -> str:
    """A rule without the value-specific tail, for counting problems by kind."""
    return rule.split(";")[0].split(" (levels:")[0]


def _dataset_descriptor(m: Mappings, origin: dict | None, src: Path, out: Path, found: _Found,
                        by_table: dict[str, list[_Piece]], final: dict) -> dict:
    """The data set's keys for ``datapackage.json``: origin and what was imported from where."""
    dataset = {**m.dataset, **(origin or {})}
    dataset.setdefault("data_origin", "user")
    dataset.setdefault("name", _slug(out.name))
    dataset["imported_from"] = {
        "source": src.name, "mapping": m.mapping_file,
        "source_sha256": dict(sorted(found.source_sha.items())),
        "columns": {t: {pc.label: pc.headers for pc in by_table[t]} for t in final},
    }
    return dataset


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
    """A table as CSV (UTF-8, ``\\n``), quoted as :mod:`csv` quotes (minimal quoting).

    Each distinct text of a column is encoded once and the rows joined in C: writing 100,000
    rows with ``csv.writer`` took longer than converting them.
    """
    buf = _io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    if len(df.columns) < 2:  # a row of one empty field is written '""': left to the module
        w.writerows(zip(*(_texts(df[c]) for c in df.columns), strict=True))
        return buf.getvalue().encode("utf-8")
    fields = _joined_fields([_csv_codes(df[c]) for c in df.columns], len(df))
    body = "\n".join(map(",".join, zip(*fields, strict=True))) if len(fields) > 1 else \
        "\n".join(fields[0])
    return (buf.getvalue() + body + ("\n" if len(df) else "")).encode("utf-8")


#: A field the csv module writes as it is (no delimiter, quote or line break in it).
_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _csv_fields(column: pd.Series) -> list[str]:
    """A column's cells as CSV fields of a row of several: each distinct text quoted once,
    by the csv module itself where it has a delimiter, quote or line break."""
    codes, values = _csv_codes(column)
    return _take(values, codes).tolist()


def _csv_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``(codes, fields)``: a column's distinct texts as CSV fields of a row of several and,
    per row, the position of its field (code -1: an empty field)."""
    codes, values = _codes_and_values(column)
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
            out.extend(_take(values, codes).tolist() for codes, values in run)
        else:
            out.extend(_run_fields(run, n_rows))
        run.clear()

    for codes, values in columns:
        if 4 * (len(values) + 1) <= n_rows:
            run.append((codes, values))
            continue
        flush()
        out.append(_take(values, codes).tolist())
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
        return [_take(values, codes).tolist() for codes, values in run]
    first = np.empty(len(uniques), dtype=np.intp)  # a row of each combination
    first[combo[::-1]] = np.arange(n_rows - 1, -1, -1, dtype=np.intp)
    parts = [_take(values, codes[first]).tolist() for codes, values in run]
    joined = list(map(",".join, zip(*parts, strict=True)))
    return [_take(joined, combo).tolist()]


def _texts(column: pd.Series) -> list[str]:
    """A column's cells as the text written: '' for ``None``, ``str`` of anything else."""
    values = column.tolist()
    if set(map(type, values)) <= {str}:  # the usual case: text already, nothing to convert
        return values
    return ["" if v is None else str(v) for v in values]


def _write_import(out: Path, tables: dict[str, pd.DataFrame], dataset: dict, report: dict,
                  md: str) -> None:
    """Write the tables, ``datapackage.json`` and the reports; a previous import at ``out`` is
    replaced as a whole (:func:`talentlab.data.atomic.write_folder_atomically`), any other
    non-empty folder refused."""
    if out.exists() and any(out.iterdir()) and not (out / "import_report.json").exists():
        raise ValueError(f"{out} is not empty and is not a previous import: refusing to overwrite")

    def write(stage: Path) -> None:
        for t, df in tables.items():
            (stage / f"{t}.csv").write_bytes(_csv_bytes(df))
        write_datapackage(stage, dataset, tables=[t for t in IMPORT_TABLES if t in tables])
        atomic_write_text(stage / "import_report.json",
                          json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        atomic_write_text(stage / "import_report.md", md)

    write_folder_atomically(out, write, replace=True)


# --------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------
def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_report(r: dict) -> str:
    """``import_report.md`` from the report dictionary (also written as JSON)."""
    out = _report_status(r)
    for section in (_files_section, _columns_section, _unmapped_columns_section,
                    _value_mappings_section, _conversions_section, _unmapped_values_section,
                    _dropped_rows_section, _problems_section):
        out += section(r)
    return "\n".join(out) + "\n"


def _report_status(r: dict) -> list[str]:
    """Title, mapping file, status, tables (and optional fields left empty), warnings."""
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
    if r.get("identifiers_pseudonymised"):
        out.append(" Identifiers written as keyed pseudonyms (HMAC-SHA256) / 标识列已匿名化: "
                   + "; ".join(f"`{t}`: " + ", ".join(f"`{c}`" for c in cols)
                               for t, cols in r["identifiers_pseudonymised"].items()) + ".")
    out.append("\n")
    if r.get("warnings"):
        out.append("## Warnings / 警告\n")
        out += [f"- {_md(w)}" for w in r["warnings"]]
        out.append("")
    return out


def _files_section(r: dict) -> list[str]:
    out = ["## Files and sheets / 文件与工作表\n",
           "| file | sheet | encoding | table | header row | title rows above | records | blank rows | status |",
           "|---|---|---|---|---|---|---|---|---|"]
    for f in r["files"]:
        out.append(f"| {_md(f['file'])} | {_md(f['sheet'] or '')} | {f.get('encoding', '')} | "
                   f"{f.get('table', '')} | {f.get('header_row', '')} | "
                   f"{_md(' / '.join(f.get('title_rows', [])))} | {f.get('records', '')} | "
                   f"{f.get('blank_rows', '')} | "
                   f"{_md(f.get('status', '') + ('; ' + f['layout'] if f.get('layout') else ''))} |")
    if r["skipped_files"]:
        out.append(f"\nOther files, not read: {', '.join(r['skipped_files'])}.")
    return out


def _columns_section(r: dict) -> list[str]:
    out = ["\n## Columns / 列映射\n",
           "| file | sheet | column | header | → table.field | alias source |",
           "|---|---|---|---|---|---|"]
    for c in r["columns"]:
        out.append(f"| {_md(c['file'])} | {_md(c['sheet'] or '')} | {c['column']} | {_md(c['header'])} | "
                   f"`{c['table']}.{c['field']}` | `{c['alias_source']}` |")
    return out


def _unmapped_columns_section(r: dict) -> list[str]:
    out = ["\n## Unmapped columns (not imported) / 未映射的列\n"]
    if not r["unmapped_headers"]:
        return out + ["None."]
    out.append("| file | sheet | column | header | rows with values | note |")
    out.append("|---|---|---|---|---|---|")
    for u in r["unmapped_headers"]:
        out.append(f"| {_md(u['file'])} | {_md(u['sheet'] or '')} | {u['column']} | {_md(u['header'])} | "
                   f"{u.get('rows_with_values', '')} | {_md(u.get('hint') or '')} |")
    return out


def _value_mappings_section(r: dict) -> list[str]:
    out = ["\n## Value mappings applied / 取值映射\n"]
    if not r["value_mappings"]:
        return out + ["None."]
    out.append("| table.field | value in the file | → contract value | source | rows |")
    out.append("|---|---|---|---|---|")
    for v in r["value_mappings"]:
        out.append(f"| `{v['table']}.{v['field']}` | {_md(v['from'])} | `{v['to']}` | "
                   f"`{v['source']}` | {v['count']} |")
    return out


def _conversions_section(r: dict) -> list[str]:
    out = ["\n## Conversions / 类型转换\n"]
    if not r["conversions"]:
        return out + ["None."]
    return out + [f"- `{c['table']}.{c['field']}`: {c['rule']}, {c['count']} cells (e.g. "
                  f"{_md('; '.join(c['examples']))})" for c in r["conversions"]]


def _unmapped_values_section(r: dict) -> list[str]:
    out = ["\n## Unmapped values / 未映射的取值\n"]
    if not r["unmapped_values"]:
        return out + ["None."]
    for u in r["unmapped_values"]:
        rows = ", ".join(f"{x['file']}{' [' + x['sheet'] + ']' if x['sheet'] else ''} row {x['row']}"
                         for x in u["rows"][:20])
        more = f" … and {len(u['rows']) - 20} more" if len(u["rows"]) > 20 else ""
        out.append(f"- `{u['table']}.{u['field']}` = {_md(u['value'])!s}: {u['count']} rows ({_md(rows)}{more})")
    return out


def _dropped_rows_section(r: dict) -> list[str]:
    out = ["\n## Dropped rows / 删除的行\n"]
    if not r["dropped_rows"]:
        return out + ["None: every record was imported."]
    return out + [f"- {_md(d['file_sheet'])} row {d['row']}: {_md('; '.join(d['reasons']))}"
                  for d in r["dropped_rows"]]


def _problems_section(r: dict) -> list[str]:
    if not r["problems"]:
        return []
    out = ["\n## Problems / 问题\n"]
    for p in r["problems"]:
        where = f"{p['file']}, " + (f"row {p['row']}" if p["row"] is not None else "header")
        col = "" if p["column"] is None else f", column '{p['column']}'" + (
            f" ('{p['header']}')" if p["header"] and p["header"] != p["column"] else "")
        val = "" if p["value"] is None else f", value '{p['value']}'"
        out.append(f"- {_md(where + col + val)}: {_md(p['rule'])}"
                   + (f" / {_md(p['rule_zh'])}" if p["rule_zh"] else ""))
    return out
