"""Rendering of the configuration chart (HTML, figure) and the NCA plot."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from talentlab.qca import configuration_table, minimize, nca, truth_table
from talentlab.report.figures_configurational import (
    configuration_table_html,
    plot_configuration_table,
    plot_nca,
)


@pytest.fixture(scope="module")
def chart():
    d = pd.DataFrame({"A<x>": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "C": [1, 1, 1, 0, 0],
                      "Y": [1, 1, 0, 0, 1]}, index=["<script>", "b", "c", "d", "e"])
    res = minimize(truth_table(d, "Y"), include="?", directional=["A<x>", "B", "C"])
    return configuration_table(res)


def test_html_is_escaped_bilingual_and_marks_roles(chart):
    en = configuration_table_html(chart, labels={"B": ("Budget", "预算")})
    zh = configuration_table_html(chart, lang="zh", labels={"B": ("Budget", "预算")},
                                  synthetic=True)
    assert "<script>" not in en and "&lt;script&gt;" in en and "A&lt;x&gt;" in en
    assert "Budget" in en and "预算" in zh and "组态" in zh and "合成数据" in zh
    assert en.count('class="qca-core"') == 2 and en.count('class="qca-peripheral"') == 2
    assert 'colspan="2"' in en  # solution rows span the configurations
    with pytest.raises(ValueError):
        configuration_table_html(pd.DataFrame({"a": [1]}))


def test_figures_render(chart, tmp_path: Path):
    fig = plot_configuration_table(chart, lang="zh", synthetic=True)
    assert any("合成数据" in t.get_text() for t in fig.texts)
    plt.close(fig)
    d = pd.DataFrame({"X": [0.1, 0.3, 0.6, 0.8, 0.9, 0.95], "Y": [0.2, 0.3, 0.4, 0.9, 0.8, 1]})
    res = nca(d, "X", "Y", n_permutations=200, seed=3)
    fig = plot_nca(res, annotate=True)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]  # below the figure
    assert any("CE-FDH" in t and "d = " in t for t in labels)
    plt.close(fig)
    with pytest.raises(ValueError, match="not analysed"):
        plot_nca(res, "Z")
