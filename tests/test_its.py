"""Interrupted time series against Lopez Bernal, Cummins & Gasparrini (2017).

Data and reference values in tests/data/lopez_bernal_2017/ (see SOURCE.md there): the tutorial's
Sicily data, the rate ratios its code prints (three decimals) and the same models fitted by base
R's glm() (make_reference.R, R 4.2.2) and the sandwich package's Newey–West SE.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab import evaluation as ev
from talentlab.evaluation import its

DATA = Path(__file__).parent / "data" / "lopez_bernal_2017"


@pytest.fixture(scope="module")
def sicily():
    return pd.read_csv(DATA / "sicily.csv")


@pytest.fixture(scope="module")
def r_ref():
    return json.loads((DATA / "sicily_reference.json").read_text(encoding="utf-8"))


def _row(res, term):
    return res.set_index("term").loc[term]


#: (model, kwargs, published RR, CI low, CI high) — the tutorial's printed values
PUBLISHED = [
    ("model1_poisson", {"family": "poisson"}, 0.894, 0.865, 0.925),
    ("model3_quasipoisson_harmonic", {"season": "month", "n_harmonics": 2}, 0.885, 0.839, 0.933),
    ("model4_slope_change", {"season": "month", "n_harmonics": 2, "slope_change": True},
     0.876, 0.827, 0.929),
]


@pytest.mark.parametrize("model, kwargs, rr, low, high", PUBLISHED)
def test_reproduces_tutorial_rate_ratios(sicily, r_ref, model, kwargs, rr, low, high):
    res = ev.interrupted_time_series(sicily, "aces", "time", 37, offset="stdpop", **kwargs)
    lvl = _row(res, "level_change")
    assert lvl["primary"] and lvl["null_value"] == 1.0
    # the published three-decimal values
    assert round(lvl["estimate"], 3) == rr
    assert round(lvl["ci_low"], 3) == low and round(lvl["ci_high"], 3) == high
    # R's glm to full precision (independent implementation)
    ref = r_ref[model]
    assert lvl["coef"] == pytest.approx(ref["smokban"]["coef"], rel=1e-7)
    assert lvl["se"] == pytest.approx(ref["smokban"]["se"], rel=1e-6)
    assert lvl["ci_low"] == pytest.approx(ref["smokban"]["rr_low"], rel=1e-6)
    if kwargs.get("family") != "poisson":  # IRLS convergence differs in the 6th digit
        assert lvl["dispersion"] == pytest.approx(ref["dispersion"], rel=1e-5)
    trend = _row(res, "pre_trend")
    assert trend["coef"] == pytest.approx(ref["time"]["coef"], rel=1e-6)
    if kwargs.get("slope_change"):
        slope = _row(res, "slope_change")
        r_slope = ref["smokban:I(time - 36)"]
        assert slope["coef"] == pytest.approx(r_slope["coef"], rel=1e-6)
        assert slope["ci_high"] == pytest.approx(r_slope["rr_high"], rel=1e-7)
        assert round(slope["estimate"], 3) == 1.001


def test_quasipoisson_scales_poisson_se_by_dispersion(sicily, r_ref):
    qp = _row(ev.interrupted_time_series(sicily, "aces", "time", 37, offset="stdpop"),
              "level_change")
    po = _row(ev.interrupted_time_series(sicily, "aces", "time", 37, offset="stdpop",
                                         family="poisson"), "level_change")
    assert qp["coef"] == pytest.approx(po["coef"])
    assert qp["se"] == pytest.approx(po["se"] * np.sqrt(qp["dispersion"]), rel=1e-6)
    assert qp["se"] == pytest.approx(r_ref["model2_quasipoisson"]["smokban"]["se"], rel=1e-6)
    assert "quasi-Poisson" in qp["method"] and qp["n_pre"] == 36 and qp["n_post"] == 23


def test_ols_newey_west_matches_sandwich(sicily, r_ref):
    d = sicily.assign(rate=sicily["aces"] / sicily["stdpop"] * 1e5)
    res = ev.interrupted_time_series(d, "rate", "time", 37, family="ols", season="month",
                                     n_harmonics=2, hac_lags=3)
    lvl = _row(res, "level_change")
    ref = r_ref["ols_rate_harmonic"]["smokban"]
    assert lvl["estimate"] == pytest.approx(ref["coef"], rel=1e-8)
    if np.isnan(ref["se_newey_west_lag3"]):
        pytest.skip("sandwich package was absent when the reference was made")
    assert lvl["se"] == pytest.approx(ref["se_newey_west_lag3"], rel=1e-6)
    assert lvl["null_value"] == 0.0 and lvl["hac_lags"] == 3 and "Newey-West" in lvl["method"]
    # default lags: Newey & West (1994) rule of thumb
    assert its.newey_west_lags(59) == 3


def test_recovers_planted_level_and_slope_change():
    rng = np.random.default_rng(3)
    t = np.arange(1, 73)
    month = (t - 1) % 12 + 1
    mu = 500 * np.exp(0.004 * t + 0.1 * np.sin(2 * np.pi * month / 12)
                      - 0.15 * (t >= 37) + 0.01 * np.clip(t - 36, 0, None))
    d = pd.DataFrame({"t": t, "month": month, "y": rng.poisson(mu)})
    res = ev.interrupted_time_series(d, "y", "t", 37, season="month", n_harmonics=1,
                                     slope_change=True)
    lvl, slope = _row(res, "level_change"), _row(res, "slope_change")
    assert lvl["ci_low"] < np.exp(-0.15) < lvl["ci_high"]
    assert slope["ci_low"] < np.exp(0.01) < slope["ci_high"]


def test_short_series_is_not_estimable_and_says_why():
    d = pd.DataFrame({"t": range(2018, 2024), "y": [5, 6, 7, 8, 9, 9]})
    res = ev.interrupted_time_series(d, "y", "t", 2022, family="ols")
    assert len(res) == 1 and np.isnan(res["estimate"].iloc[0])
    assert res["method"].iloc[0].startswith("not estimable: 4 pre- and 2 post")


@pytest.mark.parametrize("kwargs, message", [
    ({"family": "probit"}, "family must be one of"),
    ({"offset": "nope"}, r"column\(s\) \['nope'\] not in the data"),
    ({"n_harmonics": 2}, "needs a season column"),
    ({"family": "ols", "offset": "stdpop"}, "offset applies to the Poisson"),
])
def test_bad_input_is_a_clear_error(sicily, kwargs, message):
    with pytest.raises(ev.EvaluationInputError, match=message):
        ev.interrupted_time_series(sicily, "aces", "time", 37, **kwargs)


def test_counts_and_duplicates_are_checked(sicily):
    bad = sicily.assign(aces=sicily["aces"].astype(float))
    bad.loc[4, "aces"] = 10.5
    with pytest.raises(ev.EvaluationInputError, match="row 4 holds 10.5"):
        ev.interrupted_time_series(bad, "aces", "time", 37)
    dup = pd.concat([sicily, sicily.iloc[[0]]], ignore_index=True)
    with pytest.raises(ev.EvaluationInputError, match="repeats the value 1.0"):
        ev.interrupted_time_series(dup, "aces", "time", 37)
