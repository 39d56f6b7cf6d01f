"""The graduate-level indicators' numerators, denominators and exclusion rules, stated once.

Each count-based indicator is a row of :data:`PROPORTIONS` (or the destination table and the
retraining-hours mean): which graduates form its **base** (the others are ``n_excluded``),
when their answer is **known** (base records with an unknown answer are ``n_unknown``) and
when they count as a **success** (the numerator). The conditions are small expression
objects that render themselves as SQL (DuckDB and Spark SQL share the syntax used here) and
evaluate themselves on a pandas DataFrame as numpy masks, so every engine counts from the same
definition. The pandas indicator functions in :mod:`talentlab.indicators.graduate` take their
base texts from here, and the tests check that their counts equal these definitions'.

SQL semantics: every condition's ``sql`` is NULL-free (``coalesce(..., false)``), so ``NOT``
and ``count_if`` never meet a NULL; ``sql_nullable`` is the shorter form for a conjunction
counted by ``count_if`` (true where the condition holds, false or NULL elsewhere: ``count_if``
counts only true, and ``x AND NULL`` is never true). A missing group key is a group of its own
(``GROUP BY`` keeps NULL keys as one group, as pandas ``groupby(dropna=False)``).

Examples
--------
>>> from talentlab.indicators.definitions import PROPORTIONS, quote_duckdb
>>> d = PROPORTIONS["counterpart_employment_rate"]
>>> d.numerator.sql(quote_duckdb)
'(("destination" IN (\\'employed_full_time\\')) AND ("job_related_to_major" IS NOT NULL) AND coalesce("job_related_to_major", false))'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.data.schema import COUNT_COLUMN, DESTINATIONS, EMPLOYED, EMPLOYEES  # noqa: F401

Quote = Callable[[str], str]

#: Destinations counted as placed (employment rate and destination rate numerators).
PLACED = ("employed_full_time", "employed_part_time", "self_employed", "military",
          "further_study")
WORK_REGIONS = ("local", "province", "elsewhere")


def quote_duckdb(name: str) -> str:
    """A DuckDB (standard SQL) identifier: ``"name"`` with embedded quotes doubled."""
    return '"' + name.replace('"', '""') + '"'


def quote_spark(name: str) -> str:
    """A Spark SQL identifier: ```name``` with embedded backticks doubled."""
    return "`" + name.replace("`", "``") + "`"


def sql_literal(value) -> str:
    """A SQL literal for a string, number or boolean (strings single-quoted, quotes doubled)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | np.integer | np.floating):
        return repr(float(value)) if isinstance(value, float | np.floating) else str(int(value))
    return "'" + str(value).replace("'", "''") + "'"


# ---------------------------------------------------------------------------------------------
# Conditions: SQL text and numpy masks from one object
# ---------------------------------------------------------------------------------------------

class Cond:
    """A row condition; ``sql(quote)`` renders it, ``mask(frame)`` evaluates it (bool array)."""

    def sql(self, quote: Quote) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def sql_nullable(self, quote: Quote) -> str:
        """SQL true where the condition holds, false or NULL elsewhere (for ``count_if``)."""
        return self.sql(quote)

    def mask(self, frame: MaskFrame) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def columns(self) -> set[str]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __and__(self, other: Cond) -> Cond:
        return And((self, other))

    def __invert__(self) -> Cond:
        return Not(self)


@dataclass(frozen=True)
class Dest(Cond):
    """``destination`` is one of ``names``."""

    names: tuple[str, ...]

    def sql(self, quote):
        if not self.names:
            return "false"
        return f"({quote('destination')} IN ({', '.join(map(sql_literal, self.names))}))"

    def mask(self, frame):
        return np.isin(frame.destination_codes(), [DESTINATIONS.index(n) for n in self.names])

    def columns(self):
        return {"destination"}


@dataclass(frozen=True)
class Known(Cond):
    """``column`` is not missing."""

    column: str

    def sql(self, quote):
        return f"({quote(self.column)} IS NOT NULL)"

    def mask(self, frame):
        return frame.known(self.column)

    def columns(self):
        return {self.column}


@dataclass(frozen=True)
class IsTrue(Cond):
    """A boolean ``column`` is True (missing counts as not True)."""

    column: str

    def sql(self, quote):
        return f"coalesce({quote(self.column)}, false)"

    def sql_nullable(self, quote):
        return f"({quote(self.column)})"

    def mask(self, frame):
        return frame.true(self.column)

    def columns(self):
        return {self.column}


@dataclass(frozen=True)
class InSet(Cond):
    """``column`` (text or categorical) is one of ``values`` (missing counts as not in)."""

    column: str
    values: tuple[str, ...]

    def sql(self, quote):
        vals = ", ".join(map(sql_literal, self.values))
        return f"coalesce({quote(self.column)} IN ({vals}), false)"

    def sql_nullable(self, quote):
        return f"({quote(self.column)} IN ({', '.join(map(sql_literal, self.values))}))"

    def mask(self, frame):
        return frame.in_set(self.column, self.values)

    def columns(self):
        return {self.column}


@dataclass(frozen=True)
class AtLeast(Cond):
    """A numeric ``column`` is >= ``value`` (missing counts as not)."""

    column: str
    value: float

    def sql(self, quote):
        return f"coalesce({quote(self.column)} >= {sql_literal(self.value)}, false)"

    def sql_nullable(self, quote):
        return f"({quote(self.column)} >= {sql_literal(self.value)})"

    def mask(self, frame):
        v = frame.numbers(self.column)
        with np.errstate(invalid="ignore"):
            return v >= self.value

    def columns(self):
        return {self.column}


@dataclass(frozen=True)
class Always(Cond):
    """Every row."""

    def sql(self, quote):
        return "true"

    def mask(self, frame):
        return np.ones(frame.n, dtype=bool)

    def columns(self):
        return set()


@dataclass(frozen=True)
class And(Cond):
    parts: tuple[Cond, ...]

    def sql(self, quote):
        parts = [p for p in self._flat() if not isinstance(p, Always)]
        if not parts:
            return "true"
        return "(" + " AND ".join(p.sql(quote) for p in parts) + ")"

    def _flat(self):
        for p in self.parts:
            if isinstance(p, And):
                yield from p._flat()
            else:
                yield p

    def mask(self, frame):
        out = np.ones(frame.n, dtype=bool)
        for p in self._flat():
            out &= p.mask(frame)
        return out

    def columns(self):
        return set().union(*(p.columns() for p in self.parts))


@dataclass(frozen=True)
class Not(Cond):
    part: Cond

    def sql(self, quote):
        return f"(NOT {self.part.sql(quote)})"

    def mask(self, frame):
        return ~self.part.mask(frame)

    def columns(self):
        return self.part.columns()


def destination_split(cond: Cond) -> tuple[tuple[str, ...] | None, list[Cond]]:
    """A condition as (destinations, row conditions) whose conjunction it is.

    ``destinations`` is None when the condition does not restrict the destination (else the
    contract-ordered intersection of its :class:`Dest` parts); the row conditions are the other
    parts. The SQL engines count the row conditions per (group, destination) and then add up
    the destinations: the destination never has to be compared row by row.
    """
    parts = list(cond._flat()) if isinstance(cond, And) else [cond]
    dest: set[str] | None = None
    rows: list[Cond] = []
    for p in parts:
        if isinstance(p, Dest):
            dest = set(p.names) if dest is None else dest & set(p.names)
        elif not isinstance(p, Always):
            rows.append(p)
    if dest is None:
        return None, rows
    return tuple(d for d in DESTINATIONS if d in dest), rows


def count_sql(rows: Sequence[Cond], quote: Quote, weight: str | None = None) -> str:
    """The SQL aggregate counting the rows where every condition of ``rows`` holds.

    ``count(*)`` for none, ``count(column)`` for one :class:`Known`, else ``count_if`` over
    the conditions' ``sql_nullable`` forms; a :class:`Known` test of a column that another
    condition reads as NULL-when-missing is dropped (that condition is then not true).
    With ``weight`` (a count table's count column) the same conditions add up the rows'
    counts instead: ``sum(w)``, ``sum(CASE WHEN ... THEN w END)``.
    """
    nullable = {r.column for r in rows if isinstance(r, IsTrue | InSet | AtLeast)}
    kept = [r for r in rows if not (isinstance(r, Known) and r.column in nullable)]
    if weight is not None:
        w = quote(weight)
        if not kept:
            return f"sum({w})"
        return ("sum(CASE WHEN " + " AND ".join(r.sql_nullable(quote) for r in kept)
                + f" THEN {w} END)")
    if not kept:
        return "count(*)"
    if len(kept) == 1 and isinstance(kept[0], Known):
        return f"count({quote(kept[0].column)})"
    return "count_if(" + " AND ".join(r.sql_nullable(quote) for r in kept) + ")"


class MaskFrame:
    """A pandas DataFrame seen through the conditions' eyes (numpy arrays, cached per column)."""

    def __init__(self, df: pd.DataFrame):
        self.df = df
        self.n = len(df)
        self._cache: dict = {}

    def _get(self, key, fn):
        if key not in self._cache:
            self._cache[key] = fn()
        return self._cache[key]

    def destination_codes(self) -> np.ndarray:
        def codes():
            s = self.df["destination"]
            if isinstance(s.dtype, pd.CategoricalDtype) and \
                    tuple(s.cat.categories) == DESTINATIONS:
                return s.cat.codes.to_numpy()
            return np.asarray(pd.Categorical(s, categories=list(DESTINATIONS)).codes)
        return self._get(("dest",), codes)

    def known(self, col: str) -> np.ndarray:
        return self._get(("known", col), lambda: self.df[col].notna().to_numpy())

    def true(self, col: str) -> np.ndarray:
        def fn():
            s = self.df[col]
            if s.dtype == bool:
                return s.to_numpy()
            return s.to_numpy(dtype=bool, na_value=False)
        return self._get(("true", col), fn)

    def in_set(self, col: str, values: tuple[str, ...]) -> np.ndarray:
        def fn():
            s = self.df[col]
            if isinstance(s.dtype, pd.CategoricalDtype):
                wanted = [i for i, c in enumerate(s.cat.categories) if c in values]
                return np.isin(s.cat.codes.to_numpy(), wanted)
            return (s.isin(list(values)) & s.notna()).to_numpy(dtype=bool)
        return self._get(("in", col, values), fn)

    def numbers(self, col: str) -> np.ndarray:
        return self._get(("num", col),
                         lambda: self.df[col].to_numpy(dtype=float, na_value=np.nan))


# ---------------------------------------------------------------------------------------------
# The definitions
# ---------------------------------------------------------------------------------------------

EMPLOYED_COND = Dest(EMPLOYED)
EMPLOYEES_COND = Dest(EMPLOYEES)
FULL_TIME_COND = Dest(("employed_full_time",))


@dataclass(frozen=True)
class Proportion:
    """A count-based indicator: base, known answer, success; counts per group.

    ``numerator`` = base & known & success, ``denominator`` = base & known,
    ``n_unknown`` = base & not known, ``n_excluded`` = not base.
    """

    code: str
    column: str          # the answer column (named in the unknown-answer note)
    base: Cond
    known: Cond
    success: Cond
    base_text: str
    statistic: str = "proportion"
    required: tuple[str, ...] = field(default=())

    @property
    def numerator(self) -> Cond:
        return And((self.base, self.known, self.success))

    @property
    def denominator(self) -> Cond:
        return And((self.base, self.known))

    @property
    def unknown(self) -> Cond:
        return And((self.base, Not(self.known)))


COUNTERPART_TEXT = {
    "full_time": ("graduates employed full time with a relatedness answer (national survey "
                  "definition, MyCOS)"),
    "all_employed": ("employed graduates (full time, part time, self-employed) with a "
                     "relatedness answer (local quality-report variant)"),
}
CLUSTER_TEXT = "employed graduates (full time, part time, self-employed) with a known cluster flag"
TURNOVER_TEXT = ("employed graduates (full time, part time, self-employed) with a known "
                 "answer")
SATISFACTION_TEXT = ("employed graduates with a valid 1-5 answer; numerator: 4 (satisfied) or "
                     "5 (very satisfied)")
CERTIFICATE_TEXT = "all graduates with a known answer"


def local_text(regions: Sequence[str]) -> str:
    return (f"employed graduates (full time, part time, self-employed) with a known "
            f"work_region; numerator: work_region in {list(regions)}")


def counterpart(denominator: str = "full_time") -> Proportion:
    """Counterpart employment rate: full-time (national) or all-employed (local) base."""
    base = FULL_TIME_COND if denominator == "full_time" else EMPLOYED_COND
    return Proportion("counterpart_employment_rate", "job_related_to_major", base,
                      Known("job_related_to_major"), IsTrue("job_related_to_major"),
                      COUNTERPART_TEXT[denominator],
                      statistic="proportion" if denominator == "full_time"
                      else "proportion_all_employed")


def local_employment(regions: Sequence[str] = ("local",)) -> Proportion:
    return Proportion("local_employment_rate", "work_region", EMPLOYED_COND,
                      Known("work_region"), InSet("work_region", tuple(regions)),
                      local_text(regions))


#: The proportion indicators with their default options, by function name.
PROPORTIONS: dict[str, Proportion] = {
    "counterpart_employment_rate": counterpart("full_time"),
    "local_employment_rate": local_employment(("local",)),
    "cluster_employment_rate": Proportion(
        "cluster_employment_rate", "employer_in_cluster", EMPLOYED_COND,
        Known("employer_in_cluster"), IsTrue("employer_in_cluster"), CLUSTER_TEXT),
    "turnover_6_months": Proportion(
        "turnover_6_months", "left_within_6_months", EMPLOYED_COND,
        Known("left_within_6_months"), IsTrue("left_within_6_months"), TURNOVER_TEXT),
    "job_satisfaction_rate": Proportion(
        "job_satisfaction_rate", "job_satisfaction", EMPLOYED_COND,
        Known("job_satisfaction"), AtLeast("job_satisfaction", 4), SATISFACTION_TEXT),
    "industry_certificate_rate": Proportion(
        "industry_certificate_rate", "industry_certificate", Always(),
        Known("industry_certificate"), IsTrue("industry_certificate"), CERTIFICATE_TEXT),
}

#: Indicators computed from the per-group destination counts (one count per destination).
DESTINATION_INDICATORS = ("employment_rate", "destination_rate")


@dataclass(frozen=True)
class ClusteredMean:
    """A mean over a base with a cluster-robust (or ordinary) standard error."""

    code: str
    column: str
    base: Cond
    cluster: str | None


def retraining(cluster: str | None = "employer_id") -> ClusteredMean:
    return ClusteredMean("retraining_hours", "retraining_hours", EMPLOYEES_COND, cluster)


#: Contract rules the engines check while counting (a violation raises, naming the rule).
CHECKS = {
    "destination outside the contract or missing": lambda q: (
        f"({q('destination')} IS NULL OR {q('destination')} NOT IN "
        f"({', '.join(map(sql_literal, DESTINATIONS))}))"),
    "job_satisfaction must be an integer 1-5": lambda q: (
        f"coalesce({q('job_satisfaction')} < 1 OR {q('job_satisfaction')} > 5 OR "
        f"{q('job_satisfaction')} <> round({q('job_satisfaction')}), false)"),
    "retraining_hours must be >= 0": lambda q: f"coalesce({q('retraining_hours')} < 0, false)",
}
#: The rules above as bounds a column's minimum and maximum reveal (column, lowest allowed,
#: highest allowed or None, whole numbers only): the SQL engines learn from per-group
#: ``min``/``max`` (cheaper than a condition per row) whether any row breaks a rule, and only
#: then count the rows that do. The destination rule is checked on the per-destination counts.
CHECK_BOUNDS = {
    "job_satisfaction must be an integer 1-5": ("job_satisfaction", 1, 5, True),
    "retraining_hours must be >= 0": ("retraining_hours", 0, None, False),
}
#: The column each check reads.
CHECK_COLUMNS = {
    "destination outside the contract or missing": "destination",
    "job_satisfaction must be an integer 1-5": "job_satisfaction",
    "retraining_hours must be >= 0": "retraining_hours",
}
