"""Bounded readers (issue 21): workbooks read by python-calamine whatever their ``<dimension>`` says,
documented limits refused quickly and in bounded memory, damaged files named, formulas without a
value refused on both paths, error cells and dates kept, NUL bytes refused, control characters
escaped in messages.

Hostile files are generated on the fly (small) and never committed. Resource cases run the CLI in a
child process under ``RLIMIT_DATA`` = 1 GiB and a 30 s timeout; the child reports its own peak
memory (``VmHWM`` of ``/proc/self/status``, which ``exec`` resets) through a small launcher.
"""

from __future__ import annotations

import csv
import datetime
import os
import re
import resource
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from talentlab import cli
from talentlab.data import readers, workbook_scan
from talentlab.data.schema import Problem
from tests.conftest import GRADUATES, PROJECT_ROOT, RAW_DIR, write_valid_folder
from tests.test_hostile_inputs import typed_rows

GIB = 2**30
LAUNCHER = """
import atexit, sys
def _peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            sys.stderr.write("\\nPEAK_KIB " + line.split()[1] + "\\n")
atexit.register(_peak)
from talentlab.cli import main
sys.exit(main(sys.argv[1:]))
"""


def run_cli(*args: str, memory: int = GIB, timeout: float = 30) -> tuple[int, str, float, int]:
    """``python -m talentlab.cli ARGS`` in a child limited to ``memory`` bytes of data and
    ``timeout`` seconds: (exit code, stdout + stderr, seconds, peak KiB)."""

    def limit():
        resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))

    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, *args], capture_output=True,
                          text=True, timeout=timeout, preexec_fn=limit,
                          cwd=PROJECT_ROOT)
    seconds = time.monotonic() - start
    text = proc.stdout + proc.stderr
    peak = re.findall(r"PEAK_KIB (\d+)", text)
    return proc.returncode, text, seconds, int(peak[-1]) if peak else -1


def rewrite_part(path: Path, part: str, change) -> None:
    """Rewrite one part of a zip (e.g. a sheet's XML) through ``change(bytes) -> bytes``."""
    with zipfile.ZipFile(path) as z:
        parts = [(i, z.read(i.filename)) for i in z.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in parts:
            z.writestr(info.filename, change(data) if info.filename == part else data)


def xlsx_with_sheet_data(path: Path, sheet_data: bytes, shared: bytes | None = None) -> Path:
    """A minimal workbook whose one sheet holds ``sheet_data`` (the XML inside <sheetData>)."""
    ns = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            b'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            b'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            b'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            b'"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            b'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="'
                   b'http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                   b'Id="rId1" Type="' + rel + b'/officeDocument" Target="xl/workbook.xml"/>'
                   b'</Relationships>')
        z.writestr("xl/workbook.xml", b'<?xml version="1.0" encoding="UTF-8"?><workbook ' + ns
                   + b' xmlns:r="' + rel + b'"><sheets><sheet name="graduates" sheetId="1" '
                   b'r:id="rId1"/></sheets></workbook>')
        rels = (b'<Relationship Id="rId1" Type="' + rel + b'/worksheet" '
                b'Target="worksheets/sheet1.xml"/>')
        if shared is not None:
            rels += (b'<Relationship Id="rId2" Type="' + rel + b'/sharedStrings" '
                     b'Target="sharedStrings.xml"/>')
            z.writestr("xl/sharedStrings.xml", shared)
        z.writestr("xl/_rels/workbook.xml.rels", b'<?xml version="1.0" encoding="UTF-8"?>'
                   b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   b'relationships">' + rels + b"</Relationships>")
        z.writestr("xl/worksheets/sheet1.xml", b'<?xml version="1.0" encoding="UTF-8"?>'
                   b"<worksheet " + ns + b"><sheetData>" + sheet_data
                   + b"</sheetData></worksheet>")
    return path


def graduates_xlsx(path: Path, extra_rows: int = 0) -> list[list]:
    """graduates.xlsx with the contract's header and typed values (openpyxl, as Excel would)."""
    rows = typed_rows(GRADUATES)
    for i in range(extra_rows):
        row = list(rows[1 + i % 5])
        row[0] = f"X{i:05d}"
        rows.append(row)
    wb = openpyxl.Workbook()
    wb.active.title = "graduates"
    for row in rows:
        wb.active.append(row)
    wb.save(path)
    return rows


def data_folder(tmp_path: Path) -> Path:
    d = write_valid_folder(tmp_path / "data")
    (d / "graduates.csv").unlink()
    return d


def cli_in_process(argv: list[str], capsys) -> tuple[int, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out + err


# ---- 1. the dimension tag is not trusted ---------------------------------------------------------
def understate_dimension(path: Path) -> None:
    rewrite_part(path, "xl/worksheets/sheet1.xml",
                 lambda xml: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', xml))


def test_an_understated_dimension_loses_no_row_on_validate_and_process(tmp_path, capsys):
    d = data_folder(tmp_path)
    rows = graduates_xlsx(d / "graduates.xlsx", extra_rows=40)
    understate_dimension(d / "graduates.xlsx")
    with zipfile.ZipFile(d / "graduates.xlsx") as z:  # the file really says A1:B2
        assert b'<dimension ref="A1:B2"' in z.read("xl/worksheets/sheet1.xml")
    sheets = readers.read_workbook(d / "graduates.xlsx")
    assert len(sheets[0][1]) == len(rows) and len(sheets[0][1][0]) == len(rows[0])
    out = tmp_path / "processed"
    code, text = cli_in_process(["process", str(d), "--out", str(out)], capsys)
    assert code == 0, text
    processed = pd.read_parquet(out / "graduates.parquet")
    assert len(processed) == len(rows) - 1
    assert processed["student_id"].tolist() == [r[0] for r in rows[1:]]


def test_an_understated_dimension_loses_no_row_on_import(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    rows = graduates_xlsx(src / "毕业生.xlsx", extra_rows=40)
    understate_dimension(src / "毕业生.xlsx")
    code, text, _, _ = run_cli("import", str(src), str(tmp_path / "out"))
    assert code == 0, text
    imported = pd.read_csv(tmp_path / "out" / "graduates.csv", dtype=str, keep_default_na=False)
    assert imported["student_id"].tolist() == [r[0] for r in rows[1:]]
    code, text, _, _ = run_cli("validate", str(tmp_path / "out"))
    assert code == 0, text


# ---- 2. cell values as a person sees them ----------------------------------------------------------
def test_values_dates_durations_booleans_and_error_cells(tmp_path):
    p = tmp_path / "v.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append([4, 4.0, 4.25, True, False, None, "文本", -0.0, 1e20])
    ws.append([datetime.datetime(2020, 6, 30), datetime.datetime(2020, 6, 30, 12, 30),
               datetime.date(2021, 1, 2), datetime.time(13, 45, 10),
               datetime.timedelta(hours=30, minutes=5)])
    wb.save(p)
    # error cells as Excel writes them: a typed error and a formula whose result is an error
    rewrite_part(p, "xl/worksheets/sheet1.xml", lambda xml: xml.replace(
        b"</sheetData>", b'<row r="3"><c r="A3" t="e"><v>#N/A</v></c><c r="B3" t="e"><f>1/0</f>'
        b'<v>#DIV/0!</v></c><c r="C3"><f>SUM(1,2)</f><v>3</v></c><c r="D3" t="str"><f>""</f>'
        b"<v></v></c></row></sheetData>"))
    (name, rows), = readers.read_workbook(p)
    assert rows[0] == ["4", "4", "4.25", "true", "false", "", "文本", "0", "1e+20"]
    assert rows[1][:5] == ["2020-06-30", "2020-06-30 12:30:00", "2021-01-02", "13:45:10",
                           "30:05:00"]
    # errors keep their text (calamine alone reads them as empty); a calculated "" stays empty
    assert rows[2][:4] == ["#N/A", "#DIV/0!", "3", ""]


def test_cells_without_references_are_placed_as_calamine_places_them(tmp_path):
    p = xlsx_with_sheet_data(tmp_path / "n.xlsx", (
        b'<row><c t="inlineStr"><is><t>a</t></is></c><c><v>2</v></c></row>'
        b'<row><c><v>3</v></c><c r="D7"><v>4</v></c><c t="e"><v>#REF!</v></c></row>'))
    (_, rows), = readers.read_workbook(p)
    assert rows[0] == ["a", "2", "", "", ""]
    assert rows[1] == ["3", "", "", "", "#REF!"]
    assert rows[6] == ["", "", "", "4", ""] and len(rows) == 7


# ---- 3. formulas without a value: an error on both paths ----------------------------------------
def formula_without_value(path: Path) -> None:
    rows = typed_rows(GRADUATES)
    rows[2][3] = "=2020+1"
    wb = openpyxl.Workbook()
    wb.active.title = "graduates"
    for row in rows:
        wb.active.append(row)
    wb.save(path)


def test_a_formula_without_value_is_an_error_on_import_and_on_validate(tmp_path, capsys):
    src = tmp_path / "src"
    src.mkdir()
    formula_without_value(src / "graduates.xlsx")
    code, text = cli_in_process(["import", str(src), str(tmp_path / "out")], capsys)
    assert code != 0 and not (tmp_path / "out").exists()
    for part in ("graduates.xlsx", "sheet 'graduates'", "cell D3", "=2020+1"):
        assert part in text, text
    d = data_folder(tmp_path)
    formula_without_value(d / "graduates.xlsx")
    code, text = cli_in_process(["validate", str(d)], capsys)
    assert code != 0
    for part in ("graduates.xlsx", "cell D3", "=2020+1", "without a calculated value"):
        assert part in text, text


# ---- 4. damaged workbooks are errors naming the file ------------------------------------------------
def damaged_cases(tmp_path: Path) -> dict[str, Path]:
    good = tmp_path / "good.xlsx"
    graduates_xlsx(good)
    data = good.read_bytes()
    out = {}
    out["truncated zip"] = tmp_path / "cut.xlsx"
    out["truncated zip"].write_bytes(data[: len(data) // 2])
    out["truncated sheet xml"] = tmp_path / "cutxml.xlsx"
    out["truncated sheet xml"].write_bytes(data)
    rewrite_part(out["truncated sheet xml"], "xl/worksheets/sheet1.xml", lambda x: x[: len(x) // 2])
    out["malformed sheet xml"] = tmp_path / "bad.xlsx"
    out["malformed sheet xml"].write_bytes(data)
    rewrite_part(out["malformed sheet xml"], "xl/worksheets/sheet1.xml",
                 lambda x: x.replace(b"<v>", b"<v><", 1))
    out["unknown entity"] = tmp_path / "entity.xlsx"  # calamine alone reads the cell as empty
    out["unknown entity"].write_bytes(data)
    rewrite_part(out["unknown entity"], "xl/worksheets/sheet1.xml",
                 lambda x: x.replace(b"<v>", b"<v>&bogus;", 1))
    out["xls not OLE"] = tmp_path / "old.xls"
    out["xls not OLE"].write_bytes(b"this is not an Excel 97 file" * 40)
    out["xls OLE garbage"] = tmp_path / "ole.xls"
    out["xls OLE garbage"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + os.urandom(3000))
    out["bad crc"] = tmp_path / "crc.xlsx"
    raw = bytearray(data)
    at = raw.find(b"xl/worksheets/sheet1.xml") + len(b"xl/worksheets/sheet1.xml") + 20
    raw[at] ^= 0xFF  # one flipped byte inside the compressed sheet
    out["bad crc"].write_bytes(bytes(raw))
    return out


def test_damaged_workbooks_are_errors_naming_the_file(tmp_path):
    for case, path in damaged_cases(tmp_path).items():
        with pytest.raises(ValueError) as err:
            readers.read_workbook(path)
        assert path.name in str(err.value), (case, str(err.value))
        assert "ParseError" not in str(err.value), case


def test_damaged_workbooks_through_the_cli(tmp_path, capsys):
    for case, path in damaged_cases(tmp_path).items():
        if case in ("xls not OLE", "xls OLE garbage"):
            continue
        src = tmp_path / f"src-{len(case)}-{case[0]}"
        src.mkdir(exist_ok=True)
        (src / "graduates.xlsx").write_bytes(path.read_bytes())
        for argv in (["import", str(src), str(tmp_path / "out")], ["validate", str(src)]):
            code, text = cli_in_process(argv, capsys)
            assert code != 0, (case, argv[0], text)
            assert "graduates.xlsx" in text and "internal error" not in text, (case, text)
            assert "Traceback" not in text


# ---- 5. NUL bytes and control characters -----------------------------------------------------------
def test_a_nul_byte_in_a_cell_is_refused_at_read_time(tmp_path, capsys):
    p = xlsx_with_sheet_data(tmp_path / "nul.xlsx", (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>student_id</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>S_x0000_1</t></is></c></row>'))
    with pytest.raises(ValueError, match=r"nul\.xlsx \[sheet 'graduates'\], row 2, column A "
                                         r"\(cell A2\): contains a NUL byte"):
        readers.read_workbook(p)
    src = tmp_path / "src"
    src.mkdir()
    lines = GRADUATES.splitlines()
    many = [lines[0]] + [lines[1].replace("S001", f"S{i:04d}") for i in range(60)]
    many[50] = many[50].replace("S0049", "S\x000049")  # past the first 4,000 bytes
    (src / "g.csv").write_bytes("\n".join(many).encode())
    code, text = cli_in_process(["import", str(src), str(tmp_path / "out")], capsys)
    assert code != 0 and "NUL" in text and "row 51, column 1 ('student_id')" in text, text
    assert not (tmp_path / "out").exists()


def test_control_characters_are_escaped_in_messages(tmp_path, capsys):
    assert readers.printable("a\x1b[2Jb\r\n\u202ec") == "a\\x1b[2Jb\\x0d\\x0a\\u202ec"
    p = Problem("g\x1b.csv", 2, "cohort", "20\x1b[31m21", "must be a whole number (integer)")
    assert "\x1b" not in str(p) and "\\x1b[31m" in str(p)
    d = write_valid_folder(tmp_path / "data")
    text = GRADUATES.replace("2022,false,employed_part_time", "2\x1b]0;pwned\x07,false,"
                             "employed_part_time", 1)
    (d / "graduates.csv").write_text(text, encoding="utf-8")
    code, out = cli_in_process(["validate", str(d)], capsys)
    assert code != 0
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out, out


# ---- 6. limits: each refused with a clear message, within 30 s and 1 GiB ------------------------
def assert_refused(text: str, *parts: str) -> None:
    assert "exceeds the limit" in text and "超过上限" in text, text[-2000:]
    for part in parts:
        assert part in text, (part, text[-2000:])
    assert "Traceback" not in text and "internal error" not in text, text[-2000:]


def one_table_folder(tmp_path: Path, name: str) -> Path:
    src = tmp_path / "src"
    src.mkdir(exist_ok=True)
    return src / name


@pytest.mark.parametrize("command", ["import", "validate"])
def test_a_huge_dimension_in_a_small_file_allocates_nothing(tmp_path, command):
    p = one_table_folder(tmp_path, "graduates.xlsx")
    rows = graduates_xlsx(p)
    rewrite_part(p, "xl/worksheets/sheet1.xml", lambda xml: re.sub(
        rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml))
    assert p.stat().st_size < 10_000
    args = [command, str(p.parent)] + ([str(tmp_path / "out")] if command == "import" else [])
    code, text, seconds, peak = run_cli(*args)
    assert code == 0, text
    assert seconds < 30 and 0 < peak < 400 * 1024, (seconds, peak)
    assert len(readers.read_workbook(p)[0][1]) == len(rows)


@pytest.mark.parametrize("cells,what", [
    (b'<c r="A1"><v>1</v></c><c r="XFD1048576"><v>1</v></c>', "the number of cells"),
    (b'<c r="A1"><v>1</v></c><c r="Z1000000"><v>1</v></c>', "the number of cells"),
    (b'<c r="A1"><v>1</v></c><c r="A1048577"><v>1</v></c>', "the number of rows"),
    (b'<c r="XFE1"><v>1</v></c>', "the number of columns"),
    (b'<c r="XFD1"><v>1</v></c><c r="A1"><v>1</v></c>' * 1 + b'<c r="A1048576"><v>1</v></c>',
     "the number of cells"),  # written out of order: the far column comes first
])
def test_cells_far_apart_are_refused_before_any_grid_is_allocated(tmp_path, cells, what):
    # a 5 KB file whose two cells span a grid of billions (calamine alone aborts the process)
    p = xlsx_with_sheet_data(one_table_folder(tmp_path, "graduates.xlsx"),
                             b'<row r="1">' + cells + b"</row>")
    assert p.stat().st_size < 5_000
    with pytest.raises(readers.LimitError, match=what):
        readers.read_workbook(p)
    for args in (["import", str(p.parent), str(tmp_path / "out")], ["validate", str(p.parent)]):
        code, text, seconds, peak = run_cli(*args)
        assert code != 0
        assert_refused(text, "graduates.xlsx", what)
        assert seconds < 30 and 0 < peak < GIB // 1024, (seconds, peak)


def deflated_zip_part(path: Path, part: str, head: bytes, filler: bytes, size: int,
                      tail: bytes = b"", others: dict | None = None) -> Path:
    """A zip whose ``part`` inflates to about ``size`` bytes (written in 1 MiB pieces)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
        for name, data in (others or {}).items():
            z.writestr(name, data)
        with z.open(part, "w", force_zip64=True) as f:
            f.write(head)
            block = filler * (2**20 // len(filler))
            for _ in range(size // len(block)):
                f.write(block)
            f.write(tail)
    return path


def test_a_sheet_that_inflates_beyond_the_limit_is_refused(tmp_path):
    p = one_table_folder(tmp_path, "graduates.xlsx")
    xlsx_with_sheet_data(p, b'<row r="1"><c r="A1"><v>1</v></c></row>')
    with zipfile.ZipFile(p) as z:
        others = {n: z.read(n) for n in z.namelist() if n != "xl/worksheets/sheet1.xml"}
    deflated_zip_part(p, "xl/worksheets/sheet1.xml", b"<worksheet><sheetData>", b"<row/>",
                      readers.MAX_ZIP_ENTRY_BYTES + 2**20, b"</sheetData></worksheet>", others)
    assert p.stat().st_size < 6 * 2**20
    code, text, seconds, peak = run_cli("validate", str(p.parent))
    assert code != 0
    assert_refused(text, "graduates.xlsx", "xl/worksheets/sheet1.xml", "decompressed")
    assert seconds < 30 and 0 < peak < GIB // 1024, (seconds, peak)


def test_one_huge_shared_string_is_refused(tmp_path):
    p = one_table_folder(tmp_path, "graduates.xlsx")
    xlsx_with_sheet_data(p, b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>', shared=b"<sst/>")
    with zipfile.ZipFile(p) as z:
        others = {n: z.read(n) for n in z.namelist() if n != "xl/sharedStrings.xml"}
    deflated_zip_part(p, "xl/sharedStrings.xml", b"<sst><si><t>", b"x", 400 * 2**20,
                      b"</t></si></sst>", others)
    code, text, seconds, peak = run_cli("import", str(p.parent), str(tmp_path / "out"))
    assert code != 0
    assert_refused(text, "graduates.xlsx", "shared strings")
    assert seconds < 30 and 0 < peak < GIB // 1024, (seconds, peak)


def test_a_long_cell_is_refused_naming_it(tmp_path):
    long_text = "长" * (readers.MAX_CELL_CHARS + 1)
    p = xlsx_with_sheet_data(tmp_path / "long.xlsx", (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="2">'
        b'<c r="B2" t="inlineStr"><is><t>' + long_text.encode() + b"</t></is></c></row>"))
    with pytest.raises(readers.LimitError, match=r"long\.xlsx \[sheet 'graduates'\], cell B2: a "
                                                 r"cell \(32,768 characters\) exceeds"):
        readers.read_workbook(p)


def test_a_zip_of_too_many_parts_is_refused(tmp_path, monkeypatch):
    p = tmp_path / "many.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        for i in range(101):
            z.writestr(f"p{i}", b"")
    monkeypatch.setattr(workbook_scan, "MAX_ZIP_ENTRIES", 100)
    with pytest.raises(readers.LimitError, match=r"many\.xlsx: the number of parts in the zip "
                                                 r"\(101\) exceeds the limit of 100"):
        readers.read_workbook(p)


def test_the_total_decompressed_size_is_capped(tmp_path, monkeypatch):
    p = tmp_path / "total.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        for i in range(3):
            z.writestr(f"xl/media/image{i}.bin", b"\0" * 2**20)
    monkeypatch.setattr(workbook_scan, "MAX_ZIP_TOTAL_BYTES", 2 * 2**20 + 100)
    with pytest.raises(readers.LimitError, match="the workbook, decompressed,"):
        readers.read_workbook(p)


def test_a_declared_size_that_lies_is_caught_by_decompressing(tmp_path, monkeypatch):
    # the central directory says 10 bytes; the data inflate to 5 MiB: zipfile stops at the
    # declared size and the CRC check names the damage: nothing past the cap is ever held
    p = tmp_path / "lie.xlsx"
    with zipfile.ZipFile(p, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", b"<a>" + b" " * 5 * 2**20 + b"</a>")
    raw = bytearray(p.read_bytes())
    central = raw.rfind(b"PK\x01\x02")
    raw[central + 24:central + 28] = (10).to_bytes(4, "little")
    p.write_bytes(bytes(raw))
    with pytest.raises(ValueError, match=r"lie\.xlsx: the workbook is damaged"):
        readers.read_workbook(p)


def test_a_file_beyond_the_size_limit_is_refused_without_reading(tmp_path):
    for name in ("graduates.csv", "graduates.xlsx"):
        p = tmp_path / name
        with open(p, "wb") as f:
            f.truncate(readers.MAX_FILE_BYTES + 1)  # sparse: nothing is written to disk
        start = time.monotonic()
        with pytest.raises(readers.LimitError, match=re.escape(name) + ": the file size"):
            readers.read_grids(p)
        assert time.monotonic() - start < 1


def test_csv_rows_columns_and_cells_are_limited(tmp_path):
    # other libraries (frictionless) raise the process-wide limit when imported: compare with what
    # it was before these reads, not with the csv module's default
    limit_before = csv.field_size_limit()
    p = tmp_path / "rows.csv"
    p.write_bytes(b"id\n" + b"1\n" * readers.MAX_ROWS)  # header + MAX_ROWS records
    with pytest.raises(readers.LimitError, match=r"rows\.csv: the number of rows \(1,048,577\)"):
        readers.read_grids(p)
    p.write_bytes(b"id\n" + b"1\n" * (readers.MAX_ROWS - 1))  # exactly at the limit: read
    assert len(readers.read_grids(p)[0][0][1]) == readers.MAX_ROWS
    p = tmp_path / "cols.csv"
    p.write_bytes(b"," * readers.MAX_COLUMNS + b"\n")
    with pytest.raises(readers.LimitError, match=r"cols\.csv, row 1: the number of columns"):
        readers.read_grids(p)
    p = tmp_path / "cell.csv"
    p.write_bytes(b"id,note\n1," + b"x" * (40 * readers.MAX_CELL_CHARS) + b"\n")
    with pytest.raises(readers.LimitError, match=r"cell\.csv, row 2: a cell \(more than"):
        readers.read_grids(p)
    assert csv.field_size_limit() == limit_before  # the process-wide limit is restored


def test_a_million_row_csv_refusal_stays_within_the_bounds(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    (src / "graduates.csv").write_bytes(GRADUATES.split("\n")[0].encode() + b"\n"
                                        + b"S1,a\n" * (readers.MAX_ROWS + 5))
    code, text, seconds, peak = run_cli("import", str(src), str(tmp_path / "out"))
    assert code != 0
    assert_refused(text, "graduates.csv", "the number of rows")
    assert seconds < 30 and 0 < peak < GIB // 1024, (seconds, peak)


# ---- 7. other formats ----------------------------------------------------------------------------
def ods(path: Path, body: str) -> Path:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:'
               'oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:'
               'opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
               'text:1.0" xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:'
               'calcext:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table '
               f'table:name="毕业生">{body}</table:table></office:spreadsheet></office:body>'
               "</office:document-content>")
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:'
                   'manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                   '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/'
                   'vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path='
                   '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    return path


def test_ods_is_read_and_its_repeats_are_bounded(tmp_path):
    cell = '<table:table-cell office:value-type="{}" office:{}="{}"><text:p>{}</text:p></table:table-cell>'
    p = ods(tmp_path / "g.ods", "<table:table-row>" + cell.format("string", "string-value", "学号",
                                                                  "学号")
            + cell.format("float", "value", "2021", "2021")
            + '<table:table-cell table:number-columns-repeated="3"/>'
            + cell.format("date", "date-value", "2020-06-30", "2020-06-30")
            + '</table:table-row><table:table-row table:number-rows-repeated="2">'
            '<table:table-cell table:number-columns-repeated="2" office:value-type="float" '
            'office:value="7"/></table:table-row><table:table-row><table:table-cell '
            'table:formula="of:=1/0" office:value-type="float" office:value="0" calcext:value-'
            'type="error"><text:p>#DIV/0!</text:p></table:table-cell></table:table-row>')
    (name, rows), = readers.read_workbook(p)
    assert name == "毕业生"
    assert rows == [["学号", "2021", "", "", "", "2020-06-30"], ["7", "7", "", "", "", ""],
                    ["7", "7", "", "", "", ""], ["#DIV/0!", "", "", "", "", ""]]
    bomb = ods(tmp_path / "bomb.ods", '<table:table-row table:number-rows-repeated="1048576">'
               '<table:table-cell table:number-columns-repeated="16384" office:value-type="float" '
               'office:value="1"/></table:table-row>')
    with pytest.raises(readers.LimitError, match=r"bomb\.ods: the number of cells"):
        readers.read_workbook(bomb)


def test_an_xls_is_read_with_calamine_and_its_extent_checked_first(tmp_path):
    import statsmodels

    sample = (Path(statsmodels.__file__).parent / "tsa" / "statespace" / "tests" / "results"
              / "frbny_nowcast" / "Nowcasting" / "test_spec.xls")
    if not sample.exists():
        pytest.skip("no sample .xls file available (statsmodels' test data not installed)")
    scans = workbook_scan.scan_xls(sample, sample.name)
    sheets = readers.read_workbook(sample)
    assert [s.name for s in scans] == [name for name, _ in sheets] == ["spec"]
    rows = sheets[0][1]
    assert (scans[0].rows, scans[0].columns) == (len(rows), len(rows[0]))
    import xlrd

    book = xlrd.open_workbook(str(sample))
    sh = book.sheet_by_index(0)
    expected = [[readers.cell_text(sh.cell_value(r, c)) for c in range(sh.ncols)]
                for r in range(sh.nrows)]
    assert rows == expected  # the same texts as xlrd, the reader used before


def test_the_scanner_reads_a_real_export_like_calamine(tmp_path):
    """The shipped synthetic export: every sheet's measured extent is exactly what calamine
    reads (the bound is tight on real files, not only safe)."""
    path = (RAW_DIR / "examples"
            / "synthetic_college_export" / "毕业生就业去向登记表_合成数据.xlsx")
    scans = workbook_scan.scan_zip_workbook(path, path.name, ".xlsx")
    for name, rows in readers.read_workbook(path):
        assert (scans[name].rows, scans[name].columns) == (len(rows), len(rows[0])), name


def test_refusals_name_the_limits_documented_in_the_readme():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Limits / 输入限制", 1)[1].split("\n### ", 1)[0]
    for constant in ("MAX_FILE_BYTES", "MAX_ROWS", "MAX_COLUMNS", "MAX_CELL_CHARS", "MAX_CELLS",
                     "MAX_ZIP_ENTRIES", "MAX_ZIP_ENTRY_BYTES", "MAX_ZIP_TOTAL_BYTES",
                     "MAX_SHARED_STRINGS_BYTES", "MAX_ODS_CONTENT_BYTES", "MAX_ERROR_CELLS"):
        assert constant in section and constant in readers.__doc__, constant



def test_gb18030_decoding_is_lossless_so_no_round_trip_check_is_needed():
    """text_encodings reads a GB18030 file without re-encoding it to compare: that is sound only
    while CPython's codec maps every 2- and 4-byte sequence it decodes to one code point that
    encodes back to the same bytes. All 1,611,540 candidate sequences are tried (about 2 s)."""
    trail2 = [*range(0x40, 0x7F), *range(0x80, 0xFF)]
    candidates = [bytes((a, b)) for a in range(0x81, 0xFF) for b in trail2]
    candidates += [bytes((a, b, c, d)) for a in range(0x81, 0xFF) for b in range(0x30, 0x3A)
                   for c in range(0x81, 0xFF) for d in range(0x30, 0x3A)]
    decoded, lossy = 0, []
    for seq in candidates:
        try:
            text = seq.decode("gb18030")
        except UnicodeDecodeError:
            continue
        decoded += 1
        if len(text) != 1 or text.encode("gb18030") != seq:
            lossy.append(seq)
    assert decoded > 1_000_000 and not lossy, lossy[:5]


@pytest.mark.parametrize("block", [1, 5, 64, 1 << 20])
def test_mixed_encoding_line_is_found_whatever_the_scan_block(monkeypatch, block):
    """The UTF-8 line in a GB18030 file is found block by block (bounded memory): the same line
    number whether a block holds one line or the whole file, and no false alarm on the rest."""
    from talentlab.data import text_encodings

    monkeypatch.setattr(text_encodings, "UTF8_SCAN_BLOCK_BYTES", block)
    gb = "".join(f"{i},学生{i},软件技术\n" for i in range(40)).encode("gb18030")
    mixed = gb + "41,集成电路,是\n".encode() + gb
    with pytest.raises(text_encodings.EncodingError, match=r"line 41: the file mixes"):
        text_encodings.detect_encoding(mixed)
    assert text_encodings.detect_encoding(gb) == "gb18030"
