"""Reads of projects, shared by the pages and the API."""

from people.selectors import clean_search


def search_projects(projects, text):
    """Projects whose name contains the text, any case; all of them for an empty search."""
    text = clean_search(text)
    return projects.filter(name__icontains=text) if text else projects
