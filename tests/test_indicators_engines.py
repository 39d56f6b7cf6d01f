"""One definition, several engines: DuckDB, pandas and Spark count the same numerators and
denominators, and return the same tidy table as the pandas indicator functions.

Spark tests run only where PySpark (the ``spark`` test extra) and Java are installed; they are
skipped with a message otherwise.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import talentlab
import talentlab.indicators as ti
from talentlab.indicators import engines
from talentlab.indicators.engines import ENGINE_INDICATORS, compute_counts, compute_indicators
from tests.conftest import PROJECT_ROOT

ROOT = PROJECT_ROOT
SCENARIOS = ["paper_claims", "null", "pretrend"]
DEST = ["employed_full_time", "employed_part_time", "self_employed", "military",
        "further_study", "preparing_further_study", "unemployed", "unknown"]
#: Columns of the tidy table that are counts (must agree exactly) and the float ones.
COUNT_COLUMNS = ["numerator", "denominator", "n", "n_excluded", "n_unknown"]


def have_spark() -> str | None:
    """None when Spark can run here, else the reason it cannot."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "PySpark is not installed (pip install -e '.[spark]' to run the Spark tests)"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "no Java runtime (Spark needs Java 17)"
    return None


@pytest.fixture(scope="module")
def scenario_data():
    return {s: talentlab.load_all(ROOT / "data" / "raw" / "synthetic" / s) for s in SCENARIOS}


@pytest.fixture(scope="module")
def spark():
    reason = have_spark()
    if reason:
        pytest.skip(reason)
    session = engines.spark_session("local[1]")
    session.conf.set("spark.sql.shuffle.partitions", "1")  # tiny test data: one task
    yield session
    session.stop()


def reference(df: pd.DataFrame, by: list[str], **kw) -> pd.DataFrame:
    return ti.compute_all({"graduates": df}, by, indicators=list(ENGINE_INDICATORS), **kw)


def assert_same_table(got: pd.DataFrame, want: pd.DataFrame) -> None:
    """Counts and texts identical; estimates identical up to summation order (1e-12).

    The numerator of a mean (the sum of the hours) is a sum of floats, not a count: the SQL
    engines add it per (group, destination) and then per group, in another order."""
    assert list(got.columns) == list(want.columns)
    assert len(got) == len(want)
    if not len(want):
        return
    counts = (want["statistic"] != "mean").to_numpy()
    for col in COUNT_COLUMNS:
        g, w = got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float)
        np.testing.assert_array_equal(g[counts], w[counts], err_msg=col)
        np.testing.assert_allclose(g[~counts], w[~counts], rtol=1e-12, err_msg=col)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True),
                                  check_exact=False, rtol=1e-12, atol=1e-12)


def keys_as_text(df: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Keys as text, rows sorted by them: a file has no category order, so groups of a
    categorical key come back in text order."""
    out = df.copy()
    for c in by:
        out[c] = pd.array([None if pd.isna(v) else str(v) for v in out[c]], dtype=object)
    if by:
        out = out.sort_values(by, na_position="last", kind="stable")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# the shipped scenarios
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("by", [["cohort", "major"], ["college", "treated_major"], [],
                                ["destination", "major"]])  # the SQL's own first-stage key
def test_engines_equal_the_pandas_indicator_functions_on_shipped_data(scenario_data, scenario,
                                                                     by):
    g = scenario_data[scenario].graduates
    want = reference(g, by)
    for engine in ("pandas", "duckdb"):
        assert_same_table(compute_indicators(g, by, engine=engine), want)


def test_compute_all_with_an_engine_keeps_every_other_indicator(scenario_data):
    data = scenario_data["paper_claims"]
    want = ti.compute_all(data, ["cohort"])
    got = ti.compute_all(data, ["cohort"], engine="duckdb")
    assert_same_table(got, want)
    assert "adaptation_cycle" in set(got["indicator"])
    assert "three_party_evaluation" in set(got["indicator"])


def test_duckdb_reads_the_raw_csv_and_parquet_files(scenario_data, tmp_path):
    by = ["cohort", "major"]
    raw = ROOT / "data" / "raw" / "synthetic" / "paper_claims"
    g = scenario_data["paper_claims"].graduates
    want = keys_as_text(compute_counts(g, by, engine="pandas"), by)
    from_csv = keys_as_text(compute_counts(raw, by, engine="duckdb"), by)
    pd.testing.assert_frame_equal(from_csv, want, check_dtype=False)
    g.to_parquet(tmp_path / "graduates.parquet", index=False)
    from_parquet = keys_as_text(compute_counts(tmp_path, by, engine="duckdb"), by)
    pd.testing.assert_frame_equal(from_parquet, want, check_dtype=False)
    # the tidy table too, with keys in their natural types
    tidy = compute_indicators(tmp_path / "graduates.parquet", by, engine="duckdb")
    ref = reference(g, by)
    assert_same_table(keys_as_text(tidy, by), keys_as_text(ref, by))


def test_options_travel_to_every_engine(scenario_data):
    g = scenario_data["null"].graduates
    options = {"counterpart_employment_rate": {"denominator": "all_employed"},
               "local_employment_rate": {"regions": ["local", "province"]},
               "employment_rate": {"unknown": "not_employed"},
               "destination_rate": {"unknown": "exclude"},
               "retraining_hours": {"cluster": None}}
    want = reference(g, ["cohort"], options=options)
    for engine in ("pandas", "duckdb"):
        got = compute_indicators(g, ["cohort"], engine=engine, options=options)
        assert_same_table(got, want)
    assert set(want["statistic"]) >= {"proportion_all_employed"}


# ---------------------------------------------------------------------------------------------
# hypothesis: nulls, empty groups, unicode keys
# ---------------------------------------------------------------------------------------------

MAJORS = ["a", "b", "电子信息", "Ünïcode", "x'y"]


@st.composite
def graduates_frames(draw):
    n = draw(st.integers(0, 40))
    seed = draw(st.integers(0, 2**31 - 1))
    rng = np.random.default_rng(seed)
    dest = rng.integers(0, 8, n)
    employed = dest <= 2
    employee = dest <= 1
    p_missing = draw(st.sampled_from([0.0, 0.2, 0.6]))

    def nb(p, base):
        return pd.arrays.BooleanArray(rng.random(n) < p, ~base | (rng.random(n) < p_missing))

    hours = np.where(employee & (rng.random(n) >= p_missing),
                     np.round(rng.gamma(2, 20, n), 1), np.nan)
    major = [None if rng.random() < p_missing / 3 else MAJORS[i]
             for i in rng.integers(0, len(MAJORS), n)]
    region = np.where(employed & (rng.random(n) >= p_missing), rng.integers(0, 3, n), -1)
    # categories without rows (e.g. "province" unused) make empty groups for pandas categoricals
    return pd.DataFrame({
        "major": pd.array(major, dtype="str"),
        "cohort": pd.array([None if rng.random() < p_missing / 3 else int(c)
                            for c in rng.integers(2020, 2023, n)], dtype="Int64"),
        "destination": pd.Categorical.from_codes(dest, DEST),
        "job_related_to_major": nb(0.6, employed),
        "job_satisfaction": pd.arrays.IntegerArray(rng.integers(1, 6, n),
                                                   ~employed | (rng.random(n) < p_missing)),
        "employer_id": pd.array([None if (not e or rng.random() < p_missing) else f"e{k}"
                                 for e, k in zip(employee, rng.integers(0, 4, n),
                                                 strict=True)], dtype="str"),
        "employer_in_cluster": nb(0.4, employed),
        "work_region": pd.Categorical.from_codes(region, ["local", "province", "elsewhere"]),
        "left_within_6_months": nb(0.4, employed),
        "retraining_hours": hours,
        "industry_certificate": nb(0.5, np.ones(n, bool)),
    })


BYS = st.sampled_from([[], ["major"], ["cohort", "major"], ["work_region", "major"]])
SETTINGS = settings(max_examples=15, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.function_scoped_fixture])


@SETTINGS
@given(df=graduates_frames(), by=BYS)
def test_pandas_and_duckdb_agree_with_the_indicator_functions(df, by):
    want = reference(df, by)
    for engine in ("pandas", "duckdb"):
        assert_same_table(compute_indicators(df, by, engine=engine), want)


@SETTINGS
@given(df=graduates_frames(), by=BYS)
def test_counts_from_a_parquet_file_equal_the_in_memory_counts(df, by, tmp_path_factory):
    path = tmp_path_factory.mktemp("pq") / "graduates.parquet"
    df.to_parquet(path, index=False)
    mem = keys_as_text(compute_counts(df, by, engine="pandas"), by)
    disk = keys_as_text(compute_counts(path, by, engine="duckdb"), by)
    if not len(mem):
        assert not len(disk)
        return
    pd.testing.assert_frame_equal(disk, mem, check_dtype=False, check_exact=False, rtol=1e-12)


# ---------------------------------------------------------------------------------------------
# the cluster-robust SE from per-cluster sums
# ---------------------------------------------------------------------------------------------

def _hours_frame(hours, employers, groups) -> pd.DataFrame:
    n = len(hours)
    return pd.DataFrame({
        "g": pd.array(groups, dtype="str"),
        "destination": pd.Categorical(["employed_full_time"] * n, categories=DEST),
        "retraining_hours": np.asarray(hours, dtype=float),
        "employer_id": pd.array(employers, dtype="str"),
    })


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_cluster_robust_se_from_sums_equals_statsmodels_and_the_row_level_code(offset):
    rng = np.random.default_rng(7)
    n = 400
    hours = offset + np.round(rng.gamma(2, 30, n), 1)
    employers = [None if rng.random() < 0.1 else f"e{k}" for k in rng.integers(0, 25, n)]
    groups = rng.choice(["p", "q"], n)
    df = _hours_frame(hours, employers, groups)
    row_level = ti.retraining_hours(df, by="g")
    for engine in ("pandas", "duckdb"):
        got = compute_indicators(df, "g", engine=engine, indicators=["retraining_hours"])
        np.testing.assert_allclose(got["se"], row_level["se"], rtol=1e-9)
        np.testing.assert_array_equal(got["n_clusters"], row_level["n_clusters"])
    # independent check: statsmodels OLS on a constant, clusters = employer (missing: own)
    for grp, se in zip(row_level["g"], row_level["se"], strict=True):
        sel = groups == grp
        emp = pd.Series(employers, dtype=object)[sel].reset_index(drop=True)
        codes = pd.factorize(emp)[0]
        single = codes < 0
        codes[single] = codes.max() + 1 + np.arange(single.sum())
        fit = sm.OLS(hours[sel], np.ones(sel.sum())).fit(cov_type="cluster",
                                                          cov_kwds={"groups": codes})
        assert se == pytest.approx(float(fit.bse[0]), rel=1e-9)


def test_cluster_sums_grouped_by_key_hash_only_when_the_hashes_are_distinct(monkeypatch):
    rng = np.random.default_rng(3)
    n = 300
    df = _hours_frame(np.round(rng.gamma(2, 30, n), 1),
                      [None if rng.random() < 0.2 else f"e{k}" for k in rng.integers(0, 30, n)],
                      rng.choice(["p", "q", "r"], n))
    df["destination"] = pd.Categorical(rng.choice(DEST[:2], n), categories=DEST)
    calls = []
    real = engines.cluster_sql

    def spy(*args, **kw):
        calls.append(kw.get("hashed"))
        return real(*args, **kw)

    monkeypatch.setattr(engines.duckdb_engine, "cluster_sql", spy)
    want = ti.retraining_hours(df, by="g")
    hashed = compute_indicators(df, "g", engine="duckdb", indicators=["retraining_hours"])
    # every group the same "hash": grouping by it would merge them, so the keys are used
    monkeypatch.setattr(engines.sql, "group_hash", lambda by, quote: "42")
    keyed = compute_indicators(df, "g", engine="duckdb", indicators=["retraining_hours"])
    assert calls == [True, False]
    for got in (hashed, keyed):
        np.testing.assert_allclose(got["se"], want["se"], rtol=1e-9)
        np.testing.assert_array_equal(got["n_clusters"], want["n_clusters"])


@pytest.mark.parametrize("offset", [0.0, 1e6])
def test_ordinary_se_combines_destinations_without_cancellation(offset):
    rng = np.random.default_rng(11)
    n = 200
    df = _hours_frame(offset + np.round(rng.gamma(2, 30, n), 1), [None] * n,
                      rng.choice(["p", "q"], n))
    df["destination"] = pd.Categorical(rng.choice(DEST[:3], n), categories=DEST)
    plain = {"retraining_hours": {"cluster": None}}
    got = compute_indicators(df, "g", engine="duckdb", indicators=["retraining_hours"],
                             options=plain)
    for grp, se in zip(got["g"], got["se"], strict=True):  # independent: numpy's std / sqrt n
        x = df.loc[(df["g"] == grp) & df["destination"].isin(DEST[:2]), "retraining_hours"]
        assert se == pytest.approx(np.std(x, ddof=1) / np.sqrt(len(x)), rel=1e-9)


def test_one_cluster_and_one_hire_give_undefined_se():
    df = _hours_frame([10.0, 20.0, 30.0], ["e1", "e1", "e1"], ["a", "a", "a"])
    for engine in ("pandas", "duckdb"):
        r = compute_indicators(df, "g", engine=engine, indicators=["retraining_hours"])
        assert r["n_clusters"].tolist() == [1] and np.isnan(r["se"].iloc[0])
        plain = compute_indicators(df.iloc[:1], "g", engine=engine,
                                   indicators=["retraining_hours"],
                                   options={"retraining_hours": {"cluster": None}})
        assert np.isnan(plain["se"].iloc[0]) and plain["estimate"].iloc[0] == 10.0


# ---------------------------------------------------------------------------------------------
# bad input, source choice, command line
# ---------------------------------------------------------------------------------------------

def test_contract_violations_raise_with_column_rule_and_values(tmp_path):
    df = _hours_frame([1.0, -5.0], ["e1", "e2"], ["a", "a"])
    for engine in ("pandas", "duckdb"):
        with pytest.raises(ti.IndicatorInputError, match=r"retraining_hours.*>= 0.*-5"):
            compute_counts(df, "g", engine=engine, indicators=["retraining_hours"])
    bad = df.assign(destination=pd.array(["employed_full_time", "hired"], dtype="str"))
    bad.to_parquet(tmp_path / "graduates.parquet")
    with pytest.raises(ti.IndicatorInputError, match=r"destination.*hired"):
        compute_counts(tmp_path / "graduates.parquet", "g", engine="duckdb",
                       indicators=["employment_rate"])


@pytest.mark.parametrize("values", [[3.0, 3.5], [3, 6], [0, 4]])
def test_job_satisfaction_outside_1_to_5_or_not_whole_is_named(values, tmp_path):
    # the SQL engines find a broken rule from per-group minimum, maximum and fractional part
    n = len(values)
    df = pd.DataFrame({"destination": pd.Categorical(["employed_full_time"] * n,
                                                     categories=DEST),
                       "job_satisfaction": np.asarray(values)})
    df.to_parquet(tmp_path / "graduates.parquet", index=False)
    bad = [v for v in values if not (1 <= v <= 5 and v == int(v))]
    for source in (df, tmp_path / "graduates.parquet"):
        for engine in ("pandas", "duckdb"):
            with pytest.raises(ti.IndicatorInputError,
                               match=rf"job_satisfaction: 1 row\(s\).*integer 1-5.*{bad[0]}"):
                compute_counts(source, engine=engine, indicators=["job_satisfaction_rate"])
    fine = df.assign(job_satisfaction=np.asarray([3.0, 5.0][:n]))
    assert compute_counts(fine, engine="duckdb",
                          indicators=["job_satisfaction_rate"])["n_total"].tolist() == [n]


def test_csv_cells_that_do_not_parse_are_named(tmp_path):
    src = ROOT / "data" / "raw" / "synthetic" / "paper_claims" / "graduates.csv"
    lines = src.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    col = header.index("job_related_to_major")
    row = lines[1].split(",")
    row[col] = "maybe"
    (tmp_path / "graduates.csv").write_text("\n".join([lines[0], ",".join(row), *lines[2:]]),
                                            encoding="utf-8")
    with pytest.raises(ti.IndicatorInputError, match=r"job_related_to_major.*maybe"):
        compute_counts(tmp_path, "cohort", engine="duckdb")


def test_auto_engine_uses_duckdb_for_large_files_only(tmp_path, monkeypatch, scenario_data):
    g = scenario_data["paper_claims"].graduates
    g.to_parquet(tmp_path / "graduates.parquet", index=False)
    assert engines.choose_engine(tmp_path) == "pandas"
    assert engines.choose_engine(g) == "pandas"
    monkeypatch.setattr(engines.sources, "AUTO_DUCKDB_BYTES", 1)
    assert engines.choose_engine(tmp_path) == "duckdb"
    with pytest.raises(ti.IndicatorInputError, match="engine must be one of"):
        engines.choose_engine(g, "sqlite")


def test_cli_indicators_same_table_from_every_engine(tmp_path):
    data = ROOT / "data" / "raw" / "synthetic" / "pretrend"
    outs = {}
    for engine in ("pandas", "duckdb"):
        out = tmp_path / f"{engine}.csv"
        subprocess.run([sys.executable, "-m", "talentlab.cli", "indicators", str(data),
                        "--by", "cohort,treated_major", "--engine", engine, "--out", str(out)],
                       check=True, cwd=tmp_path)
        outs[engine] = pd.read_csv(out)
    pd.testing.assert_frame_equal(outs["duckdb"], outs["pandas"], check_exact=False, rtol=1e-12)
    assert set(outs["duckdb"]["indicator"]) >= set(ENGINE_INDICATORS)


# ---------------------------------------------------------------------------------------------
# Spark (local mode), when installed
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_spark_equals_pandas_on_a_shipped_scenario(spark, scenario_data, tmp_path):
    g = scenario_data["paper_claims"].graduates
    by = ["cohort", "major"]
    assert_same_table(compute_indicators(g, by, engine="spark", spark=spark), reference(g, by))
    g.to_parquet(tmp_path / "graduates.parquet", index=False)
    got = keys_as_text(compute_counts(tmp_path, by, engine="spark", spark=spark), by)
    want = keys_as_text(compute_counts(g, by, engine="pandas"), by)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-12)
    raw = ROOT / "data" / "raw" / "synthetic" / "paper_claims"
    got = keys_as_text(compute_counts(raw, by, engine="spark", spark=spark), by)
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_exact=False, rtol=1e-12)


@pytest.mark.slow
@settings(max_examples=3, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(df=graduates_frames(), by=BYS)
def test_spark_agrees_on_generated_frames(spark, df, by):
    assert_same_table(compute_indicators(df, by, engine="spark", spark=spark), reference(df, by))


def test_report_trends_stay_on_pandas_for_shipped_data_and_match_duckdb(scenario_data,
                                                                       monkeypatch):
    """The report's indicator trends: the shipped data (~6,000 rows) stay on the pandas path
    (byte-identical reports); a table at the DuckDB threshold gives the same numbers."""
    from talentlab.cases import zhuhai

    g = scenario_data["paper_claims"].graduates
    assert engines.choose_engine(g) == "pandas"
    via_pandas = zhuhai.indicator_trends(g)
    monkeypatch.setattr(engines.sources, "AUTO_DUCKDB_ROWS", len(g))
    assert engines.choose_engine(g) == "duckdb"
    via_duckdb = zhuhai.indicator_trends(g)
    pd.testing.assert_frame_equal(via_duckdb, via_pandas, check_exact=False, rtol=1e-12)
    counts = via_pandas[["numerator", "denominator", "n"]].to_numpy(dtype=float)
    np.testing.assert_array_equal(via_duckdb[["numerator", "denominator", "n"]]
                                  .to_numpy(dtype=float), counts)


def test_non_utf8_csv_is_refused_by_the_sql_engines_with_advice(tmp_path):
    src = ROOT / "data" / "raw" / "synthetic" / "paper_claims" / "graduates.csv"
    (tmp_path / "graduates.csv").write_bytes(src.read_text(encoding="utf-8").encode("gb18030"))
    with pytest.raises(ti.IndicatorInputError, match=r"not UTF-8.*--engine pandas"):
        compute_counts(tmp_path, "cohort", engine="duckdb")


def test_pandas_engine_reads_a_gb18030_csv_through_the_validating_reader(tmp_path,
                                                                         scenario_data):
    src = ROOT / "data" / "raw" / "synthetic" / "paper_claims" / "graduates.csv"
    (tmp_path / "graduates.csv").write_bytes(src.read_text(encoding="utf-8").encode("gb18030"))
    got = compute_counts(tmp_path, "cohort", engine="pandas")
    want = compute_counts(scenario_data["paper_claims"].graduates, "cohort", engine="pandas")
    pd.testing.assert_frame_equal(got, want)


def test_one_source_resolution_and_one_engine_choice_per_call(tmp_path, monkeypatch,
                                                              scenario_data):
    """issue 24: compute_all and compute_indicators resolve their source once, choose their
    engine once and pass both down; compute_all does not call itself."""
    data = scenario_data["paper_claims"]
    data.graduates.to_parquet(tmp_path / "graduates.parquet", index=False)
    calls = {"resolve_source": 0, "engine_for": 0, "compute_all": 0}

    def counting(module, name):
        real = getattr(module, name)

        def wrapper(*args, **kw):
            calls[name] += 1
            return real(*args, **kw)
        monkeypatch.setattr(module, name, wrapper)

    counting(engines, "resolve_source")
    counting(engines, "engine_for")
    counting(ti, "compute_all")
    for run in (lambda: ti.compute_all(tmp_path, "cohort", engine="duckdb"),
                lambda: ti.compute_all(tmp_path, "cohort", engine="pandas"),
                lambda: compute_indicators(tmp_path, "cohort", engine="auto")):
        calls.update(resolve_source=0, engine_for=0)
        assert len(run())
        assert (calls["resolve_source"], calls["engine_for"]) == (1, 1)
    calls["compute_all"] = 0
    # in memory: the count-based indicators on DuckDB, the others with the indicator
    # functions, in one call of compute_all
    mixed = ti.compute_all(data, "cohort", engine="duckdb")
    assert calls["compute_all"] == 1
    assert {"adaptation_cycle", "employment_rate", "three_party_evaluation"} <= set(
        mixed["indicator"])
    pd.testing.assert_frame_equal(mixed, ti.compute_all(data, "cohort", engine="pandas"),
                                  check_exact=False, rtol=1e-12)
