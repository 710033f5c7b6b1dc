"""Solver attempts in waves and shared-prompt sampling (``n``): the same decisions for fewer calls.

Waves (harness/loop.py): a further wave of attempts only while the candidate is undecided.
Shared requests (harness/endpoint/shared.py): a wave's attempts that miss the cache go out as one
request with ``n`` where the endpoint honours it; each attempt keeps its own seed and cache
entry. Checked against the offline world in process and against serve-sim's own counts.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import dspy
import pytest

from harness.adapter import call_settings
from harness.config import HarnessConfig, ModelSpec, Runtime, parse_config
from harness.documents import load_documents
from harness.endpoint import shared
from harness.endpoint.shared import Wave, attempt_seed, consecutive
from harness.generate import generate, load_rounds
from harness.models import ModelRegistry, build_lm
from harness.records import read_jsonl
from harness.signatures import Solve
from harness.sim.engine import SimEngine
from harness.sim.server_process import ServerProcess

ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
CONTEXT = "Facts: the dock fee is 40. The pilot fee is the dock fee plus 15. Rule: a pilot pays the pilot fee."


def decisions(out: Path) -> dict[tuple[str, int, int], str]:
    return {(doc, r.round, c.index): c.decision for doc, rs in load_rounds(out).items() for r in rs for c in r.candidates}


def test_attempt_seeds_are_consecutive_and_wrap() -> None:
    assert [attempt_seed(10, i) for i in range(3)] == [10, 11, 12]
    assert consecutive([attempt_seed(2**48 - 1, i) for i in range(3)])
    assert not consecutive([1, 3]) and not consecutive([1, None])


def test_a_wave_shares_one_request_and_gets_the_answers_sent_alone() -> None:
    engine = SimEngine()
    lm = build_lm(ModelSpec(model="sim/weak"), Runtime(), engine, cache=False)
    predictor = dspy.Predict(Solve)
    predictor.set_lm(lm)

    async def ask(seed: int, wave: Wave | None) -> str:
        with wave.member() if wave is not None else _nothing():
            p = await predictor.acall(context=CONTEXT, question="What does a pilot pay?",
                                      config={"seed": seed, "temperature": 1.0})
        return p.answer

    async def alone() -> list[str]:
        with call_settings():
            return [await ask(100 + i, None) for i in range(3)]

    async def together() -> list[str]:
        wave = Wave(3)
        with call_settings():
            return list(await asyncio.gather(*(ask(100 + i, wave) for i in range(3))))

    separate = asyncio.run(alone())
    assert engine.requests == 3
    joint = asyncio.run(together())
    assert engine.requests == 4 and joint == separate  # one request, the same three answers
    assert engine.calls["solver:weak"] == 6


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


@pytest.mark.parametrize("setting", [1, 2, "auto"])
def test_waves_and_shared_requests_keep_every_decision_of_all_k(tmp_path: Path, setting: int | str) -> None:
    """In process: the paper's protocol (every attempt, one request each, all judged) and waves
    decide every candidate alike, and the records' feedback reads the same scores."""
    runs = {}
    for name, value in (("all", "all"), ("waves", setting)):
        config = parse_config({"documents": {"count": 6}, "seed": 5, "runtime": {"attempt_parallelism": value}})
        registry = ModelRegistry(config.models, config.runtime)
        summary = generate(config, load_documents(config.documents), tmp_path / name, registry=registry)
        runs[name] = (summary, registry.sim_engine, decisions(tmp_path / name))
    (all_k, all_engine, all_decisions), (waves, waves_engine, waves_decisions) = runs["all"], runs["waves"]
    assert waves_decisions == all_decisions and len(all_decisions) > 6
    guidance = {(r["doc_id"], r["round"]): r["guidance"] for r in read_jsonl(tmp_path / "all" / "rounds.jsonl")}
    assert guidance == {(r["doc_id"], r["round"]): r["guidance"] for r in read_jsonl(tmp_path / "waves" / "rounds.jsonl")}
    assert waves["calls_total"] < all_k["calls_total"]
    assert waves_engine.requests < all_engine.requests
    assert all_k["attempts_not_judged"] == all_k["attempts_not_requested"] == 0
    if setting == "auto":  # the offline world takes n: a wave is one request, judged while undecided
        assert waves["attempts_not_judged"] > 0 and waves["tokens"]["weak"]["cached_input"] > 0
    else:
        assert waves["attempts_not_requested"] > 0


def http_config(url: str, **runtime: object) -> dict:
    return {"name": "shared-http", "seed": 17, "documents": {"count": 5},
            "models": {role: {"model": f"openai/{role}", "api_base": url} for role in ROLES},
            "runtime": {"concurrency": 5, "max_in_flight": 16, "timeout_s": 5, **runtime},
            "tracking": {"enabled": False}}


def run_http(data: dict, out: Path) -> dict:
    config = HarnessConfig.model_validate(data)
    return generate(config, load_documents(config.documents), out)


def test_over_http_n_requests_are_cached_per_attempt_and_paid_once(tmp_path: Path) -> None:
    """serve-sim answers n (choice i as seed + i): a generation's waves share requests, the cached
    input tokens it reports are what the run records, and a run that asks for the same attempts
    in other waves (one at a time) finds every one in the cache: the server answers nothing twice."""
    with ServerProcess(latency_ms=1) as server:
        first = run_http(http_config(server.url), tmp_path / "n")
        served = server.stats()
        assert shared.honours_n(server.url) is True  # found out by the first shared request
        assert served["choices"] > served["ok"] and served["repeated"] == 0
        assert first["spent"]["calls"] == served["ok"] == first["calls_total"]  # the probes were refused (400)
        recorded = sum(t["cached_input"] for t in first["tokens"].values())
        assert recorded == served["cached_tokens"] == first["spent"]["cached_input_tokens"] > 0
        spend = read_jsonl(tmp_path / "n" / "spend.jsonl")
        assert {row["role"] for row in spend} >= {"weak", "strong", "judge"}
        assert sum(row["cached_input_tokens"] for row in spend) == recorded
        # The same attempts, one wave per attempt, in a new directory: all from the cache.
        server.reset()
        again = run_http(http_config(server.url, attempt_parallelism=1), tmp_path / "one-by-one")
        assert server.stats()["total"] == 0 and again["spent"]["calls"] == 0
        assert decisions(tmp_path / "one-by-one") == decisions(tmp_path / "n")


def test_an_endpoint_that_returns_one_choice_gets_the_rest_one_by_one(tmp_path: Path) -> None:
    """llama.cpp accepts n and returns one choice: the first attempt keeps it, the others go alone,
    nothing is asked twice, and the endpoint is remembered as not honouring n."""
    from openai_fake import FakeOpenAI

    def reply(body: dict) -> str:
        return "[[ ## answer ## ]]\nThe pilot fee is 55.\n\n[[ ## final_answer ## ]]\n55\n\n[[ ## completed ## ]]"

    with FakeOpenAI(reply=reply) as server:
        lm = build_lm(ModelSpec(model="openai/weak", api_base=server.url, structured="off"), Runtime(), SimEngine(),
                      cache=False)
        predictor = dspy.Predict(Solve)
        predictor.set_lm(lm)
        wave = Wave(3)

        async def ask(seed: int) -> str:
            with wave.member():
                return (await predictor.acall(context=CONTEXT, question="Fee?", config={"seed": seed})).final_answer

        async def all_three() -> list[str]:
            with call_settings():
                await predictor.acall(context=CONTEXT, question="warm-up", config={"seed": 1})  # verifies the route
                return list(await asyncio.gather(*(ask(200 + i) for i in range(3))))

        answers = asyncio.run(all_three())
        bodies = list(server.bodies)
    assert answers == ["55"] * 3
    seeds = [b.get("seed") for b in bodies[1:]]
    assert sorted(seeds) == [200, 201, 202] and sum("n" in b for b in bodies) == 1  # one n request, two alone
    assert shared.honours_n(server.url) is False
    assert not lm._async_engine_spec.shares_prompt()


def test_prompts_put_what_varies_last_and_the_world_decides_alike() -> None:
    """The challenger's guidance (new every round) comes after the document; the world's reply is
    the same as for the old order (document, guidance, rubric size), so decisions do not move."""
    from harness import prompts
    from harness.adapter import CachingChatAdapter
    from harness.signatures import Challenge, Judge
    from harness.sim.engine import parse_request, world_reply
    from harness.sim.openai_wire import to_chat_request

    assert list(Challenge.input_fields)[-1] == "guidance" and list(Judge.input_fields)[-1] == "answer"
    old = dspy.Signature({name: Challenge.input_fields[name] for name in ("document", "guidance", "rubric_size")}
                         | dict(Challenge.output_fields), Challenge.instructions)
    document = load_documents(parse_config({"documents": {"count": 1}}).documents).documents[0].text
    inputs = {"document": document, "guidance": "Ask about an exception this time.", "rubric_size": "between 3 and 5"}
    replies = []
    for signature in (Challenge, old):
        messages = CachingChatAdapter().format(signature.with_instructions(prompts.CHALLENGER_INSTRUCTIONS),
                                               demos=[], inputs=inputs)
        body = {"model": "challenger", "messages": messages, "temperature": 0.7, "seed": 9}
        replies.append(world_reply(parse_request(to_chat_request(json.dumps(body).encode()))))
        user = messages[-1]["content"]
        if signature is Challenge:  # the varying input after every shared one
            assert user.index("[[ ## guidance ## ]]") > user.index("[[ ## rubric_size ## ]]") > user.index("[[ ## document")
    assert replies[0][0] == replies[1][0]


def test_a_wave_on_an_endpoint_not_yet_probed_does_not_wait_on_itself(tmp_path: Path) -> None:
    """Only the weak solver on an api_base, no preflight: the first wave's first attempt probes the
    endpoint's structured mode (holding its lock) while the others wait for that lock; the probe
    must go alone, not wait for the wave."""
    from harness import aio
    from harness.generate import run_generation

    with ServerProcess() as server:
        data = {"documents": {"count": 2}, "seed": 3, "tracking": {"enabled": False},
                "models": {"weak": {"model": "openai/weak", "api_base": server.url}}}
        config = HarnessConfig.model_validate(data)

        async def bounded() -> dict:
            return await asyncio.wait_for(run_generation(config, load_documents(config.documents), tmp_path), 120)

        summary = aio.run(bounded())
        assert summary["calls"]["weak"] > 0 and server.stats()["choices"] > server.stats()["ok"] - 2
