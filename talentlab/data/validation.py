"""Validation of tables against the contract: cell text to typed columns, field, cross-field and cross-table rules.

Validation works on the text of the file (every cell read as a string), so an error can quote the
offending value exactly as the user typed it, and it collects every problem before the caller
raises one :class:`~talentlab.data.problems.DataValidationError`. Types, required fields, ranges,
allowed values and unique keys come from the contract (:mod:`talentlab.data.descriptor`); the
rules a Table Schema cannot express are the ones listed in
:data:`~talentlab.data.descriptor.CROSS_FIELD_RULES`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.data.descriptor import (
    EMPLOYED,
    EMPLOYEES,
    ORIGINAL_SUFFIX,
    absent_allowed,
    field_names,
    missing_values,
    resource,
    shared_contract,
)
from talentlab.data.problems import Problem, shorten

TRUE_TOKENS = {"true", "t", "yes", "y", "1", "1.0", "是", "真"}
FALSE_TOKENS = {"false", "f", "no", "n", "0", "0.0", "否", "假"}

#: Unknown columns listed one by one in a validation error; the rest are summarised in one line.
MAX_UNKNOWN_LISTED = 20


# --------------------------------------------------------------------------------------------
# parsing cell text
# --------------------------------------------------------------------------------------------
def _parse_number(text: pd.Series) -> pd.Series:
    """Finite numbers; ``inf``, ``-inf`` and overflowing text (``1e400``) are not numbers here."""
    num = pd.to_numeric(text, errors="coerce").astype("float64")
    return num.where(np.isfinite(num))


def _parse_integer(text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Integers; also accepts ``2022.0`` (spreadsheets and parquet often store floats)."""
    num = pd.to_numeric(text, errors="coerce")
    ok = num.notna() & np.isfinite(num.astype("float64")) & (num.astype("float64") % 1 == 0)
    return num.where(ok), ok


def _parse_boolean(texts: list[str], present: np.ndarray
                   ) -> tuple[pd.arrays.BooleanArray, np.ndarray]:
    """``(values, parsed)`` of trimmed texts: true, false or missing (not ``present``, or not
    a yes/no word in any case).

    Python's ``str.lower`` finds the same words as pandas' (Arrow's) ``str.lower``: no code
    point lowers to a character of the words differently in the two
    (``tests/test_validation_distinct_texts.py`` checks every one).
    """
    low = list(map(str.lower, texts))
    is_true = np.fromiter(map(TRUE_TOKENS.__contains__, low), dtype=bool, count=len(low))
    is_false = np.fromiter(map(FALSE_TOKENS.__contains__, low), dtype=bool, count=len(low))
    is_true &= present
    is_false &= present
    parsed = is_true | is_false
    return pd.arrays.BooleanArray(is_true, ~parsed), parsed


def _fmt_value(v: object) -> object:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


@dataclass
class RawTable:
    """A table read as text, with where it came from.

    ``text`` holds every cell as a string ('' for an empty cell); ``rows`` gives, for each record,
    the row number a person sees in the file (header = 1 in CSV and spreadsheets).
    """

    name: str
    file: str
    text: pd.DataFrame
    rows: np.ndarray
    headers: dict | None = None  # contract field -> header in the file, when an alias was used


def validate_table(raw: RawTable, derived: Iterable[str] = ()
                   ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check one table against its field rules and convert it to typed columns.

    Returns the typed table (``None`` when a required column is missing) and the problems.
    Cross-table rules are checked by :func:`validate_tables`. ``derived`` names required fields
    the file may leave out because another table gives them (graduates' ``treated_major`` beside
    programmes' ``reform_year``); :func:`validate_tables` adds them afterwards.
    """
    spec = resource(raw.name)["schema"]
    missing_tokens = set(spec.get("missingValues", [""]))
    cols = list(raw.text.columns)
    wanted = [f["name"] for f in spec["fields"]]
    optional = absent_allowed(raw.name, cols) | (set(derived) - set(cols))
    problems, dupes = _column_problems(raw, cols, wanted, optional)
    if dupes:
        return None, problems
    typed: dict[str, pd.Series] = {}
    for fdesc in spec["fields"]:
        if fdesc["name"] in cols:
            typed[fdesc["name"]] = typed_column(raw, fdesc, missing_tokens, problems)
        elif fdesc.get("optional_when_column"):
            # kept as an empty column: links by this key find no row instead of failing
            typed[fdesc["name"]] = pd.Series(pd.NA, index=raw.text.index, dtype="string")
    if raw.name == "published_rates" and "rate_decimals" not in typed:
        typed["rate_decimals"] = _decimals_as_written(raw, missing_tokens)
    for name in wanted:
        if name not in typed and name not in optional:
            return None, problems
    df = pd.DataFrame({n: typed[n] for n in wanted if n in typed})
    problems += _primary_key_problems(raw, df, [c for c in spec.get("primaryKey") or []
                                                if c in df])
    problems += _cross_field(raw, df)
    return df, _with_headers(raw, problems)


def _decimals_as_written(raw: RawTable, missing_tokens: set[str]) -> pd.Series:
    """Decimals of each published rate as its cell is written (``93.40`` -> 2, ``93`` -> 0).

    Used when a published_rates file has no ``rate_decimals`` column. A rate that is not a
    plain number gets no decimals here (its own cell problem is reported by the rate field).
    """
    text = raw.text["rate"].astype("string").fillna("").str.strip()
    plain = text.str.fullmatch(r"[+-]?\d+(\.\d*)?") & ~text.isin(missing_tokens)
    decimals = text.str.extract(r"\.(\d*)$", expand=False).fillna("").str.len()
    return decimals.where(plain.fillna(False)).astype("Int64")


def _column_problems(raw: RawTable, cols: list[str], wanted: list[str],
                     optional: set[str] = frozenset()) -> tuple[list[Problem], list[str]]:
    """Problems of the header: missing (unless ``optional``), unknown (at most
    :data:`MAX_UNKNOWN_LISTED` named) and repeated columns; returns them and the repeated
    names."""
    problems: list[Problem] = []
    for name in wanted:
        if name not in cols and name not in optional:
            problems.append(
                Problem(raw.file, None, name, None, "required column is missing from the file")
            )
    unknown = [name for name in cols
               if name not in wanted and not (name.endswith(ORIGINAL_SUFFIX)
                                              and name[:-len(ORIGINAL_SUFFIX)] in wanted)]
    for name in unknown[:MAX_UNKNOWN_LISTED]:
        problems.append(
            Problem(raw.file, None, name, None,
                    f"unknown column (the contract for '{raw.name}' has: {', '.join(wanted)})")
        )
    if len(unknown) > MAX_UNKNOWN_LISTED:
        rest = unknown[MAX_UNKNOWN_LISTED:]
        problems.append(Problem(raw.file, None, None, None,
                                f"{len(rest)} more unknown columns: "
                                + shorten(", ".join(str(c) for c in rest))))
    dupes = [c for c in set(cols) if cols.count(c) > 1]
    for name in dupes:
        problems.append(Problem(raw.file, None, name, None, "column appears more than once"))
    return problems, dupes


def _missing_texts(texts: list[str], missing_tokens: set[str],
                   categories: pd.Index | None = None) -> np.ndarray:
    """Which trimmed texts are missing markers, compared as written and after NFKC, as
    :func:`talentlab.data.readers.is_missing` compares them (full-width '－' is '-').

    Only a non-ASCII text can change under NFKC (an ASCII one is its own normal form), and
    a text already in either set is missing whatever its form; so only the other non-ASCII
    texts are normalised (the texts are distinct: each is looked at once). ``categories``,
    when given, are ``texts`` but the last (the empty text): the markers are looked up in
    them (a few lookups in a hash table the Index has already) instead of each text in the
    markers (an identifier column has a text per record).
    """
    missing_nfkc = {unicodedata.normalize("NFKC", m).strip() for m in missing_tokens}
    either = missing_tokens | missing_nfkc
    n = len(texts)
    if categories is not None:
        missing = np.zeros(n, dtype=bool)
        at = categories.get_indexer(sorted(either))
        missing[at[at >= 0]] = True
        missing[-1] = texts[-1] in either
    else:
        missing = np.fromiter(map(either.__contains__, texts), dtype=bool, count=n)
    if "".join(texts).isascii():  # identifiers, numbers, codes: no text to normalise
        return missing
    ascii_ = np.fromiter(map(str.isascii, texts), dtype=bool, count=n)
    for i in np.flatnonzero(~missing & ~ascii_).tolist():
        missing[i] = unicodedata.normalize("NFKC", texts[i]).strip() in missing_nfkc
    return missing


def distinct_texts(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """``(codes, texts)``: the distinct cells of a column as trimmed strings and, per row, the
    position of its cell among them; an empty or NA cell is the text '', the last.

    A categorical column (the import's text, :func:`talentlab.data.import_columns.text_column`)
    gives its own categories and codes: nothing is factorised again. The texts need not be
    distinct once trimmed (``' a'`` and ``'a'``).

    Examples
    --------
    >>> codes, texts = distinct_texts(pd.Series(["b ", None, "a", "b "], dtype="string"))
    >>> codes.tolist(), texts
    ([0, 2, 1, 0], ['b', 'a', ''])
    >>> codes, texts = distinct_texts(pd.Series(["b", "a", None], dtype="category"))
    >>> codes.tolist(), texts
    ([1, 0, 2], ['a', 'b', ''])
    """
    codes, texts, _categories = _distinct_texts(column)
    return codes, texts


def _distinct_texts(column: pd.Series) -> tuple[np.ndarray, list[str], pd.Index | None]:
    """:func:`distinct_texts` and, when they are the texts but the last as they stand
    (trimmed already, all strings), the column's categories."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, uniques = column.cat.codes.to_numpy(), column.cat.categories
    else:
        codes, uniques = pd.factorize(column)
    all_str = (uniques.dtype == object
               and pd.api.types.infer_dtype(uniques, skipna=False) in ("string", "empty"))
    values = (uniques.tolist() if all_str
              else pd.Series(uniques).astype("string").fillna("").tolist())  # as written
    texts = [*map(str.strip, values), ""]
    same = all_str and isinstance(column.dtype, pd.CategoricalDtype) and texts[:-1] == values
    return np.where(codes < 0, len(texts) - 1, codes), texts, uniques if same else None


def typed_column(raw: RawTable, fdesc: dict, missing_tokens: set[str],
                 problems: list[Problem]) -> pd.Series:
    """One column typed by its field rule (type, required, range, levels, unique); each cell
    breaking a rule is appended to ``problems`` with its row and the text as written.

    Every rule but uniqueness depends on the cell's text alone, so each is checked once per
    distinct text of the column (:func:`distinct_texts`) and mapped back to the rows (most
    columns of 100,000 records hold a few dozen texts); the problems still come in row order,
    rule by rule.

    Parameters
    ----------
    raw : RawTable
        The table read as text; the column is ``raw.text[fdesc["name"]]``.
    fdesc : dict
        The field's descriptor in the contract (:func:`~talentlab.data.descriptor.fields`).
    missing_tokens : set of str
        Texts that mean a missing value (the table's ``missingValues``).
    problems : list of Problem
        Appended to, one problem per cell and broken rule.

    Returns
    -------
    Series
        The typed values (``Int64``, ``float64``, ``boolean``, ``string`` or a Categorical of
        the levels), missing where a cell is missing or breaks its type or levels.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from talentlab.data.descriptor import fields
    >>> text = pd.DataFrame({"cohort": ["2019", " 2020 ", "20x9", ""]}, dtype="string")
    >>> raw = RawTable("graduates", "g.csv", text, np.arange(4) + 2)
    >>> problems = []
    >>> typed_column(raw, fields("graduates")["cohort"], {""}, problems).tolist()
    [2019, 2020, <NA>, <NA>]
    >>> [(p.row, p.value, p.rule) for p in problems]
    [(5, '', 'required value is missing'), (4, '20x9', 'must be a whole number (integer)')]
    """
    name = fdesc["name"]
    codes, texts, categories = _distinct_texts(raw.text[name])
    present = ~_missing_texts(texts, missing_tokens, categories)
    cons = fdesc.get("constraints", {})

    def report(mask, rule: str) -> None:
        """Every row whose text is in ``mask`` (one flag per distinct text)."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        for i in np.flatnonzero(mask[codes]).tolist():
            problems.append(
                Problem(raw.file, int(raw.rows[i]), name, _fmt_value(texts[codes[i]]), rule)
            )

    if cons.get("required") and fdesc.get("optional_when_column") not in raw.text.columns:
        report(~present, "required value is missing")
    values = _parse_typed(texts, present, fdesc["type"], report)
    valid = present & pd.notna(values)
    if "minimum" in cons or "maximum" in cons:
        number = pd.Series(values).astype("float64").to_numpy()
        if "minimum" in cons:
            report(valid & (number < cons["minimum"]), f"must be >= {cons['minimum']}")
        if "maximum" in cons:
            report(valid & (number > cons["maximum"]), f"must be <= {cons['maximum']}")
    if "enum" in cons:
        values = _check_levels(values, valid, fdesc, report,
                               texts if isinstance(values, pd.arrays.ArrowStringArray
                                                   | pd.arrays.StringArray) else None)
    if cons.get("unique"):  # a text on more than one row (two texts may trim to one)
        key = _same_text_keys(texts, present, categories is not None)
        rows_per_key = np.bincount(key[codes], minlength=len(texts))
        report(valid & (rows_per_key[key] > 1),
               "must be unique (this value appears on more than one row)")
    # a missing cell is missing whatever its type (a text field keeps its texts until here)
    return pd.Series(pd.api.extensions.take(values, np.where(present[codes], codes, -1),
                                            allow_fill=True), index=raw.text.index)


def _same_text_keys(texts: list[str], present: np.ndarray, distinct_but_last: bool = False
                    ) -> np.ndarray:
    """Per distinct text, a key shared by the texts that are equal (two cells trimmed to one
    text); texts that are not ``present`` may share keys with others. ``distinct_but_last``:
    the texts but the last (the empty text) are known to be distinct (a categorical's)."""
    if distinct_but_last and not present[-1]:
        return np.arange(len(texts))
    n_distinct = len(set(texts))
    if n_distinct == len(texts) or (n_distinct == len(texts) - 1 and texts.count("") == 2
                                    and not present[-1]):
        return np.arange(len(texts))  # the usual case: only the empty text repeats
    return pd.factorize(_object_array(texts))[0]


def _object_array(texts: list[str]) -> np.ndarray:
    """``texts`` as a 1-d object array."""
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def _parse_typed(texts: list[str], present: np.ndarray, ftype: str, report):
    """The distinct texts parsed as ``ftype`` (integer, number, boolean, else text), an
    extension array (a numpy one for numbers), missing where not ``present`` or unparsable
    (reported), except a text: every text as it is."""
    if ftype not in ("integer", "number", "boolean"):
        return pd.array(texts, dtype="string")  # the missing ones too: emptied per row
    if ftype == "boolean":
        values, ok = _parse_boolean(texts, present)
        report(present & ~ok, "must be true or false (true/false, yes/no, 1/0, 是/否)")
        return values
    cell = pd.Series(texts, dtype="string")
    if ftype == "integer":
        values, ok = _parse_integer(cell.where(present))
        report(present & ~ok.to_numpy(dtype=bool), "must be a whole number (integer)")
        return values.where(present & ok).astype("Int64").array
    values = _parse_number(cell.where(present))  # a number
    report(present & values.isna().to_numpy(dtype=bool), "must be a number")
    return values.astype("float64").to_numpy()


def _check_levels(values, valid: np.ndarray, fdesc: dict, report,
                  texts: list[str] | None = None):
    """Report values outside the field's levels (numbers within 0.005 of a level count as it);
    a categorical field becomes a Categorical with the levels in contract order. ``texts``:
    the values of a text field as a list, each looked up among levels that are texts."""
    allowed = fdesc["constraints"]["enum"]
    level = None  # per distinct text, its level's position (-1: none)
    if fdesc["type"] == "number":
        arr = np.asarray(values, dtype="float64")
        hit = np.zeros(len(arr), dtype=bool)
        for a in allowed:
            hit |= np.isclose(arr, float(a), atol=5e-3)
        bad = valid & ~hit
    elif texts is not None and all(isinstance(a, str) for a in allowed):
        position: dict[str, int] = {}
        for k, a in enumerate(allowed):
            position.setdefault(a, k)
        level = np.fromiter(map(position.get, texts, [-1] * len(texts)), dtype=np.intp,
                            count=len(texts))
        bad = valid & (level < 0)
    else:
        bad = valid & ~np.asarray(pd.Series(values).isin(allowed), dtype=bool)
    report(bad, "must be one of: " + ", ".join(str(a) for a in allowed))
    if fdesc.get("categorical") and level is not None:
        return pd.Categorical.from_codes(np.where(valid & ~bad, level, -1),
                                         dtype=pd.CategoricalDtype(allowed), validate=False)
    if fdesc.get("categorical"):
        values = pd.Categorical(pd.Series(values).where(valid & ~bad), categories=allowed)
    return values


def _primary_key_problems(raw: RawTable, df: pd.DataFrame, pk: list[str]) -> list[Problem]:
    """Rows repeating a combination of a compound primary key (single keys are ``unique``)."""
    problems = []
    if len(pk) > 1 and all(c in df for c in pk):
        dup = df.duplicated(subset=pk, keep=False) & df[pk].notna().all(axis=1)
        for i in np.flatnonzero(dup.to_numpy()):
            problems.append(
                Problem(raw.file, int(raw.rows[i]), "+".join(pk),
                        " / ".join(str(df[c].iloc[i]) for c in pk),
                        "the combination must be unique (primary key)")
            )
    return problems


def _with_headers(raw: RawTable, problems: list[Problem]) -> list[Problem]:
    """Problems of ``raw`` with the file's own header beside the contract field name."""
    if not raw.headers:
        return problems
    from dataclasses import replace

    return [replace(p, header=raw.headers.get(p.column)) if p.file == raw.file and p.header is None
            else p for p in problems]


def _cross_field(raw: RawTable, df: pd.DataFrame) -> list[Problem]:
    problems: list[Problem] = []

    def report(mask: pd.Series | np.ndarray, column: str, rule: str) -> None:
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False).to_numpy(dtype=bool)
        for i in np.flatnonzero(mask):
            v = df[column].iloc[i]
            problems.append(
                Problem(raw.file, int(raw.rows[i]), column,
                        None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else _fmt_value(v),
                        rule)
            )

    if raw.name == "graduates":
        # flags per row as numpy arrays: the destination's levels are compared once each (it
        # is a categorical column), not as 100,000 strings
        dest = df["destination"]
        known = dest.notna().to_numpy(dtype=bool)
        not_employed = known & ~dest.isin(EMPLOYED).fillna(False).to_numpy(dtype=bool)
        not_employee = known & ~dest.isin(EMPLOYEES).fillna(False).to_numpy(dtype=bool)
        for col in ("job_related_to_major", "job_satisfaction", "employer_in_cluster", "work_region",
                    "adaptation_months", "adaptation_reached", "left_within_6_months"):
            report(not_employed & df[col].notna().to_numpy(dtype=bool), col,
                   f"only allowed for the employed ({', '.join(EMPLOYED)}); "
                   f"this graduate's destination is another")
        for col in ("employer_id", "employer_tier", "retraining_hours"):
            report(not_employee & df[col].notna().to_numpy(dtype=bool), col,
                   f"only allowed for employees ({', '.join(EMPLOYEES)})")
        months, reached = df["adaptation_months"], df["adaptation_reached"]
        report(months.notna() & reached.isna(), "adaptation_reached",
               "required when adaptation_months is given (False means censored)")
        report(months.isna() & reached.notna(), "adaptation_months",
               "required when adaptation_reached is given")
        if "count" in df:
            report(df["student_id"].notna() & (df["count"] >= 0) & (df["count"] != 1),
                   "student_id",
                   "a row with a student_id stands for one graduate: its count must be 1")
    elif raw.name == "published_rates":
        problems += _published_rate_problems(raw, df)
    elif raw.name == "programmes":
        for part, whole in (("double_qualified_teachers", "specialised_teachers"),
                            ("courses_co_developed", "courses_total"),
                            ("order_class_students", "students_enrolled")):
            report(df[part] > df[whole], part, f"must not exceed {whole}")
        if "reform_year" in df:
            problems += _reform_year_problems(raw, df)
    return problems


def _reform_year_problems(raw: RawTable, df: pd.DataFrame) -> list[Problem]:
    """Rows of a college × major whose reform_year differs from the first row of it (a year
    against another year, or against an empty cell): one major has one reform year. A cell that
    is not a valid year has its own problem already and is left out here."""
    tokens = set(missing_values("programmes"))
    cell = raw.text["reform_year"].astype("string").fillna("").str.strip()
    year = df["reform_year"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    usable = ~np.isnan(year) | cell.isin(tokens).to_numpy(dtype=bool)
    usable &= df[["college", "major"]].notna().all(axis=1).to_numpy(dtype=bool)
    problems = []
    first: dict[tuple[str, str], int] = {}
    for i in np.flatnonzero(usable):
        key = (df["college"].iloc[i], df["major"].iloc[i])
        j = first.setdefault(key, i)
        same = year[i] == year[j] or (np.isnan(year[i]) and np.isnan(year[j]))
        if not same:
            shown = "empty" if np.isnan(year[j]) else str(int(year[j]))
            problems.append(Problem(raw.file, int(raw.rows[i]), "reform_year",
                                    None if np.isnan(year[i]) else int(year[i]),
                                    f"must be the same on every row of a college × major "
                                    f"(row {int(raw.rows[j])} has {shown})"))
    return problems


def published_numerator_range(rate: float, n: int, decimals: int) -> tuple[int, int]:
    """Whole numerators ``k`` whose rate ``100 k / n`` %, rounded to ``decimals``, gives ``rate``.

    ``rate`` is a percentage rounded to ``decimals`` decimals, so the true rate lies in
    ``[rate - h, rate + h]`` with ``h = 0.5 * 10**-decimals`` (both ends kept: rounding rules
    differ at the half). The numerators are ``ceil(n (rate - h) / 100)`` to
    ``floor(n (rate + h) / 100)`` within ``[0, n]``, computed in exact fractions. An empty
    range (low > high) means no count of ``n`` graduates rounds to that rate.

    Examples
    --------
    >>> published_numerator_range(93.4, 500, 1)
    (467, 467)
    >>> published_numerator_range(93.4, 5230, 1)
    (4883, 4887)
    >>> published_numerator_range(93.4, 523, 1)  # 488/523 = 93.31 %, 489/523 = 93.50 %
    (489, 488)
    """
    from fractions import Fraction

    r = Fraction(str(float(rate)))
    h = Fraction(1, 2 * 10 ** int(decimals))
    low = math.ceil(n * (r - h) / 100)
    high = math.floor(n * (r + h) / 100)
    return max(low, 0), min(high, int(n))


def _published_rate_problems(raw: RawTable, df: pd.DataFrame) -> list[Problem]:
    """A published rate that no whole number of its ``n`` graduates gives (a typo, or a rate
    that is not over ``n``)."""
    problems = []
    ok = df["rate"].notna() & df["n"].notna() & df["rate_decimals"].notna()
    for i in np.flatnonzero(ok.to_numpy(dtype=bool)):
        rate, n, dec = float(df["rate"].iloc[i]), int(df["n"].iloc[i]), int(
            df["rate_decimals"].iloc[i])
        low, high = published_numerator_range(rate, n, dec)
        if low > high:
            problems.append(Problem(raw.file, int(raw.rows[i]), "rate", _fmt_value(rate),
                                    f"no whole number of the n={n} graduates gives "
                                    f"{rate:.{dec}f} % rounded to {dec} decimal(s)"))
    return problems


def validate_tables(raws: Mapping[str, RawTable]) -> tuple[dict[str, pd.DataFrame], list[Problem]]:
    """Validate several tables, including foreign keys and cross-table rules."""
    typed: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    derive = _treated_major_derived(raws)
    for name, raw in raws.items():
        df, probs = validate_table(raw, derived=("treated_major",) if derive and
                                   name == "graduates" else ())
        problems += probs
        if df is not None:
            typed[name] = df
    if "graduates" in typed and "reform_year" in typed.get("programmes", ()):
        typed["graduates"], more = _reform_years_in_graduates(raws["graduates"],
                                                               typed["graduates"],
                                                               typed["programmes"])
        problems += more

    for name, raw in raws.items():
        if name not in typed:
            continue
        for fk in resource(name)["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"]
            if target not in typed:
                continue
            (col,), (tcol,) = fk["fields"], fk["reference"]["fields"]
            child, parent = typed[name][col], typed[target][tcol]
            bad = child.notna() & ~child.isin(parent.dropna())
            for i in np.flatnonzero(bad.to_numpy(dtype=bool)):
                problems.append(Problem(raw.file, int(raw.rows[i]), col, child.iloc[i],
                                        f"must exist in {target}.{tcol}"))

    if "employer_ratings" in typed and "graduates" in typed:
        ratings, grads = typed["employer_ratings"], typed["graduates"]
        employer_of = grads.dropna(subset=["student_id"]).drop_duplicates("student_id")
        employer_of = employer_of.set_index("student_id")["employer_id"]
        expected = ratings["student_id"].map(employer_of)
        bad = (ratings["student_id"].isin(employer_of.index) & ratings["employer_id"].notna()
               & (expected.isna() | (expected != ratings["employer_id"]).fillna(True)))
        raw = raws["employer_ratings"]
        for i in np.flatnonzero(bad.to_numpy(dtype=bool)):
            exp = expected.iloc[i]
            exp_txt = "no employer" if exp is pd.NA or pd.isna(exp) else repr(exp)
            problems.append(Problem(raw.file, int(raw.rows[i]), "employer_id",
                                    ratings["employer_id"].iloc[i],
                                    f"must be the rated graduate's employer_id (graduates has {exp_txt})"))
    for raw in raws.values():
        problems = _with_headers(raw, problems)
    return typed, problems


def _treated_major_derived(raws: Mapping[str, RawTable]) -> bool:
    """Is graduates' ``treated_major`` left out of the file and given by programmes'
    ``reform_year`` instead?"""
    return ("graduates" in raws and "treated_major" not in raws["graduates"].text.columns
            and "programmes" in raws and "reform_year" in raws["programmes"].text.columns)


def _reform_years_in_graduates(raw: RawTable, grads: pd.DataFrame, programmes: pd.DataFrame
                               ) -> tuple[pd.DataFrame, list[Problem]]:
    """Graduates with ``treated_major`` derived from programmes' reform years when the file
    leaves it out, or checked against them when it gives it.

    A college × major is reformed iff its programme rows give a reform year. Problems are
    reported once per college × major (its first graduates row, with the number of rows), not
    once per graduate: a whole major disagrees at once.
    """
    reform = programmes.dropna(subset=["college", "major"]).drop_duplicates(["college", "major"])
    reform_index = pd.MultiIndex.from_arrays([reform["college"].astype("string"),
                                              reform["major"].astype("string")])
    reform_year = reform["reform_year"].astype("Float64").to_numpy(dtype=float,
                                                                   na_value=np.nan)
    has_key = grads[["college", "major"]].notna().all(axis=1).to_numpy(dtype=bool)
    codes, units = pd.factorize(pd.MultiIndex.from_arrays(
        [grads["college"].astype("string").fillna(""), grads["major"].astype("string").fillna("")]))
    unit_pos = reform_index.get_indexer(units)
    unit_year = np.where(unit_pos >= 0, reform_year[np.maximum(unit_pos, 0)], np.nan)
    known = (unit_pos >= 0)[codes] & has_key
    reformed = ~np.isnan(unit_year)[codes] & known
    problems: list[Problem] = []

    def report_once(mask: np.ndarray, column: str, value, rule) -> None:
        rows = np.flatnonzero(mask)
        unit_codes, first, count = np.unique(codes[rows], return_index=True, return_counts=True)
        for u, i, n in sorted(zip(unit_codes, rows[first], count, strict=True),
                              key=lambda t: t[1]):
            problems.append(Problem(raw.file, int(raw.rows[i]), column, value(i, units[u]),
                                    rule(unit_year[u], int(n))))

    if "treated_major" not in grads:
        report_once(has_key & ~known, "college+major", lambda i, unit: " / ".join(unit),
                    lambda year, n: "treated_major is not in the file and is derived from "
                                    "programmes.reform_year, but programmes has no row for this "
                                    "college × major: add its rows (reform_year empty if it was "
                                    "never reformed) or give treated_major; "
                                    f"{n} row(s), the first shown")
        derived = pd.array(reformed, dtype="boolean")
        derived[~known] = pd.NA
        grads = grads.assign(treated_major=derived)
        return grads[[f for f in field_names("graduates", optional=True) if f in grads]], problems
    given = grads["treated_major"].notna().to_numpy(dtype=bool)
    treated = grads["treated_major"].fillna(False).to_numpy(dtype=bool)
    report_once(given & known & (treated != reformed), "treated_major",
                lambda i, unit: bool(treated[i]),
                lambda year, n: "must agree with programmes.reform_year, which is "
                                + ("empty (never reformed)" if np.isnan(year) else str(int(year)))
                                + " for this college × major (so treated_major must be "
                                + ("false" if np.isnan(year) else "true")
                                + f"); {n} row(s) of it disagree, the first shown")
    report_once(given & treated & ~known & has_key, "treated_major", lambda i, unit: True,
                lambda year, n: "a reformed major needs a reform year, but programmes (which has "
                                "a reform_year column) has no row for this college × major; "
                                f"{n} row(s), the first shown")
    return grads, problems


def cross_table_rules_not_checked(supplied: Iterable[str]) -> list[str]:
    """The rules between two tables that could not be checked because one table was not
    supplied (:func:`validate_tables` checks a rule only where both tables are present).

    Examples
    --------
    >>> cross_table_rules_not_checked(["employer_ratings"])
    ['employer_ratings.student_id must exist in graduates.student_id', "employer_ratings.employer_id must be the rated graduate's employer_id in graduates"]
    >>> cross_table_rules_not_checked(["graduates", "evaluations"])
    []
    """
    supplied = set(supplied)
    rules = []
    for name in sorted(supplied, key=lambda n: [r["name"] for r in
                                                shared_contract()["resources"]].index(n)):
        for fk in resource(name)["schema"].get("foreignKeys", []):
            target = fk["reference"]["resource"]
            if target not in supplied:
                (col,), (tcol,) = fk["fields"], fk["reference"]["fields"]
                rules.append(f"{name}.{col} must exist in {target}.{tcol}")
        if name == "employer_ratings" and "graduates" not in supplied:
            rules.append("employer_ratings.employer_id must be the rated graduate's employer_id "
                         "in graduates")
    return rules
