"""Robustness checks of QCA solutions, indirect calibration and superSubset for sufficiency,
against SetMethods 4.0 and R QCA 3.25.1 on their published examples (issue 25, item 3).

The reference values are in tests/reference/setmethods/robustness_reference.json, written by
make_robustness_reference.R in that folder (R is not needed to run these tests; SOURCE.md there
names the packages, functions and data sets).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError, calibrate, compute, minimize, superset_subset
from talentlab.qca.calibrate import indirect_calibration
from talentlab.qca.robustness_fit import (
    case_ratios,
    model_membership,
    robust_cases,
    robust_core_fit,
    robustness_fit,
    single_test_fit,
)
from talentlab.qca.robustness_ranges import (
    MAX_RANGE_RUNS,
    calibration_range,
    frequency_cut_range,
    inclusion_cut_range,
)

HERE = Path(__file__).resolve().parent / "reference" / "setmethods"
QCA_REFERENCE = Path(__file__).resolve().parent / "reference" / "qca"
PAYF_CONDITIONS = ["HE", "GG", "AH", "HI", "HW"]
LIPF_CONDITIONS = ["DEVELOPED", "URBAN", "LITERATE", "INDUSTRIAL", "STABLE"]


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((HERE / "robustness_reference.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def payf() -> pd.DataFrame:
    return pd.read_csv(HERE / "rob_PAYF.csv", index_col="case", keep_default_na=False)


@pytest.fixture(scope="module")
def lipf() -> pd.DataFrame:
    return pd.read_csv(HERE / "rob_LIPF.csv", index_col="case")


def _list(value) -> list:
    """jsonlite writes a vector of one element as a scalar."""
    return value if isinstance(value, list) else [value]


def _same(got: float, want) -> bool:
    if want is None or want in ("NA", "NaN"):  # R's NA / NaN (0/0) as jsonlite writes them
        return math.isnan(got)
    return got == pytest.approx(want, abs=1e-12)


# ----------------------------------------------------------------------------- ranges
def test_inclusion_and_frequency_ranges_equal_setmethods_man_page_payf(ref, payf):
    spec = ref["payf_inclrange"]["args"]
    got = inclusion_cut_range(payf, "HL", PAYF_CONDITIONS, incl_cut=spec["incl_cut"],
                              n_cut=spec["n_cut"], include="?", step=spec["step"],
                              max_runs=spec["max_runs"]).iloc[0]
    assert _same(got["lower"], ref["payf_inclrange"]["lower"])
    assert _same(got["upper"], ref["payf_inclrange"]["upper"])
    spec = ref["payf_ncutrange"]["args"]
    got = frequency_cut_range(payf, "HL", PAYF_CONDITIONS, incl_cut=spec["incl_cut"],
                              n_cut=spec["n_cut"], include="?", step=spec["step"],
                              max_runs=spec["max_runs"]).iloc[0]
    assert (got["lower"], got["upper"]) == (ref["payf_ncutrange"]["lower"],
                                            ref["payf_ncutrange"]["upper"])


@pytest.mark.parametrize("k", range(6))
def test_ranges_of_each_solution_equal_setmethods_on_lipset(ref, lipf, k):
    spec = ref["lipf_ranges"][k]
    kind = spec["solution"]
    args = dict(include=None if kind == "conservative" else "?",
                directional=LIPF_CONDITIONS if kind == "intermediate" else None,
                incl_cut=spec["incl_cut"], n_cut=spec["n_cut"])
    incl = inclusion_cut_range(lipf, "SURVIVED", LIPF_CONDITIONS, step=0.05, max_runs=10,
                               **args).iloc[0]
    freq = frequency_cut_range(lipf, "SURVIVED", LIPF_CONDITIONS, step=1, max_runs=5,
                               **args).iloc[0]
    assert incl["solution"] == kind
    assert set(incl["model"].split(" + ")) == set(_list(spec["model"]))
    assert _same(incl["lower"], spec["incl_lower"]) and _same(incl["upper"], spec["incl_upper"])
    assert (freq["lower"], freq["upper"]) == (spec["ncut_lower"], spec["ncut_upper"])


@pytest.mark.parametrize("k", range(2))
def test_calibration_ranges_equal_setmethods_man_page_lipset(ref, lipf, k):
    spec = ref["lipr_calibrange"][k]
    raw = pd.read_csv(HERE / "rob_LIPR.csv", index_col="case")
    # SetMethods pairs LIPR and LIPF by position (LIPR spells one country "Humgary")
    got = calibration_range(lipf, raw["DEVELOPED"].to_numpy(), "DEVELOPED", spec["thresholds"],
                            "SURVIVED", LIPF_CONDITIONS[1:], incl_cut=0.8, n_cut=1,
                            include="?", step=spec["step"], max_runs=spec["max_runs"])
    got = got.set_index("parameter")
    for name, key in (("exclusion", "E"), ("crossover", "C"), ("inclusion", "I")):
        lower, upper = spec[key]
        assert _same(got.loc[name, "lower"], lower), (name, got.loc[name].to_dict())
        assert _same(got.loc[name, "upper"], upper), (name, got.loc[name].to_dict())


@pytest.mark.parametrize("k", range(2))
def test_calibration_ranges_of_a_condition_equal_setmethods_fuzzy_and_crisp(ref, lipf, k):
    spec = ref["lipr_calibrange_developed"][k]
    raw = pd.read_csv(HERE / "rob_LIPR.csv", index_col="case")["DEVELOPED"].to_numpy()
    crisp = spec["type"] == "crisp"
    got = calibration_range(lipf, raw, "DEVELOPED", _list(spec["thresholds"]), "SURVIVED",
                            LIPF_CONDITIONS, incl_cut=0.8, n_cut=1, include="?", crisp=crisp,
                            step=spec["step"], max_runs=spec["max_runs"]).set_index("parameter")
    anchors = [("cut", "C")] if crisp else [("exclusion", "E"), ("crossover", "C"),
                                            ("inclusion", "I")]
    for name, key in anchors:
        lower, upper = spec[key]
        assert _same(got.loc[name, "lower"], lower), (name, got.loc[name].to_dict())
        assert _same(got.loc[name, "upper"], upper), (name, got.loc[name].to_dict())


def test_a_calibration_range_that_changes_the_solution(lipf):
    raw = pd.read_csv(HERE / "rob_LIPR.csv", index_col="case")["DEVELOPED"].to_numpy()
    got = calibration_range(lipf, raw, "DEVELOPED", "e=400, c=550, i=900", "SURVIVED",
                            LIPF_CONDITIONS, incl_cut=0.8, include="?", step=25, max_runs=8)
    cross = got.set_index("parameter").loc["crossover"]
    # the initial model holds at the bounds and changes one step beyond each of them
    assert (cross["lower"], cross["upper"]) == (550, 650)
    assert cross["lower_stop"] == cross["upper_stop"] == "solution changed"
    for anchor, holds in ((cross["lower"], True), (cross["lower"] - 25, False),
                          (cross["upper"], True), (cross["upper"] + 25, False)):
        data = lipf.assign(DEVELOPED=calibrate(raw, [400, anchor, 900]))
        model = set(minimize(data, outcome="SURVIVED", conditions=LIPF_CONDITIONS,
                             incl_cut=0.8, include="?").solution.solutions[0])
        assert (model == set(cross["model"].split(" + "))) is holds, anchor


def test_range_searches_are_bounded_and_refuse_bad_steps(lipf):
    with pytest.raises(QCAError, match="MAX_RANGE_RUNS"):
        inclusion_cut_range(lipf, "SURVIVED", LIPF_CONDITIONS, incl_cut=0.8,
                            max_runs=MAX_RANGE_RUNS + 1)
    with pytest.raises(QCAError, match="step must be a positive number"):
        frequency_cut_range(lipf, "SURVIVED", LIPF_CONDITIONS, incl_cut=0.8, step=0)
    with pytest.raises(QCAError, match="12 raw values for 18 cases"):
        calibration_range(lipf, np.arange(12.0), "DEVELOPED", [1, 2, 3], "SURVIVED",
                          LIPF_CONDITIONS)
    got = inclusion_cut_range(lipf, "SURVIVED", LIPF_CONDITIONS, incl_cut=0.8, step=0.001,
                              max_runs=3).iloc[0]
    assert math.isnan(got["lower"]) and got["lower_stop"] == "no limit within max_runs"
    assert got["minimisations"] <= 1 + 2 * 3


# ------------------------------------------------------------------------ robustness fit
@pytest.fixture(scope="module")
def payf_solutions(payf):
    def solve(incl_cut, n_cut):
        return minimize(payf, outcome="HL", conditions=PAYF_CONDITIONS, incl_cut=incl_cut,
                        n_cut=n_cut, include="?")

    return solve(0.87, 2), [solve(0.7, 2), solve(0.87, 1)]


def _signif3(x: float) -> float:
    return float(f"{x:.3g}")  # R format(x, digits = 3), as SetMethods' QCAfit


def test_robustness_fit_equals_setmethods_man_page_payf(ref, payf_solutions):
    initial, tests = payf_solutions
    want = ref["payf_fit"]
    assert set(initial.solution.solutions[0]) == set(_list(want["initial"]))
    for t, m in zip(tests, want["tests"], strict=True):
        assert set(t.solution.solutions[0]) == set(_list(m))
    rf = robustness_fit(tests, initial).iloc[0]
    for key in ("RF_cov", "RF_cons", "RF_SC_minTS", "RF_SC_maxTS"):
        assert rf[key] == pytest.approx(want["unrounded"][key], abs=1e-12), key
    core = robust_core_fit(tests, initial).iloc[0]
    assert core["inclS"] == pytest.approx(want["unrounded"]["core_cons"], abs=1e-12)
    assert core["covS"] == pytest.approx(want["unrounded"]["core_cov"], abs=1e-12)
    assert core["PRI"] == pytest.approx(want["unrounded"]["core_pri"], abs=1e-12)
    assert [round(core[k], 3) for k in ("inclS", "covS", "PRI")] == [
        want["rob_corefit"][k] for k in ("Cons.Suf", "Cov.Suf", "PRI")]
    # SetMethods prints RF_cov and RF_cons from fits rounded to 3 significant digits: the same
    # numbers once that rounding is applied
    m = model_membership(initial)
    cov_is = np.minimum(m["solution"], m["outcome"]).sum() / m["outcome"].sum()
    incl_is = np.minimum(m["solution"], m["outcome"]).sum() / m["solution"].sum()
    assert round(_signif3(core["covS"]) / _signif3(cov_is), 3) == want["rob_fit"]["RF_cov"]
    assert round(_signif3(incl_is) / _signif3(core["inclS"]), 3) == want["rob_fit"]["RF_cons"]
    assert round(rf["RF_SC_minTS"], 3) == want["rob_fit"]["RF_SC_minTS"]
    assert round(rf["RF_SC_maxTS"], 3) == want["rob_fit"]["RF_SC_maxTS"]


def test_case_types_and_ratios_equal_setmethods_rob_cases(ref, payf_solutions):
    initial, tests = payf_solutions
    want = ref["payf_fit"]
    ratios = case_ratios(tests, initial).iloc[0]
    assert round(ratios["RCR_typ"], 3) == want["case_ratio"]["RCR_typ"]
    assert round(ratios["RCR_dev"], 3) == want["case_ratio"]["RCR_dev"]
    assert ratios["RCC_Rank"] == want["case_ratio"]["RCC_Rank"]
    types = robust_cases(tests, initial)["type"]
    labels = {"S1S2Y": "robust typical", "S1S2y": "robust deviant", "S1s2Y": "shaky typical",
              "S1s2y": "shaky deviant", "s1S2Y": "possible typical", "s1S2y": "possible deviant",
              "s1s2Y": "extreme deviant coverage", "s1s2y": "irrelevant"}
    for key, label in labels.items():
        r_cases = [c for c in _list(want["case_types"][key]["cases"])
                   if c != "No cases in this intersection"]
        assert types.index[types == label].tolist() == r_cases, label


def test_single_tests_equal_setmethods_rob_singletest(ref, payf_solutions):
    initial, tests = payf_solutions
    got = single_test_fit(tests, initial)
    want = ref["payf_fit"]["singletest"]
    assert [set(m.split("+")) for m in got["model"]] == [set(m.split("+")) for m in want["model"]]
    assert got["RCC_Rank"].tolist() == want["RCC_Rank"]
    assert got["SC"].round(3).tolist() == want["SC"]


def test_every_test_solution_enters_the_minimal_and_maximal_test_sets(payf_solutions):
    """SetMethods 4.0 combines only the first and the last test solution; the paper's sets
    (and here) use all of them: a middle test solution that shrinks the core must count."""
    initial, (ts1, ts2) = payf_solutions
    narrow = minimize(initial.tt.data, outcome="HL", conditions=PAYF_CONDITIONS, incl_cut=0.9,
                      n_cut=3, include="?")
    three = robust_core_fit([ts1, narrow, ts2], initial).iloc[0]
    first_last = robust_core_fit([ts1, ts2], initial).iloc[0]
    with_narrow = robust_core_fit([narrow], initial).iloc[0]
    assert three["covS"] < first_last["covS"]
    assert three["covS"] <= with_narrow["covS"]
    # the core from the four models' expressions, evaluated directly on the data
    data = initial.tt.data
    models = [" + ".join(r.solution.solutions[0]) for r in (initial, ts1, narrow, ts2)]
    core = np.min([compute(m, data) for m in models], axis=0)
    y = data["HL"].to_numpy()
    assert three["covS"] == pytest.approx(np.minimum(core, y).sum() / y.sum(), abs=1e-12)


# -------------------------------------------------------------------- indirect calibration
@pytest.mark.parametrize("key", ["indirect_income", "indirect_lipr"])
def test_indirect_calibration_equals_r_qca(ref, key):
    spec = ref[key]
    got = calibrate(np.asarray(spec["x"], dtype=float), spec["thresholds"], method="indirect")
    np.testing.assert_allclose(got, spec["membership"], rtol=0, atol=1.5e-6)


def test_indirect_calibration_equals_setmethods_binomial(ref):
    spec = ref["indirect_setmethods"]
    got = indirect_calibration(spec["x"], spec["x_cal"])
    np.testing.assert_allclose(got, spec["binomial"], rtol=0, atol=1e-9)


def test_indirect_calibration_refuses_negative_values():
    with pytest.raises(QCAError, match="must not be negative"):
        calibrate([-1.0, 2, 3, 4], [1, 3], method="indirect")
    with pytest.raises(QCAError, match=r"\[0, 1\]"):
        indirect_calibration([1, 2, 3], [0, 0.5, 2])


# ----------------------------------------------------------------- superSubset sufficiency
@pytest.mark.parametrize("k", range(3))
def test_supersubset_for_sufficiency_equals_r_qca(ref, k):
    spec = ref["supersubset_sufficiency"][k]
    lf = pd.read_csv(QCA_REFERENCE / "LF.csv", index_col="case")
    got = superset_subset(lf, spec["outcome"], ["DEV", "URB", "LIT", "IND", "STB"],
                          incl_cut=spec["incl_cut"], cov_cut=spec["cov_cut"],
                          pri_cut=spec["pri_cut"], relation="sufficiency")
    assert got.index.tolist() == _list(spec["expression"])
    for col in ("inclS", "PRI", "covS"):
        np.testing.assert_allclose(got[col].to_numpy(), _list(spec[col]), rtol=0, atol=1e-12)


# ------------------------------------------------------------------ random differential
def _differential_sets():
    path = HERE / "robustness_differential.json"
    return json.loads(path.read_text(encoding="utf-8"))["sets"]


def test_ranges_and_fit_equal_setmethods_on_random_data_sets():
    """40 random fuzzy data sets (4 conditions, 12-30 cases; conservative, parsimonious and
    intermediate solutions): rob.inclrange, rob.ncutrange, rob.fit and rob.cases' ratios."""
    compared = {"incl": 0, "incl_r_error": 0, "ncut": 0, "fit": 0}
    for k, spec in enumerate(_differential_sets()):
        if spec.get("error"):
            continue
        data = pd.DataFrame(spec["data"], index=spec["cases"])
        kind = spec["kind"]
        common = dict(include=None if kind == "conservative" else "?",
                      directional=["A", "B", "C", "D"] if kind == "intermediate" else None)
        conds = ["A", "B", "C", "D"]
        initial = minimize(data, outcome="Y", conditions=conds, incl_cut=spec["incl_cut"],
                           n_cut=1, **common)
        assert set(initial.solution.solutions[0]) == set(_list(spec["model"])), k
        got = inclusion_cut_range(data, "Y", conds, incl_cut=spec["incl_cut"], n_cut=1,
                                  step=0.02, max_runs=8, **common).iloc[0]
        if "incl" in spec:
            assert _same(got["lower"], spec["incl"]["lower"]), (k, got.to_dict(), spec["incl"])
            assert _same(got["upper"], spec["incl"]["upper"]), (k, got.to_dict(), spec["incl"])
            compared["incl"] += 1
        else:
            # R stopped with an error: a lower cut-off made every configuration sufficient
            # (a tautology), and rob.inclrange's downward search has no try(); here the search
            # stops there and the last cut-off tested before is the bound
            assert got["lower_stop"] == "no solution", (k, got.to_dict())
            compared["incl_r_error"] += 1
        if "ncut" in spec:
            got = frequency_cut_range(data, "Y", conds, incl_cut=spec["incl_cut"], n_cut=1,
                                      step=1, max_runs=4, **common).iloc[0]
            assert _same(got["lower"], spec["ncut"]["lower"]), (k, got.to_dict())
            assert _same(got["upper"], spec["ncut"]["upper"]), (k, got.to_dict())
            compared["ncut"] += 1
        if "fit" in spec:
            tests = [minimize(data, outcome="Y", conditions=conds, incl_cut=t["incl.cut"],
                              n_cut=t["n.cut"], **common) for t in _list(spec["fit"]["tests"])]
            for t, m in zip(tests, spec["fit"]["test_models"], strict=True):
                assert set(t.solution.solutions[0]) == set(_list(m)), k
            rf = robustness_fit(tests, initial).iloc[0]
            for key, want in spec["fit"]["unrounded"].items():
                assert rf[key] == pytest.approx(want, abs=1e-12), (k, key)
            ratios = case_ratios(tests, initial).iloc[0]
            want = spec["fit"]["case_ratio"]
            assert ratios["RCC_Rank"] == want["RCC_Rank"], k
            for key in ("RCR_typ", "RCR_dev"):
                assert _same(round(ratios[key], 3), want[key]), (k, key, ratios[key], want[key])
            compared["fit"] += 1
    assert compared == {"incl": 16, "incl_r_error": 11, "ncut": 27, "fit": 27}
