"""The agentic data scientist: configuration, roles, the inner loop, records and the offline world."""

from harness import env as _env  # noqa: F401  (sets LiteLLM/MLflow/DSPy environment before any import of them)
