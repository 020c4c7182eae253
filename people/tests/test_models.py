import pytest
from django.db import IntegrityError, transaction

from people.models import Organization, Person
from people.roles import Role
from tests.factories import OrganizationFactory, PersonFactory


@pytest.mark.django_db
def test_email_is_unique_per_organization_ignoring_case() -> None:
    org = OrganizationFactory.create()
    PersonFactory.create(organization=org, email="Bobby@Acme.test")
    with pytest.raises(IntegrityError), transaction.atomic():
        PersonFactory.create(organization=org, email="bobby@acme.TEST")


@pytest.mark.django_db
def test_same_email_may_exist_in_two_organizations() -> None:
    PersonFactory.create(organization=OrganizationFactory.create(), email="bobby@acme.test")
    PersonFactory.create(organization=OrganizationFactory.create(), email="bobby@acme.test")
    assert Person.objects.filter(email="bobby@acme.test").count() == 2


@pytest.mark.django_db
def test_email_is_stored_trimmed() -> None:
    person = PersonFactory.create(email="  sam@acme.test ")
    person.refresh_from_db()
    assert person.email == "sam@acme.test"


@pytest.mark.django_db
def test_roles_are_listed_in_precedence_order() -> None:
    person = PersonFactory.create(is_employee=True, is_manager=True, is_administrator=False)
    assert person.roles == [Role.MANAGER, Role.EMPLOYEE]
    person.set_roles([Role.ADMINISTRATOR])
    assert person.roles == [Role.ADMINISTRATOR]


@pytest.mark.django_db
def test_organization_slug_is_unique() -> None:
    OrganizationFactory.create(slug="acme")
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.create(name="Another", slug="acme")
