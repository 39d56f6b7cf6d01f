"""Figures of the six-case comparison: case x condition heatmap, XY plot, robustness of terms.

Each function takes tables or results, returns a matplotlib Figure and leaves saving to
:func:`talentlab.report.plotting.savefig`. Titles and labels in English (``lang="en"``) or Chinese
(``lang="zh"``). The case memberships are coded from the paper's text, not synthetic, so figures
are not stamped as synthetic.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from talentlab.cases.six_case import DIMENSIONS, OUTCOMES
from talentlab.qca import compute, fit
from talentlab.report import plotting as tp

__all__ = ["SET_LABELS", "STATUS_MARKS", "evidence_matrices", "expression_label",
           "plot_case_heatmap", "plot_robustness", "plot_xy", "set_label"]

#: English and Chinese names of the conditions, dimensions and outcomes: one registry with every
#: figure label, :data:`talentlab.report.plotting.SET_LABELS` (re-exported here).
SET_LABELS = tp.SET_LABELS

#: Suffix shown after a membership in the heatmap, by evidence status (as in CASES.md §9).
STATUS_MARKS = {"stated_present": "", "implied": "i", "not_mentioned": "n", "stated_absent": "a"}


def set_label(name: str, lang: str = "en") -> str:
    """Readable label of a condition, dimension, outcome or expression (expressions unchanged).

    Examples
    --------
    >>> set_label("dual_training", "zh")
    '双元合作实训'
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return tp.label(name, lang)


_SET_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def expression_label(expression: str, lang: str = "en", width: int | None = None) -> str:
    """A Boolean expression of sets (``"mechanism*~concept + model"``) with every set named by
    its label (:func:`set_label`), the operators kept: what a tick label shows instead of field
    names. ``width`` wraps the text at that many characters.

    Examples
    --------
    >>> expression_label("mechanism*~concept")
    'Mechanism*~Cluster-oriented concept'
    >>> expression_label("mechanism + ~support", "zh")
    '协同机制 + ~保障体系'
    """
    text = _SET_NAME.sub(lambda m: set_label(m.group(0), lang), str(expression))
    return textwrap.fill(text, width) if width else text


def evidence_matrices(case_conditions: pd.DataFrame,
                      columns: Sequence[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Wide membership and evidence-status matrices (cases in registry order; columns the ten
    conditions in dimension order, then the outcomes, unless ``columns`` is given)."""
    long = case_conditions.copy()
    long["case_id"] = long["case_id"].astype(str)
    long["condition"] = long["condition"].astype(str)
    cases = list(dict.fromkeys(long["case_id"]))
    if columns is None:
        order = [c for subs in DIMENSIONS.values() for c in subs] + list(OUTCOMES)
        present = set(long["condition"])
        columns = [c for c in order if c in present] + sorted(present - set(order))
    mem = long.pivot(index="case_id", columns="condition", values="membership")
    status = long.pivot(index="case_id", columns="condition", values="evidence_status")
    mem = mem.loc[cases, list(columns)].astype(float)
    status = status.loc[cases, list(columns)].astype(str)
    return mem, status


def plot_case_heatmap(
    memberships: pd.DataFrame,
    status: pd.DataFrame | None = None,
    groups: Mapping[str, Sequence[str]] | None = None,
    lang: str = "en",
    title: str | None = None,
):
    """Heatmap of case x set memberships, annotated with the membership and its evidence status.

    Parameters
    ----------
    memberships : DataFrame
        Cases x sets (e.g. :func:`evidence_matrices` or :func:`talentlab.cases.six_case.case_matrix`).
    status : DataFrame, optional
        Same shape: evidence status of each cell (suffixes :data:`STATUS_MARKS`).
    groups : mapping, optional
        Group name -> columns; vertical lines separate the groups (default: the paper's
        dimensions and the outcomes).
    lang : {"en", "zh"}
    title : str, optional
    """
    tp.setup()
    mem = memberships.astype(float)
    annot = mem.map(lambda v: f"{v:.2f}".rstrip("0").rstrip(".") if v % 1 else f"{v:.0f}")
    if status is not None:
        marks = status.reindex_like(mem).map(lambda s: STATUS_MARKS.get(str(s), ""))
        annot = annot + marks
    width = max(6.0, 0.75 * mem.shape[1] + 3.0)
    fig, ax = plt.subplots(figsize=(width, 0.55 * mem.shape[0] + 2.6))
    sns.heatmap(mem, vmin=0, vmax=1, cmap="crest", annot=annot.to_numpy(), fmt="",
                linewidths=0.5, linecolor="white", ax=ax,
                cbar_kws={"label": tp.label("membership", lang), "shrink": 0.8},
                annot_kws={"fontsize": 8})
    ax.set_xticklabels([set_label(c, lang) for c in mem.columns], rotation=40, ha="right",
                       fontsize=8)
    ax.set_yticklabels(list(mem.index), rotation=0, fontsize=8)
    ax.set_xlabel(tp.label("condition", lang))
    ax.set_ylabel(tp.label("case", lang))
    if groups is None:
        groups = {**{d: subs for d, subs in DIMENSIONS.items()}, "outcomes": list(OUTCOMES)}
    pos = 0
    cols = list(mem.columns)
    boundaries = []
    for subs in groups.values():
        inside = [c for c in subs if c in cols]
        if not inside:
            continue
        pos = max(cols.index(c) for c in inside) + 1
        boundaries.append(pos)
    for b in boundaries[:-1]:
        ax.axvline(b, color="#333333", lw=1.2)
    ax.set_title(title or tp.label("heatmap_title", lang), pad=18 if status is not None else 6)
    if status is not None:
        ax.text(0.0, 1.01, tp.label("heatmap_note", lang), transform=ax.transAxes, fontsize=7,
                color="#555555", ha="left", va="bottom")
    return fig


def plot_xy(
    data: pd.DataFrame,
    x: str,
    y: str,
    lang: str = "en",
    title: str | None = None,
    ax=None,
):
    """XY plot of membership in ``x`` (a set or an expression such as ``"~concept + mechanism"``)
    against the outcome ``y``, with the diagonal, the 0.5 crossovers, case labels and the
    parameters of fit for sufficiency (cases below the diagonal are consistent) and necessity
    (cases above it are consistent).

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.2, 0.8, 0.9], "Y": [0.3, 0.9, 0.6]}, index=list("abc"))
    >>> fig = plot_xy(d, "A", "Y")
    >>> len(fig.axes)
    1
    """
    tp.setup()
    xs = compute(x, data)
    ys = data[y].to_numpy(dtype=float)
    suf = fit(data, x, y, relation="sufficiency").loc["expression"]
    nec = fit(data, x, y, relation="necessity").loc["expression"]
    if ax is None:
        fig, ax = plt.subplots(figsize=(5.6, 5.2))
    else:
        fig = ax.figure
    ax.plot([0, 1], [0, 1], color="#888888", lw=1, ls="--")
    ax.axvline(0.5, color="#bbbbbb", lw=0.8)
    ax.axhline(0.5, color="#bbbbbb", lw=0.8)
    ax.scatter(xs, ys, s=50, color=sns.color_palette("colorblind")[0], zorder=3)
    # stagger the labels of cases sitting on or near the same point
    placed: list[tuple[float, float]] = []
    for name, xv, yv in zip(data.index, xs, ys, strict=True):
        n = sum(1 for px, py in placed if abs(px - xv) < 0.15 and abs(py - yv) < 0.05)
        placed.append((float(xv), float(yv)))
        ax.annotate(str(name), (xv, yv), xytext=(5, 4 - 10 * n), textcoords="offset points",
                    fontsize=7)
    ax.set_xlim(-0.03, 1.08)
    ax.set_ylim(-0.03, 1.05)
    ax.set_xlabel(expression_label(x, lang))
    ax.set_ylabel(expression_label(y, lang))
    if lang == "en":
        box = (f"sufficiency: inclS {suf['inclS']:.2f}, PRI {suf['PRI']:.2f}, "
               f"covS {suf['covS']:.2f}\nnecessity: inclN {nec['inclN']:.2f}, "
               f"RoN {nec['RoN']:.2f}, covN {nec['covN']:.2f}")
    else:
        box = (f"充分性：一致性 {suf['inclS']:.2f}，PRI {suf['PRI']:.2f}，覆盖度 {suf['covS']:.2f}\n"
               f"必要性：一致性 {nec['inclN']:.2f}，RoN {nec['RoN']:.2f}，覆盖度 {nec['covN']:.2f}")
    ax.text(0.0, -0.14, box, transform=ax.transAxes, va="top", ha="left", fontsize=7.5,
            color="#333333")
    ax.set_title(title or tp.label("xy_title", lang).format(x=expression_label(x, lang),
                                                      y=expression_label(y, lang)), fontsize=10)
    return fig


def plot_robustness(terms: pd.DataFrame, lang: str = "en", title: str | None = None):
    """Horizontal bars: share of robustness runs in which each solution term appears
    (:attr:`talentlab.qca.RobustnessResult.terms`)."""
    tp.setup()
    t = terms.sort_values(["in_baseline", "share", "term"], ascending=[True, True, False])
    colors = [sns.color_palette("colorblind")[0] if b else "#bbbbbb" for b in t["in_baseline"]]
    fig, ax = plt.subplots(figsize=(6.5, 0.4 * len(t) + 1.6))
    ax.barh([expression_label(term, lang, width=40) for term in t["term"]], t["share"],
            color=colors)
    ax.set_xlim(0, 1)
    ax.set_xlabel(tp.label("share_runs", lang))
    ax.set_ylabel("")
    for yv, s in enumerate(t["share"].to_numpy(dtype=float)):
        if np.isfinite(s):
            ax.text(min(s + 0.01, 0.9), yv, f"{s:.0%}", va="center", fontsize=8)
    handles = [plt.Rectangle((0, 0), 1, 1, color=sns.color_palette("colorblind")[0]),
               plt.Rectangle((0, 0), 1, 1, color="#bbbbbb")]
    # right of the axes, where it covers no bar
    ax.legend(handles, [tp.label("in_baseline", lang), tp.label("not_in_baseline", lang)], fontsize=8,
              loc="upper left", bbox_to_anchor=(1.01, 1), borderaxespad=0, frameon=False)
    ax.set_title(title or tp.label("robustness_title", lang), fontsize=10)
    return fig
