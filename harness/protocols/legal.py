"""Legal: no fixed thresholds. An extractor may skip the document; a loop-judge decides.

The writer's rubric has 15-25 criteria, each tagged with a capability. All weak (5) and strong
(3) rollouts are scored per criterion; a diagnostic packet (per-capability weak and strong
rates, criteria every weak rollout already meets, rollout spread) goes to the loop-judge, whose
JSON reply is recorded whole. Code overrides force improve for a question body over
``max_body_chars`` and for case-recap or exam-style phrasing; improve rounds stop at
``improve_cap``. The loop-judge's suggestion is the writer's next guidance.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from typing import Any

from harness import prompts
from harness.acceptance import Outcome, Verdict
from harness.protocols.base import Protocol
from harness.records import Candidate, RoundRecord

# Phrasings the paper's code overrides reject: a recap of a case, or an exam item.
_RECAP_OR_EXAM = re.compile(
    r"\b(summari[sz]e|recap|restate|in the case of .+ v\.? |the court (held|found|ruled)|which of the following|"
    r"true or false|multiple[- ]choice|select (one|all)|exam(ination)? question)\b|\(\s*[a-d]\s*\)",
    re.IGNORECASE)
FIELDS = ("weak_pattern", "strong_pattern", "gap_interpretation", "rubric_concerns", "grpo_suitability", "verdict",
          "suggestion_for_writer")


class OpenRule:
    """No thresholds: every candidate with scores goes to the loop-judge (``LegalProtocol.review``)."""

    forbid_strong_zero = False

    def weak_check(self, weak: list[float]) -> Verdict:
        return Verdict(True, "legal: no fixed thresholds")

    def strong_check(self, weak: list[float], strong: list[float]) -> Verdict:
        return Verdict(True, "legal: no fixed thresholds")

    def decide(self, weak: list[float], strong: list[float] | None) -> tuple[str, str]:
        return Outcome.ACCEPTED, "scored: for the loop-judge"


def credit(weight: float, met: bool) -> bool:
    """A criterion earns credit when met (positive weight) or when its bad behaviour is absent."""
    return met if weight > 0 else not met


def packet_numbers(candidate: Candidate) -> dict[str, Any]:
    """Per-capability weak and strong credit rates, criteria all weak rollouts meet, spreads."""
    sample = candidate.sample
    tags = sample.capabilities if len(sample.capabilities) == len(sample.rubric) else ["untagged"] * len(sample.rubric)
    rates: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"weak": [], "strong": []})
    per_criterion: dict[str, list[list[bool]]] = {"weak": [], "strong": []}
    for attempt in candidate.attempts:
        got = [credit(c.weight, met) for c, met in zip(sample.rubric, attempt.verdicts, strict=True)]
        per_criterion[attempt.solver].append(got)
        for tag, ok in zip(tags, got, strict=True):
            rates[tag][attempt.solver].append(int(ok))
    weak_rows = per_criterion["weak"]
    positive = [i for i, c in enumerate(sample.rubric) if c.weight > 0]
    all_weak = sum(1 for i in positive if weak_rows and all(row[i] for row in weak_rows))

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    capabilities = {tag: {"criteria": tags.count(tag), "weak": mean(v["weak"]), "strong": mean(v["strong"])}
                    for tag, v in sorted(rates.items())}
    weak, strong = candidate.scores("weak"), candidate.scores("strong")
    return {
        "criteria": len(sample.rubric), "weak": mean(weak), "strong": mean(strong), "capabilities": capabilities,
        "all_weak_met": all_weak, "positive": len(positive),
        "weak_sd": statistics.pstdev(weak) if len(weak) > 1 else 0.0,
        "strong_sd": statistics.pstdev(strong) if len(strong) > 1 else 0.0,
    }


def _f(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def format_packet(numbers: dict[str, Any]) -> str:
    gap = None if numbers["weak"] is None or numbers["strong"] is None else numbers["strong"] - numbers["weak"]
    lines = [f"criteria: {numbers['criteria']}",
             f"overall: weak {_f(numbers['weak'])}, strong {_f(numbers['strong'])}, gap {_f(gap)}"]
    for tag, c in numbers["capabilities"].items():
        lines.append(f"capability {tag} ({c['criteria']} criteria): weak {_f(c['weak'])}, strong {_f(c['strong'])}")
    lines.append(f"positive criteria every weak rollout meets: {numbers['all_weak_met']} of {numbers['positive']}")
    lines.append(f"rollout spread: weak sd {numbers['weak_sd']:.2f}, strong sd {numbers['strong_sd']:.2f}")
    return "\n".join(lines)


class LegalProtocol(Protocol):
    name = "legal"
    schema = "tagged"
    default_challenger = prompts.LEGAL_CHALLENGER_INSTRUCTIONS
    extra_roles = ("extractor", "loop_judge")

    @property
    def settings(self) -> Any:
        return self.config.guarded.legal

    @property
    def rule(self) -> OpenRule:
        return OpenRule()

    def attempts(self) -> tuple[int, int]:
        return self.settings.weak_attempts, self.settings.strong_attempts

    def rubric_range(self) -> tuple[int, int]:
        return self.settings.rubric_min, self.settings.rubric_max

    def round_cap(self) -> int | None:
        return self.settings.improve_cap

    async def screen_document(self, doc: Any, roles: Any, seed: int) -> str | None:
        if not self.settings.extractor:
            return None
        reply = await roles.ask("extractor", seed, document=doc.text)
        return None if reply.suitable else f"extractor: {reply.reason}"

    def overrides(self, candidate: Candidate) -> list[str]:
        """The code overrides that force improve whatever the loop-judge says."""
        question = candidate.sample.question
        found = []
        if len(question) > self.settings.max_body_chars:
            found.append(f"question body {len(question)} chars > {self.settings.max_body_chars}")
        if (m := _RECAP_OR_EXAM.search(question)) is not None:
            found.append(f"case-recap or exam-style phrasing ({m.group(0).strip()!r})")
        return found

    async def review(self, candidate: Candidate, roles: Any, seed: int, measure_only: bool = False) -> None:
        numbers = packet_numbers(candidate)
        packet = format_packet(numbers)
        reply = await roles.ask("loop_judge", seed, question=candidate.sample.question, packet=packet)
        judged = {f: getattr(reply, f, None) for f in FIELDS}
        overrides = self.overrides(candidate)
        candidate.review = {"loop_judge": judged, "overrides": overrides, "packet": numbers}
        if measure_only:
            return  # a baseline's sample is rated (its suitability counted), not decided on
        if judged["verdict"] == "accept" and not overrides:
            candidate.decision = Outcome.ACCEPTED
            candidate.reason = f"loop-judge: accept (grpo_suitability {judged['grpo_suitability']})"
            return
        candidate.decision = Outcome.IMPROVE
        why = "; ".join(overrides) if overrides else (judged["rubric_concerns"] or judged["gap_interpretation"])
        candidate.reason = f"{'code override' if overrides else 'loop-judge'}: improve ({why})"

    def guidance(self, record: RoundRecord) -> str | None:
        suggestions = []
        for c in record.candidates:
            if c.decision == Outcome.IMPROVE and c.review:
                suggestions += [f"Do not: {o}." for o in c.review.get("overrides", [])]
                suggestions.append(c.review["loop_judge"].get("suggestion_for_writer") or "")
        text = " ".join(s for s in suggestions if s.strip())
        return text or None

    def candidate_stats(self, candidate: Candidate) -> dict[str, Any]:
        if not candidate.review:
            return {}
        caps = candidate.review["packet"]["capabilities"]
        return {"grpo_suitability": candidate.review["loop_judge"].get("grpo_suitability"),
                "capability_gaps": {t: (c["strong"] - c["weak"]) for t, c in caps.items()
                                    if c["strong"] is not None and c["weak"] is not None}}
