"""Cluster diagnostics for pooled panels (SetMethods ``cluster``): is a sufficient (or necessary)
set relation found in the pooled data also found in each cluster (e.g. each year) and in each
unit (e.g. each college followed over the years)?

Formulas from García-Castro & Arino (2016), "A general approach to panel data set-theoretic
research", Journal of Advances in Management Sciences & Information Systems 2: 63-76, as coded in
SetMethods 4.0 (``cluster``, ``cluster.diagnostics``; Oana, Schneider & Thomann 2021). Memberships
are summed per unit x cluster cell (R ``xtabs``); every ratio carries R's ``1e-10`` in numerator and
denominator, so an empty cell reads 1 as in R.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.qca.expressions import QCAError, compute, split_outcome

__all__ = ["MAX_CELLS", "ClusterDiagnostics", "cluster_diagnostics"]

#: SetMethods adds this to numerator and denominator of every ratio (0/0 reads 1).
_EPS = 1e-10

#: Most unit x cluster cells (the tables are dense, as R ``xtabs``): 5 million, 40 MB a table.
MAX_CELLS = 5_000_000


@dataclass
class ClusterDiagnostics:
    """Result of :func:`cluster_diagnostics`.

    ``fit``: one row per set and level (``pooled``, ``between`` per cluster, ``within`` per
    unit) with ``consistency``, ``coverage`` and ``n`` (cases in the group); for necessity,
    ``consistency`` is the necessity consistency (R ``necessity=TRUE``). ``distances``: one row
    per set with ``dBP`` (between to pooled) and ``dWP`` (within to pooled), SetMethods'
    normalised Euclidean distances.
    """

    fit: pd.DataFrame
    distances: pd.DataFrame
    necessity: bool


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    return (num + _EPS) / (den + _EPS)


def _one_set(x, y, unit, cluster, necessity: bool):
    cells = pd.DataFrame({"unit": unit, "cluster": cluster, "x": x, "y": y})
    xt = cells.pivot_table(index="unit", columns="cluster", values="x", aggfunc="sum",
                           fill_value=0.0, sort=True)
    yt = cells.pivot_table(index="unit", columns="cluster", values="y", aggfunc="sum",
                           fill_value=0.0, sort=True).reindex_like(xt)
    xm, ym = xt.to_numpy(float), yt.to_numpy(float)
    both = np.minimum(xm, ym)
    # sufficiency: consistency = sum(min)/sum(x), coverage = sum(min)/sum(y); necessity swaps them
    first, second = (ym, xm) if necessity else (xm, ym)
    pooled_both = np.minimum(x, y).sum()
    pooled = (_ratio(pooled_both, (y if necessity else x).sum()),
              _ratio(pooled_both, (x if necessity else y).sum()))
    between = (_ratio(both.sum(0), first.sum(0)), _ratio(both.sum(0), second.sum(0)))
    within = (_ratio(both.sum(1), first.sum(1)), _ratio(both.sum(1), second.sum(1)))

    def distance(values: np.ndarray) -> float:
        return float(np.sqrt((((values + _EPS) / (values.sum() + _EPS) - 1 / len(values)) ** 2)
                             .sum()))

    n_cluster = cells.groupby("cluster").size().reindex(xt.columns)
    n_unit = cells.groupby("unit").size().reindex(xt.index)
    rows = [("pooled", "", float(pooled[0]), float(pooled[1]), len(cells))]
    rows += [("between", str(c), float(a), float(b), int(n))
             for c, a, b, n in zip(xt.columns, between[0], between[1], n_cluster, strict=True)]
    rows += [("within", str(u), float(a), float(b), int(n))
             for u, a, b, n in zip(xt.index, within[0], within[1], n_unit, strict=True)]
    return rows, distance(between[0]), distance(within[0])


def cluster_diagnostics(
    data: pd.DataFrame,
    sets,
    outcome: str,
    unit: str,
    cluster: str,
    necessity: bool = False,
) -> ClusterDiagnostics:
    """Pooled, between-cluster and within-unit consistency and coverage of set relations.

    Parameters
    ----------
    data : DataFrame
        The panel in long format: one row per unit and cluster (e.g. college and year), with
        the calibrated sets, the outcome, and the unit and cluster columns.
    sets : str or list of str
        Expressions whose relation to the outcome is checked, e.g. ``"EMP*~MA*STOCK"`` or the
        terms of a solution plus the whole model (``result.solutions[0]`` and
        ``" + ".join(result.solutions[0])``).
    outcome : str
        Outcome column; ``"~Y"`` for its negation.
    unit, cluster : str
        Columns naming the unit (R ``unit_id``) and the cluster (R ``cluster_id``).
    necessity : bool
        Check the sets as necessary (consistency = sum(min(x, y)) / sum(y)) instead of
        sufficient (sum(min(x, y)) / sum(x)).

    Returns
    -------
    ClusterDiagnostics
        ``fit`` (tidy: ``set``, ``level``, ``group``, ``consistency``, ``coverage``, ``n``) and
        ``distances`` (``set``, ``dBP``, ``dWP``).

    Notes
    -----
    ``dBP = sqrt(sum_j (b_j / sum(b) - 1/J)^2)`` over the J between-cluster consistencies, and
    ``dWP`` likewise over the N within-unit consistencies (García-Castro & Arino 2016; SetMethods
    4.0 ``cluster``). Groups are ordered by their names as text. Refused beyond
    :data:`MAX_CELLS` unit x cluster cells.

    Examples
    --------
    >>> panel = pd.DataFrame({"A": [0.9, 0.8, 0.2, 0.7], "Y": [1.0, 0.6, 0.1, 0.9],
    ...                       "college": ["c1", "c1", "c2", "c2"],
    ...                       "year": [2020, 2021, 2020, 2021]})
    >>> res = cluster_diagnostics(panel, "A", "Y", unit="college", cluster="year")
    >>> res.fit.round(3)[["level", "group", "consistency", "coverage", "n"]]
         level group  consistency  coverage  n
    0   pooled              0.885     0.885  4
    1  between  2020        0.909     0.909  2
    2  between  2021        0.867     0.867  2
    3   within    c1        0.882     0.938  2
    4   within    c2        0.889     0.800  2
    >>> res.distances.round(3)
      set    dBP    dWP
    0   A  0.017  0.003
    """
    for col in (unit, cluster):
        if col not in data.columns:
            raise QCAError(f"cluster_diagnostics: column {col!r} not in the data "
                           f"(数据中没有列 {col!r})")
    name, negated = split_outcome(outcome)
    if name not in data.columns:
        raise QCAError(f"cluster_diagnostics: outcome {name!r} not in the data "
                       f"(数据中没有结果变量 {name!r})")
    y = data[name].to_numpy(dtype=float)
    y = 1.0 - y if negated else y
    unit_ids = data[unit].astype(str).to_numpy()
    cluster_ids = data[cluster].astype(str).to_numpy()
    n_units, n_clusters = len(set(unit_ids)), len(set(cluster_ids))
    if n_units * n_clusters > MAX_CELLS:
        raise QCAError(f"cluster_diagnostics: {n_units} units x {n_clusters} clusters are more "
                       f"than {MAX_CELLS:,} cells (单位 x 聚类 的格子数超过上限)")
    expressions = [sets] if isinstance(sets, str) else list(sets)
    fit_rows, dist_rows = [], []
    for expression in expressions:
        x = compute(expression, data)
        rows, d_bp, d_wp = _one_set(x, y, unit_ids, cluster_ids, necessity)
        fit_rows += [(expression, *r) for r in rows]
        dist_rows.append((expression, d_bp, d_wp))
    fit = pd.DataFrame(fit_rows, columns=["set", "level", "group", "consistency", "coverage", "n"])
    distances = pd.DataFrame(dist_rows, columns=["set", "dBP", "dWP"])
    return ClusterDiagnostics(fit=fit, distances=distances, necessity=necessity)
