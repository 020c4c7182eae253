"""Install Hubstaff for an organization without a browser, with a Hubstaff personal access token."""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integrations.hubstaff.errors import HubstaffError
from integrations.services.installation import connect_with_personal_access_token
from people.models import Organization

TOKEN_ENV = "HUBSTAFF_PERSONAL_ACCESS_TOKEN"


class Command(BaseCommand):
    help = (
        "Install Hubstaff for an organization with a personal access token (a long-lived refresh token from "
        "Hubstaff's developer site). Prefer the HUBSTAFF_PERSONAL_ACCESS_TOKEN environment variable to keep the "
        "token out of your shell history. The token is never printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, metavar="SLUG", help="the organization's slug")
        parser.add_argument(
            "--personal-access-token",
            metavar="TOKEN",
            default=None,
            help=f"the personal access token (default: ${TOKEN_ENV})",
        )

    def handle(self, *args: Any, org: str, personal_access_token: str | None = None, **options: Any) -> None:
        token = (personal_access_token or os.environ.get(TOKEN_ENV) or "").strip()
        if not token:
            raise CommandError(f"Give --personal-access-token or set {TOKEN_ENV}.")
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization with the slug {org!r}.")
        try:
            installation = connect_with_personal_access_token(organization, token)
        except HubstaffError as exc:
            raise CommandError(f"Hubstaff was not installed for {organization.name}: {exc}") from None
        account = installation.account or {}
        names = ", ".join(o.get("name", "") for o in installation.hubstaff_organizations) or "none"
        self.stdout.write(self.style.SUCCESS(f"Hubstaff is properly installed for {organization.name}."))
        self.stdout.write(f"Hubstaff account: {account.get('name', '')} <{account.get('email', '')}>")
        self.stdout.write(f"Hubstaff organizations: {names}")
        self.stdout.write(f"Hubstaff projects cached: {installation.hubstaff_projects.count()}")
