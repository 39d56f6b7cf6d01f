"""Event-study plot data with labels in English or Chinese (presentation of the numbers of
:func:`talentlab.evaluation.event_study`; :func:`talentlab.report.figures.plot_event_study` draws
the returned frame).

Moved here from :mod:`talentlab.evaluation` (issue 13): statistics return numbers, the report
layer names them.
"""

from __future__ import annotations

import pandas as pd

from talentlab.evaluation import EvaluationInputError, event_study_points

__all__ = ["EVENT_STUDY_LABELS", "event_study_plot_data"]

#: Axis and legend labels for the event-study plot (English, Chinese).
EVENT_STUDY_LABELS = {
    "en": {"x": "Cohort relative to the reform", "y": "Effect (difference vs reference cohort)",
           "pre": "before reform", "post": "after reform", "reference": "reference cohort",
           "title": "Event study"},
    "zh": {"x": "相对改革届别", "y": "效应（相对参照届别的差异）", "pre": "改革前",
           "post": "改革后", "reference": "参照届别", "title": "事件研究"},
}


def event_study_plot_data(result: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Data for an event-study plot (no drawing: :func:`~talentlab.report.figures.plot_event_study`
    draws it).

    Returns columns ``outcome``, ``rel_cohort``, ``cohort``, ``estimate``, ``ci_low``,
    ``ci_high``, ``period``, ``period_label`` (in ``lang``: "en" or "zh"), ``is_reference``,
    sorted by ``rel_cohort``; the returned frame's ``attrs['labels']`` holds axis labels in that
    language.

    Examples
    --------
    >>> import pandas as pd
    >>> es = pd.DataFrame({"outcome": "y", "rel_cohort": [-1, 0], "cohort": [2021, 2022],
    ...                    "estimate": [0.0, 0.1], "ci_low": [None, 0.0],
    ...                    "ci_high": [None, 0.2], "period": ["reference", "post"]})
    >>> event_study_plot_data(es, lang="zh")["period_label"].tolist()
    ['参照届别', '改革后']
    """
    if lang not in EVENT_STUDY_LABELS:
        raise EvaluationInputError(f"event_study_plot_data: lang must be 'en' or 'zh', got {lang!r}")
    labels = EVENT_STUDY_LABELS[lang]
    points = event_study_points(result)
    out = points.drop(columns="is_reference")
    out["period_label"] = out["period"].map(labels)
    out["is_reference"] = points["is_reference"]
    out.attrs["labels"] = dict(labels)
    return out
