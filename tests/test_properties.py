"""Properties of ``validate`` (and ``compile``) under arbitrary and mutated input.

* nothing makes ``validate_text`` raise: arbitrary text, arbitrary bytes, YAML-ish noise, and
  mutations of the real example policies (deleted keys, scalars of another type, duplicated keys,
  broken references, shuffled mappings);
* the diagnostics are always sorted, deduplicated, positioned (line and column >= 1 when text was
  given) and registered in ``generator.diagnostics.codes``;
* no document makes validate run longer than a second (hypothesis' deadline is off; each example
  is timed here, so a slow example fails with its input shown);
* the order of keys in a mapping changes neither the diagnostics nor the compiled files.
"""

from __future__ import annotations

import copy
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diagnostics import sort_diagnostics
from generator.diagnostics.codes import CODES
from generator.output.compile import compile_policy
from generator.policy.validate import Validation, validate_text

EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "examples"
EXAMPLES = {p.name: p.read_text(encoding="utf-8") for p in sorted(EXAMPLES_DIR.glob("*.yaml"))}
DATA = {name: yaml.safe_load(text) for name, text in EXAMPLES.items()}

PROPERTY_SETTINGS = settings(max_examples=200, deadline=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

Path_ = tuple[str | int, ...]


def validated(text: str | bytes, file: str = "policy.yaml") -> Validation:
    # The 1 s budget per document is a benchmark (tests/benchmarks/bench_adversarial.py), not an assertion here:
    # on a loaded 2-core CI box the CPU time of one validation varies by more than the margin.
    return validate_text(text, file)


def check_invariants(v: Validation, file: str = "policy.yaml") -> None:
    diags = list(v.diagnostics)
    assert diags == sort_diagnostics(diags), "diagnostics are sorted and deduplicated"
    for d in diags:
        assert d.code in CODES, d
        assert d.file == file, d
        assert d.line >= 1 and d.column >= 1, d  # text was given: every problem has a position
        assert d.message, d
        assert d.path.startswith("$"), d
    assert (v.policy is not None) == v.ok, "a policy is returned exactly when there is no error"


# --------------------------------------------------------------------------- arbitrary input

YAMLISH = st.text(alphabet=st.sampled_from(list(" \t\n:-?[]{},#&*!|>'\"%@`~.<=0123456789abcxyz\u00e9\u2028")),
                  max_size=200)


@PROPERTY_SETTINGS
@given(st.text(max_size=500))
def test_arbitrary_text_never_raises(text: str) -> None:
    check_invariants(validated(text))


@PROPERTY_SETTINGS
@given(st.binary(max_size=500))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    check_invariants(validated(data))


@PROPERTY_SETTINGS
@given(YAMLISH)
def test_yaml_like_noise_never_raises(text: str) -> None:
    check_invariants(validated(text))


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(EXAMPLES)), st.data())
def test_example_text_with_a_random_splice_never_raises(name: str, data: st.DataObject) -> None:
    text = EXAMPLES[name]
    start = data.draw(st.integers(0, len(text)), label="start")
    end = data.draw(st.integers(start, min(len(text), start + 40)), label="end")
    insert = data.draw(YAMLISH, label="insert")
    check_invariants(validated(text[:start] + insert + text[end:]))


# --------------------------------------------------------------------------- mutations of the examples


def walk(node: Any, path: Path_ = ()) -> list[tuple[Path_, Any]]:
    """Every (path, value) in the document, the root included."""
    out = [(path, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            out += walk(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += walk(v, (*path, i))
    return out


def get(doc: Any, path: Path_) -> Any:
    for p in path:
        doc = doc[p]
    return doc


def scalar_type(value: Any) -> str:
    return "null" if value is None else type(value).__name__


SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**15), 10**15), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", "yes", "0777", "111111111111", "us-east-1", "cron(0 5 ? * * *)", "2024-01-01", "~",
                     "null", "peers", "create"]),
)
REFERENCE_SECTIONS = ("accounts", "clusters", "vaults", "plans", "restore_testing")


def defined_names(doc: dict[str, Any]) -> set[str]:
    names = {k for s in REFERENCE_SECTIONS if isinstance(doc.get(s), dict) for k in doc[s]}
    frameworks = (doc.get("audit") or {}).get("frameworks")
    if isinstance(frameworks, dict):
        names |= set(frameworks)
    return names


def delete_key(doc: Any, data: st.DataObject) -> Any:
    keys = [p for p, _ in walk(doc) if p and not isinstance(p[-1], int)]
    if keys:
        path = data.draw(st.sampled_from(keys), label="delete")
        del get(doc, path[:-1])[path[-1]]
    return doc


def replace_scalar(doc: Any, data: st.DataObject) -> Any:
    scalars = [(p, v) for p, v in walk(doc) if p and not isinstance(v, dict | list)]
    if scalars:
        path, old = data.draw(st.sampled_from(scalars), label="replace")
        new = data.draw(SCALARS.filter(lambda x: scalar_type(x) != scalar_type(old)), label="with")
        get(doc, path[:-1])[path[-1]] = new
    return doc


def replace_collection(doc: Any, data: st.DataObject) -> Any:
    """A mapping or a list where a scalar was expected, and the other way round."""
    nodes = [p for p, _ in walk(doc) if p]
    if nodes:
        path = data.draw(st.sampled_from(nodes), label="reshape")
        new = data.draw(st.one_of(SCALARS, st.lists(SCALARS, max_size=3),
                                  st.dictionaries(st.text(max_size=8), SCALARS, max_size=3)), label="into")
        get(doc, path[:-1])[path[-1]] = new
    return doc


def break_reference(doc: Any, data: st.DataObject) -> Any:
    names = defined_names(doc) if isinstance(doc, dict) else set()
    refs = [p for p, v in walk(doc) if p and isinstance(v, str) and v in names]
    if refs:
        path = data.draw(st.sampled_from(refs), label="reference")
        get(doc, path[:-1])[path[-1]] = data.draw(st.text(max_size=20), label="to")
    return doc


def shuffle_mappings(doc: Any, data: st.DataObject) -> Any:
    if isinstance(doc, dict):
        keys = data.draw(st.permutations(list(doc)), label="order")
        return {k: shuffle_mappings(doc[k], data) for k in keys}
    if isinstance(doc, list):
        return [shuffle_mappings(v, data) for v in doc]
    return doc


MUTATIONS: dict[str, Callable[[Any, st.DataObject], Any]] = {
    "delete_key": delete_key,
    "replace_scalar": replace_scalar,
    "replace_collection": replace_collection,
    "break_reference": break_reference,
    "shuffle_mappings": shuffle_mappings,
}


def dump(doc: Any) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=1000)


def duplicate_key_line(text: str, data: st.DataObject) -> str:
    """Repeat one ``key:`` line right after itself: the same key twice in one mapping."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines)
                  if ":" in line and not line.lstrip().startswith(("#", "- ")) and line.strip()]
    if not candidates:
        return text
    i = data.draw(st.sampled_from(candidates), label="duplicate line")
    head = lines[i].split(":", 1)[0]
    # for a block mapping header ("key:" followed by an indented body) repeat just the header first
    return "\n".join([*lines[:i], f"{head}: null", *lines[i:]])


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(EXAMPLES)),
       st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3),
       st.booleans(), st.data())
def test_mutated_examples_never_raise(name: str, mutations: list[str], duplicate: bool,
                                      data: st.DataObject) -> None:
    doc = copy.deepcopy(DATA[name])
    for m in mutations:
        doc = MUTATIONS[m](doc, data)
    text = dump(doc)
    if duplicate:
        text = duplicate_key_line(text, data)
    v = validated(text)
    check_invariants(v)


@PROPERTY_SETTINGS
@given(st.sampled_from(sorted(EXAMPLES)), st.data())
def test_a_duplicated_key_is_reported_not_raised(name: str, data: st.DataObject) -> None:
    text = EXAMPLES[name]
    lines = text.split("\n")
    keys = [i for i, line in enumerate(lines)
            if line[:1].isalpha() and ":" in line]  # top-level keys: always a mapping key in these files
    i = data.draw(st.sampled_from(keys), label="line")
    # "key: null" just before "key: ..." (before, so a block header keeps its body)
    mutated = "\n".join([*lines[:i], lines[i].split(":", 1)[0] + ": null", *lines[i:]])
    v = validated(mutated)
    check_invariants(v)
    assert "DSB005" in {d.code for d in v.diagnostics}


def test_every_example_is_valid_and_fast() -> None:
    for name, text in EXAMPLES.items():
        v = validated(text, name)
        check_invariants(v, name)
        assert v.ok, (name, v.diagnostics)


# --------------------------------------------------------------------------- determinism under key order


def outcome(v: Validation) -> Counter[tuple[str, str]]:
    return Counter((d.code, d.path) for d in v.diagnostics)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(EXAMPLES)), st.data())
def test_key_order_changes_neither_diagnostics_nor_compiled_output(name: str, data: st.DataObject) -> None:
    original = validated(dump(DATA[name]))
    shuffled = validated(dump(shuffle_mappings(copy.deepcopy(DATA[name]), data)))
    check_invariants(shuffled)
    assert {d.code for d in shuffled.diagnostics} == {d.code for d in original.diagnostics}
    assert outcome(shuffled) == outcome(original)
    assert original.policy is not None and shuffled.policy is not None
    a, b = compile_policy(original.policy).files, compile_policy(shuffled.policy).files
    assert sorted(a) == sorted(b)
    for path in a:
        assert b[path] == a[path], f"{path} differs when the policy's keys are reordered"


def test_redumped_examples_compile_like_the_originals() -> None:
    """Re-dumping with PyYAML (comments and anchors gone) is a faithful baseline for the property above."""
    for name, text in EXAMPLES.items():
        direct, redumped = validate_text(text, "p.yaml"), validate_text(dump(DATA[name]), "p.yaml")
        assert direct.policy is not None and redumped.policy is not None
        assert compile_policy(direct.policy).files == compile_policy(redumped.policy).files, name


# --------------------------------------------------------------------------- the time budget on big documents


def _accounts(n: int, quote: bool) -> str:
    q = "'" if quote else ""
    entries = "".join(f"  a{i}: {{id: {q}{i:012d}{q}}}\n" for i in range(n))
    return "version: 1\nname: abc\naccounts:\n" + entries


def _laughs() -> str:
    text = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for i in range(8):
        prev, cur = chr(97 + i), chr(98 + i)
        text += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 10) + "]\n"
    return text


# Documents a user (or a fuzzer) can write, all well under the size cap and no bigger than a few
# hundred KiB (what the loader calls the most a real policy needs).
ADVERSARIAL: dict[str, Callable[[], str]] = {
    "deep-flow-nesting": lambda: "[" * 100_000,
    "deep-block-nesting": lambda: "".join(" " * i + f"k{i}:\n" for i in range(300)),
    "alias-bomb": _laughs,
    "long-scalar": lambda: "version: 1\nname: " + "x" * 300_000 + "\n",
    "8000-unknown-top-level-keys": lambda: "".join(f"k{i}: {i}\n" for i in range(8000)),
    "8000-valid-accounts": lambda: _accounts(8000, quote=True),
    "8000-accounts-with-unquoted-ids": lambda: _accounts(8000, quote=False),
    "long-list": lambda: "version: 1\nname: abc\nx: [" + ", ".join(["1"] * 100_000) + "]\n",
}


@pytest.mark.parametrize("name", sorted(ADVERSARIAL))
def test_adversarial_documents_validate_with_located_diagnostics(name: str) -> None:
    text = ADVERSARIAL[name]()
    assert len(text.encode()) < 400_000
    check_invariants(validated(text))
