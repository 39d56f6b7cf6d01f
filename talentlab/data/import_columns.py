"""``talentlab import``: the cells and columns of an export as contract text.

One cell of a college's export becomes the text the contract reads (:func:`convert_cell`: value
maps, yes/no words, numbers and years stored as text such as ``2017届`` or ``134小时``), and a
column is handled as its distinct texts and per-row codes (:func:`distinct_codes`,
:func:`text_column`, :func:`take_values`): an export has few distinct values in most columns,
so each is converted once. Used by the other ``import_*`` modules of :mod:`talentlab.data.importer`.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

from talentlab.data import readers
from talentlab.data.descriptor import fields
from talentlab.data.mappings import Mappings
from talentlab.data.validation import FALSE_TOKENS, TRUE_TOKENS

_FIELDS: dict[str, dict] = {}


def contract_fields(table: str) -> dict[str, dict]:
    """The contract's fields of a table, by name (cached: :func:`talentlab.data.descriptor.fields`
    copies the descriptor on every call, and the import asks for each cell's field).

    The descriptors are shared: read them, never modify them.

    Examples
    --------
    >>> contract_fields("graduates")["cohort"]["type"]
    'integer'
    """
    if table not in _FIELDS:
        _FIELDS[table] = fields(table)
    return _FIELDS[table]


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?", re.IGNORECASE)
_UNITS = ("人次", "学时", "小时", "个月", "月", "人", "门", "项", "个", "分", "h", "小时数")
_YEAR = re.compile(r"((?:19|20)\d{2})(?:\s*(?:届|年|级|学年|年度)?|(?:\s*[-/.年—~至]\s*\d{1,4}.*))")
#: A date written as digits only, YYYYMM or YYYYMMDD (毕业时间 ``201807`` in a 就业方案 export).
_YEAR_MONTH = re.compile(r"((?:19|20)\d{2})(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])?")


def clean_text(text: str) -> str:
    """``text`` in Unicode NFKC form (full-width digits and letters as ASCII), trimmed.

    Examples
    --------
    >>> clean_text(" １２３人 "), clean_text("ＡＢＣ")
    ('123人', 'ABC')
    """
    return unicodedata.normalize("NFKC", text).strip()


def convert_number(text: str, year: bool = False) -> str | None:
    """Text of a number stored as text, or ``None`` when it is not one.

    Full-width digits, thousands separators and a trailing unit (人, 门, 小时, 个月, 分 …) are
    accepted; with ``year=True`` also ``2017届``, ``2017年``, ``2014-2015学年``, dates, and
    dates written as digits only, ``YYYYMM`` or ``YYYYMMDD`` (the 就业方案 export's 毕业时间
    ``201807``; a month 13 or day 32 is not a date and stays a number, which the year range
    then refuses).

    Examples
    --------
    >>> convert_number("１,234人"), convert_number("4.20"), convert_number("三")
    ('1234', '4.20', None)
    >>> convert_number("2017届", year=True), convert_number("2014-2015学年", year=True)
    ('2017', '2014')
    >>> convert_number("2020-06-30", year=True)
    '2020'
    >>> convert_number("201807", year=True), convert_number("20180630", year=True)
    ('2018', '2018')
    >>> convert_number("201813", year=True)
    '201813'
    """
    t = clean_text(text).replace(" ", "")
    if year:
        m = _YEAR.fullmatch(t) or _YEAR_MONTH.fullmatch(t)
        if m:
            return m.group(1)
    for unit in _UNITS:
        if t.lower().endswith(unit) and len(t) > len(unit):
            t = t[: -len(unit)]
            break
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", t):
        t = t.replace(",", "")
    if _NUMBER.fullmatch(t):
        return t
    return None


def convert_cell(m: Mappings, table: str, fdesc: dict, raw_text: str) -> tuple[str, tuple | None]:
    """One cell of an export as the text the contract reads, and what was done to it.

    A missing-value marker becomes ''; a level of the field is kept; anything else goes through
    the value maps of ``m`` (the contract's and the mapping file's), yes/no words, and numbers
    or years stored as text (:func:`convert_number`).

    Parameters
    ----------
    m : Mappings
        The aliases and value maps (:func:`talentlab.data.mappings.build_mappings`).
    table : str
        The contract table of the cell.
    fdesc : dict
        The field's descriptor (:func:`contract_fields`).
    raw_text : str
        The cell as read.

    Returns
    -------
    tuple
        ``(contract text, event)``; the event is ``("map", source, is_enum)``,
        ``("conv", rule)``, ``("unmapped",)`` or ``None`` (taken as it is).

    Examples
    --------
    >>> from talentlab.data.mappings import build_mappings
    >>> m = build_mappings(None)
    >>> convert_cell(m, "graduates", contract_fields("graduates")["cohort"], "2021届")
    ('2021', ('conv', 'year from text'))
    >>> convert_cell(m, "graduates", contract_fields("graduates")["cohort"], "无")
    ('', None)
    """
    t = raw_text.strip()
    if readers.is_missing(t):
        return "", None
    name, ftype = fdesc["name"], fdesc["type"]
    enum = fdesc.get("constraints", {}).get("enum")
    if enum is not None:
        if t in enum:
            return t, None
        hit = m.map_value(table, name, t)
        return (hit.target, ("map", hit.source, True)) if hit else (t, ("unmapped",))
    if ftype == "boolean":
        low = clean_text(t).lower()
        if low in TRUE_TOKENS or low in FALSE_TOKENS:
            out = "true" if low in TRUE_TOKENS else "false"
            return out, (None if t == out else ("map", "contract", False))
        hit = m.map_value(table, name, t)
        return (hit.target, ("map", hit.source, False)) if hit else (t, ("unmapped",))
    if ftype in ("integer", "number"):
        hit = m.map_value(table, name, t)
        if hit is not None:
            return hit.target, ("map", hit.source, False)
        year = fdesc.get("unit") == "year"
        num = convert_number(t, year=year)
        if num is None:
            return t, ("unmapped",)
        if num == t:
            return t, None
        rule = "number stored as text"
        if year:
            rule = ("year from a YYYYMM / YYYYMMDD date" if _YEAR_MONTH.fullmatch(clean_text(t))
                    else "year from text")
        return num, ("conv", rule)
    hit = m.map_value(table, name, t)  # free text with an optional map (evaluation dimensions)
    if hit is not None and hit.target != t:
        return hit.target, ("map", hit.source, False)
    return t, None


def object_array(values: list) -> np.ndarray:
    """A 1-d object array of ``values`` (never a 2-d one, whatever the values are).

    Examples
    --------
    >>> object_array([("a", 1), ("b", 2)]).shape
    (2,)
    """
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def take_values(values: list, codes: np.ndarray) -> np.ndarray:
    """The column ``values[codes[k]]`` ('' where the code is -1), as an object array.

    Examples
    --------
    >>> take_values(["是", "否"], np.array([0, 1, -1, 0])).tolist()
    ['是', '否', '', '是']
    """
    table = np.empty(len(values) + 1, dtype=object)
    table[:-1] = values
    table[-1] = ""
    return table[codes]


def distinct_codes(cells: np.ndarray) -> tuple[np.ndarray, list]:
    """``(codes, distinct values)`` of a column: ``values[codes[k]]`` is cell ``k`` (code -1 for
    ``None``, a column absent in the piece), the values in order of first appearance.

    An export has few distinct values in most columns (a destination, a major, 是/否), so
    each is converted once and mapped back, instead of one Python step per cell.

    Examples
    --------
    >>> codes, values = distinct_codes(object_array(["是", None, "否", "是"]))
    >>> codes.tolist(), values
    ([0, -1, 1, 0], ['是', '否'])
    """
    codes, uniques = pd.factorize(cells)
    # tolist: the same objects as list() gives, without a Python step per value
    return codes, uniques.tolist() if uniques.dtype == object else list(uniques)


def text_column(values: list[str], codes: np.ndarray) -> pd.Categorical:
    """The column ``values[codes[k]]`` ('' where the code is -1) as a categorical of its
    distinct texts: the steps after conversion (validation, dropping rows, writing) then work
    on codes and on each distinct text once, never on 100,000 separate strings.

    Examples
    --------
    >>> text_column(["2021", ""], np.array([0, -1, 1, 0])).tolist()
    ['2021', '', '', '2021']
    """
    categories = pd.Index(object_array([*values, ""]), dtype=object)  # '' last: code -1 cells
    if categories.is_unique:  # distinct already (identifiers): nothing to merge
        cell_codes = np.where(codes < 0, len(values), codes)
    else:
        remap, texts = pd.factorize(categories.to_numpy())
        categories = pd.Index(texts, dtype=object)
        cell_codes = remap[codes]
    # the codes are valid by construction; the categories' uniqueness, known now, is not
    # checked again (the Index keeps it)
    return pd.Categorical.from_codes(cell_codes, categories=categories, validate=False)


def codes_and_values(column: pd.Series) -> tuple[np.ndarray, list]:
    """``(codes, distinct values)`` of a text column (code -1: ``None``); a categorical column
    gives its own codes and categories.

    Examples
    --------
    >>> codes, values = codes_and_values(pd.Series(["b", "a", "b"], dtype=object))
    >>> codes.tolist(), values
    ([0, 1, 0], ['b', 'a'])
    """
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), column.cat.categories.tolist()
    codes, uniques = pd.factorize(np.asarray(column_texts(column), dtype=object))
    return codes, list(uniques)


def column_texts(column: pd.Series) -> list[str]:
    """A column's cells as the text written: '' for ``None``, ``str`` of anything else.

    Examples
    --------
    >>> column_texts(pd.Series(["a", None, 3], dtype=object))
    ['a', '', '3']
    """
    values = column.tolist()
    if set(map(type, values)) <= {str}:  # the usual case: text already, nothing to convert
        return values
    return ["" if v is None else str(v) for v in values]


def percent_from_proportion(text: str) -> str:
    """A proportion written as text, in percent: the decimal point moved two places, exactly,
    with two decimals fewer (none fewer than 0), so the rounding it was published with is kept.

    Examples
    --------
    >>> percent_from_proportion("0.953"), percent_from_proportion("0.9530")
    ('95.3', '95.30')
    >>> percent_from_proportion("1"), percent_from_proportion(".5")
    ('100', '50')
    """
    from decimal import Decimal

    d = Decimal(text)
    decimals = max(-d.as_tuple().exponent, 0)
    return f"{d.scaleb(2):.{max(decimals - 2, 0)}f}"
