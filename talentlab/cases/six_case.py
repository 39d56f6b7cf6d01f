"""The six-case comparison: QCA of the cases coded from the paper, and verdicts on its claims.

Small functions that take the long ``case_conditions`` table (one row per case x condition or
outcome, with evidence; see ``data/raw/CASES.md``) and return tidy DataFrames, plus
:func:`run_six_case_analysis` (diagnostics, necessity, truth table, solutions with fit and
robustness in one result) and :func:`judge_six_case_claims` (verdicts on the claims with
``analysis == "qca"`` by the rule :data:`QCA_VERDICT_RULE`, fixed before the analysis).

All statistics come from :mod:`talentlab.qca` (which matches R's QCA 3.25.1); this module only
arranges them, adds the evidence-aware checks a text-coded design needs (is a case *out* of the
outcome because the paper says it failed, or because the paper is silent?) and applies the rule.
No file I/O.

Examples
--------
>>> import talentlab
>>> from talentlab.cases.six_case import case_matrix
>>> cc = talentlab.load_case_conditions()
>>> case_matrix(cc).loc["zhuhai_ic", "mechanism"].round(2)
np.float64(0.78)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.claims import (
    CONTRADICTED,
    NOT_SUPPORTED,
    NOT_TESTABLE,
    SUPPORTED,
    VERDICT_LABELS_ZH,
)
from talentlab.qca import (
    QCAError,
    RobustnessResult,
    TruthTable,
    aggregate_sets,
    compute,
    diagnose,
    fit,
    minimize,
    necessity,
    necessity_parameters,
    pivot_long,
    random_consistency_probability,
    robustness,
    sufficiency_parameters,
    truth_table,
)

__all__ = [
    "AGGREGATION_RULE",
    "IMPLIED_CEILING",
    "IMPLIED_CEILING_RULE",
    "MANUFACTURING_PAIR",
    "MERGE_RULE",
    "STRICT_IMPLIED_CEILING",
    "apply_implied_ceiling",
    "check_implied_ceiling",
    "coding_agreement",
    "coding_disagreements",
    "evidence_sentences",
    "framework_overlap",
    "framework_overlap_summary",
    "merge_cases",
    "no_evidence_conditions",
    "paper_sections",
    "sensitivity_runs",
    "shared_quote_pairs",
    "without_shared_quotes",
    "DIMENSIONS",
    "OUTCOMES",
    "RUBRIC",
    "aggregate_dimensions",
    "pivot_case_conditions",
    "CLAIM_ANCHORS",
    "LENIENT_NOT_MENTIONED",
    "NECESSITY_INCL_MIN",
    "NECESSITY_RON_MIN",
    "QCA_CLAIM_EXPRESSIONS",
    "QCA_VERDICT_RULE",
    "QCA_VERDICT_RULE_ZH",
    "ROBUSTNESS_SHARE_MIN",
    "SCALE",
    "SIX_CASE_CLAIM_COLUMNS",
    "SUFFICIENCY_PRI_MIN",
    "SixCaseAnalysis",
    "SixCaseError",
    "case_matrix",
    "conditions_per_case_table",
    "dimension_table",
    "evidence_table",
    "judge_six_case_claims",
    "outcome_evidence",
    "recoding_variants",
    "run_six_case_analysis",
    "with_reference_models",
]

#: The rubric's membership values (data/raw/CASES.md section 4): four-value fuzzy sets.
RUBRIC = (0.0, 0.33, 0.67, 1.0)

#: Outcome rows of the six-case ``case_conditions`` table (never used as conditions).
OUTCOMES = ("talent_adaptability", "resource_integration", "industrial_service")

#: The paper's four-dimensional path (concept, mechanism, model, support; section 4).
DIMENSIONS: dict[str, list[str]] = {
    "concept": ["concept"],
    "mechanism": ["interest_linkage", "collaborative_governance", "demand_feedback"],
    "model": ["modular_curriculum", "dual_training", "customized_cultivation"],
    "support": ["teacher_development", "three_party_evaluation", "policy_resource_guarantee"],
}

#: How sub-conditions become the paper's four dimensions (``aggregate="mean"``, the default).
AGGREGATION_RULE = (
    "Each dimension's membership is the arithmetic mean of its sub-conditions' memberships "
    "(concept = concept; mechanism = interest_linkage, collaborative_governance, "
    "demand_feedback; model = modular_curriculum, dual_training, customized_cultivation; "
    "support = teacher_development, three_party_evaluation, policy_resource_guarantee). The "
    "mean is a compensatory index: a case is more in than out of a dimension (> 0.5) when its "
    "sub-conditions are present on average, not when every one is (that is aggregate='and', "
    "the fuzzy minimum) or when any one is (aggregate='or', the fuzzy maximum). The mean keeps "
    "four sets for six cases, since ten conditions would leave 1,018 of 1,024 configurations "
    "empty (data/raw/CASES.md section 6; talentlab.cases.six_case.aggregate_dimensions). A "
    "sub-condition with no evidence in any case (every cell not mentioned; in the shipped "
    "codings three_party_evaluation) is constant by construction: it is flagged "
    "(no_evidence_conditions) and left out of its dimension's mean, so that support = mean of "
    "teacher_development and policy_resource_guarantee; a dimension whose sub-conditions all "
    "lack evidence keeps them."
)

#: The one ceiling for *implied* evidence, applied to every coding, recoding and sensitivity run.
IMPLIED_CEILING = 0.67
IMPLIED_CEILING_RULE = (
    "Ceiling rule for implied evidence (CASES.md section 4, rule 2, applied everywhere): a cell "
    f"whose evidence_status is implied never has a membership above {IMPLIED_CEILING}; only "
    "stated_present can reach 1. Every coding analysed is checked against it "
    "(check_implied_ceiling raises on a breach), and the recodings of the robustness analysis "
    "never step an implied cell above it. The strict sensitivity reading caps implied evidence "
    "at 0.33, so that no case is in a set (> 0.5) on implied evidence alone."
)
#: The strict reading of implied evidence in the sensitivity runs.
STRICT_IMPLIED_CEILING = 0.33

#: Necessity: minimal inclusion (consistency) of necessity.
NECESSITY_INCL_MIN = 0.9
#: Necessity: minimal relevance of necessity (below it the condition is close to trivial).
NECESSITY_RON_MIN = 0.6
#: Sufficiency: minimal PRI (below 0.5 the set is as much a subset of ~Y as of Y).
SUFFICIENCY_PRI_MIN = 0.5
#: Share of distinct plausible recodings in which a *supported* claim must still pass (a project
#: choice fixed in advance: a verdict that flips under one recoding in five is not robust).
ROBUSTNESS_SHARE_MIN = 0.8
#: Membership given to every *not mentioned* cell in the most lenient reading (CASES.md §5).
LENIENT_NOT_MENTIONED = 0.67
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
    "C6.1c": "concept*mechanism*model*support",
}

#: Notebook anchors (``20_six_case_comparison.html#...``) the findings ledger links to.
CLAIM_ANCHORS = {"necessary": "#necessity", "sufficient": "#sufficiency"}

QCA_VERDICT_RULE = (
    "QCA verdict rule (fixed before the analysis; applied to the claims with analysis == 'qca'). "
    "Each claim is a set relation between a set built from the coded conditions "
    "(QCA_CLAIM_EXPRESSIONS, on the four dimensions aggregated by AGGREGATION_RULE) and a coded "
    "outcome across the cases. The estimate is the consistency (inclN for necessity, inclS for "
    "sufficiency, R QCA formulas); ci_low/ci_high are NOT confidence intervals but the minimum "
    "and maximum of that consistency over the distinct plausible recodings of the cells the "
    "claim rests on (each not-mentioned cell at its alternative, all of them at 0, at their "
    "alternatives and at 0.67, and each coded cell one rubric step up and down, an implied "
    "cell never above 0.67: IMPLIED_CEILING_RULE).\n"
    f"- necessary: supported when inclN >= {NECESSITY_INCL_MIN} and RoN >= "
    f"{NECESSITY_RON_MIN} on the baseline coding and in at least {ROBUSTNESS_SHARE_MIN:.0%} of "
    "the recodings (inclN >= 0.9 is the conventional necessity threshold, Schneider & Wagemann "
    "2012, ch. 3 and 9; RoN, their guard against trivially necessary conditions, is a cut in R "
    "QCA's superSubset(ron.cut), Dusa 2019, but the value 0.6 is a choice fixed in advance for "
    "this project, not a published benchmark; the research note qca.md gives the formulas, not "
    "the thresholds). Contradicted when the baseline fails and a documented success (outcome "
    "stated_present, membership > 0.5) lies outside the set (< 0.5) even when every "
    f"not-mentioned cell is read as {LENIENT_NOT_MENTIONED} (the most lenient reading, "
    "CASES.md section 5): a counterexample that does not rest on the paper's silence. "
    "Otherwise not supported.\n"
    "- sufficient: not testable when the outcome does not vary across the cases, or when no "
    "case is a documented negative case (outcome < 0.5 with evidence_status stated_absent): "
    "cases coded out of the outcome only because the paper reports nothing on it are not "
    "failures, and cases chosen as successes are selection on the outcome (Schneider & "
    "Wagemann 2012, ch. 11; Ragin 2008), so sufficiency consistency cannot discriminate. "
    "Otherwise supported when inclS >= incl_cut (0.8 by default) and PRI >= "
    f"{SUFFICIENCY_PRI_MIN} on the baseline and in at least {ROBUSTNESS_SHARE_MIN:.0%} of the "
    "recodings; contradicted when the baseline fails and a documented negative case is in the "
    "set (> 0.5); otherwise not supported.\n"
    "- With six hand-picked cases described in two or three sentences each, a pass would be weak "
    "evidence in any case (random data give a contradiction-free truth table with high "
    "probability; Marx & Dusa 2011)."
)

QCA_VERDICT_RULE_ZH = (
    "定性比较分析（QCA）论断判定规则（分析前确定）：估计值为一致性（必要性 inclN，充分性 inclS）；"
    "区间为各种合理重新编码下一致性的最小值与最大值（非置信区间）。"
    f"必要性：inclN ≥ {NECESSITY_INCL_MIN} 且 RoN ≥ {NECESSITY_RON_MIN}，并在至少 "
    f"{ROBUSTNESS_SHARE_MIN:.0%} 的重新编码中成立，判为得到支持；若有明确成功的案例在最宽松解读下仍不属于该集合，"
    "判为被反驳；否则未得到支持。充分性：结果无变异或没有文本明确记载的失败案例（选择基于结果）时无法检验；"
    "否则按 inclS ≥ 一致性门槛、PRI ≥ 0.5 及稳健性判定。"
)


class SixCaseError(ValueError):
    """Bad input to the six-case analysis; the message says what and where."""


def pivot_case_conditions(
    case_conditions: pd.DataFrame, value: str = "membership", sets: Sequence[str] | None = None
) -> pd.DataFrame:
    """Pivot the long ``case_conditions`` table into a wide case x set DataFrame
    (:func:`talentlab.qca.pivot_long` on ``case_id`` x ``condition``).

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a", "b", "b"], "condition": ["X", "Y"] * 2,
    ...                      "membership": [1, 0.33, 0, 0.67]})
    >>> pivot_case_conditions(long).to_dict("index")
    {'a': {'X': 1.0, 'Y': 0.33}, 'b': {'X': 0.0, 'Y': 0.67}}
    """
    return pivot_long(case_conditions, value=value, sets=sets, case="case_id",
                      set_column="condition")


def aggregate_dimensions(
    wide: pd.DataFrame,
    rule: str = "mean",
    dimensions: Mapping[str, Sequence[str]] | None = None,
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Aggregate sub-conditions into dimensions (default: the paper's four, :data:`DIMENSIONS`)
    by ``rule`` ("mean", "and" = fuzzy minimum, "or" = fuzzy maximum;
    :func:`talentlab.qca.aggregate_sets`).

    Examples
    --------
    >>> w = pd.DataFrame({"a": [1.0, 0.0], "b": [0.33, 0.67]})
    >>> aggregate_dimensions(w, "and", {"D": ["a", "b"]})["D"].tolist()
    [0.33, 0.0]
    """
    return aggregate_sets(wide, dict(dimensions or DIMENSIONS), rule, keep)


# --------------------------------------------------------------------------------------------
# tables
# --------------------------------------------------------------------------------------------
def _check_long(case_conditions: pd.DataFrame, where: str = "case_conditions") -> pd.DataFrame:
    if not isinstance(case_conditions, pd.DataFrame):
        raise SixCaseError(f"{where} must be a DataFrame (see talentlab.load_case_conditions)")
    need = {"case_id", "condition", "membership", "evidence_status"}
    missing = sorted(need - set(case_conditions.columns))
    if missing:
        raise SixCaseError(f"{where} lacks column(s) {missing}")
    if case_conditions.empty:
        raise SixCaseError(f"{where} is empty")
    out = case_conditions.copy()
    out["case_id"] = out["case_id"].astype(str)
    out["condition"] = out["condition"].astype(str)
    out["evidence_status"] = out["evidence_status"].astype(str)
    out["membership"] = pd.to_numeric(out["membership"], errors="raise").astype(float)
    if "alternative_membership" in out.columns:
        out["alternative_membership"] = pd.to_numeric(
            out["alternative_membership"], errors="coerce").astype(float)
    return out.reset_index(drop=True)


def _case_order(long: pd.DataFrame) -> list[str]:
    """Cases in their first-appearance order (the registry's order)."""
    return list(dict.fromkeys(long["case_id"].tolist()))


def _parse_conditions(conditions) -> list[str] | None:
    if conditions is None:
        return None
    if isinstance(conditions, str):
        conditions = [c.strip() for c in conditions.split(",") if c.strip()]
    conditions = [str(c) for c in conditions]
    if not conditions:
        return None
    return conditions


def dimension_table(dimensions: Mapping[str, Sequence[str]] | None = None) -> pd.DataFrame:
    """The paper's four dimensions and their sub-conditions, one row per sub-condition.

    Examples
    --------
    >>> dimension_table().groupby("dimension", sort=False).size().tolist()
    [1, 3, 3, 3]
    """
    dims = dict(dimensions or DIMENSIONS)
    return pd.DataFrame([(d, c) for d, subs in dims.items() for c in subs],
                        columns=["dimension", "condition"])


def no_evidence_conditions(case_conditions: pd.DataFrame) -> list[str]:
    """Conditions with no evidence in any case (every cell *not mentioned*), e.g.
    ``three_party_evaluation``: constant by construction, flagged, and kept out of the averaged
    dimensions (:data:`AGGREGATION_RULE`).

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "b"] * 2, "condition": ["X", "X", "Y", "Y"],
    ...     "membership": [0, 0, 1, 0.33], "evidence_status": ["not_mentioned"] * 2
    ...     + ["stated_present", "implied"]})
    >>> no_evidence_conditions(long)
    ['X']
    """
    status = case_conditions[["condition", "evidence_status"]].astype(str)
    has = status.assign(e=status["evidence_status"] != "not_mentioned").groupby(
        "condition", sort=False)["e"].any()
    return [c for c, e in has.items() if not e and c not in OUTCOMES]


def _dimensions_for(conditions: Sequence[str], known: Sequence[str],
                    long: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Dimension definitions for ``conditions``: the paper's dimensions by name (without the
    sub-conditions that have no evidence in any case of ``long``, unless that would empty the
    dimension), and every raw condition as a dimension of its own."""
    empty = set(no_evidence_conditions(long)) if long is not None else set()
    dims: dict[str, list[str]] = {}
    for c in conditions:
        if c in DIMENSIONS:
            subs = [s_ for s_ in DIMENSIONS[c] if s_ not in empty]
            dims[c] = subs or list(DIMENSIONS[c])
        elif c in known:
            dims[c] = [c]
        else:
            raise SixCaseError(
                f"condition {c!r} is neither a dimension {list(DIMENSIONS)} nor a condition of "
                f"case_conditions {sorted(known)}")
    return dims


def case_matrix(
    case_conditions: pd.DataFrame,
    conditions=None,
    aggregate: str = "mean",
    outcomes: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Wide case x set memberships: the (aggregated) conditions, then the outcomes.

    Parameters
    ----------
    case_conditions : DataFrame
        Long table (``case_id``, ``condition``, ``membership``, ``evidence_status``...).
    conditions : list of str or comma-separated str, optional
        Dimension names (``concept``, ``mechanism``, ``model``, ``support``; aggregated from
        their sub-conditions) and/or raw condition codes (taken as they are). Default: the four
        dimensions.
    aggregate : {"mean", "and", "or"}
        How a dimension is formed from its sub-conditions (:data:`AGGREGATION_RULE`).
    outcomes : list of str, optional
        Outcome columns to append (default: every outcome present in the table).

    Returns
    -------
    DataFrame indexed by ``case_id`` in the registry's order.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a"] * 3, "condition": ["interest_linkage",
    ...     "collaborative_governance", "demand_feedback"], "membership": [1, 0.33, 0],
    ...     "evidence_status": ["stated_present", "implied", "not_mentioned"]})
    >>> case_matrix(long, ["mechanism"], outcomes=[]).round(3).to_dict("index")
    {'a': {'mechanism': 0.665}}

    (``demand_feedback`` has no evidence in any case, so it is left out of the mean;
    :data:`AGGREGATION_RULE`.)
    """
    long = _check_long(case_conditions)
    if aggregate not in ("mean", "and", "or"):
        raise SixCaseError(f"aggregate must be 'mean', 'and' or 'or', not {aggregate!r}")
    wide = pivot_case_conditions(long)
    conds = _parse_conditions(conditions) or list(DIMENSIONS)
    known = list(wide.columns)
    dims = _dimensions_for(conds, known, long)
    if outcomes is None:
        outcomes = [o for o in OUTCOMES if o in known]
    absent = [o for o in outcomes if o not in known]
    if absent:
        raise SixCaseError(f"outcomes {absent} are not rows of case_conditions")
    clash = [o for o in outcomes if o in conds]
    if clash:
        raise SixCaseError(f"{clash} cannot be both a condition and an outcome")
    data = aggregate_dimensions(wide, aggregate, dims, keep=list(outcomes))
    data = data.loc[[c for c in _case_order(long)]]
    data.index.name = "case_id"
    return data


def evidence_table(case_conditions: pd.DataFrame, conditions=None) -> pd.DataFrame:
    """One row per case x condition with its membership and the evidence behind it.

    Columns: ``case_id``, ``dimension`` (or ``outcome``), ``condition``, ``membership``,
    ``alternative_membership``, ``status``, ``section``, ``quote``, ``note``. Rows follow the
    registry's case order and the dimensions' condition order.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a"], "condition": ["dual_training"],
    ...     "membership": [1.0], "evidence_status": ["stated_present"],
    ...     "evidence_quote": ["co-built a training base"]})
    >>> evidence_table(long)[["dimension", "status", "quote"]].values.tolist()
    [['model', 'stated_present', 'co-built a training base']]
    """
    long = _check_long(case_conditions)
    dim_of = {c: d for d, subs in DIMENSIONS.items() for c in subs}
    dim_of.update({o: "outcome" for o in OUTCOMES})
    order = [c for subs in DIMENSIONS.values() for c in subs] + list(OUTCOMES)
    rank = {c: i for i, c in enumerate(order)}
    case_rank = {c: i for i, c in enumerate(_case_order(long))}
    wanted = _parse_conditions(conditions)
    if wanted:
        expanded = []
        for c in wanted:
            expanded += list(DIMENSIONS.get(c, [c]))
        long = long.loc[long["condition"].isin(expanded + list(OUTCOMES))]
    out = pd.DataFrame({
        "case_id": long["case_id"],
        "dimension": long["condition"].map(dim_of).fillna("other"),
        "condition": long["condition"],
        "membership": long["membership"],
        "alternative_membership": long.get("alternative_membership", np.nan),
        "status": long["evidence_status"],
        "section": long.get("evidence_section", pd.NA),
        "quote": long.get("evidence_quote", pd.NA),
        "note": long.get("coding_note", pd.NA),
    })
    out["_c"] = out["case_id"].map(case_rank)
    out["_k"] = out["condition"].map(rank).fillna(len(rank))
    out = out.sort_values(["_c", "_k", "condition"]).drop(columns=["_c", "_k"])
    return out.reset_index(drop=True)


def outcome_evidence(case_conditions: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """Each case's membership in ``outcome`` and what kind of evidence puts it in or out.

    ``documented_success``: in the outcome (> 0.5) on a *stated_present* coding;
    ``documented_failure``: out of it (< 0.5) on a *stated_absent* coding. A case out of the
    outcome because the paper is silent (*not_mentioned*) or reports only an input
    (*implied* at 0.33) is neither: it is not a negative case in the sense sufficiency analysis
    needs.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "b"], "condition": ["Y", "Y"],
    ...     "membership": [1.0, 0.0], "evidence_status": ["stated_present", "not_mentioned"]})
    >>> outcome_evidence(long, "Y")[["in_outcome", "documented_failure"]].values.tolist()
    [[True, False], [False, False]]
    """
    long = _check_long(case_conditions)
    rows = long.loc[long["condition"] == outcome]
    if rows.empty:
        raise SixCaseError(f"outcome {outcome!r} is not a row of case_conditions")
    out = pd.DataFrame({
        "case_id": rows["case_id"].to_numpy(),
        "outcome": outcome,
        "membership": rows["membership"].to_numpy(),
        "status": rows["evidence_status"].to_numpy(),
    })
    out["in_outcome"] = out["membership"] > 0.5
    out["documented_success"] = out["in_outcome"] & (out["status"] == "stated_present")
    out["documented_failure"] = (out["membership"] < 0.5) & (out["status"] == "stated_absent")
    return out.reset_index(drop=True)


def _sufficiency_testability(case_conditions: pd.DataFrame, outcome: str) -> tuple[bool, str]:
    ev = outcome_evidence(case_conditions, outcome)
    n = len(ev)
    n_in = int(ev["in_outcome"].sum())
    n_out = int((ev["membership"] < 0.5).sum())
    n_fail = int(ev["documented_failure"].sum())
    if n_in == 0 or n_out == 0:
        side = "in" if n_out == 0 else "out of"
        return False, (f"the outcome does not vary: all {n} cases are {side} {outcome!r}, so "
                       "sufficiency is uninformative (selection on the outcome)")
    if n_fail == 0:
        silent = ev.loc[ev["membership"] < 0.5]
        kinds = ", ".join(f"{r.case_id} ({r.status}, {r.membership:g})"
                          for r in silent.itertuples())
        return False, (f"selection on the outcome: {n_in} of {n} cases are in {outcome!r}, but "
                       f"none of the {n_out} cases out of it is a documented failure "
                       f"(stated_absent); they are out only because the paper reports nothing "
                       f"or only an input on this outcome for them: {kinds}. The cases were "
                       "chosen as successes (CASES.md section 6), so sufficiency consistency "
                       "cannot discriminate")
    return True, (f"{n_in} of {n} cases are in {outcome!r} and {n_fail} documented negative "
                  "case(s) exist")


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


def with_reference_models(case_conditions: pd.DataFrame,
                          reference_configurations: pd.DataFrame) -> pd.DataFrame:
    """Append the reference configurations (Germany's dual system, TAFE, Toyota's school) to the
    cases, flagged in a ``reference_model`` column; for sensitivity analysis only."""
    cases = _check_long(case_conditions).assign(reference_model=False)
    ref = _check_long(reference_configurations, "reference_configurations")
    ref = ref.drop(columns=[c for c in ("reference_only",) if c in ref.columns])
    ref = ref.assign(reference_model=True)
    overlap = set(cases["case_id"]) & set(ref["case_id"])
    if overlap:
        raise SixCaseError(f"reference models reuse case ids {sorted(overlap)}")
    return pd.concat([cases, ref], ignore_index=True)


# --------------------------------------------------------------------------------------------
# recodings
# --------------------------------------------------------------------------------------------
def _step(value: float, direction: int, ceiling: float = 1.0) -> float:
    idx = int(np.argmin([abs(value - r) for r in RUBRIC]))
    return min(RUBRIC[min(max(idx + direction, 0), len(RUBRIC) - 1)], max(value, ceiling))


def recoding_variants(
    case_conditions: pd.DataFrame,
    cells: Sequence[str] | None = None,
    not_mentioned_alternative: float | None = None,
    lenient: float | None = LENIENT_NOT_MENTIONED,
) -> list[tuple[str, pd.DataFrame]]:
    """Plausible recodings of the long table, as :func:`talentlab.qca.robustness` builds them.

    The baseline; every *not mentioned* cell at 0, at its alternative (``alternative_membership``
    or, when missing, ``not_mentioned_alternative``, default 0.33) and, if ``lenient`` is given,
    at that value (the most lenient reading); each *not mentioned* cell at its alternative on its
    own; each other cell one rubric step (0 / 0.33 / 0.67 / 1) down and up. Only rows whose
    ``condition`` is in ``cells`` are recoded (default: all). Recodings that leave every
    membership unchanged are dropped, so the list holds distinct codings.

    Returns
    -------
    list of (label, long DataFrame)

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a"], "condition": ["X"], "membership": [0.33],
    ...     "evidence_status": ["implied"]})
    >>> [lbl for lbl, _ in recoding_variants(long)]
    ['baseline', 'rubric -1: a/X', 'rubric +1: a/X']
    """
    base = _check_long(case_conditions)
    out = []
    for label, values in _variant_memberships(base, cells, not_mentioned_alternative, lenient):
        frame = base.copy()
        frame["membership"] = values
        out.append((label, frame))
    return out


def _variant_memberships(base: pd.DataFrame, cells, not_mentioned_alternative, lenient):
    """(label, membership vector aligned with ``base``'s rows) for each distinct recoding."""
    default_alt = 0.33 if not_mentioned_alternative is None else float(not_mentioned_alternative)
    mask = np.ones(len(base), dtype=bool) if cells is None else base["condition"].isin(cells)
    status = base["evidence_status"].to_numpy()
    nm = np.flatnonzero(mask & (status == "not_mentioned"))
    coded = np.flatnonzero(mask & (status != "not_mentioned"))
    values = base["membership"].to_numpy(dtype=float)
    alts = (base["alternative_membership"].to_numpy(dtype=float)
            if "alternative_membership" in base else np.full(len(base), np.nan))
    cases = base["case_id"].to_numpy()
    conds = base["condition"].to_numpy()

    def alternative(i) -> float:
        if values[i] != 0:
            return 0.0
        return float(alts[i]) if np.isfinite(alts[i]) else default_alt

    def changed(changes: dict) -> np.ndarray:
        v = values.copy()
        for i, nv in changes.items():
            v[i] = nv
        return v

    variants: list[tuple[str, np.ndarray]] = [("baseline", values.copy())]
    if len(nm):
        variants.append(("not_mentioned: all at 0", changed({i: 0.0 for i in nm})))
        variants.append(("not_mentioned: all at alternative",
                         changed({i: alternative(i) for i in nm})))
        if lenient is not None:
            variants.append((f"not_mentioned: all at {lenient:g} (most lenient)",
                             changed({i: float(lenient) for i in nm})))
        for i in nm:
            variants.append((f"not_mentioned: {cases[i]}/{conds[i]}",
                             changed({i: alternative(i)})))
    for i in coded:
        for d in (-1, 1):
            nv = _step(values[i], d, IMPLIED_CEILING if status[i] == "implied" else 1.0)
            if nv == values[i]:
                continue
            variants.append((f"rubric {'+1' if d > 0 else '-1'}: {cases[i]}/{conds[i]}",
                             changed({i: nv})))
    seen, out = set(), []
    for label, v in variants:
        key = tuple(np.round(v, 6))
        if key in seen:
            continue
        seen.add(key)
        out.append((label, v))
    return out


# --------------------------------------------------------------------------------------------
# the analysis
# --------------------------------------------------------------------------------------------
@dataclass
class SixCaseAnalysis:
    """Everything the six-case notebook shows, for one outcome.

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
    sufficiency_testable : bool
    sufficiency_reason : str
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
        """A JSON-ready summary for ``results.json``."""
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

    def to_results(self, verdicts: pd.DataFrame | None = None, *,
                   configuration_chart: pd.DataFrame | None = None,
                   agreement: pd.DataFrame | None = None,
                   disagreements: pd.DataFrame | None = None,
                   no_evidence: Sequence[str] | None = None,
                   sensitivity: pd.DataFrame | None = None,
                   wording: pd.DataFrame | None = None) -> dict:
        """What ``results.json`` of the six-case notebook holds (JSON-ready;
        :func:`talentlab.report.publish_results` writes it).

        ``verdicts`` is :func:`judge_six_case_claims`; the keyword tables are the notebook's
        other steps (:func:`talentlab.qca.configuration_table`, :func:`coding_agreement`,
        :func:`coding_disagreements`, :func:`no_evidence_conditions`,
        :func:`sensitivity_runs`, :func:`framework_overlap_summary`), each summarised (``None``
        where the step did not run).
        """
        return {
            # the report build checks every published table for small cells unless told why not
            "disclosure_exempt": DISCLOSURE_EXEMPT,
            "analysis": self.summary(),
            "verdicts": (None if verdicts is None else
                         {r["claim_id"]: r["verdict"] for r in verdicts.to_dict("records")}),
            "verdict_rule": QCA_VERDICT_RULE,
            "configuration_chart": _chart_summary(configuration_chart),
            "agreement": _agreement_summary(agreement),
            "n_disagreements": None if disagreements is None else int(len(disagreements)),
            "no_evidence_conditions": None if no_evidence is None else list(no_evidence),
            "sensitivity": _sensitivity_summary(sensitivity),
            "framework_wording": (None if wording is None else
                                  dict(zip(wording["case_id"],
                                           wording["share_ngrams_reused"].round(4),
                                           strict=True))),
        }


#: Why the six-case tables need no small-cell suppression (results.json ``disclosure_exempt``).
DISCLOSURE_EXEMPT = ("case-level data coded from the published paper: the counts are cases "
                     "(colleges), not people")


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


def _sensitivity_summary(sensitivity: pd.DataFrame | None) -> list | None:
    if sensitivity is None:
        return None
    keep = ("coding", "case_set", "evidence_rule", "n_cases", "parsimonious")
    return [{k: v for k, v in r.items() if k in keep or k.endswith(" verdict")}
            for r in sensitivity.to_dict("records")]


def _tidy_fit(kind: str, res) -> pd.DataFrame:
    f = res.fit.copy()
    f.index.name = "term"
    f = f.reset_index().rename(columns={"kind": "row"})
    f.insert(0, "solution", kind)
    keep = ["solution", "row", "term", "inclS", "PRI", "covS", "covU", "cases"]
    return f[[c for c in keep if c in f.columns]]


def _analysis_input(case_conditions, outcome, conditions, include_reference_models,
                    reference_configurations) -> tuple[pd.DataFrame, list[str], list[str]]:
    """The long table analysed (with the reference models when asked), the conditions and the
    outcomes of the case matrix; errors name what is wrong."""
    long = _check_long(case_conditions)
    if include_reference_models:
        if reference_configurations is None:
            raise SixCaseError("include_reference_models=True needs reference_configurations "
                               "(talentlab.data.io.load_reference_configurations)")
        long = with_reference_models(long, reference_configurations)
    present = set(long["condition"])
    if outcome not in present:
        raise SixCaseError(f"outcome {outcome!r} is not a row of case_conditions; outcomes: "
                           f"{[o for o in OUTCOMES if o in present]}")
    conds = _parse_conditions(conditions) or list(DIMENSIONS)
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
        diag = diagnose(sub, outcome, conds, warn=False)
    p_random = random_consistency_probability(len(sub), len(conds), n_sim=n_sim, seed=seed)
    is_cpc = diag["check"] == "conditions_per_case"
    diag.loc[is_cpc, "value"] = p_random
    diag.loc[is_cpc, "severity"] = "warning" if p_random >= 0.10 else "info"
    diag.loc[is_cpc, "message"] = (
        f"With {len(sub)} cases and {len(conds)} conditions, random data give a "
        f"contradiction-free truth table with probability {p_random:.2f} (simulated, "
        f"seed {seed}). Above 10%, a consistent result is weak evidence; reduce the number of "
        "conditions or add cases.")
    diag.loc[is_cpc, "message_zh"] = (
        f"{len(sub)} 个案例、{len(conds)} 个条件时，随机数据产生无矛盾真值表的概率为 "
        f"{p_random:.2f}（模拟）。超过 10% 时一致的结果证据力很弱。")
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
    nec["passes"] = (nec["inclN"] >= NECESSITY_INCL_MIN - 1e-8) & (
        nec["RoN"] >= NECESSITY_RON_MIN - 1e-8)
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


def run_six_case_analysis(
    case_conditions: pd.DataFrame,
    outcome: str = "talent_adaptability",
    conditions=None,
    incl_cut: float = 0.8,
    include_reference_models: bool = False,
    reference_configurations: pd.DataFrame | None = None,
    seed: int = 20240601,
    aggregate: str = "mean",
    robustness_incl_cuts: Sequence[float] | None = None,
    n_sim: int = 2000,
    solution_robustness: bool = True,
) -> SixCaseAnalysis:
    """Run the six-case QCA for one outcome: diagnostics, necessity, truth table, the three
    solutions with fit, and robustness over recodings and cut-offs.

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
    """
    long, conds, outcomes = _analysis_input(case_conditions, outcome, conditions,
                                            include_reference_models, reference_configurations)
    data = case_matrix(long, conds, aggregate, outcomes=outcomes)
    dims = _dimensions_for(conds, sorted(set(long["condition"])), long)
    sub = data[conds + [outcome]]
    ev = outcome_evidence(long, outcome)
    testable, reason = _sufficiency_testability(long, outcome)
    diag = pd.concat([_qca_diagnostics(sub, outcome, conds, n_sim=n_sim, seed=seed),
                      pd.DataFrame(_case_diagnostics(long, ev, testable, reason,
                                                     include_reference_models))],
                     ignore_index=True)
    nec = _necessity_table(long, data, sub, outcome, conds, dims)
    tt, solutions, notes = _solutions(sub, outcome, conds, incl_cut, testable, reason)
    fits = [_tidy_fit(k, r) for k, r in solutions.items() if r is not None]
    fit_df = pd.concat(fits, ignore_index=True) if fits else pd.DataFrame(
        columns=["solution", "row", "term", "inclS", "PRI", "covS", "covU", "cases"])
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


def _solution_robustness(long, outcome, conds, cuts, aggregate, dims):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            rob = robustness(long, outcome, conditions=conds, incl_cuts=cuts, aggregate=aggregate,
                             dimensions=dims, include="?", recode_outcome=True, levels=RUBRIC,
                             outcomes=OUTCOMES, ceilings={"implied": IMPLIED_CEILING})
    except QCAError as exc:
        return None, f"robustness not run: {exc}"
    n_ok = int((rob.runs["status"] == "ok").sum())
    note = (f"{n_ok} of {len(rob.runs)} runs gave a parsimonious solution (not-mentioned cells "
            "at 0 and at 0.33, all at once and one at a time, and every coded cell one rubric "
            "step down and up, outcome included; incl_cut "
            f"{', '.join(f'{c:g}' for c in cuts)}; talentlab.qca.robustness)")
    return rob, note


# --------------------------------------------------------------------------------------------
# verdicts
# --------------------------------------------------------------------------------------------
def _expression_sets(expression: str) -> list[str]:
    names = []
    for term in expression.split("+"):
        for lit in term.split("*"):
            names.append(lit.strip().lstrip("~").strip())
    return list(dict.fromkeys(n for n in names if n))


def _claim_data(long: pd.DataFrame, sets: list[str], outcome: str, aggregate: str,
                index: Sequence[str] | None = None) -> pd.DataFrame:
    data = case_matrix(long, sets, aggregate, outcomes=[outcome])
    return data if index is None else data.loc[list(index)]


def _variant_evaluator(long, sets, dims, outcome, aggregate, index, expr, relation):
    """Parameters of fit of ``expr`` for a membership vector aligned with ``long``'s rows.

    The same computation as :func:`case_matrix` followed by :func:`talentlab.qca.fit`, on
    arrays (a few hundred recodings per claim; the DataFrame route is ~25 ms each)."""
    cells = list(dict.fromkeys([c for s in sets for c in dims[s]] + [outcome]))
    case_pos = {c: i for i, c in enumerate(index)}
    cell_pos = {c: j for j, c in enumerate(cells)}
    keep = np.flatnonzero(long["case_id"].isin(case_pos).to_numpy()
                          & long["condition"].isin(cell_pos).to_numpy())
    r = long["case_id"].to_numpy()[keep]
    c = long["condition"].to_numpy()[keep]
    rows = np.array([case_pos[x] for x in r], dtype=int)
    cols = np.array([cell_pos[x] for x in c], dtype=int)
    agg = {"mean": np.mean, "and": np.min, "or": np.max}[aggregate]
    set_cols = {s_: [cell_pos[x] for x in dims[s_]] for s_ in sets}
    params = necessity_parameters if relation == "necessity" else sufficiency_parameters

    def evaluate(values: np.ndarray) -> dict:
        m = np.full((len(index), len(cells)), np.nan)
        m[rows, cols] = values[keep]
        frame = pd.DataFrame({s_: agg(m[:, js], axis=1) for s_, js in set_cols.items()},
                             index=list(index))
        y = m[:, cell_pos[outcome]]
        x = compute(expr, frame)
        return params(pd.DataFrame({"expression": x}), y).iloc[0].to_dict()

    return evaluate


def _params(data: pd.DataFrame, expression: str, outcome: str, relation: str) -> dict:
    f = fit(data, expression, outcome, relation=relation)
    return f.loc["expression"].to_dict()


def _fmt(x: float) -> str:
    return "NA" if x is None or not np.isfinite(x) else f"{x:.2f}"


def _recoding_range(long, sets, outcome, expr, relation, analysis, index) -> dict:
    """The claim's criterion over every distinct recoding of the cells it rests on: the range
    of inclN / inclS, the share of recodings in which it holds, and the text saying so."""
    dims = _dimensions_for(sets, sorted(set(long["condition"])), long)
    cells = sorted({c for s in sets for c in dims[s]} | {outcome})
    variants = _variant_memberships(long, cells, None, LENIENT_NOT_MENTIONED)
    evaluate = _variant_evaluator(long, sets, dims, outcome, analysis.aggregate, index, expr,
                                  relation)
    key = "inclN" if relation == "necessity" else "inclS"
    est, passes = [], []
    for _, v in variants:
        p = evaluate(v)
        est.append(p[key])
        if relation == "necessity":
            passes.append(p["inclN"] >= NECESSITY_INCL_MIN - 1e-8
                          and p["RoN"] >= NECESSITY_RON_MIN - 1e-8)
        else:
            passes.append(p["inclS"] >= analysis.incl_cut - 1e-8
                          and p["PRI"] >= SUFFICIENCY_PRI_MIN - 1e-8)
    est_arr = np.asarray(est, dtype=float)
    share = float(np.mean(passes))
    low, high = float(np.nanmin(est_arr)), float(np.nanmax(est_arr))
    text = (f"over {len(variants)} distinct recodings of the cells it rests on "
            f"({', '.join(cells)}), {key} ranges {_fmt(low)}–{_fmt(high)} (ci_low/ci_high are "
            "this range, not a confidence interval) and the criterion holds in "
            f"{share:.0%} of them")
    return {"key": key, "ci_low": low, "ci_high": high, "n_recodings": len(variants),
            "share": share, "text": text}


def _judge_qca_claim(claim: dict, expr: str, analysis: SixCaseAnalysis) -> dict:
    """The verdict row of one QCA claim (:data:`QCA_VERDICT_RULE`)."""
    long = analysis.case_conditions
    index = list(analysis.data.index)
    cid, direction, outcome = str(claim["claim_id"]), str(claim["claimed_direction"]), \
        claim["outcome"]
    relation = {"necessary": "necessity", "sufficient": "sufficiency"}.get(direction)
    rec = {"claim_id": cid, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
           "scale": SCALE, "verdict": NOT_TESTABLE, "verdict_reason": "",
           "evidence_link": CLAIM_ANCHORS.get(direction, "#claims"),
           "outcome": outcome if isinstance(outcome, str) else "", "relation": relation or "",
           "expression": expr, "n_cases": len(index), "n_recodings": 0,
           "robustness_share": np.nan, "method": "QCA set relation (R QCA formulas)"}
    if relation is None:
        rec["verdict_reason"] = (f"claimed direction {direction!r} is not a set relation "
                                 "(necessary / sufficient)")
        return rec
    if not isinstance(outcome, str) or outcome not in set(long["condition"]):
        rec["verdict_reason"] = f"outcome {outcome!r} is not coded in case_conditions"
        return rec
    if not expr:
        rec["verdict_reason"] = "no set is mapped to this claim; pass claim_expressions to judge it"
        return rec
    sets = _expression_sets(expr)
    try:
        data = _claim_data(long, sets, outcome, analysis.aggregate, index)
        base = _params(data, expr, outcome, relation)
    except (QCAError, SixCaseError) as exc:
        rec["verdict_reason"] = f"cannot compute the set relation: {exc}"
        return rec
    rng = _recoding_range(long, sets, outcome, expr, relation, analysis, index)
    rec.update(estimate=float(base[rng["key"]]), ci_low=rng["ci_low"], ci_high=rng["ci_high"],
               n_recodings=rng["n_recodings"], robustness_share=rng["share"])
    membership = compute(expr, data)
    if relation == "necessity":
        rec["verdict"], rec["verdict_reason"] = _necessity_verdict(
            long, sets, expr, outcome, analysis.aggregate, index, data, membership, base,
            rng["share"], rng["text"])
    else:
        rec["verdict"], rec["verdict_reason"] = _sufficiency_verdict(
            long, expr, outcome, index, membership, base, rng["share"], rng["text"],
            analysis.incl_cut)
    if analysis.include_reference_models:
        rec["verdict_reason"] += " Includes the three reference models (sensitivity analysis)."
    return rec


def judge_six_case_claims(
    claims: pd.DataFrame,
    analysis: SixCaseAnalysis,
    claim_expressions: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Verdicts on the claims with ``analysis == "qca"`` by :data:`QCA_VERDICT_RULE`.

    Each claim is judged on its own outcome (``claims.outcome``) over the cases of ``analysis``
    (its case table, aggregation and ``incl_cut``), whatever outcome the analysis itself was
    run for.

    Parameters
    ----------
    claims : DataFrame
        The claims table (:func:`talentlab.claims.load_claims`).
    analysis : SixCaseAnalysis
        From :func:`run_six_case_analysis`.
    claim_expressions : mapping, optional
        claim_id -> set expression in R QCA notation on dimensions or conditions (default
        :data:`QCA_CLAIM_EXPRESSIONS`). A QCA claim without one is *not testable*.

    Returns
    -------
    DataFrame sorted by ``claim_id`` with :data:`SIX_CASE_CLAIM_COLUMNS` followed by
    ``verdict_zh``, ``outcome``, ``relation``, ``expression``, ``n_cases``, ``n_recodings``,
    ``robustness_share`` and ``method``.
    """
    if not isinstance(analysis, SixCaseAnalysis):
        raise SixCaseError("analysis must come from run_six_case_analysis()")
    need = {"claim_id", "outcome", "claimed_direction", "analysis"}
    missing = sorted(need - set(claims.columns))
    if missing:
        raise SixCaseError(f"claims lacks column(s) {missing}")
    exprs = dict(QCA_CLAIM_EXPRESSIONS)
    exprs.update(claim_expressions or {})
    qca_claims = claims.loc[claims["analysis"].astype(str) == "qca"]
    rows = [_judge_qca_claim(claim, exprs.get(str(claim["claim_id"]), ""), analysis)
            for claim in qca_claims.to_dict("records")]
    cols = SIX_CASE_CLAIM_COLUMNS + ["verdict_zh", "outcome", "relation", "expression",
                                     "n_cases", "n_recodings", "robustness_share", "method"]
    out = pd.DataFrame(rows, columns=[c for c in cols if c != "verdict_zh"])
    out["verdict_zh"] = out["verdict"].map(VERDICT_LABELS_ZH)
    out = out[cols].sort_values("claim_id").reset_index(drop=True)
    return out


def _necessity_verdict(long, sets, expr, outcome, aggregate, index, data, membership, base,
                       share, rob_txt) -> tuple[str, str]:
    y = data[outcome].to_numpy(dtype=float)
    head = (f"necessity of {expr} for {outcome}: inclN {_fmt(base['inclN'])}, RoN "
            f"{_fmt(base['RoN'])}, covN {_fmt(base['covN'])} across {len(index)} cases")
    passed = (base["inclN"] >= NECESSITY_INCL_MIN - 1e-8
              and base["RoN"] >= NECESSITY_RON_MIN - 1e-8)
    if passed and share >= ROBUSTNESS_SHARE_MIN:
        return SUPPORTED, (f"{head} (thresholds inclN >= {NECESSITY_INCL_MIN}, RoN >= "
                           f"{NECESSITY_RON_MIN}); {rob_txt}. Six hand-picked successes: a pass "
                           "is weak evidence.")
    if passed:
        return NOT_SUPPORTED, (f"{head} passes on the baseline coding but not robustly: "
                               f"{rob_txt} (needed {ROBUSTNESS_SHARE_MIN:.0%}).")
    # counterexamples: documented successes outside the set, also in the most lenient reading
    ev = outcome_evidence(long, outcome).set_index("case_id").loc[list(index)]
    lenient = long.copy()
    lenient.loc[lenient["evidence_status"] == "not_mentioned", "membership"] = \
        LENIENT_NOT_MENTIONED
    len_data = _claim_data(lenient, sets, outcome, aggregate, index)
    len_mem = compute(expr, len_data)
    deviant = [c for c, m, yy in zip(index, membership, y, strict=True) if yy > 0.5 and m < 0.5]
    hard = [c for c, m, s in zip(index, len_mem, ev["documented_success"], strict=True)
            if s and m < 0.5]
    why = (f"{head}, below the thresholds (inclN >= {NECESSITY_INCL_MIN}, RoN >= "
           f"{NECESSITY_RON_MIN})")
    if deviant:
        why += (f"; cases in {outcome} but out of the set: "
                + ", ".join(f"{c} ({m:.2f})" for c, m, yy in zip(index, membership, y,
                                                                  strict=True)
                            if yy > 0.5 and m < 0.5))
    if hard:
        return CONTRADICTED, (
            f"{why}; documented successes outside the set even when every not-mentioned cell is "
            f"read as {LENIENT_NOT_MENTIONED}: {', '.join(hard)}; {rob_txt}.")
    soft = ("; their low membership rests on the paper's silence (not-mentioned cells): read as "
            f"{LENIENT_NOT_MENTIONED}, every documented success is in the set, so the claim is "
            "not contradicted, only not supported" if deviant else "")
    return NOT_SUPPORTED, f"{why}{soft}; {rob_txt}."


def _sufficiency_verdict(long, expr, outcome, index, membership, base, share, rob_txt,
                         incl_cut) -> tuple[str, str]:
    sub_long = long.loc[long["case_id"].isin(index)]
    testable, reason = _sufficiency_testability(sub_long, outcome)
    head = (f"sufficiency of {expr} for {outcome}: inclS {_fmt(base['inclS'])}, PRI "
            f"{_fmt(base['PRI'])}, covS {_fmt(base['covS'])} across {len(index)} cases")
    if not testable:
        return NOT_TESTABLE, (f"{reason}; the consistency is reported ({head}) but says nothing "
                              f"about sufficiency; {rob_txt}.")
    passed = (base["inclS"] >= incl_cut - 1e-8 and base["PRI"] >= SUFFICIENCY_PRI_MIN - 1e-8)
    if passed and share >= ROBUSTNESS_SHARE_MIN:
        return SUPPORTED, (f"{head} (thresholds inclS >= {incl_cut:g}, PRI >= "
                           f"{SUFFICIENCY_PRI_MIN}); {rob_txt}.")
    if passed:
        return NOT_SUPPORTED, (f"{head} passes on the baseline coding but not robustly: "
                               f"{rob_txt} (needed {ROBUSTNESS_SHARE_MIN:.0%}).")
    ev = outcome_evidence(sub_long, outcome).set_index("case_id").loc[list(index)]
    counter = [c for c, m, f in zip(index, membership, ev["documented_failure"], strict=True)
               if f and m > 0.5]
    if counter:
        return CONTRADICTED, (f"{head}, below the thresholds; documented failures inside the "
                              f"set: {', '.join(counter)}; {rob_txt}.")
    return NOT_SUPPORTED, f"{head}, below the thresholds (inclS >= {incl_cut:g}, PRI >= " \
                          f"{SUFFICIENCY_PRI_MIN}); {rob_txt}."


# --------------------------------------------------------------------------------------------
# sensitivity (issue 11): case set, coding, evidence rules, shared quotes, framework wording
# --------------------------------------------------------------------------------------------
#: The two anonymous manufacturing cases that may be one college (CASES.md section 1).
MANUFACTURING_PAIR = ("equipment_mfg_custom", "mechanical_training_center")
MERGE_RULE = (
    "Merging two case descriptions that may be one college: each cell of the merged case takes "
    "the higher membership of the two (evidence from either description is evidence about the "
    "one college), with that cell's status, section and quote; ties keep the first case's "
    "cell. alternative_membership is the higher of the two."
)
_STATUS_RANK = {"stated_present": 3, "stated_absent": 2, "implied": 1, "not_mentioned": 0}


def check_implied_ceiling(case_conditions: pd.DataFrame, ceiling: float = IMPLIED_CEILING,
                          where: str = "case_conditions") -> pd.DataFrame:
    """Raise :class:`SixCaseError` listing every *implied* cell above ``ceiling``
    (:data:`IMPLIED_CEILING_RULE`); return the table unchanged otherwise.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a"], "condition": ["X"], "membership": [1.0],
    ...                      "evidence_status": ["implied"]})
    >>> check_implied_ceiling(long)
    Traceback (most recent call last):
    ...
    talentlab.cases.six_case.SixCaseError: case_conditions: 1 implied cell(s) above the ceiling 0.67: a/X = 1
    """
    long = _check_long(case_conditions, where)
    bad = long.loc[(long["evidence_status"] == "implied") & (long["membership"] > ceiling + 1e-9)]
    if len(bad):
        cells = ", ".join(f"{r.case_id}/{r.condition} = {r.membership:g}"
                          for r in bad.itertuples())
        raise SixCaseError(f"{where}: {len(bad)} implied cell(s) above the ceiling "
                           f"{ceiling:g}: {cells}")
    return case_conditions


def apply_implied_ceiling(case_conditions: pd.DataFrame,
                          ceiling: float = STRICT_IMPLIED_CEILING) -> pd.DataFrame:
    """A copy with every *implied* membership capped at ``ceiling`` (the strict reading).

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a"], "condition": ["X", "Y"],
    ...     "membership": [0.67, 1.0], "evidence_status": ["implied", "stated_present"]})
    >>> apply_implied_ceiling(long)["membership"].tolist()
    [0.33, 1.0]
    """
    long = _check_long(case_conditions)
    implied = long["evidence_status"] == "implied"
    long.loc[implied, "membership"] = np.minimum(long.loc[implied, "membership"], ceiling)
    return long


def merge_cases(case_conditions: pd.DataFrame, cases: Sequence[str] = MANUFACTURING_PAIR,
                merged_id: str | None = None) -> pd.DataFrame:
    """Merge several cases into one by :data:`MERGE_RULE` (e.g. the two anonymous manufacturing
    cases, which may be one college). The merged case takes the first case's place.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "b", "c"], "condition": ["X"] * 3,
    ...     "membership": [0.33, 0.67, 1.0],
    ...     "evidence_status": ["implied", "stated_present", "stated_present"]})
    >>> merge_cases(long, ["a", "b"], "ab")[["case_id", "membership"]].values.tolist()
    [['ab', 0.67], ['c', 1.0]]
    """
    long = _check_long(case_conditions)
    cases = list(cases)
    absent = [c for c in cases if c not in set(long["case_id"])]
    if absent or len(cases) < 2:
        raise SixCaseError(f"merge_cases needs two or more cases of the table; absent: {absent}")
    merged_id = merged_id or "+".join(cases)
    part = long.loc[long["case_id"].isin(cases)].copy()
    part["_order"] = part["case_id"].map({c: i for i, c in enumerate(cases)})
    part["_rank"] = part["evidence_status"].map(_STATUS_RANK).fillna(0)
    part = part.sort_values(["condition", "membership", "_rank", "_order"],
                            ascending=[True, False, False, True], kind="stable")
    best = part.groupby("condition", sort=False).head(1).copy()
    if "alternative_membership" in part.columns:
        best["alternative_membership"] = best["condition"].map(
            part.groupby("condition")["alternative_membership"].max())
        best.loc[best["evidence_status"] != "not_mentioned", "alternative_membership"] = np.nan
    if "coding_note" in best.columns:
        best["coding_note"] = ("merged case (" + ", ".join(cases) + "): from "
                               + best["case_id"] + ". " + best["coding_note"].fillna(""))
    best["case_id"] = merged_id
    first = long.index[long["case_id"] == cases[0]].min()
    rest = long.loc[~long["case_id"].isin(cases)]
    before, after = rest.loc[rest.index < first], rest.loc[rest.index > first]
    cond_rank = {c: i for i, c in enumerate(dict.fromkeys(long["condition"]))}
    best = best.assign(_c=best["condition"].map(cond_rank)).sort_values("_c")
    best = best.drop(columns=["_order", "_rank", "_c"])
    return pd.concat([before, best, after], ignore_index=True)


def _words(text) -> list[str]:
    import re

    return re.findall(r"[a-z0-9]+", str(text).lower()) if isinstance(text, str) else []


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def shared_quote_pairs(case_conditions: pd.DataFrame, outcomes: Sequence[str] = OUTCOMES,
                       min_words: int = 4) -> pd.DataFrame:
    """Condition/outcome pairs of one case coded from the same words of the paper.

    A pair is flagged when the condition's and the outcome's ``evidence_quote`` share a run of
    at least ``min_words`` consecutive words (case-insensitive). Such a condition and outcome
    are partly the same observation (CASES.md rule 6): a set relation between them is partly
    definitional. :func:`without_shared_quotes` removes them for a rerun.

    Returns
    -------
    DataFrame: ``case_id``, ``condition``, ``outcome``, ``shared_words`` (the longest shared
    run), ``quote_condition``, ``quote_outcome``.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a"], "condition": ["X", "Y"],
    ...     "membership": [1.0, 1.0], "evidence_status": ["stated_present"] * 2,
    ...     "evidence_quote": ["co-built a provincial training center with firms",
    ...                        "a provincial training center with firms grew"]})
    >>> shared_quote_pairs(long, outcomes=["Y"])[["condition", "outcome", "shared_words"]].values.tolist()
    [['X', 'Y', 'a provincial training center with firms']]
    """
    long = _check_long(case_conditions)
    if "evidence_quote" not in long.columns:
        raise SixCaseError("case_conditions has no evidence_quote column")
    rows = []
    for case, grp in long.groupby("case_id", sort=False):
        quotes = dict(zip(grp["condition"], grp["evidence_quote"], strict=True))
        for out in [o for o in outcomes if o in quotes]:
            ow = _words(quotes[out])
            if len(ow) < min_words:
                continue
            for cond, q in quotes.items():
                if cond in outcomes:
                    continue
                cw = _words(q)
                shared = _ngrams(cw, min_words) & _ngrams(ow, min_words)
                if not shared:
                    continue
                # the longest common run of words
                best = max((cw[i:j] for i in range(len(cw)) for j in range(i + min_words,
                            len(cw) + 1) if " ".join(cw[i:j]) in " ".join(ow)),
                           key=len, default=[])
                rows.append({"case_id": case, "condition": cond, "outcome": out,
                             "shared_words": " ".join(best), "quote_condition": q,
                             "quote_outcome": quotes[out]})
    return pd.DataFrame(rows, columns=["case_id", "condition", "outcome", "shared_words",
                                       "quote_condition", "quote_outcome"])


def without_shared_quotes(case_conditions: pd.DataFrame,
                          pairs: pd.DataFrame | None = None) -> pd.DataFrame:
    """A copy in which every condition cell of a flagged pair (:func:`shared_quote_pairs`) is
    set to 0 / *not mentioned*: the condition then counts only where it has evidence of its
    own, not the outcome's sentence.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a"], "condition": ["X", "talent_adaptability"],
    ...     "membership": [1.0, 1.0], "evidence_status": ["stated_present"] * 2,
    ...     "evidence_quote": ["the same four words here", "the same four words here"]})
    >>> without_shared_quotes(long)["membership"].tolist()
    [0.0, 1.0]
    """
    long = _check_long(case_conditions)
    pairs = shared_quote_pairs(long) if pairs is None else pairs
    if pairs.empty:
        return long
    hit = pd.MultiIndex.from_frame(long[["case_id", "condition"]]).isin(
        pd.MultiIndex.from_frame(pairs[["case_id", "condition"]].drop_duplicates()))
    long.loc[hit, "membership"] = 0.0
    long.loc[hit, "evidence_status"] = "not_mentioned"
    if "alternative_membership" in long.columns:
        long.loc[hit, "alternative_membership"] = np.nan
    if "coding_note" in long.columns:
        long.loc[hit, "coding_note"] = ("removed for the shared-quote rerun: the evidence is "
                                        "the outcome's own sentence")
    return long


def paper_sections(text: str, prefix: str = "4.") -> dict[str, str]:
    """Split the paper's text into its numbered sections; keep those whose number starts with
    ``prefix`` (e.g. ``"4."``: the framework). Headings are lines such as ``4.2.1 Interest
    linkage mechanism``.

    Examples
    --------
    >>> t = "4.1 Concept\\nBe cluster oriented.\\n4.2 Mechanism\\nHold meetings.\\n5 CASE\\nx"
    >>> paper_sections(t)
    {'4.1': 'Be cluster oriented.', '4.2': 'Hold meetings.'}
    """
    import re

    heading = re.compile(r"^(\d+(?:\.\d+)*)\.?\s+\S.*$", re.M)
    marks = list(heading.finditer(text))
    out = {}
    for k, m in enumerate(marks):
        end = marks[k + 1].start() if k + 1 < len(marks) else len(text)
        number = m.group(1)
        body = text[m.end():end].strip()
        if number.startswith(prefix) and body:
            out[number] = " ".join(body.split())
    return out


def evidence_sentences(case_conditions: pd.DataFrame, text: str,
                       exclude_prefix: str = "4.") -> pd.DataFrame:
    """The full sentences of the paper that hold each coded quote (one row per case x
    condition x sentence), leaving out sentences of sections numbered ``exclude_prefix`` (the
    framework itself; a quote taken from there, such as 4.3.2's McDonald's sentence, is the
    framework's wording by definition).

    Returns
    -------
    DataFrame: ``case_id``, ``condition``, ``section``, ``sentence``, ``quote``.

    Examples
    --------
    >>> t = "3.1 Effects\\nA college built a base. It trained many.\\n4.1 Path\\nBuild a base."
    >>> long = pd.DataFrame({"case_id": ["a"], "condition": ["X"], "membership": [1.0],
    ...     "evidence_status": ["stated_present"], "evidence_quote": ["built a base"]})
    >>> evidence_sentences(long, t)[["section", "sentence"]].values.tolist()
    [['3.1', 'A college built a base.']]
    """
    import re

    long = _check_long(case_conditions)
    sections = paper_sections(text, prefix="")
    rows = []
    for r in long.itertuples():
        quote = getattr(r, "evidence_quote", None)
        if not isinstance(quote, str) or not quote.strip():
            continue
        q = " ".join(quote.split())
        for sec, body in sections.items():
            if exclude_prefix and sec.startswith(exclude_prefix):
                continue
            pos = body.find(q)
            if pos < 0:
                continue
            # "e.g." and "i.e." do not end a sentence (same length, so positions hold)
            masked = re.sub(r"\b(e\.g|i\.e)\.", lambda m_: m_.group(0).replace(".", "\x00"),
                            body)
            for m in re.finditer(r"[^.!?]+[.!?]?", masked):
                if m.start() < pos + len(q) and m.end() > pos:
                    sentence = body[m.start():m.end()].strip()
                    rows.append({"case_id": r.case_id, "condition": r.condition,
                                 "section": sec, "sentence": sentence, "quote": q})
    return pd.DataFrame(rows, columns=["case_id", "condition", "section", "sentence", "quote"])


def framework_overlap(case_conditions: pd.DataFrame, framework: Mapping[str, str],
                      n: int = 4, text_column: str = "evidence_quote") -> pd.DataFrame:
    """How far each case's evidence quotes reuse the wording of the framework (section 4).

    For every coded quote, the share of its word ``n``-grams (``n`` consecutive words,
    case-insensitive) that also occur in the framework text, and the framework sections they
    occur in. A case described in the framework's own words (Zhuhai, CASES.md section 6) has
    quotes that overlap; the diagnostic turns that observation into a number that can be
    compared across cases.

    Parameters
    ----------
    case_conditions : DataFrame
        Long table with ``case_id``, ``condition`` and the text (``evidence_quote``, or the
        full sentences of :func:`evidence_sentences` with ``text_column="sentence"``).
    framework : mapping
        Section number -> text (:func:`paper_sections` with ``prefix="4."``).
    n : int
        Words per n-gram (4 by default: short enough to catch reused phrases, long enough that
        ordinary word pairs do not count).

    Returns
    -------
    DataFrame, one row per distinct (case, quote): ``case_id``, ``conditions`` (cells the quote
    supports), ``quote``, ``n_ngrams``, ``n_shared``, ``share``, ``overlaps`` (n_shared > 0),
    ``sections``.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["z", "m"], "condition": ["X", "X"],
    ...     "membership": [1.0, 1.0], "evidence_status": ["stated_present"] * 2,
    ...     "evidence_quote": ["hold quarterly demand docking meetings", "built a semester"]})
    >>> fo = framework_overlap(long, {"4.2.2": "Hold quarterly demand docking meetings to plan."})
    >>> fo[["case_id", "n_shared", "overlaps", "sections"]].values.tolist()
    [['z', 2, True, '4.2.2'], ['m', 0, False, '']]
    """
    long = case_conditions
    missing = [c for c in ("case_id", "condition", text_column) if c not in long.columns]
    if missing:
        raise SixCaseError(f"framework_overlap: the table lacks column(s) {missing}")
    if not framework:
        raise SixCaseError("framework text is empty: pass paper_sections(text, '4.')")
    grams = {sec: _ngrams(_words(t), n) for sec, t in framework.items()}
    quoted = long.loc[long[text_column].notna()
                      & (long[text_column].astype(str).str.strip() != "")]
    rows = []
    for (case, quote), grp in quoted.groupby(["case_id", text_column], sort=False):
        q = _ngrams(_words(quote), n)
        hits = {sec: len(q & g) for sec, g in grams.items() if q & g}
        shared = set().union(*[q & g for g in grams.values()]) if grams else set()
        rows.append({"case_id": case, "conditions": ", ".join(grp["condition"]),
                     "quote": quote, "n_ngrams": len(q), "n_shared": len(shared),
                     "share": len(shared) / len(q) if q else np.nan,
                     "overlaps": bool(shared), "sections": ", ".join(sorted(hits))})
    out = pd.DataFrame(rows, columns=["case_id", "conditions", "quote", "n_ngrams", "n_shared",
                                      "share", "overlaps", "sections"])
    order = {c: i for i, c in enumerate(dict.fromkeys(long["case_id"].astype(str)))}
    return out.sort_values("case_id", key=lambda s_: s_.map(order), kind="stable").reset_index(
        drop=True)


def framework_overlap_summary(overlap: pd.DataFrame) -> pd.DataFrame:
    """Per case: quotes, quotes reusing framework wording, their share, and the mean share of
    n-grams reused (:func:`framework_overlap`).

    Examples
    --------
    >>> fo = pd.DataFrame({"case_id": ["z", "z", "m"], "n_ngrams": [4, 4, 2],
    ...     "n_shared": [2, 0, 0], "share": [0.5, 0.0, 0.0], "overlaps": [True, False, False]})
    >>> framework_overlap_summary(fo)[["case_id", "share_quotes_overlapping"]].values.tolist()
    [['z', 0.5], ['m', 0.0]]
    """
    g = overlap.groupby("case_id", sort=False)
    out = pd.DataFrame({
        "n_quotes": g.size(),
        "n_quotes_overlapping": g["overlaps"].sum().astype(int),
        "share_quotes_overlapping": g["overlaps"].mean(),
        "mean_share_ngrams_reused": g["share"].mean(),
        "ngrams_reused": g["n_shared"].sum().astype(int),
        "ngrams_total": g["n_ngrams"].sum().astype(int),
    }).reset_index()
    out["share_ngrams_reused"] = out["ngrams_reused"] / out["ngrams_total"].where(
        out["ngrams_total"] > 0)
    out["method"] = ("word 4-grams of the coded evidence quotes also found in the framework "
                     "(paper section 4); one row per case")
    return out


SENSITIVITY_COLUMNS = ["run", "coding", "case_set", "evidence_rule", "n_cases", "cases",
                       "outcome", "parsimonious", "conservative", "sufficiency_testable"]


def sensitivity_runs(
    codings: Mapping[str, pd.DataFrame],
    claims: pd.DataFrame | None = None,
    outcome: str = "talent_adaptability",
    conditions=None,
    baseline: str | None = None,
    incl_cut: float = 0.8,
    seed: int = 20240601,
    n_sim: int = 500,
) -> pd.DataFrame:
    """The QCA and the QCA claims' verdicts under the alternatives a methodologist asks for.

    Runs (each checked against :data:`IMPLIED_CEILING_RULE` first):

    * **coding** - every coding in ``codings`` (e.g. coder 1, coder 2 and the consensus), all
      cases;
    * **case set** - on the ``baseline`` coding (default: the first of ``codings``): without
      ``zhuhai_ic`` (the paper's "practical verification" case may be separate from the six),
      and with the two anonymous manufacturing cases merged (:func:`merge_cases`);
    * **evidence** - on the baseline coding: implied evidence capped at 0.33
      (:data:`STRICT_IMPLIED_CEILING`), and condition cells coded from the outcome's own
      sentence removed (:func:`without_shared_quotes`).

    Sub-conditions without evidence in any case are left out of the dimensions in every run
    (:data:`AGGREGATION_RULE`).

    Returns
    -------
    DataFrame, one row per run: :data:`SENSITIVITY_COLUMNS`, then for each QCA claim of
    ``claims`` its ``estimate`` and ``verdict`` (columns ``<claim_id> estimate`` and
    ``<claim_id> verdict``).
    """
    if not codings:
        raise SixCaseError("sensitivity_runs needs at least one coding")
    labels = list(codings)
    base_label = baseline or labels[0]
    if base_label not in codings:
        raise SixCaseError(f"baseline {base_label!r} is not one of the codings {labels}")
    base = codings[base_label]
    plan = [(lbl, "all cases", "as coded", codings[lbl]) for lbl in labels]
    cases = list(dict.fromkeys(_check_long(base)["case_id"]))
    if "zhuhai_ic" in cases:
        plan.append((base_label, "without zhuhai_ic", "as coded",
                     base.loc[base["case_id"].astype(str) != "zhuhai_ic"]))
    if all(c in cases for c in MANUFACTURING_PAIR):
        plan.append((base_label, "manufacturing cases merged", "as coded",
                     merge_cases(base, MANUFACTURING_PAIR, "manufacturing_merged")))
    plan.append((base_label, "all cases", f"implied <= {STRICT_IMPLIED_CEILING:g}",
                 apply_implied_ceiling(base, STRICT_IMPLIED_CEILING)))
    plan.append((base_label, "all cases", "shared-quote condition cells removed",
                 without_shared_quotes(base)))
    rows = []
    for k, (coding, case_set, rule, long) in enumerate(plan, start=1):
        check_implied_ceiling(long, where=f"coding {coding!r}")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = run_six_case_analysis(long, outcome=outcome, conditions=conditions,
                                        incl_cut=incl_cut, seed=seed, n_sim=n_sim,
                                        solution_robustness=False)
        sol = res.solution_table()
        pick = {kind: " | ".join(sol.loc[sol["solution"] == kind, "expression"].tolist()
                                 or sol.loc[sol["solution"] == kind, "note"].tolist())
                for kind in ("parsimonious", "conservative")}
        rec = {"run": k, "coding": coding, "case_set": case_set, "evidence_rule": rule,
               "n_cases": len(res.data), "cases": ", ".join(res.data.index), "outcome": outcome,
               "parsimonious": pick["parsimonious"], "conservative": pick["conservative"],
               "sufficiency_testable": res.sufficiency_testable}
        if claims is not None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                verdicts = judge_six_case_claims(claims, res)
            for v in verdicts.itertuples():
                rec[f"{v.claim_id} estimate"] = v.estimate
                rec[f"{v.claim_id} verdict"] = v.verdict
        rows.append(rec)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------------------------
# agreement of several codings (issue 11)
# --------------------------------------------------------------------------------------------
def coding_agreement(case_codings: pd.DataFrame, n_boot: int = 2000,
                     seed: int = 20070101) -> pd.DataFrame:
    """Agreement of several codings of the case x condition cells (:mod:`talentlab.qca.agreement`).

    Rows: Krippendorff's alpha on the memberships (ordinal: the rubric's four values are ordered
    steps; and interval), with seeded bootstrap intervals; Cohen's kappa on the evidence status
    (nominal) and quadratic-weighted kappa on the memberships (two coders; Fleiss' kappa on the
    status with more); alpha on the crisp side of the crossover (membership > 0.5, what decides
    a case's truth-table row); and the raw share of identical cells.

    Parameters
    ----------
    case_codings : DataFrame
        Long, one row per case x condition x coder (``coder_id``;
        :func:`talentlab.data.io.load_case_codings`).

    Returns
    -------
    DataFrame: ``statistic``, ``value`` (what is compared), ``estimate``, ``ci_low``,
    ``ci_high``, ``n_units``, ``n_coders``, ``method``.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a"] * 4 + ["b"] * 4, "condition": ["X", "X", "Y",
    ...     "Y"] * 2, "coder_id": ["c1", "c2"] * 4, "membership": [1, 1, 0.33, 0, 0.67, 0.67,
    ...     0, 0], "evidence_status": ["stated_present"] * 2 + ["implied", "not_mentioned"]
    ...     + ["implied"] * 2 + ["not_mentioned"] * 2})
    >>> coding_agreement(long, n_boot=0)["statistic"].tolist()[:2]
    ["Krippendorff's alpha (ordinal)", "Krippendorff's alpha (interval)"]
    """
    from talentlab.qca import agreement as ag

    need = {"case_id", "condition", "coder_id", "membership", "evidence_status"}
    missing = sorted(need - set(case_codings.columns))
    if missing:
        raise SixCaseError(f"case_codings lacks column(s) {missing}")
    coders = list(dict.fromkeys(case_codings["coder_id"].astype(str)))
    if len(coders) < 2:
        raise SixCaseError(f"only one coding ({coders}): agreement needs two or more coders")
    long = case_codings.copy()
    long["coder_id"] = long["coder_id"].astype(str)
    long["membership"] = pd.to_numeric(long["membership"]).astype(float)
    long["evidence_status"] = long["evidence_status"].astype(str)
    long["crisp"] = np.where(long["membership"] > 0.5, "in", "out")
    units = ["case_id", "condition"]
    kw = {"units": units, "coder": "coder_id"}
    rows = []

    def add(stat, value, res, est_col):
        r = res.iloc[0]
        rows.append({"statistic": stat, "value": value, "estimate": float(r[est_col]),
                     "ci_low": float(r.get("ci_low", np.nan)),
                     "ci_high": float(r.get("ci_high", np.nan)),
                     "n_units": int(r["n_units"]), "n_coders": len(coders),
                     "method": r["method"]})

    for level in ("ordinal", "interval"):
        add(f"Krippendorff's alpha ({level})", "membership",
            ag.krippendorff_alpha(long, "membership", level=level, categories=list(RUBRIC),
                                  n_boot=n_boot, seed=seed, **kw), "alpha")
    add("Krippendorff's alpha (nominal)", "crisp side of 0.5 (in / out)",
        ag.krippendorff_alpha(long, "crisp", level="nominal", n_boot=n_boot, seed=seed, **kw),
        "alpha")
    statuses = ["stated_present", "implied", "not_mentioned", "stated_absent"]
    if len(coders) == 2:
        add("Cohen's kappa", "evidence_status",
            ag.cohen_kappa(long, "evidence_status", categories=statuses, **kw), "kappa")
        add("Cohen's kappa (quadratic weights)", "membership",
            ag.cohen_kappa(long, "membership", weights="quadratic", categories=list(RUBRIC),
                           **kw), "kappa")
    else:
        add("Fleiss' kappa", "evidence_status",
            ag.fleiss_kappa(long, "evidence_status", n_boot=n_boot, seed=seed, **kw), "kappa")
    for value in ("membership", "evidence_status"):
        pa = ag.percent_agreement(long, value, **kw).iloc[0]
        rows.append({"statistic": "percent agreement", "value": value,
                     "estimate": float(pa["agreement"]), "ci_low": np.nan, "ci_high": np.nan,
                     "n_units": int(pa["n_units"]), "n_coders": len(coders),
                     "method": pa["method"] + " (not chance-corrected)"})
    return pd.DataFrame(rows)


def coding_disagreements(case_codings: pd.DataFrame,
                         consensus: pd.DataFrame | None = None) -> pd.DataFrame:
    """The cells on which the codings differ, coders side by side, with the consensus value and
    its resolution when ``consensus`` (:func:`talentlab.data.io.load_case_conditions_consensus`) is
    given. ``crosses_0.5``: the codings put the case on different sides of the crossover.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a"], "condition": ["X", "X"],
    ...     "coder_id": ["c1", "c2"], "membership": [0.67, 0.33],
    ...     "evidence_status": ["implied", "implied"]})
    >>> coding_disagreements(long)[["case_id", "crosses_0.5"]].values.tolist()
    [['a', True]]
    """
    from talentlab.qca.agreement import disagreements

    long = case_codings.copy()
    long["coder_id"] = long["coder_id"].astype(str)
    d = disagreements(long, ("membership", "evidence_status"), ["case_id", "condition"],
                      "coder_id")
    mem = d[[c for c in d.columns if c.startswith("membership__")]].astype(float)
    d["crosses_0.5"] = (mem > 0.5).any(axis=1) & (mem < 0.5).any(axis=1)
    if consensus is not None:
        keep = [c for c in ("membership", "evidence_status", "decision", "resolution_rule",
                            "resolution_note") if c in consensus.columns]
        cons = consensus[["case_id", "condition"] + keep].rename(
            columns={"membership": "membership__consensus",
                     "evidence_status": "evidence_status__consensus"})
        cons = cons.astype({"case_id": str, "condition": str})
        d = d.astype({"case_id": str, "condition": str}).merge(
            cons, on=["case_id", "condition"], how="left")
    return d
