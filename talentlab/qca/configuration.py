"""The Ragin-Fiss configuration chart of a QCA solution, as a tidy DataFrame.

fsQCA papers print solutions as a chart (Ragin & Fiss 2008; Fiss 2011, *Academy of Management
Journal* 54(2), 393-420): one column per configuration (term of the solution), one row per
condition, with

* ``●`` condition present, ``⊗`` condition absent; **core** conditions (those that also appear in
  the parsimonious solution, i.e. in the parsimonious term nested in the configuration; Fiss 2011)
  in large symbols, **peripheral** ones (intermediate or conservative solution only) in small;
* blank = "don't care" (the condition is not in the configuration);
* per configuration: consistency (inclS), PRI, raw coverage (covS) and unique coverage (covU,
  within the model); for the solution: consistency, PRI and coverage.

Here the four glyphs are: core present ``●`` (U+25CF), peripheral present ``•`` (U+2022), core
absent ``⨂`` (U+2A02), peripheral absent ``⊗`` (U+2297). Multi-value literals show the level
after the glyph (``●[2]``). Rendering (HTML, figure) lives in the plotting layer:
:mod:`talentlab.report.figures_configurational`.
"""

from __future__ import annotations

import pandas as pd

from talentlab.qca.expressions import QCAError, parse_expression

__all__ = ["GLYPHS", "configuration_table", "parse_glyph"]

#: (sign, role) -> glyph of the chart.
GLYPHS: dict[tuple[str, str], str] = {
    ("present", "core"): "●",
    ("present", "peripheral"): "•",
    ("absent", "core"): "⨂",
    ("absent", "peripheral"): "⊗",
}
_FROM_GLYPH = {g: k for k, g in GLYPHS.items()}


def parse_glyph(cell) -> tuple[str | None, str | None, str | None]:
    """(sign, role, level) of a chart cell; (None, None, None) for a blank (don't care).

    Examples
    --------
    >>> parse_glyph("●"), parse_glyph("⊗"), parse_glyph("•[2]"), parse_glyph("")
    (('present', 'core', None), ('absent', 'peripheral', None), ('present', 'peripheral', '2'), (None, None, None))
    """
    if not isinstance(cell, str) or not cell:
        return None, None, None
    sign, role = _FROM_GLYPH.get(cell[0], (None, None))
    if sign is None:
        raise QCAError(f"not a configuration-chart cell: {cell!r}")
    level = cell[1:].strip("[]") or None
    return sign, role, level


def _literal_key(lit) -> tuple:
    return (lit.condition, lit.values, lit.negated)


def _terms_of(obj, model: int) -> list[str]:
    """Terms of model ``model`` (1-based) of a result/solution, or the given terms."""
    if obj is None:
        return []
    if isinstance(obj, str):
        return [t.strip() for t in obj.split("+") if t.strip()]
    if isinstance(obj, list | tuple):
        return [str(t) for t in obj]
    sols = getattr(obj, "solutions", None)
    if sols is None:
        raise QCAError("parsimonious must be a minimisation result, a list of terms or a string")
    if not 1 <= model <= len(sols):
        raise QCAError(f"model {model} does not exist (the solution has {len(sols)} models)")
    return list(sols[model - 1])


def configuration_table(
    solution,
    parsimonious=None,
    *,
    model: int = 1,
    branch: str | None = None,
    parsimonious_model: int = 1,
) -> pd.DataFrame:
    """Configuration chart (Ragin & Fiss 2008; Fiss 2011) of one model of a QCA solution.

    Parameters
    ----------
    solution : MinimizeResult, Solution or IntermediateBranch
        Usually the intermediate solution, ``minimize(tt, include="?", directional=...)``; a
        parsimonious solution gives a chart with core conditions only; a conservative solution
        needs ``parsimonious``.
    parsimonious : MinimizeResult, Solution, list of str or str, optional
        The parsimonious solution that defines the core conditions. Default: the parsimonious
        model paired with the intermediate branch (R's ``CiPj``), or ``solution.parsimonious``.
    model : int
        Which model (1-based, R's ``M1``, ``M2``...) of the solution to chart.
    branch : str, optional
        Intermediate branch (``"C1P1"``...); default the first.
    parsimonious_model : int
        Which parsimonious model defines the cores when ``parsimonious`` has several.

    Returns
    -------
    DataFrame
        Rows: a MultiIndex ``(section, row)`` with section ``"condition"`` (one row per
        condition, cells = glyph or ``""``), ``"configuration"`` (consistency, PRI, raw
        coverage, unique coverage, cases) and ``"solution"`` (consistency, PRI, coverage, the
        same value in every column). Columns: configurations ``"1"``, ``"2"``... in the order
        of the model's terms. ``attrs`` holds ``terms``, ``parsimonious_terms``, ``core``
        (per configuration, the nesting parsimonious term or None), ``outcome``, ``kind``,
        ``model`` and ``n``.

    Raises
    ------
    QCAError
        A conservative solution without parsimonious solution (cores undefined), or an unknown
        model/branch.

    Notes
    -----
    A condition of configuration T is *core* when it belongs to a parsimonious term P whose
    literals are all in T (P is the simplified form of T; Fiss 2011, p. 403), *peripheral*
    otherwise. When no parsimonious term is nested in T (possible with several parsimonious
    models), every condition of T is peripheral and ``attrs["core"]`` records None.

    Examples
    --------
    >>> from talentlab.qca import minimize, truth_table
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "C": [1, 1, 1, 0, 0],
    ...                   "Y": [1, 1, 0, 0, 1]})
    >>> res = minimize(truth_table(d, "Y"), include="?", directional=["A", "B", "C"])
    >>> chart = configuration_table(res)
    >>> chart.attrs["terms"], chart.attrs["parsimonious_terms"]
    (['A*B', 'A*C'], ['A'])
    >>> chart.loc["condition"].to_dict("list")
    {'1': ['●', '•', ''], '2': ['●', '', '•']}
    """
    sol, p_terms = _solution_and_cores(solution, model, branch, parsimonious_model)
    if parsimonious is not None:
        p_terms = _terms_of(parsimonious, parsimonious_model)
    if not p_terms:
        raise QCAError(
            "core and peripheral conditions need the parsimonious solution: minimise with "
            "include='?' (and directional expectations for the intermediate solution) or "
            "pass parsimonious=..."
        )
    if not 1 <= model <= len(sol.models):
        raise QCAError(f"model {model} does not exist (the solution has {len(sol.models)})")
    conditions = list(sol.conditions)
    terms = sol.solutions[model - 1]
    cond_cells, cores = _condition_cells(terms, conditions, p_terms)
    rows: list[tuple[tuple[str, str], list]] = []
    for c in conditions:
        rows.append((("condition", c), cond_cells[c]))
    rows += _fit_rows(sol, model, terms)
    index = pd.MultiIndex.from_tuples([r[0] for r in rows], names=["section", "row"])
    cols = [str(k + 1) for k in range(len(terms))]
    table = pd.DataFrame([r[1] for r in rows], index=index, columns=cols, dtype=object)
    table.columns.name = "configuration"
    table.attrs.update({
        "terms": list(terms),
        "parsimonious_terms": list(p_terms),
        "core": cores,
        "outcome": sol.outcome_label,
        "kind": sol.kind,
        "model": model,
        "n": int(len(sol.tt.data)),
        "conditions": conditions,
    })
    return table


def _solution_and_cores(solution, model: int, branch, parsimonious_model: int):
    """The Solution to chart and the parsimonious terms that come with it (maybe none)."""
    from talentlab.qca.solution import IntermediateBranch, MinimizeResult, Solution

    p_terms: list[str] = []
    if isinstance(solution, MinimizeResult):
        if solution.kind == "intermediate":
            if branch is None:
                branch = next(iter(solution.branches))
            if branch not in solution.branches:
                raise QCAError(f"no intermediate branch {branch!r}; have "
                               f"{list(solution.branches)}")
            br = solution.branches[branch]
            sol = br.solution
            p_terms = list(br.p_sol)
        else:
            sol = solution.solution
            if solution.kind == "parsimonious":
                p_terms = _terms_of(sol, model)
            elif solution.parsimonious is not None:
                p_terms = _terms_of(solution.parsimonious, parsimonious_model)
    elif isinstance(solution, IntermediateBranch):
        sol = solution.solution
        p_terms = list(solution.p_sol)
    elif isinstance(solution, Solution):
        sol = solution
        if sol.kind == "parsimonious":
            p_terms = _terms_of(sol, model)
    else:
        raise QCAError("configuration_table() needs the result of minimize()")
    return sol, p_terms


def _condition_cells(terms: list[str], conditions: list[str], p_terms: list[str]):
    """Glyph of each condition in each configuration (core when it belongs to a nested
    parsimonious term), and per configuration the nested parsimonious terms (or None)."""
    parsed_p = [
        {_literal_key(lit) for lit in parse_expression(t, conditions)[0]} for t in p_terms
    ]
    cond_cells = {c: [""] * len(terms) for c in conditions}
    cores: list[str | None] = []
    for k, term in enumerate(terms):
        lits = parse_expression(term, conditions)[0]
        keys = {_literal_key(lit) for lit in lits}
        nested = [i for i, pk in enumerate(parsed_p) if pk <= keys]
        core_keys = set().union(*[parsed_p[i] for i in nested]) if nested else set()
        cores.append(" + ".join(p_terms[i] for i in nested) if nested else None)
        for lit in lits:
            role = "core" if _literal_key(lit) in core_keys else "peripheral"
            if lit.values is not None and not lit.negated:
                glyph = GLYPHS[("present", role)] + "[" + ",".join(map(str, lit.values)) + "]"
            else:
                glyph = GLYPHS[("absent" if lit.negated else "present", role)]
            cond_cells[lit.condition][k] = glyph
    return cond_cells, cores


def _fit_rows(sol, model: int, terms: list[str]) -> list[tuple[tuple[str, str], list]]:
    """The configuration rows (fit of each term within the model, cases) and solution rows."""
    mfit = sol.model_fits[model - 1]
    term_fit = mfit.loc[terms]
    covu = term_fit["covU"].tolist()
    if len(terms) == 1:  # R: NA for a one-term model; its unique coverage is its coverage
        covu = term_fit["covS"].tolist()
    rows = [
        (("configuration", "consistency"), term_fit["inclS"].tolist()),
        (("configuration", "PRI"), term_fit["PRI"].tolist()),
        (("configuration", "raw coverage"), term_fit["covS"].tolist()),
        (("configuration", "unique coverage"), covu),
        (("configuration", "cases"),
         [sol.term_cases(sol.models[model - 1][k]) for k in range(len(terms))]),
    ]
    srow = mfit.loc["solution"]
    for name, col in (("consistency", "inclS"), ("PRI", "PRI"), ("coverage", "covS")):
        rows.append((("solution", name), [float(srow[col])] * len(terms)))
    return rows
