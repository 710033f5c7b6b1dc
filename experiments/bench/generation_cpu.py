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
from collections.abc import Callable
from typing import Any

from dspy.adapters.utils import format_field_value

import harness.adapter
from experiments.bench.client_cpu import print_variants
from experiments.bench.throughput import generation  # sets up the fresh store and environment
from harness.sim.server_process import ServerProcess


def dspy_format(field: Any, value: Any) -> str:
    return format_field_value(field_info=field, value=value)


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
        generation(server.url, 10, args.capacity, server, seed)  # warm-up: connections, first-call imports
        for _ in range(args.rounds):
            for name, render in variants.items():
                harness.adapter.format_value = render
                seed += 1
                rate, _, cpu_ms = generation(server.url, args.docs, args.capacity, server, seed)
                results[name].append((rate, cpu_ms))
        harness.adapter.format_value = variants["shipped"]
    print(f"whole generation over HTTP against serve-sim (SIMULATED replies; latency {args.latency_ms:g} ms, "
          f"capacity {args.capacity}, {args.docs} docs; {args.rounds} rounds per variant, interleaved, "
          f"a fresh seed per generation)")
    print_variants(results, limit)


if __name__ == "__main__":
    main()
