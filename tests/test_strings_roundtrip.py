"""Property: any string the schema and rules accept reaches terraform's plan unchanged (HCL quoting is exact).

Free text (framework descriptions: any Unicode, quotes, backslashes, newlines, ``${`` and ``%{`` template
sequences) and tag values (the AWS tag character set, in any language) are written into a policy, compiled,
planned offline by the real terraform, and read back from ``terraform show -json``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.aws.capabilities import load_capabilities
from generator.output.compile import compile_policy
from generator.policy.validate import validate_text
from generator.terraform.binary import TerraformRunner
from generator.terraform.offline import preview

CAPS = load_capabilities()

TRICKY = [
    'say "hi"', "back\\slash", "${var.secret}", "%{ if true }x%{ endif }", "$${already}", "line1\nline2",
    "tab\there", "ünïcödé ✓ 日本語 🚀", "trailing backslash \\", "{}[]=#//*", "a\r\nb", "\u0001ctl\u007f",
]

free_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=60)
tag_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)


def tag_values(n: int) -> st.SearchStrategy[list[str]]:
    """``n`` texts AWS accepts as tag values, each drawn as ``tag_text.filter(tag_value_ok)`` would draw it: the
    acceptable ones among 6n random texts. (Most random texts are not acceptable, and a filtered element that
    fails 3 draws in a row throws the whole example away: a list of 12 filtered elements seldom comes out.)"""
    return st.lists(tag_text, min_size=6 * n, max_size=6 * n).map(
        lambda drafts: [v for v in drafts if CAPS.tag_value_ok(v, dsql=False)][:n]).filter(lambda vs: len(vs) == n)


def _policy(descriptions: list[str], tag_values: list[str]) -> str:
    doc = {
        "version": 1,
        "name": "strings",
        "accounts": {"prod": {"id": "111111111111"}},
        "clusters": {"db": {"account": "prod", "regions": ["us-east-1"]}},
        "vaults": {"local": {"account": "prod", "regions": ["us-east-1"], "kms_key": "aws-managed",
                             "tags": {f"t{i}": v for i, v in enumerate(tag_values)}}},
        "plans": {"daily": {"targets": {"clusters": ["db"]}, "rules": [
            {"name": "daily", "schedule": "cron(0 5 ? * * *)", "vault": "local", "retention_days": 7}]}},
        "audit": {"frameworks": {f"f{i}": {"account": "prod", "regions": ["us-east-1"],
                                           "controls": ["plans_cover_clusters"], "description": d}
                                 for i, d in enumerate(descriptions)}},
    }
    return yaml.dump(doc, Dumper=_Quoting, allow_unicode=True, sort_keys=False)


class _Quoting(yaml.SafeDumper):
    """Every string double-quoted, so YAML's own line breaks (U+0085, U+2028, U+2029) are written as escapes:
    a plain or single-quoted scalar would fold them into spaces before dsql-backup ever sees them."""


_Quoting.add_representer(str, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", s, style='"'))


def _roundtrip(runner: TerraformRunner, descriptions: list[str], tag_values: list[str]) -> None:
    v = validate_text(_policy(descriptions, tag_values), "strings.yaml")
    assert v.policy is not None, [d.message for d in v.diagnostics if d.severity == "error"]
    with tempfile.TemporaryDirectory() as tmp:
        [pv] = preview(compile_policy(v.policy), runner, Path(tmp), show=True)
    assert pv.status == "changes", pv.diagnostics
    assert pv.plan_json is not None
    after = {rc["address"]: rc["change"]["after"] for rc in pv.plan_json["resource_changes"]}
    for i, d in enumerate(descriptions):
        assert after[f"aws_backup_framework.f{i}_us_east_1"]["description"] == d
    assert after["aws_backup_vault.local_us_east_1"]["tags"] == {f"t{i}": t for i, t in enumerate(tag_values)}


def test_tricky_strings_arrive_unchanged(tf_runner: TerraformRunner) -> None:
    _roundtrip(tf_runner, [*TRICKY, "\x85", "next\x85line \u2028 \u2029"],
               ["a b", "München", "x=y+z@w:v/u.t_s-r", "", "日本"])


# Each example costs one offline terraform plan (about 10 CPU seconds, nearly all of it terraform and the
# provider starting, whatever the number of strings), and the strings of one example are checked each on its
# own: many strings per example rather than many examples. Hypothesis's first example is its simplest (every
# string "0" or ""), the second a random one: 24 random descriptions and 12 random tag values, as many as
# the 3 random examples of 8 and 4 this test drew before, in one plan instead of three.
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
@given(descriptions=st.lists(free_text, min_size=24, max_size=24),
       tag_values=tag_values(12))
def test_generated_strings_arrive_unchanged(tf_runner: TerraformRunner, descriptions: list[str],
                                            tag_values: list[str]) -> None:
    _roundtrip(tf_runner, descriptions, tag_values)
