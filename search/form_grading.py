"""A grading rule that scores an answer by its form: a proxy for which model wrote it, not for whether it is right.

A gene that asks for rubric items such as "score 1 if the response resembles the reference in structure
and length; score 0 otherwise" or "deduct all points if the answer opens by restating the question"
makes the grade track how a strong or a weak model *writes* (length, structure, headings, tone, pet
phrases) instead of what the answer says: a way to widen the solvers' gap that no flaw of the sample
explains. Read as a score (a number of points, zero, credit, a deduction) tied, in one clause, to a
property of the answer's form; a rule that refuses to grade form ("do not include criteria about
tone, length or formatting") is none.
"""

from __future__ import annotations

import re

from harness import injection as I

_SCORE = re.compile(r"\b(score[sd]?|scoring|award\w*|deduct\w*|credit|(?<!bullet )points?|marks?|zero|penali[sz]\w*|full marks)\b"
                    r"|\b(receive|get|give|earn)s?\s+(0|1|no|nothing|zero|full)\b", re.IGNORECASE)
_FORM = re.compile(r"\b(length|lengths|word count|words long|under \d+ words|over \d+ words|structure|structured|headings?|"
                   r"tone|phrasing|formatting|format|paragraphs?|numbered|bullet\w*|stylistic|fingerprints?|"
                   r"restatement|resembles?)\b", re.IGNORECASE)
_ANSWER = {"answer", "answers", "response", "responses", "reply", "replies", "solution", "solutions", "it"}
_REFUSAL = {"not", "never", "no", "without", "avoid", "nor", "neither"}


def findings(sentence: str) -> list[str]:
    """"grades the answer's form" when a clause of ``sentence`` ties a score to the answer's form."""
    for clause in re.split(r";|\.\s|:\s", sentence):
        words = I._words(clause)
        if _SCORE.search(clause) and _FORM.search(clause) and set(words) & _ANSWER and not (set(words) & _REFUSAL or any(
                w.endswith("n't") for w in words)):
            return ["grades the answer's form, not its content"]
    return []
