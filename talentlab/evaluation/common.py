"""Shared pieces of the evaluation estimators: the tidy result layout and input checks.

Every public estimator returns the columns of :data:`RESULT_COLUMNS`; bad input raises
:class:`EvaluationInputError` naming the function, column and rule. The helpers here are what
the estimator modules (did, event_study, mde, mixed, survival, staggered, its) share: column
checks and conversions, factor codes and dummy matrices, and the tidy result rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.data.schema import COUNT_COLUMN

#: Columns every evaluation result carries (in this order, extras follow).
RESULT_COLUMNS = [
    "outcome", "term", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "n_clusters",
    "method", "alpha", "null_value", "primary",
]

DID_TERM = "treated_x_post"
INFERENCE_METHODS = ("wild_bootstrap", "cr3", "cluster")
#: CR3 scalings: "jackknife" (G-1)/G (MacKinnon, Nielsen & Webb 2023) or "pyfixest"
#: G/(G-1) (N-1)/(N-K) (pyfixest's CRV3 with its default ssc()); see the module docstring.
CR3_CONVENTIONS = ("jackknife", "pyfixest")
#: wild bootstrap weight distributions: Webb (2023) six-point or Rademacher (+-1, p = 1/2)
BOOTSTRAP_WEIGHTS = ("webb", "rademacher")
#: Default seed of every resampling in evaluation (bootstrap draws, Monte Carlo randomization
#: inference, the design advisor's simulations): a fixed seed gives identical results each run.
#: A study passes its own seeds explicitly (the paper's are in :mod:`talentlab.cases.settings`).
DEFAULT_SEED = 0


class EvaluationInputError(ValueError):
    """Bad input to an evaluation function (missing column, wrong values); says what and where."""


def require_columns(data: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    """Raise :class:`EvaluationInputError` unless ``data`` is a DataFrame with ``columns``.

    Parameters
    ----------
    data : DataFrame
        The table handed to an estimator.
    columns : sequence of str
        Columns the estimator reads.
    where : str
        The function's name, the start of the message.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"y": [1]}), ["y", "cohort"], "did")
    Traceback (most recent call last):
    ...
    talentlab.evaluation.common.EvaluationInputError: did: column(s) ['cohort'] not found; available columns: ['y']
    """
    if not isinstance(data, pd.DataFrame):
        raise EvaluationInputError(
            f"{where}: expected a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise EvaluationInputError(
            f"{where}: column(s) {missing} not found; available columns: {list(data.columns)}"
        )


def as_float(series: pd.Series, name: str, where: str) -> np.ndarray:
    """A numeric or (nullable) boolean column as a float array, NaN for missing.

    Parameters
    ----------
    series : Series
        The column.
    name, where : str
        Column and function named in the error for any other dtype.

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> import pandas as pd
    >>> as_float(pd.Series([True, None, False], dtype="boolean"), "local_work", "did")
    array([ 1., nan,  0.])
    """
    if pd.api.types.is_bool_dtype(series.dtype) or str(series.dtype) == "boolean":
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return pd.to_numeric(series).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    raise EvaluationInputError(
        f"{where}: column '{name}' must be numeric or boolean, got dtype {series.dtype}"
    )


def as_binary(series: pd.Series, name: str, where: str) -> np.ndarray:
    """A complete boolean or 0/1 column as a bool array.

    Parameters
    ----------
    series : Series
        The column (boolean, or numeric holding only 0 and 1, no missing value).
    name, where : str
        Column and function named in the error.

    Returns
    -------
    ndarray of bool

    Examples
    --------
    >>> import pandas as pd
    >>> as_binary(pd.Series([0, 1, 1]), "treated_major", "did")
    array([False,  True,  True])
    """
    values = as_float(series, name, where)
    if np.isnan(values).any():
        raise EvaluationInputError(
            f"{where}: column '{name}' has {int(np.isnan(values).sum())} missing value(s); "
            "it must be complete"
        )
    bad = sorted(set(np.unique(values)) - {0.0, 1.0})
    if bad:
        raise EvaluationInputError(
            f"{where}: column '{name}' must be boolean or 0/1, found value(s) {bad[:5]}"
        )
    return values.astype(bool)


def as_int(series: pd.Series, name: str, where: str) -> np.ndarray:
    """A complete column of whole numbers (years) as an int array.

    Parameters
    ----------
    series : Series
        The column (numeric, whole numbers, no missing value).
    name, where : str
        Column and function named in the error.

    Returns
    -------
    ndarray of int

    Examples
    --------
    >>> import pandas as pd
    >>> as_int(pd.Series([2021.0, 2022.0]), "cohort", "did")
    array([2021, 2022])
    """
    values = as_float(series, name, where)
    if np.isnan(values).any():
        raise EvaluationInputError(
            f"{where}: column '{name}' has {int(np.isnan(values).sum())} missing value(s)"
        )
    if not np.all(values == np.round(values)):
        raise EvaluationInputError(f"{where}: column '{name}' must hold whole numbers (years)")
    return values.astype(int)


def factor_codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes 0..k-1 of a complete column and its sorted distinct values.

    Parameters
    ----------
    series : Series
        A column without missing values (its name appears in the error).

    Returns
    -------
    codes : ndarray of int
    labels : ndarray
        The distinct values in sorted order; ``labels[codes]`` is the column.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, labels = factor_codes(pd.Series(["b", "a", "b"], name="major"))
    >>> codes.tolist(), labels.tolist()
    ([1, 0, 1], ['a', 'b'])
    """
    codes, uniques = pd.factorize(series, sort=True)
    if (codes < 0).any():
        raise EvaluationInputError(f"column '{series.name}' has missing values")
    return codes, np.asarray(uniques)


def dummy_matrix(codes: np.ndarray, drop_first: bool) -> np.ndarray:
    """Indicator columns of integer codes, one per level (the first dropped if asked).

    Parameters
    ----------
    codes : ndarray of int
        Codes 0..k-1 (:func:`factor_codes`).
    drop_first : bool
        Leave out the column of level 0 (the reference level of a fixed effect).

    Returns
    -------
    ndarray, shape (len(codes), k) or (len(codes), k - 1)

    Examples
    --------
    >>> import numpy as np
    >>> dummy_matrix(np.array([0, 2, 1]), drop_first=True)
    array([[0., 0.],
           [0., 1.],
           [1., 0.]])
    """
    k = int(codes.max()) + 1 if len(codes) else 0
    mat = np.zeros((len(codes), k))
    mat[np.arange(len(codes)), codes] = 1.0
    return mat[:, 1:] if drop_first else mat


def tidy_result(rows: list[dict]) -> pd.DataFrame:
    """Result rows as a DataFrame with the columns of :data:`RESULT_COLUMNS` first.

    Parameters
    ----------
    rows : list of dict
        One dict per estimate; missing result columns become NaN, extra keys follow.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> out = tidy_result([{"outcome": "y", "estimate": 0.1, "cohort": 2022}])
    >>> list(out.columns) == RESULT_COLUMNS + ["cohort"]
    True
    """
    frame = pd.DataFrame(rows)
    for col in RESULT_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    extras = [c for c in frame.columns if c not in RESULT_COLUMNS]
    return frame[RESULT_COLUMNS + extras]


def not_estimable_row(outcome: str, term: str, reason: str, alpha: float, n: int,
                      n_clusters: int, **extra) -> dict:
    """The result row of an estimate that cannot be computed: NaN numbers and the reason.

    Parameters
    ----------
    outcome, term : str
        What the row is about.
    reason : str
        Why it is not estimable; the method column reads ``"not estimable: <reason>"``.
    alpha : float
        The interval level the caller asked for (interval at level 1 - alpha).
    n, n_clusters : int
        Observations and clusters there were.
    **extra
        Further columns.

    Returns
    -------
    dict

    Examples
    --------
    >>> not_estimable_row("y", "treated_x_post", "only 2 cluster(s)", 0.05, 40, 2)["method"]
    'not estimable: only 2 cluster(s)'
    """
    return {
        "outcome": outcome, "term": term, "estimate": np.nan, "se": np.nan, "ci_low": np.nan,
        "ci_high": np.nan, "p_value": np.nan, "n": n, "n_clusters": n_clusters,
        "method": f"not estimable: {reason}", "alpha": alpha, "null_value": 0.0,
        "primary": True, **extra,
    }


def count_column(data: pd.DataFrame, count: str | None) -> str | None:
    """The column of graduates per row to weight by: ``count`` when ``data`` has it, None
    without one (a column named explicitly, other than the contract's, must exist).

    Parameters
    ----------
    data : DataFrame
        The table (microdata, one row per graduate, or a count table).
    count : str or None
        The count column asked for (the contract's ``COUNT_COLUMN`` by default in callers).

    Returns
    -------
    str or None

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.data.schema import COUNT_COLUMN
    >>> count_column(pd.DataFrame({"y": [1]}), COUNT_COLUMN) is None
    True
    """
    if count is None:
        return None
    if isinstance(data, pd.DataFrame) and count not in data.columns and count == COUNT_COLUMN:
        return None
    return count


def check_alpha(alpha: float) -> None:
    """Raise :class:`EvaluationInputError` unless 0 < ``alpha`` < 1 (interval at 1 - alpha).

    Examples
    --------
    >>> check_alpha(1.5)
    Traceback (most recent call last):
    ...
    talentlab.evaluation.common.EvaluationInputError: alpha must lie in (0, 1), got 1.5
    """
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"alpha must lie in (0, 1), got {alpha}")
