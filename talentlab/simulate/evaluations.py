"""The three-party evaluations table: school teachers, enterprise mentors and industry assessors
score a sample of graduates on three dimensions (0-100).

Stream: ``evaluations``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from talentlab.data import schema
from talentlab.simulate.scenarios import EVALUATION_DIMENSIONS, PARTIES

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def evaluations_table(sim: Simulation) -> pd.DataFrame:
    """Evaluation rows sorted by graduate, party and dimension; keeps ``eval_frame`` (expected
    scores per row) for the truth."""
    p, r = sim.p, sim.rng["evaluations"]
    ev = _expected_scores(sim, r)
    noise = r.normal(0.0, p["evaluation_noise_sd"], len(ev))
    ev["_score"] = np.round(np.clip(ev["_mean0"].to_numpy() + ev["_beta"].to_numpy()
                                    + noise, 0.0, 100.0), 1)
    sim.eval_frame = ev
    levels = schema.resource("evaluations")["schema"]["fields"]
    party_levels = next(f for f in levels if f["name"] == "party")["constraints"]["enum"]
    out = pd.DataFrame({
        "student_id": pd.array(sim.student_ids[ev["_g"].to_numpy()], dtype="string"),
        "party": pd.Categorical(ev["_party"].to_numpy(dtype=object), categories=party_levels),
        "evaluator_id": pd.array(ev["_ev"].to_numpy(dtype=object), dtype="string"),
        "dimension": pd.array(ev["_dim"].to_numpy(dtype=object), dtype="string"),
        "score": ev["_score"].to_numpy(dtype=float),
    })
    return out[schema.field_names("evaluations")]


def _expected_scores(sim: Simulation, r: np.random.Generator) -> pd.DataFrame:
    """Who is evaluated by whom, with the untreated expected score ``_mean0`` and the planted
    shift ``_beta`` per row (graduate ``_g``, ``_party``, ``_dim``, evaluator ``_ev``)."""
    p = sim.p
    u_sample, u_industry, u_teacher, u_mentor, u_assessor = r.random((5, sim.n))
    sampled = u_sample < p["evaluation_sample_share"]
    n_t = p["school_evaluators_per_major"]
    teacher = sim.major * n_t + np.minimum((u_teacher * n_t).astype(int), n_t - 1)
    teacher_re = r.normal(0.0, sim.sd["evaluation_evaluator"], sim.n_majors * n_t)
    n_a = p["industry_evaluators"]
    assessor = np.minimum((u_assessor * n_a).astype(int), n_a - 1)
    assessor_re = r.normal(0.0, sim.sd["evaluation_evaluator"], n_a)
    emp = np.maximum(sim.employer, 0)
    n_r = sim.employer_n_raters[emp]
    mentor = sim.employer_first_rater[emp] + np.minimum((u_mentor * n_r).astype(int),
                                                        n_r - 1)
    parts = []
    for party in PARTIES:
        if party == "school":
            who = np.flatnonzero(sampled)
            ev_id = np.array([f"SCH-T{k + 1:02d}" for k in teacher[who]], dtype=object)
            ev_re = teacher_re[teacher[who]]
        elif party == "enterprise":
            who = np.flatnonzero(sampled & sim.employee)
            ev_id = sim.rater_ids[mentor[who]]
            ev_re = sim.rater_re_eval[mentor[who]]
        else:
            who = np.flatnonzero(sampled & (u_industry < p["evaluation_industry_share"]))
            ev_id = np.array([f"IND-A{k + 1:02d}" for k in assessor[who]], dtype=object)
            ev_re = assessor_re[assessor[who]]
        beta, trend = sim.effect(f"evaluation_{party}_points")
        for dim in EVALUATION_DIMENSIONS:
            mean0 = (p["evaluation_mean"] + p["evaluation_party_offset"][party]
                     + p["evaluation_dimension_offset"][dim]
                     + p["evaluation_ability_points"] * sim.ability[who]
                     + sim.re["evaluation"][who] + ev_re + trend[who])
            parts.append(pd.DataFrame({"_g": who, "_party": party, "_dim": dim,
                                       "_ev": ev_id, "_mean0": mean0,
                                       "_beta": sim.at(beta, who) * sim.D[who]}))
    ev = pd.concat(parts, ignore_index=True)
    ev["_sort_party"] = ev["_party"].map({k: i for i, k in enumerate(PARTIES)})
    ev["_sort_dim"] = ev["_dim"].map({k: i for i, k in enumerate(EVALUATION_DIMENSIONS)})
    ev = ev.sort_values(["_g", "_sort_party", "_sort_dim"], kind="stable",
                        ignore_index=True)
    return ev
