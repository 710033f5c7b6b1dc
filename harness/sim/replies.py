"""The world's reply to one chat request: parse what was asked, play the role, write the fields.

The request is read as text only: the model string names the profile (``sim/weak``), the system
message carries the role's instructions and the output fields DSPy asks for, the user message
carries the input fields. Which role to play follows from the requested outputs. The reply is
written in the ChatAdapter's ``[[ ## field ## ]]`` format (JSON when the JSONAdapter asks).

**Common random numbers.** Each reply draws from a random stream keyed by what that role really
depends on (``random_key``), so the same request always gets the same reply and two harnesses
compared on the same documents and seed are paired:

- solver and judge: ``config.seed`` (which the harness derives from run seed, document, round,
  candidate and attempt), the profile, the temperature, the demonstrations and the user message
  (the sample's own text), never the writer's instructions;
- challenger: ``config.seed``, its inputs other than the guidance, and the *interpretation* of
  its instructions and guidance (``reader.read_intent``, or the world's forced intent);
- QV and orchestrator: ``config.seed``, their inputs and ``read_qv_style`` /
  ``read_orchestrator_style`` of their instructions;
- analyzer and implementer: the whole request text.

A rewording the reader maps to the same interpretation therefore changes nothing downstream.
The world itself (``WorldSettings``: the world seed, which picks the profiles, and an optional
forced challenger intent for computing the world's optimum) is a setting of the engine or
server, not of the request. Both the in-process DSPy engine (``engine.py``) and the HTTP server
(``server.py``) answer through ``world_reply``; nothing here imports DSPy, so the server starts
quickly.
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from harness.rubric import Criterion
from harness.sim import (
    challenger,
    judge,
    learning,
    orchestrator,
    players,
    proposer,
    reader,
    redteam,
    solver,
    verifier,
)
from harness.sim.intent import Intent
from harness.sim.profiles import Profile, profile

_OUTPUTS_RE = re.compile(r"^\d+\. `(\w+)`", re.MULTILINE)
_FIELD_RE = re.compile(r"\[\[ ## (\w+) ## \]\]\n(.*?)(?=\n\n\[\[ ## |\n\nRespond with (?:the corresponding|a JSON object)|\Z)", re.DOTALL)


@dataclass(frozen=True)
class WorldSettings:
    """Which world answers: its seed (profiles) and, for the optimum only, a forced challenger intent."""

    world_seed: int = 0
    forced_intent: Intent | None = None  # replaces what the challenger reads from its instructions


DEFAULT_WORLD = WorldSettings()


@dataclass(frozen=True)
class ParsedRequest:
    profile: Profile
    instructions: str
    outputs: tuple[str, ...]
    inputs: dict[str, str]
    json_mode: bool
    temperature: float
    seed_text: str  # the key of the reply's random stream (see random_key)
    demos: tuple[dict[str, str], ...] = ()  # earlier user/assistant turns: inputs and outputs merged
    prompt_text: str = ""  # what the prompt-token estimate counts
    world: WorldSettings = DEFAULT_WORLD

    @property
    def intent(self) -> Intent:
        """The challenger's intent: forced by the world, else read from instructions and guidance."""
        return self.world.forced_intent or _read_intent(self.instructions, self.inputs.get("guidance", ""))


@lru_cache(maxsize=1024)
def _read_intent(instructions: str, guidance: str) -> Intent:
    return reader.read_intent(instructions, guidance)


def stable_repr(value: Any) -> str:
    """A repr that is the same in every process: sets are sorted (their order follows the
    per-process string hash), dataclasses are spelled field by field."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        inner = ", ".join(f"{f.name}={stable_repr(getattr(value, f.name))}" for f in dataclasses.fields(value)
                          if not (f.metadata.get("omit_default") and getattr(value, f.name) == f.default))
        return f"{type(value).__name__}({inner})"
    if isinstance(value, (set, frozenset)):
        return "{" + ", ".join(sorted(stable_repr(v) for v in value)) + "}"
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(stable_repr(v) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{stable_repr(k)}: {stable_repr(v)}" for k, v in sorted(value.items())) + "}"
    return repr(value)


@lru_cache(maxsize=256)
def _interpretation(role: str, instructions: str) -> str:
    if role == "qv":
        return stable_repr(reader.read_qv_style(instructions))
    if role == "orchestrator":
        return stable_repr(reader.read_orchestrator_style(instructions))
    return instructions


def random_key(req: ParsedRequest, seed: Any, user: str, history: str) -> str:
    """What a role's randomness depends on (module docstring): never text it does not act on."""
    role = role_of(req.outputs)
    head = f"{role}|{req.profile.name}|{seed}|{req.temperature}"
    if role in ("solver", "judge"):
        return f"{head}|{history}|{user}"
    if role == "challenger":
        inputs = {k: v for k, v in sorted(req.inputs.items()) if k != "guidance"}
        return f"{head}|{','.join(req.outputs)}|{stable_repr(req.intent)}|{stable_repr(inputs)}"
    if role in ("qv", "orchestrator"):
        return f"{head}|{_interpretation(role, req.instructions)}|{history}|{user}"
    return f"{head}|{req.instructions}|{history}|{user}"


def parse_request(request: Any, world: WorldSettings = DEFAULT_WORLD) -> ParsedRequest:
    system = request.system or ""
    if isinstance(system, (list, tuple)):
        system = "\n".join(getattr(part, "text", str(part)) for part in system)
    messages = list(request.messages)
    users = [m for m in messages if getattr(m, "role", "user") == "user"]
    user = users[-1].text if users else ""
    demos: list[dict[str, str]] = []
    for message in messages[:-1]:
        fields = {name: value.strip() for name, value in _FIELD_RE.findall(message.text or "")}
        if getattr(message, "role", "user") == "user":
            demos.append(fields)
        elif demos:
            demos[-1].update(fields)
    outputs_block = system.split("Your output fields are:", 1)[-1].split("All interactions", 1)[0]
    outputs = tuple(_OUTPUTS_RE.findall(outputs_block))
    instructions = system.rsplit("your objective is:", 1)[-1].strip() if "your objective is:" in system else ""
    inputs = {name: value.strip() for name, value in _FIELD_RE.findall(user)}
    config = request.config
    temperature = config.temperature if config.temperature is not None else 0.0
    name = request.model.split("/", 1)[-1]
    history = "|".join(m.text or "" for m in messages[:-1])
    prompt_text = f"{request.model}|{config.seed}|{temperature}|{instructions}|{history}|{user}"
    # JSON when the JSONAdapter's format asks for it or the request carries a response_format.
    json_mode = "JSON object" in system or getattr(config, "response_format", None) is not None
    parsed = ParsedRequest(profile(name, world.world_seed), instructions, outputs, inputs, json_mode,
                           temperature, "", tuple(demos), prompt_text, world)
    try:
        key = random_key(parsed, config.seed, user, history)
    except ValueError:
        key = prompt_text  # outputs of no role the world plays: behave() says so
    return replace(parsed, seed_text=key)


ICL_RATE = 0.2  # learning rate of in-context demonstrations (see harness.sim.learning)


@lru_cache(maxsize=256)
def _conditioned(base: Profile, demos: tuple[tuple[tuple[str, str], ...], ...]) -> Profile:
    lessons = []
    for demo in demos:
        fields = dict(demo)
        lesson = learning.read_lesson(
            fields.get("context", ""), fields.get("question", ""), fields.get("answer", ""), fields.get("final_answer", "")
        )
        if lesson is not None:
            lessons.append(lesson)
    return learning.train(base, lessons, lr=ICL_RATE)


def _rubric(raw: str) -> list[Criterion]:
    try:
        items = json.loads(raw)
    except json.JSONDecodeError:
        return []
    return [Criterion.model_validate(item) for item in items if isinstance(item, dict)]


def role_of(outputs: tuple[str, ...]) -> str:
    names = set(outputs)
    if (player := players.player_for(outputs)) is not None:  # a registered role (harness/role_defs)
        return player.role
    if "analysis" in names:
        return "analyzer"
    if "new_text" in names:
        return "implementer"
    if "hack_text" in names:
        return "redteam"
    if "verdicts" in names:
        return "judge"
    if "guidance" in names:
        return "orchestrator"
    if "verdict" in names:
        return "qv"
    if "question" in names and ("rubric" in names or "reference_answer" in names):
        return "challenger"  # with a rubric, or an atomic answer (the science schema)
    if "answer" in names:
        return "solver"
    raise ValueError(f"the offline world has no behaviour for output fields {sorted(names)}")


def behave(req: ParsedRequest, rng: random.Random) -> dict[str, Any]:
    """The role's output fields for one parsed request."""
    role = role_of(req.outputs)
    i = req.inputs
    if role in players.PLAYERS:
        return players.PLAYERS[role].play(i, req.instructions, req.profile, rng)
    if role == "solver":
        learner = req.profile
        if req.demos:  # in-context learning from worked demonstrations
            learner = _conditioned(req.profile, tuple(tuple(sorted(d.items())) for d in req.demos))
        answer, final = solver.solve(i.get("context", ""), i.get("question", ""), learner, rng)
        return {"answer": answer, "final_answer": final}
    if role == "judge":
        return {"verdicts": judge.judge(_rubric(i.get("rubric", "[]")), i.get("answer", ""), req.profile, rng)}
    if role == "qv":
        sample = {
            "context": i.get("context", ""),
            "question": i.get("question", ""),
            "reference_answer": i.get("reference_answer", ""),
            "final_answer": i.get("final_answer", ""),
            "rubric": _rubric(i.get("rubric", "[]")),
            "question_type": i.get("question_type", ""),
        }
        verdict, reason, explanation = verifier.verify(req.instructions, sample, req.profile, rng)
        return {"verdict": verdict, "reason": reason, "explanation": explanation}
    if role == "orchestrator":
        return {"guidance": orchestrator.write_guidance(reader.read_orchestrator_style(req.instructions), i.get("failures", ""), req.profile, rng)}
    if role == "analyzer":
        return {"analysis": proposer.analyze(i.get("round_records", ""), req.profile, rng)}
    if role == "redteam":
        return {"hack_text": redteam.write_hack(i.get("hack", ""), i.get("current_text", ""), rng)}
    if role == "implementer":
        text = proposer.implement(i.get("gene", ""), i.get("current_text", ""), i.get("analysis", ""), rng, req.temperature)
        return {"new_text": text}
    task = challenger.write_task(
        instructions=req.instructions,
        guidance=i.get("guidance", ""),
        document=i.get("document"),
        topic=i.get("topic", ""),
        size_text=i.get("rubric_size", ""),
        planned="reasoning" in req.outputs,
        temperature=req.temperature,
        profile=req.profile,
        rng=rng,
        intent=req.intent,
    )
    if task is None:
        raise ValueError("it reads only the documents it generates (documents.source: sim), and this one holds "
                         "none of its rules: use real models for your own documents")
    out = {
        "context": task.context,
        "question": task.question,
        "reference_answer": task.reference_answer,
        "final_answer": task.final_answer,
        "rubric": task.rubric,
        "question_type": task.question_type,
        "skill_tags": task.skill_tags,
    }
    if "rubric" not in req.outputs:  # an atomic-answer schema: the answer as one sentence
        out["final_answer"] = challenger.one_sentence(task)
    if "capabilities" in req.outputs:  # a tagged rubric: one capability per criterion
        out["capabilities"] = challenger.capability_tags(task.rubric)
    if "reasoning" in req.outputs:
        out["reasoning"] = f"Plan: a {task.question_type} question on '{task.target}', then derive the reference."
    return out


def _format_value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    return json.dumps(value)


def render(outputs: tuple[str, ...], values: dict[str, Any], json_mode: bool) -> str:
    ordered = {name: values[name] for name in outputs if name in values}
    if json_mode:
        return json.dumps(ordered)
    body = "".join(f"[[ ## {name} ## ]]\n{_format_value(value)}\n\n" for name, value in ordered.items())
    return body + "[[ ## completed ## ]]"


def _tokens(text: str) -> int:
    return max(1, len(text) // 4)


def world_reply(req: ParsedRequest) -> tuple[str, int, int]:
    """The world's reply text and (prompt, completion) tokens: a function of the request alone.

    Shared by the in-process engine and the HTTP server so both give the same reply.
    """
    text = render(req.outputs, behave(req, random.Random(req.seed_text)), req.json_mode)
    return text, _tokens(req.prompt_text), _tokens(text)
