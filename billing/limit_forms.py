"""Forms of the money controls: a team budget or member cap, a key's limits, a credit request."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.lead_allowance import Allowance
from billing.limits import BudgetTerms, KeySettings
from billing.models import Budget, HubKey, Membership, Team
from billing.rollups import hub_day

MODEL_NAME = re.compile(r"^[\w.:/@+-]{1,100}$")
MAX_ALLOWED_MODELS = 50
PERIODS = [
    (Budget.DAILY, _("Daily")),
    (Budget.WEEKLY, _("Weekly (from Monday)")),
    (Budget.MONTHLY, _("Monthly")),
    (Budget.TOTAL, _("In total (never resets)")),
]


class BudgetForm(forms.Form):
    member = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Applies to"))
    period = forms.ChoiceField(choices=PERIODS, initial=Budget.MONTHLY, label=_("Period"))
    amount = forms.DecimalField(min_value=Decimal("0"), max_digits=14, decimal_places=8, label=_("Limit (USD)"))
    kind = forms.ChoiceField(
        choices=[("hard", _("Hard: refuse requests over it")), ("soft", _("Soft: alert only"))],
        initial="hard",
        label=_("When it is reached"),
    )
    alert_at_percent = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=100,
        initial=80,
        label=_("Alert at (percent used)"),
        help_text=_("The team admins are emailed once per period when spend crosses this. Empty: no alert."),
    )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        members = Membership.objects.filter(team=team).select_related("user").order_by("user__username")
        field = self.fields["member"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [("", _("The whole team"))] + [(m.user_id, m.user.get_username()) for m in members]

    @classmethod
    def for_budget(cls, budget: Budget, team: Team) -> BudgetForm:
        return cls(
            team=team,
            prefix=f"b{budget.pk}",
            initial={
                "member": budget.user_id,
                "period": budget.period,
                "amount": budget.amount.normalize(),
                "kind": "hard" if budget.is_hard else "soft",
                "alert_at_percent": budget.alert_at_percent,
            },
        )

    def terms(self) -> BudgetTerms:
        data = self.cleaned_data
        return BudgetTerms(data["amount"], data["period"], data["kind"] == "hard", data["alert_at_percent"])


class KeySettingsForm(forms.Form):
    rpm_limit = forms.IntegerField(
        required=False, min_value=1, max_value=1_000_000, label=_("Requests per minute"),
        help_text=_("Empty: the team's default (or unlimited)."),
    )  # fmt: skip
    tpm_limit = forms.IntegerField(
        required=False, min_value=1, max_value=1_000_000_000, label=_("Tokens per minute"),
        help_text=_("Empty: the team's default (or unlimited)."),
    )  # fmt: skip
    budget_amount = forms.DecimalField(
        required=False, min_value=Decimal("0"), max_digits=14, decimal_places=8, label=_("Budget (USD)"),
        help_text=_("Requests over it are refused. Empty: no budget of its own."),
    )  # fmt: skip
    budget_period = forms.ChoiceField(choices=PERIODS, initial=Budget.MONTHLY, label=_("Budget period"))
    allowed_models = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}), label=_("Allowed models"),
        help_text=_("Model names separated by commas or spaces. Empty: every model."),
    )  # fmt: skip
    expires_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("Expires on"),
        help_text=_("The key stops working at the end of this day. Empty: never."),
    )  # fmt: skip

    @classmethod
    def for_key(cls, key: HubKey, budget: Budget | None) -> KeySettingsForm:
        expires = key.expires_at
        return cls(
            initial={
                "rpm_limit": key.rpm_limit,
                "tpm_limit": key.tpm_limit,
                "budget_amount": budget.amount.normalize() if budget else None,
                "budget_period": budget.period if budget else Budget.MONTHLY,
                "allowed_models": ", ".join(key.allowed_models or []),
                "expires_on": (hub_day(expires - dt.timedelta(seconds=1)) if expires else None),
            }
        )

    def clean_allowed_models(self) -> list[str]:
        names = [name for name in re.split(r"[\s,]+", self.cleaned_data["allowed_models"]) if name]
        bad = [name for name in names if not MODEL_NAME.match(name)]
        if bad:
            raise forms.ValidationError(_("Not a model name: %(names)s"), params={"names": ", ".join(bad[:3])})
        if len(set(names)) > MAX_ALLOWED_MODELS:
            raise forms.ValidationError(_("List at most %(n)s models."), params={"n": MAX_ALLOWED_MODELS})
        return names

    def clean_expires_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data["expires_on"]
        if day is not None and day < hub_day(timezone.now()):
            raise forms.ValidationError(_("Pick today or a later day."))
        return day

    def key_settings(self) -> KeySettings:
        data = self.cleaned_data
        day = data["expires_on"]
        expires_at = None
        if day is not None:
            expires_at = dt.datetime.combine(
                day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone()
            )
        return KeySettings(
            rpm_limit=data["rpm_limit"],
            tpm_limit=data["tpm_limit"],
            allowed_models=data["allowed_models"],
            expires_at=expires_at,
            budget_amount=data["budget_amount"],
            budget_period=data["budget_period"],
        )


class CreditRequestForm(forms.Form):
    amount = forms.DecimalField(
        min_value=Decimal("0.01"), max_value=Decimal("1000000"), max_digits=12, decimal_places=2,
        label=_("Amount (USD)"),
    )  # fmt: skip
    reason = forms.CharField(
        max_length=500, widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"),
        help_text=_("What the credits are for: whoever decides the request (a team admin or the hub's staff) reads this."),
    )  # fmt: skip


class DecisionForm(forms.Form):
    note = forms.CharField(required=False, max_length=300, label=_("Note to the team"))


class LeadAllowanceForm(forms.Form):
    """What a team's admins may approve of their members' credit requests (staff set it; both empty: nothing)."""

    per_request = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2, label=_("Per request (USD)"),
        help_text=_("The most a team admin may approve at once. Empty: no limit per request."),
    )  # fmt: skip
    per_month = forms.DecimalField(
        required=False, min_value=Decimal("0.01"), max_digits=12, decimal_places=2, label=_("Per month (USD)"),
        help_text=_("The most the team admins may approve together in a calendar month. Empty: no monthly limit."),
    )  # fmt: skip

    @classmethod
    def for_allowance(cls, allowance: Allowance | None) -> LeadAllowanceForm:
        def shown(value: Decimal | None) -> Decimal | None:
            return None if value is None else value.quantize(Decimal("0.01"))

        if allowance is None:
            return cls()
        return cls(initial={"per_request": shown(allowance.per_request), "per_month": shown(allowance.per_month)})
