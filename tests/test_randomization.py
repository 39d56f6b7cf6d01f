"""Tests of talentlab.evaluation.randomization against brute force.

* The feasible assignments are checked against an independent enumeration (every permutation
  of the unit labels, de-duplicated), for a binary and a staggered (multiset of adoption years)
  design, and the p-values against the share of those assignments at least as extreme.
* The floor of the p-value is checked where it is known in closed form: 1/56 with 3 of 8
  majors treated, 2/70 two-sided with 4 of 8 (the complementary assignment gives -T exactly
  for the TWFE DiD).
* The Monte Carlo branch is checked for reproducibility, its standard error, and agreement with
  the exact p-value within Monte Carlo error.
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from talentlab.evaluation import EvaluationInputError
from talentlab.evaluation import randomization as ri


def _panel(n_units, treated, effect=0.5, seed=1, adoption=None, n_per_cell=6):
    """Graduates of n_units majors over 2018-2025; the first `treated` are reformed in 2022."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_units):
        shift = rng.normal(0, 0.3)
        first = (adoption[i] if adoption is not None else (2022 if i < treated else 0))
        for c in range(2018, 2026):
            on = first and c >= first
            rows += [(f"m{i}", c, bool(first), first, shift + effect * on + e)
                     for e in rng.normal(0, 1, n_per_cell)]
    return pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "first_treated", "y"])


def _mean_gap(d: pd.DataFrame) -> float:
    post = d["cohort"] >= 2022
    t = d["treated_major"].astype(bool)
    return float((d.y[t & post].mean() - d.y[t & ~post].mean())
                 - (d.y[~t & post].mean() - d.y[~t & ~post].mean()))


def _brute_force_p(d, statistic, unit, column, alternative="two-sided"):
    """Every permutation of the unit labels (itertools), de-duplicated, evaluated."""
    per_unit = d.groupby(unit, sort=True)[column].first()
    units, labels = per_unit.index.to_numpy(), per_unit.to_numpy()
    seen = sorted(set(itertools.permutations(labels.tolist())))
    observed = statistic(d)
    stats_ = []
    for perm in seen:
        mapping = dict(zip(units, perm, strict=True))
        stats_.append(statistic(d.assign(**{column: d[unit].map(mapping).astype(d[column].dtype)})))
    stats_ = np.array(stats_)
    tol = 1e-9 * max(1.0, abs(observed))
    if alternative == "two-sided":
        extreme = np.abs(stats_) >= abs(observed) - tol
    elif alternative == "greater":
        extreme = stats_ >= observed - tol
    else:
        extreme = stats_ <= observed + tol
    return float(extreme.mean()), len(seen)


@pytest.mark.parametrize("alternative", ri.ALTERNATIVES)
def test_exact_p_value_equals_brute_force_enumeration(alternative):
    d = _panel(6, 2, effect=0.6, seed=3)
    row = ri.randomization_inference(d, _mean_gap, alternative=alternative, seed=20220901).iloc[0]
    p, n = _brute_force_p(d, _mean_gap, "major", "treated_major", alternative)
    assert row["exact"] and row["n_assignments"] == n == 15 and row["n_evaluated"] == 15
    assert row["p_value"] == pytest.approx(p, abs=1e-15)
    assert row["estimate"] == pytest.approx(_mean_gap(d))
    assert row["mc_se"] == 0.0


def test_staggered_assignments_keep_the_multiset_of_adoption_years():
    adoption = [2020, 2022, 2022, 0, 0, 0]
    d = _panel(6, 0, adoption=adoption, seed=5)

    def stat(x):  # mean outcome of the early adopters after their reform, minus the rest
        first = x["first_treated"]
        return float(x.y[(first > 0) & (x.cohort >= first)].mean() - x.y[first == 0].mean())

    assignments = list(ri.feasible_assignments(np.array(adoption)))
    assert len(assignments) == ri.count_assignments(adoption) == 60  # 6! / (1! 2! 3!)
    assert len({tuple(a) for a in assignments}) == 60
    assert all(sorted(a.tolist()) == sorted(adoption) for a in assignments)
    row = ri.randomization_inference(d, stat, assignment="first_treated", seed=20220901).iloc[0]
    p, n = _brute_force_p(d, stat, "major", "first_treated")
    assert row["n_assignments"] == n == 60 and row["p_value"] == pytest.approx(p, abs=1e-15)
    assert "2020: 1" in row["groups"] and "2022: 2" in row["groups"]


def test_three_of_eight_treated_floor_is_one_in_56_for_the_did_t_statistic():
    """C(8, 3) = 56: a strong effect is the most extreme assignment, p = 1/56 (0.0179), both
    one-sided and two-sided (no other assignment ties |t|): above Holm's first threshold
    0.05/3 with three hypotheses, whatever CR1/CR3 say."""
    d = _panel(8, 3, effect=2.0, seed=7)
    two = ri.randomization_inference(d, outcome="y", reform_cohort=2022, seed=20220901).iloc[0]
    assert two["n_assignments"] == 56 and two["exact"]
    assert two["min_attainable_p"] == pytest.approx(1 / 56)
    assert two["p_value"] == pytest.approx(1 / 56)
    assert two["p_value"] > 0.05 / 3
    one = ri.randomization_inference(d, outcome="y", alternative="greater",
                                     reform_cohort=2022, seed=20220901).iloc[0]
    assert one["p_value"] == pytest.approx(1 / 56)
    assert one["estimate"] == pytest.approx(two["estimate"])  # the CR1 t statistic
    from talentlab import evaluation as ev

    assert two["estimate"] == pytest.approx(
        ev.did(d, "y", inference="cluster", reform_cohort=2022).iloc[0]["t_stat"], rel=1e-12)


def test_four_of_eight_two_sided_floor_is_two_in_70():
    """The complementary assignment of the TWFE DiD estimate is exactly -estimate."""
    d = _panel(8, 4, effect=2.0, seed=8)
    stat = ri.did_t_statistic("y", use="estimate", reform_cohort=2022)
    row = ri.randomization_inference(d, stat, seed=20220901).iloc[0]
    assert row["n_assignments"] == 70
    assert row["min_attainable_p"] == pytest.approx(2 / 70)
    assert row["p_value"] == pytest.approx(2 / 70)
    one = ri.randomization_inference(d, stat, alternative="greater", seed=20220901).iloc[0]
    assert one["min_attainable_p"] == pytest.approx(1 / 70)


def test_monte_carlo_when_assignments_exceed_the_limit():
    d = _panel(10, 4, effect=0.4, seed=9, n_per_cell=3)  # C(10, 4) = 210 assignments
    exact = ri.randomization_inference(d, _mean_gap, seed=20220901).iloc[0]
    mc = ri.randomization_inference(d, _mean_gap, limit=100, n_draws=1000, seed=4).iloc[0]
    assert exact["exact"] and not mc["exact"] and mc["n_assignments"] == 210
    assert mc["n_evaluated"] == 1000
    assert mc["min_attainable_p"] == pytest.approx(1 / 1001)
    assert mc["mc_se"] == pytest.approx(np.sqrt(mc["p_value"] * (1 - mc["p_value"]) / 1000))
    assert abs(mc["p_value"] - exact["p_value"]) < 4 * mc["mc_se"] + 1 / 1001
    again = ri.randomization_inference(d, _mean_gap, limit=100, n_draws=1000, seed=4).iloc[0]
    assert again["p_value"] == mc["p_value"]  # seeded: identical each run
    assert "Monte Carlo" in mc["method"]


def test_not_estimable_assignments_count_as_extreme_and_data_is_not_modified():
    d = _panel(6, 2, seed=11)
    before = d.copy()
    treated_units = {"m0", "m1"}

    def stat(x):  # NaN unless the observed treated majors are treated: conservative p = 1
        on = set(x.loc[x.treated_major.astype(bool), "major"])
        return 1.0 if on == treated_units else np.nan

    row = ri.randomization_inference(d, stat, seed=20220901).iloc[0]
    assert row["n_not_estimable"] == 14 and row["p_value"] == 1.0
    pd.testing.assert_frame_equal(d, before)


def test_bad_input_names_unit_column_and_value():
    d = _panel(6, 2, seed=12)
    mixed = d.copy()
    mixed.loc[mixed.index[0], "treated_major"] = False  # m0 is treated in its other rows
    with pytest.raises(EvaluationInputError, match=r"constant within each 'major'.*'m0'"):
        ri.randomization_inference(mixed, _mean_gap, seed=20220901)
    with pytest.raises(EvaluationInputError, match="one value over all units"):
        ri.randomization_inference(d.assign(treated_major=True), _mean_gap, seed=20220901)
    with pytest.raises(EvaluationInputError, match="column 'reform' not in the data"):
        ri.randomization_inference(d, _mean_gap, assignment="reform", seed=20220901)
    with pytest.raises(EvaluationInputError, match="alternative must be one of"):
        ri.randomization_inference(d, _mean_gap, alternative="both", seed=20220901)
    with pytest.raises(EvaluationInputError, match="n_draws must lie in"):
        ri.randomization_inference(d, _mean_gap, n_draws=10**7, seed=20220901)
    with pytest.raises(EvaluationInputError, match="give a statistic or the outcome"):
        ri.randomization_inference(d, seed=20220901)


# ---------------------------------------------------------------------------------------------
# the staggered design (Callaway-Sant'Anna's simple aggregation, issue 22)
# ---------------------------------------------------------------------------------------------

def _staggered_t(d: pd.DataFrame) -> float:
    """The statistic written out with the full estimator: simple aggregation / its influence
    standard error, from staggered_did on the rows."""
    from talentlab.evaluation import staggered_did

    try:
        simple = staggered_did(d, "y", "major", "cohort", "first_treated", panel=False,
                               n_bootstrap=99, seed=20220901).simple.iloc[0]
    except EvaluationInputError:
        return np.nan
    return float(simple["estimate"] / simple["se"])


@pytest.mark.parametrize("alternative", ri.ALTERNATIVES)
def test_staggered_exact_p_value_equals_brute_force_with_the_full_estimator(alternative):
    """5 majors, adoption years {2021, 2023, never x 3}: 20 assignments, each refitted with
    staggered_did on the rows (the fast unit-year sums must give the same statistic)."""
    d = _panel(5, 0, adoption=[2021, 2023, 0, 0, 0], effect=0.8, seed=21, n_per_cell=4)
    row = ri.staggered_randomization_inference(d, "y", unit="major", time="cohort",
                                               first_treated="first_treated",
                                               alternative=alternative, seed=20220901).iloc[0]
    p, n = _brute_force_p(d, _staggered_t, "major", "first_treated", alternative)
    assert row["exact"] and row["n_assignments"] == n == 20
    assert row["estimate"] == pytest.approx(_staggered_t(d), rel=1e-10)
    assert row["p_value"] == pytest.approx(p, abs=1e-15)
    assert row["min_attainable_p"] >= 1 / 20


def test_staggered_monte_carlo_is_seeded_and_agrees_with_enumeration():
    adoption = [2020, 2022, 2022, 2024, 0, 0, 0]  # 7!/(1!2!1!3!) = 420
    d = _panel(7, 0, adoption=adoption, effect=0.3, seed=22, n_per_cell=3)
    kw = {"unit": "major", "time": "cohort", "first_treated": "first_treated"}
    exact = ri.staggered_randomization_inference(d, "y", **kw).iloc[0]
    mc = ri.staggered_randomization_inference(d, "y", limit=100, n_draws=1000, seed=5,
                                              **kw).iloc[0]
    again = ri.staggered_randomization_inference(d, "y", limit=100, n_draws=1000, seed=5,
                                                 **kw).iloc[0]
    assert exact["exact"] and exact["n_assignments"] == 420 and not mc["exact"]
    assert mc["min_attainable_p"] == pytest.approx(1 / 1001)
    assert abs(mc["p_value"] - exact["p_value"]) < 4 * mc["mc_se"] + 1 / 1001
    assert again["p_value"] == mc["p_value"]
    assert "never treated: 3" in exact["groups"] and "2024: 1" in exact["groups"]


def test_staggered_randomization_refuses_what_it_cannot_permute():
    d = _panel(5, 0, adoption=[2021, 2023, 0, 0, 0], seed=23)
    kw = {"unit": "major", "time": "cohort", "first_treated": "first_treated"}
    with pytest.raises(EvaluationInputError, match="never treated"):
        ri.staggered_randomization_inference(d.assign(first_treated=2021), "y", **kw)
    with pytest.raises(EvaluationInputError, match="control must be one of"):
        ri.staggered_randomization_inference(d, "y", control="later", **kw)
    with pytest.raises(EvaluationInputError, match="n_draws must lie in"):
        ri.staggered_randomization_inference(d, "y", n_draws=0, **kw)


def test_staggered_strata_permute_within_each_college_as_brute_force():
    """Two colleges choosing their own schedules: college A's 4 majors adopt {2021, 2023,
    never x 2} (12 orders), college B's 3 {2022, never x 2} (3 orders). Within colleges there
    are 12 x 3 = 36 assignments (the pooled permutation would have 7!/(1!1!1!4!) = 210);
    each refitted with staggered_did on the rows, the p-value is the brute force's."""
    d = _panel(7, 0, adoption=[2021, 2023, 0, 0, 2022, 0, 0], effect=0.6, seed=24,
               n_per_cell=3)
    d["college"] = np.where(d["major"].isin(["m0", "m1", "m2", "m3"]), "A", "B")
    kw = {"unit": "major", "time": "cohort", "first_treated": "first_treated"}
    row = ri.staggered_randomization_inference(d, "y", strata="college", **kw).iloc[0]
    by_college = d.groupby("college", sort=True)
    per_college = [sorted(set(itertools.permutations(
        g.groupby("major", sort=True)["first_treated"].first().tolist()))) for _, g in by_college]
    majors = [sorted(g["major"].unique()) for _, g in by_college]
    observed = _staggered_t(d)
    stats_ = []
    for a, b in itertools.product(*per_college):
        mapping = dict(zip(majors[0] + majors[1], a + b, strict=True))
        stats_.append(_staggered_t(d.assign(first_treated=d["major"].map(mapping).astype(int))))
    stats_ = np.array(stats_)
    brute = float((np.abs(stats_) >= abs(observed) - 1e-9 * max(1.0, abs(observed))).mean())
    assert row["exact"] and row["n_assignments"] == len(stats_) == 36
    assert row["p_value"] == pytest.approx(brute, abs=1e-15)
    assert "within each of 2 strata" in row["method"]
    pooled = ri.staggered_randomization_inference(d, "y", **kw).iloc[0]
    assert pooled["n_assignments"] == 210
    mc = ri.staggered_randomization_inference(d, "y", strata="college", limit=10,
                                              n_draws=400, seed=3, **kw).iloc[0]
    assert not mc["exact"] and abs(mc["p_value"] - brute) < 4 * mc["mc_se"] + 1 / 401
    with pytest.raises(EvaluationInputError, match="constant within each major; major 'm0'"):
        moved = (d["major"] == "m0") & (d["cohort"] == 2025)
        ri.staggered_randomization_inference(d.assign(college=d["college"].mask(moved, "B")),
                                             "y", strata="college", **kw)
