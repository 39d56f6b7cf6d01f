"""Fill-in templates: structure from the contract, deterministic bytes, and a filled template that
passes the contract (and, through the importer, imports with no mapping problem)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from talentlab.data import io as tio
from talentlab.data import schema
from talentlab.data import template as tpl

SCENARIO = tio.SYNTHETIC_DIR / "null"
N_GRADUATES = 60


@pytest.fixture(scope="module")
def scenario_rows() -> dict[str, pd.DataFrame]:
    """A small, consistent slice of a shipped synthetic scenario (typed, as the loaders give it)."""
    data = tio.load_all(SCENARIO)
    grads = data.graduates.head(N_GRADUATES)
    ids = set(grads["student_id"])
    return {
        "graduates": grads,
        "employer_ratings": data.employer_ratings[data.employer_ratings["student_id"].isin(ids)],
        "evaluations": data.evaluations[data.evaluations["student_id"].isin(ids)],
        "programmes": data.programmes,
    }


def _cell_value(value, ftype: str, lang: str):
    """A typed value as a person would type it into the template."""
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if ftype == "boolean":
        return tpl.BOOLEAN_CHOICES[lang][0 if bool(value) else 1]
    if ftype == "integer":
        return int(value)
    if ftype == "number":
        return float(value)
    return str(value)


def _passes(dv, value) -> bool:
    """Whether Excel would accept ``value`` under the data validation ``dv``."""
    if value is None:
        return bool(dv.allow_blank)
    if dv.type == "list":
        return str(value) in dv.formula1.strip('"').split(",")
    if dv.type == "whole" and (not isinstance(value, int) or isinstance(value, bool)):
        return False
    lo = float(dv.formula1)
    if dv.operator == "between":
        return lo <= value <= float(dv.formula2)
    if dv.operator == "greaterThanOrEqual":
        return value >= lo
    if dv.operator == "lessThanOrEqual":
        return value <= lo
    raise AssertionError(f"unexpected operator {dv.operator}")


def _validation_of(ws, column_letter: str):
    found = [dv for dv in ws.data_validations.dataValidation
             if any(str(r).startswith(f"{column_letter}2:") for r in dv.sqref.ranges)]
    assert len(found) <= 1
    return found[0] if found else None


def fill_workbook(path: Path, rows: dict[str, pd.DataFrame], lang: str) -> Path:
    """Fill a template workbook with ``rows``, checking every value against the sheet's drop-downs
    and ranges as Excel would."""
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(path)
    for table, df in rows.items():
        ws = wb[table]
        assert [c.value for c in ws[1]] == tpl.header_labels(table, lang)
        fdescs = schema.fields(table)
        for j, name in enumerate(schema.field_names(table), start=1):
            dv = _validation_of(ws, get_column_letter(j))
            ftype = fdescs[name]["type"]
            for i, value in enumerate(df[name].tolist(), start=2):
                v = _cell_value(value, ftype, lang)
                if dv is not None:
                    assert _passes(dv, v), f"{table}.{name} row {i}: {v!r} refused by the template"
                ws.cell(row=i, column=j, value=v)
    out = path.with_name(f"filled_{lang}.xlsx")
    wb.save(out)
    return out


def split_workbook(path: Path, out_dir: Path) -> Path:
    """Save each table sheet of a filled workbook as ``<table>.xlsx`` (a contract folder)."""
    out_dir.mkdir()
    wb = openpyxl.load_workbook(path)
    for table in schema.RECORD_TABLES:
        one = openpyxl.Workbook()
        ws = one.active
        ws.title = table
        for row in wb[table].iter_rows(values_only=True):
            ws.append(list(row))
        one.save(out_dir / f"{table}.xlsx")
    return out_dir


# ------------------------------------------------------------------------------------------------
def test_workbook_bytes_are_deterministic_and_differ_by_language(tmp_path):
    a = tpl.write_xlsx_template(tmp_path / "a.xlsx", lang="zh").read_bytes()
    b = tpl.write_xlsx_template(tmp_path / "b.xlsx", lang="zh").read_bytes()
    assert a == b
    assert tpl.template_workbook_bytes("en") != a
    with zipfile.ZipFile(io.BytesIO(a)) as z:  # no save time anywhere (it would differ next second)
        core = z.read("docProps/core.xml").decode()
        assert "<dcterms:modified" in core and "2000-01-01T00:00:00Z</dcterms:modified>" in core
        assert {i.date_time for i in z.infolist()} == {(2000, 1, 1, 0, 0, 0)}


def test_csv_templates_are_deterministic_and_carry_a_bom(tmp_path):
    first = [p.read_bytes() for p in tpl.write_csv_templates(tmp_path / "one", lang="en")]
    second = [p.read_bytes() for p in tpl.write_csv_templates(tmp_path / "two", lang="en")]
    assert first == second
    grads = (tmp_path / "one" / "graduates.csv").read_bytes()
    assert grads.startswith(b"\xef\xbb\xbf")
    assert grads.decode("utf-8-sig").strip().split(",") == schema.field_names("graduates")


@pytest.mark.parametrize("lang", tpl.LANGUAGES)
def test_workbook_follows_the_contract(tmp_path, lang):
    from openpyxl.utils import get_column_letter

    wb = openpyxl.load_workbook(tpl.write_xlsx_template(tmp_path / "t.xlsx", lang=lang))
    assert wb.sheetnames == ["README", *schema.RECORD_TABLES]
    formulas = [c.coordinate for ws in wb for row in ws.iter_rows() for c in row
                if c.data_type == "f"]
    assert formulas == [], "no text of the template may turn into a formula"
    readme_fields = {(r[0], r[1]) for r in wb["README"].iter_rows(values_only=True) if r[0]}
    for table in schema.RECORD_TABLES:
        ws = wb[table]
        assert ws.max_row == 1, "nothing but the header may be above the data"
        header = [c.value for c in ws[1]]
        assert header == tpl.header_labels(table, lang)
        if lang == "en":
            assert header == schema.field_names(table)
        else:  # each Chinese header is one of the field's contract aliases
            for label, fdesc in zip(header, schema.layout_fields(table), strict=True):
                aliases = {a for group in fdesc.get("aliases", {}).values() for a in group}
                assert label in aliases or label == fdesc["name"]
            assert len(set(header)) == len(header)
        # the fixed layout: optional columns (graduates' count) are for imported count tables
        for j, fdesc in enumerate(schema.layout_fields(table), start=1):
            name = fdesc["name"]
            assert (table, name) in readme_fields
            comment = ws.cell(row=1, column=j).comment.text
            assert fdesc["description"] in comment and fdesc["description_zh"] in comment
            dv = _validation_of(ws, get_column_letter(j))
            cons = fdesc.get("constraints", {})
            if "enum" in cons:
                assert dv.type == "list"
                assert dv.formula1.strip('"').split(",") == [str(v) for v in cons["enum"]]
            elif fdesc["type"] == "boolean":
                assert dv.formula1.strip('"').split(",") == list(tpl.BOOLEAN_CHOICES[lang])
                assert set(tpl.BOOLEAN_CHOICES[lang]) <= schema.TRUE_TOKENS | schema.FALSE_TOKENS
            elif fdesc["type"] in ("integer", "number"):
                assert dv.type == ("whole" if fdesc["type"] == "integer" else "decimal")
                if "minimum" in cons:
                    assert float(dv.formula1) == cons["minimum"]
                    assert not _passes(dv, cons["minimum"] - 1)
                if "maximum" in cons:
                    assert float(dv.formula2 if dv.operator == "between" else dv.formula1) \
                        == cons["maximum"]
                    assert not _passes(dv, cons["maximum"] + 1)
            else:
                assert dv is None


def test_empty_csv_templates_are_a_valid_empty_folder(tmp_path):
    tpl.write_csv_templates(tmp_path / "t")
    data = tio.load_all(tmp_path / "t")
    assert all(len(df) == 0 for df in data.tables().values())


def test_filled_workbook_passes_the_contract(tmp_path, scenario_rows):
    """An English template's sheets, saved one per file, are a valid contract folder as they are."""
    lang = "en"
    template = tpl.write_xlsx_template(tmp_path / "t.xlsx", lang=lang)
    filled = fill_workbook(template, scenario_rows, lang)
    folder = split_workbook(filled, tmp_path / "contract")
    data = tio.load_all(folder)
    for table, expected in scenario_rows.items():
        pd.testing.assert_frame_equal(data[table].reset_index(drop=True),
                                      expected.reset_index(drop=True), check_exact=False)


def fill_csv_templates(folder: Path, rows: dict[str, pd.DataFrame], lang: str) -> Path:
    tpl.write_csv_templates(folder, lang=lang)
    for table, df in rows.items():
        ftypes = {n: f["type"] for n, f in schema.fields(table).items()}
        with open(folder / f"{table}.csv", "a", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\r\n")
            for rec in df.itertuples(index=False):
                cells = [_cell_value(v, ftypes[n], lang) for n, v in zip(df.columns, rec, strict=True)]
                writer.writerow(["" if c is None else c for c in cells])
    return folder


def test_filled_csv_templates_pass_the_contract(tmp_path, scenario_rows):
    folder = fill_csv_templates(tmp_path / "t", scenario_rows, "en")
    data = tio.load_all(folder)
    for table, expected in scenario_rows.items():
        pd.testing.assert_frame_equal(data[table].reset_index(drop=True),
                                      expected.reset_index(drop=True), check_exact=False)


def _import_and_check(src: Path, out: Path, rows: dict[str, pd.DataFrame], lang: str) -> dict:
    """Import ``src`` and check: no mapping problem, every header mapped to its own field, and the
    imported tables equal the rows filled in."""
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    tio.import_records(src, out)
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before, "SRC was modified"
    report = json.loads((out / "import_report.json").read_text(encoding="utf-8"))
    text = json.dumps(report, ensure_ascii=False)
    for key in ("unmapped_headers", "unmapped_values", "dropped_rows", "problems",
                "tables_not_found"):
        assert report[key] == [], f"{key}: {report[key]}"
    expected_columns = {(t, h, f) for t in schema.RECORD_TABLES
                        for h, f in zip(tpl.header_labels(t, lang), schema.field_names(t),
                                        strict=True)}
    got_columns = {(c["table"], c["header"], c["field"]) for c in report["columns"]}
    assert got_columns == expected_columns
    data = tio.load_all(out)
    for table, expected in rows.items():
        got = data[table].reset_index(drop=True)
        assert len(got) == len(expected), text[:2000]
        pd.testing.assert_frame_equal(got[expected.columns], expected.reset_index(drop=True),
                                      check_exact=False)
    return report


@pytest.mark.parametrize("lang", tpl.LANGUAGES)
def test_filled_workbook_imports_with_no_mapping_problem(tmp_path, scenario_rows, lang):
    template = tpl.write_xlsx_template(tmp_path / "t.xlsx", lang=lang)
    filled = fill_workbook(template, scenario_rows, lang)
    src = tmp_path / "src"
    src.mkdir()
    filled.rename(src / "college_records.xlsx")
    report = _import_and_check(src, tmp_path / "imported", scenario_rows, lang)
    # every sheet is accounted for: the four tables imported, the template's own README skipped
    # quietly (recorded in the report, no warning)
    sheets = {e["sheet"]: e.get("status", "imported") for e in report["files"]}
    assert set(sheets) == {"README", *schema.RECORD_TABLES}
    assert sheets["README"] == "skipped: template README"
    assert all(not str(sheets[t]).startswith("NOT") for t in schema.RECORD_TABLES)
    assert report["warnings"] == []
    assert "NOT IMPORTED" not in (tmp_path / "imported" / "import_report.md").read_text()


def test_a_readme_sheet_that_is_not_the_templates_is_still_a_warning(tmp_path, scenario_rows):
    """Only the template's own README (its name and its content) is skipped quietly: a college's
    sheet called README, or the template's README renamed, is named as not imported."""
    template = tpl.write_xlsx_template(tmp_path / "t.xlsx", lang="zh")
    filled = fill_workbook(template, {"programmes": scenario_rows["programmes"]}, "zh")
    wb = openpyxl.load_workbook(filled)
    wb["README"].title = "说明"
    own = wb.create_sheet("README")
    own.append(["本校说明：2021 届数据"])
    own.append(["联系人", "电话"])
    src = tmp_path / "src"
    src.mkdir()
    wb.save(src / "book.xlsx")
    from talentlab.data.importer import import_records

    report = import_records(src, tmp_path / "out").report
    status = {e["sheet"]: e.get("status") for e in report["files"]}
    assert status["README"].startswith("NOT IMPORTED")
    assert status["说明"].startswith("NOT IMPORTED")
    assert any("[README]" in w for w in report["warnings"])
    assert any("[说明]" in w for w in report["warnings"])


def test_filled_chinese_csv_templates_import_with_no_mapping_problem(tmp_path, scenario_rows):
    src = fill_csv_templates(tmp_path / "src", scenario_rows, "zh")
    (src / "TEMPLATE_README.md").unlink()  # the notes are not data
    report = _import_and_check(src, tmp_path / "imported", scenario_rows, "zh")
    assert report["warnings"] == []


def test_cli_template(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "talentlab.cli", "template", str(tmp_path / "t.xlsx"),
         "--lang", "zh", "--csv", str(tmp_path / "csv")],
        capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "t.xlsx").read_bytes() == tpl.template_workbook_bytes("zh")
    assert (tmp_path / "csv" / "programmes.csv").exists()
    bad = subprocess.run([sys.executable, "-m", "talentlab.cli", "template"],
                         capture_output=True, text=True, check=False)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
