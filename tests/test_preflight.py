"""The preflight (harness/preflight.py, ``autodata check``): one tiny request per role model."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from openai_fake import FakeOpenAI, chat_adapter_reply

from harness import context_window, structured
from harness.config import load_config, parse_config
from harness.endpoint.limiter import _LIMITERS
from harness.preflight import failures, preflight
from harness.signatures import Challenge
from harness.sim.server_process import ServerProcess
from harness.structured import StructuredModes

REPO = Path(__file__).resolve().parents[1]
ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")


@pytest.fixture(autouse=True)
def fresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTODATA_STORE", str(tmp_path / "store"))
    context_window.forget()
    _LIMITERS.clear()
    structured._FOUND.clear()


def cli(*args: str | Path, store: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTODATA_STORE": str(store), "PYTHONPATH": str(REPO), "COLUMNS": "160"}
    return subprocess.run([sys.executable, "-m", "experiments.cli", *map(str, args)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def on(url: str, roles: tuple[str, ...] = ROLES, **spec: object) -> dict:
    return {"models": {role: {"model": "openai/gemma-3-270m", "api_base": url, **spec} for role in roles}}


def test_autodata_check_prints_the_table_for_serve_sim(tmp_path: Path) -> None:
    with ServerProcess() as server:
        data = yaml.safe_load((REPO / "experiments/configs/serve_sim.yaml").read_text())
        for spec in data["models"].values():
            spec["api_base"] = server.url
        config = tmp_path / "serve_sim.yaml"
        config.write_text(yaml.safe_dump(data))
        result = cli("check", config, store=tmp_path / "store")
        served = server.stats()
    assert result.returncode == 0, result.stdout + result.stderr
    rows = [line.split() for line in result.stdout.splitlines() if line.split()[:1] and line.split()[0] in ROLES]
    assert sorted(row[0] for row in rows) == sorted(ROLES), result.stdout  # six models (openai/<profile>): six checks
    assert all(row[2:4] == ["yes", "chat"] for row in rows), result.stdout
    assert "every role can produce its output format" in result.stdout
    # One text-format request per check, plus the two structured probes of the endpoint's first
    # check (serve-sim follows neither: the other checks send none), and one request with n = 2
    # for the solvers' endpoint (serve-sim honours it).
    assert served["total"] == 6 + 2 + 1, served
    assert served["choices"] == served["ok"] + 1


def test_a_role_that_cannot_follow_its_format_stops_the_run_before_any_spend(tmp_path: Path) -> None:
    with FakeOpenAI(reply=lambda body: "I am a base model and I write prose.", schemas=False) as server:
        config = tmp_path / "bad.yaml"
        config.write_text(yaml.safe_dump({"name": "bad", **on(server.url, ("weak",), max_tokens=20),
                                          "tracking": {"enabled": False}, "documents": {"count": 1}}))
        result = cli("generate", config, "--out", tmp_path / "out", "--no-track", store=tmp_path / "store")
        formats = {(body.get("response_format") or {}).get("type") for body in server.bodies}
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: preflight: role 'weak'")
    assert "cannot produce its output format" in lines[0] and "nothing was spent" in lines[0]
    assert "simulated" in result.stdout  # the other roles: reported, no call
    # Given up only after every way of asking: the text format, json_schema (a 500 here) and json_object.
    assert formats == {None, "json_schema", "json_object"}, formats
    assert not (tmp_path / "out" / "rounds.jsonl").exists()


SEARCH = ("search:\n  knobs:\n    challenger_temperature: {low: 0.2, high: 1.2}\n  genes: [challenger_instructions]\n"
          "  splits: {train: 1, validation: 1, test: 1}\n  budget: {candidates: 1}\n")


@pytest.mark.parametrize("command", ["sweep", "presets", "ablate", "check"])
def test_every_command_stops_with_exit_2_when_a_role_cannot_follow_its_format(tmp_path: Path, command: str) -> None:
    """README: the preflight runs before any call of sweep, presets and ablate (every cell), and
    ``autodata check`` fails the same way: exit 2, one line naming the role, nothing generated."""
    out = tmp_path / "out"
    with FakeOpenAI(reply=lambda body: "I am a base model and I write prose.", schemas=False) as server:
        bad = tmp_path / "bad.yaml"
        bad.write_text(yaml.safe_dump({"name": "bad", **on(server.url, ("weak",), max_tokens=20),
                                       "tracking": {"enabled": False}, "documents": {"count": 3}}))
        if command == "sweep":
            (tmp_path / "sweep.yaml").write_text(f"name: bad-sweep\nbase: {bad}\n{SEARCH}")
            argv = ["sweep", tmp_path / "sweep.yaml", "--out", out, "--no-track",
                    "--storage", f"sqlite:///{tmp_path / 'optuna.db'}"]
        elif command == "presets":
            argv = ["presets", bad, "--docs", "1", "--out", out, "--no-track"]
        elif command == "ablate":
            (tmp_path / "ablation.yaml").write_text(
                f"name: bad-ablation\nbase: {bad}\nfactors: {{feedback: [true, false]}}\nseeds: [0]\n"
                "documents: 1\nmetrics: [acceptance_rate]\n")
            argv = ["ablate", tmp_path / "ablation.yaml", "--out", out, "--no-track"]
        else:
            argv = ["check", bad]
        result = cli(*argv, store=tmp_path / "store")
        probes = len(server.bodies)
    output = result.stdout + result.stderr
    assert result.returncode == 2, output
    assert "Traceback" not in output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "preflight" in lines[0] and "role 'weak'" in lines[0], result.stderr
    assert 0 < probes <= 3  # only the preflight's probes reached the endpoint
    assert not list(tmp_path.rglob("rounds.jsonl"))  # nothing was generated


def test_checks_group_roles_report_modes_and_are_reused_by_the_next_run(tmp_path: Path) -> None:
    with FakeOpenAI(reply=chat_adapter_reply, props={"n_ctx": 2048, "total_slots": 1}) as server:
        config = parse_config({**on(server.url, ("weak", "strong", "judge"), max_tokens=64)})
        checks = preflight(config)
        first = len(server.bodies)
        again = preflight(config)
        assert len(server.bodies) == first  # a rerun makes no request
        fresh_checks = preflight(config, fresh=True)
        assert len(server.bodies) == 2 * first
    by_roles = {", ".join(c.roles): c for c in checks}
    assert set(by_roles) == {"weak, strong", "judge", "challenger", "qv", "orchestrator"}
    solver, judge = by_roles["weak, strong"], by_roles["judge"]
    assert solver.mode == "chat" and solver.reachable and solver.authenticated and solver.tokens_per_s
    assert solver.structured == "json_object" and solver.structured_follows  # json_schema was a 500
    assert solver.context_window == "2048 (server /props)" and solver.slots == 1
    # The judge's verdicts do not parse from the fake's text reply; its structured reply does.
    assert judge.chat_format is False and judge.mode == "json_object"
    assert by_roles["qv"].simulated and not failures(checks)
    assert all(c.cached for c in again if not c.simulated) and not any(c.cached for c in fresh_checks)
    # Every request is one of the checks'; the judge's check, on an endpoint already probed, asks
    # only for the mode that endpoint was found to take (fewer requests than the solvers' check).
    assert first == sum(c.requests for c in checks if not c.simulated)
    assert 0 < judge.requests < solver.requests
    assert solver.honours_n is False and judge.honours_n is None
    assert structured.found(config.models.judge) == "json_object"  # where a run's StructuredModes reads it
    assert StructuredModes().known(config.models.judge) == "json_object"  # so the run sends no probe
    limiter = _LIMITERS[server.url]
    assert limiter.cap == 1 and limiter.limit == 1.0  # the server's one slot, from /props


def test_a_preflight_killed_part_way_keeps_the_checks_it_finished(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness import preflight as module

    real_probe, probes = module._chat_probe, []

    async def killed_at_the_second(*args: object) -> None:
        probes.append(args)
        if len(probes) == 2:
            raise KeyboardInterrupt  # the process stops here, as at a SIGKILL: nothing after runs
        await real_probe(*args)

    with FakeOpenAI(reply=chat_adapter_reply) as server:
        config = parse_config({**on(server.url, ("weak", "strong", "judge"), max_tokens=64)})
        monkeypatch.setattr(module, "_chat_probe", killed_at_the_second)
        with pytest.raises(KeyboardInterrupt):
            preflight(config)
        sent_before_the_kill = len(server.bodies)
        monkeypatch.setattr(module, "_chat_probe", real_probe)
        checks = preflight(config)  # the restart
    reused = [c for c in checks if not c.simulated and c.cached]
    assert [c.roles for c in reused] == [["weak", "strong"]]  # the check finished before the kill
    assert sent_before_the_kill > 0 and not any(c.cached for c in checks if not c.simulated and c not in reused)


def test_a_transient_server_error_on_a_probe_does_not_fail_the_preflight(tmp_path: Path) -> None:
    # Fault seed 1 draws a 500 for the first request the server admits (and 20% of the rest).
    with ServerProcess(fault_500=0.2, fault_seed=1) as server:
        data = yaml.safe_load((REPO / "experiments/configs/serve_sim.yaml").read_text())
        for spec in data["models"].values():
            spec["api_base"] = server.url
        checks = preflight(parse_config(data))
        served = server.stats()
    assert served["fault_500"] >= 1, served
    assert not failures(checks), failures(checks)


def test_an_unreachable_endpoint_names_every_role_on_it() -> None:
    config = parse_config(on("http://127.0.0.1:9/v1", ("judge",)))
    checks = preflight(config, fresh=True)
    (problem,) = failures(checks)
    assert problem.startswith("role 'judge' (model openai/gemma-3-270m at http://127.0.0.1:9/v1): not reachable")
    assert "cannot connect" in problem


def test_the_structured_probe_bounds_every_string_list_and_number() -> None:
    schema = structured.output_schema(Challenge, tight=True)
    assert schema["required"] == list(Challenge.output_fields)
    rubric = schema["properties"]["rubric"]
    assert rubric["maxItems"] == 1 and "$ref" not in str(schema)
    assert rubric["items"]["properties"]["criterion"]["maxLength"] == 24
    assert rubric["items"]["properties"]["weight"]["enum"]
    assert schema["properties"]["question"] == {"type": "string", "maxLength": 24}


def test_real_small_config_expands_the_port_at_call_time(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.config import ConfigError

    config = load_config(REPO / "experiments/configs/real_small.yaml")
    spec = config.models.challenger
    assert spec.api_base == "http://127.0.0.1:${AUTODATA_LOCAL_PORT}/v1"  # the hash keeps the variable
    monkeypatch.setenv("AUTODATA_LOCAL_PORT", "8123")
    assert spec.base_url() == "http://127.0.0.1:8123/v1"
    monkeypatch.delenv("AUTODATA_LOCAL_PORT")
    with pytest.raises(ConfigError, match="AUTODATA_LOCAL_PORT is not set"):
        spec.base_url()


def test_the_guarded_auditor_on_a_model_of_its_own_is_probed_and_named_when_it_fails() -> None:
    """The auditor decides what enters every dataset: one that cannot answer would leave them empty."""
    down = {"model": "openai/gemma-3-270m", "api_base": "http://127.0.0.1:9/v1"}
    config = parse_config({"guarded": {"auditor": {"model": down}}})
    (problem,) = failures(preflight(config, fresh=True))
    assert problem.startswith("role 'auditor' (model openai/gemma-3-270m at http://127.0.0.1:9/v1): not reachable")
    with FakeOpenAI(reply=chat_adapter_reply) as server:
        config = parse_config({"guarded": {"auditor": {"model": {**down, "api_base": server.url}}}})
        checks = preflight(config, fresh=True)
        sent = len(server.bodies)
    (auditor,) = [c for c in checks if "auditor" in c.roles]
    assert auditor.roles == ["auditor"] and auditor.reachable and sent == auditor.requests > 0
    assert not failures(checks)
    # On the QV's own model it is the QV's check, and on the default (no model) there is none apart.
    same = parse_config({"guarded": {"auditor": {"model": {"model": "sim/strong"}}}, "models": {"qv": {"model": "sim/strong"}}})
    assert not [c for c in preflight(same, fresh=True) if "auditor" in c.roles]
    assert not [c for c in preflight(parse_config({}), fresh=True) if "auditor" in c.roles]
