"""The origin of a data folder (synthetic or user data, scenario, seed, name) and its safe name.

Read from the folder's ``datapackage.json`` (or, for a processed folder, its ``manifest.json``);
a folder without either holds user data. :func:`dataset_name` turns the origin into the one
folder name processed data and reports go under: a name read from the data never chooses a path.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from pathlib import Path


def read_origin(data_dir: str | os.PathLike) -> dict:
    """The origin recorded in ``data_dir/datapackage.json``; user data when there is none."""
    data_dir = Path(data_dir)
    desc = data_dir / "datapackage.json"
    processed = data_dir / "manifest.json"
    if not desc.exists() and processed.exists():
        meta = _read_json_object(processed)
        origin = meta.get("origin")
        if not isinstance(origin, dict):
            raise ValueError(f"{processed.name}: has no 'origin' object")
        origin = dict(origin)
    elif desc.exists():
        meta = _read_json_object(desc)
        origin = {k: v for k, v in meta.items()
                  if k not in ("resources", "$schema", "title", "contract_version")}
        origin.setdefault("data_origin", "user")
    else:
        origin = {"data_origin": "user"}
    origin.setdefault("name", data_dir.name)
    if origin.get("data_origin") not in ("synthetic", "user"):
        raise ValueError(f"{desc.name}: data_origin must be 'synthetic' or 'user', not "
                         f"{origin.get('data_origin')!r}")
    dataset_name(origin)  # a name that cannot be a folder name is an error now, not at writing
    return origin


def _read_json_object(path: Path) -> dict:
    """A JSON file that must hold an object, or a ValueError naming the file and the place."""
    try:
        meta = json.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path.name}: not UTF-8 text (byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path.name}, line {exc.lineno}, column {exc.colno}: not valid JSON "
                         f"({exc.msg})") from None
    except RecursionError:
        raise ValueError(f"{path.name}: nested too deeply to be a data-package descriptor") from None
    except OSError as exc:
        raise ValueError(f"{path.name}: cannot be read ({exc.strerror or exc})") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{path.name}: must hold a JSON object {{...}}, not a "
                         f"{type(meta).__name__}")
    return meta


def _slug(value: object, what: str) -> str:
    """A safe one-component folder name made from a name found in the data (never a path)."""
    raw = str(value)
    text = unicodedata.normalize("NFKC", raw).strip()
    if (text.startswith(("/", "\\", "~")) or re.match(r"^[A-Za-z]:", text)
            or ".." in re.split(r"[/\\]", text)):
        raise ValueError(f"datapackage.json: {what} {raw!r} is a path, not a name (absolute paths, "
                         "'~' and '..' are not allowed; the output folder is always under "
                         "data/processed/)")
    slug = re.sub(r"[^\w.-]+", "_", text).strip("._-")[:80]
    return slug


def dataset_name(origin: dict) -> str:
    """A short folder name for a data set's processed data and reports: always a safe slug.

    A name read from the data can never choose where output goes: separators and other characters
    become ``_``; an absolute name or one with ``..`` is an error.

    Examples
    --------
    >>> dataset_name({"data_origin": "user", "name": "Zhuhai college 2024/25"})
    'Zhuhai_college_2024_25'
    >>> dataset_name({"data_origin": "synthetic", "scenario": "null"})
    'synthetic-null'
    >>> dataset_name({"data_origin": "user", "name": "../../etc"})
    Traceback (most recent call last):
    ...
    ValueError: datapackage.json: name '../../etc' is a path, not a name (absolute paths, '~' and '..' are not allowed; the output folder is always under data/processed/)
    """
    if origin.get("data_origin") == "synthetic":
        return "synthetic-" + (_slug(origin.get("scenario") or "data", "scenario") or "data")
    return _slug(origin.get("name") or "user-data", "name") or "user-data"
