"""Property-based test of the REST API against its own OpenAPI schema (schemathesis, in-process WSGI).

For every operation of /api/schema/, schemathesis generates requests (valid and invalid) and checks that the API
never answers 5xx, answers only status codes the schema documents, and that every response body matches the
schema. The organization and ids in the URLs are mostly real ones of the caller's organization (otherwise every
request would end in 404), acting as a member who holds all three roles. Each example runs in a savepoint that
is rolled back, so that a DELETE does not starve the examples after it. Bounded: a few examples per operation.
"""

from datetime import date

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from schemathesis import checks

from api.tokens import issue_token
from capacity.models import Holiday, TimeOff, WorkPattern
from integrations.models import HubstaffProject, HubstaffUserLink, Installation, ProjectLink, SyncRun
from people.roles import Role
from tests.factories import AssignmentFactory, PersonFactory, WorkLogFactory

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


# Loading the schema needs no database: it is generated from the code. The same in-process app serves the
# tests.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@pytest.fixture
def in_test_transaction():
    """Let the in-process app use the test's database connection and transaction.

    Django closes "old" connections at the start and end of each request; inside a test's transaction that would
    end the transaction, so (as django.test.Client does) those two signal handlers are off during the test.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def world(org, project, make_member, in_test_transaction):
    member = make_member(org, Role.ADMINISTRATOR, Role.MANAGER, Role.EMPLOYEE, email="all@acme.test")
    person = PersonFactory(organization=org, email="bobby@acme.test")
    installation = Installation.objects.create(
        organization=org, status=Installation.Status.INSTALLED, client_id="cid"
    )
    HubstaffProject.objects.create(
        organization=org,
        installation=installation,
        hubstaff_id=101,
        name="Website",
        hubstaff_organization_id=9,
    )
    ProjectLink.objects.create(organization=org, project=project, enabled=True, hubstaff_project_ids=[101])
    return {
        "token": issue_token(member.user).key,
        "ids": {
            "project_id": project.pk,
            "person_id": person.pk,
            "assignment_id": AssignmentFactory(project=project, person=person).pk,
            "worklog_id": WorkLogFactory(project=project, person=person).pk,
            "run_id": SyncRun.objects.create(
                organization=org, project=project, mode="reset", status="succeeded"
            ).pk,
            "link_id": HubstaffUserLink.objects.create(
                organization=org, hubstaff_user_id=5, person=person
            ).pk,
            "holiday_id": Holiday.objects.create(organization=org, date=date(2026, 5, 1), name="Holiday").pk,
            "time_off_id": TimeOff.objects.create(
                organization=org, person=person, start_date=date(2026, 3, 2), end_date=date(2026, 3, 6)
            ).pk,
            "pattern_id": WorkPattern.objects.create(
                organization=org, person=person, effective_from=date(2026, 3, 1)
            ).pk,
        },
    }


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_matches_its_schema_and_never_fails(case, world):
    params = case.path_parameters or {}
    if "org_slug" in params:
        params["org_slug"] = "acme"
    for name, real_id in world["ids"].items():
        # Mostly a real id of the caller's organization; sometimes the generated one (a 404 path).
        if name in params and not (isinstance(params[name], int) and params[name] % 5 == 0):
            params[name] = real_id
    with transaction.atomic():
        case.call_and_validate(headers={"Authorization": f"Token {world['token']}"}, checks=CHECKS)
        transaction.set_rollback(True)


@schema.parametrize()
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_without_credentials_is_refused_as_documented(case, world):
    params = case.path_parameters or {}
    if "org_slug" in params:
        params["org_slug"] = "acme"
    for name, real_id in world["ids"].items():
        if name in params:
            params[name] = real_id
    with transaction.atomic():
        response = case.call_and_validate(checks=CHECKS)
        transaction.set_rollback(True)
    if case.path.startswith("/api/v1/"):
        assert response.status_code == 401
