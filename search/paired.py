"""The best harness against the seed, paired by document: a difference with a 95% interval.

Both were evaluated on the same test documents with the same run seed, so the comparison is
paired: a bootstrap over documents (each resample draws documents, and both harnesses' results on
those documents) gives the interval. The metric is a ratio of sums over documents (acceptance:
accepted / documents; ``accepted_per_kcall``: 1000 x accepted / calls), recomputed per resample.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from harness.generate import load_rounds

RESAMPLES = 2000
RESAMPLE_METRICS = ("acceptance_rate", "accepted_per_kcall")  # ratios of per-document sums


def per_document(where: Path) -> dict[str, tuple[float, float]]:
    """(accepted 0/1, LM calls) per document of one evaluation."""
    out = {}
    for doc_id, records in load_rounds(where).items():
        calls = sum(u.get("calls", 0) for r in records for u in r.usage.values())
        out[doc_id] = (float(any(r.in_dataset for r in records)), float(calls))
    return out


def value_of(rows: list[tuple[float, float]], metric: str) -> float:
    accepted = sum(a for a, _ in rows)
    if metric == "accepted_per_kcall":
        calls = sum(c for _, c in rows)
        return 1000.0 * accepted / calls if calls else 0.0
    return accepted / len(rows) if rows else 0.0


def paired_difference(seed_dir: Path, best_dir: Path, metric: str, seed: int = 0) -> dict[str, Any] | None:
    """Best minus seed on their shared documents, with a 95% percentile bootstrap interval; None
    for a metric that is not a ratio of per-document sums (only acceptance and accepted_per_kcall are)."""
    if metric not in RESAMPLE_METRICS:
        return None
    a, b = per_document(seed_dir), per_document(best_dir)
    shared = sorted(set(a) & set(b))
    if not shared:
        return None
    pairs = [(a[d], b[d]) for d in shared]

    def difference(sample: list[tuple[tuple[float, float], tuple[float, float]]]) -> float:
        return value_of([q for _, q in sample], metric) - value_of([p for p, _ in sample], metric)

    rng = random.Random(seed)
    boots = sorted(difference([rng.choice(pairs) for _ in pairs]) for _ in range(RESAMPLES))
    return {"metric": metric, "difference": difference(pairs), "low": boots[int(0.025 * RESAMPLES)],
            "high": boots[int(0.975 * RESAMPLES) - 1], "documents": len(shared),
            "method": f"bootstrap over documents, {RESAMPLES} resamples, paired (same documents and run seed)"}
