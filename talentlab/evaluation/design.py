"""Design advisor: the simulated power of the full verdict rule for a planned design.

A claim is *supported* only when (1) the family-adjusted p-value is below alpha, (2) the
estimate lies on the claimed side and (3) the relative-magnitudes robust interval at Mbar
excludes 0 on that side (:mod:`talentlab.claims`). Power calculations for the DiD test alone
(:mod:`talentlab.evaluation.mde`) ignore (3) and the floor of design-based inference, which is
why on the shipped eight-major design the rule's power is 0 at Mbar = 1 although the test alone
has power (benchmarks/sim_study_verdicts.py). :func:`verdict_power` simulates data of the
planned design with a planted effect and applies the rule as :func:`talentlab.cases.zhuhai.
evaluate` does:

* one college, one reform year: the DiD with CR3 and t(G-1), exact randomization inference
  over the assignments of the reform to the majors, the verdict p-value the larger of the two;
* several colleges (units college x major): CR3 with t(G-1) over the units (the zhuhai
  staggered path's jackknife; with one reform year Callaway-Sant'Anna's simple aggregation is
  this DiD's estimate), no randomization inference;
* Holm's adjustment over ``family_size`` claims taken at its first step (the claim's p-value
  times the family size: the adjusted p-value of the family's smallest p-value);
* the relative-magnitudes robust interval at ``mbar`` on the event study (post cohorts
  weighted by the reformed units' graduates, the estimand of the test), by the
  least-favourable test (LF). LF is the cheap one (about 0.05 s against seconds for the
  conditional hybrid C-LF with four post cohorts) and gives the wider interval, so the power
  it reports is a lower bound for the C-LF rule of the one-date Zhuhai path.

The data-generating process is a linear probability model for a binary outcome (for example
counterpart employment): the share is ``base_rate`` + a unit effect (SD ``unit_sd``) + a unit x
cohort shock (SD ``cell_sd``, the deviation from parallel trends that no model absorbs) +
``effect`` for reformed units from the reform year; ``n_per_cell`` graduates per unit and
cohort are drawn binomially and analysed as a count table. Parallel trends hold in expectation,
so the power is that of a design whose only threat is noise. Reforms in several years are not
simulated (the staggered estimator's jackknife is too slow for hundreds of simulated data
sets): a design with several reform years is refused with that reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.evaluation._common import EvaluationInputError
from talentlab.evaluation.did import did
from talentlab.evaluation.event_study import event_study
from talentlab.evaluation.randomization import randomization_inference
from talentlab.evaluation.sensitivity import DEFAULT_MBAR, relative_magnitudes_interval

__all__ = ["Design", "DesignPower", "simulate_design", "verdict_on", "verdict_power",
           "supportable_effect", "MAX_SIMULATIONS", "MAX_CELLS"]

#: Simulations per power estimate at most (each costs about 0.1-0.6 s).
MAX_SIMULATIONS = 2_000
#: Units x cohorts at most (the count table has two rows per cell).
MAX_CELLS = 5_000
#: Randomization inference enumerates at most this many assignments; beyond, Monte Carlo.
RI_ENUMERATION_LIMIT = 5_000
#: Monte Carlo draws of randomization inference beyond the enumeration limit.
RI_DRAWS = 199


@dataclass(frozen=True)
class Design:
    """A planned design: ``colleges`` x ``majors`` units, ``treated`` reformed majors per
    college, graduation ``cohorts``, the first reformed cohort ``reform``, ``n_per_cell``
    graduates per unit and cohort, the outcome's ``base_rate``, and the noise (``unit_sd``,
    ``cell_sd``, in proportion points)."""

    colleges: int = 1
    majors: int = 8
    treated: int = 3
    cohorts: tuple[int, ...] = tuple(range(2017, 2026))
    reform: int = 2022
    n_per_cell: int = 60
    base_rate: float = 0.6
    unit_sd: float = 0.05
    cell_sd: float = 0.03

    def check(self) -> None:
        """Refuse a design the advisor cannot simulate, saying why."""
        where = "design"
        if not 1 <= self.colleges or not 2 <= self.majors:
            raise EvaluationInputError(f"{where}: need at least 1 college and 2 majors, got "
                                       f"{self.colleges} and {self.majors}")
        if not 1 <= self.treated < self.majors:
            raise EvaluationInputError(f"{where}: treated majors must lie in [1, majors - 1] "
                                       f"= [1, {self.majors - 1}], got {self.treated}")
        cohorts = sorted(self.cohorts)
        if len(set(cohorts)) != len(cohorts) or cohorts != list(range(cohorts[0],
                                                                      cohorts[-1] + 1)):
            raise EvaluationInputError(f"{where}: cohorts must be consecutive years, got "
                                       f"{list(self.cohorts)}")
        pre = [c for c in cohorts if c < self.reform]
        post = [c for c in cohorts if c >= self.reform]
        if len(pre) < 3 or not post:
            raise EvaluationInputError(
                f"{where}: the reform year {self.reform} needs at least 3 cohorts before it "
                f"(one reference and two for the pre-trend changes) and 1 from it; cohorts "
                f"{cohorts[0]}-{cohorts[-1]}")
        if not 1 <= self.n_per_cell <= 100_000:
            raise EvaluationInputError(f"{where}: n_per_cell must lie in [1, 100000], got "
                                       f"{self.n_per_cell}")
        if not 0 < self.base_rate < 1:
            raise EvaluationInputError(f"{where}: base_rate must lie in (0, 1), got "
                                       f"{self.base_rate}")
        if self.unit_sd < 0 or self.cell_sd < 0:
            raise EvaluationInputError(f"{where}: unit_sd and cell_sd must be >= 0")
        if self.colleges * self.majors * len(cohorts) > MAX_CELLS:
            raise EvaluationInputError(
                f"{where}: {self.colleges * self.majors * len(cohorts)} unit x cohort cells; "
                f"at most {MAX_CELLS}")


@dataclass
class DesignPower:
    """:func:`verdict_power`'s result: ``power`` (share of simulations the rule supported),
    ``power_test`` (share significant after adjustment, the DiD test alone), its Monte Carlo
    standard error, ``n_simulations``, the ``design``, ``effect`` and the rule's settings, and
    ``outcomes`` (one row per simulation)."""

    power: float
    power_test: float
    mc_se: float
    n_simulations: int
    effect: float
    design: Design
    family_size: int
    mbar: float
    alpha: float
    outcomes: pd.DataFrame = field(default_factory=pd.DataFrame)

    def summary(self) -> str:
        """One line: the rule's power and the test's beside it."""
        return (f"effect {self.effect:g}: the verdict rule supports it in {self.power:.1%} of "
                f"{self.n_simulations} simulated data sets (MC SE {self.mc_se:.1%}); the "
                f"adjusted DiD test alone rejects in {self.power_test:.1%}")


def simulate_design(design: Design, effect: float, seed: int) -> pd.DataFrame:
    """One simulated count table of ``design`` with ``effect`` planted (proportion points).

    Returns columns ``major`` (the unit: ``"c1|m3"``), ``cohort``, ``treated_major``, ``y``
    (0/1) and ``count`` (graduates), two rows per unit and cohort.

    Examples
    --------
    >>> t = simulate_design(Design(), 0.1, seed=1)
    >>> int(t["count"].sum()), t["major"].nunique()
    (4320, 8)
    """
    design.check()
    rng = np.random.default_rng(seed)
    cohorts = np.array(sorted(design.cohorts))
    units, treated = [], []
    for c in range(design.colleges):
        for m in range(design.majors):
            units.append(f"c{c + 1}|m{m + 1}")
            treated.append(m < design.treated)
    n_units, n_cohorts = len(units), len(cohorts)
    unit_effect = rng.normal(0, design.unit_sd, n_units)
    shock = rng.normal(0, design.cell_sd, (n_units, n_cohorts))
    exposed = np.array(treated)[:, None] & (cohorts[None, :] >= design.reform)
    share = np.clip(design.base_rate + unit_effect[:, None] + shock + effect * exposed,
                    0.0, 1.0)
    ones = rng.binomial(design.n_per_cell, share)
    unit_idx, cohort_idx = np.meshgrid(np.arange(n_units), np.arange(n_cohorts),
                                       indexing="ij")
    base = pd.DataFrame({"major": np.array(units)[unit_idx.ravel()],
                         "cohort": cohorts[cohort_idx.ravel()],
                         "treated_major": np.array(treated)[unit_idx.ravel()]})
    rows = pd.concat([base.assign(y=1.0, count=ones.ravel()),
                      base.assign(y=0.0, count=design.n_per_cell - ones.ravel())],
                     ignore_index=True)
    return rows[rows["count"] > 0].reset_index(drop=True)


def _post_weights(table: pd.DataFrame, post_cohorts: Sequence[int]) -> np.ndarray:
    """Reformed units' graduates per post cohort, as shares (the test's estimand)."""
    treated = table[table["treated_major"]]
    by = treated.groupby("cohort")["count"].sum()
    w = np.array([float(by.get(c, 0)) for c in post_cohorts])
    return w / w.sum()


def verdict_on(table: pd.DataFrame, design: Design, *, claimed_sign: int = 1,
               family_size: int = 1, alpha: float = 0.05, mbar: float = DEFAULT_MBAR,
               seed: int = 0) -> dict:
    """The verdict rule on one data set of ``design`` (see the module docstring).

    Returns ``p_model`` (CR3), ``p_randomization`` (NaN when not computed: several colleges, or
    the test already fails), ``p_adjusted``, ``significant``, ``rm_ci_low``, ``rm_ci_high``
    (NaN when the test fails: the interval cannot change the verdict) and ``supported``.
    """
    est = did(table, "y", reform_cohort=design.reform, inference="cr3").iloc[0]
    out = {"estimate": float(est["estimate"]), "p_model": float(est["p_value"]),
           "p_randomization": np.nan, "rm_ci_low": np.nan, "rm_ci_high": np.nan}
    p = out["p_model"]
    side_ok = np.sign(out["estimate"]) == claimed_sign

    def adjusted(pv: float) -> float:
        return min(1.0, pv * family_size)

    if design.colleges == 1 and side_ok and adjusted(p) < alpha:
        ri = randomization_inference(table, outcome="y", reform_cohort=design.reform,
                                     limit=RI_ENUMERATION_LIMIT, n_draws=RI_DRAWS,
                                     seed=seed).iloc[0]
        out["p_randomization"] = float(ri["p_value"])
        p = max(p, out["p_randomization"])
    out["p_adjusted"] = adjusted(p)
    out["significant"] = bool(side_ok and out["p_adjusted"] < alpha)
    out["supported"] = False
    if out["significant"]:
        study = event_study(table, "y", reform_cohort=design.reform, alpha=alpha)
        ordered = study.sort_values("cohort")
        coef = ordered[ordered["period"].isin(["pre", "post"]) & ordered["estimate"].notna()]
        num_pre = int((coef["period"] == "pre").sum())
        post_cohorts = coef.loc[coef["period"] == "post", "cohort"].astype(int).tolist()
        lo, hi = relative_magnitudes_interval(
            coef["estimate"].to_numpy(float), study.attrs["vcov"], num_pre, len(post_cohorts),
            mbar, _post_weights(table, post_cohorts), method="LF", alpha=alpha, seed=seed)
        out["rm_ci_low"], out["rm_ci_high"] = lo, hi
        out["supported"] = bool(lo > 0 if claimed_sign > 0 else hi < 0)
    return out


def verdict_power(design: Design, effect: float, *, n_simulations: int = 200,
                  family_size: int = 1, alpha: float = 0.05, mbar: float = DEFAULT_MBAR,
                  seed: int = 20240601) -> DesignPower:
    """Simulated power of the full verdict rule (test + randomization floor + sensitivity gate)
    for ``effect`` (proportion points, the claimed direction its sign) in ``design``.

    Parameters
    ----------
    design : Design
    effect : float
        The planted effect; its sign is the claimed direction (0 gives the false-support rate
        of an increase claim).
    n_simulations : int
        Simulated data sets (<= :data:`MAX_SIMULATIONS`); simulation i uses seed ``seed + i``.
    family_size : int
        Impact claims judged together (Holm's first step: p times the family size); the
        Zhuhai study judges 6.
    alpha, mbar
        The rule's level and bound.

    Returns
    -------
    DesignPower

    Examples
    --------
    >>> res = verdict_power(Design(), 0.10, n_simulations=4)
    >>> res.power <= res.power_test
    True
    """
    design.check()
    if not 1 <= int(n_simulations) <= MAX_SIMULATIONS:
        raise EvaluationInputError(f"verdict_power: n_simulations must lie in [1, "
                                   f"{MAX_SIMULATIONS}], got {n_simulations}")
    if int(family_size) < 1:
        raise EvaluationInputError(f"verdict_power: family_size must be >= 1, got "
                                   f"{family_size}")
    sign = 1 if effect >= 0 else -1
    rows = []
    for i in range(int(n_simulations)):
        table = simulate_design(design, effect, seed + i)
        rows.append({"simulation": i, **verdict_on(table, design, claimed_sign=sign,
                                                     family_size=int(family_size),
                                                     alpha=alpha, mbar=mbar, seed=seed + i)})
    outcomes = pd.DataFrame(rows)
    power = float(outcomes["supported"].mean())
    return DesignPower(power=power, power_test=float(outcomes["significant"].mean()),
                       mc_se=float(np.sqrt(power * (1 - power) / len(outcomes))),
                       n_simulations=len(outcomes), effect=float(effect), design=design,
                       family_size=int(family_size), mbar=float(mbar), alpha=alpha,
                       outcomes=outcomes)


def supportable_effect(design: Design, *, target: float = 0.8, n_simulations: int = 100,
                       family_size: int = 1, alpha: float = 0.05, mbar: float = DEFAULT_MBAR,
                       max_effect: float = 0.4, steps: int = 6, margin_se: float = 1.0,
                       seed: int = 20240601) -> tuple[float, list[DesignPower]]:
    """The smallest planted effect the rule supports with power >= ``target``.

    An effect counts as reaching the target when its simulated power less ``margin_se`` Monte
    Carlo standard errors does: taking the smallest effect whose noisy estimate crosses the
    target would pick effects below it (with 10 simulations per step such an effect was
    supported in 6 of 12 fresh seeds).

    Bisection over (0, ``max_effect``] in ``steps`` halvings (the effect to within
    ``max_effect / 2**steps``), each step a :func:`verdict_power` with the same seeds (common
    random numbers make power increase smoothly with the effect). Returns (effect, the power
    estimates computed); the effect is NaN when even ``max_effect`` stays below the target.

    Examples
    --------
    >>> eff, runs = supportable_effect(Design(), n_simulations=3, steps=1, max_effect=0.05)
    >>> eff  # the shipped design: even 0.05 is not supported (the rule's power is 0 there)
    nan
    """
    runs = [verdict_power(design, max_effect, n_simulations=n_simulations,
                          family_size=family_size, alpha=alpha, mbar=mbar, seed=seed)]
    def reaches(run: DesignPower) -> bool:
        return run.power - margin_se * run.mc_se >= target

    if not reaches(runs[0]):
        return float("nan"), runs
    lo, hi = 0.0, max_effect
    for _ in range(int(steps)):
        mid = (lo + hi) / 2
        run = verdict_power(design, mid, n_simulations=n_simulations, family_size=family_size,
                            alpha=alpha, mbar=mbar, seed=seed)
        runs.append(run)
        if reaches(run):
            hi = mid
        else:
            lo = mid
    return hi, runs
