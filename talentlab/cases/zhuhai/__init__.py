"""The Zhuhai case evaluation: every analysis behind the claims of section 5.3, in one call.

The paper claims that after the university–enterprise community was built, the reformed
integrated-circuit majors saw counterpart employment rise, local and in-cluster employment rise,
enterprise recognition rise, post adaptation cycles shorten and retraining fall. :func:`evaluate`
compares reformed and comparison majors before and after the reform for each outcome named in
``claims.csv`` (difference in differences with major and cohort fixed effects and few-cluster
inference: CR3 jackknife with t(G-1) primary, the wild cluster bootstrap as a check; a Cox model
for adaptation; employer ratings by the rating-level DiD, with a mixed model beside), shows how far the
conclusions survive violations of parallel trends (relative-magnitudes sensitivity of the event
study, :mod:`talentlab.evaluation.sensitivity`), computes the minimum detectable effect, and judges each
claim by the rule fixed in :data:`talentlab.claims.VERDICT_RULE` (impact claims as a family with
Holm-adjusted p-values; activity claims, the reform's own outputs, descriptively).

Outcome definitions (the unit of analysis is the graduate unless stated):

* ``job_related_to_major`` — job related to the major, among full-time employed graduates who
  answered (the national survey's base for the counterpart employment rate);
* ``local_work`` — works in the college's city, among employed graduates with a known region;
* ``employer_in_cluster`` — employer in the regional cluster, among employed graduates who answered;
* ``retraining_hours`` — employer training hours before independent work, among employees;
* ``evaluation_score`` — the enterprise party's mean three-party evaluation score (0–100);
* ``recognition_score`` — employer-rating score 0–100 (one row per rating; DiD clustered by
  major, mixed model beside);
* ``adaptation_months`` — months to independent work (Cox hazard ratio, censoring honoured);
* ``technical_service_projects`` / ``sme_employees_trained`` — programme facts, one row per
  major × academic year. A programme's reform starts when the first reformed cohort enrols, that
  is ``programme_length`` (3 for higher vocational programmes) academic years before it
  graduates, so these panels use ``reform_cohort - programme_length`` as the first reformed year.

Count tables. graduates may be a count table (a ``count`` column: a row stands for that many
identical graduates, rows of count 0 for none). Every analysis then counts graduates: the DiD,
event study, Cox model, minimum detectable effect, interrupted time series, indicator trends
and the design's ``n_graduates`` equal those of the microdata the table came from. Ratings and
evaluations are linked to graduates by ``student_id``, which a count table does not carry: their
outcomes are not analysed and their claims are *not testable* with that reason
(:func:`unlinkable_outcomes`).

The study is a package cut by concern, and every public name is importable from here
(``from talentlab.cases import zhuhai; zhuhai.evaluate``): :mod:`~talentlab.cases.zhuhai.settings`
(:class:`ZhuhaiSettings`, what an evaluation is run with), :mod:`~talentlab.cases.zhuhai.samples`
(the outcomes and their analysis samples), :mod:`~talentlab.cases.zhuhai.study` (:func:`evaluate`),
:mod:`~talentlab.cases.zhuhai.one_date` (the one-date DiD), :mod:`~talentlab.cases.zhuhai.staggered`
(Callaway-Sant'Anna), :mod:`~talentlab.cases.zhuhai.its` (no comparison majors),
:mod:`~talentlab.cases.zhuhai.result` (:class:`ZhuhaiEvaluation` and its tables),
:mod:`~talentlab.cases.zhuhai.advice` (the design advisor) and :mod:`~talentlab.cases.zhuhai.text`.

Examples
--------
>>> import talentlab
>>> from talentlab.cases import zhuhai
>>> from talentlab.claims import load_claims
>>> settings = zhuhai.ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99)
>>> result = zhuhai.evaluate(talentlab.load_all(), load_claims(), settings)
>>> result.primary_effects().loc[0, ["outcome", "inference"]].tolist()
['local_work', 'cr3']
"""

from talentlab.cases.zhuhai.advice import (
    ADVISED_OUTCOMES,
    DesignAdvice,
    advised_frame,
    design_advice,
)
from talentlab.cases.zhuhai.its import (
    ITS_NOTE,
    ITS_OUTCOMES,
    choose_design,
    evaluate_its,
    its_evaluation,
)
from talentlab.cases.zhuhai.one_date import (
    activity_summary,
    analyse_outcome,
    design_summary,
    evaluate_one_date,
    inference_checks,
    majors_flagged,
    mde_from_standard_error,
    post_cohort_weights,
    primary_effect,
    with_randomization_inference,
)
from talentlab.cases.zhuhai.result import (
    TRUTH_KEYS,
    ZhuhaiEvaluation,
    claims_table,
    planted_effect,
    stack_frames,
    truth_coverage,
)
from talentlab.cases.zhuhai.samples import (
    LINKED_BY_STUDENT,
    OUTCOME_TABLES,
    OUTCOMES,
    TREND_INDICATORS,
    claimed_signs,
    graduates_present,
    indicator_trends,
    n_graduates,
    outcome_frame,
    tables_missing,
    unavailable_outcomes,
    unlinkable_outcomes,
    with_treated_majors,
)
from talentlab.cases.zhuhai.settings import (
    ZhuhaiSettings,
)
from talentlab.cases.zhuhai.staggered import (
    STAGGERED_BREAKDOWN_TOL,
    STAGGERED_CONTROL,
    STAGGERED_OUTCOMES,
    STAGGERED_PRETREND_METHOD,
    STAGGERED_SENSITIVITY_METHOD,
    analyse_staggered,
    evaluate_staggered,
    event_time_weights,
    staggered_design,
    staggered_event_study,
    staggered_fit,
    staggered_pretrend_p,
    staggered_unit_year_sums,
    with_staggered_randomization,
    with_units,
)
from talentlab.cases.zhuhai.study import (
    evaluate,
)
from talentlab.cases.zhuhai.text import (
    describe_design,
    format_number,
)

__all__ = [
    "ZhuhaiSettings",
    "OUTCOMES",
    "OUTCOME_TABLES",
    "tables_missing",
    "unavailable_outcomes",
    "LINKED_BY_STUDENT",
    "graduates_present",
    "n_graduates",
    "unlinkable_outcomes",
    "TREND_INDICATORS",
    "with_treated_majors",
    "outcome_frame",
    "indicator_trends",
    "claimed_signs",
    "ZhuhaiEvaluation",
    "stack_frames",
    "claims_table",
    "TRUTH_KEYS",
    "planted_effect",
    "truth_coverage",
    "format_number",
    "describe_design",
    "activity_summary",
    "mde_from_standard_error",
    "primary_effect",
    "with_randomization_inference",
    "inference_checks",
    "analyse_outcome",
    "post_cohort_weights",
    "majors_flagged",
    "design_summary",
    "evaluate_one_date",
    "ITS_OUTCOMES",
    "ITS_NOTE",
    "choose_design",
    "its_evaluation",
    "evaluate_its",
    "STAGGERED_OUTCOMES",
    "STAGGERED_CONTROL",
    "STAGGERED_SENSITIVITY_METHOD",
    "STAGGERED_BREAKDOWN_TOL",
    "staggered_design",
    "with_units",
    "staggered_fit",
    "staggered_event_study",
    "staggered_unit_year_sums",
    "event_time_weights",
    "STAGGERED_PRETREND_METHOD",
    "staggered_pretrend_p",
    "with_staggered_randomization",
    "analyse_staggered",
    "evaluate_staggered",
    "ADVISED_OUTCOMES",
    "DesignAdvice",
    "advised_frame",
    "design_advice",
    "evaluate",
]
