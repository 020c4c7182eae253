"""Create the demo organization, whose people and projects match the sandbox's demo data (docs/hubstaff.md).

Safe to run again.
"""

from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from people.invitations import invitation_state, invite
from people.models import Organization, Person
from people.roles import Role
from projects.models import Assignment, Project

DEMO_PASSWORD = "primetric-demo"
# The demo's Administrator is also this machine's operator (is_staff): the development mailbox, /dev/mail/, shows
# her every e-mail (Paula's invitation, sign-up and reset links); anyone else sees only their own.
DEMO_OPERATOR = "alice@acme.test"

# (full name, e-mail, roles, can sign in). The e-mails match the Hubstaff sandbox's demo scenario;
# Dana Ghost tracks time in Hubstaff but is not here, so a sync reports her as a missing teammate.
DEMO_PEOPLE = [
    ("Alice Admin", "alice@acme.test", [Role.ADMINISTRATOR, Role.MANAGER], True),
    ("Morgan Manager", "morgan@acme.test", [Role.MANAGER], True),
    ("Bobby Brown", "bobby@acme.test", [Role.EMPLOYEE], True),
    ("Sam Smith", "sam@acme.test", [Role.EMPLOYEE], True),
    ("Erin Employee", "erin@acme.test", [Role.EMPLOYEE, Role.MANAGER], True),
    # Invited but not signed in yet: her invitation waits in the local mailbox (/dev/mail/).
    ("Paula Pending", "paula@acme.test", [Role.EMPLOYEE], False),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo organization, its people with known passwords, and its projects."

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true", help="Do not print the logins.")

    @transaction.atomic
    def handle(self, *args, quiet=False, **options):
        demo, _ = Organization.objects.get_or_create(slug="demo", defaults={"name": "Demo Company"})
        side, _ = Organization.objects.get_or_create(
            slug="side-project", defaults={"name": "Side Project Ltd"}
        )
        people = {
            email: _demo_person(demo, full_name, email, roles, can_sign_in)
            for full_name, email, roles, can_sign_in in DEMO_PEOPLE
        }
        get_user_model().objects.filter(username=DEMO_OPERATOR).update(is_staff=True)
        _side_project(side, people["alice@acme.test"])
        _demo_projects(demo, bobby=people["bobby@acme.test"])
        paula = people["paula@acme.test"]
        # Her link starts with SITE_URL: sent again when the site moved (`PORT=8200 make run` after a run on
        # 8000), so that the mailbox's newest invitation opens this site; otherwise sent once.
        if invitation_state(paula) in ("none", "expired") or _sent_for_site() != settings.SITE_URL:
            invite(paula, invited_by=people["alice@acme.test"])
            _sent_for_site(settings.SITE_URL)
        if not quiet:
            self.stdout.write(self.style.SUCCESS("Demo organization ready: /demo/"))
            for _full_name, email, roles, can_sign_in in DEMO_PEOPLE:
                if can_sign_in:
                    labels = ", ".join(Role(r).label for r in roles)
                    self.stdout.write(f"  {email:<20} password {DEMO_PASSWORD}   ({labels})")
            self.stdout.write(
                "  paula@acme.test      invited: her invitation is in the local mailbox, /dev/mail/"
                f" (signed in as {DEMO_OPERATOR})"
            )


def _sent_for_site(site_url: str | None = None) -> str | None:
    """The site address the demo's pending invitation was e-mailed for (var/, beside the mailbox), or None if
    unknown; given `site_url`, record it."""
    marker = Path(settings.VAR_DIR) / "demo-invitation-site-url"
    if site_url is not None:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(site_url)
        return site_url
    try:
        return marker.read_text().strip() or None
    except FileNotFoundError:
        return None


def _demo_person(demo, full_name, email, roles, can_sign_in):
    """A person of the demo organization, with a login (password DEMO_PASSWORD when new) if they sign in."""
    user = None
    if can_sign_in:
        user, created = get_user_model().objects.get_or_create(
            username=email, defaults={"email": email, "first_name": full_name}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
    person = Person.objects.filter(organization=demo, email__iexact=email).first() or Person(
        organization=demo, email=email
    )
    person.full_name = full_name
    if can_sign_in:  # a login got by accepting the invitation stays
        person.user = user
    person.set_roles(roles)
    person.save()
    return person


def _side_project(side, alice):
    """One login in two organizations: Alice also manages a side project."""
    Person.objects.get_or_create(
        organization=side,
        email=alice.email,
        defaults={
            "full_name": alice.full_name,
            "user": alice.user,
            "is_administrator": True,
            "is_manager": True,
        },
    )
    Project.objects.get_or_create(
        organization=side, name="Website relaunch", defaults={"start_date": date(2026, 3, 1)}
    )


def _demo_projects(demo, *, bobby):
    """Project A, as in the sandbox's demo data: 1 Jan to 22 Sep, Bobby assigned, Sam not (Sam's time shows as a
    missing teammate until he is added); Project B; a past project."""
    project_a, _ = Project.objects.get_or_create(
        organization=demo,
        name="Project A",
        defaults={"start_date": date(2026, 1, 1), "end_date": date(2026, 9, 22)},
    )
    Assignment.objects.get_or_create(
        organization=demo,
        project=project_a,
        person=bobby,
        origin=Assignment.Origin.MANUAL,
        defaults={"start_date": date(2026, 1, 1), "end_date": date(2026, 9, 22), "hours_per_day": 8},
    )
    Project.objects.get_or_create(
        organization=demo, name="Project B", defaults={"start_date": date(2026, 1, 1)}
    )
    Project.objects.get_or_create(
        organization=demo,
        name="Internal tools",
        defaults={"start_date": date(2025, 6, 1), "end_date": date(2025, 12, 31)},
    )
