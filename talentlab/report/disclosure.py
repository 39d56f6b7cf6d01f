"""Statistical disclosure control for every table talentlab publishes.

Cells counting fewer than ``threshold`` people (default 10, configurable, never below 5) are
suppressed (primary suppression), and so are the complementary cells that would let a reader
recover them from a published total (secondary suppression: in any row or column with exactly one
suppressed cell, the smallest other non-zero cell is suppressed too, repeated until stable). This is
the usual rule of national statistical offices' tabular guidance (e.g. Hundepool et al., *Statistical
Disclosure Control*, Wiley 2012, ch. 4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

DEFAULT_THRESHOLD = 10
MIN_THRESHOLD = 5
SUPPRESSED_MARK = "<{threshold}"


def check_threshold(threshold: int) -> int:
    threshold = int(threshold)
    if threshold < MIN_THRESHOLD:
        raise ValueError(f"disclosure threshold {threshold} is below the minimum of {MIN_THRESHOLD}")
    return threshold


def suppression_mask(counts: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD) -> pd.DataFrame:
    """Cells to suppress in a two-way table of counts whose row and column totals are published.

    Examples
    --------
    >>> t = pd.DataFrame({"a": [3, 40, 50], "b": [30, 40, 50]}, index=["x", "y", "z"])
    >>> int(suppression_mask(t).to_numpy().sum())   # 3 and the cells needed to protect it
    4
    """
    threshold = check_threshold(threshold)
    values = counts.to_numpy(dtype=float)
    mask = (values > 0) & (values < threshold)
    changed = True
    while changed:
        changed = False
        for axis in (0, 1):
            lines = mask if axis == 1 else mask.T
            vals = values if axis == 1 else values.T
            for i in range(lines.shape[0]):
                if lines[i].sum() == 1 and lines.shape[1] > 1:
                    candidates = np.where(~lines[i] & (vals[i] > 0), vals[i], np.inf)
                    if np.isfinite(candidates).any():
                        lines[i, int(np.argmin(candidates))] = True
                        changed = True
            if axis == 0:
                mask = lines.T
    return pd.DataFrame(mask, index=counts.index, columns=counts.columns)


def suppress_crosstab(counts: pd.DataFrame, threshold: int = DEFAULT_THRESHOLD,
                      margins: bool = True) -> pd.DataFrame:
    """A publishable version of a two-way count table: suppressed cells shown as ``<threshold``."""
    mark = SUPPRESSED_MARK.format(threshold=threshold)
    mask = suppression_mask(counts, threshold)
    if not margins:
        return counts.astype("object").mask(mask, mark)
    full = counts.copy()
    full["Total"] = counts.sum(axis=1)
    full.loc["Total"] = full.sum(axis=0)
    full = full.astype("object")
    cell_mask = mask.reindex(index=full.index, columns=full.columns, fill_value=False)
    # a total of fewer than threshold people is itself a small cell
    small_total = full.map(lambda v: 0 < int(v) < threshold).astype(bool)
    cell_mask.loc[:, "Total"] |= small_total["Total"]
    cell_mask.loc["Total"] |= small_total.loc["Total"]
    return full.mask(cell_mask.astype(bool), mark)


def suppress_tidy(table: pd.DataFrame, n_col: str = "n", by: Sequence[str] | None = None,
                  threshold: int = DEFAULT_THRESHOLD,
                  value_cols: Sequence[str] | None = None) -> pd.DataFrame:
    """Blank the numbers of small groups in a tidy table, with complementary suppression.

    Rows with ``0 < n < threshold`` are suppressed. Within each block of rows that share every
    grouping column but the last of ``by`` (whose counts add up to a published total), a single
    suppressed row drags the smallest other row with it. Suppressed rows keep their group labels,
    get ``suppressed = True`` and lose every number in ``value_cols`` (default: all numeric columns).
    """
    threshold = check_threshold(threshold)
    out = table.copy()
    n = pd.to_numeric(out[n_col], errors="coerce")
    primary = (n > 0) & (n < threshold)
    if "suppressed" in out:
        primary |= out["suppressed"].fillna(False).astype(bool)
    mask = primary.to_numpy().copy()
    by = list(by or [])
    if by:
        blocks = out.groupby(by[:-1], sort=False, dropna=False).indices if len(by) > 1 else {
            None: np.arange(len(out))}
        if "indicator" in out.columns:
            blocks = {}
            keys = ["indicator"] + by[:-1]
            blocks = out.groupby(keys, sort=False, dropna=False).indices
        for idx in blocks.values():
            idx = np.asarray(idx)
            if len(idx) > 1 and mask[idx].sum() == 1:
                others = [i for i in idx if not mask[i] and n.iloc[i] > 0]
                if others:
                    mask[min(others, key=lambda i: n.iloc[i])] = True
    if value_cols is None:
        value_cols = [c for c in out.columns
                      if c not in by and c != "suppressed" and pd.api.types.is_numeric_dtype(out[c])]
    for col in value_cols:
        out[col] = out[col].astype("float64").mask(mask) if pd.api.types.is_numeric_dtype(
            out[col]) else out[col].mask(mask)
    out["suppressed"] = mask
    return out
