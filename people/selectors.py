"""Reads of people, shared by the pages and the API."""

from django.db.models import Q, QuerySet

from .models import Person


def clean_search(text: str | None) -> str:
    """A search as typed, trimmed; a NUL character (which PostgreSQL refuses, a 500) never belongs in one."""
    return (text or "").replace("\x00", "").strip()


def search_people(people: QuerySet[Person], text: str | None) -> QuerySet[Person]:
    """People whose name or e-mail contains the text, any case; all of them for an empty search."""
    text = clean_search(text)
    if not text:
        return people
    return people.filter(Q(full_name__icontains=text) | Q(email__icontains=text))
