"""Polling with a deadline and progress, on an injectable clock (tests run it without sleeping)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Clock:
    now: Callable[[], float] = field(default=time.monotonic)
    sleep: Callable[[float], None] = field(default=time.sleep)


class WaitTimeout(Exception):
    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"{what} did not finish within {format_duration(seconds)}")
        self.what = what


def format_duration(seconds: float) -> str:
    s = round(seconds)
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def poll(what: str, fetch: Callable[[], T], finished: Callable[[T], bool], *, timeout: float, interval: float,
         clock: Clock, progress: Callable[[T, float], None] | None = None) -> T:
    """Call ``fetch`` every ``interval`` seconds until ``finished`` says so; :class:`WaitTimeout` after
    ``timeout`` seconds. ``progress`` sees every value and the time elapsed."""
    start = clock.now()
    while True:
        value = fetch()
        elapsed = clock.now() - start
        if progress is not None:
            progress(value, elapsed)
        if finished(value):
            return value
        if elapsed >= timeout:
            raise WaitTimeout(what, timeout)
        clock.sleep(max(0.0, min(interval, timeout - elapsed)))
