"""Qualitative Comparative Analysis (crisp, multi-value and fuzzy sets) matching R's QCA package
(Dusa, version 3.25.1): calibration, truth tables, exact Boolean minimisation (conservative,
parsimonious and intermediate solutions with all equally minimal models), parameters of fit,
necessity analysis, diagnostics and robustness checks. Pure computation on DataFrames.

Examples
--------
>>> import pandas as pd
>>> from talentlab.qca import truth_table, minimize
>>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
>>> minimize(truth_table(d, "Y"), include="?").solutions
[['A']]
"""

from talentlab.qca.analysis import QCAResult, analyse
from talentlab.qca.calibrate import calibrate
from talentlab.qca.configuration import GLYPHS, configuration_table
from talentlab.qca.diagnostics import diagnose, random_consistency_probability
from talentlab.qca.expressions import QCAError, QCAWarning, TautologyError, compute
from talentlab.qca.fit import fit, necessity_parameters, sufficiency_parameters
from talentlab.qca.minimize import (
    IntermediateBranch,
    MinimizeResult,
    Solution,
    directional_matrix,
    minimize,
)
from talentlab.qca.nca import NCAResult, bottleneck_table, nca
from talentlab.qca.necessity import necessity, superset_subset
from talentlab.qca.robustness import (
    FOUR_VALUE_LEVELS,
    RobustnessResult,
    aggregate_sets,
    pivot_long,
    recoding_variants,
    robustness,
)
from talentlab.qca.truth_table import TruthTable, truth_table

__all__ = [
    "GLYPHS",
    "NCAResult",
    "bottleneck_table",
    "configuration_table",
    "nca",
    "FOUR_VALUE_LEVELS",
    "IntermediateBranch",
    "MinimizeResult",
    "QCAError",
    "QCAResult",
    "QCAWarning",
    "RobustnessResult",
    "Solution",
    "TautologyError",
    "TruthTable",
    "aggregate_sets",
    "analyse",
    "calibrate",
    "compute",
    "diagnose",
    "directional_matrix",
    "fit",
    "minimize",
    "necessity",
    "necessity_parameters",
    "pivot_long",
    "random_consistency_probability",
    "recoding_variants",
    "robustness",
    "sufficiency_parameters",
    "superset_subset",
    "truth_table",
]
