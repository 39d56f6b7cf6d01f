"""The SQL of the DuckDB and Spark engines, and the counts table made from its results.

:func:`counts_sql` counts in two stages: per (group, destination) first, each condition's row
part (``count(column)`` for a known answer, ``count_if`` otherwise), then per group the
destinations each condition takes; no row compares its destination text.

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
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.data.schema import DESTINATIONS
from talentlab.indicators import definitions as defs
from talentlab.indicators.core import IndicatorInputError
from talentlab.indicators.engines.plan import Plan, derive_unknown

#: Column names of the first-stage table (prefixed so that no group key can collide).
_N, _HOURS = "talentlab_n", "talentlab_hours"
#: Column types (DuckDB and Spark spellings) of whole numbers: no whole-number check needed.
SQL_INTEGER_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT",
                     "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT", "tinyint", "smallint",
                     "int", "bigint"}


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
    plan.aliases = aliases
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
        # overall mean, :func:`count_scan`) keeps the squared deviations from cancelling
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
        select.append(f"{group_hash(by, quote)} AS {GROUP_HASH}")


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


#: Column of the group-key hash in both queries (:func:`group_hash`).
GROUP_HASH = "talentlab_group_hash"


def group_hash(by: list[str], quote) -> str:
    """A 64-bit hash of the group keys in the engine's SQL (DuckDB ``hash``, Spark
    ``xxhash64``); used only after checking that the groups' hashes are distinct."""
    fn = "xxhash64" if quote is defs.quote_spark else "hash"
    return f"{fn}({', '.join(quote(b) for b in by)})"


def cluster_sql(plan: Plan, by: list[str], table: str, quote, shift: float,
                hashed: bool = False) -> str:
    """Per group: the sums over its clusters the CR1 standard error needs (module doc).

    Records without a cluster id are left out (:func:`counts_sql` sums them). ``hashed``
    groups by :func:`group_hash` of the keys instead of the keys (faster: one integer per
    row, 1.3-1.4 times at five million rows); the caller checks that no two groups share a
    hash, so grouping by it is grouping by the keys.
    """
    m = plan.mean
    assert m is not None and m.cluster is not None
    keys = ([f"{group_hash(by, quote)} AS {GROUP_HASH}"] if hashed
            else [quote(b) for b in by])
    names = ([GROUP_HASH] if hashed else [quote(b) for b in by])
    x = f"({quote(m.column)} - {defs.sql_literal(float(shift))})"
    cl = quote(m.cluster)
    group1 = ", ".join(([group_hash(by, quote)] if hashed else keys) + [cl])
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


def count_scan(plan: Plan, table: str, quote, fetch, examples) -> str:
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


def raise_checks(plan: Plan, any_bad: int, count, examples) -> None:
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


def finish_sql_counts(plan: Plan, by: list[str], raw: pd.DataFrame,
                      cluster: pd.DataFrame | None, shift: float) -> pd.DataFrame:
    """The counts table of :func:`~talentlab.indicators.engines.compute_counts` from the
    result of :func:`counts_sql` (``raw``) and of :func:`cluster_sql` (``cluster``, None
    without a cluster-robust mean); ``shift`` is the one :func:`cluster_sql` subtracted."""
    aliases = plan.aliases
    out = raw[by].copy() if by else pd.DataFrame(index=raw.index)
    def ints(col):  # count_if over no rows is NULL in some engines: 0
        return pd.to_numeric(raw[col]).astype("Float64").fillna(0).to_numpy(dtype=np.int64)

    out["n_total"] = ints("n_total")
    for name, alias in aliases.items():
        out[name] = ints(alias)
    derive_unknown(plan, out)
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
        elif GROUP_HASH in cluster.columns:
            index = {h: i for i, h in enumerate(raw[GROUP_HASH].tolist())}
            pos = np.array([index[h] for h in cluster[GROUP_HASH].tolist()], dtype=np.intp)
        else:
            pos = _match_keys(out[by], cluster[by])
        ssc[pos] += _ssc_named(cluster, mean_shifted[pos])
        clusters[pos] += num(cluster, "g_named").astype(np.int64)
    out["hours__ssc"] = np.where(n > 0, np.maximum(ssc, 0.0), 0.0)  # rounding: -1e-12 for 0
    out["hours__clusters"] = clusters


def _match_keys(keys: pd.DataFrame, other: pd.DataFrame) -> np.ndarray:
    """Row positions in ``keys`` of each row of ``other`` (NULL matches NULL)."""
    token = "\x00NA\x00"

    def tuples(df):
        cols = [df[c].astype(object).where(df[c].notna(), token).map(str) for c in df.columns]
        return list(zip(*cols, strict=True))

    index = {t: i for i, t in enumerate(tuples(keys))}
    return np.array([index[t] for t in tuples(other)], dtype=np.intp)


def distinct_hashes(raw: pd.DataFrame, by: list[str]) -> bool:
    """True when every group has its own key hash (then grouping by it is exact)."""
    if not by or GROUP_HASH not in raw.columns:
        return False
    h = raw[GROUP_HASH]
    return bool(h.notna().all() and h.is_unique)


def cluster_shift(raw: pd.DataFrame, plan: Plan) -> float:
    """The shift of the hours in :func:`cluster_sql`: their overall mean from the counts query,
    rounded to 6 decimals (0 without hours)."""
    n = raw[plan.aliases["hours__n"]].sum()
    s = pd.to_numeric(raw["hours__sum"], errors="coerce").sum()
    return float(round(s / n, 6)) if n else 0.0


def order_groups(out: pd.DataFrame, by: list[str], src) -> pd.DataFrame:
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
