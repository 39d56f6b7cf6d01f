"""A corpus of hostile inputs for ``talentlab validate`` / ``process`` / ``template``.

Each case builds a data folder on the fly (in ``tmp_path``) from a small valid one, breaks one thing,
and states why it matters. For every case the command must end with the expected exit code, print
one clear message naming what is wrong (and where), never a traceback, never modify the input
folder, and never leave half-written output. Cases that should be *accepted* (Chinese exports'
normal quirks: BOMs, GB18030, CRLF, trailing empty rows …) must load the same values as the clean
folder. Most cases call the CLI in-process (fast); a sample runs it as a subprocess.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import random
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from talentlab import cli
from talentlab.data import io as tio
from tests.conftest import GRADUATES, RATINGS, TABLES, write_valid_folder

TRADITIONAL = GRADUATES.replace("珠海示例学院", "珠海示例學院").replace("集成电路设计", "積體電路設計") \
    .replace("电子商务", "電子商務")


def lines(text: str) -> list[str]:
    return text.splitlines()


def set_cell(text: str, record: int, column: str, value: str) -> str:
    """Set one cell of a CSV text (record = 0-based data row)."""
    rows = lines(text)
    header = rows[0].split(",")
    cells = rows[record + 1].split(",")
    cells[header.index(column)] = value
    rows[record + 1] = ",".join(cells)
    return "\n".join(rows) + "\n"


def write_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)


def csv_rows(text: str) -> list[list[str]]:
    return [ln.split(",") for ln in lines(text)]


# ------------------------------------------------------------------------------------------------
# the corpus
# ------------------------------------------------------------------------------------------------
@dataclass
class Case:
    id: str
    why: str
    build: Callable[[Path, Path], list[str] | None]  # (data dir, tmp) -> extra CLI args
    exit: int
    says: tuple[str, ...] = ()  # fragments the message must contain
    command: str = "validate"
    same_as_base: bool = False  # accepted and loads the same values as the clean folder
    check: Callable[[Path], None] | None = None  # further checks on the data dir after the run
    marks: tuple = field(default_factory=tuple)


CASES: list[Case] = []


def case(id, why, exit, says=(), command="validate", same_as_base=False, check=None, marks=()):
    def register(build):
        CASES.append(Case(id, why, build, exit, tuple(says), command, same_as_base, check,
                          tuple(marks)))
        return build
    return register


def graduates_bytes(d: Path, data: bytes) -> None:
    (d / "graduates.csv").write_bytes(data)


# ---- encodings -------------------------------------------------------------------------------
@case("utf8-bom", "Excel's 'CSV UTF-8' starts with a BOM; it must not end up in the first header",
      0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, b"\xef\xbb\xbf" + GRADUATES.encode())


@case("gb18030", "Chinese Excel saves CSV as GB18030/GBK by default", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.encode("gb18030"))


@case("utf16-bom", "Excel's 'Unicode text' is UTF-16 with a BOM", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.encode("utf-16"))


@case("utf16le-no-bom", "some systems write UTF-16 without a BOM", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.encode("utf-16-le"))


@case("big5-refused", "Big5 decodes as GB18030 without error but turns into mojibake: refuse",
      1, says=("graduates.csv", "Big5"))
def _(d, t):
    graduates_bytes(d, TRADITIONAL.encode("big5"))


@case("big5-explicit", "a user who names --encoding big5 gets the traditional text, not mojibake",
      0, check=lambda d: _assert_college(d, "珠海示例學院"))
def _(d, t):
    graduates_bytes(d, TRADITIONAL.encode("big5"))
    for name in ("employer_ratings", "evaluations", "programmes"):
        text = TABLES[name].replace("珠海示例学院", "珠海示例學院").replace("集成电路设计", "積體電路設計") \
            .replace("电子商务", "電子商務")
        (d / f"{name}.csv").write_bytes(text.encode("big5"))
    return ["--encoding", "big5"]


@case("explicit-wrong-encoding", "--encoding ascii on Chinese text must fail, not drop characters",
      1, says=("graduates.csv", "ascii"))
def _(d, t):
    return ["--encoding", "ascii"]


@case("explicit-unknown-encoding", "a misspelt --encoding is a message, not a LookupError",
      1, says=("unknown encoding", "gbk2312"))
def _(d, t):
    return ["--encoding", "gbk2312"]


@case("bom-plus-gb18030", "a UTF-8 BOM followed by GB18030 bytes (a bad re-save): refuse",
      1, says=("graduates.csv", "byte-order mark"))
def _(d, t):
    graduates_bytes(d, b"\xef\xbb\xbf" + GRADUATES.encode("gb18030"))


@case("utf8-and-gb18030-mixed", "half the lines UTF-8, half GB18030 (files concatenated): refuse",
      1, says=("graduates.csv", "mix"))
def _(d, t):
    head, *recs = lines(GRADUATES)
    data = ("\n".join([head, *recs[:3]]) + "\n").encode() + ("\n".join(recs[3:]) + "\n").encode("gb18030")
    graduates_bytes(d, data)


@case("cp1252-text", "Western Windows encoding with accents is neither UTF-8 nor GB18030 text",
      1, says=("graduates.csv",))
def _(d, t):
    latin = GRADUATES.replace("珠海示例学院", "École Zürich ÿþ").replace("集成电路设计", "Électronique") \
        .replace("电子商务", "Commerce électronique")
    graduates_bytes(d, latin.encode("cp1252"))


@case("binary-garbage", "random bytes named .csv", 1, says=("graduates.csv",))
def _(d, t):
    graduates_bytes(d, random.Random(1).randbytes(5000))


@case("nul-at-start", "NUL bytes: binary data, not text", 1, says=("graduates.csv", "NUL"))
def _(d, t):
    graduates_bytes(d, b"\x00\x01\x02" + GRADUATES.encode())


@case("nul-late", "a NUL byte deep in the file (after the detector's sample)", 1,
      says=("graduates.csv", "NUL"))
def _(d, t):
    padding = "".join(f"P{i:05d},珠海示例学院,电子商务,2023,false,unknown,,,,,,,,,,,,false\n"
                      for i in range(120))
    graduates_bytes(d, (GRADUATES + padding).encode() + b"X\x00Y,a,b\n")


@case("empty-file", "a 0-byte table file", 1, says=("graduates.csv", "empty"))
def _(d, t):
    graduates_bytes(d, b"")


@case("only-bom", "a file holding nothing but a BOM", 1, says=("graduates.csv", "empty"))
def _(d, t):
    graduates_bytes(d, b"\xef\xbb\xbf")


@case("only-blank-lines", "whitespace and newlines only", 1, says=("graduates.csv", "empty"))
def _(d, t):
    graduates_bytes(d, b"\n \r\n\t\n")


@case("header-only-everywhere", "an unfilled template is a valid, empty data set", 0)
def _(d, t):
    for name, text in TABLES.items():
        (d / f"{name}.csv").write_text(lines(text)[0] + "\n", encoding="utf-8")


@case("semicolon-csv", "European-locale Excel writes ';'-separated CSV", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.replace(",", ";").encode())


@case("utf16-tab-unicode-text", "Excel's 'Unicode text': UTF-16 and tab-separated", 0,
      same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.replace(",", "\t").encode("utf-16"))


# ---- line structure ----------------------------------------------------------------------------
@case("crlf", "Windows line ends", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.replace("\n", "\r\n").encode())


@case("cr-only", "old Mac Excel 'CSV (Macintosh)' ends lines with CR alone", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.replace("\n", "\r").encode())


@case("mixed-line-ends", "LF, CRLF and CR in one file (edited on several systems)", 0,
      same_as_base=True)
def _(d, t):
    rows = lines(GRADUATES)
    graduates_bytes(d, (rows[0] + "\r\n" + rows[1] + "\r" + "\n".join(rows[2:]) + "\n").encode())


@case("no-final-newline", "the last record has no line end", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.rstrip("\n").encode())


@case("trailing-empty-lines", "editors and exports leave empty lines at the end", 0,
      same_as_base=True)
def _(d, t):
    graduates_bytes(d, (GRADUATES + "\n\n\r\n").encode())


@case("trailing-comma-rows", "Excel writes ',,,,' rows for formatted but empty rows", 0,
      same_as_base=True)
def _(d, t):
    graduates_bytes(d, (GRADUATES + ("," * 17 + "\n") * 3).encode())


@case("blank-line-keeps-row-numbers", "a blank line mid-file must not shift the reported rows", 1,
      says=("graduates.csv, row 7", "cohort", "20x1"))
def _(d, t):
    rows = lines(set_cell(GRADUATES, 4, "cohort", "20x1"))
    graduates_bytes(d, ("\n".join(rows[:3] + [""] + rows[3:]) + "\n").encode())


@case("unclosed-quote", "an unclosed quote would swallow the rest of the file as one cell", 1,
      says=("graduates.csv", "row 3", "quote"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 1, "college", '"珠海示例学院').encode())


@case("quote-then-text", '"ab"c: text after a closing quote', 1, says=("graduates.csv", "quote"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 1, "college", '"珠海"示例学院').encode())


@case("extra-cells", "an unquoted comma inside a value shifts the row: refuse, naming the row", 1,
      says=("graduates.csv", "row 4", "cells but the header has 18"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 2, "college", "珠海,示例学院").encode())


@case("short-row", "a row cut short loses its required last cell: reported with its row", 1,
      says=("graduates.csv", "row 6", "order_class", "required"))
def _(d, t):
    rows = lines(GRADUATES)
    rows[5] = rows[5].rsplit(",", 1)[0]
    graduates_bytes(d, ("\n".join(rows) + "\n").encode())


@case("duplicate-header", "two columns with one name: which one is meant is unknown", 1,
      says=("graduates.csv", "cohort", "more than once"))
def _(d, t):
    graduates_bytes(d, GRADUATES.replace("major,cohort", "major,cohort", 1)
                    .replace("order_class\n", "cohort\n", 1).encode())


@case("header-spaces", "spaces around header names are harmless", 0, same_as_base=True)
def _(d, t):
    rows = lines(GRADUATES)
    rows[0] = ",".join(f" {h} " for h in rows[0].split(","))
    graduates_bytes(d, ("\n".join(rows) + "\n").encode())


@case("header-other-case", "'Student_ID' is not a contract column (import maps aliases)", 1,
      says=("graduates.csv", "student_id", "missing"))
def _(d, t):
    graduates_bytes(d, GRADUATES.replace("student_id", "Student_ID", 1).encode())


@case("empty-header-cell-with-data", "a column of data with no header", 1,
      says=("graduates.csv", "column 19", "header cell is empty"))
def _(d, t):
    rows = lines(GRADUATES)
    rows = [rows[0] + ","] + [r + ",x" for r in rows[1:]]
    graduates_bytes(d, ("\n".join(rows) + "\n").encode())


@case("huge-field", "a 1 MB cell (an unclosed quote's typical result) must not hang or flood", 1,
      says=("graduates.csv",))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 1, "college", '"' + "学" * 1_000_000 + '"').encode())


@case("long-bad-value", "a 100 kB invalid value is quoted shortened, not in full", 1,
      says=("graduates.csv", "cohort"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "cohort", "9" * 100_000).encode())


@case("many-columns", "5000 unknown columns: one message, capped listing", 1,
      says=("graduates.csv", "unknown column"))
def _(d, t):
    rows = lines(GRADUATES)
    extra = [f"x{i}" for i in range(5000)]
    rows = [rows[0] + "," + ",".join(extra)] + [r + "," * 5000 for r in rows[1:]]
    graduates_bytes(d, ("\n".join(rows) + "\n").encode())


# ---- cell values -----------------------------------------------------------------------------
@case("formula-text", "a formula-like string is data (text), stored as typed", 0,
      check=lambda d: _assert_college(d, '=HYPERLINK("http://x","y")', index=1))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 1, "college", '"=HYPERLINK(""http://x"",""y"")"').encode())


@case("formula-in-number", "'=1+1' in an integer column is not a number", 1,
      says=("graduates.csv", "row 2", "cohort", "=1+1"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "cohort", "=1+1").encode())


@case("infinity", "'inf' parses as a float but is not a measurable number of hours", 1,
      says=("graduates.csv", "row 2", "retraining_hours", "inf"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "retraining_hours", "inf").encode())


@case("overflow-number", "'1e400' overflows to infinity", 1,
      says=("graduates.csv", "row 2", "adaptation_months"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "adaptation_months", "1e400").encode())


@case("fullwidth-digits", "full-width digits from Chinese input methods: clear error, no guess", 1,
      says=("graduates.csv", "row 2", "cohort"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "cohort", "２０２１").encode())


@case("integer-as-float", "'2021.0' from a spreadsheet is the integer 2021", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, GRADUATES.replace(",2021,", ",2021.0,").encode())


@case("missing-markers", "'-', '无', '#N/A', 'N/A' and empty all mean missing (one list)", 0,
      same_as_base=True)
def _(d, t):
    text = set_cell(GRADUATES, 1, "job_related_to_major", "-")
    text = set_cell(text, 1, "job_satisfaction", "无")
    text = set_cell(text, 1, "employer_id", "#N/A")
    text = set_cell(text, 1, "work_region", "N/A")
    text = set_cell(text, 2, "industry_certificate", "无")  # 无 is missing, never 'no'
    graduates_bytes(d, text.encode())


@case("fullwidth-missing-markers", "full-width '－' and '／' from Chinese input are the same markers "
      "(NFKC), in validate as in import", 0, same_as_base=True)
def _(d, t):
    text = set_cell(GRADUATES, 1, "job_related_to_major", "－")
    text = set_cell(text, 1, "employer_id", "／")
    graduates_bytes(d, text.encode())


@case("missing-marker-in-required", "'-' in a required field is a missing value, reported", 1,
      says=("graduates.csv", "row 2", "student_id", "required"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "student_id", "-").encode())


@case("boolean-words", "TRUE / Yes / 是 / 否 are booleans", 0, same_as_base=True)
def _(d, t):
    text = set_cell(GRADUATES, 0, "treated_major", "TRUE")
    text = set_cell(text, 1, "treated_major", "Yes")
    text = set_cell(text, 2, "treated_major", "否")
    graduates_bytes(d, text.encode())


@case("boolean-garbage", "'maybe' is no boolean", 1,
      says=("graduates.csv", "row 2", "treated_major", "maybe"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "treated_major", "maybe").encode())


@case("enum-padded", "spaces around an allowed value are harmless", 0, same_as_base=True)
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "destination", "  employed_full_time ").encode())


@case("enum-wrong-case", "'Employed_Full_Time' is not a level (the importer maps spellings)", 1,
      says=("graduates.csv", "row 2", "destination", "Employed_Full_Time"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "destination", "Employed_Full_Time").encode())


@case("duplicate-id", "two graduates with one identifier", 1,
      says=("graduates.csv", "student_id", "unique"))
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 1, "student_id", "S001").encode())


@case("zero-width-space-id", "an invisible character breaks the link between tables: reported", 1,
      says=("employer_ratings.csv", "student_id", "must exist"))
def _(d, t):
    (d / "employer_ratings.csv").write_text(RATINGS.replace("R1,S001", "R1,S001\u200b"),
                                            encoding="utf-8")


# ---- folder structure --------------------------------------------------------------------------
@case("missing-table", "a table not supplied: any subset is valid, and validate says which is absent "
      "and which cross-table rule could not be checked", 0,
      says=("not supplied: graduates", "employer_ratings.student_id must exist in graduates"))
def _(d, t):
    (d / "graduates.csv").unlink()


@case("no-table-at-all", "a folder holding none of the tables names the files it expects and "
      "the import command", 1, says=("no record table found", "graduates.csv", "talentlab import"))
def _(d, t):
    for name in ("graduates", "employer_ratings", "evaluations", "programmes"):
        for p in d.glob(f"{name}.*"):
            p.unlink()
    (d / "毕业生.xlsx").write_bytes(b"not read")


@case("table-name-not-lower-case", "Graduates.CSV would be left out in silence on Linux: reported", 1,
      says=("Graduates.CSV", "looks like table 'graduates'"))
def _(d, t):
    (d / "graduates.csv").rename(d / "Graduates.CSV")


@case("table-twice", "graduates.csv and graduates.xlsx: which one is meant is unknown", 1,
      says=("graduates", "twice"))
def _(d, t):
    write_xlsx(d / "graduates.xlsx", {"Sheet1": csv_rows(GRADUATES)})


@case("table-is-a-folder", "a folder named graduates.csv", 1, says=("graduates.csv", "not a regular file"))
def _(d, t):
    (d / "graduates.csv").unlink()
    (d / "graduates.csv").mkdir()


@case("symlink-outside", "a table that is a link to a file outside the folder is refused", 1,
      says=("graduates.csv", "outside the data folder"))
def _(d, t):
    target = t / "elsewhere.csv"
    target.write_text(GRADUATES, encoding="utf-8")
    (d / "graduates.csv").unlink()
    (d / "graduates.csv").symlink_to(target)


@case("symlink-dangling", "a link to nothing", 1, says=("graduates.csv", "does not exist"))
def _(d, t):
    (d / "graduates.csv").unlink()
    (d / "graduates.csv").symlink_to(t / "nothing.csv")


@case("symlink-inside", "a link to a file inside the folder is fine", 0, same_as_base=True)
def _(d, t):
    (d / "sub").mkdir()
    (d / "graduates.csv").rename(d / "sub" / "g.csv")
    (d / "graduates.csv").symlink_to(Path("sub") / "g.csv")


@case("fifo-table", "a named pipe would block the reader forever: refused before reading", 1,
      says=("graduates.csv", "not a regular file"))
def _(d, t):
    (d / "graduates.csv").unlink()
    os.mkfifo(d / "graduates.csv")


@case("symlink-to-device", "a link to /dev/zero (an endless file) is refused", 1,
      says=("graduates.csv", "outside the data folder"))
def _(d, t):
    (d / "graduates.csv").unlink()
    (d / "graduates.csv").symlink_to("/dev/zero")


@case("unreadable-file", "no read permission: a message, not a PermissionError traceback", 1,
      says=("graduates.csv", "ermission"),
      marks=(pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file (permissions "
                                                            "cannot be tested as root)"),))
def _(d, t):
    os.chmod(d / "graduates.csv", 0)


@case("data-dir-missing", "a folder that does not exist", 2, says=("does not exist",))
def _(d, t):
    return ["--data-dir-override", str(t / "no_such_folder")]


@case("data-dir-is-file", "a file given where a folder is expected", 2, says=("not_a_folder",))
def _(d, t):
    (t / "not_a_folder").write_text("x")
    return ["--data-dir-override", str(t / "not_a_folder")]


# ---- datapackage.json --------------------------------------------------------------------------
def _descriptor(d: Path, content: str | bytes) -> None:
    data = content.encode() if isinstance(content, str) else content
    (d / "datapackage.json").write_bytes(data)


@case("dp-not-json", "'{not json' used to be a JSONDecodeError traceback", 2,
      says=("datapackage.json", "line 1", "not valid JSON"))
def _(d, t):
    _descriptor(d, "{not json")


@case("dp-list", "a JSON list where an object belongs", 2,
      says=("datapackage.json", "JSON object", "list"))
def _(d, t):
    _descriptor(d, '[{"name": "x"}]')


@case("dp-empty", "a 0-byte descriptor", 2, says=("datapackage.json", "not valid JSON"))
def _(d, t):
    _descriptor(d, b"")


@case("dp-binary", "a descriptor that is not text", 2, says=("datapackage.json", "UTF-8"))
def _(d, t):
    _descriptor(d, b"\xff\xfe\x00garbage\x81")


@case("dp-deep-nesting", "100 000 nested brackets was a RecursionError", 2,
      says=("datapackage.json", "nested too deeply"))
def _(d, t):
    _descriptor(d, "[" * 100_000 + "]" * 100_000)


@case("dp-is-a-folder", "a folder named datapackage.json", 2, says=("datapackage.json",))
def _(d, t):
    (d / "datapackage.json").mkdir()


@case("dp-null-name", "'name': null falls back to the default name, not the folder 'None'", 0,
      command="process-default",
      check=lambda d: None)
def _(d, t):
    _descriptor(d, json.dumps({"name": None}))


@case("manifest-broken", "a processed folder given as input with a broken manifest.json", 2,
      says=("manifest.json",))
def _(d, t):
    (d / "manifest.json").write_text('{"origin": [1, 2]}', encoding="utf-8")


@case("dp-bom", "a descriptor saved with a BOM by Notepad is fine", 0)
def _(d, t):
    _descriptor(d, b"\xef\xbb\xbf" + json.dumps({"name": "college-a"}).encode())


@case("dp-bad-origin", "data_origin other than synthetic/user would mislabel reports", 2,
      says=("datapackage.json", "data_origin", "real"))
def _(d, t):
    _descriptor(d, json.dumps({"name": "x", "data_origin": "real"}))


@case("dp-absolute-name", "{'name': '/tmp/elsewhere'} chose the output folder outside "
      "data/processed/", 2, says=("elsewhere'", "is a path, not a name"), command="process-default")
def _(d, t):
    _descriptor(d, json.dumps({"name": str(t / "elsewhere")}))


@case("dp-dotdot-name", "'../../x' must not climb out of data/processed/", 2,
      says=("../../escape", "not a name"), command="process-default")
def _(d, t):
    _descriptor(d, json.dumps({"name": "../../escape"}))


@case("dp-home-name", "'~/x' is a path", 2, says=("~/x",), command="process-default")
def _(d, t):
    _descriptor(d, json.dumps({"name": "~/x"}))


@case("dp-scenario-traversal", "a synthetic scenario name is data too", 2,
      says=("../x", "not a name"), command="process-default")
def _(d, t):
    _descriptor(d, json.dumps({"data_origin": "synthetic", "scenario": "../x"}))


@case("dp-separator-name", "'a/b c' becomes the slug 'a_b_c' under data/processed/", 0,
      command="process-default",
      check=lambda d: None)
def _(d, t):
    _descriptor(d, json.dumps({"name": "a/b c"}))


@case("dp-dot-name", "'.' alone is no name: the default folder name is used", 0,
      command="process-default")
def _(d, t):
    _descriptor(d, json.dumps({"name": "."}))


@case("dp-long-name", "a 10 000-character name is cut to a folder name of 80", 0,
      command="process-default")
def _(d, t):
    _descriptor(d, json.dumps({"name": "n" * 10_000}))


# ---- workbooks and other files -----------------------------------------------------------------
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _as_xlsx(d: Path, data: bytes) -> None:
    (d / "graduates.csv").unlink()
    (d / "graduates.xlsx").write_bytes(data)


@case("xls-renamed-xlsx", "an Excel 97 file renamed .xlsx was a BadZipFile traceback", 1,
      says=("graduates.xlsx", ".xls"))
def _(d, t):
    _as_xlsx(d, OLE_MAGIC + b"\x00" * 2000)


@case("csv-renamed-xlsx", "a CSV renamed .xlsx", 1, says=("graduates.xlsx", "not an Excel workbook"))
def _(d, t):
    _as_xlsx(d, GRADUATES.encode())


@case("empty-xlsx", "a 0-byte .xlsx", 1, says=("graduates.xlsx",))
def _(d, t):
    _as_xlsx(d, b"")


@case("truncated-xlsx", "a workbook cut off mid-download", 1, says=("graduates.xlsx",))
def _(d, t):
    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    for row in csv_rows(GRADUATES):
        wb.active.append(row)
    wb.save(buf)
    _as_xlsx(d, buf.getvalue()[: len(buf.getvalue()) // 2])


@case("zip-not-xlsx", "a zip archive that is no workbook", 1, says=("graduates.xlsx",))
def _(d, t):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "hi")
    _as_xlsx(d, buf.getvalue())


@case("xlsx-two-sheets", "graduates split over two sheets: half vanished silently before", 1,
      says=("graduates.xlsx", "2 sheets", "2021届", "2022届"))
def _(d, t):
    rows = csv_rows(GRADUATES)
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"2021届": rows[:3], "2022届": [rows[0], *rows[3:]]})


@case("xlsx-hidden-sheet", "a hidden sheet with data is named too", 1,
      says=("graduates.xlsx", "hidden_rows"))
def _(d, t):
    rows = csv_rows(GRADUATES)
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"graduates": rows, "hidden_rows": [["S999", "x"]]})
    wb = openpyxl.load_workbook(d / "graduates.xlsx")
    wb["hidden_rows"].sheet_state = "hidden"
    wb.save(d / "graduates.xlsx")


@case("xlsx-extra-empty-sheet", "an empty Sheet2 beside the data carries nothing: accepted", 0,
      same_as_base=True)
def _(d, t):
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"graduates": typed_rows(GRADUATES), "Sheet2": []})


@case("xlsx-all-empty", "a workbook with no data at all", 1, says=("graduates.xlsx", "no sheet"))
def _(d, t):
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"Sheet1": [], "Sheet2": []})


@case("xlsx-title-row", "a title row above the header (the importer finds headers; validate "
      "needs row 1)", 1, says=("graduates.xlsx", "header cell is empty", "title row"))
def _(d, t):
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"graduates": [["2021届毕业生去向"], *typed_rows(GRADUATES)]})


@case("xlsx-formula-no-value", "formulas never calculated by Excel have no value: they would "
      "read as empty", 1, says=("graduates.xlsx", "formula"))
def _(d, t):
    rows = typed_rows(GRADUATES)
    rows[1][3] = "=2020+1"
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"graduates": rows})


@case("xlsx-date-in-integer", "a date typed into the cohort column", 1,
      says=("graduates.xlsx", "cohort", "2021-06-30"))
def _(d, t):
    import datetime

    rows = typed_rows(GRADUATES)
    rows[1][3] = datetime.datetime(2021, 6, 30)
    (d / "graduates.csv").unlink()
    write_xlsx(d / "graduates.xlsx", {"graduates": rows})


@case("parquet-garbage", "bytes named .parquet", 1, says=("graduates.parquet", "Parquet"))
def _(d, t):
    (d / "graduates.csv").unlink()
    (d / "graduates.parquet").write_bytes(b"PAR1 not really")


@case("unsupported-suffix-ignored", "a stray notes.txt in the folder is not a table", 0,
      same_as_base=True)
def _(d, t):
    (d / "notes.txt").write_text("hello")


# ---- the process command -----------------------------------------------------------------------
@case("process-out-is-src", "'process D --out D' must refuse before reading or writing", 2,
      says=("must not be the raw folder",), command="process")
def _(d, t):
    return ["--out", str(d)]


@case("process-out-inside-src", "output inside the raw folder modifies it", 2,
      says=("inside the raw folder",), command="process")
def _(d, t):
    return ["--out", str(d / "processed")]


@case("process-out-is-file", "--out naming an existing file", 2, says=("not a folder",),
      command="process")
def _(d, t):
    (t / "a_file").write_text("keep me")
    return ["--out", str(t / "a_file")]


@case("process-out-under-data-raw", "processed output never goes under data/raw/", 2,
      says=("data/raw",), command="process")
def _(d, t):
    return ["--out", str(tio.RAW_DIR / "hostile_probe_should_not_exist")]


@case("process-invalid-writes-nothing", "a validation error leaves no output folder", 1,
      says=("nothing was written",), command="process")
def _(d, t):
    graduates_bytes(d, set_cell(GRADUATES, 0, "cohort", "x").encode())
    return ["--out", str(t / "out")]


@case("process-big5-writes-nothing", "a refused encoding leaves no output either", 1,
      says=("Big5", "nothing was written"), command="process")
def _(d, t):
    graduates_bytes(d, TRADITIONAL.encode("big5"))
    return ["--out", str(t / "out")]


@case("process-ok", "the clean folder processes (control case)", 0, command="process")
def _(d, t):
    return ["--out", str(t / "out")]


# ---- the import command ------------------------------------------------------------------------
@case("import-symlink-to-device", "a link to /dev/zero in an import source hung `talentlab import`",
      1, says=("graduates.csv", "outside the data folder", "Nothing was written"), command="import",
      marks=(pytest.mark.timeout(60),))
def _(d, t):
    (d / "graduates.csv").unlink()
    (d / "graduates.csv").symlink_to("/dev/zero")


@case("import-fifo", "a named pipe in an import source blocked the reader forever", 1,
      says=("graduates.csv", "not a regular file"), command="import",
      marks=(pytest.mark.timeout(60),))
def _(d, t):
    (d / "graduates.csv").unlink()
    os.mkfifo(d / "graduates.csv")


@case("import-no-table", "a source with no recognisable table exited 0 with an empty output", 1,
      says=("未找到可识别的数据表", "notes.csv", "known columns", "Nothing was written"),
      command="import")
def _(d, t):
    for name in TABLES:
        (d / f"{name}.csv").unlink()
    (d / "notes.csv").write_text("remark,comment\nnot a table,at all\n", encoding="utf-8")


# ---- the template command ----------------------------------------------------------------------
@case("template-not-xlsx", "the workbook must be .xlsx", 2, says=("template.txt", ".xlsx"),
      command="template")
def _(d, t):
    return [str(t / "template.txt")]


@case("template-csv-dir-is-file", "--csv naming a file", 2, says=("not a folder",),
      command="template")
def _(d, t):
    (t / "f").write_text("x")
    return ["--csv", str(t / "f")]


@case("template-out-is-folder", "the workbook path names an existing folder", 2,
      says=("error",), command="template")
def _(d, t):
    (t / "book.xlsx").mkdir()
    return [str(t / "book.xlsx")]


# ------------------------------------------------------------------------------------------------
def typed_rows(text: str) -> list[list]:
    """CSV text as spreadsheet rows with numbers as numbers (as a person would type them)."""
    out = []
    for i, row in enumerate(csv_rows(text)):
        if i == 0:
            out.append(row)
            continue
        cells = []
        for c in row:
            try:
                cells.append(int(c))
            except ValueError:
                try:
                    cells.append(float(c))
                except ValueError:
                    cells.append(c if c else None)
        out.append(cells)
    return out


def _assert_college(d: Path, expected: str, index: int = 0, encoding=None) -> None:
    enc = "big5" if "學" in expected else None
    grads = tio.load_all(d, encoding=enc).graduates
    assert grads["college"].iloc[index] == expected


def _snapshot(root: Path) -> dict[str, str]:
    """Every path under root with the SHA-256 of its content (links by their target)."""
    snap = {}
    for p in sorted(root.rglob("*")):
        rel = str(p.relative_to(root))
        if p.is_symlink():
            snap[rel] = "link:" + os.readlink(p)
        elif p.is_file():
            try:
                snap[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
            except PermissionError:
                snap[rel] = "unreadable"
        else:
            snap[rel] = "dir"
    return snap


@pytest.fixture(scope="module")
def base_tables(tmp_path_factory) -> dict[str, pd.DataFrame]:
    d = write_valid_folder(tmp_path_factory.mktemp("base") / "data")
    return tio.load_all(d).tables()


def _argv(c: Case, d: Path, extra: list[str]) -> list[str]:
    if "--data-dir-override" in extra:
        i = extra.index("--data-dir-override")
        d = Path(extra[i + 1])
        extra = extra[:i] + extra[i + 2:]
    if c.command == "validate":
        return ["validate", str(d), *extra]
    if c.command == "process":
        return ["process", str(d), *extra]
    if c.command == "process-default":
        return ["process", str(d), *extra]
    if c.command == "template":
        return ["template", *extra]
    if c.command == "import":
        return ["import", str(d), str(d.parent / "out"), *extra]
    raise AssertionError(c.command)


@pytest.mark.parametrize("c", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_hostile_input(c: Case, tmp_path, capsys, monkeypatch, base_tables):
    """Each case: the expected exit, one clear message, no traceback, input untouched, no
    half-written output."""
    t = tmp_path
    d = write_valid_folder(t / "data")
    extra = c.build(d, t) or []
    processed = t / "processed_root"
    monkeypatch.setattr(tio, "PROCESSED_DIR", processed)
    loaded = []
    real_load_all = tio.load_all

    def recording_load_all(*args, **kwargs):  # keep what the command loaded (no second load)
        loaded.append(real_load_all(*args, **kwargs))
        return loaded[-1]

    monkeypatch.setattr(tio, "load_all", recording_load_all)
    before = _snapshot(d)
    outside_before = sorted(p.name for p in t.iterdir())
    try:
        code = cli.main(_argv(c, d, extra))
    except SystemExit as exc:  # argparse
        code = exc.code
    out, err = capsys.readouterr()
    text = out + err
    assert "Traceback" not in text and "internal error" not in text, text[-3000:]
    assert code == c.exit, f"{c.id} ({c.why}): exit {code}\n{text[-3000:]}"
    for frag in c.says:
        assert frag in text, f"{c.id}: {frag!r} not in the message:\n{text[-3000:]}"
    assert len(text) < 20_000, f"{c.id}: a message of {len(text)} characters"
    if d.exists():
        assert _snapshot(d) == before, f"{c.id}: the input folder was modified"
    # nothing half-written: no temporary folders anywhere; on failure no output at all
    leftovers = [p for p in t.rglob(".*") if p.name.startswith(".") and p.is_dir()]
    assert not leftovers, leftovers
    if code != 0:
        assert not processed.exists() or not any(processed.iterdir())
        assert not (t / "out").exists()
        new = sorted(set(p.name for p in t.iterdir()) - set(outside_before))
        assert new in ([], ["processed_root"]), new
        assert not (tio.RAW_DIR / "hostile_probe_should_not_exist").exists()
    if c.command == "process-default" and code == 0:
        (made,) = list(processed.iterdir())
        assert made.parent == processed and (made / "manifest.json").exists()
        assert len(made.name) <= 80 and "/" not in made.name and made.name != "None"
    if c.same_as_base:
        assert len(loaded) == 1
        got = loaded[0].tables()
        for name, expected in base_tables.items():
            pd.testing.assert_frame_equal(got[name], expected, check_exact=True)
    if c.check is not None:
        c.check(d)


def test_the_corpus_is_large_and_explained():
    assert len(CASES) >= 60
    assert len({c.id for c in CASES}) == len(CASES)
    assert all(c.why.strip() for c in CASES)


SUBPROCESS_SAMPLE = ("dp-not-json", "xls-renamed-xlsx", "process-out-is-src")


def test_cli_subprocess_sample(tmp_path):
    """The real console entry point on a sample of the corpus: exit codes and no traceback."""
    runs = {}
    for c in CASES:
        if c.id not in SUBPROCESS_SAMPLE:
            continue
        t = tmp_path / c.id
        t.mkdir()
        d = write_valid_folder(t / "data")
        extra = c.build(d, t) or []
        runs[c.id] = (c, subprocess.Popen([sys.executable, "-m", "talentlab.cli",
                                           *_argv(c, d, extra)],
                                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                          text=True))
    assert len(runs) == len(SUBPROCESS_SAMPLE)
    for cid, (c, proc) in runs.items():
        out, err = proc.communicate(timeout=300)
        assert "Traceback" not in out + err, f"{cid}:\n{err}"
        assert proc.returncode == c.exit, f"{cid}: exit {proc.returncode}\n{err}"
        assert err.strip(), f"{cid}: no message"
