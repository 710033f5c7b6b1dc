"""``autodata serve-sim``: the offline world over real HTTP, with latency, capacity and faults.

Every server runs in its own process on 127.0.0.1, as it will for the pipeline and the benchmark.
They are all started at once (start-up is mostly imports) and shared by the tests of this module.
"""

from __future__ import annotations

import asyncio
import json
import random
import signal
import socket
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import aiohttp
import dspy
import pytest
from dspy.lm15 import Config, Message, Request
from typer.testing import CliRunner
from waiting import poll

from harness.rubric import Criterion
from harness.signatures import Challenge, Solve
from harness.sim.challenger import write_task
from harness.sim.engine import AsyncSimEngine, SimEngine
from harness.sim.profiles import profile
from harness.sim.server import ServerSettings, SimServer
from harness.sim.server_process import ServerProcess, running
from harness.sim.world import World

DOC = World(0).documents(1)[0].text
FAULTS = ("fault_429", "fault_500", "fault_timeout", "fault_malformed")
# Every fault kind at 0.2: a short run meets each of them, and ok replies in between.
MIXED = ServerSettings(fault_429=0.2, fault_500=0.2, fault_timeout=0.2, fault_malformed=0.2, fault_seed=7,
                       retry_after_s=0.5, timeout_s=20.0)


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[str, ServerProcess]]:
    procs = {
        "plain": ServerProcess(),
        "slow": ServerProcess(latency_ms=800, capacity=2, retry_after_s=0.25),
        # Holds what it admits for ten minutes (longer than the module runs): a full server, as an event.
        "full": ServerProcess(latency_ms=600_000, capacity=2, retry_after_s=0.25),
        "cli": ServerProcess(MIXED, command=[sys.executable, "-m", "experiments.cli", "serve-sim"]),
    }
    with running(procs):
        yield procs


@pytest.fixture
def plain(servers: dict[str, ServerProcess]) -> ServerProcess:
    servers["plain"].reset()
    return servers["plain"]


def solver_request(model: str = "weak", seed: int | None = 3, temperature: float | None = 1.0) -> tuple[str, str, dict]:
    """A solver request as DSPy's ChatAdapter writes it, on a real task of the world."""
    task = write_task(instructions="", guidance="none", document=DOC, topic="", size_text="10 criteria", planned=False,
                      temperature=0.7, profile=profile("challenger"), rng=random.Random(1))
    assert task is not None
    system = ("Your output fields are:\n1. `answer` (str)\n2. `final_answer` (str)\nAll interactions will be structured...\n"
              "In adhering to this structure, your objective is: Answer from the context.")
    user = f"[[ ## context ## ]]\n{task.context}\n\n[[ ## question ## ]]\n{task.question}"
    body: dict[str, Any] = {"model": model, "messages": [{"role": "system", "content": system},
                                                          {"role": "user", "content": user}]}
    body.update({k: v for k, v in (("seed", seed), ("temperature", temperature)) if v is not None})
    return system, user, body


def post(server: ServerProcess, body: Any, timeout: float = 30, client: str | None = None) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    base = server.url if client is None else server.url.removesuffix("/v1") + f"/c/{client}/v1"
    request = urllib.request.Request(f"{base}/chat/completions", data=data,
                                     headers={"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def content(raw: bytes) -> str:
    return json.loads(raw)["choices"][0]["message"]["content"]


def in_process_reply(system: str, user: str, seed: int | None, temperature: float | None, model: str = "sim/weak") -> str:
    request = Request(model=model, messages=(Message.user(user),), system=system,
                      config=Config(temperature=temperature, seed=seed))
    return SimEngine().complete(request).message.parts[0].text


def wait_for(server: ServerProcess, ready: Any) -> dict[str, Any]:
    """The server's stats once ``ready(stats)``; the test fails after many polls (a hang guard)."""
    return poll(lambda: (lambda stats: stats if ready(stats) else None)(server.stats()),
                "the server reaching the awaited state", attempts=500, interval=0.02)


# --- the world over HTTP -----------------------------------------------------------------------


def test_dspy_over_http_gets_the_in_process_predictions(plain: ServerProcess) -> None:
    def lm(role: str, http: bool) -> dspy.LM:
        if http:
            return dspy.LM(f"openai/{role}", api_base=plain.url, api_key="x", cache=False, num_retries=0)
        engine = SimEngine()
        return dspy.LM(f"sim/{role}", engine=engine, async_engine=AsyncSimEngine(engine), cache=False)

    config = {"seed": 5, "temperature": 0.9}
    ask = dict(document=DOC, guidance="none", rubric_size="between 10 and 15 criteria")
    over_http = dspy.Predict(Challenge)(**ask, lm=lm("challenger", True), config=config)
    local = dspy.Predict(Challenge)(**ask, lm=lm("challenger", False), config=config)
    assert over_http.toDict() == local.toDict()
    assert over_http.rubric and all(isinstance(c, Criterion) for c in over_http.rubric)  # ChatAdapter parsed it
    for seed in range(3):
        solve = dict(context=over_http.context, question=over_http.question, config={"seed": seed, "temperature": 1.0})
        assert dspy.Predict(Solve)(**solve, lm=lm("weak", True)).toDict() == \
            dspy.Predict(Solve)(**solve, lm=lm("weak", False)).toDict()
    stats = plain.stats()
    assert stats["ok"] == stats["total"] == 4
    assert stats["ok_by_profile"] == {"challenger": 1, "weak": 3}
    assert stats["ok_by_role"] == {"challenger:challenger": 1, "solver:weak": 3}


def test_reply_is_openai_shaped_and_a_function_of_the_request(plain: ServerProcess) -> None:
    system, user, body = solver_request()
    status, headers, raw = post(plain, body)
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    reply = json.loads(raw)
    assert reply["object"] == "chat.completion" and reply["model"] == "sim/weak"  # the world names itself
    (choice,) = reply["choices"]
    assert choice["message"]["role"] == "assistant" and choice["finish_reason"] == "stop"
    assert choice["message"]["content"] == in_process_reply(system, user, 3, 1.0)
    assert "[[ ## final_answer ## ]]" in choice["message"]["content"]
    usage = reply["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0
    for model in ("weak", "sim/weak", "openai/weak"):  # every spelling of the profile, same reply
        assert content(post(plain, {**body, "model": model})[2]) == choice["message"]["content"]
    unseeded = solver_request(seed=None, temperature=None)[2]
    assert content(post(plain, unseeded)[2]) == in_process_reply(system, user, None, None)
    assert plain.stats()["ok"] == 5


def test_unknown_model_and_bad_requests_are_refused_and_counted(plain: ServerProcess) -> None:
    status, _, raw = post(plain, {**solver_request()[2], "model": "openai/gpt-9"})
    assert status == 404
    assert "gpt-9" in json.loads(raw)["error"]["message"] and json.loads(raw)["error"]["code"] == "model_not_found"
    lm = dspy.LM("openai/gpt-9", api_base=plain.url, api_key="x", cache=False, num_retries=0)
    with pytest.raises(Exception, match="gpt-9"):
        dspy.Predict(Solve)(context="c", question="q", lm=lm)
    assert post(plain, b"{not json")[0] == 400
    assert post(plain, {"model": "weak", "messages": []})[0] == 400
    assert post(plain, {**solver_request()[2], "seed": "three"})[0] == 400
    stats = plain.stats()
    assert stats["bad_request"] == stats["total"] == 5 and stats["ok"] == 0


def test_health_models_and_stats_reset(plain: ServerProcess) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(f"{plain.url}/models", timeout=10) as response:
        ids = {m["id"] for m in json.loads(response.read())["data"]}
    assert {"weak", "strong", "challenger", "qv", "judge"} <= ids
    post(plain, solver_request()[2])
    assert plain.stats()["ok"] == 1
    assert plain.reset()["ok"] == 0 and plain.stats()["total"] == 0


def test_repeats_are_counted_by_the_clients_a_path_prefix_names(plain: ServerProcess) -> None:
    body = solver_request()[2]
    assert post(plain, body, client="host0-1")[0] == 200
    assert post(plain, body, client="host0-1")[0] == 200  # the same client paying twice
    assert post(plain, body, client="host1-1")[0] == 200  # another client asking the same
    assert post(plain, body)[0] == 200  # a client without a name
    other = dict(body, seed=4)
    assert post(plain, other, client="host1-1")[0] == 200  # a new request: no repeat
    stats = plain.stats()
    assert stats["ok"] == 5 and stats["repeated"] == 3
    assert stats["repeated_by_client"] == {"host0-1#0>host0-1#0": 1, "host0-1#0>host1-1#0": 1,
                                           "host0-1#0,host1-1#0>": 1}
    assert stats["in_flight_by_client"] == {}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    opener.open(urllib.request.Request(plain.url.removesuffix("/v1") + "/c/host0-1/session", data=b"", method="POST"))
    assert post(plain, body, client="host0-1")[0] == 200  # the client's next session pays again
    again = plain.stats()
    assert again["repeated_by_client"]["host0-1#0,host1-1#0,>host0-1#1"] == 1
    # Each repeat carries when its answer went out to each client before (one monotonic clock for
    # the host's processes), and its role.
    pairs = [pair for pair, _, _ in again["repeats"]]
    assert pairs == ["host0-1#0>host0-1#0", "host0-1#0>host1-1#0", "host0-1#0,host1-1#0>", "host0-1#0,host1-1#0,>host0-1#1"]
    assert {role for _, _, role in again["repeats"]} == {"solver"}
    last = again["repeats"][-1][1]
    assert set(last) == {"host0-1#0", "host1-1#0", ""}
    assert last["host0-1#0"] <= last["host1-1#0"] <= last[""] <= time.monotonic()  # in the order they were paid
    reset = plain.reset()
    assert reset["repeated_by_client"] == {} and reset["repeats"] == []


def test_the_soak_dates_a_kills_repeats_from_the_kill_that_ended_the_earlier_start() -> None:
    from experiments.bench.soak import classify_repeats, kill_ages

    kills = {"host0": [100.0, 200.0], "host1": [150.0]}
    repeats = [["host0#0>host0#1", {"host0#0": 99.9}, "solver"],  # paid by start 0, killed at 100, paid again by start 1
               ["host0#1>host0#2", {"host0#1": 199.5}, "judge"],  # start 1, killed at 200
               # host1 paid it long before; host0's start 0 got it just before its kill at 100: that is its age
               ["host1#0,host0#0>host0#1", {"host1#0": 10.0, "host0#0": 99.8}, "solver"],
               ["host1#0>host0#1", {"host1#0": 10.0}, "solver"],  # another worker's answer: not a kill's
               ["host0#1>host0#1", {"host0#1": 120.0}, "qv"]]  # within one process
    assert [(round(age, 6), role) for age, role in kill_ages(repeats, kills)] == [
        (0.1, "solver"), (0.5, "judge"), (0.2, "solver")]
    causes = classify_repeats({pair: 1 for pair, _, _ in repeats})
    assert causes == {"after_a_kill": 3, "within_a_process": 1, "across_workers": 1}


# --- latency and capacity ----------------------------------------------------------------------


def test_latency_holds_each_request_in_flight_before_it_is_answered(servers: dict[str, ServerProcess]) -> None:
    slow = servers["slow"]
    slow.reset()

    async def run() -> tuple[dict[str, Any], int]:
        async with aiohttp.ClientSession() as session:
            pending = asyncio.ensure_future(session.post(f"{slow.url}/chat/completions", json=solver_request()[2]))
            during = await asyncio.to_thread(wait_for, slow, lambda s: s["in_flight"] == 1)
            async with await pending as response:
                return during, response.status

    during, status = asyncio.run(run())
    assert during["in_flight"] == 1 and during["total"] == 1 and during["ok"] == 0  # admitted, not yet answered
    assert status == 200
    after = slow.stats()
    assert after["ok"] == 1 and after["in_flight"] == 0


def test_beyond_capacity_requests_get_429_with_retry_after(servers: dict[str, ServerProcess]) -> None:
    full = servers["full"]  # capacity 2; what it admits it holds for the rest of the module
    full.reset()
    body = solver_request()[2]

    async def one(session: aiohttp.ClientSession) -> tuple[int, str | None, Any]:
        async with session.post(f"{full.url}/chat/completions", json=body) as response:
            return response.status, response.headers.get("Retry-After"), await response.json()

    async def run() -> list[tuple[int, str | None, Any]]:
        async with aiohttp.ClientSession() as session:
            held = [asyncio.ensure_future(session.post(f"{full.url}/chat/completions", json=body)) for _ in range(2)]
            await asyncio.to_thread(wait_for, full, lambda s: s["in_flight"] == 2)  # the server is full
            results = [await one(session) for _ in range(6)]
            for request in held:
                request.cancel()
            await asyncio.gather(*held, return_exceptions=True)
            return results

    results = asyncio.run(run())
    assert [status for status, _, _ in results] == [429] * 6
    for _, retry_after, error in results:
        assert float(retry_after) == 0.25
        assert error["error"]["code"] == "rate_limit_exceeded" and "capacity" in error["error"]["message"]
    stats = full.stats()
    assert stats["rate_limited_capacity"] == 6 and stats["ok"] == 0
    assert stats["max_in_flight"] == 2


# --- faults ------------------------------------------------------------------------------------


def test_cli_serves_each_fault_from_a_reproducible_stream_and_stops_on_sigint(
    servers: dict[str, ServerProcess],
) -> None:
    cli, plain = servers["cli"], servers["plain"]
    expected = SimServer(MIXED)  # the same settings draw the same stream, request by request
    seen = []
    for seed in range(15):
        body = solver_request(seed=seed)[2]
        kind = expected._draw_fault() or "ok"
        seen.append(kind)
        if kind == "fault_timeout":  # held for 20 s: the client gives up first, and its slot is freed
            with pytest.raises(TimeoutError):
                post(cli, body, timeout=0.5)
            assert wait_for(cli, lambda s: s["in_flight"] == 0)["in_flight"] == 0
            continue
        status, headers, raw = post(cli, body)
        if kind == "ok":  # fault draws never touch the world's randomness: the reply is the fault-free one
            assert status == 200 and content(raw) == content(post(plain, body)[2])
        elif kind == "fault_429":
            assert status == 429 and float(headers["Retry-After"]) == 0.5
            assert json.loads(raw)["error"]["code"] == "rate_limit_exceeded"
        elif kind == "fault_500":
            assert status == 500 and json.loads(raw)["error"]["type"] == "server_error"
        else:
            assert status == 200
            with pytest.raises(json.JSONDecodeError):
                json.loads(raw)
    assert set(seen) == {"ok", *FAULTS}
    stats = cli.stats()
    assert {k: stats[k] for k in ("ok", *FAULTS)} == {k: seen.count(k) for k in ("ok", *FAULTS)}
    assert stats["total"] == len(seen) and stats["cancelled"] == 0  # a timeout counts as a timeout only
    assert cli.process is not None
    cli.process.send_signal(signal.SIGINT)
    assert cli.process.wait(timeout=10) == 0


# --- command-line errors -----------------------------------------------------------------------


def one_line_usage_error(*args: str) -> str:
    from experiments.cli import app

    result = CliRunner().invoke(app, ["serve-sim", *args])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    return lines[0]


def test_bad_options_are_one_line_and_exit_2(plain: ServerProcess) -> None:
    assert "--fault-500" in one_line_usage_error("--fault-500", "1.5")
    assert "add up to 1.2" in one_line_usage_error("--fault-429", "0.6", "--fault-malformed", "0.6")
    assert "--latency-ms" in one_line_usage_error("--latency-ms", "-5")
    port = int(plain.root.rsplit(":", 1)[1])
    assert f"127.0.0.1:{port}" in one_line_usage_error("--port", str(port))  # in use by the plain server
    with socket.socket() as probe:  # and the plain server survived the attempt
        probe.connect(("127.0.0.1", port))
