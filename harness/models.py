"""The model registry: one ``dspy.LM`` per role, built from the configuration.

``sim/<profile>`` models run on the offline world's engine (one engine shared by all roles, so
its call counters see everything; built for the configured world, ``documents.world_seed``,
which picks the simulated models' profiles as it picks the documents); any other string is a LiteLLM model string routed through
``dspy.LM`` (DSPy's native engine for the common providers, LiteLLM for the rest). Keys are read
from the environment at build time and are never stored in configs, records or logs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import dspy

from harness import role_registry
from harness.config import Models, ModelSpec, Runtime
from harness.endpoint.budget import BudgetGuard
from harness.endpoint.client import endpoint_engines, engine_pair
from harness.endpoint.engine import CallStats
from harness.endpoint.lm import InlineLM
from harness.sim.engine import AsyncSimEngine, FaultPlan, SimEngine
from harness.sim.profiles import PROFILES

# Role defaults when the model spec does not set a temperature (the challenger's is a knob).
ROLE_TEMPERATURE = {"qv": 0.0, "auditor": 0.0, "weak": 1.0, "strong": 1.0, "judge": 0.0, "orchestrator": 0.7}


class CredentialError(ValueError):
    """A role's model cannot be reached as configured (missing key, unknown profile)."""


@dataclass(frozen=True)
class Problem:
    role: str
    model: str
    message: str

    def __str__(self) -> str:
        return f"role '{self.role}' (model {self.model}): {self.message}"


def missing_credentials(models: Models) -> list[Problem]:
    """Every role whose model cannot be called as configured, checked before any work starts."""
    problems: list[Problem] = []
    for role, spec in models.items():
        if spec.simulated:
            name = spec.model.split("/", 1)[1]
            if name not in PROFILES:
                problems.append(Problem(role, spec.model, f"unknown offline-world profile; known: {', '.join(sorted(PROFILES))}"))
            continue
        if spec.api_key_env:
            if not os.environ.get(spec.api_key_env):
                problems.append(Problem(role, spec.model, f"environment variable {spec.api_key_env} is not set"))
            continue
        if spec.api_base:
            continue  # a self-hosted OpenAI-compatible server (vLLM, Ollama, llama.cpp) may need no key
        missing = _provider_missing_keys(spec.model)
        if missing:
            problems.append(Problem(role, spec.model, f"missing API key: set {' or '.join(missing)}"))
    return problems


def _provider_missing_keys(model: str) -> list[str]:
    # LiteLLM knows which variables each provider reads; imported only for real endpoints (slow import).
    import litellm

    try:
        report = litellm.validate_environment(model=model)
    except Exception as error:  # unknown provider strings raise; report them instead of crashing
        return [f"(LiteLLM cannot check this model: {type(error).__name__})"]
    return list(report.get("missing_keys") or []) if not report.get("keys_in_environment") else []


def build_lm(
    spec: ModelSpec,
    runtime: Runtime,
    sim_engine: SimEngine,
    async_engine: AsyncSimEngine | None = None,
    cache: bool | None = None,
    budget: BudgetGuard | None = None,
    stats: CallStats | None = None,
    role: str | None = None,
) -> dspy.LM:
    """A ``dspy.LM`` for one model spec (offline world or real endpoint); the key comes from the environment.

    Both kinds go through the same ``EndpointEngine`` (budget, adaptive concurrency, timeout,
    retries by kind); DSPy's own retry loop is off so that calls are retried in one place.
    """
    cache = (not spec.simulated) if cache is None else cache
    budget = budget or BudgetGuard()
    stats = stats or CallStats()
    common: dict = {"cache": cache, "num_retries": 0}
    if spec.max_tokens:
        common["max_tokens"] = spec.max_tokens
    if spec.simulated:
        inner = async_engine or AsyncSimEngine(sim_engine)
        sync_face, engine = engine_pair(spec.model, "offline-world", inner, sim_engine, runtime, budget, stats)
    else:
        sync_face, engine = endpoint_engines(spec, runtime, budget, stats)
    engine.role = role
    return InlineLM(spec.model, engine=sync_face, async_engine=engine, **common)


class ModelRegistry:
    """Builds and holds the LM of each role."""

    def __init__(self, models: Models, runtime: Runtime, engine: SimEngine | None = None, world_seed: int = 0) -> None:
        self.models = models
        self.runtime = runtime
        # The offline world's faults are its own setting (runtime.sim_faults), read here.
        self.sim_engine = engine or SimEngine(FaultPlan(**runtime.sim_faults.model_dump()), world_seed=world_seed)
        self._async_engine = AsyncSimEngine(self.sim_engine)
        self._lms: dict[str, dspy.LM] = {}
        limits = runtime.budget
        self.budget = BudgetGuard(limits.calls, limits.tokens, limits.dollars)  # spend: set per run
        self.stats = CallStats()  # endpoint attempts of this session, by model and kind
        self._extra: dict[str, ModelSpec] = {}  # roles outside ``models`` (the guarded auditor)

    def add_role(self, role: str, spec: ModelSpec) -> None:
        """A role whose model lives outside ``models`` (``guarded.auditor.model``)."""
        if self._extra.get(role) != spec:
            self._extra[role] = spec
            self._lms.pop(role, None)

    def spec(self, role: str) -> ModelSpec:
        # a registered role without a model of its own uses its slot's (Models.for_role)
        return self._extra[role] if role in self._extra else self.models.for_role(role)

    def cache_enabled(self, spec: ModelSpec) -> bool:
        return (not spec.simulated) if self.runtime.cache is None else self.runtime.cache

    def lm(self, role: str) -> dspy.LM:
        if role not in self._lms:
            self._lms[role] = self._build(self.spec(role), role)
        return self._lms[role]

    def _build(self, spec: ModelSpec, role: str | None = None) -> dspy.LM:
        return build_lm(spec, self.runtime, self.sim_engine, self._async_engine, self.cache_enabled(spec),
                        self.budget, self.stats, role)

    def temperature(self, role: str, knob: float | None = None) -> float:
        spec = self.spec(role)
        if role == "challenger" and knob is not None:
            return knob
        if spec.temperature is not None:
            return spec.temperature
        if role not in ROLE_TEMPERATURE and role in role_registry.names():
            return role_registry.get(role).temperature
        return ROLE_TEMPERATURE.get(role, 0.7)

    def call_config(self, role: str, seed: int, temperature: float) -> dict:
        """Per-call settings. The seed reaches the model where it takes one (the offline world,
        OpenAI-compatible servers: vLLM, Ollama, llama.cpp, serve-sim), which makes replies
        reproducible; elsewhere it is only the cache key (``rollout_id``, stripped before sending)."""
        spec = self.spec(role)
        if spec.simulated or spec.takes_seed:
            return {"seed": seed, "temperature": temperature}
        config: dict = {"temperature": temperature}
        if temperature > 0:
            config["rollout_id"] = seed  # distinct attempts are distinct cache entries
        return config


def standalone_lm(spec: ModelSpec, runtime: Runtime, world_seed: int = 0) -> dspy.LM:
    """An LM for one model outside any generation (the sweep's proposer): a model string of the
    offline world is served by a world of its own, as a registry's roles are."""
    return build_lm(spec, runtime, SimEngine(FaultPlan(**runtime.sim_faults.model_dump()), world_seed=world_seed))


def offline_trainer(seed: int, world_seed: int):  # noqa: ANN201 (harness.sim.trainer.SimTrainer)
    """The offline world's downstream trainer (SIMULATED): the weak profile fine-tuned on a dataset."""
    from harness.sim.trainer import SimTrainer

    return SimTrainer(seed=seed, world_seed=world_seed)


def offline_eval_samples(count: int, seed: int = 0) -> list:
    """Held-out samples the offline world's weak solver answers (the ICL trainer's default set)."""
    from harness.sim.trainer import eval_samples

    return eval_samples(count, seed)
