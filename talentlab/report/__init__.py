"""From executed notebooks to a reviewer's report.

Every notebook run by ``make reproduce`` writes into its own folder ``<reports>/<notebook>/``: the
executed notebook, its HTML, its figures, its tables (CSV) and ``results.json``. The stage is split
by job:

* :mod:`talentlab.report.export` — ``results.json`` and published CSV tables
  (:func:`publish_results` writes a case study's result object);
* :mod:`talentlab.report.notebooks` — normalised notebooks (identical bytes on a rerun) and
  offline HTML;
* :mod:`talentlab.report.ledger` — the findings ledger (``findings.csv``, ``findings.md``,
  ``index.html``);
* :mod:`talentlab.report.build` — :func:`build_report`, the whole report folder;
* :mod:`talentlab.report.manifest` — checksums (``MANIFEST.sha256``) and :func:`verify_reports`;
* :mod:`talentlab.report.identifiers` — the privacy scan;
* :mod:`talentlab.report.publish`, :mod:`talentlab.report.disclosure` — publication checks and
  small-cell suppression; figures in :mod:`talentlab.report.figures`,
  :mod:`talentlab.report.figures_qca`, :mod:`talentlab.report.figures_configurational` with one
  theme and one label lookup (:mod:`talentlab.report.plotting`).

The names below are re-exported here so ``from talentlab.report import build_report`` keeps working.
"""

from __future__ import annotations

from talentlab.report.build import PACKAGES, build_report, software_versions
from talentlab.report.export import publish_results, write_results, write_table
from talentlab.report.identifiers import (
    IDENTIFIER_COLUMNS,
    identifier_values,
    scan_for_identifiers,
)
from talentlab.report.ledger import (
    VERDICT_ORDER,
    findings_ledger,
    render_index,
    verdict_rules_summary,
)
from talentlab.report.manifest import (
    MANIFEST_NAME,
    RESULT_SUFFIXES,
    result_files,
    verify_reports,
    write_manifest,
)
from talentlab.report.notebooks import (
    PROJECT_ROOT,
    escape_markdown_html,
    finalize_notebook,
    merge_parameter_cells,
    normalize_notebook,
    notebook_to_html,
)

__all__ = [
    "IDENTIFIER_COLUMNS", "MANIFEST_NAME", "PACKAGES", "PROJECT_ROOT", "RESULT_SUFFIXES",
    "VERDICT_ORDER", "build_report", "escape_markdown_html", "finalize_notebook",
    "findings_ledger", "identifier_values", "merge_parameter_cells", "normalize_notebook",
    "notebook_to_html", "publish_results", "render_index", "result_files", "scan_for_identifiers",
    "software_versions", "verdict_rules_summary", "verify_reports", "write_manifest",
    "write_results", "write_table",
]
