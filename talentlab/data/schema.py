"""The raw-data contract and its validation.

The contract is one Frictionless Data Package descriptor, ``talentlab/data/contract/datapackage.json``:
every table, field, type, unit, allowed value and key, with English and Chinese descriptions.
It is the single source of truth for

* validation (this module: types, required fields, ranges, allowed values, unique keys, foreign keys,
  and the cross-field and cross-table rules a Table Schema cannot express, listed in
  :data:`CROSS_FIELD_RULES`),
* the human-readable codebook ``data/raw/README.md`` (:func:`render_codebook`), and
* the descriptor written next to every data set (:func:`write_datapackage`).

Validation works on the text of the file (every cell read as a string), so an error can quote the
offending value exactly as the user typed it, and it collects every problem before raising one
:class:`DataValidationError`.
"""

from __future__ import annotations

import copy
import json
import math
import os
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

# The atomic writes live in talentlab.data.atomic (file I/O, not the contract); still importable
# from here for callers that have not moved yet.
from talentlab.data.atomic import atomic_write_bytes, atomic_write_text  # noqa: F401 (re-exported)

CONTRACT_PATH = Path(__file__).with_name("contract") / "datapackage.json"

#: The four record tables a college supplies (the case registry and claims ship with talentlab).
RECORD_TABLES = ("graduates", "employer_ratings", "evaluations", "programmes")
#: Tables coded from the paper, shipped in ``data/raw/``.
PAPER_TABLES = ("cases", "case_conditions", "reference_configurations", "claims", "case_codings",
                "case_conditions_consensus")

#: Destinations of the contract, in its order; the employed, and the employees among them.
DESTINATIONS = ("employed_full_time", "employed_part_time", "self_employed", "military",
                "further_study", "preparing_further_study", "unemployed", "unknown")
EMPLOYED = ("employed_full_time", "employed_part_time", "self_employed")
EMPLOYEES = ("employed_full_time", "employed_part_time")
#: The graduates' optional count column: a row of a count table stands for this many identical
#: graduates (absent: one per row; 0: none). Every consumer that counts graduates weights by it.
COUNT_COLUMN = "count"

#: Suffix of the extra column an import writes beside a field whose values it mapped
#: (``destination_original`` keeps the college's own category): accepted by validation, not analysed.
ORIGINAL_SUFFIX = "_original"

TRUE_TOKENS = {"true", "t", "yes", "y", "1", "1.0", "是", "真"}
FALSE_TOKENS = {"false", "f", "no", "n", "0", "0.0", "否", "假"}

#: Unknown columns listed one by one in a validation error; the rest are summarised in one line.
MAX_UNKNOWN_LISTED = 20

#: Rules that go beyond one field, in the words the codebook prints.
CROSS_FIELD_RULES = {
    "graduates": [
        "job_related_to_major, job_satisfaction, employer_in_cluster, work_region, "
        "adaptation_months, adaptation_reached and left_within_6_months are only for the employed "
        "(employed_full_time, employed_part_time, self_employed).",
        "employer_id, employer_tier and retraining_hours are only for employees "
        "(employed_full_time, employed_part_time).",
        "adaptation_months and adaptation_reached are given together or not at all.",
        "treated_major may be left out when programmes has a reform_year column: it is derived "
        "(true iff the graduate's college × major has a reform year), and every college × major "
        "of graduates must then have programme rows. When both are given they must agree, and a "
        "reformed major (treated_major true) must have a reform year in programmes.",
    ],
    "employer_ratings": [
        "student_id must exist in graduates.",
        "employer_id must be the rated graduate's employer_id.",
    ],
    "evaluations": ["student_id must exist in graduates."],
    "programmes": [
        "double_qualified_teachers <= specialised_teachers.",
        "courses_co_developed <= courses_total.",
        "order_class_students <= students_enrolled.",
        "reform_year is the same on every row of a college × major (or empty on all of them).",
    ],
    "case_conditions": ["case_id must exist in cases."],
}


@dataclass(frozen=True)
class Problem:
    """One violation of the contract, located as a person sees it in the file."""

    file: str
    row: int | None  # line/row number in the file as a spreadsheet or editor shows it
    column: str | None
    value: object
    rule: str
    header: str | None = None  # the college's own header, when an alias was used

    def __str__(self) -> str:
        row = f"row {self.row}" if self.row is not None else "header"
        if self.column is None:
            column = "(table)"
        elif self.header and self.header != self.column:
            column = f"column '{self.column}' (original header '{self.header}')"
        else:
            column = f"column '{self.column}'"
        value = "" if self.value is None else f", value '{_shorten(as_typed(self.value))}'"
        zh = rule_zh(self.rule)
        text = f"{self.file}, {row}, {column}{value}: {self.rule}" + (f" / {zh}" if zh else "")
        # values, headers and file names come from the data: control characters (a terminal
        # escape, a line break, a bidirectional override) are shown escaped, never acted on
        from talentlab.data.readers import printable  # readers imports this module

        return printable(text)


def _shorten(text: str, limit: int = 200) -> str:
    """A value quoted in a message: cut when very long (a huge cell must not flood the screen)."""
    return text if len(text) <= limit else f"{text[:limit // 2]}… ({len(text)} characters)"


def as_typed(value: object) -> str:
    """A value as a person typed it: ``4`` not ``np.int64(4)``, ``4.5`` not ``np.float64(4.5)``.

    Examples
    --------
    >>> as_typed(np.int64(4)), as_typed(np.float64(2.0)), as_typed("是"), as_typed(True)
    ('4', '2', '是', 'true')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: Chinese wording of the validation rules (English pattern -> Chinese template).
_RULES_ZH = [
    (r"required column is missing from the file", "文件缺少该必需列"),
    (r"unknown column \(the contract for '(\w+)' has: (.*)\)", r"未知列（契约中 \1 表的列为：\2）"),
    (r"column appears more than once", "该列出现不止一次"),
    (r"required value is missing", "必填值缺失"),
    (r"must be a whole number \(integer\)", "必须为整数"),
    (r"must be a number", "必须为数字"),
    (r"must be true or false .*", "必须为是/否（true/false、yes/no、1/0、是/否）"),
    (r"must be >= (.*)", r"必须大于或等于 \1"),
    (r"must be <= (.*)", r"必须小于或等于 \1"),
    (r"must be one of: (.*)", r"必须为以下取值之一：\1"),
    (r"must be unique .*", "必须唯一（该值出现在多行）"),
    (r"the combination must be unique \(primary key\)", "组合必须唯一（主键）"),
    (r"only allowed for the employed \((.*)\); .*", r"仅适用于就业者（\1），该毕业生的去向不属于就业"),
    (r"only allowed for employees \((.*)\)", r"仅适用于受雇者（\1）"),
    (r"required when adaptation_months is given .*", "填写了 adaptation_months 时必须填写（否 = 删失）"),
    (r"required when adaptation_reached is given", "填写了 adaptation_reached 时必须填写"),
    (r"must not exceed (\w+)", r"不得超过 \1"),
    (r"must exist in (\S+)", r"必须存在于 \1"),
    (r"value is not a contract level and no value map knows it \(levels: (.*)\); .*",
     r"该值不是契约规定的取值，也没有对应的取值映射（可用取值：\1）；请在 mapping.yaml 的 values 中添加"),
    (r"not a yes/no value .*", "不是是/否值；请在 mapping.yaml 的 values 中添加映射"),
    (r"not a whole number", "不是整数"),
    (r"not a number", "不是数字"),
    (r"a row with a student_id stands for one graduate: its count must be 1",
     "填写了学生编号的行只代表一名毕业生：其人数（count）必须为 1"),
    (r"no whole number of the n=(\d+) graduates gives (.*) rounded to (\d+) decimal\(s\)",
     r"n=\1 名毕业生中，没有任何整数人数按 \3 位小数四舍五入后等于 \2"),
    (r"must be the rated graduate's employer_id \(graduates has (.*)\)",
     r"必须为被评价毕业生的 employer_id（毕业生表中为 \1）"),
    (r"must be the same on every row of a college × major \(row (\d+) has (.*)\)",
     r"同一院校×专业的各行必须相同（第 \1 行为 \2）"),
    (r"must agree with programmes\.reform_year, which is (.*) for this college × major \(so "
     r"treated_major must be (\w+)\); (\d+) row\(s\) of it disagree, the first shown",
     r"必须与 programmes.reform_year 一致：该院校×专业的改革年份为 \1（因此 treated_major 应为 \2）；"
     r"共 \3 行不一致，此处显示第一行"),
    (r"a reformed major needs a reform year, but programmes \(which has a reform_year column\) has "
     r"no row for this college × major; (\d+) row\(s\), the first shown",
     r"改革专业必须有改革年份，但 programmes 表（含 reform_year 列）没有该院校×专业的行；共 \1 行，"
     r"此处显示第一行"),
    (r"treated_major is not in the file and is derived from programmes\.reform_year, but "
     r"programmes has no row for this college × major: add its rows \(reform_year empty if it "
     r"was never reformed\) or give treated_major; (\d+) row\(s\), the first shown",
     r"文件中没有 treated_major 列，需由 programmes.reform_year 推出，但 programmes 表没有该院校×专业"
     r"的行：请补充其行（从未改革则 reform_year 留空），或填写 treated_major；共 \1 行，此处显示第一行"),
]


def rule_zh(rule: str) -> str | None:
    """The Chinese wording of a validation rule, or ``None`` when there is none.

    Examples
    --------
    >>> rule_zh("must be <= 5")
    '必须小于或等于 5'
    """
    import re

    for pattern, zh in _RULES_ZH:
        m = re.fullmatch(pattern, rule)
        if m:
            return m.expand(zh)
    return None


class DataValidationError(ValueError):
    """Raised when data break the contract; lists every problem found.

    Attributes
    ----------
    problems : list of Problem
        Every violation, each with file, row, column, value and rule.
    """

    def __init__(self, problems: Iterable[Problem], max_listed: int = 200):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) found in the data:"]
        lines += [f"  - {p}" for p in self.problems[:max_listed]]
        if len(self.problems) > max_listed:
            lines.append(f"  ... and {len(self.problems) - max_listed} more")
        super().__init__("\n".join(lines))

    def to_frame(self) -> pd.DataFrame:
        """The problems as a tidy table (file, row, column, value, rule)."""
        return pd.DataFrame(
            [(p.file, p.row, p.column, p.value, p.rule) for p in self.problems],
            columns=["file", "row", "column", "value", "rule"],
        )


# --------------------------------------------------------------------------------------------
# the contract
# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def shared_contract() -> dict:
    """The contract descriptor parsed once and shared: read it, never modify it (a copy:
    :func:`contract`)."""
    return json.loads(CONTRACT_PATH.read_text(encoding="utf-8"))


def contract() -> dict:
    """The contract descriptor (a deep copy, safe to modify)."""
    return copy.deepcopy(shared_contract())


def resource(name: str) -> dict:
    """The descriptor of one table of the contract."""
    for res in shared_contract()["resources"]:
        if res["name"] == name:
            return copy.deepcopy(res)
    known = ", ".join(r["name"] for r in shared_contract()["resources"])
    raise KeyError(f"no table {name!r} in the contract (known: {known})")


def field_names(name: str, optional: bool = False) -> list[str]:
    """Column names of a table, in contract order.

    ``optional=False`` (default): the table's fixed layout, the columns every file of it has
    (what the generators and templates write); ``True`` adds the ``optional_column`` fields
    (graduates' ``count``).
    """
    return [f["name"] for f in layout_fields(name, optional)]


def layout_fields(name: str, optional: bool = False) -> list[dict]:
    """Field descriptors of a table in contract order, without the ``optional_column`` fields
    unless ``optional`` (see :func:`field_names`)."""
    return [f for f in resource(name)["schema"]["fields"]
            if optional or not f.get("optional_column")]


def fields(name: str) -> dict[str, dict]:
    return {f["name"]: f for f in resource(name)["schema"]["fields"]}


def missing_values(name: str) -> list[str]:
    return list(resource(name)["schema"].get("missingValues", [""]))


def write_datapackage(
    out_dir: str | os.PathLike,
    origin: Mapping[str, object],
    tables: Iterable[str] = RECORD_TABLES,
) -> Path:
    """Write a ``datapackage.json`` describing the tables of a data folder.

    The descriptor copies the contract's resources for ``tables`` and records where the data come
    from under ``data_origin`` (``"synthetic"`` or ``"user"``) plus any other ``origin`` keys
    (scenario, seed, generator). Reports read it to label synthetic data as synthetic.

    Examples
    --------
    >>> import tempfile
    >>> d = tempfile.mkdtemp()
    >>> p = write_datapackage(d, {"data_origin": "synthetic", "scenario": "null", "seed": 1})
    >>> json.loads(p.read_text())["data_origin"]
    'synthetic'
    """
    origin = dict(origin)
    if origin.get("data_origin") not in ("synthetic", "user"):
        raise ValueError("origin['data_origin'] must be 'synthetic' or 'user'")
    base = contract()
    package = {
        "$schema": base["$schema"],
        "name": str(origin.get("name") or f"talentlab-{origin.get('scenario') or 'data'}").replace("_", "-"),
        "title": "talentlab data package"
        + (" (SYNTHETIC data)" if origin["data_origin"] == "synthetic" else ""),
        "contract_version": base["version"],
        **{k: v for k, v in origin.items() if k != "name"},
        "resources": [_strip_import_keys(_fields_present(resource(t), Path(out_dir)))
                      for t in tables],
    }
    out = Path(out_dir) / "datapackage.json"
    atomic_write_text(out, json.dumps(package, ensure_ascii=False, indent=2, sort_keys=False) + "\n")
    return out


def _fields_present(res: dict, folder: Path) -> dict:
    """A resource without the fields the table's file in ``folder`` may lack and does
    (:func:`absent_allowed`: a graduates table without ``count``; a count table without
    ``student_id``), so that the descriptor matches the file. A table not written yet keeps
    its fixed layout."""
    if not any(f.get("optional_column") or f.get("optional_when_column")
               for f in res["schema"]["fields"]):
        return res
    path = folder / res["path"]
    header = [f["name"] for f in res["schema"]["fields"] if not f.get("optional_column")]
    if path.is_file():
        import csv

        with open(path, encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    absent = absent_allowed(res["name"], header)
    # a file without the named column does not need the rule that lets a field go with it
    res["schema"]["fields"] = [
        {k: v for k, v in f.items()
         if k != "optional_when_column" or v in header}
        for f in res["schema"]["fields"] if f["name"] not in absent or f["name"] in header]
    res["schema"]["primaryKey"] = [k for k in res["schema"].get("primaryKey", [])
                                   if any(f["name"] == k for f in res["schema"]["fields"])]
    return res


def _strip_import_keys(res: dict) -> dict:
    """A resource without the import aids (``aliases``, ``valueMaps``) of the contract."""
    for f in res["schema"]["fields"]:
        f.pop("aliases", None)
        f.pop("valueMaps", None)
    return res


# --------------------------------------------------------------------------------------------
# parsing cell text
# --------------------------------------------------------------------------------------------
def _parse_number(text: pd.Series) -> pd.Series:
    """Finite numbers; ``inf``, ``-inf`` and overflowing text (``1e400``) are not numbers here."""
    num = pd.to_numeric(text, errors="coerce").astype("float64")
    return num.where(np.isfinite(num))


def _parse_integer(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Integers; also accepts ``2022.0`` (spreadsheets and parquet often store floats)."""
    num = pd.to_numeric(text, errors="coerce")
    ok = num.notna() & np.isfinite(num.astype("float64")) & (num.astype("float64") % 1 == 0)
    return num.where(ok), ok


def _parse_boolean(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    low = text.str.strip().str.lower()
    is_true = low.isin(TRUE_TOKENS)
    is_false = low.isin(FALSE_TOKENS)
    out = pd.Series(pd.NA, index=text.index, dtype="boolean")
    out[is_true] = True
    out[is_false] = False
    return out, is_true | is_false


def _fmt_value(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass
class RawTable:
    """A table read as text, with where it came from.

    ``text`` holds every cell as a string ('' for an empty cell); ``rows`` gives, for each record,
    the row number a person sees in the file (header = 1 in CSV and spreadsheets).
    """

    name: str
    file: str
    text: pd.DataFrame
    rows: np.ndarray
    headers: dict | None = None  # contract field -> header in the file, when an alias was used


def validate_table(raw: RawTable, derived: Iterable[str] = ()
                   ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check one table against its field rules and convert it to typed columns.

    Returns the typed table (``None`` when a required column is missing) and the problems.
    Cross-table rules are checked by :func:`validate_tables`. ``derived`` names required fields
    the file may leave out because another table gives them (graduates' ``treated_major`` beside
    programmes' ``reform_year``); :func:`validate_tables` adds them afterwards.
    """
    spec = resource(raw.name)["schema"]
    missing_tokens = set(spec.get("missingValues", [""]))
    cols = list(raw.text.columns)
    wanted = [f["name"] for f in spec["fields"]]
    optional = absent_allowed(raw.name, cols) | (set(derived) - set(cols))
    problems, dupes = _column_problems(raw, cols, wanted, optional)
    if dupes:
        return None, problems
    typed: dict[str, pd.Series] = {}
    for fdesc in spec["fields"]:
        if fdesc["name"] in cols:
            typed[fdesc["name"]] = _typed_column(raw, fdesc, missing_tokens, problems)
        elif fdesc.get("optional_when_column"):
            # kept as an empty column: links by this key find no row instead of failing
            typed[fdesc["name"]] = pd.Series(pd.NA, index=raw.text.index, dtype="string")
    if raw.name == "published_rates" and "rate_decimals" not in typed:
        typed["rate_decimals"] = _decimals_as_written(raw, missing_tokens)
    for name in wanted:
        if name not in typed and name not in optional:
            return None, problems
    df = pd.DataFrame({n: typed[n] for n in wanted if n in typed})
    problems += _primary_key_problems(raw, df, [c for c in spec.get("primaryKey") or []
                                                if c in df])
    problems += _cross_field(raw, df)
    return df, _with_headers(raw, problems)


def absent_allowed(table: str, columns: Iterable[str]) -> set[str]:
    """Fields of ``table`` whose column a file may leave out, given the columns it has.

    ``optional_column`` fields (graduates' ``count``: absent means one graduate per row) and
    ``optional_when_column`` fields whose named column is present (``student_id`` in a count
    table, where a row of several graduates has no one identifier).

    Examples
    --------
    >>> sorted(absent_allowed("graduates", ["major"]))
    ['count']
    >>> sorted(absent_allowed("graduates", ["major", "count"]))
    ['count', 'student_id']
    """
    columns = set(columns)
    out = set()
    for f in resource(table)["schema"]["fields"]:
        if f.get("optional_column") or f.get("optional_when_column") in columns:
            out.add(f["name"])
    return out


def _decimals_as_written(raw: RawTable, missing_tokens: set[str]) -> pd.Series:
    """Decimals of each published rate as its cell is written (``93.40`` -> 2, ``93`` -> 0).

    Used when a published_rates file has no ``rate_decimals`` column. A rate that is not a
    plain number gets no decimals here (its own cell problem is reported by the rate field).
    """
    text = raw.text["rate"].astype("string").fillna("").str.strip()
    plain = text.str.fullmatch(r"[+-]?\d+(\.\d*)?") & ~text.isin(missing_tokens)
    decimals = text.str.extract(r"\.(\d*)$", expand=False).fillna("").str.len()
    return decimals.where(plain.fillna(False)).astype("Int64")


def _column_problems(raw: RawTable, cols: list[str], wanted: list[str],
                     optional: set[str] = frozenset()) -> tuple[list[Problem], list[str]]:
    """Problems of the header: missing (unless ``optional``), unknown (at most
    :data:`MAX_UNKNOWN_LISTED` named) and repeated columns; returns them and the repeated
    names."""
    problems: list[Problem] = []
    for name in wanted:
        if name not in cols and name not in optional:
            problems.append(
                Problem(raw.file, None, name, None, "required column is missing from the file")
            )
    unknown = [name for name in cols
               if name not in wanted and not (name.endswith(ORIGINAL_SUFFIX)
                                              and name[:-len(ORIGINAL_SUFFIX)] in wanted)]
    for name in unknown[:MAX_UNKNOWN_LISTED]:
        problems.append(
            Problem(raw.file, None, name, None,
                    f"unknown column (the contract for '{raw.name}' has: {', '.join(wanted)})")
        )
    if len(unknown) > MAX_UNKNOWN_LISTED:
        rest = unknown[MAX_UNKNOWN_LISTED:]
        problems.append(Problem(raw.file, None, None, None,
                                f"{len(rest)} more unknown columns: "
                                + _shorten(", ".join(str(c) for c in rest))))
    dupes = [c for c in set(cols) if cols.count(c) > 1]
    for name in dupes:
        problems.append(Problem(raw.file, None, name, None, "column appears more than once"))
    return problems, dupes


def _missing_cells(cell: pd.Series, missing_tokens: set[str]) -> pd.Series:
    """Which trimmed cells are missing markers, compared as written and after NFKC, as
    :func:`talentlab.data.readers.is_missing` compares them (full-width '－' is '-').

    Only a non-ASCII text can change under NFKC (an ASCII one is its own normal form), and
    a text already in either set is missing whatever its form; so only the other non-ASCII
    cells are normalised, once per distinct text when they repeat (a Python step per cell
    was most of the time validation took on 100,000 rows).
    """
    missing_nfkc = {unicodedata.normalize("NFKC", m).strip() for m in missing_tokens}
    missing = cell.isin(missing_tokens | missing_nfkc)
    other = ~missing & ~cell.str.isascii().astype(bool)
    n_other = int(other.sum())
    if not n_other:
        return missing
    sub = cell[other]
    distinct = sub.unique()
    if 2 * len(distinct) <= n_other:
        hits = [v for v in distinct.to_numpy(dtype=object).tolist()
                if unicodedata.normalize("NFKC", v).strip() in missing_nfkc]
        return missing | cell.isin(hits) if hits else missing
    extra = sub.str.normalize("NFKC").str.strip().isin(missing_nfkc)
    return missing | extra.reindex(cell.index, fill_value=False)


def _distinct_texts(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``(codes, texts)``: the distinct cells of a column as trimmed strings ('' for an empty
    or NA cell) and, per row, the position of its cell among them."""
    codes, uniques = pd.factorize(column)
    texts = pd.concat([pd.Series(uniques).astype("string"), pd.Series([""], dtype="string")],
                      ignore_index=True)
    codes = np.where(codes < 0, len(uniques), codes)
    return codes, texts.fillna("").str.strip()


def _typed_column(raw: RawTable, fdesc: dict, missing_tokens: set[str],
                  problems: list[Problem]) -> pd.Series:
    """One column typed by its field rule (type, required, range, levels, unique); each cell
    breaking a rule is appended to ``problems`` with its row and the text as written.

    Every rule but uniqueness depends on the cell's text alone, so each is checked once per
    distinct text of the column and mapped back to the rows (most columns of 100,000 records
    hold a few dozen texts); the problems still come in row order, rule by rule.
    """
    name = fdesc["name"]
    codes, cell = _distinct_texts(raw.text[name])
    is_missing = _missing_cells(cell, missing_tokens)
    present = ~is_missing
    cons = fdesc.get("constraints", {})

    def report(mask: pd.Series, rule: str) -> None:
        for i in np.flatnonzero(mask.to_numpy()[codes]):
            problems.append(
                Problem(raw.file, int(raw.rows[i]), name, _fmt_value(cell.iloc[codes[i]]), rule)
            )

    if cons.get("required") and fdesc.get("optional_when_column") not in raw.text.columns:
        report(is_missing, "required value is missing")
    values = _parse_typed(cell, present, fdesc["type"], report)
    valid = present & values.notna()
    if "minimum" in cons:
        below = valid & (values.astype("float64") < cons["minimum"])
        report(below, f"must be >= {cons['minimum']}")
    if "maximum" in cons:
        above = valid & (values.astype("float64") > cons["maximum"])
        report(above, f"must be <= {cons['maximum']}")
    if "enum" in cons:
        values = _check_levels(values, valid, fdesc, report)
    if cons.get("unique"):  # a text on more than one row (two texts may trim to one)
        key = pd.factorize(cell)[0]
        rows_per_key = np.bincount(key[codes], minlength=len(key))
        dup = valid & pd.Series(rows_per_key[key] > 1, index=cell.index)
        report(dup, "must be unique (this value appears on more than one row)")
    return values.iloc[codes].set_axis(raw.text.index)


def _parse_typed(cell: pd.Series, present: pd.Series, ftype: str, report) -> pd.Series:
    """The cells parsed as ``ftype`` (integer, number, boolean, else text); reports unparsable."""
    if ftype == "integer":
        values, ok = _parse_integer(cell.where(present))
        report(present & ~ok, "must be a whole number (integer)")
        return values.where(present & ok).astype("Int64")
    if ftype == "number":
        values = _parse_number(cell.where(present))
        report(present & values.isna(), "must be a number")
        return values.astype("float64")
    if ftype == "boolean":
        values, ok = _parse_boolean(cell.where(present, ""))
        report(present & ~ok, "must be true or false (true/false, yes/no, 1/0, 是/否)")
        return values
    return cell.where(present).astype("string")


def _check_levels(values: pd.Series, valid: pd.Series, fdesc: dict, report) -> pd.Series:
    """Report values outside the field's levels (numbers within 0.005 of a level count as it);
    a categorical field becomes a Categorical with the levels in contract order."""
    allowed = fdesc["constraints"]["enum"]
    if fdesc["type"] == "number":
        arr = values.astype("float64").to_numpy()
        hit = np.zeros(len(arr), dtype=bool)
        for a in allowed:
            hit |= np.isclose(arr, float(a), atol=5e-3)
        bad = valid & ~pd.Series(hit, index=values.index)
    else:
        bad = valid & ~values.isin(allowed)
    report(bad, "must be one of: " + ", ".join(str(a) for a in allowed))
    if fdesc.get("categorical"):
        values = pd.Categorical(values.where(~bad), categories=allowed)
        values = pd.Series(values, index=valid.index)
    return values


def _primary_key_problems(raw: RawTable, df: pd.DataFrame, pk: list[str]) -> list[Problem]:
    """Rows repeating a combination of a compound primary key (single keys are ``unique``)."""
    problems = []
    if len(pk) > 1 and all(c in df for c in pk):
        dup = df.duplicated(subset=pk, keep=False) & df[pk].notna().all(axis=1)
        for i in np.flatnonzero(dup.to_numpy()):
            problems.append(
                Problem(raw.file, int(raw.rows[i]), "+".join(pk),
                        " / ".join(str(df[c].iloc[i]) for c in pk),
                        "the combination must be unique (primary key)")
            )
    return problems


def _with_headers(raw: RawTable, problems: list[Problem]) -> list[Problem]:
    """Problems of ``raw`` with the file's own header beside the contract field name."""
    if not raw.headers:
        return problems
    from dataclasses import replace

    return [replace(p, header=raw.headers.get(p.column)) if p.file == raw.file and p.header is None
            else p for p in problems]


def _cross_field(raw: RawTable, df: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []

    def report(mask: pd.Series, column: str, rule: str) -> None:
        for i in np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool)):
            v = df[column].iloc[i]
            problems.append(
                Problem(raw.file, int(raw.rows[i]), column,
                        None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else _fmt_value(v),
                        rule)
            )

    if raw.name == "graduates":
        dest = df["destination"].astype("string")
        employed = dest.isin(EMPLOYED).fillna(False)
        employee = dest.isin(EMPLOYEES).fillna(False)
        known = dest.notna()
        for col in ("job_related_to_major", "job_satisfaction", "employer_in_cluster", "work_region",
                    "adaptation_months", "adaptation_reached", "left_within_6_months"):
            report(known & ~employed & df[col].notna(), col,
                   f"only allowed for the employed ({', '.join(EMPLOYED)}); "
                   f"this graduate's destination is another")
        for col in ("employer_id", "employer_tier", "retraining_hours"):
            report(known & ~employee & df[col].notna(), col,
                   f"only allowed for employees ({', '.join(EMPLOYEES)})")
        months, reached = df["adaptation_months"], df["adaptation_reached"]
        report(months.notna() & reached.isna(), "adaptation_reached",
               "required when adaptation_months is given (False means censored)")
        report(months.isna() & reached.notna(), "adaptation_months",
               "required when adaptation_reached is given")
        if "count" in df:
            report(df["student_id"].notna() & (df["count"] >= 0) & (df["count"] != 1),
                   "student_id",
                   "a row with a student_id stands for one graduate: its count must be 1")
    elif raw.name == "published_rates":
        problems += _published_rate_problems(raw, df)
    elif raw.name == "programmes":
        for part, whole in (("double_qualified_teachers", "specialised_teachers"),
                            ("courses_co_developed", "courses_total"),
                            ("order_class_students", "students_enrolled")):
            report(df[part] > df[whole], part, f"must not exceed {whole}")
        if "reform_year" in df:
            problems += _reform_year_problems(raw, df)
    return problems


def _reform_year_problems(raw: RawTable, df: pd.DataFrame) -> list[Problem]:
    """Rows of a college × major whose reform_year differs from the first row of it (a year
    against another year, or against an empty cell): one major has one reform year. A cell that
    is not a valid year has its own problem already and is left out here."""
    tokens = set(missing_values("programmes"))
    cell = raw.text["reform_year"].astype("string").fillna("").str.strip()
    year = df["reform_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    usable = ~np.isnan(year) | cell.isin(tokens).to_numpy(dtype=bool)
    usable &= df[["college", "major"]].notna().all(axis=1).to_numpy(dtype=bool)
    problems = []
    first: dict[tuple[str, str], int] = {}
    for i in np.flatnonzero(usable):
        key = (df["college"].iloc[i], df["major"].iloc[i])
        j = first.setdefault(key, i)
        same = year[i] == year[j] or (np.isnan(year[i]) and np.isnan(year[j]))
        if not same:
            shown = "empty" if np.isnan(year[j]) else str(int(year[j]))
            problems.append(Problem(raw.file, int(raw.rows[i]), "reform_year",
                                    None if np.isnan(year[i]) else int(year[i]),
                                    f"must be the same on every row of a college × major "
                                    f"(row {int(raw.rows[j])} has {shown})"))
    return problems


def published_numerator_range(rate: float, n: int, decimals: int) -> tuple[int, int]:
    """Whole numerators ``k`` whose rate ``100 k / n`` %, rounded to ``decimals``, gives ``rate``.

    ``rate`` is a percentage rounded to ``decimals`` decimals, so the true rate lies in
    ``[rate - h, rate + h]`` with ``h = 0.5 * 10**-decimals`` (both ends kept: rounding rules
    differ at the half). The numerators are ``ceil(n (rate - h) / 100)`` to
    ``floor(n (rate + h) / 100)`` within ``[0, n]``, computed in exact fractions. An empty
    range (low > high) means no count of ``n`` graduates rounds to that rate.

    Examples
    --------
    >>> published_numerator_range(93.4, 500, 1)
    (467, 467)
    >>> published_numerator_range(93.4, 5230, 1)
    (4883, 4887)
    >>> published_numerator_range(93.4, 523, 1)  # 488/523 = 93.31 %, 489/523 = 93.50 %
    (489, 488)
    """
    from fractions import Fraction

    r = Fraction(str(float(rate)))
    h = Fraction(1, 2 * 10 ** int(decimals))
    low = math.ceil(n * (r - h) / 100)
    high = math.floor(n * (r + h) / 100)
    return max(low, 0), min(high, int(n))


def _published_rate_problems(raw: RawTable, df: pd.DataFrame) -> list[Problem]:
    """A published rate that no whole number of its ``n`` graduates gives (a typo, or a rate
    that is not over ``n``)."""
    problems = []
    ok = df["rate"].notna() & df["n"].notna() & df["rate_decimals"].notna()
    for i in np.flatnonzero(ok.to_numpy(dtype=bool)):
        rate, n, dec = float(df["rate"].iloc[i]), int(df["n"].iloc[i]), int(
            df["rate_decimals"].iloc[i])
        low, high = published_numerator_range(rate, n, dec)
        if low > high:
            problems.append(Problem(raw.file, int(raw.rows[i]), "rate", _fmt_value(rate),
                                    f"no whole number of the n={n} graduates gives "
                                    f"{rate:.{dec}f} % rounded to {dec} decimal(s)"))
    return problems


def validate_tables(raws: Mapping[str, RawTable]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Validate several tables, including foreign keys and cross-table rules."""
    typed: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    derive = _treated_major_derived(raws)
    for name, raw in raws.items():
        df, probs = validate_table(raw, derived=("treated_major",) if derive and
                                   name == "graduates" else ())
        problems += probs
        if df is not None:
            typed[name] = df
    if "graduates" in typed and "reform_year" in typed.get("programmes", ()):
        typed["graduates"], more = _reform_years_in_graduates(raws["graduates"],
                                                               typed["graduates"],
                                                               typed["programmes"])
        problems += more

    for name, raw in raws.items():
        if name not in typed:
            continue
        for fk in resource(name)["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"]
            if target not in typed:
                continue
            (col,), (tcol,) = fk["fields"], fk["reference"]["fields"]
            child, parent = typed[name][col], typed[target][tcol]
            bad = child.notna() & ~child.isin(parent.dropna())
            for i in np.flatnonzero(bad.to_numpy(dtype=bool)):
                problems.append(Problem(raw.file, int(raw.rows[i]), col, child.iloc[i],
                                        f"must exist in {target}.{tcol}"))

    if "employer_ratings" in typed and "graduates" in typed:
        ratings, grads = typed["employer_ratings"], typed["graduates"]
        employer_of = grads.dropna(subset=["student_id"]).drop_duplicates("student_id")
        employer_of = employer_of.set_index("student_id")["employer_id"]
        expected = ratings["student_id"].map(employer_of)
        bad = (ratings["student_id"].isin(employer_of.index) & ratings["employer_id"].notna()
               & (expected.isna() | (expected != ratings["employer_id"]).fillna(True)))
        raw = raws["employer_ratings"]
        for i in np.flatnonzero(bad.to_numpy(dtype=bool)):
            exp = expected.iloc[i]
            exp_txt = "no employer" if exp is pd.NA or pd.isna(exp) else repr(exp)
            problems.append(Problem(raw.file, int(raw.rows[i]), "employer_id",
                                    ratings["employer_id"].iloc[i],
                                    f"must be the rated graduate's employer_id (graduates has {exp_txt})"))
    for raw in raws.values():
        problems = _with_headers(raw, problems)
    return typed, problems


def _treated_major_derived(raws: Mapping[str, RawTable]) -> bool:
    """Is graduates' ``treated_major`` left out of the file and given by programmes'
    ``reform_year`` instead?"""
    return ("graduates" in raws and "treated_major" not in raws["graduates"].text.columns
            and "programmes" in raws and "reform_year" in raws["programmes"].text.columns)


def _reform_years_in_graduates(raw: RawTable, grads: pd.DataFrame, programmes: pd.DataFrame
                               ) -> tuple[pd.DataFrame, list[Problem]]:
    """Graduates with ``treated_major`` derived from programmes' reform years when the file
    leaves it out, or checked against them when it gives it.

    A college × major is reformed iff its programme rows give a reform year. Problems are
    reported once per college × major (its first graduates row, with the number of rows), not
    once per graduate: a whole major disagrees at once.
    """
    reform = programmes.dropna(subset=["college", "major"]).drop_duplicates(["college", "major"])
    reform_index = pd.MultiIndex.from_arrays([reform["college"].astype("string"),
                                              reform["major"].astype("string")])
    reform_year = reform["reform_year"].astype("Float64").to_numpy(dtype=float,
                                                                   na_value=np.nan)
    has_key = grads[["college", "major"]].notna().all(axis=1).to_numpy(dtype=bool)
    codes, units = pd.factorize(pd.MultiIndex.from_arrays(
        [grads["college"].astype("string").fillna(""), grads["major"].astype("string").fillna("")]))
    unit_pos = reform_index.get_indexer(units)
    unit_year = np.where(unit_pos >= 0, reform_year[np.maximum(unit_pos, 0)], np.nan)
    known = (unit_pos >= 0)[codes] & has_key
    reformed = ~np.isnan(unit_year)[codes] & known
    problems: list[Problem] = []

    def report_once(mask: np.ndarray, column: str, value, rule) -> None:
        rows = np.flatnonzero(mask)
        unit_codes, first, count = np.unique(codes[rows], return_index=True, return_counts=True)
        for u, i, n in sorted(zip(unit_codes, rows[first], count, strict=True),
                              key=lambda t: t[1]):
            problems.append(Problem(raw.file, int(raw.rows[i]), column, value(i, units[u]),
                                    rule(unit_year[u], int(n))))

    if "treated_major" not in grads:
        report_once(has_key & ~known, "college+major", lambda i, unit: " / ".join(unit),
                    lambda year, n: "treated_major is not in the file and is derived from "
                                    "programmes.reform_year, but programmes has no row for this "
                                    "college × major: add its rows (reform_year empty if it was "
                                    "never reformed) or give treated_major; "
                                    f"{n} row(s), the first shown")
        derived = pd.array(reformed, dtype="boolean")
        derived[~known] = pd.NA
        grads = grads.assign(treated_major=derived)
        return grads[[f for f in field_names("graduates", optional=True) if f in grads]], problems
    given = grads["treated_major"].notna().to_numpy(dtype=bool)
    treated = grads["treated_major"].fillna(False).to_numpy(dtype=bool)
    report_once(given & known & (treated != reformed), "treated_major",
                lambda i, unit: bool(treated[i]),
                lambda year, n: "must agree with programmes.reform_year, which is "
                                + ("empty (never reformed)" if np.isnan(year) else str(int(year)))
                                + " for this college × major (so treated_major must be "
                                + ("false" if np.isnan(year) else "true")
                                + f"); {n} row(s) of it disagree, the first shown")
    report_once(given & treated & ~known & has_key, "treated_major", lambda i, unit: True,
                lambda year, n: "a reformed major needs a reform year, but programmes (which has "
                                "a reform_year column) has no row for this college × major; "
                                f"{n} row(s), the first shown")
    return grads, problems


class ReformYearsUnknown(ValueError):
    """The data give no reform years and no single reform cohort was supplied."""


def reform_years(data, reform_cohort: int | None = None) -> pd.DataFrame:
    """The reform year of every college × major in the data (first reformed graduation cohort).

    The reform years come from the ``reform_year`` column of programmes when the data have one
    (reforms that start in different years: a staggered design). Older data sets have only
    graduates' ``treated_major``: every reformed major then gets the one date ``reform_cohort``,
    or, when that is not given, the ``reform_cohort`` the data's origin records (the synthetic
    scenarios write it into ``datapackage.json``). ``reform_cohort`` is only this fallback: data
    with reform years keep their own.

    Parameters
    ----------
    data : TalentData or mapping of DataFrame
        Validated tables (:func:`talentlab.load_all`, or a dict with ``graduates`` and / or
        ``programmes``, optionally ``origin``).
    reform_cohort : int, optional
        The single reform date of a data set without reform years.

    Returns
    -------
    DataFrame
        ``college``, ``major`` (string) and ``reform_year`` (Int64; missing = never reformed),
        one row per college × major found in graduates or programmes, sorted. ``attrs["source"]``
        says where the years came from (``"programmes.reform_year"`` or
        ``"treated_major + reform_cohort <year>"``).

    Raises
    ------
    ReformYearsUnknown
        No ``reform_year`` column, and no ``reform_cohort`` given or recorded in the origin.

    Examples
    --------
    >>> import pandas as pd
    >>> grads = pd.DataFrame({"college": ["A", "A", "B"], "major": ["IC", "Software", "IC"],
    ...                       "treated_major": [True, False, True]})
    >>> reform_years({"graduates": grads}, reform_cohort=2022)
      college     major  reform_year
    0       A        IC         2022
    1       A  Software         <NA>
    2       B        IC         2022
    >>> programmes = pd.DataFrame({"college": ["A", "A", "B", "B"],
    ...                            "major": ["IC", "Software", "IC", "IC"],
    ...                            "year": [2019, 2019, 2019, 2020],
    ...                            "reform_year": pd.array([2020, None, 2022, 2022], dtype="Int64")})
    >>> years = reform_years({"graduates": grads, "programmes": programmes})
    >>> years["reform_year"].tolist(), years.attrs["source"]
    ([2020, <NA>, 2022], 'programmes.reform_year')
    """
    def table(name: str) -> pd.DataFrame | None:
        if isinstance(data, Mapping):
            return data.get(name)
        return getattr(data, name, None)

    origin = (data.get("origin") if isinstance(data, Mapping)
              else getattr(data, "origin", None)) or {}
    grads, programmes = table("graduates"), table("programmes")
    units = [t[["college", "major"]] for t in (grads, programmes) if t is not None]
    if not units:
        raise ReformYearsUnknown("reform years need graduates or programmes (neither supplied) / "
                                 "需要 graduates 或 programmes 表")
    out = (pd.concat(units, ignore_index=True).astype("string").dropna()
           .drop_duplicates().sort_values(["college", "major"], kind="stable")
           .reset_index(drop=True))
    keys = pd.MultiIndex.from_frame(out)
    if programmes is not None and "reform_year" in programmes:
        given = programmes.dropna(subset=["college", "major"])
        given = given.drop_duplicates(["college", "major"])
        index = pd.MultiIndex.from_arrays([given["college"].astype("string"),
                                           given["major"].astype("string")])
        years = pd.Series(given["reform_year"].astype("Int64").to_numpy(), index=index)
        out["reform_year"] = years.reindex(keys).to_numpy()
        out["reform_year"] = out["reform_year"].astype("Int64")
        out.attrs["source"] = "programmes.reform_year"
        return out
    if reform_cohort is None:
        reform_cohort = origin.get("reform_cohort")
    if reform_cohort is None or grads is None or "treated_major" not in grads:
        raise ReformYearsUnknown(
            "the data give no reform years (no reform_year column in programmes) and no single "
            "reform cohort is known: pass reform_cohort=<first reformed graduation cohort> / "
            "数据中没有改革年份（programmes 表无 reform_year 列），也未给出统一的改革届别")
    if isinstance(reform_cohort, bool) or not float(reform_cohort).is_integer():
        raise ReformYearsUnknown(f"reform_cohort must be a whole year, not {reform_cohort!r}")
    treated = grads.dropna(subset=["college", "major"])
    treated = treated[treated["treated_major"].fillna(False).astype(bool)]
    reformed = pd.MultiIndex.from_frame(treated[["college", "major"]].astype("string"))
    out["reform_year"] = pd.array(np.where(keys.isin(reformed), int(reform_cohort), 0),
                                  dtype="Int64")
    out.loc[~keys.isin(reformed), "reform_year"] = pd.NA
    out.attrs["source"] = f"treated_major + reform_cohort {int(reform_cohort)}"
    return out


def cross_table_rules_not_checked(supplied: Iterable[str]) -> list[str]:
    """The rules between two tables that could not be checked because one table was not
    supplied (:func:`validate_tables` checks a rule only where both tables are present).

    Examples
    --------
    >>> cross_table_rules_not_checked(["employer_ratings"])
    ['employer_ratings.student_id must exist in graduates.student_id', "employer_ratings.employer_id must be the rated graduate's employer_id in graduates"]
    >>> cross_table_rules_not_checked(["graduates", "evaluations"])
    []
    """
    supplied = set(supplied)
    rules = []
    for name in sorted(supplied, key=lambda n: [r["name"] for r in
                                                shared_contract()["resources"]].index(n)):
        for fk in resource(name)["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"]
            if target not in supplied:
                (col,), (tcol,) = fk["fields"], fk["reference"]["fields"]
                rules.append(f"{name}.{col} must exist in {target}.{tcol}")
        if name == "employer_ratings" and "graduates" not in supplied:
            rules.append("employer_ratings.employer_id must be the rated graduate's employer_id "
                         "in graduates")
    return rules


# --------------------------------------------------------------------------------------------
# the human-readable codebook
# --------------------------------------------------------------------------------------------
def _constraint_text(fdesc: dict) -> str:
    cons = fdesc.get("constraints", {})
    parts = []
    if "enum" in cons:
        parts.append("one of " + ", ".join(f"`{v}`" for v in cons["enum"]))
    if "minimum" in cons and "maximum" in cons:
        parts.append(f"{cons['minimum']}–{cons['maximum']}")
    elif "minimum" in cons:
        parts.append(f">= {cons['minimum']}")
    elif "maximum" in cons:
        parts.append(f"<= {cons['maximum']}")
    if cons.get("unique"):
        parts.append("unique")
    return "; ".join(parts)


def render_codebook(tables: Iterable[str] | None = None) -> str:
    """Markdown codebook of the contract (the body of ``data/raw/README.md``).

    Generated from the descriptor, so the documentation and the validation cannot drift.
    """
    base = shared_contract()
    names = list(tables) if tables is not None else [r["name"] for r in base["resources"]]
    out = []
    for name in names:
        res = resource(name)
        spec = res["schema"]
        out.append(f"### `{name}` — {res['title']} / {res['title_zh']}\n")
        out.append(f"{res['description']} Unit of observation: {res['unit_of_observation']}. "
                   f"File: `{res['path']}` (also `.xlsx` or `.parquet`). "
                   f"Key: {', '.join(f'`{k}`' for k in spec['primaryKey'])}.\n")
        out.append("| field | type | required | unit | allowed values | meaning | 含义 |")
        out.append("|---|---|---|---|---|---|---|")
        for f in spec["fields"]:
            req = "yes" if f.get("constraints", {}).get("required") else "no"
            out.append(f"| `{f['name']}` | {f['type']} | {req} | {f.get('unit', '')} | "
                       f"{_constraint_text(f)} | {f['description']} | {f['description_zh']} |")
        rules = CROSS_FIELD_RULES.get(name, [])
        fks = spec.get("foreignKeys", [])
        if rules or fks:
            out.append("\nRules across fields and tables:\n")
            out += [f"- {r}" for r in rules]
        out.append("")
    return "\n".join(out)
