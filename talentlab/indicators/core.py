"""Shared machinery of the indicator functions: errors, grouping, intervals and result frames.

Every indicator function returns the same tidy layout (:data:`RESULT_COLUMNS` after the group
columns), one row per group and statistic. This module holds the pieces all of them share.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from talentlab.data.codebook import label
from talentlab.data.disclosure import check_min_cell
from talentlab.data.schema import (  # noqa: F401  (re-exported)
    COUNT_COLUMN,
    DESTINATIONS,
    EMPLOYED,
    EMPLOYEES,
)

#: Columns after the group columns, in this order, in every indicator result.
#: Seed of a resampling (the bootstrap of :func:`talentlab.indicators.compare`) when the caller
#: names none: a fixed seed keeps results identical run after run. The paper's own seeds live in
#: :mod:`talentlab.cases.settings`; the statistics hold none of them.
DEFAULT_SEED = 0

RESULT_COLUMNS = ["indicator", "statistic", "label_en", "label_zh", "numerator", "denominator",
                  "estimate", "se", "ci_low", "ci_high", "confidence", "n", "n_excluded",
                  "n_unknown", "method", "suppressed"]


class IndicatorInputError(ValueError):
    """Input an indicator cannot use: a missing column, a value outside the contract, a bad option.

    The message names the function, the table and the column (and, where it helps, the values).
    """


def as_list(by: str | Sequence[str] | None) -> list[str]:
    """The group columns ``by`` as a list (None: no column, a string: that one column).

    Examples
    --------
    >>> as_list("major"), as_list(None), as_list(("cohort", "major"))
    (['major'], [], ['cohort', 'major'])
    """
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def require_columns(df: pd.DataFrame, columns: Iterable[str], where: str, table: str) -> None:
    """Raise :class:`IndicatorInputError` (naming ``where``, ``table`` and the missing columns)
    unless ``df`` is a DataFrame with every column of ``columns``.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"major": ["a"]}), ["major"], "example", "graduates")
    """
    if not isinstance(df, pd.DataFrame):
        raise IndicatorInputError(f"{where}: `{table}` must be a pandas DataFrame, "
                                  f"got {type(df).__name__}")
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise IndicatorInputError(f"{where}: table `{table}` lacks column(s) {missing}; "
                                  f"it has {list(df.columns)}")


def counted_rows(df: pd.DataFrame, where: str, table: str = "graduates"
                 ) -> tuple[pd.DataFrame, np.ndarray | None]:
    """The rows that stand for at least one graduate, and their counts (``None``: no count
    column, one graduate per row).

    Rows with count 0 stand for no graduate and are left out, so a count table gives the same
    groups as the microdata it came from. A count that is missing, negative or not a whole
    number raises :class:`IndicatorInputError`, naming the first positions.

    Examples
    --------
    >>> import pandas as pd
    >>> rows, counts = counted_rows(pd.DataFrame({"count": [2, 0, 3]}), "example")
    >>> len(rows), counts.tolist()
    (2, [2, 3])
    """
    if COUNT_COLUMN not in df.columns:
        return df, None
    try:
        values = df[COUNT_COLUMN].to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise IndicatorInputError(f"{where}: {table}.{COUNT_COLUMN} must hold whole numbers "
                                  f">= 0, got dtype {df[COUNT_COLUMN].dtype}") from exc
    bad = ~np.isfinite(values) | (values < 0) | (values != np.round(values))
    if bad.any():
        pos = np.flatnonzero(bad)[:5].tolist()
        raise IndicatorInputError(
            f"{where}: {table}.{COUNT_COLUMN} must be a whole number >= 0 (the graduates a row "
            f"stands for); {int(bad.sum())} row(s) break it, e.g. positions {pos}, values "
            f"{values[pos].tolist()}")
    counts = values.astype(np.int64)
    if (counts == 0).any():
        keep = counts > 0
        return df.loc[keep], counts[keep]
    return df, counts


def weighted_bincount(codes: np.ndarray, counts: np.ndarray | None, minlength: int,
                      mask: np.ndarray | None = None) -> np.ndarray:
    """Graduates per code: rows (``counts`` None) or the rows' counts, as int64.

    Sums of whole-number floats are exact below 2**53, far above any graduate count.
    """
    if mask is not None:
        codes = codes[mask]
        counts = None if counts is None else counts[mask]
    if counts is None:
        return np.bincount(codes, minlength=minlength).astype(np.int64)
    return np.bincount(codes, weights=counts, minlength=minlength).astype(np.int64)


def check_alpha(alpha: float, where: str) -> float:
    """``alpha`` as a float after checking it: an interval at level 1 - alpha needs 0 < alpha < 1.

    Parameters
    ----------
    alpha : float
        One minus the level of the interval (0.05 for a 95% interval).
    where : str
        The caller, named in the error.

    Returns
    -------
    float

    Raises
    ------
    IndicatorInputError
        When ``alpha`` is not a number strictly between 0 and 1 (booleans included).

    Examples
    --------
    >>> check_alpha(0.05, "example")
    0.05
    """
    if isinstance(alpha, bool) or not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise IndicatorInputError(f"{where}: alpha must be in (0, 1) (an interval at level "
                                  f"1 - alpha), got {alpha!r}")
    return float(alpha)


def _factorize_column(s: pd.Series) -> tuple[np.ndarray, object]:
    """Codes in groupby's sort order (categories in category order, others sorted; NA = -1)."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        return s.cat.codes.to_numpy().astype(np.int64), s.cat.categories
    codes, uniques = pd.factorize(s, sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64), uniques


def group_index(df: pd.DataFrame, by: list[str], where: str,
                table: str) -> tuple[np.ndarray, pd.DataFrame]:
    """Integer group code per row and the table of group keys (row i = code i).

    Groups and their order are those of pandas ``groupby(by, sort=True, dropna=False,
    observed=True)``: a missing key is a group of its own (rows are never dropped silently),
    sorted last; categories without rows are absent. Implemented as one factorisation per
    column and a bincount over the combined codes, several times faster than
    ``groupby(...).ngroup()`` on millions of rows (tests check equality with pandas).
    """
    require_columns(df, by, where, table)
    if not by:
        return np.zeros(len(df), dtype=np.intp), pd.DataFrame(index=pd.RangeIndex(1))
    parts = [_factorize_column(df[c]) for c in by]
    sizes = [len(levels) + 1 for _, levels in parts]  # + 1: NA, sorted last
    combined = np.zeros(len(df), dtype=np.int64)
    for (codes, levels), size in zip(parts, sizes, strict=True):
        codes = np.where(codes < 0, len(levels), codes)
        combined *= size
        combined += codes
    total = int(np.prod(np.array(sizes, dtype=np.float64)))
    if total <= 4 * max(len(df), 1_000_000):
        present = np.bincount(combined, minlength=total) > 0
        cells = np.flatnonzero(present)
        lookup = np.cumsum(present) - 1
        group_codes = lookup[combined]
    else:
        cells, group_codes = np.unique(combined, return_inverse=True)
    idx = np.unravel_index(cells, sizes)
    keys = {}
    for col, (_codes, levels), size, level_idx in zip(by, parts, sizes, idx, strict=True):
        take = np.where(level_idx == size - 1, -1, level_idx)
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            keys[col] = pd.Categorical.from_codes(take, dtype=df[col].dtype)
        else:
            keys[col] = pd.api.extensions.take(levels, take, allow_fill=True)
    keys_frame = pd.DataFrame(keys)
    for col in by:
        if not isinstance(df[col].dtype, pd.CategoricalDtype):
            keys_frame[col] = keys_frame[col].astype(df[col].dtype)
    return group_codes.astype(np.intp, copy=False), keys_frame


def bool_parts(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(value is True, value is known) as numpy bool arrays, for a nullable boolean column."""
    if s.dtype == bool:
        return s.to_numpy(), np.ones(len(s), dtype=bool)
    known = s.notna().to_numpy()
    try:
        values = s.to_numpy(dtype=bool, na_value=False)
    except (TypeError, ValueError) as exc:  # pragma: no cover - defensive
        raise IndicatorInputError(f"column {s.name!r} must be boolean, got {s.dtype}") from exc
    return values, known


# ---------------------------------------------------------------------------------------------
# Intervals for proportions
# ---------------------------------------------------------------------------------------------

def z_quantile(alpha: float) -> float:
    """The standard normal quantile of a two-sided interval at level 1 - alpha.

    Examples
    --------
    >>> round(z_quantile(0.05), 4)
    1.96
    """
    return float(stats.norm.ppf(1 - alpha / 2))


def wilson_limits(x: np.ndarray, n: np.ndarray, alpha: float,
                  continuity_correction: bool) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score limits ``(low, high)`` of ``x`` successes in ``n`` trials, elementwise (NaN
    where ``n`` is 0), optionally with Newcombe's continuity correction."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    low = np.full(np.broadcast(x, n).shape, np.nan)
    high = low.copy()
    ok = n > 0
    if not ok.any():
        return low, high
    xo, no = np.broadcast_to(x, low.shape)[ok], np.broadcast_to(n, low.shape)[ok]
    if not continuity_correction:
        lo, hi = proportion_confint(xo, no, alpha=alpha, method="wilson")
    else:
        # Hand-written: statsmodels/scipy offer no continuity-corrected Wilson interval.
        # Newcombe (1998a), method 4, equations for L and U; L = 0 when x = 0, U = 1 when x = n.
        z = z_quantile(alpha)
        p = xo / no
        q = 1 - p
        with np.errstate(invalid="ignore"):
            lo = (2 * no * p + z**2 - 1
                  - z * np.sqrt(z**2 - 2 - 1 / no + 4 * p * (no * q + 1))) / (2 * (no + z**2))
            hi = (2 * no * p + z**2 + 1
                  + z * np.sqrt(z**2 + 2 - 1 / no + 4 * p * (no * q - 1))) / (2 * (no + z**2))
        lo = np.where(xo == 0, 0.0, lo)
        hi = np.where(xo == no, 1.0, hi)
    low[ok] = np.clip(lo, 0, 1)
    high[ok] = np.clip(hi, 0, 1)
    return low, high


def _check_counts(x, n, where: str) -> tuple[np.ndarray, np.ndarray]:
    x = np.atleast_1d(np.asarray(x, dtype=float))
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if np.any(x < 0) or np.any(n < 0) or np.any(x > n) or np.any(np.isnan(x) | np.isnan(n)):
        raise IndicatorInputError(f"{where}: counts need 0 <= successes <= n, got "
                                  f"successes={x.tolist()}, n={n.tolist()}")
    return x, n


def wilson_interval(successes, n, alpha: float = 0.05,
                    continuity_correction: bool = False) -> pd.DataFrame:
    """Wilson score interval for one or more proportions.

    Parameters
    ----------
    successes, n : int or array-like
        Number of successes and of trials (``n = 0`` gives NaN limits).
    alpha : float
        The interval is at level 1 - alpha (default 0.05: 95%).
    continuity_correction : bool
        ``False``: Wilson score interval (Newcombe 1998a method 3, via statsmodels
        ``proportion_confint(method="wilson")``). ``True``: with continuity correction (method 4).

    Returns
    -------
    pandas.DataFrame
        Columns ``successes, n, estimate, ci_low, ci_high``, one row per input.

    References
    ----------
    Wilson EB (1927) JASA 22:209-212. Newcombe RG (1998) Stat Med 17:857-872.

    Examples
    --------
    >>> from talentlab.indicators import wilson_interval
    >>> wilson_interval(81, 263).round(4)[["ci_low", "ci_high"]].values.tolist()
    [[0.2553, 0.3662]]
    """
    alpha = check_alpha(alpha, "wilson_interval")
    x, n = _check_counts(successes, n, "wilson_interval")
    low, high = wilson_limits(x, n, alpha, continuity_correction)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(n > 0, x / np.where(n > 0, n, 1), np.nan)
    return pd.DataFrame({"successes": x, "n": n, "estimate": est, "ci_low": low, "ci_high": high})


def newcombe_difference(successes_a, n_a, successes_b, n_b, alpha: float = 0.05,
                        continuity_correction: bool = False) -> pd.DataFrame:
    """Newcombe's hybrid score interval for the difference of two independent proportions.

    The difference is ``p_a - p_b``. Its limits combine the Wilson limits ``(l, u)`` of each
    proportion (Newcombe 1998b, method 10; method 11 with ``continuity_correction=True``)::

        low  = d - sqrt((p_a - l_a)^2 + (u_b - p_b)^2)
        high = d + sqrt((u_a - p_a)^2 + (p_b - l_b)^2)

    Method 10 is statsmodels' ``confint_proportions_2indep(method="newcomb")`` (vectorised
    over arrays). Method 11 (continuity-corrected Wilson limits) is not in statsmodels and is
    computed by :func:`newcombe_limits`; the tests check both against Newcombe's published
    table and that helper's method-10 limits against statsmodels.

    Returns
    -------
    pandas.DataFrame
        Columns ``estimate_a, estimate_b, estimate (= a - b), ci_low, ci_high``.

    Examples
    --------
    >>> from talentlab.indicators import newcombe_difference
    >>> newcombe_difference(56, 70, 48, 80).round(4)[["ci_low", "ci_high"]].values.tolist()
    [[0.0524, 0.3339]]
    """
    alpha = check_alpha(alpha, "newcombe_difference")
    xa, na = _check_counts(successes_a, n_a, "newcombe_difference")
    xb, nb = _check_counts(successes_b, n_b, "newcombe_difference")
    if np.any(na == 0) or np.any(nb == 0):
        raise IndicatorInputError("newcombe_difference: both groups need n > 0")
    if continuity_correction:
        low, high = newcombe_limits(xa, na, xb, nb, alpha, continuity_correction=True)
    else:
        low, high = confint_proportions_2indep(xa, na, xb, nb, method="newcomb", compare="diff",
                                               alpha=alpha)
    pa, pb = xa / na, xb / nb
    return pd.DataFrame({"estimate_a": pa, "estimate_b": pb, "estimate": pa - pb,
                         "ci_low": np.clip(low, -1, 1), "ci_high": np.clip(high, -1, 1)})


def newcombe_limits(xa, na, xb, nb, alpha: float,
                    continuity_correction: bool) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe's square-and-add limits from the (optionally continuity-corrected) Wilson limits.

    Hand-written because statsmodels has no continuity-corrected Newcombe interval (method 11);
    with ``continuity_correction=False`` it is method 10, which the tests check equals
    statsmodels' ``confint_proportions_2indep(method="newcomb")``.

    Parameters
    ----------
    xa, na, xb, nb : array-like of float
        Successes and trials of groups a and b (checked by the caller: ``n > 0``).
    alpha : float
        The limits are those of an interval at level 1 - alpha.
    continuity_correction : bool
        Method 11 (True) or method 10 (False).

    Returns
    -------
    tuple of ndarray
        ``(low, high)`` of ``p_a - p_b``, not clipped.

    Examples
    --------
    >>> low, high = newcombe_limits(56.0, 70.0, 48.0, 80.0, 0.05, continuity_correction=False)
    >>> round(float(low), 4), round(float(high), 4)
    (0.0524, 0.3339)
    """
    la, ua = wilson_limits(xa, na, alpha, continuity_correction)
    lb, ub = wilson_limits(xb, nb, alpha, continuity_correction)
    pa, pb = xa / na, xb / nb
    d = pa - pb
    return (d - np.sqrt((pa - la) ** 2 + (ub - pb) ** 2),
            d + np.sqrt((ua - pa) ** 2 + (pb - lb) ** 2))


# ---------------------------------------------------------------------------------------------
# Result frames
# ---------------------------------------------------------------------------------------------

def result_frame(keys: pd.DataFrame, code: str, statistic: str, *, numerator, denominator,
                 estimate, se, ci_low, ci_high, alpha: float, n, n_excluded, n_unknown,
                 method, min_cell: int | None, extra: dict | None = None,
                 label_code: str | None = None) -> pd.DataFrame:
    """Assemble the tidy result for one indicator statistic over all groups."""
    g = len(keys)

    def arr(v, dtype=float):
        a = np.asarray(v, dtype=dtype) if not np.isscalar(v) else np.full(g, v, dtype=dtype)
        return a if a.shape == (g,) else np.broadcast_to(a, (g,)).copy()

    en, zh = label(label_code or code)
    out = keys.reset_index(drop=True).copy()
    n_arr = arr(n, float)
    cols = {
        "indicator": code, "statistic": statistic, "label_en": en, "label_zh": zh,
        "numerator": arr(numerator), "denominator": arr(denominator), "estimate": arr(estimate),
        "se": arr(se), "ci_low": arr(ci_low), "ci_high": arr(ci_high),
        "confidence": 1 - float(alpha),  # the column states the level
        "n": pd.array(n_arr.round().astype(np.int64), dtype="Int64"),
        "n_excluded": pd.array(arr(n_excluded).round().astype(np.int64), dtype="Int64"),
        "n_unknown": pd.array(arr(n_unknown).round().astype(np.int64), dtype="Int64"),
        "method": np.asarray(method, dtype=object) if not isinstance(method, str)
        else np.full(g, method, dtype=object),
        "suppressed": n_arr < check_min_cell(min_cell),
    }
    for k, v in cols.items():
        out[k] = v
    out["method"] = out["method"].astype("str")
    for col in ["indicator", "statistic", "label_en", "label_zh"]:
        out[col] = out[col].astype("str")
    if extra:
        for k, v in extra.items():
            out[k] = v
    return out


def empty_result(by: list[str], extra_columns: Sequence[str] = ()) -> pd.DataFrame:
    """The (zero-row) result of an indicator when a grouped table has no rows at all."""
    return pd.DataFrame(columns=[*by, *RESULT_COLUMNS, *extra_columns])


def row_notes(base: str, n: np.ndarray, notes: dict[str, np.ndarray] | None = None) -> np.ndarray:
    """Per-group method text: the base method plus explanations for special groups."""
    n = np.asarray(n)
    out = np.full(len(n), base, dtype=object)
    empty = n == 0
    one = n == 1
    out[empty] = base + "; EMPTY BASE: no record in this group meets the denominator " \
                        "definition, so the estimate is undefined (NaN)"
    out[one] = base + "; group of one: the interval is very wide"
    if notes:
        for text, mask in notes.items():
            mask = np.asarray(mask, dtype=bool)
            out[mask] = [f"{m}; {text}" for m in out[mask]]
    return out


def proportion_result(keys: pd.DataFrame, code: str, num: np.ndarray, den: np.ndarray, *,
                      group_total: np.ndarray, n_unknown: np.ndarray, method: str,
                      alpha: float, min_cell: int, notes: dict | None = None,
                      statistic: str = "proportion",
                      n_excluded: np.ndarray | None = None) -> pd.DataFrame:
    """Result rows for a proportion: Wilson interval, binomial SE, empty-base explanation."""
    num = np.asarray(num, dtype=float)
    den = np.asarray(den, dtype=float)
    low, high = wilson_limits(num, den, alpha, False)
    with np.errstate(invalid="ignore", divide="ignore"):
        est = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
        se = np.sqrt(est * (1 - est) / den)
    if n_excluded is None:
        n_excluded = np.asarray(group_total, dtype=float) - den - np.asarray(n_unknown, float)
    return result_frame(keys, code, statistic, numerator=num, denominator=den, estimate=est,
                        se=se, ci_low=low, ci_high=high, alpha=alpha, n=den,
                        n_excluded=n_excluded, n_unknown=n_unknown,
                        method=row_notes(method, den, notes), min_cell=min_cell)


def t_interval(estimate: np.ndarray, se: np.ndarray, df: np.ndarray,
               alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Limits ``estimate -/+ t(1 - alpha/2, df) * se``, elementwise (NaN where ``df <= 0``).

    Examples
    --------
    >>> import numpy as np
    >>> low, high = t_interval(np.array([10.0]), np.array([1.0]), np.array([30.0]), 0.05)
    >>> round(float(low[0]), 3), round(float(high[0]), 3)
    (7.958, 12.042)
    """
    with np.errstate(invalid="ignore"):
        q = stats.t.ppf(1 - alpha / 2, np.where(df > 0, df, np.nan))
    return estimate - q * se, estimate + q * se


def concat_results(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Indicator results stacked (union of their columns, a fresh index); empty frames add no
    rows, and no frame at all gives the empty table of :data:`RESULT_COLUMNS`.

    Examples
    --------
    >>> list(concat_results([]).columns) == RESULT_COLUMNS
    True
    """
    frames = [f for f in frames if f is not None and len(f.columns)]
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    nonempty = [f for f in frames if len(f)]
    out = pd.concat(nonempty or frames, ignore_index=True, sort=False)
    return out


def append_notes(methods: np.ndarray, notes: np.ndarray) -> np.ndarray:
    """Each method text with its row's note appended (``"; note"``); empty notes add nothing."""
    out = methods.astype(object)
    for i, note in enumerate(notes):
        if note and note != "empty":  # "empty": an internal marker of an empty group, not a note
            out[i] = f"{out[i]}; {note}"
    return out
