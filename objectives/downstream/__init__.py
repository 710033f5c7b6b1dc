"""Downstream reward: does training on the data help? One protocol, three trainers."""

from objectives.downstream.base import DownstreamResult, DownstreamTrainer

__all__ = ["DownstreamResult", "DownstreamTrainer"]
