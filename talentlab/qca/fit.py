"""Parameters of fit (R QCA ``pof()``): inclusion, PRI, raw and unique coverage, and the
necessity parameters (inclusion, relevance of necessity, coverage).

Formulas (X = membership in a term or expression, Y = outcome, sums over all cases):

* sufficiency inclusion ``inclS = sum(min(X,Y)) / sum(X)`` (Ragin 2006);
* PRI ``(sum(min(X,Y)) - sum(min(X,Y,1-Y))) / (sum(X) - sum(min(X,Y,1-Y)))`` (Ragin 2008);
* raw coverage ``covS = sum(min(X,Y)) / sum(Y)``;
* unique coverage ``covU_t = covS_t - sum(min(min(X_t,Y), max_{u != t} min(X_u,Y))) / sum(Y)``
  (R ``C_pof``), i.e. the coverage lost when term t is dropped;
* necessity inclusion ``inclN = sum(min(X,Y)) / sum(Y)``, coverage ``covN = sum(min(X,Y))/sum(X)``,
  relevance ``RoN = sum(1 - X) / sum(1 - min(X,Y))`` (Schneider & Wagemann 2012).

Hand-written (no maintained Python library implements them); tested against R output.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from talentlab.qca.expressions import (
    QCAError,
    parse_expression,
    split_outcome,
    term_membership,
    write_term,
)

__all__ = ["fit", "sufficiency_parameters", "necessity_parameters"]


def _outcome_vector(data: pd.DataFrame, outcome) -> tuple[np.ndarray, str]:
    if isinstance(outcome, str):
        name = outcome.strip()
        base, neg = split_outcome(name)
        if base not in data.columns:
            raise QCAError(f"outcome {base!r} is not a column of the data")
        y = data[base].to_numpy(dtype=float)
        return (1.0 - y if neg else y), name
    y = np.asarray(outcome, dtype=float)
    if y.shape != (len(data),):
        raise QCAError("outcome vector must have one value per case")
    return y, "outcome"


def inclusion_pri(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sufficiency inclusion and PRI of every column of ``x`` (cases x sets) for outcome ``y``,
    and ``min(X, Y)`` (cases x sets); NaN where a set is empty.

    ``inclS = sum(min(X,Y)) / sum(X)`` (Ragin 2006) and
    ``PRI = (sum(min(X,Y)) - sum(min(X,Y,1-Y))) / (sum(X) - sum(min(X,Y,1-Y)))`` (Ragin 2008;
    R QCA ``src/truthTable.c`` and ``C_pof``). The one implementation behind
    :func:`sufficiency_parameters` and the truth table's row inclusion.

    Examples
    --------
    >>> incl, pri, _ = inclusion_pri(np.array([[1.0], [1.0], [0.0]]), np.array([1.0, 0.0, 1.0]))
    >>> incl.tolist(), pri.tolist()
    ([0.5], [0.5])
    """
    pmin = np.minimum(x, y[:, None])
    sum_x = x.sum(axis=0)
    sum_pmin = pmin.sum(axis=0)
    sum_pmin_negy = np.minimum(pmin, 1.0 - y[:, None]).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = sum_pmin / sum_x
        pri = (sum_pmin - sum_pmin_negy) / (sum_x - sum_pmin_negy)
    return incl, pri, pmin


def sufficiency_inclusion(membership: np.ndarray, y: np.ndarray) -> float:
    """Sufficiency inclusion ``sum(min(X,Y)) / sum(X)`` of one set (a vector over cases), 0 when
    the set is empty (R ``CCubes.c`` / ``getSolution``: such a term is never consistent).

    Examples
    --------
    >>> sufficiency_inclusion(np.array([1.0, 0.5, 0.0]), np.array([1.0, 0.0, 1.0]))
    0.6666666666666666
    """
    sx = float(membership.sum())
    return float(np.minimum(membership, y).sum() / sx) if sx > 0 else 0.0


def sufficiency_parameters(memberships: pd.DataFrame, y) -> pd.DataFrame:
    """inclS, PRI, covS, covU for each column of ``memberships`` (cases x terms).

    ``covU`` of a column is computed against the other columns (R ``C_pof``); NaN when there is
    a single column.

    Examples
    --------
    >>> m = pd.DataFrame({"A": [1.0, 0.0, 1.0], "B": [0.0, 1.0, 1.0]})
    >>> sufficiency_parameters(m, [1, 1, 0]).round(3)
       inclS  PRI  covS  covU
    A    0.5  0.5   0.5   0.5
    B    0.5  0.5   0.5   0.5
    """
    x = memberships.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    incl, pri, pmin = inclusion_pri(x, y)
    sum_y = y.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = pmin.sum(axis=0) / sum_y
    ncol = x.shape[1]
    covu = np.full(ncol, np.nan)
    if ncol > 1:
        for c in range(ncol):
            others = np.delete(pmin, c, axis=1).max(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                covu[c] = cov[c] - np.minimum(pmin[:, c], others).sum() / sum_y
    return pd.DataFrame(
        {"inclS": incl, "PRI": pri, "covS": cov, "covU": covu}, index=memberships.columns
    )


def necessity_parameters(memberships: pd.DataFrame, y) -> pd.DataFrame:
    """inclN, RoN, covN for each column of ``memberships`` (cases x sets).

    Examples
    --------
    >>> m = pd.DataFrame({"A": [1.0, 1.0, 0.0]})
    >>> necessity_parameters(m, [1, 0, 0]).round(3)
       inclN  RoN  covN
    A    1.0  0.5   0.5
    """
    x = memberships.to_numpy(dtype=float)
    y = np.asarray(y, dtype=float)
    pmin = np.minimum(x, y[:, None])
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = pmin.sum(axis=0) / y.sum()
        ron = (1.0 - x).sum(axis=0) / (1.0 - pmin).sum(axis=0)
        cov = pmin.sum(axis=0) / x.sum(axis=0)
    return pd.DataFrame({"inclN": incl, "RoN": ron, "covN": cov}, index=memberships.columns)


def fit(
    data: pd.DataFrame,
    expression: str,
    outcome: str | None = None,
    relation: str = "sufficiency",
    lowercase_negation: bool = False,
) -> pd.DataFrame:
    """Parameters of fit of a written expression, per term and for the whole expression.

    Parameters
    ----------
    data : DataFrame
        Cases x calibrated sets.
    expression : str
        Sum of products in R notation, e.g. ``"DEV*~IND + URB*STB"``. R's arrows are read too:
        ``"A*B + C -> Y"`` (sufficiency) and ``"A + B <- Y"`` (necessity) set outcome/relation.
    outcome : str
        Outcome column (``"~Y"`` for its negation); optional when the expression has an arrow.
    relation : {"sufficiency", "necessity"}
    lowercase_negation : bool
        Read lower-case literals as negations (older QCA notation).

    Returns
    -------
    DataFrame indexed by term plus ``expression`` with ``inclS, PRI, covS, covU`` (sufficiency;
    ``covU`` is NaN for the expression row) or ``inclN, RoN, covN`` (necessity), and columns
    ``relation``, ``outcome``, ``n`` (cases) and ``method``.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 1, 0]})
    >>> fit(d, "A + B", "Y")["covS"].round(3).tolist()
    [0.667, 0.667, 1.0]
    """
    expr = expression.strip()
    m = re.search(r"(<->|->|=>|<-|<=)\s*(~?\s*[^\s]+)\s*$", expr)
    if m:
        arrow, out = m.group(1), m.group(2).replace(" ", "")
        expr = expr[: m.start()].strip()
        if outcome is None:
            outcome = out
        relation = "necessity" if arrow in ("<-", "<=") else "sufficiency"
    if outcome is None:
        raise QCAError("fit() needs an outcome (argument or 'expr -> Y' arrow)")
    if relation not in ("sufficiency", "necessity"):
        raise QCAError("relation must be 'sufficiency' or 'necessity'")
    y, label = _outcome_vector(data, outcome)
    terms = parse_expression(expr, list(data.columns), lowercase_negation)
    names = [write_term(t) for t in terms]
    mem = pd.DataFrame(
        {nm: term_membership(t, data) for nm, t in zip(names, terms, strict=True)},
        index=data.index,
    )
    if mem.shape[1] != len(names):
        raise QCAError(f"repeated terms in {expression!r}")
    if relation == "sufficiency":
        per_term = sufficiency_parameters(mem, y)
        whole = sufficiency_parameters(pd.DataFrame({"expression": mem.max(axis=1)}), y)
        out = pd.concat([per_term, whole]) if len(names) > 1 else whole
        if len(names) == 1:
            out = pd.concat([per_term.assign(covU=np.nan), whole])
    else:
        per_term = necessity_parameters(mem, y)
        whole = necessity_parameters(pd.DataFrame({"expression": mem.max(axis=1)}), y)
        out = pd.concat([per_term, whole])
    out["relation"] = relation
    out["outcome"] = label
    out["n"] = len(data)
    out["method"] = f"pof ({relation}), R QCA formulas"
    out.index.name = "term"
    return out
