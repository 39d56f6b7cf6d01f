"""The grouped pass over a graduates table that every graduate-level indicator shares.

One :class:`GraduatePass` factorises the group keys once and counts the destinations per group
once; each indicator then counts its own numerator and base with ``numpy.bincount``
(:mod:`talentlab.indicators.graduate`, :mod:`talentlab.indicators.adaptation`).

Examples
--------
>>> import pandas as pd
>>> from talentlab.indicators.graduate_pass import GraduatePass
>>> g = pd.DataFrame({"destination": ["employed_full_time", "unknown", "unemployed"],
...                   "major": ["a", "a", "b"]})
>>> gp = GraduatePass(g, "major")
>>> gp.keys["major"].tolist(), gp.total.tolist()
(['a', 'b'], [2, 1])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.indicators.core import (
    DESTINATIONS,
    IndicatorInputError,
    as_list,
    counted_rows,
    group_index,
    require_columns,
    weighted_bincount,
)

#: Position of each destination in the contract's order (the columns of ``dest_table``).
DESTINATION_CODES = {name: i for i, name in enumerate(DESTINATIONS)}


class GraduatePass:
    """Group codes and destination counts of a graduates table, shared by the indicators.

    A count table (a ``count`` column: a row stands for that many identical graduates) is
    counted by its counts: every count below is a number of graduates, the same as on the
    microdata the table came from. Rows with count 0 are left out (``weights`` holds the
    counts of the rows kept, ``None`` without a count column).
    """

    def __init__(self, graduates: pd.DataFrame, by: str | Sequence[str] | None,
                 where: str = "graduate indicators"):
        self.by = as_list(by)
        self.where = where
        require_columns(graduates, ["destination"], where, "graduates")
        self.df, self.weights = counted_rows(graduates, where)
        self.codes, self.keys = group_index(self.df, self.by, where, "graduates")
        self.n_groups = len(self.keys)
        self.dest = self._destination_codes(self.df["destination"])
        # destinations per group: (n_groups, 8) table from one bincount
        flat = weighted_bincount(self.codes * len(DESTINATIONS) + self.dest, self.weights,
                                 self.n_groups * len(DESTINATIONS))
        self.dest_table = flat.reshape(self.n_groups, len(DESTINATIONS))
        self.total = self.dest_table.sum(axis=1)
        self._masks: dict[str, np.ndarray] = {}

    def _destination_codes(self, dest: pd.Series) -> np.ndarray:
        if isinstance(dest.dtype, pd.CategoricalDtype) and \
                tuple(dest.cat.categories) == DESTINATIONS:
            codes = dest.cat.codes.to_numpy()
        else:
            bad = (~dest.isin(DESTINATIONS) & dest.notna()).to_numpy()
            if bad.any():
                raise IndicatorInputError(
                    f"{self.where}: graduates.destination has values outside the contract: "
                    f"{sorted(map(str, pd.unique(dest[bad])))}; allowed: {list(DESTINATIONS)}")
            codes = np.asarray(pd.Categorical(dest, categories=list(DESTINATIONS)).codes)
        if (codes < 0).any():
            rows = np.flatnonzero(codes < 0)[:5].tolist()
            raise IndicatorInputError(f"{self.where}: graduates.destination is missing in "
                                      f"{int((codes < 0).sum())} row(s), e.g. positions {rows}; "
                                      "use 'unknown' for an unknown destination")
        return codes.astype(np.intp)

    # ---- helpers -------------------------------------------------------------------------
    def mask(self, name: str) -> np.ndarray:
        if name not in self._masks:
            if name == "employed":
                m = self.dest <= DESTINATION_CODES["self_employed"]
            elif name == "employees":
                m = self.dest <= DESTINATION_CODES["employed_part_time"]
            elif name in DESTINATION_CODES:
                m = self.dest == DESTINATION_CODES[name]
            else:  # pragma: no cover - internal
                raise KeyError(name)
            self._masks[name] = m
        return self._masks[name]

    def count(self, mask: np.ndarray) -> np.ndarray:
        """Graduates per group among the rows of ``mask``."""
        return weighted_bincount(self.codes, self.weights, self.n_groups, mask)

    def column(self, col: str, fn: str) -> pd.Series:
        require_columns(self.df, [col], fn, "graduates")
        return self.df[col]


def as_pass(graduates, by, where) -> GraduatePass:
    """``graduates`` itself when it is a :class:`GraduatePass` (the one pass
    :func:`talentlab.indicators.compute_all` shares), else a new pass over it grouped by
    ``by``; ``where`` names the caller in errors."""
    if isinstance(graduates, GraduatePass):
        return graduates
    return GraduatePass(graduates, by, where)
