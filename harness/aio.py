"""Running a coroutine to completion: on uvloop when it is installed, else on asyncio's own loop.

uvloop's event loop cuts the client's CPU per endpoint call by about a quarter (2.4 -> 1.8 ms
through the whole DSPy path; experiments/bench/throughput.py), which is what bounds calls per
second against a fast endpoint. Behaviour is the same on either loop.

The first run in a process also tunes the garbage collector (``tune_gc``): against a fast
endpoint, CPython's default of a young collection every 700 allocations spent about a tenth of
the event loop's time in the collector (measured with ``gc.callbacks``), and each pause delays
every reply waiting behind it.

On POSIX, ``kill -USR1 <pid>`` prints every task's stack to stderr (``dump_tasks``): a thread dump
(py-spy, faulthandler) of a process waiting on its event loop shows only the loop, not what the
loop's tasks are waiting for.
"""

from __future__ import annotations

import asyncio
import gc
import signal
import sys
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


def _awaiting(task: asyncio.Task) -> list[str]:
    """The chain of coroutines a task is suspended in, outermost first, down to what it awaits
    (``Task.get_stack`` gives only the outermost frame of a suspended coroutine)."""
    lines, awaited = [], task.get_coro()
    while awaited is not None:
        frame = getattr(awaited, "cr_frame", None) or getattr(awaited, "gi_frame", None)
        if frame is None:  # a future or a finished coroutine: what the chain waits on
            lines.append(f"    waiting on {awaited!r}"[:300])
            break
        lines.append(f"    {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
        awaited = getattr(awaited, "cr_await", None) or getattr(awaited, "gi_yieldfrom", None)
    return lines


def dump_tasks() -> None:
    """Every task of the running loop, with the chain of coroutines it is suspended in, to stderr."""
    tasks = asyncio.all_tasks()
    print(f"--- {len(tasks)} asyncio tasks ---", file=sys.stderr)
    for task in tasks:
        print(f"{task.get_name()}:", *_awaiting(task), sep="\n", file=sys.stderr)
    sys.stderr.flush()


async def _with_task_dump(coroutine: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGUSR1, dump_tasks)
    except (NotImplementedError, AttributeError, RuntimeError, ValueError):  # Windows, or not the main thread
        return await coroutine
    try:
        return await coroutine
    finally:
        loop.remove_signal_handler(signal.SIGUSR1)


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    tune_gc()
    try:
        import uvloop
    except ImportError:  # not available on every platform (Windows)
        return asyncio.run(_with_task_dump(coroutine))
    return uvloop.run(_with_task_dump(coroutine))
