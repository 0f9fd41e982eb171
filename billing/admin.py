"""Admin for teams, people and keys; the ledgers and the audit log are read-only here (money moves only through
billing.ledger). Every save and delete here is in the audit log (billing.audit_admin)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model
from django.http import HttpRequest

from billing.audit_admin import AuditedAdmin
from billing.models import (
    AuditEntry,
    BillingAlert,
    Budget,
    BudgetSpend,
    CreditHold,
    CreditLedgerEntry,
    HubKey,
    Membership,
    Team,
    UsageDailyRollup,
    UsageRecord,
)

_M = TypeVar("_M", bound=Model)


class MembershipInline(admin.TabularInline[Membership, Team]):
    model = Membership
    extra = 0


@admin.register(Team)
class TeamAdmin(AuditedAdmin[Team]):
    list_display = [
        "slug",
        "name",
        "balance",
        "reserved",
        "low_balance_threshold",
        "default_rpm_limit",
        "default_tpm_limit",
        "created_at",
    ]
    readonly_fields = ["balance", "reserved"]
    search_fields = ["slug", "name"]
    inlines = [MembershipInline]


@admin.register(HubKey)
class HubKeyAdmin(AuditedAdmin[HubKey]):
    list_display = [
        "prefix",
        "name",
        "user",
        "team",
        "rpm_limit",
        "tpm_limit",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["team"]
    readonly_fields = ["prefix", "hashed_key", "created_at", "last_used_at", "revoked_by"]
    search_fields = ["prefix", "name", "user__username"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # keys are created on the Keys page or with create_key, where the plaintext is shown once


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: _M | None = None) -> bool:
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(ReadOnlyAdmin[UsageRecord]):
    list_display = [
        "request_id",
        "created_at",
        "user",
        "team",
        "model_served",
        "provider",
        "status",
        "prompt_tokens",
        "completion_tokens",
        "cost",
        "latency_ms",
    ]
    list_filter = ["status", "team", "provider", "source", "client_tool"]
    search_fields = ["request_id", "user__username", "model_served"]
    date_hierarchy = "created_at"


@admin.register(CreditLedgerEntry)
class CreditLedgerEntryAdmin(ReadOnlyAdmin[CreditLedgerEntry]):
    list_display = ["created_at", "team", "kind", "amount", "balance_after", "memo", "created_by"]
    list_filter = ["kind", "team"]
    date_hierarchy = "created_at"


@admin.register(CreditHold)
class CreditHoldAdmin(ReadOnlyAdmin[CreditHold]):
    list_display = ["request_id", "team", "amount", "created_at", "expires_at"]


@admin.register(UsageDailyRollup)
class UsageDailyRollupAdmin(ReadOnlyAdmin[UsageDailyRollup]):
    list_display = ["day", "team", "user", "key", "model", "provider", "requests", "errors", "cost", "savings"]
    list_filter = ["team", "provider"]
    date_hierarchy = "day"


@admin.register(Budget)
class BudgetAdmin(AuditedAdmin[Budget]):
    list_display = ["__str__", "team", "user", "key", "period", "amount", "alert_at_percent", "is_active"]
    list_filter = ["period", "is_active", "team"]
    raw_id_fields = ["user", "key"]


@admin.register(BudgetSpend)
class BudgetSpendAdmin(ReadOnlyAdmin[BudgetSpend]):
    """Counters moved only by the ledger; shown for audit."""

    list_display = ["budget", "period_start", "spent", "reserved"]
    list_filter = ["budget__team"]


@admin.register(BillingAlert)
class BillingAlertAdmin(ReadOnlyAdmin[BillingAlert]):
    list_display = ["created_at", "team", "kind", "message", "resolved_at", "expires_at"]
    list_filter = ["kind", "team"]


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin[AuditEntry]):
    list_display = ["at", "actor_label", "team_label", "action", "target_type", "target_label", "ip"]
    list_filter = ["action", "target_type"]
    search_fields = ["actor_label", "team_label", "target_label", "request_id"]
    date_hierarchy = "at"


User = get_user_model()
if admin.site.is_registered(User):
    admin.site.unregister(User)


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin[Any], UserAdmin):  # type: ignore[type-arg]
    """Django's user admin, with its saves (staff and active flags, names, email) in the audit log."""
