"""Rendering of configurational results: the Ragin-Fiss configuration chart (HTML table and
matplotlib figure) and the NCA scatter plot with ceiling lines.

Inputs are the tables/results of :func:`talentlab.qca.configuration_table` and
:func:`talentlab.qca.nca`; every function returns a string or a Figure and writes nothing (save
with :func:`talentlab.report.plotting.savefig`). Labels in English (``lang="en"``) or Chinese
(``"zh"``); data text is HTML-escaped. Pass ``synthetic=True`` when the data are synthetic: the
table/figure is then labelled so.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.patches import Circle

from talentlab.qca.configuration import parse_glyph
from talentlab.report import plotting as tp

__all__ = ["configuration_table_html", "plot_configuration_table", "plot_nca"]



def _t(key: str, lang: str) -> str:
    """The chart's words, from the one label lookup (:func:`talentlab.report.plotting.label`)."""
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return tp.label(f"configuration chart: {key}", lang)


def _label(name: str, labels: Mapping | None, lang: str) -> str:
    if not labels or name not in labels:
        return name
    v = labels[name]
    if isinstance(v, str):
        return v
    return v[0 if lang == "en" else 1]


def _fmt(v, digits: int) -> str:
    if isinstance(v, str):
        return v
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{float(v):.{digits}f}"


def _check(table: pd.DataFrame) -> None:
    if not isinstance(table.index, pd.MultiIndex) or "condition" not in table.index.levels[0]:
        raise ValueError("pass the DataFrame returned by talentlab.qca.configuration_table()")


def configuration_table_html(
    table: pd.DataFrame,
    lang: str = "en",
    labels: Mapping | None = None,
    digits: int = 3,
    caption: str | None = None,
    synthetic: bool = False,
    show_cases: bool = True,
) -> str:
    """The configuration chart as an HTML table (escaped; core glyphs large, peripheral small).

    Parameters
    ----------
    table : DataFrame
        From :func:`talentlab.qca.configuration_table`.
    lang : {"en", "zh"}
    labels : mapping, optional
        Condition name -> label, or -> (English, Chinese) pair.
    digits : int
        Decimals of the parameters of fit.
    caption : str, optional
        Default "Configurations for <outcome>".
    synthetic : bool
        Mark the table as computed on synthetic data.
    show_cases : bool
        Include the row listing the cases of each configuration.

    Examples
    --------
    >>> t = pd.DataFrame({"1": ["●", "", 0.9, 0.8, 0.5, 0.4, "a<b", 0.9, 0.8, 0.5]},
    ...     index=pd.MultiIndex.from_tuples([("condition", "A"), ("condition", "B"),
    ...         ("configuration", "consistency"), ("configuration", "PRI"),
    ...         ("configuration", "raw coverage"), ("configuration", "unique coverage"),
    ...         ("configuration", "cases"), ("solution", "consistency"), ("solution", "PRI"),
    ...         ("solution", "coverage")]))
    >>> out = configuration_table_html(t, caption="Y")
    >>> "a&lt;b" in out and "qca-core" in out
    True
    """
    _check(table)
    cols = list(table.columns)
    outcome = table.attrs.get("outcome", "")
    cap = caption if caption is not None else _t("title", lang).format(outcome=outcome)
    if synthetic:
        cap = f"{cap} ({_t('synthetic', lang)})"
    out = ['<table class="qca-configurations">', f"<caption>{html.escape(cap)}</caption>",
           "<thead><tr>", f'<th scope="col">{html.escape(_t("condition", lang))}</th>']
    for c in cols:
        out.append(f'<th scope="col">{html.escape(_t("configuration", lang))} '
                   f"{html.escape(str(c))}</th>")
    out.append("</tr></thead><tbody>")
    for (section, row), values in table.iterrows():
        if section == "condition":
            name = _label(str(row), labels, lang)
            out.append(f'<tr><th scope="row">{html.escape(name)}</th>')
            for v in values:
                sign, role, level = parse_glyph(v)
                if sign is None:
                    out.append('<td class="qca-blank"></td>')
                    continue
                title = f"{role} {sign}" + (f" [{level}]" if level else "")
                out.append(f'<td class="qca-{role}" title="{html.escape(title)}">'
                           f"{html.escape(v)}</td>")
            out.append("</tr>")
        elif section == "configuration":
            if row == "cases" and not show_cases:
                continue
            out.append(f'<tr class="qca-fit"><th scope="row">{html.escape(_t(row, lang))}</th>')
            out += [f"<td>{html.escape(_fmt(v, digits))}</td>" for v in values]
            out.append("</tr>")
        else:  # solution rows span all configurations
            key = f"solution {row}"
            out.append(f'<tr class="qca-solution"><th scope="row">{html.escape(_t(key, lang))}'
                       f'</th><td colspan="{len(cols)}">{html.escape(_fmt(values.iloc[0], digits))}'
                       "</td></tr>")
    out.append("</tbody></table>")
    out.append(f'<p class="qca-legend">{html.escape(_t("legend", lang))}</p>')
    style = ("<style>.qca-configurations td{text-align:center}"
             ".qca-configurations .qca-core{font-size:1.4em}"
             ".qca-configurations .qca-peripheral{font-size:0.85em}</style>")
    return style + "\n".join(out)


def _draw_glyph(ax, x, y, sign, role, level):
    r = 0.28 if role == "core" else 0.15
    if sign == "present":
        ax.add_patch(Circle((x, y), r, color="#222222"))
    else:
        ax.add_patch(Circle((x, y), r, fill=False, lw=1.6 if role == "core" else 1.0,
                            color="#222222"))
        d = r / np.sqrt(2)
        kw = {"color": "#222222", "lw": 1.6 if role == "core" else 1.0}
        ax.plot([x - d, x + d], [y - d, y + d], **kw)
        ax.plot([x - d, x + d], [y + d, y - d], **kw)
    if level:
        ax.text(x + r + 0.05, y, f"[{level}]", va="center", ha="left", fontsize=8)


def plot_configuration_table(
    table: pd.DataFrame,
    lang: str = "en",
    labels: Mapping | None = None,
    digits: int = 2,
    title: str | None = None,
    synthetic: bool = False,
):
    """The configuration chart as a figure (drawn symbols: filled circle = present, crossed
    circle = absent; large = core, small = peripheral).

    Returns
    -------
    matplotlib Figure
    """
    _check(table)
    tp.setup()
    cols = list(table.columns)
    cond = table.loc["condition"]
    fit_rows = [r for r in table.loc["configuration"].index if r != "cases"]
    sol = table.loc["solution"]
    n_rows = len(cond) + len(fit_rows) + len(sol)
    fig, ax = plt.subplots(figsize=(2.2 + 1.1 * len(cols), 0.42 * n_rows + 1.4))
    ax.set_xlim(-2.6, len(cols) - 0.4)
    ax.set_ylim(-n_rows - 0.4, 0.9)
    ax.set_aspect("equal", adjustable="box")
    ax.axis("off")
    for j, c in enumerate(cols):
        ax.text(j, 0.4, str(c), ha="center", va="center", fontweight="bold")
    y = -0.5
    for name, values in cond.iterrows():
        ax.text(-2.5, y, _label(str(name), labels, lang), ha="left", va="center")
        for j, v in enumerate(values):
            sign, role, level = parse_glyph(v)
            if sign:
                _draw_glyph(ax, j, y, sign, role, level)
        y -= 1
    ax.axhline(y + 0.5, color="#888888", lw=0.6)
    for name in fit_rows:
        ax.text(-2.5, y, _t(name, lang), ha="left", va="center", fontsize=9)
        for j, v in enumerate(table.loc[("configuration", name)]):
            ax.text(j, y, _fmt(v, digits), ha="center", va="center", fontsize=9)
        y -= 1
    ax.axhline(y + 0.5, color="#888888", lw=0.6)
    for name, values in sol.iterrows():
        ax.text(-2.5, y, _t(f"solution {name}", lang), ha="left", va="center", fontsize=9)
        ax.text((len(cols) - 1) / 2, y, _fmt(values.iloc[0], digits), ha="center", va="center",
                fontsize=9)
        y -= 1
    outcome = table.attrs.get("outcome", "")
    ax.set_title(title if title is not None else _t("title", lang).format(outcome=outcome))
    fig.text(0.01, 0.01, _t("legend", lang).split(". ")[0], fontsize=6.5, ha="left",
             va="bottom", wrap=True)
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_nca(
    result,
    condition: str | None = None,
    lang: str = "en",
    labels: Mapping | None = None,
    title: str | None = None,
    synthetic: bool = False,
    annotate: bool = False,
):
    """Scatter plot of one condition against the outcome with the NCA ceiling lines.

    Parameters
    ----------
    result : NCAResult
        From :func:`talentlab.qca.nca`.
    condition : str, optional
        Default the first condition of the analysis.
    annotate : bool
        Write case names next to the points (small data).

    Returns
    -------
    matplotlib Figure
    """
    tp.setup()
    x = condition or result.x[0]
    if x not in result.x:
        raise ValueError(f"{x!r} was not analysed; conditions: {result.x}")
    data = result.data[[x, result.y]].dropna()
    fig, ax = plt.subplots(figsize=(5.6, 4.6))
    ax.scatter(data[x], data[result.y], s=28, color="#4d4d4d", zorder=3,
               label=_t("cases_label", lang))
    peers = result.peers[x]
    ax.scatter(peers["x"], peers["y"], s=60, facecolors="none", edgecolors="#b2182b", zorder=4,
               label=_t("peers", lang))
    s = result.summary.set_index(["condition", "ceiling"])
    styles = {"ce_fdh": {"color": "#2166ac", "lw": 1.6},
              "cr_fdh": {"color": "#e08214", "lw": 1.4, "ls": "--"}}
    handles = []
    for k in ("ce_fdh", "cr_fdh"):
        if (x, k) not in result.lines:
            continue
        lx, ly = result.lines[(x, k)]
        row = s.loc[(x, k)]
        y_lo, y_hi = row["y_min"], row["y_max"]
        ax.plot(lx, np.clip(ly, y_lo, y_hi), zorder=2, **styles[k])
        text = f"{_t(k, lang)} ({_t('effect', lang)} = {row['effect_size']:.2f}"
        if np.isfinite(row["p_value"]):
            text += f", p = {row['p_value']:.3f}"
        handles.append(Line2D([], [], label=text + ")", **styles[k]))
    first = s.loc[(x, "ce_fdh")] if (x, "ce_fdh") in s.index else s.loc[x].iloc[0]
    ax.add_patch(plt.Rectangle((first["x_min"], first["y_min"]), first["x_max"] - first["x_min"],
                               first["y_max"] - first["y_min"], fill=False, lw=0.6,
                               ls=":", color="#888888"))
    if annotate:
        for name, r in data.iterrows():
            ax.annotate(str(name), (r[x], r[result.y]), fontsize=7, xytext=(3, 3),
                        textcoords="offset points")
    xl, yl = _label(x, labels, lang), _label(result.y, labels, lang)
    ax.set_xlabel(xl)
    ax.set_ylabel(yl)
    ax.set_title(title if title is not None else _t("nca_title", lang).format(x=xl, y=yl))
    h, lab = ax.get_legend_handles_labels()
    ax.legend(handles=h + handles, fontsize=7.5, loc="upper center",
              bbox_to_anchor=(0.5, -0.14), ncol=2, frameon=False)
    fig.subplots_adjust(bottom=0.27)
    tp.mark_synthetic(fig, synthetic)
    return fig
