"""With no provider key, the hub answers from its clearly labelled simulated upstream over real HTTP."""

from __future__ import annotations

import pytest
from openai import OpenAI

from billing.models import UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_hub(settings, live_hub, transactional_db, alice):
    from llmhub import catalog
    from llmhub.catalog.seed import seed_catalog

    seed_catalog()
    settings.AISA_API_KEY = ""
    settings.PROVIDER_KEYS = {name: "" for name in settings.PROVIDER_KEYS}
    settings.DEMO_UPSTREAM_URL = live_hub.url + "/demo-upstream/v1"
    catalog.invalidate()
    yield OpenAI(api_key=alice.key, base_url=live_hub.url + "/v1", max_retries=0)
    catalog.invalidate()


def test_demo_completion_is_labelled_and_metered(demo_hub):
    response = demo_hub.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "Hello"}])
    assert "Demo mode" in response.choices[0].message.content
    assert response.usage.model_dump()["cost"] > 0
    assert UsageRecord.objects.get().provider == "demo"


def test_demo_stream_and_model_list(demo_hub):
    chunks = list(
        demo_hub.chat.completions.create(
            model="claude-3-opus", messages=[{"role": "user", "content": "Hi"}], stream=True
        )
    )
    assert "Demo mode" in "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    listing = demo_hub.models.list()
    assert listing.model_dump()["demo"] is True
