"""The DuckDB engine: the counts of :mod:`talentlab.indicators.engines.sql` on an embedded
DuckDB, from a DataFrame or straight from a parquet or CSV file (larger than memory: DuckDB
streams the file and spills to disk)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
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

#: Memory DuckDB may use before its aggregations spill to disk (environment variable
#: ``TALENTLAB_DUCKDB_MEMORY_LIMIT`` overrides it): the per-employer sums of the cluster-robust
#: SE have nearly one group per employee, and spilling keeps the process small. 256 MB keeps
#: the whole process below the size of the data in memory from 5M rows on (500 MiB peak RSS at
#: 5M against 533 MiB as a DataFrame) and is 17-25% faster than 128 MB; 512 MB is 8-14% faster
#: again but exceeds it (664 MiB) - ``benchmarks/README.md``.
DUCKDB_MEMORY_LIMIT = "256MB"


def duckdb_counts(src: pd.DataFrame | Path | str, by: list[str], plan: Plan,
                  connection=None) -> pd.DataFrame:
    """The counts of ``plan`` per group of ``by`` on DuckDB, from a source
    :func:`~talentlab.indicators.engines.sources.resolve_source` has resolved.

    ``connection``: a DuckDB connection to use (default: a new one limited to
    :data:`DUCKDB_MEMORY_LIMIT`, spilling to a temporary folder removed afterwards).
    """
    import tempfile

    import duckdb

    if connection is not None:
        return _duckdb_counts_on(connection, src, by, plan)
    with tempfile.TemporaryDirectory(prefix="talentlab-duckdb-") as spill:
        con = duckdb.connect(config={
            "memory_limit": os.environ.get("TALENTLAB_DUCKDB_MEMORY_LIMIT",
                                           DUCKDB_MEMORY_LIMIT),
            "temp_directory": spill, "preserve_insertion_order": False})
        try:
            return _duckdb_counts_on(con, src, by, plan)
        finally:
            con.close()


def _duckdb_counts_on(con, src: pd.DataFrame | Path | str, by: list[str],
                      plan: Plan) -> pd.DataFrame:
    quote = defs.quote_duckdb
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
            require_utf8(text)
            scan = f"read_csv({lit}, all_varchar = true, header = true)"
            present = [r[0] for r in con.sql(f"DESCRIBE SELECT * FROM {scan}").fetchall()]
            plan.use_columns(present)
            need = plan.needed_columns(by)
            bad = csv_bad_cells(need, present, quote)
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
            table = f"(SELECT {csv_typed_select(need, present, quote)} FROM {scan}) AS g"
        elif text.lower().endswith(".parquet") or "*" in text:
            table = f"read_parquet({lit})"
            described = con.sql(f"DESCRIBE SELECT * FROM {table}").fetchall()
            present = [r[0] for r in described]
            integers = {r[0] for r in described if r[1] in SQL_INTEGER_TYPES}
        else:
            raise IndicatorInputError(f"{text}: the engines read .parquet or .csv files")
    require_plan_columns(plan, by, present,
                         str(src) if not isinstance(src, pd.DataFrame) else "graduates")
    plan.integer_columns = integers

    def count(fn):
        return con.sql(f"SELECT count_if({fn(quote)}) FROM {table}").fetchall()[0][0]

    def examples(col, fn):
        return [r[0] for r in con.sql(
            f"SELECT {quote(col)} FROM {table} WHERE {fn(quote)} LIMIT 5").fetchall()]
    if plan.weighted:
        table = count_scan(plan, table, quote, lambda sql: con.sql(sql).fetchall()[0],
                            examples)
    raw = _arrow_frame(con.sql(counts_sql(plan, by, table, quote)).to_arrow_table())
    raise_checks(plan, int(raw["check_any"].sum()) if plan.checks else 0, count, examples)
    cluster, shift = None, 0.0
    if plan.mean is not None and plan.mean.cluster is not None:
        shift = cluster_shift(raw, plan)
        cluster = _arrow_frame(con.sql(cluster_sql(plan, by, table, quote, shift,
                                                   hashed=distinct_hashes(raw, by)))
                               .to_arrow_table())
    return order_groups(finish_sql_counts(plan, by, raw, cluster, shift), by, src)


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


def _duckdb_frame(frame: pd.DataFrame, needed: list[str]) -> pd.DataFrame:
    """The needed columns (DuckDB scans pandas categoricals as ENUM, nullable dtypes as NULL)."""
    return frame[[c for c in needed if c in frame.columns]]
