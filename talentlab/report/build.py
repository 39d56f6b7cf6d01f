"""From executed notebooks to a reviewer's report: the findings ledger (``findings.csv``,
``findings.md``, ``index.html``) from the ``results.json`` and ``*_claims.csv`` files the notebooks
wrote and the claims of the paper, the privacy scan, the publication checks and the manifest."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
from collections.abc import Iterable, Iterator
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
    nothing, also when the process is killed or the disk fills up.

    The new report is made whole beside ``report_dir`` and swapped in with one atomic rename
    (:func:`talentlab.data.atomic.write_folder_atomically` with ``replace=True``): a staging
    folder gets a hard link (a copy where a link is refused) of every file of ``report_dir`` --
    the notebooks' folders, other data sets' reports under ``datasets/``, any file of the user's,
    all kept as they are -- then the staged files, the checks and the manifest. A failed check,
    a full disk or a kill at any moment leaves ``report_dir`` exactly the earlier report (or,
    after the swap, exactly the new one); a killed run's staging folder
    (``.<name>.<pid>-<random>.tmp`` beside ``report_dir``) is deleted by the next write, and
    the temporary files an earlier version's killed write left inside the folder are not
    carried over. When another process changes ``report_dir`` while the report is written
    (its changes would be lost in the swap) nothing is swapped and an ``OSError`` (``EBUSY``)
    says to run the report again.

    Where the folder cannot be renamed -- a mount point (also one found only when the rename
    is refused), or a parent folder this process may not write -- the files are written in
    place instead, each replaced atomically, and every
    file this step replaced gets its earlier bytes back (one it created is removed) when a
    check or a write fails; a kill in the middle of that write can leave a mix.

    Examples
    --------
    >>> import tempfile
    >>> from talentlab.report.publish import PublicationError
    >>> d = Path(tempfile.mkdtemp()) / "reports"
    >>> _ = d.mkdir(), (d / "index.html").write_text("<p>old</p>")
    >>> _ = (d / "notes.txt").write_text("not the report's")
    >>> try:
    ...     write_staged_report(d, {"index.html": '<a href="gone.html">x</a>'}, 10)
    ... except PublicationError:
    ...     pass
    >>> (d / "index.html").read_text()
    '<p>old</p>'
    >>> write_staged_report(d, {"index.html": '<a href="notes.txt">notes</a>'}, 10)
    >>> sorted(p.name for p in d.iterdir()), sorted(p.name for p in d.parent.iterdir())
    (['MANIFEST.sha256', 'index.html', 'notes.txt'], ['reports'])
    """
    from talentlab.data.atomic import write_folder_atomically

    report_dir = Path(report_dir)
    if not folder_can_be_swapped(report_dir):
        _write_report_in_place(report_dir, staged, min_cell)
        return
    skip = _earlier_temporary_files(staged)
    source = Path(os.path.realpath(report_dir))   # a symbolic link: the folder it leads to

    staged_whole = []

    def write(stage: Path) -> None:
        before = _link_tree(source, stage, skip)
        _write_and_check(stage, staged, min_cell)
        if _tree_state(source, skip) != before:
            raise OSError(errno.EBUSY, "the report folder changed while the report was written "
                          "(another run writing into it?): nothing was replaced; run the report "
                          "again / 生成报告期间报告文件夹被修改，未替换任何文件，请重新运行",
                          os.fspath(report_dir))
        staged_whole.append(stage)

    try:
        write_folder_atomically(report_dir, write, replace=True)
    except OSError as exc:
        # a mount point os.path.ismount cannot see (a bind mount within one file system): the
        # swap itself is refused and changed nothing
        if not (staged_whole and exc.errno in (errno.EBUSY, errno.EXDEV)):
            raise
        _write_report_in_place(report_dir, staged, min_cell)


def folder_can_be_swapped(folder: str | os.PathLike) -> bool:
    """Can ``folder`` be replaced by renaming another folder onto it? Not when it is a mount
    point (the rename fails with ``EBUSY``) or when this process may not create a folder
    beside it; a folder that does not exist yet can be created by a rename when its nearest
    existing ancestor is writable.

    Examples
    --------
    >>> import tempfile
    >>> folder_can_be_swapped(Path(tempfile.mkdtemp()) / "reports"), folder_can_be_swapped("/")
    (True, False)
    """
    folder = Path(os.path.realpath(folder))
    if os.path.ismount(folder):
        return False
    parent = folder.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    return os.access(parent, os.W_OK | os.X_OK)


def _write_report_in_place(report_dir: Path, staged: dict[str, str], min_cell: int) -> None:
    """:func:`write_staged_report` where the folder cannot be swapped: each file replaced
    atomically, the earlier bytes put back when a check or a write fails."""
    from talentlab.data.atomic import atomic_write_bytes
    from talentlab.report.manifest import MANIFEST_NAME

    earlier = {name: (report_dir / name).read_bytes() if (report_dir / name).is_file() else None
               for name in [*staged, MANIFEST_NAME]}
    try:
        _write_and_check(report_dir, staged, min_cell)
    except BaseException:
        for name, data in earlier.items():
            if data is None:
                (report_dir / name).unlink(missing_ok=True)
            else:
                atomic_write_bytes(report_dir / name, data)
        raise


def _write_and_check(folder: Path, staged: dict[str, str], min_cell: int) -> None:
    """Write the staged files into ``folder``, check it and write its manifest."""
    from talentlab.report import publish

    for name, text in staged.items():
        # replaces a hard link of the earlier file by a new file: never writes through the link
        atomic_write_text(folder / name, text)
    publish.check_report(folder, min_cell)
    write_manifest(folder)


def _earlier_temporary_files(staged: dict[str, str]) -> re.Pattern:
    """The temporary files (:func:`talentlab.data.atomic.atomic_write_bytes`) that a killed
    in-place write of the report's own files leaves in the folder."""
    from talentlab.report.manifest import MANIFEST_NAME

    names = "|".join(re.escape(name) for name in sorted({*staged, MANIFEST_NAME}))
    return re.compile(rf"\.(?:{names})\.[a-z0-9_]{{8}}\.tmp")


def _tree_entries(source: Path, skip: re.Pattern) -> Iterator[tuple[str, str]]:
    """``(path, path relative to source)`` of ``source`` and of everything under it, a folder
    before its content, symbolic links not followed; the top-level names matching ``skip`` are
    left out."""
    for folder, dirs, files in os.walk(source):
        rel = os.path.relpath(folder, source)
        if rel == ".":
            dirs[:] = [d for d in dirs if not skip.fullmatch(d)]
            files = [f for f in files if not skip.fullmatch(f)]
        yield folder, rel
        links = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = sorted(d for d in dirs if d not in links)   # os.walk lists, never enters, them
        for name in sorted([*files, *links]):
            yield os.path.join(folder, name), os.path.normpath(os.path.join(rel, name))


def _entry_state(rel: str, st: os.stat_result) -> tuple:
    return rel, stat.S_IFMT(st.st_mode), st.st_ino, st.st_size, st.st_mtime_ns


def _tree_state(source: Path, skip: re.Pattern) -> list[tuple]:
    """(relative path, type, inode, size, modification time) of every entry under ``source``
    (:func:`_tree_entries`): what :func:`_link_tree` linked, to see whether anything changed
    since."""
    if not source.is_dir():
        return []
    return sorted(_entry_state(rel, os.lstat(path)) for path, rel in _tree_entries(source, skip))


def _link_tree(source: Path, dest: Path, skip: re.Pattern) -> list[tuple]:
    """Give ``dest`` (an empty folder) the tree of ``source`` (:func:`_tree_entries`): folders
    made with their modes, files hard-linked (copied where a link is refused), symbolic links
    recreated. Return the state of ``source`` that was linked (:func:`_tree_state`); nothing
    when ``source`` does not exist."""
    if not source.is_dir():
        return []
    state = []
    for path, rel in _tree_entries(source, skip):
        st = os.lstat(path)
        state.append(_entry_state(rel, st))
        target = dest / rel
        if stat.S_ISDIR(st.st_mode):
            if rel != ".":
                target.mkdir()
            os.chmod(target, stat.S_IMODE(st.st_mode))
        elif stat.S_ISLNK(st.st_mode):
            os.symlink(os.readlink(path), target)
        else:
            try:
                os.link(path, target)
            except OSError:                  # another user's file, a file system without links
                if not stat.S_ISREG(st.st_mode):
                    raise
                shutil.copy2(path, target)
    return sorted(state)
