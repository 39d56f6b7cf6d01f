"""evaluation/ holds no paper default (issue 24 item 3): a study states its reform cohort, and
every resampling seed defaults to the one documented constant ``evaluation.DEFAULT_SEED``.

The paper's values live in :mod:`talentlab.cases.settings` and are passed by the studies
(tests/test_architecture.py checks that no literal of them is left in evaluation/).
"""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest

from talentlab import evaluation as ev
from talentlab.evaluation.design import Design, supportable_effect, verdict_power
from talentlab.evaluation.randomization import (
    did_t_statistic,
    randomization_inference,
    staggered_randomization_inference,
)

REFORM_REQUIRED = [ev.did, ev.event_study, ev.minimum_detectable_effect_from_data,
                   ev.adaptation_comparison, ev.recognition_model]
SEEDED = {ev.did: ["seed"], ev.event_study: ["seed"], ev.recognition_model: ["seed",
                                                                              "pretrend_seed"],
          ev.staggered_did: ["seed"], randomization_inference: ["seed"],
          staggered_randomization_inference: ["seed"], verdict_power: ["seed"],
          supportable_effect: ["seed"]}


@pytest.mark.parametrize("function", REFORM_REQUIRED, ids=lambda f: f.__name__)
def test_reform_cohort_is_a_required_keyword(function):
    parameter = inspect.signature(function).parameters["reform_cohort"]
    assert parameter.default is inspect.Parameter.empty
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY


def test_a_call_without_the_reform_cohort_says_so():
    data = pd.DataFrame({"y": [0.0, 1.0], "treated_major": [0, 1], "cohort": [2021, 2022],
                         "major": ["a", "b"]})
    with pytest.raises(TypeError, match="reform_cohort"):
        ev.did(data, "y")
    with pytest.raises(ev.EvaluationInputError, match="reform_cohort .* is required"):
        did_t_statistic("y")


@pytest.mark.parametrize("function", list(SEEDED), ids=lambda f: f.__name__)
def test_seeds_default_to_the_one_documented_constant(function):
    parameters = inspect.signature(function).parameters
    for name in SEEDED[function]:
        assert parameters[name].default == ev.DEFAULT_SEED, name


def test_a_design_names_its_reform():
    with pytest.raises(ev.EvaluationInputError, match="reform"):
        Design().check()
    Design(reform=2022).check()
    Design(reform_years=(2019, 2021), cohorts=tuple(range(2015, 2024))).check()


def _ratings(seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Eight majors (three reformed from 2022), so the pre-trend test's 9,999 Webb draws are
    random draws (6^8 > 9,999), not the enumeration."""
    rng = np.random.default_rng(seed)
    grads = pd.DataFrame([(f"m{m}", c) for m in range(8) for c in range(2018, 2025)
                          for _ in range(6)], columns=["major", "cohort"])
    grads["treated_major"] = grads["major"].isin(["m0", "m1", "m2"])
    grads["student_id"] = [f"s{i}" for i in range(len(grads))]
    items = list(ev.RECOGNITION_ITEMS)
    ratings = pd.DataFrame({"rating_id": [f"r{i}" for i in range(len(grads))],
                            "student_id": grads["student_id"],
                            "employer_id": [f"e{i % 12}" for i in range(len(grads))],
                            "rater_id": [f"e{i % 12}_r{i % 2}" for i in range(len(grads))]})
    for item in items:
        ratings[item] = pd.array(rng.integers(1, 6, len(grads)), dtype="Int64")
    return grads, ratings


def test_recognition_models_pretrend_test_is_seeded_by_pretrend_seed():
    """The pre-trend test's draws were seeded by a literal 20220901; ``pretrend_seed`` seeds
    them now (the Zhuhai study passes its pre-trend seed)."""
    grads, ratings = _ratings(3)
    kw = {"reform_cohort": 2022, "robustness": None}
    first = ev.recognition_model(ratings, grads, pretrend_seed=1, **kw).iloc[0]
    again = ev.recognition_model(ratings, grads, pretrend_seed=1, **kw).iloc[0]
    other = ev.recognition_model(ratings, grads, pretrend_seed=2, **kw).iloc[0]
    assert np.isfinite(first["pretrend_p"])
    assert first["pretrend_p"] == again["pretrend_p"]
    assert first["pretrend_p"] != other["pretrend_p"]
    assert first["estimate"] == other["estimate"]
