"""The tables journals print (Word, LaTeX, CSV) and the configuration chart's layout (issue 25,
items 2 and 4)."""

from __future__ import annotations

import io
import zipfile
from itertools import combinations
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from talentlab.qca import configuration_table, minimize, truth_table  # noqa: E402
from talentlab.report.figures_configurational import plot_configuration_table  # noqa: E402
from talentlab.report.qca_tables import (  # noqa: E402
    configuration_csv,
    configuration_docx,
    configuration_latex,
    csv_bytes,
    truth_table_csv,
    truth_table_docx,
    truth_table_latex,
)

REFERENCE = Path(__file__).resolve().parent / "reference" / "qca"


@pytest.fixture(scope="module")
def lf_result():
    lf = pd.read_csv(REFERENCE / "LF.csv", index_col=0)
    tt = truth_table(lf, "SURV", incl_cut=0.8)
    return tt, minimize(tt, include="?", directional=["DEV", "URB", "LIT", "IND", "STB"])


@pytest.fixture(scope="module")
def lf_chart(lf_result):
    return configuration_table(lf_result[1])


def _docx_tables(data: bytes):
    import docx

    return docx.Document(io.BytesIO(data))


# -------------------------------------------------------------------------------- Word
def test_configuration_docx_is_a_three_line_table_with_the_symbols_and_3_decimals(lf_chart):
    doc = _docx_tables(configuration_docx(lf_chart))
    (table,) = doc.tables
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == ["Condition", "1", "2"]
    assert cells[1] == ["DEV", "•", "●"]          # peripheral present, core present
    assert cells[4] == ["IND", "", "⊗"]           # core absent
    assert cells[6] == ["Consistency", "0.901", "0.814"]
    assert cells[9] == ["Unique coverage", "0.378", "0.191"]
    assert cells[10][0] == "Solution consistency" and cells[10][1] == "0.866"
    assert len(table.rows[10].cells[1]._tc.xpath("./w:tcPr/w:gridSpan")) == 1  # merged
    sizes = {r.text: r.font.size.pt for row in table.rows for c in row.cells
             for p in c.paragraphs for r in p.runs if r.text in ("●", "•", "⊗")}
    assert sizes["●"] > sizes["•"]
    xml = table._tbl.xml
    assert xml.count('w:sz="12"') == 2 * 3  # top and bottom rules over the three columns
    assert 'w:val="nil"' in xml and "insideV" in xml  # no vertical lines
    assert "Ragin & Fiss 2008" in doc.paragraphs[-1].text
    styles = doc.styles["Normal"].element.xml
    assert 'w:eastAsia="SimSun"' in styles


def test_docx_chinese_labels_and_identical_bytes(lf_chart, lf_result):
    zh = configuration_docx(lf_chart, lang="zh", labels={"DEV": ("Development", "发展水平")})
    doc = _docx_tables(zh)
    cells = [[c.text for c in row.cells] for row in doc.tables[0].rows]
    assert cells[0][0] == "条件" and cells[1][0] == "发展水平" and cells[6][0] == "一致性"
    assert configuration_docx(lf_chart, lang="zh", labels={"DEV": ("Development", "发展水平")}
                              ) == zh
    with zipfile.ZipFile(io.BytesIO(zh)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    tt = lf_result[0]
    tdoc = _docx_tables(truth_table_docx(tt))
    rows = [[c.text for c in row.cells] for row in tdoc.tables[0].rows]
    assert rows[0] == ["Row", "DEV", "URB", "LIT", "IND", "STB", "OUT", "n", "Consistency",
                       "PRI", "Cases"]
    assert rows[-1] == ["32", "1", "1", "1", "1", "1", "1", "4", "0.904", "0.886", "BE,CZ,NL,UK"]
    assert len(rows) == 1 + 9  # observed rows only
    assert truth_table_docx(tt) == truth_table_docx(tt)


# ------------------------------------------------------------------------------- LaTeX
def test_latex_tables_use_booktabs_macros_and_escape(lf_chart, lf_result):
    tex = configuration_latex(lf_chart)
    for piece in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tabular}{lcc}",
                  r"DEV & \qcaperipheralpresent & \qcacorepresent \\",
                  r"IND &  & \qcacoreabsent \\", r"Consistency & 0.901 & 0.814 \\",
                  r"Solution coverage & \multicolumn{2}{c}{0.660} \\", r"Ragin \& Fiss"):
        assert piece in tex, piece
    assert "●" not in tex and "⊗" not in tex  # pdfLaTeX has no such glyphs: macros
    tt = lf_result[0]
    ttex = truth_table_latex(tt, lang="zh")
    assert r"32 & 1 & 1 & 1 & 1 & 1 & 1 & 4 & 0.904 & 0.886 & BE,CZ,NL,UK \\" in ttex
    assert "一致性" in ttex and r"\caption{SURV 的真值表}" in ttex
    chart = lf_chart.copy()
    chart.attrs = dict(lf_chart.attrs, outcome="Y_1 & 50%")
    assert r"\caption{Configurations for Y\_1 \& 50\%}" in configuration_latex(chart)


# --------------------------------------------------------------------------------- CSV
def test_csv_files_carry_a_bom_3_decimals_and_no_formulas(lf_chart, lf_result):
    raw = configuration_csv(lf_chart)
    assert raw.startswith(b"\xef\xbb\xbf")
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", dtype=str, keep_default_na=False)
    assert frame.iloc[0].tolist() == ["DEV", "•", "●"]
    assert frame.iloc[5].tolist() == ["Consistency", "0.901", "0.814"]
    assert frame.iloc[-1].tolist() == ["Cases", "BE,CZ,NL,UK", "FI,IE"]
    tt = pd.read_csv(io.BytesIO(truth_table_csv(lf_result[0], digits=2)), encoding="utf-8-sig",
                     dtype=str)
    assert tt.iloc[-1]["Consistency"] == "0.90" and tt.iloc[-1]["PRI"] == "0.89"
    hostile = csv_bytes(pd.DataFrame({"case": ["=HYPERLINK(\"x\")", "-0.5", "@SUM(A1)"]}),
                        index=False).decode("utf-8-sig").splitlines()
    assert hostile[1:] == ['"\'=HYPERLINK(""x"")"', "-0.5", "'@SUM(A1)"]


# ------------------------------------------------------------------------ chart layout
def _synthetic_chart(n: int, lang: str) -> pd.DataFrame:
    """A chart of ``n`` configurations with long (Chinese) condition names, every kind of
    symbol and multi-value levels."""
    names = (["发展水平", "城市化程度很高的地区", "识字率", "工业化", "政治稳定"] if lang == "zh"
             else ["Development", "Urbanisation of the region", "LIT", "IND", "STB"])
    glyphs = ["●", "•", "⨂", "⊗", "", "●[2]"]
    rng = np.random.default_rng(n)
    index = ([("condition", c) for c in names]
             + [("configuration", r) for r in ("consistency", "PRI", "raw coverage",
                                               "unique coverage", "cases")]
             + [("solution", r) for r in ("consistency", "PRI", "coverage")])
    data = {str(j + 1): [glyphs[k] for k in rng.integers(0, 6, len(names))]
            + list(rng.random(4)) + ["a,b"] + [0.8659, 0.8386, 0.6596] for j in range(n)}
    table = pd.DataFrame(data, index=pd.MultiIndex.from_tuples(index, names=["section", "row"]),
                         dtype=object)
    table.attrs["outcome"] = "存活" if lang == "zh" else "SURV"
    return table


def _text_boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    texts = [t for t in fig.texts if t.get_text()]
    for ax in fig.axes:
        texts += [t for t in ax.texts if t.get_text()]
    return [(t.get_text(), t.get_window_extent(renderer)) for t in texts]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("n", range(1, 9))
def test_chart_texts_never_overlap_and_stay_inside_the_figure(n, lang):
    fig = plot_configuration_table(_synthetic_chart(n, lang), lang=lang, synthetic=True)
    boxes = _text_boxes(fig)
    frame = fig.bbox
    assert len(boxes) >= 5 + 1 + n + 4 * n + 6
    for text, box in boxes:
        assert (box.x0 >= frame.x0 and box.y0 >= frame.y0 and box.x1 <= frame.x1
                and box.y1 <= frame.y1), (text, box, frame)
    for (t1, b1), (t2, b2) in combinations(boxes, 2):
        overlap = min(b1.x1, b2.x1) - max(b1.x0, b2.x0) > 0.5 and \
            min(b1.y1, b2.y1) - max(b1.y0, b2.y0) > 0.5
        assert not overlap, (t1, t2)
    plt.close(fig)


def test_chart_of_the_lf_solution_keeps_every_value_clear(lf_chart):
    """The issue's case: "Raw coverage" ran into "0.47", "Unique coverage" into "0.38"."""
    fig = plot_configuration_table(lf_chart)
    boxes = dict(_text_boxes(fig))
    assert boxes["Raw coverage"].x1 < boxes["0.47"].x0
    assert boxes["Unique coverage"].x1 < boxes["0.38"].x0
    assert boxes["Solution consistency"].x1 < boxes["0.87"].x0
    plt.close(fig)
