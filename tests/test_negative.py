"""The negative corpus: every invalid policy in tests/negative/ gives exactly the diagnostics it must.

Each case is ``tests/negative/NN-short-name.expected`` -- one ``LINE:COLUMN SEVERITY CODE`` per line, in
the order the tool sorts diagnostics -- beside ``NN-short-name.yaml``, the policy that must produce them.

A ``.expected`` file without a ``.yaml`` is a *runtime case*: the input is made by the function that
:data:`RUNTIME` names for it (a file over the 10 MiB cap must not be committed; a missing file cannot be).
A ``.expected`` file with neither a ``.yaml`` nor a :data:`RUNTIME` entry fails, so deleting a fixture
never silently turns its case into a "file not found" test.

The expected files say what the tool *should* report. When the tool disagrees, the test fails; the
expected file is not bent to the tool.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from generator.diagnostics import Diagnostic
from generator.diagnostics.codes import CODES
from generator.policy.loader import MAX_BYTES
from generator.policy.validate import validate_file

NEGATIVE = Path(__file__).resolve().parent / "negative"
TOOL_CODES = {"DSB900", "DSB901", "DSB902", "DSB903", "DSB904"}  # tool errors: not something a policy can cause
FILE_LEVEL_CODES = {"DSB001", "DSB002"}  # the file was not read, so there is no line to point at
_LINE = re.compile(r"^(\d+):(\d+) (error|warning|note) (DSB\d{3})$")

Row = tuple[int, int, str, str]


def _missing_file(tmp_path: Path) -> Path:
    return tmp_path / "no-such-policy.yaml"


def _over_size_cap(tmp_path: Path) -> Path:
    """A valid-looking policy padded with comment lines to one byte over the cap."""
    path = tmp_path / "huge.yaml"
    head = (b'version: 1\nname: shop\naccounts:\n  prod: { id: "111111111111" }\n'
            b"# padding to exceed the 10 MiB size cap\n")
    filler = b"# " + b"x" * 77 + b"\n"
    body = head + filler * ((MAX_BYTES - len(head)) // len(filler) + 1)
    path.write_bytes(body[: MAX_BYTES + 1])
    assert path.stat().st_size == MAX_BYTES + 1
    return path


RUNTIME: dict[str, Callable[[Path], Path]] = {
    "01-file-does-not-exist": _missing_file,
    "03-file-over-size-cap": _over_size_cap,
}


def _cases() -> list[str]:
    return sorted(p.name.removesuffix(".expected") for p in NEGATIVE.glob("*.expected"))


CASES = _cases()


def _expected(name: str) -> list[Row]:
    rows: list[Row] = []
    for n, line in enumerate((NEGATIVE / f"{name}.expected").read_text(encoding="utf-8").splitlines(), 1):
        m = _LINE.match(line)
        assert m, f"{name}.expected:{n}: not 'LINE:COLUMN SEVERITY CODE': {line!r}"
        rows.append((int(m[1]), int(m[2]), m[3], m[4]))
    return rows


def _policy_path(name: str, tmp_path: Path) -> Path:
    fixture = NEGATIVE / f"{name}.yaml"
    if fixture.exists():  # a file, or a directory standing where a file is expected (DSB001)
        assert name not in RUNTIME, f"{name} has both a fixture and a runtime generator"
        return fixture
    assert name in RUNTIME, f"{name}.expected has no {name}.yaml and no runtime generator in RUNTIME"
    return RUNTIME[name](tmp_path)


def _diagnostics(name: str, tmp_path: Path) -> tuple[Diagnostic, ...]:
    return validate_file(_policy_path(name, tmp_path)).diagnostics


def _rows(diags: tuple[Diagnostic, ...]) -> list[Row]:
    return [(d.line, d.column, d.severity.value, d.code) for d in diags]


def _show(diags: tuple[Diagnostic, ...]) -> str:
    lines = [f"  {d.line}:{d.column} {d.severity.value} {d.code} {d.path}: {d.message} (hint: {d.hint})"
             for d in diags]
    return "\n".join(lines) or "  (none)"


def test_corpus_is_big_enough_and_well_named() -> None:
    assert len(CASES) >= 45
    for name in CASES:
        assert re.fullmatch(r"\d{2}-[a-z0-9]+(-[a-z0-9]+)*", name), name
    numbers = [name[:2] for name in CASES]
    assert len(numbers) == len(set(numbers)), "two fixtures share a number"
    orphans = {p.name.removesuffix(".yaml") for p in NEGATIVE.glob("*.yaml")} - set(CASES)
    assert not orphans, f"fixtures without an .expected file: {sorted(orphans)}"


@pytest.mark.parametrize("name", [c for c in CASES if (NEGATIVE / f"{c}.yaml").is_file()])
def test_fixture_starts_with_a_comment_saying_what_is_wrong(name: str) -> None:
    raw = (NEGATIVE / f"{name}.yaml").read_bytes()
    for encoding in ("utf-8", "utf-16", "latin-1"):  # the DSB003 fixtures are deliberately not UTF-8
        try:
            first = raw.decode(encoding).removeprefix("\ufeff").splitlines()[0]
            break
        except (UnicodeDecodeError, IndexError):
            continue
    assert first.startswith("# ") and len(first) > 10, f"{name}: first line {first!r}"


@pytest.mark.parametrize("name", CASES)
def test_fixture_gives_exactly_the_expected_diagnostics(name: str, tmp_path: Path) -> None:
    diags = _diagnostics(name, tmp_path)
    expected = _expected(name)
    assert _rows(diags) == expected, (
        f"{name}: expected\n" + "\n".join(f"  {ln}:{col} {sev} {code}" for ln, col, sev, code in expected)
        + "\ngot\n" + _show(diags)
    )


@pytest.mark.parametrize("name", CASES)
def test_every_diagnostic_is_located(name: str, tmp_path: Path) -> None:
    unlocated = [d for d in _diagnostics(name, tmp_path)
                 if (d.line < 1 or d.column < 1) and d.code not in FILE_LEVEL_CODES]
    assert not unlocated, f"{name}: diagnostics without a position:\n{_show(tuple(unlocated))}"


@pytest.mark.parametrize("name", CASES)
def test_every_diagnostic_has_a_message_and_a_hint(name: str, tmp_path: Path) -> None:
    bare = [d for d in _diagnostics(name, tmp_path) if not d.message.strip() or not d.hint.strip()]
    assert not bare, f"{name}: diagnostics without a message or hint:\n{_show(tuple(bare))}"


def test_expected_files_cover_every_policy_code() -> None:
    covered = {row[3] for name in CASES for row in _expected(name)}
    assert covered <= set(CODES), f"expected files name unknown codes: {sorted(covered - set(CODES))}"
    missing = set(CODES) - TOOL_CODES - covered
    assert not missing, f"no negative fixture produces: {sorted(missing)}"


def test_expected_severities_match_the_registry() -> None:
    for name in CASES:
        for line, col, severity, code in _expected(name):
            registry = CODES[code].severity.value
            assert registry == severity, f"{name}.expected: {line}:{col} {code} is {registry} in the registry"


def test_expected_rows_are_in_the_tools_order() -> None:
    """Sorted by line, then column, then errors before warnings, then code (Diagnostic.sort_key)."""
    rank = {"error": 0, "warning": 1, "note": 2}
    for name in CASES:
        rows = _expected(name)
        assert rows == sorted(rows, key=lambda r: (r[0], r[1], rank[r[2]], r[3])), name
