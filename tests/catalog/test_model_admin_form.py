"""The catalog model's change form: fallbacks as a comma list of catalog models and price tiers as rows
of numbers, validated with clear messages (never a 500), saved as the JSON the pricing code reads."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from billing.models import AuditEntry
from llmhub.catalog.history import row_prices
from llmhub.models import CatalogModel
from tests.admin_pages import admin_form_data

pytestmark = pytest.mark.django_db


def change(client: Any, name: str, **fields: str) -> Any:
    row = CatalogModel.objects.get(name=name)
    url = f"/admin/llmhub/catalogmodel/{row.pk}/change/"
    data = admin_form_data(client.get(url, secure=True)) | fields
    return client.post(url, data, secure=True)


def errors(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.status_code
    form = response.context["adminform"].form
    return {name: " ".join(str(e) for e in errs) for name, errs in form.errors.items()}


def test_fallbacks_are_saved_in_the_order_given(admin_client):
    response = change(admin_client, "gpt-4o", fallbacks="gpt-4.1, gpt-4o-mini")
    assert response.status_code == 302
    assert CatalogModel.objects.get(name="gpt-4o").fallbacks == ["gpt-4.1", "gpt-4o-mini"]
    assert AuditEntry.objects.filter(action="model.change").get().after["fallbacks"] == ["gpt-4.1", "gpt-4o-mini"]


def test_an_unknown_fallback_model_is_named_in_the_error(admin_client):
    assert (
        "Not in the catalog: no-such-model."
        in errors(change(admin_client, "gpt-4o", fallbacks="gpt-4.1, no-such-model"))["fallbacks"]
    )


def test_a_model_cannot_fall_back_to_itself(admin_client):
    assert "cannot fall back to itself" in errors(change(admin_client, "gpt-4o", fallbacks="gpt-4o"))["fallbacks"]


def test_price_tiers_are_saved_as_the_pricing_json(admin_client):
    response = change(admin_client, "gpt-4o", tier0_above="200000", tier0_input="5", tier0_output="15.5")
    assert response.status_code == 302
    row = CatalogModel.objects.get(name="gpt-4o")
    assert row.price_tiers["tiers"] == [["input", 200000, "5"], ["output", 200000, "15.5"]]
    assert "price_tiers" in row.admin_edited
    prices = row_prices(row)  # what the pricing function reads
    assert prices.rate("input", 200_001) == Decimal("5") and prices.rate("output", 200_001) == Decimal("15.5")


def test_the_existing_tiers_show_as_rows(admin_client):
    row = CatalogModel.objects.get(name="gpt-4o")
    row.price_tiers = {"tiers": [["input", 128000, "5"], ["output", 128000, "20"]], "request": "0.01"}
    row.save()
    response = change(admin_client, "gpt-4o")
    assert response.status_code == 302
    # Unchanged rows round-trip, and the parts the form does not edit (request price) are kept.
    assert CatalogModel.objects.get(name="gpt-4o").price_tiers == row.price_tiers


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"tier0_input": "5"}, "tier0_above", "prompt size above which"),
        ({"tier0_above": "1000"}, "tier0_input", "input or output price"),
        ({"tier0_above": "0", "tier0_input": "1"}, "tier0_above", "greater than or equal to 1"),
        ({"tier0_above": "1000", "tier0_input": "-1"}, "tier0_input", "greater than or equal to 0"),
        ({"tier0_above": "1000", "tier0_input": "abc"}, "tier0_input", "Enter a number"),
        (
            {"tier0_above": "9", "tier0_input": "1", "tier1_above": "9", "tier1_output": "2"},
            "tier1_above",
            "same threshold",
        ),
    ],
)
def test_bad_tiers_are_clear_form_errors(admin_client, fields, field, message):
    before = CatalogModel.objects.get(name="gpt-4o").price_tiers
    assert message in errors(change(admin_client, "gpt-4o", **fields))[field]
    assert CatalogModel.objects.get(name="gpt-4o").price_tiers == before
