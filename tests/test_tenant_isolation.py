"""Every route under /<org_slug>/ is tried with another organization's slug and ids: 404 everywhere.

The routes are found by walking the URL resolver, so a new route is covered without anyone adding it here.
A route whose URL takes an id this file does not know fails the test: add a maker for that id below.
"""

import re
from datetime import date

import pytest

from capacity.models import Holiday, TimeOff, WorkPattern
from conftest import signed_in
from integrations.models import HubstaffUserLink, SyncRun
from tests.factories import WorkLogFactory, assigned_project
from tests.routes import routes


def tenant_routes():
    return [route for route, _ in routes(lambda route: "org_slug" in route)]


# One maker per URL id: an object of the *other* organization.
OTHER_TENANT_IDS = {
    "project_id": lambda o: o["project"].pk,
    "assignment_id": lambda o: o["assignment"].pk,
    "person_id": lambda o: o["person"].pk,
    "worklog_id": lambda o: o["worklog"].pk,
    "run_id": lambda o: _sync_run(o).pk,
    "link_id": lambda o: _user_link(o).pk,
    "holiday_id": lambda o: (
        Holiday.objects.create(organization=o["org"], date=date(2026, 5, 1), name="Holiday").pk
    ),
    "time_off_id": lambda o: (
        TimeOff.objects.create(
            organization=o["org"], person=o["person"], start_date=date(2026, 3, 2), end_date=date(2026, 3, 6)
        ).pk
    ),
    "pattern_id": lambda o: (
        WorkPattern.objects.create(
            organization=o["org"], person=o["person"], effective_from=date(2026, 3, 1)
        ).pk
    ),
}


def _sync_run(other):
    # A succeeded preview: every route taking a run id shows one (the API's runs) or applies it (its Apply).
    return SyncRun.objects.create(
        organization=other["org"],
        project=other["project"],
        mode=SyncRun.Mode.PREVIEW,
        status=SyncRun.Status.SUCCEEDED,
    )


def _user_link(other):
    return HubstaffUserLink.objects.create(
        organization=other["org"], hubstaff_user_id=5, person=other["person"]
    )


def tenant_rows(org):
    rows = assigned_project(org)
    return {
        "org": org,
        **rows,
        "worklog": WorkLogFactory(project=rows["project"], person=rows["person"], date=date(2026, 2, 2)),
    }


@pytest.fixture
def other_tenant(other_org):
    return tenant_rows(other_org)


def fill(route, slug, other, own=None, foreign=None):
    """Turn a route (path converters or regex groups) into a URL with the slug and the other tenant's ids.

    With `own` and `foreign`: every id from `own` (objects of our organization) except `foreign`, the other's.
    """

    def value(name):
        if name == "org_slug":
            return slug
        if own is not None and name != foreign:
            return str(OTHER_TENANT_IDS[name](own))
        if name not in OTHER_TENANT_IDS:
            pytest.fail(f"Route {route!r} takes <{name}>: add a maker for it to OTHER_TENANT_IDS")
        return str(OTHER_TENANT_IDS[name](other))

    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: value(m.group(1)), route)
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: value(m.group(1)), url)
    url = url.replace("^", "").replace("$", "").replace("\\", "")
    if "(" in url or "<" in url:
        pytest.fail(f"Cannot build a URL from route {route!r}")
    return "/" + url


def assert_not_found(client, url):
    """404 for the method the route serves; a 405 for the other method comes before any lookup and says nothing."""
    statuses = {client.get(url).status_code, client.post(url).status_code}
    assert 404 in statuses and statuses <= {404, 405}, (url, statuses)


def test_routes_are_found():
    routes = tenant_routes()
    assert any("projects" in r for r in routes) and any("people" in r for r in routes)


@pytest.mark.parametrize(
    "route", [r for r in tenant_routes() if re.search(r"<(?:\w+:)?\w*(?:_id|pk)>|\(\?P<\w*(?:_id|pk)>", r)]
)
def test_other_organizations_ids_give_404(route, all_roles_member, other_tenant):
    client = signed_in(all_roles_member)
    url = fill(route, "acme", other_tenant)
    assert_not_found(client, url)


def url_ids(route):
    return [a or b for a, b in re.findall(r"<(?:\w+:)?(\w*(?:_id|pk))>|\(\?P<(\w*(?:_id|pk))>", route)]


NESTED = [(route, inner) for route in tenant_routes() for inner in url_ids(route)[1:]]


@pytest.fixture
def own_tenant(org):
    return tenant_rows(org)


def test_nested_routes_are_found():
    assert len(NESTED) >= 5


@pytest.mark.parametrize("route,inner", NESTED, ids=[f"{r} [{i}]" for r, i in NESTED])
def test_an_inner_id_of_another_organization_under_our_own_project_gives_404(
    route, inner, all_roles_member, own_tenant, other_tenant
):
    """The inner id is looked up in the organization (and the project) itself, not only the project id before it."""
    client = signed_in(all_roles_member)
    assert_not_found(client, fill(route, "acme", other_tenant, own=own_tenant, foreign=inner))
    # The control: with our own inner id the same URL is found (so the 404 above came from the foreign id).
    ours = fill(route, "acme", other_tenant, own=own_tenant, foreign=None)
    assert 404 not in {client.get(ours).status_code, client.post(ours).status_code}, ours


@pytest.mark.parametrize("route", tenant_routes())
def test_another_organizations_slug_gives_404(route, all_roles_member, other_tenant):
    client = signed_in(all_roles_member)
    url = fill(route, other_tenant["org"].slug, other_tenant)
    assert_not_found(client, url)
