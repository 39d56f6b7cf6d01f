"""Synthetic scenario engine: the shipped default data, with known truth.

The paper publishes no microdata, so talentlab ships synthetic records that fill the data contract
(:mod:`talentlab.data.schema`) and whose data-generating process (DGP) is written down in ``truth.json``:
every parameter, every realised random effect and every planted effect on the scale the evaluation
estimates. An evaluation run on these files can therefore be checked against the truth.

Design (issue 2, section 5)
---------------------------
* One focal college, a synthetic stand-in for the Zhuhai case, named as synthetic
  (``Synthetic Polytechnic A (合成数据示例院校)``).
* Eight majors: three reformed integrated-circuit majors (``treated_major``) and five comparison
  majors; graduation cohorts 2017-2025; the reform reaches the cohorts from ``reform_cohort``
  (2022) on. 40-120 graduates per major and cohort.
* Graduates have a latent ability; majors have random effects, cohorts common shocks and
  major x cohort cells their own shocks, so inference must cluster by major.
* Employees are nested in employers (leading firms and SMEs, in and outside the regional cluster)
  with employer random effects; each employer has a few raters; ratings and the enterprise party
  of the three-party evaluation come from those raters.
* Adaptation times (months to independent work) are Weibull proportional-hazards times, censored
  at the survey date (January after the last cohort, so later cohorts are censored more) or at an
  earlier loss of contact (5%, independent of everything).
* A few percent unknown destinations and item non-response (missing completely at random).

Baselines are calibrated to published national figures for higher vocational (高职) graduates
(``truth["calibration_sources"]``; ``../shared/research/indicators.md`` section b): employment
about 92%, job-major relevance about 62% of the full-time employed, six-month turnover about 42%,
further study rising from about 6% (2018) to about 20% (2022) for all majors alike.

Scenarios
---------
``paper_claims``
    After the reform the reformed majors improve: relevance (+~15 pp), in-cluster employment
    (+~15 pp), faster adaptation (hazard ratio 1.5), fewer retraining hours (-20 h), higher
    enterprise recognition (+~8 points on 0-100), better three-party scores and more industry
    certificates.
``null``
    The reform happens (order classes, programme inputs) but changes no outcome.
``pretrend``
    No effect at the reform, but the reformed majors improve along a linear trend over all cohorts
    (parallel trends fail; a naive DiD finds a spurious "effect").

All scenarios share the random numbers for a given seed (common random numbers): they differ only
where the planted effects differ.

Examples
--------
>>> from talentlab.simulate import simulate_tables
>>> tables, truth = simulate_tables("null", seed=1)
>>> sorted(tables)
['employer_ratings', 'evaluations', 'graduates', 'programmes']
>>> truth["effects"]["job_related_to_major"]["att"]
0.0
"""

from __future__ import annotations

import copy
import io as _io
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit, logit, ndtr

from talentlab.data import schema
from talentlab.data.schema import EMPLOYED, EMPLOYEES

__all__ = [
    "DEFAULT_SEED",
    "SCENARIOS",
    "SimulationParameterError",
    "generate",
    "scenario_parameters",
    "simulate_tables",
]

SCENARIOS = ("paper_claims", "null", "pretrend")
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

#: Published figures the baselines are calibrated to (indicators.md section b; quality S =
#: secondary source quoting the named report).
CALIBRATION_SOURCES = [
    {
        "indicator": "employment_rate_6_months",
        "value": 0.92,
        "published": "高职 2017届 92.1%, 2018届 92.0% (MyCOS 就业蓝皮书)",
        "source": "tengyi66.com (2020 report); zhwsqm.tw (多知网 2019-06-10); 00-edu.com",
        "quality": "S",
        "used_for": "target of (employed + military + further study) / (known destinations - "
                    "preparing further study), every cohort",
    },
    {
        "indicator": "destination_shares",
        "value": {"employed_full_time": 0.808, "employed_part_time": 0.020,
                  "self_employed": 0.038, "further_study": 0.054},
        "published": "高职 2017届: full time 80.8%, part time 2.0%, self-employed 3.8%, 读本科 5.4%",
        "source": "tengyi66.com; jizihe.com 2019/0717",
        "quality": "S",
        "used_for": "shares of part-time and self-employment; full time is the remainder",
    },
    {
        "indicator": "job_major_relevance",
        "value": 0.62,
        "published": "高职 2018届 62% of the full-time employed (2011届 60%)",
        "source": "中新网 2019-06-10 via zc8013.com; hjenglish.com/gaokaozhiyuan/p402936",
        "quality": "S",
        "used_for": "pre-reform relevance among the full-time employed (logit intercept)",
    },
    {
        "indicator": "turnover_6_months",
        "value": 0.42,
        "published": "高职 2017届 42%, 2018届 42% (2013届, 2015届 43%)",
        "source": "jizihe.com 2019/0717; 中新网 2019-11-14 via jiangsulong.com / paituo.cc",
        "quality": "S",
        "used_for": "pre-reform six-month turnover among the employed (logit intercept)",
    },
    {
        "indicator": "further_study_share",
        "value": {"2017": 0.054, "2018": 0.063, "2019": 0.076, "2022": 0.201},
        "published": "高职 读本科 5.4% (2017届), 6.3% (2018届), 7.6% (2019届), 20.1% (2022届)",
        "source": "tengyi66.com; zhwsqm.tw; iter01.com; pishu.com.cn ImageDetail 14685962",
        "quality": "S",
        "used_for": "secular further-study trend, the same for every major; 2020 and 2021 "
                    "interpolated, 2023-2025 assumed (UNVERIFIED)",
    },
    {
        "indicator": "job_satisfaction",
        "value": 0.70,
        "published": "专科 job satisfaction 63% -> 72% (2016-2021), 智联招聘, not MyCOS",
        "source": "中国青年报 2023-04-03 via mofangge.com",
        "quality": "S",
        "used_for": "order of magnitude of the job_satisfaction top box (4-5)",
    },
    {
        "indicator": "employer_satisfaction",
        "value": 0.721,
        "published": "NCVER SEUV 2019: employers satisfied with vocational qualifications 72.1%",
        "source": "ncver.edu.au (international analogue; no Chinese national figure found)",
        "quality": "P",
        "used_for": "order of magnitude of the overall_satisfaction top box (4-5)",
    },
    {
        "indicator": "work_region",
        "value": 0.92,
        "published": "Guangdong 本科 graduates employed inside Guangdong 92%",
        "source": "gzgddi.com",
        "quality": "S",
        "used_for": "most graduates stay in the province (local + province ~ 89%)",
    },
    {
        "indicator": "adaptation_period",
        "value": None,
        "published": "none: '上岗适应期长' only, no number (indicators.md b4)",
        "source": "pishu contentId=12412906 (abstract)",
        "quality": "none",
        "used_for": "median 4 months is an ASSUMPTION",
    },
    {
        "indicator": "retraining_hours",
        "value": None,
        "published": "none (indicators.md row 9)",
        "source": "exmoo.com/article/220197 (qualitative only)",
        "quality": "none",
        "used_for": "mean 80 hours is an ASSUMPTION",
    },
]
CALIBRATION_REFERENCE = "../shared/research/indicators.md, section (b) calibration table"


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
    if scenario not in SCENARIOS:
        raise SimulationParameterError(
            f"unknown scenario {scenario!r}; choose one of {', '.join(SCENARIOS)}")
    params = copy.deepcopy(BASE_PARAMETERS)
    setting = SCENARIO_SETTINGS[scenario]
    params["scenario"] = scenario
    params["scenario_description"] = setting["description"]
    for key in ("effects", "treated_trend"):
        params[key].update(setting.get(key, {}))
    for name, value in overrides.items():
        if name not in params:
            raise SimulationParameterError(
                f"unknown simulation parameter {name!r} (known: {', '.join(sorted(params))})")
        if isinstance(params[name], dict) and name not in ("further_study_share",):
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
    if len({m["major"] for m in majors}) != len(majors):
        raise SimulationParameterError("major names must be unique")
    shares = p["non_cluster_region_shares"]
    if abs(sum(shares.values()) - 1) > 1e-9:
        raise SimulationParameterError("non_cluster_region_shares must sum to 1")
    for name in ("unknown_destination_share", "employment_rate_target",
                 "relevance_full_time_target", "turnover_target", "leading_tier_share",
                 "certificate_target", "evaluation_sample_share"):
        if not 0 < p[name] < 1:
            raise SimulationParameterError(f"{name} must lie strictly between 0 and 1")


# --------------------------------------------------------------------------------------------
# small numerical helpers
# --------------------------------------------------------------------------------------------
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(48)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()

_STREAMS = ("sizes", "effects", "ability", "destination", "relevance", "cluster", "region",
            "tier", "employer", "adaptation", "turnover", "retraining", "satisfaction",
            "certificate", "order", "nonresponse", "ratings", "evaluations", "programmes", "ids")


def _calibrate_logit_intercept(target: float, sd: float, offsets=(0.0,), weights=(1.0,)) -> float:
    """Intercept ``a`` with mean of expit(a + offset + sd * Z) equal to ``target``.

    Z is standard normal (Gauss-Hermite quadrature); ``offsets`` with ``weights`` is a discrete
    mixture of known shifts. Hand-written because no library calibrates a logistic-normal mean.
    """
    off = np.asarray(offsets, dtype=float)[:, None]
    w = np.asarray(weights, dtype=float)[:, None] * _GH_WEIGHTS[None, :]
    w = w / w.sum()

    def gap(a: float) -> float:
        return float((w * expit(a + off + sd * _GH_NODES[None, :])).sum() - target)

    return float(brentq(gap, -20.0, 20.0, xtol=1e-12))


def _clipped_normal_mean(mu: np.ndarray, sd: float, low: float, high: float) -> np.ndarray:
    """E[min(max(X, low), high)] for X ~ N(mu, sd^2) (closed form)."""
    a = (low - mu) / sd
    b = (high - mu) / sd
    phi_a = np.exp(-0.5 * a * a) / np.sqrt(2 * np.pi)
    phi_b = np.exp(-0.5 * b * b) / np.sqrt(2 * np.pi)
    return (low * ndtr(a) + high * (1 - ndtr(b)) + mu * (ndtr(b) - ndtr(a))
            + sd * (phi_a - phi_b))


def _ordinal_expectation(latent: np.ndarray, cutpoints, sd: float) -> np.ndarray:
    """E[Y] - 1 for Y = 1 + #(latent + N(0, sd^2) > c_k): sum of P(exceed c_k)."""
    cut = np.asarray(cutpoints, dtype=float)
    return ndtr((latent[:, None] - cut[None, :]) / sd).sum(axis=1)


def _prob(linear: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """P(Y=1) = expit(linear) + shift, kept inside [0.005, 0.995].

    Individual heterogeneity, major effects and the planted effect act on the logit scale;
    common cohort shocks, major x cohort shocks and secular trends are added on the probability
    scale, so that they are exactly parallel in percentage points across majors.
    """
    return np.clip(expit(linear) + shift, 0.005, 0.995)


def _cut(values: np.ndarray, cutpoints) -> np.ndarray:
    return 1 + np.searchsorted(np.asarray(cutpoints, dtype=float), values, side="right")


def _centred(rng: np.random.Generator, sd: float, n: int) -> np.ndarray:
    draws = rng.normal(0.0, sd, n)
    return draws - draws.mean() if n > 1 else draws


def _pct(x) -> float:
    return float(100.0 * x)


# --------------------------------------------------------------------------------------------
# the generator
# --------------------------------------------------------------------------------------------
def simulate_tables(scenario: str = "paper_claims", seed: int | None = DEFAULT_SEED,
                    **overrides) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the four record tables of a synthetic scenario in memory, with the truth.

    Parameters
    ----------
    scenario : {"paper_claims", "null", "pretrend"}
    seed : int, optional
        Seed of :func:`numpy.random.default_rng` (through ``SeedSequence.spawn``); ``None`` means
        :data:`DEFAULT_SEED`. The same seed and numpy version give identical tables.
    **overrides
        Parameter overrides, see :func:`scenario_parameters`.

    Returns
    -------
    tables : dict of DataFrame
        ``graduates``, ``employer_ratings``, ``evaluations``, ``programmes`` with exactly the
        contract's columns in contract order and the loader's dtypes (string, Int64, boolean,
        category, float64), so they equal what :func:`talentlab.load_all` returns for the files
        :func:`generate` writes.
    truth : dict
        JSON-serialisable: parameters, design, realised random effects, calibration sources and
        the planted effects on the scale the evaluation estimates (see ``truth["effects"]``).

    Examples
    --------
    >>> tables, truth = simulate_tables("paper_claims", seed=7)
    >>> g = tables["graduates"]
    >>> bool(g["student_id"].is_unique)
    True
    >>> truth["effects"]["job_related_to_major"]["scale"]
    'percentage_points'
    """
    params = scenario_parameters(scenario, **overrides)
    seed = DEFAULT_SEED if seed is None else int(seed)
    if seed < 0:
        raise SimulationParameterError(f"seed must be a non-negative integer, got {seed}")
    children = np.random.SeedSequence(seed).spawn(len(_STREAMS))
    rng = {name: np.random.default_rng(s) for name, s in zip(_STREAMS, children, strict=True)}
    return _Simulation(params, seed, rng).run()


class _Simulation:
    """One run of the DGP. Arrays are per graduate unless named otherwise."""

    def __init__(self, params: dict, seed: int, rng: dict[str, np.random.Generator]):
        self.p = params
        self.seed = seed
        self.rng = rng
        self.sd = params["random_effect_sd"]
        self.majors = params["majors"]
        self.n_majors = len(self.majors)
        self.cohorts = np.arange(params["first_cohort"], params["last_cohort"] + 1)
        self.effects: dict[str, dict] = {}
        self.random_effects: dict[str, object] = {}
        self.intercepts: dict[str, object] = {}

    # ---------------------------------------------------------------- design
    def _sizes(self) -> None:
        p, r = self.p, self.rng["sizes"]
        first_all = p["programme_first_year"] + 1
        last_all = p["last_cohort"] + 3
        self.all_cohorts = np.arange(first_all, last_all + 1)
        base = np.array([m["size"] for m in self.majors], dtype=float)
        centre = 0.5 * (p["first_cohort"] + p["last_cohort"])
        growth = np.exp(p["cohort_size_growth"] * (self.all_cohorts - centre))
        noise = np.exp(r.normal(0.0, p["cohort_size_sd"], (self.n_majors, len(self.all_cohorts))))
        sizes = np.rint(base[:, None] * growth[None, :] * noise).astype(int)
        sizes = np.clip(sizes, p["cohort_size_min"], p["cohort_size_max"])
        self.sizes_all = sizes                       # graduates (or would-be graduates)
        keep = (self.all_cohorts >= p["first_cohort"]) & (self.all_cohorts <= p["last_cohort"])
        self.sizes = sizes[:, keep]

    def _order_share(self, treated: np.ndarray, cohort: np.ndarray) -> np.ndarray:
        spec = self.p["order_class_share"]
        post = np.asarray(spec["treated_post"], dtype=float)
        k = np.clip(cohort - self.p["reform_cohort"], 0, len(post) - 1)
        return np.where(treated, np.where(cohort >= self.p["reform_cohort"], post[k],
                                          spec["treated_pre"]), spec["control"])

    def _graduate_frame(self) -> None:
        p = self.p
        counts = self.sizes.ravel()                  # major-major x cohort order
        m_idx = np.repeat(np.arange(self.n_majors), len(self.cohorts))
        c_val = np.tile(self.cohorts, self.n_majors)
        # order graduates by cohort then major (as a registry export would)
        order = np.lexsort((m_idx, c_val))
        self.major = np.repeat(m_idx[order], counts[order])
        self.cohort = np.repeat(c_val[order], counts[order])
        self.cell = self.major * len(self.cohorts) + (self.cohort - p["first_cohort"])
        self.n = len(self.major)
        treated_major = np.array([m["treated"] for m in self.majors])
        self.treated = treated_major[self.major]
        self.post = self.cohort >= p["reform_cohort"]
        self.D = self.treated & self.post
        # treated-specific trend clock: zero in the cohort before the reform
        self.trend_clock = np.where(self.treated, self.cohort - (p["reform_cohort"] - 1), 0)
        self.ability = self.rng["ability"].normal(0.0, p["ability_sd"], self.n)

    def _draw_effects(self) -> None:
        """Random effects per outcome: major (centred), cohort (common), major x cohort cell."""
        r, sd = self.rng["effects"], self.sd
        n_cells = self.n_majors * len(self.cohorts)
        self.re: dict[str, np.ndarray] = {}
        self.re_major: dict[str, np.ndarray] = {}
        self.re_shock: dict[str, np.ndarray] = {}
        for outcome in ("not_employed", "relevance", "in_cluster", "turnover", "adaptation",
                        "retraining", "certificate", "rating", "evaluation"):
            major = _centred(r, sd.get(f"{outcome}_major", 0.0), self.n_majors)
            cohort = r.normal(0.0, sd.get(f"{outcome}_cohort", sd.get(f"{outcome}_cohort_prob",
                                                                          0.0)),
                              len(self.cohorts))
            cell = r.normal(0.0, sd.get(f"{outcome}_cell", sd.get(f"{outcome}_cell_prob", 0.0)),
                            n_cells)
            self.re_major[outcome] = major[self.major]
            self.re_shock[outcome] = (cohort[self.cohort - self.p["first_cohort"]]
                                      + cell[self.cell])
            self.re[outcome] = self.re_major[outcome] + self.re_shock[outcome]
            self.random_effects[outcome] = {
                "major": dict(zip([m["major"] for m in self.majors], major.tolist(),
                                  strict=True)),
                "cohort": dict(zip([str(c) for c in self.cohorts], cohort.tolist(),
                                   strict=True)),
                "major_x_cohort_sd_realised": float(cell.std()) if n_cells > 1 else 0.0,
            }

    def _effect(self, key: str) -> tuple[float, np.ndarray]:
        """Planted effect (applies to D) and the treated-specific trend term per graduate."""
        return (float(self.p["effects"][key]),
                float(self.p["treated_trend"][key]) * self.trend_clock)

    # ---------------------------------------------------------------- destinations
    def _destinations(self) -> None:
        p, sd = self.p, self.sd
        r = self.rng["destination"]
        u_fs, u_ne, u_prep, u_emp, u_unknown = r.random((5, self.n))
        fs_share = np.array([p["further_study_share"][str(c)] for c in self.cohorts])
        # further study: same secular trend for every major; abler graduates go on more often
        a_fs = np.array([_calibrate_logit_intercept(f, p["further_study_ability_logit"])
                         for f in fs_share])
        idx = self.cohort - p["first_cohort"]
        p_fs = expit(a_fs[idx] + p["further_study_ability_logit"] * self.ability)
        fs = u_fs < p_fs
        # not employed (unemployed or preparing further study), given no further study
        not_emp_share = 1 - p["employment_rate_target"]
        q = (not_emp_share * (1 - p["preparing_further_study_share"])
             + p["preparing_further_study_share"]) / (1 - fs_share)
        sd_ne = float(np.hypot(p["not_employed_ability_logit"],
                               np.hypot(sd["not_employed_major"], sd["not_employed_cell"])))
        a_ne = np.array([_calibrate_logit_intercept(x, sd_ne) for x in q])
        p_ne = expit(a_ne[idx] + p["not_employed_ability_logit"] * self.ability
                     + self.re["not_employed"])
        ne = ~fs & (u_ne < p_ne)
        prep_within = p["preparing_further_study_share"] / (
            not_emp_share * (1 - p["preparing_further_study_share"])
            + p["preparing_further_study_share"])
        dest = np.full(self.n, "employed_full_time", dtype=object)
        dest[ne] = np.where(u_prep[ne] < prep_within, "preparing_further_study", "unemployed")
        dest[fs] = "further_study"
        # the employed-like rest: military, part time, self-employed, full time
        rest = ~fs & ~ne
        small = np.array([p["military_share"], p["part_time_share"], p["self_employed_share"]])
        denom = (1 - fs_share - q * (1 - fs_share))[idx]
        cum = np.cumsum(small)[None, :] / denom[:, None]
        k = (u_emp[:, None] >= cum).sum(axis=1)
        kinds = np.array(["military", "employed_part_time", "self_employed",
                          "employed_full_time"], dtype=object)
        dest[rest] = kinds[k[rest]]
        # survey non-response: unknown destination (independent of everything)
        unknown = u_unknown < p["unknown_destination_share"]
        self.true_destination = dest.copy()
        dest[unknown] = "unknown"
        self.destination = dest
        self.ft = dest == "employed_full_time"
        self.employed = np.isin(dest, EMPLOYED)
        self.employee = np.isin(dest, EMPLOYEES)
        self.self_employed = dest == "self_employed"
        self.intercepts["further_study_logit"] = dict(
            zip([str(c) for c in self.cohorts], a_fs.tolist(), strict=True))
        self.intercepts["not_employed_logit"] = dict(
            zip([str(c) for c in self.cohorts], a_ne.tolist(), strict=True))

    # ---------------------------------------------------------------- job outcomes
    def _relevance(self) -> None:
        p, sd = self.p, self.sd
        s = float(np.hypot(p["relevance_ability_logit"], sd["relevance_major"]))
        a = _calibrate_logit_intercept(p["relevance_full_time_target"], s)
        self.intercepts["relevance_logit"] = a
        beta, trend = self._effect("relevance_logit")
        offset = np.select([self.destination == "employed_part_time", self.self_employed],
                           [p["relevance_part_time_logit"], p["relevance_self_employed_logit"]],
                           0.0)
        lin0 = (a + offset + p["relevance_ability_logit"] * self.ability
                + self.re_major["relevance"] + trend)
        shock = self.re_shock["relevance"]
        self.p_rel0, self.p_rel1 = _prob(lin0, shock), _prob(lin0 + beta, shock)
        self.p_rel = np.where(self.D, self.p_rel1, self.p_rel0)
        u = self.rng["relevance"].random(self.n)
        self.related = self.employed & (u < self.p_rel)

    def _cluster_and_region(self) -> None:
        p = self.p
        beta, trend = self._effect("in_cluster_logit")
        base = logit(np.array([m["cluster_share"] for m in self.majors]))[self.major]
        centre = 0.5 * (p["first_cohort"] + p["last_cohort"])
        lin0 = (base + p["in_cluster_ability_logit"] * self.ability
                + self.re_major["in_cluster"] + trend)
        shift = (p["in_cluster_secular_trend"] * (self.cohort - centre)
                 + self.re_shock["in_cluster"])
        self.p_ic0, self.p_ic1 = _prob(lin0, shift), _prob(lin0 + beta, shift)
        self.p_ic = np.where(self.D, self.p_ic1, self.p_ic0)
        u = self.rng["cluster"].random(self.n)
        self.in_cluster = self.employed & (u < self.p_ic)
        # region: cluster enterprises are local by definition (a regional cluster)
        shares = p["non_cluster_region_shares"]
        u_region = self.rng["region"].random(self.n)
        region = np.where(u_region < shares["local"], "local",
                          np.where(u_region < shares["local"] + shares["province"], "province",
                                   "elsewhere")).astype(object)
        region[self.in_cluster] = "local"
        self.region = region
        self.p_local_non_cluster = shares["local"]

    def _tier(self) -> None:
        p = self.p
        a = _calibrate_logit_intercept(p["leading_tier_share"], p["leading_tier_ability_logit"])
        self.intercepts["leading_tier_logit"] = a
        u = self.rng["tier"].random(self.n)
        self.leading = self.employee & (u < expit(a + p["leading_tier_ability_logit"]
                                                  * self.ability))

    def _employers(self) -> None:
        """Employer pool by (cluster, region, tier); employees drawn in proportion to size."""
        p, r = self.p, self.rng["employer"]
        pools = []
        for key, count in p["employers_per_pool"].items():
            where, tier = key.rsplit("_", 1)
            pools.append((where, tier, int(count)))
        n_emp = sum(c for _, _, c in pools)
        pool_of = np.repeat(np.arange(len(pools)), [c for _, _, c in pools])
        size = np.exp(r.normal(0.0, p["employer_size_sd"], n_emp))
        number = r.permutation(n_emp) + 1
        self.employer_ids = np.array([f"E{k:03d}" for k in number], dtype=object)
        self.employer_pool = pool_of
        self.employer_tier = np.array([pools[k][1] for k in pool_of], dtype=object)
        self.employer_cluster = np.array([pools[k][0] == "cluster" for k in pool_of])
        self.employer_region = np.array(["local" if pools[k][0] == "cluster" else pools[k][0]
                                         for k in pool_of], dtype=object)
        sd = self.sd
        def pool_centred(draws: np.ndarray) -> np.ndarray:
            # size-weighted mean zero within each pool: which pool a graduate lands in (which
            # the reform can change through employer_in_cluster) then carries no employer effect
            weighted = np.bincount(pool_of, draws * size) / np.bincount(pool_of, size)
            return draws - weighted[pool_of]

        self.employer_re_adaptation = pool_centred(
            r.normal(0.0, sd["adaptation_employer"], n_emp))
        self.employer_re_retraining = pool_centred(
            r.normal(0.0, sd["retraining_employer"], n_emp))
        self.employer_re_rating = pool_centred(r.normal(0.0, sd["rating_employer"], n_emp))
        self.employer_rates = r.random(n_emp) < p["employer_rating_participation"]
        self.employer_n_raters = 1 + np.minimum(r.poisson(p["raters_per_employer_poisson"],
                                                          n_emp),
                                                p["raters_per_employer_max"] - 1)
        self.employer_first_rater = np.concatenate([[0], np.cumsum(self.employer_n_raters)[:-1]])
        n_raters = int(self.employer_n_raters.sum())
        self.rater_ids = np.array([f"R{k:04d}" for k in range(1, n_raters + 1)], dtype=object)
        self.rater_re = r.normal(0.0, sd["rating_rater"], n_raters)
        self.rater_re_eval = r.normal(0.0, sd["evaluation_evaluator"], n_raters)
        # assign employees
        u = r.random(self.n)
        emp = np.full(self.n, -1)
        for k, (where, tier, _) in enumerate(pools):
            if where == "cluster":
                mask = self.employee & self.in_cluster
            else:
                mask = self.employee & ~self.in_cluster & (self.region == where)
            mask &= (self.leading if tier == "leading" else ~self.leading)
            members = np.flatnonzero(pool_of == k)
            cum = np.cumsum(size[members])
            pick = np.searchsorted(cum / cum[-1], u[mask], side="right")
            emp[mask] = members[np.minimum(pick, len(members) - 1)]
        self.employer = emp

    def _turnover(self) -> None:
        p, sd = self.p, self.sd
        s = float(np.sqrt(p["turnover_ability_logit"] ** 2 + sd["turnover_major"] ** 2
                          + sd["turnover_cohort"] ** 2 + sd["turnover_cell"] ** 2))
        rel, lead = p["relevance_full_time_target"], p["leading_tier_share"]
        offsets = [0.0, p["turnover_related_logit"], p["turnover_leading_logit"],
                   p["turnover_related_logit"] + p["turnover_leading_logit"]]
        weights = [(1 - rel) * (1 - lead), rel * (1 - lead), (1 - rel) * lead, rel * lead]
        a = _calibrate_logit_intercept(p["turnover_target"], s, offsets, weights)
        self.intercepts["turnover_logit"] = a
        lin_base = (a + p["turnover_leading_logit"] * self.leading
                    + p["turnover_ability_logit"] * self.ability + self.re["turnover"])
        self.p_leave_rel = expit(lin_base + p["turnover_related_logit"])
        self.p_leave_unrel = expit(lin_base)
        p_leave = np.where(self.related, self.p_leave_rel, self.p_leave_unrel)
        u = self.rng["turnover"].random(self.n)
        self.left = self.employed & (u < p_leave)

    def _satisfaction(self) -> None:
        p = self.p
        e = self.rng["satisfaction"].normal(0.0, 1.0, self.n)
        latent = (p["job_satisfaction_related"] * self.related
                  + p["job_satisfaction_ability"] * self.ability + e)
        self.job_satisfaction = _cut(latent, p["job_satisfaction_cutpoints"])

    def _adaptation(self) -> None:
        p = self.p
        k = p["adaptation_weibull_shape"]
        scale = p["adaptation_median_months"] / np.log(2) ** (1 / k)
        beta, trend = self._effect("adaptation_log_hr")
        emp = np.maximum(self.employer, 0)
        eta0 = (p["adaptation_ability_log_hr"] * self.ability
                + p["adaptation_leading_log_hr"] * self.leading + self.re["adaptation"]
                + self.employer_re_adaptation[emp] * (self.employer >= 0) + trend)
        self.eta0 = eta0
        eta = eta0 + beta * self.D
        r = self.rng["adaptation"]
        e = r.exponential(1.0, self.n)
        delay = r.exponential(p["job_start_delay_mean_months"], self.n)
        t_event = scale * (e * np.exp(-eta)) ** (1 / k)
        survey = p["survey_year"] + (p["survey_month"] - 1) / 12
        graduation = self.cohort + (p["graduation_month"] - 1) / 12
        follow_up = np.maximum((survey - graduation) * 12 - delay, 0.1)
        # censoring: the survey date, or an earlier loss of contact (independent of everything,
        # so censoring is non-informative and the planted hazard ratio stays the estimand)
        u_lost, u_when = r.random((2, self.n))
        lost = u_lost < p["adaptation_lost_to_follow_up"]
        censor = np.where(lost, follow_up * u_when, follow_up)
        reached = t_event <= censor
        months = np.round(np.maximum(np.minimum(t_event, censor), 0.1), 1)
        self.adapt_scale, self.adapt_shape = scale, k
        self.adapt_months = np.where(self.employee, months, np.nan)
        self.adapt_reached = self.employee & reached

    def _retraining(self) -> None:
        p = self.p
        tau, trend = self._effect("retraining_hours")
        emp = np.maximum(self.employer, 0)
        mean0 = (p["retraining_mean_hours"] + p["retraining_leading_hours"] * self.leading
                 + p["retraining_ability_hours"] * self.ability + self.re["retraining"]
                 + self.employer_re_retraining[emp] * (self.employer >= 0) + trend)
        floor = p["retraining_min_mean_hours"]
        self.hours_mean0 = np.maximum(mean0, floor)
        self.hours_mean1 = np.maximum(mean0 + tau, floor)
        mean = np.where(self.D, self.hours_mean1, self.hours_mean0)
        shape = p["retraining_gamma_shape"]
        g = self.rng["retraining"].gamma(shape, 1.0 / shape, self.n)   # mean 1
        self.hours = np.round(mean * g)

    def _certificate_and_order(self) -> None:
        p, sd = self.p, self.sd
        s = float(np.hypot(p["certificate_ability_logit"], sd["certificate_major"]))
        a = _calibrate_logit_intercept(p["certificate_target"], s)
        self.intercepts["certificate_logit"] = a
        beta, trend = self._effect("certificate_logit")
        centre = 0.5 * (p["first_cohort"] + p["last_cohort"])
        lin0 = (a + p["certificate_ability_logit"] * self.ability
                + self.re_major["certificate"] + trend)
        shift = (p["certificate_secular_trend"] * (self.cohort - centre)
                 + self.re_shock["certificate"])
        self.p_cert0, self.p_cert1 = _prob(lin0, shift), _prob(lin0 + beta, shift)
        u = self.rng["certificate"].random(self.n)
        self.certificate = u < np.where(self.D, self.p_cert1, self.p_cert0)
        u_order = self.rng["order"].random(self.n)
        self.order_class = u_order < self._order_share(self.treated, self.cohort)

    # ---------------------------------------------------------------- tables
    def _graduates_table(self) -> pd.DataFrame:
        p, nr = self.p, self.p["nonresponse"]
        r = self.rng["nonresponse"]
        miss = {k: r.random(self.n) < nr[k] for k in
                ("job_related_to_major", "job_satisfaction", "left_within_6_months",
                 "adaptation", "retraining_hours", "industry_certificate")}
        ids = self.rng["ids"].choice(90000, size=self.n, replace=False) + 10000
        self.student_ids = np.array([f"G{k}" for k in ids], dtype=object)
        emp, employee, employed = self.employer, self.employee, self.employed

        def nullable_bool(values, present):
            arr = pd.array(values.astype(bool), dtype="boolean")
            arr[~present] = pd.NA
            return arr

        has_adapt = employee & ~miss["adaptation"]
        employer_id = np.where(employee, self.employer_ids[np.maximum(emp, 0)], None)
        tier = np.where(employee, self.employer_tier[np.maximum(emp, 0)], None)
        sat = pd.array(self.job_satisfaction, dtype="Int64")
        sat[~(employed & ~miss["job_satisfaction"])] = pd.NA
        levels = {f["name"]: f.get("constraints", {}).get("enum")
                  for f in schema.resource("graduates")["schema"]["fields"]}
        majors = np.array([m["major"] for m in self.majors], dtype=object)
        g = pd.DataFrame({
            "student_id": pd.array(self.student_ids, dtype="string"),
            "college": pd.array(np.full(self.n, p["college"], dtype=object), dtype="string"),
            "major": pd.array(majors[self.major], dtype="string"),
            "cohort": pd.array(self.cohort, dtype="Int64"),
            "treated_major": pd.array(self.treated, dtype="boolean"),
            "destination": pd.Categorical(self.destination, categories=levels["destination"]),
            "job_related_to_major": nullable_bool(
                self.related, employed & ~miss["job_related_to_major"]),
            "job_satisfaction": sat,
            "employer_id": pd.array(employer_id, dtype="string"),
            "employer_in_cluster": nullable_bool(self.in_cluster, employed),
            "employer_tier": pd.Categorical(tier, categories=levels["employer_tier"]),
            "work_region": pd.Categorical(np.where(employed, self.region, None),
                                          categories=levels["work_region"]),
            "adaptation_months": np.where(has_adapt, self.adapt_months, np.nan),
            "adaptation_reached": nullable_bool(self.adapt_reached, has_adapt),
            "left_within_6_months": nullable_bool(
                self.left, employed & ~miss["left_within_6_months"]),
            "retraining_hours": np.where(employee & ~miss["retraining_hours"], self.hours,
                                         np.nan),
            "industry_certificate": nullable_bool(self.certificate,
                                                  ~miss["industry_certificate"]),
            "order_class": pd.array(self.order_class, dtype="boolean"),
        })
        return g[schema.field_names("graduates")]

    def _ratings_table(self) -> pd.DataFrame:
        p, r = self.p, self.rng["ratings"]
        emp = np.maximum(self.employer, 0)
        u_rated, u_second, u_r1, u_r2 = r.random((4, self.n))
        rated = (self.employee & self.employer_rates[emp] & (u_rated < p["graduate_rated_share"]))
        n_r = self.employer_n_raters[emp]
        first = np.minimum((u_r1 * n_r).astype(int), n_r - 1)
        second = (first + 1 + np.minimum((u_r2 * (n_r - 1)).astype(int),
                                         np.maximum(n_r - 2, 0))) % n_r
        two = rated & (n_r > 1) & (u_second < p["second_rater_share"])
        grad = np.concatenate([np.flatnonzero(rated), np.flatnonzero(two)])
        which = np.concatenate([first[rated], second[two]])
        order = np.lexsort((np.concatenate([np.zeros(rated.sum()), np.ones(two.sum())]), grad))
        grad, which = grad[order], which[order]
        rater = self.employer_first_rater[emp[grad]] + which
        n = len(grad)
        self.rating_grad, self.rating_rater = grad, rater
        beta, trend = self._effect("recognition_latent")
        mu0 = (p["rating_intercept"] + p["rating_ability"] * self.ability[grad]
               + self.employer_re_rating[emp[grad]] + self.re["rating"][grad] + trend[grad]
               + self.rater_re[rater])
        self.rating_mu0 = mu0
        mu = mu0 + beta * self.D[grad]
        item_sd = p["rating_item_sd"]
        items = {}
        nr = p["nonresponse"]
        for name in RATING_ITEMS:
            e = r.normal(0.0, item_sd, n)
            value = pd.array(_cut(mu + p["rating_item_intercepts"][name] + e,
                                  p["rating_cutpoints"]), dtype="Int64")
            value[r.random(n) < nr["rating_item"]] = pd.NA
            items[name] = value
        overall = _cut(mu + r.normal(0.0, item_sd, n), p["overall_cutpoints"])
        overall[r.random(n) < nr["overall_cannot_evaluate"]] = 0
        hire = r.random(n) < expit(p["would_hire_intercept"] + p["would_hire_slope"] * mu)
        hire_arr = pd.array(hire, dtype="boolean")
        hire_arr[r.random(n) < nr["would_hire_again"]] = pd.NA
        ratings = pd.DataFrame({
            "rating_id": pd.array([f"RT{k:05d}" for k in range(1, n + 1)], dtype="string"),
            "student_id": pd.array(self.student_ids[grad], dtype="string"),
            "employer_id": pd.array(self.employer_ids[emp[grad]], dtype="string"),
            "rater_id": pd.array(self.rater_ids[rater], dtype="string"),
            **items,
            "overall_satisfaction": pd.array(overall, dtype="Int64"),
            "would_hire_again": hire_arr,
        })
        return ratings[schema.field_names("employer_ratings")]

    def _evaluations_table(self) -> pd.DataFrame:
        p, r = self.p, self.rng["evaluations"]
        u_sample, u_industry, u_teacher, u_mentor, u_assessor = r.random((5, self.n))
        sampled = u_sample < p["evaluation_sample_share"]
        n_t = p["school_evaluators_per_major"]
        teacher = self.major * n_t + np.minimum((u_teacher * n_t).astype(int), n_t - 1)
        teacher_re = r.normal(0.0, self.sd["evaluation_evaluator"], self.n_majors * n_t)
        n_a = p["industry_evaluators"]
        assessor = np.minimum((u_assessor * n_a).astype(int), n_a - 1)
        assessor_re = r.normal(0.0, self.sd["evaluation_evaluator"], n_a)
        emp = np.maximum(self.employer, 0)
        n_r = self.employer_n_raters[emp]
        mentor = self.employer_first_rater[emp] + np.minimum((u_mentor * n_r).astype(int),
                                                             n_r - 1)
        parts = []
        for party in PARTIES:
            if party == "school":
                who = np.flatnonzero(sampled)
                ev_id = np.array([f"SCH-T{k + 1:02d}" for k in teacher[who]], dtype=object)
                ev_re = teacher_re[teacher[who]]
            elif party == "enterprise":
                who = np.flatnonzero(sampled & self.employee)
                ev_id = self.rater_ids[mentor[who]]
                ev_re = self.rater_re_eval[mentor[who]]
            else:
                who = np.flatnonzero(sampled & (u_industry < p["evaluation_industry_share"]))
                ev_id = np.array([f"IND-A{k + 1:02d}" for k in assessor[who]], dtype=object)
                ev_re = assessor_re[assessor[who]]
            beta, trend = self._effect(f"evaluation_{party}_points")
            for dim in EVALUATION_DIMENSIONS:
                mean0 = (p["evaluation_mean"] + p["evaluation_party_offset"][party]
                         + p["evaluation_dimension_offset"][dim]
                         + p["evaluation_ability_points"] * self.ability[who]
                         + self.re["evaluation"][who] + ev_re + trend[who])
                parts.append(pd.DataFrame({"_g": who, "_party": party, "_dim": dim,
                                           "_ev": ev_id, "_mean0": mean0,
                                           "_beta": beta * self.D[who]}))
        ev = pd.concat(parts, ignore_index=True)
        ev["_sort_party"] = ev["_party"].map({k: i for i, k in enumerate(PARTIES)})
        ev["_sort_dim"] = ev["_dim"].map({k: i for i, k in enumerate(EVALUATION_DIMENSIONS)})
        ev = ev.sort_values(["_g", "_sort_party", "_sort_dim"], kind="stable",
                            ignore_index=True)
        noise = r.normal(0.0, p["evaluation_noise_sd"], len(ev))
        ev["_score"] = np.round(np.clip(ev["_mean0"].to_numpy() + ev["_beta"].to_numpy()
                                        + noise, 0.0, 100.0), 1)
        self.eval_frame = ev
        levels = schema.resource("evaluations")["schema"]["fields"]
        party_levels = next(f for f in levels if f["name"] == "party")["constraints"]["enum"]
        out = pd.DataFrame({
            "student_id": pd.array(self.student_ids[ev["_g"].to_numpy()], dtype="string"),
            "party": pd.Categorical(ev["_party"].to_numpy(dtype=object), categories=party_levels),
            "evaluator_id": pd.array(ev["_ev"].to_numpy(dtype=object), dtype="string"),
            "dimension": pd.array(ev["_dim"].to_numpy(dtype=object), dtype="string"),
            "score": ev["_score"].to_numpy(dtype=float),
        })
        return out[schema.field_names("evaluations")]

    def _programmes_table(self) -> pd.DataFrame:
        p, r = self.p, self.rng["programmes"]
        years = np.arange(p["programme_first_year"], p["last_cohort"] + 1)
        start = p["reform_cohort"] - 3
        rows = []
        treated_major = np.array([m["treated"] for m in self.majors])
        intake = np.rint(self.sizes_all / (1 - p["dropout_share"])).astype(int)
        order_share = self._order_share(np.repeat(treated_major[:, None], len(self.all_cohorts),
                                                  axis=1),
                                        np.tile(self.all_cohorts, (self.n_majors, 1)))
        order_students = np.rint(intake * order_share).astype(int)
        for m_i, m in enumerate(self.majors):
            for y in years:
                ramp = float(np.clip((y - start + 1) / 3, 0, 1)) if m["treated"] else 0.0
                t = y - p["programme_first_year"]
                enrolled_cohorts = (self.all_cohorts >= y + 1) & (self.all_cohorts <= y + 3)
                enrolled = int(intake[m_i, enrolled_cohorts].sum())
                in_order = int(order_students[m_i, enrolled_cohorts].sum())
                teachers = max(int(round(enrolled / p["students_per_teacher"]))
                               + int(r.integers(-1, 2)), 4)
                dq_share = min(p["double_qualified_share"] + p["double_qualified_trend"] * t
                               + p["double_qualified_reform"] * ramp, 0.95)
                courses = int(r.integers(26, 35))
                co_share = min(p["co_developed_share"] + 0.005 * t
                               + p["co_developed_reform"] * ramp, 0.9)
                rows.append({
                    "college": p["college"], "major": m["major"], "year": int(y),
                    "specialised_teachers": teachers,
                    "double_qualified_teachers": int(r.binomial(teachers, dq_share)),
                    "enterprise_part_time_teachers": int(r.poisson(
                        p["part_time_teachers"] + 0.1 * t
                        + p["part_time_teachers_reform"] * ramp)),
                    "courses_total": courses,
                    "courses_co_developed": int(r.binomial(courses, co_share)),
                    "students_enrolled": enrolled,
                    "order_class_students": min(in_order, enrolled),
                    "technical_service_projects": int(r.poisson(
                        p["technical_service_projects"] + 0.1 * t
                        + p["technical_service_projects_reform"] * ramp)),
                    "sme_employees_trained": int(r.poisson(
                        p["sme_employees_trained"] + 2.0 * t
                        + p["sme_employees_trained_reform"] * ramp)),
                })
        prog = pd.DataFrame(rows)
        for col in prog.columns:
            prog[col] = prog[col].astype("string" if col in ("college", "major") else "Int64")
        return prog[schema.field_names("programmes")]

    # ---------------------------------------------------------------- truth
    def _lpm_effect(self, name: str, population: np.ndarray, p0: np.ndarray, p1: np.ndarray,
                    population_text: str, planted: str | None, direction: str,
                    extra: dict | None = None) -> None:
        """Effect of a binary outcome in percentage points, exactly from the DGP probabilities."""
        tp = population & self.D
        realised = np.where(self.D, p1, p0)
        entry = {
            "scale": "percentage_points",
            "estimand": "ATT: mean over the population's treated-post graduates of "
                        "100 * [P(Y=1 | D=1) - P(Y=1 | D=0)] from the data-generating "
                        "probabilities (the LPM DiD coefficient x 100)",
            "population": population_text,
            "n_treated_post": int(tp.sum()),
            "att": _pct((p1[tp] - p0[tp]).mean()) if tp.any() else None,
            "expected_simple_did": self._simple_did(population, realised, 100.0),
            "claimed_direction": direction,
        }
        if planted:
            entry["planted_parameter"] = f"effects.{planted}"
            entry["planted_value"] = float(self.p["effects"][planted])
            entry["treated_trend_per_cohort"] = float(self.p["treated_trend"][planted])
        if extra:
            entry.update(extra)
        self.effects[name] = entry

    def _simple_did(self, population: np.ndarray, expected: np.ndarray, factor: float,
                    ) -> float | None:
        """2x2 DiD of the expected outcomes (no sampling noise): treated post-pre minus control."""
        cells = []
        for treated in (True, False):
            for post in (True, False):
                m = population & (self.treated == treated) & (self.post == post)
                if not m.any():
                    return None
                cells.append(expected[m].mean())
        return float(factor * ((cells[0] - cells[1]) - (cells[2] - cells[3])))

    def _truth_effects(self) -> None:
        p = self.p
        employed_known = self.employed
        # relevance: national definition base = full-time employed
        self._lpm_effect(
            "job_related_to_major", self.ft, self.p_rel0, self.p_rel1,
            "destination employed_full_time (national definition of job-major relevance)",
            "relevance_logit", "increase",
            {"att_all_employed": _pct((self.p_rel1 - self.p_rel0)[employed_known & self.D]
                                      .mean()) if (employed_known & self.D).any() else None,
             "model": "logit"})
        self._lpm_effect(
            "employer_in_cluster", employed_known, self.p_ic0, self.p_ic1,
            "employed graduates (full time, part time, self-employed)", "in_cluster_logit",
            "increase", {"model": "logit"})
        q = self.p_local_non_cluster
        self._lpm_effect(
            "work_region_local", employed_known, self.p_ic0 + (1 - self.p_ic0) * q,
            self.p_ic1 + (1 - self.p_ic1) * q,
            "employed graduates; indirect: cluster employers are local, others local with "
            f"probability {q}", None, "increase",
            {"mechanism": "via employer_in_cluster"})
        leave0 = self.p_rel0 * self.p_leave_rel + (1 - self.p_rel0) * self.p_leave_unrel
        leave1 = self.p_rel1 * self.p_leave_rel + (1 - self.p_rel1) * self.p_leave_unrel
        self._lpm_effect(
            "left_within_6_months", employed_known, leave0, leave1,
            "employed graduates; indirect: related jobs are left less often", None, "decrease",
            {"mechanism": "via job_related_to_major"})
        self._lpm_effect(
            "industry_certificate", np.ones(self.n, dtype=bool), self.p_cert0, self.p_cert1,
            "all graduates", "certificate_logit", "increase", {"model": "logit"})
        # adaptation: planted conditional log hazard ratio + population-averaged summary
        beta = float(p["effects"]["adaptation_log_hr"])
        tp = self.employee & self.D
        k, scale = self.adapt_shape, self.adapt_scale
        entry = {
            "scale": "log_hazard_ratio",
            "estimand": "log hazard ratio of reaching independent work, treated-post vs "
                        "untreated (Weibull proportional hazards, conditional on ability, "
                        "tier, employer and major effects)",
            "population": "employees (employed_full_time, employed_part_time)",
            "n_treated_post": int(tp.sum()),
            "att": beta,
            "hazard_ratio": float(np.exp(beta)),
            "planted_parameter": "effects.adaptation_log_hr",
            "planted_value": beta,
            "treated_trend_per_cohort": float(p["treated_trend"]["adaptation_log_hr"]),
            "claimed_direction": "increase (shorter adaptation)",
            "note": "A Cox model that omits ability and employer effects estimates a "
                    "population-averaged log HR attenuated towards 0 (non-collapsibility); "
                    "see marginal_log_hazard_ratio.",
        }
        if tp.any():
            eta0 = self.eta0[tp]
            med0 = scale * (np.log(2) * np.exp(-eta0)) ** (1 / k)
            med1 = scale * (np.log(2) * np.exp(-(eta0 + beta))) ** (1 / k)
            entry["median_months_untreated_mean"] = float(med0.mean())
            entry["median_months_treated_mean"] = float(med1.mean())
            entry["median_months_difference_mean"] = float((med1 - med0).mean())
            entry["marginal_log_hazard_ratio"] = _marginal_log_hr(eta0, beta, scale, k)
        self.effects["adaptation"] = entry
        # retraining hours
        tp = self.employee & self.D
        mean_real = np.where(self.D, self.hours_mean1, self.hours_mean0)
        self.effects["retraining_hours"] = {
            "scale": "hours",
            "estimand": "ATT: mean over treated-post employees of E[hours | D=1] - "
                        "E[hours | D=0] (additive mean model; gamma noise with mean 1)",
            "population": "employees (employed_full_time, employed_part_time)",
            "n_treated_post": int(tp.sum()),
            "att": float((self.hours_mean1 - self.hours_mean0)[tp].mean()) if tp.any() else None,
            "expected_simple_did": self._simple_did(self.employee, mean_real, 1.0),
            "planted_parameter": "effects.retraining_hours",
            "planted_value": float(p["effects"]["retraining_hours"]),
            "treated_trend_per_cohort": float(p["treated_trend"]["retraining_hours"]),
            "claimed_direction": "decrease",
        }
        self._truth_ratings()
        self._truth_evaluations()
        self._truth_activities()

    def _truth_activities(self) -> None:
        """Truth for the reform's own outputs (programme-year activity counts).

        The reform's activities are carried out in every scenario (``null`` included): the
        reformed majors' expected counts rise by ``<outcome>_reform`` per major-year, phased in
        over three academic years from the year the first reformed cohort enrols. ``att`` is
        that increment averaged over the reformed majors' post-reform years (what the
        programme-year DiD estimates); ``implemented`` says whether the activity took place.
        """
        p = self.p
        years = np.arange(p["programme_first_year"], p["last_cohort"] + 1)
        start = p["reform_cohort"] - 3
        post = years[years >= start]
        ramp = np.clip((post - start + 1) / 3, 0, 1)
        n_treated = sum(1 for m in self.majors if m["treated"])
        units = {"technical_service_projects": "projects per major-year",
                 "sme_employees_trained": "people trained per major-year"}
        for name, unit in units.items():
            increment = float(p[f"{name}_reform"])
            self.effects[name] = {
                "kind": "activity",
                "scale": unit,
                "estimand": "mean over the reformed majors' post-reform academic years of the "
                            "planted increase in the expected count (Poisson mean)",
                "population": "programmes table, one row per major and academic year",
                "n_treated_post": int(n_treated * len(post)),
                "att": float(increment * ramp.mean()) if len(post) and n_treated else 0.0,
                "planted_parameter": f"{name}_reform",
                "planted_value": increment,
                "first_reformed_year": int(start),
                "implemented": bool(increment > 0 and n_treated > 0 and len(post) > 0),
                "claimed_direction": "increase",
                "note": "an activity of the reform itself (not an outcome in graduates or "
                        "employers); claims about it are judged descriptively",
            }

    def _truth_ratings(self) -> None:
        p = self.p
        beta = float(p["effects"]["recognition_latent"])
        grad = self.rating_grad
        mu0 = self.rating_mu0
        item_sd = p["rating_item_sd"]
        intercepts = np.array([p["rating_item_intercepts"][k] for k in RATING_ITEMS])

        def score(mu):
            vals = [_ordinal_expectation(mu + a, p["rating_cutpoints"], item_sd)
                    for a in intercepts]
            return 25.0 * np.mean(vals, axis=0)      # 100 * (E[mean item] - 1) / 4

        s0, s1 = score(mu0), score(mu0 + beta)
        d_rows = self.D[grad]
        realised = np.where(d_rows, s1, s0)
        base = {
            "treated": self.treated[grad], "post": self.post[grad],
        }

        def did_rows(values):
            cells = []
            for t in (True, False):
                for q in (True, False):
                    m = (base["treated"] == t) & (base["post"] == q)
                    if not m.any():
                        return None
                    cells.append(values[m].mean())
            return float((cells[0] - cells[1]) - (cells[2] - cells[3]))

        per_grad = pd.Series(s1 - s0)[d_rows].groupby(grad[d_rows]).mean()
        self.effects["recognition_score"] = {
            "scale": "points_0_100",
            "definition": "per rating: 100 * (mean of the answered 1-5 items - 1) / 4 "
                          "(talentlab.evaluation.recognition_score)",
            "estimand": "ATT: mean over ratings of treated-post graduates of "
                        "E[score | D=1] - E[score | D=0] (ordered-probit items, exact normal "
                        "CDFs, given rater and employer effects)",
            "population": "employer ratings",
            "n_treated_post": int(d_rows.sum()),
            "att": float((s1 - s0)[d_rows].mean()) if d_rows.any() else None,
            "att_per_graduate": float(per_grad.mean()) if len(per_grad) else None,
            "expected_simple_did": did_rows(realised),
            "baseline_mean_score_untreated_pre": float(s0[~base["treated"] & ~base["post"]]
                                                       .mean()),
            "planted_parameter": "effects.recognition_latent",
            "planted_value": beta,
            "treated_trend_per_cohort": float(p["treated_trend"]["recognition_latent"]),
            "claimed_direction": "increase",
        }
        top0 = ndtr((mu0 - p["overall_cutpoints"][2]) / item_sd)
        top1 = ndtr((mu0 + beta - p["overall_cutpoints"][2]) / item_sd)
        hire0 = expit(p["would_hire_intercept"] + p["would_hire_slope"] * mu0)
        hire1 = expit(p["would_hire_intercept"] + p["would_hire_slope"] * (mu0 + beta))
        for name, a0, a1, text in (
                ("overall_satisfaction_top_box", top0, top1,
                 "ratings with overall_satisfaction 1-5 (0 = cannot evaluate excluded); "
                 "Y = satisfied or very satisfied (4-5)"),
                ("would_hire_again", hire0, hire1, "ratings with an answer")):
            real = np.where(d_rows, a1, a0)
            self.effects[name] = {
                "scale": "percentage_points",
                "estimand": "ATT over ratings of treated-post graduates, 100 * [P(Y=1 | D=1) - "
                            "P(Y=1 | D=0)]",
                "population": text,
                "n_treated_post": int(d_rows.sum()),
                "att": _pct((a1 - a0)[d_rows].mean()) if d_rows.any() else None,
                "expected_simple_did": (None if (v := did_rows(real)) is None else 100 * v),
                "planted_parameter": "effects.recognition_latent",
                "planted_value": beta,
                "claimed_direction": "increase",
            }

    def _truth_evaluations(self) -> None:
        p, ev = self.p, self.eval_frame
        sd = p["evaluation_noise_sd"]
        g = ev["_g"].to_numpy()
        d = self.D[g]
        for party in PARTIES:
            m = (ev["_party"] == party).to_numpy()
            mean0 = ev["_mean0"].to_numpy()
            beta = float(p["effects"][f"evaluation_{party}_points"])
            e0 = _clipped_normal_mean(mean0, sd, 0.0, 100.0)
            e1 = _clipped_normal_mean(mean0 + beta, sd, 0.0, 100.0)
            tp = m & d
            real = np.where(d, e1, e0)
            cells = []
            for t in (True, False):
                for q in (True, False):
                    c = m & (self.treated[g] == t) & (self.post[g] == q)
                    cells.append(real[c].mean() if c.any() else np.nan)
            did = (cells[0] - cells[1]) - (cells[2] - cells[3])
            self.effects[f"evaluation_score_{party}"] = {
                "scale": "points_0_100",
                "estimand": "ATT: mean over the party's evaluation rows of treated-post "
                            "graduates of E[score | D=1] - E[score | D=0] (normal scores "
                            "clipped to 0-100, exact)",
                "population": f"evaluations, party == '{party}'",
                "n_treated_post": int(tp.sum()),
                "att": float((e1 - e0)[tp].mean()) if tp.any() else None,
                "expected_simple_did": None if np.isnan(did) else float(did),
                "planted_parameter": f"effects.evaluation_{party}_points",
                "planted_value": beta,
                "treated_trend_per_cohort": float(
                    p["treated_trend"][f"evaluation_{party}_points"]),
                "claimed_direction": "increase",
            }

    def _realised_baselines(self, g: pd.DataFrame) -> dict:
        """Observed (sampled) baseline indicators, pre-reform, for the calibration check."""
        pre = ~self.post
        dest = self.destination
        known = dest != "unknown"
        base_emp = known & (dest != "preparing_further_study")
        employed_like = np.isin(dest, EMPLOYED + ("military", "further_study"))
        related = g["job_related_to_major"].to_numpy(dtype=float, na_value=np.nan)
        left = g["left_within_6_months"].to_numpy(dtype=float, na_value=np.nan)
        out = {
            "employment_rate_pre_reform": float(employed_like[pre & base_emp].mean()),
            "relevance_full_time_pre_reform": float(np.nanmean(related[self.ft & pre])),
            "turnover_employed_pre_reform": float(np.nanmean(left[self.employed & pre])),
            "in_cluster_employed_pre_reform": float(self.in_cluster[self.employed & pre].mean()),
            "local_employed_pre_reform": float((self.region == "local")[self.employed & pre]
                                               .mean()),
            "unknown_destination_share": float((~known).mean()),
            "further_study_share_by_cohort": {
                str(c): float((dest[known & (self.cohort == c)] == "further_study").mean())
                for c in self.cohorts},
            "adaptation_censored_share_by_cohort": {
                str(c): float(1 - self.adapt_reached[self.employee & (self.cohort == c)].mean())
                for c in self.cohorts},
        }
        return out

    def run(self) -> tuple[dict[str, pd.DataFrame], dict]:
        self._sizes()
        self._graduate_frame()
        self._draw_effects()
        self._destinations()
        self._relevance()
        self._cluster_and_region()
        self._tier()
        self._employers()
        self._turnover()
        self._satisfaction()
        self._adaptation()
        self._retraining()
        self._certificate_and_order()
        tables = {
            "graduates": self._graduates_table(),
            "employer_ratings": self._ratings_table(),
            "evaluations": self._evaluations_table(),
            "programmes": self._programmes_table(),
        }
        self._truth_effects()
        truth = self._truth(tables)
        return tables, truth

    def _truth(self, tables: dict[str, pd.DataFrame]) -> dict:
        p = self.p
        params = {k: v for k, v in p.items() if k not in ("scenario", "scenario_description")}
        treated_names = [m["major"] for m in self.majors if m["treated"]]
        truth = {
            "data_origin": "synthetic",
            "generator": GENERATOR,
            "generator_version": GENERATOR_VERSION,
            "numpy_version": np.__version__,
            "scenario": p["scenario"],
            "scenario_description": p["scenario_description"],
            "seed": self.seed,
            "design": {
                "college": p["college"],
                "treated_majors": treated_names,
                "comparison_majors": [m["major"] for m in self.majors if not m["treated"]],
                "cohorts": [int(c) for c in self.cohorts],
                "reform_cohort": p["reform_cohort"],
                "treatment": "D = treated_major and cohort >= reform_cohort",
                "treated_trend_clock": "cohort - (reform_cohort - 1) for treated majors, 0 "
                                       "otherwise (the pretrend term is zero in the reference "
                                       "cohort)",
                "survey": f"one tracking survey in mid-January {p['survey_year']}; adaptation "
                          "follow-up = months from job start to the survey, so later cohorts "
                          "are censored more; a random adaptation_lost_to_follow_up share is "
                          "censored earlier (non-informative censoring)",
                "graduates_per_major_cohort": {
                    m["major"]: dict(zip([str(c) for c in self.cohorts],
                                         self.sizes[i].tolist(), strict=True))
                    for i, m in enumerate(self.majors)},
                "n_rows": {name: int(len(df)) for name, df in tables.items()},
                "n_employers": int(len(self.employer_ids)),
                "n_raters": int(len(self.rater_ids)),
                "self_employed": "self-employed graduates have job_related_to_major, "
                                 "job_satisfaction, employer_in_cluster, work_region and "
                                 "left_within_6_months, but no employer_id, employer_tier, "
                                 "adaptation or retraining (they have no employer)",
                "order_class": "marks the reform bundle (order classes with partner firms); it "
                               "has no direct effect on outcomes in any scenario",
                "missingness": "unknown destinations and item non-response are missing "
                               "completely at random",
            },
            "parameters": params,
            "calibrated_intercepts": self.intercepts,
            "random_effects": self.random_effects,
            "effects": self.effects,
            "calibration_sources": CALIBRATION_SOURCES,
            "calibration_reference": CALIBRATION_REFERENCE,
            "realised_baselines": self._realised_baselines(tables["graduates"]),
        }
        return _jsonable(truth)


def _marginal_log_hr(eta0: np.ndarray, beta: float, scale: float, shape: float) -> dict:
    """Population-averaged log hazard ratio of a Weibull PH model with heterogeneity.

    Marginal survival S_d(t) = mean_i exp(-(t/scale)^shape exp(eta_i + d beta)); the marginal
    hazard ratio h_1(t) / h_0(t) is averaged (on the log scale) over t with weights equal to the
    untreated event density, t on a 0.05-month grid up to 36 months. Hand-written: a numerical
    summary of the DGP, not an estimator.
    """
    t = np.arange(0.05, 36.0, 0.05)
    base = (t / scale) ** shape                     # cumulative baseline hazard
    dbase = shape / scale * (t / scale) ** (shape - 1)
    out = {}
    for d in (0, 1):
        risk = np.exp(eta0 + d * beta)[:, None]
        s_i = np.exp(-base[None, :] * risk)
        surv = s_i.mean(axis=0)
        dens = (dbase[None, :] * risk * s_i).mean(axis=0)
        out[d] = (surv, dens / surv, dens)
    log_ratio = np.log(out[1][1] / out[0][1])
    w = out[0][2] / out[0][2].sum()
    return {"value": float((w * log_ratio).sum()),
            "at_1_month": float(np.interp(1.0, t, log_ratio)),
            "at_6_months": float(np.interp(6.0, t, log_ratio)),
            "method": "log of the marginal hazard ratio averaged over the untreated event "
                      "density (numerical, from the DGP)"}


def _jsonable(obj, digits: int = 6):
    """Plain JSON types; floats rounded so truth.json is byte-stable."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v, digits) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if not np.isfinite(x):
            return None
        x = round(x, digits)
        return 0.0 if x == 0 else x
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot serialise {type(obj).__name__} in truth.json")


# --------------------------------------------------------------------------------------------
# writing files
# --------------------------------------------------------------------------------------------
#: Decimals written for float columns (the in-memory tables are rounded the same way).
FLOAT_DECIMALS = {"adaptation_months": 1, "retraining_hours": 0, "score": 1}


def _format_column(col: pd.Series, name: str) -> pd.Series:
    """Text of a column as written: true/false, integers, rounded floats, '' for missing."""
    if isinstance(col.dtype, pd.BooleanDtype) or pd.api.types.is_bool_dtype(col):
        arr = col.astype("boolean")
        text = pd.Series(np.where(arr.isna().to_numpy(), "",
                                  np.where(arr.fillna(False).to_numpy(dtype=bool), "true",
                                           "false")), index=col.index, dtype=object)
    elif pd.api.types.is_float_dtype(col):
        decimals = FLOAT_DECIMALS.get(name, 3)
        arr = col.to_numpy(dtype=float)
        good = np.isfinite(arr)
        formatted = np.full(len(arr), "", dtype=object)
        if good.any():
            strings = np.char.mod(f"%.{decimals}f", np.round(arr[good], decimals))
            if decimals:
                strings = np.char.rstrip(np.char.rstrip(strings, "0"), ".")
            formatted[good] = strings.astype(object)
        formatted[formatted == "-0"] = "0"
        text = pd.Series(formatted, index=col.index, dtype=object)
    else:
        text = col.astype("string")
    return text.astype("string").fillna("")


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes as :func:`generate` writes them (UTF-8 without BOM, ``\\n`` line ends)."""
    out = pd.DataFrame({c: _format_column(df[c], c) for c in df.columns})
    buf = _io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def truth_json_text(truth: dict) -> str:
    """``truth.json`` text: sorted keys, indent 2, UTF-8 characters kept."""
    return json.dumps(truth, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def generate(scenario: str = "paper_claims", seed: int | None = None,
             out_dir: str | os.PathLike | None = None, **overrides) -> Path:
    """Write a synthetic scenario: the four tables, ``truth.json`` and ``datapackage.json``.

    Everything is first written to a temporary folder next to ``out_dir``; only when every file
    is complete are they moved into place (``os.replace``, atomic per file; a new ``out_dir`` is
    renamed into place in one step). Same seed and numpy version give byte-identical files.

    Parameters
    ----------
    scenario : {"paper_claims", "null", "pretrend"}
    seed : int, optional
        Default :data:`DEFAULT_SEED`.
    out_dir : path, optional
        Default ``data/raw/synthetic/<scenario>`` of the project.
    **overrides
        Parameter overrides, see :func:`scenario_parameters`; recorded in ``truth.json``.

    Returns
    -------
    Path
        The folder written.

    Examples
    --------
    >>> import tempfile
    >>> out = generate("null", seed=3, out_dir=tempfile.mkdtemp() + "/null")
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['datapackage.json', 'employer_ratings.csv', 'evaluations.csv', 'graduates.csv',
     'programmes.csv', 'truth.json']
    """
    seed = DEFAULT_SEED if seed is None else int(seed)
    if out_dir is None:
        from talentlab.data.io import SYNTHETIC_DIR

        out_dir = SYNTHETIC_DIR / scenario
    out_dir = Path(out_dir)
    tables, truth = simulate_tables(scenario, seed, **overrides)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        os.chmod(stage, 0o755)                       # mkdtemp makes 0700; a data folder is public
        for name, df in tables.items():
            (stage / f"{name}.csv").write_bytes(to_csv_bytes(df))
        (stage / "truth.json").write_bytes(truth_json_text(truth).encode("utf-8"))
        origin = {
            "data_origin": "synthetic",
            "scenario": scenario,
            "seed": seed,
            "generator": GENERATOR,
            "generator_version": GENERATOR_VERSION,
            "numpy_version": np.__version__,
            "reform_cohort": truth["design"]["reform_cohort"],
            "truth": "truth.json",
            "description": "SYNTHETIC data generated by talentlab.simulate with known truth "
                           "(truth.json); not real records / 合成数据，非真实记录. "
                           + truth["scenario_description"],
        }
        if overrides:
            origin["overrides"] = sorted(overrides)
        schema.write_datapackage(stage, origin=origin)
        if not out_dir.exists():
            os.replace(stage, out_dir)
        else:
            for item in sorted(stage.iterdir()):
                os.replace(item, out_dir / item.name)
            stage.rmdir()
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return out_dir
