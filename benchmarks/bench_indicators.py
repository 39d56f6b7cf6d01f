"""National-scale benchmark of the graduate-level indicators on each engine (issues 3 and 14).

Synthetic graduate rows in the contract's dtypes (five million is about one year of China's
higher vocational graduates), written to ``build/bench/graduates_<rows>.parquet`` (generated
once, in chunks of at most five million rows, not committed). For each size it runs, side by
side and interleaved (repetition 1 of every measurement, then repetition 2, ...):

* ``pandas``: today's pandas path - ``pd.read_parquet`` then ``compute_all`` over the
  count-based graduate indicators (:data:`talentlab.indicators.engines.ENGINE_INDICATORS`:
  eight proportions and retraining hours with the cluster-robust SE), grouped by
  ``cohort, major, work_region``;
* ``duckdb``: the DuckDB path - ``compute_indicators(file, by, engine="duckdb")`` straight
  from the parquet file (same tidy table);
* ``duckdb_bare``: hand-written DuckDB SQL for the same aggregates (numerators,
  denominators, hours sums, and the per-employer sums the cluster-robust SE needs) and
  nothing else: no talentlab import, no intervals, labels or method text;
* ``duckdb_bare_two_stage``: the same aggregates by hand with the DuckDB path's plan (counts
  per (group, destination) first; per-employer sums grouped by a hash of the group keys, without
  the path's check that the hashes are distinct): the floor of what SQL alone costs;
* ``duckdb_bare_counts``: the counts query alone (without the per-employer sums);
* ``polars``: the same counts with polars' lazy parquet scan, as a reference (skipped when
  polars is not installed).

Each measurement is a fresh Python process: its whole wall time (interpreter start, imports,
reading, computing) and its peak resident set size (``ru_maxrss`` of that child from
``os.wait4``, not tracemalloc) are recorded, plus the time the child itself spent after its
imports (``compute``). The numerators and denominators of every engine are compared exactly.

Run: ``.venv/bin/python benchmarks/bench_indicators.py [--sizes 1000000,5000000,20000000]
[--repeat 3] [--kinds pandas,duckdb,...]``
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

DESTINATIONS = ["employed_full_time", "employed_part_time", "self_employed", "military",
                "further_study", "preparing_further_study", "unemployed", "unknown"]
DEST_P = [0.62, 0.03, 0.04, 0.01, 0.15, 0.03, 0.08, 0.04]
BY = ["cohort", "major", "work_region"]


def _nullable_bool(values: np.ndarray, mask: np.ndarray) -> pd.arrays.BooleanArray:
    return pd.arrays.BooleanArray(values, mask)


def make_graduates(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_majors, n_employers = 120, 50_000
    dest = rng.choice(len(DESTINATIONS), size=n, p=DEST_P).astype(np.int8)
    employed = dest <= 2
    employee = dest <= 1
    majors = np.array([f"major_{i:03d}" for i in range(n_majors)], dtype=object)
    colleges = np.array([f"college_{i:02d}" for i in range(40)], dtype=object)
    major_code = rng.integers(0, n_majors, n)
    emp_code = rng.integers(0, n_employers, n)
    months = rng.gamma(2.0, 2.0, n)
    follow = rng.uniform(2, 12, n)
    reached = months <= follow
    df = pd.DataFrame({
        "student_id": pd.array(np.char.add("s", np.arange(n).astype(str)), dtype="str"),
        "college": pd.Categorical.from_codes(major_code % 40, colleges).astype("str"),
        "major": pd.Categorical.from_codes(major_code, majors).astype("str"),
        "cohort": pd.array(rng.integers(2019, 2024, n), dtype="Int64"),
        "treated_major": major_code % 2 == 0,
        "destination": pd.Categorical.from_codes(dest, DESTINATIONS),
        "job_related_to_major": _nullable_bool(rng.random(n) < 0.62, ~employed),
        "job_satisfaction": pd.arrays.IntegerArray(rng.integers(1, 6, n), ~employed),
        "employer_id": pd.Categorical.from_codes(
            np.where(employee, emp_code, -1),
            np.array([f"E{i:05d}" for i in range(n_employers)], dtype=object)).astype("str"),
        "employer_in_cluster": _nullable_bool(rng.random(n) < 0.4, ~employed),
        "employer_tier": pd.Categorical.from_codes(
            np.where(employee, rng.integers(0, 2, n), -1), ["leading", "sme"]),
        "work_region": pd.Categorical.from_codes(
            np.where(employed, rng.choice(3, n, p=[0.5, 0.3, 0.2]), -1),
            ["local", "province", "elsewhere"]),
        "adaptation_months": np.where(employed, np.round(np.minimum(months, follow), 1), np.nan),
        "adaptation_reached": _nullable_bool(reached, ~employed),
        "left_within_6_months": _nullable_bool(rng.random(n) < 0.42, ~employed),
        "retraining_hours": np.where(employee, np.round(rng.gamma(2.0, 40.0, n)), np.nan),
        "industry_certificate": _nullable_bool(rng.random(n) < 0.55, rng.random(n) < 0.02),
        "order_class": rng.random(n) < 0.1,
    })
    return df


ROOT = Path(__file__).resolve().parents[1]
BENCH_DIR = ROOT / "build" / "bench"
CHUNK = 5_000_000
KINDS = ("pandas", "duckdb", "duckdb_bare", "duckdb_bare_two_stage", "duckdb_bare_counts",
         "polars")
#: on request (``--kinds``): both paths with the ordinary (not cluster-robust) SE of retraining
#: hours, ``options={"retraining_hours": {"cluster": None}}``, to show what the clustering costs
IID_KINDS = ("pandas_iid", "duckdb_iid")
IID_OPTIONS = {"retraining_hours": {"cluster": None}}
#: The compared count columns: (numerator, denominator) per indicator, engine-neutral names.
COMPARED = ["n", "rel_num", "rel_den", "emp_num", "emp_den", "local_num", "local_den",
            "cluster_num", "cluster_den", "left_num", "left_den", "sat_num", "sat_den",
            "cert_num", "cert_den", "hours_n"]


def parquet_file(rows: int) -> Path:
    """``build/bench/graduates_<rows>.parquet``, generated in chunks (seed = chunk number)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = BENCH_DIR / f"graduates_{rows}.parquet"
    if path.exists():
        return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    writer = None
    done, seed = 0, 1
    while done < rows:
        n = min(CHUNK, rows - done)
        table = pa.Table.from_pandas(make_graduates(n, seed=seed), preserve_index=False)
        if writer is None:
            writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=1_000_000)
        done += n
        seed += 1
    writer.close()
    tmp.rename(path)
    return path


# ---- the measured programs (each runs in its own process) -----------------------------------

def _neutral_from_tidy(res: pd.DataFrame) -> pd.DataFrame:
    """Engine-neutral count columns from a tidy indicator table."""
    short = {"counterpart_employment_rate": "rel", "employment_rate": "emp",
             "local_employment_rate": "local", "cluster_employment_rate": "cluster",
             "turnover_6_months": "left", "job_satisfaction_rate": "sat",
             "industry_certificate_rate": "cert"}
    parts = []
    for code, name in short.items():
        r = res[res["indicator"] == code].set_index(BY)
        parts.append(r["numerator"].rename(f"{name}_num"))
        parts.append(r["denominator"].rename(f"{name}_den"))
    h = res[res["indicator"] == "retraining_hours"].set_index(BY)
    parts.append(h["denominator"].rename("hours_n"))
    d = res[res["indicator"] == "destination_rate"].set_index(BY)
    parts.append(d["denominator"].rename("n"))
    return pd.concat(parts, axis=1).reset_index()


BARE_COUNTS_SQL = """
SELECT cohort, major, work_region, count(*) AS n,
  count_if(destination = 'employed_full_time' AND job_related_to_major) AS rel_num,
  count_if(destination = 'employed_full_time' AND job_related_to_major IS NOT NULL) AS rel_den,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed',
                           'military', 'further_study')) AS emp_num,
  count_if(destination NOT IN ('preparing_further_study', 'unknown')) AS emp_den,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND work_region = 'local') AS local_num,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND work_region IS NOT NULL) AS local_den,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND employer_in_cluster) AS cluster_num,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND employer_in_cluster IS NOT NULL) AS cluster_den,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND left_within_6_months) AS left_num,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND left_within_6_months IS NOT NULL) AS left_den,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND job_satisfaction >= 4) AS sat_num,
  count_if(destination IN ('employed_full_time', 'employed_part_time', 'self_employed')
           AND job_satisfaction IS NOT NULL) AS sat_den,
  count_if(industry_certificate) AS cert_num,
  count_if(industry_certificate IS NOT NULL) AS cert_den,
  count_if(destination IN ('employed_full_time', 'employed_part_time')) AS hours_base,
  count_if(destination IN ('employed_full_time', 'employed_part_time')
           AND retraining_hours IS NOT NULL) AS hours_n,
  sum(CASE WHEN destination IN ('employed_full_time', 'employed_part_time')
      THEN retraining_hours END) AS hours_sum
FROM read_parquet({file}) GROUP BY cohort, major, work_region
"""

BARE_CLUSTER_SQL = """
SELECT cohort, major, work_region, count(employer_id) AS g, sum(s * s) AS s2, sum(n * s) AS ns,
  sum(n * n) AS n2, sum(n) AS n_all, sum(s) AS s_all
FROM (SELECT cohort, major, work_region, employer_id, count(*) AS n,
             sum(retraining_hours - 80) AS s, sum((retraining_hours - 80) ^ 2) AS q
      FROM read_parquet({file})
      WHERE destination IN ('employed_full_time', 'employed_part_time')
        AND retraining_hours IS NOT NULL
      GROUP BY cohort, major, work_region, employer_id)
GROUP BY cohort, major, work_region
"""


EMPLOYED_SQL = "('employed_full_time', 'employed_part_time', 'self_employed')"
EMPLOYEES_SQL = "('employed_full_time', 'employed_part_time')"

#: the same aggregates with the DuckDB path's plan written by hand: counts per (group,
#: destination) first, then per group; per-employer sums grouped by a hash of the group keys
BARE_TWO_STAGE_COUNTS_SQL = f"""
SELECT cohort, major, work_region, sum(n) AS n,
  sum(CASE WHEN destination = 'employed_full_time' THEN rel END) AS rel_num,
  sum(CASE WHEN destination = 'employed_full_time' THEN rel_k END) AS rel_den,
  sum(CASE WHEN destination IN ('employed_full_time', 'employed_part_time', 'self_employed',
                                'military', 'further_study') THEN n END) AS emp_num,
  sum(CASE WHEN destination NOT IN ('preparing_further_study', 'unknown') THEN n END) AS emp_den,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN loc END) AS local_num,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN loc_k END) AS local_den,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN cl END) AS cluster_num,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN cl_k END) AS cluster_den,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN lf END) AS left_num,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN lf_k END) AS left_den,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN sat END) AS sat_num,
  sum(CASE WHEN destination IN {EMPLOYED_SQL} THEN sat_k END) AS sat_den,
  sum(cert) AS cert_num, sum(cert_k) AS cert_den,
  sum(CASE WHEN destination IN {EMPLOYEES_SQL} THEN n END) AS hours_base,
  sum(CASE WHEN destination IN {EMPLOYEES_SQL} THEN h_k END) AS hours_n,
  sum(CASE WHEN destination IN {EMPLOYEES_SQL} THEN h END) AS hours_sum
FROM (SELECT cohort, major, work_region, destination, count(*) AS n,
        count_if(job_related_to_major) AS rel, count(job_related_to_major) AS rel_k,
        count_if(work_region = 'local') AS loc, count(work_region) AS loc_k,
        count_if(employer_in_cluster) AS cl, count(employer_in_cluster) AS cl_k,
        count_if(left_within_6_months) AS lf, count(left_within_6_months) AS lf_k,
        count_if(job_satisfaction >= 4) AS sat, count(job_satisfaction) AS sat_k,
        count_if(industry_certificate) AS cert, count(industry_certificate) AS cert_k,
        count(retraining_hours) AS h_k, sum(retraining_hours) AS h
      FROM read_parquet({{file}}) GROUP BY ALL)
GROUP BY cohort, major, work_region
"""

BARE_TWO_STAGE_CLUSTER_SQL = f"""
SELECT g, count(*) AS g_named, sum(s * s) AS s2, sum(n * s) AS ns, sum(n * n) AS n2
FROM (SELECT hash(cohort, major, work_region) AS g, employer_id, count(*) AS n,
             sum(retraining_hours - 80) AS s
      FROM read_parquet({{file}})
      WHERE destination IN {EMPLOYEES_SQL} AND retraining_hours IS NOT NULL
        AND employer_id IS NOT NULL
      GROUP BY ALL)
GROUP BY g
"""


def child(kind: str, file: str, out: str | None) -> dict:
    """One measurement; returns the child's own timings (imports, compute)."""
    t0 = time.perf_counter()
    info: dict = {}
    options = IID_OPTIONS if kind in IID_KINDS else None
    if kind in ("pandas", "pandas_iid"):
        from talentlab.indicators import compute_all
        from talentlab.indicators.engines import ENGINE_INDICATORS
        t1 = time.perf_counter()
        df = pd.read_parquet(file)
        info["read_s"] = time.perf_counter() - t1
        info["frame_bytes"] = int(df.memory_usage(deep=True).sum())
        res = compute_all({"graduates": df}, by=BY, indicators=list(ENGINE_INDICATORS),
                          options=options)
        counts = _neutral_from_tidy(res)
    elif kind in ("duckdb", "duckdb_iid"):
        from talentlab.indicators.engines import compute_indicators
        t1 = time.perf_counter()
        res = compute_indicators(file, BY, engine="duckdb", options=options)
        counts = _neutral_from_tidy(res)
    elif kind in ("duckdb_bare", "duckdb_bare_counts", "duckdb_bare_two_stage"):
        import duckdb
        t1 = time.perf_counter()
        con = duckdb.connect()
        lit = "'" + file.replace("'", "''") + "'"
        two = kind == "duckdb_bare_two_stage"
        counts = con.sql((BARE_TWO_STAGE_COUNTS_SQL if two else BARE_COUNTS_SQL)
                         .format(file=lit)).df()
        if kind != "duckdb_bare_counts":
            sql = BARE_TWO_STAGE_CLUSTER_SQL if two else BARE_CLUSTER_SQL
            info["cluster_groups"] = len(con.sql(sql.format(file=lit)).df())
    elif kind == "polars":
        import polars as pl
        t1 = time.perf_counter()
        d = pl.col("destination").cast(pl.String)
        emp = d.is_in(DESTINATIONS[:3])
        employees = d.is_in(DESTINATIONS[:2])
        counts = (pl.scan_parquet(file).group_by(BY).agg(
            pl.len().alias("n"),
            ((d == "employed_full_time") & pl.col("job_related_to_major")).sum().alias("rel_num"),
            ((d == "employed_full_time") & pl.col("job_related_to_major").is_not_null())
            .sum().alias("rel_den"),
            d.is_in(DESTINATIONS[:5]).sum().alias("emp_num"),
            (~d.is_in(["preparing_further_study", "unknown"])).sum().alias("emp_den"),
            (emp & (pl.col("work_region").cast(pl.String) == "local")).sum().alias("local_num"),
            (emp & pl.col("work_region").is_not_null()).sum().alias("local_den"),
            (emp & pl.col("employer_in_cluster")).sum().alias("cluster_num"),
            (emp & pl.col("employer_in_cluster").is_not_null()).sum().alias("cluster_den"),
            (emp & pl.col("left_within_6_months")).sum().alias("left_num"),
            (emp & pl.col("left_within_6_months").is_not_null()).sum().alias("left_den"),
            (emp & (pl.col("job_satisfaction") >= 4)).sum().alias("sat_num"),
            (emp & pl.col("job_satisfaction").is_not_null()).sum().alias("sat_den"),
            pl.col("industry_certificate").sum().alias("cert_num"),
            pl.col("industry_certificate").is_not_null().sum().alias("cert_den"),
            (employees & pl.col("retraining_hours").is_not_null()).sum().alias("hours_n"),
        ).collect().to_pandas())
    else:
        raise SystemExit(f"unknown kind {kind}")
    info["import_s"] = t1 - t0
    info["compute_s"] = time.perf_counter() - t1
    info["groups"] = len(counts)
    if out:
        keep = BY + [c for c in COMPARED if c in counts.columns]
        c = counts[keep].copy()
        for col in BY:
            c[col] = c[col].astype(object).where(c[col].notna(), None).astype(str)
        for col in keep[len(BY):]:
            c[col] = pd.to_numeric(c[col]).fillna(0).astype(np.int64)
        c.sort_values(BY).reset_index(drop=True).to_parquet(out, index=False)
    return info


def run_child(kind: str, file: Path, out: Path | None) -> dict:
    """Run one measurement in a fresh process: wall time, peak RSS (ru_maxrss, KiB on Linux)."""
    cmd = [sys.executable, __file__, "--child", kind, "--file", str(file)]
    if out is not None:
        cmd += ["--out", str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    stdout = proc.stdout.read().decode()
    proc.stdout.close()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed ({proc.returncode}) on {file}")
    info = json.loads(stdout.strip().splitlines()[-1])
    info.update(wall_s=wall, rss_mib=usage.ru_maxrss / 1024)
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,5000000,20000000")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--kinds", default=",".join(KINDS))
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--file", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.file, args.out)))
        return

    kinds = [k for k in args.kinds.split(",") if k]
    if "polars" in kinds:
        try:
            import polars  # noqa: F401
        except ImportError:
            print("polars is not installed: the polars reference is skipped")
            kinds.remove("polars")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} "
          f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1, 5, 15 min) at start")
    rows_summary = []
    for rows in [int(x) for x in args.sizes.split(",")]:
        t0 = time.perf_counter()
        file = parquet_file(rows)
        print(f"\n== {rows:,} rows: {file.relative_to(ROOT)} "
              f"({file.stat().st_size / 2**20:,.0f} MiB on disk; ready in "
              f"{time.perf_counter() - t0:.1f} s)")
        results: dict[str, list[dict]] = {k: [] for k in kinds}
        for rep in range(args.repeat):
            for kind in kinds:
                out = BENCH_DIR / f"counts_{kind}_{rows}.parquet" if rep == 0 else None
                results[kind].append(run_child(kind, file, out))
        pandas_kind = next((k for k in ("pandas", "pandas_iid") if k in results), None)
        frame_bytes = results[pandas_kind][0].get("frame_bytes") if pandas_kind else None
        if frame_bytes:
            print(f"pandas DataFrame in memory: {frame_bytes / 2**20:,.0f} MiB")
        print(f"{'measurement':20s} {'wall min':>9s} {'wall med':>9s} {'compute min':>12s} "
              f"{'compute med':>12s} {'peak RSS MiB':>13s}")
        for kind, runs in results.items():
            wall = [r["wall_s"] for r in runs]
            comp = [r["compute_s"] for r in runs]
            rss = max(r["rss_mib"] for r in runs)
            print(f"{kind:20s} {min(wall):9.2f} {statistics.median(wall):9.2f} "
                  f"{min(comp):12.2f} {statistics.median(comp):12.2f} {rss:13,.0f}")
            rows_summary.append({"rows": rows, "kind": kind, "wall_min": min(wall),
                                 "wall_median": statistics.median(wall),
                                 "compute_min": min(comp),
                                 "compute_median": statistics.median(comp), "rss_mib": rss,
                                 "frame_mib": (frame_bytes or 0) / 2**20})
        # every engine counts the same numerators and denominators
        ref = None
        for kind in kinds:
            c = pd.read_parquet(BENCH_DIR / f"counts_{kind}_{rows}.parquet")
            if ref is None:
                ref, ref_kind = c, kind
                continue
            cols = [x for x in c.columns if x in ref.columns]
            pd.testing.assert_frame_equal(c[cols], ref[cols], check_dtype=False)
            print(f"check: {kind} counts == {ref_kind} counts ({len(cols) - len(BY)} columns, "
                  f"{len(c):,} groups)")
        for bare in ("duckdb_bare", "duckdb_bare_two_stage"):
            if "duckdb" in results and bare in results:
                r = (min(x["compute_s"] for x in results["duckdb"])
                     / min(x["compute_s"] for x in results[bare]))
                print(f"DuckDB path / {bare} query (compute, best of runs): {r:.2f} "
                      "(goal <= 2)")
        if "pandas" in results and "duckdb_bare_two_stage" in results:
            r = (min(x["compute_s"] for x in results["pandas"])
                 / min(x["compute_s"] for x in results["duckdb_bare_two_stage"]))
            print(f"pandas path / duckdb_bare_two_stage query (compute, best of runs): {r:.2f} "
                  "(the most any DuckDB path could reach)")
        for slow, fast in (("pandas", "duckdb"), ("pandas_iid", "duckdb_iid")):
            if slow in results and fast in results:
                for what, key in (("whole process", "wall_s"), ("compute", "compute_s")):
                    r = (min(x[key] for x in results[slow])
                         / min(x[key] for x in results[fast]))
                    print(f"{slow} path / {fast} path ({what}, best of runs): {r:.2f} "
                          "(goal >= 5)")
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f}")
    out = BENCH_DIR / "summary.csv"
    pd.DataFrame(rows_summary).to_csv(out, index=False)
    print(f"summary written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
