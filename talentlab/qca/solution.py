"""The result of a minimisation: solutions, their models and parameters of fit, as R prints them.

:class:`Solution` (one minimisation: prime implicants, chart, models, table of fit, simplifying
assumptions), :class:`IntermediateBranch` (one ``CiPj`` branch of an intermediate solution) and
:class:`MinimizeResult` (what :func:`talentlab.qca.minimize` returns), with :func:`model_lines` and
:func:`format_fit` printing models and tables of fit as R QCA 3.25.1 prints them. The search
itself is :mod:`talentlab.qca.minimize`, which re-exports these names.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.qca.boolean import cover_matrix, implicant_membership
from talentlab.qca.expressions import TOLERANCE, QCAWarning, write_implicant
from talentlab.qca.fit import inclusion_pri, model_parameters, unique_coverage
from talentlab.qca.truth_table import TruthTable, all_configurations

__all__ = ["MAX_MODEL_COLUMNS", "PRINTED_MODEL_COLUMNS", "IntermediateBranch", "MinimizeResult",
           "Solution", "format_fit", "model_lines"]

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

    def implicant_name(self, i: int) -> str:
        """Prime implicant ``i`` (a position in ``implicants``) written as R writes it, ``"A*~B"``.

        Examples
        --------
        >>> import pandas as pd
        >>> from talentlab.qca import minimize, truth_table
        >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 0, 0, 0]})
        >>> minimize(truth_table(d, "Y")).solution.implicant_name(0)
        'A*B'
        """
        return write_implicant(self.implicants[i], self.conditions, self.multivalue)

    @property
    def prime_implicants(self) -> list[str]:
        return [self.implicant_name(i) for i in range(len(self.implicants))]

    @property
    def solutions(self) -> list[list[str]]:
        return [[self.implicant_name(i) for i in model] for model in self.models]

    @property
    def essential(self) -> list[str]:
        if not self.models:
            return []
        common = set(self.models[0]).intersection(*[set(m) for m in self.models[1:]])
        return [self.implicant_name(i) for i in range(len(self.implicants)) if i in common]

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
    def term_cases(self, i: int) -> str:
        """The cases of the explained truth-table rows prime implicant ``i`` covers, as the
        ``cases`` column of the table of fit lists them: the rows in truth-table order, separated
        by semicolons.

        Examples
        --------
        >>> import pandas as pd
        >>> from talentlab.qca import minimize, truth_table
        >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]},
        ...                  index=list("abcd"))
        >>> minimize(truth_table(d, "Y")).solution.term_cases(0)
        'b; a'
        """
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
        names = [self.implicant_name(i) for i in used]
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
        table["cases"] = [self.term_cases(i) for i in used] + [""] * n_models
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
    >>> from talentlab.qca import minimize, truth_table
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
    by_name = {sol.implicant_name(i): i for i in range(len(sol.implicants))}
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
    >>> from talentlab.qca import minimize, truth_table
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
