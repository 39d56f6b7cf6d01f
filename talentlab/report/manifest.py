"""The result files of a report folder, their checksums (``MANIFEST.sha256``) and the comparison
of a rerun with them (``make verify``)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from talentlab.data.atomic import atomic_write_text

RESULT_SUFFIXES = {".csv", ".json", ".png", ".svg", ".html", ".ipynb", ".md"}
MANIFEST_NAME = "MANIFEST.sha256"


def result_files(report_dir: str | os.PathLike) -> list[Path]:
    """Every result file of a report folder (relative paths, sorted), other data sets excluded."""
    report_dir = Path(report_dir)
    files = []
    for p in sorted(report_dir.rglob("*")):
        rel = p.relative_to(report_dir)
        if not p.is_file() or rel.parts[0] == "datasets" or p.name == MANIFEST_NAME:
            continue
        if p.suffix in RESULT_SUFFIXES and not p.name.endswith((".tmp", ".run.ipynb")):
            files.append(rel)
    return files


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_manifest(report_dir: str | os.PathLike) -> Path:
    """``MANIFEST.sha256`` (``sha256sum`` format) over every result file."""
    report_dir = Path(report_dir)
    lines = [f"{_sha(report_dir / rel)}  {rel.as_posix()}" for rel in result_files(report_dir)]
    path = report_dir / MANIFEST_NAME
    atomic_write_text(path, "\n".join(lines) + "\n")
    return path


def verify_reports(reference: str | os.PathLike, candidate: str | os.PathLike) -> list[str]:
    """Compare a rerun (``candidate``) with the manifest of ``reference``; returns the differences."""
    reference, candidate = Path(reference), Path(candidate)
    expected = {}
    for line in (reference / MANIFEST_NAME).read_text().splitlines():
        digest, rel = line.split("  ", 1)
        expected[rel] = digest
    found = {rel.as_posix(): _sha(candidate / rel) for rel in result_files(candidate)}
    diffs = []
    for rel in sorted(set(expected) | set(found)):
        if rel not in found:
            diffs.append(f"missing in rerun: {rel}")
        elif rel not in expected:
            diffs.append(f"not in manifest: {rel}")
        elif expected[rel] != found[rel]:
            diffs.append(f"differs: {rel}")
    return diffs
