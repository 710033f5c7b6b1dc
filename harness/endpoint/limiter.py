"""Adaptive concurrency per endpoint: additive increase, multiplicative decrease (AIMD), with a
latency check and a slow start for endpoints of unknown capacity.

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

Self-hosted servers (llama.cpp, llama-cpp-python, Ollama) do not answer 429: they queue, and
a request over their capacity just waits, then times out. So an ``api_base`` endpoint starts at
``initial`` (harness/endpoint/client.py: 1 in flight) and grows only while latency holds. The
latency of each success is kept per concurrency level (requests in flight when it was admitted,
itself included; a moving average). The limit moves up one level (doubling in *slow start*,
until the first cut) only once the current level has ``level`` successes (the requests of one
latency period at that level: the first few at a new level may reach free slots before a queue
has formed; slow start quadruples while latency stays within ``FLAT`` of the level below, so a
server with C slots is found within about log4(C) + 2 latency periods) whose latency is within
``latency_tolerance`` (1.5) times that of the level it came from: on a server with k slots, more
than k requests only queue there, and their latency grows with the queue (it doubles from 1 to 2
in flight on a one-slot server). A request's latency is measured from when its coroutine goes on
to its release, less how late the client's own event loop ran meanwhile
(harness/endpoint/lateness.py): a busy client delays every reply in flight at once, which would
otherwise read as a queue (against serve-sim, which never queues, one such moment stored a limit
of 1 for the next run). A level whose window does not hold is measured once more (its first
window is the burst admitted as the limit rose); when the second does not hold either, the
limit goes back to the highest level that held and stays (one level up is tried again after
``reprobe`` successes). What a limiter learned (``state``: its limit, cap and latencies) is kept
for the process (one limiter per endpoint) and in the store across runs
(harness/endpoint/limits_store.py), so a new run starts where the last one ended.
A timeout counts as overload: it halves the limit (once per window), caps it there, and the
timed-out request stays counted as a *ghost* in flight (the server is most likely still working
on it) until a request admitted after it succeeds or one more timeout has passed, so its retry is
not sent while the server is still busy with it. ``learn_capacity`` sets the capacity when it
was measured (the server's ``/props``, read by the preflight: harness/preflight.py).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, replace

from harness.endpoint.lateness import of_running_loop


@dataclass(frozen=True)
class Ticket:
    epoch: int
    level: int = 1  # requests in flight when it was admitted, itself included
    seq: int = 0  # admission number
    started: float = 0.0  # time.monotonic() when the request's coroutine went on (after admission)
    late_mark: float | None = None  # its loop's lateness then (lateness.py); None: not measured


@dataclass(eq=False)
class _Waiter:
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[None]
    ticket: Ticket | None = None  # set when admitted


@dataclass
class _Level:
    """The moving average of the latency of successes admitted at one concurrency level."""

    mean: float = 0.0
    count: int = 0

    def add(self, latency: float, weight: float = 0.3) -> None:
        self.mean = latency if self.count == 0 else self.mean + weight * (latency - self.mean)
        self.count += 1


@dataclass
class _Ghost:
    seq: int  # admission number of the timed-out request
    deadline: float  # time.monotonic() after which it is forgotten


class AdaptiveLimiter:
    MIN_SAMPLES = 3  # successes at the lowest level before it is the base (fewer if it is below 3)
    FLAT = 1.2  # latency within this of the level below: nothing queues, slow start quadruples

    def __init__(self, ceiling: int, floor: int = 1, backoff: float = 0.9, initial: int | None = None,
                 latency_tolerance: float | None = None, reprobe: int = 200, ghost_s: float = 120.0) -> None:
        if ceiling < 1 or floor < 1 or floor > ceiling:
            raise ValueError(f"limits must satisfy 1 <= floor <= ceiling, got floor={floor}, ceiling={ceiling}")
        if not 0 < backoff < 1:
            raise ValueError(f"backoff must be in (0, 1), got {backoff}")
        self.ceiling, self.floor, self.backoff = ceiling, floor, backoff
        start = ceiling if initial is None else max(floor, min(initial, ceiling))
        self.limit = float(start)
        self.slow_start = start < ceiling  # double per measured level until the first cut
        self.cap = ceiling  # learned: the limit above which latency rose (or the measured capacity)
        # The latency check is for endpoints started low (self-hosted servers queue rather than
        # answer 429); a hosted API's latency varies with reply length far more than with load.
        if latency_tolerance is None:
            latency_tolerance = 1.5 if self.slow_start else 0.0
        self.latency_tolerance, self.reprobe, self.ghost_s = latency_tolerance, reprobe, ghost_s
        self.in_flight = 0
        self.epoch = 0  # bumped on every cut
        self.cuts = 0
        self.latency_cuts = 0
        self.timeouts = 0
        self.peak = 0
        self._levels: dict[int, _Level] = {}
        self._base_level = 0  # the lowest level measured: what latency is compared with
        self._good = 0  # the highest level whose latency held
        self._suspect = 0  # a level whose last window looked slow: measured once more before a cut
        self._since_cap = 0
        self._seq = 0
        self._ghosts: list[_Ghost] = []
        # Callers from several event loops (one asyncio.run per generation) may share an endpoint,
        # so state is guarded by a thread lock and each waiter is woken on its own loop.
        self._lock = threading.Lock()
        self._waiters: deque[_Waiter] = deque()

    @property
    def ghosts(self) -> int:
        return len(self._ghosts)

    def _busy(self) -> int:
        if self._ghosts:
            now = time.monotonic()
            self._ghosts = [g for g in self._ghosts if g.deadline > now]
        return self.in_flight + len(self._ghosts)

    def _ticket(self) -> Ticket:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        self._seq += 1
        return Ticket(self.epoch, self.in_flight, self._seq, time.monotonic())

    async def acquire(self) -> Ticket:
        loop = asyncio.get_running_loop()
        with self._lock:
            if not self._waiters and self._busy() < int(self.limit):
                return self._started(self._ticket())
            waiter = _Waiter(loop, loop.create_future())
            self._waiters.append(waiter)
            if self._ghosts:  # a ghost from a loop that has ended has no timer there: set one here
                self._expire_later(max(g.deadline for g in self._ghosts) - time.monotonic())
        try:
            await waiter.future  # resolved by a release that admitted us (in_flight already counted)
        except asyncio.CancelledError:
            with self._lock:
                if waiter.ticket is not None:
                    self.in_flight -= 1  # admitted just as we were cancelled: give the slot back
                    self._wake()
                else:
                    self._waiters.remove(waiter)
            raise
        assert waiter.ticket is not None
        return self._started(waiter.ticket)

    def _started(self, ticket: Ticket) -> Ticket:
        """The ticket as its request goes on: its latency is measured from here, less how late
        this loop runs meanwhile (the client's own busy moments, not the server's queue)."""
        if not self.latency_tolerance:
            return ticket
        lateness = of_running_loop()
        return replace(ticket, started=time.monotonic(), late_mark=lateness.hold() if lateness else None)

    def _latency(self, ticket: Ticket) -> float:
        """What the server took: the request's wall time less how late its loop ran meanwhile."""
        latency = time.monotonic() - ticket.started
        if ticket.late_mark is not None and (lateness := of_running_loop()) is not None:
            latency -= lateness.free(ticket.late_mark)
        return max(latency, 0.0)

    def _wake(self) -> None:
        # Only as many waiters as there are free slots, oldest first (no thundering herd).
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        while self._waiters and self._busy() < int(self.limit):
            waiter = self._waiters.popleft()
            waiter.ticket = self._ticket()
            if waiter.loop is running:
                _resolve(waiter.future)
            else:
                waiter.loop.call_soon_threadsafe(_resolve, waiter.future)

    def _cut(self, ticket: Ticket, factor: float) -> None:
        if ticket.epoch == self.epoch:
            self.limit = max(float(self.floor), self.limit * factor)
            self.epoch += 1
            self.cuts += 1
        self.slow_start = False

    def _set_level(self, level: int) -> None:
        """Moves the limit to ``level``, to be measured afresh there."""
        if level != int(self.limit) and level != self._base_level:
            self._levels.pop(level, None)
        self.limit = float(level)

    def _step(self, ticket: Ticket, latency: float) -> None:
        """Latency-aware growth: the limit moves up one level (doubling in slow start) only once
        the current level has ``level`` successes and their latency holds against the lowest
        level's; when it does not, the limit goes back to the highest level that held, and stays
        there (one level up is tried again after ``reprobe`` successes)."""
        level = self._levels.setdefault(ticket.level, _Level())
        level.add(latency)
        if self._base_level == 0 and level.count >= min(self.MIN_SAMPLES, ticket.level):
            self._base_level = ticket.level
        current = int(self.limit)
        measured = self._levels.get(current)
        if self.cap < self.ceiling and current >= self.cap:
            self._since_cap += 1
            if self._since_cap >= self.reprobe:  # conditions change: measure one level up again
                self._since_cap = 0
                self.cap += 1
                self._set_level(self.cap)
            return
        if ticket.level != current or measured is None or measured.count < current \
                or not self._base_level:
            return
        # Against the level it came from: queueing doubles latency with each doubling of the
        # level, while a client's own CPU load (or noise) raises it by little per step.
        held = self._levels.get(self._good) or self._levels[self._base_level]
        if current > self._base_level and measured.mean > self.latency_tolerance * held.mean:
            if self._suspect != current:
                # Once is not a queue: a level's first window is the burst of requests admitted
                # as the limit rose, and a busy moment of either side looks the same. A queue is
                # still there a window later, so the level is measured once more before a cut.
                self._suspect = current
                self._levels.pop(current, None)
                return
            self._suspect = 0
            self.cap = max(self.floor, self._good or self._base_level)
            self._set_level(self.cap)
            self.slow_start = False
            self.latency_cuts += 1
            self.epoch += 1
            self._since_cap = 0
            return
        self._suspect = 0
        self._good = max(self._good, current)
        # Slow start quadruples while latency is flat (nothing queues yet), else doubles.
        flat = current == self._base_level or measured.mean <= self.FLAT * held.mean
        target = current * (4 if flat else 2) if self.slow_start else current + 1
        self._set_level(min(target, self.cap, self.ceiling))

    def _grow(self, ticket: Ticket, latency: float) -> None:
        if self.latency_tolerance:
            self._step(ticket, latency)
            return
        self.limit = min(float(self.ceiling), self.limit + 1.0 / self.limit)  # AIMD: about one per window

    def learn_capacity(self, slots: int) -> None:
        """The endpoint's capacity, measured (harness/preflight.py): the limit and its cap."""
        with self._lock:
            self.cap = max(self.floor, min(slots, self.ceiling))
            self.limit = float(self.cap)
            self.slow_start = False
            self._since_cap = 0
            self._wake()

    async def release(self, ticket: Ticket, overloaded: bool = False, succeeded: bool = False,
                      timed_out: bool = False) -> None:
        latency = self._latency(ticket) if ticket.late_mark is not None or succeeded else 0.0
        with self._lock:
            self.in_flight -= 1
            if timed_out:
                self.timeouts += 1
                self._ghosts.append(_Ghost(ticket.seq, time.monotonic() + self.ghost_s))
                self._cut(ticket, 0.5)
                if self.latency_tolerance:  # stay below the level that timed out until re-probed
                    self.cap = max(self.floor, int(self.limit))
                    self._since_cap = 0
                self._expire_later()
            elif overloaded:
                self._cut(ticket, self.backoff)
            elif succeeded:
                # FIFO servers: a request admitted after a ghost has finished, so the ghost has too.
                self._ghosts = [g for g in self._ghosts if g.seq > ticket.seq]
                self._grow(ticket, latency)
            self._wake()

    def _expire_later(self, delay: float | None = None) -> None:
        """Wakes waiters when the newest ghost expires (nothing else may release a slot by then), on
        the running loop: each generation runs its own, and a timer on an ended loop never fires."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return

        def expire() -> None:
            with self._lock:
                self._wake()  # _busy() drops expired ghosts

        loop.call_later(max(0.0, self.ghost_s if delay is None else delay) + 0.01, expire)

    def state(self) -> dict[str, float | int]:
        """What this limiter learned, to start a later run from (``restore``)."""
        with self._lock:
            base = self._levels.get(self._base_level)
            level = self._levels.get(int(self.limit))
            return {"limit": int(self.limit), "cap": self.cap, "base_level": self._base_level,
                    "base_latency_s": round(base.mean, 6) if base else 0.0,
                    "latency_s": round(level.mean, 6) if level else 0.0}

    def restore(self, state: dict[str, float | int]) -> None:
        """Starts from what an earlier run learned: its limit (within this ceiling) and the latency
        of its lowest level, against which the limit is still checked (a slower server brings it
        back to half, and it grows from there)."""
        with self._lock:
            limit = max(self.floor, min(int(state.get("limit", 0) or 0), self.ceiling))
            if limit <= int(self.limit) and self.slow_start is False:
                return  # already at least as far (a measured capacity, or this process's own)
            self.limit = float(limit)
            self.cap = max(limit, min(int(state.get("cap", self.ceiling) or self.ceiling), self.ceiling))
            self.slow_start = self.cap >= self.ceiling  # no overload was learned: keep doubling
            base, latency = int(state.get("base_level", 0) or 0), float(state.get("base_latency_s", 0.0) or 0.0)
            if self.latency_tolerance and base and latency > 0 and base < limit:
                self._levels[base] = _Level(latency, self.MIN_SAMPLES)
                self._base_level, self._good = base, max(base, limit // 2)
            self._wake()

    def snapshot(self) -> dict[str, float | int]:
        """For the endpoint counters and the tests."""
        return {"limit": round(self.limit, 2), "cap": self.cap, "peak": self.peak, "cuts": self.cuts,
                "latency_cuts": self.latency_cuts, "timeouts": self.timeouts, "ghosts": self.ghosts}


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


_LIMITERS: dict[str, AdaptiveLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def limiter_for(endpoint: str, ceiling: int, initial: int | None = None, ghost_s: float = 120.0) -> AdaptiveLimiter:
    """The process-wide limiter of one endpoint (its ceiling is the largest any caller asked for;
    ``initial`` and ``ghost_s`` apply when it is created, which starts it from what the store
    remembers of the endpoint)."""
    from harness.endpoint.limits_store import recalled

    with _REGISTRY_LOCK:
        limiter = _LIMITERS.get(endpoint)
        if limiter is None:
            limiter = _LIMITERS[endpoint] = AdaptiveLimiter(ceiling, initial=initial, ghost_s=ghost_s)
            if (state := recalled(endpoint)) is not None:
                limiter.restore(state)
        elif ceiling > limiter.ceiling:
            limiter.ceiling = ceiling
        return limiter
