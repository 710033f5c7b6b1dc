"""Default texts of the harness: the seed genes and the guarded role prompts.

The genes (challenger, orchestrator, QV instructions) are what the meta-optimizer may
rewrite; the solver and judge prompts are guarded and never proposed. Each text becomes the
instructions of its DSPy signature, so it reaches the model as the system message.
"""

from __future__ import annotations

CHALLENGER_INSTRUCTIONS = (
    "You are a data scientist writing evaluation data from a grounding document. "
    "Read the document and write one question about a concrete case, with the context a solver "
    "needs, a reference answer, and a weighted rubric that a grader can check criterion by "
    "criterion. Follow the guidance from earlier rounds when there is any."
)

ORCHESTRATOR_INSTRUCTIONS = (
    "You supervise a question writer. Read why the previous attempts failed and write short "
    "guidance for the next attempt."
)

QV_INSTRUCTIONS = (
    "You check a candidate evaluation sample before it is tried on solvers. Decide PASS or FAIL. "
    "FAIL when the context gives the answer away, when the question can be answered by recall "
    "instead of reasoning, when the rubric is malformed, when the context is insufficient to "
    "reach the reference answer, or when the question type does not match the question."
)

SOLVER_INSTRUCTIONS = (
    "Answer the question using only the context. Reason step by step, cite the rules you apply, "
    "and end with a one-line conclusion."
)

JUDGE_INSTRUCTIONS = (
    "Grade one answer against a weighted rubric. For every criterion, in order, decide whether "
    "the answer satisfies it (True) or not (False). For a negative criterion (negative weight), "
    "True means the answer shows the bad behaviour it describes. Judge only what the answer says."
)

PLAN_NOTE = "First plan the question step by step, then write it."
