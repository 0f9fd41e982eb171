from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BillingConfig(AppConfig):
    name = "billing"
    verbose_name = _("Billing")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_delete

        from billing import keys
        from billing.models import Membership

        post_delete.connect(keys.membership_deleted, sender=Membership, dispatch_uid="billing.membership_deleted")

        from django.core import checks

        from billing.sso import check_settings

        checks.register(check_settings)
