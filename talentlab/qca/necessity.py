"""Analysis of necessary conditions (R QCA ``pof(relation = "necessity")`` and
``superSubset()``, version 3.25.1).

Necessity inclusion ``inclN = sum(min(X,Y)) / sum(Y)``, relevance of necessity
``RoN = sum(1-X) / sum(1-min(X,Y))`` (Schneider & Wagemann 2012, ch. 9) and coverage
``covN = sum(min(X,Y)) / sum(X)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, product

import numpy as np
import pandas as pd

from talentlab.qca.boolean import literal_membership
from talentlab.qca.expressions import TOLERANCE, QCAError, compute, write_literal
from talentlab.qca.fit import necessity_parameters
from talentlab.qca.truth_table import outcome_membership, prepare_data

__all__ = ["necessity", "superset_subset"]


def necessity(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    negations: bool = True,
    expressions: Sequence[str] | None = None,
    incl_cut: float | None = None,
) -> pd.DataFrame:
    """Necessity parameters of each condition, its negation and optional expressions.

    Parameters
    ----------
    data : DataFrame
        Cases x calibrated sets (binary crisp or fuzzy; multi-value conditions give one row per
        level ``C[v]``).
    outcome : str
        Outcome column; ``"~Y"`` tests necessity for the negated outcome.
    conditions : list of str, optional
        Default: every other column.
    negations : bool
        Also report ``~X`` for each condition.
    expressions : list of str, optional
        Further expressions in R notation (e.g. ``"LIT*STB"``, ``"DEV + URB + IND"``).
    incl_cut : float, optional
        If given, a column ``necessary`` flags ``inclN >= incl_cut`` (with R's tolerance).

    Returns
    -------
    DataFrame indexed by set, with ``inclN, RoN, covN`` and ``outcome``, ``n`` and ``method``.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 1, 0], "Y": [1, 1, 0, 0]})
    >>> necessity(d, "Y").loc["A", ["inclN", "RoN", "covN"]].round(3).tolist()
    [1.0, 0.5, 0.667]
    """
    sub, name, neg, conditions, noflevels, fuzzy = prepare_data(data, outcome, conditions)
    y = outcome_membership(sub, name, neg)
    cols: dict[str, np.ndarray] = {}
    for c, lv in zip(conditions, noflevels, strict=True):
        x = sub[c].to_numpy(dtype=float)
        if lv > 2:
            for v in range(lv):
                cols[f"{c}[{v}]"] = (x == v).astype(float)
        else:
            cols[c] = x
    if negations:
        for c, lv in zip(conditions, noflevels, strict=True):
            if lv == 2:
                cols["~" + c] = 1.0 - sub[c].to_numpy(dtype=float)
    for e in expressions or []:
        cols[e] = compute(e, data)
    mem = pd.DataFrame(cols, index=sub.index)
    out = necessity_parameters(mem, y)
    if incl_cut is not None:
        out["necessary"] = out["inclN"] + TOLERANCE > incl_cut
    out["outcome"] = ("~" if neg else "") + name
    out["n"] = len(sub)
    out["method"] = "necessity (pof), R QCA formulas"
    out.index.name = "set"
    return out


def superset_subset(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    incl_cut: float = 1.0,
    cov_cut: float = 0.0,
    ron_cut: float = 0.0,
    depth: int | None = None,
    relation: str = "necessity",
    pri_cut: float = 0.0,
) -> pd.DataFrame:
    """Search necessary conjunctions and disjunctions (R ``superSubset(relation="necessity")``),
    or sufficient conjunctions (``relation="sufficiency"``).

    Conjunctions (then disjunctions) of 1, 2, ... literals are tested in R's order; a conjunction
    is kept when ``inclN >= incl_cut`` and ``covN >= cov_cut``; a disjunction is tested only when
    the conjunction of the same literals fails, and kept unless it contains a necessary
    conjunction or disjunction found at a lower level. After three levels the search continues
    only while new expressions are found. Rows with ``RoN < ron_cut`` are dropped.

    With ``relation="sufficiency"`` (R QCA 3.25.1 ``superSubset(relation = "sufficiency")``,
    ``src/QCA.c``) conjunctions are kept when ``inclS >= incl_cut`` and ``covS >= cov_cut`` and
    they contain no sufficient conjunction of a lower level; there are no disjunctions, and rows
    with ``PRI < pri_cut`` are dropped. ``inclS = sum(min(X,Y)) / sum(X)``, ``covS =
    sum(min(X,Y)) / sum(Y)``, ``PRI = (sum(min(X,Y)) - sum(min(X,Y,1-Y))) / (sum(X) -
    sum(min(X,Y,1-Y)))`` (0/0 read as 0, as R).

    Returns
    -------
    DataFrame indexed by expression with ``inclN, RoN, covN`` (conjunctions first), or with
    ``inclS, PRI, covS`` for sufficiency.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [0, 1, 1, 0], "Y": [1, 1, 1, 0]})
    >>> superset_subset(d, "Y", incl_cut=1).index.tolist()
    ['A + B']
    >>> superset_subset(d, "Y", incl_cut=1, relation="sufficiency").index.tolist()
    ['A', 'B']
    """
    if relation not in ("necessity", "sufficiency"):
        raise QCAError(f"relation must be 'necessity' or 'sufficiency', not {relation!r}")
    sub, name, neg, conditions, noflevels, fuzzy = prepare_data(data, outcome, conditions)
    y = outcome_membership(sub, name, neg)
    x = sub[conditions].to_numpy(dtype=float)
    nconds = len(conditions)
    depth = nconds if not depth else min(depth, nconds)
    icut = incl_cut - TOLERANCE
    ccut = cov_cut - TOLERANCE if cov_cut > 0 else cov_cut
    if relation == "sufficiency":
        conj, disj = _sufficiency_search(x, y, fuzzy, noflevels, depth, icut, ccut), []
    else:
        conj, disj = _necessity_search(x, y, fuzzy, noflevels, depth, icut, ccut)
    multivalue = any(v > 2 for v in noflevels)

    def write(codes, sep):
        return sep.join(write_literal(conditions[j], codes[j], multivalue) for j in sorted(codes))

    rows = [(write(c, "*"), p) for p, c in conj] + [(write(c, " + "), p) for p, c in disj]
    if not rows:
        raise QCAError(
            f"no necessary expressions with incl_cut = {incl_cut:g} and cov_cut = {cov_cut:g}"
        )
    out = pd.DataFrame([p for _, p in rows], index=[n for n, _ in rows])
    if relation == "sufficiency":
        out = out.loc[out["PRI"] >= pri_cut]
        if out.empty:
            raise QCAError(f"no sufficient expressions with pri_cut = {pri_cut:g}")
    else:
        out = out.loc[out["RoN"] >= ron_cut]
    out["outcome"] = ("~" if neg else "") + name
    out.index.name = "expression"
    return out


def _necessity_search(x, y, fuzzy, noflevels, depth, icut, ccut):
    """R ``superSubset`` search: (parameters, codes) of the necessary conjunctions and of the
    necessary disjunctions, codes mapping a condition's column to its value + 1."""
    so = y.sum()
    conj: list[tuple[dict, dict]] = []
    disj: list[tuple[dict, dict]] = []
    k = 1
    foundk = 1
    prev_conj = prev_disj = 0
    while k <= depth and foundk:
        if len(conj) + len(disj) > 0 and k > 3:
            foundk = 0
        for cols in combinations(range(len(noflevels)), k):
            for vals in product(*[range(noflevels[j]) for j in cols]):
                codes = {j: v + 1 for j, v in zip(cols, vals, strict=True)}
                lits = np.stack([literal_membership(x[:, j], fuzzy[j], codes[j]) for j in cols],
                                axis=1)
                found = _conjunction_or_disjunction(lits, y, so, icut, ccut)
                if found is None:
                    continue
                kind, params = found
                if kind == "disjunction" and any(
                    all(codes.get(j) == v for j, v in prev.items())
                    for _, prev in conj[:prev_conj] + disj[:prev_disj]
                ):
                    continue  # contains a necessary expression of a lower level
                (conj if kind == "conjunction" else disj).append((params, codes))
                foundk += 1
        prev_conj, prev_disj = len(conj), len(disj)
        k += 1
    return conj, disj


def _sufficiency_search(x, y, fuzzy, noflevels, depth, icut, ccut):
    """R ``superSubset(relation = "sufficiency")`` search: (parameters, codes) of the sufficient
    conjunctions that contain no sufficient conjunction of a lower level (``src/QCA.c``)."""
    so = y.sum()
    conj: list[tuple[dict, dict]] = []
    k = 1
    foundk = 1
    prev_conj = 0
    while k <= depth and foundk:
        if conj and k > 3:
            foundk = 0
        for cols in combinations(range(len(noflevels)), k):
            for vals in product(*[range(noflevels[j]) for j in cols]):
                codes = {j: v + 1 for j, v in zip(cols, vals, strict=True)}
                mn = np.stack([literal_membership(x[:, j], fuzzy[j], codes[j]) for j in cols],
                              axis=1).min(axis=1)
                sym_min = np.minimum(mn, y)
                incl = _ratio(sym_min.sum(), mn.sum())
                cov = _ratio(sym_min.sum(), so)
                if not (incl >= icut and cov >= ccut):
                    continue
                if any(all(codes.get(j) == v for j, v in prev.items())
                       for _, prev in conj[:prev_conj]):
                    continue  # contains a sufficient conjunction of a lower level
                inconsistent = np.minimum(sym_min, 1 - y).sum()
                pri = _ratio(sym_min.sum() - inconsistent, mn.sum() - inconsistent)
                conj.append(({"inclS": incl, "PRI": pri, "covS": cov}, codes))
                foundk += 1
        prev_conj = len(conj)
        k += 1
    return conj


def _ratio(a, b):
    # R superSubset's convention: 0/0 is 0 (not NaN as in fit.necessity_parameters), so an
    # empty candidate can pass cov_cut = 0; kept apart from necessity_parameters for that reason
    return 0.0 if (a == 0 and b == 0) else a / b


def _conjunction_or_disjunction(lits: np.ndarray, y: np.ndarray, so, icut, ccut):
    """("conjunction", parameters) when the conjunction of the literals (columns of ``lits``)
    passes the cut-offs, else ("disjunction", parameters) when their disjunction does, else
    None (R ``superSubset``: a disjunction is tested only when the conjunction fails)."""
    mn, mx = lits.min(axis=1), lits.max(axis=1)
    sym_min = np.minimum(mn, y).sum()
    incl_c = _ratio(sym_min, so)
    cov_c = _ratio(sym_min, mn.sum())
    if incl_c >= icut and cov_c >= ccut:
        ron = _ratio((1 - mn).sum(), (1 - np.minimum(mn, y)).sum())
        return "conjunction", {"inclN": incl_c, "RoN": ron, "covN": cov_c}
    sym_max = np.minimum(mx, y).sum()
    incl_d = _ratio(sym_max, so)
    cov_d = _ratio(sym_max, mx.sum())
    if not (incl_d >= icut and cov_d >= ccut):
        return None
    ron = _ratio((1 - mx).sum(), (1 - np.minimum(mx, y)).sum())
    return "disjunction", {"inclN": incl_d, "RoN": ron, "covN": cov_d}
