"""Tests of talentlab.evaluation.staggered_did (Callaway & Sant'Anna 2021).

* R did's published results on mpdta (tests/reference/mpdta/): every ATT(g, t), the simple,
  event-time and group aggregations to 1e-4 (R prints 4 decimals); standard errors and band
  half-widths, which R draws by bootstrap, within 15%.
* Independent computations: the not-yet-treated comparison and the repeated-cross-section
  estimator by cell means written out here; the influence function against finite differences
  of the estimator in each cluster's weight (d estimate / d log w_c is the influence function /
  n, so the standard errors follow without the module's algebra); covariate adjustment against
  a statsmodels regression; the bootstrap critical value against the Gaussian sup-t quantile.
* One reform date: equal to talentlab.evaluation.did.
* Count tables equal the microdata; identical results on every run; clear errors and limits.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from talentlab.evaluation import EvaluationInputError, did, staggered_did
from talentlab.evaluation import staggered as stg
from talentlab.evaluation.staggered import limits as stg_limits

REF = Path(__file__).parent / "reference" / "mpdta"
EXPECTED = json.loads((REF / "expected.json").read_text(encoding="utf-8"))
PRINTED = 1e-4  # R prints 4 decimals: rounding error at most 5e-5
BOOTSTRAP_REL = 0.15  # R's SEs and bands are bootstrap draws (two R runs differ by 5%)


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(REF / "mpdta.csv")


@pytest.fixture(scope="module")
def mpdta_never(mpdta):
    return staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", seed=20220901)


def _staggered_panel(seed=3, n_units=45, years=range(2016, 2024), groups=(2018, 2020, 0),
                     slope=0.1):
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_units):
        g = groups[u % len(groups)]
        level = rng.normal(0, 0.3)
        x = rng.normal(0, 1)
        for t in years:
            effect = slope * (t - g + 1) if g and t >= g else 0.0
            rows.append((u, t, g, level + 0.03 * (t - 2016) * (1 + 0.5 * x) + effect
                         + rng.normal(0, 0.1), x, u % 7))
    return pd.DataFrame(rows, columns=["unit", "year", "first_treated", "y", "x", "region"])


# =============================================================================================
# R did's published results on mpdta
# =============================================================================================

@pytest.mark.parametrize("block", ["readme_reg", "reference_att_gt_dr"])
def test_group_time_effects_equal_r_did_on_mpdta(mpdta_never, block):
    got = mpdta_never.group_time.set_index(["group", "time"])
    assert len(got) == len(EXPECTED[block]["group_time"]) == 12
    for ref in EXPECTED[block]["group_time"]:
        row = got.loc[(ref["group"], ref["time"])]
        assert row.estimate == pytest.approx(ref["estimate"], abs=PRINTED)
        assert row.se == pytest.approx(ref["se"], rel=BOOTSTRAP_REL)
        half = (ref["band_high"] - ref["band_low"]) / 2
        assert row.band_high - row.estimate == pytest.approx(half, rel=BOOTSTRAP_REL)
        # the varying base period: year t - 1 before adoption, g - 1 after
        assert row.base_time == (ref["time"] - 1 if ref["time"] < ref["group"]
                                 else ref["group"] - 1)


@pytest.mark.parametrize("block", ["readme_reg", "reference_aggte_dr"])
def test_aggregations_equal_r_did_on_mpdta(mpdta_never, block):
    ref = EXPECTED[block]
    event = mpdta_never.event_time
    by_e = event[event.term == stg.TERM_EVENT].set_index("event_time")
    for r in ref["event_time"]:
        row = by_e.loc[r["event_time"]]
        assert row.estimate == pytest.approx(r["estimate"], abs=PRINTED)
        assert row.se == pytest.approx(r["se"], rel=BOOTSTRAP_REL)
        half = (r["band_high"] - r["band_low"]) / 2
        assert row.band_high - row.estimate == pytest.approx(half, rel=BOOTSTRAP_REL)
    average = event[event.term == stg.TERM_EVENT_AVERAGE].iloc[0]
    assert average.primary
    assert average.estimate == pytest.approx(ref["event_time_average"]["estimate"], abs=PRINTED)
    assert average.se == pytest.approx(ref["event_time_average"]["se"], rel=BOOTSTRAP_REL)

    group = mpdta_never.group
    by_g = group[group.term == stg.TERM_GROUP].set_index("group")
    for r in ref["group"]:
        row = by_g.loc[r["group"]]
        assert row.estimate == pytest.approx(r["estimate"], abs=PRINTED)
        assert row.se == pytest.approx(r["se"], rel=BOOTSTRAP_REL)
        half = (r["band_high"] - r["band_low"]) / 2
        assert row.band_high - row.estimate == pytest.approx(half, rel=BOOTSTRAP_REL)
    average = group[group.term == stg.TERM_GROUP_AVERAGE].iloc[0]
    assert average.estimate == pytest.approx(ref["group_average"]["estimate"], abs=PRINTED)
    assert average.se == pytest.approx(ref["group_average"]["se"], rel=BOOTSTRAP_REL)
    # the pointwise interval of an average is estimate +- z se, as R prints it
    assert average.ci_low == pytest.approx(ref["group_average"]["ci_low"], abs=2e-3)


def test_simple_aggregation_equals_r_did_on_mpdta(mpdta_never):
    ref = EXPECTED["reference_aggte_dr"]["simple"]
    row = mpdta_never.simple.iloc[0]
    assert row.term == stg.TERM_SIMPLE and row.primary
    assert row.estimate == pytest.approx(ref["estimate"], abs=PRINTED)
    assert row.se == pytest.approx(ref["se"], rel=BOOTSTRAP_REL)
    assert (row.ci_low, row.ci_high) == pytest.approx((ref["ci_low"], ref["ci_high"]), abs=1e-3)
    assert row.n == 500 and row.n_clusters == 500 and row.n_treated == 191


def test_result_tables_have_the_evaluation_columns(mpdta_never):
    from talentlab.evaluation import RESULT_COLUMNS
    for table in (mpdta_never.group_time, mpdta_never.simple, mpdta_never.event_time,
                  mpdta_never.group):
        assert list(table.columns[:len(RESULT_COLUMNS)]) == RESULT_COLUMNS
        assert {"band_low", "band_high", "crit_value", "n_treated"} <= set(table.columns)
        np.testing.assert_allclose(table.alpha, 0.05)
        assert table.method.str.contains("never-treated comparison").all()
    stacked = mpdta_never.table()
    assert stacked.aggregation.value_counts().to_dict() == {
        "group_time": 12, "event_time": 8, "group": 4, "simple": 1}


# =============================================================================================
# independent computations
# =============================================================================================

def _cell_means_att(frame, g, t, base, control):
    """ATT(g, t) written out: the treated's mean change minus the comparison units'."""
    first = frame.groupby("countyreal")["first.treat"].first()
    wide = frame.pivot(index="countyreal", columns="year", values="lemp")
    change = wide[t] - wide[base]
    treated = first == g
    comparison = (first == 0) if control == "never_treated" else (
        (first == 0) | ((first > max(t, base)) & (first != g)))
    n_t, n_c = treated.sum(), comparison.sum()
    se = np.sqrt(change[treated].var(ddof=0) / n_t + change[comparison].var(ddof=0) / n_c)
    return change[treated].mean() - change[comparison].mean(), se, n_t + n_c


@pytest.mark.parametrize("control", stg.CONTROL_GROUPS)
def test_group_time_effects_equal_cell_means_written_out(mpdta, control):
    res = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", control=control,
                        seed=20220901)
    for row in res.group_time.itertuples():
        att, se, n = _cell_means_att(mpdta, row.group, row.time, row.base_time, control)
        assert row.estimate == pytest.approx(att, abs=1e-12)
        assert row.se == pytest.approx(se, rel=1e-10)  # two independent means
        assert row.n == n
    if control == "not_yet_treated":
        # ATT(2004, 2004) compares with the never treated and the 2006 and 2007 groups
        first = res.group_time.set_index(["group", "time"]).loc[(2004, 2004)]
        assert first.n_control == 309 + 40 + 131
        assert "not-yet-treated" in first.method


@pytest.mark.parametrize("control", stg.CONTROL_GROUPS)
def test_repeated_cross_sections_clustered_by_unit_equal_the_panel(mpdta, control):
    """A balanced panel read as repeated cross-sections, clustered by county: the four cell
    means give the same ATT(g, t), and every score sums by county to the panel's."""
    panel = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", control=control,
                          seed=20220901)
    rows = staggered_did(mpdta, "lemp", "countyreal", "year", "first.treat", control=control,
                         panel=False, seed=20220901)
    assert "repeated cross-sections" in rows.simple.method[0]
    for name in ("group_time", "simple", "event_time", "group"):
        a, b = getattr(panel, name), getattr(rows, name)
        for col in ("estimate", "se", "band_low", "band_high"):
            np.testing.assert_allclose(b[col], a[col], rtol=1e-9, atol=1e-12)
    assert rows.simple.n[0] == 2500 and rows.simple.n_clusters[0] == 500


def _finite_difference_scores(data, column_of_weight, clusters, call, eps=1e-6):
    """d estimate / d log w_c for each cluster c, by central differences."""
    out = []
    for c in clusters:
        up, down = data.copy(), data.copy()
        hit = data[column_of_weight[0]] == c
        up.loc[hit, "w"] *= 1 + eps
        down.loc[hit, "w"] *= 1 - eps
        out.append((call(up) - call(down)) / (2 * eps))
    return np.array(out)


def _all_estimates(res):
    return np.concatenate([res.group_time.estimate, res.simple.estimate,
                           res.event_time.estimate, res.group.estimate])


def _all_se(res):
    return np.concatenate([res.group_time.se, res.simple.se, res.event_time.se, res.group.se])


@pytest.mark.parametrize("covariates", [None, ["x"]])
@pytest.mark.parametrize("control", stg.CONTROL_GROUPS)
@pytest.mark.parametrize("panel", [True, False])
def test_standard_errors_equal_finite_difference_influence(covariates, control, panel):
    """The standard error of every table row is sqrt(sum_c d_c^2), d_c the derivative of the
    estimate in the log weight of cluster c: the influence function without its algebra
    (cells, covariate regressions and estimated group shares alike)."""
    data = _staggered_panel(n_units=24, years=range(2016, 2022), groups=(2018, 2020, 0))
    rng = np.random.default_rng(5)
    unit_weight = rng.uniform(0.5, 2.0, 24)
    data["w"] = unit_weight[data.unit]  # uneven weights: the share terms must still be exact
    cluster = "unit" if panel else "region"
    if not panel:  # several observations per unit and year, clustered by region
        data = pd.concat([data, data.assign(y=data.y + np.random.default_rng(9).normal(
            0, 0.1, len(data)))], ignore_index=True)

    def call(frame):
        return staggered_did(frame, "y", "unit", "year", "first_treated", control=control,
                             covariates=covariates, weights="w", cluster=cluster, panel=panel,
                             n_bootstrap=99, seed=20220901)

    res = call(data)
    derivs = _finite_difference_scores(data, [cluster], sorted(data[cluster].unique()),
                                       lambda f: _all_estimates(call(f)))
    np.testing.assert_allclose(_all_se(res), np.sqrt((derivs**2).sum(axis=0)), rtol=1e-5)


@pytest.mark.parametrize("panel", [True, False])
def test_jackknife_equals_refits_without_each_cluster(panel):
    """inference="jackknife": every row's SE from calling staggered_did on the data without
    one cluster at a time, V = (G-1)/G sum (b_(c) - b)^2, and t(G-1) intervals."""
    data = _staggered_panel(n_units=42)
    if not panel:
        data = pd.concat([data, data.assign(y=data.y + 0.05)], ignore_index=True)
    res = staggered_did(data, "y", "unit", "year", "first_treated", cluster="region",
                        panel=panel, inference="jackknife", control="not_yet_treated",
                        seed=20220901)
    full = _all_estimates(res)
    loo = np.array([_all_estimates(staggered_did(
        data[data.region != c], "y", "unit", "year", "first_treated", cluster="region",
        panel=panel, n_bootstrap=99, control="not_yet_treated", seed=20220901))
        for c in sorted(data.region.unique())])
    g = data.region.nunique()
    np.testing.assert_allclose(_all_se(res), np.sqrt((g - 1) / g * ((loo - full)**2).sum(0)),
                               rtol=1e-10)
    row = res.simple.iloc[0]
    t = stats.t.ppf(0.975, g - 1)
    assert (row.ci_low, row.ci_high) == pytest.approx((row.estimate - t * row.se,
                                                       row.estimate + t * row.se))
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(row.estimate / row.se), g - 1))
    assert "jackknife" in row.method
    # the band's critical value is never below the pointwise t(G-1) value
    assert (res.group_time.crit_value >= t - 1e-12).all()


def test_jackknife_leaves_a_row_without_estimate_when_a_cluster_holds_a_whole_group():
    data = _staggered_panel(n_units=30)
    data["cluster"] = np.where(data.first_treated == 2018, "all_2018", data.unit.astype(str))
    res = staggered_did(data, "y", "unit", "year", "first_treated", cluster="cluster",
                        inference="jackknife", seed=20220901)
    by_g = res.group.set_index("term")
    assert res.group[res.group.group == 2018].method.iloc[0].startswith(
        "not estimable: the jackknife has no estimate without 1 of the")
    assert np.isfinite(res.group[res.group.group == 2020].se.iloc[0])
    # the average is still defined without that cluster (over the other adoption years)
    assert np.isfinite(by_g.loc[stg.TERM_GROUP_AVERAGE, "se"])


def test_covariate_adjustment_equals_regression_imputation():
    """Outcome regression (R's est_method = "reg"): the comparison units' change regressed on
    the covariate, the treated's change minus its prediction."""
    data = _staggered_panel()
    res = staggered_did(data, "y", "unit", "year", "first_treated", covariates=["x"], seed=20220901)
    wide = data.pivot(index="unit", columns="year", values="y")
    first = data.groupby("unit")["first_treated"].first()
    x = data.groupby("unit")["x"].first()
    for row in res.group_time.itertuples():
        change = wide[row.time] - wide[row.base_time]
        comparison, treated = first == 0, first == row.group
        fit = sm.OLS(change[comparison], sm.add_constant(x[comparison])).fit()
        predicted = fit.predict(sm.add_constant(x[treated]))
        assert row.estimate == pytest.approx((change[treated] - predicted).mean(), abs=1e-12)
    plain = staggered_did(data, "y", "unit", "year", "first_treated", seed=20220901)
    # trends depend on x here, so the adjustment matters
    assert not np.allclose(plain.group_time.estimate, res.group_time.estimate, atol=1e-3)


def test_bootstrap_critical_value_is_the_gaussian_sup_t_quantile():
    """With many clusters the multiplier bootstrap's critical value approaches the 95%
    quantile of max |Z_k| / sd_k for Z ~ N(0, S'S), S the influence function's cluster sums."""
    data = _staggered_panel(n_units=300, seed=11)
    res = staggered_did(data, "y", "unit", "year", "first_treated", n_bootstrap=20_000, seed=1)
    sample = stg.panel_sample(data, "y", "unit", "year", "first_treated", [], None, None,
                              "never_treated", [])
    cells = stg.group_time_cells(sample, "never_treated", [])
    scores = np.column_stack([c.scores for c in cells])
    cov = scores.T @ scores
    sd = np.sqrt(np.diag(cov))
    draws = np.random.default_rng(2).multivariate_normal(np.zeros(len(sd)), cov, 200_000)
    gaussian = np.quantile(np.abs(draws / sd).max(axis=1), 0.95)
    crit = res.group_time.crit_value.iloc[0]
    assert crit == pytest.approx(gaussian, abs=0.05)
    assert (res.group_time.crit_value == crit).all()
    assert crit > 2.5  # 12 effects: well above the pointwise 1.96


# =============================================================================================
# one reform date: the 2 x 2 DiD
# =============================================================================================

def test_one_reform_date_equals_did_on_a_panel():
    """One adoption year, one pre-reform year: the simple aggregation is the two-way fixed
    effects DiD of talentlab.evaluation.did on the same major x cohort table."""
    rng = np.random.default_rng(4)
    rows = [(f"m{m}", c, m < 3, 0.5 * m + 0.1 * c + 0.2 * (m < 3) * (c >= 2022) * (c - 2020)
             + rng.normal(0, 0.1)) for m in range(8) for c in range(2021, 2025)]
    data = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])
    data["first_treated"] = np.where(data.treated_major, 2022, 0)
    twfe = did(data, "y", reform_cohort=2022, inference="cluster")
    cs = staggered_did(data, "y", "major", "cohort", "first_treated", seed=20220901)
    assert cs.simple.estimate[0] == pytest.approx(twfe.estimate[0], abs=1e-12)
    assert cs.group.estimate.iloc[-1] == pytest.approx(twfe.estimate[0], abs=1e-12)


def test_one_reform_date_equals_did_on_graduates():
    """Graduates of two cohorts (repeated cross-sections): the 2 x 2 of cell means equals
    did() with arm and cohort fixed effects on the graduates."""
    rng = np.random.default_rng(8)
    rows = []
    for m in range(8):
        for c in (2021, 2022):
            for _ in range(rng.integers(15, 40)):
                rows.append((f"m{m}", c, m < 3, 0.1 * m + 0.3 * (m < 3) * (c == 2022)
                             + rng.normal(0, 1)))
    data = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])
    data["first_treated"] = np.where(data.treated_major, 2022, 0)
    data["arm"] = np.where(data.treated_major, "reformed", "comparison")
    twfe = did(data, "y", reform_cohort=2022, unit="arm", inference="cluster")
    cs = staggered_did(data, "y", "major", "cohort", "first_treated", panel=False, seed=20220901)
    assert cs.simple.estimate[0] == pytest.approx(twfe.estimate[0], abs=1e-12)
    assert cs.simple.n_clusters[0] == 8  # graduates clustered by their major by default
    assert any("only 8 clusters (major)" in n for n in cs.notes)
    many = staggered_did(_staggered_panel(n_units=30), "y", "unit", "year", "first_treated",
                         seed=20220901)
    assert not any("clusters" in n for n in many.notes)


def test_count_table_equals_the_graduates():
    data = _staggered_panel(n_units=18, years=range(2017, 2022), groups=(2019, 2020, 0))
    data["y"] = (data.y > data.y.median()).astype(int)  # a binary outcome, as employment
    graduates = data.loc[data.index.repeat(1 + data.unit % 4)].reset_index(drop=True)
    counts = graduates.groupby(["unit", "year", "first_treated", "y"], as_index=False).size()
    counts = counts.rename(columns={"size": "count"})
    a = staggered_did(graduates, "y", "unit", "year", "first_treated", panel=False, seed=20220901)
    b = staggered_did(counts, "y", "unit", "year", "first_treated", panel=False,
                      weights="count", seed=20220901)
    for name in ("group_time", "simple", "event_time", "group"):
        for col in ("estimate", "se", "band_low", "band_high"):
            np.testing.assert_allclose(getattr(b, name)[col], getattr(a, name)[col],
                                       rtol=1e-10, atol=1e-13)


def test_results_are_identical_on_every_run():
    data = _staggered_panel()
    a = staggered_did(data, "y", "unit", "year", "first_treated", control="not_yet_treated",
                      seed=20220901)
    b = staggered_did(data, "y", "unit", "year", "first_treated", control="not_yet_treated",
                      seed=20220901)
    pd.testing.assert_frame_equal(a.table(), b.table())
    c = staggered_did(data, "y", "unit", "year", "first_treated", control="not_yet_treated",
                      seed=2)
    assert not np.array_equal(a.group_time.crit_value, c.group_time.crit_value)


# =============================================================================================
# the data's edge cases, bad input and limits
# =============================================================================================

def test_units_treated_outside_the_years_are_recoded_or_dropped_with_notes():
    data = _staggered_panel(groups=(2018, 2020, 0, 2030, 2016))
    res = staggered_did(data, "y", "unit", "year", "first_treated", seed=20220901)
    assert set(res.group_time.group) == {2018, 2020}
    assert any("after the last year observed" in n and "[2030]" in n for n in res.notes)
    assert any("first year observed" in n and "[2016]" in n for n in res.notes)
    n_never = 9 + 9  # groups 0 and 2030
    assert res.group_time.n_control.iloc[0] == n_never


def test_not_yet_treated_without_never_treated_units():
    data = _staggered_panel(groups=(2018, 2020, 2022))
    with pytest.raises(EvaluationInputError, match="not_yet_treated"):
        staggered_did(data, "y", "unit", "year", "first_treated", seed=20220901)
    res = staggered_did(data, "y", "unit", "year", "first_treated", control="not_yet_treated",
                        seed=20220901)
    gt = res.group_time.set_index(["group", "time"])
    # from 2022 on no unit is untreated: those effects are not estimable, and said
    assert np.isnan(gt.loc[(2018, 2022), "estimate"])
    assert gt.loc[(2018, 2022), "method"].startswith("not estimable: no comparison units")
    assert np.isfinite(gt.loc[(2018, 2021), "estimate"])
    assert any("not estimable" in n for n in res.notes)
    assert np.isfinite(res.simple.estimate[0])


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.drop(index=5), "not balanced.*unit = 0"),
    (lambda d: pd.concat([d, d.iloc[[3]]]), "repeat a \\(unit, year\\) pair.*panel=False"),
    (lambda d: d.assign(first_treated=np.where(d.index == 2, 2019, d.first_treated)),
     "'first_treated' must be constant within each unit"),
    (lambda d: d.assign(y=np.where(d.index == 7, np.nan, d.y)), "'y' has 1 missing.*\\[7\\]"),
    (lambda d: d.assign(first_treated=-d.first_treated), "negative at row"),
    (lambda d: d.assign(y=d.y.astype(str)), "must be numeric"),
    (lambda d: d.drop(columns="year"), "column\\(s\\) \\['year'\\] not found"),
    (lambda d: d.assign(first_treated=0), "no unit is first treated"),
])
def test_bad_panels_are_refused_with_the_row_and_rule(change, message):
    with pytest.raises(EvaluationInputError, match=message):
        staggered_did(change(_staggered_panel()), "y", "unit", "year", "first_treated",
                      seed=20220901)


@pytest.mark.parametrize(("options", "message"), [
    ({"control": "later_treated"}, "control must be one of"),
    ({"alpha": 1.0}, "alpha must lie"),
    ({"n_bootstrap": 10}, "n_bootstrap must be a whole number from 99"),
    ({"n_bootstrap": 10**6}, "n_bootstrap"),
    ({"seed": 1.5}, "seed"),
    ({"inference": "cr3"}, "inference must be one of"),
    ({"weights": "w"}, "'w' \\(weights\\) must be >= 0"),
    ({"cluster": "region"}, "'region' must be constant within each unit"),
])
def test_bad_options_are_refused(options, message):
    data = _staggered_panel().assign(w=-1.0, region=lambda d: d.index % 5)
    with pytest.raises(EvaluationInputError, match=message):
        staggered_did(data, "y", "unit", "year", "first_treated", **options)


def test_limits_are_refused_before_the_work(monkeypatch):
    data = _staggered_panel()
    monkeypatch.setattr(stg_limits, "MAX_CELLS", 5)
    with pytest.raises(EvaluationInputError, match="group-time effects, more than the limit"):
        staggered_did(data, "y", "unit", "year", "first_treated", seed=20220901)
    monkeypatch.setattr(stg_limits, "MAX_CELLS", 2_500)
    monkeypatch.setattr(stg_limits, "MAX_CELL_WORK", 100)
    with pytest.raises(EvaluationInputError, match="row-cells"):
        staggered_did(data, "y", "unit", "year", "first_treated", seed=20220901)
    monkeypatch.setattr(stg_limits, "MAX_CELL_WORK", 10**9)
    monkeypatch.setattr(stg_limits, "MAX_BOOTSTRAP_WORK", 1000)
    with pytest.raises(EvaluationInputError, match="bootstrap would take"):
        staggered_did(data, "y", "unit", "year", "first_treated", seed=20220901)


@pytest.mark.parametrize("control", ["never_treated", "not_yet_treated"])
def test_unit_year_sums_give_the_estimator_on_the_rows(control):
    """estimate_from_sums (the fast path of randomization inference and the event study's
    jackknife) equals staggered_did on the rows: simple aggregation, its influence standard
    error and every event-time effect, with count weights, an empty cell, a unit adopting
    after the last year (never treated) and one adopting in the first year (left out)."""
    from talentlab.evaluation.staggered import estimate_from_sums, unit_year_sums

    rng = np.random.default_rng(31)
    rows = []
    for u in range(14):
        g = (2019, 2021, 2022, 0, 2030, 2017, 0)[u % 7]
        for t in range(2017, 2024):
            if u == 3 and t == 2020:
                continue  # one never-treated unit without graduates that year
            for _ in range(rng.integers(1, 5)):
                y = 0.2 * u / 14 + 0.03 * (t - 2017) + (0.1 * (t - g + 1) if 0 < g <= t else 0)
                rows.append((f"u{u}", t, g, y + rng.normal(0, 0.2), int(rng.integers(1, 4))))
    d = pd.DataFrame(rows, columns=["unit", "year", "first_treated", "y", "count"])
    fit = staggered_did(d, "y", "unit", "year", "first_treated", control=control, panel=False,
                        weights="count", n_bootstrap=99, seed=20220901)
    fast = estimate_from_sums(unit_year_sums(d, "y", "unit", "year", "first_treated",
                                             weights="count"), control)
    assert fast.simple == pytest.approx(fit.simple["estimate"].iloc[0], abs=1e-12)
    assert fast.simple_se == pytest.approx(fit.simple["se"].iloc[0], rel=1e-10)
    events = fit.event_time[fit.event_time["term"] == "att_event"]
    assert sorted(fast.event_time) == sorted(events["event_time"].astype(int))
    for r in events.itertuples():
        scores = fast.event_scores[int(r.event_time)]
        assert fast.event_time[int(r.event_time)] == pytest.approx(r.estimate, abs=1e-12)
        assert np.sqrt(scores @ scores) == pytest.approx(r.se, rel=1e-10)


def test_jackknife_event_study_equals_refits_without_each_unit():
    """jackknife_event_study (unit-year sums) against staggered_did refitted on the rows
    without each unit: the universal event study (pre rows cumulated back to event time -1)
    and (G-1)/G times the replicates' covariance."""
    from talentlab.evaluation.staggered import (
        jackknife_event_study,
        unit_year_sums,
        universal_event_study,
    )

    rng = np.random.default_rng(32)
    rows = [(f"u{u}", t, (2020, 2022, 0)[u % 3], 0.1 * u + 0.02 * t + rng.normal(0, 0.3))
            for u in range(9) for t in range(2017, 2025) for _ in range(rng.integers(2, 5))]
    d = pd.DataFrame(rows, columns=["unit", "year", "first_treated", "y"])

    def universal(frame):
        ev_rows = staggered_did(frame, "y", "unit", "year", "first_treated", panel=False,
                                n_bootstrap=99, seed=20220901).event_time
        ev_rows = ev_rows[ev_rows["term"] == "att_event"]
        return universal_event_study(dict(zip(ev_rows["event_time"].astype(int),
                                              ev_rows["estimate"], strict=True)))

    coef, vcov, times = jackknife_event_study(unit_year_sums(d, "y", "unit", "year",
                                                             "first_treated"))
    full = universal(d)
    np.testing.assert_allclose(coef.to_numpy(), full.to_numpy(), atol=1e-12)
    draws = np.array([universal(d[d["unit"] != u]).reindex(times).to_numpy()
                      for u in sorted(d["unit"].unique())])
    centred = draws - draws.mean(axis=0)
    np.testing.assert_allclose(vcov, 8 / 9 * centred.T @ centred, atol=1e-12)
    assert -1 not in times and times == sorted(times)
