"""The registered role definitions: one module per role, one ``register`` line each."""

from harness.role_defs import equivalence, extractor, loop_judge
from harness.role_registry import register

register(extractor.ROLE)
register(loop_judge.ROLE)
register(equivalence.ROLE)
