"""Tidy data of an XY plot: the cases' memberships in a condition (or expression) and the outcome,
the quadrant each case falls in, and the parameters of fit SetMethods 4.0 ``xy.plot`` prints above
the plot. Drawing is :func:`talentlab.report.figures_xy.xy_plot`'s job (qca does not plot).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.qca.expressions import QCAError, compute, split_outcome

__all__ = ["XYData", "xy_data"]


@dataclass
class XYData:
    """Result of :func:`xy_data`.

    ``points``: one row per case (index: case names) with ``x``, ``y`` and ``quadrant``.
    ``fit``: the parameters (sufficiency: ``inclS``, ``covS``, ``PRI``, ``inclH``; necessity:
    ``inclN``, ``covN``, ``RoN``). ``label``: the fit line exactly as SetMethods writes it
    (``"Cons.Suf: 0.737; Cov.Suf: 0.641; PRI: 0.611"``).
    """

    x: str
    y: str
    necessity: bool
    points: pd.DataFrame
    fit: dict
    label: str


def _quadrants(x: np.ndarray, y: np.ndarray, necessity: bool) -> np.ndarray:
    """Schneider & Rohlfing's (2013, 2016) case types by the 0.5 crossovers and the diagonal."""
    hi_x, lo_x, hi_y, lo_y = x > 0.5, x < 0.5, y > 0.5, y < 0.5
    out = np.full(len(x), "", dtype=object)
    consistent = x >= y if necessity else x <= y
    out[hi_x & hi_y & consistent] = "typical"
    out[hi_x & hi_y & ~consistent] = "deviant consistency in degree"
    if necessity:
        out[lo_x & hi_y] = "deviant consistency in kind"
        out[hi_x & lo_y] = "deviant relevance"
    else:
        out[hi_x & lo_y] = "deviant consistency in kind"
        out[lo_x & hi_y] = "deviant coverage"
    out[lo_x & lo_y] = "individually irrelevant"
    return out


def xy_data(
    data: pd.DataFrame,
    x: str,
    y: str,
    necessity: bool = False,
    cons_h: bool = False,
) -> XYData:
    """Memberships, case types and fit of ``x`` as sufficient (or necessary) for ``y``.

    Parameters
    ----------
    data : DataFrame
        Cases (index = case names) by calibrated sets.
    x : str
        A condition or expression (``"~EMP"``, ``"A*~B + C"``).
    y : str
        The outcome; ``"~Y"`` for its negation.
    necessity : bool
        Read ``x`` as necessary for ``y`` (default: sufficient).
    cons_h : bool
        Add Haesebrouck's consistency to the label (SetMethods ``consH = TRUE``).

    Returns
    -------
    XYData

    Notes
    -----
    Sufficiency: inclS = sum(min(X, Y)) / sum(X), covS = sum(min(X, Y)) / sum(Y),
    PRI = (sum(min(X, Y)) - sum(min(X, Y, ~Y))) / (sum(X) - sum(min(X, Y, ~Y))),
    inclH = sum(min(X, Y)) / sum(min(X, Y) + sqrt(max(X - Y, 0) * X)) (Haesebrouck 2015).
    Necessity: inclN = sum(min(X, Y)) / sum(Y), covN = sum(min(X, Y)) / sum(X),
    RoN = sum(1 - X) / sum(1 - min(X, Y)) (Schneider & Wagemann 2012). As SetMethods 4.0
    ``xy.plot``.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.2, 0.8, 0.9, 0.6], "Y": [0.3, 0.9, 0.6, 0.2]},
    ...                  index=list("abcd"))
    >>> xy = xy_data(d, "A", "Y")
    >>> xy.label
    'Cons.Suf: 0.720; Cov.Suf: 0.900; PRI: 0.562'
    >>> xy.points["quadrant"].tolist()
    ['individually irrelevant', 'typical', 'deviant consistency in degree', 'deviant consistency in kind']
    """
    name, negated = split_outcome(y)
    if name not in data.columns:
        raise QCAError(f"xy_data: outcome {name!r} not in the data (数据中没有结果变量 {name!r})")
    ys = data[name].to_numpy(dtype=float)
    ys = 1.0 - ys if negated else ys
    xs = compute(x, data)
    both = np.minimum(xs, ys)
    with np.errstate(invalid="ignore", divide="ignore"):
        if necessity:
            fit = {"inclN": both.sum() / ys.sum(), "covN": both.sum() / xs.sum(),
                   "RoN": (1 - xs).sum() / (1 - both).sum()}
            label = "Cons.Nec: {inclN:.3f}; Cov.Nec: {covN:.3f}; RoN: {RoN:.3f}".format(**fit)
        else:
            overlap = np.minimum(both, 1 - ys).sum()
            fit = {"inclS": both.sum() / xs.sum(), "covS": both.sum() / ys.sum(),
                   "PRI": (both.sum() - overlap) / (xs.sum() - overlap),
                   "inclH": both.sum() / (both + np.sqrt(np.maximum(xs - ys, 0) * xs)).sum()}
            label = "Cons.Suf: {inclS:.3f}; Cov.Suf: {covS:.3f}; PRI: {PRI:.3f}".format(**fit)
            if cons_h:
                label += "; Cons.Suf(H): {inclH:.3f}".format(**fit)
    fit = {k: float(v) for k, v in fit.items()}
    points = pd.DataFrame({"x": xs, "y": ys, "quadrant": _quadrants(xs, ys, necessity)},
                          index=data.index)
    return XYData(x=x, y=y, necessity=necessity, points=points, fit=fit, label=label)
