"""The one path by which a request reaches an upstream and gets billed.

plan the model chain → hold credits → call with retries and fallback → meter → settle. The HTTP API,
the native-format endpoints and the browser chat import what they need from here, and only from here.
"""

from llmhub.gateway.call import Call, Caller, Result
from llmhub.gateway.compare import run_comparison
from llmhub.gateway.completion import complete
from llmhub.gateway.embeddings import EmbeddingResult, embed, serves_embeddings
from llmhub.gateway.health import DeploymentHealth, circuit_states, forget_health, health_of, record_test
from llmhub.gateway.native_calls import count_input_tokens
from llmhub.gateway.planning import cheapest_fitting_model, plan
from llmhub.gateway.response_cache import CacheMode, mode_from_headers
from llmhub.gateway.route_scoring import TASKS, TIERS
from llmhub.gateway.streaming import Stream, StreamEvent, open_stream
from llmhub.gateway.sweeper import add_chore
from llmhub.gateway.tokens import prompt_tokens_estimate

__all__ = [
    "TASKS",
    "TIERS",
    "CacheMode",
    "Call",
    "Caller",
    "DeploymentHealth",
    "EmbeddingResult",
    "Result",
    "Stream",
    "StreamEvent",
    "add_chore",
    "cheapest_fitting_model",
    "circuit_states",
    "complete",
    "count_input_tokens",
    "embed",
    "forget_health",
    "health_of",
    "mode_from_headers",
    "open_stream",
    "plan",
    "prompt_tokens_estimate",
    "record_test",
    "run_comparison",
    "serves_embeddings",
]
