"""``talentlab pseudonymise``: any subset of the tables, links kept for ids validation trims,
refused destinations, safe key files, and the same pseudonyms as before for clean ids."""

from __future__ import annotations

import ast
import hashlib
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import talentlab
from talentlab.data import privacy, schema
from tests.conftest import PROJECT_ROOT, TABLES

KEY = "0123456789abcdef0123456789abcdef"


def _folder(path: Path, tables: dict[str, str]) -> Path:
    path.mkdir(parents=True)
    for name, text in tables.items():
        (path / f"{name}.csv").write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def key(tmp_path) -> Path:
    path = tmp_path / "secret.key"
    path.write_text(KEY + "\n", encoding="utf-8")
    return path


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _cli(*args, timeout=60):
    def limit_memory():  # a key file read without limit must not take the machine with it
        resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "talentlab.cli", "pseudonymise", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, cwd=PROJECT_ROOT,
                          preexec_fn=limit_memory)


# --------------------------------------------------------------------------------------------
# any subset of the tables
# --------------------------------------------------------------------------------------------
def test_a_graduates_only_folder_is_pseudonymised_and_validates(tmp_path, key):
    src = _folder(tmp_path / "in", {"graduates": TABLES["graduates"]})
    written = privacy.pseudonymise_dir(src, tmp_path / "out", key)
    assert [p.name for p in written] == ["graduates.csv"]
    assert _names(tmp_path / "out") == ["graduates.csv", privacy.PSEUDONYMISED_FILE]
    data = talentlab.load_all(tmp_path / "out")
    assert data.supplied == ("graduates",)
    assert data.graduates["student_id"].str.fullmatch(r"S-[0-9a-f]{16}").all()
    summary = json.loads((tmp_path / "out" / privacy.PSEUDONYMISED_FILE).read_text())
    assert summary["tables"] == {"graduates": {"file": "graduates.csv", "rows": 5,
                                               "pseudonymised": ["student_id", "employer_id"]}}


def test_ratings_and_programmes_without_graduates(tmp_path, key):
    src = _folder(tmp_path / "in", {"employer_ratings": TABLES["employer_ratings"],
                                    "programmes": TABLES["programmes"]})
    privacy.pseudonymise_dir(src, tmp_path / "out", key)
    assert _names(tmp_path / "out") == ["employer_ratings.csv", "programmes.csv",
                                        privacy.PSEUDONYMISED_FILE]
    data = talentlab.load_all(tmp_path / "out")
    assert data.supplied == ("employer_ratings", "programmes")
    assert (tmp_path / "out" / "programmes.csv").read_bytes() == \
        (src / "programmes.csv").read_bytes()               # no identifier column: unchanged


PUBLISHED_RATES = ("major,indicator,rate,n\n软件技术,employment_rate,95.30,1234\n"
                   "会计,employment_rate,93.1,812\n")


@pytest.mark.parametrize("with_graduates", [False, True])
def test_a_published_rates_table_is_carried_as_read(tmp_path, key, with_graduates):
    """A published rate table (alone, or beside graduates) goes into the copy byte for byte:
    it holds no identifier, and its rates' decimals as written are its rounding."""
    tables = {"published_rates": PUBLISHED_RATES}
    if with_graduates:
        tables["graduates"] = TABLES["graduates"]
    src = _folder(tmp_path / "in", tables)
    written = privacy.pseudonymise_dir(src, tmp_path / "out", key)
    assert "published_rates.csv" in [p.name for p in written]
    assert (tmp_path / "out" / "published_rates.csv").read_text(encoding="utf-8") == \
        PUBLISHED_RATES
    data = talentlab.load_all(tmp_path / "out")
    assert data.published_rates["rate_decimals"].tolist() == [2, 1]
    assert data.supplied == (("graduates",) if with_graduates else ())


def test_a_folder_without_any_table_is_an_error(tmp_path, key):
    src = tmp_path / "in"
    src.mkdir()
    (src / "notes.txt").write_text("no table here")
    with pytest.raises(ValueError, match="holds none of the record tables"):
        privacy.pseudonymise_dir(src, tmp_path / "out", key)
    assert not (tmp_path / "out").exists()


def test_an_invalid_input_is_refused_and_nothing_written(tmp_path, key):
    bad = TABLES["employer_ratings"].replace("R2,S003", "R2,S999")   # a rating of nobody
    src = _folder(tmp_path / "in", {"graduates": TABLES["graduates"], "employer_ratings": bad})
    done = _cli(src, tmp_path / "out", "--key-file", key)
    assert done.returncode == 1 and "must exist in graduates.student_id" in done.stderr
    assert "nothing was written" in done.stderr and not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------
# identifiers trimmed exactly as validation trims them
# --------------------------------------------------------------------------------------------
TRICKY = [" S001", "S001\u00a0", "\u3000S001", "S001\t", "S 001", "Ｓ001", "e\u0301", "\u00e9"]


def test_normalise_identifier_is_what_validation_compares():
    text = TABLES["graduates"].splitlines()
    header, row = text[0], text[2].split(",")             # S002: further study, few fields
    lines = [header]
    for ident in TRICKY:
        row[0] = ident
        lines.append(",".join(row))
    raw = schema.RawTable(name="graduates", file="g.csv",
                          text=pd.DataFrame([r.split(",") for r in lines[1:]],
                                            columns=header.split(","), dtype="object"),
                          rows=list(range(2, len(lines) + 1)))
    typed, _problems = schema.validate_table(raw)          # (the repeated S001 is a problem)
    assert typed is not None
    validated = typed["student_id"].tolist()
    assert validated == [privacy.normalise_identifier(t) for t in TRICKY]
    # NFC/NFKC are not applied by validation, so not here either: these stay distinct ids
    assert privacy.normalise_identifier("Ｓ001") != "S001"
    assert privacy.normalise_identifier("e\u0301") != "\u00e9"


def test_ids_with_spaces_and_nbsp_keep_their_links(tmp_path, key):
    """' S001' in graduates and 'S001\\u00a0' in the ratings are one graduate for validation:
    they must be one pseudonym, or the copy breaks the link (the 0.1 code hashed them as typed)."""
    graduates = (TABLES["graduates"].replace("S001,", " S001,").replace(",E01,", ",E01\u3000,")
                 .replace("S003,", "S003\u00a0,"))
    ratings = TABLES["employer_ratings"].replace("R1,S001,E01,", "R1,S001\u00a0,\u00a0E01,") \
        .replace("R2,S003,", "R2, S003 ,")
    src = _folder(tmp_path / "in", {**TABLES, "graduates": graduates, "employer_ratings": ratings})
    talentlab.load_all(src)                                   # validation links them
    privacy.pseudonymise_dir(src, tmp_path / "out", key)
    out = talentlab.load_all(tmp_path / "out")               # and so does the copy
    secret = KEY.encode()
    s001 = privacy.pseudonym("S001", secret, "student_id")
    assert out.graduates["student_id"].iloc[0] == s001
    assert out.employer_ratings["student_id"].tolist() == [
        s001, privacy.pseudonym("S003", secret, "student_id")]
    assert out.employer_ratings["employer_id"].iloc[0] == \
        out.graduates["employer_id"].iloc[0] == privacy.pseudonym("E01", secret, "employer_id")


def test_missing_markers_stay_missing(tmp_path, key):
    """'NA' or '无' as the employer of a graduate who studies on is missing for validation; hashed,
    it would become an employer the rules forbid there."""
    graduates = TABLES["graduates"].replace("S002,珠海示例学院,集成电路设计,2021,true,further_study,"
                                            ",,,", "S002,珠海示例学院,集成电路设计,2021,true,"
                                            "further_study,,,无,")
    assert graduates != TABLES["graduates"]
    src = _folder(tmp_path / "in", {**TABLES, "graduates": graduates})
    privacy.pseudonymise_dir(src, tmp_path / "out", key)
    out = talentlab.load_all(tmp_path / "out")
    assert out.graduates["employer_id"].isna().tolist() == [False, True, False, True, True]
    assert ",无," in (tmp_path / "out" / "graduates.csv").read_text(encoding="utf-8")


def test_original_companions_of_identifiers_are_pseudonymised_too():
    df = pd.DataFrame({"student_id": ["S001"], "student_id_original": [" 2019001234 "]})
    out = privacy.pseudonymise_frame(df, KEY.encode())
    assert out["student_id_original"].iloc[0] == privacy.pseudonym("2019001234", KEY.encode(),
                                                                   "student_id")


# --------------------------------------------------------------------------------------------
# where the copy may go
# --------------------------------------------------------------------------------------------
def test_refused_destinations_leave_everything_as_it_was(tmp_path, key):
    src = _folder(tmp_path / "in", dict(TABLES))
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    raw_target = PROJECT_ROOT / "data" / "raw" / "pseudonymised-test-never-written"
    cases = [
        (src, "must differ"),
        (src / "copy", "inside the input folder"),
        (tmp_path, "holds the input folder"),
        (raw_target, "data/raw/"),
    ]
    for out, message in cases:
        with pytest.raises(ValueError, match=message):
            privacy.pseudonymise_dir(src, out, key)
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    assert not raw_target.exists() and not (src / "copy").exists()
    assert _names(tmp_path) == ["in", "secret.key"]


def test_an_unrelated_folder_is_not_replaced_but_a_previous_copy_is(tmp_path, key):
    src = _folder(tmp_path / "in", {"graduates": TABLES["graduates"]})
    other = tmp_path / "documents"
    other.mkdir()
    (other / "thesis.docx").write_text("precious")
    with pytest.raises(ValueError, match="not a previous pseudonymised copy"):
        privacy.pseudonymise_dir(src, other, key)
    assert _names(other) == ["thesis.docx"]
    out = tmp_path / "out"
    privacy.pseudonymise_dir(src, out, key)
    (out / "employer_ratings.csv").write_text("from an older copy")
    privacy.pseudonymise_dir(src, out, key)                   # the whole folder is swapped
    assert _names(out) == ["graduates.csv", privacy.PSEUDONYMISED_FILE]
    assert not [n for n in _names(tmp_path) if n.startswith(".")]


def test_the_cli_refuses_output_inside_the_input(tmp_path, key):
    src = _folder(tmp_path / "in", {"graduates": TABLES["graduates"]})
    done = _cli(src, src / "shared", "--key-file", key)
    assert done.returncode == 2 and "inside the input folder" in done.stderr
    assert "Traceback" not in done.stderr and _names(src) == ["graduates.csv"]


def test_datapackage_origin_is_kept_and_the_copy_validates(tmp_path, key):
    src = _folder(tmp_path / "in", {"graduates": TABLES["graduates"],
                                    "employer_ratings": TABLES["employer_ratings"]})
    schema.write_datapackage(src, {"data_origin": "synthetic", "scenario": "null", "seed": 7,
                                   "name": "zhuhai_demo"},
                             tables=["graduates", "employer_ratings"])
    privacy.pseudonymise_dir(src, tmp_path / "out", key)
    original = json.loads((src / "datapackage.json").read_text(encoding="utf-8"))
    copied = json.loads((tmp_path / "out" / "datapackage.json").read_text(encoding="utf-8"))
    assert copied == original                                  # same tables, same descriptor
    assert talentlab.load_all(tmp_path / "out").origin == {
        k: v for k, v in talentlab.load_all(src).origin.items() if k != "checksums"} | {
        "checksums": talentlab.load_all(tmp_path / "out").origin["checksums"]}
    done = subprocess.run([sys.executable, "-m", "talentlab.cli", "validate",
                           str(tmp_path / "out")], capture_output=True, text=True, cwd=PROJECT_ROOT)
    assert done.returncode == 0, done.stderr


# --------------------------------------------------------------------------------------------
# key files
# --------------------------------------------------------------------------------------------
def test_a_fifo_and_dev_zero_are_refused_at_once(tmp_path):
    src = _folder(tmp_path / "in", {"graduates": TABLES["graduates"]})
    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo)
    link = tmp_path / "key.link"
    link.symlink_to("/dev/zero")
    for key_file in (fifo, Path("/dev/zero"), link):
        start = time.monotonic()
        done = _cli(src, tmp_path / "out", "--key-file", key_file, timeout=30)
        assert done.returncode == 2 and "not a regular file" in done.stderr, done.stderr
        assert time.monotonic() - start < 20 and not (tmp_path / "out").exists()


def test_a_large_file_or_a_folder_is_not_a_key(tmp_path):
    big = tmp_path / "big.key"
    big.write_bytes(b"k" * (privacy.MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(ValueError, match=f"limit {privacy.MAX_KEY_FILE_BYTES} bytes"):
        privacy.read_key(big)
    with pytest.raises(ValueError, match="not a regular file"):
        privacy.read_key(tmp_path)
    with pytest.raises(ValueError, match="does not exist"):
        privacy.read_key(tmp_path / "absent.key")
    padded = tmp_path / "padded.key"
    padded.write_bytes(b"  " + KEY.encode() + b"\n" * 100)
    assert privacy.read_key(padded) == KEY.encode()


# --------------------------------------------------------------------------------------------
# the same pseudonyms as before, and importable by the importer
# --------------------------------------------------------------------------------------------
#: SHA-256 of the files 0.1's pseudonymise wrote for the four clean tables of
#: tests/test_io_validation.py under the key b"k" * 32 (measured before the change)
PINNED = {
    "graduates.csv": "846babbe2c5c922653f04acb2017142ff7c8c529d973a278f685ea68ac740939",
    "employer_ratings.csv": "d1a80f39f12786b38e04fe0616b48d3a8cf60792bc7d5891d10df45d810e2aa3",
    "evaluations.csv": "4901dedcdd647348d2552af6d731eb4b317b48fbd370083591822607cc9b042d",
    "programmes.csv": "c799d118283b69b4989e8e17c2c4a8ddaea48d33973c3700bb7df224d8d8f229",
}


def test_clean_ids_get_the_same_pseudonyms_as_before(valid_folder, tmp_path):
    src = valid_folder
    key_file = tmp_path / "k.key"
    key_file.write_text("k" * 32)
    privacy.pseudonymise_dir(src, tmp_path / "out", key_file)
    assert {name: hashlib.sha256((tmp_path / "out" / name).read_bytes()).hexdigest()
            for name in PINNED} == PINNED
    assert privacy.pseudonym("S001", b"k" * 32, "student_id") == "S-8d51ed4c35a9a84b"


def test_privacy_does_not_import_io_at_module_level():
    """The importer calls privacy during `talentlab import --key-file`; io imports the importer."""
    tree = ast.parse((PROJECT_ROOT / "talentlab" / "data" / "privacy.py").read_text("utf-8"))
    top = [n.module for n in tree.body if isinstance(n, ast.ImportFrom)] + [
        a.name for n in tree.body if isinstance(n, ast.Import) for a in n.names]
    assert "talentlab.data.io" not in top and "talentlab.data.importer" not in top
    code = ("import sys, importlib.util; spec = importlib.util.spec_from_file_location("
            "'p', 'talentlab/data/privacy.py'); m = importlib.util.module_from_spec(spec); "
            "sys.modules['talentlab'] = type(sys)('talentlab'); sys.modules['talentlab'].__path__ "
            "= ['talentlab']; spec.loader.exec_module(m); "
            "print('talentlab.data.io' in sys.modules, m.pseudonymise_frame, m.read_key)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PROJECT_ROOT)
    assert done.returncode == 0 and done.stdout.startswith("False"), done.stderr
