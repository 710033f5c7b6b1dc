"""Benchmark: how busy a whole generation keeps a real one-slot server, against a bare client.

Starts ``serve-local`` (Gemma 3 270M on llama-cpp-python, STACK.md section 8) behind a recording
proxy, runs what ``autodata generate`` runs (the preflight, then the generation; all roles real,
``experiments/configs/real_small.yaml`` by default, a fresh store so nothing comes from a cache),
then replays the very requests that generation sent (the same bodies, grammars included) from a
bare aiohttp client, back to back at the server's concurrency (its ``/props`` slots). The
saturation is the replay's wall time over the generation's. It also prints the server's busy
fraction (its CPU time over threads x wall time, from /proc), timeouts and retries, the idle gaps
(no request at the server) and what came after each, and the limiter's level over time.

The client and the server share this machine's cores: the machine's load before the run is
printed, and the numbers only mean something on a quiet machine.

    .venv/bin/python experiments/bench/real_saturation.py [--config experiments/configs/real_small.yaml] [--docs 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

if __name__ == "__main__":  # a fresh store: no cached reply, no remembered endpoint (set before DSPy loads)
    os.environ["AUTODATA_STORE"] = tempfile.mkdtemp(prefix="autodata-bench-store-")
    os.environ.pop("DSPY_CACHEDIR", None)

from harness import aio, env  # noqa: E402

env.configure_environment()

from aiohttp import ClientSession, ClientTimeout, TCPConnector, web  # noqa: E402

from experiments.bench.machine import background_load, free_port  # noqa: E402
from experiments.serve_local import LocalServer, missing, venv_python  # noqa: E402
from harness.config import load_config  # noqa: E402
from harness.documents import load_documents  # noqa: E402
from harness.generate import generate  # noqa: E402
from harness.preflight import failures, preflight  # noqa: E402

TARGET = 0.9
_OUTPUTS = re.compile(r"^\d+\. `(\w+)`", re.MULTILINE)


@dataclass
class Sent:
    body: bytes
    started: float
    ended: float = 0.0
    status: int = 0


@dataclass
class Recorder:
    """A reverse proxy in front of the server that keeps every chat request and when it was served."""

    upstream: str  # http://127.0.0.1:PORT
    sent: list[Sent] = field(default_factory=list)
    port: int = 0

    def start(self) -> None:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            loop.run_until_complete(self._start())
            ready.set()
            loop.run_forever()

        threading.Thread(target=serve, daemon=True).start()
        ready.wait(30)

    async def _start(self) -> None:
        self.session = ClientSession(timeout=ClientTimeout(total=None), connector=TCPConnector(limit=0))
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.forward)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        self.port = runner.addresses[0][1]

    async def forward(self, request: web.Request) -> web.Response:
        body = await request.read()
        record = Sent(body, time.monotonic()) if request.path.endswith("/chat/completions") else None
        if record is not None:
            self.sent.append(record)
        async with self.session.request(request.method, f"{self.upstream}{request.path_qs}", data=body or None,
                                        headers={"Content-Type": "application/json"}) as reply:
            data = await reply.read()
            if record is not None:
                record.ended, record.status = time.monotonic(), reply.status
            return web.Response(body=data, status=reply.status, content_type="application/json")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process and its waited-for children, in seconds (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))
    return ticks / os.sysconf("SC_CLK_TCK")


def role_of(body: bytes) -> str:
    try:
        messages = json.loads(body).get("messages") or []
    except ValueError:
        return "?"
    system = next((m.get("content") or "" for m in messages if m.get("role") == "system"), "")
    names = set(_OUTPUTS.findall(str(system).split("Your output fields are:", 1)[-1]))
    for role, field_name in (("judge", "verdicts"), ("orchestrator", "guidance"), ("qv", "verdict"),
                             ("challenger", "rubric"), ("solver", "answer")):
        if field_name in names:
            return role
    return "probe"


def idle_gaps(sent: list[Sent], start: float, end: float) -> list[tuple[float, float, str]]:
    """(gap start, length, role of the request that ended it): times with no request at the server."""
    events = sorted([(s.started, 1, s) for s in sent] + [(s.ended, -1, s) for s in sent if s.ended],
                    key=lambda e: (e[0], -e[1]))
    gaps, busy, idle_since = [], 0, start
    for moment, step, record in events:
        if step == 1 and busy == 0 and moment > idle_since:
            gaps.append((idle_since - start, moment - idle_since, role_of(record.body)))
        busy += step
        if busy == 0:
            idle_since = moment
    if end > idle_since and busy == 0:
        gaps.append((idle_since - start, end - idle_since, "(end)"))
    return gaps


async def replay(url: str, bodies: list[bytes], slots: int) -> tuple[float, int]:
    """The bodies, in order, ``slots`` at a time, back to back: wall seconds and failed replies."""
    queue = iter(bodies)
    failed = 0

    async def worker(session: ClientSession) -> None:
        nonlocal failed
        for body in queue:
            async with session.post(f"{url}/chat/completions", data=body,
                                    headers={"Content-Type": "application/json"}) as reply:
                await reply.read()
                failed += reply.status != 200

    async with ClientSession(timeout=ClientTimeout(total=None)) as session:
        started = time.monotonic()
        await asyncio.gather(*(worker(session) for _ in range(slots)))
        return time.monotonic() - started, failed


def limiter_levels(stop: threading.Event, samples: list[tuple[float, float, int]], started: float) -> None:
    from harness.endpoint.limiter import _LIMITERS

    while not stop.wait(0.5):
        for limiter in list(_LIMITERS.values()):
            samples.append((time.monotonic() - started, limiter.limit, limiter.in_flight))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="experiments/configs/real_small.yaml")
    parser.add_argument("--docs", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    python = venv_python()
    if reason := missing(python):
        raise SystemExit(f"real_saturation: {reason}")
    load = background_load()
    port = free_port()
    with LocalServer(port, python, n_ctx=4096, n_threads=args.threads, stderr=open(os.devnull, "wb")) as server:
        assert server.process is not None
        pid = server.process.pid
        recorder = Recorder(f"http://127.0.0.1:{port}")
        recorder.start()
        os.environ["AUTODATA_LOCAL_PORT"] = str(recorder.port)
        config = load_config(args.config, {"documents.count": args.docs})
        docs = load_documents(config.documents, base_dir=Path(args.config).resolve().parent)
        samples: list[tuple[float, float, int]] = []
        stop = threading.Event()
        cpu0, started = cpu_seconds(pid), time.monotonic()
        sampler = threading.Thread(target=limiter_levels, args=(stop, samples, started), daemon=True)
        sampler.start()
        checks = preflight(config)  # what `autodata generate` runs first
        if failures(checks):
            raise SystemExit("real_saturation: preflight: " + "; ".join(failures(checks)))
        preflight_s = time.monotonic() - started
        with tempfile.TemporaryDirectory() as out:
            summary = generate(config, docs, Path(out))
        wall, cpu = time.monotonic() - started, cpu_seconds(pid) - cpu0
        stop.set()
        sent = list(recorder.sent)
        gaps = idle_gaps(sent, started, started + wall)
        slots = max(1, max((c.slots or 1) for c in checks if not c.simulated))
        cpu1 = cpu_seconds(pid)
        replay_s, replay_failed = aio.run(replay(f"http://127.0.0.1:{port}/v1", [s.body for s in sent], slots))
        replay_cpu = cpu_seconds(pid) - cpu1
    endpoint = summary.get("endpoint", {})
    errors = endpoint.get("errors", {})
    print(f"real saturation: Gemma 3 270M on llama-cpp-python ({args.threads} threads), {args.config}, "
          f"{args.docs} documents, all roles real; {os.cpu_count()} cores shared by client and server")
    print(f"  {load}")
    print(f"  generation (preflight included): {wall:7.1f} s, {len(sent)} requests "
          f"(preflight {preflight_s:.1f} s), server busy {cpu / (args.threads * wall):.2f}")
    print(f"  replay, {slots} at a time:          {replay_s:7.1f} s, {len(sent)} requests, "
          f"server busy {replay_cpu / (args.threads * replay_s):.2f}, failed {replay_failed}")
    ratio = replay_s / wall
    print(f"  saturation (replay / generation): {ratio:.2f} (target >= {TARGET}: {'met' if ratio >= TARGET else 'NOT met'})")
    print(f"  timeouts {errors.get('timeout', 0)}, retries {endpoint.get('retries', 0)}, errors {errors}, "
          f"parse failures {summary.get('parse_failures_total', 0)}; rounds {summary['rounds']}, accepted {summary['accepted']}")
    idle = sum(length for _, length, _ in gaps)
    print(f"  idle at the server: {idle:.1f} s in {len(gaps)} gaps; longest: " + ", ".join(
        f"{length:.2f} s at {at:.0f} s before {role}" for at, length, role in sorted(gaps, key=lambda g: -g[1])[:5]))
    changes = [(t, limit) for i, (t, limit, _) in enumerate(samples) if i == 0 or samples[i - 1][1] != limit]
    print("  limiter level over time: " + ", ".join(f"{limit:g} at {t:.0f} s" for t, limit in changes[:12]))
    peak = max((n for _, _, n in samples), default=0)
    print(f"  most requests in flight: {peak}")


if __name__ == "__main__":
    main()
