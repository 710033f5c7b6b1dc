"""The protocols' own statistics of an ablation's cells, mean [95% CI over seeds].

    python -m experiments.protocol_table OUT      # OUT: an `autodata ablate` output directory

Reads each cell's seeds' ``scorecard.json`` (``protocol``: objectives/protocol_stats.py): the
loop-judge's ``grpo_suitability`` mix over every rated sample and over the dataset, and the mean
correct counts of the dataset's samples. A value a seed did not record (no sample rated) is left
out of that cell's mean; a suitability absent from a seed's mix counts as 0 there.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from experiments.ablation import estimate
from harness import provenance

LEVELS = ("high", "medium", "low")


def _fmt(values: list[float]) -> str:
    e = estimate(values)
    if e.mean is None:
        return "-"
    return f"{e.mean:.3f}" if e.low is None else f"{e.mean:.3f} [{e.low:.3f}, {e.high:.3f}]"


def cell_rows(out: Path) -> list[tuple[str, dict[str, str]]]:
    rows = []
    for cell in sorted(p for p in (out / "cells").iterdir() if p.is_dir()):
        cards = [json.loads(f.read_text()) for f in sorted(cell.glob("seed*/scorecard.json"))]
        stats = [c.get("protocol") or {} for c in cards]
        row: dict[str, str] = {"seeds": str(len(cards))}
        for scope in ("all", "accepted"):
            mixes = [s[f"grpo_suitability_{scope}"] for s in stats if s.get(f"grpo_suitability_{scope}")]
            for level in LEVELS:
                row[f"{level} ({scope})"] = _fmt([m.get(level, 0.0) for m in mixes])
        for key in ("accepted_weak_correct_mean", "accepted_strong_correct_mean", "skipped_documents"):
            row[key] = _fmt([s[key] for s in stats if key in s])
        rows.append((cell.name, row))
    return rows


def markdown(out: Path) -> str:
    rows = cell_rows(out)
    columns = [c for c in rows[0][1] if any(r[c] != "-" for _, r in rows)] if rows else []
    simulated = any(json.loads(f.read_text()).get("simulated") for f in out.glob("cells/*/seed*/scorecard.json"))
    lines = [f"({provenance.label(simulated) or 'real models'})", "",
             "| cell | " + " | ".join(columns) + " |", "|---|" + "---|" * len(columns)]
    lines += [f"| {name} | " + " | ".join(row[c] for c in columns) + " |" for name, row in rows]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2 or not (Path(sys.argv[1]) / "cells").is_dir():
        print("usage: python -m experiments.protocol_table OUT (an ablation's output directory)", file=sys.stderr)
        raise SystemExit(2)
    print(markdown(Path(sys.argv[1])))
