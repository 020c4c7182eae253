from django.urls import include, path

from . import views

integration_patterns = ([path("", views.integration_list, name="list")], "integrations")

urlpatterns = [path("integrations/", include(integration_patterns))]
