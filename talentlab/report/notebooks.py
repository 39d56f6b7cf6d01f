"""Executed notebooks made reproducible and offline: normalised bytes, one parameter block, HTML
without CDN scripts.

Every notebook run by ``make reproduce`` is normalised (:func:`normalize_notebook`) so two runs
give identical bytes, and rendered to self-contained HTML (:func:`notebook_to_html`) that opens
offline; :func:`finalize_notebook` does both.
"""

from __future__ import annotations

import ast
import json
import os
import re
from pathlib import Path

from talentlab import resources
from talentlab.data.atomic import atomic_write_text

# the rendering libraries are the 'report' extra: talentlab.report's figures and ledger work without
nbformat = resources.LazyModule("nbformat", "report")

#: the repository in a clone, the package data of an installed wheel (talentlab.resources)
PROJECT_ROOT = resources.PROJECT_ROOT


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


#: Table cells that show a missing value as Python, NumPy or pandas print it; the page shows "—".
MISSING_CELL_TEXTS = frozenset({"NaN", "nan", "<NA>", "None", "NaT", "&lt;NA&gt;"})
_TABLE_CELL = re.compile(r"<(td|th)\b([^>]*)>(.*?)</\1>", re.S)
_TAG = re.compile(r"<[^>]*>")
#: A cell made of numbers and their punctuation only (``0.123``, ``-4``, ``<10``, ``12.5%``,
#: ``[0.05, 0.21]``, ``2019-06``): kept on one line.
_NUMERIC_TEXT = re.compile(r"^[\s\d.,:;%+\-−–—<>≤≥=~±×/()\[\]eE*]*\d[\s\d.,:;%+\-−–—<>≤≥=~±×/()\[\]eE*]*$")
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def tidy_table_cells(html: str) -> str:
    """Table cells of rendered outputs made readable: a missing value (``NaN``, ``<NA>``,
    ``None``, ``NaT``) shown as ``—``, and a cell holding a number (or a range of numbers) marked
    ``class="tl-num"`` so the page keeps it on one line.

    Examples
    --------
    >>> tidy_table_cells('<tr><td>NaN</td><td>&lt;NA&gt;</td><td>0.0445</td><td>IC design</td></tr>')
    '<tr><td>—</td><td>—</td><td class="tl-num">0.0445</td><td>IC design</td></tr>'
    >>> tidy_table_cells('<td class="data row0">[0.01, 0.2]</td>')
    '<td class="data row0 tl-num">[0.01, 0.2]</td>'
    """
    def cell(m: re.Match) -> str:
        tag, attrs, inner = m.group(1), m.group(2), m.group(3)
        text = " ".join(_TAG.sub("", inner).split())
        if text in MISSING_CELL_TEXTS:
            return f"<{tag}{attrs}>—</{tag}>"
        if _NUMERIC_TEXT.match(text.replace("&lt;", "<").replace("&gt;", ">")):
            if re.search(r'\bclass="', attrs):
                attrs = re.sub(r'\bclass="([^"]*)"', lambda c: f'class="{c.group(1)} tl-num"',
                               attrs, count=1)
            else:
                attrs = f'{attrs} class="tl-num"'
        return f"<{tag}{attrs}>{inner}</{tag}>"

    return _TABLE_CELL.sub(cell, html)


def notebook_to_html(notebook: str | os.PathLike, dst: str | os.PathLike,
                     hide_input: bool = False, index_href: str = "../index.html",
                     findings_href: str = "../findings.md") -> Path:
    """Self-contained HTML of a notebook: images embedded, no script or style from a CDN.

    The page (template ``templates/notebook.html.j2``) folds each cell's code under
    ``<details><summary>code · 代码</summary>`` (no script: the browser folds it), links back to
    the report index (``index_href``) and the findings ledger (``findings_href``) at the top and
    the bottom, shows missing values in tables as ``—`` and keeps numbers on one line
    (:func:`tidy_table_cells`).

    Examples
    --------
    >>> import tempfile, nbformat
    >>> from nbformat.v4 import new_code_cell, new_notebook, new_output
    >>> cell = new_code_cell("t", outputs=[new_output("execute_result", execution_count=1,
    ...     data={"text/html": "<table><tr><td>NaN</td><td>0.25</td></tr></table>"})])
    >>> d = Path(tempfile.mkdtemp())
    >>> nbformat.write(new_notebook(cells=[cell]), d / "a.ipynb")
    >>> page = notebook_to_html(d / "a.ipynb", d / "a.html").read_text(encoding="utf-8")
    >>> "<summary>code · 代码</summary>" in page, "<td>—</td>" in page, 'href="../index.html"' in page
    (True, True, True)
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(template_name="lab", extra_template_paths=[str(TEMPLATE_DIR)],
                            template_file="notebook.html.j2")
    exporter.embed_images = True
    exporter.exclude_input = hide_input
    exporter.exclude_input_prompt = True
    exporter.exclude_output_prompt = True
    exporter.mathjax_url = ""
    exporter.require_js_url = ""
    body, _ = exporter.from_filename(
        str(notebook), resources={"talentlab_index_href": index_href,
                                  "talentlab_findings_href": findings_href})
    body = _CDN_SCRIPT.sub("", body)
    body = _CDN_LINK.sub("", body)
    # inline scripts that import from the network (mermaid, MathJax loaders) would fail offline
    body = _SCRIPT_BLOCK.sub(lambda m: "" if "https://" in m.group(0) or 'src=""' in m.group(0)
                             else m.group(0), body)
    body = tidy_table_cells(body)
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
