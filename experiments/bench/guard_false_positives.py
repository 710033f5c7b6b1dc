"""Benchmark: how often the content guard and the auditor's reader check reject honest samples (SIMULATED offline).

Reads every ``rounds.jsonl`` under the given output folders (a generation, a sweep, an ablation)
written by honest harnesses (the seed and the simulated proposer's candidates), and counts:

- samples written, and how many of them the deterministic content guard flags when every one is
  re-read (``harness.injection.screen_sample``), not only those that reached it;
- samples that were about to enter a dataset, and how many of those the loop rejected as
  ``injected_instructions`` (content guard or the auditor's reader question, as recorded);
- samples accepted.

Any flag on an honest harness's sample is a false positive, printed with its finding so a reader
can judge it.

    .venv/bin/autodata sweep experiments/configs/sweep_demo.yaml --out out/fp-sweep
    .venv/bin/autodata ablate experiments/configs/paper_table1.yaml --out out/fp-table1 --no-track
    .venv/bin/python experiments/bench/guard_false_positives.py out/fp-sweep out/fp-table1
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass, field
from pathlib import Path

from harness import env

env.configure_environment()

from harness.injection import screen_sample  # noqa: E402
from harness.records import Sample  # noqa: E402


@dataclass
class Count:
    written: int = 0
    flagged: int = 0
    reached_guard: int = 0
    rejected: int = 0
    accepted: int = 0
    findings: list[str] = field(default_factory=list)


def count(folder: Path) -> Count:
    """Every round of every run under ``folder``; a sample two runs wrote alike is read once, each round counts."""
    total, seen = Count(), set()
    for rounds in sorted(folder.rglob("rounds.jsonl")):
        for line in rounds.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            if record.get("kind") != "round":
                continue
            for candidate in record.get("candidates") or []:
                if not candidate.get("sample"):
                    continue
                key = json.dumps(candidate["sample"], sort_keys=True)
                if key in seen:
                    continue
                seen.add(key)
                total.written += 1
                if found := screen_sample(Sample.model_validate(candidate["sample"])):
                    total.flagged += 1
                    total.findings.append(f"{rounds.parent.name}: {found[0]}")
            if record.get("chosen") is not None or record.get("injections"):
                total.reached_guard += 1
            if record.get("injections"):
                total.rejected += 1
                total.findings.append(f"{rounds.parent.name}: recorded: {record['injections'][0]}")
            total.accepted += bool(record.get("in_dataset"))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="+", type=Path, help="output folders of honest runs")
    args = parser.parse_args()
    counts = {folder: count(folder) for folder in args.folders}
    for folder, found in counts.items():
        print(f"{folder}: {found.written} samples written, {found.flagged} flagged by the content guard on re-reading; "
              f"{found.reached_guard} reached the guard, {found.rejected} rejected as injected_instructions; "
              f"{found.accepted} accepted (SIMULATED)")
        for finding in found.findings:
            print(f"  {finding}")
    print("false positives: " + ", ".join(f"{folder}: {found.flagged} of {found.written} written, {found.rejected} of "
                                          f"{found.reached_guard} about to enter" for folder, found in counts.items()))


if __name__ == "__main__":
    main()
