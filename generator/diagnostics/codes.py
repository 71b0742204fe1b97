"""The registry of diagnostic codes. Codes are stable: never renumber, only add.

Grouped by stage: DSB0xx loader, DSB1xx schema, DSB2xx references, DSB3xx names and tags,
DSB4xx schedules and windows, DSB5xx retention and locks, DSB6xx Regions and multi-Region,
DSB7xx accounts and cross-account, DSB8xx capabilities, DSB9xx tool and terraform.
The README's table of codes is generated from this registry (``make docs``) and a test keeps them in step.
"""

from __future__ import annotations

from dataclasses import dataclass

from generator.diagnostics import Diagnostic, Severity


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    severity: Severity
    title: str


E, W = Severity.ERROR, Severity.WARNING

_ALL = [
    # --- loader
    Code("DSB001", E, "the policy file cannot be read"),
    Code("DSB002", E, "the policy file is larger than the size cap"),
    Code("DSB003", E, "the policy file is not UTF-8 text"),
    Code("DSB004", E, "YAML syntax error"),
    Code("DSB005", E, "duplicate key in a mapping"),
    Code("DSB006", E, "the document is empty"),
    Code("DSB007", E, "the document is not a mapping"),
    Code("DSB008", E, "YAML aliases expand past the limit"),
    Code("DSB009", E, "the document is nested too deeply"),
    Code("DSB010", E, "more than one YAML document in the file"),
    Code("DSB011", E, "mapping key is not a string"),
    Code("DSB012", E, "unsupported YAML tag"),
    Code("DSB013", W, "unquoted number with a leading zero: YAML 1.2 tools read it differently"),
    Code("DSB014", E, "more problems than a stage reports per document: the rest are counted, not listed"),
    # --- schema
    Code("DSB100", E, "value does not match the policy schema"),
    Code("DSB101", E, "required field is missing"),
    Code("DSB102", E, "unknown field"),
    Code("DSB103", E, "value has the wrong type"),
    Code("DSB104", E, "value is not one of the allowed values"),
    Code("DSB105", E, "value does not match the required pattern"),
    Code("DSB106", E, "number is out of range"),
    Code("DSB107", E, "list or mapping has the wrong size or repeats an item"),
    Code("DSB108", E, "unsupported policy version"),
    Code("DSB109", E, "YAML read an unquoted scalar as another type"),
    Code("DSB110", E, "field was renamed or removed"),
    Code("DSB111", E, "Terraform version constraint is malformed"),
    # --- references
    Code("DSB201", E, "unknown account"),
    Code("DSB202", E, "unknown cluster"),
    Code("DSB203", E, "unknown vault"),
    Code("DSB204", E, "backup vault missing in an account and Region where the plan runs"),
    Code("DSB205", E, "copy destination vault missing in the target Region"),
    Code("DSB206", E, "plan is instantiated nowhere"),
    Code("DSB207", E, "tag-based plan needs targets.accounts and targets.regions"),
    Code("DSB208", E, "restore-testing vault missing in the account and Region"),
    Code("DSB209", E, "existing cluster ARN does not match its cluster's account or Regions"),
    Code("DSB210", E, "two account keys share one account ID"),
    Code("DSB211", E, "restore-testing target cluster is not in the account and Region"),
    Code("DSB213", E, "unknown audit framework"),
    Code("DSB214", E, "copy destination account is ambiguous or has no such vault"),
    Code("DSB220", W, "vault is never used"),
    Code("DSB221", W, "cluster is not protected by any plan"),
    Code("DSB222", W, "vault created in accounts or Regions where no backup or copy lands (restore testing "
         "alone does not count)"),
    # --- names and tags
    Code("DSB301", E, "generated vault name breaks AWS naming rules"),
    Code("DSB302", E, "generated restore-testing name breaks AWS naming rules"),
    Code("DSB303", E, "rule name is invalid or repeated in its plan"),
    Code("DSB304", E, "generated plan or selection name breaks AWS naming rules"),
    Code("DSB305", E, "tag breaks AWS tag rules"),
    Code("DSB306", E, "tag breaks Aurora DSQL's narrower tag rules"),
    Code("DSB307", E, "too many tags"),
    Code("DSB309", E, "two policy keys produce the same AWS name"),
    # --- schedules and windows
    Code("DSB401", E, "schedule is not a valid AWS 6-field cron expression"),
    Code("DSB402", E, "unknown time zone"),
    Code("DSB403", E, "start window shorter than 60 minutes"),
    Code("DSB404", E, "completion window not longer than the start window"),
    # --- retention and locks
    Code("DSB501", E, "retention outside the destination vault's lock bounds"),
    Code("DSB502", E, "compliance lock without the acknowledgement"),
    Code("DSB503", E, "lock minimum retention exceeds its maximum"),
    Code("DSB504", E, "lock mode and changeable_for_days disagree"),
    Code("DSB505", W, "retention below the audit framework's minimum"),
    Code("DSB506", E, "feature not supported for Aurora DSQL"),
    Code("DSB507", E, "audit control parameter outside the range AWS accepts"),
    # --- Regions
    Code("DSB601", E, "not an Aurora DSQL Region"),
    Code("DSB602", E, "multi-Region cluster Regions are not in one Region group"),
    Code("DSB603", E, "witness Region equals a peer Region"),
    Code("DSB604", E, "multi-Region cluster cannot be restored as multi-Region"),
    Code("DSB605", E, "witness Region missing or misplaced"),
    Code("DSB606", E, "copy destination equals the source vault"),
    Code("DSB607", W, "AWS Backup support for DSQL in this Region is unconfirmed"),
    # --- accounts and cross-account
    Code("DSB701", E, "cross-account copy needs an organization"),
    Code("DSB702", W, "role ARN belongs to another account"),
    Code("DSB703", E, "KMS key ARN is in another account or Region"),
    Code("DSB704", E, "notification topic is in another account or Region"),
    Code("DSB705", E, "one key ARN cannot encrypt a multi-Region cluster"),
    Code("DSB706", W, "cross-account copy from a vault encrypted with an AWS managed key"),
    Code("DSB707", E, "notification topic key set for an existing topic"),
    Code("DSB708", W, "manual-deletion control over vaults whose policies cannot guard themselves (no role_arn)"),
    # --- capabilities
    Code("DSB801", W, "restore testing for Aurora DSQL is unconfirmed"),
    Code("DSB802", W, "deprecated notification event never fires"),
    Code("DSB803", W, "audit control scoped to DSQL is unconfirmed"),
    # --- tool
    Code("DSB900", E, "internal error"),
    Code("DSB901", E, "output directory problem"),
    Code("DSB902", E, "terraform not found or failed"),
    Code("DSB903", E, "CDKTF library or Node.js missing for a cdktf output format"),
    Code("DSB904", W, "leftover of an interrupted compile kept beside the output directory"),
]

CODES: dict[str, Code] = {c.code: c for c in _ALL}


def diag(
    code: str,
    message: str,
    hint: str = "",
    *,
    line: int = 0,
    column: int = 0,
    path: str = "$",
    file: str = "",
    source: str = "",
    severity: Severity | None = None,
) -> Diagnostic:
    """Build a diagnostic whose severity comes from the registry (an unknown code is a programming error)."""
    entry = CODES[code]
    return Diagnostic(
        code=code,
        severity=severity or entry.severity,
        message=message,
        hint=hint,
        file=file,
        line=line,
        column=column,
        path=path,
        source=source,
    )
