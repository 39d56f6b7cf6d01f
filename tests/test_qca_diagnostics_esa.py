"""CSA, SSR and the enhanced standard analysis against R QCA 3.25.1 / SetMethods 4.0 (values made
by tests/reference/setmethods/make_diagnostics_reference.R; sources in SOURCE_diagnostics.md)."""

import json

import pandas as pd
import pytest

from talentlab.qca import QCAError, minimize, truth_table
from talentlab.qca.esa import (
    contradictory_simplifying_assumptions,
    enhanced_standard_analysis,
    esa_exclusions,
    simultaneous_subset_rows,
)

SCHF_CONDITIONS = ["EMP", "BARGAIN", "UNI", "OCCUP", "STOCK", "MA"]


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "setmethods" / "diagnostics_reference.json")
                      .read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def schf_tt(reference_dir):
    data = pd.read_csv(reference_dir / "setmethods" / "diag_SCHF.csv", index_col="case")
    return truth_table(data, "EXPORT", conditions=SCHF_CONDITIONS, incl_cut=0.9, warn=False)


def _rows(value) -> list[int]:
    # jsonlite writes a one-element vector as a scalar
    return [int(v) for v in (value if isinstance(value, list) else [value])]


def test_esa_recodes_the_rows_setmethods_esa_recodes(ref, schf_tt):
    e = ref["esa"]
    assert list(schf_tt.all_rows["OUT"]) == e["before"]
    res = enhanced_standard_analysis(schf_tt, e["nec_cond"], e["untenable_LR"],
                                     e["contrad_rows"])
    after = schf_tt.all_rows["OUT"].copy()
    after.loc[res.excluded.index] = "0"
    assert list(after) == e["after"]
    assert minimize(schf_tt, include="?").solutions == e["parsimonious_before"]
    assert res.solutions == e["parsimonious_after"]
    assert res.solutions != e["parsimonious_before"]


def test_esa_names_the_reason_of_each_row(schf_tt):
    ex = esa_exclusions(schf_tt, necessary="EMP", untenable="BARGAIN*~OCCUP",
                        contradictory_rows=[14])
    # necessity reaches observed rows too; untenable assumptions only remainders
    assert (ex.loc[ex["reason"].str.contains("necessary"), "EMP"] == 0).all()
    untenable = ex[ex["reason"].str.contains("untenable")]
    assert (untenable["OUT"] == "?").all()
    assert ((untenable["BARGAIN"] == 1) & (untenable["OCCUP"] == 0)).all()
    assert "contradictory" in ex.at[14, "reason"]
    with pytest.raises(QCAError, match="row 65 does not exist"):
        esa_exclusions(schf_tt, contradictory_rows=[65])


@pytest.mark.parametrize("name, conditions, incl_cut",
                         [("SCHF", SCHF_CONDITIONS, 0.9),
                          ("LF", ["DEV", "URB", "LIT", "IND", "STB"], 0.8)])
def test_csa_and_ssr_as_findrows(ref, reference_dir, name, conditions, incl_cut):
    data = pd.read_csv(reference_dir / "setmethods" / f"diag_{name}.csv", index_col="case")
    outcome = "EXPORT" if name == "SCHF" else "SURV"
    tt = truth_table(data, outcome, conditions=conditions, incl_cut=incl_cut, warn=False)
    expected = ref[f"findrows_{name}"]
    assert contradictory_simplifying_assumptions(tt).index.tolist() == _rows(expected["csa"])
    assert simultaneous_subset_rows(tt).index.tolist() == _rows(expected["ssr"])


def test_excluding_the_csas_removes_them_from_the_assumptions(schf_tt):
    csa = contradictory_simplifying_assumptions(schf_tt).index.tolist()
    res = enhanced_standard_analysis(schf_tt, contradictory_rows=csa)
    used = {r for sa in res.result.simplifying_assumptions.values() for r in sa.index}
    assert not used & set(csa)
