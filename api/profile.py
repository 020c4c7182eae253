"""The signed-in user's profile page, /accounts/profile/: their organizations and their API token."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

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
