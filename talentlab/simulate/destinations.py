"""Destinations six months after graduation: further study, not employed, the employed kinds,
and unknown destinations (survey non-response).

Stream: ``destination``. Sets ``true_destination``, ``destination``, ``ft``, ``employed``,
``employee``, ``self_employed`` and the calibrated intercepts ``further_study_logit`` and
``not_employed_logit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

from talentlab.data.schema import EMPLOYED, EMPLOYEES
from talentlab.simulate.calibration import calibrate_logit_intercept

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def draw_destinations(sim: Simulation) -> None:
    """Draw every graduate's destination (calibrated to the national shares by cohort)."""
    p, sd = sim.p, sim.sd
    r = sim.rng["destination"]
    u_fs, u_ne, u_prep, u_emp, u_unknown = r.random((5, sim.n))
    fs_share = np.array([p["further_study_share"][str(c)] for c in sim.cohorts])
    # further study: same secular trend for every major; abler graduates go on more often
    a_fs = np.array([calibrate_logit_intercept(f, p["further_study_ability_logit"])
                     for f in fs_share])
    idx = sim.cohort - p["first_cohort"]
    p_fs = expit(a_fs[idx] + p["further_study_ability_logit"] * sim.ability)
    fs = u_fs < p_fs
    # not employed (unemployed or preparing further study), given no further study
    not_emp_share = 1 - p["employment_rate_target"]
    q = (not_emp_share * (1 - p["preparing_further_study_share"])
         + p["preparing_further_study_share"]) / (1 - fs_share)
    sd_ne = float(np.hypot(p["not_employed_ability_logit"],
                           np.hypot(sd["not_employed_major"], sd["not_employed_cell"])))
    a_ne = np.array([calibrate_logit_intercept(x, sd_ne) for x in q])
    p_ne = expit(a_ne[idx] + p["not_employed_ability_logit"] * sim.ability
                 + sim.re["not_employed"])
    ne = ~fs & (u_ne < p_ne)
    prep_within = p["preparing_further_study_share"] / (
        not_emp_share * (1 - p["preparing_further_study_share"])
        + p["preparing_further_study_share"])
    dest = np.full(sim.n, "employed_full_time", dtype=object)
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
    sim.true_destination = dest.copy()
    dest[unknown] = "unknown"
    sim.destination = dest
    sim.ft = dest == "employed_full_time"
    sim.employed = np.isin(dest, EMPLOYED)
    sim.employee = np.isin(dest, EMPLOYEES)
    sim.self_employed = dest == "self_employed"
    sim.intercepts["further_study_logit"] = dict(
        zip([str(c) for c in sim.cohorts], a_fs.tolist(), strict=True))
    sim.intercepts["not_employed_logit"] = dict(
        zip([str(c) for c in sim.cohorts], a_ne.tolist(), strict=True))
