"""The one e-mail rule (people/emails.py): trimmed, case-insensitive; blank is no e-mail."""

import pytest
from django.db import IntegrityError, transaction

from people.emails import normalize_email, stored_email
from people.models import Organization
from tests.factories import PersonFactory


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("ada@acme.test", "ada@acme.test"),
        ("  Ada@Acme.TEST\t", "ada@acme.test"),
        ("\nADA@ACME.TEST \n", "ada@acme.test"),
    ],
)
def test_the_key_is_trimmed_and_lower_case(typed: str, key: str) -> None:
    assert normalize_email(typed) == key


def test_the_same_address_typed_two_ways_has_one_key() -> None:
    assert normalize_email(" Bobby@Acme.test") == normalize_email("bobby@ACME.test ")


@pytest.mark.parametrize("blank", [None, "", "   ", "\t\n"])
def test_a_blank_email_has_no_key(blank: str | None) -> None:
    assert normalize_email(blank) is None


def test_different_addresses_keep_different_keys() -> None:
    assert normalize_email("ada@acme.test") != normalize_email("adam@acme.test")


def test_stored_email_is_trimmed_with_its_case_as_typed() -> None:
    assert stored_email("  Ada@Acme.TEST ") == "Ada@Acme.TEST"
    assert stored_email(None) == ""


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Élodie@acme.test", "élodie@ACME.test"),
        ("STRAßE@acme.test", "straße@acme.test"),
        ("strasse@acme.test", "straße@acme.test"),
        ("ada@acme.test", "adam@acme.test"),
    ],
)
def test_the_key_is_one_exactly_when_the_peoples_unique_index_says_one_person(
    org: Organization, first: str, second: str
) -> None:
    PersonFactory.create(organization=org, email=first)
    try:
        with transaction.atomic():
            PersonFactory.create(organization=org, email=second)
    except IntegrityError:
        refused = True
    else:
        refused = False
    assert refused == (normalize_email(first) == normalize_email(second))
