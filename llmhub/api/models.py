"""Responses kept for `previous_response_id` and `GET /v1/responses/{id}`, per key owner."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class StoredResponse(models.Model):
    """A Response the client asked to store (`store`, on by default), with the conversation it closes."""

    id = models.CharField(primary_key=True, max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    team_id = models.BigIntegerField()
    body = models.TextField(help_text="the Response object as returned, as JSON (amounts exact)")
    input_items = models.JSONField(help_text="this request's input items, as sent")
    conversation = models.JSONField(help_text="canonical messages up to and including the answer")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return self.id
