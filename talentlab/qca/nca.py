"""Necessary Condition Analysis (NCA; Dul 2016) with the approximate permutation test of
Dul, van der Laan & Kuik (2020).

NCA asks whether a level of a condition X is *necessary* (but not sufficient) for a level of an
outcome Y: in the XY scatter plot the upper-left corner is empty. A *ceiling line* separates the
empty zone from the observations; its size relative to the scope is the effect size.

Definitions (corner 1, upper left; X and Y increase to the right and upwards):

* **scope** ``S = (x_max - x_min) * (y_max - y_min)``, the empirical scope unless a theoretical
  scope ``(x_low, x_high, y_low, y_high)`` is given (it is widened to contain every observation);
* **peers** (CE-FDH corner points): sort cases by X (ties by Y); a case is a peer when its Y
  exceeds the Y of every case with smaller X (cases with equal X keep only the highest Y);
* **CE-FDH** (ceiling envelopment, free disposal hull): the non-decreasing step function through
  the peers. Its ceiling zone is ``C = sum_i (x_{i+1} - x_min) * (y_{i+1} - y_i)`` over
  consecutive peers (plus the strip between empirical and theoretical scope); accuracy 100 %;
* **CR-FDH** (ceiling regression): the OLS line through the peers, ``y = a + b x``; its ceiling
  zone is the area of the scope above the line; cases above the line lower its accuracy;
* **effect size** ``d = C / S`` (0 <= d <= 1; Dul 2016, p. 30: 0-0.1 small, 0.1-0.3 medium,
  0.3-0.5 large, >= 0.5 very large);
* **accuracy** = percentage of cases on or below the ceiling (tolerance 1e-7, as R);
* **fit** of CR-FDH = ``100 - 100 |C_CR - C_CE| / C_CE`` (percent);
* **bottleneck table**: for Y levels from 0 % to 100 % of its range (``steps``), the level of X
  the ceiling requires; ``NN`` = not necessary (ceiling at or below x_min), ``NA`` = not
  reachable within the scope (above the ceiling at x_max);
* **permutation test** (Dul, van der Laan & Kuik 2020, *Organizational Research Methods* 23(2),
  385-395): Y is permuted against X ``n_permutations`` times (seeded); the p value is
  ``(#{d_perm >= d_obs} + 1) / (R + 1)`` bounded below by ``1 / R``, with its accuracy
  ``z_{(1+conf)/2} sqrt(p (1 - p) / R)``. When ``n! <= n_permutations`` every permutation is
  enumerated and the p value is exact (``#{d_perm >= d_obs} / n!``, accuracy 0).

Follows the R package NCA (Dul & Buijs, version 5.0.1, GPL >= 3): ``p_peers``, ``p_ce_ceiling``,
``p_ceiling``, ``p_above``, ``p_accuracy``, ``p_fit``, ``p_bottleneck*`` and ``p_test``; written
here because no Python library provides NCA. Only corner 1 (the usual upper-left empty zone) is
implemented; for an expected empty lower-right corner analyse the negated variables.
Pure computation on DataFrames (no plotting, no file I/O); see
:func:`talentlab.figures_nca.plot_nca` for the scatter plot with ceiling lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import permutations

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.qca.expressions import QCAError

__all__ = [
    "CEILINGS",
    "NCAResult",
    "bottleneck_table",
    "ceiling_zone_line",
    "ce_fdh",
    "cr_fdh",
    "format_bottleneck",
    "nca",
    "nca_peers",
]

#: Ceiling techniques implemented (R NCA names).
CEILINGS = ("ce_fdh", "cr_fdh")
_ABOVE_TOL = 1e-7  # R p_above
_EPS = 1e-10  # R epsilon (bottleneck look-up)


def _is_equal(a: float, b: float) -> bool:
    """R ``p_is_equal``: relative difference at most 1e-6 of the smaller absolute value."""
    return abs(a - b) <= min(abs(a), abs(b)) / 1e6


#: Scopes named by a word: R NCA's default, the observed range of the data ("observed", also
#: "empirical"), or the theoretical scope of set memberships, [0, 1] x [0, 1] ("theoretical").
SCOPES = ("observed", "empirical", "theoretical")


def _scope(x: np.ndarray, y: np.ndarray, scope=None) -> tuple[np.ndarray, np.ndarray]:
    emp = np.array([x.min(), x.max(), y.min(), y.max()], dtype=float)
    if scope is None or (isinstance(scope, str) and scope in ("observed", "empirical")):
        return emp, emp.copy()
    if isinstance(scope, str):
        if scope != "theoretical":
            raise QCAError(f"scope {scope!r}: use one of {SCOPES} or (x_low, x_high, y_low, "
                           "y_high)")
        scope = (0.0, 1.0, 0.0, 1.0)
    s = np.asarray(scope, dtype=float)
    if s.shape != (4,):
        raise QCAError("scope is (x_low, x_high, y_low, y_high)")
    theo = np.array([
        np.nanmin([emp[0], s[0], s[1]]), np.nanmax([emp[1], s[0], s[1]]),
        np.nanmin([emp[2], s[2], s[3]]), np.nanmax([emp[3], s[2], s[3]]),
    ])
    return emp, theo


def nca_peers(x, y) -> pd.DataFrame:
    """Corner points of the CE-FDH ceiling (R ``p_peers``, corner 1).

    Parameters
    ----------
    x, y : array-like or Series
        Condition and outcome, one value per case (Series keep their case names).

    Returns
    -------
    DataFrame with columns ``x`` and ``y`` (peers by increasing x and y), indexed by case.

    Examples
    --------
    >>> nca_peers([1, 2, 3, 4], [1, 3, 2, 4])
       x  y
    0  1  1
    1  2  3
    3  4  4
    """
    xs = pd.Series(x) if not isinstance(x, pd.Series) else x
    ys = pd.Series(y, index=xs.index) if not isinstance(y, pd.Series) else y
    xv = xs.to_numpy(dtype=float)
    yv = ys.to_numpy(dtype=float)
    names = list(xs.index)
    if len(xv) < 2:
        raise QCAError("NCA needs at least two cases")
    order = np.lexsort((yv, xv))  # by x, then y (R order(x, y))
    peers: list[int] = [int(order[0])]
    for i in order[1:]:
        xc, yc = xv[i], yv[i]
        xp, yp = xv[peers[-1]], yv[peers[-1]]
        x_eq, y_eq = _is_equal(xp, xc), _is_equal(yp, yc)
        if yc > yp or (x_eq and y_eq):
            while x_eq and not y_eq:
                peers.pop()
                if not peers:
                    break
                xp, yp = xv[peers[-1]], yv[peers[-1]]
                x_eq, y_eq = _is_equal(xp, xc), _is_equal(yp, yc)
            peers.append(int(i))
    out = pd.DataFrame({"x": xs.to_numpy()[peers], "y": ys.to_numpy()[peers]},
                       index=[names[i] for i in peers])
    return out


def _scope_ceiling(emp: np.ndarray, theo: np.ndarray) -> float:
    """Empty strip between the empirical and the theoretical scope (R ``p_scope_ceiling``)."""
    if np.array_equal(emp, theo):
        return 0.0
    x1 = emp[0] - theo[0]
    y2 = theo[3] - emp[3]
    left = x1 * (theo[3] - theo[2])
    upper = (theo[1] - theo[0]) * y2
    return float(left + upper - x1 * y2)


def ce_fdh(x, y, scope=None) -> dict:
    """CE-FDH ceiling: peers, step line, ceiling zone and effect size.

    Returns
    -------
    dict with ``peers`` (DataFrame), ``line`` (x and y arrays of the step line from
    ``(x_low, y_low)`` to ``x_high``), ``ceiling_zone``, ``scope_area``, ``effect_size``,
    ``accuracy`` (100), ``above`` (0).

    Examples
    --------
    >>> r = ce_fdh([0, 1, 2], [0, 1, 2])
    >>> r["ceiling_zone"], r["effect_size"]
    (3.0, 0.75)
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    emp, theo = _scope(xv, yv, scope)
    peers = nca_peers(x, y)
    px, py = peers["x"].to_numpy(float), peers["y"].to_numpy(float)
    zone = _scope_ceiling(emp, theo)
    for i in range(len(px) - 1):
        zone += abs((px[i + 1] - emp[0]) * (py[i + 1] - py[i]))
    area = float((theo[1] - theo[0]) * (theo[3] - theo[2]))
    lx, ly, y_old = [], [], theo[2]
    for xi, yi in zip(px, py, strict=True):
        lx += [xi, xi]
        ly += [y_old, yi]
        y_old = yi
    lx.append(theo[1])
    ly.append(y_old)
    return {
        "peers": peers,
        "line": (np.asarray(lx), np.asarray(ly)),
        "ceiling_zone": float(zone),
        "scope_area": area,
        "effect_size": float(zone / area) if area > 0 else np.nan,
        "accuracy": 100.0,
        "above": 0,
    }


def ceiling_zone_line(slope: float, intercept: float, scope) -> float:
    """Area of the scope above the line ``y = intercept + slope * x`` (R ``p_ceiling``, corner 1).

    NaN for a decreasing line (no ceiling in corner 1).

    Examples
    --------
    >>> ceiling_zone_line(0.0, 3.0, (1, 6, 2, 6))
    15.0
    """
    theo = np.asarray(scope, dtype=float)
    if not (np.isfinite(slope) and np.isfinite(intercept)) or slope < 0:
        return float("nan")
    area = (theo[1] - theo[0]) * (theo[3] - theo[2])
    pl = [theo[0], slope * theo[0] + intercept]
    pr = [theo[1], slope * theo[1] + intercept]
    if pl[1] > theo[3] and pr[1] > theo[3]:
        return float("nan")
    if pl[1] < theo[2] and pr[1] < theo[2]:
        return float(area)
    if slope > 0:
        if pl[1] < theo[2]:
            pl = [(theo[2] - intercept) / slope, theo[2]]
        if pr[1] > theo[3]:
            pr = [(theo[3] - intercept) / slope, theo[3]]
        above = 0.5 * (pr[0] - pl[0]) * (pr[1] - pl[1])
        above += (theo[1] - theo[0]) * (theo[3] - pr[1])
        above += (pl[0] - theo[0]) * (theo[3] - theo[2])
        above -= (pl[0] - theo[0]) * (theo[3] - pr[1])
    else:
        above = (theo[1] - theo[0]) * (theo[3] - intercept)
    return float(above)


def cr_fdh(x, y, scope=None, ce_zone: float | None = None) -> dict:
    """CR-FDH ceiling: OLS line through the CE-FDH peers, ceiling zone, effect size, accuracy.

    Returns
    -------
    dict with ``intercept``, ``slope``, ``ceiling_zone``, ``scope_area``, ``effect_size``,
    ``above`` (cases above the line), ``accuracy`` (percent), ``fit`` (percent of the CE-FDH
    zone, NaN when the CR-FDH zone exceeds it) and ``peers``.

    Examples
    --------
    >>> r = cr_fdh([0, 1, 2, 3], [0, 2, 1, 3])
    >>> round(r["slope"], 3), r["above"]
    (0.929, 1)
    """
    xv = np.asarray(x, dtype=float)
    yv = np.asarray(y, dtype=float)
    emp, theo = _scope(xv, yv, scope)
    peers = nca_peers(x, y)
    area = float((theo[1] - theo[0]) * (theo[3] - theo[2]))
    if ce_zone is None:
        ce_zone = ce_fdh(x, y, scope)["ceiling_zone"]
    if len(peers.drop_duplicates()) > 1:
        px, py = peers["x"].to_numpy(float), peers["y"].to_numpy(float)
        slope, intercept = np.polyfit(px, py, 1)
        slope, intercept = float(slope), float(intercept)
        zone = ceiling_zone_line(slope, intercept, theo)
        if slope < 0:
            above = float("nan")
        else:
            above = int(np.sum(yv - (slope * xv + intercept) > _ABOVE_TOL))
    else:
        slope = intercept = float("nan")
        zone, above = 0.0, 0
    n = len(xv)
    accuracy = 100.0 * (n - above) / n if not math.isnan(above) else float("nan")
    if math.isnan(zone) or math.isnan(ce_zone) or ce_zone == 0 or zone > ce_zone:
        fit = float("nan")
    else:
        fit = 100.0 - 100.0 * abs(zone - ce_zone) / ce_zone
    return {
        "intercept": intercept,
        "slope": slope,
        "ceiling_zone": float(zone),
        "scope_area": area,
        "effect_size": float(zone / area) if area > 0 else np.nan,
        "above": above,
        "accuracy": accuracy,
        "fit": fit,
        "peers": peers,
    }


def _effect(ceiling: str, x: np.ndarray, y: np.ndarray, scope) -> float:
    if ceiling == "ce_fdh":
        return ce_fdh(x, y, scope)["effect_size"]
    return cr_fdh(x, y, scope, ce_zone=np.nan)["effect_size"]


def _bottleneck_x(ceiling: str, res: dict, mpy: np.ndarray, theo: np.ndarray) -> np.ndarray:
    if ceiling == "ce_fdh":
        px, py = res["peers"]["x"].to_numpy(float), res["peers"]["y"].to_numpy(float)
        mpx = np.full(len(mpy), np.nan)
        for j, level in enumerate(mpy):
            idx = np.flatnonzero(py > level - _EPS)
            if len(idx):
                mpx[j] = px[idx[0]]
        mpx[mpx < theo[0] + _EPS] = -np.inf
        return mpx
    slope, intercept = res["slope"], res["intercept"]
    if not np.isfinite(slope) or not np.isfinite(intercept):
        return np.full(len(mpy), np.inf)  # single peer: R cutoff 0 -> "NN"
    mpx = (mpy - intercept) / slope
    mpx[mpx < theo[0] + _EPS] = -np.inf
    mpx[mpx > theo[1]] = np.nan
    return mpx


def bottleneck_table(
    data: pd.DataFrame,
    x,
    y: str,
    ceiling: str = "ce_fdh",
    steps: int = 10,
    bottleneck_x: str = "percentage.range",
    bottleneck_y: str = "percentage.range",
    scope=None,
) -> pd.DataFrame:
    """Bottleneck table: the level of each condition required for levels of the outcome.

    Parameters
    ----------
    data : DataFrame
    x : str or list of str
        Conditions.
    y : str
        Outcome.
    ceiling : {"ce_fdh", "cr_fdh"}
    steps : int
        Number of equal steps of the outcome's range (rows = steps + 1).
    bottleneck_x, bottleneck_y : {"percentage.range", "actual"}
        Show levels as percentage of the range (R's default) or in the data's units.
    scope : None, "observed", "theoretical" or 4-tuple (see :func:`nca`)

    Returns
    -------
    DataFrame indexed by the outcome level (``y``), one column per condition: required level,
    ``-inf`` = not necessary (R "NN"), NaN = not reachable within the scope (R "NA"). Use
    :func:`format_bottleneck` for R's printed form.

    Examples
    --------
    >>> d = pd.DataFrame({"X": [0, 1, 2], "Y": [0, 1, 2]})
    >>> bottleneck_table(d, "X", "Y", steps=2)["X"].tolist()
    [-inf, 50.0, 100.0]
    """
    xs = [x] if isinstance(x, str) else list(x)
    for opt in (bottleneck_x, bottleneck_y):
        if opt not in ("percentage.range", "actual"):
            raise QCAError("bottleneck options are 'percentage.range' or 'actual'")
    if ceiling not in CEILINGS:
        raise QCAError(f"ceiling must be one of {CEILINGS}")
    cols = {}
    index = None
    for c in xs:
        xv, yv, _ = _pair(data, c, y)
        emp, theo = _scope(xv, yv, scope)
        probs = np.linspace(0.0, 1.0, int(steps) + 1)
        mpy = theo[2] + probs * (theo[3] - theo[2])
        res = ce_fdh(xv, yv, scope) if ceiling == "ce_fdh" else cr_fdh(xv, yv, scope)
        mpx = _bottleneck_x(ceiling, res, mpy, theo)
        if bottleneck_x == "percentage.range":
            with np.errstate(invalid="ignore"):
                finite = np.isfinite(mpx)
                mpx = np.where(finite, 100.0 * (mpx - theo[0]) / (theo[1] - theo[0]), mpx)
        cols[c] = mpx
        ylev = 100.0 * probs if bottleneck_y == "percentage.range" else mpy
        if index is None:
            index = ylev
    out = pd.DataFrame(cols, index=pd.Index(np.round(index, 10), name=y))
    out.attrs["ceiling"] = ceiling
    return out


def format_bottleneck(table: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """Bottleneck table as R prints it: ``NN`` (not necessary), ``NA`` (not reachable).

    Examples
    --------
    >>> t = pd.DataFrame({"X": [-np.inf, 12.34, np.nan]})
    >>> format_bottleneck(t)["X"].tolist()
    ['NN', '12.3', 'NA']
    """
    def fmt(v):
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return "NA"
        if np.isinf(v):
            return "NN"
        return f"{v:.{digits}f}"

    return table.apply(lambda s: s.map(fmt)).astype(object)


def _pair(data: pd.DataFrame, x: str, y: str) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    for c in (x, y):
        if c not in data.columns:
            raise QCAError(f"column {c!r} is not in the data")
    sub = data[[x, y]]
    try:
        sub = sub.astype(float)
    except (TypeError, ValueError) as exc:
        raise QCAError(f"NCA needs numeric {x!r} and {y!r}: {exc}") from exc
    sub = sub.dropna()
    if len(sub) < 2:
        raise QCAError(f"NCA of {x!r} for {y!r} needs at least two complete cases")
    return sub[x].to_numpy(), sub[y].to_numpy(), sub.index


@dataclass
class NCAResult:
    """Result of :func:`nca`.

    Attributes
    ----------
    summary : DataFrame
        One row per condition and ceiling: ``condition, ceiling, n, scope, x_min, x_max,
        y_min, y_max, ceiling_zone, effect_size, accuracy, fit, slope, intercept, above,
        p_value, p_accuracy, n_permutations, method``.
    bottlenecks : dict of DataFrame
        Bottleneck table per ceiling technique (see :func:`bottleneck_table`).
    peers : dict of DataFrame
        CE-FDH peers per condition.
    lines : dict
        ``lines[(condition, ceiling)]`` = (x, y) points of the ceiling line for plotting.
    permutation_effects : dict
        ``(condition, ceiling)`` -> array of effect sizes under permutation.
    data : DataFrame
        The analysed columns.
    """

    summary: pd.DataFrame
    bottlenecks: dict
    peers: dict
    lines: dict
    x: list
    y: str
    data: pd.DataFrame = field(repr=False)
    permutation_effects: dict = field(default_factory=dict, repr=False)


def _permutation_test(xv, yv, scope, ceilings, n_permutations, seed, observed, p_alpha):
    n = len(yv)
    exact = math.factorial(n) <= n_permutations
    if exact:
        orders = [np.asarray(p) for p in permutations(range(n))]
    else:
        rng = np.random.default_rng(seed)
        orders = [rng.permutation(n) for _ in range(int(n_permutations))]
    out = {}
    for ceiling in ceilings:
        effects = np.array([_effect(ceiling, xv, yv[o], scope) for o in orders])
        effects = effects[~np.isnan(effects)]
        obs = observed[ceiling]
        hits = int(np.sum(effects >= obs - 1e-12))
        reps = len(orders)
        if exact:
            p = hits / reps
            acc = 0.0
        else:
            p = max((hits + 1) / (reps + 1), 1.0 / reps)
            level = 1 - p_alpha  # 0.95 exactly for the default 0.05, as before 0.2.0
            z = stats.norm.ppf(level + 0.5 * (1 - level))
            acc = float(z * math.sqrt(p * (1 - p) / reps))
        out[ceiling] = (float(p), acc, reps, effects, exact)
    return out


def nca(
    data: pd.DataFrame,
    x,
    y: str,
    ceilings=CEILINGS,
    scope=None,
    n_permutations: int = 0,
    seed: int | None = None,
    steps: int = 10,
    bottleneck_x: str = "percentage.range",
    bottleneck_y: str = "percentage.range",
    p_alpha: float = 0.05,
) -> NCAResult:
    """Necessary Condition Analysis of one or more conditions for an outcome.

    Parameters
    ----------
    data : DataFrame
        Cases x variables (numeric; incomplete cases of a pair are dropped, as R does).
    x : str or list of str
        Conditions.
    y : str
        Outcome.
    ceilings : sequence of {"ce_fdh", "cr_fdh"}
    scope : None, "observed", "theoretical" or 4-tuple
        The scope effect sizes are relative to. Default (None or ``"observed"``): the observed
        range of the data, as R NCA reports it by default. ``"theoretical"``: ``[0, 1]`` for both
        variables (set memberships). A tuple ``(x_low, x_high, y_low, y_high)`` gives another
        theoretical scope; it is widened to contain the data.
    n_permutations : int
        Permutations of the approximate permutation test (0 = no test; Dul et al. 2020 use
        10,000). Exact enumeration when ``n!`` does not exceed it.
    seed : int, optional
        Seed of the permutations (reproducible p values).
    steps, bottleneck_x, bottleneck_y
        Bottleneck table layout (see :func:`bottleneck_table`).
    p_alpha : float, default 0.05
        ``p_accuracy`` is the half-width of the interval at level 1 - p_alpha around an
        approximate permutation p value (R NCA's ``test.p_confidence`` is 1 - p_alpha).

    Returns
    -------
    NCAResult

    References
    ----------
    Dul, J. (2016). Necessary Condition Analysis (NCA): Logic and methodology of "necessary but
    not sufficient" causality. *Organizational Research Methods* 19(1), 10-52.
    Dul, J., van der Laan, E., & Kuik, R. (2020). A statistical significance test for Necessary
    Condition Analysis. *Organizational Research Methods* 23(2), 385-395.

    Examples
    --------
    >>> d = pd.DataFrame({"X": [1, 2, 3, 4, 5], "Y": [1, 3, 2, 4, 5]})
    >>> r = nca(d, "X", "Y")
    >>> r.summary[["ceiling", "effect_size", "accuracy"]].round(3).to_dict("list")
    {'ceiling': ['ce_fdh', 'cr_fdh'], 'effect_size': [0.562, 0.438], 'accuracy': [100.0, 80.0]}
    """
    if not isinstance(data, pd.DataFrame):
        raise QCAError("nca() needs a DataFrame")
    xs = [x] if isinstance(x, str) else list(x)
    ceilings = [ceilings] if isinstance(ceilings, str) else list(ceilings)
    bad = [c for c in ceilings if c not in CEILINGS]
    if bad:
        raise QCAError(f"unknown ceiling(s) {bad}; implemented: {list(CEILINGS)}")
    if n_permutations < 0:
        raise QCAError("n_permutations must be >= 0")
    if not 0 < p_alpha < 1:
        raise QCAError(f"p_alpha must lie between 0 and 1 (the p value's interval is at level "
                       f"1 - p_alpha), not {p_alpha!r} / p_alpha 须在 0 与 1 之间")
    rows, peers, lines, perm = [], {}, {}, {}
    for c in xs:
        xv, yv, idx = _pair(data, c, y)
        emp, theo = _scope(xv, yv, scope)
        ce = ce_fdh(pd.Series(xv, index=idx), pd.Series(yv, index=idx), scope)
        peers[c] = ce["peers"]
        results = {"ce_fdh": ce}
        if "cr_fdh" in ceilings:
            results["cr_fdh"] = cr_fdh(xv, yv, scope, ce_zone=ce["ceiling_zone"])
        observed = {k: results[k]["effect_size"] for k in ceilings}
        tests = {}
        if n_permutations:
            tests = _permutation_test(xv, yv, scope, ceilings, n_permutations, seed, observed,
                                      p_alpha)
        for k in ceilings:
            r = results[k]
            p, acc, reps, effects, exact = tests.get(k, (np.nan, np.nan, 0, None, False))
            if effects is not None:
                perm[(c, k)] = effects
            if k == "ce_fdh":
                lines[(c, k)] = r["line"]
            elif np.isfinite(r["slope"]):
                xl = np.array([theo[0], theo[1]])
                lines[(c, k)] = (xl, r["intercept"] + r["slope"] * xl)
            method = f"NCA {k.upper().replace('_', '-')} (Dul 2016)"
            if reps:
                method += ("; exact permutation test" if exact else
                           f"; approximate permutation test, {reps} permutations, seed {seed}")
            rows.append({
                "condition": c, "ceiling": k, "n": len(xv),
                "scope": r["scope_area"], "x_min": theo[0], "x_max": theo[1],
                "y_min": theo[2], "y_max": theo[3],
                "ceiling_zone": r["ceiling_zone"], "effect_size": r["effect_size"],
                "accuracy": r["accuracy"], "fit": r.get("fit", 100.0),
                "slope": r.get("slope", np.nan), "intercept": r.get("intercept", np.nan),
                "above": r["above"], "p_value": p, "p_accuracy": acc,
                "n_permutations": reps, "method": method,
            })
    summary = pd.DataFrame(rows)
    bottlenecks = {
        k: bottleneck_table(data, xs, y, k, steps, bottleneck_x, bottleneck_y, scope)
        for k in ceilings
    }
    return NCAResult(summary=summary, bottlenecks=bottlenecks, peers=peers, lines=lines,
                     x=xs, y=y, data=data[xs + [y]], permutation_effects=perm)
