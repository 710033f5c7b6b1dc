"""The acceptance rule at and around each threshold of the default (paper's CS) rule.

Default: weak mean <= 0.65, weak max <= 0.75, 0.60 <= strong mean < 0.95, no strong attempt
at 0, gap = strong mean - weak mean >= 0.20. Means are computed by the rule as
sum(scores) / len(scores); values below are chosen so each case sits where its name says,
including decimal boundaries that are not exact in binary (0.7 - 0.5 != 0.2 in floats).
"""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from harness.acceptance import AcceptanceRule, Outcome
from harness.config import ConfigError, load_config

RULE = AcceptanceRule()

# A strong set that passes every strong check against the weak sets used below (mean 0.875).
STRONG_OK = [0.875, 0.875, 0.875]


def test_default_rule_values():
    assert (RULE.weak_mean_max, RULE.weak_max_max) == (0.65, 0.75)
    assert (RULE.strong_mean_min, RULE.strong_mean_below) == (0.60, 0.95)
    assert RULE.forbid_strong_zero is True
    assert RULE.gap_min == 0.20


# --- weak check ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    "weak",
    [[0.65], [0.65, 0.65, 0.65], [0.55, 0.65, 0.75], [0.5, 0.75, 0.7]],
    ids=["single-0.65", "three-0.65", "mean-0.65-max-0.75", "mean-0.65-decimal"],
)
def test_weak_mean_at_065_passes(weak):
    assert RULE.weak_check(weak).passed


def test_weak_mean_just_above_065_fails():
    verdict = RULE.weak_check([0.6501])
    assert not verdict.passed
    assert "weak mean" in verdict.reason
    assert not RULE.weak_check([0.6501, 0.6501, 0.6501]).passed


def test_weak_max_at_075_passes_just_above_fails():
    assert RULE.weak_check([0.75, 0.5, 0.5]).passed  # mean 0.583, max 0.75
    verdict = RULE.weak_check([0.7501, 0.5, 0.5])  # mean 0.583, max above 0.75
    assert not verdict.passed
    assert "weak max" in verdict.reason


def test_weak_check_needs_scores():
    with pytest.raises(ValueError):
        RULE.weak_check([])


# --- strong check -------------------------------------------------------------------------

def test_strong_mean_exactly_095_fails():
    # Binary-exact single value, and the three-attempt mean (0.9499999999999998 in floats).
    for strong in ([0.95], [0.95, 0.95, 0.95], [0.9, 0.95, 1.0]):
        verdict = RULE.strong_check([0.25], strong)
        assert not verdict.passed, strong
        assert ">= 0.95" in verdict.reason


def test_strong_mean_just_below_095_passes():
    assert RULE.strong_check([0.25], [0.9499]).passed
    assert RULE.strong_check([0.25], [0.9499, 0.9499, 0.9499]).passed


def test_strong_mean_at_060_passes_just_below_fails():
    assert RULE.strong_check([0.25], [0.6]).passed
    assert RULE.strong_check([0.25], [0.6, 0.6, 0.6]).passed
    assert RULE.strong_check([0.25], [0.5, 0.6, 0.7]).passed
    verdict = RULE.strong_check([0.25], [0.5999])
    assert not verdict.passed
    assert "< 0.60" in verdict.reason


def test_gap_exactly_020_passes_binary_exact():
    # 0.625 - 0.425 is not exact, but 0.65 - 0.45 == 0.2 exactly in floats; both means exact.
    assert 0.65 - 0.45 == 0.2
    assert RULE.strong_check([0.45], [0.65]).passed


def test_gap_exactly_020_in_decimal_passes():
    # 0.7 - 0.5 == 0.19999999999999996 in floats; a gap of 0.20 must still meet "gap >= 0.20".
    assert 0.7 - 0.5 < 0.2
    assert RULE.strong_check([0.5, 0.5, 0.5], [0.7, 0.7, 0.7]).passed
    assert RULE.decide([0.5, 0.5, 0.5], [0.7, 0.7, 0.7])[0] is Outcome.ACCEPTED


def test_gap_just_below_020_fails():
    verdict = RULE.strong_check([0.5], [0.6999])
    assert not verdict.passed
    assert verdict.reason.startswith("gap ")


def test_a_strong_attempt_at_zero_fails_even_with_good_mean():
    # mean 0.7 (in range), gap 0.45, but one attempt scored 0
    verdict = RULE.strong_check([0.25], [1.0, 1.0, 0.0, 0.8])
    assert not verdict.passed
    assert verdict.reason == "a strong attempt scored 0"
    lenient = AcceptanceRule(forbid_strong_zero=False)
    assert lenient.strong_check([0.25], [1.0, 1.0, 0.0, 0.8]).passed


def test_strong_check_needs_scores():
    with pytest.raises(ValueError):
        RULE.strong_check([0.2], [])


# --- decide -------------------------------------------------------------------------------

def test_decide_too_easy_does_not_need_strong_scores():
    outcome, reason = RULE.decide([0.9, 0.8, 0.7], None)
    assert outcome is Outcome.TOO_EASY
    assert reason == "weak mean 0.80 > 0.65"


def test_decide_failed_on_strong():
    assert RULE.decide([0.25, 0.25, 0.25], [0.5, 0.5, 0.5])[0] is Outcome.FAILED_ON_STRONG  # strong too low
    assert RULE.decide([0.5, 0.5, 0.5], [0.625, 0.625, 0.625])[0] is Outcome.FAILED_ON_STRONG  # gap 0.125
    assert RULE.decide([0.25], [1.0, 1.0, 1.0])[0] is Outcome.FAILED_ON_STRONG  # strong mean 1.0 >= 0.95


def test_decide_accepted():
    outcome, reason = RULE.decide([0.25, 0.5, 0.0], STRONG_OK)
    assert outcome is Outcome.ACCEPTED
    assert reason == "accepted (gap 0.62)"


def test_decide_requires_strong_when_weak_passes():
    with pytest.raises(ValueError, match="strong scores are required"):
        RULE.decide([0.25], None)


# --- the rule as configuration ------------------------------------------------------------

def test_custom_rule_from_yaml_changes_decisions(write_yaml):
    path = write_yaml(
        "guarded:\n"
        "  acceptance:\n"
        "    weak_mean_max: 0.85\n"
        "    weak_max_max: 1.0\n"
        "    gap_min: 0.05\n"
    )
    custom = load_config(path).guarded.acceptance
    weak, strong = [0.75, 0.75, 0.75], [0.875, 0.875, 0.875]
    assert RULE.decide(weak, strong)[0] is Outcome.TOO_EASY
    assert custom.decide(weak, strong)[0] is Outcome.ACCEPTED
    # ...and a stricter gap turns an accepted sample away
    strict = load_config(write_yaml("guarded:\n  acceptance:\n    gap_min: 0.7\n")).guarded.acceptance
    assert RULE.decide([0.25], STRONG_OK)[0] is Outcome.ACCEPTED
    assert strict.decide([0.25], STRONG_OK)[0] is Outcome.FAILED_ON_STRONG


def test_custom_rule_changes_the_harness_hash(write_yaml):
    default = load_config(write_yaml("seed: 0\n"))
    custom = load_config(write_yaml("guarded:\n  acceptance:\n    gap_min: 0.3\n"))
    assert default.harness_hash() != custom.harness_hash()


def test_invalid_rule_rejected():
    with pytest.raises(ValidationError, match="strong_mean_min must be below strong_mean_below"):
        AcceptanceRule(strong_mean_min=0.9, strong_mean_below=0.9)
    with pytest.raises(ValidationError):
        AcceptanceRule(strong_mean_min=0.95, strong_mean_below=0.6)
    with pytest.raises(ValidationError):
        AcceptanceRule(weak_mean_max=1.5)
    with pytest.raises(ValidationError):
        AcceptanceRule(unknown_threshold=0.3)


def test_invalid_rule_in_yaml_names_file_and_field(write_yaml):
    path = write_yaml("guarded:\n  acceptance:\n    strong_mean_min: 0.9\n    strong_mean_below: 0.8\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert str(path) in message
    assert "guarded.acceptance" in message
    assert "strong_mean_min must be below strong_mean_below" in message
