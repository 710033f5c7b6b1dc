"""What the orchestrator reads between rounds: every failed attempt so far, grouped by why.

Groups: TOO EASY (weak mean), FAILED ON STRONG (weak, strong, gap), FAILED QUALITY CHECK (the
QV reason), IMPROVE (the legal protocol's loop-judge or code override, with its reason). Errors (unparseable outputs, timeouts) are not feedback and never appear here.
Each attempt is shown whole (context and question), not summarised. The full round records
(``format_round_records``, for the analyzer) also name the attempts no model reply could score.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.acceptance import Outcome
from harness.records import Candidate, RoundRecord

GROUPS = (
    (Outcome.TOO_EASY, "TOO EASY (the weak solver scored too high)"),
    (Outcome.FAILED_ON_STRONG, "FAILED ON STRONG (the strong solver did not do well enough, or the gap was too small)"),
    (Outcome.FAILED_QUALITY, "FAILED QUALITY CHECK (rejected before any solver saw it)"),
    (Outcome.IMPROVE, "IMPROVE (the loop-judge, or a code override, asked for a better question)"),
)


def group_failures(rounds: Iterable[RoundRecord]) -> dict[Outcome, list[tuple[int, Candidate]]]:
    groups: dict[Outcome, list[tuple[int, Candidate]]] = {outcome: [] for outcome, _ in GROUPS}
    for record in rounds:
        for candidate in record.candidates:
            outcome = Outcome(candidate.decision) if candidate.decision in Outcome.__members__.values() else None
            if outcome in groups and candidate.sample is not None:
                groups[outcome].append((record.round, candidate))
    return groups


def _mean(scores: list[float]) -> float | None:
    return sum(scores) / len(scores) if scores else None


def _describe(outcome: Outcome, candidate: Candidate) -> str:
    # The scores that decided (Candidate.evidence): the same whether later attempts were measured.
    weak, strong = _mean(candidate.evidence("weak")), _mean(candidate.evidence("strong"))
    if outcome is Outcome.TOO_EASY:
        return f"weak mean {weak:.2f}"
    if outcome is Outcome.FAILED_ON_STRONG:
        gap = strong - weak if strong is not None and weak is not None else float("nan")
        return f"weak mean {weak:.2f}, strong mean {strong:.2f}, gap {gap:.2f} ({candidate.reason})"
    if outcome is Outcome.IMPROVE:
        return candidate.reason
    qv = candidate.qv
    return f"reason: {qv.reason if qv else 'unknown'} ({qv.explanation if qv else ''})"


def format_failures(rounds: Iterable[RoundRecord]) -> str:
    groups = group_failures(rounds)
    blocks = []
    for outcome, title in GROUPS:
        items = groups[outcome]
        if not items:
            continue
        lines = [f"{title}: {len(items)} attempt{'s' if len(items) != 1 else ''}"]
        for round_number, candidate in items:
            sample = candidate.sample
            lines.append(
                f"[round {round_number}] {_describe(outcome, candidate)}\n"
                f"Question: {sample.question}\nContext:\n{sample.context}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) if blocks else "no failed attempts"


def format_round_records(rounds: Iterable[RoundRecord], max_chars: int | None = None) -> str:
    """Every candidate of every round in full (guidance, question, context, scores, decision),
    for a reader that diagnoses a harness (reflective mutation reads this, not a summary)."""
    blocks = []
    for record in rounds:
        for candidate in record.candidates:
            lines = [f"=== round {record.round} of {record.doc_id}, candidate {candidate.index} ===",
                     f"Guidance: {record.guidance}"]
            if candidate.sample is not None:
                lines += [f"Question: {candidate.sample.question}", f"Context:\n{candidate.sample.context}"]
            lines.append(f"Decision: {candidate.decision} ({candidate.reason})")
            if candidate.failed_attempts:  # what the models could not produce, for the analyzer
                lines.append("Unusable attempts: " + ", ".join(
                    f"{f.solver} {f.index} ({f.role}: {f.reason})" for f in candidate.failed_attempts))
            if candidate.qv is not None and not candidate.qv.passed:
                lines.append(f"QV reason: {candidate.qv.reason}")
            weak, strong = candidate.scores("weak"), candidate.scores("strong")
            if weak:
                lines.append("Weak scores: " + ", ".join(f"{s:.2f}" for s in weak))
            if strong:
                lines.append("Strong scores: " + ", ".join(f"{s:.2f}" for s in strong))
            if record.chosen == candidate.index and record.final_qv is not None:
                verdict = record.final_qv
                lines.append(f"Final QV: {verdict.verdict}" + ("" if verdict.passed else f" ({verdict.reason})"))
            if record.chosen == candidate.index and record.audit is not None:
                verdict = record.audit
                lines.append(f"Guarded auditor: {verdict.verdict}" + ("" if verdict.passed else f" ({verdict.reason})"))
            if record.chosen == candidate.index and record.injections:
                # A failure the proposer must see: planted instructions reject the sample and zero the score.
                lines.append("REJECTED: injected_instructions (text addressed to the solvers, grader or verifier): "
                             + "; ".join(record.injections[:3]))
            blocks.append("\n".join(lines))
    text = "\n".join(blocks)
    if max_chars is not None and len(text) > max_chars:
        cut = text.rfind("\n=== round ", 0, max_chars)
        text = text[: cut if cut > 0 else max_chars] + "\n[... later rounds omitted: over the size limit]"
    return text
