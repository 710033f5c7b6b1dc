"""A model's context window, and the rule for documents that do not fit it: refused, not chunked.

Where the window comes from, first found wins:

1. the model's ``context_window`` in the config;
2. the server: llama.cpp's ``GET /props`` (``default_generation_settings.n_ctx``, or ``n_ctx``;
   ``autodata serve-local`` serves it too), vLLM's ``GET /v1/models`` (``max_model_len``);
3. a window learned from an earlier ``400 context_length_exceeded`` that named the limit
   (llama-cpp-python, vLLM and OpenAI all name it), kept in the store (``context_windows.json``)
   so that the next run knows it before any call;
4. for hosted models (no ``api_base``), LiteLLM's model info (``max_input_tokens``).

Otherwise the window is unknown and nothing is refused.

A prompt's size is counted with ``litellm.token_counter`` on the messages the project's adapter
would send (tiktoken's encoding where LiteLLM has no tokenizer for the model, which is the case
for self-hosted models), times ``MARGIN`` (1.15: Gemma's and Llama's tokenizers write English
prose in up to 15% more tokens than tiktoken's cl100k), plus the role's reply cap
(``max_tokens``, else ``DEFAULT_REPLY``): servers refuse a prompt whose reply cannot fit.

The rule: only the challenger's prompt carries the document (the other roles see the sample it
wrote, bounded by its reply cap). A document whose challenger prompt does not fit is **refused
before any call**: skipped, with a message naming the document, the role, the model, the
estimate and the window, and counted (``Refusal``; the summary's ``documents_refused``). The rest of
the run goes on, and a second run of the same command refuses the same documents the same way
and finishes. Chunking was not chosen: a question grounded in a cut-out piece is a different
sample from one grounded in the document, and silently changing the grounding would bias the
dataset's statistics.
"""

from __future__ import annotations

import json
import math
import re
import threading
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.config import HarnessConfig, ModelSpec

MARGIN = 1.15
DEFAULT_REPLY = 1024
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # self-hosted: never a proxy
_LIMIT = re.compile(r"(?:context window of|maximum context length is|context length of|n_ctx[^0-9]{0,12})\s*(\d{3,7})",
                    re.IGNORECASE)
_LOCK = threading.Lock()
_FOUND: dict[tuple[str | None, str], Window] = {}


@dataclass(frozen=True)
class Window:
    tokens: int | None
    source: str  # config | server /props | server /v1/models | learned | litellm | unknown

    def __str__(self) -> str:
        return f"{self.tokens} ({self.source})" if self.tokens else "unknown"


@dataclass(frozen=True)
class Refusal:
    document: str
    role: str
    model: str
    tokens: int
    window: Window

    def __str__(self) -> str:
        return (f"document '{self.document}': role '{self.role}' (model {self.model}) needs ~{self.tokens} tokens "
                f"(prompt and reply cap), over its context window of {self.window}: refused, not sent")

    def as_dict(self) -> dict[str, Any]:
        return {"document": self.document, "role": self.role, "model": self.model, "tokens": self.tokens,
                "window": self.window.tokens, "source": self.window.source}


def _learned_path() -> Path:
    from harness.env import store_dir

    return store_dir() / "context_windows.json"


def _key(spec: ModelSpec) -> str:
    return f"{spec.base_url() or ''}|{spec.model}"


def _learned() -> dict[str, int]:
    try:
        return {str(k): int(v) for k, v in json.loads(_learned_path().read_text()).items()}
    except (OSError, ValueError, AttributeError):
        return {}


def limit_in(message: str) -> int | None:
    """The context window a context-length error names, if it names one."""
    if "context" not in message.lower() and "n_ctx" not in message:
        return None
    found = _LIMIT.search(message)
    return int(found.group(1)) if found else None


def learn(endpoint: str | None, model: str, message: str) -> int | None:
    """Keeps the window a 400 named (for ``endpoint``: the api_base, or None), for this process and
    the next run; returns it."""
    tokens = limit_in(message)
    if tokens is None:
        return None
    with _LOCK:
        _FOUND[(endpoint, model)] = Window(tokens, "learned")
        path = _learned_path()
        known = _learned()
        known[f"{endpoint or ''}|{model}"] = tokens
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(known, indent=1, sort_keys=True))
    return tokens


def _get(url: str) -> Any:
    with _OPENER.open(url, timeout=5) as reply:
        return json.loads(reply.read())


def _from_server(base: str, model: str) -> Window | None:
    root = base.rstrip("/").removesuffix("/v1")
    try:
        props = _get(f"{root}/props")
        n_ctx = (props.get("default_generation_settings") or {}).get("n_ctx") or props.get("n_ctx")
        if isinstance(n_ctx, int) and n_ctx > 0:
            return Window(n_ctx, "server /props")
    except (OSError, ValueError, AttributeError):
        pass
    try:
        listed = _get(f"{base.rstrip('/')}/models").get("data") or []
        name = model.split("/", 1)[1] if "/" in model else model
        for entry in listed:
            if isinstance(entry, dict) and isinstance(entry.get("max_model_len"), int) and \
                    (entry.get("id") == name or len(listed) == 1):
                return Window(entry["max_model_len"], "server /v1/models")
    except (OSError, ValueError, AttributeError):
        pass
    return None


def _from_litellm(model: str) -> Window | None:
    import litellm

    try:
        info = litellm.get_model_info(model)
    except Exception:  # unknown to LiteLLM's map
        return None
    tokens = info.get("max_input_tokens") or info.get("max_tokens")
    return Window(int(tokens), "litellm") if tokens else None


def window(spec: ModelSpec) -> Window:
    """The model's context window (see the module docstring), looked up once per process."""
    if spec.simulated:
        return Window(None, "unknown")
    if spec.context_window:
        return Window(spec.context_window, "config")
    base = spec.base_url()
    key = (base, spec.model)
    with _LOCK:
        if key in _FOUND:
            return _FOUND[key]
    found = _from_server(base, spec.model) if base else None
    if found is None and (tokens := _learned().get(_key(spec))):
        found = Window(tokens, "learned")
    if found is None and not base:
        found = _from_litellm(spec.model)
    found = found or Window(None, "unknown")
    with _LOCK:
        _FOUND[key] = found
    return found


def forget() -> None:
    """Looks every window up again (tests; a server restarted with another window)."""
    with _LOCK:
        _FOUND.clear()


def count_tokens(model: str, messages: list[dict[str, str]]) -> int:
    """The prompt's tokens, estimated as the module docstring says."""
    import litellm

    try:
        counted = litellm.token_counter(model=model, messages=messages)
    except Exception:  # a tokenizer LiteLLM cannot load: about 4 characters a token
        counted = sum(len(m.get("content") or "") for m in messages) // 4 + 4 * len(messages)
    return math.ceil(counted * MARGIN)


def challenger_messages(config: HarnessConfig, document: str) -> list[dict[str, str]]:
    """The messages the challenger is sent for ``document`` (first round: no guidance)."""
    from harness.adapter import CachingChatAdapter
    from harness.signatures import Challenge

    signature = Challenge.with_instructions(config.genes.challenger_instructions)
    knobs = config.knobs
    inputs = {"document": document, "guidance": "none",
              "rubric_size": f"between {knobs.rubric_min} and {knobs.rubric_max} criteria"}
    return CachingChatAdapter().format(signature, demos=[], inputs=inputs)


def needed(config: HarnessConfig, document: str) -> int:
    spec = config.models.challenger
    return count_tokens(spec.model, challenger_messages(config, document)) + (spec.max_tokens or DEFAULT_REPLY)


def refuse_oversized(config: HarnessConfig, documents: list[Any]) -> tuple[list[Any], list[Refusal]]:
    """The documents whose challenger prompt fits its model's window, and a refusal for each other."""
    spec = config.models.challenger
    if spec.simulated or not config.resolved_pipeline.grounded:
        return list(documents), []
    limit = window(spec)
    if not limit.tokens:
        return list(documents), []
    kept, refused = [], []
    for doc in documents:
        # Any tokenizer writes prose in more than one token per 8 characters: far over, not counted.
        rough = len(doc.text) // 8
        tokens = rough if rough > limit.tokens else needed(config, doc.text)
        if tokens > limit.tokens:
            refused.append(Refusal(doc.id, "challenger", spec.model, tokens, limit))
        else:
            kept.append(doc)
    return kept, refused
