"""Scenario definitions: the design constants, every parameter of the DGP and the three scenarios.

:func:`scenario_parameters` returns the full, checked parameter set of a scenario with overrides
applied; everything the engine draws is governed by it, and all of it is recorded in
``truth.json`` (``truth["parameters"]``).
"""

from __future__ import annotations

import copy

import numpy as np

#: The one-college scenarios with one reform date (the shipped default data and its controls).
SCENARIOS = ("paper_claims", "null", "pretrend")
#: Scenarios with several colleges whose majors are reformed in different years.
STAGGERED_SCENARIOS = ("staggered",)
#: Every scenario the engine generates, in the order they are listed and shipped.
ALL_SCENARIOS = SCENARIOS + STAGGERED_SCENARIOS
DEFAULT_SEED = 20240601
GENERATOR = "talentlab.simulate"
GENERATOR_VERSION = "1.0.0"

COLLEGE = "Synthetic Polytechnic A (合成数据示例院校)"

#: Majors: name, reformed or not, baseline share of the employed working in cluster enterprises,
#: and the typical size of a graduating cohort.
MAJORS = (
    {"major": "IC Design (集成电路设计)", "treated": True, "cluster_share": 0.35, "size": 80},
    {"major": "IC Layout (集成电路版图设计)", "treated": True, "cluster_share": 0.33, "size": 60},
    {"major": "Chip Testing (芯片测试)", "treated": True, "cluster_share": 0.38, "size": 70},
    {"major": "Applied Electronics (应用电子技术)", "treated": False, "cluster_share": 0.28,
     "size": 90},
    {"major": "Mechatronics (机电一体化技术)", "treated": False, "cluster_share": 0.20,
     "size": 100},
    {"major": "Software Technology (软件技术)", "treated": False, "cluster_share": 0.18,
     "size": 95},
    {"major": "Logistics Management (物流管理)", "treated": False, "cluster_share": 0.08,
     "size": 70},
    {"major": "E-commerce (电子商务)", "treated": False, "cluster_share": 0.10, "size": 75},
)

RATING_ITEMS = ("practical_skill", "post_adaptability", "professional_quality",
                "problem_solving", "learning_ability")
PARTIES = ("school", "enterprise", "industry")
EVALUATION_DIMENSIONS = ("practical_skill", "professional_quality", "innovation_ability")


class SimulationParameterError(ValueError):
    """An unknown scenario or parameter, or a parameter outside its allowed range."""


# --------------------------------------------------------------------------------------------
# parameters
# --------------------------------------------------------------------------------------------
_EFFECT_KEYS = ("relevance_logit", "in_cluster_logit", "adaptation_log_hr", "retraining_hours",
                "recognition_latent", "evaluation_school_points", "evaluation_enterprise_points",
                "evaluation_industry_points", "certificate_logit")

BASE_PARAMETERS: dict = {
    "college": COLLEGE,
    "majors": [dict(m) for m in MAJORS],
    "first_cohort": 2017,
    "last_cohort": 2025,
    "reform_cohort": 2022,
    "cohort_size_min": 40,
    "cohort_size_max": 120,
    "cohort_size_growth": 0.03,          # per year, log scale
    "cohort_size_sd": 0.10,              # log scale, per major x cohort
    "graduation_month": 7,               # graduation on 1 July of the cohort year
    "survey_year": 2026,                 # one tracking survey, mid January of this year
    "survey_month": 1.5,
    "ability_sd": 1.0,
    # destinations (shares of known destinations)
    "unknown_destination_share": 0.03,
    "further_study_share": {"2017": 0.054, "2018": 0.063, "2019": 0.076, "2020": 0.118,
                            "2021": 0.159, "2022": 0.201, "2023": 0.21, "2024": 0.22,
                            "2025": 0.22},
    "further_study_ability_logit": 0.5,
    "employment_rate_target": 0.92,
    "preparing_further_study_share": 0.012,
    "military_share": 0.010,
    "part_time_share": 0.020,
    "self_employed_share": 0.035,
    "not_employed_ability_logit": -0.4,
    # job outcomes
    "relevance_full_time_target": 0.62,
    "relevance_ability_logit": 0.4,
    "relevance_part_time_logit": -0.6,
    "relevance_self_employed_logit": -0.3,
    "in_cluster_ability_logit": 0.15,
    # secular cluster growth, the same for all majors on the probability scale (a common logit
    # trend would NOT be parallel in percentage points for majors with different baselines)
    "in_cluster_secular_trend": 0.01,          # per cohort, probability scale
    "non_cluster_region_shares": {"local": 0.47, "province": 0.40, "elsewhere": 0.13},
    "leading_tier_share": 0.25,
    "leading_tier_ability_logit": 0.3,
    "turnover_target": 0.42,
    "turnover_related_logit": -0.5,
    "turnover_leading_logit": -0.4,
    "turnover_ability_logit": -0.2,
    "job_satisfaction_related": 0.5,
    "job_satisfaction_ability": 0.3,
    "job_satisfaction_cutpoints": [-1.9, -1.3, -0.35, 1.05],
    "adaptation_median_months": 4.0,
    "adaptation_weibull_shape": 1.6,
    "adaptation_ability_log_hr": 0.25,
    "adaptation_leading_log_hr": 0.10,
    "job_start_delay_mean_months": 1.0,
    "adaptation_lost_to_follow_up": 0.05,
    "retraining_mean_hours": 80.0,
    "retraining_leading_hours": 20.0,
    "retraining_ability_hours": -8.0,
    "retraining_gamma_shape": 4.0,
    "retraining_min_mean_hours": 5.0,
    "certificate_target": 0.50,
    "certificate_ability_logit": 0.5,
    "certificate_secular_trend": 0.012,        # per cohort, probability scale, all majors
    "order_class_share": {"control": 0.03, "treated_pre": 0.03,
                          "treated_post": [0.15, 0.25, 0.30]},
    # random effects (standard deviations)
    "random_effect_sd": {
        "not_employed_major": 0.20, "not_employed_cell": 0.10,
        # binary outcomes: major effects on the logit scale; cohort and major x cohort shocks
        # ("_prob") added on the probability scale so that common shocks stay parallel in pp
        "relevance_major": 0.30, "relevance_cohort_prob": 0.02, "relevance_cell_prob": 0.02,
        "in_cluster_major": 0.15, "in_cluster_cohort_prob": 0.015,
        "in_cluster_cell_prob": 0.015,
        "turnover_major": 0.15, "turnover_cohort": 0.05, "turnover_cell": 0.05,
        "adaptation_major": 0.15, "adaptation_cohort": 0.05, "adaptation_employer": 0.20,
        "retraining_major": 6.0, "retraining_cohort": 3.0, "retraining_cell": 1.0,
        "retraining_employer": 12.0,
        "certificate_major": 0.30, "certificate_cohort_prob": 0.015,
        "rating_major": 0.15, "rating_cohort": 0.05, "rating_cell": 0.05,
        "rating_employer": 0.30, "rating_rater": 0.30,
        "evaluation_major": 2.0, "evaluation_cohort": 1.0, "evaluation_evaluator": 3.0,
    },
    # item non-response (missing completely at random)
    "nonresponse": {
        "job_related_to_major": 0.03, "job_satisfaction": 0.05, "left_within_6_months": 0.02,
        "adaptation": 0.04, "retraining_hours": 0.08, "industry_certificate": 0.04,
        "rating_item": 0.03, "would_hire_again": 0.05, "overall_cannot_evaluate": 0.03,
    },
    # employers and ratings
    "employers_per_pool": {"cluster_leading": 8, "cluster_sme": 40, "local_leading": 6,
                           "local_sme": 45, "province_leading": 6, "province_sme": 40,
                           "elsewhere_leading": 4, "elsewhere_sme": 25},
    "employer_size_sd": 0.8,
    "raters_per_employer_poisson": 1.2,
    "raters_per_employer_max": 5,
    "employer_rating_participation": 0.75,
    "graduate_rated_share": 0.85,
    "second_rater_share": 0.40,
    "rating_intercept": 0.55,
    "rating_ability": 0.5,
    "rating_item_sd": 0.8,
    "rating_item_intercepts": {"practical_skill": 0.10, "post_adaptability": 0.0,
                               "professional_quality": 0.15, "problem_solving": -0.15,
                               "learning_ability": -0.10},
    "rating_cutpoints": [-1.6, -0.7, 0.3, 1.4],
    "overall_cutpoints": [-1.8, -1.0, -0.2, 1.3],
    "would_hire_intercept": 1.0,
    "would_hire_slope": 1.5,
    # three-party evaluation
    "evaluation_sample_share": 0.40,
    "evaluation_industry_share": 0.50,
    "evaluation_mean": 70.0,
    "evaluation_ability_points": 7.0,
    "evaluation_noise_sd": 6.0,
    "evaluation_party_offset": {"school": 4.0, "enterprise": 0.0, "industry": -2.0},
    "evaluation_dimension_offset": {"practical_skill": 0.0, "professional_quality": 2.0,
                                    "innovation_ability": -4.0},
    "school_evaluators_per_major": 3,
    "industry_evaluators": 6,
    # programmes (one row per major x academic year; reform inputs start 3 years before the
    # first reformed cohort graduates and ramp up over 3 years)
    "programme_first_year": 2014,
    "students_per_teacher": 18.0,
    "dropout_share": 0.05,
    "double_qualified_share": 0.45,
    "double_qualified_trend": 0.01,
    "double_qualified_reform": 0.25,
    "part_time_teachers": 3.0,
    "part_time_teachers_reform": 8.0,
    "co_developed_share": 0.10,
    "co_developed_reform": 0.30,
    "technical_service_projects": 1.5,
    "technical_service_projects_reform": 6.0,
    "sme_employees_trained": 20.0,
    "sme_employees_trained_reform": 200.0,
    # planted effects (at the reform) and treated-specific linear trends (per cohort)
    "effects": dict.fromkeys(_EFFECT_KEYS, 0.0),
    "treated_trend": dict.fromkeys(_EFFECT_KEYS, 0.0),
}

SCENARIO_SETTINGS: dict[str, dict] = {
    "paper_claims": {
        "description": "The reformed majors improve after the reform, as the paper claims.",
        "effects": {"relevance_logit": 0.75, "in_cluster_logit": 0.70,
                    "adaptation_log_hr": float(np.log(1.5)), "retraining_hours": -20.0,
                    "recognition_latent": 0.42, "evaluation_school_points": 1.5,
                    "evaluation_enterprise_points": 6.0, "evaluation_industry_points": 3.0,
                    "certificate_logit": 0.60},
    },
    "null": {
        "description": "The reform is implemented (order classes, programme inputs) but changes "
                       "no outcome; secular trends as in the other scenarios.",
    },
    "pretrend": {
        "description": "No effect at the reform, but the reformed majors improve along a linear "
                       "trend over all cohorts (zero in the cohort before the reform): parallel "
                       "trends fail and a naive DiD is biased.",
        "treated_trend": {"relevance_logit": 0.25, "in_cluster_logit": 0.20,
                          "adaptation_log_hr": 0.08, "retraining_hours": -4.0,
                          "recognition_latent": 0.10, "evaluation_school_points": 0.4,
                          "evaluation_enterprise_points": 1.5,
                          "evaluation_industry_points": 0.8, "certificate_logit": 0.15},
    },
}


# --------------------------------------------------------------------------------------------
# the staggered scenario: several colleges, reforms in different years
# --------------------------------------------------------------------------------------------
#: The colleges of the staggered scenario, all named as synthetic.
STAGGERED_COLLEGES = tuple(f"Synthetic Polytechnic {latin} (合成数据示例院校{zh})"
                           for latin, zh in zip("ABCDE", "甲乙丙丁戊", strict=True))

#: Which college reformed which major in which graduation cohort (None: never reformed). Each
#: adoption year has majors at several colleges, and every reformed kind of major is also found
#: unreformed or reformed later at another college, so comparisons exist within a kind of major.
STAGGERED_REFORMS = {
    "A": {"IC Design (集成电路设计)": 2018, "IC Layout (集成电路版图设计)": 2018,
          "Chip Testing (芯片测试)": 2020, "Applied Electronics (应用电子技术)": 2022,
          "Mechatronics (机电一体化技术)": None, "Software Technology (软件技术)": None},
    "B": {"IC Design (集成电路设计)": 2018, "IC Layout (集成电路版图设计)": 2020,
          "Chip Testing (芯片测试)": 2020, "Applied Electronics (应用电子技术)": 2022,
          "Software Technology (软件技术)": 2022, "Logistics Management (物流管理)": None},
    "C": {"IC Design (集成电路设计)": 2020, "IC Layout (集成电路版图设计)": 2020,
          "Chip Testing (芯片测试)": 2022, "Mechatronics (机电一体化技术)": 2018,
          "Software Technology (软件技术)": None, "E-commerce (电子商务)": 2022},
    "D": {"IC Design (集成电路设计)": 2022, "IC Layout (集成电路版图设计)": 2022,
          "Chip Testing (芯片测试)": 2018, "Applied Electronics (应用电子技术)": 2020,
          "Mechatronics (机电一体化技术)": None, "Logistics Management (物流管理)": 2020},
    "E": {"IC Design (集成电路设计)": 2018, "IC Layout (集成电路版图设计)": None,
          "Chip Testing (芯片测试)": 2020, "Software Technology (软件技术)": 2022,
          "Logistics Management (物流管理)": None, "E-commerce (电子商务)": None},
}

#: Typical cohort of a major at one of the staggered scenario's colleges, as a share of the
#: one-college scenario's size (five smaller colleges; keeps each file under 5 MiB).
STAGGERED_SIZE_FACTOR = 0.6


def _staggered_units() -> list[dict]:
    """The college x major units of the staggered scenario, college by college."""
    base = {m["major"]: m for m in MAJORS}
    units = []
    for college, (letter, reforms) in zip(STAGGERED_COLLEGES, STAGGERED_REFORMS.items(),
                                          strict=True):
        assert college.startswith(f"Synthetic Polytechnic {letter} ")
        for major, year in reforms.items():
            units.append({"college": college, "major": major, "reform_year": year,
                          "treated": year is not None,
                          "cluster_share": base[major]["cluster_share"],
                          "size": int(round(base[major]["size"] * STAGGERED_SIZE_FACTOR))})
    return units


def _staggered_base() -> dict:
    """Every parameter of the staggered scenario: the one-college parameters, with several
    colleges, unit-specific reform years and effects that differ by adoption year and grow
    with exposure."""
    params = copy.deepcopy(BASE_PARAMETERS)
    del params["college"]
    params.update({
        "colleges": list(STAGGERED_COLLEGES),
        "majors": _staggered_units(),
        "first_cohort": 2015,
        "reform_cohort": None,        # no single date: each unit has its reform_year
        "cohort_size_min": 25,
        "cohort_size_max": 90,
        "programme_first_year": 2012,
        # one employer market for the five colleges of a region: larger pools
        "employers_per_pool": {k: 2 * v for k, v in BASE_PARAMETERS["employers_per_pool"].items()},
        # the planted effect of a reformed unit in cohort t is effects[k] times
        # adoption_effect_scale[reform year] times (1 + exposure_growth * (t - reform year))
        "adoption_effect_scale": {"2018": 1.3, "2020": 1.0, "2022": 0.7},
        "exposure_growth": 0.15,
    })
    # 2015 and 2016 before the published series: ASSUMED, below 2017's 5.4 %
    params["further_study_share"] = {"2015": 0.045, "2016": 0.05,
                                     **BASE_PARAMETERS["further_study_share"]}
    return params


STAGGERED_SETTINGS: dict[str, dict] = {
    "staggered": {
        "description": "Five colleges; 22 of their 30 college x major units are reformed, from "
                       "graduation cohort 2018, 2020 or 2022 (8 never): the reform improves the "
                       "reformed majors' outcomes, more in earlier-adopting units and more the "
                       "longer a unit has been reformed (a staggered design with heterogeneous, "
                       "growing effects, where two-way fixed effects are biased).",
        "effects": {"relevance_logit": 0.5, "in_cluster_logit": 0.45,
                    "adaptation_log_hr": 0.25, "retraining_hours": -12.0,
                    "recognition_latent": 0.3, "evaluation_school_points": 1.0,
                    "evaluation_enterprise_points": 4.0, "evaluation_industry_points": 2.0,
                    "certificate_logit": 0.4},
    },
}


def scenario_parameters(scenario: str = "paper_claims", **overrides) -> dict:
    """The full parameter set of a scenario, with ``overrides`` applied.

    Overrides replace top-level parameters; dictionaries (``effects``, ``treated_trend``,
    ``random_effect_sd``, ``nonresponse``, ...) are merged key by key. Unknown names raise
    :class:`SimulationParameterError`.

    Examples
    --------
    >>> p = scenario_parameters("null", reform_cohort=2021, effects={"relevance_logit": 1.0})
    >>> p["reform_cohort"], p["effects"]["relevance_logit"], p["effects"]["in_cluster_logit"]
    (2021, 1.0, 0.0)
    """
    if scenario not in ALL_SCENARIOS:
        raise SimulationParameterError(
            f"unknown scenario {scenario!r}; choose one of {', '.join(ALL_SCENARIOS)}")
    if scenario in STAGGERED_SCENARIOS:
        params, setting = _staggered_base(), STAGGERED_SETTINGS[scenario]
    else:
        params, setting = copy.deepcopy(BASE_PARAMETERS), SCENARIO_SETTINGS[scenario]
    params["scenario"] = scenario
    params["scenario_description"] = setting["description"]
    for key in ("effects", "treated_trend"):
        params[key].update(setting.get(key, {}))
    for name, value in overrides.items():
        if name not in params:
            raise SimulationParameterError(
                f"unknown simulation parameter {name!r} (known: {', '.join(sorted(params))})")
        if isinstance(params[name], dict) and name not in ("further_study_share",
                                                            "adoption_effect_scale"):
            if not isinstance(value, dict):
                raise SimulationParameterError(f"parameter {name!r} must be a dict")
            unknown = set(value) - set(params[name])
            if unknown:
                raise SimulationParameterError(
                    f"unknown key(s) {sorted(unknown)} for parameter {name!r} "
                    f"(known: {', '.join(sorted(params[name]))})")
            params[name].update(copy.deepcopy(value))
        else:
            params[name] = copy.deepcopy(value)
    _check_parameters(params)
    return params


def _check_parameters(p: dict) -> None:
    first, last, reform = p["first_cohort"], p["last_cohort"], p["reform_cohort"]
    if reform is None and "colleges" in p:
        reform = _check_staggered(p)
    if not (isinstance(first, int) and isinstance(last, int) and isinstance(reform, int)):
        raise SimulationParameterError("first_cohort, last_cohort and reform_cohort must be int")
    if not 2000 <= first < last <= 2035:
        raise SimulationParameterError(
            f"cohorts must satisfy 2000 <= first_cohort < last_cohort <= 2035, got {first}-{last}")
    if not first < reform <= last:
        raise SimulationParameterError(
            f"reform_cohort must lie in ({first}, {last}], got {reform}")
    if p["survey_year"] <= last:
        raise SimulationParameterError("survey_year must come after last_cohort")
    if not 1 <= p["cohort_size_min"] <= p["cohort_size_max"]:
        raise SimulationParameterError("need 1 <= cohort_size_min <= cohort_size_max")
    fs = p["further_study_share"]
    missing = [c for c in range(first, last + 1) if str(c) not in fs]
    if missing:
        raise SimulationParameterError(f"further_study_share lacks cohorts {missing}")
    majors = p["majors"]
    if not majors or not any(m["treated"] for m in majors) or all(m["treated"] for m in majors):
        raise SimulationParameterError("need at least one treated and one comparison major")
    if len({(m.get("college"), m["major"]) for m in majors}) != len(majors):
        raise SimulationParameterError("major names must be unique (within a college)")
    shares = p["non_cluster_region_shares"]
    if abs(sum(shares.values()) - 1) > 1e-9:
        raise SimulationParameterError("non_cluster_region_shares must sum to 1")
    for name in ("unknown_destination_share", "employment_rate_target",
                 "relevance_full_time_target", "turnover_target", "leading_tier_share",
                 "certificate_target", "evaluation_sample_share"):
        if not 0 < p[name] < 1:
            raise SimulationParameterError(f"{name} must lie strictly between 0 and 1")


def _check_staggered(p: dict) -> int:
    """Checks of the staggered scenario's units; returns its earliest reform year (checked
    against the cohorts like a single reform cohort)."""
    first, last = p["first_cohort"], p["last_cohort"]
    units = p["majors"]
    colleges = set(p["colleges"])
    for u in units:
        year = u.get("reform_year")
        if u.get("college") not in colleges:
            raise SimulationParameterError(f"unit {u.get('major')!r}: college "
                                           f"{u.get('college')!r} is not in colleges")
        if year is not None and (not isinstance(year, int) or not first < year <= last):
            raise SimulationParameterError(
                f"{u['college']} / {u['major']}: reform_year must be None or an int in "
                f"({first}, {last}], got {year!r}")
        if u.get("treated") != (year is not None):
            raise SimulationParameterError(
                f"{u['college']} / {u['major']}: treated must be true iff reform_year is given")
        if str(year) not in p["adoption_effect_scale"] and year is not None:
            raise SimulationParameterError(f"adoption_effect_scale lacks reform year {year}")
    if len({(u["college"], u["major"]) for u in units}) != len(units):
        raise SimulationParameterError("college x major units must be unique")
    years = [u["reform_year"] for u in units if u["reform_year"] is not None]
    if not years or len(years) == len(units):
        raise SimulationParameterError("need reformed and never-reformed units")
    if p["exposure_growth"] < 0:
        raise SimulationParameterError("exposure_growth must be >= 0")
    if p["programme_first_year"] > min(years) - 3:
        raise SimulationParameterError(
            "programme_first_year must be at least 3 years before the earliest reform year")
    return min(years)
