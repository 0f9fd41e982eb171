"""Read the chat models of the providers the hub speaks out of the genai-prices package's price data."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from llmhub.catalog.pricing import Prices, Tier


def genai_providers() -> dict[str, tuple[str, str, str]]:
    """genai-prices provider id -> (family, the hub's direct provider kind, public-id prefix kept)."""
    from llmhub.providers.registry import kinds

    return {
        kind.genai.provider_id: (kind.genai.family, kind.name, kind.genai.prefix)
        for kind in kinds().values()
        if kind.genai is not None
    }


# Ids that are not chat models: embeddings, speech, images, realtime, legacy completions, fine-tunes.
NOT_CHAT = re.compile(
    r"(embed|tts|transcribe|whisper|audio|realtime|image|live|moderation|search|computer-use|robotics|"
    r"omni|voice|^ft:|\.ft-|^ada|^babbage|^curie|^davinci|^text-|^gpt-3\.5-0301|cyber|rosalind|:free|"
    r":batch|:extended|:thinking|decisions|-\d{4}-\d{2}-\d{2}$|-\d{2}-\d{2}$)"
)
PRICE_KEYS = {
    "input_mtok": "input",
    "output_mtok": "output",
    "cache_read_mtok": "cached_input",
    "cache_write_mtok": "cache_write",
}
# genai-prices keys of the token details a model may price apart (catalog.pricing.DETAIL_OF).
DETAIL_KEYS = {
    "input_audio_mtok": "input_audio",
    "input_image_mtok": "input_image",
    "input_video_mtok": "input_video",
    "cache_audio_read_mtok": "cached_audio",
    "cache_write_1h_mtok": "cache_write_1h",
    "output_audio_mtok": "output_audio",
    "output_image_mtok": "output_image",
}
# genai-prices keys of hosted tool calls (USD per thousand calls) -> the tool's name in Usage.server_tool_requests.
PER_CALL_KEYS = {
    "web_searches_kcount": "web_search",
    "storage_searches_kcount": "file_search",
    "code_executions_kcount": "code_interpreter",
}
SERVICE_TIER_KEYS = ("service_tier", "processing")
MAX_OUTPUT = [  # (id pattern, default output cap) — genai-prices has no output limits
    (r"^(o1|o3|o4)", 100_000),
    (r"^gpt-5|^gpt-6", 128_000),
    (r"^gpt-4\.1", 32_768),
    (r"^gpt-4o", 16_384),
    (r"^claude-(opus|sonnet|haiku)-[45]", 64_000),
    (r"^claude-3-7", 64_000),
    (r"^gemini-(2\.5|3|4)", 65_536),
    (r"^grok-(3|4|code|build)", 32_768),
    (r"^deepseek-(reasoner|v4|flash)", 32_768),
]
NO_VISION = re.compile(r"^(o1-mini|o3-mini|gpt-3\.5|gpt-4$|gpt-4-32k|gpt-oss|deepseek|grok-3|grok-code|codex)")
VISION = re.compile(
    r"^(gpt-4|gpt-5|gpt-6|o1|o3|o4|claude-3|claude-(opus|sonnet|haiku)|gemini|grok-[2-9].*vision|grok-4)"
)
# deepseek-reasoner takes tools since DeepSeek V3.1.
NO_TOOLS = re.compile(r"^(o1-mini|o1-preview|gpt-4-vision)")


@dataclass
class Entry:
    """One model as genai-prices describes it, in the catalog's terms."""

    name: str
    family: str
    provider: str  # the hub's direct provider for it
    upstream_model: str
    prices: Prices
    context_window: int
    max_output_tokens: int
    supports_vision: bool
    supports_tools: bool
    deprecated: bool
    description: str = ""
    context_known: bool = True  # whether the data gave the context window (else a family default)
    aliases: list[str] = field(default_factory=list)
    model: Any = None  # the genai_prices ModelInfo, for matching older names


def _prices_of(model_price: Any) -> Prices:
    flat: dict[str, Decimal | None] = {}
    tiers: list[Tier] = []
    for key, field_name in (PRICE_KEYS | DETAIL_KEYS).items():
        value = getattr(model_price, key, None)
        if value is None:
            flat[field_name] = None
        elif isinstance(value, Decimal):
            flat[field_name] = value
        else:  # TieredPrices
            flat[field_name] = value.base
            tiers += [Tier(field_name, int(t.start), t.price) for t in value.tiers]
    requests = getattr(model_price, "requests_kcount", None)
    details = tuple((name, price) for name in DETAIL_KEYS.values() if (price := flat[name]) is not None)
    calls = [(tool, getattr(model_price, key, None)) for key, tool in PER_CALL_KEYS.items()]
    return Prices(
        input=flat["input"] or Decimal(0),
        output=flat["output"] or Decimal(0),
        cached_input=flat["cached_input"],
        cache_write=flat["cache_write"],
        request=(requests / 1000) if isinstance(requests, Decimal) else Decimal(0),
        tiers=tuple(tiers),
        details=details,
        per_call=tuple((tool, price / 1000) for tool, price in calls if isinstance(price, Decimal)),
    )


def standard_price(model: Any, now: datetime) -> Any:
    """The model's standard ModelPrice now. Time-of-day windows (DeepSeek's off-peak) count as always on:
    the hub bills the peak price, the higher one."""
    if not isinstance(model.prices, list):
        return model.prices
    for conditional in reversed(model.prices):
        constraint = conditional.constraint
        if constraint is None or not hasattr(constraint, "start_date") or constraint.active(now):
            return conditional.prices
    return model.prices[0].prices


def prices_for(model: Any, now: datetime) -> Prices:
    """Standard prices plus one variant per service tier (priority, flex, batch, ...) active now."""
    standard = standard_price(model, now)
    variants: list[tuple[str, Prices]] = []
    for variant in model.price_variants or ():
        if variant.constraint is not None and not variant.constraint.active(now):
            continue
        keys = [variant.when.get(k) for k in SERVICE_TIER_KEYS if k in variant.when]
        if len(variant.when) != 1 or not keys or keys[0] in (None, "default"):
            continue
        merged = dict(standard.__dict__)
        merged.update({k: v for k, v in variant.prices.__dict__.items() if v is not None})
        name = str(keys[0])
        if name not in dict(variants):
            variants.append((name, _prices_of(type(standard)(**merged))))
    return replace(_prices_of(standard), variants=tuple(variants))


def _equals_ids(match: Any) -> list[str]:
    if hasattr(match, "equals"):
        return [str(match.equals)]
    if hasattr(match, "or_"):
        return [i for clause in match.or_ for i in _equals_ids(clause)]
    return []


def _max_output(name: str, context: int) -> int:
    for pattern, cap in MAX_OUTPUT:
        if re.search(pattern, name):
            return min(cap, context)
    return min(8_192, context)


def entries(now: datetime | None = None) -> list[Entry]:
    """Every priced chat model of the hub's providers, newest data first as genai-prices ships it."""
    from genai_prices.data import providers

    now = now or datetime.now(tz=UTC)
    found: dict[str, Entry] = {}
    sources = genai_providers()
    for provider in providers:
        if provider.id not in sources:
            continue
        family, direct, prefix = sources[provider.id]
        for model in provider.models:
            if not model.id.startswith(prefix) or NOT_CHAT.search(model.id):
                continue
            prices = prices_for(model, now)
            if not (prices.input and prices.output):
                continue  # free or unpriced: nothing to bill against
            name = model.id.removeprefix("qwen/") if provider.id == "openrouter" else model.id
            if name in found:
                continue
            context = int(model.context_window or (1_000_000 if family == "Gemini" else 128_000))
            found[name] = Entry(
                name=name,
                family=family,
                provider=direct,
                upstream_model=model.id,
                prices=prices,
                context_window=context,
                max_output_tokens=_max_output(name, context),
                supports_vision=bool(VISION.search(name) or "-vl" in name) and not NO_VISION.search(name),
                supports_tools=not NO_TOOLS.search(name),
                deprecated=bool(model.deprecated),
                description=(model.name or "")[:200],
                context_known=model.context_window is not None,
                aliases=[a for a in _equals_ids(model.match) if a != name and a != model.id],
                model=model,
            )
    return list(found.values())


def genai_model_for(provider_name: str, upstream_model: str) -> Any:
    """The genai-prices model a direct provider's model id resolves to (their own matching), or None."""
    from genai_prices.data import providers

    wanted = next((pid for pid, (_, direct, _) in genai_providers().items() if direct == provider_name), None)
    provider = next((p for p in providers if p.id == wanted), None)
    return provider.find_model(upstream_model) if provider is not None else None
