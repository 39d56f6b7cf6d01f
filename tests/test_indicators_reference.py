"""Indicators pinned to published reference values (tests/reference/stats/).

Every published number is reached through talentlab's own public functions:
Newcombe (1998) Wilson intervals and differences -> wilson_interval, newcombe_difference, compare;
Gehan's 6-MP Kaplan-Meier table, medians and log-rank -> adaptation_km_table, adaptation_cycle,
compare; Shrout & Fleiss (1979) ICCs and alpha -> three_party_evaluation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import confint_proportions_2indep

from talentlab.indicators import (
    adaptation_cycle,
    adaptation_km_table,
    compare,
    newcombe_difference,
    three_party_evaluation,
    wilson_interval,
)
from talentlab.indicators.core import newcombe_limits

DEST_LEVELS = ["employed_full_time", "employed_part_time", "self_employed", "military",
               "further_study", "preparing_further_study", "unemployed", "unknown"]


# ---------------------------------------------------------------------------------------------
# Newcombe (1998): single proportions and differences
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def newcombe_single(reference_dir):
    return pd.read_csv(reference_dir / "stats" / "newcombe_1998_single.csv")


@pytest.fixture(scope="module")
def newcombe_diff(reference_dir):
    return pd.read_csv(reference_dir / "stats" / "newcombe_1998_diff.csv")


def test_wilson_interval_matches_newcombe_method3(newcombe_single, stats_expected):
    exp = stats_expected["newcombe_1998_wilson"]
    got = wilson_interval(newcombe_single["x"], newcombe_single["n"])
    np.testing.assert_allclose(got[["ci_low", "ci_high"]].to_numpy(),
                               np.array(exp["expected"]["method3_wilson"]),
                               atol=exp["tolerance_abs"])


def test_wilson_interval_continuity_corrected_matches_method4(newcombe_single, stats_expected):
    exp = stats_expected["newcombe_1998_wilson"]
    got = wilson_interval(newcombe_single["x"], newcombe_single["n"], continuity_correction=True)
    np.testing.assert_allclose(got[["ci_low", "ci_high"]].to_numpy(),
                               np.array(exp["expected"]["method4_wilson_cc"]),
                               atol=exp["tolerance_abs"])


def test_newcombe_difference_matches_method10_and_11(newcombe_diff, stats_expected):
    exp = stats_expected["newcombe_1998_diff"]
    d = newcombe_diff.set_index("example")
    for method, cc in [("method10", False), ("method11", True)]:
        got = newcombe_difference(d["x1"], d["n1"], d["x2"], d["n2"], continuity_correction=cc)
        want = np.array([exp["expected"][method][e] for e in d.index])
        np.testing.assert_allclose(got[["ci_low", "ci_high"]].to_numpy(), want,
                                   atol=exp["tolerance_abs"], err_msg=method)


def test_hand_written_newcombe_step_equals_statsmodels():
    # The square-and-add step kept by hand for the continuity-corrected variant (method 11,
    # absent from statsmodels) must give statsmodels' method-10 limits when uncorrected.
    rng = np.random.default_rng(13)
    na = rng.integers(1, 400, 5000).astype(float)
    nb = rng.integers(1, 400, 5000).astype(float)
    xa, xb = np.floor(rng.random(5000) * (na + 1)), np.floor(rng.random(5000) * (nb + 1))
    for alpha in (0.1, 0.05, 0.01):
        lo, hi = newcombe_limits(xa, na, xb, nb, alpha, continuity_correction=False)
        want_lo, want_hi = confint_proportions_2indep(xa, na, xb, nb, method="newcomb",
                                                      compare="diff", alpha=alpha)
        np.testing.assert_allclose(lo, want_lo, rtol=0, atol=1e-12)
        np.testing.assert_allclose(hi, want_hi, rtol=0, atol=1e-12)
    # and the public function on arrays is statsmodels' interval (clipped to [-1, 1])
    got = newcombe_difference(xa, na, xb, nb)
    want_lo, want_hi = confint_proportions_2indep(xa, na, xb, nb, method="newcomb",
                                                  alpha=0.05)
    np.testing.assert_array_equal(got["ci_low"], np.clip(want_lo, -1, 1))
    np.testing.assert_array_equal(got["ci_high"], np.clip(want_hi, -1, 1))


def test_compare_uses_newcombe_method10_on_indicator_tables(newcombe_diff, stats_expected):
    exp = stats_expected["newcombe_1998_diff"]
    for r in newcombe_diff.itertuples():
        table = pd.DataFrame({
            "arm": ["a", "b"], "indicator": "employment_rate", "statistic": "proportion",
            "numerator": [float(r.x1), float(r.x2)], "denominator": [float(r.n1), float(r.n2)],
            "estimate": [r.x1 / r.n1, r.x2 / r.n2], "n": [r.n1, r.n2],
            "method": "Wilson"})
        out = compare(table, "arm", "a", "b", indicator="employment_rate").iloc[0]
        want = exp["expected"]["method10"][r.example]
        assert out["ci_low"] == pytest.approx(want[0], abs=exp["tolerance_abs"])
        assert out["ci_high"] == pytest.approx(want[1], abs=exp["tolerance_abs"])
        assert "Newcombe" in out["method"]


# ---------------------------------------------------------------------------------------------
# Gehan (1965) 6-MP leukaemia remission data: Kaplan-Meier
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def gehan(reference_dir):
    """Gehan's data in the graduates layout: remission weeks as adaptation months."""
    raw = pd.read_csv(reference_dir / "stats" / "gehan_6mp.csv")
    return pd.DataFrame({
        "treat": raw["treat"].astype("str"),
        "destination": pd.Categorical(["employed_full_time"] * len(raw), categories=DEST_LEVELS),
        "adaptation_months": raw["time"].astype("float64"),
        "adaptation_reached": pd.array(raw["cens"] == 1, dtype="boolean"),
    })


def test_km_table_matches_kleinbaum_klein(gehan, stats_expected):
    exp = stats_expected["gehan_6mp"]
    tol = exp["tolerance_abs"]
    km = exp["expected"]["km_6mp"]
    tab = adaptation_km_table(gehan, by="treat")
    six = tab[tab["treat"] == "6-MP"]
    assert six["time"].tolist() == km["time"]
    assert six["n_risk"].tolist() == km["n_risk"]
    assert six["events"].tolist() == km["events"]
    np.testing.assert_allclose(six["survival"], km["surv"], atol=tol["surv"])
    np.testing.assert_allclose(six["se"], km["greenwood_se"], atol=tol["se"])


def test_adaptation_cycle_medians_match_gehan(gehan, stats_expected):
    exp = stats_expected["gehan_6mp"]["expected"]
    out = adaptation_cycle(gehan, by="treat")
    med = out[out["statistic"] == "km_median"].set_index("treat")
    assert med.loc["6-MP", "estimate"] == exp["median_6mp"]
    assert med.loc["control", "estimate"] == exp["median_control"]
    assert med.loc["6-MP", "n"] == 21 and med.loc["6-MP", "events"] == 9
    assert med.loc["6-MP", "censored"] == 12
    assert med.loc["control", "censored"] == 0


def test_adaptation_cycle_median_interval_equals_statsmodels(gehan):
    out = adaptation_cycle(gehan, by="treat")
    med = out[out["statistic"] == "km_median"].set_index("treat")
    for arm in ["6-MP", "control"]:
        sub = gehan[gehan["treat"] == arm]
        sf = SurvfuncRight(sub["adaptation_months"].to_numpy(),
                           sub["adaptation_reached"].to_numpy(dtype=float))
        with np.errstate(all="ignore"):
            lo, hi = sf.quantile_ci(0.5)
        assert med.loc[arm, "estimate"] == sf.quantile(0.5)
        assert med.loc[arm, "ci_low"] == lo
        assert med.loc[arm, "ci_high"] == hi


def test_compare_km_median_logrank_matches_gehan(gehan, stats_expected):
    exp = stats_expected["gehan_6mp"]
    res = compare({"graduates": gehan}, "treat", "6-MP", "control", indicator="adaptation_cycle",
                  statistic="km_median", n_boot=300, seed=1).iloc[0]
    assert res["estimate"] == exp["expected"]["median_6mp"] - exp["expected"]["median_control"]
    chisq_published = exp["expected"]["logrank_chisq"]
    chisq = float(res["method"].split("chi2=")[1].rstrip(")"))
    assert chisq == pytest.approx(chisq_published, abs=exp["tolerance_abs"]["logrank"])
    assert res["p_value"] == pytest.approx(stats.chi2.sf(chisq_published, 1), rel=0.01)
    assert res["ci_low"] <= res["estimate"] <= res["ci_high"]


# ---------------------------------------------------------------------------------------------
# Shrout & Fleiss (1979) Table 2: ICCs and alpha through three_party_evaluation
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shrout_fleiss(reference_dir):
    """Table 2 as evaluations: targets = graduates, judges = parties."""
    wide = pd.read_csv(reference_dir / "stats" / "shrout_fleiss_1979.csv")
    long = wide.melt(id_vars="target", var_name="party", value_name="score")
    judges = ["judge1", "judge2", "judge3", "judge4"]
    return pd.DataFrame({
        "student_id": long["target"].astype("str"),
        "party": pd.Categorical(long["party"], categories=judges),
        "evaluator_id": long["party"].astype("str"),
        "dimension": pd.array(["overall"] * len(long), dtype="str"),
        "score": long["score"].astype("float64"),
    })


SF_NAMES = {"ICC(1,1)": "ICC(1,1)", "ICC(2,1)": "ICC(2,1)", "ICC(3,1)": "ICC(3,1)",
            "ICC(1,4)": "ICC(1,k)", "ICC(2,4)": "ICC(2,k)", "ICC(3,4)": "ICC(3,k)"}


def test_three_party_icc_matches_shrout_fleiss(shrout_fleiss, stats_expected):
    exp = stats_expected["shrout_fleiss_1979"]
    out = three_party_evaluation(shrout_fleiss, icc_forms=list(SF_NAMES.values()))
    est = out.set_index("statistic")["estimate"]
    for published, ours in SF_NAMES.items():
        assert est[ours] == pytest.approx(exp["expected"][published], abs=exp["tolerance_abs"])
    exact = {"ICC(1,1)": "ICC(1,1)", "ICC(2,1)": "ICC(2,1)", "ICC(3,1)": "ICC(3,1)",
             "ICC(1,k)": "ICC(1,k)", "ICC(2,k)": "ICC(2,k)", "ICC(3,k)": "ICC(3,k)"}
    for key, ours in exact.items():
        value = float(exp["exact_closed_form"][key].split("=")[-1])
        assert est[ours] == pytest.approx(value, abs=exp["tolerance_exact"])
    # the form is named in the method text
    row = out.set_index("statistic").loc["ICC(2,1)"]
    assert "absolute agreement" in row["method"] and "two-way random" in row["method"]


def test_three_party_alpha_matches_shrout_fleiss(shrout_fleiss, stats_expected):
    exp = stats_expected["shrout_fleiss_1979"]
    out = three_party_evaluation(shrout_fleiss).set_index("statistic")
    alpha = out.loc["cronbach_alpha", "estimate"]
    assert alpha == pytest.approx(
        exp["expected"]["cronbach_alpha_judges_as_items (=ICC(3,k), identity)"],
        abs=exp["tolerance_abs"])
    closed = float(exp["exact_closed_form"]["ICC(3,k)"].split("=")[-1])
    assert alpha == pytest.approx(closed, abs=exp["tolerance_exact"])


def test_three_party_party_means_and_composite_hand_computed(shrout_fleiss):
    # Table 2 judge means: (9+6+8+7+10+6)/6 = 7.667, 2.5, 4.333, 6.667
    out = three_party_evaluation(shrout_fleiss, weights={"judge1": 3, "judge2": 1,
                                                         "judge3": 0, "judge4": 0})
    est = out.set_index("statistic")["estimate"]
    assert est["mean_judge1"] == pytest.approx(46 / 6)
    assert est["mean_judge2"] == pytest.approx(15 / 6)
    assert est["mean_judge3"] == pytest.approx(26 / 6)
    assert est["mean_judge4"] == pytest.approx(40 / 6)
    assert est["weighted_composite"] == pytest.approx(0.75 * 46 / 6 + 0.25 * 15 / 6)
