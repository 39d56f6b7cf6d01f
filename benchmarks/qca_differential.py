"""Differential test of talentlab.qca against R's QCA package on random data sets (issue 25).

Each data set (seed ``--seed + i``) is drawn at random: crisp, fuzzy or multi-value (one
condition in three levels), 3-6 conditions, 8-40 cases, the outcome a noisy sum of random
products (so solutions have structure), sometimes negated (``~Y``), with one inclusion cut-off
or two (``(ic1, ic0)``: contradictions ``C``), ``n.cut`` 1-3, and for about half the sets
directional expectations (``A``, ``~A`` or none per binary condition). On each set talentlab and
R compute:

* the truth table (``OUT``, ``n``, ``incl``, ``PRI`` of every row R lists);
* the conservative, parsimonious and (with expectations) intermediate solutions: every model of
  every branch, and the parameters of fit of every model (its terms' inclS, PRI, covS, covU and
  the solution's inclS, PRI, covS).

R runs as one ``Rscript`` process for many sets: the sets are written as CSV plus a JSON
manifest into a temporary folder, the R script (:data:`R_SCRIPT`) loops over them and writes one
JSON per set. R's enumeration has no interrupt, so the script marks the set it starts; a set
running longer than ``--r-timeout`` seconds has its process killed, is recorded as "R timeout",
and a new process takes the remaining sets.

Every comparison (one truth table or one solution of one set) falls in one class:

* ``agree`` - same codes, counts, models (as sets of terms) and fit (to 1e-9);
* ``R defect`` - with two inclusion cut-offs and ``n.cut`` > 1, R's ``truthTable`` writes the
  ``C`` codes through a logical index over the rows that reach ``n.cut`` into the vector of all
  rows (``tt$OUT[incl[!obremove] < ic1 & ...] <- "C"``), so they land on the wrong rows.
  Classed so only when talentlab's codes equal the codes recomputed from R's own ``n``, ``incl``
  and ``PRI``. R then minimises the recomputed table (the script writes the corrected codes back
  before ``minimize``), so its solutions are compared as any other;
* ``R timeout`` - R still enumerating after ``--r-timeout`` s (talentlab's models are then
  compared with nothing here; ``benchmarks/bench_qca.py`` checks them against the brute-force
  oracle of ``tests/qca_oracle.py``);
* ``level gap`` - R refuses a multi-value condition whose values skip a level ("Possibly
  uncalibrated multivalue conditions"); talentlab accepts it (the missing level's rows are
  remainders), so there is nothing of R's to compare;
* ``agree (both refuse)`` - both refuse to minimise for the same reason (no row to explain, a
  tautology);
* ``same refusal`` - both refuse: R's ``truthTable`` stops with "There are no configurations,
  using these cutoff values." when no row reaches ``n.cut``; talentlab's ``truth_table`` keeps
  every row as a remainder and ``minimize`` refuses ("none of the truth table rows has an output
  to explain");
* ``unexplained`` - anything else: a bug to report (its seed is printed).

Run: ``python benchmarks/qca_differential.py --sets 500`` (``--help``; needs ``Rscript`` with the
QCA and jsonlite packages, else it says so and stops). Figures are in ``benchmarks/README.md``.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from talentlab.qca import QCAError, minimize, truth_table  # noqa: E402

TOL = 1e-9
#: R truthTable's refusal when no row reaches n.cut (talentlab refuses at minimize()).
NO_ROW = "There are no configurations, using these cutoff values."
#: R's verifyQCA refuses a multi-value condition whose values skip a level (0 and 2 without 1).
LEVEL_GAP = "Possibly uncalibrated multivalue conditions"
CLASSES = ("agree", "agree (both refuse)", "R defect", "R timeout", "same refusal",
           "level gap", "unexplained")
KINDS = ("conservative", "parsimonious", "intermediate")

R_SCRIPT = r"""
suppressMessages({library(QCA); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
folder <- args[1]
specs <- fromJSON(file.path(folder, "manifest.json"), simplifyVector = FALSE)
num <- function(v) ifelse(is.na(v), NA, v)
fits_of <- function(ic, models) {
  one <- function(x) list(
    terms = setNames(lapply(rownames(x$incl.cov), function(t) unlist(lapply(
      c("inclS", "PRI", "covS", "covU"), function(k) num(x$incl.cov[t, k])))),
      rownames(x$incl.cov)),
    solution = unlist(lapply(c("inclS", "PRI", "covS"), function(k) x$sol.incl.cov[1, k])))
  if (length(models) > 1) lapply(ic$individual, one) else list(one(ic))
}
solved <- function(s) list(models = lapply(s$solution, as.list), fits = fits_of(s$IC, s$solution))
for (sp in specs) {
  out <- file.path(folder, "r", paste0(sp$id, ".json"))
  if (file.exists(out)) next
  writeLines(sp$id, file.path(folder, "started"))
  d <- read.csv(file.path(folder, paste0(sp$id, ".csv")), row.names = 1, check.names = FALSE)
  cuts <- unlist(sp$incl_cut)
  res <- list(id = sp$id)
  t0 <- proc.time()[["elapsed"]]
  tt <- tryCatch(truthTable(d, outcome = sp$outcome, conditions = unlist(sp$conditions),
                            incl.cut = cuts, n.cut = sp$n_cut),
                 error = function(e) conditionMessage(e))
  if (is.character(tt)) {
    res$tt <- list(error = tt)
  } else {
    # tt$tt lists remainders too, with "-" for incl and PRI: only rows holding a case
    seen <- which(tt$tt$n > 0)
    rows <- tt$tt[seen, , drop = FALSE]
    incl <- as.numeric(rows$incl); pri <- as.numeric(rows$PRI)
    res$tt <- list(rows = lapply(seq_len(nrow(rows)), function(i) list(
      row = as.integer(rownames(rows)[i]), OUT = as.character(rows$OUT[i]),
      n = rows$n[i], incl = incl[i], PRI = pri[i])))
    ic1 <- cuts[1]; ic0 <- if (length(cuts) > 1) cuts[2] else ic1
    recoded <- ifelse(rows$n < sp$n_cut, "?",
                      ifelse(admisc::agteb(incl, ic1) & admisc::agteb(pri, 0), "1",
                             ifelse(admisc::agteb(incl, ic0), "C", "0")))
    res$recoded <- any(recoded != as.character(rows$OUT))
    tt$tt$OUT[seen] <- recoded
    for (kind in unlist(sp$kinds)) {
      s <- tryCatch({
        if (kind == "conservative") solved(minimize(tt))
        else if (kind == "parsimonious") solved(minimize(tt, include = "?"))
        else {
          m <- minimize(tt, include = "?", dir.exp = sp$dir_exp)
          list(branches = lapply(m$i.sol, solved))
        }
      }, error = function(e) list(error = conditionMessage(e)))
      res[[kind]] <- s
    }
  }
  res$seconds <- proc.time()[["elapsed"]] - t0
  writeLines(toJSON(res, auto_unbox = TRUE, digits = NA, null = "null", na = "null"),
             paste0(out, ".part"))
  file.rename(paste0(out, ".part"), out)
}
"""


# ----------------------------------------------------------------------------- data sets
def _structured_outcome(x: np.ndarray, levels: list[int], rng) -> np.ndarray:
    """Crisp outcome: a sum of two or three random products of two literals, 10 % flipped."""
    y = np.zeros(len(x), dtype=bool)
    for _ in range(rng.integers(2, 4)):
        cols = rng.choice(x.shape[1], size=min(2, x.shape[1]), replace=False)
        y |= np.all([x[:, c] == rng.integers(0, levels[c]) for c in cols], axis=0)
    flip = rng.random(len(x)) < 0.10
    return (y ^ flip).astype(int)


def draw_set(seed: int) -> dict:
    """One random data set and its settings (see the module docstring)."""
    rng = np.random.default_rng(seed)
    family = ["crisp", "fuzzy", "multivalue"][seed % 3]
    k = int(rng.integers(3, 7))
    n = int(rng.integers(12, 61))
    conds = [chr(ord("A") + j) for j in range(k)]
    levels = [3 if (family == "multivalue" and j == 0) else 2 for j in range(k)]
    # cases gather on a few configurations, as in applied QCA, so rows reach n.cut 2-3
    size = int(rng.integers(4, 17))
    pool = np.column_stack([rng.integers(0, v, size) for v in levels])
    crisp = pool[rng.integers(0, len(pool), n)]
    y = _structured_outcome(crisp, levels, rng).astype(float)
    if family == "fuzzy":
        # memberships on the side of 0.5 the crisp draw gives, never 0.5 itself
        x = np.where(crisp == 1, rng.uniform(0.51, 1.0, crisp.shape),
                     rng.uniform(0.0, 0.49, crisp.shape)).round(2)
        y = np.where(y == 1, rng.uniform(0.45, 1.0, n), rng.uniform(0.0, 0.6, n)).round(2)
    else:
        x = crisp.astype(float)
    data = pd.DataFrame(x, columns=conds, index=[f"c{i + 1}" for i in range(n)])
    data["Y"] = y
    cut_choices = [1.0, 0.9, 0.8, 0.75, [0.9, 0.6], [0.8, 0.5], [1.0, 0.7]]
    incl_cut = cut_choices[int(rng.integers(len(cut_choices)))]
    n_cut = int(rng.choice([1, 1, 2, 3]))
    outcome = "~Y" if rng.random() < 0.25 else "Y"
    dir_exp = None
    if rng.random() < 0.5:
        picks = [(c, rng.integers(3)) for c, v in zip(conds, levels, strict=True) if v == 2]
        if family == "multivalue":  # R wants brackets for every condition of such data
            items = [f"{c}[{1 - p}]" for c, p in picks if p < 2]
        else:
            items = [("~" if p == 0 else "") + c for c, p in picks if p < 2]
        dir_exp = ", ".join(items) if items else None
    kinds = ["conservative", "parsimonious"] + (["intermediate"] if dir_exp else [])
    return {"id": f"s{seed}", "seed": seed, "family": family, "data": data,
            "outcome": outcome, "conditions": conds,
            "incl_cut": incl_cut if isinstance(incl_cut, list) else [incl_cut],
            "n_cut": n_cut, "dir_exp": dir_exp, "kinds": kinds}


# ----------------------------------------------------------------------------- talentlab
def _solved(sol) -> dict:
    fits = []
    for k, model in enumerate(sol.solutions):
        table = sol.model_fits[k]
        fits.append({"terms": {t: table.loc[t, ["inclS", "PRI", "covS", "covU"]].tolist()
                               for t in model},
                     "solution": table.loc["solution", ["inclS", "PRI", "covS"]].tolist()})
    return {"models": sol.solutions, "fits": fits}


def run_talentlab(spec: dict) -> dict:
    cut = spec["incl_cut"]
    res: dict = {}
    try:
        tt = truth_table(spec["data"], spec["outcome"], spec["conditions"],
                         incl_cut=cut[0] if len(cut) == 1 else tuple(cut), n_cut=spec["n_cut"],
                         warn=False)
    except QCAError as exc:
        return {"tt": {"error": str(exc)}}
    rows = tt.all_rows
    res["tt"] = {"rows": {int(r): {"OUT": str(rows.at[r, "OUT"]), "n": int(rows.at[r, "n"]),
                                   "incl": float(rows.at[r, "incl"]),
                                   "PRI": float(rows.at[r, "PRI"])}
                          for r in rows.index[rows["n"] > 0]}}
    for kind in spec["kinds"]:
        try:
            if kind == "conservative":
                res[kind] = _solved(minimize(tt).solution)
            elif kind == "parsimonious":
                res[kind] = _solved(minimize(tt, include="?").solution)
            else:
                m = minimize(tt, include="?", directional=spec["dir_exp"])
                res[kind] = {"branches": {name: _solved(b.solution)
                                          for name, b in m.branches.items()}}
        except QCAError as exc:
            res[kind] = {"error": str(exc)}
    return res


# ----------------------------------------------------------------------------- R
def r_missing() -> str | None:
    """Why R cannot run (None when Rscript with QCA and jsonlite is installed)."""
    if shutil.which("Rscript") is None:
        return "Rscript is not installed"
    ok = subprocess.run(["Rscript", "-e", "suppressMessages({library(QCA); library(jsonlite)})"],
                        capture_output=True, text=True)
    return None if ok.returncode == 0 else "R packages QCA and jsonlite are not installed"


def run_r(specs: list[dict], folder: Path, r_timeout: float) -> tuple[dict, set]:
    """R's results per set id, and the ids of the sets R did not finish within ``r_timeout``."""
    (folder / "r").mkdir()
    manifest = []
    for s in specs:
        s["data"].to_csv(folder / f"{s['id']}.csv")
        manifest.append({k: s[k] for k in ("id", "outcome", "conditions", "incl_cut", "n_cut",
                                          "dir_exp", "kinds")})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    script = folder / "differential.R"
    script.write_text(R_SCRIPT)
    timed_out: set = set()
    while True:
        todo = [s["id"] for s in specs if not (folder / "r" / f"{s['id']}.json").exists()
                and s["id"] not in timed_out]
        if not todo:
            break
        for sid in timed_out:  # a stand-in result so the next process skips it
            (folder / "r" / f"{sid}.json").write_text(json.dumps({"id": sid, "timeout": True}))
        started = folder / "started"
        started.unlink(missing_ok=True)
        proc = subprocess.Popen(["Rscript", str(script), str(folder)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        current, since = None, time.monotonic()
        while proc.poll() is None:
            time.sleep(0.2)
            sid = started.read_text().strip() if started.exists() else None
            if sid != current:
                current, since = sid, time.monotonic()
            if current and time.monotonic() - since > r_timeout:
                proc.kill()
                proc.wait()
                timed_out.add(current)
                break
        if proc.returncode not in (0, None, -9):
            raise RuntimeError(f"Rscript failed: {proc.stderr.read()[-2000:]}")
    results = {}
    for s in specs:
        payload = json.loads((folder / "r" / f"{s['id']}.json").read_text())
        if not payload.get("timeout"):
            results[s["id"]] = payload
    return results, timed_out


# ----------------------------------------------------------------------------- comparison
def _close(a, b) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or (isinstance(b, float) and math.isnan(b))
    if b is None or (isinstance(b, float) and math.isnan(b)):
        return False
    return abs(float(a) - float(b)) <= TOL


def recoded_out(n, incl, pri, n_cut, cuts) -> str:
    """The output code R's own n, incl and PRI give under the documented rule."""
    ic1, ic0 = cuts[0], cuts[1] if len(cuts) > 1 else cuts[0]
    if n < n_cut:
        return "?"
    if incl + 1.49e-8 >= ic1 and pri + 1.49e-8 >= 0:
        return "1"
    return "C" if incl + 1.49e-8 >= ic0 else "0"


def _level_gap(data: pd.DataFrame, conditions) -> bool:
    return any(set(np.unique(data[c])) != set(range(int(data[c].max()) + 1))
               for c in conditions if data[c].max() > 1)


def compare_tt(spec, ours, theirs) -> str:
    if "error" in theirs and LEVEL_GAP in theirs["error"]:
        return "level gap" if _level_gap(spec["data"], spec["conditions"]) else "unexplained"
    if "error" in theirs:
        refused = "error" in ours or all(r["OUT"] == "?" for r in ours["rows"].values())
        return "same refusal" if refused and NO_ROW in theirs["error"] else "unexplained"
    if "error" in ours:
        return "unexplained"
    defect = False
    for r in theirs["rows"]:
        mine = ours["rows"].get(r["row"])
        if mine is None or mine["n"] != r["n"] or not _close(mine["incl"], r["incl"]) \
                or not _close(mine["PRI"], r["PRI"]):
            return "unexplained"
        if mine["OUT"] != r["OUT"]:
            if mine["OUT"] != recoded_out(r["n"], r["incl"], r["PRI"], spec["n_cut"],
                                          spec["incl_cut"]):
                return "unexplained"
            defect = True
    listed = {r["row"] for r in theirs["rows"]}
    if any(v["n"] >= spec["n_cut"] and r not in listed for r, v in ours["rows"].items()):
        return "unexplained"
    if defect:
        two_cuts = len(spec["incl_cut"]) == 2
        return "R defect" if two_cuts and spec["n_cut"] > 1 else "unexplained"
    return "agree"


def _same_solution(ours: dict, theirs: dict) -> bool:
    r_models = [frozenset(m) for m in theirs["models"]]
    our_models = [frozenset(m) for m in ours["models"]]
    if set(r_models) != set(our_models) or len(r_models) != len(our_models):
        return False
    by_terms = dict(zip(our_models, ours["fits"], strict=True))
    for model, fit in zip(r_models, theirs["fits"], strict=True):
        mine = by_terms[model]
        if not all(_close(a, b) for a, b in zip(mine["solution"], fit["solution"], strict=True)):
            return False
        for term, values in fit["terms"].items():
            if term not in mine["terms"]:
                return False
            # R leaves covU NA for a one-term model
            pairs = zip(mine["terms"][term][:3], values[:3], strict=True)
            if not all(_close(a, b) for a, b in pairs):
                return False
            if len(model) > 1 and not _close(mine["terms"][term][3], values[3]):
                return False
    return True


def compare_solution(kind, ours, theirs) -> str:
    if "error" in theirs or "error" in ours:
        # both refuse for the same reason (no row to explain, a tautology...): an agreement
        return "agree (both refuse)" if ("error" in theirs and "error" in ours) \
            else "unexplained"
    if kind != "intermediate":
        return "agree" if _same_solution(ours, theirs) else "unexplained"
    if set(ours["branches"]) != set(theirs["branches"]):
        return "unexplained"
    return "agree" if all(_same_solution(ours["branches"][b], theirs["branches"][b])
                          for b in theirs["branches"]) else "unexplained"


def classify(spec, ours, theirs) -> list[dict]:
    """One record per comparison of set ``spec``."""
    base = {"seed": spec["seed"], "family": spec["family"], "outcome": spec["outcome"],
            "incl_cut": "/".join(f"{c:g}" for c in spec["incl_cut"]), "n_cut": spec["n_cut"],
            "directional": spec["dir_exp"] or ""}
    if theirs is None:
        return [{**base, "what": w, "class": "R timeout"} for w in ["truth table",
                                                                     *spec["kinds"]]]
    records = [{**base, "what": "truth table",
                "class": compare_tt(spec, ours["tt"], theirs["tt"])}]
    if records[0]["class"] == "level gap":  # nothing of R's to compare the solutions with
        return records + [{**base, "what": kind, "class": "level gap"} for kind in spec["kinds"]]
    if "error" in theirs["tt"]:
        # R refused the truth table: each of talentlab's solutions must refuse too
        for kind in spec["kinds"]:
            refused = "error" in ours.get(kind, {"error": ""})
            records.append({**base, "what": kind,
                            "class": "same refusal" if refused else "unexplained"})
        return records
    for kind in spec["kinds"]:
        records.append({**base, "what": kind,
                        "class": compare_solution(kind, ours[kind], theirs[kind])})
    return records


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", type=int, default=500)
    ap.add_argument("--seed", type=int, default=25000, help="seed of the first set")
    ap.add_argument("--r-timeout", type=float, default=60.0,
                    help="seconds R may spend on one set before it is recorded as timed out")
    ap.add_argument("--records", type=Path, help="write every comparison to this CSV")
    args = ap.parse_args(argv)
    missing = r_missing()
    if missing:
        print(f"R comparison not run: {missing}")
        return 0
    specs = [draw_set(args.seed + i) for i in range(args.sets)]
    t0 = time.perf_counter()
    ours = {s["id"]: run_talentlab(s) for s in specs}
    t_ours = time.perf_counter() - t0
    with tempfile.TemporaryDirectory(prefix="qca_differential_") as tmp:
        t0 = time.perf_counter()
        theirs, timed_out = run_r(specs, Path(tmp), args.r_timeout)
        t_r = time.perf_counter() - t0
    records = [rec for s in specs for rec in classify(s, ours[s["id"]], theirs.get(s["id"]))]
    table = pd.DataFrame(records)
    if args.records:
        table.to_csv(args.records, index=False)
    counts = Counter(table["class"])
    print(f"{len(specs)} data sets (seeds {args.seed}-{args.seed + args.sets - 1}), "
          f"{len(table)} comparisons; talentlab {t_ours:.1f} s, R {t_r:.1f} s "
          f"({len(timed_out)} sets over {args.r_timeout:g} s)")
    for cls in CLASSES:
        print(f"  {cls}: {counts.get(cls, 0)}")
    print(pd.crosstab([table["what"]], table["class"]).to_string())
    print("families:", dict(Counter(s["family"] for s in specs)))
    bad = table[table["class"] == "unexplained"]
    if len(bad):
        print("unexplained:")
        print(bad.to_string(index=False))
    return 1 if len(bad) else 0


if __name__ == "__main__":
    raise SystemExit(main())
