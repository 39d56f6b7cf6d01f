"""Quasi-experimental case evaluation: reformed vs comparison majors, before vs after the reform.

Pure statistics on DataFrames (no file I/O). Every public estimator returns a tidy DataFrame with
one row per estimate and at least the columns of :data:`RESULT_COLUMNS`::

    outcome, term, estimate, se, ci_low, ci_high, p_value, n, n_clusters, method, alpha

plus ``null_value`` (0 for differences, 1 for ratios), ``primary`` (the row a verdict should use)
and estimator-specific extras.

Functions
---------
did
    Two-way fixed-effects difference in differences (major and cohort fixed effects) for a binary
    (linear probability) or continuous graduate-level outcome, inference clustered by major. The
    default inference is the wild cluster restricted bootstrap with Webb six-point weights
    (WCR; Cameron, Gelbach & Miller 2008; Webb 2023; MacKinnon, Nielsen & Webb 2023), with the
    interval by test inversion as in Stata's ``boottest`` (Roodman, MacKinnon, Nielsen & Webb
    2019). The CR3 jackknife and the conventional CR1 clustered result are alternatives; CR1 is
    always returned alongside. Rademacher weights (enumerated when 2^G <= B) are an option.
    CR3 comes in two conventions (``cr3_convention``): ``"jackknife"`` (default),
    V = (G-1)/G sum_g (b_(g) - b)(b_(g) - b)', the jackknife form of CV3 in MacKinnon, Nielsen
    & Webb (2023, section 4); and ``"pyfixest"``, V = G/(G-1) (N-1)/(N-K) sum_g (...)(...)',
    pyfixest's ``vcov={"CRV3": ...}`` with its default small-sample correction (the CR1 factor
    applied to the unscaled sum). The second is larger by [G/(G-1)]^2 (N-1)/(N-K) in variance,
    i.e. its SE by about G/(G-1) (8/7 at G = 8): the conservative choice. Values checked against
    pyfixest 0.60 in tests/reference_pyfixest/.
event_study, event_study_plot_data, pretrend_test
    Cohort-relative effects and pre-trend tests: a wild-bootstrap test of a differential linear
    pre-trend (the verdict rule's test), a wild-bootstrap joint Wald test of the pre-reform
    coefficients, and the conventional F(q, G-1) joint test (oversized with few clusters).
adaptation_comparison, cox_effect, km_table, logrank
    Kaplan–Meier, log-rank and Cox (Efron ties, lifelines) for the post-adaptation cycle.
recognition_model, fit_mixed_model, recognition_score
    Mixed model (statsmodels MixedLM) for enterprise ratings; Cronbach's alpha (pingouin).
minimum_detectable_effect, minimum_detectable_effect_from_data
    The smallest effect the clustered DiD design detects with the requested power.
webb_weights, rademacher_weights
    Wild bootstrap weights (all 6^G or 2^G draws enumerated when that is at most B).
interrupted_time_series (in :mod:`talentlab.evaluation.its`, re-exported here)
    Segmented regression for one group with no comparison units (Lopez Bernal, Cummins &
    Gasparrini 2017): quasi-Poisson/Poisson/OLS, level and slope change, Fourier seasonality,
    Newey–West SEs.
power, sample_size, cohens_h, cohens_d, minimum_detectable_effect_two_group (in
:mod:`talentlab.evaluation.power_analysis`, re-exported here)
    The plain two-group design (two proportions, two means) via statsmodels.stats.power;
    reproduces Cohen's (1988) tables.

Why some parts are hand-written: statsmodels has no wild cluster bootstrap and no CR3 variance;
pyfixest/wildboottest are not dependencies (wildboottest pulls in numba). The bootstrap uses the
closed-form cluster-level algebra of Roodman et al. (2019) and is tested against a brute-force
refit; CR3 is a leave-one-cluster-out jackknife tested against statsmodels refits.

References
----------
Bloom HS (1995). Minimum detectable effects. Evaluation Review 19(5):547-556.
Cameron AC, Gelbach JB, Miller DL (2008). Bootstrap-based improvements for inference with
clustered errors. Review of Economics and Statistics 90(3):414-427.
Duflo E, Glennerster R, Kremer M (2007). Using randomization in development economics research:
a toolkit. Handbook of Development Economics 4:3895-3962.
MacKinnon JG, Nielsen MØ, Webb MD (2023). Cluster-robust inference: a guide to empirical
practice. Journal of Econometrics 232(2):272-299.
Roodman D, MacKinnon JG, Nielsen MØ, Webb MD (2019). Fast and wild: bootstrap inference in
Stata using boottest. Stata Journal 19(1):4-60.
Webb MD (2023). Reworking wild bootstrap-based inference for clustered errors. Canadian Journal
of Economics 56(3):839-858.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "RESULT_COLUMNS",
    "RECOGNITION_ITEMS",
    "EvaluationInputError",
    "did",
    "event_study",
    "event_study_plot_data",
    "pretrend_test",
    "km_table",
    "logrank",
    "cox_effect",
    "adaptation_comparison",
    "AdaptationResult",
    "recognition_score",
    "fit_mixed_model",
    "MixedModelFit",
    "recognition_model",
    "minimum_detectable_effect",
    "minimum_detectable_effect_from_data",
    "webb_weights",
    "rademacher_weights",
    "CR3_CONVENTIONS",
    "BOOTSTRAP_WEIGHTS",
]

#: Columns every evaluation result carries (in this order, extras follow).
RESULT_COLUMNS = [
    "outcome", "term", "estimate", "se", "ci_low", "ci_high", "p_value", "n", "n_clusters",
    "method", "alpha", "null_value", "primary",
]

#: The five 1-5 items of the enterprise recognition scale (employer_ratings).
RECOGNITION_ITEMS = (
    "practical_skill", "post_adaptability", "professional_quality", "problem_solving",
    "learning_ability",
)

#: Webb (2023) six-point weights: +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6.
WEBB_POINTS = np.array(
    [-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)]
)

DID_TERM = "treated_x_post"
INFERENCE_METHODS = ("wild_bootstrap", "cr3", "cluster")
#: CR3 scalings: "jackknife" (G-1)/G (MacKinnon, Nielsen & Webb 2023) or "pyfixest"
#: G/(G-1) (N-1)/(N-K) (pyfixest's CRV3 with its default ssc()); see the module docstring.
CR3_CONVENTIONS = ("jackknife", "pyfixest")
#: wild bootstrap weight distributions: Webb (2023) six-point or Rademacher (+-1, p = 1/2)
BOOTSTRAP_WEIGHTS = ("webb", "rademacher")


class EvaluationInputError(ValueError):
    """Bad input to an evaluation function (missing column, wrong values); says what and where."""


# =============================================================================================
# small helpers
# =============================================================================================
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


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise EvaluationInputError(f"alpha must lie in (0, 1), got {alpha}")


# =============================================================================================
# the DiD panel
# =============================================================================================
@dataclass
class _Panel:
    y: np.ndarray
    treated: np.ndarray  # bool, per row
    cohort: np.ndarray  # int, per row
    post: np.ndarray  # bool
    unit_codes: np.ndarray
    cohort_codes: np.ndarray
    cluster_codes: np.ndarray
    cluster_labels: np.ndarray
    n_dropped: int

    @property
    def n(self) -> int:
        return len(self.y)

    @property
    def n_clusters(self) -> int:
        return len(np.unique(self.cluster_codes))

    def fe_matrix(self) -> np.ndarray:
        """Unit dummies (all levels) and cohort dummies (first level dropped)."""
        return np.hstack([_dummies(self.unit_codes, False), _dummies(self.cohort_codes, True)])


def _panel(data, outcome, treated, cohort, reform_cohort, cluster, unit, where) -> _Panel:
    _require_columns(data, [outcome, treated, cohort, cluster, unit], where)
    y_all = _as_float(data[outcome], outcome, where)
    keep = ~np.isnan(y_all)
    frame = data.loc[keep]
    coh = _as_int(frame[cohort], cohort, where)
    tr = _as_binary(frame[treated], treated, where)
    unit_codes, _ = _codes(frame[unit].rename(unit))
    cluster_codes, cluster_labels = _codes(frame[cluster].rename(cluster))
    cohort_codes, _ = _codes(pd.Series(coh, name=cohort))
    return _Panel(
        y=y_all[keep], treated=tr, cohort=coh, post=coh >= reform_cohort, unit_codes=unit_codes,
        cohort_codes=cohort_codes, cluster_codes=cluster_codes, cluster_labels=cluster_labels,
        n_dropped=int((~keep).sum()),
    )


def _design_problem(panel: _Panel) -> str | None:
    """Why a DiD is not estimable on this panel, or None."""
    if panel.n == 0:
        return "no rows with a non-missing outcome"
    d = panel.treated & panel.post
    cells = {
        "treated, pre-reform": panel.treated & ~panel.post,
        "treated, post-reform": d,
        "comparison, pre-reform": ~panel.treated & ~panel.post,
        "comparison, post-reform": ~panel.treated & panel.post,
    }
    empty = [name for name, mask in cells.items() if not mask.any()]
    if empty:
        return f"no observations for {', '.join(empty)}"
    if panel.n_clusters < 3:
        return f"only {panel.n_clusters} cluster(s); cluster-robust inference needs at least 3"
    return None


def _residualize(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """M v = v - Q Q'v, the residual of v on the column space of Q (orthonormal)."""
    return v - q @ (q.T @ v)


def _orthonormal_basis(mat: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space (robust to collinear dummy columns)."""
    if mat.shape[1] == 0:
        return np.zeros((mat.shape[0], 0))
    u, s, _ = np.linalg.svd(mat, full_matrices=False)
    tol = s.max() * max(mat.shape) * np.finfo(float).eps
    return u[:, s > tol]


@dataclass
class _FWL:
    """Frisch-Waugh-Lovell pieces of the one-regressor DiD model y = D b + FE + e."""

    y_t: np.ndarray  # M y
    d_t: np.ndarray  # M D
    dd: float  # D~'D~
    beta: float
    resid: np.ndarray
    k: int  # number of parameters (D and the fixed effects, counted by rank)


def _fwl(y: np.ndarray, d: np.ndarray, fe: np.ndarray) -> _FWL:
    q = _orthonormal_basis(fe)
    y_t = _residualize(q, y)
    d_t = _residualize(q, d)
    dd = float(d_t @ d_t)
    if dd <= 1e-12 * max(1.0, float(d @ d)):
        raise np.linalg.LinAlgError("treatment indicator is collinear with the fixed effects")
    beta = float(d_t @ y_t) / dd
    return _FWL(y_t=y_t, d_t=d_t, dd=dd, beta=beta, resid=y_t - beta * d_t, k=q.shape[1] + 1)


def _cr1_factor(n: int, k: int, g: int) -> float:
    """statsmodels/Stata CR1 small-sample factor G/(G-1) * (N-1)/(N-K)."""
    return g / (g - 1) * (n - 1) / (n - k)


def _cr1_se(fw: _FWL, cluster_codes: np.ndarray) -> float:
    g = int(cluster_codes.max()) + 1
    scores = np.bincount(cluster_codes, weights=fw.d_t * fw.resid, minlength=g)
    var = _cr1_factor(len(fw.y_t), fw.k, g) * float(scores @ scores) / fw.dd**2
    return math.sqrt(var)


def webb_weights(n_clusters: int, n_draws: int, rng: np.random.Generator | None = None
                 ) -> tuple[np.ndarray, bool]:
    """Webb six-point bootstrap weights, one row per draw and one column per cluster.

    When 6**G <= ``n_draws`` every distinct draw is enumerated (as ``boottest`` does for
    Rademacher weights); otherwise ``n_draws`` rows are drawn at random with ``rng``.

    Returns
    -------
    weights : ndarray, shape (B, G)
    enumerated : bool
    """
    if 6**n_clusters <= n_draws:
        grid = np.array(list(itertools.product(range(6), repeat=n_clusters)))
        return WEBB_POINTS[grid], True
    rng = np.random.default_rng() if rng is None else rng
    return WEBB_POINTS[rng.integers(0, 6, size=(n_draws, n_clusters))], False


def rademacher_weights(n_clusters: int, n_draws: int, rng: np.random.Generator | None = None
                       ) -> tuple[np.ndarray, bool]:
    """Rademacher bootstrap weights (+1 or -1, probability 1/2 each), one row per draw.

    When 2**G <= ``n_draws`` all 2**G sign vectors are enumerated (as ``boottest`` does;
    Roodman et al. 2019, section 3.4): the p-value is then exact for the bootstrap distribution
    and does not depend on ``rng``. With G <= 5 or so there are too few distinct draws for a
    useful test; use Webb weights (Webb 2023).

    Returns
    -------
    weights : ndarray, shape (B, G)
    enumerated : bool

    Examples
    --------
    >>> w, enumerated = rademacher_weights(3, 999)
    >>> w.shape, enumerated
    ((8, 3), True)
    """
    if 2**n_clusters <= n_draws:
        grid = np.array(list(itertools.product((-1.0, 1.0), repeat=n_clusters)))
        return grid, True
    rng = np.random.default_rng() if rng is None else rng
    return rng.choice(np.array([-1.0, 1.0]), size=(n_draws, n_clusters)), False


def _bootstrap_weights(kind: str, n_clusters: int, n_draws: int,
                       rng: np.random.Generator | None) -> tuple[np.ndarray, bool]:
    if kind == "rademacher":
        return rademacher_weights(n_clusters, n_draws, rng)
    return webb_weights(n_clusters, n_draws, rng)


class _WildBootstrap:
    """Wild cluster restricted (WCR) bootstrap-t for one coefficient, fast cluster algebra.

    For the null b = b0 the restricted residuals are u(b0) = M y - b0 M D, linear in b0.
    A draw with cluster weights w gives (Roodman et al. 2019, section 3):

        b* - b0 = sum_g w_g a_g / D~'D~,             a_g = sum_{i in g} D~_i u_i
        score_h = sum_g C[h, g] w_g - (b* - b0) d_h,  d_h = sum_{i in h} D~_i^2
        C[h, g] = sum_{i in h} D~_i [M (u * 1_g)]_i

    and the bootstrap CR1 variance c * sum_h score_h^2 / (D~'D~)^2. a and C are linear in b0,
    so the test can be inverted for an interval cheaply.
    """

    def __init__(self, fw: _FWL, cluster_codes: np.ndarray, fe_basis: np.ndarray,
                 weights: np.ndarray):
        g = int(cluster_codes.max()) + 1
        self.fw = fw
        self.weights = weights
        self.c = _cr1_factor(len(fw.y_t), fw.k, g)
        indicator = np.zeros((len(cluster_codes), g))
        indicator[np.arange(len(cluster_codes)), cluster_codes] = 1.0
        self.d_h = indicator.T @ (fw.d_t**2)

        def pieces(u):
            a = indicator.T @ (fw.d_t * u)
            mu = _residualize(fe_basis, indicator * u[:, None])  # n x G, column g = M(u 1_g)
            cmat = indicator.T @ (fw.d_t[:, None] * mu)
            return a, cmat

        self.a_y, self.c_y = pieces(fw.y_t)
        self.a_d, self.c_d = pieces(fw.d_t)
        self.se_hat = _cr1_se(fw, cluster_codes)

    def t_star(self, b0: float) -> np.ndarray:
        a = self.a_y - b0 * self.a_d
        cmat = self.c_y - b0 * self.c_d
        w = self.weights
        delta = (w @ a) / self.fw.dd  # b* - b0
        scores = w @ cmat.T - delta[:, None] * self.d_h[None, :]
        se = np.sqrt(self.c * np.sum(scores**2, axis=1)) / self.fw.dd
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(se > 0, delta / se, 0.0)

    def p_value(self, b0: float) -> float:
        t_obs = (self.fw.beta - b0) / self.se_hat
        t_star = self.t_star(b0)
        return float(np.mean(np.abs(t_star) >= abs(t_obs) - 1e-12))

    def confint(self, alpha: float, max_iter: int = 60) -> tuple[float, float]:
        """Invert the bootstrap test: the b0 where p(b0) crosses alpha, each side of b-hat."""
        beta, se = self.fw.beta, self.se_hat
        bounds = []
        for sign in (-1.0, 1.0):
            inner, step = beta, se
            outer = beta + sign * step
            tries = 0
            while self.p_value(outer) > alpha:
                inner = outer
                step *= 2.0
                outer = beta + sign * step
                tries += 1
                if tries > 40:
                    outer = sign * np.inf
                    break
            if np.isinf(outer):
                bounds.append(outer)
                continue
            for _ in range(max_iter):  # bisection between a non-rejected and a rejected b0
                mid = 0.5 * (inner + outer)
                if self.p_value(mid) > alpha:
                    inner = mid
                else:
                    outer = mid
                if abs(outer - inner) <= 1e-7 * max(se, 1e-12):
                    break
            bounds.append(0.5 * (inner + outer))
        return bounds[0], bounds[1]


def _cr3_jackknife(panel: _Panel, design_columns: np.ndarray, convention: str = "jackknife"
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-cluster-out estimates of the first ``design_columns.shape[1]`` coefficients.

    CR3 variance, ``convention="jackknife"`` (MacKinnon, Nielsen & Webb 2023, eq. 28, the
    jackknife form of CV3): V = (G-1)/G * sum_g (b_{-g} - b)(b_{-g} - b)'.
    ``convention="pyfixest"``: V = G/(G-1) * (N-1)/(N-K) * sum_g (b_{-g} - b)(b_{-g} - b)',
    K counted as for CR1 (fixed effects nested in the clusters left out, see
    :func:`_ols_cluster`) — pyfixest's CRV3 with its default ``ssc()``.

    Returns (b_full, b_minus_g [G x p], V).
    """
    def fit(rows):
        unit = pd.factorize(panel.unit_codes[rows])[0]
        coh = pd.factorize(panel.cohort_codes[rows])[0]
        fe = np.hstack([_dummies(unit, False), _dummies(coh, True)])
        x = np.hstack([design_columns[rows], fe])
        coef, *_ = np.linalg.lstsq(x, panel.y[rows], rcond=None)
        return coef[: design_columns.shape[1]]

    b_full = fit(np.ones(panel.n, dtype=bool))
    groups = np.unique(panel.cluster_codes)
    b_minus = np.vstack([fit(panel.cluster_codes != g) for g in groups])
    dev = b_minus - b_full
    g = len(groups)
    if convention == "pyfixest":
        factor = _cr1_factor(panel.n, _k_cluster(panel, design_columns), g)
    else:
        factor = (g - 1) / g
    vcov = factor * dev.T @ dev
    return b_full, b_minus, vcov


def _k_cluster(panel: _Panel, design_columns: np.ndarray) -> int:
    """K of the CR1 factor: rank of [design, FE], less the unit FE nested in the clusters."""
    k = int(np.linalg.matrix_rank(np.hstack([design_columns, panel.fe_matrix()])))
    if _fe_nested_in_clusters(panel):
        k -= len(np.unique(panel.unit_codes)) - 1
    return k


def _fe_nested_in_clusters(panel: _Panel) -> bool:
    """True when every unit (major) lies in a single cluster."""
    pairs = pd.DataFrame({"u": panel.unit_codes, "g": panel.cluster_codes}).drop_duplicates()
    return not pairs["u"].duplicated().any()


def _ols_cluster(panel: _Panel, design_columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels OLS of y on [design, FE], CR1 clustered covariance of the design coefficients.

    statsmodels' CR1 factor G/(G-1) * (N-1)/(N-K) counts every unit dummy in K. When the unit
    fixed effects are nested within the clusters (majors clustered by major) they cost no
    degrees of freedom of the cluster-robust variance, and the convention of Stata's
    ``xtreg, fe vce(cluster)`` / ``reghdfe`` is to leave them out of K (Cameron & Miller 2015,
    section VI.B; with store fixed effects this reproduces Card & Krueger's SE 1.34). The
    covariance is rescaled by (N - K_full) / (N - K_nested_excluded) accordingly.

    Returns (params, vcov) of the design columns.
    """
    import statsmodels.api as sm

    p = design_columns.shape[1]
    x = np.hstack([design_columns, panel.fe_matrix()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.OLS(panel.y, x).fit(
            cov_type="cluster", cov_kwds={"groups": panel.cluster_codes}, use_t=True
        )
    cov = np.asarray(fit.cov_params())[:p, :p]
    k_full = int(np.linalg.matrix_rank(x))
    if _fe_nested_in_clusters(panel):
        n_units = len(np.unique(panel.unit_codes))
        k_adj = k_full - (n_units - 1)  # keep one: the intercept
        cov = cov * (panel.n - k_full) / (panel.n - k_adj)
    return np.asarray(fit.params[:p], dtype=float), cov


def did(
    data: pd.DataFrame,
    outcome: str,
    treated: str = "treated_major",
    cohort: str = "cohort",
    reform_cohort: int = 2022,
    cluster: str = "major",
    unit: str = "major",
    inference: str = "wild_bootstrap",
    n_bootstrap: int = 9999,
    seed: int | None = 20220901,
    alpha: float = 0.05,
    cr3_convention: str = "jackknife",
    bootstrap_weights: str = "webb",
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
        First cohort exposed to the reform.
    cluster, unit : str
        Cluster variable for inference and unit of the fixed effects (both the major).
    inference : {"wild_bootstrap", "cr3", "cluster"}
        Inference for the primary row.

        * ``"wild_bootstrap"`` (default): wild cluster restricted bootstrap-t with Webb six-point
          weights (Webb 2023); the p-value is the share of bootstrap |t*| at least |t| under the
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
        Seed of the bootstrap weights.
    alpha : float
        1 - confidence level.
    cr3_convention : {"jackknife", "pyfixest"}
        Scaling of the CR3 variance (see the module docstring): ``"jackknife"``,
        (G-1)/G (MacKinnon, Nielsen & Webb 2023), or ``"pyfixest"``, G/(G-1) (N-1)/(N-K)
        (pyfixest's CRV3; SE larger by about G/(G-1)).
    bootstrap_weights : {"webb", "rademacher"}
        Wild bootstrap weights: Webb six-point (default; Webb 2023) or Rademacher.

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
    >>> did(df, "y", n_bootstrap=999)[["method", "estimate"]].shape
    (2, 2)
    """
    where = "did"
    _check_alpha(alpha)
    if inference not in INFERENCE_METHODS:
        raise EvaluationInputError(
            f"{where}: inference must be one of {INFERENCE_METHODS}, got {inference!r}"
        )
    if cr3_convention not in CR3_CONVENTIONS:
        raise EvaluationInputError(
            f"{where}: cr3_convention must be one of {CR3_CONVENTIONS}, got {cr3_convention!r}")
    if bootstrap_weights not in BOOTSTRAP_WEIGHTS:
        raise EvaluationInputError(f"{where}: bootstrap_weights must be one of "
                                   f"{BOOTSTRAP_WEIGHTS}, got {bootstrap_weights!r}")
    panel = _panel(data, outcome, treated, cohort, reform_cohort, cluster, unit, where)
    g = panel.n_clusters if panel.n else 0
    treated_clusters = np.unique(panel.cluster_codes[panel.treated]) if panel.n else []
    base = {
        "n_dropped_missing": panel.n_dropped,
        "n_clusters_treated": len(treated_clusters),
        "n_clusters_control": g - len(treated_clusters),
        "reform_cohort": reform_cohort,
    }
    problem = _design_problem(panel)
    d = (panel.treated & panel.post).astype(float)
    fw = None
    if problem is None:
        try:
            fw = _fwl(panel.y, d, panel.fe_matrix())
        except np.linalg.LinAlgError as err:
            problem = str(err)
    if problem is not None:
        return _tidy([_not_estimable_row(outcome, DID_TERM, problem, alpha, panel.n, g,
                                         inference=inference, **base)])

    params, cov = _ols_cluster(panel, d[:, None])
    beta, se_cr1 = float(params[0]), math.sqrt(float(cov[0, 0]))
    df_t = g - 1
    tcrit = stats.t.ppf(1 - alpha / 2, df_t)
    rows = []

    if inference == "wild_bootstrap":
        rng = np.random.default_rng(seed)
        weights, enumerated = _bootstrap_weights(bootstrap_weights, g, n_bootstrap, rng)
        q = _orthonormal_basis(panel.fe_matrix())
        boot = _WildBootstrap(fw, panel.cluster_codes, q, weights)
        p = boot.p_value(0.0)
        lo, hi = boot.confint(alpha)
        base_n = 6 if bootstrap_weights == "webb" else 2
        draws = (f"all {base_n}^G draws enumerated" if enumerated
                 else f"B={len(weights)} random draws")
        rows.append({
            "estimate": beta, "se": se_cr1, "ci_low": lo, "ci_high": hi, "p_value": p,
            "t_stat": beta / se_cr1, "df": np.nan, "n_bootstrap": len(weights),
            "method": (
                f"TWFE OLS; wild cluster restricted bootstrap-t, "
                f"{bootstrap_weights.capitalize()} weights, "
                f"{draws}; CI by test inversion; se is CR1"
            ),
            "inference": "wild_bootstrap",
        })
    elif inference == "cr3":
        _, _, vcov = _cr3_jackknife(panel, d[:, None], cr3_convention)
        se3 = math.sqrt(vcov[0, 0])
        t3 = beta / se3 if se3 > 0 else np.nan
        rows.append({
            "estimate": beta, "se": se3, "ci_low": beta - tcrit * se3,
            "ci_high": beta + tcrit * se3, "p_value": 2 * stats.t.sf(abs(t3), df_t),
            "t_stat": t3, "df": df_t, "n_bootstrap": 0,
            "method": ("TWFE OLS; CR3 leave-one-cluster-out jackknife, t(G-1); "
                       + ("(G-1)/G scaling (MacKinnon, Nielsen & Webb 2023)"
                          if cr3_convention == "jackknife"
                          else "G/(G-1)(N-1)/(N-K) scaling (pyfixest CRV3)")),
            "inference": "cr3", "cr3_convention": cr3_convention,
        })
    t1 = beta / se_cr1 if se_cr1 > 0 else np.nan
    rows.append({
        "estimate": beta, "se": se_cr1, "ci_low": beta - tcrit * se_cr1,
        "ci_high": beta + tcrit * se_cr1, "p_value": float(2 * stats.t.sf(abs(t1), df_t)),
        "t_stat": t1, "df": df_t, "n_bootstrap": 0,
        "method": "TWFE OLS; CR1 cluster-robust (statsmodels), t(G-1)",
        "inference": "cluster",
    })
    for i, row in enumerate(rows):
        row.update({
            "outcome": outcome, "term": DID_TERM, "n": panel.n, "n_clusters": g,
            "alpha": alpha, "null_value": 0.0, "primary": i == 0, **base,
        })
    return _tidy(rows)


# =============================================================================================
# event study
# =============================================================================================
def _wild_wald_test(panel: _Panel, design: np.ndarray, test_idx: list[int],
                    weights: np.ndarray) -> tuple[float, float, int]:
    """WCR bootstrap p-value of the CR1 Wald test that the ``test_idx`` coefficients are 0.

    By FWL the design coefficients are b = (D~'D~)^-1 D~'y with D~ = M_FE D. Under the null the
    restricted fit (FE and the other design columns) gives fitted values f and residuals u;
    bootstrap samples are y* = f + u * w_g. Since the tested part of b(f) is 0 and everything is
    linear in w:

        b*_test = sum_g w_g R (D~'D~)^-1 D~'(u 1_g)
        score_h = sum_g w_g D~_h' [M_full (u 1_g)]_h    (M_full: residual on FE and D)

    so each draw costs O(G^2 q). Returns (F = W / q, p-value, q).
    """
    n_cl = int(panel.cluster_codes.max()) + 1
    fe = panel.fe_matrix()
    q_fe = _orthonormal_basis(fe)
    d_t = _residualize(q_fe, design)
    dd_inv = np.linalg.pinv(d_t.T @ d_t)
    keep = [i for i in range(design.shape[1]) if i not in test_idx]
    q_restricted = _orthonormal_basis(np.hstack([fe, design[:, keep]]))
    q_full = _orthonormal_basis(np.hstack([fe, design]))
    indicator = np.zeros((panel.n, n_cl))
    indicator[np.arange(panel.n), panel.cluster_codes] = 1.0
    rmat = np.zeros((len(test_idx), design.shape[1]))
    rmat[np.arange(len(test_idx)), test_idx] = 1.0
    proj = rmat @ dd_inv  # q x p

    def wald(b, psi):  # psi: (..., G, q) scores mapped to the tested coefficients
        v = np.einsum("...hi,...hj->...ij", psi, psi)
        v_inv = np.linalg.pinv(v)
        return np.einsum("...i,...ij,...j->...", b, v_inv, b)

    # observed statistic (CR1 factor omitted: it cancels between the observed and the draws)
    resid = _residualize(q_full, panel.y)
    b_obs = proj @ (d_t.T @ panel.y)
    scores = np.stack([d_t[panel.cluster_codes == h].T @ resid[panel.cluster_codes == h]
                       for h in range(n_cl)])  # G x p
    w_obs = float(wald(b_obs, scores @ proj.T))
    rank = int(np.linalg.matrix_rank(np.einsum("hi,hj->ij", scores @ proj.T, scores @ proj.T)))
    # bootstrap pieces
    u = _residualize(q_restricted, panel.y)
    u_g = indicator * u[:, None]  # n x G
    a = (proj @ (d_t.T @ u_g)).T  # G x q: b*_test = w @ a
    eps = _residualize(q_full, u_g)  # n x G
    lmat = np.empty((n_cl, n_cl, len(test_idx)))  # [h, g, :]
    for h in range(n_cl):
        rows = panel.cluster_codes == h
        lmat[h] = (d_t[rows].T @ eps[rows]).T @ proj.T
    stats_star = np.empty(len(weights))
    for start in range(0, len(weights), 2000):
        w = weights[start:start + 2000]
        b_star = w @ a
        psi = np.einsum("bg,hgq->bhq", w, lmat)
        stats_star[start:start + 2000] = wald(b_star, psi)
    p_value = float(np.mean(stats_star >= w_obs * (1 - 1e-10)))
    q = max(rank, 1)
    return w_obs / q, p_value, rank


def _wild_pretrend_slope(panel: _Panel, ref: int, reform_cohort: int, weights: np.ndarray
                        ) -> tuple[float, float]:
    """Differential linear pre-trend and its WCR bootstrap p-value (NaN if not testable)."""
    pre = ~panel.post
    if len(np.unique(panel.cohort[pre & panel.treated])) < 2:
        return np.nan, np.nan
    sub = _Panel(
        y=panel.y[pre], treated=panel.treated[pre], cohort=panel.cohort[pre],
        post=panel.post[pre], unit_codes=pd.factorize(panel.unit_codes[pre])[0],
        cohort_codes=pd.factorize(panel.cohort_codes[pre])[0],
        cluster_codes=pd.factorize(panel.cluster_codes[pre], sort=True)[0],
        cluster_labels=panel.cluster_labels, n_dropped=0,
    )
    slope_x = np.where(sub.treated, sub.cohort - float(ref), 0.0)
    try:
        fw = _fwl(sub.y, slope_x, sub.fe_matrix())
    except np.linalg.LinAlgError:
        return np.nan, np.nan
    n_cl = int(sub.cluster_codes.max()) + 1
    w = (weights if weights.shape[1] == n_cl
         else webb_weights(n_cl, len(weights), np.random.default_rng(0))[0])
    boot = _WildBootstrap(fw, sub.cluster_codes, _orthonormal_basis(sub.fe_matrix()), w)
    return fw.beta, boot.p_value(0.0)


def event_study(
    data: pd.DataFrame,
    outcome: str,
    treated: str = "treated_major",
    cohort: str = "cohort",
    reform_cohort: int = 2022,
    cluster: str = "major",
    unit: str = "major",
    reference_cohort: int | None = None,
    vcov: str = "cr3",
    pretrend_test: str = "linear",
    n_bootstrap: int = 9999,
    seed: int | None = 20220901,
    alpha: float = 0.05,
    cr3_convention: str = "jackknife",
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
        As in :func:`did`.
    reference_cohort : int, optional
        Omitted cohort; default ``reform_cohort - 1``.
    vcov : {"cr3", "cluster"}
        Covariance of the per-cohort intervals: ``"cr3"`` (default; jackknife, holds up better
        with few clusters) or ``"cluster"`` (CR1).
    pretrend_test : {"linear", "joint", "joint_f"}
        The test whose p-value goes into ``pretrend_p`` (see above).
    n_bootstrap, seed : int
        Bootstrap draws and seed for the pre-trend tests.
    alpha : float
    cr3_convention : {"jackknife", "pyfixest"}
        Scaling of the CR3 covariance, as in :func:`did`.

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
    >>> es = event_study(df, "y")
    >>> list(es["period"].unique())
    ['pre', 'reference', 'post']
    """
    where = "event_study"
    _check_alpha(alpha)
    if vcov not in ("cr3", "cluster"):
        raise EvaluationInputError(f"{where}: vcov must be 'cr3' or 'cluster', got {vcov!r}")
    if cr3_convention not in CR3_CONVENTIONS:
        raise EvaluationInputError(
            f"{where}: cr3_convention must be one of {CR3_CONVENTIONS}, got {cr3_convention!r}")
    if pretrend_test not in ("linear", "joint", "joint_f"):
        raise EvaluationInputError(
            f"{where}: pretrend_test must be 'linear', 'joint' or 'joint_f', "
            f"got {pretrend_test!r}")
    ref = reform_cohort - 1 if reference_cohort is None else int(reference_cohort)
    panel = _panel(data, outcome, treated, cohort, reform_cohort, cluster, unit, where)
    g = panel.n_clusters if panel.n else 0
    cohorts = sorted(np.unique(panel.cohort).tolist())
    problem = _design_problem(panel)
    if problem is None and ref not in cohorts:
        problem = f"reference cohort {ref} not in the data (cohorts {cohorts})"
    if problem is None and not (panel.treated & (panel.cohort == ref)).any():
        problem = f"no treated observations in the reference cohort {ref}"
    if problem is not None:
        return _tidy([_not_estimable_row(outcome, "event_study", problem, alpha, panel.n, g,
                                         pretrend_p=np.nan)])

    est_cohorts = [c for c in cohorts if c != ref
                   and (panel.treated & (panel.cohort == c)).any()]
    design = np.column_stack(
        [(panel.treated & (panel.cohort == c)).astype(float) for c in est_cohorts]
    )
    beta, cov = _ols_cluster(panel, design)
    if vcov == "cr3":
        _, _, cov = _cr3_jackknife(panel, design, cr3_convention)
        method = ("TWFE OLS event study; CR3 leave-one-cluster-out jackknife, t(G-1)"
                  + ("" if cr3_convention == "jackknife" else "; pyfixest CRV3 scaling"))
    else:
        method = "TWFE OLS event study; CR1 cluster-robust (statsmodels), t(G-1)"
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    df_t = g - 1
    tcrit = stats.t.ppf(1 - alpha / 2, df_t)

    pre_idx = [i for i, c in enumerate(est_cohorts) if c < reform_cohort]
    rng = np.random.default_rng(seed)
    weights, enumerated = webb_weights(g, n_bootstrap, rng)
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
        _, p_joint, _ = _wild_wald_test(panel, design, pre_idx, weights)
        slope, p_slope = _wild_pretrend_slope(panel, ref, reform_cohort, weights)
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
    for row in rows:
        row.update({
            "outcome": outcome, "term": f"treated_x_cohort_{row['cohort']}",
            "rel_cohort": row["cohort"] - reform_cohort, "n": panel.n, "n_clusters": g,
            "alpha": alpha, "null_value": 0.0, "primary": False, "df": df_t,
            "reference_cohort": ref, "reform_cohort": reform_cohort,
            "pretrend_p": p_pre, "pretrend_method": pre_method, "pretrend_test": pretrend_test,
            "pretrend_F": f_stat, "pretrend_df_num": q, "pretrend_df_den": df_t,
            "pretrend_joint_p": p_joint, "pretrend_joint_p_f": p_joint_f,
            "pretrend_slope": slope, "pretrend_slope_p": p_slope,
            "n_dropped_missing": panel.n_dropped,
        })
    out = _tidy(rows)
    # covariance of the estimated coefficients (cohort order) for the parallel-trends
    # sensitivity analysis (talentlab.evaluation.sensitivity); lists, so that pd.concat can compare attrs
    out.attrs["vcov"] = np.asarray(cov, dtype=float).tolist()
    out.attrs["vcov_cohorts"] = [int(c) for c in est_cohorts]
    return out


def pretrend_test(event_study_result: pd.DataFrame) -> pd.DataFrame:
    """One row per outcome with the joint pre-trend test of an :func:`event_study` result.

    The frame has ``outcome``, ``pretrend_p`` (the selected test), ``pretrend_method`` and the
    other tests' columns — the shape :func:`talentlab.claims.judge` accepts.
    """
    cols = ["outcome", "pretrend_p", "pretrend_method", "pretrend_test", "pretrend_slope",
            "pretrend_slope_p", "pretrend_joint_p", "pretrend_F", "pretrend_df_num",
            "pretrend_df_den", "pretrend_joint_p_f"]
    _require_columns(event_study_result, cols, "pretrend_test")
    return event_study_result[cols].drop_duplicates("outcome").reset_index(drop=True)


#: Axis and legend labels for the event-study plot (English, Chinese).
EVENT_STUDY_LABELS = {
    "en": {"x": "Cohort relative to the reform", "y": "Effect (difference vs reference cohort)",
           "pre": "before reform", "post": "after reform", "reference": "reference cohort",
           "title": "Event study"},
    "zh": {"x": "相对改革届别", "y": "效应（相对参照届别的差异）", "pre": "改革前",
           "post": "改革后", "reference": "参照届别", "title": "事件研究"},
}


def event_study_plot_data(result: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    """Data for an event-study plot (no drawing: the plotting module draws it).

    Returns columns ``outcome``, ``rel_cohort``, ``cohort``, ``estimate``, ``ci_low``,
    ``ci_high``, ``period``, ``period_label`` (in ``lang``: "en" or "zh"), ``is_reference``,
    sorted by ``rel_cohort``; the returned frame's ``attrs['labels']`` holds axis labels in that
    language.
    """
    if lang not in EVENT_STUDY_LABELS:
        raise EvaluationInputError(f"event_study_plot_data: lang must be 'en' or 'zh', got {lang!r}")
    cols = ["outcome", "rel_cohort", "cohort", "estimate", "ci_low", "ci_high", "period"]
    _require_columns(result, cols, "event_study_plot_data")
    labels = EVENT_STUDY_LABELS[lang]
    out = result[cols].sort_values(["outcome", "rel_cohort"]).reset_index(drop=True)
    out["period_label"] = out["period"].map(labels)
    out["is_reference"] = out["period"].eq("reference")
    out.attrs["labels"] = dict(labels)
    return out


# =============================================================================================
# survival: post-adaptation cycle
# =============================================================================================
def _survival_frame(data, duration, event, where) -> pd.DataFrame:
    _require_columns(data, [duration, event], where)
    t = _as_float(data[duration], duration, where)
    e = _as_float(data[event], event, where)
    keep = ~(np.isnan(t) | np.isnan(e))
    if (t[keep] < 0).any():
        raise EvaluationInputError(f"{where}: column '{duration}' has negative durations")
    if not set(np.unique(e[keep])) <= {0.0, 1.0}:
        raise EvaluationInputError(f"{where}: column '{event}' must be boolean or 0/1")
    out = data.loc[keep].copy()
    out["_T"] = t[keep]
    out["_E"] = e[keep].astype(int)
    return out


def km_table(data: pd.DataFrame, duration: str, event: str, by: Sequence[str] | str | None = None,
             alpha: float = 0.05) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Kaplan–Meier survival tables and medians (lifelines ``KaplanMeierFitter``).

    Returns ``(curves, medians)``: ``curves`` is long (by-columns, ``time``, ``n_at_risk``,
    ``events``, ``censored``, ``survival``, ``se`` (Greenwood), ``ci_low``, ``ci_high``;
    exponential Greenwood interval as in lifelines), ``medians`` has one row per group with ``median``, ``median_ci_low``,
    ``median_ci_high``, ``n``, ``events`` (a median that is not reached is NaN/inf as lifelines
    reports it, with ``median_reached`` False).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4], "e": [1, 1, 0, 1], "g": ["a", "a", "b", "b"]})
    >>> km_table(d, "t", "e", by="g")[1]["median"].tolist()
    [1.0, 4.0]
    """
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    where = "km_table"
    _check_alpha(alpha)
    by = [] if by is None else [by] if isinstance(by, str) else list(by)
    _require_columns(data, by, where)
    frame = _survival_frame(data, duration, event, where)
    curves, medians = [], []
    groups = frame.groupby(by, observed=True, sort=True) if by else [((), frame)]
    for key, sub in groups:
        key = key if isinstance(key, tuple) else (key,)
        labels = dict(zip(by, key, strict=True))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lifelines' pandas deprecation warnings
            kmf = KaplanMeierFitter(alpha=alpha).fit(sub["_T"], sub["_E"])
        table = kmf.event_table
        surv = kmf.survival_function_.iloc[:, 0]
        ci = kmf.confidence_interval_
        # Greenwood SE of S(t): S(t) sqrt(sum d / (n (n - d))); lifelines gives only the
        # (exponential Greenwood) interval, so the SE is computed here (tested on Gehan).
        at_risk = table["at_risk"].to_numpy(dtype=float)
        died = table["observed"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(died > 0, died / (at_risk * (at_risk - died)), 0.0)
        curve = pd.DataFrame({
            "time": table.index.to_numpy(dtype=float),
            "n_at_risk": table["at_risk"].to_numpy(),
            "events": table["observed"].to_numpy(),
            "censored": table["censored"].to_numpy(),
            "survival": surv.loc[table.index].to_numpy(),
            "se": surv.loc[table.index].to_numpy() * np.sqrt(np.cumsum(terms)),
            "ci_low": ci.iloc[:, 0].loc[table.index].to_numpy(),
            "ci_high": ci.iloc[:, 1].loc[table.index].to_numpy(),
        })
        for col, val in labels.items():
            curve.insert(0, col, val)
        curves.append(curve)
        med_ci = median_survival_times(ci)
        med = float(kmf.median_survival_time_)
        medians.append({**labels, "median": med,
                        "median_ci_low": float(med_ci.iloc[0, 0]),
                        "median_ci_high": float(med_ci.iloc[0, 1]),
                        "median_reached": bool(np.isfinite(med)),
                        "n": len(sub), "events": int(sub["_E"].sum()), "alpha": alpha})
    return pd.concat(curves, ignore_index=True), pd.DataFrame(medians)


def logrank(data: pd.DataFrame, duration: str, event: str, group: Sequence[str] | str
            ) -> pd.DataFrame:
    """Log-rank test across the groups formed by ``group`` (lifelines).

    Returns one row: ``test``, ``statistic`` (chi-square), ``df``, ``p_value``, ``n``,
    ``n_groups``.
    """
    from lifelines.statistics import multivariate_logrank_test

    where = "logrank"
    group = [group] if isinstance(group, str) else list(group)
    _require_columns(data, group, where)
    frame = _survival_frame(data, duration, event, where)
    labels = frame[group].astype(str).agg(" | ".join, axis=1)
    n_groups = labels.nunique()
    if n_groups < 2:
        return pd.DataFrame([{"test": "log-rank", "statistic": np.nan, "df": 0,
                              "p_value": np.nan, "n": len(frame), "n_groups": n_groups,
                              "method": "not testable: fewer than two groups"}])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # lifelines' pandas deprecation warnings
        res = multivariate_logrank_test(frame["_T"], labels, frame["_E"])
    return pd.DataFrame([{"test": "log-rank", "statistic": float(res.test_statistic),
                          "df": int(res.degrees_of_freedom), "p_value": float(res.p_value),
                          "n": len(frame), "n_groups": n_groups,
                          "method": "lifelines multivariate_logrank_test"}])


def cox_effect(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    cluster: str | None = None,
    strata: Sequence[str] | str | None = None,
    inference: str = "robust",
    alpha: float = 0.05,
    outcome: str | None = None,
) -> pd.DataFrame:
    """Cox proportional hazards model (lifelines ``CoxPHFitter``, Efron ties); hazard ratios.

    Each covariate gives one row: ``estimate`` and the interval are hazard ratios (``null_value``
    1), ``se`` and ``log_hr`` are on the log scale (``se_scale`` = "log_hazard_ratio").

    Inference:

    * no ``cluster``: model-based SE, normal reference (as R's ``coxph``);
    * ``cluster`` with ``inference="robust"``: lifelines' robust sandwich SE clustered by that
      column (Lin & Wei 1989), interval and p-value from t(G-1) (the few-cluster convention of
      the CR1 rows of :func:`did`; the normal-reference p-value is kept as ``p_value_normal``);
    * ``cluster`` with ``inference="cr3"``: leave-one-cluster-out jackknife of the log hazard
      ratios, V = (G-1)/G sum_g (b_-g - b)^2, t(G-1) — the Cox analogue of CR3, better
      calibrated than the sandwich with a handful of clusters (hand-written: lifelines has no
      jackknife; it is G refits of lifelines' own model).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"t": [1, 2, 3, 4, 5, 6, 7, 8], "e": [1, 1, 1, 0, 1, 1, 0, 1],
    ...                   "x": [1, 1, 0, 0, 1, 0, 1, 0]})
    >>> float(cox_effect(d, "t", "e", ["x"])["estimate"].iloc[0]) > 1
    True
    """
    return _cox_fit(data, duration, event, covariates, cluster, strata, inference, alpha,
                    outcome)[0]


def _cox_fit(
    data: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    cluster: str | None = None,
    strata: Sequence[str] | str | None = None,
    inference: str = "robust",
    alpha: float = 0.05,
    outcome: str | None = None,
) -> tuple[pd.DataFrame, object, pd.DataFrame]:
    """:func:`cox_effect` plus the fitted lifelines model (None if not fitted) and its frame."""
    from lifelines import CoxPHFitter

    where = "cox_effect"
    _check_alpha(alpha)
    if inference not in ("robust", "cr3"):
        raise EvaluationInputError(f"{where}: inference must be 'robust' or 'cr3', got {inference!r}")
    covariates = list(covariates)
    strata = [] if strata is None else [strata] if isinstance(strata, str) else list(strata)
    _require_columns(data, covariates + ([cluster] if cluster else []) + strata, where)
    frame = _survival_frame(data, duration, event, where)
    model_frame = pd.DataFrame({"_T": frame["_T"].to_numpy(), "_E": frame["_E"].to_numpy()})
    for c in covariates:
        model_frame[c] = _as_float(frame[c], c, where)
    if model_frame[covariates].isna().any().any():
        raise EvaluationInputError(f"{where}: covariates {covariates} have missing values")
    strata_cols = [f"_stratum_{i}" for i in range(len(strata))]
    for internal, col in zip(strata_cols, strata, strict=True):
        model_frame[internal] = pd.factorize(frame[col])[0]
    if cluster:
        model_frame["_cluster"] = pd.factorize(frame[cluster])[0]
    n_clusters = int(model_frame["_cluster"].nunique()) if cluster else np.nan
    label = outcome or duration
    constant = [c for c in covariates if model_frame[c].nunique() < 2]
    if constant or model_frame["_E"].sum() == 0 or (cluster and n_clusters < 3):
        reason = (f"covariate(s) {constant} do not vary" if constant else "no events"
                  if model_frame["_E"].sum() == 0 else "fewer than 3 clusters")
        return _tidy([{**_not_estimable_row(label, c, reason, alpha, len(model_frame),
                                            n_clusters), "null_value": 1.0}
                      for c in covariates]), None, model_frame

    def fit(frame_, with_cluster, start=None):
        cph_ = CoxPHFitter(alpha=alpha)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cph_.fit(frame_ if with_cluster else frame_.drop(columns="_cluster", errors="ignore"),
                     "_T", "_E", cluster_col="_cluster" if with_cluster else None,
                     strata=strata_cols or None, initial_point=start)
        return cph_

    cph = fit(model_frame, bool(cluster))
    summary = cph.summary
    beta = summary.loc[covariates, "coef"].to_numpy(dtype=float)
    se = summary.loc[covariates, "se(coef)"].to_numpy(dtype=float)
    p_norm = summary.loc[covariates, "p"].to_numpy(dtype=float)
    se_sandwich = se.copy() if cluster else np.full(len(covariates), np.nan)
    if cluster and inference == "cr3":
        groups = np.unique(model_frame["_cluster"])
        loo = []
        for g in groups:
            sub = model_frame[model_frame["_cluster"] != g]
            if (sub[covariates].nunique() < 2).any():
                loo.append(np.full(len(covariates), np.nan))
                continue
            start = np.array(cph.params_, dtype=float)  # warm start (lifelines edits it in place)
            loo.append(fit(sub, False, start).params_.loc[covariates].to_numpy(dtype=float))
        loo = np.vstack(loo)
        if np.isnan(loo).any():
            return _tidy([{**_not_estimable_row(
                label, c, "a covariate does not vary once a cluster is left out (CR3)",
                alpha, len(model_frame), n_clusters), "null_value": 1.0}
                for c in covariates]), None, model_frame
        se = np.sqrt((len(groups) - 1) / len(groups) * np.sum((loo - beta) ** 2, axis=0))
    rows = []
    for i, c in enumerate(covariates):
        b = float(beta[i])
        if cluster:
            df_t = n_clusters - 1
            crit = stats.t.ppf(1 - alpha / 2, df_t)
            p = float(2 * stats.t.sf(abs(b / se[i]), df_t))
            how = ("CR3 leave-one-cluster-out jackknife" if inference == "cr3"
                   else "robust sandwich SE")
            method = f"Cox PH (lifelines, Efron ties); {how} clustered by {cluster}, t(G-1)"
        else:
            df_t = np.nan
            crit = stats.norm.ppf(1 - alpha / 2)
            p = float(p_norm[i])
            method = "Cox PH (lifelines, Efron ties); model-based SE, normal reference"
        if strata:
            method += f"; stratified by {', '.join(strata)}"
        rows.append({
            "outcome": label, "term": c, "estimate": float(np.exp(b)), "se": float(se[i]),
            "ci_low": float(np.exp(b - crit * se[i])),
            "ci_high": float(np.exp(b + crit * se[i])),
            "p_value": p, "n": len(model_frame), "n_clusters": n_clusters, "method": method,
            "alpha": alpha, "null_value": 1.0, "primary": False, "log_hr": b,
            "se_scale": "log_hazard_ratio", "p_value_normal": float(p_norm[i]), "df": df_t,
            "n_events": int(model_frame["_E"].sum()),
            "inference": inference if cluster else "model",
            "se_sandwich": float(se_sandwich[i]),
        })
    return _tidy(rows), cph, model_frame


def _cox_pretrend(surv: pd.DataFrame, cohort: str, reform_cohort: int, cluster: str,
                  unit: str | None, alpha: float, where: str) -> tuple[float, float, str]:
    """Differential linear pre-trend of the log hazard: the Cox analogue of the event-study
    ``linear`` test. On pre-reform cohorts, ``exp(s * treated * (cohort - ref) + cohort effects)``
    with a baseline hazard per major, CR3 jackknife by ``cluster``, t(G-1)."""
    if cohort not in surv.columns:
        return np.nan, np.nan, "pre-trend not testable: no cohort column"
    cohort_values = _as_int(surv[cohort], cohort, where)
    pre = surv[cohort_values < reform_cohort].copy()
    pre_cohorts = cohort_values[cohort_values < reform_cohort]
    if len(np.unique(pre_cohorts[pre["_group"].to_numpy() == 1])) < 2:
        return np.nan, np.nan, "pre-trend not testable: fewer than two pre-reform cohorts"
    ref = reform_cohort - 1
    pre["_slope"] = pre["_group"] * (pre_cohorts - ref)
    covs = ["_slope"]
    levels = sorted(np.unique(pre_cohorts))
    for lev in levels[1:]:
        pre[f"_pc_{lev}"] = (pre_cohorts == lev).astype(float)
        covs.append(f"_pc_{lev}")
    if not unit:
        covs.append("_group")
    res = cox_effect(pre, "_T", "_E", covs, cluster=cluster, strata=unit, inference="cr3",
                     alpha=alpha)
    row = res.iloc[0]
    if str(row["method"]).startswith("not estimable"):
        return np.nan, np.nan, f"pre-trend {row['method']}"
    return (float(row["log_hr"]), float(row["p_value"]),
            "linear differential pre-trend of the log hazard over the pre-reform cohorts "
            "(Cox, Efron ties, baseline hazard per major, CR3 jackknife, t(G-1))")


@dataclass
class AdaptationResult:
    """Result of :func:`adaptation_comparison`.

    Attributes
    ----------
    effect : DataFrame
        The tidy effect rows (hazard ratio of treated x post; ``null_value`` 1;
        ``orientation`` -1 because a hazard ratio above 1 means *shorter* adaptation): the
        primary row with the requested inference, then the robust-sandwich row.
    cox : DataFrame
        All Cox terms of the primary fit (interaction and cohort effects, or group, period and
        interaction when ``unit=None``).
    km_curves, km_medians : DataFrame
        Kaplan–Meier tables and medians by group x period.
    logrank : DataFrame
        Log-rank tests: across the four group x period cells, and treated vs comparison within
        each period.
    ph_test : DataFrame
        Proportional-hazards test per covariate (lifelines ``proportional_hazard_test``, rank
        time transform, i.e. the scaled Schoenfeld residual test).
    """

    effect: pd.DataFrame
    cox: pd.DataFrame
    km_curves: pd.DataFrame
    km_medians: pd.DataFrame
    logrank: pd.DataFrame
    ph_test: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def to_frame(self) -> pd.DataFrame:
        """The effect row(s), as every evaluation function returns them."""
        return self.effect


def adaptation_comparison(
    data: pd.DataFrame,
    duration: str = "adaptation_months",
    event: str = "adaptation_reached",
    group: str = "treated_major",
    period: str = "post",
    cluster: str = "major",
    cohort: str = "cohort",
    reform_cohort: int = 2022,
    unit: str | None = "major",
    inference: str = "cr3",
    alpha: float = 0.05,
) -> AdaptationResult:
    """Adaptation cycle: Kaplan–Meier by group x period, log-rank, Cox DiD hazard ratio.

    The effect is the hazard ratio ``exp(b)`` of ``group x period`` in the Cox model (Efron
    ties), the survival analogue of :func:`did`'s two-way fixed effects:

        h(t | major, cohort) = h0_major(t) exp(b group x period + cohort effects)

    with a baseline hazard per major (``strata=unit``; the group main effect is then absorbed)
    and cohort dummies. With ``unit=None`` the model is
    ``exp(b1 group + b2 period + b group x period)`` instead.
    Inference (see :func:`cox_effect`): ``"cr3"`` (default: leave-one-major-out jackknife,
    t(G-1)) for the primary row; the lifelines robust sandwich clustered by major is returned as
    a second, non-primary row.

    The event is reaching independent work, so a hazard ratio above 1 means the reform
    *shortened* adaptation: the effect rows say so with ``orientation`` = -1 (direction on the
    duration scale). Rows with a missing duration or event (graduates not in employment) are
    dropped and counted. If ``period`` is not a column it is derived as
    ``cohort >= reform_cohort``.

    Pre-trend check (columns ``pretrend_slope``, ``pretrend_p``, ``pretrend_method`` of the
    effect rows): on the pre-reform cohorts, the log hazard's differential linear trend
    ``s * treated * (cohort - (reform_cohort - 1))`` in the same Cox model, CR3 jackknife by
    major — the survival analogue of :func:`event_study`'s ``linear`` test, read by
    :func:`talentlab.claims.judge`.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(3)
    >>> n = 400
    >>> d = pd.DataFrame({"major": rng.choice(list("abcdef"), n),
    ...                   "cohort": rng.choice(range(2019, 2025), n)})
    >>> d["treated_major"] = d["major"].isin(["a", "b"])
    >>> d["adaptation_months"] = rng.exponential(6, n)
    >>> d["adaptation_reached"] = True
    >>> res = adaptation_comparison(d, inference="robust")
    >>> res.effect["term"].iloc[0]
    'treated_x_post'
    """
    from lifelines.statistics import proportional_hazard_test

    where = "adaptation_comparison"
    _check_alpha(alpha)
    if inference not in ("cr3", "robust"):
        raise EvaluationInputError(f"{where}: inference must be 'cr3' or 'robust', got {inference!r}")
    frame = data
    if period not in data.columns:
        _require_columns(data, [cohort], where)
        frame = data.assign(**{period: _as_int(data[cohort], cohort, where) >= reform_cohort})
    needed = [duration, event, group, period, cluster] + ([cohort, unit] if unit else [])
    _require_columns(frame, needed, where)
    surv = _survival_frame(frame, duration, event, where)
    surv = surv.assign(
        _group=_as_binary(surv[group], group, where).astype(int),
        _period=_as_binary(surv[period], period, where).astype(int),
    )
    surv["_interaction"] = surv["_group"] * surv["_period"]
    surv["_group_label"] = np.where(surv["_group"] == 1, "treated", "comparison")
    surv["_period_label"] = np.where(surv["_period"] == 1, "post", "pre")
    notes = []

    curves, medians = km_table(surv, "_T", "_E", by=["_group_label", "_period_label"],
                               alpha=alpha)
    rename = {"_group_label": "group", "_period_label": "period"}
    curves, medians = curves.rename(columns=rename), medians.rename(columns=rename)

    tests = [logrank(surv, "_T", "_E", ["_group_label", "_period_label"])
             .assign(comparison="4 cells: group x period")]
    for per in ("pre", "post"):
        sub = surv[surv["_period_label"] == per]
        tests.append(logrank(sub, "_T", "_E", "_group_label")
                     .assign(comparison=f"treated vs comparison, {per}-reform"))
    logrank_tab = pd.concat(tests, ignore_index=True)

    names = {"_group": group, "_period": period, "_interaction": DID_TERM}
    if unit:
        cohort_values = _as_int(surv[cohort], cohort, where)
        levels = sorted(np.unique(cohort_values))
        covs = ["_interaction"]
        for lev in levels[1:]:
            surv[f"_cohort_{lev}"] = (cohort_values == lev).astype(float)
            covs.append(f"_cohort_{lev}")
            names[f"_cohort_{lev}"] = f"{cohort}_{lev}"
        strata = unit
    else:
        covs, strata = ["_group", "_period", "_interaction"], None
    fitted, fitter, model_frame = _cox_fit(surv, "_T", "_E", covs, cluster, strata, inference,
                                           alpha, duration)
    cox = fitted.copy()
    cox["term"] = cox["term"].map(names)
    ph_tab = pd.DataFrame(columns=["term", "statistic", "p_value", "method"])
    if fitter is not None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                ph = proportional_hazard_test(fitter, model_frame,
                                              time_transform="rank")
            ph_sum = ph.summary
            ph_tab = pd.DataFrame({
                "term": [names.get(str(i[-1] if isinstance(i, tuple) else i), str(i))
                         for i in ph_sum.index],
                "statistic": ph_sum["test_statistic"].to_numpy(dtype=float),
                "p_value": ph_sum["p"].to_numpy(dtype=float),
                "method": "lifelines proportional_hazard_test (rank transform)",
            })
        except Exception as err:  # diagnostics must not sink the estimate
            notes.append(f"proportional-hazards test failed: {err}")
    effect = cox[cox["term"] == DID_TERM].reset_index(drop=True)
    effect["primary"] = True
    if inference == "cr3" and not effect["method"].iloc[0].startswith("not estimable"):
        # the same fit's robust sandwich, t(G-1), as the conventional second row
        sandwich = effect.iloc[[0]].copy()
        b, se_s = float(sandwich["log_hr"].iloc[0]), float(sandwich["se_sandwich"].iloc[0])
        df_t = float(sandwich["df"].iloc[0])
        crit = stats.t.ppf(1 - alpha / 2, df_t)
        sandwich["se"] = se_s
        sandwich["ci_low"] = float(np.exp(b - crit * se_s))
        sandwich["ci_high"] = float(np.exp(b + crit * se_s))
        sandwich["p_value"] = float(2 * stats.t.sf(abs(b / se_s), df_t))
        sandwich["method"] = sandwich["method"].str.replace(
            "CR3 leave-one-cluster-out jackknife", "robust sandwich SE", regex=False)
        sandwich["inference"] = "robust"
        sandwich["primary"] = False
        effect = pd.concat([effect, sandwich], ignore_index=True)
    effect["orientation"] = -1
    effect["estimate_scale"] = "hazard_ratio"
    ph_p = ph_tab.loc[ph_tab["term"] == DID_TERM, "p_value"]
    effect["ph_test_p"] = float(ph_p.iloc[0]) if len(ph_p) else np.nan
    effect["ph_test_min_p"] = float(ph_tab["p_value"].min()) if len(ph_tab) else np.nan
    effect["n_dropped_missing"] = len(data) - len(surv)
    pre_slope, pre_p, pre_method = _cox_pretrend(surv, cohort, reform_cohort, cluster, unit,
                                                 alpha, where)
    effect["pretrend_slope"] = pre_slope
    effect["pretrend_p"] = pre_p
    effect["pretrend_method"] = pre_method
    return AdaptationResult(effect=effect, cox=cox.reset_index(drop=True), km_curves=curves,
                            km_medians=medians, logrank=logrank_tab, ph_test=ph_tab, notes=notes)


# =============================================================================================
# mixed model: enterprise recognition
# =============================================================================================
@dataclass
class MixedModelFit:
    """Result of :func:`fit_mixed_model`.

    Attributes
    ----------
    fixed : DataFrame
        Tidy fixed effects (term, estimate, se, ci_low, ci_high, p_value; Wald z as statsmodels).
    random : DataFrame
        Variance components: ``component``, ``variance``, ``sd``; correlations of the
        random-effects covariance are rows named ``<groups>: corr(a, b)`` with the value in
        column ``corr``.
    sd_residual : float
    reml_criterion : float
        -2 x restricted log-likelihood (lme4's "REML criterion at convergence") for REML fits,
        -2 x log-likelihood otherwise.
    converged : bool
    result : statsmodels MixedLMResults
    """

    fixed: pd.DataFrame
    random: pd.DataFrame
    sd_residual: float
    reml_criterion: float
    converged: bool
    n: int
    n_groups: int
    result: object = None


def fit_mixed_model(
    data: pd.DataFrame,
    formula: str,
    groups: str,
    re_formula: str | None = None,
    vc_formula: dict | None = None,
    reml: bool = True,
    alpha: float = 0.05,
) -> MixedModelFit:
    """Linear mixed model by statsmodels ``MixedLM`` with tidy output.

    Tries the L-BFGS optimiser first, then BFGS/Powell if it does not converge.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(4)
    >>> d = pd.DataFrame({"g": np.repeat(np.arange(20), 5), "x": np.tile(np.arange(5), 20)})
    >>> d["y"] = 1 + 0.5 * d.x + rng.normal(0, 1, 20)[d.g] + rng.normal(0, 1, len(d))
    >>> fit = fit_mixed_model(d, "y ~ x", groups="g")
    >>> fit.fixed["term"].tolist()
    ['Intercept', 'x']
    """
    import statsmodels.formula.api as smf

    where = "fit_mixed_model"
    _check_alpha(alpha)
    _require_columns(data, [groups], where)
    model = smf.mixedlm(formula, data, groups=data[groups], re_formula=re_formula,
                        vc_formula=vc_formula)
    result = None
    for method in ("lbfgs", "bfgs", "powell"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                result = model.fit(reml=reml, method=method)
            except (np.linalg.LinAlgError, ValueError):
                continue
        if result.converged:
            break
    if result is None:
        raise EvaluationInputError(f"{where}: the mixed model could not be fitted ({formula})")
    fe_names = list(model.exog_names)
    params = result.fe_params
    bse = result.bse_fe
    z = stats.norm.ppf(1 - alpha / 2)
    fixed = pd.DataFrame({
        "term": fe_names,
        "estimate": params.to_numpy(dtype=float),
        "se": bse.to_numpy(dtype=float),
    })
    fixed["ci_low"] = fixed["estimate"] - z * fixed["se"]
    fixed["ci_high"] = fixed["estimate"] + z * fixed["se"]
    fixed["p_value"] = 2 * stats.norm.sf(np.abs(fixed["estimate"] / fixed["se"]))

    rand = []
    cov_re = result.cov_re
    names = list(cov_re.index)
    for i, a in enumerate(names):
        var = float(cov_re.iloc[i, i])
        rand.append({"component": f"{groups}: {a}", "variance": var,
                     "sd": math.sqrt(max(var, 0.0)), "corr": np.nan})
    for i, j in itertools.combinations(range(len(names)), 2):
        denom = math.sqrt(max(cov_re.iloc[i, i] * cov_re.iloc[j, j], 0.0))
        rand.append({"component": f"{groups}: corr({names[i]}, {names[j]})",
                     "variance": np.nan, "sd": np.nan,
                     "corr": float(cov_re.iloc[i, j]) / denom if denom > 0 else np.nan})
    for name, var in zip(model.exog_vc.names if vc_formula else [], result.vcomp, strict=False):
        rand.append({"component": name, "variance": float(var),
                     "sd": math.sqrt(max(float(var), 0.0)), "corr": np.nan})
    rand.append({"component": "residual", "variance": float(result.scale),
                 "sd": math.sqrt(float(result.scale)), "corr": np.nan})
    return MixedModelFit(
        fixed=fixed, random=pd.DataFrame(rand), sd_residual=math.sqrt(float(result.scale)),
        reml_criterion=-2.0 * float(result.llf), converged=bool(result.converged),
        n=int(result.nobs), n_groups=len(model.group_labels), result=result,
    )


def recognition_score(ratings: pd.DataFrame, items: Sequence[str] = RECOGNITION_ITEMS,
                      min_items: int = 3) -> pd.Series:
    """The 0–100 recognition score: mean of the answered 1–5 items, rescaled (x - 1) / 4 * 100.

    A rating with fewer than ``min_items`` answered items scores NaN.
    """
    where = "recognition_score"
    items = list(items)
    _require_columns(ratings, items, where)
    mat = np.column_stack([_as_float(ratings[c], c, where) for c in items])
    bad = (~np.isnan(mat)) & ((mat < 1) | (mat > 5))
    if bad.any():
        col = items[int(np.where(bad.any(axis=0))[0][0])]
        raise EvaluationInputError(f"{where}: item '{col}' has values outside 1..5")
    answered = (~np.isnan(mat)).sum(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(mat, axis=1)
    score = (mean - 1.0) / 4.0 * 100.0
    score[answered < min_items] = np.nan
    return pd.Series(score, index=ratings.index, name="recognition_score")


def recognition_model(
    ratings: pd.DataFrame,
    graduates: pd.DataFrame,
    items: Sequence[str] = RECOGNITION_ITEMS,
    student: str = "student_id",
    employer: str = "employer_id",
    rater: str | None = "rater_id",
    treated: str = "treated_major",
    cohort: str = "cohort",
    unit: str = "major",
    reform_cohort: int = 2022,
    min_items: int = 3,
    alpha: float = 0.05,
    robustness: str | None = "cr3",
) -> pd.DataFrame:
    """Reform effect on the 0–100 enterprise recognition score (mixed model).

    Model (statsmodels ``MixedLM``, REML)::

        score = b * treated x post + major FE + cohort FE
                + employer random intercept + rater variance component (nested) + e

    The primary row is the mixed-model Wald estimate of ``b``. Scale reliability is reported
    alongside: Cronbach's alpha of the items with its interval (pingouin, pairwise deletion).
    With ``robustness="cr3"`` (default) a second, non-primary row gives the same contrast by
    rating-level TWFE OLS with CR3 inference clustered by major (the treatment varies by
    major, which the employer random effects do not account for; with few majors this row is
    the conservative reading). ``robustness="wild_bootstrap"`` uses :func:`did`'s default.

    The primary row also carries a pre-trend check (``pretrend_slope``, ``pretrend_p``,
    ``pretrend_method``): the differential linear trend of the rating-level score over the
    pre-reform cohorts, wild cluster restricted bootstrap by major (as :func:`event_study`'s
    ``linear`` test).

    Examples
    --------
    See ``tests/test_evaluation.py::test_recognition_model_recovers_effect``.
    """
    where = "recognition_model"
    _check_alpha(alpha)
    items = list(items)
    need_r = [student, employer] + ([rater] if rater else []) + items
    _require_columns(ratings, need_r, where)
    _require_columns(graduates, [student, treated, cohort, unit], where)
    if graduates[student].duplicated().any():
        raise EvaluationInputError(f"{where}: graduates.{student} is not unique")
    score = recognition_score(ratings, items, min_items)
    merged = ratings[need_r].assign(_score=score.to_numpy()).merge(
        graduates[[student, treated, cohort, unit]], on=student, how="left",
        validate="many_to_one", suffixes=("", "_grad"),
    )
    unmatched = int(merged[treated].isna().sum())
    if unmatched:
        raise EvaluationInputError(
            f"{where}: {unmatched} rating(s) have a {student} not found in graduates"
        )
    usable = merged["_score"].notna() & merged[employer].notna()
    if rater:
        usable &= merged[rater].notna()
    n_dropped = int((~usable).sum())
    merged = merged[usable]

    import pingouin as pg

    item_frame = ratings[items].apply(lambda s: _as_float(s, s.name, where)).astype(float)
    try:
        c_alpha, c_ci = pg.cronbach_alpha(data=item_frame, ci=1 - alpha)
        c_ci_low, c_ci_high = float(c_ci[0]), float(c_ci[1])
    except Exception:  # fewer than two usable items or rows
        c_alpha, c_ci_low, c_ci_high = np.nan, np.nan, np.nan
    extras = {"cronbach_alpha": float(c_alpha), "cronbach_ci_low": c_ci_low,
              "cronbach_ci_high": c_ci_high, "n_dropped_missing": n_dropped,
              "n_employers": int(merged[employer].nunique()),
              "n_raters": int(merged[rater].nunique()) if rater else np.nan,
              "estimate_scale": "recognition score (0-100)"}
    outcome = "recognition_score"
    model_frame = pd.DataFrame({
        "y": merged["_score"].to_numpy(dtype=float),
        "d": (_as_binary(merged[treated], treated, where)
              & (_as_int(merged[cohort], cohort, where) >= reform_cohort)).astype(float),
        "unit": pd.factorize(merged[unit], sort=True)[0].astype(str),
        "coh": _as_int(merged[cohort], cohort, where).astype(str),
        "employer": pd.factorize(merged[employer])[0],
    })
    if rater:
        model_frame["rater"] = pd.factorize(merged[rater])[0]
    g_units = model_frame["unit"].nunique()
    panel_check = pd.DataFrame({
        "y": model_frame["y"], "t": _as_binary(merged[treated], treated, where),
        "c": _as_int(merged[cohort], cohort, where), "u": model_frame["unit"],
    })
    check = _panel(panel_check, "y", "t", "c", reform_cohort, "u", "u", where)
    problem = _design_problem(check)
    if problem is not None:
        return _tidy([_not_estimable_row(outcome, DID_TERM, problem, alpha, len(model_frame),
                                         g_units, **extras)])
    formula = "y ~ d"
    formula += " + C(unit)" if g_units > 1 else ""
    formula += " + C(coh)" if model_frame["coh"].nunique() > 1 else ""
    vc = {"rater": "0 + C(rater)"} if rater else None
    # re_formula="1" keeps the employer random intercept: with a vc_formula statsmodels would
    # otherwise drop it.
    fit = fit_mixed_model(model_frame, formula, groups="employer", re_formula="1",
                          vc_formula=vc, alpha=alpha)
    row = fit.fixed.set_index("term").loc["d"]
    variances = fit.random.set_index("component")["variance"]
    rows = [{
        "outcome": outcome, "term": DID_TERM, "estimate": float(row["estimate"]),
        "se": float(row["se"]), "ci_low": float(row["ci_low"]), "ci_high": float(row["ci_high"]),
        "p_value": float(row["p_value"]), "n": fit.n, "n_clusters": g_units,
        "method": ("linear mixed model (statsmodels MixedLM, REML): employer random intercept"
                   + (", rater variance component" if rater else "")
                   + "; major and cohort fixed effects; Wald z"
                   + ("" if fit.converged else "; WARNING: optimiser did not converge")),
        "alpha": alpha, "null_value": 0.0, "primary": True,
        "var_employer": float(variances.get("employer: Group", np.nan)),
        "var_rater": float(variances.get("rater", np.nan)) if rater else np.nan,
        "var_residual": float(variances.get("residual", np.nan)),
        "converged": fit.converged, **extras,
    }]
    weights = webb_weights(g_units, 9999, np.random.default_rng(20220901))[0]
    slope, p_slope = _wild_pretrend_slope(check, reform_cohort - 1, reform_cohort, weights)
    rows[0].update({
        "pretrend_slope": slope, "pretrend_p": p_slope,
        "pretrend_method": ("linear differential pre-trend of the rating-level score over the "
                            "pre-reform cohorts (TWFE OLS, wild cluster restricted bootstrap-t "
                            "by major, Webb weights)"),
    })
    if robustness:
        rob = did(
            panel_check.assign(u=model_frame["unit"].to_numpy()), "y", treated="t", cohort="c",
            reform_cohort=reform_cohort, cluster="u", unit="u", inference=robustness,
            alpha=alpha,
        ).iloc[[0]]
        rob_row = rob.iloc[0].to_dict()
        rows.append({
            **{k: rob_row[k] for k in RESULT_COLUMNS}, "outcome": outcome, "primary": False,
            "method": "rating-level " + rob_row["method"] + " (robustness: clustered by major)",
            **extras,
        })
    return _tidy(rows)


# =============================================================================================
# minimum detectable effect
# =============================================================================================
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
    _check_alpha(alpha)
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


def _icc_major_cohort(panel: _Panel) -> tuple[float, float, float]:
    """ICC of major-by-cohort shocks net of major and cohort effects (moment estimator).

    Cell means follow ``mean_c = a_major + l_cohort + b D_c + nu_c + ebar_c``. The residual
    mean square of the (unweighted) TWFE regression of cell means estimates
    ``var(nu) + sigma2_within * mean(1/n_c)``; the pooled within-cell variance estimates
    ``sigma2_within``. Returns (icc, total sd, harmonic mean cell size).
    """
    cells = pd.DataFrame({"u": panel.unit_codes, "c": panel.cohort_codes, "y": panel.y,
                          "d": (panel.treated & panel.post).astype(float)})
    agg = cells.groupby(["u", "c"]).agg(mean=("y", "mean"), var=("y", "var"), n=("y", "size"),
                                         d=("d", "first")).reset_index()
    within_df = int((agg["n"] - 1).sum())
    sigma2_w = float(((agg["n"] - 1) * agg["var"].fillna(0)).sum() / within_df)
    fe = np.hstack([_dummies(agg["u"].to_numpy(), False), _dummies(agg["c"].to_numpy(), True),
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
    reform_cohort: int = 2022,
    unit: str = "major",
    alpha: float = 0.05,
    power: float = 0.8,
) -> pd.DataFrame:
    """:func:`minimum_detectable_effect` with the design read from the data.

    G_T, G_C, the numbers of pre and post cohorts and the (harmonic) mean major x cohort cell
    size come from ``data``; the ICC of major x cohort shocks and the outcome SD are estimated
    by :func:`_icc_major_cohort` (moment estimator net of major, cohort and treatment effects).
    For a binary outcome the SD is the total residual SD (not p0).
    """
    where = "minimum_detectable_effect_from_data"
    panel = _panel(data, outcome, treated, cohort, reform_cohort, unit, unit, where)
    problem = _design_problem(panel)
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


# =============================================================================================
# designs kept in their own modules, re-exported here
# =============================================================================================
#: name → module. Resolved lazily (PEP 562) because those modules import this one.
_REEXPORTS = {
    "interrupted_time_series": "talentlab.evaluation.its",
    "power": "talentlab.evaluation.power_analysis",
    "sample_size": "talentlab.evaluation.power_analysis",
    "cohens_h": "talentlab.evaluation.power_analysis",
    "cohens_d": "talentlab.evaluation.power_analysis",
    "minimum_detectable_effect_two_group": "talentlab.evaluation.power_analysis",
}
__all__ += list(_REEXPORTS)


def __getattr__(name: str):
    if name in _REEXPORTS:
        import importlib

        return getattr(importlib.import_module(_REEXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
