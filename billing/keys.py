"""Hub keys: issue (plaintext shown once), authenticate by hash, revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from billing import cache_generations
from billing.audit_log import record, snapshot
from billing.models import HubKey, Membership, Team
from llmhub.errors import AuthenticationFailed, PermissionDenied

KEY_PREFIX = "sk-hub-"
DISPLAY_PREFIX_LENGTH = len(KEY_PREFIX) + 6
LAST_USED_WRITE_INTERVAL = 60.0


@dataclass(frozen=True)
class KeyIdentity:
    """Who a request is from: the key, its user and the team it charges."""

    key_id: int | None
    user_id: int
    team_id: int
    expires_at: dt.datetime | None = None
    # Effective rate limits (the key's own, else its team's default; None: unlimited).
    rpm_limit: int | None = None
    tpm_limit: int | None = None
    # The models this key may request (set by a team admin on the keys page); empty: every model.
    allowed_models: tuple[str, ...] = ()

    def allows_model(self, model: str) -> bool:
        return not self.allowed_models or model in self.allowed_models

    def check_model(self, model: str) -> None:
        check_model_allowed(self.allowed_models, model)


def check_model_allowed(allowed_models: tuple[str, ...], model: str) -> None:
    """Refuse with 403 `model_not_allowed` a model outside a key's allowlist (empty: every model)."""
    if allowed_models and model not in allowed_models:
        allowed = ", ".join(allowed_models)
        raise PermissionDenied(
            f"This key may not use model '{model}': a team admin limited it to {allowed}.",
            code="model_not_allowed",
            param="model",
        )


def hash_key(plaintext: str) -> str:
    # Keys are 256-bit random, so a fast unsalted hash is safe and lets us look them up by hash.
    return hashlib.sha256(plaintext.encode()).hexdigest()


def issue_key(
    *, user: Any, team: Team, name: str = "", expires_at: dt.datetime | None = None, by: Any = None
) -> tuple[HubKey, str]:
    """Create a key for a member of `team`. Returns the row and the plaintext, which is never stored.
    The audit log names `by` as its maker (None: a command or the hub itself)."""
    if not Membership.objects.filter(user=user, team=team).exists():
        raise AuthenticationFailed(f"{user} is not a member of team {team.slug}.", code="not_a_member")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = HubKey.objects.create(
        user=user,
        team=team,
        name=name,
        prefix=plaintext[:DISPLAY_PREFIX_LENGTH],
        hashed_key=hash_key(plaintext),
        expires_at=expires_at,
    )
    record(by, "key.create", key, after=snapshot(key, ("user", "name", "prefix", "expires_at")))
    return key, plaintext


def revoke_key(key: HubKey) -> None:
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at"])
    _cache.pop(key.hashed_key, None)
    _by_key_id.pop(key.pk, None)
    cache_generations.bump("keys")  # the other workers forget their cached keys within a second


# In-process cache of recent lookups: hash -> (identity, fetched_at). A revocation in this process
# takes effect at once; in other worker processes within a second with Redis (billing/cache_generations.py),
# else within KEY_CACHE_SECONDS.
_cache: dict[str, tuple[KeyIdentity, float]] = {}
_last_used_written: dict[int, float] = {}
# key id -> (identity, fetched_at), so the gateway finds a key's rate limits without a query.
_by_key_id: dict[int, tuple[KeyIdentity, float]] = {}


def authenticate_key(plaintext: str) -> KeyIdentity:
    """Resolve a presented key, or raise 401 for a missing, unknown, revoked or expired key."""
    if not plaintext:
        raise AuthenticationFailed("Missing API key: send 'Authorization: Bearer <hub key>'.", code="missing_api_key")
    digest = hash_key(plaintext)
    now = time.monotonic()
    cached = _cache.get(digest)
    if cached is None or now - cached[1] > settings.KEY_CACHE_SECONDS:
        identity = _load_identity(digest)
        _cache[digest] = (identity, now)
        if identity.key_id is not None:
            _by_key_id[identity.key_id] = (identity, now)
    else:
        identity = cached[0]
    if identity.expires_at is not None and identity.expires_at <= timezone.now():
        raise AuthenticationFailed(
            "This API key has expired; create a new one on the Keys page.", code="expired_api_key"
        )
    _touch_last_used(identity, now)
    return identity


def peek_cached_identity(plaintext: str) -> KeyIdentity | None:
    """The identity for a key seen moments ago, without touching the database; None if a lookup is due."""
    cached = _cache.get(hash_key(plaintext)) if plaintext else None
    if cached is None:
        return None
    identity, fetched_at = cached
    now = time.monotonic()
    if now - fetched_at > settings.KEY_CACHE_SECONDS:
        return None
    if identity.expires_at is not None and identity.expires_at <= timezone.now():
        return None
    if identity.key_id is not None and now - _last_used_written.get(identity.key_id, -1e9) >= LAST_USED_WRITE_INTERVAL:
        return None
    return identity


def known_rate_limits(key_id: int) -> tuple[int | None, int | None] | None:
    """(requests/minute, tokens/minute) for a key if the identity cache knows it now, else None (no query)."""
    cached = _by_key_id.get(key_id)
    if cached is not None and time.monotonic() - cached[1] <= settings.KEY_CACHE_SECONDS:
        return cached[0].rpm_limit, cached[0].tpm_limit
    return None


def rate_limits_for_key(key_id: int) -> tuple[int | None, int | None]:
    """(requests/minute, tokens/minute) for a key: from the identity cache, else one query."""
    cached = _by_key_id.get(key_id)
    if cached is not None and time.monotonic() - cached[1] <= settings.KEY_CACHE_SECONDS:
        return cached[0].rpm_limit, cached[0].tpm_limit
    key = _identity_query().filter(pk=key_id).first()
    if key is None:
        return None, None
    identity = _identity_of(key)
    _by_key_id[key_id] = (identity, time.monotonic())
    return identity.rpm_limit, identity.tpm_limit


def _identity_query() -> Any:
    # A key works only while its owner is a member of its team: leaving the team stops it.
    member = Membership.objects.filter(user_id=OuterRef("user_id"), team_id=OuterRef("team_id"))
    return (
        HubKey.objects.select_related("user", "team")
        .annotate(owner_is_member=Exists(member))
        .only(
            "id",
            "user_id",
            "team_id",
            "expires_at",
            "revoked_at",
            "rpm_limit",
            "tpm_limit",
            "allowed_models",
            "user__is_active",
            "team__default_rpm_limit",
            "team__default_tpm_limit",
        )
    )


def _identity_of(key: HubKey) -> KeyIdentity:
    return KeyIdentity(
        key_id=key.pk,
        user_id=key.user_id,
        team_id=key.team_id,
        expires_at=key.expires_at,
        rpm_limit=key.rpm_limit if key.rpm_limit is not None else key.team.default_rpm_limit,
        tpm_limit=key.tpm_limit if key.tpm_limit is not None else key.team.default_tpm_limit,
        allowed_models=tuple(key.allowed_models or ()),
    )


def _load_identity(digest: str) -> KeyIdentity:
    key = _identity_query().filter(hashed_key=digest).first()
    if key is None or not key.user.is_active:
        raise AuthenticationFailed("Invalid API key.", code="invalid_api_key")
    if key.revoked_at is not None:
        raise AuthenticationFailed("This API key has been revoked.", code="revoked_api_key")
    if not key.owner_is_member:
        raise AuthenticationFailed(
            "This API key's owner is no longer a member of its team, so the key no longer works.",
            code="revoked_api_key",
        )
    return _identity_of(key)


def _touch_last_used(identity: KeyIdentity, now: float) -> None:
    """Record last use at most once a minute per key, so the hot path rarely writes."""
    if identity.key_id is None:
        return
    if now - _last_used_written.get(identity.key_id, -LAST_USED_WRITE_INTERVAL) < LAST_USED_WRITE_INTERVAL:
        return
    _last_used_written[identity.key_id] = now
    HubKey.objects.filter(pk=identity.key_id).update(last_used_at=timezone.now())


def forget_key(key: HubKey) -> None:
    """Drop one key's cached lookups after its settings changed (other workers: within KEY_CACHE_SECONDS)."""
    _cache.pop(key.hashed_key, None)
    _by_key_id.pop(key.pk, None)


def forget_member_keys(*, user_id: int, team_id: int) -> None:
    """Drop the cached identities of a user's keys for a team (they have left it): the next request re-checks."""
    for digest, (identity, _) in list(_cache.items()):
        if identity.user_id == user_id and identity.team_id == team_id:
            _cache.pop(digest, None)
    for key_id, (identity, _) in list(_by_key_id.items()):
        if identity.user_id == user_id and identity.team_id == team_id:
            _by_key_id.pop(key_id, None)


def membership_deleted(sender: Any, instance: Membership, **kwargs: Any) -> None:
    """post_delete of a Membership (connected in BillingConfig.ready)."""
    forget_member_keys(user_id=instance.user_id, team_id=instance.team_id)


def forget_cached_keys(*_args: object, **_kwargs: object) -> None:
    """Drop the in-process key cache (tests, after bulk revocations, and when another worker changed keys)."""
    _cache.clear()
    _last_used_written.clear()
    _by_key_id.clear()


def keys_changed(*_args: object, **_kwargs: object) -> None:
    """A key or a membership changed here: forget this process's keys, and tell the other workers."""
    forget_cached_keys()
    cache_generations.bump("keys")


cache_generations.watch("keys", forget_cached_keys)
# A member who leaves a team (or whose role changes) is re-checked by every worker at the next request.
post_save.connect(keys_changed, sender=Membership, dispatch_uid="keys-membership-save")
post_delete.connect(keys_changed, sender=Membership, dispatch_uid="keys-membership-delete")
