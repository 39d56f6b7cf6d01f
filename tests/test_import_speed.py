"""Import and validation do their work per distinct text, not per cell (issue 21, speed).

A college export of 100,000 records has a few dozen distinct texts in most columns (a destination,
a major, 是/否). These tests pin the properties that make ``talentlab import`` and validation fast,
as counts rather than seconds (a time limit would fail on a loaded machine and pass on a slow
change): each distinct text is converted and normalised once, the import sets off no cyclic
garbage collection, and the CSV writer that works per distinct text writes exactly what
``csv.writer`` writes. ``benchmarks/bench_import.py`` measures the seconds.
"""

from __future__ import annotations

import csv
import gc
import io
import random
import unicodedata

import numpy as np
import pandas as pd
import pytest

from talentlab.data import examples, readers
from talentlab.data.importer import csv_bytes, import_records
from talentlab.data.io import SYNTHETIC_DIR
from talentlab.data.schema import RawTable, validate_tables

COPIES = 4  # 5,880 graduates of the shipped scenario, four times: 23,520 records


@pytest.fixture(scope="module")
def export(tmp_path_factory):
    """A GB18030 graduates export in the example export's second style (``10 签就业协议形式就业``,
    ``4分``, ``4.2个月``, ``134小时``, 是/否, 无 and empty as missing): 23,520 records with fresh
    student numbers."""
    g = pd.read_csv(SYNTHETIC_DIR / "paper_claims" / "graduates.csv", dtype=str,
                    keep_default_na=False)
    g = pd.concat([g.assign(student_id=g["student_id"] + f"-{k}") for k in range(COPIES)],
                  ignore_index=True)
    rows = [[h for h, _ in examples.GRADUATE_HEADERS]]
    rows += [["" if v is None else v for v in r] for r in examples.graduate_rows(g, 2)]
    src = tmp_path_factory.mktemp("export") / "export"
    src.mkdir()
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    (src / "毕业生.csv").write_bytes(buf.getvalue().encode("gb18030"))
    return src, len(g)


def test_import_converts_each_distinct_text_once(export, tmp_path, monkeypatch):
    """The missing-marker test runs per distinct text: before, every cell of a re-coded column
    (毕业去向 -> destination_original) was tested again, 23,520 calls for that column alone."""
    src, n = export
    calls = []
    real = readers.is_missing
    monkeypatch.setattr(readers, "is_missing", lambda text: calls.append(text) or real(text))
    res = import_records(src, tmp_path / "out")
    assert res.tables == {"graduates": n}
    assert len(calls) < 2_000, len(calls)


def test_import_sets_off_no_cyclic_garbage_collection(export, tmp_path):
    """The rows of a sheet are one list each: with the collector running, every batch of new
    objects made it walk all of them again (building 100,000 small tuples took 0.24 s instead
    of 0.01 s). The import pauses it and restores it afterwards."""
    src, _ = export
    generations = []

    def count(phase, info):
        if phase == "start":
            generations.append(info["generation"])

    assert gc.isenabled()
    gc.callbacks.append(count)
    try:
        import_records(src, tmp_path / "out")
    finally:
        gc.callbacks.remove(count)
    assert generations == []
    assert gc.isenabled()


def test_validation_normalises_each_distinct_text_once(export, tmp_path, monkeypatch):
    """The missing-marker check compares texts after NFKC: once per distinct non-ASCII text,
    not once per cell (before: every cell of every column, 23,520 x 18 calls)."""
    src, n = export
    res = import_records(src, tmp_path / "out")
    text = pd.read_csv(res.out / "graduates.csv", dtype=str, keep_default_na=False)
    raw = RawTable("graduates", "graduates.csv", text.astype("string"), np.arange(n) + 2)
    calls = []
    real = unicodedata.normalize
    monkeypatch.setattr(unicodedata, "normalize",
                        lambda form, s: calls.append(s) or real(form, s))
    typed, problems = validate_tables({"graduates": raw})
    assert problems == [] and len(typed["graduates"]) == n
    assert len(calls) < 1_000, len(calls)


def test_validation_per_distinct_text_reports_every_row(monkeypatch):
    """Checking each distinct text once still names every row that breaks a rule, in row
    order, with its text as written (a repeated bad text, a text repeated with spaces around
    it, a unique value on two rows)."""
    n = 1_000
    text = pd.DataFrame({
        "student_id": [f"S{i:04d}" for i in range(n)],
        "cohort": ["2019"] * n,
    })
    text.loc[[10, 500, 900], "cohort"] = ["20x9", " 20x9 ", "20x9"]
    text.loc[7, "student_id"] = " S0008"
    from talentlab.data.schema import resource, typed_column

    fields = {f["name"]: f for f in resource("graduates")["schema"]["fields"]}
    raw = RawTable("graduates", "g.csv", text.astype("string"), np.arange(n) + 2)
    problems: list = []
    cohort = typed_column(raw, fields["cohort"], {""}, problems)
    ids = typed_column(raw, fields["student_id"], {""}, problems)
    assert [(p.row, p.column, p.value) for p in problems] == [
        (12, "cohort", "20x9"), (502, "cohort", "20x9"), (902, "cohort", "20x9"),
        (9, "student_id", "S0008"), (10, "student_id", "S0008")]
    assert cohort.isna().sum() == 3 and cohort.dtype == "Int64"
    assert ids.iloc[7] == "S0008" and ids.dtype == "string"


def test_csv_writer_joining_repetitive_columns_writes_what_the_csv_module_writes():
    """Runs of neighbouring columns with few texts are joined once per combination of their
    texts (identifiers stay fields of their own): the bytes are still those of ``csv.writer``,
    with quoting, empty cells, a run broken by an identifier, a run of too many combinations,
    a table of runs only."""
    rng = random.Random(7)
    few = ["是", "否", "", "a,b", 'q"', "x\ny", None]
    for n in (8, 40, 400):
        for layout in ("id first", "id inside", "runs only", "many combinations"):
            cols = {}
            kind = [rng.randrange(4) for _ in range(n)]  # few combinations across the run
            for j in range(6):
                if (layout == "id first" and j == 0) or (layout == "id inside" and j == 3):
                    cols[f"c{j}"] = [f"S{i:05d}" for i in range(n)]
                elif layout == "many combinations":
                    cols[f"c{j}"] = [str(rng.randrange(6)) for _ in range(n)]
                else:
                    cols[f"c{j}"] = [few[(k * (j + 1) + j) % len(few)] for k in kind]
            df = pd.DataFrame(cols, dtype=object)
            assert csv_bytes(df) == _csv_module_bytes(df), (n, layout)
            filled = df.fillna("").astype("category")
            assert csv_bytes(filled) == _csv_module_bytes(filled.astype(object)), (n, layout)


def _csv_module_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(df.columns))
    for row in df.itertuples(index=False):
        w.writerow(["" if v is None else str(v) for v in row])
    return buf.getvalue().encode("utf-8")


def test_csv_writer_per_distinct_text_writes_what_the_csv_module_writes():
    """Quoting decided once per distinct text gives the bytes of ``csv.writer`` row by row:
    delimiters, quotes, CR and LF inside cells, empty cells, a one-column table, no rows,
    categorical and object columns."""
    rng = random.Random(21)
    alphabet = ["a", ",", '"', "\r", "\n", " ", "\t", "学", "", "'", ";", "\u2028", "\x85"]
    for _ in range(400):
        ncol, nrow = rng.choice([1, 2, 5]), rng.choice([0, 1, 3, 12])
        cols = {f"c{j}": [rng.choice([None] + ["".join(rng.choice(alphabet) for _ in range(
            rng.randint(0, 3))) for _ in range(4)]) for _ in range(nrow)] for j in range(ncol)}
        df = pd.DataFrame(cols, dtype=object)
        assert csv_bytes(df) == _csv_module_bytes(df), cols
        filled = df.fillna("").astype("category")
        assert csv_bytes(filled) == _csv_module_bytes(filled.astype(object)), cols
