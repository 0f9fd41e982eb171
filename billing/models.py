"""Teams, hub keys, the usage ledger, the credit ledger and credit holds.

Money fields are Decimal with 8 places (see billing/money.py). Ledger rows are never updated or deleted.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce

MONEY = {"max_digits": 20, "decimal_places": 8}


class Team(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    # Denormalised from the credit ledger (always moved together with a ledger row, under a row lock).
    balance = models.DecimalField(**MONEY, default=Decimal("0"))
    # Sum of open holds: the available balance is balance - reserved.
    reserved = models.DecimalField(**MONEY, default=Decimal("0"))
    low_balance_threshold = models.DecimalField(**MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Membership(models.Model):
    MEMBER = "member"
    ADMIN = "admin"
    ROLES = [(MEMBER, "Member"), (ADMIN, "Team admin")]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=ROLES, default=MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "team"], name="one_membership_per_team")]

    def __str__(self) -> str:
        return f"{self.user} in {self.team} ({self.role})"


class HubKey(models.Model):
    """A user's API key for one team. Only a display prefix and a SHA-256 hash are stored."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="hub_keys")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="hub_keys")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=20, db_index=True)
    hashed_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"


class UsageRecord(models.Model):
    """One row per request that reached the gateway's charge path: the usage ledger."""

    OK = "ok"
    ERROR = "error"
    CANCELLED = "cancelled"
    STATUSES = [(OK, "ok"), (ERROR, "error"), (CANCELLED, "cancelled")]

    request_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="usage_records")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="usage_records")
    key = models.ForeignKey(HubKey, null=True, blank=True, on_delete=models.PROTECT, related_name="usage_records")
    source = models.CharField(max_length=20, default="api")
    model_requested = models.CharField(max_length=100)
    model_served = models.CharField(max_length=100, blank=True)
    provider = models.CharField(max_length=50, blank=True)
    stream = models.BooleanField(default=False)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cached_tokens = models.PositiveIntegerField(default=0)
    cache_write_tokens = models.PositiveIntegerField(default=0)
    reasoning_tokens = models.PositiveIntegerField(default=0)
    images = models.PositiveIntegerField(default=0)
    tokens_estimated = models.BooleanField(default=False, help_text="Upstream reported no usage; counted by the hub")
    cost = models.DecimalField(**MONEY, default=Decimal("0"))
    upstream_cost = models.DecimalField(**MONEY, null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES)
    error_code = models.CharField(max_length=50, blank=True)
    attempts = models.JSONField(default=list)
    route = models.JSONField(null=True, blank=True, help_text="auto-routing decision and reason")
    cache_hit = models.BooleanField(default=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "created_at"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["key", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.request_id

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class CreditLedgerEntry(models.Model):
    """An append-only movement of a team's credits, with the balance after it."""

    GRANT = "grant"
    CHARGE = "charge"
    REFUND = "refund"
    ADJUST = "adjust"
    KINDS = [(GRANT, "grant"), (CHARGE, "charge"), (REFUND, "refund"), (ADJUST, "adjust")]

    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="ledger")
    kind = models.CharField(max_length=10, choices=KINDS)
    amount = models.DecimalField(**MONEY, help_text="Signed: grants positive, charges negative")
    balance_after = models.DecimalField(**MONEY)
    # One charge per usage record, enforced by the database.
    usage = models.OneToOneField(UsageRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="charge")
    memo = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["team", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} ({self.team})"


class CreditHold(models.Model):
    """Credits set aside for a request in flight; released when the request settles or the hold expires."""

    request_id = models.CharField(max_length=64, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="holds")
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"hold {self.amount} for {self.request_id}"


class UsageDailyRollup(models.Model):
    """Usage summed per hub-time-zone day and (team, user, key, model, provider), for fast dashboards.

    Maintained by billing.rollups.add_to_rollup inside settlement; rebuilt by `manage.py rebuild_rollups`.
    """

    day = models.DateField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.ForeignKey(HubKey, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100, help_text="model served, or requested when none was served")
    provider = models.CharField(max_length=50, blank=True)
    requests = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0, help_text="requests whose status was not ok")
    prompt_tokens = models.BigIntegerField(default=0)
    completion_tokens = models.BigIntegerField(default=0)
    cost = models.DecimalField(**MONEY, default=Decimal("0"))
    savings = models.DecimalField(**MONEY, default=Decimal("0"), help_text="auto-routing: baseline cost - cost")
    price_mismatches = models.PositiveIntegerField(default=0, help_text="upstream cost differs by more than 1%")

    class Meta:
        constraints = [
            # A request without a hub key (the browser chat) has key NULL; COALESCE makes it one bucket.
            models.UniqueConstraint(
                models.F("day"),
                models.F("team"),
                models.F("user"),
                Coalesce("key", models.Value(0)),
                models.F("model"),
                models.F("provider"),
                name="one_rollup_per_bucket",
            )
        ]
        indexes = [
            models.Index(fields=["day"], name="billing_rollup_day_idx"),
            models.Index(fields=["user", "day"]),
            models.Index(fields=["team", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.team_id}/{self.user_id} {self.model}"
