"""Kaplan-Meier curves and medians, and the log-rank test, counting graduates (see
:mod:`talentlab.evaluation.survival`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation.common import (
    check_alpha,
    count_column,
    require_columns,
)
from talentlab.evaluation.survival.frames import frame_weights, n_graduates, survival_frame


def km_table(data: pd.DataFrame, duration: str, event: str, by: Sequence[str] | str | None = None,
             alpha: float = 0.05, count: str | None = COUNT_COLUMN
             ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan–Meier survival tables and medians.

    The product-limit estimate and its Greenwood SE come from the project's one Kaplan–Meier
    implementation, :func:`talentlab.indicators.survival.km_grouped` (all groups in one pass;
    it reproduces ``statsmodels.duration.survfunc.SurvfuncRight``). Around it this function
    keeps lifelines' ``KaplanMeierFitter`` layout and conventions, which the published tables
    and figures use:

    * ``curves`` is long: by-columns, ``time``, ``n_at_risk``, ``events``, ``censored``,
      ``survival``, ``se`` (Greenwood), ``ci_low``, ``ci_high``, with a row at time 0 and at
      every observed time (events or censoring only), as lifelines' ``event_table``;
    * the pointwise interval is the exponential Greenwood ("log-log") interval
      ``exp(-exp(log(-log S) -/+ z sqrt(sum d/(n(n-d))) / log S))`` (lifelines, R's
      ``conf.type="log-log"``), 1 where S = 1 and 0 where S = 0;
    * ``medians`` has one row per group: ``median`` is the first time S(t) < 0.5 (exact
      arithmetic, as ``SurvfuncRight`` and :func:`talentlab.indicators.survival.km_median`),
      inf when not reached (``median_reached`` False); ``median_ci_low`` / ``median_ci_high``
      are the first times the lower / upper band reaches 0.5 (lifelines'
      ``median_survival_times(confidence_interval_)``; inf if never), with ``n``, ``events``.

    ``count`` names a count table's column of graduates per row (used when ``data`` has it;
    ``None`` reads one per row): at-risk, event and censored numbers, ``n`` and ``events`` then
    count graduates and every column equals that of the microdata the table came from.

    ``tests/test_evaluation.py`` checks every column against lifelines on the shipped data and
    against Gehan's 6-MP table.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 0, 1], "g": ["a", "a", "b", "b"]})
    >>> km_table(d, "t", "e", by="g")[1]["median"].tolist()
    [2.0, 4.0]

    In group ``a`` S(1) = 0.5 exactly, so the median is the next event time, 2 (SAS,
    statsmodels; lifelines, whose test is S <= 0.5, says 1; R takes the midpoint, 1.5).
    """
    from talentlab.indicators.survival import km_grouped, km_median

    where = "km_table"
    check_alpha(alpha)
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    require_columns(data, by, where)
    frame = survival_frame(data, duration, event, where, count_column(data, count))
    if by:
        grouper = frame.groupby(by, observed=True, sort=True)
        codes = grouper.ngroup().to_numpy()
        keys = [k if isinstance(k, tuple) else (k,) for k in grouper.size().index]
    else:
        codes, keys = np.zeros(len(frame), dtype=int), [()]
    time, died = frame["_T"].to_numpy(dtype=float), frame["_E"].to_numpy().astype(bool)
    weights = frame_weights(frame)
    km = km_grouped(codes, time, died, len(keys), weights)
    median = km_median(km, len(keys), 1 - alpha)[0]
    z = stats.norm.ppf(1 - alpha / 2)
    curves, medians = [], []
    for code, key in enumerate(keys):
        labels = dict(zip(by, key, strict=True))
        in_group = codes == code
        curve = _km_curve(km, code, time[in_group], died[in_group], z,
                          None if weights is None else weights[in_group])
        for col, val in labels.items():
            curve.insert(0, col, val)
        curves.append(curve)
        med = float(median[code]) if np.isfinite(median[code]) else np.inf
        medians.append({**labels, "median": med,
                        "median_ci_low": _first_time_at_or_below(curve, "ci_low", 0.5),
                        "median_ci_high": _first_time_at_or_below(curve, "ci_high", 0.5),
                        "median_reached": bool(np.isfinite(med)),
                        "n": n_graduates(frame, in_group),
                        "events": n_graduates(frame, in_group & died),
                        "alpha": alpha})
    return pd.concat(curves, ignore_index=True), pd.DataFrame(medians)


def _km_curve(km, code: int, time: np.ndarray, died: np.ndarray, z: float,
              weights: np.ndarray | None = None) -> pd.DataFrame:
    """One group's event table (time 0 and every observed time) with S, SE and the band;
    ``weights``: graduates per row (a count table)."""
    times, inverse = np.unique(np.r_[0.0, time], return_inverse=True)
    inverse = inverse[1:]
    if weights is None:
        weights = np.ones(len(time), dtype=np.int64)
    removed = np.bincount(inverse, weights=weights, minlength=len(times)).astype(np.int64)
    events = np.bincount(inverse[died], weights=weights[died],
                         minlength=len(times)).astype(np.int64)
    at_risk = int(weights.sum()) - np.r_[0, np.cumsum(removed)[:-1]]
    mine = km.group == code
    # S and SE are step functions: the value at the last event time <= t (1 and 0 before)
    pos = np.searchsorted(km.time[mine], times, side="right") - 1
    before = pos < 0
    surv = np.where(before, 1.0, km.surv[mine][np.maximum(pos, 0)])
    se = np.where(before, 0.0, km.se[mine][np.maximum(pos, 0)])
    with np.errstate(divide="ignore", invalid="ignore"):
        v = np.log(surv)
        half = z * (se / surv) / v  # z sqrt(Greenwood sum) / log S
        ci_low = np.exp(-np.exp(np.log(-v) - half))
        ci_high = np.exp(-np.exp(np.log(-v) + half))
    zero = surv == 0
    ci_low = np.where(zero, 0.0, np.nan_to_num(ci_low, nan=1.0))
    ci_high = np.where(zero, 0.0, np.nan_to_num(ci_high, nan=1.0))
    return pd.DataFrame({
        "time": times, "n_at_risk": at_risk.astype(np.int64), "events": events.astype(np.int64),
        "censored": (removed - events).astype(np.int64), "survival": surv, "se": se,
        "ci_low": ci_low, "ci_high": ci_high,
    })


def _first_time_at_or_below(curve: pd.DataFrame, column: str, level: float) -> float:
    """First time ``column`` is at or below ``level`` (inf if never): lifelines' quantile."""
    hit = np.flatnonzero(curve[column].to_numpy() <= level)
    return float(curve["time"].iloc[hit[0]]) if len(hit) else np.inf


def logrank(data: pd.DataFrame, duration: str, event: str, group: Sequence[str] | str,
            count: str | None = COUNT_COLUMN) -> pd.DataFrame:
    """Log-rank test across the groups formed by ``group`` (statsmodels ``survdiff``).

    Returns one row: ``test``, ``statistic`` (chi-square), ``df``, ``p_value``, ``n``,
    ``n_groups``. The project's one log-rank back end (``talentlab.indicators.compare`` calls
    the same function).

    ``count`` names a count table's column of graduates per row (used when ``data`` has it).
    ``survdiff`` has no frequency weights, so a count table's test is computed here from the
    at-risk and event counts per group and time (sums of counts) with ``survdiff``'s formulas:
    O - E and its variance summed over the times with more than one at risk, the first group
    (in sorted order) left out of the quadratic form. It equals ``survdiff`` on the microdata
    (``tests/test_counts_evaluation.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6], "e": [1, 1, 1, 1, 0, 1],
    ...                   "g": ["a", "a", "a", "b", "b", "b"]})
    >>> round(float(logrank(d, "t", "e", "g")["statistic"].iloc[0]), 3)  # lifelines: 5.052
    5.052
    """
    from statsmodels.duration.survfunc import survdiff

    where = "logrank"
    group = [group] if isinstance(group, str) else list(group)
    require_columns(data, group, where)
    frame = survival_frame(data, duration, event, where, count_column(data, count))
    labels = frame[group].astype(str).agg(" | ".join, axis=1)
    n_groups = labels.nunique()
    n = n_graduates(frame)
    if n_groups < 2:
        return pd.DataFrame([{"test": "log-rank", "statistic": np.nan, "df": 0,
                              "p_value": np.nan, "n": n, "n_groups": n_groups,
                              "method": "not testable: fewer than two groups"}])
    time, died = frame["_T"].to_numpy(dtype=float), frame["_E"].to_numpy(dtype=float)
    if "_W" in frame.columns:
        chisq = _logrank_counts(time, died, labels.to_numpy(dtype=object), frame_weights(frame))
    else:
        chisq, _ = survdiff(time, died, labels.to_numpy(dtype=object))
    # p from the chi-square upper tail: survdiff returns 1 - cdf, which loses digits (and
    # reaches 0) for the small p-values a large sample gives
    p = stats.chi2.sf(chisq, n_groups - 1)
    return pd.DataFrame([{"test": "log-rank", "statistic": float(chisq),
                          "df": int(n_groups - 1), "p_value": float(p),
                          "n": n, "n_groups": n_groups,
                          "method": "log-rank (statsmodels survdiff)"}])


def _logrank_counts(time: np.ndarray, died: np.ndarray, labels: np.ndarray,
                    weights: np.ndarray) -> float:
    """The log-rank chi-square of statsmodels' ``survdiff`` with graduates per row ``weights``.

    At each distinct time: at risk ``n_gt`` and events ``d_gt`` per group (sums of counts),
    ``O - E = d_gt - n_gt D_t / N_t``, ``V = D_t (N_t - D_t) / (N_t - 1) r_g (1[g=h] - r_h)``
    with ``r_g = n_gt / N_t``, over the times with ``N_t > 1``; chi-square on groups 2..K.
    """
    groups, g_codes = np.unique(labels, return_inverse=True)
    times, t_codes = np.unique(time, return_inverse=True)
    k, m = len(groups), len(times)
    w = weights.astype(float)
    leaving = np.zeros((k, m))
    events = np.zeros((k, m))
    np.add.at(leaving, (g_codes, t_codes), w)
    np.add.at(events, (g_codes, t_codes), w * died)
    at_risk = np.cumsum(leaving[:, ::-1], axis=1)[:, ::-1]  # subjects with time >= t
    total_risk, total_events = at_risk.sum(axis=0), events.sum(axis=0)
    use = total_risk > 1
    share = at_risk[:, use] / total_risk[use]
    d, n = total_events[use], total_risk[use]
    o_minus_e = (events[:, use] - share * d).sum(axis=1)[1:]
    scale = d * (n - d) / (n - 1)
    r = share[1:]
    var = np.diag((r * scale).sum(axis=1)) - (r * scale) @ r.T
    return float(o_minus_e @ np.linalg.solve(var, o_minus_e))


