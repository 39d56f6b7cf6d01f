"""The workbook reader's fast paths give exactly what the plain rules give (issue 21, import speed).

:class:`talentlab.data.workbooks.CellTexts` converts each distinct calamine value once and finds
it again by dictionary lookup; values that are equal but read differently (``True`` and ``1.0``,
``10**16`` and ``1e16``) must never find each other's text, in whatever order they come.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest

from talentlab.data import readers, workbooks

#: values python-calamine can give, chosen so that equal ones read differently
_VALUES = [0.0, -0.0, 1.0, -1.0, 2.0, 2, 0, 1, True, False, 1e15, 10**15, 1e15 - 1,
           10**15 - 1, 1e16, 10**16, -1e16, -(10**16), 2.5, 81.25, 5e-324, float("nan"),
           float("inf"), float("-inf"), None, "", "1", "true", "学号",
           dt.date(2021, 6, 30), dt.datetime(2021, 6, 30), dt.datetime(2021, 6, 30, 8),
           dt.time(0), dt.timedelta(0), dt.timedelta(hours=30)]


def test_cell_texts_give_cell_text_for_values_in_any_order():
    rng = random.Random(21)
    for _ in range(300):
        values = [rng.choice(_VALUES) for _ in range(rng.randint(1, 12))]
        texts = workbooks.CellTexts()
        for _ in range(2):  # the second pass reads what the first one kept
            got = list(map(texts.__getitem__, values))
            assert got == [readers.cell_text(v) for v in values], values


def test_cell_texts_share_equal_texts_and_refuse_unreadable_ones():
    texts = workbooks.CellTexts()
    first, second = "".join(["学", "号"]), "".join(["学", "号"])
    assert first is not second and texts[first] is texts[second] is first
    with pytest.raises(workbooks.UnreadableCellText):
        texts["S\x001"]
    with pytest.raises(workbooks.UnreadableCellText):
        texts["长" * (readers.MAX_CELL_CHARS + 1)]
    assert texts["长" * readers.MAX_CELL_CHARS] == "长" * readers.MAX_CELL_CHARS
