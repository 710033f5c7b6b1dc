"""An asyncio event loop on a virtual clock, so tests of timing logic do not depend on the machine,
and benchmarks can ask what a run's shape allows when the client's own work costs no time
(experiments/bench/throughput.py).

When the loop has nothing ready it would sleep until its next timer; here it jumps the clock to
that timer instead. ``asyncio.sleep``, ``wait_for`` timeouts and ``call_later`` all read
``loop.time()``, so a coroutine that sleeps 0.05 s always sees exactly 0.05 s pass, however
loaded the machine is. Code that reads ``time.monotonic()`` itself (the endpoint limiter) is
pointed at the same clock with :func:`run_virtual`'s ``patch``.
"""

from __future__ import annotations

import asyncio
import selectors
from collections.abc import Coroutine, Iterable
from types import ModuleType, SimpleNamespace
from typing import Any, TypeVar

T = TypeVar("T")


class _JumpingSelector(selectors.DefaultSelector):
    def __init__(self, loop: VirtualTimeLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[Any]:
        ready = super().select(0)
        if ready or timeout is None:
            # No timer at all: only a real event (another thread, a socket) can wake the loop.
            return ready or super().select(timeout)
        # To the next timer's own time, not now + timeout: sums of floats drift, and timers due at
        # the same moment would then fire in different iterations (an order no real clock gives).
        if timeout > 0:
            scheduled = self._loop._scheduled  # asyncio's timer heap (private, stable since 3.4)
            due = scheduled[0].when() if scheduled else self._loop.now + timeout
            self._loop.now = max(self._loop.now, min(due, self._loop.now + timeout + 1e-6))
        return ready


class VirtualTimeLoop(asyncio.SelectorEventLoop):
    def __init__(self) -> None:
        self.now = 0.0
        super().__init__(selector=_JumpingSelector(self))

    def time(self) -> float:
        return self.now

    def run_in_executor(self, executor: Any, func: Any, *args: Any) -> asyncio.Future[Any]:
        # Work handed to a thread (a record's fsync) takes no time on this clock: it runs here, at
        # once (the selector would otherwise jump past timers while the thread is still at it).
        future = self.create_future()
        try:
            future.set_result(func(*args))
        except BaseException as error:  # noqa: BLE001 - handed to the awaiting caller, as a thread's would be
            future.set_exception(error)
        return future


def run_virtual(coro: Coroutine[Any, Any, T], patch: Iterable[ModuleType] = ()) -> T:
    """Run ``coro`` on a fresh virtual-time loop; each module in ``patch`` gets a ``time`` whose
    ``monotonic`` is the loop's clock (only for the duration of the run)."""
    loop = VirtualTimeLoop()
    clock = SimpleNamespace(monotonic=loop.time, perf_counter=loop.time)
    saved = [(module, module.time) for module in patch]
    for module, _ in saved:
        module.time = clock  # type: ignore[attr-defined]
    try:
        return loop.run_until_complete(coro)
    finally:
        for module, original in saved:
            module.time = original  # type: ignore[attr-defined]
        loop.close()
