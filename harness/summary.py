"""``summary.json``: what a generation produced, computed from its round records alone.

Besides the outcome it says what went wrong and where: unusable replies per role and reason
(``parse_failures``, see harness/reply_checks.py), rounds recorded as ``error`` and why,
documents given up after ``runtime.errors_per_document`` error rounds, documents refused as over
a model's context window (before any call, or by the endpoint during the run), which roles were
played by the offline world (``simulated_roles``) and which by real models (``real_roles``).
"""

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
    simulated_roles: list[str] | None = None,
    stopped_for_errors: list[str] | None = None,
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
        if record.audit is not None and not record.audit.passed:
            failures["audit_rejected"] += 1
        if record.injections:
            failures["injected_instructions"] += 1
    calls: Counter[str] = Counter()
    tokens: dict[str, dict[str, int]] = {}
    parse_failures: dict[str, Counter[str]] = {}
    truncated: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    for record in rounds:
        for role, usage in record.usage.items():
            calls[role] += usage.get("calls", 0)
            entry = tokens.setdefault(role, {"input": 0, "cached_input": 0, "output": 0})
            entry["input"] += usage.get("input_tokens", 0)
            entry["cached_input"] += usage.get("cached_input_tokens", 0)  # part of input
            entry["output"] += usage.get("output_tokens", 0)
            truncated[role] += usage.get("truncated_replies", 0)
            cancelled[role] += usage.get("cancelled", 0)
            for key, value in usage.items():
                if key.startswith("failed.") and value:
                    parse_failures.setdefault(role, Counter())[key.removeprefix("failed.")] += value
    error_rounds = [r for r in rounds if r.decision == "error"]
    error_reasons = Counter(r.error or "unknown" for r in error_rounds)
    failed_attempts: Counter[str] = Counter()
    for record in rounds:
        for candidate in record.candidates:
            for failure in candidate.failed_attempts:
                failed_attempts[f"{failure.role}:{failure.reason}"] += 1
    simulated_roles = sorted(simulated_roles if simulated_roles is not None else
                             [role for role, model in models.items() if model.startswith("sim/")])
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
        "parse_failures": {role: dict(sorted(c.items())) for role, c in sorted(parse_failures.items())},
        "parse_failures_total": sum(sum(c.values()) for c in parse_failures.values()),
        "truncated_replies": {role: n for role, n in sorted(truncated.items()) if n},
        "error_rounds": len(error_rounds),
        "error_reasons": dict(sorted(error_reasons.items())),
        "failed_attempts": dict(sorted(failed_attempts.items())),
        "cancelled_calls": {role: n for role, n in sorted(cancelled.items()) if n},
        # Work not asked for because earlier attempts or candidates had decided (harness/loop.py).
        "attempts_not_judged": sum(c.cancelled_attempts for r in rounds for c in r.candidates),
        "attempts_not_requested": sum(c.unrequested_attempts for r in rounds for c in r.candidates),
        "candidates_cancelled": sum(c.decision == "cancelled" for r in rounds for c in r.candidates),
        "documents_stopped_for_errors": len(stopped_for_errors or []),
        "stopped_for_errors": sorted(stopped_for_errors or []),
        "simulated_roles": simulated_roles,
        "real_roles": sorted(role for role in models if role not in simulated_roles),
        "calls": dict(calls),
        "calls_total": sum(calls.values()),
        "tokens": tokens,
        # The offline world's token counts are its estimate (characters / 4), not a tokenizer's;
        # real endpoints' come from their usage.
        "token_counts": (f"estimated (characters / 4) for the offline world's roles ({', '.join(simulated_roles)}); "
                         "the endpoints' usage for the others") if simulated_roles else "the endpoints' usage",
        "models": models,
    }


def preflight_summary(sessions: list[dict[str, Any]]) -> dict[str, Any]:
    """What the preflights of every session sent (before the run, outside its budget): requests,
    of which answered (``ok``), tokens, and whether the last session's was reused (``cached``)."""
    return {"requests": sum(int(s.get("requests") or 0) for s in sessions),
            "ok": sum(int(s.get("ok") or 0) for s in sessions),
            "tokens": sum(int(s.get("tokens") or 0) for s in sessions),
            "cached": bool(sessions[-1].get("cached")) if sessions else False,
            "sessions": len(sessions)}


def refused_in_run(document: str, error: Any) -> dict[str, Any]:
    """The record of a document an endpoint refused as over its context window (an
    ``EndpointError`` of kind ``context_length``), in the form of a refusal before any call."""
    from harness.context_window import limit_in

    return {"document": document, "role": error.role, "model": error.model, "tokens": None,
            "window": limit_in(error.detail), "source": "learned", "during_run": True, "detail": error.detail}


def refused_documents(before_call: list[dict[str, Any]], in_run: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every refused document once: those refused before any call (this session's estimate, which a
    learned window extends to documents an earlier session had sent), then those refused in a run."""
    seen = {r["document"] for r in before_call}
    return [*before_call, *(r for r in in_run if r["document"] not in seen)]


def merge_counts(earlier: Any, now: Any) -> Any:
    """Counters of two sessions added key by key (nested dictionaries too)."""
    if isinstance(earlier, dict) and isinstance(now, dict):
        return {k: merge_counts(earlier.get(k), now.get(k)) for k in {**earlier, **now}}
    if isinstance(earlier, int | float) and isinstance(now, int | float) and not isinstance(now, bool):
        return earlier + now
    return now if now is not None else earlier


def endpoint_summary(stats: CallStats) -> dict[str, Any]:
    """Attempts this session: sent, answered, retried, and failed by kind (rate_limit, timeout, ...)."""
    errors: Counter[str] = Counter()
    for counts in stats.counts.values():
        errors.update({k.removeprefix("error."): v for k, v in counts.items() if k.startswith("error.")})
    return {"requests": stats.total("requests"), "ok": stats.total("ok"), "retries": stats.total("retries"),
            "errors": dict(sorted(errors.items())), "by_model": stats.as_dict()}
