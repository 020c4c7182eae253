"""Reads of the integrations app that pages, forms, the API and the sync share (services/ holds the writes)."""

from collections.abc import Iterable

from django.db.models import QuerySet

from integrations.models import HubstaffProject, Installation, ProjectLink
from people.models import Organization
from projects.models import Project
from worklogs.models import WeeklyTotal, WorkLog
from worklogs.selectors import logs_of_source


def hubstaff_project_names(organization: Organization | int, ids: Iterable[int]) -> dict[int, str]:
    """{Hubstaff project id: name} from the organization's cached list (one query): a work log's source."""
    return dict(
        HubstaffProject.objects.for_org(organization)
        .filter(hubstaff_id__in=ids)
        .values_list("hubstaff_id", "name")
        .distinct()
    )


def get_installation(organization: Organization | int) -> Installation | None:
    """The organization's Hubstaff installation, whatever its state, or None."""
    return Installation.objects.for_org(organization).filter(provider=Installation.Provider.HUBSTAFF).first()


def get_link(project: Project) -> ProjectLink | None:
    """The project's link to Hubstaff (its Integration settings), or None if it was never saved."""
    return ProjectLink.objects.for_org(project.organization_id).filter(project=project).first()


def reachable_projects(organization: Organization | int) -> QuerySet[HubstaffProject]:
    """The Hubstaff projects the organization's installation reaches (the Select projects choices)."""
    installation = get_installation(organization)
    if installation is None:
        return HubstaffProject.objects.none()
    return HubstaffProject.objects.for_org(organization).filter(installation=installation)


def hubstaff_project_count(installation: Installation) -> int:
    """How many Hubstaff projects the installation reached when they were last refreshed."""
    return installation.hubstaff_projects.count()


def synced_log_count(project: Project) -> int:
    """How many synced work logs the project has, from its weekly totals (not a COUNT over its logs)."""
    totals = WeeklyTotal.objects.for_org(project.organization_id).filter(project=project)
    return logs_of_source(totals, WorkLog.Source.HUBSTAFF)
