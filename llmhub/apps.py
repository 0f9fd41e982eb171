from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class LlmhubConfig(AppConfig):
    name = "llmhub"
    verbose_name = _("Gateway")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from llmhub import (
            catalog,  # noqa: F401  (connects cache invalidation signals)
            language_choice,  # noqa: F401  (restores a saved language at sign-in)
        )

        post_migrate.connect(sync_catalog_on_first_migrate, sender=self)


def sync_catalog_on_first_migrate(verbosity: int = 1, **_kwargs: Any) -> None:
    """A database `migrate` creates starts on today's catalog (genai-prices, shipped in the package), not on
    the 25 seed models: the first migrate syncs, later releases come with `make deploy` / `sync_catalog`.
    CATALOG_SYNC_ON_MIGRATE=false turns it off (the tests' databases start from the seed)."""
    from django.conf import settings

    from llmhub.catalog.sync import sync_from_genai_prices
    from llmhub.models import CatalogSync

    if not settings.CATALOG_SYNC_ON_MIGRATE or CatalogSync.objects.filter(source="genai-prices").exists():
        return
    plan = sync_from_genai_prices()
    if verbosity >= 1:
        print(f"  Catalog synced from genai-prices: {plan.summary()}")
