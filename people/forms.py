from collections.abc import Collection, Iterator
from typing import Any, cast
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordMixin
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import slugify

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
        error_messages={"required": "Choose at least one role: without one this person has no pages here."},
        help_text="At least one. Managers and Employees can have their Hubstaff time synced.",
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
        role_required: bool = False,
        **kwargs: Any,
    ) -> None:
        """role_required: the page's form, where a person ticks at least one role; elsewhere (the API) a person
        given none is an Employee. Either way nobody is saved without a role, whose home would offer no page."""
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.fields["roles"].required = role_required
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
        person.set_roles(self.cleaned_data.get("roles") or [Role.EMPLOYEE])
        if commit:
            person.save()
        return person


class RoleSwitchForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


def suggest_slug(organization_name: str) -> str:
    """The address suggested for an organization's name: "Initech & Sons, Ltd." gives "initech-sons-ltd".

    The same rule as the sign-up page's script (static/js/signup.js), so that both suggest one address.
    """
    # slugify drops accents ("Café" gives "cafe") and what is not a letter, digit or hyphen.
    return slugify(organization_name)[:60].strip("-")


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
        required=False,
        help_text=(
            "Your organization's pages live at /<address>/: letters, digits and hyphens. "
            "Suggested from the organization's name; left empty, it is made from it."
        ),
        validators=[validate_slug_not_reserved],
    )
    full_name = CleanTextField(label="Your full name", max_length=200)
    email = forms.EmailField(label="Your e-mail", max_length=254)

    field_order = ["organization_name", "slug", "full_name", "email"]

    def clean_slug(self) -> str:
        return str(self.cleaned_data["slug"]).lower()

    def clean(self) -> dict[str, Any]:
        """An empty address is made from the organization's name (the page suggests the same as it is typed)."""
        cleaned = super().clean() or self.cleaned_data
        if cleaned.get("slug") or "slug" in self.errors or not cleaned.get("organization_name"):
            return cleaned
        slug = suggest_slug(cleaned["organization_name"])
        if not slug:  # a name with no letter or digit of the address's alphabet
            self.add_error("slug", "Choose an address: letters, digits and hyphens.")
            return cleaned
        try:
            validate_slug_not_reserved(slug)
        except forms.ValidationError as error:
            self.add_error("slug", error)
        else:
            cleaned["slug"] = slug
        return cleaned

    def clean_email(self) -> str:
        return stored_email(self.cleaned_data["email"])


class SignupConfirmForm(SetPasswordMixin, forms.Form):  # type: ignore[type-arg]  # generic in the stubs only
    """The page the sign-up's e-mailed link opens: the organization's address (another one if it is taken) and,
    for an e-mail without a login, the password, chosen by whoever holds the mailbox; for an e-mail that has a
    login, that login's password (unless it is the one signed in here), so that confirming signs the person in."""

    slug = forms.SlugField(
        label="Address",
        max_length=60,
        help_text="Your organization's pages live at /<address>/: letters, digits and hyphens.",
        validators=[validate_slug_not_reserved],
    )
    password1, password2 = SetPasswordMixin.create_password_fields()
    password = forms.CharField(
        label="Your Primetric password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(
        self,
        *args: Any,
        new_login: User | None,
        existing_login: User | None = None,
        request: HttpRequest | None = None,
        **kwargs: Any,
    ) -> None:
        """new_login: the unsaved login the password is for, or None when the e-mail already has one;
        existing_login: that login when its password is still to be given (not signed in here)."""
        self.new_login = new_login
        self.existing_login = existing_login
        self.request = request
        super().__init__(*args, **kwargs)
        if new_login is None:
            del self.fields["password1"], self.fields["password2"]
        if existing_login is None:
            del self.fields["password"]

    def clean_slug(self) -> str:
        slug = str(self.cleaned_data["slug"]).lower()
        if Organization.objects.filter(slug__iexact=slug).exists():
            raise forms.ValidationError("This address is taken; choose another.", code="taken")
        return slug

    def clean_password(self) -> str:
        """The existing login's own password; the backend counts a wrong one and pauses after repeated ones."""
        password: str = self.cleaned_data["password"]
        if self.existing_login is None:  # the field exists only then
            raise RuntimeError("no existing login to check the password of")
        user = authenticate(self.request, username=self.existing_login.username, password=password)
        if user is None or user.pk != self.existing_login.pk:
            raise forms.ValidationError(
                "That is not the password of this login. Forgot it? Reset it, then open this link again.",
                code="wrong_password",
            )
        return password

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
