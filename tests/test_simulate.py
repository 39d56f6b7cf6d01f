"""The synthetic scenario engine: contract, cross-field rules, calibration, planted truth, files."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest

from talentlab import simulate as sim
from talentlab.data import schema
from talentlab.simulate.engine import Simulation, spawn_streams
from tests.conftest import SYNTHETIC_DIR

EMPLOYED = ["employed_full_time", "employed_part_time", "self_employed"]
EMPLOYEES = ["employed_full_time", "employed_part_time"]
RECORD_TABLES = ["graduates", "employer_ratings", "evaluations", "programmes"]


@pytest.fixture(scope="module")
def runs() -> dict:
    """Default-seed tables and truth of every scenario (generated once per module)."""
    return {sc: sim.simulate_tables(sc) for sc in sim.SCENARIOS}


def _f(s: pd.Series) -> np.ndarray:
    """A nullable boolean/integer column as float with NaN for missing."""
    return s.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


def simple_did(df: pd.DataFrame, values: np.ndarray, reform: int = 2022) -> float:
    """(treated post - treated pre) - (control post - control pre) of cell means (NaN skipped)."""
    t = df["treated_major"].to_numpy(dtype=bool)
    post = df["cohort"].to_numpy(dtype=int) >= reform

    def m(a, b):
        return np.nanmean(values[(t == a) & (post == b)])

    return (m(True, True) - m(True, False)) - (m(False, True) - m(False, False))


def recognition(ratings: pd.DataFrame) -> np.ndarray:
    """0-100 score, computed here independently: 100 * (mean answered item - 1) / 4, >= 3 items."""
    items = np.column_stack([_f(ratings[c]) for c in sim.RATING_ITEMS])
    answered = np.isfinite(items).sum(axis=1)
    with np.errstate(invalid="ignore"):
        score = (np.nanmean(items, axis=1) - 1) / 4 * 100
    return np.where(answered >= 3, score, np.nan)


# --------------------------------------------------------------------------------------------
# API, determinism, contract
# --------------------------------------------------------------------------------------------
def test_scenarios_and_errors():
    assert sim.SCENARIOS == ("paper_claims", "null", "pretrend")
    with pytest.raises(sim.SimulationParameterError, match="unknown scenario"):
        sim.simulate_tables("optimistic")
    with pytest.raises(sim.SimulationParameterError, match="unknown simulation parameter"):
        sim.simulate_tables("null", reform_year=2022)
    with pytest.raises(sim.SimulationParameterError, match="unknown key"):
        sim.simulate_tables("null", effects={"relevance": 1.0})
    with pytest.raises(sim.SimulationParameterError, match="reform_cohort"):
        sim.simulate_tables("null", reform_cohort=2017)
    assert issubclass(sim.SimulationParameterError, ValueError)


def test_same_seed_same_tables_other_seed_other_tables(runs):
    tables, truth = runs["paper_claims"]
    again, truth_again = sim.simulate_tables("paper_claims", seed=sim.DEFAULT_SEED)
    for name in RECORD_TABLES:
        pd.testing.assert_frame_equal(tables[name], again[name])
    assert truth == truth_again
    other, truth_other = sim.simulate_tables("paper_claims", seed=sim.DEFAULT_SEED + 1)
    assert not tables["graduates"].equals(other["graduates"])
    assert not tables["employer_ratings"].equals(other["employer_ratings"])
    assert truth_other["seed"] == sim.DEFAULT_SEED + 1


def test_scenarios_share_random_numbers(runs):
    """Common random numbers: with one seed the scenarios differ only through the effects."""
    a, b = runs["paper_claims"][0]["graduates"], runs["null"][0]["graduates"]
    for col in ("student_id", "major", "cohort", "destination", "order_class"):
        pd.testing.assert_series_equal(a[col], b[col])
    pre = a["cohort"].to_numpy() < 2022
    for col in ("job_related_to_major", "employer_in_cluster", "retraining_hours"):
        pd.testing.assert_series_equal(a.loc[pre, col], b.loc[pre, col])


@pytest.mark.parametrize("scenario", sim.SCENARIOS)
def test_exact_contract_columns_and_levels(runs, scenario):
    tables, _ = runs[scenario]
    assert sorted(tables) == sorted(RECORD_TABLES)
    for name, df in tables.items():
        assert list(df.columns) == schema.field_names(name), name
        for fname, fdesc in schema.fields(name).items():
            if fname not in df:  # only the optional columns (count, reform_year) may be absent
                assert fdesc.get("optional_column"), f"{name}.{fname} missing"
                continue
            enum = fdesc.get("constraints", {}).get("enum")
            if fdesc.get("categorical"):
                assert list(df[fname].cat.categories) == enum, fname
        for fname, fdesc in schema.fields(name).items():
            if fname in df and fdesc.get("constraints", {}).get("required"):
                assert df[fname].notna().all(), f"{name}.{fname} has missing values"


def test_design(runs):
    tables, truth = runs["paper_claims"]
    g = tables["graduates"]
    assert g["college"].nunique() == 1 and "Synthetic" in g["college"].iloc[0]
    assert any(ord(ch) > 0x4E00 for ch in g["college"].iloc[0])
    majors = g.groupby("major")["treated_major"].first()
    assert len(majors) == 8 and int(majors.sum()) == 3
    assert all(any(ord(ch) > 0x4E00 for ch in m) for m in majors.index)
    assert sorted(g["cohort"].unique()) == list(range(2017, 2026))
    sizes = g.groupby(["major", "cohort"]).size()
    assert len(sizes) == 8 * 9 and sizes.min() >= 40 and sizes.max() <= 120
    assert truth["design"]["reform_cohort"] == 2022
    # employers nest graduates; leading and SME tiers; several raters per employer
    assert g["employer_id"].nunique() > 50
    assert set(g["employer_tier"].dropna().unique()) == {"leading", "sme"}
    per_employer = g.dropna(subset=["employer_id"]).groupby("employer_id").size()
    assert per_employer.max() >= 20
    raters = tables["employer_ratings"].groupby("employer_id")["rater_id"].nunique()
    assert raters.max() >= 2


# --------------------------------------------------------------------------------------------
# cross-field and cross-table rules
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", sim.SCENARIOS)
def test_cross_field_rules(runs, scenario):
    tables, _ = runs[scenario]
    g = tables["graduates"]
    dest = g["destination"].astype(str)
    employed, employee = dest.isin(EMPLOYED), dest.isin(EMPLOYEES)
    assert g["student_id"].is_unique
    for col in ("job_related_to_major", "job_satisfaction", "employer_in_cluster", "work_region",
                "adaptation_months", "adaptation_reached", "left_within_6_months"):
        assert g.loc[~employed, col].isna().all(), col
    for col in ("employer_id", "employer_tier", "retraining_hours"):
        assert g.loc[~employee, col].isna().all(), col
    # employees always have an employer, its tier, cluster flag and region; self-employed none
    for col in ("employer_id", "employer_tier", "employer_in_cluster", "work_region"):
        assert g.loc[employee, col].notna().all(), col
    assert g.loc[dest == "self_employed", "employer_id"].isna().all()
    assert g.loc[dest == "self_employed", "adaptation_months"].isna().all()
    assert (g["adaptation_months"].isna() == g["adaptation_reached"].isna()).all()
    assert (g["adaptation_months"].dropna() >= 0).all()
    assert (g["retraining_hours"].dropna() >= 0).all()
    assert g["job_satisfaction"].dropna().between(1, 5).all()
    # cluster enterprises are local; employer attributes are the employer's, not the graduate's
    assert (g.loc[g["employer_in_cluster"].fillna(False), "work_region"] == "local").all()
    attrs = g.dropna(subset=["employer_id"]).groupby("employer_id")[
        ["employer_in_cluster", "employer_tier", "work_region"]].nunique()
    assert (attrs == 1).all().all()

    r = tables["employer_ratings"]
    assert r["rating_id"].is_unique
    employer_of = g.set_index("student_id")["employer_id"]
    assert r["student_id"].isin(g["student_id"]).all()
    assert (r["employer_id"].to_numpy() == employer_of.loc[r["student_id"]].to_numpy()).all()
    assert not r.duplicated(["student_id", "rater_id"]).any()
    for item in sim.RATING_ITEMS:
        assert r[item].dropna().between(1, 5).all()
    assert r["overall_satisfaction"].dropna().between(0, 5).all()
    # a rater belongs to one employer
    assert (r.groupby("rater_id")["employer_id"].nunique() == 1).all()

    e = tables["evaluations"]
    assert e["student_id"].isin(g["student_id"]).all()
    assert not e.duplicated(["student_id", "party", "evaluator_id", "dimension"]).any()
    assert e["score"].between(0, 100).all()
    assert set(e["party"].astype(str)) == {"school", "enterprise", "industry"}
    ent = e[e["party"] == "enterprise"].merge(g[["student_id", "destination"]], on="student_id")
    assert ent["destination"].astype(str).isin(EMPLOYEES).all()

    p = tables["programmes"]
    assert not p.duplicated(["college", "major", "year"]).any()
    assert (p["double_qualified_teachers"] <= p["specialised_teachers"]).all()
    assert (p["courses_co_developed"] <= p["courses_total"]).all()
    assert (p["order_class_students"] <= p["students_enrolled"]).all()
    numeric = p.columns[3:]
    assert (p[numeric] >= 0).all().all()


def test_tables_pass_the_contract_validation(runs, tmp_path):
    """The contract's own validator (schema.validate_tables) finds no problem."""
    from talentlab.data.io import read_table_text

    tables, _ = runs["pretrend"]
    raws = {}
    for name, df in tables.items():
        path = tmp_path / f"{name}.csv"
        path.write_bytes(sim.to_csv_bytes(df))
        raws[name] = read_table_text(path, name)
    typed, problems = schema.validate_tables(raws)
    assert problems == []
    for name in RECORD_TABLES:
        pd.testing.assert_frame_equal(typed[name], tables[name])


def test_programmes_show_the_reform(runs):
    p = runs["null"][0]["programmes"]
    treated = p["major"].isin(runs["null"][1]["design"]["treated_majors"])
    after = p["year"] >= 2021                     # reform inputs ramp up from 2019
    before = p["year"] <= 2018

    def share(mask, part, whole):
        return p.loc[mask, part].sum() / p.loc[mask, whole].sum()

    for part, whole in (("double_qualified_teachers", "specialised_teachers"),
                        ("courses_co_developed", "courses_total"),
                        ("order_class_students", "students_enrolled")):
        gain_t = share(treated & after, part, whole) - share(treated & before, part, whole)
        gain_c = share(~treated & after, part, whole) - share(~treated & before, part, whole)
        assert gain_t > gain_c + 0.10, part
    g = runs["null"][0]["graduates"]
    order = g.groupby([g["treated_major"], g["cohort"] >= 2022])["order_class"].mean()
    assert order[(True, True)] > 0.15 > order[(True, False)]


# --------------------------------------------------------------------------------------------
# calibration to the national figures
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["paper_claims", "null"])
def test_baselines_near_national_figures(runs, scenario):
    g = runs[scenario][0]["graduates"]
    dest = g["destination"].astype(str)
    pre = g["cohort"] < 2022
    ft = dest == "employed_full_time"
    # job-major relevance among the full-time employed: 62% (MyCOS 2018届)
    assert abs(np.nanmean(_f(g.loc[pre & ft, "job_related_to_major"])) - 0.62) < 0.05
    # six-month turnover among the employed: 42% (MyCOS 2017届, 2018届)
    assert abs(np.nanmean(_f(g.loc[pre & dest.isin(EMPLOYED), "left_within_6_months"]))
               - 0.42) < 0.04
    # employment rate (MyCOS): employed + military + further study over known destinations
    # excluding those preparing for further study: 92%
    base = dest.ne("unknown") & dest.ne("preparing_further_study")
    num = dest.isin(EMPLOYED + ["military", "further_study"])
    for cohorts in (g["cohort"] < 2022, g["cohort"] >= 2022):
        assert abs(num[base & cohorts].mean() - 0.92) < 0.02
    unknown = dest.eq("unknown").mean()
    assert 0.01 < unknown < 0.06
    # other plausible shares
    emp = dest.isin(EMPLOYED) & pre
    assert 0.15 < np.nanmean(_f(g.loc[emp, "employer_in_cluster"])) < 0.35
    assert 0.5 < (g.loc[emp, "work_region"] == "local").mean() < 0.7
    sat = g.loc[emp, "job_satisfaction"].dropna()
    assert 0.6 < sat.isin([4, 5]).mean() < 0.8


def test_further_study_rises_for_all_majors_alike(runs):
    g = runs["null"][0]["graduates"]
    known = g[g["destination"] != "unknown"]
    fs = (known["destination"] == "further_study")
    by_cohort = fs.groupby(known["cohort"]).mean()
    assert abs(by_cohort[2018] - 0.063) < 0.03          # MyCOS 2018届 6.3%
    assert abs(by_cohort[2022] - 0.201) < 0.04          # MyCOS 2022届 20.1%
    by_major = fs.groupby([known["major"], known["cohort"] >= 2022]).mean().unstack()
    assert (by_major[True] - by_major[False] > 0.06).all()
    # the same trend for treated and comparison majors: no DiD in further study
    did = simple_did(known, fs.to_numpy(dtype=float))
    assert abs(did) < 0.04


def test_later_cohorts_are_censored_more(runs):
    g = runs["paper_claims"][0]["graduates"]
    has = g.dropna(subset=["adaptation_reached"])
    censored = 1 - has.groupby("cohort")["adaptation_reached"].mean()
    assert censored[2025] > censored.loc[2017:2023].max() + 0.1
    assert 0.0 < censored.loc[2017:2021].mean() < 0.15      # only the random loss of contact


# --------------------------------------------------------------------------------------------
# planted effects and the truth
# --------------------------------------------------------------------------------------------
def test_truth_layout(runs):
    _, truth = runs["paper_claims"]
    assert json.loads(json.dumps(truth)) == truth
    for key in ("parameters", "design", "effects", "calibration_sources", "random_effects",
                "calibrated_intercepts", "realised_baselines", "seed", "scenario"):
        assert key in truth
    assert truth["data_origin"] == "synthetic"
    indicators = {c["indicator"] for c in truth["calibration_sources"]}
    assert {"employment_rate_6_months", "job_major_relevance", "turnover_6_months",
            "further_study_share"} <= indicators
    for name, eff in truth["effects"].items():
        assert {"scale", "att", "estimand", "population", "n_treated_post"} <= set(eff), name


def test_planted_effect_sizes(runs):
    e = runs["paper_claims"][1]["effects"]
    assert 12 < e["job_related_to_major"]["att"] < 18
    assert 12 < e["employer_in_cluster"]["att"] < 20
    assert e["adaptation"]["att"] == pytest.approx(np.log(1.5), abs=1e-6)
    assert e["adaptation"]["hazard_ratio"] == pytest.approx(1.5, abs=1e-6)
    assert 0 < e["adaptation"]["marginal_log_hazard_ratio"]["value"] < np.log(1.5)
    assert e["adaptation"]["median_months_difference_mean"] < 0
    assert e["retraining_hours"]["att"] == pytest.approx(-20.0, abs=0.5)
    assert 6 < e["recognition_score"]["att"] < 11
    assert e["evaluation_score_enterprise"]["att"] == pytest.approx(6.0, abs=0.3)
    assert e["left_within_6_months"]["att"] < 0
    for scenario in ("null", "pretrend"):  # no outcome effect; the reform's activities happen
        for name, eff in runs[scenario][1]["effects"].items():
            if eff.get("kind") != "activity":
                assert eff["att"] == 0.0, (scenario, name)
    # the pretrend scenario biases a naive DiD although the true effect is zero
    pt = runs["pretrend"][1]["effects"]
    assert pt["job_related_to_major"]["expected_simple_did"] > 10
    assert pt["employer_in_cluster"]["expected_simple_did"] > 10


@pytest.mark.parametrize("scenario", sim.SCENARIOS)
def test_activity_truth_is_planted_in_every_scenario(runs, scenario):
    """The reform's own outputs happen in every scenario; truth.json says how much, so that an
    activity verdict ("reported") can be scored, and the records show it."""
    tables, truth = runs[scenario]
    prog = tables["programmes"]
    treated = prog["major"].isin(truth["design"]["treated_majors"])
    for name in ("technical_service_projects", "sme_employees_trained"):
        eff = truth["effects"][name]
        assert eff["kind"] == "activity" and eff["implemented"] is True
        start = eff["first_reformed_year"]
        assert start == truth["design"]["reform_cohort"] - 3
        years = np.arange(start, truth["parameters"]["last_cohort"] + 1)
        ramp = np.clip((years - start + 1) / 3, 0, 1)  # phased in over three years
        assert eff["att"] == pytest.approx(truth["parameters"][f"{name}_reform"] * ramp.mean())
        # the planted increase is visible in a simple difference in differences of the records
        post = prog["year"] >= start
        y = prog[name].astype(float)
        did = ((y[treated & post].mean() - y[treated & ~post].mean())
               - (y[~treated & post].mean() - y[~treated & ~post].mean()))
        assert did == pytest.approx(eff["att"], rel=0.35)


def test_relevance_att_equals_mean_probability_difference():
    """Independent recomputation of the truth from the DGP's potential-outcome probabilities."""
    params = sim.scenario_parameters("paper_claims")
    run = Simulation(params, 5, spawn_streams(5))
    tables, truth = run.run()
    tp = run.ft & run.D
    expected = 100 * float(np.mean(run.p_rel1[tp] - run.p_rel0[tp]))
    assert truth["effects"]["job_related_to_major"]["att"] == pytest.approx(expected, abs=1e-5)
    # and the probabilities are what generated the data: realised frequency near the mean
    realised = tables["graduates"]["job_related_to_major"]
    mask = pd.Series(tp) & realised.notna()
    assert abs(np.mean(_f(realised[mask])) - np.mean(run.p_rel1[mask.to_numpy()])) < 0.05


@pytest.mark.parametrize("scenario", ["paper_claims", "null"])
def test_effects_visible_in_simple_means(runs, scenario):
    """2x2 DiD of observed means is near the truth (default seed)."""
    tables, truth = runs[scenario]
    g = tables["graduates"]
    dest = g["destination"].astype(str)
    e = truth["effects"]
    ft = g[dest == "employed_full_time"]
    did_rel = 100 * simple_did(ft, _f(ft["job_related_to_major"]))
    assert did_rel == pytest.approx(e["job_related_to_major"]["att"], abs=5.0)
    emp = g[dest.isin(EMPLOYED)]
    did_ic = 100 * simple_did(emp, _f(emp["employer_in_cluster"]))
    assert did_ic == pytest.approx(e["employer_in_cluster"]["att"], abs=5.0)
    r = tables["employer_ratings"].merge(g[["student_id", "cohort", "treated_major"]],
                                         on="student_id")
    did_rec = simple_did(r, recognition(r))
    assert did_rec == pytest.approx(e["recognition_score"]["att"], abs=3.0)
    ev = tables["evaluations"].merge(g[["student_id", "cohort", "treated_major"]],
                                     on="student_id")
    ent = ev[ev["party"] == "enterprise"]
    assert simple_did(ent, ent["score"].to_numpy()) == pytest.approx(
        e["evaluation_score_enterprise"]["att"], abs=2.0)
    if scenario == "paper_claims":
        assert did_rel > 8 and did_ic > 8 and did_rec > 4
    else:
        assert abs(did_rel) < 5 and abs(did_ic) < 5 and abs(did_rec) < 3


def test_simple_did_unbiased_over_seeds():
    """Across seeds, observed simple DiDs centre on the truth's expected simple DiD."""
    gaps = {"paper_claims": [], "null": []}
    for scenario in gaps:
        for seed in (11, 12, 13, 14):
            tables, truth = sim.simulate_tables(scenario, seed=seed)
            g = tables["graduates"]
            ft = g[g["destination"] == "employed_full_time"]
            observed = 100 * simple_did(ft, _f(ft["job_related_to_major"]))
            e = truth["effects"]["job_related_to_major"]
            gaps[scenario].append((observed - e["expected_simple_did"],
                                   e["expected_simple_did"] - e["att"]))
    for scenario, rows in gaps.items():
        rows = np.array(rows)
        assert abs(rows[:, 0].mean()) < 3.0, scenario     # sampling noise only
        assert abs(rows[:, 1].mean()) < 2.0, scenario     # parallel trends hold


def test_pretrend_scenario_breaks_parallel_trends(runs):
    """Before the reform the treated-minus-control gap rises in pretrend, not in null."""
    slopes = {}
    for scenario in ("pretrend", "null"):
        g = runs[scenario][0]["graduates"]
        ft = g[(g["destination"] == "employed_full_time") & (g["cohort"] < 2022)]
        y = _f(ft["job_related_to_major"])
        rate = pd.DataFrame({"y": y, "t": ft["treated_major"].to_numpy(dtype=bool),
                             "c": ft["cohort"].to_numpy(dtype=int)})
        cell = rate.groupby(["c", "t"])["y"].mean().unstack()
        gap = cell[True] - cell[False]
        slopes[scenario] = np.polyfit(gap.index.to_numpy(dtype=float), gap.to_numpy(), 1)[0]
    assert slopes["pretrend"] > 0.03                   # > 3 pp per cohort before the reform
    assert abs(slopes["null"]) < 0.02
    trend = runs["pretrend"][1]["parameters"]["treated_trend"]["relevance_logit"]
    assert trend > 0 and runs["null"][1]["parameters"]["treated_trend"]["relevance_logit"] == 0


def test_overrides_change_the_design():
    tables, truth = sim.simulate_tables("null", seed=3, reform_cohort=2020,
                                        effects={"relevance_logit": 1.0})
    assert truth["design"]["reform_cohort"] == 2020
    assert truth["parameters"]["effects"]["relevance_logit"] == 1.0
    assert truth["effects"]["job_related_to_major"]["att"] > 15
    assert truth["effects"]["employer_in_cluster"]["att"] == 0.0


# --------------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------------
def _requires_datapackage():
    if getattr(schema, "write_datapackage", None) is None:
        pytest.skip("talentlab.data.schema.write_datapackage is not available yet")


def test_generate_writes_byte_identical_files(tmp_path):
    _requires_datapackage()
    a = sim.generate("paper_claims", seed=7, out_dir=tmp_path / "a")
    b = sim.generate("paper_claims", seed=7, out_dir=tmp_path / "b")
    names = sorted(p.name for p in a.iterdir())
    assert names == ["datapackage.json", "employer_ratings.csv", "evaluations.csv",
                     "graduates.csv", "programmes.csv", "truth.json"]
    assert names == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    # regenerating into an existing folder gives the same bytes and leaves no temp folder
    before = {n: (a / n).read_bytes() for n in names}
    sim.generate("paper_claims", seed=7, out_dir=a)
    assert {n: (a / n).read_bytes() for n in names} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b"]
    assert (a.stat().st_mode & 0o755) == 0o755          # readable folder, not mkdtemp's 0700
    total = sum((a / n).stat().st_size for n in names)
    assert total < 3_000_000


def test_generator_reproduces_the_shipped_data(tmp_path):
    """``make data`` would rewrite data/raw/synthetic with exactly the committed bytes.

    Guards the order in which the engine consumes its random streams: any change to it (or to
    the DGP, the CSV/JSON formatting or numpy's generators) shows here, and then the shipped
    data must be regenerated with ``make data`` on purpose.
    """
    _requires_datapackage()
    shipped = SYNTHETIC_DIR
    if not (shipped / "SHA256SUMS").exists():
        pytest.skip(f"no shipped synthetic data at {shipped}")
    lines = []
    for scenario in sim.ALL_SCENARIOS:
        out = sim.generate(scenario, seed=sim.DEFAULT_SEED, out_dir=tmp_path / scenario)
        assert sorted(p.name for p in out.iterdir()) == sorted(
            p.name for p in (shipped / scenario).iterdir())
        for path in sorted(out.iterdir()):
            assert path.read_bytes() == (shipped / scenario / path.name).read_bytes(), (
                f"{scenario}/{path.name} differs from the shipped file")
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            lines.append(f"{digest}  ./{scenario}/{path.name}\n")
    # the checksum file as the Makefile writes it (paths sorted bytewise, LC_ALL=C)
    lines.sort(key=lambda line: line.split("  ", 1)[1].encode())
    assert "".join(lines) == (shipped / "SHA256SUMS").read_text(encoding="utf-8")


def test_generated_files_format_and_round_trip(tmp_path):
    _requires_datapackage()
    import talentlab

    out = sim.generate("null", seed=9, out_dir=tmp_path / "null")
    raw = (out / "graduates.csv").read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r" not in raw
    text = raw.decode("utf-8")
    assert "集成电路设计" in text and "合成数据示例院校" in text
    lines = text.splitlines()
    assert lines[0].split(",") == schema.field_names("graduates")
    assert {line.split(",")[4] for line in lines[1:]} == {"true", "false"}  # treated_major
    assert "True" not in text and "nan" not in text and "<NA>" not in text
    truth_text = (out / "truth.json").read_text(encoding="utf-8")
    truth = json.loads(truth_text)
    assert truth_text == json.dumps(truth, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    descriptor = json.loads((out / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["data_origin"] == "synthetic"
    assert descriptor["scenario"] == "null" and descriptor["seed"] == 9
    assert descriptor["generator"] == "talentlab.simulate"
    data = talentlab.load_all(out)
    assert data.is_synthetic
    tables, truth_mem = sim.simulate_tables("null", seed=9)
    assert truth == truth_mem
    for name in RECORD_TABLES:
        pd.testing.assert_frame_equal(getattr(data, name), tables[name])


def test_generate_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    _requires_datapackage()
    out = sim.generate("null", seed=1, out_dir=tmp_path / "data")
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(schema, "write_datapackage", broken)
    with pytest.raises(OSError, match="disk full"):
        sim.generate("paper_claims", seed=2, out_dir=out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    with pytest.raises(OSError):
        sim.generate("paper_claims", seed=2, out_dir=tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_csv_formatting_of_missing_and_floats():
    df = pd.DataFrame({
        "a": pd.array([True, None, False], dtype="boolean"),
        "adaptation_months": [1.25, np.nan, 3.0],
        "retraining_hours": [10.0, 0.0, np.nan],
        "n": pd.array([1, None, 3], dtype="Int64"),
        "s": pd.array(["x", None, "专业"], dtype="string"),
    })
    text = sim.to_csv_bytes(df).decode("utf-8")
    assert text == ("a,adaptation_months,retraining_hours,n,s\n"
                    "true,1.2,10,1,x\n"
                    ",,0,,\n"
                    "false,3,,3,专业\n")

