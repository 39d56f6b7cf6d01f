"""The paper's claims and the verdicts the evaluation gives them.

The claims ledger is read by :mod:`talentlab.data.paper` (``load_claims`` reads
``data/raw/claims.csv``, one row per empirical claim of the paper; re-exported here with its
columns, levels and ``ClaimsError``); this module opens no file. Every claim has a kind
(``claim_kind``, from ``data/raw/claim_kinds.csv`` or the file's own ``claim_kind`` column):
*impact* (a change in graduates or employers caused by the reform),
*activity* (the reform's own outputs: projects, trainings, courses), *existence* (that something
exists or happened) or *not_testable* (no data could test it as stated). ``judge`` turns
evaluation results (:mod:`talentlab.evaluation`, :mod:`talentlab.evaluation.sensitivity`) into verdicts by a
rule fixed in advance, :data:`VERDICT_RULE`. For the impact claims of a study (the family):

* **supported** — the family-adjusted p-value (Holm by default; Benjamini–Hochberg on request;
  ``statsmodels.stats.multitest``) is below alpha, the estimate lies on the claimed side of the
  null value (0 for differences, 1 for ratios), *and* the conclusion survives the stated bound
  on violations of parallel trends: the relative-magnitudes robust interval at
  Mbar = :data:`talentlab.evaluation.sensitivity.DEFAULT_MBAR` (Rambachan & Roth 2023) excludes the null
  value on the claimed side;
* **contradicted** — the same on the opposite side;
* significant after adjustment on the claimed side but not robust at the stated bound, named
  by its cause (:func:`talentlab.evaluation.sensitivity.classify_robustness`):
  **pre-trend violation detected** (the reported pre-period test rejects at
  :data:`PRETREND_ALPHA`), **no sensitivity analysis** (none exists for the design, e.g. the Cox
  model), else **not robust at Mbar = 1** (no violation detected, but the robust interval is
  too wide: imprecision, not the pre-trends);
* **not supported** — otherwise, reported with the minimum detectable effect beside it, so "no
  effect" can be told from "too little data";
* **not testable** — the data has no indicator for the claim (or no estimate could be made).

Activity claims are judged descriptively: **reported** when the records show the activity for the
reformed majors after the reform, **not observed** otherwise — never "supported".

Directions are read on the scale of the estimate. Every result row carries ``null_value`` and may
carry ``orientation`` (+1 by default): the direction of the estimate's scale relative to the
claimed outcome. A hazard ratio of reaching independent work above 1 means *shorter* adaptation,
so adaptation rows have ``orientation`` -1 and a claimed *decrease* in adaptation months needs
an interval above 1.

Claims of the six-case comparison (``analysis == "qca"``) are judged by the QCA, not by this
rule; ``judge`` leaves their verdict empty and says so.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from talentlab.data.paper import (  # the ledger's readers and table shape, re-exported
    ANALYSES,
    CLAIM_COLUMNS,
    CLAIM_KINDS,
    CLAIMED_DIRECTIONS,
    JUDGED_ANALYSES,
    KIND_COLUMNS,
    REQUIRED_VALUES,
    ClaimsError,
    default_claim_kinds_path,
    default_claims_path,
    default_supplement_path,
    load_claim_kinds,
    load_claims,
    validate_claims,
    with_claim_kinds,
)
from talentlab.evaluation.sensitivity import DEFAULT_MBAR, classify_robustness

__all__ = [
    "CLAIM_COLUMNS",
    "CLAIM_KINDS",
    "ADJUSTMENTS",
    "VERDICT_COLUMNS",
    "default_claim_kinds_path",
    "default_supplement_path",
    "load_claim_kinds",
    "CLAIMED_DIRECTIONS",
    "ANALYSES",
    "PRETREND_ALPHA",
    "VERDICT_RULE",
    "VERDICT_RULE_ZH",
    "VERDICT_LABELS_ZH",
    "ClaimsError",
    "default_claims_path",
    "load_claims",
    "with_claim_kinds",
    "JUDGED_ANALYSES",
    "KIND_COLUMNS",
    "REQUIRED_VALUES",
    "judge",
]

#: Level at which the reported pre-trend test counts as detecting a violation. It never makes
#: a claim supported (non-rejection is not evidence of parallel trends; Roth 2022); it only
#: names the cause when a significant conclusion is not robust at the stated bound.
PRETREND_ALPHA = 0.10

#: Family-wise / false-discovery adjustments across the impact claims of a study
#: (name -> ``statsmodels.stats.multitest.multipletests`` method).
ADJUSTMENTS = {"holm": "holm", "bh": "fdr_bh", "none": None}

#: Columns :func:`judge` adds to the claims (the verdict table).
VERDICT_COLUMNS = [
    "claim_kind", "estimate", "ci_low", "ci_high", "p_value", "p_raw", "p_adjusted",
    "adjustment", "family_size", "null_value", "result_method", "p_model", "p_randomization",
    "p_randomization_min", "randomization_exact", "pretrend_p", "pretrend_bound",
    "max_pre_change", "rm_mbar", "rm_ci_low", "rm_ci_high", "breakdown_mbar",
    "sensitivity_method", "mde", "activity_summary", "verdict", "verdict_zh", "verdict_rule",
    "verdict_reason",
]

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_SUPPORTED = "not supported"
NOT_TESTABLE = "not testable"
#: significant on the claimed side, not robust at the stated bound, the pre-period test rejects
PRETREND_VIOLATION = "pre-trend violation detected"
#: significant on the claimed side, not robust at the stated bound, no violation detected
#: (imprecision); the label names the bound, so another ``mbar`` gives another label
NOT_ROBUST = f"not robust at Mbar = {DEFAULT_MBAR:g}"
#: significant on the claimed side, but the design has no sensitivity analysis
NO_SENSITIVITY = "no sensitivity analysis"
REPORTED = "reported"
NOT_OBSERVED = "not observed"
VERDICTS = (SUPPORTED, CONTRADICTED, NOT_SUPPORTED, NOT_TESTABLE, PRETREND_VIOLATION,
            NOT_ROBUST, NO_SENSITIVITY, REPORTED, NOT_OBSERVED)

VERDICT_LABELS_ZH = {
    SUPPORTED: "得到支持",
    CONTRADICTED: "被反驳",
    NOT_SUPPORTED: "未得到支持",
    NOT_TESTABLE: "无法检验",
    PRETREND_VIOLATION: "检测到改革前趋势偏离",
    NOT_ROBUST: f"在 Mbar = {DEFAULT_MBAR:g} 下不稳健",
    NO_SENSITIVITY: "无敏感性分析",
    REPORTED: "有记录（活动）",
    NOT_OBSERVED: "未见记录（活动）",
}

VERDICT_RULE = (
    "Verdict rule (fixed before the analysis). Every claim has a kind (impact, activity, "
    "existence, not testable). Impact claims are judged on the primary estimate of their outcome; "
    "the null value is 0 for differences and 1 for ratios (hazard ratios), and directions are "
    "read on the scale of the estimate (a hazard ratio of reaching independent work above 1 means "
    "shorter adaptation). The impact claims of a study form one family: their p-values are "
    "adjusted by Holm's step-down method (family-wise error at alpha; Benjamini-Hochberg false "
    "discovery rate on request), and the table shows the raw and the adjusted p-value. Where "
    "randomization inference over the feasible assignments of the reform is reported beside the "
    "model-based inference (CR3), the raw p-value is the larger of the two (p_model, "
    "p_randomization): with few reformed majors the model-based reference is an approximation "
    "and the randomization test is valid by design but cannot go below 1 / (number of "
    "assignments), so the verdict reads the more conservative. Parallel "
    "trends are shown, not assumed: each impact claim carries a sensitivity analysis after "
    "Rambachan & Roth (2023), relative magnitudes: the post-reform changes in the violation of "
    "parallel trends are at most Mbar times the largest change between consecutive pre-reform "
    "cohorts of the event study; the robust interval of the average post-reform effect and the "
    "breakdown value Mbar* (the largest Mbar at which that interval still excludes the null "
    "value in the claimed direction) are reported, with the equivalence bound of the "
    f"pre-reform deviations. The stated bound is Mbar = {DEFAULT_MBAR:g}.\n"
    "- supported: the adjusted p-value is below alpha, the estimate lies on the claimed side, "
    f"and the robust interval at Mbar = {DEFAULT_MBAR:g} excludes the null value on that side "
    f"(Mbar* >= {DEFAULT_MBAR:g});\n"
    "- contradicted: the same on the opposite side;\n"
    "- significant on the claimed side but not robust at the stated bound, named by the cause: "
    f"pre-trend violation detected (the pre-period test rejects at {PRETREND_ALPHA:g} and the "
    f"conclusion does not survive Mbar = {DEFAULT_MBAR:g}); no sensitivity analysis (none "
    f"exists for the design); not robust at Mbar = {DEFAULT_MBAR:g} (no violation detected, but "
    "the robust interval includes the null value: the data are too imprecise);\n"
    "- not supported: otherwise; the minimum detectable effect is reported beside it, so that "
    "'no effect' can be told from 'too little data';\n"
    "- not testable: the data has no indicator for the claim, or no estimate could be made;\n"
    "- reported / not observed (activity claims: the reform's own outputs, such as projects and "
    "trainings): judged descriptively, never 'supported' - reported when the records show the "
    "activity for the reformed majors after the reform, not observed otherwise."
)

VERDICT_RULE_ZH = (
    "判定规则（分析前确定）。每条论断有类型（影响、活动、存在、无法检验）。影响类论断依据其结果变量的"
    "主要估计值判定；差值的零假设值为 0，比值（风险比）为 1；方向按估计值的尺度解读（达到独立上岗的"
    "风险比大于 1 即适应期缩短）。同一研究的影响类论断构成一个族：其 p 值按 Holm 逐步法校正（控制族错误率；"
    "可选 Benjamini-Hochberg 错误发现率），表中同时给出原始与校正后的 p 值。若在基于模型的推断（CR3）旁"
    "同时报告了基于改革可行分配的随机化推断，原始 p 值取两者中较大者（p_model、p_randomization）："
    "改革专业很少时基于模型的参照分布只是近似，随机化检验由设计保证有效但不能低于 1/（分配数），"
    "故判定采用较保守者。平行趋势须展示而非假定："
    "每条影响类论断附 Rambachan & Roth (2023) 相对幅度敏感性分析：改革后平行趋势偏离的逐届变化不超过"
    "改革前相邻届别最大变化的 Mbar 倍；报告改革后平均效应的稳健区间、崩溃值 Mbar*（稳健区间仍在论断方向"
    f"上排除零假设值的最大 Mbar）以及改革前偏离的等价性界。规定的界为 Mbar = {DEFAULT_MBAR:g}。\n"
    "- 得到支持：校正后 p 值小于 alpha，估计值在论断方向一侧，且 "
    f"Mbar = {DEFAULT_MBAR:g} 时的稳健区间在该侧排除零假设值；\n"
    "- 被反驳：在相反方向上同样成立；\n"
    "- 校正后在论断方向上显著但在规定的界下不稳健时，按原因判定：检测到改革前趋势偏离（改革前检验在 "
    f"{PRETREND_ALPHA:g} 水平上拒绝，且在 Mbar = {DEFAULT_MBAR:g} 时不稳健）；无敏感性分析（该设计没有"
    f"敏感性分析）；在 Mbar = {DEFAULT_MBAR:g} 下不稳健（未检测到偏离，但稳健区间包含零假设值：数据精度不足）；\n"
    "- 未得到支持：其他情形，同时报告最小可检测效应，以区分“没有效应”与“数据不足”；\n"
    "- 无法检验：数据中没有该论断的指标，或无法得到估计值；\n"
    "- 有记录（活动）/ 未见记录（活动）：活动类论断（改革自身的产出，如项目、培训）只作描述性判断，"
    "从不判为“得到支持”——记录显示改革专业在改革后开展了该活动即为有记录，否则为未见记录。"
)

_SIGN = {"increase": 1, "positive_association": 1, "decrease": -1}


def _as_frame(results) -> pd.DataFrame:
    if isinstance(results, pd.DataFrame):
        return results
    if hasattr(results, "to_frame") and not isinstance(results, (list, tuple)):
        return results.to_frame()
    if isinstance(results, (list, tuple)):
        frames = [_as_frame(r) for r in results]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    raise ClaimsError(f"judge: results must be a DataFrame or a list of them, got "
                      f"{type(results).__name__}")


def _lookup(table, name: str, value_col: str) -> dict:
    """outcome -> value from None, a mapping, or a DataFrame with ``outcome`` and ``value_col``."""
    if table is None:
        return {}
    if isinstance(table, Mapping):
        return {str(k): v for k, v in table.items()}
    if isinstance(table, pd.DataFrame):
        if "outcome" not in table.columns or value_col not in table.columns:
            raise ClaimsError(f"judge: {name} must have columns 'outcome' and '{value_col}'")
        return dict(zip(table["outcome"].astype(str), table[value_col], strict=True))
    raise ClaimsError(f"judge: {name} must be None, a dict or a DataFrame")


def _primary_rows(results: pd.DataFrame) -> dict:
    """outcome -> the row a verdict uses: the first row marked primary, else the first row."""
    rows = {}
    for outcome, sub in results.groupby(results["outcome"].astype(str), sort=False):
        if "primary" in sub.columns and sub["primary"].fillna(False).astype(bool).any():
            sub = sub[sub["primary"].fillna(False).astype(bool)]
        rows[outcome] = sub.iloc[0]
    return rows


def _num(value, default=np.nan) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError):
        return default
    return default if np.isnan(out) else out


def judge(
    claims: pd.DataFrame,
    results,
    pretrend=None,
    mde=None,
    alpha: float = 0.05,
    sensitivity=None,
    activity=None,
    adjustment: str = "holm",
    mbar: float = DEFAULT_MBAR,
    unavailable: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Verdicts for the claims, by :data:`VERDICT_RULE`.

    Parameters
    ----------
    claims : DataFrame
        As :func:`load_claims` returns (a missing ``claim_kind`` gets the default by analysis).
    results : DataFrame, result object or list of them
        Tidy evaluation results (columns ``outcome``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``; optional ``null_value`` (default 0), ``orientation`` (default +1),
        ``primary``, ``alpha``, ``method``, ``pretrend_p``; ``p_model``, ``p_randomization``,
        ``p_randomization_min``, ``randomization_exact`` are carried into the table when a
        caller put design-based inference beside the model-based, ``p_value`` being the one the
        verdict reads). For each outcome the first row with ``primary`` True is used (else the
        first row).
    pretrend : DataFrame or dict, optional
        Pre-trend test p-value per outcome (``outcome``, ``pretrend_p``), reported only.
    mde : DataFrame or dict, optional
        Minimum detectable effect per outcome (frame with ``outcome`` and ``mde``, or a dict).
    alpha : float
        The level of the intervals and of the family's adjusted tests.
    sensitivity : DataFrame, optional
        One row per outcome from :func:`talentlab.evaluation.sensitivity.relative_magnitudes`
        (``outcome``, ``rm_mbar``, ``rm_ci_low``, ``rm_ci_high``, ``breakdown_mbar``,
        ``pretrend_bound``, ``max_pre_change``, ``sensitivity_method``). An impact claim
        without a row cannot be *supported* (verdict *no sensitivity analysis* at most).
    activity : DataFrame or dict, optional
        Descriptive summary per activity outcome: ``outcome``, ``treated_post_total`` (records
        of the activity for reformed majors after the reform) and ``summary`` (text).
        Without it the activity verdict rests on the results row's estimate.
    adjustment : {"holm", "bh", "none"}
        Adjustment across the family (the impact claims with an estimate; claims on the same
        outcome share one two-sided test and count as one hypothesis).
    mbar : float
        The stated relative-magnitudes bound.
    unavailable : dict, optional
        Outcome -> why it could not be analysed, e.g. ``"no employer_ratings supplied"`` when the
        data folder holds no table the analysis needs. Every impact or activity claim on such an
        outcome is *not testable* with that reason (an absent table is no evidence either way:
        never "not observed", never "not supported"), and stays out of the family.

    Returns
    -------
    DataFrame
        The claims with the columns of :data:`VERDICT_COLUMNS` added (``p_value`` equals
        ``p_raw``).

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame([{"claim_id": "C1", "section": "5.3", "quote": "rose",
    ...     "case": "zhuhai", "indicator": "x", "outcome": "y", "claimed_direction": "increase",
    ...     "testable_with": "data", "analysis": "zhuhai_did"}])
    >>> results = pd.DataFrame([{"outcome": "y", "estimate": 0.1, "ci_low": 0.02,
    ...     "ci_high": 0.18, "p_value": 0.01, "alpha": 0.05}])
    >>> sens = pd.DataFrame([{"outcome": "y", "rm_mbar": 1.0, "rm_ci_low": 0.01,
    ...     "rm_ci_high": 0.2, "breakdown_mbar": 1.4}])
    >>> judge(claims, results, sensitivity=sens)[["verdict", "p_adjusted"]].values.tolist()
    [['supported', 0.01]]
    >>> judge(claims, results.iloc[:0], unavailable={"y": "no graduates supplied"})[
    ...     ["verdict", "verdict_reason"]].values.tolist()
    [['not testable', 'no graduates supplied']]
    """
    where = "judge"
    if not 0 < alpha < 1:
        raise ClaimsError(f"{where}: alpha must lie in (0, 1), got {alpha}")
    if adjustment not in ADJUSTMENTS:
        raise ClaimsError(f"{where}: adjustment must be one of {list(ADJUSTMENTS)}, "
                          f"got {adjustment!r}")
    if not mbar >= 0:
        raise ClaimsError(f"{where}: mbar must be >= 0, got {mbar}")
    validate_claims(claims, where)
    claims = with_claim_kinds(claims, None, where)
    res = _checked_results(results, alpha, where)
    rows = _primary_rows(res) if len(res) else {}
    pre = _pretrend_by_outcome(res, pretrend)
    mdes = _lookup(mde, "mde", "mde")
    sens = _sensitivity_rows(sensitivity)
    acts = _activity_rows(activity)
    absent = _unavailable_outcomes(unavailable, rows, where)
    records = [_claim_record(claim, rows, pre, mdes, sens)
               for claim in claims.to_dict("records")]
    _adjust_family(records, adjustment, alpha)
    out = []
    for claim, outcome, row, rec in records:
        if outcome in absent and claim["analysis"] in JUDGED_ANALYSES and claim["claim_kind"] in (
                "impact", "activity"):
            verdict, rule, reason = (NOT_TESTABLE, f"{claim['claim_kind']}: data not supplied",
                                     absent[outcome])
        else:
            verdict, rule, reason = _verdict(claim, outcome, row, rec, alpha, mbar, acts)
        rec["verdict"] = verdict
        zh = rec.pop("_verdict_zh", None)  # a cause label at a non-default bound brings its own
        rec["verdict_zh"] = pd.NA if verdict is pd.NA else (zh or VERDICT_LABELS_ZH[verdict])
        rec["verdict_rule"] = rule
        rec["verdict_reason"] = reason
        out.append({**claim, **rec})
    frame = pd.DataFrame(out)
    for col in ("claim_kind", "verdict", "verdict_zh", "verdict_rule", "verdict_reason",
                "result_method", "adjustment", "sensitivity_method", "activity_summary"):
        frame[col] = frame[col].astype("string")
    frame["randomization_exact"] = frame["randomization_exact"].astype("boolean")
    return frame


def _unavailable_outcomes(unavailable, rows: dict, where: str) -> dict[str, str]:
    """outcome -> reason it could not be analysed; an outcome cannot both lack its data and
    have a result."""
    if unavailable is None:
        return {}
    if not isinstance(unavailable, Mapping):
        raise ClaimsError(f"{where}: unavailable must be a dict outcome -> reason")
    absent = {str(k): str(v) for k, v in unavailable.items()}
    both = sorted(set(absent) & set(rows))
    if both:
        raise ClaimsError(f"{where}: outcome(s) {both} are marked unavailable but have results")
    return absent


def _checked_results(results, alpha: float, where: str) -> pd.DataFrame:
    """The results as one frame, with the columns a verdict reads and at the level ``alpha``."""
    res = _as_frame(results)
    if not len(res):
        return res
    missing = [c for c in ("outcome", "estimate", "ci_low", "ci_high") if c not in res.columns]
    if missing:
        raise ClaimsError(f"{where}: results lack column(s) {missing}")
    if "alpha" in res.columns:
        bad = res[res["alpha"].notna() & ~np.isclose(res["alpha"].astype(float), alpha)]
        if len(bad):
            raise ClaimsError(
                f"{where}: results for {sorted(bad['outcome'].astype(str).unique())} were "
                f"computed at alpha {sorted(bad['alpha'].unique())}, not {alpha}")
    return res


def _pretrend_by_outcome(res: pd.DataFrame, pretrend) -> dict:
    """outcome -> pre-trend p-value: the results' own ``pretrend_p`` (first per outcome),
    overridden by an explicit ``pretrend`` table."""
    pre = {}
    if "pretrend_p" in res.columns:  # event-study rows or effect rows that carry their own
        found = res[res["pretrend_p"].notna()]
        pre = found.groupby(found["outcome"].astype(str), sort=False)["pretrend_p"].first()
        pre = pre.to_dict()
    pre.update({k: v for k, v in _lookup(pretrend, "pretrend", "pretrend_p").items()
                if pd.notna(v)})  # an explicit pretrend table wins
    return pre


def _claim_record(claim: dict, rows: dict, pre: dict, mdes: dict, sens: dict) -> tuple:
    """(claim, outcome, primary result row or None, record of the numbers beside the verdict)."""
    outcome = None if pd.isna(claim["outcome"]) else str(claim["outcome"])
    rec = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
           "p_raw": np.nan, "p_adjusted": np.nan, "adjustment": pd.NA,
           "family_size": np.nan, "null_value": np.nan, "result_method": pd.NA,
           "p_model": np.nan, "p_randomization": np.nan, "p_randomization_min": np.nan,
           "randomization_exact": pd.NA,
           "pretrend_p": _num(pre.get(outcome)) if outcome else np.nan,
           "pretrend_bound": np.nan, "max_pre_change": np.nan, "rm_mbar": np.nan,
           "rm_ci_low": np.nan, "rm_ci_high": np.nan, "breakdown_mbar": np.nan,
           "sensitivity_method": pd.NA,
           "mde": _num(mdes.get(outcome)) if outcome else np.nan,
           "activity_summary": pd.NA}
    row = rows.get(outcome) if outcome else None
    if claim["analysis"] not in JUDGED_ANALYSES:
        row = None  # e.g. a not-testable claim that names a measured outcome: no numbers
    if row is not None:
        rec.update({"estimate": _num(row.get("estimate")), "ci_low": _num(row.get("ci_low")),
                    "ci_high": _num(row.get("ci_high")), "p_raw": _num(row.get("p_value")),
                    "null_value": _num(row.get("null_value"), 0.0),
                    "result_method": row.get("method", pd.NA),
                    # design-based inference beside the model-based, when the results carry it
                    "p_model": _num(row.get("p_model")),
                    "p_randomization": _num(row.get("p_randomization")),
                    "p_randomization_min": _num(row.get("p_randomization_min")),
                    "randomization_exact": (pd.NA if pd.isna(row.get("randomization_exact",
                                                                     pd.NA))
                                            else bool(row.get("randomization_exact")))})
        rec["p_value"] = rec["p_raw"]
    if outcome in sens and claim["claim_kind"] == "impact":
        rec.update({k: sens[outcome].get(k, rec[k]) for k in (
            "pretrend_bound", "max_pre_change", "rm_mbar", "rm_ci_low", "rm_ci_high",
            "breakdown_mbar", "sensitivity_method")})
    return claim, outcome, row, rec


def _sensitivity_rows(table) -> dict:
    if table is None:
        return {}
    if not isinstance(table, pd.DataFrame) or "outcome" not in table.columns:
        raise ClaimsError("judge: sensitivity must be a DataFrame with an 'outcome' column")
    return {str(r["outcome"]): r for r in table.to_dict("records")}


def _activity_rows(table) -> dict:
    if table is None:
        return {}
    if isinstance(table, Mapping):
        return {str(k): dict(v) for k, v in table.items()}
    if not isinstance(table, pd.DataFrame) or "outcome" not in table.columns:
        raise ClaimsError("judge: activity must be a dict or a DataFrame with an 'outcome' column")
    return {str(r["outcome"]): r for r in table.to_dict("records")}


def _is_family_member(claim: dict, rec: dict) -> bool:
    return (claim["claim_kind"] == "impact" and claim["analysis"] in JUDGED_ANALYSES
            and claim["claimed_direction"] in _SIGN and not np.isnan(rec["p_raw"])
            and not np.isnan(rec["estimate"]))


def _adjust_family(records: list, adjustment: str, alpha: float) -> None:
    """Holm / BH adjusted p-values across the impact claims (one hypothesis per outcome: its
    two-sided test), written into each record's ``p_adjusted``, ``adjustment``,
    ``family_size``."""
    from statsmodels.stats.multitest import multipletests

    keys = []
    for claim, outcome, _, rec in records:
        if _is_family_member(claim, rec):
            key = outcome
            if key not in keys:
                keys.append(key)
    if not keys:
        return
    p_by_key = {}
    for claim, outcome, _, rec in records:
        key = outcome
        if key in keys and _is_family_member(claim, rec):
            p_by_key[key] = rec["p_raw"]
    raw = np.array([p_by_key[k] for k in keys], dtype=float)
    method = ADJUSTMENTS[adjustment]
    adjusted = raw if method is None else multipletests(raw, alpha=alpha, method=method)[1]
    adj_by_key = dict(zip(keys, adjusted, strict=True))
    for claim, outcome, _, rec in records:
        key = outcome
        if key in adj_by_key and _is_family_member(claim, rec):
            rec["p_adjusted"] = float(adj_by_key[key])
            rec["adjustment"] = adjustment
            rec["family_size"] = len(keys)


def _fmt(x: float) -> str:
    return f"{x:.4g}"


_ADJ_TEXT = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": "no adjustment"}


def _activity_verdict(claim: dict, outcome: str | None, row, rec: dict, acts: dict):
    """Reported / not observed: descriptive, so no p-value is read for the reform's own
    outputs, and the interval beside the verdict is labelled as no test of the claim."""
    rec["p_value"] = rec["p_raw"] = np.nan
    if isinstance(rec["result_method"], str):
        rec["result_method"] = "descriptive only, not a test of the claim: " + rec["result_method"]
    rule = "activity: descriptive (records of the reform's own output)"
    if claim["analysis"] == "not_testable" or outcome is None:
        return NOT_TESTABLE, "activity: no data", "the data has no records of this activity"
    summary = acts.get(outcome)
    if summary is not None:
        total = _num(summary.get("treated_post_total"))
        text = str(summary.get("summary", ""))
        rec["activity_summary"] = text
        if not np.isnan(total) and total > 0:
            return REPORTED, rule, (f"activity claim, judged descriptively (not as an impact): "
                                    f"{text}")
        return NOT_OBSERVED, rule, (f"activity claim: no records of {outcome!r} for the "
                                    f"reformed majors after the reform; {text}")
    if row is None or np.isnan(rec["estimate"]):
        return NOT_OBSERVED, rule, f"activity claim: no records of {outcome!r} in the results"
    return REPORTED, rule, ("activity claim, judged descriptively (not as an impact): the "
                            f"records show {outcome!r}; reformed-vs-comparison difference in "
                            f"differences {_fmt(rec['estimate'])} (descriptive)")


def _verdict(claim: dict, outcome: str | None, row, rec: dict, alpha: float, mbar: float,
             acts: dict):
    """(verdict, verdict_rule, verdict_reason) of one claim."""
    analysis, kind = claim["analysis"], claim["claim_kind"]
    if analysis == "qca":
        return pd.NA, "qca", "six-case claim: judged by the QCA (talentlab.qca), not by this rule"
    if kind == "activity":
        return _activity_verdict(claim, outcome, row, rec, acts)
    if analysis == "not_testable" or outcome is None or kind in ("not_testable", "existence"):
        what = ("the data has no indicator for this claim" if kind != "existence"
                else "existence claim: the data hold no record that could show it")
        return NOT_TESTABLE, f"{kind}: no data", what
    direction = claim["claimed_direction"]
    if direction not in _SIGN:
        return NOT_TESTABLE, "impact: no direction", (
            f"claimed direction {direction!r} is not an effect direction a before/after "
            "comparison can test")
    if row is None:
        return NOT_TESTABLE, "impact: no estimate", f"no estimate for outcome {outcome!r} in the results"
    est, lo, hi, null = rec["estimate"], rec["ci_low"], rec["ci_high"], rec["null_value"]
    orientation = _num(row.get("orientation"), 1.0)
    if np.isnan(est) or np.isnan(lo) or np.isnan(hi):
        return NOT_TESTABLE, "impact: no estimate", (
            f"no estimate could be made for {outcome!r}: {row.get('method', 'estimate missing')}")
    sign = _SIGN[direction] * (1 if orientation >= 0 else -1)
    level = f"{1 - alpha:.0%}"
    interval = f"{level} interval [{_fmt(lo)}, {_fmt(hi)}]"
    scale_note = (" (on the estimate's scale, the claimed direction is "
                  f"{'above' if sign > 0 else 'below'} {_fmt(null)})" if orientation < 0 else "")
    p_raw, p_adj = rec["p_raw"], rec["p_adjusted"]
    adj = rec["adjustment"] if isinstance(rec["adjustment"], str) else "none"
    if np.isnan(p_adj):  # outside the family (no p-value): fall back on the interval
        significant = lo > null or hi < null
        p_text = f"{interval}; no p-value, so outside the adjusted family"
    else:
        significant = p_adj < alpha
        p_text = (f"p = {p_raw:.3g}, {_ADJ_TEXT[adj]}-adjusted p = {p_adj:.3g} over "
                  f"{int(rec['family_size'])} impact hypotheses; {interval}")
    side = np.sign(est - null) * sign  # +1 claimed side, -1 opposite
    rule_sig = f"impact: {_ADJ_TEXT[adj]}-adjusted p < {alpha:g}"
    if not significant or side == 0:
        mde = rec["mde"]
        mde_note = (f"; minimum detectable effect {_fmt(mde)} (smaller true effects would "
                    "likely go undetected)" if not np.isnan(mde)
                    else "; no minimum detectable effect computed for this outcome")
        return NOT_SUPPORTED, f"impact: {_ADJ_TEXT[adj]}-adjusted p >= {alpha:g}", (
            f"not significant after adjustment: {p_text}{mde_note}")
    # significant: does the conclusion survive the stated bound on parallel-trend violations?
    robust, sens_text, cause = _robust(rec, int(sign * side), mbar)
    rule = f"{rule_sig} and robust at Mbar = {mbar:g} (relative magnitudes)"
    if side > 0:
        if robust:
            return SUPPORTED, rule, f"{p_text}{scale_note}; {sens_text}"
        rec["_verdict_zh"] = cause.label_zh
        return cause.label, f"{rule_sig}, not robust at Mbar = {mbar:g}: {cause.label}", (
            f"significant on the claimed side ({p_text}{scale_note}), but {cause.reason}"
            f"{sens_text}")
    if robust:
        return CONTRADICTED, rule, (f"significant in the direction opposite to the claim "
                                    f"({p_text}{scale_note}); {sens_text}")
    return NOT_SUPPORTED, f"{rule_sig} (opposite side), not robust at Mbar = {mbar:g}", (
        f"significant in the direction opposite to the claim ({p_text}{scale_note}), but "
        f"{cause.reason}{sens_text}")


def _robust(rec: dict, side_sign: int, mbar: float):
    """Does the relative-magnitudes analysis keep the conclusion on the estimate's side?

    ``side_sign`` is +1 when the conclusion is "above the null" on the event-study scale.
    Returns (robust, text on the sensitivity analysis, the
    :class:`~talentlab.evaluation.sensitivity.RobustnessClass` naming the cause when not
    robust). The robust interval decides when it was computed at ``mbar``; else the breakdown
    value Mbar*."""
    brk = _num(rec["breakdown_mbar"])
    lo, hi, at = _num(rec["rm_ci_low"]), _num(rec["rm_ci_high"]), _num(rec["rm_mbar"])
    at_bound = not np.isnan(lo) and np.isclose(at, mbar)
    cause = classify_robustness(rec["pretrend_p"], (lo, hi) if at_bound else (np.nan, np.nan),
                                brk, mbar=mbar, claimed_sign=side_sign, null_value=0.0,
                                pretrend_alpha=PRETREND_ALPHA)
    if np.isnan(brk) and np.isnan(lo):
        return cause.robust, "", cause
    bound = (f"; pre-reform deviations within +-{_fmt(rec['pretrend_bound'])} (equivalence "
             "bound)" if not np.isnan(_num(rec["pretrend_bound"])) else "")
    text = (f"relative-magnitudes robust interval at Mbar = {_fmt(at)} [{_fmt(lo)}, {_fmt(hi)}], "
            f"breakdown Mbar* = {_fmt(brk)}{bound}")
    if not cause.robust:
        return False, f"; {text} - the conclusion does not survive Mbar = {mbar:g}", cause
    return True, text, cause
