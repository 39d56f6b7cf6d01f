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
import re
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


#: Radius (points) of the drawn symbols: core, peripheral.
_GLYPH_RADIUS = {"core": 5.5, "peripheral": 3.0}
#: Font sizes (points) of the chart's texts.
_SIZES = {"title": 11.0, "header": 9.5, "label": 9.0, "value": 9.0, "legend": 7.5, "mark": 8.0}
_PAD = 6.0  # points between columns and around the chart


def _draw_glyph(ax, x, y, sign, role):
    """A filled (present) or crossed (absent) circle at (x, y), in points."""
    r = _GLYPH_RADIUS[role]
    lw = 1.4 if role == "core" else 0.9
    if sign == "present":
        ax.add_patch(Circle((x, y), r, color="#222222", lw=0))
        return
    ax.add_patch(Circle((x, y), r, fill=False, lw=lw, color="#222222"))
    d = r / np.sqrt(2)
    ax.plot([x - d, x + d], [y - d, y + d], color="#222222", lw=lw, solid_capstyle="butt")
    ax.plot([x - d, x + d], [y + d, y - d], color="#222222", lw=lw, solid_capstyle="butt")


class _Measure:
    """Widths and heights of texts (points) from the figure's renderer."""

    def __init__(self, fig):
        self.fig = fig
        self.renderer = fig.canvas.get_renderer()
        self.scale = 72.0 / fig.dpi

    def __call__(self, text: str, size: float) -> tuple[float, float]:
        if not text:
            return 0.0, 0.0
        artist = self.fig.text(0, 0, text, fontsize=size)
        box = artist.get_window_extent(self.renderer)
        artist.remove()
        return box.width * self.scale, box.height * self.scale

    def wrap(self, text: str, size: float, width: float) -> list[str]:
        """``text`` broken into lines no wider than ``width`` points: at spaces, and between
        any two Chinese characters."""
        tokens = re.findall(r"[^\s\u3000-\u9fff\uff00-\uffef]+\s*|[\u3000-\u9fff\uff00-\uffef]\s*|\s+",
                            text)
        lines: list[list[str]] = []
        current: list[str] = []
        for tok in tokens:
            if current and self("".join(current + [tok]).rstrip(), size)[0] > width:
                carried = []
                # a line does not start with closing punctuation (避头): take the last token along
                if tok[0] in _NO_LINE_START and len(current) > 1:
                    carried = [current.pop()]
                lines.append(current)
                current = carried + [tok.lstrip()]
            else:
                current.append(tok)
        if "".join(current).strip():
            lines.append(current)
        return ["".join(line).strip() for line in lines]


#: Characters a wrapped line must not start with (Chinese line-breaking rules, 避头).
_NO_LINE_START = set("，。、：；！？）」』】》,.:;!?)")


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

    The layout is computed from the measured size of every text (the renderer's
    ``get_window_extent``): the label column is as wide as its longest label, each
    configuration column as wide as its widest value or symbol, the legend is wrapped to the
    chart's width and the figure is sized to hold everything, so no two texts overlap and none
    is cut, whatever the number of configurations or the language of the labels.

    Returns
    -------
    matplotlib Figure

    Examples
    --------
    >>> t = pd.DataFrame({"1": ["●", "", 0.9, 0.8, 0.5, 0.4, "a", 0.9, 0.8, 0.5]},
    ...     index=pd.MultiIndex.from_tuples([("condition", "A"), ("condition", "B"),
    ...         ("configuration", "consistency"), ("configuration", "PRI"),
    ...         ("configuration", "raw coverage"), ("configuration", "unique coverage"),
    ...         ("configuration", "cases"), ("solution", "consistency"), ("solution", "PRI"),
    ...         ("solution", "coverage")]))
    >>> fig = plot_configuration_table(t)
    >>> [x.get_text() for x in fig.axes[0].texts][1:4]
    ['Condition', '1', 'A']
    """
    _check(table)
    tp.setup()
    cols = [str(c) for c in table.columns]
    cond = table.loc["condition"]
    fit_rows = [r for r in table.loc["configuration"].index if r != "cases"]
    sol = table.loc["solution"]
    outcome = table.attrs.get("outcome", "")
    head = title if title is not None else _t("title", lang).format(outcome=outcome)
    fig = plt.figure(figsize=(4, 3))
    measure = _Measure(fig)
    size = _SIZES
    # the texts of each column, measured
    labels_col = ([(_t("condition", lang), size["header"])]
                  + [(_label(str(c), labels, lang), size["label"]) for c in cond.index]
                  + [(_t(r, lang), size["label"]) for r in fit_rows]
                  + [(_t(f"solution {r}", lang), size["label"]) for r in sol.index])
    label_w = max(measure(t, s)[0] for t, s in labels_col)
    text_h = max(measure("Ag国", size["value"])[1], measure("Ag国", size["label"])[1])
    widths = []
    for j, c in enumerate(cols):
        w = max(measure(c, size["header"])[0], 2 * _GLYPH_RADIUS["core"])
        for v in cond.iloc[:, j]:
            sign, role, level = parse_glyph(v)
            if level:
                w = max(w, 2 * _GLYPH_RADIUS[role] + 2 + 2 * measure(f"[{level}]", 7)[0])
        for r in fit_rows:
            w = max(w, measure(_fmt(table.loc[("configuration", r)].iloc[j], digits),
                               size["value"])[0])
        widths.append(w + 2 * _PAD)
    sol_values = [_fmt(v.iloc[0], digits) for _, v in sol.iterrows()]
    span = sum(widths)
    sol_w = max((measure(v, size["value"])[0] for v in sol_values), default=0) + 2 * _PAD
    if sol_w > span:  # one configuration narrower than a solution value: widen it
        widths = [w + (sol_w - span) / len(widths) for w in widths]
        span = sol_w
    row_h = max(text_h * 1.6, 2 * _GLYPH_RADIUS["core"] + 4)
    table_w = label_w + _PAD + span
    title_w, title_h = measure(head, size["title"])
    legend_text = _t("legend", lang)
    inner_w = max(table_w, title_w)
    legend_lines = measure.wrap(legend_text, size["legend"], inner_w)
    legend_h = max((measure(line, size["legend"])[1] for line in legend_lines), default=0)
    mark_h = measure(tp.SYNTHETIC_MARK, size["mark"])[1] if synthetic else 0.0
    n_rows = 1 + len(cond) + len(fit_rows) + len(sol)
    total_w = inner_w + 2 * _PAD
    total_h = (_PAD + title_h + _PAD + n_rows * row_h + _PAD
               + len(legend_lines) * legend_h * 1.25 + (mark_h + _PAD if synthetic else 0) + _PAD)
    fig.set_size_inches(total_w / 72.0, total_h / 72.0)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, total_w)
    ax.set_ylim(0, total_h)
    ax.axis("off")
    x0 = _PAD
    centres = np.cumsum([0.0] + widths[:-1]) + np.asarray(widths) / 2 + x0 + label_w + _PAD
    y = total_h - _PAD
    ax.text(x0, y, head, ha="left", va="top", fontsize=size["title"])
    y -= title_h + _PAD
    rule_l, rule_r = x0, x0 + table_w

    def row_centre(k: int) -> float:
        return y - (k + 0.5) * row_h

    ax.plot([rule_l, rule_r], [y, y], color="#222222", lw=0.9)
    ax.text(x0, row_centre(0), _t("condition", lang), ha="left", va="center",
            fontsize=size["header"])
    for j, c in enumerate(cols):
        ax.text(centres[j], row_centre(0), c, ha="center", va="center", fontsize=size["header"])
    k = 1
    ax.plot([rule_l, rule_r], [y - row_h, y - row_h], color="#222222", lw=0.6)
    for name, values in cond.iterrows():
        ax.text(x0, row_centre(k), _label(str(name), labels, lang), ha="left", va="center",
                fontsize=size["label"])
        for j, v in enumerate(values):
            sign, role, level = parse_glyph(v)
            if sign:
                _draw_glyph(ax, centres[j], row_centre(k), sign, role)
                if level:
                    ax.text(centres[j] + _GLYPH_RADIUS[role] + 1, row_centre(k), f"[{level}]",
                            ha="left", va="center", fontsize=7)
        k += 1
    ax.plot([rule_l, rule_r], [y - k * row_h] * 2, color="#888888", lw=0.5)
    for name in fit_rows:
        ax.text(x0, row_centre(k), _t(name, lang), ha="left", va="center",
                fontsize=size["label"])
        for j, v in enumerate(table.loc[("configuration", name)]):
            ax.text(centres[j], row_centre(k), _fmt(v, digits), ha="center", va="center",
                    fontsize=size["value"])
        k += 1
    ax.plot([rule_l, rule_r], [y - k * row_h] * 2, color="#888888", lw=0.5)
    middle = x0 + label_w + _PAD + span / 2
    for (name, _), value in zip(sol.iterrows(), sol_values, strict=True):
        ax.text(x0, row_centre(k), _t(f"solution {name}", lang), ha="left", va="center",
                fontsize=size["label"])
        ax.text(middle, row_centre(k), value, ha="center", va="center", fontsize=size["value"])
        k += 1
    y -= k * row_h
    ax.plot([rule_l, rule_r], [y, y], color="#222222", lw=0.9)
    y -= _PAD
    for line in legend_lines:
        ax.text(x0, y, line, ha="left", va="top", fontsize=size["legend"], color="#333333")
        y -= legend_h * 1.25
    if synthetic:
        fig.text((total_w - _PAD) / total_w, _PAD / total_h, tp.SYNTHETIC_MARK, ha="right",
                 va="bottom", fontsize=size["mark"], color="#b2182b")
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
    # below the figure's lower edge, under the axis label: it covers no point, tick or label
    # (savefig's tight bounding box holds it)
    fig.legend(handles=h + handles, fontsize=7.5, loc="upper center",
               bbox_to_anchor=(0.5, 0.0), ncol=2, frameon=False)
    tp.mark_synthetic(fig, synthetic)
    return fig
