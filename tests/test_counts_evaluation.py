"""Count tables in the rest of the evaluation (issue 20, item 2): survival, MDE, ITS, Zhuhai.

Each shipped scenario is aggregated (tests/test_counts.py's ``aggregate``: grouped by every
column but the student id, or by the few columns an analysis reads, count = group size) and
every analysis that counts graduates must give on it what it gives on the microdata, to 1e-10:
the Kaplan-Meier tables, log-rank tests, the Cox model (estimate, model-based, sandwich and CR3
SEs, pre-trend, proportional-hazards test), the minimum detectable effect, the interrupted time
series and ``zhuhai.evaluate``'s claims table. Ratings and evaluations link to graduates by
student id, which a count table does not carry: their claims are *not testable* with that reason.
A published_rates table is read by the loaders and reported with its numerator range.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from statsmodels.duration.survfunc import survdiff

import talentlab
from talentlab import evaluation as ev
from talentlab import indicators as ind
from talentlab.cases import zhuhai
from talentlab.claims import load_claims
from talentlab.data.io import DataValidationError, TalentData, load_published_rates
from talentlab.evaluation.survival import COX_FIT_OPTIONS, efron_score_residuals
from tests.conftest import SYNTHETIC_DIR
from tests.test_counts import TOL, _graduates, aggregate

ADAPTATION_KEYS = ["major", "cohort", "treated_major", "adaptation_months", "adaptation_reached"]


def _same(a: pd.DataFrame, b: pd.DataFrame, exact: list[str] = ()) -> None:
    """Same layout; numbers to 1e-10, counts and texts exactly."""
    assert list(a.columns) == list(b.columns) and len(a) == len(b)
    for c in a.columns:
        x, y = a[c].reset_index(drop=True), b[c].reset_index(drop=True)
        if c in exact or not pd.api.types.is_float_dtype(x.dtype):
            pd.testing.assert_series_equal(x, y, check_dtype=False, obj=c)
        else:
            np.testing.assert_allclose(y.to_numpy(dtype=float, na_value=np.nan),
                                       x.to_numpy(dtype=float, na_value=np.nan),
                                       err_msg=c, **TOL)


# ---------------------------------------------------------------------------------------------
# survival: the Efron score residuals behind the clustered sandwich
# ---------------------------------------------------------------------------------------------

#: Therneau's test data 1 (R survival's validation vignette; Therneau & Grambsch 2000, app. E)
TEST1 = {"time": np.array([1, 1, 6, 6, 8, 9.0]), "died": np.array([1, 0, 1, 1, 0, 1]) == 1,
         "x": np.array([[1, 1, 1, 0, 0, 0.0]]).T}


def test_efron_score_residuals_are_therneaus_on_test_data_1():
    """At beta = 0 (r = e^beta = 1) the validation vignette's closed forms (the deaths at 6 are
    tied: the Efron steps have risk sums r + 3 and r + 5 / 2 ...); at the Efron estimate
    beta = 1.676857 (R's coxph) they sum to zero."""
    r = 1.0
    first = [(1 - r / (r + 1)) * (1 - r / (3 * r + 3)), (1 - r / (r + 1)) * (0 - r / (3 * r + 3)),
             (1 - r / (r + 1)) * (0 - 1 / (3 * r + 3)), (0 - r / (r + 1)) * (0 - 1 / (3 * r + 3)),
             (0 - r / (r + 1)) * (0 - 1 / (3 * r + 3)), (0 - r / (r + 1)) * (0 - 1 / (3 * r + 3))]
    tied = [0, 0, (1 - r / (r + 3)) * (1 / 2 - 1 / (r + 3)) + (1 - r / (r + 5)) * (1 / 2 - 1 / (r + 5)),
            (0 - r / (r + 3)) * (1 / 2 - 1 / (r + 3)) + (0 - r / (r + 5)) * (1 / 2 - 1 / (r + 5)),
            (0 - r / (r + 3)) * (0 - 1 / (r + 3)) + (0 - r / (r + 5)) * (0 - 2 / (r + 5)),
            (0 - r / (r + 3)) * (0 - 1 / (r + 3)) + (0 - r / (r + 5)) * (0 - 2 / (r + 5))]
    args = (TEST1["time"], TEST1["died"], TEST1["x"], np.ones(6), np.zeros(6, dtype=int))
    resid = efron_score_residuals(*args, np.array([0.0]))[:, 0]
    np.testing.assert_allclose(resid, np.add(first, tied), rtol=1e-12)
    cox = ev.cox_effect(pd.DataFrame({"t": TEST1["time"], "e": TEST1["died"],
                                      "x": TEST1["x"][:, 0]}), "t", "e", ["x"]).iloc[0]
    assert cox["log_hr"] == pytest.approx(1.676857, abs=1e-6)
    at_estimate = efron_score_residuals(*args, np.array([1.676857]))[:, 0]
    assert abs(at_estimate.sum()) < 1e-6
    np.testing.assert_allclose(at_estimate, [0.113278, -0.044234, -0.102920, -0.407840,
                                             0.220858, 0.220858], atol=2e-6)


def _efron_loglik(time, died, x, beta):
    """The Efron partial log-likelihood of unit rows, written out (no weights, no strata)."""
    eta = x @ beta
    out = 0.0
    for t in np.unique(time[died]):
        risk = np.exp(eta[time >= t]).sum()
        dead = died & (time == t)
        tie = np.exp(eta[dead]).sum()
        d = int(dead.sum())
        out += eta[dead].sum() - sum(np.log(risk - k / d * tie) for k in range(d))
    return out


def test_weighted_score_residuals_sum_to_the_expanded_efron_score():
    """A row of weight w is w tied graduates: the residuals times the weights sum to the score
    (finite differences) of the Efron likelihood of the expanded rows, at any beta, in any
    stratum."""
    rng = np.random.default_rng(4)
    n = 40
    time = rng.integers(1, 6, n).astype(float)
    died = rng.random(n) < 0.7
    x = rng.normal(size=(n, 2))
    w = rng.integers(1, 5, n)
    strata = rng.integers(0, 2, n)
    beta = np.array([0.3, -0.5])
    resid = efron_score_residuals(time, died, x, w.astype(float), strata, beta)
    score = (w[:, None] * resid).sum(axis=0)
    idx = np.repeat(np.arange(n), w)
    expected = np.zeros(2)
    for s in (0, 1):
        rows = idx[strata[idx] == s]
        for j in range(2):
            step = np.eye(2)[j] * 1e-6
            expected[j] += (_efron_loglik(time[rows], died[rows], x[rows], beta + step)
                            - _efron_loglik(time[rows], died[rows], x[rows], beta - step)) / 2e-6
    np.testing.assert_allclose(score, expected, rtol=1e-6, atol=1e-8)


def _untied_panel(seed: int = 3, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    d = pd.DataFrame({"t": rng.exponential(5, n), "e": rng.random(n) < 0.8,
                      "x": rng.normal(size=n), "z": rng.integers(0, 2, n).astype(float),
                      "g": rng.integers(0, 7, n)})
    assert d["t"].is_unique
    return d


def test_the_sandwich_equals_lifelines_robust_se_without_ties():
    """Without tied times lifelines' clustered sandwich is right, and ours is the same."""
    from lifelines import CoxPHFitter

    d = _untied_panel()
    ours = ev.cox_effect(d, "t", "e", ["x", "z"], cluster="g", inference="robust")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = CoxPHFitter().fit(d.assign(e=d["e"].astype(int)), "t", "e", cluster_col="g",
                                fit_options=COX_FIT_OPTIONS)
    np.testing.assert_allclose(ours["se"], ref.summary.loc[["x", "z"], "se(coef)"], rtol=1e-10)
    np.testing.assert_allclose(ours["log_hr"], ref.params_[["x", "z"]], rtol=1e-8)


def test_the_sandwich_does_not_depend_on_the_order_of_the_rows():
    """With tied times (months) lifelines' score residuals depend on the row order (its robust SE
    of the adaptation hazard ratio was 0.0709 or 0.0685 for the same graduates); ours do not."""
    frame = zhuhai.outcome_frame(None, "adaptation_months", _graduates("paper_claims"))
    frame = frame.assign(post=frame["cohort"] >= 2022)
    frame["did"] = (frame["treated_major"] & frame["post"]).astype(float)
    kw = {"covariates": ["did"], "cluster": "major", "strata": "major", "inference": "robust"}
    a = ev.cox_effect(frame, "adaptation_months", "adaptation_reached", **kw)
    b = ev.cox_effect(frame.sample(frac=1, random_state=1), "adaptation_months",
                      "adaptation_reached", **kw)
    np.testing.assert_allclose(b["se"], a["se"], **TOL)


def test_lifelines_frequency_weights_are_not_expanded_rows_under_efron_ties():
    """Why a count table's event rows are fitted one graduate per row: lifelines (as R's coxph)
    counts tied *rows* in Efron's correction, so weights alone give another estimate."""
    from lifelines import CoxPHFitter

    frame = zhuhai.outcome_frame(None, "adaptation_months", _graduates("paper_claims"))
    model = pd.DataFrame({"T": frame["adaptation_months"].astype(float),
                          "E": frame["adaptation_reached"].astype(int),
                          "x": (frame["treated_major"] & (frame["cohort"] >= 2022)).astype(float)})
    counted = model.groupby(["T", "E", "x"]).size().rename("w").reset_index()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        micro = CoxPHFitter().fit(model, "T", "E", fit_options=COX_FIT_OPTIONS).params_["x"]
        weighted = CoxPHFitter().fit(counted, "T", "E", weights_col="w",
                                     fit_options=COX_FIT_OPTIONS).params_["x"]
    ours = ev.cox_effect(counted.rename(columns={"w": "count"}), "T", "E", ["x"]).iloc[0]
    assert abs(weighted - micro) > 1e-4
    assert ours["log_hr"] == pytest.approx(micro, abs=1e-10)
    assert ours["n"] == len(model) and ours["n_events"] == int(model["E"].sum())


# ---------------------------------------------------------------------------------------------
# survival on the aggregated scenarios
# ---------------------------------------------------------------------------------------------

def _assert_same_adaptation(micro_frame: pd.DataFrame, counted_frame: pd.DataFrame) -> None:
    a = ev.adaptation_comparison(micro_frame, reform_cohort=2022)
    b = ev.adaptation_comparison(counted_frame, reform_cohort=2022)
    assert a.effect["method"].iloc[0].startswith("Cox PH")
    _same(a.effect, b.effect, exact=["n", "n_events", "n_clusters", "n_dropped_missing"])
    _same(a.cox, b.cox, exact=["n", "n_events"])
    _same(a.km_curves, b.km_curves)
    _same(a.km_medians, b.km_medians)
    _same(a.logrank, b.logrank)
    _same(a.ph_test, b.ph_test)


def test_adaptation_on_a_coarse_count_table_equals_the_microdata():
    """major x cohort x whole months x event: 3,910 graduates with an adaptation time in far
    fewer rows, nearly every event row standing for several tied graduates."""
    frame = zhuhai.outcome_frame(None, "adaptation_months", _graduates("paper_claims"))
    frame["adaptation_months"] = frame["adaptation_months"].round()
    counted = aggregate(frame[ADAPTATION_KEYS], ADAPTATION_KEYS)
    assert len(counted) < len(frame) / 2 and counted["count"].max() > 5
    _assert_same_adaptation(frame, counted)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["paper_claims", "null", "pretrend"])
def test_adaptation_on_each_aggregated_scenario_equals_the_microdata(scenario):
    micro = _graduates(scenario)
    counted = aggregate(micro)
    _assert_same_adaptation(zhuhai.outcome_frame(None, "adaptation_months", micro),
                            zhuhai.outcome_frame(None, "adaptation_months", counted))


def test_logrank_and_km_of_a_count_table_with_empty_rows():
    """statsmodels' survdiff on the microdata; rows of count 0 are no graduates."""
    frame = zhuhai.outcome_frame(None, "adaptation_months", _graduates("null"))
    frame = frame.assign(post=frame["cohort"] >= 2022)
    keys = ["treated_major", "post", "adaptation_months", "adaptation_reached"]
    counted = aggregate(frame[keys], keys)
    ghost = counted.head(6).assign(count=0, adaptation_months=99.0)
    counted = pd.concat([counted, ghost], ignore_index=True)
    for group in (["treated_major", "post"], "treated_major"):
        ours = ev.logrank(counted, "adaptation_months", "adaptation_reached", group).iloc[0]
        labels = frame[[group] if isinstance(group, str) else group].astype(str).agg(
            " | ".join, axis=1)
        chisq, _ = survdiff(frame["adaptation_months"].to_numpy(dtype=float),
                            frame["adaptation_reached"].to_numpy(dtype=float),
                            labels.to_numpy(dtype=object))
        assert ours["statistic"] == pytest.approx(chisq, rel=1e-10)
        assert ours["n"] == len(frame)
    curves_a, medians_a = ev.km_table(frame, "adaptation_months", "adaptation_reached",
                                      by="treated_major")
    curves_b, medians_b = ev.km_table(counted, "adaptation_months", "adaptation_reached",
                                      by="treated_major")
    _same(curves_a, curves_b)
    _same(medians_a, medians_b)
    assert 99.0 not in set(curves_b["time"])


def test_a_count_that_is_not_a_whole_number_is_refused_by_the_survival_functions():
    frame = aggregate(zhuhai.outcome_frame(None, "adaptation_months", _graduates("null"))
                      [ADAPTATION_KEYS], ADAPTATION_KEYS)
    frame["count"] = frame["count"].astype(float)
    frame.loc[2, "count"] = 2.5
    for call in (lambda: ev.logrank(frame, "adaptation_months", "adaptation_reached",
                                    "treated_major"),
                 lambda: ev.km_table(frame, "adaptation_months", "adaptation_reached"),
                 lambda: ev.adaptation_comparison(frame, reform_cohort=2022)):
        with pytest.raises(ev.EvaluationInputError, match=r"'count'.*whole numbers.*2\.5"):
            call()


# ---------------------------------------------------------------------------------------------
# minimum detectable effect, ITS
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("outcome", ["job_related_to_major", "local_work", "retraining_hours"])
def test_the_mde_of_a_count_table_equals_the_microdata(outcome):
    frame = zhuhai.outcome_frame(None, outcome, _graduates("pretrend"))
    counted = aggregate(frame, ["major", "cohort", "treated_major", outcome])
    a = ev.minimum_detectable_effect_from_data(frame, outcome, reform_cohort=2022)
    b = ev.minimum_detectable_effect_from_data(counted, outcome, reform_cohort=2022)
    _same(a, b, exact=["n", "n_clusters", "df"])
    assert int(b["n"].iloc[0]) == len(frame)
    if len(counted) < len(frame) / 2:  # read as rows, the cells would be one graduate each
        as_rows = ev.minimum_detectable_effect_from_data(counted, outcome, count=None,
                                                         reform_cohort=2022)
        assert abs(float(as_rows["mde"].iloc[0]) - float(a["mde"].iloc[0])) > 1e-3


def _counted_data(scenario: str, keys: list[str] | None = None) -> tuple[TalentData, TalentData]:
    data = talentlab.load_all(SYNTHETIC_DIR / scenario)
    counted = TalentData(graduates=aggregate(data.graduates, keys),
                         employer_ratings=data.employer_ratings, evaluations=data.evaluations,
                         programmes=data.programmes, origin=data.origin)
    return data, counted


def test_the_its_of_a_count_table_equals_the_microdata():
    """Cohort means and sizes count graduates; the evaluation score, linked by student id, is
    left out by default and refused when asked for."""
    data, counted = _counted_data("paper_claims")
    b = zhuhai.its_evaluation(counted)
    outcomes = list(dict.fromkeys(b["outcome"]))
    assert "evaluation_score" not in outcomes and len(outcomes) == 4
    a = zhuhai.its_evaluation(data, outcomes=outcomes)
    _same(a, b, exact=["n", "n_graduates", "n_time_points", "n_cohorts_dropped_small"])
    with pytest.raises(ValueError, match="count table.*evaluations cannot be linked"):
        zhuhai.its_evaluation(counted, outcomes=["evaluation_score"])


def test_the_its_design_on_a_count_table_names_the_unlinkable_outcome():
    data, counted = _counted_data("null")
    reformed = data.graduates["treated_major"].astype(bool)
    only = TalentData(graduates=aggregate(data.graduates[reformed]),
                      evaluations=data.evaluations[data.evaluations["student_id"].isin(
                          data.graduates.loc[reformed, "student_id"])])
    result = zhuhai.evaluate(only, load_claims())
    assert result.is_its
    assert result.unavailable["evaluation_score"].startswith("graduates is a count table")
    assert "evaluation_score" not in set(result.effects["outcome"])


# ---------------------------------------------------------------------------------------------
# zhuhai.evaluate end to end
# ---------------------------------------------------------------------------------------------

LINKED = {"evaluation_score": "evaluations", "recognition_score": "employer_ratings"}


def _assert_same_claims(scenario: str, outcomes: list[str] | None, n_bootstrap: int,
                        against_full: bool = True) -> None:
    """The count table's claims table equals the microdata's without the two linked tables
    (the same family of judged claims), except the reason the linked claims give; the linked
    claims are not testable because the count table cannot link them."""
    data, counted = _counted_data(scenario)
    unlinked = TalentData(graduates=data.graduates, programmes=data.programmes,
                          origin=data.origin)
    claims = load_claims()
    kw = {"outcomes": outcomes, "n_bootstrap": n_bootstrap}
    a = zhuhai.evaluate(unlinked, claims, zhuhai.ZhuhaiSettings(**kw))
    b = zhuhai.evaluate(counted, claims, zhuhai.ZhuhaiSettings(**kw))
    assert a.design == b.design and b.design["n_graduates"] == len(data.graduates)
    ta, tb = zhuhai.claims_table(a), zhuhai.claims_table(b)
    linked = ta["outcome"].isin(list(LINKED)).to_numpy(dtype=bool)
    assert linked.any()
    _same(ta.drop(columns="verdict_reason"), tb.drop(columns="verdict_reason"),
          exact=["verdict", "family_size"])
    assert (ta["verdict_reason"][~linked] == tb["verdict_reason"][~linked]).all()
    assert (tb.loc[linked, "verdict"] == "not testable").all()
    for outcome, table in LINKED.items():
        reason = tb.loc[tb["outcome"] == outcome, "verdict_reason"]
        assert reason.str.contains(f"count table: {len(data.graduates)} of "
                                   f"{len(data.graduates)} graduates").all()
        assert reason.str.endswith(f"{table} cannot be linked to them").all()
        assert b.unavailable[outcome] == reason.iloc[0]
    _same(a.primary_effects().drop(columns=["method"]), b.primary_effects().drop(
        columns=["method"]), exact=["n", "n_clusters", "n_dropped_missing"])
    if not against_full:
        return
    # and the estimates are the full microdata's: leaving the linked tables out changes none
    full = zhuhai.evaluate(data, claims, zhuhai.ZhuhaiSettings(**kw))
    cols = ["outcome", "estimate", "se", "ci_low", "ci_high", "p_value"]
    shared = full.primary_effects()[cols]
    shared = shared[~shared["outcome"].isin(list(LINKED))].reset_index(drop=True)
    _same(shared, b.primary_effects()[cols].reset_index(drop=True))


def test_zhuhai_claims_on_a_count_table_equal_the_microdata():
    _assert_same_claims("paper_claims", ["local_work", "recognition_score", "evaluation_score",
                                         "technical_service_projects"], 99, against_full=False)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", ["paper_claims", "null", "pretrend"])
def test_zhuhai_claims_on_each_aggregated_scenario_equal_the_microdata(scenario):
    _assert_same_claims(scenario, None, 99)  # any number of draws shows it


def test_rows_of_count_zero_are_no_majors_and_no_graduates():
    data, counted = _counted_data("null")
    ghost = counted.graduates.head(3).assign(count=0, major="Ghost major (无毕业生)",
                                             treated_major=False)
    graduates = pd.concat([counted.graduates, ghost], ignore_index=True)
    assert zhuhai.n_graduates(graduates) == len(data.graduates)
    present = zhuhai.graduates_present(graduates)
    assert "Ghost major (无毕业生)" not in set(present["major"])
    result = zhuhai.evaluate(TalentData(graduates=graduates), load_claims(),
                             settings=zhuhai.ZhuhaiSettings(outcomes=["local_work"],
                                                            n_bootstrap=99))
    assert "Ghost major (无毕业生)" not in result.design["comparison_majors"]
    assert result.design["n_graduates"] == len(data.graduates)


def test_recognition_model_refuses_a_count_table_it_cannot_link():
    data, counted = _counted_data("null")
    with pytest.raises(ev.EvaluationInputError,
                       match=r"count table: \d+ graduate\(s\) have no row with a student_id"):
        ev.recognition_model(data.employer_ratings, counted.graduates,
                             reform_cohort=2022, seed=20220901, pretrend_seed=20220901)


# ---------------------------------------------------------------------------------------------
# published rates through the loaders
# ---------------------------------------------------------------------------------------------

PUBLISHED = ("major,indicator,rate,n\r\n"
             "集成电路设计与集成系统,employment_rate,93.4,5230\r\n"
             "微电子技术,employment_rate,93.4,500\r\n"
             "微电子技术,destination_rate,96.80,500\r\n")


def test_a_folder_of_published_rates_loads_and_reports_the_numerator_range(tmp_path):
    """A Chinese report's table (UTF-8 with BOM, CRLF) alone in a folder: 93.4 % of 5,230 is
    4,883 to 4,887 graduates, 93.4 % of 500 is 467 exactly, 96.80 % of 500 is 484."""
    (tmp_path / "published_rates.csv").write_bytes(PUBLISHED.encode("utf-8-sig"))
    data = talentlab.load_all(tmp_path)
    assert data.supplied == () and data.graduates is None
    rates = data.published_rates
    assert rates["rate_decimals"].tolist() == [1, 1, 2]
    assert "published_rates.csv" in data.origin["checksums"]
    out = ind.from_published_rates(rates)
    assert out["numerator_low"].tolist() == [4883, 467, 484]
    assert out["numerator_high"].tolist() == [4887, 467, 484]
    assert out["denominator"].tolist() == [5230, 500, 500]
    assert "known only to 4883-4887" in out["method"].iloc[0]
    assert out["major"].tolist() == rates["major"].tolist()
    pd.testing.assert_frame_equal(load_published_rates(tmp_path / "published_rates.csv"), rates)


def test_published_rates_beside_graduates_and_a_bad_rate_named(tmp_path, shipped_data):
    micro = pd.read_csv(SYNTHETIC_DIR / "null" / "graduates.csv", dtype=str, keep_default_na=False)
    micro.to_csv(tmp_path / "graduates.csv", index=False)
    bad = PUBLISHED.replace("93.4,500", "93.4,523")  # no count of 523 rounds to 93.4 %
    (tmp_path / "published_rates.csv").write_text(bad, encoding="utf-8")
    with pytest.raises(DataValidationError) as err:
        talentlab.load_all(tmp_path)
    text = str(err.value)
    assert "published_rates.csv" in text and "row 3" in text and "rate" in text
    assert "n=523" in text
    (tmp_path / "published_rates.csv").write_text(PUBLISHED, encoding="utf-8")
    data = talentlab.load_all(tmp_path)
    assert data.supplied == ("graduates",) and len(data.published_rates) == 3
    assert "published_rates" not in data.tables()
    without = shipped_data("null")
    assert without.published_rates is None
