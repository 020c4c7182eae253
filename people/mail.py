"""E-mails written from templates: templates/emails/<name>_subject.txt and templates/emails/<name>.txt."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.http import HttpRequest
from django.template.loader import render_to_string


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    """A link for an e-mail: from the request's own address when there is one, else from SITE_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.SITE_URL}{path}"


def render_email(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the e-mail template `name`."""
    subject = " ".join(render_to_string(f"emails/{name}_subject.txt", context).split())
    body = render_to_string(f"emails/{name}.txt", context)
    return subject, body


def send_templated_email(name: str, context: dict[str, Any], recipients: list[str]) -> None:
    """Render and send one e-mail to the recipients (a list of addresses)."""
    subject, body = render_email(name, context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
