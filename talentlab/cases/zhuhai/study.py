"""The Zhuhai evaluation in one call: :func:`evaluate` checks its input and hands the data to the
path its design takes (one reform date, staggered reforms, or no comparison majors).

Examples
--------
>>> import talentlab
>>> from talentlab.cases import zhuhai
>>> from talentlab.claims import load_claims
>>> settings = zhuhai.ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99)
>>> result = zhuhai.evaluate(talentlab.load_all(), load_claims(), settings)
>>> result.design["reform_cohort"], result.design["seed"], result.is_its
(2022, 20240601, False)
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from talentlab import evaluation as ev
from talentlab.cases.zhuhai.its import choose_design, evaluate_its
from talentlab.cases.zhuhai.one_date import evaluate_one_date
from talentlab.cases.zhuhai.result import ZhuhaiEvaluation
from talentlab.cases.zhuhai.samples import (
    OUTCOMES,
    graduates_present,
    tables_missing,
    with_treated_majors,
)
from talentlab.cases.zhuhai.settings import ZhuhaiSettings
from talentlab.cases.zhuhai.staggered import evaluate_staggered, staggered_design
from talentlab.claims import judge
from talentlab.data.io import not_supplied


def _claims_given(claims: pd.DataFrame) -> pd.DataFrame:
    """The claims table handed to :func:`evaluate`, checked: this module opens no file, so the
    caller loads the claims (:func:`talentlab.data.paper.load_claims`)."""
    if not isinstance(claims, pd.DataFrame):
        raise ev.EvaluationInputError(
            "zhuhai.evaluate: claims must be the claims table (talentlab.data.paper.load_claims"
            f"()), not {type(claims).__name__} / 请先读取论断表再传入")
    if "case" not in claims.columns:
        raise ev.EvaluationInputError("zhuhai.evaluate: the claims table has no 'case' column "
                                      "(talentlab.data.paper.load_claims reads it)")
    return claims


def _outcomes_named(zhuhai_claims: pd.DataFrame, outcomes: Sequence[str] | None) -> list[str]:
    """The outcomes to analyse: as given, or every outcome a Zhuhai claim names (in
    :data:`OUTCOMES` order)."""
    if outcomes is None:
        named = zhuhai_claims["outcome"].dropna().astype(str).unique().tolist()
        outcomes = [o for o in OUTCOMES if o in named]
    unknown = sorted(set(outcomes) - set(OUTCOMES))
    if unknown:
        raise ValueError(f"unknown outcomes {unknown}; known: {', '.join(OUTCOMES)}")
    return list(outcomes)


def _no_graduates_result(data, zhuhai_claims: pd.DataFrame, settings: ZhuhaiSettings
                         ) -> ZhuhaiEvaluation:
    """:func:`evaluate` on data without graduates: nothing can be estimated (the reform flag,
    the cohorts and every graduate outcome are in graduates), so each claim an analysis would
    judge is *not testable* with the reason, and the design says why (``"none"``)."""
    why = not_supplied(["graduates"])
    reasons = {o: not_supplied(tables_missing(data, o)) for o in OUTCOMES}
    verdicts = judge(zhuhai_claims, pd.DataFrame(), alpha=settings.alpha,
                     adjustment=settings.adjustment, mbar=settings.mbar, unavailable=reasons)
    design = {"design": "none", "reason": f"{why}: the reform flag (treated_major), the cohorts "
              "and every graduate outcome are read from graduates, so no Zhuhai analysis can "
              "run", "reform_cohort": int(settings.reform_cohort), "alpha": settings.alpha,
              "tables_supplied": list(getattr(data, "supplied", ()))}
    empty = pd.DataFrame(columns=["outcome", "estimate", "ci_low", "ci_high", "p_value"])
    return ZhuhaiEvaluation(
        effects=empty, event_study=pd.DataFrame(),
        pretrend=pd.DataFrame(columns=["outcome", "pretrend_p"]),
        mde=pd.DataFrame(columns=["outcome", "mde"]), adaptation=None, verdicts=verdicts,
        trends=pd.DataFrame(), design=design, notes=[f"no analysis: {why}"],
        unavailable=reasons)


def evaluate(data, claims: pd.DataFrame, settings: ZhuhaiSettings | None = None
             ) -> ZhuhaiEvaluation:
    """Run the Zhuhai case evaluation and judge the claims.

    The design follows the data (:func:`choose_design`): with comparison majors, difference in
    differences for every outcome (:func:`analyse_outcome`) and verdicts by
    :func:`talentlab.claims.judge`; with reformed majors only, the interrupted time series of
    :func:`its_evaluation` (``design["design"] == "its"``, no verdicts). With several colleges
    or several reform years (:func:`staggered_design`, from ``programmes.reform_year``) the
    claims are judged on Callaway-Sant'Anna instead (``design["design"] == "staggered"``:
    units college x major, never-reformed comparisons, the simple aggregation with a
    leave-one-unit-out jackknife and t(G-1), the pre-trend test and the relative-magnitudes
    sensitivity on the event-time effects weighted as the simple aggregation); the Cox model
    and the programme-year panels assume one reform date, so their claims are not testable
    there, with that reason. Every DiD outcome also gets randomization inference (one date:
    exact over the assignments of the reform to the majors,
    :func:`with_randomization_inference`; staggered: over the schedules of reform years,
    :func:`with_staggered_randomization`), and the verdict reads the larger of its p-value and
    the model-based one.

    The data may hold any subset of the record tables. An outcome whose table was not supplied
    (:data:`OUTCOME_TABLES`: recognition needs ``employer_ratings``, the evaluation score
    ``evaluations``, the programme facts ``programmes``) is not analysed, and each claim on it
    is *not testable* with the reason ``"no <table> supplied"`` (also in ``notes``). Without
    graduates nothing can be estimated: ``design["design"]`` is ``"none"`` and every judged
    claim is not testable.

    graduates may be a count table (a ``count`` column): every estimate, SE, p-value and
    verdict is then that of the microdata the table came from (rows of count 0 are no
    graduates), except that ratings and evaluations, linked by student id, cannot be linked to
    its rows; their outcomes are not analysed and their claims are not testable with that
    reason (:func:`unlinkable_outcomes`).

    Parameters
    ----------
    data : TalentData
        As :func:`talentlab.load_all` returns.
    claims : DataFrame
        The claims of the paper as :func:`talentlab.data.paper.load_claims` returns; only the
        Zhuhai claims are judged here (loading them is the caller's job: this module opens
        no file).
    settings : ZhuhaiSettings, optional
        What the evaluation is run with: reform cohort, reformed majors, outcomes, interval
        level (``alpha``: intervals at level 1 - alpha), inference, bootstrap draws, seed,
        disclosure threshold, programme length, multiplicity adjustment and the
        relative-magnitudes bound (:class:`ZhuhaiSettings`; default: the paper's). The primary
        inference, ``settings.inference``, is ``"cr3"`` by default: the leave-one-cluster-out
        jackknife variance ((G-1)/G scaling) with a t(G-1) reference (MacKinnon, Nielsen & Webb
        2023), which covered the planted effects at 0.936-0.956 on 500 simulated data sets of
        this eight-major design, where the wild cluster restricted bootstrap covered
        0.900-0.942 (``benchmarks/sim_coverage_cr3.py``). The wild bootstrap
        (``settings.n_bootstrap`` draws) is reported beside it as a check; with
        ``inference="wild_bootstrap"`` CR3 is the check. Recognition is judged on the
        rating-level DiD clustered by major; the employer mixed model is reported beside it.

    Returns
    -------
    ZhuhaiEvaluation

    Examples
    --------
    >>> import talentlab
    >>> from talentlab.cases import zhuhai
    >>> from talentlab.claims import load_claims
    >>> settings = zhuhai.ZhuhaiSettings(outcomes=["job_related_to_major"], n_bootstrap=999)
    >>> result = zhuhai.evaluate(talentlab.load_all(), load_claims(), settings)
    >>> result.primary_effects().loc[0, "outcome"]
    'job_related_to_major'
    """
    if settings is None:
        settings = ZhuhaiSettings()
    elif not isinstance(settings, ZhuhaiSettings):
        raise ev.EvaluationInputError(
            "zhuhai.evaluate: settings must be a ZhuhaiSettings (talentlab.cases.zhuhai."
            f"ZhuhaiSettings(...)), not {type(settings).__name__} / 请以 ZhuhaiSettings 传入设置")
    claims = _claims_given(claims)
    zhuhai_claims = claims[claims["case"].astype("string") == "zhuhai"].reset_index(drop=True)
    if getattr(data, "graduates", None) is None:
        return _no_graduates_result(data, zhuhai_claims, settings)
    graduates = graduates_present(with_treated_majors(data.graduates, settings.treated_majors))
    choice = choose_design(graduates)
    if choice["design"] == "its":
        return evaluate_its(data, graduates, choice, settings)
    outcomes = _outcomes_named(zhuhai_claims, settings.outcomes)
    # naming the reformed majors keeps the one-date design
    years = (staggered_design(data, graduates, settings.reform_cohort)
             if settings.treated_majors is None else None)
    if years is not None:
        return evaluate_staggered(data, graduates, zhuhai_claims, years, outcomes, settings)
    return evaluate_one_date(data, graduates, zhuhai_claims, outcomes, settings)
