"""Parallel trends shown, not assumed: pre-trend bounds and relative-magnitudes sensitivity.

Pure statistics on event-study coefficients (no file I/O). Two tools replace the old gate
"the pre-trend test does not reject at 10%" (non-rejection with three treated majors is not
evidence of parallel trends; Roth 2022):

pretrend_equivalence_bound
    An equivalence-style bound on the pre-period deviations: the smallest margin ``e`` such
    that every pre-reform event-study coefficient lies in ``(-e, e)`` by its two one-sided
    tests at level alpha (TOST; Schuirmann 1987; Hartman & Hidalgo 2018). By the
    intersection-union principle no multiplicity correction is needed:
    ``e = max_s ( |b_s| + t(1 - alpha, G - 1) * se_s )``. It is *reported*, not a gate.
relative_magnitudes_interval, breakdown_mbar, relative_magnitudes
    Sensitivity analysis in the spirit of Rambachan & Roth (2023), restriction
    Delta^RM(Mbar) (their eq. 2.9/section 2.4.1): with event-study coefficients
    ``beta = (beta_pre, beta_post)``, the reference period normalised to 0, and
    ``beta = tau + delta`` (delta the violation of parallel trends, ``delta_pre = beta_pre``
    in population because tau_pre = 0),

        |delta_{t+1} - delta_t| <= Mbar * max_{s<0} |delta_{s+1} - delta_s|   for all t >= 0,

    i.e. no post-period change in the violation exceeds Mbar times the largest change between
    consecutive pre-periods. The target is ``theta = l' tau_post`` (default: the average of the
    post-period effects). Because only ``l' tau_post`` is restricted, the identified set is,
    with ``D = max_s |beta_{s+1} - beta_s|`` and ``L = sum_k |sum_{t>=k} l_t|``,

        [ l' beta_post - Mbar * L * D ,  l' beta_post + Mbar * L * D ]

    (a violation path can drift by at most Mbar*D per post period; L weighs the drift by how
    long the target exposes it). Inference: Delta^RM is a finite union of polyhedra
    (Rambachan & Roth 2023, Lemma 2.2 / section 3.3): for each pre-period s and sign, the
    maximum pre-period change is sign*(beta_{s+1} - beta_s). Within one polyhedron the
    hypothesis theta = theta0 is a set of linear moment inequalities ``A beta <= b(theta0)``;
    it is tested with the least-favourable (LF) max-t test of Andrews, Roth & Pakes (2023,
    section 3; the LF step of HonestDiD's "C-LF" hybrid): statistic ``max_j (A beta_hat -
    b)_j / sd_j``, critical value the 1 - alpha quantile of ``max_j Z_j``,
    ``Z ~ N(0, corr(A Sigma A'))`` (all moments binding is least favourable, so the test has
    size <= alpha). The robust interval is the convex hull of the union over polyhedra of the
    accepted theta0 (valid: the true polyhedron's set covers with probability >= 1 - alpha).
    The LF test is more conservative than HonestDiD's conditional/hybrid ("C-LF") test, so the
    intervals are wider. On HonestDiD's published Medicaid example (event study stored in
    ``tests/reference_honestdid/``; the conventional 2014 interval [0.029, 0.064] is
    reproduced) the robust intervals for the 2014 effect are [0.017, 0.075] / [0.007, 0.082] /
    [-0.003, 0.089] / [-0.014, 0.099] at Mbar = 0.5 / 1 / 1.5 / 2 against the published C-LF
    [0.024, 0.067] / [0.017, 0.072] / [0.008, 0.080] / [-0.001, 0.088]: they contain them, and
    the breakdown value is 1.36 against about 2. The method is therefore *valid but
    conservative*; the conditional step of Andrews, Roth & Pakes (2023) is not implemented.

    The breakdown value ``Mbar*`` is the largest Mbar at which the robust interval still
    excludes the null value in the claimed direction (0 when it does not even at Mbar = 0).

References
----------
Andrews I, Roth J, Pakes A (2023). Inference for linear conditional moment inequalities.
Review of Economic Studies 90(6):2763-2791.
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

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "DEFAULT_MBAR",
    "SensitivityInputError",
    "pre_changes_matrix",
    "relative_magnitudes_identified_set",
    "relative_magnitudes_interval",
    "breakdown_mbar",
    "pretrend_equivalence_bound",
    "relative_magnitudes",
]

#: The stated bound of the verdict rule: post-period changes in the violation of parallel
#: trends no larger than the largest pre-period change (Rambachan & Roth 2023 use Mbar = 1 as
#: the natural benchmark: "no larger than the worst pre-treatment violation").
DEFAULT_MBAR = 1.0

#: Draws for the least-favourable critical values (common random numbers, fixed seed).
N_CRITICAL_DRAWS = 10000
MBAR_MAX = 20.0


class SensitivityInputError(ValueError):
    """Bad input to a sensitivity function; the message says what."""


def _check(betahat, sigma, num_pre: int, num_post: int, l_vec):
    b = np.asarray(betahat, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float)
    if num_pre < 1 or num_post < 1:
        raise SensitivityInputError(
            f"need at least one pre- and one post-period coefficient, got num_pre={num_pre}, "
            f"num_post={num_post}")
    if len(b) != num_pre + num_post:
        raise SensitivityInputError(
            f"betahat has {len(b)} entries, expected num_pre + num_post = {num_pre + num_post}")
    if s.shape != (len(b), len(b)):
        raise SensitivityInputError(f"sigma must be {len(b)} x {len(b)}, got {s.shape}")
    if not (np.all(np.isfinite(b)) and np.all(np.isfinite(s))):
        raise SensitivityInputError("betahat and sigma must be finite")
    lv = (np.full(num_post, 1.0 / num_post) if l_vec is None
          else np.asarray(l_vec, dtype=float).ravel())
    if len(lv) != num_post:
        raise SensitivityInputError(f"l_vec has {len(lv)} entries, expected num_post={num_post}")
    return b, s, lv


def pre_changes_matrix(num_pre: int, num_post: int) -> np.ndarray:
    """Rows map beta to the pre-period changes ``beta_{s+1} - beta_s`` (s = -num_pre..-1).

    The reference period (0) is normalised to 0, so the last change is ``0 - beta_{-1}``.

    >>> pre_changes_matrix(2, 1)
    array([[-1.,  1.,  0.],
           [ 0., -1.,  0.]])
    """
    a = np.zeros((num_pre, num_pre + num_post))
    for r in range(num_pre):
        a[r, r] = -1.0
        if r + 1 < num_pre:
            a[r, r + 1] = 1.0
    return a


def _drift_weight(l_vec: np.ndarray) -> float:
    """L = sum_k |sum_{t>=k} l_t|: the largest |l' delta_post| per unit of allowed change."""
    tails = np.cumsum(l_vec[::-1])[::-1]
    return float(np.abs(tails).sum())


def relative_magnitudes_identified_set(beta, num_pre: int, num_post: int, mbar: float,
                                       l_vec: Sequence[float] | None = None
                                       ) -> tuple[float, float]:
    """Identified set of ``l' tau_post`` under Delta^RM(Mbar) for population coefficients.

    ``[l'beta_post - Mbar L D, l'beta_post + Mbar L D]`` with D the largest absolute
    pre-period change and ``L = sum_k |sum_{t>=k} l_t|`` (module docstring).

    >>> relative_magnitudes_identified_set([0.0, -0.1, 0.5], 2, 1, mbar=1.0)
    (0.4, 0.6)
    """
    b, _, lv = _check(beta, np.eye(num_pre + num_post), num_pre, num_post, l_vec)
    if mbar < 0:
        raise SensitivityInputError(f"mbar must be >= 0, got {mbar}")
    d = float(np.abs(pre_changes_matrix(num_pre, num_post) @ b).max())
    theta = float(lv @ b[num_pre:])
    half = mbar * _drift_weight(lv) * d
    return round(theta - half, 12), round(theta + half, 12)


class _RMProblem:
    """The polyhedra of Delta^RM with their fixed parts, for repeated Mbar evaluations."""

    def __init__(self, betahat, sigma, num_pre, num_post, l_vec, alpha, seed):
        self.b, self.sigma, self.l = _check(betahat, sigma, num_pre, num_post, l_vec)
        if not 0 < alpha < 1:
            raise SensitivityInputError(f"alpha must lie in (0, 1), got {alpha}")
        self.alpha = alpha
        self.num_pre, self.num_post = num_pre, num_post
        self.changes = pre_changes_matrix(num_pre, num_post)
        self.l_full = np.concatenate([np.zeros(num_pre), self.l])
        self.theta = float(self.l_full @ self.b)
        self.weight = _drift_weight(self.l)
        # common random numbers: noise draws e ~ N(0, Sigma) used for every critical value
        evals, evecs = np.linalg.eigh((self.sigma + self.sigma.T) / 2)
        root = evecs * np.sqrt(np.clip(evals, 0, None))
        z = np.random.default_rng(seed).standard_normal((N_CRITICAL_DRAWS, len(self.b)))
        self.noise = z @ root.T

        # per polyhedron (s, sign): the moments that do not depend on Mbar or theta0
        self.polyhedra = []
        for s in range(num_pre):
            for sign in (1.0, -1.0):
                a_s = sign * self.changes[s]
                fixed = []
                for r in range(num_pre):
                    if r != s:
                        fixed += [self.changes[r] - a_s, -self.changes[r] - a_s]
                if num_pre == 1:
                    fixed.append(-a_s)  # the single change carries the claimed sign
                f = np.vstack(fixed)
                sd_f = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", f, self.sigma, f), 1e-300, None))
                self.polyhedra.append({
                    "a_s": a_s,
                    "stat": float(np.max((f @ self.b) / sd_f)),
                    "noise_max": ((self.noise @ f.T) / sd_f).max(axis=1),
                })

    def _sd(self, a: np.ndarray) -> float:
        return float(np.sqrt(max(a @ self.sigma @ a, 1e-300)))

    def interval(self, mbar: float) -> tuple[float, float]:
        """Convex hull of the union over (s, sign) of the LF-accepted theta0 (NaN if empty).

        For polyhedron (s, sign) with a = sign * (row s of the pre-change matrix), theta0 is
        accepted when every standardised moment is at most the LF critical value c:
        (l'b - theta0 - Mbar L a'b) / sd0 <= c, (theta0 - l'b - Mbar L a'b) / sd1 <= c and
        (+-change_r - a)'b / sd_r <= c for r != s.
        """
        lows, highs = [], []
        k = int(np.ceil((1 - self.alpha) * len(self.noise))) - 1
        for poly in self.polyhedra:
            a0 = self.l_full - mbar * self.weight * poly["a_s"]
            a1 = -self.l_full - mbar * self.weight * poly["a_s"]
            sd0, sd1 = self._sd(a0), self._sd(a1)
            draws = np.maximum(np.maximum(self.noise @ a0 / sd0, self.noise @ a1 / sd1),
                               poly["noise_max"])
            c = float(np.partition(draws, k)[k])
            if poly["stat"] > c:
                continue  # this polyhedron is rejected whatever theta0
            lo = float(a0 @ self.b) - c * sd0
            hi = -float(a1 @ self.b) + c * sd1
            if lo <= hi:
                lows.append(lo)
                highs.append(hi)
        if not lows:
            return np.nan, np.nan
        return min(lows), max(highs)


def relative_magnitudes_interval(betahat, sigma, num_pre: int, num_post: int, mbar: float,
                                 l_vec: Sequence[float] | None = None, alpha: float = 0.05,
                                 seed: int = 20230901) -> tuple[float, float]:
    """Robust (1 - alpha) interval for ``l' tau_post`` under Delta^RM(Mbar).

    Parameters
    ----------
    betahat : array (num_pre + num_post,)
        Event-study coefficients, pre-periods first in time order, the reference period
        (normalised to 0) omitted, then the post-periods.
    sigma : array (p, p)
        Their covariance.
    num_pre, num_post : int
    mbar : float
        Relative-magnitudes bound (>= 0).
    l_vec : array (num_post,), optional
        Target weights; default the average of the post-period effects.
    alpha : float
    seed : int
        Seed of the draws for the least-favourable critical values.

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = relative_magnitudes_interval([0.0, 0.01, 0.5], np.eye(3) * 0.01**2, 2, 1, 1.0)
    >>> bool(0.45 < lo < 0.49 and 0.51 < hi < 0.55)
    True
    """
    if mbar < 0:
        raise SensitivityInputError(f"mbar must be >= 0, got {mbar}")
    return _RMProblem(betahat, sigma, num_pre, num_post, l_vec, alpha, seed).interval(mbar)


def _excludes(interval, null_value: float, sign: int) -> bool:
    lo, hi = interval
    if np.isnan(lo):
        return False
    return lo > null_value if sign > 0 else hi < null_value


def breakdown_mbar(betahat, sigma, num_pre: int, num_post: int, direction: int = 1,
                   null_value: float = 0.0, l_vec: Sequence[float] | None = None,
                   alpha: float = 0.05, seed: int = 20230901, tol: float = 1e-3,
                   mbar_max: float = MBAR_MAX) -> float:
    """Largest Mbar at which the robust interval excludes ``null_value`` on ``direction``'s side.

    0.0 when the interval does not exclude it even at Mbar = 0; ``mbar_max`` when it still
    does there. Bisection (the robust sets are nested in Mbar).

    >>> import numpy as np
    >>> m = breakdown_mbar([0.0, 0.1, 0.5], np.eye(3) * 1e-6, 2, 1)
    >>> round(m, 1)  # 0.5 / 0.1, less a little for sampling error
    4.9
    """
    if direction not in (1, -1):
        raise SensitivityInputError(f"direction must be +1 or -1, got {direction}")
    prob = _RMProblem(betahat, sigma, num_pre, num_post, l_vec, alpha, seed)
    return _breakdown(prob, direction, null_value, tol, mbar_max)


def _breakdown(prob: _RMProblem, direction: int, null_value: float = 0.0, tol: float = 1e-3,
               mbar_max: float = MBAR_MAX) -> float:
    if not _excludes(prob.interval(0.0), null_value, direction):
        return 0.0
    if _excludes(prob.interval(mbar_max), null_value, direction):
        return float(mbar_max)
    lo, hi = 0.0, float(mbar_max)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if _excludes(prob.interval(mid), null_value, direction):
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
                        alpha: float = 0.05, seed: int = 20230901) -> pd.DataFrame:
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
    l_vec, alpha, seed
        As in :func:`relative_magnitudes_interval`.

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
    >>> out = relative_magnitudes(es, np.eye(3) * 1e-4)
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
    prob = _RMProblem(beta, v, num_pre, num_post, lv, alpha, seed)
    lo, hi = prob.interval(mbar)
    out = {**base,
           "target": target, "theta": prob.theta, "rm_ci_low": lo, "rm_ci_high": hi,
           "breakdown_mbar": _breakdown(prob, int(claimed_sign)),
           "max_pre_change": float(np.abs(prob.changes @ beta).max()),
           "pretrend_bound": pretrend_equivalence_bound(pre["estimate"], pre["se"], df, alpha),
           "pretrend_max_abs": float(pre["estimate"].abs().max()),
           "sensitivity_method": (
               "Rambachan-Roth relative magnitudes Delta^RM(Mbar) on the event study "
               f"(reference cohort normalised to 0; {num_pre} pre, {num_post} post "
               "coefficients); robust interval: union over polyhedra of least-favourable "
               "moment-inequality tests (Andrews, Roth & Pakes 2023); pre-trend bound: TOST "
               f"equivalence margin at {alpha:g}")}
    return pd.DataFrame([out])
