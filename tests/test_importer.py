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

ROOT = Path(__file__).resolve().parents[1]
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


def test_find_table_file_and_the_importer_share_one_check():
    """One implementation of the link / regular-file rules (readers), used by io and importer."""
    import inspect

    from talentlab.data import importer

    assert "check_regular_file" in inspect.getsource(tio.find_table_file)
    assert "check_regular_file" in inspect.getsource(importer._source_files)


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
