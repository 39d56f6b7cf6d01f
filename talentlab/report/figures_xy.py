"""XY plots of set relations for any case table, as SetMethods 4.0 ``xy.plot`` draws them: cases
by membership in a condition (x) and the outcome (y), the 0.5 crossovers, the diagonal, the
parameters of fit above the plot, plus the case type of each quadrant (Schneider & Rohlfing 2013)
written beside it (above 1 or below 0 on the y axis). The data come from :func:`talentlab.qca.xy.xy_data`; saving with
:func:`talentlab.report.plotting.savefig` gives the same PNG bytes on every run.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from talentlab.qca.xy import XYData, xy_data
from talentlab.report import plotting as tp

__all__ = ["QUADRANT_LABELS", "xy_plot"]

#: Quadrant captions (English, 中文): sufficiency and necessity, by corner.
QUADRANT_LABELS = {
    "sufficiency": {
        "upper right": ("typical / consistent", "典型案例"),
        "lower right": ("deviant consistency", "一致性偏离案例"),
        "upper left": ("deviant coverage", "覆盖度偏离案例"),
        "lower left": ("individually irrelevant", "个体无关案例"),
    },
    "necessity": {
        "upper right": ("typical / consistent", "典型案例"),
        "lower right": ("deviant relevance", "相关性偏离案例"),
        "upper left": ("deviant consistency", "一致性偏离案例"),
        "lower left": ("individually irrelevant", "个体无关案例"),
    },
}

#: Where each quadrant's caption goes (data coordinates): in bands above 1 and below 0 that no
#: membership reaches, so a caption never covers a case.
_CORNERS = {"upper right": (0.75, 1.07), "lower right": (0.75, -0.07),
            "upper left": (0.25, 1.07), "lower left": (0.25, -0.07)}


def xy_plot(
    xy: XYData | pd.DataFrame,
    x: str | None = None,
    y: str | None = None,
    necessity: bool = False,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    lang: str = "en",
    case_labels: bool = True,
    quadrant_labels: bool = True,
):
    """Draw an XY plot with the fit line and quadrant captions.

    Parameters
    ----------
    xy : XYData or DataFrame
        The result of :func:`talentlab.qca.xy.xy_data`, or a case table (then give ``x``,
        ``y`` and ``necessity``).
    x, y, necessity
        Passed to :func:`~talentlab.qca.xy.xy_data` when ``xy`` is a table.
    title, xlabel, ylabel : str, optional
        Texts of the plot (default: the relation, the expression, the outcome); English and
        Chinese in one label are fine.
    lang : "en" or "zh"
        Language of the quadrant captions and the default title.
    case_labels, quadrant_labels : bool
        Write the case names beside the points; write the case type in each quadrant.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> d = pd.DataFrame({"A": [0.2, 0.8, 0.9, 0.6], "Y": [0.3, 0.9, 0.6, 0.2]},
    ...                  index=list("abcd"))
    >>> fig = xy_plot(d, "A", "Y")
    >>> fig.axes[0].get_title(loc="left")
    'Cons.Suf: 0.720; Cov.Suf: 0.900; PRI: 0.562'
    >>> plt.close(fig)
    """
    if not isinstance(xy, XYData):
        if x is None or y is None:
            raise ValueError("xy_plot: give an XYData, or a case table with x and y "
                             "(请给出 XYData，或案例表与 x、y)")
        xy = xy_data(xy, x, y, necessity=necessity)
    tp.setup()
    fig, ax = plt.subplots(figsize=(6.0, 6.0))
    ax.plot([0, 1], [0, 1], color="#333333", lw=0.8)
    for v in (0.5, 1.0):
        ax.axvline(v, color="#333333", lw=0.8)
        ax.axhline(v, color="#333333", lw=0.8)
    points = xy.points
    ax.scatter(points["x"], points["y"], s=22, color="black", zorder=3)
    if case_labels:
        for name, row in points.iterrows():
            ax.annotate(str(name), (row["x"], row["y"]), xytext=(3, 3),
                        textcoords="offset points", fontsize=7, fontstyle="italic")
    if quadrant_labels:
        captions = QUADRANT_LABELS["necessity" if xy.necessity else "sufficiency"]
        for corner, (en, zh) in captions.items():
            cx, cy = _CORNERS[corner]
            ax.text(cx, cy, en if lang == "en" else zh, ha="center", va="center",
                    fontsize=8, color="#555555", gid=f"quadrant-{corner}")
    ax.set_xlim(-0.02, 1.05)
    ax.set_ylim(-0.12, 1.12)
    ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
    ax.set_xlabel(xlabel or xy.x)
    ax.set_ylabel(ylabel or xy.y)
    relation = ("necessary" if xy.necessity else "sufficient") if lang == "en" else \
        ("必要" if xy.necessity else "充分")
    default = (f"{xy.x} as {relation} for {xy.y}" if lang == "en"
               else f"{xy.x} 对 {xy.y} 的{relation}性")
    ax.set_title(xy.label, loc="left", fontsize=9, color="#444444")
    fig.suptitle(title or default, x=0.125, ha="left", fontsize=12, fontweight="bold")
    return fig
