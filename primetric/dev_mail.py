"""The development mailbox, /dev/mail/: the e-mails the file-based backend wrote under var/mail/.

Only with DEV_MAILBOX (never in production) and the file-based backend; otherwise a 404, as if it did not exist.
"""

import email
import email.policy
from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import render

FILE_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
# The file-based backend writes the messages of one connection into one file, each followed by this line.
SEPARATOR = "-" * 79
SHOWN = 50


def read_messages(directory):
    """Every message in the directory's files, newest first: dicts of subject, to, date and text body."""
    found = []
    files = sorted(Path(directory).glob("*.log"), key=lambda f: f.stat().st_mtime, reverse=True)
    for path in files[:SHOWN]:
        chunks = path.read_text(errors="replace").split(f"\n{SEPARATOR}\n")
        for index, chunk in enumerate(reversed(chunks)):
            if not chunk.strip():
                continue
            message = email.message_from_string(chunk.lstrip(), policy=email.policy.default)
            body = message.get_body(preferencelist=("plain",))
            found.append(
                {
                    "id": f"{path.stem}-{index}",
                    "subject": str(message["Subject"] or ""),
                    "to": str(message["To"] or ""),
                    "date": str(message["Date"] or ""),
                    "body": body.get_content() if body is not None else "",
                }
            )
    return found


def mailbox(request):
    if not (settings.DEV_MAILBOX and settings.EMAIL_BACKEND == FILE_BACKEND):
        raise Http404("No mailbox here.")
    directory = Path(settings.EMAIL_FILE_PATH)
    mails = read_messages(directory) if directory.is_dir() else []
    return render(request, "dev_mailbox.html", {"mails": mails, "directory": directory})
