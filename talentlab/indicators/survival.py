"""Kaplan-Meier estimation for many groups at once (vectorised).

Why hand-written: statsmodels' ``SurvfuncRight`` and lifelines' ``KaplanMeierFitter`` fit one
group per call, and at national scale (thousands of cohort x major x region groups over millions
of graduates) a Python loop over groups dominates the run time. This module reproduces, for all
groups in one sorted pass, exactly what ``statsmodels.duration.survfunc.SurvfuncRight`` computes
per group:

* the product-limit estimate at event times with Greenwood standard errors
  (``_calc_survfunc_right``: log-sum of ``1 - d/n`` with the same 1e-16 floor);
* the median as the first event time with ``S(t) < 0.5`` (``SurvfuncRight.quantile``: SAS's
  strict inequality);
* the median's confidence interval by inverting Z-tests on the cloglog-transformed survival
  function (``SurvfuncRight.quantile_ci(method="cloglog")``, the Brookmeyer-Crowley approach
  of SAS PROC LIFETEST);

and adds the restricted mean survival time up to a horizon with its Greenwood-type variance
``sum_j A_j^2 d_j / (n_j (n_j - d_j))``, ``A_j`` the area under S from ``t_j`` to the horizon
(Klein & Moeschberger 2003, section 4.5; as R ``survival::print.survfit(rmean=)``).

``tests/test_indicators_properties.py`` and ``tests/test_indicators_reference.py`` check the
numbers against ``SurvfuncRight`` (random groups and the shipped data),
``tests/test_indicators_rules.py`` against lifelines, and ``tests/test_evaluation.py`` against
Gehan's published 6-MP table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


def _group_cumsum(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Cumulative sum of x within runs of equal (sorted) g, restarting exactly at each group.

    pandas' grouped cumsum adds sequentially inside each group, so every group gets the same
    floating-point sums as a per-group ``np.cumsum`` (a global cumsum minus offsets would not).
    """
    if len(x) == 0:
        return np.asarray(x, dtype=float)
    return pd.Series(x).groupby(g, sort=False).cumsum().to_numpy()


def _group_revcumsum(x: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Reverse cumulative sum (from the end of each run) within runs of equal (sorted) g."""
    return _group_cumsum(x[::-1], g[::-1])[::-1]


@dataclass
class KMTable:
    """Product-limit table at event times, for all groups, sorted by (group, time)."""

    group: np.ndarray      # group code of each event time
    time: np.ndarray       # event time
    n_risk: np.ndarray     # at risk just before the time
    events: np.ndarray     # events at the time
    surv: np.ndarray       # S(t)
    se: np.ndarray         # Greenwood standard error of S(t)
    n: np.ndarray          # per group: subjects
    n_events: np.ndarray   # per group: events
    max_time: np.ndarray   # per group: largest observed time (NaN if empty)


def _count(codes: np.ndarray, weights: np.ndarray | None, minlength: int) -> np.ndarray:
    """Subjects per code: rows, or the rows' counts (whole numbers: exact as int64)."""
    if weights is None:
        return np.bincount(codes, minlength=minlength)
    return np.bincount(codes, weights=weights, minlength=minlength).astype(np.int64)


def _cell_counts(codes: np.ndarray, time: np.ndarray, event: np.ndarray,
                 n_groups: int, weights: np.ndarray | None = None) -> tuple[np.ndarray, ...]:
    """Subjects and events per (group, distinct time) cell, sorted by group then time.

    No sort of the rows: times are factorised (hashing) and ranked, and the cells counted
    with bincount (dense grid when groups x distinct times is small, else factorised cells).
    ``weights``: subjects per row (a count table), else one.
    """
    w_event = None if weights is None else weights[event]
    t_codes, t_uniques = pd.factorize(time, sort=True)
    n_times = len(t_uniques)
    key = codes.astype(np.int64) * n_times + t_codes
    if n_groups * n_times <= 20_000_000:
        size = n_groups * n_times
        count = _count(key, weights, size)
        events = _count(key[event], w_event, size)
        cells = np.flatnonzero(count)
        count, events = count[cells], events[cells]
    else:
        cell_codes, cells = pd.factorize(key, sort=True)
        count = _count(cell_codes, weights, len(cells))
        events = _count(cell_codes[event], w_event, len(cells))
    group = (cells // n_times).astype(np.intp)
    t = np.asarray(t_uniques, dtype=float)[cells % n_times]
    return group, t, count, events


def km_grouped(codes: np.ndarray, time: np.ndarray, event: np.ndarray, n_groups: int,
               weights: np.ndarray | None = None) -> KMTable:
    """Kaplan-Meier tables of all groups in one pass (rows with valid time and event only).

    ``weights``: the subjects each row stands for (a count table's counts, whole numbers);
    the table is then that of the microdata with each row repeated so many times.
    """
    codes = np.asarray(codes, dtype=np.intp)
    time = np.asarray(time, dtype=float)
    event = np.asarray(event, dtype=bool)
    if weights is not None:
        weights = np.asarray(weights, dtype=np.int64)
    n = _count(codes, weights, n_groups)
    n_events = _count(codes[event], None if weights is None else weights[event], n_groups)
    max_time = np.full(n_groups, np.nan)
    if len(codes) == 0:
        z = np.zeros(0)
        return KMTable(z.astype(np.intp), z, z, z, z, z, n, n_events, max_time)
    uc, ut, cnt, d = _cell_counts(codes, time, event, n_groups, weights)
    last = np.r_[uc[1:] != uc[:-1], True]
    max_time[uc[last]] = ut[last]
    # at risk just before t: subjects of the group with time >= t
    n_risk = _group_revcumsum(cnt.astype(np.int64), uc).astype(np.int64)
    keep = d > 0
    uc, ut, d, n_risk = uc[keep], ut[keep], d[keep], n_risk[keep]
    # Survival: as statsmodels, exp(cumsum(log(1 - d/n))) with a 1e-16 floor, 0 where d == n.
    sp = 1 - d / n_risk.astype(float)
    zero = sp < 1e-16
    sp[zero] = 1e-16
    surv = np.exp(_group_cumsum(np.log(sp), uc))
    surv[zero] = 0.0
    # Greenwood: S * sqrt(cumsum d / (n (n - d))); undefined from a time where d == n on.
    with np.errstate(divide="ignore", invalid="ignore"):
        term = d / np.clip(n_risk * (n_risk - d), 1e-12, np.inf).astype(float)
    undefined = (n_risk == d)
    term[undefined] = 0.0
    cum = _group_cumsum(term, uc)
    undefined_seen = _group_cumsum(undefined.astype(float), uc) > 0
    se = surv * np.sqrt(cum)
    se[undefined_seen] = np.nan
    return KMTable(uc, ut, n_risk.astype(np.int64), d.astype(np.int64), surv, se, n, n_events,
                   max_time)


#: tolerance for "S equals 0.5" (products of n_risk ratios carry rounding of a few ulp)
_TIE = 1e-12


def km_median(km: KMTable, n_groups: int, alpha: float) -> tuple[np.ndarray, ...]:
    """Median (first S < 0.5) and its cloglog test-inversion interval at level 1 - alpha, per
    group.

    Parameters
    ----------
    km : KMTable
        From :func:`km_grouped`.
    n_groups : int
        Number of groups (groups without rows get NaN).
    alpha : float
        The interval is at level 1 - alpha.

    Returns
    -------
    tuple of ndarray
        ``(median, lower, upper)`` per group; the upper limit is ``inf`` where S(t) never
        falls significantly below 0.5.

    Examples
    --------
    >>> import numpy as np
    >>> km = km_grouped(np.zeros(4, dtype=np.intp), np.array([1.0, 2.0, 3.0, 4.0]),
    ...                 np.array([True, True, False, True]), 1)
    >>> [float(v[0]) for v in km_median(km, 1, 0.05)][0]
    4.0
    """
    median = np.full(n_groups, np.nan)
    lb = np.full(n_groups, np.nan)
    ub = np.full(n_groups, np.nan)
    if len(km.group) == 0:
        return median, lb, ub
    # S equal to 0.5 up to rounding (e.g. 6/12 computed as 0.49999999999999994 by a product) is
    # not below 0.5: the median is the first time S is *strictly* below 0.5 in exact arithmetic
    below = np.flatnonzero(km.surv < 0.5 - _TIE)
    g_below, first = np.unique(km.group[below], return_index=True)
    median[g_below] = km.time[below[first]]
    z = stats.norm.ppf(1 - alpha / 2)
    s = km.surv
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (np.log(-np.log(s)) - np.log(-np.log(0.5))) / ((-1 / (s * np.log(s))) * km.se)
    ok = np.flatnonzero(np.abs(r) <= z)
    if len(ok):
        g_ok, first_ok = np.unique(km.group[ok], return_index=True)
        lb[g_ok] = km.time[ok[first_ok]]
        # last ok per group: first ok of the reversed order
        g_rev, first_rev = np.unique(km.group[ok][::-1], return_index=True)
        last_ok = ok[::-1][first_rev]
        group_last = np.r_[km.group[1:] != km.group[:-1], True]
        is_last = group_last[last_ok]
        nxt = np.minimum(last_ok + 1, len(km.time) - 1)
        ub[g_rev] = np.where(is_last, np.inf, km.time[nxt])
    return median, lb, ub


def km_restricted_mean(km: KMTable, n_groups: int,
                       horizon: float) -> tuple[np.ndarray, np.ndarray]:
    """Restricted mean survival time up to ``horizon`` and its standard error, per group."""
    rmst = np.full(n_groups, float(horizon))
    var = np.zeros(n_groups)
    inside = km.time <= horizon
    g, t, s = km.group[inside], km.time[inside], km.surv[inside]
    d, nr = km.events[inside], km.n_risk[inside]
    if len(g) == 0:
        return rmst, np.sqrt(var)
    first = np.r_[True, g[1:] != g[:-1]]
    last = np.r_[g[1:] != g[:-1], True]
    s_prev = np.where(first, 1.0, np.r_[1.0, s[:-1]])
    # RMST = horizon - sum_j (S(t_{j-1}) - S(t_j)) * (horizon - t_j)
    np.subtract.at(rmst, g, (s_prev - s) * (horizon - t))
    # A_j = integral of S from t_j to the horizon
    t_next = np.where(last, horizon, np.r_[t[1:], horizon])
    a = _group_revcumsum(s * (t_next - t), g)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.where(nr > d, d / (nr * (nr - d)).astype(float), 0.0)
    np.add.at(var, g, a**2 * h)
    return rmst, np.sqrt(var)
