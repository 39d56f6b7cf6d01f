"""R parity of talentlab.qca beyond the stored references (issue 25, items 2 and 4).

* the fit table of many equally minimal models is built in one go (no column insert per model,
  no pandas PerformanceWarning) and equals the per-model computation R's ``pof`` does;
* an intermediate branch with no easy counterfactual is re-minimised and lists every
  conservative model of that branch, as R QCA 3.23-3.25 does;
* ``print()`` of a solution shows every branch and every model, as R prints them;
* NCA's scope is the observed range by default (R NCA), the theoretical [0, 1] on request.
"""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import minimize, sufficiency_parameters, truth_table
from talentlab.qca.boolean import implicant_membership
from talentlab.qca.fit import model_parameters, unique_coverage


def _random_crisp(k: int, n_observed: int, seed: int) -> pd.DataFrame:
    """Random observed configurations with an outcome made of three random products (the
    design of benchmarks/bench_qca.py): conservative solutions with hundreds of models."""
    rng = np.random.default_rng(seed)
    rows = rng.choice(2**k, size=n_observed, replace=False)
    x = (rows[:, None] >> np.arange(k - 1, -1, -1)) & 1
    y = np.zeros(n_observed, dtype=int)
    for _ in range(3):
        lits = rng.choice(k, size=rng.integers(2, 4), replace=False)
        vals = rng.integers(0, 2, size=len(lits))
        y |= np.all(x[:, lits] == vals, axis=1).astype(int)
    d = pd.DataFrame(x, columns=[f"C{i + 1}" for i in range(k)], index=[f"c{i}" for i in
                                                                           range(n_observed)])
    d["Y"] = y
    return d


@pytest.fixture(scope="module")
def many_models():
    tt = truth_table(_random_crisp(8, 90, 12), "Y", incl_cut=1, warn=False)
    return minimize(tt)


def test_fit_of_hundreds_of_models_is_one_table_equal_to_the_per_model_computation(many_models):
    sol = many_models.solution
    assert len(sol.models) == 320
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        table = sol.fit
    assert list(table.columns[4:7]) == ["(M1)", "(M2)", "(M3)"]
    assert table.shape == (len({i for m in sol.models for i in m}) + 320, 4 + 320 + 2)
    # the same numbers as R's pof() per model: sufficiency_parameters on each model's terms
    tt = sol.tt
    x = tt.data[tt.conditions].to_numpy(dtype=float)
    y = tt.data[tt.outcome].to_numpy(dtype=float)
    mem = pd.DataFrame({sol.implicant_name(i):
                        implicant_membership(sol.implicants[i], x, tt.fuzzy)
                        for i in sorted({i for m in sol.models for i in m})})
    overall = sufficiency_parameters(mem, y)  # covU against every listed term
    terms = table.loc[table["kind"] == "term"]
    np.testing.assert_allclose(terms[["inclS", "PRI", "covS", "covU"]].to_numpy(float),
                               overall.to_numpy(float), atol=1e-12)
    for k in (0, 1, 57, 319):
        names = sol.solutions[k]
        within = sufficiency_parameters(mem[names], y)
        union = sufficiency_parameters(pd.DataFrame({"s": mem[names].max(axis=1)}), y)
        np.testing.assert_allclose(sol.model_fits[k].loc[names].to_numpy(float),
                                   within.to_numpy(float), atol=1e-12)
        np.testing.assert_allclose(table.loc[f"M{k + 1}", ["inclS", "PRI", "covS"]].to_numpy(
            float), union.iloc[0, :3].to_numpy(float), atol=1e-12)
        np.testing.assert_allclose(table.loc[names, f"(M{k + 1})"].to_numpy(float),
                                   within["covU"].to_numpy(float), atol=1e-12)
        others = [t for t in terms.index if t not in names]
        assert table.loc[others, f"(M{k + 1})"].isna().all()


def test_beyond_the_column_limit_the_per_model_columns_are_left_out(monkeypatch):
    from talentlab.qca import QCAWarning

    # the limit is read where the fit table is built, talentlab.qca.solution
    monkeypatch.setattr(importlib.import_module("talentlab.qca.solution"), "MAX_MODEL_COLUMNS",
                        100)
    res = minimize(truth_table(_random_crisp(8, 90, 12), "Y", incl_cut=1, warn=False))
    with pytest.warns(QCAWarning, match="320 equally minimal models"):
        table = res.fit
    assert list(table.columns) == ["inclS", "PRI", "covS", "covU", "cases", "kind"]
    assert len(res.model_fits) == 320 and "solution" in res.model_fits[319].index


def test_unique_coverage_equals_dropping_each_term_on_fuzzy_data():
    rng = np.random.default_rng(5)
    x = rng.random((40, 6)).round(2)
    y = rng.random(40).round(2)
    pmin = np.minimum(x, y[:, None])
    expected = [pmin[:, c].sum() - np.minimum(pmin[:, c], np.delete(pmin, c, axis=1).max(axis=1)
                                               ).sum() for c in range(6)]
    np.testing.assert_allclose(unique_coverage(pmin.T, y.sum())[0], np.array(expected) / y.sum(),
                               atol=1e-12)
    # models of different sizes, padded with a row of zeros
    membership = np.vstack([x.T, np.zeros(40)])
    terms_of = np.array([[0, 3, 5], [1, 2, 6], [4, 6, 6]])
    solution, covu = model_parameters(membership, y, terms_of, np.array([3, 2, 1]))
    for k, cols in enumerate([[0, 3, 5], [1, 2], [4]]):
        ref = sufficiency_parameters(pd.DataFrame(x[:, cols]), y)
        np.testing.assert_allclose(covu[k, : len(cols)], ref["covU"].to_numpy(), atol=1e-12)
        union = sufficiency_parameters(pd.DataFrame({"u": x[:, cols].max(axis=1)}), y)
        np.testing.assert_allclose(solution[k], union.iloc[0, :3].to_numpy(float), atol=1e-12)
    assert np.isnan(covu[1, 2]) and np.isnan(covu[2]).all()


# ------------------------------------------------------------------ intermediate branches
REFERENCE = Path(__file__).resolve().parent / "reference" / "qca"
SMALLEST = pd.DataFrame(
    [[0, 0, 0, 1], [0, 0, 1, 1], [0, 1, 0, 1], [0, 1, 1, 0], [1, 0, 1, 1], [1, 1, 0, 1]],
    columns=["A", "B", "C", "Y"], index=[f"c{i}" for i in range(1, 7)])


def test_branch_without_easy_counterfactual_lists_every_conservative_model():
    """The issue's smallest case, R's answer worked out by hand.

    Positive rows 000, 001, 010, 101, 110; negative 011; remainders 100 and 111.
    Conservative prime implicants (remainders negative): ~A*~B (000, 001), ~A*~C (000, 010),
    ~B*C (001, 101), B*~C (010, 110). ~B*C and B*~C are essential (only they cover 101 and
    110); 000 needs ~A*~B or ~A*~C: two minimal covers, C1 and C2.
    Parsimonious (remainders as don't cares, only 011 forbidden): A, ~B, ~C; ~B (only cover
    of 001) and ~C (of 010) are essential and cover all: P1 = ~B + ~C, whose simplifying
    assumption is 100 (row 5).
    Easy counterfactuals for ~A, B, C: a literal of a conservative term outside its
    parsimonious term is dropped only when it goes against the expectation; ~A in ~A*~B, B in
    B*~C and C in ~B*C all agree with it, so nothing widens and 100 stays difficult (A = 1
    against ~A). With no easy counterfactual R minimises the positive rows again: each branch
    C1P1 and C2P1 lists both conservative models.
    """
    res = minimize(truth_table(SMALLEST, "Y"), include="?", directional=["~A", "B", "C"])
    c1 = ["~A*~B", "~B*C", "B*~C"]
    c2 = ["~A*~C", "~B*C", "B*~C"]
    assert res.conservative.prime_implicants == ["~A*~B", "~A*~C", "~B*C", "B*~C"]
    assert res.conservative.solutions == [c1, c2]
    assert res.parsimonious.prime_implicants == ["A", "~B", "~C"]
    assert res.parsimonious.solutions == [["~B", "~C"]]
    assert res.parsimonious.simplifying_assumptions["M1"].index.tolist() == [5]
    assert list(res.branches) == ["C1P1", "C2P1"]
    for name, c_sol in (("C1P1", c1), ("C2P1", c2)):
        branch = res.branches[name]
        assert branch.c_sol == c_sol and branch.p_sol == ["~B", "~C"]
        assert branch.easy_counterfactuals.empty
        assert branch.difficult_counterfactuals.index.tolist() == [5]
        assert branch.solutions == [c1, c2]
        assert branch.solution.essential == ["~B*C", "B*~C"]
    assert res.solutions == [c1, c2]
    fit = res.branches["C1P1"].fit
    np.testing.assert_allclose(fit.loc[["~A*~B", "~A*~C", "~B*C", "B*~C"], "covS"], 0.4)
    np.testing.assert_allclose(fit.loc[["~A*~B", "~A*~C", "~B*C", "B*~C"], "covU"],
                               [0.0, 0.0, 0.2, 0.2])
    assert fit.loc["~A*~B", "(M1)"] == pytest.approx(0.2) and np.isnan(fit.loc["~A*~B", "(M2)"])


def test_print_shows_every_branch_and_model_as_r():
    res = minimize(truth_table(SMALLEST, "Y"), include="?", directional=["~A", "B", "C"])
    text = str(res)
    assert text.startswith("From C1P1, C2P1:\n\n"
                           "M1:    ~B*C + B*~C + (~A*~B) <-> Y\n"
                           "M2:    ~B*C + B*~C + (~A*~C) <-> Y\n")
    assert text.count("From ") == 1
    for row in ("~A*~B  1.000  1.000  0.400  0.000  0.200", "M2  1.000  1.000  1.000"):
        assert row in text
    assert "kind" not in text and "0.400000" not in text


def _r_block(text: str, start: str, blank_lines: int) -> list[str]:
    """R's printed lines from the line starting with ``start`` up to the ``blank_lines``-th
    empty line, as tokens without the rules of dashes."""
    lines = text.splitlines()
    i = next(k for k, line in enumerate(lines) if line.startswith(start))
    out, blanks = [], 0
    for line in lines[i:]:
        if not line.strip():
            blanks += 1
            if blanks == blank_lines:
                break
            continue
        out += [t for t in line.split() if set(t) != {"-"}]
    return out


def _tokens(printed: str) -> list[str]:
    return [t for t in printed.split() if set(t) != {"-"}]


@pytest.mark.parametrize("key, include, directional, start, blanks", [
    ("conservative", None, None, "M1: DEV*URB*LIT*IND*STB", 2),
    ("parsimonious", "?", None, "M1: DEV*~IND + URB*STB", 2),
    ("intermediate", "?", ["DEV", "URB", "LIT", "IND", "STB"], "From C1P1", 3),
])
def test_printed_solutions_equal_r_printout_on_lf(key, include, directional, start, blanks):
    lf = pd.read_csv(REFERENCE / "LF.csv", index_col=0)
    res = minimize(truth_table(lf, "SURV", incl_cut=0.8), include=include,
                   directional=directional)
    r_text = (REFERENCE / "fs_LF_SURV.txt").read_text(encoding="utf-8")
    assert _tokens(str(res)) == _r_block(r_text, start, blanks)


def test_printed_models_and_per_model_columns_equal_r_printout_on_quine():
    quine = pd.read_csv(REFERENCE / "Quine.csv", index_col=0)
    res = minimize(truth_table(quine, "OUT"))
    r_text = (REFERENCE / "extra_small.txt").read_text(encoding="utf-8")
    assert _tokens(str(res)) == _r_block(r_text, "M1: ~P*Q", 2)


# ------------------------------------------------------------------------------- NCA scope
def test_nca_scope_is_the_observed_range_by_default_as_r_with_the_theoretical_on_request():
    from talentlab.qca import nca

    nca_dir = Path(__file__).resolve().parent / "data" / "nca"
    example = pd.read_csv(nca_dir / "nca_example.csv", index_col=0)
    r = json.loads((nca_dir / "nca_example_reference.json").read_text())["results"]
    y = "Innovation performance"
    for scope in (None, "observed"):
        s = nca(example, ["Individualism", "Risk taking"], y, scope=scope).summary
        for x in ("Individualism", "Risk taking"):
            row = s.loc[(s["condition"] == x) & (s["ceiling"] == "ce_fdh")].iloc[0]
            assert row["scope"] == pytest.approx(r[x]["scope"], rel=1e-12)
            assert [row["x_min"], row["x_max"], row["y_min"], row["y_max"]] == pytest.approx(
                r[x]["scope_emp"])
            assert row["effect_size"] == pytest.approx(r[x]["ce_fdh"]["effect"], rel=1e-12)
    members = pd.DataFrame({"X": [0.2, 0.4, 0.6, 0.8], "Y": [0.3, 0.5, 0.7, 0.9]})
    observed = nca(members, "X", "Y").summary.iloc[0]
    theoretical = nca(members, "X", "Y", scope="theoretical").summary.iloc[0]
    assert observed["scope"] == pytest.approx(0.6 * 0.6)
    assert theoretical["scope"] == 1.0
    assert [theoretical[c] for c in ("x_min", "x_max", "y_min", "y_max")] == [0, 1, 0, 1]
    with pytest.raises(ValueError, match="scope 'whole'"):
        nca(members, "X", "Y", scope="whole")
