"""The estimation sample of :func:`talentlab.evaluation.staggered_did`: the options, the input
checks, and the outcome by unit and year (a panel) or by row (repeated cross-sections).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.evaluation.common import EvaluationInputError, as_float, as_int, require_columns
from talentlab.evaluation.staggered import limits

#: comparison groups: units never treated, or never treated plus those not treated by year t
CONTROL_GROUPS = ("never_treated", "not_yet_treated")
#: standard errors: the influence function (R's did) or the leave-one-cluster-out jackknife
STAGGERED_INFERENCE = ("influence", "jackknife")

TERM_GROUP_TIME = "att_gt"
TERM_SIMPLE = "att_simple"
TERM_EVENT = "att_event"
TERM_EVENT_AVERAGE = "att_event_average"
TERM_GROUP = "att_group"
TERM_GROUP_AVERAGE = "att_group_average"

#: the function named at the start of every error message
WHERE = "staggered_did"


@dataclass
class Sample:
    """The estimation sample: outcome by period (panel) or by row, weights, groups, clusters."""

    panel: bool
    periods: np.ndarray  # sorted distinct years
    y: np.ndarray  # panel: (units, periods); rows: (rows,)
    x: np.ndarray  # covariates with the intercept first; panel: (units, periods, p); rows: (rows, p)
    period_index: np.ndarray | None  # rows: position of each row's year in ``periods``
    w: np.ndarray  # weights, mean 1 (units or rows)
    g: np.ndarray  # first treated year (0 = never), per unit or row
    cluster_codes: np.ndarray
    n_clusters: int
    cluster_name: str
    cluster_labels: np.ndarray | None = None  # rows: the cluster of each code, sorted

    @property
    def n(self) -> int:
        return len(self.w)

    def subset(self, keep: np.ndarray) -> Sample:
        """The sample restricted to some units (panel) or rows; cluster codes kept."""
        return Sample(
            panel=self.panel, periods=self.periods, y=self.y[keep], x=self.x[keep],
            period_index=None if self.period_index is None else self.period_index[keep],
            w=self.w[keep], g=self.g[keep], cluster_codes=self.cluster_codes[keep],
            n_clusters=self.n_clusters, cluster_name=self.cluster_name)


# =============================================================================================
# checks and the estimation sample
# =============================================================================================

def check_options(control, alpha, n_bootstrap, seed, panel, inference) -> None:
    """Refuse an option of :func:`talentlab.evaluation.staggered_did` outside its range.

    Parameters
    ----------
    control, alpha, n_bootstrap, seed, panel, inference
        As in :func:`talentlab.evaluation.staggered_did`.

    Raises
    ------
    EvaluationInputError
        Naming the option, its allowed values and the value given.

    Examples
    --------
    >>> check_options("never_treated", 0.05, 10, 0, False, "influence")
    Traceback (most recent call last):
    ...
    talentlab.evaluation.common.EvaluationInputError: staggered_did: n_bootstrap must be a whole number from 99 to 100,000, got 10
    """
    if control not in CONTROL_GROUPS:
        raise EvaluationInputError(
            f"{WHERE}: control must be one of {CONTROL_GROUPS}, got {control!r}")
    if inference not in STAGGERED_INFERENCE:
        raise EvaluationInputError(
            f"{WHERE}: inference must be one of {STAGGERED_INFERENCE}, got {inference!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise EvaluationInputError(
            f"{WHERE}: alpha must lie strictly between 0 and 1, got {alpha!r}")
    if isinstance(n_bootstrap, bool) or not isinstance(n_bootstrap, (int, np.integer)) \
            or not limits.MIN_BOOTSTRAP <= n_bootstrap <= limits.MAX_BOOTSTRAP:
        raise EvaluationInputError(
            f"{WHERE}: n_bootstrap must be a whole number from {limits.MIN_BOOTSTRAP} to "
            f"{limits.MAX_BOOTSTRAP:,}, got {n_bootstrap!r}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise EvaluationInputError(f"{WHERE}: seed must be a whole number or None, got {seed!r}")
    if not isinstance(panel, bool):
        raise EvaluationInputError(f"{WHERE}: panel must be True or False, got {panel!r}")


def _plain(value):
    """A numpy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _rows_named(data: pd.DataFrame, mask: np.ndarray, limit: int = 5) -> str:
    labels = data.index[np.flatnonzero(mask)[:limit]].tolist()
    more = int(mask.sum()) - len(labels)
    return f"{labels}" + (f" and {more} more" if more > 0 else "")


def _complete(values: np.ndarray, data: pd.DataFrame, column: str, what: str) -> None:
    bad = ~np.isfinite(values)
    if bad.any():
        raise EvaluationInputError(
            f"{WHERE}: column '{column}' has {int(bad.sum())} missing or non-finite value(s) "
            f"at row(s) {_rows_named(data, bad)}; {what}")


def _weights(data: pd.DataFrame, weights: str | None) -> np.ndarray:
    if weights is None:
        return np.ones(len(data))
    w = as_float(data[weights], weights, WHERE)
    _complete(w, data, weights, "weights must be given for every row")
    if (w < 0).any():
        raise EvaluationInputError(
            f"{WHERE}: column '{weights}' (weights) must be >= 0; negative at row(s) "
            f"{_rows_named(data, w < 0)}")
    return w


def _first_treated(data: pd.DataFrame, first_treated: str) -> np.ndarray:
    g = as_int(data[first_treated], first_treated, WHERE)
    if (g < 0).any():
        raise EvaluationInputError(
            f"{WHERE}: column '{first_treated}' must be 0 (never treated) or the first treated "
            f"year; negative at row(s) {_rows_named(data, g < 0)}")
    return g


def _constant_within_unit(data: pd.DataFrame, unit: str, column: str, values,
                          what: str) -> None:
    per_unit = pd.Series(values, index=data.index).groupby(data[unit].to_numpy()).nunique(
        dropna=False)
    varying = per_unit[per_unit > 1]
    if len(varying):
        u = _plain(varying.index[0])
        seen = sorted(pd.unique(pd.Series(values)[(data[unit] == u).to_numpy()]).tolist())[:5]
        raise EvaluationInputError(
            f"{WHERE}: column '{column}' must be constant within each {unit} ({what}); "
            f"{len(varying)} unit(s) vary, e.g. {unit} = {u!r} has {seen}")


def _covariate_matrix(data: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    cols = [np.ones(len(data))]
    for c in covariates:
        v = as_float(data[c], c, WHERE)
        _complete(v, data, c, "covariates must be complete")
        cols.append(v)
    return np.column_stack(cols)


def _recode_groups(g: np.ndarray, periods: np.ndarray, entity: str, notes: list[str]
                   ) -> np.ndarray:
    """Never treated within the window -> 0; returns the mask of entities to keep."""
    late = g > periods.max()
    if late.any():
        years = sorted(set(g[late].tolist()))
        notes.append(f"{int(late.sum())} {entity} first treated after the last year observed "
                     f"({years}) count as never treated, as in R's did")
        g[late] = 0
    early = (g > 0) & (g <= periods.min())
    if early.any():
        years = sorted(set(g[early].tolist()))
        notes.append(f"{int(early.sum())} {entity} treated in or before the first year observed "
                     f"({years}) have no pre-treatment year and are left out, as in R's did")
    return ~early


def _check_groups(g: np.ndarray, control: str, first_treated: str) -> None:
    if not (g > 0).any():
        raise EvaluationInputError(
            f"{WHERE}: no unit is first treated inside the years observed (column "
            f"'{first_treated}'); there is no effect to estimate")
    if control == "never_treated" and not (g == 0).any():
        raise EvaluationInputError(
            f"{WHERE}: control='never_treated' needs units with {first_treated} = 0 (never "
            "treated), and there are none; use control='not_yet_treated'")


def panel_sample(data, outcome, unit, time, first_treated, covariates, weights, cluster,
                  control, notes) -> Sample:
    """The estimation sample of a balanced panel (one row per unit and year), its input checked.

    Parameters
    ----------
    data, outcome, unit, time, first_treated, covariates, weights, cluster, control
        As in :func:`talentlab.evaluation.staggered_did` (``covariates`` a list).
    notes : list of str
        Appended to: units recoded or dropped (treated after the last or by the first year).

    Returns
    -------
    Sample

    Raises
    ------
    EvaluationInputError
        Naming the column and the rule broken.
    """
    cluster_name = cluster or unit
    columns = list(dict.fromkeys([unit, time, first_treated, outcome, *covariates]
                                 + ([weights] if weights else []) + [cluster_name]))
    require_columns(data, columns, WHERE)
    if len(data) == 0:
        raise EvaluationInputError(f"{WHERE}: the data have no rows")
    if data[unit].isna().any():
        raise EvaluationInputError(f"{WHERE}: column '{unit}' is missing at row(s) "
                                   f"{_rows_named(data, data[unit].isna().to_numpy())}")
    t = as_int(data[time], time, WHERE)
    dup = pd.DataFrame({"u": data[unit].to_numpy(), "t": t}).duplicated(keep=False).to_numpy()
    if dup.any():
        raise EvaluationInputError(
            f"{WHERE}: a panel has one row per {unit} and {time}; {int(dup.sum())} rows repeat "
            f"a ({unit}, {time}) pair, e.g. row(s) {_rows_named(data, dup)}. Repeated "
            "cross-sections (several graduates per unit and year) need panel=False")
    y = as_float(data[outcome], outcome, WHERE)
    _complete(y, data, outcome, "a panel needs the outcome of every unit in every year "
              "(or use panel=False for repeated cross-sections)")
    g = _first_treated(data, first_treated)
    _constant_within_unit(data, unit, first_treated, g, "the treatment does not switch off")
    w = _weights(data, weights)
    if weights:
        _constant_within_unit(data, unit, weights, w, "panel weights are unit weights")
    if cluster is not None and cluster != unit:
        if data[cluster].isna().any():
            raise EvaluationInputError(f"{WHERE}: column '{cluster}' is missing at row(s) "
                                       f"{_rows_named(data, data[cluster].isna().to_numpy())}")
        _constant_within_unit(data, unit, cluster, data[cluster].to_numpy(),
                              "a unit's years are one cluster")
    x = _covariate_matrix(data, covariates)

    unit_codes, units = pd.factorize(data[unit], sort=True)
    periods = np.unique(t)
    if len(periods) < 2:
        raise EvaluationInputError(f"{WHERE}: column '{time}' has one year only; a DiD needs two")
    t_codes = np.searchsorted(periods, t)
    n_units = len(units)
    seen = np.zeros((n_units, len(periods)), dtype=bool)
    seen[unit_codes, t_codes] = True
    if not seen.all():
        missing_units = np.flatnonzero(~seen.all(axis=1))
        u0 = missing_units[0]
        raise EvaluationInputError(
            f"{WHERE}: the panel is not balanced: {len(missing_units)} {unit}(s) lack some "
            f"{time}(s), e.g. {unit} = {_plain(units[u0])!r} has no row for "
            f"{periods[~seen[u0]].tolist()[:10]}. Supply every year of every unit, or use "
            "panel=False (repeated cross-sections)")
    order = np.lexsort((t_codes, unit_codes))  # unit-major, then year
    y_mat = y[order].reshape(n_units, len(periods))
    x_mat = x[order].reshape(n_units, len(periods), x.shape[1])
    first = order.reshape(n_units, len(periods))[:, 0]
    g_unit = g[first].copy()
    w_unit = w[first]
    cl = data[cluster_name].to_numpy()[first]

    keep = _recode_groups(g_unit, periods, "unit(s)", notes)
    keep &= w_unit > 0
    if not (w_unit > 0).all():
        notes.append(f"{int((w_unit == 0).sum())} unit(s) of weight 0 left out")
    _check_groups(g_unit[keep], control, first_treated)
    w_keep = w_unit[keep]
    cluster_codes, cluster_labels = pd.factorize(pd.Series(cl[keep]), sort=True)
    return Sample(panel=True, periods=periods, y=y_mat[keep], x=x_mat[keep], period_index=None,
                   w=w_keep / w_keep.mean(), g=g_unit[keep], cluster_codes=cluster_codes,
                   n_clusters=len(cluster_labels), cluster_name=cluster_name)


def rows_sample(data, outcome, unit, time, first_treated, covariates, weights, cluster,
                 control, notes) -> Sample:
    """The estimation sample of repeated cross-sections (one row per observation), its input checked.

    Parameters
    ----------
    data, outcome, unit, time, first_treated, covariates, weights, cluster, control
        As in :func:`talentlab.evaluation.staggered_did` (``covariates`` a list).
    notes : list of str
        Appended to: units recoded or dropped (treated after the last or by the first year).

    Returns
    -------
    Sample

    Raises
    ------
    EvaluationInputError
        Naming the column and the rule broken.
    """
    cluster_name = cluster or unit
    columns = list(dict.fromkeys([unit, time, first_treated, outcome, *covariates]
                                 + ([weights] if weights else []) + [cluster_name]))
    require_columns(data, columns, WHERE)
    y_all = as_float(data[outcome], outcome, WHERE)
    missing = np.isnan(y_all)
    if missing.any():
        notes.append(f"{int(missing.sum())} row(s) with a missing '{outcome}' left out")
    frame = data.loc[~missing]
    if len(frame) == 0:
        raise EvaluationInputError(f"{WHERE}: no row has a non-missing '{outcome}'")
    for col in dict.fromkeys([unit, cluster_name]):
        if frame[col].isna().any():
            raise EvaluationInputError(f"{WHERE}: column '{col}' is missing at row(s) "
                                       f"{_rows_named(frame, frame[col].isna().to_numpy())}")
    y = y_all[~missing]
    t = as_int(frame[time], time, WHERE)
    g = _first_treated(frame, first_treated)
    _constant_within_unit(frame, unit, first_treated, g, "the reform year is the unit's")
    w = _weights(frame, weights)
    x = _covariate_matrix(frame, covariates)
    periods = np.unique(t)
    if len(periods) < 2:
        raise EvaluationInputError(f"{WHERE}: column '{time}' has one year only; a DiD needs two")
    keep = _recode_groups(g, periods, "row(s)", notes)
    if (w == 0).any():
        notes.append(f"{int((w[keep] == 0).sum())} row(s) of weight 0 left out")
    keep &= w > 0
    _check_groups(g[keep], control, first_treated)
    cluster_codes, cluster_labels = pd.factorize(frame[cluster_name].iloc[np.flatnonzero(keep)],
                                                 sort=True)
    w_keep = w[keep]
    return Sample(panel=False, periods=periods, y=y[keep], x=x[keep],
                   period_index=np.searchsorted(periods, t[keep]), w=w_keep / w_keep.mean(),
                   g=g[keep], cluster_codes=np.asarray(cluster_codes),
                   n_clusters=len(cluster_labels), cluster_name=cluster_name,
                   cluster_labels=np.asarray(cluster_labels))

