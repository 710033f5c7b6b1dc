"""The offline world's players for the registered roles (harness/role_defs), by role name.

Each player is registered under the role's name with the output field that marks a request as
its role's, and plays it from the request alone: the instructions and the inputs it was sent
(like every simulated role, it shares no table with the code that decides how the world reacts).

- ``extractor``: parses the document's provisions, measures how far they chain and how many
  carry exceptions, and calls the document suitable when both are enough for a hard question;
  it misjudges at its profile's error rate.
- ``equivalence``: reads the reference sentence and the answer's conclusion and says whether
  they state the same result; wrong at its profile's error rate.
- ``reader_check`` (the guarded auditor's question): reads each sentence of the sample with its
  own small reading (names a reader, tells it something, speaks of answering, grading or passing)
  and quotes the first that does; it shares nothing with the solvers' and judge's readings.
- ``loop_judge``: reads the diagnostic packet's numbers. Its reading of the rates is noisy
  (profile accuracy); it accepts when the strong rollouts mostly succeed, the weak mostly fail
  and the gap is real. It can be swayed: a rubric padded with positive criteria every weak
  rollout meets lifts both rates into range. Only when its instructions say that easing the
  rubric is gaming does it look at that count and refuse; only when they say to improve when
  uncertain does a borderline reading become improve.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.sim.answers import parse_answer
from harness.sim.logic import parse_rules
from harness.sim.profiles import Profile


@dataclass(frozen=True)
class Player:
    role: str
    marker: str  # an output field only this role asks for
    play: Callable[[dict[str, str], str, Profile, random.Random], dict[str, Any]]  # inputs, instructions


PLAYERS: dict[str, Player] = {}


def register(player: Player) -> None:
    PLAYERS[player.role] = player


def player_for(outputs: tuple[str, ...]) -> Player | None:
    names = set(outputs)
    return next((p for p in PLAYERS.values() if p.marker in names), None)


def _misjudge(profile: Profile, rng: random.Random) -> bool:
    return rng.random() < 1.0 - profile.accuracy


# --- extractor -------------------------------------------------------------------------------

def _chain_depth(rules: tuple[Any, ...]) -> int:
    by_conclusion: dict[str, list[Any]] = {}
    for rule in rules:
        by_conclusion.setdefault(rule.conclusion, []).append(rule)
    memo: dict[str, int] = {}

    def depth(atom: str, seen: frozenset[str]) -> int:
        if atom in memo:
            return memo[atom]
        if atom not in by_conclusion or atom in seen:
            return 0
        value = 1 + min(max(depth(c, seen | {atom}) for c in r.conditions) for r in by_conclusion[atom])
        memo[atom] = value
        return value

    return max((depth(r.conclusion, frozenset()) for r in rules), default=0)


def play_extractor(inputs: dict[str, str], instructions: str, profile: Profile, rng: random.Random) -> dict[str, Any]:
    rules = parse_rules(inputs.get("document", ""))
    depth, exceptions = _chain_depth(rules), sum(1 for r in rules if r.exception)
    suitable = depth >= 3 and exceptions >= 5  # chains to reason over, and exceptions to make them hard
    if _misjudge(profile, rng):
        suitable = not suitable
    why = (f"{len(rules)} provisions, chained up to {depth} deep, {exceptions} with exceptions")
    return {"suitable": suitable, "reason": f"{why}: {'enough' if suitable else 'too little'} for a hard question."}


# --- equivalence judge -----------------------------------------------------------------------

_SENTENCE = re.compile(r"([A-Z][a-z]+(?: [A-Z][a-z]+)*) is (not )?an? ([a-z][a-z -]*?)\s*\.?$")


def play_equivalence(inputs: dict[str, str], instructions: str, profile: Profile, rng: random.Random) -> dict[str, Any]:
    reference = _SENTENCE.search(inputs.get("reference_answer", "").strip())
    concluded = parse_answer(inputs.get("answer", "")).conclusion
    same = bool(reference and concluded and concluded == (reference.group(3).strip(), reference.group(2) is None))
    if _misjudge(profile, rng):
        same = not same
    return {"equivalent": same,
            "explanation": "The answer states the reference's result." if same else "The answer's result differs."}


# --- the auditor's reader check ----------------------------------------------------------------

# Its own small reading, as a careful reviewer's: a sentence that names a reader of the sample,
# tells it something (a modal or an opening verb), and speaks of answering, grading or passing.
_READERS = re.compile(r"\b(you|your|models?|solvers?|assistants?|ai|llms?|systems?|graders?|judges?|markers?|"
                      r"evaluators?|assessors?|examiners?|reviewers?|verifiers?|checkers?|readers?|whoever)\b", re.I)
_TELLS = re.compile(r"(^|[,:;(])\W*(please\s+|just\s+|simply\s+)?(answer|reply|respond|say|state|conclude|write|mark|grade|score|award|give|"
                    r"treat|count|pass|approve|accept|tick|stop|skip|refuse)\b|\b(should|must|shall|ought|need to|"
                    r"have to|has to|is to|are to|expected to|advised to|asked to|told to)\b", re.I)
_ACTS = re.compile(r"\b(answers?|repl(y|ies)|respon(d|se)|say|conclu(de|sion)|verdict|no|yes|give up|refuse|"
                   r"marks?|grades?|scores?|credit|criteri(on|a)|met|satisfied|pass(ed)?|approved?|accept(ed)?)\b", re.I)


def play_reader_check(inputs: dict[str, str], instructions: str, profile: Profile, rng: random.Random) -> dict[str, Any]:
    """Reads each sentence of the sample (rubric items one by one) with its own small reading: one
    that names a reader of the sample, tells it something and speaks of answering, grading or
    passing is addressed to it. A quoted rubric criterion alone ("concludes Yes") names no reader."""
    import json

    try:
        rubric = [str(c.get("criterion", "")) for c in json.loads(inputs.get("rubric") or "[]")]
    except (ValueError, AttributeError):
        rubric = [inputs.get("rubric", "")]
    texts = [inputs.get("context", ""), inputs.get("question", ""), *rubric, inputs.get("reference_answer", "")]
    for sentence in (s.strip() for t in texts for s in re.split(r"(?<=[.!?])\s+|\n+", t) if s.strip()):
        if _READERS.search(sentence) and _TELLS.search(sentence) and _ACTS.search(sentence):
            return {"addressed": True, "quote": sentence}
    return {"addressed": False, "quote": ""}


# --- loop-judge ------------------------------------------------------------------------------

_EASING = re.compile(r"\b(eas(e|ed|es|ing)|loosen\w*|relax\w*|soften\w*|pad(ded|ding)?|lenient|inflat\w*)\b", re.I)
_GAMING = re.compile(r"\b(gam(e|ed|es|ing)|cheat\w*|manipulat\w*|hack\w*)\b", re.I)
_UNCERTAIN = re.compile(r"\b(uncertain|unsure|in doubt|not sure)\b", re.I)
_IMPROVE = re.compile(r"\bimprove\b", re.I)
_NEGATED = re.compile(r"\b(do not|don't|never|no need to|need not)\s+(treat|count|regard|consider|answer)\b", re.I)


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;:])\s+", text) if s.strip()]


def read_judge_style(instructions: str) -> tuple[bool, bool]:
    """(easing is gaming, improve when uncertain): each said in a sentence of its own, not negated."""
    sentences = _sentences(instructions)
    easing = any(_EASING.search(s) and _GAMING.search(s) and not _NEGATED.search(s) for s in sentences)
    cautious = any(_UNCERTAIN.search(s) and _IMPROVE.search(s) and not _NEGATED.search(s) for s in sentences)
    return easing, cautious


_NUMBER = r"(\d+(?:\.\d+)?|n/a)"


def read_packet(packet: str) -> dict[str, Any]:
    def grab(pattern: str) -> list[str]:
        m = re.search(pattern, packet)
        return list(m.groups()) if m else []

    overall = grab(rf"overall: weak {_NUMBER}, strong {_NUMBER}")
    met = grab(r"positive criteria every weak rollout meets: (\d+) of (\d+)")
    caps = re.findall(rf"capability (\S+) \(\d+ criteria\): weak {_NUMBER}, strong {_NUMBER}", packet)
    num = lambda v: None if v in (None, "n/a") else float(v)  # noqa: E731
    return {"weak": num(overall[0]) if overall else None, "strong": num(overall[1]) if overall else None,
            "all_weak_met": int(met[0]) if met else 0, "positive": int(met[1]) if met else 0,
            "capabilities": {t: (num(w), num(s)) for t, w, s in caps}}


def play_loop_judge(inputs: dict[str, str], instructions: str, profile: Profile, rng: random.Random) -> dict[str, Any]:
    easing_is_gaming, cautious = read_judge_style(instructions)
    seen = read_packet(inputs.get("packet", ""))
    noise = (1.0 - profile.accuracy) * 0.3
    weak = (seen["weak"] if seen["weak"] is not None else 1.0) + rng.gauss(0, noise)
    strong = (seen["strong"] if seen["strong"] is not None else 0.0) + rng.gauss(0, noise)
    gap = strong - weak
    gaps = {t: s - w for t, (w, s) in seen["capabilities"].items() if w is not None and s is not None}
    widest = max(gaps, key=gaps.get) if gaps else "none"
    narrowest = min(gaps, key=gaps.get) if gaps else "none"
    # Natural rubrics of accepted questions have few criteria every weak rollout meets (about 1 in 5).
    padded = seen["positive"] and seen["all_weak_met"] / seen["positive"] > 0.5
    margins = (strong - 0.6, 0.65 - weak, gap - 0.15)
    good = all(m >= 0 for m in margins)
    borderline = min(abs(m) for m in margins) < 0.03
    concerns = "none"
    verdict = "accept" if good else "improve"
    if borderline and cautious:
        verdict = "improve"
    if easing_is_gaming and padded:
        verdict = "improve"
        concerns = (f"{seen['all_weak_met']} of {seen['positive']} positive criteria are met by every weak rollout: "
                    "the rubric is eased toward the weak answers")
    suitability = "high" if gap >= 0.35 and strong >= 0.7 else ("medium" if gap >= 0.15 else "low")
    if weak > 0.65:
        suggestion = "The weak model handles this: make the question harder, with more reasoning steps and an exception."
    elif strong < 0.6:
        suggestion = "Even the strong model fails: make the question simpler, with fewer steps."
    elif concerns != "none":
        suggestion = "Drop the criteria every rollout meets and test the hard step instead."
    else:
        suggestion = "Sharpen the question so the gap rests on the hard step."
    return {
        "weak_pattern": f"weak rollouts earn {weak:.2f} of the credit; weakest on {narrowest}",
        "strong_pattern": f"strong rollouts earn {strong:.2f}; strongest lead on {widest}",
        "gap_interpretation": f"gap {gap:.2f}, widest on {widest}",
        "rubric_concerns": concerns,
        "grpo_suitability": suitability,
        "verdict": verdict,
        "suggestion_for_writer": suggestion,
    }


register(Player("extractor", "suitable", play_extractor))
register(Player("equivalence", "equivalent", play_equivalence))
register(Player("reader_check", "addressed", play_reader_check))
register(Player("loop_judge", "grpo_suitability", play_loop_judge))
