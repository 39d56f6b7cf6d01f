"""HonestDiD's conditional tests: the ARP conditional test with nuisance parameters, its
least-favourable hybrid (C-LF), and their inversion over a grid of theta (Andrews, Roth & Pakes
2023; part of :mod:`talentlab.evaluation.sensitivity`).
"""

from __future__ import annotations

import functools
import itertools
import math

import numpy as np
from scipy import stats

from talentlab.evaluation.sensitivity.r_random import quantile_type7, r_rmvnorm
from talentlab.evaluation.sensitivity.restrictions import (
    HONESTDID_SIMS,
    MAX_OPEN_END_DOUBLINGS,
    MAX_POST_PERIODS,
    SensitivityInputError,
    construct_gamma,
    post_period_rows,
    relative_magnitudes_identified_set,
    relative_magnitudes_moments,
    smoothness_identified_set,
    smoothness_moments,
)

#: HonestDiD's tol_lambda: a moment binds when its dual weight exceeds it.
TOL_LAMBDA = 1e-6


class DualPolytope:
    """The dual of ``eta(y) = min_x max_j (y_j - X_j x) / sd_j``: ``eta(y) = max_v lambda_v'y``
    over the vertices of ``{lambda >= 0, sd'lambda = 1, X'lambda = 0}``.

    The polytope does not depend on y, so its vertices (the basic feasible solutions) are
    enumerated once; eta and the optimal dual vertex (HonestDiD's gamma_tilde, from lpSolve's
    dual simplex) then come exactly and vectorised over draws and grid points.

    Parameters
    ----------
    sd : ndarray (m,)
        Standard deviations of the moments.
    x : ndarray (m, k)
        The nuisance parameters' columns.

    Examples
    --------
    >>> import numpy as np
    >>> dual = DualPolytope(np.array([1.0, 1.0]), np.zeros((2, 0)))
    >>> dual.eta(np.array([[0.3, -0.2]]))[0]
    array([0.3])
    """

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


class ConditionalTest:
    """ARP test of ``E[y_T - X_T delta] <= 0`` with nuisance delta (HonestDiD
    ``.lp_conditional_test_fn``), for the polyhedron ``A beta <= d``, vectorised over theta.

    ``y_T = A beta_hat - d - a_1 theta``, ``X_T`` the other columns of ``A_post Gamma^-1``
    (Gamma from l), restricted to ``rows``. ``hybrid`` "LF": least-favourable first stage
    at size kappa, else ("ARP") the conditional test alone.

    Parameters
    ----------
    betahat, sigma : ndarray
        Event-study coefficients and covariance.
    a, d : ndarray
        The polyhedron ``A delta <= d``.
    rows : ndarray of int
        Moments used (:func:`~talentlab.evaluation.sensitivity.restrictions.post_period_rows`).
    num_pre : int
    l_vec : ndarray
    alpha, kappa : float
        Size of the test and of its least-favourable first stage.
    hybrid : {"LF", "ARP"}
    seed : int
        R seed of the least-favourable draws.

    ``accept(theta)`` says which values of theta the test accepts; ``primal_bounds`` and
    ``dual_bounds`` are HonestDiD's two ways to the truncation points (equal when
    non-degenerate: tests/test_sensitivity.py).
    """

    def __init__(self, betahat, sigma, a, d, rows, num_pre, l_vec, alpha, hybrid, kappa,
                 seed):
        a, d = a[rows], d[rows]
        gamma_inv = np.linalg.inv(construct_gamma(l_vec))
        a_gamma = a[:, num_pre:] @ gamma_inv
        self.a1, self.x = a_gamma[:, 0], a_gamma[:, 1:]
        self.y = a @ betahat - d
        self.sigma = a @ sigma @ a.T
        self.sigma = (self.sigma + self.sigma.T) / 2
        self.sd = np.sqrt(np.clip(np.diag(self.sigma), 0.0, None))
        self.alpha, self.hybrid = alpha, hybrid
        self.mod_size = (alpha - kappa) / (1 - kappa) if hybrid == "LF" else alpha
        self.dual = DualPolytope(self.sd, self.x)
        self.lf_cv = np.inf
        if hybrid == "LF":  # HonestDiD .compute_least_favorable_cv (nuisance case)
            draws = r_rmvnorm(HONESTDID_SIMS, self.sigma, seed)
            self.lf_cv = quantile_type7(self.dual.eta(draws)[0], 1 - kappa)

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
        binding = lam > TOL_LAMBDA
        x_b = self.x[binding]
        full_rank = (x_b.size > 0 and np.linalg.matrix_rank(x_b) == min(x_b.shape))
        if binding.sum() == k + 1 and full_rank:
            vlo, vup, sigma_b = self.primal_bounds(y, binding)
        else:
            sigma2 = float(lam @ self.sigma @ lam)
            if abs(sigma2) < np.finfo(float).eps:
                return eta > 0
            vlo, vup, sigma_b = self.dual_bounds(y, lam, sigma2)
        zlo = vlo / sigma_b
        zup = (np.minimum(vup, self.lf_cv) if self.hybrid == "LF" else vup) / sigma_b
        stat = eta / sigma_b
        inside = (zlo <= stat) & (stat <= zup)
        reject = np.zeros(len(y), dtype=bool)
        if inside.any():
            cval = np.maximum(0.0, _truncnorm_ppf(1 - self.mod_size, zlo[inside], zup[inside]))
            reject[inside] = stat[inside] > cval
        return reject

    def primal_bounds(self, y, binding):
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

    def dual_bounds(self, y, lam, sigma2):
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


class NoNuisanceTest:
    """HonestDiD ``.testInIdentifiedSet`` / ``_LF_Hybrid`` for one post period (no nuisance):
    ``y = beta_hat - e theta``, moments ``A y - d`` standardised, conditioning on the largest.

    Parameters as :class:`ConditionalTest` without ``rows`` and ``l_vec``; ``accept(theta)``
    says which values of theta the test accepts.
    """

    def __init__(self, betahat, sigma, a, d, num_pre, alpha, hybrid, kappa, seed):
        self.b, self.sigma, self.num_pre = betahat, sigma, num_pre
        sigma_a = a @ sigma @ a.T
        sd = np.sqrt(np.diag(sigma_a))
        self.at, self.dt = a / sd[:, None], d / sd
        self.hybrid = hybrid
        self.size = (alpha - kappa) / (1 - kappa) if hybrid == "LF" else alpha
        self.lf_cv = np.inf
        if hybrid == "LF":
            draws = r_rmvnorm(HONESTDID_SIMS, (sigma_a + sigma_a.T) / 2, seed) / sd
            self.lf_cv = quantile_type7(draws.max(axis=1), 1 - kappa)

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


def check_conditional_periods(num_post: int) -> None:
    """Refuse more than :data:`MAX_POST_PERIODS` post periods (the dual is enumerated).

    Examples
    --------
    >>> check_conditional_periods(9)
    Traceback (most recent call last):
    ...
    talentlab.evaluation.sensitivity.restrictions.SensitivityInputError: the conditional (C-LF / Conditional) tests are limited to 8 post-period coefficients (their dual linear program is enumerated), got num_post=9; use method='LF' or fewer post periods
    """
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
        rows = post_period_rows(a, num_pre)
        if num_post == 1:  # HonestDiD keeps only the post rows and uses the no-nuisance test
            tests.append(NoNuisanceTest(betahat, sigma, a[rows], dd[rows], num_pre, alpha,
                                        hybrid, kappa, seed))
        else:
            tests.append(ConditionalTest(betahat, sigma, a, dd, rows, num_pre, l_vec, alpha,
                                         hybrid, kappa, seed))
    return tests


def relative_magnitudes_conditional_interval(b, sigma, num_pre, num_post, mbar, l_vec, alpha,
                                             hybrid, seed, grid_points) -> tuple[float, float]:
    """Robust interval under Delta^RM(Mbar) by the conditional tests (inputs checked).

    The union over the polyhedra of Delta^RM of the theta each test accepts, inverted on
    HonestDiD's grid; :func:`~talentlab.evaluation.sensitivity.relative_magnitudes_interval`
    checks the input and calls it for ``method="C-LF"`` (``hybrid="LF"``) or
    ``"Conditional"`` (``hybrid="ARP"``).

    Returns
    -------
    (low, high) : tuple of float
    """
    check_conditional_periods(num_post)
    a_list = [relative_magnitudes_moments(num_pre, num_post, mbar, s, sign)
              for s in range(-(num_pre - 1), 1) for sign in (True, False)]
    tests = _tests_for(b, sigma, a_list, 0.0, num_pre, num_post, l_vec, alpha, hybrid, seed)
    sd_theta = math.sqrt(float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    identified = relative_magnitudes_identified_set(b, num_pre, num_post, mbar, l_vec)
    return _invert_on_grid(tests, -20 * sd_theta, 20 * sd_theta, grid_points, identified,
                           sd_theta)


def smoothness_conditional_interval(b, sigma, num_pre, num_post, m, l_vec, alpha, hybrid, seed,
                                    grid_points) -> tuple[float, float]:
    """Robust interval under Delta^SD(M) by the conditional tests (inputs checked).

    :func:`~talentlab.evaluation.sensitivity.smoothness_interval` checks the input and calls
    it for ``method="C-LF"`` (``hybrid="LF"``) or ``"Conditional"`` (``hybrid="ARP"``).

    Returns
    -------
    (low, high) : tuple of float
    """
    check_conditional_periods(num_post)
    kappa = alpha / 10
    a = smoothness_moments(num_pre, num_post)
    d = np.full(len(a), float(m))
    if num_post == 1:  # HonestDiD uses every Delta^SD row here
        test = NoNuisanceTest(b, sigma, a, d, num_pre, alpha, hybrid, kappa, seed)
    else:
        test = ConditionalTest(b, sigma, a, d, post_period_rows(a, num_pre), num_pre, l_vec,
                               alpha, hybrid, kappa, seed)
    zero_lb, zero_ub = smoothness_identified_set(np.zeros(len(b)), num_pre, num_post, m, l_vec)
    sd_theta = math.sqrt(float(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    return _invert_on_grid([test], zero_lb - 20 * sd_theta, zero_ub + 20 * sd_theta,
                           grid_points, smoothness_identified_set(b, num_pre, num_post, m, l_vec),
                           sd_theta)
