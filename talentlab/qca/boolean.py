"""Exact Boolean minimisation primitives, ported from R QCA 3.25.1 (C sources).

The building blocks of :func:`talentlab.qca.minimize` (and of the theory evaluation, necessity
and robustness fit, which need an implicant's membership): public so that tests and
``benchmarks/bench_qca.py`` can call them directly. Most users want :func:`~talentlab.qca.minimize`.

Implicants are tuples coded as in R: 0 = condition minimised away, ``value + 1`` otherwise (a
crisp condition: 1 = absent, 2 = present). Configurations (truth-table rows) are arrays of
levels ``0 .. k-1``.

* :func:`qmc` - Quine-McCluskey over a set of configurations (R ``C_QMC``), same output order.
* :func:`ccubes` - prime implicants with remainders as don't cares, searched by increasing
  complexity (Dusa 2018, "Consistency Cubes"; R ``CCubes.c``) including R's stopping rule.
* :func:`sort_implicants` - R's ``sort_matrix``/``sort_cols`` ordering (by complexity, then
  column by column: negated < present < absent), including its quirk for columns in which no
  implicant is minimised.
* :func:`minimum_covers` - every minimum-size cover of a prime-implicant chart (Petrick-style
  exact branch and bound), returned in R's order (lexicographic in PI order).
* :func:`row_dominance` - R's ``row.dom`` rule.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from talentlab.qca.expressions import TOLERANCE, QCAError
from talentlab.qca.fit import sufficiency_inclusion

Implicant = tuple[int, ...]


def qmc(rows: list[Implicant], noflevels) -> list[Implicant]:
    """Prime implicants of a set of configurations by Quine-McCluskey (R ``C_QMC``).

    Parameters
    ----------
    rows : list of tuple of int
        The configurations to minimise, coded (``value + 1`` per condition).
    noflevels : sequence of int
        Number of levels of each condition (2 for a crisp or fuzzy set).

    Returns
    -------
    list of tuple of int
        The prime implicants, coded, in R's order (:func:`sort_implicants`).

    Examples
    --------
    A*B, A*~B (and nothing else) minimise to A:

    >>> qmc([(2, 2), (2, 1)], [2, 2])
    [(2, 0)]
    """
    temp = [tuple(int(v) for v in r) for r in rows]
    nconds = len(noflevels)
    while len(temp) > 1:
        groups: dict[tuple, list[int]] = {}
        for idx, imp in enumerate(temp):
            for r in range(nconds):
                key = (r,) + imp[:r] + imp[r + 1 :]
                groups.setdefault(key, []).append(idx)
        minimized = [False] * len(temp)
        found: list[Implicant] = []
        found_set: set[Implicant] = set()
        for i, imp in enumerate(temp):
            pairs = []
            for r in range(nconds):
                if imp[r] == 0:
                    continue
                key = (r,) + imp[:r] + imp[r + 1 :]
                for j in groups[key]:
                    if j > i and temp[j][r] > 0 and temp[j][r] != imp[r]:
                        pairs.append((j, r))
            pairs.sort()
            for j, r in pairs:
                key = (r,) + imp[:r] + imp[r + 1 :]
                need = noflevels[r]
                minrows = [i, j]
                if need > 2:
                    for c in groups[key]:
                        if len(minrows) >= need:
                            break
                        if c != i and c != j:
                            minrows.append(c)
                if len(minrows) == need:
                    for m in minrows:
                        minimized[m] = True
                    new = imp[:r] + (0,) + imp[r + 1 :]
                    if new not in found_set:
                        found_set.add(new)
                        found.append(new)
        if not found:
            break
        temp = found + [imp for k, imp in enumerate(temp) if not minimized[k]]
    return sort_implicants(temp)


def sort_implicants(imps: list[Implicant]) -> list[Implicant]:
    """Implicants in R's order: R's ``sort_matrix``/``sort_cols``.

    Stable passes from the last column to the first: each sorts the column decreasingly
    (present 2.. > negated 1 > absent 0), then re-sorts increasingly the part before the first
    0 - except that when the column has no 0 at all the last implicant is left out of that
    re-sort (as the C code does). A final stable pass sorts by the number of literals.

    Parameters
    ----------
    imps : list of tuple of int
        Coded implicants, all of the same length.

    Returns
    -------
    list of tuple of int
        The same implicants, reordered.

    Examples
    --------
    >>> sort_implicants([(2, 0, 0), (0, 1, 0), (2, 2, 0), (1, 0, 0)])
    [(1, 0, 0), (2, 0, 0), (0, 1, 0), (2, 2, 0)]
    """
    n = len(imps)
    if n <= 1:
        return list(imps)
    nconds = len(imps[0])
    order = list(range(n))
    for col in range(nconds - 1, -1, -1):
        order.sort(key=lambda i, col=col: -imps[i][col])
        zeroidx = n - 1
        for p, i in enumerate(order):
            if imps[i][col] == 0:
                zeroidx = p
                break
        head = sorted(order[:zeroidx], key=lambda i, col=col: imps[i][col])
        order = head + order[zeroidx:]
    order.sort(key=lambda i: sum(1 for v in imps[i] if v != 0))
    return [imps[i] for i in order]


def cover_matrix(imps: list[Implicant], rows: np.ndarray) -> np.ndarray:
    """The chart of which implicant covers which configuration.

    Parameters
    ----------
    imps : list of tuple of int
        Coded implicants.
    rows : ndarray of int, shape (n_rows, n_conditions)
        Configurations as levels (0-based).

    Returns
    -------
    ndarray of bool, shape (len(imps), n_rows)
        True where the implicant covers the configuration. Computed in blocks of about two
        million cells, so a large chart does not need a larger temporary array.

    Examples
    --------
    >>> cover_matrix([(2, 0), (0, 1)], np.array([[1, 1], [1, 0], [0, 0]])).tolist()
    [[True, True, False], [False, True, True]]
    """
    if len(imps) == 0:
        return np.zeros((0, len(rows)), dtype=bool)
    imp = np.asarray(imps, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    out = np.empty((imp.shape[0], rows.shape[0]), dtype=bool)
    step = max(1, 2_000_000 // max(1, rows.size))
    for s in range(0, imp.shape[0], step):
        block = imp[s : s + step][:, None, :]
        out[s : s + step] = np.all((block == 0) | (block - 1 == rows[None, :, :]), axis=2)
    return out


def ccubes(pos: np.ndarray, neg: np.ndarray, noflevels) -> list[Implicant]:
    """Prime implicants covering >= 1 positive and no negative configuration (R ``CCubes``).

    Consistency Cubes (Dusa 2018). Remainders are implicit don't cares. Search by increasing
    number of literals; a candidate is kept when no smaller prime implicant subsumes it
    (equivalently: every sub-term with one literal less covers a negative configuration). R's
    stopping rule is kept: once all positive configurations are covered, the search stops after
    two consecutive complexity levels without a new prime implicant. Each level is vectorised
    over all combinations of conditions.

    Parameters
    ----------
    pos, neg : ndarray of int, shape (n, n_conditions)
        Positive and negative configurations as levels (0-based); ``neg`` may be empty.
    noflevels : sequence of int
        Number of levels of each condition.

    Returns
    -------
    list of tuple of int
        The prime implicants, coded, in R's order (:func:`sort_implicants`).

    Examples
    --------
    A*B and A*~B positive, ~A*~B negative, ~A*B a remainder: A and B are prime implicants.

    >>> ccubes(np.array([[1, 1], [1, 0]]), np.array([[0, 0]]), [2, 2])
    [(2, 0), (0, 2)]
    """
    pos = np.asarray(pos, dtype=np.int64)
    neg = np.asarray(neg, dtype=np.int64).reshape(-1, pos.shape[1])
    npos, nconds = pos.shape
    levels = np.asarray(list(noflevels), dtype=np.int64)
    found: list[Implicant] = []
    covered = np.zeros(npos, dtype=bool)
    counter = 0
    prev = None  # (combo index dict, pos codes, neg keys, modulus) of level k - 1
    for k in range(1, nconds + 1):
        combos = np.asarray(list(combinations(range(nconds), k)), dtype=np.int64)
        ncomb = combos.shape[0]
        lv = levels[combos]  # (ncomb, k)
        radix = np.ones_like(lv)
        for j in range(k - 2, -1, -1):
            radix[:, j] = radix[:, j + 1] * lv[:, j + 1]
        modulus = int((lv.prod(axis=1)).max())
        offs = np.arange(ncomb, dtype=np.int64) * modulus
        pos_codes = (pos[:, combos] * radix[None]).sum(axis=2)  # (npos, ncomb)
        neg_keys = (
            np.unique((neg[:, combos] * radix[None]).sum(axis=2) + offs[None])
            if neg.shape[0]
            else np.empty(0, np.int64)
        )
        pos_keys = pos_codes + offs[None]
        flat = pos_keys.T.ravel()  # combination-major, then positive-row order
        ukeys, first = np.unique(flat, return_index=True)
        o = np.argsort(first, kind="stable")
        ukeys, first = ukeys[o], first[o]
        ok = ~np.isin(ukeys, neg_keys)
        comb_idx = first // npos
        row_idx = first % npos
        if k > 1 and ok.any():
            pidx, ppos_codes, pneg_keys, pmod = prev
            for drop in range(k):
                sub = np.delete(combos, drop, axis=1)
                sub_id = np.asarray([pidx[tuple(r)] for r in sub.tolist()], dtype=np.int64)
                cand = np.flatnonzero(ok)
                sid = sub_id[comb_idx[cand]]
                subkeys = ppos_codes[row_idx[cand], sid] + sid * pmod
                ok[cand] &= np.isin(subkeys, pneg_keys)
                if not ok.any():
                    break
        if ok.any():
            acc = np.flatnonzero(ok)
            for a in acc:
                code = [0] * nconds
                f = row_idx[a]
                for c in combos[comb_idx[a]]:
                    code[c] = int(pos[f, c]) + 1
                found.append(tuple(code))
            covered |= np.isin(pos_keys, ukeys[acc]).any(axis=1)
        pidx = {tuple(r): i for i, r in enumerate(combos.tolist())}
        prev = (pidx, pos_codes, neg_keys, modulus)
        if found and covered.all():
            counter = 0 if ok.any() else counter + 1
            if counter > 1:
                break
    return sort_implicants(found)


def row_dominance(chart: np.ndarray) -> np.ndarray:
    """The prime implicants R's ``row.dom`` keeps.

    A prime implicant is dropped when the rows it covers are a subset of those of a prime
    implicant covering strictly more rows.

    Parameters
    ----------
    chart : ndarray of bool, shape (n_implicants, n_rows)
        A prime-implicant chart (:func:`cover_matrix`).

    Returns
    -------
    ndarray of int
        Indices of the prime implicants kept, increasing.

    Examples
    --------
    >>> row_dominance(np.array([[1, 1, 0], [1, 0, 0], [0, 0, 1]], dtype=bool)).tolist()
    [0, 2]
    """
    m = chart.shape[0]
    sums = chart.sum(axis=1)
    keep = np.ones(m, dtype=bool)
    masks = [_mask(chart[i]) for i in range(m)]
    for i in range(m):
        for j in range(m):
            if i != j and sums[j] > sums[i] and (masks[i] & masks[j]) == masks[i]:
                keep[i] = False
                break
    return np.flatnonzero(keep)


def _mask(bools) -> int:
    out = 0
    for i in np.flatnonzero(bools):
        out |= 1 << int(i)
    return out


def _bits(x: int):
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low


#: Steps of the branch and bound of :func:`minimum_covers` before it gives up with a clear
#: error (about 10-30 s of CPU): the set cover is NP-hard, and a chart of hundreds of prime
#: implicants over hundreds of rows (random data, 10 or more conditions) can search for hours.
MAX_COVER_STEPS = 3_000_000


def minimum_covers(chart: np.ndarray, max_models: int = 100_000) -> tuple[int, list[tuple]]:
    """All minimum-size sets of prime implicants (rows of ``chart``) covering every column.

    Exact: essential prime implicants are forced, dominated columns (rows to cover whose covering
    prime implicants are a superset of another's) are dropped (this keeps the set of feasible
    covers), then a branch and bound finds the minimum size and enumerates every cover of that
    size.

    Parameters
    ----------
    chart : ndarray of bool, shape (n_implicants, n_rows)
        A prime-implicant chart (:func:`cover_matrix`).
    max_models : int, default 100000
        Most covers enumerated.

    Returns
    -------
    size : int
        The minimum number of prime implicants.
    models : list of tuple of int
        Every cover of that size, as sorted index tuples in lexicographic order (R's order of
        models).

    Raises
    ------
    QCAError
        A row no prime implicant covers; more than ``max_models`` covers; or more than
        :data:`MAX_COVER_STEPS` steps of the branch and bound.

    Examples
    --------
    >>> minimum_covers(np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=bool))
    (2, [(0, 1), (0, 2), (1, 2)])
    """
    m, p = chart.shape
    if p == 0:
        return 0, [()]
    constraints, forced = _cover_constraints(chart)
    search = _CoverSearch(constraints, m, max_models)
    results = search.run()
    kmin = search.best + forced.bit_count()
    models = sorted({tuple(sorted(_bits(c | forced))) for c in results})
    return kmin, models


def _cover_constraints(chart: np.ndarray) -> tuple[list[int], int]:
    """The columns of a PI chart still to cover, each as the bitset of PIs covering it, after
    dropping duplicated and dominated columns (implied by a stronger one) and the columns covered
    by essential PIs; and the bitset of those essential (forced) PIs."""
    col_cov = [_mask(chart[:, c]) for c in range(chart.shape[1])]
    if any(cc == 0 for cc in col_cov):
        raise QCAError("the prime implicant chart cannot be solved (an uncovered row)")
    uniq = sorted(set(col_cov), key=lambda x: (x.bit_count(), x))
    kept: list[int] = []
    for cc in uniq:
        if not any((k & cc) == k for k in kept):
            kept.append(cc)
    forced = 0
    for cc in kept:
        if cc.bit_count() == 1:
            forced |= cc
    return [cc for cc in kept if not (cc & forced)], forced


class _CoverSearch:
    """Branch and bound over the constraints (bitsets of PIs): first the minimum number of PIs
    meeting every constraint (``best``), then every choice of that size (``results``, bitsets of
    PIs)."""

    def __init__(self, constraints: list[int], n_pis: int, max_models: int,
                 max_steps: int | None = None):
        self.constraints = constraints
        self.n_pis = n_pis
        self.max_models = max_models
        self.max_steps = MAX_COVER_STEPS if max_steps is None else max_steps
        self.steps = 0
        # rows-as-bitsets over constraints
        self.pi_cons = [0] * n_pis
        for ci, cc in enumerate(constraints):
            for pi in _bits(cc):
                self.pi_cons[pi] |= 1 << ci
        self.best = len(constraints) + 1
        self.results: list[int] = []

    def run(self) -> list[int]:
        all_cons = (1 << len(self.constraints)) - 1
        full = (1 << self.n_pis) - 1
        self.search(all_cons, 0, 0, full, False)
        self.search(all_cons, 0, 0, full, True)
        return self.results

    def lower_bound(self, unc: int, allowed: int) -> int:
        used = 0
        count = 0
        for ci in _bits(unc):
            cc = self.constraints[ci] & allowed
            if not (cc & used):
                count += 1
                used |= cc
        return count

    def _most_constrained(self, unc: int, allowed: int) -> int:
        pick, pick_n = -1, None
        for ci in _bits(unc):
            cnt = (self.constraints[ci] & allowed).bit_count()
            if pick_n is None or cnt < pick_n:
                pick, pick_n = ci, cnt
                if cnt <= 1:
                    break
        return pick

    def search(self, unc: int, chosen: int, size: int, allowed: int, enumerate_all: bool):
        self.steps += 1
        if self.steps > self.max_steps:
            raise QCAError(
                f"the search for the minimal models stopped after {self.max_steps:,} steps "
                f"({self.n_pis} prime implicants, {len(self.constraints)} rows to cover): too many "
                "conditions or configurations for an exact conservative solution; use fewer "
                "conditions, a higher frequency cut-off or the parsimonious solution / "
                "最小模型搜索超过步数上限：请减少条件、提高频数阈值或使用简约解")
        if unc == 0:
            if enumerate_all:
                self.results.append(chosen)
                if len(self.results) > self.max_models:
                    raise QCAError(f"more than {self.max_models} equally minimal models")
            elif size < self.best:
                self.best = size
            return
        lb = self.lower_bound(unc, allowed)
        if enumerate_all:
            if size + lb > self.best:
                return
        elif size + lb >= self.best:
            return
        cands = self.constraints[self._most_constrained(unc, allowed)] & allowed
        for pi in _bits(cands):
            self.search(unc & ~self.pi_cons[pi], chosen | (1 << pi), size + 1, allowed,
                        enumerate_all)
            allowed &= ~(1 << pi)


def implicant_membership(code: Implicant, x: np.ndarray, fuzzy) -> np.ndarray:
    """Membership of every case in a coded implicant (R ``consistency.c``).

    The minimum over the implicant's literals (:func:`literal_membership`): fuzzy conditions
    ``x`` or ``1 - x``, crisp and multi-value ``x == value``.

    Parameters
    ----------
    code : tuple of int
        A coded implicant.
    x : ndarray of float, shape (n_cases, n_conditions)
        The cases' values of the conditions.
    fuzzy : sequence of bool
        Whether each condition is a fuzzy set.

    Returns
    -------
    ndarray of float, shape (n_cases,)

    Examples
    --------
    A*~B for two cases with fuzzy memberships:

    >>> implicant_membership((2, 1), np.array([[0.8, 0.3], [0.2, 0.9]]), [True, True]).round(2)
    array([0.7, 0.1])
    """
    out = np.ones(x.shape[0])
    for j, v in enumerate(code):
        if v == 0:
            continue
        out = np.minimum(out, literal_membership(x[:, j], fuzzy[j], v))
    return out


def literal_membership(xj: np.ndarray, fuzzy: bool, code: int) -> np.ndarray:
    """Membership of every case in one coded literal (``value + 1``) of a condition.

    Parameters
    ----------
    xj : ndarray of float
        The cases' values of the condition.
    fuzzy : bool
        A fuzzy set: the membership is ``x`` (code 2) or ``1 - x`` (code 1). Otherwise (crisp and
        multi-value) it is 1 where ``x == code - 1`` and 0 elsewhere.
    code : int
        The literal, coded (``value + 1``).

    Returns
    -------
    ndarray of float

    Examples
    --------
    >>> literal_membership(np.array([0, 1, 2]), False, 3).tolist()
    [0.0, 0.0, 1.0]
    """
    if fuzzy:
        return xj if code == 2 else 1.0 - xj
    return (xj == code - 1).astype(float)


def ccubes_consistency(
    pos: np.ndarray, noflevels, x: np.ndarray, y: np.ndarray, fuzzy, pi_cons: float,
    tolerance: float = TOLERANCE,
) -> list[Implicant]:
    """Prime implicants when ``pi.cons > 0`` (R ``CCubes.c``).

    A candidate term built from a positive configuration is accepted when its sufficiency
    inclusion on the *case data*, ``sum(min(X, Y)) / sum(X)``, reaches ``pi_cons`` (negative
    rows are then not consulted) and no accepted term with fewer literals subsumes it. Same
    search order and stopping rule as :func:`ccubes`.

    Parameters
    ----------
    pos : ndarray of int, shape (n_positive, n_conditions)
        Positive configurations as levels (0-based).
    noflevels : sequence of int
        Number of levels of each condition.
    x : ndarray of float, shape (n_cases, n_conditions)
        The cases' values of the conditions.
    y : ndarray of float, shape (n_cases,)
        The cases' outcome.
    fuzzy : sequence of bool
        Whether each condition is a fuzzy set.
    pi_cons : float
        Least inclusion of an accepted term.
    tolerance : float
        Inclusion this close below ``pi_cons`` counts as reaching it (R's tolerance).

    Returns
    -------
    list of tuple of int
        The prime implicants, coded, in R's order (:func:`sort_implicants`).

    Examples
    --------
    >>> x = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=float)
    >>> y = np.array([1, 1, 0, 0], dtype=float)
    >>> ccubes_consistency(np.array([[1, 1], [1, 0]]), [2, 2], x, y, [False, False], 0.9)
    [(2, 0)]
    """
    pos = np.asarray(pos, dtype=np.int64)
    npos, nconds = pos.shape
    found: list[Implicant] = []
    covered = np.zeros(npos, dtype=bool)
    counter = 0
    for k in range(1, nconds + 1):
        new_here = False
        for combo in combinations(range(nconds), k):
            cols = list(combo)
            seen: set[tuple] = set()
            for r in range(npos):
                vals = tuple(int(v) for v in pos[r, cols])
                if vals in seen:
                    continue
                seen.add(vals)
                code = [0] * nconds
                for c, v in zip(cols, vals, strict=True):
                    code[c] = v + 1
                code = tuple(code)
                if any(all(f[j] == 0 or f[j] == code[j] for j in range(nconds)) for f in found):
                    continue  # redundant: a simpler accepted term subsumes it
                incl = sufficiency_inclusion(implicant_membership(code, x, fuzzy), y)
                if incl + tolerance < pi_cons:
                    continue
                found.append(code)
                new_here = True
                covered |= np.all((pos[:, cols] == np.asarray(vals)[None, :]), axis=1)
        if found and covered.all():
            counter = 0 if new_here else counter + 1
            if counter > 1:
                break
    return sort_implicants(found)


def consistent_models(
    implicants: list[Implicant], x: np.ndarray, y: np.ndarray, fuzzy, sol_cons: float,
    sol_cov: float = 1.0, max_terms: int = 0, max_models: int = 100_000,
    tolerance: float = TOLERANCE,
) -> list[tuple]:
    """Models when ``sol.cons > 0`` with remainders (R ``find_consistent_models.c``).

    Every combination of prime implicants, by increasing size up to ``max_terms``, whose union
    has inclusion >= ``sol_cons`` and coverage >= ``sol_cov`` on the case data and that
    contains no smaller such combination.

    Parameters
    ----------
    implicants : list of tuple of int
        Coded prime implicants.
    x, y, fuzzy
        The case data, as in :func:`ccubes_consistency`.
    sol_cons, sol_cov : float
        Least inclusion and coverage of a model.
    max_terms : int, default 0
        Most prime implicants per model (0: as many as there are).
    max_models : int, default 100000
        Most models; beyond, a :class:`~talentlab.qca.QCAError`.
    tolerance : float
        As in :func:`ccubes_consistency`.

    Returns
    -------
    list of tuple of int
        Each model as indices into ``implicants``.

    Examples
    --------
    >>> x = np.array([[1, 1], [1, 0], [0, 1], [0, 0]], dtype=float)
    >>> y = np.array([1, 1, 1, 0], dtype=float)
    >>> consistent_models([(2, 0), (0, 2)], x, y, [False, False], sol_cons=0.6)
    [(0, 1)]
    """
    n = len(implicants)
    mem = np.column_stack([implicant_membership(c, x, fuzzy) for c in implicants]) if n else None
    sum_y = float(np.sum(y))
    maxk = n if max_terms <= 0 else min(n, max_terms)
    models: list[tuple] = []
    for k in range(1, maxk + 1):
        for combo in combinations(range(n), k):
            if any(set(m) <= set(combo) for m in models):
                continue
            u = mem[:, list(combo)].max(axis=1)
            sx = u.sum()
            sxy = np.minimum(u, y).sum()
            if sx > 0 and sxy / sx + tolerance >= sol_cons and sxy / sum_y + tolerance >= sol_cov:
                models.append(combo)
                if len(models) > max_models:
                    raise QCAError(f"more than {max_models} consistent models")
    return models
