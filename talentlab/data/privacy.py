"""Pseudonymisation of identifiers with a keyed hash, so a college can share records safely.

Student, employer, rater and evaluator identifiers are replaced by HMAC-SHA256 digests under a
secret key (RFC 2104; the keyed hash resists the dictionary attack that defeats a plain hash of a
student number). The same key maps the same identifier to the same pseudonym in every table and
every year, so records still link; without the key nobody can reverse or recompute the mapping.
Keep the key file outside the repository and outside the shared folder.

An identifier is hashed as validation compares it (:func:`normalise_identifier`: surrounding
white space, NBSP and ideographic space included, removed; nothing else changed), so ``' S001'``
in one table and ``'S001\\u00a0'`` in another, which validation links, get the same pseudonym.
Cells validation reads as missing (``''``, ``NA``, ``无`` …) stay as they are.

:func:`pseudonym`, :func:`read_key`, :func:`pseudonymise_frame` and :func:`normalise_identifier`
import nothing beyond :mod:`talentlab.data.schema` and :mod:`talentlab.data.atomic`, so the
importer may call them (``talentlab import --key-file``); :func:`pseudonymise_dir` loads
:mod:`talentlab.data.io` when called (``io`` imports the importer).

Limits: the key file is read only when it is a regular file of at most
:data:`MAX_KEY_FILE_BYTES` bytes (a named pipe, a device such as ``/dev/zero``, a folder or a
socket is refused before anything is read, and the file is opened non-blocking).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
import unicodedata
from pathlib import Path

import pandas as pd

from talentlab import resources
from talentlab.data.atomic import atomic_write_text, write_folder_atomically
from talentlab.data.schema import (
    RECORD_TABLES,
    DataValidationError,
    missing_values,
    validate_tables,
)

__all__ = ["ID_COLUMNS", "MAX_KEY_FILE_BYTES", "MIN_KEY_BYTES", "PSEUDONYMISED_FILE",
           "normalise_identifier", "pseudonym", "pseudonymise_dir", "pseudonymise_frame",
           "read_key"]

#: the project (the key file must lie outside it): the repository in a clone, the package data of
#: an installed wheel; the same folder as ``talentlab.data.io``'s (talentlab.resources decides)
PROJECT_ROOT = resources.PROJECT_ROOT
RAW_DIR = resources.RAW_DIR

#: Identifier columns per table and the prefix of their pseudonyms.
ID_COLUMNS = {
    "student_id": "S", "employer_id": "E", "rater_id": "R", "evaluator_id": "V", "rating_id": "Q",
}
MIN_KEY_BYTES = 16
#: a key file larger than this is not a key (``secrets.token_hex(32)`` is 64 bytes)
MAX_KEY_FILE_BYTES = 4096
#: written into every pseudonymised folder: what was done (never the key, never a source path)
PSEUDONYMISED_FILE = "pseudonymised.json"
_ORIGINAL_SUFFIX = "_original"       # schema.ORIGINAL_SUFFIX: the college's own value of a field


def normalise_identifier(text: object) -> str:
    """An identifier cell as validation compares it: surrounding white space removed.

    The rule of :func:`talentlab.data.schema.validate_table` (pandas ``str.strip``, which removes
    exactly what Python's ``str.strip`` removes: spaces, tabs, NBSP ``\\u00a0``, the ideographic
    space ``\\u3000`` …). Nothing else is changed: validation does not apply NFC/NFKC to
    identifiers, so neither does this (two ids that validation tells apart stay apart).

    Examples
    --------
    >>> normalise_identifier(" S001"), normalise_identifier("S001\\u00a0"), normalise_identifier("\\u3000S 1\\t")
    ('S001', 'S001', 'S 1')
    """
    return str(text).strip()


def _missing_check(table: str | None):
    """``is_missing(text)`` as validation reads missing cells of ``table`` (after trimming; the
    markers also after NFKC, so a full-width '－' is '-')."""
    tokens = set(missing_values(table or RECORD_TABLES[0]))
    nfkc = {unicodedata.normalize("NFKC", m).strip() for m in tokens}

    def is_missing(text: str) -> bool:
        cell = text.strip()
        return cell in tokens or unicodedata.normalize("NFKC", cell).strip() in nfkc

    return is_missing


def read_key(key_file: str | os.PathLike, forbidden_roots: tuple[Path, ...] = ()) -> bytes:
    """Read a secret key (at least :data:`MIN_KEY_BYTES` bytes) from a file kept outside the project.

    The file must be a regular file of at most :data:`MAX_KEY_FILE_BYTES` bytes, outside the
    project and outside ``forbidden_roots`` (the data being shared). It is checked with ``stat``
    before it is opened, opened non-blocking and checked again, and never read past the limit, so
    a named pipe cannot hang and ``/dev/zero`` cannot exhaust memory. Surrounding white space
    (a trailing newline) is not part of the key.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> k = pathlib.Path(tempfile.mkdtemp()) / "key.txt"
    >>> _ = k.write_text("0123456789abcdef0123456789abcdef\\n")
    >>> read_key(k)
    b'0123456789abcdef0123456789abcdef'
    >>> read_key("/dev/zero")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: the key file /dev/zero is not a regular file ...
    """
    shown = os.fspath(key_file)
    resolved = Path(key_file).resolve()
    for root in (PROJECT_ROOT, *forbidden_roots):
        root = Path(root).resolve()
        if resolved == root or root in resolved.parents:
            raise ValueError(f"the key file {resolved} lies inside {root}: keep it outside the "
                             "repository and the data you share / 密钥文件不能放在项目或共享数据文件夹内")
    try:
        before = os.stat(key_file)
    except FileNotFoundError:
        raise ValueError(f"the key file {shown} does not exist / 密钥文件不存在") from None
    _check_key_stat(before, shown)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
        getattr(os, "O_CLOEXEC", 0)
    fd = os.open(key_file, flags)
    try:
        _check_key_stat(os.fstat(fd), shown)        # the file opened is the file checked
        data = b""
        while len(data) <= MAX_KEY_FILE_BYTES:
            chunk = os.read(fd, MAX_KEY_FILE_BYTES + 1 - len(data))
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    if len(data) > MAX_KEY_FILE_BYTES:
        raise ValueError(_too_large(shown))
    key = data.strip()
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the key in {shown} has {len(key)} bytes; use at least "
                         f"{MIN_KEY_BYTES} (e.g. `python -c \"import secrets; "
                         "print(secrets.token_hex(32))\" > key.txt`) / 密钥太短")
    return key


def _check_key_stat(st: os.stat_result, shown: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        raise ValueError(f"the key file {shown} is not a regular file (a named pipe, device, folder "
                         "or socket); give the file holding the key / 密钥文件必须是普通文件")
    if st.st_size > MAX_KEY_FILE_BYTES:
        raise ValueError(_too_large(shown))


def _too_large(shown: str) -> str:
    return (f"the key file {shown} holds more than {MAX_KEY_FILE_BYTES} bytes: it is not a key "
            f"file (limit {MAX_KEY_FILE_BYTES} bytes) / 密钥文件超过 {MAX_KEY_FILE_BYTES} 字节")


def pseudonym(value: str, key: bytes, column: str, length: int = 16) -> str:
    """The keyed pseudonym of one identifier (column-specific, so ids never collide across kinds).

    ``value`` is hashed as given; callers pass it through :func:`normalise_identifier` first
    (:func:`pseudonymise_frame` does).

    Examples
    --------
    >>> pseudonym("2019001234", b"k" * 32, "student_id")
    'S-eee00d6c61da3f4d'
    """
    digest = hmac.new(key, f"{column}\x1f{value}".encode(), hashlib.sha256).hexdigest()
    return f"{ID_COLUMNS.get(column, 'X')}-{digest[:length]}"


def pseudonymise_frame(df: pd.DataFrame, key: bytes, *, table: str | None = None) -> pd.DataFrame:
    """A copy of ``df`` with every identifier column replaced by its keyed pseudonyms.

    The columns of :data:`ID_COLUMNS` and their ``<column>_original`` companions are hashed
    after :func:`normalise_identifier`; empty, NA and missing-marker cells (``table``'s markers,
    the same for every record table) stay as they are. Other columns are not touched.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"student_id": [" S001", "S001\\u00a0", "NA"], "major": ["a", "b", "c"]})
    >>> out = pseudonymise_frame(df, b"k" * 32)
    >>> out["student_id"].tolist(), out["major"].tolist()
    (['S-8d51ed4c35a9a84b', 'S-8d51ed4c35a9a84b', 'NA'], ['a', 'b', 'c'])
    """
    is_missing = _missing_check(table)
    out = df.copy()
    for name in out.columns:
        kind = name[:-len(_ORIGINAL_SUFFIX)] if name.endswith(_ORIGINAL_SUFFIX) else name
        if kind not in ID_COLUMNS:
            continue
        # employer ids are one kind wherever they appear: same pseudonym in every table
        col = out[name].astype("string")
        mapping = {v: v if is_missing(v) else pseudonym(normalise_identifier(v), key, kind)
                   for v in col.dropna().unique()}
        out[name] = col.map(mapping).astype("string")
    return out


def _check_folders(in_dir: Path, out_dir: Path) -> None:
    """Where a pseudonymised copy may go: not the input, not inside it, not holding it, not under
    data/raw/; an existing folder only when empty or a previous pseudonymised copy (it is replaced
    as a whole)."""
    if not in_dir.is_dir():
        raise ValueError(f"{in_dir}: no such folder / 输入文件夹不存在")
    src, out, raw = in_dir.resolve(), out_dir.resolve(), RAW_DIR.resolve()
    if out == src:
        raise ValueError("the output folder must differ from the input folder (raw data are never "
                         "modified) / 输出文件夹必须不同于输入文件夹")
    if out.is_relative_to(src):
        raise ValueError(f"the output folder {out_dir} lies inside the input folder {in_dir} "
                         "(raw data are never modified) / 输出文件夹不能位于输入文件夹内")
    if src.is_relative_to(out):
        raise ValueError(f"the output folder {out_dir} holds the input folder {in_dir}, and it is "
                         "replaced as a whole / 输出文件夹不能包含输入文件夹")
    if out.is_relative_to(raw) or raw.is_relative_to(out):
        raise ValueError(f"the output folder {out_dir} lies under (or holds) the project's "
                         "data/raw/, which is never written / 输出文件夹不能位于 data/raw/ 下")
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out_dir}: exists and is not a folder / 已存在且不是文件夹")
    if out.is_dir() and any(out.iterdir()) and not (out / PSEUDONYMISED_FILE).is_file():
        raise ValueError(f"{out_dir} is not empty and is not a previous pseudonymised copy (no "
                         f"{PSEUDONYMISED_FILE}); it would be replaced as a whole, so choose a new "
                         "or empty folder / 该文件夹非空且不是之前的匿名化副本，请选择新的或空的文件夹")


def pseudonymise_dir(in_dir: str | os.PathLike, out_dir: str | os.PathLike,
                     key_file: str | os.PathLike) -> list[Path]:
    """Write a pseudonymised copy of a data folder's record tables to ``out_dir``.

    Any non-empty subset of the four record tables may be present, and a ``published_rates``
    table beside them or alone (it holds no identifier and is copied as read; none of these is
    an error). The tables are validated first (the copy of a valid folder is valid, links between tables included), then
    written as UTF-8 CSV with :func:`pseudonymise_frame`, with the folder's ``datapackage.json``
    (its origin kept, its resources the tables written) and :data:`PSEUDONYMISED_FILE`. The whole
    folder is swapped in as one atomic step (:func:`talentlab.data.atomic.write_folder_atomically`):
    a kill or a full disk leaves the previous copy or the new one. ``out_dir`` must not be the
    input, inside it, hold it, or lie under data/raw/; an existing ``out_dir`` must be empty or a
    previous pseudonymised copy. Returns the table files written (their final paths).

    Examples
    --------
    >>> import tempfile, pathlib, talentlab
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> (tmp / "in").mkdir()
    >>> import shutil
    >>> _ = shutil.copy(talentlab.data.io.DEFAULT_DATA_DIR / "graduates.csv", tmp / "in")
    >>> _ = (tmp / "key.txt").write_text("0123456789abcdef0123456789abcdef")
    >>> [p.name for p in pseudonymise_dir(tmp / "in", tmp / "out", tmp / "key.txt")]
    ['graduates.csv']
    >>> sorted(p.name for p in (tmp / "out").iterdir())
    ['graduates.csv', 'pseudonymised.json']
    """
    from talentlab.data.io import find_table_file, read_origin, read_table_text

    in_dir, out_dir = Path(in_dir), Path(out_dir)
    _check_folders(in_dir, out_dir)
    key = read_key(key_file, forbidden_roots=(in_dir, out_dir))
    raws = {}
    for name in (*RECORD_TABLES, "published_rates"):
        try:
            path = find_table_file(in_dir, name)
        except FileNotFoundError:
            continue                                  # any subset of the tables is a data folder
        raws[name] = read_table_text(path, name)
    if not raws:
        raise ValueError(f"{in_dir}: holds none of the record tables (expected one or more of "
                         + ", ".join(f"{t}.csv" for t in (*RECORD_TABLES, "published_rates"))
                         + ", or .xlsx / .parquet) / 文件夹中没有任何记录表")
    _, problems = validate_tables(raws)
    if problems:
        raise DataValidationError(problems)
    frames = {name: pseudonymise_frame(raw.text, key, table=name) for name, raw in raws.items()}
    _check_no_collision(raws, key)
    descriptor = None
    if (in_dir / "datapackage.json").is_file():
        read_origin(in_dir)                           # a broken descriptor: its own clear error
        descriptor = json.loads((in_dir / "datapackage.json").read_bytes().decode("utf-8-sig"))
    summary = {
        "written_by": "talentlab pseudonymise",
        "method": "HMAC-SHA256 under a secret key of the identifier after trimming surrounding "
                  "white space; first 16 hex digits, prefixed by the identifier's kind",
        "tables": {name: {"file": f"{name}.csv", "rows": int(len(df)),
                          "pseudonymised": [c for c in df.columns
                                            if c.removesuffix(_ORIGINAL_SUFFIX) in ID_COLUMNS]}
                   for name, df in frames.items()},
    }

    def write(stage: Path) -> None:
        for name, df in frames.items():
            (stage / f"{name}.csv").write_bytes(
                df.to_csv(index=False, lineterminator="\n").encode("utf-8"))
        if descriptor is not None:
            _write_descriptor(stage, descriptor, list(frames))
        atomic_write_text(stage / PSEUDONYMISED_FILE,
                          json.dumps(summary, ensure_ascii=False, indent=2) + "\n")

    written = write_folder_atomically(out_dir, write, replace=True)
    return [written / f"{name}.csv" for name in frames]


def _check_no_collision(raws: dict, key: bytes) -> None:
    """Two different identifiers of one kind must not share a pseudonym (64 bits: never in
    practice, but a merged identity would corrupt every link silently, so it is checked)."""
    seen: dict[str, dict[str, str]] = {}
    for name, raw in raws.items():
        is_missing = _missing_check(name)
        for column in raw.text.columns:
            kind = column.removesuffix(_ORIGINAL_SUFFIX)
            if kind not in ID_COLUMNS:
                continue
            owners = seen.setdefault(kind, {})
            for value in raw.text[column].astype("string").dropna().unique():
                if is_missing(value):
                    continue
                ident = normalise_identifier(value)
                other = owners.setdefault(pseudonym(ident, key, kind), ident)
                if other != ident:
                    raise ValueError(f"{kind}: identifiers {other!r} and {ident!r} share a "
                                     "pseudonym under this key; use another key / 两个编号的匿名"
                                     "编号相同，请换一个密钥")


def _write_descriptor(stage: Path, descriptor: dict, tables: list[str]) -> None:
    """The input's ``datapackage.json`` with its resources made those of the tables written."""
    from talentlab.data.schema import write_datapackage

    fresh = json.loads(write_datapackage(stage, {"data_origin": "user"}, tables=tables)
                       .read_text(encoding="utf-8"))
    descriptor = {**descriptor, "resources": fresh["resources"]}
    atomic_write_text(stage / "datapackage.json",
                      json.dumps(descriptor, ensure_ascii=False, indent=2) + "\n")
