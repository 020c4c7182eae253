"""integrations/hubstaff/ and its projects/: Administrators and Managers see the state, never a secret."""

import json

import pytest

from api.tests.conftest import url
from integrations.models import HubstaffProject, Installation


@pytest.fixture
def installation(org):
    installation = Installation.objects.create(
        organization=org,
        status=Installation.Status.INSTALLED,
        client_id="client-id-123",
        client_secret="client-s3cret",
        access_token="access-tok-abc",
        refresh_token="refresh-tok-xyz",
        account={"id": 5, "name": "Ada", "email": "ada@hubstaff.test"},
        hubstaff_organizations=[{"id": 9, "name": "Acme HS"}, {"id": 10, "name": "Acme Labs"}],
    )
    for hubstaff_id, name, hs_org, hs_org_name in (
        (101, "Website", 9, "Acme HS"),
        (102, "Mobile app", 10, "Acme Labs"),
    ):
        HubstaffProject.objects.create(
            organization=org,
            installation=installation,
            hubstaff_id=hubstaff_id,
            name=name,
            hubstaff_organization_id=hs_org,
            hubstaff_organization_name=hs_org_name,
        )
    return installation


@pytest.mark.parametrize("client_name", ["admin_api", "manager_api"])
def test_installation_status_never_shows_secrets(request, client_name, installation):
    response = request.getfixturevalue(client_name).get(url("integrations/hubstaff/"))
    assert response.status_code == 200
    body = response.json()
    assert body["installed"] is True and body["status"] == "installed"
    assert body["account"] == {"id": 5, "name": "Ada", "email": "ada@hubstaff.test"}
    assert [o["name"] for o in body["hubstaff_organizations"]] == ["Acme HS", "Acme Labs"]
    text = json.dumps(body)
    for secret in ("client-s3cret", "access-tok-abc", "refresh-tok-xyz", "client-id-123"):
        assert secret not in text


def test_not_installed(manager_api, org):
    body = manager_api.get(url("integrations/hubstaff/")).json()
    assert (body["installed"], body["status"], body["hubstaff_organizations"]) == (False, "not_installed", [])


def test_needs_reauthorization_is_shown_with_its_reason(manager_api, installation):
    installation.status = Installation.Status.NEEDS_REAUTHORIZATION
    installation.status_reason = "Hubstaff refused the refresh token."
    installation.save()
    body = manager_api.get(url("integrations/hubstaff/")).json()
    assert (body["installed"], body["status"], body["status_reason"]) == (
        False,
        "needs_reauthorization",
        "Hubstaff refused the refresh token.",
    )


def test_hubstaff_projects_are_listed_with_their_organization(manager_api, installation):
    response = manager_api.get(url("integrations/hubstaff/projects/"))
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"id": 101, "name": "Website", "status": "", "organization": {"id": 9, "name": "Acme HS"}},
        {"id": 102, "name": "Mobile app", "status": "", "organization": {"id": 10, "name": "Acme Labs"}},
    ]


def test_hubstaff_projects_search_and_organization_filter(manager_api, installation):
    def ids(**q):
        return [p["id"] for p in manager_api.get(url("integrations/hubstaff/projects/"), q).json()["results"]]

    assert ids(search="MOBILE") == [102]
    assert ids(organization=9) == [101]
    assert manager_api.get(url("integrations/hubstaff/projects/"), {"organization": "x"}).status_code == 400


def test_no_installation_no_projects(manager_api, org):
    assert manager_api.get(url("integrations/hubstaff/projects/")).json()["count"] == 0


def test_employee_may_not(employee_api, installation):
    assert employee_api.get(url("integrations/hubstaff/")).status_code == 403
    assert employee_api.get(url("integrations/hubstaff/projects/")).status_code == 403


def test_another_organizations_installation_is_never_shown(manager_api, other_org):
    theirs = Installation.objects.create(
        organization=other_org, status="installed", account={"id": 1, "name": "Globex"}
    )
    HubstaffProject.objects.create(
        organization=other_org, installation=theirs, hubstaff_id=5, name="Secret", hubstaff_organization_id=1
    )
    assert manager_api.get(url("integrations/hubstaff/")).json()["status"] == "not_installed"
    assert manager_api.get(url("integrations/hubstaff/projects/")).json()["count"] == 0
    assert manager_api.get(url("integrations/hubstaff/", "globex")).status_code == 404


def test_unauthenticated_gets_401(anonymous_api, org):
    assert anonymous_api.get(url("integrations/hubstaff/")).status_code == 401
