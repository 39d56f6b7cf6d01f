"""Publication checks: small cells (primary, secondary), CSV formulas, links, executable HTML,
one parameter block, the ledger page rendered with autoescape."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from talentlab import report
from talentlab.report import disclosure, publish


# ------------------------------------------------------------------------------------------------
# disclosure control
# ------------------------------------------------------------------------------------------------
def test_small_group_is_named_by_table_row_column_and_value():
    t = pd.DataFrame({"major": ["A", "B", "C"], "n": [4, 40, 0], "estimate": [0.5, 0.6, None]})
    problems = publish.small_cells(t, "t.csv")
    assert problems == ["t.csv: row 0 (major=A), column 'n' = 4 is below the threshold 10 "
                        "(primary suppression)"]
    assert publish.small_cells(t, "t.csv", min_cell=5) == ["t.csv: row 0 (major=A), column 'n' "
                                                           "= 4 is below the threshold 5 "
                                                           "(primary suppression)"]
    with pytest.raises(ValueError, match="below the minimum"):
        publish.small_cells(t, "t.csv", min_cell=3)


def test_suppressed_rows_pass_but_a_lone_suppressed_row_is_secondary_missing():
    t = pd.DataFrame({"indicator": ["r"] * 3, "major": ["A", "B", "C"], "n": [4, 30, 50],
                      "estimate": [0.5, 0.6, 0.7]})
    ok = disclosure.suppress_tidy(t, by=["major"])
    assert publish.small_cells(ok, "ok.csv") == []
    lone = t.assign(suppressed=[True, False, False], n=[float("nan"), 30, 50])
    (problem,) = publish.small_cells(lone, "lone.csv")
    assert "exactly one suppressed row" in problem and "secondary" in problem


def test_crosstab_needs_complementary_suppression():
    counts = pd.DataFrame({"a": [3, 40, 50], "b": [30, 40, 50], "c": [20, 25, 60]},
                          index=pd.Index(["x", "y", "z"], name="major"))
    published = disclosure.suppress_crosstab(counts).reset_index()
    assert publish.small_cells(published, "ok.csv") == []
    raw = counts.copy()
    raw["Total"] = raw.sum(axis=1)
    problems = publish.small_cells(raw.reset_index(), "raw.csv")
    assert any("column 'a' = 3" in p for p in problems)
    only_primary = published.copy().astype(object)
    only_primary.loc[0, ["b", "c"]] = [30, 20]  # undo the complementary cells of row x
    only_primary.loc[1:2, "a"] = [40, 50]
    problems = publish.small_cells(only_primary, "primary_only.csv")
    assert any("row 0 (major=x), column 'a' is suppressed but lies within [3, 3]" in p
               and "secondary suppression missing" in p for p in problems)


def test_attribute_counts_below_threshold_are_masked():
    t = pd.DataFrame({"group": ["a", "b"], "n": [150, 200], "n_unknown": [6, 14],
                      "censored": [0, 3]})
    out = publish.suppress_attribute_counts(t)
    assert out["n_unknown"].tolist() == ["<10", 14] and out["censored"].tolist() == [0, "<10"]
    assert publish.small_cells(t, "t.csv") != [] and publish.small_cells(out, "t.csv") == []


def test_html_tables_of_notebook_outputs_are_checked(tmp_path):
    df = pd.DataFrame({"n": [3, 50]}, index=pd.Index(["IC", "SW"], name="major"))
    wide = pd.DataFrame([[0.5, 0.6]], columns=pd.MultiIndex.from_tuples(
        [("treated", "pre"), ("treated", "post")]))
    nb = new_notebook(cells=[new_code_cell("df", outputs=[new_output(
        "execute_result", data={"text/html": df.to_html(), "text/plain": str(df)},
        execution_count=1)]), new_code_cell("wide", outputs=[new_output(
            "display_data", data={"text/html": wide.to_html()})])])
    nb.cells[0]["id"], nb.cells[1]["id"] = "cell-0", "cell-1"
    path = tmp_path / "nb" / "x.ipynb"
    path.parent.mkdir()
    nbformat.write(nb, path)
    tables = list(publish.notebook_tables(path))
    assert [label for label, _ in tables] == ["x.ipynb cell cell-0 output 1 table 1",
                                             "x.ipynb cell cell-1 output 1 table 1"]
    assert list(tables[1][1].columns) == ["column 0", "treated / pre", "treated / post"]
    problems, summary = publish.disclosure_problems(tmp_path)
    assert len(problems) == 1 and "column 'n' = 3" in problems[0] and "nb/x.ipynb" in problems[0]
    (path.parent / "results.json").write_text(json.dumps({"disclosure_exempt": "cases"}))
    problems, summary = publish.disclosure_problems(tmp_path)
    assert problems == [] and summary["exempt"] == {"nb": "cases"}


# ------------------------------------------------------------------------------------------------
# CSV formula injection
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "\t=1",
                                   "=HYPERLINK(\"http://x\",\"y\")"])
def test_formulas_are_neutralised(value):
    assert publish.neutralise_formula(value) == "'" + value
    out = publish.neutralise_frame(pd.DataFrame({"name": [value], value: [1]}))
    assert out["name"].iloc[0].startswith("'") and list(out.columns)[1].startswith("'")
    assert publish.formula_cells(out) == []


@pytest.mark.parametrize("value", ["-0.25", "+3", "-1e-05", "IC Design", "", "—", "50%"])
def test_numbers_and_text_stay(value):
    assert publish.neutralise_formula(value) == value


def test_written_tables_are_safe(tmp_path):
    from talentlab.report import figures

    figures.write_table(pd.DataFrame({"major": ["=cmd()", "ok"], "n": [40, 50],
                                      "n_unknown": [2, 20], "estimate": [-0.5, 0.1]}),
                        tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text(encoding="utf-8")
    assert text.splitlines()[1:] == ["'=cmd(),40,<10,-0.5", "ok,50,20,0.1"]
    # UTF-8 with a byte-order mark: Excel on Chinese Windows reads 专业 as UTF-8, not GBK
    figures.write_table(pd.DataFrame({"专业": ["集成电路"], "n": [40]}), tmp_path / "zh.csv")
    raw = (tmp_path / "zh.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and raw.decode("utf-8-sig") == "专业,n\n集成电路,40\n"
    assert pd.read_csv(tmp_path / "zh.csv").columns.tolist() == ["专业", "n"]
    assert publish.formula_problems(tmp_path) == []
    (tmp_path / "raw.csv").write_text("name\n=1+1\n")
    assert publish.formula_problems(tmp_path) == [
        "raw.csv: row 0, column 'name': '=1+1' starts like a spreadsheet formula"]


# ------------------------------------------------------------------------------------------------
# links and executable content
# ------------------------------------------------------------------------------------------------
def test_link_checker_resolves_files_and_fragments_offline(tmp_path):
    (tmp_path / "nb").mkdir()
    (tmp_path / "nb" / "page.html").write_text(
        '<h2 id="a-%C2%B7-b">x</h2><a id="plain"></a><img src="fig.png">'
        '<a href="#plain">x</a><a href="https://doi.org/10.1">doi</a>')
    (tmp_path / "nb" / "fig.png").write_bytes(b"\x89PNG")
    (tmp_path / "index.html").write_text(
        '<a href="nb/page.html#plain">ok</a><a href="nb/page.html#a-%C2%B7-b">ok</a>'
        '<img src="data:image/png;base64,AAAA">'
        '<a href="nb/page.html#missing">dead</a><a href="nb/gone.html">gone</a>'
        '<img src="https://cdn.example/x.png"><a href="javascript:alert(1)">js</a>'
        '<a href="../../etc/passwd">out</a>')
    problems = publish.broken_links(tmp_path)
    assert len(problems) == 5, problems
    joined = "\n".join(problems)
    assert "no id 'missing' in nb/page.html" in joined
    assert "nb/gone.html does not exist" in joined
    assert "loads a resource from the network" in joined
    assert "javascript URL" in joined and "outside the report folder" in joined


def test_executable_content_is_found(tmp_path):
    (tmp_path / "ok.html").write_text('<script type="text/x-mathjax-config">x</script><p>ok</p>')
    (tmp_path / "bad.html").write_text('<p>x</p><img src=x onerror=alert(1)><script>1</script>'
                                       '<iframe src="a.html"></iframe>')
    found = publish.executable_content(tmp_path)
    assert len(found) == 3 and all(f.startswith("bad.html") for f in found)


def test_check_report_lists_every_problem(tmp_path):
    (tmp_path / "t.csv").write_text("major,n\n=cmd(),4\n")
    (tmp_path / "index.html").write_text('<a href="nope.html">x</a>')
    with pytest.raises(publish.PublicationError) as err:
        publish.check_report(tmp_path)
    msg = str(err.value)
    for part in ("1 small cells", "column 'n' = 4", "1 spreadsheet formulas", "1 links",
                 "nope.html does not exist"):
        assert part in msg


# ------------------------------------------------------------------------------------------------
# the published notebook and the ledger page
# ------------------------------------------------------------------------------------------------
def test_one_parameter_block_with_the_values_used(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell('# Parameters (papermill overrides these)\ndata_dir = "data/raw"  # folder\n'
                      "n_bootstrap = 9999\nlang = 'en'"),
        new_code_cell('# Parameters\ndata_dir = "/tmp/x/processed"\nn_bootstrap = 199\n'
                      "extra = [1, 2]\n"),
        new_code_cell("print(data_dir)")])
    nb.cells[0].metadata["tags"] = ["parameters"]
    nb.cells[1].metadata["tags"] = ["injected-parameters"]
    src, dst = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    nbformat.write(nb, src)
    report.normalize_notebook(src, dst, replacements={"/tmp/x": "<output_dir>"})
    out = nbformat.read(dst, as_version=4)
    assert len(out.cells) == 2
    assert out.cells[0].source == (
        "# Parameters of this run (papermill set: data_dir, n_bootstrap, extra)\n"
        'data_dir = "<output_dir>/processed"  # folder\nn_bootstrap = 199\nlang = \'en\'\n'
        "extra = [1, 2]")


def test_markdown_outputs_show_tags_as_text(tmp_path):
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
        "display_data", data={"text/markdown": "**Major:** <img src=x onerror=alert(1)> and "
                                               "`<script>alert(1)</script>`"})])])
    src, dst = tmp_path / "a.ipynb", tmp_path / "b.ipynb"
    nbformat.write(nb, src)
    report.normalize_notebook(src, dst)
    html_path = report.notebook_to_html(dst, tmp_path / "b.html")
    html = html_path.read_text()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script>alert" not in html and "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in html
    assert publish.executable_content(tmp_path) == []


def test_ledger_page_escapes_data_and_leads_with_the_summary():
    claims = pd.DataFrame({"claim_id": ["A<1>", "B"], "section": ["5.3.1", "3.1.1"],
                           "quote": ["<script>alert(1)</script>", "q2"], "indicator": ["x", None],
                           "testable_with": ["", "records of <b>other</b> colleges"]})
    verdicts = [pd.DataFrame({"claim_id": ["A<1>"], "estimate": [0.1], "ci_low": [0.05],
                              "ci_high": [0.15], "verdict": ["supported"],
                              "verdict_reason": ["<img src=x onerror=alert(1)>"],
                              "p_raw": [0.01], "claim_kind": ["impact"],
                              "evidence_link": ["nb.html#a"]})]
    ledger = report.findings_ledger(claims, verdicts)
    assert {"p_raw", "claim_kind"} <= set(ledger.columns)  # columns come from the verdict table
    page = report.render_index(ledger, claims, [], {"data_origin": "user", "name": "<b>x</b>"},
                               {"g.csv": "00"}, {"talentlab": "0"},
                               {"threshold": 10, "checked_tables": 1, "checked_cells": 2,
                                "exempt": {}})
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>x</b>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.index('id="summary"') < page.index('id="testable"') < page.index(
        'id="not-testable"')
    testable = page[page.index('id="testable-table"'):page.index('id="not-testable"')]
    assert "A&lt;1&gt;" in testable and "p unadjusted" in testable
    assert "claim (section · kind)" in testable and "§5.3.1 · impact" in testable
    # each number's header says what it is, in English and Chinese; the interval its kind
    assert "estimate [95% CI]" not in page and "95% confidence interval" in testable
    assert "未校正 p 值" in testable and "分节汇总" in page
    assert "得到支持" in testable and "无法检验" in page  # verdicts named in Chinese too
    # section 3.1.1 comes first in claims.csv order, but its only claim is untestable: folded
    assert "q2" not in testable
