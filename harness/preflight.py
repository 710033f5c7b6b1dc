"""The preflight: one tiny request per distinct role model, before a run spends anything.

For each real role model and output format (the two solvers share one check when they share a
model), in order:

- the role's real predictor (its DSPy signature and instructions, through the project's adapter:
  ``harness.roles.Roles``) is called once on a tiny input, with the role's own reply cap, DSPy's
  cache off and a budget of its own (the run's budget is not touched). That says whether the endpoint is reachable and the key accepted, whether the
  reply parses in the text format (mode ``chat``), and the tokens per second it was written at;
- on an OpenAI-compatible ``api_base``, structured output is probed by ``structured.probe`` (the
  probe a run would send) with the same signature's schema (``structured.output_schema`` with
  its tight bounds, so a grammar-constrained reply ends): ``response_format`` of type
  ``json_schema`` first, then ``json_object`` with a ``schema`` (llama-cpp-python answers
  ``json_schema`` with HTTP 500 and constrains ``json_object``+schema). The endpoint's first
  check finds the mode (``off`` when no reply follows); later checks on the same endpoint probe
  only that mode. The mode is recorded with ``structured.remember``, where a run's
  ``StructuredModes`` reads it, so the run sends no probe of its own. A hosted model's support
  is LiteLLM's ``supports_response_schema``;
- the context window (harness/context_window.py), and the server's slot count where it reports
  one (llama.cpp's ``/props`` ``total_slots``), which sets the endpoint limiter's capacity;
- for the solvers on an ``api_base``, whether one request with ``n`` = 2 returns two choices
  (``probe_n``): then a wave of solver attempts shares one request (harness/endpoint/shared.py).

A role whose endpoint is unreachable, refuses the key, or whose replies parse in no mode
``fails``: run commands stop before any spend (exit 2). Simulated roles are reported as
"simulated" without a call. Results are kept in the store (``preflight.json``) for
``REUSE_S``, each as it is made: a rerun of a finished run makes no request at all, and one
killed during its preflight makes only the checks it had not finished; ``autodata check`` always
probes afresh. Its requests are not charged to a run's budget, but every one is accounted for:
``take_record`` hands what was sent to the run, whose summary shows it (``summary["preflight"]``).
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any

from harness import provenance, structured
from harness.config import HarnessConfig, ModelSpec, Runtime, content_hash
from harness.context_window import window
from harness.endpoint.errors import EndpointError

PROBE_TOKENS = 200  # the structured probe's reply cap (or the role's, when lower): ~120 tokens suffice
REUSE_S = 6 * 3600.0
# A server error or dropped connection on the role's probe is tried again twice (backoff from 50 ms):
# one transient 500 must not stop a run, or a worker restarted on a busy endpoint; a server that is
# down still fails within a second.
PROBE_RETRIES = 2
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))

_RUBRIC = [{"criterion": "concludes that Ann is a senior pilot", "weight": 1.0}]
# Written the way the offline world's documents state their provisions, so serve-sim (the offline
# world over HTTP) can answer it as any model would.
_CONTEXT = ('THE HARBOUR RULES. §1. "licensed pilot" means a person who is a registered agent. '
            '§2. "senior pilot" means a person who is a licensed pilot and a trusted broker. '
            'Ann is a registered agent and a trusted broker.')
_QUESTION = "Is Ann a senior pilot?"


def tiny_inputs(role: str, config: HarnessConfig) -> dict[str, Any]:
    from harness import role_registry
    from harness.rubric import Criterion

    rubric = [Criterion(**c) for c in _RUBRIC]
    if role in role_registry.names():  # a registered role (harness/role_defs) brings its own
        return role_registry.get(role).preflight_inputs()
    if role == "challenger":
        inputs: dict[str, Any] = {"guidance": "none", "rubric_size": "between 1 and 2 criteria"}
        inputs["document" if config.resolved_pipeline.grounded else "topic"] = _CONTEXT
        return inputs
    if role in ("qv", "auditor"):
        return {"context": _CONTEXT, "question": _QUESTION, "reference_answer": "Ann is a licensed pilot (§1), so a senior pilot (§2).",
                "final_answer": "Yes",
                "rubric": rubric, "question_type": "arithmetic"}
    if role in ("weak", "strong"):
        return {"context": _CONTEXT, "question": _QUESTION}
    if role == "judge":
        return {"context": _CONTEXT, "question": _QUESTION, "rubric": rubric, "answer": "Yes: §1 then §2."}
    return {"task": "write one exam question about the harbour rules", "previous_guidance": "none",
            "failures": "one attempt: the question gave its answer away"}


@dataclass
class Check:
    roles: list[str]
    model: str
    endpoint: str
    simulated: bool = False  # a sim/ model: the offline world in process, no call made
    offline_world: bool = False  # its replies came from the offline world (serve-sim behind api_base)
    reachable: bool | None = None
    authenticated: bool | None = None
    chat_format: bool | None = None  # the reply parsed in the text format
    structured: str | None = None  # the mode the endpoint accepted: json_schema | json_object (with a schema)
    structured_follows: bool | None = None
    tokens_per_s: float | None = None
    context_window: str = "unknown"
    slots: int | None = None
    honours_n: bool | None = None  # solvers on an api_base: whether one request with n=2 gave 2 choices
    problem: str = ""
    cached: bool = False
    requests: int = 0  # what this check sent (its HTTP probes; the text-format call counts as one)
    ok: int = 0  # of which answered (HTTP 200)
    tokens: int = 0
    details: list[str] = field(default_factory=list)

    @property
    def mode(self) -> str | None:
        if self.chat_format:
            return "chat"
        return self.structured if self.structured_follows else None

    @property
    def fails(self) -> bool:
        return not self.simulated and (not self.reachable or not self.authenticated or self.mode is None)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _post(base: str, body: dict[str, Any], key: str | None, timeout: float) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"{base.rstrip('/')}/chat/completions", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {key or 'not-needed'}"})
    try:
        with _OPENER.open(request, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (OSError, ValueError):
        return 0, {}


def probe_structured(spec: ModelSpec, signature: Any, runtime: Runtime, check: Check | None = None,
                     modes: tuple[structured.Mode, ...] = ("json_schema", "json_object")
                     ) -> tuple[str | None, bool | None]:
    """(mode the endpoint accepts, whether its reply followed the schema) for ``spec``, by
    ``structured.probe`` over a plain HTTP post with the preflight's tight bounds; the reply's
    tokens per second go into ``check`` when it has none yet."""
    from harness.endpoint.client import api_key, endpoint_label

    base = spec.base_url()
    if not base:
        import litellm

        try:
            return ("json_schema" if litellm.supports_response_schema(model=spec.model) else None), None
        except Exception:
            return None, None
    fields = ", ".join(structured.output_schema(signature, tight=True)["required"])
    body = {"model": spec.model.split("/", 1)[1], "temperature": 0.0, "seed": 0,
            "max_tokens": min(spec.max_tokens or PROBE_TOKENS, PROBE_TOKENS),
            "messages": [{"role": "system", "content": f"Reply with one JSON object with the fields {fields}."},
                         {"role": "user", "content": f"{_CONTEXT}\n{_QUESTION}"}]}

    async def send(mode: structured.Mode, response_format: dict[str, Any]) -> str | None:
        started = time.monotonic()
        status, reply = await asyncio.to_thread(_post, base, {**body, "response_format": response_format},
                                                api_key(spec), runtime.timeout_s)
        if check is not None:
            check.requests += 1
            check.ok += status == 200
            check.tokens += int((reply.get("usage") or {}).get("total_tokens") or 0)
        provenance.note_reply(endpoint_label(spec), spec.model, str(reply.get("model") or ""))
        completion = int((reply.get("usage") or {}).get("completion_tokens") or 0)
        if status == 200 and check is not None and not check.tokens_per_s and completion:
            check.tokens_per_s = round(completion / max(time.monotonic() - started, 1e-6), 1)
        if status != 200:
            return None
        try:
            return str(reply["choices"][0]["message"]["content"])
        except (KeyError, IndexError, TypeError):
            return ""

    if not modes:
        return None, None
    mode, accepted = asyncio.run(structured.probe(send, signature, modes, tight=True))
    return (mode, True) if mode != "off" else (accepted, False)


def _slots(spec: ModelSpec) -> int | None:
    base = spec.base_url()
    if not base:
        return None
    try:
        with _OPENER.open(f"{base.rstrip('/').removesuffix('/v1')}/props", timeout=5) as reply:
            slots = json.loads(reply.read()).get("total_slots")
        return int(slots) if isinstance(slots, int) and slots > 0 else None
    except (OSError, ValueError, AttributeError):
        return None


async def _chat_probe(check: Check, role: str, config: HarnessConfig, roles: Any) -> None:
    import dspy
    from dspy.utils.exceptions import AdapterParseError

    from harness.adapter import CachingChatAdapter, call_settings
    from harness.roles import endpoint_failure

    predictor = roles.predictors[role]
    started = time.monotonic()
    check.requests += 1
    check.ok += 1
    try:
        # One request: the text format alone (the run's adapter would try DSPy's JSON format next).
        with call_settings(), dspy.context(adapter=CachingChatAdapter(use_json_adapter_fallback=False)):
            prediction = await predictor.acall(config={"temperature": 0.0, "seed": 0}, **tiny_inputs(role, config))
    except Exception as error:  # sorted below: endpoint problems, and replies that do not parse
        stop = endpoint_failure(error)
        if isinstance(stop, EndpointError):
            check.ok -= 1  # no reply came: not answered
            check.reachable = stop.kind not in ("connection",)
            check.authenticated = stop.kind != "auth" if check.reachable else None
            check.problem = stop.detail
            return
        check.reachable = check.authenticated = True
        check.chat_format = False
        kind = "parse" if isinstance(error, AdapterParseError) else type(error).__name__
        check.details.append(f"chat reply did not parse ({kind})")
        return
    check.reachable = check.authenticated = True
    check.chat_format = True
    usage = prediction.get_lm_usage() or {}
    completion = sum(int(u.get("completion_tokens") or 0) for u in usage.values())
    check.tokens += sum(int(u.get("total_tokens") or 0) for u in usage.values())
    elapsed = time.monotonic() - started
    if completion and elapsed > 0:
        check.tokens_per_s = round(completion / elapsed, 1)


def _store_path() -> Any:
    from harness.env import store_dir

    return store_dir() / "preflight.json"


def _key(spec: ModelSpec, role: str, config: HarnessConfig) -> str:
    signature = getattr(config.genes, f"{role}_instructions", None) or role
    return content_hash({"spec": spec.model_dump(), "base": spec.base_url(), "role": role, "text": signature})


def _remembered() -> dict[str, Any]:
    try:
        return json.loads(_store_path().read_text())
    except (OSError, ValueError):
        return {}


def _modes(spec: ModelSpec, found: dict[str, structured.Mode]) -> tuple[structured.Mode, ...]:
    """The structured modes to probe for ``spec``: its setting's, else the one its endpoint was
    found to take by an earlier check of this preflight, else both in order."""
    setting = getattr(spec, "structured", "auto")
    if setting != "auto":
        return () if setting == "off" else (setting,)
    known = found.get(structured.endpoint_key(spec))
    if known is not None:
        return () if known == "off" else (known,)
    return ("json_schema", "json_object")


def probe_n(spec: ModelSpec, runtime: Runtime, check: Check, messages: list[dict[str, Any]]) -> bool | None:
    """Whether the endpoint answers one request with ``n`` = 2 with two choices (vLLM, OpenAI,
    serve-sim do; llama-cpp-python returns one): then a wave of solver attempts shares one
    request (harness/endpoint/shared.py). ``messages``: the solver's own prompt on a tiny input.
    None when the probe got no reply."""
    from harness.endpoint.client import api_key

    base = spec.base_url()
    if not base:
        return None
    body = {"model": spec.model.split("/", 1)[1], "temperature": 1.0, "seed": 0, "n": 2,
            "max_tokens": min(spec.max_tokens or 16, 16), "messages": messages}
    status, reply = _post(base, body, api_key(spec), runtime.timeout_s)
    check.requests += 1
    check.ok += status == 200
    check.tokens += int((reply.get("usage") or {}).get("total_tokens") or 0)
    if status != 200 or not isinstance(reply.get("choices"), list):
        return None
    return len(reply["choices"]) >= 2


def _solver_messages(roles: Any, role: str, config: HarnessConfig) -> list[dict[str, Any]]:
    from harness.adapter import CachingChatAdapter

    signature = roles.predictors[role].signature
    return CachingChatAdapter().format(signature, demos=[], inputs=tiny_inputs(role, config))


def _apply(check: Check, spec: ModelSpec, runtime: Runtime) -> None:
    """What the checks learned, where the run will use it: the structured mode (the memory a run's
    ``StructuredModes`` reads, so the run probes nothing), the capacity, whether ``n`` is honoured."""
    if check.honours_n is not None:
        from harness.endpoint import shared
        from harness.endpoint.client import endpoint_label

        shared.remember_n(endpoint_label(spec), check.honours_n)
    if check.slots:
        from harness.endpoint.client import START_IN_FLIGHT
        from harness.endpoint.limiter import limiter_for

        limiter_for(check.endpoint, runtime.max_in_flight, initial=START_IN_FLIGHT if spec.api_base else None,
                    ghost_s=runtime.timeout_s).learn_capacity(check.slots)


# What preflights of this process sent since a run last took it (``take_record``): the requests
# are made before the run and outside its budget, but a run's summary accounts for them.
_SENT: dict[str, Any] = {}


def take_record() -> dict[str, Any] | None:
    """What the preflights since the last call sent: ``{"requests", "ok", "tokens", "cached"}``
    (``cached``: every real check was reused, nothing sent); None when no preflight ran."""
    record = dict(_SENT) if _SENT else None
    _SENT.clear()
    return record


def _count(checks: list[Check]) -> None:
    sent = [c for c in checks if not c.simulated and not c.cached]
    for name in ("requests", "ok", "tokens"):
        _SENT[name] = int(_SENT.get(name, 0)) + sum(getattr(c, name) for c in sent)
    _SENT["cached"] = bool(_SENT.get("cached", True)) and not sent


def probed_roles(config: HarnessConfig) -> list[tuple[str, ModelSpec]]:
    """Every role model a run calls: the harness's roles, and the guarded auditor when it has a
    model of its own (its verdict decides what enters the dataset: a model that cannot give one
    would leave every dataset empty). On the QV's model it is the QV's check."""
    pairs = config.role_models()
    auditor = config.guarded.auditor
    if auditor.enabled and auditor.model is not None and auditor.model != config.models.qv:
        pairs.append(("auditor", auditor.model))
    return pairs


def preflight(config: HarnessConfig, fresh: bool = False) -> list[Check]:
    """One check per distinct role model (see the module docstring)."""
    from harness.endpoint import shared
    from harness.endpoint.client import endpoint_label
    from harness.models import ModelRegistry
    from harness.roles import Roles

    # One check per model and output format: the two solvers share theirs (one signature).
    groups: dict[str, tuple[ModelSpec, list[str]]] = {}
    probed = probed_roles(config)
    for role, spec in probed:  # the protocol's registered roles too, each its own form
        form = "solver" if role in ("weak", "strong") else role
        groups.setdefault(json.dumps([spec.model_dump(), form], sort_keys=True), (spec, []))[1].append(role)
    roles = None
    if any(not spec.simulated for _, spec in probed):
        runtime = config.runtime.model_copy(update={"cache": False, "num_retries": PROBE_RETRIES})
        roles = Roles(config, ModelRegistry(config.models, runtime))
    remembered = {} if fresh else _remembered()
    checks = []
    found: dict[str, structured.Mode] = {}  # endpoint -> the mode its first check found
    firsts: dict[str, tuple[str | None, bool | None]] = {}  # endpoint -> that check's findings
    probed_n: set[str] = set()  # endpoints whose n was probed by this preflight
    for spec, members in groups.values():
        if spec.simulated:
            checks.append(Check(members, spec.model, "offline world", simulated=True))
            continue
        role = members[0]
        check = Check(members, spec.model, endpoint_label(spec))
        key = _key(spec, role, config)
        entry = remembered.get(key)
        if entry and time.time() - float(entry.get("at", 0)) < REUSE_S and not Check(**entry["check"]).fails:
            check = Check(**{**entry["check"], "roles": members, "cached": True})
            if check.offline_world:
                provenance.note_spec(spec)  # what the reused check saw answering
        else:
            asyncio.run(_chat_probe(check, role, config, roles))
            if check.reachable and check.authenticated:
                signature = roles.predictors[role].signature if roles else None
                modes = _modes(spec, found)
                if modes or spec.structured != "auto" or structured.endpoint_key(spec) not in found:
                    check.structured, check.structured_follows = probe_structured(
                        spec, signature, config.runtime, check, modes)
                else:  # the endpoint follows no schema: what its first check found, not probed again
                    check.structured, check.structured_follows = firsts[structured.endpoint_key(spec)]
                check.context_window = str(window(spec))
                check.slots = _slots(spec)
                if spec.api_base and {"weak", "strong"} & set(members) and check.mode:  # once per endpoint
                    known = shared.honours_n(endpoint_label(spec)) if endpoint_label(spec) in probed_n else None
                    check.honours_n = known if known is not None else probe_n(
                        spec, config.runtime, check, _solver_messages(roles, role, config))
                    probed_n.add(endpoint_label(spec))
            check.offline_world = provenance.role_is_simulated(spec)
            remembered[key] = {"at": time.time(), "check": check.as_dict()}
            _save(remembered)  # each check as it is made: one killed part-way is not paid again
        endpoint = structured.endpoint_key(spec)
        if spec.api_base and spec.structured == "auto" and endpoint not in found and check.structured_follows is not None:
            # What a run's StructuredModes reads: the run sends no probe of its own.
            found[endpoint] = check.structured if check.structured_follows else "off"  # type: ignore[assignment]
            firsts[endpoint] = (check.structured, check.structured_follows)
            structured.remember(spec, found[endpoint])
        _apply(check, spec, config.runtime)
        checks.append(check)
    _save(remembered)
    _count(checks)
    return checks


def _save(remembered: dict[str, Any]) -> None:
    # Written whole and renamed into place: a kill mid-write leaves the previous file, never a torn one.
    path = _store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(remembered, indent=1, sort_keys=True))
    os.replace(tmp, path)


def failures(checks: list[Check]) -> list[str]:
    """One line per problem: role models at one endpoint failing the same way (a server that is not
    running) share a line, so the user reads the cause once."""
    grouped: dict[tuple[str, str], list[Check]] = {}
    for check in checks:
        if not check.fails:
            continue
        if not check.reachable:
            problem = f"not reachable: {check.problem}"
        elif not check.authenticated:
            problem = f"not authenticated: {check.problem}"
        elif check.problem:
            problem = f"the endpoint refused the probe: {check.problem}"
        else:
            problem = ("cannot produce its output format (no reply parsed as text, and structured output "
                       f"{'was not followed' if check.structured else 'is not supported'})")
        grouped.setdefault((check.endpoint, problem), []).append(check)
    out = []
    for (endpoint, problem), group in grouped.items():
        who = [", ".join(f"role '{role}'" for role in check.roles) + f" (model {check.model}" for check in group]
        if len(who) == 1:
            out.append(f"{who[0]} at {endpoint}): {problem}")
        else:
            out.append(f"{'), '.join(who)}) at {endpoint}: {problem}")
    return out
