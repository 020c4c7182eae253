"""Every link an e-mail carries starts with SITE_URL, whatever Host header the request that sent it named."""

import pytest
from django.test import Client
from pytest_django import Settings

from people.models import Organization
from people.tests.mailbox import LINK, last_email_to
from people.tests.test_signup import FORM
from tests.factories import MemberFactory, PersonFactory

SITE = "https://primetric.example"
FORGED = "attacker.test"


@pytest.fixture(autouse=True)
def permissive_hosts(settings: Settings) -> None:
    settings.ALLOWED_HOSTS = ["*"]
    settings.SITE_URL = SITE


def links_in(address: str) -> list[str]:
    return LINK.findall(str(last_email_to(address).body))


def test_a_password_reset_asked_with_a_forged_host_links_to_the_site(
    client: Client, org: Organization
) -> None:
    MemberFactory.create(organization=org, email="ada@acme.test")
    response = client.post("/accounts/password/reset/", {"email": "ada@acme.test"}, HTTP_HOST=FORGED)
    assert response.status_code == 302
    links = links_in("ada@acme.test")
    assert links and all(link.startswith(f"{SITE}/accounts/password/reset/") for link in links)
    assert FORGED not in str(last_email_to("ada@acme.test").body)


@pytest.mark.django_db
def test_a_sign_up_sent_with_a_forged_host_links_to_the_site(client: Client) -> None:
    response = client.post("/signup/", FORM, HTTP_HOST=FORGED)
    assert response.status_code == 302
    links = links_in(FORM["email"])
    assert links and all(link.startswith(f"{SITE}/") for link in links)
    assert FORGED not in str(last_email_to(FORM["email"]).body)


def test_an_invitation_sent_with_a_forged_host_links_to_the_site(
    admin_client: Client, org: Organization
) -> None:
    lee = PersonFactory.create(organization=org, full_name="Lee Jones", email="lee@acme.test")
    admin_client.post(f"/acme/people/{lee.pk}/invite/", HTTP_HOST=FORGED)
    links = links_in("lee@acme.test")
    assert links and all(link.startswith(f"{SITE}/accounts/invitation/") for link in links)
