"""explain, diagrams, runbooks and backup-now: golden outputs per example, gaps in an incomplete policy, the
Mermaid and SVG diagrams, runbook commands checked against the AWS service models, and backup-now through
botocore's Stubber (which validates every request against the real service model)."""

from __future__ import annotations

import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from generator.cli import main
from generator.insight.explain import Gap, explain, typed_policy
from generator.insight.explain_render import render
from generator.insight.graph import build_graph, to_dot, to_mermaid
from generator.insight.runbook import runbook
from generator.recovery import backup_now as bn
from tests.awscli_check import aws_calls
from tests.golden_explain import GOLDEN, INPUTS, expected_files, read_tree

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
INCOMPLETE = ROOT / "tests" / "explain_fixtures" / "incomplete.yaml"


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def clusters_of(path: Path) -> list[str]:
    policy, _, _ = typed_policy(str(path))
    assert policy is not None
    return sorted(policy.clusters)


# --------------------------------------------------------------------------- golden outputs


def test_there_is_a_golden_directory_per_input() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(p.stem for p in INPUTS)


@pytest.mark.parametrize("policy_file", INPUTS, ids=lambda p: p.stem)
def test_matches_golden(policy_file: Path) -> None:
    want = read_tree(GOLDEN / policy_file.stem)
    got = expected_files(policy_file)
    assert sorted(got) == sorted(want), "files differ: run `make golden` and review the diff"
    for name in sorted(got):
        assert got[name] == want[name], f"{policy_file.stem}/{name} differs: run `make golden` and review the diff"


# --------------------------------------------------------------------------- explain


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_explain_every_example_exits_0_in_every_format(example: Path) -> None:
    for fmt in ("text", "markdown", "json"):
        code, out, err = run(["explain", str(example), "--format", fmt])
        assert code == 0, err
        for key in clusters_of(example):
            assert key in out
    doc = json.loads(run(["explain", str(example), "--format", "json"])[1])
    assert doc["format"] == "dsql-backup/explain" and doc["version"] == 1
    assert doc["summary"]["gaps"] == 0
    for c in doc["clusters"]:
        assert c["coverage"] and all(h is not None for h in c["rpo_hours"].values())
        assert all(r["possible"] for r in c["restore"]), c["key"]


def test_explain_reports_the_gaps_of_an_incomplete_policy_with_rule_codes() -> None:
    policy, file, diags = typed_policy(str(INCOMPLETE))
    assert policy is not None
    e = explain(policy, diags, file)
    gaps = {c.key: c.gaps for c in e.clusters}
    peer = "add to the rule's copy_to: {vault: local, regions: peers, retention_days: %d}"
    assert gaps == {
        "events": (
            Gap("DSB221", "warning", "cluster 'events' is not backed up in us-east-2: no plan selecting it runs "
                "there", "name 'events' in a plan's targets.clusters, or add us-east-2 to the tag plan's "
                "targets.regions"),
            Gap("DSB604", "error", "rule 'hourly' of plan 'hourly' backs 'events' up in us-east-1 but copies "
                "nothing to its peer Region us-east-2: that recovery point cannot be restored as multi-Region",
                peer % 7),
        ),
        "ledger": tuple(
            Gap("DSB604", "error", f"rule 'daily' of plan 'daily' backs 'ledger' up in {a} but copies nothing to "
                f"its peer Region {b}: that recovery point cannot be restored as multi-Region", peer % 35)
            for a, b in (("us-east-1", "us-east-2"), ("us-east-2", "us-east-1"))),
        "scratch": (Gap("DSB221", "warning", "cluster 'scratch' is not protected by any plan",
                        "add 'scratch' to a plan's targets.clusters"),),
    }
    restore = {(c.key, r.kind, r.regions): r.possible for c in e.clusters for r in c.restore}
    assert restore[("ledger", "multi-Region", ("us-east-1", "us-east-2"))] is False
    assert restore[("ledger", "single-Region", ("us-east-2",))] is True
    assert restore[("events", "single-Region", ("us-east-2",))] is False
    assert restore[("scratch", "single-Region", ("us-east-1",))] is False
    assert e.errors == 3 and e.warnings == 2  # the validator's diagnostics are kept beside the gaps


def test_explain_of_an_invalid_policy_still_explains_and_exits_1() -> None:
    code, out, _ = run(["explain", str(INCOMPLETE), "--format", "markdown"])
    assert code == 1
    assert "**DSB604** (error)" in out and "**DSB221** (warning)" in out
    assert "❌ multi-Region in us-east-1 + us-east-2" in out


def test_explain_of_an_unreadable_policy_exits_1_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: [\n", encoding="utf-8")
    code, out, err = run(["explain", str(bad)])
    assert code == 1
    assert "DSB004" in out and "cannot explain it" in err and "Traceback" not in out + err


def test_explain_shows_schedule_in_words_time_zone_and_rpo() -> None:
    code, out, _ = run(["explain", str(ROOT / "examples" / "multi-region.yaml")])
    assert code == 0
    assert "plan ledger, rule weekly: every Sunday at 04:00 (America/New_York); longest gap 7 days (168 h)" in out
    assert "RPO (longest gap between backups, at most): us-east-1 24 h, us-east-2 24 h" in out


def test_explain_vaults_say_who_may_copy_in() -> None:
    doc = json.loads(run(["explain", str(ROOT / "examples" / "central-vault.yaml"), "--format", "json"])[1])
    central = next(v for v in doc["vaults"] if v["name"] == "acme-central")
    assert central["copy_in_from"] == ["orders", "payments"]
    assert central["copy_in_allowed"] == "orders (718264093516), payments (604731829455)"
    assert central["deletion"] == ("denied by the vault access policy, and so is changing or removing that policy; "
                                   "exempt: arn:aws:iam::529017364802:role/OrganizationAccountAccessRole")
    assert central["lock"] == "compliance, 30-3650 days, immutable 7 days after creation"
    assert {x["cluster"] for x in central["receives"]} == {"orders-db", "payments-db", "payments-ledger"}


def test_explain_says_when_the_whole_organization_may_copy_in() -> None:
    doc = json.loads(run(["explain", str(ROOT / "examples" / "landing-zone.yaml"), "--format", "json"])[1])
    dr = next(v for v in doc["vaults"] if v["copy_in_from"])
    assert dr["copy_in_allowed"].startswith("any account of organization o-q8w3e5r7t1 (vault access policy); "
                                            "copied in by ")


def test_explain_says_a_vault_policy_without_role_arn_does_not_guard_itself() -> None:
    doc = json.loads(run(["explain", str(ROOT / "examples" / "single-region.yaml"), "--format", "json"])[1])
    assert [v["deletion"] for v in doc["vaults"]] == [
        "denied by the vault access policy; the policy itself is not protected (the account has no role_arn)"]


# --------------------------------------------------------------------------- tag selections, from the model


TAG_ONLY = ROOT / "tests" / "explain_fixtures" / "tag-only.yaml"  # its only plan selects by tag; no cluster declared


def test_a_tag_only_policy_shows_its_selection_in_text() -> None:
    code, out, err = run(["explain", str(TAG_ONLY)])
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "gold: 0 cluster(s), 1 tag selection(s), 3 vault(s); policy valid (0 errors, 0 warnings)"
    assert ("tag selection gold/workload: every DSQL cluster in workload (111122223333) us-east-1, us-west-2 "
            "tagged tier=gold, whoever created it") in lines
    for region in ("us-east-1", "us-west-2"):
        assert (f"    {region}  plan gold, rule every-6h: every day at 00:00, 06:00, 12:00 and 18:00 (Etc/UTC); "
                "longest gap 6 h; selected by tags") in lines
        assert (f"    workload (111122223333) {region}  vault gold-local  lock none  backup by gold/every-6h, kept "
                "14 days") in lines
        assert (f"    backup (444455556666) us-east-2  vault gold-dr  lock none  copy from {region} by gold/every-6h, "
                "kept 90 days") in lines
    assert "  RPO (longest gap between backups, at most): us-east-1 6 h, us-west-2 6 h" in lines
    assert "receives nothing" not in out
    assert out.count("    receives clusters tagged tier=gold: ") == 4  # 2 backups, 2 copies


def test_a_tag_only_policy_shows_its_selection_in_markdown() -> None:
    code, out, _ = run(["explain", str(TAG_ONLY), "--format", "markdown"])
    assert code == 0
    assert "0 cluster(s), 1 tag selection(s), 3 vault(s)" in out
    assert "### Tag selection `gold/workload`" in out
    assert "every DSQL cluster in workload (111122223333) us-east-1, us-west-2 tagged tier=gold" in out
    assert "| us-west-2 | gold / every-6h | every day at 00:00, 06:00, 12:00 and 18:00 (`cron(0 */6 ? * * *)`) " \
           "| Etc/UTC | 6 h | tags |" in out
    assert "| backup (444455556666) us-east-2 | `gold-dr` | 90 days | none | copy us-west-2 by gold/every-6h |" in out
    assert "| nothing |" not in out


def test_a_tag_only_policy_shows_its_selection_in_json() -> None:
    code, out, _ = run(["explain", str(TAG_ONLY), "--format", "json"])
    assert code == 0
    doc = json.loads(out)
    assert doc["summary"] == {"errors": 0, "warnings": 0, "clusters": 0, "selections": 1, "vaults": 3, "gaps": 0}
    [s] = doc["selections"]
    assert (s["id"], s["plan"], s["account"], s["account_id"]) == ("gold/workload", "gold", "workload", "111122223333")
    assert s["regions"] == ["us-east-1", "us-west-2"] and s["tags"] == {"tier": "gold"}
    assert s["matches"] == {"us-east-1": [], "us-west-2": []}
    assert [(c["region"], c["rule"], c["selected_by"]) for c in s["coverage"]] == [
        ("us-east-1", "every-6h", "tags"), ("us-west-2", "every-6h", "tags")]
    assert s["rpo_hours"] == {"us-east-1": 6, "us-west-2": 6}
    assert {(x["kind"], x["account"], x["region"], x["vault_name"], x["source_region"], x["retention_days"])
            for x in s["landings"]} == {
        ("backup", "workload", "us-east-1", "gold-local", "us-east-1", 14),
        ("backup", "workload", "us-west-2", "gold-local", "us-west-2", 14),
        ("copy", "backup", "us-east-2", "gold-dr", "us-east-1", 90),
        ("copy", "backup", "us-east-2", "gold-dr", "us-west-2", 90)}
    for v in doc["vaults"]:
        assert v["receives"], v["name"]
        assert {(x["selection"], x["cluster"]) for x in v["receives"]} == {("gold/workload", None)}


def test_a_tag_only_policy_draws_its_selection(tmp_path: Path) -> None:
    policy, file, diags = typed_policy(str(TAG_ONLY))
    assert policy is not None
    g = build_graph(explain(policy, diags, file))
    selections = {n.id: n for n in g.nodes if n.kind == "selection"}
    assert {(n.region, n.label) for n in selections.values()} == {
        (r, "every cluster tagged tier=gold (gold)") for r in ("us-east-1", "us-west-2")}
    vaults = {n.id: n for n in g.nodes if n.kind == "vault"}
    assert {vaults[e.target].region for e in g.edges} == {"us-east-1", "us-west-2", "us-east-2"}
    backups = {(selections[e.source].region, vaults[e.target].label) for e in g.edges if e.kind == "backup"}
    assert backups == {("us-east-1", "gold-local"), ("us-west-2", "gold-local")}
    copies = {(vaults[e.source].region, vaults[e.target].label) for e in g.edges if e.kind == "copy"}
    assert copies == {("us-east-1", "gold-dr"), ("us-west-2", "gold-dr")}
    mermaid, dot = to_mermaid(g), to_dot(g)
    assert 's_gold_workload_us_east_1{{"every cluster tagged tier=gold (gold)"}}' in mermaid
    assert "s_gold_workload_us_west_2 -->" in mermaid
    assert 's_gold_workload_us_east_1 [label="every cluster tagged tier=gold (gold)", shape=hexagon' in dot
    code, _, err = run(["explain", str(TAG_ONLY), "--graph", str(tmp_path / "g.mmd")])
    assert code == 0, err
    assert (tmp_path / "g.mmd").read_text(encoding="utf-8") == mermaid


def test_a_tag_selection_names_the_declared_clusters_it_matches() -> None:
    doc = json.loads(run(["explain", str(ROOT / "examples" / "tag-based.yaml"), "--format", "json"])[1])
    [s] = doc["selections"]
    assert s["matches"] == {"us-east-1": ["storefront"], "us-east-2": []}
    storefront = next(c for c in doc["clusters"] if c["key"] == "storefront")
    assert {(c["plan"], c["selected_by"]) for c in storefront["coverage"]} == {("adopted", "name"), ("tagged", "tags")}


@pytest.mark.parametrize("fixture", sorted((ROOT / "tests" / "negative").glob("*.yaml")), ids=lambda p: p.stem)
def test_explain_never_raises_on_a_policy_with_errors(fixture: Path) -> None:
    """The model builder skips what does not resolve: every invalid policy that parses is still explained."""
    policy, file, diags = typed_policy(str(fixture))
    if policy is None:
        return  # not readable as a policy at all: explain says so (test above); nothing to build
    e = explain(policy, diags, file)
    for fmt in ("text", "markdown", "json"):
        assert render(e, fmt)
    assert to_dot(build_graph(e)).startswith("digraph")


BROKEN_REFERENCES = {  # (a text to replace in the restore-testing example, what replaces it): one broken reference each
    "restore test in an unknown account": ("only\n    account: prod\n    regions: [eu-west-2]\n    schedule",
                                           "only\n    account: qa\n    regions: [eu-west-2]\n    schedule"),
    "restore test of an unknown cluster": ("      clusters: [claims]\n    algorithm",
                                           "      clusters: [clams]\n    algorithm"),
    "framework in an unknown account": ("    baseline:\n      account: prod", "    baseline:\n      account: qa"),
    "plan into an unknown vault": ("        vault: local\n        retention_days: 35",
                                   "        vault: locl\n        retention_days: 35"),
    "copy into an unknown vault": ("        vault: local\n        retention_days: 35",
                                   "        vault: local\n        retention_days: 35\n"
                                   "        copy_to: [{ vault: dr, region: eu-west-1, retention_days: 35 }]"),
    "vault in an unknown account": ("vaults:\n  local:\n    account: prod", "vaults:\n  local:\n    account: qa"),
    "cluster in an unknown account": ("  documents:\n    account: prod", "  documents:\n    account: qa"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_REFERENCES))
def test_explain_explains_a_policy_whose_references_do_not_resolve(case: str, tmp_path: Path) -> None:
    old, new = BROKEN_REFERENCES[case]
    text = (ROOT / "examples" / "restore-testing-audit.yaml").read_text(encoding="utf-8")
    assert old in text, case
    (tmp_path / "p.yaml").write_text(text.replace(old, new), encoding="utf-8")
    code, out, err = run(["explain", str(tmp_path / "p.yaml"), "--format", "json"])
    assert code == 1, err  # explained, with the errors
    doc = json.loads(out)
    assert doc["summary"]["errors"] >= 1 and [c["key"] for c in doc["clusters"]] == ["claims", "documents"]


# --------------------------------------------------------------------------- diagrams


MERMAID_NODE = re.compile(r'^\s+([A-Za-z0-9_]+)(\(\[".*"\]\)|\[\(".*"\)\]|\{\{".*"\}\})$')  # cluster, vault, selection
MERMAID_EDGE = re.compile(r'^  ([A-Za-z0-9_]+) (?:(?:-->|-\.->)\|"[^"]*"\||-\.-) ([A-Za-z0-9_]+)$')  # -.- witness


@pytest.mark.parametrize("policy_file", INPUTS, ids=lambda p: p.stem)
def test_mermaid_is_structurally_sound(policy_file: Path) -> None:
    policy, file, diags = typed_policy(str(policy_file))
    assert policy is not None
    text = to_mermaid(build_graph(explain(policy, diags, file)))
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    depth, nodes, labels, edges = 0, set(), [], []
    for line in lines[1:]:
        if line.strip().startswith("subgraph "):
            depth += 1
            assert re.fullmatch(r'\s+subgraph [A-Za-z0-9_]+\["[^"]+"\]', line), line
        elif line.strip() == "end":
            depth -= 1
            assert depth >= 0
        elif m := MERMAID_NODE.match(line):
            assert depth == 2, f"node outside an account/Region group: {line}"
            nodes.add(m.group(1))
            labels.append(m.group(2))
        elif m := MERMAID_EDGE.match(line):
            edges.append((m.group(1), m.group(2)))
        else:
            raise AssertionError(f"unexpected Mermaid line: {line!r}")
    assert depth == 0
    assert edges, "no edges"
    assert all(s in nodes and t in nodes for s, t in edges), "an edge names an undeclared node"
    for key in policy.clusters:
        assert any(f'"{key} (' in label for label in labels), key


@pytest.mark.parametrize("example", ["central-vault", "landing-zone", "multi-region"])
def test_svg_parses_and_names_every_cluster(example: str, tmp_path: Path) -> None:
    assert shutil.which("dot"), "Graphviz 'dot' is required (.ci/run installs it: apt-get install graphviz)"
    path = ROOT / "examples" / f"{example}.yaml"
    svg = tmp_path / "graph.svg"
    code, _, err = run(["explain", str(path), "--graph", str(svg)])
    assert code == 0, err
    root = ET.parse(svg).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for key in clusters_of(path):
        assert key in texts, key


def test_png_and_mermaid_files(tmp_path: Path) -> None:
    path = str(ROOT / "examples" / "complete.yaml")
    assert run(["explain", path, "--graph", str(tmp_path / "g.png")])[0] == 0
    assert (tmp_path / "g.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert run(["explain", path, "--graph", str(tmp_path / "g.mmd")])[0] == 0
    assert (tmp_path / "g.mmd").read_text(encoding="utf-8").startswith("flowchart LR\n")


def test_svg_without_graphviz_still_explains_says_how_to_install_dot_and_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path, svg = str(ROOT / "examples" / "single-region.yaml"), tmp_path / "g.svg"
    code_plain, explanation, _ = run(["explain", path])
    monkeypatch.setattr(shutil, "which", lambda name, *args, **kwargs: None)  # no dot on PATH
    code, out, err = run(["explain", path, "--graph", str(svg)])
    assert (code_plain, code) == (0, 2)
    assert out == explanation
    assert err == ("dsql-backup: error: Graphviz 'dot' is not on PATH: install Graphviz (Debian/Ubuntu: apt-get "
                   f"install graphviz; macOS: brew install graphviz); {svg} was not written (a .mmd or .dot diagram "
                   "needs no Graphviz)\n")
    assert not svg.exists()


def test_unknown_graph_extension_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(["explain", str(ROOT / "examples" / "complete.yaml"), "--graph", str(tmp_path / "g.jpg")])
    assert code == 2 and "name a .mmd, .dot, .svg or .png file" in err


# --------------------------------------------------------------------------- runbook


RUNBOOKS = [(e, key) for e in EXAMPLES for key in clusters_of(e)]


@pytest.mark.parametrize(("example", "cluster"), RUNBOOKS, ids=lambda x: x.stem if isinstance(x, Path) else x)
def test_runbook_commands_are_valid_aws_requests(example: Path, cluster: str) -> None:
    code, out, err = run(["runbook", str(example), cluster])
    assert code == 0, err
    calls = aws_calls(out)  # AssertionError / ParamValidationError for any invalid command
    ops = [c.operation for c in calls]
    policy, _, _ = typed_policy(str(example))
    assert policy is not None
    c = policy.clusters[cluster]
    assert ops.count("StartBackupJob") == len(c.regions)
    assert "ListRecoveryPointsByBackupVault" in ops and "GetRecoveryPointRestoreMetadata" in ops
    restores = [x for x in calls if x.operation == "StartRestoreJob"]
    assert restores
    for x in calls:
        if x.operation not in ("GetCallerIdentity",):
            assert x.region, f"no --region: {x.line}"
    single = [x for x in restores if "useMultiRegionOrchestration" not in x.params["Metadata"]]
    for x in single:
        config = json.loads(x.params["Metadata"]["regionalConfig"])
        assert config[0]["region"] == x.region
        assert config[0]["isDeletionProtectionEnabled"] is c.deletion_protection
    if c.multi_region:
        assert "StartCopyJob" in ops and "ListCopyJobs" in ops
        assert len(restores) == len(single) + 1  # one multi-Region restore job
        multi = next(x for x in restores if x not in single)
        assert multi.params["Metadata"]["witnessRegion"] == c.witness_region


def test_runbook_multi_region_restore_is_the_documented_call() -> None:
    """AWS Backup's restore page: one job in the recovery point's Region; peerRegion names only the other peer."""
    code, out, err = run(["runbook", str(ROOT / "examples" / "multi-region.yaml"), "ledger"])
    assert code == 0, err
    restores = [x for x in aws_calls(out) if x.operation == "StartRestoreJob"
                and "useMultiRegionOrchestration" in x.params["Metadata"]]
    assert len(restores) == 1
    job = restores[0]
    meta = job.params["Metadata"]
    assert job.region == "us-east-1"
    assert set(meta) == {"witnessRegion", "useMultiRegionOrchestration", "peerRegion", "regionalConfig"}
    assert meta["witnessRegion"] == "us-west-2"
    assert meta["useMultiRegionOrchestration"] == "true"
    assert json.loads(meta["peerRegion"]) == ["us-east-2"]  # never the Region the job runs in
    config = json.loads(meta["regionalConfig"])
    assert [x["region"] for x in config] == ["us-east-1", "us-east-2"]
    assert all(x["isDeletionProtectionEnabled"] is True and x["kmsKeyId"].startswith("arn:aws:kms:") for x in config)
    assert "UNCONFIRMED" not in out and "needs no copy" in out


def test_runbook_for_a_cluster_without_peer_copies_copies_first(tmp_path: Path) -> None:
    text = (ROOT / "examples" / "multi-region.yaml").read_text(encoding="utf-8")
    for days in (35, 180):
        copy = f"          - {{ vault: local, regions: peers, retention_days: {days} }}\n"
        text = text.replace("        copy_to:\n" + copy, "")
    policy_file = tmp_path / "p.yaml"
    policy_file.write_text(text, encoding="utf-8")
    policy, _, diags = typed_policy(str(policy_file))
    assert policy is not None and any(d.code == "DSB604" for d in diags)
    out = runbook(policy, "ledger")
    assert "**The policy copies nothing to us-east-2 (DSB604)**: copy the recovery point first" in out
    assert "- **DSB604** rule 'daily' of plan 'ledger' backs 'ledger' up in us-east-1" in out
    assert "StartCopyJob" in [c.operation for c in aws_calls(out)]


def test_runbook_unknown_cluster_and_invalid_policy_exit_1() -> None:
    code, _, err = run(["runbook", str(ROOT / "examples" / "multi-region.yaml"), "ledgr"])
    assert code == 1 and "did you mean 'ledger'?" in err
    code, out, _ = run(["runbook", str(INCOMPLETE), "ledger"])
    assert code == 1 and "DSB604" in out


def test_runbook_writes_a_file(tmp_path: Path) -> None:
    target = tmp_path / "rb.md"
    code, out, _ = run(["runbook", str(ROOT / "examples" / "single-region.yaml"), "catalog", "-o", str(target)])
    assert code == 0 and out == ""
    assert target.read_text(encoding="utf-8").startswith("# Runbook: Aurora DSQL cluster `catalog`")


# --------------------------------------------------------------------------- backup-now


ADOPTED = ROOT / "examples" / "tag-based.yaml"  # pos-legacy is adopted: its ARN is in the policy


class Stubs:
    """A client factory handing out stubbed clients; Stubber checks each request against the service model."""

    def __init__(self) -> None:
        self.clients: dict[tuple[str, str], Any] = {}
        self.stubbers: dict[tuple[str, str], Stubber] = {}

    def stub(self, service: str, region: str) -> Stubber:
        key = (service, region)
        if key not in self.clients:
            client = boto3.client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
            self.clients[key] = client
            self.stubbers[key] = Stubber(client)
            self.stubbers[key].activate()
        return self.stubbers[key]

    def __call__(self, service: str, region: str) -> Any:
        self.stub(service, region)
        return self.clients[(service, region)]

    def verify(self) -> None:
        for s in self.stubbers.values():
            s.assert_no_pending_responses()


def test_backup_now_starts_one_job_per_region_with_valid_requests() -> None:
    policy, _, _ = typed_policy(str(ROOT / "examples" / "multi-region.yaml"))
    assert policy is not None
    arns = {r: f"arn:aws:dsql:{r}:210987654321:cluster/abcdefghijklmnopqrstuvwxy{i}"
            for i, r in enumerate(("us-east-1", "us-east-2"))}
    stubs = Stubs()
    stubs.stub("sts", "us-east-1").add_response(
        "get_caller_identity", {"Account": "210987654321", "Arn": "arn:aws:iam::210987654321:user/x", "UserId": "x"},
        {})
    for i, region in enumerate(("us-east-1", "us-east-2")):
        stubs.stub("backup", region).add_response(
            "start_backup_job", {"BackupJobId": f"job-{i}", "RecoveryPointArn": f"arn:aws:backup:{region}:"
                                 "210987654321:recovery-point:abc"},
            {"BackupVaultName": "ledger-local", "ResourceArn": arns[region],
             "IamRoleArn": "arn:aws:iam::210987654321:role/ledger-backup", "Lifecycle": {"DeleteAfterDays": 35}})
    requests = bn.plan_backup_jobs(policy, "ledger", arns)
    bn.check_account(policy, "ledger", stubs)
    started = bn.start_backup_jobs(requests, stubs)
    assert [(s.region, s.job_id) for s in started] == [("us-east-1", "job-0"), ("us-east-2", "job-1")]
    stubs.verify()


def test_backup_now_cli_prints_job_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    stubs = Stubs()
    stubs.stub("sts", "us-east-1").add_response(
        "get_caller_identity", {"Account": "046523187790", "Arn": "arn:aws:iam::046523187790:user/x", "UserId": "x"})
    stubs.stub("backup", "us-east-1").add_response("start_backup_job", {"BackupJobId": "job-42"}, {
        "BackupVaultName": "retail-local",
        "ResourceArn": "arn:aws:dsql:us-east-1:046523187790:cluster/h4kq2m9x7c3v5b8n1p6r0t2w4y",
        "IamRoleArn": "arn:aws:iam::046523187790:role/retail-backup", "Lifecycle": {"DeleteAfterDays": 90}})
    monkeypatch.setattr(bn, "boto3_factory", lambda *a, **k: stubs)
    code, out, err = run(["backup-now", str(ADOPTED), "pos-legacy"])
    assert code == 0, err
    assert out == "us-east-1\tjob-42\tretail-local\t-\n"
    stubs.verify()


def test_backup_now_refuses_credentials_of_another_account(monkeypatch: pytest.MonkeyPatch) -> None:
    stubs = Stubs()
    stubs.stub("sts", "us-east-1").add_response(
        "get_caller_identity", {"Account": "999999999999", "Arn": "arn:aws:iam::999999999999:user/x", "UserId": "x"})
    monkeypatch.setattr(bn, "boto3_factory", lambda *a, **k: stubs)
    code, _, err = run(["backup-now", str(ADOPTED), "pos-legacy"])
    assert code == 1 and "credentials are for account 999999999999" in err


def test_backup_now_aws_error_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    stubs = Stubs()
    stubs.stub("sts", "us-east-1").add_response(
        "get_caller_identity", {"Account": "046523187790", "Arn": "arn:aws:iam::046523187790:user/x", "UserId": "x"})
    stubs.stub("backup", "us-east-1").add_client_error("start_backup_job", "AccessDeniedException", "nope")
    monkeypatch.setattr(bn, "boto3_factory", lambda *a, **k: stubs)
    code, _, err = run(["backup-now", str(ADOPTED), "pos-legacy"])
    assert code == 1 and "AccessDeniedException" in err and "Traceback" not in err


def test_backup_now_needs_arns_of_managed_clusters(tmp_path: Path) -> None:
    multi = str(ROOT / "examples" / "multi-region.yaml")
    code, _, err = run(["backup-now", multi, "ledger", "--dry-run"])
    assert code == 1 and "--arn us-east-1=ARN" in err
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"cluster_arns": {"sensitive": False, "type": "map", "value": {
        "ledger/us-east-1": "arn:aws:dsql:us-east-1:210987654321:cluster/aaaaaaaaaaaaaaaaaaaaaaaaaa",
        "ledger/us-east-2": "arn:aws:dsql:us-east-2:210987654321:cluster/bbbbbbbbbbbbbbbbbbbbbbbbbb"}}}),
        encoding="utf-8")
    code, out, err = run(["backup-now", multi, "ledger", "--dry-run", "--terraform-outputs", str(outputs)])
    assert code == 0, err
    assert out.splitlines()[1].startswith('us-east-2: StartBackupJob {"BackupVaultName": "ledger-local"')
    code, _, err = run(["backup-now", multi, "ledger", "--arn", "nonsense"])
    assert code == 2 and "expected REGION=ARN" in err


@pytest.mark.parametrize("command", ["explain", "runbook", "backup-now"])
def test_help_shows_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run([command, "--help"])
    captured = capsys.readouterr()
    assert code == 0
    assert re.search(rf"^\s+dsql-backup {command}\b", out + captured.out, re.MULTILINE)
