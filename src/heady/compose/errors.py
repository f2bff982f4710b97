"""Problems found in a compose file, reported all at once with their location."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the file: where, what was expected, and how to fix it."""

    message: str
    file: str = "mcp-compose.yaml"
    line: int | None = None
    column: int | None = None
    path: str = ""
    hint: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        text = f"{where}: {self.path + ': ' if self.path else ''}{self.message}"
        return f"{text} (hint: {self.hint})" if self.hint else text


@dataclass
class ComposeError(Exception):
    """The file cannot be used; ``problems`` lists every reason, not only the first."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
