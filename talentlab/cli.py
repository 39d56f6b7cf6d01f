"""The ``talentlab`` command line: one sub-command per job (:data:`COMMANDS`).

Every command that writes is told where (``--out`` or a destination argument); its default, where
it has one, is a folder of the repository, and an installed talentlab, which has no project folder,
asks for the place instead of writing inside its own package (:mod:`talentlab.resources`).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from talentlab import resources
from talentlab.cases.settings import PAPER_ANALYSIS_SEED, PAPER_REFORM_COHORT
from talentlab.data import io as tio
from talentlab.data.disclosure import MIN_CELL, MIN_CELL_FLOOR, check_min_cell
from talentlab.data.schema import DataValidationError


def _cmd_validate(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else tio.DEFAULT_DATA_DIR
    try:
        data = tio.load_all(data_dir, encoding=args.encoding)
    except DataValidationError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    from talentlab.data.schema import cross_table_rules_not_checked

    tables = dict(data.tables())
    if data.published_rates is not None:
        tables["published_rates"] = data.published_rates
    counts = ", ".join(f"{n}: {len(df)} rows" for n, df in tables.items())
    print(f"{data_dir}: valid ({counts}). {data.describe_origin()}")
    if data.missing:
        # a subset is valid: say what it means, so an absent table is never a surprise later
        print(f"not supplied: {', '.join(data.missing)}. The analyses that need them are "
              "skipped and the claims they would judge read 'not testable' / 未提供的表：相关分析将跳过")
        unchecked = cross_table_rules_not_checked(data.supplied)
        if unchecked:
            print("not checked (the other table is not supplied): " + "; ".join(unchecked))
    if resources.IN_REPOSITORY:
        print(f"next: make reproduce DATA={data_dir}   (the analysis and the report / 分析与报告)")
    else:  # no Makefile outside a clone: the notebooks and the commands do the analysis
        print(f"next: talentlab indicators {data_dir} --by major, or the notebooks "
              "(talentlab notebooks DEST) / 下一步：计算指标或运行笔记本")
    return 0


def _cmd_process(args: argparse.Namespace) -> int:
    try:
        out = tio.process(args.data_dir, args.out, encoding=args.encoding)
    except DataValidationError as exc:
        print(str(exc), file=sys.stderr)
        print("nothing was written.", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}\nnothing was written.", file=sys.stderr)
        return 2
    print(f"processed data written to {out}")
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from talentlab import simulate

    scenarios = simulate.SCENARIOS if args.scenario == "all" else (args.scenario,)
    seed = simulate.DEFAULT_SEED if args.seed is None else args.seed
    for scenario in scenarios:
        out = Path(args.out) / scenario if args.scenario == "all" else Path(args.out)
        simulate.generate(scenario=scenario, seed=seed, out_dir=out)
        print(f"synthetic scenario '{scenario}' (seed {seed}) written to {out}")
    return 0


def _cmd_codebook(args: argparse.Namespace) -> int:
    from talentlab.data.atomic import atomic_write_text
    from talentlab.report.docs import render_readme

    out = Path(args.out) if args.out else resources.default_output("data/raw/README.md",
                                                                      "--out")
    text = render_readme()
    if args.check:
        current = out.read_text(encoding="utf-8") if out.is_file() else ""
        if current != text:
            print(f"{out} is out of date: run `talentlab codebook` (in a clone: make codebook) "
                  "/ 编码手册已过期", file=sys.stderr)
            return 1
        print(f"up to date: {out}")
        return 0
    if out.suffix.lower() != ".md":
        print(f"error: --out {out}: the codebook is a Markdown file; give a name ending in .md",
              file=sys.stderr)
        return 2
    atomic_write_text(out, text)
    print(f"written: {out}")
    return 0


def _cmd_template(args: argparse.Namespace) -> int:
    from talentlab.data.template import write_csv_templates, write_xlsx_template

    if args.out is None and args.csv is None:
        print("error: give OUT.xlsx and/or --csv DIR", file=sys.stderr)
        return 2
    if args.out is not None:
        print(f"Excel template written: {write_xlsx_template(args.out, lang=args.lang)}")
    if args.csv is not None:
        paths = write_csv_templates(args.csv, lang=args.lang)
        print(f"CSV templates written to {Path(args.csv)} ({len(paths)} files)")
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from talentlab.data.importer import ImportFailed, import_records
    from talentlab.data.mappings import MappingError

    try:
        res = import_records(args.src, args.out, mapping=args.mapping, encoding=args.encoding,
                             allow_dropped_rows=args.allow_dropped_rows,
                             max_dropped_share=args.max_dropped_share, key_file=args.key_file,
                             keep_identifiers=args.keep_identifiers)
    except ImportFailed as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (MappingError, ValueError, FileNotFoundError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    counts = ", ".join(f"{t}: {n} rows" for t, n in res.tables.items())
    print(f"imported into {res.out} ({counts}); report: {res.out / 'import_report.md'}")
    for warning in res.report.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    if res.dropped:
        print(f"warning: {res.dropped} row(s) dropped, each listed in the report", file=sys.stderr)
    pseudonymised = res.report.get("identifiers_pseudonymised")
    if pseudonymised:
        print("identifiers written as keyed pseudonyms: " + "; ".join(
            f"{t}: {', '.join(cols)}" for t, cols in pseudonymised.items()))
    missing = res.report.get("tables_not_found", [])
    if missing:
        print(f"note: no file held {', '.join(missing)}: the analyses that need "
              f"{'it' if len(missing) == 1 else 'them'} are reported as not testable / "
              f"未提供 {', '.join(missing)}，相关分析将标为无法检验")
    print(f"next / 下一步: talentlab validate {res.out}   then   make reproduce DATA={res.out}")
    return 0


def _cmd_indicators(args: argparse.Namespace) -> int:
    import io

    from talentlab.data.atomic import atomic_write_bytes
    from talentlab.indicators import IndicatorInputError
    from talentlab.indicators.engines import compute_indicators
    from talentlab.report.disclosure import publishable_indicators, refuse_identifier_keys
    from talentlab.report.publish import prepare_table, suppress_attribute_counts

    by = [c.strip() for c in args.by.split(",") if c.strip()] if args.by else []
    try:
        refuse_identifier_keys(by)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:  # the count-based graduate indicators, the same table from every engine
        table = compute_indicators(args.data, by, engine=args.engine, min_cell=args.min_cell,
                                   alpha=args.alpha, spark=args.spark_master)
    except (IndicatorInputError, DataValidationError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    # what leaves is disclosure-controlled: small groups and their complements blanked
    table = publishable_indicators(table, by, args.min_cell)
    n_hidden = int(table["suppressed"].sum())
    note = (f"{n_hidden} of {len(table)} rows blanked: groups of fewer than {args.min_cell} "
            "people and the rows that would reveal them by difference / "
            f"{n_hidden} 行因人数少于 {args.min_cell} 或可被差分推出而留空")
    if args.out is None:
        sys.stdout.write(prepare_table(table, args.min_cell).to_csv(index=False,
                                                                    lineterminator="\n"))
        print(note, file=sys.stderr)
        return 0
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    if out.suffix == ".parquet":
        buffer = io.BytesIO()
        suppress_attribute_counts(table, args.min_cell, mark=False).to_parquet(buffer,
                                                                                index=False)
        atomic_write_bytes(out, buffer.getvalue())
    else:  # UTF-8 with a BOM, as the report's CSVs: Excel then reads the Chinese labels right
        atomic_write_bytes(out, prepare_table(table, args.min_cell).to_csv(
            index=False, lineterminator="\n").encode("utf-8-sig"))
    print(f"{len(table)} indicator rows written to {out}; {note}")
    return 0


def _min_cell_argument(value: str) -> int:
    """``--min-cell``: the disclosure rule's check (a whole number, at least the floor)."""
    try:
        return check_min_cell(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _cmd_examples(args: argparse.Namespace) -> int:
    if args.dest is not None:
        if args.out is not None or args.scenario is not None:
            print("error: give DEST (copy the shipped data) or --scenario/--out (remake the "
                  "example export from a scenario), not both", file=sys.stderr)
            return 2
        try:
            from talentlab.data.shipped import copy_examples

            out = copy_examples(args.dest)
        except (ValueError, FileNotFoundError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"shipped data copied to {out}: data/raw/synthetic/<scenario>/ (paper_claims, null, "
              "pretrend, staggered), the paper's codings in data/raw/, the example export in "
              "data/raw/examples/synthetic_college_export/, the contract in contract/ "
              "/ 示例数据已复制")
        print(f"next / 下一步: cd {out} && talentlab validate data/raw/synthetic/paper_claims")
        return 0
    from talentlab.data.examples import EXPORT_NAME, write_college_export

    scenario = args.scenario or "paper_claims"
    out_dir = args.out if args.out is not None else resources.default_output(
        f"data/raw/examples/{EXPORT_NAME}", "DEST or --out")
    try:
        out = write_college_export(scenario, out_dir=out_dir)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"synthetic college export (from scenario '{scenario}') written to {out}")
    return 0


def _cmd_notebooks(args: argparse.Namespace) -> int:
    from talentlab.data.shipped import copy_notebooks

    try:
        out = copy_notebooks(args.dest)
    except (ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    names = ", ".join(sorted(p.name for p in out.glob("*.ipynb")))
    print(f"notebooks copied to {out}: {names} / 笔记本已复制")
    print("run them in JupyterLab (pip install 'talentlab[notebooks]'); relative data paths such "
          "as data/raw/synthetic/paper_claims find the shipped data from any folder")
    return 0


def _cmd_finalize(args: argparse.Namespace) -> int:
    from talentlab.report import finalize_notebook

    try:  # the 'report' extra: say so before any work
        for module in ("nbformat", "nbconvert"):
            resources.require(module, "report")
    except ModuleNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    finalize_notebook(args.executed, args.output)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from talentlab.report import build_report
    from talentlab.report.publish import PublicationError

    try:
        index = build_report(args.reports, args.processed, claims_path=args.claims,
                             min_cell=args.min_cell)
    except PublicationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"report written: {index}")
    return 0


def _cmd_verify(args: argparse.Namespace) -> int:
    from talentlab.report import verify_reports

    diffs = verify_reports(args.reference, args.rerun)
    if diffs:
        print("the rerun differs from the manifest:", *diffs, sep="\n  ", file=sys.stderr)
        return 1
    print(f"identical: every result file in {args.rerun} matches {args.reference}/MANIFEST.sha256")
    return 0


def _cmd_pseudonymise(args: argparse.Namespace) -> int:
    from talentlab.data.privacy import pseudonymise_dir

    try:
        written = pseudonymise_dir(args.input, args.output, args.key_file)
    except DataValidationError as exc:
        print(str(exc), file=sys.stderr)
        print("nothing was written (fix the input first: the copy must validate).", file=sys.stderr)
        return 1
    except (ValueError, OSError) as exc:
        print(f"error: {exc}\nnothing was written.", file=sys.stderr)
        return 2
    names = ", ".join(p.stem for p in written)
    print(f"pseudonymised {len(written)} tables ({names}) into {args.output}")
    return 0


DESCRIPTION = """\
talentlab: import a college's exports, check and process the records, compute the codebook's
indicators, evaluate the Zhuhai case and compare the six cases, and publish a report.
高职人才培养研究工具：导入学校数据、校验与处理、计算指标、案例评估与比较、发布报告。"""

#: every command and its one line in ``talentlab --help`` (the order of the listing)
COMMANDS = {
    "import": "import a college's exports (Chinese headers, codes)",
    "validate": "check a data folder against the contract",
    "process": "validate and write processed Parquet + manifest",
    "pseudonymise": "replace identifiers with keyed pseudonyms",
    "template": "write an Excel/CSV template a college can fill",
    "indicators": "codebook indicators of a data file or folder",
    "qca": "QCA and NCA of your own case table",
    "design": "simulated power of the verdict rule for a design",
    "finalize-notebook": "normalise an executed notebook and render HTML",
    "report": "write index.html, findings.md and the manifest",
    "verify": "compare a rerun with a report's manifest",
    "examples": "copy the shipped data out (or remake the export)",
    "notebooks": "copy the shipped notebooks into a folder",
    "generate": "write a synthetic scenario (or all of them)",
    "codebook": "render the codebook (data/raw/README.md)",
}


def _command(sub, name: str, description: str | None = None) -> argparse.ArgumentParser:
    """A sub-command: its one line for ``talentlab --help`` and, on its own page, the longer
    ``description``."""
    return sub.add_parser(name, help=COMMANDS[name], description=description or
                          COMMANDS[name][0].upper() + COMMANDS[name][1:] + ".")


def _add_data_commands(sub) -> None:
    """validate, process, generate, codebook, pseudonymise, template, import."""
    p = _command(sub, "validate")
    p.add_argument("data_dir", nargs="?", help="folder with any of the four record tables "
                   "(default: shipped data)")
    p.add_argument("--encoding", help="encoding of the CSV files (default: detected; e.g. big5)")
    p.set_defaults(func=_cmd_validate)

    p = _command(sub, "process")
    p.add_argument("data_dir", nargs="?", help="raw data folder (default: shipped data)")
    p.add_argument("--out", help="output folder (default: data/processed/<data set>); new, empty "
                   "or a previous output of process, replaced as a whole")
    p.add_argument("--encoding", help="encoding of the CSV files (default: detected; e.g. big5)")
    p.set_defaults(func=_cmd_process)

    p = _command(sub, "generate")
    p.add_argument("--scenario", default="paper_claims",
                   help="paper_claims, null, pretrend or all")
    p.add_argument("--seed", type=int, default=None, help="random seed (default: the scenario's)")
    p.add_argument("--out", required=True, help="output folder")
    p.set_defaults(func=_cmd_generate)

    p = _command(sub, "codebook", "Render the codebook (the record tables' columns, the import's "
                 "aliases and value maps, the indicator definitions and the verdict rules) as one "
                 "Markdown file from the contract and the code: data/raw/README.md in a clone. / "
                 "由数据契约生成编码手册")
    p.add_argument("--out", metavar="FILE.md", help="the file to write (default in a clone: "
                   "data/raw/README.md; required for an installed talentlab)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; fail if the file differs from what would be written")
    p.set_defaults(func=_cmd_codebook)

    p = _command(sub, "pseudonymise", "Replace identifiers with keyed pseudonyms (HMAC-SHA256) "
                 "in a copy of a data folder. / 用密钥将标识符替换为假名")
    p.add_argument("input", help="data folder holding any of the four record tables (only read)")
    p.add_argument("output", help="folder for the pseudonymised copy (new, empty or a previous "
                   "copy, replaced as a whole; not inside the input nor under data/raw/)")
    p.add_argument("--key-file", required=True, help="secret key file, kept outside the repository")
    p.set_defaults(func=_cmd_pseudonymise)

    p = _command(sub, "template")
    p.add_argument("out", nargs="?", help="the .xlsx workbook to write")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the notes and of the boolean drop-down (default: en)")
    p.add_argument("--csv", metavar="DIR", help="also write header-only CSV templates into DIR")
    p.set_defaults(func=_cmd_template)

    p = _command(sub, "import", "Import a college's exports (Chinese headers, ministry codes, "
                 "several sheets) into a contract-conformant folder with a report. / 导入学校导出数据")
    p.add_argument("src", help="a .csv/.txt/.xlsx/.xls file or a folder of them (never modified)")
    p.add_argument("out", help="the folder to write (tables, datapackage.json, import_report.md/json)")
    p.add_argument("--mapping", help="mapping.yaml or .toml with extra aliases/value maps "
                   "(default: SRC/mapping.yaml when present)")
    p.add_argument("--encoding", help="encoding of the CSV/TXT files (default: detected)")
    p.add_argument("--allow-dropped-rows", action="store_true",
                   help="drop rows that cannot be imported (listed in the report) instead of "
                   "failing; refused when the problems are one column or one unknown value (add "
                   "a mapping instead), when no row would be left, or beyond --max-dropped-share")
    p.add_argument("--max-dropped-share", type=float, default=0.05, metavar="SHARE",
                   help="largest share of a table's rows --allow-dropped-rows may drop "
                   "(default 0.05)")
    p.add_argument("--key-file", help="secret key (kept outside the project): identifier columns "
                   "are written as keyed pseudonyms, as `talentlab pseudonymise` writes them")
    p.add_argument("--keep-identifiers", action="store_true",
                   help="write identifiers that look like real student numbers in clear "
                   "(refused without this or --key-file)")
    p.set_defaults(func=_cmd_import)


def _add_analysis_commands(sub) -> None:
    """indicators, examples."""
    p = _command(sub, "indicators", "Graduate-level indicators of a data file or folder on "
                 "DuckDB, pandas or Spark, disclosure-controlled. / 计算毕业生指标")
    p.add_argument("data", help="graduates parquet/CSV file, glob of parquet files, or folder")
    p.add_argument("--by", default="", help="comma-separated group columns, e.g. cohort,major")
    p.add_argument("--engine", choices=("auto", "duckdb", "pandas", "spark"), default="auto",
                   help="auto (default): DuckDB for large files, pandas for small ones")
    p.add_argument("--out", help="output .csv or .parquet (default: CSV on standard output)")
    p.add_argument("--min-cell", type=_min_cell_argument, default=MIN_CELL,
                   help="disclosure threshold: groups of fewer people are blanked, with the "
                        f"groups that would reveal them (default {MIN_CELL}, never below "
                        f"{MIN_CELL_FLOOR})")
    p.add_argument("--alpha", type=float, default=0.05,
                   help="intervals at level 1 - alpha (default 0.05: 95%%)")
    p.add_argument("--spark-master", default=None,
                   help="Spark master URL for --engine spark (default: local[*])")
    p.set_defaults(func=_cmd_indicators)

    p = _command(sub, "examples", "talentlab examples DEST copies the shipped data into DEST "
                 "(new or empty), laid out as in the repository: the synthetic scenarios "
                 "(data/raw/synthetic/), the paper's codings (data/raw/cases.csv, claims.csv, "
                 "CASES.md ...), the codebook, the synthetic college export "
                 "(data/raw/examples/synthetic_college_export/) and the contract "
                 "(contract/datapackage.json). Without DEST it remakes the synthetic college "
                 "export (Chinese headers, ministry codes, two-sheet workbook) from a scenario "
                 "(make examples). / 复制示例数据")
    p.add_argument("dest", nargs="?", help="folder to copy the shipped data into (new or empty)")
    p.add_argument("--scenario", default=None,
                   help="remake the export from this scenario under data/raw/synthetic/ "
                   "(default paper_claims)")
    p.add_argument("--out", default=None, help="folder of the remade export (default in a "
                   "clone: data/raw/examples/synthetic_college_export)")
    p.set_defaults(func=_cmd_examples)

    shipped = ", ".join(nb.stem for nb in sorted(resources.NOTEBOOKS_DIR.glob("*.ipynb")))
    p = _command(sub, "notebooks", "Copy the shipped notebooks into DEST (new or empty): "
                 f"{shipped or 'none found (a broken install?)'}. / 复制笔记本")
    p.add_argument("dest", help="folder to copy the notebooks into (new or empty)")
    p.set_defaults(func=_cmd_notebooks)


def _add_report_commands(sub) -> None:
    """finalize-notebook, report, verify."""
    p = _command(sub, "finalize-notebook")
    p.add_argument("executed")
    p.add_argument("output")
    p.set_defaults(func=_cmd_finalize)

    p = _command(sub, "report", description=(
        "Write index.html (English and Chinese), findings.md, findings.csv (UTF-8 with a BOM, "
        "for Excel) and MANIFEST.sha256 from the executed notebooks in REPORTS. Every "
        "published table, CSV and link is checked first; when a check fails, the command is "
        "killed or the disk is full, the earlier report is left as it was (the new report is "
        "built beside REPORTS and swapped in whole, so REPORTS is a new folder afterwards). / "
        "由已运行的笔记本生成报告首页（中英文）、结论台账与校验清单；检查未通过、进程被终止或磁盘已满时"
        "保留原有报告（新报告在旁边生成后整体替换）。"))
    p.add_argument("--reports", required=True,
                   help="the report folder holding the executed notebooks' folders (NN_name/)")
    p.add_argument("--processed", required=True,
                   help="the processed data folder the notebooks read (its manifest.json)")
    p.add_argument("--claims", default=None,
                   help="the paper's claims table (default: the shipped claims.csv)")
    p.add_argument("--min-cell", type=_min_cell_argument, default=MIN_CELL,
                   help="disclosure threshold every published table is checked against "
                        f"(default {MIN_CELL}, never below {MIN_CELL_FLOOR})")
    p.set_defaults(func=_cmd_report)

    p = _command(sub, "verify")
    p.add_argument("reference")
    p.add_argument("rerun")
    p.set_defaults(func=_cmd_verify)


def _cmd_qca(args: argparse.Namespace) -> int:
    """QCA and NCA of a case table into a results folder (talentlab.qca.analyse)."""
    from talentlab.qca import QCAError, analyse
    from talentlab.report.qca_tables import write_qca_results

    try:
        result = analyse(args.cases, args.outcome, args.conditions, calibration=args.calibrate,
                         incl_cut=args.incl_cut, n_cut=args.n_cut, pri_cut=args.pri_cut,
                         directional=args.directional, case_column=args.case_column,
                         nca_scope=args.nca_scope, nca_permutations=args.nca_permutations,
                         encoding=args.encoding, robustness=args.robustness,
                         theory=args.theory, unit=args.unit, cluster=args.cluster,
                         necessary=args.necessary, untenable=args.untenable,
                         esa_csa=args.esa_csa)
        out = write_qca_results(result, args.out, lang=args.lang, digits=args.digits)
    except (QCAError, ValueError, OSError) as exc:
        print(f"error: {exc}\nnothing was written.", file=sys.stderr)
        return 2
    for name, res in result.solutions.items():
        print(f"{name}: {' | '.join(res.expressions)} -> {result.outcome}")
    for name, why in result.problems.items():
        print(f"{name}: not computed ({why})")
    if result.diagnostics is not None:
        for name, why in result.diagnostics.problems.items():
            print(f"{name}: not computed ({why})")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"results written to {out} (methods.md states every choice / methods.md 说明全部设定)")
    return 0


def _add_qca_command(sub) -> None:
    """qca."""
    p = _command(sub, "qca", "QCA and NCA of your own case table: calibration, necessity, "
                 "truth table, the three solutions, configuration table (Word, LaTeX, CSV), chart, "
                 "robustness, diagnostics (CSA, SSR, SMMR cases, XY plot) and methods text. / "
                 "用自己的案例做 QCA")
    p.add_argument("cases", help="case table, .csv (any encoding Chinese Excel writes) or .xlsx; "
                   "one row per case, the first column the case names")
    p.add_argument("--outcome", required=True, help="outcome column (~Y for its negation)")
    p.add_argument("--conditions", required=True, help="condition columns, e.g. A,B,C")
    p.add_argument("--calibrate", metavar="SET=e,c,i;...",
                   help="direct calibration anchors (full exclusion, crossover, full inclusion) "
                   "of the sets that are raw values, e.g. \"A=10,50,90;B=1,2.5,4\"; the other "
                   "sets must be memberships in [0, 1]")
    p.add_argument("--incl-cut", type=float, default=0.8,
                   help="consistency cut-off of the truth table (default 0.8)")
    p.add_argument("--n-cut", type=int, default=1, help="frequency cut-off (default 1)")
    p.add_argument("--pri-cut", type=float, default=0.0, help="PRI cut-off (default 0)")
    p.add_argument("--directional", metavar="SET=1,SET=0,...",
                   help="directional expectations for the intermediate solution: 1 present, "
                   "0 absent, - none (without them no intermediate solution)")
    p.add_argument("--case-column", help="column with the case names (default: the first "
                   "column when it is not a set)")
    p.add_argument("--nca-scope", choices=("observed", "theoretical"), default="observed",
                   help="NCA scope: the observed range (R NCA's default) or [0, 1]")
    p.add_argument("--nca-permutations", type=int, default=0,
                   help="permutations of NCA's significance test (default 0: no test)")
    p.add_argument("--robustness", action=argparse.BooleanOptionalAction, default=True,
                   help="check the solution's robustness (SetMethods conventions; on unless "
                   "--no-robustness): ranges of the cut-offs and calibration anchors that keep "
                   "it, and its fit against a test set of alternative analyses "
                   "(robustness_*.csv, methods.md) / 稳健性检验")
    p.add_argument("--theory", metavar="EXPR",
                   help="evaluate a theory (an expression of the conditions, e.g. "
                   "\"DEV*~IND\") against the solution: theory_fit.csv, theory_cases.csv "
                   "/ 理论评估")
    p.add_argument("--unit", metavar="COL", help="pooled panel: the column naming the unit "
                   "(a college); with --cluster, cluster diagnostics (cluster.csv)")
    p.add_argument("--cluster", metavar="COL", help="pooled panel: the column naming the "
                   "cluster (a year); with --unit / 面板数据的聚类诊断")
    p.add_argument("--necessary", metavar="EXPR", help="enhanced standard analysis: necessary "
                   "condition(s), several separated by ';' (rows outside them are not used): "
                   "esa_solutions.csv, esa_exclusions.csv / 增强标准分析：必要条件")
    p.add_argument("--untenable", metavar="EXPR", help="enhanced standard analysis: untenable "
                   "assumption(s), several separated by ';' (remainders inside them are not "
                   "used) / 增强标准分析：站不住的假设")
    p.add_argument("--esa-csa", action=argparse.BooleanOptionalAction, default=True,
                   help="the enhanced standard analysis also keeps the contradictory "
                   "simplifying assumptions out (on unless --no-esa-csa)")
    p.add_argument("--lang", choices=("en", "zh"), default="en",
                   help="language of the tables and the chart (methods.md has both)")
    p.add_argument("--digits", type=int, choices=(2, 3), default=3,
                   help="decimals in the printed tables (default 3)")
    p.add_argument("--encoding", help="encoding of a CSV file (default: detected)")
    p.add_argument("--out", required=True, help="results folder (new, empty or a previous "
                   "output of qca; replaced as a whole)")
    p.set_defaults(func=_cmd_qca)


def _cohort_range(text: str) -> tuple[int, ...]:
    """``2017-2025`` -> (2017, ..., 2025); ``2017,2018`` -> (2017, 2018)."""
    try:
        if "-" in text:
            first, last = (int(x) for x in text.split("-", 1))
            return tuple(range(first, last + 1))
        return tuple(int(x) for x in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"cohorts must be FIRST-LAST or a comma list of years, got {text!r}") from None


def _cmd_design(args: argparse.Namespace) -> int:
    """Simulated power of the verdict rule for a planned design (talentlab.evaluation.design)."""
    import dataclasses

    from talentlab.evaluation.design import Design, supportable_effect, verdict_power

    reforms = sorted(set(args.reform))
    design = Design(colleges=args.colleges, majors=args.majors, treated=args.treated,
                    cohorts=args.cohorts, reform=reforms[0], n_per_cell=args.n_per_cell,
                    base_rate=args.base_rate, unit_sd=args.unit_sd, cell_sd=args.cell_sd,
                    reform_years=tuple(reforms) if len(reforms) > 1 else ())
    if args.calibrate:
        found = _design_noise(Path(args.calibrate), args.outcome)
        design = dataclasses.replace(design, **found)
        print(f"noise calibrated on {args.calibrate} ({args.outcome}, cells not yet reformed) "
              f"/ 噪声参数由数据估计: base rate {found['base_rate']:.3f}, unit SD "
              f"{found['unit_sd']:.3f}, cell SD {found['cell_sd']:.3f}, "
              f"{found['n_per_cell']} graduates per cell")
    design.check()
    res = verdict_power(design, args.effect, n_simulations=args.simulations,
                        family_size=args.family_size, mbar=args.mbar, seed=args.seed)
    print(res.summary())
    print(f"效应 {args.effect:g}：判定规则在 {res.n_simulations} 个模拟数据集中支持该效应的比例为 "
          f"{res.power:.1%}（仅 DiD 检验：{res.power_test:.1%}）")
    if args.search:
        effect, _ = supportable_effect(design, n_simulations=args.simulations,
                                       family_size=args.family_size, mbar=args.mbar,
                                       seed=args.seed)
        text = ("no effect up to 0.4 reaches 80% power / 0.4 以内的效应均达不到 80% 的把握度"
                if effect != effect else
                f"effect supported with 80% power: {effect:.3g} / 80% 把握度可支持的效应：{effect:.3g}")
        print(text)
    test = ("Callaway-Sant'Anna simple aggregation, jackknife t(G-1), and randomization "
            "inference over the schedules of reform years (the larger p)" if design.staggered
            else "CR3 t(G-1) and exact randomization inference (the larger p)")
    print(f"rule: {test}, Holm first step over {args.family_size} claim(s), "
          f"relative-magnitudes interval at Mbar = {args.mbar:g} by C-LF with up to two post "
          "periods, else LF (wider than C-LF: then a lower bound on the power)")
    return 0


def _design_noise(data_dir: Path, outcome: str) -> dict:
    """The advisor's noise parameters from a data folder's 0/1 outcome (design.calibrate)."""
    import pandas as pd

    from talentlab.cases import zhuhai
    from talentlab.data import reform_years
    from talentlab.data.schema import COUNT_COLUMN
    from talentlab.evaluation.design import calibrate

    data = tio.load_all(data_dir)
    graduates = zhuhai.graduates_present(data.graduates)
    frame = zhuhai.outcome_frame(data, outcome, graduates)
    years = reform_years(data).assign(college=lambda d: d["college"].astype(str),
                                      major=lambda d: d["major"].astype(str))
    frame = frame.assign(college=frame["college"].astype(str),
                         major=frame["major"].astype(str)).merge(
        years, on=["college", "major"], how="left", validate="many_to_one")
    frame["unit"] = frame["college"] + " | " + frame["major"]
    frame["first_treated"] = pd.to_numeric(frame["reform_year"]).fillna(0).astype(int)
    return calibrate(frame, outcome, unit="unit", count=COUNT_COLUMN
                     if COUNT_COLUMN in frame else None)


def _add_design_command(sub) -> None:
    """design."""
    p = _command(sub, "design", "Power of the full verdict rule (test + sensitivity gate) for "
                 "a planned design, by simulation. / 评估设计的把握度")
    p.add_argument("--colleges", type=int, default=1, help="colleges (default 1)")
    p.add_argument("--majors", type=int, default=8, help="majors per college (default 8)")
    p.add_argument("--treated", type=int, default=3, help="reformed majors per college")
    p.add_argument("--cohorts", type=_cohort_range, default=tuple(range(2017, 2026)),
                   help="graduation cohorts, FIRST-LAST (default 2017-2025)")
    p.add_argument("--reform", type=int, nargs="+", default=[PAPER_REFORM_COHORT],
                   help="first reformed cohort (default the paper's, %(default)s); several "
                        "years: the reformed majors adopt in them, split evenly (the staggered "
                        "rule)")
    p.add_argument("--calibrate", metavar="DATA_DIR", default=None,
                   help="estimate base rate, unit SD, cell SD and graduates per cell from this "
                        "data folder's --outcome (cells not yet reformed) / 由数据估计噪声")
    p.add_argument("--outcome", default="job_related_to_major",
                   help="0/1 outcome for --calibrate (default job_related_to_major)")
    p.add_argument("--n-per-cell", type=int, default=60,
                   help="graduates per major and cohort (default 60)")
    p.add_argument("--base-rate", type=float, default=0.6, help="outcome share (default 0.6)")
    p.add_argument("--unit-sd", type=float, default=0.05, help="SD of major effects")
    p.add_argument("--cell-sd", type=float, default=0.03,
                   help="SD of major x cohort shocks (default 0.03)")
    p.add_argument("--effect", type=float, required=True,
                   help="planted effect in proportion points, e.g. 0.10")
    p.add_argument("--family-size", type=int, default=1,
                   help="impact claims judged together (Holm; Zhuhai judges 6)")
    p.add_argument("--mbar", type=float, default=1.0, help="relative-magnitudes bound")
    p.add_argument("--simulations", type=int, default=200, help="simulated data sets")
    p.add_argument("--search", action="store_true",
                   help="also search the effect supported with 80%% power (slower)")
    p.add_argument("--seed", type=int, default=PAPER_ANALYSIS_SEED,
                   help="seed of the simulations (default the paper's, %(default)s)")
    p.set_defaults(func=_cmd_design)


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser: one sub-command per job."""
    parser = argparse.ArgumentParser(
        prog="talentlab", description=DESCRIPTION,
        epilog="talentlab COMMAND --help shows a command's options / 查看命令的选项",
        formatter_class=_CommandListFormatter)
    parser.add_argument("--version", action="version",
                        version=f"talentlab {resources.version()}")
    sub = parser.add_subparsers(dest="command", required=True, title="commands",
                                metavar="COMMAND")
    _add_data_commands(sub)
    _add_analysis_commands(sub)
    _add_report_commands(sub)
    _add_qca_command(sub)
    _add_design_command(sub)
    # the listing in COMMANDS' order (grouped by task), each command once
    listed = {action.dest: action for action in sub._choices_actions}
    if set(listed) != set(COMMANDS):  # pragma: no cover - a command added without its line
        raise RuntimeError(f"commands without a --help line: {set(listed) ^ set(COMMANDS)}")
    sub._choices_actions[:] = [listed[name] for name in COMMANDS]
    return parser


class _CommandListFormatter(argparse.RawDescriptionHelpFormatter):
    """``--help``: each command on one line, its summary starting in one column."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, max_help_position=max(map(len, COMMANDS)) + 8, width=100)
        # argparse measures sub-commands at the section's indent but prints them two deeper:
        # without this the longest name wraps its summary onto a second line
        self._action_max_length = max(map(len, COMMANDS)) + 4


def _run(args: argparse.Namespace) -> int:
    """Run a parsed command; every failure is one message, never a traceback."""
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted.", file=sys.stderr)
        return 130
    except Exception as exc:  # every failure is one message, never a traceback
        if os.environ.get("TALENTLAB_DEBUG"):
            raise
        if isinstance(exc, (ValueError, OSError)):
            print(f"error: {exc}", file=sys.stderr)
            return 2
        print(f"talentlab {args.command}: internal error ({type(exc).__name__}: {exc}). Please "
              "report it; TALENTLAB_DEBUG=1 shows the traceback.", file=sys.stderr)
        return 3


def main(argv: list[str] | None = None) -> int:
    return _run(build_parser().parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
