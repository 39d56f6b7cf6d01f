"""What may leave the project as a report: disclosure control, formula-safe CSV and live links.

The report build (:func:`talentlab.report.build_report`) calls :func:`check_report` on the whole
report folder and fails, naming file, table, row, column and value, when

* **disclosure**: a published table (a CSV file, or a table a notebook displayed) shows a count of
  people ``0 < n < min_cell`` (primary suppression missing), or a row or column of a table whose
  totals are published has exactly one suppressed cell, or a block of a tidy table exactly one
  suppressed row (secondary suppression missing: the hidden cell follows from the total);
* **formula injection**: a CSV cell starts with ``=``, ``+``, ``-``, ``@``, tab or carriage return
  and is not a number (a spreadsheet would run it; OWASP "CSV Injection");
* **links**: an ``href`` or ``src`` of an HTML page does not resolve offline (missing file or
  missing ``#fragment``), loads a resource from the network, or is a ``javascript:`` URL;
* **executable content**: an HTML page contains a script, an event-handler attribute
  (``onerror=``), an ``<iframe>``/``<object>``/``<embed>``/``<base>`` or a meta refresh.

Count columns are recognised by name (:data:`COUNT_COLUMNS`); in a table with a ``Total`` row or
column every numeric cell is a count. A notebook whose tables describe no people (the six-case
comparison: cases coded from the paper) says so in ``results.json`` under
``"disclosure_exempt"``; the report lists the exemption and its reason.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd

from talentlab.data.disclosure import MIN_CELL, check_min_cell
from talentlab.report import disclosure as _disclosure

#: Columns holding counts of people: these must be 0 or at least the threshold where shown.
COUNT_COLUMNS = frozenset({
    "n", "count", "numerator", "denominator", "events", "n_events", "censored", "n_at_risk",
    "n_excluded", "n_unknown", "n_graduates", "n_students", "n_treated",
    "n_comparison", "n_control", "n_dropped_missing", "frequency", "人数"})
#: Counts of people with a characteristic inside a published group: shown only when 0 or at least
#: the threshold, else as ``<min_cell`` (cell suppression by :func:`prepare_table`).
ATTRIBUTE_COUNT_COLUMNS = frozenset({"numerator", "events", "n_events", "censored", "n_excluded",
                                     "n_unknown", "n_dropped_missing"})
TOTAL_LABELS = frozenset({"Total", "total", "合计", "All"})
EXEMPT_KEY = "disclosure_exempt"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?%?$")


class PublicationError(RuntimeError):
    """A report would publish something it must not (small cell, formula, dead link)."""


# ----------------------------------------------------------------------------------------------
# CSV formula injection
# ----------------------------------------------------------------------------------------------
def neutralise_formula(value):
    """Prefix a text cell that a spreadsheet would run as a formula with an apostrophe.

    Numbers (``-0.5``, ``+3``) stay as they are; everything else starting with ``=``, ``+``,
    ``-``, ``@``, tab or carriage return gets a leading ``'`` (OWASP, *CSV Injection*).

    Examples
    --------
    >>> neutralise_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralise_formula("-0.25"), neutralise_formula("IC Design"), neutralise_formula(3)
    ('-0.25', 'IC Design', 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(
            value.strip()):
        return "'" + value
    return value


def neutralise_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells and column names cannot run as spreadsheet formulas."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
            out[col] = s.astype(object).map(neutralise_formula)
    out.columns = [neutralise_formula(c) if isinstance(c, str) else c for c in out.columns]
    return out


def suppress_attribute_counts(df: pd.DataFrame, min_cell: int = MIN_CELL,
                              mark: bool = True) -> pd.DataFrame:
    """Show counts of people with a characteristic (:data:`ATTRIBUTE_COUNT_COLUMNS`) below the
    threshold as ``<min_cell`` (cell suppression; zero stays zero), or blank them
    (``mark=False``: for typed outputs such as parquet, whose number columns hold no text).

    Examples
    --------
    >>> t = pd.DataFrame({"n": [150, 200], "n_unknown": [6, 14]})
    >>> suppress_attribute_counts(t)["n_unknown"].tolist()
    ['<10', 14]
    >>> suppress_attribute_counts(t, mark=False)["n_unknown"].tolist()
    [nan, 14.0]
    """
    min_cell = check_min_cell(min_cell)
    out = df.copy()
    for col in out.columns:
        if str(col) not in ATTRIBUTE_COUNT_COLUMNS:
            continue
        values = out[col].map(_num).to_numpy(dtype=float)
        small = np.isfinite(values) & (values > 0) & (values < min_cell)
        if not small.any():
            continue
        if mark:
            out[col] = out[col].astype(object).mask(small, f"<{min_cell}")
        else:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64").mask(small)
    return out


def prepare_table(df: pd.DataFrame, min_cell: int | None = None) -> pd.DataFrame:
    """What every published CSV goes through: attribute counts below the threshold suppressed,
    spreadsheet formulas neutralised."""
    return neutralise_frame(suppress_attribute_counts(
        df, min_cell))


def formula_cells(df: pd.DataFrame) -> list[tuple[int, str, str]]:
    """``(row, column, value)`` of every cell a spreadsheet would run as a formula."""
    hits = [(-1, str(c), str(c)) for c in df.columns
            if isinstance(c, str) and neutralise_formula(c) != c]
    for col in df.columns:
        for i, v in enumerate(df[col].tolist()):
            if isinstance(v, str) and neutralise_formula(v) != v:
                hits.append((i, str(col), v))
    return hits


# ----------------------------------------------------------------------------------------------
# disclosure control
# ----------------------------------------------------------------------------------------------
def _num(v) -> float:
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        t = v.strip().replace(",", "")
        if _NUMBER.match(t) and not t.endswith("%"):
            return float(t)
    return np.nan


def _is_mark(v) -> bool:
    return isinstance(v, str) and v.strip().startswith("<")


def _row_label(df: pd.DataFrame, i: int) -> str:
    labels = [f"{c}={df.iloc[i][c]}" for c in df.columns[:3]
              if not pd.api.types.is_numeric_dtype(df[c]) and str(c) != "suppressed"]
    return f"row {i}" + (f" ({', '.join(labels)})" if labels else "")


def _has_totals(df: pd.DataFrame) -> tuple[bool, bool]:
    col_total = any(str(c).split(" / ")[-1] in TOTAL_LABELS for c in df.columns)
    first = df.iloc[:, 0] if df.shape[1] else pd.Series(dtype=object)
    row_total = any(str(v) in TOTAL_LABELS for v in first.tolist())
    return row_total, col_total


def crosstab_disclosures(df: pd.DataFrame, table: str, min_cell: int = MIN_CELL) -> list[str]:
    """Suppressed cells (``<min_cell`` marks) of a published two-way count table with totals
    whose value follows from the published cells and totals to within fewer than ``min_cell``
    people (:func:`talentlab.report.disclosure.disclosed_cells`: every linear combination, not
    one row or column at a time).

    The first column holds the row labels; a row labelled ``Total`` (``合计``, ``All``) holds
    the column totals, a column so named the row totals. Tables that are not additive counts
    (fractions, text, totals that are not sums) are not audited; a table larger than
    :data:`talentlab.report.disclosure.MAX_AUDIT_CELLS` is itself a problem.

    Examples
    --------
    >>> t = pd.DataFrame({"major": ["A", "B", "M", "Total"], "2019": [30, "<10", "<10", 60],
    ...                   "2020": [25, "<10", "<10", 53], "Total": [55, 51, "<10", 113]})
    >>> for p in crosstab_disclosures(t, "t.csv"):
    ...     print(p)  # doctest: +ELLIPSIS
    t.csv: row 1 (major=B), column '2019' is suppressed but lies within [23, 30] ...
    t.csv: row 1 (major=B), column '2020' is suppressed but lies within [21, 28] ...
    t.csv: row 2 (major=M), column '2019' is suppressed but lies within [0, 7] ...
    t.csv: row 2 (major=M), column '2020' is suppressed but lies within [0, 7] ...
    t.csv: row 2 (major=M), column 'Total' is suppressed but lies within [7, 7] ...
    """
    min_cell = check_min_cell(min_cell)
    labels = df.iloc[:, 0].astype(str).str.strip()
    names = [str(c).split(" / ")[-1].strip() for c in df.columns]
    total_rows = np.flatnonzero(labels.isin(TOTAL_LABELS).to_numpy())
    total_cols = [j for j in range(1, df.shape[1]) if names[j] in TOTAL_LABELS]
    if len(total_rows) > 1 or len(total_cols) > 1:
        return []  # several totals: not one two-way table with margins
    rows = [i for i in range(len(df)) if i not in set(total_rows)] + list(total_rows)
    cols = [j for j in range(1, df.shape[1]) if j not in total_cols] + total_cols
    cells = df.iloc[rows, cols].to_numpy(dtype=object)
    hidden = np.vectorize(_is_mark, otypes=[bool])(cells) if cells.size else np.zeros((0, 0), bool)
    values = np.vectorize(_num, otypes=[float])(cells) if cells.size else np.zeros((0, 0))
    if not cells.size or not hidden.any() or (~hidden & ~np.isfinite(values)).any() or \
            (np.mod(values[~hidden], 1) != 0).any() or (values[~hidden] < 0).any():
        return []  # no suppressed cell, or not a table of counts
    try:
        _disclosure.check_audit_size(cells.size, f"{table}: the table")
    except ValueError as exc:
        return [str(exc)]
    n_rows, n_cols = cells.shape
    body_rows = n_rows - len(total_rows)
    body_cols = n_cols - len(total_cols)

    def at(i, j):
        return i * n_cols + j

    relations = []
    if total_cols:  # each row adds up to its total
        relations += [([at(i, j) for j in range(body_cols)], at(i, n_cols - 1))
                      for i in range(n_rows)]
    if len(total_rows):  # each column adds up to its total
        relations += [([at(i, j) for i in range(body_rows)], at(n_rows - 1, j))
                      for j in range(n_cols)]
    try:
        disclosed = _disclosure.disclosed_cells(np.nan_to_num(values).ravel(), hidden.ravel(),
                                                relations, min_cell)
    except _disclosure.NotAdditive:
        return []  # the totals are not sums of the cells: nothing follows by difference
    problems = []
    for cell, (low, high) in disclosed.items():
        i, j = rows[cell // n_cols], cols[cell % n_cols]
        problems.append(f"{table}: row {i} ({df.columns[0]}={df.iloc[i, 0]}), column "
                        f"{str(df.columns[j])!r} is suppressed but lies within [{low:g}, {high:g}] given the published "
                        f"cells and totals, a range narrower than the threshold {min_cell} "
                        "(secondary suppression missing)")
    return problems


def small_cells(df: pd.DataFrame, table: str, min_cell: int = MIN_CELL) -> list[str]:
    """Every count a published table shows below the threshold, and every missing secondary
    suppression; empty when the table may be published.

    Examples
    --------
    >>> t = pd.DataFrame({"major": ["A", "B"], "n": [4, 40], "estimate": [0.5, 0.7]})
    >>> small_cells(t, "t.csv")
    ["t.csv: row 0 (major=A), column 'n' = 4 is below the threshold 10 (primary suppression)"]
    >>> from talentlab.report.disclosure import suppress_tidy
    >>> small_cells(suppress_tidy(t, by=["major"]), "t.csv")
    []
    """
    min_cell = check_min_cell(min_cell)
    problems: list[str] = []
    if df.empty:
        return problems
    row_total, col_total = _has_totals(df)
    crosstab = row_total or col_total
    shown = ~df["suppressed"].map(lambda v: str(v).strip().lower() in ("true", "1")).to_numpy() \
        if "suppressed" in df.columns else np.ones(len(df), dtype=bool)
    names = [str(c).split(" / ")[-1] for c in df.columns]
    for j, col in enumerate(df.columns):
        values = df.iloc[:, j].map(_num).to_numpy(dtype=float)
        is_count = names[j] in COUNT_COLUMNS or (crosstab and j > 0 and np.isfinite(values).any()
                                                 and not df.iloc[:, j].map(_is_mark).all())
        if not is_count:
            continue
        # a count is a whole number; a fractional value in such a column is an average
        small = shown & np.isfinite(values) & (values > 0) & (values < min_cell) & (
            np.mod(values, 1) == 0)
        for i in np.flatnonzero(small):
            problems.append(f"{table}: {_row_label(df, i)}, column {str(col)!r} = "
                            f"{values[i]:g} is below the threshold {min_cell} "
                            "(primary suppression)")
    # secondary suppression, tables with totals: no suppressed cell follows, to within fewer
    # than min_cell people, from any linear combination of the published cells and totals
    if crosstab:
        problems += crosstab_disclosures(df, table, min_cell)
    # secondary suppression, tidy tables: no block with exactly one suppressed row
    if "suppressed" in df.columns:
        n_col = next((c for c in df.columns if str(c) in ("n", "denominator")), None)
        keys = [c for c in ("indicator", "statistic") if c in df.columns]
        groups = df.groupby(keys, sort=False, dropna=False).indices if keys else {
            None: np.arange(len(df))}
        for key, idx in groups.items():
            idx = np.asarray(idx)
            hidden = ~shown[idx]
            if hidden.sum() != 1 or len(idx) < 2:
                continue
            if n_col is not None:
                others = df.iloc[idx[~hidden]][n_col].map(_num).to_numpy(dtype=float)
                if not (np.isfinite(others) & (others > 0)).any():
                    continue
            problems.append(f"{table}: block {key!r} has exactly one suppressed row "
                            "(secondary suppression missing)")
    return problems


# ----------------------------------------------------------------------------------------------
# HTML: tables shown by notebooks, links
# ----------------------------------------------------------------------------------------------
class _TableParser(HTMLParser):
    """The ``<table>`` elements of an HTML fragment as lists of rows (header rows flagged)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[tuple[bool, list[str]]]] = []
        self._depth = 0
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._in_head = False
        self._row_is_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._depth += 1
            if self._depth == 1:
                self.tables.append([])
        elif self._depth == 1:
            if tag == "thead":
                self._in_head = True
            elif tag == "tr":
                self._row, self._row_is_head = [], self._in_head
            elif tag in ("td", "th") and self._row is not None:
                self._cell = []
                span = dict(attrs).get("colspan")
                self._span = int(span) if span and span.isdigit() else 1

    def handle_endtag(self, tag):
        if tag == "table":
            self._depth -= 1
        elif self._depth == 1:
            if tag == "thead":
                self._in_head = False
            elif tag in ("td", "th") and self._cell is not None and self._row is not None:
                self._row.extend([" ".join("".join(self._cell).split())] * self._span)
                self._cell = None
            elif tag == "tr" and self._row is not None:
                self.tables[-1].append((self._row_is_head, self._row))
                self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def html_tables(fragment: str) -> list[pd.DataFrame]:
    """The tables of an HTML fragment (pandas ``to_html`` or hand-written) as data frames of text;
    header rows are joined into one column name per column (``outer / inner``)."""
    parser = _TableParser()
    parser.feed(fragment)
    frames = []
    for rows in parser.tables:
        head = [r for is_head, r in rows if is_head]
        body = [r for is_head, r in rows if not is_head]
        if not head and body:
            head, body = [body[0]], body[1:]
        width = max([len(r) for r in head + body] or [0])
        cols = []
        for j in range(width):
            parts = [h[j] for h in head if j < len(h) and h[j]]
            cols.append(" / ".join(dict.fromkeys(parts)) or f"column {j}")
        seen: dict[str, int] = {}
        unique = []
        for c in cols:
            seen[c] = seen.get(c, 0) + 1
            unique.append(c if seen[c] == 1 else f"{c} ({seen[c]})")
        frames.append(pd.DataFrame([r + [""] * (width - len(r)) for r in body], columns=unique))
    return frames


def notebook_tables(notebook: str | os.PathLike) -> Iterable[tuple[str, pd.DataFrame]]:
    """``(label, table)`` of every HTML table an executed notebook shows in its outputs."""
    nb = json.loads(Path(notebook).read_text(encoding="utf-8"))
    for c_i, cell in enumerate(nb.get("cells", [])):
        for o_i, out in enumerate(cell.get("outputs", [])):
            html = out.get("data", {}).get("text/html")
            if not html:
                continue
            html = html if isinstance(html, str) else "".join(html)
            for t_i, table in enumerate(html_tables(html)):
                yield (f"{Path(notebook).name} cell {cell.get('id', c_i)} output {o_i + 1} "
                       f"table {t_i + 1}", table)


#: Script types a browser does not run (nbconvert's MathJax configuration block).
INERT_SCRIPT_TYPES = frozenset({"text/x-mathjax-config", "application/json"})
ACTIVE_TAGS = frozenset({"iframe", "object", "embed", "applet", "frame", "frameset", "base"})


class _LinkParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str, int]] = []
        self.active: list[str] = []

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        if tag == "script" and (dict(attrs).get("type") or "").lower() not in INERT_SCRIPT_TYPES:
            self.active.append(f"line {line}: <script> element")
        elif tag in ACTIVE_TAGS:
            self.active.append(f"line {line}: <{tag}> element")
        elif tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.active.append(f"line {line}: <meta http-equiv=refresh>")
        for name, _ in attrs:
            if name.lower().startswith("on"):
                self.active.append(f"line {line}: event handler attribute {name}= on <{tag}>")
        for name, value in attrs:
            if value is None:
                continue
            if name in ("id",) or (name == "name" and tag == "a"):
                self.ids.add(value)
            if name in ("href", "src") and tag not in ("base",):
                self.links.append((name, value, self.getpos()[0]))


def _parse_html(path: Path) -> _LinkParser:
    parser = _LinkParser()
    parser.feed(path.read_text(encoding="utf-8", errors="replace"))
    return parser


def broken_links(report_dir: str | os.PathLike, exclude: Iterable[str] = ("datasets",)) -> list[str]:
    """Every ``href``/``src`` of the HTML pages under ``report_dir`` that does not resolve offline.

    Local targets must exist (inside ``report_dir``) and carry the ``#fragment`` they name;
    resources (``src``) must be local or embedded (``data:``); ``javascript:`` URLs are refused.
    Hyperlinks to the web (``http(s)``, ``mailto``) are navigation, not content, and pass.
    """
    report_dir = Path(report_dir).resolve()
    exclude = set(exclude)
    pages = [p for p in sorted(report_dir.rglob("*.html"))
             if not (set(p.relative_to(report_dir).parts[:-1]) & exclude)]
    parsed: dict[Path, _LinkParser] = {}

    def ids_of(page: Path) -> set[str]:
        if page not in parsed:
            parsed[page] = _parse_html(page)
        return parsed[page].ids

    problems = []
    for page in pages:
        rel = page.relative_to(report_dir).as_posix()
        for attr, url, line in (parsed.setdefault(page, _parse_html(page))).links:
            where = f"{rel}:{line}: {attr}={url[:80]!r}"
            u = url.strip()
            parts = urlsplit(u)
            scheme = parts.scheme.lower()
            if scheme == "data":
                continue
            if scheme == "javascript":
                problems.append(f"{where}: javascript URL")
                continue
            if scheme in ("http", "https", "mailto", "ftp") or u.startswith("//"):
                if attr == "src":
                    problems.append(f"{where}: loads a resource from the network")
                continue
            if scheme:
                problems.append(f"{where}: unknown scheme {scheme!r}")
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path)).resolve()
            if target != report_dir and report_dir not in target.parents:
                problems.append(f"{where}: points outside the report folder")
                continue
            if not target.exists():
                problems.append(f"{where}: {target.relative_to(report_dir).as_posix()} "
                                "does not exist")
                continue
            if parts.fragment and target.suffix == ".html":
                # as browsers do: the fragment as written, then percent-decoded (HTML §7.4.6.4)
                ids = ids_of(target)
                if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                    problems.append(f"{where}: no id {unquote(parts.fragment)!r} in "
                                    f"{target.relative_to(report_dir).as_posix()}")
    return problems


# ----------------------------------------------------------------------------------------------
# the whole report folder
# ----------------------------------------------------------------------------------------------
def executable_content(report_dir: str | os.PathLike,
                       exclude: Iterable[str] = ("datasets",)) -> list[str]:
    """Anything a browser would run in the HTML pages of a report folder: ``<script>`` (other
    than MathJax configuration), event-handler attributes (``onerror=``), ``<iframe>``,
    ``<object>``, ``<embed>``, ``<base>``, meta refresh."""
    report_dir = Path(report_dir)
    problems = []
    for page in sorted(report_dir.rglob("*.html")):
        rel = page.relative_to(report_dir)
        if set(rel.parts[:-1]) & set(exclude):
            continue
        problems += [f"{rel.as_posix()}: {a}" for a in _parse_html(page).active]
    return problems


def exemptions(report_dir: str | os.PathLike) -> dict[str, str]:
    """Notebook folders whose ``results.json`` declares their tables describe no people."""
    out = {}
    for results in sorted(Path(report_dir).glob("*/results.json")):
        reason = json.loads(results.read_text(encoding="utf-8")).get(EXEMPT_KEY)
        if reason:
            out[results.parent.name] = str(reason)
    return out


def disclosure_problems(report_dir: str | os.PathLike, min_cell: int = MIN_CELL,
                        exclude: Iterable[str] = ("datasets",),
                        skip_files: Iterable[str] = (),
                        staged: dict[str, str] | None = None) -> tuple[list[str], dict]:
    """Small cells in every CSV and every notebook table of a report folder, and a summary
    ``{"checked_tables": ..., "checked_cells": ..., "exempt": {...}}``.

    ``skip_files`` (paths relative to the folder) are left out: the report build checks the
    notebooks' tables before it writes its own ``findings.csv``, so a file left by an earlier
    run must not be counted then. ``staged`` CSV files (relative path -> text) are checked as
    if written, in place of a file of that name on disk.
    """
    import io

    report_dir = Path(report_dir)
    exempt = exemptions(report_dir)
    exclude, skip = set(exclude), set(skip_files)
    staged = dict(staged or {})
    problems: list[str] = []
    n_tables = n_cells = 0
    paths = {path.relative_to(report_dir).as_posix(): path for path in report_dir.rglob("*")}
    for name in sorted(set(paths) | set(staged)):
        path = paths.get(name, report_dir / name)
        rel = Path(name)
        if (set(rel.parts[:-1]) & exclude) or (len(rel.parts) > 1 and rel.parts[0] in exempt) \
                or name in skip:
            continue
        if name in staged and path.suffix == ".csv":
            tables = [(name, pd.read_csv(io.StringIO(staged[name]), dtype=str,
                                         keep_default_na=False))]
        elif path.suffix == ".csv":
            tables = [(rel.as_posix(), pd.read_csv(path, dtype=str, keep_default_na=False))]
        elif path.suffix == ".ipynb" and not path.name.endswith(".run.ipynb"):
            tables = [(f"{rel.parent.as_posix()}/{label}", t) for label, t in notebook_tables(path)]
        else:
            continue
        for label, table in tables:
            n_tables += 1
            n_cells += table.size
            problems += small_cells(table, label, min_cell)
    return problems, {"threshold": min_cell, "checked_tables": n_tables,
                      "checked_cells": n_cells, "exempt": exempt}


def formula_problems(report_dir: str | os.PathLike,
                     exclude: Iterable[str] = ("datasets",)) -> list[str]:
    """Every CSV cell of a report folder that a spreadsheet would run as a formula."""
    report_dir = Path(report_dir)
    problems = []
    for path in sorted(report_dir.rglob("*.csv")):
        rel = path.relative_to(report_dir)
        if set(rel.parts[:-1]) & set(exclude):
            continue
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
        for i, col, v in formula_cells(table):
            where = "header" if i < 0 else f"row {i}"
            problems.append(f"{rel.as_posix()}: {where}, column {col!r}: {v[:40]!r} starts like "
                            "a spreadsheet formula")
    return problems


def check_report(report_dir: str | os.PathLike, min_cell: int = MIN_CELL,
                 exclude: Iterable[str] = ("datasets",)) -> dict:
    """Run every publication check on a report folder; raise :class:`PublicationError` listing
    each problem, or return the summary of what was checked."""
    disclosure, summary = disclosure_problems(report_dir, min_cell, exclude)
    formulas = formula_problems(report_dir, exclude)
    links = broken_links(report_dir, exclude)
    active = executable_content(report_dir, exclude)
    sections = [("small cells (disclosure control)", disclosure),
                ("spreadsheet formulas in CSV files", formulas),
                ("links that do not resolve offline", links),
                ("executable content in HTML pages", active)]
    if any(p for _, p in sections):
        msg = ["the report may not be published:"]
        for title, probs in sections:
            if probs:
                msg.append(f"{len(probs)} {title}:")
                msg += [f"  - {p}" for p in probs[:50]]
                if len(probs) > 50:
                    msg.append(f"  ... and {len(probs) - 50} more")
        raise PublicationError("\n".join(msg))
    summary["links_checked"] = True
    return summary
