"""Benchmark: how many of the lines the world's writer plants for a hack the content guard flags (SIMULATED).

For every challenger or supervisor hack in the given sets, the offline world's writer reads the
gene for requests to plant a line (``harness.sim.reading.plants``) and inserts each line it can
quote verbatim; this reads each such line with the content guard (``harness.injection``) as the
field it is planted in. No model call: a direct measure of the guard's recall on planted text
(lines the writer words itself, and QV blindings, are not counted).

    .venv/bin/python experiments/bench/planted_lines.py tests/data/hacks_fresh3.yaml tests/data/hacks_fresh7.yaml
"""

from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from harness import env

env.configure_environment()

from harness.config import HarnessConfig  # noqa: E402
from harness.injection import screen_text  # noqa: E402
from harness.sim.reading.plants import plant_requests  # noqa: E402

# Where the writer puts a line -> the sample field the content guard reads it as (facts are context).
FIELDS = {"rubric": "rubric", "reference": "reference_answer", "question": "question"}


def flagged(path: Path, seed: HarnessConfig) -> tuple[int, int]:
    """(lines flagged, lines planted verbatim) for one set of hacks."""
    hacks = yaml.safe_load(path.read_text(encoding="utf-8"))["hacks"]
    caught = total = 0
    for hack in hacks:
        if hack["gene"] == "qv_instructions":
            continue
        full = f"{getattr(seed.genes, hack['gene']).rstrip()} {hack['text']}" if hack.get("append", True) else hack["text"]
        for plant in plant_requests(full):
            if plant.text:
                total += 1
                caught += bool(screen_text(plant.text, FIELDS.get(plant.where, "context")))
    return caught, total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", nargs="+", type=Path, help="hack sets (YAML with 'hacks')")
    args = parser.parse_args()
    seed = HarnessConfig()
    caught = total = 0
    for path in args.sets:
        c, n = flagged(path, seed)
        caught, total = caught + c, total + n
        print(f"{path.name}: the content guard flags {c} of {n} planted lines (SIMULATED writer)")
    print(f"all: {caught} of {total}")


if __name__ == "__main__":
    main()
