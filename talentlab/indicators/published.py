"""Indicators from published rates: a rounded rate leaves its numerator open to a range.

A college's 就业质量年度报告 publishes per-major rates with their group sizes (``93.4 %`` of
``n = 5230``). Those rows enter through the contract's ``published_rates`` table
(``talentlab/data/contract/datapackage.json``: group keys, ``indicator``, ``rate`` in percent,
``n``, ``rate_decimals``). They are not turned into graduates rows with counts, because the
numerator is not known: a rate rounded to ``d`` decimals of a percent says only that the true
rate lies within half a unit of the last decimal, so the numerator is any whole ``k`` with
``ceil(n (r - h)) <= k <= floor(n (r + h))`` (:func:`talentlab.data.schema.published_numerator_range`).
:func:`from_published_rates` carries that range into the interval: it reports the smallest
interval holding the Wilson interval of every feasible numerator, which, as Wilson limits rise
with ``k``, runs from the lower limit at the smallest ``k`` to the upper limit at the largest.
When only one ``k`` is feasible the numerator is recovered exactly and the interval is the
ordinary Wilson interval of the microdata.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.data.schema import published_numerator_range, resource
from talentlab.indicators.core import (
    IndicatorInputError,
    check_alpha,
    empty_result,
    require_columns,
    result_frame,
    wilson_limits,
)

#: Group columns a published_rates table may have (those present are kept, in this order).
PUBLISHED_GROUP_COLUMNS = ("college", "major", "cohort", "group")
#: Extra columns of :func:`from_published_rates` after the result columns.
PUBLISHED_EXTRA_COLUMNS = ("numerator_low", "numerator_high", "rate_published", "rate_decimals",
                           "source")


def _allowed_indicators() -> list[str]:
    fields = {f["name"]: f for f in resource("published_rates")["schema"]["fields"]}
    return list(fields["indicator"]["constraints"]["enum"])


def _checked(published: pd.DataFrame, fn: str) -> tuple[np.ndarray, ...]:
    """(indicator, rate, n, decimals) arrays; a value the contract refuses raises, naming the
    row position, column, value and rule."""
    require_columns(published, ["indicator", "rate", "n", "rate_decimals"], fn,
                    "published_rates")
    allowed = _allowed_indicators()
    indicator = published["indicator"].astype("string").to_numpy(dtype=object, na_value=None)
    rate = published["rate"].to_numpy(dtype=float, na_value=np.nan)
    n = published["n"].to_numpy(dtype=float, na_value=np.nan)
    dec = published["rate_decimals"].to_numpy(dtype=float, na_value=np.nan)
    rules = [
        ("indicator", indicator, np.array([v not in allowed for v in indicator], dtype=bool),
         f"must be one of: {', '.join(allowed)}"),
        ("rate", rate, ~((rate >= 0) & (rate <= 100)), "must be a percentage 0-100"),
        ("n", n, ~((n >= 1) & (n == np.round(n))), "must be a whole number >= 1"),
        ("rate_decimals", dec, ~((dec >= 0) & (dec <= 6) & (dec == np.round(dec))),
         "must be a whole number 0-6"),
    ]
    for column, values, bad, rule in rules:
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise IndicatorInputError(
                f"{fn}: published_rates row {i} (position), column '{column}', value "
                f"{values[i]!r}: {rule} ({int(bad.sum())} row(s) break it)")
    return indicator, rate, n.astype(np.int64), dec.astype(np.int64)


def from_published_rates(published: pd.DataFrame, *, alpha: float = 0.05,
                         min_cell: int | None = None) -> pd.DataFrame:
    """Indicator rows from published rates, with the numerator range of the rounding.

    Parameters
    ----------
    published : DataFrame
        A ``published_rates`` table of the contract (validated by
        :func:`talentlab.data.schema.validate_table`, which also reads ``rate_decimals`` from
        the rate as written when the column is absent): ``indicator``, ``rate`` (percent),
        ``n``, ``rate_decimals`` and any of the group columns ``college, major, cohort,
        group``.
    alpha : float
        The interval is at level 1 - alpha (default 0.05: 95%); the ``confidence``
        column states that level.
    min_cell : int, optional
        Disclosure threshold: ``suppressed`` is True where ``n < min_cell`` (default
        :data:`talentlab.data.disclosure.MIN_CELL`).

    Returns
    -------
    DataFrame
        One row per published rate: the group columns present, the result columns of every
        indicator (``statistic="published_proportion"``; ``estimate`` = the published rate as
        a proportion; ``denominator`` = ``n``; ``numerator`` = the numerator when the rounding
        leaves only one, else NaN; ``se`` = binomial at the published rate; ``ci_low,
        ci_high`` = from the Wilson lower limit at the smallest feasible numerator to the
        Wilson upper limit at the largest; ``n_excluded`` and ``n_unknown`` NA: a publication
        does not give them) and ``numerator_low, numerator_high, rate_published,
        rate_decimals, source``. A rate that no whole numerator of ``n`` gives raises.

    Notes
    -----
    The interval holds every Wilson interval the microdata could have had, so it covers at
    least as often as the Wilson interval itself; its extra width is the price of the
    rounding and is stated in ``method``. ``compare`` refuses these rows: a difference needs
    the numerators.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import from_published_rates
    >>> t = pd.DataFrame({"major": ["a", "b"], "indicator": ["employment_rate"] * 2,
    ...                   "rate": [93.4, 93.4], "n": [500, 5230], "rate_decimals": [1, 1]})
    >>> r = from_published_rates(t)
    >>> r[["numerator", "numerator_low", "numerator_high"]].values.tolist()
    [[467.0, 467, 467], [nan, 4883, 4887]]
    >>> r[["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.9088, 0.9526], [0.9266, 0.9408]]
    """
    fn = "from_published_rates"
    alpha = check_alpha(alpha, fn)
    if not isinstance(published, pd.DataFrame):
        raise IndicatorInputError(f"{fn}: `published_rates` must be a pandas DataFrame, "
                                  f"got {type(published).__name__}")
    indicator, rate, n, dec = _checked(published, fn)
    ranges = [published_numerator_range(r, k, d) for r, k, d in zip(rate, n, dec, strict=True)]
    low = np.array([lo for lo, _ in ranges], dtype=np.int64)
    high = np.array([hi for _, hi in ranges], dtype=np.int64)
    impossible = low > high
    if impossible.any():
        i = int(np.flatnonzero(impossible)[0])
        raise IndicatorInputError(
            f"{fn}: published_rates row {i} (position), column 'rate', value {rate[i]!r}: no "
            f"whole number of the n={n[i]} graduates gives {rate[i]:.{dec[i]}f} % rounded to "
            f"{dec[i]} decimal(s) ({int(impossible.sum())} row(s) like it)")
    ci_low = wilson_limits(low, n, alpha, False)[0]
    ci_high = wilson_limits(high, n, alpha, False)[1]
    p = rate / 100
    exact = low == high
    method = np.where(
        exact,
        [f"published rate {r:.{d}f} % of n={k} (rounded to {d} decimal(s)): the rounding "
         f"leaves one numerator, {lo}; Wilson score interval (statsmodels)"
         for r, d, k, lo in zip(rate, dec, n, low, strict=True)],
        [f"published rate {r:.{d}f} % of n={k} (rounded to {d} decimal(s)): the numerator is "
         f"known only to {lo}-{hi}; interval from the Wilson lower limit at {lo} to the Wilson "
         f"upper limit at {hi} (holds the Wilson interval of every numerator the rounding "
         "allows)" for r, d, k, lo, hi in zip(rate, dec, n, low, high, strict=True)])
    keys = published[[c for c in PUBLISHED_GROUP_COLUMNS if c in published.columns]]
    keys = keys.reset_index(drop=True)
    numerator = np.where(exact, low, np.nan)
    se = np.sqrt(p * (1 - p) / n)
    frames = []
    for code in dict.fromkeys(indicator):  # one result_frame per indicator (its labels)
        rows = np.flatnonzero(indicator == code)
        part = result_frame(
            keys.iloc[rows], code, "published_proportion", numerator=numerator[rows],
            denominator=n[rows], estimate=p[rows], se=se[rows], ci_low=ci_low[rows],
            ci_high=ci_high[rows], alpha=alpha, n=n[rows], n_excluded=0,
            n_unknown=0, method=method[rows], min_cell=min_cell)
        part.index = rows
        frames.append(part)
    if not frames:
        return empty_result(list(keys.columns), PUBLISHED_EXTRA_COLUMNS)
    out = pd.concat(frames).sort_index()
    out["n_excluded"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["n_unknown"] = pd.array([pd.NA] * len(out), dtype="Int64")
    out["numerator_low"] = pd.array(low, dtype="Int64")
    out["numerator_high"] = pd.array(high, dtype="Int64")
    out["rate_published"] = rate
    out["rate_decimals"] = pd.array(dec, dtype="Int64")
    out["source"] = pd.array(published["source"].astype("string").to_numpy()
                             if "source" in published.columns else [pd.NA] * len(out),
                             dtype="string")
    return out.reset_index(drop=True)
