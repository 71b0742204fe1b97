"""Drill reports: a summary table, a versioned JSON envelope, JUnit XML for CI test views, Markdown. Pure:
each is a function of the drill's results."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from generator import __version__
from generator.recovery.drill import DrillResult

FORMAT = "dsql-backup/drill-report"
VERSION = 1


@dataclass(frozen=True, slots=True)
class Run:
    policy: str
    run_id: str
    started: str  # ISO 8601 UTC
    finished: str
    interrupted: bool
    results: tuple[DrillResult, ...]

    @property
    def passed(self) -> bool:
        return not self.interrupted and all(r.passed for r in self.results)


def _hours(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} h"


def _rto(r: DrillResult) -> str:
    return "-" if r.rto_seconds is None else f"{r.rto_seconds:.0f} s"


def _rpo(r: DrillResult) -> str:
    return "; ".join(f"{c.region} {_hours(c.age_hours)}/{_hours(c.allowed_hours)}" for c in r.checks) or "-"


def rows(run: Run) -> list[tuple[str, ...]]:
    return [(r.cluster, r.account, ",".join(r.regions), r.kind, _rpo(r), r.peer_copy, _rto(r), r.probe,
             "PASS" if r.passed else "FAIL") for r in run.results]


HEADER = ("cluster", "account", "regions", "kind", "newest backup age/allowed", "peer copy", "RTO", "probe", "result")


def as_table(run: Run) -> str:
    table = [HEADER, *rows(run)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADER))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table]
    for r in run.results:
        lines += [f"{r.cluster}: {f}" for f in r.failures]
    passed = sum(r.passed for r in run.results)
    lines.append(f"drill {run.run_id}: {passed} of {len(run.results)} passed"
                 + (" (interrupted)" if run.interrupted else ""))
    return "\n".join(lines) + "\n"


def _result(r: DrillResult) -> dict[str, Any]:
    doc = dataclasses.asdict(r)
    doc["passed"] = r.passed
    return doc


def as_json(run: Run) -> str:
    return json.dumps({
        "format": FORMAT, "version": VERSION, "tool": {"name": "dsql-backup", "version": __version__},
        "policy": run.policy, "run_id": run.run_id, "started": run.started, "finished": run.finished,
        "interrupted": run.interrupted,
        "summary": {"drills": len(run.results), "passed": sum(r.passed for r in run.results),
                    "failed": sum(not r.passed for r in run.results), "passed_all": run.passed},
        "drills": [_result(r) for r in run.results],
    }, indent=2, sort_keys=False) + "\n"


def as_junit(run: Run) -> str:
    suite = ET.Element("testsuite", name=f"dsql-backup drill {run.policy}", tests=str(len(run.results)),
                       failures=str(sum(not r.passed for r in run.results)), errors="0",
                       timestamp=run.started)
    for r in run.results:
        case = ET.SubElement(suite, "testcase", classname=f"drill.{run.policy}", name=r.cluster,
                             time=f"{r.rto_seconds or 0:.1f}")
        if not r.passed:
            failure = ET.SubElement(case, "failure", message=r.failures[0][:500], type="DrillFailed")
            failure.text = "\n".join(r.failures)
        ET.SubElement(case, "system-out").text = "\n".join(
            [f"recovery point: {r.recovery_point or '-'} from {r.restored_from or '-'}",
             f"newest backup age/allowed: {_rpo(r)}", f"peer copy: {r.peer_copy}", f"RTO: {_rto(r)}",
             f"probe: {r.probe}", *r.cleanup])
    if run.interrupted:
        case = ET.SubElement(suite, "testcase", classname=f"drill.{run.policy}", name="(run)")
        ET.SubElement(case, "failure", message="interrupted", type="Interrupted")
    root = ET.Element("testsuites")
    root.append(suite)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def as_markdown(run: Run) -> str:
    passed = sum(r.passed for r in run.results)
    verdict = "passed" if run.passed else "FAILED"
    lines = [f"## dsql-backup restore drill: {verdict}", "",
             f"Policy `{run.policy}`, run `{run.run_id}`, {run.started} to {run.finished}: {passed} of "
             f"{len(run.results)} cluster(s) passed" + (", **interrupted**" if run.interrupted else "")
             + ".", "",
             "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(_md(c) for c in row) + " |" for row in rows(run)]
    failed = [r for r in run.results if not r.passed]
    if failed:
        lines += ["", "### Failures", ""]
        lines += [f"- `{r.cluster}`: {_md(f)}" for r in failed for f in r.failures]
    return "\n".join(lines) + "\n"


def write_reports(run: Run, *, json_path: str | None, junit_path: str | None, markdown_path: str | None) -> list[str]:
    """Write the requested reports; the paths written."""
    from pathlib import Path

    written = []
    for path, text in ((json_path, as_json), (junit_path, as_junit), (markdown_path, as_markdown)):
        if path:
            Path(path).write_text(text(run), encoding="utf-8")
            written.append(path)
    return written

