"""The DiD panel: outcome, treatment, cohort and cluster codes of a graduate-level table.

Also the Frisch-Waugh-Lovell pieces of the one-regressor model ``y = D b + FE + e`` that the
estimators and the wild bootstrap share (residualising on the fixed effects once).

Count tables. A row with ``count`` k stands for k identical graduates (frequency weights).
OLS on the graduates is then weighted least squares on the rows, which is OLS on the rows
scaled by sqrt(k) (:meth:`DiDPanel.weigh`): every estimator works in those scaled coordinates.
There a cluster's score ``sum_i sqrt(k_i) x_i * sqrt(k_i) e_i`` is the graduates' score
``sum_i k_i x_i e_i``, the bootstrap's residual projections are the graduates' ones, and a
leave-one-cluster-out refit is the graduates' refit; only the small-sample factors must count
graduates, ``N = sum k``, not rows (:attr:`DiDPanel.n`, :attr:`FWLPieces.n_obs`). So estimates, CR1,
CR3 and the wild cluster bootstrap (same seed) equal those on the microdata
(tests/test_counts.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.evaluation.common import (
    EvaluationInputError,
    as_binary,
    as_float,
    as_int,
    dummy_matrix,
    factor_codes,
    require_columns,
)


@dataclass
class DiDPanel:
    """One outcome's DiD panel as arrays: the rows with a non-missing outcome.

    Attributes
    ----------
    y : ndarray of float
        The outcome per row.
    treated, post : ndarray of bool
        Reformed major; cohort at or after the reform cohort.
    cohort : ndarray of int
        Graduation cohort per row.
    unit_codes, cohort_codes, cluster_codes : ndarray of int
        Codes 0..k-1 of the unit (major), cohort and cluster (:func:`factor_codes`).
    cluster_labels : ndarray
        The clusters' values, ``cluster_labels[cluster_codes]``.
    n_dropped : int
        Graduates left out for a missing outcome.
    w : ndarray of int or None
        Graduates per row of a count table (all > 0), None for microdata.

    Build it with :func:`did_panel`.
    """

    y: np.ndarray
    treated: np.ndarray  # bool, per row
    cohort: np.ndarray  # int, per row
    post: np.ndarray  # bool
    unit_codes: np.ndarray
    cohort_codes: np.ndarray
    cluster_codes: np.ndarray
    cluster_labels: np.ndarray
    n_dropped: int
    #: graduates per row (a count table's counts, all > 0), or None: one per row
    w: np.ndarray | None = None

    @property
    def n(self) -> int:
        """Graduates (observations): the sum of the counts, or the rows."""
        return len(self.y) if self.w is None else int(self.w.sum())

    @property
    def n_rows(self) -> int:
        """Rows of the arrays (a count table's rows stand for several graduates each)."""
        return len(self.y)

    def weigh(self, values: np.ndarray) -> np.ndarray:
        """Rows scaled by sqrt(count): OLS on the result is WLS with frequency weights."""
        if self.w is None:
            return values
        root = np.sqrt(self.w.astype(float))
        return values * (root if values.ndim == 1 else root[:, None])

    @property
    def n_clusters(self) -> int:
        """Distinct clusters."""
        return len(np.unique(self.cluster_codes))

    def fe_matrix(self) -> np.ndarray:
        """Unit dummies (all levels) and cohort dummies (first level dropped)."""
        return np.hstack([dummy_matrix(self.unit_codes, False), dummy_matrix(self.cohort_codes, True)])


def did_panel(data, outcome, treated, cohort, reform_cohort, cluster, unit, where,
              weights: str | None = None) -> DiDPanel:
    """The panel of one outcome; ``weights`` names a count column (graduates per row).

    Rows with a missing outcome are dropped and counted in graduates (``n_dropped``); rows of
    count 0 stand for no graduate and are left out.

    Parameters
    ----------
    data : DataFrame
        Graduate-level rows (or a count table with ``weights``).
    outcome, treated, cohort, cluster, unit : str
        Column names: the outcome, the reformed-major indicator (0/1), the graduation cohort,
        the cluster of the inference and the unit of the fixed effects.
    reform_cohort : int
        First post-reform cohort.
    where : str
        The calling function, named in errors.
    weights : str, optional
        Column of graduates per row (whole numbers >= 0).

    Returns
    -------
    DiDPanel

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"y": [0.1, None, 0.3, 0.4], "treated_major": [1, 1, 0, 0],
    ...                      "cohort": [2021, 2022, 2021, 2022], "major": list("aabb")})
    >>> p = did_panel(data, "y", "treated_major", "cohort", 2022, "major", "major", "did")
    >>> p.n, p.n_dropped, p.post.tolist()
    (3, 1, [False, False, True])
    """
    require_columns(data, [outcome, treated, cohort, cluster, unit]
                    + ([weights] if weights else []), where)
    y_all = as_float(data[outcome], outcome, where)
    keep = ~np.isnan(y_all)
    counts = None
    if weights:
        counts = as_float(data[weights], weights, where)
        bad = np.isnan(counts) | (counts < 0) | (counts != np.round(counts))
        if bad.any():
            pos = np.flatnonzero(bad)[:5].tolist()
            raise EvaluationInputError(
                f"{where}: column '{weights}' (graduates per row) must hold whole numbers >= 0; "
                f"{int(bad.sum())} row(s) do not, e.g. positions {pos}")
        n_dropped = int(counts[~keep].sum())
        keep &= counts > 0
        counts = counts[keep].astype(np.int64)
    else:
        n_dropped = int((~keep).sum())
    frame = data.loc[keep]
    coh = as_int(frame[cohort], cohort, where)
    tr = as_binary(frame[treated], treated, where)
    unit_codes, _ = factor_codes(frame[unit].rename(unit))
    cluster_codes, cluster_labels = factor_codes(frame[cluster].rename(cluster))
    cohort_codes, _ = factor_codes(pd.Series(coh, name=cohort))
    return DiDPanel(
        y=y_all[keep], treated=tr, cohort=coh, post=coh >= reform_cohort, unit_codes=unit_codes,
        cohort_codes=cohort_codes, cluster_codes=cluster_codes, cluster_labels=cluster_labels,
        n_dropped=n_dropped, w=counts,
    )


def design_problem(panel: DiDPanel) -> str | None:
    """Why a DiD is not estimable on this panel, or None.

    Not estimable: no rows, an empty cell of (treated, comparison) x (pre, post), or fewer
    than 3 clusters.

    Parameters
    ----------
    panel : DiDPanel

    Returns
    -------
    str or None
        The reason, worded for the result's method column.

    Examples
    --------
    >>> import pandas as pd
    >>> data = pd.DataFrame({"y": [0.1, 0.2, 0.3, 0.4], "treated_major": [1, 1, 0, 0],
    ...                      "cohort": [2021, 2022, 2021, 2022], "major": list("aabb")})
    >>> design_problem(did_panel(data, "y", "treated_major", "cohort", 2022, "major",
    ...                          "major", "did"))
    'only 2 cluster(s); cluster-robust inference needs at least 3'
    """
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


def residualize(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """M v = v - Q Q'v, the residual of v on the column space of Q (orthonormal columns).

    Parameters
    ----------
    q : ndarray, shape (n, k)
        Orthonormal basis (:func:`orthonormal_basis`).
    v : ndarray, shape (n,) or (n, m)

    Returns
    -------
    ndarray, the shape of ``v``

    Examples
    --------
    >>> import numpy as np
    >>> residualize(np.ones((2, 1)) / np.sqrt(2), np.array([1.0, 3.0]))
    array([-1.,  1.])
    """
    return v - q @ (q.T @ v)


def orthonormal_basis(mat: np.ndarray) -> np.ndarray:
    """Orthonormal basis of the column space (robust to collinear dummy columns).

    Parameters
    ----------
    mat : ndarray, shape (n, k)

    Returns
    -------
    ndarray, shape (n, rank)

    Examples
    --------
    >>> import numpy as np
    >>> orthonormal_basis(np.array([[1.0, 1.0], [1.0, 1.0]])).shape
    (2, 1)
    """
    if mat.shape[1] == 0:
        return np.zeros((mat.shape[0], 0))
    u, s, _ = np.linalg.svd(mat, full_matrices=False)
    tol = s.max() * max(mat.shape) * np.finfo(float).eps
    return u[:, s > tol]


@dataclass
class FWLPieces:
    """Frisch-Waugh-Lovell pieces of the one-regressor DiD model y = D b + FE + e.

    Attributes
    ----------
    y_t, d_t : ndarray
        M y and M D, the outcome and the treatment residualised on the fixed effects.
    dd : float
        D~'D~.
    beta : float
        The DiD estimate D~'y~ / D~'D~.
    resid : ndarray
        y~ - beta D~.
    k : int
        Parameters (D and the fixed effects, counted by rank).
    n_obs : int
        Observations of the small-sample factors (graduates, not rows).

    Built by :func:`fwl_pieces`.
    """

    y_t: np.ndarray  # M y
    d_t: np.ndarray  # M D
    dd: float  # D~'D~
    beta: float
    resid: np.ndarray
    k: int  # number of parameters (D and the fixed effects, counted by rank)
    n_obs: int = 0  # observations of the small-sample factors (graduates, not rows)


def fwl_pieces(y: np.ndarray, d: np.ndarray, fe: np.ndarray, n_obs: int | None = None) -> FWLPieces:
    """FWL pieces; ``y``, ``d`` and ``fe`` already scaled by :meth:`DiDPanel.weigh` for a count
    table, ``n_obs`` its graduates (default: the rows).

    Parameters
    ----------
    y, d : ndarray, shape (n,)
        Outcome and treatment (treated x post).
    fe : ndarray, shape (n, k)
        Fixed-effect dummies.
    n_obs : int, optional

    Returns
    -------
    FWLPieces

    Raises
    ------
    numpy.linalg.LinAlgError
        When the treatment is collinear with the fixed effects.

    Examples
    --------
    >>> import numpy as np
    >>> fw = fwl_pieces(np.array([1.0, 2.0, 3.0, 5.0]), np.array([0.0, 0.0, 0.0, 1.0]),
    ...                 np.array([[1.0, 0], [1, 0], [0, 1], [0, 1]]))
    >>> fw.beta, fw.k
    (2.0, 3)
    """
    q = orthonormal_basis(fe)
    y_t = residualize(q, y)
    d_t = residualize(q, d)
    dd = float(d_t @ d_t)
    if dd <= 1e-12 * max(1.0, float(d @ d)):
        raise np.linalg.LinAlgError("treatment indicator is collinear with the fixed effects")
    beta = float(d_t @ y_t) / dd
    return FWLPieces(y_t=y_t, d_t=d_t, dd=dd, beta=beta, resid=y_t - beta * d_t, k=q.shape[1] + 1,
                     n_obs=len(y) if n_obs is None else int(n_obs))
