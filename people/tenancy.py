"""The one way a request reaches tenant data.

A page lives under /<org_slug>/. `tenant_view` resolves the organization and the signed-in user's membership
(their Person in it) from the URL; a user who is not a member gets 404, exactly as if the organization did not
exist, so that slugs cannot be probed. The view then reads tenant rows only through `request.tenant.scope(Model)`
and `request.tenant.get(Model, pk)`, which filter by the organization, so another organization's ids give 404.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import wraps
from typing import Concatenate, ParamSpec, Protocol, TypeGuard, TypeVar, cast

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, render

from .models import Organization, Person, TenantModel, TenantQuerySet
from .roles import ROLE_PRECEDENCE, Role

ACTIVE_ROLE_SESSION_KEY = "active_role:{org_id}"

_Tenanted = TypeVar("_Tenanted", bound=TenantModel)
_ViewParams = ParamSpec("_ViewParams")


@dataclass
class Tenant:
    """The organization a request acts in, the member acting, and the role they chose to act in."""

    organization: Organization
    person: Person
    active_role: str | None

    def scope(self, model: type[_Tenanted]) -> TenantQuerySet[_Tenanted]:
        """All rows of a tenant-owned model that belong to this organization."""
        # `objects` is typed as declared on TenantModel; every subclass keeps that manager.
        return cast("TenantQuerySet[_Tenanted]", model.objects.for_org(self.organization))

    def get(
        self, model: type[_Tenanted], pk: int | str, queryset: QuerySet[_Tenanted] | None = None
    ) -> _Tenanted:
        """One row of this organization by id, or 404 (also for a malformed id or another tenant's row).

        `queryset` narrows the lookup further (e.g. to one project's rows); it is scoped to the organization too.
        """
        queryset = self.scope(model) if queryset is None else queryset.filter(organization=self.organization)
        try:
            row_id = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        return get_object_or_404(queryset, pk=row_id)

    def holds(self, *roles: str) -> bool:
        return self.person.has_role(*roles)

    @property
    def roles(self) -> list[Role]:
        return self.person.roles


class TenantRequest(HttpRequest):
    """The request a view under `tenant_view` gets: signed in, its organization and member resolved."""

    user: User
    tenant: Tenant


class TenantView(Protocol[_ViewParams]):
    """A view wrapped by `tenant_view`: called with the URL's org_slug, and says which roles it admits."""

    tenant_roles: tuple[str, ...]

    def __call__(
        self, request: HttpRequest, org_slug: str, *args: _ViewParams.args, **kwargs: _ViewParams.kwargs
    ) -> HttpResponseBase: ...


def has_tenant(request: HttpRequest) -> TypeGuard[TenantRequest]:
    """Whether the request acts in an organization (a page or API call under /<org_slug>/ resolved it)."""
    return getattr(request, "tenant", None) is not None


def find_membership(user: User | AnonymousUser, org_slug: str) -> Person | None:
    """The user's Person in the organization with this slug, or None."""
    if not user.is_authenticated:
        return None
    return (
        Person.objects.select_related("organization").filter(organization__slug=org_slug, user=user).first()
    )


def memberships(user: User) -> QuerySet[Person]:
    return Person.objects.select_related("organization").filter(user=user).order_by("organization__name")


def active_role(session: SessionBase, person: Person) -> str | None:
    """The role chosen in this session for this organization, if still held; else the first role held."""
    chosen: str | None = session.get(ACTIVE_ROLE_SESSION_KEY.format(org_id=person.organization_id))
    held = person.roles
    if chosen in held:
        return chosen
    return held[0] if held else None


def set_active_role(session: SessionBase, person: Person, role: str) -> None:
    if role not in person.roles:
        raise PermissionDenied("You do not hold that role.")
    session[ACTIVE_ROLE_SESSION_KEY.format(org_id=person.organization_id)] = role


def resolve_tenant(request: HttpRequest, org_slug: str) -> Tenant:
    person = find_membership(request.user, org_slug)
    if person is None:
        raise Http404("No such organization.")
    return Tenant(
        organization=person.organization, person=person, active_role=active_role(request.session, person)
    )


def grantable_role(tenant: Tenant, roles: Sequence[str]) -> Role | None:
    """The role an Administrator may give herself to open a page that admits `roles`, or None.

    An Administrator grants any role, her own included; she misses only Manager or Employee (a page that admits
    Administrators already lets her in).
    """
    if not tenant.holds(Role.ADMINISTRATOR):
        return None
    return next((Role(role) for role in ROLE_PRECEDENCE if role in roles and not tenant.holds(role)), None)


def role_needed(request: TenantRequest, roles: Sequence[str]) -> HttpResponse:
    """The 403 page of a member whose roles do not admit a page: which role it needs, and who grants it.

    An Administrator is offered to take the role herself (people.views.take_role); anyone else reads the names
    of the organization's Administrators and what to ask them for.
    """
    tenant = request.tenant
    administrators = (
        tenant.scope(Person).filter(is_administrator=True).exclude(pk=tenant.person.pk).order_by("full_name")
    )
    context = {
        "needed": [Role(role).label for role in ROLE_PRECEDENCE if role in roles],
        "grantable": grantable_role(tenant, roles),
        "administrators": list(administrators[:5]),
        # Back to the page once the role is taken; a refused form's address would not open with a GET.
        "next": request.get_full_path() if request.method == "GET" else "",
    }
    return render(request, "people/role_needed.html", context, status=403)


def tenant_view(
    *roles: str,
) -> Callable[[Callable[Concatenate[TenantRequest, _ViewParams], HttpResponseBase]], TenantView[_ViewParams]]:
    """Decorate a view under /<org_slug>/: resolve the tenant and require one of `roles` (any member if none).

    Anonymous users are sent to the login page; non-members get 404; members without the role get 403, a page
    that says which role the page needs and who can grant it (`role_needed`).
    The view is called without org_slug, with `request.tenant` set.
    """
    for role in roles:
        Role(role)  # fail at import time on a typo

    def decorator(
        view: Callable[Concatenate[TenantRequest, _ViewParams], HttpResponseBase],
    ) -> TenantView[_ViewParams]:
        @wraps(view)
        def wrapper(
            request: HttpRequest, org_slug: str, *args: _ViewParams.args, **kwargs: _ViewParams.kwargs
        ) -> HttpResponseBase:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            tenant_request = cast(TenantRequest, request)
            tenant_request.tenant = resolve_tenant(request, org_slug)
            if roles and not tenant_request.tenant.holds(*roles):
                return role_needed(tenant_request, roles)
            return view(tenant_request, *args, **kwargs)

        tenant_wrapper = cast(TenantView[_ViewParams], wrapper)
        tenant_wrapper.tenant_roles = tuple(roles) or tuple(ROLE_PRECEDENCE)
        return tenant_wrapper

    return decorator
