"""The settings of one Zhuhai evaluation, in one frozen object.

:class:`ZhuhaiSettings` holds every choice :func:`talentlab.cases.zhuhai.evaluate` makes apart
from the data and the claims: the reform cohort, the reformed majors and outcomes, the interval
level, the inference and its draws and seed, the disclosure threshold, the programme length,
the multiplicity adjustment and the relative-magnitudes bound. The one object is handed from the
caller to the one-date, staggered and interrupted-time-series paths and to
:func:`talentlab.cases.zhuhai.design_advice`, instead of a dozen loose arguments threaded through
each call. Its defaults are the paper's (:mod:`talentlab.cases.settings`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from talentlab import evaluation as ev
from talentlab.cases.settings import PAPER_ANALYSIS_SEED, PAPER_REFORM_COHORT
from talentlab.claims import ADJUSTMENTS
from talentlab.data.disclosure import check_min_cell
from talentlab.evaluation.sensitivity import DEFAULT_MBAR


def _names(value: Sequence[str] | None, field_name: str) -> tuple[str, ...] | None:
    """``value`` as a tuple of names (None stays None); one bare string is refused, since it
    would be read as a sequence of letters."""
    if value is None:
        return None
    if isinstance(value, str):
        raise ev.EvaluationInputError(
            f"ZhuhaiSettings: {field_name} must be a list of names, not the string {value!r} "
            f"(write [{value!r}]) / {field_name} 须为名称列表")
    return tuple(str(v) for v in value)


@dataclass(frozen=True)
class ZhuhaiSettings:
    """What a Zhuhai evaluation is run with (the data and the claims aside).

    Every field is checked when the object is made, so a bad value stops the call before any
    analysis runs; lists are kept as tuples (the object is frozen and hashable).

    Parameters
    ----------
    reform_cohort : int
        First graduation cohort taught under the reform (default: the paper's,
        :data:`talentlab.cases.settings.PAPER_REFORM_COHORT`). On the staggered path it is the
        fallback date of data without ``programmes.reform_year``.
    treated_majors : sequence of str, optional
        Reformed majors (default: those flagged ``treated_major`` in the data). Naming them
        keeps the one-date design.
    outcomes : sequence of str, optional
        Outcomes to analyse (default: every outcome a Zhuhai claim names).
    alpha : float
        Intervals at level 1 - alpha, tests at size alpha (default 0.05).
    n_bootstrap : int
        Wild cluster bootstrap draws (default 9999).
    seed : int
        Seed of every resampling (default :data:`talentlab.cases.settings.PAPER_ANALYSIS_SEED`).
    min_cell : int, optional
        Disclosure threshold of the indicator trends and the interrupted time series (default:
        :data:`talentlab.data.disclosure.MIN_CELL`; never below its floor).
    programme_length : int
        Years of study; programme-year outcomes count as reformed from academic year
        ``reform_cohort - programme_length`` (when the first reformed cohort enrolled).
    adjustment : {"holm", "bh", "none"}
        Multiplicity adjustment across the impact claims (:func:`talentlab.claims.judge`).
    mbar : float
        The stated relative-magnitudes bound of the verdict rule.
    inference : {"cr3", "wild_bootstrap", "cluster"}
        Inference of the primary estimates the verdicts read (default ``"cr3"``: the
        leave-one-cluster-out jackknife with a t(G-1) reference; see
        :func:`talentlab.cases.zhuhai.evaluate`).

    Raises
    ------
    talentlab.evaluation.EvaluationInputError
        A value outside its range (``alpha`` not in (0, 1), an unknown ``inference`` or
        ``adjustment``, a negative ``n_bootstrap``, a string where a list of names belongs).
    ValueError
        ``min_cell`` below the disclosure floor (:func:`talentlab.data.disclosure.check_min_cell`).

    Examples
    --------
    >>> from talentlab.cases.zhuhai import ZhuhaiSettings
    >>> settings = ZhuhaiSettings(outcomes=["local_work"], n_bootstrap=99)
    >>> settings.reform_cohort, settings.outcomes, settings.seed
    (2022, ('local_work',), 20240601)
    >>> try:
    ...     ZhuhaiSettings(inference="bogus")
    ... except ValueError as exc:
    ...     print(str(exc)[:47])
    ZhuhaiSettings: inference must be one of ('wild
    """

    reform_cohort: int = PAPER_REFORM_COHORT
    treated_majors: tuple[str, ...] | None = None
    outcomes: tuple[str, ...] | None = None
    alpha: float = 0.05
    n_bootstrap: int = 9999
    seed: int = PAPER_ANALYSIS_SEED
    min_cell: int | None = None
    programme_length: int = 3
    adjustment: str = "holm"
    mbar: float = DEFAULT_MBAR
    inference: str = "cr3"

    def __post_init__(self) -> None:
        check_min_cell(self.min_cell)   # None: talentlab.data.disclosure.MIN_CELL
        if self.inference not in ev.INFERENCE_METHODS:
            raise ev.EvaluationInputError(f"ZhuhaiSettings: inference must be one of "
                                          f"{ev.INFERENCE_METHODS}, got {self.inference!r}")
        if self.adjustment not in ADJUSTMENTS:
            raise ev.EvaluationInputError(f"ZhuhaiSettings: adjustment must be one of "
                                          f"{list(ADJUSTMENTS)}, got {self.adjustment!r}")
        if not 0 < self.alpha < 1:
            raise ev.EvaluationInputError(
                f"ZhuhaiSettings: alpha must lie in (0, 1) (intervals at level 1 - alpha), "
                f"got {self.alpha!r} / alpha 须在 0 与 1 之间")
        if int(self.n_bootstrap) != self.n_bootstrap or self.n_bootstrap < 0:
            raise ev.EvaluationInputError(f"ZhuhaiSettings: n_bootstrap must be a whole number "
                                          f">= 0, got {self.n_bootstrap!r}")
        object.__setattr__(self, "treated_majors", _names(self.treated_majors, "treated_majors"))
        object.__setattr__(self, "outcomes", _names(self.outcomes, "outcomes"))

    @property
    def checked_min_cell(self) -> int:
        """The disclosure threshold as an int (:data:`talentlab.data.disclosure.MIN_CELL` when
        ``min_cell`` is None)."""
        return check_min_cell(self.min_cell)
