"""The estimator :func:`staggered_did` and its result: the tables, the jackknife standard
errors and the multiplier-bootstrap bands (see :mod:`talentlab.evaluation.staggered`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.evaluation.common import DEFAULT_SEED, EvaluationInputError, tidy_result
from talentlab.evaluation.staggered import limits
from talentlab.evaluation.staggered.cells import aggregations, group_time_cells
from talentlab.evaluation.staggered.sample import (
    TERM_GROUP_TIME,
    WHERE,
    Sample,
    check_options,
    panel_sample,
    rows_sample,
)

_CHUNK_ELEMENTS = 4_000_000  # bootstrap multipliers drawn at a time (32 MB)


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
    control, panel, alpha, n_bootstrap, seed
        The options of the call (intervals and bands at level 1 - alpha).
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
    alpha: float
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



def staggered_did(
    data: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    control: str = "never_treated",
    covariates: Sequence[str] | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    n_bootstrap: int = 999,
    seed: int | None = DEFAULT_SEED,
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
    alpha : float
        The pointwise intervals and the simultaneous bands are at level 1 - alpha (default
        0.05: 95 %).
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
    2          att_event        -1.0      0.01     -0.02       0.05
    3          att_event         0.0      0.12      0.07       0.16
    4          att_event         1.0      0.20      0.17       0.24
    5          att_event         2.0      0.31      0.27       0.35
    6          att_event         3.0      0.41      0.35       0.47
    7          att_event         4.0      0.52      0.47       0.57
    8  att_event_average         NaN      0.31       NaN        NaN
    """
    covariates = list(covariates or [])
    check_options(control, alpha, n_bootstrap, seed, panel, inference)
    notes: list[str] = []
    sample = (panel_sample if panel else rows_sample)(
        data, outcome, unit, time, first_treated, covariates, weights, cluster, control, notes)
    z = float(stats.norm.ppf(1 - alpha / 2))

    if sample.n_clusters < limits.FEW_CLUSTERS and inference == "influence":
        notes.append(
            f"only {sample.n_clusters} clusters ({sample.cluster_name}): the influence-function "
            "standard errors and the multiplier bootstrap rest on many clusters, and with few "
            "the intervals are too narrow; use inference='jackknife' and read them beside "
            "design-based inference")
    cells = group_time_cells(sample, control, notes)
    common = {"outcome": outcome, "n_clusters": sample.n_clusters, "alpha": alpha,
              "null_value": 0.0}
    method = _method_text(sample, control, covariates, alpha, n_bootstrap, inference)
    simple_rows, event_rows, event_avg, group_rows, group_avg = aggregations(sample, cells,
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
    crits = _bootstrap_critical_values(banded, sample.n_clusters, n_bootstrap, seed, alpha)
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
        control=control, panel=panel, alpha=alpha, n_bootstrap=n_bootstrap,
        seed=seed, notes=tuple(notes))



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


def _jackknife_se(sample: Sample, control: str, rows: list[dict]) -> None:
    """Replace each row's ``se`` by the leave-one-cluster-out jackknife's (in place)."""
    rows_or_units = sample.n if sample.panel else len(sample.y)
    n_cells = len(set(sample.g[sample.g > 0].tolist())) * (len(sample.periods) - 1)
    work = sample.n_clusters * rows_or_units * max(n_cells, 1)
    if work > limits.MAX_CELL_WORK:
        raise EvaluationInputError(
            f"{WHERE}: the jackknife refits {sample.n_clusters:,} times {rows_or_units:,} rows x "
            f"{n_cells:,} group-time effects, beyond the limit of {limits.MAX_CELL_WORK:,} "
            "row-cells; use inference='influence' or coarser clusters")
    keys = [_row_key(r) for r in rows]
    full = np.array([r["estimate"] for r in rows])
    loo = np.full((sample.n_clusters, len(rows)), np.nan)
    for c in range(sample.n_clusters):
        sub = sample.subset(sample.cluster_codes != c)
        try:
            cells = group_time_cells(sub, control, [])
            simple, event, event_avg, group, group_avg = aggregations(sub, cells, [])
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
                               seed: int | None, alpha: float) -> list[float]:
    """The (1 - alpha) quantile of max |t*| over each table's rows under the multiplier
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
    if n_bootstrap * n_clusters * max(width, 1) > limits.MAX_BOOTSTRAP_WORK:
        raise EvaluationInputError(
            f"{WHERE}: the bootstrap would take {n_bootstrap:,} draws x {n_clusters:,} clusters "
            f"x {width} estimates, beyond the limit of {limits.MAX_BOOTSTRAP_WORK:,}; use fewer "
            "draws or coarser clusters")
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
    rank = max(1, math.ceil(n_bootstrap * (1 - alpha) - 1e-9))
    return [float(np.sort(m)[rank - 1]) if np.isfinite(m).all() else np.nan for m in maxima]


def _method_text(sample: Sample, control: str, covariates: list[str], alpha: float,
                 n_bootstrap: int, inference: str) -> str:
    design = "balanced panel" if sample.panel else "repeated cross-sections"
    adjust = (f"outcome regression on {', '.join(covariates)}" if covariates
              else "no covariates")
    return (f"Callaway-Sant'Anna DiD, {control.replace('_', '-')} comparison, {design}, "
            f"{adjust}; "
            + ("influence-function SE" if inference == "influence"
               else "leave-one-cluster-out jackknife SE, t(G-1)")
            + f" clustered by {sample.cluster_name} "
            f"({sample.n_clusters} clusters); {1 - alpha:.0%} simultaneous band by multiplier "
            f"bootstrap (Rademacher, B = {n_bootstrap})")

