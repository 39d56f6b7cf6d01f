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

Limits / 输入限制 (refused with a :class:`~talentlab.qca.QCAError` naming the limit):
at most :data:`MAX_CONDITIONS` conditions (the truth table has 2^k rows and the exact
minimisation of random-looking data grows quickly beyond ten conditions: see
``benchmarks/bench_qca.py``), :data:`MAX_CASES` cases, and :data:`MAX_MODELS` equally minimal
models per solution.
"""

from __future__ import annotations

import math
import os
import unicodedata
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

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
from talentlab.qca.expressions import QCAError, QCAWarning, compute, split_outcome
from talentlab.qca.minimize import MinimizeResult, minimize
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
from talentlab.qca.theory import MAX_BOOLEAN_CONFIGURATIONS, TheoryEvaluation, theory_evaluation
from talentlab.qca.truth_table import TruthTable, truth_table
from talentlab.qca.xy import XYData, xy_data

__all__ = ["MAX_CASES", "MAX_CONDITIONS", "MAX_MODELS", "NECESSITY_CUT", "QCADiagnostics",
           "QCAResult", "QCARobustness", "ROBUSTNESS_ANCHOR_STEP", "ROBUSTNESS_INCL_STEP", "ROBUSTNESS_RUNS",
           "analyse", "parse_calibration", "parse_directional", "parse_expressions",
           "robustness_checks"]

#: Most conditions :func:`analyse` accepts.
MAX_CONDITIONS = 10
#: Most cases :func:`analyse` accepts.
MAX_CASES = 10_000
#: Most equally minimal models of one solution (beyond: an error asking for fewer conditions or
#: other cut-offs).
MAX_MODELS = 10_000
#: Necessity inclusion from which a condition is reported as (quasi-)necessary (Schneider &
#: Wagemann 2012, p. 143: 0.9).
NECESSITY_CUT = 0.9
#: Seed of NCA's permutation test (reproducible p values).
NCA_SEED = 20_251

#: Robustness grid of :func:`analyse` (``robustness=True``): the inclusion cut-off moves in
#: steps of 0.01, the frequency cut-off in steps of 1, each calibration anchor in steps of
#: ROBUSTNESS_ANCHOR_STEP x ``|i - e|``, at most ROBUSTNESS_RUNS steps each way (SetMethods'
#: ``max.runs``). So at most 2 x 2 x ROBUSTNESS_RUNS minimisations for the cut-offs and
#: 6 x ROBUSTNESS_RUNS per calibrated set, plus the test set (at most 3 + 2 per calibrated set).
ROBUSTNESS_INCL_STEP = 0.01
ROBUSTNESS_ANCHOR_STEP = 0.05
ROBUSTNESS_RUNS = 10
#: Test set of the robustness fit (Oana & Schneider 2024): the inclusion cut-off moved by this
#: much each way, the frequency cut-off raised by one, each crossover moved by this share of
#: the anchor span each way.
ROBUSTNESS_TEST_INCL = 0.05
ROBUSTNESS_TEST_CROSSOVER = 0.10

_SEPARATORS = str.maketrans({"，": ",", "；": ";", "＝": "=", "：": ":"})


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


# ----------------------------------------------------------------------------- options
def parse_calibration(spec) -> dict[str, str]:
    """Calibration anchors per set from ``"A=e,c,i;B=e,c,i"`` (the command's form) or a mapping.

    Each value is what :func:`talentlab.qca.calibrate` reads: three anchors ``e, c, i`` (full
    exclusion, crossover, full inclusion; a decreasing set has ``i`` below ``e``), named or in
    that order, or six for a bell-shaped set. Full-width punctuation (``，；＝``) is accepted.

    Examples
    --------
    >>> parse_calibration("DEV=400,550,900; 城市化=e=20, c=50, i=80")
    {'DEV': '400,550,900', '城市化': 'e=20, c=50, i=80'}
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return {}
    if isinstance(spec, Mapping):
        items = [(str(k), v if isinstance(v, str) else ", ".join(str(x) for x in v))
                 for k, v in spec.items()]
    else:
        items = []
        for part in str(spec).translate(_SEPARATORS).split(";"):
            if not part.strip():
                continue
            if "=" not in part:
                raise QCAError(f"--calibrate {part.strip()!r}: write SET=e,c,i (for example "
                               "DEV=400,550,900) / 校准写作 条件=完全不隶属,交叉点,完全隶属")
            name, anchors = part.split("=", 1)
            items.append((name.strip(), anchors.strip()))
    out: dict[str, str] = {}
    for name, anchors in items:
        if name in out:
            raise QCAError(f"calibration of {name!r} given twice / 条件 {name!r} 的校准重复")
        values, names = parse_thresholds(str(anchors).translate(_SEPARATORS))
        if len(values) not in (3, 6):
            raise QCAError(f"calibration of {name!r}: {anchors!r} has {len(values)} anchors; "
                           "give 3 (e, c, i) or 6 (bell shape) / 需要 3 个锚点（或 6 个）")
        if len(values) == 3 and names is None and len(set(values)) < 3:
            raise QCAError(f"calibration of {name!r}: anchors {anchors!r} must differ / 锚点须各不相同")
        out[name] = str(anchors).translate(_SEPARATORS)
    return out


def parse_directional(spec):
    """Directional expectations from ``"A=1,B=0,C=-"`` (the command's form), or as given.

    ``1``: the condition's presence is expected to contribute to the outcome, ``0``: its
    absence, ``-``: no expectation. A list (``["A", "~B"]``) or mapping is passed on unchanged
    (see :func:`talentlab.qca.minimize`).

    Examples
    --------
    >>> parse_directional("DEV=1, URB=0, LIT=-")
    {'DEV': 1, 'URB': 0, 'LIT': '-'}
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return None
    if not isinstance(spec, str):
        return spec
    out: dict[str, object] = {}
    for part in spec.translate(_SEPARATORS).split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise QCAError(f"--directional {part.strip()!r}: write SET=1, SET=0 or SET=- / "
                           "方向性预期写作 条件=1、条件=0 或 条件=-")
        name, value = (s.strip() for s in part.split("=", 1))
        if value in ("-", ""):
            out[name] = "-"
        elif value.isdigit():
            out[name] = int(value)
        else:
            raise QCAError(f"--directional {name}={value}: the value is 1 (present), 0 "
                           "(absent) or - (no expectation) / 取值为 1、0 或 -")
    return out


def parse_expressions(spec, option: str, conditions: Sequence[str]) -> list[str]:
    """Expressions of the conditions from ``"A*B; ~C+D"`` (the command's form) or a list, each
    checked against the conditions.

    ``option`` names the command's option in the error (``"--necessary"``).

    Examples
    --------
    >>> parse_expressions("STOCK+MA； EMP", "--necessary", ["EMP", "STOCK", "MA"])
    ['STOCK+MA', 'EMP']
    """
    if spec is None:
        return []
    items = ([str(spec)] if isinstance(spec, str) else [str(v) for v in spec])
    out = []
    for item in items:
        out += [e.strip() for e in item.translate(_SEPARATORS).split(";") if e.strip()]
    probe = pd.DataFrame({c: [0.0, 1.0] for c in conditions})
    for expression in out:
        try:
            compute(expression, probe)
        except QCAError as exc:
            raise QCAError(f"{option} {expression!r}: {exc} (rule: an expression of the "
                           f"conditions {', '.join(conditions)}, e.g. A*~B + C) / {option} "
                           f"须为条件的布尔表达式") from None
    return out


# ------------------------------------------------------------------------------- reading
def _read_cases(cases, encoding: str | None) -> tuple[pd.DataFrame, np.ndarray, str]:
    """Cells as text (str), the row numbers a person sees, and the source's label."""
    if isinstance(cases, pd.DataFrame):
        text = cases.copy()
        if not isinstance(text.index, pd.RangeIndex):
            text = text.reset_index()
        return text, np.arange(len(text)) + 1, "DataFrame"
    if isinstance(cases, str | os.PathLike):
        from talentlab.data.io import read_table_text

        path = Path(cases)
        if path.suffix.lower() not in (".csv", ".xlsx"):
            raise QCAError(f"{path.name}: a case table is a .csv or .xlsx file / 案例表须为 "
                           ".csv 或 .xlsx 文件")
        raw = read_table_text(path, "cases", encoding)
        return raw.text, np.asarray(raw.rows), raw.file
    raise QCAError("cases must be a DataFrame or the path of a .csv/.xlsx file")


def _numbers(text: pd.DataFrame, column: str, rows: np.ndarray, source: str) -> np.ndarray:
    """One column as floats; a cell that is not a number is an error naming file, row, column,
    value and rule."""
    col = text[column]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise QCAError(f"{source}, row {rows[bad[0]]}, column '{column}': missing value; "
                           "QCA needs a value for every case and set / QCA 要求每个案例在每个集合上都有取值")
        return values
    out = np.empty(len(col))
    for k, cell in enumerate(col.tolist()):
        s = unicodedata.normalize("NFKC", "" if cell is None else str(cell)).strip()
        try:
            out[k] = float(s)
        except ValueError:
            raise QCAError(
                f"{source}, row {rows[k]}, column '{column}': value {s!r} is not a number "
                "(rule: conditions and the outcome are numbers, raw values to calibrate or "
                f"memberships in [0, 1]) / 第 {rows[k]} 行 '{column}' 列的值 {s!r} 不是数字"
            ) from None
        if not math.isfinite(out[k]):
            raise QCAError(f"{source}, row {rows[k]}, column '{column}': value {s!r} is not a "
                           "finite number / 不是有限数值")
    return out


def _case_names(text: pd.DataFrame, rows: np.ndarray, used: list[str], case_column, source: str
                ) -> tuple[list[str], str | None]:
    """Case names: ``case_column``, else the first column when it is not a set and holds text
    (R's row names), else the row numbers."""
    if case_column is not None:
        if case_column not in text.columns:
            raise QCAError(f"{source}: no column {case_column!r} for the case names; columns: "
                           f"{list(map(str, text.columns))}")
        column = case_column
    else:
        first = text.columns[0]
        column = None
        if first not in used:
            column = first
    if column is None:
        return [str(r) for r in rows], None
    names = [str(v).strip() for v in text[column].tolist()]
    for k, n in enumerate(names):
        if not n:
            raise QCAError(f"{source}, row {rows[k]}, column '{column}': empty case name "
                           "(rule: every case has a name) / 案例名称为空")
    seen: dict[str, int] = {}
    for k, n in enumerate(names):
        if n in seen:
            raise QCAError(f"{source}, rows {seen[n]} and {rows[k]}, column '{column}': case "
                           f"name {n!r} appears twice (rule: case names are unique) / 案例名称重复")
        seen[n] = int(rows[k])
    return names, column


def _check_membership(values: np.ndarray, name: str, rows, source: str) -> None:
    """A set used as given must be a membership: in [0, 1], or a crisp/multi-value level."""
    integer = np.all(np.equal(np.mod(values, 1), 0)) and values.min() >= 0
    if integer:
        return
    bad = np.flatnonzero((values < 0) | (values > 1))
    if len(bad):
        k = bad[0]
        raise QCAError(
            f"{source}, row {rows[k]}, column '{name}': value {values[k]:g} is not a set "
            f"membership (rule: a set not calibrated holds memberships in [0, 1] or crisp levels "
            f"0, 1, 2...); calibrate it, e.g. --calibrate \"{name}=e,c,i\" / 第 {rows[k]} 行 "
            f"'{name}' 列的值不是隶属度（须在 [0, 1] 内），请用 --calibrate 校准")


# ------------------------------------------------------------------------------- analysis
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
    if isinstance(conditions, str):
        conditions = [c.strip() for c in conditions.translate(_SEPARATORS).split(",")
                      if c.strip()]
    conditions = [str(c) for c in conditions]
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
    text, rows, source = _read_cases(cases, encoding)
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
    names, name_column = _case_names(text, rows, conditions + [base], case_column, source)
    theory = _theory_option(theory, conditions)
    necessary = parse_expressions(necessary, "--necessary", conditions)
    untenable = parse_expressions(untenable, "--untenable", conditions)
    panel_ids = _panel_ids(text, rows, unit, cluster, conditions + [base], source)
    cal = parse_calibration(calibration)
    unknown = [c for c in cal if c not in conditions + [base]]
    if unknown:
        raise QCAError(f"calibration given for {unknown}, which are not conditions or the "
                       "outcome / 校准的集合不是条件或结果")
    raw = pd.DataFrame({c: _numbers(text, c, rows, source) for c in conditions + [base]},
                       index=pd.Index(names, name=name_column or "case"))
    sets = {}
    for c in conditions + [base]:
        if c in cal:
            sets[c] = np.asarray(calibrate_values(raw[c].to_numpy(), cal[c]), dtype=float)
        else:
            _check_membership(raw[c].to_numpy(), c, rows, source)
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
        result.diagnostics = _diagnostics(result, chosen, panel_ids)
    if robustness:
        if chosen is None:
            problems["robustness"] = ("no solution to check / 没有可检验的解")
        else:
            result.robustness = robustness_checks(result)
    return result


def _theory_option(theory, conditions: list[str]) -> str | None:
    if theory is None or (isinstance(theory, str) and not theory.strip()):
        return None
    if not isinstance(theory, str) or ";" in theory.translate(_SEPARATORS):
        raise QCAError(f"--theory {theory!r}: write the theory as one expression, e.g. A*~B + C "
                       "/ 理论须写成一个布尔表达式")
    return parse_expressions(theory, "--theory", conditions)[0]


def _panel_ids(text: pd.DataFrame, rows: np.ndarray, unit, cluster, sets: list[str],
               source: str) -> pd.DataFrame | None:
    """The unit and cluster of each case (``--unit``, ``--cluster``) as text, checked."""
    if unit is None and cluster is None:
        return None
    if unit is None or cluster is None:
        given, missing = ("--unit", "--cluster") if unit is not None else ("--cluster", "--unit")
        raise QCAError(f"{given} {unit if unit is not None else cluster!r} needs {missing} too "
                       "(cluster diagnostics compare units within clusters) / --unit 与 "
                       "--cluster 须同时给出")
    out = {}
    for option, column in (("--unit", unit), ("--cluster", cluster)):
        if column not in text.columns:
            raise QCAError(f"{option} {column!r}: {source} has no such column (columns: "
                           f"{list(map(str, text.columns))}) / 找不到列 {column!r}")
        if column in sets:
            raise QCAError(f"{option} {column!r} is a condition or the outcome; give the column "
                           "naming the unit (a college) or the cluster (a year) / 须为标识单位或聚类的列")
        values = [unicodedata.normalize("NFKC", "" if v is None or v is pd.NA else str(v)).strip()
                  for v in text[column].tolist()]
        for k, v in enumerate(values):
            if not v or v.lower() == "nan":
                raise QCAError(f"{source}, row {rows[k]}, column '{column}' ({option}): empty "
                               "value (rule: every case names its unit and cluster) / "
                               f"第 {rows[k]} 行 '{column}' 列为空")
        out[option] = values
    if unit == cluster:
        raise QCAError(f"--unit and --cluster are both {unit!r}; give two columns / 须为两个不同的列")
    return pd.DataFrame({"unit": out["--unit"], "cluster": out["--cluster"]})


def _diagnostics(result: QCAResult, chosen: MinimizeResult,
                 panel_ids: pd.DataFrame | None) -> QCADiagnostics:
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
    if panel_ids is not None:
        panel = result.data.reset_index(drop=True).assign(
            **{"__unit": panel_ids["unit"].to_numpy(), "__cluster": panel_ids["cluster"].to_numpy()})
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


# ------------------------------------------------------------------------- methods text
def _f(v, digits: int = 2) -> str:
    return "–" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.{digits}f}"


def _directional_text(directional, lang: str) -> str:
    if directional is None:
        return "none" if lang == "en" else "无"
    if isinstance(directional, Mapping):
        words = {1: ("present", "存在"), 0: ("absent", "缺失")}
        parts = []
        for k, v in directional.items():
            if v in ("-", None, ""):
                parts.append(f"{k}: {'no expectation' if lang == 'en' else '无预期'}")
            else:
                w = words.get(int(v), (f"level {v}", f"取值 {v}"))
                parts.append(f"{k}: {w[0] if lang == 'en' else w[1]}")
        return "; ".join(parts) if lang == "en" else "；".join(parts)
    items = [directional] if isinstance(directional, str) else list(directional)
    return ", ".join(str(i) for i in items)


def _bound(row, side: str) -> str:
    """One end of a range as text; a missing bound states how far the grid went."""
    v = row[side]
    if isinstance(v, float) and math.isnan(v):
        sign = -1 if side == "lower" else 1
        reach = row["value"] + sign * row["max_runs"] * row["step"]
        return f"{'<' if side == 'lower' else '>'} {reach:.4g}"
    return f"{v:.4g}"


def _robustness_text(rob: QCARobustness, lang: str) -> str:
    """The methods sentences of the robustness checks, every range stated."""
    names = {"incl_cut": ("consistency cut-off", "一致性阈值"),
             "n_cut": ("frequency cut-off", "频数阈值"),
             "exclusion": ("full-exclusion anchor", "完全不隶属锚点"),
             "crossover": ("crossover", "交叉点"), "inclusion": ("full-inclusion anchor",
                                                              "完全隶属锚点")}
    en = lang == "en"
    parts = []
    for _, row in rob.ranges.iterrows():
        label = names[row["parameter"]][0 if en else 1]
        label = f"{row['set']} {label}" if row["set"] else label
        parts.append(f"{label} {row['value']:.4g}{': ' if en else '：'}{_bound(row, 'lower')}–"
                     f"{_bound(row, 'upper')}")
    kind = rob.solution if en else {"intermediate": "中间解", "parsimonious": "简约解"}[rob.solution]
    used = rob.tests.loc[rob.tests["model"] != "", "change"].tolist()
    skipped = rob.tests.loc[rob.tests["model"] == "", "change"].tolist()
    if en:
        text = (f"Robustness (Oana & Schneider 2024; SetMethods 4.0 conventions): the first model "
                f"of the {kind} solution stays the same within these ranges (steps "
                f"{ROBUSTNESS_INCL_STEP:g} for the consistency cut-off, 1 for the frequency "
                f"cut-off, {ROBUSTNESS_ANCHOR_STEP:g} × |i − e| for calibration anchors, at most "
                f"{int(rob.ranges['max_runs'].max())} steps each way; '<'/'>' means no change "
                f"within the grid): {'; '.join(parts)}.")
        if rob.fit is not None:
            f = rob.fit.iloc[0]
            text += (f" Against a test set of {len(used)} alternative analyses "
                     f"({', '.join(used)}), RF_cov = {_f(f['RF_cov'])}, RF_cons = "
                     f"{_f(f['RF_cons'])}, RF_SC_minTS = {_f(f['RF_SC_minTS'])}, RF_SC_maxTS = "
                     f"{_f(f['RF_SC_maxTS'])}; robust case ratios RCR_typ = {_f(f['RCR_typ'])}, "
                     f"RCR_dev = {_f(f['RCR_dev'])}, RCC_Rank = {int(f['RCC_Rank'])} (1: no "
                     "shaky and no possible cases).")
        if skipped:
            text += f" Without a solution, so not in the test set: {', '.join(skipped)}."
        return text
    text = (f"稳健性检验（Oana & Schneider 2024；采用 SetMethods 4.0 的规则）：{kind}的第一个模型在以下范围内保持不变"
            f"（一致性阈值步长 {ROBUSTNESS_INCL_STEP:g}，频数阈值步长 1，校准锚点步长为 "
            f"{ROBUSTNESS_ANCHOR_STEP:g} × |i − e|，每个方向最多 {int(rob.ranges['max_runs'].max())} 步；"
            f"“<”“>”表示在搜索范围内未发生变化）：{'；'.join(parts)}。")
    if rob.fit is not None:
        f = rob.fit.iloc[0]
        text += (f"以 {len(used)} 个替代分析（{'、'.join(used)}）为检验集，稳健性拟合 RF_cov = "
                 f"{_f(f['RF_cov'])}，RF_cons = {_f(f['RF_cons'])}，RF_SC_minTS = "
                 f"{_f(f['RF_SC_minTS'])}，RF_SC_maxTS = {_f(f['RF_SC_maxTS'])}；稳健案例比 RCR_typ = "
                 f"{_f(f['RCR_typ'])}，RCR_dev = {_f(f['RCR_dev'])}，RCC_Rank = {int(f['RCC_Rank'])}"
                 "（1 表示没有不稳定案例和可能案例）。")
    if skipped:
        text += f"以下替代分析没有解，未纳入检验集：{'、'.join(skipped)}。"
    return text


def _rows_text(table: pd.DataFrame, lang: str) -> str:
    rows = [str(int(r)) for r in table.index]
    if lang == "en":
        return f"rows {', '.join(rows)}" if rows else "none"
    return f"第 {'、'.join(rows)} 行" if rows else "无"


def _smmr_text(d: QCADiagnostics, lang: str) -> str:
    table = d.smmr
    typical = table[table["type"] == "typical"]
    deviant = table[table["type"] == "deviant_consistency"]
    best = typical[typical["most"].astype(bool)].drop_duplicates("term")
    named = [f"{r.case} ({r.term})" for r in best.itertuples()]
    worst = deviant[deviant["most"].astype(bool)].drop_duplicates("term")
    dev_named = [f"{r.case} ({r.term})" for r in worst.itertuples()]
    if lang == "en":
        text = (f"Case selection (Schneider & Rohlfing 2013; SetMethods 4.0 smmr, smmr.csv): "
                f"{len(typical)} typical and {len(deviant)} deviant consistency case(s) across "
                f"the {len(d.model)} term(s) of the model")
        if named:
            text += f"; most typical per term: {', '.join(named)}"
        if dev_named:
            text += f"; most deviant per term: {', '.join(dev_named)}"
        return text + "."
    text = (f"案例选择（Schneider & Rohlfing 2013；SetMethods 4.0 smmr，见 smmr.csv）：模型 "
            f"{len(d.model)} 个组态项共有典型案例 {len(typical)} 个、一致性偏离案例 {len(deviant)} 个")
    if named:
        text += f"；各项最典型案例：{'、'.join(named)}"
    if dev_named:
        text += f"；各项最偏离案例：{'、'.join(dev_named)}"
    return text + "。"


def diagnostics_sentences(result: QCAResult, lang: str = "en") -> list[str]:
    """One sentence per diagnostic of ``result.diagnostics`` that ran (or why it did not)."""
    d = result.diagnostics
    if d is None:
        return []
    en = lang == "en"
    kind = d.solution if en else {"intermediate": "中间解", "parsimonious": "简约解"}[d.solution]
    out = []
    if d.csa is not None:
        out.append(f"Contradictory simplifying assumptions (remainders used for both "
                   f"{result.outcome} and its negation; Yamasaki & Rihoux 2009; R QCA findRows "
                   f"type 2, csa.csv): {_rows_text(d.csa, lang)}." if en else
                   f"矛盾简化假设（同时用于结果 {result.outcome} 及其否定的逻辑余项；Yamasaki & Rihoux "
                   f"2009；R QCA findRows 第 2 类，见 csa.csv）：{_rows_text(d.csa, lang)}。"
                   if len(d.csa) else "矛盾简化假设（Yamasaki & Rihoux 2009；R QCA findRows 第 2 "
                   "类，见 csa.csv）：无。")
    else:
        out.append(f"Contradictory simplifying assumptions could not be determined: "
                   f"{d.problems['csa']}." if en else
                   f"未能确定矛盾简化假设：{d.problems['csa']}。")
    if d.ssr is not None:
        out.append(f"Simultaneous subset relations (observed rows sufficient for both "
                   f"{result.outcome} and its negation; R QCA findRows type 3, ssr.csv): "
                   f"{_rows_text(d.ssr, lang)}." if en else
                   "同时子集关系（对结果及其否定都充分的观察组态；R QCA findRows 第 3 类，见 ssr.csv）："
                   + f"{_rows_text(d.ssr, lang)}。")
    else:
        out.append(f"Simultaneous subset relations could not be determined: {d.problems['ssr']}."
                   if en else f"未能确定同时子集关系：{d.problems['ssr']}。")
    out.append(_smmr_text(d, lang))
    f = d.xy.fit
    out.append(f"The XY plot (xy_solution.png) shows model M1 of the {kind} solution, "
               f"{d.expression}, against {result.outcome}: consistency {_f(f['inclS'], 3)}, "
               f"coverage {_f(f['covS'], 3)}, PRI {_f(f['PRI'], 3)}." if en else
               f"XY 图（xy_solution.png）展示{kind}的模型 M1（{d.expression}）与结果 "
               f"{result.outcome} 的关系：一致性 {_f(f['inclS'], 3)}，覆盖度 {_f(f['covS'], 3)}，"
               f"PRI {_f(f['PRI'], 3)}。")
    if d.theory is not None:
        fit = d.theory.fit
        cells = d.theory.intersections
        hits = {(r.intersection, r.outcome): r.n for r in cells.itertuples()}
        ts = fit.loc["T*S"]
        if en:
            out.append(
                f"Theory evaluation (Ragin 1987; Schneider & Wagemann 2012, 11.3; SetMethods "
                f"theory.evaluation) of T = {d.theory.theory} against the model: T*S "
                f"consistency {_f(ts['inclS'], 3)}, coverage {_f(ts['covS'], 3)}; cases with "
                f"{result.outcome} > 0.5 in T*S {hits[('T*S', 'Y > 0.5')]}, ~T*S "
                f"{hits[('~T*S', 'Y > 0.5')]}, T*~S {hits[('T*~S', 'Y > 0.5')]} "
                f"(theory_fit.csv, theory_cases.csv).")
        else:
            out.append(
                f"理论评估（Ragin 1987；Schneider & Wagemann 2012 第 11.3 节；SetMethods "
                f"theory.evaluation）：理论 T = {d.theory.theory} 与模型的交集 T*S 一致性 "
                f"{_f(ts['inclS'], 3)}、覆盖度 {_f(ts['covS'], 3)}；结果隶属度大于 0.5 的案例中，T*S "
                f"{hits[('T*S', 'Y > 0.5')]} 个，~T*S {hits[('~T*S', 'Y > 0.5')]} 个，T*~S "
                f"{hits[('T*~S', 'Y > 0.5')]} 个（见 theory_fit.csv、theory_cases.csv）。")
    elif "theory" in d.problems:
        out.append(f"The theory evaluation was not run: {d.problems['theory']}." if en else
                   f"未进行理论评估：{d.problems['theory']}。")
    if d.cluster is not None:
        o = result.options
        fit = d.cluster.fit[d.cluster.fit["set"] == d.cluster.distances["set"].iloc[-1]]
        pooled = fit.loc[fit["level"] == "pooled", "consistency"].iloc[0]
        between = fit.loc[fit["level"] == "between", "consistency"]
        dist = d.cluster.distances.iloc[-1]
        n_units = int((fit["level"] == "within").sum())
        if en:
            out.append(
                f"Cluster diagnostics (García-Castro & Arino 2016; SetMethods cluster, "
                f"cluster.csv) of the model over {len(between)} clusters ({o['cluster']}) and "
                f"{n_units} units ({o['unit']}): pooled consistency {_f(pooled, 3)}, between "
                f"clusters {_f(between.min(), 3)}–{_f(between.max(), 3)}, distances dBP = "
                f"{_f(dist['dBP'], 3)} and dWP = {_f(dist['dWP'], 3)}.")
        else:
            out.append(
                f"聚类诊断（García-Castro & Arino 2016；SetMethods cluster，见 cluster.csv）：模型在 "
                f"{len(between)} 个聚类（{o['cluster']}）与 {n_units} 个单位（{o['unit']}）上，"
                f"合并一致性 {_f(pooled, 3)}，聚类间一致性 {_f(between.min(), 3)}–"
                f"{_f(between.max(), 3)}，距离 dBP = {_f(dist['dBP'], 3)}、dWP = "
                f"{_f(dist['dWP'], 3)}。")
    if d.esa_exclusions is not None:
        o = result.options
        reasons = [f"necessary {e}" for e in o["necessary"]] + \
                  [f"untenable {e}" for e in o["untenable"]]
        if o["esa_csa"]:
            reasons.append("the contradictory simplifying assumptions")
        names = {"parsimonious": ("parsimonious", "简约解"),
                 "intermediate": ("intermediate", "中间解")}
        found = [f"{names[k][0 if en else 1]} {' | '.join(v.expressions)}"
                 for k, v in d.esa.items()]
        failed = [f"{names[k.split(' ', 1)[1]][0 if en else 1]}: {why}"
                  for k, why in d.problems.items() if k.startswith("esa ")]
        if en:
            text = (f"Enhanced standard analysis (Schneider & Wagemann 2013; SetMethods esa, "
                    f"esa_solutions.csv, esa_exclusions.csv): {len(d.esa_exclusions)} "
                    f"truth-table row(s) kept out of the minimisation ({'; '.join(reasons)})")
            text += f"; enhanced solutions: {'; '.join(found)}" if found else ""
            text += f"; not found: {'; '.join(failed)}" if failed else ""
            out.append(text + ".")
        else:
            reasons_zh = [f"必要条件 {e}" for e in o["necessary"]] + \
                         [f"站不住的假设 {e}" for e in o["untenable"]] + \
                         (["矛盾简化假设"] if o["esa_csa"] else [])
            text = (f"增强标准分析（Schneider & Wagemann 2013；SetMethods esa，见 esa_solutions.csv、"
                    f"esa_exclusions.csv）：{len(d.esa_exclusions)} 个真值表行不参与最小化"
                    f"（{'；'.join(reasons_zh)}）")
            text += f"；增强后的解：{'；'.join(found)}" if found else ""
            text += f"；未能求出：{'；'.join(failed)}" if failed else ""
            out.append(text + "。")
    return out


def methods_paragraph(result: QCAResult, lang: str = "en") -> str:
    """The methods section of a QCA analysis, every choice stated (English or Chinese)."""
    if lang not in ("en", "zh"):
        raise QCAError(f"lang must be 'en' or 'zh', not {lang!r}")
    r, o = result, result.options
    tt = r.truth_table
    rows = tt.all_rows
    observed = int((rows["OUT"] != "?").sum())
    total = len(rows)
    positive = int((rows["OUT"] == "1").sum())
    necessary = r.necessity.index[r.necessity["necessary"]].tolist()
    cal_en = "; ".join(f"{k}: {v}" for k, v in r.calibration.items())
    given = [c for c in r.conditions + [split_outcome(r.outcome)[0]] if c not in r.calibration]
    conf_from = o["configurations_from"]
    n_models = {k: len(v.solutions) for k, v in r.solutions.items()}
    nca_rows = r.nca.summary.loc[r.nca.summary["ceiling"] == "ce_fdh"]
    nca_en = "; ".join(f"{c} d = {_f(d)}" for c, d in zip(nca_rows["condition"],
                                                           nca_rows["effect_size"], strict=True))
    if lang == "en":
        text = [
            f"We analysed {len(r.data)} cases ({r.source}) with fuzzy-set Qualitative "
            f"Comparative Analysis (Ragin 2008) and Necessary Condition Analysis (Dul 2016), "
            f"using talentlab, which follows the conventions of the R package QCA 3.25.1 "
            f"(Dusa 2019) and NCA 5.0.1. The outcome is {r.outcome}; the conditions are "
            f"{', '.join(r.conditions)}.",
            ("Calibration: direct method with the logistic function (Ragin 2008, ch. 5; "
             "inclusion degree 0.95 at the anchors), anchors full exclusion, crossover and "
             f"full inclusion (e, c, i) as stated: {cal_en}. "
             if r.calibration else "No set was calibrated here. ")
            + (f"Used as given (memberships in [0, 1] or crisp levels): {', '.join(given)}."
               if given else ""),
            f"Necessity: each condition and its negation was tested (inclusion, relevance and "
            f"coverage of necessity; Schneider & Wagemann 2012); a condition counts as necessary "
            f"when its inclusion reaches {o['necessity_cut']:g}: "
            f"{', '.join(necessary) if necessary else 'none did'}.",
            f"Truth table: {total} configurations, {observed} with at least {o['n_cut']} "
            f"case(s) (frequency cut-off {o['n_cut']}); a configuration is sufficient (OUT = 1) "
            f"when its consistency reaches {o['incl_cut']:g} and its PRI {o['pri_cut']:g}; "
            f"{positive} configuration(s) are; the {total - observed} others are logical "
            "remainders. Cases with a membership of exactly 0.5 belong to no configuration.",
            f"Minimisation: exact (all equally minimal models listed) for the conservative "
            f"solution (remainders excluded; {n_models.get('conservative', 0)} model(s)), the "
            f"parsimonious solution (all remainders as simplifying assumptions; "
            f"{n_models.get('parsimonious', 0)} model(s)) and the intermediate solution (easy "
            f"counterfactuals only, directional expectations: "
            f"{_directional_text(o['directional'], 'en')}; "
            f"{n_models.get('intermediate', 0)} model(s)).",
        ]
        if conf_from:
            text.append(
                f"The configuration table shows model M1 of the {conf_from} solution"
                + (" (branch C1P1)" if conf_from == "intermediate" else "")
                + ": core conditions are those of the parsimonious solution, peripheral ones "
                "appear only in the intermediate solution (Ragin & Fiss 2008; Fiss 2011).")
        for name, why in r.problems.items():
            if name == "robustness":
                text.append(f"The robustness checks were not run: {why}.")
            else:
                text.append(f"The {name} solution was not computed: {why}.")
        if r.robustness is not None:
            text.append(_robustness_text(r.robustness, "en"))
        text += diagnostics_sentences(r, "en")
        text.append(
            f"NCA: CE-FDH and CR-FDH ceilings on the calibrated memberships, scope "
            f"{'the observed range of the data (R NCA default)' if o['nca_scope'] != 'theoretical' else 'the theoretical [0, 1]'}"
            + (f", approximate permutation test with {o['nca_permutations']} permutations "
               f"(seed {o['nca_seed']})" if o["nca_permutations"] else ", no significance test")
            + f"; CE-FDH effect sizes: {nca_en}.")
        return " ".join(text)
    cal_zh = "；".join(f"{k}：{v}" for k, v in r.calibration.items())
    text = [
        f"本研究采用模糊集定性比较分析（fsQCA；Ragin 2008）与必要条件分析（NCA；Dul 2016）对 "
        f"{len(r.data)} 个案例（{r.source}）进行分析，计算工具为 talentlab，遵循 R 软件包 QCA 3.25.1 "
        f"（Dusa 2019）与 NCA 5.0.1 的约定。结果变量为 {r.outcome}，条件变量为 {'、'.join(r.conditions)}。",
        (f"校准：采用直接校准法（逻辑函数，Ragin 2008 第 5 章；锚点处隶属度 0.95），完全不隶属、交叉点与"
         f"完全隶属三个锚点（e、c、i）如下：{cal_zh}。" if r.calibration else "本次未进行校准。")
        + (f"按原值使用（[0, 1] 内的隶属度或清晰集取值）：{'、'.join(given)}。" if given else ""),
        f"必要性分析：检验每个条件及其否定（必要性一致性、必要性相关度 RoN 与覆盖度；Schneider & "
        f"Wagemann 2012），一致性达到 {o['necessity_cut']:g} 视为必要条件："
        f"{'、'.join(necessary) if necessary else '无'}。",
        f"真值表：共 {total} 个组态，其中 {observed} 个至少包含 {o['n_cut']} 个案例（频数阈值 "
        f"{o['n_cut']}）；一致性不低于 {o['incl_cut']:g} 且 PRI 不低于 {o['pri_cut']:g} 的组态记为充分"
        f"（OUT = 1），共 {positive} 个；其余 {total - observed} 个为逻辑余项。隶属度恰为 0.5 的案例不归入任何组态。",
        f"最小化：精确求解并列出全部同等最简模型，包括复杂解（排除逻辑余项；"
        f"{n_models.get('conservative', 0)} 个模型）、简约解（全部逻辑余项作为简化假设；"
        f"{n_models.get('parsimonious', 0)} 个模型）与中间解（仅用简单反事实，方向性预期："
        f"{_directional_text(o['directional'], 'zh')}；{n_models.get('intermediate', 0)} 个模型）。",
    ]
    if conf_from:
        which = "中间解" if conf_from == "intermediate" else "简约解"
        text.append(f"组态表展示{which}的模型 M1"
                    + ("（分支 C1P1）" if conf_from == "intermediate" else "")
                    + "：核心条件为同时出现在简约解中的条件，边缘条件仅出现在中间解中"
                    "（Ragin & Fiss 2008；Fiss 2011）。")
    zh_names = {"conservative": "复杂解", "parsimonious": "简约解", "intermediate": "中间解"}
    for name, why in r.problems.items():
        if name == "robustness":
            text.append(f"未进行稳健性检验：{why}。")
        else:
            text.append(f"{zh_names[name]}未能求出：{why}。")
    if r.robustness is not None:
        text.append(_robustness_text(r.robustness, "zh"))
    text += diagnostics_sentences(r, "zh")
    nca_zh = "；".join(f"{c} d = {_f(d)}" for c, d in zip(nca_rows["condition"],
                                                          nca_rows["effect_size"], strict=True))
    text.append(
        "NCA：在校准后的隶属度上估计 CE-FDH 与 CR-FDH 上限线，范围取"
        + ("数据的观测范围（R NCA 默认）" if o["nca_scope"] != "theoretical" else "理论范围 [0, 1]")
        + (f"，近似置换检验 {o['nca_permutations']} 次（随机种子 {o['nca_seed']}）"
           if o["nca_permutations"] else "，未做显著性检验")
        + f"；CE-FDH 效应量：{nca_zh}。")
    return "".join(text)

