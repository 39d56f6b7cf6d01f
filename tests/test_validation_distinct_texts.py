"""Validation of the import's text works on its categories (issue 21, speed of the steps after
reading).

``talentlab import`` hands validation each column as a categorical of its distinct texts
(:func:`talentlab.data.import_columns.text_column`). Validation takes the codes and categories
as they are (:func:`talentlab.data.validation.distinct_texts`) instead of factorising 100,000
cells again, and must find what it finds in the same cells given as strings: the same typed
values, the same problems in the same order. Yes/no words are found with Python's
``str.lower``, which must agree with pandas'. Counts and results, not seconds (``benchmarks/bench_import.py``
measures the seconds).
"""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from talentlab.data import validation
from talentlab.data.descriptor import resource
from talentlab.data.import_columns import object_array, text_column
from talentlab.data.io import SYNTHETIC_DIR
from talentlab.data.validation import RawTable, distinct_texts, typed_column, validate_tables

#: Cell texts that meet every rule's edge: spaces around, no-break and ideographic spaces,
#: missing markers as written and in full width, numbers as text, yes/no words, levels.
PIECES = ["", " ", "\xa0", "\u3000", "-", "－", "NA", "无", "1", "2", "2019", "2.0", "1e400",
          "x", "是", "否", "true", "Yes", "0", "5", "4.2", "employed_full_time", "sme", "local",
          "ａ", "G1", "G2", "E1", "\t"]


def _random_graduates(rng: random.Random, n: int) -> pd.DataFrame:
    """Graduates text with a few texts per column (and a repeated id), as strings."""
    cols = {}
    for f in resource("graduates")["schema"]["fields"]:
        vocab = ["".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 1, 2])))
                 for _ in range(rng.choice([1, 3, 8]))]
        cols[f["name"]] = [rng.choice(vocab + [None]) for _ in range(n)]
    return pd.DataFrame(cols, dtype="string")


def _as_import_text(text: pd.DataFrame) -> pd.DataFrame:
    """``text`` as the import hands it to validation: categorical columns from text_column
    (NA as '')."""
    out = {}
    for c in text.columns:
        codes, values = pd.factorize(object_array(text[c].astype(object).tolist()))
        out[c] = text_column(list(values), codes)
    return pd.DataFrame(out)


def test_distinct_texts_of_a_categorical_are_its_categories_trimmed():
    """Codes and categories are taken as they are (an unused category stays, unseen), each
    text trimmed, NA the empty text at the end: the same texts per row as the strings give."""
    column = pd.Series(pd.Categorical([" b", None, "a", " b"], categories=[" b", "a", "zz"]))
    codes, texts = distinct_texts(column)
    assert texts == ["b", "a", "zz", ""]
    assert codes.tolist() == [0, 3, 1, 0]
    s_codes, s_texts = distinct_texts(column.astype("string"))
    assert [texts[k] for k in codes] == [s_texts[k] for k in s_codes] == ["b", "", "a", "b"]


def test_validating_the_import_text_factorises_no_column_again(monkeypatch):
    """Every column arrives as a categorical: validation uses its codes. Before, each typed
    column was factorised again (18 calls for a graduates table, one more for the unique
    student_id), 100,000 cells each on a large export."""
    g = pd.read_csv(SYNTHETIC_DIR / "paper_claims" / "graduates.csv", dtype=str,
                    keep_default_na=False).head(300)
    g.loc[::3, "cohort"] = ""
    text = _as_import_text(g.astype("string"))
    calls = []
    real = pd.factorize
    monkeypatch.setattr(validation.pd, "factorize",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    typed, problems = validate_tables({"graduates": RawTable("graduates", "g.csv", text,
                                                              np.arange(300) + 2)})
    assert calls == []
    assert typed["graduates"]["cohort"].isna().sum() == 100
    assert typed["graduates"]["student_id"].is_unique
    assert [p.rule for p in problems] == ["required value is missing"] * 100


@pytest.mark.parametrize("seed", range(6))
def test_categorical_and_string_text_give_the_same_columns_and_problems(seed):
    """The same cells as strings and as the import's categoricals: the same typed values
    (dtype included) and the same problems, rule by rule in row order, for every graduates
    field."""
    rng = random.Random(seed)
    text = _random_graduates(rng, rng.choice([1, 7, 60]))
    rows = np.arange(len(text)) + 2
    as_strings = RawTable("graduates", "g.csv", text, rows)
    as_categories = RawTable("graduates", "g.csv", _as_import_text(text), rows)
    schema = resource("graduates")["schema"]
    tokens = set(schema["missingValues"])
    for fdesc in schema["fields"]:
        from_strings, from_categories = [], []
        expected = typed_column(as_strings, fdesc, tokens, from_strings)
        got = typed_column(as_categories, fdesc, tokens, from_categories)
        pd.testing.assert_series_equal(got, expected, obj=fdesc["name"])
        assert from_categories == from_strings, fdesc["name"]
    assert (validate_tables({"graduates": as_categories})[1]
            == validate_tables({"graduates": as_strings})[1])


def test_a_unique_field_counts_texts_that_trim_to_one():
    """Two categories that trim to one text (' G1' and 'G1') are one value on two rows, however
    the categories come; the empty text repeated (a missing id) is not a value."""
    column = pd.Series(pd.Categorical(["G1", " G1", "", "", "G2"]))
    raw = RawTable("graduates", "g.csv", pd.DataFrame({"student_id": column}), np.arange(5) + 2)
    fdesc = next(f for f in resource("graduates")["schema"]["fields"]
                 if f["name"] == "student_id")
    problems: list = []
    values = typed_column(raw, fdesc, {""}, problems)
    assert [(p.row, p.value) for p in problems if p.rule.startswith("must be unique")] == [
        (2, "G1"), (3, "G1")]
    assert values.tolist() == ["G1", "G1", pd.NA, pd.NA, "G2"]
def test_yes_no_words_are_found_in_python_as_pandas_finds_them():
    """Validation lowers the distinct texts with Python's ``str.lower`` where it used pandas'
    (Arrow's): for every code point, where either lowers it to characters of the yes/no words,
    both give the same, so a text is a yes/no word in one exactly when it is in the other
    (the dotted capital İ, the Kelvin sign and final sigma lower differently, but to no such
    character)."""
    words = validation.TRUE_TOKENS | validation.FALSE_TOKENS
    word_chars = set("".join(words))
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    arrow = pd.Series(chars, dtype="string").str.lower().tolist()
    differ = [(hex(ord(c)), a, c.lower()) for c, a in zip(chars, arrow, strict=True)
              if a != c.lower() and (set(a) <= word_chars or set(c.lower()) <= word_chars)]
    assert differ == []
    cells = ["TRUE", " Yes", "是", "否", "İ", "ｙｅｓ", "", "no "]
    column = pd.DataFrame({"order_class": pd.Categorical(cells)})
    fdesc = next(f for f in resource("graduates")["schema"]["fields"]
                 if f["name"] == "order_class")
    problems: list = []
    values = typed_column(RawTable("graduates", "g.csv", column, np.arange(8) + 2), fdesc,
                          {""}, problems)
    assert values.tolist() == [True, True, True, False, pd.NA, pd.NA, pd.NA, False]
    assert [p.value for p in problems if p.rule.startswith("must be true or false")] == [
        "İ", "ｙｅｓ"]
