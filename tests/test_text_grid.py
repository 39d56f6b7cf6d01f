"""The grid the importer reads (issue 21, import speed): a CSV split by pandas' C parser gives
exactly the csv module's cells, a sheet's rectangle is bounded, blank rows are found column-wise.

The C parser only reads texts of ``C_PARSER_MIN_CHARS`` or more; the tests lower that bound so that
small random texts go through it and can be compared with the csv module cell by cell.
"""

from __future__ import annotations

import csv
import io
import random

import numpy as np
import pandas as pd
import pytest

from talentlab.data import csv_files, readers
from talentlab.data.limits import MAX_CELLS, LimitError
from talentlab.data.text_grid import TextGrid, check_grid_size
from tests.test_readers_limits import run_cli


def csv_module_grid(text: str, delimiter: str) -> list[list[str]]:
    """The csv module's rows of ``text`` padded with '' to the widest (what a grid holds)."""
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    width = max(map(len, rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


@pytest.fixture
def c_parser_always(monkeypatch):
    """Every text goes to the C parser first; counts the texts it read (pandas' ``read_csv``
    calls that returned a frame)."""
    monkeypatch.setattr(csv_files, "C_PARSER_MIN_CHARS", 0)
    used = {"c": 0}
    real = pd.read_csv

    def counting(*args, **kwargs):
        frame = real(*args, **kwargs)
        used["c"] += 1
        return frame

    monkeypatch.setattr(pd, "read_csv", counting)
    return used


UNQUOTED_PIECES = ["a", "学号", ",", ";", "\t", " ", "\r", "\n", "\r\n", "\n\n", "\r\r\n", "",
                   "x" * 9, "#", "\\", "'", "nan", "NA", "N/A", "\x0b", "\x0c", "\u2028", "\u3000",
                   "\ufeff", "1e5", "-", "NULL"]
QUOTED_PIECES = UNQUOTED_PIECES + ['"', '""', '"a,b"', '"x\ny"', '"p;\r\nq"', '"\t"', '" "']


@pytest.mark.parametrize("pieces", [UNQUOTED_PIECES, QUOTED_PIECES], ids=["unquoted", "quoted"])
def test_the_c_parser_reads_exactly_as_the_csv_module(c_parser_always, pieces):
    """CR, LF, CRLF and runs of them, empty lines, blank and trailing fields, BOMs, comment and
    escape characters, NA-like texts, Unicode line separators (not record ends); quoted fields
    with delimiters, line breaks and doubled quotes inside, stray and unclosed quotes."""
    rng = random.Random(2112)
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        for delimiter in readers.DELIMITERS:
            try:
                expected = csv_module_grid(text, delimiter)
            except csv.Error:  # e.g. an unclosed quote: the same error, from the exact way
                with pytest.raises(ValueError, match=r"t\.csv, row \d+: the CSV cannot be parsed"):
                    csv_files.parse_csv_grid(text, delimiter, "t.csv")
                continue
            assert csv_files.parse_csv_grid(text, delimiter, "t.csv").tolist() == expected, \
                repr(text)
    assert c_parser_always["c"] > 500  # most texts were read by the C parser, not the split


def test_strict_reading_of_a_quoted_text_is_left_to_the_csv_module(c_parser_always):
    with pytest.raises(ValueError, match=r"t\.csv, row 2: the CSV cannot be parsed"):
        csv_files.parse_csv_grid('id,note\nG1,"a"b\n', ",", "t.csv", strict=True)
    assert csv_files.parse_csv_grid('id,note\nG1,"a"b\n', ",", "t.csv").tolist() == \
        [["id", "note"], ["G1", "ab"]]
    assert c_parser_always["c"] == 1


def test_a_quoted_cell_beyond_the_cell_limit_is_named_although_its_lines_are_short():
    long_cell = "x" * 99 + "\n"
    text = "id,note\nG1,\"" + long_cell * 800 + "\"\nG2,b\n"
    assert len(text) > csv_files.C_PARSER_MIN_CHARS
    with pytest.raises(LimitError, match=r"t\.csv, row 2, column 2 \('note'\): a cell \(80,000"):
        csv_files.parse_csv_grid(text, ",", "t.csv")


def test_title_rows_above_a_wider_header_widen_the_grid_without_the_exact_split(c_parser_always):
    text = "毕业生就业去向登记表\n2024届\n" + "\n".join(
        ",".join([f"G{i}", "软件技术", "升学"] + [""] * (i % 3)) for i in range(50)) + "\n"
    text += "G99,软件技术,升学,,,,extra\n"  # a longer record near the end: widened once more
    grid = csv_files.parse_csv_grid(text, ",", "t.csv")
    assert grid.tolist() == csv_module_grid(text, ",")
    assert grid.width == 7 and c_parser_always["c"] == 1


def test_records_that_keep_growing_are_left_to_the_exact_split(c_parser_always):
    steps = csv_files.C_PARSER_RETRIES + 2
    head = "a\n" * csv_files.SNIFF_SAMPLE_CHARS  # the first guess of the width comes from here
    text = head + "".join("a" + ",b" * k + "\n" for k in range(steps))
    grid = csv_files.parse_csv_grid(text, ",", "t.csv")
    assert grid.tolist() == csv_module_grid(text, ",")
    assert c_parser_always["c"] == 0


@pytest.mark.parametrize("quoted", [False, True])
def test_one_very_wide_record_among_many_rows_is_refused_in_bounded_memory(tmp_path, quoted):
    """A 3 MiB CSV whose second record has 16,384 fields under 150,000 short ones: its grid
    would be 2.5 billion cells (an attempt to allocate 18 GiB before the limit)."""
    src = tmp_path / "src"
    src.mkdir()
    body = "".join(f"G{i},软件技术,升学\n" for i in range(150_000))
    wide = "G0,软件技术," + ("\"升学\"" if quoted else "升学") + "," * 16_381 + "\n"
    (src / "g.csv").write_text("学号,专业,毕业去向\n" + wide + body, encoding="utf-8")
    code, out, seconds, peak_kib = run_cli("import", str(src), str(tmp_path / "out"))
    assert code != 0 and "internal error" not in out, out
    assert "g.csv: the cells of its grid, rows x widest row (150,002 x 16,384" in out, out
    assert seconds < 30 and peak_kib < 1024 * 1024
    assert not (tmp_path / "out").exists()


def test_the_grid_limit_is_the_workbooks_cell_limit():
    check_grid_size("g.csv", MAX_CELLS, 1)
    with pytest.raises(LimitError, match=r"g\.csv: the cells of its grid"):
        check_grid_size("g.csv", MAX_CELLS + 1, 1)
    with pytest.raises(LimitError, match=r"rows\.xlsx \[s\]: the cells of its grid"):
        TextGrid.from_rows([["a"] * 5_000] + [["b"]] * 5_001, "rows.xlsx [s]")


def test_longest_line_bytes_across_block_boundaries(monkeypatch):
    rng = random.Random(7)
    for block in (1, 2, 3, 7, 64):
        monkeypatch.setattr(csv_files, "LINE_SCAN_BLOCK_BYTES", block)
        for _ in range(300):
            data = bytes(rng.choice(b"ab\r\n,\x00\t") for _ in range(rng.randint(0, 40)))
            expected = max(map(len, data.replace(b"\r", b"\n").split(b"\n")))
            assert csv_files.longest_line_bytes(data) == expected, (block, data)


def test_filled_rows_are_those_with_a_non_blank_cell():
    rng = random.Random(3)
    cells = ["", " ", "\u3000", "\t", "x", "学号", " y "]
    for _ in range(300):
        rows = [[rng.choice(cells) for _ in range(rng.randint(0, 5))]
                for _ in range(rng.randint(0, 12))]
        grid = TextGrid.from_rows(rows)
        assert grid.filled().tolist() == [any(c.strip() for c in row) for row in rows]
        keep = np.flatnonzero(grid.filled())
        assert grid.take(keep).filled().all()


def test_a_grid_reads_like_its_rows():
    grid = TextGrid.from_rows([["学号", "专业", ""], ["G1"]])
    assert grid == [["学号", "专业", ""], ["G1", "", ""]]
    assert grid[1:] == TextGrid.from_rows([["G1", "", ""]])
    assert list(grid) == grid.tolist() and len(grid[5:]) == 0
    assert grid.columns(2).tolist() == [["学号", "专业"], ["G1", ""]]
    assert grid.columns(4)[:, 3].tolist() == ["", ""]
    assert TextGrid.from_rows([]).width == 0 and TextGrid.from_rows([[], []]).columns(1).shape \
        == (2, 1)
