"""Figures: Chinese glyphs render with the shipped font, and files are byte-stable."""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
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
