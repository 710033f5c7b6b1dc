"""Builds the engine pair for one role's real endpoint from its model spec.

The reply cap goes out under the name the endpoint reads (``token_limit``): DSPy's native client
writes ``max_completion_tokens``, which llama-cpp-python accepts and ignores (every reply then
ran to the context limit), so for an OpenAI-compatible ``api_base`` the transport renames it to
``max_tokens`` unless the model's ``reply_cap_name`` says otherwise. LiteLLM (``engine:
litellm``) sends the name it is given. An ``api_base`` endpoint's limiter starts at
``START_IN_FLIGHT`` and grows while latency holds (harness/endpoint/limiter.py); hosted
providers start at the ceiling, as they answer 429 when over their limit.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any

from harness.config import ModelSpec, Runtime
from harness.endpoint.budget import BudgetGuard
from harness.endpoint.engine import CallStats, EndpointEngine, RetryPolicy, SyncFace, token_rates
from harness.endpoint.limiter import limiter_for
from harness.endpoint.wire import ChatWire


def api_key(spec: ModelSpec) -> str | None:
    """The key from the environment at call time; never stored anywhere."""
    if spec.api_key_env:
        return os.environ.get(spec.api_key_env, "")
    if spec.api_base:
        # Self-hosted servers (vLLM, Ollama, llama.cpp) usually accept any key.
        return os.environ.get("OPENAI_API_KEY", "not-needed")
    return None  # the provider's own variable, read by the client


def endpoint_label(spec: ModelSpec) -> str:
    """The endpoint as records and messages name it: a URL's credentials redacted."""
    from harness.secrets import redact_text

    return redact_text(spec.base_url()) if spec.base_url() else spec.model.split("/", 1)[0]


START_IN_FLIGHT = 1  # an api_base's first limit, its latency the baseline (the store may remember more: limits_store.py)


def token_limit(spec: ModelSpec) -> str | None:
    """The name the reply cap must go out under, or None to leave DSPy's choice."""
    if spec.reply_cap_name != "auto":
        return spec.reply_cap_name
    return "max_tokens" if spec.api_base else None


class RenamedLimit:
    """A transport that sends DSPy's ``max_completion_tokens`` as ``name`` (the body is rewritten
    only when it carries the key: a JSON string cannot hold the quoted key unescaped)."""

    KEY = b'"max_completion_tokens":'

    def __init__(self, inner: Any, name: str) -> None:
        self.inner, self.name = inner, name

    def stream(self, request: Any) -> Any:
        body = getattr(request, "body", None)
        if isinstance(body, bytes) and self.KEY in body:
            from dataclasses import replace

            request = replace(request, body=body.replace(self.KEY, f'"{self.name}":'.encode(), 1))
        return self.inner.stream(request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def _inner_engines(spec: ModelSpec, runtime: Runtime) -> tuple[object, object, ChatWire | None]:
    """DSPy's engine pair for the endpoint, and the direct route when it is an OpenAI-compatible
    ``api_base`` on DSPy's native client (``ChatWire``; LiteLLM and hosted providers have none)."""
    from dspy.clients.engines.lm15_engine import AsyncLM15Engine, LM15Engine, timeouts_for
    from dspy.lm15 import RouterConfig, UnknownModelError, UnsupportedFeatureError

    key = api_key(spec)
    base = spec.base_url()
    try:
        provider = LM15Engine(RouterConfig(env={})).resolve(spec.model).provider
    except (UnknownModelError, UnsupportedFeatureError):
        provider = None
    if provider is None or spec.engine == "litellm":
        from dspy.clients.engines.litellm_engine import AsyncLiteLLMEngine, LiteLLMEngine

        # LiteLLM's engine takes client options only; it turns LiteLLM's own retries off itself.
        options = {"api_base": base, "api_key": key, "timeout": runtime.timeout_s}
        options = {k: v for k, v in options.items() if v is not None}
        name = token_limit(spec)
        return _renaming(AsyncLiteLLMEngine, name)(**options), _renaming(LiteLLMEngine, name)(**options), None
    keys = {"api_keys": {provider: key} if key else None,
            "base_urls": {provider: base} if base else None}
    if not base:
        config = RouterConfig(**keys, timeouts=timeouts_for(runtime.timeout_s))
        return AsyncLM15Engine(config), LM15Engine(config), None
    async_transport, sync_transport = _transports(base, runtime)
    if (name := token_limit(spec)) and name != "max_completion_tokens":
        async_transport, sync_transport = RenamedLimit(async_transport, name), RenamedLimit(sync_transport, name)
    wire = ChatWire() if provider == "openai-chat" and DIRECT_WIRE else None
    return (AsyncLM15Engine(RouterConfig(**keys, transport=async_transport)),
            LM15Engine(RouterConfig(**keys, transport=sync_transport)), wire)


def _renaming(engine: type, name: str | None) -> type:
    """DSPy's LiteLLM engine class, sending the reply cap as ``name`` (its typed request writes
    ``max_completion_tokens``, which LiteLLM passes on as it is)."""
    if name is None or name == "max_completion_tokens":
        return engine

    class Renamed(engine):  # type: ignore[misc, valid-type]
        def _arguments(self, request: Any, *, streaming: bool = False) -> dict[str, Any]:
            data = super()._arguments(request, streaming=streaming)
            if "max_completion_tokens" in data:
                data[name] = data.pop("max_completion_tokens")
            return data

    Renamed.__name__ = f"{engine.__name__}[{name}]"
    return Renamed


DIRECT_WIRE = True  # False sends every call through DSPy's full path (experiments/bench/client_cpu.py compares)
ASYNC_STEP_TIMEOUTS = False  # True gives DSPy's defaults back (experiments/bench/client_cpu.py compares)


def _transports(api_base: str, runtime: Runtime) -> tuple[object, object]:
    """DSPy's own HTTP transports for one endpoint, with its proxy (from the environment) resolved
    once here rather than on every request (reading the environment per call cost ~0.5 ms).

    The async transport has no timeouts of its own: ``EndpointEngine`` puts one deadline around
    each whole attempt (``asyncio.timeout``). The transport's per-step timeouts (pool slot, write,
    each read) each run the step in a Task of its own plus an ``asyncio.wait``; measured with
    experiments/bench/throughput.py, dropping them raised concurrent calls per second from
    0.71-0.76 to 0.76-0.90 of the limit (experiments/bench/client_cpu.py gives the CPU per call
    side by side). The sync transport, which nothing else times, keeps them."""
    from urllib.parse import urlsplit
    from urllib.request import getproxies, proxy_bypass

    from dspy._vendor.lm15.transports import StdlibAsyncTransport, StdlibTransport

    target = urlsplit(api_base)
    proxies = getproxies()  # HTTP(S)_PROXY / ALL_PROXY, minus NO_PROXY: what the transport would read
    proxy = proxies.get(target.scheme) or proxies.get("all")
    if proxy and proxy_bypass(target.hostname or ""):
        proxy = None
    options = {"read_timeout": runtime.timeout_s, "write_timeout": runtime.timeout_s,
               "pool_timeout": runtime.timeout_s, "max_connections": max(100, runtime.max_in_flight),
               "proxy": proxy, "trust_env": False}
    steps = options if ASYNC_STEP_TIMEOUTS else {"read_timeout": None, "write_timeout": None, "pool_timeout": None}
    per_loop = LoopTransports(lambda: StdlibAsyncTransport(**{**options, **steps}))  # connect keeps its own
    return per_loop, StdlibTransport(**options)


class LoopTransports:
    """One async transport per event loop, behind the one transport an LM is built with.

    A connection pool's locks and sockets belong to the loop that made them, and a process runs
    one loop per generation (sweeps, trainers, the CLI), each reusing the role's LM. A keep-alive
    connection from a finished loop failed the new loop's first call ("attached to a different
    loop"), which was counted as a malformed reply and retried (tests/test_wire.py saw it)."""

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def current(self) -> Any:
        loop = asyncio.get_running_loop()
        transport = self._by_loop.get(loop)
        if transport is None:
            with self._lock:
                transport = self._by_loop.setdefault(loop, self._make())
        return transport

    def stream(self, request: Any) -> Any:
        return self.current().stream(request)

    async def aclose(self) -> None:
        transport = self._by_loop.pop(asyncio.get_running_loop(), None)  # others belong to their loops
        if transport is not None:
            await transport.aclose()


def engine_pair(model: str, label: str, inner: object, inner_sync: object, runtime: Runtime,
                budget: BudgetGuard, stats: CallStats, rates: tuple[float, float] | None = None,
                wire: ChatWire | None = None, start: int | None = None) -> tuple[SyncFace, EndpointEngine]:
    """The engine pair DSPy takes, around any inner client (an endpoint's, or the offline world);
    ``start``: the endpoint limiter's first limit (None: its ceiling)."""
    policy = RetryPolicy(retries=runtime.num_retries, timeout_s=runtime.timeout_s)
    limiter = limiter_for(label, runtime.max_in_flight, initial=start, ghost_s=runtime.timeout_s)
    engine = EndpointEngine(model, label, inner, inner_sync, limiter, budget, stats, policy, rates, wire)
    return SyncFace(engine), engine


def endpoint_engines(spec: ModelSpec, runtime: Runtime, budget: BudgetGuard, stats: CallStats
                     ) -> tuple[SyncFace, EndpointEngine]:
    inner, inner_sync, wire = _inner_engines(spec, runtime)
    return engine_pair(spec.model, endpoint_label(spec), inner, inner_sync, runtime, budget, stats,
                       token_rates(spec.model), wire, START_IN_FLIGHT if spec.api_base else None)
