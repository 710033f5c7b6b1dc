"""One call to a real endpoint: budget, a slot from the endpoint's limiter, a timeout, retries.

``EndpointEngine`` is a DSPy engine pair (``complete`` and an async twin) around DSPy's own
native client (``dspy.lm15``; LiteLLM for providers it cannot route), which does the wire format;
for an OpenAI-compatible ``api_base`` a verified call shape is sent directly (``wire.ChatWire``).
DSPy's retry loop is off (``num_retries=0``): retries happen here, where they can honour
``Retry-After``, cut the endpoint's concurrency on a 429, be counted by kind, and wait outside
the limiter so a backing-off call never holds a slot. DSPy's request cache sits in front of this
engine, so an identical request (model, messages, parameters, seed) never reaches it twice.
A timed-out attempt tells the limiter it timed out (overload: the limit is cut, and the request
stays counted until the server is likely done with it, so its retry waits for that). A 400 that
names the context window is its own fatal kind, ``context_length``, and the window is kept
(harness/context_window.py).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.context_window import learn
from harness.endpoint.budget import BudgetGuard
from harness.endpoint.errors import FATAL, EndpointError, classify, describe
from harness.endpoint.limiter import AdaptiveLimiter
from harness.endpoint.wire import ChatWire
from harness.provenance import note_reply

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 6  # transient failures (5xx, timeout, malformed, connection) per call
    rate_limit_retries: int = 50  # 429s are back-pressure, not failures: many more are allowed
    base_delay_s: float = 0.05
    max_delay_s: float = 20.0
    timeout_s: float = 120.0

    def delay(self, failures: int, retry_after: float | None) -> float:
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay_s)
        # Full jitter: concurrent callers that failed together do not come back together.
        return random.uniform(0, min(self.max_delay_s, self.base_delay_s * 2 ** failures))


class CallStats:
    """Counters per model: requests sent, replies, retries, and failed attempts by kind."""

    def __init__(self) -> None:
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, model: str, key: str, n: int = 1) -> None:
        self.counts[model][key] += n

    def as_dict(self) -> dict[str, dict[str, int]]:
        return {model: dict(sorted(c.items())) for model, c in sorted(self.counts.items())}

    def total(self, key: str) -> int:
        return sum(c.get(key, 0) for c in self.counts.values())


class _Attempts:
    """Decides, after each failed attempt, whether to try again and after how long."""

    def __init__(self, engine: EndpointEngine) -> None:
        self.engine = engine
        self.transient = 0
        self.rate_limited = 0

    def after(self, error: BaseException) -> float:
        e = self.engine
        kind = classify(error)
        tokens = None
        if kind == "bad_request" and (tokens := learn(e.endpoint if "://" in e.endpoint else None, e.model, str(error))):
            kind = "context_length"
        e.stats.add(e.model, f"error.{kind}")
        if tokens:
            raise EndpointError(kind, e.model, e.endpoint, f"{describe(kind, error)}; its window, {tokens} tokens, "
                                "is kept: the next run refuses such documents before any call") from error
        if kind in FATAL:
            raise EndpointError(kind, e.model, e.endpoint, describe(kind, error)) from error
        if kind == "rate_limit":
            self.rate_limited += 1
            exhausted, count = self.rate_limited > e.policy.rate_limit_retries, self.rate_limited
        else:
            self.transient += 1
            exhausted, count = self.transient > e.policy.retries, self.transient
        if exhausted:
            raise EndpointError(kind, e.model, e.endpoint,
                                f"gave up after {count} failed attempts: {describe(kind, error)}") from error
        e.stats.add(e.model, "retries")
        retry_after = getattr(error, "retry_after", None)
        return e.policy.delay(self.transient if kind != "rate_limit" else self.rate_limited, retry_after)


class EndpointEngine:
    def __init__(self, model: str, endpoint: str, inner: Any, inner_sync: Any, limiter: AdaptiveLimiter,
                 budget: BudgetGuard, stats: CallStats, policy: RetryPolicy,
                 rates: tuple[float, float] | None = None, wire: ChatWire | None = None) -> None:
        self.model, self.endpoint, self.rates = model, endpoint, rates
        self.inner, self.inner_sync = inner, inner_sync
        self.limiter, self.budget, self.stats, self.policy = limiter, budget, stats, policy
        self.wire = wire
        self._warm = False

    def _charge(self, prompt: int, completion: int, served_by: str) -> None:
        dollars = prompt * self.rates[0] + completion * self.rates[1] if self.rates else 0.0
        self.budget.charge(self.model, prompt, completion, dollars)
        self.stats.add(self.model, "ok")
        if note_reply(self.endpoint, self.model, served_by):
            self.stats.add(self.model, "simulated")  # served by the offline world (serve-sim)

    def _charge_response(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        self._charge(int(getattr(usage, "input_tokens", 0) or 0), int(getattr(usage, "output_tokens", 0) or 0),
                     str(getattr(response, "model", "") or ""))

    async def complete(self, request: Any) -> Any:
        """One canonical request (DSPy's engine contract): its lm15 response."""
        response = await self._attempts(lambda: self._send(request))
        self._charge_response(response)
        return response

    async def complete_wire(self, payload: bytes) -> dict[str, Any]:
        """One OpenAI chat body sent on this endpoint's verified direct route (``ChatWire``): the reply."""
        assert self.wire is not None
        reply = await self._attempts(lambda: self.wire.post(payload))
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        self._charge(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
                     str(reply.get("model") or ""))
        return reply

    async def _attempts(self, send: Callable[[], Awaitable[T]]) -> T:
        attempts = _Attempts(self)
        while True:
            self.budget.reserve()
            try:
                ticket = await self.limiter.acquire()
            except BaseException:
                self.budget.cancel()
                raise
            overloaded = succeeded = timed_out = False
            try:
                self.stats.add(self.model, "requests")
                # asyncio.timeout, not wait_for: wait_for runs the call in a Task of its own,
                # a measurable share of the client's CPU per call at hundreds of calls a second.
                async with asyncio.timeout(self.policy.timeout_s):
                    response = await send()
                succeeded = True
            except Exception as error:  # sorted by kind; fatal ones and exhausted retries raise
                failure: BaseException = error
                kind = classify(error)
                overloaded, timed_out = kind == "rate_limit", kind == "timeout"
            finally:
                if not succeeded:
                    self.budget.cancel()
                # A timeout is overload too: the limiter halves the limit and keeps the request
                # counted until the server is likely done with it, so the retry waits for that.
                await self.limiter.release(ticket, overloaded=overloaded, succeeded=succeeded, timed_out=timed_out)
            if succeeded:
                return response
            await asyncio.sleep(attempts.after(failure))

    async def _send(self, request: Any) -> Any:
        # DSPy's native engine looks up its provider client in a worker thread on every call
        # (the first lookup may load credentials); once built, the lookup is a dict read, so it
        # is done inline. ``_target`` is DSPy's own method (version pinned).
        target = getattr(self.inner, "_target", None)
        if target is not None and self._warm:
            provider, routed = target(request)
            return await provider.complete(routed)
        response = await self.inner.complete(request)
        self._warm = True
        return response

    def sync_complete(self, request: Any) -> Any:
        # The synchronous path (not used by the pipeline, which is async): same budget and
        # retries, no shared limiter.
        attempts = _Attempts(self)
        while True:
            self.budget.reserve()
            try:
                self.stats.add(self.model, "requests")
                response = self.inner_sync.complete(request)
            except Exception as error:
                self.budget.cancel()
                time.sleep(attempts.after(error))
                continue
            self._charge_response(response)
            return response

    async def aclose(self) -> None:
        await self.inner.aclose()

    def close(self) -> None:
        return None


class SyncFace:
    """The synchronous half of the engine pair DSPy asks for."""

    def __init__(self, engine: EndpointEngine) -> None:
        self.engine = engine

    def complete(self, request: Any) -> Any:
        return self.engine.sync_complete(request)

    def close(self) -> None:
        self.engine.inner_sync.close()


_RATES: dict[str, tuple[float, float] | None] = {}


def token_rates(model: str) -> tuple[float, float] | None:
    """Dollars per input and per output token from LiteLLM's local cost map, or None when the
    model is not in it (self-hosted, serve-sim). Looked up once per model, when its engine is
    built: importing LiteLLM takes seconds and must not stall the event loop mid-run."""
    if model not in _RATES:
        import litellm

        try:
            per_input, _ = litellm.cost_per_token(model=model, prompt_tokens=1_000_000, completion_tokens=0)
            _, per_output = litellm.cost_per_token(model=model, prompt_tokens=0, completion_tokens=1_000_000)
            _RATES[model] = (per_input / 1_000_000, per_output / 1_000_000)
        except Exception:  # unknown to the cost map
            _RATES[model] = None
    return _RATES[model]
