"""Problems found in the data, each carrying the location it was found at."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one file, at a 1-based line and column."""

    path: str
    line: int
    column: int
    code: str
    message: str
    severity: Severity = "error"

    def format(self) -> str:
        """Return the problem as `path:line:col: 消息` (warnings are marked 警告, notes 提示)."""
        prefix = {"warning": "警告：", "note": "提示："}.get(self.severity, "")
        return f"{self.path}:{self.line}:{self.column}: {prefix}{self.message}"

    def as_json(self) -> dict[str, Any]:
        """Return the problem as a JSON-ready mapping."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Mark:
    """A 1-based position in a source file (immutable, so loading shares equal ones)."""

    line: int
    column: int


class Findings:
    """Mixin for results that hold `problems`: split them into errors and warnings."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that stop a build."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Return the problems that only warn."""
        return [p for p in self.problems if p.severity == "warning"]


class DataError(Exception):
    """Raised when data has errors; carries every problem so they can all be shown."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(p.format() for p in self.problems))
