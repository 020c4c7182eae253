"""Extension point: the names of the projects that synced work logs came from, for the work-log table.

A work log keeps its source project's id only (`source_project_id`); the app that syncs knows the names. It
registers a namer, `namer(organization, ids) -> {id: name}`, in its AppConfig.ready, so that this lower app
never imports it.
"""

_namers = []


def register_source_project_namer(namer):
    if namer not in _namers:
        _namers.append(namer)
    return namer


def source_project_names(organization, ids):
    """{source project id: name} of the ids any registered namer knows (nothing asked for no ids)."""
    names = {}
    ids = {i for i in ids if i is not None}
    if ids:
        for namer in _namers:
            names.update(namer(organization, ids))
    return names


def name_sources(organization, worklogs):
    """Set `source_project_name` on each work log of a page ("" when unknown); returns the work logs."""
    worklogs = list(worklogs)
    names = source_project_names(organization, {log.source_project_id for log in worklogs})
    for log in worklogs:
        log.source_project_name = names.get(log.source_project_id, "")
    return worklogs
