"""What the engines count: the count columns of the requested indicators, each from one
condition of :mod:`talentlab.indicators.definitions` (one plan for every engine).

Examples
--------
>>> from talentlab.indicators.engines.plan import Plan
>>> plan = Plan(["employment_rate", "turnover_6_months"], {})
>>> sorted(plan.proportions), plan.destination
(['turnover_6_months'], ['employment_rate'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from talentlab.data.schema import DESTINATIONS
from talentlab.indicators import definitions as defs
from talentlab.indicators.core import IndicatorInputError

#: The indicators the engines compute, in compute_all's order.
ENGINE_INDICATORS = ("counterpart_employment_rate", "employment_rate", "destination_rate",
                     "local_employment_rate", "cluster_employment_rate", "turnover_6_months",
                     "job_satisfaction_rate", "industry_certificate_rate", "retraining_hours")


class Plan:
    """The count columns of the requested indicators, each from one condition."""

    def __init__(self, names: Sequence[str], options: Mapping[str, Mapping]):
        self.proportions: dict[str, defs.Proportion] = {}
        self.destination: list[str] = []
        self.mean: defs.ClusteredMean | None = None
        self.options = {k: dict(v) for k, v in options.items()}
        for name in names:
            opts = self.options.get(name, {})
            if name == "counterpart_employment_rate":
                den = opts.get("denominator", "full_time")
                if den not in defs.COUNTERPART_TEXT:
                    raise IndicatorInputError(f"{name}: denominator must be 'full_time' or "
                                              f"'all_employed', got {den!r}")
                self.proportions[name] = defs.counterpart(den)
            elif name == "local_employment_rate":
                regions = opts.get("regions", ("local",))
                regions = [regions] if isinstance(regions, str) else list(regions)
                if not regions or any(r not in defs.WORK_REGIONS for r in regions):
                    raise IndicatorInputError(f"{name}: regions must be a non-empty subset of "
                                              f"{list(defs.WORK_REGIONS)}, got {regions}")
                self.proportions[name] = defs.local_employment(tuple(regions))
            elif name in defs.PROPORTIONS:
                self.proportions[name] = defs.PROPORTIONS[name]
            elif name in defs.DESTINATION_INDICATORS:
                self.destination.append(name)
            elif name == "retraining_hours":
                self.mean = defs.retraining(opts.get("cluster", "employer_id"))
            else:
                raise IndicatorInputError(f"engines: indicator {name!r} is not count-based; "
                                          f"the engines compute {list(ENGINE_INDICATORS)}")
        self.checks: dict = {}
        #: columns the source stores as integers (no whole-number check needed)
        self.integer_columns: set[str] = set()
        #: the source is a count table: every count adds up the ``count`` column
        self.weighted = False
        #: the shift of the hours' squared deviations in a count table (:func:`count_scan`)
        self.hours_shift = 0.0
        #: output count column -> column of the SQL result holding it (set by ``counts_sql``)
        self.aliases: dict[str, str] = {}

    def use_columns(self, present: Sequence[str]) -> None:
        """Check the contract rules on the columns the source has; a ``count`` column makes
        it a count table."""
        self.checks = {rule: fn for rule, fn in defs.CHECKS.items()
                       if defs.CHECK_COLUMNS[rule] in present}
        self.weighted = defs.COUNT_COLUMN in present

    @property
    def weight(self) -> str | None:
        """The count column the SQL sums (``None``: rows are counted)."""
        return defs.COUNT_COLUMN if self.weighted else None

    def conditions(self) -> dict[str, defs.Cond]:
        """Output count column -> condition (``count_if``)."""
        out: dict[str, defs.Cond] = {}
        for d in DESTINATIONS:
            out[f"dest__{d}"] = defs.Dest((d,))
        for name, p in self.proportions.items():
            out[f"{name}__num"] = p.numerator
            out[f"{name}__den"] = p.denominator
            out[f"{name}__base"] = p.base  # __unknown = __base - __den (derived)
        if self.mean is not None:
            m = self.mean
            out["hours__in_base"] = m.base
            out["hours__n"] = defs.And((m.base, defs.Known(m.column)))
        return out

    def needed_columns(self, by: list[str]) -> list[str]:
        cols = set(by) | {"destination"}
        for c in self.conditions().values():
            cols |= c.columns()
        if self.mean is not None:
            cols.add(self.mean.column)
            if self.mean.cluster:
                cols.add(self.mean.cluster)
        cols |= {defs.CHECK_COLUMNS[r] for r in self.checks}
        if self.weighted:
            cols.add(defs.COUNT_COLUMN)
        return sorted(cols)


def derive_unknown(plan: Plan, out: pd.DataFrame) -> None:
    """Add ``<name>__unknown`` (base minus denominator) to ``out`` for each proportion of
    ``plan``: the records of the base without a known answer."""
    for name in plan.proportions:
        out[f"{name}__unknown"] = out[f"{name}__base"] - out[f"{name}__den"]


def require_plan_columns(plan: Plan, by: list[str], present: list[str], where: str) -> None:
    """Fit ``plan`` to the columns ``present`` in the source (:meth:`Plan.use_columns`) and
    raise :class:`~talentlab.indicators.core.IndicatorInputError`, naming ``where``, when a
    column the counts need is absent."""
    plan.use_columns(present)
    missing = [c for c in plan.needed_columns(by) if c not in present
               and c not in {defs.CHECK_COLUMNS[r] for r in defs.CHECKS}]
    if missing:
        raise IndicatorInputError(f"{where}: the graduates table lacks column(s) {missing}")
