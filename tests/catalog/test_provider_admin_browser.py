"""Adding an Anthropic provider in the admin on a 1280x800 laptop: picking the kind fills its defaults
(static/js/provider_form.js), the page never scrolls sideways, and the provider is saved."""

from __future__ import annotations

from typing import Any

import pytest

from llmhub.models import Provider
from tests.conftest import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_horizontal_overflow(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_adding_an_anthropic_provider_fits_a_laptop(page_for, acme, settings):
    from django.contrib.auth import get_user_model

    from tests.provider_env import clear_provider_env

    clear_provider_env(settings)
    staff = get_user_model().objects.create_superuser("root", "root@example.com", "correct-horse-battery")
    page = page_for(Person(user=staff, key=""), width=1280, height=800)
    page.goto("/admin/llmhub/provider/add/")
    assert page.locator(".field-slug").is_hidden()  # only a custom provider asks for a slug
    page.locator("#id_kind").select_option("anthropic")
    assert page.locator("#id_base_url").input_value() == "https://api.anthropic.com/v1"
    assert page.locator("#id_wire_format").input_value() == "anthropic"
    page.locator("#id_kind").select_option("custom")
    assert page.locator(".field-slug").is_visible()
    page.locator("#id_kind").select_option("anthropic")
    page.locator("#id_api_key").fill("sk-ant-browser")
    assert no_horizontal_overflow(page)
    box = page.locator("#provider_form").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 1280
    page.locator("input[name=_save]").click()
    page.wait_for_url(lambda url: url.rstrip("/").endswith("/admin/llmhub/provider"))
    row = Provider.objects.get(name="anthropic")
    assert (row.base_url, row.wire_format, row.api_key()) == (
        "https://api.anthropic.com/v1",
        "anthropic",
        "sk-ant-browser",
    )
    assert "sk-ant-browser" not in page.content()


def test_the_catalog_model_form_fits_a_laptop(page_for, acme):
    from django.contrib.auth import get_user_model

    from llmhub.models import CatalogModel

    staff = get_user_model().objects.create_superuser("root", "root@example.com", "correct-horse-battery")
    page = page_for(Person(user=staff, key=""), width=1280, height=800)
    page.goto(f"/admin/llmhub/catalogmodel/{CatalogModel.objects.get(name='gpt-4o').pk}/change/")
    assert page.locator("#id_fallbacks").is_visible() and page.locator("#id_tier0_above").is_visible()
    wide = page.evaluate(
        "[...document.querySelectorAll('*')].filter(e => e.getBoundingClientRect().right > 1280)"
        ".map(e => e.tagName + '#' + e.id + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).slice(0, 15)"
    )
    assert no_horizontal_overflow(page), wide
    # The deployments table fits its box too (not just hidden behind an inner scrollbar).
    assert page.evaluate(
        "[...document.querySelectorAll('.inline-group .tabular fieldset.module')]"
        ".every(box => box.scrollWidth <= box.clientWidth)"
    )
