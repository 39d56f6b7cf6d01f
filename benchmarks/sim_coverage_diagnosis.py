"""Why do the primary intervals under-cover? Bias versus width, from the verdict study's records.

Reads the per-claim records that ``sim_study_verdicts.py --records FILE`` writes (one row per
scenario x seed x claim: truth, estimate, ci_low, ci_high) and reports for every impact claim:

* ``bias`` = mean(estimate - truth) with its Monte Carlo z (mean / (sd / sqrt(R))): an estimand that
  differs from the planted truth shows here;
* ``sd`` = the Monte Carlo standard deviation of the estimate (its true sampling error);
* ``coverage`` of the truth by the primary interval;
* ``1.96 sd / median half-width``: below 1 the intervals are, at their median, wider than a
  normal interval built on the true standard deviation; near or above 1 they are not, and because
  the width itself is estimated from 8 clusters (it varies from seed to seed), such intervals
  under-cover.

Usage::

    .venv/bin/python benchmarks/sim_coverage_diagnosis.py build/sim_verdicts.final.records.csv

Result on the 500-seed records of 2026-12-02 (``paper_claims``, B = 399): no claim is biased
(|z| <= 1.4, |bias| <= 0.06 sd), so the planted truth is the estimand. The two claims that cover
least - in-cluster employment (C5.3.1g, 0.900) and recognition (C5.3.1d/h, 0.912) - are the two
whose intervals are narrowest relative to the true sampling error (ratio 1.03 and 1.00); the claims
that cover 0.93-0.94 have ratios 0.87-0.96. The shortfall is interval width, not bias: a wider
few-cluster interval (for example a t(G - 1) reference for the CR3 standard error, or a
wild bootstrap with more draws) is the thing to test next.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def diagnose(records: pd.DataFrame) -> pd.DataFrame:
    """Bias, sampling sd, coverage and relative width per scenario and impact claim."""
    r = records[records["claim_kind"] == "impact"].copy()
    r["covered"] = (r["ci_low"] <= r["truth"]) & (r["truth"] <= r["ci_high"])
    r["error"] = r["estimate"] - r["truth"]
    r["half_width"] = (r["ci_high"] - r["ci_low"]) / 2
    out = r.groupby(["scenario", "claim_id", "outcome"]).agg(
        n=("error", "size"), truth=("truth", "mean"), bias=("error", "mean"),
        sd=("error", "std"), coverage=("covered", "mean"), half_width=("half_width", "median"))
    out["bias_z"] = out["bias"] / (out["sd"] / np.sqrt(out["n"]))
    out["coverage_mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["n"])
    out["normal_width_ratio"] = 1.96 * out["sd"] / out["half_width"]
    return out.reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("records", type=Path)
    args = parser.parse_args()
    table = diagnose(pd.read_csv(args.records))
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
