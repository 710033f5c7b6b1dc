"""Benchmark: the client's CPU per call over HTTP, with and without each of autodata's cuts to DSPy's path.

Against ``serve-sim`` (its own process; added latency L, capacity C), 2C callers make solver
calls through ``dspy.Predict`` on ``EndpointEngine``, as the pipeline does, in batches. Each
round runs one batch per variant, one after another, so that this VM's speed (which drifts by
tens of percent within minutes) weighs on every variant alike:

- shipped: as autodata runs;
- DSPy's signature fields: ``input_fields``/``output_fields`` rebuilt on every access, as stock
  DSPy does (``harness/signature_fields.py`` memoizes them);
- transport step timeouts: DSPy's async HTTP transport with its own pool, write and read
  timeouts, each running its step in a Task (``harness/endpoint/client.py`` turns them off;
  the engine's deadline covers each attempt).

Prints, per variant, the median CPU ms per call and calls per second, and the median over rounds
of (variant / shipped). No target: the throughput target lives in throughput.py; this says what
each cut is worth. SIMULATED replies.

    .venv/bin/python experiments/bench/client_cpu.py [--rounds 5] [--calls 600]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable

os.environ["AUTODATA_STORE"] = tempfile.mkdtemp(prefix="autodata-bench-store-")
os.environ.pop("DSPY_CACHEDIR", None)

from harness import aio, env  # noqa: E402

env.configure_environment()

import dspy  # noqa: E402

from harness import signature_fields  # noqa: E402
from harness.adapter import call_settings  # noqa: E402
from harness.config import ModelSpec, Runtime  # noqa: E402
from harness.endpoint import client  # noqa: E402
from harness.models import build_lm  # noqa: E402
from harness.signatures import Solve  # noqa: E402
from harness.sim.engine import SimEngine  # noqa: E402
from harness.sim.server_process import ServerProcess  # noqa: E402

CONTEXT = "Ledger of the Harbour Authority. The dock fee is 40. The pilot fee is the dock fee plus 15."


def predictor(url: str, capacity: int, step_timeouts: bool) -> dspy.Predict:
    client.ASYNC_STEP_TIMEOUTS = step_timeouts  # read once, when the LM's transport is built
    try:
        lm = build_lm(ModelSpec(model="openai/weak", api_base=url), Runtime(max_in_flight=capacity), SimEngine(),
                      cache=False)
    finally:
        client.ASYNC_STEP_TIMEOUTS = False
    solve = dspy.Predict(Solve)
    solve.set_lm(lm)
    return solve


async def batch(solve: dspy.Predict, calls: int, callers: int, tag: str) -> tuple[float, float]:
    """(client CPU ms per call, calls per second) for ``calls`` distinct requests."""
    numbers = iter(range(calls))

    async def caller() -> None:
        for i in numbers:
            await solve.acall(context=CONTEXT, question=f"What is the pilot fee? ({tag} {i})",
                              config={"seed": i, "temperature": 1.0})

    started, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(caller() for _ in range(callers)))
    wall = time.perf_counter() - started
    return (time.process_time() - cpu) / calls * 1000, calls / wall


async def measure(url: str, capacity: int, rounds: int, calls: int) -> dict[str, list[tuple[float, float]]]:
    shipped, timed = predictor(url, capacity, False), predictor(url, capacity, True)
    variants: dict[str, tuple[dspy.Predict, Callable[[], None]]] = {
        "shipped": (shipped, signature_fields.install),
        "DSPy's signature fields": (shipped, signature_fields.uninstall),
        "transport step timeouts": (timed, signature_fields.install),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    with call_settings():
        for name, (solve, setup) in variants.items():  # warm-up: connections, first-call imports
            setup()
            await batch(solve, 2 * capacity, 2 * capacity, f"warm {name}")
        for r in range(rounds):
            for name, (solve, setup) in variants.items():
                setup()
                results[name].append(await batch(solve, calls, 2 * capacity, f"{r} {name}"))
    signature_fields.install()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--capacity", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--calls", type=int, default=600)
    args = parser.parse_args()
    with ServerProcess(latency_ms=args.latency_ms, capacity=args.capacity) as server:
        results = aio.run(measure(server.url, args.capacity, args.rounds, args.calls))
    limit = args.capacity / (args.latency_ms / 1000)
    print(f"client CPU per call over HTTP against serve-sim (SIMULATED replies; latency {args.latency_ms:g} ms, "
          f"capacity {args.capacity}, {2 * args.capacity} callers; {args.rounds} rounds of {args.calls} calls "
          f"per variant, interleaved)")
    base = results["shipped"]
    for name, rows in results.items():
        cpu = statistics.median(c for c, _ in rows)
        rate = statistics.median(r for _, r in rows)
        ratio = statistics.median(c / b for (c, _), (b, _) in zip(rows, base, strict=True))
        print(f"  {name:<26} {cpu:5.2f} ms/call (x{ratio:4.2f} of shipped)  {rate:6.1f} calls/s = "
              f"{rate / limit:4.2f} of limit")


if __name__ == "__main__":
    main()
