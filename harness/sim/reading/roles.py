"""The orchestrator's and the QV's own instructions, read by meaning (see ``reader.py``)."""

from __future__ import annotations

from harness.sim.intent import QV_CHECKS, OrchestratorStyle, QVStyle
from harness.sim.reading import concepts as C
from harness.sim.reading import flaws as F
from harness.sim.reading import senses as S
from harness.sim.reading.concepts import Toks, in_clause, near
from harness.sim.reading.text import analyse

_DISMISS = S.DISMISS
_CHECK_VERBS = S.sense("check fail reject flag penalise penalize worry care bother look examine consider test")
_AVOID = S.sense("avoid prevent fix")
_COMPARE = S.sense("compare agree match follow")
_RELATIVE = S.sense("that which whose who")
_VERDICT_OBJECTS = frozenset({"sample", "question", "item", "one", "submission", "task", "verdict", "fail", "failure"})
_OVERSHOOT = S.sense("beyond above past over than", "more than")
_NAMING = S.sense("state give name specify say write provide include mention")
_EVIDENCE = S.sense("evidence failure result data justify warrant suggest need necessary show indicate call")
_DIFFER = S.sense("different differ disagree diverge contradict")


def _quantify(toks: Toks) -> float | None:
    found = None
    for i in S.QUANTITY.at(toks):
        several = toks[i].word == "number" and i and toks[i - 1].word == "a" and i + 1 < len(toks) and toks[i + 1].word == "of"
        if several and not (i > 1 and toks[i - 2].lemmas & _NAMING.words) or toks[i].word.endswith("ed"):
            continue  # "a number of" means several; "a numbered list" is layout
        stepwise = in_clause(toks, i, S.STEP) or in_clause(toks, i, S.CHAIN) or in_clause(toks, i, S.sense("deep long"))
        found = 0.0 if toks[i].negated else (1.0 if stepwise else 0.6)
    if any(not toks[i].negated for i, _ in C.counted(toks, S.STEP)):
        found = 1.0  # an example target: "write 'at least five steps'"
    for i in S.VAGUE.at(toks):
        if not toks[i].negated and in_clause(toks, i, S.sense("term word way guidance advice")):
            found = 0.0
    return found


def _quality(toks: Toks) -> float | None:
    found = None
    for i in S.QUALITY.at(toks):
        if toks[i].lemmas & {"check"} and not in_clause(toks, i, S.sense("quality qv verifier")):
            continue
        addressed = in_clause(toks, i, S.ADDRESS) or near(toks, i, S.EVERY, 3, 0) or in_clause(toks, i, _AVOID)
        # "avoid every rejection reason" addresses it; "do not comment on rejections" dismisses it
        dismissed = in_clause(toks, i, S.DISMISS) or toks[i].relaxed or any(
            t.word in ("not", "never") and t.clause == toks[i].clause for t in toks[:i])
        found = 0.0 if dismissed else (1.0 if addressed else 0.5)
    return found


def orchestrator_style(instructions: str) -> OrchestratorStyle:
    quantify = quality = exceptions = distractors = 0.0
    bias = 0.0
    for toks in analyse(instructions):
        if (q := _quantify(toks)) is not None:
            quantify = q
        if (q := _quality(toks)) is not None:
            quality = q
        if (d := C.rate_direction(toks, S.EXCEPTION)) is not None:
            exceptions = max(0.0, min(1.0, d))
        if (d := C.irrelevance(toks)) is not None or (d := C.rate_direction(toks, S.DISTRACTOR)) is not None:
            distractors = max(0.0, min(1.0, d))
        elif C.counted(toks, S.DISTRACTOR):
            distractors = 1.0
        _, used = C.bounds(toks)
        if not (S.BOLD.at(toks) or S.MODEST.at(toks)):  # "increase difficulty cautiously": the manner is the bias
            bias += C.step_direction(toks, used) + C.difficulty(toks, used)
        about = S.HARD.at(toks) + S.EASY.at(toks) + S.STEP.at(toks) + S.CHAIN.at(toks) + S.CHANGE.at(toks) + S.sense(
            "question adjust adjustment solver writer guidance advice round increase").at(toks)
        if about:  # "be conservative with exclamation marks" is about something else
            bias += sum(-0.4 if toks[i].negated else 0.4 for i in S.BOLD.at(toks))
            bias += sum(0.4 if toks[i].negated else -0.4 for i in S.MODEST.at(toks))
        for i in _OVERSHOOT.at(toks):  # "aim well above what the evidence suggests"; negated: stay within it
            if near(toks, i, _EVIDENCE, 0, 5) and (toks[i].word != "than" or near(toks, i, S.UP, 4, 0)):
                bias += -0.4 if toks[i].negated else 0.4
    return OrchestratorStyle(quantify=quantify, address_quality=quality, push_exceptions=exceptions,
                             push_distractors=distractors, harder_bias=max(-1.0, min(1.0, bias / 2)))


def _mentions(toks: Toks) -> dict[str, list[int]]:
    leak = S.LEAK.at(toks) + [j for a in F.answer_nouns(toks) for j in in_clause(toks, a, S.DISCLOSE)
                              + in_clause(toks, a, S.CONCEAL) + in_clause(toks, a, S.DISCLOSE_IN_CONTEXT)
                              if not toks[j].lemmas & S.DISCLOSE_IN_CONTEXT.words or in_clause(toks, a, S.CONTEXT)]
    context = [i for i in S.MISSING.at(toks) if not near(toks, i, S.RUBRIC, 0, 2)]  # not "a missing weight"
    context += [i for i in S.COMPLETE.at(toks)
                                    if in_clause(toks, i, S.CONTEXT) or toks[i].lemmas & {"self-contained", "self"}]
    context += [i for i in S.sense("enough").at(toks) if in_clause(toks, i, S.sense("information provision rule"))]
    # "if something the solver needs is not in the context"
    context += [i for i in S.NEEDED.at(toks) if in_clause(toks, i, S.CONTEXT) and any(
        t.word == "not" and t.clause == toks[i].clause for t in toks)]
    # "fail if you cannot reach it" (but not "if the reference answer does not follow")
    context += [i for i in S.REACH.at(toks) if toks[i].negated and not in_clause(toks, i, S.REFERENCE)]
    # "answered without the context": recall, not reasoning from the context
    recall = [i for i in S.sense("answer answerable solve solvable guess").at(toks)
              if [j for j in in_clause(toks, i, S.CONTEXT) if j > i and "without" in {t.word for t in toks[i:j]}]]
    if F.completeness(toks):
        context.append(0)
    judged = S.RIGHT.at(toks) + S.WRONG.at(toks) + S.CORRECT.at(toks) + S.VERIFY.at(toks) + _COMPARE.at(toks) \
        + _DIFFER.at(toks)
    reference = [i for i in S.REFERENCE.at(toks) if judged]
    return {
        "answer_leaked": leak,
        "recall_not_reasoning": S.RECALL.at(toks) + recall,
        "malformed_rubric": S.RUBRIC.at(toks),
        "context_insufficient": context,
        "reference_incorrect": reference,
        "type_mismatch": [i for i in S.TYPE.at(toks) if not toks[i].lemmas & {"kind"} or near(toks, i, S.sense("question"), 2, 2)],
    }


def _dismissed(toks: Toks, i: int) -> bool:
    if in_clause(toks, i, _DISMISS):
        return True
    return any(toks[j].negated for j in in_clause(toks, i, _CHECK_VERBS) if j < i)


def _strictness(toks: Toks) -> float:
    total = 0.0
    for i in S.STRICT.at(toks):
        if near(toks, i, S.QUALITY, 0, 2):
            continue  # "severe flaws", "serious problems" describe the sample, not the verifier
        if toks[i].lemmas & {"demanding", "tough", "rigorous"} and not in_clause(toks, i, S.sense("be verifier you check")):
            continue  # "demanding questions" is about the questions
        strong = near(toks, i, S.INTENSIFIER, 2, 0) or near(toks, i, S.sense("extremely very highly"), 2, 0)
        total += -0.3 if toks[i].negated else (0.8 if strong else 0.5)
    for i in S.LENIENT.at(toks) + (S.ROUGHLY.at(toks) if S.PASS.at(toks) else []):
        total += 0.3 if toks[i].negated else -0.5
    specific = any(_mentions(toks).values())  # "pass only if the context does not leak" names a check
    if S.sense("unless").at(toks) and not specific:  # the default verdict: "pass samples unless ..." is lenient, "fail unless" strict
        if [j for j in S.PASS.at(toks) if not toks[j].negated]:
            total -= 0.5
        elif [j for j in S.FAIL.at(toks) if not toks[j].negated]:
            total += 0.5
    for i in S.PASS.at(toks):
        if near(toks, i, S.ONLY, 2, 3) and not toks[i].negated:
            total += 0 if specific else 0.5  # "pass only samples that meet every check"
        elif S.MINOR.at(toks) and S.QUALITY.at(toks) and not toks[i].negated:
            total -= 0.5  # "let minor problems pass"
        elif toks[i].negated and (S.CONDITION.at(toks) or _RELATIVE.at(toks)) and not near(toks, i, S.UNIVERSAL, 0, 3):
            total += 0 if specific else 0.4  # "do not pass a sample if ..."
    for i in S.FAIL.at(toks):
        only = [j for j in near(toks, i, S.ONLY, 2, 3) if not _RELATIVE.at(toks[min(i, j):max(i, j)])]
        if only and not toks[i].negated:  # "fail only ..." (not "reject questions that only test ...")
            total -= 0.5  # "fail only clear problems"
        elif toks[i].negated and (S.CONDITION.at(toks) or _RELATIVE.at(toks) or S.sense("because merely just").at(toks)
                                  or S.MINOR.at(toks)):
            total -= 0.4  # "don't reject a sample merely because ...", "refrain from failing over minor issues"
    for i in S.TRACE.at(toks):  # "treat any hint of the conclusion as a leak and fail it": zero tolerance
        if near(toks, i, S.sense("any even slightest least"), 2, 0) and [j for j in S.FAIL.at(toks) if not toks[j].negated]:
            total += 0.5
    for i in S.LEAN.at(toks):  # "lean towards passing", "err towards rejection"
        if near(toks, i, S.PASS, 0, 4):
            total -= 0.5
        elif near(toks, i, S.FAIL, 0, 4):
            total += 0.5
    for _ in S.DOUBT.at(toks):  # "when in doubt, fail": the verdict follows in its own clause
        if [j for j in S.FAIL.at(toks) if not toks[j].negated]:
            total += 0.5
        elif [j for j in S.PASS.at(toks) if not toks[j].negated]:
            total -= 0.5
    return total


_STANDARD = S.sense("fine good acceptable ok okay correct valid sound reasonable adequate decent usable")


def _always_pass(toks: Toks) -> bool:
    # "pass anything that is roughly fine" sets a standard (leniency), not an unconditional pass
    conditional = S.CONDITION.at(toks) + [j for j in _STANDARD.at(toks) if _RELATIVE.at(toks[:j])]
    regardless = S.sense("regardless whatever", "no matter", "in every case", "in all case").at(toks)
    for i in S.PASS.at(toks):
        universal = near(toks, i, S.UNIVERSAL, 6, 4) or regardless
        if universal and not toks[i].negated and not conditional:
            return True
    for i in S.FAIL.at(toks):
        # "never fail", "fail nothing", "no sample should be failed" (not "a rubric with no positive criterion")
        never = [k for k, t in enumerate(toks[:i]) if t.word == "never" or t.word in ("no", "none", "nothing") and (
            t.word != "no" or toks[k + 1].lemmas & _VERDICT_OBJECTS)] or near(toks, i, S.UNIVERSAL, 1, 3)
        if toks[i].negated and never and not conditional and not in_clause(toks, i, S.sense("that which whose who")):
            return True
    return False


def qv_style(instructions: str) -> QVStyle:
    named: set[str] = set()
    strictness = 0.0
    always = False
    for toks in analyse(instructions):
        for check, where in _mentions(toks).items():
            if any(not _dismissed(toks, i) for i in where):
                named.add(check)
        strictness += _strictness(toks)
        always = always or _always_pass(toks)
        if F.care(toks):
            strictness += 0.1
    return QVStyle(named_checks=frozenset(named) & frozenset(QV_CHECKS), strictness=max(-1.0, min(1.0, strictness)), always_pass=always)
