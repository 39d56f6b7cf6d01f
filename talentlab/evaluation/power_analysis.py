"""Power, sample size and minimum detectable effect of the plain two-group comparison.

The design researchers plan surveys with: two independent groups (say graduates of reformed and
of comparison majors, or one cohort before and one after), one outcome, no clustering. Two
outcome kinds:

* **two proportions** — effect size Cohen's h = 2 arcsin sqrt(p1) - 2 arcsin sqrt(p2)
  (Cohen 1988, ch. 6, eq. 6.2.2), normal test of the arcsine-transformed proportions
  (``statsmodels.stats.power.NormalIndPower``);
* **two means** — effect size Cohen's d = (mean1 - mean2) / sd (Cohen 1988, ch. 2, eq. 2.2.1),
  two-sample t test with pooled variance (``statsmodels.stats.power.TTestIndPower``, noncentral
  t).

Functions
---------
cohens_h, cohens_d
    Effect sizes.
power
    Power of the two-group test for a given n per group.
sample_size
    n per group (exact, fractional, and rounded up) for a requested power.
minimum_detectable_effect_two_group
    The smallest effect (on the outcome's own scale) detected with the requested power: the
    two-group counterpart of :func:`talentlab.evaluation.minimum_detectable_effect`, which covers
    the clustered difference in differences. With clustering, multiply the variance by the
    design effect 1 + (m - 1) ICC (use the clustered function instead).

Conventions (the ``source`` column of every result says which):

* ``n`` is per group; ``ratio`` = n2 / n1 (statsmodels' ``ratio``).
* two-sided tests by default (Cohen's "a2").
* Cohen's tables (1988, Tables 2.4.1 and 6.4.1; reproduced for power 0.80 in Cohen 1992,
  Table 2) print n rounded to the nearest integer; :func:`sample_size` returns the exact
  solution ``n_exact``, Cohen's rounding ``n_cohen`` and the conservative ``n_per_group``
  (rounded up), which is what a study should recruit.

References
----------
Cohen J (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed. Hillsdale NJ:
Lawrence Erlbaum. Tables 2.4.1 (n to detect d by t test) and 6.4.1 (n to detect h).
Cohen J (1992). A power primer. Psychological Bulletin 112(1):155-159, Table 2.
Bloom HS (1995). Minimum detectable effects. Evaluation Review 19(5):547-556.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from statsmodels.stats.power import NormalIndPower, TTestIndPower

__all__ = [
    "DESIGNS",
    "PowerInputError",
    "cohens_h",
    "cohens_d",
    "power",
    "sample_size",
    "minimum_detectable_effect_two_group",
]

#: design → (effect-size name, statsmodels engine, method text)
DESIGNS = {
    "two_proportions": ("Cohen's h", "NormalIndPower",
                        "two-sample z test of arcsine-transformed proportions (Cohen's h)"),
    "two_means": ("Cohen's d", "TTestIndPower",
                  "two-sample t test, pooled variance, noncentral t (Cohen's d)"),
}

SOURCE = ("Cohen (1988) ch. 2 and 6, Tables 2.4.1 and 6.4.1; statsmodels.stats.power "
          "(TTestIndPower / NormalIndPower)")

ALTERNATIVES = ("two-sided", "larger", "smaller")


class PowerInputError(ValueError):
    """A power or sample-size request that cannot be computed (says which argument and why)."""


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h = 2 arcsin sqrt(p1) - 2 arcsin sqrt(p2) (Cohen 1988, eq. 6.2.2).

    Examples
    --------
    >>> round(cohens_h(0.65, 0.45), 4)
    0.4049
    """
    for name, p in (("p1", p1), ("p2", p2)):
        if not 0 <= p <= 1:
            raise PowerInputError(f"cohens_h: {name} must lie in [0, 1], got {p}")
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def cohens_d(mean_diff: float, sd: float) -> float:
    """Cohen's d = (mean1 - mean2) / sd, sd the common within-group SD (Cohen 1988, eq. 2.2.1).

    Examples
    --------
    >>> cohens_d(5.0, 10.0)
    0.5
    """
    if not sd > 0:
        raise PowerInputError(f"cohens_d: sd must be > 0, got {sd}")
    return mean_diff / sd


def _check_common(alpha: float, alternative: str, ratio: float, where: str) -> None:
    if not 0 < alpha < 1:
        raise PowerInputError(f"{where}: alpha must lie in (0, 1), got {alpha}")
    if alternative not in ALTERNATIVES:
        raise PowerInputError(f"{where}: alternative must be one of {ALTERNATIVES}, "
                              f"got {alternative!r}")
    if not ratio > 0:
        raise PowerInputError(f"{where}: ratio (n2 / n1) must be > 0, got {ratio}")


def _effect_size(design: str, where: str, p1=None, p2=None, mean_diff=None, sd=None,
                 effect_size=None) -> tuple[float, dict]:
    """The standardised effect and the inputs it came from."""
    if design not in DESIGNS:
        raise PowerInputError(f"{where}: design must be one of {tuple(DESIGNS)}, got {design!r}")
    if effect_size is not None:
        if any(v is not None for v in (p1, p2, mean_diff, sd)):
            raise PowerInputError(f"{where}: give effect_size or the raw inputs, not both")
        return float(effect_size), {}
    if design == "two_proportions":
        if p1 is None or p2 is None:
            raise PowerInputError(f"{where}: two_proportions needs p1 and p2 (or effect_size=h)")
        return cohens_h(p1, p2), {"p1": p1, "p2": p2}
    if mean_diff is None or sd is None:
        raise PowerInputError(f"{where}: two_means needs mean_diff and sd (or effect_size=d)")
    return cohens_d(mean_diff, sd), {"mean_diff": mean_diff, "sd": sd}


def _engine(design: str):
    return NormalIndPower() if design == "two_proportions" else TTestIndPower()


def power(
    design: str,
    n_per_group: float,
    *,
    p1: float | None = None,
    p2: float | None = None,
    mean_diff: float | None = None,
    sd: float | None = None,
    effect_size: float | None = None,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Power of the two-group test with ``n_per_group`` in group 1 and ``ratio * n`` in group 2.

    Parameters
    ----------
    design : {"two_proportions", "two_means"}
    n_per_group : float
        Sample size of group 1.
    p1, p2 : float
        Proportions of the two groups (``two_proportions``).
    mean_diff, sd : float
        Difference of means and common SD (``two_means``).
    effect_size : float
        Cohen's h or d directly, instead of the raw inputs.
    alpha : float
        Significance level.
    ratio : float
        n2 / n1.
    alternative : {"two-sided", "larger", "smaller"}

    Returns
    -------
    DataFrame
        One row: ``design``, ``effect_size``, ``effect_size_kind``, ``n_per_group``, ``n2``,
        ``ratio``, ``alpha``, ``alternative``, ``power``, ``method``, ``source`` and the raw
        inputs.

    Examples
    --------
    >>> round(float(power("two_means", 64, effect_size=0.5)["power"].iloc[0]), 3)
    0.801
    """
    where = "power"
    _check_common(alpha, alternative, ratio, where)
    es, raw = _effect_size(design, where, p1, p2, mean_diff, sd, effect_size)
    if not n_per_group >= 2:
        raise PowerInputError(f"{where}: n_per_group must be >= 2, got {n_per_group}")
    value = float(_engine(design).power(effect_size=es, nobs1=n_per_group, alpha=alpha,
                                        ratio=ratio, alternative=alternative))
    kind, _, method = DESIGNS[design]
    return pd.DataFrame([{
        "design": design, "effect_size": es, "effect_size_kind": kind,
        "n_per_group": n_per_group, "n2": n_per_group * ratio, "ratio": ratio, "alpha": alpha,
        "alternative": alternative, "power": value, "method": method, "source": SOURCE, **raw,
    }])


def sample_size(
    design: str,
    *,
    p1: float | None = None,
    p2: float | None = None,
    mean_diff: float | None = None,
    sd: float | None = None,
    effect_size: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    ratio: float = 1.0,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    """Sample size per group for the two-group test to reach ``power``.

    Returns one row with ``n_exact`` (the fractional solution), ``n_cohen`` (rounded to the
    nearest integer, as Cohen's 1988 tables print it) and ``n_per_group`` (rounded up: what to
    recruit), ``n2 = ceil(ratio * n_per_group)``, ``n_total`` and the inputs.

    Examples
    --------
    >>> int(sample_size("two_means", effect_size=0.5)["n_cohen"].iloc[0])  # Cohen: 64
    64
    >>> int(sample_size("two_proportions", p1=0.65, p2=0.45)["n_per_group"].iloc[0])
    96
    """
    where = "sample_size"
    _check_common(alpha, alternative, ratio, where)
    if not 0 < power < 1:
        raise PowerInputError(f"{where}: power must lie in (0, 1), got {power}")
    es, raw = _effect_size(design, where, p1, p2, mean_diff, sd, effect_size)
    if es == 0:
        raise PowerInputError(f"{where}: the effect size is 0; no sample size detects it")
    n_exact = float(_engine(design).solve_power(effect_size=abs(es) if alternative ==
                                                "two-sided" else es, nobs1=None, alpha=alpha,
                                                power=power, ratio=ratio,
                                                alternative=alternative))
    n1 = math.ceil(n_exact - 1e-9)
    n2 = math.ceil(ratio * n1 - 1e-9)
    kind, _, method = DESIGNS[design]
    return pd.DataFrame([{
        "design": design, "effect_size": es, "effect_size_kind": kind, "n_exact": n_exact,
        "n_cohen": int(round(n_exact)), "n_per_group": n1, "n2": n2, "n_total": n1 + n2,
        "ratio": ratio, "alpha": alpha, "power": power, "alternative": alternative,
        "method": method, "source": SOURCE, **raw,
    }])


def minimum_detectable_effect_two_group(
    n1: int,
    n2: int,
    *,
    sd: float | None = None,
    p0: float | None = None,
    power: float = 0.8,
    alpha: float = 0.05,
    alternative: str = "two-sided",
    outcome: str = "",
) -> pd.DataFrame:
    """Minimum detectable effect of a two-group comparison (no clustering).

    Solves the power equation for the standardised effect (``TTestIndPower`` for means: d;
    ``NormalIndPower`` for proportions: h) and converts it to the outcome's scale:

    * means (give ``sd``): ``mde = d * sd``;
    * proportions (give the baseline ``p0`` of group 2): the detectable proportion
      ``p1 = sin(arcsin(sqrt(p0)) + h / 2)^2`` (Cohen's h inverted) and ``mde = p1 - p0``
      (an increase; the decrease that is detectable is reported as ``mde_decrease``).

    The large-sample version is Bloom's (1995) ``(z_{1-alpha/2} + z_{power}) * SE`` with
    ``SE = sd * sqrt(1/n1 + 1/n2)``; the t-based solution is slightly larger for small n.

    Examples
    --------
    >>> out = minimum_detectable_effect_two_group(64, 64, sd=1.0)
    >>> round(float(out["mde"].iloc[0]), 3)  # Cohen's d = 0.5 needs 64 per group
    0.499
    """
    where = "minimum_detectable_effect_two_group"
    if (sd is None) == (p0 is None):
        raise PowerInputError(f"{where}: give exactly one of sd (means) or p0 (proportions)")
    if min(n1, n2) < 2:
        raise PowerInputError(f"{where}: need at least 2 per group, got n1={n1}, n2={n2}")
    if not 0 < power < 1:
        raise PowerInputError(f"{where}: power must lie in (0, 1), got {power}")
    _check_common(alpha, alternative, n2 / n1, where)
    design = "two_means" if sd is not None else "two_proportions"
    es = float(_engine(design).solve_power(effect_size=None, nobs1=n1, alpha=alpha,
                                           power=power, ratio=n2 / n1,
                                           alternative=alternative))
    row = {"outcome": outcome, "design": design, "n1": n1, "n2": n2, "alpha": alpha,
           "power": power, "alternative": alternative, "effect_size": es,
           "effect_size_kind": DESIGNS[design][0]}
    if sd is not None:
        if not sd > 0:
            raise PowerInputError(f"{where}: sd must be > 0, got {sd}")
        row.update({"sd": sd, "p0": np.nan, "mde": es * sd, "mde_decrease": -es * sd})
    else:
        if not 0 < p0 < 1:
            raise PowerInputError(f"{where}: p0 must lie in (0, 1), got {p0}")
        phi0 = math.asin(math.sqrt(p0))
        up = math.sin(min(phi0 + es / 2, math.pi / 2)) ** 2
        down = math.sin(max(phi0 - es / 2, 0.0)) ** 2
        row.update({"sd": math.sqrt(p0 * (1 - p0)), "p0": p0, "p1_detectable": up,
                    "mde": up - p0, "mde_decrease": down - p0})
    row["method"] = (f"analytic MDE of the two-group design: {DESIGNS[design][2]}, solved for "
                     "the effect size and converted to the outcome scale")
    row["source"] = "Bloom (1995); Cohen (1988) ch. 2 and 6; statsmodels.stats.power"
    return pd.DataFrame([row])
