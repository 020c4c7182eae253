"""Display spoofing: names are isolated with <bdi> wherever they are shown, so a U+202E in a name cannot reverse
the rest of its line; control characters and bidi overrides are removed where text comes in (forms, API) and where
it is shown, so no NUL reaches the HTML."""

import re
from types import SimpleNamespace

from django.template.loader import render_to_string
from django.utils import timezone

from api.tests.conftest import url
from conftest import signed_in, token_client
from integrations.models import Installation, SyncRun
from people.models import Person
from people.roles import Role
from projects.models import Project
from tests.factories import PersonFactory, WorkLogFactory

RLO = "\u202e"
SPOOF = f"Mallory {RLO}moc.etadpu-ytiruces"


def bidi_isolated(page, text):
    """Every occurrence of `text` in the page's text (not in a <title>, an attribute or an <option>, where no
    element can go) sits alone in a <bdi> element."""
    visible = re.sub(
        r"<title>.*?</title>|<option[^>]*>.*?</option>|<[^>]*>",
        lambda m: m[0] if m[0] in {"<bdi>", "</bdi>"} else "|",
        page,
        flags=re.S,
    )
    occurrences = [m.start() for m in re.finditer(re.escape(text), visible)]
    return bool(occurrences) and all(visible[:at].endswith("<bdi>") for at in occurrences)


def test_a_missing_teammate_named_with_an_override_is_isolated_and_cleaned(make_member, org, project):
    Installation.objects.create(organization=org, status="installed", access_token="a", refresh_token="r")
    SyncRun.objects.create(
        organization=org,
        project=project,
        mode="reset",
        status="succeeded",
        finished_at=timezone.now(),
        missing_teammates=[{"hubstaff_user_id": 4, "name": SPOOF, "email": "m@evil.test", "seconds": 7200}],
    )
    administrator_and_manager = signed_in(make_member(org, Role.ADMINISTRATOR, Role.MANAGER))
    page = administrator_and_manager.get(f"/acme/projects/{project.pk}/").content.decode()
    assert "Missing teammates" in page
    assert "<strong><bdi>Mallory moc.etadpu-ytiruces</bdi></strong> &lt;<bdi>m@evil.test</bdi>&gt;" in page
    assert RLO not in page


def test_no_nul_byte_reaches_the_html_of_the_sync_status():
    """PostgreSQL refuses NUL in text and JSON, so this renders the panel from plain objects: what a sync on
    SQLite (make run) could have stored."""
    run = SimpleNamespace(
        status="succeeded",
        finished_at=None,
        queued_at=None,
        error="",
        missing_teammates=[{"name": "Nul\x00Name\x07", "email": "n\x00@x.test", "seconds": 60}],
        skipped_people=[{"name": f"Skip\x00{RLO}ped", "email": "s@x.test", "seconds": 60}],
    )
    html = render_to_string(
        "integrations/project_sync_status.html",
        {
            "org": SimpleNamespace(slug="acme"),
            "project": SimpleNamespace(pk=1),
            "last_sync": run,
            # as the panel's view hands them over (matched again with the people of today)
            "missing_teammates": run.missing_teammates,
            "can_add_people": False,
        },
    )
    assert "\x00" not in html and "\x07" not in html and RLO not in html
    assert "<bdi>NulName</bdi>" in html and "<bdi>Skipped</bdi>" in html


def test_people_and_projects_stored_with_overrides_are_isolated_on_their_pages(
    admin_client, manager_client, org, project
):
    person = PersonFactory(organization=org, full_name=SPOOF, email="mallory@acme.test")
    Project.objects.filter(pk=project.pk).update(name=f"Proj {RLO}evil")
    WorkLogFactory(project=project, person=person, note=f"note {RLO}reversed")
    people_page = admin_client.get("/acme/people/").content.decode()
    assert bidi_isolated(people_page, "Mallory moc.etadpu-ytiruces") and RLO not in people_page
    project_page = manager_client.get(f"/acme/projects/{project.pk}/").content.decode()
    assert bidi_isolated(project_page, "Proj evil")
    assert bidi_isolated(project_page, "Mallory moc.etadpu-ytiruces")
    assert bidi_isolated(project_page, "note reversed")
    assert RLO not in project_page
    list_page = manager_client.get("/acme/projects/").content.decode()
    assert bidi_isolated(list_page, "Proj evil") and RLO not in list_page


def test_the_organization_name_is_isolated_in_the_header(admin_client, org):
    type(org).objects.filter(pk=org.pk).update(name=f"Acme {RLO}Corp")
    page = admin_client.get("/acme/").content.decode()
    assert '<span class="org-name" title="Organization"><bdi>Acme Corp</bdi></span>' in page
    assert "<title>" in page and RLO not in page


def test_the_person_form_cleans_the_name(admin_client):
    response = admin_client.post(
        "/acme/people/new/",
        {
            "full_name": f"  Eve{RLO} \u2066Doe\u2069\x07 ",
            "email": "eve.doe@acme.test",
            "roles": ["employee"],
        },
    )
    assert response.status_code == 302
    assert Person.objects.get(email="eve.doe@acme.test").full_name == "Eve Doe"


def test_a_name_made_only_of_controls_is_refused_as_empty(admin_client):
    response = admin_client.post("/acme/people/new/", {"full_name": f"{RLO}\x07", "email": "x@acme.test"})
    assert response.status_code == 200 and not Person.objects.filter(email="x@acme.test").exists()


def test_the_api_cleans_project_names_and_notes(manager, org, project):
    api = token_client(manager)
    refused = api.post(
        url("projects/"), {"name": "New\x00project", "start_date": "2026-01-01"}, format="json"
    )
    assert refused.status_code == 400 and refused.json()["name"] == ["Null characters are not allowed."]
    response = api.post(
        url("projects/"), {"name": f"New {RLO}project", "start_date": "2026-01-01"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["name"] == "New project"
    response = api.post(
        url(f"projects/{project.pk}/worklogs/"),
        {"person": manager.pk, "date": "2026-02-02", "hours": "1", "note": f"line one\r\nline\ttwo{RLO}\x07"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["note"] == "line one\nline\ttwo"
