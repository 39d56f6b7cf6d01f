"""NCA (talentlab.qca.nca): the worked example of Dul (2016) against the R package NCA's own
code, ceilings against an independent brute-force computation, the permutation test's
properties and R's own unit-test values of the line ceiling."""

from __future__ import annotations

import json
import math
from itertools import permutations
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import integrate

from talentlab.qca import QCAError, bottleneck_table, nca
from talentlab.qca.nca import ce_fdh, ceiling_zone_line, cr_fdh, format_bottleneck, nca_peers

HERE = Path(__file__).resolve().parent / "data" / "nca"
Y = "Innovation performance"
X = ["Individualism", "Risk taking"]


@pytest.fixture(scope="module")
def example() -> pd.DataFrame:
    # nca.example of the R package NCA 5.0.1 (Dul 2016's example), source and licence in SOURCE.md
    return pd.read_csv(HERE / "nca_example.csv", index_col=0)


@pytest.fixture(scope="module")
def reference() -> dict:
    # computed by make_reference.R with the R package's own functions
    return json.loads((HERE / "nca_example_reference.json").read_text())["results"]


def _num(v):
    return {"Inf": np.inf, "-Inf": -np.inf, None: np.nan}.get(v, v) if not isinstance(
        v, int | float) else float(v)


def test_nca_example_matches_r_package(example, reference):
    res = nca(example, X, Y)
    s = res.summary.set_index(["condition", "ceiling"])
    for x in X:
        ref = reference[x]
        assert s.loc[(x, "ce_fdh"), "scope"] == pytest.approx(ref["scope"], rel=1e-12)
        for k in ("ce_fdh", "cr_fdh"):
            row = s.loc[(x, k)]
            assert row["ceiling_zone"] == pytest.approx(ref[k]["ceiling"], rel=1e-10)
            assert row["effect_size"] == pytest.approx(ref[k]["effect"], rel=1e-10)
            assert row["accuracy"] == pytest.approx(ref[k]["accuracy"], rel=1e-12)
        cr = s.loc[(x, "cr_fdh")]
        assert cr["slope"] == pytest.approx(ref["cr_fdh"]["slope"], rel=1e-10)
        assert cr["intercept"] == pytest.approx(ref["cr_fdh"]["intercept"], rel=1e-10)
        assert cr["fit"] == pytest.approx(ref["cr_fdh"]["fit"], rel=1e-10)
        assert cr["above"] == ref["cr_fdh"]["above"]
        peers = res.peers[x]
        assert peers.index.tolist() == ref["peer_names"]
        assert peers.to_numpy().tolist() == ref["peers"]
    # the headline figures of the example, rounded as NCA prints them
    assert s["effect_size"].round(2).tolist() == [0.42, 0.31, 0.31, 0.28]


@pytest.mark.parametrize("ceiling", ["ce_fdh", "cr_fdh"])
def test_bottleneck_table_matches_r_package(example, reference, ceiling):
    actual = bottleneck_table(example, X, Y, ceiling, bottleneck_x="actual")
    pct = bottleneck_table(example, X, Y, ceiling)
    for x in X:
        ref = np.array([_num(v) for v in reference[x][ceiling]["bottleneck"]], dtype=float)
        np.testing.assert_allclose(actual[x].to_numpy(), ref, rtol=1e-10)
        lo, hi = reference[x]["scope_emp"][:2]
        expect = np.where(np.isfinite(ref), 100 * (ref - lo) / (hi - lo), ref)
        np.testing.assert_allclose(pct[x].to_numpy(), expect, rtol=1e-10)
    assert pct.index.tolist() == [float(v) for v in range(0, 101, 10)]
    printed = format_bottleneck(pct)
    assert printed.iloc[0].tolist() == ["NN", "NN"]


def _brute_ce_zone(x, y, theo):
    """Area of {(a, b) in scope: no case with x_i <= a and y_i >= b}, cell by cell."""
    xs = np.unique(np.concatenate([x, theo[:2]]))
    ys = np.unique(np.concatenate([y, theo[2:]]))
    area = 0.0
    for i in range(len(xs) - 1):
        for j in range(len(ys) - 1):
            blocked = np.any((x <= xs[i]) & (y >= ys[j + 1]))
            if not blocked:
                area += (xs[i + 1] - xs[i]) * (ys[j + 1] - ys[j])
    return area


def _brute_line_zone(slope, intercept, theo):
    def gap(a):
        return theo[3] - min(max(intercept + slope * a, theo[2]), theo[3])

    kinks = [(v - intercept) / slope for v in theo[2:]] if slope else []
    pts = sorted([p for p in kinks if theo[0] < p < theo[1]])
    return integrate.quad(gap, theo[0], theo[1], points=pts or None, epsabs=1e-12)[0]


@pytest.mark.parametrize("seed", range(40))
def test_ceilings_equal_brute_force(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 25))
    discrete = seed % 2 == 0
    x = rng.integers(0, 6, n).astype(float) if discrete else rng.uniform(0, 10, n)
    y = rng.integers(0, 6, n).astype(float) if discrete else x * rng.uniform(0, 1, n)
    scope = None if seed % 3 else (-1.0, 12.0, -1.0, 12.0)
    ce = ce_fdh(x, y, scope)
    theo = np.array(scope) if scope else np.array([x.min(), x.max(), y.min(), y.max()])
    assert ce["ceiling_zone"] == pytest.approx(_brute_ce_zone(x, y, theo), abs=1e-9)
    # every case lies on or below the step line
    px, py = ce["peers"]["x"].to_numpy(), ce["peers"]["y"].to_numpy()
    for xi, yi in zip(x, y, strict=True):
        assert yi <= py[px <= xi].max() + 1e-12
    cr = cr_fdh(x, y, scope)
    if len(ce["peers"].drop_duplicates()) > 1:
        slope, intercept = np.polyfit(px, py, 1)
        assert cr["slope"] == pytest.approx(slope, abs=1e-9)
        if slope > 1e-12:
            assert cr["ceiling_zone"] == pytest.approx(
                _brute_line_zone(slope, intercept, theo), abs=1e-6)
            above = int(np.sum(y > intercept + slope * x + 1e-7))
            assert cr["above"] == above
            assert cr["accuracy"] == pytest.approx(100 * (n - above) / n)


def test_ceiling_of_a_line_matches_r_unit_tests():
    # expected values of NCA's tests/testthat/test.p_ceiling.R (corner 1, scope (1, 6, 2, 6))
    scope = (1, 6, 2, 6)
    cases = [((2 / 3, 4), 4 / 3), ((0, 3), 15), ((0, 5), 5), ((4 / 3, 0), 8), ((2 / 3, 0), 17),
             ((0, 0), 20), ((1, 8), math.nan), ((0, 8), math.nan), ((-2 / 3, 4), math.nan),
             ((-1, 0), math.nan)]
    for (slope, intercept), expected in cases:
        got = ceiling_zone_line(slope, intercept, scope)
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(expected)


def test_peers_handle_ties_like_r():
    # equal x: only the highest y is a peer; duplicates of a peer are kept (R p_peers)
    p = nca_peers([1, 1, 2, 2, 3], [1, 2, 2, 3, 3])
    assert p.to_numpy().tolist() == [[1, 2], [2, 3]]
    p = nca_peers([1, 2, 2], [1, 2, 2])
    assert p.to_numpy().tolist() == [[1, 1], [2, 2], [2, 2]]


def test_permutation_test_seeded_and_exact_for_small_n(example):
    a = nca(example, "Individualism", Y, n_permutations=300, seed=7).summary
    b = nca(example, "Individualism", Y, n_permutations=300, seed=7).summary
    pd.testing.assert_frame_equal(a, b)
    assert ((a["p_value"] > 0) & (a["p_value"] <= 1)).all()
    assert (a["p_value"] >= 1 / 300).all() and (a["p_accuracy"] > 0).all()
    # n = 5: 120 permutations enumerated, p = share of permutations with d >= observed
    d = pd.DataFrame({"X": [0.1, 0.3, 0.6, 0.8, 0.9], "Y": [0.2, 0.3, 0.4, 0.9, 0.8]})
    res = nca(d, "X", "Y", n_permutations=1000, seed=1)
    obs = res.summary.set_index("ceiling")["effect_size"]
    for k in ("ce_fdh", "cr_fdh"):
        effects = []
        for perm in permutations(range(5)):
            yy = d["Y"].to_numpy()[list(perm)]
            r = ce_fdh(d["X"], yy) if k == "ce_fdh" else cr_fdh(d["X"].to_numpy(), yy)
            effects.append(r["effect_size"])
        effects = np.array(effects)
        effects = effects[~np.isnan(effects)]
        row = res.summary.set_index("ceiling").loc[k]
        assert row["p_value"] == pytest.approx(np.sum(effects >= obs[k] - 1e-12) / 120)
        assert row["p_accuracy"] == 0
        assert row["n_permutations"] == 120


def test_p_accuracy_is_the_half_width_at_level_one_minus_p_alpha(example):
    # R NCA: p_accuracy = z * sqrt(p (1 - p) / reps), z the normal quantile of 1 - p_alpha / 2
    for p_alpha, z in ((0.05, 1.959963984540054), (0.10, 1.6448536269514722)):
        kwargs = {} if p_alpha == 0.05 else {"p_alpha": p_alpha}
        res = nca(example, "Individualism", Y, n_permutations=300, seed=7, **kwargs).summary
        p = res["p_value"].to_numpy()
        np.testing.assert_allclose(res["p_accuracy"], z * np.sqrt(p * (1 - p) / 300),
                                   rtol=1e-12)
    with pytest.raises(QCAError, match="p_alpha must lie between 0 and 1"):
        nca(example, "Individualism", Y, n_permutations=300, seed=7, p_alpha=95)


def test_perfect_necessity_and_no_necessity():
    # Y <= X everywhere with cases on the diagonal: large effect; a full square: none
    d = pd.DataFrame({"X": [0, 0.25, 0.5, 0.75, 1], "Y": [0, 0.25, 0.5, 0.75, 1]})
    s = nca(d, "X", "Y", scope=(0, 1, 0, 1)).summary.set_index("ceiling")
    assert s.loc["ce_fdh", "effect_size"] == pytest.approx(0.625)
    assert s.loc["cr_fdh", "effect_size"] == pytest.approx(0.5)
    d = pd.DataFrame({"X": [0, 1, 0, 1], "Y": [0, 0, 1, 1]})
    s = nca(d, "X", "Y").summary.set_index("ceiling")
    assert s.loc["ce_fdh", "effect_size"] == 0


def test_bad_input_errors():
    d = pd.DataFrame({"X": [1, 2], "Y": ["a", "b"]})
    with pytest.raises(QCAError, match="numeric"):
        nca(d, "X", "Y")
    with pytest.raises(QCAError, match="not in the data"):
        nca(d, "Z", "Y")
    with pytest.raises(QCAError, match="unknown ceiling"):
        nca(pd.DataFrame({"X": [1, 2], "Y": [1, 2]}), "X", "Y", ceilings=["ols"])
    with pytest.raises(QCAError, match="two"):
        nca(pd.DataFrame({"X": [1, np.nan], "Y": [1, 2]}), "X", "Y")
