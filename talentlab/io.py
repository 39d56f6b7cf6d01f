"""Loading, validating and processing raw records.

Raw files may be CSV (UTF-8, UTF-8 with BOM, or GB18030 as Chinese Excel exports write them; the
encoding is detected, not asked for), Excel ``.xlsx`` or Parquet. Every table is validated against the
contract (:mod:`talentlab.schema`); all problems are collected and raised together as one
:class:`~talentlab.schema.DataValidationError`. Processing writes ``.parquet`` files atomically with
a manifest of the SHA-256 of every raw input; on any validation error nothing is written. Nothing in
talentlab writes to a raw-data folder.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.importer import ImportFailed, import_records  # noqa: F401 (re-exported)
from talentlab.schema import (
    PAPER_TABLES,
    RECORD_TABLES,
    DataValidationError,
    Problem,
    RawTable,
    atomic_write_text,
    validate_tables,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RAW_DIR = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
SYNTHETIC_DIR = RAW_DIR / "synthetic"
DEFAULT_SCENARIO = "paper_claims"
DEFAULT_DATA_DIR = SYNTHETIC_DIR / DEFAULT_SCENARIO

SUFFIXES = (".csv", ".xlsx", ".parquet")


# --------------------------------------------------------------------------------------------
# reading files as text
# --------------------------------------------------------------------------------------------
def detect_encoding(data: bytes, file: str = "<bytes>") -> str:
    """Return the encoding of CSV bytes: ``utf-8-sig`` (with or without BOM) or ``gb18030``.

    UTF-8 is tried first because GB18030 decodes almost any byte string; a file that is neither
    raises a ``ValueError`` naming the file.
    """
    try:
        data.decode("utf-8")
        return "utf-8-sig"
    except UnicodeDecodeError:
        pass
    try:
        data.decode("gb18030")
        return "gb18030"
    except UnicodeDecodeError as exc:
        raise ValueError(
            f"{file}: cannot decode the file as UTF-8 or GB18030 (byte {exc.start}); "
            "save it as UTF-8 CSV"
        ) from None


def read_table_text(path: str | os.PathLike, name: str) -> RawTable:
    """Read a table file with every cell as text, remembering the row numbers a person sees."""
    path = Path(path)
    label = path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        data = path.read_bytes()
        encoding = detect_encoding(data, label)
        text = pd.read_csv(
            _io.StringIO(data.decode(encoding)),
            dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=True,
        )
        # header is line 1; with no embedded line breaks record i is on line i + 2
        rows = np.arange(len(text)) + 2
    elif suffix == ".xlsx":
        text = pd.read_excel(path, dtype=str, keep_default_na=False, na_filter=False,
                             engine="openpyxl")
        rows = np.arange(len(text)) + 2
    elif suffix == ".parquet":
        typed = pd.read_parquet(path)
        text = pd.DataFrame({c: _to_text(typed[c]) for c in typed.columns})
        rows = np.arange(len(text)) + 1  # parquet has no header line: record numbers from 1
    else:
        raise ValueError(f"{label}: unsupported file type {suffix!r} (use .csv, .xlsx or .parquet)")
    text.columns = [str(c).strip() for c in text.columns]
    return RawTable(name=name, file=label, text=text, rows=rows)


def _to_text(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col):
        out = col.map({True: "true", False: "false"})
    elif pd.api.types.is_float_dtype(col):
        out = col.map(lambda v: repr(float(v)) if pd.notna(v) else "")
    else:
        out = col.astype("string")
    return out.astype("string").fillna("")


def resolve_path(path: str | os.PathLike) -> Path:
    """A notebook parameter's path: absolute as given; relative to the working directory when it
    exists there; otherwise relative to the project root. So ``data/raw/...`` works from the project
    root (papermill, the Makefile) and from ``notebooks/`` (JupyterLab) alike."""
    path = Path(path)
    if path.is_absolute() or (Path.cwd() / path).exists():
        return path.resolve()
    return (PROJECT_ROOT / path).resolve()


def find_table_file(data_dir: str | os.PathLike, name: str) -> Path:
    """The file holding table ``name`` in ``data_dir`` (``name.csv``, ``.xlsx`` or ``.parquet``)."""
    data_dir = Path(data_dir)
    found = [data_dir / f"{name}{s}" for s in SUFFIXES if (data_dir / f"{name}{s}").exists()]
    if not found:
        raise FileNotFoundError(
            f"{data_dir}: no file for table '{name}' (expected {name}.csv, {name}.xlsx or "
            f"{name}.parquet)"
        )
    if len(found) > 1:
        raise ValueError(f"{data_dir}: table '{name}' is given twice: "
                         + ", ".join(p.name for p in found))
    return found[0]


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# --------------------------------------------------------------------------------------------
# the data container
# --------------------------------------------------------------------------------------------
@dataclass
class TalentData:
    """All validated record tables of one data folder, with where they came from.

    ``origin`` holds ``data_origin`` (``"synthetic"`` or ``"user"``), for synthetic data the
    ``scenario`` and ``seed``, and ``checksums`` (SHA-256 of every raw file read).
    """

    graduates: pd.DataFrame
    employer_ratings: pd.DataFrame
    evaluations: pd.DataFrame
    programmes: pd.DataFrame
    origin: dict = field(default_factory=dict)
    data_dir: Path | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in RECORD_TABLES}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in RECORD_TABLES:
            raise KeyError(name)
        return getattr(self, name)

    @property
    def is_synthetic(self) -> bool:
        return self.origin.get("data_origin") == "synthetic"

    def describe_origin(self) -> str:
        """One line naming the data's origin, for banners."""
        if self.is_synthetic:
            return (f"SYNTHETIC data (scenario '{self.origin.get('scenario')}', seed "
                    f"{self.origin.get('seed')}) generated by talentlab.simulate — not real records "
                    "/ 合成数据，非真实记录")
        return f"User data from {self.origin.get('name', 'a local folder')} / 用户数据"


def read_origin(data_dir: str | os.PathLike) -> dict:
    """The origin recorded in ``data_dir/datapackage.json``; user data when there is none."""
    data_dir = Path(data_dir)
    desc = data_dir / "datapackage.json"
    processed = data_dir / "manifest.json"
    if not desc.exists() and processed.exists():
        origin = dict(json.loads(processed.read_text(encoding="utf-8"))["origin"])
    elif desc.exists():
        meta = json.loads(desc.read_text(encoding="utf-8"))
        origin = {k: v for k, v in meta.items()
                  if k not in ("resources", "$schema", "title", "contract_version")}
        origin.setdefault("data_origin", "user")
    else:
        origin = {"data_origin": "user"}
    origin.setdefault("name", data_dir.name)
    return origin


def dataset_name(origin: dict) -> str:
    """A short folder name for a data set's processed data and reports."""
    if origin.get("data_origin") == "synthetic":
        return f"synthetic-{origin.get('scenario', 'data')}"
    return str(origin.get("name", "user-data")).replace(" ", "_")


def _read_and_validate(data_dir: Path, names: Iterable[str]) -> tuple[dict, dict]:
    raws, paths, problems = {}, {}, []
    for name in names:
        try:
            path = find_table_file(data_dir, name)
        except (FileNotFoundError, ValueError) as exc:
            problems.append(Problem(str(data_dir), None, None, None, str(exc)))
            continue
        try:
            raws[name] = read_table_text(path, name)
        except ValueError as exc:
            problems.append(Problem(path.name, None, None, None, str(exc)))
            continue
        paths[name] = path
    typed, more = validate_tables(raws)
    problems += more
    if problems:
        raise DataValidationError(problems)
    return typed, paths


def load_all(data_dir: str | os.PathLike | None = None) -> TalentData:
    """Load and validate the four record tables of a data folder.

    Parameters
    ----------
    data_dir : path, optional
        Folder with ``graduates``, ``employer_ratings``, ``evaluations`` and ``programmes`` as
        ``.csv`` / ``.xlsx`` / ``.parquet``. Default: the shipped synthetic scenario
        ``data/raw/synthetic/paper_claims``.

    Raises
    ------
    DataValidationError
        Listing every problem (file, row, column, value, rule).

    Examples
    --------
    >>> import talentlab
    >>> data = talentlab.load_all()
    >>> data.is_synthetic
    True
    """
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not data_dir.is_dir():
        raise FileNotFoundError(f"data folder {data_dir} does not exist")
    typed, paths = _read_and_validate(data_dir, RECORD_TABLES)
    origin = read_origin(data_dir)
    origin["checksums"] = {p.name: sha256_file(p) for p in paths.values()}
    return TalentData(**typed, origin=origin, data_dir=data_dir)


def _load_one(name: str, path: str | os.PathLike | None, context: Iterable[str] = ()) -> pd.DataFrame:
    """Load one table; tables it refers to (``context``) are validated alongside it."""
    if path is None:
        data_dir = RAW_DIR if name in PAPER_TABLES else DEFAULT_DATA_DIR
        path = find_table_file(data_dir, name)
    path = Path(path)
    raws = {name: read_table_text(path, name)}
    for other in context:
        try:
            raws[other] = read_table_text(find_table_file(path.parent, other), other)
        except FileNotFoundError:
            pass  # a table on its own: its foreign keys cannot be checked
    typed, problems = validate_tables(raws)
    if problems:
        raise DataValidationError(problems)
    return typed[name]


def load_graduates(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load and validate the graduates table (default: the shipped synthetic data).

    Examples
    --------
    >>> import talentlab
    >>> grads = talentlab.load_graduates()
    >>> grads["destination"].dtype.name
    'category'
    """
    return _load_one("graduates", path)


def load_employer_ratings(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load and validate employer ratings (checked against graduates.* beside the file)."""
    return _load_one("employer_ratings", path, context=("graduates",))


def load_evaluations(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load and validate the three-party evaluations (checked against graduates.* beside it)."""
    return _load_one("evaluations", path, context=("graduates",))


def load_programmes(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load and validate programme facts."""
    return _load_one("programmes", path)


def load_cases(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The six-case registry coded from the paper (``data/raw/cases.csv``)."""
    return _load_one("cases", path)


def load_case_conditions(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Case × condition memberships with evidence (``data/raw/case_conditions.csv``)."""
    return _load_one("case_conditions", path, context=("cases",))


def load_reference_configurations(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """International reference models coded like the cases (sensitivity analysis only)."""
    return _load_one("reference_configurations", path)


#: The shipped codings of the six cases: coder id -> file in ``data/raw/`` (CODER2.md).
SHIPPED_CODINGS = {"coder1": "case_conditions.csv", "coder2": "case_conditions_coder2.csv"}


def load_case_conditions_consensus(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """The consensus coding of the cases with both coders\x27 values and each resolution
    (``data/raw/case_conditions_consensus.csv``; rules in ``data/raw/CONSENSUS.md``)."""
    return _load_one("case_conditions_consensus", path, context=("cases",))


def load_case_codings(path: str | os.PathLike | None = None) -> pd.DataFrame:
    """Several codings of the case x condition cells, long: one row per cell x coder.

    With ``path``, read that ``case_codings`` file (contract table ``case_codings``). Without,
    stack the shipped codings (:data:`SHIPPED_CODINGS`), each validated as ``case_conditions``;
    a coding whose file is absent is left out (one coder: agreement cannot be computed).

    Examples
    --------
    >>> import talentlab.io as tio
    >>> sorted(tio.load_case_codings()["coder_id"].unique())
    [\x27coder1\x27, \x27coder2\x27]
    """
    if path is not None:
        return _load_one("case_codings", path, context=("cases",))
    frames = []
    for coder, name in SHIPPED_CODINGS.items():
        file = RAW_DIR / name
        if not file.is_file():
            continue
        frame = load_case_conditions(file)
        frame.insert(2, "coder_id", coder)
        frames.append(frame.astype({c: "string" for c in ("case_id", "condition",
                                                              "evidence_status")}))
    if not frames:
        raise FileNotFoundError(f"no shipped coding found in {RAW_DIR}")
    return pd.concat(frames, ignore_index=True)


# --------------------------------------------------------------------------------------------
# processing
# --------------------------------------------------------------------------------------------
def process(data_dir: str | os.PathLike | None = None,
            out_dir: str | os.PathLike | None = None) -> Path:
    """Validate a raw data folder and write its processed tables.

    Writes ``<out_dir>/<table>.parquet`` for the four record tables and ``manifest.json`` (origin,
    SHA-256 of every raw input, of every processed file, and the row counts). All files are first
    written to a temporary folder beside ``out_dir`` and then moved into place by atomic renames;
    on a validation error nothing is written. The raw folder is only read.

    Returns the output folder.
    """
    data = load_all(data_dir)
    if out_dir is None:
        out_dir = PROCESSED_DIR / dataset_name(data.origin)
    out_dir = Path(out_dir)
    if data.data_dir is not None and out_dir.resolve() == data.data_dir.resolve():
        raise ValueError("the processed folder must not be the raw folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        written = {}
        for name, df in data.tables().items():
            target = tmp / f"{name}.parquet"
            df.to_parquet(target, index=False, compression="zstd")
            written[target.name] = sha256_file(target)
        manifest = {
            "origin": {k: v for k, v in data.origin.items() if k != "checksums"},
            "raw_sha256": data.origin["checksums"],
            "processed_sha256": written,
            "rows": {name: int(len(df)) for name, df in data.tables().items()},
        }
        atomic_write_text(tmp / "manifest.json",
                          json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in sorted(tmp.iterdir()):
            os.replace(f, out_dir / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out_dir
