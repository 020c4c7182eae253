"""The three roles a person may hold in an organization, and what each one's navigation shows."""

from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    MANAGER = "manager", "Manager"
    EMPLOYEE = "employee", "Employee"


# The order in which a person's first active role is chosen.
ROLE_PRECEDENCE = (Role.ADMINISTRATOR, Role.MANAGER, Role.EMPLOYEE)

# (url name, label) per active role; the header shows these links.
NAVIGATION: dict[str, tuple[tuple[str, str], ...]] = {
    Role.ADMINISTRATOR: (
        ("people:list", "People"),
        ("integrations:list", "Integrations"),
        ("worklogs:lock", "Locked period"),
        ("capacity:settings", "Capacity"),
    ),
    Role.MANAGER: (
        ("projects:list", "Projects"),
        ("planning:report", "Planned vs logged"),
        ("people:list", "People"),
        ("capacity:time_off", "Time off"),
        ("capacity:free", "Who is free"),
    ),
    Role.EMPLOYEE: (("worklogs:my_work", "My work"), ("capacity:my_time_off", "My time off")),
}
