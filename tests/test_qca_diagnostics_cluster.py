"""Cluster diagnostics of pooled panels against SetMethods 4.0 ``cluster`` on its SCHLF examples
(values made by tests/reference/setmethods/make_diagnostics_reference.R)."""

import json

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError, minimize
from talentlab.qca.cluster import cluster_diagnostics


@pytest.fixture(scope="module")
def ref(reference_dir):
    return json.loads((reference_dir / "setmethods" / "diagnostics_reference.json")
                      .read_text(encoding="utf-8"))["cluster"]


@pytest.fixture(scope="module")
def schlf(reference_dir):
    return pd.read_csv(reference_dir / "setmethods" / "diag_SCHLF.csv", index_col="case")


def _check(res, expected, expression, ref):
    fit = res.fit[res.fit["set"] == expression]
    pooled = fit[fit["level"] == "pooled"].iloc[0]
    between = fit[fit["level"] == "between"].set_index("group")
    within = fit[fit["level"] == "within"].set_index("group")
    assert between.index.tolist() == ref["clusters"]
    assert within.index.tolist() == ref["units"]
    np.testing.assert_allclose(pooled["consistency"], expected["pooled"], rtol=1e-12)
    np.testing.assert_allclose(pooled["coverage"], expected["cov_pooled"], rtol=1e-12)
    np.testing.assert_allclose(between["consistency"], expected["between"], rtol=1e-12)
    np.testing.assert_allclose(between["coverage"], expected["cov_between"], rtol=1e-12)
    np.testing.assert_allclose(within["consistency"], expected["within"], rtol=1e-12)
    np.testing.assert_allclose(within["coverage"], expected["cov_within"], rtol=1e-12)
    dist = res.distances.set_index("set").loc[expression]
    np.testing.assert_allclose([dist["dBP"], dist["dWP"]], [expected["dBP"], expected["dWP"]],
                               rtol=1e-9)
    assert between["n"].sum() == within["n"].sum() == pooled["n"]


@pytest.mark.parametrize("example", ["suff", "suff_neg", "nec", "nec_neg"])
def test_cluster_matches_setmethods(ref, schlf, example):
    e = ref[example]
    res = cluster_diagnostics(schlf, e["expression"], e["outcome"], unit="COUNTRY",
                              cluster="YEAR", necessity=e["necessity"])
    _check(res, e, e["expression"], ref)


def test_cluster_of_a_solution_matches_setmethods(ref, schlf):
    result = minimize(schlf, outcome="EXPORT",
                      conditions=["EMP", "BARGAIN", "UNI", "OCCUP", "STOCK", "MA"],
                      incl_cut=0.9, include="?", directional=["~EMP", "~BARGAIN", "~UNI",
                                                              "~OCCUP", "~STOCK", "~MA"])
    model = result.solutions[0]
    assert sorted(model) == sorted(ref["solution"]["model"])
    res = cluster_diagnostics(schlf, model + [" + ".join(model)], "EXPORT", unit="COUNTRY",
                              cluster="YEAR")
    for term in ref["solution"]["terms"]:
        _check(res, ref["solution"]["values"][term], term, ref)
    whole = res.fit[(res.fit["set"] == " + ".join(model)) & (res.fit["level"] == "pooled")]
    assert whole["coverage"].iloc[0] >= res.fit.loc[res.fit["level"] == "pooled",
                                                    "coverage"].iloc[:-1].max()


def test_cluster_names_missing_columns(schlf):
    with pytest.raises(QCAError, match="'REGION'"):
        cluster_diagnostics(schlf, "EMP", "EXPORT", unit="REGION", cluster="YEAR")


def test_cluster_refuses_more_cells_than_the_limit(monkeypatch, schlf):
    from talentlab.qca import cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MAX_CELLS", 19 * 4 - 1)
    with pytest.raises(QCAError, match="19 units x 4 clusters"):
        cluster_diagnostics(schlf, "EMP", "EXPORT", unit="COUNTRY", cluster="YEAR")
