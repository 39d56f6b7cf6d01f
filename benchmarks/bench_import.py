"""Import and validate speed and memory against the bare reads of the same file (issue 21).

For each size (100k and 1M rows by default) a college-style graduates export is generated into a
temporary folder: the rows of the shipped synthetic export (``data/raw/examples/…/毕业生就业去向登记
表_合成数据.xlsx``, Chinese headers, ministry categories, 是/否) repeated with fresh student numbers,
written as ``.xlsx`` (shared strings, as Excel writes them) and as a GB18030 ``.csv``. The contract
tables ``talentlab import`` makes of them are written back as ``graduates.xlsx`` and a GB18030
``graduates.csv`` for ``talentlab validate``.

Every measurement is a fresh child process started from a small launcher (``python -c``), which
reports the seconds of the work after its imports (wall clock, and the process's CPU time, which a
machine loaded by other work inflates far less) and its own peak memory (``VmHWM`` of
``/proc/self/status``; ``exec`` resets it, unlike ``ru_maxrss``, so the parent's memory never leaks
into a child's figure):

``calamine``      python-calamine reads every sheet to Python lists (``to_python``)
``pandas``        ``pd.read_csv(encoding="gb18030", dtype=str)`` of the same CSV
``readers``       ``talentlab.data.readers.read_grids`` (limits, scan, cell texts)
``import``        ``talentlab import SRC OUT`` (everything up to the written folder)
``validate``      ``talentlab validate DIR`` on the contract files

Usage::

    .venv/bin/python benchmarks/bench_import.py                 # 100k and 1M rows
    .venv/bin/python benchmarks/bench_import.py --rows 100000 --reps 3
    .venv/bin/python benchmarks/bench_import.py --profile 100000  # where the import's time goes
    # the same, with an older checkout's reader/import/validate interleaved (before vs after):
    git archive <commit> | tar -x -C /tmp/before
    .venv/bin/python benchmarks/bench_import.py --rows 100000 --before /tmp/before
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
EXPORT = (ROOT / "data" / "raw" / "examples" / "synthetic_college_export"
          / "毕业生就业去向登记表_合成数据.xlsx")

LAUNCHER = r"""
import json, sys, time
kind, path = sys.argv[1], sys.argv[2]
def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
if kind == "calamine":
    import python_calamine
    t, c = time.perf_counter(), time.process_time()
    with python_calamine.CalamineWorkbook.from_path(path) as book:
        n = sum(len(book.get_sheet_by_index(i).to_python(skip_empty_area=False))
                for i in range(len(book.sheet_names)))
elif kind == "pandas":
    import pandas as pd
    t, c = time.perf_counter(), time.process_time()
    n = len(pd.read_csv(path, encoding="gb18030", dtype=str, keep_default_na=False))
elif kind == "readers":
    from talentlab.data import readers
    t, c = time.perf_counter(), time.process_time()
    n = sum(len(rows) for _, rows in readers.read_grids(path)[0])
else:
    from talentlab import cli
    t, c = time.perf_counter(), time.process_time()
    code = cli.main([kind, *sys.argv[2:]])
    if code != 0:
        raise SystemExit(f"{kind} failed with exit {code}")
    n = -1
print(json.dumps({"seconds": time.perf_counter() - t, "cpu": time.process_time() - c,
                  "peak_mib": peak(), "rows": n}))
"""


def _column(i: int) -> str:
    name = ""
    i += 1
    while i:
        i, rest = divmod(i - 1, 26)
        name = chr(65 + rest) + name
    return name


def write_xlsx(path: Path, rows: list[list[str]], numeric_from_row: int = 1) -> None:
    """A one-sheet workbook with shared strings and numbers, as Excel writes it (fast)."""
    shared: dict[str, int] = {}
    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://'
                'schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:'
                f'{_column(len(rows[0]) - 1)}{len(rows)}"/><sheetData>')
    for r, row in enumerate(rows, start=1):
        sheet.write(f'<row r="{r}">')
        for c, value in enumerate(row):
            if value == "":
                continue
            ref = f"{_column(c)}{r}"
            number = r > numeric_from_row and value.replace(".", "", 1).isdigit()
            if number:
                sheet.write(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                k = shared.setdefault(value, len(shared))
                sheet.write(f'<c r="{ref}" t="s"><v>{k}</v></c>')
        sheet.write("</row>")
    sheet.write("</sheetData></worksheet>")
    sst = "".join(f"<si><t>{escape(s)}</t></si>" for s in shared)
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", f'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="{ns}'
                   '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
                   'main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="'
                   'application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
        z.writestr("_rels/.rels", f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{ns}'
                   f'/package/2006/relationships"><Relationship Id="rId1" Type="{ns}/officeDocument'
                   '/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        z.writestr("xl/workbook.xml", f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}'
                   f'/spreadsheetml/2006/main" xmlns:r="{ns}/officeDocument/2006/relationships">'
                   '<sheets><sheet name="毕业生" sheetId="1" r:id="rId1"/></sheets></workbook>')
        z.writestr("xl/_rels/workbook.xml.rels", f'<?xml version="1.0" encoding="UTF-8"?>'
                   f'<Relationships xmlns="{ns}/package/2006/relationships"><Relationship Id="rId1" '
                   f'Type="{ns}/officeDocument/2006/relationships/worksheet" Target="worksheets/'
                   f'sheet1.xml"/><Relationship Id="rId2" Type="{ns}/officeDocument/2006/'
                   'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
        z.writestr("xl/worksheets/sheet1.xml", sheet.getvalue())
        z.writestr("xl/sharedStrings.xml", f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}'
                   f'/spreadsheetml/2006/main" count="{len(shared)}" uniqueCount="{len(shared)}">'
                   f"{sst}</sst>")


def write_gb18030_csv(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("gb18030"))


def export_rows(n: int) -> list[list[str]]:
    """The shipped synthetic export's first sheet (header and records), repeated to ``n``
    records with fresh 序号 and 学号."""
    sys.path.insert(0, str(ROOT))
    from talentlab.data import readers

    sheet = readers.read_workbook(EXPORT)[0][1]
    header_at = next(i for i, row in enumerate(sheet) if "学号" in row)
    header, records = sheet[header_at], [r for r in sheet[header_at + 1:] if any(r)]
    out = [header]
    for i in range(n):
        row = list(records[i % len(records)])
        row[0], row[1] = str(i + 1), f"G{i + 1:07d}"
        out.append(row)
    return out


def prepare(n: int, folder: Path) -> dict[str, Path]:
    """The export (xlsx, csv) and the contract files (xlsx, csv) of ``n`` records; those of an
    earlier run in ``folder`` (``--folder``) are used again (a 1M-row workbook takes minutes to
    write)."""
    kept = {f"{stage}_{kind}": folder / f"{stage}_{kind}" / name
            for stage, name in (("export", "毕业生就业去向登记表"), ("contract", "graduates"))
            for kind in ("xlsx", "csv")}
    kept = {k: p.with_name(f"{p.name}.{k.split('_')[1]}") for k, p in kept.items()}
    if (folder / "complete").exists() and all(p.exists() for p in kept.values()):
        print(f"  {n:,} records: the files of {folder} (generated before)", flush=True)
        return kept
    start = time.perf_counter()
    rows = export_rows(n)
    files = {}
    for kind in ("xlsx", "csv"):
        src = folder / f"export_{kind}"
        src.mkdir(parents=True, exist_ok=True)
        files[f"export_{kind}"] = src / f"毕业生就业去向登记表.{kind}"
        (write_xlsx if kind == "xlsx" else write_gb18030_csv)(files[f"export_{kind}"], rows)
    contract = folder / "imported"
    subprocess.run([sys.executable, "-m", "talentlab.cli", "import", str(folder / "export_csv"),
                    str(contract)], check=True, capture_output=True, cwd=ROOT)
    with open(contract / "graduates.csv", encoding="utf-8", newline="") as f:
        table = list(csv.reader(f))
    for kind in ("xlsx", "csv"):
        d = folder / f"contract_{kind}"
        d.mkdir(exist_ok=True)
        files[f"contract_{kind}"] = d / f"graduates.{kind}"
        (write_xlsx if kind == "xlsx" else write_gb18030_csv)(files[f"contract_{kind}"], table)
    print(f"  generated {n:,} records in {time.perf_counter() - start:.0f} s: "
          + ", ".join(f"{k} {p.stat().st_size / 2**20:.1f} MiB" for k, p in files.items()),
          flush=True)
    (folder / "complete").write_text("")
    return files


def run(kind: str, *args: str, root: Path = ROOT) -> dict:
    """One measurement in a fresh child; ``root`` is the checkout whose ``talentlab`` it imports
    (the child starts there, and ``python -c`` puts its folder first on the import path)."""
    proc = subprocess.run([sys.executable, "-c", LAUNCHER, kind, *args], capture_output=True,
                          text=True, cwd=root)
    if proc.returncode != 0:
        raise RuntimeError(f"{kind} {args}: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(n: int, reps: int, folder: Path, before: Path | None = None) -> list[tuple]:
    files = prepare(n, folder)
    plan = [
        ("xlsx", "calamine (bare read)", "calamine", (str(files["export_xlsx"]),)),
        ("xlsx", "readers.read_grids", "readers", (str(files["export_xlsx"]),)),
        ("xlsx", "talentlab import", "import", (str(files["export_xlsx"].parent),
                                                 str(folder / "out_xlsx"))),
        ("xlsx", "talentlab validate", "validate", (str(files["contract_xlsx"].parent),)),
        ("csv", "pandas read_csv (bare read)", "pandas", (str(files["export_csv"]),)),
        ("csv", "readers.read_grids", "readers", (str(files["export_csv"]),)),
        ("csv", "talentlab import", "import", (str(files["export_csv"].parent),
                                                str(folder / "out_csv"))),
        ("csv", "talentlab validate", "validate", (str(files["contract_csv"].parent),)),
    ]
    if before is not None:  # each talentlab measurement also with the older checkout, next to it
        plan = [item for fmt, what, kind, args in plan for item in
                ([(fmt, what, kind, args)] if "bare" in what else
                 [(fmt, f"{what} (before)", kind, args), (fmt, what, kind, args)])]
    results: dict[int, list[dict]] = {i: [] for i in range(len(plan))}
    for _ in range(reps):  # interleaved, so load from other work spreads over every kind
        for i, (_, what, kind, args) in enumerate(plan):
            if kind == "import":  # a fresh output folder: the import replaces, never mixes
                args = (*args[:-1], f"{args[-1]}_{i}")
            results[i].append(run(kind, *args, root=before if "(before)" in what else ROOT))
    table = []
    for i, (fmt, what, _, _) in enumerate(plan):
        secs = [r["seconds"] for r in results[i]]
        table.append((n, fmt, what, min(secs), statistics.median(secs),
                      max(r["peak_mib"] for r in results[i]), min(r["cpu"] for r in results[i])))
    return table


def profile(n: int, folder: Path) -> None:
    import cProfile
    import pstats

    files = prepare(n, folder)
    sys.path.insert(0, str(ROOT))
    from talentlab.data.importer import import_records

    for kind in ("xlsx", "csv"):
        prof = cProfile.Profile()
        prof.enable()
        import_records(files[f"export_{kind}"].parent, folder / f"prof_{kind}")
        prof.disable()
        print(f"\n== import of {n:,} rows from {kind}: cumulative time by function ==")
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", default="100000,1000000",
                        help="comma-separated sizes (default: 100000,1000000)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--before", type=Path, metavar="DIR",
                        help="an older checkout (e.g. git archive of a commit): its reader, "
                             "import and validate are measured interleaved with this one's")
    parser.add_argument("--profile", type=int, metavar="ROWS",
                        help="profile one import of ROWS rows (xlsx and csv) instead")
    parser.add_argument("--folder", type=Path, metavar="DIR",
                        help="keep the generated files in DIR/<rows>/ and use them again on "
                             "the next run (default: a temporary folder, removed)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_import_") as tmp:
        if args.folder is not None:
            tmp = args.folder
        if args.profile:
            profile(args.profile, Path(tmp) / str(args.profile))
            return 0
        rows = []
        for n in (int(x) for x in args.rows.split(",")):
            rows += measure(n, args.reps, Path(tmp) / str(n), args.before)
    print("\n| rows | file | measurement | min (s) | median (s) | CPU min (s) | peak (MiB) | "
          "vs bare read (wall) | vs bare read (CPU) |")
    print("|---:|---|---|---:|---:|---:|---:|---:|---:|")
    bare = {(n, fmt): (mn, cpu) for n, fmt, what, mn, _, _, cpu in rows if "bare" in what}
    for n, fmt, what, mn, med, peak, cpu in rows:
        wall, cpu0 = bare[(n, fmt)]
        print(f"| {n:,} | {fmt} | {what} | {mn:.2f} | {med:.2f} | {cpu:.2f} | {peak:,} | "
              f"{mn / wall:.1f}x | {cpu / cpu0:.1f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
