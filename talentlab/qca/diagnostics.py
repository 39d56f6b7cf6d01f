"""Diagnostics a careful QCA user runs before trusting a solution.

* **Outcome without variation** (all cases in, or all out of, the outcome): sufficiency
  analysis is uninformative and the design selects on the outcome (Schneider & Wagemann 2012,
  ch. 11; Ragin 2008).
* **Limited diversity**: share of logical remainders ``1 - observed configurations / 2^k``
  (Ragin 1987; Schneider & Wagemann 2012, ch. 6).
* **Conditions per case**: Marx & Dusa (2011, *Methodological Innovations Online* 6(2),
  doi:10.4256/mio.2010.0037) showed that random data often yield contradiction-free truth tables
  when there are many conditions for few cases. Their benchmark table is not reproduced here
  (not verified); instead :func:`random_consistency_probability` simulates, for the actual
  number of cases and conditions, the probability that random crisp data give no contradiction
  (same design as Marx & Dusa; e.g. about .17 for 6 cases and 2 conditions, .63 for 4). A value
  above 10 % means a contradiction-free truth table says little.
* **Memberships of exactly 0.5**: such cases belong to no truth-table row (R QCA).
* **Skewed sets**: more than 80 % of cases on one side of 0.5 (Schneider & Wagemann 2012,
  ch. 9.2; skewed sets inflate consistency and make necessity trivial).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.qca.expressions import TOLERANCE, QCAWarning
from talentlab.qca.truth_table import outcome_membership, prepare_data

__all__ = ["diagnose", "random_consistency_probability"]

_SOURCE_MD = "Marx & Dusa 2011, Methodological Innovations Online 6(2), doi:10.4256/mio.2010.0037"


def random_consistency_probability(
    n_cases: int, n_conditions: int, n_sim: int = 2000, seed: int = 20110602
) -> float:
    """Probability that random crisp data (conditions and outcome ~ Bernoulli(0.5)) give a truth
    table without contradictions, for ``n_cases`` cases and ``n_conditions`` conditions
    (Monte Carlo, the design of Marx & Dusa 2011).

    Examples
    --------
    >>> round(random_consistency_probability(6, 2, n_sim=4000), 1)
    0.2
    """
    if n_cases < 1 or n_conditions < 1:
        raise ValueError("n_cases and n_conditions must be positive")
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 2, size=(n_sim, n_cases, n_conditions))
    y = rng.integers(0, 2, size=(n_sim, n_cases))
    rows = x @ (1 << np.arange(n_conditions))  # configuration id per case
    ok = np.ones(n_sim, dtype=bool)
    # a contradiction: two cases in the same configuration with different outcomes
    for i in range(n_cases):
        for j in range(i + 1, n_cases):
            ok &= ~((rows[:, i] == rows[:, j]) & (y[:, i] != y[:, j]))
    return float(ok.mean())


def diagnose(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    warn: bool = True,
    skew_threshold: float = 0.8,
    random_threshold: float = 0.10,
) -> pd.DataFrame:
    """Run the standard QCA diagnostics and return one row per finding.

    Parameters
    ----------
    data : DataFrame
        Cases x calibrated sets.
    outcome : str
        Outcome column (``"~Y"`` for its negation).
    conditions : list of str, optional
    warn : bool
        Also issue each finding of severity ``"warning"`` as a :class:`QCAWarning`.
    skew_threshold : float
        Share of cases on one side of 0.5 above which a set is flagged as skewed.
    random_threshold : float
        Flag the model when random data are contradiction-free with at least this probability.

    Returns
    -------
    DataFrame with columns ``check``, ``severity`` ("warning" or "info"), ``value``,
    ``message`` (English), ``message_zh`` (Chinese) and ``source``.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 0, 1], "B": [0, 0, 1], "Y": [1, 1, 1]})
    >>> diagnose(d, "Y", warn=False).query("severity == 'warning'")["check"].tolist()[:1]
    ['outcome_variation']
    """
    sub, name, neg, conditions, noflevels, fuzzy = prepare_data(data, outcome, conditions)
    y = outcome_membership(sub, name, neg)
    n = len(sub)
    half = np.isclose(sub.to_numpy(dtype=float), 0.5, rtol=0, atol=TOLERANCE)
    findings = [_outcome_variation(y, name)]
    findings += _half_memberships(sub, half)
    findings.append(_limited_diversity(sub, conditions, fuzzy, noflevels, half))
    findings.append(_conditions_per_case(n, len(conditions), random_threshold))
    findings += _skewed_sets(sub, conditions, name, y, skew_threshold)
    out = pd.DataFrame(findings)
    if warn:
        for _, row in out.loc[out["severity"] == "warning"].iterrows():
            warnings.warn(f"[{row['check']}] {row['message']}", QCAWarning, stacklevel=2)
    return out


def _finding(check, severity, value, message, message_zh, source) -> dict:
    return {
        "check": check,
        "severity": severity,
        "value": value,
        "message": message,
        "message_zh": message_zh,
        "source": source,
    }


def _outcome_variation(y: np.ndarray, name: str) -> dict:
    """Are the cases on both sides of 0.5 in the outcome?"""
    n = len(y)
    in_y = int((y > 0.5).sum())
    out_y = int((y < 0.5).sum())
    if in_y == 0 or out_y == 0:
        side = "in" if out_y == 0 else "out of"
        return _finding(
            "outcome_variation",
            "warning",
            float(in_y / n),
            f"All {n} cases are {side} the outcome {name!r}: sufficiency analysis is "
            "uninformative (every configuration trivially 'leads' to it) and the selection of "
            "cases is on the outcome; conclusions about what produces the outcome cannot be drawn.",
            f"全部 {n} 个案例的结果变量 {name} 取值相同：充分性分析没有信息量，"
            "案例选择基于结果（选择偏差），无法推断导致该结果的条件组合。",
            "Schneider & Wagemann 2012, ch. 11; Ragin 2008",
        )
    return _finding(
        "outcome_variation",
        "info",
        float(in_y / n),
        f"{in_y} of {n} cases are in the outcome {name!r} (membership > 0.5).",
        f"{n} 个案例中有 {in_y} 个属于结果集合 {name}（隶属度 > 0.5）。",
        "Schneider & Wagemann 2012, ch. 11",
    )


def _half_memberships(sub: pd.DataFrame, half: np.ndarray) -> list[dict]:
    """Cases with a membership of exactly 0.5 in any set (``half``: cases x sets)."""
    half_cases = sub.index[half.any(axis=1)].tolist()
    if not half_cases:
        return []
    return [_finding(
        "membership_0.5",
        "warning",
        float(len(half_cases)),
        f"Cases with a membership of exactly 0.5 (maximal ambiguity): {half_cases}. "
        "They are allocated to no truth-table row; recalibrate or justify.",
        f"隶属度恰为 0.5 的案例：{half_cases}。它们不会被分配到任何真值表行，请重新校准或说明理由。",
        "R QCA truthTable(); Ragin 2008, ch. 5",
    )]


def _limited_diversity(sub, conditions, fuzzy, noflevels, half) -> dict:
    """Share of logical remainders among all configurations (cases at 0.5 left out)."""
    x = sub[conditions].to_numpy(dtype=float)
    fz = np.asarray(fuzzy)
    crisp_x = x.copy()
    crisp_x[:, fz] = (x[:, fz] > 0.5).astype(float)
    valid = ~half[:, : len(conditions)].any(axis=1)
    observed = len({tuple(r) for r in crisp_x[valid].astype(int).tolist()})
    total = int(np.prod(noflevels))
    share = 1.0 - observed / total
    return _finding(
        "limited_diversity",
        "warning" if share >= 0.5 else "info",
        share,
        f"{observed} of {total} possible configurations are observed; {share:.0%} are logical "
        "remainders. The parsimonious and intermediate solutions rest on assumptions about them.",
        f"{total} 种可能组合中观察到 {observed} 种；逻辑余项占 {share:.0%}。"
        "简约解和中间解依赖于对这些余项的假设。",
        "Ragin 1987; Schneider & Wagemann 2012, ch. 6",
    )


def _conditions_per_case(n: int, k: int, random_threshold: float) -> dict:
    """How often random data with n cases and k conditions are contradiction-free."""
    p_random = random_consistency_probability(n, k)
    return _finding(
        "conditions_per_case",
        "warning" if p_random >= random_threshold else "info",
        p_random,
        f"With {n} cases and {k} conditions, random data give a contradiction-free truth table "
        f"with probability {p_random:.2f} (simulated). Above {random_threshold:.0%}, a "
        "consistent result is weak evidence; reduce the number of conditions (e.g. aggregate "
        "them) or add cases.",
        f"{n} 个案例、{k} 个条件时，随机数据产生无矛盾真值表的概率为 {p_random:.2f}（模拟）。"
        f"超过 {random_threshold:.0%} 时一致的结果证据力很弱；应减少条件（如合并维度）或增加案例。",
        _SOURCE_MD,
    )


def _skewed_sets(sub, conditions, name, y, skew_threshold) -> list[dict]:
    """Conditions and outcome with more than ``skew_threshold`` of cases on one side of 0.5."""
    findings = []
    for c in [*conditions, name]:
        col = sub[c].to_numpy(dtype=float) if c != name else y
        hi = float((col > 0.5).mean())
        lo = float((col < 0.5).mean())
        if max(hi, lo) > skew_threshold:
            findings.append(_finding(
                "skewed_set",
                "info",
                max(hi, lo),
                f"Set {c!r} is skewed: {max(hi, lo):.0%} of cases are "
                f"{'in' if hi > lo else 'out of'} it; consistency and necessity may be trivial.",
                f"集合 {c} 分布偏斜：{max(hi, lo):.0%} 的案例{'属于' if hi > lo else '不属于'}该集合，"
                "一致性与必要性可能是平凡的。",
                "Schneider & Wagemann 2012, ch. 9.2",
            ))
    return findings
