"""Provider failures in plain words: the fallback note under an answer and a failed answer's error, in both languages."""

from __future__ import annotations

from django.utils import translation

from chat.provider_failures import explain_upstream, fallback_note, fallback_record
from llmhub.errors import UpstreamError, UpstreamTimeout

FAILED_THEN_SERVED = [
    {"model": "gemini-2.5-pro", "provider": "demo", "status": "error", "code": "upstream_model_not_found", "ms": 5},
    {"model": "claude-sonnet-4-5", "provider": "demo", "status": "ok", "code": "", "ms": 80},
]


def test_fallback_record_names_the_model_asked_the_one_served_and_the_last_failure():
    record = fallback_record(FAILED_THEN_SERVED, "gemini-2.5-pro", "claude-sonnet-4-5")
    assert record == {"asked": "gemini-2.5-pro", "served": "claude-sonnet-4-5", "code": "upstream_model_not_found"}


def test_no_fallback_record_when_the_model_asked_served():
    assert fallback_record(FAILED_THEN_SERVED[1:], "claude-sonnet-4-5", "claude-sonnet-4-5") is None


def test_fallback_note_in_english():
    record = fallback_record(FAILED_THEN_SERVED, "gemini-2.5-pro", "claude-sonnet-4-5")
    with translation.override("en"):
        assert fallback_note(record) == (
            "Answered by claude-sonnet-4-5 because gemini-2.5-pro was unavailable "
            "(its provider does not offer it right now)."
        )


def test_fallback_note_in_chinese():
    record = fallback_record(FAILED_THEN_SERVED, "gemini-2.5-pro", "claude-sonnet-4-5")
    with translation.override("zh-hans"):
        assert fallback_note(record) == (
            "由 claude-sonnet-4-5 回答，因为 gemini-2.5-pro 不可用（它的服务商目前不提供这个模型）。"
        )


def test_skipped_model_is_explained_as_failing_recently():
    attempts = [{"model": "gpt-4o", "status": "skipped", "code": "circuit_open"}]
    with translation.override("en"):
        note = fallback_note(fallback_record(attempts, "gpt-4o", "gpt-4o-mini"))
    assert note.endswith("(it has been failing recently, so it was not tried).")


def test_no_note_without_a_record():
    assert fallback_note(None) == "" and fallback_note({"asked": "x"}) == ""


def test_missing_model_says_what_happened_and_what_to_do_not_the_raw_upstream_words():
    error = UpstreamError("Upstream demo returned 404.", code="upstream_model_not_found", retryable=False)
    with translation.override("en"):
        words = explain_upstream(error)
    assert words == (
        "The model's provider did not answer: its provider does not offer it right now (demo returned 404). "
        "Pick another model, or ask your admin to check this model's provider."
    )
    assert "Upstream demo" not in words
    with translation.override("zh-hans"):
        assert explain_upstream(error) == (
            "模型服务商没有响应：它的服务商目前不提供这个模型（demo 返回了 404）。请换一个模型，或请管理员检查这个模型的服务商。"
        )


def test_timeout_suggests_regenerate():
    with translation.override("en"):
        words = explain_upstream(UpstreamTimeout("Upstream aisa timed out."))
    assert words == (
        "The model's provider did not answer: its provider took too long to answer. "
        "Press Regenerate to try again in a moment, or pick another model."
    )
