"""The advisors' own phrase generator: one idea, many English sentences, and realistic bad advice.

The simulated orchestrator, analyzer and implementer say what they mean through this module.
Each *idea* (ask for longer or shorter derivations, with or without a number; cross an
exception; add a red-herring provision; keep the context self-contained; do not give the
answer away; double-check the reference; label the type; well-formed rubric weights; and the
ideas aimed at the orchestrator's and the verifier's own instructions) has several templates,
and each template has word choices, so the same idea comes out in different words from draw to
draw. Templates are written as ``{a|b|c}`` (pick one) with ``<n>`` for a step count, rendered
as a digit or a word.

Advice goes wrong as often as a real model's does. ``advise`` draws, per sentence:

==================  =====  =================================================================
kind                rate   what comes out instead of the intended advice
==================  =====  =================================================================
``vague``           0.15   an exhortation with no content ("Be more rigorous.")
``style``           0.10   an irrelevant style rule ("Use British spelling.")
``misread``         0.05   the evidence misread: the opposite difficulty, or another idea
``overshoot``       0.10   difficulty advice only: 2-3 steps past what was meant, or "far
                           harder" / "far simpler" without a number
==================  =====  =================================================================

The rest (0.70 for non-difficulty ideas, 0.60 for difficulty ones) is the intended advice.
Nothing here knows which words any simulated reader responds to: which advice helps is for the
search to find out by evaluating it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

VAGUE_RATE = 0.15
STYLE_RATE = 0.10
MISREAD_RATE = 0.05
OVERSHOOT_RATE = 0.10

# Ideas for the question writer (also what the orchestrator's guidance asks of the next question).
DEEPER, SHALLOWER = "deeper", "shallower"
EXCEPTION, DISTRACTOR = "exception", "distractor"
SELF_CONTAINED, NO_LEAK, REASON_NOT_RECALL = "self_contained", "no_leak", "reason_not_recall"
VERIFY_REFERENCE, LABEL_TYPE, RUBRIC_WEIGHTS = "verify_reference", "label_type", "rubric_weights"
WRITER_IDEAS = (DEEPER, SHALLOWER, EXCEPTION, DISTRACTOR, SELF_CONTAINED, NO_LEAK, REASON_NOT_RECALL,
                VERIFY_REFERENCE, LABEL_TYPE, RUBRIC_WEIGHTS)
# Ideas for the orchestrator's own instructions.
O_QUANTIFY, O_QUALITY, O_EXCEPTIONS = "o_quantify", "o_quality", "o_exceptions"
O_DISTRACTORS, O_HARDER, O_EASIER = "o_distractors", "o_harder", "o_easier"
ORCHESTRATOR_IDEAS = (O_QUANTIFY, O_QUALITY, O_EXCEPTIONS, O_DISTRACTORS, O_HARDER, O_EASIER)
# Ideas for the quality verifier's instructions.
Q_LEAK, Q_RECALL, Q_RUBRIC, Q_CONTEXT = "q_leak", "q_recall", "q_rubric", "q_context"
Q_REFERENCE, Q_TYPE, Q_STRICTER = "q_reference", "q_type", "q_stricter"
VERIFIER_IDEAS = (Q_LEAK, Q_RECALL, Q_RUBRIC, Q_CONTEXT, Q_REFERENCE, Q_TYPE, Q_STRICTER)

DIFFICULTY = (DEEPER, SHALLOWER, O_HARDER, O_EASIER)
OPPOSITE = {DEEPER: SHALLOWER, SHALLOWER: DEEPER, O_HARDER: O_EASIER, O_EASIER: O_HARDER}

_STEP = "{reasoning steps|inference steps|steps of reasoning|chained inferences|rule applications|hops}"
_Q = "{the question|each question|every question|the next question}"

TEMPLATES: dict[str, tuple[str, ...]] = {
    DEEPER: (
        "{Make|Have} " + _Q + " {require|need|take} {longer|deeper|more extended} {derivations|chains of reasoning}.",
        "{Push|Raise} the difficulty: the answer should {only follow|follow only} after {several|many} linked "
        "{inferences|deductions}.",
        "{Questions are|The questions are} {too easy|not hard enough}; {ask for|aim for} {a longer|a deeper} chain "
        "{of inference|from facts to conclusion}.",
        "A solver should have to {combine|link|chain} {more|more of the} provisions before {reaching|getting to} "
        "the {answer|conclusion}.",
    ),
    "deeper_n": (
        "{Make|Have} " + _Q + " {require|need|take} {at least|no fewer than|a minimum of} <n> " + _STEP + ".",
        "{Aim for|Target|Go for} {derivations|reasoning chains|chains of inference} of <n> or more {steps|links|hops}.",
        "The {answer|conclusion} should {only be reachable|be reachable only} after <n> or more " + _STEP + ".",
        "A solver should have to {chain|combine|link} {at least|no fewer than} <n> provisions to {answer|reach the "
        "conclusion}.",
        "{Set|Put} the depth at <n> {steps|inferences} {or more|at minimum}.",
    ),
    "deeper_much": (
        "Make the questions {far|much|a great deal} harder, with {very long|much longer} chains than {now|so far}.",
        "{Go|Push} {well|much} deeper: {long|sprawling} derivations that {only|just} the {best|strongest} "
        "{reasoners|solvers} can finish.",
    ),
    SHALLOWER: (
        "{Make|Keep} " + _Q + " {simpler|shorter|less involved}: {fewer|not so many} {steps|inferences} to the answer.",
        "{Shorten|Trim} the {derivation|chain of reasoning}; even {strong|capable} solvers {lose track|get lost}.",
        "{Questions are|The questions are} {too hard|too deep|beyond what a strong solver manages}; {ease off|back off} "
        "a little on the depth.",
        "{Use|Ask for} {shorter|more compact} chains {from facts to conclusion|of inference}.",
    ),
    "shallower_n": (
        "{Keep|Limit} {each derivation|the reasoning chain|the chain} to {at most|no more than|a maximum of} <n> "
        + _STEP + ".",
        _Q + " should {take|need} <n> {steps|inferences} {or fewer|at most}.",
        "{Cap|Limit} the depth at <n> {steps|hops|inferences}.",
    ),
    "shallower_much": (
        "Make the questions {much|far} simpler: {a single|one} {rule|provision} should {settle|decide} them.",
        "{Drop|Cut} the depth {sharply|drastically}; {one-step|very short} questions {are fine|will do}.",
    ),
    EXCEPTION: (
        "{Route|Build|Run} the chain through a provision {with|carrying} an exception {the solver must check|that "
        "has to be ruled out|that the solver must weigh}.",
        "{Include|Add} a case where an 'unless' clause {matters|decides the outcome|has to be checked}.",
        "{Make sure|Ensure} the reasoning {has to pass|must pass|passes} through {an exception|an exception clause}.",
        "{Let|Have} one {provision|rule} on the path {carry|include} an exception {that matters|worth checking}.",
    ),
    DISTRACTOR: (
        "{Add|Include|Mix in} {a decoy provision|a red-herring provision|one or two irrelevant-looking provisions} "
        "whose conditions are only partly met.",
        "{Put|Place} a {tempting|plausible} but inapplicable {rule|provision} {next to|among} the relevant ones.",
        "{Give|Offer} the solver a {decoy|red herring}: a provision that looks relevant but does not apply.",
    ),
    SELF_CONTAINED: (
        "{Put|Include|Quote} every provision the answer {depends on|rests on|needs} {in|into} the context.",
        "{Make sure|Check that|Ensure} the context alone is enough to {reach|derive|work out} the answer.",
        "{Nothing|No provision} the derivation {needs|uses} {should|may} be left out of the context.",
    ),
    NO_LEAK: (
        "{Do not|Never} state the {conclusion|answer|outcome} anywhere in the context.",
        "{Keep|Leave} the answer out of the {facts|context}; the solver must {derive|work} it {out|through} itself.",
        "The context {must not|should not} give the {answer|result} away, {not even|even} {indirectly|in passing}.",
    ),
    REASON_NOT_RECALL: (
        "The question should {demand|require} applying the provisions, not {recalling|restating} a definition.",
        "{Avoid|Steer clear of} questions that {one|a single} definition answers {outright|directly}.",
    ),
    VERIFY_REFERENCE: (
        "{Double-check|Re-check|Confirm} the reference answer against the provisions before {writing|giving} it.",
        "Work the derivation through {yourself|once more} to {confirm|make sure of} the reference answer.",
        "{Before finishing|At the end}, {re-derive|trace} the reference answer step by step {to catch|and fix} "
        "{mistakes|errors}.",
    ),
    LABEL_TYPE: (
        "Label the question type {correctly|accurately|to match what the question really asks}.",
        "{Make sure|Check that} the stated question type {fits|matches} the question.",
    ),
    RUBRIC_WEIGHTS: (
        "Give every rubric criterion a non-zero weight, with positive weights for what a good answer does.",
        "{Check|Make sure} the rubric weights {make sense|are well formed}: none zero, {and|with} some positive.",
        "{Weight|Score} the rubric so that {correct|good} steps earn {points|credit} and no criterion {weighs|counts} "
        "nothing.",
    ),
    O_QUANTIFY: (
        "{When you write|In your} guidance, {state|say} how many " + _STEP + " the next question should take.",
        "{Give|Name} {concrete|explicit} step counts {in the guidance|to the writer} rather than just 'harder' or "
        "'easier'.",
        "{Tell|Instruct} the writer {exactly|precisely} how long the {derivation|chain} should be, as a number.",
    ),
    O_QUALITY: (
        "Turn each quality-check {complaint|rejection} into a {concrete|specific} fix for the writer.",
        "{For every|For each} reason the {verifier|quality check} gave, {tell|show} the writer how to {avoid|fix} it.",
    ),
    O_EXCEPTIONS: (
        "When questions were too easy, ask the writer to {route the chain through|include} an exception.",
        "{Suggest|Recommend} exception clauses {to the writer|in the guidance} when the weak solver {copes|succeeds}.",
    ),
    O_DISTRACTORS: (
        "When questions were too easy, ask for {a decoy|a red-herring|an irrelevant-looking} provision.",
        "{Suggest|Recommend} {decoy|distracting} provisions when the weak solver {copes|succeeds} too often.",
    ),
    O_HARDER: (
        "{Lean|Err} towards {harder|more demanding} questions {in your guidance|when in doubt}.",
        "{Push|Nudge} the writer {towards|to} {deeper|longer} derivations than the last ones.",
    ),
    O_EASIER: (
        "{Lean|Err} towards {simpler|less demanding} questions {in your guidance|when in doubt}.",
        "{Ask|Tell} the writer {not to overdo|to go easy on} the depth.",
    ),
    Q_LEAK: (
        "{Fail|Reject} any sample whose context {states|reveals|gives away} the answer.",
        "Check {carefully|closely} whether the context {hints at|already settles} the conclusion.",
    ),
    Q_RECALL: (
        "{Fail|Reject} questions that {one|a single} definition answers {outright|without reasoning}.",
        "Check that answering {takes|needs} reasoning, not {recall|memory}.",
    ),
    Q_RUBRIC: (
        "{Check|Inspect} the rubric: {no|not one} criterion with zero weight, and some positive.",
        "{Fail|Reject} samples whose rubric weights are {malformed|ill-formed|all negative}.",
    ),
    Q_CONTEXT: (
        "{Check|Verify} that the context {holds|contains} every provision the reference answer {needs|uses}.",
        "{Fail|Reject} samples whose context is not enough to {reach|derive} the reference answer.",
    ),
    Q_REFERENCE: (
        "{Re-derive|Work out} the answer {yourself|independently} and {compare|check} it with the reference.",
        "{Fail|Reject} samples whose reference answer does not follow from the provisions.",
    ),
    Q_TYPE: (
        "{Check|Verify} that the {stated|declared} question type {fits|matches} the question.",
    ),
    Q_STRICTER: (
        "{Be|Stay} {strict|demanding}: when {in doubt|unsure}, {fail|reject} the sample.",
        "{Hold|Keep} samples to a {high|strict} standard {before the solvers see them|before any solver sees them}.",
    ),
}

VAGUE = (
    "{Be|Try to be} more {rigorous|careful|thorough}.",
    "{Try|Work} harder to write {good|better} {questions|samples}.",
    "{Quality matters|Care matters}: do better {this time|next time}.",
    "Think {carefully|hard} before {writing|answering}.",
    "{Put|Take} more {care|effort} into {the work|every part of it}.",
    "{Aim for|Strive for} {excellence|the highest quality}.",
)
STYLE = (
    "Use British spelling.",
    "{Write|Keep to} the active voice.",
    "Keep sentences under {twenty|fifteen} words.",
    "{Avoid|Do not use} contractions.",
    "Prefer a {formal|neutral} register.",
    "Use the Oxford comma.",
    "{Spell out|Write out} numbers below ten.",
    "{Avoid|Never use} exclamation marks.",
)

_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
_CHOICE = re.compile(r"\{([^{}]*)\}")


def fix_for(reason: str) -> str | None:
    """The writer's fix for a quality-check reason, read from the reason's own words."""
    words = reason.lower()
    for marker, idea in (("leak", NO_LEAK), ("recall", REASON_NOT_RECALL), ("rubric", RUBRIC_WEIGHTS),
                         ("insufficient", SELF_CONTAINED), ("missing", SELF_CONTAINED),
                         ("reference", VERIFY_REFERENCE), ("type", LABEL_TYPE)):
        if marker in words:
            return idea
    return None


def number(n: int, rng: random.Random) -> str:
    """A count as a digit or (sometimes) a word."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) and rng.random() < 0.4 else str(n)


def expand(template: str, rng: random.Random, n: int | None = None, sentence: bool = True) -> str:
    """The template with each ``{a|b}`` choice drawn and ``<n>`` written; capitalised as a sentence."""
    text = _CHOICE.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    if n is not None:
        text = text.replace("<n>", number(n, rng))
    return text[0].upper() + text[1:] if sentence and text else text


def say(idea: str, rng: random.Random, steps: int | None = None) -> str:
    """The idea in one sentence, in words drawn afresh (a step count only for difficulty ideas)."""
    if idea in (DEEPER, SHALLOWER) and steps is not None:
        return expand(rng.choice(TEMPLATES[f"{idea}_n"]), rng, max(1, steps))
    return expand(rng.choice(TEMPLATES[idea]), rng)


@dataclass(frozen=True)
class Advice:
    text: str
    kind: str  # "meant", "vague", "style", "misread", "overshoot"
    idea: str  # the idea it was meant to express


def _audience(idea: str) -> tuple[str, ...]:
    for ideas in (WRITER_IDEAS, ORCHESTRATOR_IDEAS, VERIFIER_IDEAS):
        if idea in ideas:
            return ideas
    return WRITER_IDEAS


def advise(idea: str, rng: random.Random, steps: int | None = None) -> Advice:
    """The idea as a real advisor would put it: usually meant, sometimes useless or harmful."""
    roll = rng.random()
    if roll < VAGUE_RATE:
        return Advice(expand(rng.choice(VAGUE), rng), "vague", idea)
    roll -= VAGUE_RATE
    if roll < STYLE_RATE:
        return Advice(expand(rng.choice(STYLE), rng), "style", idea)
    roll -= STYLE_RATE
    if roll < MISREAD_RATE:
        other = OPPOSITE.get(idea) or rng.choice([i for i in _audience(idea) if i != idea])
        return Advice(say(other, rng, steps), "misread", idea)
    roll -= MISREAD_RATE
    if idea in DIFFICULTY and roll < OVERSHOOT_RATE:
        up = idea in (DEEPER, O_HARDER)
        if idea in (DEEPER, SHALLOWER) and steps is not None:
            shift = rng.choice((2, 3))
            return Advice(say(idea, rng, max(1, steps + (shift if up else -shift))), "overshoot", idea)
        much = TEMPLATES["deeper_much" if up else "shallower_much"]
        return Advice(expand(rng.choice(much), rng), "overshoot", idea)
    return Advice(say(idea, rng, steps), "meant", idea)
