"""Theory evaluation: where does a solution agree with the theory it is set against?

Ragin (1987, 118-121) and Schneider & Wagemann (2012, 11.3) intersect a theory T (a Boolean
expression of the conditions) with an empirical solution S: T*S (what theory and data agree on),
~T*S (found, not expected), T*~S (expected, not found), ~T*~S. Each intersection gets its
parameters of fit for the outcome and its typical cases, split by membership in the outcome above
or below 0.5 (SetMethods 4.0 ``theory.evaluation``; Oana, Schneider & Thomann 2021, 5.5).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.qca.boolean import cover_matrix, qmc, sort_implicants
from talentlab.qca.expressions import QCAError, compute, write_implicant
from talentlab.qca.fit import sufficiency_parameters
from talentlab.qca.solution import MinimizeResult
from talentlab.qca.truth_table import all_configurations

__all__ = ["INTERSECTIONS", "MAX_BOOLEAN_CONFIGURATIONS", "TheoryEvaluation", "boolean_minimum",
           "theory_evaluation"]

#: The eight cells of the theory evaluation (SetMethods' names): intersection, outcome side, label.
INTERSECTIONS = [
    ("T*S", "Y > 0.5", "Covered most likely"),
    ("~T*S", "Y > 0.5", "Covered least likely"),
    ("T*~S", "Y > 0.5", "Uncovered most likely"),
    ("~T*~S", "Y > 0.5", "Uncovered least likely"),
    ("T*S", "Y < 0.5", "Inconsistent most likely"),
    ("~T*S", "Y < 0.5", "Inconsistent least likely"),
    ("T*~S", "Y < 0.5", "Consistent most likely"),
    ("~T*~S", "Y < 0.5", "Consistent least likely"),
]


@dataclass
class TheoryEvaluation:
    """Result of :func:`theory_evaluation`.

    ``fit``: inclS, PRI, covS and Haesebrouck's consistency ``inclH`` of each solution term,
    the solution (``Sol.Formula``), the theory and the four intersections (rows named as in
    SetMethods). ``intersections``: the eight cells (intersection x outcome side) with their
    Boolean expression, label, number and share of cases and the case names. ``cases``: one row
    per case with its memberships in T, S, Y and the cell it falls in (empty when a membership
    is exactly 0.5).
    """

    theory: str
    model: list[str]
    fit: pd.DataFrame
    intersections: pd.DataFrame
    cases: pd.DataFrame


#: Most configurations (product of the conditions' levels) for which :func:`theory_evaluation`
#: writes the Boolean intersections (10 binary conditions, under a second for any function);
#: beyond, pass ``boolean=False``.
MAX_BOOLEAN_CONFIGURATIONS = 1024


def boolean_minimum(values: np.ndarray, conditions: Sequence[str], noflevels=None) -> str:
    """An irredundant sum of prime implicants of a crisp function given on every configuration.

    ``values[r]`` is the function on configuration ``r`` (R's row order, as
    :func:`~talentlab.qca.truth_table.all_configurations`). The prime implicants come from
    Quine-McCluskey; the essential ones are taken first, then the one covering most uncovered
    configurations (first in R's implicant order on ties), and any term the others cover is
    dropped. This bounded cover is logically equal to the function but, unlike an exact
    minimum (whose search can explode), need not have the fewest terms. ``""`` for the empty
    set, ``"1"`` for the universe.

    Examples
    --------
    >>> boolean_minimum(np.array([0, 1, 1, 1]), ["A", "B"])
    'A + B'
    """
    noflevels = [2] * len(conditions) if noflevels is None else list(noflevels)
    values = np.asarray(values, dtype=float) > 0.5
    if not values.any():
        return ""
    if values.all():
        return "1"
    configs = all_configurations(noflevels)[values]
    implicants = sort_implicants(qmc([tuple(int(v) + 1 for v in row) for row in configs],
                                     noflevels))
    chart = cover_matrix(implicants, configs)
    chosen: list[int] = []
    uncovered = np.ones(chart.shape[1], dtype=bool)
    only = chart.sum(axis=0) == 1
    for i in range(len(implicants)):
        if (chart[i] & only).any():
            chosen.append(i)
            uncovered &= ~chart[i]
    while uncovered.any():
        i = int(np.argmax((chart & uncovered).sum(axis=1)))
        chosen.append(i)
        uncovered &= ~chart[i]
    for i in list(reversed(chosen)):
        rest = [j for j in chosen if j != i]
        if rest and chart[rest].any(axis=0).all():
            chosen = rest
    multivalue = any(v > 2 for v in noflevels)
    return " + ".join(write_implicant(implicants[i], list(conditions), multivalue)
                      for i in sorted(chosen))


def _haesebrouck(x: np.ndarray, y: np.ndarray) -> float:
    """Haesebrouck's (2015) consistency: sum(min) / sum(min + sqrt(max(x - y, 0) * x))."""
    both = np.minimum(x, y)
    with np.errstate(invalid="ignore", divide="ignore"):  # an empty set: NaN, as inclS
        return float(both.sum() / (both + np.sqrt(np.maximum(x - y, 0.0) * x)).sum())


def theory_evaluation(
    theory: str,
    result: MinimizeResult,
    model: int = 0,
    branch: str | None = None,
    boolean: bool = True,
) -> TheoryEvaluation:
    """Intersect a theory with a solution: fit, Boolean intersections and cases of each cell.

    Parameters
    ----------
    theory : str
        The theory as an expression of the conditions, e.g. ``"~EMP*MA"``.
    result : MinimizeResult
        A solution from :func:`~talentlab.qca.minimize` (its truth table gives the data).
    model : int
        Which model of the solution (0 = the first; R ``sol = 1``).
    branch : str, optional
        For an intermediate solution, the branch (``"C1P1"``, the default, as R).
    boolean : bool
        Write each intersection as a Boolean expression (``expression``; empty when False).
        Refused beyond :data:`MAX_BOOLEAN_CONFIGURATIONS` configurations.

    Returns
    -------
    TheoryEvaluation

    Notes
    -----
    Memberships: T from the theory, S the union of the model's terms (fuzzy OR), intersections
    by fuzzy AND/NOT. A case is in a cell when its intersection membership is above 0.5 and its
    outcome membership above (or below) 0.5, as SetMethods 4.0 ``cases.theory.evaluation``.
    Boolean intersections are irredundant sums of prime implicants over all configurations
    (:func:`boolean_minimum`), logically equal to SetMethods' ``$inters``. SetMethods 4.0 never
    lists cases for "inconsistent most likely" (it reads a column ``T*E`` that does not
    exist); here that cell is filled by its definition.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]},
    ...                  index=list("abcd"))
    >>> from talentlab.qca import minimize, truth_table
    >>> sol = minimize(truth_table(d, "Y"), include="?")
    >>> ev = theory_evaluation("B", sol)
    >>> ev.model
    ['A']
    >>> ev.intersections[["intersection", "outcome", "expression", "n"]]
      intersection  outcome expression  n
    0          T*S  Y > 0.5        A*B  1
    1         ~T*S  Y > 0.5       A*~B  1
    2         T*~S  Y > 0.5       ~A*B  0
    3        ~T*~S  Y > 0.5      ~A*~B  0
    4          T*S  Y < 0.5        A*B  0
    5         ~T*S  Y < 0.5       A*~B  0
    6         T*~S  Y < 0.5       ~A*B  1
    7        ~T*~S  Y < 0.5      ~A*~B  1
    >>> ev.intersections["cases"].tolist()
    ['a', 'b', '', '', '', '', 'c', 'd']
    """
    if not isinstance(result, MinimizeResult):
        raise QCAError("theory_evaluation() needs a solution from minimize() "
                       "(需要 minimize() 的解)")
    sol = result.solution if branch is None else result.branches[branch].solution
    if not 0 <= model < len(sol.solutions):
        raise QCAError(f"theory_evaluation: model {model} does not exist (the solution has "
                       f"{len(sol.solutions)} models; 解中没有第 {model} 个模型)")
    terms = list(sol.solutions[model])
    tt = result.tt
    data = tt.data
    y = data[tt.outcome].to_numpy(dtype=float)
    t = compute(theory, data)
    term_m = pd.DataFrame({term: compute(term, data) for term in terms}, index=data.index)
    s = term_m.to_numpy().max(axis=1)
    sets = term_m.copy()
    sets["Sol.Formula"] = s
    sets["Theory"] = t
    cells = {"T*S": np.minimum(t, s), "~T*S": np.minimum(1 - t, s),
             "T*~S": np.minimum(t, 1 - s), "~T*~S": np.minimum(1 - t, 1 - s)}
    for name, m in cells.items():
        sets[name] = m
    fit = sufficiency_parameters(sets, y)[["inclS", "PRI", "covS"]]
    fit["inclH"] = [_haesebrouck(sets[c].to_numpy(), y) for c in sets.columns]

    expressions = dict.fromkeys(cells, "")
    if boolean:
        total = int(np.prod(tt.noflevels))
        if total > MAX_BOOLEAN_CONFIGURATIONS:
            raise QCAError(f"theory_evaluation: {total} configurations are more than "
                           f"{MAX_BOOLEAN_CONFIGURATIONS} to write the intersections as Boolean "
                           f"expressions; pass boolean=False (组态过多，请设 boolean=False)")
        configs = pd.DataFrame(all_configurations(tt.noflevels), columns=tt.conditions)
        t_c = compute(theory, configs)
        s_c = compute(" + ".join(terms), configs)
        crisp = {"T*S": np.minimum(t_c, s_c), "~T*S": np.minimum(1 - t_c, s_c),
                 "T*~S": np.minimum(t_c, 1 - s_c), "~T*~S": np.minimum(1 - t_c, 1 - s_c)}
        expressions = {k: boolean_minimum(v, tt.conditions, tt.noflevels)
                       for k, v in crisp.items()}

    n_all = len(data)
    rows = []
    for cell, side, label in INTERSECTIONS:
        in_y = y > 0.5 if side == "Y > 0.5" else y < 0.5
        hit = (cells[cell] > 0.5) & in_y
        names = [str(c) for c in data.index[hit]]
        rows.append({"intersection": cell, "outcome": side, "label": label,
                     "expression": expressions[cell], "n": len(names),
                     "share_all": len(names) / n_all if n_all else np.nan,
                     "share_outcome": len(names) / in_y.sum() if in_y.any() else np.nan,
                     "cases": ", ".join(names)})
    intersections = pd.DataFrame(rows)

    cell_of = np.full(n_all, "", dtype=object)
    for name, m in cells.items():
        cell_of[m > 0.5] = name
    side_of = np.where(y > 0.5, "Y > 0.5", np.where(y < 0.5, "Y < 0.5", ""))
    cases = pd.DataFrame({"T": t, "S": s, "Y": y, "intersection": cell_of, "outcome": side_of},
                         index=data.index)
    return TheoryEvaluation(theory=theory, model=terms, fit=fit, intersections=intersections,
                            cases=cases)
