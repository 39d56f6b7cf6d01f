"""Enterprise recognition (用人单位认可度) from the employer_ratings table."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from talentlab.indicators.core import (
    IndicatorInputError,
    append_notes,
    as_list,
    check_alpha,
    group_index,
    require_columns,
    result_frame,
    row_notes,
    wilson_limits,
)

ITEMS = ["practical_skill", "post_adaptability", "professional_quality", "problem_solving",
         "learning_ability"]


def attach_group_columns(table: pd.DataFrame, by: list[str], graduates: pd.DataFrame | None,
                         where: str, table_name: str) -> pd.DataFrame:
    """Add the graduate-level group columns (e.g. cohort, major) to a table keyed by student_id."""
    missing = [c for c in by if c not in table.columns]
    if not missing:
        return table
    if graduates is None:
        raise IndicatorInputError(
            f"{where}: table `{table_name}` lacks group column(s) {missing}; pass "
            "`graduates=` to take them from the graduates table via student_id")
    require_columns(table, ["student_id"], where, table_name)
    require_columns(graduates, ["student_id", *missing], where, "graduates")
    lookup = graduates[["student_id", *missing]]
    if lookup["student_id"].duplicated().any():
        raise IndicatorInputError(f"{where}: graduates.student_id is not unique")
    out = table.merge(lookup, on="student_id", how="left", validate="many_to_one")
    return out


def _mean_cluster(y: np.ndarray, clusters: np.ndarray | None, alpha: float):
    """Mean, SE, interval, df and cluster count of y; statsmodels OLS on a constant."""
    import statsmodels.api as sm  # on use: keeps `import talentlab` light (issue 14)

    n = len(y)
    if n == 0:
        return np.nan, np.nan, np.nan, np.nan, 0, "empty"
    mean = float(np.mean(y))
    if clusters is None:
        if n < 2:
            return mean, np.nan, np.nan, np.nan, n, "one rating: standard error undefined"
        res = sm.OLS(y, np.ones(n)).fit()
        lo, hi = res.conf_int(alpha=alpha)[0]
        return mean, float(res.bse[0]), float(lo), float(hi), n, ""
    codes, uniques = pd.factorize(clusters)
    g = len(uniques)
    if g < 2:
        return mean, np.nan, np.nan, np.nan, g, \
            "a single employer: cluster-robust standard error undefined (NaN)"
    res = sm.OLS(y, np.ones(n)).fit(cov_type="cluster", cov_kwds={"groups": codes},
                                    use_t=True)
    lo, hi = res.conf_int(alpha=alpha)[0]
    return mean, float(res.bse[0]), float(lo), float(hi), g, ""


def enterprise_recognition(employer_ratings: pd.DataFrame, by=None, *,
                           graduates: pd.DataFrame | None = None, min_items: int = 3,
                           cluster: str | None = "employer_id", alpha: float = 0.05,
                           min_cell: int | None = None) -> pd.DataFrame:
    """Enterprise recognition (用人单位认可度): score, satisfaction share and Cronbach's alpha.

    Three rows per group, one per codebook indicator:

    * ``enterprise_recognition_score`` (statistic ``mean``): each rating's score is
      ``100 * (mean of its answered items - 1) / 4`` over the five 1-5 items (practical skill,
      post adaptability, professional quality, problem solving, learning ability), for ratings
      with at least ``min_items`` items answered; the group estimate is the mean score.
    * ``enterprise_satisfaction_share`` (statistic ``proportion``): overall satisfaction 4
      (satisfied) or 5 (very satisfied) over valid answers 1-5; 0 = cannot evaluate (无法评估)
      is excluded (``n_excluded``), missing answers are ``n_unknown``.
    * ``enterprise_recognition_alpha`` (statistic ``cronbach_alpha``): Cronbach's alpha of the
      five items, complete ratings only (pingouin.cronbach_alpha, Feldt interval).

    Raters are clustered in employers: with ``cluster="employer_id"`` the score's standard
    error is cluster-robust (statsmodels ``OLS(score ~ 1)``, ``cov_type="cluster"``, t with
    G-1 df). The share's interval is a Wilson interval on the Kish effective sample size
    ``p(1-p)/se^2`` from the cluster-robust SE (capped at n), so it widens with the design
    effect. ``cluster=None`` treats ratings as independent.

    Parameters
    ----------
    employer_ratings : DataFrame
        The employer_ratings table of the data contract.
    by : str or list of str, optional
        Group columns; graduate columns (e.g. ``cohort``) are taken from ``graduates`` via
        ``student_id`` when the ratings table lacks them.
    graduates : DataFrame, optional
    alpha : float
        The intervals are at level 1 - alpha (default 0.05: 95%).
    min_items : int
        Minimum answered items for a rating's score (1-5).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import enterprise_recognition
    >>> r = pd.DataFrame({"employer_id": ["e1", "e1", "e2", "e2"],
    ...                   "practical_skill": pd.array([5, 3, 4, 1], dtype="Int64"),
    ...                   "post_adaptability": pd.array([5, 3, 4, 1], dtype="Int64"),
    ...                   "professional_quality": pd.array([5, 3, 4, 1], dtype="Int64"),
    ...                   "problem_solving": pd.array([5, 3, 4, 1], dtype="Int64"),
    ...                   "learning_ability": pd.array([5, 3, 4, 1], dtype="Int64"),
    ...                   "overall_satisfaction": pd.array([5, 0, 4, 2], dtype="Int64")})
    >>> out = enterprise_recognition(r).set_index("indicator")["estimate"]
    >>> float(out["enterprise_recognition_score"]), round(float(out[
    ...     "enterprise_satisfaction_share"]), 3)
    (56.25, 0.667)
    """
    fn = "enterprise_recognition"
    alpha = check_alpha(alpha, fn)
    by = as_list(by)
    if not 1 <= int(min_items) <= len(ITEMS):
        raise IndicatorInputError(f"{fn}: min_items must be 1-5, got {min_items!r}")
    require_columns(employer_ratings, [*ITEMS, "overall_satisfaction"], fn, "employer_ratings")
    if cluster is not None:
        require_columns(employer_ratings, [cluster], fn, "employer_ratings")
    df = attach_group_columns(employer_ratings, by, graduates, fn, "employer_ratings")
    items, overall = _checked_answers(df, fn)
    answered = (~np.isnan(items)).sum(axis=1)
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        score = 100 * (np.nanmean(items, axis=1) - 1) / 4
    score_ok = answered >= min_items
    codes, keys = group_index(df, by, fn, "employer_ratings")
    clusters_all = df[cluster].to_numpy(dtype=object) if cluster is not None else None
    rows = {k: [] for k in ["score", "share", "cronbach"]}
    members = pd.Series(np.arange(len(df))).groupby(codes).indices if len(df) else {}
    for g in range(len(keys)):
        idx = members.get(g, np.array([], dtype=np.intp))
        rows["score"].append(_score_cell(idx[score_ok[idx]], idx, score, clusters_all,
                                         alpha))
        rows["share"].append(_share_cell(idx, overall, clusters_all, alpha))
        rows["cronbach"].append(_cronbach_cell(idx, items, answered, alpha))
    cl_text = (f"cluster-robust by {cluster} (statsmodels OLS cov_type='cluster', t with G-1 "
               "df)" if cluster is not None else "ratings treated as independent")
    out = pd.concat([_score_frame(keys, rows["score"], min_items, cl_text, alpha, min_cell),
                     _share_frame(keys, rows["share"], cl_text, alpha, min_cell),
                     _cronbach_frame(keys, rows["cronbach"], alpha, min_cell)],
                    ignore_index=True)
    if by:
        out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
    return out


def _checked_answers(df: pd.DataFrame, fn: str) -> tuple[np.ndarray, np.ndarray]:
    """The five items (ratings x items, NaN = unanswered) and overall satisfaction as floats,
    checked against the contract (items 1-5, overall 0-5)."""
    items = np.column_stack([df[c].to_numpy(dtype=float, na_value=np.nan) for c in ITEMS]) \
        if len(df) else np.zeros((0, len(ITEMS)))
    bad = ~np.isnan(items) & ~np.isin(items, [1, 2, 3, 4, 5])
    if bad.any():
        col = ITEMS[int(np.flatnonzero(bad.any(axis=0))[0])]
        raise IndicatorInputError(f"{fn}: employer_ratings.{col} must be an integer 1-5")
    overall = df["overall_satisfaction"].to_numpy(dtype=float, na_value=np.nan)
    if (~np.isnan(overall) & ~np.isin(overall, [0, 1, 2, 3, 4, 5])).any():
        raise IndicatorInputError(f"{fn}: employer_ratings.overall_satisfaction must be 0-5")
    return items, overall


def _score_cell(ok: np.ndarray, idx: np.ndarray, score: np.ndarray, clusters_all,
                alpha: float) -> tuple:
    """One group's score: (sum, n, mean, se, lo, hi, n, n_unknown, 0, clusters, note)."""
    cl_ok = clusters_all[ok] if clusters_all is not None else None
    m, se, lo, hi, gc, note = _mean_cluster(score[ok], cl_ok, alpha)
    return (score[ok].sum(), len(ok), m, se, lo, hi, len(ok), len(idx) - len(ok), 0, gc, note)


def _share_cell(idx: np.ndarray, overall: np.ndarray, clusters_all, alpha: float) -> tuple:
    """One group's satisfaction share with a Wilson interval on the Kish effective n:
    (satisfied, n, p, se, lo, hi, n, n_zero, n_missing, clusters, note, n_eff)."""
    valid = idx[np.isin(overall[idx], [1, 2, 3, 4, 5])]
    zero = int((overall[idx] == 0).sum())
    miss = int(np.isnan(overall[idx]).sum())
    y = (overall[valid] >= 4).astype(float)
    cl_v = clusters_all[valid] if clusters_all is not None else None
    p, se, _, _, gc, note = _mean_cluster(y, cl_v, alpha)
    nv = len(valid)
    n_eff = float(nv)
    if nv > 0 and np.isfinite(se) and se > 0 and cl_v is not None:
        n_eff = min(float(nv), p * (1 - p) / se**2)
    elif nv > 0 and cl_v is not None and not note and 0 < p < 1:
        note = "cluster-robust SE is 0; plain Wilson interval"
    if nv > 0 and (p in (0.0, 1.0)) and cl_v is not None:
        note = (note + "; " if note else "") + \
            "share is 0 or 1: design effect not estimable, Wilson interval on n"
    lo, hi = wilson_limits(np.array([p * n_eff]), np.array([n_eff]), alpha, False) \
        if nv > 0 else (np.array([np.nan]), np.array([np.nan]))
    return (y.sum(), nv, p, se, lo[0], hi[0], nv, zero, miss, gc, note, n_eff)


def _cronbach_cell(idx: np.ndarray, items: np.ndarray, answered: np.ndarray,
                alpha: float) -> tuple:
    """One group's Cronbach's alpha of the items, complete ratings (listwise):
    (alpha, lo, hi, n complete, n incomplete, note)."""
    complete = idx[answered[idx] == len(ITEMS)]
    a, alo, ahi, anote = np.nan, np.nan, np.nan, ""
    if len(complete) < 3:
        anote = "fewer than 3 complete ratings: alpha undefined (NaN)"
    else:
        sub = pd.DataFrame(items[complete], columns=ITEMS)
        if (sub.var(axis=0) == 0).all() or sub.sum(axis=1).var() == 0:
            anote = "no variance in the items: alpha undefined (NaN)"
        else:
            import pingouin as pg  # on use: keeps `import talentlab` light (issue 14)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                a, ci = pg.cronbach_alpha(data=sub, ci=1 - alpha)
            alo, ahi = ci
    return (a, alo, ahi, len(complete), len(idx) - len(complete), anote)


def _column(rows: list[tuple], i: int) -> np.ndarray:
    return np.array([r[i] for r in rows], dtype=float) if rows else np.zeros(0)


def _notes(rows: list[tuple], i: int) -> np.ndarray:
    return np.array([r[i] for r in rows], dtype=object)


def _score_frame(keys, rows, min_items, cl_text, alpha, min_cell) -> pd.DataFrame:
    method = append_notes(row_notes(
        f"mean of rating scores 100*(mean item - 1)/4, ratings with >= {min_items} of 5 items; "
        f"SE {cl_text}", _column(rows, 6)), _notes(rows, 10))
    return result_frame(
        keys, "enterprise_recognition_score", "mean", numerator=_column(rows, 0),
        denominator=_column(rows, 1), estimate=_column(rows, 2), se=_column(rows, 3),
        ci_low=_column(rows, 4), ci_high=_column(rows, 5), alpha=alpha,
        n=_column(rows, 6), n_excluded=0, n_unknown=_column(rows, 7), method=method,
        min_cell=min_cell, extra={"n_clusters": pd.array(_column(rows, 9).astype(np.int64),
                                                         dtype="Int64")})


def _share_frame(keys, rows, cl_text, alpha, min_cell) -> pd.DataFrame:
    method = append_notes(row_notes(
        "share of 4 (satisfied) or 5 (very satisfied) over valid 1-5; 0 = cannot evaluate "
        f"excluded (n_excluded), missing = n_unknown; SE {cl_text}; Wilson interval on the "
        "Kish effective sample size p(1-p)/se^2", _column(rows, 6)), _notes(rows, 10))
    return result_frame(
        keys, "enterprise_satisfaction_share", "proportion", numerator=_column(rows, 0),
        denominator=_column(rows, 1), estimate=_column(rows, 2), se=_column(rows, 3),
        ci_low=_column(rows, 4), ci_high=_column(rows, 5), alpha=alpha,
        n=_column(rows, 6), n_excluded=_column(rows, 7), n_unknown=_column(rows, 8),
        method=method, min_cell=min_cell,
        extra={"n_clusters": pd.array(_column(rows, 9).astype(np.int64), dtype="Int64")})


def _cronbach_frame(keys, rows, alpha, min_cell) -> pd.DataFrame:
    method = append_notes(row_notes("Cronbach's alpha of the five items, complete ratings "
                                    "(pingouin.cronbach_alpha), Feldt interval",
                                    _column(rows, 3)), _notes(rows, 5))
    return result_frame(
        keys, "enterprise_recognition_alpha", "cronbach_alpha", numerator=np.nan,
        denominator=np.nan, estimate=_column(rows, 0), se=np.nan, ci_low=_column(rows, 1),
        ci_high=_column(rows, 2), alpha=alpha, n=_column(rows, 3), n_excluded=0,
        n_unknown=_column(rows, 4), method=method, min_cell=min_cell,
        extra={"n_clusters": pd.array([pd.NA] * len(keys), dtype="Int64")})
