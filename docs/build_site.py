"""Build the documentation site offline and check its links.

``python docs/build_site.py OUT`` (what ``make docs`` runs) assembles the Sphinx sources in
``OUT/src`` — the pages under ``docs/``, the notebooks of ``notebooks/`` (rendered as committed, not
executed), the codebook ``data/raw/README.md`` and one API page per public module, written here from
the package itself — builds ``OUT/html`` with warnings as errors (``-W --keep-going``) and then checks
every link of the site offline (:mod:`offline_links`). Nothing is written outside ``OUT``: the source
tree stays as it is, and a build never depends on an earlier one or on ``make reproduce``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import inspect
import os
import pkgutil
import shutil
import sys
import time
from pathlib import Path

DOCS_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = DOCS_DIR.parent
#: the stages of the package the API reference covers, in the order of the data flow (resources:
#: where the package's own files are, under every stage)
API_STAGES = ("resources", "data", "simulate", "indicators", "evaluation", "qca", "claims", "cases",
              "report", "cli")
#: width argparse formats the command-line help with (it reads COLUMNS): fixed, so pages are stable,
#: and narrow enough for the theme's text column
HELP_COLUMNS = "74"

sys.path.insert(0, str(DOCS_DIR))
from offline_links import check_site  # noqa: E402


def _is_private(module_name: str) -> bool:
    return any(part.startswith("_") for part in module_name.split("."))


def public_modules() -> list[str]:
    """Every public module of the stages in :data:`API_STAGES`, packages before their modules."""
    import talentlab

    names = []
    for stage in API_STAGES:
        name = f"talentlab.{stage}"
        module = importlib.import_module(name)
        names.append(name)
        if hasattr(module, "__path__"):
            for info in pkgutil.walk_packages(module.__path__, f"{name}."):
                if not _is_private(info.name):
                    names.append(info.name)
    assert talentlab  # the top-level package is documented on the API index page
    return names


def _assigned_names(module) -> list[str]:
    """Public upper-case names assigned at the top level of a module's own source (its constants)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return []
    names = []
    for node in tree.body:
        targets = []
        if isinstance(node, ast.Assign):
            targets = [t for t in node.targets if isinstance(t, ast.Name)]
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target]
        for target in targets:
            if target.id.isupper() and not target.id.startswith("_") and target.id not in names:
                names.append(target.id)
    return names


def _own_members(module) -> list[str]:
    """Public functions, classes and constants a module defines itself (not imports)."""
    names = []
    for name, obj in vars(module).items():
        if name.startswith("_"):
            continue
        if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__:
            names.append(name)
    names += [n for n in _assigned_names(module) if n not in names]
    exported = getattr(module, "__all__", None)
    if exported is not None:  # the module says what is public: keep its order, own names only
        names = [n for n in exported if n in names]
    return names


def _documented_attributes(module_name: str) -> set[str]:
    """Module-level names with a doc comment (``#:``) or a docstring after the assignment."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
    except Exception:  # a module without source (none in talentlab): nothing documented
        return set()
    return {attr for (scope, attr) in docs if scope == ""}


def _is_routine_or_class(obj) -> bool:
    return inspect.isfunction(obj) or inspect.isclass(obj)


def _directive(module, name: str) -> str:
    obj = getattr(module, name)
    target = f"{module.__name__}.{name}"
    if inspect.isclass(obj):
        return f".. autoclass:: {target}\n   :members:\n   :show-inheritance:\n"
    if inspect.isfunction(obj):
        return f".. autofunction:: {target}\n"
    if name in _documented_attributes(module.__name__):
        return f".. autodata:: {target}\n   :no-value:\n"
    # a constant without a doc comment: autodoc would show its type's docstring ("Built-in
    # immutable sequence."), so it gets its name and, when short, its value
    value = repr(obj)
    short = len(value) <= 80 and "\n" not in value and " at 0x" not in value
    option = f"\n   :value: {value}" if short else ""
    return f".. py:data:: {name}{option}\n"  # under the automodule: the short name


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n"


def _canonical(package, name: str, documented: set[str]) -> str | None:
    """Where an exported name is documented: its defining public module, or None (document here)."""
    obj = getattr(package, name)
    if inspect.isfunction(obj) or inspect.isclass(obj):
        target = f"{obj.__module__}.{obj.__qualname__}"
        return target if target in documented else None
    for candidate in sorted(documented):
        module_name, _, attr = candidate.rpartition(".")
        if attr == name and module_name.startswith(package.__name__ + "."):
            return candidate
    return None


def _relative(target: str, current: str) -> str:
    """``target`` as autosummary wants it under ``.. automodule:: current`` (no current prefix)."""
    return target[len(current) + 1:] if target.startswith(current + ".") else target


def module_page(name: str, documented: set[str], submodules: list[str]) -> str:
    """The reStructuredText of one module's page."""
    module = importlib.import_module(name)
    own = _own_members(module)
    lines = [_title(f"``{name}``"), f".. automodule:: {name}\n"]
    exported = [n for n in getattr(module, "__all__", ()) if n not in own]
    here = [n for n in exported if _canonical(module, n, documented) is None]
    elsewhere = [(n, _canonical(module, n, documented)) for n in exported if n not in here]
    if submodules:
        lines.append(".. rubric:: Modules\n\n.. autosummary::\n   :nosignatures:\n")
        lines += [f"   {_relative(sub, name)}" for sub in submodules]
        lines.append("\n.. toctree::\n   :hidden:\n")
        lines += [f"   {sub}" for sub in submodules]
        lines.append("")
    if elsewhere:
        lines.append(".. rubric:: Exported here, documented where they are defined\n")
        tabled, listed = [], []
        for member, target in elsewhere:
            home, _, attr = target.rpartition(".")
            obj = getattr(module, member)
            if _is_routine_or_class(obj) or attr in _documented_attributes(home):
                tabled.append(_relative(target, name))
            else:  # an undocumented constant: a link, not its type's docstring in a table
                listed.append(f":data:`~{target}`")
        if tabled:
            lines.append(".. autosummary::\n   :nosignatures:\n")
            lines += [f"   {target}" for target in tabled]
            lines.append("")
        if listed:
            lines.append("Constants: " + ", ".join(listed) + ".\n")
    members = own + here
    if members:
        # a constant without a doc comment would show its type's docstring in the table
        with_docs = _documented_attributes(name)
        summarised = [m for m in members if _is_routine_or_class(getattr(module, m))
                      or m in with_docs]
        if summarised:
            lines.append(".. rubric:: Summary\n\n.. autosummary::\n   :nosignatures:\n")
            lines += [f"   {member}" for member in summarised]
            lines.append("")
        lines += [_directive(module, member) for member in members]
    if name == "talentlab.cli":
        lines.append(cli_reference())
    return "\n".join(lines) + "\n"


def cli_reference() -> str:
    """Every sub-command's ``--help``, as argparse prints it."""
    from talentlab.cli import build_parser

    previous = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = HELP_COLUMNS
    try:
        parser = build_parser()
        parser.prog = "talentlab"
        blocks = [_title("Commands", "-"), "``talentlab --help``::\n",
                  _indent(parser.format_help())]
        subparsers = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
        for command, sub in subparsers.choices.items():
            blocks += [_title(f"talentlab {command}", "~"), "::\n", _indent(sub.format_help())]
    finally:
        if previous is None:
            os.environ.pop("COLUMNS", None)
        else:
            os.environ["COLUMNS"] = previous
    return "\n".join(blocks)


def _indent(text: str) -> str:
    return "\n".join(("   " + line) if line.strip() else "" for line in text.splitlines()) + "\n"


def write_api_pages(api_dir: Path) -> list[Path]:
    """One page per public module under ``api_dir``; returns the pages written."""
    modules = public_modules()
    documented = set()
    for name in modules:
        module = importlib.import_module(name)
        documented.update(f"{name}.{member}" for member in _own_members(module))
    written = []
    for name in modules:
        module = importlib.import_module(name)
        submodules = ([m for m in modules if m.rpartition(".")[0] == name]
                      if hasattr(module, "__path__") else [])
        path = api_dir / f"{name}.rst"
        path.write_text(module_page(name, documented, submodules), encoding="utf-8")
        written.append(path)
    return written


def prepare_sources(src: Path) -> Path:
    """Assemble the Sphinx source folder ``src`` (replaced) from the repository."""
    if src.exists():
        shutil.rmtree(src)
    shutil.copytree(DOCS_DIR, src, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    notebooks = src / "notebooks"
    for notebook in sorted((PROJECT_ROOT / "notebooks").glob("*.ipynb")):
        shutil.copy2(notebook, notebooks / notebook.name)
    include = src / "_include"
    include.mkdir(exist_ok=True)
    shutil.copy2(PROJECT_ROOT / "data" / "raw" / "README.md", include / "data_raw_README.md")
    write_api_pages(src / "api")
    return src


def build(out: Path, *, check_links: bool = True, jobs: int = 1) -> Path:
    """Build the site into ``out/html`` (warnings are errors) and check its links; returns the html folder.

    Raises ``RuntimeError`` when Sphinx reports a warning or an error, and
    :class:`offline_links.BrokenLinks` when a link does not resolve offline.
    """
    out = Path(out).resolve()
    src = prepare_sources(out / "src")
    html = out / "html"
    run_sphinx(src, html, out / "doctrees", jobs=jobs)
    if check_links:
        allowed = _allowed_external(src / "conf.py")
        check_site(html, allowed)
    return html


def run_sphinx(src: Path, html: Path, doctrees: Path, *, jobs: int = 1) -> None:
    """``sphinx-build -b html -W --keep-going`` from scratch; ``RuntimeError`` on any warning."""
    from sphinx.cmd.build import build_main

    args = ["-b", "html", "-W", "--keep-going", "-q", "-E", "-d", str(doctrees),
            "-j", str(jobs), str(src), str(html)]
    status = build_main(args)
    if status != 0:
        raise RuntimeError(f"sphinx-build failed (status {status}): see the warnings above")


def _allowed_external(conf: Path) -> tuple[str, ...]:
    namespace: dict = {"__file__": str(conf)}
    exec(compile(conf.read_text(encoding="utf-8"), str(conf), "exec"), namespace)
    return tuple(namespace["ALLOWED_EXTERNAL_LINKS"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="build folder (the site goes to OUT/html)")
    parser.add_argument("--no-link-check", action="store_true")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        html = build(args.out, check_links=not args.no_link_check)
    except Exception as exc:  # one clear line, not a traceback, for a failed build
        print(f"docs: {exc}", file=sys.stderr)
        return 1
    print(f"docs built in {time.perf_counter() - start:.0f} s, links checked: {html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
