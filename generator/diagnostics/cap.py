"""The cap on diagnostics reported per document: past it, problems are counted, not worded or located.

A hostile or broken policy (a million unknown references, a million duplicate keys) would otherwise cost
minutes and gigabytes to report problems nobody reads. Each stage reports its first :data:`MAX_REPORTED`
diagnostics; :class:`Cap` counts the rest and :meth:`Cap.summary` says in one line how many were left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.diagnostics import Diagnostic, Severity
from generator.diagnostics.codes import CODES, diag

MAX_REPORTED = 500
"""Diagnostics reported per document by a stage; the schema stage's own cap is the same number."""

MAX_COUNTED = 100 * MAX_REPORTED
"""Problems counted past the cap before the semantic rules stop (:meth:`Cap.exhausted`): absurd sizes."""


@dataclass(slots=True)
class Cap:
    """How many diagnostics a stage reported and how many it left out (mutable: one per stage and document)."""

    limit: int = MAX_REPORTED
    reported: int = 0
    left_errors: int = 0
    left_warnings: int = 0
    first_left_out: tuple[int, int, str] | None = None  # line, column, path of the first one left out

    def exhausted(self) -> bool:
        """True once MAX_COUNTED problems were left out: a stage that can stop early stops here."""
        return self.left_errors + self.left_warnings >= MAX_COUNTED

    def take(self, code: str) -> bool:
        """True: report a diagnostic with this code. False: it is left out and only counted."""
        if self.reported < self.limit:
            self.reported += 1
            return True
        if CODES[code].severity is Severity.ERROR:
            self.left_errors += 1
        else:
            self.left_warnings += 1
        return False

    def summary(self) -> Diagnostic | None:
        """One diagnostic saying how many were left out; an error when any of them was one. None: none were."""
        left = self.left_errors + self.left_warnings
        if not left:
            return None
        line, column, path = self.first_left_out or (1, 1, "$")
        kinds = ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in
                          ((self.left_errors, "error"), (self.left_warnings, "warning")) if n)
        counted = "the checks stopped there" if self.exhausted() else "they start here"
        return diag("DSB014", f"{left} more problem{'' if left == 1 else 's'} ({kinds}) left out: only the "
                    f"first {self.limit} are reported; {counted}",
                    "fix the problems reported (often one mistake repeated) and validate again",
                    line=line, column=column, path=path,
                    severity=Severity.ERROR if self.left_errors else Severity.WARNING)
