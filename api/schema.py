"""The OpenAPI description of every endpoint also lists the errors it can answer, with their JSON shapes."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})

VALIDATION_ERROR = OpenApiResponse(
    response={
        "type": "object",
        "description": "Messages per field (`non_field_errors` for the request as a whole), or a `detail`.",
        "additionalProperties": {},
    },
    description="Bad input: messages per field.",
)
ERRORS = {
    "401": OpenApiResponse(
        ErrorSerializer, description="Not signed in and no valid `Authorization: Token <key>`."
    ),
    "403": OpenApiResponse(ErrorSerializer, description="Your roles in this organization do not allow this."),
    "404": OpenApiResponse(ErrorSerializer, description="No such organization for you, or no such id in it."),
}


class ApiAutoSchema(AutoSchema):
    def get_tags(self):
        tag = getattr(self.view, "schema_tag", None)
        return [tag] if tag else super().get_tags()

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = dict(ERRORS)
        if self.method in ("POST", "PUT", "PATCH") or self._has_query_filters():
            errors["400"] = VALIDATION_ERROR
        for code, response in errors.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses

    def _has_query_filters(self):
        return bool(getattr(self.view, "filter_serializer_class", None)) and self.method == "GET"
