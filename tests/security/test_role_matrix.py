"""Every organization page and API endpoint, tried by a member holding each single role: only the allowed ones pass.

The allowed roles are read from the code itself: `people.tenancy.tenant_view` puts `tenant_roles` on each page view,
and each API view answers `required_roles(method)`. So a new route is covered without anyone adding it here, and a
route that declares no roles fails the test.
"""

import pytest

from conftest import signed_in, token_client
from people.roles import Role

from .conftest import api_routes, fill, page_routes

ROLES = list(Role.values)
PAGES = page_routes()
API = api_routes()
# Pages open to every member for themself, and to Managers for anyone (planning's person report and its CSVs).
SELF_OR_MANAGER = {"person_report", "person_report_csv", "person_worklogs_csv"}


def page_roles(pattern):
    roles = getattr(pattern.callback, "tenant_roles", None)
    assert roles, f"{pattern.callback.__module__}.{pattern.callback.__name__} does not go through tenant_view"
    return set(roles)


def test_every_page_and_endpoint_is_found():
    assert len(PAGES) > 20 and len(API) > 10


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,pattern", PAGES, ids=[r for r, _ in PAGES])
def test_a_page_opens_only_for_its_roles(route, pattern, role, members, own_objects):
    allowed = role in page_roles(pattern)
    client = signed_in(members[role])
    if pattern.callback.__name__ in SELF_OR_MANAGER and role != Role.MANAGER:
        someone_else = client.get(fill(route, own_objects))
        assert someone_else.status_code == 403, (route, role, "another person's report")
        own_objects = {**own_objects, "person_id": members[role].pk}
    url = fill(route, own_objects)
    response = client.get(url)
    if response.status_code == 405:
        response = client.post(url)
    if allowed:
        assert response.status_code in (200, 302), (url, role, response.status_code)
    else:
        assert response.status_code == 403, (url, role, response.status_code)


def api_methods(pattern):
    view = pattern.callback.cls
    return sorted(m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m))


API_CASES = [(route, pattern, method) for route, pattern in API for method in api_methods(pattern)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route,pattern,method", API_CASES, ids=[f"{m.upper()} {r}" for r, _, m in API_CASES])
def test_an_api_endpoint_answers_only_its_roles(route, pattern, method, role, members, own_objects):
    view = pattern.callback.cls
    required = set(view().required_roles(method.upper()))
    assert required, f"{view.__name__} declares no roles for {method.upper()}"
    allowed = role in required
    client = token_client(members[role])
    url = fill(route, own_objects)
    response = getattr(client, method)(url, {}, format="json")
    if allowed:
        assert response.status_code not in (401, 403, 404, 405) and response.status_code < 500, (
            method,
            url,
            role,
            response.status_code,
        )
    else:
        assert response.status_code == 403, (
            method,
            url,
            role,
            response.status_code,
            getattr(response, "data", None),
        )
