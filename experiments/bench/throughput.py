"""Benchmark: calls per second over HTTP against ``serve-sim``, as a share of what it allows.

Starts ``serve-sim`` in its own process with added latency L and capacity C (beyond C requests
in flight it answers 429 with Retry-After); the most any client can get is C / L calls per
second. Side by side in one run, through the same DSPy path the pipeline uses (a ``Solve``
predictor on ``EndpointEngine``):

- sequential: one call at a time (what a plain loop over ``dspy.Predict`` gets);
- bare client: the same solver bodies posted by a plain aiohttp client, C in flight (what parity
  is read against, in the same run);
- concurrent: 2C callers, each making its calls one after another (as a generation's documents in
  flight do), bounded by the endpoint's adaptive limit, ceiling = C, from a new limiter that
  remembers nothing (it starts at 1 and finds the capacity), then from one that starts from what
  the last run left in the store (harness/endpoint/limits_store.py);
- concurrent, ceiling 2C: the limit finds the capacity from latency and 429s;
- concurrent, cache on: as real runs do (every reply written to DSPy's disk cache);
- a whole generation (all six roles on the server, documents in flight = 2C);
- the same generation with a client that costs no time (in process, on a virtual clock): what its
  shape allows, since its documents are chains of calls and the last ones leave slots idle.

Targets, read from one run: concurrent calls per second >= 0.9 of the limit (C / L) at L = 50 ms
and >= 0.95 at 5 L = 250 ms, at parity with the bare client (>= 0.95 of its rate), for a limiter
that starts from what the store remembers (every run after an endpoint's first, and every
generation and sweep candidate after the first in a process); from nothing, the capacity is found
within a few latency periods (the ramp's cost in latency periods is printed). A whole generation
>= 0.85 of the limit at 250 ms, a latency of real models' replies. At 50 ms the generation row is
printed without a target: there the client's own CPU per request (1.5-2 ms through DSPy's path)
bounds it, since one event loop on one core cannot exceed 1000 / (CPU ms per request) requests a
second, whatever the endpoint allows. SIMULATED replies.

    .venv/bin/python experiments/bench/throughput.py [--latency-ms 50] [--capacity 32] [--calls 3000] [--docs 240]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

STORE = tempfile.mkdtemp(prefix="autodata-bench-store-")
os.environ["AUTODATA_STORE"] = STORE  # a fresh DSPy cache: nothing is served from earlier runs
os.environ.pop("DSPY_CACHEDIR", None)

from experiments.bench.machine import background_load  # noqa: E402
from harness import aio, env  # noqa: E402

env.configure_environment()

import dspy  # noqa: E402

from harness.adapter import call_settings  # noqa: E402
from harness.config import HarnessConfig, ModelSpec, Runtime  # noqa: E402
from harness.documents import load_documents  # noqa: E402
from harness.endpoint import limits_store  # noqa: E402
from harness.endpoint.limiter import _LIMITERS  # noqa: E402
from harness.generate import run_generation  # noqa: E402
from harness.models import build_lm  # noqa: E402
from harness.signatures import Solve  # noqa: E402
from harness.sim.engine import SimEngine  # noqa: E402
from harness.sim.server_process import ServerProcess  # noqa: E402

TARGETS = {"50 ms": 0.9, "250 ms": 0.95, "generation": 0.85}
PARITY = 0.95  # of the bare client's rate, in the same run
CONTEXT = "Ledger of the Harbour Authority. The dock fee is 40. The pilot fee is the dock fee plus 15."
ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")


def solver(url: str, ceiling: int, cache: bool) -> dspy.Predict:
    """A ``Solve`` predictor on the endpoint at ``url``, through the pipeline's own LM path."""
    lm = build_lm(ModelSpec(model="openai/weak", api_base=url), Runtime(max_in_flight=ceiling), SimEngine(),
                  cache=cache)
    predictor = dspy.Predict(Solve)
    predictor.set_lm(lm)
    return predictor


async def timed_calls(predictor: dspy.Predict, calls: int, callers: int, tag: str) -> tuple[float, float]:
    """Calls per second for ``calls`` distinct solver requests made by ``callers`` coroutines, each
    calling one after another (as a generation's documents in flight do), and the client's CPU ms
    per call. Call inside ``call_settings()``."""
    numbers = iter(range(calls))

    async def caller() -> None:
        for i in numbers:
            await predictor.acall(context=CONTEXT, question=f"What is the pilot fee? ({tag} {i})",
                                  config={"seed": i, "temperature": 1.0})

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(callers)))
    return calls / (time.perf_counter() - started), (time.process_time() - cpu) / calls * 1000


def forget_limits() -> None:
    """A new process that remembers nothing: no limiter, no state in the store."""
    _LIMITERS.clear()
    (Path(STORE) / "limits.json").unlink(missing_ok=True)


async def solver_calls(url: str, calls: int, ceiling: int, cache: bool, callers: int, tag: str,
                       remembered: bool = False) -> tuple[float, float]:
    """``timed_calls`` on a fresh predictor in what is as good as a new process: its endpoint's
    limiter is new, and starts from the store's memory when ``remembered``, else from nothing.
    What it learned is kept in the store at the end, as a generation does."""
    if not remembered:
        forget_limits()
    _LIMITERS.clear()
    predictor = solver(url, ceiling, cache)
    with call_settings():
        await timed_calls(predictor, 1, 1, f"{tag} warm-up")  # connection set-up and first-call imports
        result = await timed_calls(predictor, calls, callers, tag)
    limits_store.keep()
    return result


async def bare_calls(url: str, calls: int, in_flight: int, tag: str) -> tuple[float, float]:
    """The same solver bodies (DSPy's ChatAdapter messages) posted by a plain aiohttp client with
    ``in_flight`` requests at a time: what the pipeline's path is read against."""
    import aiohttp

    from harness.adapter import CachingChatAdapter

    messages = CachingChatAdapter().format(Solve, demos=[], inputs={"context": CONTEXT, "question": "Q"})
    slots = asyncio.Semaphore(in_flight)

    async def one(session: aiohttp.ClientSession, i: int) -> None:
        asked = [{**m, "content": m["content"].replace("\nQ\n", f"\nWhat is the pilot fee? ({tag} {i})\n")}
                 for m in messages]
        async with slots, session.post(f"{url}/chat/completions", json={
                "model": "weak", "messages": asked, "temperature": 1.0, "seed": i}) as reply:
            assert reply.status == 200, await reply.text()
            await reply.read()

    connector = aiohttp.TCPConnector(limit=in_flight)
    async with aiohttp.ClientSession(connector=connector) as session:
        await one(session, -1)
        started, cpu = time.perf_counter(), time.process_time()
        await asyncio.gather(*(one(session, i) for i in range(calls)))
        return calls / (time.perf_counter() - started), (time.process_time() - cpu) / calls * 1000


def cpu_speed_ms() -> float:
    """Milliseconds for a fixed pure-Python loop: this VM's speed varies by tens of percent from
    one hour to the next, and the client's CPU per call (what bounds the ratios) with it."""
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i
    return (time.process_time() - started) * 1000


def generation(url: str, docs: int, ceiling: int, server: ServerProcess, seed: int = 0) -> tuple[float, int, float]:
    """One whole generation against ``server`` (its limiter from the store's memory, as a new run's
    is): calls per second served, the 429s it got, and the client's CPU ms per served call. A seed
    of its own keeps it off the cache another one filled."""
    _LIMITERS.clear()
    config = HarnessConfig.model_validate({
        "name": "bench-throughput", "seed": seed, "documents": {"count": docs},
        "models": {role: {"model": f"openai/{role}", "api_base": url} for role in ROLES},
        "runtime": {"concurrency": 2 * ceiling, "max_in_flight": ceiling},
        "tracking": {"enabled": False},
    })
    server.reset()
    with tempfile.TemporaryDirectory() as out:
        started, cpu = time.perf_counter(), time.process_time()
        aio.run(run_generation(config, load_documents(config.documents), Path(out)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    served = server.stats()
    return served["ok"] / wall, served["rate_limited_capacity"], cpu / served["ok"] * 1000


def generation_bound(docs: int, ceiling: int, latency_ms: float, seed: int = 0) -> tuple[float, int]:
    """Requests per second of the same generation when the client's own work costs no time, and
    its requests: the in-process offline world (the replies serve-sim writes), each request
    answered after ``latency_ms``, at most ``ceiling`` in flight, 2 x ``ceiling`` documents at a
    time, on a virtual clock (harness/virtual_clock.py). What a generation of this shape allows at
    best: each document is a chain of calls one after another (a candidate's attempts are judged
    one at a time while it is undecided), so towards the end too few chains are left to keep the
    endpoint full, whatever the client does."""
    from harness.endpoint import limiter
    from harness.models import ModelRegistry
    from harness.virtual_clock import run_virtual

    config = HarnessConfig.model_validate({
        "name": "bench-throughput-bound", "seed": seed, "documents": {"count": docs},
        "models": {role: {"model": f"sim/{role}"} for role in ROLES},
        "runtime": {"concurrency": 2 * ceiling, "max_in_flight": ceiling,
                    "sim_faults": {"latency_s": latency_ms / 1000}},
        "tracking": {"enabled": False},
    })
    registry = ModelRegistry(config.models, config.runtime)

    async def timed(out: Path) -> float:
        clock = asyncio.get_running_loop()
        started = clock.time()
        await run_generation(config, load_documents(config.documents), out, registry=registry)
        return clock.time() - started

    with tempfile.TemporaryDirectory() as out:
        wall = run_virtual(timed(Path(out)), patch=[limiter])
    requests = registry.stats.total("requests")
    return requests / wall, requests


def generation_rows(rows: list, server: ServerProcess, latency: float, docs: int, c: int) -> None:
    """A whole generation, its limiter from what a 200-call ramp before it kept in the store, and
    the same generation on a virtual clock with a client that costs nothing (its shape's bound)."""
    forget_limits()
    aio.run(solver_calls(server.url, calls=200, ceiling=c, cache=False, callers=2 * c, tag=f"g{latency}"))
    kept = limits_store.recalled(server.url) or {}
    rate, rejected, cpu_ms = generation(server.url, docs, c, server, seed=int(latency))
    ended = _LIMITERS[server.url].snapshot()  # a latency cut here would cap every later call
    rows.append((f"whole generation ({docs} docs), remembered", rate,
                 f"client CPU {cpu_ms:.2f} ms/request, 429s: {rejected}; limit {kept.get('limit')} "
                 f"(cap {kept.get('cap')}) at the start, {ended['limit']:g} at the end, latency cuts "
                 f"{ended['latency_cuts']}"))
    bound, requests = generation_bound(docs, c, latency, seed=int(latency))
    rows.append(("the same, client cost-free (virtual clock)", bound, f"{requests} requests"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--capacity", type=int, default=32)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--docs", type=int, default=240)
    args = parser.parse_args()
    load = background_load()
    speed = cpu_speed_ms()
    c = args.capacity
    blocks: list[tuple[float, int, list[tuple[str, float, str]]]] = []
    for latency, calls in ((args.latency_ms, args.calls), (5 * args.latency_ms, args.calls // 3)):
        rows: list[tuple[str, float, str]] = []
        with ServerProcess(latency_ms=latency, capacity=c) as server:
            def measure(label: str, runner: object, rows: list = rows, server: ServerProcess = server,
                        **kwargs: object) -> None:
                server.reset()
                rate, cpu_ms = aio.run(runner(server.url, **kwargs))  # type: ignore[operator]
                rows.append((label, rate, f"client CPU {cpu_ms:.2f} ms/call, 429s: {server.stats()['rate_limited_capacity']}"))

            if latency == args.latency_ms:
                measure("sequential", solver_calls, calls=max(40, int(4000 / latency)), ceiling=c, cache=False,
                        callers=1, tag="s")
            measure(f"bare aiohttp client, {c} in flight", bare_calls, calls=calls, in_flight=c, tag=f"b{latency}")
            measure(f"concurrent, ceiling {c}, nothing remembered", solver_calls, calls=calls, ceiling=c, cache=False,
                    callers=2 * c, tag=f"c{latency}")
            measure(f"concurrent, ceiling {c}, remembered", solver_calls, calls=calls, ceiling=c, cache=False,
                    callers=2 * c, tag=f"r{latency}", remembered=True)
            if latency == args.latency_ms:
                measure(f"concurrent, ceiling {2 * c}, nothing remembered", solver_calls, calls=calls, ceiling=2 * c,
                        cache=False, callers=2 * c, tag="a")
                measure(f"concurrent, ceiling {c}, cache on, remembered", solver_calls, calls=calls, ceiling=c,
                        cache=True, callers=2 * c, tag="k", remembered=True)
            generation_rows(rows, server, latency, args.docs, c)
        blocks.append((latency, calls, rows))
    print(f"throughput over HTTP against serve-sim (SIMULATED replies; {os.cpu_count()} cores, client and server "
          f"on the same machine; CPU speed: {speed:.0f} ms for the reference loop)")
    print(f"  {load}")
    met = True
    for (latency, calls, rows), target in zip(blocks, (TARGETS["50 ms"], TARGETS["250 ms"]), strict=True):
        limit = c / (latency / 1000)
        print(f"  latency {latency:g} ms, capacity {c}: limit {limit:.0f} calls/s")
        for label, rate, note in rows:
            print(f"    {label:<46} {rate:8.1f} calls/s = {rate / limit:5.2f} of limit  ({note})")
        rates = {label: r for label, r, _ in rows}
        bare = rates[f"bare aiohttp client, {c} in flight"]
        kept, fresh = rates[f"concurrent, ceiling {c}, remembered"], rates[f"concurrent, ceiling {c}, nothing remembered"]
        ok = kept / limit >= target and kept / bare >= PARITY
        met = met and ok
        print(f"    concurrent, remembered: {kept / limit:.2f} of limit, {kept / bare:.2f} of the bare client "
              f"(target >= {target} and >= {PARITY}: {'met' if ok else 'NOT met'})")
        # The ramp's cost: the extra wall time of the same calls from nothing, in latency periods.
        ramp = (calls / fresh - calls / kept) / (latency / 1000)
        print(f"    concurrent from nothing: {fresh / limit:.2f} of limit, {fresh / bare:.2f} of the bare client; "
              f"the ramp cost {ramp:.1f} latency periods")
        whole = next(r for label, r in rates.items() if label.startswith("whole"))
        bound = rates["the same, client cost-free (virtual clock)"]
        judged = latency != args.latency_ms
        ok = whole / limit >= TARGETS["generation"]
        met = met and (ok or not judged)
        verdict = f"target >= {TARGETS['generation']}: {'met' if ok else 'NOT met'}" if judged else "no target here"
        print(f"    whole generation: {whole / limit:.2f} of limit ({verdict}); {whole / bound:.2f} of what its "
              f"shape allows ({bound / limit:.2f} of limit with a client that costs nothing)")
    print(f"  all targets: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
