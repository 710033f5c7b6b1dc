"""Chat completions for an OpenAI-compatible ``api_base``, sent as DSPy's native client sends them.

For every call DSPy converts the OpenAI-style messages it formatted into lm15's canonical
request, routes it, converts it back into the OpenAI JSON body, and turns the reply into lm15's
canonical response and then back into the outputs its adapter reads. Against a self-hosted
server (vLLM, Ollama, llama.cpp, serve-sim) the body that goes out is the same OpenAI body the
call started from, so ``ChatWire`` sends that body itself, through DSPy's own transport and with
DSPy's own error mapping, and reads the reply as DSPy reads an OpenAI reply from LiteLLM
(``CallResult.legacy``). Measured with experiments/bench/client_cpu.py (5 interleaved rounds),
DSPy's full path costs x1.52 the client CPU per solver call of this route (1.95 against 1.26 ms),
and concurrent calls per second rose from 0.74 to 0.84 of serve-sim's limit.

Nothing is assumed about what DSPy would send: a call shape (its set of parameters) goes on the
wire only after one call of that shape went through DSPy's path and the body DSPy built for it
was byte for byte this one (keys in DSPy's order, serialized by DSPy's own function), with
nothing adapted; the address and headers are the ones DSPy built.
A shape this module does not carry, or one whose body differed, always takes DSPy's path.

``response_format`` is the one exception: DSPy's canonical request cannot carry llama.cpp's
``{"type": "json_object", "schema": ...}`` at all, so a structured call's shape is verified
without it (``bare``) and the format (``json_schema`` or ``json_object``, with its schema) is
appended to the verified body as the OpenAI-compatible server reads it (``carried_format``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from dspy._vendor.lm15.providers.common import json_dumps
from dspy.clients.backend_selection import CLIENT_KEYS

# What an OpenAI-compatible chat body carries unchanged (sent only once verified against DSPy's),
# with the values DSPy's client accepts; any other value goes DSPy's way and meets its checks.
_NUMBER = (int, float)
CARRIED: dict[str, Callable[[Any], bool]] = {
    "temperature": lambda v: isinstance(v, _NUMBER) and 0 <= v <= 2,
    "top_p": lambda v: isinstance(v, _NUMBER) and 0 <= v <= 1,
    "presence_penalty": lambda v: isinstance(v, _NUMBER) and -2 <= v <= 2,
    "frequency_penalty": lambda v: isinstance(v, _NUMBER) and -2 <= v <= 2,
    "max_tokens": lambda v: isinstance(v, int) and v > 0,
    "seed": lambda v: isinstance(v, int),
    "stop": lambda v: isinstance(v, list) and 0 < len(v) <= 4 and all(isinstance(x, str) and x for x in v),
}
# Keys of DSPy's call that never go into the body: its client settings and the controls its
# canonical conversion drops (as ``dspy.clients.execution._canonical``), plus model and messages.
_NOT_BODY = frozenset(CLIENT_KEYS | {"n", "rollout_id", "num_generations", "prompt_cache", "model", "messages"})
_ROLES = frozenset({"system", "user", "assistant"})
Shape = frozenset[tuple[str, type]]


@dataclass(frozen=True)
class _Route:
    provider: Any  # DSPy's async provider client: its transport and its HTTP error mapping
    template: Any  # the transport request DSPy built (address, headers); the body is replaced per call
    model: str  # the model name on the wire


def carried_format(value: Any) -> bool:
    """Whether ``value`` is a ``response_format`` this route sends as it is: a JSON schema under
    ``json_schema`` (OpenAI, vLLM, Ollama), or ``json_object`` with or without a ``schema``
    (llama-cpp-python's server)."""
    if not isinstance(value, dict):
        return False
    if value.get("type") == "json_schema":
        inner = value.get("json_schema")
        return value.keys() == {"type", "json_schema"} and isinstance(inner, dict) \
            and isinstance(inner.get("name"), str) and isinstance(inner.get("schema"), dict)
    if value.get("type") == "json_object":
        return value.keys() <= {"type", "schema"} and isinstance(value.get("schema", {}), dict)
    return False


def bare(legacy: dict[str, Any]) -> dict[str, Any]:
    """The call without its ``response_format``: what is verified against DSPy's request."""
    return {k: v for k, v in legacy.items() if k != "response_format"}


def shape(legacy: dict[str, Any]) -> Shape | None:
    """The parameters of a call, with their types (``1`` and ``1.0`` are written differently), when
    this module can carry its body; None for any other call."""
    messages = legacy.get("messages")
    if not isinstance(messages, list) or not messages:
        return None
    for message in messages:
        if (not isinstance(message, dict) or message.keys() != {"role", "content"}
                or message["role"] not in _ROLES or not isinstance(message["content"], str)):
            return None
    if legacy.get("response_format") is not None and not carried_format(legacy["response_format"]):
        return None
    params = [(k, v) for k, v in legacy.items() if k not in _NOT_BODY and k != "response_format" and v is not None]
    if not all(k in CARRIED and CARRIED[k](v) for k, v in params):
        return None
    return frozenset((k, type(v)) for k, v in params)


# DSPy's body names the reply cap ``max_completion_tokens`` (OpenAI's name) for a call's
# ``max_tokens``; the endpoint's transport renames it where the server reads another name
# (harness/endpoint/client.py), on this route and DSPy's alike.
_BODY_NAME = {"max_completion_tokens": "max_tokens"}


def body(legacy: dict[str, Any], order: tuple[str, ...], model: str) -> bytes:
    """The call's JSON body with its keys in ``order`` (DSPy's), serialized as DSPy serializes it,
    and its ``response_format`` last (see the module docstring)."""
    values = {**legacy, "model": model}
    out = {key: values[_BODY_NAME.get(key, key)] for key in order}
    if legacy.get("response_format") is not None:
        out["response_format"] = legacy["response_format"]
    return json_dumps(out)


class ChatWire:
    """One endpoint's direct route: learns (and checks) what DSPy sends, then sends it itself."""

    def __init__(self) -> None:
        self.route: _Route | None = None
        self.verified: dict[Shape, tuple[str, ...]] = {}  # shape -> DSPy's key order
        self.refused: set[Shape] = set()

    def ready(self, legacy: dict[str, Any], keys: Shape | None) -> bytes | None:
        """The body to send for this call (its ``shape`` is ``keys``), or None when it must go
        through DSPy's path."""
        order = self.verified.get(keys) if keys is not None else None
        if order is None or self.route is None:
            return None
        return body(legacy, order, self.route.model)

    def learn(self, legacy: dict[str, Any], keys: Shape | None, inner: Any, request: Any) -> None:
        """Compares DSPy's wire request for this call (its ``shape`` is ``keys``) with this module's;
        a match makes the shape direct.

        ``inner`` is DSPy's async native engine and ``request`` the canonical request it was
        given; building the wire request is pure (no I/O) for a static API key.
        """
        if keys is None or keys in self.verified or keys in self.refused:
            return
        try:
            provider, routed = inner._target(request)
            if callable(getattr(provider._inner, "api_key", None)):
                raise TypeError("a credential provider is called per request: leave it to DSPy")
            built, adaptations = provider._inner._build(routed, stream=False, policy=provider.adaptations)
        except Exception:  # what cannot be built here is not verified; DSPy's path reports its own errors
            self.refused.add(keys)
            return
        sent = json.loads(built.body) if built.method == "POST" else None
        order = tuple(sent) if isinstance(sent, dict) else ()
        # Byte for byte: a resumed run that re-sends a call must send what the first run sent.
        sized = any(name.lower() == "content-length" for name, _ in built.headers)  # the transport sizes each body
        named = {_BODY_NAME.get(key, key) for key in order}
        if adaptations or sized or named != {k for k, _ in keys} | {"model", "messages"} \
                or body(bare(legacy), order, routed.model) != built.body:
            self.refused.add(keys)
            return
        self.route = self.route or _Route(provider, replace(built, body=b""), routed.model)
        self.verified[keys] = order

    async def post(self, payload: bytes) -> dict[str, Any]:
        """One attempt: the reply as a dict, or the error DSPy's client would raise for it."""
        assert self.route is not None
        provider = self.route.provider
        reply = await provider._send(replace(self.route.template, body=payload))
        if reply.status >= 400:
            raise provider._inner._http_error(reply)
        data = json.loads(reply.body)  # a cut-off body raises JSONDecodeError: "malformed", retried
        choices = data.get("choices") if isinstance(data, dict) else None
        if not choices or not isinstance(choices, list) or not isinstance(choices[0], dict) \
                or not isinstance(choices[0].get("message"), dict):
            raise ValueError(f"chat completion without choices[0].message: {reply.body[:200]!r}")
        return data
