"""Disclosure control and pseudonymisation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from talentlab.data import privacy
from talentlab.report import disclosure


def test_primary_and_complementary_suppression():
    counts = pd.DataFrame({"a": [3, 40, 50], "b": [30, 40, 50], "c": [20, 25, 60]},
                          index=["x", "y", "z"])
    mask = disclosure.suppression_mask(counts, min_cell=10)
    assert mask.loc["x", "a"]  # the small cell
    # its row and column each need a second suppressed cell, else the margins reveal it
    assert mask.loc["x"].sum() >= 2 and mask["a"].sum() >= 2
    published = disclosure.suppress_crosstab(counts, min_cell=10)
    assert published.loc["x", "a"] == "<10"
    assert published.loc["Total", "Total"] == counts.to_numpy().sum()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 40), min_size=2, max_size=5), min_size=2, max_size=5)
       .filter(lambda rows: len({len(r) for r in rows}) == 1))
def test_no_row_or_column_has_exactly_one_suppressed_cell(rows):
    counts = pd.DataFrame(rows)
    mask = disclosure.suppression_mask(counts, min_cell=10).to_numpy()
    values = counts.to_numpy()
    assert not (mask & (values == 0)).any()
    assert mask[(values > 0) & (values < 10)].all()
    for line, vals in [(mask[i], values[i]) for i in range(mask.shape[0])] + \
                      [(mask[:, j], values[:, j]) for j in range(mask.shape[1])]:
        # one lone suppressed cell is only acceptable when nothing else could hide it
        if line.sum() == 1:
            assert ((vals > 0) & ~line).sum() == 0


def test_threshold_never_below_five():
    with pytest.raises(ValueError, match="below the minimum"):
        disclosure.suppress_crosstab(pd.DataFrame({"a": [1, 2]}), min_cell=3)


def test_suppress_tidy_blanks_small_groups_and_their_complement():
    table = pd.DataFrame({"indicator": ["r"] * 3, "major": ["A", "B", "C"],
                          "n": [4, 30, 50], "estimate": [0.5, 0.6, 0.7]})
    out = disclosure.suppress_tidy(table, by=["major"])
    assert out["suppressed"].tolist() == [True, True, False]
    assert out["estimate"].isna().tolist() == [True, True, False]
    assert out["major"].tolist() == ["A", "B", "C"]


def test_pseudonyms_are_keyed_stable_and_distinct(tmp_path):
    key = b"0123456789abcdef0123456789abcdef"
    a = privacy.pseudonym("2019001", key, "student_id")
    assert a == privacy.pseudonym("2019001", key, "student_id")
    assert a != privacy.pseudonym("2019001", key[::-1], "student_id")
    assert a != privacy.pseudonym("2019001", key, "rater_id")
    assert "2019001" not in a


def test_pseudonymise_dir_links_tables_and_refuses_keys_inside_the_repo(tmp_path):
    import talentlab
    from tests.test_io_validation import write_dir

    src = write_dir(tmp_path / "in")
    key = tmp_path / "secret.key"
    key.write_text("k" * 40)
    out = tmp_path / "out"
    privacy.pseudonymise_dir(src, out, key)
    data = talentlab.load_all(out)  # still valid: ratings still point at their graduates
    original = talentlab.load_all(src)
    assert not set(original.graduates["student_id"]) & set(data.graduates["student_id"])
    assert len(data.employer_ratings) == len(original.employer_ratings)
    inside = privacy.PROJECT_ROOT / "tests"
    with pytest.raises(ValueError, match="inside"):
        privacy.read_key(inside / "conftest.py")
    short = tmp_path / "short.key"
    short.write_text("abc")
    with pytest.raises(ValueError, match="at least"):
        privacy.read_key(short)
    assert np.all(data.graduates["student_id"].str.startswith("S-"))


def test_pseudonymise_console_script(tmp_path):
    import subprocess
    import sys

    from tests.test_io_validation import write_dir

    src = write_dir(tmp_path / "in")
    key = tmp_path / "k.key"
    key.write_text("z" * 32)
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "talentlab.cli", "pseudonymise", str(src),
                           str(out), "--key-file", str(key)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    text = (out / "graduates.csv").read_text()
    assert "S001" not in text and "E01" not in text
    refused = subprocess.run([sys.executable, "-m", "talentlab.cli", "pseudonymise", str(src),
                              str(src), "--key-file", str(key)], capture_output=True, text=True)
    assert refused.returncode == 2 and "must differ" in refused.stderr
