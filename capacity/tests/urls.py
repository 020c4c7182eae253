"""The site's URLs with the capacity pages at /<org_slug>/capacity/ and the capacity API at
/api/v1/orgs/<org_slug>/capacity/, for the tests of both.

The root URLconf and api/urls.py include them the same way; listing them first here keeps these tests independent
of the order of those lists (the API answers any other path under /api/ with its JSON 404).
"""

from django.urls import include, path

from capacity.api_urls import capacity_api_patterns

urlpatterns = [
    path("api/v1/orgs/<slug:org_slug>/capacity/", include(capacity_api_patterns)),
    path("<slug:org_slug>/", include("capacity.urls")),
    path("", include("primetric.urls")),
]
