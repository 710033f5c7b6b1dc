"""Adaptive concurrency per endpoint: additive increase, multiplicative decrease (AIMD).

Each endpoint (one ``api_base``, or one hosted provider) gets one limiter, shared by every role,
generation and sweep candidate in the process that calls it, so the endpoint sees one bounded
stream of requests. A request that comes back rate-limited cuts the limit by ``backoff`` (once per
window: requests that started before the last cut do not cut again); each success adds
``1/limit``, so the limit grows by about one per round trip of a full window, back up to the
ceiling.

The cut is to 0.9 of the limit, not TCP's half (Netflix's concurrency-limits uses the same 0.9 for
its AIMD limit). An endpoint with a fixed capacity answers 429 as soon as the limit passes it by
one; halving then leaves it half idle while the limit climbs back one step per round trip.
Against serve-sim at capacity 32 with the ceiling at 64 (experiments/bench/throughput.py), halving
got 0.54 of the endpoint's limit and 0.9 got 0.63 (medians of three interleaved runs). A limit
far above capacity still comes down within a few windows, since each window's 429s cut it again.
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    epoch: int


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    admitted: bool = False


class AdaptiveLimiter:
    def __init__(self, ceiling: int, floor: int = 1, backoff: float = 0.9) -> None:
        if ceiling < 1 or floor < 1 or floor > ceiling:
            raise ValueError(f"limits must satisfy 1 <= floor <= ceiling, got floor={floor}, ceiling={ceiling}")
        if not 0 < backoff < 1:
            raise ValueError(f"backoff must be in (0, 1), got {backoff}")
        self.ceiling, self.floor, self.backoff = ceiling, floor, backoff
        self.limit = float(ceiling)
        self.in_flight = 0
        self.epoch = 0  # bumped on every cut
        self.cuts = 0
        self.peak = 0
        # Callers from several event loops (one asyncio.run per generation) may share an endpoint,
        # so state is guarded by a thread lock and each waiter is woken on its own loop.
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    def _admit(self) -> bool:
        if self.in_flight < int(self.limit):
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True
        return False

    async def acquire(self) -> Ticket:
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self._waiters and self._admit():
                return Ticket(self.epoch)
            waiter = _Waiter(loop, loop.create_future())
            self._waiters.append(waiter)
        try:
            await waiter.future  # resolved by a release that admitted us (in_flight already counted)
        except asyncio.CancelledError:
            with self._lock:
                if waiter.admitted:
                    self.in_flight -= 1  # admitted just as we were cancelled: give the slot back
                    self._wake()
                else:
                    self._waiters.remove(waiter)
            raise
        return Ticket(self.epoch)

    def _wake(self) -> None:
        # Only as many waiters as there are free slots, oldest first (no thundering herd).
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        while self._waiters and self.in_flight < int(self.limit):
            waiter = self._waiters.popleft()
            waiter.admitted = True
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            if waiter.loop is running:
                _resolve(waiter.future)
            else:
                waiter.loop.call_soon_threadsafe(_resolve, waiter.future)

    async def release(self, ticket: Ticket, overloaded: bool = False, succeeded: bool = False) -> None:
        with self._lock:
            self.in_flight -= 1
            if overloaded and ticket.epoch == self.epoch:
                self.limit = max(float(self.floor), self.limit * self.backoff)
                self.epoch += 1
                self.cuts += 1
            elif succeeded:
                self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)
            self._wake()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_LIMITERS: dict[str, AdaptiveLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def limiter_for(endpoint: str, ceiling: int) -> AdaptiveLimiter:
    """The process-wide limiter of one endpoint (its ceiling is the largest any caller asked for)."""
    with _REGISTRY_LOCK:
        limiter = _LIMITERS.get(endpoint)
        if limiter is None:
            limiter = _LIMITERS[endpoint] = AdaptiveLimiter(ceiling)
        elif ceiling > limiter.ceiling:
            limiter.ceiling = ceiling
        return limiter
