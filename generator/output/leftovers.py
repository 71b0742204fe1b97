"""What an interrupted compile leaves beside the output directory, and putting it right on the next run.

The writer builds the new tree in ``.<name>.tmp-<pid>-<token>`` and moves the previous one to
``.<name>.old-<pid>-<token>`` for the moment of the swap (both beside the real output directory). A run
killed on the way leaves one of them behind, and between the two renames the output directory itself is
missing. The next run:

- moves the previous output back when the output directory is missing and one dead run's ``.old-`` holds it;
- deletes a leftover of a run that is no longer alive when nothing in it would be lost: every file is
  either generated (generated.py) or byte-identical in the live output (terraform's ``.terraform/``
  providers and modules excepted: ``terraform init`` fetches them again; state under it is compared);
- reports every other leftover (alive, from an unknown run, or holding state that differs) and keeps it.

Older versions named the temporary directory ``.<name>.tmp-<8 random characters>`` and the previous one
``.<name>.old-<pid>``; those are recognised as well (a temporary one without a pid is reported, not deleted).
They also renamed a symbolic link named by ``-o`` to ``.<name>.old-<pid>`` and then failed: such a link is
moved back when the output is missing, and otherwise reported (never deleted).
"""

from __future__ import annotations

import filecmp
import os
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from generator.output.errors import OutputError, OutputWarning
from generator.output.generated import MARKER, generated_in


@dataclass(frozen=True, slots=True)
class Leftover:
    path: Path
    kind: str  # "tmp" (a new tree being built) or "old" (the previous output, moved aside for the swap)
    pid: int | None  # the run that left it; None: unknown (an older version's temporary directory)
    link: bool = False  # a symbolic link -o named, renamed aside by an older version: never deleted


@dataclass(frozen=True, slots=True)
class Recovery:
    restored: Path | None  # the .old- directory moved back into place
    removed: tuple[Path, ...]
    warnings: tuple[OutputWarning, ...]


def sibling_name(real: Path, kind: str, token: str) -> Path:
    """The name this run gives its temporary (``tmp``) or previous (``old``) directory."""
    return real.with_name(f".{real.name}.{kind}-{os.getpid()}-{token}")


def find(real: Path) -> list[Leftover]:
    name = re.escape(real.name)
    current = re.compile(rf"\.{name}\.(tmp|old)-(\d+)-[0-9a-f]+")
    legacy_old = re.compile(rf"\.{name}\.old-(\d+)")
    legacy_tmp = re.compile(rf"\.{name}\.tmp-[a-z0-9_]{{8}}")
    found: list[Leftover] = []
    try:
        entries = sorted(os.listdir(real.parent))
    except FileNotFoundError:
        return []
    for entry in entries:
        path = real.parent / entry
        if not path.is_dir():
            continue
        if path.is_symlink():
            if m := legacy_old.fullmatch(entry):
                found.append(Leftover(path, "old", int(m.group(1)), link=True))
        elif m := current.fullmatch(entry):
            found.append(Leftover(path, m.group(1), int(m.group(2))))
        elif m := legacy_old.fullmatch(entry):
            found.append(Leftover(path, "old", int(m.group(1))))
        elif legacy_tmp.fullmatch(entry):
            found.append(Leftover(path, "tmp", None))
    return found


def alive(pid: int) -> bool:
    if pid == os.getpid():  # this run has made nothing yet: an earlier process that had the same pid
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, someone else's
        return True
    except OSError:
        return False
    return True


def recover(real: Path, shown: Path) -> Recovery:
    """Put right what interrupted runs left beside ``real`` (``shown``: the path messages name)."""
    leftovers = find(real)
    dead = [x for x in leftovers if x.pid is not None and not alive(x.pid)]
    restored = None
    if not os.path.lexists(real):
        running = [x for x in leftovers if x.kind == "old" and x not in dead]
        if running:
            raise OutputError(f"another compile (pid {running[0].pid}) is replacing {shown} right now",
                              "wait for it to finish, then compile again")
        previous = [x for x in dead if x.kind == "old" and _ours(x.path)]
        if len(previous) > 1:
            raise OutputError(
                f"{shown} is missing and interrupted compiles left several previous outputs beside it: "
                + ", ".join(str(x.path) for x in previous),
                f"move the one to keep back to {real}, then compile again")
        if previous:
            os.rename(previous[0].path, real)
            restored = previous[0].path
            leftovers.remove(previous[0])
    removed: list[Path] = []
    warnings: list[OutputWarning] = []
    for x in leftovers:
        if x.link:
            warnings.append(OutputWarning(
                f"{x.path} is a symbolic link to {os.readlink(x.path)} that an older dsql-backup moved aside; kept",
                "the directory it points to may hold terraform state: check it, then delete the link"))
            continue
        if x.pid is None:
            warnings.append(OutputWarning(
                f"{x.path} was left by an interrupted compile of an older dsql-backup; kept",
                "delete it once you have checked that it holds nothing you need (it may hold a copy of "
                "terraform state)"))
            continue
        if alive(x.pid):
            warnings.append(OutputWarning(
                f"{x.path} belongs to a compile that is still running (pid {x.pid}); left alone",
                f"if no compile into {shown} is running (another program now has that pid), delete it"))
            continue
        unique = next(_unique_files(x.path, real), None)
        if unique is not None:
            warnings.append(OutputWarning(
                f"{x.path} was left by an interrupted compile (pid {x.pid}) and holds {unique}, which is "
                f"not the same in {shown}; kept",
                f"compare it with {real / unique}, keep what you need, then delete {x.path}"))
            continue
        problem = remove_tree(x.path)
        if problem:
            warnings.append(problem)
        else:
            removed.append(x.path)
    return Recovery(restored, tuple(removed), tuple(warnings))


def _ours(path: Path) -> bool:
    return (path / MARKER).is_file() or not any(path.iterdir())


def _unique_files(leftover: Path, live: Path) -> Iterator[str]:
    """Files of ``leftover`` that would be lost with it: not generated, not empty, not the same in ``live``."""
    generated = generated_in(leftover)
    for dirpath, dirnames, filenames in os.walk(leftover):
        rel_dir = Path(dirpath).relative_to(leftover)
        for name in filenames + [d for d in dirnames if (Path(dirpath) / d).is_symlink()]:
            rel = (rel_dir / name).as_posix()
            src = Path(dirpath) / name
            if ".terraform" in rel_dir.parts and not name.endswith(".tfstate"):
                continue  # providers and modules: terraform init fetches them again
            if generated(rel) or (not src.is_symlink() and src.stat().st_size == 0):
                continue
            if not _same(src, live / rel):
                yield rel


def _same(a: Path, b: Path) -> bool:
    if a.is_symlink() or b.is_symlink():
        return a.is_symlink() and b.is_symlink() and os.readlink(a) == os.readlink(b)
    return b.is_file() and filecmp.cmp(a, b, shallow=False)


def remove_tree(path: Path) -> OutputWarning | None:
    """Delete a directory this writer made; a warning naming what could not be deleted (never raises)."""
    failed: list[str] = []
    shutil.rmtree(path, onerror=lambda _fn, p, _exc: failed.append(p))
    if not failed:
        return None
    return OutputWarning(f"could not delete {path} (for example {failed[0]})",
                         f"delete {path} yourself: it holds a copy dsql-backup no longer needs")
