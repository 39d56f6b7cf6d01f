"""Shared pytest fixtures.

Reference data sets live outside the project, in ``../shared/reference/`` relative to the
project root. Tests read them in place and skip (with a message naming the folder) only
where the folder is absent; they are never copied into the project.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

# openpyxl picks its XML serialiser when first imported: the standard library's, as `make` does
# (OPENPYXL_LXML=False in the Makefile), so the shipped example workbooks reproduce byte for byte
# whether or not lxml is installed.
os.environ.setdefault("OPENPYXL_LXML", "False")

# Scripts that made the stored reference values (they need R-data readers the tests do not) are
# provenance, not tests: pytest does not import them.
collect_ignore_glob = ["reference/*/*.py", "reference_*/*.py"]

PROJECT_ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = PROJECT_ROOT.parent / "shared" / "reference"


@pytest.fixture(scope="session")
def project_root() -> Path:
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    if not REFERENCE_DIR.is_dir():
        pytest.skip(f"reference folder {REFERENCE_DIR} (../shared/reference/) is absent")
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def stats_expected(reference_dir: Path) -> dict:
    """The expected values of ``../shared/reference/stats/expected.json``."""
    return json.loads((reference_dir / "stats" / "expected.json").read_text(encoding="utf-8"))
