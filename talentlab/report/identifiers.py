"""Privacy scan of a report folder: no identifier column name or value of the input may reach
a published file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from talentlab.report.manifest import result_files

IDENTIFIER_COLUMNS = {
    "graduates": ("student_id", "employer_id"),
    "employer_ratings": ("rating_id", "student_id", "employer_id", "rater_id"),
    "evaluations": ("student_id", "evaluator_id"),
}


def identifier_values(tables: dict[str, pd.DataFrame]) -> set[str]:
    values: set[str] = set()
    for name, cols in IDENTIFIER_COLUMNS.items():
        if name in tables:
            for col in cols:
                values |= set(tables[name][col].dropna().astype(str))
    return values


_EMBEDDED = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=\\n]+|\"image/png\": \"[^\"]*\"")


def scan_for_identifiers(report_dir: str | os.PathLike, tables: dict[str, pd.DataFrame]) -> list[str]:
    """Every report file that contains an identifier column name or value of the input."""
    values = identifier_values(tables)
    names = {c for cols in IDENTIFIER_COLUMNS.values() for c in cols}
    token = re.compile(r"[A-Za-z0-9_\-]+")
    leaks = []
    for rel in result_files(report_dir):
        path = Path(report_dir) / rel
        if path.suffix in {".png"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        text = _EMBEDDED.sub("", text)  # base64 images could match short ids by chance
        if path.suffix in {".csv"}:
            header = text.splitlines()[0].split(",") if text else []
            bad_cols = sorted(names & {h.strip() for h in header})
            if bad_cols:
                leaks.append(f"{rel}: identifier column(s) {', '.join(bad_cols)}")
        hits = values & set(token.findall(text))
        if hits:
            leaks.append(f"{rel}: identifier value(s) such as {sorted(hits)[:3]}")
    return leaks
