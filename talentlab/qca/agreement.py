"""Inter-coder agreement: Krippendorff's alpha, Cohen's and Fleiss' kappa, and the disagreements.

Pure statistics on a long table of codings (one row per unit x coder; for the six cases a unit
is a case x condition cell, see the ``case_codings`` table of the contract). No file I/O.

* :func:`krippendorff_alpha` - alpha for nominal, ordinal, interval or ratio data with missing
  values (Krippendorff 2011, "Computing Krippendorff's alpha-reliability", Annenberg School
  for Communication, University of Pennsylvania; computed by the ``krippendorff`` package),
  with a seeded bootstrap interval and the probability that alpha falls below the minimum
  acceptable levels 0.667 and 0.8 (Krippendorff 2004, *Content Analysis*, 2nd ed., ch. 11.3;
  Hayes & Krippendorff 2007, *Communication Methods and Measures* 1(1), 77-89).
* :func:`cohen_kappa` - two coders, unweighted or weighted (Cohen 1960, *Educational and
  Psychological Measurement* 20, 37-46; Cohen 1968), asymptotic standard error and interval
  (``statsmodels.stats.inter_rater.cohens_kappa``).
* :func:`fleiss_kappa` - any fixed number of coders per unit (Fleiss 1971, *Psychological
  Bulletin* 76(5), 378-382; ``statsmodels.stats.inter_rater.fleiss_kappa``), with a seeded
  bootstrap interval over units.
* :func:`disagreements` - the cells on which the coders differ, side by side.
* :func:`percent_agreement` - the share of units on which all coders agree (reported beside
  the chance-corrected coefficients, never instead of them).

Every estimate travels with its interval, the number of units and coders, and the method.

Examples
--------
>>> import pandas as pd
>>> long = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4],
...                      "coder": ["a", "b"] * 4,
...                      "value": ["x", "x", "y", "y", "x", "y", "y", "y"]})
>>> krippendorff_alpha(long, "value", units="unit", coder="coder", level="nominal",
...                    n_boot=0)["alpha"].round(3).tolist()
[0.533]
"""

from __future__ import annotations

from collections.abc import Sequence

import krippendorff
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats import inter_rater

__all__ = [
    "ALPHA_MIN_LEVELS",
    "AgreementError",
    "cohen_kappa",
    "disagreements",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "reliability_matrix",
]

#: Krippendorff's (2004, ch. 11.3.4) minimum acceptable alphas: 0.8 to rely on the data, 0.667
#: for tentative conclusions.
ALPHA_MIN_LEVELS = (0.667, 0.8)
LEVELS = ("nominal", "ordinal", "interval", "ratio")


class AgreementError(ValueError):
    """Bad input to an agreement statistic; the message says what and where."""


def _interval_level(alpha) -> float:
    """1 - ``alpha``, the level of an interval, once ``alpha`` is checked to lie in (0, 1)."""
    if not 0 < alpha < 1:
        raise AgreementError(f"alpha must lie between 0 and 1 (the interval is at level "
                             f"1 - alpha), not {alpha!r} / alpha 须在 0 与 1 之间")
    return 1 - alpha


def _units_list(units) -> list[str]:
    return [units] if isinstance(units, str) else list(units)


def _check(codings: pd.DataFrame, value: str, units, coder: str) -> list[str]:
    if not isinstance(codings, pd.DataFrame):
        raise AgreementError("codings must be a long DataFrame (one row per unit x coder)")
    ucols = _units_list(units)
    missing = [c for c in ucols + [coder, value] if c not in codings.columns]
    if missing:
        raise AgreementError(f"codings lacks column(s) {missing}; has {list(codings.columns)}")
    dup = codings.duplicated(ucols + [coder], keep=False)
    if dup.any():
        first = codings.loc[dup, ucols + [coder]].iloc[0].tolist()
        raise AgreementError(f"codings has {int(dup.sum())} rows repeating a unit x coder "
                             f"(columns {ucols + [coder]}), e.g. {first}")
    return ucols


def reliability_matrix(codings: pd.DataFrame, value: str, units="unit",
                       coder: str = "coder") -> pd.DataFrame:
    """Coders x units table of ``value`` (missing where a coder did not code a unit).

    Units are ordered by first appearance; a unit made of several columns is labelled by
    joining them with ``/``.

    Examples
    --------
    >>> long = pd.DataFrame({"unit": [1, 1, 2], "coder": ["a", "b", "a"], "value": [3, 3, 1]})
    >>> reliability_matrix(long, "value").to_dict("index")
    {'a': {'1': 3.0, '2': 1.0}, 'b': {'1': 3.0, '2': nan}}
    """
    ucols = _check(codings, value, units, coder)
    key = codings[ucols].astype(str).agg("/".join, axis=1)
    frame = pd.DataFrame({"unit": key.to_numpy(), "coder": codings[coder].astype(str).to_numpy(),
                          "value": codings[value].to_numpy()})
    order_u = list(dict.fromkeys(frame["unit"]))
    order_c = list(dict.fromkeys(frame["coder"]))
    wide = frame.pivot(index="coder", columns="unit", values="value")
    wide = wide.reindex(index=order_c, columns=order_u)
    wide.index.name, wide.columns.name = coder, "unit"
    try:
        wide = wide.astype(float)
    except (TypeError, ValueError):
        wide = wide.astype(object).where(wide.notna(), np.nan)
    return wide


def _encode(wide: pd.DataFrame, level: str, categories: Sequence | None):
    """Numeric reliability data and value domain for the krippendorff package.

    Nominal and ordinal values are replaced by their rank in ``categories`` (default: sorted
    distinct values), which leaves nominal and ordinal alpha unchanged; interval and ratio
    values must be numbers."""
    values = wide.to_numpy(dtype=object)
    present = [v for v in values.ravel() if not pd.isna(v)]
    if not present:
        raise AgreementError("no unit has a value")
    if level in ("interval", "ratio"):
        try:
            data = np.array([[np.nan if pd.isna(v) else float(v) for v in row]
                             for row in values], dtype=float)
        except (TypeError, ValueError) as exc:
            raise AgreementError(f"{level} alpha needs numeric values: {exc}") from None
        domain = np.array(sorted(set(data[np.isfinite(data)].tolist())) if categories is None
                          else [float(c) for c in categories])
        return data, domain
    cats = _categories(present, categories)
    pos = {c: i for i, c in enumerate(cats)}
    data = np.array([[np.nan if pd.isna(v) else pos[v] for v in row] for row in values],
                    dtype=float)
    return data, np.arange(len(cats), dtype=float)


def _categories(present, categories: Sequence | None) -> list:
    """The categories given (every present value must be one) or the present values, sorted."""
    cats = list(categories) if categories is not None else sorted(set(present), key=_sort_key)
    unknown = sorted({str(v) for v in present if v not in cats})
    if unknown:
        raise AgreementError(f"values {unknown} are not among the categories {cats}")
    return cats


def _sort_key(v):
    return (0, float(v), "") if isinstance(v, (int, float, np.number)) else (1, 0.0, str(v))


def _alpha(data: np.ndarray, domain: np.ndarray, level: str) -> float:
    pairable = (np.isfinite(data).sum(axis=0) >= 2)
    if pairable.sum() == 0:
        return np.nan
    sub = data[:, pairable]
    vals = sub[np.isfinite(sub)]
    if np.unique(vals).size < 2:
        return np.nan  # no variation: alpha undefined (0/0)
    return float(krippendorff.alpha(reliability_data=sub, value_domain=domain,
                                    level_of_measurement=level))


def krippendorff_alpha(
    codings: pd.DataFrame,
    value: str = "membership",
    units="unit",
    coder: str = "coder",
    level: str = "interval",
    categories: Sequence | None = None,
    n_boot: int = 2000,
    seed: int = 20070101,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Krippendorff's alpha with a seeded bootstrap interval.

    alpha = 1 - D_o / D_e, the observed over the expected disagreement of the pairable values
    (values of units coded by at least two coders), with the distance metric of ``level``
    (Krippendorff 2011, "Computing Krippendorff's alpha-reliability"). Missing codings are
    allowed; units with fewer than two values are not pairable and drop out.

    Parameters
    ----------
    codings : DataFrame
        Long table, one row per unit x coder.
    value : str
        Column holding the coded value.
    units : str or list of str
        Column(s) identifying a unit (e.g. ``["case_id", "condition"]``).
    coder : str
        Column identifying the coder.
    level : {"nominal", "ordinal", "interval", "ratio"}
    categories : sequence, optional
        Ordered categories (nominal/ordinal) or the value domain (interval/ratio); default the
        sorted distinct values. Give it for ordinal data whose order is not the sort order.
    n_boot : int
        Bootstrap replicates (0: no interval). Units are resampled with replacement, the coders
        and their missing cells kept (the nonparametric bootstrap over units of Zapf et al.
        2016, *BMC Medical Research Methodology* 16:93). Hayes & Krippendorff's (2007) KALPHA
        macro instead draws pairs of values from the coincidence matrix with the expected
        disagreement held fixed; resampling whole units keeps each unit's values together.
        Both are approximations for few units (Hughes 2022, arXiv:2210.13265, compares their
        coverage). The interval is the percentile interval.
    seed : int
    alpha : float, default 0.05
        The interval is at level 1 - alpha (0.05: a 95 % interval). Not to be confused with
        the statistic, Krippendorff's alpha (column ``alpha``).

    Returns
    -------
    DataFrame, one row: ``alpha``, ``ci_low``, ``ci_high``, ``se`` (bootstrap SD),
    ``p_below_0.667``, ``p_below_0.8`` (share of bootstrap alphas below Krippendorff's minimum
    levels), ``level``, ``n_units`` (pairable), ``n_values`` (pairable values), ``n_coders``,
    ``n_boot``, ``seed``, ``method``.

    Examples
    --------
    Krippendorff's (2011) worked example, 4 observers x 12 units with missing values:

    >>> nan = float("nan")
    >>> rows = [[1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
    ...         [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan]]
    >>> long = pd.DataFrame([{"coder": c, "unit": u, "value": v}
    ...                      for c, r in zip("ABCD", rows) for u, v in enumerate(r)])
    >>> krippendorff_alpha(long, "value", level="nominal", n_boot=0)["alpha"].round(3).item()
    0.743
    """
    if level not in LEVELS:
        raise AgreementError(f"level must be one of {LEVELS}, not {level!r}")
    ci_level = _interval_level(alpha)
    wide = reliability_matrix(codings, value, units, coder)
    data, domain = _encode(wide, level, categories)
    est = _alpha(data, domain, level)
    pairable = np.isfinite(data).sum(axis=0) >= 2
    boots = np.array([], dtype=float)
    if n_boot and np.isfinite(est):
        rng = np.random.default_rng(seed)
        cols = np.flatnonzero(pairable)
        idx = rng.integers(0, cols.size, size=(int(n_boot), cols.size))
        boots = np.array([_alpha(data[:, cols[i]], domain, level) for i in idx])
        boots = boots[np.isfinite(boots)]
    tail = (1 - ci_level) / 2
    ci = (np.quantile(boots, [tail, 1 - tail]) if boots.size else (np.nan, np.nan))
    row = {
        "alpha": est, "ci_low": float(ci[0]), "ci_high": float(ci[1]),
        "se": float(boots.std(ddof=1)) if boots.size > 1 else np.nan,
        "p_below_0.667": float(np.mean(boots < ALPHA_MIN_LEVELS[0])) if boots.size else np.nan,
        "p_below_0.8": float(np.mean(boots < ALPHA_MIN_LEVELS[1])) if boots.size else np.nan,
        "level": level, "n_units": int(pairable.sum()),
        "n_values": int(np.isfinite(data[:, pairable]).sum()), "n_coders": int(data.shape[0]),
        "n_boot": int(n_boot), "seed": int(seed),
        "method": (f"Krippendorff's alpha ({level}; Krippendorff 2011, krippendorff package); "
                   f"{ci_level:.0%} percentile interval from {int(n_boot)} bootstrap "
                   f"resamples of units (seed {seed})" if n_boot else
                   f"Krippendorff's alpha ({level}; Krippendorff 2011, krippendorff package); "
                   "no interval (n_boot=0)"),
    }
    return pd.DataFrame([row])


def _two_coder_table(codings, value, units, coder, coders, categories):
    wide = reliability_matrix(codings, value, units, coder)
    names = list(wide.index)
    if coders is None:
        if len(names) != 2:
            raise AgreementError(f"Cohen's kappa needs exactly two coders; found {names} "
                                 "(pass coders=[a, b] or use fleiss_kappa)")
        coders = names
    absent = [c for c in coders if c not in names]
    if absent:
        raise AgreementError(f"coders {absent} not in column {coder!r} (has {names})")
    pair = wide.loc[list(coders)].T.dropna()
    if pair.empty:
        raise AgreementError("no unit was coded by both coders")
    values = pair.to_numpy(dtype=object)
    cats = _categories(values.ravel().tolist(), categories)
    pos = {c: i for i, c in enumerate(cats)}
    table = np.zeros((len(cats), len(cats)))
    for a, b in values:
        table[pos[a], pos[b]] += 1
    return table, cats, list(coders), len(pair)


def cohen_kappa(
    codings: pd.DataFrame,
    value: str = "evidence_status",
    units="unit",
    coder: str = "coder",
    coders: Sequence[str] | None = None,
    weights: str | None = None,
    categories: Sequence | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Cohen's kappa of two coders (units coded by both), unweighted or weighted.

    kappa = (p_o - p_e) / (1 - p_e) (Cohen 1960); with ``weights`` "linear" or "quadratic" the
    disagreement weights of Cohen (1968) over the ordered ``categories``. Computed by
    ``statsmodels.stats.inter_rater.cohens_kappa``; the standard error is its asymptotic one
    (Fleiss, Cohen & Everitt 1969) and the interval is Wald, at level 1 - ``alpha`` (default
    0.05: 95 %).

    Returns
    -------
    DataFrame, one row: ``kappa``, ``se``, ``ci_low``, ``ci_high``, ``z``, ``p_value`` (test of
    kappa = 0 with the null standard error), ``p_observed``, ``p_expected``, ``weights``,
    ``coders``, ``n_units``, ``n_categories``, ``method``.

    Examples
    --------
    Cohen's (1960, Table 1) example: 200 units, p_o = 0.70, p_e = 0.41, kappa = 0.49.

    >>> cells = [(0, 0, 88), (0, 1, 14), (0, 2, 18), (1, 0, 10), (1, 1, 40), (1, 2, 10),
    ...          (2, 0, 2), (2, 1, 6), (2, 2, 12)]
    >>> rows = [(u, c, v) for u, (a, b) in enumerate(
    ...     [(a, b) for a, b, n in cells for _ in range(n)]) for c, v in (("A", a), ("B", b))]
    >>> long = pd.DataFrame(rows, columns=["unit", "coder", "value"])
    >>> cohen_kappa(long, "value")[["p_observed", "p_expected", "kappa"]].round(3).values.tolist()
    [[0.7, 0.41, 0.492]]
    """
    if weights not in (None, "linear", "quadratic"):
        raise AgreementError("weights must be None, 'linear' or 'quadratic'")
    ci_level = _interval_level(alpha)
    table, cats, names, n = _two_coder_table(codings, value, units, coder, coders, categories)
    wt = {None: None, "linear": "linear", "quadratic": "quadratic"}[weights]
    res = inter_rater.cohens_kappa(table, wt=wt)
    half = float(stats.norm.ppf(0.5 + ci_level / 2)) * float(res.std_kappa)
    p = table / table.sum()
    p_o = float(np.trace(p))
    p_e = float(p.sum(axis=1) @ p.sum(axis=0))
    z = float(res.z_value) if np.isfinite(res.z_value) else np.nan
    return pd.DataFrame([{
        "kappa": float(res.kappa), "se": float(res.std_kappa),
        "ci_low": float(res.kappa) - half, "ci_high": float(res.kappa) + half,
        "z": z, "p_value": float(res.pvalue_two_sided),
        "p_observed": p_o, "p_expected": p_e, "weights": weights or "none",
        "coders": " vs ".join(names), "n_units": int(n), "n_categories": len(cats),
        "method": (f"Cohen's kappa ({weights or 'unweighted'}; Cohen 1960/1968) via statsmodels "
                   f"cohens_kappa; asymptotic SE, {ci_level:.0%} Wald interval"),
    }])


def fleiss_kappa(
    codings: pd.DataFrame,
    value: str = "evidence_status",
    units="unit",
    coder: str = "coder",
    categories: Sequence | None = None,
    n_boot: int = 2000,
    seed: int = 19710101,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Fleiss' kappa for any number of coders, on the units every coder coded.

    kappa = (P_bar - P_e) / (1 - P_e) from the units x categories count table (Fleiss 1971),
    by ``statsmodels.stats.inter_rater.fleiss_kappa``; seeded percentile bootstrap interval
    over units at level 1 - ``alpha`` (default 0.05: 95 %). With two coders it is Scott's pi,
    not Cohen's kappa.

    Returns
    -------
    DataFrame, one row: ``kappa``, ``ci_low``, ``ci_high``, ``se``, ``n_units``, ``n_coders``,
    ``n_categories``, ``n_boot``, ``seed``, ``method``.

    Examples
    --------
    Two coders agreeing on 3 of 4 units:

    >>> long = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3, 4, 4], "coder": ["a", "b"] * 4,
    ...                      "value": ["x", "x", "y", "y", "x", "y", "y", "y"]})
    >>> fleiss_kappa(long, "value", n_boot=0)["kappa"].round(3).item()
    0.467
    """
    ci_level = _interval_level(alpha)
    wide = reliability_matrix(codings, value, units, coder)
    complete = wide.T.dropna()
    if complete.empty:
        raise AgreementError("no unit was coded by every coder; Fleiss' kappa needs the same "
                             "number of codings per unit")
    values = complete.to_numpy(dtype=object)
    cats = _categories(values.ravel().tolist(), categories)
    pos = {c: i for i, c in enumerate(cats)}
    counts = np.zeros((len(values), len(cats)))
    for i, row in enumerate(values):
        for v in row:
            counts[i, pos[v]] += 1

    def kappa(table):
        if (table.sum(axis=0) > 0).sum() < 2:
            return np.nan
        return float(inter_rater.fleiss_kappa(table, method="fleiss"))

    est = kappa(counts)
    boots = np.array([], dtype=float)
    if n_boot and np.isfinite(est):
        rng = np.random.default_rng(seed)
        idx = rng.integers(0, len(counts), size=(int(n_boot), len(counts)))
        boots = np.array([kappa(counts[i]) for i in idx])
        boots = boots[np.isfinite(boots)]
    tail = (1 - ci_level) / 2
    ci = np.quantile(boots, [tail, 1 - tail]) if boots.size else (np.nan, np.nan)
    return pd.DataFrame([{
        "kappa": est, "ci_low": float(ci[0]), "ci_high": float(ci[1]),
        "se": float(boots.std(ddof=1)) if boots.size > 1 else np.nan,
        "n_units": int(len(counts)), "n_coders": int(wide.shape[0]), "n_categories": len(cats),
        "n_boot": int(n_boot), "seed": int(seed),
        "method": (f"Fleiss' kappa (Fleiss 1971) via statsmodels fleiss_kappa; "
                   f"{ci_level:.0%} percentile interval from {int(n_boot)} bootstrap "
                   f"resamples of units (seed {seed})" if n_boot else
                   "Fleiss' kappa (Fleiss 1971) via statsmodels fleiss_kappa; no interval"),
    }])


def percent_agreement(codings: pd.DataFrame, value: str, units="unit",
                      coder: str = "coder") -> pd.DataFrame:
    """Share of units (coded by two or more coders) on which every coder gave the same value.

    Not chance-corrected: report it beside alpha or kappa, not instead of them.

    Examples
    --------
    >>> long = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": ["a", "b"] * 2,
    ...                      "value": [0, 0, 1, 0]})
    >>> percent_agreement(long, "value")[["agreement", "n_units"]].values.tolist()
    [[0.5, 2.0]]
    """
    wide = reliability_matrix(codings, value, units, coder).T
    coded = wide.notna().sum(axis=1)
    sub = wide.loc[coded >= 2]
    same = sub.apply(lambda r: r.dropna().nunique() == 1, axis=1)
    n = int(len(sub))
    return pd.DataFrame([{"agreement": float(same.mean()) if n else np.nan,
                          "n_agree": int(same.sum()), "n_units": n,
                          "method": "share of units with identical values from every coder"}])


def disagreements(
    codings: pd.DataFrame,
    values: Sequence[str] = ("membership", "evidence_status"),
    units="unit",
    coder: str = "coder",
    keep: Sequence[str] = (),
) -> pd.DataFrame:
    """The units on which the coders differ in any of ``values``, coders side by side.

    Returns one row per disagreeing unit: the unit column(s), then ``<value>__<coder>`` for each
    value and coder (and for each ``keep`` column, e.g. the quote), then ``differs_on`` (the
    values that differ) and ``membership_gap`` (largest minus smallest numeric value of the
    first value column, when numeric).

    Examples
    --------
    >>> long = pd.DataFrame({"unit": [1, 1, 2, 2], "coder": ["a", "b"] * 2,
    ...     "membership": [1.0, 1.0, 0.33, 0.0],
    ...     "evidence_status": ["stated_present"] * 2 + ["implied", "not_mentioned"]})
    >>> d = disagreements(long)
    >>> d[["unit", "membership__a", "membership__b", "differs_on"]].values.tolist()
    [[2, 0.33, 0.0, 'membership, evidence_status']]
    """
    ucols = _units_list(units)
    values = list(values)
    for v in values:
        _check(codings, v, ucols, coder)
    keep = [k for k in keep if k in codings.columns]
    names = list(dict.fromkeys(codings[coder].astype(str)))
    frame = codings.assign(**{coder: codings[coder].astype(str)})
    wide = frame.pivot(index=ucols, columns=coder, values=values + keep)
    wide.columns = [f"{v}__{c}" for v, c in wide.columns]
    order = frame[ucols].drop_duplicates()
    wide = wide.reindex(pd.MultiIndex.from_frame(order) if len(ucols) > 1 else order[ucols[0]])

    def differs(row, v):
        vals = [row[f"{v}__{c}"] for c in names if not pd.isna(row[f"{v}__{c}"])]
        return len({str(x) for x in vals}) > 1

    diff_on = wide.apply(lambda r: ", ".join(v for v in values if differs(r, v)), axis=1)
    out = wide.loc[diff_on != ""].copy()
    cols = [f"{v}__{c}" for v in values + keep for c in names]
    out = out[cols]
    out["differs_on"] = diff_on[diff_on != ""]
    first = [f"{values[0]}__{c}" for c in names]
    num = out[first].apply(pd.to_numeric, errors="coerce")
    out["membership_gap"] = (num.max(axis=1) - num.min(axis=1)).round(6)
    return out.reset_index()
