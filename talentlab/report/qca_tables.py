"""The tables journals print from a QCA analysis: Word (``.docx``), LaTeX (booktabs) and CSV, and
the results folder of ``talentlab qca``.

* :func:`configuration_docx`, :func:`configuration_latex`, :func:`configuration_csv`: the
  Ragin-Fiss configuration table (Fiss 2011): ● core condition present, ⊗ core condition absent
  (large), • and ⊗ peripheral (small), blank don't care; consistency, PRI, raw and unique
  coverage per configuration, then the solution's consistency, PRI and coverage.
* :func:`truth_table_docx`, :func:`truth_table_latex`, :func:`truth_table_csv`: the observed
  configurations with OUT, n, consistency, PRI and cases.
* :func:`write_qca_results`: everything :func:`talentlab.qca.analyse` computed, written to one
  folder atomically (:func:`talentlab.data.atomic.write_folder_atomically`).

Word tables are three-line tables (三线表: rules above and below the header and below the body,
no vertical lines), as Chinese journals ask, with Times New Roman and SimSun (宋体) for Chinese
text; LaTeX tables use booktabs (Chinese labels need XeLaTeX with xeCJK). Numbers carry three
decimals by default (``digits``). CSV files are UTF-8 with a byte-order mark, so Excel in Chinese
opens them correctly, and every text cell a spreadsheet would run as a formula is neutralised
(:func:`talentlab.report.publish.neutralise_frame`). Every file's bytes depend only on the
results (the ``.docx`` zip entries carry a fixed date).
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.qca.configuration import parse_glyph
from talentlab.report import plotting as tp
from talentlab.report.publish import neutralise_frame

__all__ = ["MARKER_FILE", "configuration_csv", "configuration_docx", "configuration_latex",
           "csv_bytes", "diagnostics_csvs", "robustness_csvs", "truth_table_csv",
           "truth_table_docx", "truth_table_latex", "write_qca_results"]

#: The file that marks a folder as a previous output of ``talentlab qca`` (only such a folder, an
#: empty one or a new one is replaced).
MARKER_FILE = "qca.json"

_WORDS = {
    "truth table": ("Truth table for {outcome}", "{outcome} 的真值表"),
    "OUT": ("OUT", "结果"),
    "n": ("n", "案例数"),
    "incl": ("Consistency", "一致性"),
    "PRI": ("PRI", "PRI"),
    "cases": ("Cases", "案例"),
    "row": ("Row", "行号"),
    "truth table note": (
        "Observed configurations (logical remainders omitted). OUT = 1: consistency at least "
        "{incl_cut} and PRI at least {pri_cut}, with at least {n_cut} case(s).",
        "仅列出有案例的组态（逻辑余项未列出）。OUT = 1：一致性不低于 {incl_cut}、PRI 不低于 "
        "{pri_cut}，且至少 {n_cut} 个案例。"),
    "latex legend": (
        r"\qcacorepresent{} core condition present, \qcacoreabsent{} core condition absent; "
        r"\qcaperipheralpresent{} peripheral condition present, \qcaperipheralabsent{} "
        "peripheral condition absent; blank: don't care. Core conditions are part of the "
        "parsimonious and the intermediate solution, peripheral ones of the intermediate "
        r"solution only (Ragin \& Fiss 2008; Fiss 2011).",
        r"\qcacorepresent{}/\qcacoreabsent{}：核心条件存在/缺失；\qcaperipheralpresent{}/"
        r"\qcaperipheralabsent{}：边缘条件存在/缺失；空白：条件可有可无。核心条件同时出现在简约解与"
        r"中间解中，边缘条件仅出现在中间解中（Ragin \& Fiss 2008；Fiss 2011）。"),
    "legend": (
        "● core condition present, ⊗ core condition absent (large); • peripheral condition "
        "present, ⊗ peripheral condition absent (small); blank: don't care. Core conditions are "
        "part of the parsimonious and the intermediate solution, peripheral ones of the "
        "intermediate solution only (Ragin & Fiss 2008; Fiss 2011).",
        "●/⊗（大）：核心条件存在/缺失；•/⊗（小）：边缘条件存在/缺失；空白：条件可有可无。核心条件同时"
        "出现在简约解与中间解中，边缘条件仅出现在中间解中（Ragin & Fiss 2008；Fiss 2011）。"),
}
_LANG = {"en": 0, "zh": 1}
#: (sign, role) -> (text, point size) in the Word table.
_DOCX_GLYPHS = {("present", "core"): ("●", 14), ("absent", "core"): ("⊗", 14),
                ("present", "peripheral"): ("•", 10), ("absent", "peripheral"): ("⊗", 9)}
_TEX_GLYPHS = {("present", "core"): r"\qcacorepresent", ("absent", "core"): r"\qcacoreabsent",
               ("present", "peripheral"): r"\qcaperipheralpresent",
               ("absent", "peripheral"): r"\qcaperipheralabsent"}
_TEX_PREAMBLE = (
    "% Requires \\usepackage{booktabs}; Chinese text needs XeLaTeX with \\usepackage{xeCJK}.\n"
    "\\providecommand{\\qcacorepresent}{{\\Large$\\bullet$}}\n"
    "\\providecommand{\\qcacoreabsent}{{\\Large$\\otimes$}}\n"
    "\\providecommand{\\qcaperipheralpresent}{{\\scriptsize$\\bullet$}}\n"
    "\\providecommand{\\qcaperipheralabsent}{{\\scriptsize$\\otimes$}}\n")


def _w(key: str, lang: str) -> str:
    if lang not in _LANG:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return _WORDS[key][_LANG[lang]]


def _chart_word(key: str, lang: str) -> str:
    return tp.label(f"configuration chart: {key}", lang)


def _num(v, digits: int) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return "–"
    return f"{float(v):.{digits}f}"


# ------------------------------------------------------------------------------------ CSV
def csv_bytes(table: pd.DataFrame, index: bool = True) -> bytes:
    """A table as CSV bytes: UTF-8 with BOM (Excel in Chinese reads it), ``\\n`` line ends,
    formula-like text cells neutralised.

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"条件": ["=1+1", "a"]}), index=False)[:3] == b"\\xef\\xbb\\xbf"
    True
    >>> csv_bytes(pd.DataFrame({"x": ["=1+1"]}), index=False).decode("utf-8-sig")
    "x\\n'=1+1\\n"
    """
    out = table.reset_index() if index else table
    return neutralise_frame(out).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def _configuration_rows(table: pd.DataFrame, lang: str, digits: int):
    """(label, cells, kind) per printed row: kind "condition" (cells = glyph cells), "fit" or
    "solution" (one value)."""
    rows = []
    for cond, values in table.loc["condition"].iterrows():
        rows.append((str(cond), list(values), "condition"))
    for name, values in table.loc["configuration"].iterrows():
        if name == "cases":
            continue
        rows.append((_chart_word(name, lang), [_num(v, digits) for v in values], "fit"))
    for name, values in table.loc["solution"].iterrows():
        rows.append((_chart_word(f"solution {name}", lang), [_num(values.iloc[0], digits)],
                     "solution"))
    return rows


def configuration_csv(table: pd.DataFrame, lang: str = "en", digits: int = 3) -> bytes:
    """The configuration table as CSV (glyphs ●, •, ⨂, ⊗ as :data:`talentlab.qca.GLYPHS`)."""
    cols = [f"{_chart_word('configuration', lang)} {c}" for c in table.columns]
    records = []
    for label, cells, kind in _configuration_rows(table, lang, digits):
        if kind == "solution":
            cells = cells * len(cols)
        records.append([label] + list(cells))
    cases = table.loc[("configuration", "cases")]
    records.append([_chart_word("cases", lang)] + [str(v) for v in cases])
    frame = pd.DataFrame(records, columns=[_chart_word("condition", lang)] + cols)
    return csv_bytes(frame, index=False)


def truth_table_frame(tt, lang: str = "en", digits: int = 3) -> pd.DataFrame:
    """The observed rows of a truth table as printed (numbers as text with ``digits``)."""
    rows = tt.all_rows.loc[tt.all_rows["OUT"] != "?"]
    frame = pd.DataFrame({_w("row", lang): rows.index.astype(int)})
    for c in tt.conditions:
        frame[c] = rows[c].to_numpy()
    frame[_w("OUT", lang)] = rows["OUT"].astype(str).to_numpy()
    frame[_w("n", lang)] = rows["n"].to_numpy()
    frame[_w("incl", lang)] = [_num(v, digits) for v in rows["incl"]]
    frame[_w("PRI", lang)] = [_num(v, digits) for v in rows["PRI"]]
    frame[_w("cases", lang)] = rows["cases"].astype(str).to_numpy()
    return frame


def truth_table_csv(tt, lang: str = "en", digits: int = 3) -> bytes:
    """The observed truth-table rows as CSV."""
    return csv_bytes(truth_table_frame(tt, lang, digits), index=False)


# ----------------------------------------------------------------------------------- Word
def _docx_modules():
    import docx  # python-docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Pt

    return docx, WD_ALIGN_PARAGRAPH, OxmlElement, qn, Pt


def _new_document():
    docx, _, _, qn, Pt = _docx_modules()
    doc = docx.Document()
    normal = doc.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(10.5)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "SimSun")
    return doc


def _border(cell, edge: str, size: int) -> None:
    """A single rule of ``size`` eighths of a point on one edge of a cell."""
    _, _, OxmlElement, qn, _ = _docx_modules()
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    line = OxmlElement(f"w:{edge}")
    line.set(qn("w:val"), "single")
    line.set(qn("w:sz"), str(size))
    line.set(qn("w:space"), "0")
    line.set(qn("w:color"), "000000")
    borders.append(line)


def _no_table_borders(table) -> None:
    _, _, OxmlElement, qn, _ = _docx_modules()
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        e = OxmlElement(f"w:{edge}")
        e.set(qn("w:val"), "nil")
        borders.append(e)
    tbl_pr.append(borders)


def _set_cell(cell, text: str, size: float | None = None, bold: bool = False,
              align: str = "center") -> None:
    _, WD_ALIGN_PARAGRAPH, _, _, Pt = _docx_modules()
    para = cell.paragraphs[0]
    para.alignment = {"center": WD_ALIGN_PARAGRAPH.CENTER,
                      "left": WD_ALIGN_PARAGRAPH.LEFT}[align]
    run = para.add_run(text)
    run.bold = bold
    if size is not None:
        run.font.size = Pt(size)


def _three_lines(table, header_rows: int = 1, rules_above: tuple[int, ...] = ()) -> None:
    """三线表: thick rules above the header and below the body, a thin one below the header
    (and above the rows in ``rules_above``)."""
    rows = table.rows
    for cell in rows[0].cells:
        _border(cell, "top", 12)
    for cell in rows[header_rows - 1].cells:
        _border(cell, "bottom", 6)
    for r in rules_above:
        for cell in rows[r].cells:
            _border(cell, "top", 4)
    for cell in rows[-1].cells:
        _border(cell, "bottom", 12)


def _docx_bytes(doc) -> bytes:
    """The document's bytes with every zip entry dated 1980-01-01 (python-docx stamps the time of
    writing), so the same table gives the same file."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def _paragraph(doc, text: str, size: float, bold: bool = False) -> None:
    _, _, _, _, Pt = _docx_modules()
    run = doc.add_paragraph().add_run(text)
    run.font.size = Pt(size)
    run.bold = bold


def configuration_docx(table: pd.DataFrame, lang: str = "en", digits: int = 3,
                       labels=None, caption: str | None = None) -> bytes:
    """The configuration table as a Word document (a three-line table).

    Parameters
    ----------
    table : DataFrame
        From :func:`talentlab.qca.configuration_table`.
    lang : {"en", "zh"}
    digits : int
        Decimals of the parameters of fit.
    labels : mapping, optional
        Condition -> label (or (English, Chinese) pair).
    caption : str, optional
        Default "Configurations for <outcome>".

    Returns
    -------
    bytes of a ``.docx`` file.

    Examples
    --------
    >>> from talentlab.qca import configuration_table, minimize, truth_table
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0, 1], "B": [1, 0, 1, 0, 1], "C": [1, 1, 1, 0, 0],
    ...                   "Y": [1, 1, 0, 0, 1]})
    >>> chart = configuration_table(minimize(truth_table(d, "Y"), include="?",
    ...                                      directional=["A", "B", "C"]))
    >>> configuration_docx(chart)[:2]
    b'PK'
    """
    doc = _new_document()
    outcome = table.attrs.get("outcome", "")
    _paragraph(doc, caption or _chart_word("title", lang).format(outcome=outcome), 10.5, True)
    rows = _configuration_rows(table, lang, digits)
    n_conf = table.shape[1]
    grid = doc.add_table(rows=1 + len(rows), cols=1 + n_conf)
    _no_table_borders(grid)
    _set_cell(grid.cell(0, 0), _chart_word("condition", lang), bold=True, align="left")
    for j, c in enumerate(table.columns):
        _set_cell(grid.cell(0, j + 1), str(c), bold=True)
    first_fit = next(i for i, r in enumerate(rows) if r[2] != "condition") + 1
    first_solution = next((i for i, r in enumerate(rows) if r[2] == "solution"), len(rows)) + 1
    for i, (label, cells, kind) in enumerate(rows, start=1):
        name = _label(label, labels, lang) if kind == "condition" else label
        _set_cell(grid.cell(i, 0), name, align="left")
        if kind == "condition":
            for j, v in enumerate(cells):
                sign, role, level = parse_glyph(v)
                if sign is None:
                    continue
                text, size = _DOCX_GLYPHS[(sign, role)]
                _set_cell(grid.cell(i, j + 1), text + (f"[{level}]" if level else ""), size)
        elif kind == "fit":
            for j, v in enumerate(cells):
                _set_cell(grid.cell(i, j + 1), v)
        else:
            merged = grid.cell(i, 1).merge(grid.cell(i, n_conf)) if n_conf > 1 else \
                grid.cell(i, 1)
            _set_cell(merged, cells[0])
    _three_lines(grid, rules_above=tuple(r for r in (first_fit, first_solution)
                                         if r <= len(rows)))
    _paragraph(doc, _w("legend", lang), 8)
    return _docx_bytes(doc)


#: Cell padding of Word's default table style (0.08 in each side), in points.
_CELL_PADDING_PT = 11.5


def _text_width_pt(text: str, size: float, bold: bool = False) -> float:
    """An upper estimate of the width of ``text`` in Times New Roman / SimSun at ``size``
    points (advance widths in em: Times digits 0.5, capitals at most 0.72 (0.67 on average),
    lower case 0.44 on average, CJK 1), so a column given this width breaks no number or
    word."""
    em = 0.0
    for ch in text:
        if ord(ch) > 0x2E80:
            em += 1.0
        elif ch.isupper():
            em += 0.70
        elif ch.isdigit():
            em += 0.5
        elif ch in "mw":
            em += 0.75
        elif ch.islower():
            em += 0.47
        else:
            em += 0.3
    return em * size * (1.08 if bold else 1.0)


def _unbreakable_width_pt(text: str, size: float, bold: bool = False) -> float:
    """Width of the longest piece of ``text`` a line may not break (words; CJK may break
    between any two characters)."""
    pieces = text.replace(",", ", ").split() or [""]
    if any(ord(ch) > 0x2E80 for ch in text):
        pieces = [ch for ch in text if ord(ch) > 0x2E80] + [
            w for w in pieces if not any(ord(ch) > 0x2E80 for ch in w)]
    return max(_text_width_pt(w, size, bold) for w in pieces)


def _fix_column_widths(doc, grid, widths_pt: list[float]) -> None:
    """Give ``grid`` fixed column widths (``w:tblLayout fixed``, grid and every cell), turning
    the page to landscape when the columns need more than the portrait text width; the last
    column takes whatever the page leaves."""
    docx, _, OxmlElement, qn, Pt = _docx_modules()
    section = doc.sections[0]
    needed = sum(widths_pt)
    text_width = (section.page_width - section.left_margin - section.right_margin) / 12700
    if needed > text_width:
        section.orientation = docx.enum.section.WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
        text_width = (section.page_width - section.left_margin - section.right_margin) / 12700
    widths = list(widths_pt)
    widths[-1] += max(0.0, text_width - needed)
    grid.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    grid._tbl.tblPr.append(layout)
    for j, width in enumerate(widths):
        grid.columns[j].width = Pt(width)
        for cell in grid.columns[j].cells:
            cell.width = Pt(width)


def truth_table_docx(tt, lang: str = "en", digits: int = 3, caption: str | None = None) -> bytes:
    """The observed truth-table rows as a Word document (a three-line table).

    Examples
    --------
    >>> from talentlab.qca import truth_table
    >>> d = pd.DataFrame({"A": [1, 1, 0, 0], "B": [1, 0, 1, 0], "Y": [1, 1, 0, 0]})
    >>> truth_table_docx(truth_table(d, "Y"))[:2]
    b'PK'
    """
    frame = truth_table_frame(tt, lang, digits)
    doc = _new_document()
    _, _, _, _, Pt = _docx_modules()
    # Word's own 1-inch margins (python-docx's template has 1.25 in): a truth table of five
    # conditions and its case names then fit a portrait page
    doc.sections[0].left_margin = doc.sections[0].right_margin = Pt(72)
    _paragraph(doc, caption or _w("truth table", lang).format(outcome=tt.outcome_label), 10.5,
               True)
    grid = doc.add_table(rows=1 + len(frame), cols=frame.shape[1])
    _no_table_borders(grid)
    for j, c in enumerate(frame.columns):
        _set_cell(grid.cell(0, j), str(c), bold=True)
    cases_col = frame.shape[1] - 1
    size = 10.5  # the Normal style's
    widths = [_CELL_PADDING_PT + max([_unbreakable_width_pt(str(c), size, bold=True)]
                                     + [_text_width_pt(str(v), size) for v in frame.iloc[:, j]])
              for j, c in enumerate(frame.columns[:cases_col])]
    cases = [str(v) for v in frame.iloc[:, cases_col]]
    header = _unbreakable_width_pt(str(frame.columns[-1]), size, bold=True)
    whole = max([header] + [_text_width_pt(c, size) for c in cases])
    section = doc.sections[0]
    longest_side = max(section.page_width, section.page_height) / 12700
    if sum(widths) + whole + _CELL_PADDING_PT > longest_side - 2 * section.left_margin / 12700:
        # a list too long for one line even in landscape: ", " lets it wrap between names (a
        # comma alone is no break opportunity, so LibreOffice and Word would cut a name)
        cases = [", ".join(c for c in v.split(",") if c) for v in cases]
        whole = max([header] + [_unbreakable_width_pt(c, size) for c in cases])
    for i, row in enumerate(frame.itertuples(index=False), start=1):
        for j, v in enumerate(row):
            text = cases[i - 1] if j == cases_col else str(v)
            _set_cell(grid.cell(i, j), text, align="left" if j == cases_col else "center")
    _fix_column_widths(doc, grid, widths + [_CELL_PADDING_PT + whole])
    _three_lines(grid)
    _paragraph(doc, _w("truth table note", lang).format(
        incl_cut=f"{tt.incl_cut[0]:g}", pri_cut=f"{tt.pri_cut:g}", n_cut=tt.n_cut), 8)
    return _docx_bytes(doc)


def _label(name: str, labels, lang: str) -> str:
    if not labels or name not in labels:
        return name
    v = labels[name]
    return v if isinstance(v, str) else v[_LANG[lang]]


# ---------------------------------------------------------------------------------- LaTeX
_TEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#",
                "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                "^": r"\textasciicircum{}"}


def latex_escape(text: str) -> str:
    """Text with LaTeX's special characters escaped.

    Examples
    --------
    >>> latex_escape("DEV*~IND & 50%")
    'DEV*\\\\textasciitilde{}IND \\\\& 50\\\\%'
    """
    return "".join(_TEX_SPECIAL.get(ch, ch) for ch in str(text))


def configuration_latex(table: pd.DataFrame, lang: str = "en", digits: int = 3, labels=None,
                        caption: str | None = None, label: str = "tab:qca-configurations") -> str:
    """The configuration table as a LaTeX ``table`` with booktabs rules.

    Examples
    --------
    >>> t = pd.DataFrame({"1": ["●", "⊗", 0.9, 0.8, 0.5, 0.4, "a", 0.9, 0.8, 0.5]},
    ...     index=pd.MultiIndex.from_tuples([("condition", "A"), ("condition", "B_1"),
    ...         ("configuration", "consistency"), ("configuration", "PRI"),
    ...         ("configuration", "raw coverage"), ("configuration", "unique coverage"),
    ...         ("configuration", "cases"), ("solution", "consistency"), ("solution", "PRI"),
    ...         ("solution", "coverage")]))
    >>> tex = configuration_latex(t)
    >>> r"A & \\qcacorepresent \\\\" in tex and r"B\\_1 & \\qcaperipheralabsent" in tex
    True
    """
    n_conf = table.shape[1]
    outcome = table.attrs.get("outcome", "")
    cap = caption or _chart_word("title", lang).format(outcome=outcome)
    lines = [_TEX_PREAMBLE.rstrip("\n"), r"\begin{table}[htbp]", r"\centering",
             rf"\caption{{{latex_escape(cap)}}}", rf"\label{{{label}}}",
             r"\begin{tabular}{l" + "c" * n_conf + "}", r"\toprule",
             " & ".join([latex_escape(_chart_word("condition", lang))]
                        + [latex_escape(str(c)) for c in table.columns]) + r" \\",
             r"\midrule"]
    previous = "condition"
    for name, cells, kind in _configuration_rows(table, lang, digits):
        if kind != previous:
            lines.append(r"\midrule")
            previous = kind
        if kind == "condition":
            out = []
            for v in cells:
                sign, role, level = parse_glyph(v)
                if sign is None:
                    out.append("")
                else:
                    out.append(_TEX_GLYPHS[(sign, role)] + (f"$_{{{level}}}$" if level else ""))
            lines.append(" & ".join([latex_escape(_label(name, labels, lang))] + out) + r" \\")
        elif kind == "fit":
            lines.append(" & ".join([latex_escape(name)] + cells) + r" \\")
        else:
            lines.append(f"{latex_escape(name)} & \\multicolumn{{{n_conf}}}{{c}}{{{cells[0]}}}"
                         r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", "",
              rf"\par\smallskip\footnotesize {_w('latex legend', lang)}",
              r"\end{table}"]
    return "\n".join(lines) + "\n"


def truth_table_latex(tt, lang: str = "en", digits: int = 3, caption: str | None = None,
                      label: str = "tab:qca-truth-table") -> str:
    """The observed truth-table rows as a LaTeX ``table`` with booktabs rules."""
    frame = truth_table_frame(tt, lang, digits)
    cap = caption or _w("truth table", lang).format(outcome=tt.outcome_label)
    lines = ["% Requires \\usepackage{booktabs}; Chinese text needs XeLaTeX with "
             "\\usepackage{xeCJK}.", r"\begin{table}[htbp]", r"\centering",
             rf"\caption{{{latex_escape(cap)}}}", rf"\label{{{label}}}",
             r"\begin{tabular}{" + "c" * (frame.shape[1] - 1) + "l}", r"\toprule",
             " & ".join(latex_escape(str(c)) for c in frame.columns) + r" \\", r"\midrule"]
    for row in frame.itertuples(index=False):
        lines.append(" & ".join(latex_escape(str(v)) for v in row) + r" \\")
    note = _w("truth table note", lang).format(incl_cut=f"{tt.incl_cut[0]:g}",
                                               pri_cut=f"{tt.pri_cut:g}", n_cut=tt.n_cut)
    lines += [r"\bottomrule", r"\end{tabular}", "",
              rf"\par\smallskip\footnotesize {latex_escape(note)}", r"\end{table}"]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------ results folder
def _rounded(frame: pd.DataFrame, digits: int) -> pd.DataFrame:
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_float_dtype(out[c]):
            out[c] = out[c].round(digits)
    return out


_SOLUTION_COLUMNS = ["solution", "branch", "model", "term", "inclS", "PRI", "covS", "covU",
                     "cases"]


def _solution_records(name: str, res) -> list[dict]:
    """Every term and model of one solution (each branch of an intermediate one)."""
    records = []
    parts = ([(b, br.solution) for b, br in res.branches.items()]
             if name == "intermediate" else [("", res.solution)])
    for branch, sol in parts:
        fit = sol.fit
        for k, terms in enumerate(sol.solutions):
            mf = sol.model_fits[k]
            for t in terms:
                records.append({"solution": name, "branch": branch, "model": f"M{k + 1}",
                                "term": t, **{p: mf.loc[t, p] for p in
                                              ("inclS", "PRI", "covS", "covU")},
                                "cases": fit.loc[t, "cases"]})
            s = mf.loc["solution"]
            records.append({"solution": name, "branch": branch, "model": f"M{k + 1}",
                            "term": "(solution)", "inclS": s["inclS"], "PRI": s["PRI"],
                            "covS": s["covS"], "covU": np.nan, "cases": ""})
    return records


def solutions_frame(result) -> pd.DataFrame:
    """Every term and model of every solution (and intermediate branch) in one tidy table."""
    records = []
    for name, res in result.solutions.items():
        records += _solution_records(name, res)
    return pd.DataFrame(records, columns=_SOLUTION_COLUMNS)


def diagnostics_csvs(result, digits: int = 3) -> dict[str, bytes]:
    """The diagnostics section of a results folder (``result.diagnostics``, see
    :class:`talentlab.qca.analysis.QCADiagnostics`).

    Always ``csa.csv`` and ``ssr.csv`` (truth-table rows: contradictory simplifying assumptions
    and simultaneous subset relations; absent when they could not be determined) and
    ``smmr.csv`` (typical and deviant consistency cases of each term); with a theory
    ``theory_fit.csv`` (inclS, PRI, covS, inclH of each term, the solution, the theory and the
    four intersections) and ``theory_cases.csv`` (the eight cells with their Boolean expression
    and cases); with a panel ``cluster.csv`` (pooled, between-cluster and within-unit
    consistency and coverage of each term and the whole model, with dBP and dWP); with the
    enhanced standard analysis ``esa_solutions.csv`` (the standard and the enhanced
    parsimonious and intermediate solutions, column ``analysis``) and ``esa_exclusions.csv``
    (the rows kept out and why).

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.qca import analyse
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1, .6], "B": [.8, .3, .9, .6, .2, .7],
    ...                   "Y": [.9, .7, .8, .3, .1, .6]}, index=list("abcdef"))
    >>> sorted(diagnostics_csvs(analyse(d, "Y", "A,B", robustness=False, theory="B")))
    ['csa.csv', 'smmr.csv', 'ssr.csv', 'theory_cases.csv', 'theory_fit.csv']
    """
    d = result.diagnostics
    if d is None:
        return {}
    files: dict[str, bytes] = {}
    for name, table in (("csa.csv", d.csa), ("ssr.csv", d.ssr)):
        if table is not None:
            files[name] = csv_bytes(table)
    files["smmr.csv"] = csv_bytes(_rounded(d.smmr, digits), index=False)
    if d.theory is not None:
        files["theory_fit.csv"] = csv_bytes(_rounded(d.theory.fit.rename_axis("set"), digits))
        files["theory_cases.csv"] = csv_bytes(_rounded(d.theory.intersections, digits),
                                              index=False)
    if d.cluster is not None:
        table = d.cluster.fit.merge(d.cluster.distances, on="set", how="left")
        files["cluster.csv"] = csv_bytes(_rounded(table, digits), index=False)
    if d.esa_exclusions is not None:
        records = []
        for name in ("parsimonious", "intermediate"):
            standard = result.solutions.get(name)
            if standard is not None and (name in d.esa or name == "parsimonious"):
                records += [{"analysis": "standard", **r}
                            for r in _solution_records(name, standard)]
            if name in d.esa:
                records += [{"analysis": "enhanced", **r}
                            for r in _solution_records(name, d.esa[name])]
        table = pd.DataFrame(records, columns=["analysis"] + _SOLUTION_COLUMNS)
        files["esa_solutions.csv"] = csv_bytes(_rounded(table, digits), index=False)
        files["esa_exclusions.csv"] = csv_bytes(d.esa_exclusions)
    return files


def robustness_csvs(robustness, digits: int = 3) -> dict[str, bytes]:
    """The robustness section of a results folder (``analyse(..., robustness=True)``).

    ``robustness_ranges.csv`` (the range of each cut-off and anchor that keeps the solution,
    with why each search stopped), ``robustness_tests.csv`` (the test set: each alternative
    analysis, its model, robust case rank and set coincidence), ``robustness_fit.csv``
    (RF_cov, RF_cons, RF_SC_minTS, RF_SC_maxTS, the robust core's fit, case ratios) and
    ``robustness_cases.csv`` (each case's memberships and type). CSV with BOM, formulas
    neutralised.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.qca import analyse
    >>> d = pd.DataFrame({"A": [.9, .8, .7, .2, .1, .6], "B": [.8, .3, .9, .6, .2, .7],
    ...                   "Y": [.9, .7, .8, .3, .1, .6]}, index=list("abcdef"))
    >>> sorted(robustness_csvs(analyse(d, "Y", "A,B", robustness=True).robustness))
    ['robustness_cases.csv', 'robustness_fit.csv', 'robustness_ranges.csv', 'robustness_tests.csv']
    """
    ranges = robustness.ranges.drop(columns=["minimisations"], errors="ignore")
    files = {"robustness_ranges.csv": csv_bytes(_rounded(ranges, 6), index=False),
             "robustness_tests.csv": csv_bytes(_rounded(robustness.tests, digits), index=False)}
    if robustness.fit is not None:
        files["robustness_fit.csv"] = csv_bytes(_rounded(robustness.fit, digits), index=False)
        files["robustness_cases.csv"] = csv_bytes(_rounded(robustness.cases, digits))
    return files


def _check_target(out: Path) -> None:
    """Refuse to replace a folder that is neither new, empty nor a previous output."""
    if out.exists() and out.is_dir() and any(out.iterdir()) and not (out / MARKER_FILE).is_file():
        raise ValueError(
            f"{out}: the folder holds other files and is not a previous output of talentlab qca "
            f"(no {MARKER_FILE}); the results folder is replaced as a whole, so give a new or "
            "empty folder / 输出文件夹须为新的、空的或此前 talentlab qca 的输出")


def write_qca_results(result, out: str | os.PathLike, lang: str = "en", digits: int = 3,
                      labels=None) -> Path:
    """Write everything :func:`talentlab.qca.analyse` computed into the folder ``out``.

    Files: ``calibrated.csv`` (the sets analysed, full precision), ``necessity.csv``,
    ``truth_table.csv/.docx/.tex``, ``solutions.csv`` (every term and model of every solution)
    and ``solutions.txt`` (as R prints them), ``configurations.csv/.docx/.tex/.png``,
    ``nca.csv`` and ``nca_bottlenecks.csv``, the robustness section when it was computed
    (:func:`robustness_csvs`), the diagnostics (:func:`diagnostics_csvs`) and
    ``xy_solution.png`` (the XY plot of the configuration table's model), ``methods.md`` (the
    methods paragraph in English and Chinese), and ``qca.json`` (the options and the list of
    files). The folder is written in one atomic step and replaced as a whole: it must be new,
    empty or a previous output.

    Parameters
    ----------
    result : QCAResult
    out : path
    lang : {"en", "zh"}
        Language of the tables' labels and of the chart (``methods.md`` has both).
    digits : int
        Decimals of the printed tables (journals print 2 or 3).
    labels : mapping, optional
        Condition -> label, or -> (English, Chinese) pair, for the tables and the chart.

    Returns
    -------
    Path of the folder.
    """
    from talentlab.data.atomic import write_folder_atomically
    from talentlab.report.figures_configurational import plot_configuration_table

    if lang not in _LANG:
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    target = Path(os.path.abspath(out))
    _check_target(target)
    files: dict[str, bytes] = {}
    files["calibrated.csv"] = csv_bytes(result.data)
    nec = result.necessity.drop(columns=["method", "n", "outcome"], errors="ignore")
    files["necessity.csv"] = csv_bytes(_rounded(nec, digits))
    tt = result.truth_table
    files["truth_table.csv"] = truth_table_csv(tt, lang, digits)
    files["truth_table.docx"] = truth_table_docx(tt, lang, digits)
    files["truth_table.tex"] = truth_table_latex(tt, lang, digits).encode("utf-8")
    files["solutions.csv"] = csv_bytes(_rounded(solutions_frame(result), digits), index=False)
    files["solutions.txt"] = (str(result) + "\n").encode("utf-8")
    chart = result.configurations
    if chart is not None:
        files["configurations.csv"] = configuration_csv(chart, lang, digits)
        files["configurations.docx"] = configuration_docx(chart, lang, digits, labels)
        files["configurations.tex"] = configuration_latex(chart, lang, digits,
                                                          labels).encode("utf-8")
    summary = result.nca.summary.drop(columns=["method"], errors="ignore")
    files["nca.csv"] = csv_bytes(_rounded(summary, digits), index=False)
    bottlenecks = pd.concat({k: v for k, v in result.nca.bottlenecks.items()}, names=["ceiling"])
    files["nca_bottlenecks.csv"] = csv_bytes(_rounded(bottlenecks, digits))
    if getattr(result, "robustness", None) is not None:
        files.update(robustness_csvs(result.robustness, digits))
    diagnostics = getattr(result, "diagnostics", None)
    if diagnostics is not None:
        files.update(diagnostics_csvs(result, digits))
    listing = sorted(list(files) + ["methods.md", MARKER_FILE]
                     + (["configurations.png"] if chart is not None else [])
                     + (["xy_solution.png"] if diagnostics is not None else []))
    files["methods.md"] = _methods_markdown(result, listing).encode("utf-8")
    files[MARKER_FILE] = (json.dumps({
        "outcome": result.outcome, "conditions": result.conditions, "source": result.source,
        "cases": len(result.data), "calibration": result.calibration,
        "options": {k: v for k, v in result.options.items()},
        "solutions": {k: v.expressions for k, v in result.solutions.items()},
        "problems": result.problems, "files": listing,
        "diagnostics": None if diagnostics is None else {
            "solution": diagnostics.solution, "model": diagnostics.expression,
            "problems": diagnostics.problems},
    }, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n").encode("utf-8")

    def write(stage: Path) -> None:
        for name, data in files.items():
            (stage / name).write_bytes(data)
        if chart is not None:
            fig = plot_configuration_table(chart, lang=lang, labels=labels, digits=2)
            tp.savefig(fig, stage / "configurations.png")
            import matplotlib.pyplot as plt

            plt.close(fig)
        if diagnostics is not None:
            import matplotlib.pyplot as plt

            from talentlab.report.figures_xy import xy_plot

            fig = xy_plot(diagnostics.xy, lang=lang)
            tp.savefig(fig, stage / "xy_solution.png")
            plt.close(fig)

    return write_folder_atomically(target, write, replace=True)


def _methods_markdown(result, listing: list[str]) -> str:
    lines = ["# Methods / 方法", "", "## English", "", result.methods("en"), "", "## 中文", "",
             result.methods("zh"), ""]
    if result.warnings:
        lines += ["## Warnings / 提示", ""] + [f"- {w}" for w in result.warnings] + [""]
    lines += ["## Files / 文件", ""] + [f"- `{f}`" for f in listing] + [""]
    return "\n".join(lines)
