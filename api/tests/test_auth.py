"""Who may call the API at all: a token or a session; nobody else, and never across organizations."""

from rest_framework.test import APIClient

from api.tests.conftest import url
from conftest import signed_in
from people.models import Person
from people.roles import Role


def test_unauthenticated_request_gets_401_with_token_challenge(anonymous_api, org):
    response = anonymous_api.get(url("projects/"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_wrong_token_gets_401(org):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get(url("projects/")).status_code == 401


def test_token_authenticates_as_its_user(manager_api, project):
    response = manager_api.get(url("projects/"))
    assert response.status_code == 200
    assert [p["name"] for p in response.json()["results"]] == ["Project A"]


def test_session_authenticates_too(manager_client, project):
    assert manager_client.get(url("projects/")).status_code == 200


def test_session_writes_need_the_csrf_token(manager, project):
    client = signed_in(manager)
    client.handler.enforce_csrf_checks = True
    response = client.post(
        url("projects/"), {"name": "X", "start_date": "2026-01-01"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_token_writes_need_no_csrf_token(manager_api, org):
    response = manager_api.post(url("projects/"), {"name": "X", "start_date": "2026-01-01"}, format="json")
    assert response.status_code == 201


def test_non_member_gets_404_for_the_organization(manager_api, other_org):
    response = manager_api.get(url("projects/", "globex"))
    assert response.status_code == 404


def test_unknown_organization_gets_404(manager_api):
    assert manager_api.get(url("projects/", "nope")).status_code == 404


def test_member_of_two_organizations_reaches_both(manager, other_org, make_member, manager_api):
    make_member(other_org, Role.MANAGER, user=manager.user, email=manager.email)
    assert manager_api.get(url("projects/", "globex")).status_code == 200


def test_organization_list_shows_memberships_and_roles(manager_api, manager):
    response = manager_api.get("/api/v1/orgs/")
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"slug": "acme", "name": "Acme", "person": manager.pk, "roles": ["manager"]}
    ]


def test_organization_list_needs_authentication(anonymous_api):
    assert anonymous_api.get("/api/v1/orgs/").status_code == 401


def test_another_organizations_slug_is_404_even_for_writes(admin_api, other_org):
    response = admin_api.post(
        url("people/", "globex"), {"full_name": "X", "email": "x@x.test"}, format="json"
    )
    assert response.status_code == 404
    assert not Person.objects.filter(email="x@x.test").exists()


def test_unknown_api_address_is_a_json_404(manager_api, project):
    for path in (url("projects/-1/"), url("nothing-here/"), "/api/v2/"):
        response = manager_api.get(path)
        assert response.status_code == 404 and response.json() == {"detail": "Not found."}, path
    assert manager_api.post(url("projects/-1/"), {}, format="json").json() == {"detail": "Not found."}
