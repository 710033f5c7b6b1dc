"""Quality: does the data hold up? Final-QV pass rate, leakage, rubric format, answer consistency."""

from __future__ import annotations

from dataclasses import dataclass

from harness.loop import majority_answer, normalize_answer
from harness.records import RoundRecord
from harness.rubric import rubric_problems


@dataclass
class Quality:
    final_qv_pass_rate: float | None  # accepted samples that passed the final QV pass
    leakage_rate: float | None  # QV verdicts (in-loop and final) that found the answer leaked
    rubric_format_failure_rate: float | None  # written samples whose rubric is structurally malformed
    answer_consistency: float | None  # dataset samples whose strong majority answer equals the reference
    qv_checks: int
    samples_written: int


majority = majority_answer  # the same vote the consistency filter takes


def quality(rounds: list[RoundRecord], rubric_min: int = 1, rubric_max: int = 50) -> Quality:
    final_checked = final_passed = 0
    qv_checks = leaks = 0
    written = malformed = 0
    consistent = in_dataset = 0
    for record in rounds:
        for candidate in record.candidates:
            if candidate.sample is not None:
                written += 1
                if rubric_problems(candidate.sample.rubric, rubric_min, rubric_max):
                    malformed += 1
            if candidate.qv is not None:
                qv_checks += 1
                leaks += candidate.qv.reason == "answer_leaked"
        if record.final_qv is not None:
            final_checked += 1
            final_passed += record.final_qv.passed
            qv_checks += 1
            leaks += record.final_qv.reason == "answer_leaked"
        if record.in_dataset and record.chosen is not None:
            chosen = record.candidates[record.chosen]
            strong = [a.final_answer for a in chosen.attempts if a.solver == "strong"]
            if strong and chosen.sample is not None:
                in_dataset += 1
                consistent += majority(strong) == normalize_answer(chosen.sample.final_answer)
    return Quality(
        final_qv_pass_rate=final_passed / final_checked if final_checked else None,
        leakage_rate=leaks / qv_checks if qv_checks else None,
        rubric_format_failure_rate=malformed / written if written else None,
        answer_consistency=consistent / in_dataset if in_dataset else None,
        qv_checks=qv_checks,
        samples_written=written,
    )
