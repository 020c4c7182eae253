"""The sign-in throttle holds wherever a password is checked: the e-mail sign-in page and the admin's sign-in page
share one count per account and one per client address (people/auth.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.factories import PASSWORD


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        username="root@ops.test", email="root@ops.test", password=PASSWORD
    )


def admin_sign_in(client, username, password, address="10.1.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def site_sign_in(client, username, password, address="10.1.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in_as(client):
    return client.session.get("_auth_user_id")


def test_the_right_password_works_at_the_admin_sign_in(superuser):
    client = Client()
    response = admin_sign_in(client, "root@ops.test", PASSWORD)
    assert response.status_code == 302 and signed_in_as(client) == str(superuser.pk)


def test_twelve_wrong_passwords_at_the_admin_sign_in_then_the_right_one_is_refused(superuser):
    client = Client()
    for _ in range(12):
        assert admin_sign_in(client, "root@ops.test", "wrong").status_code == 200
    response = admin_sign_in(client, "root@ops.test", PASSWORD)
    assert response.status_code == 200 and signed_in_as(client) is None
    assert client.get("/admin/").status_code == 302  # still sent to the sign-in page


def test_admin_failures_spread_over_addresses_still_pause_the_account(superuser, settings):
    for i in range(settings.LOGIN_FAILURE_LIMIT):
        admin_sign_in(Client(), "root@ops.test", "wrong", address=f"10.1.1.{i}")
    client = Client()
    admin_sign_in(client, "ROOT@ops.test", PASSWORD, address="10.1.2.1")
    assert signed_in_as(client) is None


def test_failures_at_the_site_sign_in_pause_the_admin_sign_in_too(superuser, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        site_sign_in(Client(), "root@ops.test", "wrong")
    client = Client()
    admin_sign_in(client, "root@ops.test", PASSWORD, address="10.1.3.1")
    assert signed_in_as(client) is None
    assert "Too many failed sign-ins" in site_sign_in(Client(), "root@ops.test", PASSWORD).content.decode()


def test_one_person_mistyping_behind_a_shared_address_does_not_lock_out_the_office(
    superuser, employee, settings
):
    office = "192.0.2.10"
    for _ in range(settings.LOGIN_FAILURE_LIMIT):
        site_sign_in(Client(), "root@ops.test", "wrong", address=office)
    assert site_sign_in(Client(), employee.user.username, PASSWORD, address=office).status_code == 302


def test_one_address_spraying_accounts_at_the_admin_sign_in_is_paused(superuser, settings):
    sprayer = "198.51.100.7"
    for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        admin_sign_in(Client(), f"guess{i}@ops.test", "wrong", address=sprayer)
    client = Client()
    admin_sign_in(client, "root@ops.test", PASSWORD, address=sprayer)
    assert signed_in_as(client) is None
    assert admin_sign_in(Client(), "root@ops.test", PASSWORD, address="198.51.100.8").status_code == 302


def test_signing_in_to_an_own_account_does_not_reset_the_address_count(superuser, employee, settings):
    sprayer = "198.51.100.9"
    for i in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        site_sign_in(Client(), f"guess{i}@acme.test", "wrong", address=sprayer)
    assert site_sign_in(Client(), employee.user.username, PASSWORD, address=sprayer).status_code == 302
    site_sign_in(Client(), "guess-last@acme.test", "wrong", address=sprayer)
    client = Client()
    admin_sign_in(client, "root@ops.test", PASSWORD, address=sprayer)
    assert signed_in_as(client) is None


def test_a_success_forgets_the_accounts_earlier_failures(superuser, settings):
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        admin_sign_in(Client(), "root@ops.test", "wrong")
    assert admin_sign_in(Client(), "root@ops.test", PASSWORD).status_code == 302
    for _ in range(settings.LOGIN_FAILURE_LIMIT - 1):
        admin_sign_in(Client(), "root@ops.test", "wrong")
    assert admin_sign_in(Client(), "root@ops.test", PASSWORD).status_code == 302
