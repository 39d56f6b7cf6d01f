"""The survival table shared by the survival functions: duration, event and the graduates
each row stands for (a count table's ``count``), checked.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.evaluation.common import (
    EvaluationInputError,
    as_float,
    require_columns,
)


def graduate_counts(data: pd.DataFrame, count: str | None, where: str) -> np.ndarray | None:
    """Graduates per row (int64) from the count column ``count``, or None (one per row).

    Parameters
    ----------
    data : DataFrame
    count : str or None
        The count column (whole numbers >= 0), or None.
    where : str
        The calling function, named in errors.

    Returns
    -------
    ndarray of int64 or None

    Examples
    --------
    >>> import pandas as pd
    >>> graduate_counts(pd.DataFrame({"count": [3, 0]}), "count", "km_table").tolist()
    [3, 0]
    """
    if count is None:
        return None
    values = as_float(data[count], count, where)
    bad = np.isnan(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise EvaluationInputError(
            f"{where}: column '{count}' (graduates per row) must hold whole numbers >= 0; "
            f"{int(bad.sum())} row(s) do not, e.g. row {data.index[first]!r} holds "
            f"{data[count].iloc[first]!r}")
    return values.astype(np.int64)


def survival_frame(data, duration, event, where, count: str | None = None) -> pd.DataFrame:
    """Rows with a duration and an event as ``_T`` / ``_E``; with ``count``, the graduates per
    row as ``_W`` (rows of count 0 left out).

    Parameters
    ----------
    data : DataFrame
    duration, event : str
        Columns: time to the event (>= 0) and whether it was reached (boolean or 0/1).
    where : str
        The calling function, named in errors.
    count : str, optional

    Returns
    -------
    DataFrame
        ``data``'s rows with a duration and an event, plus ``_T``, ``_E`` (and ``_W``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"months": [3.0, None, 5.0], "reached": [True, True, False]})
    >>> survival_frame(d, "months", "reached", "km_table")[["_T", "_E"]].values.tolist()
    [[3.0, 1.0], [5.0, 0.0]]
    """
    require_columns(data, [duration, event] + ([count] if count else []), where)
    t = as_float(data[duration], duration, where)
    e = as_float(data[event], event, where)
    keep = ~(np.isnan(t) | np.isnan(e))
    if (t[keep] < 0).any():
        raise EvaluationInputError(f"{where}: column '{duration}' has negative durations")
    if not set(np.unique(e[keep])) <= {0.0, 1.0}:
        raise EvaluationInputError(f"{where}: column '{event}' must be boolean or 0/1")
    weights = graduate_counts(data, count, where)
    if weights is not None:
        keep &= weights > 0
    out = data.loc[keep].copy()
    out["_T"] = t[keep]
    out["_E"] = e[keep].astype(int)
    if weights is not None:
        out["_W"] = weights[keep]
    return out


def frame_weights(frame: pd.DataFrame) -> np.ndarray | None:
    """The graduates per row of a survival frame (``_W``), or None: one per row.

    Examples
    --------
    >>> import pandas as pd
    >>> frame_weights(pd.DataFrame({"_T": [1.0], "_W": [4]})).tolist()
    [4]
    """
    return frame["_W"].to_numpy(dtype=np.int64) if "_W" in frame.columns else None


def n_graduates(frame: pd.DataFrame, mask: np.ndarray | None = None) -> int:
    """Graduates in the rows of ``frame`` (those of ``mask``): counts summed, or rows.

    Examples
    --------
    >>> import pandas as pd
    >>> n_graduates(pd.DataFrame({"_T": [1.0, 2.0], "_W": [4, 3]}))
    7
    """
    w = frame_weights(frame)
    if w is None:
        return int(len(frame) if mask is None else np.count_nonzero(mask))
    return int(w.sum() if mask is None else w[mask].sum())



def internal_count(surv: pd.DataFrame) -> str | None:
    """The count column of a frame :func:`survival_frame` made (``_W``), or None.

    Examples
    --------
    >>> import pandas as pd
    >>> internal_count(pd.DataFrame({"_T": [1.0]})) is None
    True
    """
    return "_W" if "_W" in surv.columns else None

