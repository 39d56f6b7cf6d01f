"""R's random numbers in numpy: the least-favourable critical values of HonestDiD are
quantiles of 1000 draws after ``set.seed(0)``; drawing the same numbers makes the port
reproduce R's intervals (part of :mod:`talentlab.evaluation.sensitivity`).
"""

from __future__ import annotations

import numpy as np
from scipy import special

_R_I2_32M1 = 2.328306437080797e-10  # 1 / (2^32 - 1), R's fixup of 0 and 1
_R_BIG = 134217728.0  # 2^27: R's inversion combines two uniforms for precision


def r_uniforms(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); runif(n)`` of R (Mersenne-Twister, R's seed scrambling).

    >>> [round(float(u), 7) for u in r_uniforms(3, 0)]
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


def r_rnorm(n: int, seed: int) -> np.ndarray:
    """``set.seed(seed); rnorm(n)`` of R (normal.kind "Inversion").

    >>> [round(float(z), 7) for z in r_rnorm(3, 0)]
    [1.2629543, -0.3262334, 1.3297993]
    """
    u = r_uniforms(2 * n, seed).reshape(n, 2)
    return special.ndtri((np.floor(_R_BIG * u[:, 0]) + u[:, 1]) / _R_BIG)


def r_rmvnorm(n: int, sigma: np.ndarray, seed: int) -> np.ndarray:
    """``set.seed(seed); mvtnorm::rmvnorm(n, sigma = sigma)`` (method "eigen", by row).

    Examples
    --------
    >>> import numpy as np
    >>> [round(float(z), 7) for z in r_rmvnorm(1, np.eye(2), 0)[0]]
    [1.2629543, -0.3262334]
    """
    evals, evecs = np.linalg.eigh(sigma)
    root = (evecs * np.sqrt(np.clip(evals, 0.0, None))) @ evecs.T  # symmetric: sign-free
    return r_rnorm(n * len(sigma), seed).reshape(n, len(sigma)) @ root


def quantile_type7(x: np.ndarray, p: float) -> float:
    """R's default ``quantile(x, p)`` (type 7) of the finite values; inf when there are none.

    Examples
    --------
    >>> import numpy as np
    >>> quantile_type7(np.array([1.0, 2.0, np.inf, 3.0]), 0.5)
    2.0
    """
    x = x[np.isfinite(x)]
    return float(np.quantile(x, p)) if len(x) else np.inf

