"""The library's own defaults in an installed talentlab: nothing is written under site-packages.

The CLI asks for ``--out`` outside a clone (tests/test_wheel.py); these are the same guards in the
library functions a notebook or a script calls: the example export, the scenario generator and
the codebook. The installed mode is simulated as in tests/test_wheel.py (no repository), with the
package's own files in a fake site-packages folder, so a default that was not refused would be
written there (never into the repository's raw data) and the test sees it. Also here: the
notebook runner without papermill (the ``notebooks`` extra) and ``talentlab notebooks``.
"""

from __future__ import annotations

import sys

import pytest

from talentlab import cli, resources
from tests.conftest import PROJECT_ROOT, SYNTHETIC_DIR


@pytest.fixture
def installed(monkeypatch, tmp_path):
    """talentlab as a wheel installs it: no repository; its files under a fake site-packages."""
    shipped = tmp_path / "site-packages" / "talentlab" / "_shipped"
    raw = shipped / "data" / "raw"
    raw.mkdir(parents=True)
    monkeypatch.setattr(resources, "REPOSITORY", None)
    monkeypatch.setattr(resources, "IN_REPOSITORY", False)
    monkeypatch.setattr(resources, "PROJECT_ROOT", shipped)
    monkeypatch.setattr(resources, "RAW_DIR", raw)
    # the raw-data paths the modules took from talentlab.data.io when imported: in a wheel they
    # lie in the package, so point them at the fake one
    import talentlab.data.io as tio
    from talentlab.data import examples
    from talentlab.report import docs

    monkeypatch.setattr(tio, "SYNTHETIC_DIR", raw / "synthetic")
    monkeypatch.setattr(examples, "EXAMPLES_DIR", raw / "examples", raising=False)
    monkeypatch.setattr(docs, "README_PATH", raw / "README.md")
    return tmp_path / "site-packages"


def _files_under(folder) -> list:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _refused_naming_out_dir(exc: pytest.ExceptionInfo, option: str) -> None:
    message = str(exc.value)
    assert f"give {option}" in message and "installed talentlab" in message, message
    assert f"请用 {option}" in message, message  # the Chinese half


def test_example_export_needs_out_dir_when_installed(installed, tmp_path):
    from talentlab.data.examples import write_college_export

    source = SYNTHETIC_DIR / "paper_claims"
    with pytest.raises(ValueError) as exc:
        write_college_export(source_dir=source)
    _refused_naming_out_dir(exc, "out_dir")
    assert _files_under(installed) == [], "nothing written inside the package"


def test_generate_needs_out_dir_when_installed(installed, monkeypatch):
    from talentlab.simulate import writing

    def no_simulation(*args, **kwargs):  # refused before minutes of work, not after
        raise AssertionError("simulated although the output folder is refused")

    monkeypatch.setattr(writing, "simulate_tables", no_simulation)
    with pytest.raises(ValueError) as exc:
        writing.generate("null", seed=3)
    _refused_naming_out_dir(exc, "out_dir")
    assert _files_under(installed) == []


def test_codebook_needs_out_when_installed(installed, monkeypatch, tmp_path):
    from talentlab.report import docs

    monkeypatch.setattr(docs, "render_readme", lambda: "# codebook\n")  # the text is not the point
    with pytest.raises(ValueError) as exc:
        docs.write_codebooks()
    _refused_naming_out_dir(exc, "out")
    assert _files_under(installed) == []
    # a place given is written; checking the shipped copy reads it and writes nothing
    out = tmp_path / "mine" / "codebook.md"
    assert docs.write_codebooks(out=out) == [out]
    assert out.read_text(encoding="utf-8") == "# codebook\n"
    with pytest.raises(SystemExit, match="out of date"):
        docs.write_codebooks(check=True)
    assert _files_under(installed) == []


def _without_papermill(monkeypatch) -> None:
    """``import papermill`` fails as it does when the ``notebooks`` extra is not installed."""
    for name in [m for m in sys.modules if m == "papermill" or m.startswith("papermill.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "papermill", None)


def test_notebook_runner_without_papermill_names_the_extra(monkeypatch, tmp_path, capsys):
    from talentlab.report import notebook_runner

    _without_papermill(monkeypatch)
    notebook = PROJECT_ROOT / "notebooks" / "00_quickstart.ipynb"
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'talentlab\[notebooks\]'"):
        notebook_runner.execute_notebook(notebook, tmp_path / "run.ipynb")
    assert notebook_runner.main([str(notebook), str(tmp_path / "run.ipynb")]) == 2
    err = capsys.readouterr().err
    assert "papermill" in err and "pip install 'talentlab[notebooks]'" in err
    assert not (tmp_path / "run.ipynb").exists()


def test_notebooks_command_names_and_copies_every_shipped_notebook(tmp_path, capsys):
    shipped = sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
    assert {"11_zhuhai_interrupted_time_series.ipynb", "30_qca_on_your_cases.ipynb"} <= set(shipped)
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    description = " ".join(sub.choices["notebooks"].description.split())
    for name in shipped:
        assert name.removesuffix(".ipynb") in description, f"the help does not name {name}"
    assert cli.main(["notebooks", str(tmp_path / "nb")]) == 0
    assert sorted(p.name for p in (tmp_path / "nb").iterdir()) == shipped
    said = capsys.readouterr().out
    assert all(name in said for name in shipped)
