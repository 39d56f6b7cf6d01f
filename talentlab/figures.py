"""Figures the notebooks draw (one theme, English or Chinese labels, synthetic data stamped).

Each function takes tables or results, returns a matplotlib Figure, and leaves saving to
:func:`talentlab.plotting.savefig`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from talentlab import plotting as tp
from talentlab.schema import atomic_write_text

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
    """Share of each destination by cohort (counts and shares, long)."""
    counts = (graduates.groupby(["cohort", "destination"], observed=False).size()
              .rename("n").reset_index())
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
    ax.set_title("Graduate destinations by cohort" if lang == "en" else "各届毕业生去向构成")
    ax.legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=8, frameon=False)
    ax.tick_params(axis="x", rotation=0)
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_rating_items(ratings: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Distribution of the five employer-rating items (1–5)."""
    tp.setup()
    long = ratings.melt(value_vars=RATING_ITEMS, var_name="item", value_name="rating").dropna()
    long["rating"] = long["rating"].astype(int)
    share = (long.groupby(["item", "rating"]).size() / long.groupby("item").size()).rename(
        "share").reset_index()
    fig, ax = plt.subplots(figsize=(8, 4))
    sns.barplot(data=share, x="item", y="share", hue="rating", ax=ax, palette="crest")
    ax.set_xlabel("")
    ax.set_ylabel(tp.label("share", lang))
    ax.set_title("Employer ratings by item (1–5)" if lang == "en" else "用人单位评价各题项分布（1–5分）")
    ax.tick_params(axis="x", rotation=15)
    tp.mark_synthetic(fig, synthetic)
    return fig


def plot_evaluation_scores(evaluations: pd.DataFrame, lang: str = "en", synthetic: bool = False):
    """Three-party evaluation scores by party and dimension."""
    tp.setup()
    fig, ax = plt.subplots(figsize=(8, 4))
    sns.boxplot(data=evaluations, x="dimension", y="score", hue="party", ax=ax, fliersize=1)
    ax.set_xlabel("")
    ax.set_ylabel("Score (0–100)" if lang == "en" else "得分（0–100）")
    ax.set_title("Three-party evaluation scores" if lang == "en" else "学校、企业、行业三方评价得分")
    ax.tick_params(axis="x", rotation=15)
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
    axes[0].set_title("Double-qualified teacher ratio" if lang == "en" else "双师型教师比例")
    axes[1].set_title("Co-developed course share" if lang == "en" else "校企合作开发课程占比")
    for ax in axes:
        ax.set_ylabel(tp.label("share", lang))
        ax.set_xlabel("Academic year" if lang == "en" else "学年")
    axes[1].legend(bbox_to_anchor=(1.01, 1), loc="upper left", fontsize=7, frameon=False)
    tp.mark_synthetic(fig, synthetic)
    return fig


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return _jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if np.isnan(v) else round(v, 10)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if obj is pd.NA or obj is None:
        return None
    if isinstance(obj, Path):
        return obj.as_posix()
    return obj


def write_results(output_dir: str | os.PathLike, results: dict) -> Path:
    """Write ``results.json`` (sorted keys, rounded floats) so reruns give identical bytes."""
    path = Path(output_dir) / "results.json"
    atomic_write_text(path, json.dumps(_jsonable(results), ensure_ascii=False, indent=2,
                                       sort_keys=True) + "\n")
    return path


def write_table(df: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a published table as CSV (UTF-8, stable float format)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, df.to_csv(index=False, lineterminator="\n", float_format="%.6g"))
    return path


__all__ = ["plot_destinations", "plot_evaluation_scores", "plot_programme_trends",
           "plot_rating_items", "table_sizes", "write_results", "write_table"]
