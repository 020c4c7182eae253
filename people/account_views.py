"""Pages outside any organization: sign-up, invitations, password reset and change."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from .forms import EmailPasswordResetForm, SignupConfirmForm, SignupForm
from .invitations import (
    InvitationError,
    accept_invitation,
    create_login_and_accept,
    find_invitation,
    new_login_for,
    user_for_email,
)
from .models import Invitation, Person
from .rate_limits import allow_request, client_address
from .signup import (
    SignupError,
    SlugTaken,
    confirm_signup,
    find_pending_signup,
    new_login_for_signup,
    start_signup,
)

THROTTLED = "Too many requests from here. Wait an hour and try again."
SIGNUP_THROTTLED = "Too many sign-ups from here or for this e-mail address. Wait an hour and try again."
# A new password ends the login's API token (api.tokens): said wherever a password is set.
TOKENS_REVOKED = (
    "Your API token, if you had one, was revoked with the old password: "
    "create a new one under API token on your profile page and give it to your scripts."
)


@never_cache
def signup(request: HttpRequest) -> HttpResponse:
    """The public sign-up page: "check your mailbox" for every well-formed request, whatever exists already.

    The limits come first and are read from the raw input, so that a refused request runs none of the form's
    checks; each limit counts the request even when another refuses it (an address rotating clients still
    reaches the e-mail's limit).
    """
    if request.method != "POST":
        return render(request, "registration/signup.html", {"form": SignupForm()})
    allowed = [
        allow_request("signup", [client_address(request)]),
        allow_request("signup-email", [request.POST.get("email", "")]),
    ]
    if not all(allowed):
        form = SignupForm(initial={k: request.POST.get(k, "") for k in SignupForm.base_fields})
        context = {"form": form, "refused": SIGNUP_THROTTLED}
        return render(request, "registration/signup.html", context, status=429)
    form = SignupForm(request.POST)
    if not form.is_valid():
        return render(request, "registration/signup.html", {"form": form})
    start_signup(form)
    return redirect("signup_sent")


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html")


@never_cache
@sensitive_post_parameters("password1", "password2", "password")
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mailed link's page: choose the password (or give the password of the login the e-mail has) and
    confirm; confirming signs the person in.

    GET only shows the form (mail scanners that follow links confirm nothing); POST creates the organization.
    """
    pending = find_pending_signup(token)
    if pending is None:
        return render(request, "registration/link_invalid.html", {"what": "sign-up link"}, status=404)
    new_login = new_login_for_signup(pending)
    existing = None if new_login is not None else user_for_email(pending.email)
    signed_in_as_it = (
        existing is not None and request.user.is_authenticated and request.user.pk == existing.pk
    )
    password_of = None if signed_in_as_it else existing  # the login whose password is still to be given

    def make_form(data: Mapping[str, Any]) -> SignupConfirmForm:
        return SignupConfirmForm(data, new_login=new_login, existing_login=password_of, request=request)

    if request.method == "POST":
        form = make_form(request.POST)
        if form.is_valid():
            password = form.cleaned_data.get("password1")
            try:
                person, _existing_login = confirm_signup(pending, form.cleaned_data["slug"], password)
            except SlugTaken as error:
                form.add_error("slug", str(error))
            except SignupError as error:
                messages.error(request, str(error))
                return redirect("signup")
            else:
                return _signed_up(request, person)
    else:
        form = make_form({"slug": pending.slug})
        # The address is checked at once, so that a taken one is offered for change before anything is typed;
        # the password fields are not yet filled in, so their errors wait for the POST.
        form.is_valid()
        for name in ("password1", "password2", "password"):
            form.errors.pop(name, None)
    context = {
        "pending": pending,
        "form": form,
        "has_login": new_login is None,
        "signed_in_as_it": signed_in_as_it,
    }
    return render(request, "registration/signup_confirm.html", context)


def _signed_up(request: HttpRequest, person: Person) -> HttpResponse:
    """Sign the founder in: the password was chosen or given on the confirmation page (or she is signed in)."""
    organization = person.organization
    if person.user is None:  # a confirmed sign-up always has its login
        raise RuntimeError("a confirmed sign-up without its login")
    login(request, person.user, backend=settings.AUTHENTICATION_BACKENDS[0])
    messages.success(request, f"{organization.name} is ready. The checklist below takes you to synced hours.")
    return redirect("home", org_slug=organization.slug)


@never_cache
@sensitive_post_parameters("new_password1", "new_password2")
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation's link: choose a password (no login with this e-mail yet) or sign in and accept."""
    invitation = find_invitation(token)
    if invitation is None:
        return render(request, "registration/link_invalid.html", {"what": "invitation"}, status=404)
    existing = user_for_email(invitation.email)
    if existing is None:
        return _set_password_and_accept(request, invitation)
    context = {"invitation": invitation, "login_url": f"{reverse('login')}?next={request.path}"}
    if request.method == "POST" and request.user.is_authenticated:
        try:
            person = accept_invitation(invitation, request.user)
        except InvitationError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, f"You joined {person.organization.name}.")
            return redirect("home", org_slug=person.organization.slug)
    return render(request, "registration/invitation_accept.html", context)


def _set_password_and_accept(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    form = SetPasswordForm(new_login_for(invitation), request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = create_login_and_accept(invitation, form)
        except InvitationError as error:
            messages.error(request, str(error))
            return redirect("login")
        # The login just chose its password here: signed in with the site's own (first) backend.
        login(request, person.user, backend=settings.AUTHENTICATION_BACKENDS[0])
        messages.success(request, f"Welcome to {person.organization.name}.")
        return redirect("home", org_slug=person.organization.slug)
    return render(
        request, "registration/invitation_set_password.html", {"invitation": invitation, "form": form}
    )


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, by e-mail (the login's username), limited per client address and per e-mail."""

    form_class = EmailPasswordResetForm
    email_template_name = "emails/password_reset.txt"
    subject_template_name = "emails/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        idents = [client_address(self.request), form.cleaned_data["email"]]
        if not allow_request("password-reset", idents):
            form.add_error(None, THROTTLED)
            return self.form_invalid(form)
        return super().form_valid(form)


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("profile")

    def form_valid(self, form: PasswordChangeForm) -> HttpResponse:
        messages.success(self.request, f"Your password was changed. {TOKENS_REVOKED}")
        return super().form_valid(form)
