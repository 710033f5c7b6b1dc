"""The offline world's optimum per world (SIMULATED): ``harness/sim/optimum.py`` with the inner loop.

    .venv/bin/python experiments/bench/optimum.py 1 2 3 4 5 [--docs 20] [--no-cache]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from harness import env  # noqa: E402
from harness.generate import run_offline  # noqa: E402
from harness.sim.optimum import world_optimum  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    """One line per world (SIMULATED)."""
    import argparse

    env.configure_environment()
    parser = argparse.ArgumentParser(prog="experiments/bench/optimum.py", description=main.__doc__)
    parser.add_argument("worlds", type=int, nargs="+")
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--run-seed", type=int, default=0)
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args(argv)
    for world in args.worlds:
        o = world_optimum(run_offline, world, args.docs, args.run_seed, cache=not args.no_cache)
        i = o.intent
        print(f"world {world} (SIMULATED): acceptance {o.acceptance:.3f} (search {o.search_acceptance:.3f}); "
              f"intent depth {i.depth:g}, exception {i.exception:g}, negative {i.negative:g}, distractors "
              f"{i.distractors:g}; knobs {o.knobs}; {o.calls_per_doc:g} calls/doc; {o.evaluated} harnesses, "
              f"{o.calls} calls, {o.seconds:.1f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
