"""Tables as a notebook shows them: numbers rounded, a missing value shown as a dash.

pandas shows a missing value as ``NaN``, ``<NA>`` or ``None`` depending on the column's dtype; a
reader of a notebook page should not have to know which. :func:`shown` gives the copy a notebook
displays (the CSV files keep the values as they are).
"""

from __future__ import annotations

import pandas as pd

#: What a missing value reads as in a displayed table.
MISSING = "—"


def shown(table: pd.DataFrame, digits: int | None = 4, missing: str = MISSING) -> pd.DataFrame:
    """A copy of ``table`` for display: floats rounded to ``digits`` and every missing value
    (``NaN``, ``<NA>``, ``None``, ``NaT``) written as ``missing``.

    Columns that hold a missing value become text columns (object dtype), so the dash shows in
    both the HTML and the plain-text rendering; the others keep their dtype. The index is kept.

    Parameters
    ----------
    table : DataFrame
        The table to show (not modified).
    digits : int or None
        Decimal places of float columns; ``None`` leaves them as they are.
    missing : str
        The text of a missing value (default an em dash).

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> t = pd.DataFrame({"outcome": ["a", None], "estimate": [0.123456, np.nan],
    ...                   "n": pd.array([12, None], dtype="Int64")})
    >>> shown(t)
      outcome estimate   n
    0       a   0.1235  12
    1       —        —   —
    """
    columns = []
    for j in range(table.shape[1]):  # by position: a table may repeat a column name
        values = table.iloc[:, j]
        if digits is not None and pd.api.types.is_float_dtype(values.dtype):
            values = values.round(digits)
        if values.isna().any():
            values = values.astype(object).where(values.notna(), missing)
        columns.append(values)
    if not columns:
        return table.copy()
    out = pd.concat(columns, axis=1, ignore_index=True)
    out.columns = table.columns
    out.index = table.index
    return out
