"""Robustness checks in ``talentlab qca --robustness`` and ``analyse(..., robustness=True)`` on a
plain calibrated table (R's LF) and on raw values calibrated by the command (issue 25, item 3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from talentlab import cli
from talentlab.qca import analyse
from talentlab.qca.analysis import ROBUSTNESS_ANCHOR_STEP, ROBUSTNESS_RUNS
from talentlab.qca.robustness_fit import robustness_fit
from talentlab.qca.robustness_ranges import (
    calibration_range,
    frequency_cut_range,
    inclusion_cut_range,
)

REFERENCE = Path(__file__).resolve().parent / "reference" / "qca"
CONDITIONS = ["DEV", "URB", "LIT", "IND", "STB"]
DIRECTIONAL = "DEV=1,URB=1,LIT=1,IND=1,STB=1"


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False)


def test_lf_robustness_section_with_one_command(tmp_path, monkeypatch):
    shutil.copy(REFERENCE / "LF.csv", tmp_path / "LF.csv")
    monkeypatch.chdir(tmp_path)
    args = ["qca", "LF.csv", "--outcome", "SURV", "--conditions", ",".join(CONDITIONS),
            "--incl-cut", "0.8", "--directional", DIRECTIONAL, "--robustness"]
    assert cli.main([*args, "--out", "results"]) == 0
    out = tmp_path / "results"
    for name in ("robustness_ranges.csv", "robustness_tests.csv", "robustness_fit.csv",
                 "robustness_cases.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf"), name
    # the ranges are those of the range functions on the intermediate solution
    lf = pd.read_csv(REFERENCE / "LF.csv", index_col="case")
    common = dict(include="?", directional={c: 1 for c in CONDITIONS}, incl_cut=0.8, n_cut=1)
    incl = inclusion_cut_range(lf, "SURV", CONDITIONS, step=0.01, max_runs=ROBUSTNESS_RUNS,
                               **common).iloc[0]
    freq = frequency_cut_range(lf, "SURV", CONDITIONS, step=1, max_runs=ROBUSTNESS_RUNS,
                               **common).iloc[0]
    ranges = pd.read_csv(out / "robustness_ranges.csv", encoding="utf-8-sig").set_index("parameter")
    assert ranges.loc["incl_cut", "solution"] == "intermediate"
    assert ranges.loc["incl_cut", "upper"] == pytest.approx(incl["upper"])
    assert ranges.loc["incl_cut", "lower_stop"] == incl["lower_stop"]
    assert (ranges.loc["n_cut", "lower"], ranges.loc["n_cut", "upper"]) == (freq["lower"],
                                                                            freq["upper"])
    tests = _csv(out / "robustness_tests.csv")
    assert tests["change"].tolist() == ["incl_cut = 0.75", "incl_cut = 0.85", "n_cut = 2"]
    fit = pd.read_csv(out / "robustness_fit.csv", encoding="utf-8-sig").iloc[0]
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert f"RF_cov = {fit['RF_cov']:.2f}" in methods and "稳健性检验" in methods
    assert f"consistency cut-off 0.8: < 0.7–{incl['upper']:.4g}" in methods
    assert f"一致性阈值 0.8：< 0.7–{incl['upper']:.4g}" in methods
    # the same bytes on a second run
    first = {p.name: p.read_bytes() for p in out.iterdir() if p.suffix == ".csv"}
    assert cli.main([*args, "--out", "results"]) == 0
    assert first == {p.name: p.read_bytes() for p in out.iterdir() if p.suffix == ".csv"}


def test_raw_values_calibrated_by_the_command_get_anchor_ranges_and_a_test_set():
    lr = pd.read_csv(REFERENCE / "LR.csv")
    calibration = "DEV=400,550,900;URB=e=25,c=50,i=65;STB=i=5, c=9.5, e=15;SURV=-9,0,10"
    res = analyse(lr[["case", "DEV", "URB", "STB", "SURV"]], "SURV", "DEV,URB,STB",
                  calibration=calibration, incl_cut=0.8, robustness=True)
    rob = res.robustness
    assert rob.solution == "parsimonious"
    dev = rob.ranges.loc[rob.ranges["set"] == "DEV"].set_index("parameter")
    want = calibration_range(res.data, lr["DEV"].to_numpy(), "DEV", [400, 550, 900], "SURV",
                             ["DEV", "URB", "STB"], incl_cut=0.8, n_cut=1, include="?",
                             step=ROBUSTNESS_ANCHOR_STEP * 500,
                             max_runs=ROBUSTNESS_RUNS).set_index("parameter")
    pd.testing.assert_frame_equal(dev[want.columns], want, check_dtype=False)
    # named anchors of a decreasing set are read as (e, c, i)
    stb = rob.ranges.loc[rob.ranges["set"] == "STB"].set_index("parameter")["value"]
    assert stb.to_dict() == {"exclusion": 15.0, "crossover": 9.5, "inclusion": 5.0}
    changes = rob.tests["change"].tolist()
    assert "DEV crossover = 500" in changes and "STB crossover = 10.5" in changes
    used = [t for t in changes if rob.tests.set_index("change").loc[t, "model"] != ""]
    assert len(used) >= 2
    assert rob.fit["RF_SC_minTS"].iloc[0] <= 1
    assert "DEV crossover 550:" in res.methods("en") and "DEV 交叉点 550：" in res.methods("zh")


def test_robustness_fit_in_analyse_is_the_fit_of_its_test_set():
    lf = pd.read_csv(REFERENCE / "LF.csv")
    res = analyse(lf, "SURV", CONDITIONS, incl_cut=0.8, robustness=True)
    from talentlab.qca import minimize

    data = res.data
    tests = [minimize(data, outcome="SURV", conditions=CONDITIONS, incl_cut=c, n_cut=n,
                      include="?") for c, n in ((0.75, 1), (0.85, 1), (0.8, 2))]
    want = robustness_fit(tests, res.parsimonious).iloc[0]
    got = res.robustness.fit.iloc[0]
    for key in ("RF_cov", "RF_cons", "RF_SC_minTS", "RF_SC_maxTS"):
        assert got[key] == pytest.approx(want[key], abs=1e-12)
    assert analyse(lf, "SURV", CONDITIONS, incl_cut=0.8, robustness=False).robustness is None


def test_without_a_solution_the_robustness_checks_say_why():
    lf = pd.read_csv(REFERENCE / "LF.csv")
    res = analyse(lf, "SURV", CONDITIONS, incl_cut=1, robustness=True)
    assert res.robustness is None
    assert "no solution to check" in res.problems["robustness"]
    assert "The robustness checks were not run" in res.methods("en")
    assert "未进行稳健性检验" in res.methods("zh")
    assert "Robustness checks: not computed" in str(res)
