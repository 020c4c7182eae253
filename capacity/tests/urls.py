"""The site's URLs with the capacity pages at /<org_slug>/capacity/, for the tests of those pages.

The root URLconf includes them the same way (capacity/urls.py); listing them first here keeps these tests
independent of the order of that list.
"""

from django.urls import include, path

urlpatterns = [
    path("<slug:org_slug>/", include("capacity.urls")),
    path("", include("primetric.urls")),
]
