"""Event study: cohort-by-cohort effects relative to a reference cohort and pre-trend tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.evaluation.common import (
    CR3_CONVENTIONS,
    DEFAULT_SEED,
    EvaluationInputError,
    check_alpha,
    count_column,
    not_estimable_row,
    require_columns,
    tidy_result,
)
from talentlab.evaluation.inference import (
    cr3_jackknife,
    ols_cluster,
    webb_weights,
    wild_pretrend_slope,
    wild_wald_test,
)
from talentlab.evaluation.panel import DiDPanel, design_problem, did_panel


def event_study(
    data: pd.DataFrame,
    outcome: str,
    treated: str = "treated_major",
    cohort: str = "cohort",
    *,
    reform_cohort: int,
    cluster: str = "major",
    unit: str = "major",
    reference_cohort: int | None = None,
    vcov: str = "cr3",
    pretrend_test: str = "linear",
    n_bootstrap: int = 9999,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    cr3_convention: str = "jackknife",
    count: str | None = "count",
) -> pd.DataFrame:
    """Cohort-by-cohort effects relative to a reference cohort, with a joint pre-trend test.

    Model: ``y = sum_{k != ref} b_k * treated * 1[cohort = k] + unit FE + cohort FE + e``.
    ``b_k`` for pre-reform cohorts should be zero under parallel trends. Three tests are
    reported; ``pretrend_test`` picks the one in ``pretrend_p`` (the verdict rule's test):

    * ``"linear"`` (default): the differential linear trend — on the pre-reform cohorts,
      ``y = s * treated * (cohort - ref) + major FE + cohort FE`` — tested with the wild cluster
      restricted bootstrap-t (Webb weights) as in :func:`did`. One degree of freedom, so it is
      both well sized and powerful against the violation that biases a DiD most (reformed
      majors already improving). Columns ``pretrend_slope``, ``pretrend_slope_p``.
    * ``"joint"``: the CR1 Wald statistic of all pre-reform ``b_k`` with a wild cluster
      restricted bootstrap p-value (null imposed, statistic recomputed per draw; Roodman et al.
      2019, section 3.6). Column ``pretrend_joint_p``. Well sized but weak with few clusters.
    * ``"joint_f"``: the conventional ``F = b_pre' V_pre^{-1} b_pre / q`` referred to
      ``F(q, G - 1)`` (Stata's ``test`` after a cluster-robust fit) with the ``vcov``
      covariance. Columns ``pretrend_F``, ``pretrend_df_num``, ``pretrend_df_den``,
      ``pretrend_joint_p_f``. With 8 majors of which 3 reformed it is badly oversized: on the
      scenario engine's ``null`` data it rejected at 10% in about half of 30 seeds (the linear
      bootstrap test: 5 of 30; the joint bootstrap test: 1 of 30; on ``pretrend`` data the
      linear test rejected in 19 of 20 seeds, the joint bootstrap test in 3 of 10).

    Parameters
    ----------
    data, outcome, treated, cohort, reform_cohort, cluster, unit
        As in :func:`did` (``reform_cohort`` required, keyword only).
    reference_cohort : int, optional
        Omitted cohort; default ``reform_cohort - 1``.
    vcov : {"cr3", "cluster"}
        Covariance of the per-cohort intervals: ``"cr3"`` (default; jackknife, holds up better
        with few clusters) or ``"cluster"`` (CR1).
    pretrend_test : {"linear", "joint", "joint_f"}
        The test whose p-value goes into ``pretrend_p`` (see above).
    n_bootstrap, seed : int
        Bootstrap draws and seed for the pre-trend tests (default
        :data:`~talentlab.evaluation.common.DEFAULT_SEED`).
    alpha : float
    cr3_convention : {"jackknife", "pyfixest"}
        Scaling of the CR3 covariance, as in :func:`did`.
    count : str or None
        Column of graduates per row (a count table), as in :func:`did`: the estimates,
        covariances and pre-trend tests equal those on the microdata.

    Returns
    -------
    DataFrame
        One row per cohort (the reference row has estimate 0 and no interval) with
        ``rel_cohort``, ``cohort``, ``period`` ("pre"/"post"/"reference") and, repeated on every
        row, ``pretrend_p``, ``pretrend_method``, ``pretrend_test``, ``pretrend_slope``,
        ``pretrend_slope_p``, ``pretrend_joint_p``, ``pretrend_F``, ``pretrend_df_num``,
        ``pretrend_df_den``, ``pretrend_joint_p_f``. ``attrs["vcov"]`` holds the covariance
        of the estimated coefficients (``vcov`` type, cohort order ``attrs["vcov_cohorts"]``),
        which :func:`talentlab.evaluation.sensitivity.relative_magnitudes` needs.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame([(f"m{m}", c) for m in range(6) for c in range(2019, 2025)
    ...                    for _ in range(20)], columns=["major", "cohort"])
    >>> df["treated_major"] = df["major"].isin(["m0", "m1"])
    >>> df["y"] = rng.normal(size=len(df))
    >>> es = event_study(df, "y", reform_cohort=2022)
    >>> list(es["period"].unique())
    ['pre', 'reference', 'post']
    """
    where = "event_study"
    _check_event_study_options(where, alpha, vcov, cr3_convention, pretrend_test)
    ref = reform_cohort - 1 if reference_cohort is None else int(reference_cohort)
    panel = did_panel(data, outcome, treated, cohort, reform_cohort, cluster, unit, where,
                      weights=count_column(data, count))
    g = panel.n_clusters if panel.n else 0
    cohorts = sorted(np.unique(panel.cohort).tolist())
    problem = _event_study_problem(panel, cohorts, ref)
    if problem is not None:
        # every pre-trend column, so that pretrend_test reads "not testable" (e.g. an outcome
        # a count table cannot link: no student ids)
        return tidy_result([not_estimable_row(
            outcome, "event_study", problem, alpha, panel.n, g, pretrend_p=np.nan,
            pretrend_method=f"not testable: {problem}", pretrend_test=pretrend_test,
            pretrend_slope=np.nan, pretrend_slope_p=np.nan, pretrend_joint_p=np.nan,
            pretrend_F=np.nan, pretrend_df_num=0, pretrend_df_den=np.nan,
            pretrend_joint_p_f=np.nan, n_dropped_missing=panel.n_dropped)])

    est_cohorts = [c for c in cohorts if c != ref
                   and (panel.treated & (panel.cohort == c)).any()]
    design = np.column_stack(
        [(panel.treated & (panel.cohort == c)).astype(float) for c in est_cohorts]
    )
    beta, cov = ols_cluster(panel, design)
    if vcov == "cr3":
        _, _, cov = cr3_jackknife(panel, design, cr3_convention)
        method = ("TWFE OLS event study; CR3 leave-one-cluster-out jackknife, t(G-1)"
                  + ("" if cr3_convention == "jackknife" else "; pyfixest CRV3 scaling"))
    else:
        method = "TWFE OLS event study; CR1 cluster-robust (statsmodels), t(G-1)"
    weights, enumerated = webb_weights(g, n_bootstrap, np.random.default_rng(seed))
    pre_idx = [i for i, c in enumerate(est_cohorts) if c < reform_cohort]
    pretrend = _pretrend_tests(panel, design, beta, cov, pre_idx, ref, reform_cohort,
                               (weights, enumerated), vcov, pretrend_test)
    coefficients = _cohort_rows(cohorts, ref, est_cohorts, beta, cov, reform_cohort, method,
                                alpha, g - 1)
    rows = []
    for row in coefficients:
        row.update({
            "outcome": outcome, "term": f"treated_x_cohort_{row['cohort']}",
            "rel_cohort": row["cohort"] - reform_cohort, "n": panel.n, "n_clusters": g,
            "alpha": alpha, "null_value": 0.0, "primary": False, "df": g - 1,
            "reference_cohort": ref, "reform_cohort": reform_cohort, **pretrend,
            "n_dropped_missing": panel.n_dropped,
        })
        rows.append(row)
    out = tidy_result(rows)
    # covariance of the estimated coefficients (cohort order) for the parallel-trends
    # sensitivity analysis (talentlab.evaluation.sensitivity); lists, so that pd.concat can
    # compare attrs
    out.attrs["vcov"] = np.asarray(cov, dtype=float).tolist()
    out.attrs["vcov_cohorts"] = [int(c) for c in est_cohorts]
    return out


def _check_event_study_options(where: str, alpha: float, vcov: str, cr3_convention: str,
                               pretrend_test: str) -> None:
    check_alpha(alpha)
    if vcov not in ("cr3", "cluster"):
        raise EvaluationInputError(f"{where}: vcov must be 'cr3' or 'cluster', got {vcov!r}")
    if cr3_convention not in CR3_CONVENTIONS:
        raise EvaluationInputError(
            f"{where}: cr3_convention must be one of {CR3_CONVENTIONS}, got {cr3_convention!r}")
    if pretrend_test not in ("linear", "joint", "joint_f"):
        raise EvaluationInputError(
            f"{where}: pretrend_test must be 'linear', 'joint' or 'joint_f', "
            f"got {pretrend_test!r}")


def _event_study_problem(panel: DiDPanel, cohorts: list[int], ref: int) -> str | None:
    """Why the event study is not estimable on this panel, or None."""
    problem = design_problem(panel)
    if problem is None and ref not in cohorts:
        problem = f"reference cohort {ref} not in the data (cohorts {cohorts})"
    if problem is None and not (panel.treated & (panel.cohort == ref)).any():
        problem = f"no treated observations in the reference cohort {ref}"
    return problem


def _pretrend_tests(panel: DiDPanel, design: np.ndarray, beta: np.ndarray, cov: np.ndarray,
                    pre_idx: list[int], ref: int, reform_cohort: int,
                    weights: tuple[np.ndarray, bool], vcov: str, pretrend_test: str) -> dict:
    """The three pre-trend tests (linear bootstrap, joint bootstrap, joint F) as row columns.

    ``pretrend_p`` and ``pretrend_method`` hold the test named by ``pretrend_test``.
    """
    weights, enumerated = weights
    df_t = panel.n_clusters - 1
    draws = "all 6^G draws" if enumerated else f"B={len(weights)}"
    f_stat = p_joint = p_joint_f = slope = p_slope = np.nan
    q = 0
    if pre_idx:
        b_pre = beta[pre_idx]
        v_pre = cov[np.ix_(pre_idx, pre_idx)]
        q = int(np.linalg.matrix_rank(v_pre))
        if q > 0:
            f_stat = float(b_pre @ np.linalg.pinv(v_pre) @ b_pre) / q
            p_joint_f = float(stats.f.sf(f_stat, q, df_t))
        _, p_joint, _ = wild_wald_test(panel, design, pre_idx, weights)
        slope, p_slope = wild_pretrend_slope(panel, ref, reform_cohort, weights)
    methods = {
        "linear": ("linear differential pre-trend (treated x cohort slope over the pre-reform "
                   f"cohorts, major and cohort FE), wild cluster restricted bootstrap-t, Webb "
                   f"weights, {draws}"),
        "joint": (f"joint Wald test (CR1) of {len(pre_idx)} pre-reform coefficients, wild "
                  f"cluster restricted bootstrap, Webb weights, {draws}"),
        "joint_f": (f"joint Wald F({q}, G-1={df_t}) of pre-reform coefficients "
                    f"({'CR3' if vcov == 'cr3' else 'CR1'} covariance; oversized with few "
                    "clusters)"),
    }
    p_pre = {"linear": p_slope, "joint": p_joint, "joint_f": p_joint_f}[pretrend_test]
    pre_method = methods[pretrend_test] if pre_idx else "no pre-reform coefficients to test"
    if pretrend_test == "linear" and pre_idx and np.isnan(p_slope):
        pre_method = "linear pre-trend not testable: fewer than two pre-reform cohorts"
    return {
        "pretrend_p": p_pre, "pretrend_method": pre_method, "pretrend_test": pretrend_test,
        "pretrend_F": f_stat, "pretrend_df_num": q, "pretrend_df_den": df_t,
        "pretrend_joint_p": p_joint, "pretrend_joint_p_f": p_joint_f,
        "pretrend_slope": slope, "pretrend_slope_p": p_slope,
    }


def _cohort_rows(cohorts: list[int], ref: int, est_cohorts: list[int], beta: np.ndarray,
                 cov: np.ndarray, reform_cohort: int, method: str, alpha: float,
                 df_t: int) -> list[dict]:
    """One row per cohort: the reference (0), not-estimable cohorts and the coefficients."""
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    tcrit = stats.t.ppf(1 - alpha / 2, df_t)
    rows = []
    for c in cohorts:
        if c == ref:
            rows.append({"cohort": c, "estimate": 0.0, "se": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "p_value": np.nan, "period": "reference",
                         "method": "reference cohort (normalised to 0)"})
            continue
        if c not in est_cohorts:
            rows.append({"cohort": c, "estimate": np.nan, "se": np.nan, "ci_low": np.nan,
                         "ci_high": np.nan, "p_value": np.nan,
                         "period": "pre" if c < reform_cohort else "post",
                         "method": "not estimable: no treated observations in this cohort"})
            continue
        i = est_cohorts.index(c)
        t = beta[i] / se[i] if se[i] > 0 else np.nan
        rows.append({
            "cohort": c, "estimate": beta[i], "se": se[i], "ci_low": beta[i] - tcrit * se[i],
            "ci_high": beta[i] + tcrit * se[i], "p_value": 2 * stats.t.sf(abs(t), df_t),
            "period": "pre" if c < reform_cohort else "post", "method": method,
        })
    return rows


def pretrend_test(event_study_result: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome with the joint pre-trend test of an :func:`event_study` result.

    The frame has ``outcome``, ``pretrend_p`` (the selected test), ``pretrend_method`` and the
    other tests' columns — the shape :func:`talentlab.claims.judge` accepts.
    """
    cols = ["outcome", "pretrend_p", "pretrend_method", "pretrend_test", "pretrend_slope",
            "pretrend_slope_p", "pretrend_joint_p", "pretrend_F", "pretrend_df_num",
            "pretrend_df_den", "pretrend_joint_p_f"]
    require_columns(event_study_result, cols, "pretrend_test")
    return event_study_result[cols].drop_duplicates("outcome").reset_index(drop=True)


def event_study_points(result: pd.DataFrame) -> pd.DataFrame:
    """The numbers of an event-study plot, sorted by outcome and cohort relative to the reform.

    Returns columns ``outcome``, ``rel_cohort``, ``cohort``, ``estimate``, ``ci_low``,
    ``ci_high``, ``period`` and ``is_reference``. Labels and drawing are presentation:
    :func:`talentlab.report.event_study_figures.event_study_plot_data` adds them.

    Examples
    --------
    >>> import pandas as pd
    >>> es = pd.DataFrame({"outcome": "y", "rel_cohort": [0, -1], "cohort": [2022, 2021],
    ...                    "estimate": [0.1, 0.0], "ci_low": [0.0, None],
    ...                    "ci_high": [0.2, None], "period": ["post", "reference"]})
    >>> event_study_points(es)["is_reference"].tolist()
    [True, False]
    """
    cols = ["outcome", "rel_cohort", "cohort", "estimate", "ci_low", "ci_high", "period"]
    require_columns(result, cols, "event_study_points")
    out = result[cols].sort_values(["outcome", "rel_cohort"]).reset_index(drop=True)
    out["is_reference"] = out["period"].eq("reference")
    return out
