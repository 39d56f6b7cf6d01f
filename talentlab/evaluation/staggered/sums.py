"""The staggered estimator from weighted sums per unit and year: fast enough for
randomization inference and the jackknife (thousands of refits), equal to
:func:`talentlab.evaluation.staggered_did` on the rows without covariates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.evaluation.common import EvaluationInputError
from talentlab.evaluation.staggered.cells import share_influence
from talentlab.evaluation.staggered.sample import CONTROL_GROUPS, WHERE, rows_sample


@dataclass(frozen=True)
class UnitYearSums:
    """A repeated cross-section reduced to what the estimator without covariates reads.

    ``weight[u, k]`` and ``weighted_y[u, k]`` are the sums of the weights and of weight x
    outcome of unit ``units[u]`` in year ``periods[k]``; ``first_treated[u]`` is the unit's
    adoption year after :func:`staggered_did`'s recoding (0 never treated; units treated in or
    before the first year observed are left out). With no covariates every ATT(g, t) is a
    difference of four weighted cell means and the influence function summed within a unit is
    ``(sum w y - m sum w) / W`` for each cell it enters, so these sums give the same estimates
    and influence-function standard errors as the rows (clusters = units)."""

    units: np.ndarray
    periods: np.ndarray
    weight: np.ndarray
    weighted_y: np.ndarray
    first_treated: np.ndarray

    def without(self, u: int) -> UnitYearSums:
        """The sums with unit ``u`` left out (a jackknife replicate)."""
        keep = np.arange(len(self.units)) != u
        return UnitYearSums(self.units[keep], self.periods, self.weight[keep],
                            self.weighted_y[keep], self.first_treated[keep])

    def with_first_treated(self, first_treated: np.ndarray) -> UnitYearSums:
        """The same sums under another assignment of adoption years to the units."""
        return UnitYearSums(self.units, self.periods, self.weight, self.weighted_y,
                            np.asarray(first_treated, dtype=int))


def unit_year_sums(data: pd.DataFrame, outcome: str, unit: str, time: str,
                   first_treated: str, weights: str | None = None) -> UnitYearSums:
    """Weighted sums per unit and year of a repeated cross-section (``panel=False``, no
    covariates, clusters = units), checked as :func:`staggered_did` checks its rows.

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"u": ["a", "a", "a", "b", "b"], "t": [1, 1, 2, 1, 2],
    ...                   "g": [2, 2, 2, 0, 0], "y": [1.0, 0.0, 1.0, 0.0, 1.0]})
    >>> s = unit_year_sums(d, "y", "u", "t", "g")
    >>> s.weight.tolist(), s.weighted_y.tolist(), s.first_treated.tolist()
    ([[2.0, 1.0], [1.0, 1.0]], [[1.0, 1.0], [0.0, 1.0]], [2, 0])
    """
    notes: list[str] = []
    sample = rows_sample(data, outcome, unit, time, first_treated, [], weights, None,
                          "not_yet_treated", notes)
    shape = (sample.n_clusters, len(sample.periods))
    flat = sample.cluster_codes * shape[1] + sample.period_index
    size = shape[0] * shape[1]
    weight = np.bincount(flat, sample.w, minlength=size).reshape(shape)
    weighted_y = np.bincount(flat, sample.w * sample.y, minlength=size).reshape(shape)
    g = np.zeros(sample.n_clusters, dtype=int)
    g[sample.cluster_codes] = sample.g
    return UnitYearSums(sample.cluster_labels, sample.periods, weight, weighted_y, g)


@dataclass(frozen=True)
class SumsEstimate:
    """:func:`estimate_from_sums`' result: the simple aggregation (``simple``, its
    influence-function standard error ``simple_se``) and the event-time effects
    (``event_time`` e -> estimate, ``event_scores`` e -> influence function summed by unit)."""

    simple: float
    simple_se: float
    event_time: dict[int, float]
    event_scores: dict[int, np.ndarray]

    @property
    def t_stat(self) -> float:
        """The simple aggregation over its influence-function standard error (NaN if 0)."""
        return self.simple / self.simple_se if self.simple_se > 0 else np.nan


def _cells_from_sums(sums: UnitYearSums, gr: int, control: str):
    """Every ATT(gr, t) of one adoption year from the sums (:func:`_cell_rows` without
    covariates, vectorised over t): the years' event times, post flags, estimates and unit
    scores (columns), cells without observations in one of their four parts left out."""
    g, periods, w, wy = sums.first_treated, sums.periods, sums.weight, sums.weighted_y
    cols = np.arange(1, len(periods))
    post = gr <= periods[cols]
    base = np.where(post, int(np.flatnonzero(periods < gr)[-1]), cols - 1)
    treat = np.broadcast_to(g == gr, (len(cols), len(g)))
    if control == "never_treated":
        ctrl = np.broadcast_to(g == 0, treat.shape)
    else:
        ctrl = (g == 0)[None, :] | ((g[None, :] > periods[cols][:, None]) & ~treat)
    terms = []
    for mask, col, sign in ((treat, cols, 1.0), (treat, base, -1.0), (ctrl, cols, -1.0),
                            (ctrl, base, 1.0)):
        w_k, wy_k = w[:, col].T * mask, wy[:, col].T * mask  # (cells, units)
        total = w_k.sum(axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            mean = wy_k.sum(axis=1) / total
            score = sign * (wy_k - mean[:, None] * w_k) / total[:, None]
        terms.append((total, mean, score))
    ok = np.all([t[0] > 0 for t in terms], axis=0)
    att = (terms[0][1] - terms[1][1]) - (terms[2][1] - terms[3][1])
    scores = sum(t[2] for t in terms)
    return (periods[cols][ok] - gr).astype(int), post[ok], att[ok], scores[ok].T


def estimate_from_sums(sums: UnitYearSums, control: str = "never_treated", *,
                       event_time: bool = True) -> SumsEstimate:
    """Callaway-Sant'Anna's simple and event-time aggregations from unit-year sums.

    The same numbers as :func:`staggered_did` with ``panel=False``, no covariates, clusters =
    units and ``inference="influence"`` (estimates and standard errors to rounding;
    tests/test_staggered.py), in about a millisecond: what randomization inference (thousands
    of reassignments) and the leave-one-unit-out jackknife of an event study need;
    ``event_time=False`` leaves the event-time aggregations out (empty dictionaries).
    Cells without observations are left out of the aggregations, as there. Raises
    :class:`EvaluationInputError` when no post-treatment cell is estimable.

    Examples
    --------
    >>> import numpy as np
    >>> s = UnitYearSums(np.array(["a", "b"]), np.array([1, 2]), np.ones((2, 2)),
    ...                  np.array([[0.0, 1.0], [0.0, 0.2]]), np.array([2, 0]))
    >>> round(estimate_from_sums(s).simple, 6)
    0.8
    """
    if control not in CONTROL_GROUPS:
        raise EvaluationInputError(f"{WHERE}: control must be one of {CONTROL_GROUPS}, got "
                                   f"{control!r}")
    g = sums.first_treated
    groups = sorted(set(g[g > 0].tolist()))
    w_unit = sums.weight.sum(axis=1)
    wsum = float(w_unit.sum())
    share = np.array([w_unit[g == gr].sum() / wsum for gr in groups])
    share_scores = (np.column_stack([w_unit * ((g == gr) - share[j]) / wsum
                                     for j, gr in enumerate(groups)])
                    if groups else np.zeros((len(g), 0)))
    found = [_cells_from_sums(sums, gr, control) for gr in groups]
    post = np.concatenate([f[1] for f in found]) if found else np.zeros(0, dtype=bool)
    if not post.any():
        raise EvaluationInputError(f"{WHERE}: no post-treatment effect ATT(g, t) is estimable")
    event = np.concatenate([f[0] for f in found])
    att_a, scores_a = np.concatenate([f[2] for f in found]), np.hstack([f[3] for f in found])
    cell_group = np.concatenate([np.full(len(f[0]), j) for j, f in enumerate(found)])
    cell_share, cell_share_scores = share[cell_group], share_scores[:, cell_group]

    def aggregate(idx):
        weights_k = cell_share[idx] / cell_share[idx].sum()
        s = (scores_a[:, idx] @ weights_k
             + share_influence(cell_share_scores[:, idx], cell_share[idx]) @ att_a[idx])
        return float(att_a[idx] @ weights_k), s

    simple, simple_s = aggregate(np.flatnonzero(post))
    by_event = ({int(e): aggregate(np.flatnonzero(event == e)) for e in np.unique(event)}
                if event_time else {})
    return SumsEstimate(simple=simple, simple_se=float(np.sqrt(simple_s @ simple_s)),
                        event_time={e: v[0] for e, v in by_event.items()},
                        event_scores={e: v[1] for e, v in by_event.items()})


def universal_event_study(event_time: dict[int, float]) -> pd.Series:
    """Event-time effects against the year before adoption (event time -1 = 0).

    :func:`staggered_did`'s pre-adoption rows compare each year with the one before it (R
    did's varying base period); a pre-trend test or relative magnitudes need one reference
    period, so the pre rows are cumulated back from event time -1: beta(-k) = -(p(-1) + ... +
    p(-k+1)). Post rows already compare with the year before adoption.

    >>> universal_event_study({-3: 0.1, -2: 0.2, -1: 0.3, 0: 1.0}).round(2).to_dict()
    {-4: -0.6, -3: -0.5, -2: -0.3, -1: 0.0, 0: 1.0}
    """
    beta = {-1: 0.0}
    running = 0.0
    for e in sorted((e for e in event_time if e < 0), reverse=True):  # -1, -2, ...
        running -= float(event_time[e])
        beta[int(e) - 1] = running
    beta.update({int(e): float(v) for e, v in event_time.items() if e >= 0})
    return pd.Series(beta).sort_index()


def jackknife_event_study(sums: UnitYearSums, control: str = "never_treated"
                          ) -> tuple[pd.Series, np.ndarray, list[int]]:
    """Universal event study (:func:`universal_event_study`) and its leave-one-unit-out
    jackknife covariance, V = (G-1)/G sum_u (b_(u) - mean b_(.))(...)' as the verdict's CR3.

    Returns the coefficients (event time -> estimate, -1 the reference), the covariance of
    those estimated in every replicate (event time -1 left out) and their event times in the
    covariance's order."""
    full = universal_event_study(estimate_from_sums(sums, control).event_time)
    draws = []
    for u in range(len(sums.units)):
        try:
            found = estimate_from_sums(sums.without(u), control).event_time
        except EvaluationInputError:  # the unit held a whole comparison: nothing estimable
            draws.append(np.full(len(full), np.nan))
            continue
        draws.append(universal_event_study(found).reindex(full.index).to_numpy(dtype=float))
    draws = np.array(draws, dtype=float)
    keep = [i for i, e in enumerate(full.index) if e != -1 and not np.isnan(draws[:, i]).any()]
    g = len(sums.units)
    centred = draws[:, keep] - draws[:, keep].mean(axis=0)
    return full, (g - 1) / g * centred.T @ centred, [int(full.index[i]) for i in keep]


def jackknife_simple(sums: UnitYearSums, control: str = "never_treated"
                     ) -> tuple[float, float]:
    """The simple aggregation and its leave-one-unit-out jackknife standard error,
    sqrt((G-1)/G sum_u (b_(u) - b)^2), as ``staggered_did(..., inference="jackknife")``
    reports them (NaN when a replicate has nothing to estimate)."""
    full = estimate_from_sums(sums, control, event_time=False).simple
    loo = []
    for u in range(len(sums.units)):
        try:
            loo.append(estimate_from_sums(sums.without(u), control, event_time=False).simple)
        except EvaluationInputError:
            return full, np.nan
    g = len(loo)
    return full, float(np.sqrt((g - 1) / g * np.sum((np.array(loo) - full) ** 2)))
