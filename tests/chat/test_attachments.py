"""Image attachments are checked on the server too: type, real content, size, URL scheme, count."""

from __future__ import annotations

import base64

import pytest

from chat.attachments import MAX_IMAGE_BYTES, image_parts
from llmhub.errors import InvalidRequest

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def data_url(kind: str, raw: bytes) -> str:
    return f"data:{kind};base64,{base64.b64encode(raw).decode()}"


def test_png_data_url_and_https_url_become_image_parts():
    parts = image_parts([data_url("image/png", PNG), "https://example.org/cat.jpg"])
    assert parts == [
        {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}},
        {"type": "image_url", "image_url": {"url": "https://example.org/cat.jpg"}},
    ]


@pytest.mark.parametrize(
    ("images", "code"),
    [
        ([data_url("image/svg+xml", b"<svg onload=alert(1)>")], "bad_image_type"),
        ([data_url("text/html", b"<script>")], "bad_image"),
        ([data_url("image/jpeg", PNG)], "bad_image"),  # a PNG that says it is a JPEG
        ([data_url("image/png", PNG + b"\0" * MAX_IMAGE_BYTES)], "image_too_large"),
        (["javascript:alert(1)"], "bad_image_url"),
        (["file:///etc/passwd"], "bad_image_url"),
        ([data_url("image/png", PNG)] * 5, "too_many_images"),
        ([42], "bad_image"),
    ],
)
def test_bad_attachments_are_refused_with_a_clear_message(images, code):
    with pytest.raises(InvalidRequest) as caught:
        image_parts(images)
    assert caught.value.code == code
    assert caught.value.message.endswith(".")
