"""Helpers for driving Django admin change pages in tests."""

from __future__ import annotations

from typing import Any

from django.forms import MultiWidget


def admin_form_data(response: Any) -> dict[str, Any]:
    """What the admin change page would post back unchanged: its form and every inline formset."""
    data: dict[str, Any] = {}

    def add(form: Any) -> None:
        for bound in form:
            value = bound.value()
            if value is None or bound.field.disabled:
                continue
            if isinstance(bound.field.widget, MultiWidget):
                for index, part in enumerate(bound.field.widget.decompress(value) or []):
                    data[f"{bound.html_name}_{index}"] = "" if part is None else str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = value if isinstance(value, str) else str(value)  # value() is prepared

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data
