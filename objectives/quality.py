"""Quality: does the data hold up? Final pass rate, leakage, injections, rubric format, answer consistency.

The pass and leakage rates are the guarded auditor's (harness/config.py Auditor), never the loop's
own QV's: that QV's instructions are a gene, and a QV told to pass everything would otherwise
grade its own data (docs/guard.md). Rounds written before the auditor existed fall back to their
final QV verdict."""

from __future__ import annotations

from dataclasses import dataclass

from harness.loop import majority_answer, normalize_answer
from harness.records import RoundRecord
from harness.rubric import rubric_problems


@dataclass
class Quality:
    final_qv_pass_rate: float | None  # chosen samples the auditor passed and the content guard let through
    leakage_rate: float | None  # chosen samples the auditor found leaking the answer
    injected: int  # chosen samples the content guard rejected (injected_instructions)
    injection_rate: float | None  # ... as a share of the samples it screened
    auditor_overruled: int  # chosen samples the loop's own QV passed and the guarded auditor failed
    rubric_format_failure_rate: float | None  # written samples whose rubric is structurally malformed
    answer_consistency: float | None  # dataset samples whose strong majority answer equals the reference
    qv_checks: int
    samples_written: int


majority = majority_answer  # the same vote the consistency filter takes


def quality(rounds: list[RoundRecord], rubric_min: int = 1, rubric_max: int = 50) -> Quality:
    final_checked = final_passed = 0
    qv_checks = leaks = injected = overruled = 0
    written = malformed = 0
    consistent = in_dataset = 0
    screened = sum(1 for record in rounds if record.chosen is not None)
    for record in rounds:
        for candidate in record.candidates:
            if candidate.sample is not None:
                written += 1
                if rubric_problems(candidate.sample.rubric, rubric_min, rubric_max):
                    malformed += 1
        verdict = record.audit or record.final_qv
        if verdict is not None:
            final_checked += 1
            final_passed += verdict.passed and not record.injections
            qv_checks += 1
            leaks += verdict.reason == "answer_leaked"
        injected += bool(record.injections)
        overruled += bool(record.final_qv and record.final_qv.passed and record.audit and not record.audit.passed)
        if record.in_dataset and record.chosen is not None:
            chosen = record.candidates[record.chosen]
            strong = [a.final_answer for a in chosen.attempts if a.solver == "strong"]
            if strong and chosen.sample is not None:
                in_dataset += 1
                consistent += majority(strong) == normalize_answer(chosen.sample.final_answer)
    return Quality(
        final_qv_pass_rate=final_passed / final_checked if final_checked else None,
        leakage_rate=leaks / qv_checks if qv_checks else None,
        injected=injected,
        injection_rate=injected / screened if screened else None,
        auditor_overruled=overruled,
        rubric_format_failure_rate=malformed / written if written else None,
        answer_consistency=consistent / in_dataset if in_dataset else None,
        qv_checks=qv_checks,
        samples_written=written,
    )
