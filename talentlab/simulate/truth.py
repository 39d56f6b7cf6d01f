"""What the run records: the truth written to ``truth.json``.

Every planted effect is stated on the scale the evaluation estimates, computed exactly from the
data-generating probabilities and expectations (no sampling noise): the ATT over the treated-post
units and the 2x2 difference in differences of the expected outcomes. :func:`record_truth` adds
the design, parameters, calibrated intercepts, realised random effects, calibration sources and
the realised baselines, rounded to plain JSON types (:func:`jsonable`).

No random numbers are drawn here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import expit, ndtr

from talentlab.data.schema import EMPLOYED
from talentlab.simulate.calibration import CALIBRATION_REFERENCE, CALIBRATION_SOURCES
from talentlab.simulate.numerics import clipped_normal_mean, ordinal_expectation, percent
from talentlab.simulate.scenarios import (
    GENERATOR,
    GENERATOR_VERSION,
    PARTIES,
    RATING_ITEMS,
)

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation

def record_truth(sim: Simulation, tables: dict[str, pd.DataFrame]) -> dict:
    """The whole ``truth.json`` content of a finished run (after :func:`record_effects`)."""
    p = sim.p
    params = {k: v for k, v in p.items() if k not in ("scenario", "scenario_description")}
    treated_names = [m["major"] for m in sim.majors if m["treated"]]
    design = staggered_design(sim, tables) if sim.staggered else None
    truth = {
        "data_origin": "synthetic",
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "numpy_version": np.__version__,
        "scenario": p["scenario"],
        "scenario_description": p["scenario_description"],
        "seed": sim.seed,
        "design": design or {
            "college": p["college"],
            "treated_majors": treated_names,
            "comparison_majors": [m["major"] for m in sim.majors if not m["treated"]],
            "cohorts": [int(c) for c in sim.cohorts],
            "reform_cohort": p["reform_cohort"],
            "treatment": "D = treated_major and cohort >= reform_cohort",
            "treated_trend_clock": "cohort - (reform_cohort - 1) for treated majors, 0 "
                                   "otherwise (the pretrend term is zero in the reference "
                                   "cohort)",
            "survey": f"one tracking survey in mid-January {p['survey_year']}; adaptation "
                      "follow-up = months from job start to the survey, so later cohorts "
                      "are censored more; a random adaptation_lost_to_follow_up share is "
                      "censored earlier (non-informative censoring)",
            "graduates_per_major_cohort": {
                m["major"]: dict(zip([str(c) for c in sim.cohorts],
                                     sim.sizes[i].tolist(), strict=True))
                for i, m in enumerate(sim.majors)},
            "n_rows": {name: int(len(df)) for name, df in tables.items()},
            "n_employers": int(len(sim.employer_ids)),
            "n_raters": int(len(sim.rater_ids)),
            "self_employed": "self-employed graduates have job_related_to_major, "
                             "job_satisfaction, employer_in_cluster, work_region and "
                             "left_within_6_months, but no employer_id, employer_tier, "
                             "adaptation or retraining (they have no employer)",
            "order_class": "marks the reform bundle (order classes with partner firms); it "
                           "has no direct effect on outcomes in any scenario",
            "missingness": "unknown destinations and item non-response are missing "
                           "completely at random",
        },
        "parameters": params,
        "calibrated_intercepts": sim.intercepts,
        "random_effects": sim.random_effects,
        "effects": sim.effects,
        "calibration_sources": CALIBRATION_SOURCES,
        "calibration_reference": CALIBRATION_REFERENCE,
        "realised_baselines": realised_baselines(sim, tables["graduates"]),
    }
    if sim.staggered:
        truth["aggregation"] = AGGREGATION
    return jsonable(truth)


#: How the staggered scenario's truth aggregates the group-time effects (written into truth.json).
AGGREGATION = {
    "group_time": "ATT(g, t) for adoption group g (the units whose reform_year is g) and "
                  "cohort t >= g: the mean over the outcome's population in group g and cohort t "
                  "of the planted effect on the outcome's scale, exactly from the data-generating "
                  "probabilities and expectations (no sampling noise). Cells t < g are 0 by "
                  "construction (no anticipation; parallel trends hold in expectation).",
    "simple": "att = sum over post cells (g, t >= g) of ATT(g, t) * P(G = g), divided by the sum "
              "of P(G = g) over the same cells: the weighting of Callaway and Sant'Anna's simple "
              "aggregation (R did::aggte(type = 'simple')). P(G = g) is the share of the "
              "outcome's population rows (all cohorts pooled, as did's repeated cross-sections "
              "count them) in adoption group g, counted in the data-generating process before "
              "item non-response (missing completely at random, so only sampling noise separates "
              "it from the weights an estimator forms from the answered rows).",
    "event_time": "ATT(e) = sum over groups g with cohort g + e in the data of ATT(g, g + e) * "
                  "P(G = g), divided by the sum of those P(G = g) (did's dynamic aggregation).",
    "group": "ATT(g) = the unweighted mean of ATT(g, t) over the group's post cohorts (did's "
             "group aggregation).",
    "att_treated_post_units": "the mean over all treated-post rows of the population (each "
                              "graduate, rating or evaluation weighted equally); differs from "
                              "the simple aggregation because groups differ in size and in "
                              "their number of post cohorts.",
}


def staggered_design(sim: Simulation, tables: dict[str, pd.DataFrame]) -> dict:
    """The ``design`` block of the staggered scenario: colleges, units, adoption groups."""
    p = sim.p
    groups = sorted({int(y) for y in sim.unit_reform if y <= p["last_cohort"]})
    units = [{"college": m["college"], "major": m["major"], "reform_year": m["reform_year"]}
             for m in sim.majors]
    return {
        "colleges": list(p["colleges"]),
        "units": units,
        "adoption_groups": {str(g): sum(1 for m in sim.majors if m["reform_year"] == g)
                            for g in groups},
        "never_reformed_units": sum(1 for m in sim.majors if m["reform_year"] is None),
        "cohorts": [int(c) for c in sim.cohorts],
        "reform_cohort": None,
        "reform_years": "programmes.reform_year (one per college x major; empty = never "
                        "reformed); graduates.treated_major agrees with it",
        "treatment": "D = the graduate's college x major has a reform_year and cohort >= it",
        "effect_heterogeneity": "planted effect on the link scale = effects[k] * "
                                "adoption_effect_scale[reform_year] * (1 + exposure_growth * "
                                "(cohort - reform_year)) for treated-post graduates: larger in "
                                "earlier-adopting units and growing with exposure",
        "survey": f"one tracking survey in mid-January {p['survey_year']} (as in the one-college "
                  "scenarios)",
        "graduates_per_unit_cohort": {
            label: dict(zip([str(c) for c in sim.cohorts], sim.sizes[i].tolist(), strict=True))
            for i, label in enumerate(sim.unit_label)},
        "n_rows": {name: int(len(df)) for name, df in tables.items()},
        "n_employers": int(len(sim.employer_ids)),
        "n_raters": int(len(sim.rater_ids)),
        "missingness": "unknown destinations and item non-response are missing "
                       "completely at random",
    }


def group_time_effects(sim: Simulation, grad: np.ndarray | None, population: np.ndarray,
                       delta: np.ndarray, factor: float = 1.0) -> dict:
    """Group-time effects of the staggered scenario and their aggregations.

    ``delta`` is the planted effect per row (graduates, or rating / evaluation rows whose
    graduate is ``grad``), ``population`` the rows the outcome is defined on; see
    :data:`AGGREGATION` for the estimands and the weighting.
    """
    rows = np.arange(sim.n) if grad is None else grad
    group_of_row = sim.reform[rows]
    cohort_of_row = sim.cohort[rows]
    last = int(sim.p["last_cohort"])
    groups = sorted({int(g) for g in sim.unit_reform if g <= last})
    share = {g: float((population & (group_of_row == g)).sum()) / max(int(population.sum()), 1)
             for g in groups}
    cells = []
    for g in groups:
        for t in range(g, last + 1):
            m = population & (group_of_row == g) & (cohort_of_row == t)
            if m.any():
                cells.append({"group": g, "cohort": t, "event_time": t - g,
                              "att": factor * float(delta[m].mean()), "n": int(m.sum())})

    def weighted(chosen: list[dict]) -> float | None:
        w = np.array([share[c["group"]] for c in chosen])
        if not len(chosen) or w.sum() == 0:
            return None
        return float(np.dot(w, [c["att"] for c in chosen]) / w.sum())

    event_times = sorted({c["event_time"] for c in cells})
    tp = population & sim.D[rows]
    return {
        "att": weighted(cells),
        "att_treated_post_units": factor * float(delta[tp].mean()) if tp.any() else None,
        "group_share": {str(g): share[g] for g in groups},
        "group_time": cells,
        "event_time": [{"event_time": e, "att": weighted([c for c in cells
                                                          if c["event_time"] == e])}
                       for e in event_times],
        "group": [{"group": g, "att": float(np.mean([c["att"] for c in cells
                                                     if c["group"] == g]))}
                  for g in groups if any(c["group"] == g for c in cells)],
    }


def staggered_entry(sim: Simulation, entry: dict, grad: np.ndarray | None,
                    population: np.ndarray, delta: np.ndarray, factor: float = 1.0) -> dict:
    """An effect entry of the staggered scenario: the one-date 2x2 DiD is meaningless there and
    gives way to the group-time effects; ``att`` becomes their simple aggregation. Unchanged
    with one reform date."""
    if not sim.staggered:
        return entry
    entry.pop("expected_simple_did", None)
    entry.update(group_time_effects(sim, grad, population, delta, factor))
    entry["estimand"] = ("att: Callaway-Sant'Anna simple aggregation of the group-time ATTs "
                         "(truth['aggregation']). Each ATT(g, t), and att_treated_post_units, "
                         "averages the per-row effect over its rows, as the one-date scenarios' "
                         "att does: " + entry["estimand"])
    return entry


def record_effects(sim: Simulation) -> None:
    """Fill ``sim.effects``: the planted effect of every outcome on its estimand's scale."""
    binary_outcome_effects(sim)
    adaptation_effect(sim)
    retraining_effect(sim)
    rating_effects(sim)
    evaluation_effects(sim)
    activity_effects(sim)


def binary_outcome_effects(sim: Simulation) -> None:
    """Binary graduate outcomes (percentage points): relevance, cluster employer, local
    work, six-month turnover and industry certificates."""
    employed_known = sim.employed
    # relevance: national definition base = full-time employed
    binary_effect(
        sim, "job_related_to_major", sim.ft, sim.p_rel0, sim.p_rel1,
        "destination employed_full_time (national definition of job-major relevance)",
        "relevance_logit", "increase",
        {"att_all_employed": percent((sim.p_rel1 - sim.p_rel0)[employed_known & sim.D]
                                     .mean()) if (employed_known & sim.D).any() else None,
         "model": "logit"})
    binary_effect(
        sim, "employer_in_cluster", employed_known, sim.p_ic0, sim.p_ic1,
        "employed graduates (full time, part time, self-employed)", "in_cluster_logit",
        "increase", {"model": "logit"})
    q = sim.p_local_non_cluster
    binary_effect(
        sim, "work_region_local", employed_known, sim.p_ic0 + (1 - sim.p_ic0) * q,
        sim.p_ic1 + (1 - sim.p_ic1) * q,
        "employed graduates; indirect: cluster employers are local, others local with "
        f"probability {q}", None, "increase",
        {"mechanism": "via employer_in_cluster"})
    leave0 = sim.p_rel0 * sim.p_leave_rel + (1 - sim.p_rel0) * sim.p_leave_unrel
    leave1 = sim.p_rel1 * sim.p_leave_rel + (1 - sim.p_rel1) * sim.p_leave_unrel
    binary_effect(
        sim, "left_within_6_months", employed_known, leave0, leave1,
        "employed graduates; indirect: related jobs are left less often", None, "decrease",
        {"mechanism": "via job_related_to_major"})
    binary_effect(
        sim, "industry_certificate", np.ones(sim.n, dtype=bool), sim.p_cert0, sim.p_cert1,
        "all graduates", "certificate_logit", "increase", {"model": "logit"})


def adaptation_effect(sim: Simulation) -> None:
    """Adaptation: the planted conditional log hazard ratio and population-averaged
    summaries (median months, marginal log hazard ratio)."""
    p = sim.p
    beta = float(p["effects"]["adaptation_log_hr"])
    beta_each = sim.effect("adaptation_log_hr")[0]   # per graduate in the staggered scenario
    tp = sim.employee & sim.D
    k, scale = sim.adapt_shape, sim.adapt_scale
    entry = {
        "scale": "log_hazard_ratio",
        "estimand": "log hazard ratio of reaching independent work, treated-post vs "
                    "untreated (Weibull proportional hazards, conditional on ability, "
                    "tier, employer and major effects)",
        "population": "employees (employed_full_time, employed_part_time)",
        "n_treated_post": int(tp.sum()),
        "att": beta,
        "hazard_ratio": float(np.exp(beta)),
        "planted_parameter": "effects.adaptation_log_hr",
        "planted_value": beta,
        "treated_trend_per_cohort": float(p["treated_trend"]["adaptation_log_hr"]),
        "claimed_direction": "increase (shorter adaptation)",
        "note": "A Cox model that omits ability and employer effects estimates a "
                "population-averaged log HR attenuated towards 0 (non-collapsibility); "
                "see marginal_log_hazard_ratio.",
    }
    if tp.any():
        eta0 = sim.eta0[tp]
        beta_tp = sim.at(beta_each, np.flatnonzero(tp))
        med0 = scale * (np.log(2) * np.exp(-eta0)) ** (1 / k)
        med1 = scale * (np.log(2) * np.exp(-(eta0 + beta_tp))) ** (1 / k)
        entry["median_months_untreated_mean"] = float(med0.mean())
        entry["median_months_treated_mean"] = float(med1.mean())
        entry["median_months_difference_mean"] = float((med1 - med0).mean())
        entry["marginal_log_hazard_ratio"] = marginal_log_hr(eta0, beta_tp, scale, k)
    if sim.staggered:
        staggered_entry(sim, entry, None, sim.employee, beta_each)
        entry["hazard_ratio"] = float(np.exp(entry["att"])) if entry["att"] is not None else None
        entry["note"] += (" In the staggered scenario the group-time values are the planted "
                          "conditional log hazard ratios averaged over the cell's employees "
                          "(a Cox-model parameter, not a difference in means).")
    sim.effects["adaptation"] = entry


def retraining_effect(sim: Simulation) -> None:
    """Retraining hours: ATT on the additive mean (hours)."""
    p = sim.p
    tp = sim.employee & sim.D
    mean_real = np.where(sim.D, sim.hours_mean1, sim.hours_mean0)
    sim.effects["retraining_hours"] = staggered_entry(sim, {
        "scale": "hours",
        "estimand": "ATT: mean over treated-post employees of E[hours | D=1] - "
                    "E[hours | D=0] (additive mean model; gamma noise with mean 1)",
        "population": "employees (employed_full_time, employed_part_time)",
        "n_treated_post": int(tp.sum()),
        "att": float((sim.hours_mean1 - sim.hours_mean0)[tp].mean()) if tp.any() else None,
        "expected_simple_did": expected_simple_did(sim.treated, sim.post, sim.employee, mean_real),
        "planted_parameter": "effects.retraining_hours",
        "planted_value": float(p["effects"]["retraining_hours"]),
        "treated_trend_per_cohort": float(p["treated_trend"]["retraining_hours"]),
        "claimed_direction": "decrease",
    }, None, sim.employee, sim.hours_mean1 - sim.hours_mean0)


def binary_effect(sim: Simulation, name: str, population: np.ndarray, p0: np.ndarray,
                  p1: np.ndarray, population_text: str, planted: str | None, direction: str,
                  extra: dict | None = None) -> None:
    """Effect of a binary outcome in percentage points, exactly from the DGP probabilities."""
    tp = population & sim.D
    realised = np.where(sim.D, p1, p0)
    entry = {
        "scale": "percentage_points",
        "estimand": "ATT: mean over the population's treated-post graduates of "
                    "100 * [P(Y=1 | D=1) - P(Y=1 | D=0)] from the data-generating "
                    "probabilities (the LPM DiD coefficient x 100)",
        "population": population_text,
        "n_treated_post": int(tp.sum()),
        "att": percent((p1[tp] - p0[tp]).mean()) if tp.any() else None,
        "expected_simple_did": expected_simple_did(sim.treated, sim.post, population,
                                                   realised, 100.0),
        "claimed_direction": direction,
    }
    if planted:
        entry["planted_parameter"] = f"effects.{planted}"
        entry["planted_value"] = float(sim.p["effects"][planted])
        entry["treated_trend_per_cohort"] = float(sim.p["treated_trend"][planted])
    if extra:
        entry.update(extra)
    sim.effects[name] = staggered_entry(sim, entry, None, population, p1 - p0, 100.0)


def expected_simple_did(treated: np.ndarray, post: np.ndarray, population: np.ndarray | None,
                        expected: np.ndarray, factor: float = 1.0) -> float | None:
    """2x2 DiD of the expected outcomes (no sampling noise): treated post-pre minus control.

    ``treated``, ``post`` and ``expected`` are per unit (graduate, rating or evaluation row);
    ``population`` restricts the units (``None``: all). ``None`` when a cell is empty.
    """
    cells = []
    for is_treated in (True, False):
        for is_post in (True, False):
            m = (treated == is_treated) & (post == is_post)
            if population is not None:
                m = population & m
            if not m.any():
                return None
            cells.append(expected[m].mean())
    return float(factor * ((cells[0] - cells[1]) - (cells[2] - cells[3])))


def activity_effects(sim: Simulation) -> None:
    """Truth for the reform's own outputs (programme-year activity counts).

    The reform's activities are carried out in every scenario (``null`` included): the
    reformed majors' expected counts rise by ``<outcome>_reform`` per major-year, phased in
    over three academic years from the year the first reformed cohort enrols. ``att`` is
    that increment averaged over the reformed majors' post-reform years (what the
    programme-year DiD estimates); ``implemented`` says whether the activity took place.
    """
    p = sim.p
    if sim.staggered:
        staggered_activity_effects(sim)
        return
    years = np.arange(p["programme_first_year"], p["last_cohort"] + 1)
    start = p["reform_cohort"] - 3
    post = years[years >= start]
    ramp = np.clip((post - start + 1) / 3, 0, 1)
    n_treated = sum(1 for m in sim.majors if m["treated"])
    units = {"technical_service_projects": "projects per major-year",
             "sme_employees_trained": "people trained per major-year"}
    for name, unit in units.items():
        increment = float(p[f"{name}_reform"])
        sim.effects[name] = {
            "kind": "activity",
            "scale": unit,
            "estimand": "mean over the reformed majors' post-reform academic years of the "
                        "planted increase in the expected count (Poisson mean)",
            "population": "programmes table, one row per major and academic year",
            "n_treated_post": int(n_treated * len(post)),
            "att": float(increment * ramp.mean()) if len(post) and n_treated else 0.0,
            "planted_parameter": f"{name}_reform",
            "planted_value": increment,
            "first_reformed_year": int(start),
            "implemented": bool(increment > 0 and n_treated > 0 and len(post) > 0),
            "claimed_direction": "increase",
            "note": "an activity of the reform itself (not an outcome in graduates or "
                    "employers); claims about it are judged descriptively",
        }


def staggered_activity_effects(sim: Simulation) -> None:
    """Activity truth of the staggered scenario: each reformed unit's activities rise from the
    academic year three years before its reform year (when its first reformed cohort enrols),
    phased in over three years; ``att`` pools every reformed unit's post-reform years."""
    p = sim.p
    years = np.arange(p["programme_first_year"], p["last_cohort"] + 1)
    ramps = []
    for g in sim.unit_reform[[m["treated"] for m in sim.majors]]:
        start = int(g) - 3
        post = years[years >= start]
        ramps.append(np.clip((post - start + 1) / 3, 0, 1))
    ramp = np.concatenate(ramps)
    units = {"technical_service_projects": "projects per major-year",
             "sme_employees_trained": "people trained per major-year"}
    for name, unit in units.items():
        increment = float(p[f"{name}_reform"])
        sim.effects[name] = {
            "kind": "activity",
            "scale": unit,
            "estimand": "mean over every reformed college x major's post-reform academic years "
                        "(from three years before its reform_year) of the planted increase in "
                        "the expected count (Poisson mean)",
            "population": "programmes table, one row per college x major and academic year",
            "n_treated_post": int(len(ramp)),
            "att": float(increment * ramp.mean()),
            "planted_parameter": f"{name}_reform",
            "planted_value": increment,
            "first_reformed_year": "reform_year - 3 of each reformed college x major",
            "implemented": bool(increment > 0),
            "claimed_direction": "increase",
            "note": "an activity of the reform itself (not an outcome in graduates or "
                    "employers); claims about it are judged descriptively",
        }


def rating_effects(sim: Simulation) -> None:
    """Employer ratings: the recognition score (points 0-100), the overall-satisfaction top box
    and would-hire-again (percentage points), all driven by ``effects.recognition_latent``."""
    recognition_score_effect(sim)
    rating_binary_effects(sim)


def _rating_rows(sim: Simulation) -> tuple[float, np.ndarray, np.ndarray, np.ndarray,
                                           np.ndarray]:
    """Planted latent shift, then per rating row: untreated latent mean, D, treated, post."""
    grad = sim.rating_grad
    beta = sim.at(sim.effect("recognition_latent")[0], grad)   # per row when staggered
    return beta, sim.rating_mu0, sim.D[grad], sim.treated[grad], sim.post[grad]


def recognition_score_effect(sim: Simulation) -> None:
    """Recognition score: exact expected score of the five ordered-probit items per rating."""
    p = sim.p
    beta, mu0, d_rows, treated, post = _rating_rows(sim)
    grad = sim.rating_grad
    item_sd = p["rating_item_sd"]
    intercepts = np.array([p["rating_item_intercepts"][k] for k in RATING_ITEMS])

    def score(mu):
        vals = [ordinal_expectation(mu + a, p["rating_cutpoints"], item_sd)
                for a in intercepts]
        return 25.0 * np.mean(vals, axis=0)      # 100 * (E[mean item] - 1) / 4

    s0, s1 = score(mu0), score(mu0 + beta)
    realised = np.where(d_rows, s1, s0)
    per_grad = pd.Series(s1 - s0)[d_rows].groupby(grad[d_rows]).mean()
    sim.effects["recognition_score"] = staggered_entry(sim, {
        "scale": "points_0_100",
        "definition": "per rating: 100 * (mean of the answered 1-5 items - 1) / 4 "
                      "(talentlab.evaluation.recognition_score)",
        "estimand": "ATT: mean over ratings of treated-post graduates of "
                    "E[score | D=1] - E[score | D=0] (ordered-probit items, exact normal "
                    "CDFs, given rater and employer effects)",
        "population": "employer ratings",
        "n_treated_post": int(d_rows.sum()),
        "att": float((s1 - s0)[d_rows].mean()) if d_rows.any() else None,
        "att_per_graduate": float(per_grad.mean()) if len(per_grad) else None,
        "expected_simple_did": expected_simple_did(treated, post, None, realised),
        "baseline_mean_score_untreated_pre": float(s0[~treated & ~post].mean()),
        "planted_parameter": "effects.recognition_latent",
        "planted_value": float(p["effects"]["recognition_latent"]),
        "treated_trend_per_cohort": float(p["treated_trend"]["recognition_latent"]),
        "claimed_direction": "increase",
    }, grad, np.ones(len(grad), dtype=bool), s1 - s0)


def rating_binary_effects(sim: Simulation) -> None:
    """Overall satisfaction 4-5 (top box) and would-hire-again, in percentage points."""
    p = sim.p
    beta, mu0, d_rows, treated, post = _rating_rows(sim)
    item_sd = p["rating_item_sd"]
    top0 = ndtr((mu0 - p["overall_cutpoints"][2]) / item_sd)
    top1 = ndtr((mu0 + beta - p["overall_cutpoints"][2]) / item_sd)
    hire0 = expit(p["would_hire_intercept"] + p["would_hire_slope"] * mu0)
    hire1 = expit(p["would_hire_intercept"] + p["would_hire_slope"] * (mu0 + beta))
    for name, a0, a1, text in (
            ("overall_satisfaction_top_box", top0, top1,
             "ratings with overall_satisfaction 1-5 (0 = cannot evaluate excluded); "
             "Y = satisfied or very satisfied (4-5)"),
            ("would_hire_again", hire0, hire1, "ratings with an answer")):
        real = np.where(d_rows, a1, a0)
        sim.effects[name] = staggered_entry(sim, {
            "scale": "percentage_points",
            "estimand": "ATT over ratings of treated-post graduates, 100 * [P(Y=1 | D=1) - "
                        "P(Y=1 | D=0)]",
            "population": text,
            "n_treated_post": int(d_rows.sum()),
            "att": percent((a1 - a0)[d_rows].mean()) if d_rows.any() else None,
            "expected_simple_did": expected_simple_did(treated, post, None, real, 100.0),
            "planted_parameter": "effects.recognition_latent",
            "planted_value": float(p["effects"]["recognition_latent"]),
            "claimed_direction": "increase",
        }, sim.rating_grad, np.ones(len(a0), dtype=bool), a1 - a0, 100.0)


def evaluation_effects(sim: Simulation) -> None:
    """Three-party evaluation scores per party (points 0-100): exact expectations of normal
    scores clipped to 0-100."""
    p, ev = sim.p, sim.eval_frame
    sd = p["evaluation_noise_sd"]
    g = ev["_g"].to_numpy()
    d = sim.D[g]
    for party in PARTIES:
        m = (ev["_party"] == party).to_numpy()
        mean0 = ev["_mean0"].to_numpy()
        beta = float(p["effects"][f"evaluation_{party}_points"])
        beta_rows = sim.at(sim.effect(f"evaluation_{party}_points")[0], g)
        e0 = clipped_normal_mean(mean0, sd, 0.0, 100.0)
        e1 = clipped_normal_mean(mean0 + beta_rows, sd, 0.0, 100.0)
        tp = m & d
        real = np.where(d, e1, e0)
        sim.effects[f"evaluation_score_{party}"] = staggered_entry(sim, {
            "scale": "points_0_100",
            "estimand": "ATT: mean over the party's evaluation rows of treated-post "
                        "graduates of E[score | D=1] - E[score | D=0] (normal scores "
                        "clipped to 0-100, exact)",
            "population": f"evaluations, party == '{party}'",
            "n_treated_post": int(tp.sum()),
            "att": float((e1 - e0)[tp].mean()) if tp.any() else None,
            "expected_simple_did": expected_simple_did(sim.treated[g], sim.post[g], m, real),
            "planted_parameter": f"effects.evaluation_{party}_points",
            "planted_value": beta,
            "treated_trend_per_cohort": float(
                p["treated_trend"][f"evaluation_{party}_points"]),
            "claimed_direction": "increase",
        }, g, m, e1 - e0)


def realised_baselines(sim: Simulation, g: pd.DataFrame) -> dict:
    """Observed (sampled) baseline indicators, pre-reform, for the calibration check."""
    pre = ~sim.post
    dest = sim.destination
    known = dest != "unknown"
    base_emp = known & (dest != "preparing_further_study")
    employed_like = np.isin(dest, EMPLOYED + ("military", "further_study"))
    related = g["job_related_to_major"].to_numpy(dtype=float, na_value=np.nan)
    left = g["left_within_6_months"].to_numpy(dtype=float, na_value=np.nan)
    out = {
        "employment_rate_pre_reform": float(employed_like[pre & base_emp].mean()),
        "relevance_full_time_pre_reform": float(np.nanmean(related[sim.ft & pre])),
        "turnover_employed_pre_reform": float(np.nanmean(left[sim.employed & pre])),
        "in_cluster_employed_pre_reform": float(sim.in_cluster[sim.employed & pre].mean()),
        "local_employed_pre_reform": float((sim.region == "local")[sim.employed & pre]
                                           .mean()),
        "unknown_destination_share": float((~known).mean()),
        "further_study_share_by_cohort": {
            str(c): float((dest[known & (sim.cohort == c)] == "further_study").mean())
            for c in sim.cohorts},
        "adaptation_censored_share_by_cohort": {
            str(c): float(1 - sim.adapt_reached[sim.employee & (sim.cohort == c)].mean())
            for c in sim.cohorts},
    }
    return out


def marginal_log_hr(eta0: np.ndarray, beta: float, scale: float, shape: float) -> dict:
    """Population-averaged log hazard ratio of a Weibull PH model with heterogeneity.

    Marginal survival S_d(t) = mean_i exp(-(t/scale)^shape exp(eta_i + d beta)); the marginal
    hazard ratio h_1(t) / h_0(t) is averaged (on the log scale) over t with weights equal to the
    untreated event density, t on a 0.05-month grid up to 36 months. Hand-written: a numerical
    summary of the DGP, not an estimator.
    """
    t = np.arange(0.05, 36.0, 0.05)
    base = (t / scale) ** shape                     # cumulative baseline hazard
    dbase = shape / scale * (t / scale) ** (shape - 1)
    out = {}
    for d in (0, 1):
        risk = np.exp(eta0 + d * beta)[:, None]
        s_i = np.exp(-base[None, :] * risk)
        surv = s_i.mean(axis=0)
        dens = (dbase[None, :] * risk * s_i).mean(axis=0)
        out[d] = (surv, dens / surv, dens)
    log_ratio = np.log(out[1][1] / out[0][1])
    w = out[0][2] / out[0][2].sum()
    return {"value": float((w * log_ratio).sum()),
            "at_1_month": float(np.interp(1.0, t, log_ratio)),
            "at_6_months": float(np.interp(6.0, t, log_ratio)),
            "method": "log of the marginal hazard ratio averaged over the untreated event "
                      "density (numerical, from the DGP)"}


def jsonable(obj, digits: int = 6):
    """Plain JSON types; floats rounded so truth.json is byte-stable."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v, digits) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v, digits) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        x = float(obj)
        if not np.isfinite(x):
            return None
        x = round(x, digits)
        return 0.0 if x == 0 else x
    if obj is None or isinstance(obj, str):
        return obj
    raise TypeError(f"cannot serialise {type(obj).__name__} in truth.json")
