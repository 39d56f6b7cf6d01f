"""The one disclosure rule of talentlab: no published number describes fewer than ``MIN_CELL``
people.

Every output a user can publish (``talentlab indicators``, the report's tables, the notebooks'
tables) takes its threshold from here. The default is :data:`MIN_CELL` (10 people); a user may
raise it, or lower it as far as :data:`MIN_CELL_FLOOR` (5 people), never below: a group of one to
four people is identifiable in any college's records (Hundepool et al., *Statistical Disclosure
Control*, Wiley 2012, ch. 4, on threshold rules).

Every function of the package that applies the threshold calls its parameter ``min_cell`` and
passes it through :func:`check_min_cell` (``None`` meaning :data:`MIN_CELL`), so the default and
the floor live only in this module. The Makefile's ``MIN_CELL ?= 10`` and the notebooks'
``min_cell = 10`` parameter cells are user-facing copies of :data:`MIN_CELL`.
"""

from __future__ import annotations

import numbers
import re

#: Default disclosure threshold: a published group counts at least this many people.
MIN_CELL = 10
#: The lowest threshold anyone may choose.
MIN_CELL_FLOOR = 5

_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def check_min_cell(value=None) -> int:
    """The disclosure threshold ``value`` as an ``int`` (:data:`MIN_CELL` when ``None``), refused
    when it is not a whole number or lies below :data:`MIN_CELL_FLOOR`.

    Parameters
    ----------
    value : int, str or None
        The threshold as given (an integer, or its decimal text from a command line); ``None``
        means the default :data:`MIN_CELL`.

    Returns
    -------
    int
        The threshold.

    Raises
    ------
    ValueError
        ``value`` is not a whole number (``2.5``, ``"ten"``, ``True``) or is below the floor.

    Examples
    --------
    >>> from talentlab.data.disclosure import check_min_cell
    >>> check_min_cell(), check_min_cell(10), check_min_cell("12")
    (10, 10, 12)
    >>> check_min_cell(1)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ValueError: disclosure threshold (min-cell) 1 is below the minimum of 5 people; ...
    """
    if value is None:
        return MIN_CELL
    if isinstance(value, bool):
        number = None
    elif isinstance(value, numbers.Integral):
        number = int(value)
    elif isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        number = int(value.strip())
    elif isinstance(value, numbers.Real) and float(value).is_integer():
        number = int(value)
    else:
        number = None
    if number is None:
        raise ValueError(f"disclosure threshold (min-cell) {value!r} is not a whole number of "
                         f"people / 披露阈值 (min-cell) {value!r} 不是整数")
    if number < MIN_CELL_FLOOR:
        raise ValueError(f"disclosure threshold (min-cell) {number} is below the minimum of "
                         f"{MIN_CELL_FLOOR} people; use {MIN_CELL_FLOOR} or more (default "
                         f"{MIN_CELL}) / 披露阈值 (min-cell) {number} 低于下限 {MIN_CELL_FLOOR} 人")
    return number
