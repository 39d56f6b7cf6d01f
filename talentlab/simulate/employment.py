"""Jobs of the employed: relevance to the major, cluster employer and region, employer tier,
the employer pool with its raters, six-month turnover and job satisfaction.

Streams: ``relevance``, ``cluster``, ``region``, ``tier``, ``employer``, ``turnover``,
``satisfaction`` (each drawn by one function below, in this order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit, logit

from talentlab.simulate.calibration import calibrate_logit_intercept
from talentlab.simulate.numerics import ordinal_category, probability

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def draw_relevance(sim: Simulation) -> None:
    """Job-major relevance of the employed (``p_rel0``, ``p_rel1``, ``p_rel``, ``related``)."""
    p, sd = sim.p, sim.sd
    s = float(np.hypot(p["relevance_ability_logit"], sd["relevance_major"]))
    a = calibrate_logit_intercept(p["relevance_full_time_target"], s)
    sim.intercepts["relevance_logit"] = a
    beta, trend = sim.effect("relevance_logit")
    offset = np.select([sim.destination == "employed_part_time", sim.self_employed],
                       [p["relevance_part_time_logit"], p["relevance_self_employed_logit"]],
                       0.0)
    lin0 = (a + offset + p["relevance_ability_logit"] * sim.ability
            + sim.re_major["relevance"] + trend)
    shock = sim.re_shock["relevance"]
    sim.p_rel0, sim.p_rel1 = probability(lin0, shock), probability(lin0 + beta, shock)
    sim.p_rel = np.where(sim.D, sim.p_rel1, sim.p_rel0)
    u = sim.rng["relevance"].random(sim.n)
    sim.related = sim.employed & (u < sim.p_rel)


def draw_cluster_and_region(sim: Simulation) -> None:
    """Employer in the regional cluster (``p_ic0``, ``p_ic1``, ``in_cluster``) and ``region``."""
    p = sim.p
    beta, trend = sim.effect("in_cluster_logit")
    base = logit(np.array([m["cluster_share"] for m in sim.majors]))[sim.major]
    centre = 0.5 * (p["first_cohort"] + p["last_cohort"])
    lin0 = (base + p["in_cluster_ability_logit"] * sim.ability
            + sim.re_major["in_cluster"] + trend)
    shift = (p["in_cluster_secular_trend"] * (sim.cohort - centre)
             + sim.re_shock["in_cluster"])
    sim.p_ic0, sim.p_ic1 = probability(lin0, shift), probability(lin0 + beta, shift)
    sim.p_ic = np.where(sim.D, sim.p_ic1, sim.p_ic0)
    u = sim.rng["cluster"].random(sim.n)
    sim.in_cluster = sim.employed & (u < sim.p_ic)
    # region: cluster enterprises are local by definition (a regional cluster)
    shares = p["non_cluster_region_shares"]
    u_region = sim.rng["region"].random(sim.n)
    region = np.where(u_region < shares["local"], "local",
                      np.where(u_region < shares["local"] + shares["province"], "province",
                               "elsewhere")).astype(object)
    region[sim.in_cluster] = "local"
    sim.region = region
    sim.p_local_non_cluster = shares["local"]


def draw_tier(sim: Simulation) -> None:
    """Employees at a leading firm (``leading``), calibrated to ``leading_tier_share``."""
    p = sim.p
    a = calibrate_logit_intercept(p["leading_tier_share"], p["leading_tier_ability_logit"])
    sim.intercepts["leading_tier_logit"] = a
    u = sim.rng["tier"].random(sim.n)
    sim.leading = sim.employee & (u < expit(a + p["leading_tier_ability_logit"]
                                            * sim.ability))


def draw_employers(sim: Simulation) -> None:
    """Employer pool by (cluster, region, tier); employees drawn in proportion to size.

    Sets the employer arrays (``employer_ids``, ``employer_tier``, random effects, raters) and
    ``employer`` per graduate (-1 for graduates who are not employees).
    """
    r = sim.rng["employer"]
    pools, pool_of, size = _draw_employer_pool(sim, r)
    sim.employer = _assign_employees(sim, r, pools, pool_of, size)


def _draw_employer_pool(sim: Simulation, r: np.random.Generator
                        ) -> tuple[list[tuple[str, str, int]], np.ndarray, np.ndarray]:
    """Employers with their size, ids, random effects and raters (draws in a fixed order)."""
    p = sim.p
    pools = []
    for key, count in p["employers_per_pool"].items():
        where, tier = key.rsplit("_", 1)
        pools.append((where, tier, int(count)))
    n_emp = sum(c for _, _, c in pools)
    pool_of = np.repeat(np.arange(len(pools)), [c for _, _, c in pools])
    size = np.exp(r.normal(0.0, p["employer_size_sd"], n_emp))
    number = r.permutation(n_emp) + 1
    sim.employer_ids = np.array([f"E{k:03d}" for k in number], dtype=object)
    sim.employer_pool = pool_of
    sim.employer_tier = np.array([pools[k][1] for k in pool_of], dtype=object)
    sim.employer_cluster = np.array([pools[k][0] == "cluster" for k in pool_of])
    sim.employer_region = np.array(["local" if pools[k][0] == "cluster" else pools[k][0]
                                    for k in pool_of], dtype=object)
    sd = sim.sd

    def pool_centred(draws: np.ndarray) -> np.ndarray:
        # size-weighted mean zero within each pool: which pool a graduate lands in (which
        # the reform can change through employer_in_cluster) then carries no employer effect
        weighted = np.bincount(pool_of, draws * size) / np.bincount(pool_of, size)
        return draws - weighted[pool_of]

    sim.employer_re_adaptation = pool_centred(
        r.normal(0.0, sd["adaptation_employer"], n_emp))
    sim.employer_re_retraining = pool_centred(
        r.normal(0.0, sd["retraining_employer"], n_emp))
    sim.employer_re_rating = pool_centred(r.normal(0.0, sd["rating_employer"], n_emp))
    sim.employer_rates = r.random(n_emp) < p["employer_rating_participation"]
    sim.employer_n_raters = 1 + np.minimum(r.poisson(p["raters_per_employer_poisson"],
                                                     n_emp),
                                           p["raters_per_employer_max"] - 1)
    sim.employer_first_rater = np.concatenate([[0], np.cumsum(sim.employer_n_raters)[:-1]])
    n_raters = int(sim.employer_n_raters.sum())
    sim.rater_ids = np.array([f"R{k:04d}" for k in range(1, n_raters + 1)], dtype=object)
    sim.rater_re = r.normal(0.0, sd["rating_rater"], n_raters)
    sim.rater_re_eval = r.normal(0.0, sd["evaluation_evaluator"], n_raters)
    return pools, pool_of, size


def _assign_employees(sim: Simulation, r: np.random.Generator, pools, pool_of: np.ndarray,
                      size: np.ndarray) -> np.ndarray:
    """Employer index per graduate: within the pool matching the graduate's cluster, region
    and tier, with probability proportional to employer size; -1 for non-employees."""
    u = r.random(sim.n)
    emp = np.full(sim.n, -1)
    for k, (where, tier, _) in enumerate(pools):
        if where == "cluster":
            mask = sim.employee & sim.in_cluster
        else:
            mask = sim.employee & ~sim.in_cluster & (sim.region == where)
        mask &= (sim.leading if tier == "leading" else ~sim.leading)
        members = np.flatnonzero(pool_of == k)
        cum = np.cumsum(size[members])
        pick = np.searchsorted(cum / cum[-1], u[mask], side="right")
        emp[mask] = members[np.minimum(pick, len(members) - 1)]
    return emp


def draw_turnover(sim: Simulation) -> None:
    """Left the first job within six months (``left``), less often from related jobs."""
    p, sd = sim.p, sim.sd
    s = float(np.sqrt(p["turnover_ability_logit"] ** 2 + sd["turnover_major"] ** 2
                      + sd["turnover_cohort"] ** 2 + sd["turnover_cell"] ** 2))
    rel, lead = p["relevance_full_time_target"], p["leading_tier_share"]
    offsets = [0.0, p["turnover_related_logit"], p["turnover_leading_logit"],
               p["turnover_related_logit"] + p["turnover_leading_logit"]]
    weights = [(1 - rel) * (1 - lead), rel * (1 - lead), (1 - rel) * lead, rel * lead]
    a = calibrate_logit_intercept(p["turnover_target"], s, offsets, weights)
    sim.intercepts["turnover_logit"] = a
    lin_base = (a + p["turnover_leading_logit"] * sim.leading
                + p["turnover_ability_logit"] * sim.ability + sim.re["turnover"])
    sim.p_leave_rel = expit(lin_base + p["turnover_related_logit"])
    sim.p_leave_unrel = expit(lin_base)
    p_leave = np.where(sim.related, sim.p_leave_rel, sim.p_leave_unrel)
    u = sim.rng["turnover"].random(sim.n)
    sim.left = sim.employed & (u < p_leave)


def draw_satisfaction(sim: Simulation) -> None:
    """Job satisfaction 1-5 (ordered probit on relevance and ability)."""
    p = sim.p
    e = sim.rng["satisfaction"].normal(0.0, 1.0, sim.n)
    latent = (p["job_satisfaction_related"] * sim.related
              + p["job_satisfaction_ability"] * sim.ability + e)
    sim.job_satisfaction = ordinal_category(latent, p["job_satisfaction_cutpoints"])
