"""Where each imported record came from, looked up when a problem asks (issue 21).

``map_tables`` no longer builds a ``(piece, row)`` tuple per record (100,000 of them on a
large export, for the few records that have a problem): ``RecordLocations`` finds the piece
of a record position among the pieces' starts. It must give what the list gave, pieces
without records included.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest

from talentlab.data.import_values import RecordLocations


def test_record_locations_give_what_the_list_of_every_record_gave():
    """Random pieces, some without records: every position, negative ones and slices give
    the list's answer; a position past the end is an IndexError, as in the list."""
    rng = random.Random(21)
    for _ in range(200):
        pieces = [SimpleNamespace(rows=sorted(rng.sample(range(2, 500), rng.choice([0, 0, 1, 5]))))
                  for _ in range(rng.randint(1, 5))]
        listed = [(p, r) for p in pieces for r in p.rows]
        locs = RecordLocations(pieces)
        assert len(locs) == len(listed)
        assert [locs[k] for k in range(len(listed))] == listed
        assert [locs[-k] for k in range(1, len(listed) + 1)] == [listed[-k] for k in
                                                                 range(1, len(listed) + 1)]
        assert locs[1:4] == listed[1:4]
        assert list(locs) == listed
        with pytest.raises(IndexError):
            locs[len(listed)]
