"""Benchmark: calls per second over HTTP against ``serve-sim``, as a share of what it allows.

Starts ``serve-sim`` in its own process with added latency L and capacity C (beyond C requests
in flight it answers 429 with Retry-After); the most any client can get is C / L calls per
second. Side by side in one run, through the same DSPy path the pipeline uses (a ``Solve``
predictor on ``EndpointEngine``):

- sequential: one call at a time (what a plain loop over ``dspy.Predict`` gets);
- concurrent: 2C callers, each making its calls one after another (as a generation's documents in
  flight do), bounded by the endpoint's adaptive limit, ceiling = C;
- concurrent, ceiling 2C: the limit starts above capacity and AIMD finds it from the 429s;
- concurrent, cache on: as real runs do (every reply written to DSPy's disk cache);
- a whole generation (all six roles on the server, documents in flight = 2C).

Target: concurrent calls per second >= 0.85 of the limit (C / L). The client's CPU per call is
printed too: one event loop on one core cannot exceed 1000 / (CPU ms per call) calls per second,
whatever the endpoint allows; a last line repeats the measurement at 5 L, where the endpoint is
the bottleneck. SIMULATED replies.

    .venv/bin/python experiments/bench/throughput.py [--latency-ms 50] [--capacity 32] [--calls 3000]
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

from harness import aio, env  # noqa: E402

env.configure_environment()

import dspy  # noqa: E402

from harness.adapter import call_settings  # noqa: E402
from harness.config import HarnessConfig, ModelSpec, Runtime  # noqa: E402
from harness.documents import load_documents  # noqa: E402
from harness.endpoint.limiter import _LIMITERS  # noqa: E402
from harness.generate import run_generation  # noqa: E402
from harness.models import build_lm  # noqa: E402
from harness.signatures import Solve  # noqa: E402
from harness.sim.engine import SimEngine  # noqa: E402
from harness.sim.server_process import ServerProcess  # noqa: E402

TARGET = 0.85
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


async def solver_calls(url: str, calls: int, ceiling: int, cache: bool, callers: int, tag: str
                       ) -> tuple[float, float]:
    """``timed_calls`` on a fresh predictor whose endpoint limit starts from its own ceiling."""
    _LIMITERS.clear()
    predictor = solver(url, ceiling, cache)
    with call_settings():
        await timed_calls(predictor, 1, 1, f"{tag} warm-up")  # connection set-up and first-call imports
        return await timed_calls(predictor, calls, callers, tag)


def cpu_speed_ms() -> float:
    """Milliseconds for a fixed pure-Python loop: this VM's speed varies by tens of percent from
    one hour to the next, and the client's CPU per call (what bounds the ratios) with it."""
    started = time.process_time()
    total = 0
    for i in range(2_000_000):
        total += i
    return (time.process_time() - started) * 1000


def background_load(seconds: float = 1.0) -> str:
    """What else the machine was doing just before the run, from /proc/stat: the share of all cores
    busy (this process sleeps meanwhile) and the share the hypervisor took (steal). A leftover
    server on the machine took 0.77 where a quiet one gave 0.88, so the ratios need this beside them."""
    def sample() -> list[int]:
        return [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]

    try:
        before = sample()
        time.sleep(seconds)
        after = sample()
    except OSError:  # not Linux
        return "background load: unknown"
    user, nice, system, idle, iowait, irq, softirq, steal = (b - a for a, b in zip(before, after, strict=True))
    total = max(1, user + nice + system + idle + iowait + irq + softirq + steal)
    busy = (user + nice + system + irq + softirq) / total
    return f"background load before the run: {busy:.0%} of the cores busy, {steal / total:.0%} stolen"


def generation(url: str, docs: int, ceiling: int, server: ServerProcess, seed: int = 0) -> tuple[float, int, float]:
    """One whole generation against ``server``: calls per second served, the 429s it got, and the
    client's CPU ms per served call. A seed of its own keeps it off the cache another one filled."""
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--capacity", type=int, default=32)
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--docs", type=int, default=120)
    args = parser.parse_args()
    limit = args.capacity / (args.latency_ms / 1000)
    load = background_load()
    speed = cpu_speed_ms()
    rows: list[tuple[str, float, str]] = []
    with ServerProcess(latency_ms=args.latency_ms, capacity=args.capacity) as server:
        sequential_calls = max(40, int(2 * 1000 / args.latency_ms * 2))  # about 4 s of calls

        def measure(label: str, **kwargs: object) -> None:
            server.reset()
            rate, cpu_ms = aio.run(solver_calls(server.url, **kwargs))
            rows.append((label, rate, f"client CPU {cpu_ms:.2f} ms/call, "
                                      f"429s: {server.stats()['rate_limited_capacity']}"))

        callers = 2 * args.capacity  # as many as a generation keeps documents in flight
        measure("sequential", calls=sequential_calls, ceiling=args.capacity, cache=False, callers=1, tag="s")
        measure(f"concurrent, ceiling {args.capacity}", calls=args.calls, ceiling=args.capacity, cache=False,
                callers=callers, tag="c")
        measure(f"concurrent, ceiling {2 * args.capacity} (AIMD)", calls=args.calls, ceiling=2 * args.capacity,
                cache=False, callers=callers, tag="a")
        measure(f"concurrent, ceiling {args.capacity}, cache on", calls=args.calls, ceiling=args.capacity,
                cache=True, callers=callers, tag="k")
        rate, rejected, _ = generation(server.url, args.docs, args.capacity, server)
        rows.append((f"whole generation ({args.docs} docs)", rate, f"429s: {rejected}"))
    slow_latency = 5 * args.latency_ms  # the endpoint, not the client's CPU, is then the bottleneck
    with ServerProcess(latency_ms=slow_latency, capacity=args.capacity) as server:
        rate, cpu_ms = aio.run(solver_calls(server.url, calls=args.calls // 3, ceiling=args.capacity, cache=False,
                                            callers=2 * args.capacity, tag="l"))
        slow = (rate, args.capacity / (slow_latency / 1000), cpu_ms)
    print(f"throughput over HTTP against serve-sim (SIMULATED replies; {os.cpu_count()} cores, client and server "
          f"on the same machine; CPU speed: {speed:.0f} ms for the reference loop)")
    print(f"  {load}")
    print(f"  latency {args.latency_ms:g} ms, capacity {args.capacity}: limit {limit:.0f} calls/s")
    for label, rate, note in rows:
        print(f"  {label:<38} {rate:8.1f} calls/s = {rate / limit:5.2f} of limit  ({note})")
    best = rows[1][1] / limit
    print(f"  concurrent / sequential: {rows[1][1] / rows[0][1]:.1f}x; target >= {TARGET} of limit: "
          f"{'met' if best >= TARGET else 'NOT met'} ({best:.2f})")
    rate, slow_limit, cpu_ms = slow
    print(f"  at latency {slow_latency:g} ms (limit {slow_limit:.0f} calls/s): concurrent {rate:.1f} calls/s = "
          f"{rate / slow_limit:.2f} of limit (client CPU {cpu_ms:.2f} ms/call)")


if __name__ == "__main__":
    main()
