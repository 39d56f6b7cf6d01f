"""Armstrong & Kolesar's fixed-length confidence interval over Delta^SD(M), HonestDiD's
``findOptimalFLCI`` (the default method of
:func:`talentlab.evaluation.sensitivity.smoothness_interval`).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special


def _folded_normal_quantile(p: float, mu: float) -> float:
    """p-quantile of |N(mu, 1)| (HonestDiD simulates it with 10^6 draws; exact here)."""
    mu = abs(mu)
    f = lambda c: special.ndtr(c - mu) - special.ndtr(-c - mu) - p  # noqa: E731
    return float(optimize.brentq(f, 0.0, mu + 10.0, xtol=1e-14))


class FixedLengthCI:
    """Armstrong-Kolesar fixed-length CI over Delta^SD(M) (HonestDiD ``findOptimalFLCI``).

    The estimator is ``l'beta_post + w_pre'beta_pre``; in HonestDiD's w-space
    (``l_pre = W2L w``) its worst-case bias over Delta^SD(1) is
    ``c_l + sum_i |w_1 + ... + w_i|`` under ``sum(w) = sum_t t l_t``, and its variance is
    quadratic in w. The half-length ``h * q_{1-alpha}(|N(M bias(h) / h, 1)|)`` is minimised
    over the standard deviation h between the smallest one and that of the least-biased
    estimator, bias(h) the smallest worst-case bias with standard deviation at most h.

    Parameters
    ----------
    sigma : ndarray
        Covariance of the event-study coefficients.
    num_pre, num_post : int
    l_vec : ndarray (num_post,)
    alpha : float
        Interval at level 1 - alpha.

    ``interval(betahat, m)`` gives the interval at smoothness bound M = m.

    Examples
    --------
    >>> import numpy as np
    >>> flci = FixedLengthCI(np.eye(3) * 1e-4, 2, 1, np.array([1.0]), 0.05)
    >>> lo, hi = flci.interval(np.array([0.0, 0.0, 0.3]), 0.0)
    >>> bool(lo < 0.3 < hi)
    True
    """

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
