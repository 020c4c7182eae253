from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "planning"
    verbose_name = "Planning views"

    def ready(self):
        from projects.panels import register_project_panel

        from .views import project_timeline_panel

        # Main column of the project page: the picture first, the long work-log list after it.
        register_project_panel(project_timeline_panel, area="main", order=10)
