"""Boolean minimisation of truth tables (R QCA ``minimize()``, version 3.25.1).

* conservative (complex) solution: ``include=None`` - remainders are treated as negatives; prime
  implicants by Quine-McCluskey over the positive configurations (R ``C_QMC``);
* parsimonious solution: ``include="?"`` - remainders are don't cares; prime implicants by
  Consistency Cubes (Dusa 2018; R ``CCubes``);
* intermediate solution: ``include="?"`` plus ``directional`` expectations - only easy
  counterfactuals (Ragin & Sonnett 2005; Ragin 2008, ch. 9) enter, computed as R ``C_getEC``.

The prime-implicant chart is solved exactly; **all** models of minimum size are returned, in R's
order. Term order and notation follow R (``~`` for negation, literals in condition order, prime
implicants sorted by complexity then column by column with negated < present < absent).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.qca.boolean import (
    ccubes,
    ccubes_consistency,
    consistent_models,
    cover_matrix,
    implicant_membership,
    minimum_covers,
    qmc,
    row_dominance,
    sort_implicants,
)
from talentlab.qca.expressions import (
    TOLERANCE,
    QCAError,
    QCAWarning,
    TautologyError,
    parse_expression,
)
from talentlab.qca.fit import sufficiency_inclusion
from talentlab.qca.solution import (
    MAX_MODEL_COLUMNS,
    IntermediateBranch,
    MinimizeResult,
    Solution,
    format_fit,
    model_lines,
)
from talentlab.qca.truth_table import TruthTable, all_configurations, truth_table

# the result types and their printing live in talentlab.qca.solution; re-exported here, where
# they were defined before 0.2.0, so ``from talentlab.qca.minimize import Solution`` keeps working
__all__ = ["minimize", "MinimizeResult", "Solution", "IntermediateBranch", "MAX_MODEL_COLUMNS",
           "directional_matrix", "format_fit", "model_lines"]


def _parse_set(value, what: str) -> set[str]:
    if value is None or value == "":
        return set()
    items = value.split(",") if isinstance(value, str) else list(value)
    out = {str(v).strip() for v in items if str(v).strip()}
    bad = out - {"?", "C", "1"}
    if bad:
        raise QCAError(f"{what} accepts only '1', '?' and 'C', got {sorted(bad)}")
    return out


def _solve(
    kind, implicants, explain_rows, explain_values, tt, row_dom, max_models, consistent=None
) -> Solution:
    chart = cover_matrix(implicants, explain_values)
    keep = chart.any(axis=1)
    implicants = [imp for imp, k in zip(implicants, keep, strict=True) if k]
    chart = chart[keep]
    if row_dom and len(implicants) > 1:
        idx = row_dominance(chart)
        implicants = sort_implicants([implicants[i] for i in idx])
        chart = cover_matrix(implicants, explain_values)
    if consistent is None:
        _, models = minimum_covers(chart, max_models=max_models)
    else:  # sol.cons > 0 with remainders: R find_consistent_models
        x, y, fuzzy, sol_cons, sol_cov, depth = consistent
        models = consistent_models(implicants, x, y, fuzzy, sol_cons, sol_cov, depth, max_models)
        if not models:
            raise QCAError("There are no solutions, given these constraints (sol_cons, sol_cov).")
    return Solution(
        kind=kind,
        conditions=tt.conditions,
        outcome_label=tt.outcome_label,
        implicants=implicants,
        chart=chart,
        models=models,
        multivalue=tt.multivalue,
        explain_rows=explain_rows,
        tt=tt,
    )


def directional_matrix(directional, conditions: list[str], noflevels: list[int]) -> np.ndarray:
    """Directional expectations as R's coded matrix (one row per expectation term).

    Accepts R's forms: a list such as ``["DEV", "URB", "~LIT*IND"]`` (conjunctural expectations
    allowed), one string ``"DEV, URB, ~LIT*IND"``, or a mapping ``{"DEV": 1, "URB": 0,
    "LIT": "-"}`` (value expected to produce the outcome; ``"-"`` or None = no expectation).

    Parameters
    ----------
    directional : list, str or dict
        The expectations, in one of the forms above.
    conditions : list of str
        The truth table's conditions, in order.
    noflevels : list of int
        Number of levels of each condition.

    Returns
    -------
    ndarray of int, shape (n_terms, n_conditions)
        One row per expectation term, coded as implicants (``value + 1``, 0 = no expectation);
        repeated and absorbed terms dropped.

    Raises
    ------
    QCAError
        An unknown condition, a value that is not a level, or contradictory expectations.

    Examples
    --------
    >>> directional_matrix(["A", "~B"], ["A", "B"], [2, 2]).tolist()
    [[2, 0], [0, 1]]
    >>> directional_matrix({"A": 1, "B": "-"}, ["A", "B"], [2, 2]).tolist()
    [[2, 0]]
    """
    rows: list[list[int]] = []
    if isinstance(directional, dict):
        for c, v in directional.items():
            if c not in conditions:
                raise QCAError(f"directional expectation for unknown condition {c!r}")
            if v is None or v == "-" or v == "":
                continue
            vals = v if isinstance(v, list | tuple) else [v]
            for val in vals:
                val = int(val)
                if not 0 <= val < noflevels[conditions.index(c)]:
                    raise QCAError(f"expected value {val} not a level of {c!r}")
                row = [0] * len(conditions)
                row[conditions.index(c)] = val + 1
                rows.append(row)
    else:
        if isinstance(directional, str):
            items = [s for s in directional.replace("+", ",").split(",") if s.strip()]
        else:
            items = list(directional)
        multivalue = any(v > 2 for v in noflevels)
        for item in items:
            for term in parse_expression(str(item), conditions):
                row = [0] * len(conditions)
                for lit in term:
                    j = conditions.index(lit.condition)
                    if lit.values is not None:
                        if len(lit.values) != 1:
                            raise QCAError("one expected value per condition and term")
                        val = lit.values[0]
                        if lit.negated:
                            if noflevels[j] != 2:
                                raise QCAError("negated multi-value expectations: give values")
                            val = 1 - val
                    else:
                        if multivalue and noflevels[j] > 2:
                            raise QCAError(
                                "for multi-value data write expectations with brackets, "
                                "e.g. DEV[2]"
                            )
                        val = 0 if lit.negated else 1
                    if row[j] and row[j] != val + 1:
                        raise QCAError(f"contradictory expectation in term {item!r}")
                    row[j] = val + 1
                rows.append(row)
    # drop repeated and absorbed terms (keeping order)
    kept: list[list[int]] = []
    for r in rows:
        if r in kept:
            continue
        if any(all(k[j] == 0 or k[j] == r[j] for j in range(len(r))) for k in kept):
            continue
        kept = [k for k in kept if not all(r[j] == 0 or r[j] == k[j] for j in range(len(r)))]
        kept.append(r)
    return np.asarray(kept, dtype=np.int64).reshape(-1, len(conditions))


def _easy_counterfactuals(dem, c_terms, p_terms, sa_values) -> np.ndarray:
    """R ``C_getEC``: boolean mask of the simplifying assumptions that are easy counterfactuals."""
    nrows_sa = sa_values.shape[0]
    ecs = np.zeros(nrows_sa, dtype=bool)
    rowsums = (dem > 0).sum(axis=1)
    ide = dem[rowsums == 1]
    cde = dem[rowsums > 1]
    ncols = dem.shape[1]
    for comp in c_terms:
        for pars in p_terms:
            if not all(pars[c] == 0 or pars[c] == comp[c] for c in range(ncols)):
                continue
            compgz = [comp[c] > 0 and pars[c] == 0 for c in range(ncols)]
            res = list(comp)
            if len(ide):
                for c in range(ncols):
                    if compgz[c]:
                        col = ide[:, c]
                        if (col > 0).any() and not (col == comp[c]).any():
                            res[c] = 0
            if len(cde):
                for drow in cde:
                    res = list(comp)  # R resets here: only the last conjunctural row counts
                    allcde = all(
                        drow[c] == comp[c] for c in range(ncols) if compgz[c] and drow[c] > 0
                    )
                    if not allcde:
                        for c in range(ncols):
                            if compgz[c] and drow[c] > 0:
                                res[c] = 0
            for r in range(nrows_sa):
                if not ecs[r]:
                    ecs[r] = all(res[c] == 0 or sa_values[r, c] + 1 == res[c] for c in range(ncols))
    return ecs


def _exclude_rows(exclude, tt: TruthTable) -> list[int]:
    """Row numbers named by ``exclude``: numbers, or an expression whose terms' rows are taken
    among the logical remainders (R ``findRows(expression)``)."""
    if exclude is None:
        return []
    total = int(np.prod(tt.noflevels))
    if isinstance(exclude, str) and not exclude.replace(",", "").replace(" ", "").isdigit():
        terms = parse_expression(exclude, tt.conditions)
        configs = all_configurations(tt.noflevels)
        hit = np.zeros(total, dtype=bool)
        for term in terms:
            m = np.ones(total, dtype=bool)
            for lit in term:
                j = tt.conditions.index(lit.condition)
                vals = lit.values if lit.values is not None else (1,)
                inside = np.isin(configs[:, j], vals)
                m &= ~inside if lit.negated else inside
            hit |= m
        rem = (tt.all_rows["OUT"] == "?").to_numpy()
        return [int(r) + 1 for r in np.flatnonzero(hit & rem)]
    items = exclude.split(",") if isinstance(exclude, str) else list(exclude)
    rows = []
    for v in items:
        try:
            r = int(str(v).strip())
        except ValueError as exc:
            raise QCAError(f"exclude: {v!r} is not a truth-table row number") from exc
        if not 1 <= r <= total:
            raise QCAError(f"exclude: row {r} does not exist (rows 1..{total})")
        rows.append(r)
    return sorted(set(rows))


def minimize(
    tt,
    include=None,
    directional=None,
    explain="1",
    row_dom: bool = False,
    max_models: int = 100_000,
    pi_cons: float = 0.0,
    sol_cons: float = 0.0,
    sol_cov: float = 1.0,
    sol_depth: int = 0,
    exclude=None,
    **truth_table_args,
) -> MinimizeResult:
    """Minimise a truth table into the conservative, parsimonious or intermediate solution.

    Parameters
    ----------
    tt : TruthTable or DataFrame
        A :func:`truth_table`; a DataFrame is passed to :func:`truth_table` with
        ``truth_table_args`` (``outcome=``, ``conditions=``, ``incl_cut=``...).
    include : None, "?", "C", "?, C" or list
        Rows used as don't cares besides the explained ones: None gives the conservative
        (complex) solution, ``"?"`` the parsimonious one (remainders as simplifying assumptions).
    directional : list, str or dict, optional
        Directional expectations (R ``dir.exp``), e.g. ``["DEV", "URB", "~LIT*IND"]`` or
        ``{"DEV": 1, "URB": "-"}``; requires ``include="?"`` and gives the intermediate solution.
    explain : "1" or "1, C"
        Output values to explain.
    row_dom : bool
        Drop dominated prime implicants before solving the chart (R ``row.dom``).
    max_models : int
        Safety limit on the number of equally minimal models enumerated.
    pi_cons : float
        R ``pi.cons``: minimal sufficiency inclusion (on the case data) of a prime implicant.
        Parsimonious solutions (R ``CCubes``): a candidate term is accepted when its inclusion
        reaches ``pi_cons`` *instead of* when it covers no negative row. Conservative solutions
        (R ``getSolution``): prime implicants below ``pi_cons`` are dropped (error if a positive
        row is then uncovered). 0 = off.
    sol_cons, sol_cov : float
        R ``sol.cons`` / ``sol.cov``. Conservative solution: only models whose inclusion reaches
        ``sol_cons`` are kept (error when none, as R). Parsimonious solution: models are every
        irredundant combination of prime implicants (by increasing size, up to ``sol_depth``
        terms; 0 = no limit) whose union reaches inclusion ``sol_cons`` and coverage ``sol_cov``
        (R ``find_consistent_models``) - these need not cover every positive row.
    sol_depth : int
        R ``sol.depth``: most terms per model in the ``sol_cons`` search.
    exclude : list of int or str, optional
        R ``exclude``: truth-table rows (R row numbers, or an expression such as ``"~A*B"``
        whose rows are taken among the remainders) coded as negative (OUT = 0), so no
        simplifying assumption uses them (e.g. untenable or contradictory assumptions;
        Schneider & Wagemann 2012). An observed row named by number is recoded too (as R does)
        with a :class:`QCAWarning`.

    Returns
    -------
    MinimizeResult
        ``.solutions`` (list of models, each a list of terms as R writes them), ``.fit``
        (parameters of fit of terms and models), ``.essential``, ``.pi_chart``,
        ``.simplifying_assumptions``; for intermediate solutions ``.branches`` with the easy and
        difficult counterfactuals, plus ``.conservative`` and ``.parsimonious``.

    Raises
    ------
    TautologyError
        With ``include="?"`` when no configuration is negative (R: "All truth table
        configurations are used, all conditions are minimized").

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    >>> minimize(truth_table(d, "Y")).solutions
    [['A']]
    """
    if isinstance(tt, pd.DataFrame):
        tt = truth_table(tt, **truth_table_args)
    elif not isinstance(tt, TruthTable):
        raise QCAError("minimize() needs a TruthTable (see truth_table()) or a DataFrame")
    include_set, explain_set = _check_options(include, explain, directional, pi_cons, sol_cons,
                                              sol_cov)
    rows = _minimisation_rows(tt, explain_set, include_set, exclude)
    incl_rem = "?" in include_set
    if incl_rem and not rows.neg_mask.any():
        raise TautologyError(
            "All truth table configurations are used, all conditions are minimized "
            "(no negative configuration: the parsimonious solution is a tautology)."
        )
    conservative = parsimonious = None
    if not incl_rem or directional is not None:
        # with remainders, sol_cons constrains the parsimonious models only
        conservative = _conservative_solution(rows, pi_cons, 0.0 if incl_rem else sol_cons,
                                              row_dom, max_models)
    if incl_rem:
        parsimonious = _parsimonious_solution(rows, pi_cons, sol_cons, sol_cov, sol_depth,
                                              row_dom, max_models)
    if directional is None:
        sol = parsimonious if incl_rem else conservative
        return MinimizeResult(
            kind=sol.kind, solution=sol, tt=tt, conservative=conservative,
            parsimonious=parsimonious,
        )
    branches = _intermediate_branches(rows, conservative, parsimonious, directional, row_dom,
                                      max_models)
    first = next(iter(branches.values()))
    return MinimizeResult(
        kind="intermediate",
        solution=first.solution,
        tt=tt,
        conservative=conservative,
        parsimonious=parsimonious,
        branches=branches,
    )


def _check_options(include, explain, directional, pi_cons, sol_cons, sol_cov):
    """The sets of outputs included and explained, after checking :func:`minimize`'s options."""
    include_set = _parse_set(include, "include") - {"1"}
    explain_set = _parse_set(explain, "explain")
    if "1" not in explain_set:
        raise QCAError("explain must contain '1'")
    if explain_set & include_set:
        raise QCAError("contradictions are either explained or included, not both")
    if directional is not None and "?" not in include_set:
        raise QCAError("directional expectations need the remainders: use include='?'")
    for name, v in (("pi_cons", pi_cons), ("sol_cons", sol_cons), ("sol_cov", sol_cov)):
        if not 0 <= float(v) <= 1:
            raise QCAError(f"{name} must lie in [0, 1], got {v}")
    return include_set, explain_set


@dataclass
class _Rows:
    """The truth table as one minimisation sees it (after ``exclude``)."""

    tt: TruthTable
    values: np.ndarray  # every configuration (R row order), levels 0..k-1
    explain_rows: pd.DataFrame  # observed rows whose output is explained
    explain_values: np.ndarray
    pos_mask: np.ndarray  # observed rows explained or included (over all configurations)
    neg_mask: np.ndarray  # the other observed rows
    x_data: np.ndarray  # case data, plus the excluded configurations
    y_data: np.ndarray  # outcome, 0 for the excluded configurations


def _minimisation_rows(tt: TruthTable, explain_set, include_set, exclude) -> _Rows:
    """Positive, negative and explained rows of ``tt`` with the ``exclude`` rows recoded as
    negative (R semantics), and the case data the inclusion constraints are computed on."""
    excluded = _exclude_rows(exclude, tt)
    rows = tt.all_rows
    if excluded:
        rows = rows.copy()
        idx = pd.Index(excluded)
        observed_hit = [r for r in excluded if rows.at[r, "OUT"] != "?"]
        if observed_hit:
            warnings.warn(f"exclude recodes observed truth-table rows {observed_hit} as "
                          "negative (R semantics)", QCAWarning, stacklevel=3)
        rows.loc[idx, "OUT"] = "0"
    conds = tt.conditions
    # row selection on numpy arrays (pandas string indexing dominates small minimisations)
    out_codes = rows["OUT"].to_numpy(dtype=object)
    values = rows[conds].to_numpy(dtype=np.int64)
    observed_mask = out_codes != "?"
    explain_mask = observed_mask & np.isin(out_codes, list(explain_set))
    if not explain_mask.any():
        raise QCAError("none of the truth table rows has an output to explain (OUT = 1)")
    pos_mask = observed_mask & np.isin(out_codes, list(explain_set | include_set))
    x_data = tt.data[conds].to_numpy(dtype=float)
    y_data = tt.data[tt.outcome].to_numpy(dtype=float)
    if excluded:  # R appends the excluded configurations to the data with outcome 0
        x_data = np.vstack([x_data, all_configurations(tt.noflevels)[np.asarray(excluded) - 1]])
        y_data = np.concatenate([y_data, np.zeros(len(excluded))])
    return _Rows(tt=tt, values=values, explain_rows=rows.iloc[np.flatnonzero(explain_mask)],
                 explain_values=values[explain_mask], pos_mask=pos_mask,
                 neg_mask=observed_mask & ~pos_mask, x_data=x_data, y_data=y_data)


def _conservative_solution(rows: _Rows, pi_cons, sol_cons, row_dom, max_models) -> Solution:
    """Remainders as negatives: prime implicants by Quine-McCluskey (R ``C_QMC``), those below
    ``pi_cons`` dropped, models below ``sol_cons`` dropped (R ``getSolution``)."""
    tt = rows.tt
    pos_coded = [tuple(int(v) + 1 for v in r) for r in rows.values[rows.pos_mask]]
    c_pis = qmc(pos_coded, tt.noflevels)
    if any(not any(p) for p in c_pis):
        raise TautologyError(
            "Every configuration is positive: the conservative solution is a tautology "
            "(all conditions are minimised); R prints an empty solution."
        )
    if pi_cons > 0:
        c_pis = [
            p for p in c_pis
            if sufficiency_inclusion(implicant_membership(p, rows.x_data, tt.fuzzy),
                                     rows.y_data) + TOLERANCE >= pi_cons
        ]
        if not cover_matrix(c_pis, rows.explain_values).any(axis=0).all():
            raise QCAError("There are no solutions, given these constraints (pi_cons): "
                           "a positive row is covered by no prime implicant")
    conservative = _solve(
        "conservative", c_pis, rows.explain_rows, rows.explain_values, tt, row_dom, max_models
    )
    if sol_cons > 0:
        keep = [
            m for m in conservative.models
            if sufficiency_inclusion(
                np.max([implicant_membership(conservative.implicants[i], rows.x_data, tt.fuzzy)
                        for i in m], axis=0), rows.y_data) + TOLERANCE >= sol_cons
        ]
        if not keep:
            raise QCAError("There are no solutions, given these constraints (sol_cons).")
        conservative.models = keep
    return conservative


def _parsimonious_solution(rows: _Rows, pi_cons, sol_cons, sol_cov, sol_depth, row_dom,
                           max_models) -> Solution:
    """Remainders as don't cares: prime implicants by Consistency Cubes (R ``CCubes``), or by
    inclusion when ``pi_cons > 0``; models by the chart, or by R ``find_consistent_models`` when
    ``sol_cons > 0``."""
    tt = rows.tt
    if pi_cons > 0:
        p_pis = ccubes_consistency(rows.explain_values, tt.noflevels, rows.x_data, rows.y_data,
                                   tt.fuzzy, pi_cons)
        if not p_pis or not cover_matrix(p_pis, rows.explain_values).any(axis=0).all():
            raise QCAError("There are no solutions, given these constraints (pi_cons): "
                           "a positive row is covered by no prime implicant")
    else:
        p_pis = ccubes(rows.explain_values, rows.values[rows.neg_mask], tt.noflevels)
    consistent = None
    if sol_cons > 0:
        consistent = (rows.x_data, rows.y_data, tt.fuzzy, sol_cons, sol_cov, sol_depth)
    return _solve(
        "parsimonious", p_pis, rows.explain_rows, rows.explain_values, tt, row_dom, max_models,
        consistent,
    )


def _intermediate_branches(rows: _Rows, conservative: Solution, parsimonious: Solution,
                           directional, row_dom, max_models) -> dict[str, IntermediateBranch]:
    """One intermediate solution per pair of conservative model ``Ci`` and parsimonious model
    ``Pj`` (R ``CiPj``), from the easy counterfactuals of the directional expectations."""
    tt = rows.tt
    dem = directional_matrix(directional, tt.conditions, tt.noflevels)
    explain_coded = [tuple(int(v) + 1 for v in r) for r in rows.explain_values]
    branches: dict[str, IntermediateBranch] = {}
    for ci, cmodel in enumerate(conservative.models):
        for pj, pmodel in enumerate(parsimonious.models):
            name = f"C{ci + 1}P{pj + 1}"
            sa = parsimonious.simplifying_assumptions[f"M{pj + 1}"]
            sa_values = sa.to_numpy(dtype=np.int64).reshape(-1, len(tt.conditions))
            if dem.size and (dem > 0).any() and len(sa_values):
                c_terms = [conservative.implicants[i] for i in cmodel]
                p_terms = [parsimonious.implicants[i] for i in pmodel]
                ecs = _easy_counterfactuals(dem, c_terms, p_terms, sa_values)
            else:
                ecs = np.zeros(len(sa_values), dtype=bool)
            ec = sa.loc[ecs]
            solution, non_simplifying = _intermediate_solution(rows, ec, explain_coded, row_dom,
                                                               max_models)
            branches[name] = IntermediateBranch(
                name=name,
                c_sol=[conservative.implicant_name(i) for i in cmodel],
                p_sol=[parsimonious.implicant_name(i) for i in pmodel],
                easy_counterfactuals=ec.loc[~non_simplifying],
                difficult_counterfactuals=sa.loc[~ecs],
                solution=solution,
                non_simplifying_easy_counterfactuals=ec.loc[non_simplifying],
            )
    return branches


def _intermediate_solution(rows: _Rows, ec: pd.DataFrame, explain_coded, row_dom, max_models
                           ) -> tuple[Solution, np.ndarray]:
    """The explained rows plus the easy counterfactuals ``ec`` minimised (R ``C_QMC`` and
    ``getSolution`` on ``pos.matrix`` and the ECs): every minimal model, also when there is no
    easy counterfactual (then the branch lists every conservative model, as R does). Also the
    mask of the *non-simplifying* easy counterfactuals (R ``NSEC``): those no prime implicant
    covering an explained row contains; leaving them out changes no such prime implicant, so the
    solution is the same and R reports them apart."""
    tt = rows.tt
    ec_coded = [tuple(int(v) + 1 for v in r) for r in ec.to_numpy()]
    pool = list(dict.fromkeys(explain_coded + ec_coded))
    solution = _solve(
        "intermediate", qmc(pool, tt.noflevels), rows.explain_rows, rows.explain_values, tt,
        row_dom, max_models
    )
    if not ec_coded:
        return solution, np.zeros(0, dtype=bool)
    covered = cover_matrix(solution.implicants, ec.to_numpy(dtype=np.int64)).any(axis=0)
    return solution, ~covered
