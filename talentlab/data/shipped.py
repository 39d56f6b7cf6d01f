"""The shipped data and notebooks, copied out for a user to work in.

``talentlab examples DEST`` (:func:`copy_examples`) and ``talentlab notebooks DEST``
(:func:`copy_notebooks`) copy the package's own files, which :mod:`talentlab.resources` finds (the
repository in a clone, the package data of an installed wheel), into a new or empty folder,
laid out as in the repository so the relative names of the README and the notebooks work there.
The copy goes through a staging folder (:func:`talentlab.data.atomic.write_folder_atomically`):
a failure leaves no half-copied folder, and nothing of the user's is overwritten.

Examples
--------
>>> import tempfile, pathlib
>>> from talentlab.data import shipped
>>> out = shipped.copy_examples(pathlib.Path(tempfile.mkdtemp()) / "talentlab-data")
>>> sorted(p.name for p in out.iterdir())
['contract', 'data']
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from talentlab import resources
from talentlab.data.atomic import write_folder_atomically

__all__ = ["CONTRACT_FILE", "EXAMPLE_ITEMS", "copy_examples", "copy_notebooks"]

#: what ``talentlab examples DEST`` copies out of ``data/raw/`` (the record tables' scenarios,
#: the paper's codings with their rubrics, the generated codebook and the example export)
EXAMPLE_ITEMS = ("synthetic", "examples", "README.md", "CASES.md", "CODER2.md", "CONSENSUS.md",
                 "cases.csv", "case_conditions.csv", "case_conditions_coder2.csv",
                 "case_conditions_consensus.csv", "claims.csv", "claims_supplement.csv",
                 "claim_kinds.csv", "reference_configurations.csv")
#: the data contract, copied to ``DEST/contract/datapackage.json``
CONTRACT_FILE = resources.PACKAGE_DIR / "data" / "contract" / "datapackage.json"


def _fresh_destination(dest: Path) -> None:
    """``dest`` must be new or an empty folder: nothing of a user's is overwritten."""
    if dest.exists() and not dest.is_dir():
        raise ValueError(f"{dest}: exists and is not a folder / 已存在且不是文件夹")
    if dest.is_dir() and any(dest.iterdir()):
        raise ValueError(f"{dest}: is not empty; give a new or empty folder (nothing is "
                         "overwritten) / 目标文件夹非空，请给出新的或空的文件夹")
    where = dest.resolve()
    if where.is_relative_to(resources.PACKAGE_DIR) or where.is_relative_to(resources.RAW_DIR):
        raise ValueError(f"{dest}: lies inside talentlab's own files; copy them elsewhere / "
                         "不能复制到 talentlab 自身的文件夹内")


def _copy_into(dest: Path, pairs: list[tuple[Path, Path]]) -> Path:
    """Copy ``(source, relative target)`` pairs into ``dest`` through a staging folder beside it,
    so a failure leaves no half-copied folder."""

    def write(stage: Path) -> None:
        for src, rel in pairs:
            target = stage / rel
            if src.is_dir():
                shutil.copytree(src, target, copy_function=shutil.copyfile)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, target)

    return write_folder_atomically(dest, write)


def copy_examples(dest: str | os.PathLike) -> Path:
    """Copy the shipped data into ``dest`` (new or empty), laid out as in the repository.

    ``dest/data/raw/`` receives the synthetic scenarios (``synthetic/<scenario>/`` with
    ``truth.json``), the paper's codings and their rubrics (``cases.csv``, ``case_conditions*.csv``,
    ``claims*.csv``, ``claim_kinds.csv``, ``reference_configurations.csv``, ``CASES.md`` ...), the
    generated codebook ``README.md`` and the synthetic college export
    (``examples/synthetic_college_export/``); ``dest/contract/datapackage.json`` is the data
    contract. Relative names such as ``data/raw/synthetic/paper_claims`` then work from ``dest``.

    Returns
    -------
    Path
        ``dest``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from talentlab.data.shipped import copy_examples
    >>> out = copy_examples(pathlib.Path(tempfile.mkdtemp()) / "talentlab-data")
    >>> (out / "data/raw/synthetic/paper_claims/graduates.csv").is_file()
    True
    >>> (out / "contract/datapackage.json").is_file()
    True
    """
    dest = Path(dest)
    _fresh_destination(dest)
    pairs = [(resources.RAW_DIR / name, Path("data", "raw", name)) for name in EXAMPLE_ITEMS
             if (resources.RAW_DIR / name).exists()]
    missing = [name for name in ("synthetic", "examples", "cases.csv", "claims.csv")
               if not (resources.RAW_DIR / name).exists()]
    if missing:
        raise FileNotFoundError(f"the shipped data are incomplete: {', '.join(missing)} not found "
                                f"in {resources.RAW_DIR} (a broken install? reinstall talentlab)")
    pairs.append((CONTRACT_FILE, Path("contract", "datapackage.json")))
    return _copy_into(dest, pairs)


def copy_notebooks(dest: str | os.PathLike) -> Path:
    """Copy the shipped notebooks (``*.ipynb``, without outputs) into ``dest`` (new or empty).

    Their parameters name data by relative paths (``data/raw/...``), which resolve from the
    working directory first and then to the shipped data (:func:`talentlab.resources.resolve`),
    so they run from ``dest`` as they are.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from talentlab.data.shipped import copy_notebooks
    >>> out = copy_notebooks(pathlib.Path(tempfile.mkdtemp()) / "nb")
    >>> "00_quickstart.ipynb" in [p.name for p in out.iterdir()]
    True
    """
    dest = Path(dest)
    _fresh_destination(dest)
    notebooks = sorted(resources.NOTEBOOKS_DIR.glob("*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"no notebook found in {resources.NOTEBOOKS_DIR} (a broken "
                                "install? reinstall talentlab)")
    return _copy_into(dest, [(nb, Path(nb.name)) for nb in notebooks])
