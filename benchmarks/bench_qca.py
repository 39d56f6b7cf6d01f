"""Benchmark of talentlab.qca exact minimisation on random truth tables.

Random crisp truth tables with 8, 10 and 12 conditions: a share of configurations is observed
(half of them positive, half negative), the rest are logical remainders; the parsimonious
solution (remainders as don't cares) is computed exactly, with all equally minimal models.

Run: ``python benchmarks/bench_qca.py`` (options: ``--reps``, ``--observed``, ``--seed``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from talentlab.qca import minimize, truth_table  # noqa: E402


def random_data(k: int, n_observed: int, rng: np.random.Generator) -> pd.DataFrame:
    rows = rng.choice(2**k, size=n_observed, replace=False)
    x = (rows[:, None] >> np.arange(k - 1, -1, -1)) & 1
    y = rng.integers(0, 2, size=n_observed)
    cols = [f"C{i + 1}" for i in range(k)]
    d = pd.DataFrame(x, columns=cols)
    d["Y"] = y
    d.index = [f"case{i}" for i in range(n_observed)]
    return d


def run(conditions=(8, 10, 12), observed=(0.10, 0.25), reps=3, seed=1):
    rng = np.random.default_rng(seed)
    records = []
    for k in conditions:
        for share in observed:
            n_obs = max(4, int(round(share * 2**k)))
            for rep in range(reps):
                d = random_data(k, n_obs, rng)
                tt = truth_table(d, "Y", incl_cut=1, warn=False)
                t0 = time.perf_counter()
                res = minimize(tt, include="?")
                elapsed = time.perf_counter() - t0
                records.append(
                    {
                        "conditions": k,
                        "observed_rows": n_obs,
                        "remainders": 2**k - n_obs,
                        "rep": rep,
                        "prime_implicants": len(res.prime_implicants),
                        "models": len(res.solutions),
                        "terms_per_model": len(res.solutions[0]),
                        "seconds": elapsed,
                    }
                )
    df = pd.DataFrame(records)
    summary = (
        df.groupby(["conditions", "observed_rows", "remainders"])
        .agg(
            reps=("rep", "count"),
            prime_implicants=("prime_implicants", "median"),
            models=("models", "median"),
            terms=("terms_per_model", "median"),
            median_s=("seconds", "median"),
            max_s=("seconds", "max"),
        )
        .reset_index()
    )
    return summary


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--observed", type=float, nargs="+", default=[0.10, 0.25])
    ap.add_argument("--conditions", type=int, nargs="+", default=[8, 10, 12])
    args = ap.parse_args(argv)
    summary = run(args.conditions, args.observed, args.reps, args.seed)
    print("Parsimonious solution (exact, all minimal models) on random crisp truth tables")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
