"""Robustness recodings honour the coder's per-cell alternative (CASES.md)."""

from __future__ import annotations

import pandas as pd

from talentlab import qca


def _long():
    return pd.DataFrame({
        "case_id": ["a", "a", "b", "b"],
        "condition": ["X", "Y", "X", "Y"],
        "membership": [0.0, 1.0, 0.0, 0.67],
        "alternative_membership": [0.67, None, None, None],
        "evidence_status": ["not_mentioned", "stated_present", "not_mentioned", "implied"],
    })


def test_not_mentioned_cells_take_the_coders_alternative_or_the_default():
    variants = dict(qca.recoding_variants(_long(), outcome="Y", recodings=("not_mentioned",)))
    alt = variants["not_mentioned: all at alternative"].set_index(["case_id", "condition"])
    assert alt.loc[("a", "X"), "membership"] == 0.67   # the coder's alternative
    assert alt.loc[("b", "X"), "membership"] == 0.33   # the documented default
    assert alt.loc[("b", "Y"), "membership"] == 0.67   # outcome cells untouched
    assert set(variants) == {"baseline", "not_mentioned: all at 0",
                             "not_mentioned: all at alternative", "not_mentioned: a/X",
                             "not_mentioned: b/X"}


def test_rubric_steps_move_one_step_within_the_scale():
    variants = qca.recoding_variants(_long(), outcome="Y", recodings=("rubric_step",))
    labels = [label for label, _ in variants]
    assert "rubric +1: a/X" in labels and "rubric -1: a/X" not in labels  # 0 cannot go lower
    up = dict(variants)["rubric +1: a/X"].set_index(["case_id", "condition"])
    assert up.loc[("a", "X"), "membership"] == 0.33
