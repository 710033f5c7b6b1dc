"""Benchmark: a whole generation over HTTP, with and without autodata's cut to DSPy's input formatting.

Against ``serve-sim`` (its own process; added latency L, capacity C), whole generations (all six
roles on the server, 2C documents in flight) run in interleaved rounds, so that this VM's drifting
speed weighs on both variants alike. Each generation has a seed of its own, so none is served
from the cache another one filled:

- shipped: as autodata runs (``harness/adapter.py`` renders non-string inputs such as rubrics and
  verdict lists with one pydantic TypeAdapter per value type);
- DSPy's input formatting: DSPy's ``format_field_value``, which builds a TypeAdapter per value.

Prints, per variant, the median calls per second as a share of the limit (C / L) and the client's
CPU ms per served call. No target: what bounds a whole generation here is the client's CPU.
SIMULATED replies.

    .venv/bin/python experiments/bench/generation_cpu.py [--rounds 4] [--docs 120]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dspy.adapters.utils import format_field_value

import harness.adapter
from experiments.bench.throughput import ROLES  # sets up the fresh store and environment
from harness import aio
from harness.config import HarnessConfig
from harness.documents import load_documents
from harness.endpoint.limiter import _LIMITERS
from harness.generate import run_generation
from harness.sim.server_process import ServerProcess


def dspy_format(field: Any, value: Any) -> str:
    return format_field_value(field_info=field, value=value)


def generation(server: ServerProcess, docs: int, seed: int, capacity: int) -> tuple[float, float]:
    """Calls per second served and the client's CPU ms per served call, for one generation."""
    _LIMITERS.clear()
    config = HarnessConfig.model_validate({
        "name": "bench-generation-cpu", "seed": seed, "documents": {"count": docs},
        "models": {role: {"model": f"openai/{role}", "api_base": server.url} for role in ROLES},
        "runtime": {"concurrency": 2 * capacity, "max_in_flight": capacity},
        "tracking": {"enabled": False},
    })
    server.reset()
    with tempfile.TemporaryDirectory() as out:
        started, cpu = time.perf_counter(), time.process_time()
        aio.run(run_generation(config, load_documents(config.documents), Path(out)))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    served = server.stats()["ok"]
    return served / wall, cpu / served * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--capacity", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--docs", type=int, default=120)
    args = parser.parse_args()
    limit = args.capacity / (args.latency_ms / 1000)
    variants: dict[str, Callable[[Any, Any], str]] = {
        "shipped": harness.adapter.format_value,
        "DSPy's input formatting": dspy_format,
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
    seed = 1000
    with ServerProcess(latency_ms=args.latency_ms, capacity=args.capacity) as server:
        generation(server, 10, seed, args.capacity)  # warm-up: connections, first-call imports
        for _ in range(args.rounds):
            for name, render in variants.items():
                harness.adapter.format_value = render
                seed += 1
                results[name].append(generation(server, args.docs, seed, args.capacity))
        harness.adapter.format_value = variants["shipped"]
    print(f"whole generation over HTTP against serve-sim (SIMULATED replies; latency {args.latency_ms:g} ms, "
          f"capacity {args.capacity}, {args.docs} docs; {args.rounds} rounds per variant, interleaved, "
          f"a fresh seed per generation)")
    base = results["shipped"]
    for name, rows in results.items():
        rate = statistics.median(r for r, _ in rows)
        cpu = statistics.median(c for _, c in rows)
        ratio = statistics.median(c / b for (_, c), (_, b) in zip(rows, base, strict=True))
        print(f"  {name:<26} {cpu:5.2f} ms/call (x{ratio:4.2f} of shipped)  {rate:6.1f} calls/s = "
              f"{rate / limit:4.2f} of limit")


if __name__ == "__main__":
    main()
