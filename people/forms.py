from collections.abc import Collection, Iterator
from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.contrib.auth.models import User
from django.template.loader import render_to_string
from django.urls import reverse

from .auth import client_address, login_blocked
from .emails import stored_email
from .mail import QueuedEmail, absolute_url, queue_email
from .models import Organization, Person, validate_slug_not_reserved
from .roles import Role
from .text import CleanTextField


class EmailLoginForm(AuthenticationForm):
    """The sign-in form: e-mail and password, with a pause after repeated failures."""

    username = forms.EmailField(
        label="Email", widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password do not match an account.",
        "throttled": "Too many failed sign-ins. Wait a few minutes and try again.",
    }

    def clean(self) -> dict[str, Any]:
        # The backend counts the failures and refuses a paused account or address (people/auth.py); the form only
        # tells the pause apart from a wrong password.
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email and password:
            if login_blocked(email, client_address(self.request)):
                raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
            self.user_cache = authenticate(self.request, username=email, password=password)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PersonForm(forms.ModelForm):  # type: ignore[type-arg]  # generic in the stubs only
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Managers and Employees can have their Hubstaff time synced.",
    )
    invite = forms.BooleanField(
        label="E-mail an invitation to sign in",
        required=False,
    )

    class Meta:
        model = Person
        fields = ["full_name", "email"]
        labels = {"full_name": "Full name", "email": "Email"}
        field_classes = {"full_name": CleanTextField}

    instance: Person

    def __init__(
        self,
        *args: Any,
        organization: Organization,
        allowed_roles: Collection[str] | None = None,
        **kwargs: Any,
    ) -> None:
        self.organization = organization
        super().__init__(*args, **kwargs)
        if allowed_roles is not None:
            # A Manager adds teammates as Managers or Employees, never as Administrators.
            roles_field = cast(forms.MultipleChoiceField, self.fields["roles"])
            roles_field.choices = [c for c in Role.choices if c[0] in allowed_roles]
        if self.instance.pk:
            self.fields["roles"].initial = self.instance.roles
        if self.instance.user_id:
            del self.fields["invite"]
        else:
            days = settings.INVITATION_MAX_AGE // 86400
            self.fields["invite"].help_text = (
                "A link to choose a password (or to join with the login they already have), "
                f"valid for {days} day{'s' if days != 1 else ''}."
            )

    def clean_email(self) -> str:
        email = stored_email(self.cleaned_data["email"])
        clash = (
            Person.objects.for_org(self.organization).filter(email__iexact=email).exclude(pk=self.instance.pk)
        )
        if clash.exists():
            raise forms.ValidationError("A person with this e-mail already exists in this organization.")
        return email

    def save(self, commit: bool = True) -> Person:
        person: Person = super().save(commit=False)
        person.organization = self.organization
        person.set_roles(self.cleaned_data.get("roles") or [])
        if commit:
            person.save()
        return person


class RoleSwitchForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class SignupForm(forms.Form):
    """A new organization and its first Administrator's name and e-mail.

    It checks only the shape of what is typed: whether the address (slug) or the e-mail is in use is told only
    to whoever opens the e-mailed link, so that the form lists neither organizations nor logins. The password
    is chosen there too (SignupConfirmForm).
    """

    organization_name = CleanTextField(label="Organization name", max_length=200)
    slug = forms.SlugField(
        label="Address",
        max_length=60,
        help_text="Your organization's pages live at /<address>/: letters, digits and hyphens.",
        validators=[validate_slug_not_reserved],
    )
    full_name = CleanTextField(label="Your full name", max_length=200)
    email = forms.EmailField(label="Your e-mail", max_length=254)

    def clean_slug(self) -> str:
        return str(self.cleaned_data["slug"]).lower()

    def clean_email(self) -> str:
        return stored_email(self.cleaned_data["email"])


class SignupConfirmForm(SetPasswordMixin, forms.Form):  # type: ignore[type-arg]  # generic in the stubs only
    """The page the sign-up's e-mailed link opens: the organization's address (another one if it is taken) and,
    for an e-mail without a login, the password, chosen by whoever holds the mailbox."""

    slug = forms.SlugField(
        label="Address",
        max_length=60,
        help_text="Your organization's pages live at /<address>/: letters, digits and hyphens.",
        validators=[validate_slug_not_reserved],
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def __init__(self, *args: Any, new_login: User | None, **kwargs: Any) -> None:
        """new_login: the unsaved login the password is for, or None when the e-mail already has one."""
        self.new_login = new_login
        super().__init__(*args, **kwargs)
        if new_login is None:
            del self.fields["password1"], self.fields["password2"]

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).lower()
        if Organization.objects.filter(slug__iexact=slug).exists():
            raise forms.ValidationError("This address is taken; choose another.", code="taken")
        return slug

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.new_login is not None:
            self.validate_passwords()
            self.validate_password_for_user(self.new_login)
        return cleaned or self.cleaned_data


class NotificationsForm(forms.Form):
    """The profile page's e-mail choice, per organization the user belongs to."""

    organization = forms.IntegerField()
    email_notifications = forms.BooleanField(required=False)


class EmailPasswordResetForm(PasswordResetForm):
    """Django's reset form, finding the login by its e-mail as people sign in with it (the username)."""

    def get_users(self, email: str) -> Iterator[User]:
        users = get_user_model()._default_manager.filter(username=email.strip().lower(), is_active=True)
        # Django sends to the login's e-mail field: every login made here has one (its username, as typed).
        return (user for user in users if user.has_usable_password() and user.email)

    def save(self, **options: Any) -> None:  # type: ignore[override]
        """Django's reset, with the e-mail's site taken from SITE_URL, never from the request's Host header."""
        site = urlsplit(settings.SITE_URL)
        options.update(domain_override=site.netloc, use_https=site.scheme == "https")
        super().save(**options)

    def send_mail(
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict[str, Any],
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        """Queue the reset e-mail (sent after the request, retried), its link starting with SITE_URL."""
        del (
            from_email,
            html_email_template_name,
        )  # Django's signature: the sender is DEFAULT_FROM_EMAIL, text only
        path = reverse("password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        context = {**context, "link": absolute_url(path)}
        subject = " ".join(render_to_string(subject_template_name, context).split())
        body = render_to_string(email_template_name, context)
        queue_email(QueuedEmail(subject=subject, body=body, recipients=[to_email], invitation_id=None))
