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

__all__ = ["fit", "model_parameters", "necessity_parameters", "sufficiency_parameters",
           "unique_coverage"]


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
    covu = unique_coverage(pmin.T, sum_y)[0]
    return pd.DataFrame(
        {"inclS": incl, "PRI": pri, "covS": cov, "covU": covu}, index=memberships.columns
    )


def unique_coverage(pmin: np.ndarray, sum_y: float, terms_of: np.ndarray | None = None,
                    size: np.ndarray | None = None) -> np.ndarray:
    """Unique coverage of every term of every model, all models at once (R ``C_pof``).

    Parameters
    ----------
    pmin : ndarray, terms x cases
        ``min(X_t, Y)`` of each term.
    sum_y : float
        ``sum(Y)``.
    terms_of : ndarray of int, models x width, optional
        Rows of ``pmin`` making up each model; a model with fewer terms is padded with the
        index of a row of zeros (a zero row changes no maximum). Default: one model of all
        the terms.
    size : ndarray of int, optional
        Number of real terms of each model (default: ``width``).

    Returns
    -------
    ndarray, models x width
        ``covU_t = (sum(min(X_t,Y)) - sum(min(min(X_t,Y), max_{u != t} min(X_u,Y)))) / sum(Y)``
        of each term of each model; NaN for a model of one term (R prints "-") and for padding.

    Notes
    -----
    In a case where term t is not the largest, ``min(X_t, max of the others) = X_t``; where it
    is the (first) largest, it is the second largest value. So ``covU_t`` is the sum, over the
    cases whose largest term is t, of the gap between the largest and the second largest value,
    divided by ``sum(Y)``: the two largest values of each case are kept while the terms are
    read once, so the work is linear in the terms and in the models (dropping each term in
    turn is quadratic).

    Examples
    --------
    >>> pm = np.array([[1.0, 0.5, 0.0], [0.0, 0.5, 0.0]])
    >>> unique_coverage(pm, 2.0).round(3).tolist()
    [[0.5, 0.0]]
    """
    if terms_of is None:
        terms_of = np.arange(pmin.shape[0])[None, :]
    size = np.full(terms_of.shape[0], terms_of.shape[1]) if size is None else np.asarray(size)
    top1, top2, first = _two_largest(pmin, terms_of)
    return _unique_coverage(top1 - top2, first, sum_y, size, terms_of.shape[1])


def _unique_coverage(gap: np.ndarray, first: np.ndarray, sum_y: float, size: np.ndarray,
                     width: int) -> np.ndarray:
    """covU (models x width) from the gap between the two largest ``min(X, Y)`` of each model
    and case and the position of the largest (:func:`unique_coverage`'s notes)."""
    n_models = gap.shape[0]
    out = np.full((n_models, width), np.nan)
    if width < 2 or n_models == 0:
        return out
    flat = (np.arange(n_models)[:, None] * width + first).ravel()
    sums = np.bincount(flat, weights=gap.ravel(), minlength=n_models * width)
    with np.errstate(invalid="ignore", divide="ignore"):
        covu = sums.reshape(n_models, width) / sum_y
    keep = (np.arange(width)[None, :] < size[:, None]) & (size[:, None] > 1)
    out[keep] = covu[keep]
    return out


def _two_largest(values: np.ndarray, terms_of: np.ndarray):
    """Per model and case: the largest and second largest of the model's rows of ``values``
    (terms x cases) and the position (in ``terms_of``) of the first largest; one pass over the
    positions, each a contiguous models x cases array updated in place."""
    n_models, width = terms_of.shape
    shape = (n_models, values.shape[1])
    top1 = np.take(values, terms_of[:, 0], axis=0)
    top2 = np.full(shape, -np.inf)
    first = np.zeros(shape, dtype=np.int64)
    above = np.empty(shape, dtype=bool)
    v = np.empty(shape)
    for j in range(1, width):
        np.take(values, terms_of[:, j], axis=0, out=v)
        np.greater(v, top1, out=above)
        np.maximum(top2, v, out=top2)
        np.copyto(top2, top1, where=above)
        np.copyto(top1, v, where=above)
        np.copyto(first, j, where=above)
    return top1, top2, first


def model_parameters(membership: np.ndarray, y: np.ndarray, terms_of: np.ndarray,
                     size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Parameters of fit of many models of the same terms, all at once.

    Parameters
    ----------
    membership : ndarray, terms x cases
        Membership of every case in every term; one row of zeros to pad short models.
    y : ndarray
        Outcome.
    terms_of, size
        Rows of ``membership`` in each model (models x width, padded) and the number of real
        terms of each model.

    Returns
    -------
    (solution, covu)
        ``solution``: models x (inclS, PRI, covS) of each model's union of terms;
        ``covu``: models x width, each term's unique coverage within its model (NaN for
        padding and for one-term models).

    Examples
    --------
    >>> mem = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    >>> sol, covu = model_parameters(mem, np.array([1.0, 1.0, 0.0]), np.array([[0, 1], [0, 2]]),
    ...                              np.array([2, 1]))
    >>> sol.round(3).tolist(), covu.round(3).tolist()
    ([[0.667, 0.667, 1.0], [0.5, 0.5, 0.5]], [[0.5, 0.5], [nan, nan]])
    """
    y = np.asarray(y, dtype=float)
    sum_y = float(y.sum())
    n_models, width = terms_of.shape
    solution = np.full((n_models, 3), np.nan)
    covu = np.full((n_models, width), np.nan)
    step = max(1, 2_000_000 // max(1, membership.shape[1]))  # bounded memory
    for s in range(0, n_models, step):
        block, block_size = terms_of[s : s + step], np.asarray(size[s : s + step])
        top1, top2, first = _two_largest(membership, block)
        incl, pri, pm = inclusion_pri(top1.T, y)  # the union of the terms is their maximum
        with np.errstate(invalid="ignore", divide="ignore"):
            solution[s : s + step] = np.column_stack([incl, pri, pm.sum(axis=0) / sum_y])
        # min(., Y) keeps the order of the terms: the two largest min(X, Y) are min(top, Y),
        # and where they differ the largest X is the largest min(X, Y)
        gap = np.minimum(top1, y[None, :]) - np.minimum(top2, y[None, :])
        covu[s : s + step] = _unique_coverage(gap, first, sum_y, block_size, width)
    return solution, covu


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
