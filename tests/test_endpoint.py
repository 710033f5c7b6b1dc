"""The endpoint layer's pieces: error kinds, the AIMD limiter, the budget guard, the retry loop."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import dspy.lm15 as lm15
import pytest
from dspy._vendor.lm15.transports import ConnectTimeout, ReadTimeout, WriteTimeout

from harness.endpoint import limiter as limiter_module
from harness.endpoint.budget import BudgetGuard, Spend
from harness.endpoint.engine import CallStats, EndpointEngine, RetryPolicy
from harness.endpoint.errors import BudgetExceeded, EndpointError, classify
from harness.endpoint.limiter import AdaptiveLimiter
from harness.virtual_clock import run_virtual


def test_errors_are_sorted_into_kinds() -> None:
    assert classify(lm15.RateLimitError("slow down", status=429, retry_after=1.0)) == "rate_limit"
    assert classify(lm15.ServerError("boom", status=500)) == "server_error"
    assert classify(lm15.TimeoutError("late", status=504)) == "timeout"
    assert classify(TimeoutError()) == "timeout"
    assert classify(lm15.AuthError("who", status=401)) == "auth"
    assert classify(lm15.ProviderError("missing", status=404)) == "not_found"
    assert classify(lm15.InvalidRequestError("bad", status=400)) == "bad_request"
    assert classify(lm15.ProviderError("200 but not JSON")) == "malformed"
    assert classify(lm15.TransportError("refused")) == "connection"
    for socket_timeout in (ConnectTimeout("connect"), ReadTimeout("read"), WriteTimeout("write")):
        wrapped = lm15.TransportError(str(socket_timeout))
        wrapped.__cause__ = socket_timeout  # as DSPy's provider raises it: ``raise ... from exc``
        assert classify(wrapped) == "timeout"
    assert classify(ConnectionRefusedError()) == "connection"


def test_endpoint_error_names_role_model_and_endpoint() -> None:
    error = EndpointError("auth", "openai/gpt-x", "http://h/v1", "authentication failed").for_role("judge")
    assert str(error) == "role 'judge' (model openai/gpt-x, at http://h/v1): authentication failed"
    assert error.fatal and not EndpointError("timeout", "m", "e", "d").fatal


def run(coro):  # noqa: ANN001, ANN201 - tiny helper
    """On a virtual clock (harness/virtual_clock.py): latencies, timeouts and ghosts are exactly what
    the scenario says, however loaded the machine is."""
    return run_virtual(coro, patch=[limiter_module])


def test_limiter_bounds_in_flight_and_cuts_on_overload_once_per_window() -> None:
    async def scenario() -> None:
        limiter = AdaptiveLimiter(ceiling=8, backoff=0.5)
        tickets = [await limiter.acquire() for _ in range(8)]
        assert limiter.in_flight == 8
        blocked = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0.01)
        assert not blocked.done()  # at the ceiling: the ninth waits
        await limiter.release(tickets[0], overloaded=True)
        assert limiter.limit == 4.0 and limiter.cuts == 1
        await limiter.release(tickets[1], overloaded=True)  # same window: no second cut
        assert limiter.limit == 4.0 and limiter.cuts == 1
        assert not blocked.done()  # 6 in flight > limit 4
        for ticket in tickets[2:5]:
            await limiter.release(ticket, succeeded=True)
        await asyncio.sleep(0)
        assert blocked.done() and limiter.in_flight == 4  # admitted once below the limit
        # Additive increase: about one per window of successes, never above the ceiling.
        before = limiter.limit
        await limiter.release(tickets[5], succeeded=True)
        assert limiter.limit == pytest.approx(before + 1 / before)
        for _ in range(200):
            await limiter.release(await limiter.acquire(), succeeded=True)
        assert limiter.limit == 8.0

    run(scenario())


def test_limiter_default_cut_is_a_tenth() -> None:
    async def scenario() -> None:
        limiter = AdaptiveLimiter(ceiling=40)
        await limiter.release(await limiter.acquire(), overloaded=True)
        assert limiter.limit == pytest.approx(36.0) and limiter.cuts == 1
        await limiter.release(await limiter.acquire(), overloaded=True)  # a new window: cut again
        assert limiter.limit == pytest.approx(32.4) and limiter.cuts == 2

    run(scenario())
    with pytest.raises(ValueError, match="backoff"):
        AdaptiveLimiter(ceiling=4, backoff=1.0)


def test_limiter_cancelled_waiter_does_not_leak_a_slot() -> None:
    async def scenario() -> None:
        limiter = AdaptiveLimiter(ceiling=1)
        ticket = await limiter.acquire()
        waiter = asyncio.ensure_future(limiter.acquire())
        await asyncio.sleep(0)
        waiter.cancel()
        await limiter.release(ticket, succeeded=True)
        await asyncio.sleep(0)
        assert limiter.in_flight == 0
        assert (await limiter.acquire()) is not None and limiter.in_flight == 1

    run(scenario())


def test_budget_reserves_calls_and_stops_on_tokens_and_dollars() -> None:
    guard = BudgetGuard(calls=2)
    guard.reserve()
    guard.reserve()
    with pytest.raises(BudgetExceeded, match="call limit"):
        guard.reserve()  # two reserved, none answered yet: a third would overshoot
    guard.cancel()  # an error reply costs nothing
    guard.reserve()
    guard.charge("m", 10, 5, 0.0)
    guard.charge("m", 10, 5, 0.0)
    assert guard.spent.calls == 2 and guard.spent.tokens == 30
    assert "call limit" in guard.stopped
    tokens = BudgetGuard(tokens=100, spent=Spend(calls=3, input_tokens=90, output_tokens=20))
    with pytest.raises(BudgetExceeded, match="token limit reached \\(110 of 100"):
        tokens.reserve()  # carried over from an earlier session
    dollars = BudgetGuard(dollars=0.01)
    dollars.reserve()
    dollars.charge("m", 1, 1, 0.02)
    with pytest.raises(BudgetExceeded, match="dollar limit"):
        dollars.reserve()
    assert Spend.from_dict(dollars.spent.as_dict()).dollars == pytest.approx(0.02)


class Script:
    """An inner engine that fails as scripted, then answers."""

    def __init__(self, failures: list[BaseException]) -> None:
        self.failures = list(failures)
        self.calls = 0

    async def complete(self, request: object) -> object:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return SimpleNamespace(usage=SimpleNamespace(input_tokens=7, output_tokens=3))


def engine(script: Script, budget: BudgetGuard | None = None, retries: int = 3) -> EndpointEngine:
    return EndpointEngine("openai/m", "http://h/v1", script, None, AdaptiveLimiter(4, ghost_s=0.01), budget or BudgetGuard(),
                          CallStats(), RetryPolicy(retries=retries, base_delay_s=0.001), (0.5, 1.0))


def test_transient_failures_are_retried_counted_and_charged_once() -> None:
    script = Script([lm15.ServerError("x", status=500), lm15.RateLimitError("y", status=429, retry_after=0.0),
                     lm15.ProviderError("not JSON"), TimeoutError()])
    e = engine(script)
    run(e.complete(object()))
    counts = e.stats.counts["openai/m"]
    assert script.calls == 5 and counts["requests"] == 5 and counts["ok"] == 1 and counts["retries"] == 4
    assert (counts["error.server_error"], counts["error.rate_limit"], counts["error.malformed"],
            counts["error.timeout"]) == (1, 1, 1, 1)
    assert e.budget.spent.calls == 1 and e.budget.spent.dollars == pytest.approx(7 * 0.5 + 3 * 1.0)
    assert e.limiter.cuts == 2 and e.limiter.timeouts == 1 and e.limiter.in_flight == 0  # the 429 and the timeout


def test_retries_run_out_and_fatal_errors_stop_at_once() -> None:
    script = Script([lm15.ServerError("x", status=500)] * 5)
    with pytest.raises(EndpointError, match="gave up after 3 failed attempts"):
        run(engine(script, retries=2).complete(object()))
    assert script.calls == 3
    script = Script([lm15.AuthError("bad key", status=401)])
    with pytest.raises(EndpointError, match="authentication failed") as caught:
        run(engine(script).complete(object()))
    assert script.calls == 1 and caught.value.kind == "auth"


def test_the_budget_stops_calls_before_they_are_sent() -> None:
    script = Script([])
    e = engine(script, BudgetGuard(calls=2))
    run(e.complete(object()))
    run(e.complete(object()))
    with pytest.raises(BudgetExceeded):
        run(e.complete(object()))
    assert script.calls == 2


class Hang:
    """An endpoint that never answers within the test; counts the requests that reached it."""

    def __init__(self) -> None:
        self.arrived = 0

    async def complete(self, request: object) -> object:
        self.arrived += 1
        await asyncio.sleep(3600)


def test_a_stuck_endpoint_does_not_block_another() -> None:
    async def scenario() -> None:
        server = Hang()
        stuck = EndpointEngine("openai/a", "http://a/v1", server, None, AdaptiveLimiter(2), BudgetGuard(calls=5),
                               CallStats(), RetryPolicy(timeout_s=3600), None)
        fast_script = Script([])
        fast = engine(fast_script)
        hanging = [asyncio.ensure_future(stuck.complete(object())) for _ in range(5)]
        await asyncio.sleep(0.01)
        assert stuck.limiter.in_flight == 2 and server.arrived == 2  # its own slots, all taken; three wait
        await asyncio.wait_for(asyncio.gather(*(fast.complete(object()) for _ in range(20))), timeout=5)
        assert fast_script.calls == 20 and fast.limiter.in_flight == 0
        for task in hanging:
            task.cancel()
        await asyncio.gather(*hanging, return_exceptions=True)
        assert stuck.limiter.in_flight == 0 and server.arrived == 2  # the waiting three never went out
        # Cancelled calls free their slots: two new calls reach the server ...
        again = [asyncio.ensure_future(stuck.complete(object())) for _ in range(2)]
        await asyncio.sleep(0.01)
        assert server.arrived == 4
        for task in again:
            task.cancel()
        await asyncio.gather(*again, return_exceptions=True)
        # ... and their reservations: the budget of five calls still has all five.
        for _ in range(5):
            stuck.budget.reserve()

    run(scenario())


class HangSeeingGhosts(Hang):
    """A hanging endpoint that notes, per request, how many timed-out requests the server would
    still be serving (the limiter's ghosts) when it arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.limiter: AdaptiveLimiter | None = None
        self.ghosts_at_arrival: list[int] = []

    async def complete(self, request: object) -> object:
        assert self.limiter is not None
        self.ghosts_at_arrival.append(self.limiter.ghosts)
        return await super().complete(request)


def test_a_call_past_its_timeout_is_retried_then_fails_as_timeout() -> None:
    async def scenario() -> None:
        server = HangSeeingGhosts()
        slow = EndpointEngine("openai/a", "http://a/v1", server, None, AdaptiveLimiter(2, ghost_s=0.3), BudgetGuard(),
                              CallStats(), RetryPolicy(retries=1, timeout_s=0.05, base_delay_s=0.001), None)
        server.limiter = slow.limiter
        with pytest.raises(EndpointError, match="gave up after 2 failed attempts: timeout") as caught:
            await slow.complete(object())
        assert caught.value.kind == "timeout" and slow.stats.counts["openai/a"]["error.timeout"] == 2
        # The timeout cut the limit to 1, held by the timed-out request's ghost: the retry waited
        # for it to expire instead of joining the server's queue behind it.
        assert slow.limiter.limit == 1.0 and slow.limiter.timeouts == 2
        assert server.ghosts_at_arrival == [0, 0]

    run(scenario())


def test_spend_log_carries_an_older_summary_once_and_sums_every_session(tmp_path) -> None:  # noqa: ANN001
    from harness.endpoint.budget import Spend
    from harness.generate import SPEND_FILE, open_spend_log

    older = Spend()
    older.add("openai/weak", 100, 10, 0.5, calls=3)  # a run begun before spend logs: summary only
    writer, carried = open_spend_log(tmp_path, {"spent": older.as_dict()})
    assert (carried.calls, carried.input_tokens, carried.dollars) == (3, 100, 0.5)
    guard = BudgetGuard(calls=10)
    guard.spent, guard.log = carried, writer
    guard.reserve()
    guard.charge("openai/strong", 7, 3, 0.25)
    writer.close()
    with (tmp_path / SPEND_FILE).open("a") as handle:
        handle.write('{"model": "openai/weak", "input_')  # a killed writer's torn last line
    again, total = open_spend_log(tmp_path, {"spent": {"calls": 999}})  # the log exists: the summary is not read
    again.close()
    assert (total.calls, total.input_tokens, total.output_tokens, total.dollars) == (4, 107, 13, 0.75)
    assert total.by_model["openai/strong"]["calls"] == 1 and guard.spent.calls == 4


def test_a_silent_http_endpoint_is_cut_by_the_call_timeout_on_both_paths() -> None:
    """The async transport has no timeouts of its own (the engine's deadline covers each whole
    attempt); the sync transport keeps its own. Either way a server that accepts the connection
    and never answers ends in a counted timeout, not a hang."""
    from harness.config import ModelSpec, Runtime
    from harness.models import build_lm
    from harness.sim.engine import SimEngine

    async def main() -> tuple[CallStats, CallStats]:
        held: list[asyncio.StreamWriter] = []
        server = await asyncio.start_server(lambda _r, w: held.append(w), "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
        spec, runtime = ModelSpec(model="openai/weak", api_base=url), Runtime(timeout_s=0.3, num_retries=1)
        async_stats, sync_stats = CallStats(), CallStats()
        lm = build_lm(spec, runtime, SimEngine(), cache=False, stats=async_stats)
        with pytest.raises(Exception, match="timeout"):
            await asyncio.wait_for(lm.acall("hello"), timeout=20)
        sync_lm = build_lm(spec, runtime, SimEngine(), cache=False, stats=sync_stats)
        with pytest.raises(Exception, match="timeout"):
            await asyncio.to_thread(sync_lm, "hello")
        server.close()
        return async_stats, sync_stats

    async_stats, sync_stats = asyncio.run(main())
    for stats in (async_stats, sync_stats):
        counts = stats.counts["openai/weak"]
        assert (counts["requests"], counts["error.timeout"], counts["retries"], counts["ok"]) == (2, 2, 1, 0)


class Serial:
    """An endpoint with one slot (llama-cpp-python): requests queue and are served one at a time."""

    def __init__(self, service_s: float = 0.02, first_s: float | None = None, slots: int = 1) -> None:
        self.service_s, self.first_s = service_s, first_s
        self.lock = asyncio.Semaphore(slots)
        self.calls = 0
        self.busy = 0
        self.most_busy = 0  # requests the server held at once (being served or queued)
        self.overlaps = 0  # requests that arrived while an abandoned one was still being served

    async def complete(self, request: object) -> object:
        self.calls += 1
        self.busy += 1
        self.most_busy = max(self.most_busy, self.busy)
        first = self.calls == 1
        try:
            async with self.lock:
                await asyncio.sleep(self.first_s if first and self.first_s else self.service_s)
        finally:
            self.busy -= 1
        return SimpleNamespace(usage=SimpleNamespace(input_tokens=7, output_tokens=3))


def test_an_api_base_limiter_grows_level_by_level_while_latency_holds() -> None:
    """A parallel endpoint (constant latency): from 1 in flight, doubling per measured level."""
    async def scenario() -> AdaptiveLimiter:
        limiter = AdaptiveLimiter(32, initial=1)
        fast = EndpointEngine("openai/a", "http://a/v1", Serial(0.01, slots=64), None, limiter, BudgetGuard(),
                              CallStats(), RetryPolicy(), None)

        async def caller() -> None:
            for _ in range(20):
                await fast.complete(object())

        await asyncio.gather(*(caller() for _ in range(40)))
        return limiter

    limiter = run(scenario())
    assert limiter.limit == 32.0 and limiter.latency_cuts == 0 and limiter.peak == 32


def limits_seen(server: Serial, limiter: AdaptiveLimiter, callers: int, calls: int) -> list[float]:
    """``callers`` coroutines each making ``calls`` calls one after another: the limit after each."""
    async def scenario() -> list[float]:
        e = EndpointEngine("openai/a", "http://a/v1", server, None, limiter, BudgetGuard(), CallStats(),
                           RetryPolicy(), None)
        limits: list[float] = []

        async def caller() -> None:
            for _ in range(calls):
                await e.complete(object())
                limits.append(limiter.limit)

        await asyncio.gather(*(caller() for _ in range(callers)))
        return limits

    return run(scenario())


def test_a_one_slot_server_is_found_in_a_few_calls() -> None:
    server, limiter = Serial(), AdaptiveLimiter(8, initial=1)
    limits = limits_seen(server, limiter, callers=8, calls=5)
    assert limiter.latency_cuts == 1 and limiter.cap == 1 and limiter.limit == 1.0
    # One call at 1, then 4 in flight (latency was flat): two windows of calls there show the
    # queue (one slow window alone is not taken for one), back to 1.
    back = limits.index(1.0)
    assert back <= 12 and set(limits[:back]) == {4.0}
    assert limits[back:] == [1.0] * (40 - back) and server.most_busy <= 4


def test_a_queueing_server_is_found_in_a_few_latency_periods() -> None:
    """16 slots that queue beyond (vLLM-like), 64 callers: the limit quadruples per latency period
    while latency is flat, so the capacity is reached after two measured levels (1 and 4); the
    step over it is undone after two slow windows there."""
    limiter = AdaptiveLimiter(64, initial=1)
    limits = limits_seen(Serial(service_s=0.05, slots=16), limiter, callers=64, calls=5)
    reached = limits.index(16.0)
    # One call at level 1, a few at level 4 (x4 while latency is flat; a noisy machine may make it
    # x2, through 8): a latency period or two per level, never one call at a time.
    assert reached <= 24, limits[:30]
    assert set(limits[:reached]) <= {4.0, 8.0}
    assert limiter.cap == 16 and limiter.limit == 16.0  # the step over it was measured, and undone


def test_a_limiter_starts_from_what_an_earlier_run_kept(tmp_path, monkeypatch) -> None:
    from harness.endpoint import limits_store
    from harness.endpoint.limiter import limiter_for

    monkeypatch.setenv("AUTODATA_STORE", str(tmp_path))
    monkeypatch.setattr(limiter_module, "_LIMITERS", {})

    limits_seen(Serial(service_s=0.01, slots=16), limiter_for("http://kept/v1", 64, initial=1), callers=64, calls=5)
    learned = limiter_module._LIMITERS["http://kept/v1"]
    assert learned.limit == 16.0
    limits_store.keep()
    limiter_module._LIMITERS.clear()  # a new process
    again = limiter_for("http://kept/v1", 64, initial=1)
    assert again is not learned and again.limit == 16.0 and again.cap == 16
    assert limits_store.recalled("offline-world") is None


def test_a_timed_out_request_is_not_retried_while_the_server_still_serves_it() -> None:
    """The first request takes 0.4 s on a one-slot server; the client gives up after 0.1 s. Its
    retry (and every other call) waits until the server is done with it, not queue behind it."""
    async def scenario() -> tuple[Serial, EndpointEngine]:
        server = Serial(service_s=0.01, first_s=0.4)
        limiter = AdaptiveLimiter(4, initial=2, ghost_s=0.4)
        e = EndpointEngine("openai/a", "http://a/v1", server, None, limiter, BudgetGuard(), CallStats(),
                           RetryPolicy(retries=2, timeout_s=0.1, base_delay_s=0.001), None)
        await asyncio.gather(*(e.complete(object()) for _ in range(6)))
        return server, e

    server, e = run(scenario())
    counts = e.stats.counts["openai/a"]
    assert counts["ok"] == 6 and counts["error.timeout"] >= 1 and e.limiter.timeouts >= 1
    assert e.limiter.limit <= 1.0 and e.limiter.cap == 1  # a timeout is overload: cut, and capped there
    # Only the abandoned request and the one already in flight beside it ever overlapped.
    assert server.most_busy <= 2


def test_a_ghost_from_an_ended_event_loop_still_expires_for_the_next_one() -> None:
    """A request timed out in one event loop (one preflight check, one generation) leaves a ghost;
    a caller on the next loop waits for it to expire, and is woken then, not never."""
    limiter = AdaptiveLimiter(1, initial=1, ghost_s=0.2)

    async def time_out() -> None:
        ticket = await limiter.acquire()
        await limiter.release(ticket, timed_out=True)

    async def next_loop() -> bool:
        ticket = await asyncio.wait_for(limiter.acquire(), timeout=5)
        await limiter.release(ticket, succeeded=True)
        return True

    # Two real event loops (the point of the test); the 5 s in next_loop is only a hang guard.
    asyncio.run(time_out())
    assert limiter.ghosts == 1
    assert asyncio.run(next_loop()) and limiter.ghosts == 0


class Stamped(Script):
    """A scripted endpoint that notes the (virtual) time of each request."""

    def __init__(self, failures: list[BaseException]) -> None:
        super().__init__(failures)
        self.at: list[float] = []

    async def complete(self, request: object) -> object:
        self.at.append(asyncio.get_running_loop().time())
        return await super().complete(request)


def test_429s_are_retried_fifty_times_each_after_the_retry_after_it_named() -> None:
    """README: a 429 is back-pressure, retried up to 50 times (not the transient allowance), each
    time after the server's Retry-After when it sends a non-zero one."""
    def limited(n: int) -> list[BaseException]:
        return [lm15.RateLimitError("slow down", status=429, retry_after=2.0) for _ in range(n)]

    served = Stamped(limited(50))
    e = engine(served, retries=1)  # one transient retry: 429s do not use that allowance
    run(e.complete(object()))
    counts = e.stats.counts["openai/m"]
    assert served.calls == 51 and counts["ok"] == 1 and counts["error.rate_limit"] == 50
    assert [b - a for a, b in zip(served.at, served.at[1:], strict=False)] == pytest.approx([2.0] * 50)  # virtual seconds
    refused = Script(limited(51))
    with pytest.raises(EndpointError) as caught:
        run(engine(refused, retries=1).complete(object()))
    assert caught.value.kind == "rate_limit" and refused.calls == 51  # the 51st 429 ends it


def test_a_busy_client_is_not_taken_for_a_queueing_server() -> None:
    """A parallel endpoint (64 slots, constant latency) and a client whose event loop is busy for
    80 ms (a collection pause, a burst of parsing, a record's fsync) just as the limit has moved
    from 1 to 4 in flight: every reply in flight waits for the loop, so level 4 looks 2.6 times as
    slow as level 1, which is the client's doing, not a queue at the server. It is not taken for
    one: no latency cut, and the limit reaches the ceiling (harness/endpoint/lateness.py). Before,
    such a moment capped the limit at 1 and the store kept it for the next run."""
    async def scenario() -> AdaptiveLimiter:
        limiter = AdaptiveLimiter(32, initial=1)
        e = EndpointEngine("openai/a", "http://a/v1", Serial(0.05, slots=64), None, limiter, BudgetGuard(),
                           CallStats(), RetryPolicy(), None)
        loop = asyncio.get_running_loop()

        async def busy_once() -> None:
            while limiter.limit < 4:
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.1)  # the calls at 4 are out
            loop.now += 0.08  # type: ignore[attr-defined]  # on the virtual clock: 80 ms of work

        async def caller() -> None:
            for _ in range(10):
                await e.complete(object())

        await asyncio.gather(busy_once(), *(caller() for _ in range(64)))
        return limiter

    limiter = run(scenario())
    assert limiter.latency_cuts == 0 and limiter.limit == 32.0 and limiter.peak == 32


def test_one_slow_window_is_measured_again_and_two_are_a_queue() -> None:
    """The latency check fed window by window: 1 and 4 in flight at 50 ms, then a first window at
    16 three times as slow (the burst admitted as the limit rose, or a hiccup): measured again,
    not cut on. Fast the second time: the limit goes on to the ceiling. Slow again: a queue, and
    the limit goes back to the last level that held."""
    from harness.endpoint.limiter import Ticket

    def fed(*windows: tuple[int, float]) -> AdaptiveLimiter:
        limiter = AdaptiveLimiter(32, initial=1)
        for level, latency in windows:
            assert limiter.limit == level
            for _ in range(level):
                limiter._step(Ticket(limiter.epoch, level), latency)
        return limiter

    once = fed((1, 0.05), (4, 0.05), (16, 0.15), (16, 0.05))
    assert once.latency_cuts == 0 and once.limit == 32.0
    twice = fed((1, 0.05), (4, 0.05), (16, 0.15), (16, 0.15))
    assert twice.latency_cuts == 1 and twice.limit == 4.0 and twice.cap == 4
