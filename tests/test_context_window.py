"""Context windows: where they come from, and documents too long for them refused before any call."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openai_fake import FakeOpenAI

from harness import context_window
from harness.config import ModelSpec, parse_config
from harness.documents import Document
from harness.endpoint.errors import EndpointError

REPO = Path(__file__).resolve().parents[1]
SHORT = "The dock fee is 40 and the pilot fee is 55. " * 10
LONG = "The harbour authority keeps a ledger of every fee it charges to ships. " * 3000  # ~45,000 tokens


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTODATA_STORE", str(tmp_path / "store"))
    context_window.forget()


def real_challenger(url: str, **spec: object) -> dict:
    return {"models": {"challenger": {"model": "openai/gemma-3-270m", "api_base": url, **spec}}}


def test_the_window_comes_from_the_config_then_the_server() -> None:
    assert context_window.window(ModelSpec(model="openai/m", api_base="http://127.0.0.1:9/v1", context_window=900)) \
        == context_window.Window(900, "config")
    with FakeOpenAI(props={"default_generation_settings": {"n_ctx": 8192}}) as llama:
        assert context_window.window(ModelSpec(model="openai/gemma-3-270m", api_base=llama.url)) \
            == context_window.Window(8192, "server /props")
    assert context_window.window(ModelSpec(model="sim/weak")).tokens is None


def test_vllm_reports_max_model_len_in_its_model_list(monkeypatch: pytest.MonkeyPatch) -> None:
    def listed(url: str) -> object:
        if url.endswith("/props"):
            raise OSError("404")
        return {"data": [{"id": "Qwen/Qwen3-4B", "max_model_len": 32768}]}

    monkeypatch.setattr(context_window, "_get", listed)
    window = context_window.window(ModelSpec(model="openai/Qwen/Qwen3-4B", api_base="http://127.0.0.1:9/v1"))
    assert window == context_window.Window(32768, "server /v1/models")


def test_a_400_that_names_the_window_is_learned_and_kept_for_the_next_run() -> None:
    """llama-cpp-python without /props: the first too-long prompt teaches the window."""
    import dspy

    from harness.adapter import call_settings
    from harness.config import Runtime
    from harness.models import build_lm
    from harness.roles import endpoint_failure
    from harness.signatures import Solve
    from harness.sim.engine import SimEngine

    with FakeOpenAI(n_ctx=512) as server:
        spec = ModelSpec(model="openai/gemma-3-270m", api_base=server.url)
        assert context_window.window(spec).tokens is None  # nothing reports it
        context_window.forget()
        predictor = dspy.Predict(Solve)
        predictor.set_lm(build_lm(spec, Runtime(num_retries=3), SimEngine(), cache=False))

        async def call() -> None:
            with call_settings():
                await predictor.acall(context=LONG[:20000], question="q", config={"seed": 0})

        with pytest.raises(Exception) as caught:
            asyncio.run(call())
    stop = endpoint_failure(caught.value)
    assert isinstance(stop, EndpointError) and stop.kind == "context_length" and "512 tokens" in str(stop)
    assert len(server.bodies) == 1  # fatal: not retried
    context_window.forget()  # a new process: the window is read from the store
    assert context_window.window(spec) == context_window.Window(512, "learned")


@pytest.mark.parametrize("message", [
    "Requested tokens (5203) exceed context window of 4096",
    "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens",
])
def test_the_limit_is_read_from_each_servers_wording(message: str) -> None:
    assert context_window.limit_in(message) in (4096, 8192)
    assert context_window.limit_in("Requested tokens exceed the budget") is None


def test_a_document_too_long_for_the_window_is_refused_naming_document_and_role() -> None:
    with FakeOpenAI(props={"n_ctx": 4096}) as server:
        config = parse_config(real_challenger(server.url, max_tokens=200))
        kept, refused = context_window.refuse_oversized(config, [Document("short", SHORT), Document("long", LONG)])
    assert [d.id for d in kept] == ["short"]
    assert [(r.document, r.role, r.window.tokens) for r in refused] == [("long", "challenger", 4096)]
    assert refused[0].tokens > 4096
    assert "document 'long': role 'challenger' (model openai/gemma-3-270m)" in str(refused[0])
    assert server.bodies == []  # decided before any call


def test_the_estimate_counts_the_whole_prompt_and_the_reply_cap() -> None:
    config = parse_config(real_challenger("http://127.0.0.1:9/v1", max_tokens=300))
    messages = context_window.challenger_messages(config, SHORT)
    assert SHORT in messages[-1]["content"] and messages[0]["role"] == "system"
    bare = context_window.count_tokens("openai/gemma-3-270m", messages)
    assert context_window.needed(config, SHORT) == bare + 300
    assert bare > len(SHORT) // 4  # instructions and field headers are counted too


def test_a_run_refuses_the_long_document_completes_and_runs_again(tmp_path: Path) -> None:
    """Before: exit 3 with 'run again to resume', then exit 2 for ever. Now the long document is
    refused before any call and counted in the summary; the rest of the run completes, twice."""
    docs = tmp_path / "docs"
    docs.mkdir()
    from harness.documents import from_world

    world = from_world(2, 0, 0).documents
    for doc in world:
        (docs / f"{doc.id}.txt").write_text(doc.text)
    (docs / "zz-long.txt").write_text(LONG)
    with FakeOpenAI(props={"n_ctx": 4096}) as server:
        data = {"name": "ctx", **real_challenger(server.url, max_tokens=200, context_window=4096),
                "documents": {"source": "folder", "path": str(docs), "count": 3},
                "knobs": {"round_budget": 1, "solver_attempts": 1}, "tracking": {"enabled": False}}
        data["models"]["challenger"].pop("context_window")
        config = tmp_path / "ctx.yaml"
        config.write_text(yaml.safe_dump(data))
        env = {"AUTODATA_STORE": str(tmp_path / "store"), "PATH": "/usr/bin:/bin", "LITELLM_LOCAL_MODEL_COST_MAP": "True",
               "MLFLOW_DISABLE_TELEMETRY": "true", "PYTHONPATH": str(REPO)}
        runs = [subprocess.run([sys.executable, "-m", "experiments.cli", "generate", str(config), "--out",
                                str(tmp_path / "out"), "--no-track"], cwd=REPO, env=env, capture_output=True,
                               text=True, timeout=300) for _ in range(2)]
        sent = [m["content"] for b in server.bodies for m in b["messages"]]
    for run in runs:
        assert "refused: document 'zz-long': role 'challenger'" in run.stderr, run.stderr
        assert "Traceback" not in run.stdout + run.stderr
        assert run.returncode in (0, 3), run.stdout + run.stderr  # 3: the scorecard's own verdict
    assert not any(LONG[:200] in text for text in sent)
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert [r["document"] for r in summary["documents_refused"]] == ["zz-long"]
    assert summary["documents"] == 2


def test_a_400_over_the_window_during_a_run_ends_that_document_only(tmp_path: Path) -> None:
    """Nothing reports the window, so the long document is sent: the server's 400 ends that
    document as refused (recorded, counted, the window learned), not the run; a rerun sends it
    no request."""
    from harness.config import HarnessConfig
    from harness.documents import DocumentSet, from_world
    from harness.generate import generate

    world = from_world(2, 0, 0).documents
    with FakeOpenAI(n_ctx=4096) as server:
        config = HarnessConfig.model_validate({
            "name": "ctx-run", **real_challenger(server.url, max_tokens=200),
            "knobs": {"round_budget": 1, "solver_attempts": 1}, "tracking": {"enabled": False}})
        docs = DocumentSet([*world, Document("zz-long", LONG[:40000])])
        first = generate(config, docs, tmp_path / "out")
        long_bodies = [b for b in server.bodies if any(LONG[:200] in m["content"] for m in b["messages"])]
        sent = len(server.bodies)
        again = generate(config, docs, tmp_path / "out")
        resent = len(server.bodies) - sent
    assert first["stopped"] is None and first["documents_finished"] == 3
    (refusal,) = first["documents_refused"]
    assert (refusal["document"], refusal["role"], refusal["window"], refusal["during_run"]) == \
        ("zz-long", "challenger", 4096, True)
    assert len(long_bodies) == 1  # fatal for that document: not retried
    assert {r["doc_id"] for r in map(json.loads, (tmp_path / "out" / "rounds.jsonl").read_text().splitlines())} \
        == {d.id for d in world}  # the other documents ran
    assert context_window.window(ModelSpec(model="openai/gemma-3-270m", api_base=server.url)) \
        == context_window.Window(4096, "learned")
    assert again["documents_refused"] == first["documents_refused"] and resent == 0
