"""Projects and assignments, validated by the project pages' forms."""

from decimal import Decimal

from django.forms.models import model_to_dict
from rest_framework import serializers

from projects.forms import AssignmentForm, ProjectForm
from projects.models import Assignment, Project

from .base import FormBackedSerializer, TenantPersonField


class ProjectSerializer(FormBackedSerializer):
    """A project. `end_date` may be null (open-ended). `archived` is set on update, as on the project's edit page."""

    form_class = ProjectForm

    class Meta:
        model = Project
        fields = ["id", "name", "start_date", "end_date", "archived", "created_at"]
        read_only_fields = ["created_at"]
        validators: list[object] = []

    def form_kwargs(self):
        return {"organization": self.context["tenant"].organization}

    def form_initial_data(self):
        if self.instance is None:
            return {}
        return model_to_dict(self.instance, fields=["name", "start_date", "end_date", "archived"])


class AssignmentSerializer(FormBackedSerializer):
    """A person on a project from `start_date` to `end_date` (within the project's dates), `hours_per_day` a day.

    `origin` tells whether a manager made it (`manual`) or a sync created it (`sync`); it is set by the product.
    """

    person = TenantPersonField()
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    hours_per_day = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0"),
        max_value=Decimal("24"),
        coerce_to_string=False,
        required=False,
    )

    form_class = AssignmentForm

    class Meta:
        model = Assignment
        fields = [
            "id",
            "project",
            "person",
            "person_name",
            "start_date",
            "end_date",
            "hours_per_day",
            "origin",
            "trimmed",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["project", "origin", "trimmed", "created_at", "updated_at"]
        validators: list[object] = []

    def form_kwargs(self):
        return {"project": self.instance.project if self.instance is not None else self.context["project"]}

    def form_initial_data(self):
        if self.instance is None:
            return {"hours_per_day": Assignment._meta.get_field("hours_per_day").default}
        return model_to_dict(self.instance, fields=["person", "start_date", "end_date", "hours_per_day"])
