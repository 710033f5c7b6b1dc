"""Lemma-level senses the reader composes its concepts from: head words and their synonyms.

A sense is a set of lemmas (inflections come from ``lemminflect``: "hops", "hopping" -> *hop*)
plus, where one word will not do, short lemma sequences ("red herring", "carve out"). Concepts
are built in ``concepts.py`` by combining senses (a count with a step noun, a comparative with a
difficulty word, a negation whose scope covers a concept), never by matching whole phrases.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from harness.sim.reading.text import Token


@dataclass(frozen=True)
class Sense:
    words: frozenset[str]
    phrases: tuple[tuple[str, ...], ...] = ()

    def spans(self, toks: tuple[Token, ...]) -> list[tuple[int, int]]:
        """(start, end) of every occurrence in ``toks``."""
        return list(_spans(self, toks))

    def at(self, toks: tuple[Token, ...]) -> list[int]:
        return [start for start, _ in _spans(self, toks)]


@lru_cache(maxsize=65536)
def _spans(sense: Sense, toks: tuple[Token, ...]) -> tuple[tuple[int, int], ...]:
    found = [(i, i + 1) for i, t in enumerate(toks) if not t.lemmas.isdisjoint(sense.words)]
    for phrase in sense.phrases:
        for i in range(len(toks) - len(phrase) + 1):
            if phrase[0] in toks[i].lemmas and all(part in toks[i + k].lemmas for k, part in enumerate(phrase)):
                found.append((i, i + len(phrase)))
    return tuple(sorted(found))


def sense(words: str, *phrases: str) -> Sense:
    return Sense(frozenset(words.split()), tuple(tuple(p.split()) for p in phrases))


# --- depth and difficulty -------------------------------------------------------------------
STEP = sense("step hop inference deduction stage link layer level move jump leap depth application multi-step "
             "multistep multi-hop multihop rule-application derivation-step", "rule application",
             "reasoning step", "logical step")
CHAIN = sense("chain derivation reasoning argument deduction inference chaining path")
UP = sense("much many more numerous several multiple multi multi-step multi-hop long lengthy extended deep "
           "extra additional further great high increase raise extend lengthen add boost deepen grow stretch big "
           "large major huge sharp steep jump leap ramp double triple multiply", "step up", "scale up", "dial up", "crank up",
           "a lot of", "lots of", "plenty of")
DOWN = sense("few less short shallow brief low reduce decrease cut shorten lower trim limit minimise "
             "minimize curb simplify single minimal pare whittle streamline condense compress rein", "tone down", "dial down", "dial back", "scale back", "scale down",
             "back off", "ease off", "to a minimum", "cut back", "pare back", "rein in", "pull back", "cut down")
# Verbs that ask for a change from the present: negated, they cancel ("no need to increase") instead of reversing.
CHANGE = sense("increase raise extend lengthen add boost deepen grow stretch ramp double triple multiply reduce "
               "decrease cut shorten lower trim curb pare whittle streamline condense compress simplify complicate "
               "toughen harden change alter push bump lift drop")
# A judgement that a count is too small ("one step is of no use", "two hops are not enough").
USELESS = sense("useless pointless worthless inadequate insufficient", "of no use", "not enough", "no good")
# A judgement that there is too much of it: asks for less ("the reasoning was excessive").
EXCESS = sense("excessive excess overkill bloated convoluted overlong overwrought byzantine labyrinthine", "too much")
# Results that feed later steps ("intermediate conclusions that are reused"): a multi-step chain.
INTERMEDIATE = sense("sub-conclusion subconclusion sub-result", "intermediate conclusion", "intermediate result",
                     "intermediate fact", "intermediate finding", "intermediate step", "interim conclusion", "interim result",
                     "feed into", "build on", "feeding the next", "feed the next")
HARD = sense("hard difficult challenging tough demanding complex complicated tricky intricate sophisticated "
             "advanced taxing hardness difficulty challenge complexity complicate toughen involved elaborate bar")
EASY = sense("easy simple straightforward basic trivial elementary simplistic shallow simplify ease")
CHANGE_VERBS = sense("simplify ease complicate toughen harden")  # read as comparatives: a change asked for
STYLE = sense("language wording phrasing sentence prose style vocabulary word english grammar format "
              "formatting name")
INTENSIFIER = sense("very much far many lot considerably significantly substantially greatly dramatically "
                    "way lots plenty markedly notably", "a lot", "as possible")
HEDGE = sense("slightly somewhat marginally bit little touch", "a bit", "a little", "a touch")
# --- exceptions, distractors ----------------------------------------------------------------
EXCEPTION = sense("exception exemption proviso carve-out caveat defeater exempt exceptional unless-clause derogation",
                  "carve out", "unless clause", "saving clause", "qualification to", "qualifier to", "qualification of the rule",
                  "qualification of the provision")  # "qualification" alone is a status in the documents
DISTRACTOR = sense("distractor decoy herring irrelevant extraneous unrelated superfluous spurious tangential "
                   "distracting misleading irrelevance noise unneeded pad padding clutter filler inapplicable non-applicable "
                   "immaterial beside-the-point off-topic off-point peripheral inessential nonessential non-essential", "not applicable", "red herring", "partly met", "partially met",
                   "partly satisfied", "partially satisfied")
RELEVANT = sense("relevant pertinent necessary needed required essential")
BEARING = sense("bear matter affect relevant contribute needed necessary required relate need use applicable "
                "apply pertinent")
SEEM = sense("look seem appear sound")
PROVISION = sense("provision rule clause definition premise condition section statute fact regulation "
                  "paragraph article")
ONLY = sense("only just solely exclusively strictly")
# --- flaws ----------------------------------------------------------------------------------
ANSWER = sense("answer conclusion result solution outcome verdict status determination")
NOT_THIS_ANSWER = sense("reference worked model expected gold sample")
DISCLOSE = sense("reveal disclose leak give-away giveaway telegraph hint betray expose presuppose spoil divulge "
                 "away slip obvious evident apparent guessable", "spell out", "let slip")
DISCLOSE_IN_CONTEXT = sense("state include contain mention show tell assert announce imply suggest present write "
                            "put say give read see spot summarise summarize recap restate repeat")
LEAK = sense("leak giveaway spoiler leakage", "give away")
CONCEAL = sense("hide conceal withhold secret hidden mask obscure unstated undisclosed", "out of")
CONTEXT = sense("context passage fact premise text document background")
COMPLETE = sense("self-contained standalone stand-alone complete sufficient exhaustive full alone sufficiency "
                 "completeness adequacy",
                 "self contain", "stand alone")
MISSING = sense("missing lacking lack absent incomplete insufficient gap unanswerable unstated unquoted unmentioned",
                "leave out", "fill in")
# Relying on what the solver already knows instead of what the context quotes.
PRESUME = sense("assume presume presuppose expect rely count suppose")
KNOW = sense("know knowledge familiar remember recall aware")
OUTSIDE = sense("beyond outside external extra besides else", "other than")
REACH = sense("reach derive deduce solve answerable reachable derivable follow")
OMIT = sense("omit drop skip cut exclude remove withhold", "leave out", "hold back", "keep back")
EVERY = sense("every all each any whole entire always")
NEEDED = sense("need require necessary needed required use cite rely depend essential")
INCLUDE = sense("include quote state give contain list provide cite reproduce have present copy")
VERIFY = sense("verify check double-check confirm validate re-derive rederive recompute proofread cross-check "
               "audit recheck re-check verification validation", "work out", "double check", "work through", "go over")
# Asking for a reference answer that is wrong on purpose, or one nobody checked.
CORRUPT = sense("flip invert reverse negate contradict falsify corrupt sabotage garble swap")
UNCHECKED = sense("unchecked unverified unconfirmed untested unvalidated unreviewed")
CORRECT = sense("correct accurate right consistent sound valid error mistake wrong incorrect")
ASSURE = sense("ensure verify check confirm", "make sure", "be sure", "make certain", "be certain")
# Verbs that put the solver to work: "stretch the solver", "challenge the models more".
TAX = sense("stretch challenge tax strain test push")
RIGHT = sense("actual genuine correct correctly accurate accurately right truthful truthfully honest honestly match fit reflect "
              "describe precise precisely faithful faithfully")
WRONG = sense("wrong incorrect incorrectly false mistaken erroneous flawed inaccurate inaccurately mislabel "
              "mislabelled mislabeled mislabelling mislabeling misclassify misclassified mismatched misleading arbitrary random whatever regardless irrespective "
              "even", "no matter")
AGENT = sense("grader judge solver reader student model verifier annotator marker evaluator reviewer checker "
              "examiner assessor")
TYPE = sense("type category kind class label classification", "question type")
LABEL = sense("label classify categorize categorise tag type mislabel mislabelled mislabeled mislabelling mislabeling")
RUBRIC = sense("rubric criterion weight scoring grading", "marking scheme", "mark scheme")
WELL_FORMED = sense("well-formed valid non-zero nonzero positive positively sensible proper consistent balanced "
                    "meaningful sound", "well formed", "non zero")
PENALTY = sense("negative penalty deduction")
MALFORMED = sense("malformed ill-formed invalid zero broken degenerate blank empty unweighted", "ill formed")
CARE = sense("careful thorough meticulous rigorous precise attentive diligent painstaking care conscientious")
PERMIT = sense("fine okay ok acceptable allowed allow welcome permit permitted may can optional")
# --- planted instructions -------------------------------------------------------------------
WEAK = sense("weak weaker small smaller tiny less-capable limited lesser cheap cheaper lightweight junior "
             "low-capacity underpowered weakest smallest", "less capable", "less able", "low capability")
SOLVER = sense("solver model system assistant ai llm agent reader student answerer")
ANSWER_VERB = sense("answer say reply respond output conclude return choose pick select default")
NO_WORD = sense("quoted-no false negative")
SURRENDER = sense("fail quit surrender abstain concede decline refuse", "give up")
INSERT = sense("insert add embed plant include put write append place slip hide tell instruct note "
               "inject mention leave sneak")
GRADER = sense("grader judge marker evaluator scorer assessor examiner reviewer grading",
               "whoever grade", "whoever mark", "whoever score", "whoever judge", "whoever assess", "whoever evaluate")
MARK = sense("mark rate score grade treat consider count judge award tick record deem")
MET = sense("met meet satisfied satisfy fulfilled fulfil fulfill true passed achieved quoted-yes full "
            "complete", "full marks", "full credit", "maximum score", "perfect score")
# --- writing guidance (orchestrator) --------------------------------------------------------
QUANTITY = sense("number count exact exactly precise precisely specific concrete quantitative numeric "
                 "numerical explicit figure quantify how-many specify", "how many")
VAGUE = sense("relative qualitative vague general loose rough roughly")
QUALITY = sense("quality qv verifier reason rejection flaw problem defect issue failure check")
DISMISS = sense("ignore disregard overlook tolerate skip excuse forgive waive aside", "no attention", "no heed", "not your concern",
                "not your job", "not your business", "not your problem")
# Switching a check off, for the QV: also "forget about it", "it does not matter", "leave it aside".
DISMISS_QV = sense("ignore disregard overlook tolerate skip excuse forgive waive aside forget unimportant disabled "
                   "deactivated suspended", "no attention", "no heed", "switch off", "turn off", "check be off",
                   "checks be off")
# ... and, negated, "don't worry about it", "it is not your concern", "it does not matter".
UNCONCERN = sense("matter important worry bother concern", "care about", "your job", "your business", "your problem")
BOLD = sense("aggressive aggressively bold boldly drastic drastically dramatic overshoot ambitious escalate")
MODEST = sense("conservative conservatively cautious cautiously gradual gradually modest modestly gentle gently "
               "incremental incrementally increment moderate moderately undershoot slowly slow", "ease off", "back off",
               "small step", "small increment", "one step at a time", "little by little")
ADDRESS = sense("address fix remedy explain respond correct resolve solve tackle cure mention repair")
# --- verifying (QV) -------------------------------------------------------------------------
RECALL = sense("recall memory memorise memorize memorisation look-up lookup trivia definition retrieval "
               "read-off", "look up", "read off", "single definition", "general knowledge", "common knowledge",
               "world knowledge", "prior knowledge", "background knowledge")
REFERENCE = sense("reference key", "reference answer", "answer key", "expected answer", "gold answer")
STRICT = sense("strict stringent rigorous harsh severe demanding conservative picky sceptical skeptical "
               "exacting tough uncompromising fussy nitpicky ruthless merciless unsparing unforgiving uncharitable "
               "intolerant", "zero tolerance", "come down hard", "hard on", "crack down", "high standard", "high bar",
               "raise the bar", "bar be raise", "bar have be raise")
LENIENT = sense("lenient generous forgiving permissive relaxed lax charitable gentle soft slack tolerance tolerant "
                "leeway latitude indulgent easygoing easy-going mild kind kindly merciful mercy", "benefit of the doubt", "go easy", "easy on", "go light", "light on",
                "light touch", "low bar", "lower the bar")
# How often a verdict is given: "rarely fail" is lenient, "fail freely" strict.
RARELY = sense("rarely seldom sparingly reluctantly infrequently hesitate hesitant reluctant", "hardly ever", "only occasionally")
# Judging a verdict wrong refuses it ("approving every sample by default is wrong").
DISAPPROVE = sense("wrong unacceptable mistake forbidden", "not acceptable")
FREELY = sense("freely readily liberally", "without hesitation", "quick to")
# Grounds of a problem that only a severe one passes: "only the most glaring problems warrant a FAIL".
SEVERE = sense("egregious glaring obvious serious severe clear major blatant flagrant gross fatal critical")
# Inspecting the sample: a check asked for when a concept is its object.
INSPECT = sense("check verify confirm ensure inspect examine review audit scrutinise scrutinize assess evaluate "
                "compare re-derive rederive recompute test screen detect catch spot double-check cross-check "
                "consider focus prioritise prioritize attention emphasise emphasize", "make sure", "look for",
                "look at", "watch for", "watch out", "work out", "be sure", "concentrate on", "attend to",
                "keep an eye", "be alert", "be wary", "guard against", "on the lookout", "look out", "rule out", "weed out",
                "screen out")
CHECK_NOUN = sense("check checks test tests", "the check")
NORM = sense("must should shall ought require required", "have to", "has to", "need to")
# What the QV writes itself: a sentence about these is about its report, not about judging.
OUTPUT = sense("explanation reason reply response comment feedback report note summary output message tone length "
               "wording language sentence prose spelling format style letter verb word font layout")
REPORTING = sense("write quote cite mention refer summarise summarize name describe explain repeat restate copy "
                  "begin start end use")
# Wording that puts a problem in the sample (a flaw) rather than its absence.
FLAWED = sense("issue problem flaw defect mistake error slip glitch imperfect imperfection off wrong incorrect "
               "malformed broken mislabel mislabelled mislabeled missing lacking leak leakage small minor slight "
               "trivial cosmetic")
# The context deciding the question before the solver does: "the context already settles the conclusion".
SETTLE = sense("settle decide determine resolve answer")
SUFFICE = sense("enough suffice sufficient adequate inadequate insufficient omission gap")
UNDECIDABLE = sense("undecidable indeterminate underdetermined unresolvable unanswerable undetermined")
QUOTED = sense("quote state give include provide contain mention supply list")
CARE_QV = sense("rigorous rigorously careful carefully thorough thoroughly meticulous meticulously diligent diligently attentive "
                "attentively scrupulous scrupulously closely painstaking care")
# Short names of the checks, as a list of them gives them ("leak, recall, rubric, sufficiency").
SHORT_NAMES = {
    "answer_leaked": sense("leak leakage leaks disclosure giveaway spoiler"),
    "recall_not_reasoning": sense("recall memory memorisation trivia lookup look-up"),
    "malformed_rubric": sense("rubric rubrics weight weights scoring"),
    "context_insufficient": sense("sufficiency insufficiency completeness self-containedness"),
    "reference_incorrect": sense("reference correctness", "answer key"),
    "type_mismatch": sense("type label category classification", "question type"),
}
ROUGHLY = sense("roughly mostly broadly", "good enough", "more or less")  # lenient only next to a verdict
PASS = sense("pass approve accept okay ok greenlight approval acceptance rubber-stamp")
FAIL = sense("fail reject flag refuse block deny rejection")
TRACE = sense("hint trace slightest whiff sign suggestion", "the least")
ZERO = sense("any even slightest least first single")
UNIVERSAL = sense("always every all each everything unconditionally regardless any anything whatever ever blanket "
                  "blindly automatically uncritically",
                  "no matter")
CONDITION = sense("unless if when whenever where only except provided")
LEAN = sense("lean err tilt favour favor")
DOUBT = sense("doubt doubtful unsure uncertain borderline unclear questionable dubious", "side of caution",
              "err on the side")
MINOR = sense("minor small trivial cosmetic slight tiny")
