"""The reform year of every college × major: from programmes' ``reform_year``, or one reform cohort.

Read from validated tables (:func:`talentlab.load_all`); the evaluation's designs (one date or
staggered reforms) start from it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd


class ReformYearsUnknown(ValueError):
    """The data give no reform years and no single reform cohort was supplied."""


def reform_years(data, reform_cohort: int | None = None) -> pd.DataFrame:
    """The reform year of every college × major in the data (first reformed graduation cohort).

    The reform years come from the ``reform_year`` column of programmes when the data have one
    (reforms that start in different years: a staggered design). Older data sets have only
    graduates' ``treated_major``: every reformed major then gets the one date ``reform_cohort``,
    or, when that is not given, the ``reform_cohort`` the data's origin records (the synthetic
    scenarios write it into ``datapackage.json``). ``reform_cohort`` is only this fallback: data
    with reform years keep their own.

    Parameters
    ----------
    data : TalentData or mapping of DataFrame
        Validated tables (:func:`talentlab.load_all`, or a dict with ``graduates`` and / or
        ``programmes``, optionally ``origin``).
    reform_cohort : int, optional
        The single reform date of a data set without reform years.

    Returns
    -------
    DataFrame
        ``college``, ``major`` (string) and ``reform_year`` (Int64; missing = never reformed),
        one row per college × major found in graduates or programmes, sorted. ``attrs["source"]``
        says where the years came from (``"programmes.reform_year"`` or
        ``"treated_major + reform_cohort <year>"``).

    Raises
    ------
    ReformYearsUnknown
        No ``reform_year`` column, and no ``reform_cohort`` given or recorded in the origin.

    Examples
    --------
    >>> import pandas as pd
    >>> grads = pd.DataFrame({"college": ["A", "A", "B"], "major": ["IC", "Software", "IC"],
    ...                       "treated_major": [True, False, True]})
    >>> reform_years({"graduates": grads}, reform_cohort=2022)
      college     major  reform_year
    0       A        IC         2022
    1       A  Software         <NA>
    2       B        IC         2022
    >>> programmes = pd.DataFrame({"college": ["A", "A", "B", "B"],
    ...                            "major": ["IC", "Software", "IC", "IC"],
    ...                            "year": [2019, 2019, 2019, 2020],
    ...                            "reform_year": pd.array([2020, None, 2022, 2022], dtype="Int64")})
    >>> years = reform_years({"graduates": grads, "programmes": programmes})
    >>> years["reform_year"].tolist(), years.attrs["source"]
    ([2020, <NA>, 2022], 'programmes.reform_year')
    """
    def table(name: str) -> pd.DataFrame | None:
        if isinstance(data, Mapping):
            return data.get(name)
        return getattr(data, name, None)

    origin = (data.get("origin") if isinstance(data, Mapping)
              else getattr(data, "origin", None)) or {}
    grads, programmes = table("graduates"), table("programmes")
    units = [t[["college", "major"]] for t in (grads, programmes) if t is not None]
    if not units:
        raise ReformYearsUnknown("reform years need graduates or programmes (neither supplied) / "
                                 "需要 graduates 或 programmes 表")
    out = (pd.concat(units, ignore_index=True).astype("string").dropna()
           .drop_duplicates().sort_values(["college", "major"], kind="stable")
           .reset_index(drop=True))
    keys = pd.MultiIndex.from_frame(out)
    if programmes is not None and "reform_year" in programmes:
        given = programmes.dropna(subset=["college", "major"])
        given = given.drop_duplicates(["college", "major"])
        index = pd.MultiIndex.from_arrays([given["college"].astype("string"),
                                           given["major"].astype("string")])
        years = pd.Series(given["reform_year"].astype("Int64").to_numpy(), index=index)
        out["reform_year"] = years.reindex(keys).to_numpy()
        out["reform_year"] = out["reform_year"].astype("Int64")
        out.attrs["source"] = "programmes.reform_year"
        return out
    if reform_cohort is None:
        reform_cohort = origin.get("reform_cohort")
    if reform_cohort is None or grads is None or "treated_major" not in grads:
        raise ReformYearsUnknown(
            "the data give no reform years (no reform_year column in programmes) and no single "
            "reform cohort is known: pass reform_cohort=<first reformed graduation cohort> / "
            "数据中没有改革年份（programmes 表无 reform_year 列），也未给出统一的改革届别")
    if isinstance(reform_cohort, bool) or not float(reform_cohort).is_integer():
        raise ReformYearsUnknown(f"reform_cohort must be a whole year, not {reform_cohort!r}")
    treated = grads.dropna(subset=["college", "major"])
    treated = treated[treated["treated_major"].fillna(False).astype(bool)]
    reformed = pd.MultiIndex.from_frame(treated[["college", "major"]].astype("string"))
    out["reform_year"] = pd.array(np.where(keys.isin(reformed), int(reform_cohort), 0),
                                  dtype="Int64")
    out.loc[~keys.isin(reformed), "reform_year"] = pd.NA
    out.attrs["source"] = f"treated_major + reform_cohort {int(reform_cohort)}"
    return out
