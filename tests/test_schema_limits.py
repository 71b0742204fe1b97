"""A document with thousands of schema problems: the first 500 are reported, then a note (how fast:
tests/benchmarks/bench_adversarial.py)."""

from __future__ import annotations

from generator.policy.validate import validate_text


def test_schema_problems_are_capped_and_rules_wait() -> None:
    accounts = "\n".join(f"  a{i}: {{id: {100000000000 + i}}}" for i in range(8000))
    text = f"version: 1\nname: big\naccounts:\n{accounts}\n"
    v = validate_text(text, "big.yaml")
    codes = [d.code for d in v.diagnostics]
    assert codes.count("DSB109") == 500
    [note] = [d for d in v.diagnostics if d.code == "DSB100"]
    assert note.message.startswith("more than 500 schema problems")
    assert note.line > 3  # at the first problem not reported: an account's id
    assert v.checked is None, "semantic rules do not run on a document that was not fully checked"
