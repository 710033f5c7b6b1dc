"""Benchmark: does advice act by meaning? Reworded advice against the original (offline world, SIMULATED).

The advice comes from the reader cases written by independent readers who never saw the world's
code (tests/data/reader_cases_{heldout,dev2,dev}.yaml): each group is every sentence there with
one label (say, "depth up, at least 5 steps", in those writers' many wordings). Each sentence is
appended to the seed challenger gene, and the harness runs on the same documents and run seeds.
Per group the benchmark prints the mean acceptance over its wordings, the spread between wordings
(their standard deviation and range), and the noise of a single wording across run seeds, next to
the seed harness. Reworded advice acts alike when the spread between wordings is of the order of
that noise; advice with the opposite label should move acceptance the other way.

With the seed knobs (5 rounds), the orchestrator's guidance after each failed round acts on top of
the challenger's instructions, so their effect is diluted; ``--rounds 1`` measures the instructions
alone.

    .venv/bin/python experiments/bench/rewording.py [--world 0] [--docs 40] [--seeds 11 12 13] [--per-group 6] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from harness import env

env.configure_environment()

from harness import prompts  # noqa: E402
from harness.config import parse_config  # noqa: E402
from harness.documents import load_documents  # noqa: E402
from harness.generate import generate  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
CASES = tuple(DATA / f"reader_cases_{name}.yaml" for name in ("heldout", "dev2", "dev"))
COUNTS = ("at_least", "at_most", "exactly")
# (concept, expect, the step count the advice names, if any)
GROUPS: tuple[tuple[str, str, dict[str, int] | None], ...] = (
    ("depth", "up", {"at_least": 5}), ("depth", "up", {"at_least": 4}), ("depth", "down", {"at_most": 3}),
    ("depth", "up", None), ("depth", "down", None), ("exception", "up", None), ("exception", "down", None),
    ("distractors", "up", None), ("distractors", "down", None), ("unknown", "none", None), ("vague", "small", None),
)


@dataclass
class Wording:
    text: str
    acceptance: list[float]  # one per run seed

    @property
    def mean(self) -> float:
        return statistics.fmean(self.acceptance)


def advice(concept: str, expect: str, counts: dict[str, int] | None, limit: int,
           paths: tuple[Path, ...] = CASES) -> list[str]:
    """The independent wordings with one label and exactly the step count given (none: no count)."""
    texts: list[str] = []
    for path in paths:
        for case in yaml.safe_load(path.read_text(encoding="utf-8"))["challenger"]:
            named = {k: case[k] for k in COUNTS if k in case}
            if case["concept"] == concept and case["expect"] == expect and named == (counts or {}):
                texts.append(case["text"])
    return texts[:limit]


def acceptance(gene: str, world: int, docs: int, seed: int, rounds: int) -> float:
    config = parse_config({"seed": seed, "documents": {"count": docs, "world_seed": world},
                           "genes": {"challenger_instructions": gene}, "knobs": {"round_budget": rounds}})
    with tempfile.TemporaryDirectory() as tmp:
        return generate(config, load_documents(config.documents), Path(tmp) / "out")["acceptance_rate"]


def measure(texts: list[str], world: int, docs: int, seeds: list[int], rounds: int = 5) -> list[Wording]:
    base = prompts.CHALLENGER_INSTRUCTIONS
    return [Wording(t, [acceptance(f"{base} {t}" if t else base, world, docs, s, rounds) for s in seeds])
            for t in texts]


def seed_noise(wordings: list[Wording]) -> float:
    """The standard deviation of one wording's acceptance across run seeds, pooled over wordings."""
    variances = [statistics.variance(w.acceptance) for w in wordings if len(w.acceptance) > 1]
    return statistics.fmean(variances) ** 0.5 if variances else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--world", type=int, default=0)
    parser.add_argument("--docs", type=int, default=40)
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--per-group", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=5, help="round budget (1: the instructions alone)")
    args = parser.parse_args()
    seed = measure([""], args.world, args.docs, args.seeds, args.rounds)[0]
    print(f"rewording (offline world {args.world}, SIMULATED): {args.docs} documents, {args.rounds} rounds, "
          f"run seeds {args.seeds}; "
          f"seed harness acceptance {seed.mean:.3f} {seed.acceptance}")
    print(f"  {'advice (held-out wordings)':26s} {'n':>2s} {'mean':>6s} {'vs seed':>8s} {'sd between':>11s} "
          f"{'range':>13s} {'seed noise':>11s}")
    for concept, expect, counts in GROUPS:
        wordings = measure(advice(concept, expect, counts, args.per_group), args.world, args.docs, args.seeds,
                           args.rounds)
        means = [w.mean for w in wordings]
        between = statistics.stdev(means) if len(means) > 1 else 0.0
        mean = statistics.fmean(means)
        label = f"{concept} {expect}" + "".join(f" {k.replace('_', ' ')} {v}" for k, v in (counts or {}).items())
        print(f"  {label:26s} {len(wordings):2d} {mean:6.3f} {mean - seed.mean:+8.3f} "
              f"{between:11.3f} {min(means):6.3f}-{max(means):.3f} {seed_noise(wordings) / len(args.seeds) ** 0.5:11.3f}",
              flush=True)
    print("  (seed noise: the standard error of one wording's mean over the run seeds)")


if __name__ == "__main__":
    main()
