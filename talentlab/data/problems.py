"""Problems found in data: one violation located as a person sees it, and the error that lists them.

A :class:`Problem` names the file, row, column, value and rule (with the Chinese wording of the
rule, :func:`rule_zh`); :class:`DataValidationError` collects every problem of a validation or an
import before one error is raised, so a user fixes a file once, not once per message.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from talentlab.data.limits import printable


@dataclass(frozen=True)
class Problem:
    """One violation of the contract, located as a person sees it in the file."""

    file: str
    row: int | None  # line/row number in the file as a spreadsheet or editor shows it
    column: str | None
    value: object
    rule: str
    header: str | None = None  # the college's own header, when an alias was used

    def __str__(self) -> str:
        row = f"row {self.row}" if self.row is not None else "header"
        if self.column is None:
            column = "(table)"
        elif self.header and self.header != self.column:
            column = f"column '{self.column}' (original header '{self.header}')"
        else:
            column = f"column '{self.column}'"
        value = "" if self.value is None else f", value '{shorten(as_typed(self.value))}'"
        zh = rule_zh(self.rule)
        text = f"{self.file}, {row}, {column}{value}: {self.rule}" + (f" / {zh}" if zh else "")
        # values, headers and file names come from the data: control characters (a terminal
        # escape, a line break, a bidirectional override) are shown escaped, never acted on
        return printable(text)


def shorten(text: str, limit: int = 200) -> str:
    """A value quoted in a message, cut when very long (a huge cell must not flood the screen).

    Parameters
    ----------
    text : str
        The value as it will be quoted.
    limit : int, default 200
        Longest text kept whole; a longer one keeps its first ``limit // 2`` characters and says
        how long it was.

    Returns
    -------
    str

    Examples
    --------
    >>> shorten("93.4")
    '93.4'
    >>> shorten("x" * 300, limit=10)
    'xxxxx… (300 characters)'
    """
    return text if len(text) <= limit else f"{text[:limit // 2]}… ({len(text)} characters)"


def as_typed(value: object) -> str:
    """A value as a person typed it: ``4`` not ``np.int64(4)``, ``4.5`` not ``np.float64(4.5)``.

    Examples
    --------
    >>> as_typed(np.int64(4)), as_typed(np.float64(2.0)), as_typed("是"), as_typed(True)
    ('4', '2', '是', 'true')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


#: Chinese wording of the validation rules (English pattern -> Chinese template).
_RULES_ZH = [
    (r"required column is missing from the file", "文件缺少该必需列"),
    (r"unknown column \(the contract for '(\w+)' has: (.*)\)", r"未知列（契约中 \1 表的列为：\2）"),
    (r"column appears more than once", "该列出现不止一次"),
    (r"required value is missing", "必填值缺失"),
    (r"must be a whole number \(integer\)", "必须为整数"),
    (r"must be a number", "必须为数字"),
    (r"must be true or false .*", "必须为是/否（true/false、yes/no、1/0、是/否）"),
    (r"must be >= (.*)", r"必须大于或等于 \1"),
    (r"must be <= (.*)", r"必须小于或等于 \1"),
    (r"must be one of: (.*)", r"必须为以下取值之一：\1"),
    (r"must be unique .*", "必须唯一（该值出现在多行）"),
    (r"the combination must be unique \(primary key\)", "组合必须唯一（主键）"),
    (r"only allowed for the employed \((.*)\); .*", r"仅适用于就业者（\1），该毕业生的去向不属于就业"),
    (r"only allowed for employees \((.*)\)", r"仅适用于受雇者（\1）"),
    (r"required when adaptation_months is given .*", "填写了 adaptation_months 时必须填写（否 = 删失）"),
    (r"required when adaptation_reached is given", "填写了 adaptation_reached 时必须填写"),
    (r"must not exceed (\w+)", r"不得超过 \1"),
    (r"must exist in (\S+)", r"必须存在于 \1"),
    (r"value is not a contract level and no value map knows it \(levels: (.*)\); .*",
     r"该值不是契约规定的取值，也没有对应的取值映射（可用取值：\1）；请在 mapping.yaml 的 values 中添加"),
    (r"not a yes/no value .*", "不是是/否值；请在 mapping.yaml 的 values 中添加映射"),
    (r"not a whole number", "不是整数"),
    (r"not a number", "不是数字"),
    (r"a row with a student_id stands for one graduate: its count must be 1",
     "填写了学生编号的行只代表一名毕业生：其人数（count）必须为 1"),
    (r"no whole number of the n=(\d+) graduates gives (.*) rounded to (\d+) decimal\(s\)",
     r"n=\1 名毕业生中，没有任何整数人数按 \3 位小数四舍五入后等于 \2"),
    (r"must be the rated graduate's employer_id \(graduates has (.*)\)",
     r"必须为被评价毕业生的 employer_id（毕业生表中为 \1）"),
    (r"must be the same on every row of a college × major \(row (\d+) has (.*)\)",
     r"同一院校×专业的各行必须相同（第 \1 行为 \2）"),
    (r"must agree with programmes\.reform_year, which is (.*) for this college × major \(so "
     r"treated_major must be (\w+)\); (\d+) row\(s\) of it disagree, the first shown",
     r"必须与 programmes.reform_year 一致：该院校×专业的改革年份为 \1（因此 treated_major 应为 \2）；"
     r"共 \3 行不一致，此处显示第一行"),
    (r"a reformed major needs a reform year, but programmes \(which has a reform_year column\) has "
     r"no row for this college × major; (\d+) row\(s\), the first shown",
     r"改革专业必须有改革年份，但 programmes 表（含 reform_year 列）没有该院校×专业的行；共 \1 行，"
     r"此处显示第一行"),
    (r"treated_major is not in the file and is derived from programmes\.reform_year, but "
     r"programmes has no row for this college × major: add its rows \(reform_year empty if it "
     r"was never reformed\) or give treated_major; (\d+) row\(s\), the first shown",
     r"文件中没有 treated_major 列，需由 programmes.reform_year 推出，但 programmes 表没有该院校×专业"
     r"的行：请补充其行（从未改革则 reform_year 留空），或填写 treated_major；共 \1 行，此处显示第一行"),
]


def rule_zh(rule: str) -> str | None:
    """The Chinese wording of a validation rule, or ``None`` when there is none.

    Examples
    --------
    >>> rule_zh("must be <= 5")
    '必须小于或等于 5'
    """
    import re

    for pattern, zh in _RULES_ZH:
        m = re.fullmatch(pattern, rule)
        if m:
            return m.expand(zh)
    return None


class DataValidationError(ValueError):
    """Raised when data break the contract; lists every problem found.

    Attributes
    ----------
    problems : list of Problem
        Every violation, each with file, row, column, value and rule.
    """

    def __init__(self, problems: Iterable[Problem], max_listed: int = 200):
        self.problems = list(problems)
        lines = [f"{len(self.problems)} problem(s) found in the data:"]
        lines += [f"  - {p}" for p in self.problems[:max_listed]]
        if len(self.problems) > max_listed:
            lines.append(f"  ... and {len(self.problems) - max_listed} more")
        super().__init__("\n".join(lines))

    def to_frame(self) -> pd.DataFrame:
        """The problems as a tidy table (file, row, column, value, rule)."""
        return pd.DataFrame(
            [(p.file, p.row, p.column, p.value, p.rule) for p in self.problems],
            columns=["file", "row", "column", "value", "rule"],
        )
