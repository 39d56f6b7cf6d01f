"""``talentlab qca`` and :func:`talentlab.qca.analyse`: a researcher's own case table to a results
folder in one command (issue 25, item 1)."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab import cli
from talentlab.qca import QCAError, analyse, calibrate
from tests.conftest import PROJECT_ROOT

REFERENCE = Path(__file__).resolve().parent / "reference" / "qca"
LF_ARGS = ["--outcome", "SURV", "--conditions", "DEV,URB,LIT,IND,STB", "--incl-cut", "0.8",
           "--directional", "DEV=1,URB=1,LIT=1,IND=1,STB=1"]


@pytest.fixture(scope="module")
def r_lf() -> dict:
    return json.loads((REFERENCE / "fs_LF_SURV.json").read_text(encoding="utf-8"))["results"]


def meta_files(out: Path) -> list[str]:
    return json.loads((out / "qca.json").read_text(encoding="utf-8"))["files"]


def _csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False, dtype=str)


def test_lf_goes_to_a_results_folder_with_one_command_and_equals_r(tmp_path, monkeypatch,
                                                                   r_lf, capsys):
    work = tmp_path / "elsewhere"  # any working directory: relative paths resolve from it
    work.mkdir()
    shutil.copy(REFERENCE / "LF.csv", work / "LF.csv")
    monkeypatch.chdir(work)
    assert cli.main(["qca", "LF.csv", *LF_ARGS, "--out", "results"]) == 0
    out = work / "results"
    assert sorted(p.name for p in out.iterdir()) == sorted([
        "calibrated.csv", "configurations.csv", "configurations.docx", "configurations.png",
        "configurations.tex", "csa.csv", "methods.md", "nca.csv", "nca_bottlenecks.csv",
        "necessity.csv", "qca.json", "robustness_cases.csv", "robustness_fit.csv",
        "robustness_ranges.csv", "robustness_tests.csv", "smmr.csv", "solutions.csv",
        "solutions.txt", "ssr.csv", "truth_table.csv", "truth_table.docx", "truth_table.tex",
        "xy_solution.png"])
    # the options' files appear only with their options (--theory, --unit/--cluster, ESA)
    assert meta_files(out) == sorted(p.name for p in out.iterdir())
    meta = json.loads((out / "qca.json").read_text(encoding="utf-8"))
    r_ic1p1 = r_lf["intermediate"]["intermediate"]["C1P1"]
    assert meta["solutions"]["conservative"] == [" + ".join(m) for m in
                                                 r_lf["conservative"]["solutions"]]
    assert meta["solutions"]["parsimonious"] == [" + ".join(m) for m in
                                                 r_lf["parsimonious"]["solutions"]]
    assert meta["solutions"]["intermediate"] == [" + ".join(m) for m in r_ic1p1["solutions"]]
    printed = capsys.readouterr().out
    assert "intermediate: DEV*URB*LIT*STB + DEV*LIT*~IND*STB -> SURV" in printed
    # the parameters of fit, as R's, to the 3 decimals the tables carry
    sol = _csv(out / "solutions.csv")
    inter = sol.loc[sol["solution"] == "intermediate"].set_index("term")
    for t in r_ic1p1["IC"]["terms"]:
        for p in ("inclS", "PRI", "covS", "covU"):
            assert float(inter.loc[t["_row"], p]) == pytest.approx(t[p], abs=5e-4)
    assert float(inter.loc["(solution)", "covS"]) == pytest.approx(
        r_ic1p1["IC"]["solution"][0]["covS"], abs=5e-4)
    # the truth table as R's (observed rows)
    tt = _csv(out / "truth_table.csv")
    r_rows = {r["row"]: r for r in r_lf["truth_table"]["rows_all"] if r["OUT"] != "?"}
    assert [int(v) for v in tt["Row"]] == sorted(r_rows)
    for _, row in tt.iterrows():
        ref = r_rows[int(row["Row"])]
        assert row["OUT"] == ref["OUT"] and int(row["n"]) == ref["n"]
        assert float(row["Consistency"]) == pytest.approx(ref["incl"], abs=5e-4)
        assert row["Cases"] == ref["cases"]
    methods = (out / "methods.md").read_text(encoding="utf-8")
    assert "consistency reaches 0.8" in methods and "一致性不低于 0.8" in methods
    assert "DEV: present" in methods and "observed range" in methods
    for name in ("calibrated.csv", "necessity.csv", "solutions.csv", "nca.csv"):
        assert (out / name).read_bytes().startswith(b"\xef\xbb\xbf")


def test_the_same_command_twice_gives_identical_bytes_and_replaces_the_folder(tmp_path):
    out = tmp_path / "results"
    args = ["qca", str(REFERENCE / "LF.csv"), *LF_ARGS, "--out", str(out)]
    assert cli.main(args) == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "stale.txt").write_text("from an earlier run")
    assert cli.main(args) == 0
    second = {p.name: p.read_bytes() for p in out.iterdir()}
    assert second == first  # the stale file went with the old folder
    other = tmp_path / "notes"
    other.mkdir()
    (other / "draft.docx").write_text("mine")
    assert cli.main(["qca", str(REFERENCE / "LF.csv"), *LF_ARGS, "--out", str(other)]) == 2
    assert [p.name for p in other.iterdir()] == ["draft.docx"]


def test_python_call_equals_the_command(tmp_path):
    res = analyse(REFERENCE / "LF.csv", "SURV", ["DEV", "URB", "LIT", "IND", "STB"],
                  incl_cut=0.8, directional={c: 1 for c in ["DEV", "URB", "LIT", "IND", "STB"]})
    assert res.intermediate.solutions == [["DEV*URB*LIT*STB", "DEV*LIT*~IND*STB"]]
    assert res.configurations.attrs["terms"] == ["DEV*URB*LIT*STB", "DEV*LIT*~IND*STB"]
    assert res.configurations.attrs["parsimonious_terms"] == ["DEV*~IND", "URB*STB"]
    assert res.necessity.loc["LIT", "necessary"] and not res.necessity.loc["URB", "necessary"]
    s = res.nca.summary
    assert s["scope"].iloc[0] == pytest.approx(
        (res.data["DEV"].max() - res.data["DEV"].min())
        * (res.data["SURV"].max() - res.data["SURV"].min()))
    assert "From C1P1:" in str(res)


def _chinese_raw_table() -> pd.DataFrame:
    """Fourteen colleges: raw school-enterprise cooperation (0-100), share of dual-qualified
    teachers (a membership already) and the raw rate of graduates working in their field, high
    where both conditions are high."""
    coop = [90, 85, 78, 70, 66, 62, 40, 35, 30, 25, 88, 15, 72, 10]
    dual = [0.9, 0.8, 0.85, 0.7, 0.2, 0.3, 0.9, 0.75, 0.1, 0.2, 0.95, 0.6, 0.65, 0.15]
    match = [92, 88, 86, 80, 55, 52, 58, 54, 35, 30, 90, 40, 82, 25]
    return pd.DataFrame({"学校": [f"学院{i:02d}" for i in range(14)], "校企合作": coop,
                         "双师比例": dual, "专业对口率": match})


def test_chinese_gb18030_and_xlsx_case_tables_with_calibration(tmp_path):
    raw = _chinese_raw_table()
    csv = tmp_path / "案例.csv"
    csv.write_bytes(raw.to_csv(index=False).encode("gb18030"))
    xlsx = tmp_path / "案例.xlsx"
    raw.to_excel(xlsx, index=False)
    cal = "校企合作=20,50,80；专业对口率=e=30，c=60，i=85"
    results = []
    for src in (csv, xlsx):
        out = tmp_path / f"out_{src.suffix[1:]}"
        assert cli.main(["qca", str(src), "--outcome", "专业对口率", "--conditions",
                         "校企合作,双师比例", "--calibrate", cal, "--incl-cut", "0.75",
                         "--directional", "校企合作=1,双师比例=1", "--lang", "zh",
                         "--out", str(out)]) == 0
        results.append({p.name: p.read_bytes() for p in out.iterdir() if p.suffix != ".json"})
        data = _csv(out / "calibrated.csv").set_index("学校")
        expected = calibrate(raw["校企合作"], "e=20, c=50, i=80")
        np.testing.assert_allclose(data["校企合作"].astype(float), expected, atol=1e-12)
        assert list(data.index) == list(raw["学校"])
        conf = _csv(out / "configurations.csv")
        assert conf.columns[0] == "条件"
        methods = (out / "methods.md").read_text(encoding="utf-8")
        assert "校企合作：20,50,80" in methods and "专业对口率：e=30,c=60,i=85" in methods
    csv_files = {k: v for k, v in results[0].items() if k.endswith((".csv", ".tex", ".docx"))}
    assert csv_files == {k: v for k, v in results[1].items() if k in csv_files}


@pytest.mark.parametrize("cells, args, message", [
    ({"A": ["0.2", "x", "0.9"]}, [], r"cases\.csv, row 3, column 'A': value 'x' is not a number"),
    ({"A": ["0.2", "37", "0.9"]}, [], r"row 3, column 'A': value 37 is not a set membership"),
    ({"A": ["0.2", "", "0.9"]}, [], r"row 3, column 'A': value '' is not a number"),
    ({"A": ["0.2", "0.4", "0.9"]}, ["--calibrate", "A=1,2"], r"has 2 anchors"),
    ({"A": ["0.2", "0.4", "0.9"]}, ["--calibrate", "Z=1,2,3"], r"calibration given for \['Z'\]"),
    ({"A": ["0.2", "0.4", "0.9"]}, ["--directional", "A=yes"], r"the value is 1 \(present\)"),
])
def test_bad_input_is_one_clear_error_and_nothing_is_written(tmp_path, capsys, cells, args,
                                                            message):
    table = pd.DataFrame({"case": ["a", "b", "c"], "B": ["1", "0", "1"],
                          "Y": ["1", "0", "1"], **cells})
    src = tmp_path / "cases.csv"
    src.write_text(table.to_csv(index=False), encoding="utf-8")
    out = tmp_path / "out"
    code = cli.main(["qca", str(src), "--outcome", "Y", "--conditions", "A,B", *args,
                     "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and not out.exists()
    assert re.search(message, err), err
    assert "nothing was written" in err and "Traceback" not in err


def test_duplicate_case_names_and_limits_are_refused():
    d = pd.DataFrame({"case": ["a", "a"], "A": [1, 0], "Y": [1, 0]})
    with pytest.raises(QCAError, match=r"rows 1 and 2, column 'case': case name 'a' appears "
                                       "twice"):
        analyse(d, "Y", "A")
    many = pd.DataFrame({f"C{i}": [0, 1] for i in range(11)} | {"Y": [0, 1]})
    with pytest.raises(QCAError, match="at most 10"):
        analyse(many, "Y", list(many.columns[:-1]))
    with pytest.raises(QCAError, match="no column"):
        analyse(d, "Y", "B")


def test_without_positive_rows_the_rest_is_still_reported(tmp_path):
    d = pd.DataFrame({"case": list("abcd"), "A": [1, 1, 0, 0], "B": [1, 0, 1, 0],
                      "Y": [0, 0, 0, 0]})
    res = analyse(d, "Y", "A,B", incl_cut=1)
    assert res.solutions == {} and res.configurations is None
    assert "no output to explain" in " ".join(res.problems.values()) or \
        "OUT = 1" in " ".join(res.problems.values())
    from talentlab.report.qca_tables import write_qca_results

    out = write_qca_results(res, tmp_path / "out")
    assert not (out / "configurations.docx").exists() and (out / "truth_table.docx").exists()
    assert "was not computed" in (out / "methods.md").read_text(encoding="utf-8")


def test_formula_like_case_names_are_neutralised(tmp_path):
    d = pd.DataFrame({"case": ["=cmd|' /C calc'!A0", "b", "c", "d"], "A": [1, 1, 0, 0],
                      "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    from talentlab.report.qca_tables import write_qca_results

    out = write_qca_results(analyse(d, "Y", "A,B", incl_cut=1), tmp_path / "out")
    text = (out / "calibrated.csv").read_text(encoding="utf-8-sig")
    assert "\n'=cmd" in text and "\n=cmd" not in text
    truth = io.StringIO((out / "truth_table.csv").read_text(encoding="utf-8-sig"))
    assert all(not str(v).startswith("=") for v in pd.read_csv(truth)["Cases"])


@pytest.mark.slow
def test_the_notebook_runs_on_lf_and_is_committed_without_outputs(tmp_path):
    from papermill import execute_notebook

    nb = PROJECT_ROOT / "notebooks" / "30_qca_on_your_cases.ipynb"
    raw = json.loads(nb.read_text(encoding="utf-8"))
    assert all(not c["outputs"] and c["execution_count"] is None
               for c in raw["cells"] if c["cell_type"] == "code")
    execute_notebook(str(nb), str(tmp_path / "run.ipynb"), kernel_name="python3",
                     parameters={"output_dir": str(tmp_path / "results")}, cwd=str(nb.parent),
                     progress_bar=False)
    out = tmp_path / "results"
    assert (out / "configurations.docx").is_file() and (out / "methods.md").is_file()
    meta = json.loads((out / "qca.json").read_text(encoding="utf-8"))
    assert meta["solutions"]["intermediate"] == ["DEV*URB*LIT*STB + DEV*LIT*~IND*STB"]
    executed = (tmp_path / "run.ipynb").read_text(encoding="utf-8")
    assert "From C1P1:" in executed and "image/png" in executed
    # the diagnostics cell: R's findRows(type = 2) rows on LF and the XY plot beside the chart
    assert "CSA rows: [10, 12, 14, 16, 17, 21, 25, 29]" in executed
    assert executed.count("image/png") >= 2 and (out / "xy_solution.png").is_file()
