"""Benchmark: calls and tokens per accepted sample, the paper's protocol against autodata's.

On the same documents and seeds, in process (the offline world as a DSPy engine) and over HTTP
against ``serve-sim``, two generations of the same harness:

- the paper's protocol: every solver attempt requested and judged, one request each
  (``runtime.attempt_parallelism: all``), on an endpoint without prefix caching;
- autodata's: attempts in waves, a further one only while the candidate is undecided, a wave's
  attempts in one request with ``n``, prompts that share their prefix, on an endpoint that caches
  prefixes (as vLLM, SGLang and hosted APIs do).

It prints calls, input, cached-input, uncached-input and output tokens per accepted sample, and
asserts that every candidate of every round got the same decision under both. Targets: at least
25% fewer calls and 25% fewer uncached input tokens per accepted sample. SIMULATED: the offline
world's token counts are its estimate (characters / 4), on both sides alike.

    .venv/bin/python experiments/bench/cost_per_accepted.py [--config experiments/configs/demo.yaml] [--docs 40] [--seed 3]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any

STORE = tempfile.mkdtemp(prefix="autodata-bench-store-")
os.environ["AUTODATA_STORE"] = STORE  # a fresh store: no cache, no remembered endpoint
os.environ.pop("DSPY_CACHEDIR", None)

from harness import aio, env  # noqa: E402

env.configure_environment()

from harness.config import HarnessConfig, load_config  # noqa: E402
from harness.documents import load_documents  # noqa: E402
from harness.generate import load_rounds, run_generation  # noqa: E402
from harness.models import ModelRegistry  # noqa: E402
from harness.sim.engine import SimEngine  # noqa: E402
from harness.sim.server_process import ServerProcess  # noqa: E402

TARGET = 0.25  # at least this much less, for calls and for uncached input tokens per accepted sample
ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
PROTOCOLS = {"paper": "all", "autodata": "auto"}


def configured(base: HarnessConfig, protocol: str, url: str | None) -> HarnessConfig:
    data = base.model_dump(mode="json")
    data["runtime"].update({"attempt_parallelism": PROTOCOLS[protocol], "cache": False})
    data["tracking"] = {"enabled": False}
    if url is not None:
        data["models"] = {role: {"model": f"openai/{role}", "api_base": url} for role in ROLES}
    return HarnessConfig.model_validate(data)


def run(config: HarnessConfig, prefix_cache: bool, out: Path) -> dict[str, Any]:
    registry = None
    if all(spec.simulated for _, spec in config.models.items()):  # in process: the world as a DSPy engine
        registry = ModelRegistry(config.models, config.runtime,
                                 engine=SimEngine(world_seed=config.documents.world_seed, prefix_cache=prefix_cache))
    summary = aio.run(run_generation(config, load_documents(config.documents), out, registry=registry))
    decisions = {(doc, r.round, c.index): c.decision
                 for doc, records in load_rounds(out).items() for r in records for c in r.candidates}
    return {"summary": summary, "decisions": decisions}


def per_accepted(summary: dict[str, Any]) -> dict[str, float]:
    accepted = max(1, summary["accepted"])
    tokens = summary["tokens"].values()
    inputs = sum(t["input"] for t in tokens)
    cached = sum(t.get("cached_input", 0) for t in tokens)
    return {"calls": summary["calls_total"] / accepted, "input": inputs / accepted, "cached": cached / accepted,
            "uncached": (inputs - cached) / accepted, "output": sum(t["output"] for t in tokens) / accepted}


def compare(where: str, paper: dict[str, Any], ours: dict[str, Any]) -> bool:
    a, b = paper["summary"], ours["summary"]
    same = paper["decisions"] == ours["decisions"]
    differing = sum(paper["decisions"].get(key) != value for key, value in ours["decisions"].items())
    p, o = per_accepted(a), per_accepted(b)
    print(f"{where}: {a['documents']} documents, seed {a['seed']}; accepted {a['accepted']} and {b['accepted']}; "
          f"{len(ours['decisions'])} candidates, decisions identical: {'yes' if same else f'NO ({differing} differ)'}")
    print(f"  per accepted sample        {'paper':>10} {'autodata':>10}  change")
    for key, label in (("calls", "calls"), ("input", "input tokens"), ("cached", "cached input tokens"),
                       ("uncached", "uncached input tokens"), ("output", "output tokens")):
        change = f"{o[key] / p[key] - 1:+.1%}" if p[key] else "n/a"
        print(f"  {label:<26} {p[key]:10.1f} {o[key]:10.1f}  {change}")
    saved_calls, saved_uncached = 1 - o["calls"] / p["calls"], 1 - o["uncached"] / p["uncached"]
    met = same and saved_calls >= TARGET and saved_uncached >= TARGET
    print(f"  target >= {TARGET:.0%} fewer calls and uncached input tokens, identical decisions: "
          f"{'met' if met else 'NOT met'} ({saved_calls:.1%} and {saved_uncached:.1%})")
    assert same, f"{where}: decisions differ on {differing} candidates"
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="experiments/configs/demo.yaml")
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--skip-http", action="store_true")
    args = parser.parse_args()
    base = load_config(args.config, {"documents.count": args.docs, "seed": args.seed})
    print("cost per accepted sample: the paper's protocol (all k attempts, one request each, no prefix cache) "
          "against autodata's (SIMULATED; token counts are the offline world's estimate, characters / 4)")
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        for protocol in PROTOCOLS:
            results[protocol] = run(configured(base, protocol, None), protocol != "paper", Path(scratch, protocol))
    met = compare("in process", results["paper"], results["autodata"])
    if not args.skip_http:
        results = {}
        for protocol in PROTOCOLS:
            with ServerProcess(prefix_cache_blocks=0 if protocol == "paper" else 200_000,
                               world_seed=base.documents.world_seed) as server, \
                    tempfile.TemporaryDirectory() as scratch:
                results[protocol] = run(configured(base, protocol, server.url), protocol != "paper",
                                        Path(scratch, protocol))
                stats = server.stats()
                results[protocol]["server"] = stats
                print(f"  serve-sim ({protocol}): {stats['ok']} requests answered, {stats['choices']} answers, "
                      f"{stats['prompt_tokens']} prompt tokens of which {stats['cached_tokens']} cached, "
                      f"{stats['repeated']} repeated")
        met = compare("over HTTP against serve-sim", results["paper"], results["autodata"]) and met
    print(f"overall: {'met' if met else 'NOT met'}")


if __name__ == "__main__":
    main()
