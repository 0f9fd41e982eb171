"""Admin for teams and keys; the ledgers are read-only here (money moves only through billing.ledger)."""

from __future__ import annotations

from typing import TypeVar

from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest

from billing.models import (
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
class TeamAdmin(admin.ModelAdmin[Team]):
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
class HubKeyAdmin(admin.ModelAdmin[HubKey]):
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
class BudgetAdmin(admin.ModelAdmin[Budget]):
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
