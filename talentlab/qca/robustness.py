"""Robustness of QCA solutions to coding and cut-off choices.

Re-runs the analysis over plausible recodings of the case x condition table and reports how often
each solution term survives (share of runs in which it appears in a model). In the spirit of
Oana & Schneider's robustness protocol (SetMethods ``rob.*``, 2021) and Skaaning (2011,
*Sociological Methods & Research* 40(2)), applied to text-coded memberships:

* ``"not_mentioned"``: every cell whose evidence is *not mentioned* is set to 0 and to its
  alternative (all at once, and one cell at a time);
* ``"rubric_step"``: each cell one rubric step up and down on 0 / 0.33 / 0.67 / 1;
* inclusion cut-offs (``incl_cuts``);
* calibration anchors (``anchors``: crossover points used to recalibrate aggregated scores).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.qca.calibrate import calibrate
from talentlab.qca.expressions import QCAError
from talentlab.qca.minimize import minimize
from talentlab.qca.truth_table import truth_table

__all__ = [
    "FOUR_VALUE_LEVELS",
    "RobustnessResult",
    "aggregate_sets",
    "pivot_long",
    "recoding_variants",
    "robustness",
]

#: Ragin's four-value fuzzy scale (Ragin 2008, *Redesigning Social Inquiry*, ch. 2): the default
#: membership levels between which ``rubric_step`` recodings move a cell one step.
FOUR_VALUE_LEVELS = (0.0, 0.33, 0.67, 1.0)

def pivot_long(
    long: pd.DataFrame,
    value: str = "membership",
    sets: Sequence[str] | None = None,
    case: str = "case_id",
    set_column: str = "condition",
) -> pd.DataFrame:
    """Pivot a long case x set table (one row per case and set) into a wide case x set table.

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "a", "b", "b"], "condition": ["X", "Y"] * 2,
    ...                      "membership": [1, 0.33, 0, 0.67]})
    >>> pivot_long(long).to_dict("index")
    {'a': {'X': 1.0, 'Y': 0.33}, 'b': {'X': 0.0, 'Y': 0.67}}
    """
    need = {case, set_column, value}
    missing = need - set(long.columns)
    if missing:
        raise QCAError(f"the long table lacks columns {sorted(missing)}")
    dup = long.duplicated([case, set_column])
    if dup.any():
        raise QCAError(
            f"the long table has repeated {case} x {set_column} rows: "
            f"{long.loc[dup, [case, set_column]].values.tolist()}"
        )
    wide = long.pivot(index=case, columns=set_column, values=value)
    wide = wide.astype(float)
    if sets is not None:
        absent = [s for s in sets if s not in wide.columns]
        if absent:
            raise QCAError(f"sets not in the long table: {absent}")
        wide = wide[list(sets)]
    if wide.isna().any().any():
        raise QCAError("the long table does not give every case a value for every set")
    wide.index = wide.index.astype(str)
    return wide


def aggregate_sets(
    wide: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    rule: str = "mean",
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """Aggregate sets into higher-order sets (e.g. sub-conditions into dimensions).

    Parameters
    ----------
    wide : DataFrame
        Case x set memberships (see :func:`pivot_long`).
    groups : mapping
        New set -> list of its member sets.
    rule : {"mean", "and", "or"}
        ``"mean"``: average membership (a compensatory index);
        ``"and"``: fuzzy AND (minimum: every element must be present);
        ``"or"``: fuzzy OR (maximum: any element suffices, substitutable elements).
    keep : list of str
        Further columns copied unchanged (e.g. outcomes).

    Examples
    --------
    >>> w = pd.DataFrame({"a": [1.0, 0.0], "b": [0.33, 0.67]})
    >>> aggregate_sets(w, {"D": ["a", "b"]}, "and")["D"].tolist()
    [0.33, 0.0]
    """
    if groups is None:
        raise QCAError("aggregate_sets needs groups (new set -> its member sets)")
    funcs = {"mean": "mean", "and": "min", "or": "max"}
    if rule not in funcs:
        raise QCAError("rule must be 'mean', 'and' or 'or'")
    out = {}
    for dim, subs in dict(groups).items():
        absent = [s for s in subs if s not in wide.columns]
        if absent:
            raise QCAError(f"set {dim!r}: columns {absent} not found")
        out[dim] = getattr(wide[list(subs)], funcs[rule])(axis=1)
    res = pd.DataFrame(out, index=wide.index)
    for k in keep:
        res[k] = wide[k]
    return res


@dataclass
class RobustnessResult:
    """``terms``: one row per term seen (share of successful runs containing it, and whether it
    is in the baseline solution); ``runs``: one row per run (recoding, cut-off, status,
    solution)."""

    terms: pd.DataFrame
    runs: pd.DataFrame
    baseline: list[list[str]]


def _step(value: float, direction: int, levels: Sequence[float] = FOUR_VALUE_LEVELS) -> float:
    idx = int(np.argmin([abs(value - r) for r in levels]))
    return float(levels[min(max(idx + direction, 0), len(levels) - 1)])


def recoding_variants(
    case_conditions: pd.DataFrame,
    outcome: str,
    recodings: Sequence[str] = ("not_mentioned", "rubric_step"),
    not_mentioned_alternative: float = 0.33,
    recode_outcome: bool = False,
    levels: Sequence[float] = FOUR_VALUE_LEVELS,
    ceilings: Mapping[str, float] | None = None,
) -> list[tuple[str, pd.DataFrame]]:
    """The plausible recodings of a long case × condition table, each labelled.

    ``not_mentioned``: every *not mentioned* cell at 0, every one at its alternative, and each one
    alone at its alternative (the coder's ``alternative_membership`` where given, else
    ``not_mentioned_alternative`` for a 0 and 0 for anything else); ``rubric_step``: each cell one
    step of the coding scale ``levels`` (default Ragin's four values 0 / 0.33 / 0.67 / 1) down
    and up, never above the ceiling ``ceilings[evidence_status]`` where one is given (e.g.
    ``{"implied": 0.67}``). The outcome's cells are left alone unless ``recode_outcome``.
    """
    base = case_conditions.copy()
    base["membership"] = base["membership"].astype(float)
    variants: list[tuple[str, pd.DataFrame]] = [("baseline", base)]
    recodable = base if recode_outcome else base.loc[base["condition"] != outcome]

    def alternative(i) -> float:
        given = base.at[i, "alternative_membership"] if "alternative_membership" in base else None
        if given is not None and not pd.isna(given):
            return float(given)
        return not_mentioned_alternative if base.at[i, "membership"] == 0 else 0.0

    if "not_mentioned" in recodings:
        nm = recodable.index[recodable["evidence_status"] == "not_mentioned"]
        if len(nm):
            alt = base.copy()
            zero = base.copy()
            zero.loc[nm, "membership"] = 0.0
            for i in nm:
                alt.at[i, "membership"] = alternative(i)
            variants.append(("not_mentioned: all at 0", zero))
            variants.append(("not_mentioned: all at alternative", alt))
            for i in nm:
                one = base.copy()
                one.at[i, "membership"] = alternative(i)
                lbl = f"not_mentioned: {base.at[i, 'case_id']}/{base.at[i, 'condition']}"
                variants.append((lbl, one))
    if "rubric_step" in recodings:
        for i in recodable.index:
            for d in (-1, 1):
                v = base.at[i, "membership"]
                nv = _step(v, d, levels)
                cap = (ceilings or {}).get(str(base.at[i, "evidence_status"]))
                if cap is not None and nv > v:
                    nv = min(nv, max(v, float(cap)))
                if nv == v:
                    continue
                one = base.copy()
                one.at[i, "membership"] = nv
                lbl = (
                    f"rubric {'+1' if d > 0 else '-1'}: "
                    f"{base.at[i, 'case_id']}/{base.at[i, 'condition']}"
                )
                variants.append((lbl, one))
    return variants


def robustness(
    case_conditions: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    recodings: Sequence[str] = ("not_mentioned", "rubric_step"),
    incl_cuts: Sequence[float] = (0.8,),
    aggregate: str | None = None,
    dimensions: Mapping[str, Sequence[str]] | None = None,
    anchors: Sequence[tuple[float, float, float]] | None = None,
    include="?",
    directional=None,
    not_mentioned_alternative: float = 0.33,
    recode_outcome: bool = False,
    n_cut: int = 1,
    levels: Sequence[float] = FOUR_VALUE_LEVELS,
    outcomes: Sequence[str] = (),
    ceilings: Mapping[str, float] | None = None,
) -> RobustnessResult:
    """Re-run the minimisation over plausible recodings and report how often each term survives.

    Parameters
    ----------
    case_conditions : DataFrame
        Long table with ``case_id``, ``condition``, ``membership`` and ``evidence_status``
        (``stated_present``, ``implied``, ``not_mentioned``, ``stated_absent``); outcomes are
        rows of the same table.
    outcome : str
        Outcome name (a ``condition`` value of the long table).
    conditions : list of str, optional
        Conditions to analyse after aggregation (default: the dimensions when ``aggregate`` is
        set, else every non-outcome condition).
    recodings : list of {"not_mentioned", "rubric_step"}
    incl_cuts : list of float
        Inclusion cut-offs to try (every recoding is run at every cut-off).
    aggregate : {None, "mean", "and", "or"}
        Aggregate sub-conditions into dimensions (:func:`aggregate_sets`) after recoding.
    dimensions : mapping, optional
        Dimension -> sub-conditions; required with ``aggregate``.
    anchors : list of (e, c, i), optional
        Also recalibrate the (aggregated) conditions with the direct method at these anchors.
    include, directional
        Passed to :func:`minimize` (default: parsimonious solution).
    not_mentioned_alternative : float
        Value given to a *not mentioned* cell coded 0 in its alternative coding (a cell coded
        above 0 has 0 as alternative), used where the table has no ``alternative_membership``
        column or leaves it empty; the coder's per-cell alternative wins where given.
    recode_outcome : bool
        Also recode the outcome's cells.
    n_cut : int
    levels : sequence of float
        The coding scale for ``rubric_step`` (default :data:`FOUR_VALUE_LEVELS`).
    outcomes : list of str
        Other outcome rows of the long table, never used as default conditions.
    ceilings : mapping, optional
        evidence_status -> highest membership a rubric step may give such a cell.

    Returns
    -------
    RobustnessResult
    """
    if "evidence_status" not in case_conditions.columns:
        raise QCAError("case_conditions needs an evidence_status column")
    base = case_conditions.copy()
    base["membership"] = base["membership"].astype(float)
    bad = set(recodings) - {"not_mentioned", "rubric_step"}
    if bad:
        raise QCAError(f"unknown recodings {sorted(bad)}")
    if aggregate and not dimensions:
        raise QCAError("aggregate needs dimensions (dimension -> its sub-conditions)")
    variants = recoding_variants(base, outcome, recodings=recodings,
                                 not_mentioned_alternative=not_mentioned_alternative,
                                 recode_outcome=recode_outcome, levels=levels,
                                 ceilings=ceilings)
    runs = []
    for label, long in variants:
        for anchor in [None] + list(anchors or []):
            for cut in incl_cuts:
                rec = {
                    "recoding": label,
                    "anchors": "" if anchor is None else str(tuple(anchor)),
                    "incl_cut": float(cut),
                }
                try:
                    data = _analysis_table(long, outcome, conditions, aggregate, dimensions,
                                           outcomes, anchor)
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        tt = truth_table(data, outcome, incl_cut=cut, n_cut=n_cut, warn=False)
                        res = minimize(tt, include=include, directional=directional)
                    rec["status"] = "ok"
                    rec["solutions"] = [list(m) for m in res.solutions]
                except QCAError as exc:
                    rec["status"] = f"no solution: {exc}"
                    rec["solutions"] = []
                runs.append(rec)
    runs_df = pd.DataFrame(runs)
    runs_df["solution"] = [" | ".join(" + ".join(m) for m in s) for s in runs_df["solutions"]]
    terms, baseline = _term_survival(runs_df)
    return RobustnessResult(terms=terms, runs=runs_df, baseline=baseline)


def _analysis_table(long: pd.DataFrame, outcome, conditions, aggregate, dimensions, outcomes,
                    anchor=None) -> pd.DataFrame:
    """Cases x (conditions + outcome) of one recoded long table: pivoted, aggregated into
    dimensions when asked, and recalibrated at ``anchor`` when given."""
    wide = pivot_long(long)
    if outcome not in wide.columns:
        raise QCAError(f"outcome {outcome!r} is not a condition of case_conditions")
    if aggregate:
        data = aggregate_sets(wide, dimensions, aggregate, keep=[outcome])
    else:
        data = wide
    if conditions:
        conds = list(conditions)
    else:
        conds = [c for c in data.columns if c != outcome and c not in set(outcomes)]
    data = data[conds + [outcome]].copy()
    if anchor is not None:
        for c in conds:
            data[c] = calibrate(data[c], list(anchor))
    return data


def _term_survival(runs_df: pd.DataFrame) -> tuple[pd.DataFrame, list[list[str]]]:
    """Per term seen, the share of successful runs whose models contain it; and the baseline
    solution (the run without recoding nor anchors)."""
    ok = runs_df.loc[runs_df["status"] == "ok"]
    baseline_rows = runs_df.loc[
        (runs_df["recoding"] == "baseline") & (runs_df["anchors"] == "")
    ]
    baseline = baseline_rows["solutions"].iloc[0] if len(baseline_rows) else []
    baseline_terms = {t for m in baseline for t in m}
    counts: dict[str, int] = {}
    for sols in ok["solutions"]:
        for t in {t for m in sols for t in m}:
            counts[t] = counts.get(t, 0) + 1
    for t in baseline_terms:
        counts.setdefault(t, 0)
    n_ok = len(ok)
    terms = pd.DataFrame(
        {
            "term": list(counts),
            "in_baseline": [t in baseline_terms for t in counts],
            "runs_present": list(counts.values()),
            "runs_ok": n_ok,
            "runs_total": len(runs_df),
        }
    )
    terms["share"] = terms["runs_present"] / n_ok if n_ok else np.nan
    terms = terms.sort_values(["in_baseline", "share", "term"], ascending=[False, False, True])
    terms = terms.reset_index(drop=True)
    terms["method"] = (
        f"share of {n_ok} successful runs (of {len(runs_df)}) in which the term appears in a "
        "minimal model"
    )
    return terms, baseline
