"""talentlab.qca.minimize against an independent brute-force minimiser (tests/qca_oracle.py) on
seeded random truth tables, and R QCA's options pi.cons, sol.cons, exclude and inf.test.

On 1,000 random crisp and fuzzy truth tables with 3-7 conditions (conservative and parsimonious
solutions alternately; the first 250 in `make test`, all in `make test-all`) every model must cover every positive row, no negative row (and, for the
conservative solution, no remainder), consist of prime implicants, and have the minimum number of
terms; the conservative solution must list exactly the brute-force prime implicants and every
minimal model. Multi-value tables are checked the same way.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from talentlab.qca import QCAError, QCAWarning, TautologyError, minimize, truth_table
from tests.qca_oracle import covers, minimal_covers, prime_implicants

FUZZY_LEVELS = np.array([0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.8, 0.9, 0.95])


def _code(term: str, conditions: list[str]) -> tuple:
    """Parse a term of R's notation to levels (-1 = absent) without the engine's parser."""
    code = [-1] * len(conditions)
    for lit in term.split("*"):
        lit = lit.strip()
        neg = lit.startswith("~")
        lit = lit.lstrip("~")
        if "[" in lit:
            name, level = lit[:-1].split("[")
            code[conditions.index(name)] = int(level)
        else:
            code[conditions.index(lit)] = 0 if neg else 1
    return tuple(code)


def _random_table(rng: np.random.Generator, kind: str):
    k = int(rng.integers(3, 8))
    n = int(rng.integers(3, 13))
    conds = [f"C{i}" for i in range(k)]
    if kind == "crisp":
        x = rng.integers(0, 2, size=(n, k)).astype(float)
        y = rng.integers(0, 2, size=n).astype(float)
        cut = 1 if rng.random() < 0.7 else 0.6
    elif kind == "fuzzy":
        x = rng.choice(FUZZY_LEVELS, size=(n, k))
        y = rng.choice(FUZZY_LEVELS, size=n)
        cut = 0.8
    else:  # multi-value: some conditions with 3 levels
        k = int(rng.integers(2, 5))
        conds = [f"C{i}" for i in range(k)]
        levels = rng.integers(2, 4, size=k)
        levels[0] = 3
        x = np.column_stack([rng.integers(0, v, size=n) for v in levels]).astype(float)
        y = rng.integers(0, 2, size=n).astype(float)
        cut = 1
    d = pd.DataFrame(x, columns=conds, index=[f"c{i}" for i in range(n)])
    d["Y"] = y
    return d, conds, cut


def _check_against_oracle(d, conds, cut, include):
    tt = truth_table(d, "Y", conds, incl_cut=cut, warn=False)
    levels = tt.noflevels
    out = tt.all_rows["OUT"].to_numpy(dtype=object)
    values = tt.all_rows[conds].to_numpy(dtype=np.int64)
    pos = values[out == "1"]
    neg = values[(out == "0") | (out == "C")]
    rem = values[out == "?"]
    if len(pos) == 0:
        with pytest.raises(QCAError):
            minimize(tt, include=include)
        return "no positive row"
    if len(neg) == 0 and (include == "?" or len(rem) == 0):
        with pytest.raises(TautologyError):
            minimize(tt, include=include)
        return "tautology"
    res = minimize(tt, include=include)
    allowed = np.vstack([pos, rem]) if include == "?" and len(rem) else pos
    pis = prime_implicants(levels, pos, allowed)
    size, oracle_models = minimal_covers(pis, pos)
    pi_index = {p: i for i, p in enumerate(pis)}
    engine_pis = {_code(t, conds) for t in res.prime_implicants}
    assert engine_pis <= set(pis), "every engine PI is a brute-force prime implicant"
    models = set()
    for model in res.solutions:
        codes = np.array([_code(t, conds) for t in model], dtype=np.int64)
        assert covers(codes, pos).any(axis=0).all(), "covers every positive row"
        if len(neg):
            assert not covers(codes, neg).any(), "covers no negative row"
        if include is None and len(rem):
            assert not covers(codes, rem).any(), "conservative uses no remainder"
        assert len(model) == size, "no smaller cover exists"
        models.add(frozenset(pi_index[tuple(c)] for c in codes.tolist()))
    assert models <= oracle_models
    if include is None or engine_pis == set(pis):
        # the engine finds all prime implicants and all minimal models
        assert engine_pis == set(pis)
        assert models == oracle_models
        return "identical"
    return "subset"  # CCubes' stopping rule left out PIs that no minimal model needs


def _random_tables_against_brute_force(n_tables: int) -> dict[str, int]:
    """The first ``n_tables`` of one seeded sequence of random tables, each checked against the
    oracle (crisp and fuzzy, conservative and parsimonious in turn); the outcome counts."""
    rng = np.random.default_rng(20261202)
    outcomes: dict[str, int] = {}
    for i in range(n_tables):
        kind = "crisp" if i % 2 == 0 else "fuzzy"
        include = None if (i // 2) % 2 == 0 else "?"
        d, conds, cut = _random_table(rng, kind)
        result = _check_against_oracle(d, conds, cut, include)
        outcomes[result] = outcomes.get(result, 0) + 1
    return outcomes


def test_random_truth_tables_against_brute_force():
    """The first 250 of the thousand tables below (`make test`: 3 s instead of 12 s of CPU)."""
    outcomes = _random_tables_against_brute_force(250)
    # the random tables exercise real minimisations, not only the error paths
    assert outcomes.get("identical", 0) + outcomes.get("subset", 0) >= 150, outcomes


@pytest.mark.slow
def test_thousand_random_truth_tables_against_brute_force():
    outcomes = _random_tables_against_brute_force(1000)
    assert outcomes.get("identical", 0) + outcomes.get("subset", 0) >= 600, outcomes


def test_multivalue_minimisation_against_brute_force():
    rng = np.random.default_rng(11)
    done = 0
    for i in range(100):
        d, conds, cut = _random_table(rng, "mv")
        include = None if i % 2 == 0 else "?"
        done += _check_against_oracle(d, conds, cut, include) in ("identical", "subset")
    assert done >= 80


def _lf(reference_dir):
    d = pd.read_csv(reference_dir / "qca" / "LF.csv", index_col=0)
    return truth_table(d, "SURV", incl_cut=0.8)


def _incl(code, x, y, fuzzy):
    m = np.ones(len(x))
    for j, v in enumerate(code):
        if v >= 0:
            xj = x[:, j]
            m = np.minimum(m, (xj if v == 1 else 1 - xj) if fuzzy[j] else (xj == v).astype(float))
    return np.minimum(m, y).sum() / m.sum() if m.sum() else 0.0


@pytest.mark.parametrize("pi_cons", [0.6, 0.75, 0.8])
def test_pi_cons_prime_implicants_are_minimal_consistent_terms(reference_dir, pi_cons):
    tt = _lf(reference_dir)
    conds = tt.conditions
    x = tt.data[conds].to_numpy()
    y = tt.data["SURV"].to_numpy()
    res = minimize(tt, include="?", pi_cons=pi_cons)
    for term in res.prime_implicants:
        code = _code(term, conds)
        assert _incl(code, x, y, tt.fuzzy) >= pi_cons - 1e-8
        for j in [j for j, v in enumerate(code) if v >= 0]:
            shorter = code[:j] + (-1,) + code[j + 1:]
            if any(v >= 0 for v in shorter):
                assert _incl(shorter, x, y, tt.fuzzy) < pi_cons, "a shorter term is consistent"
    # conservative: the QMC prime implicants below pi_cons are dropped
    cons = minimize(tt, pi_cons=0.8)
    assert all(_incl(_code(t, conds), x, y, tt.fuzzy) >= 0.8 for t in cons.prime_implicants)
    assert set(cons.prime_implicants) <= set(minimize(tt).prime_implicants)
    with pytest.raises(QCAError, match="no solutions"):
        minimize(tt, pi_cons=0.85)  # row 22 (FI, IE) has inclusion 0.804 only
    with pytest.raises(QCAError, match="no solutions"):
        minimize(tt, include="?", pi_cons=0.9)


def test_sol_cons_models(reference_dir):
    tt = _lf(reference_dir)
    conds = tt.conditions
    x = tt.data[conds].to_numpy()
    y = tt.data["SURV"].to_numpy()
    res = minimize(tt, include="?", sol_cons=0.8, sol_cov=0.6)
    pis = res.prime_implicants
    for model in res.solutions:
        codes = [_code(t, conds) for t in model]
        mem = np.max([[_incl_member(c, x, tt.fuzzy)] for c in codes], axis=0)[0]
        assert np.minimum(mem, y).sum() / mem.sum() >= 0.8 - 1e-8
        assert np.minimum(mem, y).sum() / y.sum() >= 0.6 - 1e-8
        assert set(model) <= set(pis)
    # irredundant: no model contains another
    sets = [set(m) for m in res.solutions]
    assert not any(a < b for a in sets for b in sets)
    # conservative: models below sol_cons are dropped; none left -> R's error
    assert minimize(tt, sol_cons=0.85).solutions == minimize(tt).solutions
    with pytest.raises(QCAError, match="no solutions"):
        minimize(tt, sol_cons=0.95)


def _incl_member(code, x, fuzzy):
    m = np.ones(len(x))
    for j, v in enumerate(code):
        if v >= 0:
            xj = x[:, j]
            m = np.minimum(m, (xj if v == 1 else 1 - xj) if fuzzy[j] else (xj == v).astype(float))
    return m


def test_exclude_blocks_simplifying_assumptions(reference_dir):
    tt = _lf(reference_dir)
    base = minimize(tt, include="?")
    sa = base.simplifying_assumptions["M1"].index.tolist()
    res = minimize(tt, include="?", exclude=sa)
    # with every simplifying assumption excluded nothing can be simplified beyond them
    for model_sa in res.simplifying_assumptions.values():
        assert not set(model_sa.index) & set(sa)
    assert res.solutions != base.solutions
    # an expression names remainders: DEV*URB*~STB -> rows 25, 27, 29 (those that are remainders)
    by_expr = minimize(tt, include="?", exclude="DEV*URB*~STB")
    by_rows = minimize(tt, include="?", exclude=[25, 27, 29])
    assert by_expr.solutions == by_rows.solutions
    with pytest.warns(QCAWarning, match="observed"):
        minimize(tt, include="?", exclude=[1, 10])
    with pytest.raises(QCAError, match="does not exist"):
        minimize(tt, include="?", exclude=[99])


def _upper_tail(successes: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(successes, n + 1))


def test_inf_test_binomial_matches_hand_computation(reference_dir):
    d = pd.read_csv(reference_dir / "qca" / "LC.csv", index_col=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        plain = truth_table(d, "SURV", incl_cut=(0.9, 0.5))
        tested = truth_table(d, "SURV", incl_cut=(0.9, 0.5), inf_test="binom, 0.3")
    obs = tested.table
    for row, r in obs.iterrows():
        n = int(r["n"])
        s = round(n * float(r["incl"]))
        p1 = _upper_tail(s, n, 0.9)
        assert r["pval1"] == pytest.approx(p1, abs=1e-12)
        assert r["pval0"] == pytest.approx(_upper_tail(s, n, 0.5), abs=1e-12)
        expected = "1" if p1 < 0.3 else ("C" if _upper_tail(s, n, 0.5) < 0.3 else "0")
        assert r["OUT"] == expected, row
    # rows of four consistent cases pass at alpha 0.3 (0.9^4 = 0.656 > 0.3: they do not)
    assert (plain.table["OUT"] == "1").sum() >= (obs["OUT"] == "1").sum()
    with pytest.raises(QCAError, match="binom"):
        truth_table(d, "SURV", inf_test="chisq")


@pytest.mark.parametrize("include", [None, "?"])
def test_multivalue_lipset_lm_against_brute_force(reference_dir, include):
    # tests/reference/qca/ has the LM data but no R output for it (R QCA is not installable
    # here): the multi-value minimisation is checked against the brute-force oracle instead.
    d = pd.read_csv(reference_dir / "qca" / "LM.csv", index_col=0)
    conds = ["DEV", "URB", "LIT", "IND", "STB"]
    assert _check_against_oracle(d.rename(columns={"SURV": "Y"}), conds, 1, include) == "identical"
    res = minimize(truth_table(d, "SURV", conds), include=include)
    assert all("[" in t for model in res.solutions for t in model), "R's mv notation DEV[2]"
