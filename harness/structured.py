"""Structured outputs: the JSON schema each role's reply must follow, and how an endpoint is asked for it.

The schema of a signature is DSPy's own structured-output schema for it (the one its JSONAdapter
sends, ``_get_structured_outputs_response_format``), with ``$ref``s inlined and bounds added:
every string gets a ``maxLength`` and every array a ``maxItems`` (a rubric 1-50 criteria, a
judge's verdicts exactly one per criterion). A base model under a grammar loops inside a string
until ``max_tokens`` (STACK.md section 8); the bounds end such a reply early and cheaply.

How the schema travels depends on the endpoint (``ModelSpec.structured``):

- ``json_schema``: ``response_format: {"type": "json_schema", "json_schema": {"name", "schema"}}``
  (OpenAI, vLLM, Ollama; DSPy's native client carries it);
- ``json_object``: ``response_format: {"type": "json_object", "schema": ...}`` (llama-cpp-python's
  server, which answers ``json_schema`` with HTTP 500 and constrains ``json_object`` to the schema);
- ``off``: no ``response_format``; the ChatAdapter's text format, as before;
- ``auto``: the offline world and its server keep the text format (no decoding to constrain); a
  hosted model takes ``json_schema`` when LiteLLM's ``supports_response_schema`` says so; an
  ``api_base`` server is probed once, ``json_schema`` first, then ``json_object``, and the answer
  is remembered per endpoint (and in the run directory, so a rerun sends no probe).

The prompt is DSPy's JSONAdapter format whenever a schema is sent (``adapter.CachingJSONAdapter``),
the same format the ChatAdapter falls back to: one JSON prompt format, not a second one.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any, Literal

import dspy

from harness.endpoint import shared
from harness.endpoint.errors import BudgetExceeded, EndpointError

Mode = Literal["json_schema", "json_object", "off"]
Setting = Literal["auto", "json_schema", "json_object", "off"]
MODES: tuple[Mode, ...] = ("json_schema", "json_object", "off")

RUBRIC_MIN, RUBRIC_MAX = 1, 50
# Characters per output string, by field name (a generous ceiling for real models, a short one
# for fields that are short by nature); other strings get DEFAULT_MAX_CHARS.
MAX_CHARS = {
    "context": 6000, "question": 1500, "reference_answer": 4000, "final_answer": 200, "question_type": 80,
    "criterion": 300, "explanation": 800, "answer": 3000, "guidance": 1500, "reasoning": 3000,
}
DEFAULT_MAX_CHARS = 1000
MAX_ITEMS = {"rubric": RUBRIC_MAX, "skill_tags": 8, "verdicts": RUBRIC_MAX}
DEFAULT_MAX_ITEMS = 20
ITEM_CHARS = {"skill_tags": 60}
# The preflight's probe (``tight``): a short reply is enough to judge whether the schema is
# followed, so every string is short, every list has one item, and numbers are a few small
# integers (digits loop under a grammar as strings do).
TIGHT_CHARS, TIGHT_ITEMS, TIGHT_NUMBERS = 24, 1, [-2, -1, 0, 1, 2, 3]


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(copy.deepcopy(defs[ref.removeprefix("#/$defs/")]), defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(v, defs) for v in node]
    return node


def _tighten(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _tighten(v) for k, v in node.items() if k not in ("title", "description")}
        if out.get("type") == "string" and "enum" not in out:
            out["maxLength"] = TIGHT_CHARS
        elif out.get("type") in ("number", "integer"):
            out = {"type": "integer", "enum": TIGHT_NUMBERS}
        elif out.get("type") == "array":
            out["maxItems"], out["minItems"] = TIGHT_ITEMS, 1
        return out
    if isinstance(node, list):
        return [_tighten(v) for v in node]
    return node


def _bound(node: dict[str, Any], name: str) -> None:
    kind = node.get("type")
    if kind == "string" and "enum" not in node:
        node.setdefault("maxLength", MAX_CHARS.get(name, DEFAULT_MAX_CHARS))
    elif kind == "array":
        node.setdefault("maxItems", MAX_ITEMS.get(name, DEFAULT_MAX_ITEMS))
        if name == "rubric":
            node.setdefault("minItems", RUBRIC_MIN)
        items = node.get("items")
        if isinstance(items, dict):
            if items.get("type") == "string":
                items.setdefault("maxLength", ITEM_CHARS.get(name, DEFAULT_MAX_CHARS))
            else:
                _bound(items, name)
    elif kind == "object":
        for key, child in (node.get("properties") or {}).items():
            if isinstance(child, dict):
                _bound(child, key)


@lru_cache(maxsize=64)
def _schema_text(signature: type[dspy.Signature]) -> str:
    from dspy.adapters.json_adapter import _get_structured_outputs_response_format

    schema = _get_structured_outputs_response_format(signature).model_json_schema()
    schema = _inline(schema, schema.get("$defs", {}))
    _bound(schema, "")
    return json.dumps(schema)


def output_schema(signature: type[dspy.Signature], verdicts: int | None = None, tight: bool = False) -> dict[str, Any]:
    """The bounded JSON schema of a signature's outputs; ``verdicts`` pins the judge's list length;
    ``tight``: the preflight's bounds (``TIGHT_*``), for a probe whose reply only has to show the form."""
    schema = json.loads(_schema_text(signature))
    if tight:
        return _tighten(schema)
    field = schema.get("properties", {}).get("verdicts")
    if verdicts is not None and isinstance(field, dict):
        field["minItems"] = field["maxItems"] = verdicts
    return schema


# llama.cpp's grammar parser refuses a string bound much over 1,000 characters ("number of rules
# that are going to be repeated ... exceeds sane defaults"), and llama-cpp-python 0.3.36's server
# then dies (SIGSEGV): measured on Gemma 3 270M, a bound of 1000 works and 1200 kills the server.
# A reply cap bounds a string anyway: about CHARS_PER_TOKEN characters per reply token (a wider
# bound only makes the server's grammar larger, and it is built for every request).
JSON_OBJECT_MAX_CHARS = 1000
CHARS_PER_TOKEN = 6


def _capped(node: Any, chars: int) -> Any:
    if isinstance(node, dict):
        out = {k: _capped(v, chars) for k, v in node.items()}
        if isinstance(out.get("maxLength"), int):
            out["maxLength"] = min(out["maxLength"], chars)
        return out
    if isinstance(node, list):
        return [_capped(v, chars) for v in node]
    return node


def response_format(mode: Mode, signature: type[dspy.Signature], verdicts: int | None = None,
                    tight: bool = False, reply_tokens: int | None = None) -> dict[str, Any] | None:
    """The ``response_format`` a call of ``signature`` carries in ``mode`` (None: no schema is sent);
    ``reply_tokens``: the call's reply cap, which bounds every string's length too."""
    if mode == "off":
        return None
    schema = output_schema(signature, verdicts, tight)
    if mode == "json_object":  # llama.cpp's grammar: see JSON_OBJECT_MAX_CHARS
        chars = min(JSON_OBJECT_MAX_CHARS, CHARS_PER_TOKEN * reply_tokens if reply_tokens else JSON_OBJECT_MAX_CHARS)
        return {"type": "json_object", "schema": _capped(schema, max(chars, 16))}
    return {"type": "json_schema", "json_schema": {"name": signature.__name__, "schema": schema}}


class _Probe(dspy.Signature):
    """Reply with ok set to true."""

    ok: bool = dspy.OutputField()


PROBE_PROMPT = 'Reply with this JSON object and nothing else: {"ok": true}'


def endpoint_key(spec: Any) -> str:
    """What a probe's answer is remembered under: the server (every model it serves is decoded by
    the same server), or the hosted model."""
    return _redacted_address(spec.base_url().rstrip("/")) if spec.api_base else spec.model


@lru_cache(maxsize=256)
def _redacted_address(url: str) -> str:
    # The address a call goes to, its credentials redacted (the key is written to structured.json).
    # Once per address: every call asks (known()), and redacting reads the whole environment.
    from harness.secrets import redact_text

    return redact_text(url)


# What this process has found out, shared by every run in it (sweeps run many generations), and
# what the preflight found (harness/preflight.py): a run's ``StructuredModes`` probes only what
# is in neither.
_FOUND: dict[str, str] = {}


def remember(spec: Any, mode: Mode) -> None:
    """Records ``mode`` as the one ``spec``'s endpoint takes (the preflight's finding, or a probe's)."""
    _FOUND[endpoint_key(spec)] = mode


def found(spec: Any) -> Mode | None:
    mode = _FOUND.get(endpoint_key(spec))
    return mode if mode in MODES else None  # type: ignore[return-value]


def follows(text: Any, required: list[str] | None = None) -> bool:
    """Whether a reply is one JSON object (with the ``required`` fields, when given)."""
    try:
        value = json.loads(text, strict=False)  # a raw newline inside a string: still the format
    except (TypeError, ValueError):
        return False
    return isinstance(value, dict) and all(name in value for name in required or ())


# A probe's transport: sends one request carrying ``response_format`` and returns the reply's
# text, or None when the endpoint refused the format (it raises when the endpoint is down).
Send = Callable[[Mode, dict[str, Any]], Awaitable[str | None]]


async def probe(send: Send, signature: type[dspy.Signature] | None = None,
                modes: tuple[Mode, ...] = ("json_schema", "json_object"), tight: bool = False) -> tuple[Mode, Mode | None]:
    """(the first of ``modes`` whose reply follows ``signature``'s schema, else "off"; the first the
    endpoint accepted, followed or not). The one probe both a run (``StructuredModes``) and the
    preflight use; each brings its transport."""
    accepted: Mode | None = None
    for mode in modes:
        schema = output_schema(signature or _Probe, tight=tight)
        text = await send(mode, response_format(mode, signature or _Probe, tight=tight) or {})
        if text is None:
            continue
        accepted = accepted or mode
        if follows(text, list(schema.get("required", [])) if signature else None):
            return mode, accepted
    return "off", accepted


def _refused(error: BaseException) -> bool:
    """Whether a probe's failure means "this format is not accepted" (not: the endpoint is down)."""
    from dspy.utils.exceptions import LMUnsupportedFeatureError

    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, EndpointError):
            return seen.kind in ("bad_request", "server_error")
        if isinstance(seen, (LMUnsupportedFeatureError, ValueError, TypeError)):
            return True  # DSPy's client cannot carry the format at all
        seen = seen.__cause__ or seen.__context__
    return False


class StructuredModes:
    """The mode of each role's endpoint: configured, or found once (``auto``) and remembered.

    ``memory`` maps ``endpoint_key`` to a mode; the generation loads it from, and saves it to,
    the run directory, so a resumed run probes nothing; within a process every run shares what
    any run found.
    """

    def __init__(self, memory: dict[str, str] | None = None) -> None:
        self.memory: dict[str, str] = {**_FOUND, **(memory or {})}
        self._locks: dict[str, asyncio.Lock] = {}
        self.probes = 0

    def known(self, spec: Any) -> Mode | None:
        setting = getattr(spec, "structured", "auto")
        if setting != "auto":
            return setting
        if spec.simulated:
            return "off"
        remembered = self.memory.get(endpoint_key(spec)) or found(spec)  # found: by the preflight, since
        if remembered in MODES:
            return remembered  # type: ignore[return-value]
        if not spec.api_base:
            return "json_schema" if _litellm_supports_schema(spec.model) else "off"
        return None

    async def mode(self, spec: Any, lm: dspy.LM, served_by_world: Callable[[], int] = lambda: 0) -> Mode:
        """``served_by_world`` counts replies the offline world wrote (serve-sim behind an ``api_base``)."""
        known = self.known(spec)
        if known is not None:
            return known
        key = endpoint_key(spec)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:  # one probe per endpoint, however many roles and tasks ask at once
            if key not in self.memory:
                self.memory[key] = _FOUND[key] = await self._probe(lm, served_by_world)
        return self.memory[key]  # type: ignore[return-value]

    async def _probe(self, lm: dspy.LM, served_by_world: Callable[[], int]) -> Mode:
        before = served_by_world()

        async def send(mode: Mode, rf: dict[str, Any]) -> str | None:
            self.probes += 1
            try:
                with shared.outside():  # its caller's wave may wait for this lock: it must not wait for them
                    outputs = await lm.acall(PROBE_PROMPT, response_format=rf, temperature=0.0, max_tokens=16)
            except BudgetExceeded:
                raise
            except Exception as error:
                if _refused(error):
                    return None
                raise
            if served_by_world() > before:  # serve-sim: the offline world reads the text format natively
                raise _World
            return outputs[0] if outputs and isinstance(outputs[0], str) else str((outputs or [""])[0])

        try:
            return (await probe(send))[0]
        except _World:
            return "off"


class _World(Exception):
    """The probe was answered by the offline world (serve-sim), which reads the text format."""


@lru_cache(maxsize=64)
def _litellm_supports_schema(model: str) -> bool:
    try:
        import litellm

        return bool(litellm.supports_response_schema(model=model))
    except Exception:  # a model LiteLLM does not know: the text format
        return False
