"""The least-favourable (LF) max-t test of Delta^RM, solved for its end points: the
``method="LF"`` of :func:`talentlab.evaluation.sensitivity.relative_magnitudes_interval`
(talentlab's earlier method; valid, wider than C-LF).
"""

from __future__ import annotations

import numpy as np

from talentlab.evaluation.sensitivity.restrictions import (
    N_CRITICAL_DRAWS,
    SensitivityInputError,
    check_event_study,
    drift_weight,
    pre_changes_matrix,
)


class LeastFavourableRM:
    """The polyhedra of Delta^RM with their fixed parts, for repeated Mbar evaluations.

    Parameters
    ----------
    betahat, sigma, num_pre, num_post, l_vec, alpha
        As in :func:`~talentlab.evaluation.sensitivity.relative_magnitudes_interval`.
    seed : int
        numpy seed of the :data:`N_CRITICAL_DRAWS` common random numbers.

    ``interval(mbar)`` gives the robust interval at ``mbar``.

    Examples
    --------
    >>> import numpy as np
    >>> lf = LeastFavourableRM([0.0, 0.01, 0.3], np.eye(3) * 1e-4, 2, 1, None, 0.05, 0)
    >>> lo, hi = lf.interval(1.0)
    >>> bool(lo < 0.3 < hi)
    True
    """

    def __init__(self, betahat, sigma, num_pre, num_post, l_vec, alpha, seed):
        self.b, self.sigma, self.l = check_event_study(betahat, sigma, num_pre, num_post, l_vec)
        if not 0 < alpha < 1:
            raise SensitivityInputError(f"alpha must lie in (0, 1), got {alpha}")
        self.alpha = alpha
        self.num_pre, self.num_post = num_pre, num_post
        self.changes = pre_changes_matrix(num_pre, num_post)
        self.l_full = np.concatenate([np.zeros(num_pre), self.l])
        self.theta = float(self.l_full @ self.b)
        self.weight = drift_weight(self.l)
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
