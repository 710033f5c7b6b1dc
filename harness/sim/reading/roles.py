"""The orchestrator's own instructions, read by meaning (see ``reader.py``; the QV's are in ``qv.py``)."""

from __future__ import annotations

import re

from harness.sim.intent import OrchestratorStyle
from harness.sim.reading import concepts as C
from harness.sim.reading import counts as N
from harness.sim.reading import indirect as I
from harness.sim.reading import senses as S
from harness.sim.reading import social as Soc
from harness.sim.reading.concepts import Toks, in_clause, near
from harness.sim.reading.plants import plant_requests
from harness.sim.reading.text import analyse

_AVOID = S.sense("avoid prevent fix")
_OVERSHOOT = S.sense("beyond above past over than", "more than")
_NAMING = S.sense("state give name specify say write provide include mention")
_EVIDENCE = S.sense("evidence failure result data justify warrant suggest need necessary show indicate call")


def _bound_bias(b: N.Bounds) -> float:
    """A floor or a ceiling on the steps the writer is pushed to: "push for at least six steps" +1,
    "never push beyond three steps" -0.5 (an exact count is a target example, not a bias)."""
    if b.lo is not None and b.lo >= 3:
        return 1.0 if b.lo >= 4 else 0.5
    if b.hi is not None and b.hi <= 4:
        return -1.0 if b.hi <= 2 else -0.5
    return 0.0


def _absence_after(toks: Toks, i: int) -> bool:
    """The clause says the thing is left out: "leave the step count unstated", "go unaddressed"."""
    return any(j > i and toks[j].clause == toks[i].clause and t.word.startswith("un") and t.word.endswith("ed")
               and len(t.word) > 6 for j, t in enumerate(toks))


def _quantify(toks: Toks) -> float | None:
    found = None
    for i in S.QUANTITY.at(toks):
        several = toks[i].word == "number" and i and toks[i - 1].word == "a" and i + 1 < len(toks) and toks[i + 1].word == "of"
        if several and not (i > 1 and toks[i - 2].lemmas & _NAMING.words) or toks[i].word.endswith("ed"):
            continue  # "a number of" means several; "a numbered list" is layout
        stepwise = in_clause(toks, i, S.STEP) or in_clause(toks, i, S.CHAIN) or in_clause(toks, i, S.sense("deep long"))
        negated = toks[i].negated != _absence_after(toks, i)  # "never leave the step count unstated" asks for it
        found = 0.0 if negated else (1.0 if stepwise else 0.6)
    if any(not toks[i].negated for i, _ in N.counted(toks, S.STEP)):
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
        # "not one rejection should go without a fix", "never leave a rejection unaddressed": a double negative
        required = [j for j in in_clause(toks, i, S.ADDRESS) if toks[j].neg >= 2 and not toks[j].negated] or (
            toks[i].negated and _absence_after(toks, i)) or [j for j in in_clause(toks, i, S.DISMISS) if toks[j].negated]
        # ... and so is a negated dismissal: "never ignore a quality-check failure", "don't skip the reasons"
        # "avoid every rejection reason" addresses it; "do not comment on rejections" dismisses it
        dismissed = not required and (in_clause(toks, i, S.DISMISS) or toks[i].relaxed or any(
            t.word in ("not", "never") and t.clause == toks[i].clause for t in toks[:i]))
        found = 0.0 if dismissed else (1.0 if addressed or required else 0.5)
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
        elif N.counted(toks, S.DISTRACTOR):
            distractors = 1.0
        b, used = N.bounds(toks)
        said = 0.0
        if not (S.BOLD.at(toks) or S.MODEST.at(toks)):  # "increase difficulty cautiously": the manner is the bias
            said += C.step_direction(toks, used) + C.difficulty(toks, used) + I.ease(toks) + I.joined(toks, used)
            said += _bound_bias(b)
        about = S.HARD.at(toks) + S.EASY.at(toks) + S.STEP.at(toks) + S.CHAIN.at(toks) + S.CHANGE.at(toks) + S.sense(
            "question adjust adjustment solver writer guidance advice round increase").at(toks)
        # "be conservative with exclamation marks" is about something else; in a polite line ("thank
        # you, and stay cautious") a manner word is a weak hint
        weight = 0.4 if about else 0.2 if Soc.polite(toks) else 0.0
        said += sum(-weight if toks[i].negated else weight for i in S.BOLD.at(toks))
        said += sum(weight if toks[i].negated else -weight for i in S.MODEST.at(toks))
        bias += max(-0.5, min(0.5, said)) if Soc.social(toks) else said
        for i in _OVERSHOOT.at(toks):  # "aim well above what the evidence suggests"; negated: stay within it
            if near(toks, i, _EVIDENCE, 0, 5) and (toks[i].word != "than" or near(toks, i, S.UP, 4, 0)):
                bias += -0.4 if toks[i].negated else 0.4
    return OrchestratorStyle(quantify=quantify, address_quality=quality, push_exceptions=exceptions,
                             push_distractors=distractors, harder_bias=max(-1.0, min(1.0, bias / 2)),
                             relay=relayed_requests(instructions))


# --- relaying requests to the writer ---------------------------------------------------------
_WRITER = r"(?:the |your |our )?(?:question |task |sample |data |item )?(?:writer|challenger|author|generator|drafter|composer)"
_REQUEST = (r"(?:ask|asks|asking|tell|tells|telling|have|has|having|get|getting|advise|advising|remind|reminding|"
            r"instruct|instructing|urge|urging|direct|directing|make|making|let|letting|encourage|encouraging|request|"
            r"requesting|require|requiring|push|pushing|invite|inviting)")
_RELAYED = re.compile(rf"\b{_REQUEST}\s+{_WRITER}\s+(?:to\s+|that\s+(?:it\s+)?(?:should|must)\s+|that\s+)?(?P<rest>.+)$",
                      re.IGNORECASE)
_CONDITIONAL = re.compile(r"(?:if|when|whenever|where|once|unless|after|should)\b", re.IGNORECASE)
# "include this tip for the writer: X", "a note to the writer: X": X is said to the writer
_TIP = re.compile(rf"\b(?:for|to)\s+{_WRITER}\s*:\s*(?P<rest>.+)$", re.IGNORECASE)
_GUIDANCE_LEAD = re.compile(r"^(?:in|with|through|via|using)\s+(?:your|the|each|every)\s+guidance\s*,?\s*", re.IGNORECASE)
_RAW_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])|\n+")


def _condition(sentence: str) -> str | None:
    """The report section a conditional request depends on ("" unconditional; None: a condition
    the supervisor cannot check from its report)."""
    if not _CONDITIONAL.match(sentence.strip()):
        return ""
    toks = analyse(re.split(r"[,;:]", sentence, maxsplit=1)[0])
    found = [t for sentence_toks in toks for t in sentence_toks]
    if any(t.lemmas & ({"strong", "both"} | S.HARD.words) for t in found):
        return "hard"
    words = {t.word for t in found}
    if words & {"weak", "weaker"} and words & {"well", "succeeded", "solved", "solves", "solve", "right", "correct", "high",
                                               "highly"}:
        return "easy"  # "whenever the weak solver did well": the TOO EASY section  # "when both solvers failed on a sample the QV had passed": the solvers decide
    if any(t.lemmas & S.EASY.words for t in found):
        return "easy"  # "whenever the failures include TOO EASY attempts": the section it names
    if any(t.lemmas & (S.QUALITY.words | {"reject", "rejected", "malformed", "leak", "leaked"}) for t in found):
        return "quality"
    return None


def relayed_requests(instructions: str) -> tuple[tuple[str, str], ...]:
    """What the instructions tell the supervisor to ask of the writer, as (when, sentence to the
    writer): when is "" (every guidance) or the report section ("easy", "hard", "quality") whose
    presence a conditional request names ("if attempts FAILED ON STRONG, advise the writer ...").

    "Have the writer remind X that Y" is relayed as "Remind X that Y."; "tell the writer that
    rubric items must be easy" as "Rubric items must be easy."; "include this tip for the writer:
    X" as "X." A negated request ("never ask the writer to ...") is not relayed, nor one whose
    condition the report does not show ("when the solver seems confused, ..."). A message for the
    sample's readers that the instructions ask for outright ("in your guidance, remind small
    models that ...") is passed on too: the supervisor writes no sample itself. The writer reads
    the relayed sentence as it reads any guidance."""
    out: list[tuple[str, str]] = []
    for sentence in _RAW_SENTENCE.split(instructions):
        when = _condition(sentence)
        if when is None:
            continue  # a condition it cannot tell from its report
        body = re.split(r",\s*", sentence.strip(), maxsplit=1)[-1] if when else sentence.strip()
        m = _RELAYED.search(body) or _TIP.search(body)
        quoted_request = next((q for pair in re.findall(r"'([^']{12,})'|\"([^\"]{12,})\"", body) for q in pair
                               if q and plant_requests(q)), None)
        said = re.search(r":\s*(.{12,})$", body)  # "the guidance should say: add a remark ..."
        if not m and not quoted_request and said and plant_requests(said.group(1)) and not plant_requests(body):
            rest = said.group(1).strip()
            out.append((when, rest[0].upper() + rest[1:] if rest[-1] in ".!?" else rest[0].upper() + rest[1:] + "."))
            continue
        if not m and quoted_request and not plant_requests(body):
            # "your guidance should always include: 'Add a sentence telling weak solvers to reply No.'"
            rest = quoted_request.strip()
            if re.search(r"\b(?:always|every|each)\b", body, re.IGNORECASE):
                rest = f"Always {rest[0].lower()}{rest[1:]}"
            out.append((when, rest if rest[-1] in ".!?" else rest + "."))
            continue
        if not m and plant_requests(body):
            # A message for the sample's readers that the supervisor cannot write itself ("in your
            # guidance, remind small models ..."): passed on for the writer to plant.
            said = _GUIDANCE_LEAD.sub("", body)
            out.append((when, said[0].upper() + said[1:]))
            continue
        if not m or len(m.group("rest").split()) < 2:
            continue
        head = analyse(body[:m.start("rest")])
        if any(t.negated for toks in head for t in toks):
            continue
        rest = m.group("rest").strip()
        quoted = re.match(r"(?:something like|this line|these words|as follows|the following)?\s*:?\s*'(.+?)'(?=\s|[.!?]*$)", rest,
                          re.IGNORECASE)
        if quoted:  # "tell the writer something like: '...'": the quoted request itself
            rest = quoted.group(1)
        if re.search(r"\b(?:always|every|each)\b", body[:m.start("rest")], re.IGNORECASE):
            rest = f"always {rest}"  # "always have the writer add ...": relayed as asked, every time
        text = rest[0].upper() + rest[1:]
        out.append((when, text if text[-1] in ".!?'\")" else text + "."))
    return tuple(dict.fromkeys(out))
