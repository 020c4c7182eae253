from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .forms import EmailLoginForm, PersonForm, RoleSwitchForm
from .models import Person
from .panels import render_person_panels
from .roles import NAVIGATION, Role
from .selectors import clean_search, search_people
from .services import save_person
from .tenancy import set_active_role, tenant_view


class SignInView(LoginView):
    form_class = EmailLoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@tenant_view()
@require_POST
def switch_role(request):
    """Change the role the member acts in here, and land on that role's main page."""
    form = RoleSwitchForm(request.POST)
    org_slug = request.tenant.organization.slug
    if not form.is_valid():
        return redirect("home", org_slug=org_slug)
    role = form.cleaned_data["role"]
    set_active_role(request.session, request.tenant.person, role)
    messages.success(request, f"You are now acting as {Role(role).label}.")
    return redirect(NAVIGATION[role][0][0], org_slug=org_slug)


@tenant_view(Role.ADMINISTRATOR)
def person_list(request):
    query = clean_search(request.GET.get("q"))
    people = search_people(request.tenant.scope(Person).select_related("user"), query)
    return render(request, "people/person_list.html", {"people": people, "query": query})


@tenant_view(Role.ADMINISTRATOR)
def person_create(request):
    initial = {"email": request.GET.get("email", ""), "full_name": request.GET.get("full_name", "")}
    if request.GET.get("role") in Role.values:
        initial["roles"] = [request.GET["role"]]
    form = PersonForm(request.POST or None, organization=request.tenant.organization, initial=initial)
    if request.method == "POST" and form.is_valid():
        person = save_person(form)
        messages.success(request, f"{person.full_name} was added.")
        return redirect("people:list", org_slug=request.tenant.organization.slug)
    return render(request, "people/person_form.html", {"form": form, "creating": True})


@tenant_view(Role.ADMINISTRATOR)
def person_edit(request, person_id):
    person = request.tenant.get(Person, person_id)
    form = PersonForm(request.POST or None, instance=person, organization=request.tenant.organization)
    if request.method == "POST" and form.is_valid():
        save_person(form)
        messages.success(request, f"{person.full_name} was saved.")
        return redirect("people:list", org_slug=request.tenant.organization.slug)
    return render(
        request,
        "people/person_form.html",
        {
            "form": form,
            "person": person,
            "creating": False,
            "panels": render_person_panels(request, person),
        },
    )
