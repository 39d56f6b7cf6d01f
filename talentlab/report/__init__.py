"""From executed notebooks to a reviewer's report: normalised notebooks, offline HTML, the findings
ledger, a manifest of checksums, and the privacy scan.

Every notebook run by ``make reproduce`` writes into its own folder ``<reports>/<notebook>/``:
the executed notebook, its HTML, its figures, its tables (CSV) and ``results.json``. This module
normalises the notebook so two runs give identical bytes, renders it to self-contained HTML (no
CDN scripts: it opens offline), and assembles ``index.html`` and ``findings.md`` from the
``results.json`` files and the claims ledger.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import re
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

import nbformat
import pandas as pd

from talentlab.data.schema import atomic_write_bytes, atomic_write_text

PROJECT_ROOT = Path(__file__).resolve().parents[2]
RESULT_SUFFIXES = {".csv", ".json", ".png", ".svg", ".html", ".ipynb", ".md"}
MANIFEST_NAME = "MANIFEST.sha256"
PACKAGES = ("talentlab", "pandas", "numpy", "scipy", "statsmodels", "pingouin", "lifelines",
            "seaborn", "matplotlib", "papermill", "nbconvert", "pyarrow", "mplfonts")
VERDICT_ORDER = ["supported", "contradicted", "not supported", "inconclusive (pre-trends)",
                 "reported", "not observed", "not testable"]


# --------------------------------------------------------------------------------------------
# notebooks
# --------------------------------------------------------------------------------------------
def normalize_notebook(src: str | os.PathLike, dst: str | os.PathLike,
                       replacements: dict[str, str] | None = None) -> Path:
    """Strip volatile metadata from an executed notebook so its bytes depend only on its results.

    Removes timings, timestamps and papermill's run metadata, numbers cell ids ``cell-0`` ...,
    and replaces machine-specific paths (``replacements``: absolute path → placeholder).
    """
    src, dst = Path(src), Path(dst)
    nb = nbformat.read(src, as_version=4)
    replacements = dict(replacements or {})
    replacements.setdefault(str(PROJECT_ROOT), "<project>")
    ordered = sorted(replacements.items(), key=lambda kv: -len(kv[0]))

    def clean(text: str) -> str:
        for old, new in ordered:
            text = text.replace(old, new)
        return text

    papermill_meta = nb.metadata.get("papermill", {})
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    if papermill_meta.get("parameters"):
        nb.metadata["parameters"] = json.loads(clean(json.dumps(papermill_meta["parameters"],
                                                                sort_keys=True)))
    merge_parameter_cells(nb)
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i}"
        cell.metadata.pop("execution", None)
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("collapsed", None)
        cell.source = clean(cell.source)
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if "text" in out:
                out["text"] = clean(out["text"] if isinstance(out["text"], str)
                                    else "".join(out["text"]))
            data = out.get("data", {})
            for mime in ("text/plain", "text/html", "text/markdown"):
                if mime in data:
                    value = data[mime] if isinstance(data[mime], str) else "".join(data[mime])
                    data[mime] = clean(value)
            if "text/markdown" in data:
                # Markdown a notebook displays is built from data (names, free text): no raw HTML
                # in it may reach the page, so every tag is shown as text ("<" → "&lt;")
                data["text/markdown"] = escape_markdown_html(data["text/markdown"])
            out.get("metadata", {}).pop("execution", None)
            if "traceback" in out:
                out["traceback"] = [clean(t) for t in out["traceback"]]
    text = nbformat.writes(nb)
    atomic_write_text(dst, text if text.endswith("\n") else text + "\n")
    return dst


_CODE_SPAN = re.compile(r"(`+).+?\1", re.S)


def escape_markdown_html(text: str) -> str:
    """Markdown with every ``<`` outside code spans written as ``&lt;``: raw HTML in it (from data)
    is shown as text; code spans already show their content as text.

    Examples
    --------
    >>> escape_markdown_html("**Major:** <img src=x> in `<b>`")
    '**Major:** &lt;img src=x> in `<b>`'
    """
    out, pos = [], 0
    for m in _CODE_SPAN.finditer(text):
        out += [text[pos:m.start()].replace("<", "&lt;"), m.group(0)]
        pos = m.end()
    out.append(text[pos:].replace("<", "&lt;"))
    return "".join(out)


def _assignments(source: str) -> dict[str, tuple[int, int, int, int]]:
    """Top-level ``name = value`` of a cell: name → (line, col, end_line, end_col) of the value."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return {}
    spans = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name):
            v = node.value
            spans[node.targets[0].id] = (v.lineno, v.col_offset, v.end_lineno, v.end_col_offset)
    return spans


def _segment(source: str, span: tuple[int, int, int, int]) -> str:
    lines = source.splitlines(keepends=True)
    (l0, c0, l1, c1) = span
    if l0 == l1:
        return lines[l0 - 1][c0:c1]
    return lines[l0 - 1][c0:] + "".join(lines[l0:l1 - 1]) + lines[l1 - 1][:c1]


def merge_parameter_cells(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    r"""One parameter block showing the values used: papermill's injected values written into the
    notebook's own ``parameters`` cell (its comments kept), the injected cell removed.

    Examples
    --------
    >>> from nbformat.v4 import new_notebook, new_code_cell
    >>> nb = new_notebook(cells=[new_code_cell("x = 1   # the x\nk = 'a'"), new_code_cell("x = 5\n")])
    >>> nb.cells[0].metadata["tags"] = ["parameters"]
    >>> nb.cells[1].metadata["tags"] = ["injected-parameters"]
    >>> merged = merge_parameter_cells(nb)
    >>> len(merged.cells), merged.cells[0].source
    (1, "# Parameters of this run (papermill set: x)\nx = 5   # the x\nk = 'a'")
    """
    tags = [set(c.metadata.get("tags", [])) for c in nb.cells]
    injected = [i for i, t in enumerate(tags) if "injected-parameters" in t]
    default = [i for i, t in enumerate(tags) if "parameters" in t]
    if not injected or not default:
        return nb
    inj_src = nb.cells[injected[0]].source
    values = {k: _segment(inj_src, span) for k, span in _assignments(inj_src).items()}
    cell = nb.cells[default[0]]
    src = cell.source
    spans = _assignments(src)
    lines = src.splitlines()
    # replace from the bottom up so earlier spans stay valid
    for name, span in sorted(((n, s) for n, s in spans.items() if n in values),
                             key=lambda kv: (kv[1][0], kv[1][1]), reverse=True):
        l0, c0, l1, c1 = span
        head, tail = lines[l0 - 1][:c0], lines[l1 - 1][c1:]
        lines[l0 - 1:l1] = [head + values[name] + tail]
    extra = [f"{n} = {v}" for n, v in values.items() if n not in spans]
    body = [ln for ln in lines if not ln.startswith("# Parameters (papermill overrides these)")]
    header = f"# Parameters of this run (papermill set: {', '.join(values)})"
    cell.source = "\n".join([header, *body, *extra])
    del nb.cells[injected[0]]
    return nb


_CDN_SCRIPT = re.compile(r"<script[^>]*\bsrc=\"https?://[^\"]*\"[^>]*>\s*</script>", re.I)
_SCRIPT_BLOCK = re.compile(r"<script\b[^>]*>.*?</script>", re.I | re.S)
_CDN_LINK = re.compile(r"<link[^>]*\bhref=\"https?://[^\"]*\"[^>]*>", re.I)


def notebook_to_html(notebook: str | os.PathLike, dst: str | os.PathLike,
                     hide_input: bool = False) -> Path:
    """Self-contained HTML of a notebook: images embedded, no script or style from a CDN."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab")
    exporter.embed_images = True
    exporter.exclude_input = hide_input
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    body, _ = exporter.from_filename(str(notebook))
    body = _CDN_SCRIPT.sub("", body)
    body = _CDN_LINK.sub("", body)
    # inline scripts that import from the network (mermaid, MathJax loaders) would fail offline
    body = _SCRIPT_BLOCK.sub(lambda m: "" if "https://" in m.group(0) or 'src=""' in m.group(0)
                             else m.group(0), body)
    atomic_write_text(dst, body)
    return Path(dst)


def finalize_notebook(tmp: str | os.PathLike, dst: str | os.PathLike) -> Path:
    """Normalise papermill's output ``tmp`` into ``dst`` and render ``dst`` as HTML beside it."""
    tmp, dst = Path(tmp), Path(dst)
    out_dir = dst.parent.resolve()
    normalize_notebook(tmp, dst, replacements={str(out_dir): "<output_dir>"})
    notebook_to_html(dst, dst.with_suffix(".html"))
    tmp.unlink(missing_ok=True)
    return dst


# --------------------------------------------------------------------------------------------
# manifest and verification
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# privacy
# --------------------------------------------------------------------------------------------
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


# --------------------------------------------------------------------------------------------
# the report
# --------------------------------------------------------------------------------------------
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


def _fmt(v, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "—"
    if isinstance(v, (int, float)):
        return f"{v:.{digits}g}" if abs(v) >= 1e-3 or v == 0 else f"{v:.2e}"
    return str(v)


def findings_ledger(claims: pd.DataFrame, verdicts: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per claim of the paper: the claim beside its evidence and verdict.

    ``verdicts`` are the claims tables the notebooks wrote (``zhuhai_claims.csv``,
    ``six_case_claims.csv``); a claim no analysis judged keeps the verdict *not testable* with the
    reason from ``claims.csv``.
    """
    base = ["estimate", "ci_low", "ci_high", "scale", "verdict", "verdict_reason",
            "evidence_link"]
    tables = [v for v in verdicts if v is not None and len(v)]
    # every column the verdict tables bring (claim kind, raw/adjusted p, rule ...), in order of
    # first appearance, except what claims.csv already says about the claim
    extra = [c for v in tables for c in v.columns
             if c not in claims.columns and c not in base and c != "claim_id"]
    cols = ["claim_id", *base, *dict.fromkeys(extra)]
    judged = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=cols)
    for c in cols:
        if c not in judged:
            judged[c] = pd.NA
    judged = judged[cols].drop_duplicates("claim_id", keep="last")
    ledger = claims.merge(judged, on="claim_id", how="left")
    untested = ledger["verdict"].isna()
    ledger.loc[untested, "verdict"] = "not testable"
    ledger.loc[untested, "verdict_reason"] = ledger.loc[untested, "testable_with"].map(
        lambda t: f"no analysis in talentlab tests this claim; it would need: {t}"
        if isinstance(t, str) and t else "no analysis in talentlab tests this claim")
    return ledger


def _md_cell(v):
    """A value safe inside a Markdown table cell: no raw HTML, no column break, one line."""
    if not isinstance(v, str):
        return v
    return (v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("|", "\\|").replace("\r", " ").replace("\n", " "))


def _origin_banner(origin: dict) -> str:
    if origin.get("data_origin") == "synthetic":
        return (f"SYNTHETIC DATA — scenario '{origin.get('scenario')}', seed {origin.get('seed')}, "
                "generated by talentlab.simulate with known ground truth. These are not real "
                "records; verdicts show what the method concludes on data built to match the "
                "scenario, not what happened in Zhuhai. / 合成数据，非真实记录。")
    return f"User data: {origin.get('name', '')} (checksums below) / 用户数据"


#: Verdict-table columns shown as columns of the testable-claims table (the rest go under "why").
_SHOWN_EXTRA = re.compile(r"^(claim_kind|p_value|p_raw|p_adjusted|p_adj\w*)$")


def _anchor(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", str(text)).strip("-") or "x"


def _text(v) -> str:
    if v is None or (not isinstance(v, str) and pd.isna(v)):
        return "—"
    return _fmt(v) if isinstance(v, (int, float)) else str(v)


def verdict_rules_summary(ledger: pd.DataFrame) -> str:
    """The verdict rules in one paragraph, with the bound and adjustment the ledger was judged by.

    The values (Mbar, the multiplicity adjustment, alpha) are read from the ledger's own columns,
    so the text cannot drift from the rule that made the verdicts; the full rule is
    ``claims.VERDICT_RULE`` / ``six_case.QCA_VERDICT_RULE`` (in ``data/raw/README.md``).
    """
    def distinct(col: str) -> list:
        if col not in ledger.columns:
            return []
        return sorted({v for v in ledger[col].dropna().tolist() if v != ""}, key=str)

    mbars = [f"{float(v):g}" for v in distinct("rm_mbar")]
    adjustments = [str(v) for v in distinct("adjustment")]
    bound = f"Mbar = {' / '.join(mbars)}" if mbars else "the stated bound Mbar"
    adjust = " / ".join(adjustments) if adjustments else "Holm"
    return (
        "Zhuhai impact claims (one family per study): supported = the family-adjusted p-value "
        f"({adjust}) is below alpha, the estimate lies on the claimed side of the null value, and "
        "the relative-magnitudes robust interval (Rambachan & Roth 2023) at "
        f"{bound} still excludes the null value on that side; contradicted = the same on the "
        "opposite side; inconclusive (pre-trends) = significant after adjustment on the claimed "
        "side but not robust at that bound; not supported = otherwise, with the minimum "
        "detectable effect beside it. Activity claims (the reform's own outputs) are reported or "
        "not observed, never supported. Not testable = no data measure the claim. Six-case "
        "claims: QCA necessity (inclN >= 0.9 and RoN >= 0.6, robust to recoding) and "
        "sufficiency (needs documented negative cases). Full rules: data/raw/README.md.")


def render_index(ledger: pd.DataFrame, claims: pd.DataFrame, notebooks: list[dict],
                 origin: dict, raw_sums: dict, versions: dict, disclosure: dict) -> str:
    """``index.html`` from the ledger: summary by section, testable claims first, the rest folded.

    Rendered with a Jinja2 template whose autoescape escapes every value that comes from data
    (claim text, names, reasons, captions, paths).
    """
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("talentlab.report", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    fixed = {"estimate", "ci_low", "ci_high", "scale", "verdict", "verdict_reason",
             "evidence_link"}
    extras = [c for c in ledger.columns if c not in claims.columns and c not in fixed]
    shown = [c for c in extras if _SHOWN_EXTRA.match(c) and ledger[c].notna().any()]
    hidden = [c for c in extras if c not in shown]
    def natural(section: str) -> list:
        return [(0, int(t), "") if t.isdigit() else (1, 0, t)
                for t in re.split(r"(\d+)", section) if t]

    order = {s: i for i, s in enumerate(sorted(dict.fromkeys(claims["section"].astype(str)),
                                               key=natural))}
    led = ledger.assign(_sec=ledger["section"].astype(str).map(order)).sort_values(
        ["_sec", "claim_id"], kind="stable")
    testable, untestable = [], []
    for _, r in led.iterrows():
        section = str(r["section"])
        link = r["evidence_link"] if isinstance(r["evidence_link"], str) else ""
        est = "—" if pd.isna(r["estimate"]) else (
            f"{_fmt(r['estimate'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            + (f" ({r['scale']})" if isinstance(r.get("scale"), str) and r["scale"] else ""))
        reason = _text(r["verdict_reason"])
        row = {"claim_id": _text(r["claim_id"]), "anchor": _anchor(r["claim_id"]),
               "section": section, "section_anchor": _anchor(section), "first_of_section": False,
               "quote": _text(r["quote"]),
               "indicator": r["indicator"] if isinstance(r["indicator"], str) else "—",
               "estimate": est, "verdict": _text(r["verdict"]),
               "verdict_class": str(r["verdict"]).split(" ")[0], "link": link,
               "extra": {c: _text(r[c]) for c in shown}, "verdict_reason": reason,
               "reason_short": reason if len(reason) <= 90 else reason[:87].rstrip() + "…",
               "details": [("reason", reason)] + [(c, _text(r[c])) for c in hidden
                                                   if _text(r[c]) != "—"]}
        (untestable if r["verdict"] == "not testable" else testable).append(row)
    # the section anchor sits on the first row of each section, testable rows first
    placed: set[str] = set()
    for row in testable + untestable:
        if row["section"] not in placed:
            row["first_of_section"] = True
            placed.add(row["section"])
    counts = ledger.groupby(ledger["section"].astype(str))["verdict"].value_counts()
    sections = [{"section": s, "anchor": _anchor(s), "total": int(counts[s].sum()),
                 "counts": {k: int(v) for k, v in counts[s].items()}}
                for s in order if s in counts.index.get_level_values(0)]
    totals = ledger["verdict"].value_counts()
    verdict_order = [v for v in VERDICT_ORDER if v in totals] + sorted(
        v for v in totals.index if v not in VERDICT_ORDER)
    figures = [{"path": f"{nb['name']}/{fig['path']}", "caption": fig.get("caption", "")}
               for nb in notebooks for fig in nb["results"].get("key_figures", [])]
    return env.get_template("index.html.j2").render(
        synthetic=origin.get("data_origin") == "synthetic", banner=_origin_banner(origin),
        n_claims=len(ledger),
        verdict_summary=", ".join(f"{int(totals[v])} {v}" for v in verdict_order),
        verdict_order=verdict_order, sections=sections,
        totals={k: int(v) for k, v in totals.items()}, extra_columns=shown,
        testable=testable, untestable=untestable, figures=figures,
        notebooks=[{"name": nb["name"], "html": nb["html"]} for nb in notebooks],
        disclosure=disclosure, raw_sums=sorted(raw_sums.items()),
        versions=list(versions.items()), rules_text=verdict_rules_summary(ledger))


def build_report(report_dir: str | os.PathLike, processed_dir: str | os.PathLike,
                 raw_dir: str | os.PathLike, claims_path: str | os.PathLike | None = None,
                 check_privacy: bool = True, min_cell: int | None = None) -> Path:
    """Write ``index.html``, ``findings.md``, ``findings.csv`` and the manifest of a report folder.

    Before the manifest is written every published table is checked for small cells (threshold
    ``min_cell``, default :data:`talentlab.report.disclosure.DEFAULT_THRESHOLD`), every CSV for
    spreadsheet formulas, every HTML page for dead links and executable content
    (:func:`talentlab.report.publish.check_report`); any problem raises
    :class:`talentlab.report.publish.PublicationError` naming the file, table, row and column.
    """
    from talentlab.claims import load_claims
    from talentlab.report import publish
    from talentlab.report.disclosure import DEFAULT_THRESHOLD

    report_dir, processed_dir = Path(report_dir), Path(processed_dir)
    manifest = json.loads((processed_dir / "manifest.json").read_text(encoding="utf-8"))
    origin = manifest["origin"]
    claims = load_claims(claims_path)
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
    threshold = DEFAULT_THRESHOLD if min_cell is None else int(min_cell)
    # nothing is written when a notebook published a small cell
    disclosure_problems, disclosure = publish.disclosure_problems(report_dir, threshold)
    if disclosure_problems:
        publish.check_report(report_dir, threshold)  # raises, listing every problem
    ledger = findings_ledger(claims, verdicts)
    claim_cols = ["claim_id", "section", "quote", "indicator"]
    fixed = ["estimate", "ci_low", "ci_high", "scale", "verdict", "verdict_reason",
             "evidence_link"]
    extra = [c for c in ledger.columns if c not in claims.columns and c not in fixed]
    ledger_cols = [*claim_cols, "estimate", "ci_low", "ci_high", "scale", *extra, "verdict",
                   "verdict_reason", "evidence_link"]
    publish.prepare_table(ledger[ledger_cols], threshold).to_csv(
        report_dir / "findings.csv", index=False, lineterminator="\n", float_format="%.6g")
    versions = software_versions()
    raw_sums = manifest["raw_sha256"]
    counts = ledger["verdict"].value_counts()
    summary = ", ".join(f"{counts[v]} {v}" for v in VERDICT_ORDER if v in counts)

    # ---- findings.md
    md = ["# talentlab findings ledger", "",
          f"> **Data:** {_md_cell(_origin_banner(origin))}", "",
          "Paper: Liu, *Talent Cultivation Paths of Higher Vocational Education Serving Regional "
          "Industrial Clusters*, World Journal of Educational Studies (doi:10.61784/wjes3102).", "",
          f"**Verdicts:** {summary}. Rules, fixed in advance: "
          f"{_md_cell(verdict_rules_summary(ledger))}",
          "",
          "| claim | section | quote | indicator | estimate [95% CI] | verdict | evidence |",
          "|---|---|---|---|---|---|---|"]
    for _, r in ledger.iterrows():
        r = r.map(_md_cell)
        est = "—" if pd.isna(r["estimate"]) else (
            f"{_fmt(r['estimate'])} [{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            + (f" ({r['scale']})" if isinstance(r.get("scale"), str) and r["scale"] else ""))
        link = r["evidence_link"] if isinstance(r["evidence_link"], str) else ""
        md.append(f"| {r['claim_id']} | {r['section']} | “{r['quote']}” | "
                  f"{r['indicator'] if isinstance(r['indicator'], str) else '—'} | {est} | "
                  f"**{r['verdict']}** — {r['verdict_reason']} | "
                  f"{f'[link]({link})' if link else '—'} |")
    md += ["", "## Notebooks", ""]
    md += [f"- [{nb['name']}]({nb['html']})" for nb in notebooks]
    md += ["", "## Raw-data checksums (SHA-256)", ""]
    md += [f"- `{name}`: `{digest}`" for name, digest in sorted(raw_sums.items())]
    md += ["", "## Software", ""]
    md += [f"- {k} {v}" for k, v in versions.items()]
    atomic_write_text(report_dir / "findings.md", "\n".join(md) + "\n")

    # ---- index.html
    page = render_index(ledger, claims, notebooks, origin, raw_sums, versions, disclosure)
    atomic_write_bytes(report_dir / "index.html", page.encode("utf-8"))

    if check_privacy:
        from talentlab.data.io import load_all

        leaks = scan_for_identifiers(report_dir, load_all(processed_dir).tables())
        if leaks:
            raise RuntimeError("identifiers reached the report:\n" + "\n".join(leaks))
    publish.check_report(report_dir, threshold)
    write_manifest(report_dir)
    return report_dir / "index.html"
