"""Sign-up suggests the address, shows the password rules before a failure, signs the founder in on confirmation,
and tells "confirm your e-mail first" only to someone who gave the right password."""

import re

import pytest
from django.core import mail
from django.test import Client

from people.forms import suggest_slug
from people.models import Organization, PendingSignup, Person
from people.tests.mailbox import last_email_to, link_path
from tests.factories import PASSWORD, MemberFactory

FORM = {
    "organization_name": "Initech & Sons, Ltd.",
    "full_name": "Peter Gibbons",
    "email": "peter@initech.test",
}


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("Initech", "initech"),
        ("Initech & Sons, Ltd.", "initech-sons-ltd"),
        ("  Café Übel  ", "cafe-ubel"),
        ("Acme -- Widgets", "acme-widgets"),
        ("日本", ""),
    ],
)
def test_the_address_is_suggested_from_the_name(name: str, slug: str) -> None:
    assert suggest_slug(name) == slug


@pytest.mark.django_db
def test_an_address_left_empty_is_made_from_the_organizations_name(client: Client) -> None:
    response = client.post("/signup/", {**FORM, "slug": ""})
    assert response["Location"] == "/signup/sent/"
    assert PendingSignup.objects.get().slug == "initech-sons-ltd"
    assert "(address /initech-sons-ltd/)" in last_email_to("peter@initech.test").body


@pytest.mark.django_db
def test_a_name_with_no_letters_for_an_address_asks_for_one(client: Client) -> None:
    response = client.post("/signup/", {**FORM, "organization_name": "日本", "slug": ""})
    assert response.status_code == 200
    assert "Choose an address: letters, digits and hyphens." in response.content.decode()
    assert not PendingSignup.objects.exists()


@pytest.mark.django_db
def test_a_reserved_suggestion_is_refused(client: Client) -> None:
    response = client.post("/signup/", {**FORM, "organization_name": "Admin", "slug": ""})
    assert "This address is reserved; choose another." in response.content.decode()


@pytest.mark.django_db
def test_the_sign_up_page_carries_its_suggestion_script(client: Client) -> None:
    assert "js/signup" in client.get("/signup/").content.decode()


@pytest.mark.django_db
def test_the_password_rules_are_on_the_confirmation_page_before_any_try(client: Client) -> None:
    client.post("/signup/", {**FORM, "slug": "initech"})
    page = client.get(link_path(last_email_to("peter@initech.test"))).content.decode()
    rules = re.search(r'id="id_password1_helptext">(.*?)</div>', page, re.S)
    assert rules, page
    assert "at least 8 characters" in rules.group(1) and "entirely numeric" in rules.group(1)
    assert 'aria-describedby="id_password1_helptext"' in page
    assert 'role="alert"' not in page  # nothing has failed yet


@pytest.mark.django_db
def test_confirming_signs_the_founder_in(client: Client) -> None:
    client.post("/signup/", {**FORM, "slug": "initech"})
    path = link_path(last_email_to("peter@initech.test"))
    response = client.post(
        path, {"slug": "initech", "password1": "tps-2026-reports", "password2": "tps-2026-reports"}
    )
    assert response["Location"] == "/initech/"
    assert client.get("/initech/").status_code == 200


@pytest.mark.django_db
def test_a_founder_signed_in_with_the_e_mails_login_confirms_without_a_password(
    client: Client, other_org: Organization
) -> None:
    member = MemberFactory.create(organization=other_org, email="peter@initech.test")
    assert member.user is not None
    client.force_login(member.user)
    client.post("/signup/", {**FORM, "slug": "initech"})
    path = link_path(last_email_to("peter@initech.test"))
    page = client.get(path).content.decode()
    assert 'name="password"' not in page and "added to the login you are signed in with" in page
    assert client.post(path, {"slug": "initech"})["Location"] == "/initech/"


def sign_in(client: Client, email: str, password: str) -> str:
    response = client.post("/accounts/login/", {"username": email, "password": password}, follow=True)
    return " ".join(response.content.decode().split())


@pytest.mark.django_db
def test_a_failed_sign_in_says_the_same_to_everyone_with_the_confirmation_hint(
    client: Client, other_org: Organization
) -> None:
    MemberFactory.create(organization=other_org, email="known@globex.test")
    client.post("/signup/", {**FORM, "slug": "initech"})  # pending, no login yet
    answers = {
        email: re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]+"', "", sign_in(Client(), email, "wrong-password-9")
        ).replace(email, "E")
        for email in ["peter@initech.test", "known@globex.test", "nobody@nowhere.test"]
    }
    assert len(set(answers.values())) == 1
    page = answers["peter@initech.test"]
    assert "That e-mail and password do not match an account." in page
    assert "Signed up a moment ago? Confirm your e-mail first" in page
    assert "Initech" not in page


@pytest.mark.django_db
def test_the_right_password_with_an_unconfirmed_sign_up_hears_confirm_your_e_mail_first(
    client: Client, other_org: Organization
) -> None:
    MemberFactory.create(organization=other_org, email="peter@initech.test")
    Client().post("/signup/", {**FORM, "slug": "initech"})
    mail.outbox.clear()
    page = sign_in(client, "peter@initech.test", PASSWORD)
    assert "Confirm your e-mail first: Initech &amp; Sons, Ltd. is created from the link we sent to" in page
    assert "Signed up a moment ago?" not in page


@pytest.mark.django_db
def test_no_confirmation_message_once_confirmed(client: Client, other_org: Organization) -> None:
    MemberFactory.create(organization=other_org, email="peter@initech.test")
    Client().post("/signup/", {**FORM, "slug": "initech"})
    PendingSignup.objects.update(confirmed_at="2026-01-01T00:00Z")
    assert "Confirm your e-mail first" not in sign_in(client, "peter@initech.test", PASSWORD)


@pytest.mark.django_db
def test_every_page_that_sets_a_password_lists_the_rules_first(admin_client: Client) -> None:
    """The invitation's page, the reset's and the change's: the rules under the field, before any try."""
    pages = {
        "password change": admin_client.get("/accounts/password/change/").content.decode(),
    }
    admin_client.post(
        "/acme/people/new/", {"full_name": "Nia", "email": "nia@acme.test", "roles": ["employee"]}
    )
    admin_client.post(f"/acme/people/{Person.objects.get(email='nia@acme.test').pk}/invite/")
    pages["invitation"] = Client().get(link_path(last_email_to("nia@acme.test"))).content.decode()
    for name, page in pages.items():
        rules = re.search(r'id="id_new_password1_helptext">Password rules:(.*?)</div>', page, re.S)
        assert rules and "at least 8 characters" in rules.group(1), name
        assert 'aria-describedby="id_new_password1_helptext"' in page, name
