"""The graduates table: industry certificates and order classes, item non-response, student
ids, and the assembly of the contract's columns from the draws of the earlier steps.

Streams: ``certificate``, ``order``, ``nonresponse``, ``ids``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from talentlab.data import schema
from talentlab.simulate.calibration import calibrate_logit_intercept
from talentlab.simulate.design import order_class_share
from talentlab.simulate.numerics import probability

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def draw_certificate_and_order(sim: Simulation) -> None:
    """Industry certificate (``p_cert0``, ``p_cert1``, ``certificate``) and ``order_class``."""
    p, sd = sim.p, sim.sd
    s = float(np.hypot(p["certificate_ability_logit"], sd["certificate_major"]))
    a = calibrate_logit_intercept(p["certificate_target"], s)
    sim.intercepts["certificate_logit"] = a
    beta, trend = sim.effect("certificate_logit")
    centre = 0.5 * (p["first_cohort"] + p["last_cohort"])
    lin0 = (a + p["certificate_ability_logit"] * sim.ability
            + sim.re_major["certificate"] + trend)
    shift = (p["certificate_secular_trend"] * (sim.cohort - centre)
             + sim.re_shock["certificate"])
    sim.p_cert0, sim.p_cert1 = probability(lin0, shift), probability(lin0 + beta, shift)
    u = sim.rng["certificate"].random(sim.n)
    sim.certificate = u < np.where(sim.D, sim.p_cert1, sim.p_cert0)
    u_order = sim.rng["order"].random(sim.n)
    sim.order_class = u_order < order_class_share(p, sim.treated, sim.cohort, sim.reform)


def graduates_table(sim: Simulation) -> pd.DataFrame:
    """The graduates table in contract column order and loader dtypes (sets ``student_ids``)."""
    nr = sim.p["nonresponse"]
    r = sim.rng["nonresponse"]
    miss = {k: r.random(sim.n) < nr[k] for k in
            ("job_related_to_major", "job_satisfaction", "left_within_6_months",
             "adaptation", "retraining_hours", "industry_certificate")}
    ids = sim.rng["ids"].choice(90000, size=sim.n, replace=False) + 10000
    sim.student_ids = np.array([f"G{k}" for k in ids], dtype=object)
    emp, employee, employed = sim.employer, sim.employee, sim.employed

    def nullable_bool(values, present):
        arr = pd.array(values.astype(bool), dtype="boolean")
        arr[~present] = pd.NA
        return arr

    has_adapt = employee & ~miss["adaptation"]
    employer_id = np.where(employee, sim.employer_ids[np.maximum(emp, 0)], None)
    tier = np.where(employee, sim.employer_tier[np.maximum(emp, 0)], None)
    sat = pd.array(sim.job_satisfaction, dtype="Int64")
    sat[~(employed & ~miss["job_satisfaction"])] = pd.NA
    levels = {f["name"]: f.get("constraints", {}).get("enum")
              for f in schema.resource("graduates")["schema"]["fields"]}
    majors = np.array([m["major"] for m in sim.majors], dtype=object)
    g = pd.DataFrame({
        "student_id": pd.array(sim.student_ids, dtype="string"),
        "college": pd.array(sim.unit_college[sim.major], dtype="string"),
        "major": pd.array(majors[sim.major], dtype="string"),
        "cohort": pd.array(sim.cohort, dtype="Int64"),
        "treated_major": pd.array(sim.treated, dtype="boolean"),
        "destination": pd.Categorical(sim.destination, categories=levels["destination"]),
        "job_related_to_major": nullable_bool(
            sim.related, employed & ~miss["job_related_to_major"]),
        "job_satisfaction": sat,
        "employer_id": pd.array(employer_id, dtype="string"),
        "employer_in_cluster": nullable_bool(sim.in_cluster, employed),
        "employer_tier": pd.Categorical(tier, categories=levels["employer_tier"]),
        "work_region": pd.Categorical(np.where(employed, sim.region, None),
                                      categories=levels["work_region"]),
        "adaptation_months": np.where(has_adapt, sim.adapt_months, np.nan),
        "adaptation_reached": nullable_bool(sim.adapt_reached, has_adapt),
        "left_within_6_months": nullable_bool(
            sim.left, employed & ~miss["left_within_6_months"]),
        "retraining_hours": np.where(employee & ~miss["retraining_hours"], sim.hours,
                                     np.nan),
        "industry_certificate": nullable_bool(sim.certificate,
                                              ~miss["industry_certificate"]),
        "order_class": pd.array(sim.order_class, dtype="boolean"),
    })
    return g[schema.field_names("graduates")]
