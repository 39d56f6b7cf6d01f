"""Power and sample size of the two-group design against Cohen's (1988) tables.

Pinned values: n per group for power 0.80, two-tailed (Cohen's "a2") alpha = .01, .05, .10 and
small / medium / large effects (d or h = 0.2, 0.5, 0.8), from Cohen (1988) Table 2.4.1 (n to
detect d by the t test) and Table 6.4.1 (n to detect h), as reproduced in Cohen J (1992), "A
power primer", Psychological Bulletin 112(1):155-159, Table 2 (rows "Mean dif" and "Prop dif",
columns Small/Medium/Large under alpha .01, .05, .10). Cohen prints n rounded to the nearest
integer; the exact solutions are compared with |n_exact - table| < 1 and round(n_exact) == table.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from talentlab import evaluation as ev
from talentlab.evaluation import power_analysis as pw

EFFECTS = (0.2, 0.5, 0.8)
#: Cohen (1992) Table 2 / Cohen (1988) Table 2.4.1: n per group, t test of means, power .80
COHEN_MEANS = {0.01: (586, 95, 38), 0.05: (393, 64, 26), 0.10: (310, 50, 20)}
#: Cohen (1992) Table 2 / Cohen (1988) Table 6.4.1: n per group, difference of proportions (h)
COHEN_PROPORTIONS = {0.01: (584, 93, 36), 0.05: (392, 63, 25), 0.10: (309, 49, 19)}


@pytest.mark.parametrize("alpha", sorted(COHEN_MEANS))
def test_sample_size_means_reproduces_cohen_table_2_4_1(alpha):
    for d, expected in zip(EFFECTS, COHEN_MEANS[alpha], strict=True):
        row = pw.sample_size("two_means", effect_size=d, alpha=alpha, power=0.8).iloc[0]
        assert abs(row["n_exact"] - expected) < 1, (alpha, d, row["n_exact"])
        assert row["n_cohen"] == expected
        assert row["n_per_group"] == math.ceil(row["n_exact"])


@pytest.mark.parametrize("alpha", sorted(COHEN_PROPORTIONS))
def test_sample_size_proportions_reproduces_cohen_table_6_4_1(alpha):
    for h, expected in zip(EFFECTS, COHEN_PROPORTIONS[alpha], strict=True):
        row = pw.sample_size("two_proportions", effect_size=h, alpha=alpha).iloc[0]
        assert abs(row["n_exact"] - expected) < 1, (alpha, h, row["n_exact"])
        assert row["n_cohen"] == expected


def test_proportions_h_formula_by_hand():
    """Cohen (1988) eq. 6.4.1 in closed form: n = 2 ((z_{1-a/2} + z_{power}) / h)^2."""
    h = pw.cohens_h(0.65, 0.45)
    assert h == pytest.approx(2 * math.asin(math.sqrt(0.65)) - 2 * math.asin(math.sqrt(0.45)))
    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    row = pw.sample_size("two_proportions", p1=0.65, p2=0.45).iloc[0]
    assert row["n_exact"] == pytest.approx(2 * (z / h) ** 2, rel=1e-5)  # solver tolerance
    assert row["p1"] == 0.65 and row["effect_size_kind"] == "Cohen's h"


def test_power_at_table_n_is_about_080_and_monotone():
    p64 = float(pw.power("two_means", 64, effect_size=0.5)["power"].iloc[0])
    p63 = float(pw.power("two_means", 63, effect_size=0.5)["power"].iloc[0])
    assert 0.80 <= p64 < 0.81 and p63 < 0.80
    # the t test with mean_diff / sd equals the effect-size call
    by_raw = float(pw.power("two_means", 64, mean_diff=5, sd=10)["power"].iloc[0])
    assert by_raw == pytest.approx(p64)
    # unequal groups: ratio = n2 / n1
    two = pw.power("two_proportions", 100, p1=0.6, p2=0.5, ratio=2.0).iloc[0]
    assert two["n2"] == 200
    h = pw.cohens_h(0.6, 0.5)
    z = h / math.sqrt(1 / 100 + 1 / 200)
    by_hand = stats.norm.sf(stats.norm.ppf(0.975) - z) + stats.norm.cdf(-stats.norm.ppf(0.975) - z)
    assert two["power"] == pytest.approx(by_hand, rel=1e-9)


def test_power_by_simulation_two_means():
    """Independent check: the rejection rate of scipy's t test at n = 64, d = 0.5."""
    rng = np.random.default_rng(7)
    reps = 4000
    x = rng.normal(0.5, 1, size=(reps, 64))
    y = rng.normal(0.0, 1, size=(reps, 64))
    rate = float(np.mean(stats.ttest_ind(x, y, axis=1).pvalue < 0.05))
    expected = float(pw.power("two_means", 64, effect_size=0.5)["power"].iloc[0])
    assert abs(rate - expected) < 3 * math.sqrt(expected * (1 - expected) / reps)


def test_mde_two_group_inverts_sample_size():
    out = pw.minimum_detectable_effect_two_group(64, 64, sd=2.0).iloc[0]
    assert out["effect_size"] == pytest.approx(0.4991, abs=1e-3)
    assert out["mde"] == pytest.approx(2.0 * out["effect_size"])
    back = pw.sample_size("two_means", effect_size=out["effect_size"]).iloc[0]
    assert back["n_exact"] == pytest.approx(64, rel=1e-6)
    # proportions: the detectable p1 has Cohen's h equal to the solved effect size
    prop = pw.minimum_detectable_effect_two_group(392, 392, p0=0.5).iloc[0]
    assert prop["effect_size"] == pytest.approx(0.2, abs=2e-3)
    assert pw.cohens_h(prop["p1_detectable"], 0.5) == pytest.approx(prop["effect_size"])
    assert prop["mde"] == pytest.approx(prop["p1_detectable"] - 0.5)
    # Bloom (1995) large-sample formula: (z_{1-a/2} + z_power) * sd * sqrt(2/n)
    big = pw.minimum_detectable_effect_two_group(5000, 5000, sd=1.0).iloc[0]
    bloom = (stats.norm.ppf(0.975) + stats.norm.ppf(0.8)) * math.sqrt(2 / 5000)
    assert big["mde"] == pytest.approx(bloom, rel=1e-3)


def test_reexported_from_evaluation():
    assert ev.sample_size is pw.sample_size
    assert ev.power is pw.power
    assert ev.minimum_detectable_effect_two_group is pw.minimum_detectable_effect_two_group


@pytest.mark.parametrize("kwargs, message", [
    ({"design": "three_groups", "effect_size": 0.5}, "design must be one of"),
    ({"design": "two_means", "mean_diff": 1.0}, "needs mean_diff and sd"),
    ({"design": "two_proportions", "p1": 1.2, "p2": 0.5}, "p1 must lie in"),
    ({"design": "two_means", "effect_size": 0.5, "alpha": 1.5}, "alpha must lie in"),
    ({"design": "two_means", "effect_size": 0.0}, "effect size is 0"),
])
def test_bad_input_is_a_clear_error(kwargs, message):
    with pytest.raises(pw.PowerInputError, match=message):
        pw.sample_size(**kwargs)
