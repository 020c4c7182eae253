"""manage.py create_api_token --email E: an API token for the login with that e-mail, printed once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from api.tokens import current_token, issue_token


class Command(BaseCommand):
    help = (
        "Create an API token (Authorization: Token <key>) for the login with this e-mail and print its key."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="The login's e-mail (any case).")
        parser.add_argument(
            "--regenerate",
            action="store_true",
            help="Replace the login's existing token (the old key stops working).",
        )

    def handle(self, *args, email, regenerate, **options):
        email = email.strip()
        users = get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
        if not users:
            raise CommandError(f"No login with the e-mail {email}.")
        if len(users) > 1:
            raise CommandError(f"Several logins match {email}; fix them in the admin first.")
        user = users[0]
        if not user.is_active:
            raise CommandError(f"The login {email} is inactive.")
        if current_token(user) is not None and not regenerate:
            raise CommandError(f"{email} already has an API token. Pass --regenerate to replace it.")
        token = issue_token(user)
        self.stderr.write(f"API token for {user.get_username()} (shown once; keep it secret):")
        self.stdout.write(token.key)
