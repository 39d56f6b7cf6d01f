"""Cox proportional hazards (lifelines, Efron ties) with the clustered sandwich and CR3
standard errors computed here, and the Cox pre-trend test (see
:mod:`talentlab.evaluation.survival`).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation.common import (
    EvaluationInputError,
    as_float,
    as_int,
    check_alpha,
    count_column,
    not_estimable_row,
    require_columns,
    tidy_result,
)
from talentlab.evaluation.survival.frames import internal_count, n_graduates, survival_frame


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
    return cox_fit(data, duration, event, covariates, cluster, strata, inference, alpha,
                    outcome, count)[0]


def cox_fit(
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
    """:func:`cox_effect` plus the fitted lifelines model (None if not fitted) and its frame.

    Parameters
    ----------
    data, duration, event, covariates, cluster, strata, inference, alpha, outcome, count
        As in :func:`cox_effect`.

    Returns
    -------
    effects : DataFrame
        What :func:`cox_effect` returns.
    fitter : lifelines.CoxPHFitter or None
        The fitted model (None when not estimable).
    model_frame : DataFrame
        The lifelines input (``_T``, ``_E``, the covariates, strata, ``_cluster``, ``_W``);
        :func:`~talentlab.evaluation.survival.adaptation_comparison` tests proportional
        hazards on it.
    """
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
            "p_value": p, "n": n_graduates(model_frame), "n_clusters": n_clusters,
            "method": method, "alpha": alpha, "null_value": 1.0, "primary": False, "log_hr": b,
            "se_scale": "log_hazard_ratio", "p_value_normal": float(p_norm[i]), "df": df_t,
            "n_events": n_graduates(model_frame, model_frame["_E"].to_numpy() == 1),
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
    frame = survival_frame(data, duration, event, where, count)
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
    return tidy_result([{**not_estimable_row(label, c, reason, alpha, n_graduates(model_frame),
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


def efron_score_residuals(time: np.ndarray, died: np.ndarray, x: np.ndarray,
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
    resid = efron_score_residuals(model_frame["_T"].to_numpy(dtype=float),
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


def cox_pretrend(surv: pd.DataFrame, cohort: str, reform_cohort: int, cluster: str,
                  unit: str | None, alpha: float, where: str) -> tuple[float, float, str]:
    """Differential linear pre-trend of the log hazard: the Cox analogue of the event-study
    ``linear`` test. On pre-reform cohorts, ``exp(s * treated * (cohort - ref) + cohort effects)``
    with a baseline hazard per major, CR3 jackknife by ``cluster``, t(G-1).

    Parameters
    ----------
    surv : DataFrame
        A survival frame (:func:`~talentlab.evaluation.survival.frames.survival_frame`) with
        ``_group`` (treated major, 0/1) and the columns named below.
    cohort : str
    reform_cohort : int
        First post-reform cohort; the test uses the cohorts before it.
    cluster : str
    unit : str or None
        Stratum of the baseline hazard (the major), or None.
    alpha : float
    where : str
        The calling function, named in errors.

    Returns
    -------
    slope : float
        Log hazard ratio per cohort (NaN when not testable).
    p_value : float
    method : str
        What was done, or why it was not testable.
    """
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
                     alpha=alpha, count=internal_count(pre))
    row = res.iloc[0]
    if str(row["method"]).startswith("not estimable"):
        return np.nan, np.nan, f"pre-trend {row['method']}"
    return (float(row["log_hr"]), float(row["p_value"]),
            "linear differential pre-trend of the log hazard over the pre-reform cohorts "
            "(Cox, Efron ties, baseline hazard per major, CR3 jackknife, t(G-1))")

