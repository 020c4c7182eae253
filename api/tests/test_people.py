"""people/ and people/{id}/: Administrators manage people; Managers may read them (to pick whom to assign)."""

import pytest

from api.tests.conftest import url
from people.models import Person
from tests.factories import MemberFactory, PersonFactory, UserFactory


def test_administrator_lists_people(admin_api, admin, manager):
    response = admin_api.get(url("people/"))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {p["email"] for p in body["results"]} == {"ada@acme.test", "max@acme.test"}
    ada = next(p for p in body["results"] if p["email"] == "ada@acme.test")
    assert ada == {
        "id": admin.pk,
        "full_name": "Ada Admin",
        "email": "ada@acme.test",
        "roles": ["administrator"],
        "can_sign_in": True,
        "login": "active",
        "created_at": ada["created_at"],
    }


def test_manager_may_read_people(manager_api, admin):
    assert manager_api.get(url("people/")).status_code == 200
    assert manager_api.get(url(f"people/{admin.pk}/")).status_code == 200


def test_manager_may_not_add_change_or_remove_people(manager_api, admin):
    assert (
        manager_api.post(
            url("people/"), {"full_name": "X", "email": "x@acme.test"}, format="json"
        ).status_code
        == 403
    )
    assert manager_api.patch(url(f"people/{admin.pk}/"), {"full_name": "X"}, format="json").status_code == 403
    assert manager_api.delete(url(f"people/{admin.pk}/")).status_code == 403
    assert not Person.objects.filter(email="x@acme.test").exists()
    admin.refresh_from_db()
    assert admin.full_name == "Ada Admin"


def test_employee_may_not_read_people(employee_api):
    response = employee_api.get(url("people/"))
    assert response.status_code == 403
    assert response.json() == {"detail": "Your roles in this organization do not allow this."}


def test_search_by_name_or_email(admin_api, admin, org):
    PersonFactory(organization=org, full_name="Bobby Tables", email="bobby@acme.test")
    PersonFactory(organization=org, full_name="Sam", email="sam@tables.test")
    response = admin_api.get(url("people/"), {"search": "TABLES"})
    assert {p["full_name"] for p in response.json()["results"]} == {"Bobby Tables", "Sam"}


def test_administrator_adds_a_person_with_roles(admin_api, org):
    response = admin_api.post(
        url("people/"),
        {"full_name": "Bobby", "email": " Bobby@Acme.test ", "roles": ["manager", "employee"]},
        format="json",
    )
    assert response.status_code == 201, response.json()
    person = Person.objects.get(pk=response.json()["id"])
    assert (person.organization, person.email, person.roles) == (
        org,
        "Bobby@Acme.test",
        ["manager", "employee"],
    )
    assert response.json()["roles"] == ["manager", "employee"]


def test_adding_a_person_never_links_the_login_with_that_email(admin_api):
    UserFactory(username="sam@acme.test")
    response = admin_api.post(
        url("people/"), {"full_name": "Sam", "email": "SAM@acme.test", "roles": ["employee"]}, format="json"
    )
    assert response.status_code == 201
    assert Person.objects.get(pk=response.json()["id"]).user is None
    assert response.json()["can_sign_in"] is False and response.json()["login"] == "none"


def test_duplicate_email_any_case_is_a_400_with_a_field_message(admin_api, manager):
    response = admin_api.post(
        url("people/"), {"full_name": "Other Max", "email": "MAX@acme.test"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"email": ["A person with this e-mail already exists in this organization."]}
    assert Person.objects.filter(email__iexact="max@acme.test").count() == 1


def test_same_email_in_another_organization_is_fine(admin_api, other_org):
    PersonFactory(organization=other_org, email="max@acme.test")
    response = admin_api.post(url("people/"), {"full_name": "Max", "email": "max@acme.test"}, format="json")
    assert response.status_code == 201


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "a@acme.test"}, "full_name"),
        ({"full_name": "A"}, "email"),
        ({"full_name": "A", "email": "not-an-email"}, "email"),
        ({"full_name": "A", "email": "a@acme.test", "roles": ["owner"]}, "roles"),
        ({"full_name": "A", "email": "a@acme.test", "roles": "manager"}, "roles"),
        ({"full_name": "x" * 201, "email": "a@acme.test"}, "full_name"),
        ({"full_name": "A\x00", "email": "a@acme.test"}, "full_name"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(admin_api, payload, field):
    response = admin_api.post(url("people/"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_a_400(admin_api):
    response = admin_api.post(url("people/"), "{not json", content_type="application/json")
    assert response.status_code == 400
    assert "detail" in response.json()


def test_administrator_updates_a_person(admin_api, employee):
    response = admin_api.put(
        url(f"people/{employee.pk}/"),
        {"full_name": "Eve E.", "email": "eve@acme.test", "roles": ["manager"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    employee.refresh_from_db()
    assert (employee.full_name, employee.roles) == ("Eve E.", ["manager"])


def test_partial_update_keeps_other_fields(admin_api, employee):
    response = admin_api.patch(url(f"people/{employee.pk}/"), {"full_name": "Eve E."}, format="json")
    assert response.status_code == 200
    employee.refresh_from_db()
    assert (employee.full_name, employee.email, employee.roles) == ("Eve E.", "eve@acme.test", ["employee"])


def test_keeping_ones_own_email_is_not_a_duplicate(admin_api, employee):
    response = admin_api.patch(url(f"people/{employee.pk}/"), {"email": "EVE@acme.test"}, format="json")
    assert response.status_code == 200


def test_changing_to_anothers_email_is_a_400(admin_api, employee, manager):
    response = admin_api.patch(url(f"people/{employee.pk}/"), {"email": "max@ACME.test"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()


def test_administrator_removes_a_person(admin_api, employee):
    assert admin_api.delete(url(f"people/{employee.pk}/")).status_code == 204
    assert not Person.objects.filter(pk=employee.pk).exists()


def test_administrator_cannot_remove_themselves(admin_api, admin):
    response = admin_api.delete(url(f"people/{admin.pk}/"))
    assert response.status_code == 409
    assert Person.objects.filter(pk=admin.pk).exists()


def test_another_organizations_person_is_404_and_unchanged(admin_api, other_org):
    stranger = MemberFactory(
        organization=other_org, full_name="Stranger", email="s@globex.test", is_administrator=True
    )
    path = url(f"people/{stranger.pk}/")
    assert admin_api.get(path).status_code == 404
    assert admin_api.put(path, {"full_name": "Hacked", "email": "h@h.test"}, format="json").status_code == 404
    assert admin_api.patch(path, {"full_name": "Hacked"}, format="json").status_code == 404
    assert admin_api.delete(path).status_code == 404
    stranger.refresh_from_db()
    assert stranger.full_name == "Stranger"


def test_unknown_person_is_404(admin_api):
    assert admin_api.get(url("people/999999/")).status_code == 404
    assert admin_api.get(url(f"people/{2**70}/")).status_code == 404


def test_unauthenticated_gets_401(anonymous_api, admin):
    assert anonymous_api.get(url("people/")).status_code == 401
    assert (
        anonymous_api.post(url("people/"), {"full_name": "A", "email": "a@a.test"}, format="json").status_code
        == 401
    )


def test_session_administrator_may_add_people(admin_client):
    response = admin_client.post(
        url("people/"), {"full_name": "Bob", "email": "bob@acme.test"}, content_type="application/json"
    )
    assert response.status_code == 201
