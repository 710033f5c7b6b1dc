"""The text formats of worked answers and rubric criteria in the offline world, with their parsers.

Solvers write (and the challenger writes its reference answer as)::

    Step 1: Amara Okafor is a registered operator (given).
    Step 2: Amara Okafor is a bonded carrier (Rule 4).
    Step 3: The exception in Rule 6 does not apply: Amara Okafor is not a suspended trader.
    Conclusion: Yes, Amara Okafor is a chartered agent.

The judge reads criteria phrased in a small set of checkable forms (see ``check_criterion``)
and checks each against the answer text alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.sim.logic import ATOM, NAME, article

_CLAIM_RE = re.compile(rf"({NAME}) is an? ({ATOM}) \((given|Rule \d+|§\d+)\)")
_EXC_RE = re.compile(r"The exception in (Rule \d+) (does not apply|applies)")
_CONCL_RE = re.compile(rf"Conclusion: (Yes|No), ({NAME}) is (not )?an? ({ATOM})")


@dataclass
class Step:
    kind: str  # "claim" | "exception"
    atom: str
    basis: str  # "given" / rule label for claims; rule label for exceptions
    applies: bool = True  # for exceptions


@dataclass
class WorkedAnswer:
    entity: str
    target: str
    conclusion: bool
    steps: list[Step] = field(default_factory=list)

    def render(self) -> str:
        lines = []
        for number, step in enumerate(self.steps, start=1):
            if step.kind == "claim":
                lines.append(f"Step {number}: {self.entity} is {article(step.atom)} ({step.basis}).")
            elif step.applies:
                lines.append(
                    f"Step {number}: The exception in {step.basis} applies: {self.entity} is {article(step.atom)}, "
                    f"so {step.basis} does not confer its status."
                )
            else:
                lines.append(
                    f"Step {number}: The exception in {step.basis} does not apply: "
                    f"{self.entity} is not {article(step.atom)}."
                )
        verdict = "Yes" if self.conclusion else "No"
        negation = "" if self.conclusion else "not "
        lines.append(f"Conclusion: {verdict}, {self.entity} is {negation}{article(self.target)}.")
        return "\n".join(lines)


@dataclass(frozen=True)
class ParsedAnswer:
    claims: dict[str, str]  # atom -> basis
    exceptions: dict[str, bool]  # rule label -> applies
    conclusion: tuple[str, bool] | None  # (target, holds)
    steps: int

    @property
    def bases(self) -> set[str]:
        return set(self.claims.values())


def parse_answer(text: str) -> ParsedAnswer:
    claims = {m.group(2): m.group(3) for m in _CLAIM_RE.finditer(text)}
    exceptions = {m.group(1): m.group(2) == "applies" for m in _EXC_RE.finditer(text)}
    m = _CONCL_RE.search(text)
    conclusion = (m.group(4), m.group(3) is None) if m else None
    steps = len(re.findall(r"^Step \d+:", text, flags=re.MULTILINE))
    return ParsedAnswer(claims, exceptions, conclusion, steps)


def final_answer_of(text: str) -> str:
    """The short answer (Yes/No) of a worked answer, or '' when it has no conclusion line."""
    m = _CONCL_RE.search(text)
    return m.group(1) if m else ""


# --- rubric criteria ------------------------------------------------------------------------

def concludes(entity: str, atom: str, holds: bool) -> str:
    return f"The answer concludes that {entity} is {'' if holds else 'not '}{article(atom)}."


def establishes(entity: str, atom: str) -> str:
    return f"The answer establishes that {entity} is {article(atom)}."


def uses_fact(entity: str, atom: str) -> str:
    return f"The answer uses the given fact that {entity} is {article(atom)}."


def applies_rule(label: str) -> str:
    return f"The answer applies {label}."


def exception_status(label: str, applies: bool) -> str:
    return f"The answer explains that the exception in {label} {'applies' if applies else 'does not apply'}."


def asserts_wrongly(entity: str, atom: str) -> str:
    return f"The answer asserts that {entity} is {article(atom)}."


def misapplies(label: str) -> str:
    return f"The answer applies {label}, whose conditions are not met."


def overlooks_exception(label: str) -> str:
    return f"The answer overlooks the exception in {label}."


ENDS_WITH_CONCLUSION = "The answer ends with a one-line conclusion."
NUMBERED_STEPS = "The answer reasons in numbered steps."

_CHECKS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(rf"^The answer concludes that ({NAME}) is (not )?an? ({ATOM})\.$"), "concludes"),
    (re.compile(rf"^The answer establishes that ({NAME}) is an? ({ATOM})\.$"), "establishes"),
    (re.compile(rf"^The answer uses the given fact that ({NAME}) is an? ({ATOM})\.$"), "uses_fact"),
    (re.compile(r"^The answer applies (Rule \d+|§\d+), whose conditions are not met\.$"), "misapplies"),
    (re.compile(r"^The answer applies (Rule \d+|§\d+)\.$"), "applies"),
    (re.compile(r"^The answer explains that the exception in (Rule \d+) (applies|does not apply)\.$"), "exception"),
    (re.compile(rf"^The answer asserts that ({NAME}) is an? ({ATOM})\.$"), "asserts"),
    (re.compile(r"^The answer overlooks the exception in (Rule \d+)\.$"), "overlooks"),
]


def criterion_kind(criterion: str) -> str | None:
    """The form a criterion was written in (``concludes``, ``exception``, ... ``format``), or None."""
    text = criterion.strip()
    if text in (ENDS_WITH_CONCLUSION, NUMBERED_STEPS):
        return "format"
    return next((kind for pattern, kind in _CHECKS if pattern.match(text)), None)


def check_criterion(criterion: str, answer: ParsedAnswer) -> bool | None:
    """Whether ``answer`` meets ``criterion``; None when the criterion is not in a checkable form."""
    text = criterion.strip()
    if text == ENDS_WITH_CONCLUSION:
        return answer.conclusion is not None
    if text == NUMBERED_STEPS:
        return answer.steps >= 2
    for pattern, kind in _CHECKS:
        m = pattern.match(text)
        if not m:
            continue
        if kind == "concludes":
            return answer.conclusion == (m.group(3), m.group(2) is None)
        if kind == "establishes":
            return m.group(2) in answer.claims
        if kind == "uses_fact":
            return answer.claims.get(m.group(2)) == "given"
        if kind in ("applies", "misapplies"):
            return m.group(1) in answer.bases
        if kind == "exception":
            return answer.exceptions.get(m.group(1)) == (m.group(2) == "applies")
        if kind == "asserts":
            return m.group(2) in answer.claims
        if kind == "overlooks":
            return m.group(1) not in answer.exceptions
    return None


_STEP_LINE_RE = re.compile(r"^Step (\d+): (.*)$", re.MULTILINE)


def step_of(criterion: str, answer: str) -> int:
    """Which step of ``answer`` a criterion is about (0: the conclusion or the format, read at a
    glance). A criterion about something the answer does not contain is about its last step: to
    confirm an absence the whole answer must be read."""
    text = criterion.strip()
    if text in (ENDS_WITH_CONCLUSION, NUMBERED_STEPS):
        return 0
    needle = None
    for pattern, kind in _CHECKS:
        m = pattern.match(text)
        if not m:
            continue
        if kind == "concludes":
            return 0
        if kind in ("establishes", "uses_fact", "asserts"):
            needle = f" is {article(m.group(2))} ("
        elif kind in ("applies", "misapplies"):
            needle = f"({m.group(1)})"
        else:
            needle = f"exception in {m.group(1)} "
        break
    steps = _STEP_LINE_RE.findall(answer)
    if needle is None:
        return len(steps)
    return next((int(n) for n, line in steps if needle in line), len(steps))
