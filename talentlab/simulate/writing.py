"""Writing a scenario: CSV text of the tables, ``truth.json``, ``datapackage.json``, and
:func:`generate`, which writes them all into a folder atomically."""

from __future__ import annotations

import io as _io
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab import resources
from talentlab.data import schema
from talentlab.data.atomic import write_folder_atomically
from talentlab.simulate.engine import simulate_tables
from talentlab.simulate.scenarios import DEFAULT_SEED, GENERATOR, GENERATOR_VERSION

#: Decimals written for float columns (the in-memory tables are rounded the same way).
FLOAT_DECIMALS = {"adaptation_months": 1, "retraining_hours": 0, "score": 1}


def _format_column(col: pd.Series, name: str) -> pd.Series:
    """Text of a column as written: true/false, integers, rounded floats, '' for missing."""
    if isinstance(col.dtype, pd.BooleanDtype) or pd.api.types.is_bool_dtype(col):
        arr = col.astype("boolean")
        text = pd.Series(np.where(arr.isna().to_numpy(), "",
                                  np.where(arr.fillna(False).to_numpy(dtype=bool), "true",
                                           "false")), index=col.index, dtype=object)
    elif pd.api.types.is_float_dtype(col):
        decimals = FLOAT_DECIMALS.get(name, 3)
        arr = col.to_numpy(dtype=float)
        good = np.isfinite(arr)
        formatted = np.full(len(arr), "", dtype=object)
        if good.any():
            strings = np.char.mod(f"%.{decimals}f", np.round(arr[good], decimals))
            if decimals:
                strings = np.char.rstrip(np.char.rstrip(strings, "0"), ".")
            formatted[good] = strings.astype(object)
        formatted[formatted == "-0"] = "0"
        text = pd.Series(formatted, index=col.index, dtype=object)
    else:
        text = col.astype("string")
    return text.astype("string").fillna("")


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """CSV bytes as :func:`generate` writes them (UTF-8 without BOM, ``\\n`` line ends)."""
    out = pd.DataFrame({c: _format_column(df[c], c) for c in df.columns})
    buf = _io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def truth_json_text(truth: dict) -> str:
    """``truth.json`` text: sorted keys, indent 2, UTF-8 characters kept."""
    return json.dumps(truth, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def generate(scenario: str = "paper_claims", seed: int | None = None,
             out_dir: str | os.PathLike | None = None, **overrides) -> Path:
    """Write a synthetic scenario: the four tables, ``truth.json`` and ``datapackage.json``.

    Everything is first written to a temporary folder next to ``out_dir``; only when every file
    is complete are they moved into place (:func:`talentlab.data.atomic.write_folder_atomically`:
    ``os.replace``, atomic per file; a new ``out_dir`` is renamed into place in one step). Same
    seed and numpy version give byte-identical files.

    Parameters
    ----------
    scenario : {"paper_claims", "null", "pretrend", "staggered"}
    seed : int, optional
        Default :data:`DEFAULT_SEED`.
    out_dir : path, optional
        Default, in a clone of the repository, ``data/raw/synthetic/<scenario>``. An installed
        talentlab has no project folder (its own lies under site-packages and is never
        written): there ``out_dir`` is required.
    **overrides
        Parameter overrides, see :func:`scenario_parameters`; recorded in ``truth.json``.

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    ValueError
        ``out_dir`` not given in an installed talentlab (refused before any simulation; nothing
        is written).

    Examples
    --------
    >>> import tempfile
    >>> out = generate("null", seed=3, out_dir=tempfile.mkdtemp() + "/null")
    >>> sorted(p.name for p in out.iterdir())  # doctest: +NORMALIZE_WHITESPACE
    ['datapackage.json', 'employer_ratings.csv', 'evaluations.csv', 'graduates.csv',
     'programmes.csv', 'truth.json']
    """
    seed = DEFAULT_SEED if seed is None else int(seed)
    if out_dir is None:
        out_dir = resources.default_output(f"data/raw/synthetic/{scenario}", "out_dir")
    tables, truth = simulate_tables(scenario, seed, **overrides)
    origin = _origin(scenario, seed, truth, overrides)

    def write(stage: Path) -> None:
        for name, df in tables.items():
            (stage / f"{name}.csv").write_bytes(to_csv_bytes(df))
        (stage / "truth.json").write_bytes(truth_json_text(truth).encode("utf-8"))
        schema.write_datapackage(stage, origin=origin)

    return write_folder_atomically(out_dir, write)


def _origin(scenario: str, seed: int, truth: dict, overrides: dict) -> dict:
    """The ``origin`` block of ``datapackage.json``: synthetic, with generator and seed."""
    origin = {
        "data_origin": "synthetic",
        "scenario": scenario,
        "seed": seed,
        "generator": GENERATOR,
        "generator_version": GENERATOR_VERSION,
        "numpy_version": np.__version__,
        "reform_cohort": truth["design"]["reform_cohort"],
        "truth": "truth.json",
        "description": "SYNTHETIC data generated by talentlab.simulate with known truth "
                       "(truth.json); not real records / 合成数据，非真实记录. "
                       + truth["scenario_description"],
    }
    if origin["reform_cohort"] is None:
        # several reform dates: they are in programmes.reform_year, not one date here
        del origin["reform_cohort"]
        origin["reform_years"] = "programmes.reform_year"
    if overrides:
        origin["overrides"] = sorted(overrides)
    return origin
