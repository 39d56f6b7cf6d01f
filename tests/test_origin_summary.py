"""results.json's data origin of an imported folder names no identifier field: the map of the
college's headers to the contract's fields (``imported_from.columns``) stays in the import report."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pandas as pd

from talentlab.report.export import origin_summary
from talentlab.report.identifiers import scan_for_identifiers


def test_imported_origin_has_no_identifier_field_names(tmp_path):
    origin = {"data_origin": "user", "name": "college",
              "checksums": {"graduates.csv": "0" * 64},
              "imported_from": {"source": "exports", "mapping": "mapping.yaml",
                                "source_sha256": {"a.xlsx": "1" * 64},
                                "columns": {"graduates": {"a.xlsx/Sheet1": {"student_id": "学号",
                                                                            "major": "专业"}}}}}
    summary = origin_summary(SimpleNamespace(origin=origin))
    assert "checksums" not in summary
    assert summary["imported_from"] == {"source": "exports", "mapping": "mapping.yaml",
                                        "source_sha256": {"a.xlsx": "1" * 64}}
    assert "columns" in origin["imported_from"]          # the data's own origin is untouched
    (tmp_path / "results.json").write_text(json.dumps({"data_origin": summary}), "utf-8")
    tables = {"graduates": pd.DataFrame({"student_id": ["S-0001"], "major": ["IC design"]})}
    assert scan_for_identifiers(tmp_path, tables) == []
    # the whole origin, as before, was refused by the report build's identifier check
    (tmp_path / "results.json").write_text(json.dumps({"data_origin": origin}), "utf-8")
    assert scan_for_identifiers(tmp_path, tables)
