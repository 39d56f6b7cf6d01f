"""The employer ratings table: which employees are rated by which of their employer's raters,
five ordered items, overall satisfaction and would-hire-again.

Stream: ``ratings``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import expit

from talentlab.data import schema
from talentlab.simulate.numerics import ordinal_category
from talentlab.simulate.scenarios import RATING_ITEMS

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def ratings_table(sim: Simulation) -> pd.DataFrame:
    """Rating rows sorted by graduate then rater; keeps ``rating_grad``, ``rating_rater`` and the
    untreated latent mean ``rating_mu0`` for the truth."""
    p, r = sim.p, sim.rng["ratings"]
    emp = np.maximum(sim.employer, 0)
    u_rated, u_second, u_r1, u_r2 = r.random((4, sim.n))
    rated = (sim.employee & sim.employer_rates[emp] & (u_rated < p["graduate_rated_share"]))
    n_r = sim.employer_n_raters[emp]
    first = np.minimum((u_r1 * n_r).astype(int), n_r - 1)
    second = (first + 1 + np.minimum((u_r2 * (n_r - 1)).astype(int),
                                     np.maximum(n_r - 2, 0))) % n_r
    two = rated & (n_r > 1) & (u_second < p["second_rater_share"])
    grad = np.concatenate([np.flatnonzero(rated), np.flatnonzero(two)])
    which = np.concatenate([first[rated], second[two]])
    order = np.lexsort((np.concatenate([np.zeros(rated.sum()), np.ones(two.sum())]), grad))
    grad, which = grad[order], which[order]
    rater = sim.employer_first_rater[emp[grad]] + which
    n = len(grad)
    sim.rating_grad, sim.rating_rater = grad, rater
    beta, trend = sim.effect("recognition_latent")
    mu0 = (p["rating_intercept"] + p["rating_ability"] * sim.ability[grad]
           + sim.employer_re_rating[emp[grad]] + sim.re["rating"][grad] + trend[grad]
           + sim.rater_re[rater])
    sim.rating_mu0 = mu0
    mu = mu0 + sim.at(beta, grad) * sim.D[grad]
    item_sd = p["rating_item_sd"]
    items = {}
    nr = p["nonresponse"]
    for name in RATING_ITEMS:
        e = r.normal(0.0, item_sd, n)
        value = pd.array(ordinal_category(mu + p["rating_item_intercepts"][name] + e,
                              p["rating_cutpoints"]), dtype="Int64")
        value[r.random(n) < nr["rating_item"]] = pd.NA
        items[name] = value
    overall = ordinal_category(mu + r.normal(0.0, item_sd, n), p["overall_cutpoints"])
    overall[r.random(n) < nr["overall_cannot_evaluate"]] = 0
    hire = r.random(n) < expit(p["would_hire_intercept"] + p["would_hire_slope"] * mu)
    hire_arr = pd.array(hire, dtype="boolean")
    hire_arr[r.random(n) < nr["would_hire_again"]] = pd.NA
    ratings = pd.DataFrame({
        "rating_id": pd.array([f"RT{k:05d}" for k in range(1, n + 1)], dtype="string"),
        "student_id": pd.array(sim.student_ids[grad], dtype="string"),
        "employer_id": pd.array(sim.employer_ids[emp[grad]], dtype="string"),
        "rater_id": pd.array(sim.rater_ids[rater], dtype="string"),
        **items,
        "overall_satisfaction": pd.array(overall, dtype="Int64"),
        "would_hire_again": hire_arr,
    })
    return ratings[schema.field_names("employer_ratings")]
