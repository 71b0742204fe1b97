"""Every example's compiled output matches its golden directory (refresh with `make golden`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.golden import EXAMPLES, GOLDEN, expected_files, read_tree


def test_there_is_a_golden_directory_per_example() -> None:
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(e.stem for e in EXAMPLES)
    assert len(EXAMPLES) >= 6


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_matches_golden(example: Path) -> None:
    want = read_tree(GOLDEN / example.stem)
    got = expected_files(example)
    assert sorted(got) == sorted(want), "files differ: run `make golden` and review the diff"
    for name in sorted(got):
        assert got[name] == want[name], f"{example.stem}/{name} differs: run `make golden` and review the diff"
