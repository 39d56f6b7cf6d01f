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
from collections.abc import Sequence
from dataclasses import dataclass, field

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
    write_implicant,
)
from talentlab.qca.fit import (
    inclusion_pri,
    model_parameters,
    sufficiency_inclusion,
    unique_coverage,
)
from talentlab.qca.truth_table import TruthTable, all_configurations, truth_table

__all__ = ["minimize", "MinimizeResult", "Solution", "IntermediateBranch", "MAX_MODEL_COLUMNS",
           "format_fit", "model_lines"]

#: Most models whose unique coverages get a column ``(M1)``, ``(M2)``... in a solution's fit
#: table (R prints one per model). The table has a row per term and per model, so these columns
#: make it grow with the square of the number of models; beyond this many (2,000 models: about
#: 32 MB) they are left out with a :class:`QCAWarning` and ``model_fits[k]`` holds each model's.
MAX_MODEL_COLUMNS = 2_000


@dataclass
class _FitArrays:
    """The numbers of a solution's fit table: ``terms`` (used terms x inclS, PRI, covS, covU
    against all terms), ``sol`` (models x inclS, PRI, covS), ``terms_of`` (models x positions
    into ``names``, padded), ``sizes`` (terms per model), ``covu_in`` (models x covU within the
    model)."""

    names: list[str]
    terms: np.ndarray
    sol: np.ndarray
    terms_of: np.ndarray
    sizes: np.ndarray
    covu_in: np.ndarray


class _ModelFits(Sequence):
    """Each model's fit table (its terms and a ``solution`` row), built on first access."""

    def __init__(self, arrays: _FitArrays):
        self._a = arrays
        self._built: dict[int, pd.DataFrame] = {}

    def __len__(self) -> int:
        return len(self._a.sizes)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self))[k]
        if k not in self._built:
            a = self._a
            pos = a.terms_of[k, : a.sizes[k]]
            values = np.vstack([
                np.column_stack([a.terms[pos, :3], a.covu_in[k, : a.sizes[k]]]),
                np.append(a.sol[k], np.nan)[None, :],
            ])
            index = pd.Index([a.names[p] for p in pos] + ["solution"], name="term")
            self._built[k] = pd.DataFrame(values, index=index,
                                          columns=["inclS", "PRI", "covS", "covU"])
        return self._built[k]


@dataclass
class Solution:
    """One minimisation: prime implicants, chart, models and their parameters of fit.

    Attributes
    ----------
    kind : str
        ``"conservative"``, ``"parsimonious"`` or ``"intermediate"``.
    solutions : list of list of str
        Every minimal model, each a list of terms in R's notation and order.
    essential : list of str
        Prime implicants present in every model.
    prime_implicants : list of str
        All prime implicants of the chart (R's ``PIchart`` rows).
    pi_chart : DataFrame
        Boolean chart, PIs x positive truth-table rows (R row numbers as column labels).
    fit : DataFrame
        R's table of fit: one row per term (``kind="term"``: inclS, PRI, covS, covU, cases) and
        one per model (``kind="model"``, index ``M1``, ``M2``...: inclS, PRI, covS). With several
        models ``covU`` is relative to all listed terms and columns ``(M1)``, ``(M2)``... give
        the unique coverage within each model, as R prints it.
    model_fits : list of DataFrame
        Per model: its terms (covU within the model) and a ``solution`` row.
    """

    kind: str
    conditions: list[str]
    outcome_label: str
    implicants: list[tuple]  # coded PIs, chart order
    chart: np.ndarray
    models: list[tuple]  # indices into implicants
    multivalue: bool
    explain_rows: pd.DataFrame = field(repr=False)
    tt: TruthTable = field(repr=False)
    _fit: pd.DataFrame | None = field(default=None, repr=False)
    _model_fits: Sequence | None = field(default=None, repr=False)
    _fit_arrays: _FitArrays | None = field(default=None, repr=False)
    _sa: dict | None = field(default=None, repr=False)

    def _name(self, i: int) -> str:
        return write_implicant(self.implicants[i], self.conditions, self.multivalue)

    @property
    def prime_implicants(self) -> list[str]:
        return [self._name(i) for i in range(len(self.implicants))]

    @property
    def solutions(self) -> list[list[str]]:
        return [[self._name(i) for i in model] for model in self.models]

    @property
    def essential(self) -> list[str]:
        if not self.models:
            return []
        common = set(self.models[0]).intersection(*[set(m) for m in self.models[1:]])
        return [self._name(i) for i in range(len(self.implicants)) if i in common]

    @property
    def pi_chart(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.chart,
            index=self.prime_implicants,
            columns=[str(r) for r in self.explain_rows.index],
        )

    @property
    def expressions(self) -> list[str]:
        """Each model written as R writes it: ``"A*B + ~C"``."""
        return [" + ".join(s) for s in self.solutions]

    def __str__(self) -> str:
        """Every model and the table of fit, as R prints them (``print(minimize(...))``)."""
        return "\n".join(model_lines(self)) + "\n\n" + format_fit(self)

    # ---------------------------------------------------------------- fit
    def _term_cases(self, i: int) -> str:
        covered = self.chart[i]
        cases = self.explain_rows["cases"].to_numpy()
        return "; ".join(str(c) for c, cov in zip(cases, covered, strict=True) if cov)

    def _compute_fit(self):
        """Parameters of fit of every term and every model from one membership array.

        Terms (inclS, PRI, covS and covU against all listed terms), each model's solution
        (inclS, PRI, covS) and each term's covU within each model are computed for all models
        at once (:func:`talentlab.qca.fit.unique_coverage`), and the table is assembled from
        one array: the work grows linearly with the number of models (R lists every model;
        1,620 of them are not unusual with many conditions)."""
        y = self.tt.data[self.tt.outcome].to_numpy(dtype=float)
        x = self.tt.data[self.conditions].to_numpy(dtype=float)
        used = sorted({i for m in self.models for i in m})
        names = [self._name(i) for i in used]
        mem = np.zeros((len(y), len(used) + 1))  # the last column pads short models
        for k, i in enumerate(used):
            mem[:, k] = implicant_membership(self.implicants[i], x, self.tt.fuzzy)
        incl, pri, pmin = inclusion_pri(mem, y)
        sum_y = float(y.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            cov = pmin.sum(axis=0) / sum_y
        covu = unique_coverage(pmin[:, :-1].T, sum_y)[0]
        position = {i: k for k, i in enumerate(used)}
        n_models = len(self.models)
        sizes = np.asarray([len(m) for m in self.models], dtype=np.int64)
        width = int(sizes.max()) if n_models else 0
        terms_of = np.full((n_models, width), len(used), dtype=np.int64)
        for k, model in enumerate(self.models):
            terms_of[k, : len(model)] = [position[i] for i in model]
        sol, covu_in = model_parameters(np.ascontiguousarray(mem.T), y, terms_of, sizes)
        self._fit_arrays = _FitArrays(names=names, terms=np.column_stack(
            [incl[:-1], pri[:-1], cov[:-1], covu]), sol=sol, terms_of=terms_of, sizes=sizes,
            covu_in=covu_in)
        columns = ["inclS", "PRI", "covS", "covU"]
        per_model = 1 < n_models <= MAX_MODEL_COLUMNS
        if per_model:
            columns += [f"(M{k + 1})" for k in range(n_models)]
        elif n_models > MAX_MODEL_COLUMNS:
            warnings.warn(f"{n_models} equally minimal models: the fit table leaves out the "
                          f"per-model unique coverage columns (more than {MAX_MODEL_COLUMNS}); "
                          "model_fits[k] has them for each model", QCAWarning, stacklevel=3)
        values = np.full((len(used) + n_models, len(columns)), np.nan)
        values[: len(used), :4] = self._fit_arrays.terms
        values[len(used):, :3] = sol
        if per_model:
            real = np.arange(width)[None, :] < sizes[:, None]
            model_idx = np.broadcast_to(np.arange(n_models)[:, None], real.shape)
            values[terms_of[real], 4 + model_idx[real]] = covu_in[real]
        index = pd.Index(names + [f"M{k + 1}" for k in range(n_models)], name="term")
        table = pd.DataFrame(values, index=index, columns=columns, copy=False)
        table["cases"] = [self._term_cases(i) for i in used] + [""] * n_models
        table["kind"] = ["term"] * len(used) + ["model"] * n_models
        self._fit = table
        self._model_fits = _ModelFits(self._fit_arrays)

    @property
    def fit(self) -> pd.DataFrame:
        if self._fit is None:
            self._compute_fit()
        return self._fit

    @property
    def model_fits(self) -> Sequence[pd.DataFrame]:
        """Per model, its terms (covU within the model) and a ``solution`` row; each table is
        built when first asked for (a sequence, indexed like a list)."""
        if self._model_fits is None:
            self._compute_fit()
        return self._model_fits

    # --------------------------------------------------- simplifying assumptions
    @property
    def simplifying_assumptions(self) -> dict[str, pd.DataFrame]:
        """Per model, the logical remainders its prime implicants cover (R ``$SA``)."""
        if self._sa is None:
            self._sa = {}
            configs = all_configurations(self.tt.noflevels)
            explain_numbers = set(self.explain_rows.index.tolist())
            for k, model in enumerate(self.models):
                cov = cover_matrix([self.implicants[i] for i in model], configs).any(axis=0)
                nums = [r for r in np.flatnonzero(cov) + 1 if r not in explain_numbers]
                empty = np.zeros((0, len(self.conditions)))
                sa = pd.DataFrame(
                    configs[np.asarray(nums, dtype=int) - 1] if nums else empty,
                    columns=self.conditions,
                    index=pd.Index(nums, name="row", dtype="int64"),
                ).astype("int64")
                self._sa[f"M{k + 1}"] = sa
        return self._sa


@dataclass
class IntermediateBranch:
    """Intermediate solution from conservative model ``Ci`` and parsimonious model ``Pj``."""

    name: str
    c_sol: list[str]
    p_sol: list[str]
    easy_counterfactuals: pd.DataFrame
    difficult_counterfactuals: pd.DataFrame
    solution: Solution
    non_simplifying_easy_counterfactuals: pd.DataFrame | None = None

    @property
    def solutions(self) -> list[list[str]]:
        return self.solution.solutions

    @property
    def fit(self) -> pd.DataFrame:
        return self.solution.fit

    def __str__(self) -> str:
        return (f"From {self.name}:\n\n" + "\n".join(model_lines(self.solution, True))
                + "\n\n" + format_fit(self.solution))


@dataclass
class MinimizeResult:
    """Result of :func:`minimize`.

    ``solutions``, ``fit``, ``essential``, ``prime_implicants``, ``pi_chart``, ``model_fits`` and
    ``simplifying_assumptions`` refer to the requested solution (``kind``). For an intermediate
    solution (``directional`` given) they refer to the intermediate solution; with several
    conservative/parsimonious models there is one branch per pair (``branches["C1P1"]``...) and
    ``solutions`` lists the models of all branches in order, without repeats (``solution`` and
    ``fit`` are those of the first branch). ``conservative`` and ``parsimonious`` hold those
    solutions when they were computed (R keeps the parsimonious one at top level; here it is
    ``result.parsimonious``).
    """

    kind: str
    solution: Solution
    tt: TruthTable
    conservative: Solution | None = None
    parsimonious: Solution | None = None
    branches: dict[str, IntermediateBranch] = field(default_factory=dict)

    @property
    def solutions(self) -> list[list[str]]:
        if self.kind == "intermediate" and len(self.branches) > 1:
            seen, out = set(), []
            for br in self.branches.values():
                for s in br.solutions:
                    if tuple(s) not in seen:
                        seen.add(tuple(s))
                        out.append(s)
            return out
        return self.solution.solutions

    @property
    def fit(self) -> pd.DataFrame:
        return self.solution.fit

    @property
    def model_fits(self) -> list[pd.DataFrame]:
        return self.solution.model_fits

    @property
    def essential(self) -> list[str]:
        return self.solution.essential

    @property
    def prime_implicants(self) -> list[str]:
        return self.solution.prime_implicants

    @property
    def pi_chart(self) -> pd.DataFrame:
        return self.solution.pi_chart

    @property
    def expressions(self) -> list[str]:
        return [" + ".join(s) for s in self.solutions]

    @property
    def simplifying_assumptions(self) -> dict[str, pd.DataFrame]:
        return self.solution.simplifying_assumptions

    @property
    def easy_counterfactuals(self) -> pd.DataFrame | None:
        if not self.branches:
            return None
        return next(iter(self.branches.values())).easy_counterfactuals

    @property
    def numbers(self) -> dict[str, int]:
        rows = self.tt.all_rows
        n1 = int(rows.loc[rows["OUT"] == "1", "n"].sum())
        n0 = int(rows.loc[rows["OUT"] == "0", "n"].sum())
        nc = int(rows.loc[rows["OUT"] == "C", "n"].sum())
        return {"OUT1": n1, "OUT0": n0, "OUTC": nc, "Total": n1 + n0 + nc}

    def __str__(self) -> str:
        """Every model of every branch and their tables of fit, as R prints them: branches with
        the same models are printed once, under ``From C1P1, C2P1:``."""
        if self.kind != "intermediate":
            return str(self.solution)
        groups: dict[tuple, list[str]] = {}
        for name, br in self.branches.items():
            groups.setdefault(tuple(map(tuple, br.solutions)), []).append(name)
        parts = []
        for names in groups.values():
            sol = self.branches[names[0]].solution
            parts.append(f"From {', '.join(names)}:\n\n" + "\n".join(
                model_lines(sol, intermediate=True)) + "\n\n" + format_fit(sol))
        return "\n\n".join(parts)


#: Most models whose unique coverages ``(M1)``, ``(M2)``... a printed table of fit shows (R splits
#: wider tables into chunks of columns; ``.fit`` holds them all).
PRINTED_MODEL_COLUMNS = 8


def _centre(text: str, width: int = 5) -> str:
    """Centred as R's ``format(justify = "centre")``: an odd space goes to the right."""
    left = max(0, width - len(text)) // 2
    return (" " * left + text).ljust(width)


def _number(v, blank: str = "-") -> str:
    return blank if v is None or pd.isna(v) else f"{float(v):.3f}"


def model_lines(sol: Solution, intermediate: bool = False, sol_cov: float = 1.0) -> list[str]:
    """The models of a solution as R prints them: ``M1: A*B + (C) -> Y``.

    Essential prime implicants come first and the others in parentheses (when there are
    essential ones); the arrow is ``<->`` when the model's coverage reaches ``sol_cov`` (R's
    ``sol.cov``, default 1) and ``->`` otherwise; model numbers are zero-padded when there are
    ten or more, and an intermediate solution's labels are padded to seven characters (R
    ``print.qca``). For an intermediate solution with several models the arrow follows the
    coverage of all its prime implicants together, as R's ``overall`` table.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    >>> model_lines(minimize(truth_table(d, "Y")).solution)
    ['M1: A <-> Y']
    """
    fit = sol.fit
    n = len(sol.models)
    digits = len(str(n))
    essential = sol.essential
    overall_cov = np.nan
    if intermediate and n > 1:
        terms = fit.loc[fit["kind"] == "term"].index.tolist()
        overall_cov = float(_union_coverage(sol, terms))
    lines = []
    for k, terms in enumerate(sol.solutions):
        label = f"M{k + 1:0{digits}d}: "
        if intermediate:
            label = label.ljust(7)
        cov = overall_cov if intermediate and n > 1 else float(fit.loc[f"M{k + 1}", "covS"])
        arrow = "<->" if cov + TOLERANCE >= sol_cov else "->"
        rest = [t for t in terms if t not in essential]
        if essential and rest:
            shown = [t for t in essential] + [f"({' + '.join(rest)})"]
        else:
            shown = list(terms)
        lines.append(f"{label}{' + '.join(shown)} {arrow} {sol.outcome_label}")
    return lines


def _union_coverage(sol: Solution, terms: list[str]) -> float:
    """Coverage of the union of the given terms of ``sol``."""
    tt = sol.tt
    x = tt.data[sol.conditions].to_numpy(dtype=float)
    y = tt.data[tt.outcome].to_numpy(dtype=float)
    by_name = {sol._name(i): i for i in range(len(sol.implicants))}
    union = np.max([implicant_membership(sol.implicants[by_name[t]], x, tt.fuzzy)
                    for t in terms], axis=0)
    return float(np.minimum(union, y).sum() / y.sum())


def format_fit(sol: Solution, show_cases: bool = True) -> str:
    """The table of fit as R prints it: three decimals, ``-`` for a unique coverage R leaves
    out, terms numbered with the essential prime implicants first (above a rule), one column
    ``(Mk)`` per model (up to :data:`PRINTED_MODEL_COLUMNS`), the cases each term covers, then
    the models' inclusion, PRI and coverage. No internal columns.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]},
    ...                  index=list("abcd"))
    >>> print(format_fit(minimize(truth_table(d, "Y")).solution))
           inclS   PRI   covS   covU   cases
    ----------------------------------------
    1   A  1.000  1.000  1.000    -    b; a
    ----------------------------------------
       M1  1.000  1.000  1.000
    """
    fit = sol.fit
    terms = fit.loc[fit["kind"] == "term"]
    models = fit.loc[fit["kind"] == "model"]
    essential = [t for t in sol.essential if t in terms.index] if len(models) > 1 else []
    order = essential + [t for t in terms.index if t not in essential]
    terms = terms.loc[order]
    model_cols = [c for c in fit.columns if c.startswith("(M")]
    if len(model_cols) > PRINTED_MODEL_COLUMNS:
        model_cols = []
    columns = ["inclS", "PRI", "covS", "covU"] + model_cols
    names = [str(t) for t in terms.index] + [str(m) for m in models.index]
    w_name = max(len(t) for t in names)
    w_num = len(str(len(terms)))
    pad = " " * (w_num + 2)

    def cells(row, cols, blank_models: bool):
        out = []
        for c in cols:
            blank = "     " if (blank_models and c in model_cols) else "  -  "
            out.append(_centre(_number(row[c], blank)))
        return "  ".join(out)

    header = pad + " " * w_name + "  " + "  ".join(_centre(c) for c in columns)
    if show_cases:
        header += "  cases"
    body = []
    for k, (name, row) in enumerate(terms.iterrows()):
        line = f"{k + 1:>{w_num}}  {name:>{w_name}}  {cells(row, columns, True)}"
        if show_cases:
            line += f"  {row['cases']}"
        body.append(line.rstrip())
        if essential and k == len(essential) - 1 and len(terms) > len(essential):
            body.append("-")
    model_rows = [f"{pad}{name:>{w_name}}  {cells(row, columns[:3], False)}".rstrip()
                  for name, row in models.iterrows()]
    width = max(len(line) for line in [header] + body + model_rows)
    rule = "-" * width
    body = [rule if line == "-" else line for line in body]
    lines = [header.rstrip(), rule, *body, rule, *model_rows]
    if model_cols:  # R's rule over the per-model columns
        lines.insert(0, " " * (w_name + w_num + 25) + "-" * (7 * (len(columns) - 3) - 2))
    if len([c for c in fit.columns if c.startswith("(M")]) > len(model_cols):
        lines.append(f"(unique coverage within each of the {len(models)} models: .fit, "
                     "columns (M1), (M2)...)")
    return "\n".join(lines)


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
                c_sol=[conservative._name(i) for i in cmodel],
                p_sol=[parsimonious._name(i) for i in pmodel],
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
