"""The exact set cover of the conservative solution is bounded: past MAX_COVER_STEPS branch and
bound steps it stops with a clear QCAError instead of running for minutes."""

from __future__ import annotations

import time

import numpy as np
import pytest

from talentlab.qca import boolean
from talentlab.qca.expressions import QCAError


def _hard_chart(seed: int, n_pis: int = 120, n_rows: int = 90) -> np.ndarray:
    rng = np.random.default_rng(seed)
    chart = rng.random((n_pis, n_rows)) < 0.06
    chart[rng.integers(0, n_pis, n_rows), np.arange(n_rows)] = True   # every row coverable
    return chart


def test_small_chart_is_solved_exactly():
    chart = np.array([[1, 1, 0], [0, 1, 1], [1, 0, 1]], dtype=bool)
    kmin, models = boolean.minimum_covers(chart)
    assert kmin == 2 and models == [(0, 1), (0, 2), (1, 2)]


def test_search_past_the_step_limit_stops_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(boolean, "MAX_COVER_STEPS", 2_000)
    start = time.process_time()
    with pytest.raises(QCAError, match="stopped after 2,000 steps"):
        boolean.minimum_covers(_hard_chart(7))
    assert time.process_time() - start < 5
