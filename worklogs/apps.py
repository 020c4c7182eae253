from django.apps import AppConfig


class WorklogsConfig(AppConfig):
    name = "worklogs"
    verbose_name = "Work logs"

    def ready(self) -> None:
        from projects.panels import register_project_panel

        from .views import project_worklogs_panel

        register_project_panel(project_worklogs_panel, area="main")
