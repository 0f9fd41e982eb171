"""Admin for providers (secret write-only) and the model catalog."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from llmhub.models import CatalogModel, Deployment, Provider, RoutingPolicy


class ProviderForm(forms.ModelForm[Provider]):
    api_key = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text="Stored encrypted; never shown again. Leave blank to keep the current key.",
    )

    class Meta:
        model = Provider
        fields = ["name", "wire_format", "base_url", "enabled"]


@admin.register(Provider)
class ProviderAdmin(admin.ModelAdmin[Provider]):
    form = ProviderForm
    list_display = ["name", "wire_format", "base_url", "enabled", "has_key", "updated_at"]

    @admin.display(boolean=True, description="Key set")
    def has_key(self, obj: Provider) -> bool:
        return bool(obj.api_key_encrypted)

    def save_model(self, request: HttpRequest, obj: Provider, form: Any, change: bool) -> None:
        if form.cleaned_data.get("api_key"):
            obj.set_api_key(form.cleaned_data["api_key"])
        super().save_model(request, obj, form, change)


class DeploymentInline(admin.TabularInline[Deployment, CatalogModel]):
    model = Deployment
    extra = 0


@admin.register(CatalogModel)
class CatalogModelAdmin(admin.ModelAdmin[CatalogModel]):
    list_display = [
        "name",
        "family",
        "input_price",
        "output_price",
        "context_window",
        "supports_vision",
        "supports_tools",
        "enabled",
    ]
    list_filter = ["family", "enabled", "supports_vision"]
    list_editable = ["input_price", "output_price", "enabled"]
    search_fields = ["name", "family"]
    inlines = [DeploymentInline]


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(admin.ModelAdmin[RoutingPolicy]):
    list_display = ["team", "tier_models", "task_routes", "baseline_model", "updated_at"]
    search_fields = ["team__name", "team__slug"]
