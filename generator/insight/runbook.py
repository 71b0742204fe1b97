"""A restore runbook for one cluster: the exact steps and AWS CLI commands to take an on-demand backup, find
recovery points, and restore the cluster single-Region and multi-Region. Pure: returns Markdown.

Everything known when the policy is compiled is written out (Regions, vault names and ARNs, role ARNs,
retention, adopted cluster ARNs); what is only known at restore time is a shell variable, filled by a command
shown right before it (cluster ARNs from ``terraform output``, the newest recovery point, job IDs, created KMS
key ARNs). Commands are plain POSIX shell; JSON arguments are single-quoted or written with a heredoc.

Restore facts, with their status in the facts document (section 1.4 and "Confirmed 2026-12") and source,
are kept in :data:`RESTORE_FACTS` below, not spread through the text. The multi-Region restore is the
documented one: one ``start-restore-job`` in the Region of the recovery point, with the metadata
``witnessRegion``, ``useMultiRegionOrchestration``, ``peerRegion`` (the other peer only) and
``regionalConfig``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from generator.aws import naming
from generator.aws.capabilities import load_capabilities
from generator.insight.explain import ClusterView, Landing, explain_model
from generator.insight.recovery_sites import kms_choice, role_arns
from generator.model.build import build_model
from generator.model.documents import vault_arn
from generator.model.nodes import Model
from generator.policy.typed import Cluster, Policy

RESTORE_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/restore-auroradsql.html"
BACKUP_PAGE = "https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-aurora.html"


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    status: str  # CONFIRMED | PARTIAL | UNCONFIRMED | INFERENCE (facts document, section 0)
    source: str


RESTORE_FACTS: tuple[Fact, ...] = (
    Fact("Restoring an Aurora DSQL recovery point always creates a new cluster; the original is not touched.",
         "CONFIRMED", RESTORE_PAGE),
    Fact("Single-Region restore metadata is `regionalConfig`: a JSON-encoded string holding an array of objects "
         "with `region`, `isDeletionProtectionEnabled` and `kmsKeyId` (each optional).", "CONFIRMED", RESTORE_PAGE),
    Fact("A recovery point covers one Region of a multi-Region cluster; each Region is backed up separately.",
         "CONFIRMED", BACKUP_PAGE),
    Fact("A multi-Region restore is one `start-restore-job` in the Region of the recovery point, with metadata "
         "`witnessRegion`, `useMultiRegionOrchestration` = `\"true\"`, `peerRegion` (a JSON array of the *other* "
         "peer Region only) and `regionalConfig` (one object per peer Region).", "CONFIRMED", RESTORE_PAGE),
    Fact("A multi-Region restore needs an identical copy of the recovery point (same resource name and creation "
         "time) in the peer Region, in the same Region group; the witness Region needs no copy.",
         "CONFIRMED", RESTORE_PAGE),
    Fact("Besides the AWS Backup role, whoever starts a multi-Region restore needs `backup:StartRestoreJob`, "
         "`dsql:UpdateCluster`, `dsql:AddPeerCluster` and `dsql:RemovePeerCluster`.", "CONFIRMED", RESTORE_PAGE),
    Fact("Copies and restores into an account that never used Aurora DSQL fail with insufficient permissions "
         "without the DSQL service-linked role; the compiled roots create it where DSQL recovery points arrive.",
         "CONFIRMED", RESTORE_PAGE),
    Fact("A DSQL recovery point ARN may be `arn:aws:backup:...:recovery-point:...` or "
         "`arn:aws:dsql:...:cluster/.../backup/...`; the commands below never assume either form.",
         "PARTIAL", RESTORE_PAGE),
    Fact("A copy's recovery points are listed under the ARN of the cluster that was backed up "
         "(`--by-resource-arn` with the source Region's cluster ARN).", "INFERENCE", BACKUP_PAGE),
)

PLURAL = {"backup": "backups", "copy": "copies"}


@dataclass
class _Doc:
    lines: list[str] = field(default_factory=list)

    def para(self, *text: str) -> None:
        self.lines += [*text, ""]

    def sh(self, *commands: str) -> None:
        self.lines += ["```sh", *commands, "```", ""]


def _var(name: str, region: str) -> str:
    return f"{name}_{naming.region_alias(region).upper()}"


def _jq_key(cluster: str, region: str) -> str:
    return ".[" + json.dumps(f"{cluster}/{region}") + "]"


def _q(value: str) -> str:
    """Single-quote for the shell."""
    return "'" + value.replace("'", "'\\''") + "'"


class _Runbook:
    def __init__(self, policy: Policy, model: Model, cluster: Cluster, view: ClusterView) -> None:
        self.p = policy
        self.c = cluster
        self.view = view
        self.doc = _Doc()
        self.account_id = policy.accounts[cluster.account].id
        self.role_arns = role_arns(policy, model)  # the AWS Backup role of each account
        self.root = next((root.name for root in model.roots if any(x.key == cluster.key for x in root.clusters)), "")

    def role_arn(self, account: str) -> str:
        return self.role_arns[account]

    def vault_for(self, account: str, region: str, source: str) -> Landing | None:
        """Where the cluster's recovery points from ``source`` land in ``account``/``region``: its backup
        vault there, else a copy's vault."""
        here = [x for x in self.view.landings if x.account == account and x.region == region
                and x.source_region == source]
        return next((x for x in here if x.kind == "backup"), here[0] if here else None)

    def newest(self, var: str, landing: Landing) -> str:
        return (f"{var}=$(aws backup list-recovery-points-by-backup-vault --region {landing.region} "
                f"--backup-vault-name {landing.vault_name} "
                f"--by-resource-arn \"${_var('CLUSTER_ARN', landing.source_region)}\" "
                "--query 'sort_by(RecoveryPoints[?Status==`COMPLETED`], &CreationDate)[-1].RecoveryPointArn' "
                "--output text)")

    def kms_key(self, region: str, account: str) -> tuple[list[str], str | None]:
        """Commands that set the KMS key for a cluster restored in ``region``, and the value to use."""
        choice = kms_choice(self.p, self.c.key, account, region)
        if choice.kind == "alias":
            var = _var("KMS_KEY_ARN", region)
            return [f"{var}=$(aws kms describe-key --region {region} --key-id {choice.value} "
                    "--query KeyMetadata.Arn --output text)"], f"${var}"
        return [], choice.value if choice.kind == "arn" else None

    # --- sections
    def build(self) -> str:
        c, v = self.c, self.view
        d = self.doc
        kind = (f"multi-Region ({' + '.join(c.regions)}, witness {c.witness_region})" if c.multi_region
                else f"single-Region ({c.regions[0]})")
        d.para(f"# Runbook: Aurora DSQL cluster `{c.key}` (policy `{self.p.name}`)",
               f"Account `{c.account}` ({self.account_id}), {kind}. Generated by `dsql-backup runbook`; "
               "regenerate it whenever the policy changes.")
        d.para("## Facts this runbook relies on")
        d.lines += [f"- **{f.status}**: {f.text} ({f.source})" for f in RESTORE_FACTS]
        d.lines.append("")
        if v.gaps:
            d.para("## Gaps in this cluster's protection")
            d.lines += [f"- **{g.code}** {g.message}. Hint: {g.hint}" for g in v.gaps]
            d.lines.append("")
        self.before()
        self.on_demand()
        self.recovery_points()
        self.single_region()
        if c.multi_region:
            self.multi_region()
        self.drill()
        self.after()
        return "\n".join(d.lines).rstrip("\n") + "\n"

    def before(self) -> None:
        c, d = self.c, self.doc
        d.para("## 0. Before you start",
               f"Use credentials for account `{c.account}` ({self.account_id}); this must print {self.account_id}:")
        d.sh("aws sts get-caller-identity --query Account --output text")
        if c.adopted:
            d.para("The cluster is adopted (`existing_arns`); its ARNs are known:")
            d.sh(*(f"{_var('CLUSTER_ARN', r)}={_q(c.existing_arns[r])}" for r in c.regions))
        else:
            root = self.root
            d.para("The cluster's ARNs are outputs of the Terraform root that created it (`OUT` is the directory "
                   "`dsql-backup compile` wrote):")
            d.sh("OUT=${OUT:-out}", *(
                f"{_var('CLUSTER_ARN', r)}=$(terraform -chdir=\"$OUT/{root}\" output -json cluster_arns "
                f"| jq -r {_q(_jq_key(c.key, r))})" for r in c.regions))

    def on_demand(self) -> None:
        c, d = self.c, self.doc
        d.para("## 1. Take an on-demand backup",
               "One backup job per Region (a recovery point covers one Region). On-demand jobs do not run the "
               "plan's copy actions: copy the recovery point yourself when you need it elsewhere (step 4 shows "
               "how). `dsql-backup backup-now` starts the same jobs through boto3.")
        for region in c.regions:
            rule = next((x for x in self.view.coverage if x.region == region), None)
            landing = next((x for x in self.view.landings if x.kind == "backup" and x.region == region
                            and x.account == c.account and rule is not None and x.plan == rule.plan
                            and x.rule == rule.rule), None)
            if landing is None:
                d.para(f"- {region}: no plan backs the cluster up here, so the policy names no vault for it "
                       "(DSB221); add one before relying on on-demand backups.")
                continue
            job = _var("BACKUP_JOB_ID", region)
            d.para(f"{region}: into vault `{landing.vault_name}`, kept {landing.retention_days} days like rule "
                   f"`{landing.plan}/{landing.rule}`:")
            d.sh(f"{job}=$(aws backup start-backup-job --region {region} --backup-vault-name {landing.vault_name} "
                 f"--resource-arn \"${_var('CLUSTER_ARN', region)}\" --iam-role-arn {self.role_arn(c.account)} "
                 f"--lifecycle {_q(json.dumps({'DeleteAfterDays': landing.retention_days}))} "
                 "--query BackupJobId --output text)",
                 f"aws backup describe-backup-job --region {region} --backup-job-id \"${job}\" "
                 "--query '[State, RecoveryPointArn]' --output text")

    def recovery_points(self) -> None:
        d = self.doc
        d.para("## 2. List recovery points, by vault",
               "Newest first. Vaults in another account need that account's credentials.")
        seen: set[tuple[str, str, str, str]] = set()
        for x in self.view.landings:
            key = (x.account, x.region, x.vault_name, x.source_region)
            if key in seen:
                continue
            seen.add(key)
            d.para(f"`{x.vault_name}` in `{x.account}` ({x.account_id}) {x.region}, recovery points of the "
                   f"cluster in {x.source_region}:")
            d.sh(f"aws backup list-recovery-points-by-backup-vault --region {x.region} "
                 f"--backup-vault-name {x.vault_name} --by-resource-arn \"${_var('CLUSTER_ARN', x.source_region)}\" "
                 "--query 'reverse(sort_by(RecoveryPoints, &CreationDate))[].[CreationDate, Status, RecoveryPointArn]' "
                 "--output table")
        if not seen:
            d.para("No recovery point of this cluster lands anywhere (DSB221).")

    def single_region(self) -> None:
        c, d = self.c, self.doc
        d.para("## 3. Restore as a single-Region cluster",
               "Each block restores the newest completed recovery point into a new single-Region cluster, with "
               f"deletion protection {'on' if c.deletion_protection else 'off'} as in the policy. To restore an "
               "older one, set `RECOVERY_POINT_ARN` from step 2 instead.")
        for r in self.view.restore:
            if r.kind != "single-Region":
                continue
            region = r.regions[0]
            title = f"### {region} in account `{r.account}`"
            if not r.possible:
                d.para(title, f"Not possible: {r.detail}.")
                continue
            source = region if region in c.regions and self.vault_for(r.account, region, region) else next(
                x.source_region for x in self.view.landings if x.account == r.account and x.region == region)
            landing = self.vault_for(r.account, region, source)
            assert landing is not None
            kms_cmds, kms = self.kms_key(region, r.account)
            config: dict[str, object] = {"region": region, "isDeletionProtectionEnabled": c.deletion_protection}
            if kms:
                config["kmsKeyId"] = kms
            metadata = json.dumps({"regionalConfig": json.dumps([config])})
            file = f"restore-{c.key}-{region}.json"
            job = _var("RESTORE_JOB_ID", region)
            notes = [title, f"From vault `{landing.vault_name}` ({landing.kind}s of the cluster in {source})."]
            if r.account != c.account:
                notes.append(f"Run with credentials for account `{r.account}` ({landing.account_id}); the new "
                             "cluster is created in that account.")
            if not kms:
                notes.append("`kmsKeyId` is left out: the new cluster gets the default key (set `kmsKeyId` to use "
                             "a customer managed key of that Region).")
            d.para(*notes)
            d.sh(self.newest("RECOVERY_POINT_ARN", landing),
                 f"aws backup get-recovery-point-restore-metadata --region {region} "
                 f"--backup-vault-name {landing.vault_name} --recovery-point-arn \"$RECOVERY_POINT_ARN\"",
                 *kms_cmds,
                 f"cat > {file} <<EOF", metadata, "EOF",
                 f"{job}=$(aws backup start-restore-job --region {region} --recovery-point-arn "
                 f"\"$RECOVERY_POINT_ARN\" --iam-role-arn {self.role_arn(r.account)} --metadata file://{file} "
                 "--copy-source-tags-to-restored-resource --query RestoreJobId --output text)",
                 f"aws backup describe-restore-job --region {region} --restore-job-id \"${job}\" "
                 "--query '[Status, CreatedResourceArn]' --output text")

    def multi_region(self) -> None:
        c, d = self.c, self.doc
        a, b = c.regions
        source = self.vault_for(c.account, a, a)
        peer_copy = next((x for x in self.view.landings if x.kind == "copy" and x.account == c.account
                          and x.region == b and x.source_region == a), None)
        d.para("## 4. Restore as a multi-Region cluster",
               f"One restore job in {a}, from the recovery point there, with an identical copy of it (same "
               f"resource name and creation time) in the peer Region {b}; the witness Region {c.witness_region} "
               "needs no copy. AWS Backup creates both peers and sets up the witness.")
        if source is None:
            d.para(f"Not possible: no recovery point of the cluster lands in {a} in its own account (DSB221).")
            return
        if peer_copy is not None:
            dest_name, days = peer_copy.vault_name, peer_copy.retention_days
            d.para(f"The plan copies every backup from {a} to `{dest_name}` in {b} "
                   f"(`{peer_copy.plan}/{peer_copy.rule}`): find that copy, and copy the recovery point yourself "
                   "only when the copy is missing (an on-demand backup, or a copy job that has not finished).")
        else:
            own = self.p.vaults.get(source.vault)
            dest = source.vault if own and b in own.regions and c.account in own.accounts else next(
                (k for k, vv in sorted(self.p.vaults.items()) if c.account in vv.accounts and b in vv.regions), None)
            if dest is None:
                d.para(f"Not possible: the policy has no vault in {b} in account `{c.account}` to copy into "
                       "(DSB604). Add one, and a `regions: peers` copy to the rule.")
                return
            dest_name, days = naming.vault_name(self.p.name, dest), source.retention_days
            d.para(f"**The policy copies nothing to {b} (DSB604)**: copy the recovery point first, into "
                   f"`{dest_name}` in {b}.")
        dest_arn = vault_arn(b, self.account_id, dest_name)
        role = self.role_arn(c.account)
        d.para(f"### 4a. The recovery point in {a} and its copy in {b}")
        d.sh(self.newest("RECOVERY_POINT_ARN", source),
             f"PEER_RECOVERY_POINT_ARN=$(aws backup list-copy-jobs --region {a} "
             f"--by-source-recovery-point-arn \"$RECOVERY_POINT_ARN\" --by-destination-vault-arn {dest_arn} "
             "--by-state COMPLETED --query 'CopyJobs[0].DestinationRecoveryPointArn' --output text)",
             "echo \"copy in the peer Region: $PEER_RECOVERY_POINT_ARN\"")
        d.para(f"If that printed `None`, copy the recovery point to {b} and wait for the job to complete:")
        d.sh(f"COPY_JOB_ID=$(aws backup start-copy-job --region {a} --recovery-point-arn \"$RECOVERY_POINT_ARN\" "
             f"--source-backup-vault-name {source.vault_name} --destination-backup-vault-arn {dest_arn} "
             f"--iam-role-arn {role} --lifecycle {_q(json.dumps({'DeleteAfterDays': days}))} "
             "--query CopyJobId --output text)",
             f"aws backup describe-copy-job --region {a} --copy-job-id \"$COPY_JOB_ID\" "
             "--query 'CopyJob.[State, DestinationRecoveryPointArn]' --output text")
        file = f"restore-{c.key}-multi-region.json"
        kms_cmds: list[str] = []
        configs: list[dict[str, object]] = []
        for r in c.regions:
            cmds, kms = self.kms_key(r, c.account)
            kms_cmds += cmds
            configs.append({"region": r, "isDeletionProtectionEnabled": c.deletion_protection,
                            **({"kmsKeyId": kms} if kms else {})})
        metadata = json.dumps({
            "witnessRegion": c.witness_region,
            "useMultiRegionOrchestration": "true",
            "peerRegion": json.dumps([b]),  # the other peer only, never the Region the job runs in
            "regionalConfig": json.dumps(configs),
        })
        d.para("### 4b. Restore metadata",
               f"As AWS documents it ({RESTORE_PAGE}): `witnessRegion`, `useMultiRegionOrchestration`, "
               f"`peerRegion` naming only the other peer ({b}), and `regionalConfig` with deletion protection "
               f"{'on' if c.deletion_protection else 'off'} as in the policy and the KMS key of each Region"
               + ("" if all("kmsKeyId" in x for x in configs) else " (left out: the default key)") + ":")
        d.sh(*kms_cmds, f"cat > {file} <<EOF", metadata, "EOF")
        d.para("### 4c. Start the restore",
               "As the AWS Backup role named in the command, with credentials allowed `backup:StartRestoreJob`, "
               "`dsql:UpdateCluster`, `dsql:AddPeerCluster` and `dsql:RemovePeerCluster`:")
        d.sh(f"RESTORE_JOB_ID=$(aws backup start-restore-job --region {a} --recovery-point-arn \"$RECOVERY_POINT_ARN\" "
             f"--iam-role-arn {role} --metadata file://{file} --copy-source-tags-to-restored-resource "
             "--query RestoreJobId --output text)",
             f"aws backup describe-restore-job --region {a} --restore-job-id \"$RESTORE_JOB_ID\" "
             "--query '[Status, CreatedResourceArn]' --output text")

    def drill(self) -> None:
        c, name = self.c, self.p.name
        self.doc.para("## 5. The same through dsql-backup, and the drill that proves it",
                      "`dsql-backup restore` runs steps 2 to 4 through boto3 (it finds the newest recovery point, "
                      "copies it to the peer Region when a multi-Region restore needs it, waits and prints the new "
                      "endpoints). `dsql-backup drill` restores the newest recovery point into a throw-away cluster, "
                      "checks its age against the RPO and the time to ACTIVE, and deletes it; run it on a schedule "
                      f"(examples/ci has GitHub Actions and GitLab templates). `POLICY` is the file of policy "
                      f"`{name}`.")
        multi = " --multi-region" if c.multi_region else ""
        if c.adopted:  # the policy names the cluster's ARNs
            arns, cmds = "", []
        else:
            arns = " --terraform-outputs outputs.json"
            cmds = [f"terraform -chdir=\"$OUT/{self.root}\" output -json > outputs.json"]
        self.doc.sh(*cmds, f"dsql-backup restore \"$POLICY\" {c.key} --latest{multi}{arns}",
                    f"dsql-backup drill \"$POLICY\" --cluster {c.key}{arns} --junit drill.xml --markdown drill.md")

    def after(self) -> None:
        self.doc.para("## After a restore",
                      "- `describe-restore-job` returns `CreatedResourceArn`: the new cluster. Point applications "
                      "at its endpoint.",
                      "- The new cluster is not managed by this policy's Terraform: adopt it with "
                      "`existing_arns` (so it is backed up) or import it, and retire the old cluster deliberately.",
                      "- Restore jobs need the AWS Backup role to use the KMS keys involved; a job can succeed and "
                      "restore nothing when it cannot.")


def runbook(policy: Policy, cluster: str) -> str:
    """The runbook of ``cluster`` (a key of ``policy.clusters``; ``KeyError`` otherwise), from the model
    ``compile`` builds: where its recovery points land, the roles and the root that creates the cluster."""
    c = policy.clusters[cluster]
    model = build_model(policy, load_capabilities())
    view = next(v for v in explain_model(model).clusters if v.key == cluster)
    return _Runbook(policy, model, c, view).build()
