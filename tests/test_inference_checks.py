"""Independent checks of the DiD inference (issue 12, item 4).

* CR1 and CR3 against pyfixest 0.60 (values computed once by tests/reference_pyfixest/
  make_reference.py and stored beside it with the version and date; pyfixest is not a
  dependency). Both CR3 conventions: ``"pyfixest"`` must equal pyfixest's CRV3, ``"jackknife"``
  must equal it times (G-1)/G / sqrt((N-1)/(N-K)) — a difference of convention, not of estimate.
* The wild cluster restricted (WCR) bootstrap against full enumeration of the Rademacher (2^G)
  and Webb (6^G) weights, computed by a brute-force implementation that refits the restricted
  model and the unrestricted OLS with an explicit CR1 sandwich for every draw (numpy only, no
  code shared with talentlab): the p-values must be equal, not close.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab import evaluation as ev

REF = Path(__file__).parent / "reference_pyfixest"


# ----------------------------------------------------------------------------------------------
# CR1 / CR3 against pyfixest
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pfx():
    return json.loads((REF / "pyfixest_reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def panel_g8():
    return pd.read_csv(REF / "panel_g8.csv")


def test_reference_file_says_where_it_came_from(pfx):
    assert pfx["pyfixest_version"] == "0.60.0" and pfx["date"]
    assert "synthetic" in pfx["note"]


def test_cr1_matches_pyfixest(panel_g8, pfx):
    ref = pfx["panel_g8_did"]
    res = ev.did(panel_g8, "y", inference="cluster", reform_cohort=2022).iloc[0]
    assert res["n"] == ref["n"] and res["n_clusters"] == ref["G"]
    assert res["estimate"] == pytest.approx(ref["estimate"], rel=1e-10)
    assert res["se"] == pytest.approx(ref["se_crv1"], rel=1e-8)


def test_cr3_pyfixest_convention_matches_pyfixest(panel_g8, pfx):
    ref = pfx["panel_g8_did"]
    res = ev.did(panel_g8, "y", inference="cr3", cr3_convention="pyfixest",
                 reform_cohort=2022).iloc[0]
    assert res["se"] == pytest.approx(ref["se_crv3"], rel=1e-8)
    assert res["cr3_convention"] == "pyfixest" and "pyfixest" in res["method"]


def test_cr3_jackknife_convention_differs_by_the_stated_factor(panel_g8, pfx):
    ref = pfx["panel_g8_did"]
    jack = ev.did(panel_g8, "y", inference="cr3", reform_cohort=2022).iloc[0]
    g, n = ref["G"], ref["n"]
    k = 1 + 8 + 8 - 7  # d, 8 major FE, 8 cohort dummies; FE nested in clusters count as one
    factor = (g - 1) / g / math.sqrt((n - 1) / (n - k))
    assert jack["se"] == pytest.approx(ref["se_crv3"] * factor, rel=1e-8)
    assert jack["cr3_convention"] == "jackknife"
    # the audit: pyfixest's CR3 SE is larger by about G/(G-1) = 8/7
    assert ref["se_crv3"] / jack["se"] == pytest.approx(8 / 7, rel=5e-3)


def test_event_study_cr3_matches_pyfixest(panel_g8, pfx):
    ref = pfx["panel_g8_event_study_crv3"]
    es = ev.event_study(panel_g8, "y", cr3_convention="pyfixest", n_bootstrap=99,
                        reform_cohort=2022, seed=20220901)
    est = es[es["period"] != "reference"].set_index("cohort")
    for cohort, vals in ref.items():
        assert est.loc[int(cohort), "estimate"] == pytest.approx(vals["estimate"], rel=1e-9)
        assert est.loc[int(cohort), "se"] == pytest.approx(vals["se"], rel=1e-8)


def test_card_krueger_eight_clusters_matches_pyfixest(pfx, reference_dir):
    ref = pfx["card_krueger_chain_state"]  # the data are in tests/reference/stats/: no skip
    ck = pd.read_csv(reference_dir / "stats" / "card_krueger_1994.csv").dropna(subset=["fte"])
    ck = ck[ck.groupby("id")["d"].transform("nunique") == 2]
    chain = np.select([ck.bk == 1, ck.kfc == 1, ck.roys == 1, ck.wendys == 1],
                      ["bk", "kfc", "roys", "wendys"], "other")
    ck = ck.assign(chain_state=pd.Series(chain, index=ck.index) + "_" + ck["nj"].astype(str))
    kw = dict(treated="nj", cohort="d", reform_cohort=1, cluster="chain_state", unit="id")
    res = ev.did(ck, "fte", inference="cr3", cr3_convention="pyfixest", **kw)  # CR3 and CR1
    cr3, cr1 = res.iloc[0], res.iloc[1]
    assert cr1["inference"] == "cluster"
    assert cr1["estimate"] == pytest.approx(ref["estimate"], rel=1e-10)
    assert cr1["se"] == pytest.approx(ref["se_crv1"], rel=1e-8)
    assert cr3["se"] == pytest.approx(ref["se_crv3"], rel=1e-8)


def test_bad_convention_is_a_clear_error(panel_g8):
    with pytest.raises(ev.EvaluationInputError, match="cr3_convention must be one of"):
        ev.did(panel_g8, "y", inference="cr3", cr3_convention="stata", reform_cohort=2022)
    with pytest.raises(ev.EvaluationInputError, match="bootstrap_weights must be one of"):
        ev.did(panel_g8, "y", bootstrap_weights="mammen", reform_cohort=2022, seed=20220901)


# ----------------------------------------------------------------------------------------------
# WCR bootstrap against full enumeration, brute force
# ----------------------------------------------------------------------------------------------
def small_panel(seed, n_treated, n_control, m=8, cohorts=range(2019, 2025), effect=0.2):
    rng = np.random.default_rng(seed)
    rows = []
    for j in range(n_treated + n_control):
        tr = j < n_treated
        a = rng.normal(0, 0.3)
        for c in cohorts:
            mu = a + 0.03 * (c - 2019) + rng.normal(0, 0.1) + effect * (tr and c >= 2022)
            rows += [(f"m{j:02d}", c, tr, mu + rng.normal()) for _ in range(m)]
    return pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])


def brute_force_wcr_p(df, weights, b0=0.0):
    """WCR bootstrap-t p-value, refitting everything for every draw (numpy, CR1 sandwich)."""
    majors = sorted(df["major"].unique())
    cl = df["major"].map({m: i for i, m in enumerate(majors)}).to_numpy()
    cohorts = sorted(df["cohort"].unique())
    fe = np.column_stack([(df["major"] == m).to_numpy(float) for m in majors]
                         + [(df["cohort"] == c).to_numpy(float) for c in cohorts[1:]])
    d = (df["treated_major"].to_numpy(bool) & (df["cohort"].to_numpy() >= 2022)).astype(float)
    y = df["y"].to_numpy(float)
    x = np.column_stack([d, fe])
    xtx_inv = np.linalg.inv(x.T @ x)

    def t_stat(yy):
        beta = xtx_inv @ (x.T @ yy)
        e = yy - x @ beta
        scores = np.stack([x[cl == g].T @ e[cl == g] for g in range(len(majors))])
        v = xtx_inv @ (scores.T @ scores) @ xtx_inv  # CR1 factor omitted: it cancels
        return (beta[0] - b0) / math.sqrt(v[0, 0])

    # the restricted model (null b = b0 imposed) fitted once; bootstrap samples from it
    coef_r, *_ = np.linalg.lstsq(fe, y - b0 * d, rcond=None)
    fitted = fe @ coef_r + b0 * d
    u = y - fitted
    t_obs = t_stat(y)
    t_star = np.array([t_stat(fitted + u * w[cl]) for w in weights])
    return float(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-12))


@pytest.mark.parametrize("n_treated, n_control", [(3, 5), (4, 6)])
def test_rademacher_enumeration_equals_brute_force(n_treated, n_control):
    g = n_treated + n_control
    df = small_panel(11 + g, n_treated, n_control)
    res = ev.did(df, "y", bootstrap_weights="rademacher", n_bootstrap=9999,
                 reform_cohort=2022, seed=20220901).iloc[0]
    assert res["n_bootstrap"] == 2**g and "all 2^G draws enumerated" in res["method"]
    every_sign = np.array(list(itertools.product((-1.0, 1.0), repeat=g)))
    p_brute = brute_force_wcr_p(df, every_sign)
    assert res["p_value"] == p_brute  # equal, not approximately
    # the enumerated p-value is a count over 2^G sign vectors, and w, -w give the same |t*|
    assert (res["p_value"] * 2**g) % 2 == pytest.approx(0.0)
    # enumeration does not depend on the seed
    other = ev.did(df, "y", bootstrap_weights="rademacher", n_bootstrap=9999, seed=5,
                   reform_cohort=2022)
    assert other["p_value"].iloc[0] == res["p_value"]


def test_webb_enumeration_equals_brute_force():
    df = small_panel(4, 2, 2, m=6)
    res = ev.did(df, "y", n_bootstrap=9999,
                 reform_cohort=2022, seed=20220901).iloc[0]  # 6^4 = 1296 <= 9999: enumerated
    assert res["n_bootstrap"] == 6**4 and "all 6^G draws enumerated" in res["method"]
    points = [-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)]
    every_draw = np.array(list(itertools.product(points, repeat=4)))
    assert res["p_value"] == brute_force_wcr_p(df, every_draw)


def test_rademacher_random_draws_equal_brute_force_on_the_same_draws():
    """G = 12 > log2(B): random draws; the same draws give the same p-value by brute force."""
    df = small_panel(12, 5, 7, m=5)
    seed, b = 3, 199
    res = ev.did(df, "y", bootstrap_weights="rademacher", n_bootstrap=b, seed=seed,
                 reform_cohort=2022).iloc[0]
    weights, enumerated = ev.rademacher_weights(12, b, np.random.default_rng(seed))
    assert not enumerated and res["n_bootstrap"] == b
    assert res["p_value"] == brute_force_wcr_p(df, weights)


def test_bootstrap_interval_inverts_the_brute_force_test():
    """At the bounds of the Rademacher-enumerated interval the brute-force p crosses alpha."""
    df = small_panel(21, 3, 5)
    res = ev.did(df, "y", bootstrap_weights="rademacher", n_bootstrap=9999,
                 reform_cohort=2022, seed=20220901).iloc[0]
    every_sign = np.array(list(itertools.product((-1.0, 1.0), repeat=8)))
    width = res["ci_high"] - res["ci_low"]
    for bound, inward in ((res["ci_low"], 1), (res["ci_high"], -1)):
        assert brute_force_wcr_p(df, every_sign, bound + inward * 1e-3 * width) > 0.05
        assert brute_force_wcr_p(df, every_sign, bound - inward * 1e-3 * width) <= 0.05
