"""The development mailbox, /dev/mail/: the e-mails the file-based backend wrote under var/mail/.

It holds every tenant's mail (invitations, sign-up and password-reset links), so it answers only when all hold:
DEV_MAILBOX (set only with PRIMETRIC_ENV=development, never in production) and the file-based backend, and the
request comes from this machine (a loopback address); otherwise a 404, as if it did not exist. A signed-out
visitor is sent to sign in; an operator (`is_staff`, as the demo's Administrator is) reads every e-mail, anyone
else only the e-mails addressed to their own login's address.
"""

import email
import email.policy
import email.utils
import ipaddress
from pathlib import Path

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# The file-based backend writes the messages of one connection into one file, each followed by this line.
SEPARATOR = "-" * 79
SHOWN = 50


def read_messages(directory):
    """Every message in the directory's files, newest first: dicts of subject, to, date, text body and the
    recipients' addresses (lower case)."""
    found = []
    files = sorted(Path(directory).glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True)
    for path in files[:SHOWN]:
        chunks = path.read_text(errors="replace").split(f"\n{SEPARATOR}\n")
        for index, chunk in enumerate(reversed(chunks)):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.lstrip(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            headers = [str(message[name] or "") for name in ("To", "Cc")]
            found.append(
                {
                    "id": f"{path.stem}-{index}",
                    "subject": str(message["Subject"] or ""),
                    "to": str(message["To"] or ""),
                    "date": str(message["Date"] or ""),
                    "body": body.get_content() if body is not None else "",
                    "recipients": {address.lower() for _, address in email.utils.getaddresses(headers)},
                }
            )
    return found


def from_this_machine(request: HttpRequest) -> bool:
    """Whether the request's peer is a loopback address (127.0.0.0/8, ::1). REMOTE_ADDR is the connection's
    own peer: nothing in this project rewrites it from a forwarded header."""
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def mailbox(request: HttpRequest) -> HttpResponse:
    if not (settings.DEV_MAILBOX and settings.EMAIL_BACKEND == FILE_BACKEND and from_this_machine(request)):
        raise Http404("No mailbox here.")
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    directory = Path(settings.EMAIL_FILE_PATH)  # type: ignore[misc]  # set with the file-based backend only
    mails = read_messages(directory) if directory.is_dir() else []
    everyone = request.user.is_staff
    if not everyone:
        own = (request.user.email or request.user.get_username()).lower()
        mails = [mail for mail in mails if own and own in mail["recipients"]]
    context = {"mails": mails, "directory": directory, "everyone": everyone, "own": request.user.email}
    return render(request, "dev_mailbox.html", context)
