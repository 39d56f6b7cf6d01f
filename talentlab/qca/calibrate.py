"""Calibration of raw values into set memberships (R QCA ``calibrate()``, version 3.25.1).

Hand-written because no maintained Python library implements Ragin's direct method with R QCA's
conventions; the code follows ``QCA/R/calibrate.R`` and is tested against R output
(``fs_LR_calibration``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from talentlab.qca.expressions import QCAError

__all__ = ["calibrate", "indirect_calibration", "parse_thresholds"]


def parse_thresholds(thresholds) -> tuple[list[float], list[str] | None]:
    """Read thresholds given as R string ``"e=400, c=550, i=900"``, mapping or sequence."""
    if isinstance(thresholds, str):
        parts = [p.strip() for p in re.split(r"[,;]", thresholds) if p.strip()]
        values, names = [], []
        for p in parts:
            if "=" in p:
                k, v = p.split("=", 1)
                names.append(k.strip())
                values.append(float(v))
            else:
                names.append("")
                values.append(float(p))
        named = [n for n in names if n]
        if named and len(named) != len(names):
            raise QCAError(f"thresholds {thresholds!r}: name all of them or none")
        return values, (names if named else None)
    if isinstance(thresholds, Mapping):
        return [float(v) for v in thresholds.values()], [str(k) for k in thresholds.keys()]
    if np.isscalar(thresholds):
        return [float(thresholds)], None
    if isinstance(thresholds, Sequence | np.ndarray | pd.Series):
        return [float(v) for v in thresholds], None
    raise QCAError(f"cannot read thresholds {thresholds!r}")


def _reorder(values, names, wanted):
    if names is None:
        return values
    if sorted(names) != sorted(wanted):
        raise QCAError(f"threshold names must be {wanted}, got {names}")
    lookup = dict(zip(names, values, strict=True))
    return [lookup[w] for w in wanted]


def calibrate(
    x,
    thresholds,
    method: str = "direct",
    logistic: bool = True,
    idm: float = 0.95,
    below: float = 1.0,
    above: float = 1.0,
):
    """Calibrate raw values into set membership scores, as R QCA ``calibrate()``.

    Parameters
    ----------
    x : array-like or pandas Series
        Raw values (no missing values).
    thresholds : str, mapping or sequence
        ``method="direct"``: three anchors ``"e=..., c=..., i=..."`` (full exclusion, crossover,
        full inclusion). A decreasing set is given with ``i`` below ``e`` (for example
        ``"i=5, c=9.5, e=15"``); unnamed sequences are read as (e, c, i) in that order, as R does.
        Six anchors ``e1, c1, i1, i2, c2, e2`` give a bell (trapezoid) shaped set (linear only).
        ``method="crisp"``: one or more cut points; a value equal to a cut point goes up
        (R's ``findInterval``), several cut points give multi-value sets 0, 1, 2, ...
        ``method="indirect"``: the cut points that sort the raw values into equal-width
        classes of membership (R QCA: with k cut points, values above the j-th smallest get
        ``round(j / k, 3)``), which a fractional-polynomial logistic regression then smooths.
    method : {"direct", "crisp", "indirect"}
        ``"indirect"`` is R QCA's indirect method (Ragin 2008, ch. 5): a quasi-binomial logit
        regression of the class memberships on ``log(x), sqrt(x), x, x^2`` (``x = 0`` read as
        ``1e-5``), fitted memberships rounded to 6 decimals; raw values must not be negative.
    logistic : bool
        Direct method: logistic (Ragin 2008) if True, piecewise linear otherwise.
    idm : float
        Inclusion degree of membership at the anchors (R default 0.95, i.e. log-odds
        ``log(idm / (1 - idm)) = 2.944`` at ``i`` and minus that at ``e``).
    below, above : float
        Exponents of the linear shape below/above the crossover (R's ``below``/``above``).

    Returns
    -------
    numpy.ndarray or pandas.Series (same index as ``x``) of membership scores. Scores below
    1e-4 are set to 0 and above 0.9999 to 1, as R does.

    Notes
    -----
    Logistic direct method (Ragin 2008, *Redesigning Social Inquiry*, ch. 5; R QCA):
    ``m = 1 / (1 + exp(-(x - c) * log(idm/(1-idm)) / (i - c)))`` for ``x >= c`` and with
    ``(c - e)`` as scale below the crossover.

    Examples
    --------
    >>> calibrate([400, 550, 900], "e=400, c=550, i=900").round(3).tolist()
    [0.05, 0.5, 0.95]
    >>> calibrate([10, 550, 851], [550, 850], method="crisp").tolist()
    [0, 1, 2]
    >>> calibrate([100, 900, 3000, 4500, 8000, 12000, 30000, 45000],
    ...           "1000, 5000, 20000", method="indirect").round(2).tolist()
    [0.0, 0.0, 0.27, 0.44, 0.59, 0.7, 1.0, 1.0]
    """
    index = x.index if isinstance(x, pd.Series) else None
    name = x.name if isinstance(x, pd.Series) else None
    arr = np.asarray(x, dtype=float)
    if arr.ndim != 1:
        raise QCAError("calibrate() takes a one-dimensional vector")
    if np.isnan(arr).any():
        raise QCAError("calibrate(): x has missing values")
    values, names = parse_thresholds(thresholds)
    if method == "crisp":
        if names is not None:
            raise QCAError("named thresholds require the direct (fuzzy) method")
        th = np.sort(np.asarray(values))
        if np.any((th < arr.min()) | (th > arr.max())):
            raise QCAError("crisp threshold value(s) outside the range of x")
        out = np.searchsorted(th, arr, side="right").astype(int)
    elif method == "indirect":
        out = _indirect(arr, values)
    elif method in ("direct", "fuzzy"):
        if idm <= 0.5 or idm >= 1:
            raise QCAError("idm (inclusion degree of membership) must be in (0.5, 1)")
        if len(values) == 3:
            e, c, i = _reorder(values, names, ["e", "c", "i"])
            out = _direct3(arr, e, c, i, logistic, idm, below, above)
        elif len(values) == 6:
            th6 = _reorder(values, names, ["e1", "c1", "i1", "i2", "c2", "e2"])
            out = _bell(arr, *th6, below=below, above=above)
        else:
            raise QCAError("direct calibration needs 3 (e, c, i) or 6 thresholds")
        out = np.where(out < 0.0001, 0.0, out)
        out = np.where(out > 0.9999, 1.0, out)
    else:
        raise QCAError(f"unknown calibration method {method!r} (use 'direct', 'crisp' or "
                       "'indirect')")
    if index is not None:
        return pd.Series(out, index=index, name=name)
    return out


def _eq(a, b) -> np.ndarray:
    # R's all.equal() tolerance (1.5e-8, relative)
    return np.isclose(a, b, rtol=1.5e-8, atol=0)


def _direct3(x, e, c, i, logistic, idm, below, above):
    if logistic:
        th_ex, th_in = e, i
        if e > i:
            th_ex, th_in = i, e
        scale = np.log(idm / (1 - idm))
        below_c = x < c
        sign = np.where(below_c, 1.0, -1.0)
        denom = np.where(below_c, th_ex - c, th_in - c)
        fs = 1.0 / (1.0 + np.exp(sign * (x - c) * scale / denom))
        if e > i:
            fs = 1.0 - fs
        return fs
    if below <= 0 or above <= 0:
        raise QCAError("below and above must be positive")
    increasing = not (i < c < e)
    fs = np.empty_like(x)
    for k, v in enumerate(x):
        if increasing:
            if v < e or _eq(v, e):
                fs[k] = 0.0
            elif v < c or _eq(v, c):
                fs[k] = ((e - v) / (e - c)) ** below / 2
            elif v < i or _eq(v, i):
                fs[k] = 1 - ((i - v) / (i - c)) ** above / 2
            else:
                fs[k] = 1.0
        else:
            if v < i or _eq(v, i):
                fs[k] = 1.0
            elif v < c or _eq(v, c):
                fs[k] = 1 - ((i - v) / (i - c)) ** above / 2
            elif v < e or _eq(v, e):
                fs[k] = ((e - v) / (e - c)) ** below / 2
            else:
                fs[k] = 0.0
    return fs


def _bell(x, e1, c1, i1, i2, c2, e2, below, above):
    if c1 < min(e1, i1) or c1 > max(e1, i1):
        raise QCAError("first crossover not between first exclusion and inclusion thresholds")
    if c2 < min(e2, i2) or c2 > max(e2, i2):
        raise QCAError("second crossover not between second exclusion and inclusion thresholds")
    increasing = not (i1 < c1 < e1 <= e2 < c2 < i2)
    fs = np.empty_like(x)
    for k, v in enumerate(x):
        if increasing:
            if v < e1 or _eq(v, e1):
                r = 0.0
            elif v < c1 or _eq(v, c1):
                r = ((e1 - v) / (e1 - c1)) ** below / 2
            elif v < i1:
                r = 1 - ((i1 - v) / (i1 - c1)) ** above / 2
            elif v < i2 or _eq(v, i2):
                r = 1.0
            elif v < c2 or _eq(v, c2):
                r = 1 - ((i2 - v) / (i2 - c2)) ** above / 2
            elif v < e2 or _eq(v, e2):
                r = ((e2 - v) / (e2 - c2)) ** below / 2
            else:
                r = 0.0
        else:
            if v < i1 or _eq(v, i1):
                r = 1.0
            elif v < c1 or _eq(v, c1):
                r = 1 - ((i1 - v) / (i1 - c1)) ** above / 2
            elif v < e1:
                r = ((e1 - v) / (e1 - c1)) ** below / 2
            elif v < e2 or _eq(v, e2):
                r = 0.0
            elif v < c2 or _eq(v, c2):
                r = ((e2 - v) / (e2 - c2)) ** below / 2
            elif v < i2 or _eq(v, i2):
                r = 1 - ((i2 - v) / (i2 - c2)) ** above / 2
            else:
                r = 1.0
        fs[k] = r
    return fs


def _logit_irls(design: np.ndarray, y: np.ndarray, what: str) -> np.ndarray:
    """Coefficients of a logistic regression of fractional ``y`` on ``design`` by iteratively
    reweighted least squares, as R ``glm.fit`` (binomial / quasi-binomial logit: same
    coefficients): start ``mu = (y + 0.5) / 2``, stop when the deviance changes by less than
    1e-8 relative (``|dev - dev_old| / (|dev| + 0.1)``), at most 25 iterations."""
    def deviance(mu):
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(y > 0, y * np.log(y / mu), 0.0)
            b = np.where(y < 1, (1 - y) * np.log((1 - y) / (1 - mu)), 0.0)
        return 2 * float(np.sum(a + b))

    mu = (y + 0.5) / 2
    eta = np.log(mu / (1 - mu))
    dev_old = deviance(mu)
    beta = np.zeros(design.shape[1])
    for _ in range(25):
        d_mu = mu * (1 - mu)  # d mu / d eta, equal to the binomial variance for the logit
        z = eta + (y - mu) / d_mu
        w = np.sqrt(d_mu)
        beta, *_ = np.linalg.lstsq(design * w[:, None], z * w, rcond=None)
        eta = design @ beta
        mu = 1 / (1 + np.exp(-eta))
        dev = deviance(mu)
        if not np.isfinite(dev):
            raise QCAError(f"{what}: the logistic regression does not converge")
        if abs(dev - dev_old) / (abs(dev) + 0.1) < 1e-8:
            break
        dev_old = dev
    return beta


def _indirect(x: np.ndarray, thresholds: list[float]) -> np.ndarray:
    """R QCA 3.25.1 ``calibrate(method = "indirect")`` (``QCA/R/calibrate.R``)."""
    if not thresholds:
        raise QCAError("indirect calibration needs at least one cut point")
    if np.any(x < 0):
        raise QCAError("indirect calibration: raw values must not be negative (the regression "
                       f"uses log(x)); smallest value {x.min():g} / 间接校准要求原始值非负")
    th = np.sort(np.asarray(thresholds, dtype=float))
    classes = np.round(np.arange(len(th) + 1) / len(th), 3)
    y = np.zeros(len(x))
    for j, t in enumerate(th):
        y[x > t] = classes[j + 1]
    x = np.where(x == 0, 0.00001, x)
    design = np.column_stack([np.ones(len(x)), np.log(x), np.sqrt(x), x, x ** 2])
    beta = _logit_irls(design, y, "indirect calibration")
    fs = np.round(1 / (1 + np.exp(-(design @ beta))), 6)
    fs = np.where(fs < 0.0001, 0.0, fs)
    return np.where(fs > 0.9999, 1.0, fs)


def indirect_calibration(x, x_cal):
    """Indirect calibration by a binomial logit of qualitative memberships on the raw values
    (SetMethods 4.0 ``indirectCalibration(x, x_cal, binom = TRUE)``; Ragin 2008, ch. 5).

    The researcher sorts the cases into membership classes (``x_cal``, e.g. 0, 0.2, ..., 1);
    the fitted values of ``logit(x_cal) = b0 + b1 * x`` are the memberships.

    Parameters
    ----------
    x : array-like
        Raw values.
    x_cal : array-like
        Qualitative memberships in [0, 1], one per value.

    Returns
    -------
    numpy.ndarray of memberships (not rounded).

    Examples
    --------
    >>> x = [1, 2, 3, 4, 5, 6, 7, 8]
    >>> indirect_calibration(x, [0, 0, .2, .4, .6, .8, 1, 1]).round(2).tolist()
    [0.01, 0.04, 0.13, 0.34, 0.66, 0.87, 0.96, 0.99]
    """
    arr = np.asarray(x, dtype=float)
    y = np.asarray(x_cal, dtype=float)
    if arr.ndim != 1 or y.shape != arr.shape:
        raise QCAError("indirect_calibration: x and x_cal are vectors of the same length")
    if not (np.isfinite(arr).all() and np.isfinite(y).all()):
        raise QCAError("indirect_calibration: missing values in x or x_cal")
    if np.any((y < 0) | (y > 1)):
        raise QCAError("indirect_calibration: x_cal holds memberships in [0, 1]")
    design = np.column_stack([np.ones(len(arr)), arr])
    beta = _logit_irls(design, y, "indirect_calibration")
    return 1 / (1 + np.exp(-(design @ beta)))
