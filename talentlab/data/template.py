"""Fill-in templates of the record tables: an Excel workbook and CSV files, generated from the contract.

:func:`write_xlsx_template` writes one workbook a college can fill by hand:

* a ``README`` sheet rendered from the contract (every field with its type, unit, allowed values and
  meaning in English and Chinese, the rules across fields, the missing-value markers), then
* one sheet per record table, named as the table, whose **first row is the header** (nothing above
  it, nothing between it and the data, so :func:`talentlab.data.io.import_records` and the contract
  loaders find it as is). The bilingual description of each field travels as a cell comment on its
  header cell, not as an extra row;
* data-validation drop-downs for allowed values and booleans, and whole-number / decimal ranges from
  the contract's ``minimum`` / ``maximum`` (Excel rejects an out-of-range entry with a bilingual
  message); text columns are formatted as text so identifiers such as ``0012`` keep their zeros.

:func:`write_csv_templates` writes the same tables as header-only CSV files (UTF-8 with BOM, so Excel
opens Chinese text correctly) plus ``TEMPLATE_README.md``. An empty template is already a valid
(empty) data folder. Both writers produce identical bytes on every run (fixed document dates and zip
timestamps), and both only read the contract.
"""

from __future__ import annotations

import datetime as _dt
import io as _io
import os
import re
import zipfile
from pathlib import Path

from talentlab.data.atomic import atomic_write_bytes
from talentlab.data.schema import (
    CROSS_FIELD_RULES,
    FALSE_TOKENS,
    RECORD_TABLES,
    TRUE_TOKENS,
    layout_fields,
    missing_values,
    render_codebook,
    resource,
)

__all__ = ["TEMPLATE_ROWS", "LANGUAGES", "header_labels", "template_workbook_bytes",
           "write_xlsx_template", "write_csv_templates", "README_SHEET", "is_template_readme"]

#: Rows (below the header) that carry the drop-downs and range checks.
TEMPLATE_ROWS = 20000
#: Languages of the header cells and of the boolean drop-down.
LANGUAGES = ("en", "zh")
#: Words shown in the boolean drop-down, per language (both are accepted by the contract).
BOOLEAN_CHOICES = {"en": ("true", "false"), "zh": ("是", "否")}
#: A fixed timestamp for the document properties and the zip entries (deterministic bytes).
FIXED_TIME = _dt.datetime(2000, 1, 1, 0, 0, 0)

#: The workbook's notes sheet: its name, its title (cell A1) and the header of its field list.
README_SHEET = "README"
README_TITLE = "talentlab data template / talentlab 数据模板"
README_FIELD_HEADER = ["table / 表", "field / 字段", "header / 表头", "type / 类型",
                       "required / 必填", "unit / 单位", "allowed values / 允许值", "meaning", "含义"]

_TYPE_ZH = {"string": "文本", "integer": "整数", "number": "数值", "boolean": "是/否"}


def _check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"unknown template language {lang!r} (use one of: {', '.join(LANGUAGES)})")
    return lang


def _chinese_alias(fdesc: dict) -> str | None:
    """The contract's first Chinese header alias of a field (talentlab's own list first)."""
    aliases = fdesc.get("aliases") or {}
    groups = [aliases["talentlab"]] if "talentlab" in aliases else []
    groups += [v for k, v in sorted(aliases.items()) if k != "talentlab"]
    for group in groups:
        for alias in group:
            if any("\u4e00" <= ch <= "\u9fff" for ch in alias):
                return alias
    return None


def header_labels(table: str, lang: str = "en") -> list[str]:
    """The header cells of a table's template.

    ``en``: the contract's field names, so a filled template passes ``talentlab validate`` as it
    is. ``zh``: each field's first Chinese header alias from the contract (the field name where
    there is none), which ``talentlab import`` maps back to the field; the field name stays in the
    header's note and on the README sheet.

    Examples
    --------
    >>> header_labels("evaluations")
    ['student_id', 'party', 'evaluator_id', 'dimension', 'score']
    >>> header_labels("evaluations", "zh")[:2]
    ['学号', '评价主体']
    """
    _check_lang(lang)
    fdescs = layout_fields(table)
    if lang == "en":
        return [f["name"] for f in fdescs]
    labels = [_chinese_alias(f) or f["name"] for f in fdescs]
    if len(set(labels)) != len(labels):  # pragma: no cover - the contract's aliases are distinct
        raise ValueError(f"{table}: two fields share a Chinese header alias")
    return labels


def _constraints(fdesc: dict) -> dict:
    return fdesc.get("constraints", {})


def _allowed_text(fdesc: dict, lang: str) -> str:
    cons = _constraints(fdesc)
    parts = []
    if "enum" in cons:
        parts.append(" / ".join(str(v) for v in cons["enum"]))
    if fdesc["type"] == "boolean":
        parts.append(" / ".join(BOOLEAN_CHOICES[lang]))
    lo, hi = cons.get("minimum"), cons.get("maximum")
    if lo is not None and hi is not None:
        parts.append(f"{lo}–{hi}")
    elif lo is not None:
        parts.append(f">= {lo}")
    elif hi is not None:
        parts.append(f"<= {hi}")
    if cons.get("unique"):
        parts.append("unique / 不可重复")
    return "; ".join(parts)


def _note(fdesc: dict, lang: str) -> str:
    """The bilingual note on a header cell (Chinese first in a Chinese template)."""
    required = _constraints(fdesc).get("required")
    zh = f"{fdesc.get('description_zh', '')}（{_TYPE_ZH.get(fdesc['type'], fdesc['type'])}，" \
         f"{'必填' if required else '可留空'}）"
    en = f"{fdesc.get('description', '')} ({fdesc['type']}, {'required' if required else 'optional'})"
    unit = fdesc.get("unit")
    if unit:
        en += f" Unit: {unit}."
    allowed = _allowed_text(fdesc, lang)
    tail = f"\n{allowed}" if allowed else ""
    body = f"{zh}\n{en}" if lang == "zh" else f"{en}\n{zh}"
    return f"{fdesc['name']}\n{body}{tail}"


def _validation(fdesc: dict, lang: str):
    """The openpyxl DataValidation for a field, or None when the contract sets no rule on it."""
    from openpyxl.worksheet.datavalidation import DataValidation

    cons = _constraints(fdesc)
    ftype = fdesc["type"]
    name = fdesc["name"]
    kind = None
    if "enum" in cons or ftype == "boolean":
        choices = ([str(v) for v in cons["enum"]] if "enum" in cons
                   else list(BOOLEAN_CHOICES[lang]))
        formula = '"' + ",".join(choices) + '"'
        if len(formula) > 257 or any("," in c or '"' in c for c in choices):  # Excel's list limit
            raise ValueError(f"{name}: the allowed values do not fit an Excel drop-down list")
        dv = DataValidation(type="list", formula1=formula, allow_blank=True)
        dv.showDropDown = False  # (sic) False shows the in-cell arrow
        kind = "one of: " + ", ".join(choices) + " / 只能从下拉列表选择"
    elif ftype in ("integer", "number"):
        lo, hi = cons.get("minimum"), cons.get("maximum")
        vtype = "whole" if ftype == "integer" else "decimal"
        if lo is not None and hi is not None:
            dv = DataValidation(type=vtype, operator="between", formula1=str(lo), formula2=str(hi),
                                allow_blank=True)
            kind = f"{lo}–{hi}"
        elif lo is not None:
            dv = DataValidation(type=vtype, operator="greaterThanOrEqual", formula1=str(lo),
                                allow_blank=True)
            kind = f">= {lo}"
        elif hi is not None:
            dv = DataValidation(type=vtype, operator="lessThanOrEqual", formula1=str(hi),
                                allow_blank=True)
            kind = f"<= {hi}"
        else:
            dv = DataValidation(type=vtype, operator="between", formula1="-1000000000",
                                formula2="1000000000", allow_blank=True)
            kind = "a number / 数值"
        if ftype == "integer":
            kind += " (whole number / 整数)"
    else:
        return None
    dv.error = f"{name}: {kind}"
    dv.errorTitle = "Not allowed by the talentlab contract / 不符合数据规范"
    dv.errorStyle = "stop"
    dv.showErrorMessage = True
    dv.prompt = (fdesc.get("description_zh", "") if lang == "zh"
                 else fdesc.get("description", ""))[:255]
    dv.promptTitle = name[:32]
    dv.showInputMessage = True
    return dv


def _readme_rows(lang: str) -> list[list[str]]:
    rows: list[list[str]] = [
        [README_TITLE],
        ["Fill one sheet per table, one record per row, starting in row 2; keep the header row "
         "(row 1) as it is and add no rows above it. Leave a cell empty when the value is missing."],
        ["每张表填一个工作表，每行一条记录，从第 2 行开始填写；第 1 行表头请勿修改，表头上方不要插入行。"
         "缺失值请留空。"],
        ["Then run: talentlab import THIS_FILE.xlsx OUT_DIR"
         + ("  (or save each sheet as <table>.csv and run talentlab validate)" if lang == "en"
            else "  (the Chinese headers are mapped to the contract's fields by the import)")],
        ["然后运行：talentlab import 本文件.xlsx 输出目录"
         + ("（或将各表另存为 <表名>.csv 后运行 talentlab validate）" if lang == "en"
            else "（导入时中文表头自动对应到规范字段）")],
        ["Missing-value markers / 缺失值标记: "
         + ", ".join(repr(m) for m in missing_values(RECORD_TABLES[0]))],
        ["Booleans / 是否: " + ", ".join(sorted(TRUE_TOKENS)) + " | " + ", ".join(sorted(FALSE_TOKENS))],
        ["Template language / 模板语言: " + lang],
        [],
        list(README_FIELD_HEADER),
    ]
    for table in RECORD_TABLES:
        res = resource(table)
        headers = header_labels(table, lang)
        for f, header in zip(layout_fields(table), headers, strict=True):
            rows.append([table, f["name"], header, f["type"],
                         "yes / 是" if _constraints(f).get("required") else "no / 否",
                         f.get("unit", ""), _allowed_text(f, lang), f.get("description", ""),
                         f.get("description_zh", "")])
    rows.append([])
    rows.append(["Rules across fields and tables / 跨字段与跨表规则"])
    for table in RECORD_TABLES:
        res = resource(table)
        rows.append([f"{table} — {res.get('title', '')} / {res.get('title_zh', '')}",
                     "key / 主键: " + ", ".join(res["schema"].get("primaryKey", []))])
        for rule in CROSS_FIELD_RULES.get(table, []):
            rows.append(["", rule])
    return rows


def is_template_readme(sheet: str | None, rows: list[list[str]]) -> bool:
    """Whether a sheet is the notes sheet this module writes (not data): named
    :data:`README_SHEET`, titled :data:`README_TITLE` in A1, with the field list's header row.

    A college's own sheet called ``README``, or the notes under another sheet name, is not it.

    Examples
    --------
    >>> is_template_readme("README", _readme_rows("zh"))
    True
    >>> is_template_readme("README", [["Notes of the registrar"], ["contact", "phone"]])
    False
    """
    if sheet != README_SHEET or not rows or not rows[0] or rows[0][0].strip() != README_TITLE:
        return False
    return any([c.strip() for c in row[:len(README_FIELD_HEADER)]] == README_FIELD_HEADER
               for row in rows[:40])


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip (an .xlsx) with fixed entry timestamps and document dates, keeping the order."""
    out = _io.BytesIO()
    with zipfile.ZipFile(_io.BytesIO(data)) as src, \
            zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time here
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(<)",
                                 rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                                 + rb"\g<2>", content)
            dst.writestr(fixed, content)
    return out.getvalue()


def template_workbook_bytes(lang: str = "en") -> bytes:
    """The bytes of the Excel template (identical on every call).

    Examples
    --------
    >>> template_workbook_bytes("zh") == template_workbook_bytes("zh")
    True
    """
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    _check_lang(lang)
    wb = Workbook()
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "talentlab"
    wb.properties.title = "talentlab data template / 数据模板"
    bold = Font(bold=True)
    head_fill = PatternFill("solid", fgColor="DDEBF7")

    readme = wb.active
    readme.title = README_SHEET
    for row in _readme_rows(lang):
        readme.append(row)
    readme["A1"].font = Font(bold=True, size=14)
    for cell in readme[10]:
        cell.font = bold
    for col, width in zip("ABCDEFGHI", (18, 28, 24, 10, 10, 12, 40, 70, 50), strict=True):
        readme.column_dimensions[col].width = width

    for table in RECORD_TABLES:
        ws = wb.create_sheet(table)
        fdescs = layout_fields(table)
        ws.append(header_labels(table, lang))
        ws.freeze_panes = "A2"
        for j, fdesc in enumerate(fdescs, start=1):
            letter = get_column_letter(j)
            cell = ws.cell(row=1, column=j)
            cell.font = bold
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=False)
            comment = Comment(_note(fdesc, lang), "talentlab")
            comment.width, comment.height = 360, 160
            cell.comment = comment
            ws.column_dimensions[letter].width = min(40, max(12, 2 * len(str(cell.value)) + 4))
            if fdesc["type"] == "string" and "enum" not in _constraints(fdesc):
                ws.column_dimensions[letter].number_format = "@"  # keep leading zeros of IDs
            dv = _validation(fdesc, lang)
            if dv is not None:
                dv.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
                ws.add_data_validation(dv)
    buf = _io.BytesIO()
    wb.save(buf)
    return _deterministic_zip(buf.getvalue())


def write_xlsx_template(out: str | os.PathLike, lang: str = "en") -> Path:
    """Write the Excel template to ``out`` (``.xlsx``) atomically and return the path.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = write_xlsx_template(Path(tempfile.mkdtemp()) / "template.xlsx")
    >>> openpyxl.load_workbook(p).sheetnames
    ['README', 'graduates', 'employer_ratings', 'evaluations', 'programmes']
    """
    out = Path(out)
    if out.suffix.lower() != ".xlsx":
        raise ValueError(f"{out}: the Excel template must be written to a .xlsx file")
    atomic_write_bytes(out, template_workbook_bytes(lang))
    return out


def csv_readme(lang: str = "en") -> str:
    """``TEMPLATE_README.md`` written beside the CSV templates."""
    _check_lang(lang)
    if lang == "en":
        run_en, run_zh = "`talentlab validate THIS_FOLDER`", "`talentlab validate 本文件夹`"
    else:
        run_en = ("`talentlab import THIS_FOLDER OUT_DIR` (it maps the Chinese headers to the "
                  "contract's fields)")
        run_zh = "`talentlab import 本文件夹 输出目录`（导入时中文表头自动对应到规范字段）"
    lines = [
        "# talentlab CSV templates / 数据模板（CSV）\n",
        "One file per table; the first line is the header (do not change it), then one record per "
        "line. Save as CSV UTF-8 (these files carry a byte-order mark so Excel shows Chinese "
        f"correctly). Leave a cell empty when the value is missing. Then run {run_en}.\n",
        "每张表一个文件；第一行为表头（请勿修改），之后每行一条记录。请保存为 CSV UTF-8 格式，缺失值留空，"
        f"然后运行 {run_zh}。\n",
        f"Booleans / 是否: {' / '.join(BOOLEAN_CHOICES[lang])} (also "
        f"{', '.join(sorted(TRUE_TOKENS | FALSE_TOKENS))}).\n",
    ]
    if lang == "zh":
        lines.append("| table / 表 | header / 表头 | field / 字段 |\n|---|---|---|")
        for table in RECORD_TABLES:
            for header, name in zip(header_labels(table, lang), header_labels(table, "en"),
                                    strict=True):
                lines.append(f"| {table} | {header} | `{name}` |")
        lines.append("")
    return "\n".join(lines) + "\n" + render_codebook(RECORD_TABLES)


def write_csv_templates(out_dir: str | os.PathLike, lang: str = "en") -> list[Path]:
    """Write ``<table>.csv`` (header only, UTF-8 with BOM, CRLF as Excel writes) for every record
    table plus ``TEMPLATE_README.md`` into ``out_dir``; return the paths written.

    Examples
    --------
    >>> import tempfile
    >>> paths = write_csv_templates(tempfile.mkdtemp())
    >>> paths[0].read_bytes()[:13]
    b'\\xef\\xbb\\xbfstudent_id'
    """
    _check_lang(lang)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a folder")
    written = []
    for table in RECORD_TABLES:
        path = out_dir / f"{table}.csv"
        atomic_write_bytes(path, ("\ufeff" + ",".join(header_labels(table, lang)) + "\r\n")
                           .encode("utf-8"))
        written.append(path)
    path = out_dir / "TEMPLATE_README.md"
    atomic_write_bytes(path, csv_readme(lang).encode("utf-8"))
    written.append(path)
    return written
