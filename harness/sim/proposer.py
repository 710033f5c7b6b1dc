"""Simulated proposer: the analyzer and implementer of reflective mutation.

The **analyzer** reads a harness's full round records (as text) and writes a root-cause
analysis: how the attempts failed, and how deep (re-derived from each context) the too-easy,
failed-on-strong and accepted questions were. The **implementer** reads the analysis and one
gene's current text, and rewrites that gene with the lexicon cues (``lexicon.py``,
``orchestrator.py``, ``verifier.py``) that address the causes it names. Its choice of step
count is noisy (temperature), so repeated mutations explore around the analysis.
"""

from __future__ import annotations

import random
import re
import statistics

from harness.sim.tasks import question_depth

_ROUND_SPLIT = re.compile(r"\n(?==== round )")


def _depth(block: str) -> int | None:
    question = re.search(r"Question: (.*)", block)
    context = block.split("Context:\n", 1)[-1].split("\nDecision:", 1)[0]
    return question_depth(context, question.group(1)) if question else None


def analyze(records: str) -> str:
    depths: dict[str, list[int]] = {"too_easy": [], "failed_on_strong": [], "accepted": []}
    counts: dict[str, int] = {}
    qv: dict[str, int] = {}
    for block in _ROUND_SPLIT.split(records):
        decision = re.search(r"Decision: (\w+)", block)
        if not decision:
            continue
        kind = decision.group(1)
        counts[kind] = counts.get(kind, 0) + 1
        if kind in depths and (d := _depth(block)) is not None:
            depths[kind].append(d)
        if kind == "failed_quality_check" and (reason := re.search(r"QV reason: (\w+)", block)):
            qv[reason.group(1)] = qv.get(reason.group(1), 0) + 1
        for final in re.findall(r"Final QV: FAIL \((\w+)\)", block):
            qv[final] = qv.get(final, 0) + 1
    total = sum(counts.values()) or 1
    lines = ["Root-cause analysis of the rounds:"]
    for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        lines.append(f"- {kind}: {n} of {total} rounds ({n / total:.0%}).")
    for kind, values in depths.items():
        if values:
            lines.append(f"- {kind} questions needed {min(values)}-{max(values)} reasoning steps "
                         f"(median {statistics.median(values):g}).")
    for reason, n in sorted(qv.items(), key=lambda kv: -kv[1]):
        lines.append(f"- quality problem {reason}: {n}.")
    easy = counts.get("too_easy", 0) / total
    if easy > 0.4:
        lines.append("Main cause: questions are too shallow; the weak solver chains that far.")
    if counts.get("failed_on_strong", 0) / total > 0.3:
        lines.append("Main cause: questions are too deep or flawed for the strong solver.")
    return "\n".join(lines)


def _steps_from(analysis: str, rng: random.Random, temperature: float) -> int | None:
    accepted = re.search(r"accepted questions needed (\d+)-(\d+) reasoning steps \(median ([\d.]+)\)", analysis)
    easy = re.search(r"too_easy questions needed (\d+)-(\d+) reasoning steps", analysis)
    if accepted:
        target = round(float(accepted.group(3)))
    elif easy:
        target = int(easy.group(2)) + 1
    else:
        return None
    noise = round(rng.gauss(0, 0.4 + 0.6 * temperature))
    return max(2, min(7, target + noise))


def implement(gene: str, current: str, analysis: str, rng: random.Random, temperature: float) -> str:
    """The gene rewritten to address the analysis (keeps the current text, adds instructions)."""
    text = re.sub(r"\s*(Write questions that need at least \d+ reasoning steps\.)", "", current).strip()
    additions: list[str] = []
    lower = analysis.lower()
    if gene == "challenger_instructions":
        steps = _steps_from(analysis, rng, temperature)
        if steps is not None and "too shallow" in lower:
            additions.append(f"Write questions that need at least {steps} reasoning steps.")
        if rng.random() < 0.6:
            additions.append("Make the chain cross an exception.")
        if "answer_leaked" in lower:
            additions.append("Do not reveal the answer in the context.")
        if "context_insufficient" in lower:
            additions.append("Keep the context self-contained.")
        if "reference_incorrect" in lower or "malformed_rubric" in lower or rng.random() < 0.3:
            additions.append("Verify the reference answer and the rubric.")
        if "type_mismatch" in lower:
            additions.append("State the question type accurately.")
    elif gene == "orchestrator_instructions":
        additions.append("Be specific: name the exact number of reasoning steps the next question needs.")
        if any(r in lower for r in ("answer_leaked", "context_insufficient", "reference_incorrect", "type_mismatch")):
            additions.append("Address each reason of the quality failures.")
        if rng.random() < 0.5:
            additions.append("Ask for an exception to be crossed.")
    elif gene == "qv_instructions":
        additions.append("Be thorough: check for leaks, recall, rubric format, insufficient context, "
                         "the reference answer and the question type.")
    else:
        additions.append("Address the causes named in the analysis.")
    new = " ".join([text, *[a for a in additions if a not in text]]).strip()
    return new
