"""The group-time effects ATT(g, t) of :func:`talentlab.evaluation.staggered_did` and their
aggregations (simple, by event time, by adoption year), each with the cluster sums of its
influence function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from talentlab.evaluation.common import EvaluationInputError
from talentlab.evaluation.staggered import limits
from talentlab.evaluation.staggered.sample import (
    TERM_EVENT,
    TERM_EVENT_AVERAGE,
    TERM_GROUP,
    TERM_GROUP_AVERAGE,
    TERM_SIMPLE,
    WHERE,
    Sample,
)


@dataclass
class GroupTimeCell:
    """One ATT(g, t): the effect in year ``time`` on the units first treated in ``group``.

    Attributes
    ----------
    group, time, base_time : int
        Adoption year, year of the effect and the base year it is compared with.
    post : bool
        ``time >= group``.
    att : float
    scores : ndarray or None
        Influence function summed by cluster (length n_clusters); None when not estimable.
    n, n_treated, n_control : int
        Observations (units or rows) in the comparison and in each arm.
    problem : str or None
        Why the cell is not estimable.
    """

    group: int
    time: int
    base_time: int
    post: bool
    att: float
    scores: np.ndarray | None  # influence function summed by cluster (length n_clusters)
    n: int
    n_treated: int
    n_control: int
    problem: str | None = None



def group_time_cells(sample: Sample, control: str, notes: list[str]) -> list[GroupTimeCell]:
    """Every ATT(g, t) of the sample: adoption years x years after the first (R did's
    ``att_gt`` with the varying base period), refused beyond :data:`limits.MAX_CELLS` cells or
    :data:`limits.MAX_CELL_WORK` row-cells.

    Parameters
    ----------
    sample : Sample
        From :func:`~talentlab.evaluation.staggered.sample.panel_sample` or
        :func:`~talentlab.evaluation.staggered.sample.rows_sample`.
    control : {"never_treated", "not_yet_treated"}
    notes : list of str
        Appended to: the cells that are not estimable.

    Returns
    -------
    list of GroupTimeCell

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.evaluation.staggered.sample import panel_sample
    >>> df = pd.DataFrame({"unit": [1, 1, 2, 2, 3, 3], "year": [2020, 2021] * 3,
    ...                    "first_treated": [2021, 2021, 0, 0, 0, 0],
    ...                    "y": [1.0, 2.0, 1.0, 1.5, 1.0, 1.5]})
    >>> s = panel_sample(df, "y", "unit", "year", "first_treated", [], None, None,
    ...                  "never_treated", [])
    >>> [(c.group, c.time, c.att) for c in group_time_cells(s, "never_treated", [])]
    [(2021, 2021, 0.5)]
    """
    periods = sample.periods
    groups = sorted(set(sample.g[sample.g > 0].tolist()))
    n_cells = len(groups) * (len(periods) - 1)
    if n_cells > limits.MAX_CELLS:
        raise EvaluationInputError(
            f"{WHERE}: {len(groups)} adoption years x {len(periods) - 1} years = {n_cells:,} "
            f"group-time effects, more than the limit of {limits.MAX_CELLS:,}")
    rows = sample.n if sample.panel else len(sample.y)
    if rows * n_cells > limits.MAX_CELL_WORK:
        raise EvaluationInputError(
            f"{WHERE}: {rows:,} rows x {n_cells:,} group-time effects exceeds the limit of "
            f"{limits.MAX_CELL_WORK:,} row-cells; aggregate the rows (a count table with "
            "weights) or select years")
    cells = []
    skipped = []
    for gr in groups:
        pre_g = int(np.flatnonzero(periods < gr)[-1])  # the last year before adoption
        treat = sample.g == gr
        for k in range(1, len(periods)):
            post = bool(gr <= periods[k])
            base = pre_g if post else k - 1
            if control == "never_treated":
                ctrl = sample.g == 0
            else:  # not treated by the later of the two years, and not group g itself
                ctrl = (sample.g == 0) | ((sample.g > periods[k]) & ~treat)
            cell = (_cell_panel if sample.panel else _cell_rows)(sample, treat, ctrl, k, base)
            cell.group, cell.time, cell.base_time, cell.post = (
                int(gr), int(periods[k]), int(periods[base]), post)
            if cell.problem is not None:
                skipped.append(f"ATT({gr},{periods[k]}): {cell.problem}")
            cells.append(cell)
    if skipped:
        notes.append(f"{len(skipped)} group-time effect(s) not estimable and left out of the "
                     "aggregations: " + "; ".join(skipped[:10])
                     + (" ..." if len(skipped) > 10 else ""))
    return cells


def _wls(x: np.ndarray, y: np.ndarray, w: np.ndarray):
    """Weighted least squares: coefficients and the inverse cross-product, or None if singular."""
    xw = x * w[:, None]
    a = xw.T @ x
    if np.linalg.matrix_rank(a) < x.shape[1]:  # rank of X'WX = rank of W^(1/2) X
        return None
    a_inv = np.linalg.inv(a)
    return a_inv @ (xw.T @ y), a_inv


def _not_estimable(problem: str, n: int, n_treated: int, n_control: int) -> GroupTimeCell:
    return GroupTimeCell(group=0, time=0, base_time=0, post=False, att=np.nan, scores=None, n=n,
                 n_treated=n_treated, n_control=n_control, problem=problem)


def _cell_panel(sample: Sample, treat, ctrl, k: int, base: int) -> GroupTimeCell:
    """Sant'Anna & Zhao's outcome-regression panel DiD (R DRDID::reg_did_panel) on one cell."""
    n_t, n_c = int(treat.sum()), int(ctrl.sum())
    if n_t == 0 or n_c == 0:
        return _not_estimable("no treated units" if n_t == 0 else "no comparison units",
                              n_t + n_c, n_t, n_c)
    dy = sample.y[:, k] - sample.y[:, base]
    x = sample.x[:, base, :]  # covariates of the earlier year, as R
    w = sample.w
    fit = _wls(x[ctrl], dy[ctrl], w[ctrl])
    if fit is None:
        return _not_estimable("covariates collinear among the comparison units", n_t + n_c,
                              n_t, n_c)
    beta, a_inv = fit
    resid = dy - x @ beta
    w_t = w[treat].sum()
    att = float(w[treat] @ resid[treat] / w_t)
    x_bar_t = (w[treat] @ x[treat]) / w_t
    # influence function / n: the treated mean's and the comparison regression's parts
    psi = np.zeros(sample.n)
    psi[treat] = w[treat] * (resid[treat] - att) / w_t
    psi[ctrl] = -w[ctrl] * resid[ctrl] * (x[ctrl] @ (a_inv @ x_bar_t))
    scores = np.bincount(sample.cluster_codes, psi, minlength=sample.n_clusters)
    return GroupTimeCell(0, 0, 0, False, att, scores, n_t + n_c, n_t, n_c)


def _cell_rows(sample: Sample, treat, ctrl, k: int, base: int) -> GroupTimeCell:
    """Sant'Anna & Zhao's outcome-regression DiD for repeated cross-sections
    (R DRDID::reg_did_rc) on one cell: the treated's change minus the comparison's
    covariate-predicted change."""
    in_post = sample.period_index == k
    in_pre = sample.period_index == base
    t1, t0 = treat & in_post, treat & in_pre
    c1, c0 = ctrl & in_post, ctrl & in_pre
    n_t, n_c = int((t1 | t0).sum()), int((c1 | c0).sum())
    empty = [name for name, m in (("treated, year t", t1), ("treated, base year", t0),
                                  ("comparison, year t", c1), ("comparison, base year", c0))
             if not m.any()]
    if empty:
        return _not_estimable("no observations for " + ", ".join(empty), n_t + n_c, n_t, n_c)
    y, x, w = sample.y, sample.x, sample.w
    fit1 = _wls(x[c1], y[c1], w[c1])
    fit0 = _wls(x[c0], y[c0], w[c0])
    if fit1 is None or fit0 is None:
        return _not_estimable("covariates collinear among the comparison units", n_t + n_c,
                              n_t, n_c)
    (b1, a1_inv), (b0, a0_inv) = fit1, fit0
    w_t1, w_t0 = w[t1].sum(), w[t0].sum()
    m_t1, m_t0 = w[t1] @ y[t1] / w_t1, w[t0] @ y[t0] / w_t0
    tr = t1 | t0
    w_t = w[tr].sum()
    x_bar_t = (w[tr] @ x[tr]) / w_t
    att = float((m_t1 - m_t0) - x_bar_t @ (b1 - b0))
    psi = np.zeros(len(y))
    psi[t1] += w[t1] * (y[t1] - m_t1) / w_t1
    psi[t0] -= w[t0] * (y[t0] - m_t0) / w_t0
    psi[tr] -= w[tr] * ((x[tr] - x_bar_t) @ (b1 - b0)) / w_t
    psi[c1] -= w[c1] * (y[c1] - x[c1] @ b1) * (x[c1] @ (a1_inv @ x_bar_t))
    psi[c0] += w[c0] * (y[c0] - x[c0] @ b0) * (x[c0] @ (a0_inv @ x_bar_t))
    scores = np.bincount(sample.cluster_codes, psi, minlength=sample.n_clusters)
    return GroupTimeCell(0, 0, 0, False, att, scores, n_t + n_c, n_t, n_c)



def aggregations(sample: Sample, cells: list[GroupTimeCell], notes: list[str]):
    """The simple, event-time and group aggregations of the estimable ATT(g, t), each a row
    with its estimate and the cluster sums of its influence function (R did's ``aggte``)."""
    # group shares p_g and the cluster sums of their influence function (weights estimated)
    groups = np.array(sorted({c.group for c in cells}), dtype=int)
    wsum = sample.w.sum()
    share = np.array([sample.w[sample.g == gr].sum() / wsum for gr in groups])
    share_scores = np.column_stack([
        np.bincount(sample.cluster_codes,
                    sample.w * ((sample.g == gr) - share[j]) / wsum, minlength=sample.n_clusters)
        for j, gr in enumerate(groups)]) if len(groups) else np.zeros((sample.n_clusters, 0))
    group_pos = {int(gr): j for j, gr in enumerate(groups)}
    n_in_group = {int(gr): int((sample.g == gr).sum()) for gr in groups}

    ok = [c for c in cells if c.problem is None]
    if not any(c.post for c in ok):
        raise EvaluationInputError(
            f"{WHERE}: no post-treatment effect ATT(g, t) is estimable: "
            + "; ".join(notes[-3:] or ["no cell"]))
    att = np.array([c.att for c in ok])
    scores = np.column_stack([c.scores for c in ok])
    cell_share = np.array([share[group_pos[c.group]] for c in ok])
    cell_share_scores = share_scores[:, [group_pos[c.group] for c in ok]]

    def aggregate(idx, with_share_scores):
        idx = np.asarray(idx, dtype=int)
        weights_k = cell_share[idx] / cell_share[idx].sum()
        est = float(att[idx] @ weights_k)
        s = scores[:, idx] @ weights_k
        if with_share_scores:
            s = s + share_influence(cell_share_scores[:, idx], cell_share[idx]) @ att[idx]
        return est, s

    # simple: post-treatment cells weighted by group size
    post_idx = [k for k, c in enumerate(ok) if c.post]
    simple_est, simple_s = aggregate(post_idx, True)
    simple_rows = [{"term": TERM_SIMPLE, "estimate": simple_est, "scores": simple_s,
                    "n_treated": sum(n_in_group[g] for g in {ok[k].group for k in post_idx}),
                    "primary": True, "problem": None}]

    # event time: cells with t - g = e, group-size weights; average over e >= 0
    event = np.array([c.time - c.group for c in ok])
    event_rows = []
    for e in sorted(set(event.tolist())):
        idx = np.flatnonzero(event == e)
        est, s = aggregate(idx, True)
        event_rows.append({"term": TERM_EVENT, "event_time": e, "estimate": est, "scores": s,
                           "n_treated": sum(n_in_group[ok[k].group] for k in idx),
                           "primary": False, "problem": None})
    nonneg = [r for r in event_rows if r["event_time"] >= 0]
    event_avg = {"term": TERM_EVENT_AVERAGE, "event_time": np.nan,
                 "estimate": float(np.mean([r["estimate"] for r in nonneg])),
                 "scores": np.mean([r["scores"] for r in nonneg], axis=0),
                 "n_treated": sum(n_in_group[g] for g in {ok[k].group for k in post_idx}),
                 "primary": True, "problem": None}

    # group: post-treatment cells of each adoption year; group-size weighted average
    group_rows = []
    for gr in groups:
        idx = [k for k in post_idx if ok[k].group == gr]
        if not idx:
            continue
        est, s = aggregate(idx, False)
        group_rows.append({"term": TERM_GROUP, "group": int(gr), "estimate": est, "scores": s,
                           "n_treated": n_in_group[int(gr)], "primary": False,
                           "problem": None})
    g_att = np.array([r["estimate"] for r in group_rows])
    g_share = np.array([share[group_pos[r["group"]]] for r in group_rows])
    g_scores = np.column_stack([r["scores"] for r in group_rows])
    g_share_scores = share_scores[:, [group_pos[r["group"]] for r in group_rows]]
    group_avg = {"term": TERM_GROUP_AVERAGE, "group": np.nan,
                 "estimate": float(g_att @ g_share / g_share.sum()),
                 "scores": g_scores @ (g_share / g_share.sum())
                 + share_influence(g_share_scores, g_share) @ g_att,
                 "n_treated": sum(r["n_treated"] for r in group_rows), "primary": True,
                 "problem": None}

    return simple_rows, event_rows, event_avg, group_rows, group_avg


def share_influence(centered: np.ndarray, share: np.ndarray) -> np.ndarray:
    """Influence (cluster sums) of the aggregation weights p_k / sum(p) (R did's ``wif``)."""
    total = share.sum()
    return centered / total - np.outer(centered.sum(axis=1), share / total**2)

