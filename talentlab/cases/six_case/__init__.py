"""The six-case comparison: QCA of the cases coded from the paper, and verdicts on its claims.

One call, :func:`evaluate`, takes the codings of the cases (the long ``case_conditions`` tables,
one row per case x condition or outcome with its evidence; ``data/raw/CASES.md``) and the
paper's claims, and returns every result the comparison reports (:class:`SixCaseEvaluation`;
``result.to_results()`` is what ``results.json`` holds). The modules, by concern:

* :mod:`~talentlab.cases.six_case.rules` — the rubric, the paper's dimensions, the thresholds
  and the prose of every rule, rendered from those constants;
* :mod:`~talentlab.cases.six_case.coding` — the coding tables: checks, case matrix, evidence,
  the implied-evidence ceiling, recodings;
* :mod:`~talentlab.cases.six_case.analysis` — the QCA for one outcome on one coding
  (:func:`run_six_case_analysis`);
* :mod:`~talentlab.cases.six_case.verdicts` — the claims' verdicts (:func:`judge_six_case_claims`,
  in the vocabulary of :mod:`talentlab.claims`);
* :mod:`~talentlab.cases.six_case.wording` — text mining of the paper (shared quotes, framework
  wording);
* :mod:`~talentlab.cases.six_case.sensitivity` — re-runs on other codings, case sets and evidence
  rules;
* :mod:`~talentlab.cases.six_case.agreement` — agreement of several codings;
* :mod:`~talentlab.cases.six_case.study` — :func:`evaluate` and its result.

All statistics come from :mod:`talentlab.qca` (which matches R's QCA 3.25.1). No file I/O.

Examples
--------
>>> import talentlab
>>> from talentlab.cases import six_case
>>> six_case.case_matrix(talentlab.load_case_conditions()).loc["zhuhai_ic", "mechanism"].round(2)
np.float64(0.78)
"""

from talentlab.cases.six_case.agreement import coding_agreement, coding_disagreements
from talentlab.cases.six_case.analysis import (
    SixCaseAnalysis,
    conditions_per_case_table,
    run_six_case_analysis,
)
from talentlab.cases.six_case.coding import (
    aggregate_dimensions,
    apply_implied_ceiling,
    case_matrix,
    check_implied_ceiling,
    dimension_table,
    evidence_table,
    no_evidence_conditions,
    outcome_evidence,
    pivot_case_conditions,
    recoding_variants,
    with_reference_models,
)
from talentlab.cases.six_case.rules import (
    AGGREGATION_RULE,
    CLAIM_ANCHORS,
    DIMENSIONS,
    IMPLIED_CEILING,
    IMPLIED_CEILING_RULE,
    LENIENT_NOT_MENTIONED,
    MANUFACTURING_PAIR,
    MERGE_RULE,
    NECESSITY_INCL_MIN,
    NECESSITY_RON_MIN,
    OUTCOMES,
    QCA_CLAIM_EXPRESSIONS,
    QCA_VERDICT_RULE,
    QCA_VERDICT_RULE_ZH,
    QCA_VERDICTS,
    ROBUSTNESS_SHARE_MIN,
    RUBRIC,
    SCALE,
    SIX_CASE_CLAIM_COLUMNS,
    STRICT_IMPLIED_CEILING,
    SUFFICIENCY_PRI_MIN,
    SixCaseError,
)
from talentlab.cases.six_case.sensitivity import (
    SENSITIVITY_COLUMNS,
    merge_cases,
    sensitivity_runs,
    without_shared_quotes,
)
from talentlab.cases.six_case.settings import SixCaseSettings
from talentlab.cases.six_case.study import SixCaseEvaluation, evaluate
from talentlab.cases.six_case.verdicts import judge_six_case_claims
from talentlab.cases.six_case.wording import (
    evidence_sentences,
    framework_overlap,
    framework_overlap_summary,
    paper_sections,
    shared_quote_pairs,
)

__all__ = [
    "SixCaseSettings",
    "AGGREGATION_RULE",
    "CLAIM_ANCHORS",
    "DIMENSIONS",
    "IMPLIED_CEILING",
    "IMPLIED_CEILING_RULE",
    "LENIENT_NOT_MENTIONED",
    "MANUFACTURING_PAIR",
    "MERGE_RULE",
    "NECESSITY_INCL_MIN",
    "NECESSITY_RON_MIN",
    "OUTCOMES",
    "QCA_CLAIM_EXPRESSIONS",
    "QCA_VERDICTS",
    "QCA_VERDICT_RULE",
    "QCA_VERDICT_RULE_ZH",
    "ROBUSTNESS_SHARE_MIN",
    "RUBRIC",
    "SCALE",
    "SENSITIVITY_COLUMNS",
    "SIX_CASE_CLAIM_COLUMNS",
    "STRICT_IMPLIED_CEILING",
    "SUFFICIENCY_PRI_MIN",
    "SixCaseAnalysis",
    "SixCaseError",
    "SixCaseEvaluation",
    "aggregate_dimensions",
    "apply_implied_ceiling",
    "case_matrix",
    "check_implied_ceiling",
    "coding_agreement",
    "coding_disagreements",
    "conditions_per_case_table",
    "dimension_table",
    "evaluate",
    "evidence_sentences",
    "evidence_table",
    "framework_overlap",
    "framework_overlap_summary",
    "judge_six_case_claims",
    "merge_cases",
    "no_evidence_conditions",
    "outcome_evidence",
    "paper_sections",
    "pivot_case_conditions",
    "recoding_variants",
    "run_six_case_analysis",
    "sensitivity_runs",
    "shared_quote_pairs",
    "with_reference_models",
    "without_shared_quotes",
]
