"""The offline world as a DSPy engine: ``complete(Request) -> Response`` (and an async twin).

The world's reply is a function of the request alone (``replies.py``: the model string names the
profile, the system message the role and its output fields, the user message the inputs; the
reply is in the ChatAdapter's ``[[ ## field ## ]]`` format). Each role's randomness is keyed by what
it depends on (``replies.random_key``), so the same request always gets the same reply. This
module adds what a DSPy engine needs around it: the world it simulates (``world_seed``, which
picks the profiles; ``forced_intent``, which only the optimum computation sets), call counters
and faults on demand.
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import dspy.lm15 as lm_errors
from dspy.lm15 import Message, Response, TextPart, Usage

from harness.sim.intent import Intent
from harness.sim.prefix_cache import PrefixCache, request_text
from harness.sim.replies import (
    ParsedRequest,
    WorldSettings,
    _tokens,
    behave,
    parse_request,
    render,
    role_of,
    world_reply,
)

__all__ = ["AsyncSimEngine", "FaultPlan", "ParsedRequest", "SimEngine", "WorldSettings", "behave", "parse_request",
           "render", "role_of", "world_reply"]


@dataclass(frozen=True)
class FaultPlan:
    """Faults on demand: each call draws at most one fault, at these rates (deterministic per request)."""

    malformed: float = 0.0
    timeout: float = 0.0
    rate_limit: float = 0.0
    server_error: float = 0.0
    latency_s: float = 0.0

    @property
    def any(self) -> bool:
        return any((self.malformed, self.timeout, self.rate_limit, self.server_error, self.latency_s))


class SimEngine:
    """Synchronous engine. Counts the calls it serves by role and profile (for tests and cost)."""

    def __init__(self, faults: FaultPlan | None = None, world_seed: int = 0,
                 forced_intent: Intent | None = None, prefix_cache: bool = True) -> None:
        self.faults = faults or FaultPlan()
        self.world = WorldSettings(world_seed, forced_intent)
        # A serving setting, not the world's: what usage reports as cached, never what is answered.
        self.prefix = PrefixCache() if prefix_cache else None
        self.calls: Counter[str] = Counter()  # answers, by role:profile
        self.requests = 0  # requests served (a shared request answers several attempts)
        self.riding = False
        self._deliveries: Counter[str] = Counter()
        self._lock = threading.Lock()

    def _fault(self, rng: random.Random) -> str | None:
        f = self.faults
        roll = rng.random()
        for kind, rate in (("malformed", f.malformed), ("timeout", f.timeout),
                           ("rate_limit", f.rate_limit), ("server_error", f.server_error)):
            if roll < rate:
                return kind
            roll -= rate
        return None

    def reply(self, request: Any) -> tuple[Response, float]:
        """The response and the latency to add before delivering it (``riding``, set by
        ``complete_shared``: it shares another attempt's request, whose prompt was read once)."""
        riding = self.riding
        req = parse_request(request, self.world)
        role = role_of(req.outputs)
        with self._lock:
            self.calls[f"{role}:{req.profile.name}"] += 1
            self.calls["total"] += 1
            self.requests += not riding
            cached = self.prefix.read(request_text(request)) if self.prefix is not None and not riding else 0
            attempt = self._deliveries[req.seed_text]
            self._deliveries[req.seed_text] += 1
        fault = None
        if self.faults.any:
            # Faults vary by delivery attempt, so a retried request can succeed.
            fault = self._fault(random.Random(f"fault|{attempt}|{req.seed_text}"))
        if fault == "timeout":
            raise lm_errors.TimeoutError("offline world: simulated timeout", provider="sim")
        if fault == "rate_limit":
            raise lm_errors.RateLimitError("offline world: simulated 429", provider="sim", status=429, retry_after=0.0)
        if fault == "server_error":
            raise lm_errors.ServerError("offline world: simulated 500", provider="sim", status=500)
        try:
            text, prompt_tokens, _ = world_reply(req)
        except ValueError as error:  # a request the world has no behaviour for: a 400, as serve-sim answers it
            raise lm_errors.InvalidRequestError(f"offline world: {error}", provider="sim", status=400) from None
        if fault == "malformed":
            text = "this is not what was asked for"
        response = Response(
            id=None,
            model=f"sim/{req.profile.name}",
            message=Message.assistant([TextPart(text)]),
            finish_reason="stop",
            usage=Usage(input_tokens=prompt_tokens, output_tokens=_tokens(text),
                        cache_read_tokens=min(cached, prompt_tokens)),
        )
        return response, self.faults.latency_s

    def complete(self, request: Any) -> Response:
        response, latency = self.reply(request)
        if latency:
            time.sleep(latency)
        return response

    def close(self) -> None:
        return None

    def dump_state(self) -> dict[str, Any]:
        forced = self.world.forced_intent
        return {"faults": self.faults.__dict__, "world_seed": self.world.world_seed,
                "forced_intent": dataclasses.asdict(forced) if forced else None}

    @classmethod
    def load_state(cls, state: dict[str, Any]) -> SimEngine:
        forced = state.get("forced_intent")
        return cls(FaultPlan(**state.get("faults", {})), state.get("world_seed", 0),
                   Intent(**forced) if forced else None)


class AsyncSimEngine:
    """Async counterpart sharing the sync engine's counters; latency is awaited, not slept."""

    def __init__(self, engine: SimEngine) -> None:
        self.engine = engine

    async def complete(self, request: Any) -> Response:
        response, latency = self.engine.reply(request)
        if latency:
            await asyncio.sleep(latency)
        return response

    async def complete_shared(self, requests: list[Any]) -> list[Response]:
        """Requests that differ only in their seeds, answered as one request with ``n`` would be:
        each exactly as if it came alone, the prompt read once."""
        replies = [self.engine.reply(requests[0])]
        self.engine.riding = True  # the others share its request: no prompt of their own is read
        try:
            replies += [self.engine.reply(request) for request in requests[1:]]
        finally:
            self.engine.riding = False
        latency = max(latency for _, latency in replies)
        if latency:
            await asyncio.sleep(latency)
        return [response for response, _ in replies]

    async def aclose(self) -> None:
        return None

    def close(self) -> None:
        return None
