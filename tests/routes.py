"""Every route of the site, found by walking the URL resolver: the tenant-isolation and security tests cover new
routes without anyone adding them."""

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns, prefix=""):
    """(route, pattern) of every URL pattern below `patterns`, with the routes of the includes joined."""
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def routes(predicate):
    """Sorted (route, pattern) pairs of the site whose route satisfies the predicate."""
    return sorted(
        {route: entry for route, entry in walk(get_resolver().url_patterns) if predicate(route)}.items()
    )
