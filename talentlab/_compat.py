"""Old module names, kept for one release after the layout move (issue 13).

Until version 0.2, ``import talentlab.schema`` (and every other flat module name of 0.1) still
works: it returns the module at its new place and warns once with a ``DeprecationWarning`` that
names the new import. The old name is an alias of the *same* module object, so monkeypatching
through either name affects both.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings

#: old module (under ``talentlab.``) -> its place since the layout move
MOVED = {
    "schema": "data.schema", "io": "data.io", "readers": "data.readers",
    "mappings": "data.mappings", "importer": "data.importer", "codebook": "data.codebook",
    "template": "data.template", "examples": "data.examples", "privacy": "data.privacy",
    "its": "evaluation.its", "power": "evaluation.power_analysis", "sensitivity": "evaluation.sensitivity",
    "agreement": "qca.agreement",
    "zhuhai": "cases.zhuhai", "six_case": "cases.six_case",
    "publish": "report.publish", "disclosure": "report.disclosure", "figures": "report.figures",
    "figures_qca": "report.figures_qca",
    "figures_configurational": "report.figures_configurational",
    "plotting": "report.plotting", "docs": "report.docs",
    "notebook_runner": "report.notebook_runner",
}


def _warn(old: str, new: str, stacklevel: int) -> None:
    warnings.warn(f"talentlab.{old} moved to talentlab.{new}; the old name is removed in "
                  f"talentlab 0.2 (import talentlab.{new} instead)", DeprecationWarning,
                  stacklevel=stacklevel)


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, old: str, new: str) -> None:
        self.old, self.new = old, new

    def create_module(self, spec):
        _warn(self.old, self.new, stacklevel=6)
        # the import system keeps whatever sits in sys.modules under the old name
        return importlib.import_module(f"talentlab.{self.new}")

    def exec_module(self, module) -> None:
        pass


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        prefix, _, rest = fullname.partition(".")
        if prefix != "talentlab" or rest not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(rest, MOVED[rest]))


def install() -> None:
    """Put the alias finder on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _AliasFinder) for f in sys.meta_path):
        # first, so that only the alias answers for an old name
        sys.meta_path.insert(0, _AliasFinder())


def module_getattr(name: str):
    """``talentlab.<old name>`` as an attribute (``import talentlab; talentlab.zhuhai``)."""
    if name in MOVED:
        # through the alias finder: warns once and binds the old name on the package
        return importlib.import_module(f"talentlab.{name}")
    raise AttributeError(f"module 'talentlab' has no attribute {name!r}")
