"""From executed notebooks to a reviewer's report: the findings ledger (``findings.csv``,
``findings.md``, ``index.html``) from the ``results.json`` and ``*_claims.csv`` files the notebooks
wrote and the claims of the paper, the privacy scan, the publication checks and the manifest."""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import pandas as pd

from talentlab.data.atomic import atomic_write_text
from talentlab.report.export import CSV_BOM
from talentlab.report.identifiers import check_identifiers
from talentlab.report.ledger import (
    findings_ledger,
    findings_markdown,
    ledger_columns,
    render_index,
)
from talentlab.report.manifest import write_manifest

PACKAGES = ("talentlab", "pandas", "numpy", "scipy", "statsmodels", "pingouin", "lifelines",
            "seaborn", "matplotlib", "papermill", "nbconvert", "pyarrow", "mplfonts")


def software_versions(packages: Iterable[str] = PACKAGES) -> dict[str, str]:
    out = {}
    for name in packages:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    import platform

    out["python"] = platform.python_version()
    return out



def collect_notebooks(report_dir: Path) -> tuple[list[dict], list[pd.DataFrame]]:
    """The notebook folders of a report (``NN_name/``): their pages and ``results.json``, and
    the claims tables (``*_claims.csv``) they wrote, each evidence link made relative to the
    report folder."""
    verdicts, notebooks = [], []
    for nb_dir in sorted(p for p in report_dir.iterdir() if p.is_dir() and p.name[:2].isdigit()):
        results = nb_dir / "results.json"
        entry = {"name": nb_dir.name, "html": f"{nb_dir.name}/{nb_dir.name}.html",
                 "results": json.loads(results.read_text(encoding="utf-8")) if results.exists()
                 else {}}
        notebooks.append(entry)
        for csv in sorted(nb_dir.glob("*_claims.csv")):
            v = pd.read_csv(csv, dtype={"claim_id": str})
            if "evidence_link" not in v:
                v["evidence_link"] = entry["html"]
            else:
                v["evidence_link"] = v["evidence_link"].fillna("").map(
                    lambda a, e=entry: f"{e['html']}{a}" if str(a).startswith("#") else (a or e["html"]))
            verdicts.append(v)
    return notebooks, verdicts


def _check_privacy(report_dir: Path, processed_dir: Path,
                   staged: dict[str, str] | None = None) -> None:
    """Raise :class:`~talentlab.report.publish.PublicationError` when an identifier of the
    processed data is in the report folder or in the build's own ``staged`` files."""
    from talentlab.data.io import load_all

    check_identifiers(report_dir, load_all(processed_dir).tables(), staged)


def absent_tables(manifest: dict) -> list[str]:
    """The record tables a processed data set does not hold: its manifest's ``tables_absent``,
    else those without a row count (a manifest written before the key existed).

    Examples
    --------
    >>> absent_tables({"rows": {"graduates": 5}})
    ['employer_ratings', 'evaluations', 'programmes']
    """
    from talentlab.data.schema import RECORD_TABLES

    if "tables_absent" in manifest:
        return [str(t) for t in manifest["tables_absent"]]
    rows = manifest.get("rows", {})
    return [t for t in RECORD_TABLES if t not in rows]


def published_rates_table(processed_dir: Path, min_cell: int) -> pd.DataFrame | None:
    """The processed data's published rates (``published_rates.parquet``) as they may be
    published: each rate with the interval its rounding allows
    (:func:`talentlab.indicators.from_published_rates`), a rate of fewer than ``min_cell``
    graduates blanked with its complements (the one disclosure rule,
    :func:`talentlab.report.disclosure.publishable_indicators`); ``None`` without such a table."""
    from talentlab.data.io import load_all
    from talentlab.indicators import from_published_rates
    from talentlab.indicators.published import PUBLISHED_GROUP_COLUMNS
    from talentlab.report.disclosure import publishable_indicators

    if not (processed_dir / "published_rates.parquet").exists():
        return None
    rates = from_published_rates(load_all(processed_dir).published_rates)
    by = [c for c in PUBLISHED_GROUP_COLUMNS if c in rates.columns]
    return publishable_indicators(rates, by, min_cell)


def _published_rates_markdown(rates: pd.DataFrame) -> str:
    """The findings.md section of the published rates (their table is published_rates.csv)."""
    shown = [c for c in ("college", "major", "cohort", "group", "indicator", "n",
                         "rate_published", "numerator_low", "numerator_high", "estimate",
                         "ci_low", "ci_high", "suppressed") if c in rates.columns]
    lines = ["", "## Published rates / 公开发布的比率", "",
             "Rates as published with their group sizes (`published_rates.csv`): the numerator "
             "is known only to the range the rounding allows, and the interval holds the Wilson "
             "interval of every numerator in that range. A rate of a group below the disclosure "
             "threshold is blanked. / 按公布的比率与人数计算；分子仅知其范围，区间覆盖该范围内"
             "每个分子的 Wilson 区间。", "",
             "| " + " | ".join(shown) + " |", "|" + "---|" * len(shown)]
    for row in rates[shown].itertuples(index=False):
        cells = ["" if pd.isna(v) else f"{v:.4f}" if isinstance(v, float) else str(v)
                 for v in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _load_claims(claims_path):
    from talentlab.data.paper import load_claims

    return load_claims(claims_path)


def build_report(report_dir: str | os.PathLike, processed_dir: str | os.PathLike, *,
                 claims_path: str | os.PathLike | None = None,
                 check_privacy: bool = True, min_cell: int | None = None) -> Path:
    """Write ``index.html``, ``findings.md``, ``findings.csv`` and the manifest of a report folder.

    The steps: read what the notebooks wrote (:func:`collect_notebooks`), refuse small cells
    before anything is written, join the claims of the paper with their verdicts
    (:func:`talentlab.report.ledger.findings_ledger`), render the ledger as CSV, Markdown and
    HTML in memory, scan the folder and these three for identifiers
    (:func:`talentlab.report.identifiers.check_identifiers`: a leak raises
    :class:`talentlab.report.publish.PublicationError` before anything is written), write
    them, check the whole folder and write the manifest.

    Before the manifest is written every published table is checked for small cells (threshold
    ``min_cell``, default :data:`talentlab.data.disclosure.MIN_CELL`), every CSV for
    spreadsheet formulas, every HTML page for dead links and executable content
    (:func:`talentlab.report.publish.check_report`); any problem raises
    :class:`talentlab.report.publish.PublicationError` naming the file, table, row and column.
    The raw data's checksums come from the processed data's ``manifest.json``.
    """
    from talentlab.data.disclosure import check_min_cell
    from talentlab.report import publish

    report_dir, processed_dir = Path(report_dir), Path(processed_dir)
    manifest = json.loads((processed_dir / "manifest.json").read_text(encoding="utf-8"))
    origin, raw_sums = manifest["origin"], manifest["raw_sha256"]
    absent = absent_tables(manifest)
    claims = _load_claims(claims_path)
    notebooks, verdicts = collect_notebooks(report_dir)
    min_cell = check_min_cell(min_cell)
    # nothing is written when a notebook published a small cell (a findings.csv of an earlier
    # run is not the notebooks' and is rewritten below)
    disclosure_problems, _ = publish.disclosure_problems(report_dir, min_cell,
                                                         skip_files=["findings.csv"])
    if disclosure_problems:
        publish.check_report(report_dir, min_cell)  # raises, listing every problem
    ledger = findings_ledger(claims, verdicts)
    # the build's own files are staged in memory and scanned for identifiers before any is
    # written: a leak leaves no new findings.* or index.html behind
    staged = {"findings.csv": publish.prepare_table(
        ledger[ledger_columns(ledger, claims)], min_cell).to_csv(
        index=False, lineterminator="\n", float_format="%.6g")}
    # the summary on the page counts what is published, findings.csv included, on every run
    _, disclosure = publish.disclosure_problems(report_dir, min_cell, staged=staged)
    versions = software_versions()
    staged["findings.md"] = findings_markdown(ledger, origin, notebooks, raw_sums, versions,
                                              absent_tables=absent)
    rates = published_rates_table(processed_dir, min_cell)
    if rates is not None:  # what a folder of published rates alone can give: rates, intervals
        staged["published_rates.csv"] = publish.prepare_table(rates, min_cell).to_csv(
            index=False, lineterminator="\n", float_format="%.6g")
        staged["findings.md"] += _published_rates_markdown(rates)
    staged["index.html"] = render_index(ledger, claims, notebooks, origin, raw_sums, versions,
                                        disclosure, absent_tables=absent,
                                        published_rates="published_rates.csv" in staged)
    # every published CSV starts with the UTF-8 byte-order mark (Excel on Chinese Windows)
    staged = {name: (CSV_BOM + text if name.endswith(".csv") and not text.startswith(CSV_BOM)
                     else text) for name, text in staged.items()}
    if check_privacy:
        _check_privacy(report_dir, processed_dir, staged)
    write_staged_report(report_dir, staged, min_cell)
    return report_dir / "index.html"


def write_staged_report(report_dir: str | os.PathLike, staged: dict[str, str],
                        min_cell: int) -> None:
    """Write the build's ``staged`` files (name -> text), check the whole folder
    (:func:`talentlab.report.publish.check_report`) and write ``MANIFEST.sha256``: all or
    nothing.

    Each file is replaced atomically; when a check or a write fails, every file this step
    replaced gets its earlier bytes back (a file it created is removed) and the error is
    raised, so the folder holds the earlier report, never a half-written one.

    Examples
    --------
    >>> import tempfile
    >>> from talentlab.report.publish import PublicationError
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "index.html").write_text("<p>old</p>")
    >>> try:
    ...     write_staged_report(d, {"index.html": '<a href="gone.html">x</a>'}, 10)
    ... except PublicationError:
    ...     pass
    >>> (d / "index.html").read_text()
    '<p>old</p>'
    """
    from talentlab.data.atomic import atomic_write_bytes
    from talentlab.report import publish
    from talentlab.report.manifest import MANIFEST_NAME

    report_dir = Path(report_dir)
    earlier = {name: (report_dir / name).read_bytes() if (report_dir / name).is_file() else None
               for name in [*staged, MANIFEST_NAME]}
    try:
        for name, text in staged.items():
            atomic_write_text(report_dir / name, text)
        publish.check_report(report_dir, min_cell)
        write_manifest(report_dir)
    except BaseException:
        for name, data in earlier.items():
            if data is None:
                (report_dir / name).unlink(missing_ok=True)
            else:
                atomic_write_bytes(report_dir / name, data)
        raise
