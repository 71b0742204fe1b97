"""A document with thousands of schema problems is reported in bounded time: the first MAX_ERRORS, then a note."""

from __future__ import annotations

import time

from generator.policy.schema import MAX_ERRORS
from generator.policy.validate import validate_text


def test_schema_problems_are_capped_and_rules_wait() -> None:
    accounts = "\n".join(f"  a{i}: {{id: {100000000000 + i}}}" for i in range(8000))
    text = f"version: 1\nname: big\naccounts:\n{accounts}\n"
    start = time.process_time()
    v = validate_text(text, "big.yaml")
    assert time.process_time() - start < 1.0
    codes = [d.code for d in v.diagnostics]
    assert codes.count("DSB109") == MAX_ERRORS
    [note] = [d for d in v.diagnostics if d.code == "DSB100"]
    assert note.message.startswith(f"more than {MAX_ERRORS} schema problems")
    assert note.line > 3  # at the first problem not reported: an account's id
    assert v.checked is None, "semantic rules do not run on a document that was not fully checked"
