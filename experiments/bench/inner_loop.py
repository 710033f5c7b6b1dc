"""Benchmark: LM calls per second through the full DSPy path on the offline world.

Runs a real generation in-process (adapter formatting and parsing, the inner loop, records
written and fsynced) on one core, and splits each call's time into the offline world's own
work (parsing and reasoning over the text) and the framework's share (DSPy + autodata).
Side by side in the same run it measures the same generation with DSPy's stock ChatAdapter
(against ``harness.adapter.CachingChatAdapter``) and a bare ``dspy.Predict`` over a constant
engine, the floor DSPy itself sets. Target: at least 500 calls/s through the full path.

    .venv/bin/python experiments/bench/inner_loop.py [--docs 40] [--repeats 3]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path

from harness import env

env.configure_environment()

import dspy  # noqa: E402
from dspy.lm15 import Message, Response, TextPart, Usage  # noqa: E402

import harness.adapter  # noqa: E402
from harness.config import parse_config  # noqa: E402
from harness.documents import load_documents  # noqa: E402
from harness.generate import run_generation as run_generation_async  # noqa: E402
from harness.models import ModelRegistry  # noqa: E402
from harness.sim.engine import SimEngine  # noqa: E402

TARGET_CALLS_PER_S = 500.0


class TimedSimEngine(SimEngine):
    """The offline world, timing its own work so the framework's share can be separated."""

    def __init__(self) -> None:
        super().__init__()
        self.engine_s = 0.0

    def reply(self, request):  # type: ignore[override]
        started = time.perf_counter()
        try:
            return super().reply(request)
        finally:
            self.engine_s += time.perf_counter() - started


def run_generation(docs: int, seed: int, adapter: dspy.Adapter) -> dict[str, float]:
    config = parse_config({"name": "bench", "seed": seed, "documents": {"count": docs},
                           "runtime": {"concurrency": 8}})
    documents = load_documents(config.documents)
    engine = TimedSimEngine()
    registry = ModelRegistry(config.models, config.runtime, engine=engine)
    harness.adapter._SHARED = adapter  # the adapter every generation call uses (see call_settings)
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        summary = asyncio.run(run_generation_async(config, documents, Path(out), registry=registry))
        elapsed = time.perf_counter() - started
    # LM calls through DSPy: every completion the world wrote (a wave's shared request writes
    # several, each parsed and checked as its own call).
    return {"calls": engine.calls["total"], "requests": summary["calls_total"], "elapsed": elapsed,
            "engine_s": engine.engine_s}


class ConstantEngine:
    """Answers instantly with a fixed reply: what remains is DSPy's own cost per call."""

    def complete(self, request):
        text = "[[ ## answer ## ]]\nStep 1: x.\nConclusion: Yes.\n\n[[ ## final_answer ## ]]\nYes\n\n[[ ## completed ## ]]"
        return Response(id=None, model="const", message=Message.assistant([TextPart(text)]),
                        finish_reason="stop", usage=Usage(input_tokens=100, output_tokens=20))

    def close(self) -> None:
        return None


def bare_dspy(calls: int, adapter: dspy.Adapter) -> float:
    from harness.signatures import Solve

    predictor = dspy.Predict(Solve)
    predictor.set_lm(dspy.LM("const/solver", engine=ConstantEngine(), cache=False))
    started = time.perf_counter()
    with dspy.context(adapter=adapter):
        for i in range(calls):
            predictor(context=f"Facts: case {i}.", question="Is it so?", config={"seed": i})
    return calls / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says

    ours, stock = harness.adapter._SHARED, dspy.ChatAdapter()
    measured = {}
    for name, adapter in (("caching adapter", ours), ("stock ChatAdapter", stock)):
        # Interleaved repeats, so both see the same machine state.
        measured[name] = [run_generation(args.docs, seed, adapter) for seed in range(args.repeats)]
    floors = {name: statistics.median(bare_dspy(2000, a) for _ in range(args.repeats))
              for name, a in (("caching adapter", ours), ("stock ChatAdapter", stock))}

    def rate(rows: list[dict[str, float]]) -> float:
        return statistics.median(r["calls"] / r["elapsed"] for r in rows)

    rows = measured["caching adapter"]
    world_ms = statistics.median(1000 * r["engine_s"] / r["calls"] for r in rows)
    framework_ms = statistics.median(1000 * (r["elapsed"] - r["engine_s"]) / r["calls"] for r in rows)
    fast, slow = rate(rows), rate(measured["stock ChatAdapter"])
    print("inner-loop benchmark (offline world, SIMULATED models, one core)")
    print(f"  generations: {args.repeats} x {args.docs} documents per adapter, "
          f"{statistics.median([r['calls'] for r in rows]):.0f} LM calls each "
          f"({statistics.median([r['requests'] for r in rows]):.0f} requests: a wave's attempts share one)")
    print(f"  full path, caching adapter:  {fast:7.0f} calls/s  (target {TARGET_CALLS_PER_S:.0f}; ratio {fast / TARGET_CALLS_PER_S:.2f})")
    print(f"  full path, stock adapter:    {slow:7.0f} calls/s  (caching/stock = {fast / slow:.2f})")
    print(f"  offline world per call:      {world_ms:7.3f} ms")
    print(f"  framework per call:          {framework_ms:7.3f} ms  (DSPy + autodata + fsynced records)")
    for name, floor in floors.items():
        print(f"  bare dspy.Predict, {name + ':':18s} {floor:7.0f} calls/s  (constant engine, no loop)")


if __name__ == "__main__":
    main()
