"""Agreement of several codings of the six cases: Krippendorff's alpha, Cohen's or Fleiss'
kappa and raw agreement on the case x condition cells (:mod:`talentlab.qca.agreement`), and the
list of cells the coders disagree on with the consensus that resolved each.

Examples
--------
>>> import talentlab.data.io as tio
>>> from talentlab.cases.six_case import coding_disagreements
>>> len(coding_disagreements(tio.load_case_codings()))
17
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.cases.six_case.rules import CROSSOVER, RUBRIC, SixCaseError
from talentlab.qca import agreement as ag

__all__ = ["coding_agreement", "coding_disagreements"]


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
    long["crisp"] = np.where(long["membership"] > CROSSOVER, "in", "out")
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
    add("Krippendorff's alpha (nominal)", f"crisp side of {CROSSOVER:g} (in / out)",
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
    long = case_codings.copy()
    long["coder_id"] = long["coder_id"].astype(str)
    d = ag.disagreements(long, ("membership", "evidence_status"), ["case_id", "condition"],
                      "coder_id")
    mem = d[[c for c in d.columns if c.startswith("membership__")]].astype(float)
    d["crosses_0.5"] = (mem > CROSSOVER).any(axis=1) & (mem < CROSSOVER).any(axis=1)
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
