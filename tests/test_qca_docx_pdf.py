"""The Word tables of ``talentlab qca`` (configuration table and truth table) converted to PDF by
headless LibreOffice read cleanly (issue 25): every header and every value is on the page whole,
no number or case name is broken across lines, each truth-table row is one line of text.

Needs LibreOffice (``soffice``; Debian: ``libreoffice-writer-nogui``) and ``pdftotext`` (poppler-utils);
skips with a message naming them otherwise.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from talentlab.qca import configuration_table, minimize, truth_table
from talentlab.report.qca_tables import (
    configuration_docx,
    truth_table_docx,
    truth_table_frame,
)

LF = Path(__file__).resolve().parent / "reference" / "qca" / "LF.csv"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None,
    reason="LibreOffice (soffice: apt-get install libreoffice-writer-nogui) or pdftotext "
           "(poppler-utils) is not installed: the .docx -> PDF check cannot run")


@pytest.fixture(scope="module")
def lf_pdf_text(tmp_path_factory):
    """The two tables of ``talentlab qca`` on R's LF data (incl.cut 0.8, every condition
    expected present), written as .docx and converted by one headless LibreOffice run."""
    folder = tmp_path_factory.mktemp("docx_pdf")
    lf = pd.read_csv(LF, index_col=0)
    tt = truth_table(lf, "SURV", incl_cut=0.8)
    result = minimize(tt, include="?", directional=["DEV", "URB", "LIT", "IND", "STB"])
    chart = configuration_table(result)
    (folder / "configurations.docx").write_bytes(configuration_docx(chart))
    (folder / "truth_table.docx").write_bytes(truth_table_docx(tt))
    subprocess.run([SOFFICE, "--headless", "--norestore",
                    f"-env:UserInstallation={(folder / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(folder),
                    str(folder / "configurations.docx"), str(folder / "truth_table.docx")],
                   check=True, capture_output=True, timeout=180)
    text = {}
    for name in ("configurations", "truth_table"):
        pdf = folder / f"{name}.pdf"
        assert pdf.exists(), f"LibreOffice wrote no {pdf.name}"
        text[name] = subprocess.run([PDFTOTEXT, "-layout", str(pdf), "-"], check=True,
                                    capture_output=True, text=True).stdout
    return tt, chart, text


def _lines(text: str) -> list[list[str]]:
    return [line.split() for line in text.splitlines() if line.strip()]


def test_truth_table_pdf_has_one_line_per_row_with_every_value_whole(lf_pdf_text):
    tt, _, text = lf_pdf_text
    frame = truth_table_frame(tt)
    lines = _lines(text["truth_table"])
    header = next(t for t in lines if t and t[0] == "Row")
    assert header == [str(c) for c in frame.columns], header
    for row in frame.itertuples(index=False):
        values = [str(v) for v in row[:-1]]
        # the row's line: its number, conditions, OUT, n, consistency and PRI in order, then
        # the first of its cases
        line = next((t for t in lines if t[:len(values)] == values), None)
        assert line is not None, f"row {values[0]} is not one line of the PDF: {values}"
        names = row[-1].split(",")
        # every case name whole somewhere after the values (a long list wraps between names)
        words = {name for t in lines for w in t for name in w.split(",")}
        assert set(names) <= words, f"case names broken in row {values[0]}: {names}"
        assert line[len(values)].split(",")[0] == names[0]
    # no fragment of a number: every number-looking token of the table is a whole value
    rows = [t for t in lines if t[0].isdigit()]
    assert len(rows) == len(frame)
    numbers = [w for t in rows for w in t if re.fullmatch(r"[\d.]+", w)]
    assert all(re.fullmatch(r"\d+|\d\.\d{3}", w) for w in numbers), numbers


def test_configuration_table_pdf_shows_every_label_and_value_whole(lf_pdf_text):
    _, chart, text = lf_pdf_text
    page = text["configurations"]
    for label in ("Configurations for SURV", "Condition", "Consistency", "PRI", "Raw coverage",
                  "Unique coverage", "Solution consistency", "Solution PRI",
                  "Solution coverage", "DEV", "URB", "LIT", "IND", "STB"):
        assert re.search(rf"(^|\s){re.escape(label)}(\s|$)", page, re.M), label
    lines = _lines(page)
    for name, key in (("Consistency", "consistency"), ("PRI", "PRI"),
                      ("Raw coverage", "raw coverage"), ("Unique coverage", "unique coverage")):
        expected = [f"{float(v):.3f}" for v in chart.loc[("configuration", key)]]
        line = next(t for t in lines if " ".join(t).startswith(name + " "))
        assert line[len(name.split()):] == expected, (name, line)
    for name, key in (("Solution consistency", "consistency"), ("Solution PRI", "PRI"),
                      ("Solution coverage", "coverage")):
        line = next(t for t in lines if " ".join(t).startswith(name + " "))
        assert line[len(name.split()):] == [f"{float(chart.loc[('solution', key)].iloc[0]):.3f}"
                                            ], (name, line)
    # the condition glyphs are on their condition's line (core present, peripheral, absent)
    glyph_lines = {t[0]: t[1:] for t in lines if t and t[0] in ("DEV", "URB", "LIT", "IND",
                                                                "STB")}
    assert set(glyph_lines) == {"DEV", "URB", "LIT", "IND", "STB"}
    assert all(glyph_lines[c] for c in glyph_lines)
