"""The data-overview and quickstart notebooks run through papermill; what they publish respects
privacy (no identifier) and disclosure control (no group of fewer than the threshold)."""

from __future__ import annotations

import pandas as pd
import pytest

import talentlab
from talentlab import report
from talentlab.report.notebook_runner import execute_notebook
from tests.conftest import PROJECT_ROOT

papermill = pytest.importorskip("papermill")
DATA = PROJECT_ROOT / "data" / "raw" / "synthetic" / "paper_claims"


def assert_publishable(out_dir, threshold=10):
    """No identifier of the input and no count below the threshold in what a notebook wrote."""
    leaks = report.scan_for_identifiers(out_dir, talentlab.load_all(DATA).tables())
    assert leaks == []
    for csv in out_dir.rglob("*.csv"):
        table = pd.read_csv(csv)
        for col in ("n", "numerator", "denominator"):
            if col in table and "suppressed" in table:
                shown = pd.to_numeric(table.loc[~table["suppressed"].astype(bool), col],
                                      errors="coerce").dropna()  # "<10" = suppressed count
                assert not ((shown > 0) & (shown < threshold)).any(), (csv.name, col)
    # the report build's own checks: small cells in CSV files and displayed tables, formulas
    from talentlab.report import publish

    problems, _ = publish.disclosure_problems(out_dir, threshold)
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
