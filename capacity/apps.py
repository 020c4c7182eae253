from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "capacity"
    verbose_name = "Capacity"

    def ready(self) -> None:
        from people.panels import register_person_panel
        from projects.warnings import register_assignment_check

        from .views import person_capacity_panel
        from .warnings import overallocation_warning

        register_assignment_check(overallocation_warning)
        register_person_panel(person_capacity_panel)
