"""Differences between two groups for any indicator, with the interval that fits it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.indicators.core import (
    DEFAULT_SEED,
    IndicatorInputError,
    check_alpha,
    newcombe_difference,
    z_quantile,
)

#: statistic -> kind of comparison
_PROPORTIONS = {"proportion", "proportion_all_employed", "ratio"}
_MEANS = {"mean", "restricted_mean", "weighted_composite"}

COMPARE_COLUMNS = ["indicator", "statistic", "group", "a", "b", "estimate_a", "estimate_b",
                   "n_a", "n_b", "estimate", "se", "ci_low", "ci_high", "confidence", "p_value",
                   "method"]


def _is_data(obj) -> bool:
    return isinstance(obj, dict) or hasattr(obj, "graduates")


def _pick(table: pd.DataFrame, group_col: str, value, indicator: str, statistic: str | None):
    rows = table[(table["indicator"] == indicator) & (table[group_col] == value)]
    if statistic is not None:
        rows = rows[rows["statistic"] == statistic]
    if len(rows) != 1:
        raise IndicatorInputError(
            f"compare: expected one row for indicator={indicator!r}, statistic={statistic!r}, "
            f"{group_col}={value!r}; found {len(rows)}. Filter the table to one row per group "
            "(other grouping columns or several statistics?) or pass `statistic=`")
    return rows.iloc[0]


def _n(row) -> int:
    value = row.get("n", row.get("denominator", np.nan))
    return int(value) if pd.notna(value) else -1


def _welch(ra, rb, alpha: float, clustered: bool):
    d = ra["estimate"] - rb["estimate"]
    va, vb = ra["se"] ** 2, rb["se"] ** 2
    se = float(np.sqrt(va + vb))
    if clustered:
        fa = float(ra.get("n_clusters", np.nan)) - 1
        fb = float(rb.get("n_clusters", np.nan)) - 1
    else:
        fa, fb = float(ra["n"]) - 1, float(rb["n"]) - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        df = (va + vb) ** 2 / (va**2 / fa + vb**2 / fb)
    if not np.isfinite(df) or df <= 0:
        q, p, dist = z_quantile(alpha), 2 * stats.norm.sf(abs(d / se)), "normal"
    else:
        q = stats.t.ppf(1 - alpha / 2, df)
        p = 2 * stats.t.sf(abs(d / se), df)
        dist = f"t with Welch-Satterthwaite df={df:.1f}"
    return d, se, d - q * se, d + q * se, float(p), dist


def compare(table_or_data, group_col: str, a, b, *, indicator: str,
            statistic: str | None = None, alpha: float = 0.05, n_boot: int = 2000,
            seed: int | None = DEFAULT_SEED, **indicator_options) -> pd.DataFrame:
    """Difference between groups ``a`` and ``b`` (estimate_a - estimate_b) of one indicator.

    Parameters
    ----------
    table_or_data : DataFrame or data container
        Either an indicator result (e.g. from :func:`compute_all` with ``by=[group_col]``) or
        the data (the ``load_all`` container or a dict of tables); data are first summarised
        with ``compute_all(data, by=[group_col], indicators=[indicator])``. The Kaplan-Meier
        median needs the data.
    group_col, a, b : column and its two values to compare.
    indicator, statistic : which row of the result (``statistic`` needed when the indicator
        has several, e.g. ``adaptation_cycle``: ``km_median`` or ``restricted_mean``).
    alpha : float
        The interval is at level 1 - alpha (default 0.05); the ``confidence`` column states
        that level.
    n_boot, seed : bootstrap replicates for the KM median difference, and the seed of their
        draws (default :data:`~talentlab.indicators.core.DEFAULT_SEED`).

    Methods
    -------
    * proportions (statistic ``proportion``/``ratio``): Newcombe's hybrid score interval
      (1998, method 10) from the Wilson limits; p-value from the score test
      (statsmodels ``test_proportions_2indep(method="score")``). The enterprise satisfaction
      share, whose SE is cluster-robust, is treated as a mean (below).
    * means (``mean``, ``weighted_composite``, ``restricted_mean``, clustered shares):
      difference with SE sqrt(se_a^2 + se_b^2); Welch-Satterthwaite t interval, with cluster
      counts minus one as the per-group df where the SE is cluster-robust, a normal interval
      for the restricted mean.
    * KM median (``km_median``): percentile bootstrap interval of the median difference
      (graduates resampled within each group; ``n_boot`` replicates) and the log-rank test's
      p-value (statsmodels ``survdiff``); a replicate whose median is not reached is dropped
      and the count is reported.
    * ICC and alpha rows are not compared (raise).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import compare
    >>> t = pd.DataFrame({"g": ["x", "y"], "indicator": ["employment_rate"] * 2,
    ...                   "statistic": ["proportion"] * 2, "numerator": [56., 48.],
    ...                   "denominator": [70., 80.], "estimate": [0.8, 0.6]})
    >>> compare(t, "g", "x", "y", indicator="employment_rate")[
    ...     ["ci_low", "ci_high"]].round(4).values.tolist()
    [[0.0524, 0.3339]]
    """
    fn = "compare"
    alpha = check_alpha(alpha, fn)
    table, data = _indicator_table(table_or_data, group_col, indicator, alpha,
                                   indicator_options)
    statistic = _which_statistic(table, group_col, indicator, statistic)
    ra = _pick(table, group_col, a, indicator, statistic)
    rb = _pick(table, group_col, b, indicator, statistic)
    base = {"indicator": indicator, "statistic": statistic, "group": group_col, "a": a, "b": b,
            "estimate_a": float(ra["estimate"]), "estimate_b": float(rb["estimate"]),
            "n_a": _n(ra), "n_b": _n(rb), "confidence": 1 - alpha}
    clustered = "n_clusters" in table.columns and pd.notna(ra.get("n_clusters")) and \
        "cluster" in str(ra["method"])
    if statistic in _PROPORTIONS and not clustered:
        row = {**base, **_proportion_difference(ra, rb, alpha)}
    elif statistic in _MEANS or (statistic in _PROPORTIONS and clustered) or \
            statistic.startswith("mean_"):
        row = {**base, **_mean_difference(ra, rb, statistic, alpha, clustered)}
    elif statistic == "km_median":
        if data is None:
            raise IndicatorInputError(f"{fn}: the KM median difference needs the data (pass the "
                                      "container or dict, not the result table)")
        row = {**base, **_km_median_difference(data, group_col, a, b, alpha, n_boot,
                                               seed)}
    else:
        raise IndicatorInputError(f"{fn}: statistic {statistic!r} ({indicator}) is not "
                                  "comparable between groups (agreement coefficients)")
    return pd.DataFrame([row], columns=COMPARE_COLUMNS)


def _indicator_table(table_or_data, group_col: str, indicator: str, alpha: float,
                     indicator_options: dict):
    """(indicator table, data or None): the table given, or the data summarised by group."""
    data = None
    if _is_data(table_or_data):
        data = table_or_data
        from talentlab.indicators import compute_all
        table = compute_all(data, by=[group_col], indicators=[indicator],
                            alpha=alpha, options={indicator: indicator_options}
                            if indicator_options else None)
    elif isinstance(table_or_data, pd.DataFrame):
        table = table_or_data
    else:
        raise IndicatorInputError("compare: pass an indicator table or the data container")
    for col in ["indicator", "statistic", group_col]:
        if col not in table.columns:
            raise IndicatorInputError(f"compare: the table lacks column {col!r}")
    return table, data


def _which_statistic(table: pd.DataFrame, group_col: str, indicator: str,
                     statistic: str | None) -> str:
    """The statistic asked for, or the indicator's only one."""
    stats_available = table.loc[table["indicator"] == indicator, "statistic"].unique().tolist()
    if not stats_available:
        raise IndicatorInputError(f"compare: no rows for indicator {indicator!r}")
    if statistic is None:
        if len(stats_available) > 1:
            raise IndicatorInputError(f"compare: indicator {indicator!r} has statistics "
                                      f"{stats_available}; pass statistic=")
        statistic = stats_available[0]
    return statistic


def _proportion_difference(ra, rb, alpha: float) -> dict:
    """Newcombe's hybrid score interval (method 10) and the score test's p-value."""
    from statsmodels.stats.proportion import test_proportions_2indep  # on use (issue 14)

    xa, na, xb, nb = (float(ra["numerator"]), float(ra["denominator"]),
                      float(rb["numerator"]), float(rb["denominator"]))
    if na == 0 or nb == 0:
        raise IndicatorInputError("compare: a group has an empty base (n=0); no difference")
    nd = newcombe_difference(xa, na, xb, nb, alpha=alpha).iloc[0]
    se = float(np.sqrt(xa / na * (1 - xa / na) / na + xb / nb * (1 - xb / nb) / nb))
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            p = float(test_proportions_2indep(xa, na, xb, nb, method="score").pvalue)
    except (ValueError, ZeroDivisionError, FloatingPointError):
        p = np.nan
    return {"estimate": float(nd["estimate"]), "se": se, "ci_low": float(nd["ci_low"]),
            "ci_high": float(nd["ci_high"]), "p_value": p,
            "method": "Newcombe hybrid score interval (1998, method 10, Wilson limits); "
                      "se = unpooled Wald SE for reference; p from the score test"}


def _mean_difference(ra, rb, statistic: str, alpha: float, clustered: bool) -> dict:
    """Difference of means: Welch-Satterthwaite t interval (normal for the restricted mean)."""
    d, se, lo, hi, p, dist = _welch(ra, rb, alpha, clustered)
    if statistic == "restricted_mean":
        z = z_quantile(alpha)
        lo, hi = d - z * se, d + z * se
        p = float(2 * stats.norm.sf(abs(d / se))) if se > 0 else np.nan
        dist = "normal"
    return {"estimate": float(d), "se": se, "ci_low": float(lo), "ci_high": float(hi),
            "p_value": p,
            "method": f"difference of means, se = sqrt(se_a^2 + se_b^2) "
                      f"({'cluster-robust' if clustered else 'independent'} SEs), {dist}"}


def _km_median_difference(data, group_col, a, b, alpha, n_boot, seed) -> dict:
    """The KM median difference of groups ``a`` and ``b``: estimate, bootstrap interval and SE,
    log-rank p.

    A count table is computed on its weighted rows, never expanded to one row per graduate
    (``np.repeat`` over counts of a national table took memory in proportion to the graduates):
    each group is collapsed to its distinct (months, reached) cells with their counts, the
    medians come from the weighted Kaplan-Meier table, a bootstrap replicate draws the counts
    of the cells from a multinomial with the group's size and the cells' shares (the same
    distribution as resampling that many graduates one by one), and the log-rank test is
    computed from the weighted counts at risk (:func:`_logrank_weighted`, equal to statsmodels'
    ``survdiff`` on the microdata). The memory is replicates x cells, whatever the counts.
    Microdata are resampled graduate by graduate as before.
    """
    from talentlab.indicators.adaptation import adaptation_data
    from talentlab.indicators.graduate_pass import GraduatePass
    from talentlab.indicators.survival import km_grouped, km_median

    grads = data["graduates"] if isinstance(data, dict) else data.graduates
    gp = GraduatePass(grads, [group_col], "compare")
    base, months, reached, _ = adaptation_data(gp, "compare")
    col = gp.keys[group_col]
    pos = {v: int(np.flatnonzero((col == v).to_numpy())[0]) for v in (a, b)}
    groups = []
    for v in (a, b):
        m = base & (gp.codes == pos[v])
        if gp.weights is None:
            groups.append((months[m], reached[m], None))
        else:  # a count table's row of k graduates is k graduates (to resample as well)
            groups.append(_weighted_cells(months[m], reached[m], gp.weights[m]))
    weighted = gp.weights is not None
    t_all = np.r_[groups[0][0], groups[1][0]]
    e_all = np.r_[groups[0][1], groups[1][1]]
    g_all = np.r_[np.zeros(len(groups[0][0]), int), np.ones(len(groups[1][0]), int)]
    w_all = np.r_[groups[0][2], groups[1][2]] if weighted else None
    km = km_grouped(g_all, t_all, e_all, 2, weights=w_all)
    med, _, _ = km_median(km, 2, alpha)
    d = med[0] - med[1]
    # bootstrap: resample each group, all replicates in one vectorised KM call
    rng = np.random.default_rng(seed)
    codes, times, events, weights = [], [], [], []
    for gi, (t, e, w) in enumerate(groups):
        if weighted:
            counts = _multinomial_counts(rng, w, n_boot)  # n_boot x cells
            rep, cell = np.nonzero(counts)
            codes.append(rep * 2 + gi)
            times.append(t[cell])
            events.append(e[cell])
            weights.append(counts[rep, cell])
            continue
        n = len(t)
        idx = rng.integers(0, n, size=(n_boot, n))
        codes.append((np.arange(n_boot)[:, None] * 2 + gi).repeat(n, axis=1).ravel())
        times.append(t[idx].ravel())
        events.append(e[idx].ravel())
    kb = km_grouped(np.concatenate(codes), np.concatenate(times), np.concatenate(events),
                    2 * n_boot, weights=np.concatenate(weights) if weighted else None)
    mb, _, _ = km_median(kb, 2 * n_boot, alpha)
    diffs = mb[0::2] - mb[1::2]
    ok = np.isfinite(diffs)
    lo, hi = (np.quantile(diffs[ok], [alpha / 2, 1 - alpha / 2]) if ok.sum() >= 20
              else (np.nan, np.nan))
    # log-rank
    if weighted:
        chisq, p = _logrank_weighted(t_all, e_all, g_all, w_all)
    else:
        from statsmodels.duration.survfunc import survdiff  # on use (issue 14)

        try:
            chisq, p = survdiff(t_all, e_all.astype(float), g_all.astype(float))
        except Exception:  # noqa: BLE001 - statsmodels raises various errors on degenerate data
            chisq, p = np.nan, np.nan
    se = float(np.std(diffs[ok], ddof=1)) if ok.sum() > 1 else np.nan
    return {"estimate": float(d), "se": se, "ci_low": float(lo), "ci_high": float(hi),
            "p_value": float(p),
            "method": f"difference of KM medians; percentile bootstrap interval ({n_boot} "
                      f"replicates, seed {seed}, {int((~ok).sum())} dropped: median not "
                      f"reached); se = bootstrap SD; p from the log-rank test "
                      f"({'on the counts' if weighted else 'statsmodels survdiff'}, "
                      f"chi2={chisq:.3f})"}


def _weighted_cells(months: np.ndarray, reached: np.ndarray, weights: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One group of a count table as its distinct (months, reached) cells, sorted, with the
    graduates in each; cells of no graduate are left out."""
    w = np.asarray(weights, dtype=np.int64)
    t = np.asarray(months, dtype=float)
    e = np.asarray(reached, dtype=bool)
    keep = w > 0
    t, e, w = t[keep], e[keep], w[keep]
    cells, inverse = np.unique(np.c_[t, e.astype(float)], axis=0, return_inverse=True)
    counts = np.bincount(inverse.ravel(), weights=w, minlength=len(cells)).astype(np.int64)
    return cells[:, 0], cells[:, 1].astype(bool), counts


def _multinomial_counts(rng: np.random.Generator, counts: np.ndarray, n_boot: int
                        ) -> np.ndarray:
    """``n_boot`` bootstrap replicates of a group of ``counts.sum()`` graduates in its cells:
    each row the cells' counts in a resample of that many graduates with replacement."""
    total = int(counts.sum())
    if total == 0:
        return np.zeros((n_boot, len(counts)), dtype=np.int64)
    return rng.multinomial(total, counts / total, size=n_boot)


def _logrank_weighted(time: np.ndarray, event: np.ndarray, group: np.ndarray,
                      weight: np.ndarray) -> tuple[float, float]:
    """Two-group log-rank chi-square and p-value from rows that each stand for ``weight``
    graduates: at each event time, the events and the numbers at risk are sums of weights
    (Mantel's hypergeometric variance, as statsmodels' ``survdiff`` computes it on the rows
    repeated)."""
    w = np.asarray(weight, dtype=float)
    at = np.unique(time[event & (w > 0)])
    if len(at) == 0:
        return np.nan, np.nan
    order = np.argsort(time, kind="stable")
    t_sorted = time[order]
    first = np.searchsorted(t_sorted, at, side="left")  # rows with time >= t: from here on
    n_risk, d = [], []
    for g in (0, 1):
        wg = np.where(group[order] == g, w[order], 0.0)
        tail = np.r_[np.cumsum(wg[::-1])[::-1], 0.0]
        n_risk.append(tail[first])
        ev = np.where((group == g) & event, w, 0.0)
        d.append(np.bincount(np.searchsorted(at, time[ev > 0]), weights=ev[ev > 0],
                             minlength=len(at)))
    n, dd = n_risk[0] + n_risk[1], d[0] + d[1]
    expected = np.sum(dd * n_risk[0] / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        var = np.where(n > 1, n_risk[0] * n_risk[1] * dd * (n - dd) / (n ** 2 * (n - 1)), 0.0)
    v = float(np.sum(var))
    if v <= 0:
        return np.nan, np.nan
    chisq = float((np.sum(d[0]) - expected) ** 2 / v)
    return chisq, float(stats.chi2.sf(chisq, 1))
