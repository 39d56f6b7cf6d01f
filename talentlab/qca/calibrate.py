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

__all__ = ["calibrate", "parse_thresholds"]


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
    method : {"direct", "crisp"}
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
        raise QCAError(f"unknown calibration method {method!r} (use 'direct' or 'crisp')")
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
