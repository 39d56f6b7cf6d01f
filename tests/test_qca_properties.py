"""Property, behaviour and error tests of talentlab.qca (independent of the R references)."""

from __future__ import annotations

import warnings
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talentlab.cases.six_case import DIMENSIONS, aggregate_dimensions, pivot_case_conditions
from talentlab.qca import (
    QCAError,
    QCAWarning,
    TautologyError,
    compute,
    diagnose,
    minimize,
    random_consistency_probability,
    robustness,
    truth_table,
)
from talentlab.qca.boolean import cover_matrix, minimum_covers


def _random_data(draw, k_max=4):
    k = draw(st.integers(2, k_max))
    n = draw(st.integers(3, 14))
    rows = draw(
        st.lists(st.lists(st.integers(0, 1), min_size=k + 1, max_size=k + 1),
                 min_size=n, max_size=n)
    )
    cols = [f"C{i}" for i in range(k)] + ["Y"]
    d = pd.DataFrame(rows, columns=cols, index=[f"c{i}" for i in range(n)])
    return d, cols[:-1]


@st.composite
def crisp_data(draw):
    return _random_data(draw)


def _rows(tt, outs):
    r = tt.all_rows
    return r.loc[r["OUT"].isin(outs), tt.conditions].to_numpy()


def _term_codes(term, conditions):
    code = [0] * len(conditions)
    for lit in term.split("*"):
        neg = lit.startswith("~")
        code[conditions.index(lit.lstrip("~"))] = 1 if neg else 2
    return tuple(code)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(crisp_data(), st.sampled_from([None, "?"]))
def test_models_cover_positives_and_no_negatives(dc, include):
    d, conds = dc
    tt = truth_table(d, "Y", conds, incl_cut=1, warn=False)
    pos, neg = _rows(tt, ["1"]), _rows(tt, ["0", "C"])
    rem = _rows(tt, ["?"])
    if len(pos) == 0:
        with pytest.raises(QCAError):
            minimize(tt, include=include)
        return
    if len(neg) == 0 and (include == "?" or len(rem) == 0):
        with pytest.raises(TautologyError):
            minimize(tt, include=include)
        return
    res = minimize(tt, include=include)
    assert res.solutions, "at least one model"
    sizes = {len(m) for m in res.solutions}
    assert len(sizes) == 1, "all models have the same (minimal) number of terms"
    for model in res.solutions:
        codes = [_term_codes(t, conds) for t in model]
        assert cover_matrix(codes, pos).any(axis=0).all()
        if len(neg):
            assert not cover_matrix(codes, neg).any()
        if include is None and len(rem):
            assert not cover_matrix(codes, rem).any(), "conservative uses no remainder"
    # prime implicants are prime: dropping any literal makes them cover a forbidden row
    forbidden = neg if include == "?" else np.vstack([neg, rem]) if len(rem) else neg
    for pi in res.prime_implicants:
        code = _term_codes(pi, conds)
        for j, v in enumerate(code):
            if v:
                shorter = code[:j] + (0,) + code[j + 1 :]
                assert len(forbidden) and cover_matrix([shorter], forbidden).any()
    # exact minimality: no smaller set of prime implicants covers the positives
    chart = res.pi_chart.to_numpy()
    k = len(res.solutions[0])
    for size in range(1, k):
        for combo in combinations(range(chart.shape[0]), size):
            assert not chart[list(combo)].any(axis=0).all()


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 7), st.integers(1, 7), st.data())
def test_minimum_covers_equal_brute_force(m, p, data):
    chart = np.array(
        data.draw(st.lists(st.lists(st.booleans(), min_size=p, max_size=p),
                           min_size=m, max_size=m)),
        dtype=bool,
    )
    if not chart.any(axis=0).all():
        with pytest.raises(QCAError):
            minimum_covers(chart)
        return
    k, models = minimum_covers(chart)
    brute = []
    for size in range(1, m + 1):
        brute = [c for c in combinations(range(m), size) if chart[list(c)].any(axis=0).all()]
        if brute:
            break
    assert k == len(brute[0])
    assert models == brute  # same models, same (R's lexicographic) order


def test_tautology_and_nothing_to_explain():
    d = pd.DataFrame({"A": [1, 0], "B": [1, 1], "Y": [1, 1]})
    tt = truth_table(d, "Y")
    with pytest.raises(TautologyError):
        minimize(tt, include="?")
    assert minimize(tt).solutions == [["B"]]
    with pytest.raises(QCAError, match="explain"):
        minimize(truth_table(d.assign(Y=0), "Y"))


def test_bad_input_errors():
    d = pd.DataFrame({"A": [0.2, 1.7], "Y": [1, 0]})
    with pytest.raises(QCAError, match="calibrated"):
        truth_table(d, "Y")
    with pytest.raises(QCAError, match="not a column"):
        truth_table(d, "Z")
    with pytest.raises(QCAError):
        truth_table(pd.DataFrame({"A": [1, np.nan], "Y": [1, 0]}), "Y")
    with pytest.raises(QCAError, match="remainders"):
        minimize(truth_table(pd.DataFrame({"A": [1, 0], "Y": [1, 0]}), "Y"), directional=["A"])


def test_cutoff_tolerance_and_contradictions():
    # incl = 0.8 - 1e-10 must count as 0.8 (R's agteb tolerance)
    y = 0.8 - 1e-10
    d = pd.DataFrame({"A": [1.0, 0.0], "Y": [y, 0.0]}, index=["a", "b"])
    tt = truth_table(d, "Y", incl_cut=0.8)
    assert tt.table.loc[2, "OUT"] == "1"
    tt2 = truth_table(d.assign(Y=[0.79, 0.0]), "Y", incl_cut=(0.8, 0.7))
    assert tt2.table.loc[2, "OUT"] == "C"
    tt3 = truth_table(d.assign(Y=[0.6, 0.0]), "Y", incl_cut=(0.8, 0.7))
    assert tt3.table.loc[2, "OUT"] == "0"


def test_half_membership_goes_to_no_row():
    d = pd.DataFrame(
        {"A": [0.9, 0.5, 0.1], "B": [0.8, 0.9, 0.2], "Y": [0.9, 0.7, 0.1]},
        index=["x", "half", "z"],
    )
    with pytest.warns(QCAWarning):
        tt = truth_table(d, "Y", complete=True)
    assert "half" not in ",".join(tt.table["cases"])
    assert tt.table["n"].sum() == 2


def test_negated_outcome_and_sort():
    d = pd.DataFrame({"A": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "Y": [0, 0, 1, 1, 0]})
    tt = truth_table(d, "~Y")
    assert tt.outcome_label == "~Y" and tt.negate_outcome
    assert minimize(tt).solutions == [["A"]]
    srt = truth_table(d, "Y", sort_by=["n"])
    assert srt.table["n"].tolist() == sorted(srt.table["n"].tolist(), reverse=True)


def test_compute_fuzzy_operations():
    d = pd.DataFrame({"A": [0.2, 0.9], "B": [0.7, 0.4], "C": [0, 2]})
    np.testing.assert_allclose(compute("A*~B + B", d), [0.7, 0.6])
    np.testing.assert_allclose(compute("C[2]", d), [0, 1])


def test_diagnose_fires_on_six_uniform_cases():
    d = pd.DataFrame(
        {f"X{i}": [1, 0, 1, 0, 1, 0.5][::-1] for i in range(4)} | {"Y": [1, 1, 1, 0.9, 1, 1]},
        index=[f"case{i}" for i in range(6)],
    )
    with pytest.warns(QCAWarning):
        out = diagnose(d, "Y")
    warned = set(out.loc[out["severity"] == "warning", "check"])
    assert {"outcome_variation", "membership_0.5", "limited_diversity",
            "conditions_per_case"} <= warned
    assert set(out.columns) >= {"message", "message_zh", "source"}


def test_random_consistency_probability_matches_research_note():
    # research note (qca.md section 5): 6 cases, 2 conditions -> about .17; 4 -> .63
    assert random_consistency_probability(6, 2, n_sim=6000) == pytest.approx(0.17, abs=0.03)
    assert random_consistency_probability(6, 4, n_sim=6000) == pytest.approx(0.63, abs=0.03)


def _long_table():
    rng = np.random.default_rng(3)
    rows = []
    conds = ["concept", "interest_linkage", "collaborative_governance", "demand_feedback",
             "modular_curriculum", "dual_training", "customized_cultivation",
             "teacher_development", "three_party_evaluation", "policy_resource_guarantee"]
    for c in range(6):
        for cond in conds:
            v = float(rng.choice([0, 0.33, 0.67, 1]))
            status = "not_mentioned" if v == 0 and rng.random() < 0.5 else "stated_present"
            rows.append((f"k{c}", cond, v, status))
        rows.append((f"k{c}", "talent_adaptability", [1, 1, 0.67, 0.33, 0, 1][c],
                     "stated_present"))
    return pd.DataFrame(rows, columns=["case_id", "condition", "membership", "evidence_status"])


def test_pivot_and_aggregate_dimensions():
    long = _long_table()
    wide = pivot_case_conditions(long)
    assert wide.shape == (6, 11)
    agg = aggregate_dimensions(wide, "mean", keep=["talent_adaptability"])
    assert list(agg.columns) == ["concept", "mechanism", "model", "support",
                                 "talent_adaptability"]
    mech = wide[["interest_linkage", "collaborative_governance", "demand_feedback"]]
    np.testing.assert_allclose(agg["mechanism"], mech.mean(axis=1))
    np.testing.assert_allclose(aggregate_dimensions(wide, "and")["mechanism"], mech.min(axis=1))
    with pytest.raises(QCAError):
        pivot_case_conditions(pd.concat([long, long.iloc[:1]]))


def test_robustness_reports_term_survival():
    long = _long_table()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = robustness(long, "talent_adaptability", aggregate="mean",
                         dimensions=DIMENSIONS, incl_cuts=(0.8,))
        alt = robustness(long, "talent_adaptability", recodings=("not_mentioned",),
                         aggregate="mean", dimensions=DIMENSIONS, incl_cuts=(0.75, 0.8),
                         anchors=[(0.1, 0.45, 0.9)])
    assert set(alt.runs["incl_cut"]) == {0.75, 0.8}
    assert set(alt.runs["anchors"]) == {"", "(0.1, 0.45, 0.9)"}
    assert res.runs["recoding"].iloc[0] == "baseline"
    assert {"term", "share", "in_baseline", "runs_ok"} <= set(res.terms.columns)
    assert res.terms["share"].between(0, 1).all()
    ok = (res.runs["status"] == "ok").sum()
    assert (res.terms["runs_ok"] == ok).all()
    # baseline terms survive at least in the baseline run
    base_terms = res.terms.loc[res.terms["in_baseline"]]
    assert (base_terms["runs_present"] >= 1).all()
    n_cells = len(long.loc[long["condition"] != "talent_adaptability"])
    assert len(res.runs) > n_cells  # one-at-a-time recodings were run


def test_paper_rubric_lives_in_six_case_only():
    import talentlab.qca as q
    from talentlab.cases import six_case

    for name in ("DIMENSIONS", "RUBRIC", "OUTCOMES", "pivot_case_conditions",
                 "aggregate_dimensions"):
        assert name not in q.__all__ and hasattr(six_case, name)
        with pytest.raises(AttributeError):  # the 0.1 alias is gone (0.2)
            getattr(q, name)
    with pytest.raises(ImportError):
        from talentlab.qca.robustness import DIMENSIONS as old  # noqa: F401
    with pytest.raises(QCAError, match="needs dimensions"):
        robustness(_long_table(), "talent_adaptability", aggregate="mean")
    long = pd.DataFrame({"unit": ["a", "a"], "set": ["X", "Y"], "m": [1, 0]})
    assert q.pivot_long(long, "m", case="unit", set_column="set").loc["a", "X"] == 1.0
