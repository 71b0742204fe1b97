"""The YAML loader: values, positions, and every loader diagnostic (DSB001-DSB013)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diagnostics import Diagnostic, has_errors
from generator.diagnostics.codes import diag
from generator.policy import loader
from generator.policy.loader import (
    MAX_BYTES,
    MAX_DEPTH,
    ScalarInfo,
    Span,
    load_policy_file,
    load_policy_text,
)
from generator.policy.yaml_walk import MAX_LEADING_ZEROS

Where = tuple[str, int, int]


def where(text: str | bytes) -> list[Where]:
    """(code, line, column) of each diagnostic; asserts the failed load carries no data."""
    loaded = load_policy_text(text)
    assert loaded.data is None
    return [(d.code, d.line, d.column) for d in loaded.diagnostics]


def only(text: str | bytes, file: str = "<string>") -> Diagnostic:
    loaded = load_policy_text(text, file)
    assert loaded.data is None
    assert len(loaded.diagnostics) == 1, loaded.diagnostics
    return loaded.diagnostics[0]


def ok(text: str | bytes) -> dict[str, Any]:
    loaded = load_policy_text(text)
    assert loaded.diagnostics == ()
    assert loaded.data is not None
    return loaded.data


# --------------------------------------------------------------------------- values


def test_plain_values_follow_pyyaml_yaml11_but_stay_json_compatible() -> None:
    loaded = load_policy_text(
        "s: text\n"
        "q: 'yes'\n"
        "b: [yes, No, on, OFF, true, False]\n"
        "i: [0777, 0x1F, 0b101, 1_000, -12, +3, '1:30', 1:30, 111111111111, 012345678901]\n"
        "f: [1.5, 1.0e+3, 1e3, .5, -.inf, .NaN, 1.0e+999]\n"
        "n: [~, null, Null, '']\n"
        "empty:\n"
        "t: [2026-01-01, 2001-12-14t21:59:43.10-05:00]\n"
        "odd: [=, <<, 0o17]\n"
    )
    # 0777 and 012345678901 load, with a warning each: YAML 1.2 tools read them as other numbers (DSB013)
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [("DSB013", 4, 5), ("DSB013", 4, 68)]
    data = loaded.data
    assert data == {
        "s": "text",
        "q": "yes",
        "b": [True, False, True, False, True, False],
        "i": [511, 31, 5, 1000, -12, 3, "1:30", 90, 111111111111, "012345678901"],
        "f": [1.5, 1000.0, "1e3", 0.5, "-.inf", ".NaN", "1.0e+999"],
        "n": [None, None, None, ""],
        "empty": None,
        "t": ["2026-01-01", "2001-12-14t21:59:43.10-05:00"],
        "odd": ["=", "<<", "0o17"],
    }
    assert isinstance(data["f"][1], float)


def test_dsb013_unquoted_leading_zero_digits_load_with_a_warning() -> None:
    loaded = load_policy_text("accounts:\n  prod: { id: 012345678901 }\nretention_days: 035\n", "p.yaml")
    assert loaded.data == {"accounts": {"prod": {"id": "012345678901"}}, "retention_days": 29}
    assert loaded.diagnostics == (
        diag("DSB013", "012345678901 is unquoted and starts with 0: dsql-backup (YAML 1.1) reads the string "
             "'012345678901', but YAML 1.2 tools (editors, yq, Go) read the number 12345678901",
             'quote it: "012345678901"', line=2, column=15, path="$.accounts.prod.id", file="p.yaml"),
        diag("DSB013", "035 is unquoted and starts with 0: dsql-backup (YAML 1.1) reads the octal number 29, "
             "but YAML 1.2 tools (editors, yq, Go) read the number 35",
             'write 35 without the leading zero, or "035" if it is text', line=3, column=17,
             path="$.retention_days", file="p.yaml"),
    )


@pytest.mark.parametrize("text", ["'012'", '"012"', "0", "00", "007", "120", "0x1F", "0.5", "-012", "0_12",
                                  "!!str 012", "\uff10\uff11\uff12"])
def test_dsb013_not_for_quoted_tagged_or_same_either_way(text: str) -> None:
    assert load_policy_text(f"a: {text}\n").diagnostics == ()


def test_dsb013_lists_up_to_a_cap_then_says_there_are_more() -> None:
    loaded = load_policy_text("".join(f"k{i}: 09{i}\n" for i in range(MAX_LEADING_ZEROS + 20)))
    assert loaded.data is not None
    assert len(loaded.diagnostics) == MAX_LEADING_ZEROS + 1
    assert loaded.diagnostics[-1] == diag(
        "DSB013", f"more than {MAX_LEADING_ZEROS} unquoted numbers start with 0 (this one is 09{MAX_LEADING_ZEROS}); "
        "the rest are not listed", "quote every value that starts with 0", line=MAX_LEADING_ZEROS + 1,
        column=len(f"k{MAX_LEADING_ZEROS}: ") + 1,
        path=f"$.k{MAX_LEADING_ZEROS}", file="<string>")


def test_dsb013_in_an_aliased_node_is_reported_once() -> None:
    loaded = load_policy_text("a: &x {id: 089}\nb: *x\nc: *x\n")
    assert [(d.code, d.line, d.column) for d in loaded.diagnostics] == [("DSB013", 1, 12)]


def test_values_match_pyyaml_safe_load_where_json_allows() -> None:
    text = "a: [yes, 0777, 0x10, 1_0, 3.25, '7', ~, 190:20:30, -0, 1_0.5]\nb: {c: [d, {e: off}]}\n"
    assert load_policy_text(text).data == yaml.safe_load(text)


def test_explicit_standard_tags() -> None:
    data = ok("a: !!str 123\nb: !!int '42'\nc: !!float 1\nd: !!bool 'yes'\ne: !!null x\n"
              "f: !!timestamp 2026-01-01\ng: !!map {x: 1}\nh: !!seq [1]\ni: ! 12\n")
    assert data == {"a": "123", "b": 42, "c": 1.0, "d": True, "e": None, "f": "2026-01-01",
                    "g": {"x": 1}, "h": [1], "i": 12}  # PyYAML resolves "! 12" too


def test_utf8_bom_and_non_ascii_text_are_fine() -> None:
    assert ok("\ufeffname: caf\u00e9 \U0001f600\n") == {"name": "caf\u00e9 \U0001f600"}
    assert ok(b"\xef\xbb\xbfname: x\n") == {"name": "x"}


def test_merge_keys_explicit_keys_win_and_first_source_wins() -> None:
    data = ok(
        "base: &base {retention: 35, vault: main, tags: {a: 1}}\n"
        "other: &other {retention: 7, window: 60}\n"
        "plan:\n"
        "  <<: [*base, *other]\n"
        "  retention: 90\n"
        "single:\n"
        "  <<: *other\n"
    )
    assert data["plan"] == {"retention": 90, "vault": "main", "tags": {"a": 1}, "window": 60}
    assert data["single"] == {"retention": 7, "window": 60}
    assert data["plan"]["tags"] is not data["base"]["tags"]  # aliases are copied, not shared


def test_aliases_expand_to_independent_copies() -> None:
    data = ok("a: &x {b: [1, 2]}\nc: *x\n")
    assert data == {"a": {"b": [1, 2]}, "c": {"b": [1, 2]}}
    assert data["a"] is not data["c"]


def test_merge_of_a_scalar_is_a_syntax_error() -> None:
    assert where("a: &s x\nb:\n  <<: *s\n") == [("DSB004", 3, 3)]


# --------------------------------------------------------------------------- source map


POLICY = """\
version: 1
defaults: &defaults
  retention_days: 35
  vault: "main"
plans:
  daily:
    <<: *defaults
    schedule: cron(0 5 ? * * *)
    rules:
      - name: r1
        copy_to: [eu, us]
      - name: 'r2'
        account: 111111111111
        enabled: yes
"""


def test_source_map_value_and_key_spans() -> None:
    smap = load_policy_text(POLICY).source_map
    assert smap.value(("version",)) == Span(1, 10, 1, 11)
    assert smap.key(("version",)) == Span(1, 1, 1, 8)
    assert smap.value(("plans", "daily", "schedule")) == Span(8, 15, 8, 32)
    assert smap.key(("plans", "daily", "rules")) == Span(9, 5, 9, 10)
    assert smap.value(("plans", "daily", "rules", 1, "name")) == Span(12, 15, 12, 19)
    assert smap.value(("plans", "daily", "rules", 0, "copy_to", 1)) == Span(11, 23, 11, 25)


def test_source_map_list_items_and_root_have_no_key() -> None:
    smap = load_policy_text(POLICY).source_map
    assert smap.key(("plans", "daily", "rules", 0)) is None
    assert smap.key(()) is None
    assert smap.value(("plans", "daily", "rules", 0)) == Span(10, 9, 12, 7)
    assert smap.value(()) is not None


def test_source_map_follows_merge_keys_to_where_the_value_is_written() -> None:
    smap = load_policy_text(POLICY).source_map
    assert smap.value(("plans", "daily", "retention_days")) == Span(3, 19, 3, 21)
    assert smap.key(("plans", "daily", "vault")) == Span(4, 3, 4, 8)
    assert smap.value(("plans", "daily", "<<")) is None


def test_source_map_missing_paths() -> None:
    smap = load_policy_text(POLICY).source_map
    assert smap.value(("plans", "weekly")) is None
    assert smap.value(("plans", "daily", "rules", 2)) is None
    assert smap.value(("plans", "daily", "rules", -1)) is None
    assert smap.value(("version", "x")) is None
    assert smap.value(("plans", 0)) is None
    assert smap.key(("nope",)) is None
    assert smap.scalar(("plans",)) is None


def test_locate_uses_the_value_else_the_nearest_ancestor() -> None:
    smap = load_policy_text(POLICY).source_map
    assert smap.locate(("plans", "daily", "rules", 1, "account")) == (13, 18)
    # a missing field points at the key of the mapping it is missing from
    assert smap.locate(("plans", "daily", "window")) == (6, 3)
    assert smap.locate(("plans", "daily", "rules", 0, "vault")) == (10, 9)  # a list item has no key
    assert smap.locate(("nothing", "here")) == (1, 1)
    assert smap.locate(()) == (1, 1)


def test_scalar_info_records_yaml11_surprises() -> None:
    smap = load_policy_text(POLICY).source_map
    rule = ("plans", "daily", "rules", 1)
    assert smap.scalar((*rule, "account")) == ScalarInfo("111111111111", plain=True, resolved="int")
    assert smap.scalar((*rule, "enabled")) == ScalarInfo("yes", plain=True, resolved="bool")
    assert smap.scalar((*rule, "name")) == ScalarInfo("r2", plain=False, resolved="str")
    assert smap.scalar(("plans", "daily", "vault")) == ScalarInfo("main", plain=False, resolved="str")
    assert smap.scalar(("plans", "daily", "schedule")) == ScalarInfo("cron(0 5 ? * * *)", True, "str")


@pytest.mark.parametrize(
    ("text", "info"),
    [
        ("v: 0777", ScalarInfo("0777", True, "int")),
        ("v: 1e3", ScalarInfo("1e3", True, "str")),  # PyYAML's float needs a dot
        ("v: 1.0e+3", ScalarInfo("1.0e+3", True, "float")),
        ("v: .inf", ScalarInfo(".inf", True, "float")),
        ("v: on", ScalarInfo("on", True, "bool")),
        ("v: ~", ScalarInfo("~", True, "null")),
        ("v:", ScalarInfo("", True, "null")),
        ("v: 2026-01-01", ScalarInfo("2026-01-01", True, "timestamp")),
        ("v: '0777'", ScalarInfo("0777", False, "str")),
        ('v: "no"', ScalarInfo("no", False, "str")),
        ("v: !!str 12", ScalarInfo("12", True, "str")),
        ("v: =", ScalarInfo("=", True, "str")),
    ],
)
def test_scalar_info(text: str, info: ScalarInfo) -> None:
    assert load_policy_text(text).source_map.scalar(("v",)) == info


def test_source_map_of_a_failed_load_answers_nothing() -> None:
    smap = load_policy_text("a: [").source_map
    assert smap.value(("a",)) is None
    assert smap.locate(("a",)) == (1, 1)


def test_source_map_survives_a_recursive_merge() -> None:
    loaded = load_policy_text("a: &a {x: 1, <<: *a}\n")
    assert [d.code for d in loaded.diagnostics] == ["DSB008"]
    assert loaded.source_map.value(("a", "x")) == Span(1, 11, 1, 12)


# --------------------------------------------------------------------------- file errors


def test_dsb001_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    loaded = load_policy_file(missing)
    assert loaded.data is None
    assert loaded.diagnostics == (
        diag("DSB001", f"cannot read the policy file {missing}: No such file or directory",
             "check the path; no file exists there", file=str(missing)),
    )


def test_dsb001_directory(tmp_path: Path) -> None:
    [d] = load_policy_file(tmp_path).diagnostics
    hint = "give the path of a policy file, not a directory"
    assert (d.code, d.hint, d.file) == ("DSB001", hint, str(tmp_path))


def test_dsb001_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # CI runs as root, which reads any file whatever its mode: simulate the permission error instead.
    path = tmp_path / "p.yaml"
    path.write_text("a: 1\n")
    real_open = open

    def deny(file: object, *args: object, **kwargs: object) -> object:
        if file == path:
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("builtins.open", deny)
    [d] = load_policy_file(path).diagnostics
    assert (d.code, d.hint) == ("DSB001", "check the file's permissions")


def test_load_policy_file_reads_a_good_file(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_bytes(b"version: 1\n")
    loaded = load_policy_file(path)
    assert (loaded.file, loaded.data, loaded.diagnostics) == (str(path), {"version": 1}, ())


def test_dsb002_file_size_checked_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    with path.open("wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: the loader must refuse it from its size alone
    assert load_policy_file(path).diagnostics == (
        diag("DSB002", f"the policy file is {MAX_BYTES + 1} bytes; the cap is {MAX_BYTES} bytes (10 MiB)",
             "split the policy; a real policy is far smaller", file=str(path)),
    )


def test_dsb002_text_and_bytes() -> None:
    assert where(b"#" * (MAX_BYTES + 1)) == [("DSB002", 0, 0)]
    assert where("#" * (MAX_BYTES + 1)) == [("DSB002", 0, 0)]
    assert where("#\u00e9" * (MAX_BYTES // 3 + 1)) == [("DSB002", 0, 0)]  # under the cap in characters only


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"a: 1\nb: \xc3\x28\n", ("DSB003", 2, 4)),  # invalid continuation byte
        (b"a: \xe2\x82\xac\xff\n", ("DSB003", 1, 5)),  # after a 3-byte character
        (b"a: 1\nb: x\x00y\n", ("DSB003", 2, 5)),  # NUL: binary
        (b"\x7fELF\x02\x01\x01\x00\x00", ("DSB003", 1, 8)),  # at the first NUL
        (b"\xff\xfea\x00:\x00", ("DSB003", 1, 1)),  # UTF-16
        (b"a: 1\nb: \x07\n", ("DSB003", 2, 4)),  # a control character YAML forbids
    ],
)
def test_dsb003_not_utf8_text(raw: bytes, expected: Where) -> None:
    assert where(raw) == [expected]


def test_dsb003_messages() -> None:
    assert only(b"\xff\xfea\x00") == diag(
        "DSB003", "the policy file is UTF-16 text, not UTF-8", "save the file as UTF-8",
        line=1, column=1, file="<string>")
    assert only("a: x\ud800\n") == diag(
        "DSB003", "the policy contains a lone surrogate U+D800, which is not valid Unicode text",
        "save the file as UTF-8", line=1, column=5, file="<string>")


# --------------------------------------------------------------------------- YAML errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a:\n\tb: 1\n", ("DSB004", 2, 1)),
        ("a:\n  b: 1\n\tc: 2\n", ("DSB004", 3, 1)),
        ("a: |\n\tx\n", ("DSB004", 2, 1)),
        ("a: 1\n b: 2\n", ("DSB004", 2, 3)),
        ("a: b: c\n", ("DSB004", 1, 5)),
        ("- a\nb: 1\n", ("DSB004", 2, 1)),
        ("a: [1, 2\n", ("DSB004", 2, 1)),
        ("a: 'x\n", ("DSB004", 2, 1)),
        ('a: "\\q"\n', ("DSB004", 1, 5)),
        ("a: *nope\n", ("DSB004", 1, 4)),
        ("a: &x 1\nb: &x 2\n", ("DSB004", 2, 4)),
        ("a: @x\n", ("DSB004", 1, 4)),
        ("a: 1\n  # c\n b: 2", ("DSB004", 3, 2)),
        ("a: 1\n...\nb: 2\n", ("DSB004", 3, 1)),
    ],
)
def test_dsb004_syntax_errors_are_located(text: str, expected: Where) -> None:
    assert where(text) == [expected]


def test_dsb004_tab_message_and_hint() -> None:
    assert only("plans:\n\tdaily: {}\n") == diag(
        "DSB004", "a tab character is used where YAML expects spaces", "indent with spaces, not tabs",
        line=2, column=1, file="<string>")


def test_dsb004_messages_name_what_to_write() -> None:
    assert only("a: 1\nb: *nope\n").message == "the alias *nope refers to no anchor"
    assert only("a: 1\nb: *nope\n").hint == "define the anchor &nope before the alias *nope"
    assert only("a: 'open\n") == diag("DSB004", "a quoted string is not closed", "add the closing quote",
                                      line=2, column=1, file="<string>")


def test_dsb005_reports_every_duplicate_at_its_second_occurrence() -> None:
    loaded = load_policy_text("a: 1\nb:\n  c: 1\n  c: 2\na: 3\na: 4\n", "p.yaml")
    assert loaded.data is None
    hint = "remove one of them or combine their contents; YAML would keep only the last"
    assert loaded.diagnostics == (
        diag("DSB005", "duplicate key 'c' (first defined on line 3)", hint, line=4, column=3,
             path="$.b.c", file="p.yaml"),
        diag("DSB005", "duplicate key 'a' (first defined on line 1)", hint, line=5, column=1,
             path="$.a", file="p.yaml"),
        diag("DSB005", "duplicate key 'a' (first defined on line 1)", hint, line=6, column=1,
             path="$.a", file="p.yaml"),
    )


def test_dsb005_merged_keys_are_not_duplicates() -> None:
    assert ok("d: &d {a: 1}\ne: {<<: *d, a: 2}\n")["e"] == {"a": 2}


def test_dsb005_in_an_aliased_mapping_is_reported_once() -> None:
    assert where("d: &d {a: 1, a: 2}\ne: *d\nf: *d\n") == [("DSB005", 1, 14)]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "---\n...\n", "\ufeff"])
def test_dsb006_empty(text: str) -> None:
    assert only(text) == diag("DSB006", "the policy is empty",
                              "start with 'version: 1' and the sections of a policy",
                              line=1, column=1, file="<string>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("- a\n- b\n", ("DSB007", 1, 1)), ("just text\n", ("DSB007", 1, 1)), ("\n\n  42\n", ("DSB007", 3, 3)),
     ("~\n", ("DSB007", 1, 1))],
)
def test_dsb007_root_not_a_mapping(text: str, expected: Where) -> None:
    assert where(text) == [expected]


def test_dsb008_billion_laughs_fails_fast() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev, cur = chr(ord("a") + i - 1), chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [{', '.join([f'*{prev}'] * 9)}]")
    # the bound against exponential work is the node count (its time: tests/benchmarks/bench_adversarial.py)
    loaded = load_policy_text("\n".join(lines) + "\n")
    assert [(d.code, d.message) for d in loaded.diagnostics] == [
        ("DSB008", "aliases and merge keys expand to more than 500000 nodes")]
    assert loaded.data is None


def test_dsb008_merge_bomb_fails_fast() -> None:
    lines = ["m0: &m0 {" + ", ".join(f"k{j}: {j}" for j in range(10)) + "}"]
    for i in range(1, 12):
        lines.append(f"m{i}: &m{i} [" + ", ".join([f"*m{i - 1}"] * 10) + "]")
    assert [d.code for d in load_policy_text("\n".join(lines)).diagnostics] == ["DSB008"]


def test_dsb008_recursive_alias() -> None:
    assert where("a: &a [1, *a]\n") == [("DSB008", 1, 4)]  # the list item: at the list
    assert where("a: &a {b: *a}\n") == [("DSB008", 1, 8)]  # the mapping value: at its key


def test_dsb009_too_deep_for_the_loader() -> None:
    deep = "a: " + "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1) + "\n"
    [d] = load_policy_text(deep).diagnostics
    assert (d.code, d.line, d.column) == ("DSB009", 1, 3 + MAX_DEPTH)
    assert d.path == "$.a" + "[0]" * (MAX_DEPTH - 1)
    just_fits = "a: " + "[" * (MAX_DEPTH - 1) + "]" * (MAX_DEPTH - 1) + "\n"
    assert load_policy_text(just_fits).diagnostics == ()


def test_dsb009_too_deep_for_libyaml_and_python() -> None:
    assert where("a: " + "[" * 200_000) == [("DSB009", 1, 1003)]
    block = "".join(" " * i + "k:\n" for i in range(3000))
    assert [c for c, _, _ in where(block)] == ["DSB009"]


def test_dsb009_deep_through_aliases() -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, MAX_DEPTH + 2)]
    assert [c for c, _, _ in where("\n".join(lines))] == ["DSB009"]


def test_dsb010_more_than_one_document() -> None:
    assert only("a: 1\n---\nb: 2\n") == diag(
        "DSB010", "a second YAML document starts here (the first starts on line 1)",
        "a policy is one YAML document: remove the extra '---' or split it into separate files",
        line=2, column=1, file="<string>")
    assert where("---\na: 1\n---\n") == [("DSB010", 3, 1)]


def test_dsb011_non_string_keys_all_reported() -> None:
    loaded = load_policy_text("123: a\ntrue: b\nnull: c\n1.5: d\n? [x]\n: e\n? {y: 1}\n: f\n'ok': g\n")
    assert loaded.data is None
    assert [(d.code, d.line, d.column, d.path) for d in loaded.diagnostics] == [
        ("DSB011", 1, 1, "$.123"), ("DSB011", 2, 1, "$.true"), ("DSB011", 3, 1, "$.null"),
        ("DSB011", 4, 1, "$['1.5']"), ("DSB011", 5, 3, "$"), ("DSB011", 7, 3, "$")]
    assert loaded.diagnostics[1] == diag("DSB011", "the key true is read as a boolean, not a string",
                                         "quote the key: 'true':", line=2, column=1, path="$.true",
                                         file="<string>")


def test_dsb011_null_keys() -> None:
    assert only("null: c\n") == diag("DSB011", "the key null is read as null, not a string",
                                      "quote the key: 'null':", line=1, column=1, path="$.null",
                                      file="<string>")
    assert only("?\n: c\n") == diag("DSB011", "a mapping key is empty", "write a name before the ':'",
                                  line=1, column=2, path="$['']", file="<string>")


def test_crlf_and_cr_line_breaks_count_as_lines() -> None:
    assert where("a: 1\r\nb: 2\r\nb: 3\r\n") == [("DSB005", 3, 1)]
    assert where("a: 1\rb: 2\rb: 3\r") == [("DSB005", 3, 1)]
    assert where(b"a: 1\r\nb: \xff\r\n") == [("DSB003", 2, 4)]


def test_dsb011_quoted_and_timestamp_keys_are_strings() -> None:
    assert ok("'123': a\n\"yes\": b\n2026-01-01: c\n!!str 7: d\n") == {
        "123": "a", "yes": "b", "2026-01-01": "c", "7": "d"}


def test_dsb012_unsupported_tags() -> None:
    text = ("a: !!binary aGVsbG8=\nb: !custom x\nc: !!python/object:os.system {}\n"
            "d: !!set {x}\ne: !!omap [a: 1]\nf: !!int abc\n!!python/name:os.system k: v\n")
    assert where(text) == [("DSB012", 1, 4), ("DSB012", 2, 4), ("DSB012", 3, 4), ("DSB012", 4, 4),
                           ("DSB012", 5, 4), ("DSB012", 6, 4), ("DSB012", 7, 1)]
    assert only("x: !!binary aGk=\n") == diag(
        "DSB012", "binary data (!!binary) is not supported in a policy", "write the value as text",
        line=1, column=4, path="$.x", file="<string>")


def test_file_is_set_on_every_diagnostic() -> None:
    loaded = load_policy_text("a: 1\na: 2\n1: x\n", "policies/p.yaml")
    assert {d.file for d in loaded.diagnostics} == {"policies/p.yaml"}


# --------------------------------------------------------------------------- speed and robustness


def test_two_megabyte_policy_loads() -> None:
    """Loads whole (how fast: tests/benchmarks/bench.py)."""
    plans = "".join(
        f"  plan_{i}:\n    name: \"plan {i}\"\n    schedule: cron(0 5 ? * * *)\n    retention_days: {i}\n"
        f"    tags: {{env: prod, owner: team-{i}}}\n    rules:\n      - vault: v{i}\n"
        "        copy: [a, b, c]\n"
        for i in range(10_500))
    text = "version: 1\nplans:\n" + plans
    assert len(text) > 1_900_000
    loaded = load_policy_text(text)
    assert loaded.diagnostics == ()
    assert loaded.data is not None
    assert loaded.data["plans"]["plan_10499"]["rules"][0]["copy"] == ["a", "b", "c"]


def test_never_raises_for_a_non_text_argument() -> None:
    [d] = load_policy_text(12345).diagnostics  # type: ignore[arg-type]
    assert d.code == "DSB001"


def test_recursion_error_becomes_dsb009(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_text: str) -> None:
        raise RecursionError

    monkeypatch.setattr(loader, "_compose", boom)
    assert where("a: 1\n") == [("DSB009", 1, 1)]


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json, min_size=1, max_size=5))
def test_round_trip_of_safe_dump(data: dict[str, Any]) -> None:
    loaded = load_policy_text(yaml.safe_dump(data))
    # safe_dump leaves a string such as 089 unquoted (YAML 1.1 reads it as a string): DSB013 warns, no more
    assert {d.code for d in loaded.diagnostics} <= {"DSB013"}
    assert loaded.data == data


def _codes_ok(loaded: loader.Loaded) -> None:
    assert all(d.code != "DSB900" for d in loaded.diagnostics), loaded.diagnostics
    assert (loaded.data is None) == has_errors(loaded.diagnostics)
    for d in loaded.diagnostics:
        assert d.line >= 0
        assert d.column >= 0


_yamlish = st.lists(
    st.sampled_from([*"ab:- \n\t[]{},&*!<>|'\"#?%@`~.01yn\\", "<<", "!!", "---", "\u00e9", "\x85"]),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(), _yamlish))
def test_arbitrary_text_never_raises(text: str) -> None:
    loaded = load_policy_text(text)
    _codes_ok(loaded)
    if loaded.data is not None:
        for path in (("a",), ("a", 0), ("b", "a")):
            loaded.source_map.value(path)
            loaded.source_map.locate(path)
            loaded.source_map.scalar(path)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    _codes_ok(load_policy_text(raw))


def test_non_finite_floats_stay_text() -> None:
    data = ok("a: .inf\nb: 1.5\n")
    assert data["a"] == ".inf"
    assert math.isfinite(data["b"])
