"""National-scale benchmark of the graduate-level indicators (issue 3, "Speed").

Five million synthetic graduate rows (about one year of China's higher vocational graduates),
generated with numpy in the contract's dtypes. In one run it times

* ``compute_all({"graduates": df}, by=["cohort", "major", "work_region"])`` - every
  graduate-level indicator with intervals, labels and method text, including the
  Kaplan-Meier adaptation cycle and the cluster-robust retraining-hours SE; and
* the bare pandas groupby that counts the same numerators and denominators (boolean columns
  built from the same rules, then one ``groupby(...).sum()``),

and reports the time ratio (goal <= 1.5) and the peak memory traced by ``tracemalloc`` during
``compute_all`` relative to the DataFrame's own ``memory_usage(deep=True)`` (goal <= 2).

Run: ``.venv/bin/python benchmarks/bench_indicators.py [--rows N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
import tracemalloc

import numpy as np
import pandas as pd

from talentlab.indicators import compute_all

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


def bare_groupby(df: pd.DataFrame) -> pd.DataFrame:
    """The same numerators and denominators with plain pandas (no intervals, no text)."""
    d = df["destination"]
    ft = d == "employed_full_time"
    emp = d.isin(DESTINATIONS[:3])
    employees = d.isin(DESTINATIONS[:2])
    placed = d.isin(DESTINATIONS[:5])
    unknown = d == "unknown"
    pfs = d == "preparing_further_study"
    rel = df["job_related_to_major"]
    reg = df["work_region"]
    clu = df["employer_in_cluster"]
    left = df["left_within_6_months"]
    sat = df["job_satisfaction"]
    cert = df["industry_certificate"]
    hours = df["retraining_hours"].where(employees)
    adapt = emp & df["adaptation_months"].notna()
    counts = pd.DataFrame({
        **{c: df[c] for c in BY},
        "rel_num": ft & rel.fillna(False), "rel_den": ft & rel.notna(),
        "emp_num": placed, "emp_den": ~pfs & ~unknown, "unknown": unknown, "all": 1,
        "local_num": emp & (reg == "local").fillna(False), "local_den": emp & reg.notna(),
        "cluster_num": emp & clu.fillna(False), "cluster_den": emp & clu.notna(),
        "left_num": emp & left.fillna(False), "left_den": emp & left.notna(),
        "sat_num": emp & (sat >= 4).fillna(False), "sat_den": emp & sat.notna(),
        "cert_num": cert.fillna(False), "cert_den": cert.notna(),
        "hours_sum": hours, "hours_n": hours.notna(),
        "km_n": adapt, "km_events": adapt & df["adaptation_reached"].fillna(False),
    })
    return counts.groupby(BY, observed=True, dropna=False).sum()


def timed(fn, repeat: int) -> tuple[float, list[float], object]:
    times, out = [], None
    for _ in range(repeat):
        gc.collect()
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, out


def peak_memory(fn) -> int:
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    fn()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    t0 = time.perf_counter()
    df = make_graduates(args.rows)
    gen = time.perf_counter() - t0
    df_bytes = int(df.memory_usage(deep=True).sum())
    print(f"rows: {len(df):,}; generated in {gen:.1f} s; DataFrame memory "
          f"{df_bytes / 2**20:,.0f} MiB")

    data = {"graduates": df}
    run_all = lambda: compute_all(data, by=BY)  # noqa: E731
    run_bare = lambda: bare_groupby(df)  # noqa: E731
    run_all()  # warm-up (imports, caches)
    # interleave the two so that load from other processes hits both alike
    bare_times, all_times = [], []
    for _ in range(args.repeat):
        bare_times += timed(run_bare, 1)[1]
        all_times += timed(run_all, 1)[1]
    bare, res = run_bare(), run_all()
    t_bare, t_all = min(bare_times), min(all_times)
    med = statistics.median(all_times) / statistics.median(bare_times)
    groups = len(bare)
    print(f"groups (cohort x major x work_region): {groups:,}; result rows: {len(res):,}")
    print(f"bare pandas groupby (numerators/denominators only): best {t_bare:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in bare_times)})")
    print(f"compute_all (all graduate-level indicators): best {t_all:.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in all_times)})")
    print(f"time ratio compute_all / bare groupby: best-of-runs {t_all / t_bare:.2f}, "
          f"median-of-runs {med:.2f}  (goal <= 1.5)")

    # per indicator breakdown (one run each, through the public functions)
    import talentlab.indicators as ti
    from talentlab.indicators.graduate import GRADUATE_INDICATORS, GraduatePass
    t0 = time.perf_counter()
    gp = GraduatePass(df, BY)
    print(f"  shared pass (group codes + destination table): {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    compute_all(data, by=BY, options={"retraining_hours": {"cluster": None}})
    print(f"  compute_all with retraining_hours(cluster=None): {time.perf_counter() - t0:.2f} s")
    for name in GRADUATE_INDICATORS:
        t0 = time.perf_counter()
        getattr(ti, name)(gp, BY)
        print(f"  {name:30s} {time.perf_counter() - t0:.2f} s")

    peak_all = peak_memory(run_all)
    peak_bare = peak_memory(run_bare)
    print(f"peak traced memory during compute_all: {peak_all / 2**20:,.0f} MiB = "
          f"{peak_all / df_bytes:.2f} x the DataFrame (goal <= 2)")
    print(f"peak traced memory during bare groupby: {peak_bare / 2**20:,.0f} MiB = "
          f"{peak_bare / df_bytes:.2f} x the DataFrame")

    # the two computations agree on the counts
    check = res[res["indicator"] == "counterpart_employment_rate"].set_index(BY)
    b = bare.reindex(check.index)
    assert np.array_equal(check["numerator"].to_numpy(), b["rel_num"].to_numpy(dtype=float))
    assert np.array_equal(check["denominator"].to_numpy(), b["rel_den"].to_numpy(dtype=float))
    print("check: compute_all numerators/denominators equal the bare groupby's")


if __name__ == "__main__":
    main()
