"""zhuhai.design_advice (issue 22 item 5): the advisor plans the result's design with the noise
calibrated on the claim's outcome in the data, on the one-date and the staggered path."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import talentlab
from talentlab.cases import zhuhai
from talentlab.data.paper import load_claims
from talentlab.evaluation.design import Design, calibrate
from tests.conftest import PROJECT_ROOT

STAGGERED = PROJECT_ROOT / "data" / "raw" / "synthetic" / "staggered"
OUTCOME = "job_related_to_major"


def _noise(design: Design) -> dict:
    return {k: getattr(design, k) for k in ("base_rate", "unit_sd", "cell_sd", "n_per_cell")}


def test_one_date_advice_plans_with_the_noise_calibrate_finds_on_the_data():
    """Shipped data: the planned design is the result's (8 majors, 3 reformed, reform 2022)
    with calibrate's estimates on the outcome's sample (reformed majors' cells from 2022 left
    out), not the advisor's default noise; the rule's family size is the result's."""
    data = talentlab.load_all()
    result = zhuhai.evaluate(data, load_claims(),
                             zhuhai.ZhuhaiSettings(outcomes=[OUTCOME], n_bootstrap=99))
    advice = zhuhai.design_advice(result, data, OUTCOME, n_simulations=2, supportable=False)

    frame = zhuhai.outcome_frame(data, OUTCOME)
    frame["first_treated"] = np.where(frame["treated_major"], 2022, 0)
    found = calibrate(frame, OUTCOME, unit="major", first_treated="first_treated")
    assert _noise(advice.design) == found
    assert advice.calibration == found
    assert found["cell_sd"] != Design().cell_sd and found["n_per_cell"] != Design().n_per_cell
    assert (advice.design.majors, advice.design.treated, advice.design.reform) == (8, 3, 2022)
    assert advice.power.n_simulations == 2 and advice.power.design == advice.design
    assert advice.power.family_size == int(result.verdicts["family_size"].max())
    assert np.isnan(advice.supportable) and "calibrated" in advice.summary()
    with pytest.raises(talentlab.evaluation.EvaluationInputError, match="not a 0/1 outcome"):
        zhuhai.design_advice(result, data, "retraining_hours", n_simulations=2)


@pytest.mark.slow
def test_staggered_result_gets_calibrated_advice_and_a_supportable_effect():
    """Five colleges, reform years 2018/2020/2022 (about 30 s: the evaluation): the
    randomization inference permutes within colleges; advice, not None; the design has the result's colleges, units per college and reform years, the noise
    calibrate's on the college x major cells not yet reformed; the supportable-effect search
    runs and reports its Monte Carlo SE."""
    data = talentlab.load_all(STAGGERED)
    result = zhuhai.evaluate(data, load_claims(),
                             zhuhai.ZhuhaiSettings(outcomes=[OUTCOME], n_bootstrap=99))
    assert result.design["design"] == "staggered"
    # each college chose its own schedule: the randomization permutes within colleges
    ri = result.effects[result.effects["inference"] == "randomization"].iloc[0]
    assert "within each of 5 strata" in ri["method"]
    advice = zhuhai.design_advice(result, data, OUTCOME, n_simulations=3, steps=1,
                                  max_effect=0.05)

    years = talentlab.data.reform_years(data)
    frame = zhuhai.with_units(zhuhai.outcome_frame(data, OUTCOME), years)
    found = calibrate(frame, OUTCOME, unit="unit", first_treated="first_treated")
    assert _noise(advice.design) == found
    d = advice.design
    assert (d.colleges, d.majors, d.reform_years, d.staggered) == (5, 6, (2018, 2020, 2022),
                                                                 True)
    assert d.colleges * d.treated == 5 * 4  # 22 reformed units planned as 4 per college
    assert advice.power.n_simulations == 3 and 0 <= advice.power.mc_se <= 0.5
    assert np.isnan(advice.supportable) or advice.supportable_power is not None
    other = dataclasses.replace(data, programmes=data.programmes.assign(
        reform_year=data.programmes["reform_year"].where(
            data.programmes["reform_year"] != 2022, 2021)))
    with pytest.raises(talentlab.evaluation.EvaluationInputError, match="not the result.s"):
        zhuhai.design_advice(result, other, OUTCOME, n_simulations=2)
