"""What a significant but non-robust conclusion is called (part of
:mod:`talentlab.evaluation.sensitivity`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talentlab.evaluation.sensitivity.intervals import excludes_null
from talentlab.evaluation.sensitivity.restrictions import DEFAULT_MBAR, SensitivityInputError

#: Level at which the pre-period test counts as detecting a violation (the verdict rule's
#: reported pre-trend test, ``talentlab.claims.PRETREND_ALPHA``).
PRETREND_ALPHA = 0.10


@dataclass(frozen=True)
class RobustnessClass:
    """Outcome of :func:`classify_robustness`: ``robust`` (the conclusion survives the bound),
    ``label`` / ``label_zh`` (English / 中文) and ``reason`` (one sentence, English)."""

    robust: bool
    label: str
    label_zh: str
    reason: str


def _fmt(x: float) -> str:
    return "nan" if x is None or np.isnan(x) else f"{x:.3g}"


def classify_robustness(pretrend_p: float | None, rm_interval: tuple[float, float],
                        breakdown: float | None, mbar: float = DEFAULT_MBAR,
                        claimed_sign: int = 1, null_value: float = 0.0,
                        pretrend_alpha: float = PRETREND_ALPHA) -> RobustnessClass:
    """Name why a significant conclusion does or does not survive the stated bound.

    Parameters
    ----------
    pretrend_p : float or None
        p-value of the pre-period test (NaN / None: no test).
    rm_interval : (low, high)
        Robust interval at ``mbar`` (NaN, NaN: none computed).
    breakdown : float or None
        Breakdown value Mbar* of the same analysis (used when the interval is missing).
    mbar : float
        The stated bound.
    claimed_sign : {+1, -1}
        The side of ``null_value`` the conclusion is on, on the event study's scale.
    null_value : float
    pretrend_alpha : float
        Level at which the pre-period test counts as detecting a violation.

    Returns
    -------
    RobustnessClass
        In this order: "robust at Mbar = m" when the interval excludes the null on the
        claimed side (or, without an interval, Mbar* >= m); "pre-trend violation detected"
        when it does not and the pre-period test rejects at ``pretrend_alpha``; "no
        sensitivity analysis" when neither interval nor breakdown value is available; else
        "not robust at Mbar = m" (no violation detected: the robust interval is too wide for
        the data, i.e. imprecision).

    Examples
    --------
    >>> classify_robustness(0.6, (-0.01, 0.2), 0.8).label
    'not robust at Mbar = 1'
    >>> classify_robustness(0.02, (-0.01, 0.2), 0.8).label
    'pre-trend violation detected'
    >>> classify_robustness(0.02, (0.01, 0.2), 1.3).label_zh
    '在 Mbar = 1 下稳健'
    """
    if claimed_sign not in (1, -1):
        raise SensitivityInputError(f"claimed_sign must be +1 or -1, got {claimed_sign}")
    lo, hi = (np.nan, np.nan) if rm_interval is None else (float(rm_interval[0]),
                                                            float(rm_interval[1]))
    brk = np.nan if breakdown is None else float(breakdown)
    p = np.nan if pretrend_p is None else float(pretrend_p)
    m = f"{mbar:g}"
    interval = f"robust interval at Mbar = {m} [{_fmt(lo)}, {_fmt(hi)}], breakdown Mbar* = " \
               f"{_fmt(brk)}"
    if not np.isnan(lo):
        robust = excludes_null((lo, hi), null_value, claimed_sign)
    else:
        robust = not np.isnan(brk) and brk >= mbar
    if robust:
        return RobustnessClass(True, f"robust at Mbar = {m}", f"在 Mbar = {m} 下稳健",
                               f"the conclusion survives violations of parallel trends up to "
                               f"Mbar = {m} ({interval})")
    if not np.isnan(p) and p < pretrend_alpha:
        return RobustnessClass(False, "pre-trend violation detected", "检测到改革前趋势偏离",
                               f"the pre-period test rejects parallel pre-trends (p = "
                               f"{_fmt(p)} < {pretrend_alpha:g}) and the conclusion does not "
                               f"survive Mbar = {m} ({interval})")
    if np.isnan(lo) and np.isnan(brk):
        return RobustnessClass(False, "no sensitivity analysis", "无敏感性分析",
                               "no parallel-trends sensitivity analysis is available for this "
                               f"design, so the conclusion is not shown to survive Mbar = {m}")
    test = ("no pre-trend violation detected" if np.isnan(p)
            else f"the pre-period test does not reject (p = {_fmt(p)})")
    return RobustnessClass(False, f"not robust at Mbar = {m}", f"在 Mbar = {m} 下不稳健",
                           f"{test}, but the robust interval includes the null value "
                           f"{null_value:g} ({interval}): the data are too imprecise to rule "
                           "out violations of that size")
