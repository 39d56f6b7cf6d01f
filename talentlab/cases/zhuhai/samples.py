"""The Zhuhai outcomes and their analysis samples.

:data:`OUTCOMES` names each outcome a Zhuhai claim can rest on, with its kind, labels and unit;
:data:`OUTCOME_TABLES` the record tables each needs; :func:`outcome_frame` builds an outcome's
analysis sample from the records, and :func:`indicator_trends` the claims' indicators by cohort.
graduates may be a count table (:func:`graduates_present`, :func:`n_graduates`); ratings and
evaluations link to graduates by student id, which a count table may not carry
(:func:`unlinkable_outcomes`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab import evaluation as ev
from talentlab import indicators as ind
from talentlab.data.disclosure import check_min_cell
from talentlab.data.io import not_supplied
from talentlab.data.schema import COUNT_COLUMN, EMPLOYED, EMPLOYEES

#: outcome → (kind, English label, Chinese label, unit of the estimate)
OUTCOMES = {
    "job_related_to_major": ("did", "Counterpart employment (job related to major)",
                             "专业对口就业", "share (percentage points / 100)"),
    "local_work": ("did", "Local employment", "本地就业", "share (percentage points / 100)"),
    "employer_in_cluster": ("did", "Employment in cluster enterprises", "集群企业就业",
                            "share (percentage points / 100)"),
    "retraining_hours": ("did", "Enterprise retraining hours", "企业再培训时长", "hours"),
    "evaluation_score": ("did", "Enterprise evaluation score (three-party evaluation)",
                         "企业评价得分（三方评价）", "points (0–100)"),
    "recognition_score": ("mixed", "Enterprise recognition score", "用人单位认可度得分",
                          "points (0–100)"),
    "adaptation_months": ("survival", "Post adaptation cycle (hazard ratio of independent work)",
                          "岗位适应期（独立上岗风险比）", "hazard ratio"),
    "technical_service_projects": ("programme", "Technical service projects",
                                   "技术服务项目数", "projects per major-year"),
    "sme_employees_trained": ("programme", "SME employees trained", "培训中小企业员工人次",
                              "people per major-year"),
}


#: outcome → the record tables its analysis reads. graduates carry the reform flag
#: (treated_major) and the cohorts, so every outcome needs them; programme facts take the flag of
#: their major from graduates.
OUTCOME_TABLES = {
    "job_related_to_major": ("graduates",),
    "local_work": ("graduates",),
    "employer_in_cluster": ("graduates",),
    "retraining_hours": ("graduates",),
    "evaluation_score": ("graduates", "evaluations"),
    "recognition_score": ("graduates", "employer_ratings"),
    "adaptation_months": ("graduates",),
    "technical_service_projects": ("graduates", "programmes"),
    "sme_employees_trained": ("graduates", "programmes"),
}


def tables_missing(data, outcome: str) -> tuple[str, ...]:
    """The record tables ``outcome`` needs that ``data`` does not hold (empty: it can run).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.data.io import TalentData
    >>> data = TalentData(graduates=pd.DataFrame())
    >>> tables_missing(data, "local_work"), tables_missing(data, "recognition_score")
    ((), ('employer_ratings',))
    """
    if outcome not in OUTCOME_TABLES:
        raise ValueError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOME_TABLES)}")
    return tuple(t for t in OUTCOME_TABLES[outcome] if getattr(data, t, None) is None)


def unavailable_outcomes(data, outcomes: Sequence[str]) -> dict[str, str]:
    """Outcome → why it cannot be analysed (``"no employer_ratings supplied"``), for those of
    ``outcomes`` whose tables ``data`` does not hold."""
    return {o: not_supplied(tables_missing(data, o)) for o in outcomes if tables_missing(data, o)}


#: outcome -> the table its analysis links to graduates by student_id
LINKED_BY_STUDENT = {"evaluation_score": "evaluations", "recognition_score": "employer_ratings"}


def graduates_present(graduates: pd.DataFrame) -> pd.DataFrame:
    """graduates without the rows of a count table that stand for no graduate (count 0).

    Examples
    --------
    >>> import pandas as pd
    >>> g = pd.DataFrame({"major": ["a", "b"], "count": [3, 0]})
    >>> graduates_present(g)["major"].tolist()
    ['a']
    """
    if COUNT_COLUMN not in graduates.columns:
        return graduates
    counts = pd.to_numeric(graduates[COUNT_COLUMN])
    return graduates[(counts != 0).to_numpy(dtype=bool, na_value=True)]


def n_graduates(graduates: pd.DataFrame) -> int:
    """Graduates in the table: the sum of a count table's counts, else the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> n_graduates(pd.DataFrame({"count": [3, 0, 2]})), n_graduates(pd.DataFrame({"x": [1, 2]}))
    (5, 2)
    """
    if COUNT_COLUMN not in graduates.columns:
        return int(len(graduates))
    return int(pd.to_numeric(graduates[COUNT_COLUMN]).sum())


def unlinkable_outcomes(data, graduates: pd.DataFrame, outcomes: Sequence[str]
                        ) -> dict[str, str]:
    """Outcome -> why its table cannot be linked to ``graduates`` by student id, for those of
    ``outcomes`` in :data:`LINKED_BY_STUDENT` whose table ``data`` holds.

    A count table links only if each graduate has a row of its own with a ``student_id``
    (every row of count > 0 counts 1 and has an id); otherwise ratings and evaluations cannot
    be attributed to a major and cohort, and their outcomes are not analysed.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.data.io import TalentData
    >>> g = pd.DataFrame({"major": ["a"], "count": [12]})
    >>> data = TalentData(graduates=g, employer_ratings=pd.DataFrame())
    >>> unlinkable_outcomes(data, g, ["recognition_score", "local_work"])["recognition_score"]
    'graduates is a count table: 12 of 12 graduates have no row with a student_id of their own, so employer_ratings cannot be linked to them'
    """
    if COUNT_COLUMN not in graduates.columns:
        return {}
    counts = pd.to_numeric(graduates[COUNT_COLUMN]).to_numpy(dtype=float, na_value=np.nan)
    ids = (graduates["student_id"].notna().to_numpy() if "student_id" in graduates.columns
           else np.zeros(len(graduates), dtype=bool))
    unlinked = int(counts[(counts > 0) & ~(ids & (counts == 1))].sum())
    if not unlinked:
        return {}
    total = int(np.nansum(counts))
    return {o: (f"graduates is a count table: {unlinked} of {total} graduates have no row with "
                f"a student_id of their own, so {LINKED_BY_STUDENT[o]} cannot be linked to them")
            for o in outcomes
            if o in LINKED_BY_STUDENT and getattr(data, LINKED_BY_STUDENT[o], None) is not None}


#: indicator trends drawn by cohort for reformed vs comparison majors
TREND_INDICATORS = ("counterpart_employment_rate", "local_employment_rate",
                    "cluster_employment_rate", "retraining_hours")


def with_treated_majors(graduates: pd.DataFrame, treated_majors: Sequence[str] | None
                        ) -> pd.DataFrame:
    """Graduates with ``treated_major`` set from a list of majors (default: as flagged)."""
    if treated_majors is None:
        return graduates
    unknown = sorted(set(treated_majors) - set(graduates["major"].dropna().unique()))
    if unknown:
        raise ValueError(f"treated_majors not found in the data: {unknown}")
    out = graduates.copy()
    out["treated_major"] = out["major"].isin(list(treated_majors)).astype("boolean")
    return out


def outcome_frame(data, outcome: str, graduates: pd.DataFrame | None = None) -> pd.DataFrame:
    """The analysis sample of one outcome, with the outcome as a float column of that name.

    An outcome whose tables ``data`` does not hold (:data:`OUTCOME_TABLES`) is a ``ValueError``
    saying which table is not supplied.
    """
    if outcome in OUTCOME_TABLES:
        absent = [t for t in tables_missing(data, outcome)
                  if not (t == "graduates" and graduates is not None)]
        if absent:
            raise ValueError(f"outcome {outcome!r} needs {', '.join(OUTCOME_TABLES[outcome])}: "
                             f"{not_supplied(absent)}")
    g = data.graduates if graduates is None else graduates
    unlinkable = unlinkable_outcomes(data, g, [outcome]) if outcome in LINKED_BY_STUDENT else {}
    if unlinkable:
        raise ValueError(f"outcome {outcome!r}: {unlinkable[outcome]}")
    dest = g["destination"].astype("string")
    if outcome == "job_related_to_major":
        frame = g[(dest == "employed_full_time") & g["job_related_to_major"].notna()].copy()
        frame[outcome] = frame["job_related_to_major"].astype(float)
    elif outcome == "local_work":
        frame = g[dest.isin(EMPLOYED) & g["work_region"].notna()].copy()
        frame[outcome] = (frame["work_region"].astype("string") == "local").astype(float)
    elif outcome == "employer_in_cluster":
        frame = g[dest.isin(EMPLOYED) & g["employer_in_cluster"].notna()].copy()
        frame[outcome] = frame["employer_in_cluster"].astype(float)
    elif outcome == "retraining_hours":
        frame = g[dest.isin(EMPLOYEES) & g["retraining_hours"].notna()].copy()
    elif outcome == "evaluation_score":
        ent = data.evaluations[data.evaluations["party"].astype("string") == "enterprise"]
        score = ent.groupby("student_id", observed=True)["score"].mean().rename(outcome)
        frame = g.merge(score, left_on="student_id", right_index=True, how="inner")
    elif outcome == "recognition_score":
        ratings = data.employer_ratings.copy()
        ratings[outcome] = ev.recognition_score(ratings)
        keys = [c for c in ("student_id", "college", "major", "cohort", "treated_major")
                if c in g.columns]
        frame = ratings.merge(g[keys],
                              on="student_id", how="inner")
        frame = frame[frame[outcome].notna()]
    elif outcome == "adaptation_months":
        frame = g[g["adaptation_months"].notna() & g["adaptation_reached"].notna()].copy()
    elif outcome in ("technical_service_projects", "sme_employees_trained"):
        treated = (g.groupby("major", observed=True)["treated_major"].max()
                   .astype(bool).rename("treated_major"))
        frame = data.programmes.merge(treated, left_on="major", right_index=True, how="inner")
        frame = frame.rename(columns={"year": "cohort"})
        frame[outcome] = frame[outcome].astype(float)
    else:
        raise ValueError(f"unknown outcome {outcome!r}; known: {', '.join(OUTCOMES)}")
    frame = frame.reset_index(drop=True)
    frame["treated_major"] = frame["treated_major"].astype(bool)
    return frame


def indicator_trends(graduates: pd.DataFrame, min_cell: int | None = None) -> pd.DataFrame:
    """The claims' indicators by cohort for reformed vs comparison majors (for plots);
    ``min_cell`` defaults to :data:`talentlab.data.disclosure.MIN_CELL`."""
    min_cell = check_min_cell(min_cell)
    # engine="auto": national-scale tables (engines.AUTO_DUCKDB_ROWS rows or more) are counted
    # by DuckDB from the same definitions; smaller ones take the pandas indicator functions
    frames = [ind.compute_all({"graduates": graduates}, ["cohort", "treated_major"],
                              indicators=list(TREND_INDICATORS), min_cell=min_cell,
                              engine="auto")]
    adapt = ind.adaptation_cycle(graduates, by=["cohort", "treated_major"], min_cell=min_cell)
    frames.append(adapt[adapt["statistic"] == "km_median"])
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["indicator", "treated_major", "cohort"]).reset_index(drop=True)


def claimed_signs(zhuhai_claims: pd.DataFrame) -> dict[str, int]:
    """Outcome -> +1 / -1: the claimed direction of the first judged impact claim naming it
    (the side the relative-magnitudes sensitivity analysis tests)."""
    signs: dict[str, int] = {}
    for rec in zhuhai_claims.to_dict("records"):
        if (pd.notna(rec["outcome"]) and rec["claimed_direction"] in ("increase", "decrease")
                and rec["analysis"] in ("zhuhai_did", "zhuhai_survival", "zhuhai_mixed")):
            signs.setdefault(str(rec["outcome"]),
                             1 if rec["claimed_direction"] == "increase" else -1)
    return signs
