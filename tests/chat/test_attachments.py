"""Image attachments are uploaded over HTTP and checked on the server too: type, real content, size, URL
scheme, count; only their owner sees them."""

from __future__ import annotations

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from chat.attachments import MAX_IMAGE_BYTES, image_parts
from chat.models import ChatImage
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


def big_png(width: int, height: int) -> bytes:
    """A real PNG photo-sized and heavy: every other row is noise, so it barely compresses."""
    import os
    import struct
    import zlib

    plain = (bytes(range(256)) * (width * 3 // 256 + 1))[: width * 3]
    rows = b"".join(b"\0" + (os.urandom(width * 3) if y % 2 else plain) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b"")


def jpeg_size(raw: bytes) -> tuple[int, int]:
    """(width, height) from a JPEG's frame header."""
    import re

    at = re.search(rb"\xff[\xc0\xc2]", raw).start()
    return int.from_bytes(raw[at + 7 : at + 9], "big"), int.from_bytes(raw[at + 5 : at + 7], "big")


def signed_in(person) -> Client:
    client = Client()
    client.force_login(person.user)
    return client


def upload(client: Client, raw: bytes, kind: str = "image/png", name: str = "pixel.png"):
    return client.post("/c/images", {"image": SimpleUploadedFile(name, raw, content_type=kind)}, secure=True)


def test_an_upload_is_stored_and_only_its_owner_can_see_it(alice, charlie):
    owner = signed_in(alice)
    created = upload(owner, PNG)
    assert created.status_code == 201
    url = created.json()["url"]
    shown = owner.get(url, secure=True)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png" and shown.content == PNG
    assert signed_in(charlie).get(url, secure=True).status_code == 404
    assert Client().get(url, secure=True).status_code == 302  # to the sign-in page
    assert Client().post("/c/images", {}, secure=True).status_code == 302
    assert ChatImage.objects.get().owner == alice.user


@pytest.mark.parametrize(
    ("raw", "kind", "status", "says"),
    [
        (PNG + b"\0" * MAX_IMAGE_BYTES, "image/png", 413, "larger than 5 MB"),
        (b"<svg onload=alert(1)>", "image/svg+xml", 400, "not supported"),
        (PNG, "image/jpeg", 400, "not a real JPEG"),
    ],
)
def test_an_upload_that_is_too_large_or_not_an_image_is_refused_clearly(alice, raw, kind, status, says):
    refused = upload(signed_in(alice), raw, kind)
    assert refused.status_code == status and says in refused.json()["error"]["message"]
    assert not ChatImage.objects.exists()
