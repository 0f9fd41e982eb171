"""`manage.py compile_translations`: the .po catalogs to .mo (pure Python, skips up-to-date files)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from llmhub.message_catalogs import compile_all


class Command(BaseCommand):
    help = "Compile every locale/*/LC_MESSAGES/*.po under the project to .mo (Babel; no GNU gettext needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Recompile even when the .mo is newer.")

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = compile_all(settings.BASE_DIR, force=options["force"])
        for po in compiled:
            self.stdout.write(f"compiled {po.relative_to(settings.BASE_DIR)}")
        if options["verbosity"] > 1 or compiled:
            self.stdout.write(f"{len(compiled)} catalog(s) compiled.")
