"""Privacy scan of a report folder: no identifier column name or value of the input may reach
a published file.

Identifier values are matched as whole values in their context, never as any substring:

* a **CSV** cell (or a parquet cell) equal to an identifier, or holding one as a whole token,
  and a header naming an identifier column (``student_id`` ...);
* a **JSON** string value (``results.json``, a notebook's outputs) equal to an identifier or
  holding one as a whole token; numbers are numbers, and embedded images are skipped;
* a whole **token** of HTML, Markdown or other text (character references decoded): the
  identifier bounded by non-word characters on both sides (``S001`` in ``<td>S001</td>``, not in
  ``S0012`` or ``XS001``).

Text and identifiers are compared after Unicode NFKC normalisation, with every run of white space
(no-break space, ideographic space) read as one space and the ends trimmed, so ``学生甲`` and an id
written with a no-break space are found. Chinese text is not split into words: an id of Chinese
characters is found where punctuation, markup or a space bounds it (``<td>学生甲</td>``,
``学生甲，``), not inside a run of Chinese text (``学生甲的``).

Identifiers written like ordinary numbers of at most :data:`ORDINARY_NUMBER_DIGITS` digits
(``1``, ``-1``, ``2019``, ``0.5``) cannot be told from the report's counts, years and estimates
and are not matched as values: such ids (sequence numbers ``1..N``) carry nothing about a person
outside the data. Longer or zero-padded digit strings (``2019001234``, ``000123``: real student
numbers) are matched everywhere. Identifier column names are matched in any case.
"""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import unicodedata
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

from talentlab.report.manifest import result_files

IDENTIFIER_COLUMNS = {
    "graduates": ("student_id", "employer_id"),
    "employer_ratings": ("rating_id", "student_id", "employer_id", "rater_id"),
    "evaluations": ("student_id", "evaluator_id"),
}
#: Identifiers that look like numbers with at most this many digits are not matched as values.
ORDINARY_NUMBER_DIGITS = 6
#: Files not scanned as text (images); parquet files are read as tables.
BINARY_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif", ".webp", ".pdf", ".ico"})
#: Leaks listed per file in a message; the rest are counted.
SHOWN_PER_FILE = 3

_ORDINARY_NUMBER = re.compile(r"[+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
_SPACE = re.compile(r"\s+")
_WORD_RUN = re.compile(r"\w+")
_EMBEDDED = re.compile(r"data:image/[a-z+.-]+;base64,[A-Za-z0-9+/=\s\\]+")
_IMAGE_KEYS = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def normalise(text: str) -> str:
    """``text`` in the form the scan compares: NFKC, white space runs as one space, trimmed.

    Examples
    --------
    >>> normalise("\\u00a0S\\u00a0001 ")
    'S 001'
    """
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def is_ordinary_number(value: str) -> bool:
    """Whether an identifier reads like a number the report itself prints (at most
    :data:`ORDINARY_NUMBER_DIGITS` digits, no zero padding).

    Examples
    --------
    >>> [is_ordinary_number(v) for v in ["1", "-1", "2019", "0.5", "000123", "2019001234", "S1"]]
    [True, True, True, True, False, False, False]
    """
    return bool(_ORDINARY_NUMBER.fullmatch(value)) and sum(ch.isdigit() for ch in value.split(
        ".")[0]) <= ORDINARY_NUMBER_DIGITS


def identifier_values(tables: dict[str, pd.DataFrame]) -> set[str]:
    """Every identifier value of the input tables, normalised (:func:`normalise`), empty ones
    dropped."""
    values: set[str] = set()
    for name, cols in IDENTIFIER_COLUMNS.items():
        if name in tables:
            for col in cols:
                if col in tables[name]:
                    values |= {normalise(str(v)) for v in tables[name][col].dropna()}
    values.discard("")
    return values


class IdentifierIndex:
    """Identifier values indexed for whole-value and whole-token matching in text.

    Examples
    --------
    >>> index = IdentifierIndex({"S001", "学生甲", "7", "S 002"})
    >>> sorted(index.in_text("<td>S001</td> S0012 学生甲，n = 7; S 002"))
    ['S 002', 'S001', '学生甲']
    >>> index.equal("7"), index.equal(" S001 ")
    (False, True)
    """

    def __init__(self, values: Iterable[str]):
        self.values = {v for v in values if v and not is_ordinary_number(v)}
        self._by_run: dict[str, list[tuple[str, int]]] = {}
        self._no_word: list[tuple[str, re.Pattern]] = []
        for value in sorted(self.values):
            first = _WORD_RUN.search(value)
            if first is None:  # no letter or digit at all: a pattern of its own
                self._no_word.append(
                    (value, re.compile(r"(?<!\w)" + re.escape(value) + r"(?!\w)")))
            else:
                self._by_run.setdefault(first.group(), []).append((value, first.start()))

    def equal(self, cell: str) -> bool:
        """Whether a whole cell or string value is an identifier."""
        return normalise(cell) in self.values

    def in_text(self, text: str) -> set[str]:
        """Identifiers occurring in normalised ``text`` bounded by non-word characters."""
        text = normalise(text)
        hits: set[str] = set()
        for run in _WORD_RUN.finditer(text):
            for value, offset in self._by_run.get(run.group(), ()):
                start = run.start() - offset
                end = start + len(value)
                if start < 0 or text[start:end] != value:
                    continue
                if (start > 0 and _WORD_RUN.match(text[start - 1])) or (
                        end < len(text) and _WORD_RUN.match(text[end])):
                    continue
                hits.add(value)
        hits |= {value for value, pattern in self._no_word if pattern.search(text)}
        return hits


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def _walk_json(node, keys: set[str]) -> Iterable[str]:
    """The string values of a JSON document (embedded images left out); its keys go to
    ``keys``."""
    if isinstance(node, dict):
        for k, v in node.items():
            keys.add(str(k))
            if k not in _IMAGE_KEYS:
                yield from _walk_json(v, keys)
    elif isinstance(node, list):
        for item in node:
            yield from _walk_json(item, keys)
    elif isinstance(node, str):
        yield node


def scan_text(rel: str, content: str | bytes, index: IdentifierIndex,
              names: set[str]) -> tuple[set[str], set[str]]:
    """``(identifier values, identifier column names)`` found in one file's content; ``rel``'s
    suffix says how to read it."""
    suffix = Path(rel).suffix.lower()
    if isinstance(content, bytes):
        if suffix == ".parquet":
            frame = pd.read_parquet(io.BytesIO(content))
            content = frame.to_csv(index=False)
            suffix = ".csv"
        else:
            content = content.decode("utf-8", errors="replace")
    found: set[str] = set()
    columns: set[str] = set()
    folded = {n.casefold(): n for n in names}
    if suffix == ".csv":
        rows = _csv_rows(content)
        if rows:
            columns |= {folded[h] for h in (normalise(c).casefold() for c in rows[0])
                        if h in folded}
        for row in rows:
            for cell in row:
                if index.equal(cell):
                    found.add(normalise(cell))
                found |= index.in_text(cell)
    elif suffix in (".json", ".ipynb"):
        keys: set[str] = set()
        try:
            strings = list(_walk_json(json.loads(content), keys))
        except ValueError:
            strings = [content]
        columns |= {folded[k] for k in (normalise(k).casefold() for k in keys) if k in folded}
        for value in strings:
            value = _EMBEDDED.sub(" ", value)
            if index.equal(value):
                found.add(normalise(value))
            found |= index.in_text(html.unescape(value))
    else:
        found |= index.in_text(html.unescape(_EMBEDDED.sub(" ", content)))
    return found, columns


def scan_for_identifiers(report_dir: str | os.PathLike, tables: dict[str, pd.DataFrame],
                         staged: Mapping[str, str | bytes] | None = None) -> list[str]:
    """Every report file that contains an identifier column name or value of the input.

    Parameters
    ----------
    report_dir : path
        The report folder; its result files (:func:`talentlab.report.manifest.result_files`)
        and parquet files are scanned, images skipped.
    tables : dict of DataFrame
        The input's record tables, whose identifier columns (:data:`IDENTIFIER_COLUMNS`) give
        the values to look for.
    staged : mapping, optional
        Files not yet written (path relative to ``report_dir`` -> content): scanned instead of
        the file of that name on disk, so a build can refuse before writing anything.

    Returns
    -------
    list of str
        One line per file with a leak, naming the file and the values (escaped).

    Examples
    --------
    >>> import tempfile
    >>> tables = {"graduates": pd.DataFrame({"student_id": ["S-01", "1"],
    ...                                      "employer_id": ["E\\u00a07", None]})}
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     scan_for_identifiers(folder, tables, staged={"index.html": "<p>n = 1, E&nbsp;7</p>",
    ...                                                  "t.csv": "major,n\\nS-01,12\\n"})
    ["index.html: identifier value(s) 'E 7'", "t.csv: identifier value(s) 'S-01'"]
    """
    report_dir = Path(report_dir)
    staged = dict(staged or {})
    index = IdentifierIndex(identifier_values(tables))
    names = {c for cols in IDENTIFIER_COLUMNS.values() for c in cols}
    on_disk = [rel.as_posix() for rel in result_files(report_dir)]
    on_disk += [p.relative_to(report_dir).as_posix() for p in sorted(report_dir.rglob(
        "*.parquet")) if p.relative_to(report_dir).parts[0] != "datasets"]
    leaks = []
    for rel in sorted(set(on_disk) | set(staged)):
        if Path(rel).suffix.lower() in BINARY_SUFFIXES:
            continue
        content = staged[rel] if rel in staged else (report_dir / rel).read_bytes()
        values, columns = scan_text(rel, content, index, names)
        if columns:
            leaks.append(f"{rel}: identifier column(s) {', '.join(sorted(columns))}")
        if values:
            shown = ", ".join(repr(v) for v in sorted(values)[:SHOWN_PER_FILE])
            more = f" and {len(values) - SHOWN_PER_FILE} more" if len(
                values) > SHOWN_PER_FILE else ""
            leaks.append(f"{rel}: identifier value(s) {shown}{more}")
    return leaks


def check_identifiers(report_dir: str | os.PathLike, tables: dict[str, pd.DataFrame],
                      staged: Mapping[str, str | bytes] | None = None) -> None:
    """Raise :class:`talentlab.report.publish.PublicationError` naming each file and value when
    :func:`scan_for_identifiers` finds a leak."""
    from talentlab.report.publish import PublicationError

    leaks = scan_for_identifiers(report_dir, tables, staged)
    if leaks:
        raise PublicationError("identifiers of the input reached the report (nothing was "
                               "written) / 报告中出现了输入数据的标识符（未写入任何文件）:\n"
                               + "\n".join(f"  - {leak}" for leak in leaks))
