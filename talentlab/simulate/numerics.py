"""Small numerical helpers shared by the draws and the truth (link functions, ordinal cuts)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit, ndtr


def clipped_normal_mean(mu: np.ndarray, sd: float, low: float, high: float) -> np.ndarray:
    """E[min(max(X, low), high)] for X ~ N(mu, sd^2) (closed form)."""
    a = (low - mu) / sd
    b = (high - mu) / sd
    phi_a = np.exp(-0.5 * a * a) / np.sqrt(2 * np.pi)
    phi_b = np.exp(-0.5 * b * b) / np.sqrt(2 * np.pi)
    return (low * ndtr(a) + high * (1 - ndtr(b)) + mu * (ndtr(b) - ndtr(a))
            + sd * (phi_a - phi_b))


def ordinal_expectation(latent: np.ndarray, cutpoints, sd: float) -> np.ndarray:
    """E[Y] - 1 for Y = 1 + #(latent + N(0, sd^2) > c_k): sum of P(exceed c_k)."""
    cut = np.asarray(cutpoints, dtype=float)
    return ndtr((latent[:, None] - cut[None, :]) / sd).sum(axis=1)


def probability(linear: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """P(Y=1) = expit(linear) + shift, kept inside [0.005, 0.995].

    Individual heterogeneity, major effects and the planted effect act on the logit scale;
    common cohort shocks, major x cohort shocks and secular trends are added on the probability
    scale, so that they are exactly parallel in percentage points across majors.
    """
    return np.clip(expit(linear) + shift, 0.005, 0.995)


def ordinal_category(values: np.ndarray, cutpoints) -> np.ndarray:
    """Ordered category 1..K+1 of ``values`` given K increasing ``cutpoints``."""
    return 1 + np.searchsorted(np.asarray(cutpoints, dtype=float), values, side="right")


def centred_normal(rng: np.random.Generator, sd: float, n: int) -> np.ndarray:
    """``n`` normal draws with standard deviation ``sd``, centred to mean zero when n > 1."""
    draws = rng.normal(0.0, sd, n)
    return draws - draws.mean() if n > 1 else draws


def percent(x) -> float:
    """A proportion as percent (float)."""
    return float(100.0 * x)
