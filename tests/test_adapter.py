"""The caching adapter writes and reads exactly what DSPy's ChatAdapter does, on every call of a
real generation (all roles), and fails where it fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dspy
import pytest
from dspy.utils.exceptions import AdapterParseError

import harness.adapter
from harness.adapter import CachingChatAdapter
from harness.config import parse_config
from harness.documents import load_documents
from harness.generate import generate
from harness.signatures import Judge, Solve


class _Recording:
    """Keeps every message list an adapter formats and every completion it parses."""

    def __init__(self) -> None:
        super().__init__()
        self.formats: list[tuple[Any, list, dict, list]] = []
        self.parses: list[tuple[Any, str]] = []

    def format(self, signature: Any, demos: list, inputs: dict) -> list:
        messages = super().format(signature, demos, inputs)
        self.formats.append((signature, list(demos), dict(inputs), messages))
        return messages

    def parse(self, signature: Any, completion: str) -> dict[str, Any]:
        self.parses.append((signature, completion))
        return super().parse(signature, completion)


class Recorder(_Recording, CachingChatAdapter):
    pass


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Recorder:
    recorder = Recorder()
    original = harness.adapter._SHARED
    harness.adapter._SHARED = recorder  # call_settings() reads it on every generation
    try:
        config = parse_config({"documents": {"count": 4}, "tracking": {"enabled": False}})
        generate(config, load_documents(config.documents), Path(tmp_path_factory.mktemp("adapter")))
    finally:
        harness.adapter._SHARED = original
    return recorder


def test_every_role_was_recorded(recorded: Recorder) -> None:
    # Signatures carry the harness's instructions (with_instructions), so roles are told by outputs.
    outputs = {frozenset(sig.output_fields) for sig, _ in recorded.parses}
    for role_output in ("rubric", "verdict", "answer", "verdicts", "guidance"):
        assert any(role_output in names for names in outputs), role_output
    assert len(recorded.parses) > 50


def test_messages_are_identical_to_dspy_chat_adapter(recorded: Recorder) -> None:
    stock = dspy.ChatAdapter()
    for signature, demos, inputs, messages in recorded.formats:
        assert stock.format(signature, demos, inputs) == messages, list(signature.output_fields)


def test_parsed_values_are_identical_to_dspy_chat_adapter(recorded: Recorder) -> None:
    stock, ours = dspy.ChatAdapter(), CachingChatAdapter()
    for signature, completion in recorded.parses:
        assert ours.parse(signature, completion) == stock.parse(signature, completion), list(signature.output_fields)


@pytest.mark.parametrize(("signature", "completion"), [
    (Solve, "no fields at all"),
    (Judge, "[[ ## verdicts ## ]]\n{'not': 'a list'}\n\n[[ ## completed ## ]]"),
    (Judge, "[[ ## verdicts ## ]]\n[true, \"maybe\"]\n\n[[ ## completed ## ]]"),
])
def test_bad_replies_fail_as_in_dspy(signature: Any, completion: str) -> None:
    with pytest.raises(AdapterParseError):
        dspy.ChatAdapter().parse(signature, completion)
    with pytest.raises(AdapterParseError):
        CachingChatAdapter().parse(signature, completion)


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def test_input_values_format_as_in_dspy() -> None:
    """Non-string inputs (rubrics, lists, numbers, models, values pydantic cannot handle) render to
    the same text as DSPy's ``format_field_value``, with the per-type TypeAdapter reused."""
    import numpy as np
    from dspy.adapters.utils import format_field_value
    from pydantic import BaseModel

    from harness.adapter import format_value

    class Criterion(BaseModel):
        text: str
        weight: float

    text_field, list_field, any_field = dspy.InputField(), dspy.InputField(), dspy.InputField()
    text_field.annotation, list_field.annotation, any_field.annotation = str, list[str], Any
    values: list[Any] = [
        {"criterion": "états", "weight": 0.5, "nested": [1, 2.5, None]},
        [{"text": "cites the exception", "weight": 2.0}],
        [Criterion(text="a", weight=1.0), Criterion(text="b", weight=0.25)],
        Criterion(text="c", weight=3.0),
        3, 2.5, True, None, ("a", 1), {"x": np.float64(1.5)}, np.int64(7), _Opaque(), [_Opaque()],
    ]
    def outcome(render: Any, field: Any, value: Any) -> tuple[str, str]:
        try:
            return "text", render(field, value)
        except Exception as error:  # a list of non-strings on a str field fails in DSPy too
            return "error", type(error).__name__

    for field in (text_field, list_field, any_field):
        for value in [*values, ["first", "second"]]:
            for _ in range(2):  # the second time from the cached TypeAdapter
                ours, dspys = outcome(format_value, field, value), outcome(format_field_value, field, value)
                assert ours == dspys, (field.annotation, value)
    assert outcome(format_value, text_field, [_Opaque()]) == ("error", "TypeError")


# --- the JSON format: what a call sends with a JSON schema, and the ChatAdapter's fallback ------

class JSONRecorder(_Recording, harness.adapter.CachingJSONAdapter):
    pass


@pytest.fixture(scope="module")
def recorded_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[JSONRecorder, dict]:
    """A whole generation with every role asked for its JSON schema (``structured: json_schema``)."""
    recorder = JSONRecorder()
    original = harness.adapter._SHARED_JSON
    harness.adapter._SHARED_JSON = recorder
    roles = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")
    try:
        config = parse_config({"documents": {"count": 3}, "tracking": {"enabled": False},
                               "models": {r: {"model": f"sim/{r}", "structured": "json_schema"} for r in roles}})
        summary = generate(config, load_documents(config.documents), Path(tmp_path_factory.mktemp("adapter-json")))
    finally:
        harness.adapter._SHARED_JSON = original
    return recorder, summary


def test_structured_messages_are_identical_to_dspy_json_adapter(recorded_json: tuple[JSONRecorder, dict]) -> None:
    recorder, summary = recorded_json
    assert summary["rounds"] > 0 and summary["parse_failures"] == {}
    outputs = {frozenset(sig.output_fields) for sig, *_ in recorder.formats}
    for role_output in ("rubric", "verdict", "answer", "verdicts", "guidance"):
        assert any(role_output in names for names in outputs), role_output
    stock = dspy.JSONAdapter()
    for signature, demos, inputs, messages in recorder.formats:
        assert stock.format(signature, demos, inputs) == messages, list(signature.output_fields)
    # The fallback of the text format is the same JSON format, not a second one.
    assert CachingChatAdapter()._make_json_adapter_fallback() is harness.adapter._SHARED_JSON


def test_structured_replies_parse_as_in_dspy_json_adapter(recorded_json: tuple[JSONRecorder, dict]) -> None:
    recorder, _ = recorded_json
    assert recorder.parses and all(completion.lstrip().startswith("{") for _, completion in recorder.parses)
    stock, ours = dspy.JSONAdapter(), harness.adapter.CachingJSONAdapter()
    for signature, completion in recorder.parses:
        assert ours.parse(signature, completion) == stock.parse(signature, completion), list(signature.output_fields)
