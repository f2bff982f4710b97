"""Problems found in a compose file, reported all at once with their location."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: where, what was expected, and how to fix it."""

    message: str
    file: str = "mcp-compose.yaml"
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str | None = None
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        label = "warning: " if self.severity == "warning" else ""
        text = f"{where}: {self.path + ': ' if self.path else ''}{label}{self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file, self.line or 0, self.column or 0, self.path)


@dataclass
class ComposeError(Exception):
    """The file cannot be used; ``problems`` lists every reason (and any warnings), not only the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class ComposeUsageError(ComposeError):
    """The file could not be loaded as asked: it is missing or unreadable, or ``--env`` names no overlay."""
