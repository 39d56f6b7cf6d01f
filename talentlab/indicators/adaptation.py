"""Post adaptation cycle (岗位适应期): Kaplan-Meier median and restricted mean months to
independent work, censoring honoured, for every group in one pass
(:mod:`talentlab.indicators.survival`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.indicators.core import (
    IndicatorInputError,
    bool_parts,
    check_alpha,
    result_frame,
    z_quantile,
)
from talentlab.indicators.graduate_pass import GraduatePass, as_pass
from talentlab.indicators.survival import (
    KMTable,
    km_grouped,
    km_median,
    km_restricted_mean,
)


def adaptation_data(gp: GraduatePass, fn: str) -> tuple[np.ndarray, ...]:
    """The adaptation cycle's arrays ``(base, months, reached, employed)`` of a grouped pass:
    ``base`` marks employed graduates with known months and status; ``fn`` names the caller in
    errors (negative months are refused)."""
    months = gp.column("adaptation_months", fn).to_numpy(dtype=float, na_value=np.nan)
    reached, reached_known = bool_parts(gp.column("adaptation_reached", fn))
    known = ~np.isnan(months) & reached_known
    if (months[known] < 0).any():
        raise IndicatorInputError(f"{fn}: graduates.adaptation_months must be >= 0")
    employed = gp.mask("employed")
    base = employed & known
    return base, months, reached, employed


def adaptation_km_table(graduates: pd.DataFrame, by=None) -> pd.DataFrame:
    """Kaplan-Meier table of the adaptation cycle at event times, per group.

    Columns: group columns, ``time, n_risk, events, survival, se`` (Greenwood), the layout of
    textbook KM tables (e.g. Kleinbaum & Klein 2012, ch. 2). Same numbers as statsmodels
    ``SurvfuncRight`` per group.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import adaptation_km_table
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time"] * 3, categories=levels),
    ...     "adaptation_months": [1.0, 2.0, 3.0],
    ...     "adaptation_reached": pd.array([True, False, True], dtype="boolean")})
    >>> adaptation_km_table(g)["survival"].round(3).tolist()
    [0.667, 0.0]
    """
    fn = "adaptation_km_table"
    gp = as_pass(graduates, by, fn)
    base, months, reached, _ = adaptation_data(gp, fn)
    km = km_grouped(gp.codes[base], months[base], reached[base], gp.n_groups,
                    weights=None if gp.weights is None else gp.weights[base])
    out = gp.keys.iloc[km.group].reset_index(drop=True) if gp.by else pd.DataFrame(
        index=pd.RangeIndex(len(km.group)))
    out["time"] = km.time
    out["n_risk"] = km.n_risk
    out["events"] = km.events
    out["survival"] = km.surv
    out["se"] = km.se
    return out


def adaptation_cycle(graduates: pd.DataFrame, by=None, *, horizon: float = 12.0,
                     alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """Post adaptation cycle (岗位适应期): Kaplan-Meier median months to independent work.

    Base: employed graduates with ``adaptation_months`` and ``adaptation_reached``. A graduate
    still adapting at the last observation (``adaptation_reached=False``) is **censored** at
    ``adaptation_months``, never dropped. Two rows per group:

    * ``statistic="km_median"``: first event time with S(t) < 0.5 (SAS/statsmodels
      convention); interval by inverting Z-tests on cloglog S(t) (Brookmeyer & Crowley 1982;
      statsmodels ``SurvfuncRight.quantile_ci``). Where S(t) equals 0.5 exactly on an
      interval the median is the next event time (SAS's strict inequality; R averages). The
      limits are event times, the upper one
      ``inf`` where the curve never gets significantly below 0.5. No standard error.
    * ``statistic="restricted_mean"``: area under the KM curve up to ``horizon`` months, with
      Greenwood-type standard error and normal interval.

    ``numerator`` = events (reached independent work), ``denominator`` = ``n`` = graduates in
    the base; extra columns ``events``, ``censored``, ``horizon``. A median that is not
    reached (fewer than half reached independent work, e.g. all censored) is NaN with the
    reason in ``method``.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import adaptation_cycle
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time"] * 4, categories=levels),
    ...     "adaptation_months": [1.0, 2.0, 3.0, 4.0],
    ...     "adaptation_reached": pd.array([True, True, False, True], dtype="boolean")})
    >>> adaptation_cycle(g).set_index("statistic")["estimate"].to_dict()
    {'km_median': 4.0, 'restricted_mean': 2.75}
    """
    fn = "adaptation_cycle"
    alpha = check_alpha(alpha, fn)
    if not (np.isfinite(horizon) and horizon > 0):
        raise IndicatorInputError(f"{fn}: horizon must be a positive number of months, "
                                  f"got {horizon!r}")
    gp = as_pass(graduates, by, fn)
    base, months, reached, employed = adaptation_data(gp, fn)
    km: KMTable = km_grouped(gp.codes[base], months[base], reached[base], gp.n_groups,
                             weights=None if gp.weights is None else gp.weights[base])
    n = km.n.astype(float)
    events = km.n_events.astype(float)
    in_emp = gp.count(employed)
    counts = {"n": n, "events": events, "censored": n - events, "unknown": in_emp - n,
              "n_excluded": gp.total - in_emp}
    extra = {"events": pd.array(events.astype(np.int64), dtype="Int64"),
             "censored": pd.array(counts["censored"].astype(np.int64), dtype="Int64"),
             "horizon": float(horizon)}
    rows = [_km_median_frame(gp.keys, km, counts, extra, alpha, min_cell),
            _restricted_mean_frame(gp.keys, km, counts, extra, horizon, alpha, min_cell)]
    out = pd.concat(rows, ignore_index=True)
    if gp.by:
        out = out.sort_values(gp.by, kind="stable", na_position="last").reset_index(drop=True)
    return out


def _km_counts_text(counts: dict) -> list[str]:
    """Per group: ``Kaplan-Meier (censoring honoured); n=.., events=.., censored=..``."""
    return [f"Kaplan-Meier (censoring honoured); n={int(a)}, events={int(b)}, censored={int(c)}"
            for a, b, c in zip(counts["n"], counts["events"], counts["censored"], strict=True)]


def _km_median_frame(keys: pd.DataFrame, km: KMTable, counts: dict, extra: dict,
                     alpha: float, min_cell: int) -> pd.DataFrame:
    """Rows ``km_median`` of :func:`adaptation_cycle`: median and Brookmeyer-Crowley limits."""
    median, lb, ub = km_median(km, len(keys), alpha)
    n, events = counts["n"], counts["events"]
    method = np.char.add(np.array(_km_counts_text(counts), dtype=object).astype(str),
                         "; median = first event time with S(t) < 0.5; interval by "
                         "inverting Z-tests on cloglog S(t) (Brookmeyer-Crowley, as "
                         "statsmodels SurvfuncRight.quantile_ci); no standard error")
    notes = {
        "ALL CENSORED: no graduate reached independent work, so the median is not reached "
        "(NaN)": (n > 0) & (events == 0),
        "median not reached: S(t) never fell below 0.5 (NaN)":
            (n > 0) & (events > 0) & np.isnan(median),
        "upper limit inf: S(t) is not significantly below 0.5 at any later event time":
            np.isinf(ub) & ~np.isnan(median),
        "employed without adaptation data: see n_unknown, left out": counts["unknown"] > 0,
    }
    return result_frame(keys, "adaptation_cycle", "km_median", numerator=events,
                        denominator=n, estimate=median, se=np.nan, ci_low=lb, ci_high=ub,
                        alpha=alpha, n=n, n_excluded=counts["n_excluded"],
                        n_unknown=counts["unknown"], method=_notes_on(method, n, notes),
                        min_cell=min_cell, extra=extra)


def _restricted_mean_frame(keys: pd.DataFrame, km: KMTable, counts: dict, extra: dict,
                           horizon: float, alpha: float, min_cell: int) -> pd.DataFrame:
    """Rows ``restricted_mean`` of :func:`adaptation_cycle`: area under S(t) up to the
    horizon, Greenwood-type SE, normal interval."""
    rmst, rmst_se = km_restricted_mean(km, len(keys), horizon)
    n, events = counts["n"], counts["events"]
    method = np.char.add(
        np.array(_km_counts_text(counts), dtype=str),
        f"; restricted mean up to {horizon:g} months (area under S(t)), Greenwood-type "
        "variance (Klein & Moeschberger 4.5), normal interval")
    notes = {
        "horizon beyond the last observation: S(t) carried forward to the horizon":
            (n > 0) & (km.max_time < horizon),
        "ALL CENSORED: restricted mean equals the horizon, standard error 0":
            (n > 0) & (events == 0),
        "employed without adaptation data: see n_unknown, left out": counts["unknown"] > 0,
    }
    empty = n == 0
    rmst = np.where(empty, np.nan, rmst)
    rmst_se = np.where(empty, np.nan, rmst_se)
    z = z_quantile(alpha)
    return result_frame(keys, "adaptation_cycle", "restricted_mean", numerator=events,
                        denominator=n, estimate=rmst, se=rmst_se, ci_low=rmst - z * rmst_se,
                        ci_high=rmst + z * rmst_se, alpha=alpha, n=n,
                        n_excluded=counts["n_excluded"], n_unknown=counts["unknown"],
                        method=_notes_on(method, n, notes), min_cell=min_cell, extra=extra)


def _notes_on(methods: np.ndarray, n: np.ndarray, notes: dict) -> np.ndarray:
    out = methods.astype(object)
    out[n == 0] = [f"{m}; EMPTY BASE: no employed graduate with adaptation data in this group, "
                   "so the estimate is undefined (NaN)" for m in out[n == 0]]
    out[n == 1] = [f"{m}; group of one" for m in out[n == 1]]
    for text, mask in notes.items():
        mask = np.asarray(mask, dtype=bool)
        out[mask] = [f"{m}; {text}" for m in out[mask]]
    return out
