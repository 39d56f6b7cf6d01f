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

Comparisons (:func:`smmr_pairs`): a typical and a deviant-consistency case of the same term,
``best = |X_t - X_d| + (1 - (Y_t - Y_d)) + (1 - X_t) + (1 - X_d)``; a deviant-coverage and an
individually irrelevant case of the same truth-table row,
``best = |W_c - W_i| + (1 - (Y_c - Y_i)) + (1 - W_c) + (1 - W_i)`` with W the membership in that
row (Schneider & Rohlfing 2013, table 3).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.qca.expressions import QCAError, compute
from talentlab.qca.solution import MinimizeResult

__all__ = ["CASE_TYPES", "MAX_CANDIDATE_PAIRS", "NECESSITY_CASE_TYPES", "PAIR_TYPES", "smmr",
           "smmr_necessity", "smmr_pairs"]

#: The single-case types of :func:`smmr` (SetMethods ``cases`` 1, 3, 4, 5).
CASE_TYPES = ("typical", "deviant_consistency", "deviant_coverage", "irrelevant")
#: The single-case types of :func:`smmr_necessity` (SetMethods ``necessity = TRUE``, ``cases``
#: 2 and 3).
NECESSITY_CASE_TYPES = ("deviant_consistency", "deviant_relevance")
#: The comparisons of :func:`smmr_pairs` (SetMethods ``match = TRUE``, ``cases`` 3 and 4).
PAIR_TYPES = ("typical_deviant_consistency", "deviant_coverage_irrelevant")
#: Most candidate pairs scored in one comparison (every case of one type with every case of the
#: other, as R ``expand.grid``): 2 million, about 100 MB of working arrays.
MAX_CANDIDATE_PAIRS = 2_000_000


def _check_candidates(n_first: int, n_second: int) -> None:
    if n_first * n_second > MAX_CANDIDATE_PAIRS:
        raise QCAError(f"smmr_pairs: {n_first} x {n_second} candidate pairs are more than "
                       f"{MAX_CANDIDATE_PAIRS:,} (候选案例对超过上限)")


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


def _typical_deviant_pairs(terms, memb, y, max_pairs) -> pd.DataFrame:
    typical = _typical(terms, memb, y)
    deviant = _deviant_consistency(terms, memb, y)
    parts = []
    for term in terms:
        x = memb[term].to_numpy()
        t_idx = np.flatnonzero((x > 0.5) & (y > 0.5) & (x <= y))
        d_idx = np.flatnonzero((x > 0.5) & (y < 0.5))
        if not len(t_idx) or not len(d_idx):
            continue
        _check_candidates(len(t_idx), len(d_idx))
        # R expand.grid: the typical case varies fastest
        ti, di = np.tile(t_idx, len(d_idx)), np.repeat(d_idx, len(t_idx))
        best = np.abs(x[ti] - x[di]) + (1 - (y[ti] - y[di])) + (1 - x[ti]) + (1 - x[di])
        pairs = pd.DataFrame({"term": term, "typical": memb.index[ti],
                              "deviant": memb.index[di], "best": best})
        pairs = pairs.sort_values("best", kind="stable")
        pairs["best"] = _round3(pairs["best"])
        most_t = typical[(typical["term"] == term) & typical["most"]]["case"]
        most_d = deviant[(deviant["term"] == term) & deviant["most"]]["case"]
        pairs["most_typical"] = pairs["typical"].isin(most_t)
        pairs["most_deviant"] = pairs["deviant"].isin(most_d)
        pairs = pairs.sort_values(["best", "most_typical", "most_deviant"],
                                  ascending=[True, False, False], kind="stable")
        parts.append(pairs.head(max_pairs))
    columns = ["term", "typical", "deviant", "best", "most_typical", "most_deviant"]
    if not parts:
        return pd.DataFrame(columns=columns)
    return pd.concat(parts, ignore_index=True)[columns]


def _coverage_irrelevant_pairs(conditions, data, s, y, max_pairs) -> pd.DataFrame:
    x = data[conditions].to_numpy(dtype=float)
    w = np.where(x <= 0.5, 1 - x, x).min(axis=1)
    corner = np.round(x)  # half to even, as R's round(): 0.5 goes to row value 0
    key = np.array(["".join(str(int(v)) for v in row) for row in corner])
    c_idx = np.flatnonzero((s < 0.5) & (y > 0.5))
    i_idx = np.flatnonzero((s < 0.5) & (y < 0.5))
    _check_candidates(len(c_idx), len(i_idx))
    ci, ii = np.tile(c_idx, len(i_idx)), np.repeat(i_idx, len(c_idx))
    same = key[ci] == key[ii]
    ci, ii = ci[same], ii[same]
    best = np.abs(w[ci] - w[ii]) + (1 - (y[ci] - y[ii])) + (1 - w[ci]) + (1 - w[ii])
    pairs = pd.DataFrame({"deviant_coverage": data.index[ci], "irrelevant": data.index[ii]})
    pairs = pd.concat([pairs, pd.DataFrame(corner[ci].astype(int),
                                           columns=[f"TT_{c}" for c in conditions])], axis=1)
    pairs["tt_below_outcome"] = w[ci] <= y[ci]
    pairs["best"] = best
    pairs["_row"] = key[ci]
    # SetMethods merges by the deviant case's name, orders by row, then within a row puts
    # rows with W <= Y first and the best pairs first
    pairs = pairs.sort_values("deviant_coverage", kind="stable")
    pairs = pairs.sort_values(["_row", "tt_below_outcome", "best"],
                              ascending=[True, False, True], kind="stable")
    pairs = pairs.groupby("_row", sort=True).head(max_pairs)
    pairs["best"] = _round3(pairs["best"])
    return pairs.drop(columns="_row").reset_index(drop=True)


def smmr_pairs(
    result: MinimizeResult,
    pairs: str = "typical_deviant_consistency",
    model: int = 0,
    branch: str | None = None,
    max_pairs: int = 5,
) -> pd.DataFrame:
    """Pairs of cases to compare after a sufficiency solution, as SetMethods ``smmr(match =
    TRUE)`` pairs them.

    Parameters
    ----------
    result : MinimizeResult
        A solution from :func:`~talentlab.qca.minimize`.
    pairs : {"typical_deviant_consistency", "deviant_coverage_irrelevant"}
        Typical with deviant-consistency cases of each term (SetMethods ``cases = 3``), or
        deviant-coverage with individually irrelevant cases of the same truth-table row
        (``cases = 4``).
    model, branch
        As :func:`smmr`.
    max_pairs : int
        Most pairs kept per term or per truth-table row (R ``max_pairs``).

    Raises
    ------
    QCAError
        Beyond :data:`MAX_CANDIDATE_PAIRS` candidate pairs in one comparison.

    Returns
    -------
    DataFrame
        Best pairs first within each term (``term``, ``typical``, ``deviant``, ``best``,
        ``most_typical``, ``most_deviant``) or truth-table row (``deviant_coverage``,
        ``irrelevant``, ``TT_<condition>``, ``tt_below_outcome``, ``best``).

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.9, 0.8, 0.7, 0.2, 0.3], "B": [0.8, 0.9, 0.2, 0.1, 0.6],
    ...                   "Y": [0.95, 0.85, 0.3, 0.2, 0.8]}, index=list("abcde"))
    >>> from talentlab.qca import minimize
    >>> sol = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> smmr_pairs(sol)  # no case is deviant in consistency
    Empty DataFrame
    Columns: [term, typical, deviant, best, most_typical, most_deviant]
    Index: []
    """
    if pairs not in PAIR_TYPES:
        raise QCAError(f"smmr_pairs: pairs must be one of {', '.join(PAIR_TYPES)}, not "
                       f"{pairs!r} (比较类型无效)")
    if int(max_pairs) < 1:
        raise QCAError("smmr_pairs: max_pairs must be at least 1 (max_pairs 至少为 1)")
    terms = _model(result, model, branch)
    tt = result.tt
    data = tt.data
    y = data[tt.outcome].to_numpy(dtype=float)
    memb = pd.DataFrame({t: compute(t, data) for t in terms}, index=data.index)
    if pairs == "typical_deviant_consistency":
        return _typical_deviant_pairs(terms, memb, y, int(max_pairs))
    s = memb.to_numpy().max(axis=1)
    return _coverage_irrelevant_pairs(tt.conditions, data, s, y, int(max_pairs))


def smmr_necessity(
    result,
    necessary: str,
    cases: str = "deviant_consistency",
) -> pd.DataFrame:
    """Cases to study for a necessary condition, ranked as SetMethods ``smmr(necessity = TRUE)``.

    Parameters
    ----------
    result : MinimizeResult or TruthTable
        Gives the cases, conditions and outcome (its truth table's data).
    necessary : str
        The necessary condition as one set, e.g. ``"STOCK"`` or ``"STOCK+MA"`` (a SUIN).
    cases : {"deviant_consistency", "deviant_relevance"}
        Deviant consistency (X < 0.5, Y > 0.5, the case's truth-table row membership > 0.5;
        best = 1 - (Y - X), grouped by truth-table row, rows with membership <= Y first) or
        deviant relevance (X > 0.5, Y < 0.5; best = 1 - (X - Y) + (1 - X)); SetMethods
        ``cases`` 2 and 3.

    Returns
    -------
    DataFrame
        ``case``, ``membership`` (in the necessary condition), then for deviant consistency
        ``TT_<condition>``, ``tt_row``, ``outcome``, ``tt_below_outcome``, ``best``, ``most``
        (best of its row); for deviant relevance ``outcome``, ``best``, ``most``.

    Notes
    -----
    For a SUIN ``"A+B"`` SetMethods lists the cases of the whole disjunction and also of each
    component; here the whole disjunction (call again with ``"A"`` or ``"B"`` for a component;
    SetMethods' flag of cases outside the other components is not computed).

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.9, 0.8, 0.3, 0.6], "Y": [0.8, 0.2, 0.9, 0.1]},
    ...                  index=list("abcd"))
    >>> from talentlab.qca import truth_table
    >>> smmr_necessity(truth_table(d, "Y", incl_cut=0.5), "A", "deviant_relevance")
      case  membership  outcome  best   most
    0    b         0.8      0.2   0.6   True
    1    d         0.6      0.1   0.9  False
    """
    if cases not in NECESSITY_CASE_TYPES:
        raise QCAError(f"smmr_necessity: cases must be one of {', '.join(NECESSITY_CASE_TYPES)}, "
                       f"not {cases!r} (案例类型无效)")
    tt = result.tt if isinstance(result, MinimizeResult) else result
    if not hasattr(tt, "data") or not hasattr(tt, "conditions"):
        raise QCAError("smmr_necessity() needs a solution from minimize() or a truth table "
                       "(需要 minimize() 的解或真值表)")
    data = tt.data
    y = data[tt.outcome].to_numpy(dtype=float)
    x = compute(necessary, data)
    if cases == "deviant_relevance":
        hit = (x > 0.5) & (y < 0.5)
        best = (1 - (x[hit] - y[hit])) + (1 - x[hit])
        table = pd.DataFrame({"case": data.index[hit], "membership": x[hit], "outcome": y[hit],
                              "best": best, "most": best == best.min() if hit.any() else best})
        table["_not_most"] = ~table["most"].astype(bool)
        table = table.sort_values(["best", "_not_most"], kind="stable")
        return table.drop(columns="_not_most").reset_index(drop=True)
    rows = _row_table(tt.conditions, data)
    hit = (x < 0.5) & (y > 0.5) & (rows["tt_row"].to_numpy() > 0.5)
    tt_cols = [f"TT_{c}" for c in tt.conditions]
    table = pd.concat([pd.DataFrame({"case": data.index[hit], "membership": x[hit]}),
                       rows[hit].reset_index(drop=True)], axis=1)
    table["outcome"] = y[hit]
    table["best"] = 1 - (table["outcome"] - table["membership"])
    table["tt_below_outcome"] = table["tt_row"] <= table["outcome"]
    table["most"] = table["best"] == table.groupby(tt_cols)["best"].transform("min")
    table["_below"] = ~table["tt_below_outcome"]
    # SetMethods merges by case name first (sorted), then orders stably
    table = table.sort_values("case", kind="stable")
    table = table.sort_values(tt_cols + ["_below", "best"], kind="stable")
    columns = ["case", "membership", *tt_cols, "tt_row", "outcome", "tt_below_outcome", "best",
               "most"]
    return table[columns].reset_index(drop=True)
