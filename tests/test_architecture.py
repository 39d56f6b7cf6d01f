"""The layout keeps the data flow one way (ARCHITECTURE.md).

* The import direction is the ``[tool.importlinter]`` contracts of ``pyproject.toml``, checked by
  import-linter; a copy of the package with one backward import must break them.
* Statistics, verdict and case-study modules do not touch files: an AST scan for file calls
  (``open``, ``pd.read_*``, ``.to_csv``, ``Path.read_text`` ...) finds none outside the
  documented exception (``indicators/engines/sources.py``, which hands file paths to an
  out-of-core engine), and the scan itself flags each kind of call it looks for.
* The flat module names of 0.1 and their aliases are gone (removed in 0.2).
* ARCHITECTURE.md's table of modules by folder names every module of the package.
* No module of talentlab/ is longer than :data:`MAX_MODULE_LINES` lines, except those ARCHITECTURE.md
  lists with a reason (and a listed module that is no longer long must leave the list).
* Private names stay private: no module, test or benchmark imports a ``_name`` of another module, or
  a ``_module`` from outside the package that holds it.
"""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT as ROOT

PACKAGE = ROOT / "talentlab"

#: packages and modules that take tables and return tables
PURE_STAGES = ("indicators", "evaluation", "qca", "claims.py", "cases")
#: the one documented exception: the indicator engines scan files out of core (DuckDB, Spark)
FILE_ACCESS_ALLOWED = {"indicators/engines/sources.py"}

#: calls that read or write files (attribute or function name)
FILE_FUNCTIONS = {"open"}
FILE_METHODS = {
    "read_csv", "read_parquet", "read_excel", "read_json", "read_table", "read_fwf",
    "read_pickle", "read_feather", "read_stata", "read_sql",
    "to_csv", "to_parquet", "to_excel", "to_json", "to_pickle", "to_feather", "to_stata",
    "read_text", "write_text", "read_bytes", "write_bytes", "mkdir", "unlink", "rmdir",
    "savefig", "savetxt", "loadtxt", "save", "load", "dump", "glob", "rglob", "iterdir",
    "copy", "copyfile", "copytree", "rmtree", "remove", "rename", "replace",
}
#: receivers whose .load/.dump/.save/.replace/... are file calls (json.load, np.save, os.remove)
FILE_RECEIVERS = {"json", "np", "numpy", "pickle", "os", "shutil", "Path", "pathlib", "glob",
                  "pd", "pandas", "yaml"}
#: methods that are file calls on any receiver
ALWAYS_FILE_METHODS = FILE_METHODS - {"save", "load", "dump", "copy", "remove", "rename",
                                      "replace", "glob"}


def lint_imports(cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    assert exe.exists(), "import-linter is not installed: run `make setup` (requirements.lock)"
    return subprocess.run([str(exe), "--no-cache"], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)


def test_import_direction_contracts_are_kept():
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize("module, bad_import", [
    ("evaluation/power_analysis.py", "from talentlab.report import plotting"),
    ("data/readers.py", "import talentlab.indicators"),
    ("qca/fit.py", "import matplotlib.pyplot"),
    ("resources.py", "from talentlab.data import atomic"),  # resources imports no stage
])
def test_a_backward_import_breaks_the_contracts(tmp_path, module, bad_import):
    shutil.copytree(PACKAGE, tmp_path / "talentlab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "talentlab" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{bad_import}  # noqa\n",
                      encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    proc = lint_imports(tmp_path, env)
    assert proc.returncode != 0, proc.stdout
    assert "BROKEN" in proc.stdout


def test_a_private_module_imported_from_another_package_breaks_the_contracts(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "talentlab",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "talentlab" / "indicators" / "_hidden.py").write_text("X = 1\n", encoding="utf-8")
    sibling = tmp_path / "talentlab" / "indicators" / "compare.py"  # inside its package: allowed
    sibling.write_text(sibling.read_text(encoding="utf-8")
                       + "\nimport talentlab.indicators._hidden  # noqa\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    assert lint_imports(tmp_path, env).returncode == 0
    target = tmp_path / "talentlab" / "evaluation" / "did.py"  # another stage: refused
    target.write_text(target.read_text(encoding="utf-8")
                      + "\nfrom talentlab.indicators._hidden import X  # noqa\n", encoding="utf-8")
    proc = lint_imports(tmp_path, env)
    assert proc.returncode != 0, proc.stdout
    assert "A private module (_name) is imported only from inside its own package BROKEN" in (
        " ".join(proc.stdout.split()))


def file_access_calls(source: str) -> list[tuple[int, str]]:
    """``(line, call)`` of every call in ``source`` that reads or writes a file."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in FILE_FUNCTIONS:
            found.append((node.lineno, func.id))
        elif isinstance(func, ast.Attribute):
            receiver = func.value.id if isinstance(func.value, ast.Name) else None
            if func.attr in ALWAYS_FILE_METHODS or func.attr == "open" or (
                    func.attr in FILE_METHODS and receiver in FILE_RECEIVERS):
                found.append((node.lineno, f"{receiver or '…'}.{func.attr}"))
    return found


def pure_modules() -> list[Path]:
    files = []
    for stage in PURE_STAGES:
        path = PACKAGE / stage
        files += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [f for f in files if f.relative_to(PACKAGE).as_posix() not in FILE_ACCESS_ALLOWED]


def test_statistics_and_verdict_modules_do_not_touch_files():
    stale = [path for path in FILE_ACCESS_ALLOWED if not (PACKAGE / path).is_file()]
    assert not stale, f"the documented file-access exception names no module: {stale}"
    offences = {}
    for path in pure_modules():
        calls = file_access_calls(path.read_text(encoding="utf-8"))
        if calls:
            offences[path.relative_to(ROOT).as_posix()] = calls
    assert not offences, (
        "file access in a statistics/verdict module (read through talentlab.data, write through "
        f"talentlab.report): {offences}")


@pytest.mark.parametrize("call", [
    "open('x')", "pd.read_csv('x')", "frame.to_csv('x')", "Path('x').read_text()",
    "path.write_text('x')", "json.load(fh)", "np.save('x', a)", "os.remove('x')",
    "path.open()", "fig.savefig('x')", "shutil.rmtree('x')",
])
def test_the_file_access_scan_flags_each_kind_of_call(call):
    assert file_access_calls(f"def f():\n    return {call}\n"), call


@pytest.mark.parametrize("call", ["json.loads(s)", "frame.replace(1, 2)", "d.copy()",
                                  "s.str.replace('a', 'b')", "text.split(',')"])
def test_the_file_access_scan_leaves_table_methods_alone(call):
    assert not file_access_calls(f"def f():\n    return {call}\n"), call


#: The 0.1 module names removed in 0.2 (CHANGELOG.md lists each with its replacement).
REMOVED_MODULES = ("schema", "io", "readers", "mappings", "importer", "codebook", "template",
                   "examples", "privacy", "its", "power", "sensitivity", "agreement", "zhuhai",
                   "six_case", "publish", "disclosure", "figures", "figures_qca",
                   "figures_configurational", "plotting", "docs", "notebook_runner")


@pytest.mark.parametrize("old", REMOVED_MODULES)
def test_old_module_names_are_gone(old):
    import talentlab

    with pytest.raises(ModuleNotFoundError):
        importlib.import_module(f"talentlab.{old}")
    if old not in talentlab.__all__:  # talentlab.codebook is the codebook function
        with pytest.raises(AttributeError):
            getattr(talentlab, old)


def test_no_deprecated_alias_is_left():
    import talentlab.evaluation as ev
    import talentlab.qca as qca
    import talentlab.qca.robustness as qca_robustness

    for module, name in ((qca, "RUBRIC"), (qca, "DIMENSIONS"), (qca_robustness, "RUBRIC"),
                         (ev, "event_study_plot_data"), (ev, "EVENT_STUDY_LABELS")):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an alias that still warned would fail here too
            with pytest.raises(AttributeError):
                getattr(module, name)


#: libraries `import talentlab` and the CLI's start must not load (they cost 1.5 s and 175 MB
#: before the first command runs; issue 14): they load with the function that needs them
HEAVY_AT_IMPORT = ("scipy.stats", "statsmodels.api", "statsmodels.stats.proportion", "pingouin",
                   "matplotlib", "krippendorff")


#: the layers of pyproject.toml's import-linter contract, top (may import everything) first
LAYERS = (("cli",), ("report",), ("cases",), ("claims",), ("evaluation", "qca"), ("indicators",),
          ("simulate",), ("data",), ("resources",))


def _layer(module: str) -> tuple[int, str] | None:
    """(layer index, stage) of a ``talentlab.<stage>...`` module name, None outside the layers."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "talentlab":
        return None
    for index, stages in enumerate(LAYERS):
        if parts[1] in stages:
            return index, parts[1]
    return None


def string_imports_against_the_layers(source: str, module: str) -> list[str]:
    """Module names written as whole strings in a module that imports by string
    (``importlib.import_module``), which import-linter cannot see, and which point up the
    layers or across to the sibling stage."""
    if "import_module" not in source:
        return []
    here = _layer(module)
    if here is None:
        return []
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            there = _layer(node.value)
            if there is not None and (there[0] < here[0]
                                      or (there[0] == here[0] and there[1] != here[1])):
                found.append(node.value)
    return found


def test_no_import_by_string_runs_up_the_layers():
    bad = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("talentlab",) + path.relative_to(PACKAGE).with_suffix("").parts)
        hits = string_imports_against_the_layers(path.read_text(encoding="utf-8"), module)
        if hits:
            bad[module] = hits
    assert not bad, bad


@pytest.mark.parametrize("module, source", [
    # the 0.1 shims this test replaced: each hid an upward import from import-linter
    ("talentlab.qca.robustness",
     "import importlib\ndef f(n):\n    return importlib.import_module('talentlab.cases.six_case')"),
    ("talentlab.evaluation",
     "from importlib import import_module\n"
     "MOVED = {'x': ('talentlab.report.event_study_figures', 'x')}"),
    ("talentlab.qca.fit", "from importlib import import_module\nM = 'talentlab.evaluation.did'"),
])
def test_the_string_import_scan_flags_an_upward_name(module, source):
    assert string_imports_against_the_layers(source, module)


@pytest.mark.parametrize("module", ["talentlab", "talentlab.cli"])
def test_importing_the_package_stays_light(module):
    code = (f"import sys, {module}; "
            f"print(','.join(m for m in {HEAVY_AT_IMPORT!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout.strip()
    assert loaded == "", f"import {module} loads {loaded}"


def test_lazy_subpackages_are_the_real_modules():
    import talentlab

    assert talentlab.indicators is importlib.import_module("talentlab.indicators")
    assert talentlab.qca is importlib.import_module("talentlab.qca")
    assert callable(talentlab.indicators.compute_all)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        talentlab.nope  # noqa: B018


# ---------------------------------------------------------------------------------------------
# module length

#: the longest a module of talentlab/ may be (issue 24): a longer one is split by concern
MAX_MODULE_LINES = 800
#: the section of ARCHITECTURE.md that lists the longer modules, each with its reason
LONG_MODULES_HEADING = "## Modules over 800 lines and why"


def listed_long_modules(architecture: str) -> dict[str, str]:
    """``{path: reason}`` of the table under :data:`LONG_MODULES_HEADING` (paths as
    ``talentlab/x/y.py``, in backticks in the first column); empty when the section is absent."""
    listed: dict[str, str] = {}
    lines = architecture.splitlines()
    if LONG_MODULES_HEADING not in lines:
        return listed
    for line in lines[lines.index(LONG_MODULES_HEADING) + 1:]:
        if line.startswith("#"):
            break
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) >= 2 and cells[0].startswith("`talentlab/"):
            listed[cells[0].strip("`")] = cells[1]
    return listed


def module_lengths(root: Path) -> dict[str, int]:
    """Lines of every module under ``root / "talentlab"``, by path relative to ``root``."""
    return {path.relative_to(root).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
            for path in sorted((root / "talentlab").rglob("*.py"))
            if "_shipped" not in path.parts}


def module_length_problems(lengths: dict[str, int], listed: dict[str, str]) -> list[str]:
    """What breaks the length rule: a long module not listed, a listed one without a reason, and
    a listed one that is gone or no longer long (the list only shrinks)."""
    problems = [f"{path}: {lines} lines (over {MAX_MODULE_LINES}): split it by concern, or list it "
                f"with its reason under '{LONG_MODULES_HEADING}' in ARCHITECTURE.md"
                for path, lines in lengths.items()
                if lines > MAX_MODULE_LINES and path not in listed]
    for path, reason in listed.items():
        if path not in lengths:
            problems.append(f"{path}: listed in ARCHITECTURE.md as over {MAX_MODULE_LINES} lines "
                            "but there is no such module: remove it from the list")
        elif lengths[path] <= MAX_MODULE_LINES:
            problems.append(f"{path}: {lengths[path]} lines, no longer over {MAX_MODULE_LINES}: "
                            "remove it from ARCHITECTURE.md's list")
        elif not reason:
            problems.append(f"{path}: listed in ARCHITECTURE.md without a reason")
    return problems


def test_no_module_is_longer_than_the_limit_unless_architecture_says_why():
    listed = listed_long_modules((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    problems = module_length_problems(module_lengths(ROOT), listed)
    assert not problems, "\n".join(problems)


def test_the_length_check_flags_a_long_module_and_a_stale_entry(tmp_path):
    package = tmp_path / "talentlab" / "stage"
    package.mkdir(parents=True)
    (package / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    (package / "short.py").write_text("x = 1\n" * MAX_MODULE_LINES, encoding="utf-8")
    lengths = module_lengths(tmp_path)
    assert lengths == {"talentlab/stage/long.py": MAX_MODULE_LINES + 1,
                       "talentlab/stage/short.py": MAX_MODULE_LINES}
    architecture = (f"# Architecture\n\n{LONG_MODULES_HEADING}\n\n| module | why |\n|---|---|\n"
                    "| `talentlab/stage/long.py` | one algorithm, read top to bottom |\n"
                    "\n## Next section\n\n| `talentlab/stage/short.py` | not in the list |\n")
    listed = listed_long_modules(architecture)
    assert listed == {"talentlab/stage/long.py": "one algorithm, read top to bottom"}
    assert module_length_problems(lengths, listed) == []
    problems = module_length_problems(lengths, {})
    assert len(problems) == 1 and problems[0].startswith("talentlab/stage/long.py: 801 lines")
    stale = module_length_problems(lengths, {**listed, "talentlab/stage/short.py": "was long",
                                             "talentlab/stage/gone.py": "was long"})
    assert [p.split(":")[0] for p in stale] == ["talentlab/stage/short.py", "talentlab/stage/gone.py"]
    assert module_length_problems(lengths, {"talentlab/stage/long.py": ""}) == [
        "talentlab/stage/long.py: listed in ARCHITECTURE.md without a reason"]


# ---------------------------------------------------------------------------------------------
# private names

def _is_private(name: str) -> bool:
    """``_name`` is private; a dunder (``__version__``, ``__future__``) is not."""
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _private_module_owner(module: str) -> str | None:
    """The package a private module belongs to (``talentlab.indicators`` for
    ``talentlab.indicators._core.x``), None for a public module."""
    parts = module.split(".")
    for index, part in enumerate(parts):
        if _is_private(part):
            return ".".join(parts[:index])
    return None


def _is_module(root: Path, name: str) -> bool:
    path = root.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def _dotted(node: ast.AST) -> str | None:
    """``a.b.c`` of a chain of names and attributes, None for anything else."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def private_reaches(source: str, module: str | None, root: Path = ROOT,
                    is_package: bool = False) -> list[tuple[int, str]]:
    """``(line, what)`` of every place ``source`` reaches a private name of talentlab that is not
    its own.

    ``module`` is the dotted name of the module ``source`` is (``is_package`` for a package's
    ``__init__``), None for a test or a benchmark. Two rules:

    * no ``_name`` (a dunder is not private) of another module: neither imported
      (``from talentlab.x import _name``) nor reached through the module (``x._name``), even
      from a module of the same package;
    * a private module (``talentlab.pkg._impl``) only from inside its own package (``pkg`` and
      its subpackages, ``pkg/__init__.py`` included), however it is reached (``import``,
      ``from talentlab.pkg import _impl``, ``from talentlab.pkg._impl import name``).

    ``root`` holds the ``talentlab`` folder (it tells a submodule from a name).
    """
    def foreign_private_module(target: str) -> bool:
        owner = _private_module_owner(target)
        return owner is not None and not (
            module is not None and (module == owner or module.startswith(owner + ".")))

    found = []
    tree = ast.parse(source)
    bound: dict[str, str] = {}  # local name -> the talentlab module it is bound to
    here = module or ""
    package = here if is_package else here.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "talentlab":
                    continue
                if foreign_private_module(alias.name):
                    found.append((node.lineno, f"import {alias.name}"))
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound["talentlab"] = "talentlab"
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - (node.level - 1)]
                source_module = ".".join(parts + ([node.module] if node.module else []))
            else:
                source_module = node.module or ""
            if source_module.split(".")[0] != "talentlab":
                continue
            if foreign_private_module(source_module):
                found.append((node.lineno, f"from {source_module} import ..."))
                continue
            for alias in node.names:
                target = f"{source_module}.{alias.name}"
                if _is_module(root, target):
                    bound[alias.asname or alias.name] = target
                    if foreign_private_module(target):
                        found.append((node.lineno, f"from {source_module} import {alias.name}"))
                elif _is_private(alias.name) and source_module != module:
                    found.append((node.lineno, f"from {source_module} import {alias.name}"))
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Attribute) and _is_private(node.attr)):
            continue
        base = _dotted(node.value)
        if base is None or base.split(".")[0] not in bound:
            continue
        first, _, rest = base.partition(".")
        owner = bound[first] + (f".{rest}" if rest else "")
        if not _is_module(root, owner):
            continue  # an object's attribute (self._x, frame._mgr), not a module's name
        target = f"{owner}.{node.attr}"
        if (foreign_private_module(target) if _is_module(root, target) else owner != module):
            found.append((node.lineno, f"{base}.{node.attr}"))
    return sorted(set(found))


def _package_modules() -> list[tuple[Path, str, bool]]:
    """(path, dotted name, is a package's ``__init__``) of every module of talentlab/."""
    modules = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "_shipped" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        is_package = parts[-1] == "__init__"
        modules.append((path, ".".join(parts[:-1] if is_package else parts), is_package))
    return modules


def _reaches_report(found: dict[str, list[tuple[int, str]]]) -> str:
    return "\n".join(f"{path}:{line}: {what}" for path, hits in found.items()
                     for line, what in hits)


def test_no_module_reaches_another_modules_private_names():
    found = {}
    for path, module, is_package in _package_modules():
        hits = private_reaches(path.read_text(encoding="utf-8"), module, ROOT, is_package)
        if hits:
            found[path.relative_to(ROOT).as_posix()] = hits
    assert not found, ("private names used outside their module (make them public, with a "
                       "docstring, and rename every use):\n" + _reaches_report(found))


def notebook_code(notebook: Path) -> str:
    """The code cells of a notebook as one source, without IPython's ``%magic`` and ``!shell``
    lines (which are not Python)."""
    import json

    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    return "\n".join(line for cell in cells if cell["cell_type"] == "code"
                     for line in "".join(cell["source"]).splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def test_tests_benchmarks_and_notebooks_use_only_public_names():
    sources = {}
    for folder in ("tests", "benchmarks"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT)
            if not rel.parts[1].startswith("reference"):  # provenance scripts (conftest too)
                sources[rel.as_posix()] = path.read_text(encoding="utf-8")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        sources[path.relative_to(ROOT).as_posix()] = notebook_code(path)
    found = {}
    for rel, source in sources.items():
        hits = private_reaches(source, None, ROOT)
        if hits:
            found[rel] = hits
    assert not found, ("tests, benchmarks and notebooks reach private names of talentlab (what "
                       "they need becomes public):\n" + _reaches_report(found))


def test_notebook_code_is_its_code_cells_without_magics(tmp_path):
    import json

    notebook = tmp_path / "n.ipynb"
    notebook.write_text(json.dumps({"cells": [
        {"cell_type": "markdown", "source": ["from talentlab.x import _y"]},
        {"cell_type": "code", "source": ["%matplotlib inline\n", "from talentlab.stage import public\n",
                                         "public._helper()"]},
        {"cell_type": "code", "source": "!ls\nx = 1"}]}), encoding="utf-8")
    assert notebook_code(notebook) == "from talentlab.stage import public\npublic._helper()\nx = 1"


@pytest.fixture
def sample_tree(tmp_path):
    """talentlab/stage/{__init__, public, _impl}.py and talentlab/other/{__init__, user}.py."""
    for rel in ("__init__", "stage/__init__", "stage/public", "stage/_impl", "stage/sub/__init__",
                "stage/sub/deep", "other/__init__", "other/user"):
        path = tmp_path / "talentlab" / f"{rel}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("module, source", [
    # a private name of another module, imported or reached through the module
    ("talentlab.other.user", "from talentlab.stage.public import _helper"),
    ("talentlab.other.user", "from talentlab.stage.public import helper, _helper as h"),
    ("talentlab.other.user", "from ..stage.public import _helper"),
    ("talentlab.other.user", "from talentlab.stage import public\npublic._helper()"),
    ("talentlab.other.user", "import talentlab.stage.public as p\np._LIMIT"),
    ("talentlab.other.user", "import talentlab.stage.public\ntalentlab.stage.public._helper()"),
    ("talentlab.stage.public", "from talentlab.stage._impl import _helper"),  # even a sibling's
    ("talentlab.stage", "from talentlab.stage.public import _helper"),  # even into __init__
    # a private module, from outside its package
    ("talentlab.other.user", "from talentlab.stage._impl import helper"),
    ("talentlab.other.user", "from talentlab.stage import _impl"),
    ("talentlab.other.user", "import talentlab.stage._impl"),
    ("talentlab.other.user", "import talentlab.stage._impl as impl"),
    ("talentlab.other.user", "from talentlab import stage\nstage._impl.helper()"),
    (None, "from talentlab.stage._impl import helper"),  # a test or a benchmark
    (None, "from talentlab.stage import public\npublic._helper()"),
])
def test_the_private_name_scan_flags_each_kind_of_reach(sample_tree, module, source):
    is_package = module == "talentlab.stage"
    assert private_reaches(source, module, sample_tree, is_package), source


@pytest.mark.parametrize("module, source", [
    ("talentlab.other.user", "from talentlab.stage.public import helper"),
    ("talentlab.other.user", "from __future__ import annotations\nfrom talentlab import __version__"),
    ("talentlab.other.user", "import io as _io\nfrom talentlab.stage import public as _public"),
    ("talentlab.other.user", "from talentlab.stage import public\npublic.helper()\nself._x\n"
                             "public.helper()._cache"),
    ("talentlab.stage.public", "from talentlab.stage._impl import helper"),  # inside its package
    ("talentlab.stage.public", "from talentlab.stage import _impl\n_impl.helper()"),
    ("talentlab.stage.sub.deep", "import talentlab.stage._impl as impl"),  # a subpackage
    ("talentlab.stage.public", "def f():\n    return _own_helper()\n_own = 1"),
    (None, "from talentlab.stage.public import helper\nimport pandas as pd\npd._libs"),
])
def test_the_private_name_scan_leaves_public_and_own_names_alone(sample_tree, module, source):
    assert private_reaches(source, module, sample_tree) == [], source


def test_the_package_init_may_import_public_names_of_its_private_modules(sample_tree):
    assert private_reaches("from talentlab.stage._impl import helper\n", "talentlab.stage",
                           sample_tree, is_package=True) == []
    assert private_reaches("from ._impl import helper\n", "talentlab.stage", sample_tree,
                           is_package=True) == []
    assert private_reaches("from ..stage._impl import helper\n", "talentlab.other.user",
                           sample_tree) == [(1, "from talentlab.stage._impl import ...")]


# ---------------------------------------------------------------------------------------------
# ARCHITECTURE.md names every module

def modules_by_folder_table(architecture: str) -> dict[str, set[str]]:
    """``{folder: names}`` of ARCHITECTURE.md's "Modules by folder" table: each row's folder
    (``data``, ``talentlab`` for the top level) and every name in backticks in its cell
    (``schema``, ``six_case/`` and ``engines.py`` count as ``schema``, ``six_case``, ``engines``)."""
    section = architecture.split("## Modules by folder", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        folder, _, cell = line.strip().strip("|").partition("|")
        table[folder.strip().strip("`").rstrip("/")] = {
            name.rstrip("/").removesuffix(".py") for name in re.findall(r"`([^`]+)`", cell)}
    return table


def modules_missing_from_the_table(package: Path, table: dict[str, set[str]]) -> list[str]:
    """Modules and subpackages of ``package`` whose name is not in their stage's row
    (``cases/six_case/rules.py`` needs ``six_case`` and ``rules`` in the ``cases`` row)."""
    missing = []
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package).parts
        if "_shipped" in parts:
            continue
        folder = parts[0] if len(parts) > 1 else package.name
        names = [part.removesuffix(".py") for part in (parts[1:] if len(parts) > 1 else parts)
                 if part != "__init__.py"]
        missing += [f"{'/'.join(parts)}: `{name}` not in the `{folder}` row" for name in names
                    if name not in table.get(folder, set())
                    and f"{'/'.join(parts)}: `{name}` not in the `{folder}` row" not in missing]
    return missing


def test_architecture_names_every_module():
    table = modules_by_folder_table((ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8"))
    missing = modules_missing_from_the_table(PACKAGE, table)
    assert not missing, ("ARCHITECTURE.md's 'Modules by folder' does not name (say in a few words "
                         "what each is for):\n" + "\n".join(missing))


def test_the_module_table_check_flags_a_module_it_does_not_name(tmp_path):
    package = tmp_path / "talentlab"
    for rel in ("__init__.py", "cli.py", "data/__init__.py", "data/io.py",
                "cases/six_case/__init__.py", "cases/six_case/rules.py", "cases/zhuhai.py"):
        (package / rel).parent.mkdir(parents=True, exist_ok=True)
        (package / rel).write_text("", encoding="utf-8")
    architecture = ("# A\n\n## Modules by folder\n\n| folder | modules |\n|---|---|\n"
                    "| `talentlab/` | `cli` (the command) |\n| `data/` | `io` (loaders) |\n"
                    "| `cases/` | `zhuhai`, `six_case/` (a package): `rules` |\n\n## Next\n")
    table = modules_by_folder_table(architecture)
    assert table["cases"] == {"zhuhai", "six_case", "rules"}
    assert modules_missing_from_the_table(package, table) == []
    table["cases"] -= {"rules"}
    table["talentlab"] = set()
    assert modules_missing_from_the_table(package, table) == [
        "cases/six_case/rules.py: `rules` not in the `cases` row",
        "cli.py: `cli` not in the `talentlab` row"]


# ---------------------------------------------------------------------------------------------
# the paper's values stay in cases/

#: the stages of general statistics, which take the paper's values as arguments
GENERAL_STAGES = ("indicators", "evaluation", "qca")


def paper_values() -> dict[int, str]:
    """``{value: name}`` of the paper's numbers in ``talentlab/cases/settings.py`` (read from its
    source: an upper-case name assigned an integer)."""
    tree = ast.parse((PACKAGE / "cases" / "settings.py").read_text(encoding="utf-8"))
    return {node.value.value: node.targets[0].id for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper() and isinstance(node.value, ast.Constant)
            and type(node.value.value) is int}


def paper_value_uses(source: str, values: dict[int, str]) -> list[tuple[int, str]]:
    """``(line, name)`` of every integer literal in ``source`` that is one of the paper's values
    (a default, a seed, a comparison); text (docstrings, examples) is not code and not counted."""
    return sorted({(node.lineno, values[node.value]) for node in ast.walk(ast.parse(source))
                   if isinstance(node, ast.Constant) and type(node.value) is int
                   and node.value in values})


def test_general_statistics_hold_none_of_the_papers_values():
    values = paper_values()
    found = {}
    for stage in GENERAL_STAGES:
        for path in sorted((PACKAGE / stage).rglob("*.py")):
            hits = paper_value_uses(path.read_text(encoding="utf-8"), values)
            if hits:
                found[path.relative_to(ROOT).as_posix()] = hits
    assert not found, ("the paper's values belong in talentlab/cases/settings.py, passed in by "
                       "the cases (ARCHITECTURE.md): " + repr(found))


def test_the_paper_value_scan_flags_a_default_and_ignores_text():
    values = {2022: "PAPER_REFORM_COHORT", 20240601: "PAPER_ANALYSIS_SEED"}
    source = ('def did(data, *, reform_cohort=2022, seed: int = 20240601):\n'
              '    """>>> did(data, reform_cohort=2022)"""\n'
              '    rng = default_rng(20240601)\n    return 2023\n')
    assert paper_value_uses(source, values) == [
        (1, "PAPER_ANALYSIS_SEED"), (1, "PAPER_REFORM_COHORT"), (3, "PAPER_ANALYSIS_SEED")]
    assert set(paper_values()) >= {2022, 20240601, 20220901}
