"""``dsql-backup init``: the starter validates for any sensible accounts and Regions (its commented extras
too, once switched on), carries the editor's ``$schema`` line, and never overwrites a file."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.aws.capabilities import load_capabilities
from generator.cli import main
from generator.policy.schema import schema_text
from generator.policy.starter import DEFAULT_SCHEMA_FILE, parse_starter, render_starter
from generator.policy.validate import validate_file, validate_text

CAPS = load_capabilities()
BACKUP_REGIONS = [r for r in CAPS.dsql_regions if CAPS.backup_supported(r, multi_region=False)]
# A commented extra is a line whose text after "# " is YAML: a key (lowercase) and a colon, or a list item.
EXTRA = re.compile(r"^(?P<indent>\s*)# (?P<yaml>\s*(?:[a-z][a-z0-9_]*:(?:\s|$)|- ).*)$")


def run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def switch_on_extras(text: str) -> str:
    return "\n".join(EXTRA.sub(r"\g<indent>\g<yaml>", line) for line in text.splitlines()) + "\n"


def assert_clean(text: str) -> None:
    v = validate_text(text, "starter.yaml")
    assert v.diagnostics == (), [f"{d.line}: {d.code} {d.message}" for d in v.diagnostics]


def test_default_init_writes_a_policy_that_validates_and_its_schema(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["init"])
    assert (code, err) == (0, "")
    policy = tmp_path / "dsql-backup.yaml"
    text = policy.read_text(encoding="utf-8")
    assert text.splitlines()[0] == f"# yaml-language-server: $schema={DEFAULT_SCHEMA_FILE}"
    assert (tmp_path / DEFAULT_SCHEMA_FILE).read_text(encoding="utf-8") == schema_text()
    assert validate_file(policy).diagnostics == ()
    assert run(["validate", "--strict", "dsql-backup.yaml"])[0] == 0
    assert out.startswith("wrote dsql-backup.yaml: policy backups, account(s) prod, Region(s) us-east-1\n"
                          f"wrote {DEFAULT_SCHEMA_FILE}: ")
    assert "next:\n  - replace the placeholder account ID in dsql-backup.yaml" in out
    assert "  - dsql-backup validate dsql-backup.yaml\n" in out
    assert "# replace with your account ID" in text


@pytest.mark.parametrize(("accounts", "regions"), [
    pytest.param(["prod=111111111111"], ["us-east-1"], id="one-account-one-region"),
    pytest.param(["prod=111111111111,staging=222222222222"], ["us-east-1,us-east-2,us-west-2"], id="two-by-three"),
    pytest.param(["prod=011111111111", "dev=222222222222", "333333333333"], ["eu-west-1", "eu-central-1"],
                 id="repeated-flags-leading-zero-bare-id"),
    pytest.param(["a=111111111111, b_2=222222222222"], [" ap-northeast-1 , us-east-1 "], id="spaces-two-groups"),
    pytest.param([",".join(f"acct{i}={i:012d}" for i in range(1, 13))], [",".join(BACKUP_REGIONS)],
                 id="twelve-accounts-every-region"),
])
def test_init_output_validates_with_its_extras_switched_on_too(accounts: list[str], regions: list[str],
                                                               tmp_path: Path) -> None:
    target = tmp_path / "policies" / "team.dsql-backup.yaml"
    argv = ["init", "-o", str(target), "--name", "team-a"]
    for a in accounts:
        argv += ["--accounts", a]
    for r in regions:
        argv += ["--regions", r]
    code, _, err = run(argv)
    assert code == 0, err
    text = target.read_text(encoding="utf-8")
    assert_clean(text)
    extras = switch_on_extras(text)
    assert extras != text
    for key in ("terraform:", "  backend:", "clusters:", "  orders:", "      clusters: [orders]", "        copy_to:"):
        assert re.search(f"^{re.escape(key)}", extras, re.MULTILINE), key
    assert_clean(extras)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    keys=st.lists(st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,39}", fullmatch=True), min_size=1, max_size=6,
                  unique_by=str.lower),
    regions=st.lists(st.sampled_from(BACKUP_REGIONS), min_size=1, max_size=6, unique=True),
    name=st.from_regex(r"[a-z][a-z0-9-]{1,23}", fullmatch=True),
)
def test_any_sensible_arguments_give_a_starter_without_diagnostics(keys: list[str], regions: list[str],
                                                                   name: str) -> None:
    accounts = [",".join(f"{k}={i + 100000000000}" for i, k in enumerate(keys))]
    starter = parse_starter(name, accounts, regions, CAPS)
    text = render_starter(starter, CAPS, "dsql-backup.schema.json")
    assert_clean(text)
    assert_clean(switch_on_extras(text))


def test_init_never_overwrites_a_file(tmp_path: Path) -> None:
    target = tmp_path / "policy.yaml"
    target.write_text("mine\n", encoding="utf-8")
    code, out, err = run(["init", "-o", str(target)])
    assert (code, out) == (1, "")
    assert err == (f"dsql-backup: {target} exists; init never overwrites a file\n"
                   "    hint: name another file with -o, or move this one away first\n")
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert not (tmp_path / DEFAULT_SCHEMA_FILE).exists()


def test_init_twice_refuses_the_second_time(tmp_path: Path) -> None:
    target = tmp_path / "dsql-backup.yaml"
    assert run(["init", "-o", str(target)])[0] == 0
    first = target.read_bytes()
    assert run(["init", "-o", str(target), "--name", "other"])[0] == 1
    assert target.read_bytes() == first


def test_an_existing_schema_file_is_kept(tmp_path: Path) -> None:
    (tmp_path / DEFAULT_SCHEMA_FILE).write_text("{}\n", encoding="utf-8")
    code, out, _ = run(["init", "-o", str(tmp_path / "dsql-backup.yaml")])
    assert code == 0
    assert (tmp_path / DEFAULT_SCHEMA_FILE).read_text(encoding="utf-8") == "{}\n"
    assert f"kept {tmp_path / DEFAULT_SCHEMA_FILE}, which differs from this version's schema" in out


def test_schema_option_points_the_first_line_elsewhere_and_writes_no_schema(tmp_path: Path) -> None:
    url = "https://example.com/schemas/policy.v1.json"
    code, _, _ = run(["init", "-o", str(tmp_path / "dsql-backup.yaml"), "--schema", url])
    assert code == 0
    assert (tmp_path / "dsql-backup.yaml").read_text(encoding="utf-8").startswith(
        f"# yaml-language-server: $schema={url}\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dsql-backup.yaml"]


def test_dash_prints_the_starter_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["init", "-o", "-", "--accounts", "prod=111111111111"])
    assert (code, err) == (0, "")
    assert out.startswith("# yaml-language-server: $schema=")
    assert_clean(out)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("argv", "message"), [
    pytest.param(["--accounts", "prod=1234"], "--accounts prod=1234: '1234' is not a 12-digit AWS account ID",
                 id="short-id"),
    pytest.param(["--accounts", "9prod=111111111111"], "--accounts 9prod=111111111111: '9prod' is not a valid "
                 "account key", id="bad-key"),
    pytest.param(["--accounts", "a=111111111111,a=222222222222"], "--accounts: the key 'a' is given twice",
                 id="duplicate-key"),
    pytest.param(["--accounts", "a=111111111111,b=111111111111"],
                 "--accounts: the account ID 111111111111 is given twice", id="duplicate-id"),
    pytest.param(["--accounts", ","], "--accounts: no account given", id="empty-accounts"),
    pytest.param(["--regions", "us-east-7"], "--regions: us-east-7 is not a Region where Aurora DSQL is "
                 "available", id="unknown-region"),
    pytest.param(["--regions", "ap-east-1"], "--regions: the capability table", id="no-backup-support"),
    pytest.param(["--name", "Payments"], "--name 'Payments' is not a valid policy name", id="bad-name"),
])
def test_bad_arguments_are_usage_errors_and_write_nothing(argv: list[str], message: str, tmp_path: Path) -> None:
    code, out, err = run(["init", "-o", str(tmp_path / "p.yaml"), *argv])
    assert (code, out) == (2, "")
    assert err.startswith(f"dsql-backup: {message}"), err
    assert "\n    hint: " in err
    assert list(tmp_path.iterdir()) == []
