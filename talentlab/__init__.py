"""talentlab: a reproducible companion to Liu's study of higher vocational talent cultivation
for regional industrial clusters.

Load and validate records (:func:`load_all`), compute the codebook's indicators
(:mod:`talentlab.indicators`), evaluate the Zhuhai case (:mod:`talentlab.evaluation`), compare the
six cases with QCA (:mod:`talentlab.qca`) and judge the paper's claims (:mod:`talentlab.claims`).
"""

import importlib

from talentlab import resources
from talentlab.data.codebook import calibration_anchors, codebook
from talentlab.data.io import (
    TalentData,
    load_all,
    load_case_codings,
    load_case_conditions,
    load_case_conditions_consensus,
    load_cases,
    load_employer_ratings,
    load_evaluations,
    load_graduates,
    load_programmes,
    process,
)
from talentlab.data.schema import DataValidationError

#: pyproject.toml's version in a clone, the installed distribution's otherwise (one source)
__version__ = resources.version()

#: subpackages users reach as ``talentlab.indicators`` / ``talentlab.qca``, imported on first use
#: so that ``import talentlab`` (and the CLI) does not pay for scipy and statsmodels up front
_LAZY_SUBPACKAGES = ("indicators", "qca")


def __getattr__(name: str):
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"talentlab.{name}")
    raise AttributeError(f"module 'talentlab' has no attribute {name!r}")

__all__ = [
    "DataValidationError",
    "calibration_anchors",
    "codebook",
    "indicators",
    "qca",
    "TalentData",
    "load_all",
    "load_case_codings",
    "load_case_conditions",
    "load_case_conditions_consensus",
    "load_cases",
    "load_employer_ratings",
    "load_evaluations",
    "load_graduates",
    "load_programmes",
    "process",
    "__version__",
]
