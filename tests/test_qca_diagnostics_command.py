"""The QCA diagnostics in ``talentlab qca`` / :func:`talentlab.qca.analyse` (issue 25, items 1
and 3): CSA and SSR rows, SMMR cases, the XY plot, and on request the theory evaluation, cluster
diagnostics of a pooled panel and the enhanced standard analysis. Each written number is checked
against the library function that computes it and, where tests/reference/setmethods holds the same
data set, against R QCA 3.25.1 / SetMethods 4.0."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab import cli
from talentlab.qca import (
    analyse,
    cluster_diagnostics,
    contradictory_simplifying_assumptions,
    enhanced_standard_analysis,
    smmr,
    theory_evaluation,
    xy_data,
)

REFERENCE = Path(__file__).resolve().parent / "reference"
LF_CONDITIONS = ["DEV", "URB", "LIT", "IND", "STB"]
LF_ARGS = ["--outcome", "SURV", "--conditions", ",".join(LF_CONDITIONS), "--incl-cut", "0.8",
           "--directional", ",".join(f"{c}=1" for c in LF_CONDITIONS)]
SCHF_CONDITIONS = ["EMP", "BARGAIN", "UNI", "OCCUP", "STOCK", "MA"]
# SetMethods' examples: intermediate solution of EXPORT at incl.cut 0.9, every condition's
# absence expected to contribute (dir.exp = c(0, 0, 0, 0, 0, 0))
SCHLF_ARGS = ["--outcome", "EXPORT", "--conditions", ",".join(SCHF_CONDITIONS), "--incl-cut",
              "0.9", "--directional", ",".join(f"{c}=0" for c in SCHF_CONDITIONS),
              "--no-robustness"]


@pytest.fixture(scope="module")
def r_diag() -> dict:
    return json.loads((REFERENCE / "setmethods" / "diagnostics_reference.json")
                      .read_text(encoding="utf-8"))


def _csv(path: Path, **kwargs) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, **kwargs)


@pytest.fixture(scope="module")
def lf_run(tmp_path_factory):
    """LF with a theory and an enhanced standard analysis, run by the command."""
    work = tmp_path_factory.mktemp("lf")
    shutil.copy(REFERENCE / "qca" / "LF.csv", work / "LF.csv")
    args = ["qca", str(work / "LF.csv"), *LF_ARGS, "--theory", "DEV*~IND", "--necessary", "LIT",
            "--untenable", "~DEV*IND", "--no-robustness"]
    assert cli.main([*args, "--out", str(work / "results")]) == 0
    res = analyse(work / "LF.csv", "SURV", LF_CONDITIONS, incl_cut=0.8,
                  directional={c: 1 for c in LF_CONDITIONS}, theory="DEV*~IND",
                  necessary="LIT", untenable="~DEV*IND", robustness=False)
    return work / "results", res, args


def test_lf_csa_and_ssr_rows_equal_r_findrows(lf_run, r_diag):
    out, res, _ = lf_run
    csa = _csv(out / "csa.csv")
    assert csa["row"].tolist() == r_diag["findrows_LF"]["csa"] == [10, 12, 14, 16, 17, 21, 25, 29]
    expected = contradictory_simplifying_assumptions(res.truth_table)
    assert csa["row"].tolist() == expected.index.tolist()
    assert (csa[LF_CONDITIONS].to_numpy() == expected[LF_CONDITIONS].to_numpy()).all()
    ssr = _csv(out / "ssr.csv")
    assert len(ssr) == 0 == len(r_diag["findrows_LF"]["ssr"])
    assert list(ssr.columns) == ["row", *LF_CONDITIONS, "OUT"]


def test_lf_smmr_cases_are_those_of_the_configuration_tables_model(lf_run):
    out, res, _ = lf_run
    written = _csv(out / "smmr.csv")
    model = res.configurations.attrs["terms"]
    assert res.diagnostics.model == model
    for kind in ("typical", "deviant_consistency"):
        expected = smmr(res.intermediate, kind)
        got = written[written["type"] == kind]
        assert got["case"].tolist() == expected["case"].tolist()
        assert got["term"].tolist() == expected["term"].tolist()
        np.testing.assert_allclose(got["best"].astype(float), expected["best"], atol=5e-4)
        assert set(got["term"]) <= set(model)
    # LF at 0.8: every case in a term with membership above 0.5 has SURV above 0.5
    assert written["type"].tolist() == ["typical"] * 4
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert "4 typical and 0 deviant consistency case(s)" in methods
    assert "most typical per term: BE (DEV*URB*LIT*STB), IE (DEV*LIT*~IND*STB)" in methods


def test_lf_xy_plot_of_the_solution_is_deterministic_and_its_fit_stated(lf_run, tmp_path):
    out, res, args = lf_run
    png = (out / "xy_solution.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    assert cli.main([*args, "--out", str(tmp_path / "again")]) == 0
    assert (tmp_path / "again" / "xy_solution.png").read_bytes() == png
    xy = xy_data(res.data, "DEV*URB*LIT*STB + DEV*LIT*~IND*STB", "SURV")
    assert res.diagnostics.xy.fit == xy.fit
    # the solution's consistency and coverage as the solutions table (R's) states them
    sol = _csv(out / "solutions.csv")
    whole = sol[(sol["solution"] == "intermediate") & (sol["term"] == "(solution)")].iloc[0]
    assert xy.fit["inclS"] == pytest.approx(float(whole["inclS"]), abs=5e-4)
    assert xy.fit["covS"] == pytest.approx(float(whole["covS"]), abs=5e-4)
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert (f"consistency {xy.fit['inclS']:.3f}, coverage {xy.fit['covS']:.3f}, PRI "
            f"{xy.fit['PRI']:.3f}") in methods
    assert f"一致性 {xy.fit['inclS']:.3f}，覆盖度 {xy.fit['covS']:.3f}" in methods


def test_lf_theory_and_esa_files_equal_the_functions(lf_run):
    out, res, _ = lf_run
    ev = theory_evaluation("DEV*~IND", res.intermediate)
    fit = _csv(out / "theory_fit.csv").set_index("set")
    assert fit.index.tolist() == ev.fit.index.tolist()
    np.testing.assert_allclose(fit[["inclS", "PRI", "covS", "inclH"]].astype(float),
                               ev.fit[["inclS", "PRI", "covS", "inclH"]], atol=5e-4)
    cells = _csv(out / "theory_cases.csv")
    assert cells["cases"].tolist() == ev.intersections["cases"].tolist()
    assert cells["expression"].tolist() == ev.intersections["expression"].tolist()
    csa_rows = contradictory_simplifying_assumptions(res.truth_table).index.tolist()
    excluded = _csv(out / "esa_exclusions.csv")
    esa = enhanced_standard_analysis(res.truth_table, "LIT", "~DEV*IND", csa_rows)
    assert excluded["row"].tolist() == esa.excluded.index.tolist()
    assert excluded["reason"].tolist() == esa.excluded["reason"].tolist()
    assert "contradictory" in " ".join(excluded["reason"])
    sols = _csv(out / "esa_solutions.csv")
    enhanced = sols[(sols["analysis"] == "enhanced") & (sols["solution"] == "parsimonious")]
    assert [t for t in enhanced["term"] if t != "(solution)"] == esa.solutions[0]
    assert set(sols["analysis"]) == {"standard", "enhanced"}
    assert set(sols["solution"]) == {"parsimonious", "intermediate"}
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert "Theory evaluation" in methods and "理论评估" in methods
    assert f"{len(esa.excluded)} truth-table row(s) kept out" in methods
    assert "增强标准分析" in methods
    printed = str(res)
    assert "Diagnostics" in printed and "Contradictory simplifying assumptions" in printed


def test_esa_without_the_csas_keeps_only_the_given_rows_out():
    res = analyse(REFERENCE / "qca" / "LF.csv", "SURV", LF_CONDITIONS, incl_cut=0.8,
                  necessary="LIT", esa_csa=False, robustness=False)
    reasons = res.diagnostics.esa_exclusions["reason"]
    assert (reasons == "necessary: LIT").all()
    assert "intermediate" not in res.diagnostics.esa  # no directional expectations


def test_pooled_panel_cluster_theory_and_csa_equal_setmethods(tmp_path, r_diag):
    out = tmp_path / "panel"
    src = REFERENCE / "setmethods" / "diag_SCHLF.csv"
    assert cli.main(["qca", str(src), *SCHLF_ARGS, "--unit", "COUNTRY", "--cluster", "YEAR",
                     "--theory", "~EMP*MA", "--out", str(out)]) == 0
    ref = r_diag["cluster"]
    table = _csv(out / "cluster.csv", dtype={"group": str})
    model = r_diag["cluster"]["solution"]["model"]
    assert sorted(set(table["set"]) - {" + ".join(model)}) == sorted(model)
    for term in ref["solution"]["terms"]:
        expected = ref["solution"]["values"][term]
        rows = table[table["set"] == term]
        between = rows[rows["level"] == "between"]
        within = rows[rows["level"] == "within"]
        assert between["group"].tolist() == ref["clusters"]
        assert within["group"].tolist() == ref["units"]
        pooled = rows[rows["level"] == "pooled"].iloc[0]
        assert float(pooled["consistency"]) == pytest.approx(expected["pooled"], abs=5e-4)
        assert float(pooled["coverage"]) == pytest.approx(expected["cov_pooled"], abs=5e-4)
        np.testing.assert_allclose(between["consistency"].astype(float), expected["between"],
                                   atol=5e-4)
        np.testing.assert_allclose(within["consistency"].astype(float), expected["within"],
                                   atol=5e-4)
        np.testing.assert_allclose(within["coverage"].astype(float), expected["cov_within"],
                                   atol=5e-4)
        assert float(pooled["dBP"]) == pytest.approx(expected["dBP"], abs=5e-4)
        assert float(pooled["dWP"]) == pytest.approx(expected["dWP"], abs=5e-4)
    # the whole model as cluster_diagnostics computes it
    panel = pd.read_csv(src, index_col="case")
    res = analyse(src, "EXPORT", SCHF_CONDITIONS, incl_cut=0.9,
                  directional={c: 0 for c in SCHF_CONDITIONS}, robustness=False)
    whole = res.diagnostics.expression
    expected = cluster_diagnostics(panel, whole, "EXPORT", unit="COUNTRY", cluster="YEAR").fit
    got = table[table["set"] == whole]
    np.testing.assert_allclose(got["consistency"].astype(float), expected["consistency"],
                               atol=5e-4)
    # theory evaluation of SetMethods' help-page example (SCHF = SCHLF's cases), 3 decimals
    fit = _csv(out / "theory_fit.csv").set_index("set")
    r_fit = r_diag["theory_evaluation"]["fit"]
    r_table = pd.DataFrame({"inclS": r_fit["inclS"], "PRI": r_fit["PRI"], "covS": r_fit["covS"]},
                           index=r_fit["row"])
    for row in ["Sol.Formula", "Theory", "T*S", "~T*S", "T*~S", "~T*~S"]:
        for p in ("inclS", "PRI", "covS"):
            assert float(fit.loc[row, p]) == pytest.approx(r_table.loc[row, p], abs=1.5e-3), (
                row, p)
    cells = _csv(out / "theory_cases.csv")
    covered = cells[(cells["intersection"] == "T*S") & (cells["outcome"] == "Y > 0.5")]
    assert covered["cases"].iloc[0].split(", ") == r_diag["theory_evaluation"]["cases"]["TSY"]
    assert _csv(out / "csa.csv")["row"].tolist() == r_diag["findrows_SCHF"]["csa"]
    assert _csv(out / "ssr.csv")["row"].tolist() == [r_diag["findrows_SCHF"]["ssr"]]
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert "Cluster diagnostics" in methods and "4 clusters (YEAR) and 19 units (COUNTRY)" in methods
    assert "聚类诊断" in methods


def test_a_csa_that_cannot_be_computed_is_a_note_not_a_crash(tmp_path, capsys):
    # Y is explained by A, but no row reaches 0.8 for ~Y: the negation has no solution, so
    # no remainder can be a simplifying assumption for both
    d = pd.DataFrame({"case": list("abcd"), "A": [1, 1, 0, 0], "B": [1, 0, 1, 0],
                      "Y": [1, 1, 0.7, 0.6]})
    src = tmp_path / "cases.csv"
    d.to_csv(src, index=False)
    out = tmp_path / "out"
    assert cli.main(["qca", str(src), "--outcome", "Y", "--conditions", "A,B",
                     "--no-robustness", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "csa: not computed (the parsimonious solution of ~Y: none of the truth table rows" \
        in printed
    assert not (out / "csa.csv").exists() and (out / "ssr.csv").exists()
    assert (out / "smmr.csv").exists() and (out / "xy_solution.png").exists()
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert ("Contradictory simplifying assumptions could not be determined: the parsimonious "
            "solution of ~Y") in methods
    assert "未能确定矛盾简化假设" in methods


def test_csa_error_becomes_a_note(monkeypatch, tmp_path):
    from talentlab.qca import TautologyError
    from talentlab.qca import analysis as analysis_module

    def tautology(tt):
        raise TautologyError("all configurations are positive or remainders")

    monkeypatch.setattr(analysis_module, "contradictory_simplifying_assumptions", tautology)
    res = analyse(REFERENCE / "qca" / "LF.csv", "SURV", LF_CONDITIONS, incl_cut=0.8,
                  robustness=False)
    assert res.diagnostics.csa is None
    assert res.diagnostics.problems["csa"] == ("the parsimonious solution of ~SURV: all "
                                               "configurations are positive or remainders")
    assert "could not be determined: the parsimonious solution of ~SURV: all" in res.methods()
    from talentlab.report.qca_tables import write_qca_results

    out = write_qca_results(res, tmp_path / "out")
    assert not (out / "csa.csv").exists() and (out / "ssr.csv").exists()
    meta = json.loads((out / "qca.json").read_text(encoding="utf-8"))
    assert list(meta["diagnostics"]["problems"]) == ["csa"]


@pytest.mark.parametrize("args, message", [
    (["--theory", "DEV*FOO"], r"--theory 'DEV\*FOO': set 'FOO'"),
    (["--theory", "DEV; URB"], r"--theory 'DEV; URB': write the theory as one expression"),
    (["--theory", "SURV"], r"--theory 'SURV'"),
    (["--necessary", "LIT;*"], r"--necessary '\*'"),
    (["--untenable", "~DEV*NOPE"], r"--untenable '~DEV\*NOPE'"),
    (["--unit", "case"], r"--unit 'case' needs --cluster too"),
    (["--cluster", "case"], r"--cluster 'case' needs --unit too"),
    (["--unit", "REGION", "--cluster", "case"], r"--unit 'REGION': .*LF\.csv has no such column"),
    (["--unit", "DEV", "--cluster", "case"], r"--unit 'DEV' is a condition or the outcome"),
    (["--unit", "case", "--cluster", "case"], r"--unit and --cluster are both 'case'"),
])
def test_bad_option_values_name_the_option_and_nothing_is_written(tmp_path, capsys, args,
                                                                  message):
    out = tmp_path / "out"
    code = cli.main(["qca", str(REFERENCE / "qca" / "LF.csv"), *LF_ARGS, *args, "--no-robustness",
                     "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert re.search(message, err), err
    assert "nothing was written" in err and "Traceback" not in err


def test_an_empty_unit_cell_names_file_row_and_column(tmp_path, capsys):
    d = pd.read_csv(REFERENCE / "setmethods" / "diag_SCHLF.csv").head(8)
    d.loc[5, "COUNTRY"] = None
    src = tmp_path / "panel.csv"
    d.to_csv(src, index=False)
    code = cli.main(["qca", str(src), "--outcome", "EXPORT", "--conditions", "EMP,MA",
                     "--unit", "COUNTRY", "--cluster", "YEAR", "--no-robustness",
                     "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and re.search(r"panel\.csv, row 7, column 'COUNTRY' \(--unit\): empty", err)
