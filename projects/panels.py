"""Extension point of the project page: higher apps add sections without this app knowing them.

A panel is a callable `panel(request, project) -> str | None` returning HTML (None: nothing to show).
`area` is "main" (below the assignments) or "side" (the right-hand column); panels of an area are shown by
ascending `order`. Apps register in AppConfig.ready().
"""

from collections.abc import Callable

from people.tenancy import TenantRequest

from .models import Project

ProjectPanel = Callable[[TenantRequest, Project], str | None]

_panels: dict[str, list[tuple[int, ProjectPanel]]] = {"main": [], "side": []}


def register_project_panel(panel: ProjectPanel, area: str = "main", order: int = 100) -> ProjectPanel:
    if all(existing is not panel for _, existing in _panels[area]):
        _panels[area].append((order, panel))
        _panels[area].sort(key=lambda entry: entry[0])
    return panel


def render_project_panels(request: TenantRequest, project: Project, area: str) -> list[str]:
    return [html for html in (panel(request, project) for _, panel in _panels[area]) if html]
