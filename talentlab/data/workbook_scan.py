"""A workbook measured before it is read: extent, cells, formulas and error cells.

A zip-based workbook (``.xlsx``/``.xlsm``, ``.ods``) is decompressed part by part and its sheets'
XML scanned for the cells they write; an ``.xls`` is walked record by record. The sizes found are
checked against the limits of :mod:`talentlab.data.limits` before python-calamine allocates
anything (:func:`scan_workbook`), so a file claiming ``A1:XFD1048576``, a zip bomb or one huge
shared string is refused in seconds, and a formula without a calculated value is an error naming
its cell.
"""

from __future__ import annotations

import html
import io as _io
import os
import re
import struct
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from talentlab.data.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ERROR_CELLS,
    MAX_ODS_CONTENT_BYTES,
    MAX_ROWS,
    MAX_SHARED_STRINGS_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_ENTRY_BYTES,
    MAX_ZIP_TOTAL_BYTES,
    MIB,
    LimitError,
    limit_error,
    printable,
    size_text,
)
from talentlab.data.sheet_cells import measure_cells

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: Decompressed bytes handed to the sheet scanner at a time.
_CHUNK = 16 * MIB
#: A piece of XML without any ``>`` longer than this is malformed (no tag is this long).
_MAX_TAG_BYTES = 64 * MIB


def column_letters(index: int) -> str:
    """The spreadsheet name of 0-based column ``index``.

    Examples
    --------
    >>> column_letters(0), column_letters(25), column_letters(26), column_letters(16383)
    ('A', 'Z', 'AA', 'XFD')
    """
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _column_index(letters: bytes | str) -> int:
    """0-based index of column ``letters`` (case-insensitive, as Excel and calamine read them)."""
    index = 0
    for ch in (letters.decode("ascii") if isinstance(letters, bytes) else letters).upper():
        index = index * 26 + ord(ch) - 64
    return index - 1


def cell_name(row0: int, col0: int) -> str:
    """The spreadsheet name of the cell at 0-based ``row0``, ``col0``.

    Examples
    --------
    >>> cell_name(0, 0), cell_name(2, 27)
    ('A1', 'AB3')
    """
    return f"{column_letters(col0)}{row0 + 1}"


@dataclass
class SheetScan:
    """What one sheet's XML (or ``.xls`` records) holds, measured before the sheet is read.

    Examples
    --------
    >>> scan = SheetScan("graduates")
    >>> scan.grow(4, 2)
    >>> scan.rows, scan.columns
    (5, 3)
    """

    name: str
    rows: int = 0  # height of the grid from A1: 1 + the largest 0-based row holding a cell
    columns: int = 0  # width of the grid from A1
    cells: int = 0  # cell elements (or records) written
    errors: dict = field(default_factory=dict)  # (row0, col0) -> error text such as "#N/A"
    uncalculated: list = field(default_factory=list)  # (cell name, formula text), the first few
    uncalculated_count: int = 0

    def grow(self, row0: int, col0: int) -> None:
        self.rows = max(self.rows, row0 + 1)
        self.columns = max(self.columns, col0 + 1)

    def error_cell(self, row0: int, col0: int, text: str, label: str) -> None:
        if len(self.errors) >= MAX_ERROR_CELLS and (row0, col0) not in self.errors:
            raise limit_error(label, "the number of error cells (#N/A, #DIV/0! ...)",
                               "错误值单元格数", f"more than {MAX_ERROR_CELLS:,}",
                               f"{MAX_ERROR_CELLS:,}")
        self.errors[(row0, col0)] = text

    def formula_without_value(self, row0: int, col0: int, formula: str) -> None:
        self.uncalculated_count += 1
        if len(self.uncalculated) < 10:
            self.uncalculated.append((cell_name(row0, col0), formula))


def _greater_letters(count: int) -> bytes:
    """A regex for column letters naming a column beyond the first ``count`` (any case)."""
    if count <= 0:
        return rb"[A-Za-z]+"
    letters = column_letters(count - 1)
    alternatives = [rb"[A-Za-z]{%d,}" % (len(letters) + 1)]
    for i, ch in enumerate(letters):
        prefix = b"".join(b"[%s%s]" % (c.encode(), c.lower().encode()) for c in letters[:i])
        if ch != "Z":
            nxt = chr(ord(ch) + 1)
            higher = b"[%s-Z%s-z]" % (nxt.encode(), nxt.lower().encode())
            rest = rb"[A-Za-z]{%d}" % (len(letters) - i - 1)
            alternatives.append(prefix + higher + rest)
    return b"(?:" + b"|".join(alternatives) + b")"


def _greater_number(number: int) -> bytes:
    """A regex for decimal numbers greater than ``number`` (leading zeros count as digits, which
    can only overstate: safe for a bound)."""
    if number <= 0:
        return rb"[0-9]+"
    digits = str(number)
    alternatives = [rb"[0-9]{%d,}" % (len(digits) + 1)]
    for i, d in enumerate(digits):
        if d != "9":
            alternatives.append(digits[:i].encode() + b"[%d-9]" % (int(d) + 1)
                                + rb"[0-9]{%d}" % (len(digits) - i - 1))
    return b"(?:" + b"|".join(alternatives) + b")"


#: An ``&`` that starts no XML entity: calamine drops such a value silently (a cell read empty).
_BAD_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")


def _check_entities(buf: bytes, label: str) -> None:
    if b"&" not in buf:  # memchr: most sheet XML holds no entity at all
        return
    bad = _BAD_ENTITY.search(buf)
    if bad is not None:
        snippet = printable(buf[bad.start():bad.start() + 20].decode("utf-8", "replace"))
        raise ValueError(f"{label}: the workbook is damaged: malformed XML ({snippet!r} is not an "
                         "XML entity), a value would be lost; open it in Excel and save it again "
                         "/ 工作簿已损坏：XML 格式错误，将丢失数据；请用 Excel 打开后重新保存")


class _EntityChecker:
    """Checks a part (the shared strings) for ampersands that start no entity, piece by piece
    (cut after a ``>``, so no entity is split)."""

    def __init__(self, label: str):
        self.label, self.tail = label, b""

    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self.tail + data
        cut = len(buf) if final else buf.rfind(b">") + 1
        if cut <= 0 and len(buf) > _MAX_TAG_BYTES:
            cut = len(buf) - 16  # a huge text: keep only what could be an entity's start
        buf, self.tail = buf[:cut], buf[cut:]
        _check_entities(buf, self.label)


_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([A-Za-z]+)([0-9]+)["']""")
_ROW_REF = re.compile(rb"""(?:^|\s)r\s*=\s*["']([0-9]+)["']""")
_TYPE = re.compile(rb"""(?:^|\s)t\s*=\s*["']([A-Za-z]+)["']""")


class _XlsxSheetScanner:
    """Measures one worksheet's XML as it is decompressed, in bounded memory.

    Fast path (every cell element written ``<c r="...``, as Excel and the common writers do): the
    extent is the largest column and row named by a cell that may hold a value (self-closing
    cells are empty and calamine skips them), measured in a few numpy passes over the bytes
    (:func:`~talentlab.data.sheet_cells.measure_cells`), or for a sheet whose elements carry a
    namespace prefix by searching for a reference beyond the current maximum. Otherwise (cells
    without a reference, placed one after another as calamine places them) every tag is
    followed. Formulas (``<f>``) and error cells (``t="e"``) are rare: each is looked at.
    """

    def __init__(self, scan: SheetScan, label: str, slow: bool = False):
        self.scan, self.label, self.slow = scan, label, slow
        self.prefix: bytes | None = None  # namespace prefix of the sheet's elements (b"" or b"x:")
        self.in_data = False  # inside <sheetData>
        self.done = False
        self.tail = b""
        self.unreferenced = 0  # cell elements not starting with r="..."
        self.row0, self.col0 = -1, 0  # the slow path's position (calamine's rule)
        self._pattern: re.Pattern | None = None

    # -- feeding ------------------------------------------------------------------------------
    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self.tail + data
        if self.done:
            self.tail = b""
            return
        if not final:
            cut = buf.rfind(b"</" + (self.prefix or b"") + b"c>") if self.prefix is not None \
                else -1
            cut = cut + 4 + len(self.prefix or b"") if cut >= 0 else buf.rfind(b">") + 1
            if cut <= 0:
                if len(buf) > _MAX_TAG_BYTES:
                    raise ValueError(f"{self.label}: malformed sheet XML (no tag ends within "
                                     f"{_MAX_TAG_BYTES // MIB} MiB) / 工作表 XML 格式错误")
                self.tail = buf
                return
            buf, self.tail = buf[:cut], buf[cut:]
        else:
            self.tail = b""
        self._scan(buf)

    def _scan(self, buf: bytes) -> None:
        if not self.in_data:
            m = re.search(rb"<([A-Za-z_][\w.-]*:)?sheetData\b[^>]*?(/?)>", buf)
            if m is None:
                return
            self.prefix = m.group(1) or b""
            if m.group(2):  # <sheetData/>: no cells
                self.done = True
                return
            self.in_data = True
            buf = buf[m.end():]
        closing = b"</" + self.prefix + b"sheetData>"
        # only the last piece holds it: a search from the end fails faster
        end = buf.find(closing) if buf.rfind(closing) >= 0 else -1
        if end >= 0:
            buf, self.done = buf[:end], True
        _check_entities(buf, self.label)
        p = self.prefix
        if self.slow:
            self.scan.cells += buf.count(b"<" + p + b"c")  # also <color> of rich text: overstates
            self._follow_tags(buf)
            return
        last = buf.rfind(b"<" + p + b'c r="')
        if last >= 0:
            m = re.match(rb'<' + re.escape(p) + rb'c r="[A-Za-z]+([0-9]+)"', buf[last:last + 40])
            if m:  # the last cell's row: the largest in a file written in order
                self.scan.rows = max(self.scan.rows, int(m.group(1)))
        # the same counts and extent in a few array passes (no prefix: what writers write)
        measured = None if p else measure_cells(buf, self.scan.rows, self.scan.columns)
        if measured is None:
            cells = buf.count(b"<" + p + b"c")  # also <color>, <charset> of rich text: overstates
            self.scan.cells += cells
            self.unreferenced += cells - buf.count(b"<" + p + b'c r="')
            self._extent(buf)
        else:
            self.scan.cells += measured.cells
            self.unreferenced += measured.unreferenced
            self.scan.rows, self.scan.columns = measured.rows, measured.columns
            self._pattern = None  # built for the extent before
        self._special_cells(buf, formulas=measured is None or measured.formulas)

    # -- fast path ----------------------------------------------------------------------------
    def _extent(self, buf: bytes) -> None:
        """Grow the extent to every referenced cell holding a value, by regular expression."""
        p = self.prefix
        pos = 0
        while True:
            if self._pattern is None:
                self._pattern = re.compile(
                    rb"<" + re.escape(p) + rb'c r="(?:' + _greater_letters(self.scan.columns)
                    + rb"[0-9]+|[A-Za-z]+" + _greater_number(self.scan.rows)
                    + rb')"[^>]*(?<!/)>')
            m = self._pattern.search(buf, pos)
            if m is None:
                return
            ref = re.match(rb'<(?:[\w.-]+:)?c r="([A-Za-z]+)([0-9]+)"', m.group())
            self.scan.grow(int(ref.group(2)) - 1, _column_index(ref.group(1)))
            self._pattern = None
            pos = m.start() + 1

    def _cell_around(self, buf: bytes, hit: int) -> tuple[int, int]:
        """Start and end of the cell element holding position ``hit``."""
        p = self.prefix
        start = hit
        while True:
            start = buf.rfind(b"<" + p + b"c", 0, start)
            if start < 0 or buf[start + 2 + len(p):start + 3 + len(p)] in (b" ", b">", b"\t",
                                                                            b"\n", b"\r", b"/"):
                break
        end = buf.find(b"</" + p + b"c>", hit)
        return max(start, 0), (len(buf) if end < 0 else end)

    def _special_cells(self, buf: bytes, formulas: bool = True) -> None:
        p = self.prefix
        seen = set()
        for needle in (b"<" + p + b"f", b't="e"', b"t='e'")[0 if formulas else 1:]:
            # most sheets hold none: a single quote is found by memchr, and a search from the
            # end skips on the needle's rarer first byte
            if (needle == b"t='e'" and b"'" not in buf) or buf.rfind(needle) < 0:
                continue
            pos = buf.find(needle)
            while pos >= 0:
                if needle[-1:] == b"f" and buf[pos + len(needle):pos + len(needle) + 1] not in (
                        b" ", b">", b"/", b"\t", b"\n", b"\r"):
                    pos = buf.find(needle, pos + 1)
                    continue
                start, end = self._cell_around(buf, pos)
                if start not in seen:
                    seen.add(start)
                    tag_end = buf.find(b">", start)
                    ref = _REF.search(buf, start + 2, tag_end)
                    if ref is None:
                        self.unreferenced += 1  # placed by order: the slow path finds it
                    else:
                        row0, col0 = int(ref.group(2)) - 1, _column_index(ref.group(1))
                        self._inspect_cell(buf[start:tag_end + 1], buf[tag_end + 1:end],
                                           row0, col0)
                pos = buf.find(needle, max(end, pos + 1))

    # -- slow path ----------------------------------------------------------------------------
    def _follow_tags(self, buf: bytes) -> None:
        p = re.escape(self.prefix)
        for m in re.finditer(rb"<" + p + rb"(row|c)(?=[\s/>])([^>]*?)(/?)>", buf):
            attrs = m.group(2)
            if m.group(1) == b"row":
                ref = _ROW_REF.search(attrs)
                self.row0 = int(ref.group(1)) - 1 if ref else self.row0 + 1
                self.col0 = 0
                continue
            ref = _REF.search(attrs)
            if ref:
                row0, col0 = int(ref.group(2)) - 1, _column_index(ref.group(1))
            else:
                row0, col0 = max(self.row0, 0), self.col0
            self.col0 = col0 + 1
            if m.group(3):  # self-closing: no value
                continue
            self.scan.grow(row0, col0)
            end = buf.find(b"</" + self.prefix + b"c>", m.end())
            content = buf[m.end():len(buf) if end < 0 else end]
            kind = _TYPE.search(attrs)
            if b"<" + self.prefix + b"f" in content or (kind is not None and kind.group(1) == b"e"):
                self._inspect_cell(m.group(), content, row0, col0)

    # -- one formula or error cell ------------------------------------------------------------
    def _inspect_cell(self, tag: bytes, content: bytes, row0: int, col0: int) -> None:
        p = re.escape(self.prefix)
        kind = _TYPE.search(tag)
        kind = kind.group(1) if kind else b"n"
        value = re.search(rb"<" + p + rb"v(?:\s[^>]*)?>([^<]*)</" + p + rb"v>", content)
        value_text = html.unescape(value.group(1).decode("utf-8", "replace")) if value else ""
        if kind == b"e" and value_text:
            self.scan.error_cell(row0, col0, value_text, self.label)
        formula = re.search(rb"<" + p + rb"f(?:\s[^>]*)?(?:/>|>([^<]*)</" + p + rb"f>)", content)
        if formula is None:
            return
        calculated = value is not None and (value_text != "" or kind == b"str")
        if not calculated:
            text = html.unescape((formula.group(1) or b"").decode("utf-8", "replace"))
            self.scan.formula_without_value(row0, col0,
                                            "=" + text if text else "(shared formula)")


def _zip_entry_count(path: Path, label: str) -> int:
    """The number of entries a zip declares in its end record, read before zipfile parses the
    central directory (which costs memory per entry)."""
    with open(path, "rb") as f:
        f.seek(0, os.SEEK_END)
        size = f.tell()
        f.seek(max(0, size - 65_557))
        tail = f.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise ValueError(f"{label}: the workbook is damaged: not a complete zip archive (cut off "
                         "during a download or copy?) / 工作簿已损坏：不是完整的 zip 文件（下载或复制"
                         "时被截断？）")
    entries, cd_size = struct.unpack_from("<HL", tail, at + 10)
    if entries == 0xFFFF or cd_size == 0xFFFFFFFF:  # zip64: the count is in the zip64 record
        loc = tail.rfind(b"PK\x06\x07", 0, at)
        if loc >= 0:
            (offset,) = struct.unpack_from("<Q", tail, loc + 8)
            with open(path, "rb") as f:
                f.seek(offset)
                rec = f.read(56)
            if rec[:4] == b"PK\x06\x06" and len(rec) == 56:
                entries = struct.unpack_from("<Q", rec, 32)[0]
    return entries


_WORKBOOK_SHEET = re.compile(r"""<(?:[\w.-]+:)?sheet\b[^>]*>""")


def _xlsx_sheet_parts(z: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part -> sheet name, from ``xl/workbook.xml`` and its relationships (parts not
    named there keep their part name)."""
    names: dict[str, str] = {}
    try:
        book = z.read("xl/workbook.xml").decode("utf-8", "replace")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    except KeyError:
        return names
    targets = {}
    for m in re.finditer(r"<(?:[\w.-]+:)?Relationship\b[^>]*>", rels):
        rid = re.search(r"""\bId\s*=\s*["']([^"']*)["']""", m.group())
        target = re.search(r"""\bTarget\s*=\s*["']([^"']*)["']""", m.group())
        if rid and target:
            t = html.unescape(target.group(1))
            targets[rid.group(1)] = t.lstrip("/") if t.startswith("/") else "xl/" + t
    for m in _WORKBOOK_SHEET.finditer(book):
        name = re.search(r"""\bname\s*=\s*["']([^"']*)["']""", m.group())
        rid = re.search(r"""\br:id\s*=\s*["']([^"']*)["']""", m.group()) or \
            re.search(r"""\b[\w.-]+:id\s*=\s*["']([^"']*)["']""", m.group())
        if name and rid and rid.group(1) in targets:
            names[targets[rid.group(1)]] = html.unescape(name.group(1))
    return names


def damaged_error(label: str, exc: BaseException) -> ValueError:
    """The error for a workbook the reader cannot read, naming it and what the reader said.

    Examples
    --------
    >>> print(damaged_error("g.xlsx", KeyError("xl/workbook.xml")))  # doctest: +ELLIPSIS
    g.xlsx: the workbook is damaged and cannot be read ('xl/workbook.xml'); open it in Excel ...
    """
    detail = printable(str(exc))[:200] or type(exc).__name__
    return ValueError(f"{label}: the workbook is damaged and cannot be read ({detail}); open it "
                      "in Excel and save it again / 工作簿已损坏，无法读取；请用 Excel 打开后重新保存")


def scan_zip_workbook(path: Path, label: str, suffix: str) -> dict[str, SheetScan]:
    """Decompress every part of a zip-based workbook under the limits and measure its sheets.

    Returns sheet name -> scan for ``.xlsx``/``.xlsm`` (worksheets) and ``.ods`` (tables).
    """
    entries = _zip_entry_count(path, label)
    if entries > MAX_ZIP_ENTRIES:
        raise limit_error(label, "the number of parts in the zip", "zip 内文件数",
                           f"{entries:,}", f"{MAX_ZIP_ENTRIES:,}")
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            if len(infos) > MAX_ZIP_ENTRIES:
                raise limit_error(label, "the number of parts in the zip", "zip 内文件数",
                                   f"{len(infos):,}", f"{MAX_ZIP_ENTRIES:,}")
            is_ods = suffix == ".ods"
            parts = {} if is_ods else _xlsx_sheet_parts(z)
            return _scan_zip_parts(z, infos, parts, label, is_ods)
    except (LimitError, ValueError):
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, NotImplementedError,
            RuntimeError, struct.error) as exc:
        raise damaged_error(label, exc) from None
    except Exception as exc:  # zlib.error and the like: a damaged archive
        raise damaged_error(label, exc) from None


def _part_cap(name: str, is_ods: bool) -> tuple[int, str, str]:
    if not is_ods and name == "xl/sharedStrings.xml":
        return MAX_SHARED_STRINGS_BYTES, "the shared strings (xl/sharedStrings.xml)", "共享字符串"
    if is_ods and name == "content.xml":
        return MAX_ODS_CONTENT_BYTES, "content.xml", "content.xml"
    return MAX_ZIP_ENTRY_BYTES, f"the part {printable(name)[:100]}", f"zip 内文件 {name[:100]}"


def _scan_zip_parts(z: zipfile.ZipFile, infos, parts: dict[str, str], label: str,
                    is_ods: bool) -> dict[str, SheetScan]:
    scans: dict[str, SheetScan] = {}
    total = 0
    for info in infos:
        cap, what, what_zh = _part_cap(info.filename, is_ods)
        if info.file_size > cap:  # a declared size beyond the cap is refused without reading
            raise limit_error(label, f"{what}, decompressed,", f"{what_zh}解压后大小",
                               size_text(info.file_size), f"{cap // MIB} MiB")
        is_sheet = (not is_ods and info.filename.startswith("xl/worksheets/")
                    and info.filename.endswith(".xml")) or info.filename in parts
        if is_ods and info.filename == "content.xml":
            consumer = _OdsScanner(scans, label)
        elif not is_ods and info.filename == "xl/sharedStrings.xml":
            consumer = _EntityChecker(f"{label} (xl/sharedStrings.xml)")
        elif is_sheet:
            name = parts.get(info.filename, info.filename)
            scan = scans[name] = SheetScan(name)
            consumer = _XlsxSheetScanner(scan, f"{label} [sheet '{printable(name)}']")
        else:
            consumer = None
        size = 0
        with z.open(info) as f:
            while chunk := f.read(_CHUNK):
                size += len(chunk)
                total += len(chunk)
                if size > cap:
                    raise limit_error(label, f"{what}, decompressed,", f"{what_zh}解压后大小",
                                       f"more than {cap // MIB} MiB", f"{cap // MIB} MiB")
                if total > MAX_ZIP_TOTAL_BYTES:
                    raise limit_error(label, "the workbook, decompressed,", "工作簿解压后大小",
                                       f"more than {MAX_ZIP_TOTAL_BYTES // MIB} MiB",
                                       f"{MAX_ZIP_TOTAL_BYTES // MIB} MiB")
                if consumer is not None:
                    consumer.feed(chunk)
        if consumer is not None:
            consumer.feed(b"", final=True)
            if isinstance(consumer, _XlsxSheetScanner) and consumer.unreferenced > 0:
                # cells placed by order, not by reference: follow every tag (a second pass)
                scan = scans[name] = SheetScan(name)
                slow = _XlsxSheetScanner(scan, consumer.label, slow=True)
                with z.open(info) as f:
                    while chunk := f.read(_CHUNK):
                        slow.feed(chunk)
                slow.feed(b"", final=True)
    return scans


class _OdsScanner:
    """Measures the tables of an ``.ods`` ``content.xml``: rows and cells with their repeat
    counts (``table:number-rows-repeated`` …), error cells and formulas without a value."""

    _TAG = re.compile(rb"<(/?)([\w.-]+):(table|table-row|table-cell|covered-table-cell)"
                      rb"(?=[\s/>])([^>]*?)(/?)>")

    def __init__(self, scans: dict[str, SheetScan], label: str):
        self.scans, self.label = scans, label
        self.tail = b""
        self.scan: SheetScan | None = None
        self.row0 = 0  # next row position
        self.row_repeat = 1
        self.col0 = 0
        self.cell: tuple | None = None  # (row0, col0, attrs, repeat) of the open cell
        self.cell_buf = b""

    def feed(self, data: bytes, final: bool = False) -> None:
        buf = self.tail + data
        cut = len(buf) if final else buf.rfind(b">") + 1
        if cut <= 0 and len(buf) > _MAX_TAG_BYTES:
            raise ValueError(f"{self.label}: malformed content.xml / content.xml 格式错误")
        buf, self.tail = buf[:cut], buf[cut:]
        pos = 0
        for m in self._TAG.finditer(buf):
            if self.cell is not None:
                self.cell_buf += buf[pos:m.start()]
            pos = m.end()
            self._tag(m)
        if self.cell is not None:
            self.cell_buf += buf[pos:]
            if len(self.cell_buf) > _MAX_TAG_BYTES:
                raise ValueError(f"{self.label}: malformed content.xml (a cell of more than "
                                 f"{_MAX_TAG_BYTES // MIB} MiB) / content.xml 格式错误")

    @staticmethod
    def _attr(attrs: bytes, name: bytes) -> bytes | None:
        m = re.search(rb"(?:^|\s)[\w.-]+:" + name + rb"""\s*=\s*["']([^"']*)["']""", attrs)
        return m.group(1) if m else None

    def _tag(self, m: re.Match) -> None:
        closing, element, attrs, selfclose = m.group(1), m.group(3), m.group(4), m.group(5)
        if element == b"table":
            if not closing:
                name = html.unescape((self._attr(attrs, b"name") or b"").decode("utf-8",
                                                                               "replace"))
                self.scan = self.scans.setdefault(name, SheetScan(name))
                self.row0 = 0
            return
        if self.scan is None:
            return
        if element == b"table-row":
            if closing:
                self.row0 += self.row_repeat
            else:
                self.row_repeat = int(self._attr(attrs, b"number-rows-repeated") or 1)
                self.col0 = 0
                if selfclose:
                    self.row0 += self.row_repeat
            return
        if closing:  # </table:table-cell>
            if self.cell is not None:
                self._finish_cell(*self.cell, self.cell_buf)
                self.cell, self.cell_buf = None, b""
            return
        repeat = int(self._attr(attrs, b"number-columns-repeated") or 1)
        self.scan.cells += 1
        if selfclose:
            self._finish_cell(self.row0, self.col0, attrs, repeat, b"")
        else:
            self.cell, self.cell_buf = (self.row0, self.col0, attrs, repeat), b""
        self.col0 += repeat

    def _finish_cell(self, row0: int, col0: int, attrs: bytes, repeat: int,
                     content: bytes) -> None:
        value_type = self._attr(attrs, b"value-type")
        valued = value_type is not None or b":p" in content
        formula = self._attr(attrs, b"formula")
        if formula is not None and not valued:
            self.scan.formula_without_value(row0, col0,
                                            html.unescape(formula.decode("utf-8", "replace")))
        if not valued:
            return
        self.scan.grow(row0 + self.row_repeat - 1, col0 + repeat - 1)
        if value_type == b"error" or re.search(rb"""value-type\s*=\s*["']error""", attrs):
            text = html.unescape(re.sub(rb"<[^>]*>", b"", content).decode("utf-8", "replace"))
            for r in range(row0, row0 + min(self.row_repeat, MAX_ROWS + 1)):
                for c in range(col0, col0 + min(repeat, MAX_COLUMNS + 1)):
                    self.scan.error_cell(r, c, text.strip() or "#VALUE!", self.label)


# .xls (BIFF): the records holding a cell start with its row and column (two 16-bit numbers)
_BIFF_VALUE_RECORDS = {0x0006, 0x0203, 0x0204, 0x0205, 0x027E, 0x00FD, 0x00D6, 0x0406}
_BIFF_ERRORS = {0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!", 0x1D: "#NAME?",
                0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA"}


def _biff_sheet_name(data: bytes, number: int) -> str:
    """The sheet name of a BOUNDSHEET record: BIFF8 writes length, flags, then Latin-1 or UTF-16
    text; BIFF5 length and 8-bit text."""
    count = data[0] if data else 0
    if len(data) == 1 + count:
        return data[1:].decode("latin-1") or f"#{number}"
    flags = data[1] if len(data) > 1 else 0
    text = data[2:2 + count * 2] if flags & 1 else data[2:2 + count]
    return text.decode("utf-16-le" if flags & 1 else "latin-1", "replace") or f"#{number}"


def scan_xls(path: Path, label: str) -> list[SheetScan]:
    """Measure the sheets of an ``.xls`` from its records (cell positions and error cells), in
    the order of its sheet list, before any grid is allocated."""
    from xlrd.compdoc import CompDoc, CompDocError

    try:
        doc = CompDoc(path.read_bytes(), logfile=_io.StringIO())
        stream = doc.get_named_stream("Workbook") or doc.get_named_stream("Book")
    except (CompDocError, Exception) as exc:  # xlrd raises several types for broken files
        raise damaged_error(label, exc) from None
    if not stream:
        raise ValueError(f"{label}: an OLE file without a workbook stream (a password-protected "
                         "or non-Excel file?) / 不是 Excel 工作簿（或已加密）")
    sheet_offsets: list[int] = []
    by_offset: dict[int, SheetScan] = {}
    scan: SheetScan | None = None
    pos, end = 0, len(stream)
    unpack = struct.unpack_from
    while pos + 4 <= end:
        rtype, length = unpack("<HH", stream, pos)
        data_at = pos + 4
        if rtype in (0x0809, 0x0409, 0x0209, 0x0009):  # BOF: a sheet's records start here
            scan = by_offset.get(pos)
        elif rtype == 0x0085 and length >= 8:  # BOUNDSHEET: a sheet's name and BOF offset
            sheet_offsets.append(unpack("<L", stream, data_at)[0])
            by_offset[sheet_offsets[-1]] = SheetScan(
                _biff_sheet_name(stream[data_at + 6:data_at + length], len(sheet_offsets)))
        elif scan is not None and length >= 4:
            if rtype in _BIFF_VALUE_RECORDS:
                row0, col0 = unpack("<HH", stream, data_at)
                scan.cells += 1
                scan.grow(row0, col0)
                if rtype == 0x0205 and length >= 8 and stream[data_at + 7] == 1:
                    scan.error_cell(row0, col0, _BIFF_ERRORS.get(stream[data_at + 6], "#N/A"),
                                    label)
                elif (rtype == 0x0006 and length >= 14 and stream[data_at + 6] == 2
                      and stream[data_at + 12:data_at + 14] == b"\xff\xff"):
                    scan.error_cell(row0, col0, _BIFF_ERRORS.get(stream[data_at + 8], "#N/A"),
                                    label)
            elif rtype == 0x00BD and length >= 6:  # MULRK: several numbers in one row
                row0, first = unpack("<HH", stream, data_at)
                (last,) = unpack("<H", stream, data_at + length - 2)
                scan.cells += max(0, last - first + 1)
                scan.grow(row0, max(first, last))
        pos = data_at + length
    return [by_offset[o] for o in sheet_offsets]


def _check_extent(scans: list[SheetScan], label: str) -> None:
    """Refuse sheets beyond :data:`MAX_ROWS`/:data:`MAX_COLUMNS` and workbooks beyond
    :data:`MAX_CELLS`, before anything is allocated for them."""
    grid = written = 0
    for scan in scans:
        where = f"{label} [sheet '{printable(scan.name)}']"
        if scan.rows > MAX_ROWS:
            raise limit_error(where, "the number of rows", "行数", f"{scan.rows:,}",
                               f"{MAX_ROWS:,}")
        if scan.columns > MAX_COLUMNS:
            raise limit_error(where, "the number of columns", "列数", f"{scan.columns:,}",
                               f"{MAX_COLUMNS:,}")
        grid += scan.rows * scan.columns
        written += scan.cells
    if grid > MAX_CELLS:
        raise limit_error(label, "the number of cells (rows x columns from A1, all sheets)",
                           "单元格数（各工作表自 A1 起的行数×列数之和）", f"{grid:,}",
                           f"{MAX_CELLS:,}")
    if written > MAX_CELLS:
        raise limit_error(label, "the number of cells written in the file", "文件中写入的单元格数",
                           f"{written:,}", f"{MAX_CELLS:,}")


def _check_formulas(scans: list[SheetScan], label: str) -> None:
    for scan in scans:
        if scan.uncalculated:
            cell, formula = scan.uncalculated[0]
            more = (f" (and {scan.uncalculated_count - 1:,} more)"
                    if scan.uncalculated_count > 1 else "")
            raise ValueError(
                f"{label} [sheet '{printable(scan.name)}'], cell {cell}: a formula "
                f"({printable(formula)[:60]}) without a calculated value{more}: the file was "
                "written by a program and never saved by Excel, so the value is unknown; open "
                "and save it in Excel, or type the values / 公式没有计算结果（文件由程序生成且未经 "
                "Excel 保存），其值未知；请在 Excel 中打开并保存，或直接填写数值")


def _workbook_kind(path: Path, label: str) -> str:
    """``"zip"`` or ``"ole"``: what the file is, checked against its suffix."""
    suffix = path.suffix.lower()
    with open(path, "rb") as f:
        head = f.read(8)
    is_zip, is_ole = head.startswith(_ZIP_MAGIC), head.startswith(_OLE_MAGIC)
    if suffix in (".xlsx", ".xlsm", ".ods") and not is_zip:
        if not head:
            raise ValueError(f"{label}: the file is empty (0 bytes) / 文件为空")
        kind = "an old .xls workbook (or a password-protected one)" if is_ole else \
            "not an OpenDocument spreadsheet" if suffix == ".ods" else "not an Excel workbook"
        raise ValueError(f"{label}: the file is {kind} despite its {suffix} suffix; open it in "
                         "Excel and save it as .xlsx (or rename it .xls) / 文件内容与扩展名不符")
    if suffix == ".xls" and not is_ole:
        kind = "an .xlsx workbook" if is_zip else "not an Excel workbook"
        raise ValueError(f"{label}: the file is {kind} despite its .xls suffix / 文件内容与扩展名不符")
    return "zip" if is_zip else "ole"


def scan_workbook(path: Path, label: str) -> tuple[str, list[SheetScan], dict[str, SheetScan]]:
    """Measure a workbook before it is read, refusing it when it breaks a limit.

    The file's content must match its suffix; every sheet is scanned (a zip-based workbook's
    XML, an ``.xls`` file's records), then the sheets' extent and cells are checked against
    :data:`~talentlab.data.limits.MAX_ROWS`, :data:`~talentlab.data.limits.MAX_COLUMNS` and
    :data:`~talentlab.data.limits.MAX_CELLS`, and a formula without a calculated value is
    refused, all before anything is allocated for a sheet.

    Parameters
    ----------
    path : Path
        The workbook (``.xlsx``, ``.xlsm``, ``.ods`` or ``.xls``).
    label : str
        The file as messages name it.

    Returns
    -------
    tuple
        ``(kind, scans, by_name)``: ``"zip"`` or ``"ole"``, the sheets' scans in tab order, and
        for a zip-based workbook the scans by sheet name (empty for ``.xls``).

    Raises
    ------
    LimitError
        A limit is exceeded.
    ValueError
        The content does not match the suffix, the workbook is damaged, or a formula has no
        calculated value.

    Examples
    --------
    >>> import tempfile, openpyxl
    >>> p = Path(tempfile.mkdtemp()) / "g.xlsx"
    >>> wb = openpyxl.Workbook()
    >>> wb.active.append(["学号", "届别"])
    >>> wb.active.append(["G1", 2021])
    >>> wb.save(p)
    >>> kind, scans, _ = scan_workbook(p, p.name)
    >>> kind, (scans[0].rows, scans[0].columns)
    ('zip', (2, 2))
    """
    kind = _workbook_kind(path, label)
    if kind == "zip":
        by_name = scan_zip_workbook(path, label, path.suffix.lower())
        scans = list(by_name.values())
    else:
        scans = scan_xls(path, label)
        by_name = {}
    _check_extent(scans, label)
    _check_formulas(scans, label)
    return kind, scans, by_name
