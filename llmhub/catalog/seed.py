"""The models the hub ships with: public list prices in USD per million tokens (late 2025).

Each model gets an AIsa deployment (the default upstream) and, where one exists, a direct-provider
deployment that serves it when that provider's key is set. Seeding never overwrites admin edits.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

# name, family, input, output, cached input, cache write, context, max output, vision, tools, direct
SEED: list[tuple[str, str, str, str, str | None, str | None, int, int, bool, bool, tuple[str, str] | None]] = [
    ("gpt-4.1", "GPT", "2.00", "8.00", "0.50", None, 1_047_576, 32_768, True, True, ("openai", "gpt-4.1")),
    ("gpt-4o", "GPT", "2.50", "10.00", "1.25", None, 128_000, 16_384, True, True, ("openai", "gpt-4o")),
    ("gpt-4o-mini", "GPT", "0.15", "0.60", "0.075", None, 128_000, 16_384, True, True, ("openai", "gpt-4o-mini")),
    ("o1", "GPT", "15.00", "60.00", "7.50", None, 200_000, 100_000, True, True, ("openai", "o1")),
    ("o1-mini", "GPT", "1.10", "4.40", "0.55", None, 128_000, 65_536, False, False, ("openai", "o1-mini")),
    ("o3-mini", "GPT", "1.10", "4.40", "0.55", None, 200_000, 100_000, False, True, ("openai", "o3-mini")),
    ("gpt-3.5-turbo", "GPT", "0.50", "1.50", None, None, 16_385, 4_096, False, True, ("openai", "gpt-3.5-turbo")),
    (
        "claude-3-5-sonnet",
        "Claude",
        "3.00",
        "15.00",
        "0.30",
        "3.75",
        200_000,
        8_192,
        True,
        True,
        ("anthropic", "claude-3-5-sonnet-20241022"),
    ),
    (
        "claude-3-opus",
        "Claude",
        "15.00",
        "75.00",
        "1.50",
        "18.75",
        200_000,
        4_096,
        True,
        True,
        ("anthropic", "claude-3-opus-20240229"),
    ),
    (
        "claude-3-sonnet",
        "Claude",
        "3.00",
        "15.00",
        "0.30",
        "3.75",
        200_000,
        4_096,
        True,
        True,
        ("anthropic", "claude-3-sonnet-20240229"),
    ),
    (
        "gemini-2.0-flash",
        "Gemini",
        "0.10",
        "0.40",
        "0.025",
        None,
        1_048_576,
        8_192,
        True,
        True,
        ("gemini", "gemini-2.0-flash"),
    ),
    (
        "gemini-1.5-pro",
        "Gemini",
        "1.25",
        "5.00",
        "0.3125",
        None,
        2_097_152,
        8_192,
        True,
        True,
        ("gemini", "gemini-1.5-pro"),
    ),
    (
        "gemini-1.5-flash",
        "Gemini",
        "0.075",
        "0.30",
        "0.01875",
        None,
        1_048_576,
        8_192,
        True,
        True,
        ("gemini", "gemini-1.5-flash"),
    ),
    ("qwen-max", "Qwen", "1.60", "6.40", None, None, 32_768, 8_192, False, True, ("qwen", "qwen-max")),
    ("qwen-plus", "Qwen", "0.40", "1.20", None, None, 131_072, 8_192, False, True, ("qwen", "qwen-plus")),
    (
        "qwen2.5-72b-instruct",
        "Qwen",
        "1.40",
        "5.60",
        None,
        None,
        131_072,
        8_192,
        False,
        True,
        ("qwen", "qwen2.5-72b-instruct"),
    ),
    (
        "deepseek-chat",
        "DeepSeek",
        "0.27",
        "1.10",
        "0.07",
        None,
        64_000,
        8_192,
        False,
        True,
        ("deepseek", "deepseek-chat"),
    ),
    (
        "deepseek-coder",
        "DeepSeek",
        "0.14",
        "0.28",
        None,
        None,
        128_000,
        8_192,
        False,
        True,
        ("deepseek", "deepseek-coder"),
    ),
    (
        "deepseek-v3",
        "DeepSeek",
        "0.27",
        "1.10",
        "0.07",
        None,
        64_000,
        8_192,
        False,
        True,
        ("deepseek", "deepseek-chat"),
    ),
    (
        "deepseek-r1",
        "DeepSeek",
        "0.55",
        "2.19",
        "0.14",
        None,
        64_000,
        8_192,
        False,
        True,  # deepseek-reasoner takes tools (since DeepSeek V3.1)
        ("deepseek", "deepseek-reasoner"),
    ),
    ("grok-2", "Grok", "2.00", "10.00", None, None, 131_072, 32_768, False, True, ("xai", "grok-2-1212")),
    ("grok-beta", "Grok", "5.00", "15.00", None, None, 131_072, 32_768, False, True, ("xai", "grok-beta")),
]

# Embedding models: input tokens only, so max output 0 (what marks a row as an embedding model).
EMBEDDING_SEED: list[
    tuple[str, str, str, str, str | None, str | None, int, int, bool, bool, tuple[str, str] | None]
] = [
    (
        "text-embedding-3-small",
        "Embedding",
        "0.02",
        "0",
        None,
        None,
        8_191,
        0,
        False,
        False,
        ("openai", "text-embedding-3-small"),
    ),
    (
        "text-embedding-3-large",
        "Embedding",
        "0.13",
        "0",
        None,
        None,
        8_191,
        0,
        False,
        False,
        ("openai", "text-embedding-3-large"),
    ),
    (
        "gemini-embedding-001",
        "Embedding",
        "0.15",
        "0",
        None,
        None,
        2_048,
        0,
        False,
        False,
        ("gemini", "gemini-embedding-001"),
    ),
]

# Local models are free and only served by a local runtime (Ollama or vLLM).
LOCAL_SEED = [("llama3.2", "Llama", 131_072, 8_192)]


def seed_catalog(apps: Any = None) -> int:
    """Create any missing seed models and deployments. Returns how many models were created.

    `apps` is a migration's app registry, so the data migration uses the historical models.
    """
    from django.apps import apps as live_apps

    registry = apps or live_apps
    CatalogModel = registry.get_model("llmhub", "CatalogModel")
    Deployment = registry.get_model("llmhub", "Deployment")

    created = 0
    with transaction.atomic():
        for order, (name, family, inp, out, cached, write, ctx, max_out, vision, tools, direct) in enumerate(
            [*SEED, *EMBEDDING_SEED]
        ):
            model, made = CatalogModel.objects.get_or_create(
                name=name,
                defaults={
                    "family": family,
                    "input_price": Decimal(inp),
                    "output_price": Decimal(out),
                    "cached_input_price": Decimal(cached) if cached else None,
                    "cache_write_price": Decimal(write) if write else None,
                    "context_window": ctx,
                    "max_output_tokens": max_out,
                    "supports_vision": vision,
                    "supports_tools": tools,
                    "sort_order": order,
                },
            )
            created += made
            Deployment.objects.get_or_create(
                model=model, provider="aisa", defaults={"upstream_model": name, "priority": 10}
            )
            if direct:
                Deployment.objects.get_or_create(
                    model=model, provider=direct[0], defaults={"upstream_model": direct[1], "priority": 20}
                )
        for name, family, ctx, max_out in LOCAL_SEED:
            model, made = CatalogModel.objects.get_or_create(
                name=name,
                defaults={
                    "family": family,
                    "input_price": Decimal("0"),
                    "output_price": Decimal("0"),
                    "context_window": ctx,
                    "max_output_tokens": max_out,
                    "supports_tools": True,
                    "sort_order": 900,
                },
            )
            created += made
            Deployment.objects.get_or_create(model=model, provider="ollama", defaults={"upstream_model": name})
    return created
