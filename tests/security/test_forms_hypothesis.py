"""Hostile input to every form, through the real views: a clear error, never a 500, nothing saved half-way.

Hypothesis mixes valid values, near-valid ones (dates at the edges of the calendar, numbers at the edges of a field's
range) and junk (any Unicode, control characters, NUL bytes, very long strings). After each submission either the
view saved and redirected and every row of the model still passes its own validation, or it answered with the form
and its error messages and the database is exactly as before.
"""

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from integrations.models import HubstaffProject, Installation, ProjectLink
from people.models import Person
from people.roles import Role
from projects.models import Assignment, Project
from tests.factories import AssignmentFactory, PersonFactory, ProjectFactory
from worklogs.models import WorkLog

EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

junk = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.sampled_from(
        ["", " ", "\x00", "a\x00b", "<script>alert(1)</script>", "' OR 1=1 --", "%00", "\u202e", "😀" * 300]
    ),
)
dates = st.one_of(
    st.dates().map(date.isoformat),
    st.sampled_from(
        [
            "0001-01-01",
            "9999-12-31",
            "10000-01-01",
            "2026-02-30",
            "2026-13-01",
            "31/12/2026",
            "-1",
            "2026-1-1",
        ]
    ),
    junk,
)
numbers = st.one_of(
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(
        ["0", "0.001", "0.01", "24", "24.001", "1e309", "-0", "NaN", "Infinity", "1" * 60, "8,5"]
    ),
    junk,
)
booleans = st.sampled_from(["on", "", "true", "false", "0", "1", "\x00"])
roles = st.lists(st.one_of(st.sampled_from(Role.values), junk), max_size=4)


def database():
    """Every row the forms could touch, as values (what "nothing saved half-way" is compared with)."""
    return {
        model.__name__: sorted(map(repr, model.objects.values_list()))
        for model in (Person, Project, Assignment, WorkLog, Installation, ProjectLink)
    }


def assert_valid_rows(*models):
    for model in models:
        for row in model.objects.all():
            try:
                row.full_clean()
            except ValidationError as exc:  # pragma: no cover - the assertion message is the point
                raise AssertionError(f"{model.__name__} {row.pk} was saved invalid: {exc}") from None


def submit(client, url, data, *models):
    before = database()
    response = client.post(url, data)
    assert response.status_code < 500
    if response.status_code == 302:
        assert_valid_rows(*models)
        return "saved"
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 200:
        html = response.content.decode()
        assert 'class="error"' in html or "form-errors" in html, (
            "the form came back without saying what is wrong"
        )
    assert database() == before, "a refused form changed the database"
    return "refused"


@pytest.fixture
def a_project(org):
    project = ProjectFactory(
        organization=org, name="Fuzzed", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31)
    )
    project.assigned = PersonFactory(organization=org, email="assigned@acme.test")
    AssignmentFactory(project=project, person=project.assigned)
    return project


@EXAMPLES
@given(full_name=junk, email=st.one_of(st.emails(), junk), roles=roles)
def test_person_form(all_roles_client, org, full_name, email, roles):
    submit(
        all_roles_client,
        f"/{org.slug}/people/new/",
        {"full_name": full_name, "email": email, "roles": roles},
        Person,
    )


@EXAMPLES
@given(full_name=junk, email=st.one_of(st.emails(), st.just("ASSIGNED@acme.test "), junk), roles=roles)
def test_person_edit_form(all_roles_client, org, a_project, full_name, email, roles):
    submit(
        all_roles_client,
        f"/{org.slug}/people/{a_project.assigned.pk}/edit/",
        {"full_name": full_name, "email": email, "roles": roles},
        Person,
    )


@EXAMPLES
@given(name=junk, start=dates, end=st.one_of(st.just(""), dates), archived=booleans)
def test_project_forms(all_roles_client, org, a_project, name, start, end, archived):
    data = {"name": name, "start_date": start, "end_date": end, "archived": archived}
    submit(all_roles_client, f"/{org.slug}/projects/new/", data, Project)
    submit(all_roles_client, f"/{org.slug}/projects/{a_project.pk}/edit/", data, Project)


@EXAMPLES
@given(person=st.one_of(st.just("own"), st.just("other"), junk), start=dates, end=dates, hours=numbers)
def test_assignment_forms(all_roles_client, org, other_org, a_project, person, start, end, hours):
    people = {"own": a_project.assigned.pk, "other": PersonFactory(organization=other_org).pk}
    data = {
        "person": people.get(person, person),
        "start_date": start,
        "end_date": end,
        "hours_per_day": hours,
    }
    submit(all_roles_client, f"/{org.slug}/projects/{a_project.pk}/assignments/new/", data, Assignment)
    assignment = a_project.assignments.first()
    submit(
        all_roles_client,
        f"/{org.slug}/projects/{a_project.pk}/assignments/{assignment.pk}/edit/",
        data,
        Assignment,
    )
    assert not Assignment.objects.filter(person__organization=other_org).exists()


@EXAMPLES
@given(person=st.one_of(st.just("own"), junk), day=dates, hours=numbers, note=junk)
def test_manual_work_log_form(all_roles_client, org, a_project, person, day, hours, note):
    data = {
        "person": a_project.assigned.pk if person == "own" else person,
        "date": day,
        "hours": hours,
        "note": note,
    }
    submit(all_roles_client, f"/{org.slug}/projects/{a_project.pk}/worklogs/new/", data, WorkLog)


@EXAMPLES
@given(client_id=junk, client_secret=junk)
def test_install_form(all_roles_client, org, hs, client_id, client_secret):
    result = submit(
        all_roles_client,
        f"/{org.slug}/integrations/hubstaff/install/",
        {"client_id": client_id, "client_secret": client_secret},
        Installation,
    )
    if result == "saved":  # it went on to Hubstaff's consent page with exactly what was typed (stripped)
        installation = Installation.objects.get(organization=org)
        assert (
            installation.client_id == client_id.strip() and installation.status == Installation.Status.PENDING
        )


@EXAMPLES
@given(
    enabled=booleans,
    ids=st.lists(st.one_of(st.sampled_from(["1001", "1002", "999999"]), numbers), max_size=4),
    prevent=booleans,
    trim=booleans,
)
def test_integration_settings_form(all_roles_client, org, a_project, enabled, ids, prevent, trim):
    installation, _ = Installation.objects.get_or_create(
        organization=org, defaults={"status": Installation.Status.INSTALLED}
    )
    for hubstaff_id in (1001, 1002):
        HubstaffProject.objects.get_or_create(
            organization=org,
            installation=installation,
            hubstaff_id=hubstaff_id,
            defaults={"name": f"HS {hubstaff_id}", "hubstaff_organization_id": 1},
        )
    before = database()
    all_roles_client.cookies.pop(
        "messages", None
    )  # only this submission's messages (the client follows no redirect)
    response = all_roles_client.post(
        f"/{org.slug}/projects/{a_project.pk}/hubstaff/settings/",
        {
            "enabled": enabled,
            "hubstaff_project_ids": ids,
            "prevent_new_assignments": prevent,
            "trim_assignments": trim,
        },
    )
    assert response.status_code == 302  # the panel is on the project page: errors come back as messages
    levels = {m.level_tag for m in get_messages(response.wsgi_request)}
    link = ProjectLink.objects.filter(project=a_project).first()
    if "error" in levels:
        assert "success" not in levels and database() == before, (
            "a refused settings form changed the database"
        )
    else:
        assert levels == {"success"}, levels
        assert link is not None and set(link.hubstaff_project_ids) == {
            int(i) for i in ids
        }  # saved as submitted
        assert set(link.hubstaff_project_ids) <= {1001, 1002}  # only projects the installation reaches
        assert not link.enabled or link.hubstaff_project_ids


@EXAMPLES
@given(role=junk)
def test_role_switch_form(all_roles_client, org, role):
    response = all_roles_client.post(f"/{org.slug}/role/", {"role": role})
    assert response.status_code == 302


@EXAMPLES
@given(username=st.one_of(st.emails(), junk), password=junk)
def test_sign_in_form(db, client, username, password):
    response = client.post("/accounts/login/", {"username": username, "password": password})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


@settings(EXAMPLES, max_examples=20)
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["date_from", "date_to", "person", "project", "page", "q", "show", "source", "start", "end"]
        ),
        st.one_of(dates, numbers, junk),
        max_size=5,
    )
)
def test_filters_in_query_strings(all_roles_client, org, a_project, params):
    """Report filters, searches and paging come from the URL: any value is a page or a 400, never a 500."""
    person = a_project.assigned
    for path in (
        "planning/report/",
        "planning/report.csv",
        "planning/worklogs.csv",
        f"planning/people/{person.pk}/",
        "people/",
        "projects/",
        f"projects/{a_project.pk}/",
        "my-work/",
    ):
        response = all_roles_client.get(f"/{org.slug}/{path}", params)
        assert response.status_code in (200, 400), (path, params, response.status_code)


@pytest.mark.parametrize("path", ["people/", "projects/"])
def test_a_nul_character_in_a_search_is_not_a_500(all_roles_client, org, path):
    """Found by test_filters_in_query_strings: PostgreSQL refuses NUL in a query parameter."""
    assert all_roles_client.get(f"/{org.slug}/{path}", {"q": "a\x00b"}).status_code == 200


# --- the API's serializers are forms too
# -------------------------------------------------------------------------

json_junk = st.one_of(
    junk,
    numbers,
    st.none(),
    st.booleans(),
    st.lists(junk, max_size=3),
    st.dictionaries(junk, junk, max_size=2),
)


@settings(EXAMPLES, max_examples=25)
@given(
    body=st.fixed_dictionaries(
        {},
        optional={
            "full_name": json_junk,
            "email": st.one_of(st.emails(), json_junk),
            "roles": st.one_of(roles, json_junk),
            "name": json_junk,
            "start_date": st.one_of(dates, json_junk),
            "end_date": st.one_of(dates, json_junk),
            "archived": json_junk,
            "person": st.one_of(st.just(0), json_junk),
            "person_id": json_junk,
            "hours_per_day": json_junk,
            "date": st.one_of(dates, json_junk),
            "duration_seconds": json_junk,
            "hours": json_junk,
            "note": json_junk,
            "enabled": json_junk,
            "hubstaff_project_ids": json_junk,
            "prevent_new_assignments": json_junk,
            "trim_assignments": json_junk,
            "mode": json_junk,
        },
    )
)
def test_api_writes(all_roles_api, org, a_project, body):
    """Every writable collection and object of the API: a 2xx or a 4xx with a JSON reason, never a 500."""
    base = f"/api/v1/orgs/{org.slug}"
    assignment = a_project.assignments.first()
    for method, path in [
        ("post", "/people/"),
        ("patch", f"/people/{a_project.assigned.pk}/"),
        ("post", "/projects/"),
        ("patch", f"/projects/{a_project.pk}/"),
        ("post", f"/projects/{a_project.pk}/assignments/"),
        ("patch", f"/projects/{a_project.pk}/assignments/{assignment.pk}/"),
        ("post", f"/projects/{a_project.pk}/worklogs/"),
        ("put", f"/projects/{a_project.pk}/hubstaff/"),
        ("post", f"/projects/{a_project.pk}/hubstaff/sync/"),
    ]:
        response = getattr(all_roles_api, method)(base + path, body, format="json")
        assert response.status_code < 500, (method, path, body)
        if response.status_code >= 400:
            assert response.json(), (method, path)
    assert_valid_rows(Person, Project, Assignment, WorkLog)
