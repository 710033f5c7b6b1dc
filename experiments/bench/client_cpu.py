"""Benchmark: the client's CPU per call over HTTP, with and without each of autodata's cuts to DSPy's path.

Against ``serve-sim`` (its own process; added latency L, capacity C), 2C callers make solver
calls through ``dspy.Predict`` on ``EndpointEngine``, as the pipeline does, in batches. Each
round runs one batch per variant, one after another, so that this VM's speed (which drifts by
tens of percent within minutes) weighs on every variant alike:

- shipped: as autodata runs;
- DSPy's full path: every call converted to lm15's canonical request and back, as stock DSPy
  does (``harness/endpoint/wire.py`` sends a verified call shape's OpenAI body directly);
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
import statistics
from collections.abc import Callable

import dspy

from experiments.bench.throughput import solver, timed_calls  # sets up the fresh store and environment
from harness import aio, signature_fields
from harness.adapter import call_settings
from harness.endpoint import client
from harness.sim.server_process import ServerProcess


def predictor(url: str, capacity: int, step_timeouts: bool = False, direct_wire: bool = True) -> dspy.Predict:
    # Both switches are read once, when the LM's engines are built.
    client.ASYNC_STEP_TIMEOUTS, client.DIRECT_WIRE = step_timeouts, direct_wire
    try:
        return solver(url, capacity, cache=False)
    finally:
        client.ASYNC_STEP_TIMEOUTS, client.DIRECT_WIRE = False, True


async def measure(url: str, capacity: int, rounds: int, calls: int) -> dict[str, list[tuple[float, float]]]:
    shipped, timed = predictor(url, capacity), predictor(url, capacity, step_timeouts=True)
    full = predictor(url, capacity, direct_wire=False)
    variants: dict[str, tuple[dspy.Predict, Callable[[], None]]] = {
        "shipped": (shipped, signature_fields.install),
        "DSPy's full path": (full, signature_fields.install),
        "DSPy's signature fields": (shipped, signature_fields.uninstall),
        "transport step timeouts": (timed, signature_fields.install),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    with call_settings():
        for name, (solve, setup) in variants.items():  # warm-up: connections, first-call imports
            setup()
            await timed_calls(solve, 2 * capacity, 2 * capacity, f"warm {name}")
        for r in range(rounds):
            for name, (solve, setup) in variants.items():
                setup()
                results[name].append(await timed_calls(solve, calls, 2 * capacity, f"{r} {name}"))
    signature_fields.install()
    return results


def print_variants(results: dict[str, list[tuple[float, float]]], limit: float) -> None:
    """Per variant, from its (calls/s, CPU ms per call) rounds: the median CPU per call, the median
    over rounds of (variant / shipped), and the median calls/s as a share of ``limit``."""
    base = results["shipped"]
    for name, rows in results.items():
        rate = statistics.median(r for r, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        ratio = statistics.median(c / b for (_, c), (_, b) in zip(rows, base, strict=True))
        print(f"  {name:<26} {cpu:5.2f} ms/call (x{ratio:4.2f} of shipped)  {rate:6.1f} calls/s = "
              f"{rate / limit:4.2f} of limit")


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
    print_variants(results, limit)


if __name__ == "__main__":
    main()
