"""Loading, validating and processing raw records.

Raw files may be CSV (UTF-8, UTF-8 with BOM, or GB18030 as Chinese Excel exports write them; the
encoding is detected, not asked for), Excel ``.xlsx`` or Parquet. Every table is validated against the
contract (:mod:`talentlab.data.schema`); all problems are collected and raised together as one
:class:`~talentlab.data.problems.DataValidationError`. Processing writes ``.parquet`` files atomically with
a manifest of the SHA-256 of every raw input; on any validation error nothing is written. Nothing in
talentlab writes to a raw-data folder.

Reading one table file as text is :mod:`talentlab.data.table_files` and a folder's origin
:mod:`talentlab.data.origin`; their public names are importable from here as well.
"""

from __future__ import annotations

import hashlib
import io as _io
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from talentlab import resources
from talentlab.data import progress
from talentlab.data.atomic import atomic_write_text, write_folder_atomically
from talentlab.data.descriptor import PAPER_TABLES, RECORD_TABLES
from talentlab.data.importer import ImportFailed, import_records  # noqa: F401 (re-exported)
from talentlab.data.origin import dataset_name, read_origin
from talentlab.data.problems import DataValidationError, Problem
from talentlab.data.readers import MISSING_VALUES, EncodingError, detect_encoding  # noqa: F401 (re-exported)
from talentlab.data.table_files import (
    SUFFIXES,  # noqa: F401 (re-exported)
    find_table_file,
    read_table_text,
    sha256_file,
)
from talentlab.data.validation import validate_tables

# the repository in a clone, the package data of an installed wheel (talentlab.resources decides)
PROJECT_ROOT = resources.PROJECT_ROOT
RAW_DIR = resources.RAW_DIR
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
SYNTHETIC_DIR = RAW_DIR / "synthetic"
DEFAULT_SCENARIO = "paper_claims"
DEFAULT_DATA_DIR = SYNTHETIC_DIR / DEFAULT_SCENARIO

#: the table of published rates with their group sizes (no record table: no graduate is in it)
PUBLISHED_RATES = "published_rates"


def resolve_path(path: str | os.PathLike) -> Path:
    """A notebook parameter's path: absolute as given; relative to the working directory when it
    exists there; otherwise relative to the project root. So ``data/raw/...`` works from the project
    root (papermill, the Makefile), from ``notebooks/`` (JupyterLab) and, for an installed package,
    from any directory (the shipped data; a new output folder goes to the working directory):
    :func:`talentlab.resources.resolve`."""
    return resources.resolve(path)


# --------------------------------------------------------------------------------------------
# the data container
# --------------------------------------------------------------------------------------------
def not_supplied(tables: Iterable[str]) -> str:
    """Why an analysis cannot run: ``no <table> supplied`` for each absent table it needs.

    The reason the notebooks print when they skip an analysis and the findings ledger gives a
    claim it cannot judge.

    Examples
    --------
    >>> not_supplied(["employer_ratings"])
    'no employer_ratings supplied'
    >>> not_supplied(["graduates", "evaluations"])
    'no graduates supplied and no evaluations supplied'
    """
    return " and ".join(f"no {name} supplied" for name in tables)


class TableNotSupplied(ValueError):
    """An analysis needs a record table the data folder does not hold."""


@dataclass
class TalentData:
    """The validated record tables of one data folder, with where they came from.

    A folder may hold any non-empty subset of the four record tables (an employment office often
    has its destination export only). A table that was not supplied is ``None``;
    :attr:`supplied` and :attr:`missing` name them, :meth:`require` refuses an analysis that
    needs an absent one, and :meth:`tables` holds only the supplied tables.

    ``origin`` holds ``data_origin`` (``"synthetic"`` or ``"user"``), for synthetic data the
    ``scenario`` and ``seed``, and ``checksums`` (SHA-256 of every raw file read).

    ``published_rates`` is the folder's table of published rates with their group sizes (the
    per-major tables of an employment quality report), validated, or ``None``. It is no record
    table (no graduate is in it): :attr:`supplied`, :attr:`missing` and :meth:`tables` name the
    record tables only; :func:`talentlab.indicators.from_published_rates` reports its rates.

    Examples
    --------
    >>> import pandas as pd
    >>> data = TalentData(graduates=pd.DataFrame({"student_id": ["s1"]}))
    >>> data.supplied, data.missing
    (('graduates',), ('employer_ratings', 'evaluations', 'programmes'))
    >>> data.require("employer_ratings", what="recognition")
    Traceback (most recent call last):
    ...
    talentlab.data.io.TableNotSupplied: recognition needs employer_ratings: no employer_ratings supplied (supplied: graduates) / 未提供 employer_ratings 表
    """

    graduates: pd.DataFrame | None = None
    employer_ratings: pd.DataFrame | None = None
    evaluations: pd.DataFrame | None = None
    programmes: pd.DataFrame | None = None
    origin: dict = field(default_factory=dict)
    data_dir: Path | None = None
    published_rates: pd.DataFrame | None = None

    @property
    def supplied(self) -> tuple[str, ...]:
        """The record tables the folder held, in contract order."""
        return tuple(name for name in RECORD_TABLES if getattr(self, name) is not None)

    @property
    def missing(self) -> tuple[str, ...]:
        """The record tables the folder did not hold, in contract order."""
        return tuple(name for name in RECORD_TABLES if getattr(self, name) is None)

    def missing_for(self, *tables: str) -> tuple[str, ...]:
        """Which of ``tables`` were not supplied (empty when an analysis can run)."""
        unknown = [t for t in tables if t not in RECORD_TABLES]
        if unknown:
            raise KeyError(f"not record tables: {unknown} (record tables: "
                           f"{', '.join(RECORD_TABLES)})")
        return tuple(t for t in tables if getattr(self, t) is None)

    def require(self, *tables: str, what: str = "this analysis") -> None:
        """Refuse ``what`` when one of ``tables`` was not supplied (:class:`TableNotSupplied`)."""
        absent = self.missing_for(*tables)
        if absent:
            raise TableNotSupplied(
                f"{what} needs {', '.join(tables)}: {not_supplied(absent)} (supplied: "
                f"{', '.join(self.supplied) or 'none'}) / 未提供 {', '.join(absent)} 表")

    def skip_reason(self, *tables: str) -> str | None:
        """The line a notebook prints instead of a section that needs ``tables`` when one of
        them was not supplied; ``None`` when the section can run.

        Examples
        --------
        >>> import pandas as pd
        >>> data = TalentData(graduates=pd.DataFrame())
        >>> data.skip_reason("graduates") is None
        True
        >>> data.skip_reason("employer_ratings")
        'Skipped: this section needs employer_ratings; no employer_ratings supplied / 跳过：未提供 employer_ratings 表'
        """
        absent = self.missing_for(*tables)
        if not absent:
            return None
        return (f"Skipped: this section needs {', '.join(tables)}; {not_supplied(absent)} / "
                f"跳过：未提供 {', '.join(absent)} 表")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The supplied tables by name (absent tables are left out)."""
        return {name: getattr(self, name) for name in self.supplied}

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in RECORD_TABLES:
            raise KeyError(name)
        self.require(name, what=f"data[{name!r}]")
        return getattr(self, name)

    @property
    def is_synthetic(self) -> bool:
        return self.origin.get("data_origin") == "synthetic"

    def describe_origin(self) -> str:
        """One line naming the data's origin (and the tables not supplied), for banners."""
        if self.is_synthetic:
            text = (f"SYNTHETIC data (scenario '{self.origin.get('scenario')}', seed "
                    f"{self.origin.get('seed')}) generated by talentlab.simulate — not real "
                    "records / 合成数据，非真实记录")
        else:
            text = f"User data from {self.origin.get('name', 'a local folder')} / 用户数据"
        if self.missing:
            text += (f". Tables supplied: {', '.join(self.supplied)}; not supplied: "
                     f"{', '.join(self.missing)} (analyses that need them are skipped) / "
                     f"未提供：{', '.join(self.missing)}")
        return text


def _imported_headers(data_dir: Path) -> dict[str, dict[str, str]]:
    """Field -> the college's own header(s), for a folder written by ``talentlab import``."""
    try:
        meta = json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))
        columns = meta["imported_from"]["columns"]
        out: dict[str, dict[str, str]] = {}
        for table, pieces in columns.items():
            merged: dict[str, list[str]] = {}
            for headers in pieces.values():
                for name, header in headers.items():
                    if header not in merged.setdefault(name, []):
                        merged[name].append(str(header))
            out[table] = {n: " / ".join(h) for n, h in merged.items()}
        return out
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


#: File endings a person may give a table that the loaders do not read as one (a table under such
#: a name is reported, never silently left out).
_TABLE_LIKE_SUFFIXES = (".csv", ".xlsx", ".parquet", ".xls", ".xlsm", ".ods", ".txt", ".tsv")
#: Folder entries looked at when naming what an unreadable folder holds (a huge folder stays fast).
_MAX_ENTRIES_SCANNED = 10_000


def _data_like_files(data_dir: Path) -> list[str]:
    """Names of the files in ``data_dir`` that look like data (by ending), sorted; bounded."""
    names = []
    try:
        with os.scandir(data_dir) as entries:
            for i, entry in enumerate(entries):
                if i >= _MAX_ENTRIES_SCANNED:
                    break
                if entry.name.lower().endswith(_TABLE_LIKE_SUFFIXES):
                    names.append(entry.name)
    except OSError:
        return []
    return sorted(names)


def _lookalike_problems(data_dir: Path, absent: Iterable[str], files: list[str]) -> list[Problem]:
    """A file named like an absent table that the loaders would not read (``Graduates.CSV``,
    ``graduates.xls``): an error, since leaving it out would analyse a subset in silence."""
    problems = []
    for name in absent:
        for file in files:
            if Path(file).stem.strip().casefold() == name:
                problems.append(Problem(
                    file, None, None, None,
                    f"looks like table '{name}' but is not read: a table file is named exactly "
                    f"{name}.csv, {name}.xlsx or {name}.parquet (lower case); rename it, or run "
                    "`talentlab import` on the folder / 文件名类似该表但不会被读取"))
    return problems


def _no_table_problem(data_dir: Path, names: Iterable[str], files: list[str]) -> Problem:
    """The error for a folder holding none of the record tables: what was expected, what is there
    and what to do next."""
    names = list(names)
    held = (f"; the folder holds {', '.join(files[:5])}" + (f" and {len(files) - 5} more"
                                                             if len(files) > 5 else "")
            if files else "")
    return Problem(str(data_dir), None, None, None,
                   f"no record table found: expected at least one of "
                   f"{', '.join(f'{n}.csv' for n in names)} (or .xlsx / .parquet){held}. A folder "
                   "of your systems' exports is imported first: talentlab import "
                   f"{data_dir} OUT / 未找到任何记录表")


def _read_and_validate(data_dir: Path, names: Iterable[str],
                       encoding: str | None = None) -> tuple[dict, dict]:
    """The tables of ``names`` that ``data_dir`` holds, read and validated together, and their
    files. A table without a file is left out (any non-empty subset is valid); cross-table rules
    run where both tables are present (:func:`talentlab.data.schema.validate_tables`)."""
    names = list(names)
    raws, paths, problems, absent = {}, {}, [], []
    for name in names:
        try:
            path = find_table_file(data_dir, name)
        except FileNotFoundError:
            absent.append(name)
            continue
        except ValueError as exc:
            problems.append(Problem(str(data_dir), None, None, None, str(exc)))
            continue
        try:
            with progress.reading(path, "validate"):  # a line on a terminal for a large file
                raws[name] = read_table_text(path, name, encoding=encoding)
        except ValueError as exc:
            message = str(exc)
            if message.startswith(path.name):  # the message names the file already
                message = message[len(path.name):].lstrip(",: ")
            problems.append(Problem(path.name, None, None, None, message))
            continue
        paths[name] = path
    if absent:
        files = _data_like_files(data_dir)
        problems += _lookalike_problems(data_dir, absent, files)
        if len(absent) == len(names):
            problems.append(_no_table_problem(data_dir, names, files))
    for name, headers in _imported_headers(data_dir).items():
        if name in raws:
            raws[name].headers = headers  # problems name the college's own header too
    with progress.status("validate: checking the contract's rules",
                         sum(map(progress.file_size, paths.values()))):
        typed, more = validate_tables(raws)
    problems += more
    if problems:
        raise DataValidationError(problems)
    return typed, paths


def load_all(data_dir: str | os.PathLike | None = None,
             encoding: str | None = None) -> TalentData:
    """Load and validate the record tables a data folder holds.

    Any non-empty subset of the four record tables is valid (a destination export alone is a
    graduates table); :attr:`TalentData.supplied` and :attr:`TalentData.missing` say which were
    there, and the analyses that need an absent table are skipped with the reason
    :func:`not_supplied` gives. Rules between two tables (a rating's student must exist in
    graduates) are checked where both are present.

    A ``published_rates`` file beside them (or alone: a published table needs no microdata) is
    read and validated too (:func:`load_published_rates`) and carried as
    :attr:`TalentData.published_rates`.

    Parameters
    ----------
    data_dir : path, optional
        Folder with any of ``graduates``, ``employer_ratings``, ``evaluations``,
        ``programmes`` and ``published_rates`` as ``.csv`` / ``.xlsx`` / ``.parquet``.
        Default: the shipped synthetic scenario ``data/raw/synthetic/paper_claims``.
    encoding : str, optional
        The encoding of the CSV files (default: detected; a file that cannot be decoded safely is
        refused rather than read as mojibake).

    Raises
    ------
    DataValidationError
        Listing every problem (file, row, column, value, rule); also when the folder holds none
        of the tables, or a file named like a table that would not be read (``Graduates.CSV``,
        ``graduates.xls``).

    Examples
    --------
    >>> import talentlab
    >>> data = talentlab.load_all()
    >>> data.is_synthetic, data.missing
    (True, ())
    """
    data_dir = Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR
    if not data_dir.is_dir():
        raise FileNotFoundError(f"data folder {data_dir} does not exist")
    origin = read_origin(data_dir)
    typed, paths = _read_and_validate(data_dir, (*RECORD_TABLES, PUBLISHED_RATES),
                                      encoding=encoding)
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


def load_published_rates(path: str | os.PathLike) -> pd.DataFrame:
    """Load and validate a table of published rates (``published_rates``: rates in percent with
    their group sizes, as an employment quality report prints them).

    Each row is one rate: ``indicator`` (a codebook indicator), ``rate`` in percent, ``n`` (the
    graduates it is a rate of) and ``rate_decimals`` (the rounding; from the text of the rate when
    the column is absent: ``93.40`` has 2). A rate that no whole number of the ``n`` graduates
    gives when rounded so is refused, as every problem is: file, row, column, value and rule.
    :func:`talentlab.indicators.from_published_rates` turns the table into indicator rows with
    the range of numerators each rounded rate allows carried into the interval.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from talentlab.indicators import from_published_rates
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "published_rates.csv").write_text(
    ...     "major,indicator,rate,n\\nIC Design,employment_rate,93.4,5230\\n", encoding="utf-8")
    >>> rates = load_published_rates(folder / "published_rates.csv")
    >>> from_published_rates(rates)[["numerator_low", "numerator_high"]].iloc[0].tolist()
    [4883, 4887]
    """
    return _load_one(PUBLISHED_RATES, path)


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
    >>> import talentlab.data.io as tio
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
def _check_out_dir(out_dir: Path, data_dir: Path) -> None:
    """The processed folder may be neither the raw folder, nor inside it, nor inside data/raw/,
    nor hold the raw folder or data/raw/; an existing one must be empty or a previous output of
    :func:`process` (it is replaced as a whole, so nothing else may be lost with it)."""
    out, raw = out_dir.resolve(), data_dir.resolve()
    if out == raw:
        raise ValueError(f"--out {out_dir}: the processed folder must not be the raw folder "
                         "(raw data are never modified) / 输出文件夹不能是原始数据文件夹")
    if out.is_relative_to(raw):
        raise ValueError(f"--out {out_dir}: the processed folder must not be inside the raw folder "
                         f"{data_dir} / 输出文件夹不能位于原始数据文件夹内")
    if out.is_relative_to(RAW_DIR.resolve()):
        raise ValueError(f"--out {out_dir}: processed data must not be written under data/raw/ "
                         "/ 处理结果不能写入 data/raw/")
    for inside, what in ((raw, f"the raw folder {data_dir}"), (RAW_DIR.resolve(), "data/raw/")):
        if inside.is_relative_to(out):
            raise ValueError(f"--out {out_dir}: holds {what}, and the output folder is replaced "
                             "as a whole / 输出文件夹包含原始数据，而输出文件夹会被整体替换")
    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out_dir}: exists and is not a folder / 已存在且不是文件夹")
    if out.is_dir() and any(out.iterdir()) and not _is_processed_folder(out):
        raise ValueError(
            f"--out {out_dir}: is not empty and is not a folder written by `talentlab process` "
            "(no manifest.json of one); it would be replaced as a whole, so choose a new or empty "
            "folder / 该文件夹非空且不是 talentlab process 的输出，请选择新的或空的文件夹")


def _is_processed_folder(folder: Path) -> bool:
    """Does ``folder`` hold the ``manifest.json`` of a :func:`process` run?"""
    manifest = folder / "manifest.json"
    try:
        if not manifest.is_file() or manifest.stat().st_size > 1 << 20:
            return False
        meta = json.loads(manifest.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(meta, dict) and isinstance(meta.get("processed_sha256"), dict)


def process(data_dir: str | os.PathLike | None = None,
            out_dir: str | os.PathLike | None = None,
            encoding: str | None = None) -> Path:
    """Validate a raw data folder and write its processed tables.

    Writes ``<out_dir>/<table>.parquet`` for each record table the folder holds (and for its
    ``published_rates`` table when it has one) and ``manifest.json`` (origin, SHA-256 of every
    raw input, of every processed file, the row counts, and ``tables_absent`` when a record table was not supplied). The whole folder is
    written beside ``out_dir`` first and then swapped in as one atomic step
    (:func:`talentlab.data.atomic.write_folder_atomically` with ``replace=True``): a kill or a full
    disk at any moment leaves the previous output or the new one, never a mix; on a validation
    error nothing is written. An existing ``out_dir`` must be empty or a previous output of
    ``process`` (it is replaced as a whole). The raw folder is only read. By default the output
    goes to ``data/processed/<data set>/``, the data set's name made a safe slug
    (:func:`dataset_name`): nothing read from the data chooses another place.

    Returns the output folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import talentlab.data.io as tio
    >>> out = tio.process(out_dir=pathlib.Path(tempfile.mkdtemp()) / "processed")
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['employer_ratings.parquet', 'evaluations.parquet', 'graduates.parquet', 'manifest.json',
     'programmes.parquet']
    """
    if out_dir is not None:
        _check_out_dir(Path(out_dir), Path(data_dir) if data_dir is not None else DEFAULT_DATA_DIR)
    else:  # an installed package has no data/processed/ of its own: --out is required there
        resources.default_output("data/processed", "--out")
    data = load_all(data_dir, encoding=encoding)
    if out_dir is None:
        out_dir = PROCESSED_DIR / dataset_name(data.origin)
        if out_dir.resolve().parent != PROCESSED_DIR.resolve():  # pragma: no cover - slug is safe
            raise ValueError(f"refusing to write outside {PROCESSED_DIR}: {out_dir}")
    out_dir = Path(out_dir)
    _check_out_dir(out_dir, data.data_dir if data.data_dir is not None else DEFAULT_DATA_DIR)
    tables = data.tables()
    absent = [name for name in RECORD_TABLES if name not in tables]
    if data.published_rates is not None:  # no record table, but carried to the report as read
        tables[PUBLISHED_RATES] = data.published_rates

    def write(stage: Path) -> None:
        written = {}
        for name, df in tables.items():
            buffer = _io.BytesIO()  # the same bytes as writing to the path, written in one call
            df.to_parquet(buffer, index=False, compression="zstd")
            (stage / f"{name}.parquet").write_bytes(buffer.getvalue())
            written[f"{name}.parquet"] = hashlib.sha256(buffer.getvalue()).hexdigest()
        manifest = {
            "origin": {k: v for k, v in data.origin.items() if k != "checksums"},
            "raw_sha256": data.origin["checksums"],
            "processed_sha256": written,
            "rows": {name: int(len(df)) for name, df in tables.items()},
        }
        if absent:
            manifest["tables_absent"] = absent
        atomic_write_text(stage / "manifest.json",
                          json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n")

    return write_folder_atomically(out_dir, write, replace=True)  # the whole folder, one swap
