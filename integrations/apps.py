from django.apps import AppConfig
from django.core.signals import setting_changed


class IntegrationsConfig(AppConfig):
    name = "integrations"

    def ready(self) -> None:
        from people.panels import register_person_panel
        from projects.panels import register_project_panel
        from worklogs.sources import register_source_project_namer

        from .hubstaff import transport
        from .selectors import hubstaff_project_names
        from .views.project import integration_settings_panel
        from .views.user_links import person_links_panel

        register_project_panel(integration_settings_panel, area="side")
        register_person_panel(person_links_panel)
        register_source_project_namer(hubstaff_project_names)
        transport.configure()
        setting_changed.connect(transport.on_setting_changed, dispatch_uid="hubstaff-transport")
