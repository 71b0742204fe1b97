"""``dsql-backup init``: a commented starter policy that validates, built from accounts and Regions.

Pure: parses the arguments into a :class:`Starter` (or raises :class:`StarterError` with a message and a
hint) and renders the policy text. The CLI writes the file; :func:`starter_text` validates its own output
so ``init`` never writes a policy that ``validate`` rejects.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.aws.capabilities import Capabilities
from generator.policy.schema import policy_schema

DEFAULT_PATH = "dsql-backup.yaml"
DEFAULT_SCHEMA_FILE = "dsql-backup.schema.json"
DEFAULT_NAME = "backups"
DEFAULT_ACCOUNTS = (("prod", "111111111111"),)  # a placeholder the starter tells the user to replace
DEFAULT_REGIONS = ("us-east-1",)

# The pre-commit hook (.pre-commit-hooks.yaml) checks files whose names match this by default: dsql-backup.yaml
# or *.dsql-backup.yaml (or .yml) anywhere but under .github/ (where the CI workflow may be dsql-backup.yml).
POLICY_FILE_PATTERN = r"^(?!\.github/)(.*/)?([^/]+\.)?dsql-backup\.ya?ml$"


class StarterError(Exception):
    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Starter:
    name: str
    accounts: tuple[tuple[str, str], ...]  # (key, 12-digit ID)
    regions: tuple[str, ...]
    placeholder_accounts: bool  # no --accounts given: the IDs are placeholders


def _pattern(*path: str) -> re.Pattern[str]:
    node = policy_schema()
    for part in path:
        node = node[part]
    return re.compile(str(node["pattern"]))


def _split(values: Sequence[str]) -> list[str]:
    """``--accounts a=1,b=2 --accounts c=3`` -> ``["a=1", "b=2", "c=3"]`` (spaces around commas allowed)."""
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse_accounts(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``KEY=ID`` items, or a bare ``ID`` (its key becomes ``account-ID``)."""
    key_re, id_re = _pattern("$defs", "key"), _pattern("$defs", "account_id")
    out: list[tuple[str, str]] = []
    for item in _split(values):
        key, sep, ident = item.partition("=")
        if not sep:
            key, ident = f"account-{item}", item
        key, ident = key.strip(), ident.strip()
        if not id_re.fullmatch(ident):
            raise StarterError(f"--accounts {item}: {ident!r} is not a 12-digit AWS account ID",
                               "write KEY=ID with the ID's 12 digits, e.g. --accounts prod=111111111111")
        if not key_re.fullmatch(key):
            raise StarterError(f"--accounts {item}: {key!r} is not a valid account key",
                               "a key starts with a letter and uses only letters, digits, '_' and '-' "
                               "(at most 40 characters)")
        if any(k == key for k, _ in out):
            raise StarterError(f"--accounts: the key {key!r} is given twice", "give each account its own key")
        if any(i == ident for _, i in out):
            raise StarterError(f"--accounts: the account ID {ident} is given twice",
                               "one key per AWS account")
        out.append((key, ident))
    if not out:
        raise StarterError("--accounts: no account given", "e.g. --accounts prod=111111111111")
    return tuple(out)


def parse_regions(values: Sequence[str], caps: Capabilities) -> tuple[str, ...]:
    out: list[str] = []
    for region in _split(values):
        if not caps.is_dsql_region(region):
            raise StarterError(f"--regions: {region} is not a Region where Aurora DSQL is available "
                               f"(capability table as of {caps.as_of})",
                               "choose from: " + ", ".join(caps.dsql_regions))
        if not caps.backup_supported(region, multi_region=False):
            support = caps.backup_support(region, multi_region=False)
            raise StarterError(f"--regions: the capability table (as of {caps.as_of}) does not list AWS Backup "
                               f"support for Aurora DSQL in {region}"
                               + (f" ({support.status}: {support.source})" if support else ""),
                               "choose from: " + ", ".join(r for r in caps.dsql_regions
                                                           if caps.backup_supported(r, multi_region=False)))
        if region not in out:
            out.append(region)
    if not out:
        raise StarterError("--regions: no Region given", "e.g. --regions us-east-1,us-east-2")
    return tuple(out)


def parse_starter(name: str | None, accounts: Sequence[str] | None, regions: Sequence[str] | None,
                  caps: Capabilities) -> Starter:
    policy_name = DEFAULT_NAME if name is None else name
    if not _pattern("properties", "name").fullmatch(policy_name):
        raise StarterError(f"--name {policy_name!r} is not a valid policy name",
                           "2 to 24 characters: a lowercase letter, then lowercase letters, digits and '-'")
    return Starter(
        name=policy_name,
        accounts=parse_accounts(accounts) if accounts else DEFAULT_ACCOUNTS,
        regions=parse_regions(regions, caps) if regions else DEFAULT_REGIONS,
        placeholder_accounts=not accounts,
    )


def _flow(items: Sequence[str]) -> str:
    return "[" + ", ".join(items) + "]"


_COMMENT_COLUMN = 40


def _line(code: str, comment: str = "") -> str:
    """One line with its comment at a fixed column (or one space after long code)."""
    if not comment:
        return code
    if len(code) < _COMMENT_COLUMN - 1:
        return f"{code.ljust(_COMMENT_COLUMN - 1)} # {comment}"
    return f"{code}  # {comment}"


def render_starter(s: Starter, caps: Capabilities, schema_ref: str) -> str:
    """The starter policy text. The active lines validate; so do the commented extras once switched on
    (remove the leading ``# ``), which a test checks."""
    keys = [k for k, _ in s.accounts]
    first_key, first_region = keys[0], s.regions[0]
    width = max(len(k) for k in keys)
    placeholder = "replace with your account ID" if s.placeholder_accounts else ""
    lines = [
        f"# yaml-language-server: $schema={schema_ref}",
        "# A dsql-backup policy: how AWS Backup protects this team's Amazon Aurora DSQL clusters.",
        "# Written by `dsql-backup init`. Check it with `dsql-backup validate`, preview the Terraform with",
        "# `dsql-backup plan --offline`, compile it with `dsql-backup compile -o DIR`. `dsql-backup schema`",
        "# prints every field with its meaning. Lines starting with `# ` are extras: remove the `# ` to use one.",
        "version: 1",
        _line(f"name: {s.name}", f"prefixes every AWS name it creates: vault {s.name}-local"),
        "",
        _line("# terraform:", "without a backend, each root keeps local state"),
        "#   backend:",
        f"#     s3: {{ bucket: my-tfstate, region: {first_region}, key_prefix: dsql-backup, use_lockfile: true }}",
        "",
        _line("accounts:", "key: how the rest of this file names the account"),
        *(_line(f"  {(k + ':').ljust(width + 1)} {{ id: \"{i}\" }}", placeholder) for k, i in s.accounts),
        "# To deploy through a role, give an account role_arn: arn:aws:iam::<id>:role/<name> (assume_role).",
        "",
        "defaults:",
        _line("  tags: { managed-by: dsql-backup }", "on every resource the policy creates"),
        _line(f"  timezone: {caps.default_timezone}", "for schedules that do not set their own"),
        "",
        _line("# clusters:", "DSQL clusters the policy creates (or adopts: existing_arns)"),
        "#   orders:",
        f"#     account: {first_key}",
        _line(f"#     regions: [{first_region}]", "two Regions and a witness_region: multi-Region"),
        _line("#     tags: { backup: daily }", "so the plan below selects it"),
        "",
        "vaults:",
        _line("  local:", f"a backup vault, {s.name}-local, in each account x Region"),
        f"    account: {first_key}" if len(keys) == 1 else f"    accounts: {_flow(keys)}",
        f"    regions: {_flow(s.regions)}",
        _line("    lock: { mode: governance, min_retention_days: 7, max_retention_days: 400 }",
              "retention bounds"),
        "    # notifications: { topic: create, events: [BACKUP_JOB_COMPLETED, COPY_JOB_FAILED] }",
        "",
        "plans:",
        "  daily:",
        "    targets:",
        _line("      tags: { backup: daily }", "every DSQL cluster with all these tags ..."),
        _line(f"      accounts: {_flow(keys)}", "... in these accounts ..."),
        _line(f"      regions: {_flow(s.regions)}", "... and Regions"),
        _line("      # clusters: [orders]", "and/or clusters named under clusters:"),
        "    rules:",
        "      - name: daily",
        _line(f"        schedule: {caps.default_schedule}", "AWS 6-field cron, in defaults.timezone"),
        "        vault: local",
        _line("        retention_days: 35", "within the vault lock's bounds"),
        _line("        # copy_to: [{ vault: local, regions: peers, retention_days: 35 }]",
              "copy to a multi-Region cluster's peer Region"),
    ]
    return "\n".join(lines) + "\n"


def starter_text(s: Starter, caps: Capabilities, schema_ref: str, file: str) -> str:
    """The rendered starter, checked: ``StarterError`` if it does not validate (a bug, or an odd input)."""
    from generator.diagnostics import has_errors
    from generator.policy.validate import validate_text

    text = render_starter(s, caps, schema_ref)
    result = validate_text(text, file)
    if has_errors(result.diagnostics):
        problems = "; ".join(f"{d.code} {d.message}" for d in result.diagnostics if d.severity == "error")
        raise StarterError(f"the starter policy for these arguments does not validate: {problems}",
                           "adjust --name, --accounts or --regions")
    return text


# --- writing (the CLI's only file output for init) -----------------------------------------------------


class FileExists(StarterError):
    pass


@dataclass(frozen=True, slots=True)
class Written:
    policy: Path
    schema: Path | None  # the schema file beside the policy, when one was considered
    schema_status: str  # "written" | "current" | "stale" (kept, differs) | "none" (--schema given)


def write_starter(path: Path, text: str, schema: str | None) -> Written:
    """Create ``path`` (never overwrite: :class:`FileExists`) and, when ``schema`` (its text) is given, the
    schema file beside it unless one is there already."""
    if path.exists() or path.is_symlink():
        raise FileExists(f"{path} exists; init never overwrites a file",
                         "name another file with -o, or move this one away first")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as fh:  # "x": fails if created meanwhile
            fh.write(text)
    except FileExistsError:
        raise FileExists(f"{path} exists; init never overwrites a file",
                         "name another file with -o, or move this one away first") from None
    except OSError as exc:
        raise StarterError(f"cannot write {path}: {exc.strerror or exc}", "check the directory and its "
                           "permissions") from None
    if schema is None:
        return Written(path, None, "none")
    schema_path = path.parent / DEFAULT_SCHEMA_FILE
    if not schema_path.exists():
        schema_path.write_text(schema, encoding="utf-8", newline="\n")
        return Written(path, schema_path, "written")
    current = schema_path.read_text(encoding="utf-8", errors="replace") == schema
    return Written(path, schema_path, "current" if current else "stale")


def next_steps(s: Starter, shown_path: str) -> list[str]:
    steps = []
    if s.placeholder_accounts:
        steps.append(f"replace the placeholder account ID in {shown_path} (or run init again with --accounts)")
    steps += [
        f"tag the DSQL clusters to protect backup=daily, or name them under clusters: in {shown_path}",
        f"dsql-backup validate {shown_path}",
        f"dsql-backup plan --offline {shown_path}    (a Terraform preview, no AWS access)",
        f"dsql-backup compile {shown_path} -o out",
        "commit it; the README shows the pre-commit hook, the CI templates and dsql-backup rollout",
    ]
    return steps
