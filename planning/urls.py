from django.urls import include, path

planning_patterns = ([], "planning")

urlpatterns = [path("", include(planning_patterns))]
