"""Where talentlab finds its own files: the repository when run from a clone, package data otherwise.

One place decides it. From a clone (the package folder sits beside ``pyproject.toml`` and
``data/raw/``), :data:`PROJECT_ROOT` is the repository and every default path is the one the
README names (``data/raw/synthetic/paper_claims``, ``notebooks/``, ``data/processed/``). From an
installed wheel, the shipped scenarios, the paper's codings, the example export and the notebooks
are package data under ``talentlab/_shipped/`` laid out as in the repository
(``_shipped/data/raw/...``, ``_shipped/notebooks/...``), so the same relative names resolve there;
that folder is only ever read. A command that writes takes the place it writes: its default
output is a folder of the repository, and an installed package, which has no project folder,
asks for one (:func:`default_output`) instead of writing under site-packages.

It imports nothing of talentlab, so every stage may import it (the bottom layer of the import
contracts). Copying the shipped files out (``talentlab examples DEST``, ``talentlab notebooks
DEST``) is :mod:`talentlab.data.shipped`'s.

Examples
--------
>>> from talentlab import resources
>>> (resources.RAW_DIR / "synthetic" / "paper_claims" / "graduates.csv").is_file()
True
>>> resources.RAW_DIR == resources.PROJECT_ROOT / "data" / "raw"
True
"""

from __future__ import annotations

import importlib
import os
import tomllib
from pathlib import Path
from types import ModuleType

__all__ = ["IN_REPOSITORY", "NOTEBOOKS_DIR", "PACKAGE_DIR", "PROJECT_ROOT", "RAW_DIR", "REPOSITORY",
           "SHIPPED_DIR", "LazyModule", "default_output", "require", "resolve", "version"]

#: the installed (or checked-out) ``talentlab`` package folder
PACKAGE_DIR = Path(__file__).resolve().parent
#: package data of a wheel: ``data/raw/...`` and ``notebooks/...`` as in the repository
SHIPPED_DIR = PACKAGE_DIR / "_shipped"


def _repository_root() -> Path | None:
    """The clone holding this package, or None when the package is installed on its own.

    A clone is recognised by what only the repository has beside the package: its
    ``pyproject.toml`` naming the project ``talentlab`` and the raw-data folder.
    """
    root = PACKAGE_DIR.parent
    pyproject = root / "pyproject.toml"
    if not (pyproject.is_file() and (root / "data" / "raw").is_dir()):
        return None
    try:
        meta = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None
    return root if meta.get("project", {}).get("name") == "talentlab" else None


#: the clone of the repository holding this package, or None in an installed package (then
#: nothing has a default output folder: :func:`default_output` asks for one)
REPOSITORY = _repository_root()
#: True when running from a clone of the repository (editable install or ``python -m``)
IN_REPOSITORY = REPOSITORY is not None
#: the folder the relative names ``data/raw/...`` and ``notebooks/...`` are relative to: the
#: repository in a clone, the package data of an installed wheel (only ever read) otherwise
PROJECT_ROOT = REPOSITORY if REPOSITORY is not None else SHIPPED_DIR
RAW_DIR = PROJECT_ROOT / "data" / "raw"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"



def version() -> str:
    """talentlab's version: ``pyproject.toml``'s in a clone (the source being run), the installed
    distribution's otherwise.

    Examples
    --------
    >>> from talentlab import resources
    >>> resources.version().count(".") >= 2
    True
    """
    if REPOSITORY is not None:
        meta = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))
        return str(meta["project"]["version"])
    from importlib import metadata

    try:
        return metadata.version("talentlab")
    except metadata.PackageNotFoundError:  # pragma: no cover - a copied folder, not installed
        return "unknown"


def resolve(path: str | os.PathLike) -> Path:
    """A path a user or a notebook parameter gives, made absolute.

    Absolute: as given. Relative: from the working directory when it exists there; otherwise from
    :data:`PROJECT_ROOT` when it exists there (so ``data/raw/synthetic/paper_claims`` finds the
    shipped scenario from any directory, in a clone or installed); otherwise from the working
    directory again in an installed package (an output folder to create: never under
    site-packages) and from the repository in a clone (``make`` and JupyterLab, which runs in
    ``notebooks/``, agree on ``build/...``).

    Examples
    --------
    >>> from talentlab import resources
    >>> resources.resolve("data/raw/claims.csv") == resources.RAW_DIR / "claims.csv"
    True
    """
    path = Path(path).expanduser()
    if path.is_absolute() or (Path.cwd() / path).exists():
        return path.resolve()
    shipped = PROJECT_ROOT / path
    if REPOSITORY is not None or shipped.exists():
        return shipped.resolve()
    return (Path.cwd() / path).resolve()


def default_output(relative: str, option: str) -> Path:
    """The default place a command writes: ``relative`` inside the repository.

    An installed package has no project folder (its own folder lies under site-packages and is
    never written), so there the caller must say where to write: a ``ValueError`` names the
    option to give.

    Examples
    --------
    >>> from talentlab import resources
    >>> resources.default_output("data/processed", "--out") == resources.PROJECT_ROOT / "data/processed"
    True
    """
    if REPOSITORY is None:
        raise ValueError(f"give {option}: an installed talentlab has no project folder to write "
                         f"into (the default, {relative}, exists only in a clone of the "
                         f"repository) / 请用 {option} 指定输出位置（安装版没有默认的项目文件夹）")
    return REPOSITORY / relative


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, which an optional extra installs; a clear error names the extra.

    Examples
    --------
    >>> from talentlab import resources
    >>> resources.require("json", "report").__name__
    'json'
    >>> resources.require("no_such_module_xyz", "notebooks")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ModuleNotFoundError: no_such_module_xyz is needed here and is not installed: pip install 'talentlab[notebooks]' ...
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        top = module.split(".")[0]
        if exc.name is None or exc.name.split(".")[0] != top:
            raise  # the module is there but something it needs is not: not ours to rename
        raise ModuleNotFoundError(
            f"{top} is needed here and is not installed: pip install 'talentlab[{extra}]' "
            f"(or make setup, which installs everything) / 缺少 {top}：请安装 "
            f"talentlab[{extra}]", name=exc.name) from None


class LazyModule:
    """A module imported on first attribute access through :func:`require`, so a module of
    talentlab can name an optional library at its top and still import without it.

    Examples
    --------
    >>> from talentlab import resources
    >>> json = resources.LazyModule("json", "report")
    >>> json.dumps([1])
    '[1]'
    """

    def __init__(self, module: str, extra: str) -> None:
        self._module, self._extra = module, extra

    def __getattr__(self, name: str):
        return getattr(require(self._module, self._extra), name)

    def __repr__(self) -> str:
        return f"<{self._module}, imported when first used (extra: {self._extra})>"
