"""Image attachments for vision models: uploaded over HTTP and stored (ChatImage), checked for type and
size, referenced by id from a message, and turned into OpenAI image_url parts when the model is called.

Web URLs are passed through; data: URLs are still accepted from older pages, with the same checks.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat.models import ChatImage, Document, Message
from llmhub.errors import InvalidRequest, RateLimited, RequestTooLarge

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_IMAGES = 4
ALLOWED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")
UNSENT_KEPT_FOR = timedelta(days=1)  # an upload never sent with a message is dropped after this
UNSENT_SWEEP_SECONDS = 300.0  # how often each worker looks for them without waiting for an upload
MB = 1024 * 1024
_DATA_URL = re.compile(r"^data:(image/[a-z+.-]+);base64,([A-Za-z0-9+/=\s]+)$")
_STORED_URL = re.compile(r"^/c/images/([0-9]{1,18})$")
# The file's first bytes must agree with the declared type: a renamed file is refused.
_MAGIC = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
}
TOO_LARGE = gettext_lazy("That image is larger than 5 MB, even after shrinking. Attach a smaller one.")


def check_image(kind: str, raw: bytes) -> None:
    """Refuse what is not a PNG, JPEG, GIF or WebP of at most MAX_IMAGE_BYTES, by its real first bytes."""
    if kind not in ALLOWED_TYPES:
        raise InvalidRequest(
            _("%(kind)s images are not supported. Use PNG, JPEG, GIF or WebP.") % {"kind": kind}, code="bad_image_type"
        )
    if len(raw) > MAX_IMAGE_BYTES:
        raise InvalidRequest(str(TOO_LARGE), code="image_too_large")
    if not raw.startswith(_MAGIC[kind]) or (kind == "image/webp" and raw[8:12] != b"WEBP"):
        raise InvalidRequest(
            _("That file is not a real %(kind)s image.") % {"kind": kind.split("/")[1].upper()}, code="bad_image"
        )


def check_upload_quota(owner: Any, size: int, *, wording: dict[str, Any] | None = None) -> None:
    """Refuse an upload of `size` bytes past any quota, each counting sent and unsent uploads alike (images and
    documents together): per person and per team in the last hour, count and megabytes (429, `upload_quota`),
    and bytes kept in all per person and per team (413, `storage_quota`). A team's figures are its members'
    uploads; a person in several teams counts in each. One member, or a team together, cannot fill the database
    with files. `wording`: the refusals' words (images' by default; documents have their own)."""
    words = wording or IMAGE_WORDING
    since = timezone.now() - timedelta(hours=1)
    totals = {
        "n": Count("id", filter=Q(created_at__gte=since)),
        "hour": Sum("size", filter=Q(created_at__gte=since), default=0),
        "kept": Sum("size", default=0),
    }
    mine = _summed(model.objects.filter(owner=owner).aggregate(**totals) for model in (ChatImage, Document))
    _check_hour(mine, size, count=settings.CHAT_UPLOADS_PER_HOUR, mb=settings.CHAT_UPLOAD_MB_PER_HOUR, words=words)
    _check_kept(mine["kept"] + size, settings.CHAT_STORED_MB_PER_PERSON, words=words)
    by_team: dict[int, list[dict[str, Any]]] = {}
    for model in (ChatImage, Document):
        rows: Any = (  # one row per team the uploader is in, its members' totals (annotations stubs cannot type)
            model.objects.filter(owner__memberships__team__memberships__user=owner)
            .values("owner__memberships__team_id", "owner__memberships__team__name")
            .annotate(**totals)
            .order_by("owner__memberships__team_id")
        )
        for row in rows:
            by_team.setdefault(row["owner__memberships__team_id"], []).append(row)
    for rows in by_team.values():
        team = {**_summed(rows), "team": rows[0]["owner__memberships__team__name"]}
        _check_hour(
            team, size, count=settings.CHAT_TEAM_UPLOADS_PER_HOUR, mb=settings.CHAT_TEAM_UPLOAD_MB_PER_HOUR, words=words
        )
        _check_kept(team["kept"] + size, settings.CHAT_STORED_MB_PER_TEAM, words=words, team=team["team"])


def _summed(rows: Any) -> dict[str, Any]:
    summed = {"n": 0, "hour": 0, "kept": 0}
    for row in rows:
        for key in summed:
            summed[key] += row[key] or 0
    return summed


def _check_hour(recent: dict[str, Any], size: int, *, count: int, mb: int, words: dict[str, Any]) -> None:
    team = recent.get("team", "")
    if recent["n"] >= count:
        message = words["team_count" if team else "own_count"]
        raise RateLimited(str(message) % {"n": recent["n"], "team": team}, code="upload_quota")
    if recent["hour"] + size > mb * MB:
        raise RateLimited(str(words["team_mb" if team else "own_mb"]) % {"mb": mb, "team": team}, code="upload_quota")


def _check_kept(total: int, mb: int, *, words: dict[str, Any], team: str = "") -> None:
    if total > mb * MB:
        message = words["team_kept" if team else "own_kept"]
        raise RequestTooLarge(str(message) % {"mb": mb, "team": team}, code="storage_quota")


IMAGE_WORDING = {
    "own_count": gettext_lazy(
        "You attached %(n)s images in the last hour, the most allowed. Wait a while, then attach again."
    ),
    "own_mb": gettext_lazy(
        "You attached %(mb)s MB of images in the last hour, the most allowed. Wait a while, then attach again."
    ),
    "team_count": gettext_lazy(
        "Your team %(team)s has attached %(n)s images in the last hour, the most allowed for a team. "
        "Wait a while, then attach again."
    ),
    "team_mb": gettext_lazy(
        "Your team %(team)s has attached %(mb)s MB of images in the last hour, the most allowed for a team. "
        "Wait a while, then attach again."
    ),
    "own_kept": gettext_lazy(
        "The images you keep in the chat would pass %(mb)s MB, the most kept for one person. "
        "Delete conversations with images you no longer need, then attach again."
    ),
    "team_kept": gettext_lazy(
        "The images your team %(team)s keeps in the chat would pass %(mb)s MB, the most kept for a team. "
        "Delete conversations with images you no longer need, then attach again."
    ),
}


def forget_unsent_images() -> int:
    """Drop everyone's uploads never sent with a message after UNSENT_KEPT_FOR; how many went. Run at each
    upload and on every worker's sweeper timer (every UNSENT_SWEEP_SECONDS, registered in chat/apps.py)."""
    stale = timezone.now() - UNSENT_KEPT_FOR
    deleted, _by_model = ChatImage.objects.filter(message__isnull=True, created_at__lt=stale).delete()
    # Documents too, with their chunks (a holder other than a message, such as a project, must exclude its own).
    unsent = Document.objects.filter(message__isnull=True, projects__isnull=True, created_at__lt=stale)
    _total, by_model = unsent.delete()
    return deleted + by_model.get("chat.Document", 0)


def store_image(owner: Any, kind: str, raw: bytes) -> ChatImage:
    """Keep an uploaded image until it is sent (and then as long as its message), within the upload quota."""
    check_image(kind, raw)
    forget_unsent_images()  # anyone's, not only this person's; first, so expired uploads count against no quota
    check_upload_quota(owner, len(raw))
    return ChatImage.objects.create(owner=owner, content_type=kind, data=raw, size=len(raw))


def image_url(image_id: int) -> str:
    return f"/c/images/{image_id}"


def _check_data_url(url: str) -> str:
    match = _DATA_URL.match(url)
    if match is None:
        raise InvalidRequest(
            _("That attachment is not an image. Attach a PNG, JPEG, GIF or WebP file."), code="bad_image"
        )
    kind, payload = match.groups()
    if kind not in ALLOWED_TYPES:
        raise InvalidRequest(
            _("%(kind)s images are not supported. Use PNG, JPEG, GIF or WebP.") % {"kind": kind}, code="bad_image_type"
        )
    if len(payload) * 3 // 4 > MAX_IMAGE_BYTES + 3:
        raise InvalidRequest(str(TOO_LARGE), code="image_too_large")
    try:
        raw = base64.b64decode(payload, validate=False)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest(_("That image could not be read."), code="bad_image") from exc
    check_image(kind, raw)
    return url


def _check_remote_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise InvalidRequest(_("An image URL must start with https:// or http://."), code="bad_image_url")
    return url


def _stored_part(owner: Any, image_id: int) -> dict[str, Any]:
    if owner is None or not ChatImage.objects.filter(id=image_id, owner=owner, message__isnull=True).exists():
        raise InvalidRequest(_("That image is no longer available. Attach it again."), code="bad_image")
    return {"type": "chat_image", "id": image_id}


def image_parts(images: Any, owner: Any = None) -> list[dict[str, Any]]:
    """Validate the images a browser sent (uploads by /c/images/<id>, web URLs, data: URLs) into parts."""
    if not images:
        return []
    if not isinstance(images, list) or len(images) > MAX_IMAGES:
        raise InvalidRequest(
            _("Attach at most %(n)s images to one message.") % {"n": MAX_IMAGES}, code="too_many_images"
        )
    parts = []
    for url in images:
        if not isinstance(url, str):
            raise InvalidRequest(_("That attachment is not an image."), code="bad_image")
        stored = _STORED_URL.match(url)
        if stored is not None:
            parts.append(_stored_part(owner, int(stored.group(1))))
            continue
        checked = _check_data_url(url) if url.startswith("data:") else _check_remote_url(url)
        parts.append({"type": "image_url", "image_url": {"url": checked}})
    return parts


def attach_to(message: Message) -> None:
    """The uploads a message references now belong to it (deleted with it)."""
    ids = [p["id"] for p in message.parts if p.get("type") == "chat_image"]
    if ids:
        ChatImage.objects.filter(id__in=ids, message__isnull=True).update(message=message)


def shown_urls(message: Message) -> list[str]:
    """The message's images as the page shows them."""
    urls = []
    for part in message.parts:
        if part.get("type") == "chat_image":
            urls.append(image_url(part["id"]))
        elif part.get("type") == "image_url":
            urls.append(str((part.get("image_url") or {}).get("url", "")))
    return urls


def model_parts(message: Message) -> list[dict[str, Any]]:
    """The message's images as OpenAI image_url parts: stored uploads become data: URLs for the model (documents
    are text: chat/documents.py)."""
    stored = {image.id: image for image in message.images.all()} if message.parts else {}
    parts = []
    for part in message.parts:
        if part.get("type") == "chat_image":
            image = stored.get(part["id"])
            if image is not None:
                payload = base64.b64encode(bytes(image.data)).decode()
                parts.append({"type": "image_url", "image_url": {"url": f"data:{image.content_type};base64,{payload}"}})
        elif part.get("type") == "image_url":
            parts.append(part)
    return parts
