"""The API serializers' shared base: writes are validated by the pages' own forms, so both obey the same rules.

A `FormBackedSerializer` declares its fields for the OpenAPI schema and for type checks (both derived from the
model), then hands the data to the page's ModelForm (PersonForm, ProjectForm, AssignmentForm, ManualWorkLogForm)
and saves through the same form or service as the page does. A rule changed in a form changes here too.
"""

from django import forms
from django.forms.models import model_to_dict
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from people.models import Person

# The largest id a database integer column holds: bigger numbers are refused as input, never sent to the database.
MAX_ID = 2**63 - 1


def form_errors(form, renames=None):
    """A bound form's errors as {"api field": ["message", ...]}."""
    renames = renames or {}
    return {
        ("non_field_errors" if field == "__all__" else renames.get(field, field)): [
            str(message) for message in messages
        ]
        for field, messages in form.errors.items()
    }


class FormBackedSerializer(serializers.ModelSerializer):
    """A ModelSerializer whose writes are validated by a page's ModelForm and saved as the page saves them."""

    form_class: type[forms.ModelForm] | None = None
    # API field name -> form field name, where they differ.
    form_fields: dict[str, str] = {}

    def form_kwargs(self):
        return {}

    def form_initial_data(self):
        """For a partial update: what the object holds now, in the form's terms."""
        if self.instance is None:
            return {}
        return model_to_dict(self.instance)

    def validate(self, attrs):
        data = self.form_initial_data()
        for field, value in attrs.items():
            data[self.form_fields.get(field, field)] = value.pk if hasattr(value, "pk") else value
        data = {key: value for key, value in data.items() if value is not None}
        form = self.form_class(data=data, instance=self.instance, **self.form_kwargs())
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form, {v: k for k, v in self.form_fields.items()}))
        self._form = form
        return attrs

    def save_form(self, form):
        return form.save()

    def create(self, validated_data):
        return self.save_form(self._form)

    def update(self, instance, validated_data):
        return self.save_form(self._form)


@extend_schema_field(OpenApiTypes.INT)
class TenantPersonField(serializers.PrimaryKeyRelatedField):
    """A person id, looked up only among the people of the request's organization."""

    default_error_messages = {
        "does_not_exist": "No person with id {pk_value} in this organization.",
        "incorrect_type": "A person id (an integer) is expected, not {data_type}.",
    }

    def get_queryset(self):
        tenant = self.context.get("tenant")
        if tenant is None:
            return Person.objects.none()
        return tenant.scope(Person)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)
