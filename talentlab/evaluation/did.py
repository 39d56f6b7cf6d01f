"""Two-way fixed-effects difference in differences with few-cluster inference."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from talentlab.evaluation.common import (
    BOOTSTRAP_WEIGHTS,
    CR3_CONVENTIONS,
    DEFAULT_SEED,
    DID_TERM,
    INFERENCE_METHODS,
    EvaluationInputError,
    check_alpha,
    count_column,
    not_estimable_row,
    tidy_result,
)
from talentlab.evaluation.inference import (
    WildBootstrap,
    cr3_jackknife,
    draw_bootstrap_weights,
    ols_cluster,
)
from talentlab.evaluation.panel import (
    DiDPanel,
    FWLPieces,
    design_problem,
    did_panel,
    fwl_pieces,
    orthonormal_basis,
)


def did(
    data: pd.DataFrame,
    outcome: str,
    treated: str = "treated_major",
    cohort: str = "cohort",
    *,
    reform_cohort: int,
    cluster: str = "major",
    unit: str = "major",
    inference: str = "wild_bootstrap",
    n_bootstrap: int = 9999,
    seed: int | None = DEFAULT_SEED,
    alpha: float = 0.05,
    cr3_convention: str = "jackknife",
    bootstrap_weights: str = "webb",
    checks: tuple[str, ...] = (),
    count: str | None = "count",
) -> pd.DataFrame:
    """Two-way fixed-effects difference in differences with few-cluster inference.

    Model: ``y_i = b * treated_i * post_i + unit FE + cohort FE + e_i`` by OLS, where
    ``post = cohort >= reform_cohort``. A binary outcome gives a linear probability model, so
    ``b`` is in proportion points. Rows with a missing outcome are dropped and counted
    (``n_dropped_missing``).

    Parameters
    ----------
    data : DataFrame
        One row per graduate (or per rating).
    outcome : str
        Outcome column, numeric or (nullable) boolean.
    treated : str
        Boolean column: the unit was reformed.
    cohort : str
        Graduation year (integer).
    reform_cohort : int
        First cohort exposed to the reform (required, keyword only: a study states its own;
        the paper's is :data:`talentlab.cases.settings.PAPER_REFORM_COHORT`).
    cluster, unit : str
        Cluster variable for inference and unit of the fixed effects (both the major).
    inference : {"wild_bootstrap", "cr3", "cluster"}
        Inference for the primary row.

        * ``"wild_bootstrap"`` (default): wild cluster restricted bootstrap-t with Webb six-point
          weights (Webb 2023); the p-value is the share of bootstrap ``|t*|`` at least ``|t|`` under the
          null; the interval inverts that test (Roodman et al. 2019). The ``se`` column holds the
          CR1 standard error (a bootstrap-t has no standard error of its own).
        * ``"cr3"``: leave-one-cluster-out jackknife variance, t(G-1) reference
          (MacKinnon, Nielsen & Webb 2023).
        * ``"cluster"``: CR1 only.

        The conventional CR1 result (statsmodels ``cov_type="cluster"``, t(G-1)) is always
        returned as an extra, non-primary row.
    n_bootstrap : int
        Bootstrap draws; when 6**G <= n_bootstrap all 6**G draws are enumerated (2**G for
        Rademacher weights).
    seed : int or None
        Seed of the bootstrap weights (default :data:`~talentlab.evaluation.common.DEFAULT_SEED`).
    alpha : float
        Intervals at level 1 - alpha, tests at size alpha.
    cr3_convention : {"jackknife", "pyfixest"}
        Scaling of the CR3 variance (see the module docstring): ``"jackknife"``,
        (G-1)/G (MacKinnon, Nielsen & Webb 2023), or ``"pyfixest"``, G/(G-1) (N-1)/(N-K)
        (pyfixest's CRV3; SE larger by about G/(G-1)).
    bootstrap_weights : {"webb", "rademacher"}
        Wild bootstrap weights: Webb six-point (default; Webb 2023) or Rademacher.
    checks : tuple of {"wild_bootstrap", "cr3", "cluster"}
        Further inference methods reported as non-primary rows beside the primary one (for
        example ``inference="cr3", checks=("wild_bootstrap",)``: the CR3 row decides, the wild
        bootstrap is shown as a check). No method is repeated; CR1 is always reported.
    count : str or None
        Column of graduates per row (a count table: the row stands for that many identical
        graduates), used when ``data`` has it; ``None`` reads one graduate per row. The fit is
        WLS with these frequency weights and every small-sample factor counts graduates, so
        estimates, CR1, CR3 and the wild bootstrap (same seed) equal those on the microdata
        the table came from; ``n`` counts graduates. Rows of count 0 are left out.

    Returns
    -------
    DataFrame
        One row per inference method (the primary first) with the columns of
        :data:`RESULT_COLUMNS` and ``t_stat``, ``df``, ``n_dropped_missing``,
        ``n_clusters_treated``, ``n_clusters_control``, ``n_bootstrap``, ``inference``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame([(f"m{m}", c) for m in range(8) for c in range(2018, 2026)
    ...                    for _ in range(30)], columns=["major", "cohort"])
    >>> df["treated_major"] = df["major"].isin(["m0", "m1", "m2"])
    >>> df["y"] = 0.1 * (df.treated_major & (df.cohort >= 2022)) + rng.normal(0, 1, len(df))
    >>> did(df, "y", reform_cohort=2022, n_bootstrap=999)[["method", "estimate"]].shape
    (2, 2)
    """
    where = "did"
    checks = tuple(checks)
    _check_did_options(where, alpha, inference, cr3_convention, bootstrap_weights, checks)
    panel = did_panel(data, outcome, treated, cohort, reform_cohort, cluster, unit, where,
                      weights=count_column(data, count))
    g = panel.n_clusters if panel.n else 0
    treated_clusters = np.unique(panel.cluster_codes[panel.treated]) if panel.n else []
    base = {
        "n_dropped_missing": panel.n_dropped,
        "n_clusters_treated": len(treated_clusters),
        "n_clusters_control": g - len(treated_clusters),
        "reform_cohort": reform_cohort,
    }
    problem = design_problem(panel)
    d = (panel.treated & panel.post).astype(float)
    fw = None
    if problem is None:
        try:  # a count table: rows scaled by sqrt(count) (WLS), N = graduates
            fw = fwl_pieces(panel.weigh(panel.y), panel.weigh(d), panel.weigh(panel.fe_matrix()),
                            n_obs=panel.n)
        except np.linalg.LinAlgError as err:
            problem = str(err)
    if problem is None:
        problem = _perfect_fit_problem(fw, panel.weigh(panel.y))
    if problem is not None:
        return tidy_result([not_estimable_row(outcome, DID_TERM, problem, alpha, panel.n, g,
                                              inference=inference, **base)])

    params, cov = ols_cluster(panel, d[:, None])
    beta, se_cr1 = float(params[0]), math.sqrt(float(cov[0, 0]))
    tcrit = stats.t.ppf(1 - alpha / 2, g - 1)
    rows = []
    # the primary row first, then the checks, then CR1 (always reported, once)
    for method in dict.fromkeys((inference, *checks, "cluster")):
        if method == "wild_bootstrap":
            weights, enumerated = draw_bootstrap_weights(bootstrap_weights, g, n_bootstrap,
                                                         np.random.default_rng(seed))
            rows.append(_wild_bootstrap_row(panel, fw, beta, se_cr1, weights, enumerated,
                                            bootstrap_weights, alpha))
        elif method == "cr3":
            rows.append(_cr3_row(panel, d, beta, tcrit, g - 1, cr3_convention))
        else:
            rows.append(_cr1_row(beta, se_cr1, tcrit, g - 1))
    for i, row in enumerate(rows):
        row.update({
            "outcome": outcome, "term": DID_TERM, "n": panel.n, "n_clusters": g,
            "alpha": alpha, "null_value": 0.0, "primary": i == 0, **base,
        })
    return tidy_result(rows)


#: A fit is perfect when the residuals' norm is below this share of the outcome's norm
#: (rounding of an exact fit leaves about 1e-15 of it).
PERFECT_FIT_RTOL = 1e-10


def _perfect_fit_problem(fw: FWLPieces, y: np.ndarray) -> str | None:
    """Why a fit with no residual variation cannot be tested, or None.

    When the fixed effects and the treatment reproduce the outcome exactly, every standard
    error is zero (or rounding noise of either sign), the t statistic is infinite or 0/0 and
    the bootstrap divides by zero: there is no inference to report, only the estimate.
    """
    rss = float(fw.resid @ fw.resid)
    if rss <= PERFECT_FIT_RTOL ** 2 * float(y @ y):
        return (f"perfect fit: the fixed effects and the treatment reproduce the outcome exactly "
                f"(difference in differences {fw.beta:.6g} with no residual variation), so no "
                "standard error, interval or test exists")
    return None


def _check_did_options(where: str, alpha: float, inference: str, cr3_convention: str,
                       bootstrap_weights: str, checks: tuple[str, ...] = ()) -> None:
    check_alpha(alpha)
    if inference not in INFERENCE_METHODS:
        raise EvaluationInputError(
            f"{where}: inference must be one of {INFERENCE_METHODS}, got {inference!r}"
        )
    if not set(checks) <= set(INFERENCE_METHODS):
        raise EvaluationInputError(
            f"{where}: checks must be drawn from {INFERENCE_METHODS}, got {checks!r}")
    if cr3_convention not in CR3_CONVENTIONS:
        raise EvaluationInputError(
            f"{where}: cr3_convention must be one of {CR3_CONVENTIONS}, got {cr3_convention!r}")
    if bootstrap_weights not in BOOTSTRAP_WEIGHTS:
        raise EvaluationInputError(f"{where}: bootstrap_weights must be one of "
                                   f"{BOOTSTRAP_WEIGHTS}, got {bootstrap_weights!r}")


def _wild_bootstrap_row(panel: DiDPanel, fw: FWLPieces, beta: float, se_cr1: float,
                        weights: np.ndarray, enumerated: bool, kind: str, alpha: float) -> dict:
    """The WCR bootstrap-t row: p-value at b = 0 and the interval by test inversion."""
    q = orthonormal_basis(panel.weigh(panel.fe_matrix()))
    boot = WildBootstrap(fw, panel.cluster_codes, q, weights)
    p = boot.p_value(0.0)
    lo, hi = boot.confint(alpha)
    base_n = 6 if kind == "webb" else 2
    draws = (f"all {base_n}^G draws enumerated" if enumerated
             else f"B={len(weights)} random draws")
    return {
        "estimate": beta, "se": se_cr1, "ci_low": lo, "ci_high": hi, "p_value": p,
        "t_stat": beta / se_cr1, "df": np.nan, "n_bootstrap": len(weights),
        "method": (
            f"TWFE OLS; wild cluster restricted bootstrap-t, "
            f"{kind.capitalize()} weights, "
            f"{draws}; CI by test inversion; se is CR1"
        ),
        "inference": "wild_bootstrap",
    }


def _cr3_row(panel: DiDPanel, d: np.ndarray, beta: float, tcrit: float, df_t: int,
             convention: str) -> dict:
    """The CR3 (leave-one-cluster-out jackknife) row, t(G-1) reference."""
    _, _, vcov = cr3_jackknife(panel, d[:, None], convention)
    se3 = math.sqrt(vcov[0, 0])
    t3 = beta / se3 if se3 > 0 else np.nan
    return {
        "estimate": beta, "se": se3, "ci_low": beta - tcrit * se3,
        "ci_high": beta + tcrit * se3, "p_value": 2 * stats.t.sf(abs(t3), df_t),
        "t_stat": t3, "df": df_t, "n_bootstrap": 0,
        "method": ("TWFE OLS; CR3 leave-one-cluster-out jackknife, t(G-1); "
                   + ("(G-1)/G scaling (MacKinnon, Nielsen & Webb 2023)"
                      if convention == "jackknife"
                      else "G/(G-1)(N-1)/(N-K) scaling (pyfixest CRV3)")),
        "inference": "cr3", "cr3_convention": convention,
    }


def _cr1_row(beta: float, se_cr1: float, tcrit: float, df_t: int) -> dict:
    """The conventional CR1 row (statsmodels clustered covariance), t(G-1) reference."""
    t1 = beta / se_cr1 if se_cr1 > 0 else np.nan
    return {
        "estimate": beta, "se": se_cr1, "ci_low": beta - tcrit * se_cr1,
        "ci_high": beta + tcrit * se_cr1, "p_value": float(2 * stats.t.sf(abs(t1), df_t)),
        "t_stat": t1, "df": df_t, "n_bootstrap": 0,
        "method": "TWFE OLS; CR1 cluster-robust (statsmodels), t(G-1)",
        "inference": "cluster",
    }
