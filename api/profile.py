"""The signed-in user's profile page, /accounts/profile/: their organizations, e-mail notifications, password
and API token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from people.forms import NotificationsForm
from people.tenancy import memberships

from .tokens import current_token, issue_token, revoke_token


@never_cache
@login_required
def profile(request):
    """Show whether the user has a token; create, regenerate or revoke it.

    A new key is shown in the answer to the POST that made it, and stored nowhere (not even in the session).
    """
    new_key = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "create":
            had_one = current_token(request.user) is not None
            new_key = issue_token(request.user).key
            if had_one:
                messages.success(request, "A new API token was created. The previous one no longer works.")
            else:
                messages.success(request, "Your API token was created.")
        elif action == "notifications":
            _save_notifications(request)
            return redirect("profile")
        elif action == "revoke" and revoke_token(request.user):
            messages.success(request, "Your API token was revoked. Scripts using it can no longer sign in.")
            return redirect("profile")
        else:
            return redirect("profile")
    return render(
        request,
        "people/profile.html",
        {"token": current_token(request.user), "new_key": new_key, "memberships": memberships(request.user)},
    )


def _save_notifications(request):
    """Turn one membership's notification e-mails on or off; only the user's own memberships are found."""
    form = NotificationsForm(request.POST)
    if not form.is_valid():
        return
    person = memberships(request.user).filter(organization_id=form.cleaned_data["organization"]).first()
    if person is None:
        return
    person.email_notifications = form.cleaned_data["email_notifications"]
    person.save(update_fields=["email_notifications"])
    state = "on" if person.email_notifications else "off"
    messages.success(request, f"E-mail notifications from {person.organization.name} are {state}.")
