"""The OpenAI chat-completions wire format, as the offline-world server reads and counts it.

A request body becomes a ``ChatRequest`` shaped like the DSPy request the in-process engine
receives (``.model``, ``.system``, ``.messages[i].role/.text``, ``.config.temperature/.seed``),
so ``replies.parse_request`` reads both alike and the world answers both alike. The model is
named ``sim/<profile>`` whatever prefix the client sent, because the world seeds its
randomness from that name.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Any

from harness.sim.profiles import PROFILES

# Each finished chat-completions request is counted under exactly one of these.
KINDS = ("ok", "rate_limited_capacity", "fault_429", "fault_500", "fault_timeout", "fault_malformed",
         "bad_request", "unauthorized", "cancelled", "internal_error")


def error_body(message: str, kind: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": kind, "param": param, "code": code}}


class BadRequest(Exception):
    """A request the server refuses (400, or 404 for an unknown model), with an OpenAI-style body."""

    def __init__(self, message: str, status: int = 400, code: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.param = status, code, param

    def body(self) -> dict[str, Any]:
        return error_body(str(self), "invalid_request_error", self.code, self.param)


@dataclass(frozen=True)
class WireMessage:
    role: str
    text: str


@dataclass(frozen=True)
class WireConfig:
    temperature: float | None
    seed: int | None


MAX_N = 16


@dataclass(frozen=True)
class ChatRequest:
    model: str  # sim/<profile>, as the in-process engine sees it
    system: str
    messages: tuple[WireMessage, ...]
    config: WireConfig
    n: int = 1  # choices asked for: choice i answers as the same request with seed + i would
    body: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def choice(self, index: int) -> ChatRequest:
        """Choice ``index`` as a request of its own (seed + index, one choice)."""
        seed = self.config.seed
        return replace(self, n=1, config=replace(self.config, seed=None if seed is None else seed + index))

    def digest(self, index: int) -> bytes:
        """What identifies choice ``index``'s answer (the body with its seed, without ``n``): a
        client that pays for it twice, in whatever requests, sends it twice."""
        body = {k: v for k, v in self.body.items() if k != "n"}
        if self.config.seed is not None:
            body["seed"] = self.config.seed + index
        return hashlib.blake2b(json.dumps(body, sort_keys=True).encode(), digest_size=16).digest()


def profile_name(model: str) -> str | None:
    """``weak``, ``sim/weak`` and ``openai/weak`` (or ``openai/sim/weak``) all name the weak profile."""
    name = model.removeprefix("openai/").removeprefix("sim/")
    return name if name in PROFILES else None


def _text(content: Any, index: int) -> str:
    if content is None or isinstance(content, str):
        return content or ""
    if isinstance(content, list):  # content parts: only text exists in this world
        return "".join(part.get("text", "") for part in content if isinstance(part, dict) and part.get("type") == "text")
    raise BadRequest(f"messages[{index}].content must be a string or a list of content parts", param="messages")


def _number(body: dict[str, Any], name: str, kinds: tuple[type, ...], what: str) -> Any:
    value = body.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, kinds)):
        raise BadRequest(f"'{name}' must be {what}, got {json.dumps(value)}", param=name)
    return value


def to_chat_request(raw: bytes) -> ChatRequest:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BadRequest(f"the request body is not valid JSON ({error})") from None
    if not isinstance(body, dict):
        raise BadRequest("the request body must be a JSON object")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise BadRequest("'model' is required", param="model")
    name = profile_name(model)
    if name is None:
        known = ", ".join(PROFILES)
        raise BadRequest(f"The model '{model}' does not exist in the offline world (profiles: {known})",
                         status=404, code="model_not_found", param="model")
    if body.get("stream"):
        raise BadRequest("streaming is not supported by the offline world", param="stream")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise BadRequest("'messages' must be a non-empty list", param="messages")
    system: str | None = None
    rest: list[WireMessage] = []
    for index, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise BadRequest(f"messages[{index}] must be an object with a 'role'", param="messages")
        text = _text(message.get("content"), index)
        if message["role"] == "system" and system is None:
            system = text
        else:
            rest.append(WireMessage(message["role"], text))
    config = WireConfig(_number(body, "temperature", (int, float), "a number"), _number(body, "seed", (int,), "an integer"))
    n = _number(body, "n", (int,), "an integer")
    if n is not None and not 1 <= n <= MAX_N:
        raise BadRequest(f"'n' must be between 1 and {MAX_N}, got {n}", param="n")
    return ChatRequest(f"sim/{name}", system or "", tuple(rest), config, n or 1, body)


@dataclass
class Stats:
    """Counters of one window (since start or the last reset)."""

    total: int = 0
    max_in_flight: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    ok_by_profile: Counter[str] = field(default_factory=Counter)
    ok_by_role: Counter[str] = field(default_factory=Counter)
    # Answered OK: choices written (a request with n writes n) and the tokens its usage reported.
    tokens: Counter[str] = field(default_factory=Counter)
    # Repeats by who was answered before and who again ("a,b>c"; "" is a client without a /c/ prefix).
    repeated_by_client: Counter[str] = field(default_factory=Counter)
    # Per repeat: its "before>again" label, when (time.monotonic, one clock for every process on a
    # host) the answer went out to each client before, and the role it played: how long before a
    # kill a repeated answer had reached the worker that pays for it again.
    repeats: list[tuple[str, dict[str, float], str]] = field(default_factory=list)

    def record(self, kind: str, profile: str | None = None, role: str | None = None) -> None:
        self.kinds[kind] += 1
        if profile is not None:
            self.ok_by_profile[profile] += 1
            self.ok_by_role[f"{role}:{profile}"] += 1  # the keys SimEngine.calls uses

    def snapshot(self, in_flight: int) -> dict[str, Any]:
        return {
            "total": self.total,
            **{kind: self.kinds[kind] for kind in KINDS},
            "repeated": self.kinds["repeated"],  # OK answers to a request already answered OK in this window
            "repeated_by_client": dict(self.repeated_by_client),
            "repeats": [list(r) for r in self.repeats],
            "in_flight": in_flight,
            "max_in_flight": self.max_in_flight,
            "ok_by_profile": dict(self.ok_by_profile),
            "ok_by_role": dict(self.ok_by_role),
            "choices": self.tokens["choices"],
            "prompt_tokens": self.tokens["prompt"],
            "cached_tokens": self.tokens["cached"],
            "completion_tokens": self.tokens["completion"],
        }
