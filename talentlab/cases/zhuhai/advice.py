"""The design advisor for a Zhuhai result: the power of the verdict rule on the result's design,
with the noise of its data (:func:`design_advice`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab import evaluation as ev
from talentlab.cases.zhuhai.result import ZhuhaiEvaluation
from talentlab.cases.zhuhai.samples import graduates_present, outcome_frame, with_treated_majors
from talentlab.cases.zhuhai.settings import ZhuhaiSettings
from talentlab.cases.zhuhai.staggered import staggered_design, with_units
from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation import sensitivity as sens

#: Outcomes the design advisor can plan for: 0/1 outcomes (its simulation draws binomial counts).
ADVISED_OUTCOMES = ("job_related_to_major", "local_work", "employer_in_cluster")


@dataclass
class DesignAdvice:
    """:func:`design_advice`'s result.

    ``design`` is the planned :class:`talentlab.evaluation.design.Design` of the result, with
    the noise ``calibration`` found on ``outcome`` (:func:`talentlab.evaluation.design.
    calibrate`); ``power`` the simulated power of the full verdict rule for ``effect``
    (:class:`talentlab.evaluation.design.DesignPower`, its ``mc_se`` the Monte Carlo standard
    error sqrt(p (1 - p) / n)); ``supportable`` the smallest effect the rule supports with power
    >= ``target`` (NaN when even ``max_effect`` does not), known to within ``resolution`` from the
    bisection, and ``supportable_power`` the power estimate at it (None when NaN, or when
    ``supportable`` was not asked for)."""

    outcome: str
    design: object
    calibration: dict
    power: object
    target: float
    supportable: float
    resolution: float
    supportable_power: object = None

    def summary(self) -> str:
        """Two lines: the calibrated noise and the power; the supportable effect."""
        c = self.calibration
        lines = [f"{self.outcome}, noise calibrated on the data (not yet reformed cells): base "
                 f"rate {c['base_rate']:.3f}, unit SD {c['unit_sd']:.3f}, cell SD "
                 f"{c['cell_sd']:.3f}, {c['n_per_cell']} graduates per cell; "
                 + self.power.summary()]
        if np.isnan(self.supportable):
            lines.append(f"no effect up to the largest tried is supported with power >= "
                         f"{self.target:.0%}")
        elif self.supportable_power is not None:
            sp = self.supportable_power
            lines.append(f"smallest effect supported with power >= {self.target:.0%}: "
                         f"{self.supportable:.3f} (bisection to +/- {self.resolution:.3f}; power "
                         f"there {sp.power:.1%}, MC SE {sp.mc_se:.1%}, {sp.n_simulations} "
                         "simulations)")
        return "\n".join(lines)


def advised_frame(result: ZhuhaiEvaluation, data, outcome: str, reform_cohort: int | None
                  ) -> tuple[pd.DataFrame, str, pd.DataFrame | None]:
    """The outcome's analysis sample with the unit column and ``first_treated`` (reform year,
    0 never) as the result's path analysed it, the unit column's name, and the staggered path's
    reform years (None on the one-date path). ``reform_cohort`` is the one :func:`evaluate` was
    given (the staggered path's fallback date); data whose reform years are not the result's
    are an :class:`talentlab.evaluation.EvaluationInputError`."""
    d = result.design
    if d.get("design") == "staggered":
        graduates = graduates_present(data.graduates)
        years = staggered_design(data, graduates, reform_cohort)
        found = ({} if years is None else
                 {int(y): int(n) for y, n in
                  years["reform_year"].dropna().astype(int).value_counts().items()})
        if found != d["reform_years"]:
            raise ev.EvaluationInputError(
                f"design_advice: the data's reform years {found} are not the result's "
                f"{d['reform_years']} (pass the data and settings evaluate was given) / "
                "数据的改革年份与结果不一致")
        return with_units(outcome_frame(data, outcome, graduates), years), "unit", years
    graduates = graduates_present(with_treated_majors(data.graduates, d["treated_majors"]))
    frame = outcome_frame(data, outcome, graduates)
    frame["first_treated"] = np.where(frame["treated_major"], int(d["reform_cohort"]), 0)
    return frame, "major", None


def design_advice(result: ZhuhaiEvaluation, data, outcome: str = "job_related_to_major", *,
                  effect: float = 0.10, n_simulations: int = 20, supportable: bool = True,
                  target: float = 0.8, max_effect: float = 0.4, steps: int = 3,
                  settings: ZhuhaiSettings | None = None) -> DesignAdvice:
    """The design advisor for the design of a Zhuhai result, with the noise of its data.

    The planned :class:`talentlab.evaluation.design.Design` is the result's: one date, its
    majors, reformed majors, cohorts and reform cohort; staggered (several colleges or reform
    years), its colleges, college x major units per college, reformed units per college and
    reform years (the advisor spreads the reformed units evenly over the colleges and the
    years, earliest first; an unbalanced design is planned as its balanced average). The
    noise (``base_rate``, ``unit_sd``, ``cell_sd``, ``n_per_cell``) is estimated on ``outcome``'s
    analysis sample by :func:`talentlab.evaluation.design.calibrate` (its cells not yet
    reformed), not taken from the advisor's defaults. The rule is the result's: its ``alpha``,
    ``mbar`` and family size (Holm's first step over the impact claims it judged).

    Returns the simulated power of the full verdict rule for ``effect`` and, with
    ``supportable``, the smallest effect it supports with power >= ``target``
    (:func:`talentlab.evaluation.design.supportable_effect`: bisection over (0, ``max_effect``]
    in ``steps`` halvings, an effect counting when its power less one Monte Carlo SE reaches
    the target). Each power estimate has Monte Carlo SE sqrt(p (1 - p) / ``n_simulations``), at
    most 0.5 / sqrt(n): 0.11 with the default 20 simulations, enough to tell 0 from 80 %, not
    70 % from 80 %. Cost: (1 + ``steps``) x ``n_simulations`` simulated data sets with
    ``supportable`` (about 0.1-0.6 s each), ``n_simulations`` without.

    Parameters
    ----------
    result : ZhuhaiEvaluation
        :func:`evaluate`'s result (the one-date DiD or the staggered design).
    data : TalentData
        The data ``result`` was computed from.
    outcome : str
        The claim's outcome, one of :data:`ADVISED_OUTCOMES` (0/1 outcomes).
    effect : float
        The planted effect (proportion points); its sign is the claimed direction.
    n_simulations : int
        Simulated data sets per power estimate (<= design.MAX_SIMULATIONS).
    supportable : bool
        Also search the effect supported at ``target`` power.
    settings : ZhuhaiSettings, optional
        As given to :func:`evaluate` (default: the paper's): its ``reform_cohort`` is the
        staggered path's fallback date for data without reform years, its ``seed`` seeds the
        simulations.

    Returns
    -------
    DesignAdvice

    Examples
    --------
    >>> import talentlab
    >>> from talentlab.cases import zhuhai
    >>> from talentlab.claims import load_claims
    >>> data = talentlab.load_all()
    >>> settings = zhuhai.ZhuhaiSettings(outcomes=["job_related_to_major"], n_bootstrap=99)
    >>> result = zhuhai.evaluate(data, load_claims(), settings)
    >>> advice = zhuhai.design_advice(result, data, n_simulations=2, supportable=False,
    ...                               settings=settings)
    >>> advice.design.majors, advice.power.n_simulations
    (8, 2)
    """
    from dataclasses import replace

    from talentlab.evaluation.design import (
        Design,
        calibrate,
        supportable_effect,
        verdict_power,
    )

    d = result.design
    kind = d.get("design", "did")
    if kind not in ("did", "staggered") or (kind == "did" and "treated_majors" not in d):
        raise ev.EvaluationInputError(
            f"design_advice: the advisor plans difference-in-differences designs, not "
            f"{kind!r} ({d.get('reason', '')}) / 顾问只规划双重差分设计")
    if outcome not in ADVISED_OUTCOMES:
        raise ev.EvaluationInputError(
            f"design_advice: outcome {outcome!r} is not a 0/1 outcome the advisor simulates; "
            f"one of {list(ADVISED_OUTCOMES)} / 结果变量须为 0/1 变量")
    settings = ZhuhaiSettings() if settings is None else settings
    seed = settings.seed
    frame, unit, years = advised_frame(result, data, outcome, settings.reform_cohort)
    found = calibrate(frame, outcome, unit=unit, cohort="cohort",
                      first_treated="first_treated",
                      count=COUNT_COLUMN if COUNT_COLUMN in frame else None)
    cohorts = tuple(int(c) for c in d["cohorts"])
    if years is None:
        majors = len(d["treated_majors"]) + len(d["comparison_majors"])
        planned = Design(majors=majors, treated=len(d["treated_majors"]), cohorts=cohorts,
                         reform=int(d["reform_cohort"]))
    else:
        colleges = int(years["college"].nunique())
        reformed = int(years["reform_year"].notna().sum())
        majors = max(2, round(len(years) / colleges))
        adoption = sorted(int(y) for y in d["reform_years"])
        planned = Design(colleges=colleges, majors=majors,
                         treated=min(majors - 1, max(1, round(reformed / colleges))),
                         cohorts=cohorts, reform=adoption[0], reform_years=tuple(adoption))
    planned = replace(planned, **found)
    fam = pd.to_numeric(result.verdicts.get("family_size", pd.Series(dtype=float)),
                        errors="coerce").max()
    rule = {"family_size": int(fam) if np.isfinite(fam) and fam >= 1 else 1,
            "alpha": float(d.get("alpha", 0.05)),
            "mbar": float(d.get("mbar", sens.DEFAULT_MBAR))}
    power = verdict_power(planned, effect, n_simulations=n_simulations, seed=seed, **rule)
    smallest, at = float("nan"), None
    if supportable:
        smallest, runs = supportable_effect(planned, target=target, n_simulations=n_simulations,
                                            max_effect=max_effect, steps=steps, seed=seed,
                                            **rule)
        at = next((r for r in runs if r.effect == smallest), None)
    return DesignAdvice(outcome=outcome, design=planned, calibration=found, power=power,
                        target=target, supportable=smallest,
                        resolution=max_effect / 2 ** int(steps), supportable_power=at)
