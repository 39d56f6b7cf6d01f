"""Tests of talentlab.evaluation.sensitivity against independent computations.

* The relative-magnitudes identified set is checked against a brute-force grid over violation
  paths: every path delta_post whose consecutive changes stay within Mbar times the largest
  pre-period change is enumerated on a grid, and theta = l'(beta_post - delta_post) is min/maxed.
* The robust interval is checked for what it promises: coverage >= 1 - alpha at a
  least-favourable violation path (Monte Carlo, with its standard error), nesting in Mbar, and
  agreement with the identified set when the noise vanishes.
* The breakdown value is checked by evaluating the interval on either side of it.
* The HonestDiD port (C-LF, Conditional, FLCI) is checked against HonestDiD's published Medicaid
  results (printed tables to 1e-3; the R README's own cached run to 1e-6), its random numbers
  against R's, its exact dual (vertex enumeration) against a linear-programming solver, and its
  primal truncation points against the closed-form dual ones.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from talentlab.evaluation import sensitivity as se
from talentlab.evaluation.sensitivity.conditional import TOL_LAMBDA, ConditionalTest, DualPolytope
from talentlab.evaluation.sensitivity.r_random import r_rnorm, r_uniforms
from talentlab.evaluation.sensitivity.restrictions import smoothness_identified_set


def _brute_force_set(beta, num_pre, num_post, mbar, l_vec, n_grid=21):
    """min / max of l'tau_post over a grid of violation paths in Delta^RM(Mbar)."""
    b = np.asarray(beta, float)
    pre = np.r_[b[:num_pre], 0.0]  # reference period normalised to 0
    bound = mbar * np.max(np.abs(np.diff(pre)))
    grid = np.linspace(-bound, bound, n_grid)
    thetas = []
    for steps in itertools.product(grid, repeat=num_post):
        delta_post = np.cumsum(steps)  # delta_0 = 0, |delta_{t+1} - delta_t| <= bound
        thetas.append(float(np.dot(l_vec, b[num_pre:] - delta_post)))
    return min(thetas), max(thetas)


@pytest.mark.parametrize("l_vec", [[1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.5, -0.2, 0.7],
                                   [0.0, 0.0, 1.0]])
@pytest.mark.parametrize("mbar", [0.0, 0.5, 1.0, 2.0])
def test_identified_set_matches_brute_force_over_violation_paths(l_vec, mbar):
    beta = [0.03, -0.02, 0.05, 0.20, 0.25, 0.18]  # 3 pre, 3 post
    lo, hi = se.relative_magnitudes_identified_set(beta, 3, 3, mbar, l_vec)
    blo, bhi = _brute_force_set(beta, 3, 3, mbar, l_vec)
    assert lo == pytest.approx(blo, abs=1e-12)
    assert hi == pytest.approx(bhi, abs=1e-12)


def test_identified_set_uses_the_change_into_the_reference_period():
    # the largest pre-period change is 0 - beta_{-1} = -0.3, not a change among the betas
    lo, hi = se.relative_magnitudes_identified_set([0.3, 0.3, 1.0], 2, 1, 1.0)
    assert (lo, hi) == pytest.approx((0.7, 1.3))


@pytest.mark.parametrize("method", se.RM_METHODS)
def test_interval_tends_to_identified_set_as_noise_vanishes(method):
    """Also where HonestDiD's fixed grid ([-20, 20] sd around 0) misses the estimate."""
    beta = [0.03, -0.02, 0.05, 0.20, 0.25, 0.18]
    sigma = np.eye(6) * 1e-12
    for mbar in (0.0, 0.7, 1.5):
        lo, hi = se.relative_magnitudes_interval(beta, sigma, 3, 3, mbar, method=method)
        ilo, ihi = se.relative_magnitudes_identified_set(beta, 3, 3, mbar)
        assert lo == pytest.approx(ilo, abs=1e-4) and hi == pytest.approx(ihi, abs=1e-4)


def test_interval_is_nested_in_mbar_and_contains_the_identified_set():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(6, 6))
    sigma = a @ a.T * 1e-3 + np.eye(6) * 1e-3
    beta = [0.02, -0.04, 0.01, 0.15, 0.2, 0.1]
    previous = None
    for mbar in (0.0, 0.25, 0.5, 1.0, 2.0):
        lo, hi = se.relative_magnitudes_interval(beta, sigma, 3, 3, mbar, method="LF")
        ilo, ihi = se.relative_magnitudes_identified_set(beta, 3, 3, mbar)
        assert lo <= ilo and hi >= ihi
        if previous:
            assert lo <= previous[0] + 1e-12 and hi >= previous[1] - 1e-12
        previous = (lo, hi)


@pytest.mark.parametrize("method", ["C-LF", "LF"])
def test_coverage_at_a_least_favourable_violation_path(method):
    """Violation drifting at the largest allowed rate; coverage >= 95% within MC error."""
    rng = np.random.default_rng(11)
    num_pre, num_post, mbar = 2, 2, 1.0
    delta_pre = np.array([-0.2, -0.1])  # changes 0.1, 0.1: D = 0.1
    delta_post = np.array([0.1, 0.2])  # drifts by Mbar * D per period (on the boundary)
    tau_post = np.array([0.3, 0.3])
    beta = np.r_[delta_pre, delta_post + tau_post]
    corr = 0.3 * np.ones((4, 4)) + 0.7 * np.eye(4)
    sigma = corr * 0.05**2
    theta = tau_post.mean()
    n_rep = 200
    chol = np.linalg.cholesky(sigma)
    covered = 0
    for _ in range(n_rep):
        draw = beta + chol @ rng.standard_normal(4)
        lo, hi = se.relative_magnitudes_interval(draw, sigma, num_pre, num_post, mbar,
                                                 method=method)
        covered += lo <= theta <= hi
    rate = covered / n_rep
    mc_se = np.sqrt(0.95 * 0.05 / n_rep)
    assert rate >= 0.95 - 2.5 * mc_se, rate


def test_breakdown_value_separates_excluding_from_including():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(5, 5))
    sigma = a @ a.T * 2e-4 + np.eye(5) * 1e-4
    beta = [0.01, -0.03, 0.02, 0.25, 0.3]  # 3 pre, 2 post
    m = se.breakdown_mbar(beta, sigma, 3, 2, direction=1)
    assert 0 < m < se.MBAR_MAX
    below = se.relative_magnitudes_interval(beta, sigma, 3, 2, m * 0.98)
    above = se.relative_magnitudes_interval(beta, sigma, 3, 2, m * 1.02 + 1e-3)
    assert below[0] > 0 and above[0] <= 0
    # the claimed direction matters: a decrease is not robust anywhere
    assert se.breakdown_mbar(beta, sigma, 3, 2, direction=-1) == 0.0


def test_pretrend_equivalence_bound_is_tost_intersection_union():
    from scipy import stats

    b, s = np.array([0.01, -0.05, 0.02]), np.array([0.02, 0.01, 0.03])
    bound = se.pretrend_equivalence_bound(b, s, df=7, alpha=0.05)
    # at that margin every coefficient's two one-sided tests reject at exactly 5% or below
    for bi, si in zip(b, s, strict=True):
        p_upper = stats.t.cdf((bi - bound) / si, 7)
        p_lower = stats.t.sf((bi + bound) / si, 7)
        assert max(p_upper, p_lower) <= 0.05 + 1e-12
    worst = np.argmax(np.abs(b) + stats.t.ppf(0.95, 7) * s)
    assert bound == pytest.approx(abs(b[worst]) + stats.t.ppf(0.95, 7) * s[worst])


def test_relative_magnitudes_on_an_event_study_frame():
    from talentlab import evaluation as ev

    rng = np.random.default_rng(9)
    rows = []
    for maj in [f"T{i}" for i in range(3)] + [f"C{i}" for i in range(5)]:
        shift = rng.normal(0, 0.3)
        for c in range(2017, 2026):
            eff = 3.0 * (maj.startswith("T") and c >= 2022)
            rows += [(maj, c, maj.startswith("T"), shift + eff + e)
                     for e in rng.normal(0, 1, 60)]
    df = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])
    es = ev.event_study(df, "y", n_bootstrap=99, reform_cohort=2022, seed=20220901)
    out = se.relative_magnitudes(es, es.attrs["vcov"], claimed_sign=1)
    row = out.iloc[0]
    assert len(es.attrs["vcov"]) == es["estimate"].notna().sum() - 1  # reference excluded
    assert row["theta"] == pytest.approx(es.loc[es.period == "post", "estimate"].mean())
    assert row["rm_ci_low"] > 0 and row["breakdown_mbar"] > 1  # a large, clean effect
    assert row["pretrend_bound"] > row["pretrend_max_abs"]


def test_bad_input_says_what():
    with pytest.raises(se.SensitivityInputError, match="expected num_pre"):
        se.relative_magnitudes_interval([0.1, 0.2], np.eye(3), 2, 1, 1.0)
    with pytest.raises(se.SensitivityInputError, match="mbar must be"):
        se.relative_magnitudes_interval([0.1, 0.2, 0.3], np.eye(3), 2, 1, -1.0)
    with pytest.raises(se.SensitivityInputError, match="l_vec"):
        se.relative_magnitudes_interval([0.1, 0.2, 0.3], np.eye(3), 2, 1, 1.0, l_vec=[1, 0])


# ----------------------------------------------------------------------------------------------
# HonestDiD's published Medicaid example (Rambachan & Roth; mcaceresb/stata-honestdid README)
# ----------------------------------------------------------------------------------------------
#: Published robust 95% intervals, Delta^RM, method C-LF (HonestDiD's conditional /
#: least-favourable hybrid), for the 2014 effect and for the average of 2014-2015.
HONESTDID_PUBLISHED = {
    "first": {"original": (0.029, 0.064), 0.5: (0.024, 0.067), 1.0: (0.017, 0.072),
              1.5: (0.008, 0.080), 2.0: (-0.001, 0.088)},
    "average": {0.0: (0.041, 0.075), 0.5: (0.033, 0.080), 1.0: (0.020, 0.090),
                1.5: (0.006, 0.103), 2.0: (-0.008, 0.117)},
}


@pytest.fixture(scope="module")
def medicaid():
    import json
    from pathlib import Path

    path = Path(__file__).parent / "reference_honestdid" / "medicaid_event_study.json"
    ref = json.loads(path.read_text(encoding="utf-8"))
    return np.array(ref["betahat"]), np.array(ref["sigma"]), ref["num_pre"], ref["num_post"]


def test_medicaid_event_study_reproduces_the_published_original_interval(medicaid):
    b, sigma, num_pre, num_post = medicaid
    theta, sd = b[num_pre], np.sqrt(sigma[num_pre, num_pre])
    lo, hi = theta - 1.959964 * sd, theta + 1.959964 * sd
    assert (round(lo, 3), round(hi, 3)) == HONESTDID_PUBLISHED["first"]["original"]


@pytest.mark.parametrize("target", ["first", "average"])
def test_lf_intervals_contain_honestdid_published_hybrid_intervals(medicaid, target):
    """The least-favourable test (method "LF") is HonestDiD's hybrid without its conditional
    step, so it is more conservative: at every Mbar its interval must contain the published one (rounded to
    3 decimals), and not by an absurd margin."""
    b, sigma, num_pre, num_post = medicaid
    l_vec = [1.0, 0.0] if target == "first" else [0.5, 0.5]
    for mbar, (plo, phi) in HONESTDID_PUBLISHED[target].items():
        if mbar == "original":
            continue
        lo, hi = se.relative_magnitudes_interval(b, sigma, num_pre, num_post, mbar,
                                                 l_vec=l_vec, method="LF")
        assert lo <= plo + 5e-4 and hi >= phi - 5e-4, (mbar, lo, hi, plo, phi)
        assert (hi - lo) <= 1.6 * (phi - plo), (mbar, lo, hi, plo, phi)
    # breakdown: HonestDiD reports about 2 for the 2014 effect; the LF test breaks down earlier
    m = se.breakdown_mbar(b, sigma, num_pre, num_post, 1, l_vec=l_vec, method="LF")
    assert 1.0 < m < 2.0


# ----------------------------------------------------------------------------------------------
# the HonestDiD port: C-LF / Conditional / FLCI against HonestDiD's own results
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def published():
    import json
    from pathlib import Path

    path = Path(__file__).parent / "reference_honestdid" / "honestdid_published.json"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("table", ["rm_first_C-LF_r_readme", "rm_average_C-LF_stata_readme"])
def test_c_lf_reproduces_honestdid_printed_intervals_to_1e3(medicaid, published, table):
    b, sigma, num_pre, num_post = medicaid
    ref = published["printed"][table]
    for row in ref["rows"]:
        lo, hi = se.relative_magnitudes_interval(b, sigma, num_pre, num_post, row["Mbar"],
                                                 l_vec=ref["l_vec"])  # C-LF is the default
        assert lo == pytest.approx(row["lb"], abs=1e-3), (row, lo)
        assert hi == pytest.approx(row["ub"], abs=1e-3), (row, hi)


def test_c_lf_equals_honestdids_own_run_on_this_event_study(medicaid, published):
    """HonestDiD's cached README run (chunk 5) on the same coefficients: the same grid points
    are accepted, so the end points agree to the tiny differences in sigma (1e-8)."""
    b, sigma, num_pre, num_post = medicaid
    ref = published["r_cache"]["rm_first_C-LF_chunk5"]
    for row in ref["rows"]:
        lo, hi = se.relative_magnitudes_interval(b, sigma, num_pre, num_post, row["Mbar"],
                                                 l_vec=ref["l_vec"], method="C-LF")
        assert (lo, hi) == pytest.approx((row["lb"], row["ub"]), abs=1e-6), row


def test_flci_reproduces_honestdid_smoothness_intervals(medicaid, published):
    """Printed table to 1e-3; HonestDiD's cached run to 5e-5 (it simulates the folded-normal
    quantile with 10^6 draws, computed exactly here)."""
    b, sigma, num_pre, num_post = medicaid
    printed = published["printed"]["sd_first_FLCI_r_readme"]["rows"]
    cached = published["r_cache"]["sd_first_FLCI_chunk6"]["rows"]
    for row, exact in zip(printed, cached, strict=True):
        lo, hi = se.smoothness_interval(b, sigma, num_pre, num_post, row["M"], l_vec=[1, 0])
        assert (lo, hi) == pytest.approx((row["lb"], row["ub"]), abs=1e-3), row
        assert (lo, hi) == pytest.approx((exact["lb"], exact["ub"]), abs=5e-5), exact
    # the published breakdown value of M is about 0.03: the FLCI excludes 0 at 0.02 only
    assert se.smoothness_interval(b, sigma, num_pre, num_post, 0.02, l_vec=[1, 0])[0] > 0
    assert se.smoothness_interval(b, sigma, num_pre, num_post, 0.03, l_vec=[1, 0])[0] < 0


def test_c_lf_breakdown_value_is_honestdids_about_two(medicaid):
    """Same method and target as the interval: excluded just below it, included above."""
    b, sigma, num_pre, num_post = medicaid
    m = se.breakdown_mbar(b, sigma, num_pre, num_post, 1, l_vec=[1, 0], tol=1e-3)
    assert 1.9 < m < 2.0  # the LF test broke down at 1.36
    below = se.relative_magnitudes_interval(b, sigma, num_pre, num_post, m, l_vec=[1, 0])
    above = se.relative_magnitudes_interval(b, sigma, num_pre, num_post, m + 2e-3,
                                            l_vec=[1, 0])
    assert below[0] > 0 >= above[0]


def test_r_random_numbers_are_rs():
    """set.seed(0); runif(3) / rnorm(5) and set.seed(42); rnorm(2) in R 4.x."""
    assert r_uniforms(3, 0) == pytest.approx([0.8966972, 0.2655087, 0.3721239], abs=1e-7)
    assert r_rnorm(5, 0) == pytest.approx(
        [1.2629543, -0.3262334, 1.3297993, 1.2724293, 0.4146414], abs=1e-7)
    assert r_rnorm(2, 42) == pytest.approx([1.3709584, -0.5646982], abs=1e-7)


def _random_moment_problem(rng, m, k):
    a = rng.normal(size=(m, m))
    sigma = a @ a.T / m + np.eye(m) * 0.1
    return np.sqrt(np.diag(sigma)), rng.normal(size=(m, k)), sigma


@pytest.mark.parametrize("m, k", [(4, 1), (6, 2), (8, 3)])
def test_dual_vertices_give_the_linear_programs_optimum_and_dual(m, k):
    """eta = min_x max_j (y_j - X_j x)/sd_j by HiGHS, and its duals, against the vertices."""
    from scipy.optimize import linprog

    rng = np.random.default_rng(m * 10 + k)
    sd, x, _ = _random_moment_problem(rng, m, k)
    dual = DualPolytope(sd, x)
    ys = rng.normal(size=(25, m))
    eta, idx = dual.eta(ys)
    for y, e, v in zip(ys, eta, idx, strict=True):
        res = linprog(np.r_[1.0, np.zeros(k)], A_ub=-np.column_stack([sd, x]), b_ub=-y,
                      bounds=[(None, None)] * (k + 1), method="highs")
        if res.status == 3:  # unbounded primal: no dual vertex
            assert e == -np.inf
            continue
        assert e == pytest.approx(res.fun, abs=1e-9)
        assert dual.vertices[v] == pytest.approx(-res.ineqlin.marginals, abs=1e-7)


def test_primal_truncation_points_equal_the_closed_form_dual_ones():
    """HonestDiD's primal approach (binding moments) and its dual approach (range of c over
    which the dual vertex stays optimal) are the same truncation points when non-degenerate."""
    rng = np.random.default_rng(4)
    m, k = 6, 2
    sd, x, sigma = _random_moment_problem(rng, m, k)
    test = ConditionalTest.__new__(ConditionalTest)
    test.x, test.sd, test.sigma = x, sd, sigma
    test.dual = DualPolytope(sd, x)
    ys = rng.normal(size=(40, m))
    _, idx = test.dual.eta(ys)
    checked = 0
    for v in np.unique(idx):
        lam = test.dual.vertices[v]
        binding = lam > TOL_LAMBDA
        if binding.sum() != k + 1:
            continue
        y = ys[idx == v]
        plo, pup, psd = test.primal_bounds(y, binding)
        dlo, dup, dsd = test.dual_bounds(y, lam, float(lam @ sigma @ lam))
        assert psd == pytest.approx(dsd, rel=1e-10)
        assert plo == pytest.approx(dlo, rel=1e-8, abs=1e-10)
        assert pup == pytest.approx(dup, rel=1e-8, abs=1e-10)
        checked += len(y)
    assert checked > 20


@pytest.mark.parametrize("method", ["C-LF", "Conditional", "FLCI"])
def test_smoothness_interval_tends_to_identified_set(method):
    beta = np.array([0.03, 0.02, 0.01, 0.20, 0.26, 0.31])  # a linear pre-trend
    sigma = np.eye(6) * 1e-12
    for m in (0.0, 0.01, 0.05):
        lo, hi = se.smoothness_interval(beta, sigma, 3, 3, m, l_vec=[1, 0, 0], method=method)
        ilo, ihi = smoothness_identified_set(beta, 3, 3, m, np.array([1.0, 0, 0]))
        assert ilo == pytest.approx(0.21 - m) and ihi == pytest.approx(0.21 + m)
        if method == "FLCI":  # worst-case bias over Delta^SD: contains the identified set
            assert lo <= ilo + 1e-6 and hi >= ihi - 1e-6 and hi - lo <= 2 * (ihi - ilo) + 1e-5
        else:
            assert (lo, hi) == pytest.approx((ilo, ihi), abs=1e-5)


def test_conditional_methods_refuse_too_many_post_periods_and_unknown_methods():
    p = 2 + se.MAX_POST_PERIODS + 1
    beta, sigma = np.zeros(p), np.eye(p) * 1e-4
    with pytest.raises(se.SensitivityInputError, match="limited to 8 post-period"):
        se.relative_magnitudes_interval(beta, sigma, 2, p - 2, 1.0)
    lo, hi = se.relative_magnitudes_interval(beta, sigma, 2, p - 2, 1.0, method="LF")
    assert lo < 0 < hi
    with pytest.raises(se.SensitivityInputError, match="method must be one of"):
        se.relative_magnitudes_interval(beta[:4], sigma[:4, :4], 2, 2, 1.0, method="FLCI")
    with pytest.raises(se.SensitivityInputError, match="m must be >= 0"):
        se.smoothness_interval(beta[:4], sigma[:4, :4], 2, 2, -0.1)


def test_relative_magnitudes_frame_uses_c_lf_for_interval_and_breakdown(medicaid):
    b, sigma, num_pre, num_post = medicaid
    es = pd.DataFrame({"outcome": "dins", "cohort": list(range(2008, 2016)),
                       "period": ["pre"] * 5 + ["reference"] + ["post"] * 2,
                       "estimate": list(b[:5]) + [0.0] + list(b[5:]),
                       "se": list(np.sqrt(np.diag(sigma))[:5]) + [np.nan]
                       + list(np.sqrt(np.diag(sigma))[5:]), "df": 44})
    row = se.relative_magnitudes(es, sigma, claimed_sign=1, mbar=1.0, l_vec=[1, 0]).iloc[0]
    assert (row["rm_ci_low"], row["rm_ci_high"]) == pytest.approx((0.017040, 0.072006),
                                                                  abs=1e-6)
    assert 1.9 < row["breakdown_mbar"] < 2.0
    assert "C-LF" in row["sensitivity_method"]


# ----------------------------------------------------------------------------------------------
# the verdict's wording: what a significant but non-robust conclusion is called
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("pretrend_p, interval, breakdown, label", [
    (0.60, (0.01, 0.20), 1.4, "robust at Mbar = 1"),
    (0.01, (0.01, 0.20), 1.4, "robust at Mbar = 1"),  # violation accounted for by Mbar
    (0.60, (-0.01, 0.20), 0.8, "not robust at Mbar = 1"),  # imprecision, not pre-trends
    (np.nan, (-0.01, 0.20), 0.8, "not robust at Mbar = 1"),
    (0.05, (-0.01, 0.20), 0.8, "pre-trend violation detected"),
    (0.60, (np.nan, np.nan), np.nan, "no sensitivity analysis"),
    (0.60, (np.nan, np.nan), 1.2, "robust at Mbar = 1"),  # breakdown value alone
])
def test_classify_robustness_names_the_cause(pretrend_p, interval, breakdown, label):
    out = se.classify_robustness(pretrend_p, interval, breakdown, mbar=1.0)
    assert out.label == label
    assert out.robust == label.startswith("robust")
    assert out.label_zh and out.reason


def test_classify_robustness_reads_the_claimed_side_and_the_bound():
    # a claimed decrease: robust when the interval lies below the null value
    assert se.classify_robustness(0.5, (-0.3, -0.01), 1.5, claimed_sign=-1).robust
    assert not se.classify_robustness(0.5, (-0.3, -0.01), 1.5, claimed_sign=1).robust
    out = se.classify_robustness(0.5, (-0.3, 0.2), 0.4, mbar=0.5, null_value=0.0)
    assert out.label == "not robust at Mbar = 0.5" and "imprecise" in out.reason
    assert se.classify_robustness(0.09, (-0.3, 0.2), 0.4).label == "pre-trend violation detected"
    assert se.classify_robustness(0.09, (-0.3, 0.2), 0.4,
                                  pretrend_alpha=0.05).label.startswith("not robust")
