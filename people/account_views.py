"""Pages outside any organization: sign-up, invitations, password reset and change."""

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

from .forms import EmailPasswordResetForm, SignupForm
from .invitations import (
    InvitationError,
    accept_invitation,
    create_login_and_accept,
    find_invitation,
    new_login_for,
    user_for_email,
)
from .models import Invitation
from .rate_limits import allow_request, client_address
from .signup import SignupError, confirm_signup, find_pending_signup, start_signup

THROTTLED = "Too many requests from here. Wait an hour and try again."
# A new password ends the login's API token (api.tokens): said wherever a password is set.
TOKENS_REVOKED = (
    "Your API token, if you had one, was revoked with the old password: "
    "create a new one under API token on your profile page and give it to your scripts."
)


@never_cache
@sensitive_post_parameters("password")
def signup(request: HttpRequest) -> HttpResponse:
    """The public sign-up page; the same answer whether or not the e-mail already has a login."""
    form = SignupForm(request.POST or None)
    if request.method == "POST":
        if not allow_request("signup", [client_address(request)]):
            form.add_error(None, THROTTLED)
        elif form.is_valid():
            if allow_request("signup-email", [form.cleaned_data["email"]]):
                start_signup(form, request)
            return redirect("signup_sent")
    return render(request, "registration/signup.html", {"form": form})


def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html")


@never_cache
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button (mail scanners that follow links confirm nothing); POST creates the organization."""
    pending = find_pending_signup(token)
    if pending is None:
        return render(request, "registration/link_invalid.html", {"what": "sign-up link"}, status=404)
    if request.method == "POST":
        try:
            person, existing_login = confirm_signup(pending)
        except SignupError as error:
            messages.error(request, str(error))
            return redirect("signup")
        if existing_login:
            messages.success(
                request,
                f"{person.organization.name} is ready. Your e-mail already had a Primetric login: "
                "sign in with its password.",
            )
        else:
            messages.success(request, f"{person.organization.name} is ready. Sign in to start.")
        return redirect(f"{reverse('login')}?next={reverse('home', args=[person.organization.slug])}")
    return render(request, "registration/signup_confirm.html", {"pending": pending})


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
