"""Reference values from pyfixest for tests/test_inference_checks.py (run once, outside the project).

Run with an environment that has pyfixest (not a talentlab dependency):

    python -m venv /tmp/pfx && /tmp/pfx/bin/pip install pyfixest==0.60.0
    /tmp/pfx/bin/python tests/reference_pyfixest/make_reference.py

Writes ``panel_g8.csv`` (a synthetic graduates panel, 8 majors of which 3 reformed, cohorts
2017-2025; made here with a fixed seed, labelled synthetic) and ``pyfixest_reference.json`` with
pyfixest's CRV1 and CRV3 standard errors of

* the two-way fixed-effects DiD ``y ~ d | major + cohort``, clustered by major, on that panel;
* the event study ``y ~ i(cohort, treated, ref=2021) | major + cohort`` (CRV3) on that panel;
* Card & Krueger (1994), balanced stores, store and wave fixed effects, clustered by the 8
  chain x state groups (tests/reference/stats/card_krueger_1994.csv).
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
CK = HERE.parent / "reference" / "stats" / "card_krueger_1994.csv"


def make_panel(seed: int = 20261202) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    majors = [f"T{i}" for i in range(3)] + [f"C{i}" for i in range(5)]
    for maj in majors:
        a = rng.normal(0, 0.3)
        for c in range(2017, 2026):
            shock = rng.normal(0, 0.15)
            mu = a + 0.02 * (c - 2017) + shock + 0.25 * (maj.startswith("T") and c >= 2022)
            for _ in range(20):
                rows.append((maj, c, maj.startswith("T"), round(mu + rng.normal(0, 1), 6)))
    return pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])


def se_of(fit, term):
    return float(fit.se()[term])


def main() -> None:
    import pyfixest as pf  # here, not at the top: pytest imports this file for doctests

    panel = make_panel()
    panel.to_csv(HERE / "panel_g8.csv", index=False)
    panel = pd.read_csv(HERE / "panel_g8.csv")  # the stored values exactly
    panel["d"] = (panel["treated_major"] & (panel["cohort"] >= 2022)).astype(float)
    panel["treated"] = panel["treated_major"].astype(int)
    out: dict = {
        "generated_by": "tests/reference_pyfixest/make_reference.py",
        "pyfixest_version": pf.__version__,
        "python": platform.python_version(),
        "date": dt.date.today().isoformat(),
        "note": "panel_g8.csv is synthetic (seeded in make_panel)",
    }
    crv1 = pf.feols("y ~ d | major + cohort", data=panel, vcov={"CRV1": "major"})
    crv3 = pf.feols("y ~ d | major + cohort", data=panel, vcov={"CRV3": "major"})
    out["panel_g8_did"] = {"n": int(crv1._N), "G": 8, "estimate": float(crv1.coef()["d"]),
                           "se_crv1": se_of(crv1, "d"), "se_crv3": se_of(crv3, "d")}
    es = pf.feols("y ~ i(cohort, treated, ref=2021) | major + cohort", data=panel,
                  vcov={"CRV3": "major"})
    coefs = es.coef()
    out["panel_g8_event_study_crv3"] = {
        str(int(float(name.split("::")[1].split(":")[0]))): {"estimate": float(coefs[name]),
                                                          "se": se_of(es, name)}
        for name in coefs.index
    }
    if CK.exists():
        ck = pd.read_csv(CK).dropna(subset=["fte"])
        ck = ck[ck.groupby("id")["d"].transform("nunique") == 2].copy()
        chain = np.select([ck.bk == 1, ck.kfc == 1, ck.roys == 1, ck.wendys == 1],
                          ["bk", "kfc", "roys", "wendys"], "other")
        ck["chain_state"] = pd.Series(chain, index=ck.index) + "_" + ck["nj"].astype(str)
        ck["treat_post"] = (ck["nj"] * ck["d"]).astype(float)
        f1 = pf.feols("fte ~ treat_post | id + d", data=ck, vcov={"CRV1": "chain_state"})
        f3 = pf.feols("fte ~ treat_post | id + d", data=ck, vcov={"CRV3": "chain_state"})
        out["card_krueger_chain_state"] = {
            "n": int(f1._N), "G": int(ck["chain_state"].nunique()),
            "estimate": float(f1.coef()["treat_post"]),
            "se_crv1": se_of(f1, "treat_post"), "se_crv3": se_of(f3, "treat_post")}
    (HERE / "pyfixest_reference.json").write_text(json.dumps(out, indent=2) + "\n",
                                                  encoding="utf-8")


if __name__ == "__main__":
    main()
