"""Set-theoretic multi-method research: which cases to study after a QCA (single-case selection
for a sufficient solution).

Case types and their ranking formulas are Schneider & Rohlfing's (2013, "Combining QCA and
process tracing in set-theoretic multi-method research", Sociological Methods & Research 42:
559-597; 2016, SMR 45: 526-568) as coded in SetMethods 4.0 ``smmr(match = FALSE, cases = 1, 3, 4,
5)`` (Oana, Schneider & Thomann 2021, ch. 7). ``best``: lower is a better case to study.

- typical (per term): X > 0.5, Y > 0.5, X <= Y; best = 2(Y - X) + (1 - X); a case typical for
  one term only is uniquely covered and listed first.
- deviant consistency (per term): X > 0.5, Y < 0.5; best = 1 - (X - Y) + (1 - X), rounded to 3
  decimals as SetMethods.
- deviant coverage (solution): S < 0.5, Y > 0.5; grouped by truth-table row; best = 1 - the
  case's membership in its row; rows whose membership is <= Y first.
- individually irrelevant (solution): S < 0.5, Y < 0.5; grouped by truth-table row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.qca.expressions import QCAError, compute
from talentlab.qca.minimize import MinimizeResult

__all__ = ["CASE_TYPES", "smmr"]

#: The single-case types of :func:`smmr` (SetMethods ``cases`` 1, 3, 4, 5).
CASE_TYPES = ("typical", "deviant_consistency", "deviant_coverage", "irrelevant")


def _model(result: MinimizeResult, model: int, branch: str | None) -> list[str]:
    if not isinstance(result, MinimizeResult):
        raise QCAError("smmr() needs a solution from minimize() (需要 minimize() 的解)")
    sol = result.solution if branch is None else result.branches[branch].solution
    if not 0 <= model < len(sol.solutions):
        raise QCAError(f"smmr: model {model} does not exist (the solution has "
                       f"{len(sol.solutions)} models; 解中没有第 {model} 个模型)")
    return list(sol.solutions[model])


def _round3(v) -> np.ndarray:
    return np.round(np.asarray(v, dtype=float), 3)


def _typical(terms, memb: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    parts = []
    for term in terms:
        x = memb[term].to_numpy()
        hit = (x > 0.5) & (y > 0.5) & (x <= y)
        best = 2 * (y[hit] - x[hit]) + (1 - x[hit])
        parts.append(pd.DataFrame({"case": memb.index[hit], "term": term,
                                   "membership": x[hit], "outcome": y[hit], "best": best,
                                   "most": best == best.min() if hit.any() else best}))
    table = pd.concat(parts, ignore_index=True)
    times = table["case"].value_counts()
    table["unique_coverage"] = table["case"].map(times).eq(1).to_numpy()
    return table


def _deviant_consistency(terms, memb: pd.DataFrame, y: np.ndarray) -> pd.DataFrame:
    parts = []
    for term in terms:
        x = memb[term].to_numpy()
        hit = (x > 0.5) & (y < 0.5)
        best = 1 - (x[hit] - y[hit]) + (1 - x[hit])
        parts.append(pd.DataFrame({"case": memb.index[hit], "term": term,
                                   "membership": _round3(x[hit]), "outcome": _round3(y[hit]),
                                   "best": _round3(best),
                                   "most": best == best.min() if hit.any() else best}))
    return pd.concat(parts, ignore_index=True)


def _row_table(conditions, data: pd.DataFrame) -> pd.DataFrame:
    """Each case's truth-table row (0/1; 0.5 stays 0.5 as in SetMethods) and its membership in
    that row (min over conditions of x or 1 - x), rounded to 3 decimals."""
    x = data[conditions].to_numpy(dtype=float)
    corner = np.where(x < 0.5, 0.0, np.where(x > 0.5, 1.0, 0.5))
    table = pd.DataFrame(corner, columns=[f"TT_{c}" for c in conditions], index=data.index)
    table["tt_row"] = _round3(np.where(x < 0.5, 1 - x, x).min(axis=1))
    return table


def _by_row(conditions, data, s, y, hit) -> pd.DataFrame:
    rows = _row_table(conditions, data)[hit]
    table = pd.DataFrame({"case": data.index[hit], "term": "solution",
                          "membership": _round3(s[hit])})
    table = pd.concat([table, rows.reset_index(drop=True)], axis=1)
    table["outcome"] = y[hit]
    # SetMethods merges by case name first (sorted), then orders stably by the row values
    return table.sort_values("case", kind="stable").reset_index(drop=True)


def smmr(
    result: MinimizeResult,
    cases: str = "typical",
    model: int = 0,
    branch: str | None = None,
) -> pd.DataFrame:
    """Cases to study after a sufficiency solution, ranked as SetMethods ``smmr`` ranks them.

    Parameters
    ----------
    result : MinimizeResult
        A solution from :func:`~talentlab.qca.minimize`.
    cases : {"typical", "deviant_consistency", "deviant_coverage", "irrelevant"}
        The case type (SetMethods ``cases`` 1, 3, 4, 5 with ``match = FALSE``).
    model : int
        Which model (0 = the first; R ``sol = 1``).
    branch : str, optional
        For an intermediate solution, the branch (default: the first, ``C1P1``, as R).

    Returns
    -------
    DataFrame
        One row per case (and term for the first two types), in SetMethods' order within each
        term or truth-table row: ``case``, ``term`` (``"solution"`` for the last two types),
        ``membership`` (in the term or solution), ``outcome``; typical: ``unique_coverage``,
        ``best``, ``most``; deviant consistency: ``best``, ``most``; deviant coverage and
        irrelevant: ``TT_<condition>`` (the case's truth-table row), ``tt_row`` (membership in
        it); deviant coverage also ``tt_below_outcome``, ``best``, ``most`` (best of its row).

    Notes
    -----
    Terms are listed in the model's order; SetMethods sorts them by name in R's locale.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.9, 0.8, 0.7, 0.2, 0.3], "B": [0.8, 0.9, 0.2, 0.1, 0.6],
    ...                   "Y": [0.95, 0.85, 0.3, 0.2, 0.8]}, index=list("abcde"))
    >>> from talentlab.qca import minimize
    >>> sol = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> sol.solutions
    [['B']]
    >>> smmr(sol, "typical")[["case", "term", "best", "most"]].round(2)
      case term  best   most
    0    a    B   0.5   True
    1    e    B   0.8  False
    >>> smmr(sol, "irrelevant")
      case      term  membership  TT_A  TT_B  tt_row  outcome
    0    d  solution         0.1   0.0   0.0     0.8      0.2
    1    c  solution         0.2   1.0   0.0     0.7      0.3
    """
    if cases not in CASE_TYPES:
        raise QCAError(f"smmr: cases must be one of {', '.join(CASE_TYPES)}, not {cases!r} "
                       f"(案例类型无效)")
    terms = _model(result, model, branch)
    tt = result.tt
    data = tt.data
    y = data[tt.outcome].to_numpy(dtype=float)
    memb = pd.DataFrame({t: compute(t, data) for t in terms}, index=data.index)
    s = memb.to_numpy().max(axis=1)
    order = {t: i for i, t in enumerate(terms)}
    if cases == "typical":
        table = _typical(terms, memb, y)
        table["_t"] = table["term"].map(order)
        table["_u"] = ~table["unique_coverage"]
        table = table.sort_values(["_t", "_u", "best", "membership"], kind="stable")
        columns = ["case", "term", "membership", "outcome", "unique_coverage", "best", "most"]
        return table[columns].reset_index(drop=True)
    if cases == "deviant_consistency":
        table = _deviant_consistency(terms, memb, y)
        table["_t"] = table["term"].map(order)
        table = table.sort_values(["_t", "best", "membership"], kind="stable")
        return table[["case", "term", "membership", "outcome", "best", "most"]] \
            .reset_index(drop=True)
    tt_cols = [f"TT_{c}" for c in tt.conditions]
    if cases == "deviant_coverage":
        table = _by_row(tt.conditions, data, s, y, (s < 0.5) & (y > 0.5))
        table["best"] = _round3(1 - table["tt_row"])
        table["tt_below_outcome"] = table["tt_row"] <= table["outcome"]
        table["most"] = table["best"] == table.groupby(tt_cols)["best"].transform("min")
        table["_below"] = ~table["tt_below_outcome"]
        table = table.sort_values(tt_cols + ["_below", "best"], kind="stable")
        columns = ["case", "term", "membership", *tt_cols, "tt_row", "outcome",
                   "tt_below_outcome", "best", "most"]
        return table[columns].reset_index(drop=True)
    table = _by_row(tt.conditions, data, s, y, (s < 0.5) & (y < 0.5))
    table = table.sort_values(tt_cols, kind="stable")
    return table[["case", "term", "membership", *tt_cols, "tt_row", "outcome"]] \
        .reset_index(drop=True)
