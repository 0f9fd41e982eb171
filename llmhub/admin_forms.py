"""The admin's provider and catalog-model forms: a provider picked from the registry's kinds (or a custom
OpenAI-compatible slug) with its defaults filled in, fallbacks as a checked list of catalog models, and
price tiers as rows of numbers instead of raw JSON."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from llmhub.models import WIRE_FORMATS, CatalogModel, Provider
from llmhub.providers.registry import kinds

CUSTOM = "custom"
SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
TIER_ROWS = 3
PRICE_FIELD = {"max_digits": 12, "decimal_places": 6, "min_value": Decimal(0), "required": False}


def kind_defaults() -> dict[str, dict[str, str]]:
    """Each kind's default base URL and wire format (read by static/js/provider_form.js)."""
    return {name: {"base_url": kind.base_url, "wire_format": kind.wire_format} for name, kind in kinds().items()}


class ProviderForm(forms.ModelForm[Provider]):
    kind = forms.ChoiceField(label=_("Provider"))
    slug = forms.CharField(
        label=_("Slug"),
        required=False,
        max_length=50,
        help_text=_("For a custom provider: lowercase letters, digits and dashes, e.g. my-gateway."),
    )
    wire_format = forms.ChoiceField(
        label=_("Wire format"),
        required=False,
        choices=[("", _("Default for the provider")), *WIRE_FORMATS],
    )
    base_url = forms.URLField(
        label=_("Base URL"),
        required=False,
        max_length=300,
        assume_scheme="https",
        help_text=_("Leave blank for the provider's default."),
    )
    api_key = forms.CharField(
        label=_("API key"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted; never shown again. Leave blank to keep the current key."),
    )

    class Meta:
        model = Provider
        fields = ["wire_format", "base_url", "enabled"]
        labels = {"enabled": _("Enabled")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(name, kind.label) for name, kind in kinds().items()]
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)
        kind_field.choices = [*choices, (CUSTOM, _("Custom (OpenAI-compatible)"))]
        self.fields["kind"].widget.attrs["data-provider-defaults"] = json.dumps(kind_defaults())
        if self.instance.pk:
            known = self.instance.name in kinds()
            self.initial["kind"] = self.instance.name if known else CUSTOM
            self.initial["slug"] = "" if known else self.instance.name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = data.get("kind")
        if kind == CUSTOM:
            name = (data.get("slug") or "").strip()
            if not name:
                self.add_error("slug", _("A custom provider needs a slug."))
            elif not SLUG.match(name):
                self.add_error("slug", _("Use lowercase letters, digits and dashes only (e.g. my-gateway)."))
            elif name in kinds():
                self.add_error("slug", _("“%(name)s” is a known provider: pick it from the list.") % {"name": name})
            if not data.get("base_url"):
                self.add_error("base_url", _("A custom provider needs its base URL."))
            data.setdefault("wire_format", "")
            data["wire_format"] = data["wire_format"] or "openai"
        elif kind in kinds():
            name = kind
            data["base_url"] = data.get("base_url") or kinds()[kind].base_url
            data["wire_format"] = data.get("wire_format") or kinds()[kind].wire_format
        else:
            return data
        taken = Provider.objects.filter(name=name).exclude(pk=self.instance.pk).exists()
        if name and taken:
            self.add_error(
                "kind" if kind != CUSTOM else "slug", _("A provider named “%(name)s” already exists.") % {"name": name}
            )
        self.instance.name = name
        return data


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


class CatalogModelForm(forms.ModelForm[CatalogModel]):
    fallbacks = forms.CharField(
        label=_("Fallbacks"),
        required=False,
        help_text=_("Catalog model names tried in order when this one fails, separated by commas."),
        widget=forms.TextInput(attrs={"size": 60}),
    )

    class Meta:
        model = CatalogModel
        exclude = ["price_tiers", "admin_edited"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.initial["fallbacks"] = ", ".join(self.instance.fallbacks or ())
        tiers = (self.instance.price_tiers or {}).get("tiers") or ()
        by_threshold: dict[int, dict[str, str]] = {}
        for field, above, price in tiers:
            by_threshold.setdefault(int(above), {})[str(field)] = str(price)
        for row, (above, prices) in enumerate(sorted(by_threshold.items())[:TIER_ROWS]):
            self.initial[f"tier{row}_above"] = above
            self.initial[f"tier{row}_input"] = prices.get("input", "")
            self.initial[f"tier{row}_output"] = prices.get("output", "")

    def clean_fallbacks(self) -> list[str]:
        names = _names(self.cleaned_data.get("fallbacks") or "")
        known = set(CatalogModel.objects.filter(name__in=names).values_list("name", flat=True))
        unknown = [n for n in names if n not in known]
        if unknown:
            raise forms.ValidationError(
                _("Not in the catalog: %(names)s.") % {"names": ", ".join(unknown)}, code="unknown_model"
            )
        if self.instance.name and self.instance.name in names:
            raise forms.ValidationError(_("A model cannot fall back to itself."), code="self_fallback")
        if len(set(names)) != len(names):
            raise forms.ValidationError(_("Each fallback may appear once."), code="duplicate")
        return names

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        tiers: list[list[Any]] = []
        seen: set[int] = set()
        for row in range(TIER_ROWS):
            above = data.get(f"tier{row}_above")
            prices = {f: data.get(f"tier{row}_{f}") for f in ("input", "output")}
            if above is None:
                if any(p is not None for p in prices.values()):
                    self.add_error(f"tier{row}_above", _("Give the prompt size above which this tier applies."))
                continue
            if all(p is None for p in prices.values()):
                self.add_error(f"tier{row}_input", _("Give the tier's input or output price."))
                continue
            if above in seen:
                self.add_error(f"tier{row}_above", _("Two tiers have the same threshold."))
                continue
            seen.add(above)
            tiers += [[f, above, str(p)] for f, p in prices.items() if p is not None]
        kept = {k: v for k, v in (self.instance.price_tiers or {}).items() if k != "tiers"}
        self.instance.price_tiers = {**kept, "tiers": tiers} if tiers else kept
        return data


def _tier_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for row in range(TIER_ROWS):
        fields[f"tier{row}_above"] = forms.IntegerField(
            label=_("Tier %(n)s: above prompt tokens") % {"n": row + 1}, required=False, min_value=1
        )
        fields[f"tier{row}_input"] = forms.DecimalField(label=_("input USD / 1M"), **PRICE_FIELD)  # type: ignore[arg-type]
        fields[f"tier{row}_output"] = forms.DecimalField(label=_("output USD / 1M"), **PRICE_FIELD)  # type: ignore[arg-type]
    return fields


# Declared after the class so the admin (which builds a subclass from declared fields) shows every row.
CatalogModelForm.declared_fields.update(_tier_fields())
CatalogModelForm.base_fields.update(CatalogModelForm.declared_fields)
