"""Real export shapes (issue 20) from `talentlab import` to a validated folder.

Each fixture is written here in the shape of a real third-party file (headers and value forms as
the systems write them; the people and numbers are made up): an employment system's aggregated
destination table with a 人数 column, a per-graduate register whose destination is split over
目标 + 状态, a 就业方案 export with Chinese field names and one with the system's pinyin headers
and YYYYMM 毕业时间, two questionnaire-platform exports, a placement CSV with Placed/Not Placed,
and a published rate table per degree. Each is imported with a mapping.yaml of at most 15 lines,
then validated (`talentlab validate` on the folder).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from talentlab import cli
from talentlab.data.importer import import_records
from talentlab.data.schema import RECORD_TABLES, fields

MAX_MAPPING_LINES = 15


def _csv(path: Path, rows: list[list], encoding: str = "utf-8-sig") -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode(encoding))


def _xlsx(path: Path, rows: list[list], title: str = "Sheet1") -> None:
    book = Workbook()
    sheet = book.active
    sheet.title = title
    for r in rows:
        sheet.append(r)
    book.save(path)


def _mapping(src: Path, text: str) -> None:
    lines = text.strip("\n").splitlines()
    assert len(lines) <= MAX_MAPPING_LINES, f"mapping.yaml has {len(lines)} lines"
    (src / "mapping.yaml").write_text(text, encoding="utf-8")


def _import_and_validate(src: Path, out: Path, *extra: str) -> dict[str, pd.DataFrame]:
    """`talentlab import` then `talentlab validate`, both through the command line."""
    assert cli.main(["import", str(src), str(out), *extra]) == 0
    assert cli.main(["validate", str(out)]) == 0
    return {t: pd.read_csv(out / f"{t}.csv", dtype=str, keep_default_na=False)
            for t in RECORD_TABLES if (out / f"{t}.csv").exists()}


@pytest.fixture
def key_file(tmp_path_factory) -> Path:
    key = tmp_path_factory.mktemp("keys") / "talentlab.key"
    key.write_text("5f1c" * 16 + "\n")
    return key


# ---- 1. an employment system's aggregated destination table (人数) -------------------------
def test_aggregated_destination_table_with_a_headcount(tmp_path):
    if "count" not in fields("graduates"):
        pytest.xfail("the graduates `count` field (人数) is not in the contract yet")
    src = tmp_path / "src"
    src.mkdir()
    rows = [["2019届毕业生毕业去向统计表"], [],
            ["学校", "专业名称", "届别", "毕业去向", "人数"]]
    table = [("软件技术", "签就业协议形式就业", 41), ("软件技术", "升学", 12),
             ("软件技术", "待就业", 6), ("电子商务", "签劳动合同形式就业", 30),
             ("电子商务", "自由职业", 4), ("电子商务", "不就业拟升学", 0)]
    rows += [["某职业技术学院", major, "2019届", dest, n] for major, dest, n in table]
    _xlsx(src / "去向统计.xlsx", rows)
    _mapping(src, "constants:\n  graduates:\n    treated_major: false\n    order_class: false\n")
    out = _import_and_validate(src, tmp_path / "out")
    g = out["graduates"]
    assert "count" in g.columns and "student_id" not in g.columns
    assert g["count"].astype(int).sum() == sum(n for *_, n in table)
    assert g["destination"].tolist()[:3] == ["employed_full_time", "further_study", "unemployed"]


# ---- 2. a per-graduate register: destination = 目标 + 状态 -----------------------------------
def test_register_with_goal_and_state(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [["序号", "学号", "姓名", "专业", "班级", "届别", "目标", "状态", "备注"]]
    plan = [("就业", "已落实"), ("就业", "未落实"), ("升学", "已录取"), ("升学", "未录取"),
            ("参军", "已入伍"), ("就业", "已落实"), ("创业", "已落实"), ("就业", "未联系上")]
    for k, (goal, state) in enumerate(plan, start=1):
        rows.append([k, f"R{k:03d}", f"学生{k}", "数控技术", "数控1班", "2021届", goal, state, ""])
    _csv(src / "毕业生登记表.csv", rows, encoding="gb18030")
    _mapping(src, """\
constants:
  graduates: {college: 某职业技术学院, treated_major: false, order_class: false}
derive:
  graduates:
    destination:
      from: [目标, 状态]
      values:
        就业 + 已落实: employed_full_time
        升学 + 已录取: further_study
        升学 + 未录取: preparing_further_study
        参军 + *: military
        创业 + 已落实: self_employed
        "* + 未联系上": unknown
        就业 + 未落实: unemployed
""")
    g = _import_and_validate(src, tmp_path / "out")["graduates"]
    assert g["destination"].tolist() == [
        "employed_full_time", "unemployed", "further_study", "preparing_further_study",
        "military", "employed_full_time", "self_employed", "unknown"]
    assert g["destination_original"][0] == "就业 + 已落实"
    assert "学生1" not in (tmp_path / "out" / "graduates.csv").read_text(encoding="utf-8")


# ---- 3. a 就业方案 export with Chinese field names and real-looking student numbers ----------
def test_employment_plan_export_with_chinese_field_names(tmp_path, key_file, capsys):
    src = tmp_path / "src"
    src.mkdir()
    rows = [["考生号", "学号", "姓名", "性别", "院校名称", "专业名称", "毕业时间", "毕业去向代码",
             "毕业去向", "单位名称"]]
    plan = [("10", "签就业协议形式就业", "某公司"), ("11", "签劳动合同形式就业", "某厂"),
            ("50", "国家基层项目", ""), ("46", "应征义务兵", ""), ("80", "升学", ""),
            ("70", "待就业", ""), ("75", "自主创业", ""), ("85", "出国、出境", "")]
    for k, (code, label, unit) in enumerate(plan, start=1):
        rows.append([f"1944010{k:07d}", f"2018{k:07d}", f"学生{k}", "男", "某职业技术学院",
                     "机电一体化技术", "201807", code, label, unit])
    _xlsx(src / "2018届就业方案.xlsx", rows, title="就业方案")
    _mapping(src, "constants:\n  graduates:\n    treated_major: false\n    order_class: false\n")
    # 11-digit student numbers: refused in clear, with the key step in the message
    assert cli.main(["import", str(src), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "look like real student numbers" in err and "--key-file" in err
    g = _import_and_validate(src, tmp_path / "out", "--key-file", str(key_file))["graduates"]
    assert g["cohort"].unique().tolist() == ["2018"]
    assert g["student_id"].str.fullmatch(r"S-[0-9a-f]{16}").all()
    assert g["destination"].tolist() == [
        "employed_full_time", "employed_full_time", "employed_full_time", "military",
        "further_study", "unemployed", "self_employed", "further_study"]
    written = (tmp_path / "out" / "graduates.csv").read_text(encoding="utf-8")
    assert "2018000000" not in written and "1944010" not in written and "学生" not in written


# ---- 4. a 就业方案 export with the system's pinyin headers and YYYYMM 毕业时间 -----------------
def test_employment_plan_export_with_pinyin_headers(tmp_path, key_file):
    src = tmp_path / "src"
    src.mkdir()
    rows = [["Ksh", "Xh", "Xm", "Yxmc", "Zy", "Bysj", "Byqxdm", "Byqx", "Dwmc"]]
    plan = [("10", "签就业协议形式就业"), ("12", "其他录用形式就业"), ("76", "自由职业"),
            ("71", "不就业拟升学"), ("51", "地方基层项目"), ("27", "科研助理、管理助理")]
    for k, (code, label) in enumerate(plan, start=1):
        rows.append([f"2044010{k:07d}", f"2020{k:07d}", f"学生{k}", "某职业技术学院",
                     "工业机器人技术", "202006" if k % 2 else "20200630", code, label, ""])
    _csv(src / "jyfa.csv", rows, encoding="gb18030")
    _mapping(src, "constants:\n  graduates:\n    treated_major: false\n    order_class: false\n")
    res = import_records(src, tmp_path / "probe", key_file=key_file)
    used = {c["header"]: (c["field"], c["alias_source"]) for c in res.report["columns"]}
    assert used["Xh"] == ("student_id", "jyfa_fields") and used["Bysj"] == ("cohort", "jyfa_fields")
    assert used["Byqx"] == ("destination", "jyfa_fields") and "Byqxdm" not in used
    g = _import_and_validate(src, tmp_path / "out", "--key-file", str(key_file))["graduates"]
    assert g["cohort"].unique().tolist() == ["2020"]
    assert g["college"].unique().tolist() == ["某职业技术学院"]
    assert g["destination"].tolist() == ["employed_full_time", "employed_full_time", "self_employed",
                                         "preparing_further_study", "employed_full_time",
                                         "employed_full_time"]


# ---- 5. two questionnaire-platform exports ---------------------------------------------------
QUESTIONNAIRE_META = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]


def test_questionnaire_export_of_employer_ratings(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [QUESTIONNAIRE_META + ["1、被评价学生学号", "2、贵单位编号", "3、评价人编号",
                                  "4、实践动手能力", "5、岗位适应能力", "6、职业素养",
                                  "7、总体而言，您对该毕业生的满意程度", "8、是否愿意再次录用该专业毕业生"]]
    answers = [("很满意", "愿意"), ("满意", "是"), ("不满意", "否"), ("无法评价", "愿意")]
    for k, (sat, again) in enumerate(answers, start=1):
        rows.append([k, "2023/6/1 10:00:00", "120秒", "微信", "N/A", "1.2.3.4(广东-珠海)",
                     f"S{k:03d}", "E01", f"HR{k}", 5 - k % 3, 4, "(跳过)", sat, again])
    _xlsx(src / "用人单位评价_问卷星.xlsx", rows)
    _mapping(src, "tables:\n  '用人单位评价_问卷星.xlsx': employer_ratings\n")
    r = _import_and_validate(src, tmp_path / "out")["employer_ratings"]
    assert r["rating_id"].tolist() == ["Q00001", "Q00002", "Q00003", "Q00004"]
    assert r["overall_satisfaction"].tolist() == ["5", "4", "2", "0"]
    assert "1.2.3.4" not in (tmp_path / "out" / "employer_ratings.csv").read_text(encoding="utf-8")


def test_questionnaire_export_of_a_graduate_survey(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [QUESTIONNAIRE_META + ["1、您的学号", "2、您的专业", "3、您目前的状态",
                                  "4、您的工作与所学专业是否相关", "5、您对目前工作的满意度"]]
    answers = [("受雇全职工作", "是", "很满意"), ("读本科", "(跳过)", "(跳过)"),
               ("待就业", "(跳过)", "(跳过)"), ("受雇半职工作", "否", "一般"),
               ("自主创业", "是", "满意"), ("入伍", "(跳过)", "(跳过)")]
    for k, (dest, related, sat) in enumerate(answers, start=1):
        rows.append([k, "2023/12/1 9:00:00", "95秒", "手机提交", "直接访问", "5.6.7.8(广东)",
                     f"S{k:03d}", "会计", dest, related, sat])
    _xlsx(src / "毕业生跟踪调查_问卷星.xlsx", rows)
    _mapping(src, """\
tables: {'毕业生跟踪调查_问卷星.xlsx': graduates}
aliases:
  graduates:
    student_id: [您的学号]
    major: [您的专业]
    destination: [您目前的状态]
    job_related_to_major: [您的工作与所学专业是否相关]
    job_satisfaction: [您对目前工作的满意度]
constants:
  graduates: {college: 某职业技术学院, cohort: 2023, treated_major: false, order_class: false}
""")
    g = _import_and_validate(src, tmp_path / "out")["graduates"]
    assert g["destination"].tolist() == ["employed_full_time", "further_study", "unemployed",
                                         "employed_part_time", "self_employed", "military"]
    assert g["job_satisfaction"].tolist() == ["5", "", "", "3", "4", ""]
    assert g["job_related_to_major"].tolist() == ["true", "", "", "false", "true", ""]


# ---- 6. a placement CSV: Placed / Not Placed ------------------------------------------------
def test_placement_csv(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [["sl_no", "gender", "ssc_p", "hsc_p", "degree_p", "degree_t", "workex", "etest_p",
             "specialisation", "mba_p", "status", "salary"]]
    for k in range(1, 11):
        placed = k % 3 != 0
        rows.append([k, "M" if k % 2 else "F", 67.0, 91.0, 58.0, "Sci&Tech", "No", 55.0,
                     "Mkt&HR", 58.8, "Placed" if placed else "Not Placed",
                     270000.0 if placed else ""])
    _csv(src / "Placement_Data_Full_Class.csv", rows, encoding="utf-8")
    _mapping(src, """\
aliases:
  graduates: {student_id: [sl_no], major: [degree_t], destination: [status]}
constants:
  graduates: {college: Example College, cohort: 2020, treated_major: false, order_class: false}
""")
    g = _import_and_validate(src, tmp_path / "out")["graduates"]
    assert g["destination"].value_counts().to_dict() == {"employed_full_time": 7, "unemployed": 3}
    assert set(g["destination_original"]) == {"Placed", "Not Placed"}


# ---- 7. a published rate table per degree --------------------------------------------------
def test_published_rate_table_per_degree(tmp_path):
    if "published_rates" not in RECORD_TABLES:
        pytest.xfail("pending the rates path: the contract has a published_rates table, but "
                     "`talentlab import` reads only the record tables (RECORD_TABLES) so far")
    src = tmp_path / "src"
    src.mkdir()
    rows = [["学历", "毕业生人数", "就业率"], ["专科", "1203", "95.30%"], ["本科", "812", "93.10%"]]
    _csv(src / "就业率.csv", rows)
    _mapping(src, "constants:\n  published_rates: {indicator: employment_rate}\n"
             "aliases:\n  published_rates: {rate: [就业率]}\n")
    out = _import_and_validate(src, tmp_path / "out")
    assert out["published_rates"]["n"].tolist() == ["1203", "812"]

