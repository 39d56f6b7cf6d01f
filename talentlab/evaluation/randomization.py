"""Design-based inference: randomization inference over the feasible treatment assignments.

Pure statistics on DataFrames (no file I/O). Model-based inference (CR1, CR3, the wild cluster
bootstrap) leans on asymptotics in the number of clusters; with 3 treated of 8 majors it can
report p-values that no assignment of the reform to majors could produce. Randomization
inference (Fisher 1935; Rosenbaum 2002, ch. 2; for difference in differences with few
treated units MacKinnon & Webb 2020) asks instead: had the reform been given to another set of
majors of the same size (and, for staggered designs, with the same multiset of adoption
years), how often would the statistic be at least as extreme as the one observed? Under the
sharp null of no effect for any graduate, and an assignment that treats every feasible
assignment alike, the p-value is exact.

Feasible assignments
    The unit-level assignment column (``treated_major`` for a single reform date, a first
    treated year for staggered designs: every distinct value is one group) is permuted over the
    units, keeping the number of units in each group. There are ``n! / prod(n_g!)`` distinct
    assignments: C(8, 3) = 56 for 3 treated of 8 majors. All of them are enumerated when there
    are at most ``limit`` (default :data:`ENUMERATION_LIMIT`); otherwise ``n_draws``
    assignments are drawn uniformly (seeded) and the p-value carries its Monte Carlo standard
    error.

Statistic
    Any callable of the data (with the permuted assignment column) returning a number. The
    default, :func:`did_t_statistic`, is the t statistic of the two-way fixed-effects DiD with
    CR1 standard errors clustered by unit. The studentized statistic is the default because
    the randomization test based on it stays asymptotically valid for the weak null of a zero
    *average* effect when effects are heterogeneous (Wu & Ding 2021; Chung & Romano 2013),
    whereas the raw estimate's test is exact only for the sharp null; both are exact under the
    sharp null. The raw DiD estimate is ``did_t_statistic(outcome, use="estimate")``.

p-value and its floor
    Exact: ``p = #{a : T(a) at least as extreme as T(observed)} / N`` over the N feasible
    assignments (the observed one included), "at least as extreme" meaning ``|T(a)| >=
    |T_obs|`` (two-sided), ``T(a) >= T_obs`` ("greater") or ``T(a) <= T_obs`` ("less"), with
    ties within a relative 1e-9 counted as extreme. A statistic that cannot be computed on an
    assignment (NaN) counts as extreme (conservative). The smallest attainable p-value,
    ``min_attainable_p``, is the share of assignments tied at the most extreme value: with 3 of
    8 majors treated it is 1/56 = 0.0179 one-sided, and two-sided also 1/56 unless another
    assignment ties the observed ``|T|`` (with 4 of 8 the complementary assignment gives exactly
    -T for the TWFE DiD, so the two-sided floor is 2/70 = 1/35). No test at level alpha can
    reject when ``min_attainable_p > alpha`` (e.g. Holm's first threshold 0.05/3 = 0.0167 <
    1/56 with three hypotheses). Monte Carlo: ``p = (1 + #extreme draws) / (1 + B)`` (valid
    for any B; Phipson & Smyth 2010), ``mc_se = sqrt(p (1 - p) / B)``, floor ``1 / (1 + B)``.

References
----------
Chung E, Romano JP (2013). Exact and asymptotically robust permutation tests. Annals of
Statistics 41(2):484-507.
Fisher RA (1935). The Design of Experiments. Edinburgh: Oliver and Boyd.
MacKinnon JG, Webb MD (2020). Randomization inference for difference-in-differences with few
treated clusters. Journal of Econometrics 218(2):435-450.
Phipson B, Smyth GK (2010). Permutation p-values should never be zero. Statistical
Applications in Genetics and Molecular Biology 9(1):39.
Rosenbaum PR (2002). Observational Studies, 2nd ed. New York: Springer.
Wu J, Ding P (2021). Randomization tests for weak null hypotheses in randomized experiments.
Journal of the American Statistical Association 116(536):1898-1913.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from talentlab.evaluation.common import DEFAULT_SEED, EvaluationInputError
from talentlab.evaluation.staggered import CONTROL_GROUPS, estimate_from_sums, unit_year_sums

__all__ = [
    "ENUMERATION_LIMIT",
    "STAGGERED_DRAWS",
    "staggered_randomization_inference",
    "RANDOMIZATION_COLUMNS",
    "count_assignments",
    "feasible_assignments",
    "did_t_statistic",
    "randomization_inference",
]

#: Largest number of assignments enumerated exactly (more: a seeded Monte Carlo sample).
ENUMERATION_LIMIT = 100_000
#: Bounds on what a caller may ask for (bounded time).
MAX_ENUMERATION_LIMIT = 1_000_000
MAX_DRAWS = 1_000_000
DEFAULT_DRAWS = 9_999
#: Monte Carlo draws of :func:`staggered_randomization_inference` (each about 1 ms).
STAGGERED_DRAWS = 4_999
#: Relative tolerance within which a statistic ties the observed one (floating point).
TIE_RTOL = 1e-9
ALTERNATIVES = ("two-sided", "greater", "less")

#: Columns of the row :func:`randomization_inference` returns.
RANDOMIZATION_COLUMNS = [
    "statistic", "estimate", "p_value", "alternative", "n_assignments", "n_evaluated",
    "exact", "min_attainable_p", "mc_se", "n_not_estimable", "n_units", "groups", "method",
]


def _groups(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes 0..k-1 of the units' assignment labels (sorted) and the group sizes."""
    values, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return codes, counts


def count_assignments(labels) -> int:
    """Number of distinct assignments of the labels to the units: ``n! / prod(n_g!)``.

    >>> count_assignments([True, True, True, False, False, False, False, False])
    56
    >>> count_assignments([2018, 2018, 2020, 0, 0, 0])  # two adoption years, never treated
    60
    """
    _, counts = _groups(np.asarray(labels))
    total, left = 1, int(counts.sum())
    for c in counts:
        total *= math.comb(left, int(c))
        left -= int(c)
    return total


def feasible_assignments(labels) -> Iterator[np.ndarray]:
    """Every distinct permutation of the labels over the units, in a fixed order.

    The first group's units are chosen among all units (combinations in lexicographic order),
    the next group's among the rest, and so on.

    >>> [a.tolist() for a in feasible_assignments([1, 0, 0])]
    [[0, 0, 1], [0, 1, 0], [1, 0, 0]]
    """
    labels = np.asarray(labels)
    values = np.unique(labels)
    codes, counts = _groups(labels)
    n = len(labels)

    def fill(positions: tuple[int, ...], group: int, current: np.ndarray):
        if group == len(counts) - 1:
            current[list(positions)] = group
            yield current.copy()
            return
        for chosen in itertools.combinations(positions, int(counts[group])):
            current[list(chosen)] = group
            rest = tuple(p for p in positions if p not in set(chosen))
            yield from fill(rest, group + 1, current)

    for assignment in fill(tuple(range(n)), 0, np.zeros(n, dtype=int)):
        yield values[assignment]


def did_t_statistic(outcome: str, use: str = "t", **did_kwargs) -> Callable[[pd.DataFrame],
                                                                              float]:
    """The default statistic: the TWFE DiD's CR1 t statistic (or its estimate).

    Parameters
    ----------
    outcome : str
        Outcome column for :func:`talentlab.evaluation.did`.
    use : {"t", "estimate"}
        The studentized statistic (default; see the module docstring) or the raw estimate.
    **did_kwargs
        Passed to :func:`talentlab.evaluation.did` (``reform_cohort``, required; ``treated``,
        ``cohort``, ``cluster``, ``unit``...); ``inference`` is CR1 ("cluster"): the
        standard error only studentizes, the p-value comes from the permutations.

    Returns
    -------
    callable
        ``statistic(data) -> float`` (NaN when the DiD is not estimable).
    """
    if use not in ("t", "estimate"):
        raise EvaluationInputError(f"did_t_statistic: use must be 't' or 'estimate', got {use!r}")
    if "reform_cohort" not in did_kwargs:
        raise EvaluationInputError("did_t_statistic: reform_cohort (the first reformed cohort) is "
                                   "required; pass it with the other arguments of did")
    from talentlab.evaluation.did import did  # noqa: PLC0415 (did imports this package)

    kwargs = {k: v for k, v in did_kwargs.items() if k != "inference"}

    def statistic(data: pd.DataFrame) -> float:
        row = did(data, outcome, inference="cluster", **kwargs).iloc[0]
        return float(row["t_stat"] if use == "t" else row["estimate"])

    statistic.__name__ = f"did_{'t' if use == 't' else 'estimate'}({outcome})"
    return statistic


def _unit_assignment(data: pd.DataFrame, unit: str, assignment: str
                     ) -> tuple[np.ndarray, np.ndarray, list]:
    """Units, their group codes (0..k-1) and one original value per group.

    Groups are the distinct values of the assignment column (missing = one "never" group);
    the column must be constant within a unit."""
    for col in (unit, assignment):
        if col not in data.columns:
            raise EvaluationInputError(f"randomization_inference: column {col!r} not in the "
                                       f"data (columns: {list(data.columns)})")
    if data[unit].isna().any():
        row = int(np.flatnonzero(data[unit].isna().to_numpy())[0])
        raise EvaluationInputError(f"randomization_inference: row {row}: {unit!r} is missing")
    column = data[assignment]
    keys = column.astype(object).where(column.notna(), None).map(
        lambda v: "never" if v is None else repr(v))
    per_unit = pd.DataFrame({"unit": data[unit].to_numpy(), "key": keys.to_numpy(),
                             "row": np.arange(len(data))})
    distinct = per_unit.drop_duplicates(["unit", "key"])
    conflicts = distinct["unit"][distinct["unit"].duplicated()]
    if len(conflicts):
        bad = conflicts.iloc[0]
        values = sorted(distinct.loc[distinct["unit"] == bad, "key"])
        raise EvaluationInputError(
            f"randomization_inference: column {assignment!r} must be constant within each "
            f"{unit!r} (the assignment is a property of the unit); {unit} {bad!r} has "
            f"values {values}")
    group_keys, codes = np.unique(distinct["key"].to_numpy(dtype=str), return_inverse=True)
    if len(group_keys) < 2:
        raise EvaluationInputError(
            f"randomization_inference: {assignment!r} takes one value over all units; there is "
            "no comparison to permute")
    first_row = distinct.groupby("key")["row"].first()
    originals = [column.iloc[int(first_row[k])] for k in group_keys]
    return distinct["unit"].to_numpy(), codes, originals


def _extreme(stats_: np.ndarray, observed: float, alternative: str) -> np.ndarray:
    """At least as extreme as observed (ties within TIE_RTOL; NaN counts as extreme)."""
    tol = TIE_RTOL * max(1.0, abs(observed))
    if alternative == "two-sided":
        out = np.abs(stats_) >= abs(observed) - tol
    elif alternative == "greater":
        out = stats_ >= observed - tol
    else:
        out = stats_ <= observed + tol
    return out | np.isnan(stats_)


def _floor(stats_: np.ndarray, alternative: str) -> float:
    """Share of assignments tied at the most extreme value: the smallest attainable p."""
    finite = stats_[np.isfinite(stats_)]
    if not len(finite):
        return 1.0
    most = {"two-sided": np.abs(finite).max(), "greater": finite.max(),
            "less": finite.min()}[alternative]
    return float(_extreme(stats_, float(most), alternative).mean())


def randomization_inference(data: pd.DataFrame,
                            statistic: Callable[[pd.DataFrame], float] | None = None, *,
                            outcome: str | None = None, unit: str = "major",
                            assignment: str = "treated_major",
                            alternative: str = "two-sided", limit: int = ENUMERATION_LIMIT,
                            n_draws: int = DEFAULT_DRAWS, seed: int = DEFAULT_SEED,
                            **did_kwargs) -> pd.DataFrame:
    """Randomization p-value of a statistic over the feasible assignments of the reform.

    Parameters
    ----------
    data : DataFrame
        One row per graduate (or per unit x period); not modified.
    statistic : callable, optional
        ``statistic(data) -> float`` evaluated on the data with ``assignment`` permuted over
        the units. Default: :func:`did_t_statistic` of ``outcome`` (then ``outcome`` and
        ``reform_cohort`` are required and ``did_kwargs`` go to :func:`talentlab.evaluation.did`).
    outcome : str, optional
        Outcome of the default statistic.
    unit : str
        The unit the reform is assigned to (the major).
    assignment : str
        Unit-level assignment column: boolean treated indicator, or the first treated year of
        a staggered design (0 or missing for never treated); permuted keeping each value's
        number of units.
    alternative : {"two-sided", "greater", "less"}
    limit : int
        Enumerate exactly when the number of assignments is at most this (<= 1,000,000).
    n_draws : int
        Monte Carlo draws otherwise (<= 1,000,000).
    seed : int
        Seed of the Monte Carlo draws (numpy default_rng; default
        :data:`~talentlab.evaluation.common.DEFAULT_SEED`).

    Returns
    -------
    DataFrame
        One row with :data:`RANDOMIZATION_COLUMNS`: ``estimate`` (the observed statistic),
        ``p_value``, ``n_assignments`` (feasible), ``n_evaluated``, ``exact``,
        ``min_attainable_p``, ``mc_se`` (0 when exact), ``n_not_estimable`` (assignments where
        the statistic was NaN, counted as extreme), ``groups`` (units per assignment value),
        ``method`` (text).

    Examples
    --------
    Eight units, three treated, a mean difference as the statistic: 56 assignments, and the
    observed one is the most extreme.

    >>> import pandas as pd
    >>> d = pd.DataFrame({"major": list("abcdefgh"), "treated_major": [True] * 3 + [False] * 5,
    ...                   "y": [9.0, 8.0, 7.0, 1.0, 2.0, 3.0, 0.0, 1.5]})
    >>> diff = lambda x: x.y[x.treated_major].mean() - x.y[~x.treated_major].mean()
    >>> row = randomization_inference(d, diff).iloc[0]
    >>> int(row.n_assignments), bool(row.exact), round(float(row.p_value), 4)
    (56, True, 0.0179)
    >>> round(float(row.min_attainable_p), 4)  # 1/56: no assignment can do better
    0.0179
    """
    if alternative not in ALTERNATIVES:
        raise EvaluationInputError(f"randomization_inference: alternative must be one of "
                                   f"{ALTERNATIVES}, got {alternative!r}")
    if not 1 <= int(limit) <= MAX_ENUMERATION_LIMIT:
        raise EvaluationInputError(f"randomization_inference: limit must lie in [1, "
                                   f"{MAX_ENUMERATION_LIMIT}], got {limit}")
    if not 1 <= int(n_draws) <= MAX_DRAWS:
        raise EvaluationInputError(f"randomization_inference: n_draws must lie in [1, "
                                   f"{MAX_DRAWS}], got {n_draws}")
    if statistic is None:
        if outcome is None:
            raise EvaluationInputError("randomization_inference: give a statistic or the "
                                       "outcome of the default DiD t statistic")
        statistic = did_t_statistic(outcome, unit=unit, treated=assignment, **did_kwargs)
    elif did_kwargs:
        raise EvaluationInputError(f"randomization_inference: {sorted(did_kwargs)} apply only "
                                   "to the default statistic")
    units, codes, originals = _unit_assignment(data, unit, assignment)
    row_unit = pd.Index(units).get_indexer(data[unit])
    column = data[assignment]
    group_values = np.empty(len(originals), dtype=object)
    group_values[:] = originals

    def evaluate(unit_codes: np.ndarray) -> float:
        values = pd.Series(group_values[unit_codes[row_unit]], index=data.index,
                           dtype=object).astype(column.dtype)
        value = statistic(data.assign(**{assignment: values}))
        return np.nan if value is None else float(value)

    return _over_assignments(evaluate, codes, originals, unit=unit,
                             name=getattr(statistic, "__name__", "statistic"),
                             alternative=alternative, limit=limit, n_draws=n_draws, seed=seed)


def _stratified_assignments(codes: np.ndarray, members: list[np.ndarray]
                            ) -> Iterator[np.ndarray]:
    """Every assignment permuting ``codes`` within each group of unit positions in
    ``members``: the product of the groups' :func:`feasible_assignments`."""
    out = codes.copy()
    for parts in itertools.product(*(list(feasible_assignments(codes[m])) for m in members)):
        for m, part in zip(members, parts, strict=True):
            out[m] = part
        yield out.copy()


def _permuted_within(codes: np.ndarray, members: list[np.ndarray],
                     rng: np.random.Generator) -> np.ndarray:
    """One uniform draw of the within-group permutations (a plain permutation for one group:
    the draws without strata are those of earlier versions)."""
    if len(members) == 1:
        return rng.permutation(codes)
    out = codes.copy()
    for m in members:
        out[m] = rng.permutation(codes[m])
    return out


def _over_assignments(evaluate: Callable[[np.ndarray], float], codes: np.ndarray,
                      originals: list, *, unit: str, name: str, alternative: str, limit: int,
                      n_draws: int, seed: int, strata: np.ndarray | None = None
                      ) -> pd.DataFrame:
    """The p-value of ``evaluate`` (a statistic of the units' group codes) over the feasible
    assignments: exact enumeration up to ``limit``, else ``n_draws`` seeded draws. With
    ``strata`` (a code per unit) the codes are permuted within each stratum only: the
    assignments are the product of each stratum's, enumerated in stratum order."""
    observed = evaluate(codes)
    members = ([np.flatnonzero(strata == s) for s in np.unique(strata)]
               if strata is not None else [np.arange(len(codes))])
    total = math.prod(count_assignments(codes[m]) for m in members)
    within = (f" within each of {len(members)} strata (the product of their assignments)"
              if strata is not None else "")
    counts = np.bincount(codes)
    group_text = ", ".join(f"{'never treated' if pd.isna(v) else v}: {c}"
                           for v, c in zip(originals, counts, strict=True))
    base = {"statistic": name, "estimate": observed,
            "alternative": alternative, "n_assignments": total, "n_units": len(codes),
            "groups": group_text}
    if np.isnan(observed):
        return pd.DataFrame([{**base, "p_value": np.nan, "n_evaluated": 1, "exact": False,
                              "min_attainable_p": np.nan, "mc_se": np.nan,
                              "n_not_estimable": 1,
                              "method": "randomization inference not available: the statistic "
                                        "is not estimable on the observed assignment"}],
                            columns=RANDOMIZATION_COLUMNS)
    if total <= limit:
        values = np.array([evaluate(a) for a in _stratified_assignments(codes, members)])
        extreme = _extreme(values, observed, alternative)
        p, floor, mc_se, exact = float(extreme.mean()), _floor(values, alternative), 0.0, True
        method = (f"randomization inference, exact: all {total} assignments of the reform to "
                  f"{len(codes)} {unit} units with the observed group sizes{within} "
                  f"({group_text})")
    else:
        rng = np.random.default_rng(seed)
        values = np.array([evaluate(_permuted_within(codes, members, rng))
                           for _ in range(int(n_draws))])
        extreme = _extreme(values, observed, alternative)
        p = float((1 + extreme.sum()) / (1 + n_draws))
        floor, exact = 1.0 / (1 + n_draws), False
        mc_se = math.sqrt(p * (1 - p) / n_draws)
        method = (f"randomization inference, Monte Carlo: {n_draws} of {total} assignments "
                  f"drawn uniformly (seed {seed}; p = (1 + extreme) / (1 + draws), Phipson & "
                  f"Smyth 2010) with the observed group sizes{within} ({group_text})")
    return pd.DataFrame([{**base, "p_value": p, "n_evaluated": len(values), "exact": exact,
                          "min_attainable_p": floor, "mc_se": mc_se,
                          "n_not_estimable": int(np.isnan(values).sum()), "method": method}],
                        columns=RANDOMIZATION_COLUMNS)


def staggered_randomization_inference(data: pd.DataFrame, outcome: str, *, unit: str,
                                      time: str, first_treated: str,
                                      weights: str | None = None,
                                      control: str = "never_treated",
                                      alternative: str = "two-sided",
                                      limit: int = ENUMERATION_LIMIT,
                                      n_draws: int = STAGGERED_DRAWS,
                                      seed: int = DEFAULT_SEED,
                                      strata: str | None = None) -> pd.DataFrame:
    """Randomization p-value of a staggered design's overall effect (Callaway-Sant'Anna).

    The adoption years are permuted over the units keeping how many units adopt in each year
    (and how many never do): ``n! / prod(n_g!)`` assignments, each one a schedule the reform
    could have followed. The statistic is the simple aggregation of
    :func:`talentlab.evaluation.staggered_did` (repeated cross-sections, no covariates, clusters
    = units) over its influence-function standard error, computed from weighted sums per unit
    and year (:func:`talentlab.evaluation.staggered.estimate_from_sums`, about a millisecond an
    assignment). Under the sharp null of no effect for anyone the p-value is exact; studentized,
    it stays asymptotically valid for a zero average effect (module docstring). An assignment
    under which no post-treatment cell is estimable counts as extreme.

    Parameters
    ----------
    data : DataFrame
        One row per graduate or count-table row; not modified.
    outcome, unit, time, first_treated, weights, control
        As :func:`talentlab.evaluation.staggered_did` (``first_treated`` 0 = never treated;
        units treated in or before the first year observed are left out, as there).
    alternative, limit, n_draws, seed
        As :func:`randomization_inference`; the draws are bounded by :data:`MAX_DRAWS`.
    strata : str, optional
        A column constant within each unit (for example ``college``): the adoption years are
        then permuted within each stratum only, keeping how many of its units adopt in each
        year (each college chose its own schedule). The assignments are the product of the
        strata's ``n_s! / prod(n_sg!)``, enumerated when that product is at most ``limit``.

    Returns
    -------
    DataFrame
        One row with :data:`RANDOMIZATION_COLUMNS` (``estimate`` the observed t statistic).

    Examples
    --------
    Six units over four years, two adopting in 2022 and two in 2023, two never: 90
    assignments, enumerated.

    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> rows = [(u, t, g, 0.5 * (g > 0 and t >= g) + rng.normal(0, 0.1))
    ...         for u, g in enumerate([2022, 2022, 2023, 2023, 0, 0])
    ...         for t in range(2020, 2024) for _ in range(5)]
    >>> d = pd.DataFrame(rows, columns=["major", "cohort", "first_treated", "y"])
    >>> row = staggered_randomization_inference(d, "y", unit="major", time="cohort",
    ...                                         first_treated="first_treated").iloc[0]
    >>> int(row.n_assignments), bool(row.exact), round(float(row.min_attainable_p), 4)
    (90, True, 0.0111)
    """
    if alternative not in ALTERNATIVES:
        raise EvaluationInputError(f"staggered_randomization_inference: alternative must be "
                                   f"one of {ALTERNATIVES}, got {alternative!r}")
    if control not in CONTROL_GROUPS:
        raise EvaluationInputError(f"staggered_randomization_inference: control must be one "
                                   f"of {CONTROL_GROUPS}, got {control!r}")
    if not 1 <= int(limit) <= MAX_ENUMERATION_LIMIT:
        raise EvaluationInputError(f"staggered_randomization_inference: limit must lie in "
                                   f"[1, {MAX_ENUMERATION_LIMIT}], got {limit}")
    if not 1 <= int(n_draws) <= MAX_DRAWS:
        raise EvaluationInputError(f"staggered_randomization_inference: n_draws must lie in "
                                   f"[1, {MAX_DRAWS}], got {n_draws}")
    sums = unit_year_sums(data, outcome, unit, time, first_treated, weights)
    if control == "never_treated" and not (sums.first_treated == 0).any():
        raise EvaluationInputError(
            f"staggered_randomization_inference: control='never_treated' needs units with "
            f"{first_treated} = 0 (never treated), and there are none; use "
            "control='not_yet_treated'")
    years, codes = np.unique(sums.first_treated, return_inverse=True)
    if len(years) < 2:
        raise EvaluationInputError(f"staggered_randomization_inference: {first_treated!r} "
                                   "takes one value over all units; there is no comparison to "
                                   "permute")

    def evaluate(unit_codes: np.ndarray) -> float:
        try:
            found = estimate_from_sums(sums.with_first_treated(years[unit_codes]), control,
                                       event_time=False)
        except EvaluationInputError:
            return np.nan
        return float(found.t_stat)

    labels = ["never treated" if y == 0 else int(y) for y in years]
    return _over_assignments(evaluate, codes, labels, unit=unit,
                             name=f"callaway_santanna_simple_t({outcome})",
                             alternative=alternative, limit=int(limit),
                             n_draws=int(n_draws), seed=seed,
                             strata=(None if strata is None
                                     else _unit_strata(data, unit, strata, sums.units)))


def _unit_strata(data: pd.DataFrame, unit: str, strata: str, units: np.ndarray) -> np.ndarray:
    """The stratum code of each of ``units`` (a column constant within a unit), or a clear
    error naming the column, a unit and its values."""
    where = "staggered_randomization_inference"
    if strata not in data.columns:
        raise EvaluationInputError(f"{where}: strata column {strata!r} not in the data "
                                   f"(columns: {list(data.columns)})")
    if data[strata].isna().any():
        row = int(np.flatnonzero(data[strata].isna().to_numpy())[0])
        raise EvaluationInputError(f"{where}: row {row}, column {strata!r}: missing stratum")
    per_unit = data.groupby(data[unit].to_numpy(), sort=False)[strata].unique()
    varying = per_unit[per_unit.map(len) > 1]
    if len(varying):
        raise EvaluationInputError(
            f"{where}: column {strata!r} must be constant within each {unit}; {unit} "
            f"{varying.index[0]!r} has {list(varying.iloc[0])}")
    codes, _ = pd.factorize(per_unit.map(lambda v: v[0]).reindex(units), sort=True)
    return codes
