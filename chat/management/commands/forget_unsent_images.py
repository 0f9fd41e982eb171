"""forget_unsent_images: drop chat uploads never sent with a message, a day after they were uploaded."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from chat.attachments import forget_unsent_images


class Command(BaseCommand):
    help = "Drop chat image uploads never sent with a message, once a day old. Safe to run at any time (cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"dropped {forget_unsent_images()} unsent image(s)")
