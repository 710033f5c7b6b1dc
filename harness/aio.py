"""Running a coroutine to completion: on uvloop when it is installed, else on asyncio's own loop.

uvloop's event loop cuts the client's CPU per endpoint call by about a quarter (2.4 -> 1.8 ms
through the whole DSPy path; experiments/bench/throughput.py), which is what bounds calls per
second against a fast endpoint. Behaviour is the same on either loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    try:
        import uvloop
    except ImportError:  # not available on every platform (Windows)
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
