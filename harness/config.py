"""Harness configuration: genes, guarded settings, role models, and how they load from YAML.

A harness is a configuration of the data-scientist agent. Its *genes* (three instruction
texts and the control knobs) are what the meta-optimizer may change; its *guarded* settings
(acceptance rule, solver and judge prompts) are never proposed. Every YAML error is reported
as ``<file>: <field.path>: <what was expected>`` through :class:`ConfigError`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)

from harness import prompts, role_registry
from harness.acceptance import AcceptanceRule, LegalRule, ScienceRule
from harness.presets import PRESETS, Pipeline, pipeline_for

ROLES = ("challenger", "qv", "weak", "strong", "judge", "orchestrator")


class ConfigError(ValueError):
    """A configuration problem, already phrased for the user (file, field, expectation)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelSpec(Strict):
    """One role's model: a LiteLLM model string, or ``sim/<profile>`` for the offline world."""

    model: str = Field(min_length=3, pattern=r"^[A-Za-z0-9_.\-]+/.+$")
    api_base: str | None = None
    # The *name* of the environment variable that holds the key; keys never live in configs.
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    max_tokens: int | None = Field(default=None, gt=0)
    engine: Literal["auto", "litellm"] = "auto"
    # How replies are constrained to the role's JSON schema (harness/structured.py): ``auto`` finds
    # out once per endpoint; ``off`` keeps DSPy's text format.
    structured: Literal["auto", "json_schema", "json_object", "off"] = "auto"
    # Endpoint facts (harness/context_window.py, harness/endpoint/client.py). ``context_window``:
    # the model's window in tokens when the endpoint does not report it (None: asked of LiteLLM's
    # model info or the server, else learned from its first context_length_exceeded).
    # ``reply_cap_name``: the name the reply cap goes out under; auto is max_tokens for an
    # OpenAI-compatible api_base (llama.cpp, vLLM, Ollama read it; llama-cpp-python ignores
    # max_completion_tokens) and DSPy's own choice for hosted providers.
    context_window: int | None = Field(default=None, ge=16)
    reply_cap_name: Literal["auto", "max_tokens", "max_completion_tokens"] = "auto"

    @property
    def simulated(self) -> bool:
        """Played by the offline world *in process* (no call leaves it). Whether a role's numbers are
        simulated, serve-sim behind an api_base included, is ``harness.provenance``'s answer."""
        return self.model.startswith("sim/")

    def base_url(self) -> str | None:
        """``api_base`` with ``${VAR}`` replaced from the environment, at call time (the config and
        its harness hash keep the variable, so a server on another port is the same harness)."""
        return expand_env(self.api_base, "api_base") if self.api_base else None

    @property
    def takes_seed(self) -> bool:
        """OpenAI-style endpoints accept a ``seed`` (OpenAI, vLLM, Ollama, llama.cpp, serve-sim)."""
        return self.model.split("/", 1)[0] in ("openai", "hosted_vllm", "ollama_chat") or bool(self.api_base)


def _sim(profile: str) -> ModelSpec:
    return ModelSpec(model=f"sim/{profile}")


class BaseModels(Strict):
    challenger: ModelSpec = _sim("challenger")
    qv: ModelSpec = _sim("qv")
    weak: ModelSpec = _sim("weak")
    strong: ModelSpec = _sim("strong")
    judge: ModelSpec = _sim("judge")
    orchestrator: ModelSpec = _sim("orchestrator")

    def items(self) -> list[tuple[str, ModelSpec]]:
        """The six base roles, and each registered role given a model of its own."""
        extra = [(role, getattr(self, role, None)) for role in role_registry.names()]
        return [(role, getattr(self, role)) for role in ROLES] + [(r, s) for r, s in extra if s is not None]

    def for_role(self, role: str) -> ModelSpec:
        """A role's model: its own, else (a registered role) its model slot's."""
        own = getattr(self, role, None)
        return own if own is not None else getattr(self, role_registry.get(role).model_slot)


# Registered roles (harness/role_defs) get an optional model each: unset, they use their slot's.
Models = create_model("Models", __base__=BaseModels, **{  # type: ignore[call-overload]
    role: (ModelSpec | None, None) for role in role_registry.names()})


class BaseGenes(Strict):
    """The text genes: instructions of the three roles the meta-optimizer may rewrite."""

    challenger_instructions: str = Field(default=prompts.CHALLENGER_INSTRUCTIONS, min_length=1)
    orchestrator_instructions: str = Field(default=prompts.ORCHESTRATOR_INSTRUCTIONS, min_length=1)
    qv_instructions: str = Field(default=prompts.QV_INSTRUCTIONS, min_length=1)

    def instructions_of(self, role: str) -> str:
        """A registered role's prompt: its gene when set, else its definition's default."""
        definition = role_registry.get(role)
        own = getattr(self, definition.gene_field, None) if definition.gene else None
        return own or definition.instructions


# A registered role whose prompt is a gene gets ``genes.<role>_instructions``, its default prompt.
Genes = create_model("Genes", __base__=BaseGenes, **{  # type: ignore[call-overload]
    r.gene_field: (str, Field(default=r.instructions, min_length=1)) for r in role_registry.all_roles() if r.gene})


class Knobs(Strict):
    """The control knobs of the inner loop."""

    challenger_temperature: float = Field(default=0.7, ge=0.0, le=2.0)
    round_budget: int = Field(default=5, ge=1, le=100)
    challengers_per_round: int = Field(default=1, ge=1, le=16)
    rubric_min: int = Field(default=10, ge=1, le=50)
    rubric_max: int = Field(default=15, ge=1, le=50)
    solver_attempts: int = Field(default=3, ge=1, le=16)
    # Dataset-level feedback (harness/dataset_feedback.py): every N accepted samples the
    # orchestrator also reads a report on the dataset so far. 0: off.
    feedback_dataset_every: int = Field(default=0, ge=0, le=10000)

    @model_validator(mode="after")
    def _rubric_range(self) -> Knobs:
        if self.rubric_min > self.rubric_max:
            raise ValueError(f"rubric_min ({self.rubric_min}) must not exceed rubric_max ({self.rubric_max})")
        return self


class Auditor(Strict):
    """The guarded auditor (docs/guard.md): a QV whose instructions and model no proposal may
    change. Where the pipeline has a final QV, the auditor's verdict, not the loop's own QV (a
    gene), decides whether a sample enters the dataset, and the quality objectives count it; the
    content guard (harness/injection.py) screens every sample that would enter. ``enabled: false``
    is the undefended world, for measuring hacks (experiments/bench/red_team.py), never a default."""

    enabled: bool = True
    instructions: str = Field(default=prompts.QV_INSTRUCTIONS, min_length=1)
    # None: the QV role's model (``models.qv``, itself never proposed), so a config of real models
    # is audited by a real model without saying so twice.
    model: ModelSpec | None = None
    content_guard: bool = True


class Guarded(Strict):
    """Settings no proposal may change: the acceptance rule, the solver and judge prompts, the auditor."""

    acceptance: AcceptanceRule = AcceptanceRule()
    # The acceptance protocol (harness/protocols): cs | science | legal; None: the preset's.
    protocol: str | None = None
    science: ScienceRule = ScienceRule()
    legal: LegalRule = LegalRule()
    solver_instructions: str = Field(default=prompts.SOLVER_INSTRUCTIONS, min_length=1)
    judge_instructions: str = Field(default=prompts.JUDGE_INSTRUCTIONS, min_length=1)
    auditor: Auditor = Auditor()


class Documents(Strict):
    """Where grounding documents come from: the offline world, a folder of .txt files, or JSONL."""

    source: Literal["sim", "folder", "jsonl"] = "sim"
    path: str | None = None
    count: int = Field(default=20, ge=1)
    offset: int = Field(default=0, ge=0)
    world_seed: int = 0  # which offline world (fixed across run seeds, so seeds vary only the agent)

    @model_validator(mode="after")
    def _path_needed(self) -> Documents:
        if self.source != "sim" and not self.path:
            raise ValueError(f"documents.source '{self.source}' needs documents.path")
        return self


class DownstreamSpec(Strict):
    """How the dataset's downstream reward is measured (objectives/downstream); not harness identity."""

    # A trainer registered by name in objectives/downstream/registry.py (none, sim, icl, command, ...);
    # the name is checked before any call (experiments/api.py preflight_checks).
    kind: str = Field(default="none", min_length=1)
    k: int = Field(default=4, ge=1, le=64)  # icl: demonstrations per prompt
    eval_path: str | None = None  # icl: JSONL of held-out samples; default (offline world) draws them
    eval_count: int = Field(default=40, ge=1)
    command: str | None = None  # command: template with {dataset} and {output}
    timeout_s: float = Field(default=3600.0, gt=0)

    @model_validator(mode="after")
    def _command_needed(self) -> DownstreamSpec:
        if self.kind == "command" and not self.command:
            raise ValueError("downstream.kind 'command' needs downstream.command (a template with {dataset} and {output})")
        return self


class Scoring(Strict):
    """Scorecard options that need a model; not harness identity."""

    # Embedding model for diversity (any LiteLLM embedding model, or sim/hashing offline); None: skipped.
    embedding_model: str | None = None
    embedding_api_base: str | None = None


class Tracking(Strict):
    """MLflow tracking (experiments/tracking.py); not harness identity."""

    enabled: bool = True
    experiment: str | None = None  # default: the config's name
    # DSPy traces through mlflow.dspy.autolog(): about 2.4 ms per call, so off unless asked for.
    dspy_autolog: bool = False


class Budget(Strict):
    """Spending limits of one run (real endpoints; cached replies are free). None: no limit."""

    calls: int | None = Field(default=None, ge=1)
    tokens: int | None = Field(default=None, ge=1)
    dollars: float | None = Field(default=None, gt=0)


class SimFaults(Strict):
    """Faults the offline world injects into its own replies, at these rates per call (each call
    draws at most one; deterministic per request). A setting of the world, read by the model
    registry for ``sim/...`` models; ``serve-sim --fault-*`` sets the same over HTTP."""

    malformed: float = Field(default=0.0, ge=0, le=1)
    timeout: float = Field(default=0.0, ge=0, le=1)
    rate_limit: float = Field(default=0.0, ge=0, le=1)
    server_error: float = Field(default=0.0, ge=0, le=1)
    latency_s: float = Field(default=0.0, ge=0)


class Runtime(Strict):
    """How calls are made; not part of the harness identity."""

    concurrency: int = Field(default=4, ge=1, le=512)  # documents in flight
    # Requests in flight per endpoint: the ceiling of its adaptive (AIMD) limit.
    max_in_flight: int = Field(default=32, ge=1, le=1024)
    timeout_s: float = Field(default=120.0, gt=0)  # per call
    # Transient failures (5xx, timeout, malformed reply, refused connection) retried per call;
    # 429s are retried separately, honouring Retry-After.
    num_retries: int = Field(default=6, ge=0, le=20)
    # None: on for real endpoints (never pay twice), off for the offline world (cheaper to recompute).
    cache: bool | None = None
    budget: Budget = Budget()
    # Rounds recorded as ``error`` (no usable sample) do not use up a document's round budget;
    # this many of them stop the document (a model that cannot write the format never will).
    errors_per_document: int = Field(default=3, ge=1, le=1000)
    # Solver attempts per request wave (harness/loop.py): a further wave only while the candidate
    # is undecided, so decisions equal those of all attempts. ``auto``: one attempt, then the rest
    # together where a single attempt can decide the candidate, else all at once; a number: waves
    # of that many; ``all``: every attempt requested and judged (the paper's protocol, ablations).
    attempt_parallelism: int | Literal["auto", "all"] = Field(default="auto")
    sim_faults: SimFaults = SimFaults()

    @field_validator("attempt_parallelism")
    @classmethod
    def _positive_waves(cls, value: int | str) -> int | str:
        if isinstance(value, int) and value < 1:
            raise ValueError(f"must be 'auto', 'all' or a number of attempts >= 1, got {value}")
        return value


class HarnessConfig(Strict):
    name: str = Field(default="autodata", pattern=r"^[A-Za-z0-9_.\-]+$")
    preset: str = "agentic"
    seed: int = 0
    models: Models = Models()
    genes: Genes = Genes()
    knobs: Knobs = Knobs()
    guarded: Guarded = Guarded()
    pipeline: dict[str, Any] = Field(default_factory=dict)
    documents: Documents = Documents()
    runtime: Runtime = Runtime()
    downstream: DownstreamSpec = DownstreamSpec()
    scoring: Scoring = Scoring()
    tracking: Tracking = Tracking()

    # Field validators (not a model validator) so an error names its field, not "(top level)".
    @field_validator("preset")
    @classmethod
    def _known_preset(cls, preset: str) -> str:
        if preset not in PRESETS:
            raise ValueError(f"unknown preset '{preset}'; expected one of {', '.join(PRESETS)}")
        return preset

    @field_validator("pipeline")
    @classmethod
    def _valid_pipeline(cls, pipeline: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        preset = info.data.get("preset")  # absent when the preset itself was invalid (reported there)
        if preset is not None:
            pipeline_for(preset, pipeline)  # validates overrides early
        return pipeline

    @field_validator("guarded")
    @classmethod
    def _known_protocol(cls, guarded: Guarded) -> Guarded:
        from harness.protocols import PROTOCOLS

        if guarded.protocol is not None and guarded.protocol not in PROTOCOLS:
            raise ValueError(f"unknown protocol '{guarded.protocol}'; expected one of {', '.join(PROTOCOLS)}")
        return guarded

    @property
    def resolved_pipeline(self) -> Pipeline:
        return pipeline_for(self.preset, self.pipeline)

    @property
    def protocol_name(self) -> str:
        return self.guarded.protocol or self.resolved_pipeline.protocol

    def role_models(self) -> list[tuple[str, ModelSpec]]:
        """Every role this harness calls with its model: the six base roles and the protocol's
        registered roles (their own model, else their slot's)."""
        from harness.protocols import PROTOCOLS

        pairs = [(role, getattr(self.models, role)) for role in ROLES]
        return pairs + [(role, self.models.for_role(role)) for role in PROTOCOLS[self.protocol_name].extra_roles]

    def identity(self) -> dict[str, Any]:
        """What makes two harnesses the same: everything but documents, seed and runtime."""
        return {
            "preset": self.preset,
            "pipeline": _drop_defaults(self.resolved_pipeline.model_dump(), {"protocol": "cs"}),
            "models": _models_identity(self.models),
            "genes": _drop_defaults(self.genes.model_dump(), {
                r.gene_field: r.instructions for r in role_registry.all_roles() if r.gene}),
            "knobs": _drop_defaults(self.knobs.model_dump(), {"feedback_dataset_every": 0}),
            "guarded": _guarded_identity(self.guarded),
        }

    def harness_hash(self) -> str:
        return content_hash(self.identity())


def _drop_defaults(dumped: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    """Fields added after harnesses were named, left out at their defaults so old hashes hold."""
    return {k: v for k, v in dumped.items() if not (k in defaults and v == defaults[k])}


def _guarded_identity(guarded: Guarded) -> dict[str, Any]:
    """The guarded settings as identity; the protocol and the auditor only where they differ from
    their defaults, so a harness named before they existed keeps its hash (its runs resume)."""
    dumped = _drop_defaults(guarded.model_dump(), {
        "protocol": None, "science": ScienceRule().model_dump(), "legal": LegalRule().model_dump()})
    if guarded.auditor == Auditor():
        del dumped["auditor"]
    return dumped


def _models_identity(models: Models) -> dict[str, Any]:
    """The role models as identity. Endpoint settings at their defaults (``structured: auto``, no
    ``context_window``, ``reply_cap_name: auto``) are left out, so a harness named before they
    existed keeps its hash (and its run directories resume)."""
    defaults = {"structured": "auto", "context_window": None, "reply_cap_name": "auto"}
    dumped = {role: spec for role, spec in models.model_dump().items() if spec is not None}
    for spec in dumped.values():
        for name, default in defaults.items():
            if name in spec and spec[name] == default:
                del spec[name]
    return dumped
_ENV_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(value: str, where: str) -> str:
    """``${VAR}`` replaced by the variable's value; an unset or empty variable is a ConfigError."""
    def one(match: re.Match[str]) -> str:
        found = os.environ.get(match.group(1))
        if not found:
            raise ConfigError(f"{where}: environment variable {match.group(1)} is not set (used in {value!r})")
        return found

    return _ENV_VAR.sub(one, value)


def content_hash(value: Any, length: int = 12) -> str:
    """Stable short hash of a JSON-serializable value (sorted keys, no whitespace)."""
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:length]


def format_validation_error(source: str, error: ValidationError) -> str:
    problems = []
    for item in error.errors():
        where = ".".join(str(part) for part in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        if not item["loc"] and (named := re.match(r"^([\w.]+): (.*)$", message)):
            where, message = named.groups()  # a cross-field check that names its own field
        if item["type"] == "extra_forbidden":
            message = "unknown field"
        problems.append(f"{source}: {where}: {message}")
    return "; ".join(problems)


def parse_config(data: Any, source: str = "<config>") -> HarnessConfig:
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: (top level): expected a mapping of fields, got {type(data).__name__}")
    try:
        return HarnessConfig.model_validate(data)
    except ValidationError as error:
        raise ConfigError(format_validation_error(source, error)) from None


# A configuration is a few hundred values. Limits far above that refuse what would otherwise hang
# or crash a run: an alias bomb ("billion laughs": a few lines that expand to billions of values
# once anything walks them), a self-referencing alias, or nesting deeper than Python recurses.
MAX_YAML_DEPTH = 50
MAX_YAML_VALUES = 100_000


def _yaml_shape(node: yaml.Node, path: Path) -> None:
    """ConfigError when ``node`` (aliases counted at every use) is cyclic, too deep or too large."""
    sizes: dict[int, int] = {}
    depths: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    open_nodes: set[int] = set()
    while stack:
        current, done = stack.pop()
        key = id(current)
        children = _yaml_children(current)
        if done:
            open_nodes.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            depths[key] = 1 + max((depths[id(c)] for c in children), default=0)
            if depths[key] > MAX_YAML_DEPTH:
                raise ConfigError(f"{path}: YAML nested deeper than {MAX_YAML_DEPTH} levels (refused)")
            if sizes[key] > MAX_YAML_VALUES:
                raise ConfigError(f"{path}: YAML expands to more than {MAX_YAML_VALUES} values through its "
                                  "aliases (refused)")
            continue
        if key in sizes:
            continue
        if key in open_nodes:
            raise ConfigError(f"{path}: YAML alias refers to itself (a recursive structure is not a configuration)")
        open_nodes.add(key)
        stack.append((current, True))
        stack.extend((child, False) for child in children if id(child) not in sizes)


def _yaml_children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _safe_yaml(text: str, path: Path) -> Any:
    """``yaml.safe_load`` after checking the composed node graph's shape (see the limits above)."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _yaml_shape(node, path)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def load_yaml(path: str | Path) -> Any:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: no such configuration file")
    try:
        return _safe_yaml(path.read_text(encoding="utf-8"), path)
    except OSError as error:
        raise ConfigError(f"{path}: cannot read the configuration ({error.strerror or error})") from None
    except RecursionError:
        raise ConfigError(f"{path}: YAML nested deeper than {MAX_YAML_DEPTH} levels (refused)") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise ConfigError(f"{path}: malformed YAML at {where}: {problem}") from None


def load_config(path: str | Path, overrides: dict[str, Any] | None = None) -> HarnessConfig:
    """Load a harness config from YAML, applying dotted-path overrides (e.g. ``{"seed": 3}``)."""
    data = load_yaml(path)
    if data is None:
        data = {}
    if isinstance(data, dict) and overrides:
        data = apply_overrides(data, overrides)
    return parse_config(data, str(path))


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with ``{"a.b": v}`` overrides applied (creating mappings)."""
    result = json.loads(json.dumps(data))
    for dotted, value in overrides.items():
        node = result
        parts = dotted.split(".")
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[parts[-1]] = value
    return result
