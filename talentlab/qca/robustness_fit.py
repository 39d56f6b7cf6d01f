"""Robustness of a solution against a test set of alternative solutions (SetMethods 4.0
``rob.fit``, ``rob.corefit``, ``rob.cases``, ``rob.singletest``; Oana & Schneider 2024,
*Robustness tests in QCA: a fit-oriented and case-oriented perspective*).

The initial solution IS is compared with test solutions TS (the same analysis with other
cut-offs, anchors or cases). Each solution enters through its first model (M1; C1P1's for an
intermediate solution), as SetMethods' ``pimdata`` does: a case's membership in the solution is
the maximum over the model's terms. The *minimal test set* is the intersection of the test
solutions (``min``), the *maximal test set* their union (``max``), and the *robust core* the
intersection of IS and every TS.

Difference with SetMethods 4.0: its ``rob.fit``, ``rob.cases`` and ``rob.singletest`` build the
minimal and maximal test sets with ``for (i in length(test_sol))``, a loop over the last test
solution only, so with three or more test solutions they combine the first and the last and
ignore the others. Here every test solution enters (as the paper defines the sets and as
SetMethods' own ``rob.corefit`` does); with one or two test solutions, the usual case and the
published example, the numbers are the same. SetMethods also rounds the fit of IS and of the core
to three significant digits before dividing them; here nothing is rounded.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from talentlab.qca.boolean import implicant_membership
from talentlab.qca.expressions import QCAError
from talentlab.qca.fit import inclusion_pri
from talentlab.qca.solution import MinimizeResult

__all__ = ["CASE_TYPES", "case_ratios", "model_membership", "robust_cases", "robust_core_fit",
           "robustness_fit", "single_test_fit"]

#: Case types of Oana & Schneider (2024), by (membership in IS > 0.5, in the test set > 0.5,
#: outcome > 0.5); the test set is the minimal one for cases in IS, the maximal one otherwise.
CASE_TYPES = {
    (True, True, True): "robust typical",
    (True, True, False): "robust deviant",
    (True, False, True): "shaky typical",
    (True, False, False): "shaky deviant",
    (False, True, True): "possible typical",
    (False, True, False): "possible deviant",
    (False, False, True): "extreme deviant coverage",
    (False, False, False): "irrelevant",
}


def model_membership(result: MinimizeResult, model: int = 0) -> pd.DataFrame:
    """Membership of every case in each term of a model and in the model (SetMethods
    ``pimdata``): columns = terms, ``solution`` (their maximum) and ``outcome``.

    Parameters
    ----------
    result : MinimizeResult
        From :func:`talentlab.qca.minimize` (C1P1's models when intermediate).
    model : int
        0 for M1.

    Examples
    --------
    >>> from talentlab.qca import minimize, truth_table
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]},
    ...                  index=["a", "b", "c", "d"])
    >>> model_membership(minimize(truth_table(d, "Y"), include="?"))["solution"].tolist()
    [1.0, 1.0, 0.0, 0.0]
    """
    sol = result.solution
    if not 0 <= model < len(sol.models):
        raise QCAError(f"model {model + 1} does not exist ({len(sol.models)} model(s))")
    tt = sol.tt
    x = tt.data[sol.conditions].to_numpy(dtype=float)
    cols = {sol.implicant_name(i): implicant_membership(sol.implicants[i], x, tt.fuzzy)
            for i in sol.models[model]}
    out = pd.DataFrame(cols, index=tt.data.index)
    out["solution"] = out[list(cols)].max(axis=1) if cols else 0.0
    out["outcome"] = tt.data[tt.outcome].to_numpy(dtype=float)
    return out


def _as_list(test) -> list[MinimizeResult]:
    tests = [test] if isinstance(test, MinimizeResult) else list(test)
    if not tests:
        raise QCAError("the test set is empty: give at least one test solution")
    return tests


def _sets(test, initial: MinimizeResult):
    """IS, minimal TS, maximal TS and the outcome, as arrays over the same cases. The outcome
    is the initial solution's (SetMethods' ``P1$out``), also when a test solution recalibrated
    it."""
    base = model_membership(initial)
    tests = []
    for k, t in enumerate(_as_list(test)):
        m = model_membership(t)
        if not m.index.equals(base.index):
            raise QCAError(f"test solution {k + 1} is on other cases than the initial solution")
        tests.append(m["solution"].to_numpy())
    ts = np.vstack(tests)
    return (base["solution"].to_numpy(), ts.min(axis=0), ts.max(axis=0),
            base["outcome"].to_numpy(), base.index)


def _fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    incl, pri, pmin = inclusion_pri(x[:, None], y)
    return float(incl[0]), float(pmin.sum() / y.sum()), float(pri[0])


def robust_core_fit(test, initial: MinimizeResult) -> pd.DataFrame:
    """Parameters of fit of the robust core, the intersection of IS and every test solution
    (SetMethods ``rob.corefit``).

    Returns
    -------
    DataFrame
        One row ``core``: ``inclS``, ``covS``, ``PRI``.

    Examples
    --------
    >>> from talentlab.qca import minimize
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1], "B": [.8, .3, .9, .6, .2],
    ...                   "Y": [.9, .7, .8, .3, .1]})
    >>> IS = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> TS = minimize(d, outcome="Y", incl_cut=0.6, include="?")
    >>> robust_core_fit([TS], IS).round(3).to_dict("records")
    [{'inclS': 0.963, 'covS': 0.929, 'PRI': 0.944}]
    """
    is_, min_ts, _, y, _ = _sets(test, initial)
    incl, cov, pri = _fit(np.minimum(is_, min_ts), y)
    return pd.DataFrame({"inclS": [incl], "covS": [cov], "PRI": [pri]}, index=["core"])


def robustness_fit(test, initial: MinimizeResult) -> pd.DataFrame:
    """Robustness fit parameters of a solution against a test set (SetMethods ``rob.fit``).

    ``RF_cov = covS(core) / covS(IS)`` (share of IS's coverage kept by the robust core),
    ``RF_cons = inclS(IS) / inclS(core)``, and the set coincidence of IS with the minimal and
    the maximal test set, ``RF_SC_minTS = sum(min(IS, minTS)) / sum(max(IS, minTS))`` and
    ``RF_SC_maxTS`` likewise (Oana & Schneider 2024, eqs. 1-4). Values near 1: robust.

    Parameters
    ----------
    test : MinimizeResult or list of MinimizeResult
        The test solutions (the same cases and outcome).
    initial : MinimizeResult

    Returns
    -------
    DataFrame
        One row ``robustness_fit``: ``RF_cov``, ``RF_cons``, ``RF_SC_minTS``, ``RF_SC_maxTS``
        (not rounded).

    Examples
    --------
    >>> from talentlab.qca import minimize
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1], "B": [.8, .3, .9, .6, .2],
    ...                   "Y": [.9, .7, .8, .3, .1]})
    >>> IS = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> TS = minimize(d, outcome="Y", incl_cut=0.6, include="?")
    >>> robustness_fit([TS], IS).round(3).to_dict("records")
    [{'RF_cov': 1.0, 'RF_cons': 1.0, 'RF_SC_minTS': 0.794, 'RF_SC_maxTS': 0.794}]
    """
    is_, min_ts, max_ts, y, _ = _sets(test, initial)
    incl_is, cov_is, _ = _fit(is_, y)
    incl_core, cov_core, _ = _fit(np.minimum(is_, min_ts), y)
    sc_min = np.minimum(is_, min_ts).sum() / np.maximum(is_, min_ts).sum()
    sc_max = np.minimum(is_, max_ts).sum() / np.maximum(is_, max_ts).sum()
    return pd.DataFrame({"RF_cov": [cov_core / cov_is], "RF_cons": [incl_is / incl_core],
                         "RF_SC_minTS": [float(sc_min)], "RF_SC_maxTS": [float(sc_max)]},
                        index=["robustness_fit"])


def robust_cases(test, initial: MinimizeResult) -> pd.DataFrame:
    """Each case's type against the test set (SetMethods ``rob.cases``, its case lists).

    A case in IS (membership > 0.5) is *robust* when it is also in the minimal test set, else
    *shaky*; a case outside IS is *possible* when it is in the maximal test set, else *extreme
    deviant coverage* (outcome > 0.5) or *irrelevant*; typical/deviant by the outcome (> 0.5 /
    < 0.5). Cases at exactly 0.5 in a set involved or in the outcome have no type (SetMethods
    lists them nowhere).

    Returns
    -------
    DataFrame
        Indexed by case: ``IS``, ``min_TS``, ``max_TS``, ``outcome`` (memberships) and ``type``
        (a label of :data:`CASE_TYPES`, or missing).

    Examples
    --------
    >>> from talentlab.qca import minimize
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1], "B": [.8, .3, .9, .6, .2],
    ...                   "Y": [.9, .7, .8, .3, .1]}, index=list("abcde"))
    >>> IS = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> TS = minimize(d, outcome="Y", incl_cut=0.6, include="?")
    >>> robust_cases([TS], IS)["type"].tolist()
    ['robust typical', 'robust typical', 'robust typical', 'possible deviant', 'irrelevant']
    """
    is_, min_ts, max_ts, y, index = _sets(test, initial)
    types: list[str | None] = []
    for a, lo, hi, out in zip(is_, min_ts, max_ts, y, strict=True):
        in_is = a > 0.5
        ts = lo if in_is else hi  # the minimal test set for cases in IS, else the maximal
        if a == 0.5 or ts == 0.5 or out == 0.5:
            types.append(None)
            continue
        types.append(CASE_TYPES[(bool(in_is), bool(ts > 0.5), bool(out > 0.5))])
    return pd.DataFrame({"IS": is_, "min_TS": min_ts, "max_TS": max_ts, "outcome": y,
                         "type": pd.array(types, dtype="string")}, index=index)


def case_ratios(test, initial: MinimizeResult) -> pd.DataFrame:
    """Robustness case ratios and rank (SetMethods ``rob.cases``' ``CaseParameters``).

    ``RCR_typ``: robust typical cases / (robust typical + shaky typical + possible typical);
    ``RCR_dev`` likewise for deviant cases; ``RCC_Rank``: 1 no shaky and no possible cases,
    2 possible only, 3 shaky only, 4 both (Oana & Schneider 2024).

    Examples
    --------
    >>> from talentlab.qca import minimize
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1], "B": [.8, .3, .9, .6, .2],
    ...                   "Y": [.9, .7, .8, .3, .1]}, index=list("abcde"))
    >>> IS = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> TS = minimize(d, outcome="Y", incl_cut=0.6, include="?")
    >>> case_ratios([TS], IS).round(3).to_dict("records")
    [{'RCR_typ': 1.0, 'RCR_dev': 0.0, 'RCC_Rank': 2}]
    """
    is_, min_ts, max_ts, y, _ = _sets(test, initial)
    s1s2 = np.minimum(is_, min_ts) > 0.5
    shaky = np.minimum(is_, 1 - min_ts) > 0.5
    possible = np.minimum(1 - is_, max_ts) > 0.5
    rank = 1 + int(possible.any()) + 2 * int(shaky.any())

    def ratio(mask_y):
        robust = int((s1s2 & mask_y).sum())
        total = robust + int((shaky & mask_y).sum()) + int((possible & mask_y).sum())
        return robust / total if total else float("nan")

    return pd.DataFrame({"RCR_typ": [ratio(y > 0.5)], "RCR_dev": [ratio(y < 0.5)],
                         "RCC_Rank": [rank]}, index=["case_ratio"])


def single_test_fit(tests: Sequence[MinimizeResult], initial: MinimizeResult) -> pd.DataFrame:
    """Each test solution alone against IS (SetMethods ``rob.singletest``): its model, the
    robustness case rank and the set coincidence with IS, ordered by decreasing rank, then
    increasing coincidence (SetMethods' order: the least robust first).

    Examples
    --------
    >>> from talentlab.qca import minimize
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1], "B": [.8, .3, .9, .6, .2],
    ...                   "Y": [.9, .7, .8, .3, .1]}, index=list("abcde"))
    >>> IS = minimize(d, outcome="Y", incl_cut=0.8, include="?")
    >>> TS = minimize(d, outcome="Y", incl_cut=0.6, include="?")
    >>> single_test_fit([TS, IS], IS)[["model", "RCC_Rank"]].to_dict("records")
    [{'model': 'A+B', 'RCC_Rank': 2}, {'model': 'A', 'RCC_Rank': 1}]
    """
    rows = []
    for k, t in enumerate(_as_list(tests)):
        rows.append({"test": k + 1, "model": "+".join(t.solution.solutions[0]),
                     "RCC_Rank": int(case_ratios([t], initial)["RCC_Rank"].iloc[0]),
                     "SC": float(robustness_fit([t], initial)["RF_SC_minTS"].iloc[0])})
    out = pd.DataFrame(rows)
    return out.sort_values(["RCC_Rank", "SC"], ascending=[False, True], kind="stable",
                           ignore_index=True)
