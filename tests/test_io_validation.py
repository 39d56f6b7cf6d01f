"""Loaders and the contract's validation rules: each rule rejects a bad example and accepts the good one."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import talentlab
from talentlab.data import io as tio
from talentlab.data import schema
from tests.conftest import GRADUATES, PROGRAMMES, RATINGS, write_valid_folder


def write_dir(tmp_path: Path, graduates: str = GRADUATES, encoding: str = "utf-8") -> Path:
    """The valid folder (conftest) in ``tmp_path / "data"``, with ``graduates`` in ``encoding``."""
    return write_valid_folder(tmp_path / "data", graduates, encoding)


def replace_cell(text: str, row: int, column: str, value: str) -> str:
    """Set one cell of a CSV text (row = 0-based record index)."""
    lines = text.splitlines()
    header = lines[0].split(",")
    cells = lines[row + 1].split(",")
    cells[header.index(column)] = value
    lines[row + 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


def problems_of(tmp_path: Path, graduates: str) -> list[schema.Problem]:
    d = write_dir(tmp_path, graduates)
    with pytest.raises(talentlab.DataValidationError) as info:
        talentlab.load_all(d)
    return info.value.problems


# ---------------------------------------------------------------------------------------------
def test_valid_folder_loads_with_contract_dtypes(tmp_path):
    data = talentlab.load_all(write_dir(tmp_path))
    g = data.graduates
    assert list(g.columns) == schema.field_names("graduates")
    assert g["cohort"].dtype == "Int64"
    assert g["treated_major"].dtype == "boolean"
    assert isinstance(g["destination"].dtype, pd.CategoricalDtype)
    assert list(g["destination"].cat.categories) == schema.fields("graduates")["destination"][
        "constraints"]["enum"]
    assert g["adaptation_months"].dtype == "float64"
    assert g.loc[1, "job_related_to_major"] is pd.NA
    assert data.employer_ratings["practical_skill"].dtype == "Int64"
    assert data.employer_ratings["problem_solving"].isna().sum() == 1
    assert data.origin["data_origin"] == "user"
    assert set(data.origin["checksums"]) == {"graduates.csv", "employer_ratings.csv",
                                             "evaluations.csv", "programmes.csv"}


@pytest.mark.parametrize(
    ("row", "column", "value", "rule_fragment"),
    [
        (0, "cohort", "abc", "whole number"),
        (0, "cohort", "1890", ">= 2000"),
        (0, "treated_major", "maybe", "true or false"),
        (0, "destination", "employed", "must be one of"),
        (0, "job_satisfaction", "7", "<= 5"),
        (0, "adaptation_months", "-2", ">= 0"),
        (0, "retraining_hours", "lots", "must be a number"),
        (0, "student_id", "", "required value is missing"),
        (1, "student_id", "S001", "must be unique"),
        (1, "job_related_to_major", "true", "only allowed for the employed"),
        (3, "employer_id", "E09", "only allowed for employees"),
        (0, "adaptation_reached", "", "required when adaptation_months"),
        (0, "work_region", "abroad", "must be one of"),
    ],
)
def test_each_graduate_rule_rejects_bad_value(tmp_path, row, column, value, rule_fragment):
    probs = problems_of(tmp_path, replace_cell(GRADUATES, row, column, value))
    hits = [p for p in probs if p.column == column and rule_fragment in p.rule]
    assert hits, [str(p) for p in probs]
    assert {h.file for h in hits} == {"graduates.csv"}
    assert row + 2 in {h.row for h in hits}  # the line a person sees: header is line 1


def test_missing_and_unknown_columns(tmp_path):
    df = pd.read_csv(pd.io.common.StringIO(GRADUATES), dtype=str, keep_default_na=False)
    text = df.drop(columns=["order_class"]).rename(columns={"major": "speciality"}).to_csv(index=False)
    probs = problems_of(tmp_path, text)
    msgs = [(p.column, p.rule) for p in probs]
    assert ("order_class", "required column is missing from the file") in msgs
    assert ("major", "required column is missing from the file") in msgs
    assert any(c == "speciality" and "unknown column" in r for c, r in msgs)


def test_corrupted_graduates_file_lists_all_five_problems(tmp_path):
    """The issue's acceptance example: five faults, one error naming each, nothing written."""
    text = replace_cell(GRADUATES, 0, "job_satisfaction", "7")  # a Likert 7
    text = replace_cell(text, 2, "student_id", "S002")  # a duplicated student_id
    text = replace_cell(text, 1, "cohort", "twenty")  # text in cohort
    text = replace_cell(text, 0, "adaptation_months", "-2")  # employed, adaptation -2
    df = pd.read_csv(pd.io.common.StringIO(text), dtype=str, keep_default_na=False)
    text = df.drop(columns=["industry_certificate"]).to_csv(index=False)  # a missing column
    d = write_dir(tmp_path, text)
    out = tmp_path / "processed"
    with pytest.raises(talentlab.DataValidationError) as info:
        talentlab.process(d, out)
    assert not out.exists()
    message = str(info.value)
    expected = [
        "graduates.csv, row 2, column 'job_satisfaction', value '7': must be <= 5",
        "graduates.csv, row 4, column 'student_id', value 'S002': must be unique",
        "graduates.csv, row 3, column 'student_id', value 'S002': must be unique",
        "graduates.csv, row 3, column 'cohort', value 'twenty': must be a whole number",
        "graduates.csv, row 2, column 'adaptation_months', value '-2': must be >= 0",
        "graduates.csv, header, column 'industry_certificate'",
    ]
    for line in expected:
        assert line in message, message
    assert isinstance(info.value, ValueError)


def test_cross_table_rules(tmp_path):
    d = write_dir(tmp_path)
    (d / "employer_ratings.csv").write_text(
        RATINGS.replace("R2,S003,E02", "R2,S999,E02").replace("R1,S001,E01", "R1,S001,E02"),
        encoding="utf-8")
    (d / "programmes.csv").write_text(PROGRAMMES.replace(",20,12,", ",20,25,"), encoding="utf-8")
    with pytest.raises(talentlab.DataValidationError) as info:
        talentlab.load_all(d)
    msgs = [str(p) for p in info.value.problems]
    assert any("row 3, column 'student_id', value 'S999': must exist in graduates" in m for m in msgs)
    assert any("row 2, column 'employer_id', value 'E02': must be the rated graduate's" in m
               for m in msgs)
    assert any("programmes.csv, row 2, column 'double_qualified_teachers'" in m
               and "must not exceed specialised_teachers" in m for m in msgs)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_chinese_encodings_load_identically(tmp_path, encoding):
    reference = talentlab.load_all(write_dir(tmp_path / "utf8")).graduates
    other = talentlab.load_all(write_dir(tmp_path / encoding, encoding=encoding)).graduates
    pd.testing.assert_frame_equal(reference, other)
    assert other.loc[0, "major"] == "集成电路设计"
    if encoding == "gb18030":
        assert tio.detect_encoding(GRADUATES.encode("gb18030")) == "gb18030"


def test_xlsx_and_parquet_load_identically(tmp_path):
    d = write_dir(tmp_path)
    reference = talentlab.load_all(d)
    for suffix in (".xlsx", ".parquet"):
        other = tmp_path / suffix.strip(".")
        other.mkdir()
        for name, df in reference.tables().items():
            raw = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False)
            if suffix == ".xlsx":
                raw.to_excel(other / f"{name}.xlsx", index=False)
            else:
                df.to_parquet(other / f"{name}.parquet", index=False)
        loaded = talentlab.load_all(other)
        for name in reference.tables():
            pd.testing.assert_frame_equal(reference[name], loaded[name], obj=f"{suffix} {name}")


def test_bad_encoding_is_a_clear_error(tmp_path):
    d = write_dir(tmp_path)
    (d / "graduates.csv").write_bytes(b"student_id\n\xff\xfe\xfa\n")
    with pytest.raises(talentlab.DataValidationError, match="cannot decode"):
        talentlab.load_all(d)


def test_process_writes_atomically_with_manifest_and_never_touches_raw(tmp_path):
    d = write_dir(tmp_path)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir()}
    out = talentlab.process(d, tmp_path / "processed")
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in d.iterdir()}
    assert before == after
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["raw_sha256"] == before
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{t}.parquet" for t in schema.RECORD_TABLES] + ["manifest.json"])
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temp leftovers
    back = pd.read_parquet(out / "graduates.parquet")
    assert back["cohort"].dtype == "Int64" and back["destination"].dtype == "category"
    # a second run gives the same bytes
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    talentlab.process(d, out)
    assert first == {p.name: p.read_bytes() for p in out.iterdir()}


def test_failed_processing_leaves_existing_output_unchanged(tmp_path):
    d = write_dir(tmp_path)
    out = talentlab.process(d, tmp_path / "processed")
    snapshot = {p.name: p.read_bytes() for p in out.iterdir()}
    (d / "graduates.csv").write_text(replace_cell(GRADUATES, 0, "cohort", "x"), encoding="utf-8")
    with pytest.raises(talentlab.DataValidationError):
        talentlab.process(d, out)
    assert snapshot == {p.name: p.read_bytes() for p in out.iterdir()}


def test_validate_console_script(tmp_path):
    d = write_dir(tmp_path)
    ok = subprocess.run([sys.executable, "-m", "talentlab.cli", "validate", str(d)],
                        capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout
    (d / "graduates.csv").write_text(replace_cell(GRADUATES, 0, "cohort", "abc"), encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "talentlab.cli", "validate", str(d)],
                         capture_output=True, text=True)
    assert bad.returncode == 1
    assert "graduates.csv, row 2, column 'cohort', value 'abc'" in bad.stderr


def test_single_table_loader_and_origin(tmp_path):
    d = write_dir(tmp_path)
    schema.write_datapackage(d, {"data_origin": "synthetic", "scenario": "null", "seed": 7})
    g = talentlab.load_graduates(d / "graduates.csv")
    assert len(g) == 5
    r = talentlab.load_employer_ratings(d / "employer_ratings.csv")
    assert len(r) == 2
    data = talentlab.load_all(d)
    assert data.is_synthetic and data.origin["scenario"] == "null"
    assert "SYNTHETIC" in data.describe_origin()


def test_frictionless_accepts_the_descriptor(tmp_path):
    """The contract is a valid Frictionless package: frictionless itself validates a data folder."""
    frictionless = pytest.importorskip("frictionless")
    d = write_dir(tmp_path)
    path = schema.write_datapackage(d, {"data_origin": "user"})
    report = frictionless.validate(str(path))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
