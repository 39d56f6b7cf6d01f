"""The encoding of a CSV/TXT export, detected safely, and the file decoded once.

CSV/TXT exports from Chinese systems come as UTF-8 (with or without BOM), UTF-16 (Excel's
"Unicode text") or GB18030 (GBK, what Chinese Excel writes by default); :func:`detect_encoding`
accepts exactly these automatically and refuses Big5 read as GB18030 mojibake and files mixing
encodings. :func:`decode_file` returns the text and the encoding. The rules are described in
:mod:`talentlab.data.readers`.
"""

from __future__ import annotations

import codecs
import os
import re
from collections import Counter
from pathlib import Path

from talentlab.data.limits import (
    MIB,
    check_file_size,
    file_label,
)


class EncodingError(ValueError):
    """A text file whose encoding cannot be determined safely (or does not decode)."""


_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}
_BIG5_FAMILY = {"big5", "big5hkscs", "cp950"}


def _gb2312_share(text: str) -> float:
    """The share of the CJK ideographs of ``text`` (U+4E00-U+9FFF) that GB2312 (simplified
    Chinese) holds; 1.0 without any. Each distinct character is encoded once (a Python loop over
    every character of a large file took seconds)."""
    counts = Counter(_NOT_CJK_IDEOGRAPH.sub("", text))
    if not counts:
        return 1.0
    ok = 0
    for c, n in counts.items():
        try:
            c.encode("gb2312")
            ok += n
        except UnicodeEncodeError:
            pass
    return ok / sum(counts.values())


#: a run of characters outside the basic block of CJK unified ideographs
_NOT_CJK_IDEOGRAPH = re.compile("[^\u4e00-\u9fff]+")


def _looks_utf16_without_bom(data: bytes) -> str | None:
    sample = data[:4000]
    if len(sample) < 4 or len(sample) % 2:
        return None
    even_nul = sample[0::2].count(0) / (len(sample) / 2)
    odd_nul = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nul > 0.3 and even_nul < 0.05:
        return "utf-16-le"
    if even_nul > 0.3 and odd_nul < 0.05:
        return "utf-16-be"
    return None


#: Bytes of a file :func:`_utf8_line_in_non_utf8` looks at in one numpy pass (cut at a line
#: break): its temporary arrays stay a few times this size, whatever the file's size.
UTF8_SCAN_BLOCK_BYTES = 8 * MIB


def _utf8_line_in_non_utf8(data: bytes) -> int | None:
    """The first line holding UTF-8 Chinese in a file that is not UTF-8 as a whole, else None.

    GB18030 decodes most UTF-8 bytes without error (as mojibake), so a file concatenated from a
    UTF-8 part and a GB18030 part can pass every whole-file check; its UTF-8 lines give it away.
    Only called on data that do not decode as UTF-8 as a whole.

    A line with two Chinese characters (U+4E00-U+9FFF) in valid UTF-8 holds two byte triples
    ``E4-E9 80-BF 80-BF``; only the lines that do are decoded (found with numpy, block by block
    of :data:`UTF8_SCAN_BLOCK_BYTES`: decoding every line of a 100,000-line GB18030 file took a
    tenth of a second).
    """
    first_line, start = 0, 0
    while start < len(data):
        end = data.find(b"\n", start + UTF8_SCAN_BLOCK_BYTES)
        end = len(data) if end < 0 else end + 1  # a block ends after a line break
        found = _utf8_line_in_block(data[start:end])
        if found is not None:
            return first_line + found
        first_line += data.count(b"\n", start, end)
        start = end
    return None


def _utf8_line_in_block(data: bytes) -> int | None:
    """:func:`_utf8_line_in_non_utf8` of one block of whole lines (line numbers from 1)."""
    import numpy as np

    arr = np.frombuffer(data, dtype=np.uint8)
    if len(arr) < 6:  # too short for two triples after the first line: decode each line
        pieces = data.split(b"\n")
        return _utf8_line_decoded(pieces, range(len(pieces)))
    continuation = (arr & 0xC0) == 0x80
    triple = (arr[:-2] >= 0xE4) & (arr[:-2] <= 0xE9) & continuation[1:-1] & continuation[2:]
    at = np.flatnonzero(triple)
    if len(at) < 2:
        return None
    breaks = np.flatnonzero(arr == 0x0A)
    line_of = np.searchsorted(breaks, at)  # line index (from 0) of each triple
    lines, counts = np.unique(line_of, return_counts=True)
    candidates = lines[counts >= 2]
    if not len(candidates):
        return None
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(arr)]))
    pieces = (data[starts[i]:ends[i]] for i in candidates)
    return _utf8_line_decoded(pieces, candidates.tolist())


def _utf8_line_decoded(lines, numbers) -> int | None:
    """The line number (from 1) of the first of ``lines`` that decodes as UTF-8 with two or
    more Chinese characters; ``numbers`` are the lines' indexes (from 0)."""
    for i, line in zip(numbers, lines, strict=False):
        if line.isascii():
            continue
        try:
            decoded = line.decode("utf-8")
        except UnicodeDecodeError:
            continue
        if sum("\u4e00" <= ch <= "\u9fff" for ch in decoded) >= 2:
            return int(i) + 1
    return None


def detect_encoding(source: str | os.PathLike | bytes, explicit: str | None = None) -> str:
    """The encoding of a text (CSV/TXT) file, or a clear error.

    Parameters
    ----------
    source : path or bytes
    explicit : str, optional
        An encoding the user names (``--encoding``); it must decode the whole file.

    Returns
    -------
    str
        A Python codec name: ``utf-8-sig``, ``utf-16``, ``utf-16-le``/``-be``, ``utf-32``,
        ``gb18030`` or ``explicit``.

    Raises
    ------
    EncodingError
        Naming the file, what was found and what to do (re-save as UTF-8 or pass ``--encoding``).

    Examples
    --------
    >>> detect_encoding("学号,专业\\n".encode("gb18030"))
    'gb18030'
    >>> detect_encoding("学号,专业\\n".encode("utf-16"))
    'utf-16'
    >>> detect_encoding("學號,專業,畢業去向,積體電路設計\\n".encode("big5"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.text_encodings.EncodingError: <bytes>: looks like Big5 (traditional Chinese) ...

    A file whose lines are in two encodings (a UTF-8 part and a GB18030 part pasted together)
    is refused, naming the first UTF-8 line:

    >>> detect_encoding("学号\\n".encode("gb18030") + "软件技术\\n".encode())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.text_encodings.EncodingError: <bytes>, line 2: the file mixes encodings ...
    """
    label = file_label(source)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return _detect_and_decode(data, explicit, label)[0]


def _detect_and_decode(data: bytes, explicit: str | None, label: str) -> tuple[str, str]:
    """The encoding of ``data`` (as :func:`detect_encoding` decides it) and the text decoded with
    it: the decode that verifies the encoding is the one kept, so a file is decoded once."""
    if explicit:
        return _check_explicit(data, explicit, label)
    found = _unicode_encoding(data, label)
    if found is not None:
        return found
    return _gb18030_or_refuse(data, label)


def _check_explicit(data: bytes, explicit: str, label: str) -> tuple[str, str]:
    """``explicit`` and the text if it is a known codec that decodes the whole file, else the
    error."""
    try:
        codecs.lookup(explicit)
    except LookupError:
        raise EncodingError(f"{label}: unknown encoding {explicit!r}") from None
    try:
        text = data.decode(explicit)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{label}: does not decode as {explicit} (byte {exc.start}: "
            f"{data[exc.start:exc.start + 4]!r}); check --encoding") from None
    return explicit, text


def _unicode_encoding(data: bytes, label: str) -> tuple[str, str] | None:
    """A Unicode encoding (byte-order mark, UTF-16 without one, plain UTF-8) and the text, or
    ``None``."""
    if data.startswith(codecs.BOM_UTF8):
        enc = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        enc = "utf-32"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        enc = "utf-16"
    else:
        enc = None
    if enc is not None:
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError as exc:
            raise EncodingError(f"{label}: starts with a {enc} byte-order mark but does not "
                                f"decode as {enc} (byte {exc.start})") from None
    if b"\x00" in data[:4000]:
        enc = _looks_utf16_without_bom(data)
        if enc is None:
            raise EncodingError(f"{label}: contains NUL bytes: not a text (CSV) file")
        try:
            return enc, data.decode(enc)
        except UnicodeDecodeError:
            raise EncodingError(f"{label}: looks like UTF-16 without a byte-order mark but does "
                                "not decode; re-save it as UTF-8 CSV") from None
    try:
        return "utf-8-sig", data.decode("utf-8")
    except UnicodeDecodeError:
        return None


#: Bytes of a legacy-encoded file the detector (charset-normalizer) judges: the start of the
#: file, cut at a line break. The whole file is still decoded and searched for UTF-8 lines;
#: only the detector's guess (Big5 or another legacy encoding?) comes from the sample.
DETECT_SAMPLE_BYTES = 1 * MIB


def _detector_sample(data: bytes) -> bytes:
    """The start of ``data`` the detector judges: at most :data:`DETECT_SAMPLE_BYTES`, ending
    at a line break (LF is never part of a GB18030 or Big5 character) when there is one."""
    if len(data) <= DETECT_SAMPLE_BYTES:
        return data
    cut = data.rfind(b"\n", 0, DETECT_SAMPLE_BYTES)
    return data[:cut + 1] if cut > 0 else data[:DETECT_SAMPLE_BYTES]


def _gb18030_or_refuse(data: bytes, label: str) -> tuple[str, str]:
    """``gb18030`` for a simplified-Chinese legacy file; refuses mixed encodings, Big5 and
    anything the detector names that GB18030 would turn into mojibake."""
    line = _utf8_line_in_non_utf8(data)
    if line is not None:
        raise EncodingError(
            f"{label}, line {line}: the file mixes encodings (this line is UTF-8 Chinese, "
            "other lines are not UTF-8): reading it as GB18030 would turn these lines into "
            "mojibake. Re-save the whole file in one encoding (UTF-8)")

    from charset_normalizer import from_bytes

    best = from_bytes(_detector_sample(data)).best()
    guess = best.encoding.lower().replace("_", "") if best is not None else None
    big5_clean = True
    try:
        data.decode("big5")
    except UnicodeDecodeError:
        big5_clean = False
    refusal = (f"{label}: looks like Big5 (traditional Chinese) — reading it as GB18030 would "
               "store mojibake. Re-save the file as UTF-8, or pass --encoding big5 if Big5 is "
               "what it is")
    if guess in _BIG5_FAMILY:
        raise EncodingError(refusal)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"{label}: cannot decode the file as UTF-8, UTF-16 or GB18030 (detector: "
            f"{guess or 'unknown'}; byte {exc.start}); re-save it as UTF-8 CSV or pass --encoding"
        ) from None
    # no round-trip check: CPython's GB18030 codec maps every byte sequence it decodes to one
    # code point and back (a bijection, pinned over all 2- and 4-byte sequences by
    # tests/test_readers_limits.py), so a decoded file always re-encodes to its own bytes
    if big5_clean and _gb2312_share(text) < 0.8:
        raise EncodingError(refusal)
    if guess is not None and guess not in _GB_FAMILY and _gb2312_share(text) < 0.8:
        raise EncodingError(
            f"{label}: the detector says {guess}, not UTF-8, UTF-16 or GB18030; re-save it as "
            "UTF-8 CSV or pass --encoding")
    return "gb18030", text


def decode_file(path: str | os.PathLike, explicit: str | None = None) -> tuple[str, str]:
    """Text of a file and the encoding used (see :func:`detect_encoding`); a file beyond
    :data:`MAX_FILE_BYTES` is a :class:`LimitError`."""
    check_file_size(path)
    data = Path(path).read_bytes()
    try:
        enc, text = _detect_and_decode(data, explicit, "<bytes>")
    except EncodingError as exc:
        raise EncodingError(str(exc).replace("<bytes>", file_label(path), 1)) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text, enc
