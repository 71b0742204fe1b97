"""Drive the real ``terraform`` binary over compiled roots: init/validate/fmt/plan/show, one
binary with its own CLI configuration (:mod:`generator.terraform.discovery` finds it).

Everything goes through :mod:`subprocess` (python-terraform 0.10.1 is broken for Terraform >= 0.15).
Every call is non-interactive (``TF_IN_AUTOMATION=1``, ``TF_INPUT=0``, ``-input=false`` where accepted,
``-no-color``) and uses the runner's own CLI configuration file, never the user's.

Errors are data: each command returns a frozen result carrying terraform's own diagnostics
(:class:`TfDiagnostic`, convertible to the project's :class:`~generator.diagnostics.Diagnostic`). Only
:class:`TerraformUnavailable` is raised, when there is no terraform binary to run at all.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import subprocess
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from generator.terraform.discovery import (
    MIRROR_ENV,
    MIRROR_MARKER,
    TerraformUnavailable,
    find_provider_mirror,
    find_terraform,
    os_arch,
    write_cli_config,
)
from generator.terraform.messages import (
    TfDiagnostic,
    diagnostics_from_text,
    failure_document,
    json_lines,
    stream_diagnostics,
)


@dataclass(frozen=True, slots=True)
class Completed:
    """One finished terraform process."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float


@dataclass(frozen=True, slots=True)
class InitResult:
    ok: bool
    diagnostics: tuple[TfDiagnostic, ...]
    seconds: float


@dataclass(frozen=True, slots=True)
class FmtResult:
    """``files``: files not in canonical form, plus files fmt could not parse (errors in diagnostics)."""

    files: tuple[str, ...]
    diagnostics: tuple[TfDiagnostic, ...]
    seconds: float

    @property
    def ok(self) -> bool:
        return not self.files and not self.diagnostics


PlanStatus = Literal["no-changes", "changes", "error"]


@dataclass(frozen=True, slots=True)
class PlanResult:
    status: PlanStatus
    add: int
    change: int
    destroy: int
    diagnostics: tuple[TfDiagnostic, ...]
    planfile: Path | None  # None unless status is "no-changes" or "changes"
    seconds: float
    # (address, action) from the planned_change messages
    changes: tuple[tuple[str, str], ...] = field(default=())

    @property
    def ok(self) -> bool:
        return self.status != "error"


class TerraformRunner:
    """Runs one terraform binary with its own CLI configuration; safe to share between threads (no state)."""

    def __init__(
        self,
        binary: Path,
        cli_config: Path,
        *,
        base_env: Mapping[str, str] | None = None,
        offline: bool = False,
        timeout: float | None = 1800.0,
        command_prefix: Sequence[str] = (),
    ) -> None:
        """``offline`` drops ``AWS_*`` variables (profiles, roles) from the environment, for scratch previews.

        ``command_prefix`` goes before the terraform binary, e.g. ``("unshare", "-n")`` to prove that no
        network is used.
        """
        self.binary = binary
        self.cli_config = cli_config
        self.timeout = timeout
        self.command_prefix = tuple(command_prefix)
        env = dict(os.environ if base_env is None else base_env)
        if offline:
            env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
        env.update(
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
            TF_CLI_CONFIG_FILE=str(cli_config),
        )
        for inherited in ("TF_CLI_ARGS", "TF_DATA_DIR", "TF_WORKSPACE", "TF_LOG", "TF_PLUGIN_CACHE_DIR"):
            env.pop(inherited, None)
        env = {k: v for k, v in env.items() if not k.startswith("TF_CLI_ARGS_")}
        self.env: Mapping[str, str] = env
        # terraform's plugin cache is not safe for concurrent inits ("after installing ... it is still not
        # detected in .terraform/providers; this is a bug in Terraform", seen with two roots of one wave):
        # inits of one runner take turns; they are short, and plans still run in parallel.
        self._init_lock = threading.Lock()

    @classmethod
    def discover(
        cls,
        workdir: Path,
        env: Mapping[str, str] | None = None,
        *,
        plugin_cache: Path | None = None,
        require_mirror: bool = False,
        **kwargs: Any,
    ) -> TerraformRunner:
        """Find terraform and the mirror from ``env``, write ``workdir/terraformrc``, return a runner.

        Without a mirror terraform downloads providers; ``require_mirror`` makes that TerraformUnavailable.
        """
        source = dict(os.environ if env is None else env)
        binary = find_terraform(source)
        mirror = find_provider_mirror(source)
        if mirror is None and require_mirror:
            raise TerraformUnavailable(
                "no offline mirror of the hashicorp/aws provider was found",
                f"set {MIRROR_ENV} to the folder that holds "
                f"{MIRROR_MARKER}/hashicorp/aws/<version>/{os_arch()}/",
            )
        # With a mirror, init links each root straight to it: a plugin cache adds nothing and brings terraform's
        # cache races between roots ("no package ... cached in .terraform/providers"), so it is used only
        # when providers are downloaded.
        cache = plugin_cache if mirror is None else None
        config = write_cli_config(mirror, workdir / "terraformrc", cache)
        return cls(binary, config, base_env=source, **kwargs)

    # -- plumbing

    def run(self, root: Path, *args: str) -> Completed:
        """Run ``terraform <args>`` in ``root``. A timeout becomes returncode -1 with the reason in stderr."""
        argv = (*self.command_prefix, str(self.binary), *args)
        start = time.monotonic()
        try:
            proc = subprocess.run(
                argv,
                cwd=root,
                env=dict(self.env),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=self.timeout,
                check=False,
            )
        except FileNotFoundError as exc:
            raise TerraformUnavailable(f"cannot run {argv[0]}: {exc.strerror}") from exc
        except PermissionError as exc:
            raise TerraformUnavailable(f"cannot run {argv[0]}: {exc.strerror}") from exc
        except subprocess.TimeoutExpired:
            return Completed(
                tuple(args),
                -1,
                "",
                f"Error: terraform {args[0]} timed out after {self.timeout} s",
                time.monotonic() - start,
            )
        return Completed(tuple(args), proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)

    # -- commands

    def version(self) -> str:
        """``terraform version -json``'s version string ("" when it cannot be read)."""
        done = self.run(Path.cwd(), "version", "-json")
        try:
            return str(json.loads(done.stdout).get("terraform_version", ""))
        except (json.JSONDecodeError, AttributeError):
            return ""

    def init(self, root: Path, *, backend: bool = True) -> InitResult:
        args = ["init", "-json", "-input=false", "-no-color"]
        if not backend:
            args.append("-backend=false")
        with self._init_lock:
            done = self.run(root, *args)
        diags = stream_diagnostics(json_lines(done.stdout))
        if done.returncode != 0 and not any(d.severity == "error" for d in diags):
            diags += diagnostics_from_text(done.stderr or done.stdout, "terraform init failed")
        return InitResult(done.returncode == 0, diags, done.seconds)

    def validate(self, root: Path) -> dict[str, Any]:
        """The parsed ``validate -json`` document; on a failure without JSON, a document of the same shape."""
        done = self.run(root, "validate", "-json", "-no-color")
        try:
            doc = json.loads(done.stdout)
        except json.JSONDecodeError:
            doc = None
        if isinstance(doc, dict) and "valid" in doc:
            return doc
        diags = diagnostics_from_text(done.stderr or done.stdout, "terraform validate failed")
        return failure_document(diags, valid=False)

    def fmt(self, root: Path) -> FmtResult:
        """``fmt -check -list=true -recursive``: files that need formatting or that fmt cannot parse."""
        done = self.run(root, "fmt", "-check", "-list=true", "-recursive", "-no-color")
        files = [ln.strip() for ln in done.stdout.splitlines() if ln.strip()]
        diags: tuple[TfDiagnostic, ...] = ()
        if done.returncode not in (0, 3):  # 3: some files differ; anything else: fmt itself failed
            diags = diagnostics_from_text(done.stderr, "terraform fmt failed")
            files += [d.filename for d in diags if d.filename]
        return FmtResult(tuple(sorted(set(files))), diags, done.seconds)

    def fmt_check(self, root: Path) -> list[str]:
        """Files (relative to ``root``) that are not in canonical form; unparsable files are listed too."""
        return list(self.fmt(root).files)

    def plan(self, root: Path, out: str = "tfplan", *, destroy: bool = False, lock: bool = False) -> PlanResult:
        """``lock``: take the state lock (real backends); ``destroy``: plan the destruction of everything."""
        done = self.run(
            root,
            "plan",
            "-json",
            "-input=false",
            "-no-color",
            f"-lock={'true' if lock else 'false'}",
            "-detailed-exitcode",
            *(["-destroy"] if destroy else []),
            f"-out={out}",
        )
        msgs = json_lines(done.stdout)
        diags = stream_diagnostics(msgs)
        status: PlanStatus = (
            "no-changes" if done.returncode == 0 else "changes" if done.returncode == 2 else "error"
        )
        if status == "error" and not any(d.severity == "error" for d in diags):
            diags += diagnostics_from_text(done.stderr or done.stdout, "terraform plan failed")
        add = change = remove = 0
        for m in msgs:
            if m.get("type") == "change_summary" and isinstance(m.get("changes"), Mapping):
                counts = m["changes"]
                add, change, remove = (
                    int(counts.get("add", 0)),
                    int(counts.get("change", 0)),
                    int(counts.get("remove", 0)),
                )
        changes = tuple(
            (str(m["change"]["resource"]["addr"]), str(m["change"]["action"]))
            for m in msgs
            if m.get("type") == "planned_change"
            and isinstance(m.get("change"), Mapping)
            and isinstance(m["change"].get("resource"), Mapping)
        )
        planfile = root / out if status != "error" else None
        return PlanResult(status, add, change, remove, diags, planfile, done.seconds, changes)

    def show_json(self, root: Path, planfile: str | Path = "tfplan") -> dict[str, Any]:
        """The parsed ``show -json <planfile>``; on failure ``{"diagnostics": [...]}``, see diagnostics_of."""
        done = self.run(root, "show", "-json", "-no-color", str(planfile))
        try:
            doc = json.loads(done.stdout)
        except json.JSONDecodeError:
            doc = None
        if done.returncode == 0 and isinstance(doc, dict):
            return doc
        return failure_document(diagnostics_from_text(done.stderr or done.stdout, "terraform show failed"))


T = TypeVar("T")


def run_many(roots: Sequence[Path], fn: Callable[[Path], T], parallel: int = 2) -> list[T]:
    """``[fn(root) for root in roots]`` on a thread pool of ``parallel`` workers, results in input order.

    Terraform is CPU-bound (a 10-alias plan keeps 2 cores busy): the default suits a 2-core runner.
    An exception from ``fn`` is re-raised here after the other calls finish.
    """
    if parallel < 1:
        raise ValueError("parallel must be at least 1")
    if parallel == 1 or len(roots) <= 1:
        return [fn(r) for r in roots]
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        futures = [pool.submit(fn, r) for r in roots]
        concurrent.futures.wait(futures)
        return [f.result() for f in futures]
