"""ZhuhaiSettings: the one object a Zhuhai evaluation is run with (issue 24 item 3).

Its fields are checked when it is made, its defaults are the paper's (talentlab.cases.settings),
zhuhai.evaluate takes it instead of loose arguments, and every call the evaluation makes into
talentlab.evaluation passes the reform cohort and the seed explicitly (evaluation/ holds no paper
default to fall back on).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect

import pytest

import talentlab
from talentlab import evaluation as ev
from talentlab.cases import settings as paper
from talentlab.cases import zhuhai
from talentlab.claims import load_claims


def test_defaults_are_the_papers():
    s = zhuhai.ZhuhaiSettings()
    assert (s.reform_cohort, s.seed) == (paper.PAPER_REFORM_COHORT, paper.PAPER_ANALYSIS_SEED)
    assert (s.alpha, s.n_bootstrap, s.inference, s.adjustment) == (0.05, 9999, "cr3", "holm")
    assert s.min_cell is None and s.checked_min_cell == talentlab.data.disclosure.MIN_CELL


def test_lists_become_tuples_and_the_object_is_frozen():
    s = zhuhai.ZhuhaiSettings(treated_majors=["IC"], outcomes=["local_work", "local_work"])
    assert s.treated_majors == ("IC",) and s.outcomes == ("local_work", "local_work")
    assert hash(s) == hash(zhuhai.ZhuhaiSettings(treated_majors=("IC",),
                                                 outcomes=("local_work", "local_work")))
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.alpha = 0.1


@pytest.mark.parametrize("field, value, message", [
    ("alpha", 1.5, "alpha must lie in"),
    ("alpha", 0, "alpha must lie in"),
    ("inference", "bogus", "inference must be one of"),
    ("adjustment", "bonferroni", "adjustment must be one of"),
    ("n_bootstrap", -1, "n_bootstrap must be a whole number"),
    ("n_bootstrap", 9.5, "n_bootstrap must be a whole number"),
    ("treated_majors", "IC", "must be a list of names"),
    ("outcomes", "local_work", "must be a list of names"),
])
def test_a_bad_field_is_refused_when_the_settings_are_made(field, value, message):
    with pytest.raises(ev.EvaluationInputError, match=f"ZhuhaiSettings: {field}.*" if
                       field in ("treated_majors", "outcomes") else message):
        zhuhai.ZhuhaiSettings(**{field: value})


def test_min_cell_below_the_floor_is_refused():
    with pytest.raises(ValueError, match="min_cell|floor|below"):
        zhuhai.ZhuhaiSettings(min_cell=4)


def test_evaluate_takes_settings_not_loose_arguments():
    data = talentlab.load_all()
    with pytest.raises(TypeError):
        zhuhai.evaluate(data, load_claims(), outcomes=["local_work"])
    with pytest.raises(ev.EvaluationInputError, match="settings must be a ZhuhaiSettings"):
        zhuhai.evaluate(data, load_claims(), {"outcomes": ["local_work"]})


#: the functions of talentlab.evaluation the one-date path calls, each with a reform cohort or
#: a seed (recognition_model: two) among its parameters
CALLED = ("did", "event_study", "recognition_model", "adaptation_comparison",
          "minimum_detectable_effect_from_data", "randomization_inference")


def _calls_leaning_on_defaults(monkeypatch, outcomes) -> dict[str, set]:
    """Run the one-date evaluation of ``outcomes`` and return, for each function of
    :data:`CALLED` it called without the reform cohort or the seed, the parameters left out."""
    leaned: dict[str, set] = {}

    def recording(name, fn):
        wanted = {"reform_cohort", "seed", "pretrend_seed"} & set(inspect.signature(fn).parameters)

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            bound = inspect.signature(fn).bind_partial(*args, **kwargs)
            missing = wanted - set(bound.arguments)
            if missing:
                leaned.setdefault(name, set()).update(missing)
            return fn(*args, **kwargs)
        return wrapper

    for name in CALLED:
        monkeypatch.setattr(ev, name, recording(name, getattr(ev, name)))
    settings = zhuhai.ZhuhaiSettings(outcomes=outcomes, n_bootstrap=19)
    result = zhuhai.evaluate(talentlab.load_all(), load_claims(), settings)
    assert set(result.primary_effects()["outcome"]) == set(outcomes)
    return leaned


def test_every_call_into_evaluation_passes_the_reform_cohort_and_the_seed(monkeypatch):
    """evaluation/ is general statistics: the paper's reform cohort and seeds live in cases/,
    so no call may lean on a default there (the event study's pre-trend seed did). A DiD
    outcome and a programme-year panel: did, event_study, randomization_inference and
    minimum_detectable_effect_from_data."""
    assert _calls_leaning_on_defaults(
        monkeypatch, ["local_work", "technical_service_projects"]) == {}


@pytest.mark.slow
def test_the_cox_model_and_the_ratings_model_get_the_reform_cohort_and_the_seed(monkeypatch):
    """As above for adaptation_comparison and recognition_model (about 40 s)."""
    assert _calls_leaning_on_defaults(
        monkeypatch, ["recognition_score", "adaptation_months"]) == {}
