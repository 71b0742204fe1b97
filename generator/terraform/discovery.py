"""Finding terraform and the hashicorp/aws provider: the binary (``$DSQL_BACKUP_TERRAFORM`` or PATH), an
offline provider mirror (``$DSQL_BACKUP_PROVIDER_MIRROR``, the CLI config's ``filesystem_mirror``, or a
bounded search of conventional folders), and the CLI configuration file every run uses."""

from __future__ import annotations

import os
import platform
import re
import shutil
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from generator.diagnostics import Diagnostic, Severity
from generator.render.hcl_syntax import quote
from generator.terraform.messages import TERRAFORM_CODE

TERRAFORM_ENV = "DSQL_BACKUP_TERRAFORM"
MIRROR_ENV = "DSQL_BACKUP_PROVIDER_MIRROR"

_INSTALL_HINT = (
    "install Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install) and put it on PATH, "
    f"or set {TERRAFORM_ENV} to the terraform executable"
)
MIRROR_MARKER = "registry.terraform.io"
_SKIP_DIRS = frozenset({"/proc", "/sys", "/dev", "/run"})


class TerraformUnavailable(Exception):
    """No usable terraform binary (or an explicitly configured path that does not exist)."""

    def __init__(self, message: str, hint: str = _INSTALL_HINT) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_diagnostic(self) -> Diagnostic:
        return Diagnostic(code=TERRAFORM_CODE, severity=Severity.ERROR, message=self.message, hint=self.hint)


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
    base = path / MIRROR_MARKER / provider
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
                f"point {MIRROR_ENV} at the folder that holds {MIRROR_MARKER}/, or unset it",
            )
        return path
    cli_config = env.get("TF_CLI_CONFIG_FILE", "").strip()
    if cli_config and (found := _mirror_from_cli_config(Path(cli_config).expanduser())) is not None:
        return found
    roots = default_search_roots(env) if search_roots is None else search_roots
    return _search_mirror(roots, max_depth, max_dirs)


def write_cli_config(mirror: Path | None, dest: Path, plugin_cache: Path | None = None) -> Path:
    """Write a terraform CLI configuration to ``dest`` and return it.

    With a mirror, every ``registry.terraform.io`` provider comes from it, never from the network.
    Terraform symlinks an *unpacked* mirror into each root's ``.terraform`` (measured: 28 KB per root),
    so ``plugin_cache`` only pays for a packed (zip) mirror, which init would extract into every root.
    """
    lines: list[str] = ["# written by dsql-backup; do not edit"]
    if plugin_cache is not None:
        plugin_cache.mkdir(parents=True, exist_ok=True)
        lines.append(f"plugin_cache_dir = {quote(str(plugin_cache.resolve()))}")
    if mirror is not None:
        lines += [
            "provider_installation {",
            "  filesystem_mirror {",
            f"    path    = {quote(str(mirror.resolve()))}",
            f'    include = ["{MIRROR_MARKER}/*/*"]',
            "  }",
            "  direct {",
            f'    exclude = ["{MIRROR_MARKER}/*/*"]',
            "  }",
            "}",
        ]
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dest
