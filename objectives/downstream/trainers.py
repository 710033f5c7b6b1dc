"""The registered downstream trainers: one ``register`` line each (objectives/downstream/registry.py)."""

from objectives.downstream import command, icl, sim
from objectives.downstream.registry import register

register("none", lambda config, run, out: None)
register("sim", sim.run)
register("icl", icl.run)
register("command", command.run)
