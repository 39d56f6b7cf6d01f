"""Property tests (hypothesis): ranges, row-order invariance, groups summing to the total,
the vectorised grouping and Kaplan-Meier against pandas and statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from statsmodels.duration.survfunc import SurvfuncRight

import talentlab.indicators as ti
from talentlab.indicators.core import group_index

DEST = ["employed_full_time", "employed_part_time", "self_employed", "military",
        "further_study", "preparing_further_study", "unemployed", "unknown"]
PROPORTIONS = ["counterpart_employment_rate", "employment_rate", "destination_rate",
               "local_employment_rate", "cluster_employment_rate", "turnover_6_months",
               "job_satisfaction_rate", "industry_certificate_rate"]
SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def random_graduates(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dest = rng.integers(0, 8, n)
    employed = dest <= 2
    employee = dest <= 1

    def nb(p, base):  # nullable boolean, missing outside base and now and then inside
        return pd.arrays.BooleanArray(rng.random(n) < p, ~base | (rng.random(n) < 0.1))

    months = np.round(rng.exponential(3, n), 0)
    return pd.DataFrame({
        "student_id": pd.array([f"s{i}" for i in range(n)], dtype="str"),
        "major": pd.array(rng.choice(["a", "b", "c", "电子"], n), dtype="str"),
        "cohort": pd.array(rng.choice([2022, 2023, None], n), dtype="Int64"),
        "destination": pd.Categorical.from_codes(dest, DEST),
        "job_related_to_major": nb(0.6, employed),
        "job_satisfaction": pd.arrays.IntegerArray(rng.integers(1, 6, n), ~employed),
        "employer_id": pd.array(np.where(employee, rng.choice(["e1", "e2", "e3", "e4"], n),
                                         None), dtype="str"),
        "employer_in_cluster": nb(0.4, employed),
        "work_region": pd.Categorical.from_codes(np.where(employed, rng.integers(0, 3, n), -1),
                                                 ["local", "province", "elsewhere"]),
        "adaptation_months": np.where(employed, months, np.nan),
        "adaptation_reached": pd.arrays.BooleanArray(rng.random(n) < 0.7, ~employed),
        "left_within_6_months": nb(0.4, employed),
        "retraining_hours": np.where(employee, np.round(rng.gamma(2, 20, n)), np.nan),
        "industry_certificate": nb(0.5, np.ones(n, bool)),
    })


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(0, 80))
def test_ranges_and_accounting(seed, n):
    df = random_graduates(seed, n)
    out = ti.compute_all({"graduates": df}, by=["major"])
    props = out[out["indicator"].isin(PROPORTIONS)]
    est = props["estimate"].to_numpy()
    defined = props["denominator"].to_numpy() > 0
    assert np.all(np.isnan(est) == ~defined)
    assert np.all((est[defined] >= 0) & (est[defined] <= 1))
    assert np.all(props["ci_low"].to_numpy()[defined] <= est[defined] + 1e-12)
    assert np.all(props["ci_high"].to_numpy()[defined] >= est[defined] - 1e-12)
    assert props.loc[~defined, "method"].str.contains("EMPTY BASE").all()
    # every record of a group is in the base, excluded or unknown (not double counted)
    sizes = df.groupby("major", observed=True).size()
    for code in ["counterpart_employment_rate", "local_employment_rate",
                 "industry_certificate_rate", "turnover_6_months"]:
        part = props[props["indicator"] == code].set_index("major")
        total = part["n"] + part["n_excluded"] + part["n_unknown"]
        assert (total == sizes.reindex(part.index)).all(), code
    km = out[(out["indicator"] == "adaptation_cycle") & (out["statistic"] == "km_median")]
    ok = km["estimate"].notna()
    assert (km.loc[ok, "estimate"] >= 0).all()
    assert (km["events"] + km["censored"] == km["n"]).all()
    rm = out[(out["indicator"] == "adaptation_cycle") & (out["statistic"] == "restricted_mean")]
    has = rm["n"] > 0
    assert ((rm.loc[has, "estimate"] >= 0) & (rm.loc[has, "estimate"] <= 12.0)).all()


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60))
def test_row_order_invariance(seed, n):
    df = random_graduates(seed, n)
    shuffled = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    a = ti.compute_all({"graduates": df}, by=["major", "cohort"])
    b = ti.compute_all({"graduates": shuffled}, by=["major", "cohort"])
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9)


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60))
def test_groups_sum_to_the_total(seed, n):
    df = random_graduates(seed, n)
    total = ti.compute_all({"graduates": df}, indicators=PROPORTIONS + ["retraining_hours"])
    grouped = ti.compute_all({"graduates": df}, by=["major", "work_region"],
                             indicators=PROPORTIONS + ["retraining_hours"])
    for code in PROPORTIONS + ["retraining_hours"]:
        t = total[total["indicator"] == code]
        g = grouped[grouped["indicator"] == code]
        for col in ["numerator", "denominator", "n", "n_excluded", "n_unknown"]:
            assert g[col].sum() == pytest.approx(t[col].sum()), (code, col)


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(0, 50))
def test_group_index_equals_pandas_groupby(seed, n):
    df = random_graduates(seed, n)
    by = ["cohort", "major", "work_region"]
    codes, keys = group_index(df, by, "test", "graduates")
    gb = df.groupby(by, sort=True, dropna=False, observed=True)
    assert np.array_equal(codes, gb.ngroup().to_numpy())
    expected = gb.size().index.to_frame(index=False)
    pd.testing.assert_frame_equal(keys, expected, check_dtype=True)


@SETTINGS
@given(seed=st.integers(0, 10_000), n=st.integers(2, 60))
def test_km_equals_statsmodels_per_group(seed, n):
    df = random_graduates(seed, n)
    df["destination"] = pd.Categorical(["employed_full_time"] * n, categories=DEST)
    df["adaptation_months"] = np.round(np.random.default_rng(seed).exponential(3, n), 0)
    df["adaptation_reached"] = df["adaptation_reached"].fillna(True)
    out = ti.adaptation_cycle(df, by="major")
    tab = ti.adaptation_km_table(df, by="major")
    for major, sub in df.groupby("major"):
        t = sub["adaptation_months"].to_numpy()
        e = sub["adaptation_reached"].to_numpy(dtype=float)
        row = out[(out["major"] == major) & (out["statistic"] == "km_median")].iloc[0]
        if e.sum() == 0:
            assert np.isnan(row["estimate"]) and "ALL CENSORED" in row["method"]
            continue
        sf = SurvfuncRight(t, e)
        mine = tab[tab["major"] == major]
        np.testing.assert_allclose(mine["survival"], sf.surv_prob, atol=1e-12)
        np.testing.assert_allclose(mine["se"], sf.surv_prob_se, atol=1e-12)
        np.testing.assert_array_equal(mine["n_risk"], sf.n_risk)
        with np.errstate(all="ignore"):
            q = sf.quantile(0.5)
            lo, hi = sf.quantile_ci(0.5)
        tie = np.abs(sf.surv_prob - 0.5) < 1e-12
        if tie.any():
            # S = 0.5 exactly (e.g. 6/12): statsmodels' product may round it to 0.49999999999999994
            # and stop there; the rule "first S strictly below 0.5" takes the next time
            below = np.flatnonzero(sf.surv_prob < 0.5 - 1e-12)
            q = sf.surv_times[below[0]] if len(below) else np.nan
        np.testing.assert_equal([row["estimate"], row["ci_low"], row["ci_high"]], [q, lo, hi])


def test_km_median_when_survival_equals_one_half_exactly():
    # 12 graduates reach independent work one per month at 1..7, five are censored at 8:
    # S(6) = 6/12 = 0.5 exactly (exp of a sum of logs gives 0.49999999999999994), so the first
    # time S is strictly below 0.5 is month 7.
    months = [1, 2, 3, 4, 5, 6, 7, 8, 8, 8, 8, 8]
    reached = [True] * 7 + [False] * 5
    df = pd.DataFrame({"major": ["m"] * 12, "adaptation_months": np.array(months, float),
                       "adaptation_reached": reached})
    df["destination"] = pd.Categorical(["employed_full_time"] * 12, categories=DEST)
    out = ti.adaptation_cycle(df, by="major")
    row = out[out["statistic"] == "km_median"].iloc[0]
    assert row["estimate"] == 7.0
