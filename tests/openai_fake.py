"""A small OpenAI-compatible chat server for tests, shaped like llama-cpp-python's (STACK.md §8).

It records every request body, serves one request at a time when ``slots`` is 1 (the others
queue, as llama-cpp-python does), answers ``response_format`` of type ``json_schema`` with HTTP
500 and ``json_object`` + schema with a reply that follows the schema, and refuses a prompt over ``n_ctx`` tokens (an
estimate of 4 characters per token) with a 400 ``context_length_exceeded`` naming the limit.
``reply(body)`` writes each answer's text.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def chat_adapter_reply(body: dict[str, Any]) -> str:
    """A ChatAdapter-formatted reply naming every output field the system message asks for."""
    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
    outputs = system.split("Your output fields are:", 1)[-1].split("All interactions", 1)[0]
    names = re.findall(r"^\d+\. `(\w+)`", outputs, flags=re.M)
    return "\n\n".join(f"[[ ## {name} ## ]]\n{name} text" for name in names) + "\n\n[[ ## completed ## ]]"


def following(schema: dict[str, Any]) -> Any:
    """A value that follows ``schema`` (what a grammar-constrained server returns)."""
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if kind == "object":
        return {name: following(sub) for name, sub in schema.get("properties", {}).items()}
    if kind == "array":
        return [following(schema.get("items", {"type": "string"}))]
    if kind == "boolean":
        return True
    if kind in ("number", "integer"):
        return 1
    return "x"


class FakeOpenAI:
    def __init__(self, reply: Callable[[dict[str, Any]], str] = chat_adapter_reply, slots: int = 8,
                 service_s: float = 0.0, n_ctx: int = 4096, models: list[str] | None = None,
                 props: dict[str, Any] | None = None, schemas: bool = True) -> None:
        self.reply, self.service_s, self.n_ctx = reply, service_s, n_ctx
        self.schemas = schemas  # False: response_format is accepted and ignored
        self.models = models or ["gemma-3-270m"]
        self.props = props
        self.bodies: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._slots = threading.Semaphore(slots)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return None

            def _send(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                if self.path.endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": m, "object": "model"} for m in fake.models]})
                elif self.path == "/props" and fake.props is not None:
                    self._send(200, fake.props)
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with fake._lock:
                    fake.bodies.append(body)
                status, payload = fake.answer(body)
                self._send(status, payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        fmt = body.get("response_format") or {}
        if fmt.get("type") == "json_schema":
            return 500, {"error": {"message": "Input should be 'text' or 'json_object'"}}
        prompt = sum(len(m.get("content") or "") for m in body.get("messages", [])) // 4
        if prompt > self.n_ctx:
            return 400, {"error": {"message": f"Requested tokens ({prompt}) exceed context window of {self.n_ctx}",
                                   "type": "invalid_request_error", "code": "context_length_exceeded"}}
        with self._slots:
            with self._lock:
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            time.sleep(self.service_s)
            schema = fmt.get("schema") if fmt.get("type") == "json_object" and self.schemas else None
            text = json.dumps(following(schema)) if schema else self.reply(body)
            with self._lock:
                self.in_flight -= 1
        return 200, {"id": "x", "object": "chat.completion", "created": 0, "model": body.get("model", ""),
                     "choices": [{"index": 0, "finish_reason": "stop",
                                  "message": {"role": "assistant", "content": text}}],
                     "usage": {"prompt_tokens": prompt, "completion_tokens": len(text) // 4,
                               "total_tokens": prompt + len(text) // 4}}

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
