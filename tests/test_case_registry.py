"""The six-case registry and the claims table, coded from the paper (data/raw/CASES.md).

Every quote must be a verbatim substring of the paper after whitespace normalisation; the paper's
text is not in the repository: it is read at ``../shared/paper/`` (conftest ``paper_file``) and the
tests that need it skip, naming the file, where it is absent.
"""

from __future__ import annotations

import csv
import re

import pytest

from talentlab.data.io import load_case_conditions, load_cases, read_table_text
from talentlab.data.schema import validate_tables
from tests.conftest import RAW_DIR as RAW

CONDITIONS = [
    "concept", "interest_linkage", "collaborative_governance", "demand_feedback",
    "modular_curriculum", "dual_training", "customized_cultivation", "teacher_development",
    "three_party_evaluation", "policy_resource_guarantee",
]
OUTCOMES = ["talent_adaptability", "resource_integration", "industrial_service"]
MEMBERSHIPS = {"0", "0.33", "0.67", "1"}
#: The rubric of CASES.md section 4: which memberships each evidence status allows.
ALLOWED_BY_STATUS = {
    "stated_present": {"0.67", "1"},
    "implied": {"0.33", "0.67"},
    "not_mentioned": {"0"},
    "stated_absent": {"0", "0.33"},
}
INDICATORS = {
    "counterpart_employment_rate", "local_employment_rate", "cluster_employment_rate",
    "enterprise_recognition", "adaptation_cycle", "retraining_hours", "turnover_6_months",
    "three_party_evaluation", "order_class_share", "technical_service_projects",
    "sme_employees_trained",
}
ZHUHAI_OUTCOMES = {
    "job_related_to_major", "local_work", "employer_in_cluster", "adaptation_months",
    "recognition_score", "retraining_hours", "evaluation_score", "technical_service_projects",
    "sme_employees_trained",
}
ANALYSES = {"zhuhai_did", "zhuhai_survival", "zhuhai_mixed", "qca", "not_testable"}
DIRECTIONS = {"increase", "decrease", "positive_association", "necessary", "sufficient"}


def read_rows(name: str) -> list[dict[str, str]]:
    with open(RAW / f"{name}.csv", encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def paper_text(paper_file) -> str:
    return normalise(paper_file.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cases() -> list[dict[str, str]]:
    return read_rows("cases")


@pytest.fixture(scope="module")
def conditions() -> list[dict[str, str]]:
    return read_rows("case_conditions")


@pytest.fixture(scope="module")
def references() -> list[dict[str, str]]:
    return read_rows("reference_configurations")


@pytest.fixture(scope="module")
def claims() -> list[dict[str, str]]:
    """The ledger: claims.csv and its supplement (issue 11), checked by the same rules."""
    return read_rows("claims") + read_rows("claims_supplement")


# ------------------------------------------------------------------------------ file format
@pytest.mark.parametrize(
    "name", ["cases", "case_conditions", "reference_configurations", "claims",
             "claims_supplement", "case_conditions_consensus"])
# case_conditions_coder2.csv is kept verbatim as delivered (CRLF line endings): not listed
def test_csv_is_utf8_without_bom_with_lf_endings(name):
    data = (RAW / f"{name}.csv").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf"), f"{name}.csv starts with a BOM"
    assert b"\r" not in data, f"{name}.csv has CR line endings"
    data.decode("utf-8")  # raises on invalid UTF-8


def test_tables_pass_the_data_contract():
    assert len(load_cases()) == 6
    assert len(load_case_conditions()) == 78
    typed, problems = validate_tables({"claims": read_table_text(RAW / "claims.csv", "claims")})
    assert not problems, "\n".join(map(str, problems))


# ------------------------------------------------------------------------------ quotes
def _missing_quotes(rows, column, paper_text):
    return [(r.get("case_id") or r.get("claim_id"), r.get("condition", ""), r[column])
            for r in rows if r[column] and normalise(r[column]) not in paper_text]


def test_condition_quotes_are_verbatim(conditions, paper_text):
    assert _missing_quotes(conditions, "evidence_quote", paper_text) == []


def test_reference_configuration_quotes_are_verbatim(references, paper_text):
    assert _missing_quotes(references, "evidence_quote", paper_text) == []


def test_claim_quotes_are_verbatim(claims, paper_text):
    assert _missing_quotes(claims, "quote", paper_text) == []


def test_named_cases_are_named_in_the_paper(cases, paper_text):
    """A case coded 'named' must have its college (and its partner's first name) in the text."""
    for case in cases:
        if case["identity_certainty"] != "named":
            assert case["identity_note"], f"{case['case_id']}: uncertain identity needs a note"
            continue
        assert case["college"] and normalise(case["college"]) in paper_text, case["case_id"]
        partner = re.split(r"[;(]", case["enterprise_partners"])[0].strip()
        assert partner in paper_text, (case["case_id"], partner)


def test_normalisation_catches_a_changed_quote(paper_text):
    """Guard for the check itself: a quote altered by one word is not found."""
    assert normalise("Students' post adaptability significantly improved") in paper_text
    assert normalise("Students' post adaptability slightly improved") not in paper_text


# ------------------------------------------------------------------------------ cases
def test_six_cases_with_identity_and_type(cases):
    ids = [c["case_id"] for c in cases]
    assert len(ids) == 6 and len(set(ids)) == 6
    assert "zhuhai_ic" in ids
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids)
    assert {c["identity_certainty"] for c in cases} <= {"named", "inferred", "uncertain"}
    assert {c["cluster_type"] for c in cases} == {"manufacturing", "service"}
    for c in cases:
        assert c["sections"] and c["source_reference"], c["case_id"]
        assert c["identity_note"], f"{c['case_id']}: every case notes how it was identified"


# ------------------------------------------------------------------------------ conditions
def test_every_case_has_every_condition_and_outcome_once(cases, conditions):
    ids = {c["case_id"] for c in cases}
    keys = [(r["case_id"], r["condition"]) for r in conditions]
    assert len(keys) == len(set(keys)) == 78
    assert set(keys) == {(i, c) for i in ids for c in CONDITIONS + OUTCOMES}


def test_memberships_follow_the_rubric(conditions):
    for r in conditions:
        where = (r["case_id"], r["condition"])
        assert r["membership"] in MEMBERSHIPS, where
        assert r["evidence_status"] in ALLOWED_BY_STATUS, where
        assert r["membership"] in ALLOWED_BY_STATUS[r["evidence_status"]], where
        assert r["coding_note"], where


def test_quotes_present_exactly_when_something_is_stated(conditions):
    for r in conditions:
        where = (r["case_id"], r["condition"])
        if r["evidence_status"] == "not_mentioned":
            assert r["evidence_quote"] == "" and r["evidence_section"] == "", where
        else:
            assert r["evidence_quote"] and r["evidence_section"], where


def test_alternative_membership_only_for_not_mentioned(conditions):
    for r in conditions:
        where = (r["case_id"], r["condition"])
        if r["evidence_status"] == "not_mentioned":
            assert r["alternative_membership"] in MEMBERSHIPS - {"0"}, where
        else:
            assert r["alternative_membership"] == "", where


def test_matrix_in_codebook_matches_the_csv(conditions):
    """CASES.md section 9 prints the coded matrix; it must not drift from the data."""
    text = (RAW / "CASES.md").read_text(encoding="utf-8")
    suffix = {"stated_present": "", "implied": "i", "not_mentioned": "n", "stated_absent": "x"}
    printed = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 14 and cells[0] in {r["case_id"] for r in conditions}:
            printed.update({(cells[0], c): v for c, v in zip(CONDITIONS + OUTCOMES, cells[1:], strict=True)})
    expected = {(r["case_id"], r["condition"]): r["membership"] + suffix[r["evidence_status"]]
                for r in conditions}
    assert printed == expected


def test_codebook_labels_every_code_in_english_and_chinese():
    text = (RAW / "CASES.md").read_text(encoding="utf-8")
    for code, zh in [("concept", "集群导向"), ("interest_linkage", "利益联结机制"),
                     ("collaborative_governance", "协同治理机制"),
                     ("demand_feedback", "需求反馈机制"), ("modular_curriculum", "模块化课程"),
                     ("dual_training", "校中厂"), ("customized_cultivation", "定制化培养"),
                     ("teacher_development", "双师型"), ("three_party_evaluation", "三方评价"),
                     ("policy_resource_guarantee", "政策与资源保障"),
                     ("talent_adaptability", "人才培养适应性"),
                     ("resource_integration", "校企资源整合"),
                     ("industrial_service", "产业服务能力")]:
        row = next((ln for ln in text.splitlines() if ln.startswith(f"| `{code}`")), "")
        assert zh in row, code


# ------------------------------------------------------------------------------ references
def test_reference_configurations_are_flagged_and_separate(cases, references):
    ids = {r["case_id"] for r in references}
    assert ids == {"ref_germany_dual", "ref_australia_tafe", "ref_toyota_school"}
    assert not ids & {c["case_id"] for c in cases}
    keys = {(r["case_id"], r["condition"]) for r in references}
    assert len(keys) == len(references) == 39
    for r in references:
        assert r["reference_only"] == "true"
        assert r["evidence_section"] in {"", "1.3.2"}
        assert r["membership"] in ALLOWED_BY_STATUS[r["evidence_status"]]
        assert (r["evidence_quote"] == "") == (r["evidence_status"] == "not_mentioned")


# ------------------------------------------------------------------------------ claims
def test_claim_ids_unique_and_well_formed(claims):
    ids = [c["claim_id"] for c in claims]
    assert len(ids) == len(set(ids))
    for c in claims:
        assert re.fullmatch(r"C\d+(\.\d+)*[a-z]", c["claim_id"]), c["claim_id"]
        assert c["claim_id"][1:].startswith(c["section"]), c["claim_id"]
        assert c["section"].split(".")[0] in {"3", "5", "6"}


def test_claim_codes_come_from_the_allowed_lists(cases, claims):
    case_ids = {c["case_id"] for c in cases} | {"zhuhai", "six_case"}
    for c in claims:
        cid = c["claim_id"]
        assert c["case"] in case_ids, cid
        assert c["indicator"] == "" or c["indicator"] in INDICATORS, cid
        assert c["claimed_direction"] in DIRECTIONS, cid
        assert c["analysis"] in ANALYSES, cid
        assert c["testable_with"], cid


def test_claim_analyses_are_coherent(claims):
    for c in claims:
        cid = c["claim_id"]
        if c["analysis"].startswith("zhuhai_"):
            assert c["case"] == "zhuhai" and c["indicator"], cid
            assert c["outcome"] in ZHUHAI_OUTCOMES, cid
            assert c["claimed_direction"] in {"increase", "decrease"}, cid
        if c["analysis"] == "zhuhai_survival":
            assert c["outcome"] == "adaptation_months", cid
        if c["analysis"] == "qca":
            assert c["case"] == "six_case" and c["outcome"] in OUTCOMES, cid
            assert c["claimed_direction"] in {"necessary", "sufficient"}, cid


def test_section_5_3_claims_cover_the_papers_indicators(claims):
    """The issue's list: counterpart and local employment (one shared quote), recognition,
    adaptation, retraining, and the programme-level service indicators."""
    by_indicator = {c["indicator"]: c for c in claims if c["section"].startswith("5.3")}
    for code in ["counterpart_employment_rate", "local_employment_rate", "enterprise_recognition",
                 "adaptation_cycle", "retraining_hours", "technical_service_projects",
                 "sme_employees_trained"]:
        assert code in by_indicator, code
    assert (by_indicator["counterpart_employment_rate"]["quote"]
            == by_indicator["local_employment_rate"]["quote"])
    assert by_indicator["counterpart_employment_rate"]["outcome"] == "job_related_to_major"
    assert by_indicator["local_employment_rate"]["outcome"] == "local_work"
    assert by_indicator["adaptation_cycle"]["claimed_direction"] == "decrease"
    sections = {c["section"][:3] for c in claims}
    assert {"3.1", "5.3", "6.1"} <= sections


# ------------------------------------------------------------------ claims supplement (issue 11)
def test_supplement_has_the_claims_columns_plus_kind():
    with open(RAW / "claims.csv", encoding="utf-8") as fh:
        main = fh.readline().strip().split(",")
    with open(RAW / "claims_supplement.csv", encoding="utf-8") as fh:
        supp = fh.readline().strip().split(",")
    assert supp == main + ["claim_kind"]
    kinds = {r["claim_kind"] for r in read_rows("claims_supplement")}
    assert kinds <= {"impact", "activity", "existence", "not_testable"}


def test_supplement_adds_the_missing_claims_named_in_the_issue():
    supp = read_rows("claims_supplement")
    ids = {r["claim_id"] for r in supp}
    assert not ids & {r["claim_id"] for r in read_rows("claims")}
    quotes = {r["claim_id"]: r["quote"] for r in supp}
    wanted = {
        "chongqing change over time": "deepened from initial training base co-construction",
        "mechanical resource integration": "integrating high-quality equipment and technical",
        "pet-medical resource integration": "achieved in-depth resource integration",
        "5.3.3 replicable model": "replicable cultivation model",
        "6.1 superficial docking": "superficial docking and one-way output",
        "5.1 Zhuhai baseline": "initially faced problems such as curriculum lagging",
    }
    for what, text in wanted.items():
        assert any(text in q for q in quotes.values()), what
    by_id = {r["claim_id"]: r for r in supp}
    assert by_id["C3.1.3f"]["case"] == "chongqing_water"
    assert by_id["C5.1a"]["case"] == "zhuhai" and by_id["C5.1a"]["section"] == "5.1"
    # with the 30 of claims.csv the ledger covers the sections' ~39 claims and more
    assert len(read_rows("claims")) + len(supp) >= 39


def test_load_claims_reads_both_tables():
    from talentlab.claims import ClaimsError, load_claims

    both = load_claims()
    assert len(both) == len(read_rows("claims")) + len(read_rows("claims_supplement"))
    assert both["claim_id"].is_unique
    assert len(load_claims(RAW / "claims.csv")) == len(read_rows("claims"))
    supp = both.set_index("claim_id").loc["C6.1f"]
    assert supp["claim_kind"] == "impact" and "claims_supplement" in supp["claim_kind_reason"]
    with pytest.raises(ClaimsError, match="repeat ids"):
        load_claims(RAW / "claims.csv", supplement=RAW / "claims.csv")


# ------------------------------------------------------------- second coding and consensus
@pytest.fixture(scope="module")
def coder2() -> list[dict[str, str]]:
    return read_rows("case_conditions_coder2")


@pytest.fixture(scope="module")
def consensus() -> list[dict[str, str]]:
    return read_rows("case_conditions_consensus")


def test_second_coding_passes_the_contract_and_the_rubric(coder2):
    assert len(load_case_conditions(RAW / "case_conditions_coder2.csv")) == 78
    keys = {(r["case_id"], r["condition"]) for r in coder2}
    assert keys == {(r["case_id"], r["condition"]) for r in read_rows("case_conditions")}
    for r in coder2:
        assert r["membership"] in ALLOWED_BY_STATUS[r["evidence_status"]], r


def test_second_coding_quotes_are_verbatim(coder2, paper_text):
    assert _missing_quotes(coder2, "evidence_quote", paper_text) == []


def test_consensus_records_both_codings_and_takes_one_of_them(conditions, coder2, consensus):
    from talentlab.data.io import load_case_conditions_consensus

    assert len(load_case_conditions_consensus()) == 78
    c1 = {(r["case_id"], r["condition"]): r for r in conditions}
    c2 = {(r["case_id"], r["condition"]): r for r in coder2}
    cells = ["membership", "evidence_status", "evidence_section", "evidence_quote", "coding_note"]
    n_disagree = 0
    for r in consensus:
        k = (r["case_id"], r["condition"])
        a, b = c1[k], c2[k]
        assert (r["membership_coder1"], r["status_coder1"]) == (a["membership"],
                                                                a["evidence_status"])
        assert (r["membership_coder2"], r["status_coder2"]) == (b["membership"],
                                                                b["evidence_status"])
        same = (a["membership"], a["evidence_status"]) == (b["membership"], b["evidence_status"])
        if same:
            assert r["decision"] == "agreed" and r["resolution_rule"] in {"", "R10"}, k
        else:
            n_disagree += 1
            assert r["decision"] in {"coder1", "coder2"}, k
            assert r["resolution_rule"] and r["resolution_note"], k
        source = {"agreed": a, "coder1": a, "coder2": b}[r["decision"]]
        assert all(r[c] == source[c] for c in cells), k
        assert r["membership"] in ALLOWED_BY_STATUS[r["evidence_status"]], k
    assert n_disagree == 17
    documented = (RAW / "CONSENSUS.md").read_text(encoding="utf-8")
    for r in consensus:
        if r["decision"] != "agreed":
            assert f"| `{r['case_id']}` | `{r['condition']}`" in documented


def test_case_codings_file_round_trips_through_the_contract(tmp_path):
    import shutil

    from talentlab.data.io import load_case_codings
    from talentlab.data.schema import DataValidationError

    stacked = load_case_codings()
    assert sorted(stacked["coder_id"].unique()) == ["coder1", "coder2"] and len(stacked) == 156
    shutil.copy(RAW / "cases.csv", tmp_path / "cases.csv")
    path = tmp_path / "case_codings.csv"
    stacked.to_csv(path, index=False)
    again = load_case_codings(path)
    assert len(again) == 156
    assert (again["membership"].to_numpy() == stacked["membership"].to_numpy()).all()
    dup = stacked.copy()
    dup.loc[1, ["case_id", "condition", "coder_id"]] = dup.loc[0, ["case_id", "condition",
                                                                  "coder_id"]].to_numpy()
    dup.to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="case_codings.csv"):
        load_case_codings(path)
