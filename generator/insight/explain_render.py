"""An :class:`~generator.insight.explain.Explanation` as text (people), Markdown (pull-request comments) or a
versioned JSON envelope (``"format": "dsql-backup/explain"``). Pure."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

from generator.diagnostics import Diagnostic
from generator.insight.explain import ClusterView, Coverage, Explanation, Landing, SelectionView

JSON_FORMAT = "dsql-backup/explain"
JSON_VERSION = 1
FORMATS = ("text", "markdown", "json")


def hours_words(hours: float | None) -> str:
    if hours is None:
        return "never runs"
    if math.isinf(hours):
        return "runs once"
    text = f"{hours:g} h"
    if hours >= 48 and hours % 24 == 0:
        text = f"{hours / 24:g} days ({text})"
    return text


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"


def _verdict(e: Explanation) -> str:
    state = "invalid" if e.errors else "valid"
    return f"policy {state} ({_plural(e.errors, 'error')}, {_plural(e.warnings, 'warning')})"


def _counts(e: Explanation) -> str:
    return f"{len(e.clusters)} cluster(s), {len(e.selections)} tag selection(s), {len(e.vaults)} vault(s)"


def _cluster_title(c: ClusterView) -> str:
    if c.multi_region:
        shape = f"multi-Region {' + '.join(c.regions)}, witness {c.witness_region}"
    else:
        shape = f"single-Region {c.regions[0]}"
    managed = "adopted (existing_arns)" if c.adopted else "managed by this policy"
    return f"account {c.account} ({c.account_id}), {shape}, {managed}"


def _matches(s: SelectionView) -> str:
    found = [f"{', '.join(keys)} in {region}" for region, keys in s.matches.items() if keys]
    return "; ".join(found) if found else "none declared in the policy"


def _diag_line(x: Diagnostic) -> str:
    where = f"{x.location()}: " if x.file else ""
    return f"{where}{x.severity.value} {x.code} {x.message}" + (f" (hint: {x.hint})" if x.hint else "")


def _landing_words(x: Landing) -> str:
    what = (f"backup by {x.plan}/{x.rule}" if x.kind == "backup"
            else f"copy from {x.source_region} by {x.plan}/{x.rule}")
    return f"{what}, kept {x.retention_days} days"


def _rpo_words(rpo: Mapping[str, float | None]) -> str:
    return ", ".join(f"{r} {hours_words(h) if h is not None else 'no backups'}" for r, h in rpo.items())


# --- text ---------------------------------------------------------------------------------------------------


def _coverage_text(coverage: Sequence[Coverage], rpo: Mapping[str, float | None],
                   landings: Sequence[Landing]) -> list[str]:
    out = ["  backed up by:" if coverage else "  backed up by: nothing"]
    for x in coverage:
        out.append(f"    {x.region}  plan {x.plan}, rule {x.rule}: {x.schedule_words} ({x.timezone}); "
                   f"longest gap {hours_words(x.max_gap_hours)}; selected by {x.selected_by}")
    out.append("  RPO (longest gap between backups, at most): " + _rpo_words(rpo))
    out.append("  recovery points land in:" if landings else "  recovery points land in: nowhere")
    for ld in landings:
        out.append(f"    {ld.account} ({ld.account_id}) {ld.region}  vault {ld.vault_name}  lock {ld.lock}  "
                   f"{_landing_words(ld)}")
    return out


def as_text(e: Explanation) -> str:
    out = [f"{e.policy}: {_counts(e)}; {_verdict(e)}"]
    for c in e.clusters:
        out += ["", f"cluster {c.key}: {_cluster_title(c)}"]
        out += _coverage_text(c.coverage, c.rpo_hours, c.landings)
        out.append("  restore (always creates a new cluster):")
        for r in c.restore:
            out.append(f"    {r.kind} in {' + '.join(r.regions)} ({r.account}): {'yes' if r.possible else 'NO'}"
                       f" - {r.detail}")
        out.append("  gaps:" if c.gaps else "  gaps: none")
        for g in c.gaps:
            out.append(f"    {g.severity} {g.code} {g.message}")
            out.append(f"        hint: {g.hint}")
        for dg in c.diagnostics:
            out.append(f"  {_diag_line(dg)}")
    for s in e.selections:
        out += ["", f"tag selection {s.id}: {s.description}, whoever created it"]
        out.append(f"  declared clusters it selects: {_matches(s)}")
        out += _coverage_text(s.coverage, s.rpo_hours, s.landings)
    out += ["", "vaults:"]
    for v in e.vaults:
        out.append(f"  {v.name} in {v.account} ({v.account_id}) {v.region}: lock {v.lock}; key {v.kms_key}; "
                   f"recovery-point deletion {v.deletion}")
        out.append(f"    copy in allowed from: {v.copy_in_allowed}")
        if not v.receives:
            out.append("    receives nothing")
        for ld in v.receives:
            out.append(f"    receives {ld.subject}: {_landing_words(ld)}")
    if e.diagnostics:
        out += ["", "policy diagnostics:"] + [f"  {_diag_line(x)}" for x in e.diagnostics]
    out += ["", e.multi_region_restore_note, e.restore_drill_note]
    return "\n".join(out) + "\n"


# --- Markdown -----------------------------------------------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def _coverage_markdown(coverage: Sequence[Coverage], rpo: Mapping[str, float | None],
                       landings: Sequence[Landing]) -> list[str]:
    out: list[str] = []
    if coverage:
        out += ["| Region | plan / rule | schedule | time zone | longest gap | selected by |",
                "| --- | --- | --- | --- | --- | --- |"]
        out += [f"| {x.region} | {x.plan} / {x.rule} | {_md(x.schedule_words)} (`{x.schedule}`) | {x.timezone} "
                f"| {hours_words(x.max_gap_hours)} | {x.selected_by} |" for x in coverage]
    else:
        out.append("Backed up by no plan.")
    out += ["", "**RPO** (longest gap between backups, at most): " + _rpo_words(rpo), ""]
    if landings:
        out += ["| lands in | vault | retention | lock | from |", "| --- | --- | --- | --- | --- |"]
        out += [f"| {x.account} ({x.account_id}) {x.region} | `{x.vault_name}` | {x.retention_days} days "
                f"| {x.lock} | {x.kind} {x.source_region} by {x.plan}/{x.rule} |" for x in landings]
        out.append("")
    return out


def as_markdown(e: Explanation) -> str:
    gaps = sum(len(c.gaps) for c in e.clusters)
    out = [f"## dsql-backup explain: `{e.policy}`", "",
           f"{_counts(e)}; {_verdict(e)}; {_plural(gaps, 'gap')} in protection."]
    for c in e.clusters:
        out += ["", f"### Cluster `{c.key}`", "", _cluster_title(c) + ".", ""]
        out += _coverage_markdown(c.coverage, c.rpo_hours, c.landings)
        out += ["**Restore** (always creates a new cluster):", ""]
        out += [f"- {'✅' if r.possible else '❌'} {r.kind} in {' + '.join(r.regions)} ({r.account}): {_md(r.detail)}"
                for r in c.restore]
        if c.gaps or c.diagnostics:
            out += ["", "**Gaps and diagnostics:**", ""]
            out += [f"- **{g.code}** ({g.severity}) {_md(g.message)}. Hint: {_md(g.hint)}" for g in c.gaps]
            out += [f"- **{x.code}** ({x.severity.value}) {_md(x.message)}" for x in c.diagnostics]
    for s in e.selections:
        out += ["", f"### Tag selection `{s.id}`", "",
                f"{_md(s.description)}, whoever created it. Declared clusters it selects: {_md(_matches(s))}.", ""]
        out += _coverage_markdown(s.coverage, s.rpo_hours, s.landings)
    out += ["", "### Vaults", "", "| vault | account / Region | lock | receives | copy in allowed from | deletion |",
            "| --- | --- | --- | --- | --- | --- |"]
    for v in e.vaults:
        receives = "<br>".join(f"{x.subject}: {_landing_words(x)}" for x in v.receives) or "nothing"
        out.append(f"| `{v.name}` | {v.account} ({v.account_id}) {v.region} | {v.lock} | {_md(receives)} "
                   f"| {_md(v.copy_in_allowed)} | {v.deletion} |")
    if e.diagnostics:
        out += ["", "### Policy diagnostics", ""] + [f"- **{x.code}** ({x.severity.value}) {_md(x.message)}"
                                                      for x in e.diagnostics]
    out += ["", f"<sub>{_md(e.multi_region_restore_note)}</sub>", "", f"<sub>{_md(e.restore_drill_note)}</sub>"]
    return "\n".join(out) + "\n"


# --- JSON ---------------------------------------------------------------------------------------------------


def _diag_dict(x: Diagnostic) -> dict[str, Any]:
    return {"code": x.code, "severity": x.severity.value, "message": x.message, "hint": x.hint,
            "file": x.file, "line": x.line, "column": x.column, "path": x.path}


def _num(h: float | None) -> float | str | None:
    return "inf" if h is not None and math.isinf(h) else h


def _landing_dict(x: Landing) -> dict[str, Any]:
    return {"cluster": x.cluster or None, "selection": x.selection or None, "kind": x.kind,
            "source_region": x.source_region, "plan": x.plan, "rule": x.rule, "account": x.account,
            "account_id": x.account_id, "region": x.region, "vault": x.vault, "vault_name": x.vault_name,
            "vault_arn": x.vault_arn, "retention_days": x.retention_days, "lock": x.lock}


def _coverage_dicts(coverage: Sequence[Coverage]) -> list[dict[str, Any]]:
    return [{"plan": x.plan, "rule": x.rule, "region": x.region, "schedule": x.schedule,
             "schedule_words": x.schedule_words, "timezone": x.timezone, "max_gap_hours": _num(x.max_gap_hours),
             "selected_by": x.selected_by} for x in coverage]


def as_dict(e: Explanation) -> dict[str, Any]:
    return {
        "format": JSON_FORMAT,
        "version": JSON_VERSION,
        "policy": e.policy,
        "file": e.file,
        "summary": {"errors": e.errors, "warnings": e.warnings, "clusters": len(e.clusters),
                    "selections": len(e.selections), "vaults": len(e.vaults),
                    "gaps": sum(len(c.gaps) for c in e.clusters)},
        "clusters": [{
            "key": c.key, "account": c.account, "account_id": c.account_id, "regions": list(c.regions),
            "witness_region": c.witness_region, "multi_region": c.multi_region, "adopted": c.adopted,
            "deletion_protection": c.deletion_protection, "kms_key": c.kms_key,
            "coverage": _coverage_dicts(c.coverage),
            "rpo_hours": {r: _num(h) for r, h in c.rpo_hours.items()},
            "landings": [_landing_dict(x) for x in c.landings],
            "restore": [{"kind": r.kind, "account": r.account, "regions": list(r.regions), "possible": r.possible,
                         "detail": r.detail} for r in c.restore],
            "gaps": [{"code": g.code, "severity": g.severity, "message": g.message, "hint": g.hint}
                     for g in c.gaps],
            "diagnostics": [_diag_dict(x) for x in c.diagnostics],
        } for c in e.clusters],
        "selections": [{
            "id": s.id, "plan": s.plan, "account": s.account, "account_id": s.account_id, "regions": list(s.regions),
            "tags": dict(s.tags), "description": s.description,
            "matches": {r: list(keys) for r, keys in s.matches.items()},
            "coverage": _coverage_dicts(s.coverage),
            "rpo_hours": {r: _num(h) for r, h in s.rpo_hours.items()},
            "landings": [_landing_dict(x) for x in s.landings],
        } for s in e.selections],
        "vaults": [{
            "key": v.key, "account": v.account, "account_id": v.account_id, "region": v.region, "name": v.name,
            "arn": v.arn, "lock": v.lock, "kms_key": v.kms_key, "receives": [_landing_dict(x) for x in v.receives],
            "copy_in_from": list(v.copy_in_from), "copy_in_allowed": v.copy_in_allowed, "deletion": v.deletion,
        } for v in e.vaults],
        "diagnostics": [_diag_dict(x) for x in e.diagnostics],
        "notes": {"multi_region_restore": e.multi_region_restore_note, "restore_drill": e.restore_drill_note},
    }


def as_json(e: Explanation) -> str:
    return json.dumps(as_dict(e), indent=2, sort_keys=False) + "\n"


def render(e: Explanation, fmt: str) -> str:
    if fmt == "markdown":
        return as_markdown(e)
    if fmt == "json":
        return as_json(e)
    return as_text(e)
