"""XY plots: the fit line as SetMethods 4.0 ``xy.plot`` writes it (SCHF; values made by
tests/reference/setmethods/make_diagnostics_reference.R), case types, and a deterministic PNG whose
quadrant captions cover no case."""

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError
from talentlab.qca.xy import xy_data
from talentlab.report import plotting as tp
from talentlab.report.figures_xy import xy_plot


@pytest.fixture(scope="module")
def schf(reference_dir):
    return pd.read_csv(reference_dir / "setmethods" / "diag_SCHF.csv", index_col="case")


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "setmethods" / "diagnostics_reference.json")
                      .read_text(encoding="utf-8"))["xy"]


def test_fit_label_is_setmethods(schf, ref):
    assert xy_data(schf, "EMP", "EXPORT", necessity=True).label == ref["nec"]
    assert xy_data(schf, "~EMP", "EXPORT").label == ref["suff"]
    assert xy_data(schf, "EMP", "~EXPORT", cons_h=True).label == ref["suffH"]


def test_case_types_follow_the_crossovers_and_the_diagonal():
    d = pd.DataFrame({"A": [0.9, 0.9, 0.9, 0.2, 0.2, 0.5], "Y": [1.0, 0.7, 0.1, 0.8, 0.1, 0.8]},
                     index=list("abcdef"))
    suff = xy_data(d, "A", "Y").points["quadrant"].tolist()
    assert suff == ["typical", "deviant consistency in degree", "deviant consistency in kind",
                    "deviant coverage", "individually irrelevant", ""]
    nec = xy_data(d, "A", "Y", necessity=True).points["quadrant"].tolist()
    assert nec == ["deviant consistency in degree", "typical", "deviant relevance",
                   "deviant consistency in kind", "individually irrelevant", ""]
    with pytest.raises(QCAError, match="'Z'"):
        xy_data(d, "A", "Z")


def test_png_is_deterministic_and_captions_cover_no_case(schf, tmp_path):
    paths = []
    for i in range(2):
        fig = xy_plot(xy_data(schf, "EMP", "EXPORT", necessity=True),
                      xlabel="EMP 就业保护", ylabel="EXPORT 出口", lang="zh")
        paths.append(tp.savefig(fig, tmp_path / f"xy{i}.png"))
        if i == 0:
            assert tp.layout_overlaps(fig) == []
            fig.canvas.draw()
            renderer = fig.canvas.get_renderer()
            ax = fig.axes[0]
            captions = [t for t in ax.texts if (t.get_gid() or "").startswith("quadrant-")]
            assert len(captions) == 4
            points = ax.transData.transform(np.c_[schf["EMP"], schf["EXPORT"]])
            for caption in captions:
                box = caption.get_window_extent(renderer)
                inside = ((points[:, 0] >= box.x0 - 3) & (points[:, 0] <= box.x1 + 3)
                          & (points[:, 1] >= box.y0 - 3) & (points[:, 1] <= box.y1 + 3))
                assert not inside.any(), caption.get_text()
            assert ax.get_title(loc="left") == "Cons.Nec: 0.580; Cov.Nec: 0.607; RoN: 0.698"
        plt.close(fig)
    assert paths[0].read_bytes() == paths[1].read_bytes()
