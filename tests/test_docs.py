"""Generated documentation matches the code that generates it (no drift)."""

from __future__ import annotations

from talentlab.data import io, schema
from talentlab.report import docs


def test_raw_readme_is_up_to_date():
    current = docs.README_PATH.read_text(encoding="utf-8")
    assert current == docs.render_readme(), "data/raw/README.md is stale: run `make codebook`"


def test_every_contract_field_is_documented_in_both_languages():
    text = docs.README_PATH.read_text(encoding="utf-8")
    for res in schema.contract()["resources"]:
        for field in res["schema"]["fields"]:
            assert f"`{field['name']}`" in text
            assert field["description"] and field["description_zh"]


def test_paper_tables_load_and_validate():
    assert len(io.load_cases()) == 6
    conditions = io.load_case_conditions()
    assert set(conditions["case_id"]) == set(io.load_cases()["case_id"])
    assert io.load_reference_configurations()["reference_only"].all()


def test_destination_constants_match_the_contract():
    enum = schema.fields("graduates")["destination"]["constraints"]["enum"]
    assert list(schema.DESTINATIONS) == enum
    assert set(schema.EMPLOYEES) < set(schema.EMPLOYED) < set(enum)
