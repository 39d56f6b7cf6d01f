"""A realistic *synthetic* college export, made from a shipped synthetic scenario.

:func:`write_college_export` turns the four contract tables of ``data/raw/synthetic/<scenario>``
into the shapes a Chinese higher vocational college's systems export (``make examples`` writes
``data/raw/examples/synthetic_college_export/``):

* ``毕业生就业去向登记表_合成数据.xlsx`` — graduates over **two sheets** (earlier and later cohorts),
  each with two **title rows** above the header (the first merged across the columns), Chinese
  headers, cohorts as ``2017届``, booleans as ``是/否``, the Ministry of Education destination
  categories (sheet 1 by name, sheet 2 as ``code name`` such as ``10 签就业协议形式就业``),
  satisfaction as labels (很满意 …) or ``4分``, numbers stored as text (``4.2个月``, ``134小时``),
  ``-``/``无``/empty as missing markers, and unmapped columns (序号, 备注);
* ``用人单位评价问卷_合成数据.xlsx`` — a questionnaire-platform (问卷星-style) export: one column per
  item with numbered Chinese item texts, submission metadata, ``(跳过)`` for skipped items and
  labels for the overall satisfaction;
* ``三方评价_合成数据.csv`` — the three-party evaluation in **GB18030** with a title line;
* ``专业建设数据_合成数据.txt`` — programme facts as Excel's "Unicode text" (**UTF-16**, tab
  separated) with academic years as ``2014-2015学年``;
* ``mapping.yaml`` (marks the data set synthetic for reports) and ``README.md``.

The ministry scheme has no part-time category, so part-time employees are written with the MyCOS
survey label ``受雇半职工作``; unknown destinations as ``不详``. Every value maps back to the
scenario's exactly (the rating identifiers become the questionnaire's 序号), so indicators computed
after ``talentlab import`` equal those of the scenario. Bytes are deterministic: workbook
timestamps and zip entry dates are fixed.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import io as _io
import json
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from talentlab import resources
from talentlab.data.atomic import write_folder_atomically
from talentlab.data.io import SYNTHETIC_DIR

EXPORT_NAME = "synthetic_college_export"
#: the default ``out_dir``, relative to the repository; an installed talentlab has no project
#: folder, so there ``out_dir`` must be given (:func:`talentlab.resources.default_output`)
DEFAULT_OUT_DIR = f"data/raw/examples/{EXPORT_NAME}"
FIXED_TIME = _dt.datetime(2000, 1, 1)

#: contract destination -> the categories written for it (chosen per student, deterministically)
DESTINATION_LABELS = {
    "employed_full_time": [("10", "签就业协议形式就业"), ("11", "签劳动合同形式就业")],
    "employed_part_time": [(None, "受雇半职工作")],
    "self_employed": [("75", "自主创业"), ("76", "自由职业")],
    "military": [("46", "应征义务兵")],
    "further_study": [("80", "升学"), (None, "专升本"), ("85", "出国、出境")],
    "preparing_further_study": [("71", "不就业拟升学")],
    "unemployed": [("70", "待就业"), ("72", "其他暂不就业")],
    "unknown": [(None, "不详")],
}
SATISFACTION = {"5": "很满意", "4": "满意", "3": "一般", "2": "不满意", "1": "很不满意",
                "0": "无法评价"}
YES_NO = {"true": "是", "false": "否"}
PARTY = {"school": "学校", "enterprise": "企业", "industry": "行业"}
DIMENSION = {"practical_skill": "实践技能", "professional_quality": "职业素养",
             "innovation_ability": "创新能力"}
TIER = {"leading": "龙头企业", "sme": "中小企业"}
REGION = {"local": "本地", "province": "省内其他地区", "elsewhere": "省外"}

GRADUATE_HEADERS = [
    ("序号", None), ("学号", "student_id"), ("院校名称", "college"), ("专业名称", "major"),
    ("届别", "cohort"), ("是否改革专业", "treated_major"), ("毕业去向", "destination"),
    ("工作与专业是否相关", "job_related_to_major"), ("就业满意度", "job_satisfaction"),
    ("单位编号", "employer_id"), ("是否集群企业", "employer_in_cluster"),
    ("企业类型", "employer_tier"), ("就业地区", "work_region"),
    ("岗位适应期（月）", "adaptation_months"), ("是否已独立上岗", "adaptation_reached"),
    ("半年内是否离职", "left_within_6_months"), ("企业再培训时长（小时）", "retraining_hours"),
    ("是否获得职业技能证书", "industry_certificate"), ("是否订单班", "order_class"), ("备注", None),
]
RATING_ITEMS = [
    ("4、实践动手能力", "practical_skill"), ("5、岗位适应能力", "post_adaptability"),
    ("6、职业素养", "professional_quality"), ("7、分析和解决问题能力", "problem_solving"),
    ("8、学习能力", "learning_ability"),
]
PROGRAMME_HEADERS = [
    ("院校名称", "college"), ("专业名称", "major"), ("学年", "year"),
    ("专业课专任教师数", "specialised_teachers"), ("双师型教师数", "double_qualified_teachers"),
    ("企业兼职教师数", "enterprise_part_time_teachers"), ("课程总数", "courses_total"),
    ("校企合作开发课程数", "courses_co_developed"), ("在校生数", "students_enrolled"),
    ("订单班学生数", "order_class_students"), ("技术服务项目数", "technical_service_projects"),
    ("培训中小企业员工数（人次）", "sme_employees_trained"),
]
FILES = {
    "graduates": "毕业生就业去向登记表_合成数据.xlsx",
    "employer_ratings": "用人单位评价问卷_合成数据.xlsx",
    "evaluations": "三方评价_合成数据.csv",
    "programmes": "专业建设数据_合成数据.txt",
}


def _pick(student_id: str, options: list) -> tuple:
    h = int(hashlib.sha256(student_id.encode("utf-8")).hexdigest()[:8], 16)
    return options[h % len(options)]


def _read_scenario(src: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(src / f"{name}.csv", dtype=str, keep_default_na=False,
                              na_filter=False)
            for name in FILES}


def _deterministic_xlsx(book) -> bytes:
    """Workbook bytes without the save time: fixed core-properties dates and zip entry dates."""
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "talentlab (synthetic data)"
    buf = _io.BytesIO()
    book.save(buf)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = _io.BytesIO()
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = data.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                              lambda m: m.group(1) + stamp + m.group(3), text)
                data = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o644 << 16
            zout.writestr(zi, data)
    return out.getvalue()


def _number_or_text(text: str) -> object:
    if text == "":
        return None
    try:
        num = float(text)
    except ValueError:
        return text
    return int(num) if num.is_integer() and "." not in text else num


def graduate_rows(g: pd.DataFrame, style: int) -> list[list[object]]:
    """The graduates table ``g`` as rows of the example export in its ``style`` 1 or 2 (each
    with its own destination labels and codes, rating and unit texts, and missing-value marks)."""
    rows = []
    for i, r in enumerate(g.to_dict("records"), start=1):
        na = "-" if style == 1 else ("无" if i % 2 else "")
        code, label = _pick(r["student_id"], DESTINATION_LABELS[r["destination"]])
        dest = label if style == 1 or code is None else f"{code} {label}"

        def yn(v: str, na: str = na) -> object:
            return YES_NO[v] if v else na

        sat = r["job_satisfaction"]
        if not sat:
            sat_cell = na
        else:
            sat_cell = SATISFACTION[sat] if style == 1 else f"{sat}分"
        months, hours = r["adaptation_months"], r["retraining_hours"]
        if style == 1:
            months_cell = _number_or_text(months) if months else na
            hours_cell = _number_or_text(hours) if hours else na
        else:
            months_cell = f"{months}个月" if months else na
            hours_cell = f"{hours}小时" if hours else na
        rows.append([
            i, r["student_id"], r["college"], r["major"], f"{r['cohort']}届",
            YES_NO[r["treated_major"]], dest, yn(r["job_related_to_major"]), sat_cell,
            r["employer_id"] or na, yn(r["employer_in_cluster"]),
            TIER[r["employer_tier"]] if r["employer_tier"] else na,
            REGION[r["work_region"]] if r["work_region"] else na,
            months_cell, yn(r["adaptation_reached"]), yn(r["left_within_6_months"]), hours_cell,
            yn(r["industry_certificate"]), YES_NO[r["order_class"]],
            "核对中（合成）" if i % 97 == 0 else None,
        ])
    return rows


def _graduates_workbook(g: pd.DataFrame, scenario: str, seed: object) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    cohorts = sorted(g["cohort"].unique(), key=int)
    half = cohorts[: (len(cohorts) + 1) // 2]
    parts = [(half, 1), ([c for c in cohorts if c not in half], 2)]
    book = Workbook()
    book.remove(book.active)
    ncol = len(GRADUATE_HEADERS)
    for chunk, style in parts:
        ws = book.create_sheet(f"{chunk[0]}-{chunk[-1]}届")
        ws.append([f"【合成数据 SYNTHETIC】合成数据示例院校 {chunk[0]}–{chunk[-1]}届毕业生毕业去向登记表"
                   "（由 talentlab 生成，非真实记录 / generated by talentlab, not real records）"])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center")
        ws.append([f"数据来源：talentlab.simulate 情景 {scenario}，随机种子 {seed}；"
                   "毕业去向按教育部毕业去向类别登记（受雇半职工作按麦可思口径）"])
        ws.append([h for h, _ in GRADUATE_HEADERS])
        for cell in ws[3]:
            cell.font = Font(bold=True)
        sub = g[g["cohort"].isin(chunk)]
        for row in graduate_rows(sub, style):
            ws.append(row)
    return _deterministic_xlsx(book)


def _ratings_workbook(r: pd.DataFrame) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = "问卷数据（合成）"
    ws.append(["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "1、被评价学生学号",
               "2、贵单位编号", "3、评价人编号"] + [h for h, _ in RATING_ITEMS]
              + ["9、总体而言，您对该毕业生的满意程度", "10、是否愿意再次录用该专业毕业生", "总分"])
    start = _dt.datetime(2024, 1, 8, 9, 0, 0)
    for i, rec in enumerate(r.to_dict("records"), start=1):
        items = [int(rec[f]) if rec[f] else "(跳过)" for _, f in RATING_ITEMS]
        total = sum(v for v in items if isinstance(v, int))
        sat = rec["overall_satisfaction"]
        hire = rec["would_hire_again"]
        ws.append([i, start + _dt.timedelta(minutes=7 * i), f"{60 + (i * 37) % 240}秒",
                   "手机提交", "直接访问", rec["student_id"], rec["employer_id"], rec["rater_id"],
                   *items, SATISFACTION[sat] if sat else "(跳过)",
                   YES_NO[hire] if hire else "(跳过)", total])
        ws.cell(row=i + 1, column=2).number_format = "yyyy-mm-dd hh:mm:ss"
    return _deterministic_xlsx(book)


def _evaluations_csv(e: pd.DataFrame) -> bytes:
    out = pd.DataFrame({
        "学号": e["student_id"], "评价主体": e["party"].map(PARTY),
        "评价人编号": e["evaluator_id"], "评价维度": e["dimension"].map(DIMENSION),
        "得分": e["score"]})
    buf = _io.StringIO()
    buf.write("合成数据（SYNTHETIC）三方评价导出 / synthetic three-party evaluation export\r\n")
    out.to_csv(buf, index=False, lineterminator="\r\n")
    return buf.getvalue().encode("gb18030")


def _programmes_txt(p: pd.DataFrame) -> bytes:
    out = pd.DataFrame({h: p[f] for h, f in PROGRAMME_HEADERS})
    out["学年"] = [f"{y}-{int(y) + 1}学年" for y in p["year"]]
    buf = _io.StringIO()
    out.to_csv(buf, index=False, sep="\t", lineterminator="\r\n")
    return buf.getvalue().encode("utf-16")  # with BOM, little endian: Excel's "Unicode text"


def _mapping_yaml(scenario: str, origin: dict) -> str:
    lines = [
        "# talentlab import mapping for the SYNTHETIC example export (合成数据).",
        "# Every header and value of these files is already known to the contract's aliases and value",
        "# maps; this file only says where the data come from, so reports label them synthetic.",
        "dataset:",
        "  name: synthetic-college-export",
        "  data_origin: synthetic",
        f"  scenario: {scenario}",
        f"  seed: {origin.get('seed')}",
        "  description: >-",
        "    SYNTHETIC college export made by talentlab.data.examples from the synthetic scenario",
        f"    '{scenario}' (not real records / 合成数据，非真实记录).",
    ]
    return "\n".join(lines) + "\n"


def _readme(scenario: str, origin: dict) -> str:
    return f"""# Synthetic college export / 合成的院校导出数据

**SYNTHETIC DATA — not real records / 合成数据，非真实记录.** Generated by `make examples`
(`talentlab.data.examples.write_college_export`) from the shipped synthetic scenario `{scenario}`
(seed {origin.get('seed')}). Do not edit: re-run `make examples`.

These files imitate what a Chinese higher vocational college's systems export, to try
`talentlab import` on:

| file | shape |
|---|---|
| `{FILES['graduates']}` | two sheets (earlier / later cohorts), two title rows above the header, Chinese headers, 2017届, 是/否, MOE destination categories (sheet 2 as `10 签就业协议形式就业`), satisfaction labels or `4分`, numbers as text (`4.2个月`, `134小时`), `-` / `无` / empty as missing |
| `{FILES['employer_ratings']}` | questionnaire-platform (问卷星-style) export: one column per item, numbered Chinese item texts, `(跳过)` for skipped items |
| `{FILES['evaluations']}` | three-party evaluation, GB18030 CSV with a title line |
| `{FILES['programmes']}` | programme facts, UTF-16 tab-separated text (Excel "Unicode text"), `2014-2015学年` |
| `mapping.yaml` | marks the data set as synthetic (scenario, seed) for reports |

The ministry's destination scheme has no part-time category: part-time employees appear with the
MyCOS survey label 受雇半职工作. Unknown destinations are 不详.

    talentlab import data/raw/examples/{EXPORT_NAME} build/imported/{EXPORT_NAME}
    talentlab validate build/imported/{EXPORT_NAME}
    make reproduce DATA=data/raw/examples/{EXPORT_NAME}     # imports, then the whole analysis
"""


def write_college_export(scenario: str = "paper_claims", out_dir: str | os.PathLike | None = None,
                         source_dir: str | os.PathLike | None = None) -> Path:
    """Write the synthetic college export made from a synthetic scenario folder.

    Parameters
    ----------
    scenario : str
        Scenario name (its folder ``data/raw/synthetic/<scenario>`` is read unless
        ``source_dir`` is given).
    out_dir : path, optional
        Default, in a clone of the repository, :data:`DEFAULT_OUT_DIR`
        (``data/raw/examples/synthetic_college_export``). An installed talentlab has no
        project folder (its own lies under site-packages and is never written): there
        ``out_dir`` is required.
    source_dir : path, optional
        A scenario folder written by :func:`talentlab.simulate.generate`.

    Returns
    -------
    Path
        The folder written (files replaced atomically; same input, same bytes).

    Raises
    ------
    ValueError
        ``out_dir`` not given in an installed talentlab (nothing is written), or a source
        folder that is not synthetic.

    Examples
    --------
    Writing the export takes a few seconds of CPU, so the doctests skip it (``make examples``
    runs it in a clone, and the importer's tests import its result):

    >>> import tempfile
    >>> from talentlab.data.examples import write_college_export
    >>> out = write_college_export(out_dir=tempfile.mkdtemp() + "/export")  # doctest: +SKIP
    >>> sorted(p.name for p in out.iterdir())  # doctest: +SKIP
    ['README.md', 'SHA256SUMS', 'mapping.yaml', '三方评价_合成数据.csv', '专业建设数据_合成数据.txt',
     '毕业生就业去向登记表_合成数据.xlsx', '用人单位评价问卷_合成数据.xlsx']
    """
    src = Path(source_dir) if source_dir is not None else SYNTHETIC_DIR / scenario
    out = (Path(out_dir) if out_dir is not None
           else resources.default_output(DEFAULT_OUT_DIR, "out_dir"))
    desc = json.loads((src / "datapackage.json").read_text(encoding="utf-8"))
    if desc.get("data_origin") != "synthetic":
        raise ValueError(f"{src}: the example export is made from synthetic data only")
    scenario = desc.get("scenario", scenario)
    tables = _read_scenario(src)
    files = {
        FILES["graduates"]: _graduates_workbook(tables["graduates"], scenario, desc.get("seed")),
        FILES["employer_ratings"]: _ratings_workbook(tables["employer_ratings"]),
        FILES["evaluations"]: _evaluations_csv(tables["evaluations"]),
        FILES["programmes"]: _programmes_txt(tables["programmes"]),
        "mapping.yaml": _mapping_yaml(scenario, desc).encode("utf-8"),
        "README.md": _readme(scenario, desc).encode("utf-8"),
    }
    files["SHA256SUMS"] = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n"
        for name, data in sorted(files.items())).encode("utf-8")

    def write(stage: Path) -> None:
        for name, data in files.items():
            (stage / name).write_bytes(data)
            os.chmod(stage / name, 0o644)

    return write_folder_atomically(out, write)
