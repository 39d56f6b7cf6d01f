"""Agreement statistics against published worked examples and independent computations."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats import inter_rater

from talentlab.qca.agreement import (
    AgreementError,
    cohen_kappa,
    disagreements,
    fleiss_kappa,
    krippendorff_alpha,
    percent_agreement,
    reliability_matrix,
)

NAN = np.nan

# Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. Annenberg School for
# Communication, University of Pennsylvania, section E ("nominal data, any number of observers,
# missing data"): 4 observers x 12 units; published alphas nominal .743, ordinal .815,
# interval .849, ratio .797.
KRIPP_2011 = [[1, 2, 3, 3, 2, 1, 4, 1, 2, NAN, NAN, NAN],
              [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, NAN, 3],
              [NAN, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, NAN],
              [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, NAN]]
KRIPP_2011_ALPHA = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
# Bulletin 76(5), 378-382, Table 1: 30 patients, 6 psychiatrists, 5 diagnoses (1 depression,
# 2 personality disorder, 3 schizophrenia, 4 neurosis, 5 other); kappa = .430 (p. 380).
# Each row lists the six diagnoses a patient received (as in statsmodels' test suite).
FLEISS_1971 = [[4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
               [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
               [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
               [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
               [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
               [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
               [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
               [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5]]

# Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational and Psychological
# Measurement 20(1), 37-46, Table 1: two judges, 200 units, 3 categories; p_o = .70, p_c = .41,
# kappa = .49.
COHEN_1960 = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]


def _long_from_matrix(rows, coders=None):
    coders = coders or [f"c{i}" for i in range(len(rows))]
    return pd.DataFrame([{"coder": c, "unit": u, "value": v}
                         for c, r in zip(coders, rows, strict=True) for u, v in enumerate(r)
                         if not (isinstance(v, float) and np.isnan(v))])


def _long_from_table(table):
    pairs = [(a, b) for a, row in enumerate(table) for b, n in enumerate(row) for _ in range(n)]
    return pd.DataFrame([(u, c, v) for u, (a, b) in enumerate(pairs)
                         for c, v in (("A", a), ("B", b))], columns=["unit", "coder", "value"])


def _alpha_nominal_by_hand(matrix):
    """Independent computation from the coincidence matrix (Krippendorff 2011, section C)."""
    m = np.asarray(matrix, dtype=float)
    cats = sorted(set(m[np.isfinite(m)].tolist()))
    o = np.zeros((len(cats), len(cats)))
    for u in m.T:
        vals = u[np.isfinite(u)]
        if len(vals) < 2:
            continue
        for i, a in enumerate(vals):
            for j, b in enumerate(vals):
                if i != j:
                    o[cats.index(a), cats.index(b)] += 1 / (len(vals) - 1)
    n_c = o.sum(axis=1)
    n = n_c.sum()
    d_o = (o.sum() - np.trace(o)) / n
    d_e = (n * n - (n_c ** 2).sum()) / (n * (n - 1))
    return 1 - d_o / d_e


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_krippendorff_2011_worked_example(level):
    res = krippendorff_alpha(_long_from_matrix(KRIPP_2011), "value", level=level, n_boot=0)
    assert res["alpha"].item() == pytest.approx(KRIPP_2011_ALPHA[level], abs=5e-4)
    assert res["n_units"].item() == 11  # unit 12 has one value: not pairable
    assert res["n_values"].item() == 40
    assert res["n_coders"].item() == 4


def test_alpha_nominal_matches_coincidence_matrix_by_hand():
    rng = np.random.default_rng(3)
    m = rng.integers(0, 4, size=(3, 40)).astype(float)
    m[rng.random(m.shape) < 0.2] = np.nan
    res = krippendorff_alpha(_long_from_matrix(m), "value", level="nominal", n_boot=0)
    assert res["alpha"].item() == pytest.approx(_alpha_nominal_by_hand(m), abs=1e-12)


def test_alpha_ordinal_strings_follow_given_categories():
    # the same data as ranks and as labels in their order give the same ordinal alpha
    labels = ["none", "weak", "strong", "full", "extra"]
    as_text = [[labels[int(v) - 1] if np.isfinite(v) else NAN for v in row] for row in KRIPP_2011]
    res = krippendorff_alpha(_long_from_matrix(as_text), "value", level="ordinal",
                             categories=labels, n_boot=0)
    assert res["alpha"].item() == pytest.approx(0.815, abs=5e-4)
    # sorted alphabetically the order is wrong and alpha changes
    wrong = krippendorff_alpha(_long_from_matrix(as_text), "value", level="ordinal", n_boot=0)
    assert wrong["alpha"].item() != pytest.approx(0.815, abs=5e-3)


def test_alpha_bootstrap_seeded_and_brackets_estimate():
    long = _long_from_matrix(KRIPP_2011)
    a = krippendorff_alpha(long, "value", level="interval", n_boot=300, seed=7)
    b = krippendorff_alpha(long, "value", level="interval", n_boot=300, seed=7)
    c = krippendorff_alpha(long, "value", level="interval", n_boot=300, seed=8)
    pd.testing.assert_frame_equal(a, b)
    assert a["ci_low"].item() != c["ci_low"].item()
    assert a["ci_low"].item() < a["alpha"].item() < a["ci_high"].item() <= 1
    assert 0 <= a["p_below_0.8"].item() <= 1
    assert a["se"].item() > 0


def test_alpha_perfect_agreement_and_undefined():
    long = _long_from_matrix([[0, 1, 0.33, 0.67], [0, 1, 0.33, 0.67]])
    assert krippendorff_alpha(long, "value", n_boot=50)["alpha"].item() == pytest.approx(1)
    same = _long_from_matrix([[1, 1, 1], [1, 1, 1]])
    assert np.isnan(krippendorff_alpha(same, "value", n_boot=0)["alpha"].item())


def test_fleiss_1971():
    long = pd.DataFrame([{"unit": u, "coder": f"r{r}", "value": v}
                         for u, row in enumerate(FLEISS_1971) for r, v in enumerate(row)])
    res = fleiss_kappa(long, "value", n_boot=200, seed=1)
    assert res["kappa"].item() == pytest.approx(0.430, abs=5e-4)
    assert res["n_units"].item() == 30 and res["n_coders"].item() == 6
    assert res["ci_low"].item() < 0.430 < res["ci_high"].item()
    # against statsmodels on the count table
    table, _ = inter_rater.aggregate_raters(np.array(FLEISS_1971))
    assert res["kappa"].item() == pytest.approx(inter_rater.fleiss_kappa(table), abs=1e-12)


def test_cohen_1960():
    res = cohen_kappa(_long_from_table(COHEN_1960), "value")
    assert res["p_observed"].item() == pytest.approx(0.70)
    assert res["p_expected"].item() == pytest.approx(0.41)
    assert res["kappa"].item() == pytest.approx(0.29 / 0.59, abs=1e-12)
    assert round(res["kappa"].item(), 2) == 0.49
    sm = inter_rater.cohens_kappa(np.array(COHEN_1960))
    assert res["se"].item() == pytest.approx(sm.std_kappa)
    assert res["ci_low"].item() == pytest.approx(sm.kappa_low)
    assert res["n_units"].item() == 200


@pytest.mark.parametrize("weights", ["linear", "quadratic"])
def test_weighted_kappa_matches_statsmodels_and_formula(weights):
    table = np.array(COHEN_1960)
    res = cohen_kappa(_long_from_table(COHEN_1960), "value", weights=weights)
    assert res["kappa"].item() == pytest.approx(
        inter_rater.cohens_kappa(table, wt=weights).kappa, abs=1e-12)
    k = table.shape[0]
    i, j = np.indices((k, k))
    w = np.abs(i - j) / (k - 1) if weights == "linear" else ((i - j) / (k - 1)) ** 2
    p = table / table.sum()
    e = np.outer(p.sum(1), p.sum(0))
    assert res["kappa"].item() == pytest.approx(1 - (w * p).sum() / (w * e).sum(), abs=1e-12)


def test_two_coders_fleiss_is_scotts_pi_and_alpha_nominal_close():
    long = _long_from_table(COHEN_1960)
    f = fleiss_kappa(long, "value", n_boot=0)["kappa"].item()
    p = np.array(COHEN_1960) / 200
    pooled = (p.sum(0) + p.sum(1)) / 2
    pi = (np.trace(p) - (pooled ** 2).sum()) / (1 - (pooled ** 2).sum())
    assert f == pytest.approx(pi, abs=1e-12)
    a = krippendorff_alpha(long, "value", level="nominal", n_boot=0)["alpha"].item()
    assert a == pytest.approx(1 - (1 - 0.70) / (1 - (pooled ** 2).sum()) * 399 / 400, abs=1e-9)


def test_disagreements_and_percent_agreement():
    long = pd.DataFrame({
        "case_id": ["a"] * 4 + ["b"] * 4,
        "condition": ["X", "X", "Y", "Y"] * 2,
        "coder_id": ["c1", "c2"] * 4,
        "membership": [1, 1, 0.33, 0, 0.67, 0.67, 0, 0],
        "evidence_status": ["stated_present"] * 2 + ["implied", "not_mentioned"]
        + ["implied", "stated_present"] + ["not_mentioned"] * 2,
        "evidence_quote": ["q"] * 8,
    })
    d = disagreements(long, units=["case_id", "condition"], coder="coder_id",
                      keep=["evidence_quote"])
    assert d[["case_id", "condition"]].values.tolist() == [["a", "Y"], ["b", "X"]]
    assert d["differs_on"].tolist() == ["membership, evidence_status", "evidence_status"]
    assert d["membership_gap"].tolist() == [0.33, 0.0]
    assert "evidence_quote__c2" in d.columns
    pa = percent_agreement(long, "membership", ["case_id", "condition"], "coder_id")
    assert pa["agreement"].item() == 0.75


def test_intervals_are_at_level_one_minus_alpha():
    long = _long_from_matrix(KRIPP_2011)
    a95 = krippendorff_alpha(long, "value", level="interval", n_boot=300, seed=7)
    a90 = krippendorff_alpha(long, "value", level="interval", n_boot=300, seed=7, alpha=0.10)
    pd.testing.assert_frame_equal(
        a95, krippendorff_alpha(long, "value", level="interval", n_boot=300, seed=7, alpha=0.05))
    assert a95["ci_low"].item() < a90["ci_low"].item() < a90["ci_high"].item() < \
        a95["ci_high"].item()
    assert "95% percentile interval" in a95["method"].item()
    assert "90% percentile interval" in a90["method"].item()
    k90 = cohen_kappa(_long_from_table(COHEN_1960), "value", alpha=0.10)
    half = 1.6448536269514722 * k90["se"].item()  # the normal's 95th percentile
    assert k90["ci_low"].item() == pytest.approx(k90["kappa"].item() - half, abs=1e-12)
    assert "90% Wald interval" in k90["method"].item()
    f90 = fleiss_kappa(_long_from_table(COHEN_1960), "value", n_boot=50, seed=1, alpha=0.10)
    assert "90% percentile interval" in f90["method"].item()
    for statistic in (krippendorff_alpha, cohen_kappa, fleiss_kappa):
        with pytest.raises(AgreementError, match="alpha must lie between 0 and 1"):
            statistic(_long_from_table(COHEN_1960), "value", alpha=95)


def test_bad_input_says_what():
    long = pd.DataFrame({"unit": [1, 1], "coder": ["a", "a"], "value": [1, 2]})
    with pytest.raises(AgreementError, match="repeating a unit x coder"):
        krippendorff_alpha(long, "value")
    with pytest.raises(AgreementError, match="lacks column"):
        krippendorff_alpha(long, "score")
    with pytest.raises(AgreementError, match="level"):
        krippendorff_alpha(long.iloc[:1], "value", level="metric")
    three = _long_from_matrix([[1, 2], [1, 2], [2, 2]])
    with pytest.raises(AgreementError, match="exactly two coders"):
        cohen_kappa(three, "value")
    with pytest.raises(AgreementError, match="not among the categories"):
        cohen_kappa(_long_from_matrix([[1, 2], [1, 3]]), "value", categories=[1, 2])


def test_reliability_matrix_order_and_missing():
    long = pd.DataFrame({"unit": ["u2", "u1", "u2"], "coder": ["b", "b", "a"],
                         "value": [1.0, 0.0, 1.0]})
    wide = reliability_matrix(long, "value")
    assert list(wide.index) == ["b", "a"] and list(wide.columns) == ["u2", "u1"]
    assert np.isnan(wide.loc["a", "u1"])
