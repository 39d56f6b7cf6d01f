"""The case table and the options of :func:`talentlab.qca.analyse` (``talentlab qca``), read and
checked.

Reading a case table (:func:`read_cases`, through :mod:`talentlab.data`), its numbers
(:func:`case_values`), case names (:func:`case_names`), memberships (:func:`check_membership`)
and panel columns (:func:`panel_ids`); and the options as the command writes them
(:func:`parse_conditions`, :func:`parse_calibration`, :func:`parse_directional`,
:func:`parse_expressions`, :func:`parse_theory`). Bad input is a
:class:`~talentlab.qca.QCAError` naming file, row, column, value and rule, in English and
Chinese. :mod:`talentlab.qca.analysis` re-exports the ``parse_*`` functions.
"""

from __future__ import annotations

import math
import os
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from talentlab.qca.calibrate import parse_thresholds
from talentlab.qca.expressions import QCAError, compute

__all__ = ["SEPARATORS", "case_names", "case_values", "check_membership", "panel_ids",
           "parse_calibration", "parse_conditions", "parse_directional", "parse_expressions",
           "parse_theory", "read_cases"]

#: Full-width punctuation a Chinese keyboard types (，；＝：), read as its ASCII form in options.
SEPARATORS = str.maketrans({"，": ",", "；": ";", "＝": "=", "：": ":"})


def parse_conditions(spec) -> list[str]:
    """The conditions from ``"A,B,C"`` (the command's form; full-width commas too) or a list.

    Examples
    --------
    >>> parse_conditions("DEV， URB,LIT")
    ['DEV', 'URB', 'LIT']
    """
    if isinstance(spec, str):
        return [c.strip() for c in spec.translate(SEPARATORS).split(",") if c.strip()]
    return [str(c) for c in spec]


def parse_calibration(spec) -> dict[str, str]:
    """Calibration anchors per set from ``"A=e,c,i;B=e,c,i"`` (the command's form) or a mapping.

    Each value is what :func:`talentlab.qca.calibrate` reads: three anchors ``e, c, i`` (full
    exclusion, crossover, full inclusion; a decreasing set has ``i`` below ``e``), named or in
    that order, or six for a bell-shaped set. Full-width punctuation (``，；＝``) is accepted.

    Examples
    --------
    >>> parse_calibration("DEV=400,550,900; 城市化=e=20, c=50, i=80")
    {'DEV': '400,550,900', '城市化': 'e=20, c=50, i=80'}
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return {}
    if isinstance(spec, Mapping):
        items = [(str(k), v if isinstance(v, str) else ", ".join(str(x) for x in v))
                 for k, v in spec.items()]
    else:
        items = []
        for part in str(spec).translate(SEPARATORS).split(";"):
            if not part.strip():
                continue
            if "=" not in part:
                raise QCAError(f"--calibrate {part.strip()!r}: write SET=e,c,i (for example "
                               "DEV=400,550,900) / 校准写作 条件=完全不隶属,交叉点,完全隶属")
            name, anchors = part.split("=", 1)
            items.append((name.strip(), anchors.strip()))
    out: dict[str, str] = {}
    for name, anchors in items:
        if name in out:
            raise QCAError(f"calibration of {name!r} given twice / 条件 {name!r} 的校准重复")
        values, names = parse_thresholds(str(anchors).translate(SEPARATORS))
        if len(values) not in (3, 6):
            raise QCAError(f"calibration of {name!r}: {anchors!r} has {len(values)} anchors; "
                           "give 3 (e, c, i) or 6 (bell shape) / 需要 3 个锚点（或 6 个）")
        if len(values) == 3 and names is None and len(set(values)) < 3:
            raise QCAError(f"calibration of {name!r}: anchors {anchors!r} must differ / 锚点须各不相同")
        out[name] = str(anchors).translate(SEPARATORS)
    return out


def parse_directional(spec):
    """Directional expectations from ``"A=1,B=0,C=-"`` (the command's form), or as given.

    ``1``: the condition's presence is expected to contribute to the outcome, ``0``: its
    absence, ``-``: no expectation. A list (``["A", "~B"]``) or mapping is passed on unchanged
    (see :func:`talentlab.qca.minimize`).

    Examples
    --------
    >>> parse_directional("DEV=1, URB=0, LIT=-")
    {'DEV': 1, 'URB': 0, 'LIT': '-'}
    """
    if spec is None or (isinstance(spec, str) and not spec.strip()):
        return None
    if not isinstance(spec, str):
        return spec
    out: dict[str, object] = {}
    for part in spec.translate(SEPARATORS).split(","):
        if not part.strip():
            continue
        if "=" not in part:
            raise QCAError(f"--directional {part.strip()!r}: write SET=1, SET=0 or SET=- / "
                           "方向性预期写作 条件=1、条件=0 或 条件=-")
        name, value = (s.strip() for s in part.split("=", 1))
        if value in ("-", ""):
            out[name] = "-"
        elif value.isdigit():
            out[name] = int(value)
        else:
            raise QCAError(f"--directional {name}={value}: the value is 1 (present), 0 "
                           "(absent) or - (no expectation) / 取值为 1、0 或 -")
    return out


def parse_expressions(spec, option: str, conditions: Sequence[str]) -> list[str]:
    """Expressions of the conditions from ``"A*B; ~C+D"`` (the command's form) or a list, each
    checked against the conditions.

    ``option`` names the command's option in the error (``"--necessary"``).

    Examples
    --------
    >>> parse_expressions("STOCK+MA； EMP", "--necessary", ["EMP", "STOCK", "MA"])
    ['STOCK+MA', 'EMP']
    """
    if spec is None:
        return []
    items = ([str(spec)] if isinstance(spec, str) else [str(v) for v in spec])
    out = []
    for item in items:
        out += [e.strip() for e in item.translate(SEPARATORS).split(";") if e.strip()]
    probe = pd.DataFrame({c: [0.0, 1.0] for c in conditions})
    for expression in out:
        try:
            compute(expression, probe)
        except QCAError as exc:
            raise QCAError(f"{option} {expression!r}: {exc} (rule: an expression of the "
                           f"conditions {', '.join(conditions)}, e.g. A*~B + C) / {option} "
                           f"须为条件的布尔表达式") from None
    return out


def read_cases(cases, encoding: str | None = None) -> tuple[pd.DataFrame, np.ndarray, str]:
    """The case table's cells, the row numbers a person sees, and the source's label.

    Parameters
    ----------
    cases : DataFrame or path
        A DataFrame (a non-default index becomes a column), or a ``.csv`` or ``.xlsx`` file
        read through :func:`talentlab.data.io.read_table_text` (encodings detected).
    encoding : str, optional
        Encoding of a CSV file (default: detected).

    Returns
    -------
    text : DataFrame
        The cells (as text when read from a file).
    rows : ndarray of int
        The row number of each case as a person sees it (the file's line, or 1, 2, ... for a
        DataFrame), for error messages.
    source : str
        ``"DataFrame"`` or the file's name.

    Raises
    ------
    QCAError
        Neither a DataFrame nor a ``.csv``/``.xlsx`` path.

    Examples
    --------
    >>> text, rows, source = read_cases(pd.DataFrame({"A": [0.2, 0.9]}))
    >>> rows.tolist(), source
    ([1, 2], 'DataFrame')
    """
    if isinstance(cases, pd.DataFrame):
        text = cases.copy()
        if not isinstance(text.index, pd.RangeIndex):
            text = text.reset_index()
        return text, np.arange(len(text)) + 1, "DataFrame"
    if isinstance(cases, str | os.PathLike):
        from talentlab.data.io import read_table_text

        path = Path(cases)
        if path.suffix.lower() not in (".csv", ".xlsx"):
            raise QCAError(f"{path.name}: a case table is a .csv or .xlsx file / 案例表须为 "
                           ".csv 或 .xlsx 文件")
        raw = read_table_text(path, "cases", encoding)
        return raw.text, np.asarray(raw.rows), raw.file
    raise QCAError("cases must be a DataFrame or the path of a .csv/.xlsx file")


def case_values(text: pd.DataFrame, column: str, rows: np.ndarray, source: str) -> np.ndarray:
    """One column of the case table as floats, every cell checked.

    Text cells are read after Unicode NFKC normalisation (full-width digits are numbers).

    Parameters
    ----------
    text : DataFrame
        The cells, as :func:`read_cases` returns them.
    column : str
        The column to read.
    rows, source
        Row numbers and source label, as :func:`read_cases` returns them (for errors).

    Returns
    -------
    ndarray of float

    Raises
    ------
    QCAError
        A missing or non-finite value, or a cell that is not a number, naming the source, row,
        column, value and rule.

    Examples
    --------
    >>> text = pd.DataFrame({"DEV": ["400", "９００"]})
    >>> case_values(text, "DEV", np.array([2, 3]), "cases.csv").tolist()
    [400.0, 900.0]
    """
    col = text[column]
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=float)
        bad = np.flatnonzero(~np.isfinite(values))
        if len(bad):
            raise QCAError(f"{source}, row {rows[bad[0]]}, column '{column}': missing value; "
                           "QCA needs a value for every case and set / QCA 要求每个案例在每个集合上都有取值")
        return values
    out = np.empty(len(col))
    for k, cell in enumerate(col.tolist()):
        s = unicodedata.normalize("NFKC", "" if cell is None else str(cell)).strip()
        try:
            out[k] = float(s)
        except ValueError:
            raise QCAError(
                f"{source}, row {rows[k]}, column '{column}': value {s!r} is not a number "
                "(rule: conditions and the outcome are numbers, raw values to calibrate or "
                f"memberships in [0, 1]) / 第 {rows[k]} 行 '{column}' 列的值 {s!r} 不是数字"
            ) from None
        if not math.isfinite(out[k]):
            raise QCAError(f"{source}, row {rows[k]}, column '{column}': value {s!r} is not a "
                           "finite number / 不是有限数值")
    return out


def case_names(text: pd.DataFrame, rows: np.ndarray, used: list[str], case_column, source: str
               ) -> tuple[list[str], str | None]:
    """The name of each case, checked: present and unique.

    Names come from ``case_column``, else from the first column when it is not one of the sets
    ``used`` (R's row names), else they are the row numbers.

    Parameters
    ----------
    text : DataFrame
        The cells, as :func:`read_cases` returns them.
    rows : ndarray of int
        Row numbers as :func:`read_cases` returns them.
    used : list of str
        The conditions and the outcome.
    case_column : str or None
        The column naming the cases, if given.
    source : str
        The source's label, for errors.

    Returns
    -------
    names : list of str
    column : str or None
        The column the names came from (None: the row numbers).

    Raises
    ------
    QCAError
        ``case_column`` absent; an empty or repeated name (naming rows and column).

    Examples
    --------
    >>> text = pd.DataFrame({"college": ["Jinan", "Zhuhai"], "A": [0.2, 0.9]})
    >>> case_names(text, np.array([1, 2]), ["A"], None, "DataFrame")
    (['Jinan', 'Zhuhai'], 'college')
    """
    if case_column is not None:
        if case_column not in text.columns:
            raise QCAError(f"{source}: no column {case_column!r} for the case names; columns: "
                           f"{list(map(str, text.columns))}")
        column = case_column
    else:
        first = text.columns[0]
        column = None
        if first not in used:
            column = first
    if column is None:
        return [str(r) for r in rows], None
    names = [str(v).strip() for v in text[column].tolist()]
    for k, n in enumerate(names):
        if not n:
            raise QCAError(f"{source}, row {rows[k]}, column '{column}': empty case name "
                           "(rule: every case has a name) / 案例名称为空")
    seen: dict[str, int] = {}
    for k, n in enumerate(names):
        if n in seen:
            raise QCAError(f"{source}, rows {seen[n]} and {rows[k]}, column '{column}': case "
                           f"name {n!r} appears twice (rule: case names are unique) / 案例名称重复")
        seen[n] = int(rows[k])
    return names, column


def check_membership(values: np.ndarray, name: str, rows, source: str) -> None:
    """Check that a set used as given (not calibrated) holds memberships.

    Memberships lie in [0, 1] (fuzzy sets), or are levels 0, 1, 2, ... (crisp and multi-value
    sets).

    Parameters
    ----------
    values : ndarray of float
        The set's values (:func:`case_values`).
    name : str
        The set's column.
    rows, source
        Row numbers and source label, as :func:`read_cases` returns them (for errors).

    Raises
    ------
    QCAError
        The first value that is not a membership, naming source, row, column and value, and
        how to calibrate the set.

    Examples
    --------
    >>> check_membership(np.array([0.0, 0.4, 1.0]), "A", [1, 2, 3], "DataFrame")
    >>> check_membership(np.array([0.0, 2.5]), "A", [1, 2], "DataFrame")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.qca.expressions.QCAError: DataFrame, row 2, column 'A': value 2.5 is not a set membership ...
    """
    integer = np.all(np.equal(np.mod(values, 1), 0)) and values.min() >= 0
    if integer:
        return
    bad = np.flatnonzero((values < 0) | (values > 1))
    if len(bad):
        k = bad[0]
        raise QCAError(
            f"{source}, row {rows[k]}, column '{name}': value {values[k]:g} is not a set "
            f"membership (rule: a set not calibrated holds memberships in [0, 1] or crisp levels "
            f"0, 1, 2...); calibrate it, e.g. --calibrate \"{name}=e,c,i\" / 第 {rows[k]} 行 "
            f"'{name}' 列的值不是隶属度（须在 [0, 1] 内），请用 --calibrate 校准")


def parse_theory(theory, conditions: list[str]) -> str | None:
    """The theory to evaluate (``--theory``): one expression of the conditions, or None.

    Parameters
    ----------
    theory : str or None
        One Boolean expression (``"DEV*~IND"``); empty or None for no theory.
    conditions : list of str

    Returns
    -------
    str or None

    Raises
    ------
    QCAError
        Several expressions, or an expression of other names.

    Examples
    --------
    >>> parse_theory("DEV*~IND", ["DEV", "IND"])
    'DEV*~IND'
    """
    if theory is None or (isinstance(theory, str) and not theory.strip()):
        return None
    if not isinstance(theory, str) or ";" in theory.translate(SEPARATORS):
        raise QCAError(f"--theory {theory!r}: write the theory as one expression, e.g. A*~B + C "
                       "/ 理论须写成一个布尔表达式")
    return parse_expressions(theory, "--theory", conditions)[0]


def panel_ids(text: pd.DataFrame, rows: np.ndarray, unit, cluster, sets: list[str],
              source: str) -> pd.DataFrame | None:
    """The unit and cluster of each case of a pooled panel (``--unit``, ``--cluster``), checked.

    Parameters
    ----------
    text : DataFrame
        The cells, as :func:`read_cases` returns them.
    rows : ndarray of int
        Row numbers as :func:`read_cases` returns them.
    unit, cluster : str or None
        The columns naming the unit (a college) and the cluster (a year): both or neither.
    sets : list of str
        The conditions and the outcome (neither column may be one of them).
    source : str
        The source's label, for errors.

    Returns
    -------
    DataFrame or None
        Columns ``unit`` and ``cluster`` as text, one row per case; None without a panel.

    Raises
    ------
    QCAError
        Only one of the two given, the same column twice, a column absent or a set, or an empty
        cell (naming source, row and column).

    Examples
    --------
    >>> text = pd.DataFrame({"college": ["a", "a"], "year": [2021, 2022], "Y": [0.2, 0.8]})
    >>> panel_ids(text, np.array([1, 2]), "college", "year", ["Y"], "DataFrame").values.tolist()
    [['a', '2021'], ['a', '2022']]
    """
    if unit is None and cluster is None:
        return None
    if unit is None or cluster is None:
        given, missing = ("--unit", "--cluster") if unit is not None else ("--cluster", "--unit")
        raise QCAError(f"{given} {unit if unit is not None else cluster!r} needs {missing} too "
                       "(cluster diagnostics compare units within clusters) / --unit 与 "
                       "--cluster 须同时给出")
    out = {}
    for option, column in (("--unit", unit), ("--cluster", cluster)):
        if column not in text.columns:
            raise QCAError(f"{option} {column!r}: {source} has no such column (columns: "
                           f"{list(map(str, text.columns))}) / 找不到列 {column!r}")
        if column in sets:
            raise QCAError(f"{option} {column!r} is a condition or the outcome; give the column "
                           "naming the unit (a college) or the cluster (a year) / 须为标识单位或聚类的列")
        values = [unicodedata.normalize("NFKC", "" if v is None or v is pd.NA else str(v)).strip()
                  for v in text[column].tolist()]
        for k, v in enumerate(values):
            if not v or v.lower() == "nan":
                raise QCAError(f"{source}, row {rows[k]}, column '{column}' ({option}): empty "
                               "value (rule: every case names its unit and cluster) / "
                               f"第 {rows[k]} 行 '{column}' 列为空")
        out[option] = values
    if unit == cluster:
        raise QCAError(f"--unit and --cluster are both {unit!r}; give two columns / 须为两个不同的列")
    return pd.DataFrame({"unit": out["--unit"], "cluster": out["--cluster"]})
