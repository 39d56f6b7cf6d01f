"""The layout keeps the data flow one way (ARCHITECTURE.md).

* The import direction is the ``[tool.importlinter]`` contracts of ``pyproject.toml``, checked by
  import-linter; a copy of the package with one backward import must break them.
* Statistics, verdict and case-study modules do not touch files: an AST scan for file calls
  (``open``, ``pd.read_*``, ``.to_csv``, ``Path.read_text`` ...) finds none outside the
  documented exception (``indicators/engines.py``, which hands file paths to an out-of-core
  engine), and the scan itself flags each kind of call it looks for.
* The flat module names of 0.1 still import, as aliases of the moved modules, with a warning.
"""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "talentlab"

#: packages and modules that take tables and return tables
PURE_STAGES = ("indicators", "evaluation", "qca", "claims.py", "cases")
#: the one documented exception: the indicator engines scan files out of core (DuckDB, Spark)
FILE_ACCESS_ALLOWED = {"indicators/engines.py"}

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
          ("simulate",), ("data",))


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
