"""factory_boy factories for the domain, shared by every app's tests."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from people.models import Organization, Person
from projects.models import Assignment, Project
from worklogs.models import WorkLog

PASSWORD = "test-password-123"


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.test")
    email = factory.SelfAttribute("username")
    password = factory.django.Password(PASSWORD)


class OrganizationFactory(factory.django.DjangoModelFactory[Organization]):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"org-{n}")


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    organization = factory.SubFactory(OrganizationFactory)
    full_name = factory.Sequence(lambda n: f"Person {n}")
    email = factory.Sequence(lambda n: f"person{n}@example.test")
    is_employee = True


class MemberFactory(PersonFactory):
    """A person who can sign in."""

    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..email"))


class ProjectFactory(factory.django.DjangoModelFactory[Project]):
    class Meta:
        model = Project

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    start_date = date(2026, 1, 1)
    end_date = date(2026, 9, 22)


class AssignmentFactory(factory.django.DjangoModelFactory[Assignment]):
    class Meta:
        model = Assignment

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..project.organization"))
    start_date = factory.SelfAttribute("project.start_date")
    end_date = factory.LazyAttribute(lambda o: o.project.end_date or o.project.start_date)
    hours_per_day = 8


class WorkLogFactory(factory.django.DjangoModelFactory[WorkLog]):
    class Meta:
        model = WorkLog

    project = factory.SubFactory(ProjectFactory)
    organization = factory.SelfAttribute("project.organization")
    person = factory.SubFactory(PersonFactory, organization=factory.SelfAttribute("..project.organization"))
    date = date(2026, 2, 2)
    duration_seconds = 3600


def assigned_project(organization):
    """A project of `organization`, a person of it, and that person's assignment to the project."""
    project = ProjectFactory(organization=organization)
    person = PersonFactory(organization=organization)
    return {
        "project": project,
        "person": person,
        "assignment": AssignmentFactory(project=project, person=person),
    }
