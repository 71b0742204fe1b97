"""What the writer reports: an error (nothing was changed) or a warning (written, but look at this)."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


class OutputError(Exception):
    """The output directory cannot be written (the message says why and what to do)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class OutputWarning:
    message: str
    hint: str


_HINTS = {
    errno.EACCES: "make the directory writable for you, or choose another -o directory",
    errno.EPERM: "make the directory writable for you, or choose another -o directory",
    errno.EROFS: "the file system is read-only: choose another -o directory",
    errno.ENOSPC: "free some space on that file system, or choose another -o directory",
    errno.EDQUOT: "free some space (disk quota), or choose another -o directory",
    errno.EBUSY: "compile replaces the directory by renaming it, which a mount point does not allow: "
                 "choose a directory inside it",
}


def from_os_error(out: Path, exc: OSError) -> OutputError:
    """An operating-system failure while writing ``out`` as an OutputError naming the file and the cause."""
    where = f" ({exc.filename})" if exc.filename else ""
    return OutputError(f"cannot write {out}: {exc.strerror or exc}{where}",
                       _HINTS.get(exc.errno or 0, "check the -o path and its parent directory, or choose another"))
