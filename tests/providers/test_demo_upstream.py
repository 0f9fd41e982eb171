"""With no provider key, the hub answers from its clearly labelled simulated upstream over real HTTP."""

from __future__ import annotations

import base64
import json
import os
import struct
import subprocess
from pathlib import Path

import pytest
from openai import OpenAI
from pydantic import BaseModel

from billing.models import UsageRecord
from tests.provider_env import clear_provider_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CLIENTS_PYTHON = ROOT / ".venv-clients" / "bin" / "python"
INSTRUCTOR_SCRIPT = Path(__file__).with_name("instructor_tools_mode.py")


@pytest.fixture
def demo_hub(settings, live_hub, transactional_db, alice):
    from llmhub import catalog
    from llmhub.catalog.seed import seed_catalog

    seed_catalog()
    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
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


def test_a_first_real_provider_leaves_the_models_it_does_not_deploy_on_the_demo(demo_hub, settings, upstream):
    """Adding one provider (here OpenAI, with AIsa still unset) must not break the models it does not serve."""
    from llmhub import catalog
    from tests.fake_upstream import Reply
    from tests.provider_env import configure_provider

    settings.AISA_API_KEY = ""  # the `upstream` fixture points AIsa at the fake: the default upstream stays unset
    configure_provider(settings, "openai", key="fake-openai-key", base_url=upstream.url + "/v1")
    catalog.invalidate()
    upstream.script("gpt-4o", Reply(text="Real answer."))
    real = demo_hub.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    assert real.choices[0].message.content == "Real answer."
    still_demo = demo_hub.chat.completions.create(model="claude-3-opus", messages=[{"role": "user", "content": "Hi"}])
    assert "Demo mode" in still_demo.choices[0].message.content
    listing = {entry["id"]: entry for entry in demo_hub.models.list().model_dump()["data"]}
    assert listing["gpt-4o"]["demo"] is False
    assert listing["claude-3-opus"]["demo"] is True
    assert [r.provider for r in UsageRecord.objects.order_by("id")] == ["openai", "demo"]


WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}, "unit": {"type": "string", "enum": ["c", "f"]}},
            "required": ["city", "unit"],
        },
    },
}


def test_demo_text_differs_by_model(demo_hub):
    def say(model: str) -> str:
        answer = demo_hub.chat.completions.create(model=model, messages=[{"role": "user", "content": "Hi"}])
        return str(answer.choices[0].message.content)

    assert len({say("gpt-4.1"), say("claude-3-opus"), say("gemini-2.0-flash")}) == 3


def test_demo_answers_never_name_their_model(demo_hub):
    """A blind comparison must not be given away by the text (the API's `model` field still says it)."""
    for model in ("gpt-4o-mini", "claude-3-opus", "gemini-2.0-flash"):
        for fmt in (None, {"type": "json_object"}):
            extra = {"response_format": fmt} if fmt else {}
            answer = demo_hub.chat.completions.create(
                model=model, messages=[{"role": "user", "content": "Hi"}], **extra
            )
            assert "Demo mode" in answer.choices[0].message.content
            assert model not in answer.choices[0].message.content and answer.model == model


def test_demo_honours_max_tokens_n_and_stop(demo_hub):
    answer = demo_hub.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], max_tokens=5, n=2
    )
    assert len(answer.choices) == 2
    assert all(c.finish_reason == "length" and len(c.message.content.split(" ")) == 5 for c in answer.choices)
    stopped = demo_hub.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Hi"}], stop=["You said"]
    )
    assert "You said" not in stopped.choices[0].message.content


def test_demo_gives_a_long_answer_when_asked_for_one(demo_hub):
    short = demo_hub.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "Hi"}])
    long = demo_hub.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "Write a long, detailed essay"}]
    )
    assert long.usage.completion_tokens > 5 * short.usage.completion_tokens


def test_demo_calls_a_tool_from_its_schema_then_answers_the_result(demo_hub):
    messages = [{"role": "user", "content": "Weather in Paris?"}]
    first = demo_hub.chat.completions.create(model="gpt-4.1", messages=messages, tools=[WEATHER])
    call = first.choices[0].message.tool_calls[0]
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Paris", "unit": "c"}
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "18 degrees"},
    ]
    second = demo_hub.chat.completions.create(model="gpt-4.1", messages=messages, tools=[WEATHER])
    assert "18 degrees" in second.choices[0].message.content


def test_demo_streams_a_tool_call(demo_hub):
    chunks = list(
        demo_hub.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "Weather in Oslo?"}], tools=[WEATHER], stream=True
        )
    )
    arguments = "".join(
        d.function.arguments or "" for c in chunks if c.choices for d in (c.choices[0].delta.tool_calls or [])
    )
    assert json.loads(arguments)["city"] == "Oslo"


class Person(BaseModel):
    name: str
    age: int
    tags: list[str]


def test_chat_completions_parse_gets_schema_shaped_json(demo_hub):
    parsed = demo_hub.chat.completions.parse(
        model="gpt-4o", messages=[{"role": "user", "content": "Alice is 30"}], response_format=Person
    )
    assert isinstance(parsed.choices[0].message.parsed, Person)


@pytest.fixture
def clients_python() -> Path:
    """.venv-clients' python (instructor, whose pins conflict with the dev venv: `make install` builds it)."""
    if not CLIENTS_PYTHON.exists():
        reason = f"{CLIENTS_PYTHON} is missing (`make install` creates .venv-clients from requirements-clients.txt)"
        if os.environ.get("REQUIRE_CLIENT_VENV") == "1":
            pytest.fail(reason + "; REQUIRE_CLIENT_VENV=1 makes that a failure")
        pytest.skip(reason)
    return CLIENTS_PYTHON


def test_instructor_tools_mode_gets_a_validated_object_and_is_metered(demo_hub, live_hub, alice, clients_python):
    argv = [str(clients_python), str(INSTRUCTOR_SCRIPT), live_hub.url + "/v1", alice.key, "gpt-4o-mini"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["instructor"] == "1.17.0"
    assert report["class"] == "Person"
    Person.model_validate(report["person"])
    record = UsageRecord.objects.get()
    assert (record.provider, record.model_requested) == ("demo", "gpt-4o-mini")
    assert record.prompt_tokens == report["usage"]["prompt_tokens"] > 0
    assert record.completion_tokens == report["usage"]["completion_tokens"] > 0
    assert record.cost > 0


def test_langchain_bind_tools_gets_a_tool_call(demo_hub, settings, live_hub, alice):
    from langchain_openai import ChatOpenAI

    def get_weather(city: str) -> str:
        """The weather in a city."""
        return "sunny"

    llm = ChatOpenAI(model="gpt-4.1", api_key=alice.key, base_url=live_hub.url + "/v1", max_retries=0)
    message = llm.bind_tools([get_weather]).invoke("Weather in Rome?")
    assert message.tool_calls[0]["name"] == "get_weather"
    assert message.tool_calls[0]["args"] == {"city": "Rome"}


def test_demo_embeddings(demo_hub):
    result = demo_hub.embeddings.create(model="text-embedding-3-small", input=["a", "b"])
    assert [len(row.embedding) for row in result.data] == [1536, 1536]
    assert result.data[0].embedding != result.data[1].embedding


def test_demo_counts_image_tokens_by_pixel_size(demo_hub):
    png = base64.b64encode(_png(2000, 1000) + b"\0" * 120_000).decode()
    answer = demo_hub.chat.completions.create(
        model="gpt-4o",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is this?"},
                    {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}},
                ],
            }
        ],
    )
    # 2000×1000 → 1536×768 → 3×2 tiles: 85 + 170 × 6 = 1105, not the ~41,000 its bytes would make.
    assert 1105 <= answer.usage.prompt_tokens < 1200


def _png(width: int, height: int) -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", width, height) + b"\x08\x02\0\0\0"


def test_demo_upstream_is_absent_when_a_provider_is_configured(live_hub, upstream):
    import httpx

    from llmhub import catalog

    catalog.invalidate()  # the `upstream` fixture configured a provider: not demo mode
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}]}
    response = httpx.post(live_hub.url + "/demo-upstream/v1/chat/completions", json=body, timeout=10)
    assert response.status_code == 404
    assert httpx.get(live_hub.url + "/demo-upstream/v1/models", timeout=10).status_code == 404


def test_demo_upstream_answers_in_demo_mode(demo_hub, live_hub):
    import httpx

    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "Hi"}]}
    response = httpx.post(live_hub.url + "/demo-upstream/v1/chat/completions", json=body, timeout=10)
    assert response.status_code == 200
    assert "Demo mode" in response.json()["choices"][0]["message"]["content"]
