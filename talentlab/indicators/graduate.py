"""Graduate-level indicators, computed in one shared grouped pass.

All graduate-level indicators work from the same group codes and the same per-group counts of
destinations (:class:`~talentlab.indicators.graduate_pass.GraduatePass`); each then counts its
own numerator and base with ``numpy.bincount``. One pass serves every indicator that
:func:`talentlab.indicators.compute_all` asks for, so the group keys are factorised once for
the whole table. The adaptation cycle is in :mod:`talentlab.indicators.adaptation`; this module
holds the proportions, the destination rates, the mean retraining hours and the registry of
the graduate-level indicators (:data:`GRADUATE_INDICATORS`, :data:`GRADUATE_COLUMNS`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.indicators import definitions as defs
from talentlab.indicators.adaptation import adaptation_cycle
from talentlab.indicators.core import (
    IndicatorInputError,
    bool_parts,
    check_alpha,
    proportion_result,
    result_frame,
    row_notes,
    t_interval,
    weighted_bincount,
)
from talentlab.indicators.graduate_pass import DESTINATION_CODES, GraduatePass, as_pass

WORK_REGIONS = defs.WORK_REGIONS
#: Largest group x employer grid counted densely with bincount (else sorted pair keys).
DENSE_CELLS = 20_000_000


def _unknown_note(kind: str, unknown: np.ndarray, treatment: str) -> dict[str, np.ndarray]:
    return {f"{kind}: see n_unknown, {treatment}": unknown > 0}


def _binary_over_base(gp: GraduatePass, code: str, col: str, base: np.ndarray, base_text: str,
                      fn: str, alpha: float, min_cell: int,
                      value_known: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """A proportion over a base: one bincount of the state (outside / unknown / no / yes)."""
    if value_known is None:
        value, known = bool_parts(gp.column(col, fn))
    else:
        value, known = value_known
    # state: 0 outside the base, 1 in the base but unknown, 2 known no, 3 known yes
    state = base.astype(np.int8) * (1 + known.astype(np.int8) + (value & known).astype(np.int8))
    table = weighted_bincount(gp.codes * 4 + state, gp.weights, 4 * gp.n_groups
                              ).reshape(gp.n_groups, 4)
    return binary_result(gp.keys, code, col, num=table[:, 3], den=table[:, 2] + table[:, 3],
                         unknown=table[:, 1], excluded=table[:, 0], total=gp.total,
                         base_text=base_text, alpha=alpha, min_cell=min_cell)


def binary_result(keys: pd.DataFrame, code: str, col: str, *, num, den, unknown, excluded, total,
                  base_text: str, alpha: float, min_cell: int) -> pd.DataFrame:
    """The tidy rows of a proportion from its per-group counts (every engine ends here)."""
    unknown = np.asarray(unknown)
    method = f"Wilson score interval (statsmodels); base = {base_text}"
    return proportion_result(
        keys, code, num, den, group_total=total, n_unknown=unknown,
        n_excluded=excluded, method=method, alpha=alpha,
        min_cell=min_cell,
        notes=_unknown_note(f"missing {col} in the base", unknown,
                            "left out of numerator and denominator (item non-response)"))


def _category_in(s: pd.Series, values: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        wanted = [i for i, c in enumerate(s.cat.categories) if c in values]
        return np.isin(codes, wanted), codes >= 0
    known = s.notna().to_numpy()
    return s.isin(values).to_numpy() & known, known


# ---------------------------------------------------------------------------------------------
# Public indicator functions
# ---------------------------------------------------------------------------------------------

def counterpart_employment_rate(graduates: pd.DataFrame, by=None, *,
                                denominator: str = "full_time", alpha: float = 0.05,
                                min_cell: int | None = None) -> pd.DataFrame:
    """Counterpart employment rate (专业对口率 / 工作与专业相关度).

    National-survey definition (MyCOS 就业蓝皮书): among graduates **employed full time**, the
    share whose job is related to their major (self-assessed). ``denominator="all_employed"``
    gives the local quality-report variant over everyone employed (full time, part time and
    self-employed). Employed graduates without an answer are item non-response: left out of
    both parts and counted in ``n_unknown``. Wilson score interval.

    Parameters
    ----------
    graduates : DataFrame
        The graduates table of the data contract.
    by : str or list of str, optional
        Grouping columns; a missing key value is a group of its own.
    denominator : {"full_time", "all_employed"}
    alpha : float
        The interval is at level 1 - alpha (default 0.05: 95%); the ``confidence``
        column states that level.
    min_cell : int, optional
        Disclosure threshold: ``suppressed`` is True where ``n < min_cell`` (default
        :data:`talentlab.data.disclosure.MIN_CELL`).

    Returns
    -------
    DataFrame
        One row per group: group columns, ``indicator, statistic, label_en, label_zh,
        numerator, denominator, estimate, se, ci_low, ci_high, confidence, n, n_excluded,
        n_unknown, method, suppressed``.

    Notes
    -----
    Source: hjenglish.com/gaokaozhiyuan/p402936 ("受雇全职工作的…工作与专业相关度");
    full time = at least 32 hours a week (pishu.com.cn, 2023 高职 blue book). See
    ``talentlab.data.codebook.codebook()``.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import counterpart_employment_rate
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(
    ...         ["employed_full_time"] * 3 + ["employed_part_time"],
    ...         categories=["employed_full_time", "employed_part_time", "self_employed",
    ...                     "military", "further_study", "preparing_further_study",
    ...                     "unemployed", "unknown"]),
    ...     "job_related_to_major": pd.array([True, True, False, True], dtype="boolean")})
    >>> r = counterpart_employment_rate(g)
    >>> r[["numerator", "denominator", "n_excluded"]].values.tolist()
    [[2.0, 3.0, 1]]
    """
    fn = "counterpart_employment_rate"
    alpha = check_alpha(alpha, fn)
    gp = as_pass(graduates, by, fn)
    if denominator == "full_time":
        base, text = gp.mask("employed_full_time"), defs.COUNTERPART_TEXT["full_time"]
    elif denominator == "all_employed":
        base, text = gp.mask("employed"), defs.COUNTERPART_TEXT["all_employed"]
    else:
        raise IndicatorInputError(f"{fn}: denominator must be 'full_time' or 'all_employed', "
                                  f"got {denominator!r}")
    out = _binary_over_base(gp, "counterpart_employment_rate", "job_related_to_major", base,
                            text, fn, alpha, min_cell)
    if denominator == "all_employed":
        out["statistic"] = "proportion_all_employed"
    return out


def _destination_indicator(keys: pd.DataFrame, dest_table: np.ndarray, code: str,
                           den_base: np.ndarray, unknown_in: bool, method: str,
                           alpha: float, min_cell: int, unknown_text: str) -> pd.DataFrame:
    total = dest_table.sum(axis=1)
    num = dest_table[:, [DESTINATION_CODES[n] for n in defs.PLACED]].sum(axis=1)
    unk = dest_table[:, DESTINATION_CODES["unknown"]]
    den = den_base
    n_excluded = total - den - (0 if unknown_in else unk)
    share = np.divide(unk, total, out=np.zeros(len(unk)), where=total > 0)
    notes = {}
    for i in np.flatnonzero(unk > 0):  # few groups carry unknowns; text per group
        notes[f"{unk[i]} unknown destination(s) ({share[i]:.1%} of the group) {unknown_text}"] = \
            np.arange(len(unk)) == i
    return proportion_result(keys, code, num, den, group_total=total, n_unknown=unk,
                             n_excluded=n_excluded, method=method, alpha=alpha,
                             min_cell=min_cell, notes=notes)


def employment_rate(graduates: pd.DataFrame, by=None, *, unknown: str = "exclude",
                    alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """Employment rate, national graduate-survey definition (就业率, 半年后).

    ``numerator`` = employed full time + part time + self-employed + military + further study
    ("已就业人数": the survey counts further study as employed);
    ``denominator`` = "需要就业的人数": every graduate except those preparing for further study
    (the 2007 MyCOS definition removes graduate-exam takers) and, by default, except
    ``unknown`` destinations (survey non-response). Unknowns are always counted in
    ``n_unknown`` and named in ``method``; ``unknown="not_employed"`` keeps them in the base as
    not employed (a lower bound).

    Parameters
    ----------
    graduates, by, alpha, min_cell
        As :func:`counterpart_employment_rate`.
    unknown : {"exclude", "not_employed"}

    Notes
    -----
    Source: news.sina.com.cn 2007-11-23 (MyCOS-Gallup 指标说明). ``n_excluded`` counts the
    graduates preparing for further study (and the unknowns when excluded are in
    ``n_unknown``).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import employment_rate
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({"destination": pd.Categorical(
    ...     ["employed_full_time", "further_study", "preparing_further_study",
    ...      "unemployed", "unknown"], categories=levels)})
    >>> employment_rate(g)[["numerator", "denominator", "n_unknown"]].values.tolist()
    [[2.0, 3.0, 1]]
    """
    fn = "employment_rate"
    alpha = check_alpha(alpha, fn)
    if unknown not in ("exclude", "not_employed"):
        raise IndicatorInputError(f"{fn}: unknown must be 'exclude' or 'not_employed', "
                                  f"got {unknown!r}")
    gp = as_pass(graduates, by, fn)
    return employment_rate_from_counts(gp.keys, gp.dest_table, unknown=unknown,
                                       alpha=alpha, min_cell=min_cell)


def employment_rate_from_counts(keys: pd.DataFrame, dest_table: np.ndarray, *,
                                unknown: str = "exclude", alpha: float = 0.05,
                                min_cell: int | None = None) -> pd.DataFrame:
    """:func:`employment_rate` from per-group destination counts (columns in contract order)."""
    dest_table = np.asarray(dest_table)
    total = dest_table.sum(axis=1)
    pfs = dest_table[:, DESTINATION_CODES["preparing_further_study"]]
    unk = dest_table[:, DESTINATION_CODES["unknown"]]
    if unknown == "exclude":
        den = total - pfs - unk
        text = "excluded from the base as survey non-response"
    else:
        den = total - pfs
        text = "kept in the base as not employed (lower bound)"
    method = ("Wilson score interval (statsmodels); numerator = employed full/part time, "
              "self-employed, military, further study; base = graduates needing employment "
              "(all minus preparing further study"
              + (", minus unknown)" if unknown == "exclude" else ")")
              + " [MyCOS national survey definition]")
    return _destination_indicator(keys, dest_table, "employment_rate", den,
                                  unknown != "exclude", method, alpha, min_cell, text)


def destination_rate(graduates: pd.DataFrame, by=None, *, unknown: str = "not_placed",
                     alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """Graduate destination rate, ministry definition (毕业去向落实率).

    ``numerator`` = employed full time + part time + self-employed + military + further study;
    ``denominator`` = **all graduates** (preparing further study and unemployed included).
    ``unknown`` destinations stay in the base as not placed (default); ``unknown="exclude"``
    drops them (upper bound). Either way they are counted in ``n_unknown`` and named in
    ``method``.

    Notes
    -----
    Source: (就业 + 升学) / 毕业生总数, secondary explainers of the MOE definition
    (2y1y.com/xuanzhuanye/283003); the official MOE text was not seen (codebook flag
    ``partly_verified``).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import destination_rate
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({"destination": pd.Categorical(
    ...     ["employed_full_time", "further_study", "preparing_further_study",
    ...      "unemployed", "unknown"], categories=levels)})
    >>> destination_rate(g)[["numerator", "denominator", "n_unknown"]].values.tolist()
    [[2.0, 5.0, 1]]
    """
    fn = "destination_rate"
    alpha = check_alpha(alpha, fn)
    if unknown not in ("not_placed", "exclude"):
        raise IndicatorInputError(f"{fn}: unknown must be 'not_placed' or 'exclude', "
                                  f"got {unknown!r}")
    gp = as_pass(graduates, by, fn)
    return destination_rate_from_counts(gp.keys, gp.dest_table, unknown=unknown,
                                        alpha=alpha, min_cell=min_cell)


def destination_rate_from_counts(keys: pd.DataFrame, dest_table: np.ndarray, *,
                                 unknown: str = "not_placed", alpha: float = 0.05,
                                 min_cell: int | None = None) -> pd.DataFrame:
    """:func:`destination_rate` from per-group destination counts (contract order)."""
    dest_table = np.asarray(dest_table)
    total = dest_table.sum(axis=1)
    unk = dest_table[:, DESTINATION_CODES["unknown"]]
    if unknown == "not_placed":
        den, text = total, "kept in the base as not placed"
    else:
        den, text = total - unk, "excluded from the base (upper bound)"
    method = ("Wilson score interval (statsmodels); numerator = employed full/part time, "
              "self-employed, military, further study; base = all graduates"
              + (" minus unknown" if unknown == "exclude" else "") + " [MOE definition]")
    return _destination_indicator(keys, dest_table, "destination_rate", den,
                                  unknown == "not_placed", method, alpha, min_cell, text)


def local_employment_rate(graduates: pd.DataFrame, by=None, *,
                          regions: Sequence[str] = ("local",), alpha: float = 0.05,
                          min_cell: int | None = None) -> pd.DataFrame:
    """Local employment rate (本地就业率): employed graduates working in ``regions``.

    Base: employed graduates (full time, part time, self-employed) with a known
    ``work_region``; missing regions among the employed are counted in ``n_unknown``. The
    geography is explicit: ``regions=("local",)`` is the college's city,
    ``("local", "province")`` the province.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import local_employment_rate
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time", "self_employed",
    ...                                    "further_study"], categories=levels),
    ...     "work_region": pd.Categorical(["local", "elsewhere", None],
    ...                                   categories=["local", "province", "elsewhere"])})
    >>> local_employment_rate(g)["estimate"].tolist()
    [0.5]
    """
    fn = "local_employment_rate"
    alpha = check_alpha(alpha, fn)
    regions = [regions] if isinstance(regions, str) else list(regions)
    bad = [r for r in regions if r not in WORK_REGIONS]
    if bad or not regions:
        raise IndicatorInputError(f"{fn}: regions must be a non-empty subset of "
                                  f"{list(WORK_REGIONS)}, got {regions}")
    gp = as_pass(graduates, by, fn)
    text = defs.local_text(regions)
    return _binary_over_base(gp, "local_employment_rate", "work_region", gp.mask("employed"),
                             text, fn, alpha, min_cell,
                             value_known=_category_in(gp.column("work_region", fn), regions))


def cluster_employment_rate(graduates: pd.DataFrame, by=None, *, alpha: float = 0.05,
                            min_cell: int | None = None) -> pd.DataFrame:
    """Employment rate in cluster enterprises (集群企业就业率), among the employed.

    Base: employed graduates (full time, part time, self-employed) with a known
    ``employer_in_cluster``; missing flags are counted in ``n_unknown``.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import cluster_employment_rate
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time"] * 2, categories=levels),
    ...     "employer_in_cluster": pd.array([True, False], dtype="boolean")})
    >>> cluster_employment_rate(g)["estimate"].tolist()
    [0.5]
    """
    fn = "cluster_employment_rate"
    alpha = check_alpha(alpha, fn)
    gp = as_pass(graduates, by, fn)
    return _binary_over_base(gp, "cluster_employment_rate", "employer_in_cluster",
                             gp.mask("employed"), defs.CLUSTER_TEXT, fn, alpha,
                             min_cell)


def turnover_6_months(graduates: pd.DataFrame, by=None, *, alpha: float = 0.05,
                      min_cell: int | None = None) -> pd.DataFrame:
    """Six-month turnover rate (半年内离职率): employed graduates who left a job within 6 months.

    Base: employed graduates (full time, part time, self-employed) with a known
    ``left_within_6_months``. MyCOS defines the share of graduates "who had at least one
    separation within six months" (wap.sinogk.com/News/Details/151100).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import turnover_6_months
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time", "employed_part_time",
    ...                                    "unemployed"], categories=levels),
    ...     "left_within_6_months": pd.array([True, False, None], dtype="boolean")})
    >>> turnover_6_months(g)[["estimate", "n_excluded"]].values.tolist()
    [[0.5, 1]]
    """
    fn = "turnover_6_months"
    alpha = check_alpha(alpha, fn)
    gp = as_pass(graduates, by, fn)
    return _binary_over_base(gp, "turnover_6_months", "left_within_6_months",
                             gp.mask("employed"), defs.TURNOVER_TEXT, fn, alpha, min_cell)


def job_satisfaction_rate(graduates: pd.DataFrame, by=None, *, alpha: float = 0.05,
                          min_cell: int | None = None) -> pd.DataFrame:
    """Job satisfaction rate (就业满意度): answers 4 or 5 over valid 1-5 answers of the employed.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import job_satisfaction_rate
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time"] * 3, categories=levels),
    ...     "job_satisfaction": pd.array([5, 2, None], dtype="Int64")})
    >>> job_satisfaction_rate(g)[["estimate", "n_unknown"]].values.tolist()
    [[0.5, 1]]
    """
    fn = "job_satisfaction_rate"
    alpha = check_alpha(alpha, fn)
    gp = as_pass(graduates, by, fn)
    v = gp.column("job_satisfaction", fn).to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(v)
    bad = known & ((v < 1) | (v > 5) | (v != np.round(v)))
    if bad.any():
        raise IndicatorInputError(f"{fn}: graduates.job_satisfaction must be an integer 1-5, "
                                  f"got {sorted(set(v[bad].tolist()))[:10]}")
    return _binary_over_base(gp, "job_satisfaction_rate", "job_satisfaction",
                             gp.mask("employed"), defs.SATISFACTION_TEXT, fn, alpha,
                             min_cell, value_known=(known & (v >= 4), known))


def industry_certificate_rate(graduates: pd.DataFrame, by=None, *, alpha: float = 0.05,
                              min_cell: int | None = None) -> pd.DataFrame:
    """Industry / vocational skill certificate rate (职业技能证书获取率) over all graduates.

    Base: every graduate with a known ``industry_certificate`` (missing: ``n_unknown``).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import industry_certificate_rate
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["unemployed", "unknown", "further_study"],
    ...                                   categories=levels),
    ...     "industry_certificate": pd.array([True, False, True], dtype="boolean")})
    >>> round(float(industry_certificate_rate(g)["estimate"].iloc[0]), 3)
    0.667
    """
    fn = "industry_certificate_rate"
    alpha = check_alpha(alpha, fn)
    gp = as_pass(graduates, by, fn)
    return _binary_over_base(gp, "industry_certificate_rate", "industry_certificate",
                             np.ones(len(gp.dest), dtype=bool),
                             defs.CERTIFICATE_TEXT, fn, alpha, min_cell)


def retraining_hours(graduates: pd.DataFrame, by=None, *, cluster: str | None = "employer_id",
                     alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """Enterprise retraining hours per hire (企业再培训时长): mean with interval.

    Base: employees (full time and part time) with a recorded ``retraining_hours``. With
    ``cluster="employer_id"`` (default) the standard error is cluster-robust by employer, the
    same number as statsmodels ``OLS(hours ~ 1).fit(cov_type="cluster")`` (small-sample factor
    G/(G-1)), and the interval uses a t distribution with G-1 degrees of freedom; an employee
    with a missing employer id is a cluster of their own. ``cluster=None`` gives the ordinary
    standard error s/sqrt(n) and a t interval with n-1 df.

    Why hand-written: the intercept-only cluster-robust variance reduces to
    ``G/(G-1) * sum_c (sum_i e_ic)^2 / n^2``; computing it with one bincount keeps the national
    pass vectorised. Tests check it against statsmodels.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import retraining_hours
    >>> levels = ["employed_full_time", "employed_part_time", "self_employed", "military",
    ...           "further_study", "preparing_further_study", "unemployed", "unknown"]
    >>> g = pd.DataFrame({
    ...     "destination": pd.Categorical(["employed_full_time"] * 3, categories=levels),
    ...     "retraining_hours": [10.0, 20.0, 30.0],
    ...     "employer_id": pd.array(["e1", "e2", "e3"], dtype="string")})
    >>> retraining_hours(g)["estimate"].tolist()
    [20.0]
    """
    fn = "retraining_hours"
    alpha = check_alpha(alpha, fn)
    gp = as_pass(graduates, by, fn)
    hours = gp.column("retraining_hours", fn).to_numpy(dtype=float, na_value=np.nan)
    known = ~np.isnan(hours)
    if (hours[known] < 0).any():
        raise IndicatorInputError(f"{fn}: graduates.retraining_hours must be >= 0")
    employees = gp.mask("employees")
    base = employees & known
    codes = gp.codes[base]
    x = hours[base]
    # count table: a row of k graduates adds k to n, k x to the sum, k e^2 to squared sums
    w = None if gp.weights is None else gp.weights[base].astype(float)
    G = gp.n_groups
    n = np.bincount(codes, weights=w, minlength=G).astype(float)
    total = np.bincount(codes, weights=x if w is None else x * w, minlength=G)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    resid = x - mean[codes]
    if cluster is None:
        ss = np.bincount(codes, weights=resid**2 if w is None else w * resid**2, minlength=G)
        return mean_result(gp.keys, n=n, total=total, ss=ss, cluster=None,
                           in_base=gp.count(employees), group_total=gp.total,
                           alpha=alpha, min_cell=min_cell)
    emp = gp.column(cluster, fn)
    emp_codes, _ = pd.factorize(emp if base.all() else emp[base], use_na_sentinel=True)
    emp_codes = np.asarray(emp_codes, dtype=np.int64)
    n_emp = int(emp_codes.max()) + 1 if len(emp_codes) else 0
    missing = emp_codes < 0
    singles_ssc = singles_n = np.zeros(G)
    if w is not None and missing.any():
        # each of a row's k graduates without an employer id is a cluster of its own: k
        # clusters of k e^2 in all (not one cluster of (k e)^2)
        singles_ssc = np.bincount(codes[missing], weights=w[missing] * resid[missing] ** 2,
                                  minlength=G)
        singles_n = np.bincount(codes[missing], weights=w[missing], minlength=G)
        named = ~missing
        codes, resid, w, emp_codes = codes[named], resid[named], w[named], emp_codes[named]
    elif missing.any():  # a missing employer id is a cluster of its own
        emp_codes[missing] = n_emp + np.arange(int(missing.sum()))
        n_emp += int(missing.sum())
    if w is not None:
        resid = resid * w  # the cluster sums below add the graduates' residuals
    pair = codes.astype(np.int64) * max(n_emp, 1) + emp_codes
    if G * max(n_emp, 1) <= DENSE_CELLS:  # dense grid: plain bincounts
        s_c = np.bincount(pair, weights=resid, minlength=G * max(n_emp, 1))
        occupied = np.bincount(pair, minlength=G * max(n_emp, 1)) > 0
        pair_uniques = np.flatnonzero(occupied)
        s_c = s_c[pair_uniques]
    else:  # sort the pair keys (cheaper than hashing when most pairs are distinct)
        order = np.argsort(pair)
        sorted_pair = pair[order]
        starts = np.flatnonzero(np.r_[True, sorted_pair[1:] != sorted_pair[:-1]])
        s_c = np.add.reduceat(resid[order], starts) if len(starts) else np.zeros(0)
        pair_uniques = sorted_pair[starts]
    grp_of_pair = (pair_uniques // max(n_emp, 1)).astype(np.intp)
    n_clusters = np.bincount(grp_of_pair, minlength=G).astype(float) + singles_n
    ssc = np.bincount(grp_of_pair, weights=s_c**2, minlength=G) + singles_ssc
    return mean_result(gp.keys, n=n, total=total, ssc=ssc, n_clusters=n_clusters,
                       cluster=cluster, in_base=gp.count(employees), group_total=gp.total,
                       alpha=alpha, min_cell=min_cell)


def mean_result(keys: pd.DataFrame, *, n, total, cluster: str | None, in_base, group_total,
                alpha: float, min_cell: int, ss=None, ssc=None,
                n_clusters=None) -> pd.DataFrame:
    """The tidy rows of :func:`retraining_hours` from per-group sums (every engine ends here).

    ``n`` and ``total`` are the count and sum of the hours in the base; ``ss`` the sum of
    squared deviations from the group mean (ordinary SE, ``cluster=None``), or ``ssc`` the
    sum over clusters of the squared within-cluster sums of deviations and ``n_clusters``
    (cluster-robust SE); ``in_base`` the employees with or without hours, ``group_total`` all
    graduates of the group.
    """
    n = np.asarray(n, dtype=float)
    total = np.asarray(total, dtype=float)
    in_base = np.asarray(in_base)
    group_total = np.asarray(group_total)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
    notes: dict[str, np.ndarray] = {}
    if cluster is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(np.asarray(ss, dtype=float) / (n - 1) / n)
        df = n - 1
        n_clusters = n.copy()
        method = ("mean with ordinary standard error s/sqrt(n) and t interval (n-1 df); base = "
                  "employees (full and part time) with recorded hours")
        notes["one hire: standard error undefined"] = n == 1
    else:
        n_clusters = np.asarray(n_clusters, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            se = np.sqrt(n_clusters / (n_clusters - 1) * np.asarray(ssc, dtype=float) / n**2)
        se = np.where(n_clusters > 1, se, np.nan)
        df = n_clusters - 1
        method = (f"mean with cluster-robust standard error by {cluster} (as statsmodels OLS "
                  "cov_type='cluster', factor G/(G-1)) and t interval (G-1 df); base = "
                  "employees (full and part time) with recorded hours")
        notes["a single employer: cluster-robust standard error undefined (NaN)"] = \
            (n_clusters == 1)
    lo, hi = t_interval(mean, se, df, alpha)
    unknown = in_base - n
    out = result_frame(keys, "retraining_hours", "mean", numerator=total, denominator=n,
                       estimate=mean, se=se, ci_low=lo, ci_high=hi, alpha=alpha,
                       n=n, n_excluded=group_total - in_base, n_unknown=unknown,
                       method=row_notes(method, n, {**notes, **_unknown_note(
                           "employees without hours", unknown, "left out")}),
                       min_cell=min_cell, extra={"n_clusters": pd.array(
                           n_clusters.astype(np.int64), dtype="Int64")})
    return out


#: Graduate-level indicator functions that compute_all runs, in output order.
GRADUATE_INDICATORS = {
    "counterpart_employment_rate": counterpart_employment_rate,
    "employment_rate": employment_rate,
    "destination_rate": destination_rate,
    "local_employment_rate": local_employment_rate,
    "cluster_employment_rate": cluster_employment_rate,
    "turnover_6_months": turnover_6_months,
    "job_satisfaction_rate": job_satisfaction_rate,
    "industry_certificate_rate": industry_certificate_rate,
    "retraining_hours": retraining_hours,
    "adaptation_cycle": adaptation_cycle,
}
#: Columns each graduate-level indicator needs besides destination.
GRADUATE_COLUMNS = {
    "counterpart_employment_rate": ["job_related_to_major"],
    "employment_rate": [],
    "destination_rate": [],
    "local_employment_rate": ["work_region"],
    "cluster_employment_rate": ["employer_in_cluster"],
    "turnover_6_months": ["left_within_6_months"],
    "job_satisfaction_rate": ["job_satisfaction"],
    "industry_certificate_rate": ["industry_certificate"],
    "retraining_hours": ["retraining_hours", "employer_id"],
    "adaptation_cycle": ["adaptation_months", "adaptation_reached"],
}
