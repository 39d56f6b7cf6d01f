"""Where the engines read from: a graduates DataFrame or file resolved once per call, its
columns and size, the engine ``"auto"`` chooses, and the typed reading of CSV text.

This module is the one place of :mod:`talentlab.indicators` that touches files (ARCHITECTURE.md):
it finds the graduates file of a folder, reads a file's header or parquet schema and size, and
hands the path to DuckDB or Spark, which scan it out of core.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from talentlab.indicators import definitions as defs
from talentlab.indicators.core import IndicatorInputError

#: The engines that count, by name (``"auto"`` chooses one of them: :func:`engine_for`).
ENGINES = ("duckdb", "pandas", "spark")
#: Input files at least this large go to DuckDB when ``engine="auto"`` (smaller: pandas).
AUTO_DUCKDB_BYTES = 64 * 2**20
#: In-memory graduates tables with at least this many rows go to DuckDB when
#: ``engine="auto"`` (the shipped data, about 6,000 rows, stay on the pandas path).
AUTO_DUCKDB_ROWS = 1_000_000


def resolve_source(source) -> pd.DataFrame | Path | str:
    """A DataFrame, or the graduates file for a path: a parquet/CSV file, a glob of parquet
    files, or a data folder holding ``graduates.parquet`` / ``graduates.csv``.

    The public entries (:func:`~talentlab.indicators.engines.compute_counts`,
    :func:`~talentlab.indicators.engines.compute_indicators`,
    :func:`talentlab.indicators.compute_all`) resolve their source once with this function and
    hand the result to :func:`engine_for`, :func:`resolved_columns` and the engines.

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"destination": ["unknown"]})
    >>> resolve_source({"graduates": g}) is g
    True
    """
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
    return resolved_bytes(resolve_source(source))


def resolved_bytes(src: pd.DataFrame | Path | str) -> int:
    """:func:`source_bytes` of a source :func:`resolve_source` has resolved."""
    if isinstance(src, pd.DataFrame):
        return 0
    if isinstance(src, str):
        import glob
        return sum(os.path.getsize(p) for p in glob.glob(src))
    return src.stat().st_size


def source_columns(source) -> list[str]:
    """The column names of a source (a file's header or schema; no data read)."""
    return resolved_columns(resolve_source(source))


def resolved_columns(src: pd.DataFrame | Path | str) -> list[str]:
    """:func:`source_columns` of a source :func:`resolve_source` has resolved.

    Examples
    --------
    >>> import pandas as pd
    >>> resolved_columns(pd.DataFrame({"destination": [], "major": []}))
    ['destination', 'major']
    """
    if isinstance(src, pd.DataFrame):
        return list(src.columns)
    text = str(src)
    if text.lower().endswith(".csv"):
        import csv
        require_utf8(text)
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
    return engine_for(resolve_source(source) if engine == "auto" else source, engine)


def engine_for(src: pd.DataFrame | Path | str, engine: str = "auto") -> str:
    """:func:`choose_engine` for a source :func:`resolve_source` has resolved: the one choice
    of engine of a call.

    Examples
    --------
    >>> import pandas as pd
    >>> engine_for(pd.DataFrame({"destination": ["unknown"]})), engine_for(None, "spark")
    ('pandas', 'spark')
    """
    if engine != "auto":
        if engine not in ENGINES:
            raise IndicatorInputError(f"engine must be one of {list(ENGINES)} or 'auto', "
                                      f"got {engine!r}")
        return engine
    if isinstance(src, pd.DataFrame):
        return "duckdb" if len(src) >= AUTO_DUCKDB_ROWS else "pandas"
    if str(src).lower().endswith(".xlsx"):
        return "pandas"
    return "duckdb" if resolved_bytes(src) >= AUTO_DUCKDB_BYTES else "pandas"


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


def require_utf8(path: str) -> None:
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
    """The contract type of a graduates column (``"string"`` for a column it does not know).

    Examples
    --------
    >>> talentlab_type("job_related_to_major")
    'boolean'
    """
    from talentlab.data import schema
    return schema.fields("graduates").get(col, {}).get("type", "string")


def csv_typed_select(columns: list[str], present: list[str], quote) -> str:
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


def csv_bad_cells(columns: list[str], present: list[str], quote) -> dict[str, str]:
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
