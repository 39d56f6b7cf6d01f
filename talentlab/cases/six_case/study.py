"""The six-case comparison as one call: :func:`evaluate` takes the codings of the cases and the
paper's claims and returns every result the comparison reports (:class:`SixCaseEvaluation`), as
:func:`talentlab.cases.zhuhai.evaluate` does for the Zhuhai case.

Examples
--------
>>> import talentlab
>>> from talentlab.claims import load_claims
>>> from talentlab.cases import six_case
>>> codings = {"coder1": talentlab.load_case_conditions()}
>>> settings = six_case.SixCaseSettings(solution_robustness=False, n_boot=0)
>>> result = six_case.evaluate(codings, load_claims(), settings)
>>> result.coding_used
'single coding (case_conditions.csv)'
>>> sorted(result.to_results()["verdicts"].items())[0]
('C3.1.1e', 'not supported')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from talentlab.cases.six_case.agreement import coding_agreement, coding_disagreements
from talentlab.cases.six_case.analysis import (
    SixCaseAnalysis,
    conditions_per_case_table,
    run_six_case_analysis,
)
from talentlab.cases.six_case.coding import (
    check_implied_ceiling,
    evidence_table,
    no_evidence_conditions,
)
from talentlab.cases.six_case.rules import (
    CROSSOVER,
    DISCLOSURE_EXEMPT,
    QCA_VERDICT_RULE,
    SIX_CASE_CLAIM_COLUMNS,
    SixCaseError,
)
from talentlab.cases.six_case.sensitivity import sensitivity_runs
from talentlab.cases.six_case.settings import SixCaseSettings
from talentlab.cases.six_case.verdicts import judge_six_case_claims
from talentlab.cases.six_case.wording import (
    evidence_sentences,
    framework_overlap,
    framework_overlap_summary,
    paper_sections,
    shared_quote_pairs,
)
from talentlab.data.io import SHIPPED_CODINGS
from talentlab.qca import configuration_table

__all__ = ["CASE_COLUMNS", "FRAMEWORK_SECTIONS", "SixCaseEvaluation", "evaluate"]

#: Columns of the case registry shown and published beside the analysis (``cases.csv``).
CASE_COLUMNS = ["case_id", "name", "industry_cluster", "cluster_type", "sections",
                "identity_certainty", "identity_note"]
#: Number prefix of the paper's framework sections (the path the cases are compared with).
FRAMEWORK_SECTIONS = "4."
#: Cardinal words for the coding-used sentence.
_COUNT_WORDS = {2: "two", 3: "three", 4: "four"}


@dataclass(frozen=True)
class SixCaseEvaluation:
    """Everything the six-case comparison reports (:func:`evaluate`).

    Attributes
    ----------
    analysis : SixCaseAnalysis
        The QCA of the coding analysed for the outcome (:func:`run_six_case_analysis`).
    verdicts : DataFrame
        The QCA claims' verdicts (:func:`judge_six_case_claims`).
    claim_texts : DataFrame
        ``claim_id``, ``section`` and ``quote`` of the judged claims, for display.
    coding : DataFrame
        The coding analysed (the long ``case_conditions`` table as given).
    coding_used : str
        Which coding the QCA analysed (the consensus, or a single coder's coding).
    evidence : DataFrame
        Every cell of the coding analysed with its evidence (:func:`evidence_table`).
    conditions_per_case : DataFrame
        The random-data diagnostic by number of conditions (:func:`conditions_per_case_table`).
    no_evidence : tuple of str
        Conditions with no evidence in any case (:func:`no_evidence_conditions`).
    shared_quotes : DataFrame
        Condition/outcome cells coded from the same words (:func:`shared_quote_pairs`).
    sensitivity : DataFrame
        The re-runs on each coding, case set and evidence rule (:func:`sensitivity_runs`).
    agreement, disagreements : DataFrame or None
        Agreement of the codings and the cells they differ on (:func:`coding_agreement`,
        :func:`coding_disagreements`); ``None`` with fewer than two codings.
    n_cells_compared : int or None
        Case x condition cells the codings were compared on.
    configuration_chart : DataFrame or None
        The intermediate solution's configuration chart
        (:func:`talentlab.qca.configuration_table`); ``None`` without that solution.
    wording : DataFrame or None
        Framework wording reused per case (:func:`framework_overlap_summary`); ``None``
        without the paper's text.
    cases : DataFrame or None
        The case registry's :data:`CASE_COLUMNS`, when the registry was given.
    parameters : dict
        The settings of the call, as given.
    """

    analysis: SixCaseAnalysis
    verdicts: pd.DataFrame
    claim_texts: pd.DataFrame
    coding: pd.DataFrame
    coding_used: str
    evidence: pd.DataFrame
    conditions_per_case: pd.DataFrame
    no_evidence: tuple[str, ...]
    shared_quotes: pd.DataFrame
    sensitivity: pd.DataFrame
    agreement: pd.DataFrame | None
    disagreements: pd.DataFrame | None
    n_cells_compared: int | None
    configuration_chart: pd.DataFrame | None
    wording: pd.DataFrame | None
    cases: pd.DataFrame | None
    parameters: dict

    @property
    def claims_table(self) -> pd.DataFrame:
        """The verdict table as published (``six_case_claims.csv``:
        :data:`SIX_CASE_CLAIM_COLUMNS`)."""
        return self.verdicts[SIX_CASE_CLAIM_COLUMNS]

    def claims_shown(self) -> pd.DataFrame:
        """The verdicts with each claim's section and quote beside them."""
        return self.verdicts.merge(self.claim_texts, on="claim_id", how="left")

    def agreement_text(self) -> str:
        """One sentence on the agreement of the codings (Markdown), or why there is none."""
        if self.agreement is None:
            return ("**No second coding is present** in the data folder: inter-coder agreement "
                    "cannot be computed, and the coding analysed rests on one coder's reading.")
        a = self.agreement.set_index("statistic")
        alpha = a.loc["Krippendorff's alpha (ordinal)"]
        text = (f"**{int(alpha['n_coders'])} codings of {int(alpha['n_units'])} cells.** "
                f"Krippendorff's alpha (ordinal) on the memberships **{alpha['estimate']:.2f}** "
                f"(95% bootstrap interval {alpha['ci_low']:.2f}–{alpha['ci_high']:.2f})")
        if "Cohen's kappa" in a.index:
            kappa = a.loc["Cohen's kappa"]
            text += (f"; Cohen's kappa on the evidence status **{kappa['estimate']:.2f}** "
                     f"({kappa['ci_low']:.2f}–{kappa['ci_high']:.2f})")
        return text + "."

    def disagreement_text(self) -> str:
        """One sentence on how many cells the codings differ on (Markdown)."""
        if self.disagreements is None:
            return "No second coding: no disagreement list."
        d = self.disagreements
        return (f"**{len(d)} of {self.n_cells_compared} cells differ**, "
                f"{int(d['crosses_0.5'].sum())} of them across the {CROSSOVER:g} crossover.")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The published tables, file name -> table, in the order the notebook shows them
        (a step that did not run has no table)."""
        a = self.analysis
        named = {
            "cases.csv": self.cases,
            "evidence.csv": self.evidence,
            "coding_agreement.csv": self.agreement,
            "coding_disagreements.csv": self.disagreements,
            "case_matrix.csv": a.data.reset_index(),
            "diagnostics.csv": a.diagnostics,
            "outcome_evidence.csv": a.outcome_evidence,
            "conditions_per_case.csv": self.conditions_per_case,
            "necessity.csv": a.necessity,
            "truth_table.csv": None if a.truth_table is None else a.truth_table.table.reset_index(),
            "solutions.csv": a.solution_table(),
            "solution_fit.csv": a.fit,
            "configuration_chart.csv": (None if self.configuration_chart is None
                                        else self.configuration_chart.reset_index()),
            "robustness_terms.csv": a.robustness_summary,
            "robustness_runs.csv": a.robustness_runs(),
            "shared_quote_pairs.csv": self.shared_quotes,
            "sensitivity_runs.csv": self.sensitivity,
            "framework_wording.csv": self.wording,
            "six_case_claims.csv": self.claims_table,
        }
        return {name: table for name, table in named.items() if table is not None}

    def to_results(self) -> dict:
        """What ``results.json`` of the six-case comparison holds (JSON-ready;
        :func:`talentlab.report.publish_results` writes it): the analysis' summary, the
        verdicts and the rule, and a summary of every other step (``None`` where the step did
        not run)."""
        wording = self.wording
        return {
            # the report build checks every published table for small cells unless told why not
            "disclosure_exempt": DISCLOSURE_EXEMPT,
            "analysis": self.analysis.summary(),
            "parameters": dict(self.parameters),
            "coding_used": self.coding_used,
            "verdicts": {r["claim_id"]: r["verdict"] for r in self.verdicts.to_dict("records")},
            "verdict_rule": QCA_VERDICT_RULE,
            "configuration_chart": _chart_summary(self.configuration_chart),
            "agreement": _agreement_summary(self.agreement),
            "n_disagreements": None if self.disagreements is None else int(len(self.disagreements)),
            "no_evidence_conditions": list(self.no_evidence),
            "sensitivity": _sensitivity_summary(self.sensitivity),
            "framework_wording": (None if wording is None else
                                  dict(zip(wording["case_id"],
                                           wording["share_ngrams_reused"].round(4),
                                           strict=True))),
        }


def _chart_summary(chart: pd.DataFrame | None) -> dict | None:
    if chart is None:
        return None
    return {"terms": list(chart.attrs.get("terms", [])),
            "core": [None if t is None else str(t) for t in chart.attrs.get("core", [])]}


def _agreement_summary(agreement: pd.DataFrame | None) -> dict | None:
    if agreement is None:
        return None
    return {r["statistic"] + " / " + r["value"]: {"estimate": r["estimate"],
                                                  "ci_low": r["ci_low"], "ci_high": r["ci_high"]}
            for r in agreement.to_dict("records")}


def _sensitivity_summary(sensitivity: pd.DataFrame) -> list:
    keep = ("coding", "case_set", "evidence_rule", "n_cases", "parsimonious")
    return [{k: v for k, v in r.items() if k in keep or k.endswith(" verdict")}
            for r in sensitivity.to_dict("records")]


def _coding_used(codings: Mapping[str, pd.DataFrame], consensus) -> tuple[str, pd.DataFrame]:
    if consensus is not None:
        n = len(codings)
        return (f"consensus of the {_COUNT_WORDS.get(n, str(n))} codings "
                "(case_conditions_consensus.csv)", consensus)
    label = next(iter(codings))
    return f"single coding ({SHIPPED_CODINGS.get(label, label)})", codings[label]


def _wording(analysed: pd.DataFrame, paper_text: str | None) -> pd.DataFrame | None:
    if paper_text is None:
        return None
    framework = paper_sections(paper_text, FRAMEWORK_SECTIONS)
    sentences = evidence_sentences(analysed, paper_text, exclude_prefix=FRAMEWORK_SECTIONS)
    return framework_overlap_summary(framework_overlap(sentences, framework,
                                                      text_column="sentence"))


def evaluate(
    codings: Mapping[str, pd.DataFrame],
    claims: pd.DataFrame,
    settings: SixCaseSettings | None = None,
    *,
    consensus: pd.DataFrame | None = None,
    cases: pd.DataFrame | None = None,
    reference_configurations: pd.DataFrame | None = None,
    paper_text: str | None = None,
) -> SixCaseEvaluation:
    """Run the six-case comparison and judge the paper's QCA claims.

    The coding analysed is the consensus when given, else the first coding. Every coding is
    checked against the implied-evidence ceiling (:data:`IMPLIED_CEILING_RULE`) before anything
    runs. Then: agreement of the codings (two or more), the evidence table, the QCA for
    ``outcome`` (:func:`run_six_case_analysis`), the random-data diagnostic, conditions without
    evidence, cells coded from the outcome's own words, the sensitivity runs (the consensus
    first, then each coding), the framework-wording diagnostic (with ``paper_text``), the
    configuration chart and the verdicts (:func:`judge_six_case_claims`).

    Parameters
    ----------
    codings : mapping
        Coder id -> that coder's long ``case_conditions`` table
        (:func:`talentlab.load_case_conditions`; the shipped files are
        :data:`talentlab.data.io.SHIPPED_CODINGS`).
    claims : DataFrame
        The paper's claims (:func:`talentlab.data.paper.load_claims`); those with
        ``analysis == "qca"`` are judged.
    consensus : DataFrame, optional
        The consensus of the codings (:func:`talentlab.data.io.load_case_conditions_consensus`):
        analysed when given, and the resolutions listed beside the disagreements.
    settings : SixCaseSettings, optional
        Outcome, conditions, inclusion cut-off, reference models, seed, agreement bootstrap
        draws and solution robustness (:class:`SixCaseSettings`; default: the paper's
        analysis).
    consensus : DataFrame, optional
        (see above)
    cases : DataFrame, optional
        The case registry (:func:`talentlab.load_cases`), published as ``cases.csv``.
    reference_configurations : DataFrame, optional
        Needed when ``settings.include_reference_models`` is true
        (:func:`talentlab.data.io.load_reference_configurations`).
    paper_text : str, optional
        The paper's full text, for the framework-wording diagnostic (skipped without it).

    Returns
    -------
    SixCaseEvaluation
    """
    if settings is None:
        settings = SixCaseSettings()
    elif not isinstance(settings, SixCaseSettings):
        raise SixCaseError("six_case.evaluate: settings must be a SixCaseSettings "
                           f"(talentlab.cases.six_case.SixCaseSettings(...)), not "
                           f"{type(settings).__name__} / 请以 SixCaseSettings 传入设置")
    seed, conditions = settings.seed, settings.conditions_given
    if not isinstance(codings, Mapping) or not codings:
        raise SixCaseError("evaluate needs at least one coding: a mapping coder id -> "
                           "case_conditions table (talentlab.load_case_conditions)")
    coding_used, analysed = _coding_used(codings, consensus)
    for coder, frame in {**codings, "analysed": analysed}.items():
        check_implied_ceiling(frame, where=coder)
    agreement = disagreements = n_cells = None
    if len(codings) >= 2:
        stacked = pd.concat([frame.assign(coder_id=coder) for coder, frame in codings.items()],
                            ignore_index=True)
        agreement = coding_agreement(stacked, n_boot=settings.n_boot, seed=seed)
        disagreements = coding_disagreements(stacked, consensus)
        n_cells = int(stacked.groupby(["case_id", "condition"]).ngroups)
    analysis = run_six_case_analysis(
        analysed, outcome=settings.outcome, conditions=conditions, incl_cut=settings.incl_cut,
        include_reference_models=settings.include_reference_models,
        reference_configurations=reference_configurations, seed=seed,
        solution_robustness=settings.solution_robustness)
    sensitivity_codings = ({"consensus": consensus} if consensus is not None else {}) | dict(codings)
    intermediate = analysis.solutions.get("intermediate")
    judged = claims.loc[claims["analysis"].astype(str) == "qca"] if "analysis" in claims else claims
    return SixCaseEvaluation(
        analysis=analysis,
        verdicts=judge_six_case_claims(claims, analysis),
        claim_texts=judged[[c for c in ("claim_id", "section", "quote") if c in judged]],
        coding=analysed,
        coding_used=coding_used,
        evidence=evidence_table(analysed),
        conditions_per_case=conditions_per_case_table(len(analysis.data), seed=seed),
        no_evidence=tuple(no_evidence_conditions(analysed)),
        shared_quotes=shared_quote_pairs(analysed),
        sensitivity=sensitivity_runs(sensitivity_codings, claims, settings),
        agreement=agreement, disagreements=disagreements, n_cells_compared=n_cells,
        configuration_chart=None if intermediate is None else configuration_table(intermediate),
        wording=_wording(analysed, paper_text),
        cases=None if cases is None else cases[CASE_COLUMNS],
        parameters={"conditions": conditions, "outcome": settings.outcome,
                    "incl_cut": settings.incl_cut,
                    "include_reference_models": settings.include_reference_models,
                    "seed": seed})
