"""The /v1 edge as a Django app, for the one table it owns: stored Responses."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "llmhub.api"
    label = "api"
    verbose_name = "API"
    default_auto_field = "django.db.models.BigAutoField"
