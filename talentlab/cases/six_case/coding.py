"""The coding tables of the six-case comparison: the long ``case_conditions`` table (one row per
case x condition or outcome, with its evidence; ``data/raw/CASES.md``), checked, pivoted,
aggregated into the paper's dimensions, and recoded the ways the rules allow.

Examples
--------
>>> import talentlab
>>> from talentlab.cases.six_case import case_matrix
>>> cc = talentlab.load_case_conditions()
>>> case_matrix(cc).loc["zhuhai_ic", "mechanism"].round(2)
np.float64(0.78)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from talentlab.cases.six_case.rules import (
    CROSSOVER,
    DIMENSIONS,
    IMPLIED_CEILING,
    LENIENT_NOT_MENTIONED,
    NOT_MENTIONED_ALTERNATIVE,
    OUTCOMES,
    RUBRIC,
    STRICT_IMPLIED_CEILING,
    SixCaseError,
)
from talentlab.qca import aggregate_sets, pivot_long

__all__ = [
    "aggregate_dimensions",
    "apply_implied_ceiling",
    "case_matrix",
    "case_order",
    "check_implied_ceiling",
    "checked_case_conditions",
    "dimension_table",
    "dimensions_for",
    "evidence_table",
    "no_evidence_conditions",
    "outcome_evidence",
    "parse_conditions",
    "pivot_case_conditions",
    "recoding_variants",
    "sufficiency_testability",
    "variant_memberships",
    "with_reference_models",
]

#: How far a membership may exceed a ceiling before it counts as a breach (two-decimal codes).
_CEILING_SLACK = 1e-9


def checked_case_conditions(case_conditions: pd.DataFrame,
                            where: str = "case_conditions") -> pd.DataFrame:
    """A copy of a long case table with its columns checked and typed (``case_id``,
    ``condition``, ``evidence_status`` as str; ``membership`` and ``alternative_membership`` as
    float); :class:`SixCaseError` naming ``where`` and the missing columns otherwise.

    Examples
    --------
    >>> checked_case_conditions(pd.DataFrame({"case_id": ["a"]}), "mine")
    Traceback (most recent call last):
    ...
    talentlab.cases.six_case.rules.SixCaseError: mine lacks column(s) ['condition', 'evidence_status', 'membership']
    """
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


def case_order(long: pd.DataFrame) -> list[str]:
    """Cases in their first-appearance order (the registry's order).

    Examples
    --------
    >>> case_order(pd.DataFrame({"case_id": ["b", "a", "b"]}))
    ['b', 'a']
    """
    return list(dict.fromkeys(long["case_id"].tolist()))


def parse_conditions(conditions) -> list[str] | None:
    """Conditions as a list: a comma-separated string is split; ``None`` or nothing -> ``None``
    (the default dimensions).

    Examples
    --------
    >>> parse_conditions("concept, dual_training"), parse_conditions("")
    (['concept', 'dual_training'], None)
    """
    if conditions is None:
        return None
    if isinstance(conditions, str):
        conditions = [c.strip() for c in conditions.split(",") if c.strip()]
    conditions = [str(c) for c in conditions]
    if not conditions:
        return None
    return conditions


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


def dimensions_for(conditions: Sequence[str], known: Sequence[str],
                   long: pd.DataFrame | None = None) -> dict[str, list[str]]:
    """Dimension definitions for ``conditions``: the paper's dimensions by name (without the
    sub-conditions that have no evidence in any case of ``long``, unless that would empty the
    dimension), and every raw condition of ``known`` as a dimension of its own.

    Examples
    --------
    >>> dimensions_for(["model", "concept"], ["concept"])
    {'model': ['modular_curriculum', 'dual_training', 'customized_cultivation'], 'concept': ['concept']}
    """
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
    long = checked_case_conditions(case_conditions)
    if aggregate not in ("mean", "and", "or"):
        raise SixCaseError(f"aggregate must be 'mean', 'and' or 'or', not {aggregate!r}")
    wide = pivot_case_conditions(long)
    conds = parse_conditions(conditions) or list(DIMENSIONS)
    known = list(wide.columns)
    dims = dimensions_for(conds, known, long)
    if outcomes is None:
        outcomes = [o for o in OUTCOMES if o in known]
    absent = [o for o in outcomes if o not in known]
    if absent:
        raise SixCaseError(f"outcomes {absent} are not rows of case_conditions")
    clash = [o for o in outcomes if o in conds]
    if clash:
        raise SixCaseError(f"{clash} cannot be both a condition and an outcome")
    data = aggregate_dimensions(wide, aggregate, dims, keep=list(outcomes))
    data = data.loc[case_order(long)]
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
    long = checked_case_conditions(case_conditions)
    dim_of = {c: d for d, subs in DIMENSIONS.items() for c in subs}
    dim_of.update({o: "outcome" for o in OUTCOMES})
    order = [c for subs in DIMENSIONS.values() for c in subs] + list(OUTCOMES)
    rank = {c: i for i, c in enumerate(order)}
    case_rank = {c: i for i, c in enumerate(case_order(long))}
    wanted = parse_conditions(conditions)
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
    long = checked_case_conditions(case_conditions)
    rows = long.loc[long["condition"] == outcome]
    if rows.empty:
        raise SixCaseError(f"outcome {outcome!r} is not a row of case_conditions")
    out = pd.DataFrame({
        "case_id": rows["case_id"].to_numpy(),
        "outcome": outcome,
        "membership": rows["membership"].to_numpy(),
        "status": rows["evidence_status"].to_numpy(),
    })
    out["in_outcome"] = out["membership"] > CROSSOVER
    out["documented_success"] = out["in_outcome"] & (out["status"] == "stated_present")
    out["documented_failure"] = (out["membership"] < CROSSOVER) & (out["status"] == "stated_absent")
    return out.reset_index(drop=True)


def sufficiency_testability(case_conditions: pd.DataFrame, outcome: str) -> tuple[bool, str]:
    """Whether sufficiency can be judged for ``outcome`` on these cases, and why: the outcome
    must vary and at least one case must be a documented failure (:func:`outcome_evidence`).

    Examples
    --------
    >>> long = pd.DataFrame({"case_id": ["a", "b"], "condition": ["Y", "Y"],
    ...     "membership": [1.0, 0.0], "evidence_status": ["stated_present", "stated_absent"]})
    >>> sufficiency_testability(long, "Y")
    (True, "1 of 2 cases are in 'Y' and 1 documented negative case(s) exist")
    """
    ev = outcome_evidence(case_conditions, outcome)
    n = len(ev)
    n_in = int(ev["in_outcome"].sum())
    n_out = int((ev["membership"] < CROSSOVER).sum())
    n_fail = int(ev["documented_failure"].sum())
    if n_in == 0 or n_out == 0:
        side = "in" if n_out == 0 else "out of"
        return False, (f"the outcome does not vary: all {n} cases are {side} {outcome!r}, so "
                       "sufficiency is uninformative (selection on the outcome)")
    if n_fail == 0:
        silent = ev.loc[ev["membership"] < CROSSOVER]
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


def with_reference_models(case_conditions: pd.DataFrame,
                          reference_configurations: pd.DataFrame) -> pd.DataFrame:
    """Append the reference configurations (Germany's dual system, TAFE, Toyota's school) to the
    cases, flagged in a ``reference_model`` column; for sensitivity analysis only.

    Examples
    --------
    >>> cc = pd.DataFrame({"case_id": ["a"], "condition": ["X"], "membership": [1.0],
    ...                    "evidence_status": ["stated_present"]})
    >>> with_reference_models(cc, cc.assign(case_id="ref"))["reference_model"].tolist()
    [False, True]
    """
    cases = checked_case_conditions(case_conditions).assign(reference_model=False)
    ref = checked_case_conditions(reference_configurations, "reference_configurations")
    ref = ref.drop(columns=[c for c in ("reference_only",) if c in ref.columns])
    ref = ref.assign(reference_model=True)
    overlap = set(cases["case_id"]) & set(ref["case_id"])
    if overlap:
        raise SixCaseError(f"reference models reuse case ids {sorted(overlap)}")
    return pd.concat([cases, ref], ignore_index=True)


# --------------------------------------------------------------------------------------------
# the implied-evidence ceiling (IMPLIED_CEILING_RULE)
# --------------------------------------------------------------------------------------------
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
    talentlab.cases.six_case.rules.SixCaseError: case_conditions: 1 implied cell(s) above the ceiling 0.67: a/X = 1
    """
    long = checked_case_conditions(case_conditions, where)
    bad = long.loc[(long["evidence_status"] == "implied")
                   & (long["membership"] > ceiling + _CEILING_SLACK)]
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
    long = checked_case_conditions(case_conditions)
    implied = long["evidence_status"] == "implied"
    long.loc[implied, "membership"] = np.minimum(long.loc[implied, "membership"], ceiling)
    return long


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
    or, when missing, ``not_mentioned_alternative``, default
    :data:`NOT_MENTIONED_ALTERNATIVE`) and, if ``lenient`` is given, at that value (the most
    lenient reading); each *not mentioned* cell at its alternative on its own; each other cell
    one rubric step (:data:`RUBRIC`) down and up. Only rows whose ``condition`` is in ``cells``
    are recoded (default: all). Recodings that leave every membership unchanged are dropped, so
    the list holds distinct codings.

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
    base = checked_case_conditions(case_conditions)
    out = []
    for label, values in variant_memberships(base, cells, not_mentioned_alternative, lenient):
        frame = base.copy()
        frame["membership"] = values
        out.append((label, frame))
    return out


def variant_memberships(
    base: pd.DataFrame,
    cells: Sequence[str] | None = None,
    not_mentioned_alternative: float | None = None,
    lenient: float | None = LENIENT_NOT_MENTIONED,
) -> list[tuple[str, np.ndarray]]:
    """(label, membership vector aligned with ``base``'s rows) for each distinct recoding of
    :func:`recoding_variants`, without building a table per recoding (``base`` must already be
    :func:`checked_case_conditions`).

    Examples
    --------
    >>> base = checked_case_conditions(pd.DataFrame({"case_id": ["a"], "condition": ["X"],
    ...     "membership": [0.0], "evidence_status": ["not_mentioned"]}))
    >>> [(label, v.tolist()) for label, v in variant_memberships(base)]
    [('baseline', [0.0]), ('not_mentioned: all at alternative', [0.33]), ('not_mentioned: all at 0.67 (most lenient)', [0.67])]
    """
    default_alt = (NOT_MENTIONED_ALTERNATIVE if not_mentioned_alternative is None
                   else float(not_mentioned_alternative))
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
