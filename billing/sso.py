"""Single sign-on, the hub's side: who a provider's verified claims are (linked by issuer and subject), the
groups claim mapped to teams and roles on every sign-in, and an invitation taken with SSO. Every account made,
team joined and role changed is audited. The protocol itself (state, nonce, PKCE, tokens) is billing/sso_provider.py."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.audit_log import record, snapshot
from billing.models import Invitation, Membership, SsoIdentity, Team
from billing.people import invitation_for_token
from llmhub.errors import HubError

log = logging.getLogger(__name__)
ROLES = (Membership.MEMBER, Membership.ADMIN)
_USERNAME = re.compile(r"^[\w.@+-]{1,150}$")


class SsoRefused(HubError):
    """The provider vouched for the person but the hub will not let them in (switched off, or no team)."""

    status = 403
    code = "sso_refused"
    type = "permission_error"


@dataclass(frozen=True)
class TeamRole:
    """One line of OIDC_GROUP_MAP: members of `group` are in the team `team_slug` with `role`."""

    group: str
    team_slug: str
    role: str


def _team_and_role(text: str, where: str) -> tuple[str, str]:
    slug, _sep, role = text.strip().partition(":")
    role = role.strip() or Membership.MEMBER
    if not slug.strip() or role not in ROLES:
        raise ImproperlyConfigured(f"{where}: {text!r} is not team_slug or team_slug:role (role member or admin)")
    return slug.strip(), role


def parse_group_map(text: str) -> list[TeamRole]:
    """'eng=platform:admin,staff=platform' -> the lines; ImproperlyConfigured names a malformed entry."""
    lines = []
    for entry in filter(None, (part.strip() for part in text.split(","))):
        group, sep, target = entry.rpartition("=")
        if not sep or not group.strip():
            raise ImproperlyConfigured(f"OIDC_GROUP_MAP: {entry!r} is not group=team_slug:role")
        slug, role = _team_and_role(target, "OIDC_GROUP_MAP")
        lines.append(TeamRole(group.strip(), slug, role))
    return lines


def default_team() -> tuple[str, str] | None:
    """OIDC_DEFAULT_TEAM as (slug, role), or None when unset."""
    text = settings.OIDC_DEFAULT_TEAM.strip()
    return _team_and_role(text, "OIDC_DEFAULT_TEAM") if text else None


def check_settings(**kwargs: Any) -> list[checks.CheckMessage]:
    """A system check (`manage.py check`, every start): a malformed OIDC_GROUP_MAP or OIDC_DEFAULT_TEAM is named
    before anyone tries to sign in, instead of failing their sign-in."""
    errors: list[checks.CheckMessage] = []
    for read in (lambda: parse_group_map(settings.OIDC_GROUP_MAP), default_team):
        try:
            read()
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="billing.E001"))
    if settings.OIDC_ISSUER_URL and not settings.OIDC_SIGN_ALGO.startswith(("RS", "ES")):
        errors.append(checks.Error("OIDC_SIGN_ALGO must be an RS* or ES* algorithm", id="billing.E002"))
    return errors


def groups_of(claims: Mapping[str, Any], claim: str = "groups") -> list[str]:
    """The groups claim as a list of names (a lone string counts as one group; anything else as none)."""
    value = claims.get(claim)
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [str(item) for item in value if isinstance(item, str | int)]
    return []


def roles_for_groups(groups: Iterable[str], group_map: Iterable[TeamRole]) -> dict[str, tuple[str, list[str]]]:
    """team slug -> (role, the groups that gave it); a team admin in any group is its admin."""
    have = set(groups)
    out: dict[str, tuple[str, list[str]]] = {}
    for line in group_map:
        if line.group not in have:
            continue
        role, why = out.get(line.team_slug, (Membership.MEMBER, []))
        out[line.team_slug] = (Membership.ADMIN if Membership.ADMIN in (role, line.role) else role, [*why, line.group])
    return out


def _wanted_teams(claims: Mapping[str, Any]) -> dict[Team, tuple[str, list[str]]]:
    by_slug = roles_for_groups(groups_of(claims, settings.OIDC_GROUPS_CLAIM), parse_group_map(settings.OIDC_GROUP_MAP))
    teams = {team.slug: team for team in Team.objects.filter(slug__in=by_slug)}
    for slug in by_slug.keys() - teams.keys():
        log.warning("OIDC_GROUP_MAP names a team that does not exist: %s", slug)
    return {teams[slug]: wanted for slug, wanted in by_slug.items() if slug in teams}


def _free_username(claims: Mapping[str, Any]) -> str:
    users = get_user_model().objects
    email = str(claims.get("email") or "")
    subject_hash = hashlib.sha256(str(claims["sub"]).encode()).hexdigest()[:10]
    candidates = [str(claims.get("preferred_username") or ""), email.partition("@")[0], f"sso-{subject_hash}"]
    base = next((name for name in candidates if _USERNAME.match(name)), f"sso-{subject_hash}")[:140]
    name, n = base, 1
    while users.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def _account_by_verified_email(claims: Mapping[str, Any]) -> Any | None:
    """An existing account with the email the provider says it verified (only one such account: else none)."""
    email = claims.get("email")
    if not email or claims.get("email_verified") is not True:
        return None
    found = list(get_user_model().objects.filter(email__iexact=str(email))[:2])
    return found[0] if len(found) == 1 else None


def _create_account(claims: Mapping[str, Any], provider: str, team: Team | None) -> Any:
    users = get_user_model()
    user = users(username=_free_username(claims), email=str(claims.get("email") or "")[:254])
    user.set_unusable_password()  # they sign in at the provider; a password link can still give them one
    if hasattr(user, "first_name") and isinstance(claims.get("name"), str):
        user.first_name = claims["name"][:150]
    user.save()
    after = {**snapshot(user, ("username", "email")), "sso_provider": provider}
    record(user, "user.create", user, after=after, team=team)
    return user


def _join(user: Any, team: Team, role: str, groups: list[str]) -> None:
    """Make `user` a member of `team` with `role`, as the provider's groups say; audited with the person signing
    in as the actor and the groups as the reason. A change leaving the team without an admin is skipped."""
    membership = Membership.objects.select_for_update().filter(team=team, user=user).first()
    why = {"sso_groups": groups}
    if membership is None:
        membership = Membership.objects.create(team=team, user=user, role=role)
        record(user, "membership.create", membership, after={**snapshot(membership), **why}, team=team)
        return
    if membership.role == role:
        return
    if (
        role == Membership.MEMBER
        and not Membership.objects.filter(team=team, role=Membership.ADMIN).exclude(pk=membership.pk).exists()
    ):
        log.warning("single sign-on left %s the last admin of %s (their groups say member)", user, team.slug)
        return
    before = snapshot(membership)
    membership.role = role
    membership.save(update_fields=["role"])
    record(user, "membership.change", membership, before, {**snapshot(membership), **why}, team=team)


def _accept(invitation: Invitation, user: Any, provider: str) -> None:
    team = invitation.team
    if not Membership.objects.filter(team=team, user=user).exists():
        membership = Membership.objects.create(team=team, user=user, role=invitation.role)
        record(user, "membership.create", membership, after=snapshot(membership), team=team)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    after = {"accepted_by": user.get_username(), "sso_provider": provider}
    record(user, "invitation.accept", invitation, after=after, team=team)


def _refuse_switched_off(user: Any) -> None:
    if not user.is_active:
        raise SsoRefused(_("This account is switched off. Ask a hub admin to switch it on again."))


def sign_in(*, claims: Mapping[str, Any], issuer: str, invitation_token: str = "") -> Any:
    """The account these verified claims belong to, made or linked on first sign-in, with the teams and roles the
    groups map and the invitation (if any) give. SsoRefused for a switched-off account, or a new person with no
    team to join; InvitationGone for a used or expired invitation."""
    try:
        return _sign_in(claims, issuer, invitation_token)
    except IntegrityError:  # the same person's first sign-in twice at once (or a username just taken): again
        return _sign_in(claims, issuer, invitation_token)


def _sign_in(claims: Mapping[str, Any], issuer: str, invitation_token: str) -> Any:
    provider = settings.OIDC_PROVIDER_NAME
    subject = str(claims["sub"])
    wanted = _wanted_teams(claims)
    with transaction.atomic():
        invitation = invitation_for_token(invitation_token, lock=True) if invitation_token else None
        identity = SsoIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
        user = identity.user if identity is not None else _account_by_verified_email(claims)
        if user is not None:
            _refuse_switched_off(user)
        if not wanted and invitation is None and (user is None or not user.memberships.exists()):
            fallback = default_team()
            team = Team.objects.filter(slug=fallback[0]).first() if fallback else None
            if fallback is None or team is None:
                raise SsoRefused(
                    _("%(provider)s knows you, but no team on this hub is set up for your groups. Ask a team admin "
                      "for an invitation, or a hub admin to add your group.") % {"provider": provider}
                )  # fmt: skip
            wanted = {team: (fallback[1], [])}
        if user is None:
            user = _create_account(claims, provider, invitation.team if invitation else next(iter(wanted), None))
        if identity is None:
            SsoIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        if invitation is not None:
            _accept(invitation, user, provider)
        for team, (role, groups) in wanted.items():
            _join(user, team, role, groups)
    return user
