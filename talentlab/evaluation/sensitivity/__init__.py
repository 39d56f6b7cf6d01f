"""Parallel trends shown, not assumed: pre-trend bounds and HonestDiD sensitivity analysis.

Pure statistics on event-study coefficients (no file I/O). Two tools replace the old gate
"the pre-trend test does not reject at 10%" (non-rejection with three treated majors is not
evidence of parallel trends; Roth 2022):

pretrend_equivalence_bound
    An equivalence-style bound on the pre-period deviations: the smallest margin ``e`` such
    that every pre-reform event-study coefficient lies in ``(-e, e)`` by its two one-sided
    tests at level alpha (TOST; Schuirmann 1987; Hartman & Hidalgo 2018). By the
    intersection-union principle no multiplicity correction is needed:
    ``e = max_s ( |b_s| + t(1 - alpha, G - 1) * se_s )``. It is *reported*, not a gate.
relative_magnitudes_interval, smoothness_interval, breakdown_mbar, relative_magnitudes
    Sensitivity analysis of Rambachan & Roth (2023), a port of the R package HonestDiD
    (version 0.2.8, ``computeConditionalCS_DeltaRM``, ``computeConditionalCS_DeltaSD``,
    ``findOptimalFLCI``). With event-study coefficients ``beta = (beta_pre, beta_post)``, the
    reference period normalised to 0, and ``beta = tau + delta`` (delta the violation of
    parallel trends, ``tau_pre = 0``), the target is ``theta = l' tau_post``.

    *Relative magnitudes* Delta^RM(Mbar) (their section 2.4.1): no post-period change in the
    violation exceeds Mbar times the largest change between consecutive pre-periods::

        |delta_{t+1} - delta_t| <= Mbar * max_{s<0} |delta_{s+1} - delta_s|   for all t >= 0.

    Only ``l' tau_post`` is restricted, so with ``D = max_s |beta_{s+1} - beta_s|`` and
    ``L = sum_k |sum_{t>=k} l_t|`` the identified set is
    ``[l'beta_post - Mbar L D, l'beta_post + Mbar L D]``.

    *Smoothness* Delta^SD(M): the slope of the violation changes by at most M between
    consecutive periods, ``|(delta_{t+1} - delta_t) - (delta_t - delta_{t-1})| <= M``.

Inference (the ``method`` argument)
    ``"C-LF"`` (the default for relative magnitudes, as in HonestDiD): the conditional /
    least-favourable hybrid test of Andrews, Roth & Pakes (2023, sections 3 and 6.2), inverted
    over a grid of theta. Delta^RM is a union of polyhedra (one for each pre-period s whose
    change is the largest, and its sign); within one, ``theta = theta0`` is the moment
    inequalities ``A beta - d <= 0`` with the post-period effects other than theta as nuisance
    parameters. The statistic is ``eta = min_nuisance max_j (moment_j / sd_j)`` (a linear
    program); the test first rejects when eta exceeds the least-favourable critical value at
    size kappa = alpha / 10, else it conditions on the binding moments (the dual vertex) and
    compares eta with the 1 - (alpha - kappa) / (1 - kappa) quantile of the truncated normal.
    The robust set is the union over polyhedra of the accepted grid points, reported as its
    hull. ``"Conditional"``: the same without the least-favourable step (HonestDiD's "ARP").
    ``"LF"``: the least-favourable max-t test alone on all moments (talentlab's earlier
    method; valid, wider). ``"FLCI"`` (the default for smoothness): the fixed-length
    confidence interval of Armstrong & Kolesar, the affine estimator with the shortest
    worst-case-bias-adjusted interval.

    Faithful to HonestDiD in the details that move the published numbers: the grid
    (``grid_points`` = 1000 over ``[-20 sd(theta), 20 sd(theta)]`` for Delta^RM, around the
    identified set at beta = 0 for Delta^SD), only the moments involving post-period
    coefficients (``postPeriodMomentsOnly``), the least-favourable critical value from 1000
    draws of R's own random numbers (Mersenne-Twister, ``set.seed(seed)``, inversion, and
    mvtnorm's eigen root), the dual linear program solved exactly by enumerating its vertices
    (so ``num_post`` is limited to :data:`MAX_POST_PERIODS`). Where HonestDiD's fixed grid
    holds no accepted point or the accepted set touches its end (HonestDiD then only warns),
    the grid is laid again over the identified set at the estimate and the ends are found by
    bisection (``conditional``); results on which HonestDiD's grid is adequate are
    unchanged.

    On HonestDiD's published Medicaid example (event study in ``tests/reference_honestdid/``)
    the C-LF intervals for the 2014 effect at Mbar = 0.5 / 1 / 1.5 / 2 and the FLCI for
    M = 0, 0.01, ..., 0.05 equal the published ones to 1e-3 (``tests/test_sensitivity.py``).
    The LF intervals were 1.27-1.35 times wider, with breakdown value 1.36 instead of about 2.

    The breakdown value ``Mbar*`` is the largest Mbar at which the robust interval still
    excludes the null value in the claimed direction (0 when it does not even at Mbar = 0),
    computed with the same method and target l as the interval.
classify_robustness
    Names the cause when a significant conclusion is not robust: "pre-trend violation
    detected" (the pre-period test rejects) or "not robust at Mbar = m" (it does not: the
    robust interval is too wide, i.e. imprecision, not a detected violation).

References
----------
Andrews I, Roth J, Pakes A (2023). Inference for linear conditional moment inequalities.
Review of Economic Studies 90(6):2763-2791.
Armstrong TB, Kolesar M (2018). Optimal inference in a class of regression models.
Econometrica 86(2):655-683.
Hartman E, Hidalgo FD (2018). An equivalence approach to balance and placebo tests. American
Journal of Political Science 62(4):1000-1013.
Rambachan A, Roth J (2023). A more credible approach to parallel trends. Review of Economic
Studies 90(5):2555-2591.
Roth J (2022). Pretest with caution: event-study estimates after testing for parallel trends.
American Economic Review: Insights 4(3):305-322.
Schuirmann DJ (1987). A comparison of the two one-sided tests procedure and the power approach
for assessing the equivalence of average bioavailability. Journal of Pharmacokinetics and
Biopharmaceutics 15(6):657-680.
"""

from talentlab.evaluation.sensitivity.intervals import (
    breakdown_mbar,
    pretrend_equivalence_bound,
    relative_magnitudes,
    relative_magnitudes_interval,
    smoothness_interval,
)
from talentlab.evaluation.sensitivity.restrictions import (
    DEFAULT_MBAR,
    GRID_POINTS,
    HONESTDID_SIMS,
    MAX_OPEN_END_DOUBLINGS,
    MAX_PERIODS,
    MAX_POST_PERIODS,
    MBAR_MAX,
    N_CRITICAL_DRAWS,
    RM_METHODS,
    SD_METHODS,
    SensitivityInputError,
    pre_changes_matrix,
    relative_magnitudes_identified_set,
)
from talentlab.evaluation.sensitivity.robustness import (
    PRETREND_ALPHA,
    RobustnessClass,
    classify_robustness,
)

__all__ = [
    "DEFAULT_MBAR",
    "GRID_POINTS",
    "HONESTDID_SIMS",
    "MAX_OPEN_END_DOUBLINGS",
    "MAX_PERIODS",
    "MAX_POST_PERIODS",
    "MBAR_MAX",
    "N_CRITICAL_DRAWS",
    "PRETREND_ALPHA",
    "RM_METHODS",
    "SD_METHODS",
    "SensitivityInputError",
    "pre_changes_matrix",
    "relative_magnitudes_identified_set",
    "relative_magnitudes_interval",
    "smoothness_interval",
    "breakdown_mbar",
    "pretrend_equivalence_bound",
    "relative_magnitudes",
    "RobustnessClass",
    "classify_robustness",
]
