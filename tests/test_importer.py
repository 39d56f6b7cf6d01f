"""talentlab import: aliases, value maps, header rows, sheets, encodings, nothing dropped silently."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

import talentlab
from talentlab import cli
from talentlab.data import io as tio
from talentlab.data import readers
from talentlab.data.importer import ImportFailed, convert_number, import_records
from talentlab.data.mappings import MappingError, Mappings, build_mappings, header_keys
from talentlab.data.schema import Problem, fields, resource
from tests.conftest import PROJECT_ROOT

ROOT = PROJECT_ROOT
EXAMPLE = ROOT / "data" / "raw" / "examples" / "synthetic_college_export"
SCENARIO = ROOT / "data" / "raw" / "synthetic" / "paper_claims"
TABLES = ("graduates", "employer_ratings", "evaluations", "programmes")

GRAD_HEADER = ["学号", "院校名称", "专业名称", "届别", "是否改革专业", "毕业去向", "工作与专业是否相关",
               "就业满意度", "单位编号", "是否集群企业", "企业类型", "就业地区", "岗位适应期（月）",
               "是否已独立上岗", "半年内是否离职", "企业再培训时长（小时）", "是否获得职业技能证书",
               "是否订单班"]


def grad_row(sid: str, dest: str = "签就业协议形式就业", cohort: str = "2020届") -> list:
    employee = dest in ("签就业协议形式就业", "10", "11 签劳动合同形式就业")
    if employee:
        return [sid, "示例院校", "软件技术", cohort, "是", dest, "是", "很满意", "E01", "否",
                "中小企业", "本地", "3.5", "是", "否", "40小时", "是", "否"]
    return [sid, "示例院校", "软件技术", cohort, "否", dest, "-", "-", "-", "-", "-", "-", "-", "-",
            "-", "-", "无", "否"]


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", sep: str = ",") -> Path:
    text = "\n".join(sep.join(str(c) for c in r) for r in rows) + "\n"
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path: Path, sheets: dict[str, list[list]], merge_title: bool = False) -> Path:
    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for r in rows:
            ws.append(r)
        if merge_title:
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=5)
    book.save(path)
    return path


def digest_tree(d: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.iterdir())
            if p.is_file()}


# ---- mappings as data ---------------------------------------------------------------------
@pytest.mark.parametrize("table", TABLES)
def test_every_alias_maps_to_its_field(table):
    m = Mappings.from_contract()
    n = 0
    for name, fdesc in fields(table).items():
        assert fdesc.get("aliases"), f"{table}.{name} has no aliases"
        for source, aliases in fdesc["aliases"].items():
            assert source in talentlab.data.schema.contract()["import"]["sources"], source
            for alias in aliases:
                for variant in (alias, f" {alias} ", f"3、{alias}", f"{alias}（单位）",
                                alias.upper()):
                    hit = m.match_header(table, variant)
                    assert hit is not None and hit[0] == name, (table, name, variant, hit)
                n += 1
    assert n >= len(fields(table))


@pytest.mark.parametrize("table", TABLES)
def test_every_value_map_maps_to_a_contract_value(table):
    m = Mappings.from_contract()
    checked = 0
    for name, fdesc in fields(table).items():
        enum = fdesc.get("constraints", {}).get("enum")
        for source, vmap in fdesc.get("valueMaps", {}).items():
            assert source in talentlab.data.schema.contract()["import"]["sources"], source
            for label, target in vmap.items():
                want = ("true" if target else "false") if isinstance(target, bool) else str(target)
                for variant in (label, f" {label} ", label.replace("(", "（").replace(")", "）")):
                    hit = m.map_value(table, name, variant)
                    assert hit is not None and hit.target == want, (name, variant, hit)
                if enum is not None:
                    assert want in enum
                checked += 1
    assert checked > 0 or table == "programmes"


def test_destination_codes_and_code_label_forms():
    m = Mappings.from_contract()
    assert m.map_value("graduates", "destination", "10").target == "employed_full_time"
    assert m.map_value("graduates", "destination", "85").target == "further_study"
    assert m.map_value("graduates", "destination", "10 签就业协议形式就业").target == "employed_full_time"
    assert m.map_value("graduates", "destination", "70-待就业").target == "unemployed"
    assert m.map_value("graduates", "destination", "自由职业(76)").target == "self_employed"
    # code and label contradict each other: not guessed
    assert m.map_value("graduates", "destination", "10 待就业") is None
    assert m.map_value("graduates", "destination", "99") is None


def test_every_decision_names_known_sources_and_levels():
    imp = talentlab.data.schema.contract()["import"]
    for d in imp["decisions"]:
        table, name = d["field"].split(".")
        assert name in fields(table)
        assert set(d["sources"]) <= set(imp["sources"])
    assert "UNVERIFIED" in imp["sources"]["moe_codes"]["status"]


def test_header_keys_ignore_question_numbers_units_and_width():
    assert header_keys("9、总体而言，您对该毕业生的满意程度")[0] == "总体而言您对该毕业生的满意程度"
    assert "岗位适应期" in header_keys("岗位适应期（月）")
    assert header_keys("Ｓｔｕｄｅｎｔ ＩＤ") == ["studentid"]


def test_convert_number():
    assert convert_number("2017届", year=True) == "2017"
    assert convert_number("2019年", year=True) == "2019"
    assert convert_number("2014-2015学年", year=True) == "2014"
    assert convert_number("134小时") == "134"
    assert convert_number("4.2个月") == "4.2"
    assert convert_number("1,234") == "1234"
    assert convert_number("１２") == "12"
    assert convert_number("很多") is None
    assert convert_number("12,34") is None


# ---- reading files -----------------------------------------------------------------------
def test_utf16_gb18030_and_bom_csv_import(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [GRAD_HEADER, grad_row("G1"), grad_row("G2", "待就业")]
    write_csv(src / "a.txt", rows, encoding="utf-16", sep="\t")
    res = import_records(src, tmp_path / "out")
    assert res.tables == {"graduates": 2}
    assert res.report["files"][0]["encoding"] == "utf-16"
    for enc, expect in (("gb18030", "gb18030"), ("utf-8-sig", "utf-8-sig"), ("utf-8", "utf-8-sig"),
                        ("utf-16-le", "utf-16-le")):
        d = tmp_path / enc
        d.mkdir()
        data = "\n".join(",".join(r) for r in rows).encode(enc)
        (d / "g.csv").write_bytes(data)
        assert readers.detect_encoding(d / "g.csv") == expect
        out = import_records(d, tmp_path / f"out-{enc}")
        g = pd.read_csv(out.out / "graduates.csv", dtype=str, keep_default_na=False)
        assert g["destination"].tolist() == ["employed_full_time", "unemployed"]
        assert g["destination_original"].tolist() == ["签就业协议形式就业", "待就业"]


def test_big5_is_refused_not_turned_into_mojibake(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    trad = [["學號", "院校名稱", "專業名稱", "屆別"], ["G1", "示範學院", "軟體技術", "2020屆"]]
    write_csv(src / "big5.csv", trad, encoding="big5")
    with pytest.raises(readers.EncodingError, match="Big5"):
        readers.detect_encoding(src / "big5.csv")
    with pytest.raises(ImportFailed, match="Big5"):
        import_records(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    # named explicitly, Big5 is read correctly (traditional characters intact)
    text, enc = readers.decode_file(src / "big5.csv", "big5")
    assert enc == "big5" and "軟體技術" in text


def test_explicit_wrong_encoding_is_a_clear_error(tmp_path):
    p = write_csv(tmp_path / "g.csv", [["学号"], ["G1"], ["张三"]], encoding="gb18030")
    with pytest.raises(readers.EncodingError, match="does not decode as utf-8"):
        readers.detect_encoding(p, "utf-8")
    with pytest.raises(readers.EncodingError, match="unknown encoding"):
        readers.detect_encoding(p, "no-such-codec")


def test_xls_renamed_xlsx_is_a_clear_error(tmp_path):
    p = tmp_path / "old.xlsx"
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    with pytest.raises(ValueError, match=r"old \.xls workbook"):
        readers.read_workbook(p)


def test_xls_is_read_with_xlrd(tmp_path):
    """An Excel 97-2003 workbook (read with xlrd). talentlab writes no .xls, so a small .xls that
    ships with statsmodels' test data is read; skipped where that file is absent."""
    import statsmodels

    sample = (Path(statsmodels.__file__).parent / "tsa" / "statespace" / "tests" / "results"
              / "frbny_nowcast" / "Nowcasting" / "test_spec.xls")
    if not sample.exists():
        pytest.skip("no sample .xls file available (statsmodels' test data not installed)")
    sheets = readers.read_workbook(sample)
    assert [name for name, _ in sheets] == ["spec"]
    rows = sheets[0][1]
    assert rows[0][:3] == ["Model", "SeriesID", "SeriesName"]
    assert rows[1][:2] == ["1", "GDPC1"]  # 1.0 in the file reads as the text a person sees
    # and the importer reads it, naming it as not a talentlab table
    src = tmp_path / "src"
    src.mkdir()
    (src / "spec.xls").write_bytes(sample.read_bytes())
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1")])
    res = import_records(src, tmp_path / "out")
    assert any("spec.xls [spec]: NOT IMPORTED" in w for w in res.report["warnings"])


# ---- header rows and sheets ----------------------------------------------------------------
def test_header_row_found_below_title_rows_in_a_multi_sheet_workbook(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    title = ["【合成数据】2020届毕业生去向登记表"]
    write_xlsx(src / "毕业生.xlsx", {
        "2020届": [title, ["导出：测试"], [], GRAD_HEADER, grad_row("G1"), [], grad_row("G2", "10")],
        "2021届": [title, GRAD_HEADER, grad_row("G3", "11 签劳动合同形式就业", "2021届"),
                  grad_row("G4", "出国、出境", "2021届")],
        "说明": [["本表为合成数据"], ["仅供测试"]],
    }, merge_title=True)
    res = import_records(src, tmp_path / "out")
    files = {f["sheet"]: f for f in res.report["files"]}
    assert files["2020届"]["header_row"] == 4 and files["2021届"]["header_row"] == 2
    assert files["2020届"]["title_rows"] == ["【合成数据】2020届毕业生去向登记表", "导出：测试"]
    assert files["2020届"]["blank_rows"] == 1
    assert files["说明"]["status"].startswith("NOT IMPORTED")
    assert any("说明" in w for w in res.report["warnings"])
    g = pd.read_csv(tmp_path / "out" / "graduates.csv", dtype=str, keep_default_na=False)
    assert g["student_id"].tolist() == ["G1", "G2", "G3", "G4"]
    assert g["destination"].tolist() == ["employed_full_time", "employed_full_time",
                                         "employed_full_time", "further_study"]
    assert g["cohort"].tolist() == ["2020", "2020", "2021", "2021"]
    assert g["retraining_hours"].tolist()[0] == "40"
    assert g["industry_certificate"].tolist() == ["true", "true", "true", ""]  # 无 = missing
    talentlab.load_graduates(tmp_path / "out" / "graduates.csv")  # contract-conformant


def test_questionnaire_export_maps_items_labels_and_skips(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1")])
    write_xlsx(src / "问卷.xlsx", {"Sheet1": [
        ["序号", "提交答卷时间", "1、被评价学生学号", "2、贵单位编号", "3、评价人编号", "4、实践动手能力",
         "5、岗位适应能力", "6、职业素养", "7、分析和解决问题能力", "8、学习能力",
         "9、总体而言，您对该毕业生的满意程度", "10、是否愿意再次录用该专业毕业生", "姓名"],
        [1, "2024-01-01 09:00:00", "G1", "E01", "R1", 5, 4, "(跳过)", "良好", 3, "无法评价", "愿意", "张三"],
        [2, "2024-01-01 09:05:00", "G1", "E01", "R2", 4, 4, 4, 4, 4, "很满意", "否", "李四"],
    ]})
    res = import_records(src, tmp_path / "out")
    r = pd.read_csv(tmp_path / "out" / "employer_ratings.csv", dtype=str, keep_default_na=False)
    assert r["rating_id"].tolist() == ["Q00001", "Q00002"]  # 序号: a response number
    assert r["professional_quality"].tolist() == ["", "4"]
    assert r["problem_solving"].tolist() == ["4", "4"]
    assert r["overall_satisfaction"].tolist() == ["0", "5"]
    assert r["would_hire_again"].tolist() == ["true", "false"]
    assert "姓名" not in r.columns and "张三" not in (tmp_path / "out" / "employer_ratings.csv").read_text()
    unm = {u["header"]: u for u in res.report["unmapped_headers"]}
    assert "deliberately not imported" in unm["姓名"]["hint"]
    assert unm["提交答卷时间"]["rows_with_values"] == 2


# ---- nothing dropped silently ----------------------------------------------------------------
def test_unmapped_destination_is_an_error_with_its_row_number(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_xlsx(src / "g.xlsx", {"名单": [["标题"], GRAD_HEADER, grad_row("G1"),
                                        grad_row("G2", "去火星了"), grad_row("G3", "待就业")]})
    before = digest_tree(src)
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out")
    msg = str(info.value)
    assert "g.xlsx [名单], row 4, column 'destination' (original header '毕业去向'), " \
           "value '去火星了'" in msg
    assert "Nothing was written" in msg
    # one unknown value: the fix is a value map, so dropping rows is not offered
    assert "--allow-dropped-rows" not in msg
    assert not (tmp_path / "out").exists()
    assert "去火星了" in info.value.report and "row 4" in info.value.report
    assert digest_tree(src) == before
    # and asked for, dropping is refused, naming the mapping to add
    with pytest.raises(ImportFailed, match="one unknown value in graduates.destination") as info:
        import_records(src, tmp_path / "out", allow_dropped_rows=True)
    assert "values: graduates: destination" in str(info.value)
    assert not (tmp_path / "out").exists()
    # scattered problems in two columns, within the allowed share: dropped and listed
    bad_cohort = grad_row("G4", cohort="二〇二〇届")
    write_xlsx(src / "g.xlsx", {"名单": [["标题"], GRAD_HEADER, grad_row("G1"),
                                        grad_row("G2", "去火星了"), grad_row("G3", "待就业"),
                                        bad_cohort]})
    res = import_records(src, tmp_path / "out", allow_dropped_rows=True, max_dropped_share=0.5)
    assert res.tables == {"graduates": 2} and res.dropped == 2
    rep = json.loads((tmp_path / "out" / "import_report.json").read_text(encoding="utf-8"))
    assert rep["dropped_rows"][0]["row"] == 4 and "去火星了" in rep["dropped_rows"][0]["reasons"][0]
    dest = [u for u in rep["unmapped_values"] if u["field"] == "destination"]
    assert dest[0]["rows"] == [{"file": "g.xlsx", "sheet": "名单", "row": 4}]
    assert "row 4" in (tmp_path / "out" / "import_report.md").read_text(encoding="utf-8")


def test_dropping_a_graduate_drops_its_ratings_too(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1"), grad_row("G2", "???"),
                              grad_row("G3", cohort="二〇二〇届"), grad_row("G4")])
    write_csv(src / "r.csv", [["评价编号", "学号", "单位编号", "评价人编号", "实践技能", "总体满意度"],
                              ["R1", "G1", "E01", "P1", "5", "4"], ["R2", "G2", "E01", "P1", "3", "3"]])
    res = import_records(src, tmp_path / "out", allow_dropped_rows=True, max_dropped_share=0.5)
    assert res.tables == {"graduates": 2, "employer_ratings": 1}
    rows = {(d["file_sheet"], d["row"]) for d in res.report["dropped_rows"]}
    assert rows == {("g.csv", 3), ("g.csv", 4), ("r.csv", 3)}


def test_validation_problems_quote_values_as_typed_with_header_in_both_languages(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    row = grad_row("G1")
    row[7] = "7分"          # job satisfaction out of range
    row[3] = "二〇二〇届"    # not a year
    write_csv(src / "g.csv", [GRAD_HEADER, row])
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out")
    msg = str(info.value)
    assert "g.csv, row 2, column 'job_satisfaction' (original header '就业满意度'), value '7分': " \
           "must be <= 5 / 必须小于或等于 5" in msg
    assert "column 'cohort' (original header '届别'), value '二〇二〇届': not a whole number" in msg
    assert "np.int64" not in msg and "np.float64" not in msg
    p = Problem("f.csv", 3, "job_satisfaction", np.int64(4), "must be <= 3", header="就业满意度")
    assert str(p) == ("f.csv, row 3, column 'job_satisfaction' (original header '就业满意度'), "
                      "value '4': must be <= 3 / 必须小于或等于 3")


def test_original_columns_are_accepted_by_validation(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1"), grad_row("G2", "出国、出境")])
    import_records(src, tmp_path / "out")
    g = talentlab.load_graduates(tmp_path / "out" / "graduates.csv")
    assert "destination_original" not in g.columns  # kept in the file, not analysed
    assert list(g["destination"].astype(str)) == ["employed_full_time", "further_study"]


# ---- mapping files ---------------------------------------------------------------------------
def test_mapping_file_adds_aliases_values_constants_and_origin(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    header = [h if h != "毕业去向" else "去向情况" for h in GRAD_HEADER if h != "院校名称"]
    r1 = [c for i, c in enumerate(grad_row("G1", "灵活就业（非全日制）")) if i != 1]
    write_csv(src / "g.csv", [header, r1])
    (tmp_path / "m.yaml").write_text(
        "dataset: {name: my-college, data_origin: user}\n"
        "aliases:\n  graduates:\n    destination: [去向情况]\n"
        "values:\n  graduates:\n    destination:\n      灵活就业（非全日制）: employed_part_time\n"
        "constants:\n  graduates:\n    college: 某某职业技术学院\n", encoding="utf-8")
    res = import_records(src, tmp_path / "out", mapping=tmp_path / "m.yaml")
    g = pd.read_csv(tmp_path / "out" / "graduates.csv", dtype=str, keep_default_na=False)
    assert g.loc[0, "destination"] == "employed_part_time"
    assert g.loc[0, "college"] == "某某职业技术学院"
    assert res.report["mapping"] == "m.yaml"
    assert [v["source"] for v in res.report["value_mappings"] if v["field"] == "destination"] \
        == ["mapping file"]
    desc = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert desc["name"] == "my-college" and desc["data_origin"] == "user"
    assert "aliases" not in json.dumps(desc["resources"])
    # the same mapping as TOML
    (tmp_path / "m.toml").write_text(
        "[values.graduates.destination]\n\"灵活就业（非全日制）\" = \"employed_part_time\"\n"
        "[aliases.graduates]\ndestination = [\"去向情况\"]\n"
        "[constants.graduates]\ncollege = \"某某职业技术学院\"\n", encoding="utf-8")
    import_records(src, tmp_path / "out2", mapping=tmp_path / "m.toml")
    assert (tmp_path / "out2" / "graduates.csv").read_bytes() == \
        (tmp_path / "out" / "graduates.csv").read_bytes()


@pytest.mark.parametrize("text, match", [
    ("aliases: [unclosed\n", "cannot be parsed"),
    ("- a list\n", "must be a table of keys"),
    ("colours: {}\n", "unknown key"),
    ("aliases: {students: {x: [y]}}\n", "unknown table"),
    ("aliases: {graduates: {destiny: [y]}}\n", "unknown field"),
    ("values: {graduates: {destination: {火星: mars}}}\n", "not a level of destination"),
    ("values: {graduates: {order_class: {也许: maybe}}}\n", "not true/false"),
    ("values: {graduates: {cohort: {去年: last}}}\n", "not a number"),
    ("tables: {'*.xlsx': students}\n", "is not a table"),
    ("dataset: {data_origin: real}\n", "data_origin"),
    ("derive: {graduates: {destination: {from: [目标]}}}\n", "exactly two keys"),
    ("derive: {graduates: {destination: {from: [目标], values: {a: unknown}}}}\n",
     "2 to 4 column headers"),
    ("derive: {graduates: {destination: {from: [目标, 目标], values: {a + b: unknown}}}}\n",
     "one column twice"),
    ("derive: {graduates: {destination: {from: [目标, 状态], values: {就业: unknown}}}}\n",
     r"values\['就业'\]: 1 part\(s\), but 'from' names 2 columns"),
    ("derive: {graduates: {destination: {from: [目标, 状态], values: {就业 + 已落实: mars}}}}\n",
     "not a level of destination"),
    ("derive: {graduates: {destination: {from: [目标, 状态], values: {'* + *': unknown}}}}\n",
     "at least one value"),
    ("derive: {graduates: {destiny: {from: [a, b], values: {a + b: unknown}}}}\n",
     "unknown field"),
])
def test_bad_mapping_file_is_a_clear_error(tmp_path, text, match, capsys):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1")])
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(MappingError, match=match):
        import_records(src, tmp_path / "out", mapping=bad)
    assert cli.main(["import", str(src), str(tmp_path / "out"), "--mapping", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bad.yaml") and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_missing_mapping_file_and_wrong_suffix(tmp_path):
    with pytest.raises(MappingError, match="does not exist"):
        build_mappings(tmp_path / "none.yaml")
    (tmp_path / "m.ini").write_text("x=1")
    with pytest.raises(MappingError, match="yaml, .toml or .json"):
        build_mappings(tmp_path / "m.ini")


# ---- output safety and determinism --------------------------------------------------------
def test_rerun_gives_identical_bytes_and_src_is_untouched(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_xlsx(src / "g.xlsx", {"a": [["title"], GRAD_HEADER, grad_row("G1"), grad_row("G2", "71")]})
    write_csv(src / "p.csv", [["院校", "专业", "学年", "专任教师数", "双师型教师数", "企业兼职教师数",
                               "课程总数", "校企合作开发课程数", "在校生数", "订单班学生数", "技术服务项目数",
                               "培训中小企业员工数"],
                              ["示例院校", "软件技术", "2020-2021学年", "12人", "6", "3", "30门", "5", "1,200",
                               "20", "1", "0"]], encoding="gb18030", sep="\t")
    before = digest_tree(src)
    mtimes = {p.name: p.stat().st_mtime_ns for p in src.iterdir()}
    import_records(src, tmp_path / "a" / "out")
    import_records(src, tmp_path / "b" / "out")
    first = digest_tree(tmp_path / "a" / "out")
    import_records(src, tmp_path / "a" / "out")          # over a previous import
    assert digest_tree(tmp_path / "a" / "out") == first == digest_tree(tmp_path / "b" / "out")
    assert sorted(first) == ["datapackage.json", "graduates.csv", "import_report.json",
                             "import_report.md", "programmes.csv"]
    assert digest_tree(src) == before
    assert {p.name: p.stat().st_mtime_ns for p in src.iterdir()} == mtimes
    p = pd.read_csv(tmp_path / "a" / "out" / "programmes.csv", dtype=str)
    assert p.loc[0, "students_enrolled"] == "1200" and p.loc[0, "year"] == "2020"


def test_output_never_inside_source_nor_over_other_folders(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1")])
    with pytest.raises(ValueError, match="must not be inside the source"):
        import_records(src, src / "out")
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    with pytest.raises(ValueError, match="refusing to overwrite"):
        import_records(src, other)
    assert (other / "keep.txt").read_text() == "mine"


def test_cli_import_success_and_failure(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1"), grad_row("G2", "??"),
                              grad_row("G3", cohort="二〇二〇届")])
    assert cli.main(["import", str(src), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "g.csv, row 3, column 'destination'" in err and "Traceback" not in err
    assert cli.main(["import", str(src), str(tmp_path / "out"), "--allow-dropped-rows"]) == 1
    assert "more than the 5% allowed" in capsys.readouterr().err
    assert cli.main(["import", str(src), str(tmp_path / "out"), "--allow-dropped-rows",
                     "--max-dropped-share", "0.7"]) == 0
    cap = capsys.readouterr()
    assert "graduates: 1 rows" in cap.out and "2 row(s) dropped" in cap.err
    assert tio.import_records is import_records


# ---- the shipped fixture -------------------------------------------------------------------
@pytest.fixture(scope="module")
def imported_example(tmp_path_factory):
    if not EXAMPLE.exists():
        pytest.skip("data/raw/examples/synthetic_college_export is absent: run make examples")
    out = tmp_path_factory.mktemp("imported") / "example"
    res = import_records(EXAMPLE, out)
    return res


def test_fixture_is_what_the_generator_makes_from_the_scenario(tmp_path):
    from talentlab.data.examples import write_college_export

    if not EXAMPLE.exists():
        pytest.skip("data/raw/examples/synthetic_college_export is absent: run make examples")
    fresh = write_college_export("paper_claims", out_dir=tmp_path / "x")
    assert digest_tree(fresh) == digest_tree(EXAMPLE), (
        "the shipped example export is stale: run `make examples`")
    lines = (EXAMPLE / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    for line in lines:
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((EXAMPLE / name).read_bytes()).hexdigest() == digest


def test_fixture_imports_every_mapping_listed_and_equals_the_scenario(imported_example):
    rep = imported_example.report
    assert rep["problems"] == [] and rep["unmapped_values"] == [] and rep["dropped_rows"] == []
    assert imported_example.tables == {"evaluations": 15204, "programmes": 96, "graduates": 5880,
                                       "employer_ratings": 3587} or set(imported_example.tables) \
        == set(TABLES)
    sheets = [f for f in rep["files"] if f.get("table") == "graduates"]
    assert len(sheets) == 2 and all(f["header_row"] == 3 for f in sheets)
    mapped = {(v["field"], v["source"]) for v in rep["value_mappings"]}
    assert {("destination", "moe_categories"), ("destination", "mycos"),
            ("destination", "talentlab")} <= mapped
    assert {u["header"] for u in rep["unmapped_headers"]} == {
        "序号", "备注", "提交答卷时间", "所用时间", "来源", "来源详情", "总分"}
    data = talentlab.load_all(imported_example.out)
    truth = talentlab.load_all(SCENARIO)
    assert data.is_synthetic and data.origin["scenario"] == "paper_claims"
    for name in TABLES:
        a, b = truth[name], data[name]
        if name == "employer_ratings":  # the questionnaire's 序号 becomes the rating id
            a, b = a.drop(columns="rating_id"), b.drop(columns="rating_id")
        if name == "graduates":
            a = a.sort_values("student_id").reset_index(drop=True)
            b = b.sort_values("student_id").reset_index(drop=True)
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))


def test_fixture_indicators_equal_those_of_the_scenario(imported_example):
    from talentlab.indicators import compute_all

    data = talentlab.load_all(imported_example.out)
    truth = talentlab.load_all(SCENARIO)
    got = compute_all(data.tables(), by=["treated_major"])
    want = compute_all(truth.tables(), by=["treated_major"])
    assert len(want) > 10
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_contract_resources_keep_their_import_keys_only_in_the_contract():
    res = resource("graduates")
    assert "aliases" in res["schema"]["fields"][0]
    assert all(m in readers.MISSING_VALUES for m in ("", "-", "无", "#N/A"))


def test_validating_an_imported_folder_names_the_original_headers(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1"), grad_row("G2", "待就业")])
    import_records(src, tmp_path / "out")
    g = tmp_path / "out" / "graduates.csv"
    g.write_text(g.read_text(encoding="utf-8").replace(",5,", ",9,"), encoding="utf-8")
    with pytest.raises(talentlab.DataValidationError) as info:
        talentlab.load_all(tmp_path / "out")
    assert ("graduates.csv, row 2, column 'job_satisfaction' (original header '就业满意度'), "
            "value '9': must be <= 5 / 必须小于或等于 5") in str(info.value)


def test_wide_three_party_evaluation_becomes_long(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1"), grad_row("G2")])
    write_xlsx(src / "企业评价.xlsx", {"Sheet1": [
        ["序号", "1、学号", "2、评价人编号", "3、实践技能", "4、职业素养", "5、创新能力（分）"],
        [1, "G1", "T1", 80, 75.5, "(跳过)"],
        [2, "G2", "T1", "90分", 70, 60],
    ]})
    (tmp_path / "m.yaml").write_text(
        "tables: {'企业评价.xlsx': evaluations}\nconstants: {evaluations: {party: enterprise}}\n",
        encoding="utf-8")
    res = import_records(src, tmp_path / "out", mapping=tmp_path / "m.yaml")
    e = pd.read_csv(tmp_path / "out" / "evaluations.csv", dtype=str, keep_default_na=False)
    assert e.values.tolist() == [
        ["G1", "enterprise", "T1", "practical_skill", "80"],
        ["G1", "enterprise", "T1", "professional_quality", "75.5"],
        ["G2", "enterprise", "T1", "practical_skill", "90"],
        ["G2", "enterprise", "T1", "professional_quality", "70"],
        ["G2", "enterprise", "T1", "innovation_ability", "60"]]
    sheet = [f for f in res.report["files"] if f["file"] == "企业评价.xlsx"][0]
    assert "1 empty score cells skipped" in sheet["layout"]
    assert {u["header"] for u in res.report["unmapped_headers"]} == {"序号"}


def test_make_reproduce_imports_a_folder_of_exports_first():
    import shutil
    import subprocess

    if shutil.which("make") is None or not EXAMPLE.exists():
        pytest.skip("make or the example export is absent")
    rel = EXAMPLE.relative_to(ROOT)
    out = subprocess.run(["make", "-n", "-B", "--no-print-directory", "process", f"DATA={rel}"],
                         cwd=ROOT, capture_output=True, text=True, timeout=120).stdout
    assert f"talentlab.cli import {rel} build/imported/{EXAMPLE.name}" in out
    assert f"talentlab.cli process build/imported/{EXAMPLE.name}" in out


def test_two_columns_for_one_field_use_the_better_ranked_alias_and_report_the_other(tmp_path):
    """毕业去向 (the category, listed first in the contract) beats 毕业去向代码 (the code, whose
    table is UNVERIFIED) wherever the columns stand: the rank decides, never the position."""
    src = tmp_path / "src"
    src.mkdir()
    for order in ("code first", "label first"):
        header = GRAD_HEADER[:5] + ["毕业去向代码"] + GRAD_HEADER[5:]
        row = grad_row("G1")
        row = row[:5] + ["10"] + row[5:]
        if order == "label first":
            header = GRAD_HEADER + ["毕业去向代码"]
            row = grad_row("G1") + ["10"]
        write_csv(src / "g.csv", [header, row])
        res = import_records(src, tmp_path / "out")
        used = [c for c in res.report["columns"] if c["field"] == "destination"]
        assert [(c["header"], c["alias_source"]) for c in used] == [("毕业去向", "moe_categories")]
        other = [u for u in res.report["unmapped_headers"] if u["header"] == "毕业去向代码"]
        assert other and "the column '毕业去向' is used (a better-ranked alias)" in other[0]["hint"]


# ---- issue 9 leftovers: non-regular entries, no table, delimiters, mixed encodings, README ------
def _src_with_graduates(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER, grad_row("G1")])
    return src


def _link_to_dev_zero(src: Path, tmp: Path) -> str:
    (src / "zero.csv").symlink_to("/dev/zero")
    return "outside the data folder"


def _fifo(src: Path, tmp: Path) -> str:
    os.mkfifo(src / "pipe.csv")
    return "not a regular file"


def _fifo_without_suffix(src: Path, tmp: Path) -> str:
    os.mkfifo(src / "pipe")
    return "not a regular file"


def _link_outside(src: Path, tmp: Path) -> str:
    write_csv(tmp / "elsewhere.csv", [GRAD_HEADER, grad_row("G9")])
    (src / "linked.csv").symlink_to(tmp / "elsewhere.csv")
    return "outside the data folder"


def _link_dangling(src: Path, tmp: Path) -> str:
    (src / "gone.csv").symlink_to(tmp / "nothing.csv")
    return "does not exist"


def _mapping_is_a_fifo(src: Path, tmp: Path) -> str:
    os.mkfifo(src / "mapping.yaml")
    return "not a regular file"


@pytest.mark.timeout(30)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes and links")
@pytest.mark.parametrize("make", [_link_to_dev_zero, _fifo, _fifo_without_suffix, _link_outside,
                                  _link_dangling, _mapping_is_a_fifo])
def test_import_refuses_links_out_of_src_and_non_regular_files(tmp_path, make, capsys):
    """A link to /dev/zero or a named pipe made `talentlab import` hang; each is refused, naming
    the entry and the rule (the validator's wording), and nothing is written."""
    src = _src_with_graduates(tmp_path)
    rule = make(src, tmp_path)
    entry = sorted(p.name for p in src.iterdir() if p.name != "g.csv")[0]
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out")
    assert f"{entry}: " in str(info.value) and rule in str(info.value)
    assert not (tmp_path / "out").exists()
    assert cli.main(["import", str(src), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert entry in err and rule in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.timeout(30)
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX named pipes")
def test_import_of_a_src_that_is_not_a_regular_file_is_refused(tmp_path):
    os.mkfifo(tmp_path / "pipe.csv")
    with pytest.raises(ValueError, match="pipe.csv: not a regular file"):
        import_records(tmp_path / "pipe.csv", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_links_to_files_inside_src_and_sub_folders_are_fine(tmp_path):
    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    write_csv(src / "sub" / "g.csv", [GRAD_HEADER, grad_row("G1")])
    (src / "g.csv").symlink_to(Path("sub") / "g.csv")
    assert import_records(src, tmp_path / "out").tables == {"graduates": 1}


def test_find_table_file_and_the_importer_share_one_check(tmp_path, monkeypatch):
    """One implementation of the link / regular-file rules (readers), used by io and importer."""
    checked = []
    real = readers.check_regular_file

    def spy(path, folder):
        checked.append(Path(path).name)
        return real(path, folder)

    monkeypatch.setattr(readers, "check_regular_file", spy)
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "graduates.csv", [GRAD_HEADER, grad_row("G1")])
    tio.find_table_file(src, "graduates")
    assert checked == ["graduates.csv"]
    import_records(src, tmp_path / "out")
    assert checked == ["graduates.csv", "graduates.csv"]


def test_a_folder_without_a_recognisable_table_is_an_error_naming_every_file(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    write_csv(src / "notes.csv", [["备注", "说明"], ["本文件不是数据表", "仅供测试"]])
    write_xlsx(src / "book.xlsx", {"封面": [["2020届毕业生"]], "Sheet2": []})
    (src / "readme.docx").write_bytes(b"PK\x03\x04 not read")
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out")
    msg = str(info.value)
    assert "no recognisable table" in msg and "未找到可识别的数据表" in msg
    assert str(src) in msg
    for looked_at in ("notes.csv", "book.xlsx [封面]", "book.xlsx [Sheet2]", "readme.docx"):
        assert looked_at in msg, looked_at
    assert "known columns" in msg and "已知列" in msg          # why notes.csv / 封面
    assert "empty" in msg and "空" in msg                      # why Sheet2
    assert "unsupported file type" in msg                     # why readme.docx
    assert "Nothing was written" in msg and "未写入任何文件" in msg
    assert not (tmp_path / "out").exists()
    assert cli.main(["import", str(src), str(tmp_path / "out")]) == 1
    assert "未找到可识别的数据表" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    # a folder with no file of a readable type at all: the same bilingual error
    only = tmp_path / "only_docs"
    only.mkdir()
    (only / "readme.docx").write_bytes(b"x")
    with pytest.raises(ImportFailed, match="未找到可识别的数据表") as info:
        import_records(only, tmp_path / "out2")
    assert "readme.docx" in str(info.value)
    assert not (tmp_path / "out2").exists()


CASES_CSV = ROOT / "data" / "raw" / "cases.csv"


@pytest.mark.skipif(not CASES_CSV.exists(), reason="data/raw/cases.csv not in this checkout")
def test_sniff_delimiter_ignores_semicolons_inside_and_beside_quoted_fields():
    """data/raw/cases.csv is comma-separated; its quoted texts and section lists hold ';'."""
    text = CASES_CSV.read_text(encoding="utf-8-sig")
    assert ";" in text
    assert readers.sniff_delimiter(text) == ","


@pytest.mark.parametrize("sep", [";", "\t", ","])
def test_sniff_delimiter_semicolon_tab_and_comma_samples(sep):
    """Written by the csv module (quoting what needs it); every sample also holds the other
    delimiters in its text: decimal commas, lists with ';', quotes inside quoted text."""
    import csv
    import io

    rows = [["学号", "专业", "课程", "备注", "就业满意度"],
            ["G1", "软件技术", "1.4.1;3.1.1", "签约, 已到岗; 待回访", "3,5"],
            ["G2", "电子商务", "2.1;2.2", "升学", "4,0"],
            ["G3", "软件技术", "3.3;4.1", '含 "引号"; 与, 逗号', "2,5"]]
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    text = buf.getvalue()
    assert {",", ";"} - {sep} <= set(text)
    assert readers.sniff_delimiter(text) == sep
    got = list(csv.reader(io.StringIO(text), delimiter=readers.sniff_delimiter(text)))
    assert got == rows


def test_sniff_delimiter_on_a_file_read_by_the_importer(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = [GRAD_HEADER, grad_row("G1"), grad_row("G2", "待就业")]
    rows[1][7] = "很满意; 推荐"  # free text with ';' in a comma file
    text = "\n".join(",".join(r) for r in rows) + "\n"
    (src / "g.csv").write_text(text.replace("很满意; 推荐", '"很满意; 推荐"'), encoding="utf-8")
    grids, facts = readers.read_grids(src / "g.csv")
    assert facts["delimiter"] == ","
    assert [len(r) for r in grids[0][1]] == [len(GRAD_HEADER)] * 3


def test_mixed_utf8_and_gb18030_lines_are_refused_by_detect_encoding(tmp_path):
    """One implementation (readers.detect_encoding) for the validator and the importer."""
    rows = [GRAD_HEADER, grad_row("G1"), grad_row("G2", "待就业"), grad_row("G3")]
    head = ("\n".join(",".join(r) for r in rows[:2]) + "\n").encode("utf-8")
    tail = ("\n".join(",".join(r) for r in rows[2:]) + "\n").encode("gb18030")
    with pytest.raises(readers.EncodingError, match=r"<bytes>, line 1: the file mixes encodings"):
        readers.detect_encoding(head + tail)
    src = tmp_path / "src"
    src.mkdir()
    (src / "g.csv").write_bytes(head + tail)
    with pytest.raises(readers.EncodingError, match=r"g\.csv, line 1: the file mixes encodings"):
        readers.decode_file(src / "g.csv")
    with pytest.raises(ImportFailed, match="mixes encodings"):
        import_records(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    assert not hasattr(tio, "_utf8_line_in_gb18030")
    # a clean GB18030 file is not affected
    assert readers.detect_encoding(tail) == "gb18030"


def test_mapping_file_that_is_a_fifo_is_refused_not_read(tmp_path):
    import os

    from talentlab.data.mappings import MappingError, load_mapping_file

    fifo = tmp_path / "mapping.yaml"
    os.mkfifo(fifo)
    with pytest.raises(MappingError, match="not a regular file"):
        load_mapping_file(fifo)
    with pytest.raises(MappingError, match="does not exist"):
        load_mapping_file(tmp_path / "absent.yaml")


# ---- issue 20: silent wrong results and real export shapes -------------------------------------
def _src(tmp_path: Path, rows: list[list], name: str = "g.csv") -> Path:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    write_csv(src / name, rows)
    return src


def test_an_exact_header_match_beats_a_normalised_one(tmp_path):
    """A user alias for 第6题(阅读) imported the column 第6题(运动): the bracket-stripped key
    matched every sub-column and the first won. Brackets that differ never match now, and the
    exact column is used wherever it stands."""
    header = GRAD_HEADER[:7] + ["第6题(运动)", "第6题(阅读)"] + GRAD_HEADER[8:]
    rows = [header]
    for k in range(6):
        r = grad_row(f"G{k}")
        rows.append(r[:7] + [str(1 + k % 5), str(5 - k % 5)] + r[8:])
    src = _src(tmp_path, rows)
    mapping = {"aliases": {"graduates": {"job_satisfaction": ["第6题(阅读)"]}}}
    res = import_records(src, tmp_path / "out", mapping=mapping)
    g = pd.read_csv(tmp_path / "out" / "graduates.csv", dtype=str, keep_default_na=False)
    assert g["job_satisfaction"].tolist() == [str(5 - k % 5) for k in range(6)]
    used = [c["header"] for c in res.report["columns"] if c["field"] == "job_satisfaction"]
    assert used == ["第6题(阅读)"]
    unm = {u["header"]: u for u in res.report["unmapped_headers"]}
    assert "第6题(运动)" in unm and unm["第6题(运动)"].get("hint") in (None, "")
    # a unit tail still matches the bare alias (岗位适应期（月） is adaptation_months) ...
    m = build_mappings(mapping)
    assert m.match_header("graduates", "岗位适应期（月）")[::3] == ("adaptation_months", False)
    # ... but an exact header beats it: 岗位适应期 is used, 岗位适应期（月） is listed
    hdr = GRAD_HEADER + ["岗位适应期"]
    rows = [hdr, grad_row("G1") + ["7"]]
    write_csv(src / "g.csv", rows)
    res = import_records(src, tmp_path / "out2")
    g = pd.read_csv(tmp_path / "out2" / "graduates.csv", dtype=str, keep_default_na=False)
    assert g["adaptation_months"].tolist() == ["7"]
    hint = [u["hint"] for u in res.report["unmapped_headers"] if u["header"] == "岗位适应期（月）"]
    assert hint and "(an exact match)" in hint[0]


def test_columns_tying_for_one_field_are_an_error_naming_both(tmp_path, capsys):
    header = GRAD_HEADER[:7] + ["第6题(运动)", "第6题(阅读)"] + GRAD_HEADER[8:]
    r = grad_row("G1")
    src = _src(tmp_path, [header, r[:7] + ["1", "5"] + r[8:]])
    mapping = {"aliases": {"graduates": {"job_satisfaction": ["第6题"]}}}
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out", mapping=mapping)
    msg = str(info.value)
    assert "columns H '第6题(运动)', I '第6题(阅读)' all match graduates.job_satisfaction" in msg
    assert "--allow-dropped-rows" not in msg  # dropping rows cannot help
    assert not (tmp_path / "out").exists()
    # two columns with one header: the same error
    src2 = tmp_path / "two"
    src2.mkdir()
    write_csv(src2 / "g.csv", [GRAD_HEADER + ["学号"], grad_row("G1") + ["G9"]])
    with pytest.raises(ImportFailed, match=r"columns A '学号', S '学号' all match "
                                           r"graduates.student_id exactly"):
        import_records(src2, tmp_path / "out")


def _many_rows(n: int, bad: dict[int, tuple[int, str]]) -> list[list]:
    """``n`` graduates; ``bad`` maps a row number (0-based) to (column index, bad value)."""
    rows = [GRAD_HEADER]
    for k in range(n):
        r = grad_row(f"G{k:03d}")
        if k in bad:
            col, value = bad[k]
            r[col] = value
        rows.append(r)
    return rows


def test_allow_dropped_rows_refuses_one_column_one_value_a_large_share_or_no_row(tmp_path):
    """--allow-dropped-rows kept 2,318 of 7,738 rows (all further_study) on a real file and wrote
    0 rows on another, with one warning line."""
    dest, cohort, sat = 5, 3, 7
    cases = {
        # several unknown destinations: one column, the fix is a value map
        "one column": (_many_rows(40, {k: (dest, ("就业", "选调", "灵活")[k % 3])
                                       for k in range(0, 40, 2)}), 0.9,
                       "every row to drop has its problem in one column, graduates.destination"),
        "one value": (_many_rows(40, {3: (dest, "去火星了")}), 0.9,
                      "one unknown value in graduates.destination ('毕业去向'): '去火星了'"),
        "share": (_many_rows(20, {1: (dest, "去火星了"), 2: (cohort, "二〇二〇届"),
                                  3: (sat, "7分")}), 0.05,
                  "take 3 of 20 rows of graduates (15.0%), more than the 5% allowed"),
        "no row": (_many_rows(2, {0: (dest, "去火星了"), 1: (cohort, "二〇二〇届")}), 0.99,
                   "would leave no row of graduates"),
    }
    for name, (rows, share, says) in cases.items():
        src = tmp_path / name
        src.mkdir()
        write_csv(src / "g.csv", rows)
        with pytest.raises(ImportFailed) as info:
            import_records(src, tmp_path / f"out-{name}", allow_dropped_rows=True,
                           max_dropped_share=share)
        assert says in str(info.value), (name, str(info.value))
        assert "--allow-dropped-rows refused" in str(info.value)
        assert not (tmp_path / f"out-{name}").exists()
        # without the option, the hint to use it is not offered: it would not help
        with pytest.raises(ImportFailed) as info:
            import_records(src, tmp_path / f"out-{name}")
        assert "pass --allow-dropped-rows" not in str(info.value), name
    # scattered problems in two columns within the share: the hint is offered, and it works
    src = tmp_path / "scattered"
    src.mkdir()
    write_csv(src / "g.csv", _many_rows(60, {5: (dest, "去火星了"), 40: (cohort, "二〇二〇届")}))
    with pytest.raises(ImportFailed, match="pass --allow-dropped-rows"):
        import_records(src, tmp_path / "out-scattered")
    res = import_records(src, tmp_path / "out-scattered", allow_dropped_rows=True)
    assert res.tables == {"graduates": 58} and res.dropped == 2
    with pytest.raises(ValueError, match="max_dropped_share"):
        import_records(src, tmp_path / "x", allow_dropped_rows=True, max_dropped_share=1.5)


def test_a_sheet_assigned_to_a_table_with_no_field_recognised_is_an_error(tmp_path):
    """A sheet assigned to employer_ratings whose headers nothing recognised was passed over
    with a warning (or imported empty) and the import exited 0."""
    src = _src(tmp_path, [GRAD_HEADER, grad_row("G1")])
    write_xlsx(src / "问卷.xlsx", {"Sheet1": [["编号", "第1题", "第2题"], [1, 5, 4], [2, 3, 3]]})
    (src / "mapping.yaml").write_text("tables: {'问卷.xlsx': employer_ratings}\n",
                                      encoding="utf-8")
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out")
    msg = str(info.value)
    assert "问卷.xlsx [Sheet1]" in msg and "assigns this sheet to employer_ratings" in msg
    assert "no row among the first 30 names any of its fields" in msg
    assert not (tmp_path / "out").exists()


def test_yyyymm_and_yyyymmdd_graduation_dates_give_the_cohort(tmp_path):
    """毕业时间 = 201807 (the 就业方案 form) failed 2,403 rows with 'must be <= 2035'."""
    header = [h if h != "届别" else "毕业时间" for h in GRAD_HEADER]
    src = _src(tmp_path, [header, grad_row("G1", cohort="201807"),
                          grad_row("G2", cohort="20190630"), grad_row("G3", cohort="2020-06")])
    res = import_records(src, tmp_path / "out")
    g = pd.read_csv(tmp_path / "out" / "graduates.csv", dtype=str, keep_default_na=False)
    assert g["cohort"].tolist() == ["2018", "2019", "2020"]
    rules = {c["rule"]: c["count"] for c in res.report["conversions"] if c["field"] == "cohort"}
    assert rules == {"year from a YYYYMM / YYYYMMDD date": 2, "year from text": 1}
    # a month 13 is no date: refused as a year, not guessed
    write_csv(src / "g.csv", [header, grad_row("G1", cohort="201813")])
    with pytest.raises(ImportFailed, match="value '201813': must be <= 2035"):
        import_records(src, tmp_path / "out2")


REGISTER_MAPPING = """\
derive:
  graduates:
    destination:
      from: [目标, 状态]
      values:
        就业 + 已落实: employed_full_time
        就业 + 未落实: unemployed
        升学 + 已录取: further_study
        升学 + *: preparing_further_study
        "* + 未联系上": unknown
"""


def test_a_destination_derived_from_two_columns(tmp_path):
    header = [h for h in GRAD_HEADER if h != "毕业去向"] + ["目标", "状态"]
    plan = [("就业", "已落实"), ("就业", "未落实"), ("升学", "已录取"), ("升学", "备考"),
            ("就业", "未联系上"), ("升学", "")]
    rows = [header]
    for k, (goal, state) in enumerate(plan):
        r = grad_row(f"G{k}", "待就业")
        rows.append([c for i, c in enumerate(r) if i != 5] + [goal, state])
    src = _src(tmp_path, rows)
    (src / "mapping.yaml").write_text(REGISTER_MAPPING, encoding="utf-8")
    res = import_records(src, tmp_path / "out")
    g = pd.read_csv(tmp_path / "out" / "graduates.csv", dtype=str, keep_default_na=False)
    assert g["destination"].tolist() == ["employed_full_time", "unemployed", "further_study",
                                         "preparing_further_study", "unknown",
                                         "preparing_further_study"]
    assert g["destination_original"].tolist()[:2] == ["就业 + 已落实", "就业 + 未落实"]
    used = [c for c in res.report["columns"] if c["field"] == "destination"]
    assert [(c["header"], c["column"], c["alias_source"]) for c in used] == [
        ("目标 + 状态", "R+S", "mapping file (derive)")]
    assert not {u["header"] for u in res.report["unmapped_headers"]} & {"目标", "状态"}
    # a combination no rule knows: an error naming it and where to add it
    rows.append([c for i, c in enumerate(grad_row("G9", "待就业")) if i != 5] + ["参军", "已入伍"])
    write_csv(src / "g.csv", rows)
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out2")
    msg = str(info.value)
    assert "graduates.destination = '参军 + 已入伍'" in msg
    assert "derive: graduates: destination: values" in msg
    # a sheet holding only one of the columns: an error naming the missing one
    write_csv(src / "g.csv", [[h for h in header if h != "状态"],
                              [c for i, c in enumerate(grad_row("G1")) if i != 5] + ["就业"]])
    with pytest.raises(ImportFailed, match="not in this sheet: 状态"):
        import_records(src, tmp_path / "out3")


def test_a_failed_import_writes_its_report_beside_out_and_summarises_first(tmp_path, capsys):
    rows = _many_rows(30, {k: (5, "去火星了") for k in range(30)})
    rows[0] = rows[0] + ["备注"]
    src = _src(tmp_path, rows)
    out = tmp_path / "out"
    with pytest.raises(ImportFailed) as info:
        import_records(src, out)
    msg = str(info.value).splitlines()
    assert not out.exists()
    md, js = tmp_path / "out.import_report.md", tmp_path / "out.import_report.json"
    assert md.exists() and js.exists()
    assert "row 31" in md.read_text(encoding="utf-8")
    assert json.loads(js.read_text(encoding="utf-8"))["unmapped_values"][0]["count"] == 30
    first_value = next(i for i, line in enumerate(msg) if "= '去火星了': 30 row(s)" in line)
    first_header = next(i for i, line in enumerate(msg) if "备注" in line)
    first_row = next(i for i, line in enumerate(msg) if ", row " in line and line.startswith("  - g"))
    assert first_value < first_row and first_header < first_row
    assert sum(1 for line in msg if line.startswith("  - g.csv, row")) == 5
    assert any(str(md) in line for line in msg)
    # fixed, the import succeeds, removes the stale report and names the next command
    write_csv(src / "g.csv", _many_rows(3, {}))
    assert cli.main(["import", str(src), str(out)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("next / 下一步: talentlab validate") and "make reproduce DATA=" \
        in lines[-1]
    assert not md.exists() and not js.exists()


def _four_tables(src: Path, ids: list[str]) -> None:
    src.mkdir()
    write_csv(src / "g.csv", [GRAD_HEADER] + [grad_row(i) for i in ids])
    write_csv(src / "r.csv", [["评价编号", "学号", "单位编号", "评价人编号", "实践技能", "总体满意度"]]
              + [[f"R{k}", i, "E01", "P1", "4", "4"] for k, i in enumerate(ids)])
    write_csv(src / "e.csv", [["学号", "评价主体", "评价人编号", "评价维度", "得分"]]
              + [[i, "学校", "T1", "实践技能", "80"] for i in ids])
    write_csv(src / "p.csv", [["院校", "专业", "学年", "专任教师数", "双师型教师数", "企业兼职教师数",
                               "课程总数", "校企合作开发课程数", "在校生数", "订单班学生数", "技术服务项目数",
                               "培训中小企业员工数"],
                              ["示例院校", "软件技术", "2020", "12", "6", "3", "30", "5", "200", "20",
                               "1", "0"]])


def test_real_student_numbers_are_refused_in_clear_and_pseudonymised_with_a_key(tmp_path):
    """Real 11-digit student numbers were written to graduates.csv with no warning."""
    from talentlab.data.privacy import pseudonymise_dir

    ids = ["20190101234", " 20190101235", "20190101236\u00a0"]
    src = tmp_path / "src"
    _four_tables(src, ids)
    with pytest.raises(ImportFailed) as info:
        import_records(src, tmp_path / "out")
    msg = str(info.value)
    assert "look like real student numbers" in msg and "20*******34" in msg
    assert "20190101234" not in msg and "--key-file" in msg and "secrets.token_hex" in msg
    assert not (tmp_path / "out").exists()
    key = tmp_path / "keys" / "k.key"
    key.parent.mkdir()
    key.write_text("0123456789abcdef" * 4)
    res = import_records(src, tmp_path / "out", key_file=key)
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir())
    assert "2019010123" not in written
    assert res.report["identifiers_pseudonymised"]["graduates"] == ["student_id", "employer_id"]
    # the same pseudonyms as an import in clear followed by `talentlab pseudonymise`
    import_records(src, tmp_path / "clear", keep_identifiers=True)
    assert "20190101234" in (tmp_path / "clear" / "graduates.csv").read_text(encoding="utf-8")
    pseudonymise_dir(tmp_path / "clear", tmp_path / "pseudo", key)
    for t in TABLES:
        a = pd.read_csv(tmp_path / "out" / f"{t}.csv", dtype=str, keep_default_na=False)
        b = pd.read_csv(tmp_path / "pseudo" / f"{t}.csv", dtype=str, keep_default_na=False)
        pd.testing.assert_frame_equal(a, b)
    data = talentlab.load_all(tmp_path / "out")  # links survive: ratings meet their graduates
    assert set(data["employer_ratings"]["student_id"]) == set(data["graduates"]["student_id"])
    # CLI: the key step and the refusal
    assert cli.main(["import", str(src), str(tmp_path / "cli"), "--key-file", str(key)]) == 0


def test_identifier_columns_are_those_pseudonymise_hashes():
    from talentlab.data import importer, privacy

    assert importer.IDENTIFIER_FIELDS == tuple(privacy.ID_COLUMNS)
    assert importer.looks_like_real_id("44010619900101123X")   # 身份证号
    assert importer.looks_like_real_id("19440101123456")       # 14-digit 考生号
    assert not importer.looks_like_real_id("S-0123456789abcdef")


@pytest.mark.timeout(30)
def test_a_billion_laughs_mapping_file_is_refused_quickly(tmp_path):
    """A 289-byte file of nested anchors ran past 240 s."""
    import time

    from talentlab.data.mappings import MAX_MAPPING_BYTES, load_mapping_file

    text = "dataset:\n  name: x\n  a: &a [x,x,x,x,x,x,x,x,x]\n"
    prev = "a"
    for name in "bcdefgh":
        text += f"  {name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]\n"
        prev = name
    assert len(text.encode()) < 400
    (tmp_path / "laughs.yaml").write_text(text, encoding="utf-8")
    src = _src(tmp_path, [GRAD_HEADER, grad_row("G1")])
    t0 = time.monotonic()
    with pytest.raises(MappingError, match="too large once its YAML aliases are expanded"):
        import_records(src, tmp_path / "out", mapping=tmp_path / "laughs.yaml")
    assert time.monotonic() - t0 < 5
    assert not (tmp_path / "out").exists()
    (tmp_path / "loop.yaml").write_text("dataset: &a {name: x, me: *a}\n", encoding="utf-8")
    with pytest.raises(MappingError):
        load_mapping_file(tmp_path / "loop.yaml")
    (tmp_path / "deep.json").write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    with pytest.raises(MappingError, match="nested too deeply"):
        load_mapping_file(tmp_path / "deep.json")
    (tmp_path / "deep.yaml").write_text("a: " + "[" * 30 + "]" * 30 + "\n", encoding="utf-8")
    with pytest.raises(MappingError, match="nested too deeply"):
        load_mapping_file(tmp_path / "deep.yaml")
    (tmp_path / "big.yaml").write_text("# " + "x" * MAX_MAPPING_BYTES + "\n", encoding="utf-8")
    with pytest.raises(MappingError, match=f"at most {MAX_MAPPING_BYTES} bytes"):
        load_mapping_file(tmp_path / "big.yaml")
    # anchors within bounds are fine
    (tmp_path / "ok.yaml").write_text(
        "aliases:\n  graduates:\n    major: &m [专业方向]\n  programmes:\n    major: *m\n",
        encoding="utf-8")
    assert load_mapping_file(tmp_path / "ok.yaml")["aliases"]["programmes"]["major"] == ["专业方向"]


def test_new_labels_and_headers_carry_their_sources_into_the_codebook():
    from talentlab.data.mappings import render_mappings_markdown

    m = Mappings.from_contract()
    for label, want in (("就业", "employed_full_time"), ("选调生", "employed_full_time"),
                        ("志愿服务西部计划", "employed_full_time"), ("Placed", "employed_full_time"),
                        ("Not Placed", "unemployed"), ("出国（境）留学或工作", "further_study")):
        assert m.map_value("graduates", "destination", label).target == want, label
    for header, name in (("Xh", "student_id"), ("Zy", "major"), ("Bysj", "cohort"),
                         ("Byqx", "destination"), ("Byqxdm", "destination"), ("Yxmc", "college"),
                         ("学校", "college")):
        assert m.match_header("graduates", header)[0] == name, header
    assert m.match_header("programmes", "学校")[0] == "college"
    # Byqx (the category) beats Byqxdm (the code) when both are there
    assert m.match_header("graduates", "Byqx")[2] < m.match_header("graduates", "Byqxdm")[2]
    md = render_mappings_markdown()
    for source in ("jyfa_fields", "observed_exports", "moe_basic_level_projects",
                   "civil_service_selection", "placement_status"):
        assert f"| `{source}` |" in md, source
    assert "Xh (`jyfa_fields`)" in md and "选调生 → `employed_full_time` (`civil_service_selection`)" in md
