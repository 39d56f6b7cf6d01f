"""Tests of talentlab.evaluation: published references, independent computations, planted effects.

References from tests/reference/stats/ (fixtures ``reference_dir`` and ``stats_expected``;
sources and licences in its README): Card & Krueger (1994), Freireich/Gehan 6-MP, lme4's sleepstudy.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats

from talentlab import evaluation as ev


# ----------------------------------------------------------------------------------------------
# simulated data with planted truth
# ----------------------------------------------------------------------------------------------
def simulate_panel(seed, effect=0.0, n_treated=3, n_control=5, cohorts=range(2017, 2026),
                   reform=2022, m=60, sd_cell=0.0, pretrend=0.0, binary=True, base=0.55):
    """Graduates nested in majors x cohorts.

    y = base + major effect + 0.01 * (cohort - 2017) + nu(major, cohort)
        + effect * treated * post + pretrend * treated * (cohort - reform) [+ noise]
    Binary: Bernoulli(p) with that p; continuous: p + N(0, 1).
    """
    rng = np.random.default_rng(seed)
    rows = []
    majors = [f"T{i}" for i in range(n_treated)] + [f"C{i}" for i in range(n_control)]
    for maj in majors:
        a = rng.normal(0, 0.05)
        tr = maj.startswith("T")
        for c in cohorts:
            mu = (base + a + 0.01 * (c - 2017) + rng.normal(0, sd_cell) if sd_cell else
                  base + a + 0.01 * (c - 2017))
            mu += effect * (tr and c >= reform) + pretrend * tr * (c - reform)
            draws = rng.random(m) < mu if binary else mu + rng.normal(0, 1, m)
            rows += [(maj, c, tr, v) for v in draws]
    df = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])
    df["major"] = df["major"].astype("string")
    df["cohort"] = df["cohort"].astype("Int64")
    df["treated_major"] = df["treated_major"].astype("boolean")
    df["y"] = df["y"].astype("boolean") if binary else df["y"].astype(float)
    return df


# ----------------------------------------------------------------------------------------------
# Card & Krueger (1994)
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def card_krueger(reference_dir):
    return pd.read_csv(reference_dir / "stats" / "card_krueger_1994.csv")


def _balanced(ck):
    """Table 3 row 4: stores with FTE employment in both waves."""
    ok = ck.dropna(subset=["fte"])
    n_waves = ok.groupby("id")["d"].transform("nunique")
    return ok[n_waves == 2]


def test_card_krueger_balanced_panel_did(card_krueger, stats_expected):
    exp = stats_expected["card_krueger_1994"]
    row4, tol = exp["expected"]["row4_balanced_sample"], exp["tolerance_abs"]
    bal = _balanced(card_krueger)
    # the sample definition reproduces the published group changes
    means = bal.groupby(["nj", "d"])["fte"].mean()
    assert abs((means[0, 1] - means[0, 0]) - row4["PA"]) <= tol
    assert abs((means[1, 1] - means[1, 0]) - row4["NJ"]) <= tol
    # two-way FE DiD (store and wave fixed effects), CR1 clustered by store
    res = ev.did(bal, "fte", treated="nj", cohort="d", reform_cohort=1, cluster="id",
                 unit="id", inference="cluster")
    row = res.iloc[0]
    assert abs(row["estimate"] - row4["NJ_minus_PA"]) <= tol
    assert abs(row["se"] - row4["se_did"]) <= tol
    assert row["n_clusters"] == bal["id"].nunique()
    assert row["method"].startswith("TWFE OLS; CR1")


def test_card_krueger_all_available_did(card_krueger, stats_expected):
    """Row 3 (all available stores, unbalanced): FE for the state instead of the store."""
    exp = stats_expected["card_krueger_1994"]["expected"]["row3_change_all_available"]
    res = ev.did(card_krueger, "fte", treated="nj", cohort="d", reform_cohort=1, cluster="id",
                 unit="nj", inference="cluster")
    # the paper prints 2.76; the four means give 2.7536 (expected.json note: tolerance 0.01)
    assert abs(res["estimate"].iloc[0] - exp["NJ_minus_PA"]) <= 0.01
    assert res["n_dropped_missing"].iloc[0] == card_krueger["fte"].isna().sum()


def test_card_krueger_eight_clusters_matches_wildboottest(card_krueger):
    """Few-cluster illustration of ../shared/research/evaluation-methods.md (section 1.1):
    Card & Krueger with 8 artificial clusters (chain x state); computed there with pyfixest /
    wildboottest 0.3.2: CRV1 p = 0.048, WCB-Webb p = 0.18 (an independent implementation)."""
    bal = _balanced(card_krueger)
    chain = np.select([bal.bk == 1, bal.kfc == 1, bal.roys == 1, bal.wendys == 1],
                      ["bk", "kfc", "roys", "wendys"], "other")
    bal = bal.assign(chain_state=pd.Series(chain, index=bal.index) + "_" + bal.nj.astype(str))
    res = ev.did(bal, "fte", treated="nj", cohort="d", reform_cohort=1, cluster="chain_state",
                 unit="id", inference="wild_bootstrap", n_bootstrap=9999, seed=1)
    wild, cr1 = res.iloc[0], res.iloc[1]
    assert wild["primary"] and not cr1["primary"]
    assert wild["n_clusters"] == 8
    assert abs(cr1["p_value"] - 0.048) <= 0.001
    assert abs(wild["p_value"] - 0.18) <= 0.015  # Monte Carlo error with B = 9999 ~ 0.004
    # bootstrap interval covers zero (p > 0.05) while the CR1 interval does not
    assert wild["ci_low"] < 0 < wild["ci_high"]
    assert cr1["ci_low"] > 0


# ----------------------------------------------------------------------------------------------
# the wild bootstrap and CR3 against independent brute-force computations
# ----------------------------------------------------------------------------------------------
def _brute_wild_p(df, b0, weights):
    """WCR bootstrap p-value by refitting statsmodels OLS for every draw (slow, obvious)."""
    x_fe = pd.get_dummies(df["major"], dtype=float).join(
        pd.get_dummies(df["cohort"].astype(int), prefix="c", drop_first=True, dtype=float))
    d = (df["treated_major"].astype(bool) & (df["cohort"] >= 2022)).astype(float).to_numpy()
    y = df["y"].astype(float).to_numpy()
    x_full = np.column_stack([d, x_fe.to_numpy()])
    clusters = pd.factorize(df["major"], sort=True)[0]

    def t_of(yy, null):
        fit = sm.OLS(yy, x_full).fit(cov_type="cluster", cov_kwds={"groups": clusters})
        return (fit.params[0] - null) / fit.bse[0]

    restricted = sm.OLS(y - b0 * d, x_fe.to_numpy()).fit()
    fitted, resid = restricted.fittedvalues + b0 * d, restricted.resid
    t_obs = t_of(y, b0)
    t_star = np.array([t_of(fitted + resid * w[clusters], b0) for w in weights])
    return float(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-12))


def test_wild_bootstrap_matches_brute_force_refits():
    df = simulate_panel(5, effect=0.15, m=15, binary=False, sd_cell=0.05,
                        cohorts=range(2019, 2025))
    seed, n_boot = 11, 99
    res = ev.did(df, "y", inference="wild_bootstrap", n_bootstrap=n_boot, seed=seed,
                 reform_cohort=2022)
    wild = res.iloc[0]
    weights, enumerated = ev.webb_weights(8, n_boot, np.random.default_rng(seed))
    assert not enumerated and weights.shape == (n_boot, 8)
    assert wild["p_value"] == pytest.approx(_brute_wild_p(df, 0.0, weights), abs=1e-12)
    # the interval inverts the test: just inside each bound the null is not rejected,
    # just outside it is
    width = wild["ci_high"] - wild["ci_low"]
    for bound, inward in ((wild["ci_low"], 1), (wild["ci_high"], -1)):
        assert _brute_wild_p(df, bound + inward * 1e-3 * width, weights) > 0.05
        assert _brute_wild_p(df, bound - inward * 1e-3 * width, weights) <= 0.05


def test_wild_bootstrap_enumerates_few_clusters():
    df = simulate_panel(3, effect=0.1, n_treated=2, n_control=2, m=20)
    res = ev.did(df, "y", n_bootstrap=9999, reform_cohort=2022, seed=20220901)
    assert res["n_bootstrap"].iloc[0] == 6**4
    assert "enumerated" in res["method"].iloc[0]
    # enumeration is deterministic: the seed does not matter
    other = ev.did(df, "y", n_bootstrap=9999, seed=999, reform_cohort=2022)
    assert other["p_value"].iloc[0] == res["p_value"].iloc[0]


def test_cr3_matches_leave_one_major_out_statsmodels():
    df = simulate_panel(8, effect=0.1, m=30, sd_cell=0.03)
    res = ev.did(df, "y", inference="cr3", reform_cohort=2022)
    frame = df.assign(y=df["y"].astype(float),
                      d=(df["treated_major"] & (df["cohort"] >= 2022)).astype(float),
                      coh=df["cohort"].astype(int), major=df["major"].astype(str))
    full = smf.ols("y ~ d + C(major) + C(coh)", frame).fit().params["d"]
    loo = np.array([smf.ols("y ~ d + C(major) + C(coh)", frame[frame.major != g]).fit()
                    .params["d"] for g in sorted(frame.major.unique())])
    g = len(loo)
    se_cr3 = math.sqrt((g - 1) / g * np.sum((loo - full) ** 2))
    row = res.iloc[0]
    assert row["estimate"] == pytest.approx(full, abs=1e-10)
    assert row["se"] == pytest.approx(se_cr3, rel=1e-8)
    t = stats.t.ppf(0.975, g - 1)
    assert row["ci_low"] == pytest.approx(full - t * se_cr3, rel=1e-8)
    assert row["method"].startswith("TWFE OLS; CR3")


def test_cr1_equals_statsmodels_when_fe_not_nested():
    """With unit FE not nested in clusters the CR1 row is statsmodels' own clustered fit."""
    df = simulate_panel(9, effect=0.1, m=25)
    frame = df.assign(y=df["y"].astype(float),
                      d=(df["treated_major"] & (df["cohort"] >= 2022)).astype(float),
                      t=df["treated_major"].astype(int), coh=df["cohort"].astype(int))
    fit = smf.ols("y ~ d + t + C(coh)", frame).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame.major)[0]}, use_t=True)
    res = ev.did(df, "y", unit="treated_major", inference="cluster", reform_cohort=2022).iloc[0]
    assert res["estimate"] == pytest.approx(fit.params["d"], abs=1e-10)
    assert res["se"] == pytest.approx(fit.bse["d"], rel=1e-8)
    assert res["p_value"] == pytest.approx(fit.pvalues["d"], rel=1e-6)


# ----------------------------------------------------------------------------------------------
# planted effects, missing data, bad input
# ----------------------------------------------------------------------------------------------
def test_did_recovers_planted_effect():
    df = simulate_panel(21, effect=0.12, m=150, sd_cell=0.01)
    res = ev.did(df, "y", n_bootstrap=1999, seed=3, reform_cohort=2022)
    for _, row in res.iterrows():
        assert row["ci_low"] <= 0.12 <= row["ci_high"]
        assert row["ci_low"] > 0
    assert res["estimate"].iloc[0] == pytest.approx(0.12, abs=0.04)
    assert list(res.columns[: len(ev.RESULT_COLUMNS)]) == ev.RESULT_COLUMNS
    assert res["n_clusters_treated"].iloc[0] == 3 and res["n_clusters_control"].iloc[0] == 5


def test_did_checks_are_extra_rows_equal_to_their_own_primary_runs():
    """``checks`` adds non-primary rows; each equals the row ``did`` gives with that method as
    the primary, and CR1 is reported once, last."""
    df = simulate_panel(22, effect=0.05, m=40)
    both = ev.did(df, "y", inference="cr3", checks=("wild_bootstrap",), n_bootstrap=499, seed=5,
                  reform_cohort=2022)
    assert both["inference"].tolist() == ["cr3", "wild_bootstrap", "cluster"]
    assert both["primary"].tolist() == [True, False, False]
    cr3 = ev.did(df, "y", inference="cr3", reform_cohort=2022).iloc[0]
    wcr = ev.did(df, "y", n_bootstrap=499, seed=5, reform_cohort=2022).iloc[0]
    cols = ["estimate", "se", "ci_low", "ci_high", "p_value"]
    assert both.iloc[0][cols].astype(float).tolist() == cr3[cols].astype(float).tolist()
    assert both.iloc[1][cols].astype(float).tolist() == wcr[cols].astype(float).tolist()
    cl = ev.did(df, "y", inference="cluster", checks=("cr3", "cluster"), reform_cohort=2022)
    assert cl["inference"].tolist() == ["cluster", "cr3"] and cl["primary"].tolist() == [True, False]
    with pytest.raises(ev.EvaluationInputError, match="checks must be drawn from"):
        ev.did(df, "y", checks=("bogus",), reform_cohort=2022, seed=20220901)


def test_did_drops_and_counts_missing_outcomes():
    df = simulate_panel(4, effect=0.0, m=20)
    df.loc[df.index[:37], "y"] = pd.NA
    res = ev.did(df, "y", inference="cluster", reform_cohort=2022)
    assert res["n_dropped_missing"].iloc[0] == 37
    assert res["n"].iloc[0] == len(df) - 37


def test_did_not_estimable_returns_explained_row():
    df = simulate_panel(4, m=10)
    only_pre = df[df["cohort"] < 2022]
    res = ev.did(only_pre, "y", reform_cohort=2022, seed=20220901)
    assert len(res) == 1 and np.isnan(res["estimate"].iloc[0])
    assert res["method"].iloc[0].startswith("not estimable: no observations for treated, post")


def test_did_bad_input_is_a_clear_error():
    df = simulate_panel(4, m=10)
    with pytest.raises(ev.EvaluationInputError, match="column\\(s\\) \\['nope'\\] not found"):
        ev.did(df, "nope", reform_cohort=2022, seed=20220901)
    with pytest.raises(ev.EvaluationInputError, match="inference must be one of"):
        ev.did(df, "y", inference="bogus", reform_cohort=2022, seed=20220901)
    with pytest.raises(ev.EvaluationInputError, match="boolean or 0/1"):
        ev.did(df.assign(treated_major=2), "y", reform_cohort=2022, seed=20220901)
    with pytest.raises(ValueError):  # EvaluationInputError is a ValueError
        ev.did(df, "y", alpha=1.5, reform_cohort=2022, seed=20220901)


# ----------------------------------------------------------------------------------------------
# event study
# ----------------------------------------------------------------------------------------------
def test_event_study_detects_pretrend_and_accepts_parallel_trends():
    parallel = ev.event_study(simulate_panel(31, effect=0.1, m=120, binary=False), "y",
                              reform_cohort=2022, seed=20220901)
    trending = ev.event_study(simulate_panel(31, effect=0.1, m=120, binary=False,
                                             pretrend=0.15), "y", reform_cohort=2022, seed=20220901)
    assert parallel["pretrend_p"].iloc[0] > 0.10
    assert trending["pretrend_p"].iloc[0] < 0.01
    assert parallel["pretrend_test"].iloc[0] == "linear"
    assert trending["pretrend_slope"].iloc[0] == pytest.approx(0.15, abs=0.05)
    assert trending["pretrend_joint_p"].iloc[0] < 0.10
    assert parallel["pretrend_df_num"].iloc[0] == 4  # 2017..2020 (2021 is the reference)
    assert parallel["pretrend_df_den"].iloc[0] == 7  # G - 1
    ref = parallel[parallel["period"] == "reference"]
    assert ref["cohort"].tolist() == [2021] and ref["estimate"].tolist() == [0.0]
    post = parallel[parallel["period"] == "post"]
    assert (post["ci_low"] < 0.1).all() and (post["ci_high"] > 0.1).all()


def test_event_study_wald_f_matches_statsmodels_f_test():
    df = simulate_panel(32, effect=0.1, m=40, binary=False, cohorts=range(2019, 2025))
    res = ev.event_study(df, "y", unit="treated_major", vcov="cluster",
                         pretrend_test="joint_f", n_bootstrap=99, reform_cohort=2022, seed=20220901)
    frame = df.assign(y=df["y"].astype(float), coh=df["cohort"].astype(int),
                      t=df["treated_major"].astype(int))
    for c in range(2019, 2025):
        frame[f"e{c}"] = (frame["t"] == 1) & (frame["coh"] == c)
    fit = smf.ols("y ~ e2019 + e2020 + e2022 + e2023 + e2024 + t + C(coh)", frame.astype(
        {f"e{c}": float for c in range(2019, 2025)})).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(frame.major)[0]}, use_t=True)
    ftest = fit.f_test("e2019 = 0, e2020 = 0")
    assert res["pretrend_F"].iloc[0] == pytest.approx(float(ftest.fvalue), rel=1e-6)
    assert res["pretrend_p"].iloc[0] == pytest.approx(float(ftest.pvalue), rel=1e-6)
    assert res["pretrend_joint_p_f"].iloc[0] == res["pretrend_p"].iloc[0]
    est = res.set_index("cohort")["estimate"]
    assert est[2023] == pytest.approx(fit.params["e2023"], abs=1e-10)


def test_event_study_bootstrap_pretrend_tests_match_brute_force():
    """Joint WCR Wald test and the linear pre-trend slope, against statsmodels refits."""
    df = simulate_panel(34, m=15, binary=False, sd_cell=0.05, cohorts=range(2018, 2025))
    seed, n_boot = 5, 49
    res = ev.event_study(df, "y", pretrend_test="joint", n_bootstrap=n_boot, seed=seed,
                         reform_cohort=2022)
    weights, _ = ev.webb_weights(8, n_boot, np.random.default_rng(seed))
    frame = df.assign(y=df["y"].astype(float), coh=df["cohort"].astype(int),
                      t=df["treated_major"].astype(bool), major=df["major"].astype(str))
    clusters = pd.factorize(frame["major"], sort=True)[0]
    fe = pd.get_dummies(frame["major"], dtype=float).join(
        pd.get_dummies(frame["coh"], prefix="c", drop_first=True, dtype=float)).to_numpy()
    cohorts = [c for c in range(2018, 2025) if c != 2021]
    design = np.column_stack([(frame.t & (frame.coh == c)).to_numpy(float) for c in cohorts])
    pre = [i for i, c in enumerate(cohorts) if c < 2022]
    post = [i for i, c in enumerate(cohorts) if c >= 2022]
    x_full = np.hstack([design, fe])
    y = frame["y"].to_numpy()

    def wald(yy):
        fit = sm.OLS(yy, x_full).fit(cov_type="cluster", cov_kwds={"groups": clusters})
        b = fit.params[pre]
        v = np.asarray(fit.cov_params())[np.ix_(pre, pre)]
        return float(b @ np.linalg.pinv(v) @ b)

    restricted = sm.OLS(y, np.hstack([design[:, post], fe])).fit()
    stars = np.array([wald(restricted.fittedvalues + restricted.resid * w[clusters])
                      for w in weights])
    p_brute = float(np.mean(stars >= wald(y) * (1 - 1e-10)))
    assert res["pretrend_joint_p"].iloc[0] == pytest.approx(p_brute, abs=1e-12)
    assert res["pretrend_p"].iloc[0] == res["pretrend_joint_p"].iloc[0]
    # the linear pre-trend slope is the OLS coefficient on the pre-reform cohorts
    pre_rows = frame[frame.coh < 2022].assign(
        s=lambda d: np.where(d.t, d.coh - 2021.0, 0.0))
    slope = smf.ols("y ~ s + C(major) + C(coh)", pre_rows).fit().params["s"]
    assert res["pretrend_slope"].iloc[0] == pytest.approx(slope, abs=1e-10)
    assert 0 <= res["pretrend_slope_p"].iloc[0] <= 1


def test_event_study_plot_data_and_pretrend_table():
    from talentlab.report.event_study_figures import event_study_plot_data

    res = ev.event_study(simulate_panel(33, m=20), "y", reform_cohort=2022, seed=20220901)
    plot = event_study_plot_data(res, lang="zh")
    assert plot["rel_cohort"].is_monotonic_increasing
    assert set(plot["period_label"]) == {"改革前", "改革后", "参照届别"}
    assert plot.attrs["labels"]["x"] == "相对改革届别"
    assert plot["is_reference"].sum() == 1
    points = ev.event_study_points(res)  # the numbers, without labels
    assert "period_label" not in points.columns
    pd.testing.assert_frame_equal(points, plot.drop(columns="period_label"), check_like=True)
    pt = ev.pretrend_test(res)
    assert len(pt) == 1 and 0 <= pt["pretrend_p"].iloc[0] <= 1
    with pytest.raises(ev.EvaluationInputError):
        event_study_plot_data(res, lang="fr")


def test_event_study_plot_data_lives_in_report_only():
    from talentlab.report import event_study_figures

    assert callable(event_study_figures.event_study_plot_data)
    with pytest.raises(AttributeError):  # the 0.1 alias in evaluation is gone (0.2)
        ev.event_study_plot_data  # noqa: B018


# ----------------------------------------------------------------------------------------------
# survival: Gehan 6-MP and planted hazard ratio
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def gehan(reference_dir):
    g = pd.read_csv(reference_dir / "stats" / "gehan_6mp.csv")
    return g.assign(control=g["treat"].eq("control"))


def test_gehan_cox_efron(gehan, stats_expected):
    exp = stats_expected["gehan_6mp"]
    cox, tol = exp["expected"]["cox_control_vs_6mp_efron"], exp["tolerance_abs"]
    row = ev.cox_effect(gehan, "time", "cens", ["control"]).iloc[0]
    assert abs(row["log_hr"] - cox["coef"]) <= tol["coef"]
    assert abs(row["se"] - cox["se"]) <= tol["se_coef"]
    assert abs(row["estimate"] - cox["hr"]) <= tol["hr"]
    assert row["null_value"] == 1.0 and row["se_scale"] == "log_hazard_ratio"


def test_gehan_kaplan_meier_and_logrank(gehan, stats_expected):
    exp = stats_expected["gehan_6mp"]
    km, tol = exp["expected"]["km_6mp"], exp["tolerance_abs"]
    curves, medians = ev.km_table(gehan, "time", "cens", by="treat")
    six = curves[curves["treat"] == "6-MP"].set_index("time")
    got = six.loc[km["time"]]
    np.testing.assert_allclose(got["survival"], km["surv"], atol=tol["surv"])
    np.testing.assert_allclose(got["se"], km["greenwood_se"], atol=tol["se"])
    np.testing.assert_array_equal(got["n_at_risk"], km["n_risk"])
    med = medians.set_index("treat")["median"]
    assert med["6-MP"] == exp["expected"]["median_6mp"]
    assert med["control"] == exp["expected"]["median_control"]
    lr = ev.logrank(gehan, "time", "cens", "treat").iloc[0]
    assert abs(lr["statistic"] - exp["expected"]["logrank_chisq"]) <= tol["logrank"]
    assert lr["df"] == exp["expected"]["logrank_df"]


@pytest.fixture(scope="module")
def shipped_adaptation(shipped_data):
    """Adaptation months of the shipped synthetic graduates, with the four group x period cells."""
    g = shipped_data().graduates
    g = g[g["adaptation_months"].notna() & g["adaptation_reached"].notna()]
    return g.assign(post=g["cohort"] >= 2022)


def test_km_table_matches_lifelines_on_shipped_data(shipped_adaptation):
    """km_table runs on the indicators' vectorised Kaplan-Meier (one KM back end); every column
    equals lifelines' KaplanMeierFitter, whose layout and conventions it keeps."""
    import warnings

    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    by = ["treated_major", "post"]
    curves, medians = ev.km_table(shipped_adaptation, "adaptation_months",
                                  "adaptation_reached", by=by)
    assert len(medians) == 4
    for key, sub in shipped_adaptation.groupby(by):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kmf = KaplanMeierFitter().fit(sub["adaptation_months"],
                                          sub["adaptation_reached"].astype(bool))
        table = kmf.event_table
        got = curves[(curves["treated_major"] == key[0]) & (curves["post"] == key[1])]
        np.testing.assert_array_equal(got["time"], table.index.to_numpy(dtype=float))
        np.testing.assert_array_equal(got["n_at_risk"], table["at_risk"])
        np.testing.assert_array_equal(got["events"], table["observed"])
        np.testing.assert_array_equal(got["censored"], table["censored"])
        np.testing.assert_allclose(got["survival"], kmf.survival_function_.iloc[:, 0],
                                   rtol=0, atol=1e-12)
        ci = kmf.confidence_interval_
        np.testing.assert_allclose(got["ci_low"], ci.iloc[:, 0], rtol=0, atol=1e-12)
        np.testing.assert_allclose(got["ci_high"], ci.iloc[:, 1], rtol=0, atol=1e-12)
        med = medians[(medians["treated_major"] == key[0]) & (medians["post"] == key[1])].iloc[0]
        assert med["median"] == kmf.median_survival_time_
        med_ci = median_survival_times(ci)
        assert (med["median_ci_low"], med["median_ci_high"]) == tuple(med_ci.iloc[0])
        assert med["n"] == len(sub) and med["events"] == int(sub["adaptation_reached"].sum())


def test_logrank_matches_lifelines_on_shipped_data(shipped_adaptation):
    """logrank (statsmodels survdiff, the project's one log-rank) equals lifelines'
    multivariate log-rank test on the four group x period cells and on two groups."""
    import warnings

    from lifelines.statistics import multivariate_logrank_test

    d = shipped_adaptation
    for group in (["treated_major", "post"], "treated_major"):
        ours = ev.logrank(d, "adaptation_months", "adaptation_reached", group).iloc[0]
        labels = d[[group] if isinstance(group, str) else group].astype(str).agg("|".join, axis=1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = multivariate_logrank_test(d["adaptation_months"], labels,
                                            d["adaptation_reached"].astype(bool))
        assert ours["df"] == ref.degrees_of_freedom
        assert ours["statistic"] == pytest.approx(ref.test_statistic, rel=1e-12)
        assert ours["p_value"] == pytest.approx(ref.p_value, rel=1e-9, abs=1e-300)


def _survival_panel(seed, hr, n_per_cell=40):
    rng = np.random.default_rng(seed)
    rows = []
    for maj in [f"T{i}" for i in range(3)] + [f"C{i}" for i in range(5)]:
        frailty = rng.normal(0, 0.1)
        for c in range(2018, 2026):
            tr, post = maj.startswith("T"), c >= 2022
            rate = math.exp(frailty) / 6 * (hr if tr and post else 1.0)
            t = rng.exponential(1 / rate, n_per_cell)
            cens = rng.uniform(2, 24, n_per_cell)
            rows += [(maj, c, tr, ti, ci) for ti, ci in zip(t, cens, strict=True)]
    df = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "t", "cens"])
    df["adaptation_months"] = np.minimum(df["t"], df["cens"])
    df["adaptation_reached"] = (df["t"] <= df["cens"]).astype("boolean")
    df.loc[df.index[::25], ["adaptation_months", "adaptation_reached"]] = [np.nan, pd.NA]
    return df


def test_adaptation_comparison_recovers_hazard_ratio():
    df = _survival_panel(41, hr=1.6)
    res = ev.adaptation_comparison(df, reform_cohort=2022)
    eff = res.effect.iloc[0]
    assert eff["term"] == "treated_x_post" and eff["primary"]
    assert eff["ci_low"] <= 1.6 <= eff["ci_high"] and eff["ci_low"] > 1
    assert eff["null_value"] == 1.0 and eff["orientation"] == -1
    assert eff["n_dropped_missing"] == len(df[::25])
    assert eff["n_clusters"] == 8 and eff["df"] == 7
    robust = res.effect.iloc[1]
    assert not robust["primary"] and "sandwich" in robust["method"]
    assert robust["estimate"] == pytest.approx(eff["estimate"])
    assert "jackknife" in eff["method"] and "stratified by major" in eff["method"]
    assert len(res.km_medians) == 4
    assert set(res.km_medians["period"]) == {"pre", "post"}
    post = res.km_medians.set_index(["group", "period"])["median"]
    assert post["treated", "post"] < post["treated", "pre"]
    assert len(res.logrank) == 3 and (res.logrank["p_value"].between(0, 1)).all()
    assert "treated_x_post" in set(res.ph_test["term"])
    assert 0 <= eff["ph_test_p"] <= 1
    assert res.to_frame() is res.effect
    # pre-trend check of the log hazard: no differential trend was planted
    assert eff["pretrend_p"] > 0.10 and "pre-trend" in eff["pretrend_method"]


def test_adaptation_comparison_null():
    res = ev.adaptation_comparison(_survival_panel(42, hr=1.0), reform_cohort=2022)
    eff = res.effect.iloc[0]
    assert eff["ci_low"] <= 1.0 <= eff["ci_high"]


# ----------------------------------------------------------------------------------------------
# mixed models: sleepstudy and planted recognition effect
# ----------------------------------------------------------------------------------------------
def test_sleepstudy_mixed_model(reference_dir, stats_expected):
    exp = stats_expected["sleepstudy_lmm"]
    e, tol = exp["expected"], exp["tolerance_abs"]
    data = pd.read_csv(reference_dir / "stats" / "sleepstudy.csv")
    fit = ev.fit_mixed_model(data, "Reaction ~ Days", groups="Subject", re_formula="~Days")
    fixed = fit.fixed.set_index("term")
    assert abs(fixed.loc["Intercept", "estimate"] - e["fe_intercept"]) <= tol["fe"]
    assert abs(fixed.loc["Days", "estimate"] - e["fe_days"]) <= tol["fe"]
    assert abs(fixed.loc["Intercept", "se"] - e["se_intercept"]) <= tol["se"]
    assert abs(fixed.loc["Days", "se"] - e["se_days"]) <= tol["se"]
    rand = fit.random.set_index("component")
    assert abs(rand.loc["Subject: Group", "sd"] - e["sd_intercept"]) <= tol["sd"]
    assert abs(rand.loc["Subject: Days", "sd"] - e["sd_days"]) <= tol["sd"]
    assert abs(rand.loc["Subject: corr(Group, Days)", "corr"] - e["corr"]) <= tol["corr"]
    assert abs(fit.sd_residual - e["sd_resid"]) <= tol["sd"]
    assert abs(fit.reml_criterion - e["reml_criterion"]) <= tol["reml"]
    assert fit.converged


def _ratings_panel(seed, effect_points):
    """Graduates and ratings; latent effect in scale points (x 25 on the 0-100 score)."""
    rng = np.random.default_rng(seed)
    grads = simulate_panel(seed, m=25, cohorts=range(2019, 2025))
    grads["student_id"] = [f"s{i}" for i in range(len(grads))]
    n_emp = 30
    emp = rng.integers(0, n_emp, len(grads))
    emp_effect = rng.normal(0, 0.3, n_emp)
    post = (grads["treated_major"] & (grads["cohort"] >= 2022)).to_numpy(dtype=bool)
    rows = []
    for i in rng.choice(len(grads), 900, replace=False):
        latent = 3.2 + emp_effect[emp[i]] + effect_points * post[i] + rng.normal(0, 0.4)
        items = np.clip(np.round(latent + rng.normal(0, 0.5, 5)), 1, 5)
        rows.append((f"r{len(rows)}", grads["student_id"].iloc[i], f"e{emp[i]}",
                     f"e{emp[i]}_rater{rng.integers(0, 2)}", *items))
    ratings = pd.DataFrame(rows, columns=["rating_id", "student_id", "employer_id", "rater_id",
                                          *ev.RECOGNITION_ITEMS])
    ratings[list(ev.RECOGNITION_ITEMS)] = ratings[list(ev.RECOGNITION_ITEMS)].astype("Int64")
    ratings.loc[ratings.index[::50], "learning_ability"] = pd.NA
    return grads, ratings


def test_recognition_model_recovers_effect():
    grads, ratings = _ratings_panel(51, effect_points=0.4)  # 0.4 points = 10 on 0-100
    res = ev.recognition_model(ratings, grads,
                               reform_cohort=2022, seed=20220901, pretrend_seed=20220901)
    main = res[res["primary"]].iloc[0]
    assert main["term"] == "treated_x_post" and main["outcome"] == "recognition_score"
    assert main["ci_low"] <= 10 <= main["ci_high"] and main["ci_low"] > 0
    assert main["n"] == len(ratings) and main["n_employers"] == ratings.employer_id.nunique()
    assert main["var_employer"] > 0
    assert main["converged"]
    # Cronbach's alpha: closed form k/(k-1) (1 - sum var_i / var_total) on complete rows
    items = ratings[list(ev.RECOGNITION_ITEMS)].dropna().astype(float)
    k = items.shape[1]
    alpha = k / (k - 1) * (1 - items.var(ddof=1).sum() / items.sum(axis=1).var(ddof=1))
    assert main["cronbach_alpha"] == pytest.approx(alpha, abs=0.01)
    robust = res[~res["primary"]].iloc[0]
    assert "CR3" in robust["method"] and robust["ci_low"] <= 10 <= robust["ci_high"]
    assert 0 <= main["pretrend_p"] <= 1 and "pre-trend" in main["pretrend_method"]


def test_recognition_model_did_primary_swaps_roles():
    """``primary="did"``: the rating-level DiD clustered by major decides (it equals :func:`did`
    on the same ratings), the mixed model is reported beside it, unchanged."""
    grads, ratings = _ratings_panel(53, effect_points=0.4)
    mixed_first = ev.recognition_model(ratings, grads,
                                       reform_cohort=2022, seed=20220901, pretrend_seed=20220901)
    did_first = ev.recognition_model(ratings, grads, primary="did", checks=("wild_bootstrap",),
                                     n_bootstrap=199, seed=2,
                                     reform_cohort=2022, pretrend_seed=20220901)
    assert did_first["primary"].tolist() == [True, False, False, False]
    assert did_first["inference"].tolist()[:3] == ["cr3", "wild_bootstrap", "cluster"]
    assert did_first.iloc[3]["method"].startswith("linear mixed model")
    for col in ("estimate", "se", "ci_low", "ci_high"):
        assert did_first.iloc[3][col] == mixed_first.iloc[0][col]
        assert did_first.iloc[0][col] == pytest.approx(mixed_first.iloc[1][col], rel=1e-12)
    assert did_first.iloc[0]["ci_low"] <= 10 <= did_first.iloc[0]["ci_high"]
    with pytest.raises(ev.EvaluationInputError, match="primary must be"):
        ev.recognition_model(ratings, grads, primary="bogus",
                             reform_cohort=2022, seed=20220901, pretrend_seed=20220901)
    with pytest.raises(ev.EvaluationInputError, match="needs a robustness"):
        ev.recognition_model(ratings, grads, primary="did", robustness=None,
                             reform_cohort=2022, seed=20220901, pretrend_seed=20220901)


def test_recognition_score_rescaling_and_min_items():
    ratings = pd.DataFrame({c: pd.array([5, 1, 3, pd.NA], dtype="Int64")
                            for c in ev.RECOGNITION_ITEMS})
    ratings.loc[2, ["practical_skill", "post_adaptability", "professional_quality"]] = pd.NA
    score = ev.recognition_score(ratings, min_items=3)
    assert score.iloc[0] == 100 and score.iloc[1] == 0
    assert np.isnan(score.iloc[2]) and np.isnan(score.iloc[3])
    with pytest.raises(ev.EvaluationInputError, match="outside 1..5"):
        ev.recognition_score(ratings.assign(practical_skill=7))


def test_recognition_model_unknown_student_is_an_error():
    grads, ratings = _ratings_panel(52, 0.0)
    ratings.loc[0, "student_id"] = "nobody"
    with pytest.raises(ev.EvaluationInputError, match="not found in graduates"):
        ev.recognition_model(ratings, grads, robustness=None,
                             reform_cohort=2022, seed=20220901, pretrend_seed=20220901)


# ----------------------------------------------------------------------------------------------
# minimum detectable effect
# ----------------------------------------------------------------------------------------------
def test_mde_formula_by_hand():
    res = ev.minimum_detectable_effect(3, 5, 80, 5, 4, icc=0.02, p0=0.6).iloc[0]
    se = math.sqrt(0.24 * (0.02 + 0.98 / 80)) * math.sqrt(1 / 3 + 1 / 5) * math.sqrt(1 / 5 + 1 / 4)
    mult = stats.t.ppf(0.975, 6) + stats.t.ppf(0.8, 6)
    assert res["mde"] == pytest.approx(mult * se, rel=1e-12)
    assert res["design_effect"] == pytest.approx(1 + 79 * 0.02)
    assert "Bloom (1995)" in res["source"]
    with pytest.raises(ev.EvaluationInputError, match="exactly one of sd"):
        ev.minimum_detectable_effect(3, 5, 80, 5, 4, icc=0.02)


def test_mde_validated_by_simulation():
    """At an effect equal to the MDE the clustered DiD rejects about 80% of the time, and the
    formula's SE matches the spread of the estimates."""
    g_t = g_c = 10
    m, icc, sd, n_pre, n_post = 12, 0.10, 1.0, 3, 3
    design = ev.minimum_detectable_effect(g_t, g_c, m, n_pre, n_post, icc=icc, sd=sd).iloc[0]
    rng = np.random.default_rng(2024)
    majors = np.repeat(np.arange(g_t + g_c), (n_pre + n_post) * m)
    cohorts = np.tile(np.repeat(np.arange(n_pre + n_post), m), g_t + g_c)
    treated = majors < g_t
    post = cohorts >= n_pre
    cell = majors * (n_pre + n_post) + cohorts
    base = pd.DataFrame({"major": majors, "cohort": cohorts, "treated_major": treated})
    estimates, rejections = [], []
    for _ in range(250):
        nu = rng.normal(0, math.sqrt(icc) * sd, (g_t + g_c) * (n_pre + n_post))
        y = (rng.normal(0, 1, g_t + g_c)[majors] + 0.2 * cohorts + nu[cell]
             + rng.normal(0, math.sqrt(1 - icc) * sd, len(majors))
             + design["mde"] * (treated & post))
        row = ev.did(base.assign(y=y), "y", reform_cohort=n_pre, inference="cluster").iloc[0]
        estimates.append(row["estimate"])
        rejections.append(row["p_value"] < 0.05)
    assert np.std(estimates, ddof=1) == pytest.approx(design["se_design"], rel=0.12)
    assert 0.70 <= np.mean(rejections) <= 0.90


def test_mde_from_data_recovers_icc():
    df = simulate_panel(61, m=80, sd_cell=0.08, binary=False, n_treated=4, n_control=8)
    res = ev.minimum_detectable_effect_from_data(df, "y", reform_cohort=2022).iloc[0]
    true_icc = 0.08**2 / (0.08**2 + 1)
    assert res["icc"] == pytest.approx(true_icc, abs=0.006)
    assert res["n_clusters_treated"] == 4 and res["n_pre"] == 5 and res["n_post"] == 4
    assert res["mde"] > 0 and "estimated from the data" in res["method"]
