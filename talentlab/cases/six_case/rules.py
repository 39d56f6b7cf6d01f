"""The six-case comparison's rules, fixed before the analysis: the coding rubric, the paper's
dimensions, the thresholds of the verdicts, and the prose that states them.

Every number of a rule is a constant here, and the prose (:data:`AGGREGATION_RULE`,
:data:`IMPLIED_CEILING_RULE`, :data:`QCA_VERDICT_RULE`, ...) is rendered from those constants, so
the text published beside a verdict cannot drift from the number the code applies. The verdict
vocabulary (*supported*, *contradicted*, *not supported*, *not testable*) is the one of
:mod:`talentlab.claims`, shared with the Zhuhai evaluation.

Examples
--------
>>> from talentlab.cases.six_case import rules
>>> rules.RUBRIC
(0.0, 0.33, 0.67, 1.0)
>>> f"inclN >= {rules.NECESSITY_INCL_MIN}" in rules.QCA_VERDICT_RULE
True
"""

from __future__ import annotations

from talentlab.claims import (
    CONTRADICTED,
    NOT_SUPPORTED,
    NOT_TESTABLE,
    SUPPORTED,
    VERDICT_LABELS_ZH,
    VERDICTS,
)
from talentlab.qca import FOUR_VALUE_LEVELS

__all__ = [
    "AGGREGATION_RULE",
    "CLAIM_ANCHORS",
    "CROSSOVER",
    "DEFAULT_INCL_CUT",
    "DIMENSIONS",
    "DISCLOSURE_EXEMPT",
    "IMPLIED_CEILING",
    "IMPLIED_CEILING_RULE",
    "LENIENT_NOT_MENTIONED",
    "MANUFACTURING_PAIR",
    "MERGE_RULE",
    "NECESSITY_INCL_MIN",
    "NECESSITY_RON_MIN",
    "NOT_MENTIONED_ALTERNATIVE",
    "OUTCOMES",
    "QCA_CLAIM_EXPRESSIONS",
    "QCA_VERDICTS",
    "QCA_VERDICT_RULE",
    "QCA_VERDICT_RULE_ZH",
    "RANDOM_CONSISTENCY_WARNING",
    "ROBUSTNESS_SHARE_MIN",
    "RUBRIC",
    "SCALE",
    "SIX_CASE_CLAIM_COLUMNS",
    "STRICT_IMPLIED_CEILING",
    "SUFFICIENCY_PRI_MIN",
    "THRESHOLD_TOLERANCE",
    "ZHUHAI_CASE",
    "SixCaseError",
    "passes_necessity",
    "passes_sufficiency",
]


class SixCaseError(ValueError):
    """Bad input to the six-case analysis; the message says what and where."""


# --------------------------------------------------------------------------------------------
# the coding
# --------------------------------------------------------------------------------------------
#: The rubric's membership values (data/raw/CASES.md section 4): Ragin's four-value fuzzy scale
#: (:data:`talentlab.qca.FOUR_VALUE_LEVELS`), the steps every recoding moves along.
RUBRIC = FOUR_VALUE_LEVELS

#: The crossover: a case is more in than out of a set above it (a truth-table row's side).
CROSSOVER = 0.5

#: Outcome rows of the six-case ``case_conditions`` table (never used as conditions).
OUTCOMES = ("talent_adaptability", "resource_integration", "industrial_service")

#: The paper's four-dimensional path (concept, mechanism, model, support; section 4).
DIMENSIONS: dict[str, list[str]] = {
    "concept": ["concept"],
    "mechanism": ["interest_linkage", "collaborative_governance", "demand_feedback"],
    "model": ["modular_curriculum", "dual_training", "customized_cultivation"],
    "support": ["teacher_development", "three_party_evaluation", "policy_resource_guarantee"],
}

#: The number of cases the paper compares ("6 typical cases").
PAPER_CASES = 6

#: The one ceiling for *implied* evidence, applied to every coding, recoding and sensitivity run
#: (CASES.md section 4, rule 2): the rubric's third step.
IMPLIED_CEILING = RUBRIC[2]
#: The strict reading of implied evidence in the sensitivity runs: the rubric's second step, so
#: that no case is in a set on implied evidence alone.
STRICT_IMPLIED_CEILING = RUBRIC[1]
#: Membership a *not mentioned* cell takes in its alternative reading when the coding gives
#: none (``alternative_membership`` empty): the rubric's second step.
NOT_MENTIONED_ALTERNATIVE = RUBRIC[1]
#: Membership given to every *not mentioned* cell in the most lenient reading (CASES.md §5).
LENIENT_NOT_MENTIONED = RUBRIC[2]

#: The Zhuhai case, which the paper may treat as a separate "practical verification" case.
ZHUHAI_CASE = "zhuhai_ic"
#: The two anonymous manufacturing cases that may be one college (CASES.md section 1).
MANUFACTURING_PAIR = ("equipment_mfg_custom", "mechanical_training_center")


def _dimension_listing() -> str:
    return "; ".join(f"{dim} = {', '.join(subs)}" for dim, subs in DIMENSIONS.items())


_N_CONDITIONS = sum(len(subs) for subs in DIMENSIONS.values())
_NUMBER_WORDS = {4: "four", 6: "six", 10: "ten"}

#: How sub-conditions become the paper's four dimensions (``aggregate="mean"``, the default).
AGGREGATION_RULE = (
    "Each dimension's membership is the arithmetic mean of its sub-conditions' memberships "
    f"({_dimension_listing()}). The "
    f"mean is a compensatory index: a case is more in than out of a dimension (> {CROSSOVER:g}) "
    "when its "
    "sub-conditions are present on average, not when every one is (that is aggregate='and', "
    "the fuzzy minimum) or when any one is (aggregate='or', the fuzzy maximum). The mean keeps "
    f"{_NUMBER_WORDS[len(DIMENSIONS)]} sets for {_NUMBER_WORDS[PAPER_CASES]} cases, since "
    f"{_NUMBER_WORDS[_N_CONDITIONS]} conditions would leave "
    f"{2 ** _N_CONDITIONS - PAPER_CASES:,} of {2 ** _N_CONDITIONS:,} configurations "
    "empty (data/raw/CASES.md section 6; talentlab.cases.six_case.aggregate_dimensions). A "
    "sub-condition with no evidence in any case (every cell not mentioned; in the shipped "
    "codings three_party_evaluation) is constant by construction: it is flagged "
    "(no_evidence_conditions) and left out of its dimension's mean, so that support = mean of "
    "teacher_development and policy_resource_guarantee; a dimension whose sub-conditions all "
    "lack evidence keeps them."
)

IMPLIED_CEILING_RULE = (
    "Ceiling rule for implied evidence (CASES.md section 4, rule 2, applied everywhere): a cell "
    f"whose evidence_status is implied never has a membership above {IMPLIED_CEILING}; only "
    "stated_present can reach 1. Every coding analysed is checked against it "
    "(check_implied_ceiling raises on a breach), and the recodings of the robustness analysis "
    "never step an implied cell above it. The strict sensitivity reading caps implied evidence "
    f"at {STRICT_IMPLIED_CEILING:g}, so that no case is in a set (> {CROSSOVER:g}) on implied "
    "evidence alone."
)

MERGE_RULE = (
    "Merging two case descriptions that may be one college: each cell of the merged case takes "
    "the higher membership of the two (evidence from either description is evidence about the "
    "one college), with that cell's status, section and quote; ties keep the first case's "
    "cell. alternative_membership is the higher of the two."
)

# --------------------------------------------------------------------------------------------
# the verdicts
# --------------------------------------------------------------------------------------------
#: The verdicts a QCA claim can get: a subset of :data:`talentlab.claims.VERDICTS`, the one
#: vocabulary of both studies.
QCA_VERDICTS = tuple(v for v in VERDICTS if v in (SUPPORTED, CONTRADICTED, NOT_SUPPORTED,
                                                  NOT_TESTABLE))

#: Necessity: minimal inclusion (consistency) of necessity.
NECESSITY_INCL_MIN = 0.9
#: Necessity: minimal relevance of necessity (below it the condition is close to trivial).
NECESSITY_RON_MIN = 0.6
#: Sufficiency: minimal PRI (below 0.5 the set is as much a subset of ~Y as of Y).
SUFFICIENCY_PRI_MIN = 0.5
#: Sufficiency inclusion cut-off of the truth table (R ``incl.cut``) unless the analysis sets one.
DEFAULT_INCL_CUT = 0.8
#: Share of distinct plausible recodings in which a *supported* claim must still pass (a project
#: choice fixed in advance: a verdict that flips under one recoding in five is not robust).
ROBUSTNESS_SHARE_MIN = 0.8
#: Slack of every threshold comparison: consistencies are ratios of sums of memberships with two
#: decimals, so a value on the threshold can come out a rounding error below it.
THRESHOLD_TOLERANCE = 1e-8
#: The conditions-per-case diagnostic warns when random data give a contradiction-free truth
#: table at least this often (Marx & Dusa 2011).
RANDOM_CONSISTENCY_WARNING = 0.10
#: Scale of the estimate in the verdict table.
SCALE = "consistency (0–1)"
#: Columns of ``six_case_claims.csv`` (the findings ledger reads these).
SIX_CASE_CLAIM_COLUMNS = ["claim_id", "estimate", "ci_low", "ci_high", "scale", "verdict",
                          "verdict_reason", "evidence_link"]

#: The set each QCA claim of ``claims.csv`` is about, in R QCA notation on the dimensions.
#: C3.1.1e / C6.1a: "university-enterprise collaboration" / the "community" = the mechanism
#: dimension (the community's interest linkage, governance and demand feedback, section 4.2);
#: C3.1.3d: collaboration -> industrial service; C6.1c: the whole four-dimensional path.
QCA_CLAIM_EXPRESSIONS: dict[str, str] = {
    "C3.1.1e": "mechanism",
    "C3.1.3d": "mechanism",
    "C6.1a": "mechanism",
    "C6.1c": "*".join(DIMENSIONS),
}

#: Notebook anchors (``20_six_case_comparison.html#...``) the findings ledger links to.
CLAIM_ANCHORS = {"necessary": "#necessity", "sufficient": "#sufficiency"}

#: Why the six-case tables need no small-cell suppression (results.json ``disclosure_exempt``).
DISCLOSURE_EXEMPT = ("case-level data coded from the published paper: the counts are cases "
                     "(colleges), not people")


def passes_necessity(incl_n: float, ron: float) -> bool:
    """The necessity criterion of :data:`QCA_VERDICT_RULE` (inclN and RoN at their minima).

    Examples
    --------
    >>> passes_necessity(0.9, 0.6), passes_necessity(0.95, 0.5)
    (True, False)
    """
    return bool(incl_n >= NECESSITY_INCL_MIN - THRESHOLD_TOLERANCE
                and ron >= NECESSITY_RON_MIN - THRESHOLD_TOLERANCE)


def passes_sufficiency(incl_s: float, pri: float, incl_cut: float = DEFAULT_INCL_CUT) -> bool:
    """The sufficiency criterion of :data:`QCA_VERDICT_RULE` (inclS at ``incl_cut``, PRI at its
    minimum).

    Examples
    --------
    >>> passes_sufficiency(0.85, 0.7), passes_sufficiency(0.85, 0.4)
    (True, False)
    """
    return bool(incl_s >= incl_cut - THRESHOLD_TOLERANCE
                and pri >= SUFFICIENCY_PRI_MIN - THRESHOLD_TOLERANCE)


QCA_VERDICT_RULE = (
    "QCA verdict rule (fixed before the analysis; applied to the claims with analysis == 'qca'). "
    "Each claim is a set relation between a set built from the coded conditions "
    "(QCA_CLAIM_EXPRESSIONS, on the four dimensions aggregated by AGGREGATION_RULE) and a coded "
    "outcome across the cases. The estimate is the consistency (inclN for necessity, inclS for "
    "sufficiency, R QCA formulas); ci_low/ci_high are NOT confidence intervals but the minimum "
    "and maximum of that consistency over the distinct plausible recodings of the cells the "
    "claim rests on (each not-mentioned cell at its alternative, all of them at 0, at their "
    f"alternatives and at {LENIENT_NOT_MENTIONED:g}, and each coded cell one rubric step up and "
    f"down, an implied cell never above {IMPLIED_CEILING:g}: IMPLIED_CEILING_RULE).\n"
    f"- necessary: supported when inclN >= {NECESSITY_INCL_MIN} and RoN >= "
    f"{NECESSITY_RON_MIN} on the baseline coding and in at least {ROBUSTNESS_SHARE_MIN:.0%} of "
    f"the recodings (inclN >= {NECESSITY_INCL_MIN:g} is the conventional necessity threshold, "
    "Schneider & Wagemann "
    "2012, ch. 3 and 9; RoN, their guard against trivially necessary conditions, is a cut in R "
    f"QCA's superSubset(ron.cut), Dusa 2019, but the value {NECESSITY_RON_MIN:g} is a choice "
    "fixed in advance for "
    "this project, not a published benchmark; the research note qca.md gives the formulas, not "
    "the thresholds). Contradicted when the baseline fails and a documented success (outcome "
    f"stated_present, membership > {CROSSOVER:g}) lies outside the set (< {CROSSOVER:g}) even "
    "when every "
    f"not-mentioned cell is read as {LENIENT_NOT_MENTIONED} (the most lenient reading, "
    "CASES.md section 5): a counterexample that does not rest on the paper's silence. "
    "Otherwise not supported.\n"
    "- sufficient: not testable when the outcome does not vary across the cases, or when no "
    f"case is a documented negative case (outcome < {CROSSOVER:g} with evidence_status "
    "stated_absent): "
    "cases coded out of the outcome only because the paper reports nothing on it are not "
    "failures, and cases chosen as successes are selection on the outcome (Schneider & "
    "Wagemann 2012, ch. 11; Ragin 2008), so sufficiency consistency cannot discriminate. "
    f"Otherwise supported when inclS >= incl_cut ({DEFAULT_INCL_CUT:g} by default) and PRI >= "
    f"{SUFFICIENCY_PRI_MIN} on the baseline and in at least {ROBUSTNESS_SHARE_MIN:.0%} of the "
    "recodings; contradicted when the baseline fails and a documented negative case is in the "
    f"set (> {CROSSOVER:g}); otherwise not supported.\n"
    f"- With {_NUMBER_WORDS[PAPER_CASES]} hand-picked cases described in two or three sentences "
    "each, a pass would be weak "
    "evidence in any case (random data give a contradiction-free truth table with high "
    "probability; Marx & Dusa 2011)."
)

QCA_VERDICT_RULE_ZH = (
    "定性比较分析（QCA）论断判定规则（分析前确定）：估计值为一致性（必要性 inclN，充分性 inclS）；"
    "区间为各种合理重新编码下一致性的最小值与最大值（非置信区间）。"
    f"必要性：inclN ≥ {NECESSITY_INCL_MIN} 且 RoN ≥ {NECESSITY_RON_MIN}，并在至少 "
    f"{ROBUSTNESS_SHARE_MIN:.0%} 的重新编码中成立，判为{VERDICT_LABELS_ZH[SUPPORTED]}；"
    f"若有明确成功的案例在最宽松解读下仍不属于该集合，判为{VERDICT_LABELS_ZH[CONTRADICTED]}；"
    f"否则{VERDICT_LABELS_ZH[NOT_SUPPORTED]}。充分性：结果无变异或没有文本明确记载的失败案例"
    f"（选择基于结果）时{VERDICT_LABELS_ZH[NOT_TESTABLE]}；"
    f"否则按 inclS ≥ 一致性门槛、PRI ≥ {SUFFICIENCY_PRI_MIN} 及稳健性判定。"
)
