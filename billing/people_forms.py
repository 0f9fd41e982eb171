"""The forms of the people pages: invite by email, a member's role, staff's filters, accepting an invitation,
and the password-reset request that also reaches people with no usable password yet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import PasswordResetForm, UsernameField
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from billing.models import Membership, Team
from billing.people import send_password_link


class TeamChoiceField(forms.ModelChoiceField[Team]):
    """Teams by name, sent by slug."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


ROLE_CHOICES = [(Membership.MEMBER, _("Member")), (Membership.ADMIN, _("Team admin"))]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"), max_length=254)
    role = forms.ChoiceField(choices=ROLE_CHOICES, initial=Membership.MEMBER, label=_("Role"))

    def __init__(self, *args: Any, teams: QuerySet[Team] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if teams is not None:  # staff pick the team; a lead invites to the page's team
            self.fields["team"] = TeamChoiceField(
                queryset=teams, label=_("Team"), to_field_name="slug", empty_label=None
            )
            self.order_fields(["email", "team", "role"])
        self.fields["email"].widget.attrs["autocomplete"] = "off"


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=ROLE_CHOICES, label=_("Role"))


class PeopleFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=_("Name or email"))
    team = TeamChoiceField(
        queryset=Team.objects.order_by("name"), required=False, to_field_name="slug", label=_("Team"),
        empty_label=_("Every team"),
    )  # fmt: skip
    role = forms.ChoiceField(choices=[("", _("Any role")), *ROLE_CHOICES], required=False, label=_("Role"))
    active = forms.ChoiceField(
        choices=[("", _("Everyone")), ("yes", _("Active")), ("no", _("Switched off"))],
        required=False,
        label=_("Account"),
    )

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        team = data.get("team")
        return {
            "search": data["q"],
            "team_id": team.pk if team else None,
            "role": data["role"],
            "active": data["active"],
        }


class AcceptInvitationForm(forms.Form):
    username = UsernameField(label=_("Username"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, email: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email
        self.fields["username"].validators.append(get_user_model().username_validator)
        self.fields["password1"].help_text = password_validation.password_validators_help_text_html()

    def clean_username(self) -> str:
        username: str = self.cleaned_data["username"]
        if get_user_model().objects.filter(username__iexact=username).exists():
            raise forms.ValidationError(_("This username is taken: pick another."))
        return username

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            probe = get_user_model()(username=data.get("username", ""), email=self.email)
            try:
                password_validation.validate_password(first, probe)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


class HubPasswordResetForm(PasswordResetForm):
    """Django's reset request, with two changes: links use SITE_URL (people.password_link), and people who
    have no usable password yet (made by create_key or by an invitation-less import) get one too, so that a
    key's owner can always sign in."""

    def get_users(self, email: str) -> Iterator[Any]:
        return iter(get_user_model()._default_manager.filter(email__iexact=email, is_active=True))

    def save(self, *args: Any, **kwargs: Any) -> None:
        for user in self.get_users(self.cleaned_data["email"]):
            send_password_link(user)
