"""Every organization page and API endpoint, tried by a member holding each single role: only the allowed ones pass.

The allowed roles are read from the code itself: `people.tenancy.tenant_view` puts `tenant_roles` on each page view,
and each API view answers `required_roles(method)`. So a new route is covered without anyone adding it here, and a
route that declares no roles fails the test.
"""

from datetime import date

import pytest

from capacity.models import TimeOff
from conftest import signed_in, token_client
from people.roles import Role

from .conftest import api_routes, fill, page_routes

ROLES = list(Role.values)
PAGES = page_routes()
API = api_routes()
# Pages open to every member for themself, and to Managers for anyone (planning's person report and its CSVs).
SELF_OR_MANAGER = {"person_report", "person_report_csv", "person_worklogs_csv"}
# The person's page: Managers and Administrators see anyone, an Employee themself.
SELF_OR_STAFF = {"person_page"}


def own_time_off(member):
    """An Employee asks for and withdraws their own time off only: their own pending request."""
    return TimeOff.objects.create(
        organization=member.organization,
        person=member,
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 3),
        status=TimeOff.Status.PENDING,
    ).pk


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
    name = pattern.callback.__name__
    if (name in SELF_OR_MANAGER and role != Role.MANAGER) or (
        name in SELF_OR_STAFF and role == Role.EMPLOYEE
    ):
        someone_else = client.get(fill(route, own_objects))
        assert someone_else.status_code == 403, (route, role, "another person's report")
        own_objects = {**own_objects, "person_id": members[role].pk}
    if role == Role.EMPLOYEE and "time_off_id" in route:
        own_objects = {**own_objects, "time_off_id": own_time_off(members[role])}
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
    if role == Role.EMPLOYEE and "time_off_id" in route:
        own_objects = {**own_objects, "time_off_id": own_time_off(members[role])}
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


# ------------------------------------------------------------------ Hubstaff user links: one rule on every surface

# Deciding whose Hubstaff time is whose is sync work: Managers only (PRODUCT.md's roles), whatever the surface.
LINK_CHANGERS = {Role.MANAGER}
# Each role alone, and an Administrator who is also a Manager (roles held decide, not the active one).
LINK_MEMBERS = [(role,) for role in ROLES] + [(Role.ADMINISTRATOR, Role.MANAGER)]


def link_surfaces(client, api, own_objects):
    """(surface, response) for each way of linking a Hubstaff user to a person or removing a link."""
    slug, link_id, person_id = own_objects["org_slug"], own_objects["link_id"], own_objects["person_id"]
    project_id = own_objects["project_id"]
    return [
        (
            "page: This is …",
            client.post(
                f"/{slug}/projects/{project_id}/hubstaff/link-user/",
                {"hubstaff_user_id": 6, "name": "New Hubstaff user", "person": person_id},
            ),
        ),
        (
            "API: link",
            api.post(
                f"/api/v1/orgs/{slug}/hubstaff/user-links/",
                {"hubstaff_user_id": 7, "person": person_id},
                format="json",
            ),
        ),
        ("API: remove", api.delete(f"/api/v1/orgs/{slug}/hubstaff/user-links/{link_id}/")),
    ]


@pytest.mark.parametrize("roles", LINK_MEMBERS, ids=["+".join(r) for r in LINK_MEMBERS])
def test_only_a_manager_links_or_removes_hubstaff_users_on_every_surface(
    roles, org, make_member, own_objects
):
    from integrations.models import HubstaffUserLink

    member = make_member(org, *roles, email="links-" + "-".join(roles) + "@acme.test")
    allowed = bool(LINK_CHANGERS & set(roles))
    client, api = signed_in(member), token_client(member)
    link_id = own_objects["link_id"]
    person_page = f"/{own_objects['org_slug']}/people/{own_objects['person_id']}/edit/"
    if Role.ADMINISTRATOR in roles:  # the person's page is the Administrators'; Remove shows by the same rule
        page = client.get(person_page).content.decode()
        assert ("hubstaff/user-links/" in page and ">Remove</button>" in page) == allowed, roles
        assert ("Only a Manager can remove these matches." in page) != allowed, roles
    removed_on_page = client.post(
        f"/{own_objects['org_slug']}/integrations/hubstaff/user-links/{link_id}/remove/"
    )
    assert removed_on_page.status_code == (302 if allowed else 403), roles
    assert HubstaffUserLink.objects.filter(pk=link_id).exists() != allowed, roles
    if allowed:  # the API's removal needs a link to remove
        link_id = HubstaffUserLink.objects.create(
            organization=org, hubstaff_user_id=5, person_id=own_objects["person_id"]
        ).pk
        own_objects = {**own_objects, "link_id": link_id}
    for surface, response in link_surfaces(client, api, own_objects):
        if allowed:
            assert response.status_code in (201, 204, 302), (surface, roles, response.status_code)
        else:
            assert response.status_code == 403, (surface, roles, response.status_code)
    kept = set(HubstaffUserLink.objects.for_org(org).values_list("hubstaff_user_id", flat=True))
    assert kept == ({6, 7} if allowed else {5}), roles


def test_the_declared_roles_of_hubstaff_user_links_are_the_rule():
    """The page views and the API declare the same roles as the rule (the role matrix above reads them)."""
    from api.views.user_links import UserLinkDetail, UserLinkList
    from integrations.views.user_links import link_hubstaff_user, unlink_hubstaff_user

    assert set(link_hubstaff_user.tenant_roles) == set(unlink_hubstaff_user.tenant_roles) == LINK_CHANGERS
    for view in (UserLinkList, UserLinkDetail):
        assert set(view().required_roles("POST")) == set(view().required_roles("DELETE")) == LINK_CHANGERS
