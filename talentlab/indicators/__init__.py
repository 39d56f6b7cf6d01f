"""Talent-fit indicators: exact definitions, sourced, each with its uncertainty.

One public function per indicator takes the validated table(s) of the data contract and an
optional ``by=`` list of group columns, and returns a tidy DataFrame with one row per group (and
statistic): the group columns, ``indicator, statistic, label_en, label_zh, numerator,
denominator, estimate, se, ci_low, ci_high, confidence, n, n_excluded, n_unknown, method,
suppressed``. ``n`` is the size of the indicator's base, ``n_excluded`` the records of the group
its definition leaves out, ``n_unknown`` the records with a missing or unknown answer (how they
were treated is stated in ``method``), ``suppressed`` flags ``n < min_cell`` (default
:data:`talentlab.data.disclosure.MIN_CELL`).
Groups follow ``groupby(by, dropna=False)``: a missing key value is a group of its own.

Definitions, sources and labels: :func:`talentlab.data.codebook.codebook`.

Examples
--------
>>> import pandas as pd
>>> from talentlab.indicators import compute_all
>>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
...           "further_study", "preparing_further_study", "unemployed", "unknown"]
>>> g = pd.DataFrame({"destination": pd.Categorical(["employed_full_time", "unemployed"],
...                                                  categories=levels)})
>>> compute_all({"graduates": g})[["indicator", "estimate"]].values.tolist()
[['employment_rate', 0.5], ['destination_rate', 0.5]]
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence

import pandas as pd

from talentlab.data.disclosure import check_min_cell
from talentlab.indicators.adaptation import adaptation_cycle, adaptation_km_table
from talentlab.indicators.compare import compare
from talentlab.indicators.core import (
    RESULT_COLUMNS,
    IndicatorInputError,
    as_list,
    concat_results,
    newcombe_difference,
    wilson_interval,
)
from talentlab.indicators.graduate import (
    GRADUATE_COLUMNS,
    GRADUATE_INDICATORS,
    cluster_employment_rate,
    counterpart_employment_rate,
    destination_rate,
    employment_rate,
    industry_certificate_rate,
    job_satisfaction_rate,
    local_employment_rate,
    retraining_hours,
    turnover_6_months,
)
from talentlab.indicators.graduate_pass import GraduatePass
from talentlab.indicators.programmes import (
    PROGRAMME_INDICATORS,
    co_developed_course_share,
    double_qualified_teacher_ratio,
    order_class_share,
)
from talentlab.indicators.published import from_published_rates
from talentlab.indicators.ratings import enterprise_recognition
from talentlab.indicators.three_party import three_party_evaluation

__all__ = [
    "RESULT_COLUMNS", "IndicatorInputError", "ALL_INDICATORS",
    "wilson_interval", "newcombe_difference",
    "counterpart_employment_rate", "employment_rate", "destination_rate",
    "local_employment_rate", "cluster_employment_rate", "turnover_6_months",
    "job_satisfaction_rate", "industry_certificate_rate", "retraining_hours",
    "adaptation_cycle", "adaptation_km_table", "enterprise_recognition",
    "double_qualified_teacher_ratio", "co_developed_course_share", "order_class_share",
    "three_party_evaluation", "compute_all", "compare", "from_published_rates",
]

#: Every indicator function compute_all can run, by name, with the table it reads.
ALL_INDICATORS = {
    **{k: "graduates" for k in GRADUATE_INDICATORS},
    "enterprise_recognition": "employer_ratings",
    **{k: "programmes" for k in PROGRAMME_INDICATORS},
    "three_party_evaluation": "evaluations",
}


def _table(data, name: str) -> pd.DataFrame | None:
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(data, name, None)


def compute_all(data, by: str | Sequence[str] | None = None, *,
                indicators: Sequence[str] | None = None, alpha: float = 0.05,
                min_cell: int | None = None, options: Mapping[str, Mapping] | None = None,
                engine: str | None = None, spark=None) -> pd.DataFrame:
    """The long table of every indicator the data allow, grouped by ``by``.

    Parameters
    ----------
    data : container, dict of DataFrames, or path
        The ``talentlab.load_all`` container (attributes ``graduates``, ``employer_ratings``,
        ``evaluations``, ``programmes``) or a dict with those keys; missing tables are skipped.
        A path (graduates parquet/CSV file, glob of parquet files, or data folder) gives the
        graduate-level indicators from that file (see ``engine``).
    engine : {None, "pandas", "duckdb", "spark", "auto"}
        Who counts the count-based graduate-level indicators
        (:data:`talentlab.indicators.engines.ENGINE_INDICATORS`). ``None`` (default) and
        ``"pandas"``: the indicator functions on in-memory DataFrames. ``"duckdb"`` /
        ``"spark"``: the same definitions as SQL (:mod:`talentlab.indicators.engines`), with
        intervals computed from the aggregated counts; the other indicators (adaptation cycle
        and the non-graduate tables) still use pandas and need DataFrames. ``"auto"``: DuckDB
        for a path of at least ``engines.AUTO_DUCKDB_BYTES`` or a graduates table of at least
        ``engines.AUTO_DUCKDB_ROWS`` rows, pandas otherwise.
    spark : SparkSession or master URL, optional
        For ``engine="spark"`` (default: a local session).
    by : str or list of str, optional
        Group columns of the graduates table. Employer ratings and evaluations take them from
        ``graduates`` via ``student_id``. Programme indicators use the ``by`` columns the
        programmes table has (college, major, year) and say so in ``method``.
    indicators : list of str, optional
        Function names from :data:`ALL_INDICATORS` (default: all whose tables and columns are
        present; an explicitly requested indicator whose input is missing raises).
    alpha : float
        Every interval is at level 1 - alpha (default 0.05: 95%); the ``confidence``
        column states that level.
    min_cell : int, optional
        Disclosure threshold: ``suppressed`` flags groups with ``n < min_cell`` (default
        :data:`talentlab.data.disclosure.MIN_CELL`; below
        :data:`~talentlab.data.disclosure.MIN_CELL_FLOOR` is refused).
    options : dict, optional
        Keyword options per function, e.g. ``{"adaptation_cycle": {"horizon": 6}}``.

    Returns
    -------
    DataFrame
        The results of the indicator functions stacked (union of their columns).

    Notes
    -----
    The graduate-level indicators share one grouped pass (:class:`GraduatePass`): group keys
    are factorised once and each indicator counts with ``numpy.bincount``.
    """
    min_cell = check_min_cell(min_cell)
    names, explicit = _requested(indicators)
    options = dict(options or {})
    unknown_opts = [n for n in options if n not in ALL_INDICATORS]
    if unknown_opts:
        raise IndicatorInputError(f"compute_all: options for unknown indicator(s) "
                                  f"{unknown_opts}")
    common = {"alpha": alpha, "min_cell": min_cell}
    by = as_list(by)
    if engine is None and not isinstance(data, str | os.PathLike):
        frames = _frames_in_memory(data, by, names, explicit, common, options)
    else:
        frames = _frames_on_engine(data, by, names, explicit, common, options,
                                   engine or "auto", spark)
    out = concat_results(frames)
    lead = [c for c in by if c in out.columns]
    rest = [c for c in out.columns if c not in lead]
    return out[lead + rest].reset_index(drop=True)


def _frames_in_memory(data, by, names, explicit, common, options) -> list[pd.DataFrame]:
    """The indicators ``names`` on in-memory tables, with the indicator functions."""
    graduates = _table(data, "graduates")
    frames = _graduate_frames(graduates, by, names, explicit, common, options)
    if "enterprise_recognition" in names:
        frames += _linked_frames(data, "employer_ratings", enterprise_recognition,
                                 "enterprise_recognition", graduates, by, explicit, common,
                                 options)
    frames += _programme_frames(_table(data, "programmes"), by, names, explicit, common,
                                options)
    if "three_party_evaluation" in names:
        frames += _linked_frames(data, "evaluations", three_party_evaluation,
                                 "three_party_evaluation", graduates, by, explicit, common,
                                 options)
    return frames


def _requested(indicators: Sequence[str] | None) -> tuple[list[str], bool]:
    """(indicator names to run, whether they were asked for explicitly); unknown names raise."""
    explicit = indicators is not None
    names = list(indicators) if explicit else list(ALL_INDICATORS)
    unknown = [n for n in names if n not in ALL_INDICATORS]
    if unknown:
        raise IndicatorInputError(f"compute_all: unknown indicator(s) {unknown}; "
                                  f"known: {list(ALL_INDICATORS)}")
    return names, explicit


def _graduate_frames(graduates, by, names, explicit, common, options) -> list[pd.DataFrame]:
    """The graduate-level indicators, from one shared :class:`GraduatePass`."""
    grad_names = [n for n in names if n in GRADUATE_INDICATORS]
    if not grad_names:
        return []
    if graduates is None:
        if explicit:
            raise IndicatorInputError("compute_all: the graduates table is missing")
        return []
    frames = []
    gp = GraduatePass(graduates, by, "compute_all")
    for name in grad_names:
        missing = [c for c in GRADUATE_COLUMNS[name] if c not in graduates.columns]
        if missing:
            if explicit:
                raise IndicatorInputError(
                    f"compute_all: {name} needs graduates column(s) {missing}")
            continue
        frames.append(GRADUATE_INDICATORS[name](gp, by, **common, **options.get(name, {})))
    return frames


def _linked_frames(data, table_name, function, name, graduates, by, explicit, common,
                   options) -> list[pd.DataFrame]:
    """An indicator of a table linked to graduates by student_id (ratings, evaluations)."""
    table = _table(data, table_name)
    if table is not None:
        return [function(table, by, graduates=graduates, **common, **options.get(name, {}))]
    if explicit:
        raise IndicatorInputError(f"compute_all: the {table_name} table is missing")
    return []


def _programme_frames(programmes, by, names, explicit, common, options) -> list[pd.DataFrame]:
    """The programme indicators, grouped by the ``by`` columns the programmes table has."""
    prog_names = [n for n in names if n in PROGRAMME_INDICATORS]
    if prog_names and programmes is None and explicit:
        raise IndicatorInputError("compute_all: the programmes table is missing")
    if not prog_names or programmes is None:
        return []
    sub = [c for c in by if c in programmes.columns]
    dropped = [c for c in by if c not in programmes.columns]
    frames = []
    for name in prog_names:
        res = PROGRAMME_INDICATORS[name](programmes, sub, **common, **options.get(name, {}))
        if dropped:
            res["method"] = res["method"] + (
                f"; grouped by {sub or 'nothing (overall)'} only: programmes have no "
                f"{dropped} (those columns are NA in this row)")
        frames.append(res)
    return frames


def _frames_on_engine(data, by, names, explicit, common, options, engine,
                      spark) -> list[pd.DataFrame]:
    """The indicators ``names`` with the count-based graduate indicators counted by ``engine``.

    The graduates source is resolved once and the engine chosen once, here; both are handed to
    :func:`talentlab.indicators.engines.indicators_on`. A path whose engine is pandas is read
    once and goes the in-memory way; the other indicators (adaptation cycle, the non-graduate
    tables) use the indicator functions on the in-memory tables, and a path has none.
    """
    from talentlab.indicators import engines

    path_source = isinstance(data, str | os.PathLike)
    source = engines.resolve_source(data) if path_source else _table(data, "graduates")
    eng = "pandas" if source is None else engines.engine_for(source, engine)
    if eng == "pandas":
        if path_source:
            data = {"graduates": engines.read_for_pandas(source, None)}
        return _frames_in_memory(data, by, names, explicit, common, options)
    present = engines.resolved_columns(source)
    counted = []
    for name in names:
        if name not in engines.ENGINE_INDICATORS:
            continue
        missing = [c for c in GRADUATE_COLUMNS[name] if c not in present]
        if missing:
            if explicit:
                raise IndicatorInputError(f"compute_all: {name} needs graduates column(s) "
                                          f"{missing}")
            continue
        counted.append(name)
    frames = []
    if counted:
        frames.append(engines.indicators_on(
            source, eng, by, indicators=counted, spark=spark, **common,
            options={k: v for k, v in options.items() if k in counted}))
    rest = [n for n in names if n not in engines.ENGINE_INDICATORS]
    if rest and path_source:
        if explicit:
            raise IndicatorInputError(f"compute_all: {rest} need in-memory tables (engine "
                                      f"{eng!r} counts only {list(engines.ENGINE_INDICATORS)})")
    elif rest:
        frames += _frames_in_memory(data, by, rest, explicit, common,
                                    {k: v for k, v in options.items() if k in rest})
    return frames
