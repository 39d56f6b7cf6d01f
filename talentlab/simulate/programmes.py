"""The programmes table: one row per major and academic year with teaching inputs and the
reform's activities (phased in over three years for the reformed majors); in the staggered
scenario one row per college x major and academic year, with the contract's ``reform_year``.

Stream: ``programmes``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from talentlab.data import schema
from talentlab.simulate.design import order_class_share

if TYPE_CHECKING:
    from talentlab.simulate.engine import Simulation


def programmes_table(sim: Simulation) -> pd.DataFrame:
    """Programme-year rows in contract column order (integer counts as Int64)."""
    p, r = sim.p, sim.rng["programmes"]
    years = np.arange(p["programme_first_year"], p["last_cohort"] + 1)
    rows = []
    treated_major = np.array([m["treated"] for m in sim.majors])
    intake = np.rint(sim.sizes_all / (1 - p["dropout_share"])).astype(int)
    order_share = order_class_share(p, np.repeat(treated_major[:, None], len(sim.all_cohorts),
                                                 axis=1),
                                    np.tile(sim.all_cohorts, (sim.n_majors, 1)),
                                    sim.unit_reform[:, None])
    order_students = np.rint(intake * order_share).astype(int)
    for m_i, m in enumerate(sim.majors):
        start = sim.unit_reform[m_i] - 3
        for y in years:
            ramp = float(np.clip((y - start + 1) / 3, 0, 1)) if m["treated"] else 0.0
            t = y - p["programme_first_year"]
            enrolled_cohorts = (sim.all_cohorts >= y + 1) & (sim.all_cohorts <= y + 3)
            enrolled = int(intake[m_i, enrolled_cohorts].sum())
            in_order = int(order_students[m_i, enrolled_cohorts].sum())
            teachers = max(int(round(enrolled / p["students_per_teacher"]))
                           + int(r.integers(-1, 2)), 4)
            dq_share = min(p["double_qualified_share"] + p["double_qualified_trend"] * t
                           + p["double_qualified_reform"] * ramp, 0.95)
            courses = int(r.integers(26, 35))
            co_share = min(p["co_developed_share"] + 0.005 * t
                           + p["co_developed_reform"] * ramp, 0.9)
            rows.append({
                "college": sim.unit_college[m_i], "major": m["major"], "year": int(y),
                "specialised_teachers": teachers,
                "double_qualified_teachers": int(r.binomial(teachers, dq_share)),
                "enterprise_part_time_teachers": int(r.poisson(
                    p["part_time_teachers"] + 0.1 * t
                    + p["part_time_teachers_reform"] * ramp)),
                "courses_total": courses,
                "courses_co_developed": int(r.binomial(courses, co_share)),
                "students_enrolled": enrolled,
                "order_class_students": min(in_order, enrolled),
                "technical_service_projects": int(r.poisson(
                    p["technical_service_projects"] + 0.1 * t
                    + p["technical_service_projects_reform"] * ramp)),
                "sme_employees_trained": int(r.poisson(
                    p["sme_employees_trained"] + 2.0 * t
                    + p["sme_employees_trained_reform"] * ramp)),
            })
    prog = pd.DataFrame(rows)
    if sim.staggered:
        prog["reform_year"] = [m["reform_year"] for m in sim.majors for _ in years]
    for col in prog.columns:
        prog[col] = prog[col].astype("string" if col in ("college", "major") else "Int64")
    return prog[schema.field_names("programmes", optional=sim.staggered)]
