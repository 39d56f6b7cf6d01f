"""The CSV reader's work is bounded where it can be (issue 21, import speed), with the same cells.

Counted, not timed (a loaded machine makes timings flaky): how much text charset-normalizer and
the csv module are given, and that the fast paths return exactly what the csv module and
:func:`talentlab.data.readers.cell_text` return.
"""

from __future__ import annotations

import csv
import io
import random

import pytest

from talentlab.data import csv_files, readers, workbooks


def _gb18030_export(tmp_path, records: int, quoted: bool = False):
    header = ["序号", "学号", "姓名", "专业", "毕业去向", "就业地区"]
    rows = [header] + [[str(i), f"G{i:07d}", "张三", "软件技术", "签就业协议形式就业", "广东省珠海市"]
                       for i in range(1, records + 1)]
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n",
               quoting=csv.QUOTE_ALL if quoted else csv.QUOTE_MINIMAL).writerows(rows)
    path = tmp_path / "g.csv"
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path, rows


def test_the_detector_judges_a_bounded_sample_of_a_large_legacy_file(tmp_path, monkeypatch):
    """charset-normalizer decodes its input several times; it sees the first MiB, not 3 MiB."""
    import charset_normalizer

    path, _ = _gb18030_export(tmp_path, 40_000)
    assert path.stat().st_size > 2 * readers.DETECT_SAMPLE_BYTES
    seen: list[int] = []
    real = charset_normalizer.from_bytes

    def spy(data, *args, **kwargs):
        seen.append(len(data))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(charset_normalizer, "from_bytes", spy)
    assert readers.detect_encoding(path) == "gb18030"
    assert seen and max(seen) <= readers.DETECT_SAMPLE_BYTES


def test_a_utf8_line_past_the_detector_sample_is_still_refused(tmp_path):
    """The mixed-encoding check stays whole-file: a UTF-8 line after the first MiB is found."""
    path, rows = _gb18030_export(tmp_path, 40_000)
    path.write_bytes(path.read_bytes() + "99,G9,李四,软件技术,升学,广东省\r\n".encode())
    with pytest.raises(readers.EncodingError, match=f"line {len(rows) + 1}: the file mixes"):
        readers.decode_file(path)


def _count_csv_module_input(monkeypatch) -> list[int]:
    """Characters the csv module is handed, summed over every reader made."""
    consumed = [0]
    real = csv.reader

    def counting_reader(lines, *args, **kwargs):
        def counted():
            for line in lines:
                consumed[0] += len(line)
                yield line
        return real(counted(), *args, **kwargs)

    monkeypatch.setattr(csv, "reader", counting_reader)
    return consumed


def test_an_unquoted_csv_is_not_parsed_by_the_csv_module_in_full(tmp_path, monkeypatch):
    """Sniffing reads the first records only, and a file without quotes is split directly."""
    path, rows = _gb18030_export(tmp_path, 20_000)
    consumed = _count_csv_module_input(monkeypatch)
    got, enc, delimiter = readers.read_text_grid(path)
    assert (enc, delimiter) == ("gb18030", ",")
    assert got == rows
    text_chars = len(path.read_bytes().decode("gb18030"))
    # before: the parse read all of it (and each sniffing pass copied all of it into a StringIO)
    assert consumed[0] < text_chars / 4


def test_a_quoted_csv_is_still_read_by_the_csv_module(tmp_path):
    path, rows = _gb18030_export(tmp_path, 2_000, quoted=True)
    assert readers.read_text_grid(path)[0] == rows


@pytest.mark.parametrize("strict", [False, True])
def test_the_unquoted_fast_path_reads_exactly_as_the_csv_module(strict):
    """Line breaks (CR, LF, CRLF, runs of them), empty lines, blank and trailing fields, NULs."""
    pieces = ["a", "学号", ",", ";", "\t", " ", "\r", "\n", "\r\n", "\n\n", "\r\r\n", "", "x" * 9]
    rng = random.Random(21)
    for _ in range(3_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        for delimiter in readers.DELIMITERS:
            expected = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
            assert csv_files.split_unquoted(text, delimiter, "t.csv") == expected, repr(text)
            if "\x00" not in text:
                assert readers.parse_csv(text, delimiter, "t.csv", strict) == expected


def test_the_sniffing_sample_gives_the_whole_texts_answer():
    """Records longer than the sample, quoted line breaks across its end, a late delimiter."""
    rng = random.Random(5)
    for _ in range(200):
        lines = []
        for _ in range(rng.randint(1, 2_000)):
            cells = [rng.choice(["a", "b;c", '"q,\nr"', "", "学号", "x" * rng.randint(0, 900)])
                     for _ in range(rng.randint(1, 5))]
            lines.append(rng.choice([",", ";", "\t"]).join(cells) if rng.random() < 0.1
                         else ",".join(cells))
        text = rng.choice(["\n", "\r\n", "\r"]).join(lines)
        whole = {d: csv_files.count_fields(io.StringIO(text, newline=""), d)[0]
                 for d in readers.DELIMITERS}
        for d in readers.DELIMITERS:
            assert csv_files.fields_per_record(text, d) == whole[d]


def test_workbook_numbers_read_as_cell_text_says():
    """Each distinct float is converted once; the texts are cell_text's, for every kind."""
    import datetime as dt

    values = [0.0, -0.0, 1.0, -1.0, 2021.0, 1e15, -1e15, 1e15 - 1, 1e16, 2.5, 81.25, 1e-300,
              5e-324, float("nan"), float("inf"), float("-inf"), 1, True, False, None,
              dt.date(2021, 6, 30), dt.datetime(2021, 6, 30, 8), dt.timedelta(hours=30), "学号"]
    texts = workbooks.CellTexts()
    for _ in range(2):  # the second pass reads from the cache
        assert texts.row(values, []) == [readers.cell_text(v) for v in values]
        assert texts.row(values, ["", ""]) == ["", ""] + [readers.cell_text(v) for v in values]


def test_record_lines_split_by_str_split_as_by_the_regular_expression():
    """LF only and CRLF throughout go through ``str.split``; any other mix through the regular
    expression; the pieces are the same either way (a CR or LF inside a CRLF text, a CRLF
    beside a lone LF, a trailing break, an empty text)."""
    rng = random.Random(5)
    pieces = ["a", "学号,x", "", "\n", "\r\n", "\r", "\n\n", "\r\n\r\n"]
    texts = ["", "\n", "\r\n", "a\r\nb\r\n", "a\nb", "a\r\nb\nc", "a\rb\r\n", "\r\n\n"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
              for _ in range(5_000)]
    for text in texts:
        assert csv_files.record_lines(text) == csv_files.RECORD_END.split(text), repr(text)
