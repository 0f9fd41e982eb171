"""People on the hub without the Django admin: invitations to a team, members' roles and removal (never the
last team admin), switching accounts off and on, the staff flag, and password links. Every change is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from billing import keys
from billing.audit_log import record, snapshot
from billing.models import Invitation, Membership, Team
from llmhub.errors import HubError, InvalidRequest, NotFound, PermissionDenied

log = logging.getLogger(__name__)
INVITATION_DAYS = 7
INVITATION_FIELDS = ("email", "role", "expires_at")


class InvitationGone(HubError):
    """The link was used, cancelled or has expired (410), or never existed / was replaced (404)."""

    status = 410
    code = "invitation_gone"
    type = "invalid_request_error"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_link(token: str) -> str:
    return f"{settings.SITE_URL}{reverse('billing-invitation-accept', args=[token])}"


def _send_invitation(invitation: Invitation, token: str, by: Any) -> None:
    context = {
        "team": invitation.team.name,
        "inviter": by.get_username() if by is not None else "",
        "link": invitation_link(token),
        "days": INVITATION_DAYS,
    }
    body = render_to_string("billing/email/invitation.txt", context)
    subject = _("You are invited to %(team)s on LLM Hub") % {"team": invitation.team.name}
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email])
    except Exception:  # the invitation stands; the sender can resend it from the team's people page
        log.exception("could not email an invitation to %s", invitation.email)


def _new_token(invitation: Invitation) -> str:
    token = secrets.token_urlsafe(32)
    invitation.token_hash = _hash(token)
    invitation.expires_at = timezone.now() + dt.timedelta(days=INVITATION_DAYS)
    return token


def invite(*, team: Team, email: str, role: str, by: Any) -> Membership | Invitation:
    """An active person with this email joins the team at once (the Membership); anyone else gets an
    emailed link (the Invitation). Refuses (400) a current member and a switched-off account."""
    email = email.strip()
    people = get_user_model().objects.filter(email__iexact=email).order_by("pk")
    found = people.filter(is_active=True).first()
    if found is None and people.exists():
        raise InvalidRequest(_("This email belongs to a switched-off account: ask a hub admin."), code="inactive")
    if found is not None:
        if Membership.objects.filter(team=team, user=found).exists():
            raise InvalidRequest(_("%(name)s is already a member.") % {"name": found.get_username()})
        membership = Membership.objects.create(team=team, user=found, role=role)
        record(by, "membership.create", membership, after=snapshot(membership), team=team)
        return membership
    waiting = open_invitations(team).filter(email__iexact=email, expires_at__gt=timezone.now())
    if waiting.exists():
        raise InvalidRequest(_("%(email)s is invited already: send the invitation again below.") % {"email": email})
    with transaction.atomic():
        invitation = Invitation(email=email, team=team, role=role, invited_by=by if by is not None else None)
        token = _new_token(invitation)
        invitation.save()
        record(by, "invitation.create", invitation, after=snapshot(invitation, INVITATION_FIELDS), team=team)
    _send_invitation(invitation, token, by)
    return invitation


def _open_invitation(team: Team, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(team=team, pk=invitation_id).first()
    if invitation is None:
        raise NotFound(_("No such invitation."))
    if invitation.accepted_at is not None or invitation.cancelled_at is not None:
        raise InvalidRequest(_("This invitation was already used or cancelled."), code="invitation_closed")
    return invitation


def invitation_resend(*, team: Team, invitation_id: int, by: Any) -> Invitation:
    """A fresh link and seven more days; the old link stops working."""
    invitation = _open_invitation(team, invitation_id)
    before = snapshot(invitation, INVITATION_FIELDS)
    token = _new_token(invitation)
    invitation.save(update_fields=["token_hash", "expires_at"])
    record(by, "invitation.resend", invitation, before, snapshot(invitation, INVITATION_FIELDS), team=team)
    _send_invitation(invitation, token, by)
    return invitation


def invitation_cancel(*, team: Team, invitation_id: int, by: Any) -> Invitation:
    invitation = _open_invitation(team, invitation_id)
    invitation.cancelled_at = timezone.now()
    invitation.save(update_fields=["cancelled_at"])
    record(by, "invitation.cancel", invitation, before=snapshot(invitation, INVITATION_FIELDS), team=team)
    return invitation


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The open invitation behind a link; InvitationGone (410) when used, cancelled or expired, 404 unknown."""
    rows = Invitation.objects.select_related("team", "invited_by")
    invitation = (rows.select_for_update(of=("self",)) if lock else rows).filter(token_hash=_hash(token)).first()
    if invitation is None:
        raise InvitationGone(_("This invitation link does not work: it may have been replaced by a newer one."),
                             status=404)  # fmt: skip
    if invitation.accepted_at is not None:
        raise InvitationGone(_("This invitation was already accepted. Sign in instead."))
    if invitation.cancelled_at is not None:
        raise InvitationGone(_("This invitation was cancelled. Ask the team's admin for a new one."))
    if invitation.expires_at <= timezone.now():
        raise InvitationGone(_("This invitation has expired. Ask the team's admin to send it again."))
    return invitation


def invitation_accept(*, token: str, username: str, password: str) -> Any:
    """Create the invitee's account with this username and password (Django's password validators), add it
    to the team with the invitation's role, and close the invitation. Returns the new user."""
    users = get_user_model()
    with transaction.atomic():
        invitation = invitation_for_token(token, lock=True)
        if users.objects.filter(username__iexact=username).exists():
            raise InvalidRequest(_("This username is taken: pick another."), param="username")
        user = users(username=username, email=invitation.email)
        password_validation.validate_password(password, user)
        user.set_password(password)
        user.save()
        membership = Membership.objects.create(user=user, team=invitation.team, role=invitation.role)
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        record(user, "user.create", user, after=snapshot(user, ("username", "email")), team=invitation.team)
        record(user, "membership.create", membership, after=snapshot(membership), team=invitation.team)
        record(user, "invitation.accept", invitation, after={"accepted_by": username}, team=invitation.team)
    return user


def _membership(team: Team, user_id: int, *, lock: bool = False) -> Membership:
    rows = Membership.objects.select_related("user")
    membership = (rows.select_for_update(of=("self",)) if lock else rows).filter(team=team, user_id=user_id).first()
    if membership is None:
        raise NotFound(_("No such member."))
    return membership


def _locked_membership(team: Team, user_id: int) -> Membership:
    """The member's row, locked after every admin row of the team (in id order, so two leads changing each
    other at once queue instead of deadlocking): the admin count read next cannot change under us."""
    list(Membership.objects.select_for_update().filter(team=team, role=Membership.ADMIN).order_by("pk").values("pk"))
    return _membership(team, user_id, lock=True)


def _keep_an_admin(team: Team, membership: Membership) -> None:
    """Refuse to leave a team without admins: nobody could then invite, decide or answer its members."""
    if membership.role != Membership.ADMIN:
        return
    if Membership.objects.filter(team=team, role=Membership.ADMIN).count() <= 1:
        raise InvalidRequest(
            _("%(name)s is the team's last admin: make someone else an admin first.")
            % {"name": membership.user.get_username()},
            code="last_admin",
        )


def member_set_role(*, team: Team, user_id: int, role: str, by: Any) -> Membership:
    if role not in (Membership.MEMBER, Membership.ADMIN):
        raise InvalidRequest(_("Pick member or team admin."), param="role")
    with transaction.atomic():
        membership = _locked_membership(team, user_id)
        if membership.role == role:
            return membership
        if role == Membership.MEMBER:
            _keep_an_admin(team, membership)
        before = snapshot(membership)
        membership.role = role
        membership.save(update_fields=["role"])
        record(by, "membership.change", membership, before, snapshot(membership), team=team)
    return membership


def member_remove(*, team: Team, user_id: int, by: Any) -> None:
    """Out of the team: their keys for it stop at the next request, their chat at the next answer."""
    with transaction.atomic():
        membership = _locked_membership(team, user_id)
        _keep_an_admin(team, membership)
        before = snapshot(membership)
        membership.delete()  # the key cache is told by the post_delete signal (billing/keys.py)
        record(by, "membership.delete", membership, before=before, team=team)


def _person(user_id: int) -> Any:
    person = get_user_model().objects.filter(pk=user_id).first()
    if person is None:
        raise NotFound(_("No such person."))
    return person


def user_set_active(*, user_id: int, active: bool, by: Any) -> Any:
    """Switch an account off (no sign-in, no key, no chat answer) or on again. Staff only; never oneself."""
    person = _person(user_id)
    if person.pk == by.pk:
        raise InvalidRequest(_("You cannot switch off your own account."), code="self")
    if person.is_active != active:
        before = snapshot(person, ("is_active",))
        person.is_active = active
        person.save(update_fields=["is_active"])
        record(by, "user.change", person, before, snapshot(person, ("is_active",)))
        # Keys: every worker re-reads them; sessions: Django's backend refuses inactive users on each request;
        # open chat sockets: billing.access.require_spender refuses the next answer.
        keys.keys_changed()
    return person


def user_set_staff(*, user_id: int, staff: bool, by: Any) -> Any:
    if not by.is_superuser:
        raise PermissionDenied(_("Only superusers can make someone hub staff."), code="not_superuser")
    person = _person(user_id)
    if person.pk == by.pk:
        raise InvalidRequest(_("You cannot change your own staff flag."), code="self")
    if person.is_staff != staff:
        before = snapshot(person, ("is_staff",))
        person.is_staff = staff
        person.save(update_fields=["is_staff"])
        record(by, "user.change", person, before, snapshot(person, ("is_staff",)))
    return person


def password_link(user: Any) -> str:
    """A one-time link to set a password (Django's reset token), on the hub's public address."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.SITE_URL}{reverse('password_reset_confirm', args=[uid, token])}"


def send_password_link(user: Any) -> None:
    """Email the link, also to people with no usable password yet (made by create_key): it is how they set one."""
    body = render_to_string("registration/password_reset_email.txt", {"user": user, "link": password_link(user)})
    send_mail(_("Set your LLM Hub password"), body, settings.DEFAULT_FROM_EMAIL, [user.email])


def user_set_email_and_send_link(*, user_id: int, email: str, by: Any) -> Any:
    """Give an account with no email one (a key owner made by create_key) and send it a password link."""
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidRequest(_("Enter a valid email address."), param="email") from exc
    person = _person(user_id)
    before = snapshot(person, ("email",))
    person.email = email
    person.save(update_fields=["email"])
    record(by, "user.change", person, before, snapshot(person, ("email",)))
    return user_send_password_link(user_id=user_id, by=by)


def user_send_password_link(*, user_id: int, by: Any) -> Any:
    person = _person(user_id)
    if not person.email:
        raise InvalidRequest(_("%(name)s has no email address to send the link to.") % {"name": person.username})
    if not person.is_active:
        raise InvalidRequest(_("Switch the account on first."), code="inactive")
    send_password_link(person)
    record(by, "user.password_link", person, after={"email": person.email})
    return person


def people_matching(*, search: str = "", team_id: int | None = None, role: str = "", active: str = "") -> QuerySet[Any]:
    """Staff's list of people with their memberships, filtered."""
    people = get_user_model().objects.order_by("username")
    if search:
        people = people.filter(Q(username__icontains=search) | Q(email__icontains=search))
    if team_id:
        people = people.filter(memberships__team_id=team_id, **({"memberships__role": role} if role else {}))
    elif role:
        people = people.filter(memberships__role=role)
    if active in ("yes", "no"):
        people = people.filter(is_active=active == "yes")
    memberships = Membership.objects.select_related("team").order_by("team__name")
    return people.distinct().prefetch_related(Prefetch("memberships", queryset=memberships))


def team_members(team: Team) -> list[Membership]:
    return list(Membership.objects.filter(team=team).select_related("user").order_by("user__username"))


def open_invitations(team: Team | None = None) -> QuerySet[Invitation]:
    rows = Invitation.objects.filter(accepted_at__isnull=True, cancelled_at__isnull=True).select_related(
        "team", "invited_by"
    )
    return (rows.filter(team=team) if team is not None else rows).order_by("-created_at")
