"""/api/v1/orgs/{slug}/hubstaff/user-links/: list, create and delete links of Hubstaff users to people."""

from integrations.models import HubstaffUserLink
from tests.factories import PersonFactory

from .conftest import url


def test_manager_links_lists_and_removes(manager_api, org):
    person = PersonFactory(organization=org, full_name="Dana Green")
    created = manager_api.post(
        url("hubstaff/user-links/"),
        {"hubstaff_user_id": 77, "hubstaff_user_name": "Dana Ghost", "person": person.pk},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["hubstaff_user_id"], body["hubstaff_user_name"], body["person"]) == (
        77,
        "Dana Ghost",
        person.pk,
    )
    listed = manager_api.get(url("hubstaff/user-links/")).json()
    assert [item["id"] for item in listed["results"]] == [body["id"]]
    assert manager_api.get(url(f"hubstaff/user-links/{body['id']}/")).json()["person"] == person.pk
    assert manager_api.delete(url(f"hubstaff/user-links/{body['id']}/")).status_code == 204
    assert not HubstaffUserLink.objects.exists()


def test_a_person_of_another_organization_is_a_400(manager_api, other_org):
    stranger = PersonFactory(organization=other_org)
    response = manager_api.post(
        url("hubstaff/user-links/"), {"hubstaff_user_id": 77, "person": stranger.pk}, format="json"
    )
    assert response.status_code == 400
    assert "person" in response.json()
    assert not HubstaffUserLink.objects.exists()


def test_another_organizations_links_are_not_seen_nor_deleted(manager_api, other_org, other_manager):
    stranger = PersonFactory(organization=other_org)
    theirs = HubstaffUserLink.objects.create(organization=other_org, hubstaff_user_id=5, person=stranger)
    assert manager_api.get(url("hubstaff/user-links/")).json()["results"] == []
    assert manager_api.get(url(f"hubstaff/user-links/{theirs.pk}/")).status_code == 404
    assert manager_api.delete(url(f"hubstaff/user-links/{theirs.pk}/")).status_code == 404
    # Their own organization's URL is not reachable by a member of Acme either.
    assert manager_api.get(url("hubstaff/user-links/", org_slug="globex")).status_code == 404
    assert HubstaffUserLink.objects.filter(pk=theirs.pk).exists()


def test_employees_may_not_link(employee_api, org):
    person = PersonFactory(organization=org)
    response = employee_api.post(
        url("hubstaff/user-links/"), {"hubstaff_user_id": 77, "person": person.pk}, format="json"
    )
    assert response.status_code == 403
