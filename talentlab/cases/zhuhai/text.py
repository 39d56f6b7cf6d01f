"""The Zhuhai evaluation's words: the design described in Markdown, numbers in summaries."""

from __future__ import annotations

import numpy as np


def format_number(x: float) -> str:
    """A number in the summaries' text: three significant digits, ``"n/a"`` for a missing one.

    Examples
    --------
    >>> format_number(0.123456), format_number(1234.5), format_number(float("nan"))
    ('0.123', '1.23e+03', 'n/a')
    """
    return "n/a" if x is None or np.isnan(x) else f"{x:.3g}"


def describe_design(design: dict) -> str:
    """One Markdown paragraph describing an evaluation's design (``ZhuhaiEvaluation.design``):
    the reformed and comparison majors and the reform cohort of a one-date DiD, the colleges'
    reform years of a staggered design.

    Examples
    --------
    >>> for line in describe_design({"design": "did", "treated_majors": ["IC"],
    ...                              "comparison_majors": ["SW", "ME"], "cohorts": [2019, 2023],
    ...                              "reform_cohort": 2022, "n_graduates": 812}).splitlines():
    ...     print(line.rstrip())
    **Reformed majors:** IC
    **Comparison majors:** SW, ME
    **Cohorts:** 2019–2023, reform from cohort 2022; 812 graduates.
    >>> for line in describe_design({"design": "staggered", "reform_years": {2018: 4, 2020: 6},
    ...                              "cohorts": [2016, 2023], "n_graduates": 5000,
    ...                              "reason": "3 colleges: Callaway-Sant'Anna"}).splitlines():
    ...     print(line.rstrip())
    **Staggered reforms:** 4 college x major units from cohort 2018, 6 from cohort 2020
    **Cohorts:** 2016–2023; 5000 graduates.
    **Design:** 3 colleges: Callaway-Sant'Anna.
    """
    cohorts = design["cohorts"]
    span = f"{cohorts[0]}–{cohorts[-1]}"
    if design.get("design") == "staggered":
        years = ", ".join(f"{n} from cohort {y}" if i else f"{n} college x major units from cohort {y}"
                          for i, (y, n) in enumerate(sorted(design["reform_years"].items())))
        return (f"**Staggered reforms:** {years}  \n**Cohorts:** {span}; "
                f"{design['n_graduates']} graduates.  \n**Design:** {design['reason']}.")
    return (f"**Reformed majors:** {', '.join(design['treated_majors'])}  \n"
            f"**Comparison majors:** {', '.join(design['comparison_majors'])}  \n"
            f"**Cohorts:** {span}, reform from cohort {design['reform_cohort']}; "
            f"{design['n_graduates']} graduates.")
