"""Provider failures in plain words: why an answer came from another model, and what a failed answer means."""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from llmhub.errors import HubError

# What an upstream error code (or a deployment the health gate skipped) means to a person.
REASONS = {
    "upstream_model_not_found": gettext_lazy("its provider does not offer it right now"),
    "upstream_auth_failed": gettext_lazy("its provider refused the hub's credentials"),
    "upstream_timeout": gettext_lazy("its provider took too long to answer"),
    "upstream_unavailable": gettext_lazy("its provider could not be reached or was overloaded"),
    "deployments_unavailable": gettext_lazy("it has been failing recently"),
    "rate_limit_exceeded": gettext_lazy("its provider is receiving too many requests"),
    "circuit_open": gettext_lazy("it has been failing recently, so it was not tried"),
    "cooling_down": gettext_lazy("its provider asked the hub to wait"),
    "probe_in_flight": gettext_lazy("the hub is checking whether it works again"),
}
DEFAULT_REASON = gettext_lazy("its provider returned an error")
# Failures Regenerate will not fix: the model is missing or the hub's key is refused.
LASTING = {"upstream_model_not_found", "upstream_auth_failed"}
_WHERE = re.compile(r"^Upstream (?P<provider>[\w.\-]+) returned (?P<status>\d{3})\.")


def reason_for(code: str) -> str:
    return str(REASONS.get(code, DEFAULT_REASON))


def fallback_record(attempts: list[dict[str, Any]], asked: str, served: str) -> dict[str, Any] | None:
    """What the answer's message keeps when a model other than the first one of the chain served it."""
    if not asked or not served or asked == served:
        return None
    failed = [a for a in attempts if a.get("model") == asked and a.get("status") in ("error", "skipped")]
    code = str(failed[-1].get("code") or "") if failed else ""
    return {"asked": asked, "served": served, "code": code}


def fallback_note(record: Any) -> str:
    """“Answered by X because Y was unavailable (reason).”, in the reader's language; blank without a record."""
    if not isinstance(record, dict) or not record.get("asked") or not record.get("served"):
        return ""
    return _("Answered by %(served)s because %(asked)s was unavailable (%(reason)s).") % {
        "served": record["served"],
        "asked": record["asked"],
        "reason": reason_for(str(record.get("code") or "")),
    }


def explain_upstream(exc: HubError) -> str:
    """A provider failure that ended the answer: what happened, in plain words, and what to do."""
    where = _WHERE.match(exc.message)
    detail = (
        _("%(provider)s returned %(status)s") % {"provider": where["provider"], "status": where["status"]}
        if where
        else ""
    )
    if exc.code in LASTING:
        todo = _("Pick another model, or ask your admin to check this model's provider.")
    else:
        todo = _("Press Regenerate to try again in a moment, or pick another model.")
    words = {"reason": reason_for(exc.code), "detail": detail, "todo": todo}
    if detail:
        return _("The model's provider did not answer: %(reason)s (%(detail)s). %(todo)s") % words
    return _("The model's provider did not answer: %(reason)s. %(todo)s") % words
