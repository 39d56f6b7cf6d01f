"""Interrupted time series (ITS): segmented regression for one unit observed before and after.

The design for a single college (or a single group of majors) with no comparison units: the
pre-reform trend is projected forward as the counterfactual and the reform's effect is a change
in level (and, if specified a priori, in slope) at the interruption (Lopez Bernal, Cummins &
Gasparrini 2017). Pure statistics on a DataFrame with one row per time point.

Model (``t`` = time, ``post`` = 1 from the first post-intervention time point on, ``t0`` = the
last pre-intervention time point)::

    g(E[y_t]) = b0 + b1 t + b2 post_t [+ b3 (t - t0) post_t] [+ Fourier terms] [+ log offset]

* ``family="quasipoisson"`` (default): Poisson log-linear model for counts, variance phi * mu
  with phi = Pearson chi^2 / (n - p) (R's ``quasipoisson``; statsmodels ``GLM(...).fit(scale=
  "X2")``); the level change exp(b2) is a rate ratio.
* ``family="poisson"``: the same with phi = 1.
* ``family="ols"``: linear model for a rate, share or mean; standard errors Newey–West (HAC,
  Bartlett kernel) robust to autocorrelation (Newey & West 1987), lags by default
  floor(4 (n/100)^(2/9)) (Newey & West 1994) and at least 1; t(n - p) reference.

Seasonality: ``n_harmonics`` pairs of sin/cos terms of ``2 pi k season / period`` (the
``harmonic(month, 2, 12)`` terms of the tutorial's R code, package tsModel). The slope change is
parameterised as ``(t - t0) * post`` with ``t0`` the last pre-intervention point, as in the
tutorial's corrected code (2020: ``I(time - 36):smokban``).

References
----------
Lopez Bernal J, Cummins S, Gasparrini A (2017). Interrupted time series regression for the
evaluation of public health interventions: a tutorial. International Journal of Epidemiology
46(1):348-355. doi:10.1093/ije/dyw098 (code and data: github.com/gasparrini/
2017_lopezbernal_IJE_codedata).
Newey WK, West KD (1987). A simple, positive semi-definite, heteroskedasticity and
autocorrelation consistent covariance matrix. Econometrica 55(3):703-708.
Newey WK, West KD (1994). Automatic lag selection in covariance matrix estimation. Review of
Economic Studies 61(4):631-653.
Wagner AK, Soumerai SB, Zhang F, Ross-Degnan D (2002). Segmented regression analysis of
interrupted time series studies in medication use research. J Clin Pharm Ther 27:299-309.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.evaluation.common import EvaluationInputError, tidy_result

__all__ = ["interrupted_time_series", "ITS_FAMILIES", "fourier_terms", "newey_west_lags"]

ITS_FAMILIES = ("quasipoisson", "poisson", "ols")
SE_TYPES = ("model", "newey_west")
MIN_POINTS_PER_SEGMENT = 3


def newey_west_lags(n: int) -> int:
    """Newey & West (1994) rule of thumb floor(4 (n/100)^(2/9)), at least 1.

    Examples
    --------
    >>> newey_west_lags(60), newey_west_lags(9)
    (3, 2)
    """
    return max(1, int(math.floor(4 * (n / 100.0) ** (2.0 / 9.0))))


def fourier_terms(season: np.ndarray | pd.Series, period: float, n_harmonics: int
                  ) -> pd.DataFrame:
    """``sin_k`` and ``cos_k`` of ``2 pi k season / period`` for k = 1..n_harmonics.

    Examples
    --------
    >>> fourier_terms(np.array([3, 6]), 12, 1).round(6).to_dict("list")
    {'sin_1': [1.0, 0.0], 'cos_1': [0.0, -1.0]}
    """
    s = np.asarray(season, dtype=float)
    cols = {}
    for k in range(1, n_harmonics + 1):
        cols[f"sin_{k}"] = np.sin(2 * np.pi * k * s / period)
        cols[f"cos_{k}"] = np.cos(2 * np.pi * k * s / period)
    return pd.DataFrame(cols)


def _numeric(frame: pd.DataFrame, column: str, where: str) -> np.ndarray:
    try:
        values = pd.to_numeric(frame[column], errors="raise").astype(float).to_numpy()
    except (TypeError, ValueError) as err:
        bad = frame[column][pd.to_numeric(frame[column], errors="coerce").isna()
                            & frame[column].notna()]
        raise EvaluationInputError(
            f"{where}: column '{column}' must be numeric; row {bad.index[0]!r} holds "
            f"{bad.iloc[0]!r}") from err
    return values


def interrupted_time_series(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    intervention_time: float,
    *,
    family: str = "quasipoisson",
    offset: str | None = None,
    slope_change: bool = False,
    season: str | None = None,
    period: float = 12,
    n_harmonics: int = 0,
    se: str | None = None,
    hac_lags: int | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Segmented regression of an interrupted time series (level and slope change).

    Parameters
    ----------
    data : DataFrame
        One row per time point (aggregate first: counts or means per month / cohort).
    outcome : str
        Count (Poisson families) or rate / share / mean (``"ols"``).
    time : str
        Numeric, equally spaced time index (month number, graduation year, ...).
    intervention_time : float
        First time point exposed to the intervention (``post = time >= intervention_time``).
    family : {"quasipoisson", "poisson", "ols"}
    offset : str, optional
        Population / denominator column for the Poisson families; ``log(offset)`` enters with
        coefficient 1, so rate ratios are ratios of ``outcome / offset``.
    slope_change : bool
        Add the change in slope ``(time - t0) * post`` (choose the impact model a priori:
        Lopez Bernal et al. 2017, step 2).
    season, period, n_harmonics : str, float, int
        Fourier seasonality: ``n_harmonics`` sin/cos pairs of ``season`` (e.g. month) with the
        given period; 0 (default) adds none.
    se : {"model", "newey_west"}, optional
        Standard errors. Default: model-based for the Poisson families (over-dispersion scaled
        for ``quasipoisson``), Newey–West for ``ols``.
    hac_lags : int, optional
        Newey–West lags; default :func:`newey_west_lags`.
    alpha : float

    Returns
    -------
    DataFrame
        One row per term — ``level_change`` (primary), ``slope_change`` (if requested) and
        ``pre_trend`` (change per time unit before the intervention) — with the columns of
        :data:`talentlab.evaluation.RESULT_COLUMNS` and ``coef``, ``se_scale``,
        ``estimate_scale``, ``family``, ``se_type``, ``hac_lags``, ``dispersion``, ``df_resid``,
        ``n_pre``, ``n_post``, ``n_harmonics``, ``intervention_time``, ``n_dropped_missing``.
        For the Poisson families ``estimate`` and the interval are rate ratios (``null_value``
        1) and ``se`` is on the log scale; for ``ols`` they are differences (``null_value`` 0).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> t = np.arange(1, 25)
    >>> d = pd.DataFrame({"t": t, "y": np.round(100 * np.exp(0.01 * t - 0.2 * (t >= 13)))})
    >>> res = interrupted_time_series(d, "y", "t", 13)
    >>> round(float(res["estimate"].iloc[0]), 2)  # rate ratio exp(-0.2)
    0.82
    """
    where = "interrupted_time_series"
    se_type = _check_its_options(data, outcome, time, family, se, offset, season, n_harmonics,
                                 alpha, where)
    frame, y, t, n_dropped = _its_series(data, outcome, time, family, where)
    post = (t >= intervention_time).astype(float)
    n_pre, n_post = int((post == 0).sum()), int((post == 1).sum())
    design = _its_design(frame, t, post, intervention_time, slope_change, season, period,
                         n_harmonics, where)
    p = design.shape[1]
    base = {"outcome": outcome, "n": len(y), "n_clusters": np.nan, "alpha": alpha,
            "family": family, "se_type": se_type, "n_pre": n_pre, "n_post": n_post,
            "n_harmonics": n_harmonics, "intervention_time": intervention_time,
            "n_dropped_missing": n_dropped}
    null = 0.0 if family == "ols" else 1.0

    problem = None
    if min(n_pre, n_post) < MIN_POINTS_PER_SEGMENT:
        problem = (f"{n_pre} pre- and {n_post} post-intervention time points; segmented "
                   f"regression needs at least {MIN_POINTS_PER_SEGMENT} in each")
    elif len(y) - p < 1:
        problem = f"{len(y)} time points for {p} parameters"
    if problem is not None:
        return tidy_result([{**base, "term": "level_change", "estimate": np.nan, "se": np.nan,
                             "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                             "method": f"not estimable: {problem}", "null_value": null,
                             "primary": True}])

    lags = hac_lags if hac_lags is not None else newey_west_lags(len(y))
    res, dispersion = _its_fit(y, design, frame, family, offset, se_type, lags, where)
    df_resid = float(res.df_resid)
    if family == "ols":
        crit = stats.t.ppf(1 - alpha / 2, df_resid)
        ref = f"t({df_resid:.0f})"
    else:  # normal reference, as the tutorial's ci.lin (Epi) and Stata's glm
        crit = stats.norm.ppf(1 - alpha / 2)
        ref = "normal"
    fam_text = {"quasipoisson": "quasi-Poisson (over-dispersion phi = Pearson X2 / df)",
                "poisson": "Poisson", "ols": "OLS"}[family]
    se_text = (f"Newey-West HAC SE ({lags} lags)" if se_type == "newey_west"
               else "model-based SE" + (" scaled by phi" if family == "quasipoisson" else ""))
    season_text = (f"; {n_harmonics} Fourier pair(s), period {period:g}" if n_harmonics else "")
    offset_text = f"; offset log({offset})" if offset else ""
    method = (f"segmented regression ITS, {fam_text}{offset_text}{season_text}; {se_text}; "
              f"{ref} reference")
    fit_info = {"method": method, "null_value": null, "df_resid": df_resid, "crit": crit,
                "hac_lags": lags if se_type == "newey_west" else 0, "dispersion": dispersion}
    terms = ["level_change"] + (["slope_change"] if slope_change else []) + ["pre_trend"]
    return tidy_result([_its_row(res, term, family, outcome, base, fit_info) for term in terms])


def _check_its_options(data, outcome, time, family, se, offset, season, n_harmonics, alpha,
                       where) -> str:
    """Validate the options and columns; returns the SE type."""
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"{where}: alpha must lie in (0, 1), got {alpha}")
    if family not in ITS_FAMILIES:
        raise EvaluationInputError(f"{where}: family must be one of {ITS_FAMILIES}, got "
                                   f"{family!r}")
    se_type = se or ("newey_west" if family == "ols" else "model")
    if se_type not in SE_TYPES:
        raise EvaluationInputError(f"{where}: se must be one of {SE_TYPES}, got {se!r}")
    if offset is not None and family == "ols":
        raise EvaluationInputError(f"{where}: offset applies to the Poisson families only; "
                                   "for ols give the rate itself as the outcome")
    if n_harmonics < 0 or (n_harmonics > 0 and season is None):
        raise EvaluationInputError(f"{where}: n_harmonics > 0 needs a season column")
    needed = [outcome, time] + [c for c in (offset, season) if c is not None]
    missing = [c for c in needed if c not in data.columns]
    if missing:
        raise EvaluationInputError(f"{where}: column(s) {missing} not in the data "
                                   f"(columns: {list(data.columns)})")
    return se_type


def _its_series(data, outcome, time, family, where
                ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, int]:
    """Rows with an outcome, sorted by a complete, non-repeating time; counts checked."""
    y_all = _numeric(data, outcome, where)
    keep = ~np.isnan(y_all)
    frame = data.loc[keep].copy()
    n_dropped = int((~keep).sum())
    y = y_all[keep]
    t = _numeric(frame, time, where)
    if np.isnan(t).any():
        row = frame.index[np.isnan(t)][0]
        raise EvaluationInputError(f"{where}: column '{time}' is missing in row {row!r}")
    dup = pd.Series(t).duplicated()
    if dup.any():
        raise EvaluationInputError(
            f"{where}: column '{time}' repeats the value {t[dup.to_numpy()][0]} (row "
            f"{frame.index[dup.to_numpy()][0]!r}); aggregate to one row per time point first")
    order = np.argsort(t)
    frame, y, t = frame.iloc[order], y[order], t[order]
    if family != "ols" and ((y < 0).any() or (np.abs(y - np.round(y)) > 1e-9).any()):
        bad = frame.index[(y < 0) | (np.abs(y - np.round(y)) > 1e-9)][0]
        raise EvaluationInputError(
            f"{where}: family {family!r} needs non-negative counts in '{outcome}'; row {bad!r} "
            f"holds {frame.loc[bad, outcome]} (use family='ols' for rates or means)")
    return frame, y, t, n_dropped


def _its_design(frame, t, post, intervention_time, slope_change, season, period, n_harmonics,
                where) -> pd.DataFrame:
    """Columns const, pre_trend, level_change, [slope_change], [Fourier pairs]."""
    design = pd.DataFrame({"const": 1.0, "pre_trend": t, "level_change": post},
                          index=frame.index)
    if slope_change:
        t0 = float(t[post == 0].max()) if (post == 0).any() else float(intervention_time)
        design["slope_change"] = (t - t0) * post
    if n_harmonics:
        seas = fourier_terms(_numeric(frame, season, where), period, n_harmonics)
        seas.index = frame.index
        design = design.join(seas)
    return design


def _its_fit(y, design, frame, family, offset, se_type, lags, where):
    """statsmodels OLS or Poisson GLM (X2-scaled for quasi-Poisson); (result, dispersion)."""
    import statsmodels.api as sm

    fit_kwargs = ({"cov_type": "HAC", "cov_kwds": {"maxlags": lags, "use_correction": True}}
                  if se_type == "newey_west" else {})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if family == "ols":
            res = sm.OLS(y, design).fit(use_t=True, **fit_kwargs)
            return res, float(res.scale)
        log_off = None
        if offset is not None:
            off = _numeric(frame, offset, where)
            if (off <= 0).any() or np.isnan(off).any():
                bad = frame.index[~(off > 0)][0]
                raise EvaluationInputError(
                    f"{where}: offset column '{offset}' must be > 0; row {bad!r} holds "
                    f"{frame.loc[bad, offset]}")
            log_off = np.log(off)
        model = sm.GLM(y, design, family=sm.families.Poisson(), offset=log_off)
        scale = "X2" if family == "quasipoisson" else 1.0
        res = model.fit(scale=scale, **fit_kwargs)
        return res, float(res.pearson_chi2 / res.df_resid)


def _its_row(res, term: str, family: str, outcome: str, base: dict, fit_info: dict) -> dict:
    """One term: a difference (ols) or a rate ratio (Poisson families) with its interval."""
    df_resid, crit = fit_info["df_resid"], fit_info["crit"]
    b = float(res.params[term])
    s = float(res.bse[term])
    stat = b / s if s > 0 else np.nan
    pval = (2 * stats.t.sf(abs(stat), df_resid) if family == "ols"
            else 2 * stats.norm.sf(abs(stat)))
    lo, hi = b - crit * s, b + crit * s
    if family != "ols":
        est, lo, hi = math.exp(b), math.exp(lo), math.exp(hi)
        scale_name, se_scale = "rate ratio", "log_rate_ratio"
    else:
        est, scale_name, se_scale = b, f"difference in {outcome}", "estimate"
    return {
        **base, "term": term, "estimate": est, "se": s, "ci_low": lo, "ci_high": hi,
        "p_value": float(pval), "method": fit_info["method"], "null_value": fit_info["null_value"],
        "primary": term == "level_change", "coef": b, "se_scale": se_scale,
        "estimate_scale": scale_name, "hac_lags": fit_info["hac_lags"],
        "dispersion": fit_info["dispersion"], "df_resid": df_resid,
    }
