"""Extension point of a person's page: higher apps add sections without this app knowing them.

A panel is a callable `panel(request, person) -> str | None` returning HTML (None: nothing to show), shown below
the person's form in the order registered. Apps register in AppConfig.ready().
"""

from collections.abc import Callable

from .models import Person
from .tenancy import TenantRequest

PersonPanel = Callable[[TenantRequest, Person], str | None]

_panels: list[PersonPanel] = []


def register_person_panel(panel: PersonPanel) -> PersonPanel:
    if all(existing is not panel for existing in _panels):
        _panels.append(panel)
    return panel


def render_person_panels(request: TenantRequest, person: Person) -> list[str]:
    return [html for html in (panel(request, person) for panel in _panels) if html]
