"""Stage 6: the only code that writes compiled output to disk.

- Atomic: the new tree is built in a temporary sibling directory, then swapped in with renames, so an
  interrupted run leaves the previous output whole (and no half-written directory behind).
- Owns only directories it created: a marker file says so. A directory without it is left alone unless
  ``force``, and then it is moved aside (never deleted) before the new output takes its place.
- Keeps what is not generated: files terraform or people put into a root (``.terraform/``, local state,
  lock files, plans) are carried over into the new tree.
- Never touches anything outside the output directory and its temporary siblings.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.output.manifest import MANIFEST, generated_files

MARKER = ".dsql-backup-output"
MARKER_TEXT = (
    "This directory is written by `dsql-backup compile`. Generated files are replaced on every compile;\n"
    "files that compile did not generate (terraform state, .terraform/, lock files) are kept.\n"
)


class OutputError(Exception):
    """The output directory cannot be written (the message says why and what to do)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class WriteResult:
    directory: Path
    files_written: int
    kept: tuple[str, ...]  # files carried over from the previous output (not generated)
    moved_aside: Path | None  # where a foreign directory went with force=True


def write_output(files: Mapping[str, str], out_dir: str | os.PathLike[str], *, force: bool = False,
                 _write: Callable[[Path, str], None] | None = None) -> WriteResult:
    out = Path(out_dir)
    write = _write or _write_file
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a directory", "choose another -o directory")
    owned = (out / MARKER).is_file()
    empty = out.is_dir() and not any(out.iterdir())
    if out.is_dir() and not owned and not empty and not force:
        raise OutputError(
            f"{out} exists, is not empty and was not written by dsql-backup (no {MARKER} file)",
            "choose a new or empty -o directory, or pass --force to move the existing one aside first",
        )
    parent = out.resolve().parent
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=parent))
    try:
        for rel, text in sorted(files.items()):
            target = _inside(tmp, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target, text)
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        kept = _carry_over(out, tmp, set(files)) if owned else ()
        moved = _swap(out, tmp, owned=owned or empty)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return WriteResult(out, len(files), kept, moved)


def _write_file(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def _inside(base: Path, rel: str) -> Path:
    target = (base / rel).resolve()
    if not target.is_relative_to(base.resolve()):
        raise ValueError(f"refusing to write outside the output directory: {rel}")
    return target


def _carry_over(old: Path, new: Path, generated_now: set[str]) -> tuple[str, ...]:
    """Copy files that the previous compile did not generate (state, .terraform, ...) into the new tree."""
    try:
        previous = json.loads((old / MANIFEST).read_text(encoding="utf-8"))
        generated_before = generated_files(previous)
    except (OSError, ValueError):
        generated_before = set()
    kept: list[str] = []
    for dirpath, dirnames, filenames in os.walk(old, followlinks=False):
        rel_dir = Path(dirpath).relative_to(old)
        for d in list(dirnames):
            src = Path(dirpath) / d
            if src.is_symlink():
                continue
            if d == ".terraform":  # terraform's working directory: copied whole, symlinks kept as links
                rel = (rel_dir / d).as_posix()
                shutil.copytree(src, new / rel, symlinks=True)
                kept.append(rel + "/")
                dirnames.remove(d)
        for f in filenames:
            rel = (rel_dir / f).as_posix()
            if rel in generated_before or rel == MARKER or rel in generated_now:
                continue
            dest = new / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            src = Path(dirpath) / f
            if src.is_symlink():
                os.symlink(os.readlink(src), dest)
            else:
                shutil.copy2(src, dest)
            kept.append(rel)
    return tuple(sorted(kept))


def _swap(out: Path, tmp: Path, *, owned: bool) -> Path | None:
    if not out.exists():
        os.rename(tmp, out)
        return None
    if owned:
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        os.rename(out, old)
        os.rename(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    aside = out.with_name(f"{out.name}.replaced-{stamp}")
    os.rename(out, aside)
    os.rename(tmp, out)
    return aside
