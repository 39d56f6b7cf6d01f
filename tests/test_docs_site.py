"""The documentation site: it builds with no warning, every link resolves offline, and the Chinese
quickstart's commands run as written (issue 23 item 2).

The site build is the only check of the docs, so it runs in ``make test`` (one build per session,
into a temporary folder, as ``make docs`` runs it: ``docs/build_site.py``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

DOCS_DIR = PROJECT_ROOT / "docs"
QUICKSTART = DOCS_DIR / "zh" / "quickstart.md"
#: the placeholder the quickstart uses for the clone's folder
CLONE_PLACEHOLDER = "/path/to/talentlab"


def _docs_module(name: str):
    spec = importlib.util.spec_from_file_location(f"docs_{name}", DOCS_DIR / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(DOCS_DIR))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(DOCS_DIR))
    return module


offline_links = _docs_module("offline_links")


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


# ---- the offline link check -----------------------------------------------------------------------

def test_link_check_reports_every_kind_of_broken_link(tmp_path):
    site = tmp_path / "site"
    _write(site / "guide" / "page.html", '<h1 id="top">t</h1><p id="x">x</p><a name="old">o</a>')
    _write(site / "img" / "logo.png", "png")
    _write(tmp_path / "outside.html", "<p>outside</p>")
    _write(site / "index.html", """<html><head><link rel="stylesheet" href="missing.css"></head><body>
<a href="guide/page.html">ok</a> <a href="guide/page.html#x">ok anchor</a>
<a href="guide/page.html#old">ok name</a> <a href="#here">ok local</a> <p id="here"></p>
<a href="guide/">ok folder index</a> <img src="img/logo.png"> <img src="data:image/png;base64,AA==">
<a href="https://doi.org/10.61784/wjes3102">allowed external</a>
<a href="guide/nope.html">no file</a>
<a href="guide/page.html#nowhere">no anchor</a>
<a href="#gone">no local anchor</a>
<img src="img/missing.png">
<a href="https://example.org/page">external, not allowed</a>
<a href="/etc/passwd">absolute</a>
<a href="../outside.html">outside the site</a>
<a href="mailto:someone@example.org">mail</a>
</body></html>""")
    _write(site / "guide" / "index.html", '<a href="../index.html#here">ok back</a>')

    problems = offline_links.find_broken_links(site, ("https://doi.org/",))
    broken = {re.search(r"=(['\"])(.*?)\1", p).group(2) for p in problems}
    assert broken == {"missing.css", "guide/nope.html", "guide/page.html#nowhere", "#gone",
                      "img/missing.png", "https://example.org/page", "/etc/passwd",
                      "../outside.html", "mailto:someone@example.org"}, problems
    assert any("no anchor #nowhere in guide/page.html" in p for p in problems)
    with pytest.raises(offline_links.BrokenLinks, match="9 broken link"):
        offline_links.check_site(site, ("https://doi.org/",))
    # without the allow-list the DOI link is broken too
    assert any("doi.org" in p for p in offline_links.find_broken_links(site, ()))


def test_link_check_passes_a_sound_site_and_refuses_an_empty_one(tmp_path):
    _write(tmp_path / "site" / "index.html", '<a href="a.html#s">a</a>')
    _write(tmp_path / "site" / "a.html", '<section id="s"><a href="index.html">back</a></section>')
    offline_links.check_site(tmp_path / "site")
    (tmp_path / "empty").mkdir()
    with pytest.raises(offline_links.BrokenLinks, match="no HTML page"):
        offline_links.check_site(tmp_path / "empty")


def test_a_sphinx_warning_fails_the_build(tmp_path):
    """The site is built with -W: one malformed page is enough to fail (with the site's conf.py)."""
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy2(DOCS_DIR / "conf.py", src / "conf.py")
    _write(src / "index.md", "# Title\n\n```{toctree}\nmissing_page\n```\n")
    script = ("import sys; sys.path.insert(0, sys.argv[1]); import build_site; "
              "build_site.run_sphinx(*map(build_site.Path, sys.argv[2:5]))")
    run = subprocess.run([sys.executable, "-c", script, str(DOCS_DIR), str(src),
                          str(tmp_path / "html"), str(tmp_path / "doctrees")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert run.returncode != 0
    assert "missing_page" in run.stderr and "sphinx-build failed" in run.stderr


# ---- the site itself ----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Path:
    """``docs/build_site.py OUT`` as ``make docs`` runs it: warnings are errors, links checked."""
    out = tmp_path_factory.mktemp("docs")
    run = subprocess.run([sys.executable, str(DOCS_DIR / "build_site.py"), str(out)],
                         capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=900)
    assert run.returncode == 0, f"docs build failed:\n{run.stdout}\n{run.stderr}"
    assert "links checked" in run.stdout
    return out / "html"


def test_site_builds_without_warning_and_its_links_resolve(site):
    conf = _docs_module("build_site")._allowed_external(DOCS_DIR / "conf.py")
    assert offline_links.find_broken_links(site, conf) == []
    n_links = sum(len(offline_links._parse(p).links) for p in site.rglob("*.html"))
    assert n_links > 1000  # the check saw the site's links, not an empty folder
    # nothing is fetched at reading time either: no page loads a script or style from elsewhere
    for page in site.rglob("*.html"):
        assert not re.search(r'<(script|link)[^>]+(src|href)="https?:', page.read_text("utf-8")), page


def test_site_has_every_part(site):
    for page in ("index", "zh/quickstart", "codebook", "api/index", "guide/index", "guide/import",
                 "guide/evaluation", "guide/six_case", "guide/qca", "guide/report",
                 "notebooks/index"):
        assert (site / f"{page}.html").is_file(), page
    for notebook in (PROJECT_ROOT / "notebooks").glob("*.ipynb"):
        assert (site / "notebooks" / f"{notebook.stem}.html").is_file(), notebook.name
    # the API reference: a page per public module of every stage, with the docstrings rendered
    build_site = _docs_module("build_site")
    for module in build_site.public_modules():
        assert (site / "api" / f"{module}.html").is_file(), module
    graduate = (site / "api" / "talentlab.indicators.graduate.html").read_text("utf-8")
    assert 'id="talentlab.indicators.graduate.counterpart_employment_rate"' in graduate
    assert "Examples" in graduate
    cli = re.sub(r"<[^>]+>", "", (site / "api" / "talentlab.cli.html").read_text("utf-8"))
    assert "talentlab import" in cli and "--key-file" in cli
    # the codebook is data/raw/README.md: every contract field is on the page
    codebook = (site / "codebook.html").read_text("utf-8")
    for field in ("student_id", "destination", "job_related_to_major", "counterpart_employment_rate"):
        assert field in codebook
    # the hand-written pages name functions and modules that exist: every {func}/{mod}/{data}
    # reference resolved to a link (Sphinx renders an unresolved one as bare code, with no warning)
    for page in [site / "index.html", *(site / "guide").glob("*.html"), *(site / "zh").glob("*.html"),
                 site / "api" / "index.html"]:
        html = page.read_text("utf-8")
        unresolved = [m.group(2) for m in re.finditer(
            r'(<a class="reference internal"[^>]*>)?<code class="xref py[^"]*"><span class="pre">'
            r"([^<]*)", html) if m.group(1) is None]
        assert unresolved == [], f"{page.relative_to(site)}: no such API name {unresolved}"
    quickstart = re.sub(r"<[^>]+>", "", (site / "zh" / "quickstart.html").read_text("utf-8"))
    assert "中文快速入门" in quickstart and "talentlab import" in quickstart


# ---- the Chinese quickstart runs as written -----------------------------------------------------

def quickstart_commands(markdown: str) -> list[str]:
    """The commands of every ```bash block, continuation lines joined, comments dropped."""
    commands = []
    for block in re.findall(r"^```bash\n(.*?)^```", markdown, flags=re.S | re.M):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #")[0].strip()
            if line and not line.startswith("#"):
                commands.append(line)
    return commands


def test_quickstart_commands_are_found():
    commands = quickstart_commands(QUICKSTART.read_text(encoding="utf-8"))
    verbs = [c.split()[:2] for c in commands]
    for verb in (["talentlab", "examples"], ["talentlab", "import"], ["talentlab", "validate"],
                 ["talentlab", "indicators"], ["talentlab", "process"]):
        assert verb in verbs, verb
    assert any(c.startswith("make ") and " reproduce " in c for c in commands)


def run_quickstart(home: Path, make_command) -> subprocess.CompletedProcess:
    """Every command of the quickstart in order, in ``home`` as the home folder; each ``make``
    line is replaced by ``make_command(arguments)``."""
    script = ["set -euo pipefail"]
    for command in quickstart_commands(QUICKSTART.read_text(encoding="utf-8")):
        command = command.replace(CLONE_PLACEHOLDER, str(PROJECT_ROOT))
        if command.startswith("make "):
            command = make_command(command[len("make "):])
        script += [f"echo '>>> {command}'", command]
    home.mkdir(exist_ok=True)
    env = {**os.environ, "HOME": str(home)}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True, text=True,
                          env=env, cwd=home, timeout=3600)


def test_zh_quickstart_walks_the_example_export_to_a_report(tmp_path):
    """Every command of docs/zh/quickstart.md, in order, in a temporary home folder.

    ``talentlab`` commands run for real; ``make`` commands run as ``make -n`` (the setup must not
    touch the shared environment, and the report step's notebooks are what ``make reproduce``
    runs: the dry run shows make accepts the imported folder and would build the report from it;
    the slow test below runs it).
    """
    home = tmp_path / "home"
    run = run_quickstart(home, lambda arguments: f"make -n {arguments}")
    assert run.returncode == 0, f"quickstart failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    demo = home / "talentlab-demo"
    imported = demo / "imported" / "my-college"
    for table in ("graduates", "employer_ratings", "evaluations", "programmes"):
        assert (imported / f"{table}.csv").is_file(), table
    assert "valid" in run.stdout
    indicators = (demo / "indicators.csv").read_text(encoding="utf-8-sig").splitlines()
    assert indicators[0].startswith("cohort,major,indicator") and len(indicators) > 100
    assert (demo / "processed" / "my-college" / "manifest.json").is_file()
    # the real student numbers did not leave the import: the key made pseudonyms
    assert (home / "talentlab.key").is_file()
    assert "pseudonyms" in run.stdout
    # the report step: make accepts the folder and would run the notebooks and the report build
    assert "talentlab.cli report" in run.stdout and str(imported) in run.stdout


@pytest.mark.slow  # the notebooks of make reproduce: minutes
def test_zh_quickstart_report_step_writes_the_report(tmp_path):
    """The quickstart's report step run for real; make's outputs (the validated copy and the
    report) are pointed into the temporary folder so the repository is not written."""
    home = tmp_path / "home"
    report_dir, processed = tmp_path / "reports", tmp_path / "processed"

    def make(arguments: str) -> str:
        if "reproduce" not in arguments.split():
            return f"make -n {arguments}"  # make setup: the shared environment is left alone
        return f"make {arguments} REPORT_DIR={report_dir} PROCESSED={processed}"

    run = run_quickstart(home, make)
    assert run.returncode == 0, f"quickstart failed:\n{run.stdout[-4000:]}\n{run.stderr[-4000:]}"
    index = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "synthetic" in index.lower()
    assert (report_dir / "findings.md").is_file() and (report_dir / "MANIFEST.sha256").is_file()
    assert (report_dir / "10_zhuhai_case_evaluation" / "results.json").is_file()
