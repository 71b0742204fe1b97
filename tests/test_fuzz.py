"""A standing fuzz test: seeded mutants of the examples (examples/*.yaml) through ``dsql-backup compile``.

Each mutant applies one to three mutations to one example: a key deleted, a list item or a line duplicated, a
value retyped, quotes, ``${``, ``%{``, newlines or control characters injected into a string (value or key) or
anywhere in the text, the text truncated. For every mutant:

* ``generator.cli.main(["compile", policy, "-o", out])`` returns, and not 3 (an internal error);
* a policy that compiles compiles with ``--format tf-json`` too, and every ``.json`` file it writes parses;
* nothing is created, changed or removed beside the output directory (the listings of its parent, of the
  policies' folder and of the working directory are compared before and after);

and one ``terraform fmt -check -recursive`` over all the HCL outputs of the run parses every ``.tf`` file (a parse
error fails; formatting differences do not).

The mutants are the same on every run (seed :data:`SEED`); how many run is bounded by :data:`MAX_MUTANTS` and by
:data:`BUDGET_SECONDS` of wall time, and printed. ``DSQL_BACKUP_FUZZ_SECONDS`` and ``DSQL_BACKUP_FUZZ_SEED``
override the budget and the seed for a longer or different local run; a failure names the seed and the mutant.
"""

from __future__ import annotations

import io
import json
import os
import random
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cli
from generator.terraform.binary import TerraformRunner

pytestmark = pytest.mark.terraform

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "examples").glob("*.yaml"))
SEED = int(os.environ.get("DSQL_BACKUP_FUZZ_SEED", "16"))
BUDGET_SECONDS = float(os.environ.get("DSQL_BACKUP_FUZZ_SECONDS", "20"))
MAX_MUTANTS = 5000 if "DSQL_BACKUP_FUZZ_SECONDS" in os.environ else 400

# What a hostile or careless author writes into a string: quotes, Terraform's template sequences, line breaks,
# control characters, YAML and HCL syntax, a path out of the output.
PAYLOADS = ['"', "'", "\\", '\\"', "${", "${var.secret}", "%{", "%{ if true }x%{ endif }", "$${", "%%{", '"${',
            "%{ endif }", "\n",
            "\r\n", "\r", "\t", "\x00", "\x01", "\x1b[31m", "\x7f", "\u2028", "\ufeff", "}", "{", "#", "<<EOF\n",
            "../../", "/", "*", "é日本", " "]
# What a value can be retyped to.
RETYPED: list[Any] = [0, -1, 10**20, 1.5, True, False, None, "", "x", [], {}, ["x"], {"x": 1}, "2024-01-01",
                      "0x10", "1e3"]

KeyPath = tuple[Any, ...]  # a path of keys and indexes into the parsed policy


@dataclass(frozen=True)
class Mutant:
    index: int
    example: str
    mutations: tuple[str, ...]
    text: str


def _nodes(doc: Any, path: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    """Every node of the parsed document with its path, the root included."""
    out: list[tuple[KeyPath, Any]] = [(path, doc)]
    if isinstance(doc, dict):
        for k, v in doc.items():
            out += _nodes(v, (*path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += _nodes(v, (*path, i))
    return out


def _parent(doc: Any, path: KeyPath) -> Any:
    for step in path[:-1]:
        doc = doc[step]
    return doc


def _inject(rng: random.Random, text: str) -> str:
    payload, where = rng.choice(PAYLOADS), rng.random()
    if where < 0.2:
        return payload
    if where < 0.4:
        return text + payload  # "catalog\n": where a pattern's $ matches before a final newline
    at = rng.randint(0, len(text))
    return text[:at] + payload + text[at:]


def _delete_key(rng: random.Random, doc: Any) -> str | None:
    maps = [(p, n) for p, n in _nodes(doc) if isinstance(n, dict) and n]
    if not maps:
        return None
    path, node = rng.choice(maps)
    key = rng.choice(list(node))
    del node[key]
    return f"delete {[*path, key]}"


def _duplicate_item(rng: random.Random, doc: Any) -> str | None:
    lists = [(p, n) for p, n in _nodes(doc) if isinstance(n, list) and n]
    if not lists:
        return None
    path, node = rng.choice(lists)
    i = rng.randrange(len(node))
    node.insert(i, json.loads(json.dumps(node[i])))
    return f"duplicate {[*path, i]}"


def _retype(rng: random.Random, doc: Any) -> str | None:
    nodes = _nodes(doc)[1:]
    if not nodes:
        return None
    path, _ = rng.choice(nodes)
    value = rng.choice(RETYPED)
    _parent(doc, path)[path[-1]] = value
    return f"retype {list(path)} to {value!r}"


def _free_text(path: KeyPath) -> bool:
    """A string that may hold free text: an injection there can compile (most other strings must match a pattern).
    Tag values, versions and the audit frameworks' descriptions reach the compiled files."""
    return "tags" in path or path[-1] in {"description", "aws_provider_version", "required_version"}


def _inject_value(rng: random.Random, doc: Any) -> str | None:
    strings = [p for p, n in _nodes(doc)[1:] if isinstance(n, str)]
    if not strings:
        return None
    free_text = [p for p in strings if _free_text(p)]
    path = rng.choice(free_text if free_text and rng.random() < 0.6 else strings)
    new = _inject(rng, _parent(doc, path)[path[-1]])
    _parent(doc, path)[path[-1]] = new
    return f"inject {list(path)} = {new!r}"


def _inject_key(rng: random.Random, doc: Any) -> str | None:
    keys = [p for p, _ in _nodes(doc)[1:] if isinstance(p[-1], str)]
    if not keys:
        return None
    path = rng.choice(keys)
    parent = _parent(doc, path)
    new = _inject(rng, path[-1])
    if new in parent:
        return None
    parent[new] = parent.pop(path[-1])
    return f"inject key {list(path)} -> {new!r}"


STRUCTURAL: list[Callable[[random.Random, Any], str | None]] = [
    _delete_key, _duplicate_item, _retype, _inject_value, _inject_value, _inject_value, _inject_key]


def _text_mutation(rng: random.Random, text: str) -> tuple[str, str]:
    kind = rng.choice(["truncate", "duplicate line", "inject text"])
    if kind == "truncate":
        at = rng.randint(0, len(text))
        return text[:at], f"truncate at {at}"
    if kind == "duplicate line":
        lines = text.splitlines(keepends=True)
        i = rng.randrange(len(lines))
        return "".join([*lines[: i + 1], lines[i], *lines[i + 1:]]), f"duplicate line {i + 1}"
    at = rng.randint(0, len(text))
    payload = rng.choice(PAYLOADS)
    return text[:at] + payload + text[at:], f"inject {payload!r} at {at}"


def mutants(seed: int, sources: dict[str, str]) -> Iterator[Mutant]:
    """An endless, seeded stream of mutants of ``sources`` (name -> policy text)."""
    rng = random.Random(seed)
    parsed = {name: yaml.safe_load(text) for name, text in sources.items()}
    index = 0
    while True:
        name = rng.choice(sorted(sources))
        doc = json.loads(json.dumps(parsed[name]))
        done: list[str] = []
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            said = rng.choice(STRUCTURAL)(rng, doc)
            if said:
                done.append(said)
        text = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True)
        if rng.random() < 0.25:  # mutations of the text itself, on the example as written or as mutated
            text, said = _text_mutation(rng, sources[name] if not done else text)
            done.append(said)
        yield Mutant(index, name, tuple(done), text)
        index += 1


Listing = dict[str, tuple[bool, int, int]]


def listing(folder: Path) -> Listing:
    """Each entry of ``folder``: (is a directory, size, modification time in ns)."""
    out: Listing = {}
    with os.scandir(folder) as entries:
        for e in entries:
            st = e.stat(follow_symlinks=False)
            out[e.name] = (e.is_dir(follow_symlinks=False), st.st_size, st.st_mtime_ns)
    return out


def compile_(policy: Path, out: Path, *extra: str) -> tuple[int | None, str]:
    """The CLI in-process: (exit code, what it printed); exit code None and the exception when it raised."""
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        rc = cli.main(["compile", str(policy), "-o", str(out), *extra], stdout=stdout, stderr=stderr)
    except Exception as exc:  # the point: main never raises (SystemExit would end the test, and fail it)
        return None, f"raised {type(exc).__name__}: {exc}"
    return rc, stdout.getvalue() + stderr.getvalue()


def untouched(before: dict[Path, Listing], out: Path) -> list[str]:
    """What changed in the watched folders, other than the output directory ``out`` (and its parent's time)."""
    problems = []
    for folder, was in before.items():
        now = listing(folder)
        allowed = {out.name} if folder == out.parent else {out.parent.name} if folder == out.parent.parent else set()
        now.update({k: was[k] for k in allowed if k in was})
        for k in allowed - was.keys():
            now.pop(k, None)
        if now != was:
            changed = sorted(k for k in was.keys() | now.keys() if was.get(k) != now.get(k))
            problems.append(f"{folder.name}/ changed: {changed}")
    return problems


def check_mutant(m: Mutant, tmp: Path) -> tuple[bool, list[str]]:
    """Compile one mutant in both formats; (it compiled, what went wrong)."""
    name = f"{m.index:05d}"
    policy = tmp / "policies" / f"{name}.yaml"
    policy.write_text(m.text, encoding="utf-8")
    hcl, tfjson = tmp / "hcl" / name, tmp / "tf-json" / name
    watched = [tmp, tmp / "policies", tmp / "hcl", tmp / "tf-json", tmp / "cwd"]
    before = {folder: listing(folder) for folder in watched}
    rc, said = compile_(policy, hcl)
    # 0 compiled, 1 the policy has errors; never 3 (an internal error), nor 2 (a usage error: the argv is fine)
    problems = [] if rc in (0, 1) else [f"compile: exit {rc}: {said[-2000:]}"]
    problems += untouched(before, hcl)
    if rc != 0:
        return False, problems
    before = {folder: listing(folder) for folder in watched}
    rc, said = compile_(policy, tfjson, "--format", "tf-json")
    if rc != 0:
        problems.append(f"compile --format tf-json: exit {rc} where the HCL compile exited 0: {said[-2000:]}")
    problems += untouched(before, tfjson)
    for path in tfjson.rglob("*.json") if rc == 0 else ():
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError as exc:
            problems.append(f"{path.relative_to(tfjson)} is not JSON: {exc}")
    return True, problems


def test_mutated_examples_never_crash_and_compile_to_parseable_output(
        tf_runner: TerraformRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    for folder in ("policies", "hcl", "tf-json", "cwd"):
        (tmp_path / folder).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # a relative path written by mistake lands here, and is noticed
    sources = {p.name: p.read_text(encoding="utf-8") for p in EXAMPLES}
    assert len(sources) >= 8
    failures: list[str] = []
    ran = compiled = 0
    deadline = time.monotonic() + BUDGET_SECONDS
    for m in mutants(SEED, sources):
        if ran >= MAX_MUTANTS or time.monotonic() >= deadline:
            break
        ok, problems = check_mutant(m, tmp_path)
        ran += 1
        compiled += ok
        if problems:
            failures.append(f"seed {SEED} mutant {m.index} of {m.example} ({'; '.join(m.mutations)}): "
                            + " | ".join(problems))
        if len(failures) >= 10:
            break

    fmt = subprocess.run([str(tf_runner.binary), "fmt", "-no-color", "-check", "-list=false", "-recursive",
                          str(tmp_path / "hcl")], capture_output=True, text=True, env=dict(tf_runner.env),
                         timeout=300, check=False)
    if fmt.returncode not in (0, 3) or "Error:" in fmt.stderr:  # 3: formatting differences, not our concern here
        failures.append(f"terraform fmt could not parse the compiled HCL (exit {fmt.returncode}; seed {SEED}, each "
                        f"folder is named after its mutant's index):\n{fmt.stderr[-4000:]}")
    with capsys.disabled():
        print(f"\nfuzz: {ran} mutants of {len(sources)} examples (seed {SEED}), {compiled} compiled, "
              f"{len(failures)} failed")
    assert not failures, "\n".join(failures)
    assert ran >= 50, f"only {ran} mutants ran within {BUDGET_SECONDS} s"
    assert compiled >= ran // 20, f"only {compiled} of {ran} mutants compiled: the fuzzing reaches no renderer"
    assert list((tmp_path / "hcl").rglob("*.tf")) and list((tmp_path / "tf-json").rglob("*.tf.json"))
