"""What a notebook publishes besides figures: ``results.json`` and CSV tables, written so two runs
give identical bytes and made safe to open in a spreadsheet.

:func:`publish_results` writes the result object of a case study
(:func:`talentlab.cases.zhuhai.evaluate`, :func:`talentlab.cases.six_case.evaluate`), whose
``to_results()`` says what it publishes, so no notebook builds that dictionary by hand.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.data.atomic import atomic_write_text

__all__ = ["CSV_BOM", "origin_summary", "publish_results", "write_results", "write_table"]

#: Written first in every published CSV: the UTF-8 byte-order mark Excel needs to read UTF-8.
CSV_BOM = "\ufeff"


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, pd.DataFrame):
        return _jsonable(obj.to_dict(orient="records"))
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.floating, float)):
        v = float(obj)
        return None if np.isnan(v) else round(v, 10)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if obj is pd.NA or obj is None:
        return None
    if isinstance(obj, Path):
        return obj.as_posix()
    return obj


def write_results(output_dir: str | os.PathLike, results: dict) -> Path:
    """Write ``results.json`` (sorted keys, rounded floats) so reruns give identical bytes."""
    path = Path(output_dir) / "results.json"
    atomic_write_text(path, json.dumps(_jsonable(results), ensure_ascii=False, indent=2,
                                       sort_keys=True) + "\n")
    return path


def write_table(df: pd.DataFrame, path: str | os.PathLike,
                min_cell: int | None = None) -> Path:
    """Write a published table as CSV (UTF-8 with a byte-order mark, stable float format), made
    safe to publish.

    The byte-order mark (``utf-8-sig``) makes Excel on Chinese Windows read the file as UTF-8
    (without it Excel assumes GBK and shows 专业 as mojibake); pandas, the csv module with
    ``encoding="utf-8-sig"`` and talentlab's readers skip it.

    Counts of people with a characteristic (:data:`talentlab.report.publish.ATTRIBUTE_COUNT_COLUMNS`,
    e.g. ``n_unknown``, ``censored``) below ``min_cell`` (default: the disclosure default) are
    shown as ``<min_cell``; text that a spreadsheet would run as a formula is neutralised. Group
    sizes are not changed here: suppress small groups with :mod:`talentlab.report.disclosure` first; the
    report build refuses any table that still shows one.
    """
    from talentlab.report.publish import prepare_table

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = prepare_table(df, min_cell)
    atomic_write_text(path, CSV_BOM + df.to_csv(index=False, lineterminator="\n",
                                               float_format="%.6g"))
    return path




# ----------------------------------------------------------------------------------------------
# the Zhuhai case evaluation


def origin_summary(data) -> dict:
    """The data origin a ``results.json`` records: ``data.origin`` without the file checksums
    (those are in the processed data's manifest and the report's raw-data list), and for an
    imported folder without the map of the college's headers to the contract's fields: that map
    names the identifier fields (``student_id`` …), which a published file may not carry, and it
    stays in the import report beside the imported folder."""
    origin = {k: v for k, v in data.origin.items() if k != "checksums"}
    imported = origin.get("imported_from")
    if isinstance(imported, Mapping) and "columns" in imported:
        origin["imported_from"] = {k: v for k, v in imported.items() if k != "columns"}
    return origin


def publish_results(result, output_dir: str | os.PathLike, *, notebook: str,
                    data=None, extra: Mapping | None = None) -> Path:
    """Write ``results.json`` of a notebook from a case study's result object.

    Parameters
    ----------
    result : object with ``to_results()``, or a mapping
        :class:`talentlab.cases.zhuhai.ZhuhaiEvaluation`,
        :class:`talentlab.cases.six_case.SixCaseEvaluation` (``six_case.evaluate(...)``), or
        ``None`` (only ``extra``).
    output_dir : path
        The notebook's output folder.
    notebook : str
        The notebook's name (the report links its page by it).
    data : TalentData, optional
        Adds ``data_origin`` (:func:`origin_summary`).
    extra : mapping, optional
        Entries only the notebook knows (``key_figures`` it drew, ``tables`` it wrote, a
        synthetic-truth check); they override the result's entries of the same name.

    Examples
    --------
    >>> import json, tempfile
    >>> import pandas as pd
    >>> class Result:
    ...     def to_results(self):
    ...         return {"effects": pd.DataFrame({"estimate": [0.1234567890123]})}
    >>> out = tempfile.mkdtemp()
    >>> path = publish_results(Result(), out, notebook="demo", extra={"notes": []})
    >>> json.loads(path.read_text())
    {'effects': [{'estimate': 0.123456789}], 'notebook': 'demo', 'notes': []}
    """
    if result is None:
        results: dict = {}
    elif hasattr(result, "to_results"):
        results = dict(result.to_results())
    else:
        results = dict(result)
    results["notebook"] = notebook
    if data is not None:
        results["data_origin"] = origin_summary(data)
    results.update(extra or {})
    return write_results(output_dir, results)
