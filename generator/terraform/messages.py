"""Terraform's own diagnostics, as it reports them: ``validate -json`` documents, the ``-json`` UI stream,
or plain text; each becomes a :class:`TfDiagnostic`, convertible to the project's
:class:`~generator.diagnostics.Diagnostic` (code DSB902)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from generator.diagnostics import Diagnostic, Severity

TERRAFORM_CODE = "DSB902"  # "terraform not found or failed" in generator.diagnostics.codes


@dataclass(frozen=True, slots=True)
class TfDiagnostic:
    """One terraform diagnostic as reported by ``validate -json``, the ``-json`` UI stream, or plain text.

    ``filename`` is relative to the root terraform ran in; ``line``/``column`` are 1-based, 0 when unknown.
    """

    severity: Literal["error", "warning"]
    summary: str
    detail: str = ""
    filename: str = ""
    line: int = 0
    column: int = 0
    end_line: int = 0
    end_column: int = 0

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> TfDiagnostic:
        rng = d.get("range") or {}
        start = rng.get("start") or {}
        end = rng.get("end") or {}
        return cls(
            severity="warning" if d.get("severity") == "warning" else "error",
            summary=str(d.get("summary", "")),
            detail=str(d.get("detail", "")),
            filename=str(rng.get("filename", "")),
            line=int(start.get("line", 0)),
            column=int(start.get("column", 0)),
            end_line=int(end.get("line", 0)),
            end_column=int(end.get("column", 0)),
        )

    def to_diagnostic(self, root: Path | None = None) -> Diagnostic:
        """The project's diagnostic type (code DSB902); ``file`` is joined to ``root`` when given."""
        file = self.filename
        if file and root is not None:
            file = str(root / file)
        return Diagnostic(
            code=TERRAFORM_CODE,
            severity=Severity.WARNING if self.severity == "warning" else Severity.ERROR,
            message=self.summary,
            hint=self.detail,
            file=file,
            line=self.line,
            column=self.column,
            end_line=self.end_line,
            end_column=self.end_column,
        )


def diagnostics_of(doc: Mapping[str, Any]) -> tuple[TfDiagnostic, ...]:
    """The diagnostics in a ``validate -json`` document (or in a failure document of :meth:`show_json`)."""
    return tuple(TfDiagnostic.from_json(d) for d in doc.get("diagnostics", ()) if isinstance(d, Mapping))


_TEXT_ERROR = re.compile(r"^(Error|Warning): (.+)$", re.MULTILINE)
_TEXT_LOCATION = re.compile(r"^\s+on (\S+) line (\d+)")


def diagnostics_from_text(text: str, fallback: str) -> tuple[TfDiagnostic, ...]:
    """Best effort over terraform's human output (no ``-json`` mode, or a failure before JSON starts)."""
    text = text.strip()
    found = list(_TEXT_ERROR.finditer(text))
    if not found:
        return (TfDiagnostic("error", fallback, text),) if text or fallback else ()
    out: list[TfDiagnostic] = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        body = text[m.end() : end].strip("\n")
        filename, line = "", 0
        lines = body.splitlines()
        locations = [loc for ln in lines if (loc := _TEXT_LOCATION.match(ln))]
        if locations:
            filename, line = locations[0].group(1), int(locations[0].group(2))
        # keep the explanation, drop the "on file line N" header and the numbered source snippet
        detail = "\n".join(
            ln
            for ln in lines
            if ln.strip() and not _TEXT_LOCATION.match(ln) and not re.match(r"^\s*\d+:", ln)
        )
        severity: Literal["error", "warning"] = "warning" if m.group(1) == "Warning" else "error"
        out.append(TfDiagnostic(severity, m.group(2).strip(), detail.strip(), filename, line))
    return tuple(out)


def json_lines(stdout: str) -> list[dict[str, Any]]:
    msgs: list[dict[str, Any]] = []
    for raw in stdout.splitlines():
        if raw.startswith("{"):
            try:
                msg = json.loads(raw)
            except json.JSONDecodeError:
                continue
            if isinstance(msg, dict):
                msgs.append(msg)
    return msgs


def stream_diagnostics(msgs: Iterable[Mapping[str, Any]]) -> tuple[TfDiagnostic, ...]:
    return tuple(
        TfDiagnostic.from_json(m["diagnostic"])
        for m in msgs
        if m.get("type") == "diagnostic" and isinstance(m.get("diagnostic"), Mapping)
    )


def failure_document(diags: Sequence[TfDiagnostic], **extra: Any) -> dict[str, Any]:
    errors = sum(d.severity == "error" for d in diags)
    return {
        **extra,
        "error_count": errors,
        "warning_count": len(diags) - errors,
        "diagnostics": [
            {
                "severity": d.severity,
                "summary": d.summary,
                "detail": d.detail,
                **(
                    {"range": {"filename": d.filename, "start": {"line": d.line, "column": d.column}}}
                    if d.filename
                    else {}
                ),
            }
            for d in diags
        ],
    }
