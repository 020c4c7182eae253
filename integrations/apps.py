from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from projects.panels import register_project_panel

        from .project_views import integration_settings_panel

        register_project_panel(integration_settings_panel, area="side")
