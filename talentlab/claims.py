"""The paper's claims and the verdicts the evaluation gives them.

``load_claims`` reads ``data/raw/claims.csv`` (one row per empirical claim of the paper);
``judge`` turns evaluation results (:mod:`talentlab.evaluation`) into verdicts by a rule fixed in
advance, :data:`VERDICT_RULE`:

* **supported** — the (1 - alpha) interval of the effect excludes the null value (0 for
  differences, 1 for ratios) in the claimed direction, and the pre-trend test does not reject
  parallel trends at the 10% level;
* **contradicted** — the interval excludes the null value in the opposite direction;
* **not supported** — otherwise (the interval contains the null value), reported with the minimum
  detectable effect beside it, so "no effect" can be told from "too little data";
* **not testable** — the data has no indicator for the claim (or no estimate could be made);
* **inconclusive (pre-trends)** — what would be *supported* when the pre-trend test rejects at
  10%.

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
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CLAIM_COLUMNS",
    "CLAIMED_DIRECTIONS",
    "ANALYSES",
    "PRETREND_ALPHA",
    "VERDICT_RULE",
    "VERDICT_RULE_ZH",
    "VERDICT_LABELS_ZH",
    "ClaimsError",
    "default_claims_path",
    "load_claims",
    "judge",
]

CLAIM_COLUMNS = ["claim_id", "section", "quote", "case", "indicator", "outcome",
                 "claimed_direction", "testable_with", "analysis"]
REQUIRED_VALUES = ["claim_id", "section", "quote", "case", "claimed_direction", "analysis"]
CLAIMED_DIRECTIONS = ("increase", "decrease", "positive_association", "necessary", "sufficient")
ANALYSES = ("zhuhai_did", "zhuhai_survival", "zhuhai_mixed", "qca", "not_testable")
JUDGED_ANALYSES = ("zhuhai_did", "zhuhai_survival", "zhuhai_mixed")

#: Level at which a pre-trend test that rejects makes a verdict inconclusive.
PRETREND_ALPHA = 0.10

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
NOT_SUPPORTED = "not supported"
NOT_TESTABLE = "not testable"
INCONCLUSIVE = "inconclusive (pre-trends)"
VERDICTS = (SUPPORTED, CONTRADICTED, NOT_SUPPORTED, NOT_TESTABLE, INCONCLUSIVE)

VERDICT_LABELS_ZH = {
    SUPPORTED: "得到支持",
    CONTRADICTED: "被反驳",
    NOT_SUPPORTED: "未得到支持",
    NOT_TESTABLE: "无法检验",
    INCONCLUSIVE: "无定论（改革前趋势不平行）",
}

VERDICT_RULE = (
    "Verdict rule (fixed before the analysis). Each claim is judged on the primary estimate of "
    "its outcome and its (1 - alpha) interval; the null value is 0 for differences and 1 for "
    "ratios (hazard ratios), and directions are read on the scale of the estimate (a hazard "
    "ratio of reaching independent work above 1 means shorter adaptation).\n"
    "- supported: the interval excludes the null value in the claimed direction and the "
    "pre-trend test (the reformed majors' differential linear trend over the pre-reform "
    "cohorts, wild cluster bootstrap by major; for adaptation the same trend in the log "
    f"hazard, jackknife by major) does not reject at {PRETREND_ALPHA:.0%};\n"
    "- contradicted: the interval excludes the null value in the opposite direction;\n"
    "- not supported: otherwise (the interval contains the null value); the minimum detectable "
    "effect is reported beside it, so that 'no effect' can be told from 'too little data';\n"
    "- not testable: the data has no indicator for the claim, or no estimate could be made;\n"
    f"- inconclusive (pre-trends): the pre-trend test rejects at {PRETREND_ALPHA:.0%} where the "
    "claim would otherwise be supported."
)

VERDICT_RULE_ZH = (
    "判定规则（分析前确定）。每条论断依据其结果变量的主要估计值及其 (1 - alpha) 置信区间判定；"
    "差值的零假设值为 0，比值（风险比）为 1；方向按估计值的尺度解读（达到独立上岗的风险比大于 1 "
    "即适应期缩短）。\n"
    "- 得到支持：区间在论断方向上排除零假设值，且改革前趋势检验（改革专业在改革前各届的差异线性趋势，"
    f"按专业聚类的野自助法；适应期为对数风险的同一趋势，按专业刀切法）在 {PRETREND_ALPHA:.0%} 水平上不拒绝；\n"
    "- 被反驳：区间在相反方向上排除零假设值；\n"
    "- 未得到支持：其他情形（区间包含零假设值），同时报告最小可检测效应，以区分“没有效应”与“数据不足”；\n"
    "- 无法检验：数据中没有该论断的指标，或无法得到估计值；\n"
    f"- 无定论（改革前趋势不平行）：本应得到支持，但改革前趋势检验在 {PRETREND_ALPHA:.0%} 水平上拒绝。"
)

_SIGN = {"increase": 1, "positive_association": 1, "decrease": -1}


class ClaimsError(ValueError):
    """Bad claims table or results; the message says what and where."""


def default_claims_path() -> Path:
    """``<project root>/data/raw/claims.csv``, found relative to the package."""
    return Path(__file__).resolve().parents[1] / "data" / "raw" / "claims.csv"


def _validate_claims(claims: pd.DataFrame, where: str) -> None:
    missing = [c for c in CLAIM_COLUMNS if c not in claims.columns]
    if missing:
        raise ClaimsError(f"{where}: missing column(s) {missing}; expected {CLAIM_COLUMNS}")
    problems = []
    for i, row in enumerate(claims.itertuples(index=False), start=2):  # file line numbers
        rec = row._asdict()
        for col in REQUIRED_VALUES:
            if pd.isna(rec[col]) or str(rec[col]).strip() == "":
                problems.append(f"row {i}, column '{col}': a value is required")
        if pd.notna(rec["claimed_direction"]) and rec["claimed_direction"] not in CLAIMED_DIRECTIONS:
            problems.append(f"row {i}, column 'claimed_direction', value "
                            f"{rec['claimed_direction']!r}: must be one of {CLAIMED_DIRECTIONS}")
        if pd.notna(rec["analysis"]) and rec["analysis"] not in ANALYSES:
            problems.append(f"row {i}, column 'analysis', value {rec['analysis']!r}: "
                            f"must be one of {ANALYSES}")
        if rec["analysis"] in JUDGED_ANALYSES and pd.isna(rec["outcome"]):
            problems.append(f"row {i}, column 'outcome': required when analysis is "
                            f"{rec['analysis']!r}")
    dup = claims["claim_id"][claims["claim_id"].duplicated() & claims["claim_id"].notna()]
    problems += [f"column 'claim_id', value {v!r}: duplicated" for v in dup.unique()]
    if problems:
        raise ClaimsError(f"{where}: {len(problems)} problem(s):\n  - " + "\n  - ".join(problems))


def load_claims(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check the claims table.

    Parameters
    ----------
    path : str or Path, optional
        Default :func:`default_claims_path` (``data/raw/claims.csv`` of the project).

    Returns
    -------
    DataFrame
        The columns of :data:`CLAIM_COLUMNS` (string dtype; empty cells are missing), in file
        order.

    Raises
    ------
    ClaimsError
        Missing columns, missing required values, unknown directions or analyses, duplicated
        ids (every problem listed, with the file's row number).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "claims.csv"
    >>> _ = p.write_text("claim_id,section,quote,case,indicator,outcome,claimed_direction,"
    ...                  "testable_with,analysis\\nC1,5.3,rose,zhuhai,x,y,increase,data,zhuhai_did\\n")
    >>> load_claims(p)["claim_id"].tolist()
    ['C1']
    """
    path = Path(path) if path is not None else default_claims_path()
    if not path.is_file():
        raise ClaimsError(f"claims file not found: {path}")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame.apply(lambda s: s.str.strip()).replace("", pd.NA).astype("string")
    _validate_claims(frame, str(path))
    return frame[CLAIM_COLUMNS + [c for c in frame.columns if c not in CLAIM_COLUMNS]]


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
) -> pd.DataFrame:
    """Verdicts for the claims, by :data:`VERDICT_RULE`.

    Parameters
    ----------
    claims : DataFrame
        As :func:`load_claims` returns.
    results : DataFrame, result object or list of them
        Tidy evaluation results (columns ``outcome``, ``estimate``, ``ci_low``, ``ci_high``,
        ``p_value``; optional ``null_value`` (default 0), ``orientation`` (default +1),
        ``primary``, ``alpha``, ``method``, ``pretrend_p``). For each outcome the first row with
        ``primary`` True is used (else the first row).
    pretrend : DataFrame or dict, optional
        Pre-trend p-value per outcome: a frame with ``outcome`` and ``pretrend_p`` (as
        :func:`talentlab.evaluation.pretrend_test` returns) or ``{outcome: p}``. Outcomes it
        does not cover take the first non-missing ``pretrend_p`` of their rows in ``results``
        (event-study rows, or the adaptation and recognition effect rows, which carry their own
        pre-trend check). Missing means no pre-trend test (noted in the reason).
    mde : DataFrame or dict, optional
        Minimum detectable effect per outcome (frame with ``outcome`` and ``mde``, as
        :func:`talentlab.evaluation.minimum_detectable_effect_from_data` returns, or a dict).
    alpha : float
        The level the intervals were computed at; a result row whose ``alpha`` differs raises.

    Returns
    -------
    DataFrame
        The claims with ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``null_value``,
        ``result_method``, ``pretrend_p``, ``mde``, ``verdict``, ``verdict_zh`` and
        ``verdict_reason``.

    Examples
    --------
    >>> import pandas as pd
    >>> claims = pd.DataFrame([{"claim_id": "C1", "section": "5.3", "quote": "rose",
    ...     "case": "zhuhai", "indicator": "x", "outcome": "y", "claimed_direction": "increase",
    ...     "testable_with": "data", "analysis": "zhuhai_did"}])
    >>> results = pd.DataFrame([{"outcome": "y", "estimate": 0.1, "ci_low": 0.02,
    ...     "ci_high": 0.18, "p_value": 0.01, "alpha": 0.05}])
    >>> judge(claims, results, pretrend={"y": 0.6})["verdict"].tolist()
    ['supported']
    """
    where = "judge"
    if not 0 < alpha < 1:
        raise ClaimsError(f"{where}: alpha must lie in (0, 1), got {alpha}")
    _validate_claims(claims, where)
    res = _as_frame(results)
    if len(res):
        missing = [c for c in ("outcome", "estimate", "ci_low", "ci_high") if c not in res.columns]
        if missing:
            raise ClaimsError(f"{where}: results lack column(s) {missing}")
        if "alpha" in res.columns:
            bad = res[res["alpha"].notna() & ~np.isclose(res["alpha"].astype(float), alpha)]
            if len(bad):
                raise ClaimsError(
                    f"{where}: results for {sorted(bad['outcome'].astype(str).unique())} were "
                    f"computed at alpha {sorted(bad['alpha'].unique())}, not {alpha}")
    rows = _primary_rows(res) if len(res) else {}
    pre = {}
    if "pretrend_p" in res.columns:  # event-study rows or effect rows that carry their own
        found = res[res["pretrend_p"].notna()]
        pre = found.groupby(found["outcome"].astype(str), sort=False)["pretrend_p"].first()
        pre = pre.to_dict()
    pre.update({k: v for k, v in _lookup(pretrend, "pretrend", "pretrend_p").items()
                if pd.notna(v)})  # an explicit pretrend table wins
    mdes = _lookup(mde, "mde", "mde")

    out = []
    for claim in claims.to_dict("records"):
        outcome = None if pd.isna(claim["outcome"]) else str(claim["outcome"])
        rec = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
               "null_value": np.nan, "result_method": pd.NA,
               "pretrend_p": _num(pre.get(outcome)) if outcome else np.nan,
               "mde": _num(mdes.get(outcome)) if outcome else np.nan}
        verdict, reason = _verdict(claim, outcome, rows.get(outcome) if outcome else None, rec,
                                   alpha)
        rec["verdict"] = verdict
        rec["verdict_zh"] = pd.NA if verdict is pd.NA else VERDICT_LABELS_ZH[verdict]
        rec["verdict_reason"] = reason
        out.append({**claim, **rec})
    frame = pd.DataFrame(out)
    for col in ("verdict", "verdict_zh", "verdict_reason", "result_method"):
        frame[col] = frame[col].astype("string")
    return frame


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _verdict(claim: dict, outcome: str | None, row, rec: dict, alpha: float):
    analysis = claim["analysis"]
    if analysis == "qca":
        return pd.NA, "six-case claim: judged by the QCA (talentlab.qca), not by this rule"
    if analysis == "not_testable" or outcome is None:
        return NOT_TESTABLE, "the data has no indicator for this claim"
    direction = claim["claimed_direction"]
    if direction not in _SIGN:
        return NOT_TESTABLE, (f"claimed direction {direction!r} is not an effect direction "
                              "a before/after comparison can test")
    if row is None:
        return NOT_TESTABLE, f"no estimate for outcome {outcome!r} in the results"
    est, lo, hi = _num(row.get("estimate")), _num(row.get("ci_low")), _num(row.get("ci_high"))
    null = _num(row.get("null_value"), 0.0)
    orientation = _num(row.get("orientation"), 1.0)
    rec.update({"estimate": est, "ci_low": lo, "ci_high": hi,
                "p_value": _num(row.get("p_value")), "null_value": null,
                "result_method": row.get("method", pd.NA)})
    if np.isnan(est) or np.isnan(lo) or np.isnan(hi):
        return NOT_TESTABLE, (f"no estimate could be made for {outcome!r}: "
                              f"{row.get('method', 'estimate missing')}")
    sign = _SIGN[direction] * (1 if orientation >= 0 else -1)
    level = f"{1 - alpha:.0%}"
    interval = f"{level} interval [{_fmt(lo)}, {_fmt(hi)}]"
    scale_note = (" (on the estimate's scale, the claimed direction is "
                  f"{'above' if sign > 0 else 'below'} {_fmt(null)})" if orientation < 0 else "")
    claimed_side = lo > null if sign > 0 else hi < null
    other_side = hi < null if sign > 0 else lo > null
    pre_p = rec["pretrend_p"]
    if claimed_side:
        if not np.isnan(pre_p) and pre_p < PRETREND_ALPHA:
            return INCONCLUSIVE, (f"{interval} excludes {_fmt(null)} in the claimed direction"
                                  f"{scale_note}, but the pre-trend test rejects parallel trends "
                                  f"(p = {pre_p:.3g} < {PRETREND_ALPHA})")
        pre_note = (f"pre-trend test p = {pre_p:.3g} >= {PRETREND_ALPHA}" if not np.isnan(pre_p)
                    else "no pre-trend test available for this analysis")
        return SUPPORTED, (f"{interval} excludes {_fmt(null)} in the claimed direction"
                           f"{scale_note}; {pre_note}")
    if other_side:
        pre_note = (f"; note: the pre-trend test also rejects (p = {pre_p:.3g})"
                    if not np.isnan(pre_p) and pre_p < PRETREND_ALPHA else "")
        return CONTRADICTED, (f"{interval} excludes {_fmt(null)} in the direction opposite to "
                              f"the claim{scale_note}{pre_note}")
    mde = rec["mde"]
    mde_note = (f"; minimum detectable effect {_fmt(mde)} (smaller true effects would likely "
                "go undetected)" if not np.isnan(mde)
                else "; no minimum detectable effect computed for this outcome")
    return NOT_SUPPORTED, f"{interval} contains {_fmt(null)}{mde_note}"
