"""What the orchestrator reads between rounds: every failed attempt so far, grouped by why.

Groups: TOO EASY (weak mean), FAILED ON STRONG (weak, strong, gap), FAILED QUALITY CHECK (the
QV reason). Errors (unparseable outputs, timeouts) are not feedback and never appear here.
Each attempt is shown whole (context and question), not summarised.
"""

from __future__ import annotations

from collections.abc import Iterable

from harness.acceptance import Outcome
from harness.records import Candidate, RoundRecord

GROUPS = (
    (Outcome.TOO_EASY, "TOO EASY (the weak solver scored too high)"),
    (Outcome.FAILED_ON_STRONG, "FAILED ON STRONG (the strong solver did not do well enough, or the gap was too small)"),
    (Outcome.FAILED_QUALITY, "FAILED QUALITY CHECK (rejected before any solver saw it)"),
)


def group_failures(rounds: Iterable[RoundRecord]) -> dict[Outcome, list[tuple[int, Candidate]]]:
    groups: dict[Outcome, list[tuple[int, Candidate]]] = {outcome: [] for outcome, _ in GROUPS}
    for record in rounds:
        for candidate in record.candidates:
            outcome = Outcome(candidate.decision) if candidate.decision in Outcome.__members__.values() else None
            if outcome in groups and candidate.sample is not None:
                groups[outcome].append((record.round, candidate))
    return groups


def _describe(outcome: Outcome, candidate: Candidate) -> str:
    weak, strong = candidate.mean("weak"), candidate.mean("strong")
    if outcome is Outcome.TOO_EASY:
        return f"weak mean {weak:.2f}"
    if outcome is Outcome.FAILED_ON_STRONG:
        gap = strong - weak if strong is not None and weak is not None else float("nan")
        return f"weak mean {weak:.2f}, strong mean {strong:.2f}, gap {gap:.2f} ({candidate.reason})"
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
