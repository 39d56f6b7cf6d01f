"""The graduate-level count-based indicators on DuckDB, pandas or Spark, from one definition.

:func:`compute_counts` counts, per group, the numerators, denominators, unknown and excluded
records of every indicator in :mod:`talentlab.indicators.definitions` (and the destination
counts and retraining-hours sums), on the engine you choose:

* ``"duckdb"`` - the embedded default for files on disk (parquet, CSV; larger than memory:
  DuckDB streams the file and spills to disk), or an in-memory DataFrame
  (:mod:`~talentlab.indicators.engines.duckdb_engine`);
* ``"pandas"`` - numpy masks of the same conditions and ``bincount`` over the group codes of
  :func:`talentlab.indicators.core.group_index` (small in-memory frames;
  :mod:`~talentlab.indicators.engines.pandas_engine`);
* ``"spark"`` - the same SQL on a Spark session (``local[*]`` unless you pass a session or a
  master URL: point it at a cluster when one machine is not enough;
  :mod:`~talentlab.indicators.engines.spark_engine`).

:func:`indicators_from_counts` turns the counts into the tidy table of the indicator functions
(Wilson intervals, labels, method text) with the very functions the pandas indicator functions
end in, so every engine returns the same table; :func:`compute_indicators` does both.

A call resolves its source once (:func:`~talentlab.indicators.engines.sources.resolve_source`)
and chooses its engine once (:func:`~talentlab.indicators.engines.sources.engine_for`); the
resolved source and the chosen engine are passed down (:func:`counts_on`,
:func:`indicators_on`). What is counted is a :class:`~talentlab.indicators.engines.plan.Plan`;
the SQL of DuckDB and Spark, with the algebra of the cluster-robust standard error, is in
:mod:`~talentlab.indicators.engines.sql`; reading sources in
:mod:`~talentlab.indicators.engines.sources`.

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

from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from talentlab.data.disclosure import check_min_cell
from talentlab.data.schema import DESTINATIONS
from talentlab.indicators.core import (
    IndicatorInputError,
    as_list,
    check_alpha,
    concat_results,
)
from talentlab.indicators.engines.duckdb_engine import DUCKDB_MEMORY_LIMIT, duckdb_counts
from talentlab.indicators.engines.pandas_engine import pandas_counts
from talentlab.indicators.engines.plan import ENGINE_INDICATORS, Plan
from talentlab.indicators.engines.sources import (
    AUTO_DUCKDB_BYTES,
    AUTO_DUCKDB_ROWS,
    ENGINES,
    choose_engine,
    engine_for,
    read_for_pandas,
    resolve_source,
    resolved_columns,
    source_bytes,
    source_columns,
)
from talentlab.indicators.engines.spark_engine import spark_counts, spark_session
from talentlab.indicators.engines.sql import cluster_sql, counts_sql
from talentlab.indicators.graduate import (
    GRADUATE_COLUMNS,
    binary_result,
    destination_rate_from_counts,
    employment_rate_from_counts,
    mean_result,
)

__all__ = [
    "ENGINES", "ENGINE_INDICATORS", "AUTO_DUCKDB_BYTES", "AUTO_DUCKDB_ROWS", "DUCKDB_MEMORY_LIMIT",
    "Plan", "resolve_source", "source_bytes", "source_columns", "choose_engine", "engine_for",
    "resolved_columns", "read_for_pandas", "counts_sql", "cluster_sql", "spark_session",
    "compute_counts", "counts_on", "indicators_from_counts", "compute_indicators",
    "indicators_on", "available_indicators",
]

SourceValue = pd.DataFrame | Path | str


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
    eng = engine_for(src, engine)
    if eng == "pandas" and not isinstance(src, pd.DataFrame):
        src = read_for_pandas(src, None)  # validated (CSV in any encoding the contract reads)
    names = list(indicators) if indicators is not None else available_indicators(src)
    return counts_on(src, eng, by, Plan(names, options or {}), spark=spark,
                     connection=connection)


def counts_on(src: SourceValue, engine: str, by: list[str], plan: Plan, *, spark=None,
              connection=None) -> pd.DataFrame:
    """The counts of ``plan`` on a source resolved once and an engine chosen once.

    Parameters
    ----------
    src : DataFrame, Path or str
        What :func:`resolve_source` returned (for ``engine="pandas"``, a file is read first).
    engine : {"duckdb", "pandas", "spark"}
        What :func:`engine_for` returned.
    by : list of str
        Group columns.
    plan : Plan
        What to count.
    spark, connection
        As :func:`compute_counts`.

    Returns
    -------
    DataFrame
        As :func:`compute_counts`.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"destination": ["employed_full_time", "unknown"]})
    >>> counts_on(g, "pandas", [], Plan(["employment_rate"], {}))["n_total"].tolist()
    [2]
    """
    if engine == "pandas":
        return pandas_counts(src, by, plan)
    if engine == "duckdb":
        return duckdb_counts(src, by, plan, connection)
    return spark_counts(src, by, plan, spark)


def indicators_from_counts(counts: pd.DataFrame, by: str | Sequence[str] | None = None, *,
                           indicators: Sequence[str] | None = None,
                           options: Mapping[str, Mapping] | None = None,
                           alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """The tidy indicator table (as :func:`talentlab.indicators.compute_all`) from
    :func:`compute_counts`' counts, with the functions the pandas indicator functions end in
    (so every engine returns the same table); intervals at level 1 - ``alpha``."""
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

    The source is resolved once (:func:`resolve_source`) and the engine chosen once
    (:func:`engine_for`); :func:`indicators_on` does the rest. Parameters as
    :func:`compute_counts`; ``alpha`` and ``min_cell`` as :func:`talentlab.indicators.compute_all`.

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
    return indicators_on(src, engine_for(src, engine), by, indicators=indicators,
                         options=options, alpha=alpha, min_cell=min_cell, spark=spark,
                         connection=connection)


def indicators_on(src: SourceValue, engine: str, by: str | Sequence[str] | None = None, *,
                  indicators: Sequence[str] | None = None,
                  options: Mapping[str, Mapping] | None = None, alpha: float = 0.05,
                  min_cell: int | None = None, spark=None, connection=None) -> pd.DataFrame:
    """:func:`compute_indicators` on a source resolved once (:func:`resolve_source`) and an
    engine chosen once (:func:`engine_for`): :func:`talentlab.indicators.compute_all` calls it
    with what it resolved and chose itself.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"destination": ["employed_full_time", "unemployed"]})
    >>> indicators_on(g, "pandas", indicators=["employment_rate"])["estimate"].tolist()
    [0.5]
    """
    if engine == "pandas" and not isinstance(src, pd.DataFrame):
        src = read_for_pandas(src, None)
    names = list(indicators) if indicators is not None else available_indicators(src)
    for name in (options or {}):
        if name not in ENGINE_INDICATORS:
            raise IndicatorInputError(f"options for unknown indicator {name!r}")
    counts = counts_on(src, engine, as_list(by), Plan(names, options or {}), spark=spark,
                       connection=connection)
    return indicators_from_counts(counts, by, indicators=names, options=options,
                                  alpha=alpha, min_cell=min_cell)


def available_indicators(src: SourceValue) -> list[str]:
    """The engine indicators whose columns a resolved source has (in
    :data:`ENGINE_INDICATORS` order).

    Examples
    --------
    >>> import pandas as pd
    >>> available_indicators(pd.DataFrame({"destination": []}))
    ['employment_rate', 'destination_rate']
    """
    present = resolved_columns(src)
    return [n for n in ENGINE_INDICATORS if all(c in present for c in GRADUATE_COLUMNS[n])]
