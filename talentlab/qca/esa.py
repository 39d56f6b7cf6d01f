"""Counterfactual checks of the minimisation: contradictory simplifying assumptions (CSA),
simultaneous subset relations (SSR) and the enhanced standard analysis (ESA).

A logical remainder used as a simplifying assumption both for the outcome and for its negation is
a *contradictory simplifying assumption* (Yamasaki & Rihoux 2009; R QCA ``findRows(type = 2)``).
A row sufficient for both the outcome and its negation is a *simultaneous subset relation* (R
``findRows(type = 3)``). The ESA (Schneider & Wagemann 2012, ch. 8; Schneider & Wagemann 2013)
keeps such rows, rows contradicting a necessary condition, and untenable remainders out of the
minimisation; SetMethods 4.0 ``esa`` recodes them as negative (OUT = 0) before ``minimize``.
Here the rows are found and passed to :func:`talentlab.qca.minimize` as ``exclude``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.qca.expressions import QCAError, QCAWarning, compute
from talentlab.qca.minimize import MinimizeResult, minimize
from talentlab.qca.truth_table import TruthTable, all_configurations, truth_table

__all__ = ["ESAResult", "contradictory_simplifying_assumptions", "enhanced_standard_analysis",
           "esa_exclusions", "simultaneous_subset_rows"]


def _configurations(tt: TruthTable) -> pd.DataFrame:
    """Every configuration of ``tt`` as a table indexed by R's row number."""
    configs = all_configurations(tt.noflevels)
    return pd.DataFrame(configs, columns=tt.conditions,
                        index=pd.RangeIndex(1, len(configs) + 1, name="row"))


def _negated_table(tt: TruthTable) -> TruthTable:
    """The truth table of the outcome's negation with the same cut-offs, inclusion cut-offs
    reversed as R ``findRows`` does (``rev(incl.cut)``)."""
    ic1, ic0 = tt.incl_cut
    incl_cut = ic1 if ic0 == 1.0 else (ic0, ic1)
    # tt.data holds the outcome as tt saw it (already negated when tt negates it)
    return truth_table(tt.data, "~" + tt.outcome, conditions=tt.conditions, incl_cut=incl_cut,
                       n_cut=tt.n_cut, pri_cut=tt.pri_cut, warn=False)


def _assumption_rows(tt: TruthTable) -> set[int]:
    """Remainders used as simplifying assumptions by any parsimonious model of ``tt``."""
    result = minimize(tt, include="?")
    return {int(r) for sa in result.simplifying_assumptions.values() for r in sa.index}


def _rows_table(tt: TruthTable, rows) -> pd.DataFrame:
    rows = sorted(rows)
    table = _configurations(tt).loc[rows].copy()
    table["OUT"] = tt.all_rows.loc[rows, "OUT"].to_numpy()
    return table


def contradictory_simplifying_assumptions(tt: TruthTable) -> pd.DataFrame:
    """Remainders used as simplifying assumptions for both the outcome and its negation.

    The parsimonious solutions of ``tt`` and of the truth table of the negated outcome (same
    cut-offs; the inclusion pair reversed) are found with :func:`~talentlab.qca.minimize`; the
    rows in the simplifying assumptions of some model of each are the CSAs (R QCA 3.25
    ``findRows(obj, type = 2)``; Yamasaki & Rihoux 2009).

    Parameters
    ----------
    tt : TruthTable
        Truth table of the outcome.

    Returns
    -------
    DataFrame
        One row per CSA (index: R's row number), the conditions' values and ``OUT``.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 0], "B": [1, 0], "Y": [1, 0]}, index=["c1", "c2"])
    >>> contradictory_simplifying_assumptions(truth_table(d, "Y")).reset_index()
       row  A  B OUT
    0    2  0  1   ?
    1    3  1  0   ?
    """
    both = _assumption_rows(tt) & _assumption_rows(_negated_table(tt))
    return _rows_table(tt, both)


def simultaneous_subset_rows(tt: TruthTable) -> pd.DataFrame:
    """Observed rows coded positive both for the outcome and for its negation (R QCA
    ``findRows(obj, type = 3)``): sufficient for Y and for ~Y at the chosen cut-offs.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "Y": [0.6, 0.8, 0.2, 0.1]})
    >>> simultaneous_subset_rows(truth_table(d, "Y", incl_cut=0.3)).index.tolist()
    [2]
    """
    negated = _negated_table(tt)
    rows = set(tt.all_rows.index[tt.all_rows["OUT"] == "1"].tolist())
    rows &= set(negated.all_rows.index[negated.all_rows["OUT"] == "1"].tolist())
    return _rows_table(tt, {int(r) for r in rows})


def esa_exclusions(
    tt: TruthTable,
    necessary=(),
    untenable=(),
    contradictory_rows=(),
) -> pd.DataFrame:
    """The truth-table rows the enhanced standard analysis keeps out of the minimisation.

    Parameters
    ----------
    tt : TruthTable
        Truth table of the outcome.
    necessary : str or list of str
        Necessary conditions (R ``nec_cond``), e.g. ``"EMP"`` or ``"STOCK+MA"``: every row
        (observed or not) outside the necessary condition is recoded negative, so no solution
        term contradicts it (Schneider & Wagemann 2012, 8.2.1).
    untenable : str or list of str
        Untenable assumptions (R ``untenable_LR``), e.g. ``"BARGAIN*~OCCUP"``: the remainders
        inside them are recoded negative (observed rows keep their output).
    contradictory_rows : list of int
        Row numbers recoded negative whatever they are (R ``contrad_rows``), e.g. the CSAs of
        :func:`contradictory_simplifying_assumptions`.

    Returns
    -------
    DataFrame
        One row per excluded truth-table row (index: R's row number): the conditions, ``OUT``
        before the recoding and ``reason`` (``necessary: EMP``, ``untenable: ...``,
        ``contradictory``; several joined with ``"; "``).

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0], "B": [1, 0, 0], "Y": [1, 0, 0]},
    ...                  index=["c1", "c2", "c3"])
    >>> esa_exclusions(truth_table(d, "Y"), necessary="A").reset_index()
       row  A  B OUT        reason
    0    1  0  0   0  necessary: A
    1    2  0  1   ?  necessary: A
    """
    configs = _configurations(tt)
    remainder = (tt.all_rows["OUT"] == "?").reindex(configs.index).to_numpy()
    reasons: dict[int, list[str]] = {}

    def add(mask: np.ndarray, reason: str) -> None:
        for r in configs.index[mask]:
            reasons.setdefault(int(r), []).append(reason)

    for expression in [necessary] if isinstance(necessary, str) else list(necessary):
        add(compute(expression, configs) < 0.5, f"necessary: {expression}")
    for expression in [untenable] if isinstance(untenable, str) else list(untenable):
        add((compute(expression, configs) > 0.5) & remainder, f"untenable: {expression}")
    total = len(configs)
    for value in contradictory_rows:
        try:
            r = int(value)
        except (TypeError, ValueError) as exc:
            raise QCAError(f"contradictory_rows: {value!r} is not a truth-table row number "
                           f"(不是真值表行号)") from exc
        if not 1 <= r <= total:
            raise QCAError(f"contradictory_rows: row {r} does not exist (rows 1..{total}; "
                           f"真值表没有第 {r} 行)")
        reasons.setdefault(r, []).append("contradictory")
    table = _rows_table(tt, reasons)
    table["reason"] = ["; ".join(reasons[int(r)]) for r in table.index]
    return table


@dataclass
class ESAResult:
    """Result of :func:`enhanced_standard_analysis`: ``excluded`` (rows kept out and why, from
    :func:`esa_exclusions`) and ``result`` (the :class:`MinimizeResult` without them)."""

    excluded: pd.DataFrame
    result: MinimizeResult

    @property
    def solutions(self) -> list[list[str]]:
        return self.result.solutions


def enhanced_standard_analysis(
    tt: TruthTable,
    necessary=(),
    untenable=(),
    contradictory_rows=(),
    include="?",
    directional=None,
    **minimize_args,
) -> ESAResult:
    """Minimise ``tt`` without the untenable, contradictory and necessity-violating rows (ESA).

    The rows of :func:`esa_exclusions` are passed to :func:`~talentlab.qca.minimize` as
    ``exclude`` (coded OUT = 0), which is what SetMethods 4.0 ``esa`` followed by
    ``minimize`` does (Schneider & Wagemann 2012, ch. 8; Oana, Schneider & Thomann 2021, 6.3).

    Parameters
    ----------
    tt : TruthTable
        Truth table of the outcome.
    necessary, untenable, contradictory_rows
        As :func:`esa_exclusions`.
    include, directional, **minimize_args
        Passed to :func:`~talentlab.qca.minimize` (parsimonious by default; give
        ``directional`` for the enhanced intermediate solution).

    Returns
    -------
    ESAResult

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 1], "C": [1, 1, 0, 1],
    ...                   "Y": [1, 1, 0, 1]}, index=["c1", "c2", "c3", "c4"])
    >>> tt = truth_table(d, "Y")
    >>> minimize(tt, include="?").solutions
    [['C']]
    >>> enhanced_standard_analysis(tt, untenable="A*~C").solutions
    [['C']]
    >>> enhanced_standard_analysis(tt, necessary="A").solutions
    [['A']]
    """
    excluded = esa_exclusions(tt, necessary, untenable, contradictory_rows)
    rows = [int(r) for r in excluded.index]
    with warnings.catch_warnings():
        # recoding observed rows outside a necessary condition is the point here; the
        # exclusion table reports each of them
        warnings.filterwarnings("ignore", message="exclude recodes observed", category=QCAWarning)
        result = minimize(tt, include=include, directional=directional, exclude=rows or None,
                          **minimize_args)
    return ESAResult(excluded=excluded, result=result)
