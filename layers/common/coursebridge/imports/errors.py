"""What can go wrong with an upload: file errors stop the import, row errors fail one row."""

from __future__ import annotations

from dataclasses import dataclass, field


class FileError(Exception):
    """The whole file is rejected; nothing is imported. ``code`` is stable for scripts,
    ``message`` is what the admin reads."""

    def __init__(self, code: str, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line

    def as_dict(self) -> dict:
        found: dict = {"code": self.code, "message": self.message}
        if self.line is not None:
            found["line"] = self.line
        return found


@dataclass(frozen=True)
class RowError:
    """One reason a row failed; ``field`` is the column (or ``""`` for the whole row)."""

    row: int
    field: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass
class RowFailure:
    """A failed row: its errors and its cells exactly as uploaded (for the errors CSV)."""

    row: int
    cells: list[str]
    errors: list[RowError] = field(default_factory=list)
