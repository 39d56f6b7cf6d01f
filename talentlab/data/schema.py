"""The raw-data contract and its validation, under one name.

The contract is one Frictionless Data Package descriptor, ``talentlab/data/contract/datapackage.json``:
every table, field, type, unit, allowed value and key, with English and Chinese descriptions.
It is the single source of truth for

* validation (types, required fields, ranges, allowed values, unique keys, foreign keys, and the
  cross-field and cross-table rules a Table Schema cannot express, listed in
  :data:`CROSS_FIELD_RULES`),
* the human-readable codebook ``data/raw/README.md`` (:func:`render_codebook`), and
* the descriptor written next to every data set (:func:`write_datapackage`).

Validation works on the text of the file (every cell read as a string), so an error can quote the
offending value exactly as the user typed it, and it collects every problem before raising one
:class:`DataValidationError`.

The code lives in four modules by concern, and every public name is importable from here:
:mod:`talentlab.data.descriptor` (the contract's tables and fields, ``datapackage.json``, the
codebook), :mod:`talentlab.data.problems` (:class:`Problem`, :class:`DataValidationError`),
:mod:`talentlab.data.validation` (:class:`RawTable`, :func:`validate_table`,
:func:`validate_tables`) and :mod:`talentlab.data.reforms` (:func:`reform_years`).
"""

from __future__ import annotations

# The atomic writes live in talentlab.data.atomic (file I/O, not the contract); still importable
# from here for callers that have not moved yet.
from talentlab.data.atomic import atomic_write_bytes, atomic_write_text
from talentlab.data.descriptor import (
    CONTRACT_PATH,
    COUNT_COLUMN,
    CROSS_FIELD_RULES,
    DESTINATIONS,
    EMPLOYED,
    EMPLOYEES,
    ORIGINAL_SUFFIX,
    PAPER_TABLES,
    RECORD_TABLES,
    absent_allowed,
    contract,
    field_names,
    fields,
    layout_fields,
    missing_values,
    render_codebook,
    resource,
    shared_contract,
    write_datapackage,
)
from talentlab.data.problems import DataValidationError, Problem, as_typed, rule_zh, shorten
from talentlab.data.reforms import ReformYearsUnknown, reform_years
from talentlab.data.validation import (
    FALSE_TOKENS,
    MAX_UNKNOWN_LISTED,
    TRUE_TOKENS,
    RawTable,
    cross_table_rules_not_checked,
    published_numerator_range,
    typed_column,
    validate_table,
    validate_tables,
)

__all__ = [
    "CONTRACT_PATH", "COUNT_COLUMN", "CROSS_FIELD_RULES", "DESTINATIONS", "EMPLOYED", "EMPLOYEES",
    "FALSE_TOKENS", "MAX_UNKNOWN_LISTED", "ORIGINAL_SUFFIX", "PAPER_TABLES", "RECORD_TABLES",
    "TRUE_TOKENS", "DataValidationError", "Problem", "RawTable", "ReformYearsUnknown",
    "absent_allowed", "as_typed", "atomic_write_bytes", "atomic_write_text", "contract",
    "cross_table_rules_not_checked", "field_names", "fields", "layout_fields", "missing_values",
    "published_numerator_range", "reform_years", "render_codebook", "resource", "rule_zh",
    "shared_contract", "shorten", "typed_column", "validate_table", "validate_tables",
    "write_datapackage",
]
