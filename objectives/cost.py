"""Cost: calls and tokens per role, and dollars from LiteLLM's local price tables.

The offline world has no price: its dollars are 0 and the record says so (``priced: false``
for those roles). Real models are priced with ``litellm.cost_per_token`` on the local map
(``LITELLM_LOCAL_MODEL_COST_MAP=True``), cached input tokens (read from the replies' usage,
``prompt_tokens_details.cached_tokens``) at the model's cached rate where the map has one; a
model LiteLLM does not know is reported unpriced. The offline world's token counts are its
estimate (characters / 4), as its records say.

Every reply counts, a failed parse and the ChatAdapter's JSON fallback too (harness/roles.py
tallies them per role). When the run's ``spend.jsonl`` is given, it is the source of the totals
(it is what the budget charged, reply by reply, in every session); replies the round records
do not hold (a round stopped by an endpoint failure or a budget stop, redone on resume) are
reported as ``unrecorded_calls``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from harness.endpoint.budget import Spend
from harness.records import RoundRecord


@dataclass
class RoleCost:
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    dollars: float = 0.0
    priced: bool = False
    note: str = ""
    cached_input_tokens: int = 0  # part of input_tokens


@dataclass
class Cost:
    roles: dict[str, RoleCost] = field(default_factory=dict)
    calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    dollars: float = 0.0
    cached_input_tokens: int = 0
    calls_per_accepted: float | None = None
    accepted_per_kcall: float | None = None  # accepted samples per 1,000 LM calls (0 when none accepted)
    tokens_per_accepted: float | None = None
    dollars_per_accepted: float | None = None
    simulated_unpriced: bool = False
    source: str = "rounds"  # or "spend.jsonl"
    unrecorded_calls: int = 0
    unrecorded_tokens: int = 0


def price(model: str, input_tokens: int, output_tokens: int, cached_input_tokens: int = 0) -> tuple[float, bool, str]:
    """(dollars, priced, note) for one model's usage; ``cached_input_tokens`` are part of the input."""
    if model.startswith("sim/"):
        return 0.0, False, "offline world: no price (simulated)"
    import litellm

    try:
        prompt, completion = litellm.cost_per_token(
            model=model, prompt_tokens=input_tokens, completion_tokens=output_tokens,
            cache_read_input_tokens=cached_input_tokens,
        )
    except Exception as error:  # LiteLLM raises for models missing from its map
        return 0.0, False, f"not in LiteLLM's price map ({type(error).__name__})"
    return float(prompt + completion), True, "LiteLLM local price map"


def cost(rounds: list[RoundRecord], models: dict[str, str], accepted: int,
         spend_rows: list[dict[str, Any]] | None = None) -> Cost:
    roles: dict[str, RoleCost] = {}
    for record in rounds:
        for role, usage in record.usage.items():
            entry = roles.setdefault(role, RoleCost())
            entry.calls += usage.get("calls", 0)
            entry.input_tokens += usage.get("input_tokens", 0)
            entry.cached_input_tokens += usage.get("cached_input_tokens", 0)
            entry.output_tokens += usage.get("output_tokens", 0)
    for role, entry in roles.items():
        entry.dollars, entry.priced, entry.note = price(models.get(role, "sim/unknown"), entry.input_tokens,
                                                        entry.output_tokens, entry.cached_input_tokens)
    total = Cost(roles=roles)
    total.calls = sum(r.calls for r in roles.values())
    total.input_tokens = sum(r.input_tokens for r in roles.values())
    total.output_tokens = sum(r.output_tokens for r in roles.values())
    total.cached_input_tokens = sum(r.cached_input_tokens for r in roles.values())
    total.dollars = sum(r.dollars for r in roles.values())
    total.simulated_unpriced = any(models.get(role, "").startswith("sim/") for role in roles)
    if spend_rows:
        spent = Spend.from_log(spend_rows)
        total.unrecorded_calls = max(0, spent.calls - total.calls)
        total.unrecorded_tokens = max(0, spent.tokens - total.input_tokens - total.output_tokens)
        total.calls, total.input_tokens, total.output_tokens = spent.calls, spent.input_tokens, spent.output_tokens
        total.cached_input_tokens = spent.cached_input_tokens
        total.dollars = max(total.dollars, spent.dollars)
        total.source = "spend.jsonl"
    if total.calls:
        # The cost-aware single number: retries that buy acceptance also buy calls, so they pay here.
        total.accepted_per_kcall = 1000.0 * accepted / total.calls
    if accepted:
        total.calls_per_accepted = total.calls / accepted
        total.tokens_per_accepted = (total.input_tokens + total.output_tokens) / accepted
        total.dollars_per_accepted = total.dollars / accepted
    return total
