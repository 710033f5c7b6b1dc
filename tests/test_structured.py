"""Structured outputs: bounded schemas (DSPy's own, plus maxLength/maxItems), the wire spelling of
each mode, the auto probe (once per endpoint, remembered), and the mode reaching the request."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import dspy
import pytest
from dspy.adapters.json_adapter import _get_structured_outputs_response_format

from harness import structured
from harness.config import ModelSpec, parse_config
from harness.documents import load_documents
from harness.endpoint.errors import EndpointError
from harness.generate import STRUCTURED_FILE, generate
from harness.models import ModelRegistry
from harness.signatures import Challenge, Judge, Orchestrate, Solve, VerifyQuality
from harness.structured import StructuredModes, output_schema, response_format

ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")


def _walk(node: Any, path: str = "") -> list[tuple[str, dict]]:
    found = []
    if isinstance(node, dict):
        if node.get("type") in ("string", "array"):
            found.append((path, node))
        for key, child in node.items():
            found += _walk(child, f"{path}.{key}")
    elif isinstance(node, list):
        for i, child in enumerate(node):
            found += _walk(child, f"{path}[{i}]")
    return found


@pytest.mark.parametrize("signature", [Challenge, VerifyQuality, Solve, Judge, Orchestrate])
def test_schema_is_dspys_with_every_string_and_array_bounded(signature: type[dspy.Signature]) -> None:
    ours = output_schema(signature)
    dspys = _get_structured_outputs_response_format(signature).model_json_schema()
    assert ours["required"] == dspys["required"] == list(signature.output_fields)
    assert ours["additionalProperties"] is False
    for name, prop in ours["properties"].items():
        theirs = dspys["properties"][name]
        if "$ref" in theirs:
            theirs = dspys["$defs"][theirs["$ref"].rsplit("/", 1)[-1]]
        assert prop.get("type") == theirs.get("type") and prop.get("enum") == theirs.get("enum"), name
    assert "$defs" not in json.dumps(ours) and "$ref" not in json.dumps(ours)
    for path, node in _walk(ours):
        if node["type"] == "string" and "enum" not in node:
            assert 0 < node["maxLength"] <= 6000, path
        if node["type"] == "array":
            assert 0 < node["maxItems"] <= 50, path


def test_rubric_and_verdict_bounds() -> None:
    rubric = output_schema(Challenge)["properties"]["rubric"]
    assert (rubric["minItems"], rubric["maxItems"]) == (1, 50)
    assert rubric["items"]["properties"]["weight"]["type"] == "number"
    assert rubric["items"]["properties"]["criterion"]["maxLength"] == structured.MAX_CHARS["criterion"]
    verdicts = output_schema(Judge, verdicts=7)["properties"]["verdicts"]
    assert (verdicts["minItems"], verdicts["maxItems"]) == (7, 7)
    assert output_schema(Judge)["properties"]["verdicts"].get("minItems") is None  # a pinned copy, not shared


def test_each_mode_is_spelled_as_its_servers_take_it() -> None:
    assert response_format("off", Solve) is None
    sent = response_format("json_object", Solve)
    assert sent["type"] == "json_object" and sent["schema"]["required"] == output_schema(Solve)["required"]
    assert sent["schema"]["properties"]["answer"]["maxLength"] == 1000  # llama.cpp's grammar (test below)
    # llama-cpp-python's server: json_object + schema; OpenAI, vLLM, Ollama: json_schema.
    assert response_format("json_schema", Solve) == {
        "type": "json_schema", "json_schema": {"name": "Solve", "schema": output_schema(Solve)}}


class FakeLM:
    """Answers the probe like a server that refuses some formats; counts what it was sent."""

    def __init__(self, refuses: set[str], reply: str = '{"ok": true}', kind: str = "server_error") -> None:
        self.refuses, self.reply, self.kind = refuses, reply, kind
        self.sent: list[str] = []

    async def acall(self, prompt: str, **kwargs: Any) -> list[str]:
        mode = kwargs["response_format"]["type"]
        self.sent.append(mode)
        if mode in self.refuses:
            raise EndpointError(self.kind, "openai/m", "http://x/v1", "HTTP 500: Input should be 'text' or 'json_object'")
        return [self.reply]


def spec(**fields: Any) -> ModelSpec:
    return ModelSpec(**{"model": "openai/gemma", "api_base": "http://127.0.0.1:9/v1", **fields})


def test_auto_probes_once_per_endpoint_and_remembers() -> None:
    structured._FOUND.clear()
    modes = StructuredModes()
    lm = FakeLM(refuses={"json_schema"})  # llama-cpp-python's server: 500 on json_schema

    async def many() -> list[str]:
        return await asyncio.gather(*(modes.mode(spec(), lm) for _ in range(5)))

    assert asyncio.run(many()) == ["json_object"] * 5
    assert lm.sent == ["json_schema", "json_object"]  # one probe of each, however many callers
    assert modes.memory == {"http://127.0.0.1:9/v1": "json_object"}
    again = StructuredModes()  # the same process: found already
    assert asyncio.run(again.mode(spec(model="openai/other"), lm)) == "json_object" and len(lm.sent) == 2
    structured._FOUND.clear()
    loaded = StructuredModes(modes.memory)  # a resumed run: read from its directory
    assert asyncio.run(loaded.mode(spec(), FakeLM(set()))) == "json_object"


def test_auto_keeps_the_text_format_when_nothing_is_accepted() -> None:
    structured._FOUND.clear()
    lm = FakeLM(refuses={"json_schema", "json_object"}, kind="bad_request")
    assert asyncio.run(StructuredModes().mode(spec(), lm)) == "off"
    structured._FOUND.clear()
    not_json = FakeLM(refuses=set(), reply="ok sure")  # accepted but not honoured
    assert asyncio.run(StructuredModes().mode(spec(), not_json)) == "off"
    structured._FOUND.clear()


def test_a_dead_endpoint_is_not_taken_for_a_refusal() -> None:
    structured._FOUND.clear()
    with pytest.raises(EndpointError):
        asyncio.run(StructuredModes().mode(spec(), FakeLM({"json_schema"}, kind="connection")))
    assert structured._FOUND == {}  # nothing remembered: the next run probes again


def test_settings_that_need_no_probe() -> None:
    modes = StructuredModes()
    assert modes.known(spec(structured="json_schema")) == "json_schema"
    assert modes.known(spec(structured="off")) == "off"
    assert modes.known(ModelSpec(model="sim/weak")) == "off"  # the offline world reads the text format
    assert modes.known(ModelSpec(model="openai/gpt-4o-mini")) == "json_schema"  # LiteLLM: supports_response_schema
    assert modes.known(spec()) is None  # an api_base server: probed


def test_json_schema_mode_reaches_every_request_and_the_world_answers_json(tmp_path: Path) -> None:
    config = parse_config({"documents": {"count": 2}, "tracking": {"enabled": False},
                           "models": {r: {"model": f"sim/{r}", "structured": "json_schema"} for r in ROLES}})
    registry = ModelRegistry(config.models, config.runtime)
    seen: list[tuple[str, Any, str]] = []
    original = registry.sim_engine.reply

    def spy(request: Any) -> Any:
        response, latency = original(request)
        seen.append((request.model, request.config.response_format, response.message.parts[0].text))
        return response, latency

    registry.sim_engine.reply = spy
    summary = generate(config, load_documents(config.documents), tmp_path, registry=registry)
    assert summary["rounds"] > 0 and summary["parse_failures"] == {}
    assert {model for model, _, _ in seen} == {f"sim/{r}" for r in ROLES}
    for _, fmt, text in seen:
        assert fmt["type"] == "json_schema" and fmt["schema"]["additionalProperties"] is False
        assert isinstance(json.loads(text), dict)
    judge = [fmt for model, fmt, _ in seen if model == "sim/judge"]
    assert all(f["schema"]["properties"]["verdicts"]["minItems"] == f["schema"]["properties"]["verdicts"]["maxItems"]
               for f in judge)
    assert json.loads((tmp_path / STRUCTURED_FILE).read_text()) == {}  # configured: nothing probed


def test_a_mode_the_client_cannot_carry_is_counted_not_crashed(tmp_path: Path) -> None:
    """DSPy's native client cannot carry llama.cpp's json_object+schema spelling in-process: every
    challenger call fails as ``unsupported``, each document stops after its error cap, and the
    summary says so."""
    config = parse_config({"documents": {"count": 2}, "tracking": {"enabled": False},
                           "runtime": {"errors_per_document": 2},
                           "models": {r: {"model": f"sim/{r}", "structured": "json_object"} for r in ROLES}})
    summary = generate(config, load_documents(config.documents), tmp_path)
    assert summary["rounds"] == summary["error_rounds"] == 4
    assert summary["documents_stopped_for_errors"] == 2
    assert summary["parse_failures"] == {"challenger": {"unsupported": 4}}  # not retried: no seed helps
    assert summary["error_reasons"] == {"challenger:unsupported": 4}


def test_json_object_bounds_every_string_as_llama_cpp_can_build_it() -> None:
    """llama-cpp-python's server dies on a string bound of 1200 (1000 works): json_object (its
    mode) keeps every bound at or under 1000, and under what the reply cap can write."""
    from harness.signatures import Challenge
    from harness.structured import CHARS_PER_TOKEN, JSON_OBJECT_MAX_CHARS

    def bounds(node: Any) -> list[int]:
        if isinstance(node, dict):
            return ([node["maxLength"]] if "maxLength" in node else []) + [b for v in node.values() for b in bounds(v)]
        return [b for v in node for b in bounds(v)] if isinstance(node, list) else []

    wide = bounds(response_format("json_schema", Challenge)["json_schema"]["schema"])
    assert max(wide) == 6000  # the context: OpenAI and vLLM build any bound
    assert max(bounds(response_format("json_object", Challenge)["schema"])) == JSON_OBJECT_MAX_CHARS == 1000
    capped = bounds(response_format("json_object", Challenge, reply_tokens=64)["schema"])
    assert max(capped) == 64 * CHARS_PER_TOKEN and min(capped) == min(wide)  # short bounds stay
