"""A sheet or CSV file as one rectangle of cell texts: what the importer reads column by column.

:class:`TextGrid` holds the cells of a sheet (or CSV/TXT file) as a two-dimensional object array,
each row padded with ``''`` to the widest, as a spreadsheet shows them. The CSV reader builds it
in C (:func:`talentlab.data.csv_files.parse_csv_grid`), a workbook's rows are turned into one by
:meth:`TextGrid.from_rows`; the importer then takes whole columns of it instead of picking cells
out of one Python list per row. Its size is bounded by
:data:`~talentlab.data.limits.MAX_CELLS` (rows x columns), the limit workbooks already had, so a
small file with one very long row cannot make the rectangle huge.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np

from talentlab.data.limits import MAX_CELLS, limit_error

__all__ = ["TextGrid", "check_grid_size"]


def check_grid_size(label: str, n_rows: int, width: int) -> None:
    """Refuse a grid of ``n_rows`` x ``width`` cells beyond :data:`MAX_CELLS`.

    Raises
    ------
    LimitError
        Naming ``label``, the grid's size and the limit.

    Examples
    --------
    >>> check_grid_size("g.csv", 1_000, 20)
    >>> check_grid_size("g.csv", 1_000_000, 16_384)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    talentlab.data.limits.LimitError: g.csv: the cells of its grid, rows x widest row (1,000,000 x 16,384 ...
    """
    if n_rows * width > MAX_CELLS:
        raise limit_error(label, "the cells of its grid, rows x widest row",
                          "表格单元格数（行数 × 最宽行的列数）",
                          f"{n_rows:,} x {width:,} = {n_rows * width:,} cells",
                          f"{MAX_CELLS:,} cells")


class TextGrid(Sequence):
    """The cells of one sheet or CSV file: a ``(rows, width)`` object array of texts, ``''``
    where a row is shorter than the widest.

    A sequence of rows (``grid[i]`` is row ``i + 1`` as a list of ``width`` texts, a slice is a
    grid), so code that reads the first rows (the header search) reads it like lists; the
    importer takes columns (:meth:`columns`) and the rows holding something (:meth:`filled`).

    Parameters
    ----------
    cells : numpy.ndarray
        Two-dimensional, ``dtype=object``, every element a ``str``.

    Examples
    --------
    >>> grid = TextGrid.from_rows([["学号", "专业"], ["G1"], [], ["", " "]])
    >>> len(grid), grid.width, grid[1]
    (4, 2, ['G1', ''])
    >>> grid.filled().tolist()
    [True, True, False, False]
    >>> grid.columns(3)[:, 2].tolist()
    ['', '', '', '']
    """

    __slots__ = ("cells", "_filled")

    def __init__(self, cells: np.ndarray, filled: np.ndarray | None = None):
        if cells.ndim != 2:
            raise ValueError(f"a TextGrid needs a two-dimensional array, not {cells.ndim}")
        self.cells = cells
        self._filled = filled

    @classmethod
    def from_rows(cls, rows: Sequence[list[str]], label: str = "<rows>") -> TextGrid:
        """A grid of row lists (of any lengths), padded with ``''``; refused beyond
        :data:`MAX_CELLS` cells (rows x the longest row) before anything is allocated.

        One pass in C over the lists (pandas' ``to_object_array``): picking columns out of
        100,000 row lists in Python costs more than all that follows with them.

        Examples
        --------
        >>> TextGrid.from_rows([["a"], ["b", "c"]]).cells.tolist()
        [['a', ''], ['b', 'c']]
        """
        if isinstance(rows, TextGrid):
            return rows
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        width = int(lengths.max()) if len(rows) else 0
        check_grid_size(label, len(rows), width)
        if not len(rows) or not width:
            return cls(np.full((len(rows), 0), "", dtype=object))
        cells = _to_object_array(list(rows), width)
        if lengths.min() < width:  # the cells a short row lacks are empty, not None
            cells[np.arange(width) >= lengths[:, None]] = ""
        return cls(cells)

    @property
    def width(self) -> int:
        """Number of columns (the widest row's)."""
        return self.cells.shape[1]

    def __len__(self) -> int:
        return self.cells.shape[0]

    def __getitem__(self, index):
        if isinstance(index, slice):
            filled = None if self._filled is None else self._filled[index]
            return TextGrid(self.cells[index], filled)
        return self.cells[index].tolist()

    def __iter__(self) -> Iterator[list[str]]:
        # row by row, so a search that stops at the first rows never converts the rest
        for i in range(len(self)):
            yield self.cells[i].tolist()

    def __eq__(self, other) -> bool:
        if isinstance(other, TextGrid):
            return self.cells.shape == other.cells.shape and bool((self.cells == other.cells).all())
        if isinstance(other, Sequence) and not isinstance(other, str):
            return self.tolist() == [list(row) for row in other]
        return NotImplemented

    __hash__ = None  # mutable array inside: not hashable, like a list

    def __repr__(self) -> str:
        return f"TextGrid({len(self)} rows x {self.width} columns)"

    def tolist(self) -> list[list[str]]:
        """The rows as lists of ``width`` texts."""
        return self.cells.tolist()

    def columns(self, width: int) -> np.ndarray:
        """The first ``width`` columns as a ``(rows, width)`` array, ``''`` beyond the grid's
        own width (a view where it can be)."""
        if width <= self.width:
            return self.cells[:, :width]
        out = np.full((len(self), width), "", dtype=object)
        out[:, :self.width] = self.cells
        return out

    def take(self, rows: np.ndarray) -> TextGrid:
        """The grid of the rows at the positions ``rows``."""
        filled = None if self._filled is None else self._filled[rows]
        return TextGrid(self.cells[rows], filled)

    def filled(self) -> np.ndarray:
        """Per row, whether it holds a cell that is not blank (empty or white space only).

        Worked out column by column over the rows not yet known to hold something, at C speed
        (``str.isspace`` mapped over the column): most rows are settled by their first column.
        """
        if self._filled is None:
            filled = np.zeros(len(self), dtype=bool)
            pending = np.arange(len(self))
            for j in range(self.width):
                if not len(pending):
                    break
                column = self.cells[pending, j]
                # blank: '' or white space only ('' is not isspace)
                hit = ~np.fromiter(map(str.isspace, column), dtype=bool, count=len(column))
                hit &= column != ""
                filled[pending[hit]] = True
                pending = pending[~hit]
            self._filled = filled
        return self._filled


def _to_object_array(rows: list[list[str]], width: int) -> np.ndarray:
    try:
        from pandas._libs.lib import to_object_array
    except ImportError:  # pragma: no cover - a pandas without it: the same, in Python
        return np.array([(r + [""] * (width - len(r)))[:width] for r in rows], dtype=object)
    return to_object_array(rows, min_width=width)
