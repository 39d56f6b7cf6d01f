"""What a Zhuhai evaluation returns: :class:`ZhuhaiEvaluation`, its claims table and, on
synthetic data, the check of its intervals against the planted truth."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab import evaluation as ev
from talentlab.cases.zhuhai.samples import OUTCOMES


@dataclass
class ZhuhaiEvaluation:
    """Everything :func:`evaluate` computes; ``verdicts`` is the claims table with verdicts."""

    effects: pd.DataFrame
    event_study: pd.DataFrame
    pretrend: pd.DataFrame
    mde: pd.DataFrame
    adaptation: ev.AdaptationResult | None
    verdicts: pd.DataFrame
    trends: pd.DataFrame
    design: dict
    notes: list[str] = field(default_factory=list)
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    activity: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: outcome -> why it was not analysed (``"no employer_ratings supplied"``)
    unavailable: dict = field(default_factory=dict)

    def primary_effects(self) -> pd.DataFrame:
        """One row per outcome: the estimate the verdict rests on."""
        eff = self.effects
        if "primary" in eff:
            eff = eff[eff["primary"].fillna(False).astype(bool)]
        return eff.drop_duplicates("outcome").reset_index(drop=True)

    @property
    def has_estimates(self) -> bool:
        """False when no analysis could run (no graduates supplied: ``design["design"]`` is
        ``"none"``)."""
        return self.design.get("design") != "none"

    @property
    def is_its(self) -> bool:
        """True when the data had no comparison majors and the interrupted time series ran."""
        return self.design.get("design") == "its"

    def to_results(self) -> dict:
        """What ``results.json`` of the Zhuhai notebook holds from this result (tables as
        DataFrames; :func:`talentlab.report.publish_results` writes them).

        With comparison majors: the design, the primary effects, pre-trend tests, sensitivity,
        activity summaries, minimum detectable effects, the claims table with verdicts
        (:func:`claims_table`) and notes; for the interrupted time series: the design choice,
        the ITS rows and their method, and the note that no claim was judged; without graduates
        (``design["design"] == "none"``): the design's reason and the claims, each not testable.
        """
        if self.design.get("design") == "none":
            return {"design": self.design, "claims": claims_table(self), "notes": self.notes}
        if self.is_its:
            return {"design": self.design,
                    "its_effects": self.effects.drop(columns=["method", "label_zh"]),
                    "its_method": self.effects["method"].iloc[0], "notes": self.notes}
        return {"design": self.design,
                "effects": self.primary_effects().drop(columns=["method"]),
                "pretrend": self.pretrend, "sensitivity": self.sensitivity,
                "activity": self.activity, "mde": self.mde, "claims": claims_table(self),
                "notes": self.notes}


def stack_frames(frames: list[pd.DataFrame], columns: list[str] | None = None) -> pd.DataFrame:
    """The frames of one part of a result (effects, pre-trend tests, ...) stacked; with none, an
    empty frame with ``columns`` (so a result without that part still has its columns).

    Examples
    --------
    >>> import pandas as pd
    >>> len(stack_frames([pd.DataFrame({"a": [1]}), pd.DataFrame({"a": [2]})]))
    2
    >>> stack_frames([], ["outcome", "mde"]).columns.tolist()
    ['outcome', 'mde']
    """
    if frames:
        return pd.concat(frames, ignore_index=True)
    return pd.DataFrame() if columns is None else pd.DataFrame(columns=columns)


def claims_table(result: ZhuhaiEvaluation) -> pd.DataFrame:
    """The verdicts in the layout the findings ledger reads (``zhuhai_claims.csv``)."""
    v = result.verdicts.copy()
    scale = {o: spec[3] for o, spec in OUTCOMES.items()}
    v["scale"] = v["outcome"].map(scale)
    v["evidence_link"] = v["outcome"].map(lambda o: f"#{o}" if isinstance(o, str) else "")
    cols = ["claim_id", "section", "quote", "claim_kind", "indicator", "outcome",
            "claimed_direction", "estimate", "ci_low", "ci_high", "p_value", "p_raw",
            "p_adjusted", "adjustment", "family_size", "scale", "result_method", "p_model",
            "p_randomization", "p_randomization_min", "randomization_exact", "pretrend_p",
            "pretrend_bound",
            "max_pre_change", "rm_mbar", "rm_ci_low", "rm_ci_high", "breakdown_mbar", "mde",
            "activity_summary", "verdict", "verdict_zh", "verdict_rule", "verdict_reason",
            "evidence_link"]
    return v[[c for c in cols if c in v.columns]]


#: outcome here → key of ``truth.json``'s ``effects`` written by :mod:`talentlab.simulate`
TRUTH_KEYS = {"local_work": "work_region_local", "evaluation_score": "evaluation_score_enterprise",
              "adaptation_months": "adaptation"}


def planted_effect(truth: dict, outcome: str) -> tuple[float, str] | None:
    """The effect ``truth.json`` planted for ``outcome``, on the estimate's scale, and its scale.

    Percentage points become proportions (/ 100), a log hazard ratio a hazard ratio; None when
    nothing was planted for the outcome.
    """
    planted = truth.get("effects", {}).get(TRUTH_KEYS.get(outcome, outcome))
    if not planted or planted.get("att") is None:
        return None
    value, scale = float(planted["att"]), str(planted.get("scale", ""))
    if scale == "percentage_points":
        value /= 100.0
    elif scale == "log_hazard_ratio":
        value = float(np.exp(value))
    return value, scale


def truth_coverage(result: ZhuhaiEvaluation, truth: dict) -> pd.DataFrame:
    """For synthetic data: does each interval cover the planted effect in ``truth.json``?

    Planted effects are put on the estimate's scale (:func:`planted_effect`). ``kind`` tells
    impact outcomes from activities (the reform's own outputs, judged descriptively; their
    difference in differences is shown for information).
    """
    rows = []
    for _, r in result.primary_effects().iterrows():
        found = planted_effect(truth, r["outcome"])
        if found is None:
            continue
        value, scale = found
        kind = "activity" if OUTCOMES.get(r["outcome"], ("",))[0] == "programme" else "impact"
        rows.append({"outcome": r["outcome"], "kind": kind, "planted": value,
                     "planted_scale": scale,
                     "estimate": r["estimate"], "ci_low": r["ci_low"], "ci_high": r["ci_high"],
                     "covered": bool(r["ci_low"] <= value <= r["ci_high"])})
    return pd.DataFrame(rows)
