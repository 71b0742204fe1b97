"""Drive terraform over compiled roots for CI: plan, apply and destroy in manifest wave order.

* The roots are compiled into a working directory (``generator.output.writer.write_output``), which keeps each
  root's ``.terraform/`` and local state between runs; ``init`` runs only when the root's terraform and
  provider blocks (backend, required providers, providers) changed since the last init (a stamp in
  ``.terraform/``) or it never ran.
* Roots of one wave run concurrently (``parallel`` at a time); waves run in order (reverse order for
  destroy). A failing root does not stop the others of its wave; applying stops before the next wave.
* ``apply`` applies exactly the saved plan (``tfplan``) that was planned and shown; it streams
  terraform's ``-json`` messages so each resource's progress is reported while it runs.
* With ``endpoint_url`` the roots run in working copies under ``<dir>/.emulator/`` with an override for a
  local AWS emulator (:mod:`generator.terraform.emulator`); compiled output is never changed.

Everything goes through :mod:`subprocess` and terraform's machine-readable output (python-terraform
0.10.1 is unmaintained and broken for Terraform >= 0.15). Results are data; only the CLI prints.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, TypeVar

from generator.output.compile import Compiled
from generator.output.writer import OutputWarning, write_output
from generator.terraform.binary import TerraformRunner
from generator.terraform.emulator import EMULATOR_DIR, sync_working_copy
from generator.terraform.messages import TfDiagnostic, diagnostics_from_text, json_lines, stream_diagnostics
from generator.terraform.overrides import ProviderRef

Command = Literal["plan", "apply", "destroy"]
# no-changes | changes (planned) | applied | error | skipped (an earlier wave failed) | not-affected
Status = str
PLAN_FILE = "tfplan"
INIT_STAMP = "dsql-backup-init.sha256"
PROTECTED_HINT = (
    "vaults, vault locks and KMS keys carry lifecycle prevent_destroy: dsql-backup never destroys them. "
    "To retire them, empty the vaults, then remove them from state (terraform state rm) or delete them "
    "outside dsql-backup"
)

Progress = Callable[[str, str], None]  # (root, message)
_T = TypeVar("_T")
_R = TypeVar("_R")


def _run_wave(items: Sequence[_T], fn: Callable[[_T], _R], parallel: int) -> list[_R]:
    """``[fn(i) for i in items]``, ``parallel`` at a time, results in input order."""
    if parallel <= 1 or len(items) <= 1:
        return [fn(i) for i in items]
    with concurrent.futures.ThreadPoolExecutor(max_workers=min(parallel, len(items))) as pool:
        return list(pool.map(fn, items))


@dataclass(frozen=True, slots=True)
class Target:
    """One root to run: where terraform runs, and its place in the apply order."""

    name: str
    wave: int
    directory: Path
    content_hash: str


@dataclass(frozen=True, slots=True)
class RootRun:
    root: str
    wave: int
    status: Status
    add: int
    change: int
    destroy: int
    seconds: float
    diagnostics: tuple[TfDiagnostic, ...]
    directory: Path
    plan_json: Mapping[str, Any] | None = None
    stage: str = ""  # where it failed: init, plan, show, apply
    note: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "error"

    def error_text(self) -> str:
        errors = [d for d in self.diagnostics if d.severity == "error"]
        text = "; ".join(d.summary + (f": {d.detail}" if d.detail else "") for d in errors[:3])
        return (f"{self.stage}: {text}" if self.stage else text) + (f" ({self.note})" if self.note else "")


# ------------------------------------------------------------------------------------------- targets


def prepare(compiled: Compiled, out_dir: Path, *, endpoint_url: str | None = None,
            on_warnings: Callable[[Sequence[OutputWarning]], None] | None = None) -> list[Target]:
    """Write ``compiled`` into ``out_dir`` (raises generator.output.writer.OutputError) and return its roots in
    apply order; with ``endpoint_url``, in emulator working copies. ``on_warnings`` gets the writer's warnings
    (leftovers of interrupted runs kept beside ``out_dir``)."""
    written = write_output(compiled.files, out_dir)
    if on_warnings is not None:
        on_warnings(written.warnings)
    paths = {r["name"]: str(r.get("path", r["name"])) for r in compiled.manifest["roots"]}
    hashes = {r["name"]: str(r["content_hash"]) for r in compiled.manifest["roots"]}
    targets: list[Target] = []
    for root in sorted(compiled.model.roots, key=lambda r: (r.wave, r.name)):
        directory = out_dir / paths[root.name]
        if endpoint_url is not None:
            providers = [ProviderRef(p.alias, p.region) for p in root.providers]
            directory = sync_working_copy(directory, out_dir / EMULATOR_DIR / root.name, providers, endpoint_url)
        targets.append(Target(root.name, root.wave, directory, hashes[root.name]))
    return targets


class ManifestError(Exception):
    pass


def affected(targets: Sequence[Target], previous_manifest: Path) -> tuple[list[Target], list[str]]:
    """The targets whose content hash differs from ``previous_manifest`` (or that it lacks), and the names of
    roots it lists that are no longer compiled (their resources are left alone)."""
    try:
        doc = json.loads(previous_manifest.read_text(encoding="utf-8"))
        before = {str(r["name"]): str(r["content_hash"]) for r in doc["roots"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ManifestError(f"{previous_manifest}: not a readable dsql-backup manifest ({exc})") from exc
    chosen = [t for t in targets if before.get(t.name) != t.content_hash]
    gone = sorted(set(before) - {t.name for t in targets})
    return chosen, gone


# --------------------------------------------------------------------------------------------- init


def _init_key(directory: Path, runner: TerraformRunner) -> str:
    """A hash of what init depends on: the files holding terraform/provider blocks, and the CLI config."""
    h = hashlib.sha256()
    for f in sorted(directory.iterdir()):
        if f.is_file() and (f.name.endswith((".tf", ".tf.json"))):
            text = f.read_text(encoding="utf-8", errors="replace")
            if "terraform {" in text or 'provider "' in text or '"terraform"' in text or '"provider"' in text:
                h.update(f.name.encode() + b"\0" + text.encode() + b"\0")
    with contextlib.suppress(OSError):
        h.update(runner.cli_config.read_bytes())
    return h.hexdigest()


def ensure_init(runner: TerraformRunner, directory: Path) -> tuple[bool, tuple[TfDiagnostic, ...], float, bool]:
    """Run ``init`` unless the stamp says nothing it depends on changed: (ok, diagnostics, seconds, ran)."""
    key = _init_key(directory, runner)
    stamp = directory / ".terraform" / INIT_STAMP
    try:
        if stamp.read_text(encoding="utf-8").strip() == key and (directory / ".terraform.lock.hcl").is_file():
            return True, (), 0.0, False
    except OSError:
        pass
    result = runner.init(directory)
    if result.ok:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.write_text(key + "\n", encoding="utf-8")
    return result.ok, result.diagnostics, result.seconds, True


# ------------------------------------------------------------------------------------- plan, apply


def _by_wave(targets: Sequence[Target], reverse: bool) -> list[list[Target]]:
    waves = sorted({t.wave for t in targets}, reverse=reverse)
    return [[t for t in targets if t.wave == w] for w in waves]


def plan_all(runner: TerraformRunner, targets: Sequence[Target], *, destroy: bool = False, parallel: int = 2,
             lock: bool = True, progress: Progress | None = None) -> list[RootRun]:
    """Init, plan (saved as ``tfplan``) and show every target, wave by wave; every root is planned."""
    say = progress or (lambda root, msg: None)

    def one(t: Target) -> RootRun:
        say(t.name, "init")
        ok, diags, seconds, ran = ensure_init(runner, t.directory)
        if not ok:
            say(t.name, "init failed")
            return RootRun(t.name, t.wave, "error", 0, 0, 0, seconds, diags, t.directory, stage="init")
        say(t.name, "planning" + (" destroy" if destroy else "") + ("" if ran else " (init up to date)"))
        plan = runner.plan(t.directory, PLAN_FILE, destroy=destroy, lock=lock)
        seconds += plan.seconds
        if not plan.ok:
            note = PROTECTED_HINT if any(d.summary == "Instance cannot be destroyed" for d in plan.diagnostics) else ""
            say(t.name, "plan failed")
            return RootRun(t.name, t.wave, "error", 0, 0, 0, seconds, plan.diagnostics, t.directory,
                           stage="plan", note=note)
        if plan.status == "no-changes":  # nothing to classify: skip show, which loads the provider again
            say(t.name, f"no changes ({seconds:.1f} s)")
            return RootRun(t.name, t.wave, plan.status, 0, 0, 0, seconds, plan.diagnostics, t.directory,
                           {"resource_changes": []})
        start = time.monotonic()
        doc = runner.show_json(t.directory, PLAN_FILE)
        seconds += time.monotonic() - start
        if "resource_changes" not in doc and "format_version" not in doc:
            return RootRun(t.name, t.wave, "error", 0, 0, 0, seconds,
                           tuple(TfDiagnostic.from_json(d) for d in doc.get("diagnostics", [])), t.directory,
                           stage="show")
        say(t.name, f"planned: {plan.add} to add, {plan.change} to change, {plan.destroy} to destroy "
            f"({seconds:.1f} s)")
        return RootRun(t.name, t.wave, plan.status, plan.add, plan.change, plan.destroy, seconds,
                       plan.diagnostics, t.directory, doc)

    results: list[RootRun] = []
    for wave in _by_wave(targets, reverse=destroy):
        results += _run_wave(wave, one, parallel)
    return results


def apply_all(runner: TerraformRunner, planned: Sequence[RootRun], *, parallel: int = 2,
              progress: Progress | None = None) -> list[RootRun]:
    """Apply the saved plan of every root with changes, wave by wave in the order ``planned`` lists them.

    Roots of a wave run concurrently; after a wave with a failed root (planning or applying), later waves
    are skipped. Roots without changes are returned as they are.
    """
    say = progress or (lambda root, msg: None)
    waves: list[list[RootRun]] = []
    for r in planned:
        if waves and waves[-1][0].wave == r.wave:
            waves[-1].append(r)
        else:
            waves.append([r])

    def one(r: RootRun) -> RootRun:
        if r.status != "changes":
            return r
        say(r.root, "applying")
        return _apply_one(runner, r, say)

    results: list[RootRun] = []
    stop = False
    for wave in waves:
        if stop:
            results += [replace(r, status="skipped", note="an earlier wave failed") if r.status == "changes" else r
                        for r in wave]
            continue
        done = _run_wave(wave, one, parallel)
        results += done
        stop = any(r.failed for r in done)
    return results


def _apply_one(runner: TerraformRunner, r: RootRun, say: Progress) -> RootRun:
    argv = (*runner.command_prefix, str(runner.binary), "apply", "-json", "-input=false", "-no-color", PLAN_FILE)
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=r.directory, env=dict(runner.env), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(runner.timeout, proc.kill) if runner.timeout else None
    if timer:
        timer.start()
    lines: list[str] = []
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            msg = json_lines(line)
            if not msg:
                continue
            kind = msg[0].get("type")
            hook: dict[str, Any] = msg[0]["hook"] if isinstance(msg[0].get("hook"), dict) else {}
            addr = (hook.get("resource") or {}).get("addr", "")
            if kind in ("apply_complete", "apply_errored"):
                say(r.root, f"{addr}: {'done' if kind == 'apply_complete' else 'FAILED'} "
                    f"({hook.get('action', '')}, {hook.get('elapsed_seconds', 0)} s)")
        rc = proc.wait()
    finally:
        if timer:
            timer.cancel()
    seconds = r.seconds + time.monotonic() - start
    output = "".join(lines)
    msgs = json_lines(output)
    diags = stream_diagnostics(msgs)
    add = change = destroy = 0
    for m in msgs:
        if m.get("type") == "change_summary" and isinstance(m.get("changes"), Mapping):
            c = m["changes"]
            add, change, destroy = int(c.get("add", 0)), int(c.get("change", 0)), int(c.get("remove", 0))
    if rc != 0:
        if not any(d.severity == "error" for d in diags):
            diags += diagnostics_from_text(output, f"terraform apply failed (exit {rc})")
        say(r.root, "apply failed")
        return replace(r, status="error", add=add, change=change, destroy=destroy, seconds=seconds,
                       diagnostics=diags, stage="apply")
    say(r.root, f"applied: {add} added, {change} changed, {destroy} destroyed ({seconds:.1f} s)")
    return replace(r, status="applied", add=add, change=change, destroy=destroy, seconds=seconds,
                   diagnostics=diags)
