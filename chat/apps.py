from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = _("Chat")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Uploads never sent expire on every worker's timer, not only when someone uploads again.
        from chat.attachments import UNSENT_SWEEP_SECONDS, forget_unsent_images
        from llmhub.gateway import add_chore

        add_chore("forget_unsent_images", forget_unsent_images, every_seconds=UNSENT_SWEEP_SECONDS)
