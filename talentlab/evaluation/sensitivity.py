"""Parallel trends shown, not assumed: pre-trend bounds and HonestDiD sensitivity analysis.

Pure statistics on event-study coefficients (no file I/O). Two tools replace the old gate
"the pre-trend test does not reject at 10%" (non-rejection with three treated majors is not
evidence of parallel trends; Roth 2022):

pretrend_equivalence_bound
    An equivalence-style bound on the pre-period deviations: the smallest margin ``e`` such
    that every pre-reform event-study coefficient lies in ``(-e, e)`` by its two one-sided
    tests at level alpha (TOST; Schuirmann 1987; Hartman & Hidalgo 2018). By the
    intersection-union principle no multiplicity correction is needed:
    ``e = max_s ( |b_s| + t(1 - alpha, G - 1) * se_s )``. It is *reported*, not a gate.
relative_magnitudes_interval, smoothness_interval, breakdown_mbar, relative_magnitudes
    Sensitivity analysis of Rambachan & Roth (2023), a port of the R package HonestDiD
    (version 0.2.8, ``computeConditionalCS_DeltaRM``, ``computeConditionalCS_DeltaSD``,
    ``findOptimalFLCI``). With event-study coefficients ``beta = (beta_pre, beta_post)``, the
    reference period normalised to 0, and ``beta = tau + delta`` (delta the violation of
    parallel trends, ``tau_pre = 0``), the target is ``theta = l' tau_post``.

    *Relative magnitudes* Delta^RM(Mbar) (their section 2.4.1): no post-period change in the
    violation exceeds Mbar times the largest change between consecutive pre-periods::

        |delta_{t+1} - delta_t| <= Mbar * max_{s<0} |delta_{s+1} - delta_s|   for all t >= 0.

    Only ``l' tau_post`` is restricted, so with ``D = max_s |beta_{s+1} - beta_s|`` and
    ``L = sum_k |sum_{t>=k} l_t|`` the identified set is
    ``[l'beta_post - Mbar L D, l'beta_post + Mbar L D]``.

    *Smoothness* Delta^SD(M): the slope of the violation changes by at most M between
    consecutive periods, ``|(delta_{t+1} - delta_t) - (delta_t - delta_{t-1})| <= M``.

Inference (the ``method`` argument)
    ``"C-LF"`` (the default for relative magnitudes, as in HonestDiD): the conditional /
    least-favourable hybrid test of Andrews, Roth & Pakes (2023, sections 3 and 6.2), inverted
    over a grid of theta. Delta^RM is a union of polyhedra (one for each pre-period s whose
    change is the largest, and its sign); within one, ``theta = theta0`` is the moment
    inequalities ``A beta - d <= 0`` with the post-period effects other than theta as nuisance
    parameters. The statistic is ``eta = min_nuisance max_j (moment_j / sd_j)`` (a linear
    program); the test first rejects when eta exceeds the least-favourable critical value at
    size kappa = alpha / 10, else it conditions on the binding moments (the dual vertex) and
    compares eta with the 1 - (alpha - kappa) / (1 - kappa) quantile of the truncated normal.
    The robust set is the union over polyhedra of the accepted grid points, reported as its
    hull. ``"Conditional"``: the same without the least-favourable step (HonestDiD's "ARP").
    ``"LF"``: the least-favourable max-t test alone on all moments (talentlab's earlier
    method; valid, wider). ``"FLCI"`` (the default for smoothness): the fixed-length
    confidence interval of Armstrong & Kolesar, the affine estimator with the shortest
    worst-case-bias-adjusted interval.

    Faithful to HonestDiD in the details that move the published numbers: the grid
    (``grid_points`` = 1000 over ``[-20 sd(theta), 20 sd(theta)]`` for Delta^RM, around the
    identified set at beta = 0 for Delta^SD), only the moments involving post-period
    coefficients (``postPeriodMomentsOnly``), the least-favourable critical value from 1000
    draws of R's own random numbers (Mersenne-Twister, ``set.seed(seed)``, inversion, and
    mvtnorm's eigen root), the dual linear program solved exactly by enumerating its vertices
    (so ``num_post`` is limited to :data:`MAX_POST_PERIODS`). Where HonestDiD's fixed grid
    holds no accepted point or the accepted set touches its end (HonestDiD then only warns),
    the grid is laid again over the identified set at the estimate and the ends are found by
    bisection (``_invert_on_grid``); results on which HonestDiD's grid is adequate are
    unchanged.

    On HonestDiD's published Medicaid example (event study in ``tests/reference_honestdid/``)
    the C-LF intervals for the 2014 effect at Mbar = 0.5 / 1 / 1.5 / 2 and the FLCI for
    M = 0, 0.01, ..., 0.05 equal the published ones to 1e-3 (``tests/test_sensitivity.py``).
    The LF intervals were 1.27-1.35 times wider, with breakdown value 1.36 instead of about 2.

    The breakdown value ``Mbar*`` is the largest Mbar at which the robust interval still
    excludes the null value in the claimed direction (0 when it does not even at Mbar = 0),
    computed with the same method and target l as the interval.
classify_robustness
    Names the cause when a significant conclusion is not robust: "pre-trend violation
    detected" (the pre-period test rejects) or "not robust at Mbar = m" (it does not: the
    robust interval is too wide, i.e. imprecision, not a detected violation).

References
----------
Andrews I, Roth J, Pakes A (2023). Inference for linear conditional moment inequalities.
Review of Economic Studies 90(6):2763-2791.
Armstrong TB, Kolesar M (2018). Optimal inference in a class of regression models.
Econometrica 86(2):655-683.
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

import functools
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

__all__ = [
    "DEFAULT_MBAR",
    "RM_METHODS",
    "SD_METHODS",
    "SensitivityInputError",
    "pre_changes_matrix",
    "relative_magnitudes_identified_set",
    "relative_magnitudes_interval",
    "smoothness_interval",
    "breakdown_mbar",
    "pretrend_equivalence_bound",
    "relative_magnitudes",
    "RobustnessClass",
    "classify_robustness",
]

#: The stated bound of the verdict rule: post-period changes in the violation of parallel
#: trends no larger than the largest pre-period change (Rambachan & Roth 2023 use Mbar = 1 as
#: the natural benchmark: "no larger than the worst pre-treatment violation").
DEFAULT_MBAR = 1.0

#: Methods of :func:`relative_magnitudes_interval` and :func:`smoothness_interval`.
RM_METHODS = ("C-LF", "Conditional", "LF")
SD_METHODS = ("FLCI", "C-LF", "Conditional")

#: Draws for the LF method's critical values (common random numbers, fixed seed).
N_CRITICAL_DRAWS = 10000
#: Draws for the least-favourable first stage of C-LF (HonestDiD's ``sims = 1000``).
HONESTDID_SIMS = 1000
#: Grid of theta for the test inversion (HonestDiD's ``gridPoints = 10^3``).
GRID_POINTS = 1000
#: Doublings of the step when an end of the accepted set lies beyond the fallback grid.
MAX_OPEN_END_DOUBLINGS = 200
#: The conditional tests enumerate the dual vertices: C(2 T, T) bases for T post periods
#: (12,870 at T = 8). More post periods are refused (bounded time).
MAX_POST_PERIODS = 8
#: Event studies longer than this are refused (bounded time and memory).
MAX_PERIODS = 60
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
    if num_pre + num_post > MAX_PERIODS:
        raise SensitivityInputError(
            f"num_pre + num_post = {num_pre + num_post} exceeds the limit of {MAX_PERIODS} "
            "event-study coefficients")
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
    if not np.all(np.isfinite(lv)) or not np.any(lv != 0):
        raise SensitivityInputError(f"l_vec must be finite and not all zero, got {list(lv)}")
    return b, (s + s.T) / 2, lv


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise SensitivityInputError(f"alpha must lie in (0, 1), got {alpha}")


# =============================================================================================
# R's random numbers: the least-favourable critical values of HonestDiD are quantiles of 1000
# draws after set.seed(0); drawing the same numbers makes the port reproduce R's intervals.
# =============================================================================================
_R_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup of 0 and 1
_R_BIG = 134217728.0  # 2^27: R's inversion combines two uniforms for precision


def _r_uniforms(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); runif(n)`` of R (Mersenne-Twister, R's seed scrambling).

    >>> [round(float(u), 7) for u in _r_uniforms(3, 0)]
    [0.8966972, 0.2655087, 0.3721239]
    """
    state = int(seed or 0) % 2**32  # None: HonestDiD's seed 0
    for _ in range(50):  # R's initial scrambling (RNG_Init)
        state = (69069 * state + 1) % 2**32
    key = np.empty(625, dtype=np.uint32)
    for j in range(625):  # mti followed by the 624 words of the state
        state = (69069 * state + 1) % 2**32
        key[j] = state
    gen = np.random.MT19937()
    gen.state = {"bit_generator": "MT19937", "state": {"key": key[1:], "pos": 624}}
    u = gen.random_raw(n).astype(float) * 2.3283064365386963e-10
    u[u <= 0.0] = 0.5 * _R_I2_32M1
    u[1.0 - u <= 0.0] = 1.0 - 0.5 * _R_I2_32M1
    return u


def _r_rnorm(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); rnorm(n)`` of R (normal.kind "Inversion").

    >>> [round(float(z), 7) for z in _r_rnorm(3, 0)]
    [1.2629543, -0.3262334, 1.3297993]
    """
    u = _r_uniforms(2 * n, seed).reshape(n, 2)
    return special.ndtri((np.floor(_R_BIG * u[:, 0]) + u[:, 1]) / _R_BIG)


def _r_rmvnorm(n: int, sigma: np.ndarray, seed: int) -> np.ndarray:
    """``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)`` (method "eigen", by row)."""
    evals, evecs = np.linalg.eigh(sigma)
    root = (evecs * np.sqrt(np.clip(evals, 0.0, None))) @ evecs.T  # symmetric: sign-free
    return _r_rnorm(n * len(sigma), seed).reshape(n, len(sigma)) @ root


def _quantile_type7(x: np.ndarray, p: float) -> float:
    x = x[np.isfinite(x)]
    return float(np.quantile(x, p)) if len(x) else np.inf


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


# =============================================================================================
# HonestDiD port: moment inequalities of Delta^RM and Delta^SD, the ARP conditional test with
# nuisance parameters, its least-favourable hybrid, and the test inversion over a grid.
# =============================================================================================
_TOL_LAMBDA = 1e-6  # HonestDiD's tol_lambda: a moment binds when its dual weight exceeds it


def _create_a_rm(num_pre: int, num_post: int, mbar: float, s: int,
                 max_positive: bool) -> np.ndarray:
    """HonestDiD ``.create_A_RM``: ``A delta <= 0`` says delta is in Delta^RM_{s,sign}(Mbar).

    Pre-period change s (s = -(num_pre - 1)..0, the change into period s) is the largest in
    absolute value with the given sign; every pre change is bounded by it and every post
    change by Mbar times it. Columns are the periods without the reference period."""
    n = num_pre + num_post
    changes = np.zeros((n, n + 1))
    for r in range(n):
        changes[r, r], changes[r, r + 1] = -1.0, 1.0
    v_max = np.zeros(n + 1)
    v_max[num_pre + s - 1], v_max[num_pre + s] = -1.0, 1.0
    if not max_positive:
        v_max = -v_max
    upper = np.vstack([np.tile(v_max, (num_pre, 1)), np.tile(mbar * v_max, (num_post, 1))])
    a = np.vstack([changes - upper, -changes - upper])
    a = a[(a * a).sum(axis=1) > 1e-10]
    return np.delete(a, num_pre, axis=1)


def _create_a_sd(num_pre: int, num_post: int) -> np.ndarray:
    """HonestDiD ``.create_A_SD``: rows ``+-(delta_{t+1} - 2 delta_t + delta_{t-1})`` (<= M)."""
    n = num_pre + num_post
    second = np.zeros((n - 1, n + 1))
    for r in range(n - 1):
        second[r, r:r + 3] = (1.0, -2.0, 1.0)
    second = np.delete(second, num_pre, axis=1)
    return np.vstack([second, -second])


def _post_rows(a: np.ndarray, num_pre: int) -> np.ndarray:
    """Rows that involve a post-period coefficient (HonestDiD's postPeriodMomentsOnly)."""
    return np.flatnonzero(np.any(a[:, num_pre:] != 0, axis=1))


def _construct_gamma(l_vec: np.ndarray) -> np.ndarray:
    """HonestDiD ``.construct_Gamma``: an invertible matrix with first row l'.

    The pivots of rref([l, I]) are l and the unit vectors except the one of l's last non-zero
    entry.

    >>> _construct_gamma(np.array([0.5, 0.5]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    last = int(np.flatnonzero(l_vec)[-1])
    units = [np.eye(len(l_vec))[j] for j in range(len(l_vec)) if j != last]
    return np.vstack([l_vec] + units)


class _DualPolytope:
    """The dual of ``eta(y) = min_x max_j (y_j - X_j x) / sd_j``: ``eta(y) = max_v lambda_v'y``
    over the vertices of ``{lambda >= 0, sd'lambda = 1, X'lambda = 0}``.

    The polytope does not depend on y, so its vertices (the basic feasible solutions) are
    enumerated once; eta and the optimal dual vertex (HonestDiD's gamma_tilde, from lpSolve's
    dual simplex) then come exactly and vectorised over draws and grid points."""

    def __init__(self, sd: np.ndarray, x: np.ndarray):
        m = len(sd)
        if x.shape[1]:
            # a rank-deficient X has redundant constraints: keep a basis of its column space
            u, sv, _ = np.linalg.svd(x, full_matrices=False)
            x = u[:, sv > 1e-10 * max(sv.max(), 1e-300)]
        eq = np.vstack([sd, x.T])  # (q, m) equality constraints of the dual
        q = eq.shape[0]
        bases = _combinations(m, q)
        mats = eq[:, bases].transpose(1, 0, 2)  # (n_bases, q, q)
        rhs = np.zeros(q)
        rhs[0] = 1.0
        # solve every basis with a non-zero LU determinant (a zero pivot: exactly singular,
        # which the SVD test rejects too) and test the conditioning only of the few with a
        # non-negative solution: the SVD of all bases was most of the cost, and a
        # well-conditioned basis gets the same solution either way
        nonzero = np.flatnonzero(np.linalg.det(mats) != 0)
        with np.errstate(all="ignore"):
            sol = np.linalg.solve(mats[nonzero],
                                  np.broadcast_to(rhs, (len(nonzero), q))[..., None])[..., 0]
        candidate = np.all(sol >= -1e-12, axis=1)  # NaN is not
        ok = np.zeros(len(mats), dtype=bool)
        ok[nonzero[candidate]] = _well_conditioned(mats[nonzero[candidate]])
        sol = sol[ok[nonzero]]
        feasible = np.all(sol >= -1e-12, axis=1)
        verts = np.zeros((int(feasible.sum()), m))
        rows = np.repeat(np.arange(len(verts)), q)
        verts[rows, bases[ok][feasible].ravel()] = np.clip(sol[feasible], 0.0, None).ravel()
        self.vertices = np.unique(np.round(verts, 14), axis=0) if len(verts) else verts

    def eta(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """eta and the index of the optimal vertex for each row of y (-inf when unbounded)."""
        if not len(self.vertices):
            return np.full(len(y), -np.inf), np.full(len(y), -1)
        values = y @ self.vertices.T
        idx = np.argmax(values, axis=1)
        return values[np.arange(len(y)), idx], idx


@functools.lru_cache(maxsize=32)
def _combinations(m: int, q: int) -> np.ndarray:
    """Every q-subset of range(m), one per row (lexicographic); cached, read-only."""
    out = np.array(list(itertools.combinations(range(m), q)), dtype=int).reshape(-1, q)
    out.flags.writeable = False
    return out


def _well_conditioned(mats: np.ndarray) -> np.ndarray:
    """sigma_min > 1e-10 sigma_max for each square matrix, with the SVD only where needed.

    |det| = prod(sigma) <= sigma_min sigma_max^(q-1) and sigma_max <= ||M||_F, so
    |det| > 1e-10 ||M||_F^q implies the condition: those matrices (an LU each) skip the
    SVD, which decides the rest exactly as before."""
    q = mats.shape[-1]
    with np.errstate(over="ignore", under="ignore"):
        sure = np.abs(np.linalg.det(mats)) > 1e-10 * np.sqrt((mats**2).sum(axis=(1, 2)))**q
    ok = sure.copy()
    rest = np.flatnonzero(~sure)
    if len(rest):
        sv = np.linalg.svd(mats[rest], compute_uv=False)
        ok[rest] = sv[:, -1] > 1e-10 * sv[:, 0]
    return ok


def _truncnorm_ppf(p: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """p-quantile of N(0, 1) truncated to [lo, hi] (TruncatedNormal::norminvp)."""
    with np.errstate(all="ignore"):
        return stats.truncnorm.ppf(p, lo, hi)


class _ConditionalTest:
    """ARP test of ``E[y_T - X_T delta] <= 0`` with nuisance delta (HonestDiD
    ``.lp_conditional_test_fn``), for the polyhedron ``A beta <= d``, vectorised over theta.

    ``y_T = A beta_hat - d - a_1 theta``, ``X_T`` the other columns of ``A_post Gamma^-1``
    (Gamma from l), restricted to ``rows``. ``hybrid`` "LF": least-favourable first stage
    at size kappa, else ("ARP") the conditional test alone."""

    def __init__(self, betahat, sigma, a, d, rows, num_pre, l_vec, alpha, hybrid, kappa,
                 seed):
        a, d = a[rows], d[rows]
        gamma_inv = np.linalg.inv(_construct_gamma(l_vec))
        a_gamma = a[:, num_pre:] @ gamma_inv
        self.a1, self.x = a_gamma[:, 0], a_gamma[:, 1:]
        self.y = a @ betahat - d
        self.sigma = a @ sigma @ a.T
        self.sigma = (self.sigma + self.sigma.T) / 2
        self.sd = np.sqrt(np.clip(np.diag(self.sigma), 0.0, None))
        self.alpha, self.hybrid = alpha, hybrid
        self.mod_size = (alpha - kappa) / (1 - kappa) if hybrid == "LF" else alpha
        self.dual = _DualPolytope(self.sd, self.x)
        self.lf_cv = np.inf
        if hybrid == "LF":  # HonestDiD .compute_least_favorable_cv (nuisance case)
            draws = _r_rmvnorm(HONESTDID_SIMS, self.sigma, seed)
            self.lf_cv = _quantile_type7(self.dual.eta(draws)[0], 1 - kappa)

    def accept(self, theta: np.ndarray) -> np.ndarray:
        y = self.y[None, :] - theta[:, None] * self.a1[None, :]
        eta, idx = self.dual.eta(y)
        accept = np.ones(len(theta), dtype=bool)  # no LP solution: HonestDiD does not reject
        live = np.isfinite(eta)
        if self.hybrid == "LF":
            first = live & (eta > self.lf_cv)
            accept[first] = False
            live &= ~first
        for v in np.unique(idx[live]):
            sel = live & (idx == v)
            accept[sel] = ~self._second_stage(y[sel], eta[sel], self.dual.vertices[v])
        return accept

    def _second_stage(self, y, eta, lam) -> np.ndarray:
        k = self.x.shape[1]
        binding = lam > _TOL_LAMBDA
        x_b = self.x[binding]
        full_rank = (x_b.size > 0 and np.linalg.matrix_rank(x_b) == min(x_b.shape))
        if binding.sum() == k + 1 and full_rank:
            vlo, vup, sigma_b = self._primal_bounds(y, binding)
        else:
            sigma2 = float(lam @ self.sigma @ lam)
            if abs(sigma2) < np.finfo(float).eps:
                return eta > 0
            vlo, vup, sigma_b = self._dual_bounds(y, lam, sigma2)
        zlo = vlo / sigma_b
        zup = (np.minimum(vup, self.lf_cv) if self.hybrid == "LF" else vup) / sigma_b
        stat = eta / sigma_b
        inside = (zlo <= stat) & (stat <= zup)
        reject = np.zeros(len(y), dtype=bool)
        if inside.any():
            cval = np.maximum(0.0, _truncnorm_ppf(1 - self.mod_size, zlo[inside], zup[inside]))
            reject[inside] = stat[inside] > cval
        return reject

    def _primal_bounds(self, y, binding):
        """HonestDiD's primal approach: the truncation points given the binding moments."""
        m = len(self.sd)
        eye = np.eye(m)
        w_b = np.column_stack([self.sd[binding], self.x[binding]])
        w_inv = np.linalg.inv(w_b)
        gamma_b = (np.column_stack([self.sd[~binding], self.x[~binding]]) @ w_inv
                   @ eye[binding] - eye[~binding])
        v_b = w_inv[0] @ eye[binding]
        sigma2 = float(v_b @ self.sigma @ v_b)
        rho = gamma_b @ self.sigma @ v_b / sigma2
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = -(y @ gamma_b.T) / rho + (y @ v_b)[:, None]
        vlo = (bound[:, rho > 0].max(axis=1) if np.any(rho > 0)
               else np.full(len(y), -np.inf))
        vup = (bound[:, rho < 0].min(axis=1) if np.any(rho < 0)
               else np.full(len(y), np.inf))
        return vlo, vup, math.sqrt(sigma2)

    def _dual_bounds(self, y, lam, sigma2):
        """HonestDiD's dual approach (``.vlo_vup_dual_fn``), in closed form: the range of c
        over which lam stays the optimal vertex along ``y(c) = s + Sigma lam c / sigma2``
        (HonestDiD finds the same end points by bisection to 1e-6)."""
        b = self.sigma @ lam / sigma2
        s = y - np.outer(y @ lam, b)
        num = s @ self.dual.vertices.T
        den = 1.0 - self.dual.vertices @ b
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = num / den
        pos, neg = den > 1e-12, den < -1e-12
        vlo = ratio[:, pos].max(axis=1) if pos.any() else np.full(len(y), -np.inf)
        vup = ratio[:, neg].min(axis=1) if neg.any() else np.full(len(y), np.inf)
        return vlo, vup, math.sqrt(sigma2)


class _NoNuisanceTest:
    """HonestDiD ``.testInIdentifiedSet`` / ``_LF_Hybrid`` for one post period (no nuisance):
    ``y = beta_hat - e theta``, moments ``A y - d`` standardised, conditioning on the largest."""

    def __init__(self, betahat, sigma, a, d, num_pre, alpha, hybrid, kappa, seed):
        self.b, self.sigma, self.num_pre = betahat, sigma, num_pre
        sigma_a = a @ sigma @ a.T
        sd = np.sqrt(np.diag(sigma_a))
        self.at, self.dt = a / sd[:, None], d / sd
        self.hybrid = hybrid
        self.size = (alpha - kappa) / (1 - kappa) if hybrid == "LF" else alpha
        self.lf_cv = np.inf
        if hybrid == "LF":
            draws = _r_rmvnorm(HONESTDID_SIMS, (sigma_a + sigma_a.T) / 2, seed) / sd
            self.lf_cv = _quantile_type7(draws.max(axis=1), 1 - kappa)

    def accept(self, theta: np.ndarray) -> np.ndarray:
        y = np.tile(self.b, (len(theta), 1))
        y[:, self.num_pre] -= theta
        moments = y @ self.at.T - self.dt
        j_max = np.argmax(moments, axis=1)
        top = moments[np.arange(len(theta)), j_max]
        accept = ~(top > self.lf_cv)
        for j in np.unique(j_max[accept]):
            sel = accept & (j_max == j)
            gamma = self.at[j]
            sigma_bar = math.sqrt(float(gamma @ self.sigma @ gamma))
            c = self.sigma @ gamma / sigma_bar**2
            a_bar, d_bar = self.at - self.at[j], self.dt - self.dt[j]
            z = y[sel] - np.outer(y[sel] @ gamma, c)
            ac = a_bar @ c
            with np.errstate(divide="ignore", invalid="ignore"):
                obj = (d_bar[None, :] - z @ a_bar.T) / ac
            vlo = obj[:, ac < 0].max(axis=1) if np.any(ac < 0) else np.full(sel.sum(), -np.inf)
            vup = obj[:, ac > 0].min(axis=1) if np.any(ac > 0) else np.full(sel.sum(), np.inf)
            mu = self.dt[j]
            cval = np.maximum(0.0, mu + sigma_bar * _truncnorm_ppf(
                1 - self.size, (vlo - mu) / sigma_bar, (vup - mu) / sigma_bar))
            accept[sel] = ~(top[sel] + mu > cval)
        return accept


def _accepted(tests, grid: np.ndarray) -> np.ndarray:
    accept = np.zeros(len(grid), dtype=bool)
    for test in tests:
        accept |= test.accept(grid)
    return accept


def _invert_on_grid(tests, grid_lb: float, grid_ub: float, grid_points: int,
                    identified: tuple[float, float], sd_theta: float) -> tuple[float, float]:
    """Hull of the theta accepted by any test on HonestDiD's grid.

    HonestDiD's grid is fixed ([-20, 20] sd(theta) for Delta^RM), so a precise estimate far
    from 0 can leave it empty or open at an end (HonestDiD then only warns). In that case the
    grid is laid again over the identified set at the estimate +- 20 sd(theta), an end open
    there is searched outwards (doubling the step) to a rejected theta, and each end is
    bisected between its last accepted and first rejected theta to a hundredth of the smaller
    of the step and sd(theta); +-inf when no rejected theta is found."""
    grid = np.linspace(grid_lb, grid_ub, grid_points)
    accept = _accepted(tests, grid)
    if accept.any() and not accept[0] and not accept[-1]:
        return float(grid[accept][0]), float(grid[accept][-1])
    grid = np.linspace(identified[0] - 20 * sd_theta, identified[1] + 20 * sd_theta,
                       grid_points)
    accept = _accepted(tests, grid)
    if not accept.any():
        return np.nan, np.nan
    step = float(grid[1] - grid[0])
    tol = min(step, sd_theta) / 100
    where = np.flatnonzero(accept)
    ends = []
    for i, outward in ((where[0], -1), (where[-1], 1)):
        inside = float(grid[i])
        if 0 <= i + outward < len(grid):
            outside = float(grid[i + outward])
        else:
            outside = _rejected_beyond(tests, inside, outward * step)
            if np.isinf(outside):
                ends.append(outside)
                continue
        while abs(outside - inside) > tol:
            mid = 0.5 * (inside + outside)
            if _accepted(tests, np.array([mid]))[0]:
                inside = mid
            else:
                outside = mid
        ends.append(inside)
    return ends[0], ends[1]


def _rejected_beyond(tests, accepted: float, step: float) -> float:
    """A rejected theta beyond an accepted one (doubling the distance), or +-inf."""
    distance = step
    for _ in range(MAX_OPEN_END_DOUBLINGS):
        if not _accepted(tests, np.array([accepted + distance]))[0]:
            return accepted + distance
        distance *= 2
    return math.copysign(np.inf, step)


def _check_conditional(num_post: int) -> None:
    if num_post > MAX_POST_PERIODS:
        raise SensitivityInputError(
            f"the conditional (C-LF / Conditional) tests are limited to {MAX_POST_PERIODS} "
            f"post-period coefficients (their dual linear program is enumerated), got "
            f"num_post={num_post}; use method='LF' or fewer post periods")


def _tests_for(betahat, sigma, a_list, d, num_pre, num_post, l_vec, alpha, hybrid, seed):
    kappa = alpha / 10  # HonestDiD's hybrid_kappa
    tests = []
    for a in a_list:
        dd = np.full(len(a), d)
        rows = _post_rows(a, num_pre)
        if num_post == 1:  # HonestDiD keeps only the post rows and uses the no-nuisance test
            tests.append(_NoNuisanceTest(betahat, sigma, a[rows], dd[rows], num_pre, alpha,
                                         hybrid, kappa, seed))
        else:
            tests.append(_ConditionalTest(betahat, sigma, a, dd, rows, num_pre, l_vec, alpha,
                                          hybrid, kappa, seed))
    return tests


def _rm_conditional_interval(b, sigma, num_pre, num_post, mbar, l_vec, alpha, hybrid, seed,
                             grid_points) -> tuple[float, float]:
    _check_conditional(num_post)
    a_list = [_create_a_rm(num_pre, num_post, mbar, s, sign)
              for s in range(-(num_pre - 1), 1) for sign in (True, False)]
    tests = _tests_for(b, sigma, a_list, 0.0, num_pre, num_post, l_vec, alpha, hybrid, seed)
    sd_theta = math.sqrt(float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    identified = relative_magnitudes_identified_set(b, num_pre, num_post, mbar, l_vec)
    return _invert_on_grid(tests, -20 * sd_theta, 20 * sd_theta, grid_points, identified,
                           sd_theta)


def _sd_identified_set(beta, num_pre, num_post, m, l_vec) -> tuple[float, float]:
    """Identified set of l'tau_post under Delta^SD(M) for population coefficients beta
    (HonestDiD ``.compute_IDset_DeltaSD``: l'beta_post minus the range of l'delta_post over
    the delta in Delta^SD(M) with delta_pre = beta_pre)."""
    a = _create_a_sd(num_pre, num_post)
    theta = float(l_vec @ beta[num_pre:])
    bounds = [(float(x), float(x)) for x in beta[:num_pre]] + [(None, None)] * num_post
    ends = []
    for sign in (1.0, -1.0):
        res = optimize.linprog(np.concatenate([np.zeros(num_pre), sign * l_vec]), A_ub=a,
                               b_ub=np.full(len(a), m), bounds=bounds, method="highs")
        if res.status != 0:  # HonestDiD falls back on the point l'beta_post
            return theta, theta
        ends.append(sign * res.fun)
    return theta - ends[1], theta - ends[0]


def _sd_conditional_interval(b, sigma, num_pre, num_post, m, l_vec, alpha, hybrid, seed,
                             grid_points) -> tuple[float, float]:
    _check_conditional(num_post)
    kappa = alpha / 10
    a = _create_a_sd(num_pre, num_post)
    d = np.full(len(a), float(m))
    if num_post == 1:  # HonestDiD uses every Delta^SD row here
        test = _NoNuisanceTest(b, sigma, a, d, num_pre, alpha, hybrid, kappa, seed)
    else:
        test = _ConditionalTest(b, sigma, a, d, _post_rows(a, num_pre), num_pre, l_vec, alpha,
                                hybrid, kappa, seed)
    zero_lb, zero_ub = _sd_identified_set(np.zeros(len(b)), num_pre, num_post, m, l_vec)
    sd_theta = math.sqrt(float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    return _invert_on_grid([test], zero_lb - 20 * sd_theta, zero_ub + 20 * sd_theta,
                           grid_points, _sd_identified_set(b, num_pre, num_post, m, l_vec),
                           sd_theta)


def _folded_normal_quantile(p: float, mu: float) -> float:
    """p-quantile of |N(mu, 1)| (HonestDiD simulates it with 10^6 draws; exact here)."""
    mu = abs(mu)
    f = lambda c: special.ndtr(c - mu) - special.ndtr(-c - mu) - p  # noqa: E731
    return float(optimize.brentq(f, 0.0, mu + 10.0, xtol=1e-14))


class _FLCI:
    """Armstrong-Kolesar fixed-length CI over Delta^SD(M) (HonestDiD ``findOptimalFLCI``).

    The estimator is ``l'beta_post + w_pre'beta_pre``; in HonestDiD's w-space
    (``l_pre = W2L w``) its worst-case bias over Delta^SD(1) is
    ``c_l + sum_i |w_1 + ... + w_i|`` under ``sum(w) = sum_t t l_t``, and its variance is
    quadratic in w. The half-length ``h * q_{1-alpha}(|N(M bias(h) / h, 1)|)`` is minimised
    over the standard deviation h between the smallest one and that of the least-biased
    estimator, bias(h) the smallest worst-case bias with standard deviation at most h."""

    def __init__(self, sigma, num_pre, num_post, l_vec, alpha):
        self.num_pre, self.l, self.alpha = num_pre, l_vec, alpha
        t = np.arange(1, num_post + 1)
        self.total = float(t @ l_vec)
        self.constant = sum(abs(float(np.arange(1, s + 1) @ l_vec[num_post - s:]))
                            for s in range(1, num_post + 1)) - self.total
        w2l = np.eye(num_pre) - np.eye(num_pre, k=-1)
        self.w2l = w2l
        self.quad = w2l.T @ sigma[:num_pre, :num_pre] @ w2l
        self.lin = 2 * w2l.T @ sigma[:num_pre, num_pre:] @ l_vec
        self.const_var = float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec)
        # least-biased estimator: all weight on the last pre period in w-space
        w0 = np.zeros(num_pre)
        w0[-1] = self.total
        self.h0 = math.sqrt(max(self.variance(w0), 0.0))
        self.w0 = w0
        # smallest variance under sum(w) = total (the absolute values are free)
        kkt = np.block([[2 * self.quad, np.ones((num_pre, 1))],
                        [np.ones((1, num_pre)), np.zeros((1, 1))]])
        sol = np.linalg.lstsq(kkt, np.concatenate([-self.lin, [self.total]]), rcond=None)[0]
        self.w_min = sol[:num_pre]
        self.h_min = math.sqrt(max(self.variance(self.w_min), 0.0))

    def variance(self, w) -> float:
        return float(w @ self.quad @ w + self.lin @ w + self.const_var)

    def bias(self, w) -> float:
        return self.constant + float(np.abs(np.cumsum(w)).sum())

    def least_bias(self, h: float) -> tuple[float, np.ndarray]:
        """Smallest worst-case bias (M = 1) with standard deviation <= h, and its w."""
        p = self.num_pre
        if h >= self.h0:
            return self.bias(self.w0), self.w0
        if h <= self.h_min:
            return self.bias(self.w_min), self.w_min
        lower = np.tril(np.ones((p, p)))
        cons = [
            {"type": "ineq", "fun": lambda x: x[:p] - lower @ x[p:],
             "jac": lambda x: np.hstack([np.eye(p), -lower])},
            {"type": "ineq", "fun": lambda x: x[:p] + lower @ x[p:],
             "jac": lambda x: np.hstack([np.eye(p), lower])},
            {"type": "ineq", "fun": lambda x: 1.0 - self.variance(x[p:]) / h**2,
             "jac": lambda x: np.concatenate(
                 [np.zeros(p), -(2 * self.quad @ x[p:] + self.lin) / h**2])},
            {"type": "eq", "fun": lambda x: np.array([x[p:].sum() - self.total]),
             "jac": lambda x: np.concatenate([np.zeros(p), np.ones(p)])[None, :]},
        ]
        # start between the two ends: feasible for h strictly between h_min and h0
        share = (h - self.h_min) / (self.h0 - self.h_min)
        w_start = self.w_min + 0.5 * share * (self.w0 - self.w_min)
        x0 = np.concatenate([np.abs(np.cumsum(w_start)) + 1e-9, w_start])
        res = optimize.minimize(lambda x: x[:p].sum(), x0, jac=lambda x: np.concatenate(
            [np.ones(p), np.zeros(p)]), constraints=cons, method="SLSQP",
            options={"maxiter": 500, "ftol": 1e-13})
        w = res.x[p:]
        return self.bias(w), w

    def half_length(self, h: float, m: float) -> float:
        bias, _ = self.least_bias(h)
        return h * _folded_normal_quantile(1 - self.alpha, m * bias / h)

    def interval(self, betahat, m: float) -> tuple[float, float]:
        if m == 0 or self.h0 <= self.h_min:
            h_star = self.h_min
        else:
            res = optimize.minimize_scalar(lambda h: self.half_length(h, m),
                                           bounds=(self.h_min, self.h0), method="bounded",
                                           options={"xatol": 1e-10 * self.h0})
            ends = {self.h_min: self.half_length(self.h_min, m),
                    self.h0: self.half_length(self.h0, m)}
            h_star = min([(res.fun, res.x), *((v, k) for k, v in ends.items())])[1]
        _, w = self.least_bias(h_star)
        half = self.half_length(h_star, m)
        weights = np.concatenate([self.w2l @ w, self.l])
        centre = float(weights @ betahat)
        return float(centre - half), float(centre + half)


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
    b, s, lv = _check(betahat, sigma, num_pre, num_post, l_vec)
    _check_alpha(alpha)
    if method == "LF":
        return _RMProblem(b, s, num_pre, num_post, lv, alpha, seed).interval(mbar)
    _check_grid(grid_points)
    return _rm_conditional_interval(b, s, num_pre, num_post, float(mbar), lv, alpha,
                                    "LF" if method == "C-LF" else "ARP", seed, grid_points)


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
    b, s, lv = _check(betahat, sigma, num_pre, num_post, l_vec)
    _check_alpha(alpha)
    if method == "FLCI":
        return _FLCI(s, num_pre, num_post, lv, alpha).interval(b, float(m))
    _check_grid(grid_points)
    return _sd_conditional_interval(b, s, num_pre, num_post, float(m), lv, alpha,
                                    "LF" if method == "C-LF" else "ARP", seed, grid_points)


def _excludes(interval, null_value: float, sign: int) -> bool:
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
    b, s, lv = _check(betahat, sigma, num_pre, num_post, l_vec)
    _check_alpha(alpha)
    if method == "LF":
        prob = _RMProblem(b, s, num_pre, num_post, lv, alpha, seed)
        interval = prob.interval
    else:
        _check_grid(grid_points)
        hybrid = "LF" if method == "C-LF" else "ARP"

        def interval(mbar: float) -> tuple[float, float]:
            return _rm_conditional_interval(b, s, num_pre, num_post, mbar, lv, alpha, hybrid,
                                            seed, grid_points)
    return _bisect_breakdown(interval, direction, null_value, tol, mbar_max, known)


def _bisect_breakdown(interval, direction: int, null_value: float = 0.0, tol: float = 1e-3,
                      mbar_max: float = MBAR_MAX,
                      known: tuple[float, tuple[float, float]] | None = None) -> float:
    lo, hi = 0.0, float(mbar_max)
    if known is not None and 0.0 < known[0] < mbar_max:
        if _excludes(known[1], null_value, direction):
            lo = float(known[0])
        else:
            hi = float(known[0])
    if lo == 0.0 and not _excludes(interval(0.0), null_value, direction):
        return 0.0
    if hi == mbar_max and _excludes(interval(mbar_max), null_value, direction):
        return float(mbar_max)
    while hi - lo > tol:
        mid = 0.5 * (lo + hi)
        if _excludes(interval(mid), null_value, direction):
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
    b, s, lvec = _check(beta, v, num_pre, num_post, lv)
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


# =============================================================================================
# what a significant but non-robust conclusion is called
# =============================================================================================
#: Level at which the pre-period test counts as detecting a violation (the verdict rule's
#: reported pre-trend test, ``talentlab.claims.PRETREND_ALPHA``).
PRETREND_ALPHA = 0.10


@dataclass(frozen=True)
class RobustnessClass:
    """Outcome of :func:`classify_robustness`: ``robust`` (the conclusion survives the bound),
    ``label`` / ``label_zh`` (English / 中文) and ``reason`` (one sentence, English)."""

    robust: bool
    label: str
    label_zh: str
    reason: str


def _fmt(x: float) -> str:
    return "nan" if x is None or np.isnan(x) else f"{x:.3g}"


def classify_robustness(pretrend_p: float | None, rm_interval: tuple[float, float],
                        breakdown: float | None, mbar: float = DEFAULT_MBAR,
                        claimed_sign: int = 1, null_value: float = 0.0,
                        pretrend_alpha: float = PRETREND_ALPHA) -> RobustnessClass:
    """Name why a significant conclusion does or does not survive the stated bound.

    Parameters
    ----------
    pretrend_p : float or None
        p-value of the pre-period test (NaN / None: no test).
    rm_interval : (low, high)
        Robust interval at ``mbar`` (NaN, NaN: none computed).
    breakdown : float or None
        Breakdown value Mbar* of the same analysis (used when the interval is missing).
    mbar : float
        The stated bound.
    claimed_sign : {+1, -1}
        The side of ``null_value`` the conclusion is on, on the event study's scale.
    null_value : float
    pretrend_alpha : float
        Level at which the pre-period test counts as detecting a violation.

    Returns
    -------
    RobustnessClass
        In this order: "robust at Mbar = m" when the interval excludes the null on the
        claimed side (or, without an interval, Mbar* >= m); "pre-trend violation detected"
        when it does not and the pre-period test rejects at ``pretrend_alpha``; "no
        sensitivity analysis" when neither interval nor breakdown value is available; else
        "not robust at Mbar = m" (no violation detected: the robust interval is too wide for
        the data, i.e. imprecision).

    Examples
    --------
    >>> classify_robustness(0.6, (-0.01, 0.2), 0.8).label
    'not robust at Mbar = 1'
    >>> classify_robustness(0.02, (-0.01, 0.2), 0.8).label
    'pre-trend violation detected'
    >>> classify_robustness(0.02, (0.01, 0.2), 1.3).label_zh
    '在 Mbar = 1 下稳健'
    """
    if claimed_sign not in (1, -1):
        raise SensitivityInputError(f"claimed_sign must be +1 or -1, got {claimed_sign}")
    lo, hi = (np.nan, np.nan) if rm_interval is None else (float(rm_interval[0]),
                                                            float(rm_interval[1]))
    brk = np.nan if breakdown is None else float(breakdown)
    p = np.nan if pretrend_p is None else float(pretrend_p)
    m = f"{mbar:g}"
    interval = f"robust interval at Mbar = {m} [{_fmt(lo)}, {_fmt(hi)}], breakdown Mbar* = " \
               f"{_fmt(brk)}"
    if not np.isnan(lo):
        robust = _excludes((lo, hi), null_value, claimed_sign)
    else:
        robust = not np.isnan(brk) and brk >= mbar
    if robust:
        return RobustnessClass(True, f"robust at Mbar = {m}", f"在 Mbar = {m} 下稳健",
                               f"the conclusion survives violations of parallel trends up to "
                               f"Mbar = {m} ({interval})")
    if not np.isnan(p) and p < pretrend_alpha:
        return RobustnessClass(False, "pre-trend violation detected", "检测到改革前趋势偏离",
                               f"the pre-period test rejects parallel pre-trends (p = "
                               f"{_fmt(p)} < {pretrend_alpha:g}) and the conclusion does not "
                               f"survive Mbar = {m} ({interval})")
    if np.isnan(lo) and np.isnan(brk):
        return RobustnessClass(False, "no sensitivity analysis", "无敏感性分析",
                               "no parallel-trends sensitivity analysis is available for this "
                               f"design, so the conclusion is not shown to survive Mbar = {m}")
    test = ("no pre-trend violation detected" if np.isnan(p)
            else f"the pre-period test does not reject (p = {_fmt(p)})")
    return RobustnessClass(False, f"not robust at Mbar = {m}", f"在 Mbar = {m} 下不稳健",
                           f"{test}, but the robust interval includes the null value "
                           f"{null_value:g} ({interval}): the data are too imprecise to rule "
                           "out violations of that size")
