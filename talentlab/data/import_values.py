"""``talentlab import``: mapping the values of the tables found and converting their types.

The pieces of each table are joined, every field's cells are re-coded through the value maps and
converted (numbers, years, published rates in percent), each change is counted for the report,
and a value no map knows becomes a located problem (:func:`map_tables`). Part of
:mod:`talentlab.data.importer`.
"""

from __future__ import annotations

import bisect
import operator
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.data import readers
from talentlab.data.descriptor import ORIGINAL_SUFFIX
from talentlab.data.import_columns import (
    clean_text,
    contract_fields,
    convert_cell,
    convert_number,
    distinct_codes,
    object_array,
    percent_from_proportion,
    text_column,
)
from talentlab.data.import_headers import RESPONSE_NUMBER_IDS, FoundTables, Piece
from talentlab.data.mappings import DERIVE_JOIN, PUBLISHED_RATES, Mappings
from talentlab.data.problems import Problem


@dataclass
class ValueTally:
    """What the value step did, counted for the report.

    Attributes
    ----------
    value_counts : Counter
        (table, field, from, to, source) -> cells re-coded by a value map.
    conv_counts : Counter
        (table, field, rule) -> cells converted (a number or year stored as text ...).
    conv_examples : dict
        (table, field, rule) -> up to three examples ``from → to``.
    unmapped : dict
        (table, field, value) -> record positions of a value no map knows.
    rate_mixes : list
        Rate columns mixing percentages and proportions: (table, field, {kind: (text, position)}).
    """

    value_counts: Counter = field(default_factory=Counter)  # (table, field, from, to, source)
    conv_counts: Counter = field(default_factory=Counter)   # (table, field, rule)
    conv_examples: dict = field(default_factory=dict)       # (table, field, rule) -> examples
    unmapped: dict = field(default_factory=dict)            # (table, field, value) -> positions
    #: rate columns mixing percentages and proportions: (table, field, {kind: (text, position)})
    rate_mixes: list = field(default_factory=list)


class RecordLocations(Sequence):
    """The ``(piece, sheet row)`` of each record of a table, in record order, looked up when
    asked (a problem's record): a tuple per record cost more than mapping 100,000 records.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> a, b = SimpleNamespace(rows=[2, 3]), SimpleNamespace(rows=[5])
    >>> locs = RecordLocations([a, b])
    >>> len(locs), locs[1] == (a, 3), locs[2] == (b, 5), locs[-1] == (b, 5)
    (3, True, True, True)
    """

    def __init__(self, pieces: list[Piece]):
        self._pieces = list(pieces)
        self._starts = [0]
        for p in self._pieces:
            self._starts.append(self._starts[-1] + len(p.rows))

    def __len__(self) -> int:
        return self._starts[-1]

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = operator.index(k)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(f"record {k} of {len(self)}")
        j = bisect.bisect_right(self._starts, k) - 1
        piece = self._pieces[j]
        return piece, piece.rows[k - self._starts[j]]


@dataclass
class MappedTables:
    """The record tables as contract text, and where each record came from.

    Attributes
    ----------
    by_table : dict of str to list of Piece
        The pieces of each table, in the order found.
    texts : dict of str to DataFrame
        Each table as contract text (categorical columns of the distinct texts).
    originals : dict
        Table -> field -> the cells as read.
    locs : dict of str to RecordLocations
        Table -> (piece, sheet row) of each record.
    empty_fields : dict of str to list of str
        Optional fields no file of the table has (left empty, reported).
    unmapped_probs : list of LocatedProblem
        One per cell no value map knows.
    tally : ValueTally
    derived_fields : set of tuple
        (table, field) the mapping file derives from several columns.
    column_problems : list of Problem
        Problems of a whole column that no row can fix (a rate column mixing % and proportions).
    """

    by_table: dict[str, list[Piece]]
    texts: dict[str, pd.DataFrame]
    originals: dict[str, dict[str, list]]                    # table -> field -> cells as read
    locs: dict[str, RecordLocations]                        # table -> (piece, row) per record
    empty_fields: dict[str, list[str]]
    unmapped_probs: list[LocatedProblem]
    tally: ValueTally
    derived_fields: set[tuple[str, str]] = field(default_factory=set)  # (table, field)
    #: problems of a whole column that no row can fix (a rate column mixing % and proportions)
    column_problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class LocatedProblem:
    """A problem of one record: the problem as the user sees it (file, sheet, row), and the
    record's table and position among the table's records (to drop it).

    Examples
    --------
    >>> LocatedProblem(Problem("g.csv", 2, "cohort", "20x9", "not a whole number"),
    ...                "graduates", 0).pos
    0
    """

    problem: Problem
    table: str
    pos: int


def map_tables(found: FoundTables, m: Mappings, report: dict) -> MappedTables:
    """Join the pieces of each table, map and convert their values; unmapped values are listed
    in ``report["unmapped_values"]`` and become problems.

    Parameters
    ----------
    found : FoundTables
        The tables found (:func:`talentlab.data.import_headers.find_tables`).
    m : Mappings
        Aliases, value maps, constants and derive rules.
    report : dict
        The import report; ``unmapped_values`` is appended to.

    Returns
    -------
    MappedTables

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from talentlab.data.mappings import build_mappings
    >>> from talentlab.data.import_headers import find_tables
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "去向.csv"
    >>> _ = path.write_text("学号,届别,毕业去向\\nG1,2021届,升学\\n", encoding="utf-8")
    >>> m = build_mappings(None)
    >>> report = {"files": [], "columns": [], "unmapped_headers": [], "unmapped_values": []}
    >>> mapped = map_tables(find_tables([path], m, None, report), m, report)
    >>> mapped.texts["graduates"]["cohort"].tolist()
    ['2021']
    """
    by_table: dict[str, list[Piece]] = {}
    for p in found.pieces:
        by_table.setdefault(p.table, []).append(p)
    tally = ValueTally()
    for (t, n), c in found.id_conversions.items():
        rule = f"questionnaire response number → {n} {RESPONSE_NUMBER_IDS[n]}00001 …"
        tally.conv_counts[(t, n, rule)] += c
        tally.conv_examples[(t, n, rule)] = {f"1 → {RESPONSE_NUMBER_IDS[n]}00001"}
    mapped = MappedTables(by_table, {}, {}, {}, {}, [], tally,
                     {(t, n) for t, per in m.derived.items() for n in per})
    for table, plist in by_table.items():
        orig, present, left_empty = _gather_fields(table, plist, m)
        mapped.locs[table] = RecordLocations(plist)
        mapped.empty_fields[table] = left_empty
        mapped.originals[table] = orig
        mapped.texts[table] = _convert_table(m, table, orig, present, tally)
    mapped.column_problems = _rate_mix_problems(tally.rate_mixes, mapped.locs)
    mapped.unmapped_probs = _unmapped_value_problems(tally.unmapped, mapped.locs, report)
    return mapped


def _gather_fields(table: str, plist: list[Piece], m: Mappings
                   ) -> tuple[dict[str, np.ndarray], set[str], list[str]]:
    """``(field -> cells as read, fields present, optional fields left empty)`` of a table.

    A cell is ``None`` where its piece has no such column; the mapping file's constants fill
    theirs; an optional field no file has is left empty (and reported).
    """
    spec = contract_fields(table)
    names = list(spec)
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    present: set[str] = set()
    for p in plist:
        idx = {name: k for k, name in enumerate(p.columns.values())}
        present |= set(idx)
        n_rows = len(p.rows)
        for n in names:
            if n in idx:
                parts[n].append(p.cells[idx[n]])
            elif n in m.constants.get(table, {}):
                parts[n].append(object_array([m.constants[table][n]] * n_rows))
            else:
                parts[n].append(np.full(n_rows, None, dtype=object))  # absent in this piece
    orig = {n: ps[0] if len(ps) == 1 else np.concatenate(ps) if ps else
            np.empty(0, dtype=object) for n, ps in parts.items()}
    present |= set(m.constants.get(table, {}))
    # a column the contract lets a table leave out (``count``: one graduate per row; student_id
    # beside a count) stays out rather than empty
    absent_ok = {n for n in names if n not in present and (
        spec[n].get("optional_column") or spec[n].get("optional_when_column") in present)}
    for n in absent_ok:
        orig.pop(n)
    names = [n for n in names if n not in absent_ok]
    left_empty = [n for n in names if n not in present
                  and not spec[n].get("constraints", {}).get("required")]
    n_records = sum(len(p.rows) for p in plist)
    for n in left_empty:  # an optional field the export does not have: empty, and reported
        present.add(n)
        orig[n] = np.full(n_records, None, dtype=object)
    return orig, present, left_empty


def _convert_table(m: Mappings, table: str, orig: dict[str, list], present: set[str],
                   tally: ValueTally) -> pd.DataFrame:
    """The table as contract text; a field re-coded to a contract level keeps
    ``<field>_original``."""
    spec = contract_fields(table)
    names = [n for n in spec if n in orig]
    cols, changed_enum, distinct = {}, set(), {}
    for n in names:
        distinct[n] = distinct_codes(orig[n])
        cols[n], changed = _convert_column(m, table, spec[n], distinct[n], tally)
        if changed:
            changed_enum.add(n)
    text = pd.DataFrame({n: cols[n] for n in names if n in present})
    for n in names:
        if n in changed_enum:
            codes, values = distinct[n]
            text[n + ORIGINAL_SUFFIX] = text_column([
                "" if readers.is_missing(v) else v.strip() for v in values], codes)
    return text


def _convert_column(m: Mappings, table: str, fdesc: dict, distinct: tuple[np.ndarray, list],
                    tally: ValueTally) -> tuple[pd.Categorical, bool]:
    """``(converted cells, whether a value was re-coded to a contract level)`` of a column given
    by :func:`distinct_codes`; each map, conversion and unmapped value is counted in ``tally``.

    Each distinct text is converted once (:func:`convert_cell`) and counted by how many cells
    hold it; the conversion examples are the first three in the order of the cells, and an
    unmapped value lists its record positions in order."""
    n = fdesc["name"]
    codes, values = distinct
    if table == PUBLISHED_RATES and n == "rate":
        return _convert_rates(m, table, fdesc, distinct, tally), False
    if _text_without_maps(m, table, fdesc):  # identifiers, names: often one value per record
        return text_column(_trimmed_texts(values), codes), False
    changed_enum = False
    counts = np.bincount(codes + 1, minlength=len(values) + 1)[1:]
    converted, unmapped = [], []
    for u, (raw_text, count) in enumerate(zip(values, counts.tolist(), strict=True)):
        out_text, event = convert_cell(m, table, fdesc, raw_text)
        converted.append(out_text)
        if event is None:
            continue
        kind, t = event[0], raw_text.strip()
        if kind == "map":
            tally.value_counts[(table, n, t, out_text, event[1])] += count
            changed_enum = changed_enum or event[2]
        elif kind == "conv":
            tally.conv_counts[(table, n, event[1])] += count
            ex = tally.conv_examples.setdefault((table, n, event[1]), set())
            if len(ex) < 3:
                ex.add(f"{t} → {out_text}")
        else:
            unmapped.append(u)
    if unmapped:
        _positions_of_unmapped(table, n, codes, values, unmapped, tally)
    return text_column(converted, codes), changed_enum


def _convert_rates(m: Mappings, table: str, fdesc: dict, distinct: tuple[np.ndarray, list],
                   tally: ValueTally) -> pd.Categorical:
    """A published rate column as the contract writes it: in percent, decimals as published.

    A rate is written three ways: ``95.30%`` (the sign is dropped: ``95.30``), ``95.3`` (percent
    already) or ``0.953`` (a proportion: a workbook cell formatted as a percentage is read as
    one). A column whose every number is at most 1 holds proportions, each turned into percent by
    moving the decimal point, exactly and keeping what the rounding says (``0.953`` -> ``95.3``,
    1 decimal). A column holding proportions beside percentages (``0.953`` next to ``95.30%`` or
    ``93.1``) is refused (:func:`_rate_mix_problems`): ``0.95`` could be either 0.95 % or 95 %,
    and guessing per cell would publish one of them wrong. 0 is the same on both scales.
    """
    n = fdesc["name"]
    codes, values = distinct
    counts = np.bincount(codes + 1, minlength=len(values) + 1)[1:]
    converted: list[str] = []
    numbers: dict[int, tuple[str, str]] = {}  # distinct value -> (kind, number as written)
    unmapped: list[int] = []
    for u, raw_text in enumerate(values):
        t = raw_text.strip()
        hit = None if readers.is_missing(t) else m.map_value(table, n, t)
        if readers.is_missing(t) or hit is not None:
            converted.append("" if hit is None else hit.target)
            if hit is not None:
                tally.value_counts[(table, n, t, hit.target, hit.source)] += int(counts[u])
            continue
        c = clean_text(t).replace(" ", "")
        percent = c.endswith("%")
        num = convert_number(c[:-1] if percent else c)
        if num is None:
            converted.append(t)
            unmapped.append(u)
            continue
        x = float(num)
        kind = ("percent" if percent else "zero" if x == 0 else
                "proportion" if x <= 1 else "percent without %")
        numbers[u] = (kind, num)
        converted.append(num)
    kinds = {k for k, _ in numbers.values()}
    first = {}
    for u, (kind, _) in numbers.items():  # values come in order of first appearance
        first.setdefault(kind, u)
    if "proportion" in kinds and kinds & {"percent", "percent without %"}:
        where = {k: (values[u].strip(), int(np.flatnonzero(codes == u)[0]))
                 for k, u in first.items() if k != "zero"}
        tally.rate_mixes.append((table, n, where))
    for u, (kind, num) in numbers.items():
        if kind == "percent":
            rule = "percent sign dropped (the contract's rate is in percent)"
        elif kind == "proportion" and "proportion" in kinds and not kinds & {
                "percent", "percent without %"}:
            rule = "proportion → percent (the column's numbers are all at most 1)"
            converted[u] = percent_from_proportion(num)
        else:
            continue
        tally.conv_counts[(table, n, rule)] += int(counts[u])
        ex = tally.conv_examples.setdefault((table, n, rule), set())
        if len(ex) < 3:
            ex.add(f"{values[u].strip()} → {converted[u]}")
    if unmapped:
        _positions_of_unmapped(table, n, codes, values, unmapped, tally)
    return text_column(converted, codes)


def _rate_mix_problems(mixes: list, locs: dict[str, RecordLocations]) -> list[Problem]:
    """One problem per rate column that mixes proportions with percentages, naming the first
    cell of each kind (file, sheet, row, value). Not a row problem: dropping rows cannot say
    which scale the column is on."""
    problems = []
    for table, n, where in mixes:
        shown = [(kind, text, *locs[table][pos]) for kind, (text, pos) in where.items()]
        listed = " and ".join(f"{kind} '{text}' ({piece.label} row {row})"
                           for kind, text, piece, row in shown)
        kind, text, piece, row = next(x for x in shown if x[0] == "proportion")
        problems.append(Problem(piece.label, row, n, text, (
            f"the column mixes proportions and percentages ({listed}): a rate column holds one "
            "scale, either every rate in percent (95.3 or 95.3%) or every rate as a proportion "
            "(0.953); write it one way in the file / 同一列中比例(0.953)与百分数(95.3%)混用，"
            "请统一为一种写法"), header=piece.headers.get(n)))
    return problems


#: The missing-value markers as :func:`talentlab.data.readers.is_missing` compares them.
_MISSING_NORMALISED = frozenset(unicodedata.normalize("NFKC", m).strip()
                                for m in readers.MISSING_VALUES)


def _is_missing_trimmed(text: str) -> bool:
    """:func:`talentlab.data.readers.is_missing` of a trimmed text; an ASCII text is its own
    NFKC form, so it is looked up without normalising (an identifier column of 100,000
    distinct values)."""
    return text in _MISSING_NORMALISED if text.isascii() else readers.is_missing(text)


def _trimmed_texts(values: list[str]) -> list[str]:
    """Each text trimmed, a missing marker as ''; the per-text steps run at C speed (``map``),
    and only a text that is not ASCII or is a marker as written is looked at in Python (an
    identifier column has as many texts as records)."""
    trimmed = list(map(str.strip, values))
    n = len(trimmed)
    marker = np.fromiter(map(_MISSING_NORMALISED.__contains__, trimmed), dtype=bool, count=n)
    if "".join(trimmed).isascii():  # identifiers: only the markers as written to look at
        ascii_ = np.ones(n, dtype=bool)
    else:
        ascii_ = np.fromiter(map(str.isascii, trimmed), dtype=bool, count=n)
    for i in np.flatnonzero(marker | ~ascii_).tolist():
        if _is_missing_trimmed(trimmed[i]):
            trimmed[i] = ""
    return trimmed


def _text_without_maps(m: Mappings, table: str, fdesc: dict) -> bool:
    """Whether :func:`convert_cell` can only trim a field's text (or empty a missing marker):
    free text (no levels, not a number or yes/no) with no value map, derive rule or yes/no
    word that :meth:`Mappings.map_value` could apply."""
    name = fdesc["name"]
    return (fdesc["type"] not in ("boolean", "integer", "number")
            and fdesc.get("constraints", {}).get("enum") is None
            and not m.values.get(table, {}).get(name)
            and name not in m.derived.get(table, {}))


def _positions_of_unmapped(table: str, n: str, codes: np.ndarray, values: list,
                           unmapped: list[int], tally: ValueTally) -> None:
    """Record positions of the unmapped values, by value as written (trimmed), in order."""
    is_unmapped = np.zeros(len(values), dtype=bool)
    is_unmapped[unmapped] = True
    pos = np.flatnonzero(is_unmapped[codes] & (codes >= 0))
    order = np.argsort(codes[pos], kind="stable")
    sorted_codes = codes[pos][order]
    bounds = np.flatnonzero(np.diff(sorted_codes)) + 1
    groups = np.split(pos[order], bounds)
    by_code = {int(sorted_codes[g0]): grp for g0, grp in
               zip(np.r_[0, bounds].astype(int).tolist(), groups, strict=True)}
    merged: set[tuple] = set()
    for u in unmapped:  # in order of first appearance, as the cells come
        key = (table, n, values[u].strip())
        if key in tally.unmapped:
            merged.add(key)  # two texts trimmed to one value: their positions interleave
        tally.unmapped.setdefault(key, []).extend(by_code[u].tolist())
    for key in merged:
        tally.unmapped[key].sort()


def _unmapped_value_problems(unmapped: dict, locs: dict, report: dict) -> list[LocatedProblem]:
    """One problem per cell no value map knows; each value listed in
    ``report["unmapped_values"]`` with its rows."""
    problems = []
    for (table, n, value), ks in sorted(unmapped.items(), key=lambda kv: (kv[0][0], kv[0][1],
                                                                           kv[1][0])):
        rows_ = []
        for k in ks:
            p, r = locs[table][k]
            rows_.append({"file": p.file, "sheet": p.sheet, "row": r})
            rule = _unmapped_rule(contract_fields(table)[n])
            if DERIVE_JOIN in value or (value and n in p.headers
                                        and DERIVE_JOIN in p.headers[n]):
                rule = rule.replace("add it under `values`",
                                    f"add the combination under `derive: {table}: {n}: values`")
            problems.append(LocatedProblem(Problem(p.label, r, n, value, rule,
                                             header=p.headers.get(n)), table, k))
        report["unmapped_values"].append({"table": table, "field": n, "value": value,
                                          "count": len(ks), "rows": rows_})
    return problems


def _unmapped_rule(fdesc: dict) -> str:
    enum = fdesc.get("constraints", {}).get("enum")
    if enum is not None:
        return ("value is not a contract level and no value map knows it (levels: "
                + ", ".join(enum) + "); add it under `values` in mapping.yaml")
    if fdesc["type"] == "boolean":
        return "not a yes/no value (是/否, true/false …); add it under `values` in mapping.yaml"
    return f"not a {'whole number' if fdesc['type'] == 'integer' else 'number'}"
