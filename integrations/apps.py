from django.apps import AppConfig
from django.core.signals import setting_changed


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self):
        from projects.panels import register_project_panel

        from .hubstaff import transport
        from .project_views import integration_settings_panel

        register_project_panel(integration_settings_panel, area="side")
        transport.configure()
        setting_changed.connect(transport.on_setting_changed, dispatch_uid="hubstaff-transport")
