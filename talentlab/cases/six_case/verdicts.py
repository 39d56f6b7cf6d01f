"""Verdicts on the paper's QCA claims (``analysis == "qca"`` in ``claims.csv``) by the rule fixed
in advance, :data:`QCA_VERDICT_RULE`.

The vocabulary is :mod:`talentlab.claims`' (the Zhuhai verdicts use the same words); the
thresholds and their tests are :mod:`talentlab.cases.six_case.rules`'
(:func:`~talentlab.cases.six_case.rules.passes_necessity`,
:func:`~talentlab.cases.six_case.rules.passes_sufficiency`).

Examples
--------
>>> import talentlab
>>> from talentlab.claims import load_claims
>>> from talentlab.cases.six_case import judge_six_case_claims, run_six_case_analysis
>>> res = run_six_case_analysis(talentlab.load_case_conditions(), solution_robustness=False)
>>> judge_six_case_claims(load_claims(), res)[["claim_id", "verdict"]].values.tolist()[:2]
[['C3.1.1e', 'not supported'], ['C3.1.3d', 'not testable']]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from talentlab.cases.six_case.analysis import SixCaseAnalysis
from talentlab.cases.six_case.coding import (
    case_matrix,
    dimensions_for,
    outcome_evidence,
    sufficiency_testability,
    variant_memberships,
)
from talentlab.cases.six_case.rules import (
    CLAIM_ANCHORS,
    CROSSOVER,
    LENIENT_NOT_MENTIONED,
    NECESSITY_INCL_MIN,
    NECESSITY_RON_MIN,
    QCA_CLAIM_EXPRESSIONS,
    ROBUSTNESS_SHARE_MIN,
    SCALE,
    SIX_CASE_CLAIM_COLUMNS,
    SUFFICIENCY_PRI_MIN,
    SixCaseError,
    passes_necessity,
    passes_sufficiency,
)
from talentlab.claims import (
    CONTRADICTED,
    NOT_SUPPORTED,
    NOT_TESTABLE,
    SUPPORTED,
    VERDICT_LABELS_ZH,
)
from talentlab.qca import (
    QCAError,
    compute,
    fit,
    necessity_parameters,
    sufficiency_parameters,
)

__all__ = ["judge_six_case_claims"]


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


def _passes(relation: str, p: dict, incl_cut: float) -> bool:
    if relation == "necessity":
        return passes_necessity(p["inclN"], p["RoN"])
    return passes_sufficiency(p["inclS"], p["PRI"], incl_cut)


def _recoding_range(long, sets, outcome, expr, relation, analysis, index) -> dict:
    """The claim's criterion over every distinct recoding of the cells it rests on: the range
    of inclN / inclS, the share of recodings in which it holds, and the text saying so."""
    dims = dimensions_for(sets, sorted(set(long["condition"])), long)
    cells = sorted({c for s in sets for c in dims[s]} | {outcome})
    variants = variant_memberships(long, cells, None, LENIENT_NOT_MENTIONED)
    evaluate = _variant_evaluator(long, sets, dims, outcome, analysis.aggregate, index, expr,
                                  relation)
    key = "inclN" if relation == "necessity" else "inclS"
    est, passes = [], []
    for _, v in variants:
        p = evaluate(v)
        est.append(p[key])
        passes.append(_passes(relation, p, analysis.incl_cut))
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
    passed = passes_necessity(base["inclN"], base["RoN"])
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
    deviant = [(c, m) for c, m, yy in zip(index, membership, y, strict=True)
               if yy > CROSSOVER and m < CROSSOVER]
    hard = [c for c, m, s in zip(index, len_mem, ev["documented_success"], strict=True)
            if s and m < CROSSOVER]
    why = (f"{head}, below the thresholds (inclN >= {NECESSITY_INCL_MIN}, RoN >= "
           f"{NECESSITY_RON_MIN})")
    if deviant:
        why += (f"; cases in {outcome} but out of the set: "
                + ", ".join(f"{c} ({m:.2f})" for c, m in deviant))
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
    testable, reason = sufficiency_testability(sub_long, outcome)
    head = (f"sufficiency of {expr} for {outcome}: inclS {_fmt(base['inclS'])}, PRI "
            f"{_fmt(base['PRI'])}, covS {_fmt(base['covS'])} across {len(index)} cases")
    if not testable:
        return NOT_TESTABLE, (f"{reason}; the consistency is reported ({head}) but says nothing "
                              f"about sufficiency; {rob_txt}.")
    passed = passes_sufficiency(base["inclS"], base["PRI"], incl_cut)
    if passed and share >= ROBUSTNESS_SHARE_MIN:
        return SUPPORTED, (f"{head} (thresholds inclS >= {incl_cut:g}, PRI >= "
                           f"{SUFFICIENCY_PRI_MIN}); {rob_txt}.")
    if passed:
        return NOT_SUPPORTED, (f"{head} passes on the baseline coding but not robustly: "
                               f"{rob_txt} (needed {ROBUSTNESS_SHARE_MIN:.0%}).")
    ev = outcome_evidence(sub_long, outcome).set_index("case_id").loc[list(index)]
    counter = [c for c, m, f in zip(index, membership, ev["documented_failure"], strict=True)
               if f and m > CROSSOVER]
    if counter:
        return CONTRADICTED, (f"{head}, below the thresholds; documented failures inside the "
                              f"set: {', '.join(counter)}; {rob_txt}.")
    return NOT_SUPPORTED, (f"{head}, below the thresholds (inclS >= {incl_cut:g}, PRI >= "
                           f"{SUFFICIENCY_PRI_MIN}); {rob_txt}.")
