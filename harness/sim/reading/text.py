"""Instruction text as sentences of lemmatised tokens, with numbers and negation scope marked.

The general-English layer of the reader: nothing here knows the world's concepts. A sentence is
split into tokens (words, digits, punctuation), each token carries every lemma ``lemminflect``
gives it (any part of speech, so "steps" is both the noun and the verb *step*), its degree
("harder" -> *hard*, comparative) and its value when it is a number ("five", "5", "a dozen").
Clause boundaries (punctuation, "but", "however", "if", "when", "rather than", a comma or "and"
that starts a new command) end the scope of a negation:

- verbal negation ("not", "never", "n't", "nobody", "unwelcome", "forbidden") covers its whole
  clause, before and after it ("the answer must not be revealed"), but one inside a relative
  clause stays there ("rules that do not apply", "a sample where rules are not given", "any rule you
  have not quoted") and ends where
  the main verb's modal resumes ("a sample whose type does not fit | must be failed");
- a negated necessity ("need not", "there is no need to", "it is not necessary to", "does not
  have to") is read as one verbal negation whose clause is marked *relaxed* (permitted not to,
  rather than forbidden); "play no part", "have no place" negate their clause like "not";
- a negating word ("no", "without", "avoid", "skip", "forget", "instead of", "rather than",
  "steer clear of", "away from", "-free") covers what follows it, up to the end of its clause or
  a coordinated new command; as a passive participle it covers its subject ("exceptions should
  be avoided"); "leave / keep X out" covers X; "neither X nor Y" is one negation over both;
  a label's "none" ("Exceptions: none") covers the label.

Words that look negative but are not ("answer No", "respond with No", "no more than", "no
matter", "not a problem", "yes/no") are shielded. A word built on "over-" ("oversimplify",
"overlong") carries its stem's lemmas and the pseudo-lemma *too*: an excess. A colon after a
short label ("Depth: 6", "No padding:") keeps the label in the sentence's scope; after a command
("Avoid mislabelling:", "Inspect the rubric: no zero weights" - a verb that is not also a noun)
it ends the clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from lemminflect import getAllLemmas, getAllLemmasOOV

from harness.sim.reading.numerals import CARDINALS, NUMBER_WORDS, read_numbers

IRREGULAR_DEGREE = {
    "more": ("much", "comp"), "most": ("much", "sup"), "less": ("little", "comp"), "least": ("little", "sup"),
    "fewer": ("few", "comp"), "fewest": ("few", "sup"), "better": ("good", "comp"), "best": ("good", "sup"),
    "worse": ("bad", "comp"), "worst": ("bad", "sup"), "further": ("far", "comp"), "farther": ("far", "comp"),
}
VERBAL_NEGATORS = frozenset({"not", "never", "neither", "nobody", "needless", "unwelcome", "unwanted", "undesirable", "forbidden",
                             "prohibited", "banned", "discouraged", "unacceptable", "disallowed"})
PREFIX_NEGATORS = frozenset({
    "no", "without", "avoid", "refrain", "skip", "exclude", "eliminate", "prevent", "forbid", "prohibit",
    "ban", "none", "nothing", "stop", "cease", "forget", "neglect", "drop", "remove", "shun", "abstain", "ditch", "forgo", "lack",
    "rather than", "instead of", "free of", "other than", "in place of", "steer clear of", "stay away from",
    "keep away from", "get rid of", "keep clear of", "do away with", "leave out", "cut out", "keep out", "nor",
    "away from", "strip out", "weed out", "take out", "delete", "prune", "purge", "fail to",
})
# Words that begin a new command or statement after a comma or "and"/"or": they end a scope.
STARTERS = frozenset({
    "do", "make", "use", "add", "include", "keep", "write", "ask", "give", "ensure", "put", "require", "label",
    "verify", "check", "state", "aim", "prefer", "try", "let", "have", "be", "cross", "insert", "plant",
    "mention", "reveal", "tell", "instruct", "mark", "fail", "pass", "reject", "flag", "avoid", "never",
    "always", "please", "it", "they", "you", "we", "this", "the", "each", "every", "then", "also", "not",
    "so", "but", "should", "must", "can", "may", "will", "would", "could", "need", "want", "double-check",
    "confirm", "leave", "stop", "skip", "omit", "introduce", "embed", "provide", "quote", "list", "cite",
    "name", "set", "target", "go", "push", "raise", "lower", "reduce", "increase", "limit", "cap", "allow",
    "favour", "favor", "stick", "steer", "vary", "more", "fewer", "less", "many", "several", "few", "at",
})
CLAUSE_WORDS = frozenset({"but", "yet", "however", "although", "though", "whereas", "while", "because", "since",
                          "if", "when", "whenever", "unless", "once"})
PUNCT_BREAKS = frozenset({";", ":", "(", ")", "?", "!", "—", "–"})
ANSWER_VERBS = frozenset({"answer", "say", "reply", "respond", "output", "conclude", "return", "choose",
                          "pick", "select", "default"})
_NUMBER_ALT = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
_CARDINAL_ALT = "|".join(sorted((w for w, v in CARDINALS.items() if w not in ("single", "twice", "once", "thrice")), key=len, reverse=True))
_RELATIVE = frozenset({"that", "which", "who", "whose", "whom", "where"})
_OVER_VERBS = frozenset({"simplify", "complicate", "engineer", "extend", "stretch", "elaborate", "reach"})
_NOT_OVER = frozenset({"all", "come", "look", "ride", "view", "see", "head", "time", "lap", "turn", "night", "sight"})
_PRONOUNS = frozenset({"you", "they", "we", "he", "she", "i"})
_NOUNISH = frozenset({"rule", "provision", "fact", "definition", "thing", "anything", "everything", "something",
                      "sentence", "detail", "step", "answer", "question", "sample", "clause", "condition", "word"})
_MODALS = frozenset({"must", "should", "shall", "will", "would", "can", "may", "might", "ought"})
_ROLE_NOUNS = frozenset({"part", "place", "role", "room", "bearing", "say", "business"})
_DEGREE_PREPS = frozenset({"below", "under", "beneath", "beyond", "past"})
_COPULAS = frozenset({"is", "are", "was", "were", "be"})
_CLEFT_HEADS = frozenset({"what", "something", "exactly", "precisely", "the", "a", "one", "to"})
_QUANTITY_STARTERS = frozenset({"more", "fewer", "less", "many", "several", "few", "at"})
_PHRASE_NEGATORS = tuple(tuple(p.split()) for p in PREFIX_NEGATORS if " " in p)
_SHIELDED = (("no", "more", "than"), ("not", "more", "than"), ("no", "fewer", "than"), ("not", "fewer", "than"),
             ("no", "less", "than"), ("not", "less", "than"), ("no", "longer", "than"), ("no", "shorter", "than"),
             ("not", "longer", "than"), ("no", "greater", "than"), ("no", "matter"), ("not", "only"),
             ("no", "deeper", "than"), ("not", "exceeding"), ("no", "doubt"), ("without", "doubt"), ("without", "a", "doubt"))

_TOKEN_RE = re.compile(r"\d+\+?|[a-z]+(?:-[a-z]+)*|[.,;:()?!—–\"]")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+|\n+|(?<=\S)\s+-\s+")


@dataclass(frozen=True)
class Token:
    word: str
    lemmas: frozenset[str]
    degree: str = ""  # "comp" | "sup" | ""
    number: int | None = None
    ordinal: bool = False  # the number is a position ("the fifth step"), not a count
    neg: int = 0  # negations whose scope covers this token (odd = negated)
    shielded: bool = False  # a negative-looking word that does not negate here
    clause: int = 0  # index of the clause within its sentence
    relaxed: bool = False  # under a negated necessity ("need not"): permitted not to, not forbidden

    def is_(self, words: frozenset[str]) -> bool:
        return not self.lemmas.isdisjoint(words)

    @property
    def negated(self) -> bool:
        return self.neg % 2 == 1


@lru_cache(maxsize=8192)
def lemmas_of(word: str) -> tuple[frozenset[str], str]:
    """(every lemma of ``word`` under any part of speech, its degree)."""
    if word in IRREGULAR_DEGREE:
        base, degree = IRREGULAR_DEGREE[word]
        return frozenset({word, base}), degree
    if "-" in word:  # a compound keeps its own form and its last part's lemmas ("multi-step" -> step)
        prefix, last = word.rsplit("-", 1)
        head, _ = lemmas_of(last)
        return frozenset({word, word.replace("-", " "), *head, *(f"{prefix}-{h}" for h in head)}), ""
    if word.startswith("over") and len(word) > 7 and word[4:] not in _NOT_OVER:
        stem = getAllLemmas(word[4:])
        if "ADJ" in stem or stem.get("VERB", ("",))[0] in _OVER_VERBS:
            # "oversimplify", "overlong", "overcomplicated": the stem's sense judged excessive, as "too simple"
            own = getAllLemmas(word) or getAllLemmasOOV(word, "VERB")
            lemmas = {word, "too", *(x for v in stem.values() for x in v), *(x for v in own.values() for x in v)}
            return frozenset(lemmas), ""
    found = getAllLemmas(word) or getAllLemmasOOV(word, "NOUN")
    out = {word, *(lemma for options in found.values() for lemma in options)}
    if not getAllLemmas(word):
        out.update(lemma for options in getAllLemmasOOV(word, "VERB").values() for lemma in options)
    degree = ""
    for pos in ("ADJ", "ADV"):
        for lemma in found.get(pos, ()):
            if lemma != word and word.endswith(("er", "est")) and word[:3] == lemma[:3]:
                degree = "comp" if word.endswith("er") else "sup"
    return frozenset(out), degree


def _normalise(text: str) -> str:
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    text = re.sub(r"\b(won)'t\b", "will not", text)
    text = re.sub(r"\b(can)'t\b|\bcannot\b", "can not", text)
    text = re.sub(r"n't\b", " not", text)
    text = re.sub(r"\b([a-z]+)-free\b", r"free of \1", text)  # "leak-free" -> "free of leak"
    text = re.sub(r"(?<=[a-z])'s\b", "", text)  # possessives read as the noun
    text = re.sub(r"\b(?:not an? (?:problem|issue|concern)|no problem)\b", "fine", text)
    text = re.sub(r"\bnothing (?:but|other than|except|besides)\b", "only", text)
    text = re.sub(r"\bno one\b", "nobody", text)
    text = re.sub(r"\byes ?/ ?no\b|\byes-or-no\b|\byes or no\b", "yes-no", text)  # a question form, not a negation
    text = re.sub(r"\b(?:has|have|had|having) (?:nothing|little) to do with\b", "do not bear on", text)
    text = re.sub(r"\b(?:beside|off) the point\b|\boff topic\b", "beside-the-point", text)
    # A named conditional clause ('an "except where" clause', '"unless" conditions') is an exception.
    text = re.sub(r"[\"']?\b(?:unless|except(?: where| when| if)?|save where|provided that)[\"']?[ -]"
                  r"(?:clause|condition|proviso|exception|case)(s?)\b", r"unless-clause\1", text)
    text = re.sub(r"\"(?:unless|except)\"", "unless-clause", text)
    # "other than the true one", "different from the correct label": a wrong one
    text = re.sub(r"\b(?:other than|different from|besides) the (?:true|correct|right|actual|real|proper|accurate|"
                  r"appropriate) (?:one|type|label|answer|category)\b", "that is wrong", text)
    text = re.sub(r"\b(?:let|wave)s? ((?:\w+ ){0,3}?)through\b", r"pass \1", text)  # "let the sample through"
    # Negated necessity ("need not", "it is not necessary to", "there is no need to", "does not
    # have to") relaxes a demand rather than forbidding it: one marker word, read in ``tokens``.
    text = re.sub(r"\b(?:(?:there|it) (?:is|was) )?no (?:need|requirement|obligation) (?:to|for)\b"
                  r"|\b(?:need|needs) not\b|\b(?:do|does|did|will|should) not (?:need|have|has) to\b"
                  r"|\b(?:it|this) (?:is|was) not (?:necessary|required|essential|mandatory|obligatory)(?: (?:to|for|that))?\b"
                  r"|\b(?:is|are|be) not (?:required|obliged|necessary) to\b|\bnot necessarily\b", "needless", text)
    text = re.sub(r"(\d+)\s*(?:-|–|to)\s*(\d+)", r"\1 to \2", text)
    text = re.sub(rf"\b({_CARDINAL_ALT})\s*[-–]\s*({_CARDINAL_ALT})\b", r"\1 to \2", text)  # "two-three steps"
    text = re.sub(rf"\b({_NUMBER_ALT}|\d+) or so\b", r"about \1", text)  # "three or so": about three
    text = re.sub(r"\ban? ([a-z]+) or (two|three)\b", r"one or \2 \1", text)  # "a step or two": one or two steps
    text = re.sub(rf"\b({_NUMBER_ALT})-(?=[a-z])", r"\1 ", text)  # "five-step" -> "five step"
    text = re.sub(r"'(yes|no)'|\"(yes|no)\"", lambda m: f"quoted-{m.group(1) or m.group(2)}", text)
    text = re.sub(r"\bno(?=\s*(?:[.!;]|$))", "quoted-no", text)  # a closing "No" is the answer word
    text = re.sub(r"\"([a-z\- ]{1,30})\"", r"\1", text)  # a quoted word or two reads as the words
    return text


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_RE.split(_normalise(text)) if s.strip()]


def _match(words: list[str], i: int, phrase: tuple[str, ...]) -> bool:
    return tuple(words[i:i + len(phrase)]) == phrase


def _labels(words: list[str]) -> bool:
    """The sentence opens with a short label ("Depth:", "No padding:"), not a command ("Inspect the rubric:")."""
    if words[0] in STARTERS or words[0] != "no" and lemmas_of(words[0])[0] & PREFIX_NEGATORS:
        return False
    pos = getAllLemmas(words[0])
    return not ("VERB" in pos and "NOUN" not in pos)


def _breaks(words: list[str]) -> list[bool]:
    """Whether a clause ends before token i."""
    out = [False] * len(words)
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        new_command = nxt in STARTERS or nxt in CLAUSE_WORDS
        # "Depth: 6", "Exceptions: none" (a label, not a command: "Avoid mislabelling: ..." breaks)
        label = w == ":" and i <= 3 and _labels(words)
        out[i] = not label and (
            w in PUNCT_BREAKS or w in CLAUSE_WORDS or w == '"'
            or w == "," and (new_command or nxt in ("and", "or"))
            or w in ("and", "or") and new_command and not (w == "or" and nxt in _QUANTITY_STARTERS)
            or _match(words, i, ("rather", "than")) or _match(words, i, ("instead", "of"))
        )
    return out


def _cleft(words: list[str], clause_of: list[int], shielded: list[bool], neg: list[int]) -> None:
    """"X is what we want to avoid", "X is something to steer clear of": a negating verb that ends
    its clause with nothing after it to negate covers the subject before the copula."""
    n = len(words)
    for i, w in enumerate(words):
        last = i + 1 >= n or clause_of[i + 1] != clause_of[i] or words[i + 1] in PUNCT_BREAKS | {".", ","}
        if shielded[i] or not last or " " in w or not lemmas_of(w)[0] & PREFIX_NEGATORS or w in ("none", "nothing", "no"):
            continue
        copula = next((k for k in range(i - 1, -1, -1) if clause_of[k] == clause_of[i] and words[k] in _COPULAS
                       and k + 1 < i and words[k + 1] in _CLEFT_HEADS), None)
        if copula is not None:
            for j in range(copula):
                if clause_of[j] == clause_of[i]:
                    neg[j] += 1


@lru_cache(maxsize=4096)
def tokens(sentence: str) -> tuple[Token, ...]:
    """The sentence's tokens with lemmas, numbers, clause index and negation counts."""
    words = _TOKEN_RE.findall(sentence)
    n = len(words)
    shielded = [False] * n
    for i in range(n):
        for phrase in _SHIELDED:
            if _match(words, i, phrase):
                shielded[i] = True
        answered = i > 0 and lemmas_of(words[i - 1])[0] & ANSWER_VERBS or i > 1 and words[i - 1] in (
            "with", "simply", "just", "only") and lemmas_of(words[i - 2])[0] & ANSWER_VERBS  # "respond with No"
        if words[i] == "no" and answered and (i + 1 >= n or words[i + 1] not in ("more", "fewer", "less", "longer")):
            shielded[i] = True  # "answer No", "with No": the answer word, not a negation
            words[i] = "quoted-no"
    breaks = _breaks(words)
    clause_of, clause = [], 0
    for i in range(n):
        clause += breaks[i]
        clause_of.append(clause)
    neg = [0] * n
    inside = -1  # the end of the last phrase negator: "keep away from" is one negation, not two
    for i, w in enumerate(words):
        if shielded[i] or i < inside:
            continue
        lem = lemmas_of(w)[0]
        span = max((len(p) for p in _PHRASE_NEGATORS if _match(words, i, p)), default=0)
        inside = i + span
        if w == "no" and i + 1 < n and words[i + 1] in _ROLE_NOUNS and i and words[i - 1] not in ("with", "and", ","):
            w = "not"  # "should play no part", "have no place": the clause's predicate is negated
        if w == "nor" and any(words[k] in VERBAL_NEGATORS | PREFIX_NEGATORS for k in range(i) if clause_of[k] == clause_of[i]):
            continue  # "neither X nor Y", "no X nor Y": one negation over both
        if i >= 2 and words[i - 1] == ":" and i - 1 <= 3 and _labels(words) and w in ("none", "no", "quoted-no", "zero", "never",
                                                                               "nothing"):
            for j in range(i - 1):
                neg[j] += 1  # "Exceptions: none."
            continue
        if lem & PREFIX_NEGATORS and w.endswith("ed") and any(lemmas_of(words[k])[0] & {"be"} for k in range(max(0, i - 2), i)):
            for j in range(i):  # passive: "exceptions should be avoided" negates its subject
                if clause_of[j] == clause_of[i]:
                    neg[j] += 1
            continue
        if w in VERBAL_NEGATORS:
            # The whole clause, but a negation inside a relative clause ("rules that do not apply")
            # stays inside it.
            start = max((k for k in range(i) if words[k] in _RELATIVE and clause_of[k] == clause_of[i]), default=0)
            # a relative clause without its pronoun: "any rule you have not quoted"
            subject = next((k for k in range(i - 1, max(0, i - 3) - 1, -1) if words[k] in _PRONOUNS), None)
            if subject and subject > 1 and clause_of[subject] == clause_of[i] and words[subject - 1] not in _PRONOUNS \
                    and lemmas_of(words[subject - 1])[0] & _NOUNISH:
                start = max(start, subject)
            # ... and ends where the main verb resumes ("a sample whose type does not fit | must be failed")
            end = next((k for k in range(i + 2, n) if start and words[k] in _MODALS), n)
            for j in range(start, end):
                if clause_of[j] == clause_of[i] and j != i:
                    neg[j] += 1
        elif not span and i + 1 < n and (words[i + 1] in _DEGREE_PREPS or w in ("drop", "cut") and words[i + 1] in ("to", "by")):
            continue  # "drop below four steps", "cut to three": a change of degree, not a removal
        elif span or (lem & PREFIX_NEGATORS and w not in ("drops", "lacking")):
            # A negating word covers what follows, to the end of its clause.
            start = i + max(span, 1)
            end = start
            while end < n and clause_of[end] == clause_of[i]:
                end += 1
            for j in range(start, end):
                neg[j] += 1
    for i, w in enumerate(words):  # "leave the exceptions out": what stands between is excluded
        if lemmas_of(w)[0] & {"leave", "keep"} and not shielded[i]:
            out_at = next((k for k in range(i + 2, min(n, i + 7)) if words[k] == "out" and clause_of[k] == clause_of[i]), None)
            if out_at is not None:
                for j in range(i + 1, out_at):
                    neg[j] += 1
    _cleft(words, clause_of, shielded, neg)
    relaxed = {clause_of[i] for i, w in enumerate(words) if w == "needless"}
    out = []
    numbers, ordinal = read_numbers(words)
    for i, w in enumerate(words):
        lem, degree = lemmas_of(w)
        number = numbers[i]
        if number == 0:
            lem = lem | {"zero"}  # "a weight of 0"
        out.append(Token(w, lem, degree, number, ordinal[i], neg[i], shielded[i], clause_of[i], clause_of[i] in relaxed))
    return tuple(out)


@lru_cache(maxsize=1024)
def analyse(text: str) -> tuple[tuple[Token, ...], ...]:
    """Every sentence of ``text`` as its tokens."""
    return tuple(tokens(s) for s in sentences(text))
