"""Deliberate differences between talentlab.qca and R's QCA 3.25.1 / NCA 5.0.1, each against R's
own output (tests/reference/qca/r-differences: the R script, its JSON and SOURCE.md; R is not
needed here). They are the classes of benchmarks/qca_differential.py that are not "agree":

* with two inclusion cut-offs and ``n.cut`` > 1 R writes the ``C`` codes on the wrong rows;
  talentlab's codes are those R's own ``n``, ``incl`` and ``PRI`` give;
* when no row reaches ``n.cut`` both refuse, in different words and at different steps;
* an intermediate branch without easy counterfactuals lists every conservative model, as R
  (the issue's smallest case); on published data (LF) the branches match R's with no easy
  counterfactual (the empty-EC case) and with ten;
* NCA's scope is the observed range by default, as R NCA's ``scope = NULL``.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError, minimize, nca, truth_table

HERE = Path(__file__).resolve().parent / "reference" / "qca"
R = json.loads((HERE / "r-differences" / "r_differences.json").read_text(encoding="utf-8"))
# R's truth tables store incl and PRI as text with 15 significant digits
RTOL = 1e-13


def _frame(records: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(records).set_index("_row").rename_axis(None)


def _recoded(n, incl, pri, n_cut, ic1, ic0) -> list[str]:
    """Output codes under the documented rule (R's truthTable.R intends the same)."""
    return ["?" if k < n_cut else "1" if (i >= ic1 and p >= 0) else "C" if i >= ic0 else "0"
            for k, i, p in zip(n, incl, pri, strict=True)]


def _r_indexing(n, incl, pri, n_cut, ic1, ic0) -> list[str]:
    """R 3.25.1 truthTable.R lines 315-321: the C mask is computed over the rows that reach
    n.cut but assigned into the vector of every observed row (recycled by R's indexing)."""
    keep = [k >= n_cut for k in n]
    out = ["?"] * len(n)
    kept = [j for j, k in enumerate(keep) if k]
    for j in kept:
        out[j] = "1" if (incl[j] >= ic1 and pri[j] >= 0) else "0"
    mask = [incl[j] < ic1 and incl[j] >= ic0 for j in kept]
    for j in range(len(n)):
        if mask[j % len(mask)]:
            out[j] = "C"
    return out


def test_two_cut_offs_with_n_cut_above_one_r_writes_c_on_the_wrong_rows():
    case = R["two_cuts"]
    data = _frame(case["data"])
    ic1, ic0 = case["incl_cut"]
    rows = case["rows"]
    tt = truth_table(data, "Y", incl_cut=(ic1, ic0), n_cut=case["n_cut"])
    ours = tt.table.loc[rows["row"]]
    assert ours["n"].tolist() == rows["n"]
    np.testing.assert_allclose(ours["incl"], rows["incl"], rtol=RTOL)
    np.testing.assert_allclose(ours["PRI"], rows["PRI"], rtol=RTOL)
    assert ours["cases"].tolist() == rows["cases"]
    expected = _recoded(rows["n"], rows["incl"], rows["PRI"], case["n_cut"], ic1, ic0)
    assert ours["OUT"].tolist() == expected == ["?", "C", "1", "0"]
    # R's codes differ on three rows, exactly as its indexing predicts: a C on a row below n.cut
    # (row 1, one case) and on a row with inclusion 0 (row 5); none on the 2/3 row (row 2)
    assert rows["OUT"] == ["C", "0", "1", "C"]
    assert _r_indexing(rows["n"], rows["incl"], rows["PRI"], case["n_cut"], ic1, ic0) == \
        rows["OUT"]
    # with n.cut 1 nothing is removed, R's indexing is right and both agree
    single = truth_table(data, "Y", incl_cut=(ic1, ic0), n_cut=1).table
    assert single.loc[case["rows_n_cut_1"]["row"], "OUT"].tolist() == \
        case["rows_n_cut_1"]["OUT"]
    # the solution does not depend on where R writes the C codes here (row 3 alone is positive)
    assert minimize(tt).solutions == case["conservative"]


def test_no_row_reaching_n_cut_both_refuse_in_their_own_words():
    case = R["no_row_reaches_n_cut"]
    assert case["error"].startswith("There are no configurations, using these cutoff values.")
    data = _frame(case["data"])
    tt = truth_table(data, "Y", n_cut=case["n_cut"])
    # talentlab keeps the table (every row a remainder, so robustness grids can show it) and
    # refuses when asked to minimise it
    assert (tt.table["OUT"] == "?").all()
    assert tt.table["n"].max() < case["n_cut"]
    for include in (None, "?"):
        with pytest.raises(QCAError, match="none of the truth table rows has an output to "
                                           "explain"):
            minimize(tt, include=include)


def _check_branches(res, expected: dict) -> None:
    assert list(res.branches) == list(expected)
    for name, r_branch in expected.items():
        branch = res.branches[name]
        assert branch.c_sol == r_branch["c_sol"]
        assert branch.p_sol == r_branch["p_sol"]
        assert branch.easy_counterfactuals.index.tolist() == r_branch["EC"]
        dc = r_branch["DC"] if isinstance(r_branch["DC"], list) else [r_branch["DC"]]
        assert branch.difficult_counterfactuals.index.tolist() == dc
        assert branch.solutions == r_branch["solutions"]
        essential = r_branch["essential"]
        assert branch.solution.essential == (essential if isinstance(essential, list)
                                             else [essential])
        for k, r_fit in enumerate(r_branch["fit"]):
            ours = branch.solution.model_fits[k]
            terms = r_fit["terms"]
            np.testing.assert_allclose(ours.loc[terms, ["inclS", "PRI", "covS"]].to_numpy(float),
                                       np.array([r_fit["inclS"], r_fit["PRI"], r_fit["covS"]]).T,
                                       rtol=1e-12)
            if len(terms) > 1:
                np.testing.assert_allclose(ours.loc[terms, "covU"].to_numpy(float),
                                           r_fit["covU"], rtol=1e-12, atol=1e-15)
            sol = r_fit["solution"]
            np.testing.assert_allclose(ours.loc["solution", ["inclS", "PRI", "covS"]].to_numpy(
                float), [sol["inclS"], sol["PRI"], sol["covS"]], rtol=1e-12)


def test_branches_without_easy_counterfactuals_list_every_conservative_model_as_r():
    case = R["smallest"]
    tt = truth_table(_frame(case["data"]), "Y", incl_cut=1)
    assert tt.table["OUT"].tolist() == case["rows"]["OUT"]
    res = minimize(tt, include="?", directional=case["dir_exp"])
    assert res.conservative.solutions == case["conservative"]
    assert res.parsimonious.solutions == case["parsimonious"]
    assert all(not b["EC"] for b in case["branches"].values())
    _check_branches(res, case["branches"])


@pytest.mark.parametrize("key, easy", [("lf_empty_ec", 0), ("lf_absence_expected", 10)])
def test_intermediate_branches_on_lf_as_r_with_and_without_easy_counterfactuals(key, easy):
    case = R[key]
    assert len(case["branches"]["C1P1"]["EC"]) == easy
    lf = pd.read_csv(HERE / "LF.csv", index_col=0)
    res = minimize(truth_table(lf, "SURV", incl_cut=0.8), include="?",
                   directional=case["dir_exp"])
    assert res.conservative.solutions == case["conservative"]
    assert res.parsimonious.solutions == case["parsimonious"]
    _check_branches(res, case["branches"])


def test_nca_scope_is_observed_by_default_as_r_and_theoretical_on_request():
    lf = pd.read_csv(HERE / "LF.csv", index_col=0)
    conditions = list(R["nca_lf"])
    default = nca(lf, conditions, "SURV").summary
    theoretical = nca(lf, conditions, "SURV", scope="theoretical").summary
    for x, r in R["nca_lf"].items():
        for summary, key in ((default, "default"), (theoretical, "theoretical")):
            row = summary.loc[(summary["condition"] == x) & (summary["ceiling"] == "ce_fdh")]
            row = row.iloc[0]
            assert [row["x_min"], row["x_max"], row["y_min"], row["y_max"]] == \
                pytest.approx(r[key]["scope"], abs=1e-12)
            assert row["scope"] == pytest.approx(r[key]["scope_area"], rel=1e-12)
            assert row["effect_size"] == pytest.approx(r[key]["effect"], rel=1e-9)
    # the two scopes give different effect sizes on these data (DEV 0.374 against 0.390)
    dev = R["nca_lf"]["DEV"]
    assert dev["default"]["effect"] != pytest.approx(dev["theoretical"]["effect"], rel=1e-2)
