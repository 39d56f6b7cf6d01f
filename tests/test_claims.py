"""Tests of talentlab.claims: loading the claims table and the verdict rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talentlab import claims as cl

HEADER = ("claim_id,section,quote,case,indicator,outcome,claimed_direction,testable_with,"
          "analysis\n")


def _claim(claim_id, outcome, direction="increase", analysis="zhuhai_did", case="zhuhai"):
    return {"claim_id": claim_id, "section": "5.3", "quote": "rose substantially", "case": case,
            "indicator": "ind", "outcome": outcome, "claimed_direction": direction,
            "testable_with": "graduate records", "analysis": analysis}


def _result(outcome, est, lo, hi, **extra):
    return {"outcome": outcome, "term": "treated_x_post", "estimate": est, "se": 0.01,
            "ci_low": lo, "ci_high": hi, "p_value": 0.01, "alpha": 0.05, "primary": True,
            "method": "test", **extra}


# ----------------------------------------------------------------------------------------------
# load_claims
# ----------------------------------------------------------------------------------------------
def test_load_claims_reads_utf8_bom_and_chinese(tmp_path):
    path = tmp_path / "claims.csv"
    text = (HEADER + "C1,5.3.1,对口就业率大幅提升,zhuhai,counterpart,job_related_to_major,"
            "increase,graduate records,zhuhai_did\n"
            "C2,3.1,\"quote, with comma\",six_case,,,necessary,cases,qca\n")
    path.write_bytes(text.encode("utf-8-sig"))
    claims = cl.load_claims(path)
    assert claims["claim_id"].tolist() == ["C1", "C2"]
    assert claims.loc[0, "quote"] == "对口就业率大幅提升"
    assert claims.loc[1, "quote"] == "quote, with comma"
    assert pd.isna(claims.loc[1, "outcome"]) and pd.isna(claims.loc[1, "indicator"])
    assert list(claims.columns) == cl.CLAIM_COLUMNS


def test_load_claims_lists_every_problem_with_rows(tmp_path):
    path = tmp_path / "claims.csv"
    path.write_text(HEADER
                    + "C1,5.3,q,zhuhai,x,y,rises,d,zhuhai_did\n"  # bad direction
                    + "C1,5.3,q,zhuhai,x,,increase,d,zhuhai_did\n"  # dup id, no outcome
                    + "C3,5.3,q,zhuhai,x,y,increase,d,regression\n",  # bad analysis
                    encoding="utf-8")
    with pytest.raises(cl.ClaimsError) as err:
        cl.load_claims(path)
    msg = str(err.value)
    assert "4 problem(s)" in msg
    assert "row 2, column 'claimed_direction', value 'rises'" in msg
    assert "row 3, column 'outcome': required" in msg
    assert "row 4, column 'analysis', value 'regression'" in msg
    assert "'C1': duplicated" in msg


def test_load_claims_missing_file_and_columns(tmp_path):
    with pytest.raises(cl.ClaimsError, match="not found"):
        cl.load_claims(tmp_path / "nope.csv")
    path = tmp_path / "claims.csv"
    path.write_text("claim_id,quote\nC1,q\n", encoding="utf-8")
    with pytest.raises(cl.ClaimsError, match="missing column"):
        cl.load_claims(path)


def test_default_path_is_project_data_raw(project_root):
    assert cl.default_claims_path() == project_root / "data" / "raw" / "claims.csv"


def test_shipped_claims_file_loads_if_present():
    if not cl.default_claims_path().is_file():
        pytest.skip("data/raw/claims.csv not written yet")
    claims = cl.load_claims()
    assert claims["claim_id"].is_unique
    assert set(claims["analysis"]) <= set(cl.ANALYSES)


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
        _claim("pretrend", "e"),
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
        _result("a", 0.10, 0.02, 0.18),
        _result("b", -0.10, -0.18, -0.02),
        _result("c", 0.03, -0.02, 0.08),
        _result("d", -5.0, -9.0, -1.0),
        _result("e", 0.10, 0.02, 0.18),
        _result("adaptation_months", 1.5, 1.2, 1.9, null_value=1.0, orientation=-1),
        _result("adaptation_months_b", 0.7, 0.55, 0.9, null_value=1.0, orientation=-1),
        _result("f", np.nan, np.nan, np.nan, method="not estimable: no treated majors"),
    ])


def test_judge_applies_the_rule(claims, results):
    pre = pd.DataFrame({"outcome": ["a", "b", "c", "d", "e"],
                        "pretrend_p": [0.50, 0.40, 0.30, 0.20, 0.03]})
    mde = {"c": 0.09}
    out = cl.judge(claims, results, pretrend=pre, mde=mde).set_index("claim_id")
    verdicts = out["verdict"].to_dict()
    assert verdicts["up_ok"] == "supported"
    assert verdicts["up_wrong"] == "contradicted"
    assert verdicts["up_null"] == "not supported"
    assert verdicts["down_ok"] == "supported"
    assert verdicts["pretrend"] == "inconclusive (pre-trends)"
    assert verdicts["no_result"] == "not testable"
    assert verdicts["no_indicator"] == "not testable"
    assert pd.isna(verdicts["six_case"])
    assert verdicts["shorter_adaptation"] == "supported"  # HR > 1 = faster independence
    assert verdicts["longer_is_contradicted"] == "contradicted"
    assert verdicts["not_estimable"] == "not testable"
    # the MDE travels with "not supported", and the reason says so
    assert out.loc["up_null", "mde"] == 0.09
    assert "minimum detectable effect 0.09" in out.loc["up_null", "verdict_reason"]
    assert "pre-trend test rejects" in out.loc["pretrend", "verdict_reason"]
    assert "no treated majors" in out.loc["not_estimable", "verdict_reason"]
    assert "judged by the QCA" in out.loc["six_case", "verdict_reason"]
    assert out.loc["shorter_adaptation", "null_value"] == 1.0
    assert out.loc["up_ok", "verdict_zh"] == "得到支持"
    assert out.loc["pretrend", "pretrend_p"] == 0.03
    for col in ("estimate", "ci_low", "ci_high", "p_value", "pretrend_p", "mde", "verdict",
                "verdict_reason"):
        assert col in out.columns
    assert len(out) == len(claims)


def test_pretrend_boundary_is_ten_percent(claims, results):
    sub = claims[claims.claim_id == "up_ok"]
    at = cl.judge(sub, results, pretrend={"a": 0.10})["verdict"].iloc[0]
    below = cl.judge(sub, results, pretrend={"a": 0.0999})["verdict"].iloc[0]
    assert at == "supported" and below == "inconclusive (pre-trends)"


def test_failed_pretrend_does_not_turn_contradicted_into_inconclusive(claims, results):
    sub = claims[claims.claim_id == "up_wrong"]
    out = cl.judge(sub, results, pretrend={"b": 0.01}).iloc[0]
    assert out["verdict"] == "contradicted"
    assert "pre-trend test also rejects" in out["verdict_reason"]


def test_interval_touching_null_is_not_supported(claims, results):
    sub = claims[claims.claim_id == "up_ok"]
    touching = results.assign(ci_low=np.where(results.outcome == "a", 0.0, results.ci_low))
    assert cl.judge(sub, touching)["verdict"].iloc[0] == "not supported"


def test_primary_row_is_used_and_pretrend_read_from_event_study_rows(claims):
    sub = claims[claims.claim_id == "up_ok"]
    res = pd.DataFrame([
        _result("a", 0.10, -0.01, 0.21, primary=False),  # e.g. CR1 row, not primary
        _result("a", 0.10, 0.02, 0.18),  # primary (wild bootstrap)
        {"outcome": "a", "term": "treated_x_cohort_2019", "estimate": 0.0, "ci_low": -0.1,
         "ci_high": 0.1, "alpha": 0.05, "primary": False, "pretrend_p": 0.04},
    ])
    out = cl.judge(sub, res).iloc[0]
    assert out["ci_low"] == 0.02
    assert out["pretrend_p"] == 0.04
    assert out["verdict"] == "inconclusive (pre-trends)"


def test_explicit_pretrend_wins_and_results_fill_the_rest(claims, results):
    sub = claims[claims.claim_id.isin(["up_ok", "shorter_adaptation"])]
    res = results.assign(pretrend_p=np.where(results.outcome == "adaptation_months", 0.02,
                                             np.nan))
    res.loc[res.outcome == "a", "pretrend_p"] = 0.01
    out = cl.judge(sub, res, pretrend={"a": 0.6}).set_index("claim_id")
    assert out.loc["up_ok", "pretrend_p"] == 0.6
    assert out.loc["up_ok", "verdict"] == "supported"
    assert out.loc["shorter_adaptation", "pretrend_p"] == 0.02
    assert out.loc["shorter_adaptation", "verdict"] == "inconclusive (pre-trends)"


def test_judge_rejects_results_at_another_alpha(claims, results):
    with pytest.raises(cl.ClaimsError, match="computed at alpha"):
        cl.judge(claims, results.assign(alpha=0.10), alpha=0.05)


def test_judge_accepts_result_objects_and_lists(claims, results):
    class Wrapped:
        def __init__(self, frame):
            self.frame = frame

        def to_frame(self):
            return self.frame

    parts = [results.iloc[:3], Wrapped(results.iloc[3:])]
    out = cl.judge(claims, parts)
    assert (out.set_index("claim_id").loc["down_ok", "verdict"]) == "supported"


def test_judge_with_evaluation_results_end_to_end():
    """DiD on planted data through evaluation.did, event_study and the MDE into judge."""
    from talentlab import evaluation as ev

    rng = np.random.default_rng(7)
    rows = []
    for maj in [f"T{i}" for i in range(3)] + [f"C{i}" for i in range(5)]:
        for c in range(2018, 2026):
            p = 0.5 + 0.01 * (c - 2018) + 0.15 * (maj.startswith("T") and c >= 2022)
            rows += [(maj, c, maj.startswith("T"), v) for v in rng.random(120) < p]
    df = pd.DataFrame(rows, columns=["major", "cohort", "treated_major", "y"])
    results = [ev.did(df, "y", n_bootstrap=999, seed=1), ev.event_study(df, "y")]
    mde = ev.minimum_detectable_effect_from_data(df, "y")
    claims = pd.DataFrame([_claim("C1", "y"), _claim("C2", "y", "decrease")])
    out = cl.judge(claims, results, mde=mde).set_index("claim_id")
    assert out.loc["C1", "verdict"] == "supported"
    assert out.loc["C2", "verdict"] == "contradicted"
    assert 0 <= out.loc["C1", "pretrend_p"] <= 1
    assert "wild cluster" in out.loc["C1", "result_method"]


def test_verdict_rule_text_names_every_verdict():
    for verdict in cl.VERDICTS:
        assert verdict in cl.VERDICT_RULE
        assert cl.VERDICT_LABELS_ZH[verdict] in cl.VERDICT_RULE_ZH
    assert "10%" in cl.VERDICT_RULE
