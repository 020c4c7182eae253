"""Tenant keys (people/tenant_keys.py): PostgreSQL itself refuses a work log or an assignment that points at a
project, person or assignment of another organization, whatever the code above it does; rows of one organization
still save, and deleting still cascades."""

from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from people.models import Organization, Person
from projects.models import Assignment, Project
from tests.factories import OrganizationFactory, assigned_project
from worklogs.models import WorkLog

pytestmark = pytest.mark.django_db


def tenant(org):
    """The fields a work log of `org` points with: its organization, a project, a person and an assignment."""
    return {"organization": org, **assigned_project(org)}


@pytest.fixture
def ours():
    return tenant(OrganizationFactory())


@pytest.fixture
def theirs():
    return tenant(OrganizationFactory())


def checked_now(create):
    """Run `create` with the keys checked at once (they are deferred to the commit, which a test never reaches)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return create()


def worklog(**fields):
    return lambda: WorkLog.objects.create(date=date(2026, 1, 5), duration_seconds=3600, **fields)


def assignment(**fields):
    return lambda: Assignment.objects.create(
        start_date=date(2026, 2, 1), end_date=date(2026, 2, 28), **fields
    )


def test_rows_of_one_organization_save(ours):
    log = checked_now(worklog(**ours))
    planned = checked_now(assignment(**{k: ours[k] for k in ("organization", "project", "person")}))
    assert WorkLog.objects.get(pk=log.pk).assignment == ours["assignment"]
    assert Assignment.objects.filter(pk=planned.pk).exists()


@pytest.mark.parametrize("foreign", ["project", "person", "assignment"])
def test_a_work_log_pointing_into_another_organization_is_refused(ours, theirs, foreign):
    before = WorkLog.objects.count()
    with pytest.raises(IntegrityError, match=f"worklogs_worklog_{foreign}_id_tenant_fk"):
        checked_now(worklog(**{**ours, foreign: theirs[foreign]}))
    assert WorkLog.objects.count() == before


@pytest.mark.parametrize("foreign", ["project", "person"])
def test_an_assignment_pointing_into_another_organization_is_refused(ours, theirs, foreign):
    fields = {k: ours[k] for k in ("organization", "project", "person")}
    with pytest.raises(IntegrityError, match=f"projects_assignment_{foreign}_id_tenant_fk"):
        checked_now(assignment(**{**fields, foreign: theirs[foreign]}))


def test_moving_a_work_log_to_another_organization_alone_is_refused(ours, theirs):
    log = checked_now(worklog(**ours))
    with pytest.raises(IntegrityError, match="tenant_fk"):
        checked_now(lambda: WorkLog.objects.filter(pk=log.pk).update(organization=theirs["organization"]))


def test_a_work_log_without_assignment_needs_no_assignment_key(ours):
    log = checked_now(worklog(**{**ours, "assignment": None}))
    assert WorkLog.objects.get(pk=log.pk).assignment is None


def test_a_missing_organization_is_refused_through_the_project_key(ours):
    with pytest.raises(IntegrityError, match="tenant_fk"):
        checked_now(worklog(**{**ours, "organization": Organization(pk=ours["organization"].pk + 10_000)}))


def test_deleting_still_cascades(ours):
    checked_now(worklog(**ours))
    checked_now(ours["assignment"].delete)
    assert WorkLog.objects.get(project=ours["project"]).assignment is None
    checked_now(lambda: Person.objects.filter(pk=ours["person"].pk).delete())
    assert not WorkLog.objects.filter(project=ours["project"]).exists()
    checked_now(ours["organization"].delete)
    assert not Project.objects.filter(pk=ours["project"].pk).exists()


@pytest.mark.parametrize("table", ["people_person", "projects_project", "projects_assignment"])
def test_a_keys_check_has_only_the_organization_and_id_index_to_choose(table):
    """PostgreSQL checks a key with a generic plan; with an index of organization_id alone beside the key's
    unique (organization_id, id) one, it once chose the former and read a whole organization's rows for every
    work log written. The key's index is there, and no index of organization_id alone competes with it."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table).values()
    assert ["organization_id", "id"] in [c["columns"] for c in constraints if c["unique"]]
    assert ["organization_id"] not in [c["columns"] for c in constraints if c["index"] or c["unique"]]
