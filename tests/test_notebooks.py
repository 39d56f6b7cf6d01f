"""The data-overview and quickstart notebooks run through papermill; what they publish respects
privacy (no identifier) and disclosure control (no group of fewer than the threshold); the tables
they show have no raw NaN / <NA>; notebook 11 stands aside on data with comparison majors."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import talentlab
from talentlab import report
from talentlab.data.disclosure import MIN_CELL
from talentlab.report.display import MISSING, shown
from talentlab.report.notebook_runner import execute_notebook
from tests.conftest import PROJECT_ROOT

papermill = pytest.importorskip("papermill")
DATA = PROJECT_ROOT / "data" / "raw" / "synthetic" / "paper_claims"


def assert_publishable(out_dir, min_cell=MIN_CELL):
    """No identifier of the input and no count below the threshold in what a notebook wrote."""
    leaks = report.scan_for_identifiers(out_dir, talentlab.load_all(DATA).tables())
    assert leaks == []
    for csv in out_dir.rglob("*.csv"):
        table = pd.read_csv(csv)
        for col in ("n", "numerator", "denominator"):
            if col in table and "suppressed" in table:
                shown = pd.to_numeric(table.loc[~table["suppressed"].astype(bool), col],
                                      errors="coerce").dropna()  # "<10" = suppressed count
                assert not ((shown > 0) & (shown < min_cell)).any(), (csv.name, col)
    # the report build's own checks: small cells in CSV files and displayed tables, formulas
    from talentlab.report import publish

    problems, _ = publish.disclosure_problems(out_dir, min_cell)
    assert problems == []
    assert publish.formula_problems(out_dir) == []


@pytest.mark.slow
@pytest.mark.parametrize("name", ["00_quickstart", "00_data_overview"])
def test_notebook_runs_and_publishes_safely(tmp_path, name):
    nb = PROJECT_ROOT / "notebooks" / f"{name}.ipynb"
    execute_notebook(str(nb), str(tmp_path / f"{name}.ipynb"), kernel_name="python3",
                               parameters={"data_dir": str(DATA), "output_dir": str(tmp_path)},
                               cwd=str(nb.parent), progress_bar=False)
    assert list((tmp_path / "figures").glob("*.png"))
    assert_publishable(tmp_path)


#: How pandas writes a missing value in a table, as a whole cell of its HTML or text rendering.
RAW_MISSING = re.compile(r"<td>(NaN|&lt;NA&gt;|None|NaT|nan)</td>|\s(NaN|<NA>|NaT)(\s|$)")


def raw_missing_in_tables(executed) -> list[str]:
    """The displayed tables (HTML and plain text outputs) of an executed notebook that show a
    raw missing value."""
    import nbformat

    found = []
    for i, cell in enumerate(nbformat.read(str(executed), as_version=4).cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            for kind in ("text/html", "text/plain"):
                if kind in data and RAW_MISSING.search(data[kind]):
                    found.append(f"cell {i} {kind}: {RAW_MISSING.search(data[kind]).group(0)!r}")
    return found


def test_shown_writes_every_kind_of_missing_value_as_a_dash():
    table = pd.DataFrame({
        "estimate": [0.123456789, np.nan],
        "n": pd.array([12, None], dtype="Int64"),
        "share": pd.array([0.5, None], dtype="Float64"),
        "label": pd.array(["a", None], dtype="string"),
        "note": ["x", None],
        "when": pd.to_datetime(["2024-01-01", None]),
    })
    assert RAW_MISSING.search(table.to_html()) and RAW_MISSING.search(repr(table))
    out = shown(table)
    assert not RAW_MISSING.search(out.to_html()) and not RAW_MISSING.search(repr(out))
    assert (out.iloc[1] == MISSING).all()
    assert out.loc[0, "estimate"] == 0.1235 and out.loc[0, "n"] == 12
    pd.testing.assert_frame_equal(table.iloc[:1].assign(estimate=0.1235).astype(object),
                                  out.iloc[:1].astype(object), check_dtype=False)
    assert shown(table.iloc[:1]).dtypes["n"] == "Int64"  # nothing missing: the dtype is kept


@pytest.mark.slow
def test_its_notebook_stands_aside_with_comparison_majors(tmp_path):
    """On data with comparison majors notebook 11 says notebook 10 evaluates the claims, and
    publishes only that (no estimate, no claims table)."""
    nb = PROJECT_ROOT / "notebooks" / "11_zhuhai_interrupted_time_series.ipynb"
    execute_notebook(str(nb), str(tmp_path / "executed.ipynb"), kernel_name="python3",
                     parameters={"data_dir": str(DATA), "output_dir": str(tmp_path)},
                     cwd=str(nb.parent), progress_bar=False)
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["design"]["design"] == "did"
    assert "notebook 10" in results["notes"][0] and results["truth_coverage"] is None
    assert "its_effects" not in results
    assert not list(tmp_path.glob("*.csv"))
    assert_publishable(tmp_path)
