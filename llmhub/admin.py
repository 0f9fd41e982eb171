"""Admin for providers (secret write-only) and the model catalog; saves and deletes go in the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from billing.audit_admin import AuditedAdmin
from llmhub.admin_forms import CatalogModelForm, ProviderForm
from llmhub.models import CatalogModel, CatalogSync, Deployment, ModelAlias, PriceVersion, Provider, RoutingPolicy

# Form fields a catalog sync also writes: an admin's edit to one of them is kept from then on.
SYNCED_FIELDS = {
    "input_price",
    "output_price",
    "cached_input_price",
    "cache_write_price",
    "image_price",
    "price_tiers",
    "context_window",
    "deprecated",
}


@admin.register(Provider)
class ProviderAdmin(AuditedAdmin[Provider]):
    form = ProviderForm
    list_display = ["name", "wire_format", "base_url", "enabled", "has_key", "updated_at"]
    actions = ["test_connection", "test_providers"]
    fieldsets = [(None, {"fields": ["kind", "slug", "wire_format", "base_url", "api_key", "enabled"]})]

    class Media:
        js = ["js/provider_form.js"]
        css = {"all": ["css/admin_forms.css"]}

    @admin.action(description=_("Test connection: list the provider's models"))
    def test_connection(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        from llmhub.catalog.connection import check_connection

        for row in queryset[:10]:
            result = check_connection(row.name)
            if result.ok:
                text = gettext("%(name)s: connected, %(count)s models listed.")
                self.message_user(request, text % {"name": row.name, "count": result.detail}, messages.SUCCESS)
            else:
                text = gettext("%(name)s: connection failed: %(error)s")
                self.message_user(request, text % {"name": row.name, "error": result.detail}, messages.ERROR)

    @admin.action(description="Test: send one tiny request (shows latency or the error)")
    def test_providers(self, request: HttpRequest, queryset: QuerySet[Provider]) -> None:
        from llmhub.catalog.probe import probe_provider

        for row in queryset[:10]:
            result = probe_provider(row.name)
            self.message_user(request, result.message(), messages.SUCCESS if result.ok else messages.ERROR)

    @admin.display(boolean=True, description="Key set")
    def has_key(self, obj: Provider) -> bool:
        return bool(obj.api_key_encrypted)

    def save_model(self, request: HttpRequest, obj: Provider, form: Any, change: bool) -> None:
        from llmhub.catalog.snapshot import build_snapshot, serving_summary

        before = build_snapshot()
        obj.name = form.instance.name
        if form.cleaned_data.get("api_key"):
            obj.set_api_key(form.cleaned_data["api_key"])
        super().save_model(request, obj, form, change)
        self.message_user(request, serving_summary(before, build_snapshot()), messages.INFO)


class DeploymentInline(admin.TabularInline[Deployment, CatalogModel]):
    model = Deployment
    extra = 0
    readonly_fields = ["listed_upstream"]


class AliasInline(admin.TabularInline[ModelAlias, CatalogModel]):
    model = ModelAlias
    extra = 0


class PriceVersionInline(admin.TabularInline[PriceVersion, CatalogModel]):
    model = PriceVersion
    extra = 0
    can_delete = False
    readonly_fields = ["version", "effective_from", "prices", "source", "created_at"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CatalogModel)
class CatalogModelAdmin(AuditedAdmin[CatalogModel]):
    form = CatalogModelForm

    class Media:
        css = {"all": ["css/admin_forms.css"]}

    list_display = [
        "name",
        "family",
        "input_price",
        "output_price",
        "context_window",
        "supports_vision",
        "supports_tools",
        "deprecated",
        "price_version",
        "enabled",
    ]
    list_filter = ["family", "enabled", "deprecated", "source", "supports_vision"]
    list_editable = ["input_price", "output_price", "enabled"]
    search_fields = ["name", "family", "aliases__alias"]
    readonly_fields = ["price_version", "source"]
    inlines = [DeploymentInline, AliasInline, PriceVersionInline]
    actions = ["test_models"]

    @admin.action(description="Test: send one tiny request (shows latency or the error)")
    def test_models(self, request: HttpRequest, queryset: QuerySet[CatalogModel]) -> None:
        from llmhub.catalog.probe import probe_model

        for row in queryset[:10]:
            result = probe_model(row.name)
            self.message_user(request, result.message(), messages.SUCCESS if result.ok else messages.ERROR)

    def save_model(self, request: HttpRequest, obj: CatalogModel, form: Any, change: bool) -> None:
        changed = set(form.changed_data)
        if any(name.startswith("tier") for name in changed):
            changed.add("price_tiers")
        edited = SYNCED_FIELDS & changed
        if edited:
            obj.admin_edited = sorted(set(obj.admin_edited or ()) | edited)
        super().save_model(request, obj, form, change)


@admin.register(CatalogSync)
class CatalogSyncAdmin(admin.ModelAdmin[CatalogSync]):
    list_display = ["created_at", "source", "new_count", "repriced_count", "deprecated"]
    readonly_fields = ["source", "created_at", "new", "repriced", "deprecated", "disabled"]

    @admin.display(description="New")
    def new_count(self, obj: CatalogSync) -> int:
        return len(obj.new)

    @admin.display(description="Repriced")
    def repriced_count(self, obj: CatalogSync) -> int:
        return len(obj.repriced)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(AuditedAdmin[RoutingPolicy]):
    list_display = ["team", "tier_models", "task_routes", "baseline_model", "updated_at"]
    search_fields = ["team__name", "team__slug"]
