"""``summary.json``: what a generation produced, computed from its round records alone."""

from __future__ import annotations

from collections import Counter
from typing import Any

from harness.endpoint.engine import CallStats
from harness.records import AcceptedSample, RoundRecord

FAILURE_KINDS = ("too_easy", "failed_on_strong", "failed_quality_check", "filtered", "error")


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarize(
    rounds: list[RoundRecord],
    accepted: list[AcceptedSample],
    *,
    documents: int,
    preset: str,
    seed: int,
    harness_hash: str,
    simulated: bool,
    skipped: list[str],
    models: dict[str, str],
) -> dict[str, Any]:
    failures: Counter[str] = Counter({kind: 0 for kind in FAILURE_KINDS})
    qv_reasons: Counter[str] = Counter()
    for record in rounds:
        for candidate in record.candidates:
            if candidate.decision in FAILURE_KINDS:
                failures[candidate.decision] += 1
            if candidate.decision == "failed_quality_check" and candidate.qv is not None:
                qv_reasons[candidate.qv.reason] += 1
        if record.final_qv is not None and not record.final_qv.passed:
            failures["final_qv_rejected"] += 1
    calls: Counter[str] = Counter()
    tokens: dict[str, dict[str, int]] = {}
    for record in rounds:
        for role, usage in record.usage.items():
            calls[role] += usage.get("calls", 0)
            entry = tokens.setdefault(role, {"input": 0, "output": 0})
            entry["input"] += usage.get("input_tokens", 0)
            entry["output"] += usage.get("output_tokens", 0)
    docs_with_sample = len({a.doc_id for a in accepted})
    weak = [a.weak_mean for a in accepted if a.weak_mean is not None]
    strong = [a.strong_mean for a in accepted if a.strong_mean is not None]
    gaps = [a.gap for a in accepted if a.gap is not None]
    return {
        "simulated": simulated,
        "preset": preset,
        "seed": seed,
        "harness_hash": harness_hash,
        "documents": documents,
        "documents_skipped": len(skipped),
        "skipped": skipped,
        "rounds": len(rounds),
        "accepted": len(accepted),
        "acceptance_rate": round(docs_with_sample / documents, 4) if documents else 0.0,
        "weak_mean": _mean(weak),
        "strong_mean": _mean(strong),
        "gap_mean": _mean(gaps),
        "rounds_per_accepted": round(len(rounds) / len(accepted), 4) if accepted else None,
        "failure_reasons": dict(failures),
        "qv_reasons": dict(qv_reasons),
        "calls": dict(calls),
        "calls_total": sum(calls.values()),
        "tokens": tokens,
        "models": models,
    }


def endpoint_summary(stats: CallStats) -> dict[str, Any]:
    """Attempts this session: sent, answered, retried, and failed by kind (rate_limit, timeout, ...)."""
    errors: Counter[str] = Counter()
    for counts in stats.counts.values():
        errors.update({k.removeprefix("error."): v for k, v in counts.items() if k.startswith("error.")})
    return {"requests": stats.total("requests"), "ok": stats.total("ok"), "retries": stats.total("retries"),
            "errors": dict(sorted(errors.items())), "by_model": stats.as_dict()}
