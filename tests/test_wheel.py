"""talentlab as an installed package: the wheel, a fresh environment, an empty working directory.

The wheel is built from a copy of the working tree (the repository itself is not written), installed
with ``--no-deps`` into a new virtual environment that sees this environment's packages through a
``.pth`` file (nothing is downloaded), and run from an empty temporary directory: the CLI, the
shipped data, import/validate/indicators/process, and (slow) the quickstart notebook and a report.
Nothing may be written under the new environment's site-packages. The first tests check the same
commands from the clone, where they are cheap.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from talentlab import cli, resources
from tests.conftest import PROJECT_ROOT

VERSION = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
#: what a wheel is built from: the package, the shipped data, the notebooks and the build files
SOURCE_ITEMS = ("talentlab", "data/raw", "notebooks", "pyproject.toml", "setup.py", "MANIFEST.in",
                "README.md", "LICENSE")
DETERMINISM = {"PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "SOURCE_DATE_EPOCH": "0",
               "OPENPYXL_LXML": "False", "PYDEVD_DISABLE_FILE_VALIDATION": "1",
               "JUPYTER_PLATFORM_DIRS": "1"}


def _run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "talentlab.cli", *args], capture_output=True,
                          text=True, cwd=cwd or PROJECT_ROOT, timeout=300,
                          env={**os.environ, **DETERMINISM})


# ---- the same commands from the clone --------------------------------------------------------
def test_version_is_the_projects():
    done = _run_cli("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"talentlab {VERSION}"
    import talentlab

    assert talentlab.__version__ == VERSION


def _help_lines(text: str) -> dict[str, str]:
    """Command -> its line in ``talentlab --help`` (the lines below ``commands:``)."""
    section = text.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    found = {}
    for line in section:
        parts = line.split(maxsplit=1)
        if line.startswith("    ") and parts and parts[0] in cli.COMMANDS:
            found[parts[0]] = parts[1] if len(parts) > 1 else ""
        else:
            assert parts == ["COMMAND"], f"a line that is not a command's: {line!r}"
    return found


def test_help_lists_every_command_on_one_line():
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(cli.COMMANDS)  # every command has its one line
    done = _run_cli("--help")
    assert done.returncode == 0, done.stderr
    lines = _help_lines(done.stdout)
    assert lines == cli.COMMANDS, "each command once, with its summary on its own line"
    assert all(len(line) <= 100 for line in done.stdout.splitlines())
    assert "CODEBOOK.md" not in done.stdout


def test_examples_and_notebooks_copy_the_shipped_files(tmp_path, capsys):
    assert cli.main(["examples", str(tmp_path / "ex")]) == 0
    raw = tmp_path / "ex" / "data" / "raw"
    for scenario in ("paper_claims", "null", "pretrend", "staggered"):
        assert (raw / "synthetic" / scenario / "graduates.csv").read_bytes() == (
            resources.RAW_DIR / "synthetic" / scenario / "graduates.csv").read_bytes()
    for name in ("cases.csv", "case_conditions.csv", "claims.csv", "claim_kinds.csv",
                 "reference_configurations.csv", "CASES.md", "README.md"):
        assert (raw / name).read_bytes() == (resources.RAW_DIR / name).read_bytes(), name
    export = raw / "examples" / "synthetic_college_export"
    assert sorted(p.name for p in export.iterdir()) == sorted(
        p.name for p in (resources.RAW_DIR / "examples" / "synthetic_college_export").iterdir())
    assert json.loads((tmp_path / "ex" / "contract" / "datapackage.json").read_text("utf-8"))
    # a folder holding anything is not written into
    capsys.readouterr()
    assert cli.main(["examples", str(tmp_path / "ex")]) == 2
    assert "not empty" in capsys.readouterr().err
    assert cli.main(["examples", str(tmp_path / "other"), "--out", str(tmp_path / "x")]) == 2
    assert not (tmp_path / "other").exists() and not (tmp_path / "x").exists()

    assert cli.main(["notebooks", str(tmp_path / "nb")]) == 0
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == sorted(
        p.name for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))


def test_codebook_writes_where_it_is_told(tmp_path, capsys, monkeypatch):
    from talentlab.report import docs

    text = docs.render_readme()
    monkeypatch.setattr(docs, "render_readme", lambda: text)  # rendered once for the test
    out = tmp_path / "codebook.md"
    assert cli.main(["codebook", "--out", str(out)]) == 0
    assert out.read_text("utf-8") == text
    assert cli.main(["codebook", "--out", str(out), "--check"]) == 0
    out.write_text("stale\n", encoding="utf-8")
    capsys.readouterr()
    assert cli.main(["codebook", "--out", str(out), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert out.read_text("utf-8") == "stale\n"  # --check writes nothing
    assert cli.main(["codebook", "--out", str(tmp_path / "codebook.txt")]) == 2
    assert not (tmp_path / "codebook.txt").exists()


def test_an_installed_package_asks_where_to_write(monkeypatch, tmp_path):
    """Outside a clone a default output would lie under site-packages: refused, naming the option."""
    import talentlab.data.io as tio

    monkeypatch.setattr(resources, "REPOSITORY", None)
    with pytest.raises(ValueError, match="give --out"):
        resources.default_output("data/processed", "--out")
    with pytest.raises(ValueError, match="give --out"):
        tio.process(out_dir=None)
    # relative names: the shipped data where they exist, the working directory for new outputs
    shipped = tmp_path / "site-packages" / "talentlab" / "_shipped"
    (shipped / "data" / "raw").mkdir(parents=True)
    shutil.copyfile(resources.RAW_DIR / "claims.csv", shipped / "data" / "raw" / "claims.csv")
    monkeypatch.setattr(resources, "PROJECT_ROOT", shipped)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert resources.resolve("data/raw/claims.csv") == shipped / "data" / "raw" / "claims.csv"
    assert resources.resolve("build/imported") == work / "build" / "imported"
    assert tio.resolve_path("notebooks/x") == work / "notebooks" / "x"


def test_an_absent_extra_is_named():
    """Without the notebook stack (the 'report' and 'notebooks' extras) the library, its figures and
    the report build import; rendering a notebook says what to install, and the command line says
    it before any work."""
    blocked = ("nbformat", "nbconvert", "papermill", "ipykernel", "jupyterlab", "IPython")
    code = (f"import sys; sys.modules.update(dict.fromkeys({blocked!r}))\n"
            "import talentlab.report as r\n"
            "import talentlab.report.build, talentlab.report.figures, talentlab.cases.zhuhai\n"
            "try:\n"
            "    r.normalize_notebook('a.ipynb', 'b.ipynb')\n"
            "except ModuleNotFoundError as exc:\n"
            "    print(exc)\n"
            "from talentlab import cli\n"
            "sys.exit(cli.main(['finalize-notebook', 'a.ipynb', 'b.ipynb']))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120)
    assert "pip install 'talentlab[report]'" in done.stdout, done.stderr
    assert done.returncode == 2 and "pip install 'talentlab[report]'" in done.stderr


# ---- the wheel in a fresh environment --------------------------------------------------------
@dataclass
class Installed:
    python: Path
    talentlab: Path
    site_packages: Path
    work: Path                      # an empty directory every command runs in
    before: dict[str, tuple[int, int]]

    def run(self, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        env.update(DETERMINISM, PATH=f"{self.python.parent}{os.pathsep}{env.get('PATH', '')}",
                   # nbconvert's templates are data files of this environment's prefix, not of
                   # its site-packages: the .pth file does not bring them
                   JUPYTER_PATH=str(Path(sys.prefix) / "share" / "jupyter"))
        return subprocess.run(list(args), capture_output=True, text=True, cwd=self.work,
                              timeout=timeout, env=env)


def _listing(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time (byte-code caches aside:
    Python's, not talentlab's)."""
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts}


def _builds_offline() -> bool:
    """Can this environment build the wheel without fetching setuptools and wheel?"""
    if importlib.util.find_spec("wheel") is None:
        return False
    from importlib import metadata

    return int(metadata.version("setuptools").split(".")[0]) >= 77  # pyproject's build-system


def _copy_source(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info")
    for item in SOURCE_ITEMS:
        src = PROJECT_ROOT / item
        if src.is_dir():
            shutil.copytree(src, dest / item, ignore=ignore)
        else:
            (dest / item).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / item)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    root = tmp_path_factory.mktemp("wheel")
    src = _copy_source(root / "src")
    # offline when this environment has the build tools; otherwise pip fetches setuptools and
    # wheel into an isolated build environment (as `pip install -e .` in make setup does)
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "dist"),
             str(src)] + (["--no-build-isolation"] if _builds_offline() else [])
    done = subprocess.run(build, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, ("building the wheel needs setuptools>=77 and wheel in this "
                                  "environment (the test extra; make lock pins them) or the "
                                  "package index for pip's build environment:\n"
                                  + done.stderr[-3000:])
    wheel = next((root / "dist").glob("talentlab-*.whl"))
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    python = venv / "bin" / "python"
    done = subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                           "--no-deps", "--no-index", "--quiet", str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; "
                                "print(sysconfig.get_paths()['purelib'])"], capture_output=True,
                               text=True, check=True).stdout.strip())
    # the libraries come from this environment (nothing downloaded); its editable talentlab does
    # not: a path listed in a .pth file is searched, its own .pth files are not run
    (site / "zz_talentlab_test_dependencies.pth").write_text(
        sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    work = root / "empty"
    work.mkdir()
    return Installed(python, venv / "bin" / "talentlab", site, work, _listing(site))


def test_the_wheel_runs_outside_the_repository(installed):
    """--version, --help, examples DEST, import, validate, indicators and process from an empty
    directory; the library's defaults find the shipped data; nothing under site-packages changes."""
    run, tl = installed.run, str(installed.talentlab)
    where = run(str(installed.python), "-c", "import talentlab, talentlab.resources as r; "
                "print(talentlab.__file__, r.IN_REPOSITORY)")
    assert where.stdout.split() == [str(installed.site_packages / "talentlab" / "__init__.py"),
                                    "False"], where.stderr

    version = run(tl, "--version")
    assert version.returncode == 0 and version.stdout.strip() == f"talentlab {VERSION}"
    helped = run(tl, "--help")
    assert helped.returncode == 0 and _help_lines(helped.stdout) == cli.COMMANDS

    done = run(tl, "examples", "ex")
    assert done.returncode == 0, done.stderr
    export = installed.work / "ex" / "data" / "raw" / "examples" / "synthetic_college_export"
    done = run(tl, "import", str(export), "imported")
    assert done.returncode == 0, done.stderr
    done = run(tl, "validate", "imported")
    assert done.returncode == 0 and "valid" in done.stdout, done.stderr
    assert "make reproduce" not in done.stdout  # no Makefile outside a clone
    done = run(tl, "indicators", "imported", "--by", "major", "--out", "indicators.csv")
    assert done.returncode == 0 and (installed.work / "indicators.csv").stat().st_size > 0
    refused = run(tl, "process", "imported")
    assert refused.returncode != 0 and "give --out" in refused.stderr
    assert not (installed.work / "data").exists()
    refused = run(tl, "codebook")
    assert refused.returncode == 2 and "give --out" in refused.stderr

    # the library's documented defaults: the shipped scenario and the paper's codings
    library = run(str(installed.python), "-c",
                  "import talentlab, talentlab.data.io as tio; from talentlab import claims; "
                  "d = talentlab.load_all(); print(len(d.graduates), len(talentlab.load_cases()), "
                  "len(claims.load_claims()) > 0, d.data_dir, tio.resolve_path('out').parent)")
    n_grad, n_cases, has_claims, data_dir, out_parent = library.stdout.split()
    assert int(n_grad) > 0 and int(n_cases) == 6 and has_claims == "True", library.stderr
    assert Path(data_dir).is_relative_to(installed.site_packages / "talentlab" / "_shipped")
    assert Path(out_parent) == installed.work  # a new relative output: the working directory
    assert _listing(installed.site_packages) == installed.before, "written under site-packages"


@pytest.mark.slow
def test_quickstart_and_report_from_the_wheel(installed):
    """The quickstart notebook (papermill) and `talentlab report` on what it made, from the wheel;
    nothing under site-packages changes."""
    run, tl = installed.run, str(installed.talentlab)
    done = run(tl, "notebooks", "nb")
    assert done.returncode == 0, done.stderr
    page = installed.work / "reports" / "00_quickstart"
    page.mkdir(parents=True)  # papermill writes the executed notebook into an existing folder
    done = run(str(installed.python), "-m", "papermill", "nb/00_quickstart.ipynb",
               str(page / "00_quickstart.run.ipynb"), "-k", "python3", "--no-progress-bar",
               "--log-level", "WARNING", "-p", "output_dir", str(page), timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (page / "indicators_by_major.csv").is_file()
    assert (page / "figures" / "destinations.png").is_file()
    imported = installed.work / "build" / "imported" / "synthetic_college_export"
    assert (imported / "graduates.csv").is_file()  # step 0 imported under the working directory
    done = run(tl, "finalize-notebook", str(page / "00_quickstart.run.ipynb"),
               str(page / "00_quickstart.ipynb"))
    assert done.returncode == 0 and (page / "00_quickstart.html").is_file(), done.stderr
    done = run(tl, "process", str(imported), "--out", "processed")
    assert done.returncode == 0, done.stderr
    report = [tl, "report", "--reports", "reports", "--processed", "processed"]
    if "--raw" in run(tl, "report", "--help").stdout:  # the option is being removed (unused)
        report += ["--raw", str(imported)]
    done = run(*report)
    assert done.returncode == 0, done.stderr[-3000:]
    assert (installed.work / "reports" / "index.html").is_file()
    assert (installed.work / "reports" / "findings.md").is_file()
    assert _listing(installed.site_packages) == installed.before, "written under site-packages"
