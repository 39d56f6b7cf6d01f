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

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.evaluation.common import (
    EvaluationInputError,
    as_float,
    as_int,
    require_columns,
    tidy_result,
)

#: comparison groups: units never treated, or never treated plus those not treated by year t
CONTROL_GROUPS = ("never_treated", "not_yet_treated")
#: standard errors: the influence function (R's did) or the leave-one-cluster-out jackknife
STAGGERED_INFERENCE = ("influence", "jackknife")
#: bounds on the work one call may do (a call beyond them is refused with an error, not run)
#: below this many clusters the result carries a note that its intervals rest on many clusters
FEW_CLUSTERS = 30
MIN_BOOTSTRAP = 99
MAX_BOOTSTRAP = 100_000
MAX_CELLS = 2_500  # adoption years x periods
MAX_CELL_WORK = 500_000_000  # rows x ATT(g,t) cells (each cell scans the rows once)
MAX_BOOTSTRAP_WORK = 20_000_000_000  # draws x clusters x estimates (the bootstrap products)
_CHUNK_ELEMENTS = 4_000_000  # bootstrap multipliers drawn at a time (32 MB)

TERM_GROUP_TIME = "att_gt"
TERM_SIMPLE = "att_simple"
TERM_EVENT = "att_event"
TERM_EVENT_AVERAGE = "att_event_average"
TERM_GROUP = "att_group"
TERM_GROUP_AVERAGE = "att_group_average"

_WHERE = "staggered_did"


@dataclass(frozen=True)
class StaggeredDiDResult:
    """The tables of :func:`staggered_did`.

    Every table has the columns of :data:`talentlab.evaluation.RESULT_COLUMNS` (``ci_low`` /
    ``ci_high`` the pointwise normal interval, ``p_value`` its two-sided test of 0) and
    ``band_low``, ``band_high``, ``crit_value`` (the simultaneous band over the table's rows and
    its critical value; NaN on the average rows, whose interval is ``ci_low`` / ``ci_high``) and
    ``n_treated`` (units, or observations of repeated cross-sections, in the groups behind the
    row). ``primary`` marks the row a verdict should use: the overall effect.

    Attributes
    ----------
    group_time : DataFrame
        One row per ATT(g, t): ``group``, ``time``, ``base_time`` (the year compared with),
        ``event_time`` (t - g), ``post`` (t >= g), ``n_control``; pre-treatment rows are the
        placebo effects (year t against year t - 1).
    simple : DataFrame
        One row: the post-treatment ATT(g, t) averaged with group-size weights.
    event_time : DataFrame
        One row per event time e (``event_time``), then the average over e >= 0
        (``term == "att_event_average"``, primary).
    group : DataFrame
        One row per adoption year (``group``), then their group-size weighted average
        (``term == "att_group_average"``, primary; Callaway & Sant'Anna's preferred summary).
    control, panel, confidence, n_bootstrap, seed
        The options of the call.
    notes : tuple of str
        What the call did to the data beyond the estimator: units dropped or recoded, cells not
        estimable.
    """

    group_time: pd.DataFrame
    simple: pd.DataFrame
    event_time: pd.DataFrame
    group: pd.DataFrame
    control: str
    panel: bool
    confidence: float
    n_bootstrap: int
    seed: int | None
    notes: tuple[str, ...] = field(default=())

    def table(self) -> pd.DataFrame:
        """All four tables stacked, with a first column ``aggregation``."""
        parts = []
        for name in ("group_time", "simple", "event_time", "group"):
            part = getattr(self, name).copy()
            part.insert(0, "aggregation", name)
            parts.append(part)
        return pd.concat(parts, ignore_index=True)


@dataclass
class _Sample:
    """The estimation sample: outcome by period (panel) or by row, weights, groups, clusters."""

    panel: bool
    periods: np.ndarray  # sorted distinct years
    y: np.ndarray  # panel: (units, periods); rows: (rows,)
    x: np.ndarray  # covariates with the intercept first; panel: (units, periods, p); rows: (rows, p)
    period_index: np.ndarray | None  # rows: position of each row's year in ``periods``
    w: np.ndarray  # weights, mean 1 (units or rows)
    g: np.ndarray  # first treated year (0 = never), per unit or row
    cluster_codes: np.ndarray
    n_clusters: int
    cluster_name: str
    cluster_labels: np.ndarray | None = None  # rows: the cluster of each code, sorted

    @property
    def n(self) -> int:
        return len(self.w)

    def subset(self, keep: np.ndarray) -> _Sample:
        """The sample restricted to some units (panel) or rows; cluster codes kept."""
        return _Sample(
            panel=self.panel, periods=self.periods, y=self.y[keep], x=self.x[keep],
            period_index=None if self.period_index is None else self.period_index[keep],
            w=self.w[keep], g=self.g[keep], cluster_codes=self.cluster_codes[keep],
            n_clusters=self.n_clusters, cluster_name=self.cluster_name)


@dataclass
class _Cell:
    group: int
    time: int
    base_time: int
    post: bool
    att: float
    scores: np.ndarray | None  # influence function summed by cluster (length n_clusters)
    n: int
    n_treated: int
    n_control: int
    problem: str | None = None


def staggered_did(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    control: str = "never_treated",
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    confidence: float = 0.95,
    n_bootstrap: int = 999,
    seed: int | None = 20220901,
    cluster: str | None = None,
    panel: bool = True,
    inference: str = "influence",
) -> StaggeredDiDResult:
    """Group-time effects of a staggered reform and their aggregations (Callaway & Sant'Anna).

    Estimates ATT(g, t), the average effect in year t on the units first treated in year g, for
    every adoption year g and year t (pre-treatment years give placebo effects), by a 2 x 2
    difference in differences against units not treated by then; aggregates them into the
    overall effect (``simple``), effects by years since adoption (``event_time``) and by adoption
    year (``group``). Standard errors come from the influence function (summed within clusters),
    simultaneous bands from the multiplier bootstrap, as in R's ``did`` package (see the module
    docstring for the two places it differs). With one adoption year the post-treatment average
    against a single pre-treatment year is the classic 2 x 2 DiD of :func:`did`.

    Parameters
    ----------
    data : DataFrame
        Panel: one row per unit and year, every unit observed in every year. Repeated
        cross-sections (``panel=False``): one row per observation (a graduate, or a row of a count
        table with ``weights="count"``), any number per unit and year.
    outcome : str
        Outcome column, numeric or (nullable) boolean (a proportion's DiD is in proportion points).
    unit : str
        The unit a reform is adopted by (a major, or college x major); ``first_treated`` must be
        constant within it.
    time : str
        Year (whole numbers; gaps allowed: the base year is the previous year observed).
    first_treated : str
        The first year the unit is treated, 0 for never treated. A year after the last year
        observed counts as never treated (as in R's ``did``); units treated in or before the
        first year observed have no pre-treatment year and are dropped (both said in ``notes``).
    control : {"never_treated", "not_yet_treated"}
        Comparison units: those never treated, or in addition those first treated after the
        later year of the comparison (other than group g itself).
    covariates : sequence of str, optional
        Covariates for conditional parallel trends by outcome regression (Sant'Anna & Zhao 2020;
        R's ``est_method = "reg"``): the change of the comparison units is predicted from the
        covariates (base-year values in a panel). None (default): unconditional parallel trends.
    weights : str, optional
        Non-negative weights (sampling weights, or a count table's counts). In a panel they must
        be constant within unit. Rows of weight 0 are left out.
    confidence : float
        Level of the intervals and bands (alpha = 1 - confidence).
    n_bootstrap : int
        Multiplier-bootstrap draws for the simultaneous bands (99 to 100,000).
    seed : int or None
        Seed of the bootstrap multipliers (a fixed seed gives identical bands each run).
    cluster : str, optional
        Cluster column for the standard errors and the bootstrap. None: the unit (a panel's
        rows of one unit are always one cluster, as in R; in repeated cross-sections the unit is
        where the reform is assigned, so its graduates are not independent evidence). Must be
        constant within unit in a panel.
    panel : bool
        True (default): a balanced panel of units; False: repeated cross-sections.
    inference : {"influence", "jackknife"}
        Standard errors. ``"influence"`` (default, as R's did): the influence function's
        cluster sums, normal reference. ``"jackknife"``: every estimate recomputed leaving out
        one cluster at a time, V = (G-1)/G sum_c (b_(c) - b)^2 (the CR3 jackknife of
        :func:`did`; MacKinnon, Nielsen & Webb 2023), t(G - 1) reference for the pointwise
        intervals and p-values; the simultaneous bands use the bootstrap critical value with
        these standard errors. With few clusters, or few in one comparison (six never-treated
        majors), the influence-function standard errors are too small (they use the clusters'
        spread with divisor G, not G - 1, arm by arm) and the jackknife is the one to use
        (benchmarks/sim_study_staggered.py).

    Returns
    -------
    StaggeredDiDResult
        ``group_time``, ``simple``, ``event_time`` and ``group`` tables (estimate, se, ci_low,
        ci_high, p_value, n, n_clusters, method, band_low, band_high, ...) and ``notes``.

    Raises
    ------
    EvaluationInputError
        A missing column, a non-numeric outcome, a unit whose ``first_treated`` (or weight, or
        cluster) changes, an unbalanced panel or a repeated (unit, year), a missing value, no
        treated or no comparison units, or a call beyond the documented limits.

    See Also
    --------
    did : two-way fixed effects with one reform year and few-cluster inference.

    Notes
    -----
    The standard errors and bands are large-sample results in the number of clusters: with
    few clusters (fewer than :data:`FEW_CLUSTERS`, e.g. the eight majors of one college) they
    are too narrow, and ``notes`` says so. Cells without treated or comparison observations (for example the last years under
    ``control="not_yet_treated"`` when no unit is never treated) are reported as not estimable
    and left out of the aggregations (R's ``na.rm = TRUE``), said in ``notes``. Checked against
    R ``did`` 2.5.1's published results on ``mpdta`` (tests/reference/mpdta/).

    References
    ----------
    Callaway B, Sant'Anna PHC (2021). Difference-in-differences with multiple time periods.
    Journal of Econometrics 225(2):200-230.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from talentlab.evaluation import staggered_did
    >>> rng = np.random.default_rng(7)
    >>> rows = []
    >>> for u in range(60):
    ...     g = (2020, 2022, 0)[u % 3]
    ...     for t in range(2018, 2025):
    ...         effect = 0.1 * (t - g + 1) if g and t >= g else 0.0
    ...         rows.append((u, t, g, 0.02 * t + u / 100 + effect + rng.normal(0, 0.05)))
    >>> df = pd.DataFrame(rows, columns=["unit", "year", "first_treated", "y"])
    >>> res = staggered_did(df, "y", "unit", "year", "first_treated")
    >>> res.simple[["term", "estimate", "se", "ci_low", "ci_high"]].round(3)
             term  estimate     se  ci_low  ci_high
    0  att_simple     0.274  0.016   0.243    0.305

    The planted effect grows by 0.1 a year of exposure (true simple average 0.2625); the
    placebo effects before adoption are near 0:

    >>> res.event_time[["term", "event_time", "estimate", "band_low", "band_high"]].round(2)
                    term  event_time  estimate  band_low  band_high
    0          att_event        -3.0     -0.00     -0.06       0.05
    1          att_event        -2.0     -0.01     -0.07       0.04
    2          att_event        -1.0      0.01     -0.03       0.05
    3          att_event         0.0      0.12      0.07       0.16
    4          att_event         1.0      0.20      0.17       0.24
    5          att_event         2.0      0.31      0.27       0.35
    6          att_event         3.0      0.41      0.35       0.47
    7          att_event         4.0      0.52      0.47       0.57
    8  att_event_average         NaN      0.31       NaN        NaN
    """
    covariates = list(covariates or [])
    _check_options(control, confidence, n_bootstrap, seed, panel, inference)
    notes: list[str] = []
    sample = (_panel_sample if panel else _rows_sample)(
        data, outcome, unit, time, first_treated, covariates, weights, cluster, control, notes)
    alpha = 1.0 - confidence
    z = float(stats.norm.ppf(1 - alpha / 2))

    if sample.n_clusters < FEW_CLUSTERS and inference == "influence":
        notes.append(
            f"only {sample.n_clusters} clusters ({sample.cluster_name}): the influence-function "
            "standard errors and the multiplier bootstrap rest on many clusters, and with few "
            "the intervals are too narrow; use inference='jackknife' and read them beside "
            "design-based inference")
    cells = _group_time_cells(sample, control, notes)
    common = {"outcome": outcome, "n_clusters": sample.n_clusters, "alpha": alpha,
              "null_value": 0.0}
    method = _method_text(sample, control, covariates, confidence, n_bootstrap, inference)
    simple_rows, event_rows, event_avg, group_rows, group_avg = _aggregations(sample, cells,
                                                                              notes)
    gt_rows = [{"term": TERM_GROUP_TIME, "group": c.group, "time": c.time,
                "base_time": c.base_time, "event_time": c.time - c.group, "post": c.post,
                "estimate": c.att, "scores": c.scores, "n": c.n, "n_treated": c.n_treated,
                "n_control": c.n_control, "primary": False, "problem": c.problem}
               for c in cells]
    all_rows = [*gt_rows, *simple_rows, *event_rows, event_avg, *group_rows, group_avg]
    for r in all_rows:
        r["se"] = float(np.sqrt(r["scores"] @ r["scores"])) if r["problem"] is None else np.nan
    crit_pointwise = z
    if inference == "jackknife":
        _jackknife_se(sample, control, all_rows)
        crit_pointwise = float(stats.t.ppf(1 - alpha / 2, sample.n_clusters - 1))

    # simultaneous bands: one bootstrap for the three tables
    banded = [[r for r in rows if r["problem"] is None]
              for rows in (gt_rows, event_rows, group_rows)]
    crits = _bootstrap_critical_values(banded, sample.n_clusters, n_bootstrap, seed,
                                       confidence)
    for rows, crit in zip(banded, crits, strict=True):
        for r in rows:
            # R falls back to the pointwise value when the band would be narrower
            r["crit_value"] = max(crit, crit_pointwise) if np.isfinite(crit) else crit_pointwise

    n_total = sample.n
    tables = []
    for rows in (gt_rows, simple_rows, [*event_rows, event_avg], [*group_rows, group_avg]):
        out = []
        for r in rows:
            r = dict(r)
            problem = r.pop("problem")
            r.pop("scores")
            r.setdefault("n", n_total)
            if problem is not None:
                r.update({"se": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                          "band_low": np.nan, "band_high": np.nan, "crit_value": np.nan,
                          "method": f"not estimable: {problem}"})
            else:
                se, est = r["se"], r["estimate"]
                r.update({"ci_low": est - crit_pointwise * se,
                          "ci_high": est + crit_pointwise * se,
                          "p_value": _p_value(est, se, sample.n_clusters, inference),
                          "method": method})
                crit = r["crit_value"] = r.get("crit_value", np.nan)
                r["band_low"], r["band_high"] = est - crit * se, est + crit * se
            out.append({**common, **r})
        tables.append(tidy_result(out))
    group_time, simple, event_time, group = tables
    group_time = group_time.astype({"group": int, "time": int, "base_time": int,
                                    "event_time": int, "post": bool})
    return StaggeredDiDResult(
        group_time=group_time, simple=simple, event_time=event_time, group=group,
        control=control, panel=panel, confidence=confidence, n_bootstrap=n_bootstrap,
        seed=seed, notes=tuple(notes))


# =============================================================================================
# checks and the estimation sample
# =============================================================================================

def _check_options(control, confidence, n_bootstrap, seed, panel, inference) -> None:
    if control not in CONTROL_GROUPS:
        raise EvaluationInputError(
            f"{_WHERE}: control must be one of {CONTROL_GROUPS}, got {control!r}")
    if inference not in STAGGERED_INFERENCE:
        raise EvaluationInputError(
            f"{_WHERE}: inference must be one of {STAGGERED_INFERENCE}, got {inference!r}")
    if isinstance(confidence, bool) or not isinstance(confidence, (int, float)) \
            or not 0 < confidence < 1:
        raise EvaluationInputError(
            f"{_WHERE}: confidence must lie strictly between 0 and 1, got {confidence!r}")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) \
            or not MIN_BOOTSTRAP <= n_bootstrap <= MAX_BOOTSTRAP:
        raise EvaluationInputError(
            f"{_WHERE}: n_bootstrap must be a whole number from {MIN_BOOTSTRAP} to "
            f"{MAX_BOOTSTRAP:,}, got {n_bootstrap!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise EvaluationInputError(f"{_WHERE}: seed must be a whole number or None, got {seed!r}")
    if not isinstance(panel, bool):
        raise EvaluationInputError(f"{_WHERE}: panel must be True or False, got {panel!r}")


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _rows_named(data: pd.DataFrame, mask: np.ndarray, limit: int = 5) -> str:
    labels = data.index[np.flatnonzero(mask)[:limit]].tolist()
    more = int(mask.sum()) - len(labels)
    return f"{labels}" + (f" and {more} more" if more > 0 else "")


def _complete(values: np.ndarray, data: pd.DataFrame, column: str, what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise EvaluationInputError(
            f"{_WHERE}: column '{column}' has {int(bad.sum())} missing or non-finite value(s) "
            f"at row(s) {_rows_named(data, bad)}; {what}")


def _weights(data: pd.DataFrame, weights: str | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(data))
    w = as_float(data[weights], weights, _WHERE)
    _complete(w, data, weights, "weights must be given for every row")
    if (w < 0).any():
        raise EvaluationInputError(
            f"{_WHERE}: column '{weights}' (weights) must be >= 0; negative at row(s) "
            f"{_rows_named(data, w < 0)}")
    return w


def _first_treated(data: pd.DataFrame, first_treated: str) -> np.ndarray:
    g = as_int(data[first_treated], first_treated, _WHERE)
    if (g < 0).any():
        raise EvaluationInputError(
            f"{_WHERE}: column '{first_treated}' must be 0 (never treated) or the first treated "
            f"year; negative at row(s) {_rows_named(data, g < 0)}")
    return g


def _constant_within_unit(data: pd.DataFrame, unit: str, column: str, values,
                          what: str) -> None:
    per_unit = pd.Series(values, index=data.index).groupby(data[unit].to_numpy()).nunique(
        dropna=False)
    varying = per_unit[per_unit > 1]
    if len(varying):
        u = _plain(varying.index[0])
        seen = sorted(pd.unique(pd.Series(values)[(data[unit] == u).to_numpy()]).tolist())[:5]
        raise EvaluationInputError(
            f"{_WHERE}: column '{column}' must be constant within each {unit} ({what}); "
            f"{len(varying)} unit(s) vary, e.g. {unit} = {u!r} has {seen}")


def _covariate_matrix(data: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    cols = [np.ones(len(data))]
    for c in covariates:
        v = as_float(data[c], c, _WHERE)
        _complete(v, data, c, "covariates must be complete")
        cols.append(v)
    return np.column_stack(cols)


def _recode_groups(g: np.ndarray, periods: np.ndarray, entity: str, notes: list[str]
                   ) -> np.ndarray:
    """Never treated within the window -> 0; returns the mask of entities to keep."""
    late = g > periods.max()
    if late.any():
        years = sorted(set(g[late].tolist()))
        notes.append(f"{int(late.sum())} {entity} first treated after the last year observed "
                     f"({years}) count as never treated, as in R's did")
        g[late] = 0
    early = (g > 0) & (g <= periods.min())
    if early.any():
        years = sorted(set(g[early].tolist()))
        notes.append(f"{int(early.sum())} {entity} treated in or before the first year observed "
                     f"({years}) have no pre-treatment year and are left out, as in R's did")
    return ~early


def _check_groups(g: np.ndarray, control: str, first_treated: str) -> None:
    if not (g > 0).any():
        raise EvaluationInputError(
            f"{_WHERE}: no unit is first treated inside the years observed (column "
            f"'{first_treated}'); there is no effect to estimate")
    if control == "never_treated" and not (g == 0).any():
        raise EvaluationInputError(
            f"{_WHERE}: control='never_treated' needs units with {first_treated} = 0 (never "
            "treated), and there are none; use control='not_yet_treated'")


def _panel_sample(data, outcome, unit, time, first_treated, covariates, weights, cluster,
                  control, notes) -> _Sample:
    cluster_name = cluster or unit
    columns = list(dict.fromkeys([unit, time, first_treated, outcome, *covariates]
                                 + ([weights] if weights else []) + [cluster_name]))
    require_columns(data, columns, _WHERE)
    if len(data) == 0:
        raise EvaluationInputError(f"{_WHERE}: the data have no rows")
    if data[unit].isna().any():
        raise EvaluationInputError(f"{_WHERE}: column '{unit}' is missing at row(s) "
                                   f"{_rows_named(data, data[unit].isna().to_numpy())}")
    t = as_int(data[time], time, _WHERE)
    dup = pd.DataFrame({"u": data[unit].to_numpy(), "t": t}).duplicated(keep=False).to_numpy()
    if dup.any():
        raise EvaluationInputError(
            f"{_WHERE}: a panel has one row per {unit} and {time}; {int(dup.sum())} rows repeat "
            f"a ({unit}, {time}) pair, e.g. row(s) {_rows_named(data, dup)}. Repeated "
            "cross-sections (several graduates per unit and year) need panel=False")
    y = as_float(data[outcome], outcome, _WHERE)
    _complete(y, data, outcome, "a panel needs the outcome of every unit in every year "
              "(or use panel=False for repeated cross-sections)")
    g = _first_treated(data, first_treated)
    _constant_within_unit(data, unit, first_treated, g, "the treatment does not switch off")
    w = _weights(data, weights)
    if weights:
        _constant_within_unit(data, unit, weights, w, "panel weights are unit weights")
    if cluster is not None and cluster != unit:
        if data[cluster].isna().any():
            raise EvaluationInputError(f"{_WHERE}: column '{cluster}' is missing at row(s) "
                                       f"{_rows_named(data, data[cluster].isna().to_numpy())}")
        _constant_within_unit(data, unit, cluster, data[cluster].to_numpy(),
                              "a unit's years are one cluster")
    x = _covariate_matrix(data, covariates)

    unit_codes, units = pd.factorize(data[unit], sort=True)
    periods = np.unique(t)
    if len(periods) < 2:
        raise EvaluationInputError(f"{_WHERE}: column '{time}' has one year only; a DiD needs two")
    t_codes = np.searchsorted(periods, t)
    n_units = len(units)
    seen = np.zeros((n_units, len(periods)), dtype=bool)
    seen[unit_codes, t_codes] = True
    if not seen.all():
        missing_units = np.flatnonzero(~seen.all(axis=1))
        u0 = missing_units[0]
        raise EvaluationInputError(
            f"{_WHERE}: the panel is not balanced: {len(missing_units)} {unit}(s) lack some "
            f"{time}(s), e.g. {unit} = {_plain(units[u0])!r} has no row for "
            f"{periods[~seen[u0]].tolist()[:10]}. Supply every year of every unit, or use "
            "panel=False (repeated cross-sections)")
    order = np.lexsort((t_codes, unit_codes))  # unit-major, then year
    y_mat = y[order].reshape(n_units, len(periods))
    x_mat = x[order].reshape(n_units, len(periods), x.shape[1])
    first = order.reshape(n_units, len(periods))[:, 0]
    g_unit = g[first].copy()
    w_unit = w[first]
    cl = data[cluster_name].to_numpy()[first]

    keep = _recode_groups(g_unit, periods, "unit(s)", notes)
    keep &= w_unit > 0
    if not (w_unit > 0).all():
        notes.append(f"{int((w_unit == 0).sum())} unit(s) of weight 0 left out")
    _check_groups(g_unit[keep], control, first_treated)
    w_keep = w_unit[keep]
    cluster_codes, cluster_labels = pd.factorize(pd.Series(cl[keep]), sort=True)
    return _Sample(panel=True, periods=periods, y=y_mat[keep], x=x_mat[keep], period_index=None,
                   w=w_keep / w_keep.mean(), g=g_unit[keep], cluster_codes=cluster_codes,
                   n_clusters=len(cluster_labels), cluster_name=cluster_name)


def _rows_sample(data, outcome, unit, time, first_treated, covariates, weights, cluster,
                 control, notes) -> _Sample:
    cluster_name = cluster or unit
    columns = list(dict.fromkeys([unit, time, first_treated, outcome, *covariates]
                                 + ([weights] if weights else []) + [cluster_name]))
    require_columns(data, columns, _WHERE)
    y_all = as_float(data[outcome], outcome, _WHERE)
    missing = np.isnan(y_all)
    if missing.any():
        notes.append(f"{int(missing.sum())} row(s) with a missing '{outcome}' left out")
    frame = data.loc[~missing]
    if len(frame) == 0:
        raise EvaluationInputError(f"{_WHERE}: no row has a non-missing '{outcome}'")
    for col in dict.fromkeys([unit, cluster_name]):
        if frame[col].isna().any():
            raise EvaluationInputError(f"{_WHERE}: column '{col}' is missing at row(s) "
                                       f"{_rows_named(frame, frame[col].isna().to_numpy())}")
    y = y_all[~missing]
    t = as_int(frame[time], time, _WHERE)
    g = _first_treated(frame, first_treated)
    _constant_within_unit(frame, unit, first_treated, g, "the reform year is the unit's")
    w = _weights(frame, weights)
    x = _covariate_matrix(frame, covariates)
    periods = np.unique(t)
    if len(periods) < 2:
        raise EvaluationInputError(f"{_WHERE}: column '{time}' has one year only; a DiD needs two")
    keep = _recode_groups(g, periods, "row(s)", notes)
    if (w == 0).any():
        notes.append(f"{int((w[keep] == 0).sum())} row(s) of weight 0 left out")
    keep &= w > 0
    _check_groups(g[keep], control, first_treated)
    cluster_codes, cluster_labels = pd.factorize(frame[cluster_name].iloc[np.flatnonzero(keep)],
                                                 sort=True)
    w_keep = w[keep]
    return _Sample(panel=False, periods=periods, y=y[keep], x=x[keep],
                   period_index=np.searchsorted(periods, t[keep]), w=w_keep / w_keep.mean(),
                   g=g[keep], cluster_codes=np.asarray(cluster_codes),
                   n_clusters=len(cluster_labels), cluster_name=cluster_name,
                   cluster_labels=np.asarray(cluster_labels))


# =============================================================================================
# ATT(g, t)
# =============================================================================================

def _group_time_cells(sample: _Sample, control: str, notes: list[str]) -> list[_Cell]:
    periods = sample.periods
    groups = sorted(set(sample.g[sample.g > 0].tolist()))
    n_cells = len(groups) * (len(periods) - 1)
    if n_cells > MAX_CELLS:
        raise EvaluationInputError(
            f"{_WHERE}: {len(groups)} adoption years x {len(periods) - 1} years = {n_cells:,} "
            f"group-time effects, more than the limit of {MAX_CELLS:,}")
    rows = sample.n if sample.panel else len(sample.y)
    if rows * n_cells > MAX_CELL_WORK:
        raise EvaluationInputError(
            f"{_WHERE}: {rows:,} rows x {n_cells:,} group-time effects exceeds the limit of "
            f"{MAX_CELL_WORK:,} row-cells; aggregate the rows (a count table with weights) "
            "or select years")
    cells = []
    skipped = []
    for gr in groups:
        pre_g = int(np.flatnonzero(periods < gr)[-1])  # the last year before adoption
        treat = sample.g == gr
        for k in range(1, len(periods)):
            post = bool(gr <= periods[k])
            base = pre_g if post else k - 1
            if control == "never_treated":
                ctrl = sample.g == 0
            else:  # not treated by the later of the two years, and not group g itself
                ctrl = (sample.g == 0) | ((sample.g > periods[k]) & ~treat)
            cell = (_cell_panel if sample.panel else _cell_rows)(sample, treat, ctrl, k, base)
            cell.group, cell.time, cell.base_time, cell.post = (
                int(gr), int(periods[k]), int(periods[base]), post)
            if cell.problem is not None:
                skipped.append(f"ATT({gr},{periods[k]}): {cell.problem}")
            cells.append(cell)
    if skipped:
        notes.append(f"{len(skipped)} group-time effect(s) not estimable and left out of the "
                     "aggregations: " + "; ".join(skipped[:10])
                     + (" ..." if len(skipped) > 10 else ""))
    return cells


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Weighted least squares: coefficients and the inverse cross-product, or None if singular."""
    xw = x * w[:, None]
    a = xw.T @ x
    if np.linalg.matrix_rank(a) < x.shape[1]:  # rank of X'WX = rank of W^(1/2) X
        return None
    a_inv = np.linalg.inv(a)
    return a_inv @ (xw.T @ y), a_inv


def _not_estimable(problem: str, n: int, n_treated: int, n_control: int) -> _Cell:
    return _Cell(group=0, time=0, base_time=0, post=False, att=np.nan, scores=None, n=n,
                 n_treated=n_treated, n_control=n_control, problem=problem)


def _cell_panel(sample: _Sample, treat, ctrl, k: int, base: int) -> _Cell:
    """Sant'Anna & Zhao's outcome-regression panel DiD (R DRDID::reg_did_panel) on one cell."""
    n_t, n_c = int(treat.sum()), int(ctrl.sum())
    if n_t == 0 or n_c == 0:
        return _not_estimable("no treated units" if n_t == 0 else "no comparison units",
                              n_t + n_c, n_t, n_c)
    dy = sample.y[:, k] - sample.y[:, base]
    x = sample.x[:, base, :]  # covariates of the earlier year, as R
    w = sample.w
    fit = _wls(x[ctrl], dy[ctrl], w[ctrl])
    if fit is None:
        return _not_estimable("covariates collinear among the comparison units", n_t + n_c,
                              n_t, n_c)
    beta, a_inv = fit
    resid = dy - x @ beta
    w_t = w[treat].sum()
    att = float(w[treat] @ resid[treat] / w_t)
    x_bar_t = (w[treat] @ x[treat]) / w_t
    # influence function / n: the treated mean's and the comparison regression's parts
    psi = np.zeros(sample.n)
    psi[treat] = w[treat] * (resid[treat] - att) / w_t
    psi[ctrl] = -w[ctrl] * resid[ctrl] * (x[ctrl] @ (a_inv @ x_bar_t))
    scores = np.bincount(sample.cluster_codes, psi, minlength=sample.n_clusters)
    return _Cell(0, 0, 0, False, att, scores, n_t + n_c, n_t, n_c)


def _cell_rows(sample: _Sample, treat, ctrl, k: int, base: int) -> _Cell:
    """Sant'Anna & Zhao's outcome-regression DiD for repeated cross-sections
    (R DRDID::reg_did_rc) on one cell: the treated's change minus the comparison's
    covariate-predicted change."""
    in_post = sample.period_index == k
    in_pre = sample.period_index == base
    t1, t0 = treat & in_post, treat & in_pre
    c1, c0 = ctrl & in_post, ctrl & in_pre
    n_t, n_c = int((t1 | t0).sum()), int((c1 | c0).sum())
    empty = [name for name, m in (("treated, year t", t1), ("treated, base year", t0),
                                  ("comparison, year t", c1), ("comparison, base year", c0))
             if not m.any()]
    if empty:
        return _not_estimable("no observations for " + ", ".join(empty), n_t + n_c, n_t, n_c)
    y, x, w = sample.y, sample.x, sample.w
    fit1 = _wls(x[c1], y[c1], w[c1])
    fit0 = _wls(x[c0], y[c0], w[c0])
    if fit1 is None or fit0 is None:
        return _not_estimable("covariates collinear among the comparison units", n_t + n_c,
                              n_t, n_c)
    (b1, a1_inv), (b0, a0_inv) = fit1, fit0
    w_t1, w_t0 = w[t1].sum(), w[t0].sum()
    m_t1, m_t0 = w[t1] @ y[t1] / w_t1, w[t0] @ y[t0] / w_t0
    tr = t1 | t0
    w_t = w[tr].sum()
    x_bar_t = (w[tr] @ x[tr]) / w_t
    att = float((m_t1 - m_t0) - x_bar_t @ (b1 - b0))
    psi = np.zeros(len(y))
    psi[t1] += w[t1] * (y[t1] - m_t1) / w_t1
    psi[t0] -= w[t0] * (y[t0] - m_t0) / w_t0
    psi[tr] -= w[tr] * ((x[tr] - x_bar_t) @ (b1 - b0)) / w_t
    psi[c1] -= w[c1] * (y[c1] - x[c1] @ b1) * (x[c1] @ (a1_inv @ x_bar_t))
    psi[c0] += w[c0] * (y[c0] - x[c0] @ b0) * (x[c0] @ (a0_inv @ x_bar_t))
    scores = np.bincount(sample.cluster_codes, psi, minlength=sample.n_clusters)
    return _Cell(0, 0, 0, False, att, scores, n_t + n_c, n_t, n_c)


# =============================================================================================
# aggregation and inference
# =============================================================================================

def _aggregations(sample: _Sample, cells: list[_Cell], notes: list[str]):
    """The simple, event-time and group aggregations of the estimable ATT(g, t), each a row
    with its estimate and the cluster sums of its influence function (R did's ``aggte``)."""
    # group shares p_g and the cluster sums of their influence function (weights estimated)
    groups = np.array(sorted({c.group for c in cells}), dtype=int)
    wsum = sample.w.sum()
    share = np.array([sample.w[sample.g == gr].sum() / wsum for gr in groups])
    share_scores = np.column_stack([
        np.bincount(sample.cluster_codes,
                    sample.w * ((sample.g == gr) - share[j]) / wsum, minlength=sample.n_clusters)
        for j, gr in enumerate(groups)]) if len(groups) else np.zeros((sample.n_clusters, 0))
    group_pos = {int(gr): j for j, gr in enumerate(groups)}
    n_in_group = {int(gr): int((sample.g == gr).sum()) for gr in groups}

    ok = [c for c in cells if c.problem is None]
    if not any(c.post for c in ok):
        raise EvaluationInputError(
            f"{_WHERE}: no post-treatment effect ATT(g, t) is estimable: "
            + "; ".join(notes[-3:] or ["no cell"]))
    att = np.array([c.att for c in ok])
    scores = np.column_stack([c.scores for c in ok])
    cell_share = np.array([share[group_pos[c.group]] for c in ok])
    cell_share_scores = share_scores[:, [group_pos[c.group] for c in ok]]

    def aggregate(idx, with_share_scores):
        idx = np.asarray(idx, dtype=int)
        weights_k = cell_share[idx] / cell_share[idx].sum()
        est = float(att[idx] @ weights_k)
        s = scores[:, idx] @ weights_k
        if with_share_scores:
            s = s + _share_influence(cell_share_scores[:, idx], cell_share[idx]) @ att[idx]
        return est, s

    # simple: post-treatment cells weighted by group size
    post_idx = [k for k, c in enumerate(ok) if c.post]
    simple_est, simple_s = aggregate(post_idx, True)
    simple_rows = [{"term": TERM_SIMPLE, "estimate": simple_est, "scores": simple_s,
                    "n_treated": sum(n_in_group[g] for g in {ok[k].group for k in post_idx}),
                    "primary": True, "problem": None}]

    # event time: cells with t - g = e, group-size weights; average over e >= 0
    event = np.array([c.time - c.group for c in ok])
    event_rows = []
    for e in sorted(set(event.tolist())):
        idx = np.flatnonzero(event == e)
        est, s = aggregate(idx, True)
        event_rows.append({"term": TERM_EVENT, "event_time": e, "estimate": est, "scores": s,
                           "n_treated": sum(n_in_group[ok[k].group] for k in idx),
                           "primary": False, "problem": None})
    nonneg = [r for r in event_rows if r["event_time"] >= 0]
    event_avg = {"term": TERM_EVENT_AVERAGE, "event_time": np.nan,
                 "estimate": float(np.mean([r["estimate"] for r in nonneg])),
                 "scores": np.mean([r["scores"] for r in nonneg], axis=0),
                 "n_treated": sum(n_in_group[g] for g in {ok[k].group for k in post_idx}),
                 "primary": True, "problem": None}

    # group: post-treatment cells of each adoption year; group-size weighted average
    group_rows = []
    for gr in groups:
        idx = [k for k in post_idx if ok[k].group == gr]
        if not idx:
            continue
        est, s = aggregate(idx, False)
        group_rows.append({"term": TERM_GROUP, "group": int(gr), "estimate": est, "scores": s,
                           "n_treated": n_in_group[int(gr)], "primary": False,
                           "problem": None})
    g_att = np.array([r["estimate"] for r in group_rows])
    g_share = np.array([share[group_pos[r["group"]]] for r in group_rows])
    g_scores = np.column_stack([r["scores"] for r in group_rows])
    g_share_scores = share_scores[:, [group_pos[r["group"]] for r in group_rows]]
    group_avg = {"term": TERM_GROUP_AVERAGE, "group": np.nan,
                 "estimate": float(g_att @ g_share / g_share.sum()),
                 "scores": g_scores @ (g_share / g_share.sum())
                 + _share_influence(g_share_scores, g_share) @ g_att,
                 "n_treated": sum(r["n_treated"] for r in group_rows), "primary": True,
                 "problem": None}

    return simple_rows, event_rows, event_avg, group_rows, group_avg


def _share_influence(centered: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Influence (cluster sums) of the aggregation weights p_k / sum(p) (R did's ``wif``)."""
    total = share.sum()
    return centered / total - np.outer(centered.sum(axis=1), share / total**2)


def _p_value(est: float, se: float, n_clusters: int, inference: str) -> float:
    if not se > 0:
        return np.nan
    if inference == "jackknife":
        return float(2 * stats.t.sf(abs(est / se), n_clusters - 1))
    return float(2 * stats.norm.sf(abs(est / se)))


def _row_key(row: dict) -> tuple:
    """What a table row estimates, to match it across leave-one-cluster-out fits."""
    def plain(value):
        return None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else int(value)
    return (row["term"], plain(row.get("group")), plain(row.get("time")),
            plain(row.get("event_time")))


def _jackknife_se(sample: _Sample, control: str, rows: list[dict]) -> None:
    """Replace each row's ``se`` by the leave-one-cluster-out jackknife's (in place)."""
    rows_or_units = sample.n if sample.panel else len(sample.y)
    n_cells = len(set(sample.g[sample.g > 0].tolist())) * (len(sample.periods) - 1)
    work = sample.n_clusters * rows_or_units * max(n_cells, 1)
    if work > MAX_CELL_WORK:
        raise EvaluationInputError(
            f"{_WHERE}: the jackknife refits {sample.n_clusters:,} times {rows_or_units:,} rows x "
            f"{n_cells:,} group-time effects, beyond the limit of {MAX_CELL_WORK:,} row-cells; "
            "use inference='influence' or coarser clusters")
    keys = [_row_key(r) for r in rows]
    full = np.array([r["estimate"] for r in rows])
    loo = np.full((sample.n_clusters, len(rows)), np.nan)
    for c in range(sample.n_clusters):
        sub = sample.subset(sample.cluster_codes != c)
        try:
            cells = _group_time_cells(sub, control, [])
            simple, event, event_avg, group, group_avg = _aggregations(sub, cells, [])
        except (EvaluationInputError, ValueError):  # nothing left to estimate without c
            continue
        estimates = {(TERM_GROUP_TIME, cell.group, cell.time, cell.time - cell.group): cell.att
                     for cell in cells}
        estimates.update({_row_key(r): r["estimate"]
                          for r in [*simple, *event, event_avg, *group, group_avg]})
        loo[c] = [estimates.get(k, np.nan) for k in keys]
    g = sample.n_clusters
    for j, row in enumerate(rows):
        if row["problem"] is not None:
            continue
        missing = int(np.isnan(loo[:, j]).sum())
        if missing:
            row["se"] = np.nan
            row["problem"] = (f"the jackknife has no estimate without {missing} of the {g} "
                              f"clusters ({sample.cluster_name}) that it leaves out in turn")
        else:
            row["se"] = float(np.sqrt((g - 1) / g * np.sum((loo[:, j] - full[j]) ** 2)))


def _bootstrap_critical_values(tables: list[list[dict]], n_clusters: int, n_bootstrap: int,
                               seed: int | None, confidence: float) -> list[float]:
    """The (confidence) quantile of max |t*| over each table's rows under the multiplier
    bootstrap: Rademacher multipliers per cluster applied to the influence function's cluster
    sums (R did's ``mboot``). Rows of zero standard error are left out of the maximum."""
    mats, ses = [], []
    for rows in tables:
        s = np.column_stack([r["scores"] for r in rows]) if rows else np.zeros((n_clusters, 0))
        se = np.sqrt((s**2).sum(axis=0))
        keep = se > 1e-10 * max(1.0, float(np.max(np.abs([r["estimate"] for r in rows]),
                                                 initial=0.0)))
        mats.append(s[:, keep])
        ses.append(se[keep])
    scores = np.hstack(mats)
    width = scores.shape[1]
    if n_bootstrap * n_clusters * max(width, 1) > MAX_BOOTSTRAP_WORK:
        raise EvaluationInputError(
            f"{_WHERE}: the bootstrap would take {n_bootstrap:,} draws x {n_clusters:,} clusters "
            f"x {width} estimates, beyond the limit of {MAX_BOOTSTRAP_WORK:,}; use fewer draws "
            "or coarser clusters")
    bounds = np.cumsum([0] + [m.shape[1] for m in mats])
    inv_se = 1.0 / np.concatenate(ses) if width else np.zeros(0)
    maxima = np.full((len(tables), n_bootstrap), -np.inf)
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // max(n_clusters, 1))
    for start in range(0, n_bootstrap, chunk):
        b = min(chunk, n_bootstrap - start)
        # one uniform per multiplier, so the draws do not depend on the chunk size
        v = np.where(rng.random((b, n_clusters)) < 0.5, -1.0, 1.0)
        t_star = np.abs(v @ scores) * inv_se
        for j in range(len(tables)):
            if bounds[j + 1] > bounds[j]:
                maxima[j, start:start + b] = t_star[:, bounds[j]:bounds[j + 1]].max(axis=1)
    # R's quantile(type = 1): the ceil(B p)-th order statistic
    rank = max(1, math.ceil(n_bootstrap * confidence - 1e-9))
    return [float(np.sort(m)[rank - 1]) if np.isfinite(m).all() else np.nan for m in maxima]


def _method_text(sample: _Sample, control: str, covariates: list[str], confidence: float,
                 n_bootstrap: int, inference: str) -> str:
    design = "balanced panel" if sample.panel else "repeated cross-sections"
    adjust = (f"outcome regression on {', '.join(covariates)}" if covariates
              else "no covariates")
    return (f"Callaway-Sant'Anna DiD, {control.replace('_', '-')} comparison, {design}, "
            f"{adjust}; "
            + ("influence-function SE" if inference == "influence"
               else "leave-one-cluster-out jackknife SE, t(G-1)")
            + f" clustered by {sample.cluster_name} "
            f"({sample.n_clusters} clusters); {confidence:.0%} simultaneous band by multiplier "
            f"bootstrap (Rademacher, B = {n_bootstrap})")


# =============================================================================================
# the same estimator from weighted sums per unit and year (fast: randomization, jackknife)
# =============================================================================================

@dataclass(frozen=True)
class UnitYearSums:
    """A repeated cross-section reduced to what the estimator without covariates reads.

    ``weight[u, k]`` and ``weighted_y[u, k]`` are the sums of the weights and of weight x
    outcome of unit ``units[u]`` in year ``periods[k]``; ``first_treated[u]`` is the unit's
    adoption year after :func:`staggered_did`'s recoding (0 never treated; units treated in or
    before the first year observed are left out). With no covariates every ATT(g, t) is a
    difference of four weighted cell means and the influence function summed within a unit is
    ``(sum w y - m sum w) / W`` for each cell it enters, so these sums give the same estimates
    and influence-function standard errors as the rows (clusters = units)."""

    units: np.ndarray
    periods: np.ndarray
    weight: np.ndarray
    weighted_y: np.ndarray
    first_treated: np.ndarray

    def without(self, u: int) -> UnitYearSums:
        """The sums with unit ``u`` left out (a jackknife replicate)."""
        keep = np.arange(len(self.units)) != u
        return UnitYearSums(self.units[keep], self.periods, self.weight[keep],
                            self.weighted_y[keep], self.first_treated[keep])

    def with_first_treated(self, first_treated: np.ndarray) -> UnitYearSums:
        """The same sums under another assignment of adoption years to the units."""
        return UnitYearSums(self.units, self.periods, self.weight, self.weighted_y,
                            np.asarray(first_treated, dtype=int))


def unit_year_sums(data: pd.DataFrame, outcome: str, unit: str, time: str,
                   first_treated: str, weights: str | None = None) -> UnitYearSums:
    """Weighted sums per unit and year of a repeated cross-section (``panel=False``, no
    covariates, clusters = units), checked as :func:`staggered_did` checks its rows.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"u": ["a", "a", "a", "b", "b"], "t": [1, 1, 2, 1, 2],
    ...                   "g": [2, 2, 2, 0, 0], "y": [1.0, 0.0, 1.0, 0.0, 1.0]})
    >>> s = unit_year_sums(d, "y", "u", "t", "g")
    >>> s.weight.tolist(), s.weighted_y.tolist(), s.first_treated.tolist()
    ([[2.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]], [2, 0])
    """
    notes: list[str] = []
    sample = _rows_sample(data, outcome, unit, time, first_treated, [], weights, None,
                          "not_yet_treated", notes)
    shape = (sample.n_clusters, len(sample.periods))
    flat = sample.cluster_codes * shape[1] + sample.period_index
    size = shape[0] * shape[1]
    weight = np.bincount(flat, sample.w, minlength=size).reshape(shape)
    weighted_y = np.bincount(flat, sample.w * sample.y, minlength=size).reshape(shape)
    g = np.zeros(sample.n_clusters, dtype=int)
    g[sample.cluster_codes] = sample.g
    return UnitYearSums(sample.cluster_labels, sample.periods, weight, weighted_y, g)


@dataclass(frozen=True)
class SumsEstimate:
    """:func:`estimate_from_sums`' result: the simple aggregation (``simple``, its
    influence-function standard error ``simple_se``) and the event-time effects
    (``event_time`` e -> estimate, ``event_scores`` e -> influence function summed by unit)."""

    simple: float
    simple_se: float
    event_time: dict[int, float]
    event_scores: dict[int, np.ndarray]

    @property
    def t_stat(self) -> float:
        """The simple aggregation over its influence-function standard error (NaN if 0)."""
        return self.simple / self.simple_se if self.simple_se > 0 else np.nan


def _cells_from_sums(sums: UnitYearSums, gr: int, control: str):
    """Every ATT(gr, t) of one adoption year from the sums (:func:`_cell_rows` without
    covariates, vectorised over t): the years' event times, post flags, estimates and unit
    scores (columns), cells without observations in one of their four parts left out."""
    g, periods, w, wy = sums.first_treated, sums.periods, sums.weight, sums.weighted_y
    cols = np.arange(1, len(periods))
    post = gr <= periods[cols]
    base = np.where(post, int(np.flatnonzero(periods < gr)[-1]), cols - 1)
    treat = np.broadcast_to(g == gr, (len(cols), len(g)))
    if control == "never_treated":
        ctrl = np.broadcast_to(g == 0, treat.shape)
    else:
        ctrl = (g == 0)[None, :] | ((g[None, :] > periods[cols][:, None]) & ~treat)
    terms = []
    for mask, col, sign in ((treat, cols, 1.0), (treat, base, -1.0), (ctrl, cols, -1.0),
                            (ctrl, base, 1.0)):
        w_k, wy_k = w[:, col].T * mask, wy[:, col].T * mask  # (cells, units)
        total = w_k.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = wy_k.sum(axis=1) / total
            score = sign * (wy_k - mean[:, None] * w_k) / total[:, None]
        terms.append((total, mean, score))
    ok = np.all([t[0] > 0 for t in terms], axis=0)
    att = (terms[0][1] - terms[1][1]) - (terms[2][1] - terms[3][1])
    scores = sum(t[2] for t in terms)
    return (periods[cols][ok] - gr).astype(int), post[ok], att[ok], scores[ok].T


def estimate_from_sums(sums: UnitYearSums, control: str = "never_treated", *,
                       event_time: bool = True) -> SumsEstimate:
    """Callaway-Sant'Anna's simple and event-time aggregations from unit-year sums.

    The same numbers as :func:`staggered_did` with ``panel=False``, no covariates, clusters =
    units and ``inference="influence"`` (estimates and standard errors to rounding;
    tests/test_staggered.py), in about a millisecond: what randomization inference (thousands
    of reassignments) and the leave-one-unit-out jackknife of an event study need;
    ``event_time=False`` leaves the event-time aggregations out (empty dictionaries).
    Cells without observations are left out of the aggregations, as there. Raises
    :class:`EvaluationInputError` when no post-treatment cell is estimable.

    Examples
    --------
    >>> import numpy as np
    >>> s = UnitYearSums(np.array(["a", "b"]), np.array([1, 2]), np.ones((2, 2)),
    ...                  np.array([[0.0, 1.0], [0.0, 0.2]]), np.array([2, 0]))
    >>> round(estimate_from_sums(s).simple, 6)
    0.8
    """
    if control not in CONTROL_GROUPS:
        raise EvaluationInputError(f"{_WHERE}: control must be one of {CONTROL_GROUPS}, got "
                                   f"{control!r}")
    g = sums.first_treated
    groups = sorted(set(g[g > 0].tolist()))
    w_unit = sums.weight.sum(axis=1)
    wsum = float(w_unit.sum())
    share = np.array([w_unit[g == gr].sum() / wsum for gr in groups])
    share_scores = (np.column_stack([w_unit * ((g == gr) - share[j]) / wsum
                                     for j, gr in enumerate(groups)])
                    if groups else np.zeros((len(g), 0)))
    found = [_cells_from_sums(sums, gr, control) for gr in groups]
    post = np.concatenate([f[1] for f in found]) if found else np.zeros(0, dtype=bool)
    if not post.any():
        raise EvaluationInputError(f"{_WHERE}: no post-treatment effect ATT(g, t) is estimable")
    event = np.concatenate([f[0] for f in found])
    att_a, scores_a = np.concatenate([f[2] for f in found]), np.hstack([f[3] for f in found])
    cell_group = np.concatenate([np.full(len(f[0]), j) for j, f in enumerate(found)])
    cell_share, cell_share_scores = share[cell_group], share_scores[:, cell_group]

    def aggregate(idx):
        weights_k = cell_share[idx] / cell_share[idx].sum()
        s = (scores_a[:, idx] @ weights_k
             + _share_influence(cell_share_scores[:, idx], cell_share[idx]) @ att_a[idx])
        return float(att_a[idx] @ weights_k), s

    simple, simple_s = aggregate(np.flatnonzero(post))
    by_event = ({int(e): aggregate(np.flatnonzero(event == e)) for e in np.unique(event)}
                if event_time else {})
    return SumsEstimate(simple=simple, simple_se=float(np.sqrt(simple_s @ simple_s)),
                        event_time={e: v[0] for e, v in by_event.items()},
                        event_scores={e: v[1] for e, v in by_event.items()})


def universal_event_study(event_time: dict[int, float]) -> pd.Series:
    """Event-time effects against the year before adoption (event time -1 = 0).

    :func:`staggered_did`'s pre-adoption rows compare each year with the one before it (R
    did's varying base period); a pre-trend test or relative magnitudes need one reference
    period, so the pre rows are cumulated back from event time -1: beta(-k) = -(p(-1) + ... +
    p(-k+1)). Post rows already compare with the year before adoption.

    >>> universal_event_study({-3: 0.1, -2: 0.2, -1: 0.3, 0: 1.0}).round(2).to_dict()
    {-4: -0.6, -3: -0.5, -2: -0.3, -1: 0.0, 0: 1.0}
    """
    beta = {-1: 0.0}
    running = 0.0
    for e in sorted((e for e in event_time if e < 0), reverse=True):  # -1, -2, ...
        running -= float(event_time[e])
        beta[int(e) - 1] = running
    beta.update({int(e): float(v) for e, v in event_time.items() if e >= 0})
    return pd.Series(beta).sort_index()


def jackknife_event_study(sums: UnitYearSums, control: str = "never_treated"
                          ) -> tuple[pd.Series, np.ndarray, list[int]]:
    """Universal event study (:func:`universal_event_study`) and its leave-one-unit-out
    jackknife covariance, V = (G-1)/G sum_u (b_(u) - mean b_(.))(...)' as the verdict's CR3.

    Returns the coefficients (event time -> estimate, -1 the reference), the covariance of
    those estimated in every replicate (event time -1 left out) and their event times in the
    covariance's order."""
    full = universal_event_study(estimate_from_sums(sums, control).event_time)
    draws = []
    for u in range(len(sums.units)):
        try:
            found = estimate_from_sums(sums.without(u), control).event_time
        except EvaluationInputError:  # the unit held a whole comparison: nothing estimable
            draws.append(np.full(len(full), np.nan))
            continue
        draws.append(universal_event_study(found).reindex(full.index).to_numpy(dtype=float))
    draws = np.array(draws, dtype=float)
    keep = [i for i, e in enumerate(full.index) if e != -1 and not np.isnan(draws[:, i]).any()]
    g = len(sums.units)
    centred = draws[:, keep] - draws[:, keep].mean(axis=0)
    return full, (g - 1) / g * centred.T @ centred, [int(full.index[i]) for i in keep]


def jackknife_simple(sums: UnitYearSums, control: str = "never_treated"
                     ) -> tuple[float, float]:
    """The simple aggregation and its leave-one-unit-out jackknife standard error,
    sqrt((G-1)/G sum_u (b_(u) - b)^2), as ``staggered_did(..., inference="jackknife")``
    reports them (NaN when a replicate has nothing to estimate)."""
    full = estimate_from_sums(sums, control, event_time=False).simple
    loo = []
    for u in range(len(sums.units)):
        try:
            loo.append(estimate_from_sums(sums.without(u), control, event_time=False).simple)
        except EvaluationInputError:
            return full, np.nan
    g = len(loo)
    return full, float(np.sqrt((g - 1) / g * np.sum((np.array(loo) - full) ** 2)))
