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
import json
import random
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.context_window import learn
from harness.endpoint import shared
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


def cached_tokens(usage: Any) -> int:
    """Cached input tokens of a reply's usage (``prompt_tokens_details.cached_tokens``; an lm15
    ``Usage``'s ``cache_read_tokens``): part of its input tokens, not added to them."""
    if isinstance(usage, dict):
        details = usage.get("prompt_tokens_details")
        return int((details or {}).get("cached_tokens") or 0) if isinstance(details, dict) else 0
    return int(getattr(usage, "cache_read_tokens", 0) or 0)


def _request_seed(request: Any) -> int | None:
    return getattr(getattr(request, "config", None), "seed", None)


def _body_seed(payload: bytes) -> int | None:
    seed = json.loads(payload).get("seed")
    return seed if isinstance(seed, int) else None


def _split_completion(total: int, texts: list[str]) -> list[int]:
    """A shared request's completion tokens per choice (servers report the total only), by length."""
    weights = [max(1, len(t)) for t in texts]
    shares = [total * w // sum(weights) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


class EndpointEngine:
    def __init__(self, model: str, endpoint: str, inner: Any, inner_sync: Any, limiter: AdaptiveLimiter,
                 budget: BudgetGuard, stats: CallStats, policy: RetryPolicy,
                 rates: tuple[float, ...] | None = None, wire: ChatWire | None = None) -> None:
        self.model, self.endpoint, self.rates = model, endpoint, rates
        self.inner, self.inner_sync = inner, inner_sync
        self.limiter, self.budget, self.stats, self.policy = limiter, budget, stats, policy
        self.wire = wire
        self.role: str | None = None  # the role whose LM this is (spend.jsonl rows name it)
        self._warm = False

    def _charge(self, prompt: int, completion: int, served_by: str, cached: int = 0) -> None:
        # Cached input tokens are part of the input, priced at the cached rate where LiteLLM knows it.
        rates = self.rates
        dollars = ((prompt - cached) * rates[0] + cached * (rates[2] if len(rates) > 2 else rates[0])
                   + completion * rates[1]) if rates else 0.0
        self.budget.charge(self.model, prompt, completion, dollars, cached, self.role)
        self.stats.add(self.model, "ok")
        if note_reply(self.endpoint, self.model, served_by):
            self.stats.add(self.model, "simulated")  # served by the offline world (serve-sim)

    def _charge_response(self, response: Any) -> None:
        usage = getattr(response, "usage", None)
        self._charge(int(getattr(usage, "input_tokens", 0) or 0), int(getattr(usage, "output_tokens", 0) or 0),
                     str(getattr(response, "model", "") or ""), cached_tokens(usage))

    async def complete(self, request: Any) -> Any:
        """One canonical request (DSPy's engine contract): its lm15 response. Inside a wave of
        attempts (harness/endpoint/shared.py) it may share one request with the wave's others."""
        response, _ = await shared.join(request, lambda: _request_seed(request), self._complete_one,
                                        self._complete_shared)
        return response

    def shares_prompt(self) -> bool:
        """Whether attempts that differ only in their seeds can go out as one request (``n``): the
        offline world in process, or a direct route to an endpoint not known to refuse it."""
        if getattr(self.inner, "complete_shared", None) is not None:
            return True
        return self.wire is not None and shared.honours_n(self.endpoint) is not False

    async def _complete_one(self, request: Any) -> Any:
        response = await self._attempts(lambda: self._send(request))
        self._charge_response(response)
        return response

    async def _complete_shared(self, requests: list[Any]) -> list[Any] | None:
        """Requests differing only in their consecutive seeds as one request, where the inner engine
        takes that (the offline world's ``complete_shared``): one call, the prompt charged once."""
        send = getattr(self.inner, "complete_shared", None)
        if send is None:
            return None
        responses = await self._attempts(lambda: send(requests))
        first = responses[0].usage
        self._charge(int(first.input_tokens or 0), sum(int(r.usage.output_tokens or 0) for r in responses),
                     str(responses[0].model or ""), cached_tokens(first))
        from dataclasses import replace

        # The prompt was read once: the members riding along report no input of their own.
        return [responses[0], *(replace(r, usage=replace(r.usage, input_tokens=0, total_tokens=None,
                                                          cache_read_tokens=None)) for r in responses[1:])]

    async def complete_wire(self, payload: bytes) -> dict[str, Any]:
        """One OpenAI chat body sent on this endpoint's verified direct route (``ChatWire``): the reply;
        inside a wave of attempts it may share one request (``n``) with the wave's others."""
        assert self.wire is not None
        reply, _ = await shared.join(payload, lambda: _body_seed(payload), self._wire_one, self._wire_shared)
        return reply

    async def _wire_one(self, payload: bytes) -> dict[str, Any]:
        assert self.wire is not None
        reply = await self._attempts(lambda: self.wire.post(payload))
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        self._charge(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0),
                     str(reply.get("model") or ""), cached_tokens(usage))
        return reply

    async def _wire_shared(self, payloads: list[bytes]) -> list[dict[str, Any]] | None:
        """The first body with ``n`` = len(payloads): one reply per payload, or the first alone when
        the endpoint returned fewer choices (it does not honour ``n``, which is remembered)."""
        assert self.wire is not None
        if shared.honours_n(self.endpoint) is False:
            return None
        body = json.loads(payloads[0])
        body["n"] = len(payloads)
        reply = await self._attempts(lambda: self.wire.post(json.dumps(body).encode()))
        usage = reply.get("usage") if isinstance(reply.get("usage"), dict) else {}
        prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
        cached = cached_tokens(usage)
        self._charge(prompt, completion, str(reply.get("model") or ""), cached)
        choices = reply["choices"]
        shared.remember_n(self.endpoint, len(choices) >= len(payloads))
        if len(choices) < len(payloads):
            return [{**reply, "choices": choices[:1]}]
        texts = [str((c.get("message") or {}).get("content") or "") for c in choices[:len(payloads)]]
        out = []
        for index, (choice, tokens) in enumerate(zip(choices, _split_completion(completion, texts), strict=False)):
            own = {"prompt_tokens": prompt if index == 0 else 0, "completion_tokens": tokens,
                   "prompt_tokens_details": {"cached_tokens": cached if index == 0 else 0}}
            own["total_tokens"] = own["prompt_tokens"] + tokens
            out.append({**reply, "choices": [{**choice, "index": 0}], "usage": own})
        return out

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


_RATES: dict[str, tuple[float, float, float] | None] = {}


def token_rates(model: str) -> tuple[float, float, float] | None:
    """Dollars per input, per output and per cached input token from LiteLLM's local cost map (the
    cached rate is the input rate where the map has none), or None when the model is not in it
    (self-hosted, serve-sim). Looked up once per model, when its engine is built: importing
    LiteLLM takes seconds and must not stall the event loop mid-run."""
    if model not in _RATES:
        import litellm

        try:
            per_input, _ = litellm.cost_per_token(model=model, prompt_tokens=1_000_000, completion_tokens=0)
            _, per_output = litellm.cost_per_token(model=model, prompt_tokens=0, completion_tokens=1_000_000)
            per_input, per_output = per_input / 1_000_000, per_output / 1_000_000
            _RATES[model] = (per_input, per_output, cached_rate(model, per_input))
        except Exception:  # unknown to the cost map
            _RATES[model] = None
    return _RATES[model]


def cached_rate(model: str, per_input: float) -> float:
    """LiteLLM's price of a cached input token for ``model``; the input rate where it knows none."""
    import litellm

    try:
        rate = litellm.get_model_info(model).get("cache_read_input_token_cost")
    except Exception:
        rate = None
    return float(rate) if rate is not None else per_input
