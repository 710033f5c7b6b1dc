"""Each protocol's own statistics, read from what its candidates recorded (``Candidate.stats``).

Science: how many weak and strong answers were judged correct, as a histogram of
``weak_correct/strong_correct`` over every scored candidate and the means over accepted ones.
Legal: the loop-judge's ``grpo_suitability`` mix (every verdict, and the accepted samples'),
the mean strong-minus-weak rate per capability over accepted samples, and the documents the
extractor skipped with its reasons. A protocol that records none of these adds nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from harness.records import RoundRecord


def _mix(values: list[str]) -> dict[str, float]:
    counts = Counter(values)
    total = sum(counts.values())
    return {k: round(counts[k] / total, 3) for k in ("high", "medium", "low") if k in counts} if total else {}


def protocol_stats(rounds: list[RoundRecord]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    scored = [c for r in rounds for c in r.candidates if c.stats]
    chosen = [r.candidates[r.chosen] for r in rounds if r.chosen is not None and r.in_dataset]
    counted = [c for c in scored if "weak_correct" in c.stats and "strong_correct" in c.stats]
    if counted:
        out["correct_counts"] = dict(sorted(Counter(
            f"{c.stats['weak_correct']}/{c.stats['weak_attempts']} weak, {c.stats['strong_correct']}/"
            f"{c.stats['strong_attempts']} strong" for c in counted).items()))
        kept = [c for c in chosen if "strong_correct" in c.stats]
        if kept:
            out["accepted_weak_correct_mean"] = round(sum(c.stats["weak_correct"] for c in kept) / len(kept), 3)
            out["accepted_strong_correct_mean"] = round(sum(c.stats["strong_correct"] for c in kept) / len(kept), 3)
    judged = [c for c in scored if c.stats.get("grpo_suitability")]
    if judged:
        out["grpo_suitability_all"] = _mix([c.stats["grpo_suitability"] for c in judged])
        out["grpo_suitability_accepted"] = _mix([c.stats["grpo_suitability"] for c in chosen
                                                  if c.stats.get("grpo_suitability")])
        gaps: dict[str, list[float]] = defaultdict(list)
        for c in chosen:
            for tag, gap in (c.stats.get("capability_gaps") or {}).items():
                gaps[tag].append(gap)
        out["capability_gaps_accepted"] = {t: round(sum(v) / len(v), 3) for t, v in sorted(gaps.items())}
    skipped = [r for r in rounds if r.decision == "skipped"]
    if skipped:
        out["skipped_documents"] = len(skipped)
        out["skip_reasons"] = [r.skip_reason for r in skipped[:5]]
    return out
