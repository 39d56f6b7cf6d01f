"""The graduate-level count-based indicators on DuckDB, pandas or Spark, from one definition.

:func:`compute_counts` counts, per group, the numerators, denominators, unknown and excluded
records of every indicator in :mod:`talentlab.indicators.definitions` (and the destination
counts and retraining-hours sums), on the engine you choose:

* ``"duckdb"`` - the embedded default for files on disk (parquet, CSV; larger than memory:
  DuckDB streams the file and spills to disk), or an in-memory DataFrame;
* ``"pandas"`` - numpy masks of the same conditions and ``bincount`` over the group codes of
  :func:`talentlab.indicators.core.group_index` (small in-memory frames);
* ``"spark"`` - the same SQL on a Spark session (``local[*]`` unless you pass a session or a
  master URL: point it at a cluster when one machine is not enough).

:func:`indicators_from_counts` turns the counts into the tidy table of the indicator functions
(Wilson intervals, labels, method text) with the very functions the pandas indicator functions
end in, so every engine returns the same table; :func:`compute_indicators` does both.

The SQL engines count in two stages (:func:`counts_sql`): per (group, destination) first, each
condition's row part (``count(column)`` for a known answer, ``count_if`` otherwise), then per
group the destinations each condition takes; no row compares its destination text.

The cluster-robust standard error of the mean retraining hours needs only per-cluster sums.
For an intercept-only OLS with clusters ``c`` (Cameron & Miller 2015, eq. 11 with
``X = 1``) the CR1 variance of the mean is ``G/(G-1) * sum_c e_c^2 / n^2`` with
``e_c = sum_{i in c} (x_i - m) = s_c - n_c m``, ``s_c`` and ``n_c`` the cluster's sum and size
and ``m`` the group mean. Expanding the square,
``sum_c e_c^2 = sum_c s_c^2 - 2 m sum_c n_c s_c + m^2 sum_c n_c^2``: one aggregation per
(group, cluster) and one per group (:func:`cluster_sql`), no pass over the rows with ``m``.
The engines subtract a global shift (the overall mean hours, from the counts query) from ``x``
before these sums so that the expansion does not lose digits to cancellation. The
(group, cluster) aggregation groups by a 64-bit hash of the group keys and the cluster id when
the groups' hashes are distinct (checked on the counts; otherwise by the keys themselves), so
it is exact either way. A missing cluster id makes every such record a cluster of its own:
their share, ``sum_i (x_i - m)^2``, comes from the counts query as per-destination count, sum
and squared deviations, combined without cancellation (:func:`_squared_deviations`); the
ordinary SE uses the same sums over every record. The estimates come from exact counts and
sums.

Examples
--------
>>> import pandas as pd
>>> from talentlab.indicators.engines import compute_counts
>>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
...           "further_study", "preparing_further_study", "unemployed", "unknown"]
>>> g = pd.DataFrame({"destination": pd.Categorical(
...     ["employed_full_time", "unemployed", "unknown"], categories=levels),
...     "major": ["a", "a", "b"]})
>>> c = compute_counts(g, by="major", engine="duckdb")
>>> c[["major", "n_total", "dest__employed_full_time", "dest__unknown"]].values.tolist()
[['a', 2, 1, 0], ['b', 1, 0, 1]]
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data.disclosure import check_min_cell
from talentlab.data.schema import DESTINATIONS
from talentlab.indicators import definitions as defs
from talentlab.indicators.core import (
    IndicatorInputError,
    as_list,
    check_alpha,
    concat_results,
    counted_rows,
    group_index,
    weighted_bincount,
)

ENGINES = ("duckdb", "pandas", "spark")
#: The indicators the engines compute, in compute_all's order.
ENGINE_INDICATORS = ("counterpart_employment_rate", "employment_rate", "destination_rate",
                     "local_employment_rate", "cluster_employment_rate", "turnover_6_months",
                     "job_satisfaction_rate", "industry_certificate_rate", "retraining_hours")
#: Input files at least this large go to DuckDB when ``engine="auto"`` (smaller: pandas).
AUTO_DUCKDB_BYTES = 64 * 2**20
#: In-memory graduates tables with at least this many rows go to DuckDB when
#: ``engine="auto"`` (the shipped data, about 6,000 rows, stay on the pandas path).
AUTO_DUCKDB_ROWS = 1_000_000
_TYPES = {"boolean": "BOOLEAN", "integer": "DOUBLE", "number": "DOUBLE"}


# ---------------------------------------------------------------------------------------------
# What to count
# ---------------------------------------------------------------------------------------------

class Plan:
    """The count columns of the requested indicators, each from one condition."""

    def __init__(self, names: Sequence[str], options: Mapping[str, Mapping]):
        self.proportions: dict[str, defs.Proportion] = {}
        self.destination: list[str] = []
        self.mean: defs.ClusteredMean | None = None
        self.options = {k: dict(v) for k, v in options.items()}
        for name in names:
            opts = self.options.get(name, {})
            if name == "counterpart_employment_rate":
                den = opts.get("denominator", "full_time")
                if den not in defs.COUNTERPART_TEXT:
                    raise IndicatorInputError(f"{name}: denominator must be 'full_time' or "
                                              f"'all_employed', got {den!r}")
                self.proportions[name] = defs.counterpart(den)
            elif name == "local_employment_rate":
                regions = opts.get("regions", ("local",))
                regions = [regions] if isinstance(regions, str) else list(regions)
                if not regions or any(r not in defs.WORK_REGIONS for r in regions):
                    raise IndicatorInputError(f"{name}: regions must be a non-empty subset of "
                                              f"{list(defs.WORK_REGIONS)}, got {regions}")
                self.proportions[name] = defs.local_employment(tuple(regions))
            elif name in defs.PROPORTIONS:
                self.proportions[name] = defs.PROPORTIONS[name]
            elif name in defs.DESTINATION_INDICATORS:
                self.destination.append(name)
            elif name == "retraining_hours":
                self.mean = defs.retraining(opts.get("cluster", "employer_id"))
            else:
                raise IndicatorInputError(f"engines: indicator {name!r} is not count-based; "
                                          f"the engines compute {list(ENGINE_INDICATORS)}")
        self.checks: dict = {}
        #: columns the source stores as integers (no whole-number check needed)
        self.integer_columns: set[str] = set()
        #: the source is a count table: every count adds up the ``count`` column
        self.weighted = False
        #: the shift of the hours' squared deviations in a count table (:func:`_count_scan`)
        self.hours_shift = 0.0

    def use_columns(self, present: Sequence[str]) -> None:
        """Check the contract rules on the columns the source has; a ``count`` column makes
        it a count table."""
        self.checks = {rule: fn for rule, fn in defs.CHECKS.items()
                       if defs.CHECK_COLUMNS[rule] in present}
        self.weighted = defs.COUNT_COLUMN in present

    @property
    def weight(self) -> str | None:
        """The count column the SQL sums (``None``: rows are counted)."""
        return defs.COUNT_COLUMN if self.weighted else None

    def conditions(self) -> dict[str, defs.Cond]:
        """Output count column -> condition (``count_if``)."""
        out: dict[str, defs.Cond] = {}
        for d in DESTINATIONS:
            out[f"dest__{d}"] = defs.Dest((d,))
        for name, p in self.proportions.items():
            out[f"{name}__num"] = p.numerator
            out[f"{name}__den"] = p.denominator
            out[f"{name}__base"] = p.base  # __unknown = __base - __den (derived)
        if self.mean is not None:
            m = self.mean
            out["hours__in_base"] = m.base
            out["hours__n"] = defs.And((m.base, defs.Known(m.column)))
        return out

    def needed_columns(self, by: list[str]) -> list[str]:
        cols = set(by) | {"destination"}
        for c in self.conditions().values():
            cols |= c.columns()
        if self.mean is not None:
            cols.add(self.mean.column)
            if self.mean.cluster:
                cols.add(self.mean.cluster)
        cols |= {defs.CHECK_COLUMNS[r] for r in self.checks}
        if self.weighted:
            cols.add(defs.COUNT_COLUMN)
        return sorted(cols)


# ---------------------------------------------------------------------------------------------
# Sources
# ---------------------------------------------------------------------------------------------

def resolve_source(source) -> pd.DataFrame | Path | str:
    """A DataFrame, or the graduates file for a path: a parquet/CSV file, a glob of parquet
    files, or a data folder holding ``graduates.parquet`` / ``graduates.csv``."""
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, Mapping) or hasattr(source, "graduates"):
        g = source.get("graduates") if isinstance(source, Mapping) else source.graduates
        if g is None:
            raise IndicatorInputError("engines: the graduates table is missing")
        return g
    text = os.fspath(source)
    if any(ch in text for ch in "*?["):
        return text
    path = Path(text)
    if path.is_dir():
        for suffix in (".parquet", ".csv", ".xlsx"):
            if (path / f"graduates{suffix}").exists():
                return path / f"graduates{suffix}"
        parts = sorted(path.glob("*.parquet"))
        if parts:
            return str(path / "*.parquet")
        raise FileNotFoundError(f"{path}: no graduates.parquet, graduates.csv or *.parquet")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file")
    return path


def source_bytes(source) -> int:
    """Size on disk of a path source (sum over a glob); 0 for in-memory data."""
    src = resolve_source(source)
    if isinstance(src, pd.DataFrame):
        return 0
    if isinstance(src, str):
        import glob
        return sum(os.path.getsize(p) for p in glob.glob(src))
    return src.stat().st_size


def source_columns(source) -> list[str]:
    """The column names of a source (a file's header or schema; no data read)."""
    src = resolve_source(source)
    if isinstance(src, pd.DataFrame):
        return list(src.columns)
    text = str(src)
    if text.lower().endswith(".csv"):
        import csv
        _require_utf8(text)
        with open(text, encoding="utf-8-sig", newline="") as fh:
            return next(csv.reader(fh), [])
    if text.lower().endswith(".parquet") and not any(ch in text for ch in "*?["):  # its footer
        import pyarrow.parquet as pq
        return list(pq.read_schema(text).names)
    import duckdb
    return [r[0] for r in duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet({defs.sql_literal(text)})").fetchall()]


def choose_engine(source, engine: str = "auto") -> str:
    """``auto``: DuckDB for files of :data:`AUTO_DUCKDB_BYTES` or more and DataFrames of
    :data:`AUTO_DUCKDB_ROWS` rows or more, pandas otherwise."""
    if engine != "auto":
        if engine not in ENGINES:
            raise IndicatorInputError(f"engine must be one of {list(ENGINES)} or 'auto', "
                                      f"got {engine!r}")
        return engine
    src = resolve_source(source)
    if isinstance(src, pd.DataFrame):
        return "duckdb" if len(src) >= AUTO_DUCKDB_ROWS else "pandas"
    if str(src).lower().endswith(".xlsx"):
        return "pandas"
    return "duckdb" if source_bytes(src) >= AUTO_DUCKDB_BYTES else "pandas"


def _csv_typed_select(columns: list[str], present: list[str], quote) -> str:
    """SELECT list that types CSV text by the contract (boolean tokens, missing tokens)."""
    from talentlab.data import schema

    fields = schema.fields("graduates")
    missing = ", ".join(defs.sql_literal(m) for m in schema.missing_values("graduates"))
    true = ", ".join(map(defs.sql_literal, sorted(schema.TRUE_TOKENS)))
    false = ", ".join(map(defs.sql_literal, sorted(schema.FALSE_TOKENS)))
    parts = []
    for col in columns:
        if col not in present:
            continue
        c = quote(col)
        text = f"CASE WHEN trim({c}) IN ({missing}) THEN NULL ELSE trim({c}) END"
        kind = fields.get(col, {}).get("type", "string")
        if kind == "boolean":
            expr = (f"CASE WHEN lower(trim({c})) IN ({true}) THEN true "
                    f"WHEN lower(trim({c})) IN ({false}) THEN false END")
        elif kind == "integer" and col in ("cohort",):
            expr = f"TRY_CAST({text} AS BIGINT)"
        elif kind in ("integer", "number"):
            expr = f"TRY_CAST({text} AS DOUBLE)"
        else:
            expr = text
        parts.append(f"{expr} AS {c}")
    return ", ".join(parts)


def _csv_bad_cells(columns: list[str], present: list[str], quote) -> dict[str, str]:
    """Column -> condition of a CSV cell that is neither missing nor parseable."""
    from talentlab.data import schema

    fields = schema.fields("graduates")
    missing = ", ".join(defs.sql_literal(m) for m in schema.missing_values("graduates"))
    tokens = ", ".join(map(defs.sql_literal, sorted(schema.TRUE_TOKENS | schema.FALSE_TOKENS)))
    out = {}
    for col in columns:
        if col not in present:
            continue
        c = quote(col)
        given = f"({c} IS NOT NULL AND trim({c}) NOT IN ({missing}))"
        kind = fields.get(col, {}).get("type", "string")
        if kind == "boolean":
            out[col] = f"({given} AND lower(trim({c})) NOT IN ({tokens}))"
        elif kind in ("integer", "number"):
            target = "BIGINT" if col == "cohort" else "DOUBLE"
            out[col] = f"({given} AND TRY_CAST(trim({c}) AS {target}) IS NULL)"
    return out


# ---------------------------------------------------------------------------------------------
# SQL engines (DuckDB, Spark)
# ---------------------------------------------------------------------------------------------

#: Column names of the first-stage table (prefixed so that no group key can collide).
_N, _HOURS = "talentlab_n", "talentlab_hours"


def counts_sql(plan: Plan, by: list[str], table: str, quote) -> str:
    """Every count column, the hours sums and the checks in one query, in two stages.

    Stage 1 groups the rows by the keys and ``destination`` and counts each condition's row
    part (:func:`~talentlab.indicators.definitions.destination_split`); stage 2 adds up, per
    group, the stage-1 rows of the destinations each condition takes. Comparing the
    destination per (group, destination) rather than per row makes the query 1.3-1.6 times
    faster at five million rows (``benchmarks/README.md``); the counts are the same integers.
    """
    keys1 = by + ([] if "destination" in by else ["destination"])
    rows_agg = defs.count_sql([], quote, plan.weight)  # count(*), or sum(count)
    stage1 = [quote(k) for k in keys1] + [f"{rows_agg} AS {_N}"]
    first: dict[str, str] = {rows_agg: _N}
    select = [quote(b) for b in by] + [f"sum({_N}) AS n_total"]
    second: dict[str, str] = {}
    aliases: dict[str, str] = {}

    def column(dest, rows) -> str:
        agg = defs.count_sql(rows, quote, plan.weight)
        if agg not in first:
            first[agg] = f"talentlab_s{len(first)}"
            stage1.append(f"{agg} AS {first[agg]}")
        return _sum_over(dest, first[agg], quote)

    for out, cond in plan.conditions().items():
        text = column(*defs.destination_split(cond))
        if text == f"sum({_N})":
            aliases[out] = "n_total"
            continue
        if text not in second:
            second[text] = f"c{len(second)}"
            select.append(f"{text} AS {second[text]}")
        aliases[out] = second[text]
    if plan.mean is not None:
        _hours_stages(plan, quote, stage1, select, by)
    if plan.checks:  # rows breaking any rule (0 or more); the rule is found on failure
        select.append(f"{_check_signal(plan, quote, stage1)} AS check_any")
    plan._aliases = aliases  # type: ignore[attr-defined]
    inner = (f"SELECT {', '.join(stage1)} FROM {table} "
             f"GROUP BY {', '.join(quote(k) for k in keys1)}")
    group = f" GROUP BY {', '.join(quote(b) for b in by)}" if by else ""
    return f"SELECT {', '.join(select)} FROM ({inner}) AS per_destination{group}"


_DEST_RULE = "destination outside the contract or missing"


def _check_signal(plan: Plan, quote, stage1: list[str]) -> str:
    """Stage 2: a positive number for a group with a row that breaks a checked rule.

    The destination rule counts the rows of a destination outside the contract; the bounds of
    :data:`~talentlab.indicators.definitions.CHECK_BOUNDS` compare the group's minimum and
    maximum (and, for whole-number rules on a non-integer column, the largest fractional
    part) with the bounds.
    """
    terms = []
    if _DEST_RULE in plan.checks:
        terms.append(f"sum(CASE WHEN {defs.CHECKS[_DEST_RULE](quote)} THEN {_N} ELSE 0 END)")
    broken = []
    for rule in plan.checks:
        if rule not in defs.CHECK_BOUNDS:
            continue
        col, low, high, whole = defs.CHECK_BOUNDS[rule]
        c, name = quote(col), f"talentlab_{len(stage1)}"
        stage1.append(f"min({c}) AS {name}_min")
        broken.append(f"min({name}_min) < {defs.sql_literal(low)}")
        if high is not None:
            stage1.append(f"max({c}) AS {name}_max")
            broken.append(f"max({name}_max) > {defs.sql_literal(high)}")
        if whole and col not in plan.integer_columns:
            stage1.append(f"max({c} - floor({c})) AS {name}_frac")
            broken.append(f"max({name}_frac) > 0")
    if broken:
        terms.append(f"CASE WHEN {' OR '.join(broken)} THEN 1 ELSE 0 END")
    return " + ".join(terms) if terms else "0"


def _sum_over(dest: tuple[str, ...] | None, column: str, quote) -> str:
    """Stage 2: the sum of a stage-1 column over the destinations ``dest`` (None: all)."""
    if dest is None:
        return f"sum({column})"
    return f"sum(CASE WHEN {defs.Dest(dest).sql(quote)} THEN {column} END)"


def _hours_stages(plan: Plan, quote, stage1: list[str], select: list[str], by: list[str]
                  ) -> None:
    """The retraining-hours sum, and per destination the count, sum and squared deviations
    (``n * var_pop``) of the records whose deviations the SE adds one by one.

    Those are every record for the ordinary SE, the records without a cluster id for the
    cluster-robust SE (each a cluster of its own, module doc). :func:`_squared_deviations`
    combines the destinations.
    """
    m = plan.mean
    dest, rows = defs.destination_split(m.base)
    x = quote(m.column)
    if rows:  # pragma: no cover - the shipped base is destinations only
        x = f"CASE WHEN {' AND '.join(r.sql(quote) for r in rows)} THEN {x} END"
    sub = x if m.cluster is None else f"CASE WHEN {quote(m.cluster)} IS NULL THEN {x} END"
    h = _HOURS
    if plan.weighted:
        # a count table: a row of k graduates adds k, k x and k (x - shift)^2; the shift (the
        # overall mean, :func:`_count_scan`) keeps the squared deviations from cancelling
        w = quote(defs.COUNT_COLUMN)
        dev = f"({sub} - {defs.sql_literal(float(plan.hours_shift))})"
        n_sub = f"sum(CASE WHEN {sub} IS NOT NULL THEN {w} END)"
        sub_sum = f"sum({sub} * {w})"
        aggs = {f"sum({x} * {w})": h}
        aggs.setdefault(sub_sum, f"{h}_sub")
        aggs[n_sub] = f"{h}_n"
        aggs[f"sum({w} * {dev} * {dev}) - sum({w} * {dev}) * sum({w} * {dev}) / {n_sub}"] = \
            f"{h}_m2"
    else:
        sub_sum = f"sum({sub})"
        aggs = {f"sum({x})": h}  # the same text is computed once
        aggs.setdefault(sub_sum, f"{h}_sub")
        aggs[f"count({sub})"] = f"{h}_n"
        aggs[f"var_pop({sub}) * count({sub})"] = f"{h}_m2"
    stage1 += [f"{a} AS {alias}" for a, alias in aggs.items()]
    select.append(f"{_sum_over(dest, h, quote)} AS hours__sum")
    for i, d in enumerate(dest if dest is not None else DESTINATIONS):
        for what, col in (("n", f"{h}_n"), ("s", aggs[sub_sum]), ("m2", f"{h}_m2")):
            select.append(f"{_sum_over((d,), col, quote)} AS talentlab_dev_{what}{i}")
    if m.cluster is not None and by:  # the per-cluster query groups by it (cluster_sql)
        select.append(f"{_group_hash(by, quote)} AS {_GROUP_HASH}")


def _squared_deviations(raw: pd.DataFrame, mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per group: ``sum_i (x_i - mean)^2`` over the records :func:`_hours_stages` counts per
    destination, and their number.

    Destinations combine exactly: ``sum_d [M2_d + n_d (mean_d - mean)^2]`` with ``M2_d``
    the destination's squared deviations from its own mean (Chan, Golub & LeVeque 1983);
    every term is non-negative, so nothing cancels.
    """
    def num(col):  # sums over no rows are NULL: 0
        return pd.to_numeric(raw[col]).astype("Float64").fillna(0).to_numpy(dtype=float)

    ss, count = np.zeros(len(raw)), np.zeros(len(raw))
    i = 0
    while f"talentlab_dev_n{i}" in raw.columns:
        n, s, m2 = (num(f"talentlab_dev_{w}{i}") for w in ("n", "s", "m2"))
        with np.errstate(invalid="ignore", divide="ignore"):
            gap = np.where(n > 0, s / n - mean, 0.0)
        ss += m2 + n * gap * gap
        count += n
        i += 1
    return ss, count


_GROUP_HASH = "talentlab_group_hash"


def _group_hash(by: list[str], quote) -> str:
    """A 64-bit hash of the group keys in the engine's SQL (DuckDB ``hash``, Spark
    ``xxhash64``); used only after checking that the groups' hashes are distinct."""
    fn = "xxhash64" if quote is defs.quote_spark else "hash"
    return f"{fn}({', '.join(quote(b) for b in by)})"


def cluster_sql(plan: Plan, by: list[str], table: str, quote, shift: float,
                hashed: bool = False) -> str:
    """Per group: the sums over its clusters the CR1 standard error needs (module doc).

    Records without a cluster id are left out (:func:`counts_sql` sums them). ``hashed``
    groups by :func:`_group_hash` of the keys instead of the keys (faster: one integer per
    row, 1.3-1.4 times at five million rows); the caller checks that no two groups share a
    hash, so grouping by it is grouping by the keys.
    """
    m = plan.mean
    assert m is not None and m.cluster is not None
    keys = ([f"{_group_hash(by, quote)} AS {_GROUP_HASH}"] if hashed
            else [quote(b) for b in by])
    names = ([_GROUP_HASH] if hashed else [quote(b) for b in by])
    x = f"({quote(m.column)} - {defs.sql_literal(float(shift))})"
    cl = quote(m.cluster)
    group1 = ", ".join(([_group_hash(by, quote)] if hashed else keys) + [cl])
    if plan.weighted:  # a count table: the cluster's graduates and their hours
        w = quote(defs.COUNT_COLUMN)
        n_c, s_c = f"sum({w})", f"sum({x} * {w})"
    else:
        n_c, s_c = "count(*)", f"sum({x})"
    inner = (f"SELECT {', '.join(keys + [cl])}, {n_c} AS n_c, {s_c} AS s_c "
             f"FROM {table} WHERE {m.base.sql(quote)} AND {quote(m.column)} IS NOT NULL "
             f"AND {cl} IS NOT NULL GROUP BY {group1}")
    outer = ("count(*) AS g_named, sum(s_c * s_c) AS sum_s2, sum(n_c * s_c) AS sum_ns, "
             "sum(n_c * n_c) AS sum_n2")
    group = f" GROUP BY {', '.join(names)}" if by else ""
    sel = ", ".join(names + [outer])
    return f"SELECT {sel} FROM ({inner}) AS per_cluster{group}"


def _ssc_named(c: pd.DataFrame, mean_shifted: np.ndarray) -> np.ndarray:
    """sum_c e_c^2 over the named clusters from :func:`cluster_sql`'s sums, ``m`` the group
    mean of the shifted hours (all records)."""
    def num(col):  # sums over no rows are NULL: 0
        return pd.to_numeric(c[col]).astype("Float64").fillna(0).to_numpy(dtype=float)

    m = mean_shifted
    return num("sum_s2") - 2 * m * num("sum_ns") + m * m * num("sum_n2")


def _count_scan(plan: Plan, table: str, quote, fetch, examples) -> str:
    """A count table's own checks and the table to count from.

    Refuses counts that are missing, negative or not whole (naming examples); sets
    ``plan.hours_shift`` to the mean hours of the graduates in the hours base (the shift of
    the squared deviations in :func:`_hours_stages`); returns ``table`` without its rows of
    count 0 (they stand for no graduate, so no group or cluster comes from them alone).
    ``fetch`` runs a query and returns its one row.
    """
    c = quote(defs.COUNT_COLUMN)
    bad = f"({c} IS NULL OR {c} < 0 OR {c} <> round({c}))"
    parts = [f"count_if({bad})"]
    m = plan.mean
    if m is not None:
        x = quote(m.column)
        cond = f"{m.base.sql(quote)} AND {x} IS NOT NULL AND {c} > 0"
        parts += [f"sum(CASE WHEN {cond} THEN {x} * {c} END)",
                  f"sum(CASE WHEN {cond} THEN {c} END)"]
    row = fetch(f"SELECT {', '.join(parts)} FROM {table}")
    if row[0]:
        raise IndicatorInputError(
            f"graduates.{defs.COUNT_COLUMN}: {int(row[0])} row(s) break the rule 'count must be "
            f"a whole number >= 0 (the graduates a row stands for)', e.g. values "
            f"{examples(defs.COUNT_COLUMN, lambda q: bad)}")
    if m is not None and row[2]:
        plan.hours_shift = float(round(float(row[1]) / float(row[2]), 6))
    return f"(SELECT * FROM {table} WHERE {c} > 0) AS counted"


def _raise_checks(plan: Plan, any_bad: int, count, examples) -> None:
    """If rows break a rule: which rule, how many rows, example values (``count`` and
    ``examples`` run a query for one rule)."""
    if not any_bad:
        return
    for rule, fn in plan.checks.items():
        bad = int(count(fn) or 0)
        if bad:
            col = defs.CHECK_COLUMNS[rule]
            raise IndicatorInputError(
                f"graduates.{col}: {bad} row(s) break the rule '{rule}', e.g. values "
                f"{examples(col, fn)}")


def _finish_sql_counts(plan: Plan, by: list[str], raw: pd.DataFrame,
                       cluster: pd.DataFrame | None, shift: float) -> pd.DataFrame:
    aliases = plan._aliases  # type: ignore[attr-defined]
    out = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    def ints(col):  # count_if over no rows is NULL in some engines: 0
        return pd.to_numeric(raw[col]).astype("Float64").fillna(0).to_numpy(dtype=np.int64)

    out["n_total"] = ints("n_total")
    for name, alias in aliases.items():
        out[name] = ints(alias)
    _derive_unknown(plan, out)
    if plan.mean is not None:
        out["hours__sum"] = raw["hours__sum"].to_numpy(dtype=float, na_value=np.nan)
        out["hours__sum"] = out["hours__sum"].fillna(0.0)
        n = out["hours__n"].to_numpy(dtype=float)
        if plan.mean.cluster is None:
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(n > 0, out["hours__sum"].to_numpy(dtype=float) / n, 0.0)
            ss = _squared_deviations(raw, mean)[0]
            out["hours__ss"] = np.where(n > 0, ss, np.nan)
        else:
            _clustered_sums(out, raw, cluster, by, shift)
    return out


def _clustered_sums(out: pd.DataFrame, raw: pd.DataFrame, cluster: pd.DataFrame | None,
                    by: list[str], shift: float) -> None:
    """``hours__ssc`` (sum of squared cluster residual sums) and ``hours__clusters``."""
    def num(frame, col):  # sums over no rows are NULL: 0
        return pd.to_numeric(frame[col]).astype("Float64").fillna(0).to_numpy(dtype=float)

    n = out["hours__n"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(n > 0, out["hours__sum"].to_numpy(dtype=float) / n, 0.0)
    mean_shifted = mean - shift
    ssc, singles = _squared_deviations(raw, mean)
    clusters = singles.astype(np.int64)
    if cluster is not None and len(cluster):
        if not by:
            pos = np.zeros(len(cluster), dtype=np.intp)
        elif _GROUP_HASH in cluster.columns:
            index = {h: i for i, h in enumerate(raw[_GROUP_HASH].tolist())}
            pos = np.array([index[h] for h in cluster[_GROUP_HASH].tolist()], dtype=np.intp)
        else:
            pos = _match_keys(out[by], cluster[by])
        ssc[pos] += _ssc_named(cluster, mean_shifted[pos])
        clusters[pos] += num(cluster, "g_named").astype(np.int64)
    out["hours__ssc"] = np.where(n > 0, np.maximum(ssc, 0.0), 0.0)  # rounding: -1e-12 for 0
    out["hours__clusters"] = clusters


def _derive_unknown(plan: Plan, out: pd.DataFrame) -> None:
    for name in plan.proportions:
        out[f"{name}__unknown"] = out[f"{name}__base"] - out[f"{name}__den"]


def _match_keys(keys: pd.DataFrame, other: pd.DataFrame) -> np.ndarray:
    """Row positions in ``keys`` of each row of ``other`` (NULL matches NULL)."""
    token = "\x00NA\x00"

    def tuples(df):
        cols = [df[c].astype(object).where(df[c].notna(), token).map(str) for c in df.columns]
        return list(zip(*cols, strict=True))

    index = {t: i for i, t in enumerate(tuples(keys))}
    return np.array([index[t] for t in tuples(other)], dtype=np.intp)


#: Memory DuckDB may use before its aggregations spill to disk (environment variable
#: ``TALENTLAB_DUCKDB_MEMORY_LIMIT`` overrides it): the per-employer sums of the cluster-robust
#: SE have nearly one group per employee, and spilling keeps the process small. 256 MB keeps
#: the whole process below the size of the data in memory from 5M rows on (500 MiB peak RSS at
#: 5M against 533 MiB as a DataFrame) and is 17-25% faster than 128 MB; 512 MB is 8-14% faster
#: again but exceeds it (664 MiB) - ``benchmarks/README.md``.
DUCKDB_MEMORY_LIMIT = "256MB"


def _duckdb_counts(source, by: list[str], plan: Plan, connection=None) -> pd.DataFrame:
    import tempfile

    import duckdb

    if connection is not None:
        return _duckdb_counts_on(connection, source, by, plan)
    with tempfile.TemporaryDirectory(prefix="talentlab-duckdb-") as spill:
        con = duckdb.connect(config={
            "memory_limit": os.environ.get("TALENTLAB_DUCKDB_MEMORY_LIMIT",
                                           DUCKDB_MEMORY_LIMIT),
            "temp_directory": spill, "preserve_insertion_order": False})
        try:
            return _duckdb_counts_on(con, source, by, plan)
        finally:
            con.close()


_SQL_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                      "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "tinyint", "smallint",
                      "int", "bigint"}


def _duckdb_counts_on(con, source, by: list[str], plan: Plan) -> pd.DataFrame:
    import duckdb  # noqa: F401
    quote = defs.quote_duckdb
    src = resolve_source(source)
    if isinstance(src, pd.DataFrame):
        frame = src
        plan.use_columns(list(frame.columns))
        con.register("talentlab_graduates_df", _duckdb_frame(frame, plan.needed_columns(by)))
        table, present = "talentlab_graduates_df", list(frame.columns)
        integers = {c for c in frame.columns if pd.api.types.is_integer_dtype(frame[c].dtype)}
    else:
        text = str(src)
        lit = defs.sql_literal(text)
        integers = set()
        if text.lower().endswith((".csv", ".csv.gz", ".txt")):
            _require_utf8(text)
            scan = f"read_csv({lit}, all_varchar = true, header = true)"
            present = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
            plan.use_columns(present)
            need = plan.needed_columns(by)
            bad = _csv_bad_cells(need, present, quote)
            if bad:
                counts = con.sql("SELECT " + ", ".join(
                    f"count_if({cond}) AS {quote(col)}" for col, cond in bad.items())
                    + f" FROM {scan}").fetchall()[0]
                for (col, cond), k in zip(bad.items(), counts, strict=True):
                    if k:
                        ex = [r[0] for r in con.sql(
                            f"SELECT {quote(col)} FROM {scan} WHERE {cond} LIMIT 5").fetchall()]
                        raise IndicatorInputError(
                            f"{text}: column {col}: {k} cell(s) are not a valid "
                            f"{talentlab_type(col)}, e.g. {ex}")
            table = f"(SELECT {_csv_typed_select(need, present, quote)} FROM {scan}) AS g"
        elif text.lower().endswith(".parquet") or "*" in text:
            table = f"read_parquet({lit})"
            described = con.sql(f"DESCRIBE SELECT * FROM {table}").fetchall()
            present = [r[0] for r in described]
            integers = {r[0] for r in described if r[1] in _SQL_INTEGER_TYPES}
        else:
            raise IndicatorInputError(f"{text}: the engines read .parquet or .csv files")
    _require(plan, by, present, str(src) if not isinstance(src, pd.DataFrame) else "graduates")
    plan.integer_columns = integers

    def count(fn):
        return con.sql(f"SELECT count_if({fn(quote)}) FROM {table}").fetchall()[0][0]

    def examples(col, fn):
        return [r[0] for r in con.sql(
            f"SELECT {quote(col)} FROM {table} WHERE {fn(quote)} LIMIT 5").fetchall()]
    if plan.weighted:
        table = _count_scan(plan, table, quote, lambda sql: con.sql(sql).fetchall()[0],
                            examples)
    raw = _arrow_frame(con.sql(counts_sql(plan, by, table, quote)).to_arrow_table())
    _raise_checks(plan, int(raw["check_any"].sum()) if plan.checks else 0, count, examples)
    cluster, shift = None, 0.0
    if plan.mean is not None and plan.mean.cluster is not None:
        shift = _shift(raw, plan)
        cluster = _arrow_frame(con.sql(cluster_sql(plan, by, table, quote, shift,
                                                   hashed=_distinct_hashes(raw, by)))
                               .to_arrow_table())
    return _order(_finish_sql_counts(plan, by, raw, cluster, shift), by, src)


def _arrow_frame(table) -> pd.DataFrame:
    """An Arrow result as pandas: keys keep NULLs (Int64, boolean, str), sums become numpy."""
    import pyarrow as pa

    cols = {}
    for name, col in zip(table.column_names, table.columns, strict=True):
        t = col.type
        if pa.types.is_dictionary(t):
            col = col.cast(t.value_type)
            t = t.value_type
        if pa.types.is_floating(t) or pa.types.is_decimal(t):
            cols[name] = col.cast(pa.float64()).to_numpy(zero_copy_only=False)
        elif pa.types.is_integer(t) and col.null_count == 0:
            cols[name] = pd.array(col.to_numpy().astype(np.int64), dtype="Int64")
        elif pa.types.is_boolean(t):
            cols[name] = pd.array(col.to_pylist(), dtype="boolean")
        elif pa.types.is_integer(t):
            cols[name] = pd.array(col.to_pylist(), dtype="Int64")
        else:
            cols[name] = pd.array([None if v is None else str(v) for v in col.to_pylist()],
                                  dtype="str")
    return pd.DataFrame(cols)


def _require_utf8(path: str) -> None:
    """The SQL engines read UTF-8 CSV (with or without BOM); name anything else clearly."""
    import codecs

    if path.lower().endswith(".gz"):
        return
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as fh:
        for _ in range(16):  # the first 16 MiB
            chunk = fh.read(2**20)
            if not chunk:
                return
            try:
                decoder.decode(chunk, final=False)
            except UnicodeDecodeError as exc:
                raise IndicatorInputError(
                    f"{path}: not UTF-8 (byte {exc.start} of a block: {exc.reason}); the DuckDB "
                    "and Spark engines read UTF-8 CSV - use --engine pandas (which detects "
                    "GB18030 and UTF-16), or `talentlab process` to parquet first") from None


def talentlab_type(col: str) -> str:
    from talentlab.data import schema
    return schema.fields("graduates").get(col, {}).get("type", "string")


def _distinct_hashes(raw: pd.DataFrame, by: list[str]) -> bool:
    """True when every group has its own key hash (then grouping by it is exact)."""
    if not by or _GROUP_HASH not in raw.columns:
        return False
    h = raw[_GROUP_HASH]
    return bool(h.notna().all() and h.is_unique)


def _shift(raw: pd.DataFrame, plan: Plan) -> float:
    n = raw[plan._aliases["hours__n"]].sum()  # type: ignore[attr-defined]
    s = pd.to_numeric(raw["hours__sum"], errors="coerce").sum()
    return float(round(s / n, 6)) if n else 0.0


def _duckdb_frame(frame: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    """The needed columns (DuckDB scans pandas categoricals as ENUM, nullable dtypes as NULL)."""
    return frame[[c for c in needed if c in frame.columns]]


def _require(plan: Plan, by: list[str], present: list[str], where: str) -> None:
    plan.use_columns(present)
    missing = [c for c in plan.needed_columns(by) if c not in present
               and c not in {defs.CHECK_COLUMNS[r] for r in defs.CHECKS}]
    if missing:
        raise IndicatorInputError(f"{where}: the graduates table lacks column(s) {missing}")


def _spark_session(spark=None):
    """The given session, or a local one (``local[*]``, or the master URL given as a string)."""
    from pyspark.sql import SparkSession

    if spark is not None and not isinstance(spark, str):
        return spark
    builder = SparkSession.builder.appName("talentlab-indicators")
    builder = builder.master(spark or os.environ.get("TALENTLAB_SPARK_MASTER", "local[*]"))
    return (builder.config("spark.ui.enabled", "false")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate())


def _spark_frame(spark, frame: pd.DataFrame, needed: list[str]):
    import pyarrow as pa

    cols = [c for c in needed if c in frame.columns]
    sub = frame[cols].copy()
    for c in cols:
        if isinstance(sub[c].dtype, pd.CategoricalDtype):
            sub[c] = sub[c].astype("str")
    table = pa.Table.from_pandas(sub, preserve_index=False)
    if len(sub) == 0:
        from pyspark.sql.pandas.types import from_arrow_schema
        return spark.createDataFrame([], schema=from_arrow_schema(table.schema))
    return spark.createDataFrame(table)


def _spark_counts(source, by: list[str], plan: Plan, spark=None) -> pd.DataFrame:
    session = _spark_session(spark)
    quote = defs.quote_spark
    src = resolve_source(source)
    view = "talentlab_graduates"
    if isinstance(src, pd.DataFrame):
        plan.use_columns(list(src.columns))
        sdf = _spark_frame(session, src, plan.needed_columns(by))
        present = list(src.columns)
        sdf.createOrReplaceTempView(view)
        table = view
    else:
        text = str(src)
        if text.lower().endswith(".csv"):
            _require_utf8(text)
            sdf = session.read.option("header", True).option("inferSchema", False).csv(text)
            sdf.createOrReplaceTempView(view + "_text")
            present = list(sdf.columns)
            plan.use_columns(present)
            need = plan.needed_columns(by)
            bad = _csv_bad_cells(need, present, quote)
            for col, cond in bad.items():
                k = session.sql(f"SELECT count_if({cond}) FROM {view}_text").collect()[0][0]
                if k:
                    raise IndicatorInputError(f"{text}: column {col}: {k} cell(s) are not a "
                                              f"valid {talentlab_type(col)}")
            session.sql(f"SELECT {_csv_typed_select(need, present, quote)} FROM {view}_text"
                        ).createOrReplaceTempView(view)
        else:
            sdf = session.read.parquet(text)
            present = list(sdf.columns)
            sdf.createOrReplaceTempView(view)
        table = view
    _require(plan, by, present, str(src) if not isinstance(src, pd.DataFrame) else "graduates")
    plan.integer_columns = {c for c, t in sdf.dtypes if t in _SQL_INTEGER_TYPES}

    def collect(sql: str) -> pd.DataFrame:
        df = session.sql(sql)
        rows = df.collect()
        return pd.DataFrame({c: [r[i] for r in rows] for i, c in enumerate(df.columns)})

    def count(fn):
        return session.sql(f"SELECT count_if({fn(quote)}) FROM {table}").collect()[0][0]

    def examples(col, fn):
        return [r[0] for r in session.sql(
            f"SELECT {quote(col)} FROM {table} WHERE {fn(quote)} LIMIT 5").collect()]
    if plan.weighted:
        table = _count_scan(plan, table, quote,
                            lambda sql: tuple(session.sql(sql).collect()[0]), examples)
    raw = collect(counts_sql(plan, by, table, quote))
    _raise_checks(plan, int(pd.to_numeric(raw["check_any"]).sum()) if plan.checks else 0,
                  count, examples)
    cluster, shift = None, 0.0
    if plan.mean is not None and plan.mean.cluster is not None:
        shift = _shift(raw, plan)
        cluster = collect(cluster_sql(plan, by, table, quote, shift,
                                      hashed=_distinct_hashes(raw, by)))
    return _order(_finish_sql_counts(plan, by, raw, cluster, shift), by, src)


def _order(out: pd.DataFrame, by: list[str], src) -> pd.DataFrame:
    """Keys in the source's dtypes (for a DataFrame) and in pandas groupby order."""
    if not by:
        return out.reset_index(drop=True)
    for c in by:
        if isinstance(src, pd.DataFrame):
            dtype = src[c].dtype
            vals = out[c].astype(object).where(out[c].notna(), None)
            out[c] = pd.array(list(vals), dtype=dtype) if not isinstance(
                dtype, pd.CategoricalDtype) else pd.Categorical(list(vals), dtype=dtype)
        else:
            out[c] = _plain_dtype(out[c])
    return out.sort_values(by, na_position="last", kind="stable").reset_index(drop=True)


def _plain_dtype(s: pd.Series) -> pd.Series:
    vals = s.astype(object).where(s.notna(), None)
    non_null = [v for v in vals if v is not None]
    if non_null and all(isinstance(v, bool | np.bool_) for v in non_null):
        return pd.Series(pd.array(list(vals), dtype="boolean"), index=s.index)
    if non_null and all(isinstance(v, int | np.integer) for v in non_null):
        return pd.Series(pd.array(list(vals), dtype="Int64"), index=s.index)
    if non_null and all(isinstance(v, float | np.floating) for v in non_null):
        return pd.Series(pd.array(list(vals), dtype="Float64"), index=s.index)
    return pd.Series(pd.array([None if v is None else str(v) for v in vals], dtype="str"),
                     index=s.index)


# ---------------------------------------------------------------------------------------------
# pandas engine: the same conditions as numpy masks
# ---------------------------------------------------------------------------------------------

def _pandas_counts(source, by: list[str], plan: Plan) -> pd.DataFrame:
    src = resolve_source(source)
    if not isinstance(src, pd.DataFrame):
        src = read_for_pandas(src, plan.needed_columns(by))
    _require(plan, by, list(src.columns), "graduates")
    src, counts = counted_rows(src, "compute_counts")  # a count table: rows of count 0 go
    codes, keys = group_index(src, by, "compute_counts", "graduates")
    frame = defs.MaskFrame(src)
    _pandas_checks(src, plan)
    G = len(keys) if by else 1
    out = keys.copy() if by else pd.DataFrame(index=pd.RangeIndex(1))
    out["n_total"] = weighted_bincount(codes, counts, G)
    masks: dict[defs.Cond, np.ndarray] = {}
    for name, cond in plan.conditions().items():
        if cond not in masks:
            masks[cond] = cond.mask(frame)
        out[name] = weighted_bincount(codes, counts, G, masks[cond])
    _derive_unknown(plan, out)
    if plan.mean is not None:
        m = plan.mean
        base = m.base.mask(frame) & frame.known(m.column)
        x = frame.numbers(m.column)[base]
        c = codes[base]
        w = np.ones(len(x)) if counts is None else counts[base].astype(float)
        n = np.bincount(c, weights=None if counts is None else w, minlength=G).astype(float)
        total = np.bincount(c, weights=x if counts is None else x * w,
                            minlength=G).astype(float)
        out["hours__sum"] = total
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / n
        resid = x - mean[c]
        if m.cluster is None:
            ss = np.bincount(c, weights=resid**2 if counts is None else w * resid**2,
                             minlength=G).astype(float)
            out["hours__ss"] = np.where(n > 0, ss, np.nan)
        else:
            # aggregate per (group, cluster) first: e_c = sum of residuals in the cluster
            # (a row of k graduates adds k e); each graduate without a cluster id is a
            # cluster of its own (a row of k such graduates: k clusters of e^2 each)
            emp = src[m.cluster][base]
            emp_codes = np.asarray(pd.factorize(emp, use_na_sentinel=True)[0], dtype=np.int64)
            single = emp_codes < 0
            k = int(emp_codes.max()) + 1 if len(emp_codes) else 0
            pair = c.astype(np.int64) * max(k, 1) + np.where(single, 0, emp_codes)
            pair_keys, inverse = np.unique(pair[~single], return_inverse=True)
            e = resid if counts is None else resid * w
            e_c = np.bincount(inverse, weights=e[~single], minlength=len(pair_keys))
            grp = (pair_keys // max(k, 1)).astype(np.intp)
            ssc = np.bincount(grp, weights=e_c**2, minlength=G).astype(float)
            ssc += np.bincount(c[single], weights=(resid**2 * w)[single], minlength=G)
            out["hours__ssc"] = ssc
            out["hours__clusters"] = (np.bincount(grp, minlength=G)
                                      + weighted_bincount(c, None if counts is None
                                                          else counts[base], G, single)
                                      ).astype(np.int64)
    return out.reset_index(drop=True)


def _pandas_checks(df: pd.DataFrame, plan: Plan) -> None:
    if "destination" in df.columns:
        s = df["destination"]
        bad = (~s.isin(DESTINATIONS) | s.isna()).to_numpy()
        if bad.any():
            raise IndicatorInputError(
                f"graduates.destination: {int(bad.sum())} row(s) break the rule 'destination "
                f"outside the contract or missing', e.g. values "
                f"{list(map(str, s[bad].head(5)))}")
    for col, rule in (("job_satisfaction", "job_satisfaction must be an integer 1-5"),
                      ("retraining_hours", "retraining_hours must be >= 0")):
        if col in df.columns and rule in plan.checks:
            v = df[col].to_numpy(dtype=float, na_value=np.nan)
            with np.errstate(invalid="ignore"):
                bad = ((v < 1) | (v > 5) | (v != np.round(v))) if col == "job_satisfaction" \
                    else (v < 0)
            bad &= ~np.isnan(v)
            if bad.any():
                raise IndicatorInputError(f"graduates.{col}: {int(bad.sum())} row(s) break the "
                                          f"rule '{rule}', e.g. values {v[bad][:5].tolist()}")


def read_for_pandas(src, columns: list[str] | None) -> pd.DataFrame:
    """A graduates file as a DataFrame: parquet as stored (``columns``: only those), CSV and
    Excel through the validating reader of :mod:`talentlab.data.io`."""
    text = str(src)
    if text.lower().endswith(".parquet") or "*" in text:
        import pyarrow.parquet as pq
        present = pq.read_schema(text).names if "*" not in text else None
        cols = None if columns is None else [c for c in columns
                                             if present is None or c in present]
        return pd.read_parquet(text if "*" not in text else Path(text).parent, columns=cols)
    from talentlab.data import io as tio
    return tio.load_graduates(text)


# ---------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------

def compute_counts(source, by: str | Sequence[str] | None = None, *, engine: str = "auto",
                   indicators: Sequence[str] | None = None,
                   options: Mapping[str, Mapping] | None = None, spark=None,
                   connection=None) -> pd.DataFrame:
    """Per-group counts of the count-based graduate indicators, on the chosen engine.

    Parameters
    ----------
    source : DataFrame, path, or container
        A graduates DataFrame (or ``load_all`` container / dict with ``graduates``), a
        parquet or CSV file, a glob of parquet files, or a data folder.
    by : str or list of str
        Group columns; a missing key value is a group of its own (sorted last).
    engine : {"auto", "duckdb", "pandas", "spark"}
        ``auto``: pandas for small DataFrames and files, DuckDB for files of at least
        :data:`AUTO_DUCKDB_BYTES` and DataFrames of at least :data:`AUTO_DUCKDB_ROWS` rows.
    indicators : list of str, optional
        Subset of :data:`ENGINE_INDICATORS` (default: all whose columns the source has).
    options : dict, optional
        Per indicator options as :func:`compute_all` (``denominator``, ``regions``,
        ``unknown``, ``cluster``).
    spark : SparkSession or str, optional
        A session, or a master URL (default ``local[*]`` or ``$TALENTLAB_SPARK_MASTER``).
    connection : duckdb connection, optional
        E.g. one with ``memory_limit`` / ``temp_directory`` set for larger-than-memory data.

    Returns
    -------
    DataFrame
        Group columns, ``n_total``, ``dest__<destination>`` for the eight destinations, and per
        proportion ``<name>__num``, ``__den``, ``__unknown``, ``__base``; for retraining hours
        ``hours__in_base``, ``hours__n``, ``hours__sum`` and ``hours__ss`` (ordinary SE) or
        ``hours__ssc``, ``hours__clusters`` (cluster-robust SE; module docstring). Integers are
        int64; groups in pandas ``groupby(sort=True, dropna=False)`` order.
    """
    by = as_list(by)
    src = resolve_source(source)
    eng = choose_engine(src, engine)
    if eng == "pandas" and not isinstance(src, pd.DataFrame):
        src = read_for_pandas(src, None)  # validated (CSV in any encoding the contract reads)
    names = list(indicators) if indicators is not None else _available(src)
    plan = Plan(names, options or {})
    if eng == "pandas":
        return _pandas_counts(src, by, plan)
    if eng == "duckdb":
        return _duckdb_counts(src, by, plan, connection)
    return _spark_counts(src, by, plan, spark)


def indicators_from_counts(counts: pd.DataFrame, by: str | Sequence[str] | None = None, *,
                           indicators: Sequence[str] | None = None,
                           options: Mapping[str, Mapping] | None = None,
                           alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """The tidy indicator table (as :func:`compute_all`) from :func:`compute_counts`' counts."""
    from talentlab.indicators.graduate import (
        binary_result,
        destination_rate_from_counts,
        employment_rate_from_counts,
        mean_result,
    )

    by = as_list(by)
    alpha = check_alpha(alpha, "indicators_from_counts")
    min_cell = check_min_cell(min_cell)
    options = {k: dict(v) for k, v in (options or {}).items()}
    names = list(indicators) if indicators is not None else list(ENGINE_INDICATORS)
    plan = Plan(names, options)
    keys = counts[by].reset_index(drop=True) if by else pd.DataFrame(
        index=pd.RangeIndex(len(counts)))
    total = counts["n_total"].to_numpy()
    dest_table = counts[[f"dest__{d}" for d in DESTINATIONS]].to_numpy()
    frames = []
    common = {"alpha": alpha, "min_cell": min_cell}
    for name in names:
        if name in plan.proportions:
            p = plan.proportions[name]
            res = binary_result(
                keys, p.code, p.column, num=counts[f"{name}__num"].to_numpy(),
                den=counts[f"{name}__den"].to_numpy(),
                unknown=counts[f"{name}__unknown"].to_numpy(),
                excluded=total - counts[f"{name}__base"].to_numpy(), total=total,
                base_text=p.base_text, **common)
            if p.statistic != "proportion":
                res["statistic"] = p.statistic
            frames.append(res)
        elif name == "employment_rate":
            unknown = options.get(name, {}).get("unknown", "exclude")
            frames.append(employment_rate_from_counts(keys, dest_table, unknown=unknown,
                                                      **common))
        elif name == "destination_rate":
            unknown = options.get(name, {}).get("unknown", "not_placed")
            frames.append(destination_rate_from_counts(keys, dest_table, unknown=unknown,
                                                       **common))
        elif name == "retraining_hours":
            m = plan.mean
            kw = ({"ss": counts["hours__ss"].to_numpy()} if m.cluster is None else
                  {"ssc": counts["hours__ssc"].to_numpy(),
                   "n_clusters": counts["hours__clusters"].to_numpy()})
            frames.append(mean_result(keys, n=counts["hours__n"].to_numpy(),
                                      total=counts["hours__sum"].to_numpy(), cluster=m.cluster,
                                      in_base=counts["hours__in_base"].to_numpy(),
                                      group_total=total, **kw, **common))
    out = concat_results(frames)
    lead = [c for c in by if c in out.columns]
    return out[lead + [c for c in out.columns if c not in lead]]


def compute_indicators(source, by: str | Sequence[str] | None = None, *, engine: str = "auto",
                       indicators: Sequence[str] | None = None,
                       options: Mapping[str, Mapping] | None = None, alpha: float = 0.05,
                       min_cell: int | None = None, spark=None, connection=None) -> pd.DataFrame:
    """:func:`compute_counts` then :func:`indicators_from_counts`: the tidy table from any engine.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators.engines import compute_indicators
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({"destination": pd.Categorical(
    ...     ["employed_full_time", "unemployed"], categories=levels)})
    >>> r = compute_indicators(g, engine="duckdb", indicators=["employment_rate"])
    >>> r[["indicator", "numerator", "denominator", "estimate"]].values.tolist()
    [['employment_rate', 1.0, 2.0, 0.5]]
    """
    min_cell = check_min_cell(min_cell)  # refused before any data is read
    src = resolve_source(source)
    if choose_engine(src, engine) == "pandas" and not isinstance(src, pd.DataFrame):
        src = read_for_pandas(src, None)
    names = list(indicators) if indicators is not None else _available(src)
    for name in (options or {}):
        if name not in ENGINE_INDICATORS:
            raise IndicatorInputError(f"options for unknown indicator {name!r}")
    counts = compute_counts(src, by, engine=engine, indicators=names, options=options,
                            spark=spark, connection=connection)
    return indicators_from_counts(counts, by, indicators=names, options=options,
                                  alpha=alpha, min_cell=min_cell)


def _available(src) -> list[str]:
    """The engine indicators whose columns the source has (in order)."""
    from talentlab.indicators.graduate import GRADUATE_COLUMNS

    present = source_columns(src)
    return [n for n in ENGINE_INDICATORS if all(c in present for c in GRADUATE_COLUMNS[n])]
