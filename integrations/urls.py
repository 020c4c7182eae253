from django.urls import include, path

from .views import install, user_links

integration_patterns = (
    [
        path("", install.integration_list, name="list"),
        path("hubstaff/", install.hubstaff_manage, name="hubstaff_manage"),
        path("hubstaff/install/", install.hubstaff_install, name="hubstaff_install"),
        path("hubstaff/reauthorize/", install.hubstaff_reauthorize, name="hubstaff_reauthorize"),
        path("hubstaff/uninstall/", install.hubstaff_uninstall, name="hubstaff_uninstall"),
        path("hubstaff/availability/", install.hubstaff_availability, name="hubstaff_availability"),
        path(
            "hubstaff/user-links/<int:link_id>/remove/",
            user_links.unlink_hubstaff_user,
            name="hubstaff_unlink_user",
        ),
    ],
    "integrations",
)

urlpatterns = [path("integrations/", include(integration_patterns))]

# The OAuth callback is one fixed address for the whole site (Hubstaff checks it against the app's registered
# Redirect URLs); the organization comes from the state kept in the session. primetric/urls.py includes it
# outside the /<org_slug>/ prefix.
callback_urlpatterns = [
    path("integrations/hubstaff/callback/", install.hubstaff_callback, name="hubstaff_callback"),
]
