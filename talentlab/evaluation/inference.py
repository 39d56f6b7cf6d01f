"""Few-cluster inference for the TWFE estimators: CR1, CR3 and the wild cluster bootstrap.

* CR1: statsmodels' clustered covariance with the unit fixed effects nested in the clusters
  left out of K (:func:`ols_cluster`).
* CR3: leave-one-cluster-out jackknife in two conventions, ``"jackknife"`` (G-1)/G
  (MacKinnon, Nielsen & Webb 2023) and ``"pyfixest"`` G/(G-1) (N-1)/(N-K)
  (:func:`cr3_jackknife`; see the package docstring).
* Wild cluster restricted bootstrap-t with Webb six-point or Rademacher weights, the closed
  form cluster algebra of Roodman, MacKinnon, Nielsen & Webb (2019) (:class:`WildBootstrap`),
  its test inversion for the interval, the bootstrap Wald test of several coefficients
  (:func:`wild_wald_test`) and the linear pre-trend test (:func:`wild_pretrend_slope`).

Hand-written because statsmodels has no wild cluster bootstrap and no CR3; tested against
brute-force refits and pyfixest (tests/reference_pyfixest/).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import pandas as pd

from talentlab.evaluation.common import dummy_matrix
from talentlab.evaluation.panel import (
    DiDPanel,
    FWLPieces,
    fwl_pieces,
    orthonormal_basis,
    residualize,
)

#: Webb (2023) six-point weights: +-sqrt(1/2), +-1, +-sqrt(3/2), each with probability 1/6.
WEBB_POINTS = np.array(
    [-math.sqrt(1.5), -1.0, -math.sqrt(0.5), math.sqrt(0.5), 1.0, math.sqrt(1.5)]
)


def _cr1_factor(n: int, k: int, g: int) -> float:
    """statsmodels/Stata CR1 small-sample factor G/(G-1) * (N-1)/(N-K)."""
    return g / (g - 1) * (n - 1) / (n - k)


def _cr1_se(fw: FWLPieces, cluster_codes: np.ndarray) -> float:
    g = int(cluster_codes.max()) + 1
    scores = np.bincount(cluster_codes, weights=fw.d_t * fw.resid, minlength=g)
    var = _cr1_factor(fw.n_obs, fw.k, g) * float(scores @ scores) / fw.dd**2
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


def draw_bootstrap_weights(kind: str, n_clusters: int, n_draws: int,
                           rng: np.random.Generator | None) -> tuple[np.ndarray, bool]:
    """Bootstrap weights of the named kind (:data:`~talentlab.evaluation.common.BOOTSTRAP_WEIGHTS`).

    Parameters
    ----------
    kind : {"webb", "rademacher"}
    n_clusters, n_draws : int
    rng : numpy.random.Generator or None
        Used only when the draws are not enumerated.

    Returns
    -------
    weights : ndarray, shape (B, G)
    enumerated : bool

    Examples
    --------
    >>> w, enumerated = draw_bootstrap_weights("webb", 3, 999, None)
    >>> w.shape, enumerated
    ((216, 3), True)
    """
    if kind == "rademacher":
        return rademacher_weights(n_clusters, n_draws, rng)
    return webb_weights(n_clusters, n_draws, rng)


class WildBootstrap:
    """Wild cluster restricted (WCR) bootstrap-t for one coefficient, fast cluster algebra.

    For the null b = b0 the restricted residuals are u(b0) = M y - b0 M D, linear in b0.
    A draw with cluster weights w gives (Roodman et al. 2019, section 3):

        b* - b0 = sum_g w_g a_g / D~'D~,             a_g = sum_{i in g} D~_i u_i
        score_h = sum_g C[h, g] w_g - (b* - b0) d_h,  d_h = sum_{i in h} D~_i^2
        C[h, g] = sum_{i in h} D~_i [M (u * 1_g)]_i

    and the bootstrap CR1 variance c * sum_h score_h^2 / (D~'D~)^2. a and C are linear in b0,
    so the test can be inverted for an interval cheaply.

    Parameters
    ----------
    fw : FWLPieces
        The fitted model (:func:`~talentlab.evaluation.panel.fwl_pieces`).
    cluster_codes : ndarray of int
        Cluster code per row.
    fe_basis : ndarray
        Orthonormal basis of the fixed effects (scaled rows for a count table).
    weights : ndarray, shape (B, G)
        Bootstrap weights (:func:`draw_bootstrap_weights`).

    Methods ``t_star(b0)`` (bootstrap t statistics under b = b0), ``p_value(b0)`` (symmetric
    bootstrap p-value) and ``confint(alpha)`` (interval at level 1 - alpha by test inversion).
    :func:`talentlab.evaluation.did` uses it for ``inference="wild_bootstrap"``.
    """

    def __init__(self, fw: FWLPieces, cluster_codes: np.ndarray, fe_basis: np.ndarray,
                 weights: np.ndarray):
        g = int(cluster_codes.max()) + 1
        self.fw = fw
        self.weights = weights
        self.c = _cr1_factor(fw.n_obs, fw.k, g)  # graduates, not rows (a count table)
        indicator = np.zeros((len(cluster_codes), g))
        indicator[np.arange(len(cluster_codes)), cluster_codes] = 1.0
        self.d_h = indicator.T @ (fw.d_t**2)

        def pieces(u):
            a = indicator.T @ (fw.d_t * u)
            mu = residualize(fe_basis, indicator * u[:, None])  # n x G, column g = M(u 1_g)
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


def cr3_jackknife(panel: DiDPanel, design_columns: np.ndarray, convention: str = "jackknife"
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Leave-one-cluster-out estimates of the first ``design_columns.shape[1]`` coefficients.

    CR3 variance, ``convention="jackknife"`` (MacKinnon, Nielsen & Webb 2023, eq. 28, the
    jackknife form of CV3): V = (G-1)/G * sum_g (b_{-g} - b)(b_{-g} - b)'.
    ``convention="pyfixest"``: V = G/(G-1) * (N-1)/(N-K) * sum_g (b_{-g} - b)(b_{-g} - b)',
    K counted as for CR1 (fixed effects nested in the clusters left out, see
    :func:`ols_cluster`) — pyfixest's CRV3 with its default ``ssc()``.

    Parameters
    ----------
    panel : DiDPanel
        The panel (:func:`~talentlab.evaluation.panel.did_panel`).
    design_columns : ndarray, shape (n, p)
        The regressors of interest; the unit and cohort fixed effects are added.
    convention : {"jackknife", "pyfixest"}

    Returns
    -------
    b_full : ndarray, shape (p,)
    b_minus_g : ndarray, shape (G, p)
        Estimates leaving out each cluster.
    vcov : ndarray, shape (p, p)

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from talentlab.evaluation.panel import did_panel
    >>> rng = np.random.default_rng(0)
    >>> data = pd.DataFrame({"major": np.repeat(list("abcd"), 20),
    ...                      "cohort": np.tile(np.repeat([2021, 2022], 10), 4),
    ...                      "treated_major": np.repeat([1, 1, 0, 0], 20)})
    >>> data["y"] = 0.5 * data["treated_major"] * (data["cohort"] == 2022) + rng.normal(size=80)
    >>> panel = did_panel(data, "y", "treated_major", "cohort", 2022, "major", "major", "x")
    >>> b, b_minus_g, vcov = cr3_jackknife(panel, (panel.treated & panel.post)[:, None] * 1.0)
    >>> b_minus_g.shape, vcov.shape
    ((4, 1), (1, 1))
    """
    def fit(rows):
        unit = pd.factorize(panel.unit_codes[rows])[0]
        coh = pd.factorize(panel.cohort_codes[rows])[0]
        fe = np.hstack([dummy_matrix(unit, False), dummy_matrix(coh, True)])
        x = np.hstack([design_columns[rows], fe])
        y = panel.y[rows]
        if panel.w is not None:  # WLS with the counts as frequency weights
            root = np.sqrt(panel.w[rows].astype(float))
            x, y = x * root[:, None], y * root
        coef, *_ = np.linalg.lstsq(x, y, rcond=None)
        return coef[: design_columns.shape[1]]

    b_full = fit(np.ones(panel.n_rows, dtype=bool))
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


def _k_cluster(panel: DiDPanel, design_columns: np.ndarray) -> int:
    """K of the CR1 factor: rank of [design, FE], less the unit FE nested in the clusters."""
    k = int(np.linalg.matrix_rank(np.hstack([design_columns, panel.fe_matrix()])))
    if _fe_nested_in_clusters(panel):
        k -= len(np.unique(panel.unit_codes)) - 1
    return k


def _fe_nested_in_clusters(panel: DiDPanel) -> bool:
    """True when every unit (major) lies in a single cluster."""
    pairs = pd.DataFrame({"u": panel.unit_codes, "g": panel.cluster_codes}).drop_duplicates()
    return not pairs["u"].duplicated().any()


def ols_cluster(panel: DiDPanel, design_columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels OLS of y on [design, FE], CR1 clustered covariance of the design coefficients.

    statsmodels' CR1 factor G/(G-1) * (N-1)/(N-K) counts every unit dummy in K. When the unit
    fixed effects are nested within the clusters (majors clustered by major) they cost no
    degrees of freedom of the cluster-robust variance, and the convention of Stata's
    ``xtreg, fe vce(cluster)`` / ``reghdfe`` is to leave them out of K (Cameron & Miller 2015,
    section VI.B; with store fixed effects this reproduces Card & Krueger's SE 1.34). The
    covariance is rescaled by (N - K_full) / (N - K_nested_excluded) accordingly.

    A count table is fitted as OLS on the rows scaled by sqrt(count) (WLS with frequency
    weights, :meth:`DiDPanel.weigh`); statsmodels then counts rows in (N-1)/(N-K), so the
    covariance is rescaled to N = the graduates.

    Parameters
    ----------
    panel : DiDPanel
    design_columns : ndarray, shape (n, p)
        The regressors of interest; the unit and cohort fixed effects are added.

    Returns
    -------
    params : ndarray, shape (p,)
    vcov : ndarray, shape (p, p)
        CR1 covariance of the design coefficients.
    """
    import statsmodels.api as sm

    p = design_columns.shape[1]
    x = np.hstack([design_columns, panel.fe_matrix()])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.OLS(panel.weigh(panel.y), panel.weigh(x)).fit(
            cov_type="cluster", cov_kwds={"groups": panel.cluster_codes}, use_t=True
        )
    cov = np.asarray(fit.cov_params())[:p, :p]
    if panel.w is not None:
        rows, k_sm = panel.n_rows, x.shape[1]
        cov = cov * ((panel.n - 1) / (panel.n - k_sm)) / ((rows - 1) / (rows - k_sm))
    k_full = int(np.linalg.matrix_rank(x))
    if _fe_nested_in_clusters(panel):
        n_units = len(np.unique(panel.unit_codes))
        k_adj = k_full - (n_units - 1)  # keep one: the intercept
        cov = cov * (panel.n - k_full) / (panel.n - k_adj)
    return np.asarray(fit.params[:p], dtype=float), cov


def wild_wald_test(panel: DiDPanel, design: np.ndarray, test_idx: list[int],
                   weights: np.ndarray) -> tuple[float, float, int]:
    """WCR bootstrap p-value of the CR1 Wald test that the ``test_idx`` coefficients are 0.

    By FWL the design coefficients are b = (D~'D~)^-1 D~'y with D~ = M_FE D. Under the null the
    restricted fit (FE and the other design columns) gives fitted values f and residuals u;
    bootstrap samples are y* = f + u * w_g. Since the tested part of b(f) is 0 and everything is
    linear in w:

        b*_test = sum_g w_g R (D~'D~)^-1 D~'(u 1_g)
        score_h = sum_g w_g D~_h' [M_full (u 1_g)]_h    (M_full: residual on FE and D)

    so each draw costs O(G^2 q).

    Parameters
    ----------
    panel : DiDPanel
    design : ndarray, shape (n, p)
        The event-study regressors (the fixed effects are added).
    test_idx : list of int
        Columns of ``design`` whose coefficients are tested jointly.
    weights : ndarray, shape (B, G)
        Bootstrap weights.

    Returns
    -------
    F : float
        The Wald statistic divided by q.
    p_value : float
    q : int
        Rank of the tested restriction.
    """
    n_cl = int(panel.cluster_codes.max()) + 1
    # a count table works in the rows scaled by sqrt(count) (module docstring of panel)
    fe = panel.weigh(panel.fe_matrix())
    design = panel.weigh(design)
    y = panel.weigh(panel.y)
    q_fe = orthonormal_basis(fe)
    d_t = residualize(q_fe, design)
    dd_inv = np.linalg.pinv(d_t.T @ d_t)
    keep = [i for i in range(design.shape[1]) if i not in test_idx]
    q_restricted = orthonormal_basis(np.hstack([fe, design[:, keep]]))
    q_full = orthonormal_basis(np.hstack([fe, design]))
    indicator = np.zeros((panel.n_rows, n_cl))
    indicator[np.arange(panel.n_rows), panel.cluster_codes] = 1.0
    rmat = np.zeros((len(test_idx), design.shape[1]))
    rmat[np.arange(len(test_idx)), test_idx] = 1.0
    proj = rmat @ dd_inv  # q x p

    def wald(b, psi):  # psi: (..., G, q) scores mapped to the tested coefficients
        v = np.einsum("...hi,...hj->...ij", psi, psi)
        v_inv = np.linalg.pinv(v)
        return np.einsum("...i,...ij,...j->...", b, v_inv, b)

    # observed statistic (CR1 factor omitted: it cancels between the observed and the draws)
    resid = residualize(q_full, y)
    b_obs = proj @ (d_t.T @ y)
    scores = np.stack([d_t[panel.cluster_codes == h].T @ resid[panel.cluster_codes == h]
                       for h in range(n_cl)])  # G x p
    w_obs = float(wald(b_obs, scores @ proj.T))
    rank = int(np.linalg.matrix_rank(np.einsum("hi,hj->ij", scores @ proj.T, scores @ proj.T)))
    # bootstrap pieces
    u = residualize(q_restricted, y)
    u_g = indicator * u[:, None]  # n x G
    a = (proj @ (d_t.T @ u_g)).T  # G x q: b*_test = w @ a
    eps = residualize(q_full, u_g)  # n x G
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


def wild_pretrend_slope(panel: DiDPanel, ref: int, reform_cohort: int, weights: np.ndarray
                        ) -> tuple[float, float]:
    """Differential linear pre-trend and its WCR bootstrap p-value (NaN if not testable).

    On the pre-reform cohorts, the slope of ``treated x (cohort - ref)`` with unit and cohort
    fixed effects, tested by the wild cluster restricted bootstrap (the verdict rule's
    pre-trend test).

    Parameters
    ----------
    panel : DiDPanel
    ref : int
        Reference cohort of the slope.
    reform_cohort : int
        First post-reform cohort.
    weights : ndarray, shape (B, G)
        Bootstrap weights for the panel's clusters (redrawn with seed 0 when the pre-reform
        rows have fewer clusters).

    Returns
    -------
    slope, p_value : float
        NaN, NaN when fewer than two pre-reform treated cohorts exist or the slope is
        collinear with the fixed effects.
    """
    pre = ~panel.post
    if len(np.unique(panel.cohort[pre & panel.treated])) < 2:
        return np.nan, np.nan
    sub = DiDPanel(
        y=panel.y[pre], treated=panel.treated[pre], cohort=panel.cohort[pre],
        post=panel.post[pre], unit_codes=pd.factorize(panel.unit_codes[pre])[0],
        cohort_codes=pd.factorize(panel.cohort_codes[pre])[0],
        cluster_codes=pd.factorize(panel.cluster_codes[pre], sort=True)[0],
        cluster_labels=panel.cluster_labels, n_dropped=0,
        w=None if panel.w is None else panel.w[pre],
    )
    slope_x = np.where(sub.treated, sub.cohort - float(ref), 0.0)
    fe = sub.weigh(sub.fe_matrix())
    try:
        fw = fwl_pieces(sub.weigh(sub.y), sub.weigh(slope_x), fe, n_obs=sub.n)
    except np.linalg.LinAlgError:
        return np.nan, np.nan
    n_cl = int(sub.cluster_codes.max()) + 1
    w = (weights if weights.shape[1] == n_cl
         else webb_weights(n_cl, len(weights), np.random.default_rng(0))[0])
    boot = WildBootstrap(fw, sub.cluster_codes, orthonormal_basis(fe), w)
    return fw.beta, boot.p_value(0.0)
