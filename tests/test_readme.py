"""The README stays true: its codes table, its first two commands, and the examples it lists."""

from __future__ import annotations

import re
from pathlib import Path

from generator.diagnostics.codes import CODES
from generator.policy.validate import validate_file
from tests.conftest import EXAMPLES, REPO
from tests.readme_codes import README, expected_readme


def test_codes_table_matches_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    assert text == expected_readme(text), "run `make docs`"
    for code in CODES:
        assert f"| {code} |" in text


def test_readme_starts_with_the_two_setup_commands_and_ci_runs_the_second() -> None:
    text = README.read_text(encoding="utf-8")
    first_block = re.search(r"```sh\n(.*?)```", text, re.DOTALL)
    assert first_block is not None and text.index(first_block.group(0)) < text.index("## ")
    commands = [line for line in first_block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].startswith("make install && .venv/bin/dsql-backup compile examples/")
    assert commands[1] == "make test"
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
    example = commands[0].split("compile ", 1)[1].split()[0]
    assert (REPO / example).is_file()


def test_readme_says_before_its_first_section_that_the_tests_need_graphviz() -> None:
    text = README.read_text(encoding="utf-8")
    intro = " ".join(text[: text.index("## ")].split())
    assert "Graphviz's `dot`" in intro
    assert "apt-get install graphviz" in intro and "brew install graphviz" in intro
    assert "`.ci/run` installs it" in intro
    assert "apt-get install -y -qq graphviz" in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_every_example_is_listed_in_the_readme_and_validates_clean() -> None:
    text = README.read_text(encoding="utf-8")
    for example in EXAMPLES:
        assert f"`{example.name}`" in text, example.name
        v = validate_file(example)
        assert v.ok, [(d.code, d.line, d.message) for d in v.diagnostics if d.severity == "error"]
        first_line = example.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == "# yaml-language-server: $schema=../schemas/policy.v1.json"


def test_readme_links_point_at_files_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    for target in re.findall(r"\]\(((?!https?:|#)[^)]+)\)", text):
        assert (REPO / target).exists(), target
    assert Path(REPO / "CHANGELOG.md").read_text(encoding="utf-8").startswith("# Changelog")
