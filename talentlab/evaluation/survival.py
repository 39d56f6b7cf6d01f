"""Survival analysis of the post-adaptation cycle: Kaplan-Meier, log-rank, Cox DiD.

Count tables. A graduates table may carry a ``count`` column (:data:`COUNT_COLUMN`): a row
stands for that many identical graduates. Every function here then counts graduates, not rows,
and gives what it gives on the microdata the table came from:

* Kaplan-Meier: the one Kaplan-Meier (:func:`talentlab.indicators.survival.km_grouped`) takes
  the counts as subjects per row;
* log-rank: at-risk and event counts per group and time are sums of counts (the formulas of
  statsmodels' ``survdiff``, which has no frequency weights);
* Cox: lifelines ``CoxPHFitter`` with the counts as ``weights_col``, except that a row of k
  graduates who reached the event is fitted as k rows of weight 1. Efron's tie correction
  counts the tied *rows* (lifelines, as R's ``coxph``, spreads a weighted row's deaths as one
  death), so a weighted event row would give another partial likelihood than its k graduates
  (log hazard ratio 0.28818 against 0.28882 on the paper_claims scenario); censored rows enter
  the risk sets only, where a weight is exactly k graduates;
* the clustered sandwich SE is computed here from Efron score residuals (Lin & Wei 1989 with
  Efron ties, as R's ``coxph(..., cluster=)``): lifelines' own score residuals sum the risk sets
  in row order within tied times, so its robust SE changed with the order of the rows (0.0709
  against 0.0685 on the same graduates shuffled), and a count table could not equal them.

Rows of count 0 stand for no graduate and are left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation.common import (
    DID_TERM,
    EvaluationInputError,
    as_binary,
    as_float,
    as_int,
    check_alpha,
    count_column,
    not_estimable_row,
    require_columns,
    tidy_result,
)


def _graduate_counts(data: pd.DataFrame, count: str | None, where: str) -> np.ndarray | None:
    """Graduates per row (int64) from the count column ``count``, or None (one per row)."""
    if count is None:
        return None
    values = as_float(data[count], count, where)
    bad = np.isnan(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise EvaluationInputError(
            f"{where}: column '{count}' (graduates per row) must hold whole numbers >= 0; "
            f"{int(bad.sum())} row(s) do not, e.g. row {data.index[first]!r} holds "
            f"{data[count].iloc[first]!r}")
    return values.astype(np.int64)


def _survival_frame(data, duration, event, where, count: str | None = None) -> pd.DataFrame:
    """Rows with a duration and an event as ``_T`` / ``_E``; with ``count``, the graduates per
    row as ``_W`` (rows of count 0 left out)."""
    require_columns(data, [duration, event] + ([count] if count else []), where)
    t = as_float(data[duration], duration, where)
    e = as_float(data[event], event, where)
    keep = ~(np.isnan(t) | np.isnan(e))
    if (t[keep] < 0).any():
        raise EvaluationInputError(f"{where}: column '{duration}' has negative durations")
    if not set(np.unique(e[keep])) <= {0.0, 1.0}:
        raise EvaluationInputError(f"{where}: column '{event}' must be boolean or 0/1")
    weights = _graduate_counts(data, count, where)
    if weights is not None:
        keep &= weights > 0
    out = data.loc[keep].copy()
    out["_T"] = t[keep]
    out["_E"] = e[keep].astype(int)
    if weights is not None:
        out["_W"] = weights[keep]
    return out


def _weights(frame: pd.DataFrame) -> np.ndarray | None:
    """The graduates per row of a survival frame (``_W``), or None: one per row."""
    return frame["_W"].to_numpy(dtype=np.int64) if "_W" in frame.columns else None


def _n_graduates(frame: pd.DataFrame, mask: np.ndarray | None = None) -> int:
    """Graduates in the rows of ``frame`` (those of ``mask``): counts summed, or rows."""
    w = _weights(frame)
    if w is None:
        return int(len(frame) if mask is None else np.count_nonzero(mask))
    return int(w.sum() if mask is None else w[mask].sum())


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
    frame = _survival_frame(data, duration, event, where, count_column(data, count))
    if by:
        grouper = frame.groupby(by, observed=True, sort=True)
        codes = grouper.ngroup().to_numpy()
        keys = [k if isinstance(k, tuple) else (k,) for k in grouper.size().index]
    else:
        codes, keys = np.zeros(len(frame), dtype=int), [()]
    time, died = frame["_T"].to_numpy(dtype=float), frame["_E"].to_numpy().astype(bool)
    weights = _weights(frame)
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
                        "n": _n_graduates(frame, in_group),
                        "events": _n_graduates(frame, in_group & died),
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
    frame = _survival_frame(data, duration, event, where, count_column(data, count))
    labels = frame[group].astype(str).agg(" | ".join, axis=1)
    n_groups = labels.nunique()
    n = _n_graduates(frame)
    if n_groups < 2:
        return pd.DataFrame([{"test": "log-rank", "statistic": np.nan, "df": 0,
                              "p_value": np.nan, "n": n, "n_groups": n_groups,
                              "method": "not testable: fewer than two groups"}])
    time, died = frame["_T"].to_numpy(dtype=float), frame["_E"].to_numpy(dtype=float)
    if "_W" in frame.columns:
        chisq = _logrank_counts(time, died, labels.to_numpy(dtype=object), _weights(frame))
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


def cox_effect(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    cluster: str | None = None,
    strata: Sequence[str] | str | None = None,
    inference: str = "robust",
    alpha: float = 0.05,
    outcome: str | None = None,
    count: str | None = COUNT_COLUMN,
) -> pd.DataFrame:
    """Cox proportional hazards model (lifelines ``CoxPHFitter``, Efron ties); hazard ratios.

    Each covariate gives one row: ``estimate`` and the interval are hazard ratios (``null_value``
    1), ``se`` and ``log_hr`` are on the log scale (``se_scale`` = "log_hazard_ratio").

    Inference:

    * no ``cluster``: model-based SE, normal reference (as R's ``coxph``);
    * ``cluster`` with ``inference="robust"``: the robust sandwich SE clustered by that column
      (Lin & Wei 1989; Efron score residuals, as R's ``coxph(..., cluster=)``; lifelines' own
      depends on the order of rows with tied times), interval and p-value from t(G-1) (the
      few-cluster convention of the CR1 rows of :func:`did`; the normal-reference p-value is
      kept as ``p_value_normal``);
    * ``cluster`` with ``inference="cr3"``: leave-one-cluster-out jackknife of the log hazard
      ratios, ``V = (G-1)/G sum_g (b_-g - b)^2``, t(G-1) — the Cox analogue of CR3, better
      calibrated than the sandwich with a handful of clusters (hand-written: lifelines has no
      jackknife; it is G refits of lifelines' own model).

    ``count`` names a count table's column of graduates per row (used when ``data`` has it):
    the fit, the SEs, ``n`` and ``n_events`` are then those of the microdata the table came
    from (see the module docstring for why a row of k events is fitted as k rows).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                   "x": [1, 1, 0, 0, 1, 0, 1, 0]})
    >>> float(cox_effect(d, "t", "e", ["x"])["estimate"].iloc[0]) > 1
    True
    """
    return _cox_fit(data, duration, event, covariates, cluster, strata, inference, alpha,
                    outcome, count)[0]


def _cox_fit(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    cluster: str | None = None,
    strata: Sequence[str] | str | None = None,
    inference: str = "robust",
    alpha: float = 0.05,
    outcome: str | None = None,
    count: str | None = COUNT_COLUMN,
) -> tuple[pd.DataFrame, object, pd.DataFrame]:
    """:func:`cox_effect` plus the fitted lifelines model (None if not fitted) and its frame."""
    where = "cox_effect"
    check_alpha(alpha)
    if inference not in ("robust", "cr3"):
        raise EvaluationInputError(f"{where}: inference must be 'robust' or 'cr3', got {inference!r}")
    covariates = list(covariates)
    strata = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    require_columns(data, covariates + ([cluster] if cluster else []) + strata, where)
    model_frame, strata_cols = _cox_model_frame(data, duration, event, covariates, cluster,
                                                strata, where, count_column(data, count))
    n_clusters = int(model_frame["_cluster"].nunique()) if cluster else np.nan
    label = outcome or duration
    constant = [c for c in covariates if model_frame[c].nunique() < 2]
    if constant or model_frame["_E"].sum() == 0 or (cluster and n_clusters < 3):
        reason = (f"covariate(s) {constant} do not vary" if constant else "no events"
                  if model_frame["_E"].sum() == 0 else "fewer than 3 clusters")
        return _cox_not_estimable(label, covariates, reason, alpha, model_frame, n_clusters)

    cph = _fit_cox(model_frame, strata_cols, alpha)
    summary = cph.summary
    beta = summary.loc[covariates, "coef"].to_numpy(dtype=float)
    se = summary.loc[covariates, "se(coef)"].to_numpy(dtype=float)
    p_norm = summary.loc[covariates, "p"].to_numpy(dtype=float)
    se_sandwich = np.full(len(covariates), np.nan)
    if cluster:
        vcov = _cox_sandwich(cph, model_frame, covariates, strata_cols)
        se = se_sandwich = np.sqrt(np.diag(vcov))
        p_norm = 2 * stats.norm.sf(np.abs(beta / se))
    if cluster and inference == "cr3":
        se = _cox_cr3_se(cph, model_frame, covariates, strata_cols, alpha)
        if se is None:
            return _cox_not_estimable(
                label, covariates, "a covariate does not vary once a cluster is left out (CR3)",
                alpha, model_frame, n_clusters)
    rows = []
    for i, c in enumerate(covariates):
        b = float(beta[i])
        if cluster:
            df_t = n_clusters - 1
            crit = stats.t.ppf(1 - alpha / 2, df_t)
            p = float(2 * stats.t.sf(abs(b / se[i]), df_t))
            how = ("CR3 leave-one-cluster-out jackknife" if inference == "cr3"
                   else "robust sandwich SE")
            method = f"Cox PH (lifelines, Efron ties); {how} clustered by {cluster}, t(G-1)"
        else:
            df_t = np.nan
            crit = stats.norm.ppf(1 - alpha / 2)
            p = float(p_norm[i])
            method = "Cox PH (lifelines, Efron ties); model-based SE, normal reference"
        if strata:
            method += f"; stratified by {', '.join(strata)}"
        rows.append({
            "outcome": label, "term": c, "estimate": float(np.exp(b)), "se": float(se[i]),
            "ci_low": float(np.exp(b - crit * se[i])),
            "ci_high": float(np.exp(b + crit * se[i])),
            "p_value": p, "n": _n_graduates(model_frame), "n_clusters": n_clusters,
            "method": method, "alpha": alpha, "null_value": 1.0, "primary": False, "log_hr": b,
            "se_scale": "log_hazard_ratio", "p_value_normal": float(p_norm[i]), "df": df_t,
            "n_events": _n_graduates(model_frame, model_frame["_E"].to_numpy() == 1),
            "inference": inference if cluster else "model",
            "se_sandwich": float(se_sandwich[i]),
        })
    return tidy_result(rows), cph, model_frame


def _cox_model_frame(data: pd.DataFrame, duration: str, event: str, covariates: list[str],
                     cluster: str | None, strata: list[str], where: str,
                     count: str | None = None) -> tuple[pd.DataFrame, list[str]]:
    """The lifelines input: ``_T``, ``_E``, the covariates, coded strata and ``_cluster``; with
    ``count``, the graduates per row as ``_W`` and each event row of k graduates as k rows of
    weight 1 (Efron's tie correction counts tied rows: see the module docstring)."""
    frame = _survival_frame(data, duration, event, where, count)
    if "_W" in frame.columns:
        w = frame["_W"].to_numpy(dtype=np.int64)
        repeat = np.where(frame["_E"].to_numpy() == 1, w, 1)
        frame = frame.iloc[np.repeat(np.arange(len(frame)), repeat)]
        frame = frame.assign(_W=np.where(frame["_E"].to_numpy() == 1, 1,
                                         frame["_W"].to_numpy(dtype=np.int64)))
    model_frame = pd.DataFrame({"_T": frame["_T"].to_numpy(), "_E": frame["_E"].to_numpy()})
    if "_W" in frame.columns:
        model_frame["_W"] = frame["_W"].to_numpy(dtype=np.int64)
    for c in covariates:
        model_frame[c] = as_float(frame[c], c, where)
    if model_frame[covariates].isna().any().any():
        raise EvaluationInputError(f"{where}: covariates {covariates} have missing values")
    strata_cols = [f"_stratum_{i}" for i in range(len(strata))]
    for internal, col in zip(strata_cols, strata, strict=True):
        model_frame[internal] = pd.factorize(frame[col])[0]
    if cluster:
        model_frame["_cluster"] = pd.factorize(frame[cluster])[0]
    return model_frame, strata_cols


def _cox_not_estimable(label: str, covariates: list[str], reason: str, alpha: float,
                       model_frame: pd.DataFrame, n_clusters: float
                       ) -> tuple[pd.DataFrame, None, pd.DataFrame]:
    return tidy_result([{**not_estimable_row(label, c, reason, alpha, _n_graduates(model_frame),
                                             n_clusters),
                   "null_value": 1.0} for c in covariates]), None, model_frame


#: Newton-Raphson to the limit of the arithmetic. lifelines stops when the step, the relative
#: change of the log-likelihood (1e-9) or the Newton decrement falls below its thresholds, and
#: does not take the last step: estimates were then 1e-7 off the maximum, and which iteration
#: stopped depended on rounding, so the same graduates as rows or as a count table gave CR3
#: jackknife SEs 1e-8 apart. Stopping at a Newton decrement below 1e-20 (a step of about 1e-11)
#: costs two or three iterations.
COX_FIT_OPTIONS = {"precision": 1e-20, "r_precision": 0.0, "max_steps": 100}


def _fit_cox(frame: pd.DataFrame, strata_cols: list[str], alpha: float,
             start: np.ndarray | None = None):
    """lifelines ``CoxPHFitter`` (Efron ties) on ``_T``/``_E``, weights ``_W`` when present;
    model-based variance (the clustered sandwich is :func:`_cox_sandwich`)."""
    from lifelines import CoxPHFitter

    cph = CoxPHFitter(alpha=alpha)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cph.fit(frame.drop(columns="_cluster", errors="ignore"), "_T", "_E",
                weights_col="_W" if "_W" in frame.columns else None,
                strata=strata_cols or None, initial_point=start, fit_options=COX_FIT_OPTIONS)
    return cph


def _efron_score_residuals(time: np.ndarray, died: np.ndarray, x: np.ndarray,
                           weights: np.ndarray, strata: np.ndarray, beta: np.ndarray
                           ) -> np.ndarray:
    """Score residuals of the Efron partial likelihood, one graduate of each row (n x p).

    A row of weight w stands for w identical graduates (its deaths are w tied deaths). At an
    event time with d deaths (weighted) the Efron approximation takes d steps k = 0..d-1 with
    the deaths' risk scaled by (1 - k/d): S0_k = R0 - k/d D0, xbar_k = (R1 - k/d D1) / S0_k.
    A graduate at risk there gets -phi (x - xbar_k) / S0_k at each step, times (1 - k/d) if it
    is one of the deaths, which also adds (x - mean_k xbar_k). The residuals times the weights
    sum to the Efron score; they do not depend on the order of the rows (Therneau & Grambsch
    2000, sec. 3.7; R's ``coxph`` score residuals with ``ties="efron"``).
    """
    n, p = x.shape
    out = np.zeros((n, p))
    phi = np.exp(x @ beta)
    wphi = weights * phi
    for stratum in np.unique(strata):
        rows = np.flatnonzero(strata == stratum)
        t, e, xs, ws, wp = time[rows], died[rows], x[rows], weights[rows], wphi[rows]
        times, t_code = np.unique(t, return_inverse=True)
        m = len(times)
        # risk sets: everyone with time >= t_j (reverse cumulative sums over distinct times)
        r0 = np.cumsum(np.bincount(t_code, wp, m)[::-1])[::-1]
        r1 = np.cumsum(np.vstack([np.bincount(t_code, wp * xs[:, j], m)
                                  for j in range(p)]).T[::-1], axis=0)[::-1]
        d0 = np.bincount(t_code[e], wp[e], m)
        d1 = np.vstack([np.bincount(t_code[e], (wp * xs[:, j])[e], m) for j in range(p)]).T
        deaths = np.rint(np.bincount(t_code[e], ws[e], m)).astype(np.int64)
        # one entry per Efron step: the event time j and the fraction k/d
        step_time = np.repeat(np.arange(m), deaths)
        k = np.arange(len(step_time)) - np.repeat(np.cumsum(deaths) - deaths, deaths)
        frac = k / np.repeat(np.maximum(deaths, 1), deaths)
        s0 = r0[step_time] - frac * d0[step_time]
        xbar = (r1[step_time] - frac[:, None] * d1[step_time]) / s0[:, None]
        hazard, hazard_x = 1.0 / s0, xbar / s0[:, None]
        # per event time: sums over its steps, plain and weighted by (1 - k/d); mean xbar
        a = np.bincount(step_time, hazard, m)
        b = np.vstack([np.bincount(step_time, hazard_x[:, j], m) for j in range(p)]).T
        a_dead = np.bincount(step_time, (1 - frac) * hazard, m)
        b_dead = np.vstack([np.bincount(step_time, (1 - frac) * hazard_x[:, j], m)
                            for j in range(p)]).T
        mean_xbar = (np.vstack([np.bincount(step_time, xbar[:, j], m) for j in range(p)]).T
                     / np.maximum(deaths, 1)[:, None])
        cum_a, cum_b = np.cumsum(a), np.cumsum(b, axis=0)
        # a censored graduate is at risk at every event time <= its time
        resid = -phi[rows, None] * (xs * cum_a[t_code, None] - cum_b[t_code])
        if e.any():
            j = t_code[e]
            before_a = cum_a[j] - a[j] + a_dead[j]
            before_b = cum_b[j] - b[j] + b_dead[j]
            resid[e] = (xs[e] - mean_xbar[j]
                        - phi[rows[e], None] * (xs[e] * before_a[:, None] - before_b))
        out[rows] = resid
    return out


def _cox_sandwich(cph, model_frame: pd.DataFrame, covariates: list[str],
                  strata_cols: list[str]) -> np.ndarray:
    """Clustered sandwich V I^-1 (sum_g U_g U_g') I^-1 from Efron score residuals (Lin & Wei
    1989), U_g the score residuals of cluster g's graduates; no small-sample factor (R's
    ``coxph(..., cluster=)``, lifelines' ``cluster_col``)."""
    x = model_frame[covariates].to_numpy(dtype=float)
    weights = (model_frame["_W"].to_numpy(dtype=float) if "_W" in model_frame.columns
               else np.ones(len(model_frame)))
    strata = (model_frame[strata_cols].to_numpy() @ np.cumprod(
        [1] + [int(model_frame[c].max()) + 1 for c in strata_cols[:-1]])
              if strata_cols else np.zeros(len(model_frame), dtype=np.int64))
    beta = cph.params_.loc[covariates].to_numpy(dtype=float)
    resid = _efron_score_residuals(model_frame["_T"].to_numpy(dtype=float),
                                   model_frame["_E"].to_numpy() == 1, x, weights, strata, beta)
    codes = model_frame["_cluster"].to_numpy()
    scores = np.vstack([np.bincount(codes, weights * resid[:, j]) for j in range(x.shape[1])]).T
    inverse_info = cph.variance_matrix_.loc[covariates, covariates].to_numpy(dtype=float)
    dfbeta = scores @ inverse_info
    return dfbeta.T @ dfbeta


def _cox_cr3_se(cph, model_frame: pd.DataFrame, covariates: list[str], strata_cols: list[str],
                alpha: float) -> np.ndarray | None:
    """CR3 SE of the log hazard ratios: V = (G-1)/G sum_g (b_-g - b)^2 over G refits.

    None when a covariate is constant once a cluster is left out.
    """
    beta = cph.summary.loc[covariates, "coef"].to_numpy(dtype=float)
    groups = np.unique(model_frame["_cluster"])
    loo = []
    for g in groups:
        sub = model_frame[model_frame["_cluster"] != g]
        if (sub[covariates].nunique() < 2).any():
            loo.append(np.full(len(covariates), np.nan))
            continue
        start = np.array(cph.params_, dtype=float)  # warm start (lifelines edits it in place)
        refit = _fit_cox(sub, strata_cols, alpha, start)
        loo.append(refit.params_.loc[covariates].to_numpy(dtype=float))
    loo = np.vstack(loo)
    if np.isnan(loo).any():
        return None
    return np.sqrt((len(groups) - 1) / len(groups) * np.sum((loo - beta) ** 2, axis=0))


def _internal_count(surv: pd.DataFrame) -> str | None:
    """The count column of a frame :func:`_survival_frame` made (``_W``), or None."""
    return "_W" if "_W" in surv.columns else None


def _cox_pretrend(surv: pd.DataFrame, cohort: str, reform_cohort: int, cluster: str,
                  unit: str | None, alpha: float, where: str) -> tuple[float, float, str]:
    """Differential linear pre-trend of the log hazard: the Cox analogue of the event-study
    ``linear`` test. On pre-reform cohorts, ``exp(s * treated * (cohort - ref) + cohort effects)``
    with a baseline hazard per major, CR3 jackknife by ``cluster``, t(G-1)."""
    if cohort not in surv.columns:
        return np.nan, np.nan, "pre-trend not testable: no cohort column"
    cohort_values = as_int(surv[cohort], cohort, where)
    pre = surv[cohort_values < reform_cohort].copy()
    pre_cohorts = cohort_values[cohort_values < reform_cohort]
    if len(np.unique(pre_cohorts[pre["_group"].to_numpy() == 1])) < 2:
        return np.nan, np.nan, "pre-trend not testable: fewer than two pre-reform cohorts"
    ref = reform_cohort - 1
    pre["_slope"] = pre["_group"] * (pre_cohorts - ref)
    covs = ["_slope"]
    levels = sorted(np.unique(pre_cohorts))
    for lev in levels[1:]:
        pre[f"_pc_{lev}"] = (pre_cohorts == lev).astype(float)
        covs.append(f"_pc_{lev}")
    if not unit:
        covs.append("_group")
    res = cox_effect(pre, "_T", "_E", covs, cluster=cluster, strata=unit, inference="cr3",
                     alpha=alpha, count=_internal_count(pre))
    row = res.iloc[0]
    if str(row["method"]).startswith("not estimable"):
        return np.nan, np.nan, f"pre-trend {row['method']}"
    return (float(row["log_hr"]), float(row["p_value"]),
            "linear differential pre-trend of the log hazard over the pre-reform cohorts "
            "(Cox, Efron ties, baseline hazard per major, CR3 jackknife, t(G-1))")


@dataclass
class AdaptationResult:
    """Result of :func:`adaptation_comparison`.

    Attributes
    ----------
    effect : DataFrame
        The tidy effect rows (hazard ratio of treated x post; ``null_value`` 1;
        ``orientation`` -1 because a hazard ratio above 1 means *shorter* adaptation): the
        primary row with the requested inference, then the robust-sandwich row.
    cox : DataFrame
        All Cox terms of the primary fit (interaction and cohort effects, or group, period and
        interaction when ``unit=None``).
    km_curves, km_medians : DataFrame
        Kaplan–Meier tables and medians by group x period.
    logrank : DataFrame
        Log-rank tests: across the four group x period cells, and treated vs comparison within
        each period.
    ph_test : DataFrame
        Proportional-hazards test per covariate (lifelines ``proportional_hazard_test``, rank
        time transform, i.e. the scaled Schoenfeld residual test).
    """

    effect: pd.DataFrame
    cox: pd.DataFrame
    km_curves: pd.DataFrame
    km_medians: pd.DataFrame
    logrank: pd.DataFrame
    ph_test: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The effect row(s), as every evaluation function returns them."""
        return self.effect


def adaptation_comparison(
    data: pd.DataFrame,
    duration: str = "adaptation_months",
    event: str = "adaptation_reached",
    group: str = "treated_major",
    period: str = "post",
    cluster: str = "major",
    cohort: str = "cohort",
    reform_cohort: int = 2022,
    unit: str | None = "major",
    inference: str = "cr3",
    alpha: float = 0.05,
    count: str | None = COUNT_COLUMN,
) -> AdaptationResult:
    """Adaptation cycle: Kaplan–Meier by group x period, log-rank, Cox DiD hazard ratio.

    The effect is the hazard ratio ``exp(b)`` of ``group x period`` in the Cox model (Efron
    ties), the survival analogue of :func:`did`'s two-way fixed effects:

        h(t | major, cohort) = h0_major(t) exp(b group x period + cohort effects)

    with a baseline hazard per major (``strata=unit``; the group main effect is then absorbed)
    and cohort dummies. With ``unit=None`` the model is
    ``exp(b1 group + b2 period + b group x period)`` instead.
    Inference (see :func:`cox_effect`): ``"cr3"`` (default: leave-one-major-out jackknife,
    t(G-1)) for the primary row; the lifelines robust sandwich clustered by major is returned as
    a second, non-primary row.

    The event is reaching independent work, so a hazard ratio above 1 means the reform
    *shortened* adaptation: the effect rows say so with ``orientation`` = -1 (direction on the
    duration scale). Rows with a missing duration or event (graduates not in employment) are
    dropped and counted (``n_dropped_missing``, in graduates). If ``period`` is not a column it
    is derived as ``cohort >= reform_cohort``.

    ``count`` names a count table's column of graduates per row (used when ``data`` has it):
    Kaplan-Meier tables, log-rank tests, the Cox fits (primary, sandwich, CR3 refits, pre-trend)
    and the proportional-hazards test then equal those of the microdata the table came from
    (``tests/test_counts_evaluation.py``).

    The proportional-hazards test is lifelines' ``proportional_hazard_test`` on the model-based
    fit (the Grambsch-Therneau statistic is built on the information matrix, not a sandwich)
    with the event times ranked, tied times sharing their average rank as R's ``cox.zph``
    (lifelines' ``"rank"`` numbers tied times in row order).

    Pre-trend check (columns ``pretrend_slope``, ``pretrend_p``, ``pretrend_method`` of the
    effect rows): on the pre-reform cohorts, the log hazard's differential linear trend
    ``s * treated * (cohort - (reform_cohort - 1))`` in the same Cox model, CR3 jackknife by
    major — the survival analogue of :func:`event_study`'s ``linear`` test, read by
    :func:`talentlab.claims.judge`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> n = 400
    >>> d = pd.DataFrame({"major": rng.choice(list("abcdef"), n),
    ...                   "cohort": rng.choice(range(2019, 2025), n)})
    >>> d["treated_major"] = d["major"].isin(["a", "b"])
    >>> d["adaptation_months"] = rng.exponential(6, n)
    >>> d["adaptation_reached"] = True
    >>> res = adaptation_comparison(d, inference="robust")
    >>> res.effect["term"].iloc[0]
    'treated_x_post'
    """
    where = "adaptation_comparison"
    check_alpha(alpha)
    if inference not in ("cr3", "robust"):
        raise EvaluationInputError(f"{where}: inference must be 'cr3' or 'robust', got {inference!r}")
    surv = _adaptation_frame(data, duration, event, group, period, cluster, cohort,
                             reform_cohort, unit, where, count_column(data, count))
    weighted = _internal_count(surv)
    notes = []
    curves, medians = km_table(surv, "_T", "_E", by=["_group_label", "_period_label"],
                               alpha=alpha, count=weighted)
    rename = {"_group_label": "group", "_period_label": "period"}
    curves, medians = curves.rename(columns=rename), medians.rename(columns=rename)
    logrank_tab = _adaptation_logrank(surv)

    covs, strata, names = _cox_did_design(surv, group, period, cohort, unit, where)
    fitted, fitter, model_frame = _cox_fit(surv, "_T", "_E", covs, cluster, strata, inference,
                                           alpha, duration, weighted)
    cox = fitted.copy()
    cox["term"] = cox["term"].map(names)
    ph_tab = _ph_test_table(fitter, model_frame, names, notes)
    effect = cox[cox["term"] == DID_TERM].reset_index(drop=True)
    effect["primary"] = True
    if inference == "cr3" and not effect["method"].iloc[0].startswith("not estimable"):
        effect = pd.concat([effect, _sandwich_row(effect, alpha)], ignore_index=True)
    effect["orientation"] = -1
    effect["estimate_scale"] = "hazard_ratio"
    ph_p = ph_tab.loc[ph_tab["term"] == DID_TERM, "p_value"]
    effect["ph_test_p"] = float(ph_p.iloc[0]) if len(ph_p) else np.nan
    effect["ph_test_min_p"] = float(ph_tab["p_value"].min()) if len(ph_tab) else np.nan
    counts = _graduate_counts(data, count_column(data, count), where)
    effect["n_dropped_missing"] = ((len(data) if counts is None else int(counts.sum()))
                                   - _n_graduates(surv))
    pre_slope, pre_p, pre_method = _cox_pretrend(surv, cohort, reform_cohort, cluster, unit,
                                                 alpha, where)
    effect["pretrend_slope"] = pre_slope
    effect["pretrend_p"] = pre_p
    effect["pretrend_method"] = pre_method
    return AdaptationResult(effect=effect, cox=cox.reset_index(drop=True), km_curves=curves,
                            km_medians=medians, logrank=logrank_tab, ph_test=ph_tab, notes=notes)


def _adaptation_frame(data, duration, event, group, period, cluster, cohort, reform_cohort,
                      unit, where, count: str | None = None) -> pd.DataFrame:
    """Rows with a duration and event, with 0/1 ``_group``, ``_period``, ``_interaction``
    and their labels; ``period`` derived as ``cohort >= reform_cohort`` when not a column."""
    frame = data
    if period not in data.columns:
        require_columns(data, [cohort], where)
        frame = data.assign(**{period: as_int(data[cohort], cohort, where) >= reform_cohort})
    needed = [duration, event, group, period, cluster] + ([cohort, unit] if unit else [])
    require_columns(frame, needed, where)
    surv = _survival_frame(frame, duration, event, where, count)
    surv = surv.assign(
        _group=as_binary(surv[group], group, where).astype(int),
        _period=as_binary(surv[period], period, where).astype(int),
    )
    surv["_interaction"] = surv["_group"] * surv["_period"]
    surv["_group_label"] = np.where(surv["_group"] == 1, "treated", "comparison")
    surv["_period_label"] = np.where(surv["_period"] == 1, "post", "pre")
    return surv


def _adaptation_logrank(surv: pd.DataFrame) -> pd.DataFrame:
    """Log-rank across the four group x period cells and treated vs comparison per period."""
    weighted = _internal_count(surv)
    tests = [logrank(surv, "_T", "_E", ["_group_label", "_period_label"], count=weighted)
             .assign(comparison="4 cells: group x period")]
    for per in ("pre", "post"):
        sub = surv[surv["_period_label"] == per]
        tests.append(logrank(sub, "_T", "_E", "_group_label", count=weighted)
                     .assign(comparison=f"treated vs comparison, {per}-reform"))
    return pd.concat(tests, ignore_index=True)


def _cox_did_design(surv: pd.DataFrame, group: str, period: str, cohort: str,
                    unit: str | None, where: str) -> tuple[list[str], str | None, dict]:
    """Covariates, strata and output term names of the Cox DiD.

    With ``unit``: the interaction and cohort dummies (added to ``surv`` in place), a baseline
    hazard per unit; without: group, period and interaction.
    """
    names = {"_group": group, "_period": period, "_interaction": DID_TERM}
    if not unit:
        return ["_group", "_period", "_interaction"], None, names
    cohort_values = as_int(surv[cohort], cohort, where)
    levels = sorted(np.unique(cohort_values))
    covs = ["_interaction"]
    for lev in levels[1:]:
        surv[f"_cohort_{lev}"] = (cohort_values == lev).astype(float)
        covs.append(f"_cohort_{lev}")
        names[f"_cohort_{lev}"] = f"{cohort}_{lev}"
    return covs, unit, names


def _event_time_rank(durations: pd.Series, events: pd.Series, weights) -> pd.Series:
    """lifelines time transform: the rank of each event time among the event times, tied times
    sharing their average rank (R's ``cox.zph(transform="rank")``); NaN for censored rows."""
    from scipy.stats import rankdata

    died = events.to_numpy().astype(bool)
    ranks = np.full(len(durations), np.nan)
    ranks[died] = rankdata(durations.to_numpy(dtype=float)[died], method="average")
    return pd.Series(ranks, index=durations.index)


def _ph_test_table(fitter, model_frame: pd.DataFrame, names: dict,
                   notes: list[str]) -> pd.DataFrame:
    """Scaled Schoenfeld residual test per covariate (lifelines, rank time transform)."""
    from lifelines.statistics import proportional_hazard_test

    ph_tab = pd.DataFrame(columns=["term", "statistic", "p_value", "method"])
    if fitter is None:
        return ph_tab
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ph = proportional_hazard_test(fitter, model_frame.drop(columns="_cluster",
                                                                   errors="ignore"),
                                          time_transform=_event_time_rank)
        ph_sum = ph.summary
        ph_tab = pd.DataFrame({
            "term": [names.get(str(i[-1] if isinstance(i, tuple) else i), str(i))
                     for i in ph_sum.index],
            "statistic": ph_sum["test_statistic"].to_numpy(dtype=float),
            "p_value": ph_sum["p"].to_numpy(dtype=float),
            "method": "lifelines proportional_hazard_test (rank transform, ties averaged)",
        })
    except Exception as err:  # diagnostics must not sink the estimate
        notes.append(f"proportional-hazards test failed: {err}")
    return ph_tab


def _sandwich_row(effect: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """The same fit's robust sandwich, t(G-1), as the conventional second row."""
    sandwich = effect.iloc[[0]].copy()
    b, se_s = float(sandwich["log_hr"].iloc[0]), float(sandwich["se_sandwich"].iloc[0])
    df_t = float(sandwich["df"].iloc[0])
    crit = stats.t.ppf(1 - alpha / 2, df_t)
    sandwich["se"] = se_s
    sandwich["ci_low"] = float(np.exp(b - crit * se_s))
    sandwich["ci_high"] = float(np.exp(b + crit * se_s))
    sandwich["p_value"] = float(2 * stats.t.sf(abs(b / se_s), df_t))
    sandwich["method"] = sandwich["method"].str.replace(
        "CR3 leave-one-cluster-out jackknife", "robust sandwich SE", regex=False)
    sandwich["inference"] = "robust"
    sandwich["primary"] = False
    return sandwich
