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

These three share the random numbers for a given seed (common random numbers): they differ only
where the planted effects differ.

``staggered`` (:data:`STAGGERED_SCENARIOS`)
    Five synthetic colleges with six majors each (cohorts 2015-2025): 22 of the 30 college x
    major units are reformed from graduation cohort 2018, 2020 or 2022, eight never
    (:data:`~talentlab.simulate.scenarios.STAGGERED_REFORMS`); the same kinds of major are
    reformed at some colleges and not, or later, at others. The planted effect of a reformed
    unit is ``effects[k] * adoption_effect_scale[reform year] * (1 + exposure_growth * (cohort -
    reform year))``: larger for early adopters and growing with exposure, the case in which
    two-way fixed effects are biased. The reform years are in the programmes table's
    ``reform_year`` column; ``truth.json`` gives every outcome's group-time ATT(g, t) and their
    simple (the overall ``att``), event-time and group aggregations, weighted as Callaway and
    Sant'Anna's ``did`` weights them (``truth["aggregation"]``).

Examples
--------
>>> from talentlab.simulate import simulate_tables
>>> tables, truth = simulate_tables("null", seed=1)
>>> sorted(tables)
['employer_ratings', 'evaluations', 'graduates', 'programmes']
>>> truth["effects"]["job_related_to_major"]["att"]
0.0

Modules
-------
``scenarios``
    design constants, every parameter (``BASE_PARAMETERS``), the scenarios and
    :func:`scenario_parameters`.
``calibration``
    the published figures the baselines are calibrated to, and the intercept calibration.
``engine``
    :func:`simulate_tables`: the named random streams and the fixed order of the steps.
``design``, ``destinations``, ``employment``, ``adaptation``, ``graduates``, ``ratings``, ``evaluations``, ``programmes``
    what is drawn: one module per part of the DGP, each drawing from its own streams.
``truth``
    what is recorded: the planted effects on the estimands' scales and ``truth.json``.
``writing``
    CSV and JSON text, and :func:`generate` (an atomic folder write).
"""

from __future__ import annotations

# Public API (``__all__``) and the former single module's other names, re-exported explicitly
# (``X as X``) so that ``from talentlab.simulate import ...`` keeps working for all of them.
from talentlab.simulate.calibration import CALIBRATION_REFERENCE as CALIBRATION_REFERENCE
from talentlab.simulate.calibration import CALIBRATION_SOURCES as CALIBRATION_SOURCES
from talentlab.simulate.engine import STREAMS as STREAMS
from talentlab.simulate.engine import Simulation as Simulation
from talentlab.simulate.engine import simulate_tables
from talentlab.simulate.scenarios import (
    ALL_SCENARIOS,
    DEFAULT_SEED,
    SCENARIOS,
    STAGGERED_SCENARIOS,
    SimulationParameterError,
    scenario_parameters,
)
from talentlab.simulate.scenarios import BASE_PARAMETERS as BASE_PARAMETERS
from talentlab.simulate.scenarios import COLLEGE as COLLEGE
from talentlab.simulate.scenarios import EVALUATION_DIMENSIONS as EVALUATION_DIMENSIONS
from talentlab.simulate.scenarios import GENERATOR as GENERATOR
from talentlab.simulate.scenarios import GENERATOR_VERSION as GENERATOR_VERSION
from talentlab.simulate.scenarios import MAJORS as MAJORS
from talentlab.simulate.scenarios import PARTIES as PARTIES
from talentlab.simulate.scenarios import RATING_ITEMS as RATING_ITEMS
from talentlab.simulate.scenarios import SCENARIO_SETTINGS as SCENARIO_SETTINGS
from talentlab.simulate.writing import FLOAT_DECIMALS as FLOAT_DECIMALS
from talentlab.simulate.writing import generate
from talentlab.simulate.writing import to_csv_bytes as to_csv_bytes
from talentlab.simulate.writing import truth_json_text as truth_json_text

__all__ = [
    "ALL_SCENARIOS",
    "DEFAULT_SEED",
    "SCENARIOS",
    "STAGGERED_SCENARIOS",
    "SimulationParameterError",
    "generate",
    "scenario_parameters",
    "simulate_tables",
]
