"""The contract descriptor: its tables and fields, the descriptor written beside a data set, the codebook.

The contract is one Frictionless Data Package descriptor, ``talentlab/data/contract/datapackage.json``:
every table, field, type, unit, allowed value and key, with English and Chinese descriptions.
This module reads it (:func:`shared_contract`, :func:`resource`, :func:`fields`, ...), writes the
``datapackage.json`` of a data folder (:func:`write_datapackage`) and renders the human-readable
codebook ``data/raw/README.md`` (:func:`render_codebook`). The validation against it is
:mod:`talentlab.data.validation`; :mod:`talentlab.data.schema` gathers both under one name.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from talentlab.data.atomic import atomic_write_text

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
