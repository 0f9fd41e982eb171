"""Gateway data: upstream providers, the public model catalog and where each model is deployed."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from billing.models import DecimalDigits

WIRE_FORMATS = [
    ("openai", "OpenAI-compatible"),
    ("responses", "OpenAI Responses"),
    ("anthropic", "Anthropic Messages"),
    ("gemini", "Gemini"),
]


PRICE: DecimalDigits = {"max_digits": 12, "decimal_places": 6}


class Provider(models.Model):
    """An upstream edited in the admin. Rows override the provider of the same name built from env keys."""

    name = models.SlugField(unique=True, help_text="e.g. aisa, openai, anthropic, ollama")
    wire_format = models.CharField(max_length=16, choices=WIRE_FORMATS, default="openai")
    base_url = models.URLField(max_length=300)
    api_key_encrypted = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("provider")
        verbose_name_plural = _("providers")

    def __str__(self) -> str:
        return self.name

    def set_api_key(self, plaintext: str) -> None:
        from llmhub.secret_box import encrypt

        self.api_key_encrypted = encrypt(plaintext) if plaintext else ""

    def api_key(self) -> str:
        from llmhub.secret_box import decrypt

        return decrypt(self.api_key_encrypted) if self.api_key_encrypted else ""


class CatalogModel(models.Model):
    """A public model name clients ask for, with its prices (USD per million tokens) and abilities."""

    name = models.CharField(max_length=100, unique=True)
    family = models.CharField(max_length=40, db_index=True)
    description = models.CharField(max_length=200, blank=True)
    input_price = models.DecimalField(**PRICE, help_text="USD per 1M input tokens")
    output_price = models.DecimalField(**PRICE, help_text="USD per 1M output tokens")
    cached_input_price = models.DecimalField(
        **PRICE, null=True, blank=True, help_text="USD per 1M cache-read input tokens (default: input price)"
    )
    cache_write_price = models.DecimalField(
        **PRICE, null=True, blank=True, help_text="USD per 1M cache-write tokens (default: input price)"
    )
    image_price = models.DecimalField(**PRICE, default=Decimal("0"), help_text="USD per input image")
    context_window = models.PositiveIntegerField()
    max_output_tokens = models.PositiveIntegerField(help_text="Default cap when the request sets none")
    supports_vision = models.BooleanField(default=False)
    supports_tools = models.BooleanField(default=True)
    enabled = models.BooleanField(default=True)
    fallbacks = models.JSONField(default=list, blank=True, help_text="Model names tried in order when this one fails")
    sort_order = models.PositiveIntegerField(default=100)
    price_tiers = models.JSONField(
        default=dict,
        blank=True,
        help_text='Tiers and variants beside the flat prices, e.g. {"tiers": [["input", 200000, "2.5"]], '
        '"variants": {"priority": {"input": "2.5", "output": "20"}}, "request": "0.005"}',
    )
    price_version = models.PositiveIntegerField(default=1, editable=False)
    deprecated = models.BooleanField(default=False, help_text="The provider has deprecated it; it still serves")
    source = models.CharField(max_length=40, default="seed", help_text="seed, genai-prices, upstream:<provider>, admin")
    admin_edited = models.JSONField(
        default=list, blank=True, help_text="Fields an admin edited; catalog syncs leave them alone"
    )

    class Meta:
        ordering = ["sort_order", "family", "name"]

    def __str__(self) -> str:
        return self.name


class ModelAlias(models.Model):
    """Another name clients may use for a catalog model: a dated id, an older name."""

    alias = models.CharField(max_length=150, unique=True)
    model = models.ForeignKey(CatalogModel, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        ordering = ["alias"]
        verbose_name_plural = "model aliases"

    def __str__(self) -> str:
        return f"{self.alias} → {self.model.name}"


class PriceVersion(models.Model):
    """One price of a model from its effective time on; append-only, so past charges keep their price."""

    model = models.ForeignKey(CatalogModel, on_delete=models.CASCADE, related_name="price_versions")
    version = models.PositiveIntegerField()
    effective_from = models.DateTimeField()
    prices = models.JSONField(help_text="input, output, cached_input, cache_write, image, tiers, variants, request")
    source = models.CharField(max_length=40, default="seed")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model", "-version"]
        constraints = [models.UniqueConstraint(fields=["model", "version"], name="one_price_per_version")]

    def __str__(self) -> str:
        return f"{self.model.name} v{self.version} from {self.effective_from:%Y-%m-%d %H:%M}"


class CatalogSync(models.Model):
    """An applied catalog sync: where it read from and what it changed."""

    source = models.CharField(max_length=60)
    created_at = models.DateTimeField(auto_now_add=True)
    new = models.JSONField(default=list)
    repriced = models.JSONField(default=list)
    deprecated = models.JSONField(default=list)
    disabled = models.JSONField(default=list, help_text="Models added without prices, disabled until priced")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.source} sync at {self.created_at:%Y-%m-%d %H:%M}: {len(self.new)} new, {len(self.repriced)} repriced"


class Deployment(models.Model):
    """Where a catalog model is served: a provider name and that provider's model id."""

    model = models.ForeignKey(CatalogModel, on_delete=models.CASCADE, related_name="deployments")
    provider = models.SlugField(help_text="Provider name: aisa, openai, anthropic, gemini, deepseek, ...")
    upstream_model = models.CharField(max_length=150)
    priority = models.PositiveIntegerField(default=100, help_text="Lower is tried first")
    weight = models.PositiveIntegerField(
        default=100, help_text="Share of traffic among deployments of the same priority (0: only as a last resort)"
    )
    enabled = models.BooleanField(default=True)
    listed_upstream = models.BooleanField(
        null=True, blank=True, help_text="Whether the provider's own model list has it (unknown until discovered)"
    )

    class Meta:
        ordering = ["priority", "id"]
        constraints = [
            models.UniqueConstraint(fields=["model", "provider"], name="one_deployment_per_provider"),
        ]

    def __str__(self) -> str:
        return f"{self.model.name} → {self.provider}:{self.upstream_model}"


class RoutingPolicy(models.Model):
    """A team's overrides for `model: "auto"`: which model serves each tier and each task.

    Keys left out use the defaults in llmhub.gateway.route_scoring; values are catalog model names.
    """

    team = models.OneToOneField("billing.Team", on_delete=models.CASCADE, related_name="routing_policy")
    tier_models = models.JSONField(
        default=dict, blank=True, help_text='Tier → model, e.g. {"fast": "gemini-2.0-flash", "strong": "o1"}'
    )
    task_routes = models.JSONField(
        default=dict,
        blank=True,
        help_text='Task → model (code, creative, fast, vision, chinese, reasoning), e.g. {"code": "gpt-4.1"}',
    )
    baseline_model = models.CharField(
        max_length=100, blank=True, help_text="The model savings are measured against (default gpt-4.1)"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "routing policies"

    def __str__(self) -> str:
        return f"routing policy of {self.team}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        from llmhub.gateway.route_scoring import TASKS, TIERS

        known = set(CatalogModel.objects.values_list("name", flat=True))
        errors: dict[str, str] = {}
        for field_name, allowed in (("tier_models", TIERS), ("task_routes", TASKS)):
            value = getattr(self, field_name)
            if not isinstance(value, dict):
                errors[field_name] = "Must be a JSON object."
                continue
            bad_keys = [k for k in value if k not in allowed]
            bad_models = [v for v in value.values() if v not in known]
            if bad_keys:
                errors[field_name] = f"Unknown keys {bad_keys}; use {', '.join(allowed)}."
            elif bad_models:
                errors[field_name] = f"Not catalog models: {bad_models}."
        if self.baseline_model and self.baseline_model not in known:
            errors["baseline_model"] = f"'{self.baseline_model}' is not a catalog model."
        if errors:
            raise ValidationError(errors)


class PersonSettings(models.Model):
    """Choices that follow a person to any browser they sign in from (llmhub/language_choice.py)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_settings")
    language = models.CharField(max_length=16, blank=True, help_text="A code of LANGUAGES; empty: the browser's.")

    def __str__(self) -> str:
        return f"{self.user} settings"
