from django.contrib import admin
from django.urls import include, path

from api.urls import profile_urlpatterns
from integrations.urls import callback_urlpatterns
from integrations.views.hooks import hubstaff_hook
from people.account_urls import signup_urlpatterns

from . import dev_mail, metrics, views

urlpatterns = [
    path("", views.root, name="root"),
    path("healthz", views.healthz, name="healthz"),
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("accounts/", include("people.account_urls")),
    path("signup/", include(signup_urlpatterns)),
    path("dev/mail/", dev_mail.mailbox, name="dev_mailbox"),
    path("api/", include("api.urls")),
    path("accounts/profile/", include(profile_urlpatterns)),
    path("", include(callback_urlpatterns)),
    # Hubstaff's webhooks: the key names the installation (integrations/services/live.py).
    path("hooks/hubstaff/<str:key>/", hubstaff_hook, name="hubstaff_hook"),
    path("<slug:org_slug>/", views.home, name="home"),
    path("<slug:org_slug>/", include("people.urls")),
    path("<slug:org_slug>/", include("projects.urls")),
    path("<slug:org_slug>/", include("worklogs.urls")),
    path("<slug:org_slug>/", include("integrations.urls")),
    path("<slug:org_slug>/", include("integrations.project_urls")),
    path("<slug:org_slug>/", include("planning.urls")),
    path("<slug:org_slug>/", include("capacity.urls")),
]
