"""What every semantic rule receives: the typed policy, positions, and the capability table."""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from generator.aws.capabilities import Capabilities
from generator.diagnostics import Diagnostic, Severity, json_path
from generator.diagnostics.cap import Cap
from generator.diagnostics.codes import diag
from generator.policy.loader import SourceMap
from generator.policy.typed import Policy

Path = Sequence[str | int]


@dataclass(frozen=True, slots=True)
class Context:
    policy: Policy
    source_map: SourceMap
    caps: Capabilities
    broken: frozenset[tuple[str, str]] = frozenset()  # entries that failed the schema (known but unusable)
    cap: Cap = field(default_factory=Cap)  # past it, diag() only counts: see LEFT_OUT

    @property
    def complete(self) -> bool:
        """False when entries were dropped for schema errors: rules about the whole policy then stay quiet."""
        return not self.broken

    def known(self, section: str, key: str) -> bool:
        """True when ``key`` names an entry of ``section`` (even one the schema rejected)."""
        present = {
            "accounts": self.policy.accounts,
            "clusters": self.policy.clusters,
            "vaults": self.policy.vaults,
            "plans": self.policy.plans,
            "restore_testing": self.policy.restore_testing,
            "audit.frameworks": self.policy.frameworks,
            "audit.reports": self.policy.reports,
        }[section]
        return key in present or (section, key) in self.broken

    def diag(self, code: str, message: str, hint: str | Callable[[], str], path: Path, *, at_key: bool = False,
             offset: int = 0, source: str = "") -> Diagnostic:
        """The diagnostic, located in the YAML; ``hint`` may be a function, called only if it is reported.

        Past the document's cap, LEFT_OUT instead: counted, neither worded nor located (the validator drops it).
        """
        if not self.cap.take(code):
            if self.cap.first_left_out is None:
                self.cap.first_left_out = (*self._position(path, at_key, offset), json_path(path))
            return LEFT_OUT
        line, col = self._position(path, at_key, offset)
        return diag(code, _naming_the_plan(message, path), hint() if callable(hint) else hint,
                    line=line, column=col, path=json_path(path), source=source)

    def _position(self, path: Path, at_key: bool, offset: int) -> tuple[int, int]:
        line, col = self.source_map.anchor(path)
        if at_key and (span := self.source_map.key(path)) is not None:
            line, col = span.line, span.column
        elif offset:
            info = self.source_map.scalar(path)
            col += offset + (0 if info is None or info.plain else 1)
        return line, col


LEFT_OUT = Diagnostic("DSB014", Severity.ERROR, "left out past the cap")
"""What :meth:`Context.diag` returns past the cap: rules yield it like any diagnostic; the validator drops it."""


def _naming_the_plan(message: str, path: Path) -> str:
    """A diagnostic about part of a plan names the plan: one rule shared by several plans through a YAML anchor
    (``rules: [*daily]``) sits on one line, so only the plan tells its reports apart."""
    if len(path) > 2 and path[0] == "plans" and f"plan '{path[1]}'" not in message:
        return f"plan '{path[1]}': {message}"
    return message


RuleFn = Callable[[Context], Iterable[Diagnostic]]


def did_you_mean(word: str, options: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, sorted(options), n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""


def listing(keys: Iterable[str]) -> str:
    keys = sorted(keys)
    return ", ".join(keys) if keys else "(none defined)"
