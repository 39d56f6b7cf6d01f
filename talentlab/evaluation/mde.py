"""Minimum detectable effect of the clustered two-way fixed-effects DiD (Bloom 1995)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.data.schema import COUNT_COLUMN
from talentlab.evaluation.common import (
    EvaluationInputError,
    check_alpha,
    count_column,
    dummy_matrix,
)
from talentlab.evaluation.panel import DiDPanel, design_problem, did_panel

MDE_SOURCE = (
    "Bloom (1995) multiplier t(df, 1-alpha/2) + t(df, power) with df = G - 2; clustered-design "
    "variance with design effect 1 + (m - 1) ICC (Duflo, Glennerster & Kremer 2007, eq. 11) "
    "extended to a DiD with independent major-by-cohort shocks: "
    "Var(b) = sd^2 (ICC + (1 - ICC) / m) (1/G_T + 1/G_C) (1/n_pre + 1/n_post)"
)


def minimum_detectable_effect(
    n_clusters_treated: int,
    n_clusters_control: int,
    cohort_size: float,
    n_pre: int,
    n_post: int,
    icc: float,
    sd: float | None = None,
    p0: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    df: int | None = None,
    outcome: str = "",
) -> pd.DataFrame:
    """Minimum detectable effect (MDE) of the clustered two-way fixed-effects DiD.

    Design: G_T treated and G_C comparison majors, ``n_pre`` and ``n_post`` cohorts, ``m`` =
    ``cohort_size`` graduates per major and cohort. Outcome variance ``sd**2`` splits into a
    major-by-cohort shock (share ``icc``) and individual noise; permanent major differences are
    absorbed by the fixed effects. With cell means of variance ``sd^2 (icc + (1-icc)/m)`` the
    DiD estimator (difference of the post-minus-pre changes of the two groups) has

        SE = sd * sqrt(icc + (1 - icc)/m) * sqrt(1/G_T + 1/G_C) * sqrt(1/n_pre + 1/n_post)
        MDE = (t_{df, 1 - alpha/2} + t_{df, power}) * SE,   df = G_T + G_C - 2

    (Bloom 1995; Duflo, Glennerster & Kremer 2007 with the design effect 1 + (m-1) ICC). The
    t multiplier with G - 2 df is the few-cluster version. The formula assumes shocks
    independent across cohorts; serially correlated major shocks make it optimistic
    (Burlig, Preonas & Woerman 2020).

    For a binary outcome give ``p0`` (baseline proportion) instead of ``sd``:
    ``sd = sqrt(p0 (1 - p0))``.

    Examples
    --------
    >>> mde = minimum_detectable_effect(3, 5, 80, 5, 4, icc=0.02, p0=0.6)
    >>> round(float(mde["mde"].iloc[0]), 3)
    0.144
    """
    where = "minimum_detectable_effect"
    check_alpha(alpha)
    if not 0 < power < 1:
        raise EvaluationInputError(f"{where}: power must lie in (0, 1), got {power}")
    if (sd is None) == (p0 is None):
        raise EvaluationInputError(f"{where}: give exactly one of sd (continuous) or p0 (binary)")
    if p0 is not None:
        if not 0 < p0 < 1:
            raise EvaluationInputError(f"{where}: p0 must lie in (0, 1), got {p0}")
        sd = math.sqrt(p0 * (1 - p0))
    if sd <= 0 or not 0 <= icc < 1 or cohort_size < 1:
        raise EvaluationInputError(f"{where}: need sd > 0, 0 <= icc < 1 and cohort_size >= 1")
    if min(n_clusters_treated, n_clusters_control, n_pre, n_post) < 1:
        raise EvaluationInputError(f"{where}: need at least one cluster and cohort per group")
    g = n_clusters_treated + n_clusters_control
    df = g - 2 if df is None else df
    design_effect = 1 + (cohort_size - 1) * icc
    se = (sd * math.sqrt(design_effect / cohort_size)
          * math.sqrt(1 / n_clusters_treated + 1 / n_clusters_control)
          * math.sqrt(1 / n_pre + 1 / n_post))
    if df < 1:
        mult, mde = np.nan, np.nan
        method = f"not computable: df = {df} (need G >= 3)"
    else:
        mult = float(stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df))
        mde = mult * se
        method = "analytic MDE for clustered DiD (two-sided test)"
    return pd.DataFrame([{
        "outcome": outcome, "mde": mde, "se_design": se, "multiplier": mult, "df": df,
        "icc": icc, "sd": sd, "p0": p0 if p0 is not None else np.nan,
        "design_effect": design_effect, "n_clusters": g,
        "n_clusters_treated": n_clusters_treated, "n_clusters_control": n_clusters_control,
        "cohort_size": cohort_size, "n_pre": n_pre, "n_post": n_post, "alpha": alpha,
        "power": power, "method": method, "source": MDE_SOURCE,
    }])


def _icc_major_cohort(panel: DiDPanel) -> tuple[float, float, float]:
    """ICC of major-by-cohort shocks net of major and cohort effects (moment estimator).

    Cell means follow ``mean_c = a_major + l_cohort + b D_c + nu_c + ebar_c``. The residual
    mean square of the (unweighted) TWFE regression of cell means estimates
    ``var(nu) + sigma2_within * mean(1/n_c)``; the pooled within-cell variance estimates
    ``sigma2_within``. Returns (icc, total sd, harmonic mean cell size).

    On a count table (``panel.w``) the cells count graduates: ``n_c`` is the sum of the
    counts, the cell mean and variance are frequency-weighted (variance with ``n_c - 1``), so
    every quantity is that of the microdata the table came from.
    """
    w = np.ones(panel.n_rows) if panel.w is None else panel.w.astype(float)
    cells = pd.DataFrame({"u": panel.unit_codes, "c": panel.cohort_codes, "w": w,
                          "wy": w * panel.y, "d": (panel.treated & panel.post).astype(float)})
    agg = cells.groupby(["u", "c"]).agg(n=("w", "sum"), wy=("wy", "sum"),
                                         d=("d", "first")).reset_index()
    agg["mean"] = agg["wy"] / agg["n"]
    # within-cell sums of squares about each cell's own mean (shifted: no cancellation)
    cell_mean = agg.set_index(["u", "c"])["mean"]
    centred = panel.y - cell_mean.reindex(pd.MultiIndex.from_arrays(
        [panel.unit_codes, panel.cohort_codes])).to_numpy()
    agg["ss"] = (cells.assign(ss=w * centred ** 2).groupby(["u", "c"])["ss"].sum()
                 .to_numpy())
    within_df = int((agg["n"] - 1).sum())
    sigma2_w = float(agg["ss"].sum() / within_df)
    fe = np.hstack([dummy_matrix(agg["u"].to_numpy(), False), dummy_matrix(agg["c"].to_numpy(), True),
                    agg[["d"]].to_numpy()])
    coef, *_ = np.linalg.lstsq(fe, agg["mean"].to_numpy(), rcond=None)
    resid = agg["mean"].to_numpy() - fe @ coef
    df_res = len(agg) - np.linalg.matrix_rank(fe)
    if df_res < 1:
        raise EvaluationInputError("too few major x cohort cells to estimate the ICC")
    ms_res = float(resid @ resid) / df_res
    var_nu = max(0.0, ms_res - sigma2_w * float(np.mean(1.0 / agg["n"])))
    total = var_nu + sigma2_w
    harmonic = float(len(agg) / np.sum(1.0 / agg["n"]))
    return var_nu / total if total > 0 else 0.0, math.sqrt(total), harmonic


def minimum_detectable_effect_from_data(
    data: pd.DataFrame,
    outcome: str,
    treated: str = "treated_major",
    cohort: str = "cohort",
    *,
    reform_cohort: int,
    unit: str = "major",
    alpha: float = 0.05,
    power: float = 0.8,
    count: str | None = COUNT_COLUMN,
) -> pd.DataFrame:
    """:func:`minimum_detectable_effect` with the design read from the data.

    G_T, G_C, the numbers of pre and post cohorts and the (harmonic) mean major x cohort cell
    size come from ``data``; the ICC of major x cohort shocks and the outcome SD are estimated
    by :func:`_icc_major_cohort` (moment estimator net of major, cohort and treatment effects).
    For a binary outcome the SD is the total residual SD (not p0).

    ``count`` names a count table's column of graduates per row (used when ``data`` has it;
    ``None`` reads one per row): cell sizes, means and variances then count graduates and the
    result equals that of the microdata the table came from; ``n`` counts graduates.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> d = pd.DataFrame([(f"m{m}", c) for m in range(8) for c in range(2018, 2026)
    ...                   for _ in range(40)], columns=["major", "cohort"])
    >>> d["treated_major"] = d["major"].isin(["m0", "m1", "m2"])
    >>> d["y"] = rng.normal(0, 1, len(d))
    >>> out = minimum_detectable_effect_from_data(d, "y", reform_cohort=2022)
    >>> int(out["n"].iloc[0]), int(out["n_clusters"].iloc[0])
    (2560, 8)
    """
    where = "minimum_detectable_effect_from_data"
    panel = did_panel(data, outcome, treated, cohort, reform_cohort, unit, unit, where,
                      weights=count_column(data, count))
    problem = design_problem(panel)
    if problem is not None:
        return pd.DataFrame([{"outcome": outcome, "mde": np.nan, "alpha": alpha,
                              "power": power, "method": f"not computable: {problem}"}])
    icc, sd, m = _icc_major_cohort(panel)
    g_t = len(np.unique(panel.unit_codes[panel.treated]))
    g_c = len(np.unique(panel.unit_codes[~panel.treated]))
    n_pre = len(np.unique(panel.cohort[~panel.post]))
    n_post = len(np.unique(panel.cohort[panel.post]))
    out = minimum_detectable_effect(g_t, g_c, m, n_pre, n_post, icc=icc, sd=sd, alpha=alpha,
                                    power=power, outcome=outcome)
    out["method"] = out["method"] + "; ICC and SD estimated from the data"
    out["n"] = panel.n
    return out
