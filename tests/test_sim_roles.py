"""The roles through the real DSPy path, and the offline world's text parsing piece by piece."""

from __future__ import annotations

import asyncio
import json
import random

import dspy
import pytest
from dspy.lm15 import Config, Message, Request

from harness.acceptance import Outcome
from harness.feedback import format_failures
from harness.models import ModelRegistry
from harness.records import Attempt, Candidate, QVResult, RoundRecord, Sample
from harness.roles import Roles
from harness.rubric import rubric_score
from harness.signatures import QV_REASONS, Solve
from harness.sim import answers as A
from harness.sim.engine import ParsedRequest, parse_request, render, role_of
from harness.sim.logic import Rule, chain, derive, parse_facts, parse_question, parse_rules

# --- the roles through DSPy ---------------------------------------------------------------


@pytest.fixture
def roles_and_doc(default_config, sim_docs):
    registry = ModelRegistry(default_config.models, default_config.runtime)
    doc = sim_docs(default_config, 1).documents[0]
    return Roles(default_config, registry), registry, doc


@pytest.fixture
def samples(roles_and_doc):
    roles, _, doc = roles_and_doc

    async def many():
        return await asyncio.gather(
            *(roles.challenge(document=doc.text, title=doc.title, guidance="none", seed=s) for s in range(6))
        )

    return asyncio.run(many())


def test_challenge_returns_a_parsed_sample(samples, roles_and_doc):
    _, registry, _ = roles_and_doc
    assert registry.sim_engine.calls["challenger:challenger"] == 6
    for sample in samples:
        assert isinstance(sample, Sample)
        assert 10 <= len(sample.rubric) <= 15
        # A usable rubric (what the QV checks): no criterion weighs nothing, and a good answer can score.
        assert all(c.weight != 0 for c in sample.rubric) and any(c.weight > 0 for c in sample.rubric), sample.rubric
        asked = parse_question(sample.question)
        assert asked is not None
        entity, target = asked
        assert f"{entity} is " in sample.context  # the question's entity is the one the facts are about
        assert sample.final_answer in ("Yes", "No")
        assert sample.reference_answer.rstrip().splitlines()[-1].startswith(f"Conclusion: {sample.final_answer}")
        assert sample.question_type in ("rule application", "multi-step deduction", "exception analysis")
        assert "forward chaining" in sample.skill_tags
        assert sample.plan is None  # the agentic preset does not plan
    assert len({s.question for s in samples}) > 1  # seeds vary the question
    # A careless writer occasionally malforms a rubric (about 2%, and QV catches it); the rest carry
    # both credit and penalties.
    mixed = [s for s in samples if any(c.weight > 0 for c in s.rubric) and any(c.weight < 0 for c in s.rubric)]
    assert len(mixed) >= len(samples) - 1


def test_challenge_rubric_size_within_requested_range(roles_and_doc):
    roles, _, doc = roles_and_doc

    async def many():
        return await asyncio.gather(
            *(roles.challenge(document=doc.text, title=doc.title, guidance="none", seed=s) for s in range(30))
        )

    assert all(10 <= len(sample.rubric) <= 15 for sample in asyncio.run(many()))


def test_challenge_rubric_size_follows_the_knobs(sim_docs):
    from harness.config import parse_config

    config = parse_config({"knobs": {"rubric_min": 5, "rubric_max": 5}})
    roles = Roles(config, ModelRegistry(config.models, config.runtime))
    doc = sim_docs(config, 1).documents[0]
    sizes = [
        len(asyncio.run(roles.challenge(document=doc.text, title=doc.title, guidance="none", seed=s)).rubric)
        for s in range(8)
    ]
    assert sizes == [5] * 8


def test_challenge_is_grounded_in_the_document(samples, roles_and_doc):
    _, _, doc = roles_and_doc
    document_rules = set(parse_rules(doc.text))
    for sample in samples:
        context_rules = parse_rules(sample.context)
        assert context_rules
        assert set(context_rules) <= document_rules


def test_verify_returns_a_verdict(samples, roles_and_doc):
    roles, registry, _ = roles_and_doc
    results = [asyncio.run(roles.verify(s, seed=3)) for s in samples]
    assert registry.sim_engine.calls["qv:qv"] == len(samples)
    for result in results:
        assert isinstance(result, QVResult)
        assert result.verdict in ("PASS", "FAIL")
        assert result.reason in QV_REASONS
        assert (result.reason == "none") == result.passed
    assert any(r.passed for r in results)


def test_verify_fails_a_leaked_sample(samples, roles_and_doc):
    roles, _, _ = roles_and_doc
    sample = samples[0]
    entity, target = parse_question(sample.question)
    yes = sample.final_answer == "Yes"
    leak = f"\nIt is already settled that {entity} is {'' if yes else 'not '}{A.article(target)}."
    leaked = sample.model_copy(update={"context": sample.context + leak})

    async def many():
        return await asyncio.gather(*(roles.verify(leaked, seed=s) for s in range(200)))

    results = asyncio.run(many())
    caught = [r for r in results if r.verdict == "FAIL" and r.reason == "answer_leaked"]
    # The default QV instructions name the check, so it is caught with the profile's accuracy (0.9):
    # about 180 of 200 (binomial sd 4.2; the bounds sit more than three sd out).
    assert len(caught) >= 160, len(caught)
    assert sum(r.passed for r in results) <= 35


def test_solve_and_judge_returns_a_scored_attempt(samples, roles_and_doc):
    roles, registry, _ = roles_and_doc
    sample = samples[0]
    attempt = asyncio.run(roles.solve_and_judge("weak", 2, sample, seed=11))
    assert isinstance(attempt, Attempt)
    assert (attempt.solver, attempt.index) == ("weak", 2)
    assert len(attempt.verdicts) == len(sample.rubric)
    assert 0.0 <= attempt.score <= 1.0
    assert attempt.score == rubric_score(sample.rubric, attempt.verdicts)
    assert attempt.final_answer in ("Yes", "No")
    assert attempt.answer.rstrip().splitlines()[-1].startswith(f"Conclusion: {attempt.final_answer}")
    assert registry.sim_engine.calls["solver:weak"] == 1
    assert registry.sim_engine.calls["judge:judge"] == 1
    strong = asyncio.run(roles.solve_and_judge("strong", 0, sample, seed=11))
    assert strong.solver == "strong"
    assert registry.sim_engine.calls["solver:strong"] == 1


def test_orchestrate_writes_guidance_from_failures(samples, roles_and_doc):
    roles, registry, _ = roles_and_doc
    sample = samples[0]
    easy = Candidate(
        index=0,
        sample=sample,
        attempts=[Attempt(solver="weak", index=i, answer="", final_answer="", verdicts=[], score=0.9) for i in range(3)],
        decision=Outcome.TOO_EASY,
    )
    record = RoundRecord(doc_id="d", round=1, harness_hash="h", preset="agentic", seed=0, guidance="none",
                         candidates=[easy], decision="too_easy")
    from harness.sim import reader

    guidance = [
        asyncio.run(roles.orchestrate(task="write a question", previous_guidance="none",
                                      failures=format_failures([record]), seed=seed))
        for seed in range(10)
    ]
    assert registry.sim_engine.calls["orchestrator:orchestrator"] == 10
    assert len(set(guidance)) >= 5  # its own varied wording, not one fixed sentence
    # Read by the challenger's reader (a different model), guidance after a too-easy round asks for
    # deeper questions far more often than for shallower ones; some advice is vague or off, by design.
    default = reader.read_intent("").depth
    depths = [reader.read_intent("", text).depth for text in guidance]
    deeper, shallower = sum(d > default for d in depths), sum(d < default for d in depths)
    assert deeper >= 4 and shallower <= 1, guidance


# --- the engine's request parsing and rendering -------------------------------------------

SOLVER_SYSTEM = (
    "Your input fields are:\n1. `context` (str): \n2. `question` (str):\n"
    "Your output fields are:\n1. `answer` (str): the worked answer\n2. `final_answer` (str): the short final answer\n"
    "All interactions will be structured in the following way, with the appropriate values filled in.\n\n"
    "[[ ## context ## ]]\n{context}\n\n[[ ## question ## ]]\n{question}\n\n"
    "[[ ## answer ## ]]\n{answer}\n\n[[ ## final_answer ## ]]\n{final_answer}\n\n[[ ## completed ## ]]\n"
    "In adhering to this structure, your objective is: \n        Answer from the context only."
)
CONTEXT = (
    "Provisions:\nRule 1. A person who is a registered operator is a bonded carrier.\n\n"
    "Facts:\nAmara Okafor is a registered operator."
)
QUESTION = "Is Amara Okafor a bonded carrier under the provisions above?"
USER = (
    f"[[ ## context ## ]]\n{CONTEXT}\n\n[[ ## question ## ]]\n{QUESTION}\n\n"
    "Respond with the corresponding output fields, starting with the field `[[ ## answer ## ]]`, "
    "then `[[ ## final_answer ## ]]`, and then ending with the marker for `[[ ## completed ## ]]`."
)


def request(system: str = SOLVER_SYSTEM, user: str = USER, model: str = "sim/weak", **config) -> Request:
    return Request(model=model, messages=(Message.user(user),), system=system, config=Config(**config))


def test_parse_request_reads_system_and_user_messages():
    parsed = parse_request(request(temperature=1.0, seed=42))
    assert isinstance(parsed, ParsedRequest)
    assert parsed.profile.name == "weak"
    assert parsed.outputs == ("answer", "final_answer")
    assert parsed.instructions == "Answer from the context only."
    assert parsed.inputs == {"context": CONTEXT, "question": QUESTION}
    assert parsed.json_mode is False
    assert parsed.temperature == 1.0
    assert "|42|" in parsed.seed_text and QUESTION in parsed.seed_text
    assert role_of(parsed.outputs) == "solver"


def test_parse_request_json_mode_and_defaults():
    system = SOLVER_SYSTEM + "\nOutputs will be a JSON object with the following fields."
    parsed = parse_request(request(system=system, model="sim/strong"))
    assert parsed.json_mode is True
    assert parsed.profile.name == "strong"
    assert parsed.temperature == 0.0  # not set: deterministic


def test_parse_request_unknown_profile_raises():
    with pytest.raises(KeyError, match="unknown offline-world profile 'sim/genius'"):
        parse_request(request(model="sim/genius"))


def test_parse_request_on_a_real_dspy_request(default_config, roles_and_doc, samples):
    roles, registry, _ = roles_and_doc
    seen = []
    original = registry.sim_engine.reply

    def spy(req):
        seen.append(parse_request(req))
        return original(req)

    registry.sim_engine.reply = spy
    asyncio.run(roles.verify(samples[0], seed=0))
    (parsed,) = seen
    assert parsed.outputs == ("verdict", "reason", "explanation")
    assert parsed.instructions == default_config.genes.qv_instructions
    assert parsed.inputs["question"] == samples[0].question
    assert parsed.inputs["context"] == samples[0].context
    assert json.loads(parsed.inputs["rubric"])[0].keys() == {"criterion", "weight"}
    assert parsed.temperature == 0.0 and parsed.profile.name == "qv"


@pytest.mark.parametrize(
    ("outputs", "role"),
    [
        (("verdicts",), "judge"),
        (("guidance",), "orchestrator"),
        (("verdict", "reason", "explanation"), "qv"),
        (("context", "question", "reference_answer", "rubric"), "challenger"),
        (("reasoning", "context", "question", "rubric"), "challenger"),
        (("answer", "final_answer"), "solver"),
    ],
)
def test_role_of_outputs(outputs, role):
    assert role_of(outputs) == role


def test_role_of_unknown_outputs_raises():
    with pytest.raises(ValueError, match="no behaviour"):
        role_of(("poem",))


def test_render_chat_adapter_format():
    text = render(("answer", "final_answer"), {"final_answer": "Yes", "answer": "Step 1", "extra": 1}, False)
    assert text == "[[ ## answer ## ]]\nStep 1\n\n[[ ## final_answer ## ]]\nYes\n\n[[ ## completed ## ]]"
    judged = render(("verdicts",), {"verdicts": [True, False]}, False)
    assert judged == "[[ ## verdicts ## ]]\n[true, false]\n\n[[ ## completed ## ]]"


def test_render_parses_back_through_dspy_adapters():
    values = {"answer": "Step 1: x.\nConclusion: Yes, A B is a c.", "final_answer": "Yes"}
    chat = render(("answer", "final_answer"), values, False)
    assert dspy.ChatAdapter().parse(Solve, chat) == values
    as_json = render(("answer", "final_answer"), values, True)
    assert json.loads(as_json) == values
    assert list(json.loads(as_json)) == ["answer", "final_answer"]  # in the requested order
    assert dspy.JSONAdapter().parse(Solve, as_json) == values


# --- worked answers and criteria ----------------------------------------------------------

HAND_ANSWER = """Step 1: Amara Okafor is a registered operator (given).
Step 2: Amara Okafor is a bonded carrier (Rule 4).
Step 3: The exception in Rule 6 does not apply: Amara Okafor is not a suspended trader.
Step 4: Amara Okafor is a chartered agent (Rule 6).
Step 5: Amara Okafor is an eligible member (§2).
Conclusion: Yes, Amara Okafor is a chartered agent."""


def test_parse_answer_hand_written():
    parsed = A.parse_answer(HAND_ANSWER)
    assert parsed.claims == {
        "registered operator": "given",
        "bonded carrier": "Rule 4",
        "chartered agent": "Rule 6",
        "eligible member": "§2",
    }
    assert parsed.exceptions == {"Rule 6": False}
    assert parsed.conclusion == ("chartered agent", True)
    assert parsed.steps == 5
    assert parsed.bases == {"given", "Rule 4", "Rule 6", "§2"}
    assert A.final_answer_of(HAND_ANSWER) == "Yes"


def test_parse_answer_negative_and_empty():
    parsed = A.parse_answer(
        "Step 1: The exception in Rule 3 applies: Jonas Novak is a barred trader, so Rule 3 does not confer "
        "its status.\nConclusion: No, Jonas Novak is not an approved agent."
    )
    assert parsed.exceptions == {"Rule 3": True}
    assert parsed.conclusion == ("approved agent", False)
    assert parsed.claims == {}
    empty = A.parse_answer("I am not sure.")
    assert (empty.conclusion, empty.steps, empty.claims) == (None, 0, {})
    assert A.final_answer_of("I am not sure.") == ""


@pytest.mark.parametrize(
    ("criterion", "met"),
    [
        (A.concludes("Amara Okafor", "chartered agent", True), True),
        (A.concludes("Amara Okafor", "chartered agent", False), False),
        (A.concludes("Amara Okafor", "bonded carrier", True), False),
        (A.establishes("Amara Okafor", "bonded carrier"), True),
        (A.establishes("Amara Okafor", "senior tenant"), False),
        (A.uses_fact("Amara Okafor", "registered operator"), True),
        (A.uses_fact("Amara Okafor", "bonded carrier"), False),  # derived, not given
        (A.applies_rule("Rule 4"), True),
        (A.applies_rule("§2"), True),
        (A.applies_rule("Rule 9"), False),
        (A.misapplies("Rule 4"), True),  # negative criterion: the bad behaviour (citing it) occurred
        (A.misapplies("Rule 9"), False),
        (A.exception_status("Rule 6", False), True),
        (A.exception_status("Rule 6", True), False),
        (A.exception_status("Rule 4", False), False),
        (A.overlooks_exception("Rule 6"), False),
        (A.overlooks_exception("Rule 8"), True),
        (A.asserts_wrongly("Amara Okafor", "eligible member"), True),
        (A.asserts_wrongly("Amara Okafor", "licensed pilot"), False),
        (A.ENDS_WITH_CONCLUSION, True),
        (A.NUMBERED_STEPS, True),
    ],
)
def test_check_criterion_on_hand_written_answer(criterion, met):
    assert A.check_criterion(criterion, A.parse_answer(HAND_ANSWER)) is met


def test_check_criterion_unknown_form_is_none():
    parsed = A.parse_answer(HAND_ANSWER)
    assert A.check_criterion("The answer is well written.", parsed) is None
    assert A.check_criterion("The answer applies Rule 4 carefully.", parsed) is None


def test_worked_answer_render_round_trips():
    answer = A.WorkedAnswer(
        "Mei Tanaka",
        "senior agent",
        False,
        [A.Step("claim", "licensed vendor", "given"), A.Step("exception", "barred holder", "Rule 2", applies=True)],
    )
    parsed = A.parse_answer(answer.render())
    assert parsed.claims == {"licensed vendor": "given"}
    assert parsed.exceptions == {"Rule 2": True}
    assert parsed.conclusion == ("senior agent", False)
    assert parsed.steps == 2


# --- rules, facts, derivations ------------------------------------------------------------

CODE = """THE CODE
Preamble. A status is held only when a provision confers it.
Rule 7. A person who is a registered operator and a bonded carrier is a chartered agent, unless that person is a suspended trader.
§3. "licensed vendor" means a person who is a certified trader.
Rule 9. A person who is a chartered agent is an eligible member.
Rule 10. A person who is a delinquent payer is a suspended trader.
Rule 11. A person who is somebody important is a senior holder.
"""


def test_parse_rules_both_sentence_forms_in_order():
    rules = parse_rules(CODE)
    assert rules == (
        Rule("Rule 7", ("registered operator", "bonded carrier"), "chartered agent", "suspended trader"),
        Rule("§3", ("certified trader",), "licensed vendor"),
        Rule("Rule 9", ("chartered agent",), "eligible member"),
        Rule("Rule 10", ("delinquent payer",), "suspended trader"),
    )  # Rule 11's condition is not a status phrase: not a rule


def test_rule_render_round_trips():
    for rule in parse_rules(CODE):
        assert parse_rules(rule.render()) == (rule,)
    assert Rule("Rule 1", ("eligible owner",), "accredited agent").render() == (
        "Rule 1. A person who is an eligible owner is an accredited agent."
    )


def test_parse_facts_and_question():
    text = "Facts:\nAmara Okafor is a registered operator.\nAmara Okafor is not a suspended trader.\nJonas Novak is a bonded carrier."
    facts = parse_facts(text)
    assert facts.entity == "Amara Okafor"
    assert facts.true == frozenset({"registered operator"})
    assert facts.false == frozenset({"suspended trader"})
    assert parse_facts(text, "Jonas Novak").true == frozenset({"bonded carrier"})
    assert parse_question("Is Amara Okafor a chartered agent under the provisions above?") == (
        "Amara Okafor", "chartered agent")
    assert parse_question("Is Amara Okafor an eligible member?") == ("Amara Okafor", "eligible member")
    assert parse_question("What is the answer?") is None


def test_derive_exception_does_not_fire():
    rules = parse_rules(CODE)
    result = derive(rules, frozenset({"registered operator", "bonded carrier"}))
    assert result.holds["chartered agent"] == 1
    assert result.holds["eligible member"] == 2
    assert result.because["eligible member"].label == "Rule 9"
    assert result.blocked == {}
    assert "licensed vendor" not in result.holds
    assert chain(result, "eligible member") == ["chartered agent", "eligible member"]


def test_derive_exception_fires_from_a_fact():
    rules = parse_rules(CODE)
    result = derive(rules, frozenset({"registered operator", "bonded carrier", "suspended trader"}))
    assert "chartered agent" not in result.holds
    assert "eligible member" not in result.holds
    assert result.blocked["chartered agent"].label == "Rule 7"


def test_derive_exception_fires_when_itself_derived():
    rules = parse_rules(CODE)
    result = derive(rules, frozenset({"registered operator", "bonded carrier", "delinquent payer"}))
    assert result.holds["suspended trader"] == 1
    assert "chartered agent" not in result.holds
    assert result.blocked["chartered agent"].label == "Rule 7"


def test_derive_definition_and_missing_condition():
    rules = parse_rules(CODE)
    result = derive(rules, frozenset({"certified trader", "registered operator"}))
    assert result.holds == {"certified trader": 0, "registered operator": 0, "licensed vendor": 1}
    assert result.depth("chartered agent") is None


def test_solver_uses_the_parsed_rules():
    # a tiny end-to-end read: the strong solver derives the one-step status from the text
    from harness.sim.profiles import profile
    from harness.sim.solver import solve

    answer, final = solve(CONTEXT, QUESTION, profile("strong"), random.Random(0))
    assert final == "Yes"
    assert A.parse_answer(answer).conclusion == ("bonded carrier", True)
