"""Diagnostics as text (people), JSON (a versioned envelope) and SARIF 2.1.0 (code scanning). Pure."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from generator import __version__
from generator.diagnostics import Diagnostic, Severity
from generator.diagnostics.codes import CODES

JSON_FORMAT = "dsql-backup/diagnostics"
JSON_VERSION = 1
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFO_URI = "https://github.com/dsql-backup/dsql-backup"


def counts(diags: Sequence[Diagnostic]) -> tuple[int, int]:
    errors = sum(d.severity is Severity.ERROR for d in diags)
    warnings = sum(d.severity is Severity.WARNING for d in diags)
    return errors, warnings


def as_text(diags: Sequence[Diagnostic], *, color: bool = False) -> str:
    lines = []
    for d in diags:
        sev = d.severity.value
        if color:
            sev = {"error": "\033[31merror\033[0m", "warning": "\033[33mwarning\033[0m"}.get(sev, sev)
        lines.append(f"{d.location()}: {sev} {d.code} {d.message}")
        if d.hint:
            lines.append(f"    hint: {d.hint}")
        if d.source:
            lines.append(f"    source: {d.source}")
    return "\n".join(lines) + ("\n" if lines else "")


def summary_line(files: Sequence[str], diags: Sequence[Diagnostic]) -> str:
    errors, warnings = counts(diags)
    what = files[0] if len(files) == 1 else f"{len(files)} policies"
    verdict = "invalid" if errors else "valid"
    return f"{what}: {verdict} ({errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)})"


def _diag_dict(d: Diagnostic) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": d.code,
        "severity": d.severity.value,
        "message": d.message,
        "hint": d.hint,
        "file": d.file,
        "line": d.line,
        "column": d.column,
        "path": d.path,
    }
    if d.source:
        out["source"] = d.source
    return out


def as_json(results: Sequence[tuple[str, Sequence[Diagnostic]]], *, strict: bool = False) -> str:
    all_diags = [d for _, ds in results for d in ds]
    errors, warnings = counts(all_diags)
    doc = {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "tool": {"name": "dsql-backup", "version": __version__},
        "valid": errors == 0 and not (strict and warnings),
        "summary": {"files": len(results), "errors": errors, "warnings": warnings},
        "files": [{"file": f, "valid": counts(ds)[0] == 0 and not (strict and counts(ds)[1])} for f, ds in results],
        "diagnostics": [_diag_dict(d) for d in all_diags],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


_SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}


def as_sarif(results: Sequence[tuple[str, Sequence[Diagnostic]]]) -> str:
    all_diags = [d for _, ds in results for d in ds]
    used = sorted({d.code for d in all_diags})
    rules = [
        {
            "id": code,
            "name": code,
            "shortDescription": {"text": CODES[code].title},
            "defaultConfiguration": {"level": _SARIF_LEVEL[CODES[code].severity]},
            "helpUri": f"{INFO_URI}#{code.lower()}",
        }
        for code in used
    ]
    index = {code: i for i, code in enumerate(used)}
    sarif_results = []
    for d in all_diags:
        text = d.message + (f" Hint: {d.hint}" if d.hint else "")
        sarif_results.append(
            {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _SARIF_LEVEL[d.severity],
                "message": {"text": text},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": _uri(d.file)},
                            "region": {"startLine": max(d.line, 1), "startColumn": max(d.column, 1)},
                        },
                        "logicalLocations": [{"fullyQualifiedName": d.path, "kind": "member"}],
                    }
                ],
            }
        )
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dsql-backup",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "results": sarif_results,
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _uri(file: str) -> str:
    """A relative URI reference, as SARIF requires (spaces and other reserved characters escaped)."""
    return quote(file.replace("\\", "/").removeprefix("./"), safe="/:@!$&'()*+,;=-._~")


def codes_markdown() -> str:
    """The README's table of diagnostic codes, generated from the registry."""
    rows = ["| code | severity | meaning |", "| --- | --- | --- |"]
    rows += [f"| {c.code} | {c.severity.value} | {c.title} |" for c in CODES.values()]
    return "\n".join(rows) + "\n"
