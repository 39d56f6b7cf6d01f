"""Delta^RM and Delta^SD as matrices: input checks, the pre-period changes, the moment
inequalities of HonestDiD and the identified sets (Rambachan & Roth 2023).

Part of :mod:`talentlab.evaluation.sensitivity` (its docstring states the method); the
constants bounding the work of every sensitivity function live here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import optimize

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


def check_event_study(betahat, sigma, num_pre: int, num_post: int, l_vec):
    """Check and normalise an event study for the sensitivity functions.

    Parameters
    ----------
    betahat : array (num_pre + num_post,)
        Coefficients, pre-periods first, the reference period omitted.
    sigma : array (p, p)
        Their covariance.
    num_pre, num_post : int
    l_vec : array (num_post,) or None
        Target weights; None: the average of the post-period effects.

    Returns
    -------
    betahat : ndarray
    sigma : ndarray
        Symmetrised.
    l_vec : ndarray

    Raises
    ------
    SensitivityInputError
        Naming the first rule broken (period counts, :data:`MAX_PERIODS`, shapes, finiteness).

    Examples
    --------
    >>> b, s, lv = check_event_study([0.0, 0.1, 0.3], [[1, 0, 0], [0, 1, 0], [0, 0, 1]], 1, 2,
    ...                              None)
    >>> lv.tolist()
    [0.5, 0.5]
    """
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


def drift_weight(l_vec: np.ndarray) -> float:
    """``L = sum_k |sum_{t>=k} l_t|``: the largest ``|l' delta_post|`` per unit of allowed change.

    Parameters
    ----------
    l_vec : ndarray (num_post,)

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> drift_weight(np.array([0.5, 0.5]))
    1.5
    """
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
    b, _, lv = check_event_study(beta, np.eye(num_pre + num_post), num_pre, num_post, l_vec)
    if mbar < 0:
        raise SensitivityInputError(f"mbar must be >= 0, got {mbar}")
    d = float(np.abs(pre_changes_matrix(num_pre, num_post) @ b).max())
    theta = float(lv @ b[num_pre:])
    half = mbar * drift_weight(lv) * d
    return round(theta - half, 12), round(theta + half, 12)


def relative_magnitudes_moments(num_pre: int, num_post: int, mbar: float, s: int,
                                max_positive: bool) -> np.ndarray:
    """HonestDiD ``.create_A_RM``: ``A delta <= 0`` says delta is in Delta^RM_{s,sign}(Mbar).

    Pre-period change s (s = -(num_pre - 1)..0, the change into period s) is the largest in
    absolute value with the given sign; every pre change is bounded by it and every post
    change by Mbar times it. Columns are the periods without the reference period.

    Parameters
    ----------
    num_pre, num_post : int
    mbar : float
    s : int
        The pre-period change assumed largest (-(num_pre - 1)..0).
    max_positive : bool
        Its sign.

    Returns
    -------
    ndarray (rows, num_pre + num_post)

    Examples
    --------
    >>> relative_magnitudes_moments(1, 1, 1.0, 0, True).shape
    (3, 2)
    """
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


def smoothness_moments(num_pre: int, num_post: int) -> np.ndarray:
    """HonestDiD ``.create_A_SD``: rows ``+-(delta_{t+1} - 2 delta_t + delta_{t-1})`` (<= M).

    Columns are the periods without the reference period.

    Examples
    --------
    >>> smoothness_moments(1, 1)
    array([[ 1.,  1.],
           [-1., -1.]])
    """
    n = num_pre + num_post
    second = np.zeros((n - 1, n + 1))
    for r in range(n - 1):
        second[r, r:r + 3] = (1.0, -2.0, 1.0)
    second = np.delete(second, num_pre, axis=1)
    return np.vstack([second, -second])


def post_period_rows(a: np.ndarray, num_pre: int) -> np.ndarray:
    """Rows that involve a post-period coefficient (HonestDiD's postPeriodMomentsOnly).

    Examples
    --------
    >>> import numpy as np
    >>> post_period_rows(np.array([[1.0, 0.0], [1.0, -1.0]]), 1)
    array([1])
    """
    return np.flatnonzero(np.any(a[:, num_pre:] != 0, axis=1))


def construct_gamma(l_vec: np.ndarray) -> np.ndarray:
    """HonestDiD ``.construct_Gamma``: an invertible matrix with first row l'.

    The pivots of rref([l, I]) are l and the unit vectors except the one of l's last non-zero
    entry.

    >>> construct_gamma(np.array([0.5, 0.5]))
    array([[0.5, 0.5],
           [1. , 0. ]])
    """
    last = int(np.flatnonzero(l_vec)[-1])
    units = [np.eye(len(l_vec))[j] for j in range(len(l_vec)) if j != last]
    return np.vstack([l_vec] + units)


def smoothness_identified_set(beta, num_pre, num_post, m, l_vec) -> tuple[float, float]:
    """Identified set of l'tau_post under Delta^SD(M) for population coefficients beta
    (HonestDiD ``.compute_IDset_DeltaSD``: l'beta_post minus the range of l'delta_post over
    the delta in Delta^SD(M) with delta_pre = beta_pre).

    Parameters
    ----------
    beta : ndarray (num_pre + num_post,)
    num_pre, num_post : int
    m : float
    l_vec : ndarray (num_post,)

    Returns
    -------
    (low, high) : tuple of float

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = smoothness_identified_set(np.array([0.0, 0.2]), 1, 1, 0.01, np.array([1.0]))
    >>> round(lo, 6), round(hi, 6)
    (0.19, 0.21)
    """
    a = smoothness_moments(num_pre, num_post)
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
