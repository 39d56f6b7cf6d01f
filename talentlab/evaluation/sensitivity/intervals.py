"""The robust intervals, the breakdown value and the pre-trend equivalence bound: the public
functions of :mod:`talentlab.evaluation.sensitivity` (its docstring states the method).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.evaluation.sensitivity.conditional import (
    relative_magnitudes_conditional_interval,
    smoothness_conditional_interval,
)
from talentlab.evaluation.sensitivity.flci import FixedLengthCI
from talentlab.evaluation.sensitivity.least_favourable import LeastFavourableRM
from talentlab.evaluation.sensitivity.restrictions import (
    DEFAULT_MBAR,
    GRID_POINTS,
    MBAR_MAX,
    RM_METHODS,
    SD_METHODS,
    SensitivityInputError,
    check_event_study,
    pre_changes_matrix,
)


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise SensitivityInputError(f"alpha must lie in (0, 1), got {alpha}")


def _check_method(method: str, allowed: tuple[str, ...], what: str) -> None:
    if method not in allowed:
        raise SensitivityInputError(f"{what}: method must be one of {allowed}, got {method!r}")


def relative_magnitudes_interval(betahat, sigma, num_pre: int, num_post: int, mbar: float,
                                 l_vec: Sequence[float] | None = None, method: str = "C-LF",
                                 alpha: float = 0.05, seed: int = 0,
                                 grid_points: int = GRID_POINTS) -> tuple[float, float]:
    """Robust (1 - alpha) confidence interval for ``l' tau_post`` under Delta^RM(Mbar).

    Parameters
    ----------
    betahat : array (num_pre + num_post,)
        Event-study coefficients, pre-periods first in time order, the reference period
        (normalised to 0) omitted, then the post-periods.
    sigma : array (p, p)
        Their covariance.
    num_pre, num_post : int
        Numbers of pre- and post-period coefficients (``num_post`` at most
        :data:`MAX_POST_PERIODS` for the conditional methods).
    mbar : float
        Relative-magnitudes bound (>= 0).
    l_vec : array (num_post,), optional
        Target weights; default the average of the post-period effects (HonestDiD's default
        is the first post period, ``l_vec = [1, 0, ...]``).
    method : {"C-LF", "Conditional", "LF"}
        "C-LF": HonestDiD's conditional / least-favourable hybrid (default, as HonestDiD);
        "Conditional": the conditional test alone; "LF": the least-favourable test alone
        (module docstring).
    alpha : float
    seed : int
        R seed of the least-favourable draws (HonestDiD's ``seed = 0``); for "LF", the numpy
        seed of its draws.
    grid_points : int
        Points of the theta grid (HonestDiD's 1000); not used by "LF", which solves for the
        end points.

    Returns
    -------
    (low, high) : tuple of float
        NaN, NaN when no theta is accepted; -inf / +inf for an end still open after the grid
        was widened.

    Examples
    --------
    HonestDiD's first example (Medicaid expansion, 2014 effect, Mbar = 1): the README prints
    [0.0171, 0.0720]; HonestDiD's own cached run on this event study, [0.017040, 0.072006]:

    >>> import json, pathlib, numpy as np
    >>> ref = json.loads(pathlib.Path("tests/reference_honestdid/medicaid_event_study.json")
    ...                  .read_text(encoding="utf-8"))
    >>> lo, hi = relative_magnitudes_interval(ref["betahat"], np.array(ref["sigma"]), 5, 2,
    ...                                       mbar=1.0, l_vec=[1, 0])
    >>> round(lo, 6), round(hi, 6)
    (0.01704, 0.072006)
    """
    _check_method(method, RM_METHODS, "relative_magnitudes_interval")
    if not mbar >= 0:
        raise SensitivityInputError(f"mbar must be >= 0, got {mbar}")
    b, s, lv = check_event_study(betahat, sigma, num_pre, num_post, l_vec)
    _check_alpha(alpha)
    if method == "LF":
        return LeastFavourableRM(b, s, num_pre, num_post, lv, alpha, seed).interval(mbar)
    _check_grid(grid_points)
    return relative_magnitudes_conditional_interval(
        b, s, num_pre, num_post, float(mbar), lv, alpha, "LF" if method == "C-LF" else "ARP",
        seed, grid_points)


def _check_grid(grid_points: int) -> None:
    if not 10 <= int(grid_points) <= 100_000:
        raise SensitivityInputError(f"grid_points must lie in [10, 100000], got {grid_points}")


def smoothness_interval(betahat, sigma, num_pre: int, num_post: int, m: float,
                        l_vec: Sequence[float] | None = None, method: str = "FLCI",
                        alpha: float = 0.05, seed: int = 0,
                        grid_points: int = GRID_POINTS) -> tuple[float, float]:
    """Robust (1 - alpha) confidence interval for ``l' tau_post`` under Delta^SD(M).

    Parameters
    ----------
    betahat, sigma, num_pre, num_post, l_vec, alpha, seed, grid_points
        As in :func:`relative_magnitudes_interval` (``l_vec`` default: the average of the
        post-period effects).
    m : float
        Largest change in the slope of the violation between consecutive periods (>= 0).
    method : {"FLCI", "C-LF", "Conditional"}
        "FLCI": Armstrong & Kolesar's fixed-length interval (HonestDiD's default for
        Delta^SD); "C-LF" / "Conditional": the conditional tests of Andrews, Roth & Pakes.

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    HonestDiD's smoothness example (Medicaid, 2014 effect, M = 0.01; published
    [0.0132, 0.0787]):

    >>> import json, pathlib, numpy as np
    >>> ref = json.loads(pathlib.Path("tests/reference_honestdid/medicaid_event_study.json")
    ...                  .read_text(encoding="utf-8"))
    >>> lo, hi = smoothness_interval(ref["betahat"], np.array(ref["sigma"]), 5, 2, m=0.01,
    ...                              l_vec=[1, 0])
    >>> round(lo, 4), round(hi, 4)
    (0.0132, 0.0787)
    """
    _check_method(method, SD_METHODS, "smoothness_interval")
    if not m >= 0:
        raise SensitivityInputError(f"m must be >= 0, got {m}")
    b, s, lv = check_event_study(betahat, sigma, num_pre, num_post, l_vec)
    _check_alpha(alpha)
    if method == "FLCI":
        return FixedLengthCI(s, num_pre, num_post, lv, alpha).interval(b, float(m))
    _check_grid(grid_points)
    return smoothness_conditional_interval(b, s, num_pre, num_post, float(m), lv, alpha,
                                           "LF" if method == "C-LF" else "ARP", seed,
                                           grid_points)


def excludes_null(interval, null_value: float, sign: int) -> bool:
    """True when ``interval`` lies wholly on ``sign``'s side of ``null_value`` (False if NaN).

    Examples
    --------
    >>> excludes_null((0.01, 0.2), 0.0, 1), excludes_null((0.01, 0.2), 0.0, -1)
    (True, False)
    """
    lo, hi = interval
    if np.isnan(lo):
        return False
    return lo > null_value if sign > 0 else hi < null_value


def breakdown_mbar(betahat, sigma, num_pre: int, num_post: int, direction: int = 1,
                   null_value: float = 0.0, l_vec: Sequence[float] | None = None,
                   alpha: float = 0.05, seed: int = 0, tol: float = 1e-3,
                   mbar_max: float = MBAR_MAX, method: str = "C-LF",
                   grid_points: int = GRID_POINTS,
                   known: tuple[float, tuple[float, float]] | None = None) -> float:
    """Largest Mbar at which the robust interval excludes ``null_value`` on ``direction``'s side.

    Computed with the same ``method`` and target ``l_vec`` as
    :func:`relative_magnitudes_interval`. 0.0 when the interval does not exclude it even at
    Mbar = 0; ``mbar_max`` when it still does there. Bisection to ``tol`` (the identified
    sets are nested in Mbar; the robust sets are, up to the grid and the simulated first
    stage). ``known`` = (Mbar, its interval), an interval the caller already has, brackets
    the bisection (from [0, Mbar] or [Mbar, mbar_max]) and saves the intervals above it.

    Examples
    --------
    HonestDiD reports a breakdown value of about 2 for the Medicaid 2014 effect:

    >>> import json, pathlib, numpy as np
    >>> ref = json.loads(pathlib.Path("tests/reference_honestdid/medicaid_event_study.json")
    ...                  .read_text(encoding="utf-8"))
    >>> m = breakdown_mbar(ref["betahat"], np.array(ref["sigma"]), 5, 2, l_vec=[1, 0],
    ...                    tol=0.01)
    >>> bool(1.9 < m < 2.0)
    True
    """
    if direction not in (1, -1):
        raise SensitivityInputError(f"direction must be +1 or -1, got {direction}")
    _check_method(method, RM_METHODS, "breakdown_mbar")
    b, s, lv = check_event_study(betahat, sigma, num_pre, num_post, l_vec)
    _check_alpha(alpha)
    if method == "LF":
        prob = LeastFavourableRM(b, s, num_pre, num_post, lv, alpha, seed)
        interval = prob.interval
    else:
        _check_grid(grid_points)
        hybrid = "LF" if method == "C-LF" else "ARP"

        def interval(mbar: float) -> tuple[float, float]:
            return relative_magnitudes_conditional_interval(b, s, num_pre, num_post, mbar, lv,
                                                            alpha, hybrid, seed, grid_points)
    return _bisect_breakdown(interval, direction, null_value, tol, mbar_max, known)


def _bisect_breakdown(interval, direction: int, null_value: float = 0.0, tol: float = 1e-3,
                      mbar_max: float = MBAR_MAX,
                      known: tuple[float, tuple[float, float]] | None = None) -> float:
    lo, hi = 0.0, float(mbar_max)
    if known is not None and 0.0 < known[0] < mbar_max:
        if excludes_null(known[1], null_value, direction):
            lo = float(known[0])
        else:
            hi = float(known[0])
    if lo == 0.0 and not excludes_null(interval(0.0), null_value, direction):
        return 0.0
    if hi == mbar_max and excludes_null(interval(mbar_max), null_value, direction):
        return float(mbar_max)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if excludes_null(interval(mid), null_value, direction):
            lo = mid
        else:
            hi = mid
    return lo


def pretrend_equivalence_bound(estimates, ses, df: float | None = None,
                               alpha: float = 0.05) -> float:
    """Smallest equivalence margin e with every pre-period coefficient in (-e, e) by TOST.

    ``e = max_s ( |b_s| + q * se_s )``, q the 1 - alpha quantile of t(df) (normal if df is
    None). Intersection-union test: level alpha for the whole set (Berger 1982).

    >>> round(pretrend_equivalence_bound([0.01, -0.03], [0.01, 0.01]), 4)
    0.0464
    """
    b = np.abs(np.asarray(estimates, dtype=float))
    se = np.asarray(ses, dtype=float)
    if len(b) == 0:
        return np.nan
    q = stats.norm.ppf(1 - alpha) if df is None else stats.t.ppf(1 - alpha, df)
    return float(np.max(b + q * se))


def relative_magnitudes(event_study: pd.DataFrame, vcov: np.ndarray, claimed_sign: int = 1,
                        mbar: float = DEFAULT_MBAR, l_vec: Sequence[float] | None = None,
                        alpha: float = 0.05, seed: int = 0,
                        method: str = "C-LF", breakdown_tol: float = 1e-3) -> pd.DataFrame:
    """Sensitivity of an event study's post-period effect to violations of parallel trends.

    Parameters
    ----------
    event_study : DataFrame
        One outcome's :func:`talentlab.evaluation.event_study` result (columns ``outcome``,
        ``cohort``, ``period``, ``estimate``, ``se``, ``df``).
    vcov : array
        Covariance of the estimated (non-reference) coefficients in cohort order, as
        ``event_study(...).attrs["vcov"]`` holds it.
    claimed_sign : {+1, -1}
        Direction of the claim on the estimate's scale.
    mbar : float
        The stated bound (default :data:`DEFAULT_MBAR`).
    l_vec, alpha, seed, method
        As in :func:`relative_magnitudes_interval`; the breakdown value uses the same method
        and target. Pass the weights of the effect the verdict tests as ``l_vec`` so that
        the test and the sensitivity analysis share one estimand.
    breakdown_tol : float
        Precision of the breakdown value's bisection (bracketed by the interval at ``mbar``).

    Returns
    -------
    DataFrame
        One row: ``outcome``, ``target`` (text), ``theta`` (l' beta_post), ``rm_mbar``,
        ``rm_ci_low``, ``rm_ci_high`` (robust interval at ``mbar``), ``breakdown_mbar``,
        ``max_pre_change``, ``pretrend_bound`` (equivalence margin), ``pretrend_max_abs``,
        ``sensitivity_method``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> es = pd.DataFrame({"outcome": "y", "cohort": [2019, 2020, 2021, 2022],
    ...     "period": ["pre", "pre", "reference", "post"], "estimate": [0.0, 0.01, 0.0, 0.3],
    ...     "se": [0.01, 0.01, np.nan, 0.01], "df": 7})
    >>> out = relative_magnitudes(es, np.eye(3) * 1e-4, method="LF")
    >>> bool(out.loc[0, "rm_ci_low"] > 0 and out.loc[0, "breakdown_mbar"] > 1)
    True
    """
    need = ["outcome", "cohort", "period", "estimate", "se"]
    miss = [c for c in need if c not in event_study.columns]
    if miss:
        raise SensitivityInputError(f"relative_magnitudes: event study lacks column(s) {miss}")
    es = event_study.copy(deep=False)
    es.attrs = {}  # pandas deep-copies attrs (the covariance) on every operation otherwise
    es = es.sort_values("cohort")
    est = es[es["period"].isin(["pre", "post"]) & es["estimate"].notna()]
    outcome = str(es["outcome"].iloc[0])
    pre = est[est["period"] == "pre"]
    post = est[est["period"] == "post"]
    num_pre, num_post = len(pre), len(post)
    base = {"outcome": outcome, "rm_mbar": float(mbar), "theta": np.nan, "rm_ci_low": np.nan,
            "rm_ci_high": np.nan, "breakdown_mbar": np.nan, "max_pre_change": np.nan,
            "pretrend_bound": np.nan, "pretrend_max_abs": np.nan}
    df = float(es["df"].dropna().iloc[0]) if "df" in es and es["df"].notna().any() else None
    if num_pre == 0 or num_post == 0:
        return pd.DataFrame([{**base, "target": "", "sensitivity_method":
                              "not available: needs pre- and post-reform event-study "
                              "coefficients"}])
    v = np.asarray(vcov, dtype=float)
    if v.shape != (len(est), len(est)):
        raise SensitivityInputError(f"relative_magnitudes: vcov is {v.shape}, expected "
                                    f"{len(est)} x {len(est)} (the estimated coefficients)")
    beta = est["estimate"].to_numpy(dtype=float)
    lv = None if l_vec is None else np.asarray(l_vec, dtype=float)
    target = ("average of the post-reform cohort effects" if l_vec is None
              else f"l'tau_post with l = {list(np.round(lv, 4))}")
    _check_method(method, RM_METHODS, "relative_magnitudes")
    b, s, lvec = check_event_study(beta, v, num_pre, num_post, lv)
    lo, hi = relative_magnitudes_interval(b, s, num_pre, num_post, mbar, lvec, method=method,
                                          alpha=alpha, seed=seed)
    tests = {"C-LF": "conditional / least-favourable hybrid test (C-LF, HonestDiD's default)",
             "Conditional": "conditional test (Andrews, Roth & Pakes 2023)",
             "LF": "least-favourable test"}[method]
    out = {**base,
           "target": target, "theta": float(lvec @ b[num_pre:]), "rm_ci_low": lo,
           "rm_ci_high": hi,
           "breakdown_mbar": breakdown_mbar(b, s, num_pre, num_post, int(claimed_sign),
                                            l_vec=lvec, alpha=alpha, seed=seed,
                                            method=method, tol=breakdown_tol,
                                            known=(float(mbar), (lo, hi))),
           "max_pre_change": float(np.abs(pre_changes_matrix(num_pre, num_post) @ b).max()),
           "pretrend_bound": pretrend_equivalence_bound(pre["estimate"], pre["se"], df, alpha),
           "pretrend_max_abs": float(pre["estimate"].abs().max()),
           "sensitivity_method": (
               "Rambachan-Roth relative magnitudes Delta^RM(Mbar) on the event study "
               f"(reference cohort normalised to 0; {num_pre} pre, {num_post} post "
               f"coefficients); robust interval and breakdown value by the {tests}, "
               "inverted over HonestDiD's grid (talentlab port of HonestDiD 0.2.8); pre-trend "
               f"bound: TOST equivalence margin at {alpha:g}")}
    return pd.DataFrame([out])

