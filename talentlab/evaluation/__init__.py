"""Quasi-experimental case evaluation: reformed vs comparison majors, before vs after the reform.

Pure statistics on DataFrames (no file I/O). Every public estimator returns a tidy DataFrame with
one row per estimate and at least the columns of :data:`RESULT_COLUMNS`::

    outcome, term, estimate, se, ci_low, ci_high, p_value, n, n_clusters, method, alpha

plus ``null_value`` (0 for differences, 1 for ratios), ``primary`` (the row a verdict should use)
and estimator-specific extras.

Functions
---------
did
    Two-way fixed-effects difference in differences (major and cohort fixed effects) for a binary
    (linear probability) or continuous graduate-level outcome, inference clustered by major. The
    default inference is the wild cluster restricted bootstrap with Webb six-point weights
    (WCR; Cameron, Gelbach & Miller 2008; Webb 2023; MacKinnon, Nielsen & Webb 2023), with the
    interval by test inversion as in Stata's ``boottest`` (Roodman, MacKinnon, Nielsen & Webb
    2019). The CR3 jackknife and the conventional CR1 clustered result are alternatives; CR1 is
    always returned alongside. Rademacher weights (enumerated when 2^G <= B) are an option.
    CR3 comes in two conventions (``cr3_convention``): ``"jackknife"`` (default),
    V = (G-1)/G sum_g (b_(g) - b)(b_(g) - b)', the jackknife form of CV3 in MacKinnon, Nielsen
    & Webb (2023, section 4); and ``"pyfixest"``, V = G/(G-1) (N-1)/(N-K) sum_g (...)(...)',
    pyfixest's ``vcov={"CRV3": ...}`` with its default small-sample correction (the CR1 factor
    applied to the unscaled sum). The second is larger by [G/(G-1)]^2 (N-1)/(N-K) in variance,
    i.e. its SE by about G/(G-1) (8/7 at G = 8): the conservative choice. Values checked against
    pyfixest 0.60 in tests/reference_pyfixest/.
event_study, event_study_points, pretrend_test
    Cohort-relative effects and pre-trend tests: a wild-bootstrap test of a differential linear
    pre-trend (the verdict rule's test), a wild-bootstrap joint Wald test of the pre-reform
    coefficients, and the conventional F(q, G-1) joint test (oversized with few clusters).
    ``event_study_points`` gives the plotted numbers; labels and drawing live in
    :mod:`talentlab.report.event_study_figures` (``event_study_plot_data`` moved there).
adaptation_comparison, cox_effect, km_table, logrank
    Kaplan–Meier, log-rank and Cox (Efron ties, lifelines) for the post-adaptation cycle.
recognition_model, fit_mixed_model, recognition_score
    Mixed model (statsmodels MixedLM) for enterprise ratings; Cronbach's alpha (pingouin).
minimum_detectable_effect, minimum_detectable_effect_from_data
    The smallest effect the clustered DiD design detects with the requested power.
webb_weights, rademacher_weights
    Wild bootstrap weights (all 6^G or 2^G draws enumerated when that is at most B).
interrupted_time_series (in :mod:`talentlab.evaluation.its`, re-exported here)
    Segmented regression for one group with no comparison units (Lopez Bernal, Cummins &
    Gasparrini 2017): quasi-Poisson/Poisson/OLS, level and slope change, Fourier seasonality,
    Newey–West SEs.
power, sample_size, cohens_h, cohens_d, minimum_detectable_effect_two_group
    The plain two-group design (two proportions, two means) via statsmodels.stats.power;
    reproduces Cohen's (1988) tables (in :mod:`talentlab.evaluation.power_analysis`,
    re-exported here).

Why some parts are hand-written: statsmodels has no wild cluster bootstrap and no CR3 variance;
pyfixest/wildboottest are not dependencies (wildboottest pulls in numba). The bootstrap uses the
closed-form cluster-level algebra of Roodman et al. (2019) and is tested against a brute-force
refit; CR3 is a leave-one-cluster-out jackknife tested against statsmodels refits.

References
----------
Bloom HS (1995). Minimum detectable effects. Evaluation Review 19(5):547-556.
Cameron AC, Gelbach JB, Miller DL (2008). Bootstrap-based improvements for inference with
clustered errors. Review of Economics and Statistics 90(3):414-427.
Duflo E, Glennerster R, Kremer M (2007). Using randomization in development economics research:
a toolkit. Handbook of Development Economics 4:3895-3962.
MacKinnon JG, Nielsen MØ, Webb MD (2023). Cluster-robust inference: a guide to empirical
practice. Journal of Econometrics 232(2):272-299.
Roodman D, MacKinnon JG, Nielsen MØ, Webb MD (2019). Fast and wild: bootstrap inference in
Stata using boottest. Stata Journal 19(1):4-60.
Webb MD (2023). Reworking wild bootstrap-based inference for clustered errors. Canadian Journal
of Economics 56(3):839-858.
"""

from __future__ import annotations

import importlib

from talentlab.evaluation.common import (
    BOOTSTRAP_WEIGHTS,
    CR3_CONVENTIONS,
    DEFAULT_SEED,
    DID_TERM,
    INFERENCE_METHODS,
    RESULT_COLUMNS,
    EvaluationInputError,
)
from talentlab.evaluation.did import did
from talentlab.evaluation.event_study import event_study, event_study_points, pretrend_test
from talentlab.evaluation.inference import (
    WEBB_POINTS,
    rademacher_weights,
    webb_weights,
)
from talentlab.evaluation.mde import (
    MDE_SOURCE,
    minimum_detectable_effect,
    minimum_detectable_effect_from_data,
)
from talentlab.evaluation.mixed import (
    RECOGNITION_ITEMS,
    MixedModelFit,
    fit_mixed_model,
    recognition_model,
    recognition_score,
)
from talentlab.evaluation.randomization import (
    did_t_statistic,
    randomization_inference,
    staggered_randomization_inference,
)
from talentlab.evaluation.sensitivity import (
    breakdown_mbar,
    classify_robustness,
    relative_magnitudes_interval,
    smoothness_interval,
)
from talentlab.evaluation.staggered import StaggeredDiDResult, staggered_did
from talentlab.evaluation.survival import (
    AdaptationResult,
    adaptation_comparison,
    cox_effect,
    km_table,
    logrank,
)

__all__ = [
    "RESULT_COLUMNS",
    "RECOGNITION_ITEMS",
    "EvaluationInputError",
    "did",
    "event_study",
    "event_study_points",
    "pretrend_test",
    "km_table",
    "logrank",
    "cox_effect",
    "adaptation_comparison",
    "AdaptationResult",
    "recognition_score",
    "fit_mixed_model",
    "MixedModelFit",
    "recognition_model",
    "minimum_detectable_effect",
    "minimum_detectable_effect_from_data",
    "webb_weights",
    "rademacher_weights",
    "CR3_CONVENTIONS",
    "BOOTSTRAP_WEIGHTS",
    "DEFAULT_SEED",
    "DID_TERM", "INFERENCE_METHODS", "MDE_SOURCE", "WEBB_POINTS",
    "staggered_did", "StaggeredDiDResult",
    "randomization_inference", "did_t_statistic", "staggered_randomization_inference",
    "relative_magnitudes_interval", "smoothness_interval", "breakdown_mbar",
    "classify_robustness",
]

# =============================================================================================
# designs kept in their own modules, re-exported here
# =============================================================================================
#: name → module. Resolved lazily (PEP 562) because those modules import this one.
_REEXPORTS = {
    "interrupted_time_series": "talentlab.evaluation.its",
    "power": "talentlab.evaluation.power_analysis",
    "sample_size": "talentlab.evaluation.power_analysis",
    "cohens_h": "talentlab.evaluation.power_analysis",
    "cohens_d": "talentlab.evaluation.power_analysis",
    "minimum_detectable_effect_two_group": "talentlab.evaluation.power_analysis",
    # the design advisor: power of the full verdict rule before any data are collected
    "Design": "talentlab.evaluation.design",
    "DesignPower": "talentlab.evaluation.design",
    "verdict_power": "talentlab.evaluation.design",
    "supportable_effect": "talentlab.evaluation.design",
}
__all__ += list(_REEXPORTS)


def __getattr__(name: str):
    if name in _REEXPORTS:
        return getattr(importlib.import_module(_REEXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
