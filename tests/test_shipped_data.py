"""The shipped synthetic data: unchanged since `make data` wrote them, valid, and labelled synthetic."""

from __future__ import annotations

import hashlib

import pytest

import talentlab
from tests.conftest import PROJECT_ROOT

SYNTHETIC = PROJECT_ROOT / "data" / "raw" / "synthetic"


def test_checksums_match_what_the_generator_wrote():
    lines = (SYNTHETIC / "SHA256SUMS").read_text().splitlines()
    assert len(lines) == 24  # 4 scenarios x (4 tables + truth.json + datapackage.json)
    for line in lines:
        digest, rel = line.split("  ", 1)
        path = SYNTHETIC / rel
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, f"{rel} was modified"


@pytest.mark.parametrize("scenario", ["paper_claims", "null", "pretrend", "staggered"])
def test_each_scenario_is_valid_and_synthetic(scenario, tmp_path):
    data = talentlab.load_all(SYNTHETIC / scenario)
    assert data.is_synthetic and data.origin["scenario"] == scenario
    before = (SYNTHETIC / "SHA256SUMS").read_text()
    talentlab.process(SYNTHETIC / scenario, tmp_path / "processed")
    assert (SYNTHETIC / "SHA256SUMS").read_text() == before
    test_checksums_match_what_the_generator_wrote()  # processing left the raw files alone
