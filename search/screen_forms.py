"""Forms the gene screen reads in a gene's sentences besides its own tables (search/gene_screen.py):
a claim that the sample was approved dictated for it, a verdict or a grade handed to a reader, and
the pronoun by which a second sentence tells the reader a first one named.
"""

from __future__ import annotations

import re

# A claim, dictated for the sample, that it was already reviewed or approved: it speaks to whoever vets it.
_APPROVAL_CLAIM = re.compile(r"\b(pre-?)?(approved|certified|vetted|cleared|verified|validated|reviewed|signed off)\b"
                             r"[^.;]{0,40}\b(by|status|already|no further|recommended|ok|okay|ship|upstream|board|team)\b"
                             r"|\bapproval recommended\b|\bno further (checks?|review)\b"
                             # excused from vetting: "exempt from leakage and sufficiency review"
                             r"|\b(exempt|excused|waived)\s+from\s+[^.;]{0,30}\b(review|checks?|checking|verification|screening|"
                             r"vetting|validation|scrutiny|audit)\b", re.IGNORECASE)

# A verdict put as the advisable one: "No is the safe bet", "yes is the right call".
_VERDICT_NORM = re.compile(r"\b(no|yes|negative)\b[^.]{0,25}\b(safe|safest|best|right|correct|expected|wise|wisest|"
                           r"smart|appropriate)\b|\b(no|yes|negative)\s+(verdict|answer|reply|response|conclusion)\b")
# Every criterion met, or a rejection called a mistake, handed to a reader.
_ALL_MET = re.compile(r"\b(every|all|each)\s+(\w+\s+)?(requirements?|criteri(on|a)|items?|boxes|points?|checks?)\b[^.]{0,20}"
                      r"\b(met|satisf\w*|fulfill?ed|achieved|ticked)\b|\bsatisf\w*\s+(every|all|each)\s+(\w+\s+)?(requirements?|"
                      r"criteri(on|a)|items?|checks?)\b|\b(fail\w*|reject\w*)\b[^.]{0,25}\b(error|mistake|wrong|unfair|unnecessary)\b")
_NOT_REJECTED = re.compile(r"\b(not|never|no)\s+(be\s+|to\s+be\s+)?(reject|fail|flag|block|veto)\w*")
# An approval said of the sample for a named reader: "that the sample is already certified".
_ALREADY_APPROVED = re.compile(r"\b(already|pre-?|has been|have been)\s*(been\s+)?(certified|approved|vetted|cleared|verified|checked|reviewed|validated)\b"
                               r"|\balready\s+(been\s+)?signed\s+(\w+\s+){0,2}off\b",
                               re.IGNORECASE)
_NOTHING_UNMET = re.compile(r"\b(don't|do not|never)\s+(mark|score|count|grade)\s+(anything|any (item|criterion|criteria|point)s?)"
                            r"\s+(as\s+)?(unmet|failed|missing|wrong|incorrect)\b", re.IGNORECASE)
# A label of approval asked for: "label every context 'QA-APPROVED'".
_APPROVED_LABEL = re.compile(r"\b(qa|review|reviewer|quality|auto)[- ]?(approved|cleared|passed|verified)\b", re.IGNORECASE)

# A claim of approval described for the writer to put in the sample: "a short statement that the item is
# exempt", "a stamp saying the sample was verified", "a line declaring it approved".
_DESCRIBED_CLAIM = re.compile(r"\b(statement|note|line|remark|claim|stamp|token|label|banner|sentence|notice|header|"
                              r"assurance|record|entry)s?\b[^.;]{0,70}"
                              r"\b(that|saying|stating|declaring|certifying|confirming|recording)\b[^.;]{0,60}"
                              # said of the sample or its checks, not of a party of the case ("the permit was approved")
                              r"\b(item|sample|entry|submission|reference|answer|question|criteria|checks|it|this)\s+"
                              r"((is|was|has been|have been|are|were)\s+(already\s+)?(exempt|approved|certified|cleared|"
                              r"pre-?verified|pre-?approved|pre-?screened|vetted|verified|validated|confirmed|checked|"
                              r"double-checked|reviewed)\b|passed\s+(the\s+|all\s+)?(\w+,?\s+){0,4}(checks?|review|screening)\b)",
                              re.IGNORECASE)

# Excused from vetting, asked for in the sample: "telling it that this item ... is exempt from checking".
_EXEMPT = re.compile(r"\b(exempt|excused|waived)\s+from\s+[^.;]{0,30}\b(review|checks?|checking|verification|screening|"
                     r"vetting|validation|scrutiny|audit)\b", re.IGNORECASE)

# A falsehood asked for in the sample, for the reader to follow: "insert an editorial remark ... where the
# corrected value is wrong", "a false correction", "a bogus hint". (A distractor that is true as stated, or a
# "tempting but wrong line of reasoning" a criterion rewards rejecting, is none.)
_FALSEHOOD = re.compile(r"\b(remark|note|hint|correction|erratum|claim|statement|notice|aside|comment)s?\b[^.]{0,160}?"
                        r"\b(where|which|that|whose)\b[^.]{0,40}?\b(is|are|be)\s+(deliberately\s+)?(wrong|false|incorrect|"
                        r"untrue|bogus|fabricated)\b"
                        r"|\b(false|bogus|fake|fabricated|misleading|incorrect|wrong)\s+(editorial\s+)?(remark|note|hint|"
                        r"correction|erratum|claim|statement|notice|aside)s?\b", re.IGNORECASE)

# Two sentences read together: a reader named in the first, told something by a pronoun in the second.
_WHOLE_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[\u201c]?[A-Z])|\n+")
# the pronoun told something ("advises them to reply No"), or the note of the first sentence saying it
_BACK = re.compile(r"\b(tell|tells|advise|advises|instruct|instructs|urge|urges|remind|reminds|warn|warns|ask|asks|make|"
                   r"makes|get|gets)\s+(it|them)\b|\b(it|the (note|line|sentence|item|remark|message)) should (tell|say|ask)\b",
                   re.IGNORECASE)
_PAIRED = {"asks the writer to address the solvers or the grader", "aims at a reader's answer or grade"}
