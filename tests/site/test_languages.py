"""Page language: English by default, Chinese for a zh browser, a switch that overrides both; chat messages too."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import translation

from chat.generation import explain
from llmhub.errors import HubError
from llmhub.scope_language import language_of_scope

ZH_CN = "zh-CN,zh;q=0.9,en;q=0.8"


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def html_lang(page) -> str:
    return re.search(r'<html lang="([^"]+)"', page.content.decode()).group(1)


@pytest.mark.django_db
def test_no_accept_language_gets_english():
    page = Client().get("/accounts/login/", secure=True)
    assert html_lang(page) == "en"
    assert "<h1>Sign in</h1>" in page.content.decode()


@pytest.mark.django_db
def test_english_browser_gets_english():
    page = Client().get("/accounts/login/", secure=True, HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert html_lang(page) == "en"
    assert "<h1>Sign in</h1>" in page.content.decode()


@pytest.mark.django_db
def test_zh_cn_browser_gets_simplified_chinese():
    page = Client().get("/accounts/login/", secure=True, HTTP_ACCEPT_LANGUAGE=ZH_CN)
    assert html_lang(page) == "zh-hans"
    assert "<h1>登录</h1>" in page.content.decode()
    assert page["Content-Language"] == "zh-hans"


@pytest.mark.django_db
def test_browser_language_we_lack_falls_back_to_english():
    page = Client().get("/accounts/login/", secure=True, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert html_lang(page) == "en"


def test_chat_composer_labels_in_chinese(upstream, alice):
    text = signed_in(alice).get("/", secure=True, HTTP_ACCEPT_LANGUAGE=ZH_CN).content.decode()
    assert '<label for="message" class="visually-hidden">消息</label>' in text
    assert '<label for="model" class="inline-label" id="model-label">模型</label>' in text
    assert '<button type="submit" id="send">发送</button>' in text


def test_switch_overrides_the_browser_and_is_remembered(upstream, alice):
    client = signed_in(alice)
    switched = client.post(
        "/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True, HTTP_ACCEPT_LANGUAGE="en-US"
    )
    assert switched.status_code == 302 and switched["Location"] == "/"
    assert switched.cookies["django_language"].value == "zh-hans"
    assert switched.cookies["django_language"]["max-age"] >= 30 * 24 * 3600
    page = client.get("/", secure=True, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()
    assert ">发送</button>" in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True, HTTP_ACCEPT_LANGUAGE=ZH_CN)
    assert ">Send</button>" in client.get("/", secure=True, HTTP_ACCEPT_LANGUAGE=ZH_CN).content.decode()


def test_switch_refuses_a_language_we_lack(upstream, alice):
    client = signed_in(alice)
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"}, secure=True)
    page = client.get("/", secure=True, HTTP_ACCEPT_LANGUAGE="fr-FR")  # set_language keeps "fr"; pages ignore it
    assert html_lang(page) == "en" and ">Send</button>" in page.content.decode()


def test_one_persons_switch_leaves_another_in_english(upstream, alice, charlie):
    signed_in(alice).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True)
    assert ">Send</button>" in signed_in(charlie).get("/", secure=True).content.decode()


def test_every_page_has_the_language_switch(upstream, alice):
    page = signed_in(alice).get("/compare/", secure=True).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert '<option value="zh-hans" lang="zh-hans">简体中文</option>' in page


@pytest.mark.django_db
def test_javascript_catalog_serves_the_chat_strings():
    zh = Client().get("/jsi18n/", secure=True, HTTP_ACCEPT_LANGUAGE=ZH_CN).content.decode()
    assert "\\u590d\\u5236\\u4ee3\\u7801" in zh or "复制代码" in zh  # "Copy code"
    en = Client().get("/jsi18n/", secure=True).content.decode()
    assert "gettext" in en and "复制代码" not in en and "\\u590d\\u5236" not in en


def test_chat_errors_follow_the_active_language():
    error = HubError("slow down", status=429)
    assert explain(error).startswith("Too many requests right now")
    with translation.override("zh-hans"):
        assert explain(error).startswith("当前请求过多")


def test_refusals_and_notices_follow_the_active_language():
    from decimal import Decimal

    from billing.refusal_wording import insufficient_credits_message, lowered_cap_notice

    def refusal() -> str:
        return insufficient_credits_message(hold=Decimal("0.26"), available=Decimal("0.10"), output_cap=4096)

    assert refusal().startswith("Insufficient credits")
    assert lowered_cap_notice(asked=4096, granted=900).startswith("The output cap was lowered")
    with translation.override("zh-hans"):
        assert explain(HubError(refusal(), status=402)).startswith("额度不足")
        assert "4,096" in refusal()
        assert lowered_cap_notice(asked=4096, granted=900).startswith("为使请求不超出团队额度")


def test_websocket_language_from_cookie_then_accept_language():
    assert language_of_scope({"headers": [(b"accept-language", b"zh-CN,zh;q=0.9")]}) == "zh-hans"
    assert language_of_scope({"headers": [(b"accept-language", b"en-US")]}) == "en"
    switched = [(b"accept-language", b"en-US"), (b"cookie", b"sessionid=x; django_language=zh-hans")]
    assert language_of_scope({"headers": switched}) == "zh-hans"
    assert language_of_scope({"headers": []}) == "en"


@pytest.mark.parametrize(
    ("language", "date", "moment"),
    [("en", "1 Dec 2026", "1 Dec 2026 09:05"), ("zh-hans", "2026年12月1日", "2026年12月1日 09:05")],
)
def test_named_date_formats_follow_the_language(language, date, moment):
    import datetime

    from django.utils.formats import date_format

    with translation.override(language):
        assert date_format(datetime.date(2026, 12, 1), "DATE_FORMAT") == date
        assert date_format(datetime.datetime(2026, 12, 1, 9, 5), "DATETIME_FORMAT") == moment


def sign_in(client: Client, person, accept_language: str = "en-US"):
    return client.post(
        "/accounts/login/",
        {"username": person.user.username, "password": person.password},
        secure=True,
        HTTP_ACCEPT_LANGUAGE=accept_language,
    )


def test_switch_saves_the_choice_with_the_account(upstream, alice):
    from llmhub.models import PersonSettings

    signed_in(alice).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True)
    assert PersonSettings.objects.get(user=alice.user).language == "zh-hans"


def test_switch_when_signed_out_saves_nothing(db):
    from llmhub.models import PersonSettings

    switched = Client().post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True)
    assert switched.cookies["django_language"].value == "zh-hans"
    assert not PersonSettings.objects.exists()


def test_sign_in_on_another_browser_brings_the_saved_language(upstream, alice):
    signed_in(alice).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True)
    elsewhere = Client()  # no language cookie, an English browser
    assert sign_in(elsewhere, alice).status_code == 302
    first = elsewhere.get("/", secure=True, HTTP_ACCEPT_LANGUAGE="en-US")
    assert ">发送</button>" in first.content.decode()
    assert first.cookies["django_language"].value == "zh-hans"  # this browser remembers it from now on
    assert ">发送</button>" in elsewhere.get("/", secure=True, HTTP_ACCEPT_LANGUAGE="en-US").content.decode()


def test_a_saved_language_is_only_its_owners(upstream, alice, charlie):
    signed_in(alice).post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, secure=True)
    other = Client()
    sign_in(other, charlie)
    page = other.get("/", secure=True, HTTP_ACCEPT_LANGUAGE="en-US")
    assert ">Send</button>" in page.content.decode() and "django_language" not in page.cookies
