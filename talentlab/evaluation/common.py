"""Shared pieces of the evaluation estimators: the tidy result layout and input checks.

Every public estimator returns the columns of :data:`RESULT_COLUMNS`; bad input raises
:class:`EvaluationInputError` naming the function, column and rule.
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


class EvaluationInputError(ValueError):
    """Bad input to an evaluation function (missing column, wrong values); says what and where."""


def _require_columns(data: pd.DataFrame, columns: Sequence[str], where: str) -> None:
    if not isinstance(data, pd.DataFrame):
        raise EvaluationInputError(f"{where}: expected a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise EvaluationInputError(
            f"{where}: column(s) {missing} not found; available columns: {list(data.columns)}"
        )


def _as_float(series: pd.Series, name: str, where: str) -> np.ndarray:
    """Numeric or (nullable) boolean column as float with NaN for missing."""
    if pd.api.types.is_bool_dtype(series.dtype) or str(series.dtype) == "boolean":
        return series.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    if pd.api.types.is_numeric_dtype(series.dtype):
        return pd.to_numeric(series).astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    raise EvaluationInputError(
        f"{where}: column '{name}' must be numeric or boolean, got dtype {series.dtype}"
    )


def _as_binary(series: pd.Series, name: str, where: str) -> np.ndarray:
    values = _as_float(series, name, where)
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


def _as_int(series: pd.Series, name: str, where: str) -> np.ndarray:
    values = _as_float(series, name, where)
    if np.isnan(values).any():
        raise EvaluationInputError(
            f"{where}: column '{name}' has {int(np.isnan(values).sum())} missing value(s)"
        )
    if not np.all(values == np.round(values)):
        raise EvaluationInputError(f"{where}: column '{name}' must hold whole numbers (years)")
    return values.astype(int)


def _codes(series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    codes, uniques = pd.factorize(series, sort=True)
    if (codes < 0).any():
        raise EvaluationInputError(f"column '{series.name}' has missing values")
    return codes, np.asarray(uniques)


def _dummies(codes: np.ndarray, drop_first: bool) -> np.ndarray:
    k = int(codes.max()) + 1 if len(codes) else 0
    mat = np.zeros((len(codes), k))
    mat[np.arange(len(codes)), codes] = 1.0
    return mat[:, 1:] if drop_first else mat


def _tidy(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    for col in RESULT_COLUMNS:
        if col not in frame.columns:
            frame[col] = np.nan
    extras = [c for c in frame.columns if c not in RESULT_COLUMNS]
    return frame[RESULT_COLUMNS + extras]


def _not_estimable_row(outcome: str, term: str, reason: str, alpha: float, n: int,
                       n_clusters: int, **extra) -> dict:
    return {
        "outcome": outcome, "term": term, "estimate": np.nan, "se": np.nan, "ci_low": np.nan,
        "ci_high": np.nan, "p_value": np.nan, "n": n, "n_clusters": n_clusters,
        "method": f"not estimable: {reason}", "alpha": alpha, "null_value": 0.0,
        "primary": True, **extra,
    }


def _count_column(data: pd.DataFrame, count: str | None) -> str | None:
    """The column of graduates per row to weight by: ``count`` when ``data`` has it, None
    without one (a column named explicitly, other than the contract's, must exist)."""
    if count is None:
        return None
    if isinstance(data, pd.DataFrame) and count not in data.columns and count == COUNT_COLUMN:
        return None
    return count


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"alpha must lie in (0, 1), got {alpha}")
