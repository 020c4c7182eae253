"""Another organization's slug and ids, on every page and every API route, with every HTTP method: 404, nothing leaked.

tests/test_tenant_isolation.py walks the same routes with a signed-in browser session (GET and POST). This file adds
the API with token authentication and every method an endpoint serves (PUT, PATCH, DELETE too), and checks that no
answer carries the other organization's names, and that nothing of it changed.
"""

import pytest

from conftest import signed_in, token_client
from integrations.models import HubstaffProject, Installation, ProjectLink, SyncRun
from people.models import Person
from projects.models import Assignment, Project
from worklogs.models import WorkLog

from .conftest import SECRET_NAME, api_routes, fill, page_routes

API = api_routes()
PAGES = page_routes()


def state(other_org):
    """Every row of the other organization, whole (every field), so that any change to it shows."""
    return [
        list(model.objects.filter(organization=other_org).order_by("pk").values())
        for model in (
            Project,
            Person,
            Assignment,
            WorkLog,
            SyncRun,
            Installation,
            HubstaffProject,
            ProjectLink,
        )
    ]


def urls_to_try(route, own, other):
    """The other organization's slug with its ids; our own slug with its ids (mixed: the other's object ids)."""
    yield fill(route, other)
    if any(name in route for name in ("_id>",)):
        yield fill(route, {**other, "org_slug": own["org_slug"]})


@pytest.mark.parametrize("route,pattern", API, ids=[r for r, _ in API])
def test_an_api_route_with_another_organizations_slug_or_ids_is_404_for_every_method(
    route, pattern, all_roles_member, own_objects, other_objects, other_org
):
    client = token_client(all_roles_member)
    before = state(other_org)
    for url in urls_to_try(route, own_objects, other_objects):
        for method in ("get", "post", "put", "patch", "delete"):
            response = getattr(client, method)(url, {"name": "x", "enabled": True}, format="json")
            assert response.status_code in (404, 405), (method, url, response.status_code)
            if method == "get":
                assert response.status_code == 404, url
            assert SECRET_NAME not in response.content.decode(), (method, url)
    assert state(other_org) == before


@pytest.mark.parametrize("route,pattern", PAGES, ids=[r for r, _ in PAGES])
def test_a_page_with_another_organizations_slug_or_ids_leaks_nothing(
    route, pattern, all_roles_member, own_objects, other_objects, other_org
):
    client = signed_in(all_roles_member)
    before = state(other_org)
    for url in urls_to_try(route, own_objects, other_objects):
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (404, 405), (method, url, response.status_code)
            assert SECRET_NAME not in response.content.decode(), (method, url)
    assert state(other_org) == before


@pytest.mark.parametrize("route,pattern", PAGES, ids=[r for r, _ in PAGES])
def test_own_pages_never_show_another_organizations_data(
    route, pattern, all_roles_member, own_objects, other_objects
):
    """Lists, reports and CSV exports of our organization: the other organization's names never appear."""
    client = signed_in(all_roles_member)
    response = client.get(fill(route, own_objects), follow=True)
    # A real answer to look into (a refusal has no data in it); POST-only routes have nothing to show.
    assert response.status_code in (200, 405), (route, response.status_code)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert SECRET_NAME.encode() not in body, route


def test_api_lists_never_show_another_organizations_data(all_roles_member, own_objects, other_objects):
    client = token_client(all_roles_member)
    for route, pattern in API:
        if "get" in {m.lower() for m in pattern.callback.cls.http_method_names} and hasattr(
            pattern.callback.cls, "get"
        ):
            response = client.get(fill(route, own_objects))
            assert response.status_code == 200, (route, response.status_code)
            body = (
                b"".join(response.streaming_content) if response.streaming else response.content
            )  # CSV: streamed
            assert SECRET_NAME not in body.decode(), route
    orgs = client.get("/api/v1/orgs/").content.decode()
    assert other_objects["org_slug"] not in orgs
