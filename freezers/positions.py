"""Slot names of a box grid: parse what a person or a rack scanner wrote, print one canonical form.

Letter-number grids name rows A, B, … and columns 1, 2, …; ``A01`` is accepted for ``A1`` and
the canonical output is unpadded. Sequential grids number slots 1…N in the box's fill order, so
that slot 1 is the first filled. Rows and columns are 1-based throughout.
"""

import re
import string
from collections.abc import Iterator
from dataclasses import dataclass

from freezers.choices import FillOrder, PositionNaming
from lims.errors import InvalidInput

_LETTER_NUMBER = re.compile(r"([A-Z])\s*0*(\d{1,3})")
_SEQUENTIAL = re.compile(r"0*(\d{1,4})")


class MalformedPosition(InvalidInput):
    code = "malformed_position"
    title = "Not a position in a box"


class PositionOutOfRange(InvalidInput):
    code = "position_out_of_range"
    title = "Position lies outside the box's grid"


@dataclass(frozen=True)
class Grid:
    """A box type's geometry: its size, how slots are named and in which order they fill."""

    rows: int
    columns: int
    naming: str = PositionNaming.LETTER_NUMBER
    fill_order: str = FillOrder.ROW_WISE

    @property
    def capacity(self) -> int:
        return self.rows * self.columns

    def describe(self) -> str:
        return f"{self.rows}×{self.columns}"

    def parse(self, text: str, *, field: str = "position") -> tuple[int, int]:
        """(row, column) of ``text``, or a 400 saying whether it is malformed or off the grid."""
        cleaned = (text or "").strip().upper()
        if self.naming == PositionNaming.SEQUENTIAL:
            return self._parse_sequential(cleaned, field)
        match = _LETTER_NUMBER.fullmatch(cleaned)
        if match is None:
            raise MalformedPosition(
                f"{text!r} is not a position: write a row letter and a column number, such as "
                f"A1 or A01 (this box is {self.describe()}, A1 to {self.last()}).",
                errors={field: ["Malformed position."]},
            )
        row = string.ascii_uppercase.index(match[1]) + 1
        column = int(match[2])
        self._check_range(row, column, cleaned, field)
        return row, column

    def _parse_sequential(self, cleaned: str, field: str) -> tuple[int, int]:
        match = _SEQUENTIAL.fullmatch(cleaned)
        if match is None:
            raise MalformedPosition(
                f"{cleaned!r} is not a position: this box numbers its slots 1 to {self.capacity}.",
                errors={field: ["Malformed position."]},
            )
        number = int(match[1])
        if not 1 <= number <= self.capacity:
            raise PositionOutOfRange(
                f"Position {number} is outside this box: its slots are 1 to {self.capacity}.",
                errors={field: ["Outside the box."]},
            )
        return self.slot_at(number - 1)

    def _check_range(self, row: int, column: int, shown: str, field: str) -> None:
        if not (1 <= row <= self.rows and 1 <= column <= self.columns):
            raise PositionOutOfRange(
                f"Position {shown} is outside this {self.describe()} box: its positions run "
                f"from A1 to {self.last()}.",
                errors={field: ["Outside the box."]},
            )

    def name(self, row: int, column: int) -> str:
        """The canonical name of a slot."""
        if self.naming == PositionNaming.SEQUENTIAL:
            return str(self.index_of(row, column) + 1)
        return f"{string.ascii_uppercase[row - 1]}{column}"

    def last(self) -> str:
        return self.name(self.rows, self.columns)

    def index_of(self, row: int, column: int) -> int:
        """0-based place of a slot in fill order."""
        if self.fill_order == FillOrder.COLUMN_WISE:
            return (column - 1) * self.rows + (row - 1)
        return (row - 1) * self.columns + (column - 1)

    def slot_at(self, index: int) -> tuple[int, int]:
        """(row, column) of the ``index``-th slot (0-based) in fill order."""
        if self.fill_order == FillOrder.COLUMN_WISE:
            return index % self.rows + 1, index // self.rows + 1
        return index // self.columns + 1, index % self.columns + 1

    def slots(self) -> Iterator[tuple[int, int]]:
        """Every slot, in fill order."""
        for index in range(self.capacity):
            yield self.slot_at(index)
