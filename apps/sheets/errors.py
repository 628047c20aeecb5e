"""The two shapes an import's refusals take: one line of the error table, and a whole file refused."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass
class RowError:
    """One line of the error table: Excel row number (None for the whole file), column header, message."""

    row: int | None
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class SheetError(Exception):
    """The file as a whole cannot be imported; `errors` lists why (at least one)."""

    def __init__(self, errors: Iterable[RowError] | str):
        if isinstance(errors, str):
            errors = [RowError(None, "", errors)]
        self.errors = list(errors)
        super().__init__("；".join(e.message for e in self.errors))
