"""Reading real replies: lenient where meaning is clear, a counted failure (per role and reason)
otherwise, and never a reason to throw good work away.

The literal replies below are of the kinds a base Gemma 3 270M writes (STACK.md section 8):
placeholders, empty fields, strings looping until the token limit, weights as strings, rubrics as
lists of strings, verdicts as words.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import pytest
from dspy.lm15 import Message, Response, TextPart, Usage
from dspy.utils.exceptions import AdapterParseError

from harness import adapter, reply_checks
from harness.adapter import CachingChatAdapter, CachingJSONAdapter, rubric_items, verdict_items, weight_value
from harness.config import parse_config
from harness.documents import load_documents
from harness.generate import generate, load_rounds, simulated_role_names
from harness.loop import rounds_used
from harness.models import ModelRegistry
from harness.records import read_jsonl
from harness.reply_checks import ReplyProblem
from harness.roles import PARSE_RETRIES, RoleError, Roles, failure_reason
from harness.signatures import Challenge, Judge, Orchestrate, Solve
from harness.summary import summarize

ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
NAMES_SOLVE = [*Solve.input_fields, *Solve.output_fields]
NAMES_ORCH = [*Orchestrate.input_fields, *Orchestrate.output_fields]


# --- lenient reading -----------------------------------------------------------------------


def with_faults(config, **rates):
    """The config with the offline world injecting these faults (runtime.sim_faults)."""
    from harness.config import SimFaults

    return config.model_copy(update={"runtime": config.runtime.model_copy(update={"sim_faults": SimFaults(**rates)})})

@pytest.mark.parametrize(("raw", "weight"), [(3, 3.0), ("3", 3.0), ("+2", 2.0), ("-1.5", -1.5), (" 4 points", 4.0)])
def test_weights_as_numbers_or_strings(raw: Any, weight: float) -> None:
    assert weight_value(raw) == weight


@pytest.mark.parametrize("raw", ["three", "", None, True, "nan", float("inf")])
def test_weights_that_are_not_numbers_fail(raw: Any) -> None:
    with pytest.raises(ValueError):
        weight_value(raw)


def test_a_rubric_written_as_strings_with_weights_in_the_text() -> None:
    rubric = rubric_items(["(3) mentions Rule 4", "applies the exception [weight: -2]", "[+1] names the term",
                           "+2: concludes Yes", "cites the facts (-1)"])
    assert [(c.criterion, c.weight) for c in rubric] == [
        ("mentions Rule 4", 3.0), ("applies the exception", -2.0), ("names the term", 1.0),
        ("concludes Yes", 2.0), ("cites the facts", -1.0)]
    numbered = rubric_items("1. (3) mentions Rule 4\n2. (-2) guesses")
    assert [(c.criterion, c.weight) for c in numbered] == [("mentions Rule 4", 3.0), ("guesses", -2.0)]
    objects = rubric_items('[{"criterion": "a", "weight": "3"}, {"text": "b", "points": "-1.5"}]')
    assert [(c.criterion, c.weight) for c in objects] == [("a", 3.0), ("b", -1.5)]
    with pytest.raises(ValueError):
        rubric_items(["mentions Rule 4"])  # no weight anywhere: meaning is not clear


def test_verdicts_as_words() -> None:
    assert verdict_items('["true", "yes", "1", "met", "no", "false", "0", "not met"]') == [
        True, True, True, True, False, False, False, False]
    assert verdict_items("yes, no, met") == [True, False, True]
    assert verdict_items([1, 0, True]) == [True, False, True]
    with pytest.raises(ValueError):
        verdict_items('["true", "maybe"]')


def test_both_adapters_read_the_lenient_forms() -> None:
    chat = ("[[ ## verdicts ## ]]\n[\"yes\", \"no\", \"met\"]\n\n[[ ## completed ## ]]")
    assert CachingChatAdapter().parse(Judge, chat) == {"verdicts": [True, False, True]}
    assert CachingJSONAdapter().parse(Judge, '{"verdicts": ["1", "0"]}') == {"verdicts": [True, False]}
    reply = ('{"context": "c", "question": "q", "reference_answer": "r", "final_answer": "Yes", '
             '"rubric": ["(3) cites Rule 2", "guesses [weight: -1]"], "question_type": "t", "skill_tags": []}')
    parsed = CachingJSONAdapter().parse(Challenge, reply)
    assert [(c.criterion, c.weight) for c in parsed["rubric"]] == [("cites Rule 2", 3.0), ("guesses", -1.0)]


# --- what a base model writes, read as failures with their reasons ------------------------

def _solve(text: str) -> Any:
    return type("P", (), CachingJSONAdapter().parse(Solve, text))()


@pytest.mark.parametrize(("reply", "reason"), [
    ('{"answer": "{answer}", "final_answer": "{final_answer}"}', "echo"),
    ('{"answer": "", "final_answer": ""}', "empty"),
    ('{"answer": "   ", "final_answer": "Yes"}', "empty"),
    ('{"answer": "[[ ## answer ## ]]", "final_answer": "Yes"}', "echo"),
])
def test_base_model_answers_fail_the_solver_check(reply: str, reason: str) -> None:
    with pytest.raises(ReplyProblem) as caught:
        reply_checks.check_answer(_solve(reply), NAMES_SOLVE)
    assert caught.value.reason == reason


def test_a_string_looping_until_the_token_limit_does_not_parse() -> None:
    looped = '{"answer": "0000000000000000000000000000000000000000000000000000000000000'  # cut at max_tokens
    with pytest.raises(AdapterParseError) as caught:
        CachingJSONAdapter().parse(Solve, looped)
    assert failure_reason(caught.value) == "unparseable"
    with pytest.raises(AdapterParseError):
        CachingChatAdapter().parse(Solve, "I I I I I I I I I I I I I I I I I I I I I I I I")


@pytest.mark.parametrize(("rubric", "reason"), [
    ("[]", "bad_rubric"),
    ("[" + ",".join(f'{{"criterion": "c{i}", "weight": 1}}' for i in range(51)) + "]", "bad_rubric"),
])
def test_rubrics_outside_one_to_fifty_are_bad(rubric: str, reason: str) -> None:
    reply = ('{"context": "c", "question": "q", "reference_answer": "r", "final_answer": "Yes", '
             f'"rubric": {rubric}, "question_type": "t", "skill_tags": []}}')
    parsed = type("P", (), CachingJSONAdapter().parse(Challenge, reply))()
    with pytest.raises(ReplyProblem) as caught:
        reply_checks.check_challenge(parsed, [*Challenge.input_fields, *Challenge.output_fields])
    assert caught.value.reason == reason


def test_an_unreadable_rubric_is_a_bad_rubric() -> None:
    reply = ('{"context": "c", "question": "q", "reference_answer": "r", "final_answer": "Yes", '
             '"rubric": ["mentions the rule"], "question_type": "t", "skill_tags": []}')
    with pytest.raises(AdapterParseError) as caught:
        CachingJSONAdapter().parse(Challenge, reply)
    assert failure_reason(caught.value) == "bad_rubric"


def test_a_wrong_number_of_verdicts() -> None:
    with pytest.raises(ReplyProblem) as caught:
        reply_checks.check_verdicts(type("P", (), {"verdicts": [True, False]})(), 4)
    assert caught.value.reason == "wrong_count"
    reply_checks.check_verdicts(type("P", (), {"verdicts": [True] * 4})(), 4)


FAILURES = "TOO EASY (the weak solver scored too high): 1 attempt\n[round 1] weak mean 1.00\nQuestion: Is Zara a tenant?"


@pytest.mark.parametrize(("guidance", "reason"), [
    ("{guidance}", "echo"),
    ("{{guidance}}", "echo"),
    ("guidance", "echo"),
    ("Write a harder question. {failures}", "echo"),
    ("none", "empty"),
    ("", "empty"),
    (FAILURES, "echo"),  # the failures copied back
    ("TOO EASY (the weak solver scored too high): 1 attempt", "echo"),  # a verbatim piece of them
    ("Write guidance for the question writer's next attempt.", "echo"),  # the instructions
])
def test_the_orchestrators_echo_is_never_guidance(guidance: str, reason: str) -> None:
    inputs = {"task": "Write one question grounded in the document.", "previous_guidance": "none",
              "failures": FAILURES}
    with pytest.raises(ReplyProblem) as caught:
        reply_checks.check_guidance(type("P", (), {"guidance": guidance})(), NAMES_ORCH, inputs,
                                    "Write guidance for the question writer's next attempt.")
    assert caught.value.reason == reason


def test_real_guidance_passes_even_when_it_repeats_the_last_advice() -> None:
    advice = "Ask about a case where the exception applies, three rules deep."
    inputs = {"task": "Write one question.", "previous_guidance": advice, "failures": FAILURES}
    reply = type("P", (), {"guidance": advice})()
    assert reply_checks.check_guidance(reply, NAMES_ORCH, inputs, "Write guidance.") is None  # accepted
    # It passes because it repeats the previous guidance: the same text copied from the failures
    # or the task is an echo.
    for source in ("failures", "task"):
        with pytest.raises(ReplyProblem) as caught:
            reply_checks.check_guidance(reply, NAMES_ORCH, {**inputs, source: advice}, "Write guidance.")
        assert caught.value.reason == "echo"


# --- in the loop: scripted replies through the offline world's engine -----------------------

def scripted(registry: ModelRegistry, rewrite: Any) -> list[str]:
    """Replaces some of the world's replies: ``rewrite(model, text) -> (text, finish_reason) | None``."""
    original = registry.sim_engine.reply
    log: list[str] = []

    def reply(request: Any) -> Any:
        response, latency = original(request)
        text = response.message.parts[0].text
        changed = rewrite(request.model, text)
        if changed is None:
            return response, latency
        log.append(request.model)
        new_text, finish = changed
        return Response(id=None, model=response.model, message=Message.assistant([TextPart(new_text)]),
                        finish_reason=finish, usage=Usage(input_tokens=response.usage.input_tokens,
                                                          output_tokens=max(1, len(new_text) // 4))), latency

    registry.sim_engine.reply = reply
    return log


def test_guidance_template_from_the_orchestrator_is_never_used(tmp_path: Path) -> None:
    config = parse_config({"documents": {"count": 3}, "knobs": {"round_budget": 3}, "tracking": {"enabled": False}})
    registry = ModelRegistry(config.models, config.runtime)
    scripted(registry, lambda model, text: ("[[ ## guidance ## ]]\n{guidance}\n\n[[ ## completed ## ]]", "stop")
             if model == "sim/orchestrator" else None)
    summary = generate(config, load_documents(config.documents), tmp_path, registry=registry)
    rounds = [r for rs in load_rounds(tmp_path).values() for r in rs]
    assert any(r.round > 1 for r in rounds), "needs rounds after a failed one"
    assert all("{guidance}" not in r.guidance and r.next_guidance is None for r in rounds)
    assert all(r.guidance == "none" for r in rounds)  # the previous guidance is kept
    asked = sum(1 for r in rounds if r.chosen is None and r.decision != "error" and r.round < 3)
    assert asked > 0 and summary["parse_failures"]["orchestrator"] == {"echo": asked * PARSE_RETRIES}


def test_truncated_replies_are_failures_of_their_own_and_not_printed(tmp_path: Path, caplog: Any) -> None:
    config = parse_config({"documents": {"count": 2}, "tracking": {"enabled": False}})
    registry = ModelRegistry(config.models, config.runtime)
    calls = {"n": 0}

    def cut(model: str, text: str) -> tuple[str, str] | None:
        if model != "sim/judge":
            return None
        calls["n"] += 1
        return (text, "length") if calls["n"] <= 2 else None  # the first judge reply twice cut at the limit

    scripted(registry, cut)
    before = adapter.truncation_warnings["count"]
    with caplog.at_level(logging.WARNING):
        summary = generate(config, load_documents(config.documents), tmp_path, registry=registry)
    assert summary["parse_failures"]["judge"] == {"truncated": 2}
    assert summary["truncated_replies"] == {"judge": 2}
    assert adapter.truncation_warnings["count"] - before == 2
    assert not [r for r in caplog.records if "truncated" in r.getMessage()]  # collected, not printed
    assert summary["failed_attempts"] == {}  # the attempt's retry succeeded: nothing lost


def test_a_failing_judge_loses_one_attempt_not_the_candidate(tmp_path: Path) -> None:
    config = parse_config({"documents": {"count": 1}, "knobs": {"round_budget": 1}, "tracking": {"enabled": False}})
    registry = ModelRegistry(config.models, config.runtime)
    calls = {"n": 0}
    per_attempt = PARSE_RETRIES * 2  # each role call: the text reply, then the JSON fallback

    def garbage(model: str, text: str) -> tuple[str, str] | None:
        if model != "sim/judge":
            return None
        calls["n"] += 1
        return ("the answer is good", "stop") if calls["n"] <= 2 * per_attempt else None  # attempt 0, twice

    scripted(registry, garbage)
    summary = generate(config, load_documents(config.documents), tmp_path, registry=registry)
    record = load_rounds(tmp_path)[load_documents(config.documents).documents[0].id][0]
    candidate = record.candidates[0]
    assert candidate.decision not in ("error", "pending") and candidate.sample is not None
    assert [(f.solver, f.index, f.role, f.reason) for f in candidate.failed_attempts] == [("weak", 0, "judge", "unparseable")]
    assert 0 not in {a.index for a in candidate.attempts if a.solver == "weak"}
    assert {a.index for a in candidate.attempts if a.solver == "weak"} | {0} <= {0, 1, 2}
    assert summary["failed_attempts"] == {"judge:unparseable": 1}
    assert summary["parse_failures"]["judge"]["unparseable"] == 2 * PARSE_RETRIES


def test_a_judge_retried_attempt_keeps_its_place(tmp_path: Path) -> None:
    config = parse_config({"documents": {"count": 1}, "knobs": {"round_budget": 1}, "tracking": {"enabled": False}})
    registry = ModelRegistry(config.models, config.runtime)
    calls = {"n": 0}

    def garbage(model: str, text: str) -> tuple[str, str] | None:
        calls["n"] += model == "sim/judge"
        return ("the answer is good", "stop") if model == "sim/judge" and calls["n"] <= PARSE_RETRIES * 2 else None

    scripted(registry, garbage)
    generate(config, load_documents(config.documents), tmp_path, registry=registry)
    candidate = next(iter(load_rounds(tmp_path).values()))[0].candidates[0]
    assert candidate.failed_attempts == []  # the attempt was tried again whole, with new seeds
    assert 0 in {a.index for a in candidate.attempts if a.solver == "weak"}


def test_error_rounds_spare_the_budget_and_the_cap_stops_a_hopeless_document(tmp_path: Path) -> None:
    config = parse_config({"documents": {"count": 2}, "knobs": {"round_budget": 2},
                           "runtime": {"errors_per_document": 3}, "tracking": {"enabled": False}})
    summary = generate(with_faults(config, malformed=1.0), load_documents(config.documents), tmp_path)
    rounds = load_rounds(tmp_path)
    assert all(len(records) == 3 for records in rounds.values())  # 3 error rounds each, budget untouched
    assert all(rounds_used(records) == 0 for records in rounds.values())
    assert summary["documents_stopped_for_errors"] == 2 and summary["error_rounds"] == 6
    assert summary["error_reasons"] == {"challenger:unparseable": 6}
    assert summary["parse_failures"] == {"challenger": {"unparseable": 6 * PARSE_RETRIES}}
    for records in rounds.values():
        assert all(r.decision == "error" and r.error == "challenger:unparseable" for r in records)
        assert all(r.next_guidance is None for r in records)  # errors are not feedback
    # A rerun of the finished run does nothing more.
    again = generate(with_faults(config, malformed=1.0), load_documents(config.documents), tmp_path)
    assert again["rounds"] == 6 and again["endpoint_this_session"]["requests"] == 0


def test_an_error_round_then_real_rounds_use_the_whole_budget(tmp_path: Path) -> None:
    config = parse_config({"documents": {"count": 1}, "knobs": {"round_budget": 2}, "tracking": {"enabled": False}})
    registry = ModelRegistry(config.models, config.runtime)
    calls = {"n": 0}

    def first_round_broken(model: str, text: str) -> tuple[str, str] | None:
        calls["n"] += model == "sim/challenger"
        return ("no sample here", "stop") if model == "sim/challenger" and calls["n"] <= 2 * PARSE_RETRIES else None

    scripted(registry, first_round_broken)
    generate(config, load_documents(config.documents), tmp_path, registry=registry)
    records = next(iter(load_rounds(tmp_path).values()))
    assert records[0].decision == "error" and records[0].candidates[0].error_kind == "challenger:unparseable"
    assert records[1].decision != "error"
    assert rounds_used(records) == (1 if records[1].chosen is not None else 2)
    assert len(records) == 1 + rounds_used(records)


def test_every_reply_is_counted_so_scorecard_and_spend_log_agree(tmp_path: Path) -> None:
    from objectives.cost import cost
    from objectives.run import load_run
    from objectives.scorecard import build_scorecard

    config = parse_config({"documents": {"count": 3}, "tracking": {"enabled": False}})
    summary = generate(with_faults(config, malformed=0.3), load_documents(config.documents), tmp_path)
    rows = read_jsonl(tmp_path / "spend.jsonl")
    rounds = [r for rs in load_rounds(tmp_path).values() for r in rs]
    recorded = cost(rounds, summary["models"], summary["accepted"])  # from the rounds alone
    assert summary["parse_failures_total"] > 0  # failed replies happened and were paid for
    assert recorded.calls == len(rows) == summary["spent"]["calls"]
    assert recorded.input_tokens == sum(r["input_tokens"] for r in rows)
    assert recorded.output_tokens == sum(r["output_tokens"] for r in rows)
    card = build_scorecard(load_run(tmp_path))
    assert card.value("calls") == len(rows) and card.unrecorded_calls == 0
    assert card.parse_failures == summary["parse_failures"]
    assert card.value("parse_failure_rate") > 0


def test_roles_real_and_simulated_are_told_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from experiments.display import simulation_label
    from harness import provenance
    from harness.endpoint.client import endpoint_label

    monkeypatch.setattr(provenance, "_SEEN", set())  # what this process has seen answering: this test's only
    models = {r: {"model": f"sim/{r}"} for r in ROLES}
    models["weak"] = {"model": "openai/gemma-3-270m", "api_base": "http://127.0.0.1:9/v1"}
    config = parse_config({"models": models, "tracking": {"enabled": False}})
    simulated = simulated_role_names(config, {})
    assert simulated == sorted(set(ROLES) - {"weak"})
    summary = summarize([], [], documents=0, preset="agentic", seed=0, harness_hash="h", simulated=True, skipped=[],
                        models={r: s.model for r, s in config.models.items()}, simulated_roles=simulated)
    assert summary["real_roles"] == ["weak"]
    label = simulation_label(summary)
    assert "real models: weak" in label and "not any real model" not in label
    weak = config.models.weak  # its reply turned out to come from the offline world (serve-sim)
    provenance.note_reply(endpoint_label(weak), weak.model, "sim/weak")
    assert simulated_role_names(config, {}) == sorted(ROLES)


def test_roles_raise_with_the_reason_after_their_retries(default_config: Any) -> None:
    registry = ModelRegistry(default_config.models, default_config.runtime)
    roles = Roles(default_config, registry)
    scripted(registry, lambda model, text: ('[[ ## answer ## ]]\n{answer}\n\n[[ ## final_answer ## ]]\n'
                                            '{final_answer}\n\n[[ ## completed ## ]]', "stop")
             if model == "sim/weak" else None)

    async def call() -> Any:
        with adapter.call_settings():
            return await roles._call("weak", 5, context="c", question="q")

    with pytest.raises(RoleError) as caught:
        asyncio.run(call())
    assert caught.value.reason == "echo" and str(caught.value).startswith("weak: echo:")
    assert roles.usage["weak"]["failed.echo"] == PARSE_RETRIES
    assert roles.usage["weak"]["calls"] == roles.usage["weak"]["attempts"] == PARSE_RETRIES


def test_a_reply_that_used_the_whole_token_limit_is_truncated(tmp_path: Path) -> None:
    """The direct wire route gives DSPy no finish reason to warn on: a reply of exactly the role's
    ``max_tokens`` is read as cut there."""
    models = {r: {"model": f"sim/{r}"} for r in ROLES}
    models["weak"] = {"model": "sim/weak", "max_tokens": 13}
    config = parse_config({"documents": {"count": 1}, "knobs": {"round_budget": 1}, "models": models,
                           "tracking": {"enabled": False}})
    registry = ModelRegistry(config.models, config.runtime)
    calls = {"n": 0}

    def at_the_limit(model: str, text: str) -> tuple[str, str] | None:
        calls["n"] += model == "sim/weak"
        # A reply that parses, 52 characters: 13 tokens as the scripted usage counts them, the whole limit.
        text = "[[ ## answer ## ]]\nYes\n\n[[ ## final_answer ## ]]\nYes"
        return (text, "stop") if model == "sim/weak" and calls["n"] == 1 else None

    scripted(registry, at_the_limit)
    summary = generate(config, load_documents(config.documents), tmp_path, registry=registry)
    assert summary["parse_failures"]["weak"] == {"truncated": 1}
    assert summary["truncated_replies"]["weak"] == 1


def test_the_sweep_report_flags_candidates_of_mostly_error_rounds(tmp_path: Path) -> None:
    from search.report import _errors_entry, error_rounds

    config = parse_config({"documents": {"count": 2}, "knobs": {"round_budget": 1}, "tracking": {"enabled": False}})
    generate(with_faults(config, malformed=1.0), load_documents(config.documents), tmp_path / "broken")
    generate(config, load_documents(config.documents), tmp_path / "fine")
    broken = _errors_entry(*error_rounds([tmp_path / "broken", tmp_path / "missing"]))
    fine = _errors_entry(*error_rounds([tmp_path / "fine"]))
    assert broken == {"error_rounds": 6, "rounds": 6, "error_share": 1.0, "mostly_errors": True}
    assert fine["error_rounds"] == 0 and fine["rounds"] == 2 and fine["mostly_errors"] is False
