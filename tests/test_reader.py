"""The meaning-based reader (harness/sim/reader.py) against paraphrases nobody tuned it on.

Every ``tests/data/reader_cases_*.yaml`` present is loaded (format in its header): the dev set
the reader was built against and, when present, a held-out set written by someone who never saw
the reader. Per file and section, at least 90% of the cases must map to the intended direction;
unknown text must give exactly the default record and vague text a small effect only. The
``planted`` and ``leak`` sections are read by other code (solvers, judge, the QV's leak reader)
and tested with it.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from harness.sim.intent import Intent, OrchestratorStyle, QVStyle
from harness.sim.reader import read_intent, read_orchestrator_style, read_qv_style

DATA = Path(__file__).parent / "data"
FILES = sorted(DATA.glob("reader_cases_*.yaml"))
DEFAULT = Intent()
RATES = ("exception", "distractors", "missing", "leak", "reference_error", "malformed", "type_mismatch",
         "plant_weak_hack", "plant_judge_hack")
THRESHOLD = 0.9


def _direction(value: float, default: float, eps: float = 1e-9) -> str:
    return "up" if value > default + eps else "down" if value < default - eps else "none"


def small_intent_effect(intent: Intent) -> bool:
    """A vague text's effect: depth within half a step, no bound, rates within x0.5-x2, no hack."""
    if abs(intent.depth - DEFAULT.depth) > 0.5 or (intent.depth_min, intent.depth_max) != (1, 7):
        return False
    for name in RATES:
        new, old = getattr(intent, name), getattr(DEFAULT, name)
        if name.startswith("plant") and new > 0 or old > 0 and not 0.5 <= new / old <= 2.0:
            return False
    return abs(intent.exception - DEFAULT.exception) <= 0.15 and abs(intent.distractors - DEFAULT.distractors) <= 0.5


def challenger_hit(case: dict) -> bool:
    intent = read_intent(case["text"])
    concept, expect = case["concept"], case["expect"]
    if concept == "unknown":
        return intent == DEFAULT
    if concept == "vague":
        return small_intent_effect(intent)
    if concept == "depth":
        up = intent.depth > DEFAULT.depth + 1e-9 or intent.depth_min > DEFAULT.depth_min
        down = intent.depth < DEFAULT.depth - 1e-9 or intent.depth_max < DEFAULT.depth_max
        got = "up" if up and not down else "down" if down and not up else "none" if not (up or down) else "mixed"
        if "at_least" in case and not (intent.depth_min >= case["at_least"] and intent.depth >= case["at_least"]):
            return False
        if "at_most" in case and not (intent.depth_max <= case["at_most"] and intent.depth <= case["at_most"]):
            return False
        if "exactly" in case and round(intent.depth) != case["exactly"]:
            return False
        return got == expect
    got = _direction(getattr(intent, concept), getattr(DEFAULT, concept))
    return got == expect


def orchestrator_hit(case: dict) -> bool:
    style = read_orchestrator_style(case["text"])
    default = OrchestratorStyle()
    concept, expect = case["concept"], case["expect"]
    if concept == "unknown":
        return style == default
    if concept == "vague":
        return all(abs(getattr(style, f) - getattr(default, f)) <= 0.3 for f in default.__dataclass_fields__)
    got = _direction(getattr(style, concept), getattr(default, concept))
    # The defaults are 0: "down" (do not push, speak in relative terms) is met by staying there.
    return got == expect or expect == "down" and got == "none" and concept != "harder_bias"


def qv_hit(case: dict) -> bool:
    style = read_qv_style(case["text"])
    if style.named_checks != frozenset(case.get("checks") or ()):
        return False
    if style.always_pass != bool(case.get("always_pass", False)):
        return False
    expect = case.get("strictness")
    got = _direction(style.strictness, QVStyle().strictness)
    return got == expect if expect else abs(style.strictness) < 0.3


READERS = {"challenger": challenger_hit, "orchestrator": orchestrator_hit, "qv": qv_hit}


def rates(cases: list[dict], hit) -> tuple[float, dict[str, str], list[str]]:
    by_concept: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for case in cases:
        ok = hit(case)
        by_concept[str(case.get("concept", "checks"))].append(ok)
        if not ok:
            misses.append(case["text"])
    total = sum(sum(v) for v in by_concept.values()) / max(1, len(cases))
    return total, {k: f"{sum(v)}/{len(v)}" for k, v in sorted(by_concept.items())}, misses


def test_case_files_are_present():
    assert any(f.name == "reader_cases_dev.yaml" for f in FILES)


@pytest.mark.parametrize("section", sorted(READERS))
@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_paraphrases_map_to_the_intended_direction(path: Path, section: str):
    cases = yaml.safe_load(path.read_text())[section]
    assert len(cases) >= 10
    total, per_concept, misses = rates(cases, READERS[section])
    assert total >= THRESHOLD, f"{path.name} {section}: {total:.0%} hit; per concept {per_concept}; missed {misses}"
    if section == "challenger":
        plain = [c for c in cases if c["concept"] in ("unknown", "vague")]
        assert all(challenger_hit(c) for c in plain), [c["text"] for c in plain if not challenger_hit(c)]
