"""The configurations shipped with autodata (``experiments/configs``, installed as package data)."""

from __future__ import annotations

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent.parent / "experiments" / "configs"


def shipped_configs() -> list[str]:
    """Names of the shipped configurations (``demo``, ``sweep_demo``, ...)."""
    return sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))


def config_path(name: str) -> Path:
    """The path of a shipped configuration, by name (``"demo"`` or ``"demo.yaml"``)."""
    path = CONFIG_DIR / (name if name.endswith(".yaml") else f"{name}.yaml")
    if not path.is_file():
        raise FileNotFoundError(f"no shipped configuration '{name}'; shipped: {', '.join(shipped_configs())}")
    return path
