"""talentlab.data.paper: the claims ledger's readers (moved from talentlab.claims, issue 13)."""


import pandas as pd
import pytest

from talentlab.data import paper
from talentlab.data.io import RAW_DIR
from tests.conftest import PROJECT_ROOT

HEADER = "claim_id,section,quote,case,indicator,outcome,claimed_direction,testable_with,analysis\n"


def test_default_paths_are_the_projects_raw_files():
    root = PROJECT_ROOT
    assert paper.default_claims_path() == root / "data" / "raw" / "claims.csv" == RAW_DIR / "claims.csv"
    assert paper.default_claim_kinds_path() == root / "data" / "raw" / "claim_kinds.csv"
    assert paper.default_supplement_path() == root / "data" / "raw" / "claims_supplement.csv"


@pytest.mark.skipif(not (RAW_DIR / "claims.csv").is_file(), reason="data/raw/claims.csv absent")
def test_shipped_ledger_reads_main_then_supplement_with_kinds():
    claims = paper.load_claims()
    main = pd.read_csv(paper.default_claims_path(), dtype=str, encoding="utf-8-sig")
    extra = pd.read_csv(paper.default_supplement_path(), dtype=str, encoding="utf-8-sig")
    assert claims["claim_id"].tolist() == main["claim_id"].tolist() + extra["claim_id"].tolist()
    assert list(claims.columns[:len(paper.CLAIM_COLUMNS)]) == paper.CLAIM_COLUMNS
    assert claims["claim_kind"].isin(paper.CLAIM_KINDS).all()
    assert claims["claim_kind_reason"].notna().all()
    kinds = paper.load_claim_kinds()
    assert set(kinds["claim_id"]) <= set(main["claim_id"])
    by_id = claims.set_index("claim_id")
    for rec in kinds.itertuples(index=False):
        assert by_id.loc[rec.claim_id, "claim_kind"] == rec.claim_kind
    assert paper.load_claims(supplement=False)["claim_id"].tolist() == main["claim_id"].tolist()


@pytest.mark.skipif(not (RAW_DIR / "claims.csv").is_file(), reason="data/raw/claims.csv absent")
def test_claims_module_gives_the_same_tables():
    from talentlab import claims as cl

    pd.testing.assert_frame_equal(cl.load_claims(), paper.load_claims(), check_exact=True)
    pd.testing.assert_frame_equal(cl.load_claim_kinds(), paper.load_claim_kinds(),
                                  check_exact=True)


def test_every_problem_listed_with_row(tmp_path):
    p = tmp_path / "claims.csv"
    p.write_text(HEADER + "C1,5.3,q,zhuhai,x,,increase,data,zhuhai_did\n"
                 "C1,5.3,q,zhuhai,x,y,grow,data,zhuhai_did\n"
                 "C3,,q,zhuhai,x,y,increase,data,magic\n", encoding="utf-8")
    with pytest.raises(paper.ClaimsError) as err:
        paper.load_claims(p)
    msg = str(err.value)
    assert "4 problem(s)" not in msg and "5 problem(s)" in msg
    assert "row 2, column 'outcome': required when analysis is 'zhuhai_did'" in msg
    assert "row 3, column 'claimed_direction', value 'grow'" in msg
    assert "row 4, column 'section': a value is required" in msg
    assert "row 4, column 'analysis', value 'magic'" in msg
    assert "column 'claim_id', value 'C1': duplicated" in msg
    with pytest.raises(paper.ClaimsError, match="not found"):
        paper.load_claims(tmp_path / "none.csv")
    (tmp_path / "bad.csv").write_text("claim_id,section\nC1,5.3\n", encoding="utf-8")
    with pytest.raises(paper.ClaimsError, match=r"missing column\(s\) \['quote'"):
        paper.load_claims(tmp_path / "bad.csv")


def test_kinds_beside_the_file_and_supplement(tmp_path):
    p = tmp_path / "claims.csv"
    p.write_text("\ufeff" + HEADER + "C1,5.3, rose ,zhuhai,x,y,increase,data,zhuhai_did\n"
                 "C2,6.1,q,six,x,,necessary,data,qca\n", encoding="utf-8")
    got = paper.load_claims(p)
    assert got["quote"].tolist() == ["rose", "q"] and pd.isna(got["outcome"].iloc[1])
    assert got["claim_kind"].tolist() == ["impact", "impact"]
    assert (got["claim_kind_reason"] == "default by analysis (no kind recorded)").all()
    (tmp_path / "claim_kinds.csv").write_text(
        "claim_id,claim_kind,reason\nC1,activity,projects\nC9,existence,other file\n")
    got = paper.load_claims(p)
    assert got[["claim_kind", "claim_kind_reason"]].values.tolist() == [
        ["activity", "projects"], ["impact", "default by analysis (no kind recorded)"]]
    sup = tmp_path / "sup.csv"
    sup.write_text(HEADER.rstrip("\n") + ",claim_kind\nC9,3.1,q,zhuhai,x,,increase,none,"
                   "not_testable,existence\n", encoding="utf-8")
    both = paper.load_claims(p, supplement=sup)
    assert both["claim_id"].tolist() == ["C1", "C2", "C9"]
    assert both["claim_kind_reason"].iloc[2] == "recorded in sup.csv"
    sup.write_text(HEADER + "C2,3.1,q,zhuhai,x,,increase,none,not_testable\n", encoding="utf-8")
    with pytest.raises(paper.ClaimsError, match=r"\['C2'\] repeat ids"):
        paper.load_claims(p, supplement=sup)


def test_claim_kinds_checked(tmp_path):
    p = tmp_path / "claim_kinds.csv"
    p.write_text("claim_id,claim_kind,reason\nC1,outcome,x\nC1,impact,\n")
    with pytest.raises(paper.ClaimsError) as err:
        paper.load_claim_kinds(p)
    msg = str(err.value)
    assert "row 2, column 'claim_kind', value 'outcome': must be one of" in msg
    assert "row 3, column 'reason': a value is required" in msg
    assert "value 'C1': more than one kind" in msg
    claims = pd.DataFrame({"claim_id": ["C1"], "analysis": ["zhuhai_did"]})
    with pytest.raises(paper.ClaimsError, match=r"unknown claim\(s\) \['C2'\]"):
        paper.with_claim_kinds(claims, pd.DataFrame(
            {"claim_id": ["C2"], "claim_kind": ["impact"], "reason": ["r"]}))


def test_utf8_bom_chinese_and_quoted_commas(tmp_path):
    path = tmp_path / "claims.csv"
    text = (HEADER + "C1,5.3.1,对口就业率大幅提升,zhuhai,counterpart,job_related_to_major,"
            "increase,graduate records,zhuhai_did\n"
            "C2,3.1,\"quote, with comma\",six_case,,,necessary,cases,qca\n")
    path.write_bytes(text.encode("utf-8-sig"))
    claims = paper.load_claims(path)
    assert claims["claim_id"].tolist() == ["C1", "C2"]
    assert claims.loc[0, "quote"] == "对口就业率大幅提升"
    assert claims.loc[1, "quote"] == "quote, with comma"
    assert pd.isna(claims.loc[1, "outcome"]) and pd.isna(claims.loc[1, "indicator"])
    assert list(claims.columns) == paper.CLAIM_COLUMNS + ["claim_kind", "claim_kind_reason"]


@pytest.mark.skipif(not (RAW_DIR / "claims.csv").is_file(), reason="data/raw/claims.csv absent")
def test_shipped_claims_have_exactly_one_recorded_kind_each():
    claims = paper.load_claims()
    kinds = paper.load_claim_kinds()
    original = claims[claims["claim_id"].isin(
        pd.read_csv(paper.default_claims_path(), encoding="utf-8-sig")["claim_id"])]
    assert claims["claim_id"].is_unique and set(claims["analysis"]) <= set(paper.ANALYSES)
    assert kinds["claim_id"].is_unique
    assert set(kinds["claim_id"]) == set(original["claim_id"])  # one kind per claim, no extras
    assert not original["claim_kind_reason"].str.startswith("default").any()
    by_id = original.set_index("claim_id")["claim_kind"]
    # the reform's own outputs (section 5.3.2) are activities, the 5.3.1 outcomes impacts
    assert by_id["C5.3.2a"] == "activity" and by_id["C5.3.2b"] == "activity"
    assert (by_id[[f"C5.3.1{x}" for x in "abcdefgh"]] == "impact").all()


def test_a_tables_own_kind_column_is_kept_and_checked(tmp_path):
    p = tmp_path / "claims.csv"
    p.write_text(HEADER + "C1,5.3,q,zhuhai,x,y,increase,d,zhuhai_did\n"
                 "C2,5.3,q,zhuhai,x,z,increase,d,zhuhai_did\n", encoding="utf-8")
    (tmp_path / "claim_kinds.csv").write_text(
        "claim_id,claim_kind,reason\nC2,activity,projects\n", encoding="utf-8")
    claims = paper.load_claims(p)
    own = claims.assign(claim_kind=["existence", "activity"])
    assert paper.with_claim_kinds(own, paper.load_claim_kinds(tmp_path / "claim_kinds.csv"))[
        "claim_kind"].tolist() == ["existence", "activity"]
    with pytest.raises(paper.ClaimsError, match="claim_kind must be one of"):
        paper.with_claim_kinds(claims.assign(claim_kind="outcome"))
