"""Every indicator a claim of the paper names is shown on the report by a label from the codebook
or the contract, never by its raw code (``enterprise_recognition`` broke mid-word at 1024 px)."""

from __future__ import annotations

import pandas as pd

from talentlab.report.ledger import indicator_label
from tests.conftest import RAW_DIR


def test_every_claim_indicator_has_a_label_in_both_languages():
    claims = pd.read_csv(RAW_DIR / "claims.csv")
    for code in sorted(set(claims["indicator"].dropna())):
        english, chinese = indicator_label(code)
        assert english != code and "_" not in english, code
        assert chinese, code
    assert indicator_label("not_an_indicator") == ("not_an_indicator", "")
    assert indicator_label(None) == ("—", "")
