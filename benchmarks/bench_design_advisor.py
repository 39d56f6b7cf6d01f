"""The design advisor against brute-force simulation of the full verdict rule (issue 22).

Two comparisons, each reporting the share of simulated data sets in which a claim is
*supported* (the rule's power at Mbar = 1) and in which its adjusted test is significant:

A. **The shipped design, on the scenario engine.** ``--seeds`` data sets of the
   ``paper_claims`` scenario (:func:`talentlab.simulate.simulate_tables`) judged exactly as
   ``zhuhai.evaluate`` judges them (``sim_study_verdicts.one_replication``: CR3, the larger of
   the model-based and the exact randomization p-value, Holm over the six impact outcomes, C-LF
   relative magnitudes), against the advisor (:func:`talentlab.evaluation.design.verdict_power`)
   for the same design with its noise calibrated on the shipped data
   (:func:`talentlab.evaluation.design.calibrate`, per 0/1 outcome) and the planted effect of
   ``truth.json`` (family of six).
B. **Designs where the gate can be passed, on the advisor's own data-generating process.**
   For each simulated table, the advisor's verdict (:func:`~talentlab.evaluation.design.
   verdict_on`: LF sensitivity) beside the rule computed from the library's parts as
   ``zhuhai.evaluate`` does it (did CR3, exact randomization inference, the event study,
   :func:`~talentlab.evaluation.sensitivity.relative_magnitudes` with C-LF, claims.judge).
   The advisor uses LF because C-LF costs seconds per data set; LF's interval is the wider,
   so its power should not exceed the C-LF rule's.

Usage::

    .venv/bin/python benchmarks/bench_design_advisor.py                  # 100 seeds each
    .venv/bin/python benchmarks/bench_design_advisor.py --seeds 20 --part B
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import talentlab  # noqa: E402
from talentlab import claims as cl  # noqa: E402
from talentlab import evaluation as ev  # noqa: E402
from talentlab.cases import zhuhai  # noqa: E402
from talentlab.evaluation import sensitivity as sens  # noqa: E402
from talentlab.evaluation.design import (  # noqa: E402
    Design,
    calibrate,
    simulate_design,
    verdict_on,
    verdict_power,
)

SHIPPED_DATA = Path(__file__).resolve().parents[1] / "data" / "raw" / "synthetic" / "paper_claims"
#: 0/1 outcomes the advisor's data-generating process fits, with their claims
BINARY_OUTCOMES = {"job_related_to_major": "C5.3.1b", "local_work": "C5.3.1c",
                   "employer_in_cluster": "C5.3.1g"}
FAMILY = 6
#: part B: (name, design, planted effect, family size)
DESIGNS_B = [
    ("shipped, one claim, effect 0.10", Design(reform=2022), 0.10, 1),
    ("one post cohort, 200 a cell, cell SD 0.01, effect 0.10",
     Design(reform=2025, n_per_cell=200, cell_sd=0.01), 0.10, 1),
    ("one post cohort, 200 a cell, cell SD 0.01, effect 0.15",
     Design(reform=2025, n_per_cell=200, cell_sd=0.01), 0.15, 1),
]


def _share(x) -> dict:
    x = np.asarray(x, dtype=float)
    p = float(x.mean())
    return {"rate": round(p, 3), "mc_se": round(math.sqrt(p * (1 - p) / len(x)), 3),
            "n": int(len(x))}


def part_a(seeds: int) -> dict:
    import sim_study_verdicts as study

    warnings.simplefilter("ignore")
    claims = study.study_claims()
    rows = []
    for seed in range(1001, 1001 + seeds):
        rows += study.one_replication("paper_claims", seed, 99, 0.05, claims)
    brute = pd.DataFrame(rows)
    data = talentlab.load_all(SHIPPED_DATA)
    graduates = zhuhai.graduates_present(data.graduates)
    truth = json.loads((SHIPPED_DATA / "truth.json").read_text(encoding="utf-8"))
    out = {}
    for outcome, claim in BINARY_OUTCOMES.items():
        frame = zhuhai.outcome_frame(data, outcome, graduates)
        frame = frame.assign(first_treated=np.where(frame["treated_major"].astype(bool), 2022, 0))
        noise = calibrate(frame, outcome)
        effect = zhuhai.planted_effect(truth, outcome)[0]  # proportion points
        design = Design(reform=2022, **noise)
        adv = verdict_power(design, effect, n_simulations=seeds, family_size=FAMILY, seed=1)
        sub = brute[brute["claim_id"] == claim]
        out[claim] = {
            "outcome": outcome, "planted_effect": effect, "noise": noise,
            "brute_force_supported": _share(sub["verdict"] == cl.SUPPORTED),
            "brute_force_significant": _share(sub["p_adjusted"] < 0.05),
            "advisor_supported": {"rate": adv.power, "mc_se": round(adv.mc_se, 3),
                                  "n": adv.n_simulations},
            "advisor_significant": {"rate": adv.power_test, "n": adv.n_simulations}}
    return out


def _full_rule(table: pd.DataFrame, design: Design, seed: int) -> str:
    """zhuhai.evaluate's rule from the library's parts (C-LF), one claim."""
    cr3 = ev.did(table, "y", reform_cohort=design.reform, inference="cr3").iloc[0]
    ri = ev.randomization_inference(table, outcome="y", reform_cohort=design.reform,
                                    seed=20220901).iloc[0]
    study = ev.event_study(table, "y", reform_cohort=design.reform, seed=20220901)
    post = study[(study["period"] == "post") & study["estimate"].notna()]
    treated = table[table["treated_major"]].groupby("cohort")["count"].sum()
    weights = treated.reindex(post["cohort"].astype(int)).to_numpy(float)
    rm = sens.relative_magnitudes(study, study.attrs["vcov"], 1, l_vec=weights / weights.sum(),
                                  method="C-LF", seed=seed, breakdown_tol=0.05)
    claims = pd.DataFrame([{"claim_id": "C", "section": "5.3", "quote": "rose",
                            "case": "zhuhai", "indicator": "x", "outcome": "y",
                            "claimed_direction": "increase", "testable_with": "data",
                            "analysis": "zhuhai_did"}])
    results = pd.DataFrame([{"outcome": "y", "estimate": cr3["estimate"],
                             "ci_low": cr3["ci_low"], "ci_high": cr3["ci_high"],
                             "p_value": max(cr3["p_value"], ri["p_value"]), "alpha": 0.05}])
    return cl.judge(claims, results, sensitivity=rm)["verdict"].iloc[0]


def part_b(seeds: int) -> dict:
    out = {}
    for name, design, effect, family in DESIGNS_B:
        adv, full = [], []
        for i in range(seeds):
            table = simulate_design(design, effect, 5000 + i)
            adv.append(verdict_on(table, design, family_size=family, seed=5000 + i)["supported"])
            full.append(_full_rule(table, design, 5000 + i) == cl.SUPPORTED)
        out[name] = {"advisor_LF": _share(adv), "full_rule_C_LF": _share(full),
                     "advisor_supported_full_not": int(np.sum(np.array(adv) & ~np.array(full))),
                     "full_supported_advisor_not": int(np.sum(~np.array(adv) & np.array(full)))}
    return out


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--part", choices=("A", "B", "both"), default="both")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    start = time.time()
    result = {"seeds": args.seeds}
    if args.part in ("A", "both"):
        result["A_shipped_design"] = part_a(args.seeds)
    if args.part in ("B", "both"):
        result["B_passable_designs"] = part_b(args.seeds)
    result["seconds"] = round(time.time() - start, 1)
    text = json.dumps(result, indent=1, ensure_ascii=False)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
