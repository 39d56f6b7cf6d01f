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

The steps live in modules of their own, each importable from here as before:
:mod:`~talentlab.data.import_headers` (finding the tables), :mod:`~talentlab.data.import_values`
(mapping values, converting types), :mod:`~talentlab.data.import_columns` (cells and columns),
:mod:`~talentlab.data.import_identifiers` (identifiers), :mod:`~talentlab.data.import_report`
(the report and the failure message) and :mod:`~talentlab.data.import_writing` (the output folder).
"""

from __future__ import annotations

import functools
import gc
import os
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data import progress, readers
from talentlab.data.descriptor import ORIGINAL_SUFFIX, RECORD_TABLES
from talentlab.data.import_columns import contract_fields, convert_number, percent_from_proportion
from talentlab.data.import_headers import (
    HEADER_SCAN_ROWS,
    MIN_HEADER_FIELDS,
    RESPONSE_NUMBER_IDS,
    FoundTables,
    Piece,
    find_tables,
)
from talentlab.data.import_identifiers import (
    IDENTIFIER_FIELDS,
    REAL_ID_MIN_DIGITS,
    looks_like_real_id,
    mask_id,
    pseudonymise_tables,
    real_id_flags,
    real_identifier_problems,
)
from talentlab.data.import_report import (
    FAILURE_EXAMPLES,
    failure_message,
    failure_report_paths,
    problem_dict,
    render_report,
)
from talentlab.data.import_values import LocatedProblem, MappedTables, map_tables
from talentlab.data.import_writing import csv_bytes, write_failure_report, write_import
from talentlab.data.mappings import IMPORT_TABLES, MappingError, Mappings, build_mappings
from talentlab.data.problems import Problem
from talentlab.data.validation import RawTable, validate_tables

__all__ = ["import_records", "ImportFailed", "ImportResult", "MappingError", "HEADER_SCAN_ROWS",
           "DEFAULT_MAX_DROPPED_SHARE", "failure_report_paths", "looks_like_real_id",
           # the import's steps, importable from here as before they had modules of their own
           "MIN_HEADER_FIELDS", "RESPONSE_NUMBER_IDS", "IDENTIFIER_FIELDS", "REAL_ID_MIN_DIGITS",
           "FAILURE_EXAMPLES", "convert_number", "percent_from_proportion", "real_id_flags",
           "mask_id", "render_report", "csv_bytes"]

#: Mapping files looked for in the source folder, in this order.
MAPPING_NAMES = ("mapping.yaml", "mapping.yml", "mapping.toml")
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
    found = find_tables(files, m, encoding, report)
    if not found.pieces and not found.file_problems:
        raise ImportFailed(_no_table_message(src, report["files"], skipped))
    report["warnings"] = [
        f"{e['file']}" + (f" [{e['sheet']}]" if e["sheet"] else "") + f": {e['status']}"
        for e in report["files"] if e.get("status", "").startswith("NOT IMPORTED")]

    with progress.status(f"import: mapping and checking {src.name}",
                         sum(map(progress.file_size, files))):
        mapped = map_tables(found, m, report)
        checked = _validate_dropping(mapped, found.file_problems + mapped.column_problems,
                                     allow_dropped_rows, max_dropped_share)
    final = _finish_report(report, mapped, checked)
    if not checked.problems:
        if key is not None:
            final = pseudonymise_tables(final, key, report)
        elif not keep_identifiers:
            checked.problems = real_identifier_problems(final, mapped)
            checked.drop_refusal = "the problem is the identifiers, not rows"
            report["problems"] = [problem_dict(p) for p in checked.problems]
    md = render_report(report)
    if checked.problems:
        written = write_failure_report(out, report, md)
        raise ImportFailed(failure_message(src, checked.problems, report, allow_dropped_rows,
                                            checked.drop_refusal, written),
                           problems=checked.problems, report=md)
    dataset = _dataset_descriptor(m, origin, src, out, found, mapped.by_table, final)
    write_import(out, final, dataset, report, md)
    for stale in failure_report_paths(out):  # an earlier failure's report would now mislead
        stale.unlink(missing_ok=True)
    return ImportResult(out=out, tables={t: int(len(df)) for t, df in final.items()},
                        report=report, dropped=len(checked.dropped))


@dataclass
class _Checked:
    problems: list[Problem]
    dropped: dict[tuple[str, int], list[str]]                 # (file [sheet], row) -> reasons
    keep: dict[str, np.ndarray]                               # table -> records kept
    #: why dropping rows cannot be the fix (``None``: it can, and the hint is offered)
    drop_refusal: str | None = None


def _validate_kept(mapped: MappedTables, keep: dict[str, np.ndarray], unmapped_at: set
                   ) -> tuple[list[LocatedProblem], list[Problem]]:
    """``(row problems, table problems)`` of the records kept."""
    raws = {}
    for t, text in mapped.texts.items():
        pos = np.flatnonzero(keep[t])
        sub = text if len(pos) == len(text) else text.iloc[pos].reset_index(drop=True)
        # categoricals of the texts: validation checks each distinct text once
        # (talentlab.data.validation.typed_column), so they are not turned into 100,000 strings first
        raws[t] = RawTable(name=t, file=t, text=sub, rows=pos)
    _typed, vprobs = validate_tables(raws)
    row_probs, table_probs = _locate_problems(vprobs, mapped, unmapped_at)
    return [lp for lp in mapped.unmapped_probs if keep[lp.table][lp.pos]] + row_probs, table_probs


def _validate_dropping(mapped: MappedTables, file_problems: list[Problem],
                       allow_dropped_rows: bool,
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


def _drop_refusal(mapped: MappedTables, causes: list[LocatedProblem], kept: dict[str, np.ndarray],
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


def _map_section(mapped: MappedTables, table: str, name: str) -> str:
    """Where the mapping file maps a field's values: ``values`` or its ``derive`` rules."""
    return f"derive: {table}: {name}: values" if (table, name) in mapped.derived_fields else \
        f"values: {table}: {name}"


def _locate_problems(vprobs: list[Problem], mapped: MappedTables, unmapped_at: set
                     ) -> tuple[list[LocatedProblem], list[Problem]]:
    """The contract's problems (rows are record positions) as ``(row problems at file, sheet and
    row with the value as read, table problems)``; a cell already reported unmapped is not
    repeated."""
    row_probs: list[LocatedProblem] = []
    table_probs: list[Problem] = []
    for p in vprobs:
        if p.file in mapped.texts and p.row is not None:
            k = int(p.row)
            piece, r = mapped.locs[p.file][k]
            value = p.value
            if p.column in contract_fields(p.file):
                o = mapped.originals[p.file][p.column][k]
                value = o.strip() if isinstance(o, str) else value
            if (piece.label, r, p.column) in unmapped_at:
                continue
            if p.column in IDENTIFIER_FIELDS and isinstance(value, str):
                value = mask_id(value)  # a real student number never goes into a message
            row_probs.append(LocatedProblem(Problem(piece.label, r, p.column, value, p.rule,
                                              header=piece.headers.get(p.column)), p.file, k))
        elif p.file in mapped.texts:
            labels = ", ".join(sorted({pc.label for pc in mapped.by_table[p.file]}))
            table_probs.append(Problem(labels, None, p.column, p.value, p.rule))
        else:
            table_probs.append(p)
    return row_probs, table_probs


def _finish_report(report: dict, mapped: MappedTables, checked: _Checked) -> dict[str, pd.DataFrame]:
    """Fill problems, dropped rows, value maps, conversions and tables into ``report``; return
    the tables to write (the rows kept)."""
    tally = mapped.tally
    report["problems"] = [problem_dict(p) for p in checked.problems]
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


def _dataset_descriptor(m: Mappings, origin: dict | None, src: Path, out: Path, found: FoundTables,
                        by_table: dict[str, list[Piece]], final: dict) -> dict:
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


def _problem_order(p: Problem):
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.rule)


def _slug(name: str) -> str:
    s = re.sub(r"[^A-Za-z0-9._-]+", "-", unicodedata.normalize("NFKC", name)).strip("-.")
    return s or "imported"
