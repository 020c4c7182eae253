"""Extension point: the names of the projects that synced work logs came from, for the work-log table.

A work log keeps its source project's id only (`source_project_id`); the app that syncs knows the names. It
registers a namer, `namer(organization, ids) -> {id: name}`, in its AppConfig.ready, so that this lower app
never imports it.
"""

from collections.abc import Callable, Iterable, Mapping

from people.models import Organization

from .models import WorkLog

SourceProjectNamer = Callable[[Organization, set[int]], Mapping[int, str]]

_namers: list[SourceProjectNamer] = []


def register_source_project_namer(namer: SourceProjectNamer) -> SourceProjectNamer:
    if namer not in _namers:
        _namers.append(namer)
    return namer


def source_project_names(organization: Organization, ids: Iterable[int | None]) -> dict[int, str]:
    """{source project id: name} of the ids any registered namer knows (nothing asked for no ids)."""
    names: dict[int, str] = {}
    known = {i for i in ids if i is not None}
    if known:
        for namer in _namers:
            names.update(namer(organization, known))
    return names


def name_sources(organization: Organization, worklogs: Iterable[WorkLog]) -> list[WorkLog]:
    """Set `source_project_name` on each work log of a page ("" when unknown); returns the work logs."""
    logs = list(worklogs)
    names = source_project_names(organization, {log.source_project_id for log in logs})
    for log in logs:
        log.source_project_name = (
            names.get(log.source_project_id, "") if log.source_project_id is not None else ""
        )
    return logs
