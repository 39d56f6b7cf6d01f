"""The Spark engine: the SQL of :mod:`talentlab.indicators.engines.sql` on a Spark session
(``local[*]`` unless you pass a session or a master URL: point it at a cluster when one machine
is not enough)."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from talentlab.indicators import definitions as defs
from talentlab.indicators.core import IndicatorInputError
from talentlab.indicators.engines.plan import Plan, require_plan_columns
from talentlab.indicators.engines.sources import (
    csv_bad_cells,
    csv_typed_select,
    require_utf8,
    talentlab_type,
)
from talentlab.indicators.engines.sql import (
    SQL_INTEGER_TYPES,
    cluster_shift,
    cluster_sql,
    count_scan,
    counts_sql,
    distinct_hashes,
    finish_sql_counts,
    order_groups,
    raise_checks,
)


def spark_session(spark=None):
    """The given session, or a local one (``local[*]``, or the master URL given as a string;
    default ``$TALENTLAB_SPARK_MASTER`` or ``local[*]``), with the settings the engine's SQL
    expects (UTC, ANSI mode off, 8 shuffle partitions, no UI)."""
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


def spark_counts(src: pd.DataFrame | Path | str, by: list[str], plan: Plan,
                 spark=None) -> pd.DataFrame:
    """The counts of ``plan`` per group of ``by`` on Spark (``spark``: a session or a master
    URL, :func:`spark_session`), from a source
    :func:`~talentlab.indicators.engines.sources.resolve_source` has resolved."""
    session = spark_session(spark)
    quote = defs.quote_spark
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
            require_utf8(text)
            sdf = session.read.option("header", True).option("inferSchema", False).csv(text)
            sdf.createOrReplaceTempView(view + "_text")
            present = list(sdf.columns)
            plan.use_columns(present)
            need = plan.needed_columns(by)
            bad = csv_bad_cells(need, present, quote)
            for col, cond in bad.items():
                k = session.sql(f"SELECT count_if({cond}) FROM {view}_text").collect()[0][0]
                if k:
                    raise IndicatorInputError(f"{text}: column {col}: {k} cell(s) are not a "
                                              f"valid {talentlab_type(col)}")
            session.sql(f"SELECT {csv_typed_select(need, present, quote)} FROM {view}_text"
                        ).createOrReplaceTempView(view)
        else:
            sdf = session.read.parquet(text)
            present = list(sdf.columns)
            sdf.createOrReplaceTempView(view)
        table = view
    require_plan_columns(plan, by, present,
                         str(src) if not isinstance(src, pd.DataFrame) else "graduates")
    plan.integer_columns = {c for c, t in sdf.dtypes if t in SQL_INTEGER_TYPES}

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
        table = count_scan(plan, table, quote,
                            lambda sql: tuple(session.sql(sql).collect()[0]), examples)
    raw = collect(counts_sql(plan, by, table, quote))
    raise_checks(plan, int(pd.to_numeric(raw["check_any"]).sum()) if plan.checks else 0,
                  count, examples)
    cluster, shift = None, 0.0
    if plan.mean is not None and plan.mean.cluster is not None:
        shift = cluster_shift(raw, plan)
        cluster = collect(cluster_sql(plan, by, table, quote, shift,
                                      hashed=distinct_hashes(raw, by)))
    return order_groups(finish_sql_counts(plan, by, raw, cluster, shift), by, src)
