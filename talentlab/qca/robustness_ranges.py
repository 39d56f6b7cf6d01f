"""Ranges of the truth-table cut-offs and calibration anchors that keep the solution
(SetMethods 4.0 ``rob.inclrange``, ``rob.ncutrange``, ``rob.calibrange``; Oana & Schneider 2024).

Each function moves one parameter away from the value of the initial analysis in steps of
``step``, minimises again at every step and stops at the first step where the first model of
the solution (model M1 of the conservative or parsimonious solution, of branch C1P1 for the
intermediate one; compared as a set of terms, as SetMethods does) differs from the initial one,
where no solution exists any more, or where the parameter leaves its scale. The bound reported is
the last value tested before the stop. When ``max_runs`` steps never change the solution, the
bound is missing (NaN), as in SetMethods ("no limit found within the runs").

The stepping and stopping rules are SetMethods' own, operation for operation, so the bounds are
the same floating-point numbers (tests/reference/setmethods: its man-page examples and 40 random
data sets). Two consequences a reader should know: the inclusion cut-off is never tested at 1
itself (the upward search stops before it), and a change found exactly at the last allowed run is
reported as "no limit found" (NaN). One deliberate difference: where a step leaves no solution
(no sufficient configuration, or every configuration sufficient so that the solution is a
tautology), the search stops there with ``"no solution"``; SetMethods does the same in most of
its searches but its downward inclusion search and the recalibrations have no ``try()``, so R
stops the whole function with an error instead.

Bounded: ``max_runs`` is at most :data:`MAX_RANGE_RUNS`, so one range costs at most
``2 * max_runs`` minimisations (``6 * max_runs`` for the three anchors of a calibration).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.qca.calibrate import calibrate, parse_thresholds
from talentlab.qca.expressions import QCAError, QCAWarning
from talentlab.qca.minimize import MinimizeResult, minimize

__all__ = ["MAX_RANGE_RUNS", "calibration_range", "first_model", "frequency_cut_range",
           "inclusion_cut_range"]

#: Most steps in one direction of a range search (each step is one minimisation).
MAX_RANGE_RUNS = 200

_COLUMNS = ["parameter", "value", "lower", "upper", "lower_stop", "upper_stop", "step",
            "max_runs", "minimisations", "solution", "model"]


def first_model(result: MinimizeResult) -> frozenset[str]:
    """The terms of the model SetMethods compares: M1 of the solution (C1P1 when intermediate)."""
    return frozenset(result.solution.solutions[0]) if result.solution.models else frozenset()


def _solution_kind(include, directional) -> str:
    if directional is not None:
        return "intermediate"
    return "parsimonious" if include is not None and "?" in str(include) else "conservative"


def _check(step: float, max_runs: int, what: str) -> None:
    if not (isinstance(step, int | float) and math.isfinite(step) and step > 0):
        raise QCAError(f"{what}: step must be a positive number, not {step!r} / 步长须为正数")
    if not isinstance(max_runs, int | np.integer) or not 1 <= max_runs <= MAX_RANGE_RUNS:
        raise QCAError(f"{what}: max_runs must be an integer from 1 to {MAX_RANGE_RUNS} (limit "
                       f"MAX_RANGE_RUNS), not {max_runs!r} / max_runs 须为 1 至 "
                       f"{MAX_RANGE_RUNS} 的整数")


class _Solver:
    """Minimise with fixed arguments and one varying; count the minimisations."""

    def __init__(self, data, outcome, conditions, include, directional, kwargs):
        self.args = dict(outcome=outcome, conditions=conditions, include=include,
                         directional=directional, **kwargs)
        self.data = data
        self.calls = 0

    def model(self, data=None, **changed) -> frozenset[str] | None:
        """The first model, or None when no solution exists (R: ``try-error``)."""
        self.calls += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QCAWarning)  # SetMethods: suppressWarnings
            try:
                return first_model(minimize(self.data if data is None else data,
                                            **{**self.args, **changed}))
            except QCAError:
                return None


def _row(parameter, value, lower, upper, stops, step, max_runs, solver, initial, kind):
    return {"parameter": parameter, "value": value, "lower": float(lower), "upper": float(upper),
            "lower_stop": stops[0], "upper_stop": stops[1], "step": step,
            "max_runs": int(max_runs), "minimisations": solver.calls, "solution": kind,
            "model": " + ".join(sorted(initial))}


def _initial(solver: _Solver, data=None, **changed) -> frozenset[str]:
    """The initial model; an analysis without a solution raises its own error."""
    solver.calls += 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QCAWarning)
        return first_model(minimize(solver.data if data is None else data,
                                    **{**solver.args, **changed}))


def inclusion_cut_range(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    incl_cut: float = 1.0,
    n_cut: int = 1,
    include=None,
    directional=None,
    step: float = 0.1,
    max_runs: int = 20,
    **kwargs,
) -> pd.DataFrame:
    """Range of the inclusion (consistency) cut-off within which the solution stays the same.

    SetMethods ``rob.inclrange`` (Oana & Schneider 2024): the cut-off is lowered, then raised,
    by ``step`` until the first model of the solution changes.

    Parameters
    ----------
    data : DataFrame
        Calibrated sets (cases x sets).
    outcome, conditions, incl_cut, n_cut
        The initial analysis (:func:`talentlab.qca.truth_table`).
    include, directional
        The solution examined, as in :func:`talentlab.qca.minimize`: conservative
        (``include=None``), parsimonious (``include="?"``) or intermediate (``include="?"``
        and ``directional``).
    step : float
        Change per run (SetMethods default 0.1).
    max_runs : int
        Runs in each direction (at most :data:`MAX_RANGE_RUNS`); without a change within them
        the bound is NaN.
    **kwargs
        Further arguments of :func:`talentlab.qca.minimize` / ``truth_table`` (``pri_cut``...).

    Returns
    -------
    DataFrame
        One row: ``parameter`` ("incl_cut"), ``value`` (the initial cut-off), ``lower``,
        ``upper``, why each search stopped (``lower_stop``, ``upper_stop``: "solution changed",
        "no solution", "end of scale", "no limit within max_runs"), ``step``, ``max_runs``,
        ``minimisations`` made, ``solution`` (its kind) and ``model`` (the initial model).

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 1, 0, 0, 0], "B": [1, 0, 0, 1, 1, 0],
    ...                   "Y": [1, 1, 0, 1, 0, 0]})
    >>> r = inclusion_cut_range(d, "Y", ["A", "B"], incl_cut=0.6, step=0.1, max_runs=5)
    >>> r[["model", "lower", "upper", "lower_stop"]].round(2).to_dict("records")
    [{'model': 'A*B', 'lower': 0.6, 'upper': 1.0, 'lower_stop': 'solution changed'}]
    """
    _check(step, max_runs, "inclusion_cut_range")
    solver = _Solver(data, outcome, conditions, include, directional, {"n_cut": n_cut, **kwargs})
    initial = _initial(solver, incl_cut=incl_cut)
    stops = ["solution changed", "solution changed"]
    # lower: SetMethods rob.inclrange, first loop (no stop on an error: lowering the cut-off
    # only adds sufficient rows, but a missing solution is treated as a change here)
    low, model = incl_cut, initial
    while model == initial:
        low = low - step
        if low <= 0:
            stops[0] = "end of scale"
            break
        model = solver.model(incl_cut=low)
        if model is None:
            stops[0] = "no solution"
            break
        if (incl_cut - low) >= (max_runs * step):
            low, stops[0] = math.nan, "no limit within max_runs"
            break
        if low <= 0:  # pragma: no cover - kept from SetMethods; caught above
            break
    high, model = incl_cut, initial
    while model == initial:
        high = high + step
        if high >= 1:
            stops[1] = "end of scale"
            break
        model = solver.model(incl_cut=high)
        if model is None:
            stops[1] = "no solution"
            break
        if (high - incl_cut) >= (max_runs * step):
            high, stops[1] = math.nan, "no limit within max_runs"
            break
    return pd.DataFrame([_row("incl_cut", float(incl_cut), low + step, high - step, stops, step,
                              max_runs, solver, initial, _solution_kind(include, directional))],
                        columns=_COLUMNS)


def frequency_cut_range(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    incl_cut: float = 1.0,
    n_cut: int = 1,
    include=None,
    directional=None,
    step: int = 1,
    max_runs: int = 20,
    **kwargs,
) -> pd.DataFrame:
    """Range of the frequency cut-off (``n_cut``) within which the solution stays the same.

    SetMethods ``rob.ncutrange`` (Oana & Schneider 2024). Arguments and result as
    :func:`inclusion_cut_range`, with ``parameter`` "n_cut"; the downward search stops below 1
    ("end of scale"), the upward one when no configuration reaches the cut-off ("no
    solution").

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 1, 0, 0, 0], "B": [1, 1, 0, 1, 1, 0],
    ...                   "Y": [1, 1, 1, 0, 0, 0]})
    >>> r = frequency_cut_range(d, "Y", ["A", "B"], incl_cut=1, n_cut=1, max_runs=5)
    >>> r[["value", "lower", "upper", "upper_stop"]].to_dict("records")
    [{'value': 1.0, 'lower': 1.0, 'upper': 1.0, 'upper_stop': 'solution changed'}]
    """
    _check(step, max_runs, "frequency_cut_range")
    solver = _Solver(data, outcome, conditions, include, directional,
                     {"incl_cut": incl_cut, **kwargs})
    initial = _initial(solver, n_cut=n_cut)
    stops = ["solution changed", "solution changed"]
    low, model = n_cut, initial
    while model == initial:
        low = low - step
        if low < 1:
            stops[0] = "end of scale"
            break
        model = solver.model(n_cut=low)
        if model is None:
            stops[0] = "no solution"
            break
        if (n_cut - low) >= max_runs * step:
            low, stops[0] = math.nan, "no limit within max_runs"
            break
    high, model = n_cut, initial
    while model == initial:
        high = high + step
        model = solver.model(n_cut=high)
        if model is None:
            stops[1] = "no solution"
            break
        if (high - n_cut) >= max_runs * step:
            high, stops[1] = math.nan, "no limit within max_runs"
            break
    return pd.DataFrame([_row("n_cut", float(n_cut), low + step, high - step, stops, step,
                              max_runs, solver, initial, _solution_kind(include, directional))],
                        columns=_COLUMNS)


def calibration_range(
    data: pd.DataFrame,
    raw,
    condition: str,
    anchors,
    outcome: str,
    conditions: Sequence[str] | None = None,
    incl_cut: float = 1.0,
    n_cut: int = 1,
    include=None,
    directional=None,
    crisp: bool = False,
    step: float = 1.0,
    max_runs: int = 20,
    **kwargs,
) -> pd.DataFrame:
    """Ranges of a condition's calibration anchors within which the solution stays the same.

    SetMethods ``rob.calibrange`` (Oana & Schneider 2024): the condition is calibrated from its
    raw values with the anchors (direct method, logistic, as :func:`talentlab.qca.calibrate`;
    SetMethods recalibrates the initial analysis too), and each anchor in turn is raised, then
    lowered, by ``step`` until the first model of the solution changes. The crossover's
    searches also stop at the smallest and largest raw value.

    Parameters
    ----------
    data : DataFrame
        Calibrated sets; the column ``condition`` is replaced by the recalibrated one.
    raw : array-like or Series
        Raw values of the condition, one per row of ``data`` (a Series is aligned on the index).
    condition : str
    anchors : str or sequence
        Full exclusion, crossover and full inclusion ``(e, c, i)`` (``"e=400, c=550, i=900"``);
        with ``crisp=True`` one cut point.
    outcome, conditions, incl_cut, n_cut, include, directional, step, max_runs, **kwargs
        As :func:`inclusion_cut_range` (SetMethods' default step here is 1).

    Returns
    -------
    DataFrame
        One row per anchor (``parameter`` "exclusion", "crossover", "inclusion"; or "cut" when
        crisp), columns as :func:`inclusion_cut_range`.

    Examples
    --------
    >>> raw = pd.Series([1.0, 2, 3, 4, 6, 7, 8, 9])
    >>> d = pd.DataFrame({"A": 0.0, "B": [0, 1, 0, 1, 0, 1, 0, 1],
    ...                   "Y": [0, 0, 0, 1, 0, 1, 1, 1.0]})
    >>> r = calibration_range(d, raw, "A", [2, 5, 8], "Y", ["A", "B"], incl_cut=0.8,
    ...                       include="?", max_runs=4)
    >>> r[["parameter", "lower", "upper"]].values.tolist()
    [['exclusion', nan, 4.0], ['crossover', 3.0, 7.0], ['inclusion', 5.0, nan]]
    """
    _check(step, max_runs, "calibration_range")
    if condition not in data.columns:
        raise QCAError(f"calibration_range: {condition!r} is not a column of the data")
    if isinstance(raw, pd.Series):
        if not raw.index.equals(data.index):
            raw = raw.reindex(data.index)
        raw = raw.to_numpy(dtype=float)
    raw = np.asarray(raw, dtype=float)
    if raw.shape != (len(data),):
        raise QCAError(f"calibration_range: {len(raw)} raw values for {len(data)} cases")
    if not np.isfinite(raw).all():
        raise QCAError(f"calibration_range: the raw values of {condition!r} have missing or "
                       "infinite values / 原始值有缺失")
    values, names = parse_thresholds(anchors)
    if crisp:
        if len(values) != 1:
            raise QCAError("calibration_range: crisp calibration takes one cut point")
    else:
        if len(values) != 3:
            raise QCAError("calibration_range: give three anchors e, c, i")
        if names is not None:
            lookup = dict(zip(names, values, strict=True))
            if sorted(lookup) != ["c", "e", "i"]:
                raise QCAError(f"calibration_range: anchor names are e, c, i, not {names}")
            values = [lookup["e"], lookup["c"], lookup["i"]]
    values = [float(v) for v in values]
    solver = _Solver(data, outcome, conditions, include, directional,
                     {"incl_cut": incl_cut, "n_cut": n_cut, **kwargs})

    def recalibrated(th) -> pd.DataFrame | None:
        with np.errstate(all="ignore"):
            try:
                m = calibrate(raw, th, method="crisp" if crisp else "direct")
            except QCAError:  # a crisp cut outside the data (SetMethods: an R error)
                return None
        if not np.isfinite(np.asarray(m, dtype=float)).all():
            return None  # coinciding anchors (division by zero): no calibration
        return data.assign(**{condition: np.asarray(m, dtype=float)})

    start = recalibrated(values)
    if start is None:
        raise QCAError(f"calibration_range: anchors {values} do not calibrate {condition!r}")
    initial = _initial(solver, data=start)
    lo_raw, hi_raw = float(raw.min()), float(raw.max())
    kind = _solution_kind(include, directional)
    rows = []
    targets = [(0, "cut", True)] if crisp else [(0, "exclusion", False), (1, "crossover", True),
                                                (2, "inclusion", False)]
    for pos, label, data_bounded in targets:
        solver.calls = 0
        found = {}
        for direction in (+1, -1):
            th = list(values)
            model, stop = initial, "solution changed"
            while model == initial:
                th[pos] = th[pos] + step if direction > 0 else th[pos] - step
                c_data = recalibrated(th)
                model = None if c_data is None else solver.model(data=c_data)
                if model is None:
                    stop = "no solution"
                    break
                moved = th[pos] - values[pos] if direction > 0 else values[pos] - th[pos]
                if moved >= max_runs * step:
                    th[pos], stop = math.nan, "no limit within max_runs"
                    break
                if data_bounded and (th[pos] >= hi_raw if direction > 0 else th[pos] <= lo_raw):
                    stop = "end of the data" if model == initial else stop
                    break
            found[direction] = (th[pos] - step if direction > 0 else th[pos] + step, stop)
        rows.append(_row(label, values[pos], found[-1][0], found[+1][0],
                         (found[-1][1], found[+1][1]), step, max_runs, solver, initial, kind))
    return pd.DataFrame(rows, columns=_COLUMNS)
