"""Sensitivity of the six-case comparison: the QCA and the claims' verdicts re-run on each
coder's coding, on other case sets (without Zhuhai; the two anonymous manufacturing cases merged)
and under stricter evidence rules (implied evidence capped; condition cells coded from the
outcome's own sentence removed).

Examples
--------
>>> import talentlab
>>> from talentlab.cases.six_case import merge_cases, MANUFACTURING_PAIR
>>> merged = merge_cases(talentlab.load_case_conditions(), MANUFACTURING_PAIR, "mfg")
>>> merged["case_id"].nunique()
5
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from talentlab.cases.six_case.analysis import run_six_case_analysis
from talentlab.cases.six_case.coding import (
    apply_implied_ceiling,
    check_implied_ceiling,
    checked_case_conditions,
)
from talentlab.cases.six_case.rules import (
    MANUFACTURING_PAIR,
    STRICT_IMPLIED_CEILING,
    ZHUHAI_CASE,
    SixCaseError,
)
from talentlab.cases.six_case.settings import SixCaseSettings
from talentlab.cases.six_case.verdicts import judge_six_case_claims
from talentlab.cases.six_case.wording import shared_quote_pairs

__all__ = ["SENSITIVITY_COLUMNS", "merge_cases", "sensitivity_runs", "without_shared_quotes"]

#: Which cell of two merged cases wins a tie on membership: the stronger kind of evidence.
_STATUS_RANK = {"stated_present": 3, "stated_absent": 2, "implied": 1, "not_mentioned": 0}


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
    long = checked_case_conditions(case_conditions)
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
    long = checked_case_conditions(case_conditions)
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


SENSITIVITY_COLUMNS = ["run", "coding", "case_set", "evidence_rule", "n_cases", "cases",
                       "outcome", "parsimonious", "conservative", "sufficiency_testable"]


def sensitivity_runs(
    codings: Mapping[str, pd.DataFrame],
    claims: pd.DataFrame | None = None,
    settings: SixCaseSettings | None = None,
    *,
    baseline: str | None = None,
    n_sim: int = 500,
) -> pd.DataFrame:
    """The QCA and the QCA claims' verdicts under the alternatives a methodologist asks for.

    Runs (each checked against :data:`IMPLIED_CEILING_RULE` first):

    * **coding** - every coding in ``codings`` (e.g. coder 1, coder 2 and the consensus), all
      cases;
    * **case set** - on the ``baseline`` coding (default: the first of ``codings``): without
      ``zhuhai_ic`` (the paper's "practical verification" case may be separate from the six),
      and with the two anonymous manufacturing cases merged (:func:`merge_cases`);
    * **evidence** - on the baseline coding: implied evidence capped at
      :data:`STRICT_IMPLIED_CEILING`, and condition cells coded from the outcome's own
      sentence removed (:func:`without_shared_quotes`).

    Sub-conditions without evidence in any case are left out of the dimensions in every run
    (:data:`AGGREGATION_RULE`).

    Parameters
    ----------
    codings : mapping
        Coder id (or ``"consensus"``) -> that coding's long ``case_conditions`` table.
    claims : DataFrame, optional
        The paper's claims; with them each run judges the QCA claims.
    settings : SixCaseSettings, optional
        Its ``outcome``, ``conditions``, ``incl_cut`` and ``seed`` are those of every run
        (default: the paper's analysis); the runs never add the reference models and skip the
        solution robustness.
    baseline : str, optional
        The coding the case-set and evidence runs start from (default: the first).
    n_sim : int
        Simulations of each run's conditions-per-case diagnostic.

    Returns
    -------
    DataFrame, one row per run: :data:`SENSITIVITY_COLUMNS`, then for each QCA claim of
    ``claims`` its ``estimate`` and ``verdict`` (columns ``<claim_id> estimate`` and
    ``<claim_id> verdict``).
    """
    if not codings:
        raise SixCaseError("sensitivity_runs needs at least one coding")
    settings = SixCaseSettings() if settings is None else settings
    outcome = settings.outcome
    labels = list(codings)
    base_label = baseline or labels[0]
    if base_label not in codings:
        raise SixCaseError(f"baseline {base_label!r} is not one of the codings {labels}")
    base = codings[base_label]
    plan = [(lbl, "all cases", "as coded", codings[lbl]) for lbl in labels]
    cases = list(dict.fromkeys(checked_case_conditions(base)["case_id"]))
    if ZHUHAI_CASE in cases:
        plan.append((base_label, f"without {ZHUHAI_CASE}", "as coded",
                     base.loc[base["case_id"].astype(str) != ZHUHAI_CASE]))
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
            res = run_six_case_analysis(long, outcome=outcome,
                                        conditions=settings.conditions_given,
                                        incl_cut=settings.incl_cut, seed=settings.seed,
                                        n_sim=n_sim, solution_robustness=False)
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
