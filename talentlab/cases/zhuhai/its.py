"""One college, no comparison majors: the interrupted time series instead of the DiD.

:func:`choose_design` says which design the data allow; without comparison majors
:func:`its_evaluation` fits the reformed majors' cohort means by segmented regression, and
:func:`evaluate_its` is :func:`talentlab.cases.zhuhai.evaluate`'s result on such data (no
verdicts: the DiD rule does not apply).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.cases.zhuhai.result import ZhuhaiEvaluation
from talentlab.cases.zhuhai.samples import (
    OUTCOMES,
    graduates_present,
    indicator_trends,
    outcome_frame,
    tables_missing,
    unavailable_outcomes,
    unlinkable_outcomes,
    with_treated_majors,
)
from talentlab.cases.zhuhai.settings import ZhuhaiSettings
from talentlab.data.schema import COUNT_COLUMN

#: outcomes the ITS path analyses: graduate-level outcomes with one value per graduate
ITS_OUTCOMES = ("job_related_to_major", "local_work", "employer_in_cluster", "retraining_hours",
                "evaluation_score")


#: The note an ITS result carries: why the claims have no verdict.
ITS_NOTE = ("no comparison majors: interrupted time series of the reformed majors instead of the "
            "difference in differences; claims not judged by the DiD verdict rule")


def choose_design(graduates: pd.DataFrame, treated: str = "treated_major",
                  min_comparison_majors: int = 1) -> dict:
    """Which design the data allow: the DiD needs comparison majors, else ITS.

    Returns ``{"design": "did" | "its", "reason": ..., "n_treated_majors", "n_comparison_majors",
    "colleges"}``. ``"its"`` when the data hold reformed majors only (or no reform flag varies):
    a single college's reformed programmes observed cohort by cohort, where the only
    counterfactual is the projected pre-reform trend (Lopez Bernal, Cummins & Gasparrini 2017).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"major": ["a", "b"], "treated_major": [True, True]})
    >>> choose_design(g)["design"]
    'its'
    """
    flags = graduates[["major", treated]].dropna().drop_duplicates("major")
    is_treated = flags[treated].astype(bool)
    n_t, n_c = int(is_treated.sum()), int((~is_treated).sum())
    colleges = (sorted(graduates["college"].dropna().astype(str).unique().tolist())
                if "college" in graduates.columns else [])
    if n_c >= min_comparison_majors and n_t >= 1:
        design, reason = "did", (f"{n_t} reformed and {n_c} comparison majors: difference in "
                                 "differences against the comparison majors")
    else:
        design = "its"
        reason = (f"{n_t} reformed and {n_c} comparison majors: no comparison group, so the "
                  "reformed majors' own pre-reform trend is the counterfactual (interrupted "
                  "time series, segmented regression by cohort)")
    return {"design": design, "reason": reason, "n_treated_majors": n_t,
            "n_comparison_majors": n_c, "colleges": colleges}


def its_evaluation(data, settings: ZhuhaiSettings | None = None, *,
                   outcomes: Sequence[str] | None = None, slope_change: bool = False
                   ) -> pd.DataFrame:
    """Interrupted time series of the reformed majors' cohort means (no comparison majors).

    For each graduate-level outcome the analysis sample of :func:`outcome_frame` (reformed
    majors only) is averaged by graduation cohort, and the cohort means are fitted by segmented
    OLS (:func:`talentlab.evaluation.its.interrupted_time_series`, ``family="ols"``, Newey–West standard
    errors, t reference): ``mean_c = b0 + b1 cohort + b2 post [+ b3 (cohort - t0) post]``. The
    primary row is the level change ``b2`` in the outcome's own unit (proportion points for
    shares, as the DiD). Cohorts with fewer than ``settings.min_cell`` graduates are dropped (and
    counted). On a count table the cohort means and sizes count graduates (means weighted by
    ``count``, sizes its sums), so the series is that of the microdata; an outcome linked by
    student id that a count table cannot link (:func:`unlinkable_outcomes`) is left out by
    default and refused when asked for. Annual data have no seasonality. The design cannot
    separate the reform from anything else that changed for the same cohort (labour market,
    survey), which every method text says.

    Parameters
    ----------
    data : TalentData
        As :func:`talentlab.load_all` returns.
    settings : ZhuhaiSettings, optional
        Its ``reform_cohort``, ``treated_majors``, ``alpha`` (intervals at level 1 - alpha) and
        ``min_cell`` are used (default: the paper's, :class:`ZhuhaiSettings`).
    outcomes : sequence of str, optional
        ITS outcomes (:data:`ITS_OUTCOMES`; default: those whose tables the data hold and can
        link). Not ``settings.outcomes``: :func:`evaluate` runs every ITS outcome it can.
    slope_change : bool
        Also fit the change of slope at the reform.

    Returns
    -------
    DataFrame
        The tidy ITS rows with ``label_en``, ``label_zh``, ``scale``, ``design`` ("its"),
        ``n`` (graduates), ``n_time_points`` (cohorts) and ``n_cohorts_dropped_small``.

    Examples
    --------
    >>> import talentlab
    >>> from talentlab.cases import zhuhai
    >>> res = zhuhai.its_evaluation(talentlab.load_all(), outcomes=["local_work"])
    >>> res.loc[0, ["outcome", "term", "design"]].tolist()
    ['local_work', 'level_change', 'its']
    """
    from talentlab.evaluation.its import interrupted_time_series

    settings = ZhuhaiSettings() if settings is None else settings
    min_cell = settings.checked_min_cell
    graduates = graduates_present(with_treated_majors(data.graduates, settings.treated_majors))
    # by default the outcomes whose tables the data hold and can link (no error here)
    unlinkable = unlinkable_outcomes(data, graduates, ITS_OUTCOMES)
    outcomes = list([o for o in ITS_OUTCOMES if not tables_missing(data, o)
                     and o not in unlinkable] if outcomes is None else outcomes)
    unknown = sorted(set(outcomes) - set(ITS_OUTCOMES))
    if unknown:
        raise ValueError(f"its_evaluation: outcomes {unknown} are not graduate-level outcomes "
                         f"the ITS path analyses; known: {', '.join(ITS_OUTCOMES)}")
    rows = []
    for outcome in outcomes:
        frame = outcome_frame(data, outcome, graduates)
        frame = frame[frame["treated_major"]]
        weight = (pd.to_numeric(frame[COUNT_COLUMN]).astype(float)
                  if COUNT_COLUMN in frame.columns else pd.Series(1.0, index=frame.index))
        cells = pd.DataFrame({"cohort": frame["cohort"].astype(int), "size": weight,
                              "total": weight * frame[outcome].astype(float)})
        by = cells.groupby("cohort")[["size", "total"]].sum().reset_index()
        by = by[by["size"] > 0]
        by["mean"] = by["total"] / by["size"]
        by["size"] = by["size"].astype(np.int64)
        small = by["size"] < min_cell
        series = by.loc[~small, ["cohort", "mean", "size"]].rename(
            columns={"mean": outcome, "size": "n_graduates"}).reset_index(drop=True)
        res = interrupted_time_series(series, outcome, "cohort", settings.reform_cohort,
                                      family="ols", slope_change=slope_change,
                                      alpha=settings.alpha)
        res["method"] = res["method"] + (
            "; one group, no comparison majors: the level change also absorbs anything else "
            "that changed at the reform cohort")
        # n = graduates the estimate rests on (people, for disclosure control);
        # n_time_points = cohorts in the regression
        res["n_time_points"] = res["n"]
        res["n"] = res["n_graduates"] = int(series["n_graduates"].sum())
        res["n_cohorts_dropped_small"] = int(small.sum())
        res["label_en"], res["label_zh"] = OUTCOMES[outcome][1], OUTCOMES[outcome][2]
        res["scale"] = OUTCOMES[outcome][3]
        res["design"] = "its"
        rows.append(res)
    return pd.concat(rows, ignore_index=True)


def evaluate_its(data, graduates: pd.DataFrame, choice: dict, settings: ZhuhaiSettings
                 ) -> ZhuhaiEvaluation:
    """:func:`evaluate` on data without comparison majors: the interrupted time series
    (:func:`its_evaluation`), the trends, and no verdicts (the DiD rule does not apply).
    ``choice`` is :func:`choose_design`'s answer, kept in the result's design."""
    its = its_evaluation(data, settings)
    design = {**choice, "reform_cohort": int(settings.reform_cohort), "alpha": settings.alpha}
    skipped = {**unavailable_outcomes(data, ITS_OUTCOMES),
               **unlinkable_outcomes(data, graduates, ITS_OUTCOMES)}
    return ZhuhaiEvaluation(
        effects=its, event_study=pd.DataFrame(),
        pretrend=pd.DataFrame(columns=["outcome", "pretrend_p"]),
        mde=pd.DataFrame(columns=["outcome", "mde"]), adaptation=None,
        verdicts=pd.DataFrame(columns=["claim_id", "outcome", "verdict"]),
        trends=indicator_trends(graduates, min_cell=settings.min_cell), design=design,
        notes=[ITS_NOTE] + [f"{o}: not analysed: {why}" for o, why in skipped.items()],
        unavailable=skipped)
