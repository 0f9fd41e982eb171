from django.apps import AppConfig


class LlmhubConfig(AppConfig):
    name = "llmhub"
    verbose_name = "Gateway"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from llmhub import (
            catalog,  # noqa: F401  (connects cache invalidation signals)
            language_choice,  # noqa: F401  (restores a saved language at sign-in)
        )
