"""IANA time zone validation and "did you mean" suggestions."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.aws.timezones import is_valid_timezone, suggest_timezone


@pytest.mark.parametrize(
    "name",
    [
        "Etc/UTC",
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Tokyo",
        "America/Argentina/Buenos_Aires",
        "Etc/GMT-1",
    ],
)
def test_valid(name: str) -> None:
    assert is_valid_timezone(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "europe/berlin",
        "Europe/Berln",
        "UTC+1",
        "Berlin",
        "localtime",
        "Factory",
        "New York",
        "America/New York",
        " Europe/Berlin",
        "Mars/Olympus_Mons",
    ],
)
def test_invalid(name: str) -> None:
    assert not is_valid_timezone(name)


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("europe/berlin", "Europe/Berlin"),
        ("EUROPE/BERLIN", "Europe/Berlin"),
        ("America/New York", "America/New_York"),
        ("New York", "America/New_York"),
        ("berlin", "Europe/Berlin"),
        ("Tokyo", "Asia/Tokyo"),
        ("Europe/Berln", "Europe/Berlin"),
        ("Amercia/Chicago", "America/Chicago"),
        ("utc", "UTC"),
        ("GMT", "GMT"),
        ("UTC+0", "Etc/UTC"),
        ("UTC+1", "Etc/GMT-1"),
        ("GMT-5", "Etc/GMT+5"),
        ("+02:00", "Etc/GMT-2"),
        (" Europe/Paris ", "Europe/Paris"),
    ],
)
def test_suggest(name: str, suggestion: str) -> None:
    assert suggest_timezone(name) == suggestion
    assert is_valid_timezone(suggestion)


@pytest.mark.parametrize("name", ["", "   ", "UTC+5:30", "UTC+25", "qwertyuiop", "12345"])
def test_no_suggestion(name: str) -> None:
    assert suggest_timezone(name) is None


@given(st.text(max_size=40))
def test_suggestions_are_always_valid_names(name: str) -> None:
    suggestion = suggest_timezone(name)
    assert suggestion is None or is_valid_timezone(suggestion)
