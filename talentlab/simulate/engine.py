"""The driver: seeds the random streams and runs the steps of the DGP in their fixed order.

One run is a :class:`Simulation`: a plain state object (arrays per graduate unless named
otherwise) that the step functions of the sibling modules read and extend. Each step draws from
its own named stream (:data:`STREAMS`, spawned from one ``SeedSequence``), so a step's draws do not
depend on how much another step drew; within a stream the order of the draws is fixed by the
order of :meth:`Simulation.run` and of the code inside each step. Changing either changes the
shipped data (``data/raw/synthetic``), whose checksums the tests compare.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.simulate import (
    adaptation,
    design,
    destinations,
    employment,
    evaluations,
    graduates,
    programmes,
    ratings,
    truth,
)
from talentlab.simulate.scenarios import (
    DEFAULT_SEED,
    SimulationParameterError,
    scenario_parameters,
)

#: Named random streams, one ``numpy.random.Generator`` each (``SeedSequence(seed).spawn``).
#: The order of this tuple fixes which child seed each stream gets: never reorder or insert.
STREAMS = ("sizes", "effects", "ability", "destination", "relevance", "cluster", "region",
           "tier", "employer", "adaptation", "turnover", "retraining", "satisfaction",
           "certificate", "order", "nonresponse", "ratings", "evaluations", "programmes", "ids")


def simulate_tables(scenario: str = "paper_claims", seed: int | None = DEFAULT_SEED,
                    **overrides) -> tuple[dict[str, pd.DataFrame], dict]:
    """Generate the four record tables of a synthetic scenario in memory, with the truth.

    Parameters
    ----------
    scenario : {"paper_claims", "null", "pretrend", "staggered"}
        ``staggered`` has five colleges whose majors are reformed in different years
        (:data:`~talentlab.simulate.scenarios.STAGGERED_REFORMS`); its programmes table has the
        contract's ``reform_year`` column.
    seed : int, optional
        Seed of :func:`numpy.random.default_rng` (through ``SeedSequence.spawn``); ``None`` means
        :data:`DEFAULT_SEED`. The same seed and numpy version give identical tables.
    **overrides
        Parameter overrides, see :func:`scenario_parameters`.

    Returns
    -------
    tables : dict of DataFrame
        ``graduates``, ``employer_ratings``, ``evaluations``, ``programmes`` with exactly the
        contract's columns in contract order and the loader's dtypes (string, Int64, boolean,
        category, float64), so they equal what :func:`talentlab.load_all` returns for the files
        :func:`generate` writes.
    truth : dict
        JSON-serialisable: parameters, design, realised random effects, calibration sources and
        the planted effects on the scale the evaluation estimates (see ``truth["effects"]``).

    Examples
    --------
    >>> tables, truth = simulate_tables("paper_claims", seed=7)
    >>> g = tables["graduates"]
    >>> bool(g["student_id"].is_unique)
    True
    >>> truth["effects"]["job_related_to_major"]["scale"]
    'percentage_points'
    """
    params = scenario_parameters(scenario, **overrides)
    seed = DEFAULT_SEED if seed is None else int(seed)
    if seed < 0:
        raise SimulationParameterError(f"seed must be a non-negative integer, got {seed}")
    return Simulation(params, seed, spawn_streams(seed)).run()


def spawn_streams(seed: int) -> dict[str, np.random.Generator]:
    """One independent generator per name in :data:`STREAMS`, all from ``seed``."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {name: np.random.default_rng(s) for name, s in zip(STREAMS, children, strict=True)}


class Simulation:
    """State of one run of the DGP. Arrays are per graduate unless named otherwise.

    The step functions (``design.draw_*``, ``destinations.draw_destinations``, ...) set the
    attributes documented in their docstrings; the truth recorded in ``truth.json`` is
    collected in :attr:`effects`, :attr:`random_effects` and :attr:`intercepts`.
    """

    def __init__(self, params: dict, seed: int, rng: dict[str, np.random.Generator]):
        self.p = params
        self.seed = seed
        self.rng = rng
        self.sd = params["random_effect_sd"]
        self.majors = params["majors"]
        self.n_majors = len(self.majors)
        self.cohorts = np.arange(params["first_cohort"], params["last_cohort"] + 1)
        # units are majors (one college) or college x major (several colleges, each unit with
        # its own reform year); a never-reformed unit's reform lies beyond every cohort
        self.staggered = params["reform_cohort"] is None
        self.unit_college = np.array([m.get("college", params.get("college"))
                                      for m in self.majors], dtype=object)
        self.unit_label = [f"{m['college']} | {m['major']}" if self.staggered else m["major"]
                           for m in self.majors]
        never = params["last_cohort"] + 1000
        self.unit_reform = np.array([(m["reform_year"] if m["reform_year"] is not None
                                      else never) if self.staggered
                                     else params["reform_cohort"] for m in self.majors])
        self.effects: dict[str, dict] = {}
        self.random_effects: dict[str, object] = {}
        self.intercepts: dict[str, object] = {}

    def effect(self, key: str) -> tuple[float | np.ndarray, np.ndarray]:
        """Planted effect (applies to D) and the treated-specific trend term per graduate.

        With one reform date the effect is one number; in the staggered scenario it is an
        array per graduate (``effects[key]`` times :attr:`effect_scale`)."""
        beta = float(self.p["effects"][key])
        if self.staggered:
            beta = beta * self.effect_scale
        return beta, float(self.p["treated_trend"][key]) * self.trend_clock

    @staticmethod
    def at(values: float | np.ndarray, rows: np.ndarray) -> float | np.ndarray:
        """A per-graduate array at the graduates ``rows`` index; a number stays a number."""
        return values[rows] if isinstance(values, np.ndarray) else values

    def run(self) -> tuple[dict[str, pd.DataFrame], dict]:
        """Draw everything in the fixed order; return the four tables and the truth."""
        design.draw_sizes(self)
        design.draw_graduates(self)
        design.draw_random_effects(self)
        destinations.draw_destinations(self)
        employment.draw_relevance(self)
        employment.draw_cluster_and_region(self)
        employment.draw_tier(self)
        employment.draw_employers(self)
        employment.draw_turnover(self)
        employment.draw_satisfaction(self)
        adaptation.draw_adaptation(self)
        adaptation.draw_retraining(self)
        graduates.draw_certificate_and_order(self)
        tables = {
            "graduates": graduates.graduates_table(self),
            "employer_ratings": ratings.ratings_table(self),
            "evaluations": evaluations.evaluations_table(self),
            "programmes": programmes.programmes_table(self),
        }
        truth.record_effects(self)
        return tables, truth.record_truth(self, tables)
