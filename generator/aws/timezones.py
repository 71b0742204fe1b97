"""IANA time zone names for ``schedule_expression_timezone`` (facts 3.2), checked and suggested.

The names come from :func:`zoneinfo.available_timezones`, backed by the ``tzdata`` package so the check
does not depend on the machine having system time zone data.
"""

from __future__ import annotations

import difflib
import functools
import re
import zoneinfo

__all__ = ["is_valid_timezone", "suggest_timezone"]

# Present in some system zoneinfo directories, but not time zone names a user means.
_NOT_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_OFFSET = re.compile(r"(?:UTC|GMT|Z)?\s*([+-])\s*([0-9]{1,2})(?::?([0-9]{2}))?", re.IGNORECASE)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(
        z
        for z in zoneinfo.available_timezones()
        if z not in _NOT_ZONES and not z.startswith(("posix/", "right/"))
    )


@functools.cache
def _by_lower() -> dict[str, str]:
    return {z.lower(): z for z in sorted(_zones())}


@functools.cache
def _by_city() -> dict[str, str]:
    """Last path component -> zone; a canonical Area/City wins over deeper or legacy names."""
    out: dict[str, str] = {}
    for z in sorted(_zones(), key=lambda z: (z.count("/") != 1, z)):
        out.setdefault(z.rsplit("/", 1)[-1].lower(), z)
    return out


def is_valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA time zone name, spelled exactly (names are case-sensitive)."""
    return name in _zones()


def suggest_timezone(name: str) -> str | None:
    """The IANA name the user most probably meant, or None.

    "europe/berlin" -> "Europe/Berlin"; "New York" -> "America/New_York"; "Europe/Berln" -> "Europe/Berlin";
    "UTC" or "UTC+0" -> "Etc/UTC"; "UTC+1" -> "Etc/GMT-1" (POSIX sign: Etc/GMT-1 is one hour *ahead* of UTC).
    """
    text = name.strip()
    if not text:
        return None
    key = re.sub(r"\s+", "_", text).lower()
    if key in _by_lower():
        return _by_lower()[key]
    fixed = _fixed_offset(text)  # before the city lookup: "GMT-5" must not find Etc/GMT-5 (UTC+5)
    if fixed is not None:
        return fixed
    if key in _by_city():
        return _by_city()[key]
    close = difflib.get_close_matches(key, list(_by_lower()), n=1, cutoff=0.75)
    if close:
        return _by_lower()[close[0]]
    city = key.rsplit("/", 1)[-1]
    close = difflib.get_close_matches(city, list(_by_city()), n=1, cutoff=0.8)
    return _by_city()[close[0]] if close else None


def _fixed_offset(text: str) -> str | None:
    if text.upper() in {"UTC", "GMT", "Z"}:
        return "Etc/UTC"
    m = _OFFSET.fullmatch(text)
    if m is None:
        return None
    sign, hours, minutes = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    if minutes:
        return None  # no Etc/ zone for half-hour offsets; the user wants a place name
    if hours == 0:
        return "Etc/UTC"
    zone = f"Etc/GMT{'-' if sign == '+' else '+'}{hours}"
    return zone if zone in _zones() else None
