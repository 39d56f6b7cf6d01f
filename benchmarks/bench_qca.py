"""Benchmark of talentlab.qca exact minimisation on random truth tables.

Random crisp truth tables with 8, 10 and 12 conditions: a share of the configurations is
observed (outcome from a random Boolean function), the rest are logical remainders; the
parsimonious solution (remainders as don't cares) is computed exactly, with all equally minimal
models (up to ``--max-models``; beyond it the run is reported as too ambiguous, as R warns).

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

from talentlab.qca import QCAError, minimize, truth_table  # noqa: E402


def random_data(k: int, n_observed: int, rng: np.random.Generator) -> pd.DataFrame:
    """Random observed configurations; the outcome follows a random sum of three products of
    two or three literals (as in applied QCA, where the outcome has some structure)."""
    rows = rng.choice(2**k, size=n_observed, replace=False)
    x = (rows[:, None] >> np.arange(k - 1, -1, -1)) & 1
    y = np.zeros(n_observed, dtype=int)
    for _ in range(3):
        lits = rng.choice(k, size=rng.integers(2, 4), replace=False)
        vals = rng.integers(0, 2, size=len(lits))
        y |= np.all(x[:, lits] == vals, axis=1).astype(int)
    cols = [f"C{i + 1}" for i in range(k)]
    d = pd.DataFrame(x, columns=cols)
    d["Y"] = y
    d.index = [f"case{i}" for i in range(n_observed)]
    return d


def run(conditions=(8, 10, 12), observed=(0.10, 0.25), reps=3, seed=1, max_models=10_000):
    rng = np.random.default_rng(seed)
    records = []
    for k in conditions:
        for share in observed:
            n_obs = max(4, int(round(share * 2**k)))
            for rep in range(reps):
                d = random_data(k, n_obs, rng)
                tt = truth_table(d, "Y", incl_cut=1, warn=False)
                t0 = time.perf_counter()
                try:
                    res = minimize(tt, include="?", max_models=max_models)
                    pis, models, terms = (
                        len(res.prime_implicants), len(res.solutions), len(res.solutions[0])
                    )
                except QCAError:
                    pis, models, terms = np.nan, np.inf, np.nan
                elapsed = time.perf_counter() - t0
                records.append(
                    {
                        "conditions": k,
                        "observed_rows": n_obs,
                        "remainders": 2**k - n_obs,
                        "rep": rep,
                        "prime_implicants": pis,
                        "models": models,
                        "terms_per_model": terms,
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
    ap.add_argument("--max-models", type=int, default=10_000)
    args = ap.parse_args(argv)
    summary = run(args.conditions, args.observed, args.reps, args.seed, args.max_models)
    print("Parsimonious solution (exact, all minimal models) on random crisp truth tables")
    print(summary.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main()
