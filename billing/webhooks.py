"""Team alert webhooks: which URLs the hub will POST to (public http(s) addresses only, against SSRF),
how a URL is shown to people who may not see it, and the one function that POSTs an alert."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_URL_LENGTH = 500  # Team.alert_webhook_url
_well_formed = URLValidator(schemes=["http", "https"], message=gettext_lazy("Enter a full http:// or https:// URL."))


def validate_webhook_url(url: str) -> None:
    """Raise ValidationError unless `url` is an http(s) URL whose host resolves only to public addresses.

    Loopback, private, link-local (cloud metadata) and other non-global addresses are refused unless
    ALERT_WEBHOOK_ALLOW_PRIVATE (default: DEBUG), so nobody can make the hub call into its own network.
    """
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError(_("Keep the URL under %(n)s characters.") % {"n": MAX_URL_LENGTH})
    _well_formed(url)
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise ValidationError(_("Leave credentials out of the URL; put a secret token in its path instead."))
    if settings.ALERT_WEBHOOK_ALLOW_PRIVATE:
        return
    host = parts.hostname or ""
    try:
        found = socket.getaddrinfo(host, parts.port or 443, type=socket.SOCK_STREAM)
    except (OSError, ValueError):
        raise ValidationError(_("The host %(host)s could not be found.") % {"host": host}) from None
    for *_family_type_proto_name, sockaddr in found:
        address = ipaddress.ip_address(sockaddr[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                _("%(host)s is a loopback or private address (%(address)s): alerts go only to public addresses.")
                % {"host": host, "address": address}
            )


def post_webhook(url: str, payload: dict[str, Any]) -> httpx.Response:
    """POST one alert as JSON. Raises ValidationError for a refused URL, httpx.HTTPError when undeliverable."""
    validate_webhook_url(url)  # again at send time: the URL may predate the rules, or its host may have moved
    return httpx.post(url, json=payload, timeout=settings.ALERT_WEBHOOK_TIMEOUT, follow_redirects=False)


def masked_webhook_url(url: str) -> str:
    """Scheme and host only: the path and query usually carry the receiver's secret token."""
    if not url:
        return ""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}/…"
