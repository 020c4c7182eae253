from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm

from .auth import client_address, login_blocked
from .emails import stored_email
from .models import Person
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

    def clean(self):
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


class PersonForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        choices=Role.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Managers and Employees can have their Hubstaff time synced.",
    )

    class Meta:
        model = Person
        fields = ["full_name", "email"]
        labels = {"full_name": "Full name", "email": "Email"}
        field_classes = {"full_name": CleanTextField}

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["roles"].initial = self.instance.roles

    def clean_email(self):
        email = stored_email(self.cleaned_data["email"])
        clash = (
            Person.objects.for_org(self.organization).filter(email__iexact=email).exclude(pk=self.instance.pk)
        )
        if clash.exists():
            raise forms.ValidationError("A person with this e-mail already exists in this organization.")
        return email

    def save(self, commit=True):
        person = super().save(commit=False)
        person.organization = self.organization
        person.set_roles(self.cleaned_data.get("roles") or [])
        if commit:
            person.save()
        return person


class RoleSwitchForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
