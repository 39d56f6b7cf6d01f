"""Programme indicators from the programmes table (one row per college x major x year)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from talentlab.indicators.core import (
    IndicatorInputError,
    as_list,
    check_alpha,
    group_index,
    proportion_result,
    require_columns,
)

#: code -> (numerator column, denominator column, base text)
PROGRAMME_RATIOS = {
    "double_qualified_teacher_ratio": (
        "double_qualified_teachers", "specialised_teachers",
        "full-time specialised-course teachers (enterprise part-time teachers not in the base)"),
    "co_developed_course_share": ("courses_co_developed", "courses_total",
                                  "all courses of the programme"),
    "order_class_share": ("order_class_students", "students_enrolled",
                          "students enrolled in the major"),
}


def _programme_ratio(code: str, programmes: pd.DataFrame, by, alpha: float,
                     min_cell: int) -> pd.DataFrame:
    alpha = check_alpha(alpha, code)
    num_col, den_col, text = PROGRAMME_RATIOS[code]
    by = as_list(by)
    require_columns(programmes, [num_col, den_col], code, "programmes")
    num_v = programmes[num_col].to_numpy(dtype=float, na_value=np.nan)
    den_v = programmes[den_col].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(num_v).any() or np.isnan(den_v).any():
        raise IndicatorInputError(f"{code}: programmes.{num_col} and programmes.{den_col} are "
                                  "required counts; missing values found")
    bad = np.flatnonzero((num_v < 0) | (den_v < 0) | (num_v > den_v))
    if len(bad):
        raise IndicatorInputError(
            f"{code}: programmes rows at positions {bad[:5].tolist()} break "
            f"0 <= {num_col} <= {den_col}")
    codes, keys = group_index(programmes, by, code, "programmes")
    G = len(keys)
    num = np.bincount(codes, weights=num_v, minlength=G)
    den = np.bincount(codes, weights=den_v, minlength=G)
    rows = np.bincount(codes, minlength=G)
    method = (f"ratio of sums sum({num_col}) / sum({den_col}) over the group's programme-year "
              f"rows; base = {text}; Wilson score interval treating the count as a binomial "
              "sample (for a complete census the ratio itself is exact)")
    out = proportion_result(keys, code, num, den, group_total=den, n_unknown=np.zeros(G),
                            n_excluded=np.zeros(G), method=method, alpha=alpha,
                            min_cell=min_cell, statistic="ratio")
    out["n_rows"] = pd.array(rows.astype(np.int64), dtype="Int64")
    return out


def double_qualified_teacher_ratio(programmes: pd.DataFrame, by=None, *,
                                   alpha: float = 0.05, min_cell: int | None = None) -> pd.DataFrame:
    """Double-qualified teacher ratio (双师型教师比例) over full-time specialised teachers.

    ``sum(double_qualified_teachers) / sum(specialised_teachers)`` over the group's rows
    (教师厅〔2022〕2号 standard; enterprise part-time teachers are not in the base). ``n`` is the
    number of specialised teachers; ``n_rows`` the programme-year rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import double_qualified_teacher_ratio
    >>> p = pd.DataFrame({"major": ["a", "a"], "specialised_teachers": [10, 30],
    ...                   "double_qualified_teachers": [5, 15]})
    >>> double_qualified_teacher_ratio(p, by="major")["estimate"].tolist()
    [0.5]
    """
    return _programme_ratio("double_qualified_teacher_ratio", programmes, by, alpha,
                            min_cell)


def co_developed_course_share(programmes: pd.DataFrame, by=None, *, alpha: float = 0.05,
                              min_cell: int | None = None) -> pd.DataFrame:
    """Share of courses co-developed with enterprises (校企合作开发课程占比).

    ``sum(courses_co_developed) / sum(courses_total)`` over the group's rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import co_developed_course_share
    >>> p = pd.DataFrame({"courses_total": [20], "courses_co_developed": [5]})
    >>> co_developed_course_share(p)["estimate"].tolist()
    [0.25]
    """
    return _programme_ratio("co_developed_course_share", programmes, by, alpha, min_cell)


def order_class_share(programmes: pd.DataFrame, by=None, *, alpha: float = 0.05,
                      min_cell: int | None = None) -> pd.DataFrame:
    """Order-class enrolment share (订单培养学生占比).

    ``sum(order_class_students) / sum(students_enrolled)`` over the group's rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from talentlab.indicators import order_class_share
    >>> p = pd.DataFrame({"students_enrolled": [200], "order_class_students": [50]})
    >>> order_class_share(p)["estimate"].tolist()
    [0.25]
    """
    return _programme_ratio("order_class_share", programmes, by, alpha, min_cell)


PROGRAMME_INDICATORS = {
    "double_qualified_teacher_ratio": double_qualified_teacher_ratio,
    "co_developed_course_share": co_developed_course_share,
    "order_class_share": order_class_share,
}
