"""The destinations counted as placed are stated once (``definitions.PLACED``) and the employment
and destination rates count exactly those."""

from __future__ import annotations

import pandas as pd
import pytest

from talentlab.data.schema import DESTINATIONS
from talentlab.indicators import definitions, destination_rate, employment_rate


def _one_graduate_per_destination() -> pd.DataFrame:
    return pd.DataFrame({"destination": pd.Categorical(list(DESTINATIONS),
                                                       categories=list(DESTINATIONS))})


@pytest.mark.parametrize("indicator", [employment_rate, destination_rate])
def test_rates_count_the_placed_destinations(indicator):
    assert set(definitions.PLACED) < set(DESTINATIONS)
    row = indicator(_one_graduate_per_destination(), min_cell=5).iloc[0]
    assert row["numerator"] == len(definitions.PLACED)


@pytest.mark.parametrize("indicator", [employment_rate, destination_rate])
def test_rates_take_the_list_from_definitions(indicator, monkeypatch):
    """A change of the one definition changes both rates: no copy of the list elsewhere."""
    monkeypatch.setattr(definitions, "PLACED", ("employed_full_time", "military"))
    row = indicator(_one_graduate_per_destination(), min_cell=5).iloc[0]
    assert row["numerator"] == 2
