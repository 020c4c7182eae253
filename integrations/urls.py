from django.urls import include, path

from . import user_link_views, views

integration_patterns = (
    [
        path("", views.integration_list, name="list"),
        path("hubstaff/", views.hubstaff_manage, name="hubstaff_manage"),
        path("hubstaff/install/", views.hubstaff_install, name="hubstaff_install"),
        path("hubstaff/reauthorize/", views.hubstaff_reauthorize, name="hubstaff_reauthorize"),
        path("hubstaff/uninstall/", views.hubstaff_uninstall, name="hubstaff_uninstall"),
        path(
            "hubstaff/user-links/<int:link_id>/remove/",
            user_link_views.unlink_hubstaff_user,
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
    path("integrations/hubstaff/callback/", views.hubstaff_callback, name="hubstaff_callback"),
]
