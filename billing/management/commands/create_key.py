"""create_key USERNAME --team SLUG [--name NAME] [--email EMAIL]: prints the new key alone on the last line of
stdout. A user it creates has no password: with --email they set one through "Forgot your password?" on the
sign-in page (or staff send them a password link from the People page)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.audit_log import record, snapshot
from billing.keys import issue_key
from billing.models import Membership, Team


class Command(BaseCommand):
    help = "Create a hub key for a user (creating the user and membership if missing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--team", required=True)
        parser.add_argument("--name", default="")
        parser.add_argument("--email", default="", help="the owner's email, where a password link can be sent")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            team = Team.objects.get(slug=options["team"])
        except Team.DoesNotExist as exc:
            raise CommandError(f"No team {options['team']!r}; create it with create_team.") from exc
        user, created = get_user_model().objects.get_or_create(username=options["username"])
        if created:
            user.set_unusable_password()
        if options["email"] and not user.email:
            user.email = options["email"]
        if created or options["email"]:
            user.save()
        membership, joined = Membership.objects.get_or_create(user=user, team=team)
        if joined:
            record(None, "membership.create", membership, after=snapshot(membership))
        key, plaintext = issue_key(user=user, team=team, name=options["name"])
        self.stderr.write(f"key {key.prefix}… for {user.username} on team {team.slug} (shown once):")
        self.stdout.write(plaintext)
