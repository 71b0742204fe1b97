"""The command line's contract: exit codes, output formats (text, JSON envelope, SARIF 2.1.0), the
schema/codes/help commands, what compile writes (and refuses to write), and no traceback for bad input.

Most tests call ``generator.cli.main(argv, stdout=..., stderr=...)`` in-process; a few run
``python -m generator`` in a subprocess, end to end.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from generator import __version__
from generator.cli import main
from generator.diagnostics.codes import CODES

Capsys = pytest.CaptureFixture[str]
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES_DIR = ROOT / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*.yaml"))
WITH_WARNINGS = EXAMPLES_DIR / "complete.yaml"

DIAG_LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|note) "
                       r"(?P<code>DSB\d{3}) (?P<msg>\S.*)$")
DETAIL_LINE = re.compile(r"^    (hint|source): \S.*$")


def run(argv: list[str]) -> tuple[int, str, str]:
    """Run the CLI in-process with its own streams: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def run_all(argv: list[str], capsys: Capsys) -> tuple[int, str, str]:
    """In-process, also collecting what went to sys.stdout / sys.stderr (argparse writes there)."""
    code, out, err = run(argv)
    captured = capsys.readouterr()
    return code, out + captured.out, err + captured.err


def run_subprocess(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text
        assert 'File "' not in text, text


def snapshot(directory: Path) -> dict[str, bytes | None]:
    """Every file (bytes) and directory (None) under ``directory``, by relative path."""
    out: dict[str, bytes | None] = {}
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory).as_posix()
        out[rel] = None if path.is_dir() else path.read_bytes()
    return out


# A policy with one error and one warning, at known places.
INVALID_POLICY = (EXAMPLES_DIR / "single-region.yaml").read_text(encoding="utf-8").replace(
    "vault: local", "vault: nowhere")
INVALID_TEXT = (
    "bad.yaml:18:3: warning DSB220 vault 'local' is never used by a rule, a copy or a restore test\n"
    "    hint: remove it, or back up or copy into it\n"
    "bad.yaml:29:16: error DSB203 plan 'daily': vault 'nowhere' is not defined\n"
    "    hint: define it under vaults, or use one of: local\n"
)


@pytest.fixture
def bad_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """``bad.yaml`` in the current directory (a relative path, as users give it)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_text(INVALID_POLICY, encoding="utf-8")
    return "bad.yaml"


# --------------------------------------------------------------------------- exit codes


def test_examples_are_listed() -> None:
    assert len(EXAMPLES) >= 7
    assert WITH_WARNINGS in EXAMPLES


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_example_validates_with_exit_0(example: Path) -> None:
    code, out, err = run(["validate", str(example)])
    assert code == 0, out + err
    assert " error " not in out
    warnings = out.count(" warning DSB")
    assert err == f"{example}: valid (0 errors, {warnings} warning{'s' * (warnings != 1)})\n"


def test_strict_turns_warnings_into_exit_1() -> None:
    code, out, _ = run(["validate", str(WITH_WARNINGS)])
    assert code == 0
    assert " warning DSB" in out, "complete.yaml is expected to have warnings"
    code_strict, out_strict, _ = run(["validate", "--strict", str(WITH_WARNINGS)])
    assert code_strict == 1
    assert out_strict == out


def test_strict_without_warnings_still_exits_0() -> None:
    code, out, _ = run(["validate", "--strict", str(EXAMPLES_DIR / "single-region.yaml")])
    assert (code, out) == (0, "")


def test_invalid_policy_exits_1(bad_policy: str) -> None:
    code, _, _ = run(["validate", bad_policy])
    assert code == 1


def test_one_invalid_file_among_valid_ones_exits_1(bad_policy: str) -> None:
    code, _, _ = run(["validate", str(EXAMPLES_DIR / "single-region.yaml"), bad_policy])
    assert code == 1


@pytest.mark.parametrize("argv", [
    pytest.param(["validate", "--bogus", str(WITH_WARNINGS)], id="unknown-option"),
    pytest.param(["--bogus"], id="unknown-global-option"),
    pytest.param(["frobnicate"], id="unknown-command"),
    pytest.param(["validate"], id="validate-without-policy"),
    pytest.param(["compile"], id="compile-without-policy"),
    pytest.param(["compile", str(WITH_WARNINGS)], id="compile-without-output"),
    pytest.param(["validate", "--format", "xml", str(WITH_WARNINGS)], id="bad-choice"),
])
def test_usage_errors_exit_2_with_a_message_on_stderr(argv: list[str], capsys: Capsys) -> None:
    code, out, err = run_all(argv, capsys)
    assert code == 2
    assert out == ""
    assert "error:" in err
    assert "--help" in err
    no_traceback(out, err)


def test_no_command_prints_help_on_stderr_and_exits_2(capsys: Capsys) -> None:
    """No command is a usage error: exit 2, and like every usage error the text goes to stderr, so
    ``dsql-backup > out.txt`` does not hide it and stdout stays clean for pipes."""
    code, out, err = run_all([], capsys)
    assert code == 2
    assert "validate" in err and "compile" in err
    assert out == ""


def test_main_writes_usage_errors_to_the_stderr_it_was_given(capsys: Capsys) -> None:
    """``main(stdout=, stderr=)`` is the embedding API: nothing may leak to the process's own streams."""
    code, _, err = run(["validate", "--bogus", str(WITH_WARNINGS)])
    leaked = capsys.readouterr()
    assert code == 2
    assert "unrecognized arguments: --bogus" in err
    assert (leaked.out, leaked.err) == ("", "")


def test_main_writes_help_to_the_stdout_it_was_given(capsys: Capsys) -> None:
    code, out, _ = run(["validate", "--help"])
    leaked = capsys.readouterr()
    assert code == 0
    assert "usage: dsql-backup validate" in out
    assert (leaked.out, leaked.err) == ("", "")


def _boom(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("boom in the pipeline")


@pytest.mark.parametrize("command", ["validate", "compile"])
def test_internal_error_exits_3_without_traceback(command: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.policy.validate.check_schema", _boom)
    argv = [command, str(WITH_WARNINGS)] + (["-o", str(tmp_path / "out")] if command == "compile" else [])
    code, out, err = run(argv)
    assert code == 3
    no_traceback(out, err)
    assert "internal error: RuntimeError: boom in the pipeline" in err
    assert "--debug" in err
    assert not (tmp_path / "out").exists()


def test_internal_error_in_compile_stage_writes_nothing(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.render.hcl.render_hcl", _boom)
    code, out, err = run(["compile", str(WITH_WARNINGS), "-o", str(tmp_path / "out")])
    assert code == 3
    no_traceback(out, err)
    assert list(tmp_path.iterdir()) == []


def test_internal_error_with_debug_prints_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("generator.policy.validate.check_schema", _boom)
    code, _, err = run(["--debug", "validate", str(WITH_WARNINGS)])
    assert code == 3
    assert "Traceback (most recent call last)" in err
    assert "RuntimeError: boom in the pipeline" in err


# --------------------------------------------------------------------------- text format


def test_text_format_is_file_line_col_severity_code_message_then_hint(bad_policy: str) -> None:
    code, out, err = run(["validate", bad_policy])
    assert code == 1
    assert out == INVALID_TEXT
    assert err == "bad.yaml: invalid (1 error, 1 warning)\n"


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_every_text_line_has_the_documented_shape(example: Path) -> None:
    _, out, _ = run(["validate", str(example)])
    lines = out.splitlines()
    for i, line in enumerate(lines):
        m = DIAG_LINE.match(line)
        if m:
            assert m["file"] == str(example)
            assert int(m["line"]) >= 1 and int(m["col"]) >= 1
            assert m["code"] in CODES
            assert CODES[m["code"]].severity.value == m["sev"]
        else:
            assert DETAIL_LINE.match(line), line
            assert i > 0, "a detail line must follow a diagnostic"


def test_text_summary_per_file_on_stderr_and_quiet_drops_it(bad_policy: str) -> None:
    single = str(EXAMPLES_DIR / "single-region.yaml")
    code, out, err = run(["validate", single, bad_policy])
    assert code == 1
    assert out == INVALID_TEXT
    assert err.splitlines() == [f"{single}: valid (0 errors, 0 warnings)",
                                "bad.yaml: invalid (1 error, 1 warning)"]
    code_q, out_q, err_q = run(["validate", "--quiet", single, bad_policy])
    assert (code_q, out_q, err_q) == (1, INVALID_TEXT, "")


def test_text_format_has_no_color_when_not_a_terminal(bad_policy: str) -> None:
    _, out, _ = run(["validate", bad_policy])
    assert "\033[" not in out


# --------------------------------------------------------------------------- JSON envelope

_DIAGNOSTIC_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "severity", "message", "hint", "file", "line", "column", "path"],
    "properties": {
        "code": {"type": "string", "pattern": r"^DSB\d{3}$"},
        "severity": {"enum": ["error", "warning", "note"]},
        "message": {"type": "string", "minLength": 1},
        "hint": {"type": "string"},
        "file": {"type": "string", "minLength": 1},
        "line": {"type": "integer", "minimum": 0},
        "column": {"type": "integer", "minimum": 0},
        "path": {"type": "string", "pattern": r"^\$"},
        "source": {"type": "string"},
    },
    "additionalProperties": False,
}

ENVELOPE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["format", "version", "tool", "valid", "summary", "files", "diagnostics"],
    "properties": {
        "format": {"const": "dsql-backup/diagnostics"},
        "version": {"const": 1},
        "tool": {
            "type": "object",
            "required": ["name", "version"],
            "properties": {"name": {"const": "dsql-backup"}, "version": {"type": "string"}},
        },
        "valid": {"type": "boolean"},
        "summary": {
            "type": "object",
            "required": ["files", "errors", "warnings"],
            "properties": {
                "files": {"type": "integer", "minimum": 1},
                "errors": {"type": "integer", "minimum": 0},
                "warnings": {"type": "integer", "minimum": 0},
            },
        },
        "files": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["file", "valid"],
                "properties": {"file": {"type": "string"}, "valid": {"type": "boolean"}},
            },
        },
        "diagnostics": {"type": "array", "items": _DIAGNOSTIC_SCHEMA},
    },
}


def json_envelope(argv: list[str]) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(["validate", "--format", "json", *argv])
    doc: dict[str, Any] = json.loads(out)
    Draft202012Validator.check_schema(ENVELOPE_SCHEMA)
    Draft202012Validator(ENVELOPE_SCHEMA).validate(doc)
    return code, doc


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_json_envelope_for_each_example(example: Path) -> None:
    code, doc = json_envelope([str(example)])
    assert code == 0
    assert doc["valid"] is True
    assert doc["tool"]["version"] == __version__
    assert doc["files"] == [{"file": str(example), "valid": True}]
    assert doc["summary"]["errors"] == 0
    assert doc["summary"]["warnings"] == len(doc["diagnostics"])


def test_json_envelope_for_several_files_in_one_call(bad_policy: str) -> None:
    single = str(EXAMPLES_DIR / "single-region.yaml")
    code, doc = json_envelope([single, bad_policy, str(WITH_WARNINGS)])
    assert code == 1
    assert doc["valid"] is False
    assert doc["files"] == [{"file": single, "valid": True}, {"file": "bad.yaml", "valid": False},
                            {"file": str(WITH_WARNINGS), "valid": True}]
    assert doc["summary"]["files"] == 3
    assert doc["summary"]["errors"] == sum(d["severity"] == "error" for d in doc["diagnostics"]) == 1
    assert doc["summary"]["warnings"] == sum(d["severity"] == "warning" for d in doc["diagnostics"])
    by_file = {d["file"] for d in doc["diagnostics"]}
    assert by_file == {"bad.yaml", str(WITH_WARNINGS)}
    error = next(d for d in doc["diagnostics"] if d["severity"] == "error")
    assert error == {
        "code": "DSB203", "severity": "error", "message": "plan 'daily': vault 'nowhere' is not defined",
        "hint": "define it under vaults, or use one of: local", "file": "bad.yaml", "line": 29, "column": 16,
        "path": "$.plans.daily.rules[0].vault",
    }


def test_json_strict_marks_warnings_invalid_consistently() -> None:
    """With --strict a file with warnings fails: the envelope's verdict and the file's own verdict agree."""
    code, doc = json_envelope(["--strict", str(WITH_WARNINGS)])
    assert code == 1
    assert doc["valid"] is False
    assert doc["valid"] == all(f["valid"] for f in doc["files"])


def test_json_output_is_only_json_on_stdout(bad_policy: str) -> None:
    _, out, err = run(["validate", "--format", "json", bad_policy])
    json.loads(out)
    assert "DSB203" not in err


# --------------------------------------------------------------------------- SARIF 2.1.0

# No SARIF schema or `sarif-om` package is available offline, so this is the subset of the
# SARIF 2.1.0 schema (sarif-schema-2.1.0.json) that GitHub code scanning relies on.
SARIF_SUBSET_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$defs": {
        "message": {
            "type": "object", "required": ["text"],
            "properties": {"text": {"type": "string", "minLength": 1}},
        },
        "reportingDescriptor": {
            "type": "object", "required": ["id"],
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string"},
                "shortDescription": {"$ref": "#/$defs/message"},
                "fullDescription": {"$ref": "#/$defs/message"},
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {
                    "type": "object",
                    "properties": {"level": {"enum": ["none", "note", "warning", "error"]}},
                },
            },
        },
        "region": {
            "type": "object",
            "required": ["startLine", "startColumn"],
            "properties": {
                "startLine": {"type": "integer", "minimum": 1},
                "startColumn": {"type": "integer", "minimum": 1},
                "endLine": {"type": "integer", "minimum": 1},
                "endColumn": {"type": "integer", "minimum": 1},
            },
        },
        "location": {
            "type": "object",
            "required": ["physicalLocation"],
            "properties": {
                "physicalLocation": {
                    "type": "object",
                    "required": ["artifactLocation", "region"],
                    "properties": {
                        "artifactLocation": {
                            "type": "object", "required": ["uri"],
                            "properties": {"uri": {"type": "string", "minLength": 1}},
                        },
                        "region": {"$ref": "#/$defs/region"},
                    },
                },
                "logicalLocations": {
                    "type": "array",
                    "items": {"type": "object", "properties": {"fullyQualifiedName": {"type": "string"},
                                                               "kind": {"type": "string"}}},
                },
            },
        },
        "result": {
            "type": "object",
            "required": ["ruleId", "ruleIndex", "level", "message", "locations"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": 0},
                "level": {"enum": ["error", "warning", "note"]},
                "message": {"$ref": "#/$defs/message"},
                "locations": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/location"}},
            },
        },
    },
    "type": "object",
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"const": "2.1.0"},
        "runs": {
            "type": "array", "minItems": 1, "maxItems": 1,
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object", "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object", "required": ["name", "rules"],
                                "properties": {
                                    "name": {"const": "dsql-backup"},
                                    "version": {"type": "string"},
                                    "informationUri": {"type": "string", "format": "uri"},
                                    "rules": {"type": "array",
                                              "items": {"$ref": "#/$defs/reportingDescriptor"}},
                                },
                            },
                        },
                    },
                    "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                    "columnKind": {"enum": ["utf16CodeUnits", "unicodeCodePoints"]},
                },
            },
        },
    },
}


def sarif(argv: list[str]) -> tuple[int, dict[str, Any]]:
    code, out, _ = run(["validate", "--format", "sarif", *argv])
    doc: dict[str, Any] = json.loads(out)
    Draft202012Validator.check_schema(SARIF_SUBSET_SCHEMA)
    Draft202012Validator(SARIF_SUBSET_SCHEMA).validate(doc)
    run0 = doc["runs"][0]
    rules = run0["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "rule ids are unique"
    for result in run0["results"]:
        assert result["ruleId"] in ids
        assert ids[result["ruleIndex"]] == result["ruleId"]
        rule = rules[result["ruleIndex"]]
        assert rule["defaultConfiguration"]["level"] == CODES[result["ruleId"]].severity.value
    return code, doc


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_sarif_for_each_example(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    rel = example.relative_to(ROOT).as_posix()
    code, doc = sarif([rel])
    assert code == 0
    for result in doc["runs"][0]["results"]:
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == rel


def test_sarif_results_match_the_diagnostics(bad_policy: str) -> None:
    code, doc = sarif([bad_policy, str(EXAMPLES_DIR / "single-region.yaml")])
    assert code == 1
    results = doc["runs"][0]["results"]
    located = [(r["ruleId"], r["level"], r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                r["locations"][0]["physicalLocation"]["region"]["startLine"],
                r["locations"][0]["physicalLocation"]["region"]["startColumn"]) for r in results]
    assert located == [("DSB220", "warning", "bad.yaml", 18, 3), ("DSB203", "error", "bad.yaml", 29, 16)]
    assert results[1]["message"]["text"].startswith("plan 'daily': vault 'nowhere' is not defined")
    assert "define it under vaults" in results[1]["message"]["text"]


def test_sarif_for_an_unreadable_file_still_has_a_valid_region(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, doc = sarif(["missing.yaml"])
    assert code == 1
    [result] = doc["runs"][0]["results"]
    assert result["ruleId"] == "DSB001"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 1, "startColumn": 1}


def test_sarif_uri_is_a_valid_uri_reference(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SARIF's artifactLocation.uri must be a URI reference: a space in a file name is percent-encoded."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "my policy.yaml").write_text(INVALID_POLICY, encoding="utf-8")
    _, doc = sarif(["my policy.yaml"])
    results = doc["runs"][0]["results"]
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert uris == {"my%20policy.yaml"}


# --------------------------------------------------------------------------- schema, codes, version, help


def test_schema_prints_the_policy_schema() -> None:
    code, out, err = run(["schema"])
    assert (code, err) == (0, "")
    printed = json.loads(out)
    assert printed == json.loads((ROOT / "schemas" / "policy.v1.json").read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(printed)


def test_codes_prints_a_markdown_table_of_every_code() -> None:
    code, out, err = run(["codes"])
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert re.fullmatch(r"\|\s*code\s*\|\s*severity\s*\|\s*meaning\s*\|", lines[0])
    assert re.fullmatch(r"\|( *:?-+:? *\|)+", lines[1].replace(" ", ""))
    rows = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 3, line
        rows[cells[0]] = (cells[1], cells[2])
    assert set(rows) == set(CODES)
    for c in CODES.values():
        assert rows[c.code] == (c.severity.value, c.title)


def test_version(capsys: Capsys) -> None:
    code, out, _ = run_all(["--version"], capsys)
    assert code == 0
    assert out.strip() == f"dsql-backup {__version__}"


@pytest.mark.parametrize("command", [None, "validate", "compile", "schema", "codes"])
def test_help_exits_0_and_shows_an_example_command(command: str | None, capsys: Capsys) -> None:
    argv = ["--help"] if command is None else [command, "--help"]
    code, out, err = run_all(argv, capsys)
    assert code == 0
    assert err == ""
    # an indented example line (the usage line itself starts with "usage:", so it does not count)
    example = r"^\s+(\$ )?dsql-backup " + (r"\w+" if command is None else re.escape(command)) + r"\b"
    assert re.search(example, out, re.MULTILINE), out


# --------------------------------------------------------------------------- compile


def test_compile_invalid_policy_writes_nothing(bad_policy: str, tmp_path: Path) -> None:
    code, out, err = run(["compile", bad_policy, "-o", "out"])
    assert code == 1
    assert out == INVALID_TEXT
    assert "nothing written" in err
    assert not (tmp_path / "out").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yaml"]


def test_compile_valid_policy_writes_manifest(tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, _, err = run(["compile", str(EXAMPLES_DIR / "single-region.yaml"), "-o", str(out_dir)])
    assert code == 0, err
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["roots"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"], "no temporary directories left behind"


def test_compile_progress_lists_the_roots_in_apply_order(tmp_path: Path) -> None:
    """landing-zone.yaml: the Organizations management account (mgmt) turns cross-account backup on first, the
    central backup account's vaults (backup) come next, then the ten workload accounts, by name."""
    workloads = ["analytics", "billing", "catalog", "identity", "loyalty", "messaging", "orders", "payments",
                 "search", "shipping"]
    code, _, err = run(["compile", str(EXAMPLES_DIR / "landing-zone.yaml"), "-o", str(tmp_path / "out")])
    assert code == 0, err
    progress = re.findall(r"^\[(\d+)/12\] ([a-z]+): \d+ resources, wave (\d)$", err, re.M)
    assert [(int(i), name, int(wave)) for i, name, wave in progress] == [
        (1, "mgmt", 1), (2, "backup", 2), *((i, name, 3) for i, name in enumerate(workloads, 3))]


def test_compile_twice_into_its_own_directory_is_fine(tmp_path: Path) -> None:
    out_dir = str(tmp_path / "out")
    policy = str(EXAMPLES_DIR / "single-region.yaml")
    assert run(["compile", policy, "-o", out_dir])[0] == 0
    first = snapshot(Path(out_dir))
    assert run(["compile", policy, "-o", out_dir])[0] == 0
    assert snapshot(Path(out_dir)) == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def _foreign_directory(tmp_path: Path) -> Path:
    foreign = tmp_path / "mine"
    (foreign / "sub").mkdir(parents=True)
    (foreign / "notes.txt").write_bytes(b"do not touch\r\n\x00\xff")
    (foreign / "sub" / "main.tf").write_text('resource "x" "y" {}\n', encoding="utf-8")
    return foreign


def test_compile_refuses_a_foreign_non_empty_directory(tmp_path: Path) -> None:
    foreign = _foreign_directory(tmp_path)
    before = snapshot(foreign)
    code, _, err = run(["compile", str(EXAMPLES_DIR / "single-region.yaml"), "-o", str(foreign)])
    assert code == 1
    assert str(foreign) in err
    assert "--force" in err
    no_traceback(err)
    assert snapshot(foreign) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_compile_force_moves_a_foreign_directory_aside(tmp_path: Path) -> None:
    foreign = _foreign_directory(tmp_path)
    before = snapshot(foreign)
    code, _, err = run(["compile", str(EXAMPLES_DIR / "single-region.yaml"), "-o", str(foreign), "--force"])
    assert code == 0, err
    assert (foreign / "manifest.json").is_file()
    aside = [p for p in tmp_path.iterdir() if p != foreign]
    assert len(aside) == 1 and aside[0].name.startswith("mine.")
    assert snapshot(aside[0]) == before, "the previous contents are kept whole"
    assert str(aside[0].name) in err


def test_compile_refuses_an_output_path_that_is_a_file(tmp_path: Path) -> None:
    target = tmp_path / "out"
    target.write_bytes(b"a file")
    code, _, err = run(["compile", str(EXAMPLES_DIR / "single-region.yaml"), "-o", str(target)])
    assert code == 1
    assert str(target) in err
    assert target.read_bytes() == b"a file"


# --------------------------------------------------------------------------- bad input, every command


def _bad_input(kind: str, tmp_path: Path) -> tuple[str, str]:
    """(path, the loader code it must produce)."""
    if kind == "binary":
        path = tmp_path / "binary.yaml"
        path.write_bytes(bytes(range(256)) * 4)
        return str(path), "DSB003"
    if kind == "not-utf8":
        path = tmp_path / "latin1.yaml"
        path.write_bytes("name: caf\u00e9\n".encode("latin-1"))
        return str(path), "DSB003"
    if kind == "empty":
        path = tmp_path / "empty.yaml"
        path.write_bytes(b"")
        return str(path), "DSB006"
    if kind == "directory":
        return str(tmp_path), "DSB001"
    if kind == "missing":
        return str(tmp_path / "missing.yaml"), "DSB001"
    raise AssertionError(kind)


BAD_INPUTS = ["binary", "not-utf8", "empty", "directory", "missing"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_validate_bad_input_is_a_clean_error(kind: str, fmt: str, tmp_path: Path) -> None:
    path, expected = _bad_input(kind, tmp_path)
    code, out, err = run(["validate", "--format", fmt, path])
    assert code == 1
    no_traceback(out, err)
    assert expected in out
    if fmt != "text":
        json.loads(out)
    else:
        first = out.splitlines()[0]
        assert first.startswith(f"{path}:")
        assert f" error {expected} " in first


def test_a_problem_without_a_position_prints_the_path_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(["validate", "nope.yaml"])
    assert (code, out) == (1, "nope.yaml: error DSB001 cannot read the policy file nope.yaml: No such file or "
                              "directory\n    hint: check the path; no file exists there\n")


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_compile_bad_input_is_a_clean_error_and_writes_nothing(kind: str, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    path, expected = _bad_input(kind, work)
    out_dir = tmp_path / "out"
    code, out, err = run(["compile", path, "-o", str(out_dir)])
    assert code == 1
    no_traceback(out, err)
    assert f" error {expected} " in out
    assert not out_dir.exists()


@pytest.mark.parametrize("argv", [["schema", "extra.yaml"], ["codes", "--format", "json"]])
def test_commands_without_policy_reject_extra_arguments(argv: list[str], capsys: Capsys) -> None:
    code, out, err = run_all(argv, capsys)
    assert code == 2
    no_traceback(out, err)


# --------------------------------------------------------------------------- end to end (subprocess)


def test_e2e_validate_example() -> None:
    proc = run_subprocess("validate", "examples/complete.yaml")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("examples/complete.yaml:")
    assert proc.stderr == "examples/complete.yaml: valid (0 errors, 3 warnings)\n"
    strict = run_subprocess("validate", "--strict", "examples/complete.yaml")
    assert strict.returncode == 1


def test_e2e_no_arguments_and_unknown_option_exit_2() -> None:
    none = run_subprocess()
    assert none.returncode == 2
    assert "validate" in none.stdout + none.stderr
    unknown = run_subprocess("validate", "--nope", "examples/complete.yaml")
    assert unknown.returncode == 2
    assert "unrecognized arguments: --nope" in unknown.stderr
    no_traceback(unknown.stdout, unknown.stderr)


def test_e2e_version() -> None:
    proc = run_subprocess("--version")
    assert (proc.returncode, proc.stdout.strip()) == (0, f"dsql-backup {__version__}")


def test_e2e_binary_input_and_json(tmp_path: Path) -> None:
    (tmp_path / "blob.yaml").write_bytes(b"\x7fELF\x02\x01\x01\x00" + bytes(200))
    proc = run_subprocess("validate", "--format", "json", "blob.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    no_traceback(proc.stdout, proc.stderr)
    doc = json.loads(proc.stdout)
    assert [d["code"] for d in doc["diagnostics"]] == ["DSB003"]


def test_e2e_compile_writes_manifest(tmp_path: Path) -> None:
    proc = run_subprocess("compile", str(EXAMPLES_DIR / "multi-region.yaml"), "-o", str(tmp_path / "tf"))
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "tf" / "manifest.json").is_file()
    assert "compiled " in proc.stderr
