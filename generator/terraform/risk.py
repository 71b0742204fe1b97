"""Risk report: every planned change that can lose backups or cannot be undone, read from
``terraform show -json`` (``resource_changes``: actions plus before/after values).

Classes, in order of severity:

* ``destructive``: a DSQL cluster, backup vault, vault lock or KMS key is destroyed or replaced;
* ``irreversible``: any change to a compliance-mode vault lock (creating one too): once its lock date
  has passed AWS refuses every change and deletion, so the change will fail or cannot be taken back;
* ``retention``: a backup rule or copy keeps recovery points for fewer days than before;
* ``coverage``: a selection stops covering a cluster (a resource ARN or tag condition goes away, or the
  selection is destroyed), or a rule or copy action is removed.

Pure functions: the library returns data; the CLI prints and decides exit codes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

RiskClass = Literal["destructive", "irreversible", "retention", "coverage"]
RISK_CLASSES: tuple[RiskClass, ...] = ("destructive", "irreversible", "retention", "coverage")
REPORT_FORMAT = "dsql-backup/risk-report"
REPORT_VERSION = 1
MARKDOWN_MARKER = "<!-- dsql-backup:risk-report -->"

PROTECTED = {
    "aws_dsql_cluster": "DSQL cluster",
    "aws_backup_vault": "backup vault",
    "aws_backup_vault_lock_configuration": "vault lock",
    "aws_kms_key": "KMS key",
}


@dataclass(frozen=True, slots=True)
class Risk:
    root: str
    address: str
    resource_type: str
    action: str  # create | update | replace | delete
    risk: RiskClass
    message: str


def action_of(actions: Sequence[str]) -> str:
    """terraform's action list as one word: replace, delete, update, create, read or no-op."""
    acts = set(actions)
    if {"delete", "create"} <= acts:
        return "replace"
    for a in ("delete", "update", "create", "read"):
        if a in acts:
            return a
    return "no-op"


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else []


def _map(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _delete_after(block: Mapping[str, Any]) -> int | None:
    lifecycle = _list(block.get("lifecycle"))
    value = _map(lifecycle[0]).get("delete_after") if lifecycle else None
    return int(value) if isinstance(value, int) and value > 0 else None


def _plan_risks(root: str, address: str, action: str, before: Mapping[str, Any],
                after: Mapping[str, Any]) -> list[Risk]:
    out: list[Risk] = []

    def add(cls: RiskClass, message: str) -> None:
        out.append(Risk(root, address, "aws_backup_plan", action, cls, message))

    rules_before = {str(_map(r).get("rule_name")): _map(r) for r in _list(before.get("rule"))}
    rules_after = {str(_map(r).get("rule_name")): _map(r) for r in _list(after.get("rule"))}
    for name, old in sorted(rules_before.items()):
        new = rules_after.get(name)
        if new is None:
            if action != "delete":
                add("coverage", f"rule '{name}' is removed: its backups stop")
            continue
        was, now = _delete_after(old), _delete_after(new)
        if now is not None and (was is None or now < was):
            add("retention", f"rule '{name}' keeps recovery points {now} days instead of "
                f"{was if was is not None else 'indefinitely'}")
        copies_before = {str(_map(c).get("destination_vault_arn")): _map(c) for c in _list(old.get("copy_action"))}
        copies_after = {str(_map(c).get("destination_vault_arn")): _map(c) for c in _list(new.get("copy_action"))}
        for dest, c_old in sorted(copies_before.items()):
            c_new = copies_after.get(dest)
            if c_new is None:
                add("coverage", f"rule '{name}' no longer copies to {dest}")
                continue
            was, now = _delete_after(c_old), _delete_after(c_new)
            if now is not None and (was is None or now < was):
                add("retention", f"rule '{name}' keeps copies in {dest} {now} days instead of "
                    f"{was if was is not None else 'indefinitely'}")
    return out


def _conditions(values: Mapping[str, Any]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for cond in _list(values.get("condition")):
        for kind, entries in _map(cond).items():
            for e in _list(entries):
                found.add((kind, f"{_map(e).get('key')}={_map(e).get('value')}"))
    for tag in _list(values.get("selection_tag")):
        t = _map(tag)
        found.add((str(t.get("type")), f"{t.get('key')}={t.get('value')}"))
    return found


def _selection_risks(root: str, address: str, action: str, before: Mapping[str, Any],  # noqa: PLR0917
                     after: Mapping[str, Any], after_unknown: Mapping[str, Any]) -> list[Risk]:
    name = before.get("name") or address
    if action == "delete":
        covered = ", ".join(str(r) for r in _list(before.get("resources"))) or "its tag conditions"
        return [Risk(root, address, "aws_backup_selection", action, "coverage",
                     f"selection '{name}' is destroyed: it covered {covered}")]
    out: list[Risk] = []
    if after_unknown.get("resources") is True:
        if _list(before.get("resources")):
            out.append(Risk(root, address, "aws_backup_selection", action, "coverage",
                            f"selection '{name}' gets resources known only after apply; it covered "
                            + ", ".join(str(r) for r in _list(before.get("resources")))))
    else:
        lost = [str(r) for r in _list(before.get("resources")) if r not in _list(after.get("resources"))]
        if lost:
            out.append(Risk(root, address, "aws_backup_selection", action, "coverage",
                            f"selection '{name}' stops covering {', '.join(lost)}"))
    gone = sorted(_conditions(before) - _conditions(after))
    if gone:
        out.append(Risk(root, address, "aws_backup_selection", action, "coverage",
                        f"selection '{name}' drops tag condition(s) {', '.join(v for _, v in gone)}: "
                        "clusters matched by them may no longer be backed up"))
    excluded_before = _list(before.get("not_resources"))
    added_exclusions = [str(r) for r in _list(after.get("not_resources")) if r not in excluded_before]
    if added_exclusions:
        out.append(Risk(root, address, "aws_backup_selection", action, "coverage",
                        f"selection '{name}' now excludes {', '.join(added_exclusions)}"))
    return out


def classify(root: str, plan_json: Mapping[str, Any]) -> list[Risk]:
    """The risks of one root's plan (``terraform show -json`` of a saved plan)."""
    risks: list[Risk] = []
    for item in _list(plan_json.get("resource_changes")):
        rc = _map(item)
        change = _map(rc.get("change"))
        action = action_of([str(a) for a in _list(change.get("actions"))])
        if action in ("no-op", "read"):
            continue
        address, rtype = str(rc.get("address", "")), str(rc.get("type", ""))
        before, after = _map(change.get("before")), _map(change.get("after"))
        if rtype in PROTECTED and action in ("delete", "replace"):
            verb = "destroyed" if action == "delete" else "replaced (destroyed, then created anew)"
            risks.append(Risk(root, address, rtype, action, "destructive", f"{PROTECTED[rtype]} is {verb}"))
        if rtype == "aws_backup_vault_lock_configuration" and (
            before.get("changeable_for_days") is not None or after.get("changeable_for_days") is not None
        ):
            if action == "create":
                days = after.get("changeable_for_days")
                message = (f"compliance lock is created: after {days} days nobody can change or remove it, "
                           "and recovery points cannot be deleted before their retention ends")
            else:
                message = (f"compliance lock is {action}d: this fails once the lock date has passed, and "
                           "cannot be undone")
            risks.append(Risk(root, address, rtype, action, "irreversible", message))
        elif rtype == "aws_backup_plan":
            risks += _plan_risks(root, address, action, before, after)
        elif rtype == "aws_backup_selection":
            risks += _selection_risks(root, address, action, before, after, _map(change.get("after_unknown")))
    return risks


def tripped(risks: Iterable[Risk], fail_on: Iterable[str]) -> list[Risk]:
    """The risks whose class is one of ``fail_on`` (a CI gate)."""
    gate = set(fail_on)
    return [r for r in risks if r.risk in gate]


def counts(risks: Iterable[Risk]) -> dict[str, int]:
    found = list(risks)
    return {c: sum(r.risk == c for r in found) for c in RISK_CLASSES}


# ---------------------------------------------------------------------------------------------- reports


@dataclass(frozen=True, slots=True)
class RootLine:
    """One row of the summary table."""

    root: str
    wave: int
    status: str
    add: int
    change: int
    destroy: int
    seconds: float
    error: str = ""


def as_json(command: str, policy: str, rows: Sequence[RootLine], risks: Sequence[Risk],
            fail_on: Sequence[str] = ()) -> str:
    doc = {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "command": command,
        "policy": policy,
        "summary": {
            "roots": len(rows),
            "failed": [r.root for r in rows if r.status == "error"],
            "add": sum(r.add for r in rows),
            "change": sum(r.change for r in rows),
            "destroy": sum(r.destroy for r in rows),
            "risks": counts(risks),
            "fail_on": list(fail_on),
            "gate_tripped": bool(tripped(risks, fail_on)),
        },
        "roots": [asdict(r) for r in rows],
        "risks": [asdict(r) for r in risks],
    }
    return json.dumps(doc, indent=2) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(command: str, policy: str, rows: Sequence[RootLine], risks: Sequence[Risk],
                fail_on: Sequence[str] = ()) -> str:
    """A pull-request comment; the first line is a marker a bot can find to update its comment."""
    total = counts(risks)
    head = ", ".join(f"{n} {c}" for c, n in total.items() if n) or "no risky changes"
    lines = [MARKDOWN_MARKER, f"### dsql-backup {command}: `{_md(policy)}`", ""]
    adds, changes, destroys = (sum(r.add for r in rows), sum(r.change for r in rows), sum(r.destroy for r in rows))
    failed = [r.root for r in rows if r.status == "error"]
    lines.append(f"**{adds} to add, {changes} to change, {destroys} to destroy** across {len(rows)} root(s); "
                 f"{head}." + (f" **Failed: {', '.join(failed)}.**" if failed else ""))
    gate = tripped(risks, fail_on)
    if gate:
        lines.append(f"\n:no_entry: `--fail-on {','.join(fail_on)}`: {len(gate)} change(s) block this run.")
    lines += ["", "| root | wave | status | add | change | destroy | seconds |",
              "| --- | ---: | --- | ---: | ---: | ---: | ---: |"]
    lines += [f"| {_md(r.root)} | {r.wave} | {r.status} | {r.add} | {r.change} | {r.destroy} | {r.seconds:.1f} |"
              for r in rows]
    if risks:
        lines += ["", "| risk | root | resource | action | why |", "| --- | --- | --- | --- | --- |"]
        order = {c: i for i, c in enumerate(RISK_CLASSES)}
        for r in sorted(risks, key=lambda r: (order[r.risk], r.root, r.address)):
            lines.append(f"| **{r.risk}** | {_md(r.root)} | `{_md(r.address)}` | {r.action} | {_md(r.message)} |")
    errors = [r for r in rows if r.error]
    if errors:
        lines += ["", "<details><summary>errors</summary>", ""]
        lines += [f"- **{_md(r.root)}**: {_md(r.error)}" for r in errors]
        lines += ["", "</details>"]
    return "\n".join(lines) + "\n"


def as_text(risks: Sequence[Risk]) -> str:
    if not risks:
        return "risks: none\n"
    order = {c: i for i, c in enumerate(RISK_CLASSES)}
    out = [f"risks: {', '.join(f'{n} {c}' for c, n in counts(risks).items() if n)}"]
    for r in sorted(risks, key=lambda r: (order[r.risk], r.root, r.address)):
        out.append(f"  {r.risk:<12} {r.root}: {r.address} ({r.action}): {r.message}")
    return "\n".join(out) + "\n"
