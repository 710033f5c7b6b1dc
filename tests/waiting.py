"""Waiting for an event in another process, with a hang guard that is a count, not a clock.

Tests check events, counts and conditions, never how long something took (docs/development.md).
A wait still needs a bound so that a broken program fails the test instead of hanging it: that
bound is a generous number of polls, and hitting it fails with the event's name.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

import pytest

T = TypeVar("T")


def poll(condition: Callable[[], T], what: str, attempts: int = 1200, interval: float = 0.1) -> T:
    """``condition()`` once it is truthy; the test fails (hang guard) after ``attempts`` polls."""
    for _ in range(attempts):
        value = condition()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"hang guard: {what} did not happen after {attempts} polls")


def poll_quietly(condition: Callable[[], T], attempts: int = 300, interval: float = 0.1) -> T:
    """Like :func:`poll`, but returns the last (falsy) value instead of failing: for callers that
    assert on it themselves."""
    value = condition()
    for _ in range(attempts):
        if value:
            break
        time.sleep(interval)
        value = condition()
    return value
