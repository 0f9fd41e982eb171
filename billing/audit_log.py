"""The audit log: `record()` appends who changed what, from what to what, and when (billing.models.AuditEntry).

Called wherever staff or team admins change people, money controls, keys, credits, providers, prices or the
catalog; `snapshot()` turns a row into the JSON `record()` diffs. Secrets are kept as fingerprints only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from asgiref.sync import iscoroutinefunction
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Model
from django.http import HttpRequest, HttpResponseBase
from django.utils.decorators import sync_and_async_middleware
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from billing.display import exact_amount
from billing.models import AuditEntry, Budget, Team
from billing.webhooks import masked_webhook_url

# What each action code reads as on the page. Codes are "<target kind>.<verb>"; one missing here shows as its code.
ACTIONS: dict[str, Any] = {
    "team.create": _("Team created"),
    "team.change": _("Team changed"),
    "team.delete": _("Team deleted"),
    "membership.create": _("Member added"),
    "membership.change": _("Member's role changed"),
    "membership.delete": _("Member removed"),
    "user.create": _("Person created"),
    "user.change": _("Person changed"),
    "user.delete": _("Person deleted"),
    "user.password_link": _("Password link sent"),
    "invitation.create": _("Invitation sent"),
    "invitation.resend": _("Invitation sent again"),
    "invitation.cancel": _("Invitation cancelled"),
    "invitation.accept": _("Invitation accepted"),
    "budget.create": _("Budget or cap set"),
    "budget.change": _("Budget or cap changed"),
    "budget.delete": _("Budget or cap removed"),
    "key.create": _("Key created"),
    "key.change": _("Key limits changed"),
    "key.revoke": _("Key revoked"),
    "key.delete": _("Key deleted"),
    "credits.grant": _("Credits granted"),
    "credits.adjust": _("Credits adjusted"),
    "credit_request.approve": _("Credit request approved"),
    "credit_request.decline": _("Credit request declined"),
    "lead_allowance.change": _("Lead allowance changed"),
    "provider.create": _("Provider added"),
    "provider.change": _("Provider changed"),
    "provider.delete": _("Provider deleted"),
    "model.create": _("Model added"),
    "model.change": _("Model or prices changed"),
    "model.delete": _("Model deleted"),
    "deployment.create": _("Deployment added"),
    "deployment.change": _("Deployment changed"),
    "deployment.delete": _("Deployment removed"),
    "alias.create": _("Model alias added"),
    "alias.change": _("Model alias changed"),
    "alias.delete": _("Model alias removed"),
    "routing_policy.create": _("Routing policy set"),
    "routing_policy.change": _("Routing policy changed"),
    "routing_policy.delete": _("Routing policy removed"),
    "catalog.sync": _("Catalog synced"),
    "project.create": _("Project created"),
    "project.change": _("Project changed"),
    "project.archive": _("Project archived"),
    "project.restore": _("Project brought back"),
    "project.file_add": _("File added to a project"),
    "project.file_remove": _("File removed from a project"),
    "saved_prompt.create": _("Team prompt added"),
    "saved_prompt.change": _("Team prompt changed"),
    "saved_prompt.delete": _("Team prompt deleted"),
}

# How each kind of target reads on the page.
TARGET_TYPES: dict[str, Any] = {
    "team": _("Team"),
    "membership": _("Membership"),
    "user": _("Person"),
    "invitation": _("Invitation"),
    "budget": _("Team budget"),
    "member_cap": _("Member cap"),
    "key_budget": _("Key budget"),
    "key": _("Key"),
    "ledger_entry": _("Credit ledger entry"),
    "credit_request": _("Credit request"),
    "lead_allowance": _("Lead allowance"),
    "provider": _("Provider"),
    "model": _("Model"),
    "deployment": _("Deployment"),
    "alias": _("Model alias"),
    "routing_policy": _("Routing policy"),
    "catalog_sync": _("Catalog sync"),
    "project": _("Project"),
    "saved_prompt": _("Team prompt"),
}

# Field names as the page shows them; others show as they are named in the database.
FIELD_LABELS: dict[str, Any] = {
    "name": _("Name"),
    "slug": _("Short name"),
    "role": _("Role"),
    "user": _("Person"),
    "team": _("Team"),
    "key": _("Key"),
    "amount": _("Amount"),
    "period": _("Period"),
    "is_hard": _("Hard limit"),
    "alert_at_percent": _("Alert at percent of the limit"),
    "is_active": _("Active"),
    "rpm_limit": _("Requests per minute"),
    "tpm_limit": _("Tokens per minute"),
    "default_rpm_limit": _("Default requests per minute"),
    "default_tpm_limit": _("Default tokens per minute"),
    "allowed_models": _("Allowed models"),
    "expires_at": _("Expires"),
    "revoked_at": _("Revoked"),
    "revoked_by": _("Revoked by"),
    "low_balance_threshold": _("Low-balance threshold"),
    "alert_webhook_url": _("Alert webhook"),
    "balance": _("Balance"),
    "memo": _("Memo"),
    "state": _("State"),
    "note": _("Note"),
    "ledger_entry": _("Ledger entry"),
    "input_price": _("Input price"),
    "output_price": _("Output price"),
    "cached_input_price": _("Cached input price"),
    "cache_write_price": _("Cache write price"),
    "image_price": _("Image price"),
    "price_tiers": _("Price tiers"),
    "enabled": _("Enabled"),
    "deprecated": _("Deprecated"),
    "fallbacks": _("Fallbacks"),
    "base_url": _("Base URL"),
    "wire_format": _("Wire format"),
    "api_key": _("API key"),
    "provider": _("Provider"),
    "upstream_model": _("Upstream model"),
    "priority": _("Priority"),
    "weight": _("Weight"),
    "is_staff": _("Staff"),
    "is_superuser": _("Superuser"),
    "email": _("Email"),
    "password": _("Password"),
    "new": _("New models"),
    "repriced": _("Repriced"),
    "disabled": _("Disabled until priced"),
    "prefix": _("Prefix"),
    "username": _("Username"),
    "accepted_by": _("Accepted by"),
    "sso_provider": _("Single sign-on provider"),
    "sso_groups": _("Single sign-on groups"),
    "instructions": _("Instructions"),
    "default_model": _("Default model"),
    "archived_at": _("Archived"),
    "title": _("Title"),
    "body": _("Text"),
    "file": _("File"),
}

# Stored codes of some fields, in words (field -> code -> label).
VALUE_LABELS: dict[str, dict[str, Any]] = {
    "period": {
        "daily": _("Daily"),
        "weekly": _("Weekly (from Monday)"),
        "monthly": _("Monthly"),
        "total": _("In total (never resets)"),
    },
    "role": {"member": _("Member"), "admin": _("Team admin")},
    "state": {
        "open": pgettext_lazy("credit request", "open"),
        "approved": pgettext_lazy("credit request", "approved"),
        "declined": pgettext_lazy("credit request", "declined"),
    },
}

# Columns that change on their own or say nothing a person decided.
UNAUDITED_FIELDS = {
    "created_at",
    "updated_at",
    "last_used_at",
    "last_login",
    "date_joined",
    "hashed_key",
    "reserved",
    "balance",
    "price_version",
    "admin_edited",
    "listed_upstream",
}
# Secrets: only whether they are set, and a fingerprint that changes when they do.
SECRET_FIELDS = {"api_key_encrypted": "api_key", "password": "password"}


@dataclass(frozen=True)
class Target:
    """What an action was done to: a kind (a TARGET_TYPES code), its id and a label that outlives it."""

    type: str
    id: str = ""
    label: str = ""
    team_id: int | None = None  # kept as values: a deleted team's row no longer has its id
    team_name: str = ""

    @classmethod
    def of(cls, type: str, id: object, label: str, team: Team | None = None) -> Target:
        return cls(type, str(id), label[:200], team.pk if team else None, team.name if team else "")


# Model names whose action codes say it shorter.
_KINDS = {
    "hubkey": "key",
    "catalogmodel": "model",
    "modelalias": "alias",
    "routingpolicy": "routing_policy",
    "savedprompt": "saved_prompt",
}


def kind_of(obj: Model) -> str:
    """The first half of a row's action codes: "key" in "key.change"."""
    name = obj._meta.model_name or ""
    return _KINDS.get(name, name)


def target_of(obj: Model, *, label: str = "") -> Target:
    """A row as a target: its kind by model, its team when it belongs to one."""
    kind = kind_of(obj)
    if isinstance(obj, Budget):
        kind = {"team": "budget", "user": "member_cap", "key": "key_budget"}[obj.scope]
        label = label or obj.scope_name
    team = obj if isinstance(obj, Team) else _team_of(obj)
    return Target.of(kind, obj.pk or "", label or str(obj), team)


def _team_of(obj: Model) -> Team | None:
    if getattr(obj, "team_id", None) is None:
        return None
    team = getattr(obj, "team", None)
    return team if isinstance(team, Team) else None


def json_value(value: Any) -> Any:
    """A value as it is kept in the log: money and times as exact text, rows by their name."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return exact_amount(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


def _fingerprint(secret: str) -> str:
    return f"set ({hashlib.sha256(secret.encode()).hexdigest()[:8]})" if secret else ""


def snapshot(obj: Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The row's audited fields as JSON (`fields` to keep only some). Secrets as fingerprints."""
    wanted = set(fields) if fields is not None else None
    out: dict[str, Any] = {}
    for field in obj._meta.concrete_fields:
        name = SECRET_FIELDS.get(field.name, field.name)
        if field.primary_key or field.name in UNAUDITED_FIELDS or (wanted is not None and name not in wanted):
            continue
        raw = getattr(obj, field.attname)
        if field.name in SECRET_FIELDS:
            out[name] = _fingerprint(raw or "")
        elif field.name == "alert_webhook_url":
            out[name] = f"{masked_webhook_url(raw)} {_fingerprint(raw)}".strip() if raw else ""
        elif field.is_relation:
            out[name] = _related_label(obj, field.name) if raw is not None else None
        else:
            out[name] = json_value(raw)
    return out


def _related_label(obj: Model, name: str) -> str:
    try:
        return str(getattr(obj, name))
    except ObjectDoesNotExist:  # the row it pointed to is gone
        return str(getattr(obj, f"{name}_id", ""))


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that differ, on each side."""
    keys = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return {k: before[k] for k in keys if k in before}, {k: after[k] for k in keys if k in after}


def record(
    actor: Any,
    action: str,
    target: Model | Target,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    *,
    team: Team | None = None,
) -> AuditEntry | None:
    """Append one entry. `actor` is the person (None: the hub itself, a command or a schedule). With both
    `before` and `after`, only the fields that changed are kept, and an edit that changed nothing is not logged."""
    before = json_value(dict(before or {}))
    after = json_value(dict(after or {}))
    if before and after:
        before, after = changed_fields(before, after)
        if not before and not after:
            return None
    what = target if isinstance(target, Target) else target_of(target)
    team_id, team_name = (team.pk, team.name) if team is not None else (what.team_id, what.team_name)
    person = actor if getattr(actor, "is_authenticated", False) else None
    request_id, ip = _origin.get()
    return AuditEntry.objects.create(
        actor=person,
        actor_label=person.get_username() if person is not None else "",
        team_id=team_id,
        team_label=team_name,
        action=action,
        target_type=what.type,
        target_id=what.id,
        target_label=what.label,
        before=before,
        after=after,
        request_id=request_id,
        ip=ip,
    )


# (request id, client address) of the page request being served, for the entries it records.
_origin: ContextVar[tuple[str, str | None]] = ContextVar("audit_origin", default=("", None))
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def _origin_of(request: HttpRequest) -> tuple[str, str | None]:
    given = request.headers.get("X-Request-ID", "")
    request_id = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
    # REMOTE_ADDR only: a forwarded-for header is whatever the client says unless a proxy is trusted.
    address = str(request.META.get("REMOTE_ADDR") or "")
    try:
        return request_id, str(ipaddress.ip_address(address))
    except ValueError:  # a unix socket, or no address: the column is an IP address
        return request_id, None


@sync_and_async_middleware
def remember_origin(get_response: Callable[[HttpRequest], Any]) -> Callable[[HttpRequest], Any]:
    """Middleware: entries recorded while serving a page carry its request id and client address."""
    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponseBase:
            token = _origin.set(_origin_of(request))
            try:
                response: Awaitable[HttpResponseBase] = get_response(request)
                return await response
            finally:
                _origin.reset(token)

        return middleware

    def sync_middleware(request: HttpRequest) -> HttpResponseBase:
        token = _origin.set(_origin_of(request))
        try:
            result: HttpResponseBase = get_response(request)
            return result
        finally:
            _origin.reset(token)

    return sync_middleware
