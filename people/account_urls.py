from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import account_views
from .views import SignInView

urlpatterns = [
    path("login/", SignInView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("invitation/<str:token>/", account_views.invitation, name="invitation"),
    path("password/reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(success_url=reverse_lazy("password_reset_complete")),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("password/change/", account_views.PasswordChangeView.as_view(), name="password_change"),
]

# Included by the root URLconf at signup/.
signup_urlpatterns = [
    path("", account_views.signup, name="signup"),
    path("sent/", account_views.signup_sent, name="signup_sent"),
    path("confirm/<str:token>/", account_views.signup_confirm, name="signup_confirm"),
]
