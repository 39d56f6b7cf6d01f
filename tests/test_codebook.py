"""The codebook, the calibration anchors and their Markdown rendering."""

from __future__ import annotations

import re

import pytest

import talentlab.indicators as ti
from talentlab.data.codebook import (
    CODEBOOK_COLUMNS,
    calibration_anchors,
    codebook,
    label,
    render_codebook_markdown,
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def test_codebook_columns_and_completeness():
    cb = codebook()
    assert list(cb.columns) == CODEBOOK_COLUMNS
    assert cb["code"].is_unique
    for col in CODEBOOK_COLUMNS:
        assert cb[col].notna().all() and (cb[col].str.len() > 0).all(), col
    assert cb["label_zh"].map(lambda s: bool(CJK.search(s))).all()
    assert set(cb["source_quality"]) <= {"verified", "verified_secondary", "partly_verified",
                                         "research_definition"}
    # every function named in the codebook exists in talentlab.indicators
    for fn in cb["function"]:
        assert callable(getattr(ti, fn)), fn
    required = {"counterpart_employment_rate", "employment_rate", "destination_rate",
                "local_employment_rate", "cluster_employment_rate", "turnover_6_months",
                "adaptation_cycle", "enterprise_recognition_score",
                "enterprise_satisfaction_share", "enterprise_recognition_alpha",
                "retraining_hours", "industry_certificate_rate",
                "double_qualified_teacher_ratio", "co_developed_course_share",
                "order_class_share", "three_party_evaluation"}
    assert required <= set(cb["code"])


def test_key_definitions_state_their_denominators():
    cb = codebook().set_index("code")
    assert "full time" in cb.loc["counterpart_employment_rate", "denominator"]
    assert "all_employed" in cb.loc["counterpart_employment_rate", "denominator"]
    assert "preparing" in cb.loc["employment_rate", "exclusions"]
    assert "All graduates" in cb.loc["destination_rate", "denominator"]
    assert "cannot evaluate" in cb.loc["enterprise_satisfaction_share", "exclusions"]
    assert "censored" in cb.loc["adaptation_cycle", "exclusions"]


def test_label_lookup():
    assert label("turnover_6_months") == ("Six-month turnover rate", "半年内离职率")
    with pytest.raises(ValueError, match="unknown indicator"):
        label("nope")


def test_calibration_anchors_only_named_verified_sources():
    a = calibration_anchors()
    assert list(a.columns) == ["indicator", "value", "year", "population", "source",
                               "source_quality", "note"]
    assert ((a["value"] > 0) & (a["value"] < 1)).all()
    assert (a["source"].str.len() > 5).all()
    assert set(a["source_quality"]) <= {"P", "S", "L-S"}
    assert not a.apply(lambda r: "UNVERIFIED" in " ".join(map(str, r)), axis=1).any()
    assert not a["source"].str.contains("xhlnet|monavievo").any()  # low-reliability pages
    assert set(a["indicator"]) <= set(codebook()["code"])
    def value(code, year):
        return a.loc[(a["indicator"] == code) & (a["year"] == year), "value"].tolist()

    assert value("counterpart_employment_rate", 2018) == [0.62]
    assert value("turnover_6_months", 2017) == [0.42]
    assert value("employment_rate", 2017) == [0.921]
    assert a["year"].dtype == "Int64"


def test_render_markdown_holds_every_code_and_anchor():
    md = render_codebook_markdown()
    assert md.startswith("# talentlab indicator codebook")
    for code in codebook()["code"]:
        assert f"## `{code}`" in md
    table_rows = [line for line in md.splitlines() if line.startswith("| `")]
    assert len(table_rows) == len(calibration_anchors())
    assert "半年内离职率" in md
