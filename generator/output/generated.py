"""Which files of an output directory compile generated: those its manifest lists, the marker, and every
Terraform file that starts with the generated header. The header counts too, so a directory whose
manifest.json was lost still has its generated files replaced rather than kept beside the new ones (a
``dsql.tf`` left beside ``dsql.tf.json`` defines every resource twice)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from generator.output.manifest import MANIFEST, generated_files
from generator.render.cdktf import STACK_FILE
from generator.render.describe import GENERATED_BY

MARKER = ".dsql-backup-output"

_HEAD = 4096  # the header is at the start of a file: no need to read all of it
_HCL_HEADER = f"# {GENERATED_BY} "
_JSON_HEADER = re.compile(r'\{\s*"//":\s*"' + re.escape(GENERATED_BY) + " ")
_CDKTF_STACK = re.compile(r'\{\s*"//":\s*\{\s*"metadata":\s*\{')  # what CDKTF's synth writes first


def has_generated_header(path: Path) -> bool:
    """``path`` is a Terraform file that compile wrote: an HCL or Terraform JSON file starting with the
    generated header, or a CDKTF stack (``cdk.tf.json``) as CDKTF synthesizes it."""
    name = path.name
    if not name.endswith((".tf", ".tf.json")) or path.is_symlink() or not path.is_file():
        return False
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD).decode("utf-8", errors="replace")
    except OSError:
        return False
    if name.endswith(".tf"):
        return head.startswith(_HCL_HEADER)
    return bool(_JSON_HEADER.match(head) or (name == STACK_FILE and _CDKTF_STACK.match(head)))


def generated_in(directory: Path) -> Callable[[str], bool]:
    """A test of a path relative to ``directory``: did compile generate it (manifest, marker or header)?"""
    try:
        listed = generated_files(json.loads((directory / MANIFEST).read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError):  # AttributeError: a manifest that is not a JSON object
        listed = set()

    def generated(rel: str) -> bool:
        return rel in listed or rel == MARKER or has_generated_header(directory / rel)

    return generated
