"""Count tables and published rates are first-class (issue 20, item 2).

A graduates table may carry a ``count`` column: a row stands for that many identical graduates.
Each shipped scenario is aggregated (grouped by every column but the student id, count = group
size) and every consumer must give on it what it gives on the microdata: numerators and
denominators exactly; estimates, standard errors and intervals to 1e-10 (indicators on every
engine, the Zhuhai DiD with CR1, CR3 and the wild cluster bootstrap at the same seed, the event
study and its pre-trend tests). A published rate rounded to 0.1 % enters through the contract's
``published_rates`` table with its numerator range carried into the interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

import talentlab
from talentlab import evaluation as ev
from talentlab import indicators as ind
from talentlab.cases import zhuhai
from talentlab.data import schema
from talentlab.indicators import engines

SCENARIOS = ("paper_claims", "null", "pretrend")
INTEGER_COLUMNS = ["numerator", "denominator", "n", "n_excluded", "n_unknown"]
FLOAT_COLUMNS = ["estimate", "se", "ci_low", "ci_high"]
#: the graduate outcomes zhuhai.evaluate estimates by DiD and event study
DID_OUTCOMES = ("job_related_to_major", "local_work", "employer_in_cluster", "retraining_hours")
TOL = {"rtol": 1e-10, "atol": 1e-10}


def _graduates(scenario: str) -> pd.DataFrame:
    return talentlab.load_graduates(f"data/raw/synthetic/{scenario}/graduates.csv")


def aggregate(frame: pd.DataFrame, keys: list[str] | None = None) -> pd.DataFrame:
    """The count table of ``frame``: one row per combination of ``keys`` (default: every
    column but student_id), ``count`` = the graduates it stands for; rows shuffled so that
    nothing can lean on the microdata's order."""
    keys = keys or [c for c in frame.columns if c != "student_id"]
    agg = (frame.groupby(keys, dropna=False, observed=True, sort=False).size()
           .rename("count").reset_index())
    for c in keys:
        agg[c] = agg[c].astype(frame[c].dtype)
    return agg.sample(frac=1.0, random_state=7).reset_index(drop=True)


@pytest.fixture(scope="module", params=SCENARIOS)
def scenario(request):
    micro = _graduates(request.param)
    return request.param, micro, aggregate(micro)


def assert_same_results(micro: pd.DataFrame, counted: pd.DataFrame,
                        integers=INTEGER_COLUMNS, floats=FLOAT_COLUMNS) -> None:
    assert micro.shape == counted.shape
    assert list(micro.columns) == list(counted.columns)
    for c in integers:
        if c in micro.columns:
            a = micro[c].to_numpy(dtype=float, na_value=np.nan)
            b = counted[c].to_numpy(dtype=float, na_value=np.nan)
            assert np.array_equal(a, b, equal_nan=True), c
    for c in floats:
        if c in micro.columns:
            np.testing.assert_allclose(counted[c].to_numpy(dtype=float, na_value=np.nan),
                                       micro[c].to_numpy(dtype=float, na_value=np.nan),
                                       err_msg=c, **TOL)


# ---------------------------------------------------------------------------------------------
# indicators
# ---------------------------------------------------------------------------------------------

def test_the_aggregation_is_a_real_count_table(scenario):
    _, micro, counted = scenario
    assert len(counted) < len(micro) and counted["count"].max() > 1
    assert counted["count"].sum() == len(micro)


@pytest.mark.parametrize("by", [None, ["cohort", "treated_major"], ["major"]])
def test_indicators_on_a_count_table_equal_the_microdata(scenario, by):
    _, micro, counted = scenario
    names = list(ind.GRADUATE_INDICATORS)
    a = ind.compute_all({"graduates": micro}, by, indicators=names)
    b = ind.compute_all({"graduates": counted}, by, indicators=names)
    assert_same_results(a, b, INTEGER_COLUMNS + ["n_clusters", "events", "censored"])
    assert (a["method"] == b["method"]).all()  # KM texts name n, events and censored too
    km_a = ind.adaptation_km_table(micro, by)
    km_b = ind.adaptation_km_table(counted, by)
    assert_same_results(km_a, km_b, ["n_risk", "events", "time"], ["survival", "se"])


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "spark"])
@pytest.mark.parametrize("cluster", ["employer_id", None])
def test_every_engine_counts_a_count_table_as_the_microdata(scenario, engine, cluster):
    if engine == "spark":
        pytest.importorskip("pyspark")
    _, micro, counted = scenario
    by = ["cohort", "treated_major"]
    options = {"retraining_hours": {"cluster": cluster}}
    a = engines.compute_indicators(micro, by, engine=engine, options=options)
    b = engines.compute_indicators(counted, by, engine=engine, options=options)
    assert_same_results(a, b, INTEGER_COLUMNS + ["n_clusters"])
    ca = engines.compute_counts(micro, by, engine=engine, options=options)
    cb = engines.compute_counts(counted, by, engine=engine, options=options)
    ints = [c for c in ca.columns if c not in by and not c.startswith("hours__s")]
    assert_same_results(ca, cb, ints, [c for c in ca.columns if c.startswith("hours__s")])


def test_duckdb_reads_a_count_table_file_with_empty_rows_as_the_microdata(tmp_path):
    """A CSV count table as an export writes it: rows of count 0 (a major with no graduate
    in a destination, or none at all) stand for no graduate and make no group."""
    micro = _graduates("paper_claims")
    counted = aggregate(micro)
    ghost = counted.head(4).assign(count=0, major="Ghost major (无毕业生)")
    empty = counted.head(3).assign(count=0)
    path = tmp_path / "graduates.csv"
    pd.concat([counted, ghost, empty]).to_csv(path, index=False)
    micro_path = tmp_path / "micro.csv"
    micro.to_csv(micro_path, index=False)
    for by in (["major"], ["cohort", "treated_major"]):
        for engine in ("duckdb", "pandas"):
            a = engines.compute_indicators(str(micro_path), by, engine=engine)
            b = engines.compute_indicators(str(path), by, engine=engine)
            assert_same_results(a, b, INTEGER_COLUMNS + ["n_clusters"])
            assert "Ghost major (无毕业生)" not in set(b.get("major", pd.Series(dtype=str)))


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
@pytest.mark.parametrize("bad", [-1, 2.5, None])
def test_a_count_that_is_not_a_whole_number_of_graduates_is_refused(engine, bad):
    g = aggregate(_graduates("paper_claims")).head(50)
    g["count"] = g["count"].astype("Float64")
    g.loc[3, "count"] = bad
    with pytest.raises(ind.IndicatorInputError, match="count"):
        engines.compute_indicators(g, "major", engine=engine)
    if engine == "pandas":
        with pytest.raises(ind.IndicatorInputError, match=r"count must be a whole number"):
            ind.employment_rate(g, "major")


def test_the_km_median_comparison_of_a_count_table_equals_the_microdata():
    micro = _graduates("paper_claims")
    counted = aggregate(micro)
    kw = {"indicator": "adaptation_cycle", "statistic": "km_median", "n_boot": 50}
    a = ind.compare({"graduates": micro}, "treated_major", True, False, **kw)
    b = ind.compare({"graduates": counted}, "treated_major", True, False, **kw)
    assert a[["estimate", "n_a", "n_b"]].equals(b[["estimate", "n_a", "n_b"]])
    np.testing.assert_allclose(b["p_value"], a["p_value"], **TOL)  # log-rank


def _km_count_table(counts: dict[tuple[bool, float, bool], int]) -> pd.DataFrame:
    """A graduates count table of employees with (treated, months, reached) -> graduates."""
    micro = _graduates("paper_claims")
    row = micro[micro["destination"] == "employed_full_time"].iloc[[0]].drop(
        columns="student_id")
    rows = []
    for (treated, months, reached), n in counts.items():
        r = row.copy()
        r["treated_major"] = treated
        r["adaptation_months"] = months
        r["adaptation_reached"] = reached
        r["count"] = n
        rows.append(r)
    out = pd.concat(rows, ignore_index=True)
    for c in ("treated_major", "adaptation_reached"):
        out[c] = out[c].astype("boolean")
    out["adaptation_months"] = out["adaptation_months"].astype(micro["adaptation_months"].dtype)
    out["count"] = out["count"].astype("Int64")
    return out


#: cells (treated, months, reached) -> graduates: medians 4 and 6 months, some censored
KM_CELLS = {(True, 2.0, True): 3, (True, 4.0, True): 5, (True, 5.0, False): 2,
            (True, 7.0, True): 4, (False, 3.0, True): 2, (False, 5.0, True): 3,
            (False, 6.0, True): 4, (False, 8.0, False): 3, (False, 9.0, True): 4}


def test_the_km_median_comparison_of_counts_in_the_millions_stays_small():
    """A national count table (graduates in the millions per cell) is compared on its rows:
    memory and time do not grow with the counts (expanding them with np.repeat, then resampling
    graduate by graduate, needed replicates x graduates: hundreds of GB here), and the result
    is that of the counts scaled down, up to the bootstrap."""
    import time
    import tracemalloc

    big = _km_count_table({k: n * 1_000_003 for k, n in KM_CELLS.items()})
    kw = {"indicator": "adaptation_cycle", "statistic": "km_median", "n_boot": 200}
    tracemalloc.start()
    started = time.perf_counter()
    r = ind.compare({"graduates": big}, "treated_major", True, False, **kw).iloc[0]
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 64 * 2 ** 20 and seconds < 10, (peak, seconds)
    assert r["n_a"] == 14 * 1_000_003 and r["n_b"] == 16 * 1_000_003
    # medians as on the small table (the first time S < 0.5): treated 4, comparison 6
    assert (r["estimate_a"], r["estimate_b"], r["estimate"]) == (4.0, 6.0, -2.0)
    # millions per group: the bootstrap barely moves the medians, the log-rank rejects
    assert r["ci_low"] == r["ci_high"] == -2.0 and r["p_value"] < 1e-12


def test_the_weighted_km_median_comparison_equals_the_microdata():
    """On a small table: the count rows and the graduates they stand for give the same
    medians and log-rank p (to 1e-10, against statsmodels' survdiff on the microdata); the
    bootstrap interval is the same to within a month (the same resampling, other draws);
    splitting a row or reordering the table changes nothing at all."""
    counted = _km_count_table(KM_CELLS)
    micro = counted.loc[counted.index.repeat(counted["count"].astype(int))].drop(
        columns="count").reset_index(drop=True)
    micro.insert(0, "student_id", [f"S{i:04d}" for i in range(len(micro))])
    micro["student_id"] = micro["student_id"].astype("string")
    kw = {"indicator": "adaptation_cycle", "statistic": "km_median", "n_boot": 2000}
    a = ind.compare({"graduates": micro}, "treated_major", True, False, **kw).iloc[0]
    b = ind.compare({"graduates": counted}, "treated_major", True, False, **kw).iloc[0]
    assert (a["estimate"], a["n_a"], a["n_b"]) == (b["estimate"], b["n_a"], b["n_b"])
    np.testing.assert_allclose(b["p_value"], a["p_value"], **TOL)
    assert abs(a["ci_low"] - b["ci_low"]) <= 1 and abs(a["ci_high"] - b["ci_high"]) <= 1
    split = pd.concat([counted, counted.iloc[[0, 4]]], ignore_index=True)
    split.loc[[0, 4], "count"] = [1, 1]
    split.loc[len(counted):, "count"] = [KM_CELLS[(True, 2.0, True)] - 1,
                                         KM_CELLS[(False, 3.0, True)] - 1]
    shuffled = split.sample(frac=1.0, random_state=3).reset_index(drop=True)
    c = ind.compare({"graduates": shuffled}, "treated_major", True, False, **kw).iloc[0]
    pd.testing.assert_series_equal(b, c)


# ---------------------------------------------------------------------------------------------
# the Zhuhai estimates: DiD and event study
# ---------------------------------------------------------------------------------------------

N_BOOT = 999  # any number shows it; zhuhai.evaluate's 9999 only costs time
EFFECT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "p_value", "t_stat", "df"]
PRETREND_COLUMNS = ["pretrend_p", "pretrend_slope", "pretrend_slope_p", "pretrend_joint_p",
                    "pretrend_F", "pretrend_joint_p_f"]


def _zhuhai_estimates(frame: pd.DataFrame, outcome: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The DiD and event study exactly as zhuhai.evaluate calls them (CR3 primary, the wild
    cluster bootstrap beside it, the default seeds), with fewer draws."""
    effect = ev.did(frame, outcome, reform_cohort=2022, n_bootstrap=N_BOOT, seed=20240601,
                    alpha=0.05, inference="cr3",
                    checks=zhuhai.inference_checks("cr3", N_BOOT))
    study = ev.event_study(frame, outcome, reform_cohort=2022, alpha=0.05,
                           n_bootstrap=N_BOOT, seed=20220901)
    return effect, study


def _assert_same_estimates(micro_frame, counted_frame, outcome):
    a, sa = _zhuhai_estimates(micro_frame, outcome)
    b, sb = _zhuhai_estimates(counted_frame, outcome)
    assert list(a["inference"]) == list(b["inference"]) == ["cr3", "wild_bootstrap", "cluster"]
    assert_same_results(a, b, ["n", "n_clusters", "n_dropped_missing", "n_bootstrap"],
                        EFFECT_COLUMNS)
    assert_same_results(sa, sb, ["n", "n_clusters", "cohort"], EFFECT_COLUMNS + PRETREND_COLUMNS)
    np.testing.assert_allclose(np.array(sb.attrs["vcov"]), np.array(sa.attrs["vcov"]), **TOL)


@pytest.mark.parametrize("outcome", DID_OUTCOMES)
def test_zhuhai_estimates_on_the_aggregated_scenario_equal_the_microdata(scenario, outcome):
    _, micro, counted = scenario
    _assert_same_estimates(zhuhai.outcome_frame(None, outcome, micro),
                           zhuhai.outcome_frame(None, outcome, counted), outcome)


@pytest.mark.parametrize("outcome", DID_OUTCOMES)
def test_zhuhai_estimates_on_a_coarse_count_table_equal_the_microdata(outcome):
    """The aggregation the DiD needs: major x cohort x outcome (3,794 graduates in 144 rows
    for the binary outcomes), so nearly every row stands for many graduates."""
    frame = zhuhai.outcome_frame(None, outcome, _graduates("paper_claims"))
    counted = aggregate(frame, ["major", "cohort", "treated_major", outcome])
    assert len(counted) < len(frame) / 2 or outcome == "retraining_hours"
    _assert_same_estimates(frame, counted, outcome)


def test_the_cr1_factor_counts_graduates_not_rows():
    """N in G/(G-1) (N-1)/(N-K) is the graduates: read as rows, the SE of a coarse count table
    would differ (a test of the factor itself, not only of the sums)."""
    frame = zhuhai.outcome_frame(None, "job_related_to_major", _graduates("paper_claims"))
    counted = aggregate(frame, ["major", "cohort", "treated_major", "job_related_to_major"])
    as_rows = ev.did(counted.rename(columns={"count": "k"}), "job_related_to_major",
                     inference="cluster", count="k", reform_cohort=2022)
    micro = ev.did(frame, "job_related_to_major", inference="cluster", reform_cohort=2022)
    np.testing.assert_allclose(as_rows["se"], micro["se"], **TOL)
    assert int(as_rows["n"].iloc[0]) == len(frame)
    ignored = ev.did(counted, "job_related_to_major", inference="cluster", count=None,
                     reform_cohort=2022)
    assert abs(float(ignored["se"].iloc[0]) - float(micro["se"].iloc[0])) > 1e-4


def test_did_refuses_a_count_that_is_not_a_whole_number():
    frame = zhuhai.outcome_frame(None, "local_work", _graduates("null"))
    counted = aggregate(frame, ["major", "cohort", "treated_major", "local_work"])
    counted["count"] = counted["count"].astype(float)
    counted.loc[5, "count"] = 1.5
    with pytest.raises(ev.EvaluationInputError, match="'count'.*whole numbers"):
        ev.did(counted, "local_work", inference="cluster", reform_cohort=2022)


def test_rows_of_count_zero_are_no_graduates_in_the_did():
    frame = zhuhai.outcome_frame(None, "local_work", _graduates("null"))
    counted = aggregate(frame, ["major", "cohort", "treated_major", "local_work"])
    ghost = counted.head(5).assign(count=0, major="Ghost major")
    a = ev.did(counted, "local_work", inference="cluster", reform_cohort=2022)
    b = ev.did(pd.concat([counted, ghost], ignore_index=True), "local_work", inference="cluster",
               reform_cohort=2022)
    assert_same_results(a, b, ["n", "n_clusters"], EFFECT_COLUMNS)


# ---------------------------------------------------------------------------------------------
# the contract: count tables and published rates
# ---------------------------------------------------------------------------------------------

def _raw(table: str, frame: pd.DataFrame) -> schema.RawTable:
    text = frame.astype("string").fillna("")
    return schema.RawTable(table, f"{table}.csv", text, np.arange(len(text)) + 2)


def test_a_count_table_validates_without_student_ids():
    micro = pd.read_csv("data/raw/synthetic/paper_claims/graduates.csv", dtype=str,
                        keep_default_na=False)
    counted = micro.drop(columns="student_id").groupby(
        [c for c in micro.columns if c != "student_id"], sort=False).size().rename(
        "count").reset_index()
    df, problems = schema.validate_table(_raw("graduates", counted))
    assert problems == []
    assert int(df["count"].sum()) == len(micro) and df["student_id"].isna().all()
    # without a count column the student ids stay required, and no count column appears
    df, problems = schema.validate_table(_raw("graduates", micro))
    assert problems == [] and "count" not in df.columns
    _, problems = schema.validate_table(_raw("graduates", micro.drop(columns="student_id")))
    assert [p.column for p in problems] == ["student_id"]


def test_bad_counts_are_named_by_row_column_value_and_rule():
    micro = pd.read_csv("data/raw/synthetic/null/graduates.csv", dtype=str,
                        keep_default_na=False).head(6)
    micro["count"] = ["1", "-1", "2.5", "3", "0", "1"]
    micro.loc[4, "student_id"] = ""
    problems = schema.validate_table(_raw("graduates", micro))[1]
    found = {(p.row, p.column, str(p.value)) for p in problems}
    assert found == {(3, "count", "-1"), (4, "count", "2.5"),
                     (5, "student_id", micro.loc[3, "student_id"])}
    texts = [str(p) for p in problems]
    assert any("its count must be 1" in t and "人数" in t for t in texts)


def test_the_written_descriptor_lists_the_columns_a_count_table_has(tmp_path):
    counted = aggregate(_graduates("null"))
    counted.to_csv(tmp_path / "graduates.csv", index=False)
    path = schema.write_datapackage(tmp_path, {"data_origin": "user"}, tables=["graduates"])
    import json

    names = [f["name"] for f in json.loads(path.read_text())["resources"][0]["schema"]["fields"]]
    assert "count" in names and "student_id" not in names
    assert schema.field_names("graduates") == [n for n in schema.field_names(
        "graduates", optional=True) if n != "count"]


def test_a_published_rate_carries_its_numerator_range_into_the_interval():
    """93.4 % of 5,230 graduates, published to 0.1 %: the rate lies in [93.35 %, 93.45 %], so
    the employed are 4,883 to 4,887 (5230 x 0.9335 = 4882.2, 5230 x 0.9345 = 4887.4), and
    the interval runs from the Wilson lower limit at 4,883 to the upper limit at 4,887."""
    published = pd.DataFrame({"major": ["IC Design (集成电路设计)", "Chip Testing (芯片测试)"],
                              "indicator": ["employment_rate", "employment_rate"],
                              "rate": ["93.4", "93.4"], "n": ["5230", "500"]})
    df, problems = schema.validate_table(_raw("published_rates", published))
    assert problems == [] and df["rate_decimals"].tolist() == [1, 1]
    out = ind.from_published_rates(df)
    wide, exact = out.iloc[0], out.iloc[1]
    assert (wide["numerator_low"], wide["numerator_high"]) == (4883, 4887)
    assert np.isnan(wide["numerator"]) and wide["denominator"] == 5230
    lo = proportion_confint(4883, 5230, method="wilson")[0]
    hi = proportion_confint(4887, 5230, method="wilson")[1]
    assert (wide["ci_low"], wide["ci_high"]) == pytest.approx((lo, hi), abs=1e-12)
    assert wide["ci_high"] - wide["ci_low"] > np.diff(
        proportion_confint(4885, 5230, method="wilson"))[0]
    assert "known only to 4883-4887" in wide["method"]
    # 93.4 % of 500 leaves one numerator (467): the microdata's Wilson interval exactly
    assert exact["numerator"] == 467
    levels = list(schema.DESTINATIONS)
    micro = pd.DataFrame({"destination": pd.Categorical(
        ["employed_full_time"] * 467 + ["unemployed"] * 33, categories=levels)})
    rate = ind.employment_rate(micro)
    assert (exact["ci_low"], exact["ci_high"]) == pytest.approx(
        (rate["ci_low"].iloc[0], rate["ci_high"].iloc[0]), abs=1e-12)
    assert (out["statistic"] == "published_proportion").all()
    assert out["label_zh"].iloc[0] == rate["label_zh"].iloc[0]


def test_a_rate_written_with_more_decimals_is_narrower_and_an_impossible_rate_is_refused():
    published = pd.DataFrame({"indicator": ["destination_rate"] * 2, "rate": ["93.40", "93.4"],
                              "n": ["5230", "523"]})
    df, problems = schema.validate_table(_raw("published_rates", published))
    assert df["rate_decimals"].tolist() == [2, 1]
    # 488/523 = 93.31 %, 489/523 = 93.50 %: no count of 523 rounds to 93.4 %
    assert [(p.row, p.column) for p in problems] == [(3, "rate")]
    assert "n=523" in str(problems[0]) and "没有任何整数人数" in str(problems[0])
    out = ind.from_published_rates(df.iloc[[0]])
    assert (out["numerator_low"].iloc[0], out["numerator_high"].iloc[0]) == (4885, 4885)
    with pytest.raises(ind.IndicatorInputError, match=r"row 1 .*'rate'.*n=523"):
        ind.from_published_rates(df)


def test_a_not_estimable_event_study_still_gives_its_pretrend_row():
    """An outcome a count table cannot carry (scores linked by student id: none in a count
    table) leaves an empty panel; zhuhai.evaluate then asks for its pre-trend test, which must
    read 'not testable' rather than fail on missing columns."""
    frame = pd.DataFrame({"major": pd.Series([], dtype="str"), "cohort": pd.Series([], dtype="int64"),
                          "treated_major": pd.Series([], dtype=bool),
                          "evaluation_score": pd.Series([], dtype=float)})
    study = ev.event_study(frame, "evaluation_score", reform_cohort=2022, seed=20220901)
    row = ev.pretrend_test(study).iloc[0]
    assert np.isnan(row["pretrend_p"]) and row["pretrend_method"].startswith("not testable")
