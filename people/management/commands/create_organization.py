"""manage.py create_organization --name N --slug S --admin-email E: an organization and its first
Administrator, with a one-time link (printed, not e-mailed) to choose a password or accept."""

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from people.emails import stored_email
from people.invitations import create_invitation
from people.mail import absolute_url
from people.models import Organization, Person
from people.text import clean_text


class Command(BaseCommand):
    help = "Create an organization and its first Administrator; print the Administrator's one-time link."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--name", required=True, help="The organization's name.")
        parser.add_argument("--slug", required=True, help="Its address: /<slug>/.")
        parser.add_argument("--admin-email", required=True, help="The first Administrator's e-mail.")
        parser.add_argument("--admin-name", default="", help="Their full name (default: the e-mail).")

    def handle(
        self, *args: Any, name: str, slug: str, admin_email: str, admin_name: str, **options: Any
    ) -> None:
        email = stored_email(admin_email)
        organization = Organization(name=clean_text(name), slug=slug.strip().lower())
        person = Person(organization=organization, full_name=clean_text(admin_name) or email, email=email)
        try:
            organization.full_clean()
            person.full_clean(exclude=["organization"])
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            ) from None
        with transaction.atomic():
            organization.save()
            person.organization = organization
            person.is_administrator = True
            person.save()
            invitation, path = create_invitation(person)
        self.stdout.write(self.style.SUCCESS(f"Created {organization.name} at /{organization.slug}/."))
        self.stdout.write(
            f"Give this one-time link to {email} (it works once, until {invitation.expires_at:%Y-%m-%d %H:%M} "
            "UTC): choose a password, or accept with the login they already have."
        )
        self.stdout.write(absolute_url(path))
