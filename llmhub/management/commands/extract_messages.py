"""`manage.py extract_messages`: refresh the .po catalogs from the source (a developer step; needs GNU gettext).

makemessages sorts files into catalogs by folder, but the chat's templates and scripts live in the shared
templates/ and static/ folders: each catalog is built from a scratch folder linking just its sources.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.core.management.commands import makemessages

# (catalog folder, domain, sources): billing's catalog is kept by billing (billing/locale).
CATALOGS = [
    (
        "locale",
        "django",
        [
            "templates/base.html",
            "templates/403.html",
            "templates/404.html",
            "templates/registration",
            "templates/billing/_nav.html",  # part of every page's nav
            "llmhub",
        ],
    ),
    ("chat/locale", "django", ["chat", "templates/chat"]),
    (
        "chat/locale",
        "djangojs",
        [
            "static/js/chat.js",
            "static/js/chat_dom.js",
            "static/js/chat_attach.js",
            "static/js/chat_feedback.js",
            "static/js/chat_models.js",
            "static/js/chat_socket.js",
            "static/js/compare.js",
        ],
    ),
]


class _MakeMessages(makemessages.Command):
    # The page scripts translate through t() (static/js/i18n.js), not gettext() directly.
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=t"]


class Command(BaseCommand):
    help = "Update locale/, chat/locale/ (django and djangojs) from the templates, Python and JavaScript."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-l", "--locale", action="append", default=None, help="Default: zh_Hans.")

    def handle(self, *args: Any, **options: Any) -> None:
        base = Path(settings.BASE_DIR)
        locales = options["locale"] or ["zh_Hans"]
        here = os.getcwd()
        saved_paths = settings.LOCALE_PATHS
        settings.LOCALE_PATHS = []  # else every file would land in the project catalog
        try:
            for folder, domain, sources in CATALOGS:
                with tempfile.TemporaryDirectory() as scratch:
                    for source in sources:
                        link = Path(scratch) / source
                        link.parent.mkdir(parents=True, exist_ok=True)
                        link.symlink_to(base / source)
                    (base / folder).mkdir(parents=True, exist_ok=True)
                    (Path(scratch) / "locale").symlink_to(base / folder)
                    os.chdir(scratch)
                    call_command(
                        _MakeMessages(),
                        locale=locales,
                        domain=domain,
                        symlinks=True,
                        ignore_patterns=["migrations", "management", "locale"],
                        no_obsolete=True,
                        verbosity=options["verbosity"],
                    )
        finally:
            os.chdir(here)
            settings.LOCALE_PATHS = saved_paths
