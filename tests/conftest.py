"""Shared pytest fixtures: the project's paths, its shipped data, the reference values and the
small valid data folder the input tests break one cell at a time.

Reference data sets and the values their sources print live in ``tests/reference/<name>/``, each
folder with a README giving the source, the publication of the expected numbers and the licence, so
a plain clone runs every check. Only the paper's text (``../shared/paper/``, not part of the repository) is
read from outside the repository: the tests that need it skip with a reason naming the file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cache
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
RAW_DIR = PROJECT_ROOT / "data" / "raw"
SYNTHETIC_DIR = RAW_DIR / "synthetic"
#: every reference data set and expected value the tests read (one folder per source)
REFERENCE_DIR = PROJECT_ROOT / "tests" / "reference"
#: the paper's text: outside the repository and optional (tests needing it skip, naming it)
PAPER_FILE = PROJECT_ROOT.parent / "shared" / "paper" / "liu-hve-industrial-clusters.txt"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """``tests/reference/``: the reference data sets (``stats/``, ``qca/``, ``mpdta/``)."""
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def stats_expected() -> dict:
    """The expected values of ``tests/reference/stats/expected.json`` (sources: its README)."""
    return json.loads((REFERENCE_DIR / "stats" / "expected.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def paper_file() -> Path:
    """The paper's text; the test skips, naming the file, where ``../shared/paper/`` is absent."""
    if not PAPER_FILE.is_file():
        pytest.skip(f"the paper's text {PAPER_FILE} (../shared/paper/, outside the repository) "
                    "is absent")
    return PAPER_FILE


@pytest.fixture(scope="session")
def shipped_data() -> Callable:
    """The shipped synthetic scenarios, each loaded and validated once per test session.

    ``shipped_data()`` is the default scenario (``paper_claims``, what ``talentlab.load_all()``
    loads), ``shipped_data("null")`` another folder of ``data/raw/synthetic/``. Every test gets the
    same objects: derive new frames from them (pandas copy-on-write keeps the originals), never
    assign into them.
    """
    import talentlab

    @cache
    def load(scenario: str = "paper_claims"):
        return talentlab.load_all(SYNTHETIC_DIR / scenario)

    return load


# ---------------------------------------------------------------------------------------------
# the valid folder: a small data folder that passes every rule of the contract, with Chinese
# college and major names; input tests change one cell of it and expect one clear refusal
GRADUATES = """student_id,college,major,cohort,treated_major,destination,job_related_to_major,job_satisfaction,employer_id,employer_in_cluster,employer_tier,work_region,adaptation_months,adaptation_reached,left_within_6_months,retraining_hours,industry_certificate,order_class
S001,珠海示例学院,集成电路设计,2021,true,employed_full_time,true,4,E01,true,leading,local,3.5,true,false,40,true,true
S002,珠海示例学院,集成电路设计,2021,true,further_study,,,,,,,,,,,false,false
S003,珠海示例学院,电子商务,2022,false,employed_part_time,false,3,E02,false,sme,province,6,false,true,12.5,,false
S004,珠海示例学院,电子商务,2022,false,self_employed,true,5,,false,,elsewhere,2,true,false,,true,false
S005,珠海示例学院,电子商务,2023,false,unknown,,,,,,,,,,,,false
"""
RATINGS = """rating_id,student_id,employer_id,rater_id,practical_skill,post_adaptability,professional_quality,problem_solving,learning_ability,overall_satisfaction,would_hire_again
R1,S001,E01,Q1,5,4,4,,5,5,true
R2,S003,E02,Q2,3,3,4,2,3,0,
"""
EVALUATIONS = """student_id,party,evaluator_id,dimension,score
S001,school,T1,theory,88
S001,enterprise,Q1,practical_skill,91.5
S001,industry,A1,certification,80
"""
PROGRAMMES = """college,major,year,specialised_teachers,double_qualified_teachers,enterprise_part_time_teachers,courses_total,courses_co_developed,students_enrolled,order_class_students,technical_service_projects,sme_employees_trained
珠海示例学院,集成电路设计,2021,20,12,6,30,8,300,40,5,120
珠海示例学院,电子商务,2021,15,5,2,28,3,280,0,1,0
"""
#: the valid folder's four record tables as CSV texts, by table name
TABLES = {"graduates": GRADUATES, "employer_ratings": RATINGS, "evaluations": EVALUATIONS,
          "programmes": PROGRAMMES}


def write_valid_folder(folder: Path, graduates: str = GRADUATES,
                       encoding: str = "utf-8") -> Path:
    """Write the valid folder's four tables into ``folder`` (created) and return it.

    ``graduates`` replaces the graduates table's text and is written in ``encoding`` (a Chinese
    export's GB18030, say); the other tables are UTF-8.
    """
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in TABLES.items():
        if name == "graduates":
            (folder / f"{name}.csv").write_bytes(graduates.encode(encoding))
        else:
            (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def valid_folder(tmp_path: Path) -> Path:
    """A fresh copy of the valid folder in ``tmp_path / "data"``."""
    return write_valid_folder(tmp_path / "data")
