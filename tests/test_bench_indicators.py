"""The national-scale benchmark measures what it says: every kind counts the same numbers.

``benchmarks/bench_indicators.py`` compares hand-written SQL (bare, two-stage) and polars with the
engines; if one of them drifted from the definitions, its timings would measure other work. Each
kind runs here in-process on a small generated parquet file.
"""

from __future__ import annotations

import importlib.util

import pandas as pd
import pytest

from tests.conftest import PROJECT_ROOT

ROOT = PROJECT_ROOT


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "bench_indicators", ROOT / "benchmarks" / "bench_indicators.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_benchmark_kind_counts_the_same_numbers(bench, tmp_path):
    file = tmp_path / "graduates.parquet"
    bench.make_graduates(4000, seed=5).to_parquet(file, index=False)
    kinds = [k for k in bench.KINDS + bench.IID_KINDS if k != "polars"]
    try:
        import polars  # noqa: F401
        kinds.append("polars")
    except ImportError:
        pass
    frames = {}
    for kind in kinds:
        out = tmp_path / f"counts_{kind}.parquet"
        info = bench.child(kind, str(file), str(out))
        assert info["groups"] > 100 and info["compute_s"] > 0
        frames[kind] = pd.read_parquet(out)
    want = frames["pandas"]
    assert set(want.columns) >= set(bench.BY) | set(bench.COMPARED)
    for kind, got in frames.items():
        cols = [c for c in got.columns if c in want.columns]
        assert len(cols) >= len(bench.BY) + 15, kind
        pd.testing.assert_frame_equal(got[cols], want[cols], check_dtype=False, obj=kind)
