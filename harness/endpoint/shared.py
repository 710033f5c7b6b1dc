"""Shared-prompt sampling: the attempts of one wave that miss the cache go out as one request with ``n``.

A solver's attempts on one candidate send the same messages and differ only in their seed, which
is consecutive (``attempt_seed``): attempt i of a wave whose first attempt has seed s has seed
s + i. Each attempt stays a DSPy call of its own, with its own cache entry (the key holds its
seed), so a resumed run finds every attempt that was answered, whichever request carried it.
Below the cache, the members of a ``Wave`` meet in the endpoint engine: once every member has
either arrived there (a cache miss) or left (a cache hit, an error before the call), the ones that
arrived are sent together when the endpoint honours ``n`` and their seeds are consecutive:
choice i of a request with seed s and ``n`` m is attempt s + i's answer (the offline world, in
process and over HTTP, answers it so, which keeps decisions identical to one request per
attempt). The request is charged once: one call, the prompt's tokens once; members after the
first are marked as riding along, so the role tallies count one call for the wave.

Whether an endpoint honours ``n`` is remembered per endpoint (``honours_n``): the preflight
finds out (harness/preflight.py); otherwise the first shared request does, and a server that
returns one choice for ``n`` (llama.cpp) answers the first member with it, the rest go one by one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

SEED_SPACE = 2**48  # derive_seed's range: consecutive seeds wrap inside it


def attempt_seed(base: int, index: int) -> int:
    """Attempt ``index``'s seed: consecutive from the solver's base seed (see the module docstring)."""
    return (base + index) % SEED_SPACE


# endpoint -> whether it returns n choices for one request (absent: not known yet)
_HONOURS_N: dict[str, bool] = {}


def honours_n(endpoint: str) -> bool | None:
    return _HONOURS_N.get(endpoint)


def remember_n(endpoint: str, honoured: bool) -> None:
    _HONOURS_N[endpoint] = honoured


@dataclass(eq=False)
class _Arrival:
    item: Any  # what the engine would send alone (a canonical request, or a wire body)
    seed: int | None
    future: asyncio.Future[Any]
    alone: Callable[[Any], Awaitable[Any]]
    together: Callable[[list[Any]], Awaitable[list[Any] | None]]  # its route's shared request


@dataclass(eq=False)
class Member:
    """One attempt's place in its wave; ``rode_along``: its reply came in another member's request."""

    wave: Wave
    used: bool = False
    rode_along: bool = False


@dataclass(eq=False)
class Wave:
    """The attempts of one wave that may share a request (``size`` members)."""

    size: int
    arrivals: list[_Arrival] = field(default_factory=list)
    left: int = 0
    flushed: bool = False

    @contextlib.contextmanager
    def member(self) -> Iterator[Member]:
        """The context of one member's first call: inside it, the engine sends through the wave."""
        member = Member(self)
        token = _current.set(member)
        try:
            yield member
        finally:
            _current.reset(token)
            if not member.used:
                member.used = True
                self.left += 1
                self._maybe_flush()

    def _maybe_flush(self) -> None:
        if self.flushed or len(self.arrivals) + self.left < self.size:
            return
        self.flushed = True
        arrivals, self.arrivals = self.arrivals, []
        if arrivals:
            task = asyncio.get_running_loop().create_task(_send(arrivals))
            _TASKS.add(task)  # a task nobody holds may be collected before it runs
            task.add_done_callback(_TASKS.discard)


_TASKS: set[asyncio.Task[None]] = set()
_current: contextvars.ContextVar[Member | None] = contextvars.ContextVar("shared_prompt_member", default=None)


@contextlib.contextmanager
def outside() -> Iterator[None]:
    """Calls made inside go alone, whatever wave the caller is in (a probe the wave's other
    members may be waiting on must not wait for them in turn)."""
    token = _current.set(None)
    try:
        yield
    finally:
        _current.reset(token)


def consecutive(seeds: list[int | None]) -> bool:
    return all(s is not None for s in seeds) and all(
        (b - a) % SEED_SPACE == 1 for a, b in zip(seeds, seeds[1:], strict=False))  # type: ignore[operator]


async def join(item: Any, seed: Callable[[], int | None], alone: Callable[[Any], Awaitable[Any]],
               together: Callable[[list[Any]], Awaitable[list[Any] | None]]) -> tuple[Any, bool]:
    """Sends ``item`` (whose seed ``seed()`` reads) through the current wave (or ``alone`` when there is none): (its reply,
    whether it rode along in another member's request). ``together(items)`` sends the arrived
    members as one request and returns one reply per item, or None when the endpoint returned
    fewer choices (then the first reply is the first member's, and the rest go alone)."""
    member = _current.get()
    if member is None or member.used or member.wave.flushed:
        return await alone(item), False
    member.used = True
    wave = member.wave
    loop = asyncio.get_running_loop()
    arrival = _Arrival(item, seed(), loop.create_future(), alone, together)
    wave.arrivals.append(arrival)
    wave._maybe_flush()
    reply, rode = await arrival.future
    member.rode_along = rode
    return reply, rode


async def _send(arrivals: list[_Arrival]) -> None:
    async def one(arrival: _Arrival) -> None:
        try:
            arrival.future.set_result((await arrival.alone(arrival.item), False))
        except BaseException as error:  # noqa: BLE001 - handed to the member that waits for it
            if not arrival.future.done():
                arrival.future.set_exception(error)

    # Only members on the same route (the same engine's direct route, or its DSPy path) can share.
    together = arrivals[0].together
    if len(arrivals) == 1 or not consecutive([a.seed for a in arrivals]) \
            or any(a.together != together for a in arrivals):
        await asyncio.gather(*(one(a) for a in arrivals))
        return
    try:
        replies = await together([a.item for a in arrivals])
    except BaseException as error:  # noqa: BLE001
        for arrival in arrivals:
            if not arrival.future.done():
                arrival.future.set_exception(error)
        return
    if replies is not None and len(replies) == len(arrivals):
        for index, (arrival, reply) in enumerate(zip(arrivals, replies, strict=True)):
            arrival.future.set_result((reply, index > 0))
        return
    # Fewer choices than asked for: the first is the first member's (its seed), the rest go alone.
    first = replies[0] if replies else None
    if first is not None:
        arrivals[0].future.set_result((first, False))
        arrivals = arrivals[1:]
    await asyncio.gather(*(one(a) for a in arrivals))
