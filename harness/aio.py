"""Running a coroutine to completion: on uvloop when it is installed, else on asyncio's own loop.

uvloop's event loop cuts the client's CPU per endpoint call by about a quarter (2.4 -> 1.8 ms
through the whole DSPy path; experiments/bench/throughput.py), which is what bounds calls per
second against a fast endpoint. Behaviour is the same on either loop.

The first run in a process also tunes the garbage collector (``tune_gc``): against a fast
endpoint, CPython's default of a young collection every 700 allocations spent about a tenth of
the event loop's time in the collector (measured with ``gc.callbacks``), and each pause delays
every reply waiting behind it.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

YOUNG_THRESHOLD = 20_000  # allocations between young collections (CPython's default: 700)
_tuned = False


def tune_gc() -> None:
    """Once per process: move everything alive now (imported modules, DSPy's and LiteLLM's tables:
    hundreds of thousands of objects that live as long as the process) out of the collector's
    reach with ``gc.freeze``, so full collections only walk what runs create, and collect the
    young generation less often. Reference cycles are still collected; only later."""
    global _tuned
    if _tuned:
        return
    _tuned = True
    gc.freeze()
    young, older, oldest = gc.get_threshold()
    gc.set_threshold(max(YOUNG_THRESHOLD, young), older, oldest)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    tune_gc()
    try:
        import uvloop
    except ImportError:  # not available on every platform (Windows)
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
