"""The API's door to tenant data, built on `people.tenancy`: the same membership, 404 and role rules as the pages.

Every view under /api/v1/orgs/<org_slug>/ derives from `TenantAPIView`. Before the method's handler runs, in
this order:

1. authentication (a token or the session); anonymous -> 401;
2. `resolve_tenant` from people.tenancy: a user who is not a member of the organization gets 404, as on the pages;
3. the roles the view requires for this method (roles *held*, as on the pages; an API client has no active role) -> 403;
4. every object named by the URL (`project_id`, `person_id`, ...) is fetched through `Tenant.get`, so another
   organization's id is 404 whatever the HTTP method, before the method is even looked at.
"""

from django.http import Http404
from rest_framework import generics
from rest_framework.authentication import SessionAuthentication
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission, IsAuthenticated
from rest_framework.serializers import BaseSerializer

from api.authentication import HashedTokenAuthentication
from people.models import TenantModel
from people.tenancy import Tenant, resolve_tenant

from .exceptions import api_exception_handler
from .pagination import Pagination
from .schema import ApiAutoSchema


class HoldsRequiredRole(BasePermission):
    """Resolve the organization from the URL (404 for non-members) and check the roles this method needs."""

    message = "Your roles in this organization do not allow this."

    def has_permission(self, request, view):
        tenant = view.resolve_tenant()
        roles = view.required_roles(request.method)
        return not roles or tenant.holds(*roles)


class TenantAPIView(generics.GenericAPIView):
    """Base of every organization endpoint. Subclasses set the roles and the models their URL ids name."""

    # Token first: its 401 answer (with WWW-Authenticate) is what an unauthenticated script should get.
    authentication_classes = [HashedTokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated, HoldsRequiredRole]
    # JSON in: one format to document, parse and test (forms and multipart add nothing for scripts).
    parser_classes = [JSONParser]
    pagination_class = Pagination
    schema = ApiAutoSchema()

    # Roles of which one must be held: `read_roles` for GET/HEAD/OPTIONS, `write_roles` for the others.
    read_roles: tuple[str, ...] | None = None  # None: same as write_roles
    write_roles: tuple[str, ...] = ()
    # URL kwarg -> model, resolved in this order; a model with a `project` field is looked up within the project.
    url_models: dict[str, type[TenantModel]] = {}

    tenant: Tenant | None = None

    def required_roles(self, method):
        if method in SAFE_METHODS and self.read_roles is not None:
            return self.read_roles
        return self.write_roles

    def resolve_tenant(self):
        if self.tenant is None:
            self.tenant = resolve_tenant(self.request, self.kwargs["org_slug"])
            self.request.tenant = self.tenant
        return self.tenant

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.url_objects = {}
        for kwarg, model in self.url_models.items():
            if kwarg in kwargs:
                self.url_objects[kwarg] = self.tenant.get(
                    model, kwargs[kwarg], queryset=self.scope_for(model)
                )

    def scope_for(self, model):
        """Where a URL id of `model` is looked up: the organization, and the URL's project if the model has one."""
        queryset = self.tenant.scope(model)
        project = self.url_objects.get("project_id")
        if (
            project is not None
            and model is not type(project)
            and any(f.name == "project" for f in model._meta.fields)
        ):
            queryset = queryset.filter(project=project)
        return queryset

    # Serializer of the query parameters a list accepts (None: none); bad values are a 400 with field messages.
    filter_serializer_class: type[BaseSerializer] | None = None

    def filters(self):
        if self.filter_serializer_class is None or self.request.method != "GET":
            return {}
        filters = self.filter_serializer_class(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        return filters.validated_data

    def get_exception_handler(self):
        return api_exception_handler

    @property
    def project(self):
        return self.url_objects["project_id"]

    def is_schema_generation(self):
        return getattr(self, "swagger_fake_view", False)

    def get_object(self):
        obj = self.url_objects.get(self.lookup_url_kwarg)
        if obj is None:  # a view without a lookup (DRF's OPTIONS answer asks anyway)
            raise Http404
        self.check_object_permissions(self.request, obj)
        return obj

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.tenant is not None:
            context["tenant"] = self.tenant
            context["project"] = getattr(self, "url_objects", {}).get("project_id")
        return context
