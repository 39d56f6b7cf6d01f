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

from talentlab.qca.analysis import QCAResult, QCARobustness, analyse, robustness_checks
from talentlab.qca.calibrate import calibrate, indirect_calibration
from talentlab.qca.cluster import ClusterDiagnostics, cluster_diagnostics
from talentlab.qca.configuration import GLYPHS, configuration_table
from talentlab.qca.diagnostics import diagnose, random_consistency_probability
from talentlab.qca.esa import (
    ESAResult,
    contradictory_simplifying_assumptions,
    enhanced_standard_analysis,
    esa_exclusions,
    simultaneous_subset_rows,
)
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
from talentlab.qca.robustness_fit import (
    case_ratios,
    model_membership,
    robust_cases,
    robust_core_fit,
    robustness_fit,
    single_test_fit,
)
from talentlab.qca.robustness_ranges import (
    calibration_range,
    frequency_cut_range,
    inclusion_cut_range,
)
from talentlab.qca.smmr import smmr, smmr_necessity, smmr_pairs
from talentlab.qca.theory import TheoryEvaluation, theory_evaluation
from talentlab.qca.truth_table import TruthTable, truth_table
from talentlab.qca.xy import XYData, xy_data

__all__ = [
    "GLYPHS",
    "ClusterDiagnostics",
    "ESAResult",
    "TheoryEvaluation",
    "XYData",
    "cluster_diagnostics",
    "contradictory_simplifying_assumptions",
    "enhanced_standard_analysis",
    "esa_exclusions",
    "simultaneous_subset_rows",
    "smmr",
    "smmr_necessity",
    "smmr_pairs",
    "theory_evaluation",
    "xy_data",
    "NCAResult",
    "bottleneck_table",
    "configuration_table",
    "nca",
    "FOUR_VALUE_LEVELS",
    "IntermediateBranch",
    "MinimizeResult",
    "QCAError",
    "QCAResult",
    "QCARobustness",
    "QCAWarning",
    "RobustnessResult",
    "Solution",
    "TautologyError",
    "TruthTable",
    "aggregate_sets",
    "analyse",
    "calibrate",
    "calibration_range",
    "case_ratios",
    "compute",
    "diagnose",
    "directional_matrix",
    "fit",
    "frequency_cut_range",
    "inclusion_cut_range",
    "indirect_calibration",
    "minimize",
    "model_membership",
    "necessity",
    "necessity_parameters",
    "pivot_long",
    "random_consistency_probability",
    "recoding_variants",
    "robust_cases",
    "robust_core_fit",
    "robustness",
    "robustness_checks",
    "robustness_fit",
    "single_test_fit",
    "sufficiency_parameters",
    "superset_subset",
    "truth_table",
]
