"""Staggered difference in differences robust to heterogeneous effects (Callaway & Sant'Anna 2021).

When units adopt a reform in different years and the effect differs by adoption year or grows
with exposure, the two-way fixed-effects coefficient averages the group-time effects with weights
that can be negative: already treated units serve as comparisons for later adopters (Goodman-Bacon
2021; de Chaisemartin & D'Haultfœuille 2020). Callaway & Sant'Anna (2021) instead estimate every
group-time effect ATT(g, t) -- the effect in year t on the units first treated in year g -- by its
own 2 x 2 comparison against units not treated by then, and aggregate these effects with
non-negative weights chosen in advance.

This module follows R's ``did`` package (version 2.5.1; Callaway & Sant'Anna) choice for choice:

* ATT(g, t) by the outcome-regression DiD of Sant'Anna & Zhao (2020) (``est_method = "reg"``;
  without covariates it is the plain difference of mean changes), with the "varying" base period:
  a post-treatment cell compares year t with the last year before g, a pre-treatment cell compares
  year t with the year before it (placebo effects for checking parallel trends);
* comparison units: the never treated (``first_treated == 0``) or the not yet treated
  (never treated plus units first treated after year t, other than group g);
* aggregations (``aggte``): ``simple`` (post-treatment ATT(g, t) weighted by group size),
  ``dynamic`` (by event time e = t - g, and the average over e >= 0) and ``group`` (by adoption
  year, and their group-size weighted average), each with the influence function of the weights;
* inference: influence-function standard errors summed within clusters (the unit by default),
  and simultaneous (uniform) bands from the multiplier bootstrap with Rademacher weights drawn
  per cluster (Callaway & Sant'Anna 2021, Remark 10), critical value the (1 - alpha) quantile
  of the largest absolute t-statistic over the table.

Two deliberate differences from R: the reported ``se`` is the analytic influence-function
standard error (R's bootstrap IQR-based standard error estimates the same quantity with Monte
Carlo noise; the band's critical value does come from the bootstrap), and the influence function
of estimated group shares is w_i (1{G_i = g} - p_g) rather than w_i 1{G_i = g} - p_g, which is
the same without weights and makes a count table (``weights="count"``) give the standard errors
of the microdata it summarises.

With few clusters, or few in one comparison arm, the influence-function standard errors are too
small (on 30 majors with six never reformed they cover 0.89 instead of 0.95); ``inference=
"jackknife"`` recomputes every estimate without each cluster in turn (the CR3 jackknife of
:func:`talentlab.evaluation.did`) and uses t(G - 1), which covers at the nominal rate there
(benchmarks/sim_study_staggered.py).

Repeated cross-sections (``panel=False``, R's ``panel = FALSE``) are what the graduate tables
are: each cohort of a major is new graduates. Each row is then one observation (a graduate, or a
count-table row with ``weights="count"``), ATT(g, t) compares the four cell means, and the
influence function is summed within clusters, by default the unit (the major that adopts the
reform), because the reform is assigned to units, not to graduates.

References
----------
Callaway B, Sant'Anna PHC (2021). Difference-in-differences with multiple time periods. Journal of
Econometrics 225(2):200-230. doi:10.1016/j.jeconom.2020.12.001
Sant'Anna PHC, Zhao J (2020). Doubly robust difference-in-differences estimators. Journal of
Econometrics 219(1):101-122.
Callaway B, Sant'Anna PHC (2025). did: Treatment Effects with Multiple Periods and Groups.
R package version 2.5.1, https://github.com/bcallaway11/did
Goodman-Bacon A (2021). Difference-in-differences with variation in treatment timing. Journal of
Econometrics 225(2):254-277.
de Chaisemartin C, D'Haultfœuille X (2020). Two-way fixed effects estimators with heterogeneous
treatment effects. American Economic Review 110(9):2964-2996.
Montiel Olea JL, Plagborg-Møller M (2019). Simultaneous confidence bands: theory, implementation,
and an application to SVARs. Journal of Applied Econometrics 34(1):1-17.
"""

from __future__ import annotations

from talentlab.evaluation.staggered.cells import GroupTimeCell, aggregations, group_time_cells
from talentlab.evaluation.staggered.estimator import StaggeredDiDResult, staggered_did
from talentlab.evaluation.staggered.limits import (
    FEW_CLUSTERS,
    MAX_BOOTSTRAP,
    MAX_BOOTSTRAP_WORK,
    MAX_CELL_WORK,
    MAX_CELLS,
    MIN_BOOTSTRAP,
)
from talentlab.evaluation.staggered.sample import (
    CONTROL_GROUPS,
    STAGGERED_INFERENCE,
    TERM_EVENT,
    TERM_EVENT_AVERAGE,
    TERM_GROUP,
    TERM_GROUP_AVERAGE,
    TERM_GROUP_TIME,
    TERM_SIMPLE,
    Sample,
    panel_sample,
    rows_sample,
)
from talentlab.evaluation.staggered.sums import (
    SumsEstimate,
    UnitYearSums,
    estimate_from_sums,
    jackknife_event_study,
    jackknife_simple,
    unit_year_sums,
    universal_event_study,
)

__all__ = [
    "CONTROL_GROUPS", "STAGGERED_INFERENCE", "FEW_CLUSTERS", "MIN_BOOTSTRAP", "MAX_BOOTSTRAP",
    "MAX_CELLS", "MAX_CELL_WORK", "MAX_BOOTSTRAP_WORK", "TERM_GROUP_TIME", "TERM_SIMPLE",
    "TERM_EVENT", "TERM_EVENT_AVERAGE", "TERM_GROUP", "TERM_GROUP_AVERAGE",
    "StaggeredDiDResult", "staggered_did", "Sample", "panel_sample", "rows_sample",
    "GroupTimeCell", "group_time_cells", "aggregations",
    "UnitYearSums", "unit_year_sums", "SumsEstimate", "estimate_from_sums",
    "universal_event_study", "jackknife_event_study", "jackknife_simple",
]
