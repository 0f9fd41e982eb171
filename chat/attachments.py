"""Image attachments for vision models: checked for type and size, turned into OpenAI image_url parts."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import urlsplit

from llmhub.errors import InvalidRequest

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 4
ALLOWED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
_DATA_URL = re.compile(r"^data:(image/[a-z+.-]+);base64,([A-Za-z0-9+/=\s]+)$")
# The file's first bytes must agree with the declared type: a renamed file is refused.
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}


def _check_data_url(url: str) -> str:
    match = _DATA_URL.match(url)
    if match is None:
        raise InvalidRequest("That attachment is not an image. Attach a PNG, JPEG, GIF or WebP file.", code="bad_image")
    kind, payload = match.groups()
    if kind not in ALLOWED_TYPES:
        raise InvalidRequest(f"{kind} images are not supported. Use PNG, JPEG, GIF or WebP.", code="bad_image_type")
    if len(payload) * 3 // 4 > MAX_IMAGE_BYTES + 3:
        raise InvalidRequest("That image is larger than 5 MB. Attach a smaller one.", code="image_too_large")
    try:
        raw = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("That image could not be read.", code="bad_image") from exc
    if len(raw) > MAX_IMAGE_BYTES:
        raise InvalidRequest("That image is larger than 5 MB. Attach a smaller one.", code="image_too_large")
    if not raw.startswith(_MAGIC[kind]) or (kind == "image/webp" and raw[8:12] != b"WEBP"):
        raise InvalidRequest(f"That file is not a real {kind.split('/')[1].upper()} image.", code="bad_image")
    return url


def _check_remote_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise InvalidRequest("An image URL must start with https:// or http://.", code="bad_image_url")
    return url


def image_parts(images: Any) -> list[dict[str, Any]]:
    """Validate the images a browser sent (data: URLs or web URLs) into OpenAI image_url parts."""
    if not images:
        return []
    if not isinstance(images, list) or len(images) > MAX_IMAGES:
        raise InvalidRequest(f"Attach at most {MAX_IMAGES} images to one message.", code="too_many_images")
    parts = []
    for url in images:
        if not isinstance(url, str):
            raise InvalidRequest("That attachment is not an image.", code="bad_image")
        checked = _check_data_url(url) if url.startswith("data:") else _check_remote_url(url)
        parts.append({"type": "image_url", "image_url": {"url": checked}})
    return parts
