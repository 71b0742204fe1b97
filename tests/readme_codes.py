"""Keep the README's table of diagnostic codes in step with the registry.

    python -m tests.readme_codes          exit 1 if the README is stale
    python -m tests.readme_codes --write  regenerate the table (make docs)
"""

from __future__ import annotations

import sys
from pathlib import Path

from generator.diagnostics.report import codes_markdown

README = Path(__file__).resolve().parent.parent / "README.md"
START, END = "<!-- codes:start -->", "<!-- codes:end -->"


def expected_readme(text: str) -> str:
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{codes_markdown()}{END}{tail}"


def main(argv: list[str]) -> int:
    text = README.read_text(encoding="utf-8")
    want = expected_readme(text)
    if "--write" in argv:
        README.write_text(want, encoding="utf-8")
        return 0
    if want != text:
        print("README.md's table of codes is stale: run `make docs`", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
