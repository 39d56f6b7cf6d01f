"""Build step of the wheel: the shipped data and notebooks become package data.

Everything else is declared in pyproject.toml. A wheel copies ``data/raw/`` (the synthetic
scenarios, the paper's codings and the example export; the repository's copy stays where it is and
is never modified) and ``notebooks/*.ipynb`` into ``talentlab/_shipped/`` with the repository's
layout, where :mod:`talentlab.resources` finds them when talentlab runs outside a clone. An
editable install (``make setup``) copies nothing: it runs from the clone, which has the originals.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
#: repository path -> its place under talentlab/_shipped/ (the same relative path)
SHIPPED = ("data/raw", "notebooks")


def shipped_files() -> list[Path]:
    """The files a wheel carries as package data, relative to the repository root."""
    files = []
    for top in SHIPPED:
        base = ROOT / top
        pattern = "*.ipynb" if top == "notebooks" else "**/*"
        files += [p.relative_to(ROOT) for p in sorted(base.glob(pattern))
                  if p.is_file() and "__pycache__" not in p.parts
                  and ".ipynb_checkpoints" not in p.parts]
    return files


class BuildWithShippedData(build_py):
    """build_py that also copies the shipped data into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install runs from the clone, which has the originals
        target = Path(self.build_lib) / "talentlab" / "_shipped"
        if target.exists():
            shutil.rmtree(target)
        files = shipped_files()
        if not any(f.parts[:2] == ("data", "raw") for f in files):
            raise RuntimeError(f"no shipped data under {ROOT / 'data' / 'raw'}: build the wheel "
                               "from a clone of the repository (or its sdist)")
        for rel in files:
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(ROOT / rel, dest)


setup(cmdclass={"build_py": BuildWithShippedData})
