"""Three-party evaluation (学校+企业+行业三方评价) from the evaluations table."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence

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
    t_interval,
)
from talentlab.indicators.ratings import attach_group_columns

#: Shrout & Fleiss name -> (row of pingouin.intraclass_corr, description)
ICC_FORMS = {
    "ICC(1,1)": (0, "one-way random effects, absolute agreement, single party "
                    "(Shrout & Fleiss ICC(1,1); McGraw & Wong ICC(1))"),
    "ICC(2,1)": (1, "two-way random effects, absolute agreement, single party "
                    "(Shrout & Fleiss ICC(2,1); McGraw & Wong ICC(A,1))"),
    "ICC(3,1)": (2, "two-way mixed effects, consistency, single party "
                    "(Shrout & Fleiss ICC(3,1); McGraw & Wong ICC(C,1))"),
    "ICC(1,k)": (3, "one-way random effects, absolute agreement, mean of k parties "
                    "(Shrout & Fleiss ICC(1,k))"),
    "ICC(2,k)": (4, "two-way random effects, absolute agreement, mean of k parties "
                    "(Shrout & Fleiss ICC(2,k); McGraw & Wong ICC(A,k))"),
    "ICC(3,k)": (5, "two-way mixed effects, consistency, mean of k parties "
                    "(Shrout & Fleiss ICC(3,k); McGraw & Wong ICC(C,k))"),
}
#: pingouin's Type labels, in its row order (0.7: ICC(1,1), ICC(A,1), ...; older: ICC1, ...).
_PINGOUIN_TYPES = [("ICC(1,1)", "ICC1"), ("ICC(A,1)", "ICC2"), ("ICC(C,1)", "ICC3"),
                   ("ICC(1,k)", "ICC1k"), ("ICC(A,k)", "ICC2k"), ("ICC(C,k)", "ICC3k")]
DEFAULT_PARTIES = ("school", "enterprise", "industry")


def three_party_evaluation(evaluations: pd.DataFrame, by=None, *,
                           graduates: pd.DataFrame | None = None,
                           weights: Mapping[str, float] | None = None,
                           icc_forms: Sequence[str] = ("ICC(2,1)",), alpha: float = 0.05,
                           min_cell: int | None = None) -> pd.DataFrame:
    """Three-party evaluation: per-party means, weighted composite, agreement between parties.

    Each graduate's score from a party is the mean over that party's evaluators and
    dimensions. Per group the function returns rows (``indicator="three_party_evaluation"``):

    * ``statistic="mean_<party>"``: mean of the graduates' party scores, t interval;
    * ``statistic="weighted_composite"``: mean over graduates scored by every party of
      ``sum_p w_p score_p / sum_p w_p`` (default equal weights), t interval;
    * ``statistic="ICC(2,1)"`` etc. (one row per ``icc_forms`` entry, Shrout & Fleiss names
      ``ICC(1,1), ICC(2,1), ICC(3,1), ICC(1,k), ICC(2,k), ICC(3,k)``): intraclass correlation with graduates as
      targets and parties as raters, complete graduates only, F-based interval
      (pingouin.intraclass_corr). The form is named in ``statistic`` and ``method``; the
      default ICC(2,1) measures absolute agreement of a single party;
    * ``statistic="cronbach_alpha"``: Cronbach's alpha with parties as items (equals
      ICC(3,k)), pingouin.cronbach_alpha.

    Parties are the categories of ``evaluations.party`` (default school, enterprise, industry)
    that occur in the data.

    Parameters
    ----------
    weights : mapping party -> weight, optional
        Weights of the composite (need not sum to 1; normalised). Default equal.
    alpha : float
        The intervals of the means and of Cronbach's alpha are at level 1 - alpha (default
        0.05); pingouin's ICC intervals are at 95% whatever ``alpha`` is.
    icc_forms : sequence of str
        Shrout & Fleiss ICC forms to report (keys of :data:`ICC_FORMS`).

    References
    ----------
    Shrout PE, Fleiss JL (1979) Psychol Bull 86:420-428. McGraw KO, Wong SP (1996) Psychol
    Methods 1:30-46.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import three_party_evaluation
    >>> ev = pd.DataFrame({
    ...     "student_id": [s for s in "abcdef" for _ in range(3)],
    ...     "party": ["school", "enterprise", "industry"] * 6,
    ...     "evaluator_id": ["x"] * 18, "dimension": ["overall"] * 18,
    ...     "score": [80, 82, 79, 60, 65, 61, 90, 88, 91, 70, 69, 74, 50, 55, 52, 85, 80, 83.]})
    >>> r = three_party_evaluation(ev).set_index("statistic")["estimate"]
    >>> round(float(r["mean_school"]), 2), round(float(r["ICC(2,1)"]), 2)
    (72.5, 0.97)
    """
    fn = "three_party_evaluation"
    alpha = check_alpha(alpha, fn)
    by = as_list(by)
    require_columns(evaluations, ["student_id", "party", "score"], fn, "evaluations")
    forms = list(icc_forms)
    bad = [f for f in forms if f not in ICC_FORMS]
    if bad:
        raise IndicatorInputError(f"{fn}: unknown ICC form(s) {bad}; use {list(ICC_FORMS)}")
    df = attach_group_columns(evaluations, by, graduates, fn, "evaluations")
    scores = df["score"].to_numpy(dtype=float, na_value=np.nan)
    if ((scores < 0) | (scores > 100)).any():
        raise IndicatorInputError(f"{fn}: evaluations.score must lie in 0-100")
    parties = _parties(df["party"])
    w = _party_weights(weights, parties, fn)
    codes, keys = group_index(df, by, fn, "evaluations")
    wide = _graduate_party_scores(df, codes, scores, parties)
    gvals = wide.index.get_level_values("g").to_numpy() if len(wide) else np.zeros(0, int)
    n_students = np.bincount(gvals, minlength=len(keys)).astype(float)
    frames = [_party_mean_rows(keys, wide, gvals, p, n_students, alpha, min_cell)
              for p in parties]
    mat = wide.to_numpy() if len(wide) else np.zeros((0, len(parties)))
    complete = ~np.isnan(mat).any(axis=1)
    frames.append(_composite_rows(keys, mat[complete], gvals[complete], w, parties, n_students,
                                  alpha, min_cell))
    n_complete = np.bincount(gvals[complete], minlength=len(keys)).astype(float)
    icc, cronbach, notes = _agreement(mat[complete], gvals[complete], len(keys), parties, forms,
                                   alpha)
    frames += _agreement_rows(keys, forms, icc, cronbach, notes, parties, n_complete, n_students,
                              alpha, min_cell)
    out = pd.concat(frames, ignore_index=True)
    if by:
        out = out.sort_values(by, kind="stable", na_position="last").reset_index(drop=True)
    return out


def _parties(party: pd.Series) -> list:
    """The parties present: category order for a categorical, else the default three first."""
    if isinstance(party.dtype, pd.CategoricalDtype):
        return [p for p in party.cat.categories if (party == p).any()]
    present = set(party.dropna().astype(str))
    return [p for p in DEFAULT_PARTIES if p in present] + sorted(present - set(DEFAULT_PARTIES))


def _party_weights(weights: Mapping[str, float] | None, parties: list, fn: str) -> dict:
    """Checked composite weights per party (equal by default; not yet normalised)."""
    if weights is None:
        return dict.fromkeys(parties, 1.0)
    unknown = set(weights) - set(parties)
    if unknown:
        raise IndicatorInputError(f"{fn}: weights for parties not in the data: "
                                  f"{sorted(unknown)}; parties: {parties}")
    w = {p: float(weights.get(p, 0.0)) for p in parties}
    if any(v < 0 for v in w.values()) or sum(w.values()) <= 0:
        raise IndicatorInputError(f"{fn}: weights must be >= 0 with a positive sum")
    return w


def _graduate_party_scores(df: pd.DataFrame, codes: np.ndarray, scores: np.ndarray,
                           parties: list) -> pd.DataFrame:
    """Graduate x party table (index group code ``g``, ``student_id``) of mean scores over
    evaluators and dimensions; a party that did not score the graduate is NaN."""
    work = pd.DataFrame({"g": codes, "student_id": df["student_id"].astype(str).to_numpy(),
                         "party": df["party"].astype(str).to_numpy(), "score": scores})
    wide = work.pivot_table(index=["g", "student_id"], columns="party", values="score",
                            aggfunc="mean", observed=True)
    return wide.reindex(columns=parties)


def _group_mean_t(values: np.ndarray, groups: np.ndarray, n_groups: int, alpha: float):
    """Per group: sum, count, mean, standard error s/sqrt(n) and t interval (n-1 df)."""
    n = np.bincount(groups, minlength=n_groups).astype(float)
    s = np.bincount(groups, weights=values, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = s / n
        ss = np.bincount(groups, weights=(values - m[groups]) ** 2, minlength=n_groups)
        se = np.sqrt(ss / (n - 1) / n)
    lo, hi = t_interval(m, se, n - 1, alpha)
    return s, n, m, se, lo, hi


def _party_mean_rows(keys, wide, gvals, party, n_students, alpha, min_cell):
    """Rows ``mean_<party>``: mean of the graduates' scores from one party, t interval."""
    col = wide[party].to_numpy() if len(wide) else np.zeros(0)
    ok = ~np.isnan(col)
    s, n, m, se, lo, hi = _group_mean_t(col[ok], gvals[ok], len(keys), alpha)
    return result_frame(
        keys, "three_party_evaluation", f"mean_{party}", numerator=s, denominator=n,
        estimate=m, se=se, ci_low=lo, ci_high=hi, alpha=alpha, n=n,
        n_excluded=0, n_unknown=n_students - n,
        method=row_notes(f"mean of graduates' {party} scores (each the mean over evaluators "
                         "and dimensions), t interval", n,
                         {"one graduate: standard error undefined": n == 1}),
        min_cell=min_cell)


def _composite_rows(keys, complete_scores, complete_groups, w, parties, n_students,
                    alpha, min_cell):
    """Rows ``weighted_composite``: mean weighted score over graduates scored by every party."""
    wsum = sum(w.values())
    weight_text = ", ".join(f"{p}={w[p] / wsum:.3g}" for p in parties)
    wv = np.array([w[p] for p in parties]) / wsum
    comp = complete_scores @ wv if len(complete_groups) else np.zeros(0)
    s, n, m, se, lo, hi = _group_mean_t(comp, complete_groups, len(keys), alpha)
    return result_frame(
        keys, "three_party_evaluation", "weighted_composite", numerator=s, denominator=n,
        estimate=m, se=se, ci_low=lo, ci_high=hi, alpha=alpha, n=n, n_excluded=0,
        n_unknown=n_students - n,
        method=row_notes(f"mean over graduates scored by every party of the weighted score "
                         f"(weights {weight_text}), t interval", n,
                         {"one graduate: standard error undefined": n == 1}),
        min_cell=min_cell)


def _agreement(complete_scores, complete_groups, n_groups, parties, forms, alpha):
    """Per group: ICC forms (estimate, 95% limits), Cronbach's alpha and limits, and a note
    where agreement is undefined; complete graduates only."""
    icc = {f: np.full((n_groups, 3), np.nan) for f in forms}
    cronbach = np.full((n_groups, 3), np.nan)
    notes = np.full(n_groups, "", dtype=object)
    comp_rows = pd.DataFrame(complete_scores, columns=parties)
    comp_groups = (pd.Series(np.arange(len(complete_groups))).groupby(complete_groups).indices
                   if len(complete_groups) else {})
    for g in range(n_groups):
        idx = comp_groups.get(g)
        if idx is None or len(idx) < 3 or len(parties) < 2:
            notes[g] = ("fewer than 3 graduates scored by every party or fewer than 2 parties: "
                        "agreement undefined (NaN)")
            continue
        sub = comp_rows.iloc[idx]
        if np.allclose(sub.to_numpy(), sub.to_numpy()[0, 0]):
            notes[g] = "all scores equal: agreement undefined (NaN)"
            continue
        res, a, aci = _icc_and_alpha(sub, alpha)
        for f in forms:
            row = ICC_FORMS[f][0]
            if str(res.loc[row, "Type"]) not in _PINGOUIN_TYPES[row]:  # pragma: no cover
                raise RuntimeError(f"unexpected pingouin ICC layout: {res['Type'].tolist()}")
            icc[f][g] = [res.loc[row, "ICC"], *res.loc[row, "CI95"]]
        cronbach[g] = [a, *aci]
    return icc, cronbach, notes


def _icc_and_alpha(sub: pd.DataFrame, alpha: float):
    """pingouin's ICC table (graduates as targets, parties as raters) and Cronbach's alpha."""
    import pingouin as pg  # on use: keeps `import talentlab` light (issue 14)

    long = sub.reset_index(drop=True).rename_axis("target").reset_index().melt(
        id_vars="target", var_name="rater", value_name="rating")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = pg.intraclass_corr(long, targets="target", raters="rater",
                                 ratings="rating").reset_index(drop=True)
        a, aci = pg.cronbach_alpha(data=sub, ci=1 - alpha)
    return res, a, aci


def _agreement_rows(keys, forms, icc, cronbach, notes, parties, n_complete, n_students,
                    alpha, min_cell) -> list[pd.DataFrame]:
    """Rows of the ICC forms (in the order asked) and of Cronbach's alpha."""
    frames = []
    for name in forms:
        values, desc = icc[name], ICC_FORMS[name][1]
        frames.append(result_frame(
            keys, "three_party_evaluation", name, numerator=np.nan, denominator=np.nan,
            estimate=values[:, 0], se=np.nan, ci_low=values[:, 1], ci_high=values[:, 2],
            alpha=0.05, n=n_complete, n_excluded=0,
            n_unknown=n_students - n_complete,
            method=append_notes(row_notes(f"{name}: {desc}; graduates as targets, parties "
                                          f"({', '.join(parties)}) as raters, complete "
                                          "graduates; pingouin.intraclass_corr, F-based 95% "
                                          "interval (pingouin reports 95% only, whatever "
                                          "`alpha` is)", n_complete), notes),
            min_cell=min_cell))
    frames.append(result_frame(
        keys, "three_party_evaluation", "cronbach_alpha", numerator=np.nan,
        denominator=np.nan, estimate=cronbach[:, 0], se=np.nan, ci_low=cronbach[:, 1],
        ci_high=cronbach[:, 2], alpha=alpha, n=n_complete, n_excluded=0,
        n_unknown=n_students - n_complete,
        method=append_notes(row_notes("Cronbach's alpha with parties as items (= ICC(3,k)), "
                                      "complete graduates; pingouin.cronbach_alpha, Feldt "
                                      "interval", n_complete), notes),
        min_cell=min_cell))
    return frames
