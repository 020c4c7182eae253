"""Identities that survive: a Hubstaff user matched to a person keeps that match when an e-mail changes on either
side or Hubstaff stops showing it, against the sandbox over real HTTP, on PostgreSQL.

Dana tracks 17 h on Project A in the sandbox's demo as dana@elsewhere.test; here she is a person with that e-mail.
"""

import copy
import importlib
from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from hubstaff_sandbox.testing import SandboxClient
from integrations.models import HubstaffUserLink, SyncRun
from people.models import Organization, Person
from projects.models import Project
from tests.factories import PersonFactory, ProjectFactory, WorkLogFactory
from worklogs.models import WorkLog

from . import test_sync_sandbox as sandbox_sync
from .test_sync_sandbox import DEMO, link, sync_now

# The sandbox sync tests' fixtures: the sandbox, its settings, the installation, Bobby and Sam, Project A.
hs = sandbox_sync.hs
sandbox_settings = sandbox_sync.sandbox_settings
installed = sandbox_sync.installed
people = sandbox_sync.people
project_a = sandbox_sync.project_a

DANA_EMAIL = "dana@elsewhere.test"
SEVENTEEN_HOURS = 17 * 3600


def hubstaff_with_email(sandbox: SandboxClient, old: str, new: str | None) -> None:
    """The demo data with the Hubstaff user of e-mail `old` showing `new` instead (None: no visible e-mail); the
    user keeps their Hubstaff id."""
    scenario: dict[str, Any] = copy.deepcopy(DEMO)
    (user,) = [u for u in scenario["users"] if u["email"] == old]
    user["email"] = new
    ref = new or user["name"]  # a user without a visible e-mail is named by their name
    for row in scenario["memberships"] + scenario["daily_activities"]:
        if row["user"] == old:
            row["user"] = ref
    before = sandbox.ids()["users"][old]
    sandbox.load(scenario)
    assert sandbox.ids()["users"][ref] == before


def synced_seconds(person: Person) -> int:
    return sum(
        WorkLog.objects.filter(person=person, source="hubstaff").values_list("duration_seconds", flat=True)
    )


@pytest.fixture
def dana(org: Organization) -> Person:
    return PersonFactory.create(organization=org, full_name="Dana Green", email=DANA_EMAIL)


@pytest.fixture
def synced(installed: None, project_a: Project, hs: SandboxClient, dana: Person) -> SyncRun:
    """Project A linked and synced once: Dana's 17 h are hers, matched by e-mail."""
    link(project_a, hs, "Project A")
    run = sync_now(project_a)
    assert synced_seconds(dana) == SEVENTEEN_HOURS
    return run


def test_the_first_sync_keeps_its_email_matches(synced: SyncRun, dana: Person, hs: SandboxClient) -> None:
    kept = HubstaffUserLink.objects.get(hubstaff_user_id=hs.ids()["users"][DANA_EMAIL])
    assert (kept.person, kept.made_by, kept.hubstaff_user_name, kept.hubstaff_user_email) == (
        dana,
        "email",
        "Dana Ghost",
        DANA_EMAIL,
    )
    assert synced.kept_matches == []


def test_danas_email_changed_in_primetric_keeps_her_17_hours(
    synced: SyncRun, project_a: Project, dana: Person
) -> None:
    dana.email = "dana.green@acme.test"
    dana.save()
    run = sync_now(project_a)  # a reset: every day re-read
    assert synced_seconds(dana) == SEVENTEEN_HOURS
    assert (run.worklogs_deleted, run.missing_teammates) == (0, [])
    assert [(k["name"], k["person_name"], k["seconds"], k["reason"]) for k in run.kept_matches] == [
        ("Dana Ghost", "Dana Green", SEVENTEEN_HOURS, "no person has this e-mail now")
    ]
    # The daily sync keeps them too.
    assert sync_now(project_a, mode="incremental").worklogs_deleted == 0
    assert synced_seconds(dana) == SEVENTEEN_HOURS


def test_danas_email_changed_in_hubstaff_keeps_her_17_hours(
    synced: SyncRun, project_a: Project, dana: Person, hs: SandboxClient
) -> None:
    hubstaff_with_email(hs, DANA_EMAIL, "dana.ghost@newmail.test")
    run = sync_now(project_a)
    assert synced_seconds(dana) == SEVENTEEN_HOURS
    assert (run.worklogs_deleted, run.missing_teammates) == (0, [])
    assert [(k["email"], k["person_name"], k["reason"]) for k in run.kept_matches] == [
        ("dana.ghost@newmail.test", "Dana Green", "no person has this e-mail now")
    ]


def test_a_user_whose_email_hubstaff_no_longer_shows_keeps_their_logs_and_the_run_says_so(
    synced: SyncRun, project_a: Project, people: dict[str, Person], hs: SandboxClient, manager_client: Client
) -> None:
    bobby = people["bobby"]
    before = synced_seconds(bobby)
    assert before > 0
    hubstaff_with_email(hs, "bobby@acme.test", None)
    run = sync_now(project_a)  # every day re-read, Bobby listed without an e-mail
    assert synced_seconds(bobby) == before
    assert (run.worklogs_deleted, run.missing_teammates) == (0, [])
    (kept,) = run.kept_matches
    assert (kept["name"], kept["email"], kept["person_name"], kept["seconds"], kept["reason"]) == (
        "Bobby Brown",
        "",
        "Bobby Brown",
        before,
        "no visible e-mail in Hubstaff",
    )
    page = manager_client.get(f"/acme/projects/{project_a.pk}/").content.decode()
    assert "Matches kept" in page and "no visible e-mail in Hubstaff" in page
    assert "Missing teammates" not in page


def test_without_a_kept_match_the_earlier_logs_keep_a_user_without_a_visible_email(
    synced: SyncRun, project_a: Project, people: dict[str, Person], hs: SandboxClient
) -> None:
    # A match removed on the person's page: the synced logs still say who the Hubstaff user was.
    bobby = people["bobby"]
    before = synced_seconds(bobby)
    HubstaffUserLink.objects.filter(person=bobby).delete()
    hubstaff_with_email(hs, "bobby@acme.test", None)
    run = sync_now(project_a)
    assert synced_seconds(bobby) == before
    assert (run.worklogs_deleted, run.missing_teammates) == (0, [])
    assert [k["reason"] for k in run.kept_matches] == ["no visible e-mail in Hubstaff"]
    # Not kept as a match: nothing matched by e-mail.
    assert not HubstaffUserLink.objects.filter(person=bobby).exists()


def test_an_email_now_of_another_person_leaves_the_time_with_the_kept_match(
    synced: SyncRun, project_a: Project, dana: Person, org: Organization
) -> None:
    dana.email = "dana.green@acme.test"
    dana.save()
    newcomer = PersonFactory.create(organization=org, full_name="Dana Newcomer", email=DANA_EMAIL)
    run = sync_now(project_a)
    assert (synced_seconds(dana), synced_seconds(newcomer)) == (SEVENTEEN_HOURS, 0)
    assert [(k["person_name"], k["reason"]) for k in run.kept_matches] == [
        ("Dana Green", "this e-mail is now Dana Newcomer's")
    ]


def test_removing_the_match_gives_the_time_to_the_person_the_email_names(
    synced: SyncRun, project_a: Project, dana: Person, org: Organization
) -> None:
    dana.email = "dana.green@acme.test"
    dana.save()
    newcomer = PersonFactory.create(organization=org, full_name="Dana Newcomer", email=DANA_EMAIL)
    HubstaffUserLink.objects.filter(person=dana).delete()
    run = sync_now(project_a)
    assert (synced_seconds(dana), synced_seconds(newcomer)) == (0, SEVENTEEN_HOURS)
    assert run.kept_matches == []
    assert HubstaffUserLink.objects.get(person=newcomer).made_by == "email"


def test_a_deleted_person_takes_their_matches_along(
    synced: SyncRun, project_a: Project, dana: Person
) -> None:
    dana.delete()
    assert not HubstaffUserLink.objects.filter(hubstaff_user_name="Dana Ghost").exists()
    run = sync_now(project_a)
    assert [t["name"] for t in run.missing_teammates] == ["Dana Ghost"]


def test_a_preview_keeps_no_match(
    installed: None, project_a: Project, hs: SandboxClient, dana: Person
) -> None:
    link(project_a, hs, "Project A")
    sync_now(project_a, mode="preview")
    assert not HubstaffUserLink.objects.exists()


def test_already_synced_logs_become_kept_matches_by_the_migration(org: Organization, dana: Person) -> None:
    project = ProjectFactory.create(organization=org, start_date=date(2026, 1, 1))
    other = PersonFactory.create(organization=org)
    WorkLogFactory.create(
        project=project,
        person=other,
        date=date(2026, 2, 1),
        source="hubstaff",
        source_key="hubstaff:5:42:2026-02-01",
    )
    WorkLogFactory.create(
        project=project,
        person=dana,
        date=date(2026, 3, 1),
        source="hubstaff",
        source_key="hubstaff:5:42:2026-03-01",
    )
    HubstaffUserLink.objects.create(organization=org, hubstaff_user_id=7, person=other)
    WorkLogFactory.create(
        project=project,
        person=dana,
        date=date(2026, 3, 2),
        source="hubstaff",
        source_key="hubstaff:5:7:2026-03-02",
    )
    migration = importlib.import_module("integrations.migrations.0013_kept_identities")
    with connection.cursor() as cursor:
        cursor.execute(migration.KEEP_SYNCED_MATCHES)
    # The latest log's person, as a match made by e-mail; a match made by hand stays as it is.
    assert sorted(HubstaffUserLink.objects.values_list("hubstaff_user_id", "person", "made_by")) == [
        (7, other.pk, "hand"),
        (42, dana.pk, "email"),
    ]


# ----------------------------------------------------------------------------- the person's page


def test_the_persons_page_lists_the_match_and_how_it_was_made(
    synced: SyncRun, dana: Person, admin_client: Client
) -> None:
    page = admin_client.get(f"/acme/people/{dana.pk}/edit/").content.decode()
    assert "<bdi>Dana Ghost</bdi> &lt;<bdi>dana@elsewhere.test</bdi>&gt; · matched by e-mail" in page
    assert "What Remove does:" in page and "those work logs are deleted" in page


def test_removing_the_match_on_the_persons_page_does_what_it_says(
    synced: SyncRun, project_a: Project, dana: Person, all_roles_client: Client
) -> None:
    kept = HubstaffUserLink.objects.get(person=dana)
    dana.email = "dana.green@acme.test"
    dana.save()
    page = all_roles_client.get(f"/acme/people/{dana.pk}/edit/").content.decode()
    assert f'action="/acme/integrations/hubstaff/user-links/{kept.pk}/remove/"' in page
    response = all_roles_client.post(f"/acme/integrations/hubstaff/user-links/{kept.pk}/remove/", follow=True)
    assert "is no longer matched to Dana Green. The next sync matches them by e-mail again." in (
        response.content.decode()
    )
    assert synced_seconds(dana) == SEVENTEEN_HOURS  # no work log changes now
    # Her Hubstaff e-mail is nobody's now: the next sync deletes those work logs and names her missing.
    run = sync_now(project_a)
    assert synced_seconds(dana) == 0
    assert [t["name"] for t in run.missing_teammates] == ["Dana Ghost"]


def test_removing_a_match_is_post_only_with_csrf(synced: SyncRun, dana: Person, manager: Person) -> None:
    kept = HubstaffUserLink.objects.get(person=dana)
    url = f"/acme/integrations/hubstaff/user-links/{kept.pk}/remove/"
    strict = Client(enforce_csrf_checks=True)
    assert manager.user is not None
    strict.force_login(manager.user)
    assert strict.get(url).status_code == 405
    assert strict.post(url).status_code == 403
    assert HubstaffUserLink.objects.filter(pk=kept.pk).exists()


def test_another_organizations_match_and_person_page_are_404(
    dana: Person, admin_client: Client, manager_client: Client, other_org: Organization
) -> None:
    stranger = PersonFactory.create(organization=other_org, email=DANA_EMAIL)
    theirs = HubstaffUserLink.objects.create(
        organization=other_org, hubstaff_user_id=42, person=stranger, made_by="email"
    )
    url = f"/acme/integrations/hubstaff/user-links/{theirs.pk}/remove/"
    assert manager_client.post(url).status_code == 404
    assert admin_client.get(f"/acme/people/{stranger.pk}/edit/").status_code == 404
    assert HubstaffUserLink.objects.filter(pk=theirs.pk).exists()


def test_an_employee_cannot_remove_a_match(synced: SyncRun, dana: Person, employee_client: Client) -> None:
    kept = HubstaffUserLink.objects.get(person=dana)
    assert (
        employee_client.post(f"/acme/integrations/hubstaff/user-links/{kept.pk}/remove/").status_code == 403
    )
    assert HubstaffUserLink.objects.filter(pk=kept.pk).exists()


def test_a_match_kept_without_a_name_takes_the_name_hubstaff_lists(
    synced: SyncRun, project_a: Project, dana: Person
) -> None:
    # As the migration keeps them, from work logs alone.
    HubstaffUserLink.objects.filter(person=dana).update(hubstaff_user_name="")
    sync_now(project_a, mode="incremental")
    assert HubstaffUserLink.objects.get(person=dana).hubstaff_user_name == "Dana Ghost"
