"""Extension point of a person's form: warnings shown before a change is saved, from apps this one does not know.

A warning is a callable `warning(person) -> list[str]` giving sentences to show beside the e-mail field: what
changing this person's e-mail would do elsewhere (integrations says what the next sync does to their synced
hours). Apps register in AppConfig.ready(); the form's view puts `email_change_warnings(person)` in its context.
"""

from collections.abc import Callable

from .models import Person

EmailChangeWarning = Callable[[Person], list[str]]

_warnings: list[EmailChangeWarning] = []


def register_email_change_warning(warning: EmailChangeWarning) -> EmailChangeWarning:
    if all(existing is not warning for existing in _warnings):
        _warnings.append(warning)
    return warning


def email_change_warnings(person: Person) -> list[str]:
    """Every registered warning's sentences about changing `person`'s e-mail, in the order registered."""
    return [sentence for warning in _warnings for sentence in warning(person)]
