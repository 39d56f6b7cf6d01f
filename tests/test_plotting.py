"""Figures: Chinese glyphs render with the shipped font, and files are byte-stable."""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import pytest

import talentlab.report.plotting as tp


def _draw(text: str):
    tp.setup()
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.set_title(text)
    ax.plot([0, 1], [0, 1], label=text)
    ax.legend()
    return fig


def test_chinese_label_renders_without_missing_glyphs(tmp_path):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*[Gg]lyph.*missing.*")
        warnings.filterwarnings("error", message=".*missing from font.*")
        fig = _draw("专业对口率 counterpart employment rate")
        tp.savefig(fig, tmp_path / "zh.png")
        plt.close(fig)
    used = matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties(family=tp.CJK_FAMILY))
    assert used.endswith(tp.CJK_FONT_FILE)


def test_missing_glyph_would_be_caught(tmp_path):
    """The guard above can fail: DejaVu alone has no CJK glyphs and warns."""
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.set_title("专业对口率", family="DejaVu Sans")
    with pytest.warns(UserWarning, match="[Gg]lyph"):
        fig.savefig(tmp_path / "bad.png")
    plt.close(fig)


@pytest.mark.parametrize("suffix", [".png", ".svg", ".pdf"])
def test_savefig_is_byte_stable(tmp_path, suffix):
    fig = _draw("岗位适应期 adaptation")
    a = tp.savefig(fig, tmp_path / f"a{suffix}").read_bytes()
    b = tp.savefig(fig, tmp_path / f"b{suffix}").read_bytes()
    plt.close(fig)
    assert a == b
    assert b"Matplotlib v" not in a and b"matplotlib.org" not in a.lower() or suffix == ".svg"


def test_labels_in_both_languages():
    assert tp.label("treated", "en") == "Reformed majors"
    assert tp.label("treated", "zh") == "改革专业"
    with pytest.raises(ValueError):
        tp.label("treated", "fr")


def test_one_label_lookup_backed_by_the_codebook():
    """plotting.label is the figures' only lookup: indicator codes come from the codebook,
    QCA set names and texts from the same registry (figures_qca keeps no table of its own)."""
    from talentlab.data.codebook import INDICATORS
    from talentlab.data.codebook import label as codebook_label
    from talentlab.report import figures_qca

    for row in INDICATORS:
        code = row["code"]
        if code in tp.LABELS or code in tp.SET_LABELS:
            continue
        assert (tp.label(code, "en"), tp.label(code, "zh")) == codebook_label(code)
    assert tp.label("counterpart_employment_rate", "both") == " / ".join(
        codebook_label("counterpart_employment_rate"))
    assert figures_qca.set_label("mechanism", "zh") == tp.label("mechanism", "zh") == "协同机制"
    assert tp.label("heatmap_title", "en").startswith("Case × condition")
    assert figures_qca.SET_LABELS is tp.SET_LABELS
    assert not hasattr(figures_qca, "_t") and not hasattr(figures_qca, "_TEXT")
    assert tp.label("not_a_known_key", "zh") == "not_a_known_key"


@pytest.fixture(scope="module")
def shipped_data():
    import talentlab
    from tests.conftest import PROJECT_ROOT

    return talentlab.load_all(PROJECT_ROOT / "data/raw/synthetic/paper_claims")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_legends_and_stamp_cover_no_data_and_ticks_are_labels(shipped_data, lang):
    """Issue 23: every figure of the data overview, stamped as synthetic, has its legend outside
    the axes and its stamp in the margin (no overlap with a data area, tick label, axis label or
    title), and names rating items, dimensions and parties by their labels, not field names."""
    from talentlab.report import figures

    d = shipped_data
    drawn = {
        "destinations": figures.plot_destinations(d.graduates, lang=lang, synthetic=True),
        "ratings": figures.plot_rating_items(d.employer_ratings, lang=lang, synthetic=True),
        "evaluations": figures.plot_evaluation_scores(d.evaluations, lang=lang, synthetic=True),
        "programmes": figures.plot_programme_trends(d.programmes, lang=lang, synthetic=True),
    }
    for name, fig in drawn.items():
        assert tp.layout_overlaps(fig) == [], name
        ticks = [t.get_text() for ax in fig.axes for t in ax.get_xticklabels()]
        assert not {"practical_skill", "professional_quality", "school", "enterprise"} & set(
            " ".join(t.split()) for t in ticks), (name, ticks)
        plt.close(fig)
    want = "实践技能" if lang == "zh" else "Practical skill"
    fig = figures.plot_evaluation_scores(d.evaluations, lang=lang)
    assert want in [t.get_text() for t in fig.axes[0].get_xticklabels()]
    plt.close(fig)


def test_layout_check_sees_a_legend_on_the_data_and_a_stamp_on_a_label():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend(loc="center")
    fig.text(0.5, 0.02, tp.SYNTHETIC_MARK, gid="talentlab-synthetic-mark", ha="center")
    ax.set_xlabel("a label under the axes")
    problems = tp.layout_overlaps(fig)
    plt.close(fig)
    assert any(p.startswith("axes 0 legend covers axes 0 data area") for p in problems), problems
    assert any(p.startswith("synthetic-data stamp covers") for p in problems), problems


def test_destination_shares_weight_a_count_table_as_its_microdata(shipped_data):
    """Issue 20: a count table (one row per cohort x destination with a ``count``) gives the
    graduates and shares of the microdata it sums up, not its number of rows."""
    from talentlab.report.figures import destination_shares

    micro = shipped_data.graduates
    counts = (micro.groupby(["cohort", "destination"], observed=True).size()
              .rename("count").reset_index())
    counts = counts[counts["count"] > 0]
    assert len(counts) < len(micro)
    a = destination_shares(micro).sort_values(["cohort", "destination"]).reset_index(drop=True)
    b = destination_shares(counts).sort_values(["cohort", "destination"]).reset_index(drop=True)
    assert a["n"].sum() == len(micro)
    pd.testing.assert_frame_equal(a[["n", "share"]], b[["n", "share"]], check_dtype=False)


def test_qca_figures_keep_legends_off_points_bars_and_labels():
    """The NCA plot's legend under the figure (it covered the x label) and the robustness bars'
    legend beside the axes (it sat on the bars)."""
    import numpy as np

    from talentlab.qca import nca
    from talentlab.report.figures_configurational import plot_nca
    from talentlab.report.figures_qca import plot_robustness

    rng = np.random.default_rng(0)
    d = pd.DataFrame({"A": rng.random(12), "Y": rng.random(12)})
    fig = plot_nca(nca(d, "A", "Y", n_permutations=50, seed=1), synthetic=True)
    assert tp.layout_overlaps(fig) == []
    plt.close(fig)
    terms = pd.DataFrame({"term": ["A*B", "~A*C", "B"], "share": [0.9, 0.4, 0.95],
                          "in_baseline": [True, False, True]})
    fig = plot_robustness(terms)
    assert tp.layout_overlaps(fig) == []
    plt.close(fig)
    # the terms' sets named by their labels, not by field names
    fig = plot_robustness(pd.DataFrame({"term": ["mechanism*~concept", "model"],
                                        "share": [0.8, 0.5], "in_baseline": [True, False]}),
                          lang="zh")
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    plt.close(fig)
    assert sorted(ticks) == ["协同机制*~集群导向培养理念", "培养模式"], ticks
