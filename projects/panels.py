"""Extension point of the project page: higher apps add sections without this app knowing them.

A panel is a callable `panel(request, project) -> str | None` returning HTML (None: nothing to show).
`area` is "main" (below the assignments) or "side" (the right-hand column). Apps register in AppConfig.ready().
"""

_panels = {"main": [], "side": []}


def register_project_panel(panel, area="main"):
    if panel not in _panels[area]:
        _panels[area].append(panel)
    return panel


def render_project_panels(request, project, area):
    return [html for html in (panel(request, project) for panel in _panels[area]) if html]
