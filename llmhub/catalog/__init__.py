"""The model catalog: models, their deployments and prices, and the pricing function.

Others import these names from `llmhub.catalog`; the seed rows are `llmhub.catalog.seed`.
"""

from llmhub.catalog.pricing import Prices, affordable_output_tokens, cost_of, worst_case_cost
from llmhub.catalog.snapshot import ModelSpec, Snapshot, asnapshot, build_snapshot, find_model, invalidate, snapshot

__all__ = [
    "ModelSpec",
    "Prices",
    "Snapshot",
    "affordable_output_tokens",
    "asnapshot",
    "build_snapshot",
    "cost_of",
    "find_model",
    "invalidate",
    "snapshot",
    "worst_case_cost",
]
