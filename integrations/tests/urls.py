"""The site's URLs plus the Hubstaff OAuth callback, for tests run before primetric/urls.py includes it."""

from integrations.urls import callback_urlpatterns
from primetric.urls import urlpatterns as site_urlpatterns

urlpatterns = callback_urlpatterns + site_urlpatterns
