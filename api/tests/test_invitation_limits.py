"""The API's invitations keep the same limits as the People page: 429 with Retry-After, nothing half done."""

from api.tests.conftest import url
from people.models import Invitation, Person
from tests.factories import PersonFactory


def test_resending_past_the_limit_answers_429_with_the_wait(admin_api, org):
    lee = PersonFactory(organization=org, full_name="Lee", email="lee@acme.test")
    statuses = [admin_api.post(url(f"people/{lee.pk}/invitation/")).status_code for _ in range(3)]
    assert statuses == [201, 201, 201]
    response = admin_api.post(url(f"people/{lee.pk}/invitation/"))
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 3600
    assert response.json()["detail"].startswith(
        "lee@acme.test was invited too often; try again in 60 minutes."
    )
    assert Invitation.objects.filter(person=lee).count() == 3


def test_adding_a_person_with_invite_past_the_limit_saves_nothing(admin_api, org):
    for n in range(5):
        response = admin_api.post(
            url("people/"), {"full_name": f"P{n}", "email": f"p{n}@acme.test", "invite": True}, format="json"
        )
        assert response.status_code == 201
    response = admin_api.post(
        url("people/"), {"full_name": "Six", "email": "six@acme.test", "invite": True}, format="json"
    )
    assert response.status_code == 429
    assert (
        "A new organization sends up to 5 invitations a day until one is accepted"
        in response.json()["detail"]
    )
    assert not Person.objects.filter(email="six@acme.test").exists()


def test_the_invitation_says_where_its_e_mail_is(admin_api, org):
    lee = PersonFactory(organization=org, full_name="Lee", email="lee@acme.test")
    admin_api.post(url(f"people/{lee.pk}/invitation/"))
    assert admin_api.get(url(f"people/{lee.pk}/invitation/")).json()["email_status"] == "sent"


def test_another_tenants_person_cannot_be_invited(admin_api, other_org):
    stranger = PersonFactory(organization=other_org, email="stranger@globex.test")
    assert admin_api.post(url(f"people/{stranger.pk}/invitation/")).status_code == 404
    assert not Invitation.objects.filter(person=stranger).exists()
