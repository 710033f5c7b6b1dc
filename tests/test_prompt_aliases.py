"""Two workers closing one sweep set the same prompt alias at once: the loser's write meets the
winner's row (on a database store behind a server, a unique violation answered with a 400). The
alias is set again, not the worker's end (seen as a traceback from tests/test_postgres.py's
two-worker sweep against an MLflow server)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from experiments.views import TEXT_ID_TAG, PromptRegistry


class RacingClient:
    """Answers like MLflow's client; the first ``losses`` alias writes fail as a lost race does."""

    def __init__(self, losses: int) -> None:
        self.losses, self.aliases, self.attempts = losses, {}, 0

    def search_prompt_versions(self, name: str) -> list[Any]:
        return [SimpleNamespace(name=name, version=3, tags={TEXT_ID_TAG: "t1"})]

    def set_prompt_alias(self, name: str, alias: str, version: int) -> None:
        self.attempts += 1
        if self.attempts <= self.losses:
            raise RuntimeError("BAD_REQUEST: (psycopg.errors.UniqueViolation) duplicate key value")
        self.aliases[(name, alias)] = version


def test_an_alias_write_that_loses_a_race_is_written_again() -> None:
    client = RacingClient(losses=1)
    PromptRegistry(client, "served").alias("seed", {"qv_instructions": "text"}, {"qv_instructions": "t1"})
    assert client.attempts == 2
    assert list(client.aliases.values()) == [3] and [alias for _, alias in client.aliases] == ["seed"]


def test_an_alias_that_cannot_be_written_still_fails() -> None:
    client = RacingClient(losses=100)
    with pytest.raises(RuntimeError, match="UniqueViolation"):
        PromptRegistry(client, "served").alias("seed", {"qv_instructions": "text"}, {"qv_instructions": "t1"})
    assert client.attempts == 5
