"""The workbook reader's fast paths give exactly what the plain rules give (issue 21, import speed).

:class:`talentlab.data.workbooks.CellTexts` converts each distinct calamine value once and finds
it again by dictionary lookup; values that are equal but read differently (``True`` and ``1.0``,
``10**16`` and ``1e16``) must never find each other's text, in whatever order they come.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import zipfile

import pytest

from talentlab.data import readers, sheet_cells, workbook_scan, workbooks

#: values python-calamine can give, chosen so that equal ones read differently
_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, 2, 0, 1, True, False, 1e15, 10**15, 1e15 - 1,
           10**15 - 1, 1e16, 10**16, -1e16, -(10**16), 2.5, 81.25, 5e-324, float("nan"),
           float("inf"), float("-inf"), None, "", "1", "true", "学号",
           dt.date(2021, 6, 30), dt.datetime(2021, 6, 30), dt.datetime(2021, 6, 30, 8),
           dt.time(0), dt.timedelta(0), dt.timedelta(hours=30)]


def test_cell_texts_give_cell_text_for_values_in_any_order():
    rng = random.Random(21)
    for _ in range(300):
        values = [rng.choice(_VALUES) for _ in range(rng.randint(1, 12))]
        texts = workbooks.CellTexts()
        for _ in range(2):  # the second pass reads what the first one kept
            got = list(map(texts.__getitem__, values))
            assert got == [readers.cell_text(v) for v in values], values


def test_cell_texts_share_equal_texts_and_refuse_unreadable_ones():
    texts = workbooks.CellTexts()
    first, second = "".join(["学", "号"]), "".join(["学", "号"])
    assert first is not second and texts[first] is texts[second] is first
    with pytest.raises(workbooks.UnreadableCellText):
        texts["S\x001"]
    with pytest.raises(workbooks.UnreadableCellText):
        texts["长" * (readers.MAX_CELL_CHARS + 1)]
    assert texts["长" * readers.MAX_CELL_CHARS] == "长" * readers.MAX_CELL_CHARS


def _column_number(letters: str) -> int:
    """A = 1, Z = 26, AA = 27, in either case."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    assert readers.column_letters(number - 1) == letters.upper()
    return number


def _reference_measure(xml: bytes, rows: int, columns: int):
    """measure_cells' rule, one cell at a time: counts as ``bytes.count``, and each
    ``<c r="letters digits"`` whose start tag does not end in ``/>`` grows the extent."""
    cells = xml.count(b"<c")
    for m in re.finditer(rb'<c r="([A-Za-z]+)([0-9]+)"', xml):
        end = xml.find(b">", m.end())
        if end < 0 or xml[end - 1:end] == b"/":
            continue
        number = _column_number(m.group(1).decode())
        rows, columns = max(rows, int(m.group(2))), max(columns, number)
    return (cells, cells - xml.count(b'<c r="'), rows, columns, b"<f" in xml)


def _random_cell(rng: random.Random) -> bytes:
    letters = "".join(rng.choice("ABCXYZabz") for _ in range(rng.choice([1] * 20 + [2] * 8 + [3, 4])))
    digits = rng.choice(["1", "9", "10", "99", "100", "0", "007", "1048576", "52341", ""] * 3
                        + ["10485760"])
    ref = rng.choice([f'r="{letters}{digits}"'] * 8 + [f"r='{letters}{digits}'", 'r=""',
                     f'r="{digits}{letters}"', f'r="{letters}"', f'r = "{letters}{digits}"',
                     f'r="{letters}{digits}x"', f'r="{letters}{digits}'])
    attrs = "".join(rng.choice([' t="s"', ' s="3"', ' t="e"', " t='e'", ' x="/"', ' y=">"'])
                    for _ in range(rng.randint(0, 2)))
    head = rng.choice([f"<c {ref}{attrs}", f"<c{attrs}", f"<c {ref}{attrs}", f"<c\t{ref}"])
    body = rng.choice(["/>", " />", "><v>1</v></c>", "></c>", "><f>A1+1</f><v>2</v></c>",
                       "><f/></c>", '><is><r><rPr><color rgb="FF0000"/></rPr><t>a/>b</t></r>'
                       "</is></c>", "><v>1/></v></c>", ">"])
    return (head + body).encode()


def test_measure_cells_gives_what_the_cell_by_cell_rule_gives():
    """The array passes count and reach as far as a plain loop over the cells, on pieces of
    sheet XML with every shape of reference (case, letters, leading zeros, quotes, missing
    parts), self-closing and rich-text cells, and text holding '>' and '/'."""
    rng = random.Random(21)
    refused = 0
    for _ in range(3_000):
        pieces = [_random_cell(rng) for _ in range(rng.randint(0, 12))]
        xml = b"".join(rng.choice([p, b'<row r="3">' + p, p + b"</row>"]) for p in pieces)
        rows, columns = rng.choice([0, 1, 9, 50, 100_000]), rng.choice([0, 1, 3, 26, 800])
        measured = sheet_cells.measure_cells(xml, rows, columns)
        if measured is None:  # a reference beyond what the arrays read: 4+ letters, 8+ digits
            refused += 1
            assert re.search(rb'<c r="(?:[A-Za-z]{4}|[A-Za-z]+[0-9]{8})', xml), xml
            continue
        got = (measured.cells, measured.unreferenced, measured.rows, measured.columns,
               measured.formulas)
        assert got == _reference_measure(xml, rows, columns), xml
    assert refused < 1_000


@pytest.mark.parametrize("empty", [0, 5, 8, 9, 40])
@pytest.mark.parametrize("values", [1, 3, 5])
def test_measure_cells_passes_over_empty_cells_at_the_edge(empty, values):
    """Cells that close themselves (no value) at the largest row and column, many of them and
    over several rows and columns, leave the extent to the cells holding a value."""
    far = [b'<c r="%s%d" s="1"/>' % (readers.column_letters(30 + k % values).encode(),
                                       900 - k % values) for k in range(empty)]
    xml = b"".join(far[:empty // 2]) + b'<c r="C7"><v>1</v></c>' + b"".join(far[empty // 2:])
    xml += b'<c r="E2" t="s"><v>0</v></c>'
    measured = sheet_cells.measure_cells(xml, 0, 0)
    assert (measured.rows, measured.columns) == (7, 5)
    assert (measured.cells, measured.unreferenced) == (empty + 2, 0)
    held = xml + b'<c r="%s%d" t="s"><v>0</v></c>' % (readers.column_letters(30).encode(), 900)
    assert (sheet_cells.measure_cells(held, 0, 0).rows,
            sheet_cells.measure_cells(held, 0, 0).columns) == (900, 31)


def _xlsx(path, sheet_data: bytes, prefix: bytes = b""):
    """A one-sheet workbook; with ``prefix`` (``b"x:"``) every element of the sheet carries it."""
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    ns = b"xmlns" + (b":" + prefix[:-1] if prefix else b"") + b'="' + main + b'"'
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", b'<workbook xmlns="' + main + b'" xmlns:r="' + rel
                   + b'"><sheets><sheet name="g" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", b'<Relationships xmlns="http://schemas.'
                   b'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                   b'Type="' + rel + b'/worksheet" Target="worksheets/sheet1.xml"/>'
                   b"</Relationships>")
        z.writestr("xl/worksheets/sheet1.xml", b"<" + prefix + b"worksheet " + ns + b"><"
                   + prefix + b"sheetData>" + sheet_data + b"</" + prefix + b"sheetData></"
                   + prefix + b"worksheet>")
    return path


def _random_sheet_data(rng: random.Random) -> str:
    """Sheet XML with ``{p}`` before every element name: rows of cells in and out of order,
    empty cells far out, error cells, formulas with and without a value, rich text."""
    rows = []
    for r in rng.sample(range(1, 40), rng.randint(0, 6)):
        cells = []
        for c in rng.sample(range(30), rng.randint(0, 5)):
            letters = readers.column_letters(c)
            ref = f"{letters.lower() if rng.random() < 0.1 else letters}{r}"
            cells.append(rng.choice([
                f'<{{p}}c r="{ref}"><{{p}}v>1</{{p}}v></{{p}}c>',
                f'<{{p}}c r="{ref}" t="s"><{{p}}v>0</{{p}}v></{{p}}c>',
                f'<{{p}}c r="{ref}" s="2"/>',
                f'<{{p}}c r="{readers.column_letters(c + 200)}{r + 500}" s="2"/>',
                f'<{{p}}c r="{ref}" t="e"><{{p}}v>#N/A</{{p}}v></{{p}}c>',
                f"<{{p}}c r=\"{ref}\" t='e'><{{p}}v>#DIV/0!</{{p}}v></{{p}}c>",
                f'<{{p}}c r="{ref}"><{{p}}f>A1+1</{{p}}f><{{p}}v>2</{{p}}v></{{p}}c>',
                f'<{{p}}c r="{ref}" t="inlineStr"><{{p}}is><{{p}}r><{{p}}rPr><{{p}}color rgb="1"/>'
                f"</{{p}}rPr><{{p}}t>a/&gt;b</{{p}}t></{{p}}r></{{p}}is></{{p}}c>"])
                if rng.random() < 0.98 else  # a formula without a value: the sheet is refused
                f'<{{p}}c r="{ref}"><{{p}}f>SUM(A1:A3)</{{p}}f></{{p}}c>')
        rows.append(f'<{{p}}row r="{r}">' + "".join(cells) + "</{p}row>")
    return "".join(rows)


def test_a_sheet_measures_the_same_with_and_without_a_namespace_prefix(tmp_path):
    """Sheets written with a prefix (``<x:c r=...``) are measured by regular expression, the
    others by :func:`~talentlab.data.sheet_cells.measure_cells`: the scans agree."""
    rng = random.Random(7)
    refused = 0
    for i in range(150):
        data = _random_sheet_data(rng)
        scans = []
        for prefix in ("", "x:"):
            path = _xlsx(tmp_path / f"{i}{prefix[:1]}.xlsx", data.format(p=prefix).encode(),
                         prefix.encode())
            try:
                (scan,) = workbook_scan.scan_workbook(path, path.name)[1]
            except ValueError as exc:  # a formula without a value, named the same way
                scans.append(str(exc).split(":", 1)[1])
                refused += 1
                continue
            scans.append((scan.rows, scan.columns, scan.cells, scan.errors, scan.uncalculated))
        assert scans[0] == scans[1], data
        if not isinstance(scans[0], str):  # the error cells, in either quotes, are all found
            errors = {(int(row) - 1, _column_number(letters) - 1): text for letters, row, text
                      in re.findall(r"""r="([A-Za-z]+)([0-9]+)" t=["']e["']><\{p\}v>([^<]*)<""",
                                    data)}
            assert scans[0][3] == errors, data
    assert 0 < refused < 100
