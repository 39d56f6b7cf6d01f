"""An independent brute-force Boolean minimiser: the test oracle of talentlab.qca.minimize.

Nothing here is shared with the engine: every term (each condition absent from the term or fixed
at one of its levels) is enumerated, implicants are the terms whose configurations are all
allowed, prime implicants those no more general implicant subsumes, and the minimal covers are
found by exhaustive iterative deepening (branching on the first uncovered positive row, which
every cover must cover). Exponential - for small truth tables only.
"""

from __future__ import annotations

from itertools import product

import numpy as np


def all_configs(noflevels) -> np.ndarray:
    return np.array(list(product(*[range(v) for v in noflevels])), dtype=np.int64)


def all_terms(noflevels) -> np.ndarray:
    """Every term, coded -1 = condition absent from the term, else its level."""
    return np.array(list(product(*[range(-1, v) for v in noflevels])), dtype=np.int64)


def covers(terms: np.ndarray, configs: np.ndarray) -> np.ndarray:
    """Boolean (terms x configs): the term contains the configuration."""
    t = terms[:, None, :]
    return np.all((t == -1) | (t == configs[None, :, :]), axis=2)


def prime_implicants(noflevels, positive, allowed) -> list[tuple]:
    """Prime implicants of ``positive`` rows when every row in ``allowed`` may be covered.

    A term is an implicant when it contains a positive row and only allowed rows; it is prime
    when no term with one literal fewer is an implicant (a more general implicant would contain
    such a term, which would then be an implicant too)."""
    configs = all_configs(noflevels)
    terms = all_terms(noflevels)
    cov = covers(terms, configs)
    index = {tuple(c): i for i, c in enumerate(configs.tolist())}
    allowed_mask = np.zeros(len(configs), dtype=bool)
    pos_mask = np.zeros(len(configs), dtype=bool)
    allowed_mask[[index[tuple(r)] for r in np.asarray(allowed).tolist()]] = True
    pos_mask[[index[tuple(r)] for r in np.asarray(positive).tolist()]] = True
    is_imp = ~(cov & ~allowed_mask[None, :]).any(axis=1) & (cov & pos_mask[None, :]).any(axis=1)
    # term index in base (level + 1) with digit 0 = absent (product() order of all_terms)
    base = np.asarray(noflevels, dtype=np.int64) + 1
    weights = np.ones(len(base), dtype=np.int64)
    for j in range(len(base) - 2, -1, -1):
        weights[j] = weights[j + 1] * base[j + 1]
    digits = terms + 1
    prime = is_imp.copy()
    for j in range(len(base)):
        has = digits[:, j] > 0
        dropped = np.flatnonzero(has)
        general = (digits[dropped] @ weights) - digits[dropped, j] * weights[j]
        prime[dropped] &= ~is_imp[general]
    return [tuple(int(v) for v in t) for t in terms[prime]]


def minimal_covers(pis: list[tuple], positive) -> tuple[int, set[frozenset]]:
    """Minimum number of PIs covering every positive row, and every cover of that size."""
    pos = np.asarray(positive, dtype=np.int64)
    cov = covers(np.asarray(pis, dtype=np.int64), pos) if pis else np.zeros((0, len(pos)), bool)
    for size in range(1, len(pis) + 1):
        found: set[frozenset] = set()

        def search(chosen: frozenset, covered: np.ndarray, size=size, found=found):
            if covered.all():
                found.add(chosen)
                return
            if len(chosen) == size:
                return
            first = int(np.flatnonzero(~covered)[0])
            for p in np.flatnonzero(cov[:, first]):
                if p not in chosen:
                    search(chosen | {int(p)}, covered | cov[p], size, found)

        search(frozenset(), np.zeros(len(pos), dtype=bool))
        if found:
            return size, found
    return 0, set()


def write_term(term: tuple, conditions: list[str], multivalue: bool) -> str:
    """The term in R QCA's notation (crisp ``~A``/``A``, multi-value ``A[2]``)."""
    lits = []
    for c, v in zip(conditions, term, strict=True):
        if v < 0:
            continue
        if multivalue:
            lits.append(f"{c}[{v}]")
        else:
            lits.append(c if v == 1 else f"~{c}")
    return "*".join(lits)
