"""The identifier scan of a report (issue 21, item 4): whole values in context, ordinary numbers
not mistaken for ids, non-ASCII ids found, a leak is a publication error and the report build
writes nothing of its own when there is one."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from talentlab.report.identifiers import check_identifiers, scan_for_identifiers
from talentlab.report.publish import PublicationError


def _tables(*ids: str) -> dict[str, pd.DataFrame]:
    return {"graduates": pd.DataFrame({"student_id": list(ids), "employer_id": [None] * len(ids)})}


def test_numeric_ids_do_not_match_the_reports_numbers(tmp_path):
    (tmp_path / "index.html").write_text("<p>n = 1, 2 of 3; change -1 pp; 0.1; 2019 cohort; "
                                         "1..40</p>", encoding="utf-8")
    (tmp_path / "t.csv").write_text("cohort,n,estimate\n2019,40,-1\n2020,1,0.5\n")
    (tmp_path / "results.json").write_text(json.dumps({"n": 2, "effects": [-1, 40],
                                                       "label": "2"}))
    ids = _tables("-1", "1", "2", *[str(i) for i in range(1, 5881)])
    assert scan_for_identifiers(tmp_path, ids) == []
    check_identifiers(tmp_path, ids)  # no error


def test_ids_match_as_whole_values_not_substrings(tmp_path):
    tables = _tables("S001", "E-7")
    (tmp_path / "ok.html").write_text("<p>S0012 XS001 S001x E-77 rE-7</p>", encoding="utf-8")
    (tmp_path / "ok.csv").write_text("major,n\nS0012,40\n")
    assert scan_for_identifiers(tmp_path, tables) == []
    (tmp_path / "leak.html").write_text("<td>S001</td>", encoding="utf-8")
    (tmp_path / "leak.csv").write_text("major,n\nE-7,40\n")
    (tmp_path / "leak.json").write_text(json.dumps({"who": "S001"}))
    (tmp_path / "note.md").write_text("graduate (E-7) left", encoding="utf-8")
    assert scan_for_identifiers(tmp_path, tables) == [
        "leak.csv: identifier value(s) 'E-7'", "leak.html: identifier value(s) 'S001'",
        "leak.json: identifier value(s) 'S001'", "note.md: identifier value(s) 'E-7'"]


def test_long_and_zero_padded_numbers_are_ids(tmp_path):
    (tmp_path / "t.csv").write_text("major,n\nIC,40\n")
    (tmp_path / "page.html").write_text("<td>2019001234</td><td>000123</td>")
    leaks = scan_for_identifiers(tmp_path, _tables("2019001234", "000123", "40"))
    assert leaks == ["page.html: identifier value(s) '000123', '2019001234'"]


def test_non_ascii_ids_and_ids_with_no_break_spaces_are_found(tmp_path):
    tables = _tables("学生甲", "S\u00a0002", "\u00a0S003")
    (tmp_path / "a.html").write_text("<td>学生甲</td>", encoding="utf-8")
    (tmp_path / "b.html").write_text("<td>S&nbsp;002</td><td>S003</td>", encoding="utf-8")
    (tmp_path / "c.csv").write_text("\ufeffmajor,n\n学生甲,40\n", encoding="utf-8")
    (tmp_path / "d.md").write_text("学生甲，成绩优秀", encoding="utf-8")
    (tmp_path / "e.ipynb").write_text(json.dumps({"cells": [{"outputs": [{"data": {
        "text/plain": "0  S 002  40", "image/png": "S003AAAA"}}]}]}), encoding="utf-8")
    assert scan_for_identifiers(tmp_path, tables) == [
        "a.html: identifier value(s) '学生甲'", "b.html: identifier value(s) 'S 002', 'S003'",
        "c.csv: identifier value(s) '学生甲'", "d.md: identifier value(s) '学生甲'",
        "e.ipynb: identifier value(s) 'S 002'"]


def test_a_leak_is_a_publication_error_naming_file_and_escaped_value(tmp_path):
    (tmp_path / "t.csv").write_text("name,n\nS\x07X,40\n")
    (tmp_path / "u.csv").write_text("Student_ID,n\nIC,40\n")
    with pytest.raises(PublicationError) as err:
        check_identifiers(tmp_path, _tables("S\x07X"))
    message = str(err.value)
    assert "t.csv: identifier value(s) 'S\\x07X'" in message and "\x07" not in message
    assert "u.csv: identifier column(s) student_id" in message


@pytest.fixture()
def processed(tmp_path):
    import talentlab
    from tests.test_io_validation import write_dir

    return talentlab.process(write_dir(tmp_path / "raw"), tmp_path / "processed")


def test_the_report_build_writes_nothing_of_its_own_when_an_id_leaks(tmp_path, processed):
    from talentlab.report import build_report

    reports = tmp_path / "reports"
    (reports / "10_case").mkdir(parents=True)
    (reports / "10_case" / "results.json").write_text(json.dumps({"notebook": "10_case"}))
    (reports / "10_case" / "table.csv").write_text("major,n\nIC,40\nS003,50\n")
    (reports / "10_case" / "10_case.html").write_text("<p>ok</p>")
    with pytest.raises(PublicationError, match=r"10_case/table.csv: identifier value\(s\) 'S003'"):
        build_report(reports, processed)
    assert sorted(p.name for p in reports.iterdir()) == ["10_case"]
    # an earlier run's files stay as they were
    (reports / "index.html").write_text("earlier")
    (reports / "findings.md").write_text("earlier")
    with pytest.raises(PublicationError):
        build_report(reports, processed)
    assert (reports / "index.html").read_text() == "earlier"
    assert not (reports / "findings.csv").exists()
    # without the leak the build goes through, the build's own files scanned as well
    (reports / "10_case" / "table.csv").write_text("major,n\nIC,40\nSW,50\n")
    index = build_report(reports, processed)
    assert index.read_text(encoding="utf-8") != "earlier" and (reports / "findings.csv").exists()
