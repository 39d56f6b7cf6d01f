"""``talentlab import``: the import report (``import_report.md``) and the failure message.

The report dictionary the import fills (files, columns, value maps, conversions, unmapped values,
dropped rows, problems) is rendered as Markdown (:func:`render_report`); a failed import's
message gives the summary before a few example rows (:func:`failure_message`), and its report is
written beside the output folder (:func:`failure_report_paths`). Part of
:mod:`talentlab.data.importer`.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from talentlab.data.problems import Problem, as_typed, rule_zh

#: Example problem lines a failure message shows after its summary (the report has them all).
FAILURE_EXAMPLES = 5


def failure_report_paths(out: str | os.PathLike) -> tuple[Path, Path]:
    """Where a failed import writes its report: beside ``OUT``, never inside it
    (``<OUT>.import_report.md`` and ``.json``), so the output folder stays untouched."""
    out = Path(out)
    return (out.parent / f"{out.name}.import_report.md",
            out.parent / f"{out.name}.import_report.json")


def failure_message(src: Path, problems: list[Problem], report: dict, allow_dropped_rows: bool,
                    refusal: str | None, report_md: Path | None) -> str:
    """The :class:`~talentlab.data.importer.ImportFailed` message, summary first.

    The values no map knows, the columns not imported, the problems counted by column and rule;
    then a few example rows (:data:`FAILURE_EXAMPLES`), where the report is, and the fix
    (``--allow-dropped-rows`` only where dropping rows can help).

    Parameters
    ----------
    src : Path
        The source that was imported.
    problems : list of Problem
        Every problem, in the order reported.
    report : dict
        The import report (its ``unmapped_values`` and ``unmapped_headers``).
    allow_dropped_rows : bool
        Whether dropping rows was asked for.
    refusal : str or None
        Why dropping rows cannot be the fix (``None``: it can, and the option is offered).
    report_md : Path or None
        Where the report was written (``None``: it could not be).

    Returns
    -------
    str

    Examples
    --------
    >>> from pathlib import Path
    >>> report = {"unmapped_values": [], "unmapped_headers": []}
    >>> problems = [Problem("g.csv", 2, "cohort", "20x9", "must be a whole number (integer)")]
    >>> print(failure_message(Path("export"), problems, report, False, None, None))
    ... # doctest: +NORMALIZE_WHITESPACE
    1 problem(s) importing export. Nothing was written / 导入失败，未写入任何文件.
    Problems / 问题:
      - g.csv, row 2, column 'cohort', value '20x9': must be a whole number (integer) / 必须为整数
    Fix the file or mapping.yaml (aliases, values, derive), or pass --allow-dropped-rows to drop
    the rows with problems (each listed in the report; at most --max-dropped-share of a table).
    / 请修改文件或 mapping.yaml。
    """
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


def problem_dict(p: Problem) -> dict:
    """A problem as the report's JSON gives it: file, row, column, header, the value as typed,
    the rule and its Chinese wording.

    Examples
    --------
    >>> problem_dict(Problem("g.csv", 2, "cohort", 2.0, "must be <= 2030"))["value"]
    '2'
    """
    return {"file": p.file, "row": p.row, "column": p.column, "header": p.header,
            "value": None if p.value is None else as_typed(p.value), "rule": p.rule,
            "rule_zh": rule_zh(p.rule)}


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
