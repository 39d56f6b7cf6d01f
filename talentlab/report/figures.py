"""Figures the notebooks draw (one theme, English or Chinese labels, synthetic data stamped).

Each function takes tables or results, returns a matplotlib Figure, and leaves saving to
:func:`talentlab.report.plotting.savefig`.
"""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from talentlab.data.disclosure import check_min_cell
from talentlab.report import plotting as tp

# JSON/CSV export lives in talentlab.report.export; the names stay importable from here
from talentlab.report.export import write_results, write_table  # noqa: F401

DESTINATION_LABELS = {
    "employed_full_time": ("Employed full-time", "全职就业"),
    "employed_part_time": ("Employed part-time", "非全职就业"),
    "self_employed": ("Self-employed", "自主创业"),
    "military": ("Military service", "应征入伍"),
    "further_study": ("Further study", "升学"),
    "preparing_further_study": ("Preparing for further study", "准备升学"),
    "unemployed": ("Unemployed", "待就业"),
    "unknown": ("Unknown", "去向不明"),
}
RATING_ITEMS = ["practical_skill", "post_adaptability", "professional_quality", "problem_solving",
                "learning_ability"]


def _lang_index(lang: str) -> int:
    return {"en": 0, "zh": 1}[lang]


def table_sizes(data) -> pd.DataFrame:
    """Rows and columns of each record table (totals only: nothing to suppress)."""
    return pd.DataFrame(
        [(name, len(df), df.shape[1]) for name, df in data.tables().items()],
        columns=["table", "rows", "columns"],
    )


def destination_shares(graduates: pd.DataFrame) -> pd.DataFrame:
    """Graduates and share of each destination by cohort (long: ``cohort``, ``destination``,
    ``n``, ``share``).

    A count table (a ``count`` column, :data:`talentlab.data.schema.COUNT_COLUMN`: each row
    stands for that many graduates) is weighted by it, so it gives the same numbers as the
    microdata it sums up.

    Examples
    --------
    >>> micro = pd.DataFrame({"cohort": [2020] * 4, "destination": ["a", "a", "a", "b"]})
    >>> counts = pd.DataFrame({"cohort": [2020, 2020], "destination": ["a", "b"], "count": [3, 1]})
    >>> destination_shares(counts).equals(destination_shares(micro))
    True
    >>> destination_shares(counts)["share"].tolist()
    [0.75, 0.25]
    """
    from talentlab.data.schema import COUNT_COLUMN

    if COUNT_COLUMN in graduates.columns:
        weight = pd.to_numeric(graduates[COUNT_COLUMN], errors="raise").astype("int64")
    else:
        weight = pd.Series(1, index=graduates.index, dtype="int64")
    counts = (weight.groupby([graduates["cohort"], graduates["destination"]], observed=False)
              .sum().rename("n").reset_index())
    counts["share"] = counts["n"] / counts.groupby("cohort")["n"].transform("sum")
    return counts


def plot_destinations(graduates: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Stacked shares of destinations by cohort."""
    tp.setup()
    shares = destination_shares(graduates).pivot(index="cohort", columns="destination",
                                                 values="share").fillna(0)
    shares.columns = [DESTINATION_LABELS[c][_lang_index(lang)] for c in shares.columns]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    shares.plot(kind="bar", stacked=True, ax=ax, width=0.8,
                color=sns.color_palette("colorblind", shares.shape[1]))
    ax.set_xlabel(tp.label("cohort", lang))
    ax.set_ylabel(tp.label("share", lang))
    ax.set_title(tp.label("destinations_title", lang))
    ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8, frameon=False)
    ax.tick_params(axis="x", rotation=0)
    tp.mark_synthetic(fig, synthetic)
    return fig


def _legend_outside(ax, title: str | None = None, fontsize: float = 8) -> None:
    """The legend of ``ax`` to the right of its axes, where it covers no data."""
    handles, labels = ax.get_legend_handles_labels()
    if ax.get_legend() is not None:
        ax.get_legend().remove()
    if handles:
        ax.legend(handles, labels, title=title, bbox_to_anchor=(1.01, 1), loc="upper left",
                  borderaxespad=0, fontsize=fontsize, title_fontsize=fontsize, frameon=False)


def plot_rating_items(ratings: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Distribution of the five employer-rating items (1–5)."""
    tp.setup()
    long = ratings.melt(value_vars=RATING_ITEMS, var_name="item", value_name="rating").dropna()
    long["rating"] = long["rating"].astype(int)
    share = (long.groupby(["item", "rating"]).size() / long.groupby("item").size()).rename(
        "share").reset_index()
    share["item"] = share["item"].map(lambda c: textwrap.fill(tp.label(c, lang), 14))
    order = [textwrap.fill(tp.label(c, lang), 14) for c in RATING_ITEMS]
    fig, ax = plt.subplots(figsize=(8, 4))
    sns.barplot(data=share, x="item", y="share", hue="rating", ax=ax, palette="crest",
                order=[o for o in order if o in set(share["item"])])
    ax.set_xlabel("")
    ax.set_ylabel(tp.label("share", lang))
    ax.set_title(tp.label("ratings_title", lang))
    _legend_outside(ax, title=tp.label("rating", lang))
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_evaluation_scores(evaluations: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Three-party evaluation scores by party and dimension."""
    tp.setup()
    shown = evaluations.assign(
        dimension=evaluations["dimension"].astype(str).map(lambda c: tp.label(c, lang)),
        party=evaluations["party"].astype(str).map(lambda c: tp.label(c, lang)))
    fig, ax = plt.subplots(figsize=(8, 4))
    sns.boxplot(data=shown, x="dimension", y="score", hue="party", ax=ax, fliersize=1)
    ax.set_xlabel("")
    ax.set_ylabel(tp.label("score_0_100", lang))
    ax.set_title(tp.label("evaluation_title", lang))
    _legend_outside(ax, title=tp.label("party", lang))
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_programme_trends(programmes: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Double-qualified teacher ratio and co-developed course share by year and major."""
    tp.setup()
    p = programmes.copy()
    p["double_qualified_ratio"] = p["double_qualified_teachers"] / p["specialised_teachers"]
    p["co_developed_share"] = p["courses_co_developed"] / p["courses_total"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharex=True)
    sns.lineplot(data=p, x="year", y="double_qualified_ratio", hue="major", ax=axes[0],
                 legend=False, marker="o")
    sns.lineplot(data=p, x="year", y="co_developed_share", hue="major", ax=axes[1], marker="o")
    axes[0].set_title(tp.label("double_qualified_title", lang))
    axes[1].set_title(tp.label("co_developed_title", lang))
    for ax in axes:
        ax.set_ylabel(tp.label("share", lang))
        ax.set_xlabel(tp.label("academic_year", lang))
    axes[1].legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=7, frameon=False)
    tp.mark_synthetic(fig, synthetic)
    return fig


__all__ = ["plot_destinations", "plot_evaluation_scores", "plot_programme_trends",
           "plot_rating_items", "table_sizes", "write_results", "write_table"]


# ----------------------------------------------------------------------------------------------
# the Zhuhai case evaluation
# ----------------------------------------------------------------------------------------------
def _group_name(treated: bool, lang: str) -> str:
    return tp.label("treated" if treated else "comparison", lang)


def plot_indicator_trends(trends: pd.DataFrame, anchors: pd.DataFrame | None = None,
                          reform_cohort: int | None = None, lang: str = "en",
                          synthetic: bool = False):
    """Each indicator by cohort for reformed vs comparison majors, with national anchors.

    Suppressed cells (below the disclosure threshold) are not drawn.
    """
    tp.setup()
    codes = list(dict.fromkeys(trends["indicator"]))
    ncol = 3 if len(codes) > 4 else 2
    nrow = int(np.ceil(len(codes) / ncol))
    fig, axes = plt.subplots(nrow, ncol, figsize=(4.6 * ncol, 3.4 * nrow), squeeze=False)
    for ax, code in zip(axes.flat, codes, strict=False):
        sub = trends[(trends["indicator"] == code) & ~trends["suppressed"].astype(bool)]
        for treated, grp in sub.groupby("treated_major", sort=True):
            grp = grp.sort_values("cohort")
            name = _group_name(bool(treated), lang)
            line, = ax.plot(grp["cohort"], grp["estimate"], marker="o", label=name)
            ax.fill_between(grp["cohort"].astype(float), grp["ci_low"].astype(float),
                            grp["ci_high"].astype(float), color=line.get_color(), alpha=0.15)
        if anchors is not None and len(anchors):
            a = anchors[anchors["indicator"] == code]
            a = a[a["population"].str.contains("China, higher vocational", na=False)]
            for _, row in a.iterrows():
                ax.axhline(row["value"], color="grey", ls=":", lw=1)
                # named in the right margin, beside the axes, where it covers no data
                ax.annotate(f"{tp.label('national_anchor', lang)} {int(row['year'])}",
                            (1.0, row["value"]), xycoords=("axes fraction", "data"),
                            xytext=(3, 0), textcoords="offset points", fontsize=7,
                            color="grey", va="center", ha="left", annotation_clip=False)
        if reform_cohort is not None:
            ax.axvline(reform_cohort - 0.5, color="#b2182b", lw=1, ls="--")
        first = sub.iloc[0] if len(sub) else None
        title = first["label_zh" if lang == "zh" else "label_en"] if first is not None else code
        ax.set_title(textwrap.fill(str(title), 40), fontsize=9)
        ax.set_xlabel(tp.label("cohort", lang))
    for ax in list(axes.flat)[len(codes):]:
        ax.set_visible(False)
    fig.tight_layout()
    # one legend for every panel, below them, where it covers no data
    handles, labels = axes.flat[0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncol=len(handles), fontsize=8, frameon=False)
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_event_study(plot_data: pd.DataFrame, title: str = "", lang: str = "en",
                     synthetic: bool = False):
    """Cohort effects relative to the reference cohort with their intervals."""
    tp.setup()
    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    d = plot_data.sort_values("rel_cohort")
    colors = np.where(d["period"] == "pre", "#4575b4", "#d73027")
    ax.errorbar(d["rel_cohort"], d["estimate"],
                yerr=[d["estimate"] - d["ci_low"], d["ci_high"] - d["estimate"]],
                fmt="none", ecolor="grey", capsize=3)
    ax.scatter(d["rel_cohort"], d["estimate"], c=colors, zorder=3)
    ax.axhline(0, color="black", lw=0.8)
    ax.axvline(-0.5, color="#b2182b", lw=1, ls="--")
    ax.set_xlabel(tp.label("relative_cohort", lang))
    ax.set_ylabel(tp.label("effect", lang))
    ax.set_title(title)
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_km_curves(km_curves: pd.DataFrame, min_cell: int | None = None, lang: str = "en",
                   synthetic: bool = False):
    """Kaplan–Meier curves of still adapting, by group and period, cut where fewer than
    ``min_cell`` graduates remain at risk (disclosure control; default
    :data:`talentlab.data.disclosure.MIN_CELL`)."""
    min_cell = check_min_cell(min_cell)
    tp.setup()
    fig, ax = plt.subplots(figsize=(6.5, 4))
    styles = {"pre": ":", "post": "-"}
    palette = {"treated": "#d73027", "comparison": "#4575b4"}
    for (group, period), d in km_curves.groupby(["group", "period"], sort=True):
        d = d.sort_values("time")
        d = d[d["n_at_risk"] >= min_cell]
        ax.step(d["time"], d["survival"], where="post", ls=styles.get(period, "-"),
                color=palette.get(group), label=f"{tp.label(group, lang)}, {tp.label(period, lang)}")
    ax.set_xlabel(tp.label("months", lang))
    ax.set_ylabel(tp.label("still_adapting", lang))
    ax.set_title(tp.label("adaptation_title", lang))
    _legend_outside(ax)
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_effects(effects: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Forest plot of the primary effect of every outcome (each on its own scale)."""
    tp.setup()
    d = effects.reset_index(drop=True)
    fig, axes = plt.subplots(len(d), 1, figsize=(7, 0.9 * len(d) + 0.8), squeeze=False)
    for ax, (_, r) in zip(axes[:, 0], d.iterrows(), strict=True):
        null = r.get("null_value", 0.0)
        null = 0.0 if pd.isna(null) else float(null)
        ax.errorbar([r["estimate"]], [0], xerr=[[r["estimate"] - r["ci_low"]],
                                                [r["ci_high"] - r["estimate"]]],
                    fmt="o", color="#2166ac", capsize=4)
        ax.axvline(null, color="black", lw=0.8)
        ax.set_yticks([])
        name = r["label_zh"] if lang == "zh" else r["label_en"]
        ax.set_title(f"{name} ({r['scale']})", fontsize=9, loc="left")
        lo, hi = min(r["ci_low"], null), max(r["ci_high"], null)
        pad = 0.15 * (hi - lo) if hi > lo else 1
        ax.set_xlim(lo - pad, hi + pad)
    fig.tight_layout()
    tp.mark_synthetic(fig, synthetic)
    return fig
