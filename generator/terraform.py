"""Drive the real ``terraform`` binary over compiled roots: discovery, init/validate/fmt/plan/show,
offline preview.

Everything goes through :mod:`subprocess` (python-terraform 0.10.1 is broken for Terraform >= 0.15).
Every call is non-interactive (``TF_IN_AUTOMATION=1``, ``TF_INPUT=0``, ``-input=false`` where accepted,
``-no-color``) and uses the runner's own CLI configuration file, never the user's.

Errors are data: each command returns a frozen result carrying terraform's own diagnostics
(:class:`TfDiagnostic`, convertible to the project's :class:`~generator.diagnostics.Diagnostic`). Only
:class:`TerraformUnavailable` is raised, when there is no terraform binary to run at all.

Offline preview. A compiled provider carries a static ``assume_role`` block, and the AWS provider calls
STS AssumeRole while it is configured, even with every ``skip_*`` flag set; with no network, plan fails
(after 25 retries, about 7 minutes) with ``Error: Cannot assume IAM Role``. :func:`offline_override`
writes an override file for a *scratch copy* of a root (:func:`prepare_offline_copy`) that, measured
with Terraform 1.11.4 + hashicorp/aws 5.100.0 under ``unshare -n``:

* replaces the backend with ``backend "local" {}`` (``init -backend=false`` is not enough: plan then
  stops with ``Error: Backend initialization required, please run "terraform init"``);
* sets fake static credentials plus ``skip_credentials_validation``, ``skip_requesting_account_id``,
  ``skip_metadata_api_check``, ``skip_region_validation``, ``max_retries = 1`` (so a call that does slip
  through fails in seconds, not minutes), and nulls ``profile``, ``allowed_account_ids`` and the
  shared-config settings;
* removes the ``assume_role`` block with an empty ``dynamic "assume_role" { for_each = [] }``: an
  override's nested block of the same type replaces the original's, and the dynamic one expands to
  nothing. (``assume_role { role_arn = "" }`` also avoids the STS call but warns ``Missing required
  argument ... "role_arn" is required ... This will be an error in a future release.``; a JSON override
  with ``"assume_role": []`` does not replace the block at all.)

The HCL override also overrides providers declared in Terraform JSON (``*.tf.json``) roots.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import platform
import re
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from generator.diagnostics import Diagnostic, Severity

TERRAFORM_ENV = "DSQL_BACKUP_TERRAFORM"
MIRROR_ENV = "DSQL_BACKUP_PROVIDER_MIRROR"
OFFLINE_OVERRIDE_NAME = "zz_offline_override.tf"
TERRAFORM_CODE = "DSB902"  # "terraform not found or failed" in generator.codes

_INSTALL_HINT = (
    "install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) and put it on PATH, "
    f"or set {TERRAFORM_ENV} to the terraform executable"
)
_MIRROR_MARKER = "registry.terraform.io"
_SKIP_DIRS = frozenset({"/proc", "/sys", "/dev", "/run"})
# Left out of an offline scratch copy: local working state that would make plan refresh or reuse plugins.
_COPY_IGNORE = (".terraform", "terraform.tfstate", "terraform.tfstate.backup", ".terraform.tfstate.lock.info")


class TerraformUnavailable(Exception):
    """No usable terraform binary (or an explicitly configured path that does not exist)."""

    def __init__(self, message: str, hint: str = _INSTALL_HINT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_diagnostic(self) -> Diagnostic:
        return Diagnostic(code=TERRAFORM_CODE, severity=Severity.ERROR, message=self.message, hint=self.hint)


# ----------------------------------------------------------------------------------------- diagnostics


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


def _diagnostics_from_text(text: str, fallback: str) -> tuple[TfDiagnostic, ...]:
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


def _json_lines(stdout: str) -> list[dict[str, Any]]:
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


def _stream_diagnostics(msgs: Iterable[Mapping[str, Any]]) -> tuple[TfDiagnostic, ...]:
    return tuple(
        TfDiagnostic.from_json(m["diagnostic"])
        for m in msgs
        if m.get("type") == "diagnostic" and isinstance(m.get("diagnostic"), Mapping)
    )


# ------------------------------------------------------------------------------------------- discovery


def find_terraform(env: Mapping[str, str]) -> Path:
    """``$DSQL_BACKUP_TERRAFORM`` (a path, or a name on PATH), else ``terraform`` on ``env``'s PATH."""
    search_path = env.get("PATH", os.defpath)
    configured = env.get(TERRAFORM_ENV, "").strip()
    if configured:
        candidate = Path(configured).expanduser()
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
        found = shutil.which(configured, path=search_path) if os.sep not in configured else None
        if found:
            return Path(found)
        raise TerraformUnavailable(
            f"{TERRAFORM_ENV}={configured} is not an executable file",
            f"point {TERRAFORM_ENV} at the terraform executable, or unset it to use terraform from PATH",
        )
    found = shutil.which("terraform", path=search_path)
    if found is None:
        raise TerraformUnavailable("terraform was not found on PATH")
    return Path(found)


def os_arch() -> str:
    """Terraform's platform name for this machine, e.g. ``linux_amd64``."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64", "i386": "386"}.get(
        machine, machine
    )
    return f"{platform.system().lower()}_{arch}"


def is_provider_mirror(path: Path, provider: str = "hashicorp/aws") -> bool:
    """True when ``path`` holds ``registry.terraform.io/<provider>/`` for this platform (unpacked or zip)."""
    base = path / _MIRROR_MARKER / provider
    try:
        versions = list(base.iterdir())
    except OSError:
        return False
    arch = os_arch()
    name = provider.rsplit("/", 1)[-1]
    for v in versions:
        if (v / arch).is_dir():  # unpacked layout: <version>/<os_arch>/terraform-provider-aws_*
            return True
        if v.name.startswith(f"terraform-provider-{name}_") and v.name.endswith(f"_{arch}.zip"):
            return True  # packed layout
    return False


_MIRROR_IN_CONFIG = re.compile(r"filesystem_mirror\s*\{[^}]*?\bpath\s*=\s*\"((?:[^\"\\]|\\.)*)\"", re.DOTALL)


def _mirror_from_cli_config(config: Path) -> Path | None:
    try:
        text = config.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for m in _MIRROR_IN_CONFIG.finditer(text):
        path = Path(m.group(1).replace('\\"', '"').replace("\\\\", "\\")).expanduser()
        if path.is_dir():
            return path
    return None


def default_search_roots(env: Mapping[str, str]) -> list[Path]:
    """Conventional places for a provider mirror: Terraform's implied local mirror folders, then ``/opt``."""
    roots: list[Path] = []
    home = env.get("HOME", "")
    if env.get("XDG_DATA_HOME"):
        roots.append(Path(env["XDG_DATA_HOME"]) / "terraform" / "plugins")
    if home:
        roots += [Path(home) / ".terraform.d" / "plugins", Path(home) / ".local/share/terraform/plugins"]
    roots += [Path("/usr/local/share/terraform/plugins"), Path("/usr/share/terraform/plugins"), Path("/opt")]
    return roots


def _search_mirror(roots: Iterable[Path], max_depth: int, max_dirs: int) -> Path | None:
    visited = 0
    for root in roots:
        frontier = [root]
        for depth in range(max_depth + 1):
            following: list[Path] = []
            for d in frontier:
                if str(d) in _SKIP_DIRS:
                    continue
                visited += 1
                if visited > max_dirs:
                    return None
                if is_provider_mirror(d):
                    return d
                if depth == max_depth:
                    continue
                try:
                    with os.scandir(d) as it:
                        subdirs = [
                            Path(e.path)
                            for e in it
                            if not e.name.startswith(".") and e.is_dir(follow_symlinks=False)
                        ]
                except OSError:
                    continue
                following += sorted(subdirs)
            frontier = following
    return None


def find_provider_mirror(
    env: Mapping[str, str],
    *,
    search_roots: Sequence[Path] | None = None,
    max_depth: int = 3,
    max_dirs: int = 5000,
) -> Path | None:
    """The folder holding ``registry.terraform.io/hashicorp/aws/...``, or None (terraform then needs the
    network).

    Order: ``$DSQL_BACKUP_PROVIDER_MIRROR``; the ``filesystem_mirror`` path of an existing CLI config named
    by ``$TF_CLI_CONFIG_FILE``; a breadth-first search, at most ``max_depth`` levels (and ``max_dirs``
    folders in all), under ``search_roots`` (default :func:`default_search_roots`).
    """
    configured = env.get(MIRROR_ENV, "").strip()
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            raise TerraformUnavailable(
                f"{MIRROR_ENV}={configured} is not a directory",
                f"point {MIRROR_ENV} at the folder that holds {_MIRROR_MARKER}/, or unset it",
            )
        return path
    cli_config = env.get("TF_CLI_CONFIG_FILE", "").strip()
    if cli_config and (found := _mirror_from_cli_config(Path(cli_config).expanduser())) is not None:
        return found
    roots = default_search_roots(env) if search_roots is None else search_roots
    return _search_mirror(roots, max_depth, max_dirs)


def _hcl_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("${", "$${").replace("%{", "%%{") + '"'


def write_cli_config(mirror: Path | None, dest: Path, plugin_cache: Path | None = None) -> Path:
    """Write a terraform CLI configuration to ``dest`` and return it.

    With a mirror, every ``registry.terraform.io`` provider comes from it, never from the network.
    Terraform symlinks an *unpacked* mirror into each root's ``.terraform`` (measured: 28 KB per root),
    so ``plugin_cache`` only pays for a packed (zip) mirror, which init would extract into every root.
    """
    lines: list[str] = ["# written by dsql-backup; do not edit"]
    if plugin_cache is not None:
        plugin_cache.mkdir(parents=True, exist_ok=True)
        lines.append(f"plugin_cache_dir = {_hcl_string(str(plugin_cache.resolve()))}")
    if mirror is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f"    path    = {_hcl_string(str(mirror.resolve()))}",
            f'    include = ["{_MIRROR_MARKER}/*/*"]',
            "  }",
            "  direct {",
            f'    exclude = ["{_MIRROR_MARKER}/*/*"]',
            "  }",
            "}",
        ]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest


# --------------------------------------------------------------------------------------------- offline


@dataclass(frozen=True, slots=True)
class ProviderRef:
    """One ``provider "aws"`` configuration of a root: its alias (None for the default one) and Region."""

    alias: str | None
    region: str


_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")

# Provider arguments nulled in the scratch copy: each makes the provider read the machine's AWS config
# or compare against an account ID that offline mode cannot know (measured: `profile` -> "failed to get
# shared config profile", `allowed_account_ids` -> "AWS account ID not allowed").
_NULLED = (
    "profile",
    "token",
    "shared_config_files",
    "shared_credentials_files",
    "allowed_account_ids",
    "forbidden_account_ids",
)
_REMOVED_BLOCKS = ("assume_role", "assume_role_with_web_identity")


def provider_override(
    providers: Sequence[ProviderRef],
    *,
    header: str,
    fake_key: str,
    settings: Sequence[tuple[str, str]],
    extra_body: Sequence[str] = (),
) -> str:
    """An override file for a working copy of a root: a local backend, and every ``aws`` provider given fake
    static credentials, the skip flags, ``settings``, the account and profile settings nulled, then the
    lines ``extra_body`` (blocks) appended. Shared by the offline preview and emulator runs.

    ``providers`` must list exactly the ``aws`` provider configurations the root declares (terraform
    rejects an override for a provider the root does not have). The text is in ``terraform fmt`` form.
    """
    seen: set[str | None] = set()
    for p in providers:
        if p.alias is not None and not _IDENT.match(p.alias):
            raise ValueError(f"not a provider alias: {p.alias!r}")
        if p.alias in seen:
            raise ValueError(f"provider alias listed twice: {p.alias!r}")
        seen.add(p.alias)
    blocks = ['terraform {\n  backend "local" {}\n}\n']
    for p in sorted(providers, key=lambda p: (p.alias is not None, p.alias or "")):
        attrs: list[tuple[str, str]] = []
        if p.alias is not None:
            attrs.append(("alias", _hcl_string(p.alias)))
        attrs += [
            ("region", _hcl_string(p.region)),
            ("access_key", _hcl_string(fake_key)),
            ("secret_key", _hcl_string(fake_key)),
            *settings,
        ]
        attrs += [(name, "null") for name in _NULLED]
        width = max(len(k) for k, _ in attrs)
        body = [f"  {k.ljust(width)} = {v}" for k, v in attrs] + list(extra_body)
        blocks.append('provider "aws" {\n' + "\n".join(body) + "\n}\n")
    return header + "\n".join(blocks)


def offline_override(providers: Sequence[ProviderRef]) -> str:
    """The text of an override file (:data:`OFFLINE_OVERRIDE_NAME`) for a scratch copy of a root."""
    removed: list[str] = []
    for block in _REMOVED_BLOCKS:
        removed += ["", f'  dynamic "{block}" {{', "    for_each = []", "    content {}", "  }"]
    return provider_override(
        providers,
        header=("# Offline preview only: written into a scratch copy, never into compiled output.\n"
                "# Local backend, fake static credentials, no assume_role, no account lookups: no AWS call.\n"),
        fake_key="offline-preview",
        settings=[
            ("skip_credentials_validation", "true"),
            ("skip_requesting_account_id", "true"),
            ("skip_metadata_api_check", "true"),
            ("skip_region_validation", "true"),
            ("max_retries", "1"),
        ],
        extra_body=removed,
    )


def prepare_offline_copy(root: Path, scratch: Path, providers: Sequence[ProviderRef]) -> Path:
    """Copy ``root`` to ``scratch`` (which must not exist yet), add the offline override, return it.

    ``.terraform/`` and local state files are left out: the copy starts clean, plan has nothing to refresh.
    The original root is only read.
    """
    text = offline_override(providers)
    shutil.copytree(root, scratch, ignore=shutil.ignore_patterns(*_COPY_IGNORE), symlinks=True)
    (scratch / OFFLINE_OVERRIDE_NAME).write_text(text, encoding="utf-8")
    return scratch


# ---------------------------------------------------------------------------------------------- runner


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
                f"{_MIRROR_MARKER}/hashicorp/aws/<version>/{os_arch()}/",
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
        diags = _stream_diagnostics(_json_lines(done.stdout))
        if done.returncode != 0 and not any(d.severity == "error" for d in diags):
            diags += _diagnostics_from_text(done.stderr or done.stdout, "terraform init failed")
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
        diags = _diagnostics_from_text(done.stderr or done.stdout, "terraform validate failed")
        return _failure_document(diags, valid=False)

    def fmt(self, root: Path) -> FmtResult:
        """``fmt -check -list=true -recursive``: files that need formatting or that fmt cannot parse."""
        done = self.run(root, "fmt", "-check", "-list=true", "-recursive", "-no-color")
        files = [ln.strip() for ln in done.stdout.splitlines() if ln.strip()]
        diags: tuple[TfDiagnostic, ...] = ()
        if done.returncode not in (0, 3):  # 3: some files differ; anything else: fmt itself failed
            diags = _diagnostics_from_text(done.stderr, "terraform fmt failed")
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
        msgs = _json_lines(done.stdout)
        diags = _stream_diagnostics(msgs)
        status: PlanStatus = (
            "no-changes" if done.returncode == 0 else "changes" if done.returncode == 2 else "error"
        )
        if status == "error" and not any(d.severity == "error" for d in diags):
            diags += _diagnostics_from_text(done.stderr or done.stdout, "terraform plan failed")
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
        return _failure_document(_diagnostics_from_text(done.stderr or done.stdout, "terraform show failed"))


def _failure_document(diags: Sequence[TfDiagnostic], **extra: Any) -> dict[str, Any]:
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
