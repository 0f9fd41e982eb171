"""Teams, hub keys, the usage ledger, the credit ledger and credit holds.

Money fields are Decimal with 8 places (see billing/money.py). Ledger rows are never updated or deleted.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone


class DecimalDigits(TypedDict):
    """A DecimalField's size, spread into its arguments (`DecimalField(**MONEY)`)."""

    max_digits: int
    decimal_places: int


MONEY: DecimalDigits = {"max_digits": 20, "decimal_places": 8}


class Team(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=100)
    # Denormalised from the credit ledger (always moved together with a ledger row, under a row lock).
    balance = models.DecimalField(**MONEY, default=Decimal("0"))
    # Sum of open holds: the available balance is balance - reserved.
    reserved = models.DecimalField(**MONEY, default=Decimal("0"))
    low_balance_threshold = models.DecimalField(**MONEY, null=True, blank=True)
    # Where low-balance and budget alerts are POSTed as JSON, besides the email to team admins.
    alert_webhook_url = models.URLField(max_length=500, blank=True)
    # Rate limits for keys that set none of their own (null: unlimited).
    default_rpm_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Requests per minute per key"
    )
    default_tpm_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Tokens per minute per key"
    )
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
    # Who revoked it, when that was not its owner (a team admin); null when the owner did, or it is active.
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Null: the team's default (and if that is null too, unlimited).
    rpm_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Requests per minute"
    )
    tpm_limit = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)], help_text="Tokens per minute"
    )
    # Catalog model names this key may request; empty: every model.
    allowed_models = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name or 'unnamed'})"


class UsageRecord(models.Model):
    """One row per request that reached the gateway's charge path: the usage ledger."""

    OK = "ok"
    ERROR = "error"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"  # its process died mid-request; settled by the sweep from its last checkpoint
    STATUSES = [(OK, "ok"), (ERROR, "error"), (CANCELLED, "cancelled"), (INTERRUPTED, "interrupted")]

    request_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # No single-column indexes on these keys: the (key, created_at) indexes in Meta serve those lookups,
    # and every index is one more B-tree write on each request's settlement.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="usage_records", db_index=False
    )
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="usage_records", db_index=False)
    key = models.ForeignKey(
        HubKey, null=True, blank=True, on_delete=models.PROTECT, related_name="usage_records", db_index=False
    )
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
    tokens_clamped = models.BooleanField(
        default=False, help_text="Upstream reported more tokens than the request allowed; cut to the bound"
    )
    cost = models.DecimalField(**MONEY, default=Decimal("0"))
    price_version = models.PositiveIntegerField(
        default=0, db_default=0, help_text="The model's price version it was charged at"
    )
    upstream_cost = models.DecimalField(**MONEY, null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=STATUSES)
    error_code = models.CharField(max_length=50, blank=True)
    attempts = models.JSONField(default=list)
    route = models.JSONField(null=True, blank=True, help_text="auto-routing decision and reason")
    cache_hit = models.BooleanField(default=False)
    client_tool = models.CharField(
        max_length=30,
        blank=True,
        default="",
        db_default="",
        help_text="the tool that sent it (billing/client_tools.py)",
    )
    dropped = models.CharField(
        max_length=300,
        blank=True,
        default="",
        db_default="",
        help_text="what the client asked for that the serving upstream's format could not carry, by name",
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["team", "created_at"]),
            models.Index(fields=["user", "created_at"]),
            models.Index(fields=["key", "created_at"]),
            # The staff "priciest first" list: walked backwards, it yields a date range's costliest records
            # without sorting the range (one more B-tree write per settlement, paid for that page).
            models.Index(fields=["cost", "created_at"], name="usage_cost_created_idx"),
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

    # Indexed by (team, created_at) in Meta, which serves team lookups too.
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="ledger", db_index=False)
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
    """Credits set aside for a request in flight, and its write-ahead metering record: who, what, and the
    output checkpointed while it streams. A live request keeps `expires_at` fresh; a hold past it belongs to a
    dead process and the sweep settles it as an `interrupted` usage record (billing/orphans.py)."""

    request_id = models.CharField(max_length=64, unique=True)
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="holds")
    amount = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)
    # The BudgetSpend rows this hold counts against, released with it (the period may roll over meanwhile).
    budget_spends = models.JSONField(default=list, blank=True)
    # The metering facts, known before the first upstream byte (user is null only on holds from before them).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.ForeignKey(HubKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False)
    source = models.CharField(max_length=20, default="api")
    model_requested = models.CharField(max_length=100, blank=True)
    model_served = models.CharField(max_length=100, blank=True)
    provider = models.CharField(max_length=50, blank=True)
    stream = models.BooleanField(default=False)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0, help_text="output streamed, as last checkpointed")
    cost = models.DecimalField(**MONEY, default=Decimal("0"), help_text="prompt and checkpointed output, priced")
    seen_at = models.DateTimeField(null=True, blank=True, help_text="last checkpoint or heartbeat")
    client_tool = models.CharField(max_length=30, blank=True, default="", db_default="")
    dropped = models.CharField(max_length=300, blank=True, default="", db_default="")

    def __str__(self) -> str:
        return f"hold {self.amount} for {self.request_id}"


class UsageDailyRollup(models.Model):
    """Usage summed per hub-time-zone day and (team, user, key, model, provider, client tool), for fast dashboards.

    Maintained by billing.rollups.add_to_rollup inside settlement; rebuilt by `manage.py rebuild_rollups`.
    """

    day = models.DateField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.ForeignKey(HubKey, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    model = models.CharField(max_length=100, help_text="model served, or requested when none was served")
    provider = models.CharField(max_length=50, blank=True)
    client_tool = models.CharField(max_length=30, blank=True, default="", db_default="")
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
                models.F("client_tool"),
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


class Budget(models.Model):
    """A spend limit for a team, one of its users, or one key, over a calendar period or in total."""

    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    TOTAL = "total"
    PERIODS = [(DAILY, "daily"), (WEEKLY, "weekly (ISO, from Monday)"), (MONTHLY, "monthly"), (TOTAL, "total")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="budgets")
    # Neither set: the whole team. user set: that user's spend for this team. key set: that key's spend.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="budgets"
    )
    key = models.ForeignKey(HubKey, null=True, blank=True, on_delete=models.CASCADE, related_name="budgets")
    name = models.CharField(max_length=100, blank=True)
    amount = models.DecimalField(**MONEY, help_text="USD per period")
    period = models.CharField(max_length=10, choices=PERIODS, default=MONTHLY)
    # A soft threshold raises an alert once per period; null turns it off.
    alert_at_percent = models.PositiveSmallIntegerField(
        null=True, blank=True, default=80, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    # Hard: a request that would go over is refused (402). Soft: it runs, and only the alert is raised.
    is_hard = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["team", "period"]

    def __str__(self) -> str:
        return f"{self.period} ${self.amount} for {self.scope} {self.scope_name}"

    def clean(self) -> None:
        if self.amount is not None and self.amount < 0:
            raise ValidationError({"amount": "A budget cannot be negative."})
        if self.key is not None and self.key.team_id != self.team_id:
            raise ValidationError({"key": "That key charges another team."})
        if self.user_id and not Membership.objects.filter(user_id=self.user_id, team_id=self.team_id).exists():
            raise ValidationError({"user": "That user is not a member of this team."})

    @property
    def scope(self) -> str:
        return "key" if self.key_id else "user" if self.user_id else "team"

    @property
    def scope_name(self) -> str:
        if self.key is not None:
            return str(self.key.name or self.key.prefix)
        if self.user_id:
            return str(self.user)
        return str(self.team.slug)


class BudgetSpend(models.Model):
    """Spend and in-flight holds of one budget in one period: a counter, so checks never SUM usage."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="spends")
    period_start = models.DateTimeField()
    spent = models.DecimalField(**MONEY, default=Decimal("0"))
    reserved = models.DecimalField(**MONEY, default=Decimal("0"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["budget", "period_start"], name="one_spend_row_per_period")]

    def __str__(self) -> str:
        return f"{self.budget_id} from {self.period_start}: {self.spent}"


class BillingAlert(models.Model):
    """An alert raised for a team (low balance, soft budget threshold): recorded once, then notified."""

    LOW_BALANCE = "low_balance"
    BUDGET_THRESHOLD = "budget_threshold"
    KINDS = [(LOW_BALANCE, "low balance"), (BUDGET_THRESHOLD, "budget threshold")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="alerts")
    kind = models.CharField(max_length=20, choices=KINDS)
    budget = models.ForeignKey(Budget, null=True, blank=True, on_delete=models.CASCADE, related_name="alerts")
    # Makes "once per crossing / period" a database fact: "low_balance:<ledger entry>" or "budget:<id>:<start>".
    dedupe_key = models.CharField(max_length=120, unique=True)
    message = models.CharField(max_length=500)
    threshold = models.DecimalField(**MONEY)
    created_at = models.DateTimeField(auto_now_add=True)
    # Active until resolved (a grant lifts the balance back) or, for budgets, until the period ends.
    resolved_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.team}: {self.message}"


class Refusal(models.Model):
    """A request the hub refused before any upstream call (402, 429, 400): never charged, kept for review."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="refusals", db_index=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    key = models.ForeignKey(HubKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    request_id = models.CharField(max_length=64, blank=True)
    model = models.CharField(max_length=100, blank=True)
    status = models.PositiveSmallIntegerField()
    code = models.CharField(max_length=50)
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "created_at"]), models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.status} {self.code} for {self.team_id}"


class CreditRequest(models.Model):
    """A member's or team admin's request for credits, approved (a grant) or declined by staff."""

    OPEN = "open"
    APPROVED = "approved"
    DECLINED = "declined"
    STATES = [(OPEN, "open"), (APPROVED, "approved"), (DECLINED, "declined")]

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="credit_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(**MONEY)
    reason = models.CharField(max_length=500)
    state = models.CharField(max_length=10, choices=STATES, default=OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="The decider's note to the team")
    grant = models.OneToOneField(
        CreditLedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="credit_request"
    )
    # Decided by a team admin within the team's LeadAllowance (counts against its monthly amount), not by staff.
    decided_by_lead = models.BooleanField(default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.amount} for {self.team_id} ({self.state})"


class AppendOnly(Exception):
    """An attempt to change or delete an append-only row."""


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Entries are appended, never changed: bulk updates and deletes are refused like a single row's."""

    def update(self, **kwargs: object) -> int:
        raise AppendOnly("The audit log is append-only: entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnly("The audit log is append-only: entries cannot be deleted.")


class AuditEntry(models.Model):
    """Who changed what, from what to what, and when: one row per staff or team-admin action (billing/audit_log.py).

    Append-only (refused here, and by a trigger on PostgreSQL). The actor and team are kept as labels too and
    their links carry no database constraint, so deleting a person or a team never touches the log."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    actor_label = models.CharField(max_length=150, blank=True, help_text="username then; empty: the hub itself")
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.DO_NOTHING, db_constraint=False, db_index=False, related_name="+"
    )
    team_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=40, help_text="a code of billing.audit_log.ACTIONS")
    target_type = models.CharField(max_length=40)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["team", "at"], name="billing_audit_team_at_idx"),
            models.Index(fields=["actor", "at"], name="billing_audit_actor_at_idx"),
            models.Index(fields=["action", "at"], name="billing_audit_action_at_idx"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label or 'hub'} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnly("The audit log is append-only: entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnly("The audit log is append-only: entries cannot be deleted.")


class LeadAllowance(models.Model):
    """What a team's admins may approve of their members' credit requests, set by staff; above it (or
    with no allowance at all) a request goes to the staff queue. Null amounts: no limit of that kind."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="lead_allowance")
    per_request = models.DecimalField(**MONEY, null=True, blank=True, help_text="Most a lead may approve at once")
    per_month = models.DecimalField(
        **MONEY, null=True, blank=True, help_text="Most the leads may approve in a calendar month, together"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"lead allowance of {self.team_id}: {self.per_request} / {self.per_month}"


class Invitation(models.Model):
    """An emailed link to join a team with a role (billing/people.py). Only the token's SHA-256 is kept."""

    email = models.EmailField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(max_length=10, choices=Membership.ROLES, default=Membership.MEMBER)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["team", "accepted_at", "cancelled_at"], name="invitation_team_open")]

    def __str__(self) -> str:
        return f"{self.email} to {self.team}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.cancelled_at is None and self.expires_at > timezone.now()


class SsoIdentity(models.Model):
    """Who a person is at an OpenID provider (its issuer and the `sub` it gives them), linked to their account on
    first single sign-on (billing/sso.py). The link, not the email, decides who signs in on later visits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities")
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_sso_subject")]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"
