"""The settings of one six-case comparison, in one frozen object.

:class:`SixCaseSettings` holds what :func:`talentlab.cases.six_case.evaluate` is run with apart
from the codings, the claims and the other tables it reads: the outcome, the conditions, the
truth table's inclusion cut-off, whether the reference models join, the seed, the agreement
bootstrap's draws and whether the solution robustness runs. The one object is handed to the
analysis and to the sensitivity runs (:func:`talentlab.cases.six_case.sensitivity_runs`)
instead of loose arguments threaded through each call. Its seed defaults to the paper's
(:data:`talentlab.cases.settings.PAPER_ANALYSIS_SEED`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from talentlab.cases.settings import PAPER_ANALYSIS_SEED
from talentlab.cases.six_case.rules import DEFAULT_INCL_CUT, SixCaseError


@dataclass(frozen=True)
class SixCaseSettings:
    """What a six-case comparison is run with (the codings, claims and tables aside).

    Every field is checked when the object is made; a list of conditions is kept as a tuple
    (the object is frozen and hashable).

    Parameters
    ----------
    outcome : str
        The outcome row of the case table (``talent_adaptability``, ``resource_integration``,
        ``industrial_service``).
    conditions : sequence of str or comma-separated str, optional
        Dimensions and/or raw conditions (default: the four dimensions, aggregated;
        :data:`talentlab.cases.six_case.AGGREGATION_RULE`).
    incl_cut : float
        Sufficiency inclusion cut-off of the truth table (R ``incl.cut``), in (0, 1].
    include_reference_models : bool
        Add the three reference configurations (sensitivity analysis only; the comparison then
        needs ``reference_configurations``).
    seed : int
        Seed of every random step: the agreement bootstrap and the random-data diagnostics.
    n_boot : int
        Bootstrap draws of the agreement intervals (0: none).
    solution_robustness : bool
        Re-run the parsimonious solution over recodings (the slowest step).

    Raises
    ------
    talentlab.cases.six_case.SixCaseError
        A value outside its range.

    Examples
    --------
    >>> from talentlab.cases.six_case import SixCaseSettings
    >>> settings = SixCaseSettings(conditions=["mechanism", "platform"], n_boot=0)
    >>> settings.outcome, settings.conditions, settings.incl_cut, settings.seed
    ('talent_adaptability', ('mechanism', 'platform'), 0.8, 20240601)
    >>> try:
    ...     SixCaseSettings(incl_cut=80)
    ... except ValueError as exc:
    ...     print(exc)
    SixCaseSettings: incl_cut must lie in (0, 1], got 80
    """

    outcome: str = "talent_adaptability"
    conditions: tuple[str, ...] | str | None = None
    incl_cut: float = DEFAULT_INCL_CUT
    include_reference_models: bool = False
    seed: int = PAPER_ANALYSIS_SEED
    n_boot: int = 2000
    solution_robustness: bool = True

    def __post_init__(self) -> None:
        if not isinstance(self.outcome, str) or not self.outcome:
            raise SixCaseError(f"SixCaseSettings: outcome must be the name of an outcome row, "
                               f"got {self.outcome!r}")
        if not 0 < self.incl_cut <= 1:
            raise SixCaseError(f"SixCaseSettings: incl_cut must lie in (0, 1], got "
                               f"{self.incl_cut!r}")
        if int(self.n_boot) != self.n_boot or self.n_boot < 0:
            raise SixCaseError(f"SixCaseSettings: n_boot must be a whole number >= 0, got "
                               f"{self.n_boot!r}")
        if int(self.seed) != self.seed:
            raise SixCaseError(f"SixCaseSettings: seed must be a whole number, got {self.seed!r}")
        if isinstance(self.conditions, Sequence) and not isinstance(self.conditions, str):
            object.__setattr__(self, "conditions", tuple(str(c) for c in self.conditions))

    @property
    def conditions_given(self) -> list[str] | str | None:
        """``conditions`` as the analysis takes them and the results record them: a list of
        names, the comma-separated text, or None."""
        return list(self.conditions) if isinstance(self.conditions, tuple) else self.conditions
