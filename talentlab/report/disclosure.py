"""Statistical disclosure control for every table talentlab publishes.

The rule is :mod:`talentlab.data.disclosure`'s: no published number describes fewer than
``min_cell`` people (default :data:`~talentlab.data.disclosure.MIN_CELL` = 10, never below
:data:`~talentlab.data.disclosure.MIN_CELL_FLOOR` = 5).

* **Primary suppression**: every count ``0 < n < min_cell`` is hidden (zeros stay: an empty cell
  describes nobody).
* **Secondary (complementary) suppression**: a hidden cell must not follow from the published
  cells and margins by *any* linear combination, not only from one row or column (a hidden
  row total of 7 is recoverable as 60 + 53 - 106 from a table's column totals and the other row
  totals). :func:`feasible_ranges` solves, by linear programming (``scipy.optimize.linprog``,
  HiGHS), for each hidden cell's smallest and largest value given every published cell, every
  additive relation (a row, a column or a block adds up to its total) and non-negativity; a
  hidden cell whose range is narrower than the threshold is disclosed (the audit of
  Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, §4.3). The suppression
  routines add complementary cells until the audit passes (:func:`protect`), deterministically.

The audit assumes what an intruder can assume: published values, the relations and counts >= 0;
it does not trust a ``<10`` mark as an upper bound (complementary cells carry the same mark).
It is bounded: a table with more than :data:`MAX_AUDIT_CELLS` cells (margins included) is refused
with a :class:`ValueError`; publish such a table in parts.

What it does not cover: attribute disclosure by a 0 % or 100 % share (if every graduate of a
published group was placed, so was each member of its hidden subgroups), and relations between
*different* indicators' bases beyond the group size (one base nested in another gives bounds).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.data.disclosure import MIN_CELL, check_min_cell

SUPPRESSED_MARK = "<{min_cell}"
#: Largest table (cells, margins included) the audit accepts: two small linear programmes per
#: hidden cell; a 20 x 20 table with margins (441 cells, 140 hidden) takes about 3 s to audit
#: and 5 s to protect on one shared core.
MAX_AUDIT_CELLS = 500
#: Columns of a tidy table that count people (or employers) of the row's group: blanked with the
#: row whatever ``value_cols`` says.
GROUP_COUNT_COLUMNS = ("n", "numerator", "denominator", "n_excluded", "n_unknown", "n_clusters",
                       "n_students", "n_graduates", "events", "censored", "n_at_risk")
#: Columns of a tidy table that are parameters of the computation, not data: never blanked.
PARAMETER_COLUMNS = frozenset({"confidence", "suppressed"})
_TOLERANCE = 1e-6

#: An additive relation between cells: ``sum(values[parts]) == values[total]``.
Relation = tuple[Sequence[int], int]


class NotAdditive(ValueError):
    """The published values contradict the relations: the table is not one of additive counts."""


# ----------------------------------------------------------------------------------------------
# the audit
# ----------------------------------------------------------------------------------------------
def _components(hidden_idx: np.ndarray, relations: Sequence[Relation]) -> list[tuple[list[int],
                                                                                list[int]]]:
    """Hidden cells linked through relations, with the relations that involve them."""
    parent = {int(i): int(i) for i in hidden_idx}

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    involved: list[tuple[int, list[int]]] = []
    for r, (parts, total) in enumerate(relations):
        cells = [int(c) for c in (*parts, total) if int(c) in parent]
        if cells:
            involved.append((r, cells))
            root = find(cells[0])
            for c in cells[1:]:
                other = find(c)
                if other != root:
                    parent[other] = root
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for i in parent:
        groups.setdefault(find(i), ([], []))[0].append(i)
    for r, cells in involved:
        groups[find(cells[0])][1].append(r)
    return [(sorted(cells), rels) for cells, rels in groups.values()]


def feasible_ranges(values, hidden, relations: Sequence[Relation],
                    cells: Sequence[int] | None = None) -> dict[int, tuple[float, float]]:
    """The smallest and largest value each hidden cell can take, given the published cells.

    Parameters
    ----------
    values : array-like of float
        Every cell of the table (margins included), flattened; hidden cells' values are ignored.
    hidden : array-like of bool
        Which cells are not published.
    relations : sequence of (parts, total)
        Additive relations ``sum(values[parts]) == values[total]`` (a row and its total ...).
    cells : sequence of int, optional
        The hidden cells to solve for (default: every hidden cell).

    Returns
    -------
    dict
        ``{cell: (minimum, maximum)}``; the maximum is ``inf`` when nothing bounds the cell.

    Raises
    ------
    NotAdditive
        A relation between published cells does not hold, or no table fits the published cells.

    Notes
    -----
    Each hidden cell is a variable >= 0; each relation an equality. The hidden cells fall into
    independent groups (linked by relations); a group held by one relation whose total is
    published has the closed-form range ``[0, rest]`` (``[rest, rest]`` for a lone cell), every
    other group is solved twice per cell with ``scipy.optimize.linprog`` (HiGHS).

    Examples
    --------
    >>> from talentlab.report.disclosure import feasible_ranges
    >>> # cells 0..2 add up to cell 3 (published 20); cells 0 and 1 hidden
    >>> feasible_ranges([5, 8, 7, 20], [True, True, False, False], [([0, 1, 2], 3)])
    {0: (0.0, 13.0), 1: (0.0, 13.0)}
    """
    from scipy.optimize import linprog

    values = np.asarray(values, dtype=float)
    hidden = np.asarray(hidden, dtype=bool)
    hidden_idx = np.flatnonzero(hidden)
    wanted = set(int(c) for c in (hidden_idx if cells is None else cells))
    for parts, total in relations:  # relations among published cells alone must hold
        members = [int(c) for c in (*parts, total)]
        if not hidden[members].any():
            gap = values[list(parts)].sum() - values[total] if len(parts) else -values[total]
            if abs(gap) > _TOLERANCE * max(1.0, abs(values[total])):
                raise NotAdditive(f"published cells {list(parts)} add up to "
                                  f"{values[list(parts)].sum():g}, not to their total "
                                  f"{values[total]:g}")
    out: dict[int, tuple[float, float]] = {}
    for comp_cells, comp_rels in _components(hidden_idx, relations):
        if not wanted & set(comp_cells):
            continue
        index = {c: k for k, c in enumerate(comp_cells)}
        a_eq = np.zeros((len(comp_rels), len(comp_cells)))
        b_eq = np.zeros(len(comp_rels))
        for row, r in enumerate(comp_rels):
            parts, total = relations[r]
            for c, sign in [(int(p), 1.0) for p in parts] + [(int(total), -1.0)]:
                if c in index:
                    a_eq[row, index[c]] += sign
                else:
                    b_eq[row] -= sign * values[c]
        if not comp_rels:
            out.update({c: (0.0, np.inf) for c in comp_cells if c in wanted})
            continue
        if len(comp_rels) == 1 and np.all(a_eq[0] == 1.0):
            rest = float(b_eq[0])
            if rest < -_TOLERANCE:
                raise NotAdditive(f"published cells exceed their total by {-rest:g}")
            rest = max(rest, 0.0)
            low = rest if len(comp_cells) == 1 else 0.0
            out.update({c: (low, rest) for c in comp_cells if c in wanted})
            continue
        bounds = [(0, None)] * len(comp_cells)
        for c in comp_cells:
            if c not in wanted:
                continue
            ends = []
            for sign in (1.0, -1.0):
                cost = np.zeros(len(comp_cells))
                cost[index[c]] = sign
                res = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
                if res.status == 2:
                    raise NotAdditive("no table of non-negative counts fits the published cells")
                if res.status == 3:  # unbounded: only the maximum can be
                    ends.append(np.inf)
                elif res.status != 0:
                    raise RuntimeError(f"disclosure audit: linprog failed ({res.message})")
                else:
                    ends.append(sign * res.fun)
            low, high = ends[0], ends[1]
            out[c] = (round(low, 6) + 0.0, high if np.isinf(high) else round(high, 6) + 0.0)
    return out


def disclosed_cells(values, hidden, relations: Sequence[Relation], min_cell: int = MIN_CELL,
                    cells: Sequence[int] | None = None) -> dict[int, tuple[float, float]]:
    """The hidden cells whose feasible range (:func:`feasible_ranges`) is narrower than
    ``min_cell``, with their ranges: an intruder knows each of them to within fewer than
    ``min_cell`` people.

    Examples
    --------
    >>> from talentlab.report.disclosure import disclosed_cells
    >>> disclosed_cells([3, 4, 30, 37], [True, True, False, False], [([0, 1, 2], 3)])
    {0: (0.0, 7.0), 1: (0.0, 7.0)}
    """
    min_cell = check_min_cell(min_cell)
    ranges = feasible_ranges(values, hidden, relations, cells)
    return {c: r for c, r in sorted(ranges.items()) if r[1] - r[0] < min_cell - _TOLERANCE}


def check_audit_size(n_cells: int, what: str) -> None:
    """Refuse a table of more than :data:`MAX_AUDIT_CELLS` cells (``what`` names it): the
    linear programming audit's cost grows with the cells."""
    if n_cells > MAX_AUDIT_CELLS:
        raise ValueError(f"{what} has {n_cells} cells, more than the disclosure audit handles "
                         f"({MAX_AUDIT_CELLS}); publish it in parts / 表格过大（{n_cells} 个单元格，"
                         f"上限 {MAX_AUDIT_CELLS}），请分表发布")


def protect(values, primary, relations: Sequence[Relation], min_cell: int = MIN_CELL,
            suppressible=None, cost=None) -> tuple[np.ndarray, list[int]]:
    """Primary plus complementary suppressions under which every hidden cell's feasible range
    is at least ``min_cell`` wide.

    Greedy and deterministic: take the first hidden cell (by index) that the audit discloses;
    among the published non-zero cells sharing a relation with it or with a hidden cell linked
    to it, hide the cheapest one that widens its range to the threshold (cheapest: lowest
    ``cost``, then smallest value, then index); if none does, the cheapest one that widens it
    at all; if none does, the cheapest. Hiding a cell only widens the others' ranges, so a
    cell that passed stays passed and the loop ends after at most one pass over the cells.

    Parameters
    ----------
    values : array-like of float
        True values of every cell, margins included.
    primary : array-like of bool
        Cells that must be hidden.
    relations : sequence of (parts, total)
        Additive relations, as for :func:`feasible_ranges`.
    min_cell : int
        The disclosure threshold.
    suppressible : array-like of bool, optional
        Cells that may be hidden as complements (default: every cell).
    cost : array-like of float, optional
        Preference among complements (default 0 for every cell; e.g. 1 for margins).

    Returns
    -------
    hidden : numpy.ndarray of bool
    still_disclosed : list of int
        Hidden cells no complement could protect (e.g. a published total below the threshold).

    Examples
    --------
    >>> from talentlab.report.disclosure import protect
    >>> hidden, left = protect([3, 12, 30, 45], [True, False, False, False], [([0, 1, 2], 3)])
    >>> hidden.tolist(), left
    ([True, True, False, False], [])
    """
    min_cell = check_min_cell(min_cell)
    values = np.asarray(values, dtype=float)
    check_audit_size(len(values), "the table")
    hidden = np.asarray(primary, dtype=bool).copy()
    suppressible = np.ones(len(values), bool) if suppressible is None else np.asarray(
        suppressible, dtype=bool)
    cost = np.zeros(len(values)) if cost is None else np.asarray(cost, dtype=float)
    members = [[int(c) for c in (*parts, total)] for parts, total in relations]
    by_cell: dict[int, list[int]] = {}
    for r, cells in enumerate(members):
        for c in cells:
            by_cell.setdefault(c, []).append(r)
    passed: set[int] = set()
    stuck: set[int] = set()

    def width(mask, cell) -> float:
        low, high = feasible_ranges(values, mask, relations, [cell])[cell]
        return high - low

    while True:
        target = None
        for c in np.flatnonzero(hidden):
            c = int(c)
            if c in passed or c in stuck:
                continue
            if width(hidden, c) >= min_cell - _TOLERANCE:
                passed.add(c)
            else:
                target = c
                break
        if target is None:
            break
        linked = {target}
        frontier = [target]
        while frontier:  # hidden cells linked to the target through relations
            c = frontier.pop()
            for r in by_cell.get(c, []):
                for other in members[r]:
                    if hidden[other] and other not in linked:
                        linked.add(other)
                        frontier.append(other)
        candidates = sorted({o for c in linked for r in by_cell.get(c, []) for o in members[r]
                             if not hidden[o] and suppressible[o] and values[o] > 0},
                            key=lambda o: (cost[o], values[o], o))
        if not candidates:
            stuck.add(target)
            continue
        now = width(hidden, target)
        best = widening = None
        for o in candidates:
            trial = hidden.copy()
            trial[o] = True
            w = width(trial, target)
            if w >= min_cell - _TOLERANCE:
                best = o
                break
            if widening is None and w > now + _TOLERANCE:
                widening = o
        choice = best if best is not None else (widening if widening is not None
                                                  else candidates[0])
        hidden[choice] = True
    still = sorted(c for c in stuck
                   if width(hidden, c) < min_cell - _TOLERANCE)
    return hidden, still


# ----------------------------------------------------------------------------------------------
# two-way tables
# ----------------------------------------------------------------------------------------------
def crosstab_relations(n_rows: int, n_cols: int) -> list[Relation]:
    """The relations of an ``n_rows`` x ``n_cols`` table laid out with its margins as an
    ``(n_rows + 1) x (n_cols + 1)`` grid (row totals last column, column totals last row),
    flattened row by row."""
    width = n_cols + 1

    def at(i, j):
        return i * width + j

    rels: list[Relation] = [([at(i, j) for j in range(n_cols)], at(i, n_cols))
                            for i in range(n_rows + 1)]
    rels += [([at(i, j) for i in range(n_rows)], at(n_rows, j)) for j in range(n_cols + 1)]
    return rels


def _protect_grid(grid: np.ndarray, primary: np.ndarray, min_cell: int,
                  margins_suppressible: bool) -> np.ndarray:
    n_rows, n_cols = grid.shape[0] - 1, grid.shape[1] - 1
    margin = np.zeros(grid.shape, bool)
    margin[-1, :] = margin[:, -1] = True
    cost = margin.astype(float)
    cost[-1, -1] = 2.0
    suppressible = np.ones(grid.shape, bool) if margins_suppressible else ~margin
    hidden, _ = protect(grid.ravel(), primary.ravel(), crosstab_relations(n_rows, n_cols),
                        min_cell, suppressible=suppressible.ravel(), cost=cost.ravel())
    return hidden.reshape(grid.shape)


def _grid(counts: pd.DataFrame) -> np.ndarray:
    values = counts.to_numpy(dtype=float)
    grid = np.zeros((values.shape[0] + 1, values.shape[1] + 1))
    grid[:-1, :-1] = values
    grid[:-1, -1] = values.sum(axis=1)
    grid[-1, :] = grid[:-1, :].sum(axis=0)
    return grid


def suppression_mask(counts: pd.DataFrame, min_cell: int = MIN_CELL) -> pd.DataFrame:
    """Cells to hide in a two-way table of counts whose row and column totals are published.

    Primary: ``0 < count < min_cell``; complementary cells (never zeros, never the totals) until
    no hidden cell can be narrowed to fewer than ``min_cell`` people (:func:`protect`).

    Examples
    --------
    >>> t = pd.DataFrame({"a": [3, 40, 50], "b": [30, 40, 50]}, index=["x", "y", "z"])
    >>> int(suppression_mask(t).to_numpy().sum())   # 3 and the cells needed to protect it
    4
    """
    min_cell = check_min_cell(min_cell)
    check_audit_size((counts.shape[0] + 1) * (counts.shape[1] + 1), "the table")
    grid = _grid(counts)
    primary = np.zeros(grid.shape, bool)
    primary[:-1, :-1] = (grid[:-1, :-1] > 0) & (grid[:-1, :-1] < min_cell)
    hidden = _protect_grid(grid, primary, min_cell, margins_suppressible=False)
    return pd.DataFrame(hidden[:-1, :-1], index=counts.index, columns=counts.columns)


def suppress_crosstab(counts: pd.DataFrame, min_cell: int = MIN_CELL,
                      margins: bool = True) -> pd.DataFrame:
    """A publishable version of a two-way count table: hidden cells shown as ``<min_cell``.

    With ``margins`` the table gets a ``Total`` column and row; a total below the threshold is
    hidden too, and the complementary suppressions (cells or totals) make every hidden cell's
    range, given everything published, at least ``min_cell`` wide.

    Examples
    --------
    >>> t = pd.DataFrame({"2019": [30, 27, 3], "2020": [25, 24, 4]}, index=["A", "B", "M"])
    >>> suppress_crosstab(t)
          2019 2020 Total
    A       30   25    55
    B      <10  <10   <10
    M      <10  <10   <10
    Total   60   53   113
    """
    min_cell = check_min_cell(min_cell)
    mark = SUPPRESSED_MARK.format(min_cell=min_cell)
    if not margins:
        return counts.astype("object").mask(suppression_mask(counts, min_cell), mark)
    check_audit_size((counts.shape[0] + 1) * (counts.shape[1] + 1), "the table")
    grid = _grid(counts)
    primary = (grid > 0) & (grid < min_cell)
    hidden = _protect_grid(grid, primary, min_cell, margins_suppressible=True)
    full = counts.copy()
    full["Total"] = counts.sum(axis=1)
    full.loc["Total"] = full.sum(axis=0)
    return full.astype("object").mask(hidden, mark)


# ----------------------------------------------------------------------------------------------
# tidy tables
# ----------------------------------------------------------------------------------------------
def _block_keys(table: pd.DataFrame, by: Sequence[str]) -> list[str]:
    return [c for c in ("indicator", "statistic") if c in table.columns] + list(by[:-1])


def _protect_blocks(values: np.ndarray, primary: np.ndarray, block_of: np.ndarray,
                    min_cell: int) -> np.ndarray:
    """Complementary suppression in one-way blocks whose totals are taken as published."""
    hidden = primary.copy()
    for block in pd.unique(block_of):
        idx = np.flatnonzero(block_of == block)
        if not hidden[idx].any():
            continue
        cells = np.append(values[idx], values[idx].sum())  # the block total, published
        mask, _ = protect(cells, np.append(hidden[idx], False),
                          [(list(range(len(idx))), len(idx))], min_cell,
                          suppressible=np.append(np.ones(len(idx), bool), False))
        hidden[idx] = mask[:-1]
    return hidden


def _group_codes(table: pd.DataFrame, keys: Sequence[str]) -> np.ndarray:
    if not keys:
        return np.zeros(len(table), dtype=np.int64)
    return table.groupby(list(keys), sort=False, dropna=False).ngroup().to_numpy()


def suppress_tidy(table: pd.DataFrame, n_col: str = "n", by: Sequence[str] | None = None,
                  min_cell: int = MIN_CELL,
                  value_cols: Sequence[str] | None = None) -> pd.DataFrame:
    """Blank the numbers of small groups in a tidy table, with complementary suppression.

    Rows with ``0 < n < min_cell`` are hidden (primary), and so are rows already flagged
    ``suppressed`` with ``n > 0``. Blocks are the rows that share ``indicator`` (and
    ``statistic``) and every grouping column but the last of ``by``; each block's total is
    taken as published (a coarser table publishes it), so complementary rows are hidden until
    every hidden row's ``n`` has a feasible range of at least ``min_cell`` people
    (:func:`protect`). When the table holds several indicators of the same groups with their
    ``n_excluded``/``n_unknown`` (the group's size is ``n + n_excluded + n_unknown`` in any of
    its rows), the group sizes are protected the same way first: a group of fewer than
    ``min_cell`` people loses every row (and so does a row whose ``n + n_excluded + n_unknown``
    is below it), and whole groups are hidden as complements.

    Hidden rows keep their group labels, get ``suppressed = True`` and lose every number in
    ``value_cols`` (default: every numeric column but the group columns and parameters such as
    ``confidence``) and always their counts (:data:`GROUP_COUNT_COLUMNS`).

    Examples
    --------
    >>> t = pd.DataFrame({"major": ["A", "B", "C"], "n": [4, 30, 50], "estimate": [.5, .6, .7]})
    >>> suppress_tidy(t, by=["major"])
      major     n  estimate  suppressed
    0     A  <NA>       NaN        True
    1     B  <NA>       NaN        True
    2     C    50       0.7       False
    """
    min_cell = check_min_cell(min_cell)
    out = table.copy()
    by = list(by or [])
    n = pd.to_numeric(out[n_col], errors="coerce").fillna(0).to_numpy(dtype=float)
    primary = (n > 0) & (n < min_cell)
    if "suppressed" in out:
        primary |= out["suppressed"].fillna(False).astype(bool).to_numpy() & (n > 0)
    size_cols = [c for c in ("n_excluded", "n_unknown") if c in out.columns]
    if size_cols and "indicator" in out.columns and out["indicator"].nunique() > 1:
        parts = [pd.to_numeric(out[c], errors="coerce").fillna(0).to_numpy(float)
                 for c in size_cols]
        row_size = n + np.sum(parts, axis=0)
        group = _group_codes(out, by)
        size = pd.Series(row_size).groupby(group).transform("max").to_numpy()
        primary |= (size > 0) & (size < min_cell) | (row_size > 0) & (row_size < min_cell)
        # a group's size is published while any of its rows is: protect the sizes first
        first = pd.Series(np.arange(len(out))).groupby(group).transform("min").to_numpy()
        heads = np.flatnonzero(first == np.arange(len(out)))
        whole = pd.Series(primary).groupby(group).transform("all").to_numpy()
        head_block = _group_codes(out.iloc[heads], by[:-1])
        head_hidden = _protect_blocks(size[heads], whole[heads], head_block, min_cell)
        hidden_groups = set(group[heads[head_hidden]])
        primary |= np.isin(group, list(hidden_groups))
    mask = _protect_blocks(n, primary, _group_codes(out, _block_keys(out, by)), min_cell)
    if value_cols is None:
        value_cols = [c for c in out.columns if c not in by and c not in PARAMETER_COLUMNS
                      and pd.api.types.is_numeric_dtype(out[c])
                      and not pd.api.types.is_bool_dtype(out[c])]
    blank = list(dict.fromkeys([*value_cols, n_col,
                                *(c for c in GROUP_COUNT_COLUMNS if c in out.columns)]))
    for col in blank:
        if col in by or col not in out.columns:
            continue
        if pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("Int64").mask(mask)  # a count stays a whole number
        elif pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].astype("float64").mask(mask)
        else:
            out[col] = out[col].astype(object).mask(mask)
    if "method" in out.columns and mask.any():
        out["method"] = _general_method(out, mask)
    out["suppressed"] = mask
    return out


def _general_method(table: pd.DataFrame, mask: np.ndarray) -> pd.Series:
    """``method`` with the notes about one group (``; group of one ...``, ``; missing ... see
    n_unknown``) dropped from hidden rows: they would tell what the blanked numbers were. A
    hidden row keeps the ``"; "``-separated part its indicator's rows have in common."""
    keys = [c for c in ("indicator", "statistic") if c in table.columns]
    codes = _group_codes(table, keys)
    methods = table["method"].astype(object).to_numpy().copy()
    for code in np.unique(codes[mask]):
        rows = np.flatnonzero(codes == code)
        parts = [str(m).split("; ") for m in methods[rows]]
        common = []
        for segment in zip(*parts, strict=False):
            if len(set(segment)) > 1:
                break
            common.append(segment[0])
        hidden = rows[mask[rows]]
        methods[hidden] = "; ".join(common) if common else pd.NA
    return pd.Series(methods, index=table.index, dtype=table["method"].dtype)


def refuse_identifier_keys(by: Sequence[str]) -> list[str]:
    """``by`` as a list, or a :class:`ValueError` when one of its columns is an identifier
    (:data:`talentlab.data.privacy.ID_COLUMNS`: student, employer, rater, evaluator or rating
    id, in any letter case): one group per identifier publishes each person's record.

    Examples
    --------
    >>> refuse_identifier_keys(["cohort", "major"])
    ['cohort', 'major']
    >>> refuse_identifier_keys(["cohort", "Student_ID"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: 'Student_ID' is an identifier column and cannot be a group (--by): ...
    """
    from talentlab.data.privacy import ID_COLUMNS

    folded = {c.casefold() for c in ID_COLUMNS}
    for col in by:
        if str(col).strip().casefold() in folded:
            raise ValueError(f"{col!r} is an identifier column and cannot be a group (--by): "
                             "one group per identifier would publish each person's record "
                             f"(identifier columns: {', '.join(ID_COLUMNS)}) / {col!r} 是标识列，"
                             "不能作为分组（--by）")
    return list(by)


def publishable_indicators(table: pd.DataFrame, by: Sequence[str],
                           min_cell: int = MIN_CELL) -> pd.DataFrame:
    """The indicator table (:func:`talentlab.indicators.engines.compute_indicators`) as it may
    leave the project: identifier group columns refused (:func:`refuse_identifier_keys`), every
    number of a group below ``min_cell`` blanked and complementary groups with it
    (:func:`suppress_tidy`; blocks are the indicator and all group columns but the last).

    Examples
    --------
    >>> t = pd.DataFrame({"major": ["A", "B", "C"], "indicator": "employment_rate",
    ...                   "numerator": [3, 20, 40], "denominator": [4, 25, 45],
    ...                   "estimate": [.75, .8, .89], "confidence": .95, "n": [4, 25, 45]})
    >>> publishable_indicators(t, ["major"])[["major", "n", "estimate", "suppressed"]]
      major     n  estimate  suppressed
    0     A  <NA>       NaN        True
    1     B  <NA>       NaN        True
    2     C    45      0.89       False
    """
    by = refuse_identifier_keys(by)
    return suppress_tidy(table, by=by, min_cell=min_cell)
