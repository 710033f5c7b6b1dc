"""The direct route to an OpenAI-compatible endpoint: what it carries, that it sends DSPy's bytes,
that DSPy reads its replies as it reads its own, and that faults on it are sorted as on DSPy's path."""

from __future__ import annotations

import asyncio

import dspy
import pytest
from dspy._vendor.lm15.providers.async_base import AsyncBaseProviderLM
from dspy.clients import execution

from harness.adapter import call_settings
from harness.config import ModelSpec, Runtime
from harness.endpoint import client
from harness.endpoint.engine import CallStats, RetryPolicy
from harness.endpoint.errors import EndpointError
from harness.endpoint.limiter import _LIMITERS
from harness.endpoint.wire import ChatWire, shape
from harness.models import build_lm
from harness.signatures import Solve
from harness.sim.engine import SimEngine
from harness.sim.server_process import ServerProcess

MESSAGES = [{"role": "system", "content": "You answer. é"}, {"role": "user", "content": "What is 2+2? \u2028 ü"}]


def test_shape_takes_text_chat_with_known_parameters_only() -> None:
    assert shape({"model": "openai/x", "messages": MESSAGES, "temperature": 0.5, "seed": 3, "rollout_id": None}) \
        == frozenset({("temperature", float), ("seed", int)})
    assert shape({"messages": MESSAGES, "temperature": 1}) == frozenset({("temperature", int)})  # 1 is not 1.0
    refused = [
        {"messages": MESSAGES, "response_format": {"type": "json_object", "extra": 1}},  # not carried
        {"messages": MESSAGES, "tools": []},
        {"messages": MESSAGES, "logprobs": True},
        {"messages": MESSAGES, "temperature": 3.0},  # out of range: DSPy's own check must see it
        {"messages": MESSAGES, "stop": "x"},  # DSPy sends ["x"]
        {"messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}]},  # content parts
        {"messages": [{"role": "tool", "content": "x"}]},
        {"messages": [{"role": "user", "content": "x", "name": "n"}]},
        {"messages": []},
    ]
    for legacy in refused:
        assert shape(legacy) is None, legacy


def _dspy_request(lm: dspy.LM, messages: list[dict[str, str]], kwargs: dict) -> tuple[dict, object]:
    call = execution.prepare(lm, None, messages, kwargs, asynchronous=True)
    return call.legacy, execution._canonical(call)


def test_a_learned_shape_sends_the_bytes_dspy_builds_for_every_call_of_that_shape() -> None:
    spec = ModelSpec(model="openai/weak", api_base="http://127.0.0.1:9/v1")
    inner, _, wire = client._inner_engines(spec, Runtime())
    assert isinstance(wire, ChatWire)
    lm = dspy.LM(spec.model, api_base=spec.api_base, api_key="k")
    # max_tokens: DSPy's body names it max_completion_tokens; the wire writes the same bytes (the
    # endpoint's transport renames it for servers that read max_tokens: test below).
    carried = [{"temperature": 1.0, "seed": 3}, {"top_p": 0.9, "stop": ["x", "y"]},
               {"presence_penalty": 0.1, "frequency_penalty": -0.2, "temperature": 0.0},
               {"max_tokens": 100, "seed": 1}]
    for kwargs in carried:
        legacy, request = _dspy_request(lm, MESSAGES, kwargs)
        assert wire.ready(legacy, shape(legacy)) is None  # not yet verified: DSPy's path
        wire.learn(legacy, shape(legacy), inner, request)
        # Another call of the same shape (other text, other values): the wire's body is DSPy's.
        other = {k: (v + 1 if k == "seed" else v) for k, v in kwargs.items()}
        messages = [*MESSAGES, {"role": "assistant", "content": "4"}, {"role": "user", "content": "And 3+3?"}]
        legacy2, request2 = _dspy_request(lm, messages, other)
        provider, routed = inner._target(request2)
        built, _ = provider._inner._build(routed, stream=False, policy=provider.adaptations)
        assert wire.ready(legacy2, shape(legacy2)) == built.body
    # DSPy writes this differently from the call (1.0 for an int top_p).
    for kwargs in ({"top_p": 1},):
        legacy, request = _dspy_request(lm, MESSAGES, kwargs)
        wire.learn(legacy, shape(legacy), inner, request)
        assert wire.ready(legacy, shape(legacy)) is None and shape(legacy) in wire.refused
    assert len(wire.verified) == len(carried)


def _solver(url: str, direct: bool, stats: CallStats | None = None, retries: int = 6) -> dspy.Predict:
    client.DIRECT_WIRE = direct
    try:
        lm = build_lm(ModelSpec(model="openai/weak", api_base=url), Runtime(max_in_flight=8, num_retries=retries),
                      SimEngine(), cache=False, stats=stats)
    finally:
        client.DIRECT_WIRE = True
    predictor = dspy.Predict(Solve)
    predictor.set_lm(lm)
    return predictor


async def _answers(predictor: dspy.Predict, n: int) -> list[dspy.Prediction]:
    with call_settings():
        return list(await asyncio.gather(*(
            predictor.acall(context="The dock fee is 40. The pilot fee is the dock fee plus 15.",
                            question=f"What is the pilot fee? ({i})", config={"seed": i, "temperature": 1.0})
            for i in range(n))))


def _tokens(prediction: dspy.Prediction) -> dict[str, int]:
    # DSPy's canonical path adds empty ``*_details`` entries; the counts are what is compared.
    usage = prediction.get_lm_usage()["openai/weak"]
    return {k: usage[k] for k in ("prompt_tokens", "completion_tokens", "total_tokens")}


def test_over_http_the_wire_sends_dspys_bytes_and_dspy_reads_the_same_answers(monkeypatch) -> None:  # noqa: ANN001
    """The same 12 calls, first through DSPy's full path, then through the direct route: the server
    sees byte-identical requests (it counts a repeat by the request's bytes), the predictions and
    token counts are the same, and only the first call of the shape went through DSPy's client."""
    through_dspy: list[int] = []
    complete = AsyncBaseProviderLM.complete

    async def counted(self, request):  # noqa: ANN001, ANN202
        through_dspy.append(1)
        return await complete(self, request)

    monkeypatch.setattr(AsyncBaseProviderLM, "complete", counted)
    _LIMITERS.clear()
    with ServerProcess() as server:
        full_stats, wire_stats = CallStats(), CallStats()
        full = asyncio.run(_answers(_solver(server.url, direct=False, stats=full_stats), 12))
        assert len(through_dspy) == 12
        through_dspy.clear()
        predictor = _solver(server.url, direct=True, stats=wire_stats)
        direct = asyncio.run(_answers(predictor, 12))
        served = server.stats()
    assert len(through_dspy) == 1  # the call that verified the shape
    assert predictor.lm._async_engine_spec.wire.verified
    assert served["ok"] == 24 and served["repeated"] == 12
    assert [p.toDict() for p in direct] == [p.toDict() for p in full]
    assert [_tokens(p) for p in direct] == [_tokens(p) for p in full]
    assert wire_stats.as_dict() == full_stats.as_dict()


@pytest.mark.parametrize(("fault", "kind"), [("fault_500", "server_error"), ("fault_malformed", "malformed"),
                                             ("fault_429", "rate_limit")])
def test_faults_on_the_wire_are_sorted_and_retried_as_on_dspys_path(fault: str, kind: str) -> None:
    _LIMITERS.clear()
    with ServerProcess(**{fault: 1.0}, retry_after_s=0.01) as server:
        stats = CallStats()
        predictor = _solver(server.url, direct=True, stats=stats, retries=1)
        predictor.lm._async_engine_spec.policy = RetryPolicy(retries=1, rate_limit_retries=1, base_delay_s=0.01,
                                                             timeout_s=30)
        for _ in range(2):  # the first verifies the shape on DSPy's path; the second goes on the wire
            with pytest.raises(Exception) as raised:  # noqa: PT011 - DSPy wraps it; the cause is checked
                asyncio.run(_answers(predictor, 1))
            seen: BaseException | None = raised.value
            while seen is not None and not isinstance(seen, EndpointError):
                seen = seen.__cause__ or seen.__context__
            assert isinstance(seen, EndpointError) and seen.kind == kind
    assert predictor.lm._async_engine_spec.wire.verified
    counts = stats.counts["openai/weak"]
    assert (counts["requests"], counts[f"error.{kind}"], counts["retries"], counts["ok"]) == (4, 4, 2, 0)


def test_each_event_loop_gets_its_own_connections() -> None:
    """A process runs one loop per generation with the same LMs: no call may fail on a connection
    left by an earlier loop (it did, once per new loop, before transports were kept per loop)."""
    _LIMITERS.clear()
    with ServerProcess() as server:
        for direct in (False, True):
            stats = CallStats()
            predictor = _solver(server.url, direct=direct, stats=stats)
            for _ in range(3):
                asyncio.run(_answers(predictor, 4))
            assert stats.as_dict() == {"openai/weak": {"ok": 12, "requests": 12, "simulated": 12}}, direct


def _solve_calls(spec: ModelSpec, n: int = 3) -> list[dspy.Prediction]:
    lm = build_lm(spec, Runtime(num_retries=0), SimEngine(), cache=False)
    predictor = dspy.Predict(Solve)
    predictor.set_lm(lm)

    async def calls() -> list[dspy.Prediction]:
        with call_settings():
            return [await predictor.acall(context="c", question=f"q{i}", config={"seed": i, "temperature": 0.5})
                    for i in range(n)]

    return asyncio.run(calls()), lm


SOLVED = "[[ ## answer ## ]]\nworked\n\n[[ ## final_answer ## ]]\nYes\n\n[[ ## completed ## ]]"


@pytest.mark.parametrize("engine", ["auto", "litellm"])
def test_the_reply_cap_goes_out_as_max_tokens_to_an_api_base_on_every_route(engine: str) -> None:
    """llama-cpp-python reads only max_tokens (it ignores DSPy's max_completion_tokens): the first
    call (DSPy's path), the direct route after it, and LiteLLM all send the role's cap under it."""
    from openai_fake import FakeOpenAI

    _LIMITERS.clear()
    with FakeOpenAI(reply=lambda body: SOLVED) as fake:
        predictions, lm = _solve_calls(ModelSpec(model="openai/gemma", api_base=fake.url, max_tokens=77, engine=engine))
    assert [p.final_answer for p in predictions] == ["Yes"] * 3
    assert [b.get("max_tokens") for b in fake.bodies] == [77, 77, 77]
    assert not any("max_completion_tokens" in b for b in fake.bodies)
    wire = lm._async_engine_spec.wire
    assert (wire is not None and len(wire.verified) == 1) == (engine == "auto")  # the capped shape went direct


def test_reply_cap_name_keeps_openais_name_where_configured() -> None:
    from openai_fake import FakeOpenAI

    _LIMITERS.clear()
    with FakeOpenAI(reply=lambda body: SOLVED) as fake:
        _solve_calls(ModelSpec(model="openai/gemma", api_base=fake.url, max_tokens=50,
                               reply_cap_name="max_completion_tokens"), n=2)
    assert [b.get("max_completion_tokens") for b in fake.bodies] == [50, 50]
    assert not any("max_tokens" in b for b in fake.bodies)


def test_engine_litellm_runs_against_serve_sim() -> None:
    """It crashed with 'Unknown engine client options: [num_retries]' before any call."""
    _LIMITERS.clear()
    with ServerProcess() as server:
        predictions, lm = _solve_calls(ModelSpec(model="openai/weak", api_base=server.url, engine="litellm"), n=4)
        served = server.stats()
    assert len(predictions) == 4 and all(p.final_answer for p in predictions)
    assert served["ok"] == 4
    assert type(lm._async_engine_spec.inner).__name__.startswith("AsyncLiteLLMEngine")


@pytest.mark.parametrize("mode", ["json_object", "json_schema"])
def test_a_structured_call_goes_direct_with_its_schema_and_its_reply_parses(mode: str) -> None:
    """DSPy's canonical request cannot carry llama.cpp's json_object + schema: the direct route
    verifies the call's shape without the format and sends the format as the server reads it."""
    from openai_fake import FakeOpenAI

    from harness.adapter import adapter_for
    from harness.structured import response_format

    _LIMITERS.clear()
    spec = ModelSpec(model="openai/gemma", api_base="http://127.0.0.1:9/v1", max_tokens=64)
    with FakeOpenAI(schemas=True) as fake:
        spec = spec.model_copy(update={"api_base": fake.url})
        lm = build_lm(spec, Runtime(num_retries=0), SimEngine(), cache=False)
        predictor = dspy.Predict(Solve)
        predictor.set_lm(lm)
        rf = response_format(mode, Solve)

        async def calls() -> list[dspy.Prediction]:
            with call_settings(), adapter_for(True):
                return [await predictor.acall(context="c", question=f"q{i}",
                                              config={"seed": i, "temperature": 0.5, "response_format": rf})
                        for i in range(2)]

        if mode == "json_schema":  # llama-cpp-python's answer to json_schema: HTTP 500, sent as it was
            with pytest.raises(Exception):  # noqa: B017, PT011 - DSPy wraps the endpoint's error
                asyncio.run(calls())
            assert fake.bodies and fake.bodies[0]["response_format"] == rf
            return
        predictions = asyncio.run(calls())
    assert [b["response_format"] for b in fake.bodies] == [rf, rf]  # the schema went out on every call
    assert rf["schema"]["properties"]["final_answer"]["maxLength"] == 200
    assert [p.final_answer for p in predictions] == ["x", "x"]  # the fake's schema-following reply, parsed
    assert len(lm._async_engine_spec.wire.verified) == 1  # verified without the format: direct from the first


def test_shape_carries_the_two_structured_formats_and_nothing_else() -> None:
    schema = {"type": "object", "properties": {}}
    base = {"messages": MESSAGES, "temperature": 0.5}
    assert shape({**base, "response_format": {"type": "json_object", "schema": schema}}) == shape(base)
    assert shape({**base, "response_format": {"type": "json_schema", "json_schema": {"name": "S", "schema": schema}}}) \
        == shape(base)
    assert shape({**base, "response_format": {"type": "json_schema"}}) is None
    assert shape({**base, "response_format": {"type": "text"}}) is None
