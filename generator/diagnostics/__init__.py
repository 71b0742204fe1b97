"""One diagnostic type for every stage: loader, schema, rules, model, terraform.

Errors are data: stages return lists of :class:`Diagnostic`; only ``cli.py`` prints them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace


class Severity(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.NOTE: 2}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """A problem found in a policy, located in the YAML source.

    ``line`` and ``column`` are 1-based; 0 means "no position" (for example a file that could not be read).
    ``path`` is a JSON path into the policy document (``$.plans.daily.rules[0].vault``).
    """

    code: str
    severity: Severity
    message: str
    hint: str = ""
    file: str = ""
    line: int = 0
    column: int = 0
    path: str = "$"
    end_line: int = 0
    end_column: int = 0
    source: str = field(default="", compare=False)  # URL or document backing the rule, if any

    def sort_key(self) -> tuple[str, int, int, int, str, str]:
        return (self.file, self.line, self.column, _SEVERITY_ORDER[self.severity], self.code, self.message)

    def location(self) -> str:
        """``file:line:col`` for people; just the file when there is no position (a file that was not read)."""
        if self.line < 1:
            return self.file
        return f"{self.file}:{self.line}:{self.column}" if self.column > 0 else f"{self.file}:{self.line}"

    def with_file(self, file: str) -> Diagnostic:
        return replace(self, file=file)


def sort_diagnostics(diags: Iterable[Diagnostic]) -> list[Diagnostic]:
    """Sorted by position, deduplicated (two stages may report the very same thing)."""
    seen: set[Diagnostic] = set()
    out: list[Diagnostic] = []
    for d in sorted(diags, key=Diagnostic.sort_key):
        if d not in seen:
            seen.add(d)
            out.append(d)
    return out


def has_errors(diags: Sequence[Diagnostic]) -> bool:
    return any(d.severity is Severity.ERROR for d in diags)


def json_path(parts: Iterable[str | int]) -> str:
    """``("plans", "daily", "rules", 0)`` -> ``$.plans.daily.rules[0]``; odd keys are quoted."""
    out = "$"
    for p in parts:
        if isinstance(p, int):
            out += f"[{p}]"
        elif p and all(c.isalnum() or c in "_-" for c in p):
            out += f".{p}"
        else:
            escaped = p.replace("\\", "\\\\").replace("'", "\\'")
            out += f"['{escaped}']"
    return out
