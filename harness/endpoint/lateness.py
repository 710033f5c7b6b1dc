"""How late an event loop has run: the client's own busy moments, which a latency check must not
read as a server's queue.

A request's latency, as the client measures it, ends when its coroutine runs again after the
reply arrived. While the loop is busy elsewhere (formatting and parsing other calls, a record's
fsync, a collection pause, the process waiting for a core), the reply waits in the socket and
every request in flight looks slower at once. Against serve-sim, which never queues (it answers
429 past its capacity), a 200-call ramp from 1 in flight stored a limit of 1 after one such moment
made level 4 look twice as slow as level 1 (experiments/bench/throughput.py, docs/performance.md).

``Lateness`` keeps a heartbeat on one loop while requests are in flight there: a timer every
``TICK`` seconds, and the sum of how late each one fired. A reply delayed by the loop's business
is delayed by at most what the timers were, so the limiter takes that sum over a request's life
off its latency. A server's queue delays replies without making the loop late, so it still shows.
"""

from __future__ import annotations

import asyncio
import weakref


class Lateness:
    TICK = 0.005  # seconds between heartbeats: a few hundred cheap callbacks a second, only while busy

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.total = 0.0  # seconds the heartbeat has fired late, summed
        self.users = 0
        self._due = 0.0
        self._handle: asyncio.TimerHandle | None = None

    def so_far(self) -> float:
        """The lateness summed, with the heartbeat's own if it is overdue now: callbacks that were
        ready before its timer came due (replies that arrived during a busy moment) run first."""
        overdue = max(0.0, self.loop.time() - self._due) if self._handle is not None else 0.0
        return self.total + overdue

    def hold(self) -> float:
        """A request starts on this loop: the lateness so far (its start mark)."""
        self.users += 1
        if self._handle is None:
            self._arm()
        return self.so_far()

    def free(self, mark: float) -> float:
        """The request that started at ``mark`` ended: how late the loop ran meanwhile."""
        self.users = max(0, self.users - 1)
        return self.so_far() - mark

    def _arm(self) -> None:
        self._due = self.loop.time() + self.TICK
        self._handle = self.loop.call_at(self._due, self._tick)

    def _tick(self) -> None:
        self.total += max(0.0, self.loop.time() - self._due)
        if self.users:
            self._arm()
        else:
            self._handle = None  # nothing in flight: no heartbeat (a later hold() starts it again)


_BY_LOOP: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Lateness] = weakref.WeakKeyDictionary()


def of_running_loop() -> Lateness | None:
    """The running loop's ``Lateness`` (one per loop: each generation may run its own), or None
    outside a loop."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    lateness = _BY_LOOP.get(loop)
    if lateness is None:
        lateness = _BY_LOOP[loop] = Lateness(loop)
    return lateness
