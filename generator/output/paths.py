"""The ``-o`` path: checked before anything is written, its symbolic links followed.

The writer replaces the real directory (the end of every symbolic link on the way), in that directory's
parent, so the new tree and the old one are on one file system and a link named by ``-o`` stays a link,
pointing at the new tree, with terraform state where terraform looks for it. Nothing is created through a
link that leads nowhere, and a failed write removes the parent directories it created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from generator.output.errors import OutputError


@dataclass(frozen=True, slots=True)
class OutputPath:
    given: Path  # as the user wrote it (messages name it)
    real: Path  # every symbolic link resolved: the directory that is replaced


def output_path(out_dir: str | os.PathLike[str]) -> OutputPath:
    """Check ``out_dir`` without changing anything (raises OutputError)."""
    given = Path(out_dir)
    if given.name in ("", ".", ".."):
        raise OutputError(
            f"-o {os.fspath(out_dir) or repr('')}: compile replaces the output directory, so it needs a name, "
            "not '.' or '..'",
            f"name the directory itself, for example -o {os.path.realpath(given)}")
    walked = Path(given.anchor)
    for part in given.parts[len(walked.parts):]:
        walked /= part
        if walked.is_symlink() and not walked.exists():
            raise OutputError(
                f"{walked} is a symbolic link to {os.readlink(walked)}, which does not exist",
                "create the directory it points to, remove the link, or choose another -o directory")
        if not os.path.lexists(walked):
            break  # the rest is created
        if walked != given and not walked.is_dir():
            raise OutputError(f"{walked} is not a directory, so {given} cannot be created in it",
                              "choose another -o directory")
    real = Path(os.path.realpath(given))
    if os.path.lexists(real) and not real.is_dir():
        raise OutputError(f"{given} exists and is not a directory", "choose another -o directory")
    return OutputPath(given, real)


def make_parents(path: OutputPath) -> list[Path]:
    """Create the missing parents of the real directory; the directories created, outermost first."""
    missing = [p for p in (path.real.parent, *path.real.parent.parents) if not os.path.lexists(p)]
    created: list[Path] = []
    try:
        for directory in reversed(missing):
            os.mkdir(directory)
            created.append(directory)
    except BaseException:
        remove_parents(created)
        raise
    return created


def remove_parents(created: list[Path]) -> None:
    """Undo make_parents after a failed write (only directories still empty)."""
    for directory in reversed(created):
        try:
            os.rmdir(directory)
        except OSError:
            return
