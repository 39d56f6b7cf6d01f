"""Truth tables (R QCA ``truthTable()``, version 3.25.1).

Follows ``QCA/R/truthTable.R`` and ``QCA/src/truthTable.c``: a row's inclusion and PRI use the
membership of **all** cases in the row's corner; ``n`` counts cases with corner membership strictly
above 0.5; cases with a condition at exactly 0.5 are listed in no row; cut-offs are compared with
R's tolerance (``admisc::agteb``).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from talentlab.qca.expressions import TOLERANCE, QCAError, QCAWarning, split_outcome
from talentlab.qca.fit import inclusion_pri

__all__ = ["TruthTable", "truth_table", "prepare_data"]


@dataclass
class TruthTable:
    """A truth table: ``table`` (one row per configuration) plus the metadata of its making.

    ``table`` has one column per condition (0/1 or multi-value level), ``OUT`` ("1", "0", "C"
    for contradictions, "?" for logical remainders), ``n`` (cases with membership > 0.5),
    ``incl`` (sufficiency inclusion), ``PRI``, ``cases`` (case names joined with ","), and
    ``DCC`` (deviant cases for consistency). The index is R's row number
    ``1 + sum(value_j * prod(levels_l, l > j))``. The object forwards ``[]``, ``len`` and
    DataFrame attributes to ``table``.
    """

    table: pd.DataFrame
    conditions: list[str]
    outcome: str
    negate_outcome: bool
    incl_cut: tuple[float, float]
    n_cut: int
    pri_cut: float
    noflevels: list[int]
    fuzzy: list[bool]
    data: pd.DataFrame  # conditions + outcome (outcome already negated if negate_outcome)
    all_rows: pd.DataFrame  # every configuration, whatever ``complete``
    case_row_membership: pd.DataFrame = field(repr=False)
    complete: bool = False

    @property
    def outcome_label(self) -> str:
        """The outcome as R writes it: ``~SURV`` when the outcome is negated."""
        return ("~" if self.negate_outcome else "") + self.outcome

    @property
    def multivalue(self) -> bool:
        return any(v > 2 for v in self.noflevels)

    def __getitem__(self, key):
        return self.table[key]

    def __len__(self) -> int:
        return len(self.table)

    def __getattr__(self, name):
        if name.startswith("__") or name in ("table",):
            raise AttributeError(name)
        return getattr(self.table, name)

    def _repr_html_(self):  # pragma: no cover - notebook display
        return self.table._repr_html_()

    def __str__(self) -> str:
        """The table as R prints it: conditions, OUT, n, incl and PRI to three decimals (``-``
        for a logical remainder), the p values of an inference test, and the cases."""
        shown = self.table[self.conditions + ["OUT", "n"]].copy()
        for col in ["incl", "PRI"] + [c for c in ("pval1", "pval0") if c in self.table]:
            shown[col] = [("-" if pd.isna(v) else f"{float(v):.3f}") for v in self.table[col]]
        shown["cases"] = self.table["cases"]
        legend = ("  OUT: output value\n    n: number of cases in configuration\n"
                  " incl: sufficiency inclusion score\n"
                  "  PRI: proportional reduction in inconsistency\n")
        return (f"Truth table for {self.outcome_label} (incl.cut={self.incl_cut[0]:g}, "
                f"n.cut={self.n_cut})\n{legend}\n{shown.to_string()}")

    @property
    def remainders_share(self) -> float:
        """Share of logical remainders among all 2^k (prod of levels) configurations."""
        total = int(np.prod(self.noflevels))
        observed = int((self.all_rows["OUT"] != "?").sum())
        return 1.0 - observed / total


def _as_cut_pair(incl_cut) -> tuple[float, float]:
    if np.isscalar(incl_cut):
        ic1 = float(incl_cut)
        ic0 = 1.0
    else:
        vals = [float(v) for v in incl_cut]
        if len(vals) == 1:
            ic1, ic0 = vals[0], 1.0
        elif len(vals) == 2:
            ic1, ic0 = vals
        else:
            raise QCAError("incl_cut is one value or a pair (ic1, ic0)")
    for v in (ic1, ic0):
        if not 0 <= v <= 1:
            raise QCAError("inclusion cut-offs must lie in [0, 1]")
    return ic1, ic0


def prepare_data(
    data: pd.DataFrame, outcome: str, conditions: Sequence[str] | None
) -> tuple[pd.DataFrame, str, bool, list[str], list[int], list[bool]]:
    """Validate the data; return (data[conditions + outcome], outcome name, negated flag,
    conditions, numbers of levels, fuzzy flags)."""
    if not isinstance(data, pd.DataFrame):
        raise QCAError("data must be a pandas DataFrame (cases x sets)")
    if not isinstance(outcome, str) or not outcome.strip():
        raise QCAError("outcome must be the name of a column")
    name, negated = split_outcome(outcome)
    if name not in data.columns:
        raise QCAError(f"outcome {name!r} is not a column of the data")
    if conditions is None:
        conditions = [c for c in data.columns if c != name]
    elif isinstance(conditions, str):
        conditions = [c.strip() for c in conditions.split(",") if c.strip()]
    conditions = list(conditions)
    if not conditions:
        raise QCAError("no conditions given")
    if len(set(conditions)) != len(conditions):
        raise QCAError("duplicated conditions")
    missing = [c for c in conditions if c not in data.columns]
    if missing:
        raise QCAError(f"conditions not found in the data: {missing}")
    if name in conditions:
        raise QCAError(f"{name!r} cannot be both outcome and condition")
    sub = data[conditions + [name]].copy()
    try:
        sub = sub.astype(float)
    except (TypeError, ValueError) as exc:
        raise QCAError(f"set memberships must be numeric: {exc}") from exc
    if sub.isna().any().any():
        bad = sub.columns[sub.isna().any()].tolist()
        raise QCAError(f"missing values are not allowed; check columns {bad}")
    noflevels, fuzzy = [], []
    for c in conditions:
        x = sub[c].to_numpy()
        is_int = np.all(np.equal(np.mod(x, 1), 0))
        if is_int:
            if x.min() < 0:
                raise QCAError(f"condition {c!r} has negative values")
            noflevels.append(max(2, int(x.max()) + 1))
            fuzzy.append(False)
        else:
            if x.min() < 0 or x.max() > 1:
                raise QCAError(
                    f"condition {c!r} is not calibrated: fuzzy sets must lie in [0, 1]"
                )
            noflevels.append(2)
            fuzzy.append(True)
    y = sub[name].to_numpy()
    if y.min() < 0 or y.max() > 1:
        raise QCAError(f"outcome {name!r} must be a crisp or fuzzy set in [0, 1]")
    return sub, name, negated, conditions, noflevels, fuzzy


def outcome_membership(sub: pd.DataFrame, name: str, negated: bool) -> np.ndarray:
    """The outcome of :func:`prepare_data`'s table as floats, ``1 - y`` when it is negated."""
    y = sub[name].to_numpy(dtype=float)
    return 1.0 - y if negated else y


def row_numbers(values: np.ndarray, noflevels: Sequence[int]) -> np.ndarray:
    """R's truth-table row numbers (1-based, first condition most significant)."""
    mbase = np.ones(len(noflevels), dtype=np.int64)
    for j in range(len(noflevels) - 2, -1, -1):
        mbase[j] = mbase[j + 1] * noflevels[j + 1]
    return np.asarray(values, dtype=np.int64) @ mbase + 1


def all_configurations(noflevels: Sequence[int]) -> np.ndarray:
    """Every configuration in R row order."""
    grids = np.meshgrid(*[np.arange(v) for v in noflevels], indexing="ij")
    return np.stack([g.ravel() for g in grids], axis=1).astype(np.int64)


def corner_membership(x: np.ndarray, configs: np.ndarray, fuzzy: Sequence[bool]) -> np.ndarray:
    """Membership (cases x configs) of each case in each configuration's corner (fuzzy AND)."""
    out = np.ones((x.shape[0], configs.shape[0]))
    for j, fz in enumerate(fuzzy):
        xj = x[:, [j]]
        cj = configs[:, j][None, :]
        if fz:
            m = np.where(cj == 1, xj, 1.0 - xj)
        else:
            m = (xj == cj).astype(float)
        out = np.minimum(out, m)
    return out


def truth_table(
    data: pd.DataFrame,
    outcome: str,
    conditions: Sequence[str] | None = None,
    incl_cut=1.0,
    n_cut: int = 1,
    pri_cut: float = 0.0,
    negate_outcome: bool = False,
    sort_by: Sequence[str] | str | None = None,
    decreasing: bool = True,
    complete: bool = False,
    warn: bool = True,
    inf_test=None,
) -> TruthTable:
    """Build a truth table as R QCA ``truthTable()`` does.

    Parameters
    ----------
    data : DataFrame
        Cases (index = case names) by calibrated sets (crisp 0/1, multi-value 0..k, fuzzy [0,1]).
    outcome : str
        Outcome column; ``"~Y"`` negates it (same as ``negate_outcome=True``).
    conditions : list of str, optional
        Conditions in order (default: every other column).
    incl_cut : float or (float, float)
        Inclusion cut-off for OUT = 1; a pair ``(ic1, ic0)`` codes rows with
        ``ic0 <= incl < ic1`` as contradictions ``"C"``. Compared with R's tolerance 1.49e-8.
    n_cut : int
        Rows with fewer cases are logical remainders (``"?"``).
    pri_cut : float
        Minimal PRI for OUT = 1.
    negate_outcome : bool
        Analyse the negation of the outcome (written ``~Y``).
    sort_by : str or list of str, optional
        Columns to sort by (e.g. ``["incl", "n"]``), decreasing by default; remainders last.
    complete : bool
        Show every configuration (else only observed ones, n > 0).
    warn : bool
        Issue :class:`QCAWarning` for memberships of exactly 0.5.
    inf_test : str or (str, float), optional
        R ``inf.test``: ``"binom"`` or ``("binom", alpha)`` / ``"binom, 0.05"`` (alpha 0.05 by
        default). Every observed row (OUT not ``?``) is recoded by a one-sided exact binomial
        test of ``round(n * incl)`` successes in ``n`` cases against ``incl_cut``: OUT = 1 when
        ``P(X >= successes | p = ic1) < alpha``; else, with two cut-offs, ``C`` when the test
        against ``ic0`` is significant; else 0. Adds columns ``pval1`` (and ``pval0``), as R
        (``truthTable.R``, ``binom.test(..., alternative = "greater")``).

    Returns
    -------
    TruthTable

    Notes
    -----
    Row inclusion ``sum(min(X, Y)) / sum(X)`` and PRI
    ``(sum(min(X,Y)) - sum(min(X,Y,1-Y))) / (sum(X) - sum(min(X,Y,1-Y)))`` (Ragin 2008; R QCA
    ``src/truthTable.c``), with X the membership of each case in the row's corner.

    Examples
    --------
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]},
    ...                  index=list("abcd"))
    >>> tt = truth_table(d, "Y", ["A", "B"])
    >>> tt.table["OUT"].tolist(), tt.table["cases"].tolist()
    (['0', '0', '1', '1'], ['d', 'c', 'b', 'a'])
    """
    sub, name, neg_from_name, conditions, noflevels, fuzzy = prepare_data(
        data, outcome, conditions
    )
    negate = bool(negate_outcome) ^ neg_from_name
    if negate:
        sub[name] = 1.0 - sub[name]
    ic1, ic0 = _as_cut_pair(incl_cut)
    if int(n_cut) < 1:
        raise QCAError("n_cut must be at least 1")
    x = sub[conditions].to_numpy(dtype=float)
    y = sub[name].to_numpy(dtype=float)
    case_names = [str(i) for i in sub.index]
    zero_five = _zero_five_cases(x, fuzzy, case_names, warn)
    crisp_values = x.copy()
    fuzzy_arr = np.asarray(fuzzy)
    crisp_values[:, fuzzy_arr] = (x[:, fuzzy_arr] > 0.5).astype(float)
    line = row_numbers(crisp_values.astype(np.int64), noflevels)

    configs = all_configurations(noflevels)
    observed_rows = np.unique(line)  # rows holding a case (R's "tt" before cut-offs)
    memb = corner_membership(x, configs[observed_rows - 1], fuzzy)
    cols = _row_columns(memb, y, line, observed_rows, zero_five, case_names, len(configs))
    cols["OUT"] = _output_codes(cols, observed_rows, n_cut, pri_cut, ic1, ic0)
    pvals = _binomial_test(inf_test, cols["OUT"], cols["n"], cols["incl"], ic1, ic0,
                           _two_cuts(incl_cut))
    columns = {c: configs[:, j] for j, c in enumerate(conditions)}
    columns.update({
        "OUT": pd.array(cols["OUT"].tolist(), dtype="string"),
        "n": cols["n"],
        "incl": cols["incl"],
        "PRI": cols["PRI"],
        "cases": pd.array(cols["cases"].tolist(), dtype="string"),
        "DCC": pd.array(cols["DCC"].tolist(), dtype="string"),
        **pvals,
    })
    table = pd.DataFrame(columns, index=pd.RangeIndex(1, len(configs) + 1, name="row"))
    shown = table if complete else table.iloc[np.flatnonzero(cols["n"] > 0)]
    if sort_by:
        shown = _sort_rows(shown, sort_by, decreasing)
    crm = pd.DataFrame(memb, index=case_names, columns=[str(r) for r in observed_rows])
    return TruthTable(
        table=shown.copy(),
        conditions=conditions,
        outcome=name,
        negate_outcome=negate,
        incl_cut=(ic1, ic0),
        n_cut=int(n_cut),
        pri_cut=float(pri_cut),
        noflevels=noflevels,
        fuzzy=fuzzy,
        data=sub,
        all_rows=table,
        case_row_membership=crm,
        complete=complete,
    )


def _zero_five_cases(x: np.ndarray, fuzzy: Sequence[bool], case_names: list[str],
                     warn: bool) -> np.ndarray:
    """Cases with a fuzzy condition at 0.5 (R's tolerance): they belong to no row (R QCA)."""
    fuzzy_arr = np.asarray(fuzzy)
    zero_five = np.zeros(x.shape[0], dtype=bool)
    if fuzzy_arr.any():
        zero_five = np.isclose(x[:, fuzzy_arr], 0.5, rtol=0, atol=TOLERANCE).any(axis=1)
        if zero_five.any() and warn:
            warnings.warn(
                "Fuzzy causal conditions should not have values of 0.5 in the data; cases "
                f"{[case_names[i] for i in np.flatnonzero(zero_five)]} are allocated to no "
                "truth table row.",
                QCAWarning,
                stacklevel=3,
            )
    return zero_five


def _row_columns(memb, y, line, observed_rows, zero_five, case_names, total) -> dict:
    """``n``, ``incl``, ``PRI``, ``cases`` and ``DCC`` of every configuration (R row order) from
    the membership ``memb`` (cases x observed rows) of each case in each observed row's corner;
    remainders get n = 0, NaN and empty strings."""
    incl, pri, _ = inclusion_pri(memb, y)
    n = (memb > 0.5).sum(axis=0)
    cols = {
        "n": np.zeros(total, dtype=int),
        "incl": np.full(total, np.nan),
        "PRI": np.full(total, np.nan),
        "cases": np.full(total, "", dtype=object),
        "DCC": np.full(total, "", dtype=object),
    }
    for k, r in enumerate(observed_rows):
        idx = r - 1
        cols["n"][idx] = n[k]
        cols["incl"][idx] = incl[k]
        cols["PRI"][idx] = pri[k]
        members = np.flatnonzero((line == r) & ~zero_five)
        cols["cases"][idx] = ",".join(case_names[i] for i in members)
        dcc = np.flatnonzero((memb[:, k] > 0.5) & (y < 0.5))
        cols["DCC"][idx] = ",".join(case_names[i] for i in dcc)
    return cols


def _output_codes(cols: dict, observed_rows, n_cut, pri_cut, ic1, ic0) -> np.ndarray:
    """OUT of every configuration: "1" (inclusion and PRI reach the cut-offs, R's tolerance),
    "C" (inclusion between ``ic0`` and ``ic1``), "0", or "?" (fewer than ``n_cut`` cases)."""
    out = np.full(len(cols["n"]), "?", dtype=object)
    for r in observed_rows:
        idx = r - 1
        incl = cols["incl"][idx]
        if cols["n"][idx] >= n_cut:
            if (incl + TOLERANCE > ic1) and (cols["PRI"][idx] + TOLERANCE > pri_cut):
                out[idx] = "1"
            elif incl < ic1 and incl + TOLERANCE > ic0:
                out[idx] = "C"
            else:
                out[idx] = "0"
    return out


def _sort_rows(shown: pd.DataFrame, sort_by, decreasing: bool) -> pd.DataFrame:
    """Rows sorted by ``sort_by`` (stable, last key first), logical remainders last."""
    keys = [sort_by] if isinstance(sort_by, str) else list(sort_by)
    keys = ["OUT" if k == "out" else k for k in keys]
    unknown = [k for k in keys if k not in shown.columns]
    if unknown:
        raise QCAError(f"cannot sort by {unknown}")
    order = list(range(len(shown)))
    for key in reversed(keys):
        col = shown[key].to_numpy()
        order = sorted(order, key=lambda i, col=col: _sort_key(col[i]), reverse=decreasing)
    rem = [i for i in order if shown["OUT"].iloc[i] == "?"]
    order = [i for i in order if shown["OUT"].iloc[i] != "?"] + rem
    return shown.iloc[order]


def _two_cuts(incl_cut) -> bool:
    return not np.isscalar(incl_cut) and len(list(incl_cut)) == 2


def _binomial_test(inf_test, out, n_all, incl_all, ic1, ic0, two_cuts) -> dict:
    """R ``inf.test = "binom"``: recode ``out`` in place; return the p-value columns."""
    if inf_test is None or inf_test == "":
        return {}
    from scipy.stats import binomtest

    parts = ([p.strip() for p in inf_test.split(",")] if isinstance(inf_test, str)
             else [str(p).strip() for p in inf_test])
    if parts[0] != "binom":
        raise QCAError(f"inf_test: only the binomial test ('binom') exists, got {parts[0]!r}")
    try:
        alpha = float(parts[1]) if len(parts) > 1 else 0.05
    except ValueError as exc:
        raise QCAError(f"inf_test: significance level {parts[1]!r} is not a number") from exc
    if not 0 < alpha < 1:
        raise QCAError("inf_test: the significance level must lie in (0, 1)")
    pval1 = np.full(len(out), np.nan)
    pval0 = np.full(len(out), np.nan)
    for i in np.flatnonzero((out != "?") & (n_all > 0)):
        n = int(n_all[i])
        # R round(): half to even, as numpy
        success = int(np.round(n * incl_all[i]))
        pval1[i] = binomtest(success, n, p=ic1, alternative="greater").pvalue
        out[i] = "0"
        if pval1[i] < alpha:
            out[i] = "1"
        elif two_cuts:
            pval0[i] = binomtest(success, n, p=ic0, alternative="greater").pvalue
            if pval0[i] < alpha:
                out[i] = "C"
    if two_cuts:
        for i in np.flatnonzero((out != "?") & (n_all > 0) & np.isnan(pval0)):
            pval0[i] = binomtest(int(np.round(n_all[i] * incl_all[i])), int(n_all[i]), p=ic0,
                                 alternative="greater").pvalue
        return {"pval1": pval1, "pval0": pval0}
    return {"pval1": pval1}


def _sort_key(v):
    if isinstance(v, str):
        return (1, v)
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return (-1, 0.0)
    return (0, float(v))
