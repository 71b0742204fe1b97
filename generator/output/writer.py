"""Stage 6: the only code that writes compiled output to disk.

- Atomic: the new tree is built in a temporary sibling directory, then swapped in with renames, so an
  interrupted run leaves the previous output whole. What a killed run leaves beside it is put right by the
  next run (leftovers.py): the previous output moved back, redundant copies deleted, anything else reported.
- Follows symbolic links: the real directory is replaced, in its own parent (paths.py), so a link named by
  ``-o`` stays a link and terraform state stays where terraform looks for it, on any file system.
- Owns only directories it created: a marker file says so. A directory without it is left alone unless
  ``force``, and then it is moved aside (never deleted) before the new output takes its place.
- Keeps what is not generated: files terraform or people put into a root (``.terraform/``, local state,
  lock files, plans) are carried over into the new tree. Generated files are known by the manifest and by
  their header (generated.py), so switching formats never leaves the old format's files beside the new.
- Directories get the modes ``mkdir`` gives under the user's umask.
- Never touches anything outside the output directory and its temporary siblings; every operating-system
  failure is an OutputError, and a failed run removes the parent directories it created.
"""

from __future__ import annotations

import os
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from generator.output import leftovers
from generator.output.errors import OutputError, OutputWarning, from_os_error
from generator.output.generated import MARKER, generated_in
from generator.output.paths import make_parents, output_path, remove_parents

__all__ = ["MARKER", "MARKER_TEXT", "OutputError", "OutputWarning", "WriteResult", "write_output"]

MARKER_TEXT = (
    "This directory is written by `dsql-backup compile`. Generated files are replaced on every compile;\n"
    "files that compile did not generate (terraform state, .terraform/, lock files) are kept.\n"
)


@dataclass(frozen=True, slots=True)
class WriteResult:
    directory: Path
    files_written: int
    kept: tuple[str, ...]  # files carried over from the previous output (not generated)
    moved_aside: Path | None  # where a foreign directory went with force=True
    restored: Path | None = None  # an interrupted run's previous output, moved back into place first
    removed: tuple[Path, ...] = ()  # leftovers of interrupted runs that held nothing to lose, deleted
    warnings: tuple[OutputWarning, ...] = ()  # leftovers kept, directories that could not be deleted


def write_output(files: Mapping[str, str], out_dir: str | os.PathLike[str], *, force: bool = False,
                 _write: Callable[[Path, str], None] | None = None) -> WriteResult:
    """Write ``files`` (relative path -> text) as the directory ``out_dir``; raises OutputError."""
    path = output_path(out_dir)
    try:
        created = make_parents(path)
    except OSError as exc:
        raise from_os_error(path.given, exc) from exc
    try:
        return _write_tree(files, path.given, path.real, force=force, write=_write or _write_file)
    except OSError as exc:
        remove_parents(created)
        raise from_os_error(path.given, exc) from exc
    except BaseException:
        remove_parents(created)
        raise


def _write_tree(files: Mapping[str, str], out: Path, real: Path, *, force: bool,
                write: Callable[[Path, str], None]) -> WriteResult:
    recovery = leftovers.recover(real, out)
    if recovery.restored is not None:  # it may be a symbolic link that was moved aside: follow it again
        real = Path(os.path.realpath(out))
    owned = (real / MARKER).is_file()
    empty = real.is_dir() and not any(real.iterdir())
    if real.is_dir() and not owned and not empty and not force:
        raise OutputError(
            f"{out} exists, is not empty and was not written by dsql-backup (no {MARKER} file)",
            "choose a new or empty -o directory, or pass --force to move the existing one aside first",
        )
    if owned and not os.access(real, os.W_OK | os.X_OK):
        raise OutputError(f"{out} is read-only: compile replaces the files in it",
                          f"make it writable (chmod u+w {out}) or choose another -o directory")
    token = secrets.token_hex(4)
    tmp = leftovers.sibling_name(real, "tmp", token)
    os.mkdir(tmp)  # not tempfile.mkdtemp: its 0700 would become the output directory's mode
    try:
        (tmp / MARKER).write_text(MARKER_TEXT, encoding="utf-8")  # first: the next run knows it as ours
        for rel, text in sorted(files.items()):
            target = _inside(tmp, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            write(target, text)
        kept = _carry_over(real, tmp, set(files)) if owned else ()
        previous = _swap(real, tmp, leftovers.sibling_name(real, "old", token), owned=owned or empty)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    warnings = list(recovery.warnings)
    moved = None
    if previous is not None and (owned or empty):
        problem = leftovers.remove_tree(previous)
        if problem:
            warnings.append(problem)
    else:
        moved = previous
    return WriteResult(out, len(files), kept, moved, recovery.restored, recovery.removed, tuple(warnings))


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
    generated_before = generated_in(old)
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
            if rel in generated_now or generated_before(rel):
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


def _swap(real: Path, tmp: Path, old: Path, *, owned: bool) -> Path | None:
    """Put ``tmp`` in the place of ``real``; where the previous ``real`` went (``old`` when ``owned``, else a
    ``.replaced-<time>`` name that is kept). If the second rename fails, the previous directory goes back."""
    if not os.path.lexists(real):
        os.rename(tmp, real)
        return None
    if not owned:
        old = real.with_name(f"{real.name}.replaced-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    os.rename(real, old)
    try:
        os.rename(tmp, real)
    except BaseException:
        os.rename(old, real)
        raise
    return old
