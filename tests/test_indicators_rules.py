"""Hand-computed small cases for every denominator rule, edge groups and input errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pingouin as pg
import pytest
import statsmodels.api as sm
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time

import talentlab.indicators as ti
from talentlab.data.codebook import codebook
from talentlab.indicators import IndicatorInputError, compute_all

DEST = ["employed_full_time", "employed_part_time", "self_employed", "military",
        "further_study", "preparing_further_study", "unemployed", "unknown"]
FT, PT, SE, MIL, FS, PFS, UN, UNK = DEST
NA = None


def grads(rows: list[tuple]) -> pd.DataFrame:
    """Graduates in the contract's dtypes from (destination, related, region, cluster, left,
    satisfaction, hours, employer, certificate, months, reached, major) tuples."""
    cols = ["destination", "job_related_to_major", "work_region", "employer_in_cluster",
            "left_within_6_months", "job_satisfaction", "retraining_hours", "employer_id",
            "industry_certificate", "adaptation_months", "adaptation_reached", "major"]
    raw = pd.DataFrame(rows, columns=cols)
    n = len(raw)
    return pd.DataFrame({
        "student_id": pd.array([f"s{i}" for i in range(n)], dtype="str"),
        "college": pd.array(["c1"] * n, dtype="str"),
        "major": pd.array(raw["major"], dtype="str"),
        "cohort": pd.array([2023] * n, dtype="Int64"),
        "treated_major": np.array([True] * n),
        "destination": pd.Categorical(raw["destination"], categories=DEST),
        "job_related_to_major": pd.array(raw["job_related_to_major"], dtype="boolean"),
        "job_satisfaction": pd.array(raw["job_satisfaction"], dtype="Int64"),
        "employer_id": pd.array(raw["employer_id"], dtype="str"),
        "employer_in_cluster": pd.array(raw["employer_in_cluster"], dtype="boolean"),
        "employer_tier": pd.Categorical([None] * n, categories=["leading", "sme"]),
        "work_region": pd.Categorical(raw["work_region"],
                                      categories=["local", "province", "elsewhere"]),
        "adaptation_months": pd.array(raw["adaptation_months"], dtype="float64"),
        "adaptation_reached": pd.array(raw["adaptation_reached"], dtype="boolean"),
        "left_within_6_months": pd.array(raw["left_within_6_months"], dtype="boolean"),
        "retraining_hours": pd.array(raw["retraining_hours"], dtype="float64"),
        "industry_certificate": pd.array(raw["industry_certificate"], dtype="boolean"),
        "order_class": np.array([False] * n),
    })


HAND = grads([
    # dest, related, region, cluster, left, sat, hours, employer, cert, months, reached, major
    (FT, True, "local", True, False, 5, 10.0, "e1", True, 2.0, True, "m1"),
    (FT, False, "province", False, True, 4, 20.0, "e1", False, 3.0, True, "m1"),
    (FT, NA, "local", NA, True, NA, NA, "e2", True, 5.0, False, "m1"),
    (PT, True, "local", True, False, 2, 30.0, "e2", NA, 1.0, True, "m1"),
    (SE, True, "elsewhere", False, False, 3, NA, NA, True, 4.0, True, "m1"),
    (MIL, NA, NA, NA, NA, NA, NA, NA, False, NA, NA, "m1"),
    (FS, NA, NA, NA, NA, NA, NA, NA, True, NA, NA, "m1"),
    (PFS, NA, NA, NA, NA, NA, NA, NA, False, NA, NA, "m1"),
    (UN, NA, NA, NA, NA, NA, NA, NA, True, NA, NA, "m1"),
    (UNK, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, "m1"),
    (FT, True, "local", True, False, 4, 40.0, "e3", True, 6.0, False, "m2"),
    (UN, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, "m2"),
])


def one(df: pd.DataFrame, statistic: str | None = None) -> pd.Series:
    if statistic is not None:
        df = df[df["statistic"] == statistic]
    assert len(df) == 1
    return df.iloc[0]


def counts(r: pd.Series) -> tuple:
    return (r["numerator"], r["denominator"], r["n_excluded"], r["n_unknown"])


# ---- denominators ----------------------------------------------------------------------------

def test_counterpart_full_time_base_excludes_part_time_self_employed_and_nonresponse():
    r = one(ti.counterpart_employment_rate(HAND))
    # FT rows 1, 2, 3, 11; row 3 has no answer; part-time row 4 (related) is NOT counted
    assert counts(r) == (2, 3, 8, 1)
    assert r["estimate"] == pytest.approx(2 / 3)
    assert "full time" in r["method"] and "n_unknown" in r["method"]


def test_counterpart_all_employed_variant():
    r = one(ti.counterpart_employment_rate(HAND, denominator="all_employed"))
    # employed rows 1-5, 11; known 1, 2, 4, 5, 11; related 1, 4, 5, 11
    assert counts(r) == (4, 5, 6, 1)
    assert r["statistic"] == "proportion_all_employed"


def test_employment_rate_counts_further_study_and_military_and_removes_preparing():
    r = one(ti.employment_rate(HAND))
    # numerator: FT x4, PT, SE, military, further study = 8; base 12 - preparing - unknown
    assert counts(r) == (8, 10, 1, 1)
    assert r["estimate"] == pytest.approx(0.8)
    assert "1 unknown destination(s)" in r["method"] and "excluded" in r["method"]


def test_employment_rate_unknown_as_not_employed():
    r = one(ti.employment_rate(HAND, unknown="not_employed"))
    assert counts(r) == (8, 11, 1, 1)
    assert "kept in the base as not employed" in r["method"]


def test_destination_rate_base_is_all_graduates():
    r = one(ti.destination_rate(HAND))
    assert counts(r) == (8, 12, 0, 1)
    assert "kept in the base as not placed" in r["method"]
    r = one(ti.destination_rate(HAND, unknown="exclude"))
    assert counts(r) == (8, 11, 0, 1)


def test_local_employment_rate_over_the_employed_with_explicit_geography():
    r = one(ti.local_employment_rate(HAND))
    assert counts(r) == (4, 6, 6, 0)
    r = one(ti.local_employment_rate(HAND, regions=["local", "province"]))
    assert counts(r) == (5, 6, 6, 0)
    assert "['local', 'province']" in r["method"]


def test_cluster_turnover_satisfaction_certificate():
    assert counts(one(ti.cluster_employment_rate(HAND))) == (3, 5, 6, 1)
    assert counts(one(ti.turnover_6_months(HAND))) == (2, 6, 6, 0)
    assert counts(one(ti.job_satisfaction_rate(HAND))) == (3, 5, 6, 1)
    # certificate: base = all graduates with an answer (rows 4, 10 and 12 lack one)
    assert counts(one(ti.industry_certificate_rate(HAND))) == (6, 9, 0, 3)


def test_retraining_hours_employees_only_and_cluster_robust_se_equals_statsmodels():
    r = one(ti.retraining_hours(HAND))
    assert counts(r) == (100, 4, 7, 1)  # self-employed row 5 is not an employee
    assert r["estimate"] == 25
    y = np.array([10.0, 20.0, 30.0, 40.0])
    fit = sm.OLS(y, np.ones(4)).fit(cov_type="cluster",
                                    cov_kwds={"groups": np.array([0, 0, 1, 2])}, use_t=True)
    assert r["se"] == pytest.approx(fit.bse[0], rel=1e-12)
    lo, hi = fit.conf_int(alpha=0.05)[0]
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((lo, hi), rel=1e-12)
    assert r["n_clusters"] == 3
    plain = one(ti.retraining_hours(HAND, cluster=None))
    assert plain["se"] == pytest.approx(np.std(y, ddof=1) / 2)


@pytest.mark.parametrize("dense_cells", [20_000_000, 0])
def test_retraining_cluster_se_many_employers_both_paths(monkeypatch, dense_cells):
    import talentlab.indicators.graduate as graduate

    monkeypatch.setattr(graduate, "DENSE_CELLS", dense_cells)
    rng = np.random.default_rng(5)
    n = 300
    emp = [f"e{i}" for i in rng.integers(0, 120, n)]
    major = rng.choice(["a", "b"], n)
    hours = rng.gamma(2, 10, n)
    df = grads([(FT, NA, NA, NA, NA, NA, float(hours[i]), emp[i], NA, NA, NA, major[i])
                for i in range(n)])
    out = ti.retraining_hours(df, by="major").set_index("major")
    for m in ["a", "b"]:
        sel = major == m
        fit = sm.OLS(hours[sel], np.ones(sel.sum())).fit(
            cov_type="cluster", cov_kwds={"groups": pd.factorize(np.array(emp)[sel])[0]},
            use_t=True)
        assert out.loc[m, "se"] == pytest.approx(fit.bse[0], rel=1e-10)
        assert out.loc[m, "n_clusters"] == len(set(np.array(emp)[sel]))


def test_adaptation_cycle_hand_computed():
    out = ti.adaptation_cycle(HAND)
    med = one(out, "km_median")
    # employed: (2,e) (3,e) (5,c) (1,e) (4,e) (6,c): S = 5/6, 4/6, 3/6, 1/3 at 1, 2, 3, 4
    assert med["estimate"] == 4.0  # first time with S < 0.5
    assert (med["n"], med["events"], med["censored"], med["n_excluded"]) == (6, 4, 2, 6)
    rm = one(out, "restricted_mean")
    assert rm["estimate"] == pytest.approx(1 + 5 / 6 + 4 / 6 + 3 / 6 + 8 / 3)
    kmf = KaplanMeierFitter().fit([2, 3, 5, 1, 4, 6], [1, 1, 0, 1, 1, 0])
    assert rm["estimate"] == pytest.approx(restricted_mean_survival_time(kmf, t=12.0))


def test_rmst_standard_error_matches_independent_loop():
    rng = np.random.default_rng(3)
    t = np.round(rng.exponential(4, 40), 1)
    e = rng.random(40) < 0.7
    df = grads([(FT, NA, NA, NA, NA, NA, NA, NA, NA, float(a), bool(b), "m")
                for a, b in zip(t, e, strict=True)])
    rm = one(ti.adaptation_cycle(df, horizon=6.0), "restricted_mean")
    # independent textbook computation: loop over distinct event times
    times = np.unique(t[e])
    s = 1.0
    rows = []
    for u in times:
        n_risk = (t >= u).sum()
        d = ((t == u) & e).sum()
        s *= 1 - d / n_risk
        rows.append((u, n_risk, d, s))
    var = 0.0
    for j, (u, n_risk, d, _) in enumerate(rows):
        if u > 6.0:
            break
        area = 0.0
        for k in range(j, len(rows)):
            if rows[k][0] > 6.0:
                break
            nxt = rows[k + 1][0] if k + 1 < len(rows) and rows[k + 1][0] <= 6.0 else 6.0
            area += rows[k][3] * (nxt - rows[k][0])
        if n_risk > d:
            var += area**2 * d / (n_risk * (n_risk - d))
    assert rm["se"] == pytest.approx(np.sqrt(var), rel=1e-10)


# ---- groups: empty, one, all censored, missing keys ------------------------------------------

def test_grouped_results_and_group_of_one():
    r = ti.counterpart_employment_rate(HAND, by="major").set_index("major")
    assert counts(r.loc["m1"]) == (1, 2, 7, 1)
    assert r.loc["m2", "estimate"] == 1.0 and r.loc["m2", "n"] == 1
    assert "group of one" in r.loc["m2", "method"]
    assert bool(r.loc["m2", "suppressed"]) and bool(r.loc["m1", "suppressed"])
    # the library refuses a threshold below the disclosure floor, as the CLI and the report do
    with pytest.raises(ValueError, match="below the minimum of 5"):
        ti.counterpart_employment_rate(HAND, min_cell=2)


def test_all_censored_group_explained_not_silent():
    out = ti.adaptation_cycle(HAND, by="major")
    med = out[(out["major"] == "m2") & (out["statistic"] == "km_median")].iloc[0]
    assert np.isnan(med["estimate"]) and "ALL CENSORED" in med["method"]
    rm = out[(out["major"] == "m2") & (out["statistic"] == "restricted_mean")].iloc[0]
    assert rm["estimate"] == 12.0 and "ALL CENSORED" in rm["method"]


def test_empty_base_group_returns_row_with_explanation():
    df = pd.concat([HAND, grads([(UN, NA, NA, NA, NA, NA, NA, NA, True, NA, NA, "m3")])],
                   ignore_index=True)
    for fn in [ti.counterpart_employment_rate, ti.local_employment_rate, ti.turnover_6_months,
               ti.retraining_hours]:
        r = fn(df, by="major").set_index("major").loc["m3"]
        assert r["n"] == 0 and np.isnan(r["estimate"]), fn.__name__
        assert "EMPTY BASE" in r["method"], fn.__name__
        assert bool(r["suppressed"])
    out = ti.adaptation_cycle(df, by="major")
    m3 = out[out["major"] == "m3"]
    assert len(m3) == 2 and m3["method"].str.contains("EMPTY BASE").all()


def test_empty_table():
    empty = HAND.iloc[:0]
    r = one(ti.employment_rate(empty))
    assert r["n"] == 0 and "EMPTY BASE" in r["method"]
    assert len(ti.employment_rate(empty, by="major")) == 0
    out = ti.adaptation_cycle(empty)
    assert len(out) == 2 and out["method"].str.contains("EMPTY BASE").all()


def test_missing_group_key_is_a_group_not_dropped():
    r = ti.employment_rate(HAND, by="work_region")
    assert r["work_region"].isna().sum() == 1
    assert r["denominator"].sum() == one(ti.employment_rate(HAND))["denominator"]
    assert isinstance(r["work_region"].dtype, pd.CategoricalDtype)


# ---- enterprise recognition, programmes, three-party ------------------------------------------

def ratings() -> pd.DataFrame:
    items = {
        "practical_skill": [5, 4, 3, 2, 4, 5, None],
        "post_adaptability": [5, 4, 3, 2, 4, 4, None],
        "professional_quality": [4, 4, 3, 1, 5, 5, 3],
        "problem_solving": [5, 3, 2, 2, 4, 4, None],
        "learning_ability": [5, 4, 3, 1, 4, 5, None],
    }
    return pd.DataFrame({
        "rating_id": pd.array([f"r{i}" for i in range(7)], dtype="str"),
        "student_id": pd.array(["s0", "s1", "s2", "s3", "s10", "s0", "s1"], dtype="str"),
        "employer_id": pd.array(["e1", "e1", "e2", "e2", "e3", "e1", "e1"], dtype="str"),
        "rater_id": pd.array([f"p{i}" for i in range(7)], dtype="str"),
        **{k: pd.array(v, dtype="Int64") for k, v in items.items()},
        "overall_satisfaction": pd.array([5, 4, 0, 2, 4, None, 3], dtype="Int64"),
        "would_hire_again": pd.array([True] * 7, dtype="boolean"),
    })


def test_enterprise_recognition_hand_computed_and_against_libraries():
    r = ratings()
    out = ti.enterprise_recognition(r).set_index("indicator")
    score = out.loc["enterprise_recognition_score"]
    item_cols = ["practical_skill", "post_adaptability", "professional_quality",
                 "problem_solving", "learning_ability"]
    items = r[item_cols].to_numpy(dtype=float, na_value=np.nan)
    per = 100 * (np.nanmean(items[:6], axis=1) - 1) / 4  # rating 7 answered 1 item < 3
    assert score["estimate"] == pytest.approx(per.mean())
    assert (score["n"], score["n_unknown"]) == (6, 1)
    fit = sm.OLS(per, np.ones(6)).fit(cov_type="cluster",
                                      cov_kwds={"groups": np.array([0, 0, 1, 1, 2, 0])},
                                      use_t=True)
    assert score["se"] == pytest.approx(fit.bse[0])
    share = out.loc["enterprise_satisfaction_share"]
    # valid 1-5: 5, 4, 2, 4, 3 -> 3 of 5; the 0 (cannot evaluate) excluded, one missing
    assert counts(share) == (3, 5, 1, 1)
    assert share["ci_low"] < 0.6 < share["ci_high"]
    alpha = out.loc["enterprise_recognition_alpha"]
    a, _ = pg.cronbach_alpha(pd.DataFrame(items[:6], columns=item_cols))
    assert alpha["estimate"] == pytest.approx(a) and alpha["n"] == 6


def test_enterprise_recognition_groups_from_graduates():
    out = ti.enterprise_recognition(ratings(), by="major", graduates=HAND)
    assert set(out["major"]) == {"m1", "m2"}
    with pytest.raises(IndicatorInputError, match="graduates="):
        ti.enterprise_recognition(ratings(), by="major")


def test_enterprise_satisfaction_clustering_widens_interval():
    rng = np.random.default_rng(0)
    emp = np.repeat([f"e{i}" for i in range(10)], 20)
    sat = np.repeat(rng.choice([2, 5], 10), 20)  # perfectly clustered answers
    r = pd.DataFrame({c: pd.array(np.full(200, 4), dtype="Int64") for c in
                      ["practical_skill", "post_adaptability", "professional_quality",
                       "problem_solving", "learning_ability"]})
    r["overall_satisfaction"] = pd.array(sat, dtype="Int64")
    r["employer_id"] = pd.array(emp, dtype="str")
    clustered = one(ti.enterprise_recognition(r).query(
        "indicator == 'enterprise_satisfaction_share'"))
    naive = one(ti.enterprise_recognition(r, cluster=None).query(
        "indicator == 'enterprise_satisfaction_share'"))
    assert (clustered["ci_high"] - clustered["ci_low"]) > 2 * (naive["ci_high"] - naive["ci_low"])


def test_programme_ratios_are_ratios_of_sums():
    p = pd.DataFrame({
        "college": pd.array(["c1", "c1", "c2"], dtype="str"),
        "major": pd.array(["a", "a", "b"], dtype="str"),
        "year": pd.array([2022, 2023, 2023], dtype="Int64"),
        "specialised_teachers": pd.array([10, 30, 0], dtype="Int64"),
        "double_qualified_teachers": pd.array([5, 21, 0], dtype="Int64"),
        "enterprise_part_time_teachers": pd.array([4, 4, 1], dtype="Int64"),
        "courses_total": pd.array([20, 20, 10], dtype="Int64"),
        "courses_co_developed": pd.array([2, 6, 10], dtype="Int64"),
        "students_enrolled": pd.array([100, 100, 50], dtype="Int64"),
        "order_class_students": pd.array([10, 30, 0], dtype="Int64"),
    })
    r = ti.double_qualified_teacher_ratio(p, by="major").set_index("major")
    assert r.loc["a", "estimate"] == pytest.approx(26 / 40)  # not the mean of 0.5 and 0.7
    assert "EMPTY BASE" in r.loc["b", "method"]
    assert one(ti.co_developed_course_share(p))["estimate"] == pytest.approx(18 / 50)
    assert one(ti.order_class_share(p))["estimate"] == pytest.approx(40 / 250)
    bad = p.assign(courses_co_developed=pd.array([30, 6, 10], dtype="Int64"))
    with pytest.raises(IndicatorInputError, match="courses_co_developed <= courses_total"):
        ti.co_developed_course_share(bad)


def evaluations() -> pd.DataFrame:
    rows = []
    scores = {"s0": (80, 70, 75), "s1": (60, 65, 62), "s2": (90, 85, 95),
              "s3": (70, 72, 68), "s10": (50, 40, 45)}
    for sid, vals in scores.items():
        for party, v in zip(["school", "enterprise", "industry"], vals, strict=True):
            rows.append((sid, party, f"{party}-1", "skill", float(v)))
            rows.append((sid, party, f"{party}-2", "skill", float(v) + 2))
    df = pd.DataFrame(rows, columns=["student_id", "party", "evaluator_id", "dimension",
                                     "score"])
    df["party"] = pd.Categorical(df["party"], categories=["school", "enterprise", "industry"])
    return df


def test_three_party_weighted_composite_and_missing_party():
    ev = evaluations()
    ev = ev[~((ev["student_id"] == "s10") & (ev["party"] == "industry"))]
    out = ti.three_party_evaluation(ev, weights={"school": 0.5, "enterprise": 0.3,
                                                 "industry": 0.2}).set_index("statistic")
    assert out.loc["mean_school", "estimate"] == pytest.approx((81 + 61 + 91 + 71 + 51) / 5)
    assert out.loc["mean_industry", "n"] == 4
    comp = np.mean([0.5 * a + 0.3 * b + 0.2 * c + 1 for a, b, c in
                    [(80, 70, 75), (60, 65, 62), (90, 85, 95), (70, 72, 68)]])
    assert out.loc["weighted_composite", "estimate"] == pytest.approx(comp)
    assert out.loc["weighted_composite", "n_unknown"] == 1
    assert "ICC(2,1)" in out.index


def test_three_party_small_group_explained():
    ev = evaluations()
    ev = ev[ev["student_id"].isin(["s0", "s1"])]
    out = ti.three_party_evaluation(ev).set_index("statistic")
    assert np.isnan(out.loc["ICC(2,1)", "estimate"])
    assert "fewer than 3 graduates" in out.loc["ICC(2,1)", "method"]


# ---- compute_all and compare -----------------------------------------------------------------

def test_compute_all_every_indicator_in_the_codebook():
    data = {"graduates": HAND, "employer_ratings": ratings(), "evaluations": evaluations(),
            "programmes": pd.DataFrame({
                "major": pd.array(["m1"], dtype="str"),
                "specialised_teachers": pd.array([10], dtype="Int64"),
                "double_qualified_teachers": pd.array([6], dtype="Int64"),
                "courses_total": pd.array([10], dtype="Int64"),
                "courses_co_developed": pd.array([3], dtype="Int64"),
                "students_enrolled": pd.array([10], dtype="Int64"),
                "order_class_students": pd.array([1], dtype="Int64")})}
    out = compute_all(data, by=["major"])
    assert set(out["indicator"]) == set(codebook()["code"])
    assert list(out.columns[:2]) == ["major", "indicator"]
    assert out["label_zh"].str.len().gt(0).all()
    assert out.loc[out["indicator"] == "order_class_share", "method"].str.contains(
        "grouped by").sum() == 0  # programmes have major
    out2 = compute_all(data, by=["cohort"], indicators=["order_class_share"])
    assert out2["method"].str.contains("programmes have no").all()
    # compute_all equals the single functions
    single = ti.turnover_6_months(HAND, by="major")
    part = out[out["indicator"] == "turnover_6_months"].reset_index(drop=True)
    pd.testing.assert_frame_equal(part[single.columns], single, check_dtype=False)


def test_compute_all_bad_requests():
    with pytest.raises(IndicatorInputError, match="unknown indicator"):
        compute_all({"graduates": HAND}, indicators=["nope"])
    with pytest.raises(IndicatorInputError, match="employer_ratings"):
        compute_all({"graduates": HAND}, indicators=["enterprise_recognition"])
    out = compute_all({"graduates": HAND.drop(columns=["job_satisfaction"])})
    assert "job_satisfaction_rate" not in set(out["indicator"])


def test_compare_means_welch_and_refusals():
    t = ti.retraining_hours(HAND, by="major", cluster=None).query("major == 'm1'")
    t2 = pd.concat([t, t.assign(major="m3", estimate=t["estimate"] + 5)], ignore_index=True)
    res = ti.compare(t2, "major", "m3", "m1", indicator="retraining_hours").iloc[0]
    assert res["estimate"] == pytest.approx(5)
    assert res["ci_low"] < 5 < res["ci_high"] and "Welch" in res["method"]
    ev = ti.three_party_evaluation(evaluations(), by="student_id")
    with pytest.raises(IndicatorInputError, match="not comparable"):
        ti.compare(ev, "student_id", "s0", "s1", indicator="three_party_evaluation",
                   statistic="ICC(2,1)")
    with pytest.raises(IndicatorInputError, match="statistic="):
        ti.compare(ti.adaptation_cycle(HAND, by="major"), "major", "m1", "m2",
                   indicator="adaptation_cycle")


def test_compare_on_data_matches_newcombe():
    res = ti.compare({"graduates": HAND}, "major", "m1", "m2", indicator="employment_rate")
    r = res.iloc[0]
    nd = ti.newcombe_difference(7, 8, 1, 2).iloc[0]
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((nd["ci_low"], nd["ci_high"]))


# ---- input errors ----------------------------------------------------------------------------

def test_clear_errors():
    with pytest.raises(IndicatorInputError, match="lacks column"):
        ti.turnover_6_months(HAND.drop(columns=["left_within_6_months"]))
    bad = HAND.assign(destination=HAND["destination"].astype(str).replace(UN, "jobless"))
    with pytest.raises(IndicatorInputError, match="jobless"):
        ti.employment_rate(bad)
    with pytest.raises(IndicatorInputError, match="denominator"):
        ti.counterpart_employment_rate(HAND, denominator="everyone")
    with pytest.raises(IndicatorInputError, match="alpha"):
        ti.employment_rate(HAND, alpha=5)
    with pytest.raises(IndicatorInputError, match="lacks column"):
        ti.employment_rate(HAND, by="nonexistent")
    with pytest.raises(IndicatorInputError, match="regions"):
        ti.local_employment_rate(HAND, regions=["mars"])
    with pytest.raises(IndicatorInputError, match="0 <= successes <= n"):
        ti.wilson_interval(5, 3)
    assert issubclass(IndicatorInputError, ValueError)


def test_string_destination_accepted_like_category():
    as_str = HAND.assign(destination=HAND["destination"].astype("str"))
    pd.testing.assert_frame_equal(ti.employment_rate(as_str), ti.employment_rate(HAND))


def test_alpha_sets_the_interval_level_and_the_confidence_column_states_it():
    # issue 24: the interval level is `alpha` everywhere (an interval at level 1 - alpha);
    # the output column `confidence` keeps stating the level
    from statsmodels.stats.proportion import proportion_confint

    r = ti.employment_rate(HAND, alpha=0.1).iloc[0]
    lo, hi = proportion_confint(r["numerator"], r["denominator"], alpha=0.1, method="wilson")
    assert (r["ci_low"], r["ci_high"]) == (lo, hi)
    assert r["confidence"] == 0.9
    assert ti.compute_all({"graduates": HAND}, alpha=0.01)["confidence"].eq(0.99).all()
    with pytest.raises(IndicatorInputError, match="alpha"):
        ti.wilson_interval(3, 10, alpha=True)
