"""The design: cohort sizes, the graduates (major, cohort, treatment, ability), random effects.

Streams: ``sizes``, ``ability``, ``effects``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from talentlab.simulate.numerics import centred_normal

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def draw_sizes(sim: Simulation) -> None:
    """Graduates per major and cohort (``sizes``), also for the cohorts the programmes table
    needs before and after the graduate cohorts (``sizes_all``, ``all_cohorts``)."""
    p, r = sim.p, sim.rng["sizes"]
    first_all = p["programme_first_year"] + 1
    last_all = p["last_cohort"] + 3
    sim.all_cohorts = np.arange(first_all, last_all + 1)
    base = np.array([m["size"] for m in sim.majors], dtype=float)
    centre = 0.5 * (p["first_cohort"] + p["last_cohort"])
    growth = np.exp(p["cohort_size_growth"] * (sim.all_cohorts - centre))
    noise = np.exp(r.normal(0.0, p["cohort_size_sd"], (sim.n_majors, len(sim.all_cohorts))))
    sizes = np.rint(base[:, None] * growth[None, :] * noise).astype(int)
    sizes = np.clip(sizes, p["cohort_size_min"], p["cohort_size_max"])
    sim.sizes_all = sizes                       # graduates (or would-be graduates)
    keep = (sim.all_cohorts >= p["first_cohort"]) & (sim.all_cohorts <= p["last_cohort"])
    sim.sizes = sizes[:, keep]


def draw_graduates(sim: Simulation) -> None:
    """One row per graduate, ordered by cohort then major: ``major``, ``cohort``, ``cell``,
    ``treated``, ``reform`` (the unit's reform cohort), ``post``, ``D`` (treated and post),
    ``trend_clock``, ``effect_scale`` (staggered scenario only) and ``ability``."""
    p = sim.p
    counts = sim.sizes.ravel()                  # major-major x cohort order
    m_idx = np.repeat(np.arange(sim.n_majors), len(sim.cohorts))
    c_val = np.tile(sim.cohorts, sim.n_majors)
    # order graduates by cohort then major (as a registry export would)
    order = np.lexsort((m_idx, c_val))
    sim.major = np.repeat(m_idx[order], counts[order])
    sim.cohort = np.repeat(c_val[order], counts[order])
    sim.cell = sim.major * len(sim.cohorts) + (sim.cohort - p["first_cohort"])
    sim.n = len(sim.major)
    treated_major = np.array([m["treated"] for m in sim.majors])
    sim.treated = treated_major[sim.major]
    sim.reform = sim.unit_reform[sim.major]
    sim.post = sim.cohort >= sim.reform
    sim.D = sim.treated & sim.post
    # treated-specific trend clock: zero in the cohort before the reform
    sim.trend_clock = np.where(sim.treated, sim.cohort - (sim.reform - 1), 0)
    if sim.staggered:
        # effects differ by adoption year and grow with exposure (cohorts since the reform)
        scale = p["adoption_effect_scale"]
        group = np.array([scale.get(str(r), 0.0) for r in sim.unit_reform])[sim.major]
        exposure = 1.0 + p["exposure_growth"] * (sim.cohort - sim.reform)
        sim.effect_scale = np.where(sim.D, group * exposure, 0.0)
    sim.ability = sim.rng["ability"].normal(0.0, p["ability_sd"], sim.n)


def draw_random_effects(sim: Simulation) -> None:
    """Random effects per outcome: major (centred), cohort (common), major x cohort cell."""
    r, sd = sim.rng["effects"], sim.sd
    n_cells = sim.n_majors * len(sim.cohorts)
    sim.re = {}
    sim.re_major = {}
    sim.re_shock = {}
    for outcome in ("not_employed", "relevance", "in_cluster", "turnover", "adaptation",
                    "retraining", "certificate", "rating", "evaluation"):
        major = centred_normal(r, sd.get(f"{outcome}_major", 0.0), sim.n_majors)
        cohort = r.normal(0.0, sd.get(f"{outcome}_cohort", sd.get(f"{outcome}_cohort_prob",
                                                                  0.0)),
                          len(sim.cohorts))
        cell = r.normal(0.0, sd.get(f"{outcome}_cell", sd.get(f"{outcome}_cell_prob", 0.0)),
                        n_cells)
        sim.re_major[outcome] = major[sim.major]
        sim.re_shock[outcome] = (cohort[sim.cohort - sim.p["first_cohort"]]
                                 + cell[sim.cell])
        sim.re[outcome] = sim.re_major[outcome] + sim.re_shock[outcome]
        sim.random_effects[outcome] = {
            "major": dict(zip(sim.unit_label, major.tolist(), strict=True)),
            "cohort": dict(zip([str(c) for c in sim.cohorts], cohort.tolist(), strict=True)),
            "major_x_cohort_sd_realised": float(cell.std()) if n_cells > 1 else 0.0,
        }


def order_class_share(p: dict, treated: np.ndarray, cohort: np.ndarray,
                      reform: np.ndarray | int | None = None) -> np.ndarray:
    """Share of graduates in order classes (the reform bundle), by treatment and cohort;
    ``reform`` is the reform cohort per element (default: the scenario's one date)."""
    spec = p["order_class_share"]
    reform = p["reform_cohort"] if reform is None else reform
    post = np.asarray(spec["treated_post"], dtype=float)
    k = np.clip(cohort - reform, 0, len(post) - 1)
    return np.where(treated, np.where(cohort >= reform, post[k],
                                      spec["treated_pre"]), spec["control"])
