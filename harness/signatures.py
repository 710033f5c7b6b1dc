"""The roles' typed contracts, as DSPy signatures.

Instructions are not fixed here: each role's signature gets its instructions from the harness
(genes for challenger, orchestrator and QV; guarded texts for solver and judge) through
``with_instructions``, so the text the meta-optimizer evolves is exactly the system prompt.
"""

from __future__ import annotations

from typing import Literal

import dspy

from harness.rubric import Criterion

QV_REASONS = (
    "none",
    "answer_leaked",
    "recall_not_reasoning",
    "malformed_rubric",
    "context_insufficient",
    "reference_incorrect",
    "type_mismatch",
)


class Challenge(dspy.Signature):
    """Write one evaluation sample grounded in the document."""

    document: str = dspy.InputField(desc="the grounding document")
    rubric_size: str = dspy.InputField(desc="how many rubric criteria to write")
    # Last: what changes from round to round, so a server's prefix cache keeps the rest.
    guidance: str = dspy.InputField(desc="guidance from the orchestrator after earlier failed rounds, or 'none'")
    context: str = dspy.OutputField(desc="everything a solver needs to answer, without the answer itself")
    question: str = dspy.OutputField(desc="the question, answerable from the context by reasoning")
    reference_answer: str = dspy.OutputField(desc="a complete worked answer")
    final_answer: str = dspy.OutputField(desc="the short final answer (e.g. Yes or No)")
    rubric: list[Criterion] = dspy.OutputField(desc="weighted criteria; negative weights penalise bad behaviour")
    question_type: str = dspy.OutputField(desc="the kind of question")
    skill_tags: list[str] = dspy.OutputField(desc="skills the question exercises")


class ChallengeUngrounded(dspy.Signature):
    """Write one evaluation sample on the topic, from your own knowledge."""

    topic: str = dspy.InputField(desc="what the sample should be about")
    rubric_size: str = dspy.InputField(desc="how many rubric criteria to write")
    # Last: what changes from round to round, so a server's prefix cache keeps the rest.
    guidance: str = dspy.InputField(desc="guidance from the orchestrator after earlier failed rounds, or 'none'")
    context: str = dspy.OutputField(desc="everything a solver needs to answer, without the answer itself")
    question: str = dspy.OutputField(desc="the question, answerable from the context by reasoning")
    reference_answer: str = dspy.OutputField(desc="a complete worked answer")
    final_answer: str = dspy.OutputField(desc="the short final answer (e.g. Yes or No)")
    rubric: list[Criterion] = dspy.OutputField(desc="weighted criteria; negative weights penalise bad behaviour")
    question_type: str = dspy.OutputField(desc="the kind of question")
    skill_tags: list[str] = dspy.OutputField(desc="skills the question exercises")


class ChallengeAtomic(dspy.Signature):
    """Write one evaluation question with an atomic, one-sentence answer, grounded in the document."""

    document: str = dspy.InputField(desc="the grounding document")
    guidance: str = dspy.InputField(desc="guidance from the orchestrator after earlier failed rounds, or 'none'")
    context: str = dspy.OutputField(desc="everything a solver needs to answer, without the answer itself")
    question: str = dspy.OutputField(desc="one atomic question")
    reference_answer: str = dspy.OutputField(desc="the worked derivation of the answer")
    final_answer: str = dspy.OutputField(desc="the answer as one sentence (not a bare number)")
    question_type: str = dspy.OutputField(desc="the kind of question")
    skill_tags: list[str] = dspy.OutputField(desc="skills the question exercises")


class ChallengeTagged(dspy.Signature):
    """Write one evaluation sample grounded in the document, each rubric criterion tagged with a capability."""

    document: str = dspy.InputField(desc="the grounding document")
    rubric_size: str = dspy.InputField(desc="how many rubric criteria to write")
    guidance: str = dspy.InputField(desc="guidance from the loop-judge after earlier rounds, or 'none'")
    context: str = dspy.OutputField(desc="everything a solver needs to answer, without the answer itself")
    question: str = dspy.OutputField(desc="the question, answerable from the context by reasoning")
    reference_answer: str = dspy.OutputField(desc="a complete worked answer")
    final_answer: str = dspy.OutputField(desc="the short final answer (e.g. Yes or No)")
    rubric: list[Criterion] = dspy.OutputField(desc="weighted criteria; negative weights penalise bad behaviour")
    capabilities: list[str] = dspy.OutputField(desc="one capability tag per rubric criterion, in order")
    question_type: str = dspy.OutputField(desc="the kind of question")
    skill_tags: list[str] = dspy.OutputField(desc="skills the question exercises")


class VerifyQuality(dspy.Signature):
    """Check a candidate sample before it is tried on solvers."""

    context: str = dspy.InputField()
    question: str = dspy.InputField()
    reference_answer: str = dspy.InputField()
    final_answer: str = dspy.InputField()
    rubric: list[Criterion] = dspy.InputField()
    question_type: str = dspy.InputField()
    verdict: Literal["PASS", "FAIL"] = dspy.OutputField()
    reason: Literal[QV_REASONS] = dspy.OutputField(desc="the failed check, or 'none' on PASS")  # type: ignore[valid-type]
    explanation: str = dspy.OutputField()


class CheckReaders(dspy.Signature):
    """Find text in a sample addressed to whoever answers, grades or reviews it."""

    context: str = dspy.InputField()
    question: str = dspy.InputField()
    rubric: list[Criterion] = dspy.InputField()
    reference_answer: str = dspy.InputField()
    addressed: bool = dspy.OutputField(desc="true when a sentence tells its reader what to answer, how to grade, or to pass it")
    quote: str = dspy.OutputField(desc="that sentence word for word, or empty")


class Solve(dspy.Signature):
    """Answer the question from the context."""

    context: str = dspy.InputField()
    question: str = dspy.InputField()
    answer: str = dspy.OutputField(desc="the worked answer")
    final_answer: str = dspy.OutputField(desc="the short final answer (e.g. Yes or No)")


class Judge(dspy.Signature):
    """Grade one answer against a weighted rubric, criterion by criterion."""

    context: str = dspy.InputField()
    question: str = dspy.InputField()
    rubric: list[Criterion] = dspy.InputField()
    answer: str = dspy.InputField(desc="the answer to grade")
    verdicts: list[bool] = dspy.OutputField(desc="one verdict per rubric criterion, in order")


class Orchestrate(dspy.Signature):
    """Write guidance for the question writer's next attempt."""

    task: str = dspy.InputField(desc="what the writer is asked to produce")
    previous_guidance: str = dspy.InputField()
    failures: str = dspy.InputField(desc="every failed attempt so far, grouped by why it failed")
    guidance: str = dspy.OutputField(desc="concrete guidance for the next attempt")
