"""Extension point of a person's page: higher apps add sections without this app knowing them.

A panel is a callable `panel(request, person) -> str | None` returning HTML (None: nothing to show), shown below
the person's form in the order registered. Apps register in AppConfig.ready().
"""

_panels = []


def register_person_panel(panel):
    if all(existing is not panel for existing in _panels):
        _panels.append(panel)
    return panel


def render_person_panels(request, person):
    return [html for html in (panel(request, person) for panel in _panels) if html]
