from typing import Any

from django import forms


class HubstaffCredentialsForm(forms.Form):
    """Step "Configure Primetric": the Client ID and Client secret of the app created at Hubstaff.

    The secret is never rendered back (PasswordInput without render_value); when one is already saved for this
    Client ID, it may be left empty to keep it.
    """

    client_id = forms.CharField(
        label="Client ID",
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    client_secret = forms.CharField(
        label="Client secret",
        max_length=500,
        required=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "spellcheck": "false"}, render_value=False
        ),
    )

    def __init__(
        self, *args: Any, saved_client_id: str = "", has_saved_secret: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.saved_client_id = saved_client_id
        self.has_saved_secret = has_saved_secret
        if has_saved_secret:
            self.fields[
                "client_secret"
            ].help_text = "A secret is saved for this Client ID; leave this empty to keep it."

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        if cleaned is None:
            return None
        client_id = cleaned.get("client_id", "")
        keeps_saved = self.has_saved_secret and client_id == self.saved_client_id
        if client_id and not cleaned.get("client_secret") and not keeps_saved:
            self.add_error(
                "client_secret", "Paste the Client secret shown by Hubstaff next to the Client ID."
            )
        return cleaned
