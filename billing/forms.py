"""Forms of the billing pages: they parse and validate; services and selectors do the work."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models import CreditLedgerEntry, Team
from billing.reports import SpendFilter
from billing.rollups import hub_day
from billing.spend_periods import PRESETS, matching_preset, preset_range
from billing.webhooks import MAX_URL_LENGTH, validate_webhook_url

MAX_RANGE_DAYS = 366


class TeamChoiceField(forms.ModelChoiceField[Team]):
    """A team picker that lists teams by name."""

    def label_from_instance(self, obj: Team) -> str:
        return obj.name


class KeyCreateForm(forms.Form):
    name = forms.CharField(max_length=100, label=_("Name"), help_text=_("What the key is for, e.g. “CI pipeline”."))
    team = TeamChoiceField(
        queryset=Team.objects.none(), empty_label=None, label=_("Team"), help_text=_("The team it charges.")
    )
    expires_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label=_("Expires on"),
        help_text=_("Optional. The key stops working at the end of this day."),
    )

    def __init__(self, *args: Any, teams: list[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        team_field = cast(TeamChoiceField, self.fields["team"])
        team_field.queryset = Team.objects.filter(pk__in=[team.pk for team in teams]).order_by("name")

    def clean_expires_on(self) -> dt.date | None:
        day: dt.date | None = self.cleaned_data["expires_on"]
        if day is not None and day < hub_day(timezone.now()):
            raise forms.ValidationError(_("Pick today or a later day."))
        return day

    def expires_at(self) -> dt.datetime | None:
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=timezone.get_default_timezone())


class ThresholdForm(forms.Form):
    threshold = forms.DecimalField(
        required=False,
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        label=_("Low-balance threshold (USD)"),
        help_text=_("The team sees a banner when its balance falls below this. Leave empty for no warning."),
    )

    @classmethod
    def for_team(cls, team: Team) -> ThresholdForm:
        threshold = team.low_balance_threshold
        return cls(initial={"threshold": None if threshold is None else threshold.quantize(Decimal("0.01"))})


class WebhookForm(forms.Form):
    url = forms.CharField(
        required=False,
        max_length=MAX_URL_LENGTH,
        validators=[validate_webhook_url],
        widget=forms.URLInput(attrs={"placeholder": "https://hooks.example.com/…", "autocomplete": "off"}),
        label=_("Alert webhook URL"),
        help_text=_(
            "Low-balance and budget alerts are POSTed here as JSON, besides the email to team admins. "
            "Public http(s) addresses only. Leave empty for email alone."
        ),
    )


class GrantForm(forms.Form):
    team = TeamChoiceField(queryset=Team.objects.order_by("name"), empty_label=None, label=_("Team"))
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (CreditLedgerEntry.GRANT, _("Grant (add credits)")),
            (CreditLedgerEntry.ADJUST, _("Adjustment (+ or −)")),
        ],
    )
    amount = forms.DecimalField(max_digits=14, decimal_places=8, label=_("Amount (USD)"))
    memo = forms.CharField(max_length=300, label=_("Memo"), help_text=_("Why: shown in the audit trail."))


class RangeForm(forms.Form):
    days = forms.TypedChoiceField(
        choices=[(7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days"))], coerce=int, required=False
    )

    def days_or_default(self) -> int:
        return (self.is_valid() and self.cleaned_data["days"]) or 30


def clean_date_range(data: dict[str, Any]) -> dict[str, Any]:
    """From and To of a filter form: the last 30 days by default, at most MAX_RANGE_DAYS, in order."""
    today = hub_day(timezone.now())
    data["end"] = data.get("end") or today
    data["start"] = data.get("start") or data["end"] - dt.timedelta(days=29)
    if (data["end"] - today).days > MAX_RANGE_DAYS:  # also keeps the day after `end` inside the calendar
        raise forms.ValidationError(_("Pick an end date within a year from today."))
    if data["start"] > data["end"]:
        raise forms.ValidationError(_("The start date is after the end date."))
    if (data["end"] - data["start"]).days >= MAX_RANGE_DAYS:
        raise forms.ValidationError(_("Pick a range of at most %(days)s days.") % {"days": MAX_RANGE_DAYS})
    return data


class SpendFilterForm(forms.Form):
    """The staff spend filters. A `preset` in the query (billing/spend_periods.PRESETS) sets From and To; after
    cleaning, From and To hold the range in effect, so the fields never show blank for the default range."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("From"))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("To"))
    team = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Team"))
    user = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("User"))
    model = forms.ChoiceField(required=False, label=_("Model"))
    provider = forms.ChoiceField(required=False, label=_("Provider"))
    tool = forms.ChoiceField(required=False, label=_("Tool"))

    def __init__(self, data: QueryDict, *, choices: dict[str, list[Any]]) -> None:
        data = data.copy()
        preset = data.pop("preset", [""])[-1]
        chosen = preset in dict(PRESETS)
        if chosen:
            data["start"], data["end"] = (day.isoformat() for day in preset_range(preset))
        self.query = data  # the form's own copy: clean() writes the range in effect back into it
        super().__init__(data)
        fields = cast(dict[str, forms.ChoiceField], self.fields)  # every field set here is a ChoiceField
        fields["team"].choices = [("", _("All teams")), *choices["teams"]]
        fields["user"].choices = [("", _("All users")), *choices["users"]]
        fields["model"].choices = [("", _("All models"))] + [(m, m) for m in choices["models"]]
        fields["provider"].choices = [("", _("All providers"))] + [(p, p) for p in choices["providers"]]
        fields["tool"].choices = [("", _("All tools")), *choices["tools"]]
        # The preset clicked (This month and Last 7 days are the same days on the 7th), else the one that fits.
        self.preset = preset if chosen and self.is_valid() else matching_preset(*self.range_shown())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = clean_date_range(self.cleaned_data)
        self.query["start"], self.query["end"] = cleaned["start"].isoformat(), cleaned["end"].isoformat()
        return cleaned

    def range_shown(self) -> tuple[dt.date, dt.date]:
        spend = self.spend_filter()
        return spend.start, spend.end

    def spend_filter(self) -> SpendFilter:
        """The filter the form describes (the last 30 days when it is empty or invalid)."""
        if not self.is_valid():
            return SpendFilter.last_days(30)
        data = self.cleaned_data
        return SpendFilter(
            start=data["start"],
            end=data["end"],
            team_id=data["team"],
            user_id=data["user"],
            model=data["model"],
            provider=data["provider"],
            client_tool=data["tool"],
        )


class RecordListForm(SpendFilterForm):
    """The staff usage-record list: the spend filters, an order (billing/selectors.RECORD_ORDERS) and a top-N cut."""

    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=[
            ("newest", _("Newest first")),
            ("oldest", _("Oldest first")),
            ("cost", _("Priciest first")),
            ("cheapest", _("Cheapest first")),
            ("tokens", _("Most tokens first")),
            ("latency", _("Slowest first")),
        ],
    )
    top = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label=_("Show"),
        choices=[("", _("All, in pages")), (20, _("Top 20")), (100, _("Top 100"))],
    )

    def order(self) -> str:
        return str(self.cleaned_data.get("sort") or "newest") if self.is_valid() else "newest"

    def top_n(self) -> int | None:
        return self.cleaned_data.get("top") if self.is_valid() else None


REFUSED = "refused"


class TeamRequestFilterForm(forms.Form):
    """The team's request list (for its admins): dates, member, model, tool and status, refused included."""

    start = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("From"))
    end = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), label=_("To"))
    member = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label=_("Member"))
    model = forms.ChoiceField(required=False, label=_("Model"))
    tool = forms.ChoiceField(required=False, label=_("Tool"))
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[
            ("", _("All answered")),
            ("ok", _("ok")),
            ("error", _("error")),
            ("cancelled", _("cancelled")),
            ("interrupted", _("interrupted")),
            (REFUSED, _("Refused")),
        ],
    )

    def __init__(self, *args: Any, team: Team, choices: dict[str, list[Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        shown = SpendFilter.last_days(30)  # From and To show the default range rather than blanks
        self.fields["start"].initial, self.fields["end"].initial = shown.start, shown.end
        fields = cast(dict[str, forms.ChoiceField], self.fields)
        fields["member"].choices = [("", _("Everyone")), *choices["members"]]
        fields["model"].choices = [("", _("All models"))] + [(m, m) for m in choices["models"]]
        fields["tool"].choices = [("", _("All tools")), *choices["tools"]]

    def clean(self) -> dict[str, Any]:
        super().clean()
        return clean_date_range(self.cleaned_data)

    def spend_filter(self) -> SpendFilter:
        """The team's filter the form describes (its last 30 days when the form is empty or invalid)."""
        if not self.is_valid():
            return SpendFilter.last_days(30, team_id=self.team.pk)
        data = self.cleaned_data
        return SpendFilter(
            start=data["start"], end=data["end"], team_id=self.team.pk, user_id=data["member"],
            model=data["model"], client_tool=data["tool"],
        )  # fmt: skip

    def chosen_status(self) -> str:
        return str(self.cleaned_data.get("status") or "") if self.is_valid() else ""
