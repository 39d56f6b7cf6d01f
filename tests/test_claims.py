"""Tests of talentlab.claims: the verdict rule (the claims readers, which moved to
talentlab.data.paper, are tested in tests/test_data_paper.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talentlab import claims as cl


def _claim(claim_id, outcome, direction="increase", analysis="zhuhai_did", case="zhuhai"):
    return {"claim_id": claim_id, "section": "5.3", "quote": "rose substantially", "case": case,
            "indicator": "ind", "outcome": outcome, "claimed_direction": direction,
            "testable_with": "graduate records", "analysis": analysis}


def _result(outcome, est, lo, hi, **extra):
    return {"outcome": outcome, "term": "treated_x_post", "estimate": est, "se": 0.01,
            "ci_low": lo, "ci_high": hi, "p_value": 0.01, "alpha": 0.05, "primary": True,
            "method": "test", **extra}


# ----------------------------------------------------------------------------------------------
# judge: each branch of the rule
# ----------------------------------------------------------------------------------------------
@pytest.fixture
def claims():
    return pd.DataFrame([
        _claim("up_ok", "a"),
        _claim("up_wrong", "b"),
        _claim("up_null", "c"),
        _claim("down_ok", "d", "decrease"),
        _claim("not_robust", "e"),
        _claim("no_result", "zz"),
        _claim("no_indicator", None, analysis="not_testable"),
        _claim("six_case", None, "necessary", analysis="qca", case="six_case"),
        _claim("shorter_adaptation", "adaptation_months", "decrease",
               analysis="zhuhai_survival"),
        _claim("longer_is_contradicted", "adaptation_months_b", "decrease",
               analysis="zhuhai_survival"),
        _claim("not_estimable", "f"),
    ])


@pytest.fixture
def results():
    return pd.DataFrame([
        _result("a", 0.10, 0.02, 0.18, p_value=0.001),
        _result("b", -0.10, -0.18, -0.02, p_value=0.001),
        _result("c", 0.03, -0.02, 0.08, p_value=0.30),
        _result("d", -5.0, -9.0, -1.0, p_value=0.001),
        _result("e", 0.10, 0.02, 0.18, p_value=0.001),
        _result("adaptation_months", 1.5, 1.2, 1.9, null_value=1.0, orientation=-1,
                p_value=0.001),
        _result("adaptation_months_b", 0.7, 0.55, 0.9, null_value=1.0, orientation=-1,
                p_value=0.001),
        _result("f", np.nan, np.nan, np.nan, method="not estimable: no treated majors"),
    ])


@pytest.fixture
def sensitivity():
    """Relative-magnitudes results at Mbar = 1: robust for a, b (opposite side) and d; not e."""
    return pd.DataFrame([
        {"outcome": "a", "rm_mbar": 1.0, "rm_ci_low": 0.01, "rm_ci_high": 0.3,
         "breakdown_mbar": 1.6, "pretrend_bound": 0.04, "max_pre_change": 0.02},
        {"outcome": "b", "rm_mbar": 1.0, "rm_ci_low": -0.3, "rm_ci_high": -0.01,
         "breakdown_mbar": 0.0, "pretrend_bound": 0.04, "max_pre_change": 0.02},
        {"outcome": "c", "rm_mbar": 1.0, "rm_ci_low": -0.2, "rm_ci_high": 0.3,
         "breakdown_mbar": 0.0, "pretrend_bound": 0.04, "max_pre_change": 0.02},
        {"outcome": "d", "rm_mbar": 1.0, "rm_ci_low": -12.0, "rm_ci_high": -0.5,
         "breakdown_mbar": 1.2, "pretrend_bound": 2.0, "max_pre_change": 1.0},
        {"outcome": "e", "rm_mbar": 1.0, "rm_ci_low": -0.05, "rm_ci_high": 0.4,
         "breakdown_mbar": 0.4, "pretrend_bound": 0.2, "max_pre_change": 0.1},
    ])


def test_judge_applies_the_rule(claims, results, sensitivity):
    out = cl.judge(claims, results, sensitivity=sensitivity, mde={"c": 0.09})
    out = out.set_index("claim_id")
    verdicts = out["verdict"].to_dict()
    assert verdicts["up_ok"] == "supported"
    assert verdicts["up_wrong"] == "contradicted"
    assert verdicts["up_null"] == "not supported"
    assert verdicts["down_ok"] == "supported"
    # no pre-trend test given: the cause is imprecision, not the pre-trends
    assert verdicts["not_robust"] == "not robust at Mbar = 1"
    assert verdicts["no_result"] == "not testable"
    assert verdicts["no_indicator"] == "not testable"
    assert pd.isna(verdicts["six_case"])
    # significant, but the Cox design has no event study: not shown to survive the bound
    assert verdicts["shorter_adaptation"] == "no sensitivity analysis"
    assert "no parallel-trends sensitivity analysis" in out.loc["shorter_adaptation",
                                                                "verdict_reason"]
    assert verdicts["longer_is_contradicted"] == "not supported"
    assert verdicts["not_estimable"] == "not testable"
    assert out.loc["up_null", "mde"] == 0.09
    assert "minimum detectable effect 0.09" in out.loc["up_null", "verdict_reason"]
    assert "does not survive Mbar = 1" in out.loc["not_robust", "verdict_reason"]
    assert "no treated majors" in out.loc["not_estimable", "verdict_reason"]
    assert "judged by the QCA" in out.loc["six_case", "verdict_reason"]
    assert out.loc["up_ok", "verdict_zh"] == "得到支持"
    assert out.loc["up_ok", "breakdown_mbar"] == 1.6
    # the family: 7 hypotheses with a p-value (f has none), Holm-adjusted
    assert out.loc["up_ok", "family_size"] == 7 and out.loc["up_ok", "adjustment"] == "holm"
    assert out.loc["up_null", "p_adjusted"] == pytest.approx(0.30)
    assert out.loc["up_ok", "p_raw"] == 0.001 and out.loc["up_ok", "p_value"] == 0.001
    assert out.loc["up_ok", "p_adjusted"] == pytest.approx(0.007)
    assert "robust at Mbar = 1" in out.loc["up_ok", "verdict_rule"]
    assert set(cl.VERDICT_COLUMNS) <= set(out.columns)
    assert len(out) == len(claims)


def _family(ps):
    claims = pd.DataFrame([_claim(f"C{i}", f"y{i}") for i in range(len(ps))])
    results = pd.DataFrame([_result(f"y{i}", 0.1, 0.02, 0.18, p_value=p)
                            for i, p in enumerate(ps)])
    sens = pd.DataFrame([{"outcome": f"y{i}", "rm_mbar": 1.0, "rm_ci_low": 0.01,
                          "rm_ci_high": 0.3, "breakdown_mbar": 2.0} for i in range(len(ps))])
    return claims, results, sens


def test_holm_and_benjamini_hochberg_by_hand():
    claims, results, sens = _family([0.01, 0.02, 0.03, 0.04])
    holm = cl.judge(claims, results, sensitivity=sens)
    # Holm: sorted p times (m, m-1, ...), running maximum: 0.04, 0.06, 0.06, 0.06
    assert holm["p_adjusted"].tolist() == pytest.approx([0.04, 0.06, 0.06, 0.06])
    assert holm["verdict"].tolist() == ["supported"] + ["not supported"] * 3
    bh = cl.judge(claims, results, sensitivity=sens, adjustment="bh")
    # BH: p * m / rank, running minimum from the top: 0.04 for all four
    assert bh["p_adjusted"].tolist() == pytest.approx([0.04] * 4)
    assert (bh["verdict"] == "supported").all()
    assert (bh["adjustment"] == "bh").all()
    none = cl.judge(claims, results, sensitivity=sens, adjustment="none")
    assert none["p_adjusted"].tolist() == pytest.approx([0.01, 0.02, 0.03, 0.04])
    with pytest.raises(cl.ClaimsError, match="adjustment must be one of"):
        cl.judge(claims, results, adjustment="bonferroni")


def test_claims_on_one_outcome_are_one_hypothesis():
    claims, results, sens = _family([0.01, 0.02])
    claims = pd.concat([claims, pd.DataFrame([_claim("C0bis", "y0")])], ignore_index=True)
    out = cl.judge(claims, results, sensitivity=sens).set_index("claim_id")
    assert (out["family_size"] == 2).all()
    assert out.loc["C0bis", "p_adjusted"] == out.loc["C0", "p_adjusted"] == pytest.approx(0.02)


def test_the_stated_bound_decides_and_can_be_changed():
    claims, results, sens = _family([0.001])
    sens = sens.assign(rm_mbar=np.nan, rm_ci_low=np.nan, rm_ci_high=np.nan, breakdown_mbar=0.7)
    assert cl.judge(claims, results, sensitivity=sens)["verdict"].iloc[0] == (
        "not robust at Mbar = 1")
    assert cl.judge(claims, results, sensitivity=sens, mbar=0.5)["verdict"].iloc[0] == (
        "supported")
    # without any sensitivity analysis an impact claim is never supported
    assert cl.judge(claims, results)["verdict"].iloc[0] == "no sensitivity analysis"
    # another bound names itself, in both languages
    out = cl.judge(claims, results, sensitivity=sens, mbar=0.9).iloc[0]
    assert (out["verdict"], out["verdict_zh"]) == ("not robust at Mbar = 0.9",
                                                   "在 Mbar = 0.9 下不稳健")


def test_a_non_robust_conclusion_is_named_by_its_cause():
    """The verdict names why a significant conclusion is not robust (issue 22): a rejecting
    pre-period test is a detected violation; a non-rejecting one with a robust interval that
    includes 0 is imprecision; none of the old 'inconclusive (pre-trends)' label."""
    claims, results, sens = _family([0.001])
    sens = sens.assign(rm_ci_low=-0.05, rm_ci_high=0.3, breakdown_mbar=0.6)
    rejects = cl.judge(claims, results, sensitivity=sens, pretrend={"y0": 0.01}).iloc[0]
    assert rejects["verdict"] == "pre-trend violation detected"
    assert rejects["verdict_zh"] == "检测到改革前趋势偏离"
    assert "rejects parallel pre-trends (p = 0.01" in rejects["verdict_reason"]
    quiet = cl.judge(claims, results, sensitivity=sens, pretrend={"y0": 0.6}).iloc[0]
    assert quiet["verdict"] == "not robust at Mbar = 1"
    assert quiet["verdict_zh"] == "在 Mbar = 1 下不稳健"
    assert "too imprecise" in quiet["verdict_reason"]
    assert "not robust at Mbar = 1" in quiet["verdict_rule"]
    # a rejecting pre-period test does not stop a robust conclusion being supported
    robust = cl.judge(claims, results, sensitivity=sens.assign(rm_ci_low=0.01),
                      pretrend={"y0": 0.01}).iloc[0]
    assert robust["verdict"] == "supported"
    assert "inconclusive (pre-trends)" not in cl.VERDICTS
    assert set(cl.VERDICTS) <= set(cl.VERDICT_LABELS_ZH)


def test_activity_claims_are_reported_never_supported():
    claims = pd.DataFrame([_claim("A1", "projects"), _claim("A2", "trainings")]).assign(
        claim_kind="activity")
    results = pd.DataFrame([_result("projects", 6.0, 4.0, 8.0, p_value=1e-6),
                            _result("trainings", 0.0, -1.0, 1.0, p_value=0.9)])
    sens = pd.DataFrame([{"outcome": "projects", "rm_mbar": 1.0, "rm_ci_low": 3.0,
                          "rm_ci_high": 9.0, "breakdown_mbar": 5.0}])
    activity = pd.DataFrame([
        {"outcome": "projects", "treated_post_total": 165.0, "summary": "1.1 -> 7.9 per year"},
        {"outcome": "trainings", "treated_post_total": 0.0, "summary": "none recorded"}])
    out = cl.judge(claims, results, sensitivity=sens, activity=activity).set_index("claim_id")
    assert out.loc["A1", "verdict"] == "reported"
    assert out.loc["A2", "verdict"] == "not observed"
    assert out.loc["A1", "verdict_zh"] == "有记录（活动）"
    assert "1.1 -> 7.9 per year" in out.loc["A1", "verdict_reason"]
    assert out["p_adjusted"].isna().all() and out["p_raw"].isna().all()  # not in the family
    assert out["verdict_rule"].str.startswith("activity: descriptive").all()
    assert out["result_method"].str.startswith("descriptive only, not a test").all()
    # without a summary the records in the results decide
    plain = cl.judge(claims, results)
    assert (plain["verdict"] == "reported").all()


def test_interval_touching_null_is_not_supported(claims, results, sensitivity):
    sub = claims[claims.claim_id == "up_ok"]
    touching = results.assign(ci_low=np.where(results.outcome == "a", 0.0, results.ci_low),
                              p_value=np.where(results.outcome == "a", 0.05, results.p_value))
    assert cl.judge(sub, touching, sensitivity=sensitivity)["verdict"].iloc[0] == "not supported"


def test_primary_row_is_used_and_pretrend_read_from_event_study_rows(claims, sensitivity):
    sub = claims[claims.claim_id == "up_ok"]
    res = pd.DataFrame([
        _result("a", 0.10, -0.01, 0.21, primary=False, p_value=0.06),  # CR1 row, not primary
        _result("a", 0.10, 0.02, 0.18, p_value=0.004),  # primary (wild bootstrap)
        {"outcome": "a", "term": "treated_x_cohort_2019", "estimate": 0.0, "ci_low": -0.1,
         "ci_high": 0.1, "alpha": 0.05, "primary": False, "pretrend_p": 0.04},
    ])
    out = cl.judge(sub, res, sensitivity=sensitivity).iloc[0]
    assert out["ci_low"] == 0.02 and out["p_raw"] == 0.004
    assert out["pretrend_p"] == 0.04  # reported, no longer a gate
    assert out["verdict"] == "supported"


def test_explicit_pretrend_wins_and_results_fill_the_rest(claims, results):
    sub = claims[claims.claim_id.isin(["up_ok", "shorter_adaptation"])]
    res = results.assign(pretrend_p=np.where(results.outcome == "adaptation_months", 0.02,
                                             np.nan))
    res.loc[res.outcome == "a", "pretrend_p"] = 0.01
    out = cl.judge(sub, res, pretrend={"a": 0.6}).set_index("claim_id")
    assert out.loc["up_ok", "pretrend_p"] == 0.6
    assert out.loc["shorter_adaptation", "pretrend_p"] == 0.02


def test_judge_rejects_results_at_another_alpha(claims, results):
    with pytest.raises(cl.ClaimsError, match="computed at alpha"):
        cl.judge(claims, results.assign(alpha=0.10), alpha=0.05)


def test_judge_accepts_result_objects_and_lists(claims, results, sensitivity):
    class Wrapped:
        def __init__(self, frame):
            self.frame = frame

        def to_frame(self):
            return self.frame

    parts = [results.iloc[:3], Wrapped(results.iloc[3:])]
    out = cl.judge(claims, parts, sensitivity=sensitivity)
    assert (out.set_index("claim_id").loc["down_ok", "verdict"]) == "supported"


def test_judge_with_evaluation_results_end_to_end():
    """DiD, event study, sensitivity and MDE on planted data into judge."""
    from talentlab import evaluation as ev
    from talentlab.evaluation import sensitivity as se

    rng = np.random.default_rng(7)
    rows = []
    for maj in [f"T{i}" for i in range(3)] + [f"C{i}" for i in range(5)]:
        for c in range(2018, 2026):
            p = 0.3 + 0.01 * (c - 2018) + 0.45 * (maj.startswith("T") and c >= 2022)
            rows += [(maj, c, maj.startswith("T"), v) for v in rng.random(400) < p]
    df = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])
    es = ev.event_study(df, "y", n_bootstrap=99, reform_cohort=2022, seed=20220901)
    sens = se.relative_magnitudes(es, es.attrs["vcov"], claimed_sign=1)
    results = [ev.did(df, "y", n_bootstrap=999, seed=1, reform_cohort=2022), es]
    mde = ev.minimum_detectable_effect_from_data(df, "y", reform_cohort=2022)
    claims = pd.DataFrame([_claim("C1", "y"), _claim("C2", "y", "decrease")])
    out = cl.judge(claims, results, mde=mde, sensitivity=sens).set_index("claim_id")
    assert out.loc["C1", "verdict"] == "supported", out.loc["C1", "verdict_reason"]
    assert out.loc["C2", "verdict"] in ("contradicted", "not supported")
    assert out.loc["C1", "breakdown_mbar"] >= 1
    assert 0 <= out.loc["C1", "pretrend_p"] <= 1
    assert "wild cluster" in out.loc["C1", "result_method"]


def test_verdict_rule_text_names_every_verdict_and_the_bound():
    for verdict in cl.VERDICTS:
        assert verdict in cl.VERDICT_RULE
        assert cl.VERDICT_LABELS_ZH[verdict] in cl.VERDICT_RULE_ZH
    assert "Mbar = 1" in cl.VERDICT_RULE and "Mbar = 1" in cl.VERDICT_RULE_ZH
    assert "Holm" in cl.VERDICT_RULE and "Rambachan & Roth (2023)" in cl.VERDICT_RULE


def test_a_not_testable_claim_naming_a_measured_outcome_carries_no_numbers(results, sensitivity):
    claims = pd.DataFrame([_claim("up_ok", "a"),
                           _claim("baseline", "a", "decrease", analysis="not_testable")])
    out = cl.judge(claims, results, sensitivity=sensitivity).set_index("claim_id")
    assert out.loc["baseline", "verdict"] == "not testable"
    assert np.isnan(out.loc["baseline", "estimate"]) and np.isnan(out.loc["baseline", "p_raw"])
    assert out.loc["up_ok", "family_size"] == 1
