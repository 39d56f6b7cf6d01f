"""Disclosure control wherever numbers leave (issue 21, item 2): one threshold, the linear
programming audit of suppressed cells, complementary suppression that passes it, and the
``talentlab indicators`` output."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talentlab.data.disclosure import MIN_CELL, MIN_CELL_FLOOR, check_min_cell
from talentlab.report import disclosure, publish
from tests.conftest import SYNTHETIC_DIR

SCENARIO = SYNTHETIC_DIR / "paper_claims"
#: The issue's shape: major M (7 graduates) hidden with its total; every row and column of the
#: body has two hidden cells, yet M's total is 113 - 55 - 51 = (60 + 53) - 106 = 7.
RECOVERABLE = pd.DataFrame({"major": ["A", "B", "M", "Total"], "2019": [30, "<10", "<10", 60],
                            "2020": [25, "<10", "<10", 53], "Total": [55, 51, "<10", 113]})


# ------------------------------------------------------------------------------------------------
# one rule
# ------------------------------------------------------------------------------------------------
def test_one_threshold_with_a_floor():
    assert (MIN_CELL, MIN_CELL_FLOOR) == (10, 5)
    assert check_min_cell(5) == 5 and check_min_cell("12") == 12
    assert check_min_cell(None) == check_min_cell() == MIN_CELL  # None: the default
    for bad in (4, 1, 0, -5, "-5"):
        with pytest.raises(ValueError, match="below the minimum of 5"):
            check_min_cell(bad)
    for bad in (2.5, "ten", True, "5x"):
        with pytest.raises(ValueError, match="not a whole number"):
            check_min_cell(bad)
    # every report-side routine applies the same check
    with pytest.raises(ValueError, match="below the minimum"):
        disclosure.suppress_tidy(pd.DataFrame({"n": [3]}), min_cell=4)
    with pytest.raises(ValueError, match="below the minimum"):
        publish.small_cells(pd.DataFrame({"n": [3]}), "t.csv", min_cell=4)


# ------------------------------------------------------------------------------------------------
# the audit
# ------------------------------------------------------------------------------------------------
def test_feasible_ranges_of_a_hand_computed_table():
    # [[3, 12], [15, 20]] with every margin published and the four inner cells hidden:
    # a + b = 15, c + d = 35, a + c = 18, b + d = 32  =>  a in [0, 15], b = 15 - a in [0, 15],
    # c = 18 - a in [3, 18], d = 17 + a in [17, 32]
    grid = np.array([[3, 12, 15], [15, 20, 35], [18, 32, 50]], dtype=float)
    hidden = np.zeros(grid.shape, bool)
    hidden[:2, :2] = True
    ranges = disclosure.feasible_ranges(grid.ravel(), hidden.ravel(),
                                        disclosure.crosstab_relations(2, 2))
    assert ranges == {0: (0.0, 15.0), 1: (0.0, 15.0), 3: (3.0, 18.0), 4: (17.0, 32.0)}
    assert disclosure.disclosed_cells(grid.ravel(), hidden.ravel(),
                                      disclosure.crosstab_relations(2, 2), 16) == {
        0: (0.0, 15.0), 1: (0.0, 15.0), 3: (3.0, 18.0), 4: (17.0, 32.0)}
    assert disclosure.disclosed_cells(grid.ravel(), hidden.ravel(),
                                      disclosure.crosstab_relations(2, 2), 10) == {}


def test_the_closed_form_of_one_total_agrees_with_linear_programming():
    from scipy.optimize import linprog

    values = np.array([3.0, 4.0, 12.0, 40.0, 59.0])  # four cells and their published total
    hidden = np.array([True, True, True, False, False])
    closed = disclosure.feasible_ranges(values, hidden, [([0, 1, 2, 3], 4)])
    for cell, (low, high) in closed.items():
        ends = [sign * linprog(np.eye(3)[cell] * sign, A_eq=np.ones((1, 3)), b_eq=[19],
                               bounds=[(0, None)] * 3, method="highs").fun for sign in (1, -1)]
        assert (low, high) == pytest.approx(tuple(ends))
    assert closed == {0: (0.0, 19.0), 1: (0.0, 19.0), 2: (0.0, 19.0)}


def test_a_contradicting_total_is_not_an_additive_table():
    with pytest.raises(disclosure.NotAdditive):
        disclosure.feasible_ranges([5.0, 30.0, 20.0], [True, False, False], [([0, 1], 2)])


def test_the_audit_catches_the_total_recoverable_from_margins():
    problems = publish.small_cells(RECOVERABLE, "by_major.csv")
    assert ("by_major.csv: row 2 (major=M), column 'Total' is suppressed but lies within [7, 7] "
            "given the published cells and totals, a range narrower than the threshold 10 "
            "(secondary suppression missing)") in problems
    assert any("row 2 (major=M), column '2019' is suppressed but lies within [0, 7]" in p
               for p in problems)


def test_the_one_line_rule_misses_what_the_audit_catches():
    body = RECOVERABLE.iloc[:3, 1:3].map(lambda v: str(v).startswith("<")).to_numpy()
    # no row and no column of the body has exactly one suppressed cell: the old rule passed it
    assert (body.sum(axis=1) != 1).all() and (body.sum(axis=0) != 1).all()
    # and the suppressed row totals alone do not reveal it either: two of four rows hidden
    assert publish.crosstab_disclosures(RECOVERABLE, "t.csv") != []


def test_suppress_crosstab_protects_the_recoverable_total():
    counts = pd.DataFrame({"2019": [30, 27, 3], "2020": [25, 24, 4]},
                          index=pd.Index(["A", "B", "M"], name="major"))
    published = disclosure.suppress_crosstab(counts)
    assert published.loc["M", "Total"] == "<10"
    assert publish.small_cells(published.reset_index(), "t.csv") == []
    # the old routine hid M's cells, B's complements and M's total, and published B's total
    old = published.copy()
    old.loc["B", "Total"] = 51
    assert publish.small_cells(old.reset_index(), "t.csv") != []


@settings(max_examples=25, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0, 1, 3, 6, 9, 12, 25, 40]), min_size=2, max_size=4),
                min_size=2, max_size=4).filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_every_suppressed_crosstab_passes_the_audit(rows):
    counts = pd.DataFrame(rows, index=pd.Index([f"r{i}" for i in range(len(rows))], name="g"),
                          columns=[f"c{j}" for j in range(len(rows[0]))])
    published = disclosure.suppress_crosstab(counts)
    table = published.reset_index()
    assert publish.crosstab_disclosures(table, "t.csv") == []
    shown = published.map(lambda v: not isinstance(v, str)).to_numpy()
    values = published.to_numpy()
    assert not ((values[shown].astype(float) > 0) & (values[shown].astype(float) < 10)).any()


def test_tidy_blocks_hide_a_third_row_when_two_small_ones_add_up_to_a_small_sum():
    table = pd.DataFrame({"indicator": ["r"] * 4, "major": ["A", "B", "C", "D"],
                          "n": [3, 4, 40, 55], "estimate": [0.1, 0.2, 0.3, 0.4]})
    out = disclosure.suppress_tidy(table, by=["major"])
    # 3 and 4 alone would be known to add up to 7 from the block's total
    assert out["suppressed"].tolist() == [True, True, True, False]
    assert out["n"].isna().tolist() == [True, True, True, False]


def test_tidy_tables_blank_counts_whatever_value_cols_says():
    table = pd.DataFrame({"indicator": ["r"] * 3, "major": ["A", "B", "C"], "n": [4, 30, 50],
                          "numerator": [1, 10, 20], "estimate": [0.25, 0.33, 0.4],
                          "method": ["Wilson; group note", "Wilson", "Wilson"]})
    out = disclosure.suppress_tidy(table, by=["major"], value_cols=["estimate"])
    assert out.loc[0, ["n", "numerator"]].isna().all()
    assert out["method"].tolist() == ["Wilson", "Wilson", "Wilson"]


def test_the_audit_is_bounded():
    big = np.ones(disclosure.MAX_AUDIT_CELLS + 1)
    with pytest.raises(ValueError, match="more than the disclosure audit handles"):
        disclosure.protect(big, big > 0, [])
    wide = pd.DataFrame({"g": [f"r{i}" for i in range(40)] + ["Total"]}
                        | {f"c{j}": ["<10"] * 41 for j in range(30)})
    (problem,) = publish.crosstab_disclosures(wide, "wide.csv")
    assert "wide.csv" in problem and "1230 cells" in problem


# ------------------------------------------------------------------------------------------------
# talentlab indicators
# ------------------------------------------------------------------------------------------------
def _cli(argv, capsys):
    from talentlab.cli import main

    try:
        code = main(argv)
    except SystemExit as exc:  # argparse refusals
        code = exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize("key", ["student_id", "employer_id", "Rater_ID"])
def test_indicators_refuse_identifier_group_keys(key, capsys, tmp_path):
    code, out, err = _cli(["indicators", str(SCENARIO), "--by", f"cohort,{key}",
                           "--out", str(tmp_path / "x.csv")], capsys)
    assert code == 2 and "is an identifier column and cannot be a group" in err
    assert not (tmp_path / "x.csv").exists() and out == ""


@pytest.mark.parametrize("value", ["1", "0", "-5", "4", "2.5"])
def test_indicators_refuse_a_threshold_below_the_floor(value, capsys):
    code, out, err = _cli(["indicators", str(SCENARIO), f"--min-cell={value}"], capsys)
    assert code == 2 and "--min-cell" in err and "disclosure threshold" in err and out == ""


def test_library_and_report_command_refuse_a_threshold_below_the_floor(capsys):
    """The floor holds in every layer, not only in ``talentlab indicators`` (issue 24 item 3)."""
    from talentlab.indicators import compute_all
    from talentlab.indicators.engines import compute_indicators

    graduates = pd.DataFrame({"destination": pd.Categorical(["employed_full_time"] * 6)})
    for call in (lambda: compute_all({"graduates": graduates}, min_cell=4),
                 lambda: compute_indicators(graduates, engine="pandas", min_cell=4)):
        with pytest.raises(ValueError, match="below the minimum of 5"):
            call()
    code, out, err = _cli(["report", "--reports", "r", "--processed", "p",
                           "--min-cell", "4"], capsys)
    assert code == 2 and "--min-cell" in err and "below the minimum" in err and out == ""


@pytest.fixture(scope="module")
def by_region():
    from talentlab.indicators.engines import compute_indicators

    by = ["cohort", "major", "work_region"]
    raw = compute_indicators(SCENARIO, by, engine="pandas")
    return by, raw, disclosure.publishable_indicators(raw, by)


def test_indicators_by_region_publish_no_group_below_the_threshold(by_region):
    by, raw, out = by_region
    assert (raw["n"].between(1, 9)).sum() > 500  # the 729 small groups are there
    shown = ~out["suppressed"].to_numpy()
    n = raw["n"].to_numpy()
    size = (raw["n"] + raw["n_excluded"] + raw["n_unknown"]).to_numpy()
    assert not ((n[shown] > 0) & (n[shown] < 10)).any()
    assert not ((size[shown] > 0) & (size[shown] < 10)).any()
    for col in ("numerator", "denominator", "estimate", "se", "ci_low", "ci_high", "n",
                "n_excluded", "n_unknown", "n_clusters"):
        assert out.loc[~shown, col].isna().all(), col
    assert np.array_equal(out.loc[shown, "estimate"].to_numpy(dtype=float),
                          raw.loc[shown, "estimate"].to_numpy(dtype=float), equal_nan=True)


def test_indicators_by_region_leave_no_blanked_value_recoverable(by_region):
    """Independent of the audit's code: with each block's total known (a coarser table), the
    hidden rows of a block are never one alone, and their sum (what differencing yields) is at
    least the threshold unless the whole block is hidden."""
    by, raw, out = by_region
    hidden = out["suppressed"].to_numpy()
    frame = raw.assign(hidden=hidden, size=raw["n"] + raw["n_excluded"] + raw["n_unknown"])
    for _, block in frame.groupby(["indicator", *by[:-1]], dropna=False):
        rows = block[block["hidden"] & (block["n"] > 0)]
        others = block[~block["hidden"] & (block["n"] > 0)]
        if len(rows) and len(others):
            assert len(rows) >= 2 and rows["n"].sum() >= 10, block[["n", "hidden"]]
    # group sizes: a group is hidden only when every one of its rows is
    groups = frame.groupby(by, dropna=False).agg(size=("size", "max"), hidden=("hidden", "all"))
    for _, block in groups.groupby(level=list(range(len(by) - 1)), dropna=False):
        rows = block[block["hidden"] & (block["size"] > 0)]
        others = block[~block["hidden"] & (block["size"] > 0)]
        if len(rows) and len(others):
            assert len(rows) >= 2 and rows["size"].sum() >= 10


def test_indicators_csv_passes_the_report_check(capsys, tmp_path):
    code, _, err = _cli(["indicators", str(SCENARIO), "--by", "cohort,major,work_region",
                         "--engine", "pandas", "--out", str(tmp_path / "by_region.csv")], capsys)
    assert code == 0 and "rows blanked" in err + _
    raw = (tmp_path / "by_region.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfcohort,"), raw[:20]  # a BOM, for Excel's Chinese
    table = pd.read_csv(tmp_path / "by_region.csv", dtype=str, keep_default_na=False)
    assert table.columns[0] == "cohort"
    assert publish.small_cells(table, "by_region.csv") == []
    hidden = table["suppressed"] == "True"
    assert hidden.sum() > 0 and (table.loc[hidden, ["n", "estimate", "numerator"]] == "").all(
        axis=None)


def test_the_zhuhai_evaluation_takes_the_one_threshold():
    """zhuhai.evaluate and its_evaluation (through ZhuhaiSettings) and indicator_trends default
    to MIN_CELL and refuse the floor through the one check (they wrote their own 10 before)."""
    import inspect

    from talentlab.cases import zhuhai

    for fn in (zhuhai.ZhuhaiSettings, zhuhai.indicator_trends):
        assert inspect.signature(fn).parameters["min_cell"].default is None, fn.__name__
    with pytest.raises(ValueError):
        zhuhai.indicator_trends(pd.DataFrame(), min_cell=4)
