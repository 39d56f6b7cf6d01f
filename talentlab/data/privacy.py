"""Pseudonymisation of identifiers with a keyed hash, so a college can share records safely.

Student, employer, rater and evaluator identifiers are replaced by HMAC-SHA256 digests under a
secret key (RFC 2104; the keyed hash resists the dictionary attack that defeats a plain hash of a
student number). The same key maps the same identifier to the same pseudonym in every table and
every year, so records still link; without the key nobody can reverse or recompute the mapping.
Keep the key file outside the repository and outside the shared folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from pathlib import Path

import pandas as pd

from talentlab.data.atomic import atomic_write_bytes
from talentlab.data.io import PROJECT_ROOT, find_table_file, read_table_text
from talentlab.data.schema import RECORD_TABLES

#: Identifier columns per table and the prefix of their pseudonyms.
ID_COLUMNS = {
    "student_id": "S", "employer_id": "E", "rater_id": "R", "evaluator_id": "V", "rating_id": "Q",
}
MIN_KEY_BYTES = 16


def read_key(key_file: str | os.PathLike, forbidden_roots: tuple[Path, ...] = ()) -> bytes:
    """Read a secret key (at least 16 bytes) from a file kept outside the project."""
    key_file = Path(key_file).resolve()
    for root in (PROJECT_ROOT, *forbidden_roots):
        root = Path(root).resolve()
        if key_file == root or root in key_file.parents:
            raise ValueError(f"the key file {key_file} lies inside {root}: keep it outside the "
                             "repository and the data you share")
    key = key_file.read_bytes().strip()
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the key in {key_file} has {len(key)} bytes; use at least "
                         f"{MIN_KEY_BYTES} (e.g. `python -c \"import secrets; "
                         "print(secrets.token_hex(32))\" > key.txt`)")
    return key


def pseudonym(value: str, key: bytes, column: str, length: int = 16) -> str:
    """The keyed pseudonym of one identifier (column-specific, so ids never collide across kinds).

    Examples
    --------
    >>> pseudonym("2019001234", b"k" * 32, "student_id")
    'S-eee00d6c61da3f4d'
    """
    digest = hmac.new(key, f"{column}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return f"{ID_COLUMNS.get(column, 'X')}-{digest[:length]}"


def pseudonymise_frame(df: pd.DataFrame, key: bytes) -> pd.DataFrame:
    out = df.copy()
    for column in ID_COLUMNS:
        if column in out:
            # employer ids are one kind wherever they appear: same pseudonym in every table
            col = out[column].astype("string")
            out[column] = col.map(lambda v, c=column: v if pd.isna(v) or v == "" else
                                  pseudonym(v, key, c)).astype("string")
    return out


def pseudonymise_dir(in_dir: str | os.PathLike, out_dir: str | os.PathLike,
                     key_file: str | os.PathLike) -> list[Path]:
    """Write pseudonymised CSV copies of a data folder's record tables to ``out_dir``."""
    in_dir, out_dir = Path(in_dir), Path(out_dir)
    if out_dir.resolve() == in_dir.resolve():
        raise ValueError("the output folder must differ from the input folder (raw data are never "
                         "modified)")
    key = read_key(key_file, forbidden_roots=(in_dir, out_dir))
    written = []
    frames = {}
    for name in RECORD_TABLES:
        raw = read_table_text(find_table_file(in_dir, name), name)
        frames[name] = pseudonymise_frame(raw.text, key)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, df in frames.items():
        path = out_dir / f"{name}.csv"
        atomic_write_bytes(path, df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        written.append(path)
    return written
