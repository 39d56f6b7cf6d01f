"""Adaptation on the first job: months to independent work (Weibull proportional hazards,
censored at the survey or at an earlier loss of contact) and employer retraining hours.

Streams: ``adaptation``, ``retraining``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def draw_adaptation(sim: Simulation) -> None:
    """Adaptation months and whether independence was reached (``adapt_months``,
    ``adapt_reached``); keeps the untreated linear predictor ``eta0`` for the truth."""
    p = sim.p
    k = p["adaptation_weibull_shape"]
    scale = p["adaptation_median_months"] / np.log(2) ** (1 / k)
    beta, trend = sim.effect("adaptation_log_hr")
    emp = np.maximum(sim.employer, 0)
    eta0 = (p["adaptation_ability_log_hr"] * sim.ability
            + p["adaptation_leading_log_hr"] * sim.leading + sim.re["adaptation"]
            + sim.employer_re_adaptation[emp] * (sim.employer >= 0) + trend)
    sim.eta0 = eta0
    eta = eta0 + beta * sim.D
    r = sim.rng["adaptation"]
    e = r.exponential(1.0, sim.n)
    delay = r.exponential(p["job_start_delay_mean_months"], sim.n)
    t_event = scale * (e * np.exp(-eta)) ** (1 / k)
    survey = p["survey_year"] + (p["survey_month"] - 1) / 12
    graduation = sim.cohort + (p["graduation_month"] - 1) / 12
    follow_up = np.maximum((survey - graduation) * 12 - delay, 0.1)
    # censoring: the survey date, or an earlier loss of contact (independent of everything,
    # so censoring is non-informative and the planted hazard ratio stays the estimand)
    u_lost, u_when = r.random((2, sim.n))
    lost = u_lost < p["adaptation_lost_to_follow_up"]
    censor = np.where(lost, follow_up * u_when, follow_up)
    reached = t_event <= censor
    months = np.round(np.maximum(np.minimum(t_event, censor), 0.1), 1)
    sim.adapt_scale, sim.adapt_shape = scale, k
    sim.adapt_months = np.where(sim.employee, months, np.nan)
    sim.adapt_reached = sim.employee & reached


def draw_retraining(sim: Simulation) -> None:
    """Retraining hours (gamma noise around an additive mean, ``hours_mean0``, ``hours_mean1``)."""
    p = sim.p
    tau, trend = sim.effect("retraining_hours")
    emp = np.maximum(sim.employer, 0)
    mean0 = (p["retraining_mean_hours"] + p["retraining_leading_hours"] * sim.leading
             + p["retraining_ability_hours"] * sim.ability + sim.re["retraining"]
             + sim.employer_re_retraining[emp] * (sim.employer >= 0) + trend)
    floor = p["retraining_min_mean_hours"]
    sim.hours_mean0 = np.maximum(mean0, floor)
    sim.hours_mean1 = np.maximum(mean0 + tau, floor)
    mean = np.where(sim.D, sim.hours_mean1, sim.hours_mean0)
    shape = p["retraining_gamma_shape"]
    g = sim.rng["retraining"].gamma(shape, 1.0 / shape, sim.n)   # mean 1
    sim.hours = np.round(mean * g)
