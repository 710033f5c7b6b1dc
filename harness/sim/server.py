"""The offline world behind an OpenAI-compatible HTTP server (``autodata serve-sim``).

``POST /v1/chat/completions`` answers exactly what the in-process engine answers for the same
request (same parser, same world, same random keys; ``--world-seed`` picks the world), so a pipeline pointed at
``openai/<profile>`` with this server's ``api_base`` runs over HTTP as it would against vLLM.
Around the world sit what real endpoints do to clients: added latency, a concurrency capacity
beyond which requests get 429 with ``Retry-After``, and faults (429, 500, timeouts, malformed
bodies) drawn from their own seeded stream, never from the world's per-request randomness.
``GET /stats`` counts the requests served, by kind; ``POST /stats/reset`` zeroes the counters.
A client may name itself by a path prefix, ``/c/<client>/v1/...`` (as a gateway tells tenants
apart by key): then the requests in flight and the repeated answers are counted per client too,
a repeat as ``"<clients answered it before, in order, comma-separated>><client answered again>"``.
``POST /c/<client>/session`` starts a new session of that client (a restarted process keeping
its name): clients are then written ``<client>#<session>``, so a repeat across a restart tells
itself from one within a process.

Run it with ``python -m harness.sim.server [--port 0 ...]`` or ``autodata serve-sim``; the first
line on stdout is the base URL. ``harness.sim.server_process.ServerProcess`` does that for
tests and benchmarks (the server needs its own process: a client in the same process would
share its GIL).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from aiohttp import web

from harness import aio
from harness.sim.openai_wire import BadRequest, ChatRequest, Stats, error_body, to_chat_request
from harness.sim.prefix_cache import PrefixCache, request_text
from harness.sim.profiles import PROFILES
from harness.sim.replies import WorldSettings, parse_request, role_of, world_reply


class SettingsError(ValueError):
    """A setting outside its range (a one-line message)."""


@dataclass(frozen=True)
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port, printed on the first line of stdout
    latency_ms: float = 0.0  # added before each answer the world writes (ok, fault 500, malformed)
    capacity: int = 0  # requests in flight beyond which the server answers 429 (0: unlimited)
    retry_after_s: float = 0.05  # the Retry-After sent with every 429
    fault_429: float = 0.0  # fractions of admitted requests; they add up to at most 1
    fault_500: float = 0.0
    fault_timeout: float = 0.0
    fault_malformed: float = 0.0
    fault_seed: int = 0
    timeout_s: float = 30.0  # a timeout fault holds the request this long, then answers 504
    api_key: str = ""  # when set, requests must carry "Authorization: Bearer <api_key>" (else 401)
    # Automatic prefix caching (harness/sim/prefix_cache.py): blocks kept; 0 turns it off.
    prefix_cache_blocks: int = 200_000
    world_seed: int = 0  # which offline world answers (its profiles), as documents.world_seed in a config

    def check(self) -> None:
        rates = {f: getattr(self, f) for f in ("fault_429", "fault_500", "fault_timeout", "fault_malformed")}
        for name, rate in rates.items():
            if not 0.0 <= rate <= 1.0:
                raise SettingsError(f"--{name.replace('_', '-')} must be a fraction in [0, 1], got {rate}")
        if sum(rates.values()) > 1.0 + 1e-9:
            raise SettingsError(f"fault rates add up to {sum(rates.values()):g}; at most 1 is possible")
        for name in ("latency_ms", "capacity", "retry_after_s", "timeout_s", "prefix_cache_blocks"):
            if getattr(self, name) < 0:
                raise SettingsError(f"--{name.replace('_', '-')} must not be negative, got {getattr(self, name)}")
        if not 0 <= self.port <= 65535:
            raise SettingsError(f"--port must be in 0..65535, got {self.port}")

    def argv(self) -> list[str]:
        """Command-line options that reproduce these settings (for ``python -m harness.sim.server``);
        a key never goes on a command line (``--api-key-env`` names the variable that holds it)."""
        return [arg for f in fields(self) if f.name != "api_key"
                for arg in (f"--{f.name.replace('_', '-')}", str(getattr(self, f.name)))]


def _url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}/v1" if ":" in host else f"http://{host}:{port}/v1"


class SimServer:
    """The aiohttp application and its state (one event loop: counters need no lock)."""

    def __init__(self, settings: ServerSettings) -> None:
        settings.check()
        self.settings = settings
        self.world = WorldSettings(settings.world_seed)
        self.stats = Stats()
        self.in_flight = 0
        self._faults = random.Random(settings.fault_seed)
        self.prefix = PrefixCache(settings.prefix_cache_blocks) if settings.prefix_cache_blocks else None
        # Digests of the requests answered OK since the last reset, each with the clients it was
        # answered to, in order, and when (time.monotonic): one seen again is counted "repeated" (a
        # client paying twice for the same call).
        self._answered: dict[bytes, dict[str, float]] = {}
        self.in_flight_by_client: Counter[str] = Counter()
        self.choices_in_flight: Counter[str] = Counter()
        self.sessions: Counter[str] = Counter()  # per client: how many times it started anew
        self._runner: web.AppRunner | None = None
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)  # long documents and demos
        for prefix in ("", "/c/{client}"):
            app.router.add_post(prefix + "/v1/chat/completions", self.chat)
            app.router.add_get(prefix + "/v1/models", self.models)
            app.router.add_get(prefix + "/health", self.health)
        app.router.add_post("/c/{client}/session", self.new_session)
        app.router.add_get("/stats", self.get_stats)
        app.router.add_post("/stats/reset", self.reset_stats)
        return app

    async def start(self) -> str:
        # handler_cancellation: a client that gave up frees its capacity slot, as vLLM aborts it.
        self._runner = web.AppRunner(self.app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port, backlog=1024)
        try:
            await site.start()
        except OSError:
            await self._runner.cleanup()
            raise
        self.url = _url(self.settings.host, self._runner.addresses[0][1])
        return self.url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def models(self, request: web.Request) -> web.Response:
        data = [{"id": name, "object": "model", "created": 0, "owned_by": "autodata-offline-world"} for name in PROFILES]
        return web.json_response({"object": "list", "data": data})

    async def get_stats(self, request: web.Request) -> web.Response:
        return web.json_response(self._snapshot())

    def _snapshot(self) -> dict[str, Any]:
        return {**self.stats.snapshot(self.in_flight),
                "in_flight_by_client": {k: v for k, v in self.in_flight_by_client.items() if v},
                "choices_in_flight_by_client": {k: v for k, v in self.choices_in_flight.items() if v}}

    async def new_session(self, request: web.Request) -> web.Response:
        client = request.match_info["client"]
        self.sessions[client] += 1
        return web.json_response({"client": client, "session": self.sessions[client]})

    async def reset_stats(self, request: web.Request) -> web.Response:
        self.stats = Stats()
        self._answered = {}
        return web.json_response(self._snapshot())

    def _rate_limited(self, why: str) -> web.Response:
        wait = self.settings.retry_after_s
        headers = {"Retry-After": f"{wait:g}", "retry-after-ms": str(round(wait * 1000))}
        body = error_body(f"offline world: {why}; retry after {wait:g} s", "requests", "rate_limit_exceeded")
        return web.json_response(body, status=429, headers=headers)

    async def chat(self, request: web.Request) -> web.Response:
        stats = self.stats  # a reset during this request must not move its count into the new window
        stats.total += 1
        if self.settings.api_key and request.headers.get("Authorization") != f"Bearer {self.settings.api_key}":
            stats.record("unauthorized")
            body = error_body("offline world: invalid API key", "invalid_request_error", "invalid_api_key")
            return web.json_response(body, status=401)
        capacity = self.settings.capacity
        if capacity and self.in_flight >= capacity:
            stats.record("rate_limited_capacity")
            return self._rate_limited(f"capacity of {capacity} requests in flight reached")
        client = request.match_info.get("client", "")
        self.in_flight += 1
        self.in_flight_by_client[client] += 1
        stats.max_in_flight = max(stats.max_in_flight, self.in_flight)
        outcome = ["cancelled"]  # what to count if the client goes away before an answer
        try:
            label = f"{client}#{self.sessions[client]}" if client else ""
            return await self._answer(request, outcome, label)
        finally:
            self.in_flight -= 1
            self.in_flight_by_client[client] -= 1
            stats.record(*outcome)

    async def _answer(self, request: web.Request, outcome: list[str], client: str) -> web.Response:
        raw = await request.read()
        try:
            chat = to_chat_request(raw)
        except BadRequest as error:
            outcome[:] = ["bad_request"]
            return web.json_response(error.body(), status=error.status)
        # Choices in flight per client: a request with n answers n times, and repeats count answers.
        name = client.split("#")[0]
        self.choices_in_flight[name] += chat.n
        try:
            return await self._answer_chat(chat, outcome, client)
        finally:
            self.choices_in_flight[name] -= chat.n

    async def _answer_chat(self, chat: ChatRequest, outcome: list[str], client: str) -> web.Response:
        fault = self._draw_fault()
        if fault == "fault_429":
            outcome[:] = [fault]
            return self._rate_limited("simulated rate limit")
        if fault == "fault_timeout":
            outcome[:] = [fault]  # counted now: its client usually leaves before the answer
            await asyncio.sleep(self.settings.timeout_s)
            return web.json_response(error_body("offline world: simulated timeout", "timeout"), status=504)
        try:
            answers = []
            for index in range(chat.n):  # choice i: the answer to the same request with seed + i
                parsed = parse_request(chat.choice(index), self.world)
                answers.append(world_reply(parsed))
            role = role_of(parsed.outputs)
        except ValueError as error:  # the request asks for something the world has no behaviour for
            outcome[:] = ["bad_request"]
            return web.json_response(error_body(str(error), "invalid_request_error"), status=400)
        except Exception:
            outcome[:] = ["internal_error"]  # aiohttp logs the traceback and answers 500
            raise
        # The prompt is read (and its blocks kept) on arrival, as a server prefills before decoding.
        prompt_tokens = answers[0][1]
        cached = min(prompt_tokens, self.prefix.read(request_text(chat))) if self.prefix is not None else 0
        if self.settings.latency_ms:
            await asyncio.sleep(self.settings.latency_ms / 1000)
        if fault == "fault_500":
            outcome[:] = [fault]
            return web.json_response(error_body("offline world: simulated server error", "server_error"), status=500)
        body = json.dumps(self._completion(chat, answers, cached))
        if fault == "fault_malformed":
            outcome[:] = [fault]
            return web.Response(text=body[: len(body) // 2], content_type="application/json")
        outcome[:] = ["ok", parsed.profile.name, role]
        stats = self.stats
        stats.tokens.update({"choices": len(answers), "prompt": prompt_tokens, "cached": cached,
                             "completion": sum(a[2] for a in answers)})
        for index in range(chat.n):
            digest = chat.digest(index)
            before = self._answered.setdefault(digest, {})
            if before:
                stats.kinds["repeated"] += 1
                pair = f"{','.join(before)}>{client}"
                stats.repeated_by_client[pair] += 1
                stats.repeats.append((pair, dict(before), role))
            before.setdefault(client, time.monotonic())
        return web.Response(text=body, content_type="application/json")

    def _draw_fault(self) -> str | None:
        # One draw per admitted, well-formed request in arrival order, from the fault stream only.
        roll = self._faults.random()
        s = self.settings
        for kind, rate in (("fault_429", s.fault_429), ("fault_500", s.fault_500),
                           ("fault_timeout", s.fault_timeout), ("fault_malformed", s.fault_malformed)):
            if roll < rate:
                return kind
            roll -= rate
        return None

    @staticmethod
    def _completion(chat: ChatRequest, answers: list[tuple[str, int, int]], cached: int) -> dict[str, Any]:
        prompt_tokens, completion_tokens = answers[0][1], sum(a[2] for a in answers)
        return {
            "id": f"chatcmpl-sim-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            # The world's own name (sim/<profile>), as the in-process engine answers: clients can
            # tell a simulated reply from a real model's and label their numbers SIMULATED.
            "model": chat.model,
            "choices": [{"index": i, "message": {"role": "assistant", "content": text},
                         "logprobs": None, "finish_reason": "stop"} for i, (text, _, _) in enumerate(answers)],
            # The prompt is read once for all choices; cached tokens as a prefix-caching server says.
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens,
                      "prompt_tokens_details": {"cached_tokens": cached}},
        }


async def serve(settings: ServerSettings, ready: Callable[[str], None]) -> None:
    """Serve until SIGINT or SIGTERM; ``ready(url)`` is called once the port is bound."""
    server = SimServer(settings)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        ready(server.url)
        await stop.wait()
    finally:
        await server.stop()


def announce(url: str) -> None:
    # The first stdout line is the contract with ServerProcess and scripts: flush it at once.
    print(f"serving the offline world on {url}", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.sim.server", description=__doc__.splitlines()[0])
    for f in fields(ServerSettings):
        if f.name != "api_key":
            parser.add_argument(f"--{f.name.replace('_', '-')}", type=type(f.default), default=f.default)
    parser.add_argument("--api-key-env", default=None, help="require 'Authorization: Bearer $VAR'")
    options = vars(parser.parse_args(argv))
    key_env = options.pop("api_key_env")
    if key_env and not os.environ.get(key_env):
        print(f"error: --api-key-env: environment variable {key_env} is not set", file=sys.stderr)
        return 2
    settings = ServerSettings(**options, api_key=os.environ.get(key_env, "") if key_env else "")
    try:
        settings.check()
        aio.run(serve(settings, announce))
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: cannot listen on {settings.host}:{settings.port}: {error.strerror or error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
