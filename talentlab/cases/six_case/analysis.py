"""The QCA of the six cases for one outcome: diagnostics, necessity, truth table, the three
solutions with their fit, and the solution's robustness over recodings and cut-offs.

All statistics come from :mod:`talentlab.qca` (which matches R's QCA 3.25.1); this module
arranges them and adds the evidence-aware checks a text-coded design needs (is a case *out* of
the outcome because the paper says it failed, or because the paper is silent?).

Examples
--------
>>> import talentlab
>>> from talentlab.cases.six_case import run_six_case_analysis
>>> res = run_six_case_analysis(talentlab.load_case_conditions(), solution_robustness=False)
>>> res.conditions, res.sufficiency_testable
(['concept', 'mechanism', 'model', 'support'], False)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from talentlab.cases.settings import PAPER_ANALYSIS_SEED
from talentlab.cases.six_case.coding import (
    case_matrix,
    checked_case_conditions,
    dimensions_for,
    no_evidence_conditions,
    outcome_evidence,
    parse_conditions,
    pivot_case_conditions,
    sufficiency_testability,
    with_reference_models,
)
from talentlab.cases.six_case.rules import (
    AGGREGATION_RULE,
    DEFAULT_INCL_CUT,
    DIMENSIONS,
    IMPLIED_CEILING,
    NOT_MENTIONED_ALTERNATIVE,
    OUTCOMES,
    RANDOM_CONSISTENCY_WARNING,
    RUBRIC,
    SixCaseError,
    passes_necessity,
)
from talentlab.qca import (
    QCAError,
    RobustnessResult,
    TruthTable,
    diagnose,
    minimize,
    necessity,
    random_consistency_probability,
    robustness,
    truth_table,
)

__all__ = ["SixCaseAnalysis", "conditions_per_case_table", "run_six_case_analysis"]

#: Columns of the fit table when no solution could be computed.
_FIT_COLUMNS = ["solution", "row", "term", "inclS", "PRI", "covS", "covU", "cases"]


@dataclass(frozen=True)
class SixCaseAnalysis:
    """The QCA of the six cases for one outcome (:func:`run_six_case_analysis`).

    Attributes
    ----------
    outcome, conditions, aggregate, incl_cut, include_reference_models, seed
        The analysis' settings.
    case_conditions : DataFrame
        The long table analysed (cases, plus the reference models when included).
    data : DataFrame
        Case x set memberships: the conditions, then every outcome (:func:`case_matrix`).
    diagnostics : DataFrame
        :func:`talentlab.qca.diagnose` findings plus ``selection_on_outcome`` and
        ``reference_models`` rows (``check, severity, value, message, message_zh, source``).
    outcome_evidence : DataFrame
        :func:`outcome_evidence` for the outcome.
    necessity : DataFrame
        inclN, RoN, covN of each condition and its negation (and, for aggregated dimensions,
        their sub-conditions), one row per set.
    truth_table : TruthTable or None
    solutions : dict
        ``conservative``, ``parsimonious``, ``intermediate`` -> MinimizeResult or None.
    solution_notes : dict
        Same keys -> "ok" or why the solution could not be computed.
    fit : DataFrame
        Tidy parameters of fit of every solution (one row per term or model).
    robustness : RobustnessResult or None
        Term survival of the parsimonious solution over recodings and cut-offs.
    robustness_note : str
    sufficiency_testable : bool
    sufficiency_reason : str
    dimensions : dict
        Each analysed condition -> the sub-conditions it aggregates.
    """

    outcome: str
    conditions: list[str]
    aggregate: str
    incl_cut: float
    include_reference_models: bool
    seed: int
    case_conditions: pd.DataFrame
    data: pd.DataFrame
    diagnostics: pd.DataFrame
    outcome_evidence: pd.DataFrame
    necessity: pd.DataFrame
    truth_table: TruthTable | None
    solutions: dict
    solution_notes: dict
    fit: pd.DataFrame
    robustness: RobustnessResult | None
    robustness_note: str
    sufficiency_testable: bool
    sufficiency_reason: str
    dimensions: dict = field(default_factory=dict)

    @property
    def robustness_summary(self) -> pd.DataFrame:
        """Share of successful runs in which each parsimonious term appears."""
        if self.robustness is None:
            return pd.DataFrame(columns=["term", "in_baseline", "runs_present", "runs_ok",
                                         "runs_total", "share", "method"])
        return self.robustness.terms

    def robustness_runs(self) -> pd.DataFrame:
        """One row per robustness run: recoding, cut-off, status, solution."""
        if self.robustness is None:
            return pd.DataFrame(columns=["recoding", "anchors", "incl_cut", "status",
                                         "solution"])
        return self.robustness.runs.drop(columns=["solutions"])

    def solution_table(self) -> pd.DataFrame:
        """One row per solution type and model: the model as R writes it, or why none."""
        rows = []
        for kind in ("conservative", "parsimonious", "intermediate"):
            res = self.solutions.get(kind)
            if res is None:
                rows.append({"solution": kind, "model": "", "expression": "",
                             "note": self.solution_notes.get(kind, "")})
                continue
            for k, expr in enumerate(res.expressions):
                rows.append({"solution": kind, "model": f"M{k + 1}",
                             "expression": f"{expr} -> {self.outcome}",
                             "note": self.solution_notes.get(kind, "ok")})
        return pd.DataFrame(rows)

    def summary(self) -> dict:
        """A JSON-ready summary (the ``analysis`` entry of ``results.json``)."""
        diag = self.diagnostics
        value = dict(zip(diag["check"], diag["value"], strict=False))
        runs = self.robustness_runs()
        return {
            "outcome": self.outcome,
            "conditions": list(self.conditions),
            "aggregate": self.aggregate,
            "aggregation_rule": AGGREGATION_RULE if self.aggregate == "mean" else self.aggregate,
            "incl_cut": float(self.incl_cut),
            "include_reference_models": bool(self.include_reference_models),
            "seed": int(self.seed),
            "n_cases": int(len(self.data)),
            "cases": list(self.data.index),
            "n_in_outcome": int(self.outcome_evidence["in_outcome"].sum()),
            "n_documented_failures": int(self.outcome_evidence["documented_failure"].sum()),
            "remainders_share": value.get("limited_diversity"),
            "p_random_contradiction_free": value.get("conditions_per_case"),
            "warnings": sorted(diag.loc[diag["severity"] == "warning", "check"].unique().tolist()),
            "sufficiency_testable": bool(self.sufficiency_testable),
            "sufficiency_reason": self.sufficiency_reason,
            "solutions": {r["solution"] + (f" {r['model']}" if r["model"] else ""):
                          r["expression"] or r["note"]
                          for r in self.solution_table().to_dict("records")},
            "robustness": {
                "runs_total": int(len(runs)),
                "runs_ok": int((runs["status"] == "ok").sum()) if len(runs) else 0,
                "note": self.robustness_note,
                "term_share": {r["term"]: float(r["share"])
                               for r in self.robustness_summary.to_dict("records")},
            },
        }


def conditions_per_case_table(n_cases: int, ks: Sequence[int] = (1, 2, 3, 4, 5, 6),
                              seed: int = 20110602, n_sim: int = 2000) -> pd.DataFrame:
    """Probability that random crisp data give a contradiction-free truth table, by number of
    conditions (:func:`talentlab.qca.random_consistency_probability`, design of Marx & Dusa
    2011).

    Examples
    --------
    >>> conditions_per_case_table(6, [2], n_sim=4000)["p_no_contradiction"].round(1).tolist()
    [0.2]
    """
    rows = [{"n_cases": int(n_cases), "n_conditions": int(k),
             "p_no_contradiction": random_consistency_probability(n_cases, int(k), n_sim=n_sim,
                                                                  seed=seed),
             "n_sim": int(n_sim), "seed": int(seed),
             "method": "Monte Carlo, random crisp conditions and outcome ~ Bernoulli(0.5) "
                       "(Marx & Dusa 2011 design)"} for k in ks]
    return pd.DataFrame(rows)


def _tidy_fit(kind: str, res) -> pd.DataFrame:
    f = res.fit.copy()
    f.index.name = "term"
    f = f.reset_index().rename(columns={"kind": "row"})
    f.insert(0, "solution", kind)
    return f[[c for c in _FIT_COLUMNS if c in f.columns]]


def _analysis_input(case_conditions, outcome, conditions, include_reference_models,
                    reference_configurations) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The long table analysed (with the reference models when asked), the conditions and the
    outcomes of the case matrix; errors name what is wrong."""
    long = checked_case_conditions(case_conditions)
    if include_reference_models:
        if reference_configurations is None:
            raise SixCaseError("include_reference_models=True needs reference_configurations "
                               "(talentlab.data.io.load_reference_configurations)")
        long = with_reference_models(long, reference_configurations)
    present = set(long["condition"])
    if outcome not in present:
        raise SixCaseError(f"outcome {outcome!r} is not a row of case_conditions; outcomes: "
                           f"{[o for o in OUTCOMES if o in present]}")
    conds = parse_conditions(conditions) or list(DIMENSIONS)
    if outcome in conds:
        raise SixCaseError(f"{outcome!r} cannot be both outcome and condition")
    outcomes = [o for o in OUTCOMES if o in present]
    if outcome not in outcomes:
        outcomes.append(outcome)
    return long, conds, outcomes


def _qca_diagnostics(sub: pd.DataFrame, outcome: str, conds: list[str], *, n_sim: int,
                     seed: int) -> pd.DataFrame:
    """:func:`talentlab.qca.diagnose`, its conditions-per-case probability recomputed with the
    analysis' seed (the engine's diagnostic uses its own fixed seed)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        diag = diagnose(sub, outcome, conds, warn=False,
                        random_threshold=RANDOM_CONSISTENCY_WARNING)
    p_random = random_consistency_probability(len(sub), len(conds), n_sim=n_sim, seed=seed)
    is_cpc = diag["check"] == "conditions_per_case"
    diag.loc[is_cpc, "value"] = p_random
    diag.loc[is_cpc, "severity"] = "warning" if p_random >= RANDOM_CONSISTENCY_WARNING else "info"
    diag.loc[is_cpc, "message"] = (
        f"With {len(sub)} cases and {len(conds)} conditions, random data give a "
        f"contradiction-free truth table with probability {p_random:.2f} (simulated, "
        f"seed {seed}). Above {RANDOM_CONSISTENCY_WARNING:.0%}, a consistent result is weak "
        "evidence; reduce the number of conditions or add cases.")
    diag.loc[is_cpc, "message_zh"] = (
        f"{len(sub)} 个案例、{len(conds)} 个条件时，随机数据产生无矛盾真值表的概率为 "
        f"{p_random:.2f}（模拟）。超过 {RANDOM_CONSISTENCY_WARNING:.0%} 时一致的结果证据力很弱。")
    return diag


def _case_diagnostics(long: pd.DataFrame, ev: pd.DataFrame, testable: bool, reason: str,
                      include_reference_models: bool) -> list[dict]:
    """Diagnostic rows about the cases themselves: selection on the outcome, conditions
    without evidence, reference models included."""
    extra = [{
        "check": "selection_on_outcome",
        "severity": "info" if testable else "warning",
        "value": float(ev["documented_failure"].sum()),
        "message": ("Sufficiency can be assessed: " + reason) if testable else
                   ("Sufficiency is uninformative: " + reason + "."),
        "message_zh": ("存在文本明确记载的失败案例，可检验充分性。" if testable else
                       "没有文本明确记载的失败案例（案例按成功选择，选择基于结果），"
                       "充分性分析没有信息量。"),
        "source": "Schneider & Wagemann 2012, ch. 11; data/raw/CASES.md section 6",
    }]
    empty = no_evidence_conditions(long)
    extra.append({
        "check": "no_evidence_conditions",
        "severity": "warning" if empty else "info",
        "value": float(len(empty)),
        "message": (f"No case has evidence on {', '.join(empty)}: constant by construction, "
                    "flagged, and left out of the averaged dimensions (AGGREGATION_RULE)."
                    if empty else "Every condition has evidence in at least one case."),
        "message_zh": ("以下条件在所有案例中均无证据（恒定），不计入维度均值：" + "、".join(empty)
                       if empty else "每个条件至少在一个案例中有证据。"),
        "source": "data/raw/CASES.md section 6; talentlab.cases.six_case.no_evidence_conditions",
    })
    if include_reference_models:
        extra.append({
            "check": "reference_models", "severity": "info",
            "value": float(long["reference_model"].sum() / long["condition"].nunique()),
            "message": "The three reference configurations (coded from one sentence each, "
                       "CASES.md section 7) are included: sensitivity analysis only.",
            "message_zh": "已加入三个参照模式（仅用于敏感性分析）。",
            "source": "data/raw/CASES.md section 7",
        })
    return extra


def _necessity_table(long, data, sub, outcome, conds, dims) -> pd.DataFrame:
    """Necessity of the conditions, their negations, and the sub-conditions of dimensions,
    with ``passes`` by the thresholds of :data:`QCA_VERDICT_RULE`."""
    nec = necessity(sub, outcome, conds).reset_index()
    nec.insert(1, "level", "analysed")
    subs = [s for c in conds if dims[c] != [c] for s in dims[c]]
    if subs:
        wide = pivot_case_conditions(long).loc[data.index]
        sub_nec = necessity(wide[subs + [outcome]], outcome, subs, negations=False)
        sub_nec = sub_nec.reset_index()
        sub_nec.insert(1, "level", "sub-condition")
        nec = pd.concat([nec, sub_nec], ignore_index=True)
    nec["passes"] = [passes_necessity(i, r) for i, r in zip(nec["inclN"], nec["RoN"],
                                                            strict=True)]
    return nec


def _solutions(sub, outcome, conds, incl_cut, testable, reason):
    """Truth table and the conservative, parsimonious and intermediate solutions; a step that
    fails is recorded in the notes (never raised)."""
    solutions: dict = {"conservative": None, "parsimonious": None, "intermediate": None}
    notes: dict = {}
    tt = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tt = truth_table(sub, outcome, conds, incl_cut=incl_cut, warn=False)
    except QCAError as exc:
        notes = {k: f"no truth table: {exc}" for k in solutions}
    if tt is not None:
        for kind, kwargs in (("conservative", {}), ("parsimonious", {"include": "?"}),
                             ("intermediate", {"include": "?",
                                               "directional": {c: 1 for c in conds}})):
            try:
                solutions[kind] = minimize(tt, **kwargs)
                notes[kind] = "ok"
            except QCAError as exc:  # includes TautologyError
                notes[kind] = f"{type(exc).__name__}: {exc}"
    if not testable:
        for kind, res in solutions.items():
            if res is not None:
                notes[kind] = "computed, but uninformative: " + reason
    return tt, solutions, notes


def _robustness_cuts(incl_cut: float, cuts: Sequence[float] | None) -> Sequence[float]:
    if cuts is not None:
        return cuts
    return sorted({round(min(max(c, 0.5), 1.0), 6)
                   for c in (incl_cut - 0.05, incl_cut, incl_cut + 0.05)})


def _solution_robustness(long, outcome, conds, cuts, aggregate, dims):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rob = robustness(long, outcome, conditions=conds, incl_cuts=cuts, aggregate=aggregate,
                             dimensions=dims, include="?", recode_outcome=True, levels=RUBRIC,
                             not_mentioned_alternative=NOT_MENTIONED_ALTERNATIVE,
                             outcomes=OUTCOMES, ceilings={"implied": IMPLIED_CEILING})
    except QCAError as exc:
        return None, f"robustness not run: {exc}"
    n_ok = int((rob.runs["status"] == "ok").sum())
    note = (f"{n_ok} of {len(rob.runs)} runs gave a parsimonious solution (not-mentioned cells "
            f"at 0 and at {NOT_MENTIONED_ALTERNATIVE:g}, all at once and one at a time, and "
            "every coded cell one rubric "
            "step down and up, outcome included; incl_cut "
            f"{', '.join(f'{c:g}' for c in cuts)}; talentlab.qca.robustness)")
    return rob, note


def run_six_case_analysis(
    case_conditions: pd.DataFrame,
    outcome: str = "talent_adaptability",
    conditions=None,
    incl_cut: float = DEFAULT_INCL_CUT,
    include_reference_models: bool = False,
    reference_configurations: pd.DataFrame | None = None,
    seed: int = PAPER_ANALYSIS_SEED,
    aggregate: str = "mean",
    robustness_incl_cuts: Sequence[float] | None = None,
    n_sim: int = 2000,
    solution_robustness: bool = True,
) -> SixCaseAnalysis:
    """Run the six-case QCA for one outcome on one coding: diagnostics, necessity, truth table,
    the three solutions with fit, and robustness over recodings and cut-offs.

    :func:`talentlab.cases.six_case.evaluate` runs it on the coding analysed and adds
    everything else the comparison reports; call this one for a single coding (the
    sensitivity runs do).

    Parameters
    ----------
    case_conditions : DataFrame
        The long case table (:func:`talentlab.load_case_conditions`).
    outcome : str
        An outcome row of the table (``talent_adaptability``, ``resource_integration``,
        ``industrial_service``).
    conditions : list of str or comma-separated str, optional
        Dimensions and/or raw conditions (default: the four dimensions, aggregated by
        ``aggregate``; :data:`AGGREGATION_RULE`).
    incl_cut : float
        Sufficiency inclusion cut-off of the truth table (R ``incl.cut``).
    include_reference_models : bool
        Add the three reference configurations (sensitivity analysis only).
    reference_configurations : DataFrame, optional
        Required when ``include_reference_models`` is true
        (:func:`talentlab.data.io.load_reference_configurations`).
    seed : int
        Seed of the Monte Carlo behind the conditions-per-case diagnostic (the only random step).
    aggregate : {"mean", "and", "or"}
    robustness_incl_cuts : list of float, optional
        Cut-offs tried in the robustness runs (default ``incl_cut - 0.05, incl_cut,
        incl_cut + 0.05`` within [0.5, 1]).
    n_sim : int
        Simulations for the conditions-per-case diagnostic.
    solution_robustness : bool
        Re-run the parsimonious solution over recodings (the slowest step, a few hundred
        minimisations; the claims' own robustness in :func:`judge_six_case_claims` does not
        depend on it).

    Returns
    -------
    SixCaseAnalysis

    Notes
    -----
    Failures of one step (e.g. no truth-table row with OUT = 1, or a tautology when every
    observed row is positive: :class:`talentlab.qca.TautologyError`) are recorded in
    ``solution_notes`` and do not stop the analysis. The intermediate solution uses the
    directional expectation that the presence of every condition contributes to the outcome
    (the paper's path).

    Examples
    --------
    >>> import talentlab
    >>> res = run_six_case_analysis(talentlab.load_case_conditions(), solution_robustness=False)
    >>> res.necessity.set_index("set").loc["mechanism", "passes"]
    np.False_
    """
    long, conds, outcomes = _analysis_input(case_conditions, outcome, conditions,
                                            include_reference_models, reference_configurations)
    data = case_matrix(long, conds, aggregate, outcomes=outcomes)
    dims = dimensions_for(conds, sorted(set(long["condition"])), long)
    sub = data[conds + [outcome]]
    ev = outcome_evidence(long, outcome)
    testable, reason = sufficiency_testability(long, outcome)
    diag = pd.concat([_qca_diagnostics(sub, outcome, conds, n_sim=n_sim, seed=seed),
                      pd.DataFrame(_case_diagnostics(long, ev, testable, reason,
                                                     include_reference_models))],
                     ignore_index=True)
    nec = _necessity_table(long, data, sub, outcome, conds, dims)
    tt, solutions, notes = _solutions(sub, outcome, conds, incl_cut, testable, reason)
    fits = [_tidy_fit(k, r) for k, r in solutions.items() if r is not None]
    fit_df = pd.concat(fits, ignore_index=True) if fits else pd.DataFrame(columns=_FIT_COLUMNS)
    rob, rob_note = None, "solution robustness not run (solution_robustness=False)"
    if solution_robustness:
        cuts = _robustness_cuts(incl_cut, robustness_incl_cuts)
        rob, rob_note = _solution_robustness(long, outcome, conds, cuts, aggregate, dims)
    return SixCaseAnalysis(
        outcome=outcome, conditions=conds, aggregate=aggregate, incl_cut=float(incl_cut),
        include_reference_models=bool(include_reference_models), seed=int(seed),
        case_conditions=long, data=data, diagnostics=diag, outcome_evidence=ev, necessity=nec,
        truth_table=tt, solutions=solutions, solution_notes=notes, fit=fit_df, robustness=rob,
        robustness_note=rob_note, sufficiency_testable=testable, sufficiency_reason=reason,
        dimensions=dims)
