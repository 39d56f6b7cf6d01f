"""QCA on a researcher's own cases in one call: :func:`analyse` (``talentlab qca``).

From a case table (a DataFrame, or a CSV/xlsx file read through :mod:`talentlab.data`) to every
result an fsQCA paper reports: calibration with the anchors stated, necessity of each condition
and its negation, the truth table, the conservative, parsimonious and intermediate solutions with
their parameters of fit, the Ragin-Fiss configuration table (core conditions from the
parsimonious, peripheral from the intermediate solution), NCA beside it, and a methods paragraph
in English and Chinese that states every choice. The conventions are R QCA 3.25.1's (Dusa), and
NCA's scope is R NCA's default, the observed range.

Pure computation: the statistics take tables and return tables; writing the results (CSV,
``.docx``, LaTeX, chart) is :func:`talentlab.report.qca_tables.write_qca_results`.

Limits / 输入限制 (refused with a :class:`~talentlab.qca.QCAError` naming the limit; defined in
:mod:`talentlab.qca.analysis_settings` and re-exported here): at most :data:`MAX_CONDITIONS`
conditions (the truth table has 2^k rows and the exact minimisation of random-looking data grows
quickly beyond ten conditions: see ``benchmarks/bench_qca.py``), :data:`MAX_CASES` cases, and
:data:`MAX_MODELS` equally minimal models per solution.

The case table and options are read and checked by :mod:`talentlab.qca.analysis_inputs`, the
methods paragraph is written by :mod:`talentlab.qca.analysis_text`; this module re-exports their
public functions.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.qca.analysis_inputs import (
    case_names,
    case_values,
    check_membership,
    panel_ids,
    parse_calibration,
    parse_conditions,
    parse_directional,
    parse_expressions,
    parse_theory,
    read_cases,
)
from talentlab.qca.analysis_settings import (
    MAX_CASES,
    MAX_CONDITIONS,
    MAX_MODELS,
    NCA_SEED,
    NECESSITY_CUT,
    ROBUSTNESS_ANCHOR_STEP,
    ROBUSTNESS_INCL_STEP,
    ROBUSTNESS_RUNS,
    ROBUSTNESS_TEST_CROSSOVER,
    ROBUSTNESS_TEST_INCL,
)
from talentlab.qca.analysis_text import diagnostics_sentences, methods_paragraph
from talentlab.qca.calibrate import calibrate as calibrate_values
from talentlab.qca.calibrate import parse_thresholds
from talentlab.qca.cluster import ClusterDiagnostics, cluster_diagnostics
from talentlab.qca.configuration import configuration_table
from talentlab.qca.esa import (
    contradictory_simplifying_assumptions,
    enhanced_standard_analysis,
    esa_exclusions,
    simultaneous_subset_rows,
)
from talentlab.qca.expressions import QCAError, QCAWarning, split_outcome
from talentlab.qca.minimize import minimize
from talentlab.qca.nca import NCAResult, nca
from talentlab.qca.necessity import necessity
from talentlab.qca.robustness_fit import (
    case_ratios,
    robust_cases,
    robust_core_fit,
    robustness_fit,
    single_test_fit,
)
from talentlab.qca.robustness_ranges import (
    calibration_range,
    frequency_cut_range,
    inclusion_cut_range,
)
from talentlab.qca.smmr import smmr
from talentlab.qca.solution import MinimizeResult
from talentlab.qca.theory import MAX_BOOLEAN_CONFIGURATIONS, TheoryEvaluation, theory_evaluation
from talentlab.qca.truth_table import TruthTable, truth_table
from talentlab.qca.xy import XYData, xy_data

# the settings, the options' parsers and the methods text are defined in analysis_settings,
# analysis_inputs and analysis_text and re-exported: their import paths from 0.1 keep working
__all__ = ["MAX_CASES", "MAX_CONDITIONS", "MAX_MODELS", "NCA_SEED", "NECESSITY_CUT",
           "QCADiagnostics", "QCAResult", "QCARobustness", "ROBUSTNESS_ANCHOR_STEP",
           "ROBUSTNESS_INCL_STEP", "ROBUSTNESS_RUNS", "ROBUSTNESS_TEST_CROSSOVER",
           "ROBUSTNESS_TEST_INCL", "analyse", "diagnostics_sentences", "methods_paragraph",
           "parse_calibration", "parse_directional", "parse_expressions", "robustness_checks"]


@dataclass
class QCARobustness:
    """Robustness of the solution shown in the configuration table (Oana & Schneider 2024,
    SetMethods 4.0 conventions): see :func:`robustness_checks`.

    Attributes
    ----------
    solution : str
        The solution examined (intermediate when directional expectations were given, else
        parsimonious); its first model is compared.
    ranges : DataFrame
        One row per parameter (``incl_cut``, ``n_cut``, and each anchor of each calibrated set,
        column ``set``): ``value``, ``lower``, ``upper`` within which the model stays the same
        (:mod:`talentlab.qca.robustness_ranges`).
    tests : DataFrame
        The test set: each alternative analysis (``change``), its first model, its robustness
        case rank and set coincidence with the initial solution; analyses without a solution
        are listed with an empty model and left out of the fit.
    fit : DataFrame
        One row: RF_cov, RF_cons, RF_SC_minTS, RF_SC_maxTS, the robust core's inclS, covS and
        PRI, RCR_typ, RCR_dev and RCC_Rank (:mod:`talentlab.qca.robustness_fit`).
    cases : DataFrame
        Each case's memberships in IS, the minimal and maximal test sets, and its type.
    """

    solution: str
    ranges: pd.DataFrame
    tests: pd.DataFrame
    fit: pd.DataFrame | None
    cases: pd.DataFrame | None


@dataclass
class QCADiagnostics:
    """Diagnostics of the solution shown in the configuration table (model M1; for an
    intermediate solution, of branch C1P1), computed by :func:`analyse`.

    Attributes
    ----------
    solution : str
        ``"intermediate"`` or ``"parsimonious"``.
    model : list of str
        The terms of the model examined.
    csa, ssr : DataFrame or None
        Contradictory simplifying assumptions and simultaneous subset relations (truth-table
        rows, :func:`talentlab.qca.contradictory_simplifying_assumptions`,
        :func:`talentlab.qca.simultaneous_subset_rows`); None when they could not be
        computed (the reason is in ``problems``).
    smmr : DataFrame
        Typical and deviant consistency cases of each term (column ``type``), ranked as
        SetMethods 4.0 ``smmr`` (:func:`talentlab.qca.smmr`).
    xy : XYData
        The model (its terms joined by ``+``) against the outcome (:func:`talentlab.qca.xy_data`).
    theory : TheoryEvaluation or None
        With ``theory=`` (:func:`talentlab.qca.theory_evaluation`).
    cluster : ClusterDiagnostics or None
        With ``unit=`` and ``cluster=``: each term and the whole model
        (:func:`talentlab.qca.cluster_diagnostics`).
    esa : dict
        With ``necessary=`` or ``untenable=``: the enhanced parsimonious (and, with directional
        expectations, intermediate) solution, by name.
    esa_exclusions : DataFrame or None
        The rows the enhanced standard analysis kept out, and why
        (:func:`talentlab.qca.esa_exclusions`).
    problems : dict
        Diagnostic -> why it could not be computed (``csa``, ``ssr``, ``theory``, ``esa``...).
    """

    solution: str
    model: list[str]
    csa: pd.DataFrame | None
    ssr: pd.DataFrame | None
    smmr: pd.DataFrame
    xy: XYData
    theory: TheoryEvaluation | None = None
    cluster: ClusterDiagnostics | None = None
    esa: dict[str, MinimizeResult] = field(default_factory=dict)
    esa_exclusions: pd.DataFrame | None = None
    problems: dict[str, str] = field(default_factory=dict)

    @property
    def expression(self) -> str:
        """The model as one expression (``"A*B + C"``)."""
        return " + ".join(self.model)


@dataclass
class QCAResult:
    """Everything :func:`analyse` computes; ``print()`` shows it as R prints its objects.

    Attributes
    ----------
    cases : DataFrame
        The input columns used (conditions and outcome as given, case names as index).
    data : DataFrame
        The sets analysed: calibrated (or given) memberships of the conditions and the outcome.
    outcome : str
        As written (``"~Y"`` for the negated outcome).
    conditions : list of str
    calibration : dict
        Set -> anchors used, as text (``"e=1, c=2, i=3"``); sets not calibrated are absent.
    necessity : DataFrame
        inclN, RoN, covN of each condition and its negation (``necessary``: inclN >= 0.9).
    truth_table : TruthTable
    conservative, parsimonious, intermediate : MinimizeResult or None
        None when the solution does not exist (the reason is in ``problems``) or, for the
        intermediate solution, when no directional expectation was given.
    configurations : DataFrame or None
        :func:`talentlab.qca.configuration_table` of the intermediate solution (else the
        parsimonious one), model 1 of the first branch.
    nca : NCAResult
    options : dict
        Every choice: cut-offs, directional expectations, NCA scope and permutations...
    problems : dict
        Solution -> why it could not be computed (``"robustness"`` when the robustness checks
        could not run).
    source : str
        The file read, or ``"DataFrame"``.
    robustness : QCARobustness or None
        With ``analyse(..., robustness=True)``.
    diagnostics : QCADiagnostics or None
        CSA, SSR, SMMR cases, XY data and the optional theory evaluation, cluster diagnostics
        and enhanced standard analysis of the configuration table's solution; None without a
        solution.
    """

    cases: pd.DataFrame
    data: pd.DataFrame
    outcome: str
    conditions: list[str]
    calibration: dict[str, str]
    necessity: pd.DataFrame
    truth_table: TruthTable
    conservative: MinimizeResult | None
    parsimonious: MinimizeResult | None
    intermediate: MinimizeResult | None
    configurations: pd.DataFrame | None
    nca: NCAResult
    options: dict
    problems: dict[str, str] = field(default_factory=dict)
    source: str = "DataFrame"
    warnings: list[str] = field(default_factory=list)
    robustness: QCARobustness | None = None
    diagnostics: QCADiagnostics | None = None

    @property
    def solutions(self) -> dict[str, MinimizeResult]:
        """The solutions computed, by name (conservative, parsimonious, intermediate)."""
        return {k: v for k, v in (("conservative", self.conservative),
                                  ("parsimonious", self.parsimonious),
                                  ("intermediate", self.intermediate)) if v is not None}

    def methods(self, lang: str = "en") -> str:
        """The methods paragraph (``lang="en"`` or ``"zh"``) stating every choice."""
        return methods_paragraph(self, lang)

    def __str__(self) -> str:
        parts = [f"QCA of {self.outcome} on {', '.join(self.conditions)} "
                 f"({len(self.data)} cases, {self.source})", "", str(self.truth_table)]
        for name, res in self.solutions.items():
            parts += ["", f"{name.capitalize()} solution", "", str(res)]
        for name, why in self.problems.items():
            what = "Robustness checks" if name == "robustness" else f"{name.capitalize()} solution"
            parts += ["", f"{what}: not computed - {why}"]
        if self.diagnostics is not None:
            parts += ["", "Diagnostics", ""] + [f"- {line}" for line in
                                                diagnostics_sentences(self, "en")]
        return "\n".join(parts)


def analyse(
    cases,
    outcome: str,
    conditions: Sequence[str] | str,
    *,
    calibration=None,
    incl_cut: float = 0.8,
    n_cut: int = 1,
    pri_cut: float = 0.0,
    directional=None,
    case_column: str | None = None,
    nca_scope: str = "observed",
    nca_permutations: int = 0,
    encoding: str | None = None,
    robustness: bool = True,
    theory: str | None = None,
    unit: str | None = None,
    cluster: str | None = None,
    necessary=None,
    untenable=None,
    esa_csa: bool = True,
) -> QCAResult:
    """Analyse a case table with QCA and NCA in one call.

    Parameters
    ----------
    cases : DataFrame or path
        One row per case. A ``.csv`` (UTF-8 with or without BOM, GB18030...) or ``.xlsx`` file
        is read through :mod:`talentlab.data` (encodings detected); Chinese column names are
        fine. Case names: ``case_column``, else the first column when it is not a condition or
        the outcome (as R's row names), else the row numbers.
    outcome : str
        The outcome column; ``"~Y"`` analyses its negation.
    conditions : list of str or "A,B,C"
    calibration : mapping or str, optional
        Anchors of the sets to calibrate by the direct method (:func:`parse_calibration`):
        ``{"DEV": "e=400, c=550, i=900"}`` or ``"DEV=400,550,900;URB=..."``. Other sets must
        already be memberships in [0, 1] (or crisp levels 0, 1, ...).
    incl_cut, n_cut, pri_cut : float, int, float
        Truth-table cut-offs (R ``incl.cut``, ``n.cut``, ``pri.cut``). Default 0.8, 1, 0.
    directional : mapping, list or str, optional
        Directional expectations for the intermediate solution (:func:`parse_directional`:
        ``"A=1,B=0,C=-"``, or R's list form ``["A", "~B"]``). Without them the intermediate
        solution is not computed and the configuration table shows the parsimonious solution.
    case_column : str, optional
    nca_scope : {"observed", "theoretical"}
        NCA's scope: the observed range (R NCA's default) or [0, 1].
    nca_permutations : int
        Permutations of NCA's significance test (0: no test; Dul et al. 2020 use 10,000); the
        seed is fixed (:data:`NCA_SEED`).
    encoding : str, optional
        Encoding of a CSV file (default: detected).
    robustness : bool, default True
        Run the robustness checks of :func:`robustness_checks` (ranges of the cut-offs and
        anchors that keep the solution, robustness fit against a test set); bounded by
        :data:`ROBUSTNESS_RUNS`. ``False`` skips them.
    theory : str, optional
        A theory as an expression of the conditions (``"DEV*~IND"``), evaluated against the
        configuration table's solution (:func:`talentlab.qca.theory_evaluation`).
    unit, cluster : str, optional
        Columns of a pooled panel naming the unit (a college) and the cluster (a year): cluster
        diagnostics of each term and of the whole solution (:func:`talentlab.qca.cluster_diagnostics`).
        Give both or neither.
    necessary, untenable : str or list of str, optional
        The enhanced standard analysis (Schneider & Wagemann 2013): expressions of necessary
        conditions (rows outside them are kept out) and of untenable assumptions (remainders
        inside them are kept out), several separated by ``;``. The enhanced parsimonious and
        intermediate solutions are reported beside the standard ones.
    esa_csa : bool, default True
        The enhanced standard analysis also keeps the contradictory simplifying assumptions out
        (Schneider & Wagemann 2013); ``False`` keeps only the rows of ``necessary`` and
        ``untenable`` out (SetMethods ``esa`` without ``contrad_rows``).

    The diagnostics always computed (``result.diagnostics``): contradictory simplifying
    assumptions and simultaneous subset relations of the truth table, the typical and deviant
    consistency cases of the configuration table's model (SMMR) and its XY data.

    Returns
    -------
    QCAResult

    Raises
    ------
    QCAError
        Bad input, naming file, row, column, value and rule; or a limit
        (:data:`MAX_CONDITIONS`, :data:`MAX_CASES`, :data:`MAX_MODELS`).

    Examples
    --------
    >>> d = pd.DataFrame({"case": ["a", "b", "c", "d", "e"], "A": [1, 1, 0, 0, 1],
    ...                   "B": [1, 0, 1, 0, 1], "Y": [1, 1, 0, 0, 1]})
    >>> res = analyse(d, "Y", "A,B", incl_cut=1, directional="A=1,B=1")
    >>> res.parsimonious.solutions, res.intermediate.solutions
    ([['A']], [['A']])
    >>> res.configurations.loc["condition"].to_dict("list")
    {'1': ['●', '']}
    >>> res.diagnostics.smmr[["type", "case", "term"]].values.tolist()
    [['typical', 'a', 'A'], ['typical', 'b', 'A'], ['typical', 'e', 'A']]
    """
    conditions = parse_conditions(conditions)
    if not conditions:
        raise QCAError("no conditions given / 未给出条件")
    if len(conditions) > MAX_CONDITIONS:
        raise QCAError(f"{len(conditions)} conditions: at most {MAX_CONDITIONS} (limit "
                       f"MAX_CONDITIONS; 2^k truth-table rows) / 条件数超过上限 {MAX_CONDITIONS}")
    base, negated = split_outcome(outcome)
    if len(set(conditions)) != len(conditions):
        raise QCAError("a condition is listed twice / 条件重复")
    if base in conditions:
        raise QCAError(f"{base!r} is both the outcome and a condition / 既是结果又是条件")
    text, rows, source = read_cases(cases, encoding)
    text.columns = [str(c) for c in text.columns]
    missing = [c for c in conditions + [base] if c not in text.columns]
    if missing:
        raise QCAError(f"{source}: no column {missing} (columns: {list(text.columns)}) / "
                       f"找不到列 {missing}")
    if len(text) == 0:
        raise QCAError(f"{source}: no cases / 没有案例")
    if len(text) > MAX_CASES:
        raise QCAError(f"{source}: {len(text)} cases, at most {MAX_CASES} (limit MAX_CASES) / "
                       f"案例数超过上限 {MAX_CASES}")
    names, name_column = case_names(text, rows, conditions + [base], case_column, source)
    theory = parse_theory(theory, conditions)
    necessary = parse_expressions(necessary, "--necessary", conditions)
    untenable = parse_expressions(untenable, "--untenable", conditions)
    ids = panel_ids(text, rows, unit, cluster, conditions + [base], source)
    cal = parse_calibration(calibration)
    unknown = [c for c in cal if c not in conditions + [base]]
    if unknown:
        raise QCAError(f"calibration given for {unknown}, which are not conditions or the "
                       "outcome / 校准的集合不是条件或结果")
    raw = pd.DataFrame({c: case_values(text, c, rows, source) for c in conditions + [base]},
                       index=pd.Index(names, name=name_column or "case"))
    sets = {}
    for c in conditions + [base]:
        if c in cal:
            sets[c] = np.asarray(calibrate_values(raw[c].to_numpy(), cal[c]), dtype=float)
        else:
            check_membership(raw[c].to_numpy(), c, rows, source)
            sets[c] = raw[c].to_numpy()
    data = pd.DataFrame(sets, index=raw.index)
    directional = parse_directional(directional)
    caught: list[str] = []
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always", QCAWarning)
        nec = necessity(data, outcome, conditions, incl_cut=NECESSITY_CUT)
        tt = truth_table(data, outcome, conditions, incl_cut=incl_cut, n_cut=n_cut,
                         pri_cut=pri_cut, complete=True)
        solutions, problems = _solutions(tt, directional)
        caught += [str(w.message) for w in seen if issubclass(w.category, QCAWarning)]
    chosen = solutions.get("intermediate") or solutions.get("parsimonious")
    configurations = configuration_table(chosen) if chosen is not None else None
    y = tt.data[tt.outcome].to_numpy(dtype=float)
    nca_data = data[conditions].assign(**{tt.outcome_label: y})
    nca_res = nca(nca_data, conditions, tt.outcome_label, scope=nca_scope,
                  n_permutations=nca_permutations, seed=NCA_SEED)
    options = {
        "incl_cut": float(incl_cut), "n_cut": int(n_cut), "pri_cut": float(pri_cut),
        "directional": directional, "nca_scope": nca_scope,
        "nca_permutations": int(nca_permutations), "nca_seed": NCA_SEED,
        "necessity_cut": NECESSITY_CUT, "case_column": name_column, "negated": negated,
        "configurations_from": ("intermediate" if solutions.get("intermediate") is not None
                                else "parsimonious" if chosen is not None else None),
        "theory": theory, "unit": unit, "cluster": cluster, "necessary": necessary,
        "untenable": untenable, "esa_csa": bool(esa_csa),
    }
    result = QCAResult(
        cases=raw, data=data, outcome=tt.outcome_label, conditions=conditions,
        calibration=cal, necessity=nec, truth_table=tt,
        conservative=solutions.get("conservative"), parsimonious=solutions.get("parsimonious"),
        intermediate=solutions.get("intermediate"), configurations=configurations, nca=nca_res,
        options=options, problems=problems, source=source, warnings=list(dict.fromkeys(caught)),
    )
    if chosen is not None:
        result.diagnostics = _diagnostics(result, chosen, ids)
    if robustness:
        if chosen is None:
            problems["robustness"] = ("no solution to check / 没有可检验的解")
        else:
            result.robustness = robustness_checks(result)
    return result


def _diagnostics(result: QCAResult, chosen: MinimizeResult,
                 ids: pd.DataFrame | None) -> QCADiagnostics:
    """CSA, SSR, SMMR, XY, and the optional theory, cluster and ESA diagnostics of the model the
    configuration table shows (M1; C1P1 for an intermediate solution)."""
    o = result.options
    tt = result.truth_table
    problems: dict[str, str] = {}
    model = list(chosen.solution.solutions[0])
    csa = ssr = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", QCAWarning)
        # the negated outcome's truth table may have no positive row or be a tautology: the
        # CSAs are then undefined, which is a finding to state, not a failure of the analysis
        try:
            csa = contradictory_simplifying_assumptions(tt)
        except QCAError as exc:
            # the outcome's own parsimonious solution exists here, so the negation's failed
            label = result.outcome
            negation = label[1:].strip() if label.startswith("~") else f"~{label}"
            problems["csa"] = f"the parsimonious solution of {negation}: {exc}"
        try:
            ssr = simultaneous_subset_rows(tt)
        except QCAError as exc:
            problems["ssr"] = str(exc)
    cases = []
    for kind in ("typical", "deviant_consistency"):
        table = smmr(chosen, kind)
        table.insert(0, "type", kind)
        cases.append(table)
    cases = pd.concat(cases, ignore_index=True)
    columns = ["type", "case", "term", "membership", "outcome", "unique_coverage", "best", "most"]
    cases = cases[columns]
    xy = xy_data(result.data, " + ".join(model), result.outcome)
    out = QCADiagnostics(solution=o["configurations_from"], model=model, csa=csa, ssr=ssr,
                         smmr=cases, xy=xy, problems=problems)
    if o["theory"] is not None:
        boolean = int(np.prod(tt.noflevels)) <= MAX_BOOLEAN_CONFIGURATIONS
        out.theory = theory_evaluation(o["theory"], chosen, boolean=boolean)
    if ids is not None:
        panel = result.data.reset_index(drop=True).assign(
            **{"__unit": ids["unit"].to_numpy(), "__cluster": ids["cluster"].to_numpy()})
        sets = model + ([out.expression] if len(model) > 1 else [])
        out.cluster = cluster_diagnostics(panel, sets, result.outcome, unit="__unit",
                                          cluster="__cluster")
    if o["necessary"] or o["untenable"]:
        contradictory = ([int(r) for r in csa.index] if o["esa_csa"] and csa is not None else [])
        out.esa_exclusions = esa_exclusions(tt, o["necessary"], o["untenable"], contradictory)
        runs = [("parsimonious", None)]
        if o["directional"] is not None:
            runs.append(("intermediate", o["directional"]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QCAWarning)
            for name, directional in runs:
                try:
                    out.esa[name] = enhanced_standard_analysis(
                        tt, o["necessary"], o["untenable"], contradictory,
                        directional=directional, max_models=MAX_MODELS).result
                except QCAError as exc:
                    problems[f"esa {name}"] = str(exc)
    return out


def _anchors(spec: str) -> list[float] | None:
    """(e, c, i) of a three-anchor calibration, None for a bell shape."""
    values, names = parse_thresholds(spec)
    if len(values) != 3:
        return None
    if names is not None:
        lookup = dict(zip(names, values, strict=True))
        return [lookup["e"], lookup["c"], lookup["i"]]
    return [float(v) for v in values]


def robustness_checks(result: QCAResult, runs: int = ROBUSTNESS_RUNS) -> QCARobustness:
    """Robustness of an analysis's solution to its cut-offs and calibration anchors.

    The solution examined is the one of the configuration table: intermediate with directional
    expectations, else parsimonious. (1) Ranges (SetMethods ``rob.inclrange``,
    ``rob.ncutrange``, ``rob.calibrange``): the inclusion cut-off in steps of
    :data:`ROBUSTNESS_INCL_STEP`, the frequency cut-off in steps of 1 and each anchor of each
    set calibrated with three anchors in steps of :data:`ROBUSTNESS_ANCHOR_STEP` x ``|i - e|``,
    at most ``runs`` steps each way. (2) Robustness fit (SetMethods ``rob.fit``,
    ``rob.corefit``, ``rob.cases``, ``rob.singletest``) against a test set of alternative
    analyses: inclusion cut-off -/+ :data:`ROBUSTNESS_TEST_INCL` (kept within (0, 1]),
    frequency cut-off + 1, and each crossover -/+ :data:`ROBUSTNESS_TEST_CROSSOVER` x
    ``|i - e|``. Bounded: ``runs`` is at most :data:`talentlab.qca.robustness_ranges.MAX_RANGE_RUNS`.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1, .6], "B": [.8, .3, .9, .6, .2, .7],
    ...                   "Y": [.9, .7, .8, .3, .1, .6]}, index=list("abcdef"))
    >>> rob = robustness_checks(analyse(d, "Y", "A,B"), runs=3)
    >>> rob.ranges[["parameter", "lower", "upper"]].values.tolist()
    [['incl_cut', nan, nan], ['n_cut', 1.0, 1.0]]
    >>> rob.tests[["change", "model", "RCC_Rank"]].values.tolist()
    [['incl_cut = 0.75', 'A+B', 2], ['incl_cut = 0.85', 'A', 1], ['n_cut = 2', '', <NA>]]
    """
    o = result.options
    directional = o["directional"]
    include = "?"
    kind = "intermediate" if result.intermediate is not None else "parsimonious"
    if kind == "parsimonious":
        directional = None
    initial = result.intermediate if kind == "intermediate" else result.parsimonious
    if initial is None:
        raise QCAError("robustness checks: the analysis has no solution to check")
    data = result.data
    common = dict(outcome=result.outcome, conditions=result.conditions, include=include,
                  directional=directional, pri_cut=o["pri_cut"], max_models=MAX_MODELS)
    ranges = [
        inclusion_cut_range(data, incl_cut=o["incl_cut"], n_cut=o["n_cut"],
                            step=ROBUSTNESS_INCL_STEP, max_runs=runs, **common),
        frequency_cut_range(data, incl_cut=o["incl_cut"], n_cut=o["n_cut"], step=1,
                            max_runs=runs, **common),
    ]
    anchors = {k: _anchors(v) for k, v in result.calibration.items()}
    for name, eci in anchors.items():
        if eci is None:
            continue
        step = ROBUSTNESS_ANCHOR_STEP * abs(eci[2] - eci[0])
        r = calibration_range(data, result.cases[name].to_numpy(), name, eci,
                              incl_cut=o["incl_cut"], n_cut=o["n_cut"], step=step,
                              max_runs=runs, **common)
        ranges.append(r.assign(set=name))
    ranges_frame = pd.concat(ranges, ignore_index=True)
    ranges_frame.insert(0, "set", ranges_frame.pop("set").fillna("") if "set" in ranges_frame
                        else "")
    # the test set
    alternatives: list[tuple[str, pd.DataFrame, dict]] = []
    for delta in (-ROBUSTNESS_TEST_INCL, ROBUSTNESS_TEST_INCL):
        cut = round(o["incl_cut"] + delta, 10)
        if 0 < cut <= 1:
            alternatives.append((f"incl_cut = {cut:g}", data,
                                 {"incl_cut": cut, "n_cut": o["n_cut"]}))
    alternatives.append((f"n_cut = {o['n_cut'] + 1}", data,
                         {"incl_cut": o["incl_cut"], "n_cut": o["n_cut"] + 1}))
    for name, eci in anchors.items():
        if eci is None:
            continue
        shift = ROBUSTNESS_TEST_CROSSOVER * abs(eci[2] - eci[0])
        for sign in (-1, 1):
            moved = [eci[0], eci[1] + sign * shift, eci[2]]
            with np.errstate(all="ignore"):
                values = np.asarray(calibrate_values(result.cases[name].to_numpy(), moved),
                                    dtype=float)
            alternatives.append((f"{name} crossover = {moved[1]:g}",
                                 data.assign(**{name: values}),
                                 {"incl_cut": o["incl_cut"], "n_cut": o["n_cut"]}))
    tests, rows = [], []
    for change, alt_data, cuts in alternatives:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", QCAWarning)
            try:
                res = minimize(alt_data, **common, **cuts)
            except QCAError as exc:
                rows.append({"change": change, "model": "", "RCC_Rank": pd.NA, "SC": np.nan,
                             "note": str(exc)})
                continue
        tests.append(res)
        single = single_test_fit([res], initial).iloc[0]
        rows.append({"change": change, "model": single["model"],
                     "RCC_Rank": int(single["RCC_Rank"]), "SC": float(single["SC"]), "note": ""})
    tests_frame = pd.DataFrame(rows, columns=["change", "model", "RCC_Rank", "SC", "note"])
    tests_frame["RCC_Rank"] = tests_frame["RCC_Rank"].astype("Int64")
    fit_frame = cases = None
    if tests:
        core = robust_core_fit(tests, initial).add_prefix("core_")
        fit_frame = pd.concat([robustness_fit(tests, initial).reset_index(drop=True),
                               core.reset_index(drop=True),
                               case_ratios(tests, initial).reset_index(drop=True)], axis=1)
        cases = robust_cases(tests, initial)
    return QCARobustness(solution=kind, ranges=ranges_frame, tests=tests_frame, fit=fit_frame,
                         cases=cases)


def _solutions(tt: TruthTable, directional) -> tuple[dict, dict]:
    """The three solutions (None where they do not exist) and why any is missing."""
    out: dict[str, MinimizeResult | None] = {}
    problems: dict[str, str] = {}
    runs = [("conservative", {}), ("parsimonious", {"include": "?"})]
    if directional is not None:
        runs.append(("intermediate", {"include": "?", "directional": directional}))
    for name, kwargs in runs:
        try:
            out[name] = minimize(tt, max_models=MAX_MODELS, **kwargs)
        except QCAError as exc:
            out[name] = None
            problems[name] = str(exc)
    if directional is None:
        problems["intermediate"] = ("no directional expectations given (--directional) / "
                                    "未给出方向性预期")
    return out, problems
